"""tests/etl: let pytest rewrite the asserts in the shared harness, so a failed check there shows
the values it compared, as it would in a test file."""
import pytest

pytest.register_assert_rewrite("tests.etl.harness")

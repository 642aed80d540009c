"""Shared fixtures: where the raw files are (tests that need them skip, saying why, when absent),
where the small quirk fixtures are, and the processed data/ folder."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

# Before any test module imports them (tests/app uses the page harness too), so their asserts
# keep pytest's detailed messages.
pytest.register_assert_rewrite("tests.pages.harness", "tests.etl.harness")

from etl.build import DEFAULT_OUT, default_raw_dir  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"

# Neither the AppTest runs of dashboard.py nor the servers the browser tests start rebuild the
# static site in the background (app.glue.static_site.refresh_in_background): a test that needs
# the site builds it itself (static_site.ensure_current), and no build runs beside the others.
os.environ.setdefault("BENZO_STATIC_SITE", "off")


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    """The shared raw folder; skip (with the reason) on a fresh clone that lacks it."""
    path = default_raw_dir()
    if path is None or not path.is_dir():
        if os.environ.get("REQUIRE_RAW"):
            pytest.fail("REQUIRE_RAW is set but the raw folder (../shared/data/raw) is missing")
        pytest.skip("raw source files not found (../shared/data/raw or $BENZO_RAW_DIR): "
                    "these tests parse the publishers' real files, which CI provides")
    return path


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DEFAULT_OUT

"""The data-access tests' shared fixture (tests/app/data/samples.py)."""
from tests.app.data.samples import data_folder  # noqa: F401 (a pytest fixture)

"""Fixtures the tests of several app/ subpackages share: the export samples' browser and slide
images (tests/app/export/samples.py) and the presenter's tables, values and built charts
(tests/app/presenting/samples.py)."""
from tests.app.export.samples import browser, slide_images  # noqa: F401 (pytest fixtures)
from tests.app.presenting.samples import built, chart_tables, values  # noqa: F401 (fixtures)

"""Shared fixtures: where the raw files are (tests that need them skip, saying why, when absent),
where the small quirk fixtures are, and the processed data/ folder."""
from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

try:
    import fcntl
except ImportError:  # Windows: the timing lock is not taken
    fcntl = None

# Before any test module imports them (tests/app uses the page harness too), so their asserts
# keep pytest's detailed messages.
pytest.register_assert_rewrite("tests.pages.harness", "tests.etl.harness")

from etl.build import DEFAULT_OUT, default_raw_dir  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"

# Neither the AppTest runs of dashboard.py nor the servers the browser tests start rebuild the
# static site in the background (app.glue.static_site.refresh_in_background): a test that needs
# the site builds it itself (static_site.ensure_current), and no build runs beside the others.
os.environ.setdefault("BENZO_STATIC_SITE", "off")


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups from the markers
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that use the app server of tests/browser/conftest.py (`app_url`) form one xdist group:
    they run one after another on one worker, against one server, as they would without xdist,
    so a test timing how fast a window follows another does not share its server with a second
    browser. Tests that start their own server or none are shared out between the workers."""
    for item in items:
        if "app_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("app_server"))


def quiet_lock_path(config: pytest.Config) -> Path | None:
    """The lock file the workers of this test run share (None without xdist workers)."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is None:
        return None
    return Path(tempfile.gettempdir()) / f"benzo-tests-{workerinput['testrunuid']}.quiet"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """A test marked `timing` measures how fast the app answers, so it runs with no test of the
    other worker beside it: it holds the run's lock exclusively, every other test holds it shared
    (a test under way finishes first; the other worker's next test waits). The lock is held over
    the whole test, the fixtures it sets up included (a site build, a server start). Without xdist,
    or where fcntl is missing (Windows), nothing is locked."""
    path = quiet_lock_path(item.config)
    if path is None or fcntl is None:
        return (yield)
    exclusive = item.get_closest_marker("timing") is not None
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            return (yield)
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


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


@pytest.fixture(scope="session")
def static_site_dir() -> Path:
    """The static site the app serves (static/site/), built once per test session when missing or
    stale: the site's own tests and its browser tests read the same build."""
    from app.glue import static_site
    return static_site.ensure_current()

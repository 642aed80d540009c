"""benchmarks/load_test.py: when a session counts as lost, and the one extra visit that gives
every session its download (what benchmarks/load_balanced.py reports through the balancer)."""
from __future__ import annotations

import time

from benchmarks.load_test import DOWNLOAD_PAGE, Stats, next_page, session_outcomes

PAGES = [("overview", "pages/overview.py"), (DOWNLOAD_PAGE, "pages/explorer.py")]


def test_a_session_is_lost_when_it_moved_started_over_or_its_download_failed():
    stats = Stats()
    kept = stats.session(0)
    kept.update(backends={"app1"}, websockets=1, download={"ok": True})
    moved = stats.session(1)
    moved.update(backends={"app1", "app2"}, websockets=1, download={"ok": True})
    again = stats.session(2)
    again.update(backends={"app2"}, websockets=2, download={"ok": True})
    failed = stats.session(3)
    failed.update(backends={"app2"}, websockets=1, download={"ok": False})
    direct = stats.session(4)  # no balancer: no X-Backend header, no download asked for
    direct.update(backends={None}, websockets=1)
    outcome = session_outcomes(stats)
    assert outcome["sessions_lost"] == 3
    assert outcome["lost_by_reason"] == {"answered by more than one process": 1,
                                         "opened another websocket (started over)": 1,
                                         "download failed": 1}
    assert (outcome["downloads_ok"], outcome["downloads_failed"],
            outcome["sessions_without_download"]) == (3, 1, 1)
    assert outcome["sessions_per_backend"] == {"app1": 2, "app2": 3}


def test_a_session_without_its_download_visits_the_download_page_once_more():
    info = Stats().session(0)
    running = time.monotonic() + 60
    assert next_page(PAGES, 0, running, 0, 10, info, True) == "overview"
    assert next_page(PAGES, 3, running, 0, 10, info, True) == DOWNLOAD_PAGE
    over = time.monotonic() - 1
    assert next_page(PAGES, 0, over, 5, 10, info, False) is None
    assert next_page(PAGES, 0, over, 5, 10, info, True) == DOWNLOAD_PAGE
    assert next_page(PAGES, 1, over, 6, 10, info, True) is None, "only one extra visit"
    done = Stats().session(1)
    done["download"] = {"ok": True}
    assert next_page(PAGES, 0, running, 10, 10, done, True) is None

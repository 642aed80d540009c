"""app/glue/warmup.py: a warm-up session runs every page of a real server once, default view,
reading the page list from the server itself, with no exception or error box, saying when the
landing page is warm and pausing after it when asked; a script run under AppTest (no server)
starts no warm-up; the server's own address is where it listens."""
from __future__ import annotations

import asyncio
import time

import pytest
from streamlit.testing.v1 import AppTest

import devtools
from app.glue import warmup


@pytest.fixture(scope="module")
def server():
    port = devtools.free_port()
    proc = devtools.start_streamlit("dashboard.py", port)
    yield f"http://127.0.0.1:{port}"
    devtools.stop_streamlit(proc)


def test_a_warm_up_runs_every_page_once_without_errors(server):
    report = asyncio.run(warmup.warm(server))
    expected = {p.served_at for p in devtools.dashboard_pages()}
    assert {r["page"] for r in report} == expected, "every page of dashboard.py, from the server"
    assert all(not r["exceptions"] and not r["errors"] and not r.get("not_found")
               for r in report), [r for r in report if r["exceptions"] or r["errors"]]
    firsts: list[dict] = []
    began = time.monotonic()
    skipped = asyncio.run(warmup.warm(server, skip=("states",), pause_after_first=0.5,
                                      on_first=firsts.append))
    assert "states" not in {r["page"] for r in skipped}
    assert [r["page"] for r in firsts] == [""], "told once, when the landing page is warm"
    assert time.monotonic() - began >= 0.5, "the pause after the landing page"


def test_a_script_run_without_a_server_starts_no_warm_up(monkeypatch):
    started = []
    monkeypatch.setattr(warmup, "warm_in_thread", lambda *a, **k: started.append(a))

    def page() -> None:
        from app.glue import warmup as w
        w.start_once("states")

    assert not AppTest.from_function(page).run().exception
    assert started == [] and not warmup._started.is_set()

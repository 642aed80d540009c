"""The production setup (`python -m deploy serve`, deploy/haproxy.cfg.template) in a browser:
two Streamlit processes behind HAProxy. Each reader's requests (page, health, host-config,
websocket, media) stay on one process; a download made in a session is served through the
balancer; a process killed mid-session is taken out of rotation and its reader reconnects to the
other process on a clean page, with no error box or "Connection error" dialog."""
from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator

import pytest

from deploy.config import INSTALL_HINT, haproxy_path
from devtools import Balanced, server_status, start_balanced, stop_balanced_proc
from tests.browser.conftest import offline_page
from tests.browser.opening import NO_RUN_IN_PROGRESS

# Counts finished script runs (data-test-script-state running -> notRunning) in every document,
# as benchmarks/load_test.py does.
RUNS = """
(() => {
  const runs = window.__runs = {done: 0, state: null};
  const check = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    const state = app && app.getAttribute('data-test-script-state');
    if (state === runs.state) return;
    if (runs.state === 'running' && state === 'notRunning') runs.done += 1;
    runs.state = state;
  };
  const start = () => {
    new MutationObserver(check).observe(document.documentElement, {subtree: true,
      childList: true, attributes: true, attributeFilter: ['data-test-script-state']});
    check();
  };
  if (document.documentElement) start();
  else document.addEventListener('readystatechange', start, {once: true});
})();
"""


@pytest.fixture(scope="module")
def balanced(chromium_path: str) -> Iterator[Balanced]:
    if haproxy_path() is None:
        message = f"haproxy not found: {INSTALL_HINT} to run the balancer test"
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    setup = start_balanced(2)
    try:
        yield setup
    finally:
        stop_balanced_proc(setup.proc)
        setup.output.close()
    survivors = [s["name"] for s in setup.servers if _alive(s["pid"])]
    assert not survivors and not _alive(setup.haproxy_pid), \
        f"still running after SIGTERM: {survivors or 'haproxy'}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its parent) is gone too.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class Reader:
    """One browser context (one reader) with every response's X-Backend header recorded."""

    def __init__(self, browser, url: str) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 720},
                                           accept_downloads=True)
        self.context.add_init_script(RUNS)
        self.page = offline_page(self.context)
        self.url = url
        self.responses: list[tuple[float, str, int, str | None]] = []
        self.websockets: list[float] = []
        self.page.on("response", lambda r: self.responses.append(
            (time.monotonic(), r.url, r.status, r.headers.get("x-backend"))))
        self.page.on("websocket", lambda ws: self.websockets.append(time.monotonic()))

    def open(self, path: str = "") -> None:
        self.page.goto(f"{self.url}/{path}", wait_until="domcontentloaded")
        self.page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=60_000)
        self.wait_for_runs(1)

    def runs(self) -> int:
        return self.page.evaluate("() => window.__runs.done")

    def wait_for_runs(self, count: int, timeout: float = 60_000) -> None:
        self.page.wait_for_function(f"() => window.__runs.done >= {count} && "
                                    "window.__runs.state === 'notRunning'", timeout=timeout)

    def wait_for_websockets(self, count: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while len(self.websockets) < count:
            assert time.monotonic() < deadline, f"{len(self.websockets)} websocket(s) opened"
            self.page.wait_for_timeout(200)  # lets Playwright deliver the page's events

    def cookie(self) -> str | None:
        return next((c["value"] for c in self.context.cookies() if c["name"] == "SERVERID"),
                    None)

    def backends(self, since: float = 0.0) -> set[str | None]:
        return {backend for t, _, _, backend in self.responses if t >= since}

    def clean(self) -> list[str]:
        """What a reader must not see: exception or error boxes, any dialog (Streamlit's
        "Connection error" is one)."""
        page = self.page
        problems = [f"{n} exception box(es)" for n in [page.get_by_test_id("stException").count()]
                    if n]
        problems += [f"{n} error box(es)" for n in
                     [page.get_by_test_id("stAlertContentError").count()] if n]
        problems += [f"dialog: {text[:80]!r}" for text in page.get_by_role("dialog")
                     .all_inner_texts()]
        return problems


def download_csv(page) -> tuple[str, str | None]:
    """Click the first "Download these data (CSV)" (in an open "Show data"): the file's first
    line, and which process serves its URL to this reader (the same GET with the reader's
    cookies; a browser does not report a download's response headers)."""
    button = page.get_by_role("button", name="Download these data (CSV)").first
    button.wait_for(timeout=30_000)
    with page.expect_download(timeout=30_000) as download:
        button.click()
    with open(download.value.path(), encoding="utf-8") as csv:
        header = csv.readline()
    again = page.request.get(download.value.url)
    assert again.status == 200, f"{download.value.url}: {again.status}"
    return header, again.headers.get("x-backend")


@pytest.mark.browser
@pytest.mark.timing  # a killed process is back within its deadline
def test_sticky_sessions_downloads_and_a_killed_process(browser, balanced):
    # Three readers, one after the other: leastconn sends each new one to the process with
    # fewer open websockets, so both processes get readers.
    readers = []
    for _ in range(3):
        reader = Reader(browser, balanced.url)
        reader.open()
        readers.append(reader)
    try:
        for reader in readers:
            assert reader.backends() == {reader.cookie()}, \
                f"one reader's requests went to several processes: {reader.backends()}"
            failed = [(status, url) for _, url, status, _ in reader.responses if status >= 400]
            assert not failed, failed
        assert {r.cookie() for r in readers} == {s["name"] for s in balanced.servers}, \
            "the balancer sent every reader to the same process"

        # A download made in the session, served through the balancer by the session's process
        # (another process would answer 404: the file lives in the one that ran the script).
        first = readers[0]
        page = first.page
        page.get_by_text("Show data", exact=True).first.click()
        header, served_by = download_csv(page)
        assert "," in header and header.strip(), f"not a CSV: {header!r}"
        assert served_by == first.cookie(), (served_by, first.cookie())

        # Kill the first reader's process mid-session, as a crash would.
        victim = first.cookie()
        other = next(s["name"] for s in balanced.servers if s["name"] != victim)
        placed = [reader.cookie() for reader in readers]
        runs_before, killed_at = first.runs(), time.monotonic()
        os.kill(next(s["pid"] for s in balanced.servers if s["name"] == victim), signal.SIGKILL)

        # The frontend reconnects; the balancer redispatches it to the live process (its cookie
        # names a dead one). The reader keeps the page as it was drawn, with no error box and
        # no "Connection error" dialog, and its next requests go to the live process.
        first.wait_for_websockets(2, timeout=30)
        page.wait_for_function(NO_RUN_IN_PROGRESS, timeout=30_000)
        assert first.clean() == [], first.clean()
        assert page.locator(".js-plotly-plot .main-svg").count() >= 1
        assert first.backends(since=killed_at) == {other}, first.backends(since=killed_at)
        assert first.cookie() == other, "the balancer did not re-point the reader's cookie"

        # The live process has a new, empty session for the reader: the page runs there by
        # itself (dashboard.py's timed fragment makes Streamlit's frontend rerun on reconnect),
        # with the controls the browser kept, and its downloads are then served by the live
        # process.
        first.wait_for_runs(runs_before + 1)
        assert first.clean() == [], first.clean()
        header, served_by = download_csv(page)
        assert "," in header and served_by == other, (header, served_by)

        # The dead process is out of rotation (HAProxy's health check on /_stcore/health).
        deadline = time.monotonic() + 15
        while server_status(balanced.stats_url).get(victim) != "DOWN":
            assert time.monotonic() < deadline, server_status(balanced.stats_url)
            time.sleep(0.5)
        assert server_status(balanced.stats_url)[other] == "UP"

        # The live process's readers saw nothing; the dead one's others moved too; a new
        # reader lands on the live process.
        for reader, process in zip(readers[1:], placed[1:]):
            if process == other:
                assert len(reader.websockets) == 1 and reader.clean() == []
            else:
                reader.wait_for_websockets(2, timeout=30)
                assert reader.cookie() == other and reader.clean() == []
        late = Reader(browser, balanced.url)
        readers.append(late)
        late.open("states")
        assert late.backends() == {other} and late.clean() == []
    finally:
        for reader in readers:
            reader.context.close()

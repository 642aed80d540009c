"""Bounded load test on localhost: N concurrent sessions visit every page and change a control,
for a fixed time; errors, per-visit times and the server's memory are reported.

Run: python benchmarks/load_test.py [--client browser|ws] [--sessions 25] [--duration 120]
                                    [--max-visits 200] [--json /tmp/bench/load.json]

Bounded by construction: one dashboard server is started on a free 127.0.0.1 port (or --url
http://127.0.0.1:PORT for a running one; only localhost is accepted); at most 100 sessions and
1800 s; each session stops at `--duration` seconds or after `--max-visits` page visits, whichever
comes first; every wait has a timeout and the whole run a hard bound; the server and browser are
stopped at the end. Sessions start spread over `--ramp` seconds.

Two clients:
  browser (default)  one headless Chromium with `--sessions` browser contexts (asyncio
                     Playwright). Each session opens the app at a page (session i starts at page
                     i mod n), then cycles through every page of dashboard.py via the sidebar
                     navigation (same Streamlit session, client-side page switch); on each page
                     it waits until the script run finished (stApp data-test-script-state
                     running -> notRunning, i.e. the status widget is gone), counts exception and
                     error boxes and "Page not found" modals, then changes one control (the first
                     toggle — "Show events" on chart pages — else an unselected segmented-control
                     option) and waits for that rerun. This is what N readers on this machine
                     see, rendering included: on 2 cores the browser, not the server, saturates.
  ws                 Streamlit's own websocket protocol (/_stcore/stream, protobuf BackMsg /
                     ForwardMsg), no rendering: the same page switches (rerun_script with the
                     page's url path) and the same toggle flip (widget states), timed from the
                     request to the ForwardMsg script_finished. This measures the server.

With `--download`, each session also downloads the Data explorer's "Download these rows (CSV)"
once (on its first explorer visit, or in one last explorer visit after its time is up), and
checks it was served: through a balancer (benchmarks/load_balanced.py) that is the test that the
session's requests all reach the process holding its files.

Reported: visits, reruns, errors (exception boxes, error boxes, modals, timeouts/failed loads by
stage), p50/p95/max of visit time (navigation -> script finished) and rerun time (control change
-> script finished), script runs (visits + reruns) per second, per page, and the server's RSS
(/proc/<pid>/status VmRSS; psutil is not needed) and CPU over time, including `--cooldown`
seconds after the sessions closed. Per session: which processes answered (the balancer's
X-Backend header), websockets opened, the download; a session is *lost* when its requests
reached more than one process, it opened a second websocket (a reconnect or a reload after a
failed visit: its Streamlit session started over) or its download failed.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.glue.warmup import ws_run  # noqa: E402 (the dashboard's own protocol client)
from benchmarks.bench_pages import page_list  # noqa: E402
from devtools import (CHROMIUM, CHROMIUM_ARGS, free_port, start_streamlit,  # noqa: E402
                      stop_streamlit)

# Counts finished script runs (running -> notRunning) with their time, in every document.
PROBE = """
(() => {
  const lt = window.__lt = {done: [], started: [], state: null};
  const check = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    const state = app && app.getAttribute('data-test-script-state');
    if (state === lt.state) return;
    if (state === 'running') lt.started.push(performance.now());
    else if (lt.state === 'running' && state === 'notRunning') lt.done.push(performance.now());
    lt.state = state;
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

# The one download each session makes with --download: bytes made by the script run, served from
# the session's process at /media/... (a PNG export would measure kaleido, not the server).
DOWNLOAD_PAGE = "explorer"
DOWNLOAD_BUTTON = "Download these rows (CSV)"

# The control to change, in order of preference (Playwright locators re-resolve on every retry,
# so a re-rendered widget is still found; real pointer events, which react-aria widgets need).
CONTROLS = [
    ("toggle", '[data-testid="stMain"] [data-testid="stCheckbox"]:visible label'),
    ("segmented", '[data-testid="stMain"] [data-testid="stButtonGroup"] '
                  'button[aria-checked="false"]:not([disabled]):visible'),
]


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def fmt(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def proc_sample(pid: int) -> tuple[float, float] | None:
    """(RSS MiB, CPU seconds user+system) of a process, from /proc."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    rss_kb = next(int(line.split()[1]) for line in status.splitlines()
                  if line.startswith("VmRSS:"))
    ticks = os.sysconf("SC_CLK_TCK")
    return rss_kb / 1024, (int(stat[11]) + int(stat[12])) / ticks


def server_pid_for(port: int) -> int | None:
    """PID of the process listening on 127.0.0.1:port (for --url), from /proc/net/tcp."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if int(parts[1].split(":")[1], 16) == port and parts[3] == "0A":
                inodes.add(parts[9])
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    return int(pid)
        except OSError:
            continue
    return None


class Stats:
    def __init__(self) -> None:
        self.visits: list[dict[str, Any]] = []
        self.errors: list[dict[str, Any]] = []
        self.sessions: dict[int, dict[str, Any]] = {}

    def session(self, number: int) -> dict[str, Any]:
        """What one session saw: the processes that answered it (X-Backend; None without a
        balancer), websockets opened, full loads, and its download (None until made)."""
        return self.sessions.setdefault(number, {"backends": set(), "websockets": 0,
                                                 "loads": 0, "download": None})

    def error(self, session: int, page: str, kind: str, detail: str = "") -> None:
        self.errors.append({"t": time.monotonic(), "session": session, "page": page,
                            "kind": kind, "detail": detail[:200]})


async def candidate_count(locator) -> int:
    try:
        return await locator.count()
    except Exception:  # noqa: BLE001 - a detached frame mid-navigation counts as none
        return 0


async def wait_done(page, count: int, timeout_ms: float) -> float:
    """Wait until more than `count` script runs finished; the time (ms) the next one finished."""
    await page.wait_for_function(f"() => window.__lt && window.__lt.done.length > {count}",
                                 timeout=timeout_ms, polling=50)
    return await page.evaluate(f"() => window.__lt.done[{count}]")


def next_page(pages: list[tuple[str, str]], index: int, deadline: float, visits: int,
              max_visits: int, info: dict[str, Any], download: bool) -> str | None:
    """The url path of the session's next visit, or None when it is done: every page in turn
    until the deadline or `max_visits`, then the download page once more if `download` is on and
    the session has not downloaded yet (each session downloads once)."""
    if time.monotonic() < deadline and visits < max_visits:
        return pages[index % len(pages)][0]
    if download and info["download"] is None and not info.get("final_visit"):
        info["final_visit"] = True
        return DOWNLOAD_PAGE if DOWNLOAD_PAGE in (u for u, _ in pages) else None
    return None


async def browser_download(context, page, timeout_ms: float) -> dict[str, Any]:
    """Click the download button, then GET its URL again with the session's cookies (a browser
    does not report a download's response headers): served, its size, which process."""
    started = time.perf_counter()
    button = page.get_by_role("button", name=DOWNLOAD_BUTTON).first
    async with page.expect_download(timeout=timeout_ms) as event:
        await button.click(timeout=timeout_ms)
    download = await event.value
    failure = await download.failure()
    if failure:
        return {"ok": False, "detail": f"download failed: {failure}"}
    size = os.path.getsize(await download.path())
    again = await context.request.get(download.url, timeout=timeout_ms)
    return {"ok": again.ok and size > 0, "bytes": size, "status": again.status,
            "backend": again.headers.get("x-backend"),
            "ms": round((time.perf_counter() - started) * 1000)}


async def session(browser, number: int, base: str, pages: list[tuple[str, str]],
                  deadline: float, max_visits: int, timeout_ms: float, stats: Stats,
                  start_delay: float, download: bool = False) -> None:
    await asyncio.sleep(start_delay)
    context = await browser.new_context(viewport={"width": 1280, "height": 720},
                                        accept_downloads=download)
    await context.add_init_script(PROBE)
    page = await context.new_page()
    info = stats.session(number)
    context.on("response", lambda r: info["backends"].add(r.headers.get("x-backend")))

    def opened(_ws) -> None:
        info["websockets"] += 1
    page.on("websocket", opened)
    default_url = pages[0][0]
    need_load = True
    visits = 0
    index = number % len(pages)
    try:
        while (url := next_page(pages, index, deadline, visits, max_visits, info,
                                download)) is not None:
            index += 1
            remaining = max(5_000.0, min(timeout_ms, (deadline - time.monotonic()) * 1000 + 30_000))
            record: dict[str, Any] = {"session": number, "page": url, "t": time.monotonic()}
            stage = "visit"
            try:
                link = None
                if not need_load:
                    hrefs = [f"{base}/{url}"] + ([f"{base}/"] if url == default_url else [])
                    for href in hrefs:
                        candidate = page.locator(
                            f'[data-testid="stSidebarNavLink"][href="{href}"]')
                        if await candidate.count():
                            link = candidate.first
                            break
                if link is None:  # first visit (or lost session): a full page load
                    info["loads"] += 1
                    await page.goto(f"{base}/{url}", wait_until="commit", timeout=remaining)
                    record["visit_ms"] = await wait_done(page, 0, remaining)
                    record["how"] = "load"
                    need_load = False
                else:
                    count = await page.evaluate("() => window.__lt.done.length")
                    clicked = await page.evaluate("() => performance.now()")
                    await link.click(timeout=remaining)
                    record["visit_ms"] = await wait_done(page, count, remaining) - clicked
                    record["how"] = "nav"
                visits += 1
                modal = page.get_by_role("dialog").filter(has_text="Page not found")
                if await candidate_count(modal):
                    # Streamlit says the URL is unknown (while it still runs the page): an app
                    # bug to report; close the modal so the session can go on.
                    stats.error(number, url, "'Page not found' modal", record.get("how", ""))
                    await page.keyboard.press("Escape")
                    await modal.wait_for(state="hidden", timeout=10_000)
                exceptions = await page.get_by_test_id("stException").count()
                errors = await page.get_by_test_id("stAlertContentError").count()
                if exceptions:
                    text = await page.get_by_test_id("stException").first.inner_text()
                    stats.error(number, url, "exception box", text)
                if errors:
                    text = await page.get_by_test_id("stAlertContentError").first.inner_text()
                    stats.error(number, url, "error box", text)
                if download and url == DOWNLOAD_PAGE and info["download"] is None:
                    stage = "download"
                    info["download"] = await browser_download(context, page, remaining)
                    info["backends"].add(info["download"].get("backend"))
                    if not info["download"]["ok"]:
                        stats.error(number, url, "download failed", str(info["download"]))
                if info.get("final_visit"):
                    stats.visits.append(record)
                    continue  # the extra visit for the download: no control change
                # Change one control and time the rerun.
                stage = "control change"
                control = target = None
                for kind, selector in CONTROLS:
                    candidates = page.locator(selector)
                    if await candidate_count(candidates):
                        target = candidates.first
                        control = f"{kind} {(await target.inner_text(timeout=5_000)).strip()[:30]}"
                        break
                record["control"] = control
                if target is not None:
                    await target.scroll_into_view_if_needed(timeout=remaining)
                    count = await page.evaluate("() => window.__lt.done.length")
                    clicked = await page.evaluate("() => performance.now()")
                    await target.click(timeout=remaining)
                    record["rerun_ms"] = await wait_done(page, count, remaining) - clicked
                    if await page.get_by_test_id("stException").count():
                        stats.error(number, url, "exception box after control change", control)
            except Exception as err:  # noqa: BLE001 - a failed visit is a result
                stats.error(number, url, f"failed/timeout during {stage}",
                            f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}")
                record["failed"] = stage
                need_load = True  # start over with a full load
            stats.visits.append(record)
    finally:
        await context.close()


# --- protocol client: Streamlit's own websocket protocol, no rendering ----------------------------

class ProtocolError(RuntimeError):
    pass


def toggle_states(checkboxes) -> tuple[Any, str] | None:
    """WidgetStates with every toggle/checkbox at its value and one flipped: "Show events" if
    the page has it, else the first one."""
    from streamlit.proto.WidgetStates_pb2 import WidgetStates
    if not checkboxes:
        return None
    flip = next((c for c in checkboxes if c.label == "Show events"), checkboxes[0])
    states = WidgetStates()
    for box in checkboxes:
        state = states.widgets.add()
        state.id = box.id
        state.bool_value = (not box.value) if box is flip else box.value
    return states, f"toggle {flip.label}"


async def ws_download(http, base: str, url: str, timeout: float) -> dict[str, Any]:
    """GET a download button's URL with the session's cookies, as the browser does on a click."""
    import requests

    started = time.perf_counter()
    try:
        response = await asyncio.to_thread(http.get, urljoin(f"{base}/", url.lstrip("/")),
                                           timeout=timeout)
    except requests.RequestException as err:
        return {"ok": False, "detail": f"{type(err).__name__}: {err}"}
    return {"ok": response.ok and len(response.content) > 0, "bytes": len(response.content),
            "status": response.status_code, "backend": response.headers.get("x-backend"),
            "ms": round((time.perf_counter() - started) * 1000)}


async def ws_session(number: int, base: str, pages: list[tuple[str, str]], deadline: float,
                     max_visits: int, timeout_ms: float, stats: Stats, start_delay: float,
                     download: bool = False) -> None:
    import requests
    import websockets

    await asyncio.sleep(start_delay)
    host = base.split("://", 1)[1]
    timeout = timeout_ms / 1000
    visits, index = 0, number % len(pages)
    info = stats.session(number)
    http = requests.Session()  # the session's cookies: a balancer's stickiness cookie
    ws = None
    try:
        while (url := next_page(pages, index, deadline, visits, max_visits, info,
                                download)) is not None:
            index += 1
            record: dict[str, Any] = {"session": number, "page": url, "t": time.monotonic()}
            stage = "visit"
            try:
                if ws is None:
                    # The page first, as a browser loads it before it opens the websocket: a
                    # balancer sets its cookie here, and the websocket carries it.
                    page_response = await asyncio.to_thread(http.get, f"{base}/{url}",
                                                            timeout=timeout)
                    info["backends"].add(page_response.headers.get("x-backend"))
                    cookies = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
                    ws = await websockets.connect(
                        f"ws://{host}/_stcore/stream", subprotocols=["streamlit"],
                        origin=base, max_size=None, open_timeout=timeout,
                        additional_headers={"Cookie": cookies} if cookies else None)
                    info["backends"].add(ws.response.headers.get("x-backend"))
                    info["websockets"] += 1
                    info["loads"] += 1
                    record["how"] = "load"
                else:
                    record["how"] = "nav"
                # The default page answers to "" (its sidebar link is "/"); asking for it by its
                # url_path makes Streamlit send page_not_found (the "Page not found" modal).
                page_name = "" if url == pages[0][0] else url
                result = await ws_run(ws, page_name, timeout=timeout)
                record["visit_ms"], record["bytes"] = result["ms"], result["bytes"]
                visits += 1
                for text in result["exceptions"]:
                    stats.error(number, url, "exception box", text)
                if result["errors"]:
                    stats.error(number, url, "error box", f"{result['errors']} error alert(s)")
                if result["not_found"]:
                    stats.error(number, url, "'Page not found' modal", record["how"])
                if download and url == DOWNLOAD_PAGE and info["download"] is None:
                    stage = "download"
                    link = result["downloads"].get(DOWNLOAD_BUTTON)
                    info["download"] = (await ws_download(http, base, link, timeout) if link else
                                        {"ok": False, "detail": f"no {DOWNLOAD_BUTTON!r} button"})
                    info["backends"].add(info["download"].get("backend"))
                    if not info["download"]["ok"]:
                        stats.error(number, url, "download failed", str(info["download"]))
                if info.get("final_visit"):
                    stats.visits.append(record)
                    continue  # the extra visit for the download: no control change
                stage = "control change"
                change = toggle_states(result["checkboxes"])
                record["control"] = change[1] if change else None
                if change:
                    rerun = await ws_run(ws, page_name, change[0], timeout=timeout)
                    record["rerun_ms"] = rerun["ms"]
                    for text in rerun["exceptions"]:
                        stats.error(number, url, "exception box after control change", text)
            except Exception as err:  # noqa: BLE001 - a failed visit is a result
                stats.error(number, url, f"failed/timeout during {stage}",
                            f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}")
                record["failed"] = stage
                if ws is not None:
                    await ws.close()
                ws = None  # reconnect: a new session
            stats.visits.append(record)
    finally:
        if ws is not None:
            await ws.close()
        http.close()


async def sample_server(pids: list[int], stop: asyncio.Event, samples: list[dict[str, float]],
                        t0: float, every: float) -> None:
    """RSS and CPU of the server, summed over its processes (several behind a balancer)."""
    last = None
    while True:
        found = [s for s in map(proc_sample, pids) if s]
        s = (sum(r for r, _ in found), sum(c for _, c in found)) if found else None
        now = time.monotonic()
        if s:
            rss, cpu = s
            cpu_pct = ((cpu - last[1]) / (now - last[0]) * 100) if last else 0.0
            samples.append({"t": round(now - t0, 1), "rss_mib": round(rss, 1),
                            "cpu_pct": round(cpu_pct, 0)})
            last = (now, cpu)
        try:
            await asyncio.wait_for(stop.wait(), timeout=every)
            return
        except asyncio.TimeoutError:
            pass


async def run(args: argparse.Namespace, base: str,
              pid: int | list[int] | None) -> dict[str, Any]:
    """The load on `base`; `pid`: the server's process (or processes, summed) to sample."""
    pages = page_list()
    stats = Stats()
    samples: list[dict[str, float]] = []
    t0 = time.monotonic()
    stop = asyncio.Event()
    pids = [pid] if isinstance(pid, int) else list(pid or [])
    download = getattr(args, "download", False)
    sampler = (asyncio.create_task(sample_server(pids, stop, samples, t0, args.sample_every))
               if pids else None)
    started = time.monotonic()
    deadline = started + args.duration

    async def drive(make_session) -> None:
        tasks = [asyncio.create_task(make_session(i, args.ramp * i / max(1, args.sessions)))
                 for i in range(args.sessions)]
        # Hard bound: the sessions get the duration plus one visit timeout to finish.
        done, pending = await asyncio.wait(tasks, timeout=args.duration + args.timeout + 30)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for task in done:
            if task.exception():
                stats.error(-1, "-", "session crashed", repr(task.exception()))

    if args.client == "ws":
        await drive(lambda i, delay: ws_session(i, base, pages, deadline, args.max_visits,
                                                args.timeout * 1000, stats, delay, download))
        load_seconds = time.monotonic() - started
    else:
        from playwright.async_api import async_playwright
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            await drive(lambda i, delay: session(browser, i, base, pages, deadline,
                                                 args.max_visits, args.timeout * 1000, stats,
                                                 start_delay=delay, download=download))
            load_seconds = time.monotonic() - started
            await browser.close()
    ended = time.monotonic() - t0
    if sampler:
        await asyncio.sleep(args.cooldown)  # memory after the sessions closed
        stop.set()
        await sampler
    return {"stats": stats, "samples": samples, "load_seconds": load_seconds,
            "load_end_t": ended, "pages": [u for u, _ in pages], "t0": t0}


def session_outcomes(stats: Stats) -> dict[str, Any]:
    """Sessions lost (and why), downloads, and how many sessions each process served."""
    lost: dict[str, int] = {}
    per_backend: dict[str, int] = {}
    downloads_ok = downloads_failed = without_download = 0
    for info in stats.sessions.values():
        backends = info["backends"] - {None}
        reasons = []
        if len(backends) > 1:
            reasons.append("answered by more than one process")
        if info["websockets"] > 1:
            reasons.append("opened another websocket (started over)")
        if info["download"] is not None and not info["download"]["ok"]:
            reasons.append("download failed")
        for reason in reasons:
            lost[reason] = lost.get(reason, 0) + 1
        info["lost"] = reasons
        for backend in backends:
            per_backend[backend] = per_backend.get(backend, 0) + 1
        if info["download"] is None:
            without_download += 1
        elif info["download"]["ok"]:
            downloads_ok += 1
        else:
            downloads_failed += 1
    return {"sessions_seen": len(stats.sessions),
            "sessions_lost": sum(1 for i in stats.sessions.values() if i["lost"]),
            "lost_by_reason": lost, "downloads_ok": downloads_ok,
            "downloads_failed": downloads_failed, "sessions_without_download": without_download,
            "sessions_per_backend": dict(sorted(per_backend.items()))}


def report(args: argparse.Namespace, result: dict[str, Any]) -> dict[str, Any]:
    stats: Stats = result["stats"]
    outcomes = session_outcomes(stats)
    visits = [v for v in stats.visits if "visit_ms" in v]
    visit_ms = [v["visit_ms"] for v in visits if "visit_ms" in v]
    nav_ms = [v["visit_ms"] for v in visits if v.get("how") == "nav"]
    load_ms = [v["visit_ms"] for v in visits if v.get("how") == "load"]
    rerun_ms = [v["rerun_ms"] for v in visits if "rerun_ms" in v]
    errors_by_kind: dict[str, int] = {}
    for e in stats.errors:
        errors_by_kind[e["kind"]] = errors_by_kind.get(e["kind"], 0) + 1
    samples = result["samples"]
    rss = [s["rss_mib"] for s in samples]
    during = [s for s in samples if s["t"] <= result["load_end_t"]]
    summary = {
        "client": args.client, "sessions": args.sessions, "duration_s": args.duration,
        "load_seconds": round(result["load_seconds"], 1),
        "visits": len(stats.visits), "visits_ok": len(visits), "reruns": len(rerun_ms),
        "visits_per_s": round(len(visits) / result["load_seconds"], 2),
        "script_runs_per_s": round((len(visits) + len(rerun_ms)) / result["load_seconds"], 2),
        "errors": len(stats.errors), "errors_by_kind": errors_by_kind,
        "visit_p50_ms": percentile(visit_ms, 50), "visit_p95_ms": percentile(visit_ms, 95),
        "visit_max_ms": max(visit_ms, default=None),
        "nav_p50_ms": percentile(nav_ms, 50), "nav_p95_ms": percentile(nav_ms, 95),
        "first_load_p50_ms": percentile(load_ms, 50), "first_load_p95_ms": percentile(load_ms, 95),
        "rerun_p50_ms": percentile(rerun_ms, 50), "rerun_p95_ms": percentile(rerun_ms, 95),
        "rerun_max_ms": max(rerun_ms, default=None),
        "script_run_p95_ms": percentile(visit_ms + rerun_ms, 95),
        **outcomes,
        "rss_start_mib": rss[0] if rss else None, "rss_max_mib": max(rss, default=None),
        "rss_end_of_load_mib": during[-1]["rss_mib"] if during else None,
        "rss_after_cooldown_mib": rss[-1] if rss else None,
        "cpu_mean_pct_during_load": (round(statistics.mean(s["cpu_pct"] for s in during[1:]), 0)
                                     if len(during) > 1 else None),
    }
    print(f"\nLoad test ({args.client} client): {args.sessions} sessions × {args.duration} s "
          f"on localhost "
          f"(ran {summary['load_seconds']} s)")
    print("| measure | value |")
    print("|---|---:|")
    for key in ("visits", "visits_ok", "reruns", "visits_per_s", "script_runs_per_s", "errors",
                "sessions_seen", "sessions_lost", "downloads_ok", "downloads_failed",
                "sessions_without_download"):
        print(f"| {key} | {summary[key]} |")
    if summary["sessions_per_backend"]:
        print(f"| sessions per process (X-Backend) | "
              f"{', '.join(f'{k}: {v}' for k, v in summary['sessions_per_backend'].items())} |")
    print(f"| visit p50 / p95 / max (ms) | {fmt(summary['visit_p50_ms'])} / "
          f"{fmt(summary['visit_p95_ms'])} / {fmt(summary['visit_max_ms'])} |")
    print(f"| – first full load p50 / p95 (ms) | {fmt(summary['first_load_p50_ms'])} / "
          f"{fmt(summary['first_load_p95_ms'])} |")
    print(f"| – sidebar navigation p50 / p95 (ms) | {fmt(summary['nav_p50_ms'])} / "
          f"{fmt(summary['nav_p95_ms'])} |")
    print(f"| control rerun p50 / p95 / max (ms) | {fmt(summary['rerun_p50_ms'])} / "
          f"{fmt(summary['rerun_p95_ms'])} / {fmt(summary['rerun_max_ms'])} |")
    print(f"| server RSS start / max / end of load / +{args.cooldown:.0f} s (MiB) | "
          f"{fmt(summary['rss_start_mib'])} / {fmt(summary['rss_max_mib'])} / "
          f"{fmt(summary['rss_end_of_load_mib'])} / {fmt(summary['rss_after_cooldown_mib'])} |")
    print(f"| server CPU mean during load (% of one core) | "
          f"{fmt(summary['cpu_mean_pct_during_load'])} |")

    print("\nPer page (visit = navigation -> script finished; rerun = control click -> finished)")
    print("| page | visits | failed (visit or control) | visit p50 | visit p95 | rerun p50 | rerun p95 | "
          "error/exception boxes, modals | control |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    per_page = {}
    for url in result["pages"]:
        rows = [v for v in stats.visits if v["page"] == url]
        ok = [v for v in rows if "visit_ms" in v]
        vm = [v["visit_ms"] for v in ok if "visit_ms" in v]
        rm = [v["rerun_ms"] for v in ok if "rerun_ms" in v]
        boxes = sum(1 for e in stats.errors if e["page"] == url
                    and ("box" in e["kind"] or "modal" in e["kind"]))
        controls = sorted({str(v.get("control")) for v in ok})
        failed = sum(1 for v in rows if v.get("failed"))
        per_page[url] = {"visits": len(rows), "failed": failed,
                         "visit_p50_ms": percentile(vm, 50), "visit_p95_ms": percentile(vm, 95),
                         "rerun_p50_ms": percentile(rm, 50), "rerun_p95_ms": percentile(rm, 95),
                         "boxes": boxes, "controls": controls}
        print(f"| {url} | {len(rows)} | {failed} | {fmt(percentile(vm, 50))} | "
              f"{fmt(percentile(vm, 95))} | {fmt(percentile(rm, 50))} | "
              f"{fmt(percentile(rm, 95))} | {boxes} | {', '.join(controls)[:60]} |")

    print("\nServer memory and CPU over time (every ~10 s)")
    print("| t (s) | RSS (MiB) | CPU (% of one core) |")
    print("|---:|---:|---:|")
    last_t = -10.0
    for s in samples:
        if s["t"] - last_t >= 10 or s is samples[-1]:
            print(f"| {s['t']:.0f} | {s['rss_mib']:.0f} | {s['cpu_pct']:.0f} |")
            last_t = s["t"]
    if stats.errors:
        print("\nErrors (first 10):")
        for e in stats.errors[:10]:
            print(f"- session {e['session']} {e['page']}: {e['kind']} {e['detail']}")
    return {"summary": summary, "per_page": per_page, "samples": samples,
            "errors": stats.errors[:200],
            "sessions": {n: {**i, "backends": sorted(map(str, i["backends"]))}
                         for n, i in sorted(stats.sessions.items())}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=25)
    parser.add_argument("--client", choices=["browser", "ws"], default="browser",
                        help="browser: Chromium contexts (what readers see, includes rendering); "
                             "ws: Streamlit's websocket protocol, no rendering (server capacity)")
    parser.add_argument("--duration", type=float, default=120.0, help="seconds of load")
    parser.add_argument("--max-visits", type=int, default=200, help="per session")
    parser.add_argument("--ramp", type=float, default=10.0, help="seconds to start all sessions")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per wait")
    parser.add_argument("--cooldown", type=float, default=15.0,
                        help="seconds of memory sampling after the sessions closed")
    parser.add_argument("--sample-every", type=float, default=1.0)
    parser.add_argument("--url", help="a running app on 127.0.0.1/localhost (default: start one)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--download", action="store_true",
                        help=f"each session downloads {DOWNLOAD_BUTTON!r} once and checks it")
    args = parser.parse_args()
    if not 1 <= args.sessions <= 100 or not 1 <= args.duration <= 1800:
        parser.error("--sessions must be 1..100 and --duration 1..1800 s (a bounded test)")

    proc = None
    if args.url:
        parsed = urlparse(args.url)
        if parsed.hostname not in ("127.0.0.1", "localhost"):
            parser.error("--url must be on localhost: this load test never leaves the machine")
        base = args.url.rstrip("/")
        pid = server_pid_for(parsed.port or 80)
    else:
        port = free_port()
        proc = start_streamlit("dashboard.py", port)
        base, pid = f"http://127.0.0.1:{port}", proc.pid
    try:
        result = asyncio.run(run(args, base, pid))
    finally:
        if proc is not None:
            stop_streamlit(proc)
    payload = report(args, result)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(payload, indent=1, default=str))
    print(json.dumps(payload["summary"]))


if __name__ == "__main__":
    main()

"""Warm a running dashboard server: one headless session, speaking Streamlit's own websocket
protocol as a browser does, runs every page's default view once, so the modules are imported,
the tables read and the default figures built (into app.glue.cache) before a reader asks.

It runs beside the server, never before it: the server accepts readers from its first second.
Two callers: `python -m deploy serve` warms each process as soon as its health check answers, and
the first script run of a process that was started some other way (`streamlit run dashboard.py`)
warms the other pages in the background, a few seconds later, for the readers after the first.

The page list comes from the server itself (the `navigation` message of the first run), so a
new page is warmed with no change here. benchmarks/load_test.py uses the same protocol client.
"""
from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any

import streamlit as st

# After the first script run of a process, wait this long before warming the other pages, so
# the first reader's own page is not slowed by the warm-up competing for the same core.
SELF_WARM_DELAY_S = 3.0
# A warm-up from the server's start (python -m deploy start|serve) pauses this long after the
# landing page, for the same reason: a reader may be opening it right then, and the browser takes
# 2-6 s to draw it (3 s was too short on a slower 2-core machine: the reader who came at "ready"
# shared the core with the warm-up, 1.47x the bare page against 1.26x once all was warm;
# benchmarks/RESULTS.md, round 7). All pages are warm a few seconds later in exchange.
AFTER_LANDING_PAUSE_S = 8.0
PAGE_TIMEOUT_S = 120.0
USER_AGENT = "benzo-dashboard-warmup"
"""How a warm-up session introduces itself (its websocket's User-Agent), so the page run it asks
for does not start a second, self-triggered warm-up of the same process."""
_started = threading.Event()


async def ws_run(ws: Any, page_name: str, widget_states: Any = None,
                 timeout: float = 60.0) -> dict[str, Any]:
    """Ask for a script run of `page_name` (as the browser does on load and on a page switch,
    with `widget_states` on a control change) and read ForwardMsgs until it finished: its time,
    bytes, exception texts, error boxes, whether the page was not found, the enabled toggles and
    the download buttons it drew, and the app's pages (url paths) when it sent them."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    msg = BackMsg()
    msg.rerun_script.page_name = page_name
    if widget_states is not None:
        msg.rerun_script.widget_states.CopyFrom(widget_states)
    started = time.perf_counter()
    await ws.send(msg.SerializeToString())
    out: dict[str, Any] = {"bytes": 0, "exceptions": [], "errors": 0, "not_found": False,
                           "checkboxes": [], "downloads": {}, "pages": []}
    async with asyncio.timeout(timeout):
        while True:
            data = await ws.recv()
            out["bytes"] += len(data)
            fwd = ForwardMsg()
            fwd.ParseFromString(data)
            kind = fwd.WhichOneof("type")
            if kind == "page_not_found":
                out["not_found"] = True
            elif kind == "navigation":
                out["pages"] = [p.url_pathname for p in fwd.navigation.app_pages]
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                element = fwd.delta.new_element
                etype = element.WhichOneof("type")
                if etype == "exception":
                    out["exceptions"].append(element.exception.message[:200])
                elif etype == "alert" and element.alert.format == element.alert.ERROR:
                    out["errors"] += 1
                elif etype == "checkbox" and not element.checkbox.disabled:
                    out["checkboxes"].append(element.checkbox)
                elif etype == "download_button" and element.download_button.url:
                    out["downloads"][element.download_button.label] = \
                        element.download_button.url
            elif kind == "script_finished" and \
                    fwd.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                out["ms"] = (time.perf_counter() - started) * 1000
                return out


async def warm(base_url: str, *, skip: tuple[str, ...] = (), pause_after_first: float = 0.0,
               on_first: Callable[[dict[str, Any]], None] | None = None,
               timeout: float = PAGE_TIMEOUT_S) -> list[dict[str, Any]]:
    """Run every page of the server at `base_url` (http://host:port[/base]) once, default view,
    one after another in one session; returns, per page, its url path, script time (ms) and any
    exception or error box. `skip`: url paths already warm (the page a reader just opened).
    `pause_after_first`: seconds to wait after the landing page, which warms what every page
    shares (imports, tables), before the others, so a reader who arrives with the server does
    not share its one core with the rest of the warm-up (benchmarks/bench_first_visit.py).
    `on_first(report)`: called once the landing page is warm (python -m deploy start says then
    that the dashboard is ready)."""
    import websockets

    host_and_path = base_url.split("://", 1)[1].rstrip("/")
    report: list[dict[str, Any]] = []
    async with websockets.connect(f"ws://{host_and_path}/_stcore/stream",
                                  subprotocols=["streamlit"], origin=base_url,
                                  max_size=None, open_timeout=timeout,
                                  user_agent_header=USER_AGENT) as ws:
        first = await ws_run(ws, "", timeout=timeout)
        report.append({"page": "", "ms": round(first.get("ms", 0)),
                       "exceptions": first["exceptions"], "errors": first["errors"]})
        if on_first is not None:
            on_first(report[0])
        if pause_after_first > 0:
            await asyncio.sleep(pause_after_first)
        for page in first["pages"]:
            if not page or page in skip:
                continue
            run = await ws_run(ws, page, timeout=timeout)
            report.append({"page": page, "ms": round(run.get("ms", 0)),
                           "exceptions": run["exceptions"], "errors": run["errors"],
                           "not_found": run["not_found"]})
    return report


def warm_in_thread(base_url: str, *, delay: float = 0.0, skip: tuple[str, ...] = (),
                   pause_after_first: float = 0.0,
                   on_first: Callable[[dict[str, Any]], None] | None = None,
                   done: Any = None) -> threading.Thread:
    """`warm` in a daemon thread of its own (its own event loop), after `delay` seconds;
    `done(report or exception)` is called at the end."""
    def run() -> None:
        time.sleep(delay)
        try:
            result: Any = asyncio.run(warm(base_url, skip=skip,
                                           pause_after_first=pause_after_first,
                                           on_first=on_first))
        except Exception as err:  # noqa: BLE001 a failed warm-up only costs speed; say so
            result = err
        if done is not None:
            done(result)

    thread = threading.Thread(target=run, name="dashboard-warmup", daemon=True)
    thread.start()
    return thread


def own_base_url() -> str:
    """The URL this server answers on from the machine itself."""
    address = st.get_option("server.address") or "127.0.0.1"
    if address in ("0.0.0.0", "::", ""):
        address = "127.0.0.1"
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"http://{address}:{st.get_option('server.port')}" + (f"/{base}" if base else "")


def start_once(current_page: str) -> None:
    """On the first script run of this process (a reader's or a warm-up's own), warm every other
    page in the background, SELF_WARM_DELAY_S later. Does nothing outside a running server
    (AppTest) or after the first call."""
    from streamlit import runtime
    from streamlit.runtime.runtime import Runtime, RuntimeState

    # A server has a browser (or a warm-up) connected while a script runs; AppTest runs scripts
    # on a stand-in runtime with no server and no connection.
    if _started.is_set() or not runtime.exists():
        return
    instance = runtime.get_instance()
    if not isinstance(instance, Runtime) or \
            instance.state != RuntimeState.ONE_OR_MORE_SESSIONS_CONNECTED:
        return
    _started.set()
    if st.context.headers.get("User-Agent") == USER_AGENT:
        return  # a warm-up from outside (python -m deploy serve) visits every page itself
    warm_in_thread(own_base_url(), delay=SELF_WARM_DELAY_S, skip=(current_page,))

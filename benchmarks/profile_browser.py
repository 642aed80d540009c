"""Where the browser's main thread spends the time before each page's first chart.

Run: python benchmarks/profile_browser.py [--loads 3] [--pages overview,states]

bench_browser.py says how long the first chart takes; this says why. For the bare reference pages
and every dashboard page it loads the page in a fresh headless Chromium context (same probe,
viewport and URL rules as bench_browser.py) with a Chrome trace and V8's sampling profiler on,
then sums what the renderer's main thread did between navigation start and the first chart:

  busy            top-level tasks on the main thread (the rest of the span it was waiting)
  Plotly          samples with plotly.js (Streamlit's PlotlyChart chunk) on the stack: loading
                  the 4.6 MB library once, then drawing every chart (charts that arrive together
                  are drawn in the same task, so later charts delay the first one's paint)
  React           samples with react-dom on the stack and no plotly.js: rendering Streamlit's
                  elements (text, widgets, columns, buttons)
  idle            the thread had nothing to do (waiting for the network or the server)
Times are the median over `--loads` measured loads (after one warm-up load per page), in ms. One
traced load is slower than an untraced one (the profiler costs time); compare the columns between
pages, not with bench_browser.py's absolute numbers.

A benchmark, not a test: it reports.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_browser import PROBE, serving  # noqa: E402
from devtools import CHROMIUM, CHROMIUM_ARGS, dashboard_pages  # noqa: E402

CATEGORIES = ["devtools.timeline", "disabled-by-default-devtools.timeline", "blink.user_timing",
              "loading", "v8.execute", "disabled-by-default-v8.cpu_profiler"]
COLUMNS = ("first_chart", "busy", "plotly", "react", "idle")


def _main_thread(events: list[dict]) -> tuple[int, int]:
    """(pid, tid) of the page's renderer main thread: the CrRendererMain with most events."""
    names = {(e["pid"], e["tid"]) for e in events
             if e.get("name") == "thread_name" and e["args"].get("name") == "CrRendererMain"}
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for e in events:
        if (e["pid"], e["tid"]) in names:
            counts[(e["pid"], e["tid"])] += 1
    return max(counts, key=counts.get)


def _samples(events: list[dict], pid: int) -> tuple[list[tuple[float, float, int]],
                                                     dict[int, dict]]:
    """V8 CPU samples of the renderer as (time µs, µs since the previous sample, leaf node id),
    and the call-tree nodes by id (a node's "parent" leads to the root)."""
    nodes: dict[int, dict] = {}
    starts = {e["id"]: e["args"]["data"]["startTime"] for e in events
              if e.get("name") == "Profile" and e["pid"] == pid}
    clock: dict[str, float] = {}
    samples = []
    for e in events:
        if e.get("name") != "ProfileChunk" or e["pid"] != pid:
            continue
        data = e["args"]["data"]
        profile = data.get("cpuProfile", {})
        for node in profile.get("nodes", []):
            nodes[node["id"]] = node
        t = clock.get(e["id"], starts.get(e["id"], e["ts"]))
        for node_id, delta in zip(profile.get("samples", []), data.get("timeDeltas", [])):
            t += delta
            samples.append((t, delta, node_id))
        clock[e["id"]] = t
    return samples, nodes


def _script_of(node: dict) -> str:
    frame = node["callFrame"]
    return frame.get("url", "").rsplit("/", 1)[-1].split(".")[0] or frame.get("functionName", "")


def breakdown(events: list[dict], first_chart_ms: float) -> dict[str, float]:
    """Main-thread time (ms) from navigation start to the first chart, split as in the module
    docstring."""
    pid, tid = _main_thread(events)
    start = min(e["ts"] for e in events if e.get("name") == "navigationStart")
    end = start + first_chart_ms * 1000
    busy = sum(e.get("dur", 0) for e in events
               if (e["pid"], e["tid"]) == (pid, tid) and e.get("ph") == "X"
               and e.get("name") == "RunTask" and start <= e["ts"] <= end)
    out = {"first_chart": first_chart_ms, "busy": busy / 1000, "plotly": 0.0, "react": 0.0,
           "idle": 0.0}
    samples, nodes = _samples(events, pid)
    for t, duration, leaf in samples:
        if not start <= t <= end:
            continue
        scripts, node_id = set(), leaf
        while node_id in nodes:
            scripts.add(_script_of(nodes[node_id]))
            node_id = nodes[node_id].get("parent")
        if "(idle)" in scripts:
            out["idle"] += duration / 1000
        elif "PlotlyChart" in scripts:
            out["plotly"] += duration / 1000
        elif "react-dom" in scripts:
            out["react"] += duration / 1000
    return out


def traced_load(browser, url: str, timeout_ms: int) -> dict[str, float]:
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    context.add_init_script(PROBE)
    page = context.new_page()
    browser.start_tracing(page=page, categories=CATEGORIES)
    try:
        page.goto(url, wait_until="commit", timeout=timeout_ms)
        page.wait_for_function("() => window.__bench && window.__bench.firstChart !== null",
                               timeout=timeout_ms, polling=100)
        first_chart = page.evaluate("() => window.__bench.firstChart")
    finally:
        trace = browser.stop_tracing()  # also on failure: the next load starts a new trace
        context.close()
    return breakdown(json.loads(trace)["traceEvents"], first_chart)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=3, help="measured loads per page")
    parser.add_argument("--pages", default="", help="comma-separated url paths (default: all)")
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds per load")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    pages = [p for p in dashboard_pages() if p.url_path != "methods"]  # methods has no chart
    if args.pages:
        pages = [p for p in pages if p.url_path in set(args.pages.split(","))]
    with serving(pages) as targets:
        results: dict[str, list[dict[str, float]]] = {name: [] for name, _ in targets}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for _, url in targets:
                traced_load(browser, url, int(args.timeout * 1000))  # warm-up
            for round_no in range(args.loads):
                for name, url in targets:
                    results[name].append(traced_load(browser, url, int(args.timeout * 1000)))
                print(f"round {round_no + 1}/{args.loads} done", file=sys.stderr, flush=True)
            browser.close()

    rows: list[dict[str, Any]] = []
    print(f"\nBrowser main thread before the first chart (ms, median of {args.loads} traced "
          "loads)")
    print("| page | first chart (traced) | main thread busy | Plotly (load + draw) | React "
          "(Streamlit elements) | idle |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, _ in targets:
        row = {"page": name, **{c: statistics.median(r[c] for r in results[name])
                                for c in COLUMNS}}
        rows.append(row)
        print(f"| {name} | " + " | ".join(f"{row[c]:,.0f}" for c in COLUMNS) + " |")
    print(json.dumps({"loads": args.loads, "pages": rows}))


if __name__ == "__main__":
    main()

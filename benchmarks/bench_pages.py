"""Server-side cost of every dashboard page, measured with Streamlit's AppTest (no browser).

Run: python benchmarks/bench_pages.py [--runs 5] [--repeat 3] [--pages overview,states]
                                      [--json /tmp/bench/pages.json]
     python benchmarks/bench_pages.py --profile states    # where a page's rerun time goes

For every page listed in dashboard.py (parsed with ast, like tests/browser/test_pages.py) plus the
reference benchmarks/bare_page.py, each run goes through dashboard.py (AppTest.from_file +
switch_page: set_page_config and st.navigation included, as the server runs it), and `--runs` fresh Python processes are started one after another;
each one measures:

  cold (process)  the first run of the page in that process: app modules imported, st.cache_data
                  empty (what the first visitor after a server start pays)
  cold (cache)    `--repeat` runs after st.cache_data / st.cache_resource were cleared (modules
                  already imported: what a visitor pays after a cache eviction or data rebuild)
  warm (session)  `--repeat` runs of a new AppTest session with warm caches (a second visitor)
  widget rerun    `--repeat` reruns of one session after changing the page's first widget in
                  document order (and changing it back on the next rerun)

Times are the script run itself (ScriptRunner._run_script, i.e. what the server spends before the
browser can show the finished page), medians over all samples. The compiled scripts are kept
between runs as a server keeps them (share_compiled_scripts): compiling is in "cold (process)"
only. The AppTest harness adds a few ms
around each run; the bare page shows that floor. Target: warm and widget rerun < 100 ms.

Bytes: the size of what the run sends to the browser — every ForwardMsg of the run (protobuf bytes,
before websocket framing/compression) and, of that, the Plotly figure JSON specs (target < 1 MB
per page); the largest figure and its point count (sum over traces of the longest data array
x/y/z/lat/lon/locations/values/labels). Printed as tables and as one JSON line (--json writes it).

This is a benchmark, not a test: it never fails on a missed target, it reports it.
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import devtools  # noqa: E402

BARE = "benchmarks/bare_page.py"
TARGET_RERUN_MS = 100.0
TARGET_PAGE_BYTES = 1_000_000
POINT_KEYS = ("x", "y", "z", "lat", "lon", "locations", "values", "labels")


def page_list() -> list[tuple[str, str]]:
    """(url_path, file) for each st.Page(...) in dashboard.py, in order (devtools)."""
    return [(page.url_path, page.file) for page in devtools.dashboard_pages()]


# ---------------------------------------------------------------------------------------------
# Worker: runs inside a fresh process, prints one JSON object.

def _array_length(value: Any) -> int:
    """Length of a Plotly data array, also when serialised as a base64 typed array."""
    if isinstance(value, dict) and "bdata" in value:
        shape = value.get("shape")
        if shape:
            n = 1
            for part in str(shape).split(","):
                n *= int(part)
            return n
        itemsize = {"i1": 1, "u1": 1, "i2": 2, "u2": 2, "i4": 4, "u4": 4, "f4": 4,
                    "f8": 8}.get(value.get("dtype", "f8"), 8)
        return len(base64.b64decode(value["bdata"])) // itemsize
    if isinstance(value, list):
        if value and isinstance(value[0], list):  # 2-D (heatmap z)
            return sum(len(row) for row in value)
        return len(value)
    return 0


def figure_stats(spec: str) -> dict[str, Any]:
    fig = json.loads(spec)
    points = 0
    for trace in fig.get("data", []):
        points += max((_array_length(trace.get(k)) for k in POINT_KEYS), default=0)
    return {"bytes": len(spec.encode("utf-8")), "points": points,
            "traces": len(fig.get("data", []))}


def first_widget(at) -> Any:
    """The first widget in document order (main area, then sidebar) that can be changed."""
    from streamlit.testing.v1.element_tree import Widget
    changeable = {"toggle", "checkbox", "slider", "selectbox", "radio", "multiselect",
                  "button_group", "number_input"}
    for area in (at.main, at.sidebar):
        for node in area:
            if isinstance(node, Widget) and node.type in changeable \
                    and not getattr(node.proto, "disabled", False):
                return node
    return None


def _labels_state(at, widget, labels: list[str], single: bool):
    """WidgetStates with `widget` set by its displayed labels (what the browser sends). Used for
    selectbox/radio/segmented/multiselect, whose original option values AppTest cannot see."""
    states = at._tree.get_widget_states()
    for ws in states.widgets:
        if ws.id == widget.id:
            if single:
                ws.string_value = labels[0]
            else:
                del ws.string_array_value.data[:]
                ws.string_array_value.data.extend(labels)
    return states


def change_widget(at, widget, timeout: float, memory: dict[str, Any]) -> str:
    """Change `widget` to another valid value and rerun; returns a description of the change.

    Alternates: first call A -> B, next call B -> A (the widget's first state is kept in
    `memory`), so after the first change both values are cached — a reader flipping a control
    back and forth — and the first change (a cache miss) shows in the p90."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState
    states = at._tree.get_widget_states()
    current = next((ws for ws in states.widgets if ws.id == widget.id), None)
    if current is not None:
        if widget.id not in memory:
            memory[widget.id] = WidgetState()
            memory[widget.id].CopyFrom(current)
        elif current != memory[widget.id]:
            current.CopyFrom(memory[widget.id])
            at._run(states, timeout=timeout)
            return f"{widget.type} {widget.key}: back to its first value"
    kind = widget.type
    if kind in ("toggle", "checkbox"):
        old = widget.value
        widget.set_value(not old).run(timeout=timeout)
        return f"{kind} {widget.key or widget.label}: {old} -> {not old}"
    if kind == "number_input":
        widget.increment().run(timeout=timeout)
        return f"number_input {widget.key}: +step"
    if kind == "slider":
        value, lo, hi = widget.value, widget.proto.min, widget.proto.max
        number = type(value[0] if isinstance(value, (tuple, list)) else value)
        step = number(widget.proto.step or 1)
        if isinstance(value, (tuple, list)):
            a, b = value
            new = (a + step, b) if a + step <= b else ((a, b + step) if b + step <= hi
                                                       else (a - step, b))
        else:
            new = value - step if value - step >= lo else value + step
        widget.set_value(new).run(timeout=timeout)
        return f"slider {widget.key}: {value} -> {tuple(new) if isinstance(new, list) else new}"
    if kind == "multiselect":
        current = list(widget.value)
        if len(current) >= 2:
            widget.set_value(current[:-1]).run(timeout=timeout)
            return f"multiselect {widget.key}: dropped {current[-1]!r}"
        chosen = list(widget.values)
        extra = next(o for o in widget.options if o not in chosen)
        at._run(_labels_state(at, widget, chosen + [extra], single=False), timeout=timeout)
        return f"multiselect {widget.key}: added {extra!r}"
    # selectbox, radio, button_group (single select): the next option by label
    if kind == "button_group":
        current = list(widget.formatted_values)
        index = widget.options.index(current[0]) if current else -1
    else:
        index = widget.index if widget.index is not None else -1
    new_label = widget.options[(index + 1) % len(widget.options)]
    single = kind != "button_group"
    at._run(_labels_state(at, widget, [new_label], single=single), timeout=timeout)
    return f"{kind} {widget.key}: -> {new_label!r}"


def share_compiled_scripts() -> None:
    """One ScriptCache for every AppTest run of this process, as a server has one per process
    (Runtime): AppTest makes a new one per run, so each run compiled dashboard.py and the page
    again, with Streamlit's magic rewrite (up to 45 ms a run on the longer pages, round 7's
    2-core machine), which the server does once, on its first run of each file."""
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    shared = ScriptCache()
    app_test.ScriptCache = lambda: shared
    local_script_runner.ScriptCache = lambda: shared


def worker(page: str, repeat: int, timeout: float, profile: bool = False) -> dict[str, Any]:
    from streamlit.runtime.scriptrunner import script_runner
    from streamlit.testing.v1 import AppTest, local_script_runner

    from app.data import tables
    from app.glue import cache

    script_ms: list[float] = []
    msg_bytes: list[int] = []
    original_run_script = script_runner.ScriptRunner._run_script
    original_parse = local_script_runner.parse_tree_from_messages

    profiler = None
    if profile:
        import cProfile
        profiler = cProfile.Profile()
    profiling = {"on": False}

    def timed_run_script(self, rerun_data):
        started = time.perf_counter()
        if profiling["on"]:  # the script runs in its own thread: profile inside it
            profiler.enable()
        try:
            return original_run_script(self, rerun_data)
        finally:
            if profiling["on"]:
                profiler.disable()
            script_ms.append((time.perf_counter() - started) * 1000)

    def measured_parse(messages):
        msg_bytes.append(sum(m.ByteSize() for m in messages))
        return original_parse(messages)

    script_runner.ScriptRunner._run_script = timed_run_script
    local_script_runner.parse_tree_from_messages = measured_parse
    share_compiled_scripts()

    import streamlit as st

    result: dict[str, Any] = {"page": page, "errors": []}

    def run_new() -> tuple[Any, float, float]:
        if page == BARE:
            at = AppTest.from_file(str(ROOT / BARE), default_timeout=timeout)
        else:  # as the server runs it: dashboard.py (set_page_config, st.navigation) + the page
            at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=timeout)
            at.switch_page(page)
        started = time.perf_counter()
        at.run()
        wall = (time.perf_counter() - started) * 1000
        if at.exception:
            result["errors"].append(str(at.exception[0].value)[:200])
        return at, script_ms[-1], wall

    at, ms, wall = run_new()
    result["cold_process_ms"] = ms
    result["cold_process_wall_ms"] = wall

    result["cold_cache_ms"] = []
    for _ in range(repeat):
        st.cache_data.clear()
        st.cache_resource.clear()
        cache.clear()
        tables.clear_cache()
        _, ms, _ = run_new()
        result["cold_cache_ms"].append(ms)

    result["warm_ms"], result["warm_wall_ms"] = [], []
    for _ in range(repeat):
        at, ms, wall = run_new()
        result["warm_ms"].append(ms)
        result["warm_wall_ms"].append(wall)

    # Sizes, from the last warm run (its own ForwardMsgs).
    result["msg_bytes"] = msg_bytes[-1]
    figures = [figure_stats(el.proto.spec) for el in at.get("plotly_chart")]
    result["figures"] = figures
    result["errors_shown"] = len(at.error)

    result["widget_ms"] = []
    profiling["on"] = profile  # profile the warm reruns only (caches full)
    widget = first_widget(at)
    if widget is None:
        result["widget"] = None
    else:
        description, memory = "", {}
        for _ in range(repeat * 2):  # change it on every rerun (a toggle flips back and forth)
            widget = first_widget(at)
            if widget is None:
                break
            change = change_widget(at, widget, timeout, memory)
            description = description or change
            result["widget_ms"].append(script_ms[-1])
            if at.exception:
                result["errors"].append(str(at.exception[0].value)[:200])
        result["widget"] = description
    if profiler is not None:
        result["profile"] = profile_report(profiler)
    return result


def profile_report(profiler) -> str:
    """Cumulative time of the project's own functions (app/, pages/, dashboard.py) and the
    library functions with the most own time, over the profiled reruns."""
    import io
    import pstats
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    stats.sort_stats("cumulative").print_stats(r"/(app|pages)/|dashboard\.py", 25)
    stats.sort_stats("tottime").print_stats(15)
    return stream.getvalue()


# ---------------------------------------------------------------------------------------------
# Driver.

def run_worker(page: str, repeat: int, timeout: float) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", page, "--repeat", str(repeat),
         "--timeout", str(timeout)],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode or not lines:
        return {"page": page, "failed": (out.stderr or out.stdout)[-600:]}
    return json.loads(lines[-1])


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def summarise(url: str, page: str, samples: list[dict[str, Any]]) -> dict[str, Any]:
    good = [s for s in samples if "failed" not in s]
    if not good:
        return {"url": url, "page": page, "failed": samples[0]["failed"]}
    pool = lambda key: [v for s in good for v in s[key]]  # noqa: E731
    figures = good[-1]["figures"]
    largest = max(figures, key=lambda f: f["bytes"], default=None)
    return {
        "url": url, "page": page, "processes": len(good),
        "cold_process_ms": median([s["cold_process_ms"] for s in good]),
        "cold_cache_ms": median(pool("cold_cache_ms")),
        "warm_ms": median(pool("warm_ms")),
        "warm_wall_ms": median(pool("warm_wall_ms")),
        "widget_ms": median(pool("widget_ms")),
        "widget_p90_ms": (statistics.quantiles(pool("widget_ms"), n=10)[-1]
                          if len(pool("widget_ms")) >= 2 else None),
        "widget": good[-1]["widget"],
        "msg_bytes": good[-1]["msg_bytes"],
        "charts": len(figures),
        "plotly_bytes": sum(f["bytes"] for f in figures),
        "largest_bytes": largest["bytes"] if largest else 0,
        "largest_points": largest["points"] if largest else 0,
        "largest_traces": largest["traces"] if largest else 0,
        "max_points": max((f["points"] for f in figures), default=0),
        "errors": sorted({e for s in good for e in s["errors"]}),
    }


def fmt(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def print_tables(rows: list[dict[str, Any]]) -> None:
    print("\nScript time per page (ms, median; warm/widget target < 100 ms)")
    print("| page | cold (process) | cold (cache) | warm (session) | widget rerun | "
          "widget p90 | target | widget changed |")
    print("|---|---:|---:|---:|---:|---:|---|---|")
    for r in rows:
        if "failed" in r:
            print(f"| {r['url']} | failed: {r['failed'].splitlines()[-1][:80]} |||||||")
            continue
        worst = max(v for v in (r["warm_ms"], r["widget_ms"]) if v is not None)
        ok = "met" if worst < TARGET_RERUN_MS else "MISSED"
        print(f"| {r['url']} | {fmt(r['cold_process_ms'])} | {fmt(r['cold_cache_ms'])} | "
              f"{fmt(r['warm_ms'])} | {fmt(r['widget_ms'])} | {fmt(r['widget_p90_ms'])} | {ok} | "
              f"{r['widget'] or '(no widget)'} |")
    print("\nBytes sent to the browser per page load (target: Plotly JSON < 1 MB)")
    print("| page | charts | Plotly JSON KB | all ForwardMsgs KB | largest figure KB | "
          "its points (traces) | most points in a figure | target |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        if "failed" in r:
            continue
        ok = "met" if r["plotly_bytes"] < TARGET_PAGE_BYTES else "MISSED"
        print(f"| {r['url']} | {r['charts']} | {fmt(r['plotly_bytes'] / 1000, 1)} | "
              f"{fmt(r['msg_bytes'] / 1000, 1)} | {fmt(r['largest_bytes'] / 1000, 1)} | "
              f"{r['largest_points']:,} ({r['largest_traces']}) | {r['max_points']:,} | {ok} |")
    errors = [(r["url"], e) for r in rows for e in r.get("errors", [])]
    if errors:
        print("\nExceptions seen during runs:")
        for url, e in errors:
            print(f"- {url}: {e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per page")
    parser.add_argument("--repeat", type=int, default=3, help="samples per process and kind")
    parser.add_argument("--pages", default="", help="comma-separated url paths (default: all)")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--profile", metavar="URL_PATH",
                        help="instead of the tables: cProfile the warm widget reruns of one page")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        sys.path.insert(0, str(ROOT))
        os.chdir(ROOT)
        result = worker(args.worker, args.repeat, args.timeout, profile=bool(args.profile))
        print(result.pop("profile", ""))
        print(json.dumps(result))
        return
    if args.profile:
        page = dict(page_list())[args.profile]
        out = subprocess.run(
            [sys.executable, __file__, "--worker", page, "--repeat", str(args.repeat),
             "--timeout", str(args.timeout), "--profile", args.profile],
            cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        print(out.stdout if out.returncode == 0 else out.stderr[-3000:])
        return

    pages = [("bare (reference)", BARE)] + page_list()
    if args.pages:
        wanted = set(args.pages.split(","))
        pages = [p for p in pages if p[0] in wanted or p[0].startswith("bare")]
    rows = []
    for url, page in pages:
        if not (ROOT / page).exists():
            rows.append({"url": url, "page": page, "failed": f"missing file {page}"})
            continue
        started = time.perf_counter()
        samples = [run_worker(page, args.repeat, args.timeout) for _ in range(args.runs)]
        row = summarise(url, page, samples)
        rows.append(row)
        print(f"{url:<18} {time.perf_counter() - started:6.1f} s  "
              f"warm {fmt(row.get('warm_ms'))} ms  widget {fmt(row.get('widget_ms'))} ms  "
              f"{row.get('failed', '')[-200:]}", file=sys.stderr, flush=True)
    print_tables(rows)
    payload = {"runs": args.runs, "repeat": args.repeat, "pages": rows}
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(payload, indent=1))
    print(json.dumps(payload))


if __name__ == "__main__":
    main()

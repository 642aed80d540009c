"""The first visit after a server start: time to first chart of the dashboard's landing page in
a fresh server process, against the bare Streamlit page's first visit after its own start, in
the same run (issue 13, part 2).

Run: python benchmarks/bench_first_visit.py [--rounds 5] [--page ""] [--modes ...] [--json FILE]

Each round starts fresh processes, one at a time, and opens the page once in a new browser
context (empty cache), 1280×720, as soon as the server's health check answers:
  bare          benchmarks/bare_page.py (one Plotly line chart)
  cold          dashboard.py, nothing warmed: what `streamlit run dashboard.py` gives the first
                reader (the process warms its other pages only after that first visit)
  warming       dashboard.py with app.glue.warmup started at the health check, as `python -m
                deploy start|serve` does, and the page opened at once: a reader who comes as
                the server starts, beside the warm-up
  ready         the same, the page opened once the warm-up's landing page is done: when
                `python -m deploy start` prints "ready" (the seconds after the health check
                are reported too)
  warmed        dashboard.py after app.glue.warmup ran every page once (the time the warm-up
                took is reported too): a reader who comes once the warm-up is done
Times are ms from navigation start to the first visible chart (bench_browser.PROBE), medians
over the rounds; ratios are to the bare page's median. Target: every mode ≤ 1.3×.

A benchmark, not a test: it reports, it never fails on a missed target.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_browser import fmt, load  # noqa: E402
from devtools import CHROMIUM, CHROMIUM_ARGS, free_port, start_streamlit, stop_streamlit  # noqa: E402

TARGET_RATIO = 1.3
TIMEOUT_MS = 120_000


def first_visit(browser, script: str, path: str, *, warm: bool, wait: str = "all") -> dict:
    """Start `script` in a fresh process, optionally warm it (and wait for `wait`: "none", the
    "landing" page or "all" pages), open `path` once; stop it."""
    port = free_port()
    started = time.perf_counter()
    proc = start_streamlit(script, port)
    result: dict = {"start_s": round(time.perf_counter() - started, 2)}
    try:
        if warm:
            from app.glue import warmup
            began = time.perf_counter()
            done: list = []
            # In a thread of its own: Playwright's sync API holds this thread's event loop.
            landing = threading.Event()
            thread = warmup.warm_in_thread(f"http://127.0.0.1:{port}", done=done.append,
                                           on_first=lambda report: landing.set(),
                                           pause_after_first=warmup.AFTER_LANDING_PAUSE_S)
            if wait == "landing":
                landing.wait(timeout=TIMEOUT_MS / 1000)
                result["landing_s"] = round(time.perf_counter() - began, 1)
            elif wait == "all":
                thread.join()
                report = done[0] if done and isinstance(done[0], list) else []
                result["warm_s"] = round(time.perf_counter() - began, 1)
                result["warm_problems"] = [r["page"] for r in report
                                           if r["exceptions"] or r["errors"]]
        result.update(load(browser, f"http://127.0.0.1:{port}/{path}", TIMEOUT_MS))
    finally:
        stop_streamlit(proc)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--page", default="", help="url path of the dashboard page ('' = /)")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--modes", default="bare,cold,warming,ready,warmed",
                        help="comma-separated, of bare, cold, warming, ready, warmed")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    modes = {"bare": ("benchmarks/bare_page.py", "", False, "all"),
             "cold": ("dashboard.py", args.page, False, "all"),
             "warming": ("dashboard.py", args.page, True, "none"),
             "ready": ("dashboard.py", args.page, True, "landing"),
             "warmed": ("dashboard.py", args.page, True, "all")}
    modes = {m: modes[m] for m in args.modes.split(",")}
    results: dict[str, list[dict]] = {m: [] for m in modes}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for round_no in range(args.rounds):
            for mode, (script, path, warm, wait) in modes.items():
                result = first_visit(browser, script, path, warm=warm, wait=wait)
                results[mode].append(result)
                print(f"round {round_no + 1} {mode:<7} first chart "
                      f"{fmt(result.get('firstChart'))} ms"
                      + (f" (warm-up {result['warm_s']} s)" if "warm_s" in result else "")
                      + (f" (landing page warm {result['landing_s']} s after health)"
                         if "landing_s" in result else "")
                      + (f" FAILED {result['failed']}" if "failed" in result else ""),
                      flush=True)
        browser.close()

    def med(mode: str, key: str = "firstChart") -> float | None:
        values = [r[key] for r in results.get(mode, []) if r.get(key) is not None]
        return statistics.median(values) if values else None

    bare = med("bare")
    print("\n| first visit after a start | first chart (ms) | script done (ms) | × bare | "
          "target |\n|---|---:|---:|---:|---|")
    for mode in modes:
        first = med(mode)
        ratio = first / bare if first and bare else None
        verdict = "–" if mode == "bare" or ratio is None else (
            "met" if ratio <= TARGET_RATIO else "missed")
        print(f"| {mode} | {fmt(first)} | {fmt(med(mode, 'scriptDone'))} | "
              f"{fmt(ratio, 2) if mode != 'bare' else '1.00'} | {verdict} |")
    landing_s = [r["landing_s"] for r in results.get("ready", []) if "landing_s" in r]
    if landing_s:
        print(f"\nLanding page warm: median {statistics.median(landing_s):.1f} s after the health "
              "check (when `python -m deploy start` prints \"ready\").")
    warm_s = [r["warm_s"] for r in results.get("warmed", []) if "warm_s" in r]
    if warm_s:
        print(f"\nWarm-up of every page: median {statistics.median(warm_s):.1f} s after the "
              "health check (the server accepted readers throughout).")
    summary = {"rounds": args.rounds, "page": args.page, "bare_ms": bare,
               "cold_ms": med("cold"), "warming_ms": med("warming"), "ready_ms": med("ready"),
               "warmed_ms": med("warmed"),
               "landing_warm_s": statistics.median(landing_s) if landing_s else None,
               "warm_up_s": statistics.median(warm_s) if warm_s else None, "runs": results}
    print(json.dumps({k: v for k, v in summary.items() if k != "runs"}))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(summary, indent=2, default=str))


if __name__ == "__main__":
    main()

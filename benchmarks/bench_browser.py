"""Time to first chart in headless Chromium, every dashboard page against a bare Streamlit page.

Run: python benchmarks/bench_browser.py [--loads 5] [--pages overview,states]
                                        [--static overview/benzo_trend,states/states_map]
                                        [--json /tmp/bench/browser.json]

Starts three servers on free localhost ports (one per app, `python -m streamlit run ...
--server.headless true --server.port P`): dashboard.py, benchmarks/bare_page.py (one Plotly line
chart: the least a Streamlit + Plotly page costs) and benchmarks/bare_page_at_path.py (the same
page at /chart). Drives Debian's Chromium through Playwright. Each load is a new browser context
(empty cache, new Streamlit session) at 1280×720.

Each dashboard page is opened where its links point: the default page at "/", the others at
/<url_path>. Measured in the page, from navigation start (performance.timeOrigin):
  first chart     the first `.js-plotly-plot .main-svg` in the DOM with a non-zero box (on a
                  static chart page, also its pre-rendered picture `.prerendered svg`)
  interactive     the first live plotly.js chart (`.js-plotly-plot .main-svg`); the same as
                  first chart on a Streamlit page
  script done     the app's script run finished (stApp data-test-script-state running ->
                  notRunning), i.e. the status widget is gone
Per page: one warm-up load right after the server started (reported as "first load"), then
`--loads` measured loads, interleaved in rounds (bare, bare at /chart, page 1, page 2, ..., bare,
...) so all apps see the same machine conditions. Median of the measured loads. The ratio that
meets or misses the target (<= 1.3) compares like with like: the default page (served at "/") with
the bare page at "/", every other page (/states, ...) with the bare page at /chart, because a link
below "/" costs Streamlit's frontend an extra connection check that no app code can avoid (see
bare_page_at_path.py). The ratio to the bare page at "/" is printed beside it. Pages without a
chart report only "script done".

Static tier (issue 13 §4): the static chart pages named by --static (default the overview's trend
and the States map; `--static ""` for none) are loaded the same way from the dashboard's own
server (/app/static/site/charts/<page>/<key>.html), measured to their first chart, and held
against <= 0.5x the bare page at "/", warm (median of the measured loads) and cold (the first
load after the server started: they come right after the two references in the warm-up round,
before any dashboard page). The site is brought up to date before the servers start
(app.glue.static_site.ensure_current), so no rebuild runs during the measurements.

A benchmark, not a test: it reports, it never fails on a missed target.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from devtools import (CHROMIUM, CHROMIUM_ARGS, DashboardPage, dashboard_pages,  # noqa: E402
                      free_port, start_streamlit, stop_streamlit)
TARGET_RATIO = 1.3
STATIC_TARGET_RATIO = 0.5
STATIC_PREFIX = "static "
DEFAULT_STATIC = "overview/benzo_trend,states/states_map"
BARE_ROOT = "bare (reference)"
BARE_PATH = "bare at /chart (reference)"
NO_CHART_GRACE_MS = 5000  # after the script finished, wait this long for a chart before "none"

# Installed before any page script: records when the first chart is visible and when the first
# script run finished, using a MutationObserver (fires right after the DOM change) plus a
# requestAnimationFrame check (catches a box that becomes non-zero without a DOM mutation).
PROBE = """
(() => {
  const b = window.__bench = {firstChart: null, interactive: null, scriptDone: null,
                               sawRunning: false};
  const visible = el => {
    const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0;
  };
  const check = () => {
    const now = performance.now();
    if (b.firstChart === null) {
      for (const el of document.querySelectorAll('.js-plotly-plot .main-svg, .prerendered svg')) {
        if (visible(el)) { b.firstChart = now; break; }
      }
    }
    if (b.interactive === null) {
      for (const el of document.querySelectorAll('.js-plotly-plot .main-svg')) {
        if (visible(el)) { b.interactive = now; break; }
      }
    }
    if (b.scriptDone === null) {
      const app = document.querySelector('[data-testid="stApp"]');
      const state = app && app.getAttribute('data-test-script-state');
      if (state === 'running') b.sawRunning = true;
      else if (b.sawRunning && state === 'notRunning') b.scriptDone = now;
    }
    return b.interactive !== null && b.scriptDone !== null;
  };
  const start = () => {
    const obs = new MutationObserver(() => { if (check()) obs.disconnect(); });
    obs.observe(document.documentElement, {subtree: true, childList: true, attributes: true,
                                           attributeFilter: ['data-test-script-state', 'class']});
    const frame = () => { if (!check()) requestAnimationFrame(frame); };
    requestAnimationFrame(frame);
  };
  if (document.documentElement) start();
  else document.addEventListener('readystatechange', start, {once: true});
})();
"""


@contextmanager
def serving(pages: Sequence[DashboardPage], static: Sequence[str] = ()
            ) -> Iterator[list[tuple[str, str]]]:
    """Start the dashboard and both reference pages on free ports; yield (name, url) of what to
    load: the bare page at "/", the bare page at /chart, the static chart pages (`static`:
    "<page>/<key>"), then each page where the app's links point (the default page at "/"). The
    servers stop on exit."""
    ports = {script: free_port() for script in
             ("dashboard.py", "benchmarks/bare_page.py", "benchmarks/bare_page_at_path.py")}
    servers = []
    try:
        for script, port in ports.items():
            servers.append(start_streamlit(script, port))
        app = f"http://127.0.0.1:{ports['dashboard.py']}"
        yield ([(BARE_ROOT, f"http://127.0.0.1:{ports['benchmarks/bare_page.py']}/"),
                (BARE_PATH, f"http://127.0.0.1:{ports['benchmarks/bare_page_at_path.py']}/chart")]
               + [(STATIC_PREFIX + name, f"{app}/app/static/site/charts/{name}.html")
                  for name in static]
               + [(p.url_path, f"{app}/{p.served_at}") for p in pages])
    finally:
        for proc in servers:
            stop_streamlit(proc)


def load(browser, url: str, timeout_ms: int, *, static: bool = False) -> dict[str, Any]:
    """One load in a fresh context: times (ms from navigation start) and error boxes. A static
    page has no script run: its load ends at its first chart."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    context.add_init_script(PROBE)
    page = context.new_page()
    done = ("window.__bench.interactive !== null" if static else
            f"""window.__bench.scriptDone !== null &&
                 (window.__bench.firstChart !== null ||
                  performance.now() - window.__bench.scriptDone > {NO_CHART_GRACE_MS})""")
    try:
        page.goto(url, wait_until="commit", timeout=timeout_ms)
        page.wait_for_function(f"() => window.__bench && {done}", timeout=timeout_ms,
                               polling=100)
        result = page.evaluate("() => ({...window.__bench, "
                               "dcl: performance.getEntriesByType('navigation')[0]"
                               ".domContentLoadedEventEnd})")
        result["exceptions"] = page.get_by_test_id("stException").count()
        result["errors"] = page.get_by_test_id("stAlertContentError").count()
        result["not_found_modal"] = page.get_by_role("dialog").filter(
            has_text="Page not found").count()
        return result
    except Exception as err:  # noqa: BLE001 - a failed load is a result, not a crash
        return {"failed": f"{type(err).__name__}: {str(err).splitlines()[0][:150]}"}
    finally:
        context.close()


def ratio_of(value: float | None, reference: float | None) -> float | None:
    return value / reference if value and reference else None


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def fmt(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=5, help="measured loads per page")
    parser.add_argument("--pages", default="", help="comma-separated url paths (default: all)")
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds per load")
    parser.add_argument("--static", default=DEFAULT_STATIC,
                        help="static chart pages to measure, as <page>/<key>, comma-separated "
                             f"(default {DEFAULT_STATIC}; \"\" for none)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    static = [name for name in args.static.split(",") if name]
    if static:
        from app.glue import static_site
        static_site.ensure_current()

    from playwright.sync_api import sync_playwright

    pages = dashboard_pages()
    if args.pages:
        wanted = set(args.pages.split(","))
        pages = [p for p in pages if p.url_path in wanted]
    missing = [p.file for p in pages if not (ROOT / p.file).exists()]
    if missing:
        print(f"warning: page files missing (their loads will show an error): {missing}",
              file=sys.stderr)

    with serving(pages, static) as targets:
        samples: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in targets}
        first: dict[str, dict[str, Any]] = {}
        timeout_ms = int(args.timeout * 1000)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for name, url in targets:  # warm-up: first load after the server started
                first[name] = load(browser, url, timeout_ms,
                                   static=name.startswith(STATIC_PREFIX))
                print(f"first load {name:<18} {fmt(first[name].get('firstChart'))} ms "
                      f"{first[name].get('failed', '')}", file=sys.stderr, flush=True)
            for round_no in range(args.loads):
                for name, url in targets:
                    samples[name].append(load(browser, url, timeout_ms,
                                              static=name.startswith(STATIC_PREFIX)))
                print(f"round {round_no + 1}/{args.loads} done", file=sys.stderr, flush=True)
            browser.close()

    rows = []
    for name, _ in targets:
        ok = [s for s in samples[name] if "failed" not in s]
        charts = [s["firstChart"] for s in ok if s.get("firstChart") is not None]
        rows.append({
            "page": name,
            "first_load_chart_ms": first[name].get("firstChart"),
            "first_chart_ms": median(charts) if len(charts) == len(ok) and ok else None,
            "interactive_ms": median([s["interactive"] for s in ok
                                      if s.get("interactive") is not None]),
            "first_load_interactive_ms": first[name].get("interactive"),
            "first_chart_min_ms": min(charts) if charts else None,
            "first_chart_max_ms": max(charts) if charts else None,
            "script_done_ms": median([s["scriptDone"] for s in ok
                                      if s.get("scriptDone") is not None]),
            "dom_content_loaded_ms": median([s["dcl"] for s in ok]),
            "loads": len(ok), "failed": [s["failed"] for s in samples[name] if "failed" in s],
            "has_chart": bool(charts),
            "exception_boxes": max((s["exceptions"] for s in ok), default=0),
            "error_boxes": max((s["errors"] for s in ok), default=0),
            "not_found_modal": max((s["not_found_modal"] for s in ok), default=0),
        })
    default_pages = {p.url_path for p in pages if p.is_default}
    bare = {r["page"]: r["first_chart_ms"] for r in rows if r["page"] in (BARE_ROOT, BARE_PATH)}
    print(f"\nTime to first chart in headless Chromium (ms from navigation start, median of "
          f"{args.loads} loads; target ≤ {TARGET_RATIO}× the bare page at the same URL depth: "
          f"\"/\" for the default page, /chart for the others)")
    print("| page | first chart | min–max | ratio to bare at same depth | target | ratio to bare "
          "at / | script done | first load after start | boxes (exception/error/'Page not "
          "found' modal) |")
    print("|---|---:|---:|---:|---|---:|---:|---:|---|")
    for r in rows:
        static_page = r["page"].startswith(STATIC_PREFIX)
        reference = (BARE_ROOT if r["page"] in default_pages | {BARE_ROOT} or static_page
                     else BARE_PATH)
        r["reference"] = reference
        ratio = (r["first_chart_ms"] / bare[reference]
                 if r["first_chart_ms"] and bare.get(reference) else None)
        r["ratio"] = ratio
        r["ratio_to_root"] = (r["first_chart_ms"] / bare[BARE_ROOT]
                              if r["first_chart_ms"] and bare.get(BARE_ROOT) else None)
        target = ("–" if ratio is None or r["page"].startswith("bare")
                  else "met" if ratio <= TARGET_RATIO else "MISSED")
        if not r["has_chart"]:
            target = "no chart"
        elif static_page:
            target = "below"
        span = (f"{fmt(r['first_chart_min_ms'])}–{fmt(r['first_chart_max_ms'])}"
                if r["has_chart"] else "–")
        failed = f" ({len(r['failed'])} failed: {r['failed'][0]})" if r["failed"] else ""
        shown = f"{r['page']} (at /)" if r["page"] in default_pages else r["page"]
        print(f"| {shown} | {fmt(r['first_chart_ms'])} | {span} | "
              f"{fmt(ratio, 2)} | {target} | {fmt(r['ratio_to_root'], 2)} | "
              f"{fmt(r['script_done_ms'])} | {fmt(r['first_load_chart_ms'])} | "
              f"{r['exception_boxes']}/{r['error_boxes']}/{r['not_found_modal']}{failed} |")
    static_rows = [r for r in rows if r["page"].startswith(STATIC_PREFIX)]
    if static_rows:
        bare_first = next(r["first_load_chart_ms"] for r in rows if r["page"] == BARE_ROOT)
        print(f"\nStatic tier: first chart of a static page (served by the dashboard's server) "
              f"vs the bare Streamlit page at \"/\" (target ≤ {STATIC_TARGET_RATIO}×, warm and "
              "cold)")
        print("| static page | warm (median) | ratio | cold (first load after start) | ratio "
              "| target | interactive: warm / cold (ratio) |")
        print("|---|---:|---:|---:|---:|---|---|")
        for r in static_rows:
            warm = (r["first_chart_ms"] / bare[BARE_ROOT]
                    if r["first_chart_ms"] and bare.get(BARE_ROOT) else None)
            cold = (r["first_load_chart_ms"] / bare_first
                    if r["first_load_chart_ms"] and bare_first else None)
            r["static_ratio_warm"], r["static_ratio_cold"] = warm, cold
            met = warm is not None and cold is not None and max(warm, cold) <= STATIC_TARGET_RATIO
            print(f"| {r['page'][len(STATIC_PREFIX):]} | {fmt(r['first_chart_ms'])} | "
                  f"{fmt(warm, 2)} | {fmt(r['first_load_chart_ms'])} | {fmt(cold, 2)} | "
                  f"{'met' if met else 'MISSED'} | {fmt(r['interactive_ms'])} "
                  f"({fmt(ratio_of(r['interactive_ms'], bare[BARE_ROOT]), 2)}) / "
                  f"{fmt(r['first_load_interactive_ms'])} "
                  f"({fmt(ratio_of(r['first_load_interactive_ms'], bare_first), 2)}) |")
    payload = {"loads": args.loads, "pages": rows}
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(payload, indent=1))
    print(json.dumps(payload))


if __name__ == "__main__":
    main()

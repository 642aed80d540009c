"""Presenter rooms under followers: what N students following one presentation cost the server,
and how long a move takes to reach their screens (app.glue.presenter: every open window checks
its room with st.fragment(run_every=0.5)).

Run: python benchmarks/bench_rooms.py [--followers 0,5,10,20] [--idle 15] [--moves 6]
                                      [--json /tmp/bench/rooms.json]

One dashboard server on a free 127.0.0.1 port and one headless Chromium. The presenter's audience
window opens slide 10 (a text slide, so moves measure the room, not chart drawing); students are
added (each a browser context of its own, so a Streamlit session of its own) up to each count in
`--followers`. At each count: the server's CPU (utime + stime from /proc/<pid>/stat, as a share
of one core) over `--idle` seconds with nobody moving, then `--moves` moves (Right, Left, ...) by
the presenter, each timed from the key press to the moment every student's page shows the new
slide (stamped in each page by Date.now()). Bounded: at most 40 students, every wait has a
timeout, server and browser stopped at the end.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from devtools import CHROMIUM, CHROMIUM_ARGS, free_port, start_streamlit, stop_streamlit  # noqa: E402
from tests.browser.presenting import (  # noqa: E402
    now_ms, room_in_link, seconds_until_shown, wait_for_keys, wait_for_run, wait_for_slide,
    watch_for_slide)

MAX_FOLLOWERS = 40
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--followers", default="0,5,10,20")
    parser.add_argument("--idle", type=float, default=15.0)
    parser.add_argument("--moves", type=int, default=6)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    counts = sorted({min(int(n), MAX_FOLLOWERS) for n in args.followers.split(",")})

    from playwright.sync_api import sync_playwright

    port = free_port()
    server = start_streamlit("dashboard.py", port)
    url = f"http://127.0.0.1:{port}"
    rows = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            audience = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
            # Moves go between two text slides (withdrawal and the one after it), found in the
            # deck by name: a slide added before them moves their numbers.
            first, second = text_slides()
            audience.goto(f"{url}/present?slide={first}")
            wait_for_slide(audience, first)
            wait_for_run(audience)
            wait_for_keys(audience)
            code, _ = room_in_link(audience)
            students, contexts = [], []
            for count in counts:
                while len(students) < count:
                    context = browser.new_context(viewport={"width": 1280, "height": 720})
                    contexts.append(context)
                    page = context.new_page()
                    page.goto(f"{url}/present?follow={code}", wait_until="commit")
                    students.append(page)
                for page in students:
                    wait_for_slide(page, slide_number_of(audience))
                time.sleep(3)
                before = cpu_seconds(server.pid)
                time.sleep(args.idle)
                idle_cpu = (cpu_seconds(server.pid) - before) / args.idle
                lags: list[float] = []
                before, started = cpu_seconds(server.pid), time.monotonic()
                for move in range(args.moves):
                    target = second if move % 2 == 0 else first
                    watch_for_slide([audience, *students], target)
                    start = now_ms(audience)
                    audience.keyboard.press("ArrowRight" if target == second else "ArrowLeft")
                    shown = seconds_until_shown([audience, *students], start, timeout=20)
                    lags.extend(shown[1:] if students else shown)
                    time.sleep(1)
                move_cpu = (cpu_seconds(server.pid) - before) / (time.monotonic() - started)
                row = {"followers": count, "idle_cpu_core": round(idle_cpu, 3),
                       "moves_cpu_core": round(move_cpu, 3), "rss_mib": round(rss_mib(server.pid)),
                       "lag_p50_s": round(statistics.median(lags), 2),
                       "lag_p95_s": round(percentile(lags, 0.95), 2),
                       "lag_max_s": round(max(lags), 2), "load_average": os.getloadavg()[0]}
                rows.append(row)
                print(row, flush=True)
            for context in contexts:
                context.close()
            browser.close()
    finally:
        stop_streamlit(server)
    print("\n| students | server CPU idle (share of a core) | during moves | RSS MiB "
          "| move to every screen p50 / p95 / max (s) | load avg |")
    print("|---:|---:|---:|---:|---|---:|")
    for r in rows:
        print(f"| {r['followers']} | {r['idle_cpu_core']:.2f} | {r['moves_cpu_core']:.2f} "
              f"| {r['rss_mib']} | {r['lag_p50_s']} / {r['lag_p95_s']} / {r['lag_max_s']} "
              f"| {r['load_average']:.1f} |")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=1))
    print(json.dumps(rows))


def text_slides(slug: str = "withdrawal") -> tuple[int, int]:
    """The numbers of the slide named `slug` and of the next one."""
    from app.presenting import deck
    number = next(s.number for s in deck.load_slides() if s.slug == slug)
    return number, number + 1


def slide_number_of(page) -> int:
    from tests.browser.presenting import slide_number
    return slide_number(page)


if __name__ == "__main__":
    main()

"""The load test through the production setup: `python -m deploy serve` (N Streamlit processes
behind HAProxy with sticky sessions) for each number of processes × number of sessions.

Run: python benchmarks/load_balanced.py [--processes 1,2] [--sessions 25,50] [--client ws]
                                        [--duration 60] [--json /tmp/bench/balanced.json]

Each setting starts the setup afresh on free 127.0.0.1 ports (devtools.start_balanced), runs
benchmarks/load_test.py's sessions against the balancer's URL with `--download` (every page, a
control change per page, one CSV download per session, served by the session's process through
the balancer), stops it, and reports per setting: script runs (page visits + control reruns) per
second, p95 of visit, rerun and all script runs, errors, sessions lost (answered by more than one
process, started over, or a failed download), downloads, sessions per process, and the
processes' summed CPU. Bounded as load_test.py is (at most 100 sessions and 1800 s per
setting, `--max-visits` per session, every wait with a timeout), localhost only.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.load_test import fmt, report, run  # noqa: E402
from devtools import balanced_output, start_balanced, stop_balanced_proc  # noqa: E402


def int_list(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def one_setting(args: argparse.Namespace, processes: int, sessions: int) -> dict[str, Any]:
    # The machine may be shared: its load before the setting says how far to trust the numbers.
    load_before = round(os.getloadavg()[0], 1)
    setup = start_balanced(processes)
    try:
        load_args = argparse.Namespace(**{**vars(args), "sessions": sessions, "download": True})
        pids = [server["pid"] for server in setup.servers]
        result = asyncio.run(run(load_args, setup.url, pids))
    finally:
        stop_balanced_proc(setup.proc)
        # HAProxy's own word on health: a live process marked DOWN by its check under load is
        # a finding (new readers avoid it; its own readers stay, option persist).
        changes = [line for line in balanced_output(setup.output).splitlines()
                   if line.startswith("[haproxy] Server ") and " is " in line]
        setup.output.close()
    print(f"\n## {processes} process(es), {sessions} sessions ({args.client} client)")
    payload = report(load_args, result)
    payload["summary"]["processes"] = processes
    payload["summary"]["marked_down"] = sum(" is DOWN" in line for line in changes)
    payload["balancer_events"] = changes
    for line in changes[:10]:
        print(line)
    payload["summary"]["load_average_before"] = load_before
    return payload


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int_list, default=[1, 2],
                        help="comma-separated process counts (default: 1,2)")
    parser.add_argument("--sessions", type=int_list, default=[25, 50],
                        help="comma-separated session counts (default: 25,50)")
    parser.add_argument("--client", choices=["browser", "ws"], default="ws",
                        help="ws (default): Streamlit's protocol, no rendering; browser: "
                             "Chromium contexts, which on 2 cores compete with the servers")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load each")
    parser.add_argument("--max-visits", type=int, default=200, help="per session")
    parser.add_argument("--ramp", type=float, default=10.0, help="seconds to start all sessions")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per wait")
    parser.add_argument("--cooldown", type=float, default=5.0)
    parser.add_argument("--sample-every", type=float, default=1.0)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    if not all(1 <= s <= 100 for s in args.sessions) or not 1 <= args.duration <= 1800:
        parser.error("--sessions must be 1..100 and --duration 1..1800 s (a bounded test)")
    if not all(1 <= p <= 8 for p in args.processes):
        parser.error("--processes must be 1..8")

    results = [one_setting(args, p, s) for s in args.sessions for p in args.processes]

    print(f"\n## Through the balancer ({args.client} client, {args.duration:.0f} s per setting, "
          f"{os.cpu_count()} cores)")
    print("| processes | sessions | script runs/s | visit p95 (ms) | rerun p95 (ms) | "
          "script run p95 (ms) | errors | sessions lost | downloads ok / failed / none | "
          "sessions per process | marked DOWN | CPU of the processes (% of one core) | "
          "load average before |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---:|---:|")
    for payload in results:
        s = payload["summary"]
        spread = ", ".join(f"{k}: {v}" for k, v in s["sessions_per_backend"].items())
        print(f"| {s['processes']} | {s['sessions']} | {s['script_runs_per_s']} | "
              f"{fmt(s['visit_p95_ms'])} | {fmt(s['rerun_p95_ms'])} | "
              f"{fmt(s['script_run_p95_ms'])} | {s['errors']} | {s['sessions_lost']} | "
              f"{s['downloads_ok']} / {s['downloads_failed']} / "
              f"{s['sessions_without_download']} | {spread} | {s['marked_down']} | "
              f"{fmt(s['cpu_mean_pct_during_load'])} | {s['load_average_before']} |")
    summaries = [payload["summary"] for payload in results]
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1, default=str))
    print(json.dumps(summaries))


if __name__ == "__main__":
    main()

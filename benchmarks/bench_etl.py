"""Benchmark the full ETL build against merely reading the raw files (pandas/pyarrow).

Run: python benchmarks/bench_etl.py [--raw-dir DIR] [--repeat 3]
Prints a table: best wall time and peak RSS of the build (child process, so imports count) and the
time to just read every raw file; the target is build <= 3x read.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from etl.build import default_raw_dir  # noqa: E402

READ_SCRIPT = r"""
import sys, time, pandas as pd
from pathlib import Path
raw = Path(sys.argv[1])
t = time.perf_counter()
for p in sorted(raw.rglob("*")):
    if p.suffix == ".xlsx":
        pd.read_excel(p, sheet_name=None)
    elif p.suffix == ".csv":
        pd.read_csv(p, encoding="latin-1", low_memory=False)
    elif p.suffix == ".txt":
        pd.read_csv(p, sep="\t", dtype=str, on_bad_lines="skip", engine="python")
print(time.perf_counter() - t)
"""


def run_child(args: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS MiB of the child, and its stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    out = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(peak, before) / 1024, out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--raw-dir", type=Path, default=default_raw_dir())
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    builds, reads = [], []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as out:
            wall, peak, _ = run_child([sys.executable, "-m", "etl", "build", "--quiet",
                                       "--raw-dir", str(args.raw_dir), "--out", out])
            builds.append((wall, peak))
        wall, peak, stdout = run_child([sys.executable, "-c", READ_SCRIPT, str(args.raw_dir)])
        reads.append((wall, float(stdout.strip())))
    build_wall = min(b[0] for b in builds)
    read_wall = min(r[0] for r in reads)
    read_inner = min(r[1] for r in reads)
    result = {
        "build_wall_s": round(build_wall, 2),
        "build_peak_rss_mib": round(max(b[1] for b in builds), 1),
        "read_raw_wall_s": round(read_wall, 2),
        "read_raw_inner_s": round(read_inner, 2),
        "ratio_build_to_read": round(build_wall / read_wall, 2),
    }
    print(f"{'measure':<24}{'value':>10}")
    for key, value in result.items():
        print(f"{key:<24}{value:>10}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()

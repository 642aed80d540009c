"""Build-level safety (etl/build.py and the CLI) with FAKE source modules, so these tests do
not depend on any real source: what a good build writes, and that every kind of failure — a
parse error, a missing or empty raw file, a schema failure, a SIGKILL — leaves data/ as it was."""
from __future__ import annotations

import hashlib
import importlib.util
import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import etl.__main__
import etl.build
import etl.checks
import etl.source
from etl.build import BuildError, build, format_summary
from etl.tidy import TIDY_COLUMNS
from etl.verify import verify_data_dir

PROJECT_ROOT = Path(etl.build.__file__).resolve().parent.parent
FAKE_NAMES = ("fakesrc", "fakesrc2")

# A fake source module, written to a file so the in-process tests and the subprocess (SIGKILL)
# tests load the very same code. Its id, raw folder and table name derive from the module name,
# so one file serves as etl.fakesrc and etl.fakesrc2. Env vars (set only by these tests) make it
# slow at a chosen moment so a test can kill the build there.
FAKE_MODULE = '''
"""Fake source for build tests: counts.csv (geo_fips,year,value,suppressed) -> tidy deaths."""
from __future__ import annotations

import csv
import os
import time
from pathlib import Path

import pandas as pd

import etl.build
from etl.registry import STATE_BY_FIPS
from etl.source import ParseResult, RawFile, Source, SourceFormatError, TableSpec
from etl.tidy import tidy_frame

NAME = __name__.rsplit(".", 1)[-1]
SOURCE = Source(
    id=NAME, title=f"Fake {NAME}", publisher="Tests", landing_url="http://127.0.0.1/",
    raw_folder=NAME, files=(RawFile("counts.csv", "http://127.0.0.1/counts.csv", "0" * 64),),
    tables=(TableSpec(f"{NAME}_deaths", "Fake deaths", "Fake deaths for the build tests"),),
    coverage="tests", definitions=("ucd_overdose",), citation="none")
HEADER = ["geo_fips", "year", "value", "suppressed"]


class _SlowSwapOs:
    """os for etl.build only: pause after each parquet is moved into place (before the
    manifest), so a test can kill the build inside the swap."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __getattr__(self, name):
        return getattr(os, name)

    def replace(self, src, dst) -> None:
        os.replace(src, dst)
        if str(dst).endswith(".parquet"):
            Path(self.marker).write_text("swapping")
            time.sleep(60)


def parse(folder: Path) -> ParseResult:
    if os.environ.get("FAKESRC_SLOW_PARSE"):
        Path(os.environ["FAKESRC_SLOW_PARSE"]).write_text("parsing")
        time.sleep(60)
    if os.environ.get("FAKESRC_SLOW_SWAP"):
        etl.build.os = _SlowSwapOs(os.environ["FAKESRC_SLOW_SWAP"])
    path = folder / "counts.csv"
    rows = []
    with path.open(newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        if header != HEADER:
            raise SourceFormatError(path, "unexpected header", line=1,
                                    expected=",".join(HEADER), found=",".join(header))
        for line, record in enumerate(reader, start=2):
            if len(record) != len(HEADER):
                raise SourceFormatError(path, "wrong number of fields", line=line,
                                        expected=str(len(HEADER)), found=str(len(record)))
            fips, year, value, suppressed = record
            try:
                number = float(value) if value else float("nan")
            except ValueError as err:
                raise SourceFormatError(path, "not a number", line=line, column="value",
                                        expected="a number or blank", found=repr(value)) from err
            nation = fips == "00"
            rows.append({"geo_fips": fips, "geo_level": "nation" if nation else "state",
                         "geo_name": "United States" if nation else STATE_BY_FIPS[fips].name,
                         "year": int(year), "value": number, "suppressed": suppressed == "1"})
    table = tidy_frame(pd.DataFrame(rows), source_id=NAME, source_file="counts.csv",
                       definition="ucd_overdose", measure="deaths", unit="deaths",
                       drug_group="benzodiazepines", period_type="year")
    return ParseResult({SOURCE.tables[0].name: table}, rows_in=len(rows))
'''

# The runner is what `python -m etl` does, after registering the fake sources (a subprocess
# cannot be monkeypatched).
RUNNER = '''
import importlib.util, sys
import etl.build, etl.source
fake_path, *argv = sys.argv[1:]
for name in {names!r}:
    spec = importlib.util.spec_from_file_location(f"etl.{{name}}", fake_path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
etl.source.SOURCE_MODULES = {names!r}
etl.build.code_version = lambda: "test-version"
from etl.__main__ import main
sys.exit(main(argv))
'''.format(names=FAKE_NAMES)

GOOD = "geo_fips,year,value,suppressed\n00,2020,100,0\n09,2020,40,0\n36,2020,50,0\n36,2021,,1\n"
GOOD2 = "geo_fips,year,value,suppressed\n00,2019,7,0\n"


@pytest.fixture
def fake_module_file(tmp_path: Path) -> Path:
    path = tmp_path / "fake_source_module.py"
    path.write_text(FAKE_MODULE)
    return path


@pytest.fixture
def fakes(monkeypatch, fake_module_file):
    """Register etl.fakesrc and etl.fakesrc2 as the only sources (build, CLI and verify)."""
    for name in FAKE_NAMES:
        spec = importlib.util.spec_from_file_location(f"etl.{name}", fake_module_file)
        module = importlib.util.module_from_spec(spec)
        monkeypatch.setitem(sys.modules, spec.name, module)
        spec.loader.exec_module(module)
    monkeypatch.setattr(etl.source, "SOURCE_MODULES", FAKE_NAMES)
    monkeypatch.setattr(etl.build, "code_version", lambda: "test-version")
    return FAKE_NAMES


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    raw_dir = tmp_path / "raw"
    for name, text in zip(FAKE_NAMES, (GOOD, GOOD2)):
        (raw_dir / name).mkdir(parents=True)
        (raw_dir / name / "counts.csv").write_text(text)
    return raw_dir


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return tmp_path / "data"


def snapshot(folder: Path) -> dict[str, str]:
    """sha256 of every file in the data folder, except build staging folders."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.relative_to(folder).parts[0].startswith(".build-")}


def staging_dirs(folder: Path) -> list[Path]:
    return sorted(folder.glob(".build-*"))


def cli(*args: str | Path) -> int:
    return etl.__main__.main(["build", *map(str, args), "--quiet"])


# --- a good build ---------------------------------------------------------------------------

def test_build_writes_parquet_and_manifest(fakes, raw, out):
    report = build(raw, out, ["fakesrc"], progress=False)
    manifest = json.loads((out / "manifest.json").read_text())
    entry = manifest["tables"]["fakesrc_deaths"]
    table = out / entry["file"]
    assert entry["file"] == f"fakesrc_deaths.{entry['sha256'][:12]}.parquet"
    assert entry["sha256"] == hashlib.sha256(table.read_bytes()).hexdigest()
    assert entry["rows"] == 4 and entry["source_id"] == "fakesrc"
    assert entry["columns"] == TIDY_COLUMNS and entry["suppressed_cells"] == 1
    assert manifest["code_version"] == "test-version"
    source = manifest["sources"]["fakesrc"]
    assert source["rows_in"] == 4 and source["tables"] == ["fakesrc_deaths"]
    raw_entry = source["files"][0]
    assert raw_entry["sha256"] == hashlib.sha256(GOOD.encode()).hexdigest()
    assert raw_entry["matches_tested_vintage"] is False  # the fake declares "000…"
    frame = pd.read_parquet(table)
    suppressed = frame[frame["suppressed"]]
    assert len(suppressed) == 1 and math.isnan(suppressed["value"].iloc[0])  # never 0
    assert report.sources[0].rows_out == 4
    assert staging_dirs(out) == []
    assert verify_data_dir(out) == []


def test_format_summary_lists_each_source_and_totals(fakes, raw, out):
    summary = format_summary(build(raw, out, None, progress=False))
    lines = summary.splitlines()
    row = {line.split()[0]: line.split() for line in lines if line.split()}
    assert row["fakesrc"][1:4] == ["4", "4", "1"]  # rows in, rows out, suppressed
    assert row["fakesrc2"][1:4] == ["1", "1", "0"]
    assert row["total"][1:5] == ["5", "5", "1", "2"]  # …, warnings
    assert "warning [fakesrc] counts.csv: sha256 differs from the tested vintage" in summary
    assert lines[-1] == f"wrote {out}"


def test_source_rebuild_keeps_other_sources(fakes, raw, out):
    build(raw, out, None, progress=False)
    before = json.loads((out / "manifest.json").read_text())
    (raw / "fakesrc" / "counts.csv").write_text(GOOD + "00,2021,120,0\n")
    assert cli("--raw-dir", raw, "--out", out, "--source", "fakesrc") == 0
    after = json.loads((out / "manifest.json").read_text())
    assert after["sources"]["fakesrc2"] == before["sources"]["fakesrc2"]
    assert after["tables"]["fakesrc2_deaths"] == before["tables"]["fakesrc2_deaths"]
    assert after["tables"]["fakesrc_deaths"]["rows"] == 5
    assert verify_data_dir(out) == []


# --- failures leave data/ unchanged ---------------------------------------------------------

def test_parse_error_leaves_data_byte_identical_and_cli_exits_1(fakes, raw, out, capsys):
    build(raw, out, None, progress=False)
    before = snapshot(out)
    bad = raw / "fakesrc" / "counts.csv"
    bad.write_text("geo_fips,year,value,suppressed\n00,2020,100,0\n09,2020,40\n")
    assert cli("--raw-dir", raw, "--out", out) == 1
    err = capsys.readouterr().err
    assert f"{bad}, line 3: wrong number of fields (expected 4, found 3)" in err
    assert "left unchanged" in err
    assert snapshot(out) == before
    assert staging_dirs(out) == []


@pytest.mark.parametrize("mutate, message", [
    (lambda p: p.unlink(), "raw file missing (download it from http://127.0.0.1/counts.csv)"),
    (lambda p: p.write_bytes(b""), "raw file is empty (0 bytes)"),
    (lambda p: p.parent.rename(p.parent.with_name("moved")), "raw folder for source 'fakesrc' "
                                                             "is missing"),
], ids=["missing", "empty", "no-folder"])
def test_missing_or_empty_raw_file_is_a_clear_error(fakes, raw, out, mutate, message):
    build(raw, out, None, progress=False)
    before = snapshot(out)
    counts = raw / "fakesrc" / "counts.csv"
    mutate(counts)
    with pytest.raises(BuildError) as err:
        build(raw, out, None, progress=False)
    assert message in str(err.value)
    assert str(raw / "fakesrc") in str(err.value)
    assert snapshot(out) == before


@pytest.mark.parametrize("rows, check", [
    ("00,2020,-3,0\n", "counts (deaths, visits, population) must be non-negative integers"),
    ("00,2020,5,1\n", "a suppressed row must have no value (NA), never 0"),
    ("00,2020,100,0\n00,2020,100,0\n", "geo_fips"),  # the duplicate key's columns are listed
], ids=["negative-count", "suppressed-with-value", "duplicate-key"])
def test_schema_failure_names_table_and_check(fakes, raw, out, rows, check):
    build(raw, out, None, progress=False)
    before = snapshot(out)
    (raw / "fakesrc" / "counts.csv").write_text("geo_fips,year,value,suppressed\n" + rows)
    with pytest.raises(BuildError) as err:
        build(raw, out, None, progress=False)
    message = str(err.value)
    assert "source fakesrc, table fakesrc_deaths: schema check failed" in message
    # build.py prints the failure cases with max_colwidth=60, so long check names are cut.
    assert check[:50] in message
    assert snapshot(out) == before


def test_duplicate_key_is_reported_as_uniqueness(fakes, raw, out):
    (raw / "fakesrc" / "counts.csv").write_text(
        "geo_fips,year,value,suppressed\n00,2020,100,0\n00,2020,100,0\n")
    with pytest.raises(BuildError, match=r"(?s)fakesrc_deaths: schema check failed.*unique"):
        build(raw, out, ["fakesrc"], progress=False)


def test_cross_check_failure_stops_the_build(fakes, raw, out, monkeypatch):
    build(raw, out, None, progress=False)
    before = snapshot(out)
    seen: list[list[str]] = []

    def always_fails(tables: dict[str, pd.DataFrame]) -> list[str]:
        seen.append(sorted(tables))
        return ["fake check: totals disagree"]

    monkeypatch.setattr(etl.checks, "CROSS_CHECKS", [always_fails])
    with pytest.raises(BuildError, match="cross-checks failed:\n- fake check: totals disagree"):
        build(raw, out, None, progress=False)
    assert seen == [["fakesrc2_deaths", "fakesrc_deaths"]]
    assert snapshot(out) == before
def test_states_above_nation_stops_the_build(fakes, raw, out):
    (raw / "fakesrc" / "counts.csv").write_text(
        "geo_fips,year,value,suppressed\n00,2020,10,0\n09,2020,40,0\n")
    with pytest.raises(BuildError, match=r"(?s)cross-checks failed:.*states sum 40 > nation 10"):
        build(raw, out, None, progress=False)


# --- SIGKILL --------------------------------------------------------------------------------

def run_killed(fake_module_file: Path, raw: Path, out: Path, env_var: str, tmp_path: Path
               ) -> None:
    """Start the CLI build in a subprocess, wait until the fake source reaches its slow point
    (it writes a marker file), then kill -9 it."""
    runner = tmp_path / "runner.py"
    runner.write_text(RUNNER)
    marker = tmp_path / "marker"
    env = {**os.environ, env_var: str(marker), "PYTHONPATH": str(PROJECT_ROOT)}
    proc = subprocess.Popen(
        [sys.executable, str(runner), str(fake_module_file), "build", "--raw-dir", str(raw),
         "--out", str(out), "--quiet"], cwd=PROJECT_ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while not marker.exists():
            if proc.poll() is not None:
                pytest.fail(f"build ended before the slow point: {proc.communicate()}")
            assert time.monotonic() < deadline, "build never reached the slow point"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.communicate(timeout=10)
    assert proc.returncode == -signal.SIGKILL


def test_sigkill_during_parse_keeps_previous_data(fakes, fake_module_file, raw, out, tmp_path):
    build(raw, out, None, progress=False)
    before = snapshot(out)
    (raw / "fakesrc" / "counts.csv").write_text(GOOD + "00,2021,120,0\n")
    run_killed(fake_module_file, raw, out, "FAKESRC_SLOW_PARSE", tmp_path)
    assert snapshot(out) == before
    assert staging_dirs(out), "a killed build leaves its .build-* staging folder"
    (staging_dirs(out)[0] / "junk.parquet").write_bytes(b"half a file")
    assert verify_data_dir(out) == []  # verify ignores staging folders
    manifest = json.loads((out / "manifest.json").read_text())
    for name in ("fakesrc_deaths", "fakesrc2_deaths"):
        assert len(pd.read_parquet(out / manifest["tables"][name]["file"])) > 0


def test_next_build_removes_stale_staging(fakes, raw, out):
    build(raw, out, None, progress=False)
    stale = out / ".build-stale0"
    stale.mkdir()
    old = time.time() - 3600
    os.utime(stale, (old, old))
    build(raw, out, None, progress=False)
    assert staging_dirs(out) == []


def test_sigkill_during_swap_keeps_a_consistent_data_dir(fakes, fake_module_file, raw, out,
                                                          tmp_path):
    build(raw, out, None, progress=False)
    (raw / "fakesrc" / "counts.csv").write_text(GOOD + "00,2021,120,0\n")
    run_killed(fake_module_file, raw, out, "FAKESRC_SLOW_SWAP", tmp_path)
    assert verify_data_dir(out) == []


# --- a newer vintage: differences reported, coverage never shrinks silently ---------------------

NEWER = ("geo_fips,year,value,suppressed\n00,2020,101,0\n09,2020,40,0\n36,2020,50,0\n"
         "36,2021,,1\n00,2022,120,0\n")


def test_differences_from_the_shipped_table_are_reported_not_raised(fakes, raw, out):
    build(raw, out, ["fakesrc"], progress=False)
    (raw / "fakesrc" / "counts.csv").write_text(NEWER)
    summary = format_summary(build(raw, out, ["fakesrc"], progress=False))
    diff = json.loads((out / "manifest.json").read_text())["tables"]["fakesrc_deaths"][
        "differences_from_shipped"]
    assert diff["compared"] and diff["periods_added"] == ["2022"]
    assert (diff["rows_before"], diff["rows_after"], diff["cells_revised"]) == (4, 5, 1)
    assert diff["revisions"] == [{"key": {"geo_fips": "00", "year": 2020},
                                  "before": {"value": 100.0}, "after": {"value": 101.0}}]
    assert "changed [fakesrc_deaths] against the shipped fakesrc_deaths." in summary
    assert "rows 4 → 5; periods added 2022; 1 of 4 values revised" in summary
    assert "  revised fakesrc_deaths [geo_fips=00, year=2020]: 100 → 101" in summary
    assert verify_data_dir(out) == []


def test_shrinking_coverage_without_a_note_stops_the_build(fakes, raw, out, tmp_path,
                                                           monkeypatch):
    notes = tmp_path / "corrections.csv"
    notes.write_text(etl.corrections.CORRECTIONS_FILE.read_text().splitlines()[0] + "\n")
    monkeypatch.setattr(etl.corrections, "CORRECTIONS_FILE", notes)
    build(raw, out, None, progress=False)
    before = snapshot(out)
    (raw / "fakesrc" / "counts.csv").write_text(
        "geo_fips,year,value,suppressed\n00,2020,100,0\n09,2020,40,0\n")
    with pytest.raises(BuildError) as err:
        build(raw, out, None, progress=False)
    message = str(err.value)
    assert message.startswith("source fakesrc, table fakesrc_deaths: coverage shrank: the "
                              "shipped table (")
    assert "has period(s) 2021 that the new build lacks" in message
    assert "add a row with decision coverage_dropped to corrections.csv" in message
    assert snapshot(out) == before
    # the same drop with a note in the corrections file is accepted and recorded
    notes.write_text(notes.read_text() + (
        "fakesrc-2021,fakesrc,counts.csv,,*,*,2021,quirk,the publisher removed 2021 pending "
        "review,coverage_dropped,2021 withdrawn by the publisher for review,release notes,"
        "etl.fakesrc:parse\n"))
    build(raw, out, None, progress=False)
    diff = json.loads((out / "manifest.json").read_text())["tables"]["fakesrc_deaths"][
        "differences_from_shipped"]
    assert diff["periods_dropped"] == ["2021"]
    assert diff["dropped_with_note"] == [
        "2021: 2021 withdrawn by the publisher for review (corrections.csv: fakesrc-2021)"]

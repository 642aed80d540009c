"""etl/verify.py (`python -m etl check`) on a tiny data folder built by hand in tmp_path, with a
fake source module declaring its one table."""
from __future__ import annotations

import hashlib
import json
import sys
import types
from pathlib import Path

import pandas as pd
import pytest

import etl.__main__
import etl.build
import etl.source
from etl.source import RawFile, Source, TableSpec
from etl.tidy import tidy_frame
from etl.verify import verify_data_dir

TABLE = "fakeverify_deaths"


def fake_table(values: list[float], period_type: str = "year") -> pd.DataFrame:
    rows = pd.DataFrame({
        "geo_fips": ["00", "09", "36"][:len(values)],
        "geo_level": ["nation", "state", "state"][:len(values)],
        "geo_name": ["United States", "Connecticut", "New York"][:len(values)],
        "year": 2020, "value": values})
    if period_type == "month":
        rows["month"] = 1
    return tidy_frame(rows, source_id="fakeverify", source_file="counts.csv",
                      definition="ucd_overdose", measure="deaths", unit="deaths",
                      drug_group="benzodiazepines", period_type=period_type)


def write_table(out: Path, frame: pd.DataFrame, manifest: dict | None = None) -> dict:
    """Write the parquet and a manifest consistent with it (as the build would)."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{TABLE}.parquet"
    frame.to_parquet(path, index=False)
    manifest = manifest or {
        "schema_version": 1, "code_version": "test",
        "sources": {"fakeverify": {"tables": [TABLE]}}, "tables": {}}
    manifest["tables"][TABLE] = {
        "file": path.name, "source_id": "fakeverify", "rows": len(frame),
        "columns": list(frame.columns), "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
    (out / "manifest.json").write_text(json.dumps(manifest))
    return manifest


@pytest.fixture
def fake_source(monkeypatch):
    module = types.ModuleType("etl.fakeverify")
    module.SOURCE = Source(
        id="fakeverify", title="Fake", publisher="Tests", landing_url="http://127.0.0.1/",
        raw_folder="fakeverify", files=(RawFile("counts.csv", "http://127.0.0.1/c.csv", "0"),),
        tables=(TableSpec(TABLE, "Fake deaths", "Fake deaths"),), coverage="tests",
        definitions=("ucd_overdose",), citation="none")
    monkeypatch.setitem(sys.modules, "etl.fakeverify", module)
    monkeypatch.setattr(etl.source, "SOURCE_MODULES", ("fakeverify",))
    return module


@pytest.fixture
def out(tmp_path: Path, fake_source) -> Path:
    data = tmp_path / "data"
    write_table(data, fake_table([100.0, 40.0, 50.0]))
    return data


def read_manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text())


def test_consistent_folder_passes(out):
    assert verify_data_dir(out) == []


def test_staging_folders_are_ignored(out):
    staging = out / ".build-abc123"
    staging.mkdir()
    (staging / f"{TABLE}.parquet").write_bytes(b"half a file")
    (staging / "manifest.json").write_text("{not json")
    assert verify_data_dir(out) == []


def test_missing_folder_and_manifest(tmp_path, fake_source):
    assert "data folder does not exist" in verify_data_dir(tmp_path / "nope")[0]
    (tmp_path / "empty").mkdir()
    assert verify_data_dir(tmp_path / "empty") == [
        f"{tmp_path / 'empty' / 'manifest.json'}: manifest missing (run `python -m etl build`)"]


def test_manifest_not_json_or_incomplete(out):
    (out / "manifest.json").write_text('{"tables": ')
    [problem] = verify_data_dir(out)
    assert problem.startswith(f"{out / 'manifest.json'}: manifest is not valid JSON")
    (out / "manifest.json").write_text('{"tables": {}}')
    assert verify_data_dir(out) == [f"{out / 'manifest.json'}: manifest has no 'sources' object"]


def test_listed_table_file_missing(out):
    (out / f"{TABLE}.parquet").unlink()
    assert verify_data_dir(out) == [f"table {TABLE}: {out / (TABLE + '.parquet')} is missing"]


def test_sha256_mismatch(out):
    manifest = read_manifest(out)
    pd.read_parquet(out / f"{TABLE}.parquet").to_parquet(out / f"{TABLE}.parquet",
                                                          compression="gzip", index=False)
    assert read_manifest(out) == manifest
    assert verify_data_dir(out) == [
        f"table {TABLE}: {TABLE}.parquet sha256 differs from the manifest (file replaced or "
        "corrupted after the build)"]


def test_row_count_and_columns_mismatch(out):
    manifest = read_manifest(out)
    manifest["tables"][TABLE]["rows"] = 4
    manifest["tables"][TABLE]["columns"] = ["value"]
    (out / "manifest.json").write_text(json.dumps(manifest))
    problems = verify_data_dir(out)
    assert f"table {TABLE}: 3 rows, manifest says 4" in problems
    assert any(p.startswith(f"table {TABLE}: columns [") and "differ from the manifest ['value']"
               in p for p in problems)


def test_unreadable_parquet(out):
    path = out / f"{TABLE}.parquet"
    path.write_bytes(b"PAR1 not really")
    manifest = read_manifest(out)
    manifest["tables"][TABLE]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (out / "manifest.json").write_text(json.dumps(manifest))
    [problem] = verify_data_dir(out)
    assert problem.startswith(f"table {TABLE}: {path} cannot be read")


def test_schema_failure_names_table_and_check(tmp_path, fake_source):
    out = tmp_path / "data"
    write_table(out, fake_table([100.0, -40.0, 50.0]))
    [problem] = verify_data_dir(out)
    assert problem.startswith(f"table {TABLE}: schema check failed")
    assert "counts (deaths, visits, population) must be non-negative integers" in problem


def test_table_of_unknown_or_broken_source(out, monkeypatch):
    broken = types.ModuleType("etl.brokensrc")  # imports, but has no SOURCE
    monkeypatch.setitem(sys.modules, "etl.brokensrc", broken)
    monkeypatch.setattr(etl.source, "SOURCE_MODULES", ("brokensrc",))
    [problem] = verify_data_dir(out)
    assert problem.startswith(f"table {TABLE}: no source module has id 'fakeverify', schema not "
                              "checked (modules that failed to import: etl.brokensrc: "
                              "AttributeError")


def test_source_table_missing_from_manifest(out):
    manifest = read_manifest(out)
    manifest["sources"]["fakeverify"]["tables"].append("fakeverify_extra")
    (out / "manifest.json").write_text(json.dumps(manifest))
    assert verify_data_dir(out) == [
        "source fakeverify: table fakeverify_extra missing from the manifest"]


def test_cross_checks_run(tmp_path, fake_source):
    out = tmp_path / "data"
    write_table(out, fake_table([10.0, 40.0, 50.0], period_type="month"))
    [problem] = verify_data_dir(out)
    assert problem.startswith(f"cross-check: {TABLE}: states sum 90 > nation 10")


def test_cli_check_exit_codes(out, capsys):
    assert etl.__main__.main(["check", "--out", str(out)]) == 0
    assert f"data check passed: {out}" in capsys.readouterr().out
    (out / f"{TABLE}.parquet").unlink()
    assert etl.__main__.main(["check", "--out", str(out)]) == 1
    assert f"data check FAILED:\n- table {TABLE}:" in capsys.readouterr().err


# --- manifest schema 2: how old every number is --------------------------------------------------

CURRENCY = {
    "released": None, "released_from": "not stated in the file",
    "retrieved": "2026-11-23", "retrieved_from": "PROVENANCE.md",
    "built_at": "2026-12-02T12:00:00+00:00", "first_period": "2020", "data_through": "2020",
    "last_period_status": "final",
    "newer_data": {"url": "http://127.0.0.1/", "note": "",
                   "fetch_command": "python -m etl fetch --source fakeverify",
                   "fetch": "automatic"},
}


def with_schema_2(out: Path, source: dict, table: dict) -> None:
    manifest = read_manifest(out)
    manifest["schema_version"] = 2
    manifest["sources"]["fakeverify"].update(source)
    manifest["tables"][TABLE].update(table)
    (out / "manifest.json").write_text(json.dumps(manifest))


def test_schema_2_manifest_with_currency_fields_passes(out):
    with_schema_2(out, CURRENCY, {"first_period": "2020", "data_through": "2020",
                                  "period_type": "year", "last_period_status": "final"})
    assert verify_data_dir(out) == []


def test_schema_2_requires_the_currency_fields(out):
    with_schema_2(out, {}, {})
    problems = verify_data_dir(out)
    assert f"table {TABLE}: no 'data_through' (last period of the data (YYYY or YYYY-MM))" \
        in problems
    assert f"table {TABLE}: no 'period_type' (currency field)" in problems
    assert "source fakeverify: no 'released' (publisher's release date of this vintage " \
           "(YYYY, YYYY-MM or YYYY-MM-DD), or null)" in problems
    assert any(p.startswith("source fakeverify: no 'newer_data'") for p in problems)
    assert len(problems) == 4 + 9  # every field of the table and of the source


def test_schema_2_table_coverage_must_be_what_its_rows_say(out):
    with_schema_2(out, CURRENCY, {"first_period": "2019", "data_through": "2021",
                                  "period_type": "year", "last_period_status": "provisional"})
    assert verify_data_dir(out) == [
        f"table {TABLE}: manifest says first_period '2019', its rows give '2020'",
        f"table {TABLE}: manifest says data_through '2021', its rows give '2020'",
        f"table {TABLE}: manifest says last_period_status 'provisional', its rows give 'final'"]

"""etl/vintages.py: which release of a file is read, checks that hold for one edition only, how
two versions of a table differ; and, on the publishers' real files, that a synthetic newer
vintage of every source builds and is reported against the shipped data."""
from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pandas as pd
import pytest

from etl import nida, vintages
from etl.build import build, format_summary
from etl.source import RawFile, SourceFormatError
from etl.tidy import EXCLUDED_NOTE, tidy_frame
from etl.vintages import EditionCheck
from tests.etl import newer_vintages

DATA = Path(__file__).resolve().parents[2] / "data"
RULE = nida.VINTAGES


def touch(folder: Path, *names: str, content: bytes | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_bytes(content if content is not None else name.encode())
    return folder


# --- which release is read ----------------------------------------------------------------------

def test_newest_release_by_last_year_then_release_date(tmp_path):
    folder = touch(tmp_path, "Overdose_data_1999-2021 1.19.23.xlsx",
                   "overdose_data_1999-2022_5.2.2024.xlsx", "Overdose_data_1999-2022 7.1.2024.xlsx",
                   "PROVENANCE.md")
    found = RULE.vintages(folder)
    assert [v.name for v in found] == ["Overdose_data_1999-2021 1.19.23.xlsx",
                                       "overdose_data_1999-2022_5.2.2024.xlsx",
                                       "Overdose_data_1999-2022 7.1.2024.xlsx"]
    newest = RULE.newest(folder)
    assert (newest.first_year, newest.last_year, newest.released.isoformat()) == \
        (1999, 2022, "2024-07-01")
    assert newest.released_from == "file name (7.1.2024, month.day.year)"
    assert found[0].released.isoformat() == "2023-01-19"  # two-digit year


def test_a_third_release_is_read_without_code_changes(tmp_path):
    folder = touch(tmp_path, "Overdose_data_1999-2021 1.19.23.xlsx",
                   "overdose_data_1999-2022_5.2.2024.xlsx", "Overdose_data_1999-2024.xlsx")
    newest = RULE.newest(folder)
    assert newest.name == "Overdose_data_1999-2024.xlsx" and newest.released is None
    raw = RULE.raw_file(nida.SOURCE.files, newest)
    assert raw.sha256 == "" and raw.url.endswith("/Overdose_data_1999-2024.xlsx")


def test_a_workbook_not_named_like_a_release_stops_the_build(tmp_path):
    folder = touch(tmp_path, "overdose_data_1999-2022_5.2.2024.xlsx", "Overdose data (1).xlsx")
    with pytest.raises(SourceFormatError, match=r"Overdose data \(1\)\.xlsx: cannot tell which "
                       r"vintage this file is \(expected a name like 'Overdose_data_"):
        RULE.vintages(folder)


def test_two_different_files_of_one_release_stop_the_build(tmp_path):
    folder = touch(tmp_path, "overdose_data_1999-2022_5.2.2024.xlsx",
                   "Overdose_data_1999-2022 5.2.24.xlsx")
    with pytest.raises(SourceFormatError, match="two different files claim the same vintage"):
        RULE.vintages(folder)
    same = touch(tmp_path / "same", "overdose_data_1999-2022_5.2.2024.xlsx",
                 "Overdose_data_1999-2022 5.2.24.xlsx", content=b"one workbook")
    assert len(RULE.vintages(same)) == 2  # the same bytes under two names: harmless


def test_impossible_release_date_and_empty_folder(tmp_path):
    folder = touch(tmp_path / "a", "Overdose_data_1999-2022 13.2.2024.xlsx")
    with pytest.raises(SourceFormatError, match="release date in the file name is not a date"):
        RULE.vintages(folder)
    with pytest.raises(SourceFormatError, match="no release of the file found"):
        RULE.newest(touch(tmp_path / "b", "PROVENANCE.md"))


def test_fetch_downloads_only_the_newest_declared_release():
    assert vintages.fetch_targets(nida) == (nida.RELEASE_2024,)


# --- checks for one edition -------------------------------------------------------------------

def test_edition_checks_apply_only_to_their_edition():
    edition = RawFile("a.csv", "http://127.0.0.1/a.csv", "1" * 64)
    seen = []
    check = EditionCheck((edition,), "published total 5",
                         lambda tables: seen.append(1) or ["total: expected 5, found 6"])
    entries, failures = vintages.run_edition_checks([check], {"a.csv": "1" * 64}, {})
    assert entries == [{"files": ["a.csv"], "what": "published total 5", "applied": True,
                        "passed": False}]
    assert failures == ["published total 5: total: expected 5, found 6"]
    entries, failures = vintages.run_edition_checks([check], {"a.csv": "2" * 64}, {})
    assert failures == [] and len(seen) == 1
    assert entries[0]["applied"] is False and entries[0]["edition_read"] is True
    assert "sha256 222222222222… is not the tested 111111111111…" in entries[0]["reason"]
    entries, _ = vintages.run_edition_checks([check], {}, {})
    assert entries[0]["edition_read"] is False and "not read in this build" in entries[0]["reason"]


def test_pinned_values_need_exactly_one_row():
    frame = pd.DataFrame({"year": [2021, 2022, 2022], "value": [1.0, 2.0, 3.0]})
    assert vintages.pinned("t", frame, [({"year": 2021}, 1)]) == []
    assert vintages.pinned("t", frame, [({"year": 2022}, 2)]) == [
        "t year=2022: expected 2, found [2.0, 3.0]"]


# --- what changed ------------------------------------------------------------------------------

def tidy(rows: list[tuple[int, str, float, bool, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["year", "drug_group", "value", "suppressed", "note"])
    return tidy_frame(frame, source_id="t", source_file="t.csv", definition="ucd_overdose",
                      measure="deaths", unit="deaths", geo_level="nation", geo_fips="00",
                      geo_name="United States", period_type="year")


def test_table_differences_of_a_tidy_table():
    before = tidy([(2020, "benzodiazepines", 10, False, ""), (2020, "heroin", math.nan, True, ""),
                   (2020, "cocaine", 7, False, ""), (2021, "benzodiazepines", 12, False, ""),
                   (2019, "benzodiazepines", 9, False, "")])
    after = tidy([(2020, "benzodiazepines", 11, False, ""),
                  (2020, "heroin", math.nan, False, f"{EXCLUDED_NOTE}: rule"),
                  (2021, "benzodiazepines", 12, False, ""), (2021, "heroin", 3, False, ""),
                  (2022, "benzodiazepines", 13, False, "")])
    diff = vintages.table_differences(before, after)
    assert diff["periods_added"] == ["2022"] and diff["periods_dropped"] == ["2019"]
    assert diff["rows_per_period"] == [
        {"period": "2019", "before": 1, "after": 0}, {"period": "2020", "before": 3, "after": 2},
        {"period": "2021", "before": 1, "after": 2}, {"period": "2022", "before": 0, "after": 1}]
    assert (diff["cells_compared"], diff["cells_revised"], diff["rows_added"],
            diff["rows_removed"]) == (3, 2, 1, 1)
    by_drug = {(r["key"]["drug_group"], r["key"]["year"]): r for r in diff["revisions"]}
    assert by_drug[("benzodiazepines", 2020)]["before"] == {"value": 10.0}
    assert by_drug[("benzodiazepines", 2020)]["after"] == {"value": 11.0}
    assert by_drug[("heroin", 2020)]["after"] == {"value": None, "excluded": True}
    assert by_drug[("cocaine", 2020)]["after"] is None  # no longer published
    assert vintages.describe_cell(by_drug[("heroin", 2020)]["before"]) == "suppressed"
    assert vintages.describe_cell(by_drug[("heroin", 2020)]["after"]) == \
        "excluded by the publisher"
    json.dumps(diff)  # machine-readable as it stands


def test_table_differences_of_a_record_level_table():
    before = pd.DataFrame({"year": [2021, 2021, 2022], "benzodiazepine": [True, False, True]})
    after = pd.DataFrame({"year": [2021, 2021, 2022, 2023],
                          "benzodiazepine": [True, True, True, False]})
    diff = vintages.table_differences(before, after)
    assert diff["periods_added"] == ["2023"] and diff["cells_revised"] == 1
    assert diff["revisions"] == [{"key": {"period": "2021", "column": "benzodiazepine"},
                                  "before": {"value": 1}, "after": {"value": 2}}]


# --- a synthetic newer vintage of every source builds --------------------------------------------

@pytest.mark.raw
@pytest.mark.parametrize("name", sorted(newer_vintages.MAKERS))
def test_a_newer_vintage_of_each_source_builds_and_reports_its_differences(raw_dir, tmp_path,
                                                                          name):
    update = newer_vintages.make(name, raw_dir, tmp_path / "raw")
    out = tmp_path / "data"
    shutil.copytree(DATA, out)  # the shipped data the refresh replaces
    summary = format_summary(build(tmp_path / "raw", out, [name], progress=False))
    manifest = json.loads((out / "manifest.json").read_text())
    table = manifest["tables"][update.table]
    diff = table["differences_from_shipped"]
    assert diff["compared"] is True
    grown = {p["period"]: p for p in diff["rows_per_period"]}
    assert update.period_added in diff["periods_added"] or (
        grown[update.period_added]["after"] > grown[update.period_added]["before"])
    assert diff["rows_after"] > diff["rows_before"]
    assert diff["cells_revised"] >= 1 and diff["revisions"]
    assert f"changed [{update.table}] against the shipped" in summary
    assert "values revised" in summary and "  revised " in summary
    source = manifest["sources"][table["source_id"]]
    assert any(not e["applied"] for e in source["edition_checks"])
    if name == "nida":
        assert source["vintages"]["used"]["name"] == "overdose_data_1999-2023_3.1.2025.xlsx"
        assert source["released"] == "2025-03-01"
        assert source["data_through"] == "2023"
    else:
        assert not all(f["matches_tested_vintage"] for f in source["files"])
        assert source["vintage"].startswith("not the tested vintage")
        assert "edition [" in summary and "not applied" in summary

"""Tests for etl/allegheny.py: quirk fixtures, the real file's published check values, named
benzodiazepines, privacy, and bad input (cut short, renamed, re-encoded, emptied, repeated)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from etl import allegheny, vintages
from etl.allegheny import AlleghenyDeathSchema, AlleghenyDrugSchema, parse
from etl.benzodiazepines import NamedBenzodiazepineSchema, load_registry, looks_like_benzodiazepine
from etl.registry import DEFINITIONS
from etl.source import SOURCE_MODULES, ParseResult
from tests.etl.harness import (FIXTURES, Edit, cut_before, emptied, encoded, refusal, replaced,
                               write_edited)

GOOD = FIXTURES / "allegheny" / "named_drugs.csv"
TABLES = ("allegheny_deaths", "allegheny_drugs", "allegheny_named_benzodiazepines")
SCHEMAS = (AlleghenyDeathSchema, AlleghenyDrugSchema, NamedBenzodiazepineSchema)


def parse_fixture(name: str, tmp_path: Path) -> ParseResult:
    """Copy one quirk fixture under the publisher's file name, parse and validate it."""
    shutil.copy(FIXTURES / "allegheny" / name, tmp_path / allegheny.FILE_NAME)
    result = parse(tmp_path)
    for table, schema in zip(TABLES, SCHEMAS):
        result.tables[table] = schema.validate(result.tables[table], lazy=True)
    return result


def write_bad(tmp_path: Path, edit: Edit) -> Path:
    return write_edited(GOOD, tmp_path / allegheny.FILE_NAME, edit)


def count(named: pd.DataFrame, drug: str, year: int, split: str = "all") -> float:
    row = named[(named["drug"] == drug) & (named["year"] == year)
                & (named["co_involvement"] == split)]
    assert len(row) == 1, (drug, year, split)
    return row["value"].iloc[0]


# --- metadata ---------------------------------------------------------------------------------

def test_source_metadata_is_complete() -> None:
    source = allegheny.SOURCE
    raw = source.files[0]
    assert source.id == "allegheny_me" and "allegheny" in SOURCE_MODULES
    assert raw.url == f"https://data.wprdc.org/datastore/dump/{allegheny.RESOURCE_ID}"
    assert raw.ckan_resource_id == allegheny.RESOURCE_ID and len(raw.sha256) == 64
    assert [t.name for t in source.tables] == list(TABLES)
    assert [t.schema for t in source.tables] == list(SCHEMAS)
    assert all(d in DEFINITIONS for d in source.definitions)
    assert source.citation and source.caveats and source.retrieved == "2026-12-02"


# --- quirk fixtures ---------------------------------------------------------------------------

def test_named_drugs_and_traps(tmp_path: Path) -> None:
    result = parse_fixture("named_drugs.csv", tmp_path)
    drugs = result.tables["allegheny_drugs"].set_index(["record_id", "drug"])
    assert drugs.loc[(101, "Flubromazolam"), "benzodiazepine"] == "flubromazolam"
    assert drugs.loc[(102, "Bromazolam"), "benzodiazepine"] == "bromazolam"
    assert drugs.loc[(103, "7-Aminoclonazepam"), "counted_as"] == "clonazepam"
    assert drugs.loc[(103, "7-Aminoclonazepam"), "benzodiazepine_class"] == "metabolite"
    assert drugs.loc[(104, "Benzoylecgonine"), "benzodiazepine"] == ""
    assert drugs.loc[(107, "Nordiazepam"), "counted_as"] == "nordiazepam"
    assert drugs.loc[(108, "Despropionyl Fentanyl 4-ANPP"), "fentanyl"]
    assert not drugs.loc[(102, "Xylazine"), "fentanyl"]
    # A drug named twice in one death is one row and counts once.
    assert len(drugs.loc[105]) == 2 and len(drugs.loc[108]) == 6
    assert "2 death(s) name the same drug twice; counted once" in result.warnings


def test_deaths_table_flags(tmp_path: Path) -> None:
    deaths = parse_fixture("named_drugs.csv", tmp_path).tables["allegheny_deaths"]
    deaths = deaths.set_index("record_id")
    assert deaths["benzodiazepine"].to_dict() == {
        101: True, 102: True, 103: True, 104: False, 105: True, 106: True, 107: True, 108: True}
    assert deaths.loc[[101, 102, 105], "designer_benzodiazepine"].all()
    assert deaths.loc[103, "prescription_benzodiazepine"]          # via 7-aminoclonazepam
    assert not deaths.loc[[106, 107], ["prescription_benzodiazepine",
                                      "designer_benzodiazepine"]].any().any()
    assert deaths["fentanyl"].to_dict() == {
        101: True, 102: True, 103: False, 104: False, 105: False, 106: False, 107: True,
        108: True}
    assert deaths.loc[107, "n_drugs"] == 2 and deaths.loc[108, "n_drugs"] == 6
    assert deaths.loc[104, "race"] == "Hispanic" and deaths.loc[102, "sex"] == "female"
    assert not deaths["partial_year"].any()


def test_named_counts_count_each_death_once_per_drug(tmp_path: Path) -> None:
    named = parse_fixture("named_drugs.csv", tmp_path).tables["allegheny_named_benzodiazepines"]
    # Eight deaths: every count is 1–9 (suppressed) or a true zero (shown).
    assert named.loc[named["value"].notna(), "value"].eq(0).all()
    assert named["suppressed"].tolist() == named["value"].isna().tolist()
    assert count(named, "bromazolam", 2022, "without_fentanyl") == 0
    assert set(named["drug"]) == {"all_deaths", "any_benzodiazepine", "any_prescription",
                                  "any_designer", "alprazolam", "clonazepam", "bromazolam",
                                  "etizolam", "flubromazolam", "nordiazepam", "benzodiazepines"}
    assert "7-aminoclonazepam" not in set(named["drug"])  # counted as clonazepam
    assert (named["source_file"] == allegheny.FILE_NAME).all()
    assert (named["geo_fips"] == "42003").all() and (named["definition"] == "county_me_accidental").all()


def test_year_is_the_year_of_death_not_case_year(tmp_path: Path) -> None:
    result = parse_fixture("new_year.csv", tmp_path)
    deaths = result.tables["allegheny_deaths"].set_index("record_id")
    assert deaths.loc[202, ["year", "month", "case_year"]].tolist() == [2022, 1, 2021]
    assert deaths.loc[201, "year"] == 2021
    assert "1 death(s) dated in the year after their case_year (year = year of death)" \
        in result.warnings


def test_partial_latest_year_is_flagged(tmp_path: Path) -> None:
    result = parse_fixture("partial_year.csv", tmp_path)
    deaths = result.tables["allegheny_deaths"]
    assert deaths.groupby("year")["partial_year"].all().to_dict() == {2023: False, 2024: True}
    named = result.tables["allegheny_named_benzodiazepines"]
    rows_2024 = named[named["year"] == 2024]
    assert rows_2024["partial_period"].all() and not named.loc[named["year"] == 2023,
                                                                "partial_period"].any()
    assert rows_2024["note"].str.contains("stop on 5 April 2024").all()


def test_unknown_lookalike_is_warned_not_counted(tmp_path: Path) -> None:
    result = parse_fixture("unknown_lookalike.csv", tmp_path)
    assert any("look like a benzodiazepine" in w and "Gidazepam" in w and "Lamotrigine" not in w
               for w in result.warnings)
    assert not result.tables["allegheny_deaths"]["benzodiazepine"].any()
    assert result.tables["allegheny_deaths"]["race"].tolist() == ["White", "Unknown"]


def test_no_zip_code_or_time_of_day_is_kept(tmp_path: Path) -> None:
    result = parse_fixture("named_drugs.csv", tmp_path)
    columns = {c for table in result.tables.values() for c in table.columns}
    assert not {c for c in columns if "zip" in c or "time" in c or c in ("date", "day")}
    for table in result.tables.values():
        assert not table.astype(str).apply(lambda c: c.str.contains("15000|08:30")).any().any()


def test_reordered_and_zip_columns_do_not_matter(tmp_path: Path) -> None:
    original = parse_fixture("named_drugs.csv", tmp_path).tables["allegheny_deaths"]
    frame = pd.read_csv(GOOD, dtype=str, keep_default_na=False)
    frame = frame.rename(columns={"incident_zip": "zip"})
    frame[list(reversed(frame.columns))].to_csv(tmp_path / allegheny.FILE_NAME, index=False)
    pd.testing.assert_frame_equal(parse(tmp_path).tables["allegheny_deaths"], original)


# --- the real file ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real(raw_dir: Path) -> ParseResult:
    return parse(raw_dir / allegheny.SOURCE.raw_folder)


@pytest.mark.raw
def test_real_file_check_values(real: ParseResult) -> None:
    deaths = AlleghenyDeathSchema.validate(real.tables["allegheny_deaths"], lazy=True)
    drugs = AlleghenyDrugSchema.validate(real.tables["allegheny_drugs"], lazy=True)
    NamedBenzodiazepineSchema.validate(real.tables["allegheny_named_benzodiazepines"], lazy=True)
    assert real.rows_in == len(deaths) == 7_023
    assert deaths.groupby("case_year").size()[[2007, 2017, 2022, 2023, 2024]].tolist() == \
        [223, 735, 580, 525, 59]
    assert (deaths["year"] != deaths["case_year"]).sum() == 2
    assert drugs["drug"].nunique() == 176
    assert deaths["n_drugs"].value_counts()[[1, 10]].tolist() == [1_327, 1]
    assert "5 death(s) name the same drug twice; counted once" in real.warnings
    digests = {f.name: f.sha256 for f in allegheny.SOURCE.files}
    entries, failures = vintages.run_edition_checks(allegheny.EDITION_CHECKS, digests, real.tables)
    assert failures == [] and [e["applied"] for e in entries] == [True]


@pytest.mark.raw
def test_real_file_2024_is_partial(real: ParseResult) -> None:
    deaths = real.tables["allegheny_deaths"]
    assert deaths.loc[deaths["partial_year"], "year"].unique().tolist() == [2024]
    named = real.tables["allegheny_named_benzodiazepines"]
    assert named.loc[named["partial_period"], "year"].unique().tolist() == [2024]
    assert named.loc[named["partial_period"], "note"].str.contains(
        "stop on 5 April 2024").all()


@pytest.mark.raw
def test_every_benzodiazepine_like_name_is_reviewed(real: ParseResult) -> None:
    """A new name spelled like a benzodiazepine must be added to etl/benzodiazepines.csv, as a
    benzodiazepine or as a look-alike, before this vintage's counts can be trusted."""
    registry = load_registry()
    names = real.tables["allegheny_drugs"]["drug"].unique()
    unreviewed = sorted(n for n in names if looks_like_benzodiazepine(n)
                        and registry.lookup(n) is None)
    assert unreviewed == []
    assert not any("look like a benzodiazepine" in w for w in real.warnings)


@pytest.mark.raw
def test_real_named_counts_match_exact_names(real: ParseResult) -> None:
    """Bromazolam counts only fields that say Bromazolam (not Flubromazolam); clonazepam counts
    Clonazepam or 7-Aminoclonazepam; Benzoylecgonine is never a benzodiazepine."""
    drugs, named = real.tables["allegheny_drugs"], real.tables["allegheny_named_benzodiazepines"]
    exact = drugs[drugs["drug"] == "Bromazolam"].groupby("year")["record_id"].nunique()
    shown = named[(named["drug"] == "bromazolam") & (named["co_involvement"] == "all")
                  & ~named["suppressed"] & (named["value"] > 0)].set_index("year")["value"]
    assert (shown == exact.reindex(shown.index)).all() and len(shown) > 0
    clon = drugs[drugs["drug"].isin(["Clonazepam", "7-Aminoclonazepam"])]
    shown = named[(named["drug"] == "clonazepam") & (named["co_involvement"] == "all")
                  & ~named["suppressed"]].set_index("year")["value"]
    expected = clon.groupby("year")["record_id"].nunique().reindex(shown.index, fill_value=0)
    assert (shown == expected).all()
    assert (drugs.loc[drugs["drug"] == "Benzoylecgonine", "benzodiazepine"] == "").all()
    totals = named[(named["drug"] == "all_deaths") & (named["co_involvement"] == "all")]
    assert totals.set_index("year")["value"].to_dict() == \
        real.tables["allegheny_deaths"].groupby("year").size().astype(float).to_dict()


# --- bad input --------------------------------------------------------------------------------

def test_cut_short_mid_row(tmp_path: Path) -> None:
    message = refusal(parse, write_bad(tmp_path, cut_before("Alcohol,,,")))
    assert "truncated file?" in message and "line 7" in message
    assert allegheny.FILE_NAME in message


def test_renamed_column(tmp_path: Path) -> None:
    message = refusal(parse, write_bad(tmp_path, replaced("combined_od3,", "combined_od_3,", 1)))
    assert "line 1" in message and "column 'combined_od3'" in message
    assert "combined_od_3" in message


def test_utf16_file(tmp_path: Path) -> None:
    message = refusal(parse, write_bad(tmp_path, encoded("utf-16")))
    assert "UTF-16" in message and "line 1" in message


def test_latin1_file(tmp_path: Path) -> None:
    message = refusal(parse, write_bad(tmp_path, replaced("Xylazine", "Xylazín",
                                                          encoding="latin-1")))
    assert "not UTF-8" in message and "line 3" in message


@pytest.mark.parametrize("content, expected", [(b"", "file is empty"),
                                               (b"\n", "file is empty")])
def test_emptied_file(tmp_path: Path, content: bytes, expected: str) -> None:
    assert expected in refusal(parse, write_bad(tmp_path, emptied(content)))


def test_header_only(tmp_path: Path) -> None:
    folder = write_bad(tmp_path, lambda text: (text.split("\n")[0] + "\n").encode())
    assert "no data rows" in refusal(parse, folder)


def test_duplicate_row(tmp_path: Path) -> None:
    def repeat_second_line(text: str) -> bytes:
        return (text + text.split("\n")[1] + "\n").encode()
    assert "_id repeated on lines 2 and 10" in refusal(parse, write_bad(tmp_path,
                                                                       repeat_second_line))


def test_same_death_under_a_new_id(tmp_path: Path) -> None:
    def repeat_with_new_id(text: str) -> bytes:
        return (text + "999" + text.split("\n")[1][3:] + "\n").encode()
    message = refusal(parse, write_bad(tmp_path, repeat_with_new_id))
    assert "record repeated on lines 2 and 10" in message


@pytest.mark.parametrize("old, new, column, expected", [
    (",Accident,29,M,H,", ",Accident,29,M,Z,", "race", "unknown code"),
    ("2022-07-09T02:45:00", "07/09/2022 02:45", "death_date_and_time", "YYYY-MM-DDTHH:MM:SS"),
    ("2022-07-09T02:45:00", "1999-07-09T02:45:00", "death_date_and_time", "year out of range"),
    (",Accident,29,", ",Suicide,29,", "manner_of_death", "not an accidental death"),
    (",Accident,29,", ",Accident,129,", "age", "value out of range"),
    (",Accident,29,", ",Accident,twenty,", "age", "not a whole number"),
    ("15000,,2022\n105", "15000,,2019\n105", "case_year", "case year far from"),
    ("MO,Cocaine,Benzoylecgonine,", "MO,,,", "combined_od1", "names no drug"),
])
def test_bad_values_name_line_and_column(tmp_path: Path, old: str, new: str, column: str,
                                         expected: str) -> None:
    message = refusal(parse, write_bad(tmp_path, replaced(old, new, 1)))
    assert f"column {column!r}" in message and expected in message and "line 5" in message


def test_odd_case_disposition_is_a_warning(tmp_path: Path) -> None:
    folder = write_bad(tmp_path, replaced(",MO,Heroin", ",XX,Heroin", 1))
    assert any("'XX' ×1" in w for w in parse(folder).warnings)

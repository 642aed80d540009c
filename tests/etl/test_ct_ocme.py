"""Tests for etl/ct_ocme.py: quirk fixtures, published check values, bad input, combinations."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pandera.errors
import pytest

from etl import ct_ocme
from etl.benzodiazepines import NamedBenzodiazepineSchema
from etl.ct_ocme import CtBenzodiazepineMentionSchema, CtDeathSchema, combination_counts, parse
from etl.registry import DEFINITIONS
from etl.source import ParseResult
from tests.etl.harness import (FIXTURES, Edit, emptied, encoded, refusal, replaced,
                               write_edited)

GOOD = FIXTURES / "ct_ocme" / "embedded_newlines.csv"


def parse_fixture(fixtures_dir: Path, name: str, tmp_path: Path) -> ParseResult:
    """Copy one quirk fixture into a raw folder under the publisher's file name and parse it."""
    shutil.copy(fixtures_dir / "ct_ocme" / name, tmp_path / ct_ocme.FILE_NAME)
    result = parse(tmp_path)
    CtDeathSchema.validate(result.tables["ct_ocme_deaths"], lazy=True)
    return result


def deaths_of(fixtures_dir: Path, name: str, tmp_path: Path) -> pd.DataFrame:
    return parse_fixture(fixtures_dir, name, tmp_path).tables["ct_ocme_deaths"]


def write_bad(tmp_path: Path, edit: Edit) -> Path:
    """An edited copy of GOOD under the publisher's file name; the raw folder to parse."""
    return write_edited(GOOD, tmp_path / ct_ocme.FILE_NAME, edit)


# --- metadata ---------------------------------------------------------------------------------

def test_source_metadata_is_complete() -> None:
    source = ct_ocme.SOURCE
    assert source.id == "ct_ocme"
    assert source.files[0].socrata_id == "rybz-nyjw"
    assert source.files[0].url.startswith("https://data.ct.gov/api/views/rybz-nyjw/rows.csv")
    assert len(source.files[0].sha256) == 64
    assert source.tables[0].name == "ct_ocme_deaths"
    assert source.tables[0].schema is CtDeathSchema
    assert source.tables[0].title and source.citation and source.caveats
    assert all(d in DEFINITIONS for d in source.definitions)


# --- quirk fixtures ---------------------------------------------------------------------------

def test_embedded_newlines_in_geo_columns(fixtures_dir: Path, tmp_path: Path) -> None:
    deaths = deaths_of(fixtures_dir, "embedded_newlines.csv", tmp_path)
    assert len(deaths) == 3  # 13 physical lines, 3 records
    assert deaths["record_id"].tolist() == [1, 2, 3]
    assert deaths["date"].iloc[0] == pd.Timestamp("2022-12-31")
    assert deaths["year"].tolist() == [2022, 2022, 2012]
    assert not {"ResidenceCityGeo", "Cause of Death", "Injury Place"} & set(deaths.columns)
    assert (deaths["source_id"] == "ct_ocme").all()
    assert (deaths["definition"] == "ocme_accidental").all()


def test_error_line_counts_physical_lines(tmp_path: Path) -> None:
    folder = write_bad(tmp_path, replaced("01/02/2012,Date of death,33",
                                          "01/02/2012,Date of death,150"))
    message = refusal(parse, folder)
    # Third record starts on line 10: header + two records of four physical lines each.
    assert "line 10" in message
    assert "'Age'" in message and "age out of range" in message
    assert "'150'" in message


def test_odd_drug_values_are_listed_and_warned(fixtures_dir: Path, tmp_path: Path) -> None:
    result = parse_fixture(fixtures_dir, "odd_drug_values.csv", tmp_path)
    deaths = result.tables["ct_ocme_deaths"]
    assert deaths["fentanyl"].tolist()[:2] == [True, True]
    assert deaths["morphine_not_heroin"].iloc[2]
    assert deaths["heroin_morph_codeine"].iloc[3] and deaths["gabapentin"].iloc[3]
    warnings = "\n".join(result.warnings)
    assert "'Y (PTCH)' ×1" in warnings and "'Y POPS' ×1" in warnings
    assert "'STOLE MEDS'" in warnings and "'PCP'" in warnings


def test_any_opioid_rule(fixtures_dir: Path, tmp_path: Path) -> None:
    deaths = deaths_of(fixtures_dir, "odd_drug_values.csv", tmp_path)
    # PCP in "Other Opioid" is listed as published but is not an opioid.
    assert deaths["other_opioid"].iloc[4] and not deaths["any_opioid"].iloc[4]
    assert deaths["any_opioid"].iloc[5]  # buprenorphine
    assert deaths["any_opioid"].iloc[6]  # "MDMA, Buprenorphine"
    assert deaths["any_opioid"].iloc[:4].all()


def test_blank_any_opioid_is_missing_not_false(fixtures_dir: Path, tmp_path: Path) -> None:
    deaths = deaths_of(fixtures_dir, "blank_any_opioid.csv", tmp_path)
    published = deaths["any_opioid_published"]
    assert published.isna().tolist() == [True, True, False, False]
    assert published.iloc[2] == True and published.iloc[3] == False  # noqa: E712
    assert deaths["any_opioid"].tolist() == [True, False, True, False]


def test_manner_case_is_normalised(fixtures_dir: Path, tmp_path: Path) -> None:
    result = parse_fixture(fixtures_dir, "mixed_case_manner.csv", tmp_path)
    manner = result.tables["ct_ocme_deaths"]["manner"].tolist()
    assert manner == ["accident", "accident", "pending", "natural", "unknown", "accident"]
    assert any("'ACCIDENT' ×1" in w for w in result.warnings)


def test_date_reported_and_age_groups(fixtures_dir: Path, tmp_path: Path) -> None:
    deaths = deaths_of(fixtures_dir, "date_reported.csv", tmp_path)
    assert deaths["date_type"].tolist() == ["reported", "death", "reported"]
    assert deaths["age"].isna().tolist() == [True, False, False]
    assert deaths["age_group"].tolist() == ["unknown", "0-14", "75+"]
    assert deaths["sex"].tolist() == ["male", "unknown", "male"]


def test_race_labels_are_harmonised(fixtures_dir: Path, tmp_path: Path) -> None:
    deaths = deaths_of(fixtures_dir, "race_labels.csv", tmp_path)
    assert deaths["race_ethnicity"].tolist() == [
        "Non-Hispanic Black", "Non-Hispanic Black", "Hispanic", "Hispanic",
        "Non-Hispanic White", "Non-Hispanic Asian", "Non-Hispanic Asian", "Other", "Other",
        "Unknown", "Hispanic",
    ]


def test_age_groups_bins() -> None:
    ages = pd.Series([0, 14, 15, 24, 44, 45, 64, 74, 75, 99, None], dtype="Int64")
    assert ct_ocme.age_groups(ages).tolist() == [
        "0-14", "0-14", "15-24", "15-24", "35-44", "45-54", "55-64", "65-74", "75+", "75+",
        "unknown"]


# --- the real file ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real(raw_dir: Path) -> ParseResult:
    return parse(raw_dir / ct_ocme.SOURCE.raw_folder)


@pytest.mark.raw
def test_real_file_check_values(real: ParseResult) -> None:
    deaths = CtDeathSchema.validate(real.tables["ct_ocme_deaths"], lazy=True)
    assert len(deaths) == 10_654 and real.rows_in == 10_654
    per_year = deaths.groupby("year").size()
    assert per_year[2012] == 355 and per_year[2017] == 1_038 and per_year[2022] == 1_452
    assert int(deaths["benzodiazepine"].sum()) == 2_499
    benzo_by_year = deaths[deaths["benzodiazepine"]].groupby("year").size()
    assert benzo_by_year[2012] == 49 and benzo_by_year[2017] == 330 and benzo_by_year[2022] == 261
    assert benzo_by_year[2015] == 221  # vs 245 in CDC WONDER (different definition)
    assert ct_ocme.checks(real.tables) == []


@pytest.mark.raw
def test_real_file_quirks(real: ParseResult) -> None:
    deaths = real.tables["ct_ocme_deaths"]
    assert deaths["date_type"].value_counts().to_dict() == {"death": 8_887, "reported": 1_767}
    assert (deaths["sex"] == "unknown").sum() == 9
    assert deaths["age"].isna().sum() == 2
    blank_years = deaths[deaths["any_opioid_published"].isna()]["year"].unique()
    assert {2012, 2013, 2014, 2017} <= set(blank_years)
    # The derived flag never contradicts a published Y/N where an opioid column is flagged.
    published_no = deaths["any_opioid_published"].eq(False).fillna(False)
    assert not (published_no & deaths["any_opioid"]).any()
    assert any("'Y (PTCH)' ×1, 'Y POPS' ×1" in w for w in real.warnings)
    assert set(deaths["manner"]) == {"accident", "pending", "natural", "unknown"}
    assert deaths["record_id"].is_unique


# --- bad input --------------------------------------------------------------------------------

def test_truncated_inside_quoted_field(tmp_path: Path) -> None:
    folder = write_bad(tmp_path, lambda text: text[: text.rindex("(41.57")].encode())
    message = refusal(parse, folder)
    assert "truncated file?" in message
    assert ct_ocme.FILE_NAME in message and "line" in message


def test_truncated_record_has_too_few_fields(tmp_path: Path) -> None:
    def cut_in_third_record(text: str) -> bytes:
        return (text[: text.index("01/02/2012")] + "01/02/2012,Date of death,33\n").encode()
    message = refusal(parse, write_bad(tmp_path, cut_in_third_record))
    assert "line 10" in message
    assert "expected 48 fields, found 3 fields" in message


def test_renamed_column(tmp_path: Path) -> None:
    folder = write_bad(tmp_path, replaced("Benzodiazepine,", "Benzodiazepines,", 1))
    message = refusal(parse, folder)
    assert "line 1" in message and "column 'Benzodiazepine'" in message
    assert "Benzodiazepines" in message  # what was found


def test_reordered_columns_do_not_matter(fixtures_dir: Path, tmp_path: Path) -> None:
    original = deaths_of(fixtures_dir, "odd_drug_values.csv", tmp_path)
    frame = pd.read_csv(fixtures_dir / "ct_ocme" / "odd_drug_values.csv", dtype=str,
                        keep_default_na=False)
    frame[list(reversed(frame.columns))].to_csv(tmp_path / ct_ocme.FILE_NAME, index=False)
    reordered = parse(tmp_path).tables["ct_ocme_deaths"]
    pd.testing.assert_frame_equal(original, reordered)


def test_latin1_file_fails_clearly(tmp_path: Path) -> None:
    folder = write_bad(tmp_path, replaced("Decedent’s", "Decedént's", encoding="latin-1"))
    message = refusal(parse, folder)
    assert "not UTF-8" in message and "line 2" in message


def test_utf16_file_fails_clearly(tmp_path: Path) -> None:
    message = refusal(parse, write_bad(tmp_path, encoded("utf-16")))
    assert "UTF-16" in message and "line 1" in message


def test_empty_file(tmp_path: Path) -> None:
    message = refusal(parse, write_bad(tmp_path, emptied()))
    assert "file is empty" in message and ct_ocme.FILE_NAME in message


def test_header_only(tmp_path: Path) -> None:
    folder = write_bad(tmp_path, lambda text: (text.split("\n")[0] + "\n").encode())
    assert "no records" in refusal(parse, folder)


def test_duplicate_row(tmp_path: Path) -> None:
    def repeat_first_record(text: str) -> bytes:
        return (text + text[text.index("\n") + 1: text.index("12/30/2022")]).encode()
    message = refusal(parse, write_bad(tmp_path, repeat_first_record))
    assert "record repeated on lines 2 and 14" in message


def test_year_out_of_range(tmp_path: Path) -> None:
    message = refusal(parse, write_bad(tmp_path, replaced("01/02/2012", "01/02/1990")))
    assert "year out of range" in message and "line 10" in message and "'01/02/1990'" in message


def test_unreadable_date(tmp_path: Path) -> None:
    message = refusal(parse, write_bad(tmp_path, replaced("12/30/2022", "2022-12-30")))
    assert "MM/DD/YYYY" in message and "line 6" in message


def test_new_race_label_must_be_mapped(tmp_path: Path) -> None:
    message = refusal(parse, write_bad(tmp_path, replaced(",Female,White,", ",Female,Martian,")))
    assert "column 'Race'" in message and "'Martian'" in message


def test_schema_rejects_age_150(fixtures_dir: Path, tmp_path: Path) -> None:
    deaths = deaths_of(fixtures_dir, "embedded_newlines.csv", tmp_path).copy()
    deaths.loc[0, "age"] = 150
    with pytest.raises(pandera.errors.SchemaErrors) as err:
        CtDeathSchema.validate(deaths, lazy=True)
    assert "age" in str(err.value)


# --- combination_counts -----------------------------------------------------------------------

def synthetic_deaths(groups: dict[tuple[str, ...], int]) -> pd.DataFrame:
    rows = []
    for drugs, count in groups.items():
        flags = {d: d in drugs for d in ("benzodiazepine", "fentanyl", "heroin", "cocaine")}
        rows += [flags] * count
    return pd.DataFrame(rows)


def test_combination_counts_suppresses_small_cells() -> None:
    deaths = synthetic_deaths({
        ("benzodiazepine", "fentanyl"): 12, ("benzodiazepine", "fentanyl", "cocaine"): 10,
        ("benzodiazepine", "heroin"): 5, ("benzodiazepine",): 3, ("fentanyl",): 40,
    })
    table = combination_counts(deaths, ["fentanyl", "heroin", "cocaine"])
    assert table["combination"].tolist() == [
        "benzodiazepine + fentanyl", "benzodiazepine + fentanyl + cocaine",
        "benzodiazepine + heroin", "benzodiazepine, none of the other listed drugs"]
    assert table["deaths"].iloc[:2].tolist() == [12.0, 10.0]
    assert table["suppressed"].tolist() == [False, False, True, True]
    assert table.loc[table["suppressed"], "deaths"].isna().all()
    assert not table["deaths"].between(1, 9).any()  # never an exact small count
    assert table["n_drugs"].tolist() == [2, 3, 2, 1]


def test_combination_counts_complementary_suppression() -> None:
    deaths = synthetic_deaths({("benzodiazepine", "fentanyl"): 30,
                               ("benzodiazepine", "heroin"): 11, ("benzodiazepine",): 2})
    table = combination_counts(deaths, ["fentanyl", "heroin"])
    # Alone, the one small cell would be total (43) minus 30 minus 11: hide the 11 too.
    assert table["suppressed"].sum() == 2
    assert table["deaths"].dropna().tolist() == [30.0]


def test_combination_counts_rejects_unknown_column() -> None:
    with pytest.raises(ValueError, match="xanax"):
        combination_counts(synthetic_deaths({("benzodiazepine",): 1}), ["xanax"])


@pytest.mark.raw
def test_combination_counts_on_real_file(real: ParseResult) -> None:
    deaths = real.tables["ct_ocme_deaths"]
    table = combination_counts(deaths, ["fentanyl", "heroin", "cocaine", "ethanol"])
    shown = table[~table["suppressed"]]
    assert (shown["deaths"] >= 10).all()
    assert table["deaths"].sum() <= 2_499
    assert shown.iloc[0]["combination"] == "benzodiazepine + fentanyl"


# --- named benzodiazepines (cause-of-death text) ----------------------------------------------

def test_benzodiazepines_named_in_the_text(fixtures_dir: Path, tmp_path: Path) -> None:
    result = parse_fixture(fixtures_dir, "named_benzodiazepines.csv", tmp_path)
    mentions = CtBenzodiazepineMentionSchema.validate(
        result.tables["ct_ocme_benzodiazepine_mentions"], lazy=True)
    by_record = mentions.groupby("record_id")["benzodiazepine"].apply(list).to_dict()
    assert by_record == {1: ["flubromazolam", "7-aminoclonazepam"], 2: ["etizolam"],
                         4: ["clonazepam", "alprazolam", "benzodiazepines"], 6: ["bromazolam"]}
    row = mentions[mentions["benzodiazepine"] == "7-aminoclonazepam"].iloc[0]
    assert row["counted_as"] == "clonazepam" and row["column"] == "cause_of_death"
    assert mentions.loc[mentions["benzodiazepine"] == "alprazolam", "matched"].tolist() == \
        ["alrpazolam"]
    assert mentions.loc[mentions["benzodiazepine"] == "benzodiazepines", "column"].tolist() == \
        ["other_significant_conditions"]
    assert (mentions["definition"] == "ocme_accidental_named").all()
    assert any("brand names" in w and "'xanax' ×1" in w for w in result.warnings)


def test_named_counts_from_the_text_not_the_flag(fixtures_dir: Path, tmp_path: Path) -> None:
    result = parse_fixture(fixtures_dir, "named_benzodiazepines.csv", tmp_path)
    named = NamedBenzodiazepineSchema.validate(result.tables["ct_ocme_named_benzodiazepines"],
                                               lazy=True)
    assert set(named["drug"]) >= {"any_benzodiazepine", "clonazepam", "etizolam", "bromazolam",
                                  "flubromazolam", "alprazolam", "benzodiazepines"}
    assert "7-aminoclonazepam" not in set(named["drug"]) and "olanzapine" not in set(named["drug"])
    assert (named["geo_fips"] == "09").all() and (named["definition"] == "ocme_accidental_named").all()
    # Fixture's latest death is 20 June 2022: that year is partial.
    assert named.loc[named["year"] == 2022, "note"].str.contains("stop on 20 June 2022").all()
    # 2022: one of two flagged deaths (olanzapine only) names no benzodiazepine.
    assert named.loc[named["year"] == 2022, "note"].str.contains("50% of the deaths").all()
    assert not named.loc[named["year"] == 2021, "note"].str.contains("% of the deaths").any()


def test_renamed_text_column(tmp_path: Path) -> None:
    folder = write_bad(tmp_path, replaced("Cause of Death,", "Cause,", 1))
    message = refusal(parse, folder)
    assert "column 'Cause of Death'" in message and "line 1" in message


@pytest.mark.raw
def test_real_file_named_benzodiazepines(real: ParseResult) -> None:
    mentions = CtBenzodiazepineMentionSchema.validate(
        real.tables["ct_ocme_benzodiazepine_mentions"], lazy=True)
    named = NamedBenzodiazepineSchema.validate(real.tables["ct_ocme_named_benzodiazepines"],
                                               lazy=True)
    assert mentions["record_id"].isin(real.tables["ct_ocme_deaths"]["record_id"]).all()
    assert not any("brand names" in w or "look like a benzodiazepine" in w
                   for w in real.warnings)
    noted = named.loc[named["note"].str.contains("% of the deaths the examiner flagged"), "year"]
    assert sorted(noted.unique()) == [2012, 2013, 2014]  # text mostly "Multiple Drug Toxicity"
    assert not named["partial_period"].any()
    totals = named[(named["drug"] == "all_deaths") & (named["co_involvement"] == "all")]
    assert totals.set_index("year")["value"].to_dict() == {
        y: float(n) for y, n in ct_ocme.RECORDS_PER_YEAR.items()}

"""Tests for etl/nchs_hus.py: quirk fixtures, bad input on copies, real-file check values."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from etl import nchs_hus
from tests.etl.harness import (FIXTURES, checks_after_cut, cut_before, emptied, encoded, one,
                               parse_fixture, parse_real, refusal, replaced, write_edited)

FIXTURE_DIR = FIXTURES / "nchs_hus"
GOOD = FIXTURE_DIR / "index_column.csv"


# Quirks ---------------------------------------------------------------------------------------

def test_index_column_dropped_and_float_written_values(tmp_path):
    t = parse_fixture(nchs_hus, GOOD, tmp_path)
    adjusted = one(t, measure="age_adjusted_rate", year=2017)
    assert adjusted["value"] == 21.7
    assert adjusted["unit"] == "deaths per 100,000 population, age-adjusted"
    assert (adjusted["sex"], adjusted["age_group"], adjusted["race_ethnicity"]) == (
        "all", "all", "all")
    crude = one(t, measure="crude_rate")
    assert crude["value"] == 21.6 and crude["unit"] == "deaths per 100,000 population, crude"
    assert one(t, sex="male")["value"] == 9.0
    assert (t["geo_fips"] == "00").all() and (t["drug_group"] == "all_drugs").all()
    assert (t["definition"] == "ucd_overdose").all()


def test_official_file_without_index_parses_the_same(tmp_path):
    stored = parse_fixture(nchs_hus, GOOD, tmp_path)
    official = parse_fixture(nchs_hus, FIXTURE_DIR / "official_no_index.csv", tmp_path)
    pd.testing.assert_frame_equal(official, stored)


def test_flag_star_is_unreliable_without_value(tmp_path):
    t = parse_fixture(nchs_hus, FIXTURE_DIR / "flagged_unreliable.csv", tmp_path)
    assert t["value"].isna().all() and t["unreliable"].all() and not t["suppressed"].any()
    assert t["note"].str.contains("does not meet NCHS reliability standards").all()
    asian = one(t, drug_group="any_opioid")
    assert (asian["sex"], asian["race_ethnicity"]) == ("male", "Asian or Pacific Islander")
    assert "any Hispanic origin" in asian["note"]
    heroin = one(t, drug_group="heroin")
    assert (heroin["sex"], heroin["age_group"]) == ("female", "85+")


def test_single_race_stubs_do_not_collide_with_bridged_race(tmp_path):
    t = parse_fixture(nchs_hus, FIXTURE_DIR / "single_race_2018.csv", tmp_path)
    assert one(t, race_ethnicity="White")["value"] == 30.3
    single = one(t, race_ethnicity="White (single race)")
    assert single["value"] == 30.1 and "single-race" in single["note"]
    assert one(t, race_ethnicity="Hispanic")["value"] == 17.5
    assert one(t, race_ethnicity="Hispanic (single race)")["value"] == 17.4
    assert one(t, race_ethnicity=(
        "Non-Hispanic Native Hawaiian or Other Pacific Islander (single race)"))["value"] == 17.7


def test_age_stubs(tmp_path):
    t = parse_fixture(nchs_hus, FIXTURE_DIR / "age_stubs.csv", tmp_path)
    assert one(t, age_group="0-14")["value"] == 0.2
    assert one(t, age_group="85+")["sex"] == "all"
    woman = one(t, age_group="75-84")
    assert (woman["sex"], woman["value"], woman["measure"]) == ("female", 2.9, "crude_rate")


# Bad input ------------------------------------------------------------------------------------

def duplicate_under_new_index(text: str) -> bytes:
    # Same data under a new index value: the index is not part of the data, so still a duplicate.
    second = text.splitlines()[1]
    return (text + "9" + second[1:] + "\n").encode()


BAD_INPUT = {  # a damaged copy of GOOD -> what the error must say
    "truncated_file": (cut_before("21.6"),
                       r"CDC_drug_overdose_deaths_raw_data.csv, line 3: row has the wrong"),
    "renamed_column": (replaced(",ESTIMATE,", ",VALUE,", 1),
                       r"line 1, column 'ESTIMATE'.*found , INDICATOR"),
    "wrong_encoding": (encoded("utf-16"), r"raw_data.csv, line 1: file is not UTF-8 text"),
    "empty_file": (emptied(), r"raw_data.csv: file is empty"),
    "duplicate_row": (duplicate_under_new_index, r"line 5: duplicate row \(same as line 2\)"),
    "rate_out_of_range": (replaced(",21.7,", ",-21.7,"),
                          r"line 2, column 'ESTIMATE': value out of range.*'-21.7'"),
    "year_out_of_range": (replaced(",2001,", ",1899,"), r"line 4, column 'YEAR'"),
    "flag_and_estimate_disagree": (replaced(",21.7,", ",21.7,*", 1),
                                   r"line 2, column 'ESTIMATE': ESTIMATE and FLAG"),
    "unknown_stub_label": (replaced(",Male,", ",Men,"), r"line 4, column 'STUB_LABEL'.*'Men'"),
}


@pytest.mark.parametrize(("edit", "message"), BAD_INPUT.values(), ids=list(BAD_INPUT))
def test_bad_input_is_refused(tmp_path, edit, message):
    folder = write_edited(GOOD, tmp_path / nchs_hus.RAW_NAME, edit)
    assert re.search(message, refusal(nchs_hus.parse, folder))


# The real file ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real(raw_dir: Path) -> pd.DataFrame:
    return parse_real(nchs_hus, raw_dir, rows_in=6_228)


def test_real_check_values(real):
    totals = real[(real["measure"] == "age_adjusted_rate") & (real["sex"] == "all")
                  & (real["age_group"] == "all") & (real["race_ethnicity"] == "all")]
    rates = totals.set_index(["drug_group", "year"])["value"]
    assert rates[("all_drugs", 2017)] == 21.7 and rates[("all_drugs", 2018)] == 20.7
    assert rates[("any_opioid", 2017)] == 14.9
    assert nchs_hus.checks({nchs_hus.TABLE: real}) == []


def test_real_flags_and_coverage(real):
    assert len(real) == 6_228  # one tidy row per raw row
    assert real["value"].isna().sum() == 1_111 == real["unreliable"].sum()
    assert set(real["drug_group"]) == set(nchs_hus.PANELS.values())
    single = real[real["race_ethnicity"].str.endswith("(single race)")]
    assert len(single) == 108 and set(single["year"]) == {2018}
    assert (real["year"].min(), real["year"].max()) == (1999, 2018)
    # Age-specific groups have crude rates only; age adjustment needs all ages.
    by_age = real[real["age_group"] != "all"]
    assert set(by_age["measure"]) == {"crude_rate"}


def test_real_file_cut_at_line_boundary_fails_checks(raw_dir, tmp_path):
    failures = checks_after_cut(nchs_hus, raw_dir, tmp_path, keep=6_000)
    assert any("incomplete file (truncated?)" in f for f in failures)

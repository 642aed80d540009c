"""Tests for etl/nchs_state.py: quirk fixtures, bad input on copies, real-file check values."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from etl import nchs_state
from tests.etl.harness import (FIXTURES, checks_after_cut, cut_before, emptied, encoded, one,
                               parse_fixture, parse_real, refusal, replaced, write_edited)

FIXTURE_DIR = FIXTURES / "nchs_state"
GOOD = FIXTURE_DIR / "us_all_ages.csv"


# Quirks ---------------------------------------------------------------------------------------

def test_all_ages_rows_give_counts_rates_and_age_adjusted_limits(tmp_path):
    t = parse_fixture(nchs_state, GOOD, tmp_path)
    us = t[(t["race_ethnicity"] == "all")]
    values = us.set_index("measure")["value"]
    assert values["deaths"] == 63_632 and values["population"] == 323_127_513
    assert values["crude_rate"] == pytest.approx(19.6925)
    assert values["age_adjusted_rate"] == pytest.approx(19.7851)
    assert values["rate_lower_95"] == pytest.approx(19.6284)  # the age-adjusted limit
    assert one(us, measure="rate_upper_95")["unit"] == (
        "deaths per 100,000 population, age-adjusted, upper 95% confidence limit")
    assert one(us, measure="population")["unit"] == "persons"
    assert (t["geo_fips"] == "00").all() and (t["geo_level"] == "nation").all()
    assert (t["definition"] == "ucd_overdose").all() and (t["drug_group"] == "all_drugs").all()
    assert one(t, race_ethnicity="Hispanic", measure="deaths")["value"] == 5_230


def test_en_dash_age_groups_become_hyphens(tmp_path):
    t = parse_fixture(nchs_state, FIXTURE_DIR / "en_dash_age_groups.csv", tmp_path)
    assert set(t["age_group"]) == {"0-14", "35-44", "75+"}
    assert set(t["sex"]) == {"female", "male"}
    assert "Non-Hispanic White" in set(t["race_ethnicity"])


def test_age_specific_rows_have_crude_limits_and_no_age_adjusted_rate(tmp_path):
    t = parse_fixture(nchs_state, FIXTURE_DIR / "en_dash_age_groups.csv", tmp_path)
    girls = t[t["age_group"] == "0-14"]
    assert "age_adjusted_rate" not in set(girls["measure"])
    lower = one(girls, measure="rate_lower_95")
    assert lower["value"] == pytest.approx(0.1947)
    assert lower["unit"] == "deaths per 100,000 population, crude, lower 95% confidence limit"


def test_states_and_rates_from_few_deaths(tmp_path):
    t = parse_fixture(nchs_state, FIXTURE_DIR / "states_few_deaths.csv", tmp_path)
    alabama = one(t, geo_fips="01", measure="deaths")
    assert (alabama["geo_level"], alabama["geo_name"], alabama["value"]) == (
        "state", "Alabama", 169)
    nd = t[t["geo_fips"] == "38"]
    rates = nd[nd["measure"].str.contains("rate")]
    assert rates["unreliable"].all() and rates["value"].notna().all()
    assert rates["note"].str.contains("fewer than 20 deaths").all()
    assert not nd.loc[nd["measure"] == "deaths", "unreliable"].any()
    assert not t.loc[t["geo_fips"] == "01", "unreliable"].any()


def test_reordered_columns_parse_the_same(tmp_path):
    original = parse_fixture(nchs_state, GOOD, tmp_path)
    frame = pd.read_csv(GOOD, dtype=str, keep_default_na=False)
    frame[frame.columns[::-1]].to_csv(tmp_path / nchs_state.RAW_NAME, index=False)
    pd.testing.assert_frame_equal(nchs_state.parse(tmp_path).tables[nchs_state.TABLE], original)


# Bad input ------------------------------------------------------------------------------------

BAD_INPUT = {  # a damaged copy of GOOD -> what the error must say
    "truncated_file": (cut_before("9.4842"),
                       r"Drug_Poisoning_Mortality.*line 3: row has the wrong number"),
    "renamed_column": (replaced("Age-adjusted Rate,", "Age Adjusted Rate,", 1),
                       r"line 1, column 'Age-adjusted Rate'"),
    # The en dash in cp1252 is byte 0x96, which is not valid UTF-8.
    "wrong_encoding": (encoded("cp1252"), r"line 2: file is not UTF-8 text.*found byte 0x96"),
    "empty_file": (emptied(b"\n"), r"Drug_Poisoning_Mortality.*file is empty"),
    "duplicate_row": (lambda text: (text + text.splitlines()[1] + "\n").encode(),
                      r"line 4: duplicate row \(same as line 2\)"),
    "rate_out_of_range": (replaced("9.1004", "1900.1"),
                          r"line 3, column 'Crude Death Rate': value out of range"),
    "fractional_death_count": (replaced(",5230,", ",5230.5,"),
                               r"line 3, column 'Deaths'.*whole number"),
    "unknown_category": (replaced(",Hispanic,", ",Asian,"),
                         r"line 3, column 'Race and Hispanic Origin': unknown category"),
}


@pytest.mark.parametrize(("edit", "message"), BAD_INPUT.values(), ids=list(BAD_INPUT))
def test_bad_input_is_refused(tmp_path, edit, message):
    folder = write_edited(GOOD, tmp_path / nchs_state.RAW_NAME, edit)
    assert re.search(message, refusal(nchs_state.parse, folder))


# The real file ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real(raw_dir: Path) -> pd.DataFrame:
    return parse_real(nchs_state, raw_dir, rows_in=2_862)


def test_real_check_values(real):
    totals = real[(real["geo_fips"] == "00") & (real["measure"] == "deaths")
                  & (real["sex"] == "all") & (real["age_group"] == "all")
                  & (real["race_ethnicity"] == "all")].set_index("year")["value"]
    assert totals[1999] == 16_849 and totals[2010] == 38_329 and totals[2016] == 63_632
    assert nchs_state.checks({nchs_state.TABLE: real}) == []


def test_real_coverage(real):
    deaths = real[real["measure"] == "deaths"]
    assert len(deaths) == 2_862  # one row per raw row: nothing dropped
    assert deaths["geo_fips"].nunique() == 52
    assert len(deaths[deaths["geo_level"] == "state"]) == 51 * 18
    assert set(real["age_group"]) == {"all", *nchs_state.AGE_GROUPS}
    assert len(real[real["measure"] == "age_adjusted_rate"]) == 2_862 - 1_728


def test_real_file_cut_at_line_boundary_fails_checks(raw_dir, tmp_path):
    failures = checks_after_cut(nchs_state, raw_dir, tmp_path, keep=2_000)
    assert any("incomplete file (truncated?)" in f for f in failures)

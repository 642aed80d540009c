"""Tests for etl/vsrr.py: one quirk per fixture, bad input on copies, real-file check values."""
from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import pytest

from etl import vsrr
from etl.registry import NYC_FIPS
from tests.etl.harness import (FIXTURES, checks_after_cut, cut_before, emptied, encoded, one,
                               parse_fixture, parse_real, refusal, replaced, write_edited)

FIXTURE_DIR = FIXTURES / "vsrr"
GOOD = FIXTURE_DIR / "us_dec2017_bom_thousands.csv"


# Quirks ---------------------------------------------------------------------------------------

def test_bom_crlf_and_thousands_separators(tmp_path):
    t = parse_fixture(vsrr, GOOD, tmp_path)
    overdoses = one(t, drug_group="all_drugs", measure="deaths")
    assert overdoses["value"] == 70_699
    assert (overdoses["year"], overdoses["month"]) == (2017, 12)
    assert overdoses["period_type"] == "12_month_ending"
    assert overdoses["geo_fips"] == "00" and overdoses["geo_level"] == "nation"
    assert one(t, drug_group="all_drugs", measure="deaths_predicted")["value"] == 72_224
    assert one(t, drug_group="any_opioid", measure="deaths")["value"] == 47_885
    assert one(t, drug_group="any_opioid", measure="deaths_predicted")["predicted"]
    all_cause = one(t, drug_group="all_causes")
    assert all_cause["value"] == 2_820_034 and all_cause["definition"] == "all_cause_mortality"
    assert t["provisional"].all()
    assert not t.loc[t["measure"] != "deaths_predicted", "predicted"].any()


def test_blank_predicted_value_gives_no_row(tmp_path):
    t = parse_fixture(vsrr, GOOD, tmp_path)
    assert t[t["drug_group"] == "all_causes"]["measure"].tolist() == ["deaths"]


def test_percent_with_drugs_specified(tmp_path):
    t = parse_fixture(vsrr, GOOD, tmp_path)
    pct = one(t, measure="percent")
    assert pct["drug_group"] == "drugs_specified"
    assert pct["unit"] == "percent of records"
    assert pct["value"] == pytest.approx(87.60237061)


def test_footnote_symbol_goes_into_note(tmp_path):
    t = parse_fixture(vsrr, GOOD, tmp_path)
    assert t["note"].str.contains("may differ from published reports using final data").all()
    nyc = parse_fixture(vsrr, FIXTURE_DIR / "ny_and_nyc.csv", tmp_path)
    assert nyc["note"].str.contains("underreported due to incomplete data").all()


def test_suppressed_is_na_never_zero(tmp_path):
    t = parse_fixture(vsrr, FIXTURE_DIR / "suppressed.csv", tmp_path)
    heroin = one(t, drug_group="heroin")
    assert heroin["suppressed"] and math.isnan(heroin["value"])
    assert "suppressed (<10)" in heroin["note"]
    cocaine = one(t, drug_group="cocaine", measure="deaths")
    assert cocaine["suppressed"] and math.isnan(cocaine["value"])
    # The publisher still shows a predicted value; it is kept, and says what happened.
    predicted = one(t, drug_group="cocaine", measure="deaths_predicted")
    assert predicted["value"] == 10 and not predicted["suppressed"]
    assert "reported count suppressed" in predicted["note"]
    assert one(t, drug_group="all_drugs", measure="deaths")["value"] == 128


def test_low_data_quality_is_kept_as_unreliable_without_value(tmp_path):
    t = parse_fixture(vsrr, FIXTURE_DIR / "low_quality.csv", tmp_path)
    heroin = one(t, drug_group="heroin")
    assert math.isnan(heroin["value"]) and heroin["unreliable"] and not heroin["suppressed"]
    assert "not shown: low data quality" in heroin["note"]
    both = one(t, drug_group="methadone")
    assert both["suppressed"] and both["unreliable"] and math.isnan(both["value"])
    assert "suppressed (<10)" in both["note"] and "low data quality" in both["note"]
    assert one(t, drug_group="cocaine", measure="deaths_predicted")["value"] == 215


def test_new_york_state_and_city(tmp_path):
    t = parse_fixture(vsrr, FIXTURE_DIR / "ny_and_nyc.csv", tmp_path)
    ny = one(t, geo_fips="36", measure="deaths")
    assert ny["geo_level"] == "state" and ny["geo_name"] == "New York"
    assert "excluding New York City" in ny["note"]
    nyc = one(t, geo_fips=NYC_FIPS, measure="deaths")
    assert (nyc["geo_level"], nyc["geo_name"], nyc["value"]) == ("city", "New York City", 174)
    assert "excluding New York City" not in nyc["note"]


def test_percent_complete_99_5_plus_and_pending(tmp_path):
    t = parse_fixture(vsrr, FIXTURE_DIR / "percent_complete_99_5_plus.csv", tmp_path)
    feb = one(t, month=2, measure="deaths")
    assert feb["value"] == 28 and "records 99.5+% complete" in feb["note"]
    jan = one(t, month=1, measure="deaths")
    assert "1.4% of records pending investigation" in jan["note"]


def test_fully_quoted_file_without_separators(tmp_path):
    t = parse_fixture(vsrr, FIXTURE_DIR / "quoted_no_separators.csv", tmp_path)
    assert one(t, measure="deaths")["value"] == 70_699
    assert one(t, measure="deaths_predicted")["value"] == 72_224


def test_reordered_columns_parse_the_same(tmp_path):
    original = parse_fixture(vsrr, GOOD, tmp_path)
    frame = pd.read_csv(GOOD, dtype=str, keep_default_na=False,
                        encoding="utf-8-sig")
    frame[frame.columns[::-1]].to_csv(tmp_path / vsrr.RAW_NAME, index=False)
    pd.testing.assert_frame_equal(vsrr.parse(tmp_path).tables[vsrr.TABLE], original)


# Bad input ------------------------------------------------------------------------------------

def duplicate_third_line(text: str) -> bytes:
    lines = text.splitlines()
    return "\r\n".join(lines + [lines[2]]).encode()


BAD_INPUT = {  # a damaged copy of GOOD -> what the error must say
    "truncated_file": (cut_before("47,885"), r"VSRR_Provisional.*line 4.*wrong number of fields"),
    "renamed_column": (replaced("Data Value", "Value", 1),
                       r"line 1, column 'Data Value'.*found State"),
    "wrong_encoding": (encoded("utf-16"), r"VSRR_Provisional.*line 1: file is not UTF-8"),
    "empty_file": (emptied(), r"VSRR_Provisional.*file is empty"),
    "header_only": (lambda text: text.splitlines()[0].encode(), "no data rows"),
    "duplicate_row": (duplicate_third_line, r"line 6: duplicate row \(same as line 3\)"),
    "percent_out_of_range": (replaced("87.60237061", "187.6"),
                             r"line 5, column 'Data Value': value out of range.*found '187.6'"),
    "negative_count": (replaced('"72,224"', "-5"), r"line 3, column 'Predicted Value'"),
    "unknown_indicator": (replaced("Number of Drug Overdose Deaths", "Benzodiazepines"),
                          r"line 3, column 'Indicator': unknown indicator"),
    "unexplained_blank_value": (replaced('"70,699"', ""),
                                r"line 3, column 'Footnote': blank Data Value"),
    "unknown_jurisdiction": (replaced("\nUS,", "\nPR,", 1), r"line 2, column 'State'.*'PR'"),
}


@pytest.mark.parametrize(("edit", "message"), BAD_INPUT.values(), ids=list(BAD_INPUT))
def test_bad_input_is_refused(tmp_path, edit, message):
    folder = write_edited(GOOD, tmp_path / vsrr.RAW_NAME, edit)
    assert re.search(message, refusal(vsrr.parse, folder))


# The real file ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real(raw_dir: Path) -> pd.DataFrame:
    return parse_real(vsrr, raw_dir, rows_in=23_700)


def test_real_check_values(real):
    dec2017 = real[(real["geo_fips"] == "00") & (real["year"] == 2017) & (real["month"] == 12)]
    values = dec2017.set_index(["drug_group", "measure"])["value"]
    assert values[("all_drugs", "deaths")] == 70_699
    assert values[("all_drugs", "deaths_predicted")] == 72_224
    assert values[("any_opioid", "deaths")] == 47_885
    assert values[("any_opioid", "deaths_predicted")] == 48_958
    assert vsrr.checks({vsrr.TABLE: real}) == []


def test_real_coverage_and_blanks(real):
    reported = real[real["measure"] != "deaths_predicted"]
    assert len(reported) == 23_700  # one reported row per raw row: nothing dropped
    assert real["geo_fips"].nunique() == 53
    assert set(real["drug_group"]) == {g for g, *_ in vsrr.INDICATORS.values()}
    blank = reported["value"].isna()
    assert blank.sum() == 2_771
    assert (reported.loc[blank, "suppressed"] | reported.loc[blank, "unreliable"]).all()
    assert len(real[real["measure"] == "deaths_predicted"]) == 23_700 - 7_904
    assert (real["year"].min(), real["year"].max()) == (2015, 2019)


def test_real_build_matches_tested_vintage(raw_dir):
    from etl.build import sha256_of
    path = raw_dir / vsrr.SOURCE.raw_folder / vsrr.RAW_NAME
    assert sha256_of(path) == vsrr.SOURCE.files[0].sha256


def test_real_file_cut_at_line_boundary_fails_checks(raw_dir, tmp_path):
    failures = checks_after_cut(vsrr, raw_dir, tmp_path, keep=20_000, newline=b"\r\n")
    assert any("incomplete file (truncated?)" in f and vsrr.RAW_NAME in f for f in failures)

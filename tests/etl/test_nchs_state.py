"""Tests for etl/nchs_state.py: quirk fixtures, bad input on copies, real-file check values."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from etl import nchs_state
from etl.source import SourceFormatError
from etl.tidy import validate_tidy

GOOD = "us_all_ages.csv"


def parse_fixture(fixtures_dir: Path, tmp_path: Path, name: str) -> pd.DataFrame:
    """Parse one fixture as if it were the publisher's file; validate it against the schema."""
    shutil.copy(fixtures_dir / "nchs_state" / name, tmp_path / nchs_state.RAW_NAME)
    return validate_tidy(nchs_state.parse(tmp_path).tables[nchs_state.TABLE])


def one(table: pd.DataFrame, **where: object) -> pd.Series:
    rows = table
    for column, value in where.items():
        rows = rows[rows[column] == value]
    assert len(rows) == 1, f"expected one row for {where}, found {len(rows)}"
    return rows.iloc[0]


def write_bad(fixtures_dir: Path, tmp_path: Path, edit) -> Path:
    text = (fixtures_dir / "nchs_state" / GOOD).read_text(encoding="utf-8")
    (tmp_path / nchs_state.RAW_NAME).write_bytes(edit(text))
    return tmp_path


# Quirks ---------------------------------------------------------------------------------------

def test_all_ages_rows_give_counts_rates_and_age_adjusted_limits(fixtures_dir, tmp_path):
    t = parse_fixture(fixtures_dir, tmp_path, GOOD)
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


def test_en_dash_age_groups_become_hyphens(fixtures_dir, tmp_path):
    t = parse_fixture(fixtures_dir, tmp_path, "en_dash_age_groups.csv")
    assert set(t["age_group"]) == {"0-14", "35-44", "75+"}
    assert set(t["sex"]) == {"female", "male"}
    assert "Non-Hispanic White" in set(t["race_ethnicity"])


def test_age_specific_rows_have_crude_limits_and_no_age_adjusted_rate(fixtures_dir, tmp_path):
    t = parse_fixture(fixtures_dir, tmp_path, "en_dash_age_groups.csv")
    girls = t[t["age_group"] == "0-14"]
    assert "age_adjusted_rate" not in set(girls["measure"])
    lower = one(girls, measure="rate_lower_95")
    assert lower["value"] == pytest.approx(0.1947)
    assert lower["unit"] == "deaths per 100,000 population, crude, lower 95% confidence limit"


def test_states_and_rates_from_few_deaths(fixtures_dir, tmp_path):
    t = parse_fixture(fixtures_dir, tmp_path, "states_few_deaths.csv")
    alabama = one(t, geo_fips="01", measure="deaths")
    assert (alabama["geo_level"], alabama["geo_name"], alabama["value"]) == (
        "state", "Alabama", 169)
    nd = t[t["geo_fips"] == "38"]
    rates = nd[nd["measure"].str.contains("rate")]
    assert rates["unreliable"].all() and rates["value"].notna().all()
    assert rates["note"].str.contains("fewer than 20 deaths").all()
    assert not nd.loc[nd["measure"] == "deaths", "unreliable"].any()
    assert not t.loc[t["geo_fips"] == "01", "unreliable"].any()


def test_reordered_columns_parse_the_same(fixtures_dir, tmp_path):
    original = parse_fixture(fixtures_dir, tmp_path, GOOD)
    frame = pd.read_csv(fixtures_dir / "nchs_state" / GOOD, dtype=str, keep_default_na=False)
    frame[frame.columns[::-1]].to_csv(tmp_path / nchs_state.RAW_NAME, index=False)
    pd.testing.assert_frame_equal(nchs_state.parse(tmp_path).tables[nchs_state.TABLE], original)


# Bad input ------------------------------------------------------------------------------------

def test_truncated_file(fixtures_dir, tmp_path):
    write_bad(fixtures_dir, tmp_path, lambda s: s[: s.index("9.4842")].encode())
    with pytest.raises(SourceFormatError,
                       match=r"Drug_Poisoning_Mortality.*line 3: row has the wrong number"):
        nchs_state.parse(tmp_path)


def test_renamed_column(fixtures_dir, tmp_path):
    write_bad(fixtures_dir, tmp_path,
              lambda s: s.replace("Age-adjusted Rate,", "Age Adjusted Rate,", 1).encode())
    with pytest.raises(SourceFormatError, match=r"line 1, column 'Age-adjusted Rate'"):
        nchs_state.parse(tmp_path)


def test_wrong_encoding(fixtures_dir, tmp_path):
    # The en dash in cp1252 is byte 0x96, which is not valid UTF-8.
    write_bad(fixtures_dir, tmp_path, lambda s: s.encode("cp1252"))
    with pytest.raises(SourceFormatError,
                       match=r"line 2: file is not UTF-8 text.*found byte 0x96"):
        nchs_state.parse(tmp_path)


def test_empty_file(tmp_path):
    (tmp_path / nchs_state.RAW_NAME).write_bytes(b"\n")
    with pytest.raises(SourceFormatError, match=r"Drug_Poisoning_Mortality.*file is empty"):
        nchs_state.parse(tmp_path)


def test_duplicate_row(fixtures_dir, tmp_path):
    write_bad(fixtures_dir, tmp_path, lambda s: (s + s.splitlines()[1] + "\n").encode())
    with pytest.raises(SourceFormatError, match=r"line 4: duplicate row \(same as line 2\)"):
        nchs_state.parse(tmp_path)


def test_rate_out_of_range(fixtures_dir, tmp_path):
    write_bad(fixtures_dir, tmp_path, lambda s: s.replace("9.1004", "1900.1").encode())
    with pytest.raises(SourceFormatError,
                       match=r"line 3, column 'Crude Death Rate': value out of range"):
        nchs_state.parse(tmp_path)


def test_fractional_death_count(fixtures_dir, tmp_path):
    write_bad(fixtures_dir, tmp_path, lambda s: s.replace(",5230,", ",5230.5,").encode())
    with pytest.raises(SourceFormatError, match=r"line 3, column 'Deaths'.*whole number"):
        nchs_state.parse(tmp_path)


def test_unknown_category(fixtures_dir, tmp_path):
    write_bad(fixtures_dir, tmp_path, lambda s: s.replace(",Hispanic,", ",Asian,").encode())
    with pytest.raises(SourceFormatError,
                       match=r"line 3, column 'Race and Hispanic Origin': unknown category"):
        nchs_state.parse(tmp_path)


# The real file ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real(raw_dir: Path) -> pd.DataFrame:
    result = nchs_state.parse(raw_dir / nchs_state.SOURCE.raw_folder)
    assert result.rows_in == 2_862
    return validate_tidy(result.tables[nchs_state.TABLE])


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
    lines = (raw_dir / nchs_state.SOURCE.raw_folder / nchs_state.RAW_NAME).read_text(
        encoding="utf-8").splitlines(keepends=True)
    (tmp_path / nchs_state.RAW_NAME).write_text("".join(lines[:2_000]), encoding="utf-8")
    failures = nchs_state.checks(nchs_state.parse(tmp_path).tables)
    assert any("incomplete file (truncated?)" in f for f in failures)

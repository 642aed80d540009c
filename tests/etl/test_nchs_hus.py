"""Tests for etl/nchs_hus.py: quirk fixtures, bad input on copies, real-file check values."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from etl import nchs_hus
from etl.source import SourceFormatError
from etl.tidy import validate_tidy

GOOD = "index_column.csv"


def parse_fixture(fixtures_dir: Path, tmp_path: Path, name: str) -> pd.DataFrame:
    """Parse one fixture as if it were the publisher's file; validate it against the schema."""
    shutil.copy(fixtures_dir / "nchs_hus" / name, tmp_path / nchs_hus.RAW_NAME)
    return validate_tidy(nchs_hus.parse(tmp_path).tables[nchs_hus.TABLE])


def one(table: pd.DataFrame, **where: object) -> pd.Series:
    rows = table
    for column, value in where.items():
        rows = rows[rows[column] == value]
    assert len(rows) == 1, f"expected one row for {where}, found {len(rows)}"
    return rows.iloc[0]


def write_bad(fixtures_dir: Path, tmp_path: Path, edit) -> Path:
    text = (fixtures_dir / "nchs_hus" / GOOD).read_text(encoding="utf-8")
    (tmp_path / nchs_hus.RAW_NAME).write_bytes(edit(text))
    return tmp_path


# Quirks ---------------------------------------------------------------------------------------

def test_index_column_dropped_and_float_written_values(fixtures_dir, tmp_path):
    t = parse_fixture(fixtures_dir, tmp_path, GOOD)
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


def test_official_file_without_index_parses_the_same(fixtures_dir, tmp_path):
    stored = parse_fixture(fixtures_dir, tmp_path, GOOD)
    official = parse_fixture(fixtures_dir, tmp_path, "official_no_index.csv")
    pd.testing.assert_frame_equal(official, stored)


def test_flag_star_is_unreliable_without_value(fixtures_dir, tmp_path):
    t = parse_fixture(fixtures_dir, tmp_path, "flagged_unreliable.csv")
    assert t["value"].isna().all() and t["unreliable"].all() and not t["suppressed"].any()
    assert t["note"].str.contains("does not meet NCHS reliability standards").all()
    asian = one(t, drug_group="any_opioid")
    assert (asian["sex"], asian["race_ethnicity"]) == ("male", "Asian or Pacific Islander")
    assert "any Hispanic origin" in asian["note"]
    heroin = one(t, drug_group="heroin")
    assert (heroin["sex"], heroin["age_group"]) == ("female", "85+")


def test_single_race_stubs_do_not_collide_with_bridged_race(fixtures_dir, tmp_path):
    t = parse_fixture(fixtures_dir, tmp_path, "single_race_2018.csv")
    assert one(t, race_ethnicity="White")["value"] == 30.3
    single = one(t, race_ethnicity="White (single race)")
    assert single["value"] == 30.1 and "single-race" in single["note"]
    assert one(t, race_ethnicity="Hispanic")["value"] == 17.5
    assert one(t, race_ethnicity="Hispanic (single race)")["value"] == 17.4
    assert one(t, race_ethnicity=(
        "Non-Hispanic Native Hawaiian or Other Pacific Islander (single race)"))["value"] == 17.7


def test_age_stubs(fixtures_dir, tmp_path):
    t = parse_fixture(fixtures_dir, tmp_path, "age_stubs.csv")
    assert one(t, age_group="0-14")["value"] == 0.2
    assert one(t, age_group="85+")["sex"] == "all"
    woman = one(t, age_group="75-84")
    assert (woman["sex"], woman["value"], woman["measure"]) == ("female", 2.9, "crude_rate")


# Bad input ------------------------------------------------------------------------------------

def test_truncated_file(fixtures_dir, tmp_path):
    write_bad(fixtures_dir, tmp_path, lambda s: s[: s.index("21.6")].encode())
    with pytest.raises(SourceFormatError,
                       match=r"CDC_drug_overdose_deaths_raw_data.csv, line 3: row has the wrong"):
        nchs_hus.parse(tmp_path)


def test_renamed_column(fixtures_dir, tmp_path):
    write_bad(fixtures_dir, tmp_path, lambda s: s.replace(",ESTIMATE,", ",VALUE,", 1).encode())
    with pytest.raises(SourceFormatError, match=r"line 1, column 'ESTIMATE'.*found , INDICATOR"):
        nchs_hus.parse(tmp_path)


def test_wrong_encoding(fixtures_dir, tmp_path):
    write_bad(fixtures_dir, tmp_path, lambda s: s.encode("utf-16"))
    with pytest.raises(SourceFormatError, match=r"raw_data.csv, line 1: file is not UTF-8 text"):
        nchs_hus.parse(tmp_path)


def test_empty_file(tmp_path):
    (tmp_path / nchs_hus.RAW_NAME).write_bytes(b"")
    with pytest.raises(SourceFormatError, match=r"raw_data.csv: file is empty"):
        nchs_hus.parse(tmp_path)


def test_duplicate_row(fixtures_dir, tmp_path):
    # Same data under a new index value: the index is not part of the data, so still a duplicate.
    def duplicate(s: str) -> bytes:
        second = s.splitlines()[1]
        return (s + "9" + second[1:] + "\n").encode()
    write_bad(fixtures_dir, tmp_path, duplicate)
    with pytest.raises(SourceFormatError, match=r"line 5: duplicate row \(same as line 2\)"):
        nchs_hus.parse(tmp_path)


def test_rate_out_of_range(fixtures_dir, tmp_path):
    write_bad(fixtures_dir, tmp_path, lambda s: s.replace(",21.7,", ",-21.7,").encode())
    with pytest.raises(SourceFormatError,
                       match=r"line 2, column 'ESTIMATE': value out of range.*'-21.7'"):
        nchs_hus.parse(tmp_path)


def test_year_out_of_range(fixtures_dir, tmp_path):
    write_bad(fixtures_dir, tmp_path, lambda s: s.replace(",2001,", ",1899,").encode())
    with pytest.raises(SourceFormatError, match=r"line 4, column 'YEAR'"):
        nchs_hus.parse(tmp_path)


def test_flag_and_estimate_disagree(fixtures_dir, tmp_path):
    write_bad(fixtures_dir, tmp_path, lambda s: s.replace(",21.7,", ",21.7,*", 1).encode())
    with pytest.raises(SourceFormatError, match=r"line 2, column 'ESTIMATE': ESTIMATE and FLAG"):
        nchs_hus.parse(tmp_path)


def test_unknown_stub_label(fixtures_dir, tmp_path):
    write_bad(fixtures_dir, tmp_path, lambda s: s.replace(",Male,", ",Men,").encode())
    with pytest.raises(SourceFormatError, match=r"line 4, column 'STUB_LABEL'.*'Men'"):
        nchs_hus.parse(tmp_path)


# The real file ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real(raw_dir: Path) -> pd.DataFrame:
    result = nchs_hus.parse(raw_dir / nchs_hus.SOURCE.raw_folder)
    assert result.rows_in == 6_228
    return validate_tidy(result.tables[nchs_hus.TABLE])


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
    lines = (raw_dir / nchs_hus.SOURCE.raw_folder / nchs_hus.RAW_NAME).read_text(
        encoding="utf-8").splitlines(keepends=True)
    (tmp_path / nchs_hus.RAW_NAME).write_text("".join(lines[:6_000]), encoding="utf-8")
    failures = nchs_hus.checks(nchs_hus.parse(tmp_path).tables)
    assert any("incomplete file (truncated?)" in f for f in failures)

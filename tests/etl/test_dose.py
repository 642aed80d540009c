"""etl/dose.py: the quirk fixtures, bad inputs, and the publisher's real CSV exports."""
from __future__ import annotations

import math
import shutil
from pathlib import Path

import pandas as pd
import pandera.errors
import pytest

from etl import dose
from etl.source import SourceFormatError
from etl.tidy import EXCLUDED_NOTE, validate_tidy


@pytest.fixture(scope="module")
def fixture_result(fixtures_dir: Path):
    return dose.parse(fixtures_dir / "dose")


@pytest.fixture(scope="module")
def discharge(fixture_result):
    return fixture_result.tables["dose_discharge"]


@pytest.fixture(scope="module")
def syndromic(fixture_result):
    return fixture_result.tables["dose_syndromic"]


def _one(table, **where):
    rows = table
    for column, value in where.items():
        rows = rows[rows[column] == value] if value is not None else rows[rows[column].isna()]
    assert len(rows) == 1, rows
    return rows.iloc[0]


# --- fixture: DOSE-DIS -----------------------------------------------------------------------

def test_discharge_schema_and_rows(fixture_result, discharge):
    validate_tidy(discharge)
    # 4 ED/HOSP series × 13 rows + 2 sex×age series × 13 rows = 78 raw rows, 7 drugs × 2
    # measures each = 1,092 cells, minus NA cells (methamphetamine) not stored
    assert fixture_result.rows_in == 4 * 13 + 2 * 13 + 12 + 12
    assert len(discharge) == 78 * 14 - (4 * 10 + 2 * 13) * 2
    # ED visits and inpatient stays are separate case definitions; the unit agrees with each.
    ed = discharge["definition"] == "nonfatal_ed_discharge"
    assert set(discharge["definition"]) == {"nonfatal_ed_discharge", "nonfatal_hosp_discharge"}
    assert discharge.loc[ed, "unit"].str.startswith("ED visits").all()
    assert discharge.loc[~ed, "unit"].str.startswith("hospitalizations").all()
    assert "synthetic_opioids" not in set(discharge["drug_group"])  # fentanyl not read


def test_ed_and_hosp_differ_only_by_unit(discharge):
    ak = discharge[(discharge["geo_fips"] == "02") & (discharge["drug_group"] == "benzodiazepines")
                   & (discharge["period_type"] == "year")]
    assert set(ak["unit"]) == {"ED visits", "hospitalizations", "ED visits per 100,000 population",
                               "hospitalizations per 100,000 population"}
    assert set(ak.loc[ak["unit"] == "ED visits", "value"]) == {198.0}


def test_annual_rows_interleaved_with_months(discharge):
    row = _one(discharge, geo_fips="99", drug_group="all_drugs", unit="ED visits",
               period_type="year", sex="all")
    assert row["value"] == 3756 and row["year"] == 2022 and pd.isna(row["month"])
    months = discharge[(discharge["geo_fips"] == "99") & (discharge["unit"] == "ED visits")
                       & (discharge["drug_group"] == "all_drugs") & (discharge["sex"] == "all")
                       & (discharge["period_type"] == "month")]
    assert sorted(months["month"].tolist()) == list(range(1, 13))
    assert months["value"].sum() == row["value"]


def test_suppressed_and_na(fixture_result, discharge):
    row = _one(discharge, geo_fips="02", drug_group="heroin", unit="ED visits",
               period_type="month", month=2)
    assert row["suppressed"] and math.isnan(row["value"])
    rate = _one(discharge, geo_fips="02", drug_group="benzodiazepines",
                unit="ED visits per 100,000 population", period_type="month", month=3)
    assert rate["suppressed"] and math.isnan(rate["value"])
    # NA cells are not stored: methamphetamine has only October-December rows
    meth = discharge[(discharge["geo_fips"] == "02") & (discharge["unit"] == "ED visits")
                     & (discharge["drug_group"] == "psychostimulants")]
    assert sorted(meth["month"].dropna().tolist()) == [10, 11, 12]
    assert (meth["period_type"] == "month").all()
    assert "DOSE indicator: methamphetamine" in meth["note"].iloc[0]
    assert "DOSE-DIS: 132 cells marked NA (not available) not stored" in " ".join(
        fixture_result.warnings)
    assert not (discharge["suppressed"] & discharge["value"].notna()).any()


def test_participating_rows_and_sex_age(discharge):
    us = discharge[discharge["geo_fips"] == "99"]
    assert set(us["geo_level"]) == {"participating_jurisdictions"}
    assert us["geo_name"].iloc[0] == "All DOSE participating jurisdictions (changes over time)"
    assert "2 jurisdictions submitting" in _one(
        us, drug_group="all_drugs", unit="ED visits", period_type="year", sex="all")["note"]
    f = _one(us, drug_group="benzodiazepines", unit="ED visits", period_type="year",
             sex="female", age_group="0-14")
    assert f["value"] == 180
    assert set(us["age_group"]) == {"all", "0-14", "55+"}
    assert set(discharge.loc[discharge["geo_fips"] != "99", "sex"]) == {"all"}


def test_discharge_checks(discharge, syndromic):
    assert dose.checks({"dose_discharge": discharge, "dose_syndromic": syndromic}) == []
    broken = discharge.copy()
    mask = ((broken["geo_fips"] == "10") & (broken["unit"] == "ED visits")
            & (broken["drug_group"] == "cocaine") & (broken["month"] == 5))
    broken.loc[mask, "value"] = 500.0  # month no longer adds up; cocaine above all drugs
    failures = dose.checks({"dose_discharge": broken, "dose_syndromic": syndromic})
    assert any("12 months sum to" in f for f in failures)
    assert any("cocaine 500 > all drugs" in f for f in failures)
    assert any("states sum to" in f and "US (participating)" in f for f in failures)


# --- fixture: DOSE-SYS -----------------------------------------------------------------------

def test_syndromic_rows_and_markers(fixture_result, syndromic):
    validate_tidy(syndromic)
    assert set(syndromic["unit"]) == {dose.SYS_UNIT}
    assert set(syndromic["measure"]) == {"visit_rate"}
    # AK (§) and AL (¶) are dropped, counted in the warnings
    assert set(syndromic["geo_fips"]) == {"21", "99"}
    warnings = " ".join(fixture_result.warnings)
    assert "28 cells marked § (state does not share" in warnings
    assert "28 cells marked ¶ (state does not participate)" in warnings
    assert any("corrections.csv: dose-sys-covid-onset" in w for w in fixture_result.warnings)


def test_covid_onset_months_are_excluded_not_suppressed(syndromic):
    """`*` in March–August 2020 (and in rolling 12 months that include it) means DOSE-SYS
    collected nothing: no value, not suppressed, the reason in the note."""
    gap = syndromic[(syndromic["geo_fips"] == "21") & (syndromic["year"] == 2020)]
    assert set(gap["period_type"]) == {"month", "12_month_ending"} and len(gap) == 14
    assert gap["value"].isna().all() and not gap["suppressed"].any()
    assert gap["note"].str.contains(EXCLUDED_NOTE + ": DOSE-SYS has no data for March–August "
                                    "2020 (COVID-19 onset)", regex=False).all()
    methamphetamine = _one(gap, drug_group="psychostimulants", period_type="month")
    assert methamphetamine["note"].startswith("DOSE indicator: methamphetamine; " + EXCLUDED_NOTE)
    # a small-count `*` outside the gap stays a suppression
    small = _one(syndromic, geo_fips="21", drug_group="benzodiazepines", period_type="month",
                 year=2023, month=11)
    assert small["suppressed"] and EXCLUDED_NOTE not in small["note"]


def test_a_number_in_the_covid_gap_stops_the_build(fixtures_dir, tmp_path):
    folder = _copy(fixtures_dir, tmp_path)
    _replace(_file(folder, dose.SYS_JURISDICTION), b"KY,2020,4,Monthly,*,",
             b"KY,2020,4,Monthly,3.5,")
    with pytest.raises(SourceFormatError, match=r"Jurisdiction-Table 1\.csv, line 11, column "
                       r"'drug_rate': a number where the publisher collected no data "
                       r"\(corrections\.csv row dose-sys-covid-onset"):
        dose.parse(folder)


def test_syndromic_periods(syndromic):
    rolling = _one(syndromic, geo_fips="21", drug_group="benzodiazepines",
                   period_type="12_month_ending", year=2023, month=11)
    assert rolling["value"] == 1.9
    monthly = _one(syndromic, geo_fips="21", drug_group="benzodiazepines",
                   period_type="month", year=2023, month=11)
    assert monthly["suppressed"]


def test_syndromic_overall_sex_age(syndromic):
    us = syndromic[syndromic["geo_fips"] == "99"]
    assert set(zip(us["sex"], us["age_group"])) == {("all", "all"), ("female", "0-14"),
                                                    ("male", "65+")}
    row = _one(us, drug_group="benzodiazepines", period_type="12_month_ending", year=2019,
               month=12, sex="all", age_group="all")
    assert row["value"] == 2.0 and row["note"] == "40 participating jurisdictions"
    assert _one(us, drug_group="heroin", period_type="month", year=2025, month=6,
                sex="female", age_group="0-14")["suppressed"]


# --- bad inputs (copies in tmp_path) ---------------------------------------------------------

def _copy(fixtures_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "dose"
    shutil.copytree(fixtures_dir / "dose", target)
    return target


def _file(folder: Path, name: str) -> Path:
    return folder / name


def _replace(path: Path, old: bytes, new: bytes) -> None:
    data = path.read_bytes()
    assert old in data, old
    path.write_bytes(data.replace(old, new, 1))


def test_truncated_mid_row(fixtures_dir, tmp_path):
    folder = _copy(fixtures_dir, tmp_path)
    path = _file(folder, dose.SYS_OVERALL)
    path.write_bytes(path.read_bytes()[:-12])
    with pytest.raises(SourceFormatError) as err:
        dose.parse(folder)
    message = str(err.value)
    assert "Overall-Table 1.csv, line 13" in message and "wrong number of fields" in message


def test_truncated_at_row_boundary(fixtures_dir, tmp_path):
    folder = _copy(fixtures_dir, tmp_path)
    path = _file(folder, dose.DIS_JURISDICTION)
    lines = path.read_bytes().split(b"\r\n")
    path.write_bytes(b"\r\n".join(lines[:-3]))
    with pytest.raises(SourceFormatError) as err:
        dose.parse(folder)
    message = str(err.value)
    assert "Jurisdiction Counts & Rates-Table 1.csv" in message
    assert "incomplete series" in message and "'US'" in message
    assert "expected 13 rows like the other series, found 10" in message


def test_renamed_column(fixtures_dir, tmp_path):
    folder = _copy(fixtures_dir, tmp_path)
    _replace(_file(folder, dose.DIS_JURISDICTION), b"count_benzodiazepine", b"count_benzo")
    with pytest.raises(SourceFormatError) as err:
        dose.parse(folder)
    assert "line 1, column 'count_benzodiazepine': column missing or renamed" in str(err.value)


def test_reordered_columns_are_read_by_name(fixtures_dir, tmp_path, syndromic):
    folder = _copy(fixtures_dir, tmp_path)
    path = _file(folder, dose.SYS_JURISDICTION)
    rows = [line.split(",") for line in path.read_bytes().decode("utf-8").split("\r\n")]
    path.write_bytes("\r\n".join(",".join([r[1], r[0], *r[2:]]) for r in rows).encode("utf-8"))
    reordered = dose.parse(folder).tables["dose_syndromic"]
    assert reordered["value"].equals(syndromic["value"])


def test_wrong_encoding(fixtures_dir, tmp_path):
    folder = _copy(fixtures_dir, tmp_path)
    path = _file(folder, dose.SYS_JURISDICTION)
    path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1"))  # § -> 0xa7
    with pytest.raises(SourceFormatError) as err:
        dose.parse(folder)
    message = str(err.value)
    assert "Jurisdiction-Table 1.csv, line 2: not UTF-8 text" in message
    assert "byte 0xa7" in message


def test_empty_file(fixtures_dir, tmp_path):
    folder = _copy(fixtures_dir, tmp_path)
    _file(folder, dose.DIS_SEX_AGE).write_bytes(b"")
    with pytest.raises(SourceFormatError, match="Overall by Sex & Age-Table 1.csv: file is "
                                                "missing or empty"):
        dose.parse(folder)


def test_header_only(fixtures_dir, tmp_path):
    folder = _copy(fixtures_dir, tmp_path)
    path = _file(folder, dose.SYS_OVERALL)
    path.write_bytes(path.read_bytes().split(b"\r\n")[0] + b"\r\n")
    with pytest.raises(SourceFormatError, match="line 2: no data rows"):
        dose.parse(folder)


def test_duplicate_row(fixtures_dir, tmp_path):
    folder = _copy(fixtures_dir, tmp_path)
    path = _file(folder, dose.DIS_SEX_AGE)
    lines = path.read_bytes().split(b"\r\n")
    path.write_bytes(b"\r\n".join([*lines, lines[1]]))
    with pytest.raises(SourceFormatError) as err:
        dose.parse(folder)
    assert "line 28: duplicate row" in str(err.value) and "as line 2" in str(err.value)


def test_negative_count(fixtures_dir, tmp_path):
    folder = _copy(fixtures_dir, tmp_path)
    _replace(_file(folder, dose.DIS_JURISDICTION), b"AK,4,2022,monthly,ED,104,",
             b"AK,4,2022,monthly,ED,-104,")
    with pytest.raises(SourceFormatError) as err:
        dose.parse(folder)
    message = str(err.value)
    assert "line 5, column 'count_alldrug': value out of range" in message
    assert "found '-104'" in message


def test_fractional_count_and_unknown_marker(fixtures_dir, tmp_path):
    folder = _copy(fixtures_dir, tmp_path)
    _replace(_file(folder, dose.DIS_JURISDICTION), b"AK,4,2022,monthly,ED,104,",
             b"AK,4,2022,monthly,ED,104.5,")
    with pytest.raises(SourceFormatError, match="expected a non-negative whole number"):
        dose.parse(folder)
    folder = _copy(fixtures_dir, tmp_path / "b")
    _replace(_file(folder, dose.SYS_OVERALL), b",7.3,3.9,", b",7.3,n.d.,")
    with pytest.raises(SourceFormatError, match=r"line 2, column 'stimulant_rate'.*'n.d.'"):
        dose.parse(folder)


def test_month_and_year_out_of_range(fixtures_dir, tmp_path):
    folder = _copy(fixtures_dir, tmp_path)
    _replace(_file(folder, dose.SYS_JURISDICTION), b"KY,2023,11,Annual", b"KY,2023,13,Annual")
    with pytest.raises(SourceFormatError, match="column 'month': month out of range"):
        dose.parse(folder)
    folder = _copy(fixtures_dir, tmp_path / "b")
    _replace(_file(folder, dose.DIS_SEX_AGE), b"US,F,0-14,1,2022", b"US,F,0-14,1,1899")
    with pytest.raises(SourceFormatError, match="line 2, column 'year': year out of range"):
        dose.parse(folder)


def test_rate_above_schema_bound(fixtures_dir, tmp_path):
    folder = _copy(fixtures_dir, tmp_path)
    _replace(_file(folder, dose.SYS_OVERALL), b"65.2,", b"1065.2,")
    table = dose.parse(folder).tables["dose_syndromic"]
    with pytest.raises(pandera.errors.SchemaErrors, match="rates must lie in 0") as err:
        validate_tidy(table)
    assert "1065.2" in str(err.value)


def test_unknown_jurisdiction_and_dataset(fixtures_dir, tmp_path):
    folder = _copy(fixtures_dir, tmp_path)
    path = _file(folder, dose.SYS_JURISDICTION)
    path.write_bytes(path.read_bytes().replace(b"\nKY,", b"\nPR,"))
    with pytest.raises(SourceFormatError, match="column 'jurisdiction': unknown jurisdiction"):
        dose.parse(folder)
    folder = _copy(fixtures_dir, tmp_path / "b")
    path = _file(folder, dose.DIS_JURISDICTION)
    path.write_bytes(path.read_bytes().replace(b",HOSP,", b",INPT,"))
    with pytest.raises(SourceFormatError, match="column 'dataset'.*expected ED / HOSP"):
        dose.parse(folder)


# --- the publisher's real files --------------------------------------------------------------

@pytest.fixture(scope="module")
def real(raw_dir: Path):
    return dose.parse(raw_dir / dose.SOURCE.raw_folder)


def test_real_shape(real):
    discharge, syndromic = real.tables["dose_discharge"], real.tables["dose_syndromic"]
    validate_tidy(discharge)
    validate_tidy(syndromic)
    # data rows per file: 5,018 + 1,560 (DIS) + 7,956 + 3,480 (SYS)
    assert real.rows_in == 5018 + 1560 + 7956 + 3480
    assert len(discharge) == 81_650 and len(syndromic) == 70_023
    assert dose.checks(real.tables) == []
    assert any("10,442 cells marked NA" in w for w in real.warnings)


def test_real_published_values(real):
    discharge, syndromic = real.tables["dose_discharge"], real.tables["dose_syndromic"]
    us_annual = discharge[(discharge["geo_fips"] == "99") & (discharge["sex"] == "all")
                          & (discharge["period_type"] == "year")
                          & (discharge["drug_group"] == "benzodiazepines")
                          & (discharge["year"] == 2018)]
    values = dict(zip(us_annual["unit"], us_annual["value"]))
    assert values == {"ED visits": 18768, "hospitalizations": 17994,
                      "ED visits per 100,000 population": 8.1,
                      "hospitalizations per 100,000 population": 6.8}
    ak = _one(discharge, geo_fips="02", drug_group="benzodiazepines", unit="ED visits",
              period_type="year", year=2018)
    assert ak["value"] == 44
    rolling = _one(syndromic, geo_fips="99", drug_group="benzodiazepines", sex="all",
                   age_group="all", period_type="12_month_ending", year=2019, month=12)
    assert rolling["value"] == 2.0 and rolling["note"] == "40 participating jurisdictions"


def test_real_covid_onset_is_excluded_for_every_jurisdiction(real):
    syndromic = real.tables["dose_syndromic"]
    stamp = syndromic["year"] * 100 + syndromic["month"]
    monthly = syndromic["period_type"] == "month"
    in_gap = ((monthly & stamp.between(202003, 202008))
              | (~monthly & stamp.between(202003, 202107)))
    excluded = syndromic["note"].str.contains(EXCLUDED_NOTE, regex=False)
    assert (excluded == in_gap.astype(bool)).all()
    gap = syndromic[in_gap]
    assert len(gap) == 11_058 and gap["value"].isna().all() and not gap["suppressed"].any()
    assert set(gap["geo_fips"]) >= {"99", "21"} and gap["sex"].nunique() == 3
    # only small counts are left flagged suppressed (19,569 before the exclusion was told apart)
    assert int(syndromic["suppressed"].sum()) == 8_511
    us = _one(syndromic, geo_fips="99", drug_group="benzodiazepines", sex="all", age_group="all",
              period_type="month", year=2020, month=5)
    assert us["note"].startswith("4") and "participating jurisdictions; " + EXCLUDED_NOTE in \
        us["note"]


def test_real_sha256_matches_provenance(raw_dir):
    from etl.build import sha256_of
    for raw in dose.SOURCE.files:
        assert sha256_of(raw_dir / dose.SOURCE.raw_folder / raw.name) == raw.sha256, raw.name

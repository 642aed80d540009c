"""etl/sudors.py: the quirk fixture, bad inputs, and the publisher's real workbook."""
from __future__ import annotations

import math
import shutil
from collections.abc import Callable
from pathlib import Path

import pandera.errors
import pytest
from openpyxl import load_workbook

from etl import sudors
from etl.source import SourceFormatError
from etl.tidy import EXCLUDED_NOTE, validate_tidy


@pytest.fixture(scope="module")
def fixture_table(fixtures_dir: Path):
    return sudors.parse(fixtures_dir / "sudors").tables["sudors_state"]


def _value(table, geo_fips: str, year: int, drug_group: str, measure: str):
    rows = table[(table["geo_fips"] == geo_fips) & (table["year"] == year)
                 & (table["drug_group"] == drug_group) & (table["measure"] == measure)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


# --- fixture: one quirk per row (see tests/fixtures/sudors/README.md) -----------------------

def test_fixture_shape_and_schema(fixture_table):
    validate_tidy(fixture_table)
    # 5 jurisdiction-years × 37 drug columns; combo1_drugs / male_deaths ignored
    assert len(fixture_table) == 5 * 37
    assert set(fixture_table["measure"]) == {"deaths", "age_adjusted_rate", "percent"}
    assert set(fixture_table["period_type"]) == {"year"}
    assert (fixture_table["definition"] == "sudors_unintentional_undetermined").all()
    assert set(fixture_table["drug_group"]) == {g for g, _ in sudors.COLUMNS.values()}


def test_9999_is_suppressed_not_a_number(fixture_table):
    row = _value(fixture_table, "21", 2023, "benzodiazepines", "age_adjusted_rate")
    assert row["suppressed"] and math.isnan(row["value"])
    assert (fixture_table["value"] != 9999).all()
    assert fixture_table["suppressed"].sum() == 2


def test_below_point_one_is_censored_bound(fixture_table):
    row = _value(fixture_table, "21", 2023, "bromazolam", "percent")
    assert row["value"] == 0.1 and row["censored"] and not row["suppressed"]
    assert "published as <0.1" in row["note"]
    assert fixture_table["censored"].sum() == 1
    # a percent stored as text is read as a plain number
    assert _value(fixture_table, "99", 2023, "bromazolam", "percent")["value"] == 0.4


def test_overall_is_participating_jurisdictions(fixture_table):
    row = _value(fixture_table, "99", 2022, "all_drugs", "deaths")
    assert row["geo_level"] == "participating_jurisdictions"
    assert row["geo_name"] == "All SUDORS jurisdictions (changes by year)"
    assert row["value"] == 300
    assert _value(fixture_table, "41", 2023, "all_drugs", "deaths")["geo_name"] == "Oregon"


def test_units_and_notes(fixture_table):
    units = dict(zip(fixture_table["measure"], fixture_table["unit"]))
    assert units == {"deaths": "deaths",
                     "age_adjusted_rate": "deaths per 100,000 population, age-adjusted",
                     "percent": "percent of overdose deaths"}
    assert "methamphetamine" in _value(fixture_table, "21", 2023, "psychostimulants",
                                       "deaths")["note"]
    assert "toxicology" in _value(fixture_table, "21", 2023, "etizolam", "deaths")["note"]


def test_checks_pass_and_allow_detected_above_involved(fixture_table):
    # Oregon: 60 illegal benzodiazepines detected > 50 benzodiazepine-involved deaths is legal
    assert sudors.checks({"sudors_state": fixture_table}) == []


def test_checks_catch_states_not_adding_up(fixture_table):
    broken = fixture_table.copy()
    mask = ((broken["geo_fips"] == "99") & (broken["year"] == 2023)
            & (broken["drug_group"] == "all_drugs") & (broken["measure"] == "deaths"))
    broken.loc[mask, "value"] = 999.0
    failures = sudors.checks({"sudors_state": broken})
    assert any("all_drugs 2023: states sum to 1,000, Overall row says 999" in f
               for f in failures)


def test_checks_catch_subgroup_above_parent(fixture_table):
    broken = fixture_table.copy()
    mask = ((broken["geo_fips"] == "21") & (broken["year"] == 2022)
            & (broken["drug_group"] == "heroin") & (broken["measure"] == "deaths"))
    broken.loc[mask, "value"] = 10_000.0
    assert any("heroin deaths 10,000 > any_opioid" in f
               for f in sudors.checks({"sudors_state": broken}))


# --- bad inputs (copies in tmp_path) ---------------------------------------------------------

def _copy(fixtures_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / sudors.WORKBOOK
    shutil.copy(fixtures_dir / "sudors" / sudors.WORKBOOK, target)
    return target


def _edit(path: Path, change: Callable) -> None:
    workbook = load_workbook(path)
    change(workbook["Data"])
    workbook.save(path)


def _header_index(sheet, name: str) -> int:
    return [c.value for c in sheet[1]].index(name) + 1


def test_truncated_file(fixtures_dir, tmp_path):
    path = _copy(fixtures_dir, tmp_path)
    path.write_bytes(path.read_bytes()[:2000])
    with pytest.raises(SourceFormatError, match="not a readable xlsx workbook") as err:
        sudors.parse(tmp_path)
    assert sudors.WORKBOOK in str(err.value)


def test_truncated_rows_lose_an_overall_row(fixtures_dir, tmp_path):
    path = _copy(fixtures_dir, tmp_path)
    _edit(path, lambda sheet: sheet.delete_rows(5, 2))  # drop the 2022 rows ...
    _edit(path, lambda sheet: sheet.delete_rows(3, 1))  # ... and the 2023 Overall row
    with pytest.raises(SourceFormatError, match=r"no 'Overall' row.*found none for 2023"):
        sudors.parse(tmp_path)


def test_renamed_column(fixtures_dir, tmp_path):
    path = _copy(fixtures_dir, tmp_path)
    _edit(path, lambda sheet: setattr(
        sheet.cell(1, _header_index(sheet, "benzodiazepines_deaths")), "value", "benzo_deaths"))
    with pytest.raises(SourceFormatError) as err:
        sudors.parse(tmp_path)
    message = str(err.value)
    assert sudors.WORKBOOK in message and "line 1" in message
    assert "column 'benzodiazepines_deaths'" in message and "missing or renamed" in message


def test_wrong_encoding(fixtures_dir, tmp_path):
    # a CSV saved as UTF-16 under the workbook's name: not an xlsx at all
    (tmp_path / sudors.WORKBOOK).write_bytes("Jurisdiction,year\r\nOverall,2023\r\n"
                                             .encode("utf-16"))
    with pytest.raises(SourceFormatError, match="expected an Excel .xlsx file"):
        sudors.parse(tmp_path)


def test_empty_file(tmp_path):
    (tmp_path / sudors.WORKBOOK).write_bytes(b"")
    with pytest.raises(SourceFormatError, match="missing or empty"):
        sudors.parse(tmp_path)


def test_missing_data_sheet(fixtures_dir, tmp_path):
    path = _copy(fixtures_dir, tmp_path)
    workbook = load_workbook(path)
    workbook["Data"].title = "Data (2)"
    workbook.save(path)
    with pytest.raises(SourceFormatError, match="sheet 'Data' not found"):
        sudors.parse(tmp_path)


def test_duplicate_row(fixtures_dir, tmp_path):
    path = _copy(fixtures_dir, tmp_path)
    _edit(path, lambda sheet: sheet.append([c.value for c in sheet[2]]))
    with pytest.raises(SourceFormatError) as err:
        sudors.parse(tmp_path)
    assert "line 7" in str(err.value) and "duplicate row for Kentucky 2023" in str(err.value)
    assert "as line 2" in str(err.value)


def test_negative_value(fixtures_dir, tmp_path):
    path = _copy(fixtures_dir, tmp_path)
    _edit(path, lambda sheet: setattr(
        sheet.cell(4, _header_index(sheet, "heroin_deaths")), "value", -3))
    with pytest.raises(SourceFormatError) as err:
        sudors.parse(tmp_path)
    assert "line 4" in str(err.value) and "column 'heroin_deaths'" in str(err.value)
    assert "out of range" in str(err.value) and "found -3" in str(err.value)


def test_percent_above_100(fixtures_dir, tmp_path):
    path = _copy(fixtures_dir, tmp_path)
    _edit(path, lambda sheet: setattr(
        sheet.cell(2, _header_index(sheet, "opioids_percent")), "value", 150))
    with pytest.raises(SourceFormatError, match=r"line 2, column 'opioids_percent': percent"):
        sudors.parse(tmp_path)


def test_rate_out_of_range_fails_validation(fixtures_dir, tmp_path):
    path = _copy(fixtures_dir, tmp_path)
    _edit(path, lambda sheet: setattr(
        sheet.cell(2, _header_index(sheet, "alldrug_rate")), "value", 5000))
    table = sudors.parse(tmp_path).tables["sudors_state"]
    with pytest.raises(pandera.errors.SchemaErrors, match="rates must lie in 0") as err:
        validate_tidy(table)
    assert "Kentucky" in str(err.value) and "5000.0" in str(err.value)


def test_unknown_jurisdiction_and_bad_text(fixtures_dir, tmp_path):
    path = _copy(fixtures_dir, tmp_path)
    _edit(path, lambda sheet: setattr(sheet.cell(6, 1), "value", "Kentucky County"))
    with pytest.raises(SourceFormatError, match=r"line 6, column 'Jurisdiction': unknown"):
        sudors.parse(tmp_path)
    path = _copy(fixtures_dir, tmp_path)
    _edit(path, lambda sheet: setattr(
        sheet.cell(3, _header_index(sheet, "etizolam_percent")), "value", "n/a"))
    with pytest.raises(SourceFormatError, match=r"line 3, column 'etizolam_percent'.*'n/a'"):
        sudors.parse(tmp_path)


# --- the publisher's real workbook -----------------------------------------------------------

@pytest.fixture(scope="module")
def real(raw_dir: Path):
    return sudors.parse(raw_dir / sudors.SOURCE.raw_folder)


def test_real_shape(real):
    table = real.tables["sudors_state"]
    validate_tidy(table)
    assert real.rows_in == 144
    assert len(table) == 144 * 37
    assert sorted(table["year"].unique()) == [2020, 2021, 2022, 2023]
    assert table.groupby("year")["geo_fips"].nunique().to_dict() == {
        2020: 35, 2021: 34, 2022: 36, 2023: 39}
    assert table["censored"].sum() > 0 and table["suppressed"].sum() > 0
    assert sudors.checks(real.tables) == []


def test_real_published_check_values(real):
    table = real.tables["sudors_state"]
    overall = table[(table["geo_fips"] == "99") & (table["measure"] == "deaths")]
    by_year = overall.pivot(index="year", columns="drug_group", values="value")
    assert by_year["benzodiazepines"].tolist() == [6735, 6306, 5811, 6900]
    assert by_year["illegal_benzodiazepines"].tolist() == [1051, 1029, 766, 1650]


def test_real_sha256_matches_provenance(raw_dir):
    from etl.build import sha256_of
    raw = sudors.SOURCE.files[0]
    assert sha256_of(raw_dir / sudors.SOURCE.raw_folder / raw.name) == raw.sha256


# --- 9999 under the toxicology rule is not a small count ---------------------------------------

DETECTED = [f"{g}_{s}" for g in ("illegal_benzodiazepines", "bromazolam", "etizolam",
                                 "flualprazolam") for s in ("deaths", "percent")]


def _all_detected_9999(total: int) -> Callable:
    def change(sheet) -> None:  # sheet row 6: Kentucky 2022
        for name in DETECTED:
            sheet.cell(6, _header_index(sheet, name), 9999)
        sheet.cell(6, _header_index(sheet, "alldrug_deaths"), total)
    return change


def test_every_detected_cell_9999_with_many_deaths_is_excluded_not_suppressed(fixtures_dir,
                                                                           tmp_path):
    path = _copy(fixtures_dir, tmp_path)
    _edit(path, _all_detected_9999(total=2971))
    result = sudors.parse(tmp_path)
    table = result.tables["sudors_state"]
    validate_tidy(table)
    for group in sudors.DETECTED_GROUPS:
        for measure in ("deaths", "percent"):
            row = _value(table, "21", 2022, group, measure)
            assert math.isnan(row["value"]) and not row["suppressed"]
            assert row["note"].startswith(f"{EXCLUDED_NOTE}: detected-drug figures are "
                                          "published only for jurisdictions with postmortem "
                                          "toxicology for at least 75%")
    involved = _value(table, "21", 2022, "benzodiazepines", "deaths")
    assert EXCLUDED_NOTE not in involved["note"]
    assert result.warnings == [f"{sudors.WORKBOOK}: detected-drug cells of Kentucky 2022 (line 6) "
                               "are 9999 under the 75% toxicology rule, stored as excluded by "
                               "the publisher, not suppressed"]


def test_9999_in_a_small_jurisdiction_or_in_one_column_stays_suppressed(fixtures_dir, tmp_path):
    path = _copy(fixtures_dir, tmp_path)
    _edit(path, _all_detected_9999(total=15))
    table = sudors.parse(tmp_path).tables["sudors_state"]
    row = _value(table, "21", 2022, "bromazolam", "deaths")
    assert row["suppressed"] and EXCLUDED_NOTE not in row["note"]
    # the fixture's Oregon 2023: one detected percent is 9999, the others are published
    oregon = _value(table, "41", 2023, "illegal_benzodiazepines", "percent")
    assert oregon["suppressed"] and EXCLUDED_NOTE not in oregon["note"]


def test_real_toxicology_rule_marks_iowa_2020_and_tennessee_2020_2022(real):
    table = real.tables["sudors_state"]
    excluded = table[table["note"].str.contains(EXCLUDED_NOTE, regex=False)]
    assert sorted(set(zip(excluded["geo_name"], excluded["year"]))) == [
        ("Iowa", 2020), ("Tennessee", 2020), ("Tennessee", 2022)]
    assert len(excluded) == 3 * 8  # 4 detected-drug groups x deaths and percent
    assert excluded["value"].isna().all() and not excluded["suppressed"].any()
    assert set(excluded["drug_group"]) == sudors.DETECTED_GROUPS
    tennessee = _value(table, "47", 2022, "all_drugs", "deaths")
    assert tennessee["value"] == 3804 and not tennessee["suppressed"]
    # what is left flagged suppressed is a rate on fewer than 20 deaths
    assert set(table.loc[table["suppressed"], "measure"]) == {"age_adjusted_rate"}
    assert "Iowa 2020 (line 9), Tennessee 2020 (line 32), Tennessee 2022 (line 102)" in \
        real.warnings[0]

"""Tests for etl/nida.py: NIDA overdose workbook (fixture quirks, bad input, real file)."""
from __future__ import annotations

import math
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from etl import nida, vintages
from etl.registry import DRUG_GROUPS
from etl.source import SourceFormatError
from etl.tidy import TIDY_KEY, validate_tidy

FIXTURE = Path(__file__).parents[1] / "fixtures" / "nida" / "workbook"
FIXTURE_NAME = "Overdose_data_1999-2021 1.19.23.xlsx"  # named as NIDA named its 2023 release


def value(table: pd.DataFrame, **where: object) -> pd.Series:
    """The one row matching `where` (defaults: all ages, both sexes, all races)."""
    where = {"sex": "all", "age_group": "all", "race_ethnicity": "all", **where}
    mask = pd.Series(True, index=table.index)
    for column, wanted in where.items():
        mask &= table[column] == wanted
    rows = table[mask]
    assert len(rows) == 1, f"{len(rows)} rows for {where}"
    return rows.iloc[0]


@pytest.fixture(scope="module")
def fixture_result() -> nida.ParseResult:
    return nida.parse(FIXTURE)


@pytest.fixture(scope="module")
def fixture_table(fixture_result) -> pd.DataFrame:
    return fixture_result.tables[nida.TABLE]


# --- fixture workbook: layout quirks -------------------------------------------------------------

def test_fixture_parses_into_a_valid_tidy_table(fixture_result, fixture_table) -> None:
    assert set(fixture_result.tables) == {t.name for t in nida.SOURCE.tables} == {nida.TABLE}
    validate_tidy(fixture_table)
    assert not fixture_table.duplicated(TIDY_KEY).any()
    constants = {"source_id": "nida_workbook", "definition": "ucd_overdose", "geo_fips": "00",
                 "geo_name": "United States", "geo_level": "nation", "period_type": "year",
                 "source_file": FIXTURE_NAME}
    for column, expected in constants.items():
        assert set(fixture_table[column]) == {expected}, column
    # 450 cells read; the demographic sheet's 30 all-race cells repeat the rates sheet
    assert fixture_result.rows_in == 450
    assert len(fixture_table) == 420


@pytest.mark.parametrize("raw, expected", [
    (" Benzodiazepines7", "benzodiazepines"),
    ("Stimulants5a", "stimulants"),
    (" Any Opioid1", "any opioid"),
    (" Select Opioids1a AND Synthetic Opioids other than Methadone",
     "select opioids and synthetic opioids other than methadone"),
    (" Synthetic Opioids other than Methadone (primarily fentanyl)3",
     "synthetic opioids other than methadone (primarily fentanyl)"),
    ("Female ", "female"),
    ("      Male", "male"),
    ("  Asian* (Non-Hispanic)", "asian (non-hispanic)"),
    (" Psychostimulants With Abuse Potential AND Synthetic Opioids other than           Methadone",
     "psychostimulants with abuse potential and synthetic opioids other than methadone"),
])
def test_labels_lose_footnote_markers_indents_and_spaces(raw: str, expected: str) -> None:
    assert nida.normalise_label(raw) == expected


def test_every_mapped_label_is_a_registry_drug_group() -> None:
    assert set(nida.DRUG_LABELS.values()) <= set(DRUG_GROUPS)


def test_each_sheet_has_its_measure_unit_and_age_group(fixture_table) -> None:
    units = fixture_table.groupby(["measure", "age_group"])["unit"].unique().map(list).to_dict()
    assert units == {
        ("deaths", "all"): ["deaths"],
        ("deaths", "15-24"): ["deaths"],
        ("age_adjusted_rate", "all"): ["deaths per 100,000 population, age-adjusted"],
        ("crude_rate", "15-24"): ["deaths per 100,000 population, crude"],
    }


def test_drug_rows_and_unindented_sex_sub_rows(fixture_table) -> None:
    benzo = {"measure": "deaths", "drug_group": "benzodiazepines", "year": 2019}
    assert value(fixture_table, **benzo).value == 9711  # label "Benzodiazepines7", float 9711.0
    assert value(fixture_table, **benzo, sex="female").value == 3986  # label "Female "
    assert value(fixture_table, **benzo, sex="male").value == 5725
    youth = value(fixture_table, measure="deaths", drug_group="benzodiazepines", year=2021,
                  age_group="15-24")
    assert youth.value == 1118
    # the "(primarily fentanyl)" variant of a label in the 15-24 sheet maps to the same id
    assert value(fixture_table, measure="crude_rate", age_group="15-24", year=2021,
                 drug_group="benzodiazepines_with_synthetic_opioids").value == 2.2
    # a label with a run of inner spaces, and a drug row without sex sub-rows
    assert value(fixture_table, measure="deaths", year=2021,
                 drug_group="psychostimulants_with_synthetic_opioids").value == 18986
    assert value(fixture_table, measure="deaths", year=2021,
                 drug_group="other_opioids_with_synthetic_opioids").value == 15444


def test_fold_change_column_is_not_a_year(fixture_table) -> None:
    assert sorted(fixture_table["year"].unique()) == [2017, 2018, 2019, 2020, 2021]
    ratio = 12499 / 11537  # the fixture's fold-change cell of the benzodiazepine row
    assert not any(math.isclose(v, ratio) for v in fixture_table["value"].dropna())


def test_blank_cell_is_suppressed_not_zero(fixture_table) -> None:
    row = value(fixture_table, measure="deaths", age_group="15-24", year=2017, sex="female",
                drug_group="benzodiazepines_with_synthetic_opioids")
    assert math.isnan(row.value) and row.suppressed
    assert "blank in workbook: unreliable or suppressed" in row.note
    assert not (fixture_table["value"] == 0).any()
    assert fixture_table["suppressed"].eq(fixture_table["value"].isna()).all()


def test_rates_rounded_to_one_decimal(fixture_table) -> None:
    rx = {"measure": "age_adjusted_rate", "drug_group": "rx_opioids_without_synthetic_opioids"}
    assert value(fixture_table, **rx, year=2019).value == 2.4  # 2.4000000000000004 in the cell
    assert value(fixture_table, **rx, year=2020, sex="female").value == 2.1  # 2.0999999999999996
    aian = value(fixture_table, measure="age_adjusted_rate", drug_group="any_opioid", year=2017,
                 race_ethnicity="Non-Hispanic American Indian or Alaska Native")
    assert aian.value == 15.7  # 15.704 in the cell
    rates = fixture_table.loc[fixture_table["measure"] != "deaths", "value"].dropna()
    assert (rates == rates.round(1)).all()


def test_known_publisher_error_is_flagged_not_fixed(fixture_result, fixture_table) -> None:
    rx = {"measure": "deaths", "drug_group": "rx_opioids_with_synthetic_opioids", "year": 2021}
    female = value(fixture_table, **rx, sex="female")
    assert female.value == 6393  # kept as published
    assert "suspected publisher error" in female.note
    assert "suspected publisher error" in value(fixture_table, **rx, sex="male").note
    assert value(fixture_table, **{**rx, "year": 2020}, sex="female").note == ""
    flagged = [w for w in fixture_result.warnings if "suspected publisher error" in w]
    assert len(flagged) == 2
    assert any("rx_opioids_without_synthetic_opioids" in w and FIXTURE_NAME in w
               for w in flagged)


def test_demographic_sheet_race_rows(fixture_table) -> None:
    demo = fixture_table[fixture_table["race_ethnicity"] != "all"]
    assert set(demo["race_ethnicity"]) == {
        "Non-Hispanic White", "Non-Hispanic Asian", "Hispanic",
        "Non-Hispanic Native Hawaiian or Other Pacific Islander",  # NIDA spells it "Hawaiin"
        "Non-Hispanic American Indian or Alaska Native"}
    assert set(demo["measure"]) == {"age_adjusted_rate"}
    white = {"measure": "age_adjusted_rate", "drug_group": "all_drugs", "year": 2021,
             "race_ethnicity": "Non-Hispanic White"}
    assert value(fixture_table, **white).value == 36.8
    assert value(fixture_table, **white, sex="female").value == 23.8  # "      Female" sub-row
    assert value(fixture_table, **white, sex="male").value == 49.4
    # rows of both sexes in the demographic sheet repeat the rates sheet: kept once
    total = fixture_table[(fixture_table["drug_group"] == "all_drugs")
                          & (fixture_table["measure"] == "age_adjusted_rate")
                          & (fixture_table["race_ethnicity"] == "all")]
    assert len(total) == 15


def test_asian_and_pacific_islander_note_before_2018(fixture_table) -> None:
    asian = {"measure": "age_adjusted_rate", "drug_group": "any_opioid",
             "race_ethnicity": "Non-Hispanic Asian"}
    early = value(fixture_table, **asian, year=2017)
    assert early.value == 1.6 and "Asian and Pacific Islander" in early.note
    assert value(fixture_table, **asian, year=2018).note == ""
    nhopi = value(fixture_table, measure="age_adjusted_rate", drug_group="all_drugs", year=2017,
                  race_ethnicity="Non-Hispanic Native Hawaiian or Other Pacific Islander")
    assert nhopi.suppressed and "combined with Asians" in nhopi.note


def test_checks_pass_on_fixture(fixture_result) -> None:
    assert nida.checks(fixture_result.tables) == []


@pytest.mark.parametrize("drug, sex, bump, message", [
    ("benzodiazepines_with_any_opioid", "all", 1, "benzodiazepines_with_any_opioid 8302 + "
     "benzodiazepines_without_any_opioid 1410 != benzodiazepines 9711"),
    ("benzodiazepines_without_synthetic_opioids", "all", -5, "!= benzodiazepines 9711"),
    ("benzodiazepines", "female", 10, "female 3996 + male 5725 != all 9711"),
])
def test_checks_catch_counts_that_do_not_add_up(fixture_table, drug, sex, bump, message) -> None:
    broken = fixture_table.copy()
    mask = ((broken["drug_group"] == drug) & (broken["sex"] == sex) & (broken["year"] == 2019)
            & (broken["measure"] == "deaths") & (broken["age_group"] == "all"))
    broken.loc[mask, "value"] += bump
    failures = nida.checks({nida.TABLE: broken})
    assert any(message in f and "2019" in f for f in failures), failures


def test_checks_catch_inconsistent_rates(fixture_table) -> None:
    broken = fixture_table.copy()
    mask = ((broken["drug_group"] == "benzodiazepines") & (broken["sex"] == "all")
            & (broken["year"] == 2020) & (broken["measure"] == "age_adjusted_rate"))
    broken.loc[mask, "value"] = 9.9
    failures = nida.checks({nida.TABLE: broken})
    assert any("rate 9.9 not between female 2.9 and male 4.7" in f for f in failures)
    assert any("benzodiazepines_with_any_opioid" in f and "2020" in f for f in failures)


def test_sex_split_inconsistent_with_rates_is_caught(fixture_table) -> None:
    broken = fixture_table.copy()
    female = ((broken["drug_group"] == "benzodiazepines") & (broken["year"] == 2021)
              & (broken["measure"] == "deaths") & (broken["age_group"] == "all"))
    broken.loc[female & (broken["sex"] == "female"), "value"] = 11000
    broken.loc[female & (broken["sex"] == "male"), "value"] = 1499
    failures = nida.checks({nida.TABLE: broken})
    assert any("female:male deaths 11000:1499 inconsistent with rates 3:4.6" in f
               for f in failures), failures


# --- bad input: copies of the fixture in tmp_path ------------------------------------------------

def edited_copy(tmp_path: Path, edit: Callable) -> Path:
    """Copy the fixture workbook into tmp_path, apply `edit(workbook)`, return the folder."""
    target = tmp_path / FIXTURE_NAME
    shutil.copy(FIXTURE / FIXTURE_NAME, target)
    workbook = load_workbook(target)
    edit(workbook)
    workbook.save(target)
    return tmp_path


def parse_error(folder: Path) -> str:
    with pytest.raises(SourceFormatError) as info:
        nida.parse(folder)
    message = str(info.value)
    assert FIXTURE_NAME in message
    return message


def test_missing_sheet(tmp_path) -> None:
    folder = edited_copy(tmp_path, lambda wb: wb.remove(wb["Rate Drug OD, 15-24 Years"]))
    message = parse_error(folder)
    assert "sheet(s) missing: 'Rate Drug OD, 15-24 Years'" in message
    assert "found Contents, Number Drug OD Deaths" in message


def test_header_row_moved(tmp_path) -> None:
    folder = edited_copy(tmp_path, lambda wb: wb["Rate Drug OD Deaths"].insert_rows(1))
    message = parse_error(folder)
    assert "sheet 'Rate Drug OD Deaths': year header not where expected" in message
    assert "line 7, column 'C'" in message and "found None" in message


def test_header_year_renamed(tmp_path) -> None:
    def rename(wb) -> None:
        wb["Number Drug OD Deaths"]["C7"] = "Year 2017"
    message = parse_error(edited_copy(tmp_path, rename))
    assert "year header not where expected" in message and "found 'Year 2017'" in message


def test_header_column_after_years_renamed(tmp_path) -> None:
    def rename(wb) -> None:
        wb["Number Drug OD Deaths"]["H7"] = "2015-2021 ratio"
    message = parse_error(edited_copy(tmp_path, rename))
    assert "unexpected header after the years" in message
    assert "line 7, column 'H'" in message and "found '2015-2021 ratio'" in message


def test_header_years_not_consecutive(tmp_path) -> None:
    def skip(wb) -> None:
        wb["Number Drug OD Deaths"]["E7"] = 2020
    message = parse_error(edited_copy(tmp_path, skip))
    assert "not consecutive" in message and "expected 2019, found 2020" in message


def test_unknown_drug_label(tmp_path) -> None:
    def relabel(wb) -> None:
        wb["Number Drug OD Deaths"]["B22"] = " Benzodiazepines (designer)9"
    message = parse_error(edited_copy(tmp_path, relabel))
    assert "sheet 'Number Drug OD Deaths': unknown row label" in message
    assert "line 22, column 'B'" in message and "' Benzodiazepines (designer)9'" in message


def test_text_in_a_number_cell(tmp_path) -> None:
    def text(wb) -> None:
        wb["Number Drug OD Deaths"]["E22"] = "9,711"
    message = parse_error(edited_copy(tmp_path, text))
    assert "sheet 'Number Drug OD Deaths': cell is not a number" in message
    assert "line 22, column 'E (2019)'" in message and "found '9,711'" in message


def test_negative_value(tmp_path) -> None:
    def negative(wb) -> None:
        wb["Rate Drug OD Deaths"]["D10"] = -1.5
    message = parse_error(edited_copy(tmp_path, negative))
    assert "value out of range" in message and "line 10, column 'D (2018)'" in message


def test_fractional_count(tmp_path) -> None:
    def fraction(wb) -> None:
        wb["Number Drug OD, 15-24 Years"]["C11"] = 1031.5
    message = parse_error(edited_copy(tmp_path, fraction))
    assert "not a whole number" in message and "line 11, column 'C (2017)'" in message


def test_duplicate_row(tmp_path) -> None:
    def duplicate(wb) -> None:
        wb["Number Drug OD Deaths"]["B28"] = " Benzodiazepines AND Any Opioid"
    message = parse_error(edited_copy(tmp_path, duplicate))
    assert "sheet 'Number Drug OD Deaths': row repeats row 25" in message
    assert "line 28, column 'B'" in message


def test_sex_row_before_any_drug(tmp_path) -> None:
    def orphan(wb) -> None:
        wb["Rate Drug OD, 15-24 Years"]["B8"] = "Female"
    message = parse_error(edited_copy(tmp_path, orphan))
    assert "sub-row before any drug row" in message and "line 8" in message


def test_numbers_without_label(tmp_path) -> None:
    def unlabel(wb) -> None:
        wb["Number Drug OD Deaths"]["B9"] = None
    message = parse_error(edited_copy(tmp_path, unlabel))
    assert "row has numbers but no label" in message and "line 9, column 'B'" in message


def test_empty_file(tmp_path) -> None:
    (tmp_path / FIXTURE_NAME).write_bytes(b"")
    assert "file is empty (0 bytes)" in parse_error(tmp_path)


def test_not_an_xlsx_file(tmp_path) -> None:
    (tmp_path / FIXTURE_NAME).write_text("Year,Deaths\n2019,9711\n", encoding="utf-8")
    message = parse_error(tmp_path)
    assert "not a readable .xlsx workbook" in message and "BadZipFile" in message


def test_truncated_file(tmp_path) -> None:
    data = (FIXTURE / FIXTURE_NAME).read_bytes()
    (tmp_path / FIXTURE_NAME).write_bytes(data[: len(data) // 2])
    assert "not a readable .xlsx workbook" in parse_error(tmp_path)


def test_missing_file(tmp_path) -> None:
    with pytest.raises(SourceFormatError) as info:
        nida.parse(tmp_path)
    message = str(info.value)
    assert f"{tmp_path}: no release of the file found" in message
    assert "Overdose_data_1999-2021 1.19.23.xlsx" in message  # the naming it looks for


# --- the real workbook ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real_result(raw_dir) -> nida.ParseResult:
    return nida.parse(raw_dir / nida.SOURCE.raw_folder)


@pytest.fixture(scope="module")
def real_table(real_result) -> pd.DataFrame:
    return real_result.tables[nida.TABLE]


@pytest.mark.raw
@pytest.mark.parametrize("year, deaths", [(1999, 1135), (2017, 11537), (2019, 9711),
                                          (2020, 12290), (2021, 12499)])
def test_real_benzodiazepine_deaths(real_table, year: int, deaths: int) -> None:
    assert value(real_table, measure="deaths", drug_group="benzodiazepines",
                 year=year).value == deaths


@pytest.mark.raw
def test_real_benzodiazepine_share_of_opioid_deaths_2019(real_table) -> None:
    with_opioid = value(real_table, measure="deaths", year=2019,
                        drug_group="benzodiazepines_with_any_opioid").value
    any_opioid = value(real_table, measure="deaths", year=2019, drug_group="any_opioid").value
    without = value(real_table, measure="deaths", year=2019,
                    drug_group="benzodiazepines_without_any_opioid").value
    assert (with_opioid, any_opioid, without) == (8301, 49860, 1410)
    benzo_with_opioid_share = round(100 * with_opioid / any_opioid, 1)
    assert benzo_with_opioid_share == 16.6  # NIDA: "about 16%"
    assert value(real_table, measure="deaths", year=2021,
                 drug_group="benzodiazepines_with_any_opioid").value == 10992


@pytest.mark.raw
def test_real_table_validates_and_passes_checks(real_result, real_table) -> None:
    validate_tidy(real_table)
    assert nida.checks(real_result.tables) == []
    assert len(real_table) == 9528  # the 2 May 2024 release: 9,131 cells of 1999–2021 + 397
    assert real_result.rows_in == 10104
    assert real_table["year"].min() == 1999 and real_table["year"].max() == 2022
    needed = {"all_drugs", "benzodiazepines", "benzodiazepines_with_any_opioid",
              "benzodiazepines_without_any_opioid", "benzodiazepines_with_synthetic_opioids",
              "benzodiazepines_without_synthetic_opioids", "any_opioid", "rx_opioids",
              "synthetic_opioids", "heroin", "stimulants", "cocaine", "psychostimulants",
              "antidepressants"}
    assert needed <= set(real_table["drug_group"])
    # every drug row of the two all-ages sheets: 35 groups in counts, 34 in rates (no "select")
    per_sheet = real_table[real_table["age_group"] == "all"].groupby("measure")["drug_group"]
    assert per_sheet.nunique().to_dict() == {"age_adjusted_rate": 34, "deaths": 35}


@pytest.mark.raw
def test_real_suppressed_cells_and_rates(real_table) -> None:
    early = value(real_table, measure="age_adjusted_rate", year=1999,
                  drug_group="benzodiazepines_with_synthetic_opioids", sex="female")
    assert early.suppressed and math.isnan(early.value)
    assert value(real_table, measure="age_adjusted_rate", year=2021,
                 drug_group="benzodiazepines").value == 3.8
    assert value(real_table, measure="crude_rate", age_group="15-24", year=2021,
                 drug_group="benzodiazepines").value == 2.6


@pytest.mark.raw
def test_real_known_publisher_errors_are_flagged(real_result, real_table) -> None:
    rx = value(real_table, measure="deaths", year=2021, sex="female",
               drug_group="rx_opioids_without_synthetic_opioids")
    assert rx.value == 230 and "suspected publisher error" in rx.note
    text = "\n".join(real_result.warnings)
    assert "rx_opioids_with_synthetic_opioids female/male 2021" in text
    assert "stimulants_with_synthetic_opioids male 2012–2020" in text
    # no unexplained sex-split anomalies beyond the recorded ones
    assert not any("disagrees with the rates" in w for w in real_result.warnings)
    assert not any("differs from the total" in w for w in real_result.warnings)


def test_committed_fixture_matches_its_generator(tmp_path, fixture_table) -> None:
    import importlib.util  # noqa: PLC0415

    spec = importlib.util.spec_from_file_location("make_fixture", FIXTURE.parent / "make_fixture.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.build(tmp_path / FIXTURE_NAME)
    pd.testing.assert_frame_equal(nida.parse(tmp_path).tables[nida.TABLE], fixture_table)


# --- releases: the newest in the folder is read; each release has its own check values ----------

def test_the_newest_release_in_the_folder_is_read(tmp_path, fixture_table) -> None:
    from tests.etl.newer_vintages import nida_next_release  # noqa: PLC0415

    shutil.copy(FIXTURE / FIXTURE_NAME, tmp_path / FIXTURE_NAME)
    nida_next_release(FIXTURE / FIXTURE_NAME, tmp_path / "Overdose_data_1999-2022 6.30.25.xlsx",
                      revise=("total overdose deaths", 2020, 91_800))
    newest = nida.parse(tmp_path).tables[nida.TABLE]
    assert newest["year"].max() == 2022 and fixture_table["year"].max() == 2021
    assert set(newest["source_file"]) == {"Overdose_data_1999-2022 6.30.25.xlsx"}
    older = nida.parse(tmp_path, vintage=FIXTURE_NAME).tables[nida.TABLE]
    pd.testing.assert_frame_equal(older, fixture_table)
    revisions = vintages.vintage_revisions({nida.TABLE: older}, {nida.TABLE: newest})[nida.TABLE]
    assert revisions["overlap"] == "2017–2021" and revisions["cells_revised"] == 1
    [revised] = revisions["revisions"]
    assert revised["key"]["drug_group"] == "all_drugs" and revised["key"]["year"] == 2020
    assert revised["before"] == {"value": 91_799.0} and revised["after"] == {"value": 91_800.0}


def test_a_name_that_disagrees_with_the_year_header_is_refused(tmp_path) -> None:
    shutil.copy(FIXTURE / FIXTURE_NAME, tmp_path / "Overdose_data_1999-2022 6.30.25.xlsx")
    message = parse_error_in(tmp_path, "Overdose_data_1999-2022 6.30.25.xlsx")
    assert "the file name and the year header disagree on the last year of data" in message
    assert "line 7" in message and "expected 2022 (from the name), found 2021" in message


def parse_error_in(folder: Path, name: str) -> str:
    with pytest.raises(SourceFormatError) as info:
        nida.parse(folder)
    assert name in str(info.value)
    return str(info.value)


def test_known_errors_name_the_releases_they_persist_in() -> None:
    from etl import corrections  # noqa: PLC0415

    rows = {c.id: c for c in corrections.for_source(nida.SOURCE.id)}
    both = {nida.RELEASE_2023.name, nida.RELEASE_2024.name}
    assert set(rows["nida-rx-with-synthetic-2021-sex"].files) == both
    assert set(rows["nida-rx-without-synthetic-2021-sex"].files) == both
    assert rows["nida-stimulants-2022-sex-sum"].files == (nida.RELEASE_2024.name,)


@pytest.fixture(scope="module")
def release_2023(raw_dir) -> nida.ParseResult:
    return nida.parse(raw_dir / nida.SOURCE.raw_folder, vintage=nida.RELEASE_2023.name)


@pytest.mark.raw
def test_real_folder_reads_the_2024_release(raw_dir, real_result, real_table) -> None:
    in_use = vintages.files_in_use(nida, raw_dir / nida.SOURCE.raw_folder)
    assert in_use.used == (nida.RELEASE_2024,)
    assert [v.name for v in in_use.superseded] == [nida.RELEASE_2023.name]
    assert set(real_table["source_file"]) == {nida.RELEASE_2024.name}
    # NIDA, underlying-cause definition: benzodiazepine-involved deaths in 2022
    assert value(real_table, measure="deaths", drug_group="benzodiazepines",
                 year=2022).value == 10964
    entries, failures = vintages.run_edition_checks(
        nida.EDITION_CHECKS, {nida.RELEASE_2024.name: nida.RELEASE_2024.sha256},
        real_result.tables)
    assert failures == [] and [e["applied"] for e in entries] == [False, True]


@pytest.mark.raw
def test_real_2024_release_edition_check_catches_another_2022_count(real_result) -> None:
    broken = real_result.tables[nida.TABLE].copy()
    mask = ((broken["drug_group"] == "benzodiazepines") & (broken["year"] == 2022)
            & (broken["measure"] == "deaths") & (broken["sex"] == "all")
            & (broken["age_group"] == "all"))
    broken.loc[mask, "value"] = 10_965
    failures = nida.EDITION_CHECKS[1].check({nida.TABLE: broken})
    assert failures == ["nida_national drug_group=benzodiazepines, year=2022: expected 10,964, "
                        "found [10965.0]"]


@pytest.mark.raw
def test_real_releases_agree_on_every_cell_of_1999_2021(release_2023, real_result) -> None:
    revisions = vintages.vintage_revisions(release_2023.tables, real_result.tables)[nida.TABLE]
    assert revisions["overlap"] == "1999–2021"
    assert (revisions["cells_compared"], revisions["cells_revised"],
            revisions["rows_removed"]) == (9131, 0, 0)
    assert nida.EDITION_CHECKS[0].check(release_2023.tables) == []
    assert len(release_2023.tables[nida.TABLE]) == 9131 and release_2023.rows_in == 9683


@pytest.mark.raw
def test_real_2019_share_stays_anchored_to_2019_in_the_2024_release(real_table) -> None:
    deaths = {g: value(real_table, measure="deaths", year=2019, drug_group=g).value
              for g in ("benzodiazepines_with_any_opioid", "any_opioid")}
    assert round(100 * deaths["benzodiazepines_with_any_opioid"] / deaths["any_opioid"], 1) == 16.6


@pytest.mark.raw
def test_real_2024_release_known_errors_are_flagged(real_result) -> None:
    text = "\n".join(real_result.warnings)
    assert f"{nida.RELEASE_2024.name}, sheet 'Number Drug OD Deaths', " \
           "rx_opioids_with_synthetic_opioids female/male 2021" in text
    assert "nida-stimulants-2022-sex-sum" in text
    assert nida.RELEASE_2023.name not in text  # warnings name the release read

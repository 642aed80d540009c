"""Tests for etl/wonder.py: the general WONDER export parser on small quirk fixtures, the source
parser on the real exports (published sums from PROVENANCE.md), and bad input."""
from __future__ import annotations

import math
import shutil
from pathlib import Path

import pandas as pd
import pytest

from etl import wonder
from etl.source import SourceFormatError
from etl.tidy import validate_tidy
from tests.etl.harness import one

RAW_NAME = wonder.SOURCE.raw_folder


@pytest.fixture(scope="module")
def fx(fixtures_dir: Path) -> Path:
    return fixtures_dir / "wonder"


@pytest.fixture(scope="module")
def fixture_table(fx: Path) -> pd.DataFrame:
    return wonder.parse(fx).tables["wonder_mcd"]


@pytest.fixture(scope="module")
def real(raw_dir: Path):
    return wonder.parse(raw_dir / RAW_NAME)


def _copy(fx: Path, name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copy(fx / name, target)
    return target


def _edit(path: Path, old: bytes, new: bytes) -> None:
    data = path.read_bytes()
    assert old in data, f"fixture no longer contains {old!r}"
    path.write_bytes(data.replace(old, new, 1))


# --- general parser --------------------------------------------------------------------------

def test_reader_splits_data_totals_and_footer(fx: Path) -> None:
    export = wonder.read_wonder_export(fx / "national_month_total.txt")
    assert export.text_columns == ("Notes", "Month", "Month Code")
    assert export.numeric_columns == ("Deaths", "Population", "Crude Rate")
    assert len(export.data) == 3 and len(export.totals) == 1
    assert export.totals["Deaths"].iloc[0] == 4930
    # labels keep WONDER's trailing space; the Code column is clean
    assert export.data["Month"].iloc[0] == "Jan., 2020 "
    assert export.data["Month Code"].iloc[0] == "2020/01"
    assert set(export.data["Crude Rate Flag"]) == {"Not Applicable"}
    assert math.isnan(export.data["Crude Rate"].iloc[0])
    assert export.total_mismatches() == []
    footer = export.footer
    assert footer.dataset == "Multiple Cause of Death, 1999-2020"
    assert footer.group_by == ("Month",)
    assert footer.show_totals is True and footer.show_suppressed is True
    assert footer.query_date == "Apr 30, 2022 2:57:09 AM"
    assert footer.citation.startswith("Centers for Disease Control and Prevention")
    assert footer.citation.endswith("on Apr 30, 2022 2:57:09 AM")
    assert len(footer.caveats) == 2 and footer.caveats[1].endswith("#ICD-10 Changes.")


def test_reader_multiline_code_boxes_and_and_separator(fx: Path) -> None:
    opioid = wonder.read_wonder_export(fx / "residence_state_month.txt").footer
    assert len(opioid.mcd_boxes) == 2
    assert len(opioid.mcd_boxes[0]) == 16 and opioid.mcd_boxes[0][:2] == ("X40", "X41")
    assert opioid.mcd_boxes[1] == ("T40.0", "T40.1", "T40.2", "T40.3", "T40.4", "T40.6")
    alcohol = wonder.read_wonder_export(fx / "alcohol_multiline_codes.txt").footer
    assert alcohol.mcd_boxes == (("F10.0", "T51.0", "T51.1", "T51.2", "T51.3", "T51.8", "T51.9",
                                  "X45", "X65", "Y15"),)
    assert wonder.compress_codes(opioid.mcd_boxes[0]) == "X40–X44, X60–X64, X85, Y10–Y14"


def test_reader_markers_messages_and_residence_state(fx: Path) -> None:
    export = wonder.read_wonder_export(fx / "state_year_suppressed_unreliable.txt")
    flags = dict(zip(export.data["State"] + export.data["Year Code"], export.data["Deaths Flag"]))
    assert flags["Connecticut2011"] == "Suppressed"
    wyoming = export.data[export.data["State Code"] == "56"].iloc[0]
    assert wyoming["Deaths"] == 12 and wyoming["Crude Rate Flag"] == "Unreliable"
    assert export.footer.show_totals is False  # "Disabled"
    assert export.footer.messages[0].startswith("1. Totals are not available")
    assert export.footer.messages[0].endswith("faq.html#Privacy.")
    residence = wonder.read_wonder_export(fx / "residence_state_month.txt")
    assert "Residence State Code" in residence.text_columns
    assert len(residence.totals) == 3  # two per-state totals and the grand total
    assert residence.total_mismatches() == []
    assert residence.footer.data_through == ("Deaths occurring through February 19, 2022 "
                                             "as of March 06, 2022")


# --- source parser on fixtures ----------------------------------------------------------------

def test_fixture_table_validates(fixture_table: pd.DataFrame) -> None:
    validate_tidy(fixture_table)
    assert wonder.checks({"wonder_mcd": fixture_table}) == []
    assert set(fixture_table["source_id"]) == {"cdc_wonder"}


def test_suppressed_and_unreliable(fixture_table: pd.DataFrame) -> None:
    ct = fixture_table[(fixture_table["geo_fips"] == "09") & (fixture_table["year"] == 2011)]
    deaths = one(ct, measure="deaths")
    assert deaths["suppressed"] and math.isnan(deaths["value"])
    assert one(ct, measure="crude_rate")["suppressed"]
    assert one(ct, measure="population")["value"] == 3580709
    wy = fixture_table[(fixture_table["geo_fips"] == "56") & (fixture_table["year"] == 2019)]
    assert one(wy, measure="deaths")["value"] == 12
    rate = one(wy, measure="crude_rate")
    assert rate["unreliable"] and math.isnan(rate["value"]) and not rate["suppressed"]
    assert rate["note"] == "rate hidden by WONDER: fewer than 20 deaths"
    assert rate["unit"] == "deaths per 100,000 population, crude"
    al = one(fixture_table, geo_fips="01", year=2020, measure="deaths")
    assert al["geo_name"] == "Alabama" and al["geo_level"] == "state" and al["value"] == 96


def test_drug_group_and_definition_come_from_footer(fixture_table: pd.DataFrame) -> None:
    by_file = fixture_table.groupby("source_file")[["drug_group", "definition"]].first()
    assert by_file.loc["national_month_total.txt"].tolist() == ["cocaine", "mcd_overdose"]
    assert by_file.loc["residence_state_month.txt"].tolist() == ["any_opioid", "mcd_overdose"]
    assert by_file.loc["alcohol_multiline_codes.txt"].tolist() == ["alcohol", "mcd_alcohol_any"]
    codes = one(fixture_table, source_file="residence_state_month.txt", geo_fips="01", month=1)
    assert codes["icd10_codes"] == "MCD X40–X44, X60–X64, X85, Y10–Y14 AND MCD T40.0–T40.4, T40.6"


def test_national_month_drops_total_and_uses_codes(fixture_table: pd.DataFrame) -> None:
    cocaine = fixture_table[fixture_table["drug_group"] == "cocaine"]
    assert len(cocaine) == 3  # no Total row, no Not Applicable rate/population rows
    assert set(cocaine["geo_fips"]) == {"00"} and set(cocaine["geo_name"]) == {"United States"}
    assert cocaine["month"].tolist() == [1, 2, 3] and cocaine["value"].sum() == 4930


def test_provisional_and_partial(fixture_table: pd.DataFrame) -> None:
    benzo = fixture_table[(fixture_table["drug_group"] == "benzodiazepines")
                          & (fixture_table["geo_fips"] == "00")]
    assert benzo["provisional"].all()
    dec = one(benzo, year=2021, month=12)
    assert "partial" not in dec["note"] and "through February 19, 2022" in dec["note"]
    # the footer marks all of 2022 "provisional and partial", so January counts as partial too
    for month in (1, 2):
        assert "partial period" in one(benzo, year=2022, month=month)["note"]
    final = fixture_table[fixture_table["source_file"] == "state_year_suppressed_unreliable.txt"]
    assert not final["provisional"].any()


def test_hidden_suppressed_rows_warn_and_add_nothing(fx: Path) -> None:
    result = wonder.parse(fx)
    assert any(w.startswith("provisional_partial.txt: exported with suppressed")
               for w in result.warnings)
    assert len(result.warnings) == 1
    assert result.rows_in == 4 + 3 + 3 + 4 + 2


def test_no_footer_overdose_box_means_all_drugs(fx: Path, tmp_path: Path) -> None:
    path = _copy(fx, "national_month_total.txt", tmp_path)
    _edit(path, b'"MCD - ICD-10 Codes: AND"\r\n"MCD - ICD-10 Codes: T40.5 (Cocaine)"\r\n', b"")
    table = wonder.parse(tmp_path).tables["wonder_mcd"]
    assert set(table["drug_group"]) == {"all_drugs"}
    assert set(table["icd10_codes"]) == {"MCD X40–X44, X60–X64, X85, Y10–Y14"}


# --- real files -------------------------------------------------------------------------------

def test_real_files_all_listed(raw_dir: Path) -> None:
    found = {p.relative_to(raw_dir / RAW_NAME).as_posix()
             for p in (raw_dir / RAW_NAME).rglob("*.txt")}
    assert found == {f.name for f in wonder.SOURCE.files}
    assert all(len(f.sha256) == 64 for f in wonder.SOURCE.files)


def test_real_benzodiazepine_national_sums(real) -> None:
    table = real.tables["wonder_mcd"]
    benzo = table[(table["drug_group"] == "benzodiazepines") & (table["geo_fips"] == "00")
                  & (table["measure"] == "deaths")]
    by_year = benzo.groupby("year")["value"].sum()
    # PROVENANCE.md: sums of the monthly national rows
    assert by_year[2015] == 9125
    assert by_year[2019] == 10092
    assert by_year[2020] == 12684
    all_drugs = table[(table["drug_group"] == "all_drugs") & (table["geo_fips"] == "00")]
    assert all_drugs.groupby("year")["value"].sum()[2019] == 76083
    assert benzo[benzo["year"] == 2021]["provisional"].all()


def test_real_counts_flags_and_checks(real) -> None:
    table = validate_tidy(real.tables["wonder_mcd"])
    assert real.rows_in == 12652
    assert wonder.checks(real.tables) == []
    deaths = table[table["measure"] == "deaths"]
    per_file = deaths.groupby("source_file").size()
    assert per_file["Benz/State_Year.txt"] == 561
    assert per_file["SemiSynthetic/State_Year.txt"] == 556  # hidden rows stay missing
    assert per_file["All Opioids/State_Month_2.txt"] == 714  # 52 Total rows dropped
    assert deaths[deaths["source_file"] == "Benz/State_Year.txt"]["suppressed"].sum() == 48
    ct = one(deaths, source_file="Benz/State_Year.txt", geo_fips="09", year=2011)
    assert ct["suppressed"] and math.isnan(ct["value"])
    pop = table[table["measure"] == "population"]
    assert set(pop["period_type"]) == {"year"} and set(pop["geo_level"]) == {"state"}
    assert one(pop, source_file="Benz/State_Year.txt", geo_fips="01", year=2010)["value"] \
        == 4779736
    assert set(table[table["drug_group"] == "alcohol"]["definition"]) == {"mcd_alcohol_any"}
    assert len(real.warnings) == 12
    assert any(w.startswith("SemiSynthetic/State_Year.txt:") for w in real.warnings)


@pytest.mark.raw
def test_real_withheld_provisional_months_say_so(real) -> None:
    """WONDER marks every state 'Suppressed' in Oct 2021 – Feb 2022 (etl/corrections.csv): still
    suppressed, but the note does not claim 1–9 deaths."""
    deaths = real.tables["wonder_mcd"]
    deaths = deaths[(deaths["source_file"] == "All Opioids/State_Month_2.txt")
                    & (deaths["measure"] == "deaths")]
    stamp = deaths["year"] * 100 + deaths["month"]
    withheld = deaths[stamp.between(202110, 202202)]
    assert len(withheld) == 255 and withheld["suppressed"].all()
    assert withheld["note"].str.startswith("suppressed by WONDER (provisional").all()
    assert withheld["note"].str.contains("withheld by WONDER for every state").all()
    assert not deaths.loc[stamp < 202109, "note"].str.contains("withheld by WONDER for").any()
    september = deaths[stamp == 202109]
    assert len(september) == 51 and september["note"].str.contains("incomplete month").all()
    assert any("wonder-provisional-states-withheld" in w for w in real.warnings)


# --- bad input --------------------------------------------------------------------------------

def test_truncated_without_footer(fx: Path, tmp_path: Path) -> None:
    path = _copy(fx, "national_month_total.txt", tmp_path)
    lines = path.read_bytes().split(b"\r\n")
    path.write_bytes(b"\r\n".join(lines[:3]) + b"\r\n")
    with pytest.raises(SourceFormatError, match=r"national_month_total\.txt, line 3: no footer"):
        wonder.read_wonder_export(path)


def test_truncated_mid_row(fx: Path, tmp_path: Path) -> None:
    path = _copy(fx, "state_year_suppressed_unreliable.txt", tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[:data.index(b"4921532") + 3])
    with pytest.raises(SourceFormatError, match=r"line 3: wrong number of tab-separated fields"
                                                r" .*expected 8, found 7"):
        wonder.read_wonder_export(path)
    path.write_bytes(data[:data.index(b'"2020 "') + 4])
    with pytest.raises(SourceFormatError, match=r"line 3: unbalanced quote"):
        wonder.read_wonder_export(path)


def test_renamed_column(fx: Path, tmp_path: Path) -> None:
    path = _copy(fx, "national_month_total.txt", tmp_path)
    _edit(path, b"\tDeaths\t", b"\tDeath count\t")
    with pytest.raises(SourceFormatError, match=r"national_month_total\.txt, line 1, "
                                                r"column 'Deaths': missing column"):
        wonder.parse(tmp_path)


def test_footer_without_dataset(fx: Path, tmp_path: Path) -> None:
    path = _copy(fx, "national_month_total.txt", tmp_path)
    _edit(path, b'"Dataset: Multiple Cause of Death, 1999-2020"\r\n', b"")
    with pytest.raises(SourceFormatError, match=r"line 6: footer has no 'Dataset:' line"):
        wonder.read_wonder_export(path)


def test_footer_unknown_drug_code(fx: Path, tmp_path: Path) -> None:
    path = _copy(fx, "national_month_total.txt", tmp_path)
    _edit(path, b"T40.5 (Cocaine)", b"T42.3 (Barbiturates)")
    with pytest.raises(SourceFormatError,
                       match=r"line 26: unknown MCD code selection .*found "
                             r"MCD X40–X44, X60–X64, X85, Y10–Y14 AND MCD T42\.3"):
        wonder.parse(tmp_path)


def test_unknown_dataset(fx: Path, tmp_path: Path) -> None:
    path = _copy(fx, "national_month_total.txt", tmp_path)
    _edit(path, b"Dataset: Multiple Cause of Death", b"Dataset: Natality")
    with pytest.raises(SourceFormatError, match=r"line 7: unknown WONDER dataset"):
        wonder.parse(tmp_path)


def test_utf16_file(fx: Path, tmp_path: Path) -> None:
    path = tmp_path / "utf16.txt"
    path.write_bytes((fx / "national_month_total.txt").read_text().encode("utf-16"))
    with pytest.raises(SourceFormatError, match=r"utf16\.txt, line 1: wrong text encoding "
                                                r"\(expected UTF-8 \(ASCII\), found UTF-16"):
        wonder.read_wonder_export(path)


def test_latin1_bytes(fx: Path, tmp_path: Path) -> None:
    path = _copy(fx, "state_year_suppressed_unreliable.txt", tmp_path)
    _edit(path, b'"Wyoming"', '"Wyomíng"'.encode("latin-1"))
    with pytest.raises(SourceFormatError, match=r"line 5: wrong text encoding .*b'\\xed'"):
        wonder.read_wonder_export(path)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    with pytest.raises(SourceFormatError, match=r"empty\.txt, line 1: file is empty"):
        wonder.read_wonder_export(path)


def test_duplicate_row(fx: Path, tmp_path: Path) -> None:
    path = _copy(fx, "national_month_total.txt", tmp_path)
    row = b'\t"Feb., 2020 "\t"2020/02"\t1563\tNot Applicable\tNot Applicable\r\n'
    _edit(path, row, row + row)
    with pytest.raises(SourceFormatError, match=r"line 4: duplicate data row .*as line 3"):
        wonder.read_wonder_export(path)


def test_text_in_deaths(fx: Path, tmp_path: Path) -> None:
    path = _copy(fx, "national_month_total.txt", tmp_path)
    _edit(path, b"\t1563\t", b"\tabout 1500\t")
    with pytest.raises(SourceFormatError, match=r"line 3, column 'Deaths': not a number "
                                                r".*found 'about 1500'"):
        wonder.read_wonder_export(path)


def test_total_row_mismatch(fx: Path, tmp_path: Path) -> None:
    path = _copy(fx, "national_month_total.txt", tmp_path)
    _edit(path, b'"Total"\t\t\t4930\t', b'"Total"\t\t\t4990\t')
    with pytest.raises(SourceFormatError, match=r"line 5: Total row does not match"):
        wonder.parse(tmp_path)


def test_unknown_state(fx: Path, tmp_path: Path) -> None:
    path = _copy(fx, "state_year_suppressed_unreliable.txt", tmp_path)
    _edit(path, b'"Wyoming"\t"56"', b'"Wyoming"\t"57"')
    with pytest.raises(SourceFormatError, match=r"line 5, column 'State Code': unknown state"):
        wonder.parse(tmp_path)


def test_final_and_provisional_overlap_raises(fx: Path, tmp_path: Path) -> None:
    shutil.copy(fx / "provisional_partial.txt", tmp_path / "final.txt")
    _edit(tmp_path / "final.txt", b"Provisional Mortality Statistics, 2018 through Last Month",
          b"Multiple Cause of Death, 1999-2020")
    shutil.copy(fx / "provisional_partial.txt", tmp_path / "provisional.txt")
    with pytest.raises(SourceFormatError, match=r"provisional\.txt, line 2: same number "
                                                r"published twice .*also in final\.txt line 2"):
        wonder.parse(tmp_path)

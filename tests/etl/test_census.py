"""Tests for etl/census.py: Latin-1 fixture, the real file's check values, bad input."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from etl import census
from etl.census import parse, read_popest
from etl.registry import DRUG_GROUPS
from etl.source import SourceFormatError
from etl.tidy import validate_tidy

FIXTURE = "states_latin1.csv"


@pytest.fixture()
def fixture_copy(fixtures_dir: Path, tmp_path: Path) -> Path:
    """The Latin-1 fixture (51 states, one county each) under the publisher's file name."""
    target = tmp_path / census.FILE_NAME
    shutil.copy(fixtures_dir / "census" / FIXTURE, target)
    return target


@pytest.fixture()
def real_copy(raw_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / census.FILE_NAME
    shutil.copy(raw_dir / census.SOURCE.raw_folder / census.FILE_NAME, target)
    return target


def edit_text(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_bytes().decode("latin-1")
    assert old in text
    path.write_bytes(text.replace(old, new, count).encode("latin-1"))


# --- metadata ---------------------------------------------------------------------------------

def test_source_metadata() -> None:
    source = census.SOURCE
    assert source.id == "census_popest" and source.vintage == "Vintage 2024"
    assert source.files[0].url.endswith("co-est2024-alldata.csv")
    assert len(source.files[0].sha256) == 64
    assert source.tables[0].name == "census_population" and source.tables[0].title
    assert DRUG_GROUPS["not_applicable"].label == "Not drug-specific"


# --- fixture ----------------------------------------------------------------------------------

def test_fixture_tidy_shape(fixture_copy: Path) -> None:
    result = parse(fixture_copy.parent)
    table = validate_tidy(result.tables["census_population"])
    assert len(table) == 52 * 5 and result.rows_in == 102
    assert set(table["measure"]) == {"population"} and set(table["unit"]) == {"persons"}
    assert set(table["drug_group"]) == {"not_applicable"}
    assert set(table["definition"]) == {"population_estimate"}
    assert set(table["year"]) == set(census.YEARS)
    nation = table[table["geo_fips"] == "00"]
    assert set(nation["geo_level"]) == {"nation"} and set(nation["geo_name"]) == {"United States"}
    assert nation["note"].str.contains("sum of 50 states and DC").all()
    states_2020 = table[(table["geo_level"] == "state") & (table["year"] == 2020)]
    assert nation[nation["year"] == 2020]["value"].item() == states_2020["value"].sum()
    assert table.loc[(table["geo_fips"] == "09") & (table["year"] == 2020), "geo_name"].item() \
        == "Connecticut"


def test_fixture_latin1_names_read_correctly(fixture_copy: Path) -> None:
    frame = read_popest(fixture_copy)
    assert "Doña Ana County" in frame["CTYNAME"].tolist()
    assert frame["STATE"].iloc[0] == "01"  # leading zero kept


# --- the real file ----------------------------------------------------------------------------

@pytest.mark.raw
def test_real_file_check_values(raw_dir: Path) -> None:
    folder = raw_dir / census.SOURCE.raw_folder
    result = parse(folder)
    table = validate_tidy(result.tables["census_population"])
    assert result.rows_in == 3_195 and len(table) == 260
    value = table.loc[(table["geo_fips"] == "01") & (table["year"] == 2020), "value"]
    assert value.item() == 5_033_094
    nation = table[table["geo_fips"] == "00"].set_index("year")["value"]
    assert nation[2020] == 331_577_720 and nation[2024] == 340_110_988
    assert census.checks(result.tables) == []


@pytest.mark.raw
def test_real_file_is_latin1_not_utf8(raw_dir: Path) -> None:
    path = raw_dir / census.SOURCE.raw_folder / census.FILE_NAME
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    frame = read_popest(path)
    assert "Doña Ana County" in frame["CTYNAME"].tolist()


# --- bad input --------------------------------------------------------------------------------

@pytest.mark.raw
def test_utf8_resaved_file_fails_instead_of_corrupting(real_copy: Path) -> None:
    real_copy.write_bytes(real_copy.read_bytes().decode("latin-1").encode("utf-8"))
    with pytest.raises(SourceFormatError) as err:
        parse(real_copy.parent)
    message = str(err.value)
    assert "re-saved as UTF-8" in message and "Latin-1" in message
    assert "line 1838" in message  # Doña Ana County, New Mexico


def test_utf16_file_fails_clearly(fixture_copy: Path) -> None:
    fixture_copy.write_bytes(fixture_copy.read_bytes().decode("latin-1").encode("utf-16"))
    with pytest.raises(SourceFormatError, match="UTF-16") as err:
        parse(fixture_copy.parent)
    assert census.FILE_NAME in str(err.value) and "line 1" in str(err.value)


@pytest.mark.raw
def test_truncated_mid_line(real_copy: Path) -> None:
    data = real_copy.read_bytes()
    real_copy.write_bytes(data[: len(data) - 200])
    with pytest.raises(SourceFormatError) as err:
        parse(real_copy.parent)
    message = str(err.value)
    assert "line 3196" in message and "wrong number of fields" in message


def test_truncated_at_line_end(fixture_copy: Path) -> None:
    lines = fixture_copy.read_bytes().split(b"\n")
    fixture_copy.write_bytes(b"\n".join(lines[:-2]) + b"\n")  # drop Wyoming's county
    with pytest.raises(SourceFormatError) as err:
        parse(fixture_copy.parent)
    assert "state 56" in str(err.value) and "do not add up" in str(err.value)


def test_renamed_population_column(fixture_copy: Path) -> None:
    edit_text(fixture_copy, "POPESTIMATE2022", "POPEST2022")
    with pytest.raises(SourceFormatError) as err:
        parse(fixture_copy.parent)
    message = str(err.value)
    assert "line 1" in message and "column 'POPESTIMATE2022'" in message
    assert "renamed" in message


def test_renamed_state_column(fixture_copy: Path) -> None:
    edit_text(fixture_copy, ",STATE,", ",STATEFP,")
    with pytest.raises(SourceFormatError, match="column 'STATE'"):
        parse(fixture_copy.parent)


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / census.FILE_NAME).write_bytes(b"")
    with pytest.raises(SourceFormatError, match="file is empty") as err:
        parse(tmp_path)
    assert census.FILE_NAME in str(err.value)


def test_duplicate_state_row(fixture_copy: Path) -> None:
    lines = fixture_copy.read_bytes().split(b"\n")
    fixture_copy.write_bytes(b"\n".join([*lines[:2], lines[1], *lines[2:]]))
    with pytest.raises(SourceFormatError) as err:
        parse(fixture_copy.parent)
    assert "state 01 appears twice (lines 2 and 3)" in str(err.value)


def test_year_out_of_range(fixture_copy: Path) -> None:
    edit_text(fixture_copy, "POPESTIMATE2020", "POPESTIMATE1990")
    with pytest.raises(SourceFormatError) as err:
        parse(fixture_copy.parent)
    message = str(err.value)
    assert "year out of range" in message and "column 'POPESTIMATE1990'" in message


def test_negative_population(fixture_copy: Path) -> None:
    edit_text(fixture_copy, "040,0,0,01,000,Alabama,Alabama,100000,",
              "040,0,0,01,000,Alabama,Alabama,-5,")
    with pytest.raises(SourceFormatError) as err:
        parse(fixture_copy.parent)
    message = str(err.value)
    assert "line 2" in message and "column 'POPESTIMATE2020'" in message and "'-5'" in message


def test_state_name_mismatch(fixture_copy: Path) -> None:
    edit_text(fixture_copy, "040,0,0,01,000,Alabama,", "040,0,0,01,000,Alaska,")
    with pytest.raises(SourceFormatError, match="expected Alabama, found Alaska"):
        parse(fixture_copy.parent)

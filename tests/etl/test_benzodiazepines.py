"""Tests for etl/benzodiazepines.py and its list: the reviewed rows, exact and whole-word
matching and their traps, counting each death once, small-cell suppression, and the real texts."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.errors
import pytest

from etl import benzodiazepines as benzos
from etl.benzodiazepines import (CO_INVOLVEMENT, NamedBenzodiazepineSchema, counted_drugs,
                                 load_registry, named_counts)
from etl.source import SourceFormatError

REGISTRY = load_registry()
HEADER = ",".join(benzos.REGISTRY_COLUMNS)


def names(text: str) -> list[str]:
    return [m.entry.name for m in REGISTRY.find_in_text(text)]


# --- the list ---------------------------------------------------------------------------------

def test_every_row_is_classified_with_a_source() -> None:
    entries = REGISTRY.entries.values()
    assert {e.drug_class for e in entries} == set(benzos.CLASSES)
    assert all(e.source and e.label for e in entries)
    for entry in entries:
        if entry.parent:
            assert REGISTRY.entries[entry.parent].drug_class in ("prescription", "designer")
    # Metabolites of several drugs have no parent.
    for ambiguous in ("nordiazepam", "desalkylflurazepam"):
        assert REGISTRY.entries[ambiguous].parent == ""
    assert REGISTRY.entries["oxazepam"].drug_class == "prescription"
    assert "metabolite of diazepam" in REGISTRY.entries["temazepam"].note


def test_brands_and_etizolam() -> None:
    brands = {b: e.name for e in REGISTRY.entries.values() for b in e.brands}
    assert {brands[b] for b in ("Klonopin", "Xanax", "Valium", "Ativan", "Restoril", "Halcion",
                                "Librium")} == {"clonazepam", "alprazolam", "diazepam",
                                                "lorazepam", "temazepam", "triazolam",
                                                "chlordiazepoxide"}
    etizolam = REGISTRY.entries["etizolam"]
    assert etizolam.drug_class == "designer" and "thienodiazepine" in etizolam.note
    assert "federalregister.gov" in etizolam.source


@pytest.mark.parametrize("row, column, problem", [
    ("Clonazepam,Clonazepam,prescription,,,,,,x", "name", "lower case"),
    ("lorazepam,Lorazepam,prescribed,,,,,,x", "class", "unknown class"),
    ("lorazepam,Lorazepam,prescription,,,,,,", "source", "required cell is empty"),
    ("lorazepam,Lorazepam,prescription,clonazepam,,,,,x", "parent", "only a metabolite"),
    ("7-aminoclonazepam,7-AC,metabolite,klonopin,,,,,x", "parent", "must be a prescription"),
    ("diazepam,Diazepam,prescription,,,clonazepam,,,x", "spellings", "already names"),
])
def test_malformed_list_names_line_and_column(tmp_path: Path, row: str, column: str,
                                              problem: str) -> None:
    path = tmp_path / "list.csv"
    first = "" if row.startswith("Clonazepam") else "clonazepam,Clonazepam,prescription,,,,,,x\n"
    path.write_text(f"{HEADER}\n{first}{row}\n")
    with pytest.raises(SourceFormatError) as err:
        load_registry(path)
    message = str(err.value)
    assert f"column {column!r}" in message and problem in message and "line " in message


def test_list_with_another_header_or_a_repeated_name(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("name,class\nclonazepam,prescription\n")
    with pytest.raises(SourceFormatError, match="header differs"):
        load_registry(path)
    path.write_text(f"{HEADER}\nclonazepam,C,prescription,,,,,,x\nclonazepam,C,prescription,,,,,,x\n")
    with pytest.raises(SourceFormatError, match="already on line 2"):
        load_registry(path)


# --- exact names (one drug per field) ---------------------------------------------------------

def test_exact_names_never_match_a_part() -> None:
    assert REGISTRY.lookup("Flubromazolam").name == "flubromazolam"
    assert REGISTRY.lookup("Bromazolam").name == "bromazolam"
    seven = REGISTRY.lookup(" 7-Aminoclonazepam ")
    assert seven.name == "7-aminoclonazepam" and REGISTRY.counted_as(seven).name == "clonazepam"
    assert not REGISTRY.lookup("Benzoylecgonine").is_benzodiazepine
    assert REGISTRY.lookup("Clonazepam ODT") is None
    assert REGISTRY.lookup("Chlorodiazepam").name == "diclazepam"


def test_a_drug_named_twice_counts_once() -> None:
    mentions = pd.DataFrame({"record_id": [1, 1, 1, 2],
                             "benzodiazepine": ["clonazepam", "7-aminoclonazepam", "clonazepam",
                                                "nordiazepam"]})
    assert counted_drugs(mentions).values.tolist() == [[1, "clonazepam"], [2, "nordiazepam"]]


# --- free text --------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("Acute intoxication due to fentanyl and flubromazolam", ["flubromazolam"]),
    ("Combined effects of Fentanyl, Bromazolam, Flubromazolam", ["bromazolam", "flubromazolam"]),
    ("Combined Effects of 7-Amino Clonazepam and Fentanyl", ["7-aminoclonazepam"]),
    ("Clonazepam, 7- Amino Clonazepam, and Cocaine", ["clonazepam", "7-aminoclonazepam"]),
    ("Fentanyl, 7 Amino-Clonazepam, Alprazolam", ["7-aminoclonazepam", "alprazolam"]),
    ("Cocaine and Benzoylecgonine", []),
    ("Combined Effects ofClonazepam, andLorazepam", ["clonazepam", "lorazepam"]),
    ("Alrpazolam and Diazapam Toxicity", ["alprazolam", "diazepam"]),
    ("Diltiazepam, Alprazolam, Trazodone", ["alprazolam"]),
    ("Olanzapine, Mirtazapine and Carbamazepine", []),
    ("Acute Fentanyl and Benzodiazepine Intoxication", ["benzodiazepines"]),
    ("ACUTE ETIZOLAM INTOXICATION", ["etizolam"]),
    ("Alpha-Hydroxyalprazolam", ["alpha-hydroxyalprazolam"]),
])
def test_whole_words_longest_first(text: str, expected: list[str]) -> None:
    assert names(text) == expected


def test_brand_names_are_reported_not_counted() -> None:
    assert names("Acute Xanax and Fentanyl Toxicity") == []
    assert REGISTRY.brands_in_text("Acute Xanax and Fentanyl Toxicity") == ["xanax"]


def test_unknown_benzodiazepine_like_words_are_reported() -> None:
    text = "Fentanyl, Gidazepam, alprazolam-related, benzyl fentanyl and Clonazepam"
    assert REGISTRY.unknown_lookalikes(text) == ["gidazepam", "alprazolam-related"]
    assert names(text) == ["clonazepam"]


# --- counting ---------------------------------------------------------------------------------

def synthetic(groups: list[tuple[int, str | None, bool, int]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(year, drug or None, fentanyl, deaths) -> deaths and counted frames."""
    deaths, counted, rid = [], [], 0
    for year, drug, fentanyl, n in groups:
        for _ in range(n):
            rid += 1
            deaths.append((rid, year, fentanyl))
            if drug:
                counted.append((rid, drug))
    return (pd.DataFrame(deaths, columns=["record_id", "year", "fentanyl"]),
            pd.DataFrame(counted, columns=["record_id", "drug"]))


def counts(**kwargs) -> pd.DataFrame:
    deaths, counted = synthetic([(2020, "alprazolam", True, 10), (2020, "alprazolam", False, 2),
                                 (2020, "etizolam", True, 15), (2020, None, False, 40),
                                 (2021, "etizolam", True, 12), (2021, None, True, 30)])
    table = named_counts(deaths, counted, source_id="test", source_file="test.csv",
                         definition="county_me_accidental", geo_level="county",
                         geo_fips="42003", geo_name="Test County", **kwargs)
    return NamedBenzodiazepineSchema.validate(table, lazy=True)


def value(table: pd.DataFrame, drug: str, year: int, split: str = "all") -> float:
    row = table[(table["drug"] == drug) & (table["year"] == year)
                & (table["co_involvement"] == split)]
    assert len(row) == 1
    return row["value"].iloc[0]


def test_counts_zeros_and_groups() -> None:
    table = counts()
    assert value(table, "all_deaths", 2020) == 67 and value(table, "any_benzodiazepine", 2020) == 27
    assert value(table, "etizolam", 2020) == 15 and value(table, "etizolam", 2020,
                                                          "without_fentanyl") == 0
    assert value(table, "alprazolam", 2021) == 0  # a true zero, shown
    assert value(table, "any_designer", 2021) == 12
    assert value(table, "any_prescription", 2020) == 12
    assert set(table["co_involvement"]) == set(CO_INVOLVEMENT)
    assert table.loc[table["drug"] == "etizolam", "drug_group"].eq("illegal_benzodiazepines").all()
    assert table.loc[table["drug"] == "alprazolam", "level"].eq("drug").all()


def test_small_counts_and_their_complement_are_hidden() -> None:
    table = counts()
    # Alprazolam 2020: 12 = 10 with fentanyl + 2 without; hiding the 2 alone would leave 12 − 10.
    rows = table[(table["drug"] == "alprazolam") & (table["year"] == 2020)].set_index(
        "co_involvement")
    assert rows["suppressed"].to_dict() == {"all": False, "with_fentanyl": True,
                                            "without_fentanyl": True}
    assert rows.loc["all", "value"] == 12 and rows.loc["with_fentanyl", "value"] != 10
    assert rows.loc["without_fentanyl", "note"] == benzos.SUPPRESSED_NOTE
    assert rows.loc["with_fentanyl", "note"] == benzos.COMPLEMENT_NOTE
    assert not table["value"].between(1, 9).any()


def test_partial_year_and_year_notes() -> None:
    table = counts(partial=(2021, pd.Timestamp("2021-04-05")),
                   year_notes={2020: "text rarely names drugs"})
    assert table.groupby("year")["partial_period"].all().to_dict() == {2020: False, 2021: True}
    assert table.loc[table["year"] == 2021, "note"].str.startswith(
        "partial year: the file's deaths stop on 5 April 2021").all()
    assert table.loc[table["year"] == 2020, "note"].str.contains("text rarely names drugs").all()


def test_latest_partial_year() -> None:
    dates = pd.Series(pd.to_datetime(["2023-05-01", "2024-04-05"]))
    assert benzos.latest_partial_year(dates) == (2024, pd.Timestamp("2024-04-05"))
    assert benzos.latest_partial_year(pd.Series(pd.to_datetime(["2022-12-31"]))) is None
    assert benzos.latest_partial_year(pd.Series(pd.to_datetime(["2022-12-20"]))) is None


def test_schema_rejects_a_shown_small_count_and_a_split_that_does_not_add_up() -> None:
    table = counts()
    shown_small = table.copy()
    row = shown_small.index[(shown_small["drug"] == "alprazolam")
                            & (shown_small["co_involvement"] == "without_fentanyl")
                            & (shown_small["year"] == 2020)][0]
    shown_small.loc[row, ["value", "suppressed"]] = [2.0, False]
    with pytest.raises(pandera.errors.SchemaErrors, match="never shown"):
        NamedBenzodiazepineSchema.validate(shown_small, lazy=True)
    broken = table.copy()
    row = broken.index[(broken["drug"] == "etizolam") & (broken["co_involvement"] == "all")
                       & (broken["year"] == 2020)][0]
    broken.loc[row, "value"] = 16.0
    with pytest.raises(pandera.errors.SchemaErrors, match="with \\+ without fentanyl"):
        NamedBenzodiazepineSchema.validate(broken, lazy=True)


# --- Connecticut's real text ------------------------------------------------------------------

@pytest.fixture(scope="module")
def ct_text(raw_dir: Path) -> pd.Series:
    from etl import ct_ocme  # noqa: PLC0415
    frame = pd.read_csv(raw_dir / ct_ocme.SOURCE.raw_folder / ct_ocme.FILE_NAME, dtype=str,
                        keep_default_na=False)
    return pd.concat([frame[c] for c in ct_ocme.TEXT_COLUMNS], ignore_index=True)


@pytest.mark.raw
def test_every_benzodiazepine_like_word_of_connecticut_is_reviewed(ct_text: pd.Series) -> None:
    unknown = sorted({w for text in ct_text for w in REGISTRY.unknown_lookalikes(text)})
    assert unknown == []
    assert not any(REGISTRY.brands_in_text(text) for text in ct_text)


@pytest.mark.raw
def test_connecticut_spellings_are_read(ct_text: pd.Series) -> None:
    matched = {(m.entry.name, m.matched) for text in ct_text for m in REGISTRY.find_in_text(text)}
    for pair in [("alprazolam", "alrpazolam"), ("clonazepam", "clonzepam"),
                 ("diazepam", "diazapam"), ("7-aminoclonazepam", "7-amino clonazepam"),
                 ("chlordiazepoxide", "cholordiazepine"), ("bromazolam", "bromazolam"),
                 ("flubromazolam", "flubromazolam"), ("etizolam", "etizolam")]:
        assert pair in matched
    # A name hidden in a longer one is never read as that name.
    assert not any(m.entry.name == "bromazolam" and "flubromazolam" in text.lower()
                   and text.lower().count("bromazolam") == 1
                   for text in ct_text for m in REGISTRY.find_in_text(text))

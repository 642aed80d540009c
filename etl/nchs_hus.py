"""NCHS Health, United States: drug overdose death rates by drug type, sex, age, race and Hispanic
origin, United States, 1999–2018 (data.cdc.gov 95ax-ymtc).

National age-adjusted and crude death rates for all drug overdoses and for opioid subgroups
(any opioid, natural and semisynthetic, methadone, synthetic other than methadone, heroin), by
sex, age group, race and Hispanic origin. It is the official demographic context for the
opioid comparison series. Rates only, no counts, and no benzodiazepine panel.

Definition: underlying cause of death X40–X44, X60–X64, X85, Y10–Y14 (`ucd_overdose`); drug type
from the multiple-cause T-codes.
"""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from etl.registry import US_FIPS
from etl.csvfile import read_rows
from etl.source import ParseResult, RawFile, Source, SourceFormatError, TableSpec
from etl.tidy import tidy_frame
from etl.vintages import EditionCheck

RAW_NAME = "CDC_drug_overdose_deaths_raw_data.csv"
TABLE = "nchs_hus_rates"

SOURCE = Source(
    id="nchs_hus",
    title="Drug overdose death rates, by drug type, sex, age, race, and Hispanic origin: "
          "United States (Health, United States)",
    publisher="CDC, National Center for Health Statistics (Health, United States)",
    landing_url="https://data.cdc.gov/NCHS/Drug-overdose-death-rates-by-drug-type-sex-age-rac/"
                "95ax-ymtc",
    raw_folder="nchs_hus_drug_overdose_death_rates_95ax-ymtc",
    files=(
        RawFile(name=RAW_NAME,
                url="https://data.cdc.gov/api/views/95ax-ymtc/rows.csv?accessType=DOWNLOAD",
                sha256="a950f5686fa6e1553134d65ed2e6467b52c7e8893f20f0fe1875de206daab068",
                socrata_id="95ax-ymtc"),
    ),
    tables=(
        TableSpec(TABLE, "Drug overdose death rates by drug type and demographic group, "
                         "United States, 1999–2018",
                  "National age-adjusted and crude death rates for all drug overdoses and opioid "
                  "subgroups, by sex, age group, race and Hispanic origin (bridged race "
                  "1999–2018; single race 2018 only, labelled as such)."),
    ),
    coverage="United States (national only), 1999–2018",
    definitions=("ucd_overdose",),
    citation="National Center for Health Statistics. Health, United States: Drug overdose death "
             "rates, by drug type, sex, age, race, and Hispanic origin: United States. Dataset "
             "95ax-ymtc, data.cdc.gov.",
    vintage="1999–2018 (official data as served December 2025, re-saved by pandas)",
    released_from="not stated in the file; the copy is the dataset as data.cdc.gov served it in "
                  "December 2025 (committed to GitHub on 2025-12-17, PROVENANCE.md)",
    newer_data_url="https://wonder.cdc.gov/mcd-icd10-expanded.html",
    newer_data_note="This dataset ends in 2018 and has not been extended (PROVENANCE.md); newer "
                    "national rates by drug type are in CDC WONDER.",
    caveats=(
        "Rates only, national only; no benzodiazepine panel.",
        "Rates marked * do not meet NCHS reliability standards (fewer than 20 deaths): the "
        "publisher hides them; they are rows with no value, flagged unreliable.",
        "Bridged-race groups cover 1999–2018; single-race groups exist for 2018 only and carry "
        "the suffix ' (single race)': the two series must not be joined.",
        "Race groups of the 'Sex and race' stubs include persons of any Hispanic origin.",
        "The stored copy was re-saved by pandas with its index as a first column; the parser "
        "drops it and also reads the official file, which lacks it.",
    ),
)

# Raw column -> what the parser uses it for. Found by name; the leading unnamed pandas index
# column of the stored copy is ignored. Numeric codes (*_NUM) are never used as numbers.
COLUMNS: dict[str, str] = {
    "PANEL": "drug type (one of six panels)",
    "UNIT": "'Deaths per 100,000 resident population, age-adjusted' or '..., crude'",
    "STUB_NAME": "which demographic split: Total, Sex, Age, Sex and age, Sex and race, ...",
    "STUB_LABEL": "the group within the split, e.g. 'Male: Not Hispanic or Latino: White'",
    "YEAR": "calendar year of death",
    "AGE": "age group, 'All ages' for the non-age stubs",
    "ESTIMATE": "the rate; blank when FLAG is '*'",
    "FLAG": "'*' = does not meet NCHS standards of reliability",
}

PANELS: dict[str, str] = {
    "All drug overdose deaths": "all_drugs",
    "Drug overdose deaths involving any opioid": "any_opioid",
    "Drug overdose deaths involving natural and semisynthetic opioids":
        "natural_semisynthetic_opioids",
    "Drug overdose deaths involving methadone": "methadone",
    "Drug overdose deaths involving other synthetic opioids (other than methadone)":
        "synthetic_opioids",
    "Drug overdose deaths involving heroin": "heroin",
}
UNITS: dict[str, tuple[str, str]] = {
    "Deaths per 100,000 resident population, age-adjusted":
        ("age_adjusted_rate", "deaths per 100,000 population, age-adjusted"),
    "Deaths per 100,000 resident population, crude":
        ("crude_rate", "deaths per 100,000 population, crude"),
}
AGES: dict[str, str] = {
    "All ages": "all", "Under 15 years": "0-14", "15-24 years": "15-24", "25-34 years": "25-34",
    "35-44 years": "35-44", "45-54 years": "45-54", "55-64 years": "55-64",
    "65-74 years": "65-74", "75-84 years": "75-84", "85 years and over": "85+",
}
SEXES = {"Male": "male", "Female": "female"}
# Race as written after "Sex: " (race stubs) or "Sex: Not Hispanic or Latino: " (origin stubs).
RACES: dict[str, str] = {
    "White": "White", "Black or African American": "Black", "Black": "Black",
    "American Indian or Alaska Native": "American Indian or Alaska Native",
    "Asian or Pacific Islander": "Asian or Pacific Islander", "Asian": "Asian",
    "Native Hawaiian or Other Pacific Islander": "Native Hawaiian or Other Pacific Islander",
}
STUBS = ("Total", "Sex", "Age", "Sex and age", "Sex and race", "Sex and race and Hispanic origin")
SINGLE_RACE = " (single race)"
FLAG_NOTE = "does not meet NCHS reliability standards"
SINGLE_RACE_NOTE = "single-race category (2018 on); not comparable with bridged-race series"
ANY_ORIGIN_NOTE = "race group includes persons of any Hispanic origin"

# Published check values (Health, United States / NCHS Data Brief 356): age-adjusted rates.
CHECK_RATES: dict[tuple[str, int], float] = {
    ("all_drugs", 1999): 6.1, ("all_drugs", 2017): 21.7, ("all_drugs", 2018): 20.7,
    ("any_opioid", 2017): 14.9, ("synthetic_opioids", 2018): 9.9, ("heroin", 2018): 4.7,
}


def _read_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """Read the CSV strictly: UTF-8, known header, same field count on every line.

    The first header cell is empty in the stored copy (a pandas index column); the official
    export starts with INDICATOR. Both are accepted: columns are looked up by name.
    """
    return read_rows(path, COLUMNS, encoding_label='UTF-8')


def _lookup(mapping: dict[str, str], text: str, path: Path, line: int, column: str) -> str:
    if text not in mapping:
        raise SourceFormatError(path, "unknown category", line=line, column=column,
                                expected=" | ".join(mapping), found=repr(text))
    return mapping[text]


def _demographics(stub: str, label: str, age: str, path: Path, line: int
                  ) -> tuple[str, str, str]:
    """(sex, race_ethnicity, note) from a stub name and label, e.g. 'Sex and race' /
    'Male: White'. Age comes from the AGE column, so only its presence in the label is checked."""
    single_race = stub.endswith(SINGLE_RACE)
    base_stub = stub.removesuffix(SINGLE_RACE)
    if base_stub not in STUBS:
        raise SourceFormatError(path, "unknown stub", line=line, column="STUB_NAME",
                                expected=" | ".join(STUBS), found=repr(stub))
    parts = label.split(": ")
    bad = SourceFormatError(path, f"label does not fit stub {stub!r}", line=line,
                            column="STUB_LABEL", found=repr(label))
    if base_stub == "Total":
        if label != "All persons":
            raise bad
        return "all", "all", ""
    if base_stub == "Age":
        if label != age:
            raise bad
        return "all", "all", ""
    sex = _lookup(SEXES, parts[0], path, line, "STUB_LABEL")
    if base_stub == "Sex":
        return sex, "all", ""
    if base_stub == "Sex and age":
        if parts[1:] != [age]:
            raise bad
        return sex, "all", ""
    suffix = SINGLE_RACE if single_race else ""
    note = SINGLE_RACE_NOTE if single_race else ""
    if base_stub == "Sex and race":
        if len(parts) != 2:
            raise bad
        race = _lookup(RACES, parts[1], path, line, "STUB_LABEL")
        return sex, race + suffix, "; ".join(n for n in (ANY_ORIGIN_NOTE, note) if n)
    # Sex and race and Hispanic origin
    if parts[1:] == ["Hispanic or Latino", "All races"]:
        return sex, "Hispanic" + suffix, note
    if len(parts) != 3 or parts[1] != "Not Hispanic or Latino":
        raise bad
    race = _lookup(RACES, parts[2], path, line, "STUB_LABEL")
    return sex, f"Non-Hispanic {race}{suffix}", note


def _estimate(text: str, flag: str, path: Path, line: int) -> float:
    """The rate; NaN when flagged '*'. A flag with a value, or a blank without one, is an error."""
    if flag not in ("", "*"):
        raise SourceFormatError(path, "unknown flag", line=line, column="FLAG",
                                expected="'*' or blank", found=repr(flag))
    if flag == "*" or not text.strip():
        if flag != "*" or text.strip():
            raise SourceFormatError(path, "ESTIMATE and FLAG disagree", line=line,
                                    column="ESTIMATE",
                                    expected="a blank estimate exactly when FLAG is '*'",
                                    found=f"ESTIMATE={text!r}, FLAG={flag!r}")
        return math.nan
    try:
        value = float(text)
    except ValueError:
        raise SourceFormatError(path, "not a number", line=line, column="ESTIMATE",
                                expected="a rate per 100,000", found=repr(text)) from None
    if not 0 <= value <= 1000:
        raise SourceFormatError(path, "value out of range", line=line, column="ESTIMATE",
                                expected="a rate from 0 to 1,000 per 100,000", found=repr(text))
    return value


def parse(folder: Path) -> ParseResult:
    """Load the 95ax-ymtc CSV and turn each row (one rate) into one tidy row."""
    # Load
    path = folder / RAW_NAME
    rows = _read_rows(path)

    # Process
    out: list[dict[str, object]] = []
    seen: dict[tuple[str, ...], int] = {}
    for line, r in rows:
        key = (r["PANEL"], r["UNIT"], r["STUB_NAME"], r["STUB_LABEL"], r["YEAR"], r["AGE"])
        if key in seen:
            raise SourceFormatError(path, f"duplicate row (same as line {seen[key]})", line=line,
                                    expected="one row per PANEL, UNIT, STUB, YEAR, AGE",
                                    found=", ".join(key))
        seen[key] = line
        if r["UNIT"] not in UNITS:
            raise SourceFormatError(path, "unknown unit", line=line, column="UNIT",
                                    expected=" | ".join(UNITS), found=repr(r["UNIT"]))
        measure, unit = UNITS[r["UNIT"]]
        if not (r["YEAR"].isdigit() and 1999 <= int(r["YEAR"]) <= 2030):
            raise SourceFormatError(path, "year out of range", line=line, column="YEAR",
                                    expected="1999 to 2030", found=repr(r["YEAR"]))
        age = _lookup(AGES, r["AGE"], path, line, "AGE")
        sex, race, note = _demographics(r["STUB_NAME"], r["STUB_LABEL"], r["AGE"], path, line)
        value = _estimate(r["ESTIMATE"], r["FLAG"], path, line)
        flagged = math.isnan(value)
        out.append({
            "measure": measure, "unit": unit,
            "drug_group": _lookup(PANELS, r["PANEL"], path, line, "PANEL"),
            "year": int(r["YEAR"]), "sex": sex, "age_group": age, "race_ethnicity": race,
            "value": value, "unreliable": flagged,
            "note": "; ".join(n for n in (FLAG_NOTE if flagged else "", note) if n),
        })

    # Save
    table = tidy_frame(pd.DataFrame(out), source_id=SOURCE.id, source_file=RAW_NAME,
                       definition="ucd_overdose", geo_level="nation", geo_fips=US_FIPS,
                       geo_name="United States", period_type="year", suppressed=False,
                       provisional=False, predicted=False, censored=False)
    return ParseResult(tables={TABLE: table}, rows_in=len(rows))


def _published_rates(tables: dict[str, pd.DataFrame]) -> list[str]:
    t = tables[TABLE]
    failures: list[str] = []
    totals = t[(t["measure"] == "age_adjusted_rate") & (t["sex"] == "all")
               & (t["age_group"] == "all") & (t["race_ethnicity"] == "all")]
    for (group, year), expected in CHECK_RATES.items():
        found = totals.loc[(totals["drug_group"] == group) & (totals["year"] == year), "value"]
        if len(found) != 1 or found.iloc[0] != expected:
            failures.append(f"{TABLE}: {group} {year} age-adjusted rate: expected {expected}, "
                            f"found {found.tolist()}")
    return failures


EDITION_CHECKS: tuple[EditionCheck, ...] = (
    EditionCheck(SOURCE.files, "copy of December 2025: national age-adjusted rates (all drugs "
                 "1999 6.1, 2017 21.7, 2018 20.7; any opioid 2017 14.9; synthetic opioids 2018 "
                 "9.9; heroin 2018 4.7; Health, United States)", _published_rates),
)


def checks(tables: dict[str, pd.DataFrame]) -> list[str]:
    """What holds for every vintage: every panel has the same rows."""
    t = tables[TABLE]
    failures: list[str] = []
    # The six panels share one layout, so a file cut at a line boundary (which the parser's
    # field count cannot see) leaves the last panel short and fails here.
    cells = t.groupby("drug_group").size()
    if cells.nunique() != 1 or len(cells) != len(PANELS):
        failures.append(f"{TABLE} ({RAW_NAME}): incomplete file (truncated?): rows per panel "
                        f"{cells.to_dict()}")
    return failures

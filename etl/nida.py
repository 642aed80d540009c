"""NIDA "Drug Overdose Death Rates" data workbook: national overdose deaths by drug, from 1999.

Why it matters: the only published national series that splits benzodiazepine deaths into
"with any opioid" / "without any opioid" and "with / without synthetic opioids" (fentanyl), by
sex, for all ages and for ages 15–24. It is the source of NIDA's statement that about 16% of
opioid overdose deaths in 2019 also involved benzodiazepines (8,301 / 49,860).

Definition `ucd_overdose`: NIDA compiled the figures from CDC WONDER (final NCHS multiple-cause
data): deaths with an underlying cause of drug poisoning (X40–X44, X60–X64, X85, Y10–Y14), the
drug identified from the multiple-cause T-codes. The workbook is a set of presentation tables
(title rows, a year header, indented Female/Male sub-rows, footnote markers glued to labels),
read here by position.

Vintages: NIDA replaces the workbook when it updates its page (1999–2021 posted 19 January
2023; 1999–2022 of 2 May 2024), and the raw folder may hold several. The newest is read
(VINTAGES: latest last year of data, then latest release date, from the file name; the last
year is checked against the year header), and the build compares it cell by cell with the one
it supersedes. Published check values live in EDITION_CHECKS, one set per tested release.
"""
from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from etl import corrections
from etl.corrections import Correction, add_note
from etl.registry import US_FIPS
from etl.source import ParseResult, RawFile, Source, SourceFormatError, TableSpec
from etl.tidy import tidy_frame
from etl.vintages import EditionCheck, VintageRule, pinned

TABLE = "nida_national"
FILES_URL = "https://nida.nih.gov/sites/default/files/{name}"

# The releases this parser was tested on (raw PROVENANCE.md).
RELEASE_2023 = RawFile(
    name="Overdose_data_1999-2021 1.19.23.xlsx",
    url=FILES_URL.format(name="Overdose_data_1999-2021%201.19.23.xlsx"),
    sha256="1dc7da7fdb4a92bb7cdfb271e2b5a0fd5e7bde0134b727bdeca1bf3628c7305b",
)
RELEASE_2024 = RawFile(
    name="overdose_data_1999-2022_5.2.2024.xlsx",
    # URL pattern of the 2023 release; not confirmed online (PROVENANCE.md).
    url=FILES_URL.format(name="overdose_data_1999-2022_5.2.2024.xlsx"),
    sha256="2a52f7f42485af218e1520f88f21e9055830ae562247b1e03027dd34c9e08657",
    copy_note="not byte-identical to NIDA's download: re-saved by a third party (workbook "
              "properties: created by NIDA, last saved by the uploader on 2024-06-04, minutes "
              "before the GitHub commit it was taken from); cells read as NIDA's",
)
VINTAGES = VintageRule(
    glob="*.xlsx",
    pattern=r"overdose_data_(?P<first>\d{4})-(?P<last>\d{4})"
            r"(?:[ _]+(?P<month>\d{1,2})\.(?P<day>\d{1,2})\.(?P<year>\d{4}|\d{2}))?\.xlsx",
    naming="'Overdose_data_<first year>-<last year> <month>.<day>.<year>.xlsx' (NIDA's names: "
           "'Overdose_data_1999-2021 1.19.23.xlsx', 'overdose_data_1999-2022_5.2.2024.xlsx')",
    url_template=FILES_URL,
)

SOURCE = Source(
    id="nida_workbook",
    title="Drug Overdose Death Rates: national overdose deaths by drug (data workbook)",
    publisher="National Institute on Drug Abuse (NIDA), National Institutes of Health; "
              "data from CDC/NCHS, CDC WONDER Multiple Cause of Death",
    landing_url="https://nida.nih.gov/research-topics/trends-statistics/overdose-death-rates",
    raw_folder="nida_overdose_death_rates_workbook",
    files=(RELEASE_2023, RELEASE_2024),
    tables=(
        TableSpec(
            name=TABLE,
            title="NIDA national overdose deaths by drug, from 1999",
            description="Deaths and death rates (age-adjusted, all ages; crude, ages 15–24) by "
                        "drug and drug combination (including benzodiazepines with and without "
                        "opioids), by sex; age-adjusted rates by race and Hispanic origin. "
                        "United States, annual, final data.",
        ),
    ),
    coverage="United States, annual from 1999 to the last year of the release read; all ages "
             "(by sex) and ages 15–24 (by sex); age-adjusted rates by race and Hispanic origin "
             "for selected drugs",
    definitions=("ucd_overdose",),
    citation="National Institute on Drug Abuse. Drug Overdose Death Rates: data workbook "
             "(National Drug Overdose Deaths; source: CDC WONDER, Multiple Cause of Death). "
             "https://nida.nih.gov/research-topics/trends-statistics/overdose-death-rates "
             "(release named in the manifest's vintage).",
    caveats=(
        "National figures only; no state detail.",
        "Blank cells are 'unreliable or suppressed data' (workbook note): kept as missing "
        "values flagged suppressed, never zero.",
        "Rates of all ages are age-adjusted; rates for ages 15–24 are crude.",
        "The 'WITHOUT' rows are NIDA's differences (total minus 'AND' row); their rates carry "
        "floating-point artefacts and are rounded here to one decimal, as published.",
        "Known publisher errors (etl/corrections.csv), e.g. 2021 female/male counts of the "
        "prescription-opioid AND / WITHOUT synthetic-opioid rows contradict 2020 and the rates "
        "sheet: kept as published and flagged in `note` and the build warnings.",
        "Race and Hispanic origin: before 2018 Asian and Pacific Islander populations were "
        "combined (workbook note).",
        "NIDA replaces the file when it updates the page; the newest release in the raw "
        "folder is read and the manifest names it and the releases it supersedes.",
    ),
    newer_data_note="NIDA posts a new workbook when it updates the page; the file's name "
                    "changes, so download it from the page into the raw folder.",
)

# Layout the parser relies on (1-based Excel rows/columns), identical on every data sheet.
HEADER_ROW = 7  # year header; rows above it are titles and the source line
LABEL_COLUMN = 2  # B
FIRST_YEAR_COLUMN = 3  # C
COLUMNS: dict[str, str] = {
    "B": "row label: a drug or drug combination, a Female/Male sub-row, or (demographic sheet "
         "only) a race/Hispanic-origin row; footnote digits glued to the label",
    "C…": "one column per year from 1999, year number in row 7",
    "after the years": "'2015-2021 Fold Change' (a ratio, not a year): excluded",
    "name": "the release: years covered and release date (VINTAGES)",
}
FOLD_CHANGE = "fold change"  # text every non-year header cell after the years must contain
YEAR_RANGE = (1990, 2030)

BLANK_NOTE = "blank in workbook: unreliable or suppressed"
ZERO_RATE_NOTE = "rate shown as 0 in workbook (rounds to 0.0 per 100,000)"
ASIAN_NOTE = ("before 2018 this row covers Asian and Pacific Islander populations combined "
              "(workbook note)")
NHOPI_NOTE = ("before 2018 Pacific Islanders were combined with Asians (workbook note); "
              "see the Non-Hispanic Asian row")


@dataclass(frozen=True)
class SheetSpec:
    name: str
    measure: str
    unit: str
    age_group: str
    by_race: bool = False
    """The demographic sheet: race rows (with their own sex sub-rows) after each drug's sex rows."""


SHEETS: tuple[SheetSpec, ...] = (
    SheetSpec("Number Drug OD Deaths", "deaths", "deaths", "all"),
    SheetSpec("Rate Drug OD Deaths", "age_adjusted_rate",
              "deaths per 100,000 population, age-adjusted", "all"),
    SheetSpec("Number Drug OD, 15-24 Years", "deaths", "deaths", "15-24"),
    SheetSpec("Rate Drug OD, 15-24 Years", "crude_rate",
              "deaths per 100,000 population, crude", "15-24"),
    SheetSpec("Rate OD by Demographic", "age_adjusted_rate",
              "deaths per 100,000 population, age-adjusted", "all", by_race=True),
)
RATE_SHEET_ALL_AGES = "Rate Drug OD Deaths"
DEMOGRAPHIC_SHEET = "Rate OD by Demographic"

# Normalised label (footnote markers and '*' removed, spaces collapsed, casefolded) -> drug-group
# id. Explicit on purpose: a label NIDA adds or renames stops the build instead of being guessed.
DRUG_LABELS: dict[str, str] = {
    "total overdose deaths": "all_drugs",
    "any opioid": "any_opioid",
    "select opioids and synthetic opioids other than methadone":
        "other_opioids_with_synthetic_opioids",
    "prescription opioids": "rx_opioids",
    "prescription opioids and synthetic opioids other than methadone":
        "rx_opioids_with_synthetic_opioids",
    "prescription opioids and synthetic opioids other than methadone (primarily fentanyl)":
        "rx_opioids_with_synthetic_opioids",
    "prescription opioids without synthetic opioids other than methadone":
        "rx_opioids_without_synthetic_opioids",
    "synthetic opioids other than methadone (primarily fentanyl)": "synthetic_opioids",
    "heroin": "heroin",
    "heroin and synthetic opioids other than methadone": "heroin_with_synthetic_opioids",
    "heroin and synthetic opioids other than methadone (primarily fentanyl)":
        "heroin_with_synthetic_opioids",
    "heroin without synthetic opioids other than methadone": "heroin_without_synthetic_opioids",
    "stimulants": "stimulants",
    "stimulants and any opioid": "stimulants_with_any_opioid",
    "stimulants without any opioid": "stimulants_without_any_opioid",
    "stimulants and synthetic opioids other than methadone": "stimulants_with_synthetic_opioids",
    "stimulants without synthetic opioids other than methadone":
        "stimulants_without_synthetic_opioids",
    "cocaine": "cocaine",
    "cocaine and any opioid": "cocaine_with_any_opioid",
    "cocaine without any opioid": "cocaine_without_any_opioid",
    "cocaine and synthetic opioids other than methadone": "cocaine_with_synthetic_opioids",
    "cocaine and synthetic opioids other than methadone (primarily fentanyl)":
        "cocaine_with_synthetic_opioids",
    "cocaine without synthetic opioids other than methadone": "cocaine_without_synthetic_opioids",
    "psychostimulants with abuse potential (primarily methamphetamine)": "psychostimulants",
    "psychostimulants with abuse potential and any opioid": "psychostimulants_with_any_opioid",
    "psychostimulants with abuse potential without any opioid":
        "psychostimulants_without_any_opioid",
    "psychostimulants with abuse potential and synthetic opioids other than methadone":
        "psychostimulants_with_synthetic_opioids",
    "psychostimulants with abuse potential and synthetic opioids other than methadone "
    "(primarily fentanyl)": "psychostimulants_with_synthetic_opioids",
    "psychostimulants with abuse potential without synthetic opioids other than methadone":
        "psychostimulants_without_synthetic_opioids",
    "benzodiazepines": "benzodiazepines",
    "benzodiazepines and any opioid": "benzodiazepines_with_any_opioid",
    "benzodiazepines without any opioid": "benzodiazepines_without_any_opioid",
    "benzodiazepines and synthetic opioids other than methadone":
        "benzodiazepines_with_synthetic_opioids",
    "benzodiazepines and synthetic opioids other than methadone (primarily fentanyl)":
        "benzodiazepines_with_synthetic_opioids",
    "benzodiazepines without synthetic opioids other than methadone":
        "benzodiazepines_without_synthetic_opioids",
    "antidepressants": "antidepressants",
    "antidepressants and any opioid": "antidepressants_with_any_opioid",
    "antidepressants without any opioid": "antidepressants_without_any_opioid",
    "antidepressants and synthetic opioids other than methadone":
        "antidepressants_with_synthetic_opioids",
    "antidepressants and synthetic opioids other than methadone (primarily fentanyl)":
        "antidepressants_with_synthetic_opioids",
    "antidepressants without synthetic opioids other than methadone":
        "antidepressants_without_synthetic_opioids",
}
SEX_LABELS: dict[str, str] = {"female": "female", "male": "male"}
RACE_LABELS: dict[str, str] = {
    "white (non-hispanic)": "Non-Hispanic White",
    "black (non-hispanic)": "Non-Hispanic Black",
    "asian (non-hispanic)": "Non-Hispanic Asian",
    "native hawaiian or other pacific islander (non-hispanic)":
        "Non-Hispanic Native Hawaiian or Other Pacific Islander",
    # NIDA's own misspelling in the "Total Overdose Deaths" block
    "native hawaiin or other pacific islander (non-hispanic)":
        "Non-Hispanic Native Hawaiian or Other Pacific Islander",
    "hispanic": "Hispanic",
    "american indian or alaska native (non-hispanic)":
        "Non-Hispanic American Indian or Alaska Native",
}
RACE_NOTES_BEFORE_2018: dict[str, str] = {
    "Non-Hispanic Asian": ASIAN_NOTE,
    "Non-Hispanic Native Hawaiian or Other Pacific Islander": NHOPI_NOTE,
}


FOOTNOTE_MARKER = re.compile(r"(?<=[A-Za-z)])\d+[a-z]?(?=\s|$)")


def normalise_label(raw: object) -> str:
    """Label without footnote markers ('Benzodiazepines7', 'Stimulants5a', 'Asian*'), indents
    or doubled spaces, casefolded: the key for DRUG_LABELS, SEX_LABELS and RACE_LABELS."""
    text = FOOTNOTE_MARKER.sub("", str(raw).replace("*", " "))
    return " ".join(text.split()).casefold()


def _is_year(value: object) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and float(value).is_integer() and YEAR_RANGE[0] <= value <= YEAR_RANGE[1])


def _open_workbook(path: Path):
    if not path.is_file():
        raise SourceFormatError(path, "workbook not found")
    if path.stat().st_size == 0:
        raise SourceFormatError(path, "file is empty (0 bytes)", expected="an .xlsx workbook")
    try:
        return load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as err:
        raise SourceFormatError(path, "not a readable .xlsx workbook",
                                expected="an Office Open XML (zip) workbook",
                                found=f"{type(err).__name__}: {err}") from err


def _year_columns(path: Path, sheet: str, header: tuple[object, ...]) -> dict[int, int]:
    """Map 0-based column index -> year from the header row; the fold-change column is dropped."""
    cells = list(header) + [None] * max(0, FIRST_YEAR_COLUMN - len(header))
    first = cells[FIRST_YEAR_COLUMN - 1]
    if not _is_year(first):
        raise SourceFormatError(path, f"sheet {sheet!r}: year header not where expected",
                                line=HEADER_ROW, column=get_column_letter(FIRST_YEAR_COLUMN),
                                expected="a year such as 1999", found=repr(first))
    years: dict[int, int] = {}
    index = FIRST_YEAR_COLUMN - 1
    while index < len(cells) and _is_year(cells[index]):
        year = int(cells[index])
        if years and year != max(years.values()) + 1:
            raise SourceFormatError(path, f"sheet {sheet!r}: years in the header are not "
                                    "consecutive", line=HEADER_ROW,
                                    column=get_column_letter(index + 1),
                                    expected=str(max(years.values()) + 1), found=str(year))
        years[index] = year
        index += 1
    for extra in range(index, len(cells)):
        cell = cells[extra]
        if cell is None or (isinstance(cell, str) and FOLD_CHANGE in cell.casefold()):
            continue
        raise SourceFormatError(path, f"sheet {sheet!r}: unexpected header after the years",
                                line=HEADER_ROW, column=get_column_letter(extra + 1),
                                expected=f"a year or a '{FOLD_CHANGE}' column", found=repr(cell))
    return years


def _cell(path: Path, sheet: str, row: int, col: int, year: int, raw: object,
          is_count: bool) -> tuple[float, bool]:
    """(value, suppressed) of one cell; a blank cell is suppressed, anything not a number fails."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return math.nan, True
    where = {"line": row, "column": f"{get_column_letter(col + 1)} ({year})"}
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise SourceFormatError(path, f"sheet {sheet!r}: cell is not a number", **where,
                                expected="a number or a blank cell", found=repr(raw))
    value = float(raw)
    if not math.isfinite(value) or value < 0:
        raise SourceFormatError(path, f"sheet {sheet!r}: value out of range", **where,
                                expected="a non-negative number", found=repr(raw))
    if is_count and not value.is_integer():
        raise SourceFormatError(path, f"sheet {sheet!r}: a death count is not a whole number",
                                **where, expected="a whole number", found=repr(raw))
    return (value if is_count else round(value, 1)), False


def _sheet_rows(path: Path, spec: SheetSpec, rows: Iterator[tuple[object, ...]]
                ) -> list[dict[str, object]]:
    """Read one sheet's block under the header row into one record per year cell."""
    header: tuple[object, ...] = ()
    for number, values in enumerate(rows, start=1):
        if number == HEADER_ROW:
            header = values
            break
    year_columns = _year_columns(path, spec.name, header)
    is_count = spec.measure == "deaths"
    records: list[dict[str, object]] = []
    seen: dict[tuple[str, str, str], int] = {}
    drug: str | None = None
    race = "all"
    for number, values in enumerate(rows, start=HEADER_ROW + 1):
        values = tuple(values) + (None,) * (max(year_columns) + 1 - len(values))
        label = values[LABEL_COLUMN - 1]
        numbers = [values[i] for i in year_columns]
        if label is None or not str(label).strip():
            if all(v is None for v in numbers):
                break  # the blank row between the table and its footnotes
            raise SourceFormatError(path, f"sheet {spec.name!r}: row has numbers but no label",
                                    line=number, column="B", expected="a drug or Female/Male "
                                    "label", found="an empty cell")
        key = normalise_label(label)
        if key in DRUG_LABELS:
            drug, race, sex = DRUG_LABELS[key], "all", "all"
        elif spec.by_race and key in RACE_LABELS:
            race, sex = RACE_LABELS[key], "all"
        elif key in SEX_LABELS:
            sex = SEX_LABELS[key]
        else:
            raise SourceFormatError(path, f"sheet {spec.name!r}: unknown row label", line=number,
                                    column="B", expected="a drug, race or Female/Male label "
                                    "listed in etl/nida.py", found=repr(label))
        if drug is None:
            raise SourceFormatError(path, f"sheet {spec.name!r}: sub-row before any drug row",
                                    line=number, column="B", expected="a drug label first",
                                    found=repr(label))
        ident = (drug, sex, race)
        if ident in seen:
            raise SourceFormatError(path, f"sheet {spec.name!r}: row repeats row {seen[ident]}",
                                    line=number, column="B", expected="each drug/sex/race once",
                                    found=repr(label))
        seen[ident] = number
        for col, year in year_columns.items():
            value, suppressed = _cell(path, spec.name, number, col, year, values[col], is_count)
            notes = [BLANK_NOTE] if suppressed else []
            if not is_count and value == 0:
                notes.append(ZERO_RATE_NOTE)
            if year < 2018 and race in RACE_NOTES_BEFORE_2018:
                notes.append(RACE_NOTES_BEFORE_2018[race])
            records.append({
                "sheet": spec.name, "row": number, "measure": spec.measure, "unit": spec.unit,
                "age_group": spec.age_group, "drug_group": drug, "sex": sex,
                "race_ethnicity": race, "year": year, "value": value, "suppressed": suppressed,
                "note": "; ".join(notes),
            })
    if not records:
        raise SourceFormatError(path, f"sheet {spec.name!r}: no data rows under the header",
                                line=HEADER_ROW + 1, column="B", expected="drug rows",
                                found="a blank row")
    return records


def _by_sex(frame: pd.DataFrame) -> pd.DataFrame:
    """Wide view: one row per drug/year, columns all/female/male (race 'all' only)."""
    rows = frame[frame["race_ethnicity"] == "all"]
    return rows.pivot_table(index=["drug_group", "year"], columns="sex", values="value",
                            aggfunc="first", dropna=False)


def sex_sum_mismatches(counts: pd.DataFrame) -> pd.DataFrame:
    """Drug/year where published female + male deaths differ from the published total."""
    wide = _by_sex(counts).dropna(subset=["all", "female", "male"])
    return wide[wide["female"] + wide["male"] != wide["all"]]


def sex_ratio_mismatches(counts: pd.DataFrame, rates: pd.DataFrame,
                         tolerance: float = 1.5, min_rate: float = 1.0) -> pd.DataFrame:
    """Drug/year where the female:male split of deaths disagrees with that of the rates.

    (F deaths / M deaths) / (F rate / M rate) stays near 1 (populations of both sexes are about
    equal); only rates >= `min_rate` are compared so one-decimal rounding cannot trip it."""
    c, r = _by_sex(counts), _by_sex(rates)
    joined = c.add_suffix("_deaths").join(r.add_suffix("_rate"), how="inner").dropna(
        subset=["female_deaths", "male_deaths", "female_rate", "male_rate"])
    joined = joined[(joined["female_rate"] >= min_rate) & (joined["male_rate"] >= min_rate)
                    & (joined["male_deaths"] > 0)]
    ratio = ((joined["female_deaths"] / joined["male_deaths"])
             / (joined["female_rate"] / joined["male_rate"]))
    joined = joined.assign(ratio=ratio)
    return joined[(ratio > tolerance) | (ratio < 1 / tolerance)]


def _flag_anomalies(frame: pd.DataFrame, known_errors: tuple[Correction, ...]) -> list[str]:
    """Flag inconsistencies not in the corrections file, so a new workbook's errors are noticed
    (a correction names the releases it was found in)."""
    file_name = str(frame["source_file"].iloc[0])
    known = {(c.sheet, group, year) for c in known_errors if file_name in c.files
             for group in c.drug_groups or () for year in (c.period.years() if c.period else ())}
    warnings = []
    pairs = [("Number Drug OD Deaths", RATE_SHEET_ALL_AGES),
             ("Number Drug OD, 15-24 Years", "Rate Drug OD, 15-24 Years")]
    for count_sheet, rate_sheet in pairs:
        counts = frame[frame["sheet"] == count_sheet]
        rates = frame[frame["sheet"] == rate_sheet]
        for (drug, year), row in sex_sum_mismatches(counts).iterrows():
            if (count_sheet, drug, year) in known:
                continue
            note = (f"female + male ({row['female']:,.0f} + {row['male']:,.0f}) differs from the "
                    f"total ({row['all']:,.0f}) in the workbook; kept as published")
            mask = ((frame["sheet"] == count_sheet) & (frame["drug_group"] == drug)
                    & (frame["year"] == year) & frame["sex"].isin(["female", "male"])
                    & (frame["race_ethnicity"] == "all"))
            add_note(frame, mask, note)
            warnings.append(f"{file_name}, sheet {count_sheet!r}, {drug} {year}: {note}")
        for (drug, year), row in sex_ratio_mismatches(counts, rates).iterrows():
            if {(count_sheet, drug, year), (rate_sheet, drug, year)} & known:
                continue
            warnings.append(
                f"{file_name}, sheets {count_sheet!r}/{rate_sheet!r}, {drug} {year}: female:male "
                f"split of deaths ({row['female_deaths']:,.0f}:{row['male_deaths']:,.0f}) "
                f"disagrees with the rates ({row['female_rate']}:{row['male_rate']})")
    return warnings


def _drop_demographic_duplicates(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The demographic sheet repeats each drug's all/female/male rates from the rates sheet:
    keep the rates sheet's rows, warn where the two disagree."""
    demo = frame["sheet"] == DEMOGRAPHIC_SHEET
    repeated = frame[demo & (frame["race_ethnicity"] == "all")]
    key = ["drug_group", "sex", "year"]
    main = frame[frame["sheet"] == RATE_SHEET_ALL_AGES].set_index(key)["value"]
    other = repeated.set_index(key)["value"]
    both = pd.concat({"rates": main, "demographic": other}, axis=1, join="inner")
    differ = both[~((both["rates"] == both["demographic"])
                    | (both["rates"].isna() & both["demographic"].isna()))]
    file_name = str(frame["source_file"].iloc[0])
    warnings = [f"{file_name}: {DEMOGRAPHIC_SHEET!r} shows {d} for {idx}, {RATE_SHEET_ALL_AGES!r} "
                f"shows {r}; kept the latter" for idx, (r, d) in differ.head(10).iterrows()]
    missing = other.index.difference(main.index)
    if len(missing):
        warnings.append(f"{file_name}: {DEMOGRAPHIC_SHEET!r} has {len(missing)} drug/sex/year "
                        f"rates not in {RATE_SHEET_ALL_AGES!r} (dropped), e.g. {missing[0]}")
    return frame[~(demo & (frame["race_ethnicity"] == "all"))], warnings


def parse(folder: Path, vintage: str | None = None) -> ParseResult:
    """Read the five data sheets of the newest release in `folder` (or of the release named
    `vintage`) into one tidy table `nida_national`."""
    # Load
    folder = Path(folder)
    release = VINTAGES.vintage(folder / vintage) if vintage else VINTAGES.newest(folder)
    path = folder / release.name
    workbook = _open_workbook(path)
    try:
        missing = [s.name for s in SHEETS if s.name not in workbook.sheetnames]
        if missing:
            raise SourceFormatError(path, f"sheet(s) missing: {', '.join(map(repr, missing))}",
                                    expected=", ".join(s.name for s in SHEETS),
                                    found=", ".join(workbook.sheetnames) or "no sheets")
        records: list[dict[str, object]] = []
        for spec in SHEETS:
            rows = workbook[spec.name].iter_rows(values_only=True)
            try:
                records.extend(_sheet_rows(path, spec, rows))
            finally:
                rows.close()  # read-only sheets hold an open zip member until closed
    finally:
        workbook.close()

    # Process
    frame = pd.DataFrame.from_records(records).assign(source_file=release.name)
    last_year = int(frame["year"].max())
    if last_year != release.last_year:
        raise SourceFormatError(path, "the file name and the year header disagree on the last "
                                "year of data", line=HEADER_ROW,
                                expected=f"{release.last_year} (from the name)",
                                found=f"{last_year} (last year column)")
    rows_in = len(frame)
    known_errors = corrections.for_source(SOURCE.id)
    warnings = corrections.apply(frame, known_errors)
    warnings += _flag_anomalies(frame, known_errors)
    frame, duplicate_warnings = _drop_demographic_duplicates(frame)
    warnings += duplicate_warnings
    tidy = tidy_frame(
        frame.drop(columns=["sheet", "row"]),
        source_id=SOURCE.id, definition="ucd_overdose",
        geo_level="nation", geo_fips=US_FIPS, geo_name="United States", period_type="year")
    return ParseResult(tables={TABLE: tidy}, rows_in=rows_in, warnings=warnings)


def _pairs_add_up(wide: pd.DataFrame, total: str, with_: str, without: str,
                  tolerance: float) -> pd.DataFrame:
    cols = [total, with_, without]
    if not set(cols) <= set(wide.columns):
        return wide.iloc[0:0]
    sub = wide[cols].dropna()
    return sub[(sub[with_] + sub[without] - sub[total]).abs() > tolerance]


BENZO_SPLITS: tuple[tuple[str, str, str], ...] = (
    ("benzodiazepines", "benzodiazepines_with_any_opioid", "benzodiazepines_without_any_opioid"),
    ("benzodiazepines", "benzodiazepines_with_synthetic_opioids",
     "benzodiazepines_without_synthetic_opioids"),
)


def checks(tables: dict[str, pd.DataFrame]) -> list[str]:
    """Benzodiazepine rows must add up: with + without = all (counts exactly, rates within
    rounding), female + male = all (counts), the total rate between the sexes' rates, and the
    sexes' split of deaths consistent with their rates."""
    frame = tables[TABLE]
    frame = frame[frame["race_ethnicity"] == "all"]
    failures: list[str] = []
    benzo = frame["drug_group"].str.startswith("benzodiazepines")
    for (measure, age), group in frame.groupby(["measure", "age_group"]):
        wide = group.pivot_table(index=["year", "sex"], columns="drug_group", values="value",
                                 aggfunc="first")
        tolerance = 0 if measure == "deaths" else 0.15
        for total, with_, without in BENZO_SPLITS:
            for (year, sex), row in _pairs_add_up(wide, total, with_, without,
                                                  tolerance).iterrows():
                failures.append(f"{TABLE} {measure} ages {age} {year} {sex}: {with_} "
                                f"{row[with_]:g} + {without} {row[without]:g} != {total} "
                                f"{row[total]:g}")
        by_sex = _by_sex(group[benzo.loc[group.index]]).dropna(subset=["all", "female", "male"])
        if measure == "deaths":
            bad = by_sex[by_sex["female"] + by_sex["male"] != by_sex["all"]]
            failures += [f"{TABLE} deaths ages {age} {drug} {year}: female {r['female']:g} + "
                         f"male {r['male']:g} != all {r['all']:g}"
                         for (drug, year), r in bad.iterrows()]
        else:
            low = by_sex[["female", "male"]].min(axis=1) - 0.1
            high = by_sex[["female", "male"]].max(axis=1) + 0.1
            bad = by_sex[(by_sex["all"] < low) | (by_sex["all"] > high)]
            failures += [f"{TABLE} {measure} ages {age} {drug} {year}: rate {r['all']:g} not "
                         f"between female {r['female']:g} and male {r['male']:g}"
                         for (drug, year), r in bad.iterrows()]
    pairs = [("all", "age_adjusted_rate"), ("15-24", "crude_rate")]
    for age, rate_measure in pairs:
        in_age = frame[benzo & (frame["age_group"] == age)]
        counts = in_age[in_age["measure"] == "deaths"]
        rates = in_age[in_age["measure"] == rate_measure]
        for (drug, year), r in sex_ratio_mismatches(counts, rates).iterrows():
            failures.append(f"{TABLE} ages {age} {drug} {year}: female:male deaths "
                            f"{r['female_deaths']:g}:{r['male_deaths']:g} inconsistent with "
                            f"rates {r['female_rate']:g}:{r['male_rate']:g}")
    return failures


def _benzodiazepine_deaths(tables: dict[str, pd.DataFrame],
                           pins: dict[tuple[str, int], float]) -> list[str]:
    frame = tables[TABLE]
    totals = frame[(frame["measure"] == "deaths") & (frame["sex"] == "all")
                   & (frame["age_group"] == "all") & (frame["race_ethnicity"] == "all")]
    return pinned(TABLE, totals, [({"drug_group": g, "year": y}, v) for (g, y), v in pins.items()])


# NIDA's statement "about 16% of opioid overdose deaths in 2019 also involved benzodiazepines"
# (8,301 / 49,860) belongs to 2019 in every release.
SHARE_2019: dict[tuple[str, int], float] = {
    ("benzodiazepines", 2019): 9_711, ("benzodiazepines_with_any_opioid", 2019): 8_301,
    ("benzodiazepines_without_any_opioid", 2019): 1_410, ("any_opioid", 2019): 49_860,
}
EDITION_CHECKS: tuple[EditionCheck, ...] = (
    EditionCheck(
        (RELEASE_2023,),
        "NIDA release of 19 Jan 2023: benzodiazepine deaths 1999 1,135, 2017 11,537, 2021 "
        "12,499 (10,992 with any opioid); 2019 9,711 = 8,301 with + 1,410 without any opioid, "
        "any opioid 49,860 (PROVENANCE.md)",
        lambda tables: _benzodiazepine_deaths(tables, {
            ("benzodiazepines", 1999): 1_135, ("benzodiazepines", 2017): 11_537,
            ("benzodiazepines", 2021): 12_499, ("benzodiazepines_with_any_opioid", 2021): 10_992,
            **SHARE_2019})),
    EditionCheck(
        (RELEASE_2024,),
        "NIDA release of 2 May 2024: benzodiazepine-involved deaths 2022 10,964 (underlying-"
        "cause definition); 1999 1,135, 2017 11,537, 2021 12,499 and the 2019 share's 8,301 of "
        "49,860 as in the 2023 release (PROVENANCE.md)",
        lambda tables: _benzodiazepine_deaths(tables, {
            ("benzodiazepines", 2022): 10_964, ("benzodiazepines", 1999): 1_135,
            ("benzodiazepines", 2017): 11_537, ("benzodiazepines", 2021): 12_499,
            **SHARE_2019})),
)

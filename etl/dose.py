"""CDC DOSE dashboards: NONFATAL overdose ED visits and hospitalizations, incl. benzodiazepines.

Drug Overdose Surveillance and Epidemiology (DOSE), Overdose Data to Action. These are nonfatal
overdoses, never deaths. They matter here because they give benzodiazepine-involved overdoses by
state, by sex × age group (the death sources have no benzodiazepine-by-demographic detail), and
recent months (to mid-2025).

Two tables:
- `dose_discharge` (DOSE-DIS, definitions `nonfatal_ed_discharge` for ED visits and
  `nonfatal_hosp_discharge` for inpatient stays): counts and rates per 100,000
  population of ED visits and of inpatient hospitalizations, by jurisdiction and for the
  participating jurisdictions by sex × age, 2018–2023, annual and monthly. ED and HOSP are two
  case settings with the same measures, so each is its own definition (the key stays TIDY_KEY);
  the unit says it too ("ED visits", "hospitalizations", ...).
- `dose_syndromic` (DOSE-SYS, definition `nonfatal_ed_syndromic`): suspected nonfatal overdoses
  per 10,000 total ED visits (a share of ED traffic, not a population rate), by jurisdiction and
  for the participating jurisdictions by sex × age group, 2019 – mid-2025, monthly and as rolling
  12-month figures labelled by their last month (period_type "12_month_ending").

Choices:
- DOSE-DIS `NA` (fentanyl before Oct 2020, methamphetamine before Oct 2022, no population): no
  number was published, so the row is dropped and counted in the warnings, never stored as 0.
- DOSE-SYS `§` (state does not share syndromic data) and `¶` (state does not participate): the
  row is dropped and counted in the warnings. `*` is a suppressed cell (value NaN), except in the
  months DOSE-SYS excludes for every jurisdiction (March–August 2020, COVID-19 onset) and the
  rolling 12 months that include them: there `*` means "no data collected", so the row keeps no
  value, is not flagged suppressed and says so in `note` (etl/corrections.csv,
  `dose-sys-covid-onset`).
- Fentanyl is not read: DOSE's fentanyl code (ICD-10-CM T40.41) is narrower than the registry's
  synthetic_opioids (T40.4) and the registry has no fentanyl id. Methamphetamine is stored under
  psychostimulants with a note saying so.
- `US` rows are "all participating jurisdictions" (geo_fips "99"), never a national estimate.
- The percent-change workbook (`CDC DOSE_Dashboard Output_Download 12.23.2024.xlsx`) is not read
  and not listed: its percent changes and significance flags are derived from the same syndromic
  rates, and its comparison periods (month-to-month, year-to-year) need a key this table shape
  does not have.
"""
from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import pandas as pd

from etl import corrections
from etl.registry import PARTICIPATING_FIPS, STATE_BY_ABBR
from etl.source import ParseResult, RawFile, Source, SourceFormatError, TableSpec
from etl.tidy import tidy_frame
from etl.vintages import EditionCheck, pinned

DIS_FOLDER = "DOSE_dx_Dashboard_011325-2"
SYS_FOLDER = "DOSE_SyS_Dashboard_Download_8-25-2025 2"
DIS_JURISDICTION = f"{DIS_FOLDER}/Jurisdiction Counts & Rates-Table 1.csv"
DIS_SEX_AGE = f"{DIS_FOLDER}/Overall by Sex & Age-Table 1.csv"
DIS_SUBMISSIONS = f"{DIS_FOLDER}/US Jurisdiction Submissions-Table 1.csv"
SYS_JURISDICTION = f"{SYS_FOLDER}/Jurisdiction-Table 1.csv"
SYS_OVERALL = f"{SYS_FOLDER}/Overall-Table 1.csv"

DIS_URL = ("https://www.cdc.gov/overdose-prevention/data-research/facts-stats/"
           "dose-dashboard-nonfatal-discharge-data.html")
SYS_URL = ("https://www.cdc.gov/overdose-prevention/data-research/facts-stats/"
           "dose-dashboard-nonfatal-surveillance-data.html")


SOURCE = Source(
    id="cdc_dose",
    title="CDC DOSE dashboards: nonfatal overdose ED visits and hospitalizations",
    publisher="CDC, National Center for Injury Prevention and Control (Overdose Data to Action)",
    landing_url=DIS_URL,
    raw_folder="cdc_dose_ed_dashboard",
    files=(
        RawFile(DIS_JURISDICTION, DIS_URL,
                "06b7fa652b23b24aa9a9bdd4e74163f43fd48e9fa91dacf94be18a45468f4a96"),
        RawFile(DIS_SEX_AGE, DIS_URL,
                "33d8caa777276c81856aa999daf2dabaff5e39e425c43c4abece33955e632105"),
        RawFile(DIS_SUBMISSIONS, DIS_URL,
                "a8f5191bccd8afc2f8c71c3094a1f54a1485a0878207330587ce77e3e28c625d"),
        RawFile(SYS_JURISDICTION, SYS_URL,
                "248c9bb1f7b3ad277bddf60de3e2093811cd5eef792435841bfedd2ba2bcfd5c"),
        RawFile(SYS_OVERALL, SYS_URL,
                "a3d69026fddedb7c3fa698c2207be8968edcd3ef91f43c43b2bbc1e64a9c1580"),
    ),
    tables=(
        TableSpec("dose_discharge",
                  "Nonfatal overdose ED visits and hospitalizations (DOSE-DIS), 2018–2023",
                  "Counts and rates per 100,000 population of nonfatal overdose ED visits and "
                  "inpatient hospitalizations from discharge data, by drug, jurisdiction, month "
                  "and year; participating jurisdictions also by sex × age group. The setting "
                  "(ED visits or hospitalizations) is in the unit column."),
        TableSpec("dose_syndromic",
                  "Suspected nonfatal overdoses per 10,000 ED visits (DOSE-SYS), 2019–2025",
                  "Suspected nonfatal overdose ED visits per 10,000 total ED visits from "
                  "syndromic surveillance, by drug and jurisdiction, monthly and rolling "
                  "12 months; participating jurisdictions also by sex × age group."),
    ),
    coverage="DOSE-DIS 2018–2023 (annual and monthly; 28–29 jurisdictions for ED, 33–34 for "
             "hospitalizations); DOSE-SYS January 2019 – mid-2025 (monthly and rolling "
             "12 months; 40–47 participating jurisdictions)",
    definitions=("nonfatal_ed_discharge", "nonfatal_hosp_discharge", "nonfatal_ed_syndromic"),
    citation="Centers for Disease Control and Prevention. Drug Overdose Surveillance and "
             "Epidemiology (DOSE) dashboards: Nonfatal Overdose Discharge Data (download of "
             "13 Jan 2025) and Nonfatal Overdose Syndromic Surveillance Data (download of "
             "25 Aug 2025). Per-sheet CSV exports of the official workbooks.",
    vintage="DOSE-DIS download 2025-01-13; DOSE-SYS download 2025-08-25",
    released="2025-08-25",
    released_from="folder names, the dates of the dashboards' downloads (CDC's files carry no "
                  "release date): DOSE-DIS 2025-01-13 ('DOSE_dx_Dashboard_011325'), DOSE-SYS "
                  "2025-08-25 ('DOSE_SyS_Dashboard_Download_8-25-2025', the latest, shown)",
    newer_data_note=f"DOSE-SYS (syndromic, per 10,000 ED visits): {SYS_URL}",
    caveats=(
        "Nonfatal overdoses (ED visits, hospitalizations), not deaths: never add or compare them "
        "with death counts.",
        "DOSE-DIS rates are per 100,000 population; DOSE-SYS rates are suspected overdoses per "
        "10,000 total ED visits (a share of ED traffic, not a population rate).",
        "The set of reporting jurisdictions changes over time; 'All DOSE participating "
        "jurisdictions' rows are not national estimates.",
        "DOSE-SYS excludes March–August 2020 (COVID-19 onset) for all jurisdictions: those "
        "months, and rolling 12-month figures that include them, have no value and are marked "
        "'excluded by the publisher' in `note`, not suppressed. Its annual values are rolling "
        "12-month figures labelled by their last month.",
        "DOSE-DIS fentanyl is available from October 2020 and methamphetamine from October 2022 "
        "(new ICD-10-CM codes); earlier cells are 'NA' and are not stored. Fentanyl is not "
        "included in these tables.",
        "Suppressed: DOSE-DIS counts of 1–9 and rates on 1–19 visits; DOSE-SYS rates on fewer "
        "than 20 visits or with too few months of data.",
        "The raw files are CSV exports (Apple Numbers) of CDC's Excel downloads, taken from a "
        "public GitHub repository; cell values appear unchanged.",
    ),
)

# Raw value columns -> registry drug group. DIS has count_<x> and rate_<x>; SYS has <x>_rate.
DRUG_BY_RAW: dict[str, str] = {
    "alldrug": "all_drugs",  # DIS
    "drug": "all_drugs",  # SYS
    "opioid": "any_opioid",
    "heroin": "heroin",
    "stimulant": "stimulants",
    "cocaine": "cocaine",
    "methamphetamine": "psychostimulants",
    "benzodiazepine": "benzodiazepines",  # data dictionaries say `benzo`; the headers say this
}
NOTE_BY_DRUG = {"psychostimulants": "DOSE indicator: methamphetamine"}

# DOSE-DIS columns the parser relies on (both sheets; the sex × age sheet adds `sex`, `age`).
DIS_COLUMNS = ["jurisdiction", "month", "year", "time_frame", "dataset",
               *[f"count_{d}" for d in ("alldrug", "opioid", "heroin", "stimulant", "cocaine",
                                         "methamphetamine", "benzodiazepine")],
               *[f"rate_{d}" for d in ("alldrug", "opioid", "heroin", "stimulant", "cocaine",
                                        "methamphetamine", "benzodiazepine")]]
DIS_SEX_AGE_COLUMNS = [*DIS_COLUMNS, "sex", "age"]
SUBMISSION_COLUMNS = ["dataset", "month", "year", "jurisdiction_count"]
# DOSE-SYS columns: `jurisdiction` (by state) or `geoid` + `jurisdiction_count`, `sex`,
# `age_range` (overall).
SYS_RATE_COLUMNS = [f"{d}_rate" for d in ("drug", "opioid", "heroin", "stimulant", "cocaine",
                                          "methamphetamine", "benzodiazepine")]
SYS_COLUMNS = ["jurisdiction", "year", "month", "rate_time", *SYS_RATE_COLUMNS]
SYS_OVERALL_COLUMNS = ["geoid", "year", "month", "rate_time", "jurisdiction_count", "sex",
                       "age_range", *SYS_RATE_COLUMNS]

# DOSE-DIS `dataset` -> (count unit, rate unit)
# DOSE-DIS `dataset` -> case definition: ED visits and inpatient stays are different cases
DIS_DEFINITIONS = {"ED": "nonfatal_ed_discharge", "HOSP": "nonfatal_hosp_discharge"}
DIS_UNITS: dict[str, tuple[str, str]] = {
    "ED": ("ED visits", "ED visits per 100,000 population"),
    "HOSP": ("hospitalizations", "hospitalizations per 100,000 population"),
}
SYS_UNIT = "suspected overdose visits per 10,000 ED visits"
DIS_PERIODS = {"annual": "year", "monthly": "month"}
SYS_PERIODS = {"Annual": "12_month_ending", "Monthly": "month"}
SEXES = {"F": "female", "M": "male", "Total": "all"}
AGES = {"0-14": "0-14", "15-24": "15-24", "25-34": "25-34", "35-54": "35-54", "55+": "55+",
        "0 to 14": "0-14", "15 to 24": "15-24", "25 to 34": "25-34", "35 to 44": "35-44",
        "45 to 54": "45-54", "55 to 64": "55-64", "65+": "65+", "Total": "all"}
UNKNOWN_DEMOGRAPHIC = "Missing"  # listed in the dictionaries; not representable, so dropped

DIS_SUPPRESSED, DIS_NOT_AVAILABLE = "suppressed", "NA"
SYS_SUPPRESSED = "*"
SYS_NOT_SHARED, SYS_NOT_PARTICIPATING = "§", "¶"
SYS_DROPPED = {SYS_NOT_SHARED: "cells marked § (state does not share syndromic data)",
               SYS_NOT_PARTICIPATING: "cells marked ¶ (state does not participate)"}
PARTICIPATING_NAME = "All DOSE participating jurisdictions (changes over time)"
YEAR_RANGE = (2018, 2030)


# ---------------------------------------------------------------------------------------------
# Load helpers


def _read_csv(folder: Path, name: str, required: list[str]) -> tuple[Path, list[dict[str, str]]]:
    """Rows of a per-sheet CSV export as dicts, each with its file line number under "__line".

    Fails on a missing/empty file, non-UTF-8 bytes, a missing column and a short or long row.
    (The Numbers exports end without a final line break, so that cannot reveal truncation; the
    completeness check after reading does.)"""
    path = Path(folder) / name
    if not path.is_file() or path.stat().st_size == 0:
        raise SourceFormatError(path, "file is missing or empty", expected="a CSV with header "
                                f"{', '.join(required[:4])}, ...", found="0 bytes")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise SourceFormatError(path, "not UTF-8 text", line=line, expected="UTF-8",
                                found=f"byte 0x{data[err.start]:02x} at offset {err.start}"
                                ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header:
        raise SourceFormatError(path, "no header row", line=1)
    # Apple Numbers writes a trailing empty column in some sheets; ignore empty header cells.
    header = [h.strip() for h in header]
    names = [h for h in header if h]
    for column in required:
        if column not in names:
            raise SourceFormatError(path, "column missing or renamed", line=1, column=column,
                                    expected=f"a header cell {column!r}",
                                    found=", ".join(names))
    if len(set(names)) != len(names):
        duplicate = next(n for n in names if names.count(n) > 1)
        raise SourceFormatError(path, "duplicate header name", line=1, column=duplicate)
    rows: list[dict[str, str]] = []
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            raise SourceFormatError(path, "wrong number of fields (truncated or shifted row?)",
                                    line=line, expected=f"{len(header)} fields",
                                    found=f"{len(cells)}")
        row = {h: c.strip() for h, c in zip(header, cells) if h}
        row["__line"] = str(line)
        rows.append(row)
    if not rows:
        raise SourceFormatError(path, "no data rows after the header", line=2)
    return path, rows


def _number(path: Path, text: str, line: int, column: str, *, whole: bool = False) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if math.isnan(value) or value < 0 or (whole and value != round(value)):
        raise SourceFormatError(path, "value out of range or unreadable", line=line,
                                column=column, expected="a non-negative " +
                                ("whole number" if whole else "number") + " or a marker",
                                found=repr(text))
    return value


def _year(path: Path, text: str, line: int) -> int:
    if not text.isdigit() or not YEAR_RANGE[0] <= int(text) <= YEAR_RANGE[1]:
        raise SourceFormatError(path, "year out of range", line=line, column="year",
                                expected=f"{YEAR_RANGE[0]}–{YEAR_RANGE[1]}", found=repr(text))
    return int(text)


def _month(path: Path, text: str, line: int) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 12:
        raise SourceFormatError(path, "month out of range", line=line, column="month",
                                expected="1–12", found=repr(text))
    return int(text)


def _lookup(path: Path, mapping: dict[str, str], text: str, line: int, column: str) -> str:
    if text not in mapping:
        raise SourceFormatError(path, "unexpected value", line=line, column=column,
                                expected=" / ".join(mapping), found=repr(text))
    return mapping[text]


def _geo(path: Path, code: str, line: int, column: str) -> tuple[str, str, str]:
    """(geo_fips, geo_name, geo_level) for a two-letter jurisdiction or `US`."""
    if code == "US":
        return PARTICIPATING_FIPS, PARTICIPATING_NAME, "participating_jurisdictions"
    state = STATE_BY_ABBR.get(code)
    if state is None:
        raise SourceFormatError(path, "unknown jurisdiction", line=line, column=column,
                                expected="a state abbreviation, DC or US", found=repr(code))
    return state.fips, state.name, "state"


def _no_duplicates(path: Path, rows: list[dict[str, str]], key: list[str]) -> None:
    seen: dict[tuple[str, ...], str] = {}
    for row in rows:
        k = tuple(row[c] for c in key)
        if k in seen:
            raise SourceFormatError(path, "duplicate row", line=int(row["__line"]),
                                    found=f"same {', '.join(key)} as line {seen[k]}")
        seen[k] = row["__line"]


def _complete(path: Path, rows: list[dict[str, str]], group: list[str]) -> None:
    """Every series (place × setting × demographic) has as many rows as the longest one: the
    publisher ships complete grids, so a short series means a truncated or filtered file."""
    lines: dict[tuple[str, ...], list[int]] = {}
    for row in rows:
        lines.setdefault(tuple(row[c] for c in group), []).append(int(row["__line"]))
    longest = max(len(v) for v in lines.values())
    for key, found in lines.items():
        if len(found) < longest:
            raise SourceFormatError(path, f"incomplete series {dict(zip(group, key))} "
                                    "(truncated file?)", line=max(found),
                                    expected=f"{longest} rows like the other series",
                                    found=f"{len(found)}")


# ---------------------------------------------------------------------------------------------
# Process


def _submission_notes(folder: Path) -> dict[tuple[str, str, str], str]:
    """(dataset, month, year) -> note naming how many jurisdictions submitted data."""
    path, rows = _read_csv(folder, DIS_SUBMISSIONS, SUBMISSION_COLUMNS)
    notes = {}
    for row in rows:
        line = int(row["__line"])
        count = _number(path, row["jurisdiction_count"], line, "jurisdiction_count", whole=True)
        notes[(row["dataset"], row["month"], row["year"])] = (
            f"{count:.0f} jurisdictions submitting")
    return notes


def _discharge_rows(folder: Path, name: str, by_sex_age: bool,
                    submissions: dict[tuple[str, str, str], str],
                    skipped: dict[str, int]) -> tuple[list[dict[str, object]], int]:
    """Tidy records of one DOSE-DIS sheet, and the number of raw rows read."""
    path, rows = _read_csv(folder, name, DIS_SEX_AGE_COLUMNS if by_sex_age else DIS_COLUMNS)
    series = ["jurisdiction", "dataset"] + (["sex", "age"] if by_sex_age else [])
    _no_duplicates(path, rows, [*series, "month", "year"])
    records: list[dict[str, object]] = []
    for row in rows:
        line = int(row["__line"])
        if by_sex_age and UNKNOWN_DEMOGRAPHIC in (row["sex"], row["age"]):
            _tally(skipped, "rows with unknown sex or age")
            continue
        fips, geo_name, geo_level = _geo(path, row["jurisdiction"], line, "jurisdiction")
        period_type = _lookup(path, DIS_PERIODS, row["time_frame"], line, "time_frame")
        year = _year(path, row["year"], line)
        if period_type == "year":
            if row["month"] != "all":
                raise SourceFormatError(path, "annual row with a month", line=line,
                                        column="month", expected="'all'", found=repr(row["month"]))
            month = None
        else:
            month = _month(path, row["month"], line)
        count_unit, rate_unit = DIS_UNITS.get(row["dataset"], (None, None))
        if count_unit is None:
            raise SourceFormatError(path, "unexpected value", line=line, column="dataset",
                                    expected="ED / HOSP", found=repr(row["dataset"]))
        demographic = {"sex": "all", "age_group": "all"}
        if by_sex_age:
            demographic = {"sex": _lookup(path, SEXES, row["sex"], line, "sex"),
                           "age_group": _lookup(path, AGES, row["age"], line, "age")}
        base_note = (submissions.get((row["dataset"], row["month"], row["year"]), "")
                     if fips == PARTICIPATING_FIPS else "")
        for raw_drug, drug_group in DRUG_BY_RAW.items():
            for measure, column, unit in (("visits", f"count_{raw_drug}", count_unit),
                                          ("visit_rate", f"rate_{raw_drug}", rate_unit)):
                if column not in row:
                    continue
                text = row[column]
                if text == DIS_NOT_AVAILABLE:
                    _tally(skipped, "cells marked NA (not available)")
                    continue
                suppressed = text == DIS_SUPPRESSED
                value = math.nan if suppressed else _number(
                    path, text, line, column, whole=measure == "visits")
                notes = [NOTE_BY_DRUG.get(drug_group, ""), base_note]
                records.append({
                    "source_file": name, "definition": DIS_DEFINITIONS[row["dataset"]],
                    "measure": measure, "unit": unit, "drug_group": drug_group,
                    "geo_fips": fips, "geo_name": geo_name, "geo_level": geo_level,
                    "period_type": period_type, "year": year, "month": month,
                    "value": value, "suppressed": suppressed,
                    "note": "; ".join(n for n in notes if n), **demographic,
                })
    _complete(path, rows, [*series, "year"])
    return records, len(rows)


def _syndromic_rows(folder: Path, name: str, overall: bool, skipped: dict[str, int]
                    ) -> tuple[list[dict[str, object]], int]:
    """Tidy records of one DOSE-SYS sheet, and the number of raw rows read."""
    path, rows = _read_csv(folder, name, SYS_OVERALL_COLUMNS if overall else SYS_COLUMNS)
    geo_column = "geoid" if overall else "jurisdiction"
    series = [geo_column] + (["sex", "age_range"] if overall else [])
    _no_duplicates(path, rows, [*series, "year", "month", "rate_time"])
    records: list[dict[str, object]] = []
    for row in rows:
        line = int(row["__line"])
        if overall and UNKNOWN_DEMOGRAPHIC in (row["sex"], row["age_range"]):
            _tally(skipped, "rows with unknown sex or age")
            continue
        fips, geo_name, geo_level = _geo(path, row[geo_column], line, geo_column)
        period_type = _lookup(path, SYS_PERIODS, row["rate_time"], line, "rate_time")
        year, month = _year(path, row["year"], line), _month(path, row["month"], line)
        demographic, base_note = {"sex": "all", "age_group": "all"}, ""
        if overall:
            demographic = {"sex": _lookup(path, SEXES, row["sex"], line, "sex"),
                           "age_group": _lookup(path, AGES, row["age_range"], line, "age_range")}
            count = _number(path, row["jurisdiction_count"], line, "jurisdiction_count",
                            whole=True)
            base_note = f"{count:.0f} participating jurisdictions"
        for column in SYS_RATE_COLUMNS:
            drug_group = DRUG_BY_RAW[column.removesuffix("_rate")]
            text = row[column]
            if text in (SYS_NOT_SHARED, SYS_NOT_PARTICIPATING):
                _tally(skipped, SYS_DROPPED[text])
                continue
            suppressed = text == SYS_SUPPRESSED
            value = math.nan if suppressed else _number(path, text, line, column)
            notes = [NOTE_BY_DRUG.get(drug_group, ""), base_note]
            records.append({
                "source_file": name, "drug_group": drug_group, "geo_fips": fips,
                "geo_name": geo_name, "geo_level": geo_level, "period_type": period_type,
                "year": year, "month": month, "value": value, "suppressed": suppressed,
                "note": "; ".join(n for n in notes if n), **demographic,
                "line": line, "column": column,  # for error messages; not stored
            })
    _complete(path, rows, series)
    return records, len(rows)


def _tally(skipped: dict[str, int], reason: str) -> None:
    skipped[reason] = skipped.get(reason, 0) + 1


def _skipped_warnings(sheet: str, skipped: dict[str, int]) -> list[str]:
    return [f"{sheet}: {n:,} {reason} not stored (no published number)"
            for reason, n in sorted(skipped.items())]


def parse(folder: Path) -> ParseResult:
    """Read the DOSE-DIS and DOSE-SYS CSV exports; return `dose_discharge`, `dose_syndromic`."""
    folder = Path(folder)
    # Load + Process
    submissions = _submission_notes(folder)
    dis_skipped: dict[str, int] = {}
    dis_jur, n_dis_jur = _discharge_rows(folder, DIS_JURISDICTION, False, submissions,
                                         dis_skipped)
    dis_age, n_dis_age = _discharge_rows(folder, DIS_SEX_AGE, True, submissions, dis_skipped)
    sys_skipped: dict[str, int] = {}
    sys_jur, n_sys_jur = _syndromic_rows(folder, SYS_JURISDICTION, False, sys_skipped)
    sys_all, n_sys_all = _syndromic_rows(folder, SYS_OVERALL, True, sys_skipped)

    sys_frame = pd.DataFrame.from_records(sys_jur + sys_all)
    corrected = corrections.apply(sys_frame, corrections.for_source(SOURCE.id))

    # Save
    discharge = tidy_frame(pd.DataFrame.from_records(dis_jur + dis_age), source_id=SOURCE.id)
    syndromic = tidy_frame(sys_frame, source_id=SOURCE.id, definition="nonfatal_ed_syndromic",
                           measure="visit_rate", unit=SYS_UNIT)
    warnings = (_skipped_warnings("DOSE-DIS", dis_skipped)
                + _skipped_warnings("DOSE-SYS", sys_skipped) + corrected)
    return ParseResult(tables={"dose_discharge": discharge, "dose_syndromic": syndromic},
                       rows_in=n_dis_jur + n_dis_age + n_sys_jur + n_sys_all, warnings=warnings)


# ---------------------------------------------------------------------------------------------
# Checks

COMPONENT_GROUPS = ("any_opioid", "heroin", "stimulants", "cocaine", "psychostimulants",
                    "benzodiazepines")


def _month_key(frame: pd.DataFrame) -> pd.DataFrame:
    """`month` with 0 for annual rows: pandas cannot join on a nullable key holding NA."""
    return frame.assign(month=frame["month"].fillna(0).astype("int64"))


def _components_within_total(name: str, frame: pd.DataFrame) -> list[str]:
    """No drug group above all drugs for the same place, period, group and unit."""
    frame = _month_key(frame)
    key = ["measure", "unit", "geo_fips", "period_type", "year", "month", "sex", "age_group"]
    total = frame[frame["drug_group"] == "all_drugs"].set_index(key)["value"]
    parts = frame[frame["drug_group"].isin(COMPONENT_GROUPS)].merge(
        total.rename("all_drugs").reset_index(), on=key)
    over = parts[parts["value"] > parts["all_drugs"]]
    return [f"{name}: {r.drug_group} {r.value:g} > all drugs {r.all_drugs:g} "
            f"({r.unit}, {r.geo_name}, {r.year}-{r.month})" for r in over.head(5).itertuples()]


def _months_add_to_year(frame: pd.DataFrame) -> list[str]:
    """DOSE-DIS: 12 unsuppressed monthly counts sum to the annual count."""
    counts = frame[(frame["measure"] == "visits")]
    key = ["unit", "drug_group", "geo_fips", "year", "sex", "age_group"]
    monthly = counts[counts["period_type"] == "month"].groupby(key).agg(
        total=("value", "sum"), months=("value", "count"))
    annual = counts[counts["period_type"] == "year"].set_index(key)["value"].rename("annual")
    joined = monthly.join(annual, how="inner")
    bad = joined[(joined["months"] == 12) & (joined["total"] != joined["annual"])]
    return [f"dose_discharge {dict(zip(key, idx))}: 12 months sum to {r.total:,.0f}, annual "
            f"count is {r.annual:,.0f}" for idx, r in bad.head(5).iterrows()]


def _states_add_to_participating(frame: pd.DataFrame) -> list[str]:
    """DOSE-DIS: state counts sum to the `US` (participating) count, exactly when none is
    suppressed, and never above it."""
    frame = _month_key(frame)
    counts = frame[(frame["measure"] == "visits") & (frame["sex"] == "all")
                   & (frame["age_group"] == "all")]
    key = ["unit", "drug_group", "period_type", "year", "month"]
    states = counts[counts["geo_level"] == "state"].groupby(key).agg(
        total=("value", "sum"), suppressed=("suppressed", "any"))
    us = counts[counts["geo_fips"] == PARTICIPATING_FIPS].set_index(key)["value"].rename("us")
    joined = states.join(us, how="inner").dropna(subset=["us"])
    bad = joined[(joined["total"] > joined["us"])
                 | (~joined["suppressed"] & (joined["total"] != joined["us"]))]
    return [f"dose_discharge {dict(zip(key, idx))}: states sum to {r.total:,.0f}, US "
            f"(participating) count is {r.us:,.0f}" for idx, r in bad.head(5).iterrows()]


def checks(tables: dict[str, pd.DataFrame]) -> list[str]:
    discharge, syndromic = tables["dose_discharge"], tables["dose_syndromic"]
    return (_components_within_total("dose_discharge", discharge)
            + _components_within_total("dose_syndromic", syndromic)
            + _months_add_to_year(discharge) + _states_add_to_participating(discharge))


def _published_values(tables: dict[str, pd.DataFrame]) -> list[str]:
    discharge = tables["dose_discharge"]
    us_2018 = discharge[(discharge["geo_fips"] == PARTICIPATING_FIPS) & (discharge["sex"] == "all")
                        & (discharge["age_group"] == "all") & (discharge["period_type"] == "year")
                        & (discharge["year"] == 2018)]
    return pinned("dose_discharge", us_2018, [
        ({"drug_group": "benzodiazepines", "unit": "ED visits"}, 18_768),
        ({"drug_group": "benzodiazepines", "unit": "hospitalizations"}, 17_994)])


EDITION_CHECKS: tuple[EditionCheck, ...] = (
    EditionCheck(SOURCE.files[:3], "DOSE-DIS download of 13 Jan 2025: benzodiazepine-involved "
                 "visits of the participating jurisdictions in 2018, 18,768 ED visits and 17,994 "
                 "hospitalizations", _published_values),
)

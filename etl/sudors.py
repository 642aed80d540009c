"""CDC SUDORS dashboard download: unintentional/undetermined overdose deaths by drug, 2020–2023.

The State Unintentional Drug Overdose Reporting System combines death certificates, medical
examiner/coroner reports and postmortem toxicology. It is the only source here that separates
*illegal* (designer) benzodiazepines — bromazolam, etizolam, flualprazolam — from all
benzodiazepines, by jurisdiction and year. Definition `sudors_unintentional_undetermined`:
deaths *occurring* in participating jurisdictions (any residence) from unintentional or
undetermined-intent overdoses; a drug counts when listed as a cause on the death certificate or in
the ME/C or toxicology report. Numbers do not match CDC WONDER (resident deaths, ICD-10 coding).

Scope of this module: the drug columns of the `Data` sheet (deaths, age-adjusted rates, percents).
Drug combinations, demographics (all drugs only), circumstances, routes and monthly counts are
out of scope for now. Drug columns without a registry id (carfentanil, nitazenes, xylazine,
gabapentin, ketamine, ...) are not read.

Two meanings of 9999: the workbook writes 9999 for every hidden cell. Almost always that is a
rate on fewer than 20 deaths (suppressed). But where every detected-drug cell of a
jurisdiction-year is 9999 while the jurisdiction reported at least 20 deaths (Iowa 2020,
Tennessee 2020 and 2022 in the December 2024 download), the cells are hidden by CDC's rule that
detected-drug figures need postmortem toxicology for at least 75% of the deaths: the rows keep
no value, are not flagged suppressed, and their note starts with EXCLUDED_NOTE
(`_toxicology_excluded`; etl/corrections.csv `sudors-detected-needs-toxicology`).
"""
from __future__ import annotations

import math
import zipfile
from pathlib import Path

import pandas as pd

from etl.registry import PARTICIPATING_FIPS, STATE_BY_NAME
from etl.source import ParseResult, RawFile, Source, SourceFormatError, TableSpec
from etl.tidy import EXCLUDED_NOTE, tidy_frame
from etl.vintages import EditionCheck, pinned

WORKBOOK = "CDC SUDORS_Dashboard Output_Download 12.23.2024.xlsx"
DASHBOARD_URL = ("https://www.cdc.gov/overdose-prevention/data-research/facts-stats/"
                 "sudors-dashboard-fatal-overdose-data.html")

SOURCE = Source(
    id="cdc_sudors",
    title="CDC SUDORS dashboard: fatal drug overdose data (download)",
    publisher="CDC, National Center for Injury Prevention and Control, Division of Overdose "
              "Prevention (Overdose Data to Action)",
    landing_url=DASHBOARD_URL,
    raw_folder="cdc_sudors_dashboard",
    files=(RawFile(WORKBOOK, DASHBOARD_URL,
                   "138cafdc0b4ddc201d806c6a2d6482931c50c267f47796d8cc5c81a4fd7bc187"),),
    tables=(TableSpec(
        "sudors_state", "SUDORS overdose deaths by drug and jurisdiction, 2020–2023",
        "Unintentional and undetermined-intent overdose deaths occurring in SUDORS "
        "jurisdictions, by drug (incl. illegal benzodiazepines): deaths, age-adjusted rates "
        "and percent of overdose deaths, per jurisdiction and for all participating "
        "jurisdictions combined."),),
    coverage="2020–2023, annual; 42 jurisdictions (41 states + DC) in varying sets by year, "
             "plus the participating jurisdictions combined",
    definitions=("sudors_unintentional_undetermined",),
    citation="Centers for Disease Control and Prevention. State Unintentional Drug Overdose "
             "Reporting System (SUDORS). SUDORS Dashboard: Fatal Drug Overdose Data, data "
             "download (data entered by October 10, 2024). Accessed via the dashboard's "
             "\"Download data\" button.",
    vintage="Data entered into SUDORS by 2024-10-10; downloaded 2024-12-23",
    released="2024-12-11",
    released_from="workbook properties: last saved by CDC (NCIPC/DOP) on 2024-12-11; the Info "
                  "Tab says data were entered by 2024-10-10, and the 12.23.2024 in the file name "
                  "is the date of the download",
    caveats=(
        "SUDORS counts occurrent deaths (deaths occurring in the jurisdiction, any residence); "
        "rates use resident populations. Numbers will not match CDC WONDER (resident deaths, "
        "death-certificate coding).",
        "Only unintentional and undetermined-intent overdoses; suicides and homicides are "
        "excluded.",
        "The set of jurisdictions changes by year (OD2A-funded jurisdictions meeting "
        "completeness criteria): the 'All SUDORS jurisdictions' row is not a national total and "
        "is not comparable across years.",
        "Rates are age-standardised to the 2010 US population; 2021+ rates use Census estimates "
        "made with differential privacy and may not be directly comparable to 2020.",
        "Percentages are among decedents with known information (drug percents among deaths "
        "with a toxicology report), so count ÷ total can differ from the published percent.",
        "'Benzodiazepines' (and the other main drug groups) count drugs involved in the death "
        "(listed as a cause); 'Illegal benzodiazepines', bromazolam, etizolam and flualprazolam "
        "count drugs DETECTED on postmortem toxicology, involved or not, so they can exceed "
        "the benzodiazepine-involved count. Detected-drug figures are limited to jurisdictions "
        "with toxicology for at least 75% of deaths.",
        "Drug involvement comes from the death certificate, ME/C report or toxicology, not from "
        "ICD-10 codes; the icd10_codes column shows the registry's codes for the drug group.",
        "Published 9999 means suppressed (rates on fewer than 20 deaths); '<0.1' percents are "
        "stored as 0.1 with censored=True.",
    ),
)

SHEET = "Data"
JURISDICTION_COLUMN = "Jurisdiction"  # the data dictionary says `jurisdiction`; trust the header
YEAR_COLUMN = "year"
OVERALL = "Overall"
OVERALL_NAME = "All SUDORS jurisdictions (changes by year)"

# Raw column prefix -> registry drug group id. Each prefix has `<prefix>_<suffix>` columns for the
# suffixes listed. SUDORS "meth" is methamphetamine only; the registry's closest group is
# psychostimulants.
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "alldrug": ("all_drugs", ("deaths", "rate")),  # no percent: it would be 100
    "opioids": ("any_opioid", ("deaths", "rate", "percent")),
    "imfs": ("imfs", ("deaths", "rate", "percent")),
    "heroin": ("heroin", ("deaths", "rate", "percent")),
    "rxopioids": ("rx_opioids", ("deaths", "rate", "percent")),
    "stimulant": ("stimulants", ("deaths", "rate", "percent")),
    "cocaine": ("cocaine", ("deaths", "rate", "percent")),
    "meth": ("psychostimulants", ("deaths", "rate", "percent")),
    "nonopioid_sedatives": ("nonopioid_sedatives", ("deaths", "rate", "percent")),
    "benzodiazepines": ("benzodiazepines", ("deaths", "rate", "percent")),
    # drugs *detected* on toxicology (not "involved" like the groups above); no rates published
    "illegal_benzodiazepines": ("illegal_benzodiazepines", ("deaths", "percent")),
    "bromazolam": ("bromazolam", ("deaths", "percent")),
    "etizolam": ("etizolam", ("deaths", "percent")),
    "flualprazolam": ("flualprazolam", ("deaths", "percent")),
}

# Column suffix -> (tidy measure, unit).
MEASURE_BY_SUFFIX: dict[str, tuple[str, str]] = {
    "deaths": ("deaths", "deaths"),
    "rate": ("age_adjusted_rate", "deaths per 100,000 population, age-adjusted"),
    "percent": ("percent", "percent of overdose deaths"),
}

SUPPRESSED = 9999  # Info Tab: "A value of 9999 denotes that the value is suppressed"
CENSORED_TEXT = "<0.1"
CENSORED_NOTE = "published as <0.1"
DETECTED_NOTE = "detected on postmortem toxicology (not necessarily a cause of death)"
NOTE_BY_DRUG = {
    "psychostimulants": "SUDORS group: methamphetamine",
    "illegal_benzodiazepines": DETECTED_NOTE, "bromazolam": DETECTED_NOTE,
    "etizolam": DETECTED_NOTE, "flualprazolam": DETECTED_NOTE,
}
YEAR_RANGE = (2018, 2030)

# Columns of drugs *detected* on toxicology (data dictionary: "... with <drug> detected"), each
# with _deaths and _percent. Only the four benzodiazepine ones are read (COLUMNS); all that the
# sheet has decide whether a jurisdiction-year fell under the toxicology rule.
DETECTED_PREFIXES: tuple[str, ...] = (
    "carfentanil", "parafluorofentanyl", "other_illegal_opioids", "nitazenes", "isotonitazene",
    "metonitazene", "adulterants_sedatives", "xylazine", "gabapentin", "illegal_benzodiazepines",
    "bromazolam", "etizolam", "flualprazolam", "ketamine", "kratom", "synthetic_cannabinoid",
    "cathinones",
)
DETECTED_GROUPS = frozenset({"illegal_benzodiazepines", "bromazolam", "etizolam",
                             "flualprazolam"})
# SUDORS hides no count for its size, only rates on fewer than 20 deaths: below that total a
# row of 9999s could still be small numbers, so it stays "suppressed".
TOXICOLOGY_MIN_DEATHS = 20
TOXICOLOGY_NOTE = (f"{EXCLUDED_NOTE}: detected-drug figures are published only for "
                   "jurisdictions with postmortem toxicology for at least 75% of their deaths "
                   "in the year (CDC SUDORS rule); every detected-drug cell of this "
                   "jurisdiction-year is 9999 although its overdose deaths are published — "
                   "not a small-count suppression")


def _excel_line(index: int) -> int:
    """Sheet row number of a data row (row 1 is the header)."""
    return index + 2


def _read_data_sheet(path: Path) -> pd.DataFrame:
    """The `Data` sheet as objects (text stays text), or a SourceFormatError saying why not."""
    if not path.is_file() or path.stat().st_size == 0:
        raise SourceFormatError(path, "file is missing or empty", expected="the SUDORS "
                                "dashboard xlsx workbook", found="0 bytes")
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=object, engine="openpyxl",
                               keep_default_na=False, na_values=[])
    except (zipfile.BadZipFile, ValueError, KeyError, OSError) as err:
        raise SourceFormatError(path, "not a readable xlsx workbook (truncated or wrong format?)",
                                expected="an Excel .xlsx file", found=type(err).__name__ +
                                f": {err}") from err
    if SHEET not in sheets:
        raise SourceFormatError(path, f"sheet {SHEET!r} not found", expected=f"sheet {SHEET!r}",
                                found=", ".join(map(repr, sheets)))
    frame = sheets[SHEET]
    if frame.empty:
        raise SourceFormatError(path, f"sheet {SHEET!r} has no data rows", line=2)
    return frame


def _check_columns(path: Path, frame: pd.DataFrame) -> list[str]:
    """Return the value columns the parser reads; fail on a missing or renamed one."""
    wanted = [JURISDICTION_COLUMN, YEAR_COLUMN] + [
        f"{prefix}_{suffix}" for prefix, (_, suffixes) in COLUMNS.items() for suffix in suffixes]
    header = [str(c) for c in frame.columns]
    for name in wanted:
        if name not in header:
            raise SourceFormatError(path, f"sheet {SHEET!r}: column missing or renamed", line=1,
                                    column=name, expected=f"a header cell {name!r}",
                                    found=f"{len(header)} columns starting "
                                          f"{', '.join(header[:4])}")
    duplicated = sorted({c for c in header if header.count(c) > 1})
    if duplicated:
        raise SourceFormatError(path, "duplicate header names", line=1, column=duplicated[0])
    return wanted[2:]


def _parse_cell(path: Path, raw: object, line: int, column: str
                ) -> tuple[float, bool, bool]:
    """(value, suppressed, censored) for one published cell."""
    if isinstance(raw, str):
        text = raw.strip()
        if not text:
            raise SourceFormatError(path, "empty cell", line=line, column=column,
                                    expected=f"a number, {SUPPRESSED} or {CENSORED_TEXT!r}",
                                    found="blank")
        if text == CENSORED_TEXT:
            return 0.1, False, True
        try:
            number = float(text)
        except ValueError:
            raise SourceFormatError(path, "unreadable value", line=line, column=column,
                                    expected=f"a number, {SUPPRESSED} or {CENSORED_TEXT!r}",
                                    found=repr(raw)) from None
    elif isinstance(raw, (int, float)) and not isinstance(raw, bool):
        number = float(raw)
    else:
        number = math.nan
    if math.isnan(number):
        raise SourceFormatError(path, "empty cell", line=line, column=column,
                                expected=f"a number, {SUPPRESSED} or {CENSORED_TEXT!r}",
                                found="blank")
    if number == SUPPRESSED:
        return math.nan, True, False
    if number < 0:
        raise SourceFormatError(path, "value out of range", line=line, column=column,
                                expected="a non-negative number", found=repr(raw))
    if column.endswith("_percent") and number > 100:
        raise SourceFormatError(path, "percent out of range", line=line, column=column,
                                expected="0–100", found=repr(raw))
    return number, False, False


def _geo(path: Path, name: object, line: int) -> tuple[str, str, str]:
    """(geo_fips, geo_name, geo_level) for a jurisdiction label."""
    label = str(name).strip()
    if label == OVERALL:
        return PARTICIPATING_FIPS, OVERALL_NAME, "participating_jurisdictions"
    state = STATE_BY_NAME.get(label)
    if state is None:
        raise SourceFormatError(path, "unknown jurisdiction", line=line,
                                column=JURISDICTION_COLUMN,
                                expected="a state name, 'District of Columbia' or 'Overall'",
                                found=repr(name))
    return state.fips, state.name, "state"


def _year(path: Path, raw: object, line: int) -> int:
    try:
        year = int(float(str(raw).strip()))
    except ValueError:
        year = -1
    if not YEAR_RANGE[0] <= year <= YEAR_RANGE[1] or str(raw).strip() in ("", "nan"):
        raise SourceFormatError(path, "year out of range", line=line, column=YEAR_COLUMN,
                                expected=f"{YEAR_RANGE[0]}–{YEAR_RANGE[1]}", found=repr(raw))
    return year


def _toxicology_excluded(cells: dict[str, object], detected_columns: list[str]) -> bool:
    """Every detected-drug cell is 9999 while the jurisdiction's all-drug deaths are published
    and at least TOXICOLOGY_MIN_DEATHS: CDC's 75% toxicology rule, not small counts."""
    def is_suppressed(raw: object) -> bool:
        try:
            return float(str(raw).strip()) == SUPPRESSED
        except ValueError:
            return False
    total = cells.get("alldrug_deaths")
    try:
        deaths = float(str(total).strip())
    except ValueError:
        return False
    return (deaths != SUPPRESSED and deaths >= TOXICOLOGY_MIN_DEATHS
            and all(is_suppressed(cells[c]) for c in detected_columns))


def parse(folder: Path) -> ParseResult:
    """Read the `Data` sheet and return `sudors_state` in the tidy shape."""
    # Load
    path = Path(folder) / WORKBOOK
    frame = _read_data_sheet(path)
    value_columns = _check_columns(path, frame)
    header = {str(c) for c in frame.columns}
    detected_columns = [f"{p}_{s}" for p in DETECTED_PREFIXES for s in ("deaths", "percent")
                        if f"{p}_{s}" in header]

    # Process
    records: list[dict[str, object]] = []
    seen: dict[tuple[str, int], int] = {}
    excluded: list[str] = []
    for index, row in enumerate(frame.itertuples(index=False)):
        cells = dict(zip(frame.columns, row))
        line = _excel_line(index)
        fips, geo_name, geo_level = _geo(path, cells[JURISDICTION_COLUMN], line)
        year = _year(path, cells[YEAR_COLUMN], line)
        if (fips, year) in seen:
            raise SourceFormatError(path, f"duplicate row for {geo_name} {year}", line=line,
                                    found=f"same jurisdiction and year as line "
                                          f"{seen[(fips, year)]}")
        seen[(fips, year)] = line
        no_toxicology = _toxicology_excluded(cells, detected_columns)
        if no_toxicology:
            excluded.append(f"{geo_name} {year} (line {line})")
        for column in value_columns:
            prefix, suffix = column.rsplit("_", 1)
            drug_group = COLUMNS[prefix][0]
            measure, unit = MEASURE_BY_SUFFIX[suffix]
            value, suppressed, censored = _parse_cell(path, cells[column], line, column)
            notes = [NOTE_BY_DRUG.get(drug_group, ""), CENSORED_NOTE if censored else ""]
            if no_toxicology and drug_group in DETECTED_GROUPS:
                suppressed = False
                notes.insert(0, TOXICOLOGY_NOTE)
            records.append({
                "drug_group": drug_group, "measure": measure, "unit": unit,
                "geo_fips": fips, "geo_name": geo_name, "geo_level": geo_level,
                "year": year, "value": value, "suppressed": suppressed, "censored": censored,
                "note": "; ".join(n for n in notes if n),
            })
    years_with_overall = {y for (f, y) in seen if f == PARTICIPATING_FIPS}
    missing = sorted({y for (_, y) in seen} - years_with_overall)
    if missing:
        raise SourceFormatError(path, "no 'Overall' row for some years (truncated sheet?)",
                                column=JURISDICTION_COLUMN, expected="one Overall row per year",
                                found=f"none for {', '.join(map(str, missing))}")

    # Save
    table = tidy_frame(pd.DataFrame.from_records(records), source_id=SOURCE.id,
                       source_file=WORKBOOK, definition="sudors_unintentional_undetermined",
                       period_type="year")
    warnings = [f"{WORKBOOK}: detected-drug cells of {', '.join(excluded)} are 9999 under the "
                "75% toxicology rule, stored as excluded by the publisher, not suppressed"
                ] if excluded else []
    return ParseResult(tables={"sudors_state": table}, rows_in=len(frame), warnings=warnings)


# Sub-groups whose deaths can never exceed their parent group's deaths (same place and year).
# Illegal benzodiazepines are *detected* drugs, not a subset of benzodiazepine-*involved* deaths
# (Oregon 2020: 59 detected vs 43 involved), so they are only compared with each other.
NESTED_GROUPS: tuple[tuple[str, str], ...] = (
    ("any_opioid", "all_drugs"), ("stimulants", "all_drugs"),
    ("nonopioid_sedatives", "all_drugs"), ("imfs", "any_opioid"), ("heroin", "any_opioid"),
    ("rx_opioids", "any_opioid"), ("cocaine", "stimulants"), ("psychostimulants", "stimulants"),
    ("benzodiazepines", "nonopioid_sedatives"),
    ("bromazolam", "illegal_benzodiazepines"), ("etizolam", "illegal_benzodiazepines"),
    ("flualprazolam", "illegal_benzodiazepines"),
)


def checks(tables: dict[str, pd.DataFrame]) -> list[str]:
    """Sub-groups within their parent group; states add up to the 'Overall' row."""
    failures: list[str] = []
    deaths = tables["sudors_state"].query("measure == 'deaths'")
    wide = deaths.pivot_table(index=["geo_fips", "year"], columns="drug_group", values="value",
                              aggfunc="first")
    for child, parent in NESTED_GROUPS:
        over = wide[wide[child] > wide[parent]]
        for (fips, year), row in over.head(3).iterrows():
            failures.append(f"sudors_state {fips} {year}: {child} deaths {row[child]:,.0f} > "
                            f"{parent} deaths {row[parent]:,.0f}")
    states = deaths[deaths["geo_level"] == "state"]
    overall = deaths[deaths["geo_fips"] == PARTICIPATING_FIPS].set_index(
        ["drug_group", "year"])["value"]
    grouped = states.groupby(["drug_group", "year"])
    summed = pd.DataFrame({"sum": grouped["value"].sum(min_count=1),
                           "any_suppressed": grouped["suppressed"].any()})
    for (drug_group, year), row in summed.iterrows():
        total = overall.get((drug_group, year))
        if total is None or pd.isna(total) or pd.isna(row["sum"]):
            continue
        complete = not row["any_suppressed"]
        if (complete and row["sum"] != total) or row["sum"] > total:
            failures.append(f"sudors_state {drug_group} {year}: states sum to "
                            f"{row['sum']:,.0f}, Overall row says {total:,.0f}")
    return failures


def _overall_values(tables: dict[str, pd.DataFrame]) -> list[str]:
    overall = tables["sudors_state"]
    overall = overall[(overall["geo_fips"] == PARTICIPATING_FIPS) & (overall["measure"] == "deaths")]
    published = {"benzodiazepines": (6_735, 6_306, 5_811, 6_900),
                 "illegal_benzodiazepines": (1_051, 1_029, 766, 1_650)}
    return pinned("sudors_state", overall, [
        ({"drug_group": group, "year": year}, value) for group, values in published.items()
        for year, value in zip((2020, 2021, 2022, 2023), values)])


EDITION_CHECKS: tuple[EditionCheck, ...] = (
    EditionCheck(SOURCE.files, "download of 23 Dec 2024: Overall benzodiazepine deaths 2020–2023 "
                 "6,735 / 6,306 / 5,811 / 6,900; illegal benzodiazepines 1,051 / 1,029 / 766 / "
                 "1,650 (PROVENANCE.md)", _overall_values),
)

"""NCHS VSRR "Provisional Drug Overdose Death Counts" (data.cdc.gov xkb8-kh2a).

The Vital Statistics Rapid Release series: provisional counts of drug overdose deaths for rolling
12-month periods, by reporting jurisdiction (50 states, DC, New York City) and nationally, for all
drugs and for opioid and stimulant subgroups, both as reported and as predicted (adjusted for
reporting delay). It is the most recent official national count, so the dashboard uses it for
recency and as the all-drug / opioid denominator. It has NO benzodiazepine indicator.

Definition: NCHS underlying cause of death X40–X44, X60–X64, X85, Y10–Y14 (`ucd_overdose`); drug
involvement from the multiple-cause T-codes. Every value is provisional. `Number of Deaths` is the
all-cause count (`all_cause_mortality`), published to show how complete the data are.
"""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from etl.registry import NYC_FIPS, STATE_BY_ABBR, US_FIPS
from etl.csvfile import read_rows
from etl.source import ParseResult, RawFile, Source, SourceFormatError, TableSpec
from etl.tidy import tidy_frame
from etl.vintages import EditionCheck, pinned

RAW_NAME = "VSRR_Provisional_Drug_Overdose_Death_Counts.csv"
TABLE = "vsrr_provisional"

SOURCE = Source(
    id="nchs_vsrr",
    title="VSRR Provisional Drug Overdose Death Counts",
    publisher="CDC, National Center for Health Statistics (NVSS, Vital Statistics Rapid Release)",
    landing_url="https://www.cdc.gov/nchs/nvss/vsrr/drug-overdose-data.htm",
    raw_folder="nchs_vsrr_provisional_drug_overdose_death_counts",
    files=(
        RawFile(name=RAW_NAME,
                url="https://data.cdc.gov/api/views/xkb8-kh2a/rows.csv?accessType=DOWNLOAD",
                sha256="db43ae1a0fa6ca870edf918d4491d6a31375f251e64c86eeedaa59d51a0c0b7e",
                socrata_id="xkb8-kh2a"),
    ),
    tables=(
        TableSpec(TABLE, "Provisional drug overdose deaths, 12 months ending each month",
                  "Reported and predicted provisional counts of drug overdose deaths (all drugs, "
                  "opioid and stimulant subgroups), all-cause deaths and the percent of records "
                  "with drugs specified, by reporting jurisdiction and nationally, for rolling "
                  "12-month periods; year/month give the end of the window."),
    ),
    coverage="United States, 50 states, DC and New York City; 12-month periods ending January "
             "2015 to February 2019 (this vintage; the live dataset is updated monthly)",
    definitions=("ucd_overdose", "all_cause_mortality"),
    citation="Ahmad FB, Cisewski JA, Rossen LM, Sutton P. Provisional drug overdose death counts. "
             "National Center for Health Statistics. Dataset xkb8-kh2a, data.cdc.gov.",
    vintage="12-month periods ending January 2015 – February 2019 (export of about October 2019)",
    released_from="not stated in the file; data through the 12 months ending February 2019, and "
                  "the copy was committed to GitHub on 2019-10-12 (PROVENANCE.md), so it was "
                  "released on or before that date",
    newer_data_url="https://data.cdc.gov/NCHS/VSRR-Provisional-Drug-Overdose-Death-Counts/"
                   "xkb8-kh2a",
    newer_data_note="NCHS updates the dataset every month (about four months behind).",
    caveats=(
        "All values are provisional; the December 12-month-ending value approximates the calendar "
        "year but differs from final data (2017 final drug overdose deaths: 70,237; provisional "
        "reported 70,699).",
        "12-month-ending periods overlap: never sum months.",
        "Predicted values (adjusted for reporting delay) are published only for some "
        "jurisdiction/indicator combinations; they are kept as a separate measure "
        "(deaths_predicted), never mixed with reported counts.",
        "New York (NY) excludes New York City, which is reported separately (YC).",
        "Counts are by reporting jurisdiction (to our knowledge, state of occurrence), unlike the "
        "residence-based final NCHS/WONDER counts: check before comparing state values.",
        "No benzodiazepine indicator: this source gives all-drug and opioid context only.",
        "Values the publisher did not show for low data quality are kept as rows with no value "
        "(suppressed=False, unreliable=True, note says why), so a gap is explained, not a zero.",
        "Percent of records complete and pending investigation are carried in the note only when "
        "records are less than 100% complete or at least 1% are pending investigation.",
    ),
)

# Raw column -> what the parser uses it for. Columns are found by name, so order does not matter.
COLUMNS: dict[str, str] = {
    "State": "jurisdiction code: 2-letter state abbreviation, US (nation) or YC (New York City)",
    "Year": "year the 12-month window ends",
    "Month": "month the 12-month window ends (full English name)",
    "Period": "always '12 month-ending'",
    "Indicator": "drug group, all-cause deaths, or percent with drugs specified",
    "Data Value": "reported value; text with thousands separators; blank when not shown",
    "Percent Complete": "'100' or '99.5+' (text)",
    "Percent Pending Investigation": "float, percent of records pending investigation",
    "State Name": "jurisdiction name (checked against the registry)",
    "Footnote": "explains blanks: 'Data suppressed (<10).' and/or 'Data not shown due to low "
                "data quality.'",
    "Footnote Symbol": "'**' final data may differ; '*' underreported due to incomplete data",
    "Predicted Value": "count adjusted for reporting delay; blank when not published",
}

# Indicator text as published -> (drug group id, definition id, measure for Data Value, unit).
INDICATORS: dict[str, tuple[str, str, str, str]] = {
    "Number of Deaths": ("all_causes", "all_cause_mortality", "deaths", "deaths"),
    "Number of Drug Overdose Deaths": ("all_drugs", "ucd_overdose", "deaths", "deaths"),
    "Percent with drugs specified": ("drugs_specified", "ucd_overdose", "percent",
                                     "percent of records"),
    "Opioids (T40.0-T40.4,T40.6)": ("any_opioid", "ucd_overdose", "deaths", "deaths"),
    "Heroin (T40.1)": ("heroin", "ucd_overdose", "deaths", "deaths"),
    "Natural & semi-synthetic opioids (T40.2)": (
        "natural_semisynthetic_opioids", "ucd_overdose", "deaths", "deaths"),
    "Methadone (T40.3)": ("methadone", "ucd_overdose", "deaths", "deaths"),
    "Synthetic opioids, excl. methadone (T40.4)": (
        "synthetic_opioids", "ucd_overdose", "deaths", "deaths"),
    "Natural & semi-synthetic opioids, incl. methadone (T40.2, T40.3)": (
        "natural_semisynthetic_opioids_incl_methadone", "ucd_overdose", "deaths", "deaths"),
    "Natural, semi-synthetic, & synthetic opioids, incl. methadone (T40.2-T40.4)": (
        "natural_semisynthetic_synthetic_opioids_incl_methadone", "ucd_overdose", "deaths",
        "deaths"),
    "Cocaine (T40.5)": ("cocaine", "ucd_overdose", "deaths", "deaths"),
    "Psychostimulants with abuse potential (T43.6)": (
        "psychostimulants", "ucd_overdose", "deaths", "deaths"),
}

FOOTNOTE_SYMBOLS: dict[str, str] = {
    "**": "numbers may differ from published reports using final data",
    "*": "underreported due to incomplete data",
    "": "",
}
SUPPRESSED_TEXT = "Data suppressed"
LOW_QUALITY_TEXT = "low data quality"

MONTHS = {name: i for i, name in enumerate(
    ["January", "February", "March", "April", "May", "June", "July", "August", "September",
     "October", "November", "December"], start=1)}
PERIOD = "12 month-ending"
# Below 1% pending investigation (nearly every row) a note would only add noise.
PENDING_NOTE_FROM = 1.0
NY_NOTE = "New York State excluding New York City (reported separately)"

# Published check values of the tested export: US, 12 months ending December 2017 (PROVENANCE.md).
CHECK_VALUES: dict[tuple[str, str], float] = {
    ("all_drugs", "deaths"): 70_699, ("all_drugs", "deaths_predicted"): 72_224,
    ("any_opioid", "deaths"): 47_885, ("any_opioid", "deaths_predicted"): 48_958,
}


def _read_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """Read the CSV strictly: UTF-8 (BOM allowed), known header, same field count on every line."""
    return read_rows(path, COLUMNS, encoding_label='UTF-8 (with or without BOM)')


def _number(text: str, path: Path, line: int, column: str, low: float, high: float) -> float:
    """A published number (thousands separators removed) within [low, high]; blank -> NaN."""
    cleaned = text.strip().replace(",", "")
    if not cleaned:
        return math.nan
    try:
        value = float(cleaned)
    except ValueError:
        raise SourceFormatError(path, "not a number", line=line, column=column,
                                expected="a number", found=repr(text)) from None
    if not low <= value <= high:
        raise SourceFormatError(path, "value out of range", line=line, column=column,
                                expected=f"{low:,g} to {high:,g}", found=repr(text))
    return value


def _geography(code: str, name: str, path: Path, line: int) -> tuple[str, str, str]:
    """(geo_level, geo_fips, geo_name) for a VSRR jurisdiction code."""
    if code == "US":
        return "nation", US_FIPS, "United States"
    if code == "YC":
        return "city", NYC_FIPS, "New York City"
    state = STATE_BY_ABBR.get(code)
    if state is None:
        raise SourceFormatError(path, "unknown jurisdiction code", line=line, column="State",
                                expected="a state abbreviation, US or YC", found=repr(code))
    if name and name != state.name:
        raise SourceFormatError(path, "State Name does not match State", line=line,
                                column="State Name", expected=state.name, found=repr(name))
    return "state", state.fips, state.name


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def _completeness_note(complete: str, pending: float) -> str:
    notes = []
    if complete.strip() not in ("100", ""):
        notes.append(f"records {complete.strip()}% complete")
    if pending >= PENDING_NOTE_FROM:
        notes.append(f"{pending:.1f}% of records pending investigation")
    return _join(*notes)


def parse(folder: Path) -> ParseResult:
    """Load the VSRR CSV, reshape each row into reported (and predicted) tidy rows."""
    # Load
    path = folder / RAW_NAME
    rows = _read_rows(path)

    # Process
    out: list[dict[str, object]] = []
    seen: dict[tuple[str, str, str, str], int] = {}
    for line, r in rows:
        key = (r["State"], r["Year"], r["Month"], r["Indicator"])
        if key in seen:
            raise SourceFormatError(path, f"duplicate row (same as line {seen[key]})", line=line,
                                    expected="one row per State, Year, Month, Indicator",
                                    found=", ".join(key))
        seen[key] = line
        if r["Period"] != PERIOD:
            raise SourceFormatError(path, "unknown period type", line=line, column="Period",
                                    expected=repr(PERIOD), found=repr(r["Period"]))
        if r["Month"] not in MONTHS:
            raise SourceFormatError(path, "unknown month", line=line, column="Month",
                                    expected="a full English month name", found=repr(r["Month"]))
        if r["Indicator"] not in INDICATORS:
            raise SourceFormatError(path, "unknown indicator", line=line, column="Indicator",
                                    expected=" | ".join(INDICATORS), found=repr(r["Indicator"]))
        if r["Footnote Symbol"] not in FOOTNOTE_SYMBOLS:
            raise SourceFormatError(path, "unknown footnote symbol", line=line,
                                    column="Footnote Symbol", expected="'**', '*' or blank",
                                    found=repr(r["Footnote Symbol"]))
        year = _number(r["Year"], path, line, "Year", 1999, 2030)
        if math.isnan(year):
            raise SourceFormatError(path, "blank year", line=line, column="Year",
                                    expected="a year from 1999 to 2030", found="''")
        geo_level, geo_fips, geo_name = _geography(r["State"], r["State Name"], path, line)
        drug_group, definition, measure, unit = INDICATORS[r["Indicator"]]
        high = 100 if measure == "percent" else 10_000_000
        value = _number(r["Data Value"], path, line, "Data Value", 0, high)
        predicted = _number(r["Predicted Value"], path, line, "Predicted Value", 0, 10_000_000)
        # "99.5+" (not quite complete) is checked as its bound and shown verbatim in the note.
        _number(r["Percent Complete"].removesuffix("+"), path, line, "Percent Complete", 0, 100)
        pending = _number(r["Percent Pending Investigation"], path, line,
                          "Percent Pending Investigation", 0, 100)

        footnote = r["Footnote"]
        is_suppressed = SUPPRESSED_TEXT in footnote
        is_low_quality = LOW_QUALITY_TEXT in footnote
        if math.isnan(value) and not (is_suppressed or is_low_quality):
            raise SourceFormatError(path, "blank Data Value without a footnote explaining it",
                                    line=line, column="Footnote",
                                    expected="'Data suppressed (<10).' or 'Data not shown due "
                                             "to low data quality.'", found=repr(footnote))
        shared_note = _join(FOOTNOTE_SYMBOLS[r["Footnote Symbol"]],
                            NY_NOTE if r["State"] == "NY" else "",
                            _completeness_note(r["Percent Complete"], pending))
        base = {"definition": definition, "drug_group": drug_group, "geo_level": geo_level,
                "geo_fips": geo_fips, "geo_name": geo_name, "year": int(year),
                "month": MONTHS[r["Month"]], "suppressed": False, "unreliable": False,
                "predicted": False}
        # A value the publisher hid stays a row with no value; suppression (<10) wins over
        # "low data quality" when both footnotes apply. Shown values are kept even if a
        # footnote mentions low quality (none in this vintage).
        hidden = math.isnan(value)
        out.append({**base, "measure": measure, "unit": unit, "value": value,
                    "suppressed": hidden and is_suppressed,
                    "unreliable": hidden and is_low_quality,
                    "note": _join("suppressed (<10)" if hidden and is_suppressed else "",
                                  "not shown: low data quality"
                                  if hidden and is_low_quality else "", shared_note)})
        if not math.isnan(predicted):
            # Predicted values are published even where the reported count is hidden; they
            # are kept as published, and the note says what happened to the reported count.
            out.append({**base, "measure": "deaths_predicted",
                        "unit": "deaths",
                        "value": predicted, "predicted": True,
                        "note": _join("reported count suppressed (<10)"
                                      if hidden and is_suppressed else "",
                                      "reported count not shown: low data quality"
                                      if hidden and is_low_quality else "", shared_note)})

    # Save
    table = tidy_frame(pd.DataFrame(out), source_id=SOURCE.id, source_file=RAW_NAME,
                       period_type="12_month_ending", provisional=True)
    return ParseResult(tables={TABLE: table}, rows_in=len(rows))


def _published_values(tables: dict[str, pd.DataFrame]) -> list[str]:
    t = tables[TABLE]
    dec2017 = t[(t["geo_fips"] == US_FIPS) & (t["year"] == 2017) & (t["month"] == 12)]
    return pinned(TABLE, dec2017, [({"drug_group": g, "measure": m}, v)
                                   for (g, m), v in CHECK_VALUES.items()])


EDITION_CHECKS: tuple[EditionCheck, ...] = (
    EditionCheck(SOURCE.files, "export of about October 2019: US drug overdose deaths, 12 months "
                 "ending December 2017, 70,699 reported / 72,224 predicted; opioids 47,885 / "
                 "48,958 (PROVENANCE.md)", _published_values),
)


def checks(tables: dict[str, pd.DataFrame]) -> list[str]:
    """What holds for every vintage: predicted >= reported, jurisdictions summing to the nation,
    every jurisdiction covering the same periods."""
    t = tables[TABLE]
    failures: list[str] = []
    key = ["definition", "drug_group", "geo_fips", "year", "month"]
    reported = t[t["measure"] == "deaths"].set_index(key)["value"]
    predicted = t[t["measure"] == "deaths_predicted"].set_index(key)["value"]
    both = pd.concat({"reported": reported, "predicted": predicted}, axis=1, join="inner").dropna()
    below = both[both["predicted"] < both["reported"]]
    if len(below):
        failures.append(f"{TABLE}: {len(below)} predicted counts below the reported count, "
                        f"e.g. {below.index[0]}")
    # States (NY without NYC) plus New York City add up to the national all-drug count.
    overdoses = t[(t["measure"] == "deaths") & (t["drug_group"] == "all_drugs")]
    parts = (overdoses[overdoses["geo_level"].isin(["state", "city"])]
             .groupby(["year", "month"])["value"].sum(min_count=1))
    nation = overdoses[overdoses["geo_level"] == "nation"].set_index(["year", "month"])["value"]
    diff = (parts - nation).dropna()
    if (diff != 0).any():
        failures.append(f"{TABLE}: states + NYC differ from the US all-drug count in "
                        f"{int((diff != 0).sum())} periods, e.g. {diff[diff != 0].index[0]}")
    # Every jurisdiction covers the same periods with the core indicators, so a file cut at a
    # line boundary (which the parser's field count cannot see) fails here.
    core = t[t["drug_group"].isin(["all_causes", "all_drugs", "drugs_specified"])
             & (t["measure"] != "deaths_predicted")]
    per_place = core.groupby("geo_fips")[["year", "month", "drug_group"]].apply(
        lambda g: set(zip(g["year"], g["month"], g["drug_group"])))
    expected = set().union(*per_place)
    short = {fips: len(expected - have) for fips, have in per_place.items() if have != expected}
    if short:
        failures.append(f"{TABLE} ({RAW_NAME}): incomplete file (truncated?): jurisdictions "
                        f"lack core rows the others have (geo_fips: missing rows) {short}")
    return failures

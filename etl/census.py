"""US Census Bureau population estimates (Vintage 2024): state resident population, 2020–2024.

Why it matters: the denominators for state rates in 2020–2024, the years the CDC WONDER exports
here do not cover. Definition `population_estimate`: July 1 resident population estimates of the
Population Estimates Program, Vintage 2024 (blended 2020 base). The publisher's file has states
(SUMLEV 040) and counties (050) but no national row; the nation is the sum of the 50 states and
DC. Never mix vintages in one rate series: 2020 here differs from the Vintage 2020 value NCHS
used (Alabama 5,033,094 here vs 4,921,532 in WONDER).
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from etl.registry import STATE_BY_FIPS, US_FIPS
from etl.source import ParseResult, RawFile, Source, SourceFormatError, TableSpec
from etl.tidy import tidy_frame
from etl.vintages import EditionCheck

FILE_NAME = "co-est2024-alldata.csv"
ENCODING = "latin-1"  # publisher's encoding: "Doña Ana County" is byte 0xF1
YEARS: tuple[int, ...] = (2020, 2021, 2022, 2023, 2024)
"""Years of the tested Vintage 2024 file (EDITION_CHECKS); a newer file may add years."""
VINTAGE = "Vintage 2024"

SOURCE = Source(
    id="census_popest",
    title="Annual resident population estimates for states and counties, Vintage 2024",
    publisher="U.S. Census Bureau, Population Division, Population Estimates Program",
    landing_url="https://www.census.gov/data/tables/time-series/demo/popest/"
                "2020s-counties-total.html",
    raw_folder="census_popest_county_state_totals",
    files=(
        RawFile(
            name=FILE_NAME,
            url="https://www2.census.gov/programs-surveys/popest/datasets/2020-2024/counties/"
                "totals/co-est2024-alldata.csv",
            sha256="abcc8720d669e793bbfdcd440eeec37a78db3b452adbe4ccd1eadf7c72b522b9",
        ),
    ),
    tables=(
        TableSpec(
            name="census_population",
            title="Resident population, states and United States, 2020–2024 (Vintage 2024)",
            description="July 1 resident population estimates for the 50 states and DC, and the "
                        "United States as their sum; denominators for state rates in 2020–2024.",
        ),
    ),
    coverage="50 states, District of Columbia and the United States (sum of states); "
             "July 1, 2020 to July 1, 2024",
    definitions=("population_estimate",),
    citation="U.S. Census Bureau, Population Division. Annual Resident Population Estimates, "
             "Estimated Components of Resident Population Change, and Rates of the Components "
             "of Resident Population Change for States and Counties: April 1, 2020 to July 1, "
             "2024 (CO-EST2024-ALLDATA). Vintage 2024.",
    vintage=VINTAGE,
    released_from="not stated in the file: Vintage 2024 estimates (July 1 reference dates "
                  "2020–2024)",
    newer_data_note="The Census Bureau publishes a new vintage each year "
                    "(co-est<year>-alldata.csv under popest/datasets/2020-<year>/counties/totals/).",
    caveats=(
        "Vintage 2024 estimates (blended 2020 base): 2020 differs from the Vintage 2020 "
        "population NCHS and CDC WONDER used (Alabama 5,033,094 here vs 4,921,532); never mix "
        "vintages within one rate series.",
        "The United States row is the sum of the 50 states and DC (the file has no national "
        "row); Puerto Rico is not included.",
        "Connecticut's counties are its 9 planning regions in this vintage (not used here: "
        "state totals only).",
    ),
)

# Raw columns the parser relies on (the file has 83; births, deaths, migration are not used).
COLUMNS: dict[str, str] = {
    "SUMLEV": "summary level: 040 state, 050 county (string; keeps leading zero)",
    "STATE": "2-digit state FIPS (string; keeps leading zero)",
    "COUNTY": "3-digit county FIPS, 000 on state rows",
    "STNAME": "state name",
    "CTYNAME": "county name (Latin-1)",
    **{f"POPESTIMATE{y}": f"July 1, {y} resident population" for y in YEARS},
}
STATE_LEVEL, COUNTY_LEVEL = "040", "050"
POP_COLUMN = re.compile(r"^POPESTIMATE(\d{4})$")
YEAR_RANGE = (2000, 2030)


def _check_bytes(path: Path, data: bytes) -> None:
    """Fail clearly on an empty file or one re-saved in another encoding than Latin-1."""
    if not data.strip():
        raise SourceFormatError(path, "file is empty", line=1,
                                expected="a CSV header starting with SUMLEV", found="no data")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4096]:
        raise SourceFormatError(path, "file is UTF-16 (byte-order mark or NUL bytes)", line=1,
                                expected="Latin-1 (ISO-8859-1) text", found="UTF-16")
    if data.startswith(b"\xef\xbb\xbf"):
        raise SourceFormatError(path, "file starts with a UTF-8 byte-order mark", line=1,
                                expected="Latin-1 (ISO-8859-1) text", found="UTF-8 with BOM")
    if not data.isascii():
        # A genuine Latin-1 file with accented names is not valid UTF-8; one that decodes as
        # UTF-8 was re-saved, and reading it as Latin-1 would turn "Doña" into "DoÃ±a".
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return
        first = data[: next(i for i, b in enumerate(data) if b > 127)]
        raise SourceFormatError(path, "file was re-saved as UTF-8", line=first.count(b"\n") + 1,
                                expected="the publisher's Latin-1 (ISO-8859-1) encoding",
                                found="UTF-8 multi-byte characters")


def read_popest(path: Path) -> pd.DataFrame:
    """Read the publisher's CSV as text (Latin-1, codes as strings); add the physical `line`."""
    data = path.read_bytes()
    _check_bytes(path, data)
    text = data.decode(ENCODING)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header, body = rows[0], rows[1:]
    missing = [c for c in ("SUMLEV", "STATE", "COUNTY", "STNAME", "CTYNAME") if c not in header]
    if missing:
        raise SourceFormatError(path, "required column missing (renamed?)", line=1,
                                column=missing[0], expected=", ".join(COLUMNS),
                                found=", ".join(header[:8]) + ", …")
    records = []
    for number, row in enumerate(body, start=2):
        if not row:
            continue
        if len(row) != len(header):
            raise SourceFormatError(path, "row has the wrong number of fields (truncated file?)",
                                    line=number, expected=f"{len(header)} fields",
                                    found=f"{len(row)} fields")
        records.append([*row, number])
    frame = pd.DataFrame(records, columns=[*header, "line"], dtype=object)
    if frame.empty:
        raise SourceFormatError(path, "file has a header but no data rows", line=2)
    return frame


def _population_years(path: Path, header: list[str]) -> dict[int, str]:
    """Map year -> POPESTIMATE column, for every year the file has: years in range, with no gap
    (a renamed column leaves one), from 2020 (every vintage of this decade starts there)."""
    years: dict[int, str] = {}
    for column in header:
        match = POP_COLUMN.match(column)
        if match:
            year = int(match.group(1))
            if not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
                raise SourceFormatError(path, "population column for a year out of range", line=1,
                                        column=column, expected=f"years {YEARS[0]}–{YEARS[-1]}",
                                        found=str(year))
            years[year] = column
    last = max(years, default=YEARS[-1])
    absent = [f"POPESTIMATE{y}" for y in range(YEARS[0], max(last, YEARS[0]) + 1)
              if y not in years]
    if absent:
        raise SourceFormatError(path, "required column missing (renamed?)", line=1,
                                column=absent[0],
                                expected=", ".join(f"POPESTIMATE{y}" for y in YEARS) + " …",
                                found=", ".join(c for c in header if POP_COLUMN.match(c)) or "none")
    return {y: years[y] for y in sorted(years)}


def _count(path: Path, line: int, column: str, raw: str) -> int:
    if not raw.isdigit():
        raise SourceFormatError(path, "population is not a non-negative whole number", line=line,
                                column=column, expected="digits", found=repr(raw))
    value = int(raw)
    if value > 1_000_000_000:
        raise SourceFormatError(path, "population out of range", line=line, column=column,
                                expected="at most 1,000,000,000", found=f"{value:,}")
    return value


def _state_rows(path: Path, frame: pd.DataFrame, years: dict[int, str]) -> pd.DataFrame:
    """Long rows (state fips, name, year, value) for SUMLEV 040, checked against the registry."""
    states = frame[frame["SUMLEV"] == STATE_LEVEL]
    duplicated = states[states.duplicated("STATE", keep=False)]
    if not duplicated.empty:
        lines = duplicated["line"].tolist()
        raise SourceFormatError(path, f"state {duplicated['STATE'].iloc[0]} appears twice "
                                f"(lines {lines[0]} and {lines[1]})", line=lines[1],
                                column="STATE", expected="one row per state")
    rows = []
    for record in states.itertuples(index=False):
        rec = record._asdict()
        fips, line = rec["STATE"], rec["line"]
        state = STATE_BY_FIPS.get(fips)
        if state is None:
            raise SourceFormatError(path, "unknown state FIPS code", line=line, column="STATE",
                                    expected="a 2-digit code of the 50 states or DC",
                                    found=repr(fips))
        if rec["STNAME"] != state.name:
            raise SourceFormatError(path, "state name does not match its FIPS code", line=line,
                                    column="STNAME", expected=state.name, found=rec["STNAME"])
        for year, column in years.items():
            rows.append({"geo_fips": fips, "geo_name": state.name, "year": year,
                         "value": _count(path, line, column, rec[column])})
    long = pd.DataFrame(rows)
    if long.empty or long["geo_fips"].nunique() != len(STATE_BY_FIPS):
        found = 0 if long.empty else long["geo_fips"].nunique()
        raise SourceFormatError(path, "not every state has a row (truncated file?)",
                                column="SUMLEV", expected=f"{len(STATE_BY_FIPS)} rows with "
                                f"SUMLEV {STATE_LEVEL}", found=f"{found}")
    return long


def _check_counties_sum(path: Path, frame: pd.DataFrame, states: pd.DataFrame,
                        years: dict[int, str]) -> None:
    """Counties must add up to their state: catches a file cut off after a state's last county."""
    counties = frame[frame["SUMLEV"] == COUNTY_LEVEL]
    for year, column in years.items():
        values = pd.to_numeric(counties[column], errors="coerce")
        sums = values.groupby(counties["STATE"]).sum(min_count=1)
        published = states[states["year"] == year].set_index("geo_fips")["value"]
        for fips, total in published.items():
            if sums.get(fips, -1) != total:
                raise SourceFormatError(
                    path, f"county populations of state {fips} do not add up to the state row "
                    "(truncated or edited file?)", column=column,
                    expected=f"{total:,}", found=f"{sums.get(fips, 0):,.0f}")


def parse(folder: Path) -> ParseResult:
    """Load the Latin-1 CSV, keep state rows × 2020–2024, add the nation as their sum."""
    # Load
    path = Path(folder) / FILE_NAME
    frame = read_popest(path)
    years = _population_years(path, list(frame.columns))

    # Process
    states = _state_rows(path, frame, years)
    _check_counties_sum(path, frame, states, years)
    nation = (states.groupby("year", as_index=False)["value"].sum()
              .assign(geo_fips=US_FIPS, geo_name="United States", geo_level="nation",
                      note=f"sum of 50 states and DC; July 1 estimate, {VINTAGE}"))
    states = states.assign(geo_level="state", note=f"July 1 estimate, {VINTAGE}")
    table = tidy_frame(
        pd.concat([nation, states], ignore_index=True),
        source_id=SOURCE.id, source_file=FILE_NAME, definition="population_estimate",
        measure="population", unit="persons", drug_group="not_applicable", period_type="year")

    # Save (the build validates and writes)
    return ParseResult(tables={"census_population": table}, rows_in=len(frame))


def checks(tables: dict[str, pd.DataFrame]) -> list[str]:
    """What holds for every vintage: 52 rows (51 states + the nation) in every year."""
    per_year = tables["census_population"].groupby("year").size()
    if (per_year != 52).any():
        return [f"expected 52 rows (51 states + nation) per year, found {per_year.to_dict()}"]
    return []


def _published_values(tables: dict[str, pd.DataFrame]) -> list[str]:
    table = tables["census_population"]
    failures = []
    alabama = table[(table["geo_fips"] == "01") & (table["year"] == 2020)]["value"]
    if alabama.tolist() != [5_033_094]:
        failures.append(f"Alabama 2020 population: expected 5,033,094, found {alabama.tolist()}")
    if sorted(table["year"].unique()) != list(YEARS):
        failures.append(f"years: expected {YEARS[0]}–{YEARS[-1]}, found "
                        f"{sorted(table['year'].unique())}")
    return failures


EDITION_CHECKS: tuple[EditionCheck, ...] = (
    EditionCheck(SOURCE.files, "Vintage 2024: years 2020–2024, Alabama 2020 5,033,094 "
                 "(PROVENANCE.md)", _published_values),
)

"""NCHS "Drug Poisoning Mortality by State: United States" (data.cdc.gov jx6g-fdh6), 1999–2016.

Final NCHS counts and rates of all drug-poisoning (overdose) deaths by state of residence and
year, plus national counts by sex, age group and race/Hispanic origin. It is the official
underlying-cause denominator (all drug overdose deaths) for state and demographic comparisons
before the drug-specific series begin. No drug-type detail, so no benzodiazepines.

Definition: underlying cause of death X40–X44, X60–X64, X85, Y10–Y14 (`ucd_overdose`), all drugs.
"""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from etl.registry import STATE_BY_NAME, US_FIPS
from etl.csvfile import read_rows
from etl.source import ParseResult, RawFile, Source, SourceFormatError, TableSpec
from etl.tidy import tidy_frame
from etl.vintages import EditionCheck

RAW_NAME = "NCHS_-_Drug_Poisoning_Mortality_by_State__United_States.csv"
TABLE = "nchs_state_poisoning"

SOURCE = Source(
    id="nchs_state_poisoning",
    title="NCHS – Drug Poisoning Mortality by State: United States",
    publisher="CDC, National Center for Health Statistics",
    landing_url="https://data.cdc.gov/NCHS/NCHS-Drug-Poisoning-Mortality-by-State-United-Stat/"
                "jx6g-fdh6",
    raw_folder="nchs_drug_poisoning_mortality_by_state_jx6g-fdh6",
    files=(
        RawFile(name=RAW_NAME,
                url="https://data.cdc.gov/api/views/jx6g-fdh6/rows.csv?accessType=DOWNLOAD",
                sha256="8b1611f2619ac18e6f9c67a9bdfdce1d18f8b781ad64659d95ee9c26ce552cd8",
                socrata_id="jx6g-fdh6"),
    ),
    tables=(
        TableSpec(TABLE, "Drug poisoning deaths and rates by state, 1999–2016",
                  "All drug overdose deaths (underlying cause), population, crude and "
                  "age-adjusted rates with 95% confidence limits: by state of residence and year, "
                  "and nationally by sex, age group and race/Hispanic origin."),
    ),
    coverage="United States and 50 states + DC, 1999–2016; national rows by sex × age group × "
             "race/Hispanic origin, state rows for both sexes, all ages, all races only",
    definitions=("ucd_overdose",),
    citation="National Center for Health Statistics. Drug Poisoning Mortality by State: United "
             "States. Dataset jx6g-fdh6, data.cdc.gov.",
    vintage="1999–2016 (export of about March 2019)",
    released_from="not stated in the file; the copy was committed to GitHub on 2019-03-24 "
                  "(PROVENANCE.md), so it was released on or before that date",
    caveats=(
        "Counts are by state of residence (final data): comparable with CDC WONDER underlying-"
        "cause queries, not with SUDORS or VSRR (occurrence) or multiple-cause WONDER counts.",
        "All drugs only: no drug-type detail.",
        "95% confidence limits are kept for one rate per row: the age-adjusted rate where the "
        "publisher gives one (all-ages rows), otherwise the crude (age-specific) rate; the unit "
        "says which. Standard errors are not kept.",
        "Rates based on fewer than 20 deaths are flagged unreliable (NCHS reliability standard); "
        "the publisher shows them without a flag, so the value is kept.",
        "Population is the denominator NCHS used for the rates (definition ucd_overdose, drug "
        "group all_drugs, so it sits next to the deaths it divides).",
        "Rates are published with 4 decimals; NCHS reports them with one decimal.",
    ),
)

# Raw column -> what the parser uses it for. Found by name; order does not matter.
COLUMNS: dict[str, str] = {
    "State": "full state name or 'United States'",
    "Year": "calendar year of death",
    "Sex": "Both Sexes | Male | Female",
    "Age Group": "All Ages or an age band written with an en dash ('15–24')",
    "Race and Hispanic Origin": "All Races-All Origins | Hispanic | Non-Hispanic Black | "
                                "Non-Hispanic White",
    "Deaths": "count of deaths (integer)",
    "Population": "resident population (integer)",
    "Crude Death Rate": "per 100,000",
    "Lower Confidence Limit for Crude Rate": "95% limit",
    "Upper Confidence Limit for Crude Rate": "95% limit",
    "Age-adjusted Rate": "per 100,000, 2000 US standard; blank for age-specific rows",
    "Lower Confidence Limit for Age-adjusted Rate": "95% limit; blank for age-specific rows",
    "Upper Confidence Limit for Age-adjusted Rate": "95% limit; blank for age-specific rows",
    "Unit": "always 'per 100,000 population'",
}
# Not used: standard errors, "State Crude Rate in Range" (a map-legend bin) and the repeated
# "US Crude Rate" / "US Age-adjusted Rate" columns (same as the United States rows).

SEXES = {"Both Sexes": "all", "Male": "male", "Female": "female"}
RACES = {"All Races-All Origins": "all", "Hispanic": "Hispanic",
         "Non-Hispanic Black": "Non-Hispanic Black", "Non-Hispanic White": "Non-Hispanic White"}
AGE_GROUPS = ("0-14", "15-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+")
UNIT_TEXT = "per 100,000 population"
RATE_UNIT = "deaths per 100,000 population"
UNRELIABLE_BELOW = 20  # NCHS: rates based on fewer than 20 deaths do not meet its standard
UNRELIABLE_NOTE = ("rate based on fewer than 20 deaths: does not meet NCHS reliability "
                   "standards (flag added here; the publisher shows the rate)")

# Published check values: US all drug overdose deaths (PROVENANCE.md; equal to NCHS/NIDA).
CHECK_DEATHS: dict[int, int] = {1999: 16_849, 2010: 38_329, 2016: 63_632}


def _read_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """Read the CSV strictly: UTF-8, known header, same field count on every line."""
    return read_rows(path, COLUMNS, encoding_label='UTF-8')


def _number(text: str, path: Path, line: int, column: str, low: float, high: float,
            whole: bool = False) -> float:
    """A published number within [low, high]; blank -> NaN."""
    cleaned = text.strip().replace(",", "")
    if not cleaned:
        return math.nan
    try:
        value = float(cleaned)
    except ValueError:
        raise SourceFormatError(path, "not a number", line=line, column=column,
                                expected="a number", found=repr(text)) from None
    if not low <= value <= high or (whole and value != round(value)):
        raise SourceFormatError(path, "value out of range", line=line, column=column,
                                expected=f"{'a whole number ' if whole else ''}{low:,g} to "
                                         f"{high:,g}", found=repr(text))
    return value


def _category(text: str, mapping: dict[str, str] | tuple[str, ...], path: Path, line: int,
              column: str) -> str:
    if text not in mapping:
        raise SourceFormatError(path, "unknown category", line=line, column=column,
                                expected=" | ".join(mapping), found=repr(text))
    return mapping[text] if isinstance(mapping, dict) else text


def _age_group(text: str, path: Path, line: int) -> str:
    # The publisher writes age bands with an en dash ("15–24"); the project uses ASCII hyphens.
    if text == "All Ages":
        return "all"
    return _category(text.replace("\u2013", "-"), AGE_GROUPS, path, line, "Age Group")


def _geography(name: str, path: Path, line: int) -> tuple[str, str, str]:
    if name == "United States":
        return "nation", US_FIPS, "United States"
    state = STATE_BY_NAME.get(name)
    if state is None:
        raise SourceFormatError(path, "unknown state name", line=line, column="State",
                                expected="a state name or 'United States'", found=repr(name))
    return "state", state.fips, state.name


def parse(folder: Path) -> ParseResult:
    """Load the jx6g-fdh6 CSV and reshape each row into one tidy row per published measure."""
    # Load
    path = folder / RAW_NAME
    rows = _read_rows(path)

    # Process
    out: list[dict[str, object]] = []
    seen: dict[tuple[str, ...], int] = {}
    for line, r in rows:
        key = (r["State"], r["Year"], r["Sex"], r["Age Group"], r["Race and Hispanic Origin"])
        if key in seen:
            raise SourceFormatError(path, f"duplicate row (same as line {seen[key]})", line=line,
                                    expected="one row per State, Year, Sex, Age Group, Race",
                                    found=", ".join(key))
        seen[key] = line
        if r["Unit"] != UNIT_TEXT:
            raise SourceFormatError(path, "unexpected rate unit", line=line, column="Unit",
                                    expected=repr(UNIT_TEXT), found=repr(r["Unit"]))
        geo_level, geo_fips, geo_name = _geography(r["State"], path, line)
        base = {
            "geo_level": geo_level, "geo_fips": geo_fips, "geo_name": geo_name,
            "year": int(_number(r["Year"], path, line, "Year", 1999, 2030, whole=True)),
            "sex": _category(r["Sex"], SEXES, path, line, "Sex"),
            "age_group": _age_group(r["Age Group"], path, line),
            "race_ethnicity": _category(r["Race and Hispanic Origin"], RACES, path, line,
                                        "Race and Hispanic Origin"),
            "unreliable": False, "note": "",
        }

        def num(column: str, low: float = 0, high: float = 1000, whole: bool = False) -> float:
            return _number(r[column], path, line, column, low, high, whole)

        deaths = num("Deaths", high=10_000_000, whole=True)
        population = num("Population", low=1, high=1_000_000_000, whole=True)
        if math.isnan(deaths) or math.isnan(population):
            raise SourceFormatError(path, "Deaths and Population must not be blank", line=line,
                                    column="Deaths" if math.isnan(deaths) else "Population")
        out.append({**base, "measure": "deaths", "unit": "deaths", "value": deaths})
        out.append({**base, "measure": "population", "unit": "persons", "value": population})

        unreliable = deaths < UNRELIABLE_BELOW
        rate_flags = {"unreliable": unreliable, "note": UNRELIABLE_NOTE if unreliable else ""}
        crude = num("Crude Death Rate")
        adjusted = num("Age-adjusted Rate")
        out.append({**base, **rate_flags, "measure": "crude_rate",
                    "unit": f"{RATE_UNIT}, crude", "value": crude})
        # The key has no slot for "limit of which rate", so each row keeps the limits of one
        # rate: the age-adjusted one where published, else the crude (age-specific) one.
        if math.isnan(adjusted):
            limits_of, lower_col, upper_col = "crude", "Lower Confidence Limit for Crude Rate", \
                "Upper Confidence Limit for Crude Rate"
        else:
            out.append({**base, **rate_flags, "measure": "age_adjusted_rate",
                        "unit": f"{RATE_UNIT}, age-adjusted", "value": adjusted})
            limits_of, lower_col, upper_col = ("age-adjusted",
                                               "Lower Confidence Limit for Age-adjusted Rate",
                                               "Upper Confidence Limit for Age-adjusted Rate")
        for measure, column, bound in (("rate_lower_95", lower_col, "lower"),
                                       ("rate_upper_95", upper_col, "upper")):
            value = num(column)
            if not math.isnan(value):
                out.append({**base, **rate_flags, "measure": measure, "value": value,
                            "unit": f"{RATE_UNIT}, {limits_of}, {bound} 95% confidence limit"})

    # Save
    table = tidy_frame(pd.DataFrame(out), source_id=SOURCE.id, source_file=RAW_NAME,
                       definition="ucd_overdose", drug_group="all_drugs", period_type="year",
                       suppressed=False, provisional=False, predicted=False, censored=False)
    return ParseResult(tables={TABLE: table}, rows_in=len(rows))


def _us_totals(t: pd.DataFrame) -> pd.DataFrame:
    return t[(t["measure"] == "deaths") & (t["sex"] == "all") & (t["age_group"] == "all")
             & (t["race_ethnicity"] == "all")]


def _published_deaths(tables: dict[str, pd.DataFrame]) -> list[str]:
    totals = _us_totals(tables[TABLE])
    nation = totals[totals["geo_level"] == "nation"].set_index("year")["value"]
    return [f"{TABLE}: US deaths {year}: expected {expected:,}, found {nation.get(year)}"
            for year, expected in CHECK_DEATHS.items() if nation.get(year) != expected]


EDITION_CHECKS: tuple[EditionCheck, ...] = (
    EditionCheck(SOURCE.files, "1999–2016 export: US drug poisoning deaths 1999 16,849, 2010 "
                 "38,329, 2016 63,632 (PROVENANCE.md)", _published_deaths),
)


def checks(tables: dict[str, pd.DataFrame]) -> list[str]:
    """What holds for every vintage: states summing to the nation, every place in every year,
    the full national cross, and rates inside their 95% limits."""
    t = tables[TABLE]
    failures: list[str] = []
    totals = _us_totals(t)
    nation = totals[totals["geo_level"] == "nation"].set_index("year")["value"]
    states = totals[totals["geo_level"] == "state"].groupby("year")["value"].sum()
    diff = (states - nation).dropna()
    if (diff != 0).any():
        failures.append(f"{TABLE}: state deaths do not sum to the US total in years "
                        f"{diff[diff != 0].index.tolist()}")
    # Every place has every year and the nation the full sex x age x race cross, so a file cut
    # at a line boundary (which the parser's field count cannot see) fails here.
    deaths = t[t["measure"] == "deaths"]
    years = deaths.groupby("geo_fips")["year"].nunique()
    short = years[years != deaths["year"].nunique()]
    if len(short):
        failures.append(f"{TABLE} ({RAW_NAME}): incomplete file (truncated?): places without "
                        f"every year: {short.to_dict()}")
    groups = (deaths[deaths["geo_level"] == "nation"]
              .groupby("year")[["sex", "age_group", "race_ethnicity"]].value_counts()
              .groupby("year").size())
    if (groups != len(SEXES) * (len(AGE_GROUPS) + 1) * len(RACES)).any():
        failures.append(f"{TABLE} ({RAW_NAME}): incomplete file (truncated?): national groups "
                        f"per year {groups.to_dict()}")
    key = ["geo_fips", "year", "sex", "age_group", "race_ethnicity"]
    wide = t.pivot_table(index=key, columns="measure", values="value", aggfunc="first")
    rate = wide["age_adjusted_rate"].fillna(wide["crude_rate"])
    outside = wide[(rate < wide["rate_lower_95"] - 1e-9) | (rate > wide["rate_upper_95"] + 1e-9)]
    if len(outside):
        failures.append(f"{TABLE}: {len(outside)} rates lie outside their 95% limits, "
                        f"e.g. {outside.index[0]}")
    return failures

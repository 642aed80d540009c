"""The one long ("tidy") shape that every aggregate table in data/ has, and its schema.

One row is one published number: a measure of a drug group, in a place, in a period, for a
demographic group, under one case definition, from one source. Flags travel with the value so a
suppressed count is never mistaken for zero and a provisional month is never shown as final.
A period the publisher did not collect at all (e.g. DOSE-SYS March–August 2020) is neither: its
row has no value, is not flagged suppressed, and its note contains EXCLUDED_NOTE.
The schema is declared once here and used by the ETL build and by the tests.
"""
from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from etl.registry import DEFINITIONS, DRUG_GROUPS, GEO_LEVELS

TIDY_COLUMNS: list[str] = [
    "source_id", "source_file", "definition", "measure", "unit", "drug_group", "icd10_codes",
    "geo_level", "geo_fips", "geo_name", "period_type", "year", "month", "sex", "age_group",
    "race_ethnicity", "value", "suppressed", "unreliable", "provisional", "predicted", "censored",
    "note",
]

# A row is identified by these; two rows with the same key are a duplicate and fail the build.
TIDY_KEY: list[str] = [
    "source_id", "definition", "measure", "drug_group", "geo_fips", "period_type", "year",
    "month", "sex", "age_group", "race_ethnicity",
]

MEASURES: dict[str, str] = {
    # measure id -> what the number is (units live in the `unit` column of each row)
    "deaths": "Number of deaths",
    "deaths_predicted": "Number of deaths, predicted (adjusted for reporting delay)",
    "age_adjusted_rate": "Age-adjusted death rate",
    "crude_rate": "Crude death rate",
    "rate_lower_95": "Lower 95% confidence limit of a rate",
    "rate_upper_95": "Upper 95% confidence limit of a rate",
    "percent": "Percent",
    "population": "Resident population",
    "visits": "Number of nonfatal ED visits or hospitalizations",
    "visit_rate": "Nonfatal visit rate",
    "percent_change": "Percent change",
}

EXCLUDED_NOTE = "excluded by the publisher"
"""Marker in `note` of a row with no value because the publisher collected no data for its period
(not a small-count suppression). Written by etl/corrections.py (decision `not_a_suppression`),
read by the app to draw a gap of its own."""

PARTIAL_NOTE = "partial period"
"""Marker in `note` of a provisional row whose period is known to be incomplete (deaths still
being reported, e.g. WONDER's "provisional and partial" months); etl/currency.py then calls the
period `partial`, not just provisional."""

PERIOD_TYPES = ("year", "month", "12_month_ending")
SEXES = ("all", "female", "male")


class TidySchema(pa.DataFrameModel):
    """Declared rules for every aggregate table (checked in the build and in tests)."""

    source_id: str
    source_file: str
    definition: str = pa.Field(isin=list(DEFINITIONS))
    measure: str = pa.Field(isin=list(MEASURES))
    unit: str = pa.Field(str_length={"min_value": 1})
    drug_group: str = pa.Field(isin=list(DRUG_GROUPS))
    icd10_codes: str
    geo_level: str = pa.Field(isin=list(GEO_LEVELS))
    geo_fips: str = pa.Field(str_matches=r"^\d{2}(\d{5})?$")
    geo_name: str = pa.Field(str_length={"min_value": 1})
    period_type: str = pa.Field(isin=list(PERIOD_TYPES))
    year: int = pa.Field(ge=1999, le=2030)
    month: pd.Int64Dtype = pa.Field(ge=1, le=12, nullable=True)
    sex: str = pa.Field(isin=list(SEXES))
    age_group: str
    race_ethnicity: str
    value: float = pa.Field(nullable=True)
    suppressed: bool
    unreliable: bool
    provisional: bool
    predicted: bool
    censored: bool
    note: str

    class Config:
        strict = True
        coerce = True
        ordered = True
        unique = TIDY_KEY

    @pa.dataframe_check(error="a suppressed row must have no value (NA), never 0")
    def suppressed_has_no_value(cls, df: pd.DataFrame) -> pd.Series:
        return ~df["suppressed"] | df["value"].isna()

    @pa.dataframe_check(error="a row excluded by the publisher has no value and is not suppressed")
    def excluded_has_no_value(cls, df: pd.DataFrame) -> pd.Series:
        excluded = df["note"].str.contains(EXCLUDED_NOTE, regex=False)
        return ~excluded | (df["value"].isna() & ~df["suppressed"])

    @pa.dataframe_check(error="counts (deaths, visits, population) must be non-negative integers")
    def counts_are_whole(cls, df: pd.DataFrame) -> pd.Series:
        is_count = df["measure"].isin(["deaths", "deaths_predicted", "visits", "population"])
        v = df["value"]
        return ~is_count | v.isna() | ((v >= 0) & (v == v.round()))

    @pa.dataframe_check(error="rates must lie in 0–1000 per 100,000 (or per 10,000 visits)")
    def rates_are_sane(cls, df: pd.DataFrame) -> pd.Series:
        is_rate = df["measure"].isin(
            ["age_adjusted_rate", "crude_rate", "rate_lower_95", "rate_upper_95", "visit_rate"])
        v = df["value"]
        return ~is_rate | v.isna() | ((v >= 0) & (v <= 1000))

    @pa.dataframe_check(error="percents must lie in 0–100")
    def percents_in_range(cls, df: pd.DataFrame) -> pd.Series:
        v = df["value"]
        return (df["measure"] != "percent") | v.isna() | ((v >= 0) & (v <= 100))

    @pa.dataframe_check(error="monthly periods need a month; yearly periods must not have one")
    def month_matches_period(cls, df: pd.DataFrame) -> pd.Series:
        needs_month = df["period_type"].isin(["month", "12_month_ending"])
        return needs_month == df["month"].notna()


def tidy_frame(rows: pd.DataFrame, **constants: object) -> pd.DataFrame:
    """Return `rows` with every tidy column, in order: constants fill columns the parser left out.

    Defaults: no demographic split ("all"), no flags, empty note, no month. A parser passes what
    it knows (e.g. source_id, definition, unit) as keyword constants.
    """
    defaults: dict[str, object] = {
        "sex": "all", "age_group": "all", "race_ethnicity": "all", "month": pd.NA,
        "suppressed": False, "unreliable": False, "provisional": False, "predicted": False,
        "censored": False, "note": "",
    }
    out = rows.copy()
    for column, value in {**defaults, **constants}.items():
        if column not in out.columns:
            out[column] = value
    if "icd10_codes" not in out.columns:
        out["icd10_codes"] = out["drug_group"].map(lambda g: DRUG_GROUPS[g].icd10)
    missing = [c for c in TIDY_COLUMNS if c not in out.columns]
    if missing:
        raise ValueError(f"tidy_frame: parser did not provide columns {missing}")
    out = out[TIDY_COLUMNS]
    out["month"] = out["month"].astype("Int64")
    out["year"] = out["year"].astype("int64")
    out["value"] = out["value"].astype("float64")
    for flag in ("suppressed", "unreliable", "provisional", "predicted", "censored"):
        # A blank flag means "not flagged"; bool(NaN) would make it True.
        out[flag] = out[flag].astype("boolean").fillna(False).astype(bool)
    return out.sort_values(TIDY_KEY, kind="stable").reset_index(drop=True)


def validate_tidy(df: pd.DataFrame) -> pd.DataFrame:
    """Validate against TidySchema, reporting every failure at once."""
    return TidySchema.validate(df, lazy=True)

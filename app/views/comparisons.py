"""The rows the "Compared with other drugs" page plots: NIDA's national series for several drug
groups (underlying cause of death), within a year range, or as an index to a base year. Tidy
frames in, tidy frames out."""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from app.charts import lines
from etl.registry import US_FIPS

COMPARE_DRUGS: tuple[str, ...] = (
    "benzodiazepines", "all_drugs", "any_opioid", "synthetic_opioids", "heroin", "rx_opioids",
    "cocaine", "psychostimulants", "antidepressants")
"""The drug groups the comparison offers, benzodiazepines first."""


COMPARE_DEFAULT: tuple[str, ...] = (
    "benzodiazepines", "rx_opioids", "synthetic_opioids", "cocaine", "psychostimulants")


COMPARE_MEASURES: tuple[str, ...] = ("deaths", "age_adjusted_rate")


def drug_comparison_rows(nida: pd.DataFrame, drugs: Sequence[str], measure: str,
                         sex: str = "all") -> pd.DataFrame:
    """National yearly rows of `measure` for `drugs` (in that order) and one sex, all ages, all
    races: one row per drug and year."""
    rows = nida[nida["drug_group"].isin(list(drugs)) & (nida["measure"] == measure)
                & (nida["sex"] == sex) & (nida["age_group"] == "all")
                & (nida["race_ethnicity"] == "all") & (nida["period_type"] == "year")
                & (nida["geo_fips"] == US_FIPS)]
    order = {d: i for i, d in enumerate(drugs)}
    rows = rows.assign(_order=rows["drug_group"].map(order))
    rows = rows.sort_values(["_order", "year"], kind="stable").drop(columns="_order")
    if rows.duplicated(["drug_group", "year"]).any():
        raise ValueError("drug_comparison_rows: more than one row per drug and year")
    return rows.reset_index(drop=True)


def within_years(rows: pd.DataFrame, years: tuple[int, int]) -> pd.DataFrame:
    """Rows whose year lies in the closed span `years`."""
    lo, hi = years
    return rows[(rows["year"] >= lo) & (rows["year"] <= hi)].reset_index(drop=True)


def index_unit(base_year: int) -> str:
    return f"index, {base_year} = 100"


def indexed_rows(rows: pd.DataFrame, base_year: int) -> tuple[pd.DataFrame, list[str]]:
    """Each drug's series ÷ its own `base_year` value × 100, computed on the whole series so the
    base year may lie outside the years later shown. Measure becomes "index" and the unit names
    the base year; drugs with no usable base value are dropped and returned by id."""
    frame, dropped = lines.index_data(rows, base_year, color_by="drug_group")
    frame = frame.assign(measure="index", unit=index_unit(base_year))
    return frame.reset_index(drop=True), dropped

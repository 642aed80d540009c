"""Small synthetic tidy frames the chart-builder tests share (national deaths with suppressed and
provisional years, state rates with suppressed and unreliable states, monthly deaths, age
counts), and the checks they apply to every figure."""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from etl.registry import STATES
from etl.tidy import tidy_frame, validate_tidy


COUNT_UNIT = "deaths"


RATE_UNIT = "deaths per 100,000 population, crude"


SUPPRESSED_YEARS = (2001, 2002)


def national_deaths() -> pd.DataFrame:
    """1999–2021 deaths for four groups; 2021 provisional; 'without opioid' suppressed 2001–02."""
    bases = {"benzodiazepines": 1000, "benzodiazepines_with_any_opioid": 700,
             "benzodiazepines_without_any_opioid": 300, "any_opioid": 8000}
    rows = [dict(drug_group=g, year=y, value=float(b + (y - 1999) * 50), provisional=y == 2021)
            for g, b in bases.items() for y in range(1999, 2022)]
    df = pd.DataFrame(rows)
    hide = (df["drug_group"] == "benzodiazepines_without_any_opioid") & df["year"].isin(
        SUPPRESSED_YEARS)
    df.loc[hide, "value"] = np.nan
    df["suppressed"] = hide
    return validate_tidy(tidy_frame(
        df, source_id="nida", source_file="t.xlsx", definition="ucd_overdose", measure="deaths",
        unit=COUNT_UNIT, geo_level="nation", geo_fips="00", geo_name="United States",
        period_type="year"))


def state_rates(year: int = 2020) -> pd.DataFrame:
    """One crude rate per state + DC; every 10th state from the 4th suppressed, from the 6th
    unreliable."""
    rows = []
    for i, s in enumerate(STATES):
        suppressed = i % 10 == 3
        rows.append(dict(geo_fips=s.fips, geo_name=s.name, year=year, suppressed=suppressed,
                         value=np.nan if suppressed else 1 + i * 0.3, unreliable=i % 10 == 5))
    return validate_tidy(tidy_frame(
        pd.DataFrame(rows), source_id="wonder", source_file="w.txt", definition="mcd_overdose",
        measure="crude_rate", unit=RATE_UNIT, drug_group="benzodiazepines", geo_level="state",
        period_type="year"))


def monthly_deaths() -> pd.DataFrame:
    rows = [dict(year=y, month=m, value=float(800 + (y - 2015) * 30 + m), provisional=y == 2021)
            for y in range(2015, 2022) for m in range(1, 13)]
    return validate_tidy(tidy_frame(
        pd.DataFrame(rows), source_id="wonder", source_file="w.txt", definition="mcd_overdose",
        measure="deaths", unit=COUNT_UNIT, drug_group="benzodiazepines", geo_level="nation",
        geo_fips="00", geo_name="United States", period_type="month"))


def age_counts() -> pd.DataFrame:
    ages = ["15-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+"]
    values = [120.0, 900.0, 1100.0, np.nan, 800.0, 300.0, 90.0]
    df = pd.DataFrame({"age_group": ages, "value": values, "suppressed": pd.isna(values)})
    return validate_tidy(tidy_frame(
        df, source_id="ct_ocme", source_file="c.csv", definition="ocme_accidental",
        measure="deaths", unit=COUNT_UNIT, drug_group="benzodiazepines", geo_level="state",
        geo_fips="09", geo_name="Connecticut", period_type="year", year=2020))


def data_traces(fig: go.Figure) -> list:
    """Traces on the main y axis (the × marks for suppressed periods live on hidden y2)."""
    return [t for t in fig.data if getattr(t, "yaxis", None) in (None, "y")]


def assert_integer_year_axis(fig: go.Figure) -> None:
    xaxis = fig.layout.xaxis
    assert xaxis.tickformat == "d"
    assert xaxis.dtick is not None and float(xaxis.dtick).is_integer()
    assert float(xaxis.tick0).is_integer()
    assert xaxis.hoverformat == "d"


def values_at(fig: go.Figure, name: str, year: int) -> list[float | None]:
    out = []
    for t in data_traces(fig):
        if t.name and t.name.startswith(name) and t.x is not None:
            out += [y for x, y in zip(t.x, t.y) if x == year]
    return out

"""What the explorer tests share: the shipped manifest and tables read straight from data/, a tiny
tidy table with two definitions, a state split and a suppressed row, and a default selection."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from app.views.explorer import Selection
from etl.tidy import TIDY_COLUMNS, tidy_frame


ROOT = Path(__file__).resolve().parents[3]


DATA = ROOT / "data"


def manifest() -> dict:
    return json.loads((DATA / "manifest.json").read_text())


def table(name: str) -> pd.DataFrame:
    return pd.read_parquet(DATA / manifest()["tables"][name]["file"])


def tiny() -> pd.DataFrame:
    """A small tidy table: deaths (two definitions) and a rate, nation and two states, years
    2018–2020, totals and a sex split, one suppressed row."""
    rows = []
    for year in (2018, 2019, 2020):
        for fips, level, name in (("00", "nation", "United States"), ("09", "state", "Connecticut"),
                                  ("25", "state", "Massachusetts")):
            for sex in ("all", "female", "male"):
                rows.append(dict(measure="deaths", unit="deaths", definition="ucd_overdose",
                                 drug_group="benzodiazepines", geo_fips=fips, geo_level=level,
                                 geo_name=name, year=year, sex=sex, value=float(year - 2000)))
            rows.append(dict(measure="deaths", unit="deaths", definition="mcd_alcohol_any",
                             drug_group="alcohol", geo_fips=fips, geo_level=level, geo_name=name,
                             year=year, sex="all", value=5.0))
        rows.append(dict(measure="crude_rate", unit="deaths per 100,000 population, crude",
                         definition="ucd_overdose", drug_group="benzodiazepines", geo_fips="00",
                         geo_level="nation", geo_name="United States", year=year, sex="all",
                         value=3.5))
    frame = tidy_frame(pd.DataFrame(rows), source_id="test", source_file="test.csv",
                       icd10_codes="T42.4", period_type="year")
    frame.loc[(frame["geo_fips"] == "09") & (frame["sex"] == "female") & (frame["year"] == 2020),
              ["value", "suppressed"]] = [float("nan"), True]
    return frame[TIDY_COLUMNS]


def selection(**changes) -> Selection:
    base = Selection(measure="deaths", drugs=("benzodiazepines",), geo="nation", states=(),
                     period="year", split="none", years=(2018, 2020))
    return base._replace(**changes)

"""app/views/comparisons.py: the rows the Compare page plots keep the chosen order, sex and
measure; the index is 100 in its base year even outside the years shown and drops a series
without a base value."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from app.views import comparisons


DATA = Path(__file__).resolve().parents[3] / "data"


def processed(name: str) -> pd.DataFrame:
    manifest = json.loads((DATA / "manifest.json").read_text())
    return pd.read_parquet(DATA / manifest["tables"][name]["file"])


def nida_rows(drugs=("benzodiazepines", "cocaine"), years=range(2010, 2014)) -> pd.DataFrame:
    rows = []
    for i, drug in enumerate(drugs):
        for year in years:
            for sex in ("all", "female"):
                rows.append(dict(drug_group=drug, measure="deaths", unit="deaths", sex=sex,
                                 age_group="all", race_ethnicity="all", period_type="year",
                                 geo_fips="00", year=year, value=float((i + 1) * (year - 2000)),
                                 suppressed=False, unreliable=False, provisional=False))
    return pd.DataFrame(rows)


def test_drug_comparison_rows_keeps_the_chosen_order_sex_and_measure():
    rows = comparisons.drug_comparison_rows(nida_rows(), ["cocaine", "benzodiazepines"], "deaths",
                                            "female")
    assert list(dict.fromkeys(rows["drug_group"])) == ["cocaine", "benzodiazepines"]
    assert set(rows["sex"]) == {"female"}
    assert len(rows) == 8


def test_indexed_rows_is_100_in_the_base_year_even_outside_the_years_shown():
    rows = comparisons.drug_comparison_rows(nida_rows(), ["benzodiazepines"], "deaths")
    indexed, dropped = comparisons.indexed_rows(rows, 2010)
    assert dropped == []
    assert indexed.loc[indexed["year"] == 2010, "value"].tolist() == [100.0]
    assert indexed.loc[indexed["year"] == 2012, "value"].iloc[0] == pytest.approx(120.0)
    assert set(indexed["unit"]) == {"index, 2010 = 100"} and set(indexed["measure"]) == {"index"}
    shown = comparisons.within_years(indexed, (2012, 2013))
    assert shown["year"].tolist() == [2012, 2013]


def test_indexed_rows_drops_a_series_without_a_base_value():
    rows = comparisons.drug_comparison_rows(nida_rows(), ["benzodiazepines", "cocaine"], "deaths")
    rows.loc[(rows["drug_group"] == "cocaine") & (rows["year"] == 2011), "value"] = np.nan
    indexed, dropped = comparisons.indexed_rows(rows, 2011)
    assert dropped == ["cocaine"]
    assert set(indexed["drug_group"]) == {"benzodiazepines"}


def test_compare_drugs_are_all_in_the_nida_table():
    nida = processed("nida_national")
    rows = comparisons.drug_comparison_rows(nida, comparisons.COMPARE_DRUGS, "age_adjusted_rate")
    assert set(rows["drug_group"]) == set(comparisons.COMPARE_DRUGS)
    assert set(comparisons.COMPARE_DEFAULT) <= set(comparisons.COMPARE_DRUGS)
    assert "benzodiazepines" in comparisons.COMPARE_DEFAULT

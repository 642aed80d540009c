"""app/views.py: the rows the Compare and States pages plot, on small frames built here (one quirk
each) and, where the claim is about the real data, on the processed tables."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from app import views
from etl.registry import STATES

DATA = Path(__file__).resolve().parents[2] / "data"


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


def wonder_rows(year: int, deaths: dict[str, float | None], population: float = 1_000_000,
                drug: str = "benzodiazepines") -> pd.DataFrame:
    """State rows of one year: deaths (None = suppressed) and population for every state."""
    rows = []
    for s in STATES:
        count = deaths.get(s.abbr, 100.0)
        base = dict(source_id="cdc_wonder", definition="mcd_overdose", drug_group=drug,
                    geo_level="state", geo_fips=s.fips, geo_name=s.name, period_type="year",
                    year=year, unreliable=False, provisional=False, note="")
        rows.append({**base, "measure": "deaths", "unit": "deaths", "value": count,
                     "suppressed": count is None})
        rows.append({**base, "measure": "population", "unit": "persons", "value": population,
                     "suppressed": False})
        rate = None if count is None or count < 20 else round(count / population * 1e5, 1)
        rows.append({**base, "measure": "crude_rate",
                     "unit": "deaths per 100,000 population, crude", "value": rate,
                     "suppressed": count is None,
                     "unreliable": count is not None and count < 20})
    frame = pd.DataFrame(rows)
    frame["value"] = frame["value"].astype(float)
    return frame


# --- compare ---------------------------------------------------------------------------------

def test_drug_comparison_rows_keeps_the_chosen_order_sex_and_measure():
    rows = views.drug_comparison_rows(nida_rows(), ["cocaine", "benzodiazepines"], "deaths",
                                      "female")
    assert list(dict.fromkeys(rows["drug_group"])) == ["cocaine", "benzodiazepines"]
    assert set(rows["sex"]) == {"female"}
    assert len(rows) == 8


def test_indexed_rows_is_100_in_the_base_year_even_outside_the_years_shown():
    rows = views.drug_comparison_rows(nida_rows(), ["benzodiazepines"], "deaths")
    indexed, dropped = views.indexed_rows(rows, 2010)
    assert dropped == []
    assert indexed.loc[indexed["year"] == 2010, "value"].tolist() == [100.0]
    assert indexed.loc[indexed["year"] == 2012, "value"].iloc[0] == pytest.approx(120.0)
    assert set(indexed["unit"]) == {"index, 2010 = 100"} and set(indexed["measure"]) == {"index"}
    shown = views.within_years(indexed, (2012, 2013))
    assert shown["year"].tolist() == [2012, 2013]


def test_indexed_rows_drops_a_series_without_a_base_value():
    rows = views.drug_comparison_rows(nida_rows(), ["benzodiazepines", "cocaine"], "deaths")
    rows.loc[(rows["drug_group"] == "cocaine") & (rows["year"] == 2011), "value"] = np.nan
    indexed, dropped = views.indexed_rows(rows, 2011)
    assert dropped == ["cocaine"]
    assert set(indexed["drug_group"]) == {"benzodiazepines"}


def test_compare_drugs_are_all_in_the_nida_table():
    nida = processed("nida_national")
    rows = views.drug_comparison_rows(nida, views.COMPARE_DRUGS, "age_adjusted_rate")
    assert set(rows["drug_group"]) == set(views.COMPARE_DRUGS)
    assert set(views.COMPARE_DEFAULT) <= set(views.COMPARE_DRUGS)
    assert "benzodiazepines" in views.COMPARE_DEFAULT


# --- states: WONDER --------------------------------------------------------------------------

def test_us_rate_sums_states_and_counts_suppressed_at_the_middle_of_1_to_9():
    frame = wonder_rows(2015, {"VT": None, "WY": None, "ND": 12.0})
    us = views.us_rate_from_states(frame, "benzodiazepines")
    assert len(us) == 1
    row = us.iloc[0]
    known = 100.0 * (len(STATES) - 3) + 12.0
    population = 1_000_000 * len(STATES)
    assert row["deaths_known"] == known and row["states_suppressed"] == 2
    assert row["value"] == pytest.approx((known + 2 * 5) / population * 1e5, abs=1e-3)
    assert row["rate_low"] == pytest.approx((known + 2) / population * 1e5)
    assert row["rate_high"] == pytest.approx((known + 18) / population * 1e5)
    assert not row["suppressed"] and "2 states suppressed" in row["note"]
    assert row["geo_name"] == views.US_LABEL and row["definition"] == "mcd_overdose"


def test_us_rate_is_empty_when_a_state_has_no_row():
    frame = wonder_rows(2015, {})
    frame = frame[frame["geo_fips"] != "56"]
    us = views.us_rate_from_states(frame, "benzodiazepines")
    assert us["value"].isna().all() and us["suppressed"].all()
    assert "not computed" in us["note"].iloc[0]


def test_us_rate_matches_wonder_national_counts_where_both_exist():
    """The U.S. rate from the states agrees with WONDER's own national monthly counts (same
    definition) summed by year: the national count lies inside the suppressed-state range."""
    wonder = processed("wonder_mcd")
    for drug in views.wonder_state_drugs(wonder):
        us = views.us_rate_from_states(wonder, drug).set_index("year")
        national = wonder[(wonder["geo_level"] == "nation") & (wonder["drug_group"] == drug)
                          & (wonder["measure"] == "deaths") & ~wonder["provisional"]]
        by_year = national.groupby("year")["value"].agg(["sum", "size"])
        for year, row in by_year[by_year["size"] == 12].iterrows():
            if year not in us.index or pd.isna(us.loc[year, "value"]):
                continue
            rate = row["sum"] / us.loc[year, "population"] * 1e5
            assert us.loc[year, "rate_low"] - 1e-9 <= rate <= us.loc[year, "rate_high"] + 1e-9, \
                (drug, year)
            assert round(rate, 1) == pytest.approx(round(us.loc[year, "value"], 1), abs=0.1)


def test_us_rate_uncertainty_is_half_the_widest_range():
    us = pd.DataFrame({"rate_low": [1.0, 2.0], "rate_high": [1.02, 2.1]})
    assert views.us_rate_uncertainty(us) == pytest.approx(0.05)
    assert views.us_rate_uncertainty(us.iloc[0:0]) == 0.0


def test_hidden_rates_become_suppressed_gaps_for_lines():
    rates = views.wonder_state_rows(wonder_rows(2015, {"VT": 12.0}), "benzodiazepines")
    lines = views.hidden_rates_as_suppressed(rates)
    vt = lines[lines["geo_fips"] == "50"].iloc[0]
    assert pd.isna(vt["value"]) and vt["suppressed"] and not vt["unreliable"]
    assert not rates.loc[rates["geo_fips"] == "50", "suppressed"].iloc[0], "input not mutated"


def test_state_comparison_rows_orders_states_then_the_us():
    frame = pd.concat([wonder_rows(2015, {}), wonder_rows(2016, {})], ignore_index=True)
    rates = views.wonder_state_rows(frame, "benzodiazepines")
    us = views.us_rate_from_states(frame, "benzodiazepines")
    rows = views.state_comparison_rows(rates, us, ["WV", "CA"])
    assert list(dict.fromkeys(rows["geo_name"])) == ["West Virginia", "California", views.US_LABEL]
    assert views.state_comparison_rows(rates, us, ["WV"], (2016, 2016))["year"].unique() == [2016]


def test_states_without_rate_names_the_reason_and_count():
    frame = wonder_rows(2015, {"VT": None, "WY": 14.0})
    rates = views.wonder_state_rows(frame, "benzodiazepines", "crude_rate", 2015)
    deaths = views.wonder_state_rows(frame, "benzodiazepines", "deaths", 2015)
    rates = rates[rates["geo_fips"] != "01"]
    table = views.states_without_rate(rates, deaths).set_index("state")
    assert table.loc["Vermont", "reason"] == "count suppressed by WONDER (1–9 deaths)"
    assert pd.isna(table.loc["Vermont", "deaths"])
    assert table.loc["Wyoming", "deaths"] == 14
    assert "fewer than 20" in table.loc["Wyoming", "reason"]
    assert table.loc["Alabama", "reason"] == "no row published"
    text = views.states_without_rate_markdown(table.reset_index())
    assert "- Rate hidden by WONDER (fewer than 20 deaths): Wyoming (14 deaths)." in text
    assert text.count("\n") == 2


def test_highest_rate_and_state_options():
    rates = views.wonder_state_rows(wonder_rows(2015, {"WV": 900.0}), "benzodiazepines",
                                    year=2015)
    assert views.highest_rate(rates) == ("West Virginia", 90.0)
    assert views.highest_rate(rates.iloc[0:0]) is None
    assert len(views.state_options()) == 51 and views.state_name("DC") == "District of Columbia"


def test_wonder_state_drugs_exclude_the_alcohol_definition():
    drugs = views.wonder_state_drugs(processed("wonder_mcd"))
    assert drugs[0] == "benzodiazepines" and "alcohol" not in drugs


# --- states: SUDORS --------------------------------------------------------------------------

def test_sudors_helpers_on_the_processed_table():
    sudors = processed("sudors_state")
    assert views.sudors_drug_for("synthetic_opioids", sudors) == "benzodiazepines"
    assert views.sudors_drug_for("cocaine", sudors) == "cocaine"
    coverage = views.sudors_jurisdictions_by_year(sudors, "benzodiazepines")
    assert sorted(coverage) == views.sudors_years(sudors)
    year = max(coverage)
    rows = views.sudors_state_rows(sudors, "benzodiazepines", "deaths", year)
    assert len(rows) == coverage[year] and "99" not in set(rows["geo_fips"])
    combined = sudors[(sudors["geo_fips"] == "99") & (sudors["drug_group"] == "benzodiazepines")
                      & (sudors["measure"] == "deaths") & (sudors["year"] == year)]
    assert views.sudors_combined_value(sudors, "benzodiazepines", "deaths", year) == \
        combined["value"].iloc[0]
    assert views.sudors_combined_value(sudors, "benzodiazepines", "deaths", 1990) is None

"""app/views/states.py: the U.S. rate from the sum of the states (with suppressed counts at the
middle of 1–9), hidden rates as gaps, states without a rate and why, the highest rate, the state
drugs and the SUDORS helpers on the processed table."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from app.views import states
from etl.registry import STATES


DATA = Path(__file__).resolve().parents[3] / "data"


def processed(name: str) -> pd.DataFrame:
    manifest = json.loads((DATA / "manifest.json").read_text())
    return pd.read_parquet(DATA / manifest["tables"][name]["file"])


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


def test_us_rate_sums_states_and_counts_suppressed_at_the_middle_of_1_to_9():
    frame = wonder_rows(2015, {"VT": None, "WY": None, "ND": 12.0})
    us = states.us_rate_from_states(frame, "benzodiazepines")
    assert len(us) == 1
    row = us.iloc[0]
    known = 100.0 * (len(STATES) - 3) + 12.0
    population = 1_000_000 * len(STATES)
    assert row["deaths_known"] == known and row["states_suppressed"] == 2
    assert row["value"] == pytest.approx((known + 2 * 5) / population * 1e5, abs=1e-3)
    assert row["rate_low"] == pytest.approx((known + 2) / population * 1e5)
    assert row["rate_high"] == pytest.approx((known + 18) / population * 1e5)
    assert not row["suppressed"] and "2 states suppressed" in row["note"]
    assert row["geo_name"] == states.US_LABEL and row["definition"] == "mcd_overdose"


def test_us_rate_is_empty_when_a_state_has_no_row():
    frame = wonder_rows(2015, {})
    frame = frame[frame["geo_fips"] != "56"]
    us = states.us_rate_from_states(frame, "benzodiazepines")
    assert us["value"].isna().all() and us["suppressed"].all()
    assert "not computed" in us["note"].iloc[0]


def test_us_rate_matches_wonder_national_counts_where_both_exist():
    """The U.S. rate from the states agrees with WONDER's own national monthly counts (same
    definition) summed by year: the national count lies inside the suppressed-state range."""
    wonder = processed("wonder_mcd")
    for drug in states.wonder_state_drugs(wonder):
        us = states.us_rate_from_states(wonder, drug).set_index("year")
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
    assert states.us_rate_uncertainty(us) == pytest.approx(0.05)
    assert states.us_rate_uncertainty(us.iloc[0:0]) == 0.0


def test_hidden_rates_become_suppressed_gaps_for_lines():
    rates = states.wonder_state_rows(wonder_rows(2015, {"VT": 12.0}), "benzodiazepines")
    lines = states.hidden_rates_as_suppressed(rates)
    vt = lines[lines["geo_fips"] == "50"].iloc[0]
    assert pd.isna(vt["value"]) and vt["suppressed"] and not vt["unreliable"]
    assert not rates.loc[rates["geo_fips"] == "50", "suppressed"].iloc[0], "input not mutated"


def test_state_comparison_rows_orders_states_then_the_us():
    frame = pd.concat([wonder_rows(2015, {}), wonder_rows(2016, {})], ignore_index=True)
    rates = states.wonder_state_rows(frame, "benzodiazepines")
    us = states.us_rate_from_states(frame, "benzodiazepines")
    rows = states.state_comparison_rows(rates, us, ["WV", "CA"])
    assert list(dict.fromkeys(rows["geo_name"])) == ["West Virginia", "California", states.US_LABEL]
    assert states.state_comparison_rows(rates, us, ["WV"], (2016, 2016))["year"].unique() == [2016]


def test_states_without_rate_names_the_reason_and_count():
    frame = wonder_rows(2015, {"VT": None, "WY": 14.0})
    rates = states.wonder_state_rows(frame, "benzodiazepines", "crude_rate", 2015)
    deaths = states.wonder_state_rows(frame, "benzodiazepines", "deaths", 2015)
    rates = rates[rates["geo_fips"] != "01"]
    table = states.states_without_rate(rates, deaths).set_index("state")
    assert table.loc["Vermont", "reason"] == "count suppressed by WONDER (1–9 deaths)"
    assert pd.isna(table.loc["Vermont", "deaths"])
    assert table.loc["Wyoming", "deaths"] == 14
    assert "fewer than 20" in table.loc["Wyoming", "reason"]
    assert table.loc["Alabama", "reason"] == "no row published"
    text = states.states_without_rate_markdown(table.reset_index())
    assert "- Rate hidden by WONDER (fewer than 20 deaths): Wyoming (14 deaths)." in text
    assert text.count("\n") == 2


def test_highest_rate_and_state_options():
    rates = states.wonder_state_rows(wonder_rows(2015, {"WV": 900.0}), "benzodiazepines",
                                     year=2015)
    assert states.highest_rate(rates) == ("West Virginia", 90.0)
    assert states.highest_rate(rates.iloc[0:0]) is None
    assert len(states.state_options()) == 51 and states.state_name("DC") == "District of Columbia"


def test_wonder_state_drugs_exclude_the_alcohol_definition():
    drugs = states.wonder_state_drugs(processed("wonder_mcd"))
    assert drugs[0] == "benzodiazepines" and "alcohol" not in drugs


def test_sudors_helpers_on_the_processed_table():
    sudors = processed("sudors_state")
    assert states.sudors_drug_for("synthetic_opioids", sudors) == "benzodiazepines"
    assert states.sudors_drug_for("cocaine", sudors) == "cocaine"
    coverage = states.sudors_jurisdictions_by_year(sudors, "benzodiazepines")
    assert sorted(coverage) == states.sudors_years(sudors)
    year = max(coverage)
    rows = states.sudors_state_rows(sudors, "benzodiazepines", "deaths", year)
    assert len(rows) == coverage[year] and "99" not in set(rows["geo_fips"])
    combined = sudors[(sudors["geo_fips"] == "99") & (sudors["drug_group"] == "benzodiazepines")
                      & (sudors["measure"] == "deaths") & (sudors["year"] == year)]
    assert states.sudors_combined_value(sudors, "benzodiazepines", "deaths", year) == \
        combined["value"].iloc[0]
    assert states.sudors_combined_value(sudors, "benzodiazepines", "deaths", 1990) is None


def test_states_without_rate_names_a_publisher_exclusion_with_its_reason():
    from etl.registry import STATES
    rows = pd.DataFrame({"geo_fips": [s.fips for s in STATES], "value": 1.0, "suppressed": False,
                         "unreliable": False, "note": ""})
    rows.loc[0, ["value", "note"]] = [float("nan"), "excluded by the publisher: needs "
                                                    "toxicology for 75% of deaths; detected"]
    out = states.states_without_rate(rows, rows.assign(value=100.0), publisher="SUDORS")
    assert out["state"].tolist() == [STATES[0].name] and out["deaths"].isna().all()
    assert out["reason"].tolist() == ["not published by SUDORS, not a small count: needs "
                                      "toxicology for 75% of deaths"]

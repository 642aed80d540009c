"""pages/states.py: the WONDER state map, ranking and state lines with the U.S. computed from the
same table, then the SUDORS section. Metrics equal the processed data, suppressed and hidden rates
are marked (never 0) and listed, controls live in the URL, hostile links fall back with a notice,
and a missing table gives a clear error."""
from __future__ import annotations

import functools

import pandas as pd
import pytest

from app.charts import theme
from etl.registry import STATE_BY_ABBR, STATES
from tests.pages import harness
from tests.pages.harness import (HOSTILE, assert_default_leaves_link, assert_link_refused,
                                 chart_spec, data_without, metrics, table, values)

run_page = functools.partial(harness.run_page, "pages/states.py")
MAP, LINES, SUDORS_MAP = range(3)  # charts drawn on the default (Map) tab


def wonder_states(drug: str, measure: str) -> pd.DataFrame:
    w = table("wonder_mcd")
    return w[(w["geo_level"] == "state") & (w["period_type"] == "year")
             & (w["drug_group"] == drug) & (w["measure"] == measure)
             & (w["definition"] == "mcd_overdose")]


def test_default_view_has_map_lines_and_sudors_map(default_run):
    at = default_run
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.get("plotly_chart")) == 3, "the Ranking tab is drawn only when opened"
    assert at.session_state["view"] == "Map"
    assert at.selectbox(key="drug").value == "benzodiazepines"
    assert at.slider(key="year").value == 2020
    assert at.multiselect(key="states").value == ["WV", "MA", "CA"]
    assert at.slider(key="sudors_year").value == 2023
    assert at.toggle(key="events").value is True
    captions = " ".join(c.value for c in at.caption)
    assert "Definition: Multiple cause" in captions and "Definition: SUDORS" in captions
    text = " ".join(m.value for m in at.markdown)
    assert "crude" in text and "occurred" in text and "participating jurisdictions" in text
    assert not at.dataframe and not [b for b in at.get("download_button")
                                     if b.key.startswith("csv_")], "details are drawn on opening"
    opened = harness.open_chart_details(run_page())
    csv = [b.key for b in opened.get("download_button") if b.key.startswith("csv_")]
    assert csv == ["csv_states_map", "csv_states_lines", "csv_states_sudors_map"], \
        "Show data offers a CSV of each chart's plotted rows"
    assert len(opened.dataframe) == 3


def test_ranking_tab_opens_from_the_link_and_draws_every_state():
    at = run_page({"view": "ranking"})
    assert not at.exception, [e.value for e in at.exception]
    specs = harness.chart_specs(at)
    assert len(specs) == 3 and all(s["data"][0]["type"] != "choropleth" for s in specs[:1])
    rates = wonder_states("benzodiazepines", "crude_rate")
    shown_states = {label for trace in specs[0]["data"] for label in values(trace["y"])}
    with_rate = rates[(rates["year"] == 2020) & rates["value"].notna()]
    assert shown_states >= set(with_rate["geo_name"]), "a bar for every state with a rate"
    assert at.query_params["view"] == "ranking"
    at.session_state["view"] = "Map"
    at.run()
    assert "view" not in at.query_params, "the default tab leaves the link"
    assert harness.chart_specs(at)[0]["data"][0]["type"] == "choropleth"


def test_metrics_equal_the_processed_data(default_run):
    at = default_run
    cards = metrics(at)
    deaths = wonder_states("benzodiazepines", "deaths")
    deaths = deaths[deaths["year"] == 2020]
    population = wonder_states("benzodiazepines", "population")
    population = population[population["year"] == 2020]["value"].sum()
    suppressed = int(deaths["value"].isna().sum())
    us = (deaths["value"].sum() + 5 * suppressed) / population * 1e5
    assert cards["United States, 2020 (per 100,000)"] == f"{us:.1f}"
    rates = wonder_states("benzodiazepines", "crude_rate")
    rates = rates[rates["year"] == 2020]
    top = rates.loc[rates["value"].idxmax()]
    assert cards[f"Highest: {top['geo_name']} (per 100,000)"] == f"{top['value']:.1f}"
    assert cards["States with no rate shown"] == f"{int(rates['value'].isna().sum())} of 51"
    sudors = table("sudors_state")
    benzo = sudors[(sudors["drug_group"] == "benzodiazepines") & (sudors["year"] == 2023)]
    combined = benzo[benzo["geo_fips"] == "99"].set_index("measure")["value"]
    reporting = benzo[(benzo["measure"] == "deaths") & (benzo["geo_fips"] != "99")]
    assert cards["Reporting jurisdictions, 2023"] == str(len(reporting))
    assert cards["Deaths, all reporting jurisdictions, 2023"] == f"{combined['deaths']:,.0f}"
    assert (cards["Age-adjusted rate, all reporting, 2023"]
            == f"{combined['age_adjusted_rate']:.1f}")


def test_map_draws_every_state_and_greys_the_hidden_ones(default_run):
    rates = wonder_states("benzodiazepines", "crude_rate")
    rates = rates[rates["year"] == 2020]
    choropleths = [t for t in chart_spec(default_run, MAP)["data"] if t["type"] == "choropleth"]
    drawn = [loc for t in choropleths for loc in t["locations"]]
    assert sorted(drawn) == sorted(s.abbr for s in STATES)
    valued = choropleths[0]
    assert len(valued["locations"]) == int(rates["value"].notna().sum())
    hidden = rates[rates["value"].isna()]
    # grey: suppressed counts, and (with a white dot) rates WONDER withholds as unreliable
    grey = [loc for t in choropleths if t["name"] in ("suppressed", "withheld")
            for loc in t["locations"]]
    assert sorted(grey) == sorted(
        next(s.abbr for s in STATES if s.fips == f) for f in hidden["geo_fips"])
    listed = next(m.value for m in default_run.markdown if "No rate shown for 2020" in m.value)
    for name in hidden["geo_name"]:
        assert name in listed


def test_lines_include_the_us_from_the_same_table_in_grey(default_run):
    shown = {t["name"]: t for t in chart_spec(default_run, LINES)["data"]
             if t.get("mode") == "lines+markers"}
    assert list(shown) == ["West Virginia", "Massachusetts", "California",
                           "United States (sum of states)"]
    wv = wonder_states("benzodiazepines", "crude_rate")
    wv = wv[wv["geo_fips"] == STATE_BY_ABBR["WV"].fips].sort_values("year")
    assert values(shown["West Virginia"]["y"]) == wv["value"].tolist()
    assert shown["United States (sum of states)"]["line"]["color"] == theme.GREY


def test_url_sets_every_control():
    at = run_page({"drug": "cocaine", "year": "2015", "states": "NY,OH", "sudors_year": "2021",
                   "events": "false"})
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="drug").value == "cocaine"
    assert at.slider(key="year").value == 2015
    assert at.multiselect(key="states").value == ["NY", "OH"]
    assert at.slider(key="sudors_year").value == 2021
    assert at.toggle(key="events").value is False
    assert any("Cocaine" in h.value and "2015" in h.value for h in at.subheader)
    names = [t["name"] for t in chart_spec(at, LINES)["data"] if t.get("mode") == "lines+markers"]
    assert names == ["New York", "Ohio", "United States (sum of states)"]
    shapes = chart_spec(at, LINES)["layout"].get("shapes", [])
    assert not any(s.get("type") == "line" for s in shapes)


def test_changing_controls_rewrites_the_url():
    at = run_page()
    at.slider(key="year").set_value(2012).run()
    at.multiselect(key="states").set_value(["TX"]).run()
    at.selectbox(key="drug").set_value("heroin").run()
    assert not at.exception
    assert at.query_params["year"] == "2012"
    assert at.query_params["states"] == "TX"
    assert at.query_params["drug"] == "heroin"
    assert_default_leaves_link(at, "slider", "year", 2020)


def test_a_drug_sudors_lacks_falls_back_to_benzodiazepines_there():
    at = run_page({"drug": "synthetic_opioids"})
    assert not at.exception
    assert any("this section shows benzodiazepines" in c.value for c in at.caption)


@pytest.mark.parametrize("query", [{"states": HOSTILE}, {"year": "1990"},
                                   {"drug": HOSTILE, "sudors_year": "2099"},
                                   {"view": HOSTILE}, {"view": "Ranking"}])
def test_hostile_link_shows_a_notice_and_the_defaults(query):
    at = run_page(query)
    assert_link_refused(at, ("markdown", "caption", "text"))
    assert at.multiselect(key="states").value == ["WV", "MA", "CA"]
    assert at.slider(key="year").value == 2020
    assert at.selectbox(key="drug").value == "benzodiazepines"
    assert at.session_state["view"] == "Map"
    assert len(at.get("plotly_chart")) == 3


@pytest.mark.parametrize("missing, charts_left", [("wonder_mcd", 0), ("sudors_state", 2)])
def test_missing_table_shows_a_clear_error(tmp_path, serve_data, missing, charts_left):
    serve_data(data_without(missing, tmp_path))
    at = run_page()
    assert not at.exception
    assert any(missing in e.value for e in at.error)
    assert len(at.get("plotly_chart")) == charts_left

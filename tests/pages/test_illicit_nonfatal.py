"""pages/illicit.py: SUDORS illegal-benzodiazepine deaths (states ranked, participating
trend, chosen states) and DOSE nonfatal visits (DOSE-SYS with the COVID-19 gap, DOSE-DIS by
state and year); metrics equal to the processed data; URL-bound controls; bad links; a missing
table."""
from __future__ import annotations

import functools
import json

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.pages import harness
from tests.pages.harness import (HOSTILE, assert_default_leaves_link, assert_link_refused,
                                 assert_table_error, chart_specs, data_without, metrics, notices,
                                 table)

run_page = functools.partial(harness.run_page, "pages/illicit.py")


def participating(measure: str, drug: str = "illegal_benzodiazepines") -> pd.DataFrame:
    sudors = table("sudors_state")
    return sudors[(sudors["drug_group"] == drug) & (sudors["measure"] == measure)
                  & (sudors["geo_fips"] == "99")].set_index("year")


@pytest.fixture(scope="module")
def nonfatal_run() -> AppTest:
    """The page opened on its nonfatal (DOSE) tab."""
    return run_page({"section": "nonfatal"})


def test_renders_deaths_and_nonfatal_charts_apart(default_run, nonfatal_run):
    for at in (default_run, nonfatal_run):
        assert not at.exception, [e.value for e in at.exception]
    deaths = [f["layout"]["title"]["text"] for f in chart_specs(default_run)]
    visits = [f["layout"]["title"]["text"] for f in chart_specs(nonfatal_run)]
    assert len(deaths) == 3 and all("detected in deaths" in t for t in deaths)
    assert len(visits) == 3 and all("NONFATAL" in t for t in visits)
    assert default_run.session_state["section"].startswith("Deaths")
    assert any("MMWR 2021;70(34)" in m.value and "mm7034a2" in m.value
               for m in default_run.markdown)
    assert any("75%" in m.value for m in default_run.markdown)
    assert any("not deaths" in m.value.lower() for m in nonfatal_run.markdown)
    for at in (default_run, nonfatal_run):
        assert sum("Source:" in c.value for c in at.caption) == 3


def test_metrics_equal_the_processed_data(default_run):
    deaths, percent = participating("deaths"), participating("percent")
    year = int(deaths.index.max())
    shown = metrics(default_run)
    assert shown[f"Deaths, {year}"] == f"{deaths.loc[year, 'value']:,.0f}"
    assert shown[f"Percent of overdose deaths, {year}"] == f"{percent.loc[year, 'value']:.1f}%"
    sudors = table("sudors_state")
    states = sudors[(sudors["drug_group"] == "illegal_benzodiazepines")
                    & (sudors["measure"] == "deaths") & (sudors["year"] == year)
                    & (sudors["geo_fips"] != "99")]
    assert shown[f"Jurisdictions reporting, {year}"] == str(states["geo_fips"].nunique())


def test_covid_gap_is_shaded_not_called_a_small_count(nonfatal_run):
    sys_spec = chart_specs(nonfatal_run)[0]
    assert any(s["type"] == "rect" for s in sys_spec["layout"]["shapes"])
    texts = json.dumps(sys_spec["layout"]["annotations"])
    assert "COVID-19" in texts
    all_participating = sys_spec["data"][0]
    assert "publisher (small count)" not in json.dumps(all_participating)


def test_censored_values_are_marked():
    at = run_page({"drug": "bromazolam", "sudors_measure": "percent", "year": "2020"})
    assert not at.exception, [e.value for e in at.exception]
    assert any("<0.1" in c.value and "Bromazolam 2020" in c.value for c in at.caption)
    bars = chart_specs(at)[0]
    assert any(str(t).startswith("<") for t in bars["data"][0]["text"])
    assert metrics(at)["Percent of overdose deaths, 2020"].startswith("<")


def test_link_sets_the_controls_and_controls_set_the_link():
    link = {"drug": "etizolam", "sudors_measure": "percent", "year": "2021", "states": "CO,WV",
            "period": "12_month_ending", "setting": "nonfatal_hosp_discharge",
            "dose_measure": "visits", "dis_year": "2019", "events": "false"}
    at = run_page(link)
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="drug").value == "etizolam"
    assert at.button_group(key="sudors_measure").value == "percent"
    assert at.slider(key="year").value == 2021
    assert at.multiselect(key="states").value == ["CO", "WV"]
    assert at.toggle(key="events").value is False
    assert not notices(at)
    assert at.query_params == link, "the closed tab's settings stay in the link"
    at.session_state["section"] = "Nonfatal overdoses (DOSE, not deaths)"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.button_group(key="period").value == "12_month_ending"
    assert at.button_group(key="setting").value == "nonfatal_hosp_discharge"
    assert at.button_group(key="dose_measure").value == "visits"
    assert at.slider(key="dis_year").value == 2019
    assert at.multiselect(key="states").value == ["CO", "WV"]
    assert at.query_params["section"] == "nonfatal"
    at.session_state["section"] = "Deaths: illegal benzodiazepines (SUDORS)"
    at.run()
    at.selectbox(key="drug").set_value("bromazolam").run()
    at.multiselect(key="states").set_value(["CO"]).run()
    assert at.query_params["drug"] == "bromazolam"
    assert at.query_params["states"] == "CO"
    assert "section" not in at.query_params
    assert_default_leaves_link(at, "selectbox", "drug", "illegal_benzodiazepines")


@pytest.mark.parametrize("section", ["deaths", "nonfatal", HOSTILE])
def test_hostile_link_falls_back_to_defaults_with_a_notice(section):
    at = run_page({"drug": HOSTILE, "year": "1900", "states": "CO,ZZ", "dis_year": "2010.5",
                   "period": "<b>", "section": section})
    assert_link_refused(at, ("markdown", "caption", "error"), markup=(HOSTILE,))
    assert "ZZ" not in at.multiselect(key="states").value and "states" not in at.query_params
    if section == "nonfatal":
        assert at.button_group(key="period").value == "month"
    else:
        assert at.selectbox(key="drug").value == "illegal_benzodiazepines"


def test_missing_table_shows_a_clear_error(tmp_path, serve_data):
    serve_data(data_without("dose_syndromic", tmp_path))
    assert_table_error(run_page(), "dose_syndromic")

"""pages/illicit.py: SUDORS illegal-benzodiazepine deaths in three lazy tabs (the participating
jurisdictions' trend beside the key figures, states ranked in one year, chosen states over time);
metrics equal to the processed data; default states that report every year, and why a chosen
state lacks a year; URL-bound controls and tabs; bad links; a missing table; and links from
before (the former nonfatal tab, states chosen on the one long page)."""
from __future__ import annotations

import functools

import pandas as pd
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


TABS = ["Participating jurisdictions combined", "States in one year", "States over time"]


def test_each_view_has_its_tab_and_draws_one_death_chart(default_run):
    at = default_run
    assert not at.exception, [e.value for e in at.exception]
    assert [t.label for t in at.tabs] == TABS
    # The combined tab is open: its one chart and the key figures' year, no state controls.
    assert len(chart_specs(at)) == 1 and at.slider(key="year").label == "Year (key figures)"
    assert not at.get("multiselect")
    headings = " ".join(m.value for m in at.markdown)
    assert "Illegal benzodiazepines detected in overdose deaths, participating jurisdictions" \
        in headings
    # Outside the tabs, on every view: what SUDORS counts, the definition, the MMWR and sources.
    assert any("MMWR 2021;70(34)" in m.value and "mm7034a2" in m.value for m in at.markdown)
    assert any("75%" in m.value for m in at.markdown)
    assert sum("Source:" in c.value for c in at.caption) == 1

    ranked, over_time = run_page({"view": "states"}), run_page({"view": "compare"})
    for tab in (ranked, over_time):
        assert not tab.exception, [e.value for e in tab.exception]
        specs = chart_specs(tab)
        assert len(specs) == 1 and sum("Source:" in c.value for c in tab.caption) == 1
        title = specs[0]["layout"]["title"]["text"]
        assert "detected in deaths" in title and "NONFATAL" not in title
        assert any("75%" in m.value for m in tab.markdown)
    assert ranked.slider(key="year").label == "Year" and not ranked.get("multiselect")
    assert "by state" in chart_specs(ranked)[0]["layout"]["title"]["text"]
    assert over_time.multiselect(key="states") and not over_time.get("slider")
    assert "selected states" in chart_specs(over_time)[0]["layout"]["title"]["text"]


def test_metrics_equal_the_processed_data(default_run):
    deaths, percent = participating("deaths"), participating("percent")
    year = int(deaths.index.max())
    shown = metrics(default_run)
    assert shown[f"Deaths with illegal (designer) benzodiazepines detected, {year}"] == \
        f"{deaths.loc[year, 'value']:,.0f}"
    assert shown[f"Percent of overdose deaths, {year}"] == f"{percent.loc[year, 'value']:.1f}%"
    sudors = table("sudors_state")
    states = sudors[(sudors["drug_group"] == "illegal_benzodiazepines")
                    & (sudors["measure"] == "deaths") & (sudors["year"] == year)
                    & (sudors["geo_fips"] != "99")]
    assert shown[f"Jurisdictions reporting, {year}"] == str(states["geo_fips"].nunique())


def test_default_states_report_every_year_and_gaps_are_explained(default_run):
    sudors = table("sudors_state")
    rows = sudors[(sudors["drug_group"] == "illegal_benzodiazepines")
                  & (sudors["measure"] == "deaths") & (sudors["geo_fips"] != "99")]
    years = rows["year"].nunique()
    chosen = run_page({"view": "compare"}).multiselect(key="states").value
    assert len(chosen) == 3
    from etl.registry import STATE_BY_ABBR
    for abbr in chosen:
        mine = rows[rows["geo_fips"] == STATE_BY_ABBR[abbr].fips]
        assert mine["value"].notna().sum() == years, f"{abbr} lacks a year"
    at = run_page({"view": "compare", "states": "TN,NY"})
    captions = " ".join(c.value for c in at.caption)
    assert "Tennessee: 2020, 2022 not published by SUDORS, not a small count" in captions
    assert "toxicology" in captions and "New York: 2020–2022 did not report to SUDORS." in captions


def test_censored_values_are_marked():
    link = {"drug": "bromazolam", "sudors_measure": "percent", "year": "2020"}
    at = run_page(link)
    assert not at.exception, [e.value for e in at.exception]
    assert any("<0.1" in c.value and "Bromazolam 2020" in c.value for c in at.caption)
    assert metrics(at)["Percent of overdose deaths, 2020"].startswith("<")
    bars = chart_specs(run_page({**link, "view": "states"}))[0]
    assert any(str(t).startswith("<") for t in bars["data"][0]["text"])


def test_toxicology_rule_is_not_called_a_small_count():
    at = run_page({"view": "states", "drug": "illegal_benzodiazepines", "year": "2020"})
    bars = chart_specs(at)[0]
    notes = " ".join(a.get("text", "") for a in bars["layout"]["annotations"]).replace("<br>", " ")
    assert "excluded by the publisher, not a small count" in notes and "Tennessee" in notes
    assert "toxicology" in notes


def test_link_sets_the_controls_and_controls_set_the_link():
    link = {"view": "compare", "drug": "etizolam", "sudors_measure": "percent", "year": "2021",
            "states": "CO,WV", "events": "false"}
    at = run_page(link)
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="drug").value == "etizolam"
    assert at.button_group(key="sudors_measure").value == "percent"
    assert at.multiselect(key="states").value == ["CO", "WV"]
    assert at.toggle(key="events").value is False
    assert not notices(at)
    assert at.query_params == link, "the year of a closed tab stays in the link"
    at.selectbox(key="drug").set_value("bromazolam").run()
    at.multiselect(key="states").set_value(["CO"]).run()
    assert at.query_params["drug"] == "bromazolam"
    assert at.query_params["states"] == "CO"
    assert_default_leaves_link(at, "selectbox", "drug", "illegal_benzodiazepines")

    # The year is one link value for both tabs that draw it: it carries over between them.
    ranked = run_page({"view": "states", "year": "2021"})
    assert ranked.slider(key="year").value == 2021
    ranked.slider(key="year").set_value(2022).run()
    assert ranked.query_params["year"] == "2022"
    ranked.session_state["view"] = TABS[0]
    ranked.run()
    assert not ranked.exception, [e.value for e in ranked.exception]
    assert ranked.slider(key="year").value == 2022 and "view" not in ranked.query_params
    assert "Jurisdictions reporting, 2022" in metrics(ranked)


def test_a_link_from_before_the_tabs_opens_the_chosen_states():
    at = run_page({"states": "TN,NY"})
    assert not at.exception, [e.value for e in at.exception]
    assert at.query_params["view"] == "compare"
    assert at.multiselect(key="states").value == ["TN", "NY"]
    # Only the link that opened the page: a reader who then picks another tab stays there.
    at.session_state["view"] = TABS[0]
    at.run()
    assert "view" not in at.query_params and not at.get("multiselect")


def test_an_old_link_to_the_nonfatal_tab_opens_the_nonfatal_page():
    at = AppTest.from_file(str(harness.ROOT / "dashboard.py"), default_timeout=60).run()
    at.switch_page("pages/illicit.py")
    at.query_params.update({"section": "nonfatal", "period": "12_month_ending", "states": "KY"})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value.startswith("Nonfatal overdoses")
    assert at.button_group(key="period").value == "12_month_ending"
    assert at.multiselect(key="states").value == ["KY"]
    assert "section" not in at.query_params, "the old tab key is not carried over"


def test_an_old_link_to_the_deaths_tab_opens_this_page_quietly():
    at = run_page({"section": "deaths"})
    assert not at.exception and not notices(at)
    assert "section" not in at.query_params


def test_hostile_link_falls_back_to_defaults_with_a_notice():
    at = run_page({"view": "compare", "drug": HOSTILE, "states": "CO,ZZ"})
    assert_link_refused(at, ("markdown", "caption", "error"), markup=(HOSTILE,))
    assert "ZZ" not in at.multiselect(key="states").value and "states" not in at.query_params
    assert at.selectbox(key="drug").value == "illegal_benzodiazepines"
    for query in ({"year": "1900"}, {"view": "states", "year": "2020.5"}, {"view": HOSTILE}):
        at = run_page(query)
        assert_link_refused(at, ("markdown", "caption", "error"), markup=(HOSTILE,))
        assert at.slider(key="year").value == int(table("sudors_state")["year"].max())


def test_missing_table_shows_a_clear_error(tmp_path, serve_data):
    serve_data(data_without("sudors_state", tmp_path))
    assert_table_error(run_page(), "sudors_state")

"""pages/who.py: charts by sex, ages 15-24, nonfatal sex × age (DOSE) and Connecticut records;
metrics equal to the processed data; controls bound to the URL; bad links; a missing table."""
from __future__ import annotations

import functools
import json

import pytest
from streamlit.testing.v1 import AppTest

from app.views import connecticut
from tests.pages import harness
from tests.pages.harness import (HOSTILE, assert_link_refused, assert_table_error, chart_spec,
                                 data_without, metrics, notices, table)

run_page = functools.partial(harness.run_page, "pages/who.py")
SECTION_CHARTS = {"us": ["who_sex", "who_age"], "nonfatal": ["who_nonfatal"],
                  "ct": ["who_ct_age_sex", "who_ct_shares", "who_ct_combinations"]}


@pytest.fixture(scope="module")
def sections() -> dict[str, AppTest]:
    """The page opened on each of its three tabs."""
    return {token: run_page({"section": token}) for token in SECTION_CHARTS}


def test_default_view_draws_only_the_national_tab(default_run):
    at = default_run
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["section"] == "United States: deaths"
    assert [c.key for c in at.get("plotly_chart")] == [f"chart_{k}" for k in SECTION_CHARTS["us"]]


def test_every_tab_draws_its_charts_with_source_captions(sections):
    for token, keys in SECTION_CHARTS.items():
        at = sections[token]
        assert not at.exception, (token, [e.value for e in at.exception])
        assert [c.key for c in at.get("plotly_chart")] == [f"chart_{k}" for k in keys], token
        assert sum("Source:" in c.value for c in at.caption) >= len(keys), token
    text = {token: " ".join(m.value for m in at.markdown) for token, at in sections.items()}
    assert "only age detail" in text["us"]
    assert "No national race and ethnicity series" in text["us"]
    assert "not deaths" in text["nonfatal"].lower()
    assert "Date reported" in text["ct"]
    assert '"Any opioid" is derived' in text["ct"]


def test_metrics_equal_the_processed_data(sections):
    nida = table("nida_national")
    benzo = nida[(nida["drug_group"] == "benzodiazepines") & (nida["age_group"] == "all")
                 & (nida["race_ethnicity"] == "all")]
    year = int(benzo["year"].max())
    latest = benzo[benzo["year"] == year].set_index(["measure", "sex"])["value"]
    shown = metrics(sections["us"])
    assert shown[f"Men: deaths, {year}"] == f"{latest['deaths', 'male']:,.0f}"
    assert shown[f"Women: deaths, {year}"] == f"{latest['deaths', 'female']:,.0f}"
    assert shown[f"Women: rate, {year}"] == f"{latest['age_adjusted_rate', 'female']:.1f}"
    ct = table("ct_ocme_deaths")
    flagged = ct[ct["benzodiazepine"]]
    span = f"{ct['year'].min()}–{ct['year'].max()}"
    shown = metrics(sections["ct"])
    assert shown[f"Deaths, {span}"] == f"{len(flagged):,}"
    assert shown["…with any opioid"] == f"{flagged['any_opioid'].mean() * 100:.1f}%"
    assert shown["…with fentanyl"] == f"{flagged['fentanyl'].mean() * 100:.1f}%"
    assert shown["…with alcohol (ethanol)"] == f"{flagged['ethanol'].mean() * 100:.1f}%"


def test_widgets_are_present_with_defaults(sections):
    us, visits, ct_tab = sections["us"], sections["nonfatal"], sections["ct"]
    assert us.button_group(key="measure").value == "count"
    assert us.toggle(key="events").value is True
    assert visits.button_group(key="measure").value == "count"
    assert visits.button_group(key="setting").value == "nonfatal_ed_discharge"
    ct = table("ct_ocme_deaths")
    assert ct_tab.slider(key="ct_years").value == (ct["year"].min(), ct["year"].max())
    assert ct_tab.toggle(key="events").value is True
    assert ct_tab.multiselect(key="combo").value == list(connecticut.DEFAULT_COMBINATION_DRUGS)
    assert all(at.get("download_button") for at in sections.values())


def test_link_sets_the_controls_and_controls_set_the_link():
    link = {"measure": "rate", "ct_years": "2015,2018", "setting": "nonfatal_hosp_discharge",
            "dose_year": "2020", "events": "false", "combo": "fentanyl,heroin"}
    at = run_page({**link, "section": "ct"})
    assert not at.exception, [e.value for e in at.exception]
    assert at.slider(key="ct_years").value == (2015, 2018)
    assert at.toggle(key="events").value is False
    assert at.multiselect(key="combo").value == ["fentanyl", "heroin"]
    assert not notices(at)
    ct = table("ct_ocme_deaths")
    picked = ct[ct["benzodiazepine"] & ct["year"].between(2015, 2018)]
    assert metrics(at)["Deaths, 2015–2018"] == f"{len(picked):,}"
    assert at.query_params == {**link, "section": "ct"}, "other tabs' settings stay in the link"
    at.slider(key="ct_years").set_value((2019, 2020)).run()
    assert at.query_params["ct_years"] == "2019,2020"
    at.session_state["section"] = "Nonfatal visits (not deaths)"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.button_group(key="measure").value == "rate"
    assert at.button_group(key="setting").value == "nonfatal_hosp_discharge"
    assert at.slider(key="dose_year").value == 2020
    at.button_group(key="measure").set_value("count").run()
    assert "measure" not in at.query_params  # back to the default
    assert at.query_params["section"] == "nonfatal"
    assert not at.exception


def test_rates_show_age_adjusted_rates_by_sex():
    at = run_page({"measure": "rate"})
    spec = chart_spec(at)
    assert "age-adjusted" in spec["layout"]["yaxis"]["title"]["text"].lower()


@pytest.mark.parametrize("section", ["us", "ct"])
def test_hostile_link_falls_back_to_defaults_with_a_notice(section):
    at = run_page({"measure": HOSTILE, "ct_years": "1900,3000", "dose_year": "99999",
                   "combo": "fentanyl,<b>", "section": section})
    assert_link_refused(at, ("markdown", "caption", "error"), markup=(HOSTILE,))
    if section == "us":
        assert at.button_group(key="measure").value == "count"
    else:
        ct = table("ct_ocme_deaths")
        assert at.slider(key="ct_years").value == (ct["year"].min(), ct["year"].max())


def test_an_unknown_section_opens_the_national_tab_with_a_notice():
    at = run_page({"section": HOSTILE})
    assert_link_refused(at, ("markdown", "caption", "error"), markup=(HOSTILE,))
    assert [c.key for c in at.get("plotly_chart")] == [f"chart_{k}" for k in SECTION_CHARTS["us"]]


def test_missing_table_shows_a_clear_error(tmp_path, serve_data):
    serve_data(data_without("ct_ocme_deaths", tmp_path))
    assert_table_error(run_page(), "ct_ocme_deaths")


def test_suppressed_cells_are_never_drawn_as_zero(sections):
    spec = chart_spec(sections["ct"], 0)  # CT age × sex
    ys = [y for trace in spec["data"] for y in (trace.get("y") or [])
          if not isinstance(trace.get("y"), dict)]
    assert 0 not in ys
    assert "suppressed" in json.dumps(spec["layout"].get("annotations", []))

"""pages/who.py: charts by sex, ages 15-24, nonfatal sex × age (DOSE) and Connecticut records;
metrics equal to the processed data; controls bound to the URL; bad links; a missing table."""
from __future__ import annotations

import functools
import json

from app import ct_views
from tests.pages import harness
from tests.pages.harness import (HOSTILE, assert_link_refused, assert_table_error, chart_spec,
                                 data_without, metrics, notices, table)

run_page = functools.partial(harness.run_page, "pages/who.py")


def test_renders_every_chart_with_source_captions(default_run):
    at = default_run
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.get("plotly_chart")) == 6  # sex, 15-24, nonfatal, CT age×sex, shares, combos
    assert sum("Source:" in c.value for c in at.caption) >= 6
    assert any("not deaths" in m.value.lower() for m in at.markdown)
    assert any("only age detail" in m.value for m in at.markdown)
    assert any("No national race and ethnicity series" in m.value for m in at.markdown)
    assert any("Date reported" in m.value for m in at.markdown)
    assert any('"Any opioid" is derived' in m.value for m in at.markdown)


def test_metrics_equal_the_processed_data(default_run):
    nida = table("nida_national")
    benzo = nida[(nida["drug_group"] == "benzodiazepines") & (nida["age_group"] == "all")
                 & (nida["race_ethnicity"] == "all")]
    year = int(benzo["year"].max())
    latest = benzo[benzo["year"] == year].set_index(["measure", "sex"])["value"]
    shown = metrics(default_run)
    assert shown[f"Men: deaths, {year}"] == f"{latest['deaths', 'male']:,.0f}"
    assert shown[f"Women: deaths, {year}"] == f"{latest['deaths', 'female']:,.0f}"
    assert shown[f"Women: rate, {year}"] == f"{latest['age_adjusted_rate', 'female']:.1f}"
    ct = table("ct_ocme_deaths")
    flagged = ct[ct["benzodiazepine"]]
    span = f"{ct['year'].min()}–{ct['year'].max()}"
    assert shown[f"Deaths, {span}"] == f"{len(flagged):,}"
    assert shown["…with any opioid"] == f"{flagged['any_opioid'].mean() * 100:.1f}%"
    assert shown["…with fentanyl"] == f"{flagged['fentanyl'].mean() * 100:.1f}%"
    assert shown["…with alcohol (ethanol)"] == f"{flagged['ethanol'].mean() * 100:.1f}%"


def test_widgets_are_present_with_defaults(default_run):
    at = default_run
    assert at.button_group(key="measure").value == "count"
    assert at.button_group(key="setting").value == "nonfatal_ed_discharge"
    assert at.toggle(key="events").value is True
    ct = table("ct_ocme_deaths")
    assert at.slider(key="ct_years").value == (ct["year"].min(), ct["year"].max())
    assert at.multiselect(key="combo").value == list(ct_views.DEFAULT_COMBINATION_DRUGS)
    assert at.get("download_button")


def test_link_sets_the_controls_and_controls_set_the_link():
    at = run_page({"measure": "rate", "ct_years": "2015,2018", "setting": "nonfatal_hosp_discharge",
                   "dose_year": "2020", "events": "false", "combo": "fentanyl,heroin"})
    assert not at.exception, [e.value for e in at.exception]
    assert at.button_group(key="measure").value == "rate"
    assert at.slider(key="ct_years").value == (2015, 2018)
    assert at.slider(key="dose_year").value == 2020
    assert at.toggle(key="events").value is False
    assert at.multiselect(key="combo").value == ["fentanyl", "heroin"]
    assert not notices(at)
    ct = table("ct_ocme_deaths")
    picked = ct[ct["benzodiazepine"] & ct["year"].between(2015, 2018)]
    assert metrics(at)["Deaths, 2015–2018"] == f"{len(picked):,}"
    at.button_group(key="measure").set_value("count").run()
    at.slider(key="ct_years").set_value((2019, 2020)).run()
    assert "measure" not in at.query_params  # back to the default
    assert at.query_params["ct_years"] == "2019,2020"
    assert not at.exception


def test_rates_show_age_adjusted_rates_by_sex():
    at = run_page({"measure": "rate"})
    spec = chart_spec(at)
    assert "age-adjusted" in spec["layout"]["yaxis"]["title"]["text"]


def test_hostile_link_falls_back_to_defaults_with_a_notice():
    at = run_page({"measure": HOSTILE, "ct_years": "1900,3000", "dose_year": "99999",
                   "combo": "fentanyl,<b>"})
    assert_link_refused(at, ("markdown", "caption", "error"), markup=(HOSTILE,))
    assert at.button_group(key="measure").value == "count"


def test_missing_table_shows_a_clear_error(tmp_path, serve_data):
    serve_data(data_without("ct_ocme_deaths", tmp_path))
    assert_table_error(run_page(), "ct_ocme_deaths")


def test_suppressed_cells_are_never_drawn_as_zero(default_run):
    spec = chart_spec(default_run, 3)  # CT age × sex
    ys = [y for trace in spec["data"] for y in (trace.get("y") or [])
          if not isinstance(trace.get("y"), dict)]
    assert 0 not in ys
    assert "suppressed" in json.dumps(spec["layout"].get("annotations", []))

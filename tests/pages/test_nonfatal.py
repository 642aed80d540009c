"""pages/nonfatal.py: DOSE nonfatal visits (DOSE-SYS with the COVID-19 gap, DOSE-DIS by state and
year, each in its own lazy tab), never called deaths; default states with data in every month;
URL-bound controls; bad links; a missing table."""
from __future__ import annotations

import functools
import json

import pytest

from tests.pages import harness
from tests.pages.harness import (HOSTILE, assert_default_leaves_link, assert_link_refused,
                                 assert_table_error, chart_specs, data_without, notices)

run_page = functools.partial(harness.run_page, "pages/nonfatal.py")


def test_each_system_has_its_tab_and_every_chart_says_it_is_not_deaths(default_run):
    at = default_run
    assert not at.exception, [e.value for e in at.exception]
    assert [t.label for t in at.tabs] == ["Emergency visits by month (DOSE-SYS)",
                                          "Visits and hospital stays by year (DOSE-DIS)"]
    # The DOSE-SYS tab is open: one chart, and no year slider until the DOSE-DIS tab opens.
    assert len(chart_specs(at)) == 1 and not at.get("slider")
    assert any("NONFATAL benzodiazepine overdose ED visits" in m.value for m in at.markdown)
    assert any("not deaths" in m.value.lower() for m in at.markdown)
    assert sum("Source:" in c.value for c in at.caption) == 1

    discharge = run_page({"view": "discharge"})
    assert not discharge.exception, [e.value for e in discharge.exception]
    specs = chart_specs(discharge)
    assert len(specs) == 2 and discharge.slider(key="dis_year")
    titles = [f["layout"].get("title", {}).get("text") for f in specs]
    assert all(t and "NONFATAL" in t for t in titles), titles
    assert any("not deaths" in m.value.lower() for m in discharge.markdown)
    assert sum("Source:" in c.value for c in discharge.caption) == 2


def test_covid_gap_is_shaded_not_called_a_small_count(default_run):
    sys_spec = chart_specs(default_run)[0]
    assert any(s["type"] == "rect" for s in sys_spec["layout"]["shapes"])
    texts = json.dumps(sys_spec["layout"]["annotations"])
    assert "COVID-19" in texts
    all_participating = sys_spec["data"][0]
    assert "publisher (small count)" not in json.dumps(all_participating)


def test_link_sets_the_controls_and_controls_set_the_link():
    link = {"view": "discharge", "states": "CO,WV", "setting": "nonfatal_hosp_discharge",
            "dose_measure": "visits", "dis_year": "2019", "events": "false"}
    at = run_page(link)
    assert not at.exception, [e.value for e in at.exception]
    assert at.button_group(key="setting").value == "nonfatal_hosp_discharge"
    assert at.button_group(key="dose_measure").value == "visits"
    assert at.slider(key="dis_year").value == 2019
    assert at.multiselect(key="states").value == ["CO", "WV"]
    assert at.toggle(key="events").value is False
    assert not notices(at)
    assert at.query_params == link
    assert_default_leaves_link(at, "button_group", "setting", "nonfatal_ed_discharge")

    visits = run_page({"period": "12_month_ending", "states": "CO,WV"})
    assert visits.button_group(key="period").value == "12_month_ending"
    visits.button_group(key="period").set_value("month").run()
    assert "period" not in visits.query_params and visits.query_params["states"] == "CO,WV"


@pytest.mark.parametrize("query,control,default", [
    ({"states": "CO,ZZ", "period": "<b>"}, "period", "month"),
    ({"view": "discharge", "states": "CO,ZZ", "dis_year": "2010.5", "setting": HOSTILE},
     "setting", "nonfatal_ed_discharge")])
def test_hostile_link_falls_back_to_defaults_with_a_notice(query, control, default):
    at = run_page(query)
    assert_link_refused(at, ("markdown", "caption", "error"), markup=(HOSTILE, "<b>"))
    assert "ZZ" not in at.multiselect(key="states").value
    assert at.button_group(key=control).value == default
    assert sum("Ignored" in c.value for c in at.caption) == 1, "named once, together"


def test_missing_table_shows_a_clear_error(tmp_path, serve_data):
    serve_data(data_without("dose_syndromic", tmp_path))
    assert_table_error(run_page(), "dose_syndromic")

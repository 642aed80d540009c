"""pages/compare.py: benzodiazepines beside other drugs (NIDA national). The chart plots exactly
the processed rows (or their index), every control lives in the URL, a hostile link falls back to
the defaults with a notice, and a missing table gives a clear error."""
from __future__ import annotations

import functools

import pytest

from app.charts import theme
from app.views import comparisons
from tests.pages import harness
from tests.pages.harness import (HOSTILE, assert_default_leaves_link, assert_link_refused,
                                 assert_table_error, chart_spec, data_without, nida_national,
                                 traces, values)

run_page = functools.partial(harness.run_page, "pages/compare.py")


def test_default_view_draws_one_chart_with_caption_definition_and_data(default_run):
    at = default_run
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.get("plotly_chart")) == 1
    assert at.title[0].value == "Compared with other drugs"
    captions = " ".join(c.value for c in at.caption)
    assert "Source:" in captions and "Definition: Underlying cause" in captions
    assert "several drugs" in captions, "one death can involve several drugs"
    opened = harness.open_chart_details(run_page())
    assert [b.key for b in opened.get("download_button") if b.key.startswith("csv_")], \
        "Show data offers a CSV of the plotted rows"
    assert at.multiselect(key="drugs").value == list(comparisons.COMPARE_DEFAULT)
    assert {w.key for w in at.get("button_group")} == {"measure", "view", "sex", "scale"}
    assert {w.key for w in at.slider} == {"years", "base_year"}
    assert at.slider(key="base_year").proto.disabled, "base year only matters for the index"
    assert at.toggle(key="events").value is True


def test_chart_plots_the_processed_deaths_with_theme_colours(default_run):
    deaths = nida_national("deaths")
    shown = traces(default_run, mode="lines+markers")
    assert "Benzodiazepines" in shown
    benzo = shown["Benzodiazepines"]
    assert values(benzo["x"]) == list(deaths.index)
    assert values(benzo["y"]) == deaths["benzodiazepines"].tolist()
    assert benzo["line"]["color"] == theme.drug_style("benzodiazepines").color
    assert len(shown) == len(comparisons.COMPARE_DEFAULT)
    assert chart_spec(default_run)["layout"]["xaxis"]["tickformat"] == "d", "integer years"


def test_url_sets_every_control_and_the_chart_follows():
    query = {"drugs": "benzodiazepines,heroin", "measure": "age_adjusted_rate",
             "view": "index", "base_year": "2015", "scale": "log", "sex": "female",
             "years": "2005,2020", "events": "false"}
    at = run_page(query)
    assert not at.exception, [e.value for e in at.exception]
    assert at.multiselect(key="drugs").value == ["benzodiazepines", "heroin"]
    assert at.button_group(key="measure").value == "age_adjusted_rate"
    assert at.button_group(key="view").value == "index"
    assert at.button_group(key="sex").value == "female"
    assert at.button_group(key="scale").value == "log"
    assert at.slider(key="years").value == (2005, 2020)
    assert at.slider(key="base_year").value == 2015
    assert at.toggle(key="events").value is False
    rates = nida_national("age_adjusted_rate", "female")["benzodiazepines"]
    benzo = traces(at, mode="lines+markers")["Benzodiazepines"]
    expected = (rates.loc[2005:2020] / rates.loc[2015] * 100).tolist()
    assert values(benzo["y"]) == pytest.approx(expected)
    assert values(benzo["x"]) == list(range(2005, 2021))
    layout = chart_spec(at)["layout"]
    assert layout["yaxis"]["type"] == "log"
    assert not any(s.get("type") == "line" for s in layout.get("shapes", [])), "no events"


def test_changing_controls_rewrites_the_url():
    at = run_page()
    at.button_group(key="measure").set_value("age_adjusted_rate").run()
    at.multiselect(key="drugs").set_value(["benzodiazepines", "all_drugs"]).run()
    at.slider(key="years").set_value((2010, 2021)).run()
    assert not at.exception
    assert at.query_params["measure"] == "age_adjusted_rate"
    assert at.query_params["drugs"] == "benzodiazepines,all_drugs"
    assert at.query_params["years"] == "2010,2021"
    assert_default_leaves_link(at, "button_group", "measure", "deaths")


@pytest.mark.parametrize("query", [{"drugs": HOSTILE}, {"years": "1990,2050"},
                                   {"base_year": "abc", "view": HOSTILE}])
def test_hostile_link_shows_a_notice_and_the_defaults(query):
    at = run_page(query)
    assert_link_refused(at, ("markdown", "caption", "text"))
    assert at.multiselect(key="drugs").value == list(comparisons.COMPARE_DEFAULT)
    years = nida_national().index
    assert at.slider(key="years").value == (int(years.min()), int(years.max())), \
        "the default range is the data's whole span, however new the data"
    assert len(at.get("plotly_chart")) == 1


def test_no_drug_chosen_asks_for_one():
    at = run_page({"drugs": ""})
    assert not at.exception
    assert not at.get("plotly_chart")
    assert any("Choose at least one drug" in i.value for i in at.info)


def test_missing_table_shows_a_clear_error(tmp_path, serve_data):
    serve_data(data_without("nida_national", tmp_path))
    assert_table_error(run_page(), "nida_national")

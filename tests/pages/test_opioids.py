"""pages/opioids.py: with/without-opioid splits as counts, shares and rates (with 95% bands), the
share of opioid deaths that also involved benzodiazepines with 2019 annotated and NIDA's published
figure beside it, the health-risk text filled from the data, every control bound to the URL, and
a clear error when the table is missing."""
from __future__ import annotations

import functools
import json

import numpy as np
import pandas as pd
import pytest

from tests.pages import harness
from tests.pages.harness import (HOSTILE, assert_default_leaves_link, assert_link_refused,
                                 assert_table_error, chart_spec, data_without, nida_national,
                                 text_of, traces, values)

run_page = functools.partial(harness.run_page, "pages/opioids.py")
TEXT_KINDS = ("markdown", "caption", "info", "warning", "text")


def nida_pivot(measure: str = "deaths", sex: str = "all") -> pd.DataFrame:
    """NIDA's national series with nothing dropped: suppressed values stay as gaps, as drawn."""
    return nida_national(measure, sex, dropna=False)


def test_default_view_counts_with_and_without_any_opioid(default_run):
    at = default_run
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.get("plotly_chart")) == 2
    deaths = nida_pivot()
    bars = traces(at, 0)
    with_bar = bars["Benzodiazepines with any opioid"]
    assert with_bar["type"] == "bar"
    assert values(with_bar["x"]) == list(deaths.index)
    assert values(with_bar["y"]) == deaths["benzodiazepines_with_any_opioid"].tolist()
    assert values(bars["Benzodiazepines without any opioid"]["y"]) == \
        deaths["benzodiazepines_without_any_opioid"].tolist()
    assert any("Source:" in c.value and "Definition:" in c.value for c in at.caption)


def test_widgets_are_present_with_defaults(default_run):
    at = default_run
    assert at.radio(key="split").value == "any_opioid"
    assert at.button_group(key="measure").value == "count"
    assert at.button_group(key="sex").value == "all"
    assert at.toggle(key="events").value is True
    csv_buttons = [b for b in harness.open_chart_details(run_page()).get("download_button")
                   if b.key.startswith("csv_")]
    assert len(csv_buttons) == 2, "each chart offers its plotted rows as CSV"


def test_share_chart_annotates_2019_from_the_data_with_the_published_check(default_run):
    at = default_run
    deaths = nida_pivot()
    share_2019 = deaths.loc[2019, "benzodiazepines_with_any_opioid"] / deaths.loc[2019, "any_opioid"] * 100
    annotations = [a["text"] for a in chart_spec(at, 1)["layout"]["annotations"]]
    assert f"<b>2019: {share_2019:.1f}%</b>" in annotations
    line = traces(at, 1)["Benzodiazepines with any opioid"]
    expected = (deaths["benzodiazepines_with_any_opioid"] / deaths["any_opioid"] * 100).tolist()
    assert values(line["y"]) == pytest.approx(expected)
    check = " ".join(i.value for i in at.info)
    assert f"{share_2019:.1f}%" in check and "about 16%" in check
    assert f"{deaths.loc[2019, 'benzodiazepines_with_any_opioid']:,.0f}" in check


def test_health_text_is_filled_from_the_data(default_run):
    at = default_run
    deaths = nida_pivot()
    share_2019 = deaths.loc[2019, "benzodiazepines_with_any_opioid"] / deaths.loc[2019, "any_opioid"] * 100
    text = text_of(at, TEXT_KINDS)
    assert "boxed warning" in text and "breathing" in text
    assert f"In 2019, {share_2019:.1f}% (NIDA's published figure: about 16%)" in " ".join(text.split())
    assert "{" not in text, "no placeholder left unfilled"


def test_link_sets_the_controls_and_the_view():
    at = run_page({"split": "synthetic_opioids", "measure": "share", "sex": "female",
                   "events": "false"})
    assert not at.exception
    assert at.radio(key="split").value == "synthetic_opioids"
    assert at.button_group(key="measure").value == "share"
    assert at.button_group(key="sex").value == "female"
    assert at.toggle(key="events").value is False
    deaths = nida_pivot(sex="female")
    bar = traces(at, 0)["Benzodiazepines with synthetic opioids (mostly fentanyl)"]
    expected = (deaths["benzodiazepines_with_synthetic_opioids"]
                / (deaths["benzodiazepines_with_synthetic_opioids"]
                   + deaths["benzodiazepines_without_synthetic_opioids"]) * 100).tolist()
    assert values(bar["y"]) == pytest.approx(expected)
    assert chart_spec(at, 0)["layout"]["yaxis"]["range"] == [0, 100]
    assert not chart_spec(at, 0)["layout"].get("shapes"), "events off"
    assert any("both sexes" in c.value for c in at.caption), "published figure is for both sexes"


def test_controls_write_the_link():
    at = run_page()
    at.radio(key="split").set_value("synthetic_opioids").run()
    at.button_group(key="measure").set_value("rate").run()
    at.button_group(key="sex").set_value("male").run()
    assert not at.exception
    assert at.query_params["split"] == "synthetic_opioids"
    assert at.query_params["measure"] == "rate"
    assert at.query_params["sex"] == "male"
    assert_default_leaves_link(at, "button_group", "sex", "all")


def test_rates_have_confidence_bands_and_the_approximation_note():
    at = run_page({"measure": "rate"})
    assert not at.exception
    rates = nida_pivot("age_adjusted_rate")
    figure = chart_spec(at, 0)
    line = traces(at, 0)["Benzodiazepines"]
    assert values(line["y"]) == rates["benzodiazepines"].tolist()
    axis_title = figure["layout"]["yaxis"]["title"]["text"].lower()
    assert "age-adjusted" in axis_title and "100,000" in axis_title
    assert any(t.get("fill") == "tonexty" for t in figure["data"]), "95% band drawn"
    assert any("approximation" in c.value for c in at.caption)
    # NIDA's rates rest on thousands of deaths: the bands are as thin as the line, and it says so
    assert any("hardly wider than the line" in c.value for c in at.caption)


def test_suppressed_rates_are_marked_not_zero():
    at = run_page({"measure": "rate", "split": "synthetic_opioids"})
    assert not at.exception
    rates = nida_pivot("age_adjusted_rate")
    assert rates.loc[1999, "benzodiazepines_with_synthetic_opioids"] != 0
    line = traces(at, 0)["Benzodiazepines with synthetic opioids (mostly fentanyl)"]
    first = values(line["y"])[0]
    assert first is None or np.isnan(first), "suppressed 1999 rate is a gap"
    assert "suppressed" in json.dumps(chart_spec(at, 0)["layout"]["annotations"])


@pytest.mark.parametrize("query", [
    {"sex": HOSTILE, "measure": "2099"},
    {"split": "synthetic_opioids,any_opioid", "events": "1998"},
])
def test_hostile_link_shows_a_notice_and_the_defaults(query):
    at = run_page(query)
    assert_link_refused(at, TEXT_KINDS, notice="Ignored invalid link settings")
    assert at.button_group(key="sex").value == "all"
    assert at.radio(key="split").value == "any_opioid"


def test_missing_table_shows_a_clear_error(tmp_path, serve_data):
    serve_data(data_without("nida_national", tmp_path))
    assert_table_error(run_page(), "nida_national")

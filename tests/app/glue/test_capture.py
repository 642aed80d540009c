"""app/glue/capture.py: while a recording runs, chart_block's calls and the link-bound tab groups
are recorded as the page made them; outside one nothing is kept."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from app.glue import capture


def page_with_tabs_and_a_chart() -> None:
    from app.glue import blocks, urlstate
    from tests.app.export.samples import national_deaths, trend_figure
    tabs = urlstate.tabs({"deaths": "Deaths", "visits": "Visits"}, key="section")
    with tabs["deaths"]:
        if tabs["deaths"].open:
            blocks.chart_block(trend_figure(), national_deaths(), "Source: NIDA.", key="trend",
                               summary="Deaths rose.", export_title="Deaths, 2010–2021")


def test_records_charts_and_tabs_only_while_recording():
    at = AppTest.from_function(page_with_tabs_and_a_chart, default_timeout=30)
    at.run()
    assert not capture.active()
    with capture.recording() as recorded:
        assert capture.active()
        at.run()
    assert not at.exception
    assert not capture.active()
    assert recorded.tabs == {"section": (("deaths", "visits"), "deaths")}
    [chart] = recorded.charts
    assert (chart.key, chart.caption, chart.summary, chart.title) == (
        "trend", "Source: NIDA. Data through 2021, provisional.", "Deaths rose.",
        "Deaths, 2010–2021")
    assert len(chart.plotted) == 24 and chart.figure.layout.title.text == "Deaths by year"
    at.run()
    assert len(recorded.charts) == 1, "nothing recorded after the block"


def test_recordings_do_not_nest():
    with capture.recording(), pytest.raises(RuntimeError):
        with capture.recording():
            pass
    capture.record_chart("k", None, None, "", "", "")  # off: ignored
    capture.record_tabs("k", ("a",), "a")

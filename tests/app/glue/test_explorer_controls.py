"""app/glue/explorer_controls.py: the stale-choice fixers keep what is still possible and drop
what is not; the year sliders follow the view's coverage until the reader sets them."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest

from app.glue import explorer_controls


def test_fixers():
    assert explorer_controls.keep_choice(["a", "b"])("a") == "a"
    assert explorer_controls.keep_choice(["a", "b"])("c") is None
    assert explorer_controls.keep_choices(["a", "b"])(["a", "c"]) == ["a"]
    assert explorer_controls.keep_choices(["a", "b"])(["c"]) is None
    assert explorer_controls.keep_choices(["a", "b"])([]) == []
    assert explorer_controls.keep_span(2010, 2020)((2005, 2015)) == (2010, 2015)
    assert explorer_controls.keep_span(2010, 2020)((2000, 2005)) is None
    assert explorer_controls.keep_year(2010, 2020)(2015) == 2015
    assert explorer_controls.keep_year(2010, 2020)(2021) is None


def _slider_page() -> None:
    import streamlit as st

    from app.glue import explorer_controls, urlstate
    lo, hi = st.session_state.get("coverage", (2010, 2020))
    explorer_controls.follow_span("years", lo, hi)
    urlstate.year_slider("Years", range(lo, hi + 1), (lo, hi), key="years")
    explorer_controls.follow_year("year", lo, hi)
    urlstate.year_slider("Year", range(lo, hi + 1), hi, key="year")


def test_years_follow_the_coverage_until_the_reader_sets_them():
    at = AppTest.from_function(_slider_page).run()
    assert at.slider(key="years").value == (2010, 2020) and at.slider(key="year").value == 2020
    at.session_state["coverage"] = (2015, 2021)
    at.run()
    assert at.slider(key="years").value == (2015, 2021), "not set: follows, as a fresh link"
    assert at.slider(key="year").value == 2021
    at.slider(key="years").set_range(2016, 2018)
    at.slider(key="year").set_value(2017)
    at.run()
    at.session_state["coverage"] = (2010, 2020)
    at.run()
    assert at.slider(key="years").value == (2016, 2018), "set by the reader: kept"
    assert at.slider(key="year").value == 2017
    at.session_state["coverage"] = (2017, 2020)
    at.run()
    assert at.slider(key="years").value == (2017, 2018), "clipped to the coverage"
    assert at.query_params["years"] == "2017,2018"

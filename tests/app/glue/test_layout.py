"""app/glue/layout.py: a page whose table is missing shows an error naming it and stops; key
numbers whose labels Streamlit cannot cut (metric_row and labelled_metric: what they send is
checked here; that no label is cut on screen at 1024 px is checked in Chromium,
tests/browser/test_pages.py)."""
from __future__ import annotations

from streamlit.proto.Block_pb2 import Block
from streamlit.testing.v1 import AppTest


def _page_with_missing_table():
    import streamlit as st
    from app.glue import layout
    layout.require_table("does_not_exist")
    st.write("page body after the table")


def test_require_table_shows_error_and_stops_page(tmp_path, monkeypatch):
    monkeypatch.setenv("BENZO_DATA_DIR", str(tmp_path))
    at = AppTest.from_function(_page_with_missing_table).run(timeout=30)
    assert not at.exception
    assert len(at.error) == 1 and "does_not_exist" in at.error[0].value
    assert not any("page body" in m.value for m in at.markdown)


def metrics_page() -> None:
    import streamlit as st

    from app.glue import layout
    with layout.metric_row():
        st.metric("United States, 2020 (per 100,000)", "3.8")
        st.metric("Highest: West Virginia (per 100,000)", "17.9")
    layout.labelled_metric("Opioid deaths with benzos, 2019", "16.6%", help="See [1].",
                       border=True, delta="1 of 6", delta_color="off")


def test_metric_row_is_a_wrapping_row_and_the_labelled_metric_draws_its_label_as_text():
    at = AppTest.from_function(metrics_page, default_timeout=30).run()
    assert not at.exception
    row, card = at.main.children[0], at.main.children[1]
    assert row.proto.flex_container.direction == Block.FlexContainer.Direction.HORIZONTAL
    assert row.proto.flex_container.wrap, "the row wraps instead of cutting labels"
    assert [m.label for m in row.children.values()] == [
        "United States, 2020 (per 100,000)", "Highest: West Virginia (per 100,000)"]
    label, metric = card.children[0], card.children[1]
    assert card.proto.flex_container.border
    assert label.value == "Opioid deaths with benzos, 2019" and label.proto.help == "See [1]."
    assert metric.label == "Opioid deaths with benzos, 2019", "the metric keeps its name"
    assert metric.value == "16.6%" and metric.delta == "1 of 6"
    assert metric.proto.label_visibility.value == metric.proto.label_visibility.COLLAPSED


def key_figures_page() -> None:
    import pandas as pd
    import streamlit as st

    from app.glue import layout
    st.session_state["card"] = layout.labelled_metric("Deaths, 2022", "10,964", delta="-1,535",
                                                      delta_description="vs 2021")
    st.session_state["plain"] = layout.labelled_metric("Share, 2022", "85.8%")
    st.session_state["note"] = layout.key_figures_note(pd.DataFrame({
        "period_type": ["year"], "year": [2022], "provisional": [False]}))
    st.session_state["none"] = layout.key_figures_note(pd.DataFrame({"value": [1.0]}))


def test_a_card_returns_its_key_figure_for_the_handout_and_the_note_its_text():
    at = AppTest.from_function(key_figures_page, default_timeout=30).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["card"] == ("Deaths, 2022", "10,964, -1,535 vs 2021")
    assert at.session_state["plain"] == ("Share, 2022", "85.8%")
    assert at.session_state["note"] == "Key figures: data through 2022, final."
    assert at.session_state["note"] in [c.value for c in at.caption]
    assert at.session_state["none"] == ""

"""app.ui.metric_row and app.ui.labelled_metric: key numbers whose labels Streamlit cannot cut.
What they send is checked here; that no label is cut on screen at 1024 px is checked in Chromium
(tests/browser/test_pages.py)."""
from __future__ import annotations

from streamlit.proto.Block_pb2 import Block
from streamlit.testing.v1 import AppTest


def metrics_page() -> None:
    import streamlit as st

    from app import ui
    with ui.metric_row():
        st.metric("United States, 2020 (per 100,000)", "3.8")
        st.metric("Highest: West Virginia (per 100,000)", "17.9")
    ui.labelled_metric("Opioid deaths with benzos, 2019", "16.6%", help="See [1].",
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

"""app/glue/slides.py: each slide's placeholders come from the tables of its chart, the handout
covers the deck (and says so for a slide whose table is missing), and slide charts are built
once per data version."""
from __future__ import annotations


import streamlit as st

from app.data import content
from app.glue import headlines, slides
from app.presenting import deck
from tests.pages.harness import data_without


def test_each_slide_gets_its_placeholders_from_the_tables_of_its_chart():
    for slide in deck.load_slides():
        named = deck.headline_tables(slide)
        assert set(named) <= set(deck.tables_for(slide))
        if slide.placeholders:
            assert slide.placeholders <= set(headlines.headline_values_from(*named)), slide.slug
        else:
            assert named == ()


def test_handout_sections_cover_the_deck(values):
    parsed = deck.load_slides()
    sections = slides.handout_sections(parsed)
    assert len(sections) == len(parsed)
    for slide, section in zip(parsed, sections):
        assert section.title == f"{slide.number}. {content.fill(slide.headline, values)}"
        assert (section.figure is not None) == slide.has_chart
        assert section.notes


def test_handout_with_a_missing_table_says_so_for_that_slide_only(tmp_path, monkeypatch):
    monkeypatch.setenv("BENZO_DATA_DIR", str(data_without("sudors_state", tmp_path)))
    st.cache_data.clear()
    try:
        parsed = deck.load_slides()
        sections = slides.handout_sections(parsed)
    finally:
        st.cache_data.clear()
    by_chart = {s.chart: sec for s, sec in zip(parsed, sections)}
    assert "sudors_state" in by_chart["illicit_benzos"].summary
    assert by_chart["illicit_benzos"].figure is None
    assert by_chart["benzo_trend"].figure is not None


def test_slide_chart_is_cached_per_data_version():
    first = slides.slide_chart("benzo_trend")
    again = slides.slide_chart("benzo_trend")
    assert first.key_number == again.key_number
    assert first.figure is not again.figure, "a copy, never the cached object"

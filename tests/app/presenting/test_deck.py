"""app/presenting/deck.py: parsing content/slides.md (the real file and one malformed case
each), which tables a slide needs, filling placeholders, the handout section of a slide and the
menu titles."""
from __future__ import annotations


import pytest

from app.data import content
from app.presenting import deck, slide_charts
from app.views import metrics
from tests.app.presenting.samples import GOOD


def test_parses_a_small_deck():
    parsed = deck.parse_slides(GOOD)
    assert [s.number for s in parsed] == [1, 2]
    first, second = parsed
    assert (first.slug, first.chart, first.notes) == ("first", "benzo_trend", "Say this.")
    assert first.placeholders == {"latest_year"} and first.has_chart
    assert second.title == "Second one" and not second.has_chart and not second.placeholders


@pytest.mark.parametrize("text,message", [
    (GOOD.replace("chart: benzo_trend", "chart: pie"), "line 2: unknown chart id 'pie'"),
    (GOOD.replace("notes: Say this.\n", ""), "slide-1 has no notes"),
    (GOOD.replace("slide-2", "slide-3"), "slide-3 found, slide-2 expected"),
    (GOOD.replace("notes: And this.", "notes: And this.\nstray text"), "line 10: expected"),
    (GOOD.replace("notes: Say this.", "notes: Say this.\nnotes: again"), "'notes' given twice"),
    ("", "no slides"),
])
def test_malformed_decks_name_the_problem(text, message):
    with pytest.raises(content.ContentError, match=message.replace("(", r"\(")):
        deck.parse_slides(text)


def test_the_real_deck_has_eleven_slides_with_known_charts(values):
    parsed = deck.load_slides()
    assert [s.number for s in parsed] == list(range(1, 12))
    assert [s.chart for s in parsed].index("named_benzos") == 6, "after the illegal ones"
    assert all(s.chart in slide_charts.CHART_IDS for s in parsed)
    assert sum(s.slug == deck.HELP_SLUG for s in parsed) == 1
    for slide in parsed:
        assert slide.placeholders <= set(values), slide.slug
        filled = deck.filled(slide, values)
        assert "{" not in filled.headline and "}" not in filled.headline


def test_a_text_slide_with_placeholders_draws_on_every_headline_table():
    slide = deck.Slide(1, "x", slide_charts.CONTENT, "In {latest_year}.", "n")
    assert deck.headline_tables(slide) == tuple(metrics.HEADLINE_BUILDERS)


def test_filling_a_missing_placeholder_is_an_error():
    slide = deck.Slide(1, "x", "benzo_trend", "{nope}", "n")
    with pytest.raises(content.ContentError, match="nope"):
        deck.filled(slide, {})


def test_handout_section_carries_headline_number_source_and_notes(built):
    slide = deck.Slide(3, "x", "benzo_trend", "Headline.", "Say this.")
    section = deck.handout_section(slide, built["benzo_trend"])
    assert section.title == "3. Headline."
    assert section.figure is built["benzo_trend"].figure
    assert section.notes == "Say this." and "Source:" in section.source
    assert section.numbers[0][0] == built["benzo_trend"].key_number.label
    text_only = deck.handout_section(deck.Slide(2, "y", slide_charts.CONTENT, "Words.", "N."), None)
    assert text_only.figure is None and text_only.notes == "N."


def test_deck_titles_number_the_menu():
    parsed = deck.parse_slides(GOOD)
    assert deck.deck_titles(parsed) == {1: "1 · First", 2: "2 · Second one"}

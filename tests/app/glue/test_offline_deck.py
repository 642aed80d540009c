"""app/glue/offline_deck.py: the presenter's slides as one HTML file, filled from the processed
tables, with both projector sizings of each chart; the button makes it on the first click only,
then serves it from the one cache. (Opened from file:// with the network blocked:
tests/browser/test_offline_deck.py.)"""
from __future__ import annotations

import json
import re

from streamlit.testing.v1 import AppTest

from app.glue import cache, offline_deck
from app.presenting import deck


def test_every_slide_with_its_chart_numbers_and_notes():
    slides = offline_deck.deck_slides()
    source = deck.load_slides()
    assert [s.number for s in slides] == [s.number for s in source]
    for made, slide in zip(slides, source, strict=True):
        assert "{" not in made.headline and made.notes, "placeholders filled"
        if slide.has_chart:
            assert made.title and made.caption.startswith("Source:") and made.key_value
            small, large = json.loads(made.figure_json), json.loads(made.figure_json_large)
            assert small["data"] and large["layout"]["font"]["size"] > \
                small["layout"]["font"]["size"], "a larger sizing for a 1080p projector"
        else:
            assert made.figure_json is None
    assert "1-800-662-4357" in next(s.extra for s, o in zip(slides, source, strict=True)
                                    if o.slug == deck.HELP_SLUG)


def test_the_file_is_whole():
    text = offline_deck.deck_html_text(events=False, built="today")
    assert text.count('<section class="slide') == len(deck.load_slides())
    markup = re.sub(r"<script>.*?</script>", "", text, flags=re.S)  # the library's own strings
    assert not re.search(r'\s(src|href)="(?!data:,)', markup), "nothing fetched"
    assert "<script src" not in text


def deck_page() -> None:
    from app.glue import offline_deck
    offline_deck.deck_download_button(events=False)


def test_button_makes_the_deck_on_click_only(monkeypatch):
    made = []
    real = offline_deck.deck_html_text
    monkeypatch.setattr(offline_deck, "deck_html_text",
                        lambda **kw: made.append(kw) or real(**kw))
    at = AppTest.from_function(deck_page, default_timeout=30)
    at.run()
    assert not at.exception
    [button] = at.get("download_button")
    assert button.proto.label == "Download the deck"
    assert made == [], "nothing is built for a page load"
    cache.clear()
    first = offline_deck._deck_bytes(False)
    assert offline_deck._deck_bytes(False) == first and len(made) == 1, "then from the cache"
    assert first.startswith(b"<!doctype html>")

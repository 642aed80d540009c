"""The downloaded deck as a teacher would use it: one HTML file opened from a file:// path with the
browser offline, every request aborted and no server running. Every slide draws its chart (the
state map with all its shapes), the presenter's keys and a clicker's PageDown/PageUp step
through the slides, also right after a click on a button, and the speaker notes stay hidden
until asked for."""
from __future__ import annotations

from pathlib import Path

import pytest

from app.glue import offline_deck

MIN_STATE_SHAPES = 50


@pytest.fixture(scope="module")
def deck_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("usb") / offline_deck.FILE_NAME
    path.write_text(offline_deck.deck_html_text(), encoding="utf-8")
    return path


@pytest.fixture()
def deck(browser, deck_file: Path):
    context = browser.new_context(viewport={"width": 1280, "height": 720}, offline=True)
    page = context.new_page()
    page.requests_blocked = []
    page.errors = []

    def guard(route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            page.requests_blocked.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.on("pageerror", lambda err: page.errors.append(str(err)))
    page.goto(deck_file.as_uri())
    page.locator(".slide:not([hidden])").wait_for(timeout=30_000)
    yield page
    context.close()


def number(page) -> int:
    return int(page.evaluate("document.body.getAttribute('data-slide')"))


def count(page) -> int:
    return page.locator(".slide").count()


@pytest.mark.browser
def test_every_slide_draws_its_chart_offline(deck):
    assert number(deck) == 1
    for n in range(1, count(deck) + 1):
        assert number(deck) == n
        current = deck.locator(".slide:not([hidden])")
        if current.locator(".chart").count():
            current.locator(".chart .main-svg").first.wait_for(timeout=30_000)
            assert current.locator(".chart-title").inner_text().strip()
            if current.locator(".chart .geo").count():
                deck.wait_for_function(
                    f"""() => document.querySelectorAll(
                        '.slide:not([hidden]) .choroplethlayer path').length >=
                        {MIN_STATE_SHAPES}""", timeout=30_000)
        deck.keyboard.press("PageDown")
    assert number(deck) == count(deck), "PageDown stops at the last slide"
    assert deck.requests_blocked == [] and deck.errors == []


@pytest.mark.browser
def test_keys_and_clicker_step_through_the_slides_even_after_a_click(deck):
    steps = [("ArrowRight", 2), ("ArrowLeft", 1), ("PageDown", 2), ("PageUp", 1),
             ("Space", 2), ("Shift+Space", 1), ("End", count(deck)), ("Home", 1)]
    for key, expected in steps:
        deck.keyboard.press(key)
        assert number(deck) == expected, key
    deck.get_by_role("button", name="Next").click()
    assert number(deck) == 2
    deck.keyboard.press("Space")
    assert number(deck) == 3, "a key after a click moves one slide, not two"
    deck.get_by_role("button", name="Speaker notes (N)").click()
    deck.keyboard.press("PageUp")
    assert number(deck) == 2
    deck.get_by_role("button", name="Previous").click()
    deck.keyboard.press("PageDown")
    assert number(deck) == 2


@pytest.mark.browser
def test_notes_are_hidden_until_asked_for(deck):
    notes = deck.locator(".slide:not([hidden]) .notes")
    assert notes.count() == 1 and not notes.is_visible()
    deck.keyboard.press("n")
    assert notes.is_visible()
    deck.keyboard.press("PageDown")
    assert deck.locator(".slide:not([hidden]) .notes").is_visible(), "notes stay on when asked"
    deck.keyboard.press("N")
    assert not deck.locator(".slide:not([hidden]) .notes").is_visible()

"""app/glue/presenter.py: every key steps within the deck, the key script listens before any widget
and leaves text fields alone, one room registry serves the whole process, rooms are checked often
enough to follow within about a second, and the speaker view's link stays on this page. (The
views themselves: tests/pages/test_presenter.py; the keys in a browser:
tests/browser/test_presenter_browser.py.)"""
from __future__ import annotations

import re

import pytest

from app.glue import presenter
from app.presenting import rooms


@pytest.mark.parametrize("action,number,count,expected", [
    ("next", 3, 10, 4), ("next", 10, 10, 10), ("previous", 3, 10, 2), ("previous", 1, 10, 1),
    ("first", 7, 10, 1), ("last", 2, 10, 10), ("last", 1, 1, 1),
])
def test_steps_stay_within_the_deck(action, number, count, expected):
    assert presenter.stepped(action, number, count) == expected


def test_the_key_script_takes_every_presenter_key_first():
    js = presenter._KEYS_JS
    for key in ("ArrowRight", "ArrowLeft", "PageDown", "PageUp", "Home", "End"):
        assert f"{key}:" in js
    assert "e.key === ' '" in js and "e.shiftKey ? 'previous' : 'next'" in js
    assert js.count(", true)") == 6, "keydown, keyup, pointerdown: added and removed, capturing"
    assert "stopImmediatePropagation" in js and "preventDefault" in js
    assert set(re.findall(r"'(next|previous|first|last)'", js)) == set(presenter.STEPS)
    assert "TEXTAREA" in js and "combobox" in js, "typing is left alone; the slide menu is not"


def test_one_registry_serves_every_session():
    first = presenter.registry()
    assert isinstance(first, rooms.Rooms) and presenter.registry() is first


def test_windows_look_at_their_room_often_enough_to_follow_within_a_second():
    assert 0.25 <= presenter.SYNC_SECONDS <= 1


def test_the_speaker_view_link_is_relative_to_this_page():
    room = rooms.Room("ABCD2345", "k3y_-", 1, True, 0, 0.0, 0.0)
    link = presenter.speaker_link(room)
    assert link == "?view=speaker&room=ABCD2345&key=k3y_-"


def test_the_style_sizes_the_headline_for_the_back_of_a_room():
    style = presenter._STYLE
    assert f".st-key-{presenter.SLIDE} h2" in style
    # 1.9rem at the theme's 17 px base font: 32 px, at least 28 px on any screen.
    assert re.search(r"h2 \{ font-size: max\(1\.9rem", style)
    assert "display: none" in style and presenter.KEYS_WIDGET in style

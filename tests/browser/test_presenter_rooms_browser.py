"""The presenter's room in headless Chromium: the speaker view opened from the audience window
(its own window) shows the slide small, the next slide's title, the notes and a running clock, and
the two windows stay in step whichever one moves; students who open the follow link, two or ten at
once (each a browser context of its own: a session of its own), see every move within about a
second (asserted: the median within 3 s; every one of two within 6 s, of ten within 12 s, see
CROWDED) and cannot move the room. Screenshots of the speaker view and of a
follower go to screenshots/ for a person to look at."""
from __future__ import annotations

import re
import statistics
from pathlib import Path

import pytest

from app.presenting import rooms
from tests.browser.conftest import offline_page
from tests.browser.presenting import (
    COUNT, DECK, now_ms, open_view, room_in_link, seconds_until_shown, slide_number, wait_for_run,
    wait_for_slide, watch_for_slide)

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "screenshots"
IN_STEP = 3.0
"""Seconds a move may take to show in another window (the design is about one: app.glue.presenter)."""
CROWDED = 12.0
"""Seconds any one of ten students may take. The students' windows on this one two-core machine
share the CPU with the server and the presenter, where a class has a machine each; on CI's slower
cores runs saw lags of 0.8-3.8 s for ten (0.2-1.1 s here) and, for two on chart slides, one of
3.4 s beside three under 1 s. So the typical student (the median) is held to IN_STEP and every
student must move: one of two within PAIR_WORST, one of ten within CROWDED."""
PAIR_WORST = 2 * IN_STEP
"""Seconds any one of two students may take (see CROWDED)."""

TEXT_PAIR = next(n for n in range(1, COUNT) if DECK[n - 1].chart == DECK[n].chart == "content")
"""The first of two text slides in a row, read from the deck so a renumbering cannot move the ten
students onto a chart slide unnoticed."""


def move_and_time(source, key: str, others, number: int, timeout: float = 10.0) -> list[float]:
    watch_for_slide(others, number)
    start = now_ms(source)
    source.keyboard.press(key)
    return seconds_until_shown(others, start, timeout)


@pytest.mark.browser
@pytest.mark.timing  # how soon the other windows move
def test_the_speaker_view_and_the_audience_stay_in_step(page, app_url):
    open_view(page, app_url, "slide=3", 3)
    with page.context.expect_page() as opened:
        page.get_by_role("link", name="Speaker view").click()
    speaker = opened.value
    speaker.set_viewport_size({"width": 1280, "height": 720})
    wait_for_slide(speaker, 3)
    wait_for_run(speaker)
    assert "view=speaker" in speaker.url
    assert speaker.get_by_text(DECK[2].notes, exact=True).is_visible(), "the notes, here"
    assert speaker.get_by_text(f"4 · {DECK[3].title}").is_visible(), "the next slide's title"
    # The notes come before the chart in the speaker's run, so the chart may still be drawing.
    speaker.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=30_000)
    assert speaker.locator(".js-plotly-plot").count() == 1, "the current slide, small"
    assert page.get_by_text(DECK[2].notes).count() == 0, "never on the projected slide"
    clock = speaker.locator(".st-key-speaker_clock p")
    first = clock.inner_text()
    assert re.fullmatch(r"\d+:\d\d", first)
    speaker.wait_for_timeout(2200)
    assert clock.inner_text() != first, "the clock runs"

    lags = move_and_time(speaker, "ArrowRight", [page], 4)
    lags += move_and_time(page, "PageDown", [speaker], 5)
    speaker.get_by_role("button", name="Restart the clock").click()
    wait_for_run(speaker, 200)
    lags += move_and_time(speaker, "ArrowLeft", [page], 4)
    assert max(lags) <= IN_STEP, f"seconds until the other window moved: {lags}"
    assert slide_number(page) == slide_number(speaker) == 4
    # The counter moves at the start of the speaker's run; its notes come a moment later.
    wait_for_run(speaker)
    speaker.get_by_text(DECK[3].notes, exact=True).wait_for(state="visible", timeout=10_000)
    assert speaker.get_by_text(DECK[4].notes, exact=True).count() == 0, "slide 5's notes are gone"
    SHOTS.mkdir(exist_ok=True)
    speaker.screenshot(path=str(SHOTS / "present-speaker-view.png"))
    assert page.external_requests == []


@pytest.mark.browser
@pytest.mark.timing  # how soon the other windows move
@pytest.mark.parametrize("followers,start", [(2, 3), (10, TEXT_PAIR)],
                         ids=["2-students", "10-students"])
def test_followers_see_every_move_and_cannot_move_the_room(browser, page, app_url, followers,
                                                           start):
    # Ten students on two text slides keep the test quick; two students on charts.
    open_view(page, app_url, f"slide={start}", start)
    code, _ = room_in_link(page)
    contexts = [browser.new_context(viewport={"width": 1280, "height": 720})
                for _ in range(followers)]
    try:
        students = [offline_page(c) for c in contexts]
        for student in students:  # open them all at once, then wait for each
            student.goto(f"{app_url}/present?follow={rooms.shown_code(code)}", wait_until="commit")
        for student in students:
            wait_for_slide(student, start)
        for student in students:
            wait_for_run(student, 100)
        one = students[0]
        assert one.get_by_role("button", name="Next").count() == 0
        assert one.get_by_role("button", name="Previous").count() == 0
        assert one.locator(".st-key-slide").count() == 0, "no slide menu"
        assert one.get_by_text(f"Following {rooms.shown_code(code)}").is_visible()

        lags = move_and_time(page, "ArrowRight", students, start + 1, CROWDED)
        lags += move_and_time(page, "ArrowLeft", students, start, CROWDED)
        moved = f"seconds until each student's screen moved: {sorted(lags)}"
        assert max(lags) <= (PAIR_WORST if followers <= 2 else CROWDED), moved
        assert statistics.median(lags) <= IN_STEP, moved

        one.keyboard.press("ArrowRight")  # a student's keys move nothing
        one.mouse.click(5, 700)
        one.keyboard.press("End")
        page.wait_for_timeout(1500)
        assert slide_number(page) == start and slide_number(one) == start
        SHOTS.mkdir(exist_ok=True)
        one.screenshot(path=str(SHOTS / f"present-follower-{followers}.png"))
        assert all(s.external_requests == [] for s in students)
        assert all(s.get_by_test_id("stException").count() == 0 for s in students)
        print(f"{followers} students, seconds until moved: {sorted(lags)}")
    finally:
        for context in contexts:
            context.close()


@pytest.mark.browser
def test_a_student_with_a_wrong_code_is_told_so(page, app_url):
    open_view(page, app_url, "follow=ZZZZ-ZZZZ")
    page.get_by_text("No presentation is open with the code ZZZZ-ZZZZ").wait_for(timeout=60_000)
    assert page.get_by_text(re.compile(rf"^Slide \d+ of {COUNT}$")).count() == 0

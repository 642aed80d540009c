"""Presenter keys in headless Chromium, right after a click on each control of the toolbar: Right/
Left, PageDown/PageUp (what a presentation clicker sends), Space/Shift+Space and Home/End each move
the slide, with the focus still where the click left it (the slide menu's input, a toggle, a
segmented control, a popover's button...), and the key does nothing else there (Space does not
flip the focused toggle). Streamlit's own shortcuts stop in such widgets; app.glue.presenter says
why and how these keys avoid it.

Not clicked here: "Handout (PDF)" and the PNG/SVG buttons (downloads made on the server in seconds;
a button's focus is covered by Previous and Next), "Speaker view" (opens the speaker window:
tests/browser/test_presenter_rooms_browser.py) and "Leave presenter mode" (leaves the page)."""
from __future__ import annotations

import pytest

from tests.browser.presenting import COUNT, open_view, slide_number, wait_for_run, wait_for_slide

KEYS = [("Home", "first"), ("ArrowRight", +1), ("PageDown", +1), ("Space", +1), ("End", "last"),
        ("ArrowLeft", -1), ("PageUp", -1), ("Shift+Space", -1)]
"""In an order where each key moves the slide from anywhere but the first, ending on a chart
slide over time (so the events toggle and "Show data" are there for the next control)."""


def tools(page):
    """Open the Tools menu (if closed)."""
    button = page.get_by_role("button", name="Tools")
    if button.get_attribute("aria-expanded") != "true":
        button.click()
        page.get_by_test_id("stPopoverBody").wait_for()


def click(locator):
    """Click `locator`; returns what keeps the focus after such a click."""
    locator.click()
    return locator


def click_menu(page):
    click(page.locator(".st-key-slide [data-testid=stSelectbox]"))
    return page.locator(".st-key-slide input")


def click_previous(page):
    return click(page.get_by_role("button", name="Previous", exact=True))


def click_next(page):
    return click(page.get_by_role("button", name="Next", exact=True))


def click_tools(page):
    return click(page.get_by_role("button", name="Tools"))


def click_events(page):
    tools(page)
    click(page.locator(".st-key-events label"))
    return page.get_by_role("switch", name="Show events")


def click_screen(page):
    tools(page)
    body = page.get_by_test_id("stPopoverBody")
    return click(body.get_by_role("radio", name="1920×1080"))


def click_show_data(page):
    tools(page)
    return click(page.get_by_test_id("stPopoverBody").get_by_text("Show data", exact=True))


def click_follow(page):
    return click(page.get_by_role("button", name="Follow:"))


CONTROLS = {
    "slide menu": click_menu, "Previous": click_previous, "Next": click_next,
    "Tools menu": click_tools, "events toggle": click_events, "screen size": click_screen,
    "Show data": click_show_data, "Follow menu": click_follow,
}


def expected(number: int, step) -> int:
    if step == "last":
        return COUNT
    if step == "first":
        return 1
    return number + step


@pytest.mark.browser
def test_every_key_moves_the_slide_right_after_a_click_on_each_control(page, app_url):
    open_view(page, app_url, "slide=4", 4)
    for name, click_control in CONTROLS.items():
        control = click_control(page)
        wait_for_run(page, 250)
        if page.evaluate("() => document.activeElement === document.body"):
            control.focus()  # redrawn by its own rerun: put the focus back where the click was
        focused = page.evaluate_handle("document.activeElement")
        assert page.evaluate("el => el !== document.body", focused), f"{name}: focus in it"
        number = slide_number(page)
        assert number != 1, "Home must move"
        events_before = page.evaluate("() => location.search.includes('events=false')")
        for key, step in KEYS:
            # Back into the control, as the click left it (a re-click would change its value).
            page.evaluate("el => el.isConnected && el.focus()", focused)
            page.keyboard.press(key)
            before, number = number, expected(number, step)
            assert number != before
            try:
                wait_for_slide(page, number, 20_000)
            except Exception as err:
                raise AssertionError(f"{key} after a click on the {name}: slide "
                                     f"{slide_number(page)}, expected {number}") from err
        wait_for_run(page, 200)
        assert page.evaluate("() => location.search.includes('events=false')") == \
            events_before, f"keys after the {name} changed the events toggle"
        page.keyboard.press("Escape")  # close a menu left open
    assert page.external_requests == []


@pytest.mark.browser
def test_a_control_reached_with_tab_keeps_its_own_space_and_arrows(page, app_url):
    open_view(page, app_url, "slide=4", 4)
    tools(page)
    switch = page.get_by_role("switch", name="Show events")
    switch.evaluate("el => el.focus()")
    page.keyboard.press("Tab")
    page.keyboard.press("Shift+Tab")  # back on it, reached with the keyboard
    assert switch.evaluate("el => el === document.activeElement")
    page.keyboard.press("Space")
    page.wait_for_url(lambda url: "events=false" in url, timeout=20_000)
    wait_for_run(page)
    assert slide_number(page) == 4, "Space flipped the toggle instead of stepping"
    page.keyboard.press("PageDown")  # a clicker still steps
    wait_for_slide(page, 5, 20_000)


@pytest.mark.browser
def test_typing_in_a_text_field_is_left_alone(page, app_url):
    open_view(page, app_url, "slide=3", 3)
    click_menu(page)
    page.keyboard.type("Fen")  # the slide menu filters as one types: letters are not keys here
    page.keyboard.press("Enter")
    wait_for_slide(page, 5, 20_000)
    wait_for_run(page)
    page.keyboard.press("ArrowLeft")
    wait_for_slide(page, 4, 20_000)

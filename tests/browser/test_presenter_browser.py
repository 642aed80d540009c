"""Presenter mode in headless Chromium: the arrow keys step through the slides and the link
follows; there is no sidebar however the presenter is reached (by its address or by a link from
another page, where the sidebar menu is open) and its own link leads back to the overview and the
menu; every slide renders at full HD with no error box and no request leaving the machine.
Screenshots of each slide as the room sees it (the 1920×1080 viewport) go to
screenshots/present-slide-N.png for a person to look at."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.presenting import deck, screen

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "screenshots"
DECK = deck.load_slides()


def open_slide(page, app_url: str, query: str) -> None:
    """Open /present?<query> and wait until the script run finished."""
    page.goto(f"{app_url}/present?{query}", wait_until="domcontentloaded")
    page.get_by_test_id("stApp").wait_for(timeout=30_000)
    page.get_by_text(re.compile(r"^Slide \d+ of \d+$")).wait_for(timeout=60_000)
    # The expander is the page's last element: once drawn, the run has finished.
    page.get_by_text("About presenter mode").wait_for(timeout=60_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    page.wait_for_timeout(500)
    assert page.get_by_text("Page not found").count() == 0


def wait_for_run(page) -> None:
    page.wait_for_timeout(300)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    page.wait_for_timeout(500)


def sidebar_width(page) -> float:
    """Width of the sidebar inside the window (0 when there is none or it is collapsed: a
    collapsed sidebar keeps its width but moves off to the left)."""
    return page.evaluate("""() => {
        const bar = document.querySelector('[data-testid="stSidebar"]');
        if (!bar) return 0;
        const box = bar.getBoundingClientRect();
        return Math.max(0, Math.min(box.right, window.innerWidth) - Math.max(box.left, 0));
    }""")


def assert_no_sidebar(page) -> None:
    assert sidebar_width(page) < 5, "presenter mode shows no sidebar"
    assert page.get_by_test_id("stSidebarNav").count() == 0
    assert page.get_by_test_id("stExpandSidebarButton").count() == 0, "nothing to open either"


SIZES = pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)], ids=["720p", "1080p"])


@pytest.mark.browser
def test_arrow_keys_step_through_slides_and_update_the_link(page, app_url):
    open_slide(page, app_url, "slide=2")
    page.get_by_text(f"Slide 2 of {len(DECK)}", exact=True).wait_for()
    page.keyboard.press("ArrowRight")
    page.get_by_text(f"Slide 3 of {len(DECK)}", exact=True).wait_for(timeout=30_000)
    page.wait_for_url(re.compile(r"[?&]slide=3(&|$)"), timeout=10_000)
    page.keyboard.press("ArrowLeft")
    page.get_by_text(f"Slide 2 of {len(DECK)}", exact=True).wait_for(timeout=30_000)
    page.wait_for_url(re.compile(r"[?&]slide=2(&|$)"), timeout=10_000)
    assert page.external_requests == []


@pytest.mark.browser
@SIZES
def test_no_sidebar_when_opened_by_its_address(page, app_url, size):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    open_slide(page, app_url, "slide=1")
    assert_no_sidebar(page)
    assert page.get_by_role("link", name="Leave presenter mode").is_visible()


@pytest.mark.browser
@SIZES
def test_no_sidebar_when_entered_by_a_link_and_the_menu_is_back_after_leaving(page, app_url,
                                                                              size):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(app_url, wait_until="domcontentloaded")
    menu = page.get_by_test_id("stSidebarNav")
    menu.wait_for(timeout=60_000)
    wait_for_run(page)
    assert sidebar_width(page) > 200, "other pages show the sidebar menu"
    menu.get_by_role("link", name="Presenter mode").click()
    page.get_by_text(f"Slide 1 of {len(DECK)}", exact=True).wait_for(timeout=60_000)
    page.wait_for_url(re.compile(r"/present(\?|$)"))
    wait_for_run(page)
    assert_no_sidebar(page)
    page.get_by_role("link", name="Leave presenter mode").click()
    page.get_by_text("Explore the dashboard", exact=True).wait_for(timeout=60_000)
    wait_for_run(page)
    assert re.fullmatch(rf"{re.escape(app_url)}/?", page.url), "the overview is at /, not /overview"
    assert sidebar_width(page) > 200 and menu.is_visible(), "the menu is back"
    assert page.get_by_text("Page not found").count() == 0
    assert page.external_requests == []


@pytest.mark.browser
@pytest.mark.parametrize("slide", DECK, ids=[f"slide-{s.number}" for s in DECK])
def test_each_slide_at_full_hd(page, app_url, slide):
    page.set_viewport_size({"width": 1920, "height": 1080})
    open_slide(page, app_url, f"slide={slide.number}&screen=1080")
    page.get_by_text(f"Slide {slide.number} of {len(DECK)}", exact=True).wait_for()
    if slide.has_chart:
        page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=60_000)
        page.wait_for_timeout(1500)
        plot = page.locator(".js-plotly-plot").first.bounding_box()
        assert plot["height"] >= screen.SCREENS["1080"].chart_height - 5
        assert plot["y"] + plot["height"] <= 1080, "the chart fits in the screen"
    assert page.get_by_test_id("stException").count() == 0
    assert page.get_by_test_id("stAlertContentError").count() == 0
    assert page.external_requests == []
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"present-slide-{slide.number}.png"))

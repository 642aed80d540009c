"""Presenter mode in headless Chromium: the arrow keys step through the slides and the link
follows; every slide renders at full HD with no error box and no request leaving the machine.
Screenshots of each slide as the room sees it (the 1920×1080 viewport) go to
screenshots/present-slide-N.png for a person to look at."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from app import slides

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "screenshots"
DECK = slides.load_slides()


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
def test_sidebar_starts_collapsed(page, app_url):
    open_slide(page, app_url, "slide=1")
    box = page.get_by_test_id("stSidebar").bounding_box()
    assert box is None or box["width"] < 5, "the sidebar is collapsed in presenter mode"


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
        assert plot["height"] >= slides.SCREENS["1080"].chart_height - 5
        assert plot["y"] + plot["height"] <= 1080, "the chart fits in the screen"
    assert page.get_by_test_id("stException").count() == 0
    assert page.get_by_test_id("stAlertContentError").count() == 0
    assert page.external_requests == []
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"present-slide-{slide.number}.png"))

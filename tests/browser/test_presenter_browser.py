"""Presenter mode in headless Chromium: the arrow keys step through the slides and the link
follows; there is no sidebar however the presenter is reached (by its address or by a link from
another page, where the sidebar menu is open) and its own link leads back to the overview and the
menu; at 1280×720 and at 1920×1080 (with the matching screen setting) every slide fits the window
with nothing cut (the source line included), no tool inside the slide (the toolbar and the slide
are two boxes that do not overlap), no legend entry under an event label, the headline at least
28 px and axis labels at least 18 px at 1280×720, and event labels written across where they fit; no error box and no request leaving
the machine. Screenshots of each slide as the room sees it go to
screenshots/present-<size>-slide-N.png for a person to look at.

Keys after every control: test_presenter_keys_browser.py; speaker view and followers:
test_presenter_rooms_browser.py."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.data import content
from app.presenting import deck, slide_charts
from tests.browser.opening import NO_RUN_IN_PROGRESS
from tests.browser.presenting import wait_for_keys

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "screenshots"
DECK = deck.load_slides()


def open_slide(page, app_url: str, query: str) -> None:
    """Open /present?<query> and wait until the script run finished."""
    page.goto(f"{app_url}/present?{query}", wait_until="domcontentloaded")
    page.get_by_test_id("stApp").wait_for(timeout=30_000)
    page.get_by_text(re.compile(r"^Slide \d+ of \d+$")).wait_for(timeout=60_000)
    # The slide is the page's last element: once drawn, the run has finished.
    page.locator(".st-key-present_slide").wait_for(timeout=60_000)
    page.wait_for_function(NO_RUN_IN_PROGRESS, timeout=60_000)
    wait_for_keys(page)  # a key pressed before the listener is live does nothing
    page.wait_for_timeout(500)
    assert page.get_by_text("Page not found").count() == 0


def wait_for_run(page) -> None:
    page.wait_for_timeout(300)
    page.wait_for_function(NO_RUN_IN_PROGRESS, timeout=60_000)
    page.wait_for_timeout(250)


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
    page.get_by_role("link", name="Leave presenter mode").wait_for(timeout=10_000)  # visible


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


FIT = """() => {
  const slide = document.querySelector('.st-key-present_slide');
  const toolbar = document.querySelector('.st-key-present_toolbar');
  const box = e => e.getBoundingClientRect();
  const seen = e => { const r = box(e); return r.width > 0 && r.height > 0; };
  const s = box(slide), t = box(toolbar);
  let bottom = s.bottom, right = s.right;
  for (const e of slide.querySelectorAll('p, h1, h2, h3, h4, li, svg.main-svg, [data-testid=stMetric]'))
    if (seen(e)) { bottom = Math.max(bottom, box(e).bottom); right = Math.max(right, box(e).right); }
  const main = document.querySelector('[data-testid=stMain]');
  const tools = [...document.querySelectorAll('button, a[href], input, [role=button], .modebar')]
    .filter(seen).filter(e => { const r = box(e);
      return r.left < s.right && r.right > s.left && r.top < s.bottom && r.bottom > s.top; })
    .map(e => e.textContent.trim().slice(0, 30) || e.tagName);
  const source = [...slide.querySelectorAll('[data-testid=stCaptionContainer]')]
    .find(c => c.textContent.startsWith('Source:'));
  const headline = slide.querySelector('h2, h1');
  const ticks = [...slide.querySelectorAll('.xtick text, .ytick text')]
    .map(e => parseFloat(e.style.fontSize || getComputedStyle(e).fontSize));
  const events = [...slide.querySelectorAll('.annotation')]
    .filter(a => a.querySelector('.annotation-text-g'))
    .map(a => [a.textContent, a.querySelector('.annotation-text-g').getAttribute('transform') || '']);
  // A legend entry and an annotation's box (an event label) drawn over each other.
  const entries = [...slide.querySelectorAll('.legend .traces')].filter(seen);
  const hits = [];
  for (const a of slide.querySelectorAll('.annotation')) {
    const r = box(a);
    for (const e of entries) { const q = box(e);
      if (r.left < q.right && q.left < r.right && r.top < q.bottom && q.top < r.bottom)
        hits.push(e.textContent.trim() + ' / ' + a.textContent.trim()); }
  }
  return {bottom, right, width: innerWidth, height: innerHeight, hits,
          scroll: main.scrollHeight - main.clientHeight,
          overlap: !(t.bottom <= s.top || s.bottom <= t.top || t.right <= s.left || s.right <= t.left),
          tools, source: source ? box(source).bottom : null,
          headline: headline ? parseFloat(getComputedStyle(headline).fontSize) : null,
          ticks: ticks.length ? Math.min(...ticks) : null, events};
}"""

EVENT_LABELS = {e.short_label for e in content.load_events()}
ACROSS = slide_charts.TIME_CHARTS
"""Charts with event labels: written across, in rows above the plot (theme.place_event_labels)."""


@pytest.mark.browser
@SIZES
def test_every_slide_fits_the_screen_with_its_tools_off_the_slide(page, app_url, size):
    width, height = size
    page.set_viewport_size({"width": width, "height": height})
    screen_id = "720" if height == 720 else "1080"
    open_slide(page, app_url, f"slide=1&screen={screen_id}")
    for slide in DECK:
        if slide.number > 1:
            page.keyboard.press("ArrowRight")
        page.get_by_text(f"Slide {slide.number} of {len(DECK)}", exact=True).wait_for(
            timeout=30_000)
        wait_for_run(page)
        if slide.has_chart:
            page.locator(".st-key-present_slide .js-plotly-plot .main-svg").first.wait_for()
            page.wait_for_timeout(300)
        fit = page.evaluate(FIT)
        where = f"slide {slide.number} at {width}×{height}"
        assert fit["scroll"] <= 1, f"{where}: the page scrolls by {fit['scroll']} px"
        assert fit["bottom"] <= height and fit["right"] <= width, f"{where}: cut: {fit}"
        assert not fit["overlap"], f"{where}: the toolbar runs into the slide"
        assert fit["tools"] == [], f"{where}: tools inside the slide: {fit['tools']}"
        assert fit["hits"] == [], f"{where}: legend entries under labels: {fit['hits']}"
        assert fit["headline"] >= 28, f"{where}: headline {fit['headline']} px"
        if slide.has_chart:
            assert fit["source"] is not None and fit["source"] <= height, f"{where}: source cut"
        if slide.has_chart and slide.chart != "state_map":
            assert fit["ticks"] >= (18 if height == 720 else 22), f"{where}: ticks {fit['ticks']}"
        if slide.chart in ACROSS:
            events = [(text, turn) for text, turn in fit["events"] if text in EVENT_LABELS]
            assert events and all("rotate(0" in t or not t for _, t in events), \
                f"{where}: event labels not written across: {events}"
        assert page.get_by_test_id("stException").count() == 0
        assert page.get_by_test_id("stAlertContentError").count() == 0
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / f"present-{width}x{height}-slide-{slide.number}.png"))
    assert page.external_requests == []

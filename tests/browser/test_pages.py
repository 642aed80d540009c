"""Every page of the real app in headless Chromium, one load each: nothing cut on a 1024-pixel
projector with the menu open, charts drawn at projector size (1280×720) and full HD, no exception
box and no request leaving this machine. Screenshots go to screenshots/ for a person to look at."""
from __future__ import annotations

from pathlib import Path

import pytest

from devtools import dashboard_pages
from tests.browser.opening import open_app_page

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "screenshots"


def page_paths() -> list[tuple[str, str]]:
    """(path the browser opens, file) for each page of dashboard.py."""
    return [(page.served_at, page.file) for page in dashboard_pages()]


# Pages whose content is mostly text; they still must render without errors.
TEXT_PAGES = {"methods", "present"}


# Text that overflows its box, measured in the page: segmented controls wider than their column,
# chart titles wider than their chart (plotly.js never wraps a title; app.charts.common.wrap_title does),
# metric labels Streamlit shortened with "…" (it never wraps them; app.glue.layout.metric_row wraps the row),
# the chosen value of a closed selectbox wider than its box.
OVERFLOWING_TEXT = """() => {
  const cut = [];
  for (const input of document.querySelectorAll('[data-testid="stSelectbox"] input'))
    if (input.scrollWidth > input.clientWidth + 1) cut.push('select: ' + input.value);
  for (const label of document.querySelectorAll('[data-testid="stMetricLabel"]'))
    if ([label, ...label.querySelectorAll('*')].some(n => n.scrollWidth > n.clientWidth + 1))
      cut.push('metric: ' + label.textContent);
  for (const group of document.querySelectorAll('[data-testid="stButtonGroup"]'))
    if (group.scrollWidth > group.clientWidth + 1) cut.push('control: ' + group.textContent);
  for (const title of document.querySelectorAll('.js-plotly-plot .gtitle')) {
    const chart = title.closest('.main-svg').getBoundingClientRect();
    const box = title.getBoundingClientRect();
    if (box.right > chart.right + 1 || box.top < chart.top - 1) cut.push('title: ' + title.textContent);
  }
  return cut;
}"""



# Views a reader reaches by a link that draw other charts than their page's first view.
LINKED_VIEWS = ["who?section=nonfatal", "who?section=ct", "states?view=ranking",
                "illicit?view=states", "illicit?view=compare", "nonfatal?view=discharge"]
VIEWS = [served_at for served_at, _ in page_paths()] + LINKED_VIEWS


@pytest.mark.browser
@pytest.mark.parametrize("url_path", VIEWS, ids=[v or "home" for v in VIEWS])
def test_page_renders_offline_and_nothing_is_cut_on_a_projector(page, app_url, url_path):
    """One load per view, three window sizes: on a 1024-pixel projector with the menu open no
    text is cut, then at 1280x720 and 1920x1080 the charts are drawn (screenshots of each). No
    exception or error box and no request leaving the machine. The sizes share a load because
    what they check is laid out in the browser; the server draws a view the same at any width."""
    has_charts = url_path not in TEXT_PAGES
    open_app_page(page, app_url, url_path, size=(1024, 768), chart=has_charts)
    assert page.get_by_test_id("stException").count() == 0, "an exception box is shown"
    assert page.get_by_test_id("stAlertContentError").count() == 0, "an error box is shown"
    if has_charts:
        assert page.get_by_test_id("stSidebar").is_visible(), "measured with the menu open"
        assert page.evaluate(OVERFLOWING_TEXT) == [], "text cut at 1024x768"
    SHOTS.mkdir(exist_ok=True)
    name = (url_path or "overview").replace("?", "-").replace("=", "-").replace("&", "-")
    for width, height in [(1280, 720), (1920, 1080)]:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(250)
        if has_charts:
            assert page.locator(".js-plotly-plot .main-svg").count() > 0
        # Streamlit scrolls inside its main block, so a full-page shot of the window shows only
        # the viewport: grow the window to the content's height first.
        content = page.evaluate(
            "() => document.querySelector('[data-testid=\"stMain\"]')?.scrollHeight || 0")
        page.set_viewport_size({"width": width, "height": max(height, min(int(content), 12000))})
        page.wait_for_timeout(400)
        page.screenshot(path=str(SHOTS / f"{name}-{width}x{height}.png"))
    assert page.external_requests == [], f"requests left the machine: {page.external_requests[:3]}"

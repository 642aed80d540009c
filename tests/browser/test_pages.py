"""Every page of the real app in headless Chromium: it renders its charts with no exception box
and no request leaving this machine, at projector size (1280×720) and full HD. Screenshots go to
screenshots/ for a person to look at."""
from __future__ import annotations

from pathlib import Path

import pytest

from devtools import dashboard_pages
from tests.browser.opening import NO_RUN_IN_PROGRESS

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "screenshots"


def page_paths() -> list[tuple[str, str]]:
    """(path the browser opens, file) for each page of dashboard.py."""
    return [(page.served_at, page.file) for page in dashboard_pages()]


# Pages whose content is mostly text; they still must render without errors.
TEXT_PAGES = {"methods", "present"}


@pytest.mark.browser
@pytest.mark.parametrize("url_path,file", page_paths(), ids=[p[0] or "home" for p in page_paths()])
@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)], ids=["720p", "1080p"])
def test_page_renders_offline_without_errors(page, app_url, url_path, file, size):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(f"{app_url}/{url_path}", wait_until="domcontentloaded")
    page.get_by_test_id("stApp").wait_for(timeout=30_000)
    # Wait until the script run finished (Streamlit shows a running indicator meanwhile).
    page.wait_for_function(NO_RUN_IN_PROGRESS, timeout=60_000)
    if url_path not in TEXT_PAGES:
        page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
        page.wait_for_timeout(1500)
        assert page.locator(".js-plotly-plot .main-svg").count() > 0
    assert page.get_by_test_id("stException").count() == 0, "an exception box is shown"
    assert page.get_by_test_id("stAlertContentError").count() == 0, "an error box is shown"
    assert page.external_requests == [], f"requests left the machine: {page.external_requests[:3]}"
    SHOTS.mkdir(exist_ok=True)
    # Streamlit scrolls inside its main block, so a full-page shot of the window shows only the
    # viewport: grow the window to the content's height first.
    height = page.evaluate(
        "() => document.querySelector('[data-testid=\"stMain\"]')?.scrollHeight || 0")
    page.set_viewport_size({"width": size[0], "height": max(size[1], min(int(height), 12000))})
    page.wait_for_timeout(800)
    page.screenshot(path=str(SHOTS / f"{url_path or 'overview'}-{size[0]}x{size[1]}.png"))


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


@pytest.mark.browser
@pytest.mark.parametrize("url_path", [p[0] for p in page_paths() if p[0] not in TEXT_PAGES]
                         + ["who?section=nonfatal", "who?section=ct",
                            "states?view=ranking"])
def test_nothing_is_cut_on_a_1024_pixel_projector_with_the_menu_open(page, app_url, url_path):
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto(f"{app_url}/{url_path}", wait_until="domcontentloaded")
    page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=60_000)
    page.wait_for_function(NO_RUN_IN_PROGRESS, timeout=60_000)
    page.wait_for_timeout(1500)
    assert page.get_by_test_id("stSidebar").is_visible(), "measured with the menu open"
    assert page.evaluate(OVERFLOWING_TEXT) == []

"""The Data explorer in headless Chromium with the menu open: a chart in the first screen at
1280×720 (the default view and the states view, which answers with a highlighted chart), no
control value cut at 1024 px, and the rows grid readable (value first, labels and flags in
words, blanks blank)."""
from __future__ import annotations

import pytest

from tests.browser.test_pages import OVERFLOWING_TEXT
from tests.browser.opening import NO_RUN_IN_PROGRESS

STATES_VIEW = "explorer?table=wonder_mcd&measure=crude_rate&geo=state"


def open_explorer(page, app_url: str, query: str, size: tuple[int, int]) -> None:
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(f"{app_url}/{query}", wait_until="domcontentloaded")
    page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=60_000)
    page.wait_for_function(NO_RUN_IN_PROGRESS, timeout=60_000)
    page.wait_for_timeout(500)
    assert page.get_by_test_id("stSidebar").is_visible(), "measured with the menu open"
    assert page.get_by_test_id("stException").count() == 0


@pytest.mark.browser
@pytest.mark.parametrize("query", ["explorer", STATES_VIEW], ids=["default", "states"])
def test_the_first_screen_at_1280x720_shows_the_chart(page, app_url, query):
    open_explorer(page, app_url, query, (1280, 720))
    box = page.evaluate("""() => {
      const r = document.querySelector('.js-plotly-plot').getBoundingClientRect();
      const main = document.querySelector('[data-testid="stMain"]');
      return {top: r.top, scrolled: main ? main.scrollTop : 0};
    }""")
    assert box["scrolled"] == 0
    assert box["top"] < 720 - 60, f"the chart starts at {box['top']:.0f} px: below the fold"


@pytest.mark.browser
@pytest.mark.parametrize("query", [STATES_VIEW, STATES_VIEW + "&chart=map&year=2019"],
                         ids=["highlight", "map"])
def test_no_control_value_is_cut_at_1024_pixels(page, app_url, query):
    open_explorer(page, app_url, query, (1024, 768))
    assert page.evaluate(OVERFLOWING_TEXT) == []


@pytest.mark.browser
def test_the_rows_grid_reads_as_words(page, app_url):
    # Connecticut 2010–2013: 2011 and 2012 suppressed by WONDER.
    open_explorer(page, app_url, STATES_VIEW + "&states=CT&years=2010,2013", (1280, 720))
    assert page.get_by_test_id("stDataFrame").count() == 0, "the grid waits to be asked for"
    page.get_by_text("Show the rows", exact=True).click()
    grid = page.get_by_test_id("stDataFrame").first
    grid.wait_for(timeout=30_000)
    page.wait_for_function("() => location.search.includes('rows=true')", timeout=10_000)
    grid.scroll_into_view_if_needed()
    page.wait_for_timeout(400)
    headers = grid.evaluate(
        "g => [...g.querySelectorAll('[role=columnheader]')].map(e => e.textContent.trim())")
    assert headers[:3] == ["Value", "Flags", "Place"]
    assert not {"value", "geo_name", "drug_group", "suppressed"} & set(headers)
    rows = grid.evaluate("""g => [...g.querySelectorAll('[role=row]')].slice(1).map(
        r => [...r.querySelectorAll('[role=gridcell]')].map(c => c.textContent.trim()))""")
    assert len(rows) == 4
    cells = [c for row in rows for c in row]
    assert "None" not in cells and "nan" not in cells
    by_flag = {row[1]: row[0] for row in rows}
    assert by_flag.get("suppressed") == "", "a suppressed value is a blank cell, flagged in words"
    assert all(row[2] == "Connecticut" for row in rows)

"""The States page's choropleth in a real browser with every non-localhost request aborted: the
base map comes from the app itself (static/topojson, app/charts/geo.py), all state shapes are drawn and
nothing leaves localhost. Saves screenshots/states.png for review."""
from __future__ import annotations

import pytest

from devtools import ROOT

SCREENSHOTS = ROOT / "screenshots"

MIN_STATE_SHAPES = 50
COUNT_SHAPES = """() => Math.max(0, ...Array.from(document.querySelectorAll('.js-plotly-plot'))
    .map(plot => plot.querySelectorAll('.choroplethlayer path').length))"""


@pytest.mark.browser
def test_states_map_draws_every_state_offline(page, app_url):
    base_maps = []
    page.on("response", lambda r: base_maps.append((r.url, r.status))
            if r.url.endswith(".json") and "topojson" in r.url else None)

    page.goto(f"{app_url}/states")
    page.wait_for_selector(".js-plotly-plot .choroplethlayer path", timeout=60_000)
    page.wait_for_function(f"({COUNT_SHAPES})() >= {MIN_STATE_SHAPES}", timeout=30_000)
    # The remaining charts finish drawing before the screenshot.
    page.wait_for_function("() => [...document.querySelectorAll('.js-plotly-plot')]"
                           ".every(plot => plot.querySelector('.main-svg'))", timeout=30_000)

    assert page.evaluate(COUNT_SHAPES) >= MIN_STATE_SHAPES
    assert base_maps and all(url.startswith(app_url) and status == 200
                             for url, status in base_maps), base_maps
    assert page.external_requests == []
    assert page.get_by_role("heading", name="States", exact=True).is_visible()

    # Streamlit scrolls inside its main block, so a full-page shot is the viewport: show the map.
    page.locator(".js-plotly-plot").first.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "states.png"), full_page=True)

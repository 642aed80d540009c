"""Controls and menus a researcher reads at 1280×720 (issue 14), in the real app: every menu entry
is its whole name, a single-year slider shows the ends of its range without hovering, and a
state picker with five states keeps every chosen state inside its box."""
from __future__ import annotations

import pytest

from tests.browser.opening import open_app_page

pytestmark = pytest.mark.browser

CUT_MENU_ENTRIES = """() => [...document.querySelectorAll('[data-testid="stSidebarNavLink"] span')]
  .filter(e => e.children.length == 0 && e.textContent.trim()
               && e.scrollWidth > e.clientWidth + 1)
  .map(e => e.textContent.trim())"""

CHIPS_OUTSIDE_THEIR_BOX = """(box) => {
  const outer = box.querySelector('[data-testid="stMultiSelectTagsContainer"]')
                   .getBoundingClientRect();
  return [...box.querySelectorAll('[data-testid="stMultiSelectTagsContainer"] > span > span')]
    .filter(chip => { const r = chip.getBoundingClientRect();
                      return r.right > outer.right + 1 || r.bottom > outer.bottom + 1
                             || r.width < chip.scrollWidth - 1; })
    .map(chip => chip.textContent.trim());
}"""


def open_at_720(page, app_url: str, path: str) -> None:
    open_app_page(page, app_url, path, (1280, 720), settle_ms=500)


def test_every_menu_entry_is_its_whole_name(page, app_url):
    open_at_720(page, app_url, "about")
    assert page.get_by_test_id("stSidebarNav").is_visible()
    assert page.evaluate(CUT_MENU_ENTRIES) == []
    assert page.locator("h1").first.inner_text() == "About Klonopin and benzodiazepines"


def test_a_single_year_slider_shows_its_range_ends(page, app_url):
    open_at_720(page, app_url, "states")
    slider = page.get_by_test_id("stSlider").first
    ticks = slider.get_by_test_id("stSliderTickBar")
    assert ticks.inner_text().split() == ["2010", "2020"]
    assert ticks.evaluate("e => getComputedStyle(e).opacity") == "1"


@pytest.mark.parametrize("path", ["nonfatal?states=WV,MA,FL,NY,KY",
                                  "states?states=WV,KY,TN,NV,ME",
                                  "illicit?view=compare&states=WV,PA,OH,KY,TN"])
def test_five_chosen_states_stay_inside_their_picker(page, app_url, path):
    open_at_720(page, app_url, path)
    picker = page.get_by_test_id("stMultiSelect").first
    picker.scroll_into_view_if_needed()
    chips = picker.locator('[data-testid="stMultiSelectTagsContainer"] > span > span')
    assert chips.count() == 5
    assert picker.evaluate(CHIPS_OUTSIDE_THEIR_BOX) == []

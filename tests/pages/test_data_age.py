"""Every number says how old it is (issue 15): every chart caption names the last period of the
rows it plots ("Data through 2022, final."), rows of key figures say the same, and a page whose
source ends more than 18 months before today says so in one line with where the newer data are
and the command that fetches them."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from app.data import currency, provenance
from tests.pages import harness

# page -> the tables its default view draws from (their sources get the 'newer data' line)
PAGES = {
    "pages/overview.py": ["nida_national"],
    "pages/opioids.py": ["nida_national"],
    "pages/compare.py": ["nida_national"],
    "pages/states.py": ["wonder_mcd", "sudors_state"],
    "pages/who.py": ["nida_national"],
    "pages/illicit.py": ["sudors_state"],
    "pages/nonfatal.py": ["dose_syndromic"],
    "pages/benzodiazepines.py": ["allegheny_named_benzodiazepines",
                                 "ct_ocme_named_benzodiazepines"],
    "pages/about.py": ["nida_national"],
    "pages/explorer.py": ["nida_national"],
}
KEY_FIGURE_PAGES = ("pages/overview.py", "pages/states.py", "pages/who.py", "pages/illicit.py")


def open_page(page: str) -> AppTest:
    """The page opened from the menu (through dashboard.py: its page links need st.navigation)."""
    at = AppTest.from_file(str(harness.ROOT / "dashboard.py"), default_timeout=60).run()
    return at.switch_page(page).run()


@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_chart_caption_says_how_far_its_data_reach(page):
    at = open_page(page)
    assert not at.exception, [e.value for e in at.exception]
    charts = at.get("plotly_chart")
    dated = [c.value for c in at.caption if "Data through " in c.value]
    assert charts and len(dated) >= len(charts), (page, [c.value for c in at.caption])
    for table in PAGES[page]:
        note = currency.stale_note(provenance.table_source_id(table))
        if note is not None:
            assert any(note in m.value for m in at.markdown), (page, table, "no newer-data line")


@pytest.mark.parametrize("page", KEY_FIGURE_PAGES)
def test_key_figures_say_how_far_their_data_reach(page):
    at = open_page(page)
    assert any(c.value.startswith(("Key figures: data through ", "Figures: data through "))
               for c in at.caption), page


def test_the_latest_year_is_read_from_the_data_not_assumed():
    at = open_page("pages/overview.py")
    latest = int(harness.nida_national().index.max())
    assert latest >= 2022, "the newest NIDA release runs to 2022"
    assert any(f"Key figures: data through {latest}, final." == c.value for c in at.caption)
    assert f"Deaths involving benzodiazepines, {latest}" in harness.text_of(at, ("markdown",))

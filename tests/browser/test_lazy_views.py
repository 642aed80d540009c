"""What is drawn only on demand, in the real app: a chart's "Show data" and "Cite and reproduce
this view" expanders (app.glue.blocks.chart_block) and the pages' link-bound tabs (app.glue.urlstate.tabs).
Opening one reruns the page in the browser; the content must then appear, the address must say
which tab is open, and a link with that address must reopen the same tab."""
from __future__ import annotations

import re

import pytest


def wait_for_run(page) -> None:
    page.wait_for_timeout(300)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    page.wait_for_timeout(150)


def open_page(page, app_url: str, path: str) -> None:
    page.goto(f"{app_url}/{path}", wait_until="domcontentloaded")
    page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=60_000)
    wait_for_run(page)


def chart_count(page) -> int:
    return page.locator(".js-plotly-plot").count()


@pytest.mark.browser
def test_show_data_and_citation_are_drawn_when_opened(page, app_url):
    open_page(page, app_url, "")
    assert page.get_by_test_id("stDataFrame").count() == 0, "no table before it is asked for"
    assert page.get_by_test_id("stCode").count() == 0
    page.get_by_text("Show data", exact=True).first.click()
    page.get_by_test_id("stDataFrame").first.wait_for(timeout=30_000)
    page.get_by_role("button", name="Download these data (CSV)").first.wait_for(timeout=30_000)
    page.get_by_text("Cite and reproduce this view", exact=True).first.click()
    page.get_by_test_id("stCode").first.wait_for(timeout=30_000)
    assert "Accessed" in page.get_by_test_id("stCode").first.inner_text()
    wait_for_run(page)
    assert page.get_by_test_id("stException").count() == 0
    assert chart_count(page) == 1, "opening the details keeps the chart"


@pytest.mark.browser
@pytest.mark.parametrize("path,tab,token,charts_after", [
    ("states", "Ranking", "view=ranking", 3),
    ("who", "Connecticut: death records", "section=ct", 3),
])
def test_a_tab_draws_its_charts_when_opened_and_its_link_reopens_it(page, app_url, path, tab,
                                                                     token, charts_after):
    open_page(page, app_url, path)
    page.get_by_role("tab", name=tab).click()
    page.wait_for_url(re.compile(re.escape(token)), timeout=30_000)
    wait_for_run(page)
    page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=60_000)
    assert chart_count(page) == charts_after
    assert page.get_by_role("tab", name=tab).get_attribute("aria-selected") == "true"
    assert page.get_by_test_id("stException").count() == 0

    open_page(page, app_url, f"{path}?{token}")
    assert page.get_by_role("tab", name=tab).get_attribute("aria-selected") == "true"
    assert chart_count(page) == charts_after


@pytest.mark.browser
@pytest.mark.parametrize("first,then,then_title", [
    ("compare?view=index", "States", "States"),
    # Who's nonfatal tab must not send the next page to the nonfatal page (the illegal
    # benzodiazepines page sends only its own old ?section=nonfatal links there).
    ("who?section=nonfatal", "Illegal benzodiazepines",
     "Illegal benzodiazepines in overdose deaths"),
])
def test_a_page_opened_from_the_menu_after_one_sharing_its_link_keys(page, app_url, first, then,
                                                                      then_title):
    """Compare's `view` and Who's `section` are other controls, or an old link's meaning, on the
    next page (the session keeps their values); the next page must open as its own default."""
    open_page(page, app_url, first)
    page.get_by_test_id("stSidebarNav").get_by_text(then, exact=True).click()
    page.get_by_role("heading", name=then_title).first.wait_for(timeout=60_000)
    page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=60_000)
    wait_for_run(page)
    assert page.get_by_test_id("stException").count() == 0
    assert page.get_by_test_id("stAlertContentError").count() == 0
    if page.get_by_role("tab").count():  # a page with tabs opens on its first
        assert page.get_by_role("tab").first.get_attribute("aria-selected") == "true"
    assert "section=" not in page.url, page.url

"""A fresh server's very first visitor may arrive on a deep link (a shared URL). Streamlit picks
its old multipage mode for that first session because pages/ sits beside dashboard.py; app/
switches it off (app/__init__.py). The first visit must show the right page, the app's own
navigation and no "Page not found".

The overview is the default page, which Streamlit serves at "/" only; its own name (/overview,
from an old link or typed by hand) opens it too, without "Page not found", the address becoming
"/" with the query string kept (app.open_default_page_by_name)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from devtools import free_port, start_streamlit, stop_streamlit
from tests.browser.opening import NO_RUN_IN_PROGRESS

ROOT = Path(__file__).resolve().parents[2]


OVERVIEW = "Benzodiazepine overdose deaths in the United States"


def wait_for_run(page) -> None:
    page.wait_for_function(NO_RUN_IN_PROGRESS, timeout=60_000)
    page.wait_for_timeout(800)  # a "Page not found" dialog would be up by now


@pytest.mark.browser
@pytest.mark.parametrize("path,heading", [("states?year=2015", "States"),
                                          ("present?slide=4", "Slide 4 of 11"),
                                          ("overview?events=false", OVERVIEW)])
def test_first_visit_after_start_on_a_deep_link(page, path, heading):
    port = free_port()
    proc = start_streamlit(ROOT / "dashboard.py", port)
    try:
        page.goto(f"http://127.0.0.1:{port}/{path}", wait_until="domcontentloaded")
        page.get_by_text(heading, exact=True).first.wait_for(timeout=60_000)
        wait_for_run(page)
        nav = page.get_by_test_id("stSidebarNav")
        if nav.count():
            assert "Overview" in nav.inner_text(), "the app's own page list, not pages/ files"
        assert page.get_by_text("Page not found").count() == 0
    finally:
        stop_streamlit(proc)


@pytest.mark.browser
@pytest.mark.parametrize("path,query", [("overview", ""), ("overview", "?events=false"),
                                        ("overview/", "?events=false&years=2005,2015"),
                                        ("", "?events=false"), ("", "")])
def test_overview_by_its_own_name_or_at_the_root(page, app_url, path, query):
    page.goto(f"{app_url}/{path}{query}", wait_until="domcontentloaded")
    page.get_by_text(OVERVIEW, exact=True).wait_for(timeout=60_000)
    wait_for_run(page)
    assert page.get_by_text("Page not found").count() == 0
    assert page.get_by_role("dialog").count() == 0
    page.wait_for_url(re.compile(rf"^{re.escape(app_url)}/{re.escape(query)}$"), timeout=10_000)
    events = page.get_by_role("switch", name="Show events")
    assert events.is_checked() == ("events=false" not in query), "the link's settings apply"
    nav = page.get_by_test_id("stSidebarNav")
    assert nav.is_visible() and "Presenter mode" in nav.inner_text()
    assert page.get_by_test_id("stException").count() == 0
    assert page.external_requests == []


@pytest.mark.browser
def test_an_unknown_address_still_says_page_not_found(page, app_url):
    page.goto(f"{app_url}/no-such-page", wait_until="domcontentloaded")
    page.get_by_text("Page not found").first.wait_for(timeout=60_000)

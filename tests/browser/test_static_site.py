"""The static tier in a real browser, served by the app itself (Streamlit's static folder) with
every request that leaves localhost aborted: each static chart page draws its chart and its
plotted numbers equal the interactive view's; and both kinds of "Embed this chart" snippet,
pasted into a page, show the chart alone.

The site is (re)built first when it is missing or stale (the static_site_dir fixture, shared with
tests/app/glue/test_static_site.py).
"""
from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from app.export import static_pages
from devtools import dashboard_pages
from tests.browser.opening import NO_RUN_IN_PROGRESS

VIEWS_AT_ONCE = 3
"""Interactive views loaded side by side (each one mostly waits on its server round trips)."""

# The numbers plotly.js holds after reading a figure (typed arrays decoded), trace by trace.
NUMBERS = """el => el._fullData.map(t => {
  const list = v => (v === undefined || v === null) ? [] : Array.from(v, x => x);
  return {type: t.type, name: t.name || '', x: list(t.x), y: list(t.y), z: list(t.z),
          locations: list(t.locations), text: list(t.text)};
})"""


@pytest.fixture(scope="module")
def site(static_site_dir) -> dict:
    return static_pages.read_site_index(static_site_dir)


def wait_for_run(page) -> None:
    page.wait_for_timeout(300)
    page.wait_for_function(NO_RUN_IN_PROGRESS, timeout=60_000)


def interactive_url(app_url: str, entry: dict) -> str:
    served = {p.url_path: p.served_at for p in dashboard_pages()}
    query = f"?{urlencode(entry['query'])}" if entry["query"] else ""
    return f"{app_url}/{served[entry['page']]}{query}"


@pytest.mark.browser
def test_every_static_page_draws_its_chart_offline_with_the_interactive_numbers(
        site, browser, app_url):
    from tests.browser.conftest import offline_page
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = offline_page(context)
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    static_numbers = {}
    try:
        for entry in site["charts"]:
            page.goto(f"{app_url}/{static_pages.SITE_URL}{entry['path']}")
            page.locator("#chart .main-svg").first.wait_for(timeout=30_000)
            page.locator(".prerendered").wait_for(state="detached", timeout=30_000)
            assert page.locator("h1").inner_text() == entry["title"]
            numbers = page.evaluate(NUMBERS, page.locator("#chart").element_handle())
            assert any(t["y"] or t["z"] for t in numbers), entry["path"]
            static_numbers[entry["key"], entry["page"]] = numbers
        views: dict[str, list[dict]] = {}
        for entry in site["charts"]:
            views.setdefault(interactive_url(app_url, entry), []).append(entry)
        tabs = [page] + [offline_page(context) for _ in range(VIEWS_AT_ONCE - 1)]
        batch = list(views.items())
        for start in range(0, len(batch), VIEWS_AT_ONCE):
            opened = list(zip(tabs, batch[start:start + VIEWS_AT_ONCE]))
            for tab, (url, _) in opened:  # the views load side by side
                tab.goto(url, wait_until="commit")
            for tab, (url, entries) in opened:
                wait_for_run(tab)
                for entry in entries:
                    plot = tab.locator(f".st-key-chart_{entry['key']} .js-plotly-plot")
                    plot.locator(".main-svg").first.wait_for(timeout=60_000)
                    shown = tab.evaluate(NUMBERS, plot.element_handle())
                    assert json.dumps(shown) == json.dumps(
                        static_numbers[entry["key"], entry["page"]]), f"{url}: {entry['key']}"
        external = [url for tab in tabs for url in tab.external_requests]
    finally:
        context.close()
    assert external == [] and errors == []
    assert len(static_numbers) == len(site["charts"]) >= 20


def snippet_from_the_app(page, app_url: str, path: str) -> str:
    page.goto(f"{app_url}/{path}")
    page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=60_000)
    wait_for_run(page)
    page.get_by_text("Embed this chart", exact=True).first.click()
    code = page.get_by_test_id("stCode").filter(has_text="<iframe").first
    code.wait_for(timeout=30_000)
    return code.inner_text().strip()


def visible_blocks(frame) -> list[str]:
    """The visible Streamlit elements in the frame, by kind, and whether each is inside the
    embedded chart's container."""
    return frame.evaluate("""() => Array.from(document.querySelectorAll(
        '[data-testid=stElementContainer]')).filter(el => el.offsetParent !== null
        && el.getBoundingClientRect().height > 0).map(el =>
        (el.closest('.st-key-embedded_chart') ? 'in:' : 'OUT:')
        + (el.firstElementChild && el.firstElementChild.getAttribute('data-testid')))""")


@pytest.mark.browser
def test_both_embed_snippets_show_the_chart_alone(site, page, app_url):
    default = snippet_from_the_app(page, app_url, "")
    entry = next(c for c in site["charts"] if c["key"] == "benzo_trend")
    assert f'src="{app_url}/{static_pages.SITE_URL}{entry["path"]}"' in default, default
    page.set_content(f"<!doctype html><body style='margin:0'>{default}</body>")
    frame = page.frame_locator("iframe")
    frame.locator("#chart .main-svg").first.wait_for(timeout=30_000)
    assert frame.locator(".js-plotly-plot").count() == 1
    assert frame.locator("h1").inner_text() == entry["title"]

    other = snippet_from_the_app(page, app_url, "opioids?measure=share")
    assert "embed=true&amp;embed_chart=split_any_opioid_share_all" in other, other
    assert "measure=share" in other
    page.set_content(f"<!doctype html><body style='margin:0'>{other}</body>")
    inner = page.frame_locator("iframe")
    inner.locator(".st-key-embedded_chart .js-plotly-plot .main-svg").first.wait_for(
        timeout=60_000)
    embedded = page.frames[1]
    embedded.wait_for_function(NO_RUN_IN_PROGRESS, timeout=60_000)
    blocks = visible_blocks(embedded)
    assert blocks and all(b.startswith("in:") for b in blocks), blocks
    assert inner.locator(".js-plotly-plot").count() == 1
    assert "share of all benzodiazepine deaths" in inner.get_by_role("heading").first.inner_text()
    assert inner.get_by_test_id("stSidebar").count() == 0 or \
        not inner.get_by_test_id("stSidebar").is_visible()
    assert page.external_requests == []

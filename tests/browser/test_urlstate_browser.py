"""app/glue/urlstate.py in a real browser: a link opens the view it names, a changed control rewrites
the address bar, reopening that address gives the same view, and a hostile link is dropped."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from devtools import free_port, start_streamlit, stop_streamlit

DEMO_PAGE = Path(__file__).resolve().parents[1] / "app" / "glue" / "urlstate_demo_page.py"


@pytest.fixture(scope="module")
def demo_url() -> Iterator[str]:
    proc = start_streamlit(DEMO_PAGE, free_port())
    port = proc.args[proc.args.index("--server.port") + 1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_streamlit(proc)


def shown_view(page) -> str:
    return page.get_by_test_id("stText").inner_text()


def address(page) -> str:
    """The address bar; page.url can lag behind Streamlit's history.pushState."""
    return page.evaluate("location.href")


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


@pytest.mark.browser
def test_link_round_trip_in_the_browser(page, demo_url):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    page.goto(f"{demo_url}/?state=NY&years=2005,2010&scale=true")
    view = page.get_by_test_id("stText")
    view.wait_for(timeout=30_000)
    assert shown_view(page) == ("state=NY measure=rate sex=all drugs=benzodiazepines year=2023 "
                                "years=2005-2010 scale=True")
    assert page.get_by_role("combobox", name="State").input_value() == "NY"
    assert page.get_by_role("switch", name="Log scale").is_checked()

    page.get_by_test_id("stRadio").get_by_text("Deaths").click()
    page.wait_for_function("location.search.includes('measure=count')", timeout=15_000)
    assert query(address(page)) == {"state": ["NY"], "measure": ["count"],
                                    "years": ["2005,2010"], "scale": ["true"]}

    page.get_by_role("button", name="Copy link to this view").click()
    shared = page.get_by_test_id("stCode").inner_text().strip()
    assert query(shared) == query(address(page))

    page.goto(shared)
    view.wait_for(timeout=30_000)
    page.wait_for_function("document.querySelector('[data-testid=stText]')"
                           ".innerText.includes('measure=count')", timeout=15_000)
    assert shown_view(page) == ("state=NY measure=count sex=all drugs=benzodiazepines year=2023 "
                                "years=2005-2010 scale=True")

    page.goto(f"{demo_url}/?state=%3Cscript%3Ealert(1)%3C%2Fscript%3E&year=abc")
    page.get_by_text("Ignored invalid link settings").wait_for(timeout=30_000)
    assert shown_view(page).startswith("state=CT ")
    page.wait_for_function("!location.search.includes('state')", timeout=15_000)
    assert "<script>alert" not in page.content()
    assert dialogs == [] and page.external_requests == []

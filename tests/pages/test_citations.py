"""Every page cites the same way (issue 14): a source in the text is a numbered link to the
source's address, never a raw id such as "[fda-dsc-2016]", and the numbers match the page's own
"Sources cited on this page" list."""
from __future__ import annotations

import re

import pytest

from app.data import content
from app.views import methods
from tests.pages import harness
from tests.pages.test_data_age import open_page

CITING_PAGES = ("pages/about.py", "pages/benzodiazepines.py", "pages/methods.py",
                "pages/opioids.py", "pages/illicit.py")
NUMBERED_LINK = re.compile(r"\[\\\[(\d+)\\\]\]\((https?://[^)\s]+)\)")


def page_texts(at) -> list[str]:
    return [str(e.value) for kind in ("markdown", "caption", "info", "warning", "success")
            for e in getattr(at, kind)]


@pytest.mark.parametrize("page", [p for p in harness.dashboard_pages() if p != "pages/present.py"])
def test_no_page_prints_a_raw_citation_id(page):
    at = open_page(page)
    assert not at.exception, [e.value for e in at.exception]
    references = content.sources()
    raw = {i for text in page_texts(at) for i in methods.CITATION_PATTERN.findall(text)
           if i in references}
    assert not raw, (page, sorted(raw))


@pytest.mark.parametrize("page", CITING_PAGES)
def test_citations_are_numbered_links_that_match_the_page_list(page):
    at = open_page(page)
    texts = page_texts(at)
    links = [(int(n), url) for text in texts for n, url in NUMBERED_LINK.findall(text)]
    assert links, f"{page} cites nothing"
    headings = [h.value for h in at.subheader]
    assert "Sources cited on this page" in headings, page
    listing = next(t for t in texts if re.match(r"1\. ", t))
    listed = {int(n): item for n, item in re.findall(r"^(\d+)\. (.+)$", listing, re.M)}
    for number, url in links:
        assert number in listed, (page, number)
        assert url in listed[number], (page, number, url)
    assert sorted(listed) == list(range(1, len(listed) + 1))

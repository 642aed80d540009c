"""One reader, one session, every page in turn (the sidebar keeps the Streamlit session): a page
must cope with whatever the pages before it left in st.session_state under the same keys.

Found by the protocol load test: who's section tab ("United States: deaths") was still in
st.session_state["section"] when illicit drew its own section tabs, and compare's `view`
("absolute") when States drew its Map/Ranking tabs; both pages raised a KeyError."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.pages.harness import ROOT, dashboard_pages, open_chart_details, tab_groups


def visit(at: AppTest, page: str) -> None:
    """Switch to `page`, then open each of its tabs in turn (last one left open) with chart
    details open, checking each run."""
    at.switch_page(page)
    at.run()
    assert not at.exception, f"{page}: {[e.value for e in at.exception]}"
    for key, labels in tab_groups(at).items():
        for label in labels[1:]:
            at.session_state[key] = label
            at.run()
            assert not at.exception, f"{page}, tab {label!r}: {[e.value for e in at.exception]}"
    open_chart_details(at)
    assert not at.exception, f"{page} with details open: {[e.value for e in at.exception]}"


def test_every_page_after_every_other_in_one_session():
    pages = dashboard_pages()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    for page in pages + pages[::-1]:  # every page after its neighbours, both ways
        visit(at, page)

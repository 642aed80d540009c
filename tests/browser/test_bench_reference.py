"""The reference pages the speed benchmarks compare against (benchmarks/bare_page.py at "/",
bare_page_at_path.py at /chart) really are one title and one chart, with no error and no "Page not
found" modal: a broken reference would make every ratio in benchmarks/RESULTS.md meaningless."""
from __future__ import annotations

import pytest

from devtools import free_port, start_streamlit, stop_streamlit


@pytest.mark.browser
@pytest.mark.parametrize("script, path", [("benchmarks/bare_page.py", ""),
                                          ("benchmarks/bare_page_at_path.py", "chart")])
def test_reference_page_is_one_title_and_one_chart(page, script, path):
    port = free_port()
    proc = start_streamlit(script, port)
    try:
        page.goto(f"http://127.0.0.1:{port}/{path}")
        page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=30_000)
        page.wait_for_function("() => document.querySelector('[data-testid=\"stApp\"]')"
                               ".getAttribute('data-test-script-state') === 'notRunning'")
        assert page.url.rstrip("/") == f"http://127.0.0.1:{port}/{path}".rstrip("/"), \
            "no redirect: the chart is served at the path the benchmark opens"
        assert page.locator(".js-plotly-plot").count() == 1
        assert page.locator("h1").inner_text() == "Bare page"
        assert page.get_by_role("dialog").count() == 0
        assert page.get_by_test_id("stException").count() == 0
        assert page.get_by_test_id("stSidebar").count() == 0, "no menu: nothing but the chart"
        assert page.external_requests == []
    finally:
        stop_streamlit(proc)

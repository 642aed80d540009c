"""A fresh server's very first visitor may arrive on a deep link (a shared URL). Streamlit picks
its old multipage mode for that first session because pages/ sits beside dashboard.py; app/
switches it off (app/__init__.py). The first visit must show the right page, the app's own
navigation and no "Page not found"."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.browser.conftest import _free_port, start_streamlit

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.browser
@pytest.mark.parametrize("path,heading", [("states?year=2015", "States"),
                                          ("present?slide=4", "Slide 4 of 10")])
def test_first_visit_after_start_on_a_deep_link(page, path, heading):
    port = _free_port()
    proc = start_streamlit(ROOT / "dashboard.py", port)
    try:
        page.goto(f"http://127.0.0.1:{port}/{path}", wait_until="domcontentloaded")
        page.get_by_text(heading, exact=True).first.wait_for(timeout=60_000)
        page.wait_for_function(
            "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
        nav = page.get_by_test_id("stSidebarNav")
        if nav.count():
            assert "Overview" in nav.inner_text(), "the app's own page list, not pages/ files"
        assert page.get_by_text("Page not found").count() == 0
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()

"""Fixtures the page tests share: each page's default run, once per module, and a way to serve the
app from another data folder (a table missing, no manifest)."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import streamlit as st


@pytest.fixture(scope="module")
def default_run(request: pytest.FixtureRequest):
    """The module's `run_page()` with no query: the page as the sidebar opens it. Several tests
    read the same run, so it is made once per module."""
    return request.module.run_page()


@pytest.fixture()
def serve_data(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Path], None]]:
    """Point the app at another data folder (BENZO_DATA_DIR) for one test. Streamlit's caches are
    cleared on the way in and out, so a test never depends on what another run left in them."""
    def serve(folder: Path) -> None:
        monkeypatch.setenv("BENZO_DATA_DIR", str(folder))
        st.cache_data.clear()

    yield serve
    st.cache_data.clear()

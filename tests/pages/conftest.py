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


@pytest.fixture(scope="session", autouse=True)
def page_links_without_navigation() -> Iterator[None]:
    """A page file run on its own (AppTest.from_file, without dashboard.py's st.navigation)
    cannot resolve its links to other pages: there st.page_link draws nothing instead of
    raising. Through dashboard.py (at.switch_page) links are drawn as usual."""
    from unittest import mock

    from streamlit.errors import StreamlitPageNotFoundError

    real = st.page_link

    def page_link(*args: object, **kwargs: object) -> object:
        try:
            return real(*args, **kwargs)
        except StreamlitPageNotFoundError:
            return None

    with mock.patch.object(st, "page_link", page_link):
        yield

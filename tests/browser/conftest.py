"""Start the real app once (streamlit run dashboard.py on a free localhost port) and drive it with
Debian's Chromium through Playwright. Skips, saying how to install the browser, where it is missing
(CI sets REQUIRE_BROWSER=1 so there it fails instead)."""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools import CHROMIUM, CHROMIUM_ARGS, free_port, start_streamlit, stop_streamlit


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        message = ("Chromium not found at /usr/bin/chromium: install Debian's browser with "
                   "`sudo apt-get install chromium` (or set CHROMIUM_PATH) to run browser tests")
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="session")
def app_url() -> Iterator[str]:
    port = free_port()
    proc = start_streamlit("dashboard.py", port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_streamlit(proc)


@pytest.fixture(scope="session")
def browser(chromium_path: str):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield b
        b.close()


LOCAL = ("http://127.0.0.1", "http://localhost", "data:", "blob:", "ws://127.0.0.1")


def offline_page(context):
    """A new page of `context` whose requests to anything but this machine are aborted and
    recorded in `page.external_requests`: the app must work offline."""
    pg = context.new_page()
    pg.external_requests = []

    def guard(route):
        url = route.request.url
        if url.startswith(LOCAL):
            route.continue_()
        else:
            pg.external_requests.append(url)
            route.abort()

    pg.route("**/*", guard)
    return pg


@pytest.fixture()
def page(browser):
    """An offline-guarded page (`offline_page`) at 1280×720."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    yield offline_page(context)
    context.close()


@pytest.fixture()
def page_in_scheme(browser):
    """Open a page like `page` (offline guard, 1280×720) in a browser that reports the given
    colour scheme, "light" or "dark": with [theme.light] and [theme.dark] in .streamlit/config.toml
    Streamlit follows the reader's system setting, so this is how a reader gets each theme. Call it
    with the scheme; every page it opened is closed after the test."""
    contexts = []

    def open_page(color_scheme: str):
        context = browser.new_context(viewport={"width": 1280, "height": 720},
                                      color_scheme=color_scheme)
        contexts.append(context)
        return offline_page(context)

    yield open_page
    for context in contexts:
        context.close()

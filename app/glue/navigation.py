"""What dashboard.py needs before `st.navigation` runs: which page a request asks for, the default
page under its own name, and the first deep link after a start. It reads how Streamlit 1.67
resolves the requested page (streamlit.runtime.pages_manager); tests:
tests/browser/test_deep_links.py and tests/browser/test_presenter_browser.py."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def _pages_manager() -> Any | None:
    """This script run's streamlit PagesManager, or None outside a session (AppTest of a page,
    a plain import) or in a Streamlit without it."""
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx
    except ImportError:  # pragma: no cover - a Streamlit without these internals
        return None
    ctx = get_script_run_ctx()
    return getattr(ctx, "pages_manager", None) if ctx is not None else None


def leave_legacy_page_mode() -> None:
    """Streamlit decides per server, before any script runs, that an entry script with a pages/
    folder beside it uses the old multipage mode; only a later `st.navigation` call switches that
    off. So the very first visitor after a start who opens a deep link (/states) would get the
    page without dashboard.py: the wrong sidebar, no page config. Every page imports this package
    first, so this is the one place that can notice it: switch the mode off and rerun, which then
    goes through dashboard.py and st.navigation as every later session does. (Called when
    app.glue is first imported.)"""
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # pragma: no cover - a Streamlit without these internals
        return
    if PagesManager.uses_pages_directory and _pages_manager() is not None:
        import streamlit as st

        PagesManager.uses_pages_directory = False
        st.rerun()


def open_default_page_by_name(default_url_path: str) -> None:
    """Let the default page answer to its own name (/overview, /overview?events=false) as well as
    to "/". Streamlit serves the default page only at "/" (its `Page.url_path` is "" whatever
    `url_path` it was given), so a request for that name matches no page and `st.navigation`
    shows "Page not found" over the default page. Called before `st.navigation`, this turns such
    a request into one for the default page; the browser's address becomes "/", query string
    kept. A request that names its page by id (the menu, st.page_link) is left alone."""
    manager = _pages_manager()
    if manager is None or not default_url_path:
        return
    if not manager.intended_page_script_hash and manager.intended_page_name == default_url_path:
        manager.set_script_intent("", "")


def requested_url_path(pages: Sequence[Any]) -> str | None:
    """The `url_path` of the page this script run asks for, found the way `st.navigation` will
    find it among `pages` ("" for the default page): by the page id the menu or a page link sends,
    else by the address (a deep link), else the default page. None for an address no page has
    (st.navigation then shows "Page not found") or outside a session. dashboard.py needs it to
    choose where the menu goes before `st.navigation` says which page it chose."""
    manager = _pages_manager()
    if manager is None:
        return None
    page_id = manager.intended_page_script_hash
    if page_id:
        asked = [p for p in pages if getattr(p, "_script_hash", None) == page_id]
        return asked[0].url_path if asked else ""  # an unknown id falls back to the default
    name = manager.intended_page_name
    if name:
        return name if any(p.url_path == name for p in pages) else None
    return ""


def rerun_after_reconnect() -> None:
    """Draws nothing; call it once per script run (dashboard.py). Streamlit's frontend reruns a
    page whose websocket reconnects only when the page has a timed fragment. After a failover to
    another process (python -m deploy serve), or a session that expired while a laptop slept,
    the new session has not run the page, and the download buttons drawn before point at files
    it does not have; this timed fragment makes the page run there again by itself. It reruns
    (an empty fragment) once an hour per open tab."""
    import streamlit as st

    @st.fragment(run_every=3600)
    def reconnect_marker() -> None:
        pass

    reconnect_marker()

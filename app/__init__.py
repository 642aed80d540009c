"""The dashboard's importable code: data access (data), pure chart builders (charts), the one theme
(theme), the offline map (geo) and the Streamlit glue pages share (ui)."""
from __future__ import annotations


def _leave_legacy_page_mode() -> None:
    """Streamlit decides per server, before any script runs, that an entry script with a pages/
    folder beside it uses the old multipage mode; only a later `st.navigation` call switches that
    off. So the very first visitor after a start who opens a deep link (/states) would get the
    page without dashboard.py: the wrong sidebar, no page config. Every page imports this package
    first, so this is the one place that can notice it: switch the mode off and rerun, which then
    goes through dashboard.py and st.navigation as every later session does."""
    try:
        from streamlit.runtime.pages_manager import PagesManager
        from streamlit.runtime.scriptrunner import get_script_run_ctx
    except ImportError:  # pragma: no cover - a Streamlit without these internals
        return
    if PagesManager.uses_pages_directory and get_script_run_ctx() is not None:
        import streamlit as st

        PagesManager.uses_pages_directory = False
        st.rerun()


_leave_legacy_page_mode()

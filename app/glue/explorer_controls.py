"""The Data explorer's dependent controls: the rows and option lists of a table, made once per
table version and earlier choices through the one cache, and the choices an earlier change made
impossible, dropped from the widget and the link.

Option lists come from a table's catalogue (app.views.explorer.catalogue_of), passed to the
cached calls as a recipe: a rerun whose options are cached never builds or hashes it.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from app.data import tables
from app.glue import cache, urlstate
from app.views import explorer


def rows(table: str) -> cache.Recipe:
    """The table's tidy rows (the Connecticut view for ct_ocme_deaths), as a recipe for
    `cache.call(explorer.filter_rows, rows(table), selection)` and the like. Raises
    TableUnavailable naming a missing table."""
    return cache.recipe(explorer.tidy_rows, tables.load_table(table), table)


def catalogue(table: str) -> cache.Recipe:
    """The distinct choosable combinations of the table's rows, as a recipe for the option
    lists: `cache.call(explorer.measure_options_of, catalogue(table))`."""
    return cache.recipe(explorer.catalogue_of, rows(table))


def download(table: str, selection: explorer.Selection, kind: str) -> bytes:
    """The view's rows as CSV or Parquet bytes (a rerun does not re-encode them)."""
    encode = explorer.csv_bytes if kind == "csv" else explorer.parquet_bytes
    return cache.call(encode, cache.recipe(explorer.filter_rows, rows(table), selection))


def drop_stale(key: str, fix: Callable[[Any], Any]) -> None:
    """Before a control whose options depend on earlier ones is drawn: when the reader's value
    of `key` is no longer possible (an earlier choice changed the options), replace it by
    `fix(value)` — None: the control's default — in the widget and in the link, so urlstate
    takes it without calling the link invalid. A link changed from outside (pasted, back or
    forward) is left for urlstate to judge."""
    if key not in st.session_state:
        return
    old = st.session_state[key]
    new = fix(old)
    if new == old:
        return
    raw = st.query_params.get_all(key)
    if raw not in ([], [urlstate.encode(old)]):
        return
    if new is None:
        del st.session_state[key]
        if raw:
            del st.query_params[key]
    else:
        st.session_state[key] = new
        st.query_params[key] = urlstate.encode(new)


def keep_choice(options: Sequence[Any]) -> Callable[[Any], Any]:
    return lambda value: value if value in options else None


def keep_choices(options: Sequence[Any]) -> Callable[[Any], Any]:
    def fix(value: Any) -> Any:
        kept = [v for v in value if v in options]
        return kept if kept or not value else None
    return fix


def keep_year(lo: int, hi: int) -> Callable[[Any], Any]:
    return lambda value: value if isinstance(value, int) and lo <= value <= hi else None


def keep_span(lo: int, hi: int) -> Callable[[Any], Any]:
    def fix(value: Any) -> Any:
        try:
            start, end = max(lo, int(value[0])), min(hi, int(value[1]))
        except (TypeError, ValueError, IndexError):
            return None
        return (start, end) if start <= end else None
    return fix


def forget(*keys: str) -> None:
    """Remove from the link the controls this view does not draw (e.g. `states` when the place
    is the nation), so the link holds only what is on screen."""
    for key in keys:
        if key in st.query_params:
            del st.query_params[key]

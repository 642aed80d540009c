"""The Data explorer's dependent controls: the rows and option lists of a table, made once per
table version and earlier choices through the one cache, and the choices an earlier change made
impossible, dropped from the widget and the link.

Option lists come from a table's catalogue (app.views.explorer.catalogue_of), passed to the
cached calls as a recipe: a rerun whose options are cached never builds or hashes it.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from app.data import tables
from app.glue import cache, urlstate
from app.views import explorer, explorer_output


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


def grid(table: str, selection: explorer.Selection) -> pd.DataFrame:
    """The view's rows as the readable grid (explorer_output.grid_rows), made once per view."""
    return cache.call(explorer_output.grid_rows,
                      cache.recipe(explorer.filter_rows, rows(table), selection))


def grid_config(grid_rows: pd.DataFrame) -> dict[str, Any]:
    """How the grid's columns are drawn: values with thousands separators, years as years, the
    flags explained in their header's tooltip."""
    config: dict[str, Any] = {
        "Value": st.column_config.NumberColumn(format="localized", pinned=True,
                                               help="Blank: no value (see Flags)"),
        "Year": st.column_config.NumberColumn(format="%d"),
        "Flags": st.column_config.TextColumn(help=explorer.text("flags_help")),
    }
    return {k: v for k, v in config.items() if k in grid_rows.columns}


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


_COVERAGE = "_explorer_coverage"
"""st.session_state key: control key -> the coverage its slider was last drawn with."""


def _follows(key: str, coverage: Any) -> bool:
    """Whether `key`'s value is the coverage its slider last had (so the reader did not set
    it) while the coverage is now another: the value then follows, as a fresh link's would."""
    drawn = st.session_state.setdefault(_COVERAGE, {})
    previous, drawn[key] = drawn.get(key), coverage
    if key not in st.session_state or previous is None or previous == coverage:
        return False
    value = st.session_state[key]
    return (tuple(value) if isinstance(value, (list, tuple)) else value) == previous


def follow_span(key: str, lo: int, hi: int) -> None:
    """Before the year-range slider: a range the reader did not set follows the view's coverage
    (`lo`–`hi`), so switching tables gives what the same link opened fresh gives; one they set
    is kept, clipped to the coverage. Not set: equal to the full span the slider had before
    (its default then)."""
    if _follows(key, (lo, hi)):
        del st.session_state[key]
        if key in st.query_params:
            del st.query_params[key]
        return
    drop_stale(key, keep_span(lo, hi))


def follow_year(key: str, lo: int, hi: int) -> None:
    """Before the one-year slider: like `follow_span`, the latest year (`hi`) unless the reader
    chose another than the latest the slider had."""
    if _follows(key, hi):
        del st.session_state[key]
        if key in st.query_params:
            del st.query_params[key]
        return
    drop_stale(key, keep_year(lo, hi))


def many_series_controls(plans: Sequence[explorer_output.ManyPlan], noun: str = "series"
                         ) -> tuple[str, list[str]]:
    """For line charts with too many series (`plans`, one per chart): the "Show as" choice
    and, for highlighting, which series are in colour (the first chart's highest by default;
    the options are every chart's series; `noun`: what they are, for the help text). Both in
    the link; returns (display, highlighted)."""
    first = plans[0]
    names = {k: v for plan in reversed(plans) for k, v in plan.names.items()}
    options = list(dict.fromkeys(k for plan in plans for k in plan.ranking))
    with st.container(horizontal=True, vertical_alignment="bottom", gap="medium"):
        display = urlstate.select("Show as", list(explorer_output.DISPLAYS), "highlight",
                                  key="display", widget="segmented",
                                  format_func=explorer_output.DISPLAYS.get,
                                  help=explorer.text("many_series", count=len(names),
                                                     latest=first.latest))
        if display != "highlight":
            forget("highlight")
            return display, []
        drop_stale("highlight", keep_choices(options))
        chosen = urlstate.multiselect(
            "Highlight", options, first.ranking[:explorer_output.HIGHLIGHT_COUNT],
            key="highlight", format_func=lambda k: names.get(k, k),
            max_selections=explorer_output.MAX_HIGHLIGHT, width="stretch",
            help=explorer_output.highlight_help(first, noun))
    return display, chosen


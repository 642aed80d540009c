"""What the pages draw, recorded while the static site is being built: every chart_block call
(figure, plotted rows, caption, summary, title) and every link-bound tab group, so the static
pages are made by running the pages themselves, not by a second copy of their logic.

Off by default and nearly free when off (`record` returns at its first line). The site build
(app.glue.static_site) runs in its own process and turns recording on around AppTest runs of
the pages; a Streamlit server never records.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class ChartRecord:
    """One chart_block call, as the page made it."""
    key: str
    figure: Any  # plotly.graph_objects.Figure
    plotted: pd.DataFrame
    caption: str
    summary: str
    title: str


@dataclass
class Recording:
    charts: list[ChartRecord] = field(default_factory=list)
    tabs: dict[str, tuple[tuple[str, ...], str]] = field(default_factory=dict)
    """Tab group key -> (link tokens in order, default token)."""


_active: Recording | None = None


@contextlib.contextmanager
def recording() -> Iterator[Recording]:
    """Record what chart_block and urlstate.tabs draw inside the block (nesting not allowed)."""
    global _active
    if _active is not None:
        raise RuntimeError("a recording is already running")
    _active = Recording()
    try:
        yield _active
    finally:
        _active = None


def active() -> bool:
    return _active is not None


def record_chart(key: str, figure: Any, plotted: pd.DataFrame, caption: str, summary: str,
                 title: str) -> None:
    if _active is None:
        return
    _active.charts.append(ChartRecord(key, figure, plotted, caption, summary, title))


def record_tabs(key: str, tokens: tuple[str, ...], default: str) -> None:
    if _active is None:
        return
    _active.tabs[key] = (tokens, default)

"""Cross-session caches for what pages compute from the data: figures and derived frames.

A page rerun (any widget change) used to rebuild every Plotly figure, and Plotly's validation
costs 30–100 ms a figure, so a six-chart page took a second. Builders and view functions are pure
(their output depends only on their arguments), so their results can be shared by every session
and rerun with the same inputs:

    fig = memo.figure(charts.time_series, rows, color_by="sex", events=events)
    rows = memo.call(views.wonder_state_rows, wonder, drug, "crude_rate")

Arguments are keyed by value; a frame that is a loaded table is keyed by its file version
(data.table_token) instead of hashing its rows, so passing whole tables is cheap. Figures are
stored as plain dicts (numeric arrays as numpy arrays) and rebuilt without re-validation (they were validated when built), giving
every caller its own figure object that it may change. Only module-level functions can be cached
(they are looked up by module and name inside the cache).
"""
from __future__ import annotations

import importlib
import pickle
from collections.abc import Callable
from typing import Any, TypeVar

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app import data, export

T = TypeVar("T")
_HASH_FUNCS = {pd.DataFrame: data.frame_token}


def _qualified(fn: Callable[..., Any]) -> tuple[str, str]:
    module, name = getattr(fn, "__module__", None), getattr(fn, "__qualname__", "")
    if not module or "<" in name:
        raise TypeError(f"memo caches module-level functions only, not {fn!r}")
    return module, name


def _resolve(module: str, name: str) -> Callable[..., Any]:
    target: Any = importlib.import_module(module)
    for part in name.split("."):
        target = getattr(target, part)
    return target


@st.cache_data(show_spinner=False, max_entries=512, hash_funcs=_HASH_FUNCS)
def _figure_spec(module: str, name: str, args: tuple, kwargs: dict) -> dict[str, Any]:
    fig = _resolve(module, name)(*args, **kwargs)
    if not isinstance(fig, go.Figure):
        raise TypeError(f"{module}.{name} returned {type(fig).__name__}, not a plotly Figure")
    # to_dict() encodes numeric arrays as plotly.js typed-array specs; decode them so the figure
    # rebuilt from the cache holds values like the builder's (code reading trace values works).
    return export.plain_spec(fig.to_dict())


@st.cache_data(show_spinner=False, max_entries=1024, hash_funcs=_HASH_FUNCS)
def _result(module: str, name: str, args: tuple, kwargs: dict) -> Any:
    # Hand back what a cache hit would: a filtered frame still points into its parent table's
    # buffers and pickles (so hashes) differently from its unpickled copy, which would make the
    # next call that takes it as an argument miss once.
    return pickle.loads(pickle.dumps(_resolve(module, name)(*args, **kwargs), protocol=5))


def figure(builder: Callable[..., go.Figure], *args: Any, **kwargs: Any) -> go.Figure:
    """`builder(*args, **kwargs)`, built once per distinct arguments; a new Figure each call."""
    spec = _figure_spec(*_qualified(builder), args, kwargs)
    return go.Figure(spec, _validate=False)


def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`fn(*args, **kwargs)` computed once per distinct arguments; each caller gets a copy."""
    return _result(*_qualified(fn), args, kwargs)

"""The one cache of what pages compute from the data (figures, derived frames, option lists,
rendered images), shared across sessions. Pages and the rest of the glue cache through it and
nothing else; the builders and views they call are pure and never cache themselves.

A page rerun (any widget change) used to rebuild every Plotly figure, and Plotly's validation
costs 30–100 ms a figure, so a six-chart page took a second. Builders and view functions are pure
(their output depends only on their arguments), so their results can be shared by every session
and rerun with the same inputs:

    fig = cache.figure(lines.time_series, rows, color_by="sex", events=events)
    rows = cache.call(states.wonder_state_rows, wonder, drug, "crude_rate")

Arguments are keyed by value; a frame that is a loaded table is keyed by its file version
(app.data.tables.table_token) instead of hashing its rows, so passing whole tables is cheap. A
frame derived from a table is passed as a `recipe` (the call that makes it): it is keyed by that
call, and made (through this cache) only when the call it feeds is not cached yet, so a rerun
that hits never builds or hashes it (a catalogue of 60,000 rows cost 17 ms a hash). Figures are
stored as plain dicts (numeric arrays as numpy arrays) and rebuilt without re-validation (they
were validated when built), giving every caller its own figure object that it may change. Only
module-level functions are cached (a function is part of the key by module and name).

The cache is this module's own bounded LRU of pickled results, not st.cache_data: Streamlit's
argument hashing cost ~1 ms a call here, and pages make dozens of calls a run.
"""
from __future__ import annotations

import hashlib
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, NamedTuple, TypeVar

import pandas as pd
import plotly.graph_objects as go

from app.data import tables
from app.export import restyle

T = TypeVar("T")
MAX_ENTRIES = 2048
MAX_BYTES = 256 * 1024 * 1024
"""Bounds of the cache (entries, and pickled bytes over all entries): least recently used go
first. Pickled figures and frames here are a few kB to a few hundred kB each."""


class _Cache:
    """A thread-safe LRU of pickled results. Pickled, so every hit is a fresh copy (a caller may
    change what it gets) and a miss hands back exactly what later hits will (a filtered frame
    pickles differently from its unpickled copy, which would change the next call's key)."""

    def __init__(self) -> None:
        self._items: OrderedDict[Hashable, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            blob = self._items.get(key)
            if blob is not None:
                self._items.move_to_end(key)
            return blob

    def put(self, key: Hashable, blob: bytes) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            self._bytes -= len(old) if old is not None else 0
            self._items[key] = blob
            self._bytes += len(blob)
            while self._items and (len(self._items) > MAX_ENTRIES or self._bytes > MAX_BYTES):
                _, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._items)


_CACHE = _Cache()
# One lock per key being computed, so callers who miss the same key at once (a warm-up and the
# first reader of a fresh process, a class opening the link together) compute it once: the
# others wait for that result instead of sharing the one core to make it again.
_COMPUTING: dict[Hashable, threading.Lock] = {}
_COMPUTING_GUARD = threading.Lock()


def clear() -> None:
    """Empty the cache (tests and benchmarks that measure a cold start)."""
    _CACHE.clear()


def _qualified(fn: Callable[..., Any]) -> tuple[str, str]:
    module, name = getattr(fn, "__module__", None), getattr(fn, "__qualname__", "")
    if not module or "<" in name:
        raise TypeError(f"memo caches module-level functions only, not {fn!r}")
    return module, name


class Recipe(NamedTuple):
    """`fn(*args, **kwargs)` not made yet: an argument of `call` or `figure` keyed by the call
    that makes it, and made through this cache only when needed."""
    fn: Callable[..., Any]
    args: tuple
    kwargs: dict


def recipe(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Recipe:
    """The value of `fn(*args, **kwargs)` as an argument of a cached call (see the module text)."""
    _qualified(fn)
    return Recipe(fn, args, kwargs)


def _made(value: Any) -> Any:
    """An argument with its recipes made (through the cache), at any depth of a list or tuple."""
    if isinstance(value, Recipe):
        return call(value.fn, *value.args, **value.kwargs)
    if isinstance(value, (list, tuple)) and any(isinstance(v, Recipe) for v in value):
        return type(value)(_made(v) for v in value)
    return value


def _key(value: Any) -> Hashable:
    """A hashable stand-in for an argument, equal for equal values: frames by
    tables.frame_token (a loaded table by its file version), recipes by their call, containers
    element by element, anything else by value if hashable, else by a digest of its pickle."""
    if isinstance(value, Recipe):
        return ("recipe", *_qualified(value.fn), _key(value.args), _key(value.kwargs))
    if isinstance(value, pd.DataFrame):
        return ("frame", tables.frame_token(value))
    if value is None or isinstance(value, (str, bool, int, float)):
        return (type(value).__name__, value)
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_key(v) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple((_key(k), _key(v)) for k, v in value.items()))
    if isinstance(value, (set, frozenset)):
        return ("set", tuple(sorted(repr(_key(v)) for v in value)))
    blob = pickle.dumps(value, protocol=5)
    return (type(value).__qualname__, hashlib.blake2b(blob, digest_size=16).hexdigest())


def _cached(kind: str, fn: Callable[..., Any], args: tuple, kwargs: dict,
            compute: Callable[[tuple, dict], Any]) -> Any:
    key = (kind, *_qualified(fn), _key(args), _key(kwargs))
    blob = _CACHE.get(key)
    if blob is None:
        with _COMPUTING_GUARD:
            computing = _COMPUTING.setdefault(key, threading.Lock())
        # A key's computation only waits for keys it depends on (its recipes), never for itself,
        # so these locks cannot deadlock; if it raises, the next waiter computes it.
        try:
            with computing:
                blob = _CACHE.get(key)  # made by the caller this one waited for
                if blob is None:
                    made_args = tuple(_made(a) for a in args)
                    made_kwargs = {k: _made(v) for k, v in kwargs.items()}
                    blob = pickle.dumps(compute(made_args, made_kwargs), protocol=5)
                    _CACHE.put(key, blob)
        finally:
            with _COMPUTING_GUARD:
                if _COMPUTING.get(key) is computing:
                    del _COMPUTING[key]
    return pickle.loads(blob)


def _figure_spec(builder: Callable[..., go.Figure], args: tuple, kwargs: dict) -> dict[str, Any]:
    fig = builder(*args, **kwargs)
    if not isinstance(fig, go.Figure):
        raise TypeError(f"{builder.__qualname__} returned {type(fig).__name__}, not a plotly "
                        "Figure")
    # to_dict() encodes numeric arrays as plotly.js typed-array specs; decode them so the figure
    # rebuilt from the cache holds values like the builder's (code reading trace values works).
    return restyle.plain_spec(fig.to_dict())


def figure(builder: Callable[..., go.Figure], *args: Any, **kwargs: Any) -> go.Figure:
    """`builder(*args, **kwargs)`, built once per distinct arguments; a new Figure each call."""
    spec = _cached("figure", builder, args, kwargs, lambda a, k: _figure_spec(builder, a, k))
    return go.Figure(spec, _validate=False)


def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`fn(*args, **kwargs)` computed once per distinct arguments; each caller gets a copy."""
    return _cached("call", fn, args, kwargs, lambda a, k: fn(*a, **k))

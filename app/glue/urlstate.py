"""Shareable state: every page control lives in the URL's query string.

Opening a link reopens the same view; changing a control rewrites the link; a value in the link
that is not one the control can take (unknown option, year out of range, text in a number, a
repeated key, an overlong string, markup) is dropped for the control's default and named in one
quiet caption (`show_notices()`), never echoed and never raised.

Why not Streamlit's own `bind="query-params"`: it never raises and drops most bad values, but
silently (nothing to tell the reader), and it lets some through: a repeated key takes its last
value (`?state=NY&state=MA` -> MA), a reversed range is kept (`?years=2015&years=2005`), a decimal
is truncated (`?year=2010.7` -> 2010), `?sex=` empties a segmented control. A bound key also cannot
be cleaned up through `st.query_params`, and on first load the URL beats `st.session_state`. So
the binding is done here: before the widget is drawn the URL value is validated into
`st.session_state[key]` (only when the URL changed from outside: first load, a pasted link,
back/forward, a page switch), and after it is drawn the widget's value is written back to
`st.query_params` (removed when it equals the default).

URL format: one key per control, the key is the widget key; a list is comma-separated
(`?drugs=benzodiazepines,any_opioid`, `?years=2010,2020`); a flag is `true`/`false`.

Page use (controls first, then the notices and the link):

    years = urlstate.year_slider("Years", range(1999, 2024), (1999, 2023), key="years")
    drugs = urlstate.multiselect("Drugs", DRUG_IDS, ["benzodiazepines"], key="drugs",
                                 format_func=drug_label)
    urlstate.show_notices()
    urlstate.copy_link_control()
"""
from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any, Literal, TypeVar
from urllib.parse import quote, urlencode

import streamlit as st

from app.glue import capture

T = TypeVar("T", bound=Hashable)

MAX_RAW_LENGTH = 1000
"""A link value longer than this is rejected before it is parsed (all 51 state codes take 152)."""
LIST_SEPARATOR = ","
_KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,31}")
# Streamlit's embed keys, and app.glue.embed's: the chart an embed link shows.
_RESERVED_KEYS = frozenset({"embed", "embed_options", "embed_chart"})
_INTEGER = re.compile(r"-?[0-9]{1,9}")  # ASCII digits only: int() would also take "٢٠١٠" or " 2010"
_FLAGS = {"true": True, "false": False}

# st.session_state keys owned by this module.
_SYNCED = "_urlstate_synced"  # key -> the list of raw URL values last read or written for it
_NOTICES = "_urlstate_notices"  # keys whose link value was ignored, waiting for show_notices()

Widget = Literal["selectbox", "radio", "segmented", "pills"]


class InvalidLinkValue(ValueError):
    """A query-string value a control cannot take."""


# Decoding and encoding: pure functions of the raw values (`st.query_params.get_all(key)`).

def _single(raw: Sequence[str]) -> str:
    if len(raw) != 1:
        raise InvalidLinkValue(f"expected one value, found {len(raw)}")
    value = raw[0]
    if len(value) > MAX_RAW_LENGTH:
        raise InvalidLinkValue(f"value longer than {MAX_RAW_LENGTH} characters")
    return value


def _tokens(options: Iterable[T]) -> dict[str, T]:
    """Map each option to its URL token, `str(option)`; tokens must be unique and comma-free."""
    by_token: dict[str, T] = {}
    for option in options:
        token = str(option)
        if not token or LIST_SEPARATOR in token or token in by_token:
            raise ValueError(f"option {option!r} has an empty, comma-containing or duplicate URL "
                             "token (str(option)); give options short unique ids")
        by_token[token] = option
    return by_token


def decode_choice(raw: Sequence[str], options: Sequence[T]) -> T:
    token = _single(raw)
    by_token = _tokens(options)
    if token not in by_token:
        raise InvalidLinkValue("not one of the options")
    return by_token[token]


def decode_choices(raw: Sequence[str], options: Sequence[T],
                   max_selections: int | None = None) -> list[T]:
    value = _single(raw)
    if value == "":
        return []
    tokens = value.split(LIST_SEPARATOR)
    by_token = _tokens(options)
    if any(t not in by_token for t in tokens):
        raise InvalidLinkValue("not all values are options")
    if len(set(tokens)) != len(tokens):
        raise InvalidLinkValue("an option is repeated")
    if max_selections is not None and len(tokens) > max_selections:
        raise InvalidLinkValue(f"more than {max_selections} options")
    return [by_token[t] for t in tokens]


def _decode_int(text: str, lo: int, hi: int) -> int:
    if not _INTEGER.fullmatch(text):
        raise InvalidLinkValue("not a whole number")
    number = int(text)
    if not lo <= number <= hi:
        raise InvalidLinkValue(f"outside {lo}–{hi}")
    return number


def decode_year(raw: Sequence[str], lo: int, hi: int) -> int:
    return _decode_int(_single(raw), lo, hi)


def decode_year_range(raw: Sequence[str], lo: int, hi: int) -> tuple[int, int]:
    parts = _single(raw).split(LIST_SEPARATOR)
    if len(parts) != 2:
        raise InvalidLinkValue("expected two years: start,end")
    start, end = (_decode_int(p, lo, hi) for p in parts)
    if start > end:
        raise InvalidLinkValue("start after end")
    return start, end


def decode_flag(raw: Sequence[str]) -> bool:
    value = _single(raw)
    if value not in _FLAGS:
        raise InvalidLinkValue("expected true or false")
    return _FLAGS[value]


def encode(value: Any) -> str:
    """The URL text for a control value (the inverse of the decoders)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return LIST_SEPARATOR.join(str(v) for v in value)
    return str(value)


# Binding: URL -> st.session_state before the widget, widget value -> URL after it.

def _check_key(key: str) -> None:
    if not _KEY_PATTERN.fullmatch(key) or key in _RESERVED_KEYS:
        raise ValueError(f"URL key {key!r} must be 1-32 lowercase letters, digits or _, start "
                         "with a letter, and not be embed/embed_options/embed_chart")


def _read_link(raw: Sequence[str], default: Any,
               decode: Callable[[Sequence[str]], Any]) -> tuple[Any, bool]:
    """The control's value from its raw link values (the default when there are none or they
    are invalid), and whether they were invalid."""
    if not raw:
        return default, False
    try:
        return decode(raw), False
    except InvalidLinkValue:
        return default, True


def _seed(key: str, default: Any, decode: Callable[[Sequence[str]], Any],
          to_raw: Callable[[Any], str] | None = None) -> None:
    """Set st.session_state[key] from the URL when the URL changed outside this control.

    When the URL still holds what this control last wrote, the widget's own state stands (the
    reader just changed it) unless it is not a value this control can take (another page used
    the same key with other options). `to_raw`: how a state value is written in the link
    (default `encode`)."""
    to_raw = to_raw or encode
    raw = st.query_params.get_all(key)
    synced = st.session_state.setdefault(_SYNCED, {})
    if key in st.session_state and synced.get(key) == raw:
        try:
            if decode([to_raw(st.session_state[key])]) == st.session_state[key]:
                # Re-set it: a widget with this key on another page has another widget id, and
                # Streamlit drops a value a different widget set (the toggle would reset to off).
                st.session_state[key] = st.session_state[key]
                return
        except InvalidLinkValue:
            pass
    value, invalid = _read_link(raw, default, decode)
    if invalid:
        notices = st.session_state.setdefault(_NOTICES, [])
        if key not in notices:
            notices.append(key)
    st.session_state[key] = value


def _write_back(key: str, default: Any, to_raw: Callable[[Any], str] | None = None) -> Any:
    """Mirror the widget's value into the URL (absent when it is the default); return it."""
    value = st.session_state[key]
    wanted = [] if value == default else [(to_raw or encode)(value)]
    if st.query_params.get_all(key) != wanted:
        if wanted:
            st.query_params[key] = wanted[0]
        else:
            del st.query_params[key]
    st.session_state[_SYNCED][key] = wanted
    return value


# Controls.

def select(label: str, options: Sequence[T], default: T, key: str, *,
           format_func: Callable[[T], str] = str, widget: Widget = "selectbox",
           **widget_kwargs: Any) -> T:
    """One option from `options`, bound to `?key=<str(option)>`; `widget` picks its look. Pills
    and a segmented control load no widget code beyond each other's (a selectbox loads its own,
    ~150 ms of a first visit: benchmarks/RESULTS.md, section 3), and show every option at once.

    Extra keyword arguments (help, horizontal, label_visibility, ...) go to the widget."""
    _check_key(key)
    options = list(options)
    if default not in options:
        raise ValueError(f"default {default!r} of {key!r} is not one of its options")
    _seed(key, default, lambda raw: decode_choice(raw, options))
    if widget == "selectbox":
        st.selectbox(label, options, format_func=format_func, key=key, **widget_kwargs)
    elif widget == "radio":
        st.radio(label, options, format_func=format_func, key=key, **widget_kwargs)
    elif widget == "segmented":
        st.segmented_control(label, options, format_func=format_func, key=key, required=True,
                             **widget_kwargs)
    elif widget == "pills":
        st.pills(label, options, format_func=format_func, key=key, required=True,
                 **widget_kwargs)
    else:
        raise ValueError(f"widget must be selectbox, radio, segmented or pills, not {widget!r}")
    return _write_back(key, default)


def multiselect(label: str, options: Sequence[T], default: Sequence[T], key: str, *,
                format_func: Callable[[T], str] = str, max_selections: int | None = None,
                **widget_kwargs: Any) -> list[T]:
    """Any of `options` in order, bound to `?key=a,b`; `?key=` (empty) means none chosen."""
    _check_key(key)
    options, default = list(options), list(default)
    _tokens(options)
    if any(d not in options for d in default):
        raise ValueError(f"default {default!r} of {key!r} is not a subset of its options")
    _seed(key, default, lambda raw: decode_choices(raw, options, max_selections))
    st.multiselect(label, options, format_func=format_func, key=key,
                   max_selections=max_selections, **widget_kwargs)
    return _write_back(key, default)


def linked_value(key: str, default: T, decode: Callable[[Sequence[str]], T]) -> T:
    """What a bound control with `key` would show, read from the link alone: for a control that
    is not drawn this run (it sits in a closed lazy tab) but whose value another part of the
    page needs (the page's handout). The default when the link has none or an invalid one; the
    notice about an invalid one comes when the control itself is drawn."""
    _check_key(key)
    return _read_link(st.query_params.get_all(key), default, decode)[0]


def linked_choice(key: str, options: Sequence[T], default: T) -> T:
    """`linked_value` of a `select` control."""
    return linked_value(key, default, lambda raw: decode_choice(raw, list(options)))


def linked_choices(key: str, options: Sequence[T], default: Sequence[T],
                   max_selections: int | None = None) -> list[T]:
    """`linked_value` of a `multiselect` control."""
    return linked_value(key, list(default),
                        lambda raw: decode_choices(raw, list(options), max_selections))


def year_slider(label: str, years: Iterable[int], default: int | tuple[int, int], key: str,
                **widget_kwargs: Any) -> Any:
    """A year (`?key=2020`) or, when `default` is a (start, end) pair, a span (`?key=2010,2020`)
    between min(years) and max(years)."""
    _check_key(key)
    years = [int(y) for y in years]
    lo, hi = min(years), max(years)
    if isinstance(default, tuple):
        default = (int(default[0]), int(default[1]))
        if not lo <= default[0] <= default[1] <= hi:
            raise ValueError(f"default {default!r} of {key!r} is not a span within {lo}–{hi}")
        _seed(key, default, lambda raw: decode_year_range(raw, lo, hi))
    else:
        if not lo <= default <= hi:
            raise ValueError(f"default {default!r} of {key!r} is outside {lo}–{hi}")
        _seed(key, default, lambda raw: decode_year(raw, lo, hi))
    st.slider(label, min_value=lo, max_value=hi, step=1, key=key, **widget_kwargs)
    return _write_back(key, default)


def toggle(label: str, default: bool, key: str, **widget_kwargs: Any) -> bool:
    """An on/off switch bound to `?key=true` / `?key=false` (only when not the default)."""
    _check_key(key)
    _seed(key, bool(default), decode_flag)
    st.toggle(label, key=key, **widget_kwargs)
    return _write_back(key, bool(default))


def tabs(labels: Mapping[str, str], key: str, default: str | None = None) -> dict[str, Any]:
    """Tabs ({link token: label}) bound to `?key=<token>` (absent for the default tab, the first
    unless given) that run lazily: only the open tab's `.open` is True, so a page draws just that
    tab's charts and switching tabs reruns it. Returns {token: tab container}.

    Controls inside a closed tab are not drawn, so Streamlit forgets their state; their link
    values stay in the URL and are read back when the tab opens again."""
    _check_key(key)
    tokens, names = list(labels), list(labels.values())
    default = tokens[0] if default is None else default
    if default not in labels:
        raise ValueError(f"default {default!r} of {key!r} is not one of its tabs")
    _tokens(tokens)
    capture.record_tabs(key, tuple(tokens), default)
    by_name = dict(zip(names, tokens, strict=True))

    def to_raw(label: str) -> str:
        # "" for a label these tabs do not have: another page's control with this key left it
        # in st.session_state, and "" fails decoding, so _seed falls back to the link.
        return by_name.get(label, "")

    _seed(key, labels[default], lambda raw: labels[decode_choice(raw, tokens)], to_raw=to_raw)
    containers = st.tabs(names, key=key, on_change="rerun")
    _write_back(key, labels[default], to_raw=to_raw)
    return dict(zip(tokens, containers, strict=True))


# Notices and the shareable link.

def start_run() -> None:
    """Forget ignored link values no page named in its last run (dashboard.py, before the page):
    a notice belongs to the run that read the link. Without this, a value checked after a page's
    last `show_notices()` was named on the next run, after any click, where it made no sense."""
    st.session_state.pop(_NOTICES, None)


def show_notices() -> None:
    """Name, once, the link settings that were ignored; call after the page's controls."""
    keys = st.session_state.pop(_NOTICES, [])
    if not keys:
        return
    names = ", ".join(f"`{k}`" for k in keys)  # keys are checked identifiers, never URL text
    if len(keys) == 1:
        text = f"Ignored an invalid link setting: {names}. Showing the default instead."
    else:
        text = f"Ignored invalid link settings: {names}. Showing the defaults instead."
    st.caption(f":material/link_off: {text}")


def shareable_url() -> str:
    """The URL of this view: the page address plus the bound controls' non-default values."""
    synced = st.session_state.get(_SYNCED, {})
    pairs = [(k, v) for k in synced if k in st.query_params for v in st.query_params.get_all(k)]
    query = urlencode(pairs, quote_via=quote, safe=LIST_SEPARATOR)
    base = st.context.url or ""  # None outside a browser session (AppTest)
    return f"{base}?{query}" if query else base


def copy_link_control(label: str = "Copy link to this view") -> None:
    """A button that opens the view's URL in a code box, whose copy icon copies it."""
    with st.popover(label, icon=":material/link:"):
        st.code(shareable_url(), language=None, wrap_lines=True)
        st.caption("Use the copy icon at the right of the box; the link reopens this page with "
                   "the same settings.")

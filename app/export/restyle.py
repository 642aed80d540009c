"""A figure restyled for a slide or a handout (white card, projector-sized text, title and source
line baked in, long rankings cut to their top bars), and the text and array helpers exports and
caches share."""
from __future__ import annotations

import base64
import datetime as dt
import re
import textwrap
from collections.abc import Iterable, Mapping

import numpy as np
import plotly.graph_objects as go

from app.charts import theme
from etl.registry import STATE_BY_NAME

SLIDE_WIDTH = 1920


SLIDE_HEIGHT = 1080


PAD = 40
"""Outer padding of the slide in pixels (title, legend and source line stay inside it)."""


TEXT_COLOR = "#1A1A1A"


SOURCE_COLOR = "#4D4D4D"


FONT_FAMILY = "Arial, Liberation Sans, DejaVu Sans, sans-serif"


TITLE_SIZE = 40


FONT_SIZE = 24


TICK_SIZE = 22


LEGEND_SIZE = 22


ANNOTATION_SIZE = 20


EVENT_SCALE = 1.3
"""Labels inside and above the plot (events, "provisional") grow with the plot width, ~1.3×."""


Y_LABELS_ESTIMATE = 200
"""Pixels left of the plot taken by y tick labels and title, for laying out labels."""


SOURCE_SIZE = 20


LINE_SCALE = 1.5
"""Line widths and marker sizes grow with the fonts (theme sizes are for ~1200 px wide charts)."""


TITLE_WRAP = 70


SOURCE_WRAP = 160
"""Characters per line of the title and of the source line at their sizes on 1920 px (fewer on
a narrower figure)."""


AXIS_BLOCK = 105
"""Pixels under the plot taken by x tick labels and the x axis title at slide sizes."""


SLIDE_MAX_BARS = 15
"""A ranking with more bars shows only its highest this many on a slide or handout image: 45
state names share ~700 px and would print at ~10 px, unreadable from the back of a room. A note
baked into the image says how many are left out and where the full ranking is."""


RANKING_NOTE = "slide_ranking_note"


_TOPOJSON_TRACES = {"choropleth", "scattergeo"}


def plain_text(text: str) -> str:
    """Markdown/HTML-free text: **bold**, `code`, [label](url) → label (url), formatting tags
    dropped; a literal "<" (as in "<0.1") stays."""
    text = re.sub(r"\[([^\]]+)\]\(([^)]+)\)", r"\1 (\2)", text)
    text = re.sub(r"<br\s*/?>", " ", text, flags=re.I)
    text = re.sub(r"</?(?:b|i|em|strong|sup|sub|span|a|u|s)\b[^>]*>", "", text, flags=re.I)
    text = re.sub(r"(\*\*|__|\*|`)", "", text)
    return re.sub(r"\s+", " ", text).strip()


def _plotly_escape(text: str) -> str:
    # Plotly reads text as pseudo-HTML: a literal "<" (as in "<0.1") must be an entity.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _wrapped(text: str, width: int) -> list[str]:
    return [line for part in text.split("\n") for line in (textwrap.wrap(part, width) or [""])]


def date_text(date: dt.date | str | None = None) -> str:
    """"Exported 25 November 2026" for a date (today when None); a string is used as given."""
    if isinstance(date, str):
        return date
    day = date or dt.date.today()
    return f"Exported {day.day} {day:%B %Y}"


def source_lines(source_line: str, date: dt.date | str | None = None,
                 wrap: int = SOURCE_WRAP) -> list[str]:
    """The bottom line(s) of a slide: source and definition, then the date, wrapped."""
    parts = [p for p in (plain_text(source_line or ""), date_text(date)) if p]
    return _wrapped(" · ".join(parts), wrap) if parts else []


def _is_typed_array(value: object) -> bool:
    return isinstance(value, dict) and "bdata" in value and "dtype" in value


def _decoded(spec: Mapping[str, str]) -> np.ndarray:
    values = np.frombuffer(base64.b64decode(spec["bdata"]), dtype=np.dtype("<" + spec["dtype"]))
    if spec.get("shape"):
        values = values.reshape(tuple(int(n) for n in str(spec["shape"]).split(",")))
    return values.copy()


def plain_spec(value: object) -> object:
    """A figure dict (e.g. `fig.to_dict()`) with every typed-array spec replaced by its numpy
    array, so a figure built from it holds values, as the builder's own figure did."""
    if _is_typed_array(value):
        return _decoded(value)  # type: ignore[arg-type]
    if isinstance(value, dict):
        return {key: plain_spec(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain_spec(item) for item in value]
    return value


def plain_arrays(fig: go.Figure) -> go.Figure:
    """`fig` with its numbers as numbers again. A figure rebuilt from `to_dict()` or unpickled
    (app.glue.cache, st.cache_data) holds each numeric array as a plotly.js typed-array spec
    ({"dtype": "f8", "bdata": "..."}), which reads as a dict, not values: code that looks at the
    values (how many bars, how high the data go) would see two keys. Changes `fig` in place (only
    the properties that hold such a spec) and returns it."""
    def found(value: object, path: tuple[str, ...]) -> Iterable[tuple[tuple[str, ...], object]]:
        if _is_typed_array(value):
            yield path, value
        elif isinstance(value, dict):
            for key, item in value.items():
                yield from found(item, (*path, key))

    for trace in fig.data:
        for path, spec in list(found(trace.to_plotly_json(), ())):
            trace[path] = _decoded(spec)  # type: ignore[arg-type]
    return fig


def figure_title(fig: go.Figure) -> str:
    title = fig.layout.title.text if fig.layout.title else None
    return plain_text(title or "")


def _legend_rows(fig: go.Figure, width: float) -> int:
    """Rows a horizontal legend needs at LEGEND_SIZE (greedy packing, generous widths)."""
    if fig.layout.showlegend is False:
        return 0
    names = [plain_text(str(t.name)) for t in fig.data
             if t.name and t.showlegend is not False and t.type not in {"choropleth"}]
    if len(names) < 2 and not any(t.showlegend for t in fig.data):
        return 0
    rows, used = 0, width
    for name in names:
        entry = 50 + 0.58 * LEGEND_SIZE * len(name)
        if used + entry > width:
            rows, used = rows + 1, 0.0
        used += entry
    return rows


def _is_map(fig: go.Figure) -> bool:
    return any(t.type in _TOPOJSON_TRACES for t in fig.data)


def _is_note(annotation: go.layout.Annotation) -> bool:
    """A builder footnote (app.charts.common.add_note): paper-anchored under the plot's bottom
    edge."""
    return (annotation.xref == "paper" and annotation.yref == "paper" and annotation.y == 0
            and annotation.yanchor == "top" and (annotation.yshift or 0) < 0)


def _category_count(axis: go.layout.XAxis | go.layout.YAxis, fig: go.Figure, letter: str) -> int:
    if axis.type != "category":
        return 0
    values: set[str] = set()
    for trace in fig.data:
        vals = getattr(trace, letter, None)
        if vals is not None and trace.type == "bar":
            values.update(str(v) for v in vals)
    return len(values)


def _ranking(fig: go.Figure) -> go.Bar | None:
    """The bar trace of a ranking (app.charts.bars.ranked_bar): the figure's only trace, horizontal
    bars drawn top down (y axis reversed) with values largest first. None for any other chart."""
    if len(fig.data) != 1 or fig.data[0].type != "bar" or fig.data[0].orientation != "h":
        return None
    bars = fig.data[0]
    if fig.layout.yaxis.autorange != "reversed" or bars.x is None or bars.y is None:
        return None
    try:
        values = [float(v) for v in bars.x]
    except (TypeError, ValueError):
        return None
    if len(values) != len(bars.y) or any(a < b for a, b in zip(values, values[1:])):
        return None
    return bars


def _first_bars(bars: go.Bar, keep: int) -> go.Bar:
    """A copy of `bars` with its first `keep` bars: every per-bar array (x, y, text, customdata,
    marker colours and patterns, ...) cut to that length, everything else as it was."""
    count = len(bars.y)

    def cut(value: object) -> object:
        if isinstance(value, dict):
            return {k: cut(v) for k, v in value.items()}
        if isinstance(value, (list, tuple, np.ndarray)) and len(value) == count:
            return value[:keep]
        return value

    return go.Bar(cut(bars.to_plotly_json()))


def _ranking_note(bars: go.Bar, keep: int, width: int) -> str:
    noun = "states" if all(str(y) in STATE_BY_NAME for y in bars.y) else "categories"
    text = (f"Showing the {keep} highest of {len(bars.y)} {noun}; the full ranking is in the "
            "dashboard and its data download (CSV).")
    return "<br>".join(_wrapped(text, SOURCE_WRAP * width // SLIDE_WIDTH))


def _long_ranking(fig: go.Figure, width: int) -> go.Bar | None:
    """The bars of a ranking too long for a slide (more than SLIDE_MAX_BARS), after adding the
    footnote that says so (first under the plot; the number shown is filled in by
    `_keep_top_bars`, once the room is known). None, and `fig` unchanged, for any other figure."""
    bars = _ranking(fig)
    if bars is None or len(bars.y) <= SLIDE_MAX_BARS:
        return None
    note = go.layout.Annotation(
        text=_ranking_note(bars, SLIDE_MAX_BARS, width), xref="paper", yref="paper", x=0, y=0,
        xanchor="left", yanchor="top", yshift=-8, showarrow=False, align="left",
        name=RANKING_NOTE)
    fig.layout.annotations = (note, *fig.layout.annotations)
    return bars


def _keep_top_bars(fig: go.Figure, bars: go.Bar, plot_height: float, width: int) -> None:
    """Replace the ranking by its highest SLIDE_MAX_BARS bars, fewer if the plot has no room for
    that many labels at TICK_SIZE (a short handout image with long notes), and say how many in the
    footnote (same number of lines as before, so the layout around it holds)."""
    keep = max(1, min(SLIDE_MAX_BARS, int(0.8 * plot_height / TICK_SIZE)))
    fig.data = []
    fig.add_trace(_first_bars(bars, keep))
    fig.update_annotations(text=_ranking_note(bars, keep, width), selector=dict(name=RANKING_NOTE))


def slide_figure(fig: go.Figure, title: str | None = None, source_line: str = "",
                 date: dt.date | str | None = None, *, width: int = SLIDE_WIDTH,
                 height: int = SLIDE_HEIGHT) -> go.Figure:
    """A copy of `fig` styled for a 1920×1080 slide or print: white background, dark text, large
    fonts and lines, the title on top and the source/definition line with the date at the bottom,
    margins sized so nothing clips; a long ranking shows its top SLIDE_MAX_BARS bars and says so.
    `title`: defaults to the figure's own title. The input figure is not changed. `title=""` or
    `source_line=""` with `date=""` leave that part out (the PDF handout prints them as text
    instead)."""
    out = plain_arrays(go.Figure(fig))
    long_ranking = _long_ranking(out, width)
    title_text = figure_title(fig) if title is None else plain_text(title)
    title_lines = _wrapped(title_text, TITLE_WRAP * width // SLIDE_WIDTH) if title_text else []
    bottom_lines = source_lines(source_line, date, SOURCE_WRAP * width // SLIDE_WIDTH)
    is_map = _is_map(out)
    x_top = (not is_map) and out.layout.xaxis.side == "top"
    plot_width = width - 2 * PAD - Y_LABELS_ESTIMATE

    title_h = int(len(title_lines) * TITLE_SIZE * 1.3)
    legend_rows = _legend_rows(out, plot_width)
    legend_h = int(legend_rows * LEGEND_SIZE * 1.6)
    top = PAD + title_h + (24 if title_lines else 0) + legend_h + (AXIS_BLOCK if x_top else 0)
    top = max(top, PAD + 30)  # room for labels drawn above the plot (e.g. "provisional")
    for annotation in out.layout.annotations:
        if not _is_note(annotation):
            size = (annotation.font.size if annotation.font and annotation.font.size
                    else theme.ANNOTATION_SIZE)
            annotation.font.size = round(size * EVENT_SCALE)
    # The event labels' rows, laid out again for the slide's width and sizes, under the legend
    # (placed in the slide's own height).
    out.update_layout(width=width, height=height)
    header = theme.fit_header(out, plot_width=plot_width, legend_rows=legend_rows,
                              title_px=PAD + title_h + (24 if title_lines else 0),
                              legend_size=LEGEND_SIZE, char_width=0.56)
    if header is not None:
        top = max(top, int(header))

    axis_block = 14 if (is_map or x_top) else AXIS_BLOCK
    note_line_h = ANNOTATION_SIZE * 1.35
    notes = [a for a in out.layout.annotations if _is_note(a)]
    notes_h = sum((a.text or "").count("<br>") + 1 for a in notes) * note_line_h
    notes_h += 10 * max(0, len(notes) - 1)
    source_h = len(bottom_lines) * SOURCE_SIZE * 1.35
    gap = 18
    bottom = int(axis_block + notes_h + (gap if notes else 0) + gap + source_h + PAD)
    plot_height = height - top - bottom
    if long_ranking is not None:
        _keep_top_bars(out, long_ranking, plot_height, width)

    shift = axis_block
    for note in notes:
        note.update(yshift=-shift, font=dict(size=ANNOTATION_SIZE - 1, color=TEXT_COLOR))
        shift += ((note.text or "").count("<br>") + 1) * note_line_h + 10
    if bottom_lines:
        out.add_annotation(
            text="<br>".join(_plotly_escape(line) for line in bottom_lines),
            xref="paper", yref="paper", x=0, y=0, xanchor="left", yanchor="top",
            yshift=-int(axis_block + notes_h + (gap if notes else 0) + gap), showarrow=False,
            align="left", font=dict(size=SOURCE_SIZE, color=SOURCE_COLOR), name="slide_source")

    out.update_layout(
        width=width, height=height, autosize=False,
        paper_bgcolor="white", plot_bgcolor="white",
        font=dict(family=FONT_FAMILY, size=FONT_SIZE, color=TEXT_COLOR),
        title=dict(text="<br>".join(_plotly_escape(t) for t in title_lines),
                   font=dict(size=TITLE_SIZE, color=TEXT_COLOR, weight="bold"),
                   xref="paper", x=0, xanchor="left", yref="container",
                   y=1 - PAD / height, yanchor="top", automargin=False, pad=dict(t=0)),
        legend=dict(font=dict(size=LEGEND_SIZE, color=TEXT_COLOR), itemwidth=40),
        margin=dict(l=PAD, r=PAD, t=top, b=bottom, pad=0, autoexpand=True),
    )
    for letter, axes in (("x", out.select_xaxes), ("y", out.select_yaxes)):
        for axis in axes():
            n = _category_count(axis, out, letter)
            room = plot_height if letter == "y" else plot_width
            tick = min(TICK_SIZE, int(0.8 * room / n)) if n else TICK_SIZE
            axis.update(tickfont=dict(size=max(tick, 9), color=TEXT_COLOR),
                        title=dict(font=dict(size=FONT_SIZE, color=TEXT_COLOR)),
                        gridcolor="rgba(0,0,0,0.12)", linecolor="rgba(0,0,0,0.55)",
                        tickcolor="rgba(0,0,0,0.55)")
    out.update_coloraxes(colorbar=dict(tickfont=dict(size=TICK_SIZE),
                                       title=dict(font=dict(size=LEGEND_SIZE))))
    for trace in out.data:
        _scale_trace(trace, plot_height)
    return out


def _scale_trace(trace: go.BaseTraceType, plot_height: float) -> None:
    # Unset widths and sizes come from the theme's template (theme.LINE_WIDTH, MARKER_SIZE).
    if trace.type in {"scatter", "scattergl"}:
        if "lines" in (trace.mode or "lines"):
            trace.line.width = (trace.line.width or theme.LINE_WIDTH) * LINE_SCALE
        if isinstance(trace.marker.size, (int, float)) or trace.marker.size is None:
            trace.marker.size = (trace.marker.size or theme.MARKER_SIZE) * LINE_SCALE
    if trace.type == "scattergeo" and isinstance(trace.marker.size, (int, float)):
        trace.marker.size = trace.marker.size * LINE_SCALE
    if trace.type == "bar":
        values = trace.y if trace.orientation == "h" else trace.x
        n = max(1, 0 if values is None else len(values))  # numpy arrays have no truth value
        size = min(TICK_SIZE, int(0.8 * plot_height / n)) if trace.orientation == "h" \
            else TICK_SIZE
        trace.textfont = dict(size=max(size, 9), color=TEXT_COLOR)
    if trace.type == "choropleth" and trace.colorbar is not None:
        trace.colorbar.update(tickfont=dict(size=TICK_SIZE, color=TEXT_COLOR),
                              title=dict(font=dict(size=LEGEND_SIZE, color=TEXT_COLOR)),
                              thickness=24)

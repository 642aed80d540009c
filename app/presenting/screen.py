"""A slide's figure for the projector: the screen's chart height, larger text everywhere, thicker
lines and bigger markers, event labels kept above the data, at 1280×720 or 1920×1080."""
from __future__ import annotations

import math
import re
import textwrap
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from app.charts import common, theme
from app.export.restyle import plain_arrays, plain_text


@dataclass(frozen=True)
class Screen:
    """Chart size and text sizes for one projector resolution (the page's layout at that size)."""
    label: str
    chart_height: int
    chart_width: int
    """Approximate chart width in pixels on that screen (for wrapping footnotes)."""
    font: int
    tick: int
    title: int
    legend: int
    annotation: int
    line_scale: float
    large_text: bool = False
    """Headline as a level-2 heading (room for it on a large screen) instead of level 3."""


SCREENS: dict[str, Screen] = {
    "720": Screen("1280×720", chart_height=420, chart_width=820, font=19, tick=18, title=20,
                  legend=18, annotation=14, line_scale=1.3),
    "1080": Screen("1920×1080", chart_height=760, chart_width=1250, font=24, tick=23, title=26,
                   legend=23, annotation=20, line_scale=1.6, large_text=True),
}


DEFAULT_SCREEN = "720"


SPEAKER = Screen("speaker view", chart_height=320, chart_width=640, font=14, tick=13, title=15,
                 legend=13, annotation=12, line_scale=1.0)
"""The current slide, small, in the speaker view (the presenter's own screen, at arm's length)."""


def _is_footnote(annotation: go.layout.Annotation) -> bool:
    """A builder footnote (charts.common.add_note): paper-anchored, hanging under the plot."""
    return (annotation.xref == "paper" and annotation.yref == "paper" and annotation.y == 0
            and annotation.yanchor == "top" and (annotation.yshift or 0) < 0)


def _is_event_label(annotation: go.layout.Annotation) -> bool:
    """An event label (app.charts.common.draw_events): written along its line, hanging from the
    plot's top."""
    return (annotation.xref == "x" and annotation.yref == "paper" and annotation.textangle == -90
            and annotation.yanchor == "top" and annotation.y == 1)


def _legend_rows(fig: go.Figure, screen: Screen) -> int:
    names = [plain_text(str(t.name)) for t in fig.data if t.name and t.showlegend is not False
             and t.type != "choropleth"]
    if len(names) < 2:
        return 0
    width = sum(50 + 0.5 * screen.legend * len(n) for n in names)
    return math.ceil(width / screen.chart_width)


MAX_EVENT_ROWS = 3
"""Event labels are written across (readable from the back of a room) when they fit in this many
rows above the data without leaving the plot; more, and they stay written along their lines."""


Y_LABELS_PX = 130
"""Pixels of the chart's width taken by the y tick labels, the y title and the right margin."""


def _as_number(value: object) -> float | None:
    """An x value as a number (a date as days), for placing labels."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    try:
        return pd.Timestamp(str(value)).value / 86_400e9
    except (ValueError, TypeError):
        return None


def _x_span(fig: go.Figure) -> tuple[float, float] | None:
    """The first x axis' extent as numbers: its set range, else the traces' x values."""
    if fig.layout.xaxis.range:
        lo, hi = (_as_number(v) for v in fig.layout.xaxis.range)
        if lo is not None and hi is not None and hi > lo:
            return lo, hi
    xs = [n for t in fig.data if getattr(t, "x", None) is not None
          for n in map(_as_number, t.x) if n is not None]
    return (min(xs), max(xs)) if xs and max(xs) > min(xs) else None


def _label_px(label: go.layout.Annotation, size: float) -> float:
    return 0.56 * size * len(plain_text(label.text or "")) + 8


def _across(labels: list[go.layout.Annotation], fig: go.Figure, screen: Screen,
            plot_px: float) -> float | None:
    """Write the event labels across, each beside its line (right of it, or left where the plot
    ends), in the highest row where it overlaps no other label. Returns the share of the plot
    height the rows take, or None (labels unchanged) when they need more than MAX_EVENT_ROWS rows
    or one fits on neither side of its line."""
    span = _x_span(fig)
    if span is None:
        return None
    lo, hi = span
    width = screen.chart_width - Y_LABELS_PX
    size = screen.annotation
    rows: list[list[tuple[float, float]]] = []
    placed = []
    for label in sorted(labels, key=lambda a: _as_number(a.x) or lo):
        x = _as_number(label.x)
        if x is None:
            return None
        x_px = (x - lo) / (hi - lo) * width
        text_px = _label_px(label, size)
        if x_px + 4 + text_px <= width:
            box, side = (x_px, x_px + 4 + text_px), "left"
        elif x_px - 4 - text_px >= 0:
            box, side = (x_px - 4 - text_px, x_px), "right"
        else:
            return None
        row = next((i for i, used in enumerate(rows)
                    if all(box[1] + 8 < a or box[0] > b + 8 for a, b in used)), len(rows))
        if row >= MAX_EVENT_ROWS:
            return None
        if row == len(rows):
            rows.append([])
        rows[row].append(box)
        placed.append((label, row, side))
    row_px = 1.45 * size + 4
    for label, row, side in placed:
        label.update(textangle=0, xanchor=side, xshift=3 if side == "left" else -3,
                     y=1 - row * row_px / plot_px, yanchor="top")
    return (len(rows) * row_px + 6) / plot_px


def _room_for_event_labels(fig: go.Figure, screen: Screen, below_px: float = 0) -> None:
    """Event labels for the projector: across where they fit (`_across`), else along their lines;
    then raise the y axis so they stay above the data on a short projector plot
    (common.make_room_for_events). `below_px`: height under the plot taken by footnotes."""
    labels = [a for a in fig.layout.annotations if _is_event_label(a)]
    if not labels:
        return
    plot_px = (screen.chart_height - 36 - 2.8 * screen.font - below_px
               - _legend_rows(fig, screen) * 1.6 * screen.legend)
    if fig.layout.yaxis.tickvals is not None:  # an axis fixed at 0-100 keeps the builder's room
        return
    across = _across(labels, fig, screen, max(plot_px, 1))
    if across is not None:
        fraction = min(0.6, max(0.15, across))
    else:
        label_px = max(len(plain_text(a.text or "")) for a in labels) * 0.45 * screen.annotation
        fraction = min(0.7, max(0.5, (label_px + 12) / max(plot_px, 1)))
    # The builder already made room for the regular page (and flagged it done): redo it.
    meta = {k: v for k, v in (fig.layout.meta or {}).items() if k != "room_for_events"}
    fig.layout.meta = meta or None
    fig.layout.yaxis.range = None
    common.make_room_for_events(fig, fraction)


def _rewrap(text: str, chars: int) -> str:
    plain = re.sub(r"<br\s*/?>", " ", text)
    return "<br>".join(textwrap.wrap(plain, max(chars, 30)))


def for_screen(fig: go.Figure, screen: Screen) -> go.Figure:
    """A copy of `fig` for the projector without its title (the page writes it above the chart,
    see `SlideChart.title`): the screen's chart height, larger text everywhere (axes, legend,
    labels; footnotes and a long y-axis title rewrapped), thicker lines and bigger markers.
    Colours stay the builders' (dark text on the chart's own white card, app.charts.theme), readable
    in either app theme. `fig` is unchanged (it may come from a cache, with its numbers encoded:
    `plain_arrays`)."""
    out = plain_arrays(go.Figure(fig))
    scale = screen.font / theme.FONT_SIZE
    notes = [a for a in out.layout.annotations if _is_footnote(a)]
    note_chars = int(screen.chart_width / (0.55 * (screen.annotation - 1)))
    note_lines = 0
    shift = None
    for note in notes:
        note.text = _rewrap(note.text or "", note_chars)
        note.font.size = screen.annotation - 1
        base = -(note.yshift or 0)
        # Below-axis notes start under the tick labels and axis title, which grow with the font.
        shift = int(base * scale) if base > 20 else base
        note.yshift = -shift
        note_lines += (note.text or "").count("<br>") + 1
    for annotation in out.layout.annotations:
        if not _is_footnote(annotation):
            size = annotation.font.size or theme.ANNOTATION_SIZE
            annotation.font.size = round(size * screen.annotation / theme.ANNOTATION_SIZE)
    margin_b = out.layout.margin.b
    if notes:
        margin_b = int((shift or 0) + 15 + note_lines * (screen.annotation + 5))
    # The chart keeps the screen's height whatever its footnotes: the plot makes room for them,
    # so the slide's source line under the chart stays on the screen.
    _room_for_event_labels(out, screen,
                           below_px=max(0, margin_b - 2.8 * screen.font) if notes else 0)
    out.update_layout(
        height=screen.chart_height,
        font=dict(size=screen.font), title=dict(text=""),
        legend=dict(font=dict(size=screen.legend)), hoverlabel_font_size=screen.font,
        margin=dict(b=margin_b, t=36, l=20, r=30))
    out.update_xaxes(tickfont_size=screen.tick, title_font_size=screen.font)
    out.update_yaxes(tickfont_size=screen.tick, title_font_size=screen.font)
    # A y-axis title longer than the plot is tall would be cut at the top: wrap it.
    y_chars = int(0.75 * screen.chart_height / (0.55 * screen.font))
    for axis_obj in out.select_yaxes():
        label = axis_obj.title.text or ""
        if len(plain_text(label)) > y_chars:
            axis_obj.title.text = "<br>".join(textwrap.wrap(plain_text(label), y_chars))
    for trace in out.data:
        if trace.type in {"scatter", "scattergl"}:
            if "lines" in (trace.mode or "lines") and trace.line.width != 0:
                trace.line.width = (trace.line.width or theme.LINE_WIDTH) * screen.line_scale
            size = trace.marker.size
            if isinstance(size, (int, float)) or size is None:
                trace.marker.size = (size or theme.MARKER_SIZE) * screen.line_scale
            elif isinstance(size, (list, tuple)):
                trace.marker.size = [s * screen.line_scale for s in size]
        elif trace.type == "bar":
            trace.textfont = dict(size=screen.tick)
        elif trace.type == "choropleth" and trace.colorbar is not None and trace.showscale \
                is not False:
            trace.colorbar.update(tickfont=dict(size=screen.tick),
                                  title=dict(font=dict(size=screen.legend)),
                                  thickness=24)
    return out

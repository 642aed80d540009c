"""A slide's figure for the projector: the screen's chart height, larger text everywhere, thicker
lines and bigger markers, event labels laid out above the plot for the screen's width, at
1280×720 or 1920×1080."""
from __future__ import annotations

import math
import re
import textwrap
from dataclasses import dataclass

import plotly.graph_objects as go

from app.charts import theme
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


def _legend_rows(fig: go.Figure, screen: Screen) -> int:
    """Rows the horizontal legend takes: it starts at the plot's left edge, so it wraps within
    the plot's width, not the chart's (counted against the chart's, the illicit slide's four
    entries were one row on paper and two on screen, the second under an event label). Entry
    widths as measured in plotly.js: about 50 px of sample and gap plus 0.45 × font size a
    character."""
    names = [plain_text(str(t.name)) for t in fig.data if t.name and t.showlegend is not False
             and t.type != "choropleth"]
    if len(names) < 2:
        return 0
    width = sum(50 + 0.45 * screen.legend * len(n) for n in names)
    return math.ceil(width / (screen.chart_width - theme.Y_LABELS_WIDTH))


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
    # Event labels above the plot, laid out again for this screen's width and label size.
    top = theme.fit_header(out, plot_width=screen.chart_width - theme.Y_LABELS_WIDTH,
                           legend_rows=_legend_rows(out, screen), title_px=0,
                           legend_size=screen.legend)
    margin_b = out.layout.margin.b
    if notes:
        margin_b = int((shift or 0) + 15 + note_lines * (screen.annotation + 5))
    # The chart keeps the screen's height whatever its footnotes: the plot makes room for them,
    # so the slide's source line under the chart stays on the screen.
    out.update_layout(
        height=screen.chart_height,
        font=dict(size=screen.font), title=dict(text=""),
        legend=dict(font=dict(size=screen.legend)), hoverlabel_font_size=screen.font,
        margin=dict(b=margin_b, t=max(36, int(top or 0)), l=20, r=30))
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

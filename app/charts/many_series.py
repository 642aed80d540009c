"""Many series over time, still readable: a few highlighted in colour over the rest in light grey
(`highlight_lines`), or one small panel per series on a shared y axis (`small_multiples`).

Both keep the rules of `lines`: a suppressed value or a missing period is a gap, never 0; years
are integer ticks; the unit is on the axis and in every hover.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from app.charts import lines, theme
from app.charts.common import (add_note, axis_title, base_layout, complete_periods, draw_events,
                               flag_text, fit_y_range, is_monthly, measure_label_of,
                               month_axis, period_label, series_label, single_value, with_flags,
                               x_values, year_axis)

CONTEXT_COLOR = "#C8C8C8"
"""The lines behind the highlighted ones: light enough to recede, still visible on white."""
CONTEXT_WIDTH = 1.5
HIGHLIGHT_HEIGHT = theme.CHART_HEIGHT + 80
"""px: the legend may take two rows above the plot, and events the top of the y axis."""
FACET_HEIGHT = 150
"""Pixels per row of small multiples (panel and its title)."""


def _prepared(df: pd.DataFrame) -> tuple[pd.DataFrame, bool]:
    data = with_flags(df)
    monthly = is_monthly(data)
    data["x"] = x_values(data, monthly)
    data["period"] = [period_label(r) for r in data.to_dict("records")]
    data["flags"] = [flag_text(r) for r in data.to_dict("records")]
    return data, monthly


def highlight_lines(df: pd.DataFrame, color_by: str, highlighted: Sequence[str], *,
                    title: str | None = None, events: Sequence[object] | None = None,
                    series_labels: Mapping[str, str] | None = None,
                    style_overrides: Mapping[str, theme.SeriesStyle] | None = None,
                    context_label: str = "series", legend_title: str | None = None
                    ) -> go.Figure:
    """The `highlighted` values of `color_by` drawn as `lines.time_series` draws them (colour,
    legend, flags, in the order given), every other series as a thin light-grey line behind
    them with one legend entry for all ("Other 46 series" with `context_label`) and a hover of
    its own. `legend_title`: why these are in colour ("Highest in 2020:"), so the chart says it
    wherever it goes. With nothing highlighted, every series is grey."""
    keys = list(dict.fromkeys(df[color_by]))
    chosen = [k for k in highlighted if k in keys]
    rest = [k for k in keys if k not in chosen]
    styles = {k: theme.palette_style(i) for i, k in enumerate(chosen)}
    styles.update({k: v for k, v in (style_overrides or {}).items() if k in chosen})
    if chosen:
        front = df[df[color_by].isin(chosen)]
        order = {k: i for i, k in enumerate(chosen)}
        front = front.sort_values(color_by, key=lambda s: s.map(order), kind="stable")
        fig = lines.time_series(front, color_by=color_by, title=title, events=[],
                                series_labels=series_labels, style_overrides=styles,
                                height=HIGHLIGHT_HEIGHT)
    else:
        fig = lines.time_series(df, color_by=color_by, title=title, events=[],
                                series_labels=series_labels, height=HIGHLIGHT_HEIGHT)
        fig.data, fig.layout.annotations = (), ()  # its notes were about coloured lines
        rest = keys
    everything, monthly = _prepared(df)
    xs = everything["x"].tolist()
    fig.update_layout(xaxis=month_axis(xs) if monthly else year_axis(xs))
    data = everything[everything[color_by].isin(rest)]
    unit = single_value(df, "unit", "highlight_lines") or ""
    fmt = theme.d3_format(single_value(df, "measure", "highlight_lines"), unit)
    behind = []
    for i, key in enumerate(rest):
        part = complete_periods(data[data[color_by] == key].sort_values("x"), monthly)
        name = series_label(color_by, key, series_labels)
        behind.append(go.Scatter(
            x=part["x"], y=part["value"], mode="lines", connectgaps=False,
            line=dict(color=CONTEXT_COLOR, width=CONTEXT_WIDTH), legendgroup="context",
            name=f"Other {len(rest)} {context_label}" if i == 0 else name, showlegend=i == 0,
            customdata=part[["period"]].to_numpy(), legendrank=2000,
            hovertemplate=(f"<b>{name}</b><br>%{{customdata[0]}}: %{{y:{fmt}}} {unit}"
                           "<extra></extra>")))
    n_front = len(fig.data)
    fig.add_traces(behind)
    fig.data = fig.data[n_front:] + fig.data[:n_front]  # grey first: drawn behind
    # time_series fixed no y range (no events); the events draw above the plot (draw_events).
    draw_events(fig, events, monthly)
    legend = [series_label(color_by, k, series_labels) for k in chosen]
    if legend_title:
        fig.update_layout(legend_title_text=legend_title)
        legend.insert(0, legend_title)
    _room_for_legend(fig, legend + ([f"Other {len(rest)} {context_label}"] if rest else []))
    fig.layout.yaxis.range = None  # time_series fitted it to the coloured lines alone
    return theme.apply_sizes(fit_y_range(fig))


LEGEND_WIDTH = 560
"""px a legend row is assumed to have: a chart at 1024 px with the menu open, so wider screens
leave some room to spare rather than a legend over the title."""


def _room_for_legend(fig: go.Figure, names: Sequence[str]) -> None:
    """A top margin that holds a (wrapped) title and the horizontal legend above the plot:
    plotly.js stacks neither, so a second legend row would cover the title."""
    entry = [len(n) * theme.LEGEND_SIZE * 0.5 + 48 for n in names]
    rows, used = 1, 0.0
    for width in entry:
        if used and used + width > LEGEND_WIDTH:
            rows, used = rows + 1, 0.0
        used += width
    title_lines = (fig.layout.title.text or "").count("<br>") + 1 if fig.layout.title.text else 0
    fig.update_layout(margin=dict(t=40 + 28 * title_lines + 26 * rows))


def _facet_dtick(span: int) -> int:
    """Years between ticks in a panel about 180 px wide: two to four labels."""
    return 1 if span <= 3 else 2 if span <= 6 else 5 if span <= 25 else 10


def small_multiples(df: pd.DataFrame, facet_by: str, order: Sequence[str], *,
                    labels: Mapping[str, str] | None = None, title: str | None = None,
                    columns: int = 4, style: theme.SeriesStyle | None = None,
                    measure_label: str | None = None) -> go.Figure:
    """One small panel per value of `facet_by` in `order` (only those), all on one y axis from
    0 and one time axis, each titled with its series' name. Gaps for suppressed values and
    missing periods; the note under the panels counts the suppressed values."""
    data, monthly = _prepared(df[df[facet_by].isin(order)])
    if data.empty:
        raise ValueError("small_multiples: no rows to plot")
    unit = single_value(data, "unit", "small_multiples") or ""
    measure = single_value(data, "measure", "small_multiples")
    measure_label = measure_label_of(data, measure_label, "small_multiples")
    fmt = theme.d3_format(measure, unit)
    keys = [k for k in order if k in set(data[facet_by])]
    n_cols = max(1, min(columns, len(keys)))
    n_rows = math.ceil(len(keys) / n_cols)
    names = [series_label(facet_by, k, labels) for k in keys]
    fig = make_subplots(rows=n_rows, cols=n_cols, shared_xaxes="all", shared_yaxes="all",
                        subplot_titles=names, horizontal_spacing=0.03,
                        vertical_spacing=min(0.5 / n_rows, 0.12) if n_rows > 1 else 0)
    base_layout(fig, title, height=n_rows * FACET_HEIGHT + 170)
    group = single_value(data, "drug_group", "small_multiples") \
        if "drug_group" in data.columns and data["drug_group"].nunique() == 1 else None
    style = style or (theme.drug_style(group) if group else theme.palette_style(0))
    suppressed = 0
    for i, key in enumerate(keys):
        part = complete_periods(data[data[facet_by] == key].sort_values("x"), monthly)
        suppressed += int(part["suppressed"].fillna(False).astype(bool).sum())
        fig.add_trace(go.Scatter(
            x=part["x"], y=part["value"], mode="lines+markers", connectgaps=False,
            line=dict(color=style.color, width=2), marker=dict(size=4, color=style.color),
            showlegend=False, name=names[i], customdata=part[["period", "flags"]].to_numpy(),
            hovertemplate=(f"<b>{names[i]}</b><br>%{{customdata[0]}}: %{{y:{fmt}}} {unit}"
                           "%{customdata[1]}<extra></extra>")),
            row=i // n_cols + 1, col=i % n_cols + 1)
    xs = data["x"]
    if monthly:
        fig.update_xaxes(type="date", dtick="M24" if (xs.max() - xs.min()).days > 4 * 365
                         else "M12", tickformat="%Y", hoverformat="%B %Y")
    else:
        lo, hi = int(xs.min()), int(xs.max())
        dtick = _facet_dtick(hi - lo)
        fig.update_xaxes(type="linear", tickmode="linear", dtick=dtick,
                         tick0=lo if dtick == 1 else lo - lo % dtick, tickformat="d",
                         hoverformat="d", range=[lo - 0.5, hi + 0.5], separatethousands=False)
    # One scale for every panel, set here: plotly.js autoranged the matched axes to one panel's.
    top = float(data["value"].max()) if data["value"].notna().any() else 1.0
    fig.update_yaxes(range=[0, top * 1.08 or 1.0], tickformat=",~f")
    fig.update_yaxes(title_text=axis_title(measure_label, unit), row=math.ceil(n_rows / 2),
                     col=1)
    fig.update_annotations(font_size=theme.ANNOTATION_SIZE)
    fig.update_layout(hovermode="closest", margin=dict(t=110 if title else 60))
    notes = []
    if suppressed:
        notes.append(f"Gaps: a value suppressed by the publisher (small count), not zero "
                     f"({suppressed} values), or no row published.")
    else:
        notes.append("Gaps: no row published for that period.")
    add_note(fig, notes)
    return theme.apply_sizes(fig)

"""Bars: stacked parts of a whole by year (counts or shares), a ranking of places, and bars by
category (age group, sex, drug combination)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go

from app.charts import theme
from app.charts.common import (AGE_ORDER, FLAGS, MONTHLY_PERIODS, Event, add_note, axis_title,
                               base_layout, draw_events, exclusion_reason, flag_text,
                               fit_y_range, measure_label_of, series_label,
                               single_value, state_rows, with_flags, year_axis)
from etl.tidy import EXCLUDED_NOTE


def stacked_share_data(df: pd.DataFrame, parts: Sequence[str], *, as_share: bool = False
                       ) -> pd.DataFrame:
    """Year × part table: value (count) and share (% of the parts' sum; NaN where any part of that
    year is missing or suppressed), with the flags of each row."""
    rows = with_flags(df[df["drug_group"].isin(parts)])
    if "period_type" in rows.columns and rows["period_type"].isin(MONTHLY_PERIODS).any():
        raise ValueError("stacked_share: yearly rows only; filter period_type == 'year'")
    dupes = rows.duplicated(["year", "drug_group"])
    if dupes.any():
        raise ValueError("stacked_share: more than one row per year and drug group; filter to one "
                         "place, sex, age group and measure")
    totals = rows.groupby("year")["value"].agg(
        lambda v: v.sum() if v.notna().all() and len(v) == len(parts) else float("nan"))
    out = rows[["year", "drug_group", "value", *FLAGS]].copy()
    out["share"] = out["value"] / out["year"].map(totals) * 100
    out["plotted"] = out["share"] if as_share else out["value"]
    return out.sort_values(["year", "drug_group"], kind="stable").reset_index(drop=True)


def stacked_share(df: pd.DataFrame, *,
                  parts: Sequence[str] = ("benzodiazepines_with_any_opioid",
                                          "benzodiazepines_without_any_opioid"),
                  as_share: bool = False, title: str | None = None,
                  measure_label: str | None = None, unit: str | None = None,
                  height: int | None = None, events: Sequence[Event] | None = None
                  ) -> go.Figure:
    """Stacked yearly bars of `parts` (e.g. benzodiazepine deaths with / without any opioid), as
    counts or as each part's percent of their sum. Provisional years are hatched. `events`: as
    in `time_series` (labelled vertical lines); None or [] for none."""
    data = stacked_share_data(df, parts, as_share=as_share)
    count_unit = unit or single_value(with_flags(df), "unit", "stacked_share") or ""
    shown_unit = f"percent of {count_unit}" if as_share else count_unit
    fmt = ".1f" if as_share else theme.d3_format(None, count_unit)
    fig = go.Figure()
    base_layout(fig, title, height)
    styles = theme.series_styles("drug_group", [g for g in parts
                                                if (data["drug_group"] == g).any()])
    for group in parts:
        part = data[data["drug_group"] == group]
        if part.empty:
            continue
        style, name = styles[group], series_label("drug_group", group)
        flags = [flag_text(r) for r in part.to_dict("records")]
        fig.add_trace(go.Bar(
            x=part["year"], y=part["plotted"], name=name,
            marker=dict(color=style.color,
                        pattern=dict(shape=["/" if p else "" for p in part["provisional"]],
                                     fgcolor="rgba(255,255,255,0.8)", fillmode="overlay")),
            customdata=list(zip(part["value"].fillna(-1), part["share"].fillna(-1), flags)),
            hovertemplate=(f"<b>{name}</b><br>%{{x}}: %{{y:{fmt}}} {shown_unit}"
                           "%{customdata[2]}<extra></extra>")))
    notes = []
    hidden = data[data["suppressed"] | data["plotted"].isna()]
    if not hidden.empty:
        notes.append("No bar: suppressed by the publisher (small count) or not published — not "
                     "zero: " + "; ".join(f"{series_label('drug_group', g)} {int(y)}"
                                          for y, g in zip(hidden["year"], hidden["drug_group"])))
    if data["provisional"].any():
        notes.append("Hatched bars: provisional.")
    label = measure_label_of(df, measure_label, "stacked_share") or ""
    fig.update_layout(
        barmode="stack", xaxis=year_axis(data["year"].tolist()),
        legend=dict(traceorder="reversed"),
        yaxis=dict(title_text=axis_title("Share" if as_share else label, shown_unit),
                   tickformat=",~f", range=[0, 100] if as_share else None),
        hovermode="x unified" if not notes else "closest")
    draw_events(fig, events, False)
    add_note(fig, notes)
    return theme.apply_sizes(fit_y_range(fig))


def ranked_bar(df: pd.DataFrame, *, year: int | None = None, title: str | None = None,
               measure_label: str | None = None, unit: str | None = None,
               label_column: str = "geo_name", top_n: int | None = None,
               suppressed_label: str = "suppressed by the publisher (small count)",
               mark_censored: bool = False) -> go.Figure:
    """Horizontal bars, largest on top; states without a value are listed under the chart, never
    drawn as 0. Unreliable values are hatched and flagged. `mark_censored`: label a censored
    value (stored as its bound, e.g. 0.1 for "<0.1") with "<" and explain it under the chart."""
    data = state_rows(df, year, "ranked_bar") if label_column == "geo_name" else with_flags(df)
    unit = unit or single_value(data, "unit", "ranked_bar") or ""
    measure = single_value(data, "measure", "ranked_bar")
    measure_label = measure_label_of(data, measure_label, "ranked_bar")
    fmt = theme.d3_format(measure, unit)
    shown = data[data["value"].notna()].sort_values("value", ascending=False, kind="stable")
    if top_n:
        shown = shown.head(top_n)
    hidden = data[data["value"].isna()]
    group = single_value(data, "drug_group", "ranked_bar") if "drug_group" in data.columns else None
    color = theme.drug_style(group).color if group else theme.VERMILLION
    texts = [("<" if mark_censored and c else "") + theme.format_value(v, measure, unit)
             + (" †" if u else "")
             for v, u, c in zip(shown["value"], shown["unreliable"], shown["censored"])]
    fig = go.Figure(go.Bar(
        x=shown["value"], y=shown[label_column], orientation="h", text=texts,
        textposition="outside", cliponaxis=False,
        marker=dict(color=color, pattern=dict(shape=["/" if u else "" for u in shown["unreliable"]],
                                              fgcolor="rgba(255,255,255,0.8)",
                                              fillmode="overlay")),
        customdata=[flag_text(r) for r in shown.to_dict("records")],
        hovertemplate=f"<b>%{{y}}</b><br>%{{x:{fmt}}} {unit}%{{customdata}}<extra></extra>",
        showlegend=False))
    base_layout(fig, title, height=max(320, 28 * len(shown) + 170))
    fig.update_layout(
        xaxis=dict(title_text=axis_title(measure_label, unit), rangemode="tozero",
                   tickformat=",~f", side="top"),
        yaxis=dict(autorange="reversed", title_text="", type="category", dtick=1),
        bargap=0.25, hovermode="closest")
    notes = []
    if shown["unreliable"].any():
        notes.append("† and hatched: unreliable estimate (small count), shown as published.")
    if mark_censored and shown["censored"].any():
        notes.append("<: published as below this value (e.g. <0.1); the bar shows the bound.")
    excluded = hidden[hidden["note"].fillna("").astype(str).str.startswith(EXCLUDED_NOTE)
                      & ~hidden["suppressed"]]
    hidden = hidden.drop(excluded.index)
    for reason, part in excluded.groupby(excluded["note"].map(exclusion_reason), sort=False):
        notes.append(f"Not shown — {EXCLUDED_NOTE}, not a small count ({len(part)}): "
                     + ", ".join(sorted(part[label_column].astype(str)))
                     + (f". Why: {reason}." if reason else "."))
    if not hidden.empty:
        notes.append(f"Not shown — {suppressed_label} or not published ({len(hidden)}): "
                     + ", ".join(sorted(hidden[label_column].astype(str))) + ".")
    # The value axis is on top: leave room for the title (each wrapped line) above its ticks
    # and title.
    title_lines = (fig.layout.title.text or "").count("<br>")
    fig.update_layout(margin=dict(r=70, t=120 + 26 * title_lines if title else 70))
    add_note(fig, notes, below_axis=False)
    return theme.apply_sizes(fig)


def category_bar(df: pd.DataFrame, category: str, *, order: Sequence[str] | None = None,
                 labels: Mapping[str, str] | None = None, color_by: str | None = None,
                 title: str | None = None, measure_label: str | None = None,
                 unit: str | None = None, orientation: str = "h",
                 suppressed_label: str = "suppressed (1–9)", height: int | None = None
                 ) -> go.Figure:
    """Bars per category (age group, sex, drug combination), optionally grouped by `color_by`.
    A suppressed category is named on its axis with `suppressed_label` and has no bar."""
    data = with_flags(df)
    unit = unit or single_value(data, "unit", "category_bar") or ""
    measure = single_value(data, "measure", "category_bar")
    measure_label = measure_label_of(data, measure_label, "category_bar")
    fmt = theme.d3_format(measure, unit)
    present = list(dict.fromkeys(data[category].astype(str)))
    if order is None:
        order = [a for a in AGE_ORDER if a in present] if category == "age_group" else present
    order = [o for o in order if o in present] + [p for p in present if p not in order]
    names = {c: series_label(category, c, labels) for c in order}
    keys = list(dict.fromkeys(data[color_by])) if color_by else [None]
    styles = theme.series_styles(color_by, keys) if color_by else {}
    horizontal = orientation == "h"
    fig = go.Figure()
    notes = []
    for key in keys:
        part = data if key is None else data[data[color_by] == key]
        part = part.set_index(part[category].astype(str)).reindex(order)
        part = part[part["value"].notna() | part["suppressed"].fillna(False).astype(bool)]
        values = part["value"]
        color = (styles[key].color if key is not None else
                 theme.drug_style(single_value(data, "drug_group", "category_bar")).color
                 if "drug_group" in data.columns and data["drug_group"].nunique() == 1
                 and category != "drug_group" else theme.VERMILLION)
        cats = [names[c] for c in part.index]
        flags = [flag_text(r) for r in part.reset_index(drop=True).to_dict("records")]
        name = series_label(color_by, key) if color_by else (measure_label or "")
        texts = [suppressed_label if s else theme.format_value(v, measure, unit)
                 for v, s in zip(values, part["suppressed"].fillna(False))]
        axis_kw = dict(x=values, y=cats) if horizontal else dict(x=cats, y=values)
        fig.add_trace(go.Bar(
            **axis_kw, orientation=orientation, name=name, text=texts,
            textposition="outside", cliponaxis=False, marker=dict(color=color),
            customdata=flags, showlegend=bool(color_by),
            hovertemplate=(f"<b>%{{{'y' if horizontal else 'x'}}}</b>"
                           + (f" — {name}" if color_by else "")
                           + f"<br>%{{{'x' if horizontal else 'y'}:{fmt}}} {unit}"
                           "%{customdata}<extra></extra>")))
        for cat, s in zip(cats, part["suppressed"].fillna(False)):
            if s and not color_by:
                # Plotly draws no bar and no text for a NaN; name the category on the axis.
                fig.add_annotation(**({"x": 0, "y": cat, "xanchor": "left"} if horizontal
                                      else {"x": cat, "y": 0, "yanchor": "bottom"}),
                                   text=f"<i>{suppressed_label}</i>", showarrow=False,
                                   xshift=6 if horizontal else 0,
                                   font=dict(color=theme.CHART_MUTED_TEXT))
            elif s:
                notes.append(f"{name}, {cat}: {suppressed_label}")
    value_axis = dict(title_text=axis_title(measure_label, unit), rangemode="tozero",
                      tickformat=",~f")
    cat_axis = dict(title_text="", type="category", categoryorder="array",
                    categoryarray=[names[c] for c in order])
    if horizontal:
        cat_axis["autorange"] = "reversed"
    n_bars = len(order) * max(1, len(keys))
    base_layout(fig, title, height or (max(320, 30 * n_bars + 170) if horizontal else None))
    fig.update_layout(xaxis=value_axis if horizontal else cat_axis,
                      yaxis=cat_axis if horizontal else value_axis,
                      barmode="group", hovermode="closest", margin=dict(r=70))
    if notes:
        add_note(fig, ["Suppressed (no bar, not zero): " + "; ".join(notes)])
    return theme.apply_sizes(fig)

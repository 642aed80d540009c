"""Lines over years or months: any tidy series (`time_series`), an index to a base year, a 95%
band, and the share of one group in another (`share_line`)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go

from app.charts import theme
from app.charts.common import (FLAGS, SUPPRESSED_MARK_Y, Event, add_note, axis_title,
                               base_layout, complete_periods, draw_events, excluded_periods,
                               flag_text, is_monthly, fit_y_range, mark_provisional,
                               measure_label_of, month_axis, only_partial, period_label,
                               series_label, single_value, with_flags, x_values, year_axis)
from etl.registry import DRUG_GROUPS


def index_data(df: pd.DataFrame, base_year: int, *, color_by: str = "drug_group",
               band_columns: tuple[str, str] | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Each series divided by its own value in `base_year` × 100; series with no usable base
    value are dropped and named in the returned list."""
    out, dropped = [], []
    keys = color_by if color_by in df.columns else None
    groups = df.groupby(keys, sort=False) if keys else [("all", df)]
    for key, part in groups:
        key = key[0] if isinstance(key, tuple) else key
        base_rows = part[(part["year"] == base_year) & part["value"].notna()]
        if "period_type" in part.columns:
            base_rows = base_rows[base_rows["period_type"] == "year"]
        if len(base_rows) != 1 or base_rows["value"].iloc[0] == 0:
            dropped.append(str(key))
            continue
        base = float(base_rows["value"].iloc[0])
        part = part.copy()
        part["value"] = part["value"] / base * 100
        for column in band_columns or ():
            part[column] = part[column] / base * 100
        out.append(part)
    frame = pd.concat(out, ignore_index=True) if out else df.iloc[0:0]
    return frame, dropped


def time_series(df: pd.DataFrame, *, color_by: str = "drug_group",
                measure_label: str | None = None, unit: str | None = None,
                title: str | None = None, log_y: bool = False,
                index_base_year: int | None = None, events: Sequence[Event] | None = None,
                band_columns: tuple[str, str] | None = None,
                series_labels: Mapping[str, str] | None = None,
                height: int | None = None,
                style_overrides: Mapping[str, theme.SeriesStyle] | None = None,
                suppressed_label: str | None = None,
                year_dtick: int | None = None) -> go.Figure:
    """Lines over years (or months), one per value of `color_by`.

    `df`: tidy rows of ONE measure and unit (e.g. deaths, or age-adjusted rate). `events`:
    [{"year": 2016, "label": "..."}] or [(2016, "...")] drawn as labelled vertical lines; pass []
    for none. `band_columns`: (lower, upper) columns of df drawn as a shaded interval.
    `index_base_year`: each series ÷ its value that year × 100. `style_overrides`: styles for
    some values of `color_by` (e.g. a reference series in theme.GREY); the rest keep the theme's.
    `suppressed_label`: who hid a value and why, when not the publisher (e.g. "suppressed here:
    fewer than 10 deaths"); used in the hover and the note. `year_dtick`: years between ticks
    (default by span; 5 keeps a long series in a narrow column from rotating its labels).
    """
    what = "time_series"
    hidden_text = suppressed_label or "suppressed by the publisher (small count)"
    data = with_flags(df)
    unit = unit or single_value(data, "unit", what) or ""
    measure = single_value(data, "measure", what)
    measure_label = measure_label_of(data, measure_label, what)
    notes: list[str] = []
    if index_base_year is not None:
        data, dropped = index_data(data, index_base_year, color_by=color_by,
                                   band_columns=band_columns)
        unit = f"index, {index_base_year} = 100"
        measure_label = f"{measure_label or 'Value'} relative to {index_base_year}"
        measure = "index"
        if dropped:
            notes.append(f"Not indexed (no {index_base_year} value): "
                         + ", ".join(series_label(color_by, d, series_labels) for d in dropped))
    monthly = is_monthly(data)
    if data.empty:
        raise ValueError(f"{what}: no rows to plot")
    data["x"] = x_values(data, monthly)
    data["period"] = [period_label(r) for r in data.to_dict("records")]
    data["flags"] = [flag_text(r) for r in data.to_dict("records")]
    fmt = theme.d3_format(measure, unit)
    keys = list(dict.fromkeys(data[color_by])) if color_by in data.columns else ["all"]
    styles = theme.series_styles(color_by, keys, fixed=style_overrides)
    fig = go.Figure()
    base_layout(fig, title, height)
    suppressed_periods: list[str] = []
    for key in keys:
        part = data[data[color_by] == key] if color_by in data.columns else data
        part = complete_periods(part.sort_values("x", kind="stable"), monthly)
        style, name = styles[key], series_label(color_by, key, series_labels)
        hover = (f"<b>{name}</b><br>%{{customdata[0]}}: %{{y:{fmt}}} {unit}"
                 f"%{{customdata[1]}}<extra></extra>")
        if band_columns:
            lower, upper = band_columns
            fig.add_trace(go.Scatter(x=part["x"], y=part.get(upper), mode="lines",
                                     line=dict(width=0), showlegend=False, hoverinfo="skip",
                                     legendgroup=name, connectgaps=False))
            fig.add_trace(go.Scatter(x=part["x"], y=part.get(lower), mode="lines",
                                     line=dict(width=0), fill="tonexty", connectgaps=False,
                                     fillcolor=theme.with_alpha(style.color, 0.18),
                                     name=f"{name}: 95% confidence interval", hoverinfo="skip",
                                     legendgroup=name, showlegend=False))
        final = part[~part["provisional"]]
        symbols = [f"{style.symbol.removesuffix('-open')}-open" if u else style.symbol
                   for u in final["unreliable"]]
        sizes = ([theme.MARKER_SIZE] * len(final) if not monthly else
                 [theme.MARKER_SIZE if u else 0 for u in final["unreliable"]])
        fig.add_trace(go.Scatter(
            x=final["x"], y=final["value"], name=name, legendgroup=name, connectgaps=False,
            mode="lines+markers", line=dict(color=style.color, dash=style.dash),
            marker=dict(color=style.color, symbol=symbols, size=sizes,
                        line=dict(color=style.color, width=2)),
            customdata=final[["period", "flags"]].to_numpy(), hovertemplate=hover))
        provisional = part[part["provisional"]]
        if not provisional.empty:
            before = final[final["value"].notna() & (final["x"] < provisional["x"].min())].tail(1)
            bridge = pd.concat([before, provisional], ignore_index=True)
            fig.add_trace(go.Scatter(
                x=bridge["x"], y=bridge["value"], name=f"{name} (provisional)", legendgroup=name,
                showlegend=False, mode="lines+markers", connectgaps=False, opacity=0.75,
                line=dict(color=style.color, dash=style.dash, width=theme.LINE_WIDTH - 1),
                marker=dict(color=style.color, size=theme.MARKER_SIZE if not monthly else 5,
                            symbol=f"{style.symbol.removesuffix('-open')}-open",
                            line=dict(color=style.color, width=2)),
                customdata=bridge[["period", "flags"]].to_numpy(), hovertemplate=hover))
        hidden = part[part["suppressed"]]
        if not hidden.empty:
            suppressed_periods.append(f"{name}: {', '.join(hidden['period'])}")
            fig.add_trace(go.Scatter(
                x=hidden["x"], y=[SUPPRESSED_MARK_Y] * len(hidden), yaxis="y2", mode="markers",
                name=f"{name}: suppressed", legendgroup=name, showlegend=False,
                marker=dict(symbol="x-thin-open", size=12, color=style.color,
                            line=dict(width=2.5, color=style.color)),
                customdata=hidden[["period"]].to_numpy(),
                hovertemplate=(f"<b>{name}</b><br>%{{customdata[0]}}: {hidden_text}, not zero"
                               "<extra></extra>")))
    mark_provisional(fig, data, monthly)
    if suppressed_periods:
        notes.insert(0, f"× on the axis and gaps: value {hidden_text}, not zero. "
                        + "; ".join(suppressed_periods))
    excluded = excluded_periods(data)
    if excluded:
        notes.append(f"No data collected by the publisher (a gap, not zero): {excluded}.")
    if data["unreliable"].any():
        notes.append("Open markers: unreliable estimate (small count), shown as published.")
    if data["provisional"].any() and only_partial(data):
        notes.append("Shaded period, open markers: a partial period (the records stop before it "
                     "ends), not a fall.")
    elif data["provisional"].any():
        notes.append("Shaded period, open markers: provisional data, which may still change.")
    xs = data["x"].tolist()
    fig.update_layout(
        xaxis=month_axis(xs) if monthly else year_axis(xs, year_dtick),
        yaxis=dict(title_text=axis_title(measure_label, unit),
                   type="log" if log_y else "linear",
                   rangemode="tozero" if not log_y else "normal", tickformat=",~f",
                   # log axis: label 1, 2, 5 × 10^n only; every digit crowds into a smear
                   **({"dtick": "D2"} if log_y else {})),
        yaxis2=dict(overlaying="y", range=[0, 1], visible=False, fixedrange=True),
        legend=dict(groupclick="togglegroup"),
    )
    draw_events(fig, events, monthly)
    add_note(fig, notes)
    return theme.apply_sizes(fit_y_range(fig))


def with_confidence_band(df: pd.DataFrame, lower_measure: str = "rate_lower_95",
                         upper_measure: str = "rate_upper_95", *,
                         value_measure: str | None = None) -> pd.DataFrame:
    """Rows of `value_measure` with columns `lower` and `upper` joined from the interval rows
    (same key otherwise), for `time_series(..., band_columns=("lower", "upper"))`."""
    key = [c for c in ("drug_group", "geo_fips", "period_type", "year", "month", "sex",
                       "age_group", "race_ethnicity", "definition", "source_id") if c in df.columns]
    values = df[~df["measure"].isin([lower_measure, upper_measure])]
    if value_measure:
        values = values[values["measure"] == value_measure]
    out = values
    for name, measure in (("lower", lower_measure), ("upper", upper_measure)):
        bound = df.loc[df["measure"] == measure, [*key, "value"]].rename(columns={"value": name})
        out = out.merge(bound, on=key, how="left", validate="many_to_one")
    return out.reset_index(drop=True)


def share_data(df: pd.DataFrame, numerator: str, denominator: str) -> pd.DataFrame:
    """Percent of `denominator` rows that are `numerator` rows, per period (e.g. share of opioid
    deaths that also involved benzodiazepines). NaN where either side is missing or suppressed;
    flags carry over from both sides."""
    data = with_flags(df)
    key = [c for c in ("period_type", "year", "month") if c in data.columns]
    num = data.loc[data["drug_group"] == numerator, [*key, "value", *FLAGS]]
    den = data.loc[data["drug_group"] == denominator, [*key, "value", *FLAGS]]
    if num.duplicated(key).any() or den.duplicated(key).any():
        raise ValueError("share_data: more than one row per period; filter to one place, sex, "
                         "age group, measure and definition")
    joined = num.merge(den, on=key, how="inner", suffixes=("_num", "_den"))
    out = joined[key].copy()
    out["numerator"], out["denominator"] = joined["value_num"], joined["value_den"]
    out["value"] = out["numerator"] / out["denominator"] * 100
    for flag in FLAGS:
        out[flag] = joined[f"{flag}_num"] | joined[f"{flag}_den"]
    out["drug_group"] = numerator
    out["measure"] = "percent"
    return out


def share_line(df: pd.DataFrame, *, numerator: str = "benzodiazepines_with_any_opioid",
               denominator: str = "any_opioid", highlight_year: int | None = None,
               title: str | None = None, measure_label: str | None = None,
               events: Sequence[Event] | None = None, height: int | None = None,
               highlight_offset: tuple[int, int] = (-60, -45)) -> go.Figure:
    """Line of the share (%) of `denominator` deaths that also involved `numerator`, with the
    caller's `highlight_year` annotated with its value from the data. `highlight_offset`: where
    the label sits relative to its point, in pixels (x, y; negative y is up)."""
    data = share_data(df, numerator, denominator)
    den_label = DRUG_GROUPS[denominator].label.lower() if denominator in DRUG_GROUPS else denominator
    unit = f"percent of {den_label} deaths"
    fig = time_series(data, color_by="drug_group", unit=unit,
                      measure_label=measure_label or "Share", title=title, events=events,
                      series_labels={numerator: series_label("drug_group", numerator)},
                      height=height)
    if highlight_year is not None:
        point = data[(data["year"] == highlight_year) & data["value"].notna()]
        if "period_type" in point.columns:
            point = point[point["period_type"] == "year"]
        if len(point) == 1:
            value = float(point["value"].iloc[0])
            fig.add_annotation(x=highlight_year, y=value, text=f"<b>{highlight_year}: {value:.1f}%</b>",
                               showarrow=True, arrowhead=2, ax=highlight_offset[0],
                               ay=highlight_offset[1],
                               bgcolor="rgba(128,128,128,0.18)",
                               font=dict(size=theme.FONT_SIZE))
    fig.update_yaxes(rangemode="tozero")
    return theme.apply_sizes(fit_y_range(fig))

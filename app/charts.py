"""Chart builders: a tidy DataFrame and options in, a `plotly.graph_objects.Figure` out.

Pure functions (no Streamlit), unit-tested in tests/app/test_charts.py. They share the rules
that keep a chart honest:
- a suppressed value is a gap in the line (or a missing bar) with a marker and a note, never 0;
- a missing row is a gap too: the builders never connect across a period with no row;
- provisional values are drawn dotted with open markers and say "provisional" in the legend;
- unreliable values get open markers (or a hatch) and the flag in the hover;
- years are integer ticks (never 2019.5), monthly data has a month axis;
- units are in the axis titles and in every hover;
- labels, units and colours come from the data, etl.registry and app.theme, never typed here.

Companion `*_data` functions return the derived numbers a builder plots (shares, indexes), so the
page can show and offer for download exactly what is on screen.
"""
from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go

from app import theme
from app.geo import geo_layout
from etl.registry import DRUG_GROUPS, STATE_BY_FIPS, STATES
from etl.tidy import EXCLUDED_NOTE, MEASURES

MONTHLY_PERIODS = ("month", "12_month_ending")
FLAG_TEXT: dict[str, str] = {
    "suppressed": "suppressed by the publisher (small count), not zero",
    "unreliable": "unreliable (small count)",
    "provisional": "provisional (may change)",
    "predicted": "predicted (adjusted for reporting delay)",
    "censored": "censored (bound shown, e.g. <0.1)",
}
FLAGS = tuple(FLAG_TEXT)
AGE_ORDER = ["0-14", "15-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+", "35-54", "55+",
             "65+", "all"]
SEX_LABELS = {"all": "Both sexes", "female": "Female", "male": "Male"}
SUPPRESSED_MARK_Y = 0.025
"""Height (fraction of the plot) of the × that marks a suppressed period on the x axis."""
TITLE_WIDTH = 56
"""Characters per line of an on-screen chart title at its size in a 535-pixel-wide chart (a
1024-pixel screen with the menu open)."""
TITLE_LINE_PAD = 12
"""Top padding (px) of a wrapped title: plotly.js anchors a top-anchored title by its first line."""
NOTE_WIDTH = 105
"""Characters per line of a chart's footnote (fits 1280 px at the theme's annotation size)."""

Event = Mapping[str, object] | tuple[object, str]


# --- small helpers ---------------------------------------------------------------------------

def series_label(dimension: str, value: object, overrides: Mapping[str, str] | None = None) -> str:
    """Readable name of one series: drug-group label from the registry, sex in words, else as is."""
    if overrides and str(value) in overrides:
        return overrides[str(value)]
    if dimension == "drug_group" and value in DRUG_GROUPS:
        return DRUG_GROUPS[str(value)].label
    if dimension == "sex":
        return SEX_LABELS.get(str(value), str(value))
    return str(value)


def _with_flags(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for flag in FLAGS:
        if flag not in out.columns:
            out[flag] = False
        out[flag] = out[flag].fillna(False).astype(bool)
    if "note" not in out.columns:
        out["note"] = ""
    return out


def _is_monthly(df: pd.DataFrame) -> bool:
    return "period_type" in df.columns and df["period_type"].isin(MONTHLY_PERIODS).any()


def _single(df: pd.DataFrame, column: str, what: str) -> str | None:
    if column not in df.columns:
        return None
    values = df[column].dropna().unique()
    if len(values) > 1:
        raise ValueError(f"{what}: rows have more than one {column} ({', '.join(map(str, values))});"
                         f" filter to one before plotting")
    return str(values[0]) if len(values) else None


def _axis_title(measure_label: str | None, unit: str | None) -> str:
    if measure_label and unit and unit.lower() not in measure_label.lower():
        return f"{measure_label} ({unit})"
    return measure_label or unit or ""


def _measure_label(df: pd.DataFrame, measure_label: str | None, what: str) -> str | None:
    if measure_label:
        return measure_label
    measure = _single(df, "measure", what)
    return MEASURES.get(measure or "", None)


def _period_label(row: Mapping[str, object]) -> str:
    period_type = row.get("period_type", "year")
    month = row.get("month")
    if period_type in MONTHLY_PERIODS and month is not None and not pd.isna(month):
        stamp = pd.Timestamp(year=int(row["year"]), month=int(month), day=1).strftime("%B %Y")
        return f"12 months ending {stamp}" if period_type == "12_month_ending" else stamp
    return str(int(row["year"]))


def _flag_text(row: Mapping[str, object]) -> str:
    parts = [FLAG_TEXT[f] for f in FLAGS if bool(row.get(f, False))]
    return "<br>" + "; ".join(parts) if parts else ""


def _wrap_note(lines: Iterable[str]) -> str:
    wrapped = []
    for line in lines:
        wrapped.extend(textwrap.wrap(line, NOTE_WIDTH) or [""])
    return "<br>".join(wrapped)


def _add_note(fig: go.Figure, lines: list[str], below_axis: bool = True) -> None:
    """Footnote under the plot (suppression, missing data, definitions); grows the bottom margin.
    `below_axis`: leave room for x tick labels and axis title (False for maps and top axes)."""
    if not lines:
        return
    text = _wrap_note(lines)
    n_lines = text.count("<br>") + 1
    shift = 72 if below_axis else 8
    fig.add_annotation(text=text, xref="paper", yref="paper", x=0, y=0, xanchor="left",
                       yanchor="top", yshift=-shift, showarrow=False, align="left",
                       font=dict(size=theme.ANNOTATION_SIZE - 1))
    fig.update_layout(margin=dict(b=shift + 15 + 20 * n_lines))


def _year_axis(years: Sequence[int], dtick: int | None = None) -> dict[str, object]:
    """Integer year ticks: tick spacing 1, 2 or 5 years by span (or `dtick`, e.g. 5 for a
    half-width chart), format 'd' (no 2,019.5)."""
    lo, hi = int(min(years)), int(max(years))
    span = hi - lo
    dtick = dtick or (1 if span <= 12 else 2 if span <= 26 else 5)
    tick0 = lo if dtick == 1 else lo - lo % dtick
    return dict(type="linear", tickmode="linear", tick0=tick0, dtick=dtick, tickformat="d",
                hoverformat="d", range=[lo - 0.5, hi + 0.5], title_text="Year",
                separatethousands=False)


def _month_axis(stamps: Sequence[pd.Timestamp]) -> dict[str, object]:
    lo, hi = min(stamps), max(stamps)
    months = (hi.year - lo.year) * 12 + hi.month - lo.month
    dtick = "M3" if months <= 24 else "M6" if months <= 60 else "M12"
    return dict(type="date", dtick=dtick, tickformat="%b %Y", hoverformat="%B %Y",
                title_text="Month", tick0=lo.strftime("%Y-%m-01"))


def _x_values(df: pd.DataFrame, monthly: bool) -> pd.Series:
    if monthly:
        return pd.to_datetime(dict(year=df["year"].astype(int), month=df["month"].astype(int),
                                   day=1))
    return df["year"].astype(int)


def _complete_periods(part: pd.DataFrame, monthly: bool) -> pd.DataFrame:
    """Insert empty rows for periods with no row so a line never bridges a gap (no row ≠ zero)."""
    if part.empty:
        return part
    if monthly:
        full = pd.date_range(part["x"].min(), part["x"].max(), freq="MS")
    else:
        full = pd.Index(range(int(part["x"].min()), int(part["x"].max()) + 1))
    missing = full.difference(pd.Index(part["x"]))
    if len(missing) == 0:
        return part
    filler = pd.DataFrame({"x": missing})
    filler["value"] = float("nan")
    for flag in FLAGS:
        filler[flag] = False
    filler["period"] = [x.strftime("%B %Y") if monthly else str(x) for x in missing]
    filler["flags"] = "<br>no row published for this period"
    return pd.concat([part, filler], ignore_index=True).sort_values("x", kind="stable")


def _excluded_periods(data: pd.DataFrame) -> str | None:
    """"Mar 2020 – Aug 2020" for rows the publisher did not collect (no value, not suppressed,
    EXCLUDED_NOTE in the note; e.g. DOSE-SYS at the onset of COVID-19), or None."""
    if "note" not in data.columns:
        return None
    notes = data["note"].fillna("").astype(str)
    rows = data[notes.str.contains(EXCLUDED_NOTE, regex=False) & data["value"].isna()
                & ~data["suppressed"]].sort_values("x")
    if rows.empty:
        return None
    first, last = rows["period"].iloc[0], rows["period"].iloc[-1]
    return first if first == last else f"{first} – {last}"


def _events(fig: go.Figure, events: Sequence[Event] | None, monthly: bool) -> None:
    """Vertical dotted lines with labels written along them (rotated), so events a year apart do
    not overlap and none is cut at the right edge; a second event at the same x goes on the
    other side of the line."""
    at_x: dict[object, int] = {}
    for event in events or []:
        hover = None
        if isinstance(event, Mapping):
            x, label = event.get("x", event.get("year")), str(event.get("label", ""))
            if event.get("detail"):
                hover = f"{event['detail']}<br>Source: {event.get('source', '')}"
        else:
            x, label = event[0], str(event[1])
        if x is None:
            continue
        if monthly:
            x = pd.Timestamp(f"{x}-01-01") if isinstance(x, int) or str(x).isdigit() \
                else pd.Timestamp(str(x))
        else:
            x = int(str(x)[:4])
        fig.add_shape(type="line", x0=x, x1=x, xref="x", y0=0, y1=1, yref="paper",
                      line=dict(color=theme.GREY, width=1.5, dash="dot"), layer="below")
        n = at_x[x] = at_x.get(x, -1) + 1
        side = 1 if n % 2 == 0 else -1
        fig.add_annotation(x=x, xref="x", y=1, yref="paper", text=label, textangle=-90,
                           showarrow=False, xanchor="left" if side > 0 else "right",
                           yanchor="top", xshift=side * (2 + 20 * (n // 2)),
                           bgcolor="rgba(128,128,128,0.15)", font=dict(size=theme.ANNOTATION_SIZE),
                           hovertext=hover)


def _mark_provisional(fig: go.Figure, data: pd.DataFrame, monthly: bool) -> None:
    """Shade the provisional periods and label them; the points themselves have open markers."""
    xs = data.loc[data["provisional"], "x"]
    if xs.empty:
        return
    if monthly:
        x0, x1 = xs.min() - pd.Timedelta(days=15), xs.max() + pd.Timedelta(days=15)
    else:
        x0, x1 = int(xs.min()) - 0.5, int(xs.max()) + 0.5
    fig.add_shape(type="rect", x0=x0, x1=x1, xref="x", y0=0, y1=1, yref="paper",
                  fillcolor="rgba(128,128,128,0.14)", line=dict(width=0), layer="below")
    fig.add_annotation(x=x1, xref="x", y=1, yref="paper", text="provisional", showarrow=False,
                       xanchor="right", yanchor="bottom", font=dict(size=theme.ANNOTATION_SIZE))


def wrap_title(title: str | None) -> str:
    """A chart title broken into lines of at most TITLE_WIDTH characters (plotly.js never wraps
    one): a long title stays whole on a 1024-pixel projector with the menu open. Exports and
    handouts re-wrap it for their own width (app.export.plain_text drops the breaks)."""
    if not title or len(title) <= TITLE_WIDTH or "<br>" in title:
        return title or ""
    return "<br>".join(textwrap.wrap(title, TITLE_WIDTH, break_long_words=False))


def _base_layout(fig: go.Figure, title: str | None, height: int | None = None) -> None:
    # Explicit side margins: Streamlit's chart theme sets them to 0, which clips outside labels.
    text = wrap_title(title)
    # plotly.js places a top-anchored title by its first line: a second line needs top padding
    # or the first one is cut off at the card's edge.
    title_pad = dict(t=TITLE_LINE_PAD) if "<br>" in text else {}
    fig.update_layout(template=theme.TEMPLATE_NAME, height=height or theme.CHART_HEIGHT,
                      title=dict(text=text, automargin=True, pad=title_pad),
                      hovermode="closest", margin=dict(l=10, r=30))


# --- time series -----------------------------------------------------------------------------

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
    data = _with_flags(df)
    unit = unit or _single(data, "unit", what) or ""
    measure = _single(data, "measure", what)
    measure_label = _measure_label(data, measure_label, what)
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
    monthly = _is_monthly(data)
    if data.empty:
        raise ValueError(f"{what}: no rows to plot")
    data["x"] = _x_values(data, monthly)
    data["period"] = [_period_label(r) for r in data.to_dict("records")]
    data["flags"] = [_flag_text(r) for r in data.to_dict("records")]
    fmt = theme.d3_format(measure, unit)
    keys = list(dict.fromkeys(data[color_by])) if color_by in data.columns else ["all"]
    styles = {**theme.series_styles(color_by, keys),
              **{k: v for k, v in (style_overrides or {}).items() if k in keys}}
    fig = go.Figure()
    _base_layout(fig, title, height)
    suppressed_periods: list[str] = []
    for key in keys:
        part = data[data[color_by] == key] if color_by in data.columns else data
        part = _complete_periods(part.sort_values("x", kind="stable"), monthly)
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
    _mark_provisional(fig, data, monthly)
    if suppressed_periods:
        notes.insert(0, f"× on the axis and gaps: value {hidden_text}, not zero. "
                        + "; ".join(suppressed_periods))
    excluded = _excluded_periods(data)
    if excluded:
        notes.append(f"No data collected by the publisher (a gap, not zero): {excluded}.")
    if data["unreliable"].any():
        notes.append("Open markers: unreliable estimate (small count), shown as published.")
    if data["provisional"].any():
        notes.append("Shaded period, open markers: provisional data, which may still change.")
    xs = data["x"].tolist()
    fig.update_layout(
        xaxis=_month_axis(xs) if monthly else _year_axis(xs, year_dtick),
        yaxis=dict(title_text=_axis_title(measure_label, unit),
                   type="log" if log_y else "linear",
                   rangemode="tozero" if not log_y else "normal", tickformat=",~f",
                   # log axis: label 1, 2, 5 × 10^n only; every digit crowds into a smear
                   **({"dtick": "D2"} if log_y else {})),
        yaxis2=dict(overlaying="y", range=[0, 1], visible=False, fixedrange=True),
        legend=dict(groupclick="togglegroup"),
    )
    _events(fig, events, monthly)
    _add_note(fig, notes)
    return theme.apply_sizes(make_room_for_events(fig))


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


def make_room_for_events(fig: go.Figure, fraction: float = 0.4) -> go.Figure:
    """Raise the top of the y axis so the upper `fraction` of the plot holds only the rotated
    event labels, which otherwise cross the series where they are highest (recent years). The
    top is the largest value drawn on the main y axis (stacked height for stacked bars); an
    axis fixed at 0–100 (percent stacks) keeps its 0–100 ticks. No-op without event lines or on
    a log axis. Returns the figure (changed in place)."""
    has_events = any(s.type == "line" and s.yref == "paper" and s.x0 == s.x1
                     for s in fig.layout.shapes)
    already = isinstance(fig.layout.meta, dict) and fig.layout.meta.get("room_for_events")
    if not has_events or already or fig.layout.yaxis.type == "log" or not 0 < fraction < 1:
        return fig
    # Builders call this on every figure with events; the flag makes a second call a no-op.
    fig.update_layout(meta={**(fig.layout.meta or {}), "room_for_events": True})
    tops: list[float] = []
    stacks: dict[object, float] = {}
    for trace in fig.data:
        if getattr(trace, "yaxis", None) not in (None, "y") or trace.y is None:
            continue
        values = pd.to_numeric(pd.Series(list(trace.y), dtype="object"), errors="coerce")
        if trace.type == "bar" and fig.layout.barmode == "stack":
            for x, v in zip(trace.x, values):
                stacks[x] = stacks.get(x, 0.0) + (0.0 if pd.isna(v) else float(v))
        elif values.notna().any():
            tops.append(float(values.max()))
    top = max([*tops, *stacks.values()], default=0.0)
    fixed = fig.layout.yaxis.range
    if fixed is not None and fixed[1] is not None:
        top = max(top, float(fixed[1]))
        step = float(fixed[1]) / 4
        fig.update_yaxes(tickmode="array", tickvals=[step * i for i in range(5)])
    if top > 0:
        fig.update_yaxes(range=[0, top / (1 - fraction)])
    return fig


# --- with/without opioid ---------------------------------------------------------------------

def stacked_share_data(df: pd.DataFrame, parts: Sequence[str], *, as_share: bool = False
                       ) -> pd.DataFrame:
    """Year × part table: value (count) and share (% of the parts' sum; NaN where any part of that
    year is missing or suppressed), with the flags of each row."""
    rows = _with_flags(df[df["drug_group"].isin(parts)])
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
    count_unit = unit or _single(_with_flags(df), "unit", "stacked_share") or ""
    shown_unit = f"percent of {count_unit}" if as_share else count_unit
    fmt = ".1f" if as_share else theme.d3_format(None, count_unit)
    fig = go.Figure()
    _base_layout(fig, title, height)
    for group in parts:
        part = data[data["drug_group"] == group]
        if part.empty:
            continue
        style, name = theme.drug_style(group), series_label("drug_group", group)
        flags = [_flag_text(r) for r in part.to_dict("records")]
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
    label = _measure_label(df, measure_label, "stacked_share") or ""
    fig.update_layout(
        barmode="stack", xaxis=_year_axis(data["year"].tolist()),
        legend=dict(traceorder="reversed"),
        yaxis=dict(title_text=_axis_title("Share" if as_share else label, shown_unit),
                   tickformat=",~f", range=[0, 100] if as_share else None),
        hovermode="x unified" if not notes else "closest")
    _events(fig, events, False)
    _add_note(fig, notes)
    return theme.apply_sizes(make_room_for_events(fig))


def share_data(df: pd.DataFrame, numerator: str, denominator: str) -> pd.DataFrame:
    """Percent of `denominator` rows that are `numerator` rows, per period (e.g. share of opioid
    deaths that also involved benzodiazepines). NaN where either side is missing or suppressed;
    flags carry over from both sides."""
    data = _with_flags(df)
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
    return theme.apply_sizes(make_room_for_events(fig))


# --- states ----------------------------------------------------------------------------------

def _state_rows(df: pd.DataFrame, year: int | None, what: str) -> pd.DataFrame:
    data = _with_flags(df)
    if "geo_fips" in data.columns:
        data = data[data["geo_fips"].isin(STATE_BY_FIPS)]
    if year is not None:
        data = data[data["year"] == year]
    if "geo_fips" in data.columns and data["geo_fips"].duplicated().any():
        raise ValueError(f"{what}: more than one row per state; filter to one year, drug group, "
                         "sex, age group and measure")
    return data


def ranked_bar(df: pd.DataFrame, *, year: int | None = None, title: str | None = None,
               measure_label: str | None = None, unit: str | None = None,
               label_column: str = "geo_name", top_n: int | None = None,
               suppressed_label: str = "suppressed by the publisher (small count)",
               mark_censored: bool = False) -> go.Figure:
    """Horizontal bars, largest on top; states without a value are listed under the chart, never
    drawn as 0. Unreliable values are hatched and flagged. `mark_censored`: label a censored
    value (stored as its bound, e.g. 0.1 for "<0.1") with "<" and explain it under the chart."""
    data = _state_rows(df, year, "ranked_bar") if label_column == "geo_name" else _with_flags(df)
    unit = unit or _single(data, "unit", "ranked_bar") or ""
    measure = _single(data, "measure", "ranked_bar")
    measure_label = _measure_label(data, measure_label, "ranked_bar")
    fmt = theme.d3_format(measure, unit)
    shown = data[data["value"].notna()].sort_values("value", ascending=False, kind="stable")
    if top_n:
        shown = shown.head(top_n)
    hidden = data[data["value"].isna()]
    group = _single(data, "drug_group", "ranked_bar") if "drug_group" in data.columns else None
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
        customdata=[_flag_text(r) for r in shown.to_dict("records")],
        hovertemplate=f"<b>%{{y}}</b><br>%{{x:{fmt}}} {unit}%{{customdata}}<extra></extra>",
        showlegend=False))
    _base_layout(fig, title, height=max(320, 28 * len(shown) + 170))
    fig.update_layout(
        xaxis=dict(title_text=_axis_title(measure_label, unit), rangemode="tozero",
                   tickformat=",~f", side="top"),
        yaxis=dict(autorange="reversed", title_text="", type="category", dtick=1),
        bargap=0.25, hovermode="closest")
    notes = []
    if shown["unreliable"].any():
        notes.append("† and hatched: unreliable estimate (small count), shown as published.")
    if mark_censored and shown["censored"].any():
        notes.append("<: published as below this value (e.g. <0.1); the bar shows the bound.")
    if not hidden.empty:
        notes.append(f"Not shown — {suppressed_label} or not published ({len(hidden)}): "
                     + ", ".join(sorted(hidden[label_column].astype(str))) + ".")
    # The value axis is on top: leave room for the title above its ticks and title.
    fig.update_layout(margin=dict(r=70, t=120 if title else 70))
    _add_note(fig, notes, below_axis=False)
    return theme.apply_sizes(fig)


def state_map(df: pd.DataFrame, year: int | None = None, *, title: str | None = None,
              measure_label: str | None = None, unit: str | None = None,
              zmin: float | None = None, zmax: float | None = None,
              colorscale: Sequence[Sequence[object]] | None = None,
              height: int | None = None) -> go.Figure:
    """Choropleth of one value per state (50 + DC). Suppressed states are grey, states with no row
    are blank, unreliable states carry a ring; all three are explained under the map. Needs the
    offline base map (app.geo.plotly_config) when drawn."""
    data = _state_rows(df, year, "state_map")
    unit = unit or _single(data, "unit", "state_map") or ""
    measure = _single(data, "measure", "state_map")
    measure_label = _measure_label(data, measure_label, "state_map")
    fmt = theme.d3_format(measure, unit)
    data = data.assign(abbr=data["geo_fips"].map(lambda f: STATE_BY_FIPS[f].abbr),
                       name=data["geo_fips"].map(lambda f: STATE_BY_FIPS[f].name))
    data["flags"] = [_flag_text(r) for r in data.to_dict("records")]
    valued = data[data["value"].notna()]
    suppressed = data[data["value"].isna()]
    absent = [s for s in STATES if s.fips not in set(data["geo_fips"])]
    fig = go.Figure()
    _base_layout(fig, title, height or 520)
    fig.add_trace(go.Choropleth(
        locationmode="USA-states", locations=valued["abbr"], z=valued["value"],
        colorscale=colorscale or theme.SEQUENTIAL_SCALE, zmin=zmin if zmin is not None else 0,
        zmax=zmax, marker=dict(line=dict(color="rgba(128,128,128,0.9)", width=0.8)),
        colorbar=dict(title=dict(text=_wrap_note([unit]).replace(" per ", "<br>per "), side="top"),
                      tickformat=",~f", thickness=16, len=0.75, x=1.0),
        customdata=valued[["name", "flags"]].to_numpy(), name=measure_label or "value",
        hovertemplate=(f"<b>%{{customdata[0]}}</b><br>%{{z:{fmt}}} {unit}%{{customdata[1]}}"
                       "<extra></extra>")))
    if not suppressed.empty:
        fig.add_trace(go.Choropleth(
            locationmode="USA-states", locations=suppressed["abbr"],
            z=[0] * len(suppressed), colorscale=[[0, theme.MISSING_GREY], [1, theme.MISSING_GREY]],
            showscale=False, marker=dict(line=dict(color="rgba(128,128,128,0.9)", width=0.8)),
            customdata=suppressed[["name", "flags"]].to_numpy(), name="suppressed",
            hovertemplate=("<b>%{customdata[0]}</b><br>no value shown%{customdata[1]}"
                           "<extra></extra>")))
    if absent:
        fig.add_trace(go.Choropleth(
            locationmode="USA-states", locations=[s.abbr for s in absent], z=[0] * len(absent),
            colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]], showscale=False,
            marker=dict(line=dict(color="rgba(128,128,128,0.9)", width=0.8)),
            customdata=[[s.name] for s in absent], name="no data",
            hovertemplate="<b>%{customdata[0]}</b><br>no row published<extra></extra>"))
    unreliable = valued[valued["unreliable"]]
    if not unreliable.empty:
        fig.add_trace(go.Scattergeo(
            locationmode="USA-states", locations=unreliable["abbr"], mode="markers",
            marker=dict(symbol="circle", size=10, color="white", line=dict(width=2.5, color="#222222")),
            name="unreliable", showlegend=False, hoverinfo="skip"))
    fig.update_layout(geo=geo_layout(), margin=dict(l=0, r=0, t=60, b=10))
    notes = []
    hidden_count = int(suppressed["suppressed"].sum())
    hidden_rate = len(suppressed) - hidden_count
    if hidden_count:
        notes.append(f"Grey: suppressed by the publisher (small numbers), not zero — "
                     f"{hidden_count} states.")
    if hidden_rate:
        notes.append(f"Grey: rate withheld by the publisher as unreliable (too few deaths) — "
                     f"{hidden_rate} states.")
    if not unreliable.empty:
        notes.append(f"White dot: unreliable estimate (small count) — {len(unreliable)} states.")
    if absent:
        notes.append(f"Blank: no row published — {len(absent)} states.")
    _add_note(fig, notes, below_axis=False)
    return theme.apply_sizes(fig)


# --- categories ------------------------------------------------------------------------------

def category_bar(df: pd.DataFrame, category: str, *, order: Sequence[str] | None = None,
                 labels: Mapping[str, str] | None = None, color_by: str | None = None,
                 title: str | None = None, measure_label: str | None = None,
                 unit: str | None = None, orientation: str = "h",
                 suppressed_label: str = "suppressed (1–9)", height: int | None = None
                 ) -> go.Figure:
    """Bars per category (age group, sex, drug combination), optionally grouped by `color_by`.
    A suppressed category is named on its axis with `suppressed_label` and has no bar."""
    data = _with_flags(df)
    unit = unit or _single(data, "unit", "category_bar") or ""
    measure = _single(data, "measure", "category_bar")
    measure_label = _measure_label(data, measure_label, "category_bar")
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
                 theme.drug_style(_single(data, "drug_group", "category_bar")).color
                 if "drug_group" in data.columns and data["drug_group"].nunique() == 1
                 and category != "drug_group" else theme.VERMILLION)
        cats = [names[c] for c in part.index]
        flags = [_flag_text(r) for r in part.reset_index(drop=True).to_dict("records")]
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
    value_axis = dict(title_text=_axis_title(measure_label, unit), rangemode="tozero",
                      tickformat=",~f")
    cat_axis = dict(title_text="", type="category", categoryorder="array",
                    categoryarray=[names[c] for c in order])
    if horizontal:
        cat_axis["autorange"] = "reversed"
    n_bars = len(order) * max(1, len(keys))
    _base_layout(fig, title, height or (max(320, 30 * n_bars + 170) if horizontal else None))
    fig.update_layout(xaxis=value_axis if horizontal else cat_axis,
                      yaxis=cat_axis if horizontal else value_axis,
                      barmode="group", hovermode="closest", margin=dict(r=70))
    if notes:
        _add_note(fig, ["Suppressed (no bar, not zero): " + "; ".join(notes)])
    return theme.apply_sizes(fig)


# --- text ------------------------------------------------------------------------------------

def _fmt(value: float, measure: str | None, unit: str) -> str:
    return f"{theme.format_value(value, measure, unit)} {unit}".replace("% percent", "%").strip()


def chart_summary(df: pd.DataFrame, *, color_by: str = "drug_group",
                  measure_label: str | None = None, unit: str | None = None,
                  series_labels: Mapping[str, str] | None = None, max_series: int = 4) -> str:
    """Plain sentences a screen reader can say instead of the chart: for each series the latest
    value and year, the first, and the peak; for one period, the highest and lowest; and how many
    values are suppressed."""
    data = _with_flags(df)
    if data.empty or "value" not in data.columns:
        return "No data to describe."
    unit = unit or (_single(data, "unit", "chart_summary") if "unit" in data.columns else "") or ""
    measure = data["measure"].iloc[0] if "measure" in data.columns else None
    n_suppressed = int(data["suppressed"].sum())
    sentences = []
    has_time = "year" in data.columns and data.groupby(
        color_by if color_by in data.columns else (lambda _: 0))["year"].nunique().max() > 1
    if has_time:
        monthly = _is_monthly(data)
        data = data.assign(x=_x_values(data, monthly))
        data["period"] = [_period_label(r) for r in data.to_dict("records")]
        keys = list(dict.fromkeys(data[color_by])) if color_by in data.columns else [None]
        for key in keys[:max_series]:
            part = data if key is None else data[data[color_by] == key]
            part = part[part["value"].notna()].sort_values("x", kind="stable")
            if part.empty:
                continue
            name = series_label(color_by, key, series_labels) if key is not None else \
                (measure_label or "Value")
            first, last = part.iloc[0], part.iloc[-1]
            peak = part.loc[part["value"].idxmax()]
            direction = ("rose" if last["value"] > first["value"] else
                         "fell" if last["value"] < first["value"] else "was unchanged")
            latest_flag = " (provisional)" if last["provisional"] else ""
            sentence = (f"{name}: {_fmt(last['value'], measure, unit)} in {last['period']}"
                        f"{latest_flag}, the latest period shown; it {direction} from "
                        f"{_fmt(first['value'], measure, unit)} in {first['period']}")
            if peak["period"] != last["period"]:
                sentence += f", with a peak of {_fmt(peak['value'], measure, unit)} in {peak['period']}"
            else:
                sentence += ", and the latest value is the highest shown"
            sentences.append(sentence + ".")
        if len(keys) > max_series:
            sentences.append(f"{len(keys) - max_series} more series are in the data table.")
    else:
        label_col = next((c for c in ("geo_name", color_by, "age_group", "sex") if c in data.columns
                          and data[c].nunique() > 1), None)
        valued = data[data["value"].notna()].sort_values("value", ascending=False)
        period = f"In {int(data['year'].iloc[0])}, " if "year" in data.columns else ""
        if label_col and not valued.empty:
            top, low = valued.iloc[0], valued.iloc[-1]
            sentences.append(
                f"{period}the highest value is {series_label(label_col, top[label_col])} "
                f"({_fmt(top['value'], measure, unit)}) and the lowest is "
                f"{series_label(label_col, low[label_col])} ({_fmt(low['value'], measure, unit)}),"
                f" across {len(valued)} values shown.")
        elif not valued.empty:
            sentences.append(f"{period}the value is {_fmt(valued['value'].iloc[0], measure, unit)}.")
    if n_suppressed:
        sentences.append(f"{n_suppressed} value{'s are' if n_suppressed != 1 else ' is'} suppressed "
                         "by the publisher (small counts) and not shown; they are not zero.")
    return " ".join(sentences) or "No values to describe."


DISPLAY_COLUMNS: dict[str, str] = {
    "drug_group": "Drug group", "geo_name": "Place", "period_type": "Period type", "year": "Year",
    "month": "Month", "sex": "Sex", "age_group": "Age group", "race_ethnicity": "Race/ethnicity",
    "measure": "Measure", "value": "Value", "unit": "Unit", "lower": "Lower 95% limit",
    "upper": "Upper 95% limit", "numerator": "Numerator", "denominator": "Denominator",
    "share": "Share (%)", "suppressed": "Suppressed", "unreliable": "Unreliable",
    "provisional": "Provisional", "predicted": "Predicted", "censored": "Censored",
    "definition": "Case definition", "source_id": "Source", "note": "Note",
}


def display_table(df: pd.DataFrame) -> pd.DataFrame:
    """The plotted rows with readable headers, for the 'Show data' table and CSV: drug-group ids
    become labels; demographic columns that are "all" throughout, empty notes and helper
    columns are left out."""
    out = df.copy()
    keep = []
    for column in DISPLAY_COLUMNS:
        if column not in out.columns:
            continue
        series = out[column]
        if column in ("sex", "age_group", "race_ethnicity") and (series == "all").all():
            continue
        if column == "note" and (series.fillna("") == "").all():
            continue
        if column == "month" and series.isna().all():
            continue
        keep.append(column)
    out = out[keep]
    if "drug_group" in out.columns:
        out["drug_group"] = out["drug_group"].map(lambda g: series_label("drug_group", g))
    return out.rename(columns=DISPLAY_COLUMNS).reset_index(drop=True)


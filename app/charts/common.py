"""What every builder shares: flag columns and their words, year and month axes, gaps for missing
periods, event lines, provisional shading, footnotes, titles and the base layout."""
from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go

from app.charts import theme
from etl.registry import DRUG_GROUPS, STATE_BY_FIPS
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


def series_label(dimension: str, value: object, overrides: Mapping[str, str] | None = None) -> str:
    """Readable name of one series: drug-group label from the registry, sex in words, else as is."""
    if overrides and str(value) in overrides:
        return overrides[str(value)]
    if dimension == "drug_group" and value in DRUG_GROUPS:
        return DRUG_GROUPS[str(value)].label
    if dimension == "sex":
        return SEX_LABELS.get(str(value), str(value))
    return str(value)


def with_flags(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for flag in FLAGS:
        if flag not in out.columns:
            out[flag] = False
        out[flag] = out[flag].fillna(False).astype(bool)
    if "note" not in out.columns:
        out["note"] = ""
    return out


def is_monthly(df: pd.DataFrame) -> bool:
    return "period_type" in df.columns and df["period_type"].isin(MONTHLY_PERIODS).any()


def single_value(df: pd.DataFrame, column: str, what: str) -> str | None:
    if column not in df.columns:
        return None
    values = df[column].dropna().unique()
    if len(values) > 1:
        raise ValueError(f"{what}: rows have more than one {column} ({', '.join(map(str, values))});"
                         f" filter to one before plotting")
    return str(values[0]) if len(values) else None


def axis_title(measure_label: str | None, unit: str | None) -> str:
    if measure_label and unit and unit.lower() not in measure_label.lower():
        return f"{measure_label} ({unit})"
    return measure_label or unit or ""


def measure_label_of(df: pd.DataFrame, measure_label: str | None, what: str) -> str | None:
    if measure_label:
        return measure_label
    measure = single_value(df, "measure", what)
    return MEASURES.get(measure or "", None)


def period_label(row: Mapping[str, object]) -> str:
    period_type = row.get("period_type", "year")
    month = row.get("month")
    if period_type in MONTHLY_PERIODS and month is not None and not pd.isna(month):
        stamp = pd.Timestamp(year=int(row["year"]), month=int(month), day=1).strftime("%B %Y")
        return f"12 months ending {stamp}" if period_type == "12_month_ending" else stamp
    return str(int(row["year"]))


PARTIAL_TEXT = "partial period (the records stop before it ends)"


def flag_text(row: Mapping[str, object]) -> str:
    partial = "partial" in str(row.get("note") or "")
    parts = [PARTIAL_TEXT if f == "provisional" and partial else FLAG_TEXT[f] for f in FLAGS
             if bool(row.get(f, False))]
    return "<br>" + "; ".join(parts) if parts else ""


def wrap_note(lines: Iterable[str]) -> str:
    wrapped = []
    for line in lines:
        wrapped.extend(textwrap.wrap(line, NOTE_WIDTH) or [""])
    return "<br>".join(wrapped)


def add_note(fig: go.Figure, lines: list[str], below_axis: bool = True,
             shift: int | None = None) -> None:
    """Footnote under the plot (suppression, missing data, definitions); grows the bottom margin.
    `below_axis`: leave room for x tick labels and axis title (False for maps and top axes);
    `shift`: the room in pixels, when the plot has something else below it (a colour bar)."""
    if not lines:
        return
    text = wrap_note(lines)
    n_lines = text.count("<br>") + 1
    shift = shift if shift is not None else 72 if below_axis else 8
    fig.add_annotation(text=text, xref="paper", yref="paper", x=0, y=0, xanchor="left",
                       yanchor="top", yshift=-shift, showarrow=False, align="left",
                       font=dict(size=theme.ANNOTATION_SIZE - 1))
    fig.update_layout(margin=dict(b=shift + 15 + 20 * n_lines))


def year_axis(years: Sequence[int], dtick: int | None = None) -> dict[str, object]:
    """Integer year ticks: tick spacing 1, 2 or 5 years by span (or `dtick`, e.g. 5 for a
    half-width chart), format 'd' (no 2,019.5)."""
    lo, hi = int(min(years)), int(max(years))
    span = hi - lo
    dtick = dtick or (1 if span <= 12 else 2 if span <= 26 else 5)
    tick0 = lo if dtick == 1 else lo - lo % dtick
    return dict(type="linear", tickmode="linear", tick0=tick0, dtick=dtick, tickformat="d",
                hoverformat="d", range=[lo - 0.5, hi + 0.5], title_text="Year",
                separatethousands=False)


def month_axis(stamps: Sequence[pd.Timestamp]) -> dict[str, object]:
    lo, hi = min(stamps), max(stamps)
    months = (hi.year - lo.year) * 12 + hi.month - lo.month
    dtick = "M3" if months <= 24 else "M6" if months <= 60 else "M12"
    return dict(type="date", dtick=dtick, tickformat="%b %Y", hoverformat="%B %Y",
                title_text="Month", tick0=lo.strftime("%Y-%m-01"))


def x_values(df: pd.DataFrame, monthly: bool) -> pd.Series:
    if monthly:
        return pd.to_datetime(dict(year=df["year"].astype(int), month=df["month"].astype(int),
                                   day=1))
    return df["year"].astype(int)


def complete_periods(part: pd.DataFrame, monthly: bool) -> pd.DataFrame:
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


def exclusion_reason(note: object) -> str:
    """What the publisher's exclusion note says after EXCLUDED_NOTE, up to its first ';' (e.g.
    CDC's SUDORS rule that detected-drug figures need toxicology for 75% of deaths; DOSE-SYS's
    months at the onset of COVID-19), or ''. The note may start with other remarks."""
    text = str(note or "")
    if EXCLUDED_NOTE not in text:
        return ""
    return text.split(EXCLUDED_NOTE, 1)[1].lstrip(" :").split(";")[0].strip()


def excluded_periods(data: pd.DataFrame) -> str | None:
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


def draw_events(fig: go.Figure, events: Sequence[Event] | None, monthly: bool) -> None:
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


def only_partial(data: pd.DataFrame) -> bool:
    """Whether every provisional row is a partial period (records that stop before the period
    ends, PARTIAL_NOTE or 'partial year' in its note) rather than data still being revised."""
    notes = data.loc[data["provisional"], "note"].fillna("").astype(str)
    return bool(len(notes)) and bool(notes.str.contains("partial", regex=False).all())


def mark_provisional(fig: go.Figure, data: pd.DataFrame, monthly: bool) -> None:
    """Shade the provisional (or partial) periods and label them; the points themselves have open
    markers."""
    xs = data.loc[data["provisional"], "x"]
    if xs.empty:
        return
    if monthly:
        x0, x1 = xs.min() - pd.Timedelta(days=15), xs.max() + pd.Timedelta(days=15)
    else:
        x0, x1 = int(xs.min()) - 0.5, int(xs.max()) + 0.5
    fig.add_shape(type="rect", x0=x0, x1=x1, xref="x", y0=0, y1=1, yref="paper",
                  fillcolor="rgba(128,128,128,0.14)", line=dict(width=0), layer="below")
    label = "partial" if only_partial(data) else "provisional"
    fig.add_annotation(x=x1, xref="x", y=1, yref="paper", text=label, showarrow=False,
                       xanchor="right", yanchor="bottom", font=dict(size=theme.ANNOTATION_SIZE))


def wrap_title(title: str | None) -> str:
    """A chart title broken into lines of at most TITLE_WIDTH characters (plotly.js never wraps
    one): a long title stays whole on a 1024-pixel projector with the menu open. Exports and
    handouts re-wrap it for their own width (app.export.restyle.plain_text drops the breaks)."""
    if not title or len(title) <= TITLE_WIDTH or "<br>" in title:
        return title or ""
    return "<br>".join(textwrap.wrap(title, TITLE_WIDTH, break_long_words=False))


def base_layout(fig: go.Figure, title: str | None, height: int | None = None) -> None:
    # Explicit side margins: Streamlit's chart theme sets them to 0, which clips outside labels.
    text = wrap_title(title)
    # plotly.js places a top-anchored title by its first line: a second line needs top padding
    # or the first one is cut off at the card's edge.
    title_pad = dict(t=TITLE_LINE_PAD) if "<br>" in text else {}
    fig.update_layout(template=theme.TEMPLATE_NAME, height=height or theme.CHART_HEIGHT,
                      title=dict(text=text, automargin=True, pad=title_pad),
                      hovermode="closest", margin=dict(l=10, r=30))


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


def state_rows(df: pd.DataFrame, year: int | None, what: str) -> pd.DataFrame:
    data = with_flags(df)
    if "geo_fips" in data.columns:
        data = data[data["geo_fips"].isin(STATE_BY_FIPS)]
    if year is not None:
        data = data[data["year"] == year]
    if "geo_fips" in data.columns and data["geo_fips"].duplicated().any():
        raise ValueError(f"{what}: more than one row per state; filter to one year, drug group, "
                         "sex, age group and measure")
    return data

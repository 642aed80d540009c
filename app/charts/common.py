"""What every builder shares: flag columns and their words, year and month axes, gaps for missing
periods, event lines, provisional shading, footnotes, titles and the base layout."""
from __future__ import annotations

import math
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


NOTE_WIDTH = 68
"""Characters per line of a chart's footnote: it starts at the plot's left edge and fits a
535-pixel chart (1024 px with the menu open) at the theme's annotation size; 105 ran past the
card's right edge there."""


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
    """"Measure (unit)", leaving out of the unit what the measure already says ("Age-adjusted
    rate (deaths per 100,000 population)", not "..., age-adjusted)")."""
    if measure_label and unit and unit.lower() not in measure_label.lower():
        parts = [p for p in unit.split(", ") if p.lower() not in measure_label.lower()]
        return f"{measure_label} ({', '.join(parts)})" if parts else measure_label
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
    """Footnote lines wrapped at NOTE_WIDTH, joined by <br>; a hyphenated word ("detected-drug")
    stays on one line."""
    wrapped = []
    for line in lines:
        wrapped.extend(textwrap.wrap(line, NOTE_WIDTH, break_on_hyphens=False) or [""])
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
    # A set range (half a month beyond the first and last) keeps events outside the data off
    # the axis and lets the event labels be laid out for it.
    return dict(type="date", dtick=dtick, tickformat="%b %Y", hoverformat="%B %Y",
                title_text="Month", tick0=lo.strftime("%Y-%m-01"),
                range=[(lo - pd.Timedelta(days=15)).strftime("%Y-%m-%d"),
                       (hi + pd.Timedelta(days=15)).strftime("%Y-%m-%d")])


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


def event_x(event: Event, monthly: bool) -> int | pd.Timestamp | None:
    """Where an event goes on the x axis: its year on a yearly axis; on a monthly axis the first
    day of its month (January when only its year is known). `event`: a mapping with "x" (a year,
    "YYYY-MM" or a date) or "year" and optional "month", or a tuple (x, label)."""
    if isinstance(event, Mapping):
        x, year, month = event.get("x"), event.get("year"), event.get("month")
    else:
        x, year, month = event[0], None, None
    if x is None and year is None:
        return None
    if x is not None and not (isinstance(x, int) or str(x).isdigit()):
        stamp = pd.Timestamp(str(x))
        return stamp.to_period("M").to_timestamp() if monthly else stamp.year
    first_year = int(str(x if x is not None else year)[:4])
    if not monthly:
        return first_year
    has_month = month is not None and not pd.isna(month)
    return pd.Timestamp(year=first_year, month=int(month) if has_month else 1, day=1)


def _event_when(event: Event) -> str:
    if not isinstance(event, Mapping):
        return str(event[0])
    month, year = event.get("month"), event.get("year", event.get("x"))
    if month is not None and not pd.isna(month) and year is not None:
        return pd.Timestamp(year=int(str(year)[:4]), month=int(month), day=1).strftime("%B %Y")
    return str(year)


def _within(x: object, axis_range: Sequence[object] | None) -> bool:
    if not axis_range or axis_range[0] is None or axis_range[1] is None:
        return True
    lo, hi = axis_range
    if isinstance(x, pd.Timestamp):
        return pd.Timestamp(lo) <= x <= pd.Timestamp(hi)
    return float(lo) <= float(x) <= float(hi)  # type: ignore[arg-type]


def draw_events(fig: go.Figure, events: Sequence[Event] | None, monthly: bool) -> None:
    """A dotted vertical line at each event's year (its month on a monthly axis, `event_x`) and
    its label written horizontally above the plot, joined to the line by a thin leader, so a
    label never covers data and the y axis needs no room for it. The labels' rows and places
    are set for the chart's width by theme.place_event_labels (from theme.apply_sizes, and again
    by the slide and projector restyling). Events outside the x axis's range are left out."""
    axis_range = fig.layout.xaxis.range
    lines_at: set[object] = set()
    for event in events or []:
        x = event_x(event, monthly)
        if x is None or not _within(x, axis_range):
            continue
        if isinstance(event, Mapping):
            label = str(event.get("label", ""))
            hover = f"{_event_when(event)}: {event.get('detail') or label}"
            if event.get("source"):
                hover += f"<br>Source: {event['source']}"
        else:
            label, hover = str(event[1]), f"{event[0]}: {event[1]}"
        if x not in lines_at:
            lines_at.add(x)
            fig.add_shape(type="line", x0=x, x1=x, xref="x", y0=0, y1=1, yref="paper",
                          line=dict(color=theme.GREY, width=1.5, dash="dot"), layer="below",
                          name=theme.EVENT_LINE)
        fig.add_annotation(x=x, xref="x", y=1, yref="paper", text=label, showarrow=True,
                           arrowhead=0, arrowwidth=1, arrowcolor=theme.GREY, standoff=0,
                           ax=x, axref="x", ay=-theme.EVENT_GAP, ayref="pixel",
                           xanchor="center", yanchor="bottom", bgcolor=theme.EVENT_BOX,
                           font=dict(size=theme.ANNOTATION_SIZE), hovertext=hover,
                           name=theme.EVENT_LABEL)


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
    # On the plot's top edge, in the first row of the band above the plot (theme.EDGE_LABEL:
    # event labels make way for it).
    fig.add_annotation(x=x1, xref="x", y=1, yref="paper", text=label, showarrow=False,
                       xanchor="right", yanchor="bottom", font=dict(size=theme.ANNOTATION_SIZE),
                       name=theme.EDGE_LABEL)


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


def nice_top(value: float) -> tuple[float, float]:
    """(top, tick step) of a y axis from 0 that ends on a round number just above `value`: the
    lowest multiple, at least 3% above `value`, of a step of 1, 2, 2.5 or 5 × 10^n that makes
    4–10 intervals, with ticks at that step (twice it beyond 8 intervals, so labels do not
    crowd): 12,499 → 14,000 by 2,000; 94.3 → 100 by 20; 19.8 → 22.5, ticks by 5."""
    if value <= 0:
        return 1.0, 0.25
    best: tuple[float, float] | None = None
    exponent = math.floor(math.log10(value)) - 2
    for power in range(exponent, exponent + 4):
        for mantissa in (1, 2, 2.5, 5):
            step = mantissa * 10 ** power
            top = math.ceil(value * 1.03 / step) * step
            if 4 <= round(top / step) <= 10 and (best is None or top < best[0] - 1e-9):
                best = (top, step)
    if best is None:
        return value * 1.1, value * 1.1 / 5
    top, step = best
    return top, step * 2 if round(top / step) > 8 else step


def data_top(fig: go.Figure) -> float:
    """The largest value drawn on the main y axis (stacked height for stacked bars), 0 if none."""
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
    return max([*tops, *stacks.values()], default=0.0)


def fit_y_range(fig: go.Figure) -> go.Figure:
    """A linear y axis from 0 to the round tick just above the data (`nice_top`), so the data
    use most of the plot's height (event labels sit above the plot, `draw_events`). A range the
    builder fixed (0–100 for shares of a whole), a log axis and data below 0 keep theirs.
    Returns the figure (changed in place)."""
    axis = fig.layout.yaxis
    if axis.type == "log" or (axis.range is not None and axis.range[1] is not None):
        return fig
    values = [v for t in fig.data if getattr(t, "yaxis", None) in (None, "y") and t.y is not None
              for v in pd.to_numeric(pd.Series(list(t.y), dtype="object"), errors="coerce")
              if not pd.isna(v)]
    if not values or min(values) < 0:
        return fig
    top, step = nice_top(data_top(fig))
    fig.update_yaxes(range=[0, top], tick0=0, dtick=step)
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

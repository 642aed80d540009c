"""Small synthetic tidy frames the chart-builder tests share (national deaths with suppressed and
provisional years, state rates with suppressed and unreliable states, monthly deaths, age
counts), and the checks they apply to every figure."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from etl.registry import STATES
from etl.tidy import tidy_frame, validate_tidy


COUNT_UNIT = "deaths"


RATE_UNIT = "deaths per 100,000 population, crude"


SUPPRESSED_YEARS = (2001, 2002)


def national_deaths() -> pd.DataFrame:
    """1999–2021 deaths for four groups; 2021 provisional; 'without opioid' suppressed 2001–02."""
    bases = {"benzodiazepines": 1000, "benzodiazepines_with_any_opioid": 700,
             "benzodiazepines_without_any_opioid": 300, "any_opioid": 8000}
    rows = [dict(drug_group=g, year=y, value=float(b + (y - 1999) * 50), provisional=y == 2021)
            for g, b in bases.items() for y in range(1999, 2022)]
    df = pd.DataFrame(rows)
    hide = (df["drug_group"] == "benzodiazepines_without_any_opioid") & df["year"].isin(
        SUPPRESSED_YEARS)
    df.loc[hide, "value"] = np.nan
    df["suppressed"] = hide
    return validate_tidy(tidy_frame(
        df, source_id="nida", source_file="t.xlsx", definition="ucd_overdose", measure="deaths",
        unit=COUNT_UNIT, geo_level="nation", geo_fips="00", geo_name="United States",
        period_type="year"))


def state_rates(year: int = 2020) -> pd.DataFrame:
    """One crude rate per state + DC; every 10th state from the 4th suppressed, from the 6th
    unreliable."""
    rows = []
    for i, s in enumerate(STATES):
        suppressed = i % 10 == 3
        rows.append(dict(geo_fips=s.fips, geo_name=s.name, year=year, suppressed=suppressed,
                         value=np.nan if suppressed else 1 + i * 0.3, unreliable=i % 10 == 5))
    return validate_tidy(tidy_frame(
        pd.DataFrame(rows), source_id="wonder", source_file="w.txt", definition="mcd_overdose",
        measure="crude_rate", unit=RATE_UNIT, drug_group="benzodiazepines", geo_level="state",
        period_type="year"))


def monthly_deaths() -> pd.DataFrame:
    rows = [dict(year=y, month=m, value=float(800 + (y - 2015) * 30 + m), provisional=y == 2021)
            for y in range(2015, 2022) for m in range(1, 13)]
    return validate_tidy(tidy_frame(
        pd.DataFrame(rows), source_id="wonder", source_file="w.txt", definition="mcd_overdose",
        measure="deaths", unit=COUNT_UNIT, drug_group="benzodiazepines", geo_level="nation",
        geo_fips="00", geo_name="United States", period_type="month"))


def age_counts() -> pd.DataFrame:
    ages = ["15-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+"]
    values = [120.0, 900.0, 1100.0, np.nan, 800.0, 300.0, 90.0]
    df = pd.DataFrame({"age_group": ages, "value": values, "suppressed": pd.isna(values)})
    return validate_tidy(tidy_frame(
        df, source_id="ct_ocme", source_file="c.csv", definition="ocme_accidental",
        measure="deaths", unit=COUNT_UNIT, drug_group="benzodiazepines", geo_level="state",
        geo_fips="09", geo_name="Connecticut", period_type="year", year=2020))


def data_traces(fig: go.Figure) -> list:
    """Traces on the main y axis (the × marks for suppressed periods live on hidden y2)."""
    return [t for t in fig.data if getattr(t, "yaxis", None) in (None, "y")]


def assert_integer_year_axis(fig: go.Figure) -> None:
    xaxis = fig.layout.xaxis
    assert xaxis.tickformat == "d"
    assert xaxis.dtick is not None and float(xaxis.dtick).is_integer()
    assert float(xaxis.tick0).is_integer()
    assert xaxis.hoverformat == "d"


def values_at(fig: go.Figure, name: str, year: int) -> list[float | None]:
    out = []
    for t in data_traces(fig):
        if t.name and t.name.startswith(name) and t.x is not None:
            out += [y for x, y in zip(t.x, t.y) if x == year]
    return out


def event_label_boxes(fig: go.Figure, plot_width: float, char_width: float = 0.55
                      ) -> list[tuple[float, float, float, float]]:
    """(left, right, bottom, top) in pixels of each event label laid out for a plot
    `plot_width` wide: x from the plot's left edge, y upward from the plot's top edge (so a box
    above the plot has bottom > 0), from its text length × font size."""
    from app.charts import theme
    lo, hi = theme.x_span(fig)
    boxes = []
    for a in fig.layout.annotations:
        if a.name != theme.EVENT_LABEL:
            continue
        centre = (theme.as_number(a.ax) - lo) / (hi - lo) * plot_width
        width = theme.label_width(a, char_width)
        size = a.font.size or theme.ANNOTATION_SIZE
        bottom = -a.ay
        boxes.append((centre - width / 2, centre + width / 2, bottom, bottom + size * 1.2 + 2))
    return boxes


def assert_labels_clear(boxes: list[tuple[float, float, float, float]], plot_width: float) -> None:
    """Every label above the plot, inside its width, and no two overlapping."""
    for left, right, bottom, _ in boxes:
        assert bottom > 0, "above the plot, never over the data"
        assert left >= -1 and right <= plot_width + 1, "inside the plot's width"
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            apart = a[1] <= b[0] or b[1] <= a[0] or a[3] <= b[2] or b[3] <= a[2]
            assert apart, f"labels overlap: {a} and {b}"


# --- series drawn together: the hue check of tests/app/charts/test_series_hues.py ---------------

class Series(NamedTuple):
    """One legend entry of a chart: what a reader tells apart from the others."""
    name: str
    color: str
    dash: str
    symbol: str | None  # None when no marker is drawn (monthly lines, bars)


def _trace_color(trace: go.BaseTraceType) -> str | None:
    if trace.type in ("scatter", "scattergl") and "lines" in (trace.mode or "lines") \
            and (trace.line.width is None or trace.line.width > 0):
        return trace.line.color
    color = trace.marker.color if getattr(trace, "marker", None) is not None else None
    return color if isinstance(color, str) else None


def series_drawn_together(fig: go.Figure | dict) -> list[Series]:
    """The series of a figure (or a figure spec as sent to the browser) that share its legend:
    one per legend group, so a line, its provisional continuation, its confidence band and its
    "suppressed" marks count as one series. Figures with no legend (one series, or
    showlegend=False) have none to tell apart."""
    fig = fig if isinstance(fig, go.Figure) else go.Figure(fig)
    if fig.layout.showlegend is False:
        return []
    found: dict[str, Series] = {}
    for trace in fig.data:
        if trace.showlegend is False or not trace.name or trace.type in ("choropleth",
                                                                          "scattergeo"):
            continue
        color = _trace_color(trace)
        if color is None:
            continue
        key = trace.legendgroup or trace.name
        dash = trace.line.dash if trace.type == "scatter" else "bar"
        sizes = trace.marker.size if trace.type == "scatter" else 0
        shown = trace.type == "scatter" and "markers" in (trace.mode or "") and (
            sizes is None or (max(sizes) > 0 if isinstance(sizes, (list, tuple)) else sizes > 0))
        symbol = trace.marker.symbol if shown else None
        if isinstance(symbol, (list, tuple)):
            symbol = str(symbol[0]).removesuffix("-open") if symbol else None
        found.setdefault(key, Series(str(trace.name), color, dash or "solid", symbol))
    return list(found.values())


def hue_problems(fig: go.Figure | dict, where: str) -> list[str]:
    """What breaks the hue rule in one figure: two series less than theme.HUE_DISTINCT apart
    (CIEDE2000) in a viewing condition the chart's size requires (theme.hue_conditions), or,
    in another condition, also drawn with the same dash and marker."""
    from app.charts import theme, vision
    series = series_drawn_together(fig)
    required = theme.hue_conditions(len(series))
    problems = []
    for i, a in enumerate(series):
        for b in series[i + 1:]:
            for condition in vision.CONDITIONS:
                apart = vision.difference(a.color, b.color, condition)
                if apart >= theme.HUE_DISTINCT:
                    continue
                if condition in required:
                    problems.append(f"{where}: {a.name!r} {a.color} and {b.name!r} {b.color} "
                                    f"are ΔE00 {apart:.1f} apart ({condition}, "
                                    f"{len(series)} series)")
                elif a.dash == b.dash and (a.symbol is None or a.symbol == b.symbol):
                    problems.append(f"{where}: {a.name!r} and {b.name!r} look alike "
                                    f"({condition}, ΔE00 {apart:.1f}) and share dash and marker")
    return problems

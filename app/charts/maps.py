"""The state choropleth, drawn from the offline base map (app.charts.geo)."""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from app.charts import theme
from app.charts.common import (add_note, base_layout, exclusion_reason, flag_text,
                               measure_label_of, single_value, state_rows)
from app.charts.geo import geo_layout
from etl.registry import STATE_BY_FIPS, STATES


NO_REPORT_FILL = "#FFFFFF"
"""States with no row (did not report, not in the source): white with a dash, so they never
read as the scale's lightest colour."""
MARK_COLOR = "#222222"


def _missing_kinds(data: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The states without a value, by why: suppressed small counts, excluded by a publisher's
    rule (SUDORS toxicology), and a rate withheld for another reason (WONDER: too few deaths)."""
    blank = data[data["value"].isna()]
    reasons = blank["note"].map(exclusion_reason) if "note" in blank else pd.Series("", blank.index)
    return {"suppressed": blank[blank["suppressed"]],
            "excluded": blank[~blank["suppressed"] & (reasons != "")],
            "withheld": blank[~blank["suppressed"] & (reasons == "")]}


def _grey(fig: go.Figure, rows: pd.DataFrame, name: str, fill: str, hover: str) -> None:
    fig.add_trace(go.Choropleth(
        locationmode="USA-states", locations=rows["abbr"], z=[0] * len(rows),
        colorscale=[[0, fill], [1, fill]], showscale=False,
        marker=dict(line=dict(color="rgba(128,128,128,0.9)", width=0.8)),
        customdata=rows[["name", "flags"]].to_numpy(), name=name,
        hovertemplate=f"<b>%{{customdata[0]}}</b><br>{hover}%{{customdata[1]}}<extra></extra>"))


def _marks(fig: go.Figure, abbrs: Sequence[str], name: str, **marker: object) -> None:
    """A mark at each state's centre (Plotly's state centroids): a map's second channel, so a
    reason reads without telling two greys apart."""
    fig.add_trace(go.Scattergeo(locationmode="USA-states", locations=list(abbrs), mode="markers",
                                marker=marker, name=name, showlegend=False, hoverinfo="skip"))


def state_map(df: pd.DataFrame, year: int | None = None, *, title: str | None = None,
              measure_label: str | None = None, unit: str | None = None,
              zmin: float | None = None, zmax: float | None = None,
              colorscale: Sequence[Sequence[object]] | None = None,
              height: int | None = None, absent_label: str = "no row published") -> go.Figure:
    """Choropleth of one value per state (50 + DC). States without a value look different for
    each reason, each with its own line under the map: grey (suppressed small count), grey with
    a white dot (rate withheld as unreliable), grey with × (excluded by the publisher's rule,
    which it names), white with a dash (no row: `absent_label`, e.g. did not report); a white
    dot on a coloured state marks an unreliable estimate. The colour bar lies under the map, so
    it stays beside it at any width. Needs the offline base map (geo.plotly_config) when drawn."""
    data = state_rows(df, year, "state_map")
    unit = unit or single_value(data, "unit", "state_map") or ""
    measure = single_value(data, "measure", "state_map")
    measure_label = measure_label_of(data, measure_label, "state_map")
    fmt = theme.d3_format(measure, unit)
    data = data.assign(abbr=data["geo_fips"].map(lambda f: STATE_BY_FIPS[f].abbr),
                       name=data["geo_fips"].map(lambda f: STATE_BY_FIPS[f].name))
    data["flags"] = [flag_text(r) for r in data.to_dict("records")]
    valued = data[data["value"].notna()]
    missing = _missing_kinds(data)
    absent = [s for s in STATES if s.fips not in set(data["geo_fips"])]
    fig = go.Figure()
    base_layout(fig, title, height or 560)
    fig.add_trace(go.Choropleth(
        locationmode="USA-states", locations=valued["abbr"], z=valued["value"],
        colorscale=colorscale or theme.SEQUENTIAL_SCALE, zmin=zmin if zmin is not None else 0,
        zmax=zmax, marker=dict(line=dict(color="rgba(128,128,128,0.9)", width=0.8)),
        colorbar=dict(title=dict(text=unit, side="top"), orientation="h", x=0.5,
                      xanchor="center", y=0, yanchor="top", len=0.5, thickness=14,
                      tickformat=",~f"),
        customdata=valued[["name", "flags"]].to_numpy(), name=measure_label or "value",
        hovertemplate=(f"<b>%{{customdata[0]}}</b><br>%{{z:{fmt}}} {unit}%{{customdata[1]}}"
                       "<extra></extra>")))
    notes = []
    if len(missing["suppressed"]):
        _grey(fig, missing["suppressed"], "suppressed", theme.MISSING_GREY, "no value shown")
        notes.append(f"Grey: suppressed by the publisher (small count), not zero — "
                     f"{len(missing['suppressed'])} {_states(len(missing['suppressed']))}.")
    if len(missing["withheld"]):
        _grey(fig, missing["withheld"], "withheld", theme.MISSING_GREY, "rate not published")
        _marks(fig, missing["withheld"]["abbr"], "withheld mark", symbol="circle", size=9,
               color="white", line=dict(width=2, color=MARK_COLOR))
        notes.append(f"Grey with a white dot: rate withheld by the publisher as unreliable (too "
                     f"few deaths) — {len(missing['withheld'])} "
                     f"{_states(len(missing['withheld']))}.")
    if len(missing["excluded"]):
        _grey(fig, missing["excluded"], "excluded", theme.MISSING_GREY,
              "excluded by the publisher")
        _marks(fig, missing["excluded"]["abbr"], "excluded mark", symbol="x-thin", size=10,
               line=dict(width=2.5, color=MARK_COLOR))
        reason = exclusion_reason(missing["excluded"]["note"].iloc[0])
        notes.append("Grey with ×: excluded by the publisher, not a small count"
                     + (f" ({reason})" if reason else "") + f" — {len(missing['excluded'])} "
                     f"{_states(len(missing['excluded']))}.")
    if absent:
        fig.add_trace(go.Choropleth(
            locationmode="USA-states", locations=[s.abbr for s in absent], z=[0] * len(absent),
            colorscale=[[0, NO_REPORT_FILL], [1, NO_REPORT_FILL]], showscale=False,
            marker=dict(line=dict(color="rgba(90,90,90,0.9)", width=0.8)),
            customdata=[[s.name] for s in absent], name="no data",
            hovertemplate=f"<b>%{{customdata[0]}}</b><br>{absent_label}<extra></extra>"))
        _marks(fig, [s.abbr for s in absent], "no data mark", symbol="line-ew", size=11,
               line=dict(width=2.5, color=MARK_COLOR))
        notes.append(f"White with a dash: {absent_label} — {len(absent)} "
                     f"{_states(len(absent))}.")
    unreliable = valued[valued["unreliable"]]
    if not unreliable.empty:
        _marks(fig, unreliable["abbr"], "unreliable", symbol="circle", size=10, color="white",
               line=dict(width=2.5, color=MARK_COLOR))
        notes.append(f"White dot on a colour: unreliable estimate (small count) — "
                     f"{len(unreliable)} {_states(len(unreliable))}.")
    # the map fills the plot area above the colour bar; theme fits the title
    fig.update_layout(geo=dict(geo_layout(), domain=dict(x=[0, 1], y=[0.14, 1])),
                      margin=dict(l=0, r=0, t=60, b=10))
    add_note(fig, notes, below_axis=False, shift=64)
    return theme.apply_sizes(fig)


def _states(n: int) -> str:
    return "state" if n == 1 else "states"

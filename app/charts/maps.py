"""The state choropleth, drawn from the offline base map (app.charts.geo)."""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from app.charts import theme
from app.charts.common import (add_note, base_layout, flag_text, measure_label_of, single_value,
                               state_rows, wrap_note)
from app.charts.geo import geo_layout
from etl.registry import STATE_BY_FIPS, STATES


def state_map(df: pd.DataFrame, year: int | None = None, *, title: str | None = None,
              measure_label: str | None = None, unit: str | None = None,
              zmin: float | None = None, zmax: float | None = None,
              colorscale: Sequence[Sequence[object]] | None = None,
              height: int | None = None) -> go.Figure:
    """Choropleth of one value per state (50 + DC). Suppressed states are grey, states with no row
    are blank, unreliable states carry a ring; all three are explained under the map. Needs the
    offline base map (app.charts.geo.plotly_config) when drawn."""
    data = state_rows(df, year, "state_map")
    unit = unit or single_value(data, "unit", "state_map") or ""
    measure = single_value(data, "measure", "state_map")
    measure_label = measure_label_of(data, measure_label, "state_map")
    fmt = theme.d3_format(measure, unit)
    data = data.assign(abbr=data["geo_fips"].map(lambda f: STATE_BY_FIPS[f].abbr),
                       name=data["geo_fips"].map(lambda f: STATE_BY_FIPS[f].name))
    data["flags"] = [flag_text(r) for r in data.to_dict("records")]
    valued = data[data["value"].notna()]
    suppressed = data[data["value"].isna()]
    absent = [s for s in STATES if s.fips not in set(data["geo_fips"])]
    fig = go.Figure()
    base_layout(fig, title, height or 520)
    fig.add_trace(go.Choropleth(
        locationmode="USA-states", locations=valued["abbr"], z=valued["value"],
        colorscale=colorscale or theme.SEQUENTIAL_SCALE, zmin=zmin if zmin is not None else 0,
        zmax=zmax, marker=dict(line=dict(color="rgba(128,128,128,0.9)", width=0.8)),
        colorbar=dict(title=dict(text=wrap_note([unit]).replace(" per ", "<br>per "), side="top"),
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
    fig.update_layout(geo=geo_layout(), margin=dict(l=0, r=0, t=60, b=10))  # theme fits the title
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
    add_note(fig, notes, below_axis=False)
    return theme.apply_sizes(fig)

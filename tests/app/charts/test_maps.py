"""app/charts/maps.py: the state map has every state and DC; each reason a state has no value
looks different and has its own line under the map (suppressed, withheld, excluded by a
publisher's rule, no row), never the scale's lightest colour; the colour bar lies under the map;
two rows for one state are refused."""
from __future__ import annotations


import re

import pandas as pd
import pytest

from app.charts import maps
from etl.registry import STATES
from tests.app.charts.samples import RATE_UNIT, state_rates


def test_state_map_has_all_states_and_marks_suppressed():
    df = state_rates()
    fig = maps.state_map(df, 2020)
    locations = set()
    for t in fig.data:
        if t.type == "choropleth":
            locations |= set(t.locations)
    assert len(locations) == 51 and "DC" in locations
    valued = fig.data[0]
    assert len(valued.locations) == int((~df["suppressed"]).sum())
    grey = [t for t in fig.data if t.name == "suppressed"][0]
    assert set(grey.locations) == {s.abbr for s, hid in zip(STATES, df["suppressed"]) if hid}
    assert fig.layout.geo.scope == "usa"
    assert all(t.locationmode == "USA-states" for t in fig.data)
    assert RATE_UNIT in valued.hovertemplate
    note = " ".join(a.text for a in fig.layout.annotations)
    assert "suppressed" in note and "unreliable" in note


def test_state_map_blank_states_without_rows():
    df = state_rates()
    fig = maps.state_map(df[df["geo_fips"] != "06"], 2020)
    absent = [t for t in fig.data if t.name == "no data"][0]
    assert list(absent.locations) == ["CA"]
    mark = [t for t in fig.data if t.name == "no data mark"][0]
    assert list(mark.locations) == ["CA"] and mark.marker.symbol == "line-ew"


def test_every_reason_for_no_value_has_its_own_look_and_label():
    df = state_rates()
    rule = "detected-drug figures need toxicology for at least 75% of deaths"
    df.loc[df["geo_fips"] == "01", ["value", "note"]] = [float("nan"),
                                                         f"excluded by the publisher: {rule}; x"]
    df.loc[df["geo_fips"] == "02", "value"] = float("nan")  # withheld, not suppressed
    fig = maps.state_map(df[df["geo_fips"] != "06"], 2020,
                         absent_label="did not report to SUDORS that year")
    note = " ".join(a.text for a in fig.layout.annotations).replace("<br>", " ")
    labels = [line.split(":")[0] for line in re.split(r"(?<=states\.)|(?<=state\.)", note)
              if ":" in line]
    assert sorted(label.strip() for label in labels) == sorted([
        "Grey", "Grey with a white dot", "Grey with ×", "White with a dash",
        "White dot on a colour"])
    assert f"Grey with ×: excluded by the publisher, not a small count ({rule}) — 1 state." \
        in note
    assert "White with a dash: did not report to SUDORS that year — 1 state." in note
    marks = {t.name: set(t.locations) for t in fig.data if t.type == "scattergeo"}
    assert marks["excluded mark"] == {"AL"} and marks["withheld mark"] == {"AK"}
    fills = {t.name: t.colorscale[0][1] for t in fig.data
             if t.type == "choropleth" and t.name != fig.data[0].name}
    lightest = fig.data[0].colorscale[0][1]
    assert lightest not in fills.values() and len(set(fills.values())) >= 2


def test_the_colour_bar_lies_under_the_map_at_any_width():
    colorbar = maps.state_map(state_rates(), 2020).data[0].colorbar
    assert colorbar.orientation == "h" and colorbar.xanchor == "center" and colorbar.x == 0.5


def test_state_map_rejects_two_rows_per_state():
    df = pd.concat([state_rates(2019), state_rates(2020)])
    with pytest.raises(ValueError, match="more than one row per state"):
        maps.state_map(df)
    assert len(maps.state_map(df, 2019).data[0].locations) > 0


def test_a_wrapped_title_gets_room_above_the_map():
    short = maps.state_map(state_rates(), title="Rates")
    long = maps.state_map(state_rates(), title="Benzodiazepines: crude death rate per 100,000 "
                                               "population, by state, 2020")
    assert "<br>" in long.layout.title.text
    assert long.layout.margin.t >= short.layout.margin.t + 26  # a title line's room (theme)

"""app/charts/maps.py: the state map has every state and DC, marks suppressed and unreliable
states, leaves states without a row blank, and refuses two rows for one state."""
from __future__ import annotations


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

"""app/charts/lines.py on small synthetic tidy frames: integer year ticks, units in axis titles
and hovers, suppressed values and missing rows as gaps (never 0, never bridged), provisional
values marked, monthly axes, log and index views, events, 95% bands and the share line."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from app.charts import lines, theme
from etl.registry import DRUG_GROUPS
from tests.app.charts.samples import (COUNT_UNIT, SUPPRESSED_YEARS, national_deaths, state_rates,
                                      monthly_deaths, data_traces, assert_integer_year_axis,
                                      values_at)


def test_time_series_integer_year_ticks_and_unit_in_axis_title():
    fig = lines.time_series(national_deaths())
    assert_integer_year_axis(fig)
    assert COUNT_UNIT in fig.layout.yaxis.title.text
    assert fig.layout.xaxis.title.text == "Year"


def test_time_series_suppressed_is_gap_not_zero_and_marked():
    fig = lines.time_series(national_deaths())
    label = DRUG_GROUPS["benzodiazepines_without_any_opioid"].label
    for year in SUPPRESSED_YEARS:
        drawn = values_at(fig, label, year)
        assert drawn, f"{year} should be in the series as a gap"
        assert all(v is None or math.isnan(v) for v in drawn), f"{year} drawn as {drawn}"
        assert 0 not in drawn
    marks = [t for t in fig.data if t.yaxis == "y2"]
    assert len(marks) == 1 and sorted(marks[0].x) == list(SUPPRESSED_YEARS)
    note = " ".join(a.text for a in fig.layout.annotations)
    assert "suppressed" in note and "not zero" in note and "2001" in note


def test_time_series_publisher_exclusion_is_a_gap_named_in_the_note():
    """Rows the publisher did not collect (etl.tidy.EXCLUDED_NOTE, e.g. DOSE-SYS March–August
    2020) are a gap, not suppressed and not zero, and the note names their months."""
    df = monthly_deaths()
    gap = (df["year"] == 2020) & df["month"].between(3, 8)
    df.loc[gap, "value"] = np.nan
    df.loc[gap, "note"] = "excluded by the publisher: no data at the onset of COVID-19"
    fig = lines.time_series(df)
    assert not [t for t in fig.data if t.yaxis == "y2"], "an exclusion is not a suppression"
    drawn = [y for x, y in zip(fig.data[0].x, fig.data[0].y) if str(x).startswith("2020-0")
             and 3 <= int(str(x)[5:7]) <= 8]
    assert drawn and all(v is None or math.isnan(v) for v in drawn)
    note = " ".join(a.text for a in fig.layout.annotations)
    note = note.replace("<br>", " ")
    assert "No data collected by the publisher" in note and "March 2020 – August 2020" in note
    assert "suppressed" not in note


def test_time_series_missing_row_is_a_gap_not_a_bridge():
    df = national_deaths()
    df = df[~((df["drug_group"] == "benzodiazepines") & (df["year"] == 2010))]
    fig = lines.time_series(df[df["drug_group"] == "benzodiazepines"])
    drawn = values_at(fig, "Benzodiazepines", 2010)
    assert drawn and all(v is None or math.isnan(v) for v in drawn)


def test_time_series_provisional_marked():
    fig = lines.time_series(national_deaths())
    provisional = [t for t in fig.data if t.name and t.name.endswith("(provisional)")]
    assert provisional, "provisional points need their own trace"
    for t in provisional:
        assert 2021 in list(t.x)
        assert str(t.marker.symbol).endswith("-open")
    final = [t for t in data_traces(fig) if t.name == "Benzodiazepines"][0]
    assert 2021 not in list(final.x)
    texts = [a.text for a in fig.layout.annotations]
    assert "provisional" in texts
    assert any(s.type == "rect" and s.x0 == 2020.5 for s in fig.layout.shapes)


def test_time_series_hover_has_unit_value_and_period():
    fig = lines.time_series(national_deaths())
    for t in data_traces(fig):
        assert COUNT_UNIT in t.hovertemplate
        assert "%{y:,.0f}" in t.hovertemplate
        assert "%{customdata[0]}" in t.hovertemplate
    periods = [row[0] for row in data_traces(fig)[0].customdata]
    assert "1999" in periods and not any("." in p for p in periods)


def test_time_series_hover_shows_flags():
    df = national_deaths()
    df.loc[(df["drug_group"] == "benzodiazepines") & (df["year"] == 2005), "unreliable"] = True
    fig = lines.time_series(df[df["drug_group"] == "benzodiazepines"])
    trace = [t for t in data_traces(fig) if t.name == "Benzodiazepines"][0]
    flags = dict(zip(trace.x, (row[1] for row in trace.customdata)))
    assert "unreliable" in flags[2005]
    assert flags[2004] == ""


def test_time_series_drug_colours_fixed_and_variants_differ_in_hue():
    three = national_deaths()
    three = three[three["drug_group"] != "any_opioid"]
    fig = lines.time_series(three)
    colours = {t.name: t.line.color for t in data_traces(fig) if t.name}
    dashes = {t.name: t.line.dash for t in data_traces(fig) if t.name}
    with_label = DRUG_GROUPS["benzodiazepines_with_any_opioid"].label
    without_label = DRUG_GROUPS["benzodiazepines_without_any_opioid"].label
    assert colours["Benzodiazepines"] == theme.VERMILLION
    assert colours[with_label] == theme.BLUE, "with an opioid: the opioid's blue"
    assert colours[without_label] == theme.BLUISH_GREEN
    assert dashes["Benzodiazepines"] != dashes[with_label] != dashes[without_label]


def test_a_series_beside_one_of_its_own_colour_takes_another():
    # any opioid and benzodiazepines with any opioid are both blue: drawn together, the second
    # takes the first free palette colour; benzodiazepines keep vermillion.
    fig = lines.time_series(national_deaths())
    colours = [t.line.color for t in data_traces(fig) if t.name and t.showlegend is not False]
    assert len(set(colours)) == len(colours) == 4
    assert theme.VERMILLION in colours


def test_time_series_monthly_axis():
    fig = lines.time_series(monthly_deaths())
    assert fig.layout.xaxis.type == "date"
    assert fig.layout.xaxis.title.text == "Month"
    assert "%b" in fig.layout.xaxis.tickformat


def test_time_series_log_and_index():
    df = national_deaths()
    fig = lines.time_series(df, log_y=True)
    assert fig.layout.yaxis.type == "log"
    fig = lines.time_series(df[df["drug_group"] == "benzodiazepines"], index_base_year=2010)
    trace = [t for t in data_traces(fig) if t.name == "Benzodiazepines"][0]
    assert dict(zip(trace.x, trace.y))[2010] == pytest.approx(100)
    assert "2010 = 100" in fig.layout.yaxis.title.text


def test_time_series_index_drops_series_without_base_and_says_so():
    fig = lines.time_series(national_deaths(), index_base_year=2001)
    names = {t.name for t in data_traces(fig)}
    assert DRUG_GROUPS["benzodiazepines_without_any_opioid"].label not in names
    assert any("Not indexed" in a.text for a in fig.layout.annotations)


def test_time_series_events_toggle():
    df = national_deaths()
    with_events = lines.time_series(df, events=[{"year": 2016, "label": "Guideline"},
                                                (2020, "Pandemic")])
    labels = [a.text for a in with_events.layout.annotations]
    assert "Guideline" in labels and "Pandemic" in labels
    assert any(s.type == "line" and s.x0 == 2016 for s in with_events.layout.shapes)
    without = lines.time_series(df, events=[])
    assert not any(s.type == "line" for s in without.layout.shapes)


def test_time_series_confidence_band():
    df = national_deaths()
    one = df[df["drug_group"] == "benzodiazepines"].assign(
        lower=lambda d: d["value"] * 0.9, upper=lambda d: d["value"] * 1.1)
    fig = lines.time_series(one, band_columns=("lower", "upper"))
    filled = [t for t in fig.data if t.fill == "tonexty"]
    assert len(filled) == 1


def test_time_series_rejects_mixed_units():
    df = pd.concat([national_deaths(), state_rates()])
    with pytest.raises(ValueError, match="more than one unit"):
        lines.time_series(df)


def test_with_confidence_band_joins_bounds():
    base = state_rates()
    df = pd.concat([base, base.assign(measure="rate_lower_95", value=base["value"] - 0.5),
                    base.assign(measure="rate_upper_95", value=base["value"] + 0.5)])
    out = lines.with_confidence_band(df, value_measure="crude_rate")
    assert len(out) == len(base)
    valued = out[out["value"].notna()]
    assert (valued["upper"] - valued["lower"]).round(6).eq(1.0).all()


def test_share_line_values_from_data_and_highlight():
    df = national_deaths()
    fig = lines.share_line(df, highlight_year=2020)
    expected = (700 + 21 * 50) / (8000 + 21 * 50) * 100
    notes = [a.text for a in fig.layout.annotations]
    assert any(f"2020: {expected:.1f}%" in n for n in notes)
    assert "percent of any opioid deaths" in fig.layout.yaxis.title.text.replace("<br>", " ")
    assert_integer_year_axis(fig)
    data = lines.share_data(df, "benzodiazepines_with_any_opioid", "any_opioid")
    assert bool(data.loc[data["year"] == 2021, "provisional"].iloc[0])

"""app/charts/many_series.py on a synthetic frame of 20 state series: highlighted lines in colour
over the rest in light grey (one legend entry for all of them, drawn behind, inside the axes even
with events), and small multiples on one y axis with integer year ticks, gaps for suppressed
values, one panel per series asked for."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from app.charts import many_series, theme
from etl.registry import STATES
from etl.tidy import tidy_frame, validate_tidy
from tests.app.charts.samples import RATE_UNIT, assert_integer_year_axis


def state_series(n: int = 20) -> pd.DataFrame:
    """Rates 2010–2020 for `n` states; state i rises by i/10 a year; the first state peaks at 50
    in 2011 (above every other value); the third has 2015 suppressed."""
    rows = []
    for i, s in enumerate(STATES[:n]):
        for year in range(2010, 2021):
            value = 1 + i + (year - 2010) * i / 10
            if i == 0 and year == 2011:
                value = 50.0
            suppressed = i == 2 and year == 2015
            rows.append(dict(geo_fips=s.fips, geo_name=s.name, year=year, suppressed=suppressed,
                             value=np.nan if suppressed else value))
    return validate_tidy(tidy_frame(
        pd.DataFrame(rows), source_id="wonder", source_file="w.txt", definition="mcd_overdose",
        measure="crude_rate", unit=RATE_UNIT, drug_group="benzodiazepines", geo_level="state",
        period_type="year"))


def test_highlighted_in_colour_the_rest_grey_behind_with_one_legend_entry():
    df = state_series()
    chosen = ["Colorado", "Alaska"]
    fig = many_series.highlight_lines(df, "geo_name", chosen, title="Rates",
                                      context_label="states")
    grey = [t for t in fig.data if t.line.color == many_series.CONTEXT_COLOR]
    assert len(grey) == 18
    assert [t.showlegend for t in grey].count(True) == 1
    assert next(t for t in grey if t.showlegend).name == "Other 18 states"
    coloured = [t.name for t in fig.data if t.line.color != many_series.CONTEXT_COLOR
                and t.yaxis in (None, "y")]
    assert coloured == chosen, "highlighted in the order chosen"
    first_colour = fig.data.index(next(t for t in fig.data if t.name == "Colorado"))
    assert all(fig.data.index(t) < first_colour for t in grey), "grey is drawn behind"
    assert [t.line.color for t in fig.data if t.name in chosen] == theme.PALETTE[:2]
    assert all("<b>" in t.hovertemplate and RATE_UNIT in t.hovertemplate for t in grey)
    assert_integer_year_axis(fig)
    assert "deaths per 100,000 population" in fig.layout.yaxis.title.text.replace("<br>", " ")


def test_grey_lines_keep_their_gaps_and_the_axes_hold_them_all():
    df = state_series()
    fig = many_series.highlight_lines(df, "geo_name", ["Colorado"],
                                      events=[{"year": 2016, "label": "An event"}])
    arizona = next(t for t in fig.data if t.name == "Arizona")  # the third state, 2015 hidden
    drawn = dict(zip(arizona.x, arizona.y))
    assert math.isnan(drawn[2015]), "a suppressed value is a gap, not 0"
    assert fig.layout.yaxis.range[1] > 50, "the grey peak (Alabama, 50 in 2011) fits under events"
    assert fig.layout.xaxis.range == (2009.5, 2020.5)


def test_the_legend_title_says_why_these_are_in_colour():
    fig = many_series.highlight_lines(state_series(), "geo_name", ["Alaska"],
                                      legend_title="Highest in 2020:")
    assert fig.layout.legend.title.text == "Highest in 2020:"


def test_with_nothing_highlighted_every_series_is_grey():
    fig = many_series.highlight_lines(state_series(5), "geo_name", [])
    assert len(fig.data) == 5 and {t.line.color for t in fig.data} == {many_series.CONTEXT_COLOR}


def test_a_second_legend_row_gets_room_above_the_plot():
    df = state_series()
    short = many_series.highlight_lines(df, "geo_name", ["Alaska"], title="Rates")
    long = many_series.highlight_lines(df, "geo_name", [s.name for s in STATES[:8]],
                                       title="Rates")
    assert long.layout.margin.t > short.layout.margin.t


def test_small_multiples_one_panel_each_on_one_scale_with_integer_years():
    df = state_series()
    order = [s.name for s in STATES[:10]]
    fig = many_series.small_multiples(df, "geo_name", order, title="Rates", columns=4)
    assert len(fig.data) == 10
    assert [t.name for t in fig.data] == order
    titles = [a.text for a in fig.layout.annotations if a.text in order]
    assert titles == order
    yaxes = [fig.layout[k] for k in fig.layout if k.startswith("yaxis")]
    assert {tuple(y.range) for y in yaxes} == {(0, 50 * 1.08)}, "one shared scale from 0"
    xaxes = [fig.layout[k] for k in fig.layout if k.startswith("xaxis")]
    assert len(xaxes) == 12  # three rows of four (two panels empty)
    for axis in xaxes:
        assert axis.tickformat == "d" and float(axis.dtick).is_integer()
    assert fig.layout.height == 3 * many_series.FACET_HEIGHT + 170
    arizona = next(t for t in fig.data if t.name == "Arizona")
    assert math.isnan(dict(zip(arizona.x, arizona.y))[2015])
    assert "not zero (1 values)" in " ".join(a.text for a in fig.layout.annotations).replace(
        "<br>", " ")


def test_small_multiples_takes_only_the_series_asked_for_and_refuses_none():
    fig = many_series.small_multiples(state_series(), "geo_name", ["Alaska", "Nowhere"])
    assert [t.name for t in fig.data] == ["Alaska"]
    with pytest.raises(ValueError, match="no rows"):
        many_series.small_multiples(state_series(), "geo_name", ["Nowhere"])


@pytest.mark.parametrize(("span", "dtick"), [(3, 1), (6, 2), (10, 5), (24, 5), (30, 10)])
def test_panel_year_ticks(span, dtick):
    assert many_series._facet_dtick(span) == dtick

"""app/charts/bars.py on small synthetic tidy frames: stacked counts and shares (suppressed
parts are gaps, provisional years hatched), rankings that list suppressed states instead of
drawing 0 and mark unreliable ones, bars by category with a suppressed category labelled."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from app.charts import bars
from tests.app.charts.samples import (COUNT_UNIT, RATE_UNIT, SUPPRESSED_YEARS, national_deaths,
                                      state_rates, age_counts, assert_integer_year_axis)


def test_stacked_share_counts_and_shares():
    df = national_deaths()
    fig = bars.stacked_share(df)
    assert fig.layout.barmode == "stack"
    assert_integer_year_axis(fig)
    assert COUNT_UNIT in fig.layout.yaxis.title.text
    shares = bars.stacked_share(df, as_share=True)
    assert "percent" in shares.layout.yaxis.title.text
    data = bars.stacked_share_data(df, ("benzodiazepines_with_any_opioid",
                                        "benzodiazepines_without_any_opioid"), as_share=True)
    year = data[data["year"] == 2010]
    assert year["share"].sum() == pytest.approx(100)
    assert data.loc[data["year"].isin(SUPPRESSED_YEARS), "share"].isna().all()


def test_stacked_share_suppressed_not_zero_and_provisional_hatched():
    fig = bars.stacked_share(national_deaths())
    without = [t for t in fig.data if "without" in t.name][0]
    drawn = dict(zip(without.x, without.y))
    for year in SUPPRESSED_YEARS:
        assert drawn[year] is None or math.isnan(drawn[year])
    shapes = dict(zip(without.x, without.marker.pattern.shape))
    assert shapes[2021] == "/" and shapes[2020] == ""
    assert all(COUNT_UNIT in t.hovertemplate for t in fig.data)


def test_ranked_bar_lists_suppressed_states_not_as_zero():
    df = state_rates()
    fig = bars.ranked_bar(df)
    trace = fig.data[0]
    hidden = df.loc[df["suppressed"], "geo_name"].tolist()
    assert not set(hidden) & set(trace.y)
    assert 0 not in list(trace.x)
    note = " ".join(a.text for a in fig.layout.annotations)
    assert all(name in note.replace("<br>", " ") for name in hidden)
    assert list(trace.x) == sorted(trace.x, reverse=True)
    title = fig.layout.xaxis.title.text
    assert title == "Crude death rate (deaths per 100,000 population)", "crude said once"
    assert RATE_UNIT in trace.hovertemplate


def test_ranked_bar_marks_unreliable():
    df = state_rates()
    fig = bars.ranked_bar(df)
    trace = fig.data[0]
    flagged = set(df.loc[df["unreliable"], "geo_name"])
    for name, shape, text in zip(trace.y, trace.marker.pattern.shape, trace.text):
        assert (shape == "/") == (name in flagged)
        assert text.endswith("†") == (name in flagged)


def test_category_bar_suppressed_category_labelled_not_zero():
    fig = bars.category_bar(age_counts(), "age_group")
    trace = fig.data[0]
    drawn = dict(zip(trace.y, trace.x))
    assert "45-54" in drawn and (drawn["45-54"] is None or math.isnan(drawn["45-54"]))
    assert "suppressed (1–9)" in list(trace.text)
    assert any("suppressed (1–9)" in a.text for a in fig.layout.annotations)
    assert COUNT_UNIT in fig.layout.xaxis.title.text
    assert list(fig.layout.yaxis.categoryarray)[:2] == ["15-24", "25-34"]


def test_category_bar_grouped_by_sex():
    base = age_counts()
    df = pd.concat([base.assign(sex="female"), base.assign(sex="male")])
    fig = bars.category_bar(df, "age_group", color_by="sex", orientation="v")
    assert {t.name for t in fig.data} == {"Female", "Male"}
    assert COUNT_UNIT in fig.layout.yaxis.title.text


def test_ranked_bar_names_a_publisher_exclusion_apart_from_small_counts():
    """SUDORS hides every detected-drug cell of a jurisdiction-year whose toxicology covers fewer
    than 75% of deaths: not a small count, and the note says so with the publisher's reason."""
    df = state_rates()
    rule = "detected-drug figures need toxicology for at least 75% of deaths (CDC SUDORS rule)"
    excluded = df.index[:2]
    df.loc[excluded, "value"] = float("nan")
    df.loc[excluded, "suppressed"] = False
    df.loc[excluded, "note"] = f"excluded by the publisher: {rule}; detected on toxicology"
    fig = bars.ranked_bar(df)
    note = " ".join(a.text for a in fig.layout.annotations).replace("<br>", " ")
    names = sorted(df.loc[excluded, "geo_name"])
    assert f"excluded by the publisher, not a small count (2): {', '.join(names)}. Why: {rule}." \
        in note
    small = df.loc[df["suppressed"], "geo_name"]
    assert f"suppressed by the publisher (small count) or not published ({len(small)})" in note
    assert not set(names) & set(small)


def test_ranked_bar_makes_room_for_a_wrapped_title_above_its_top_axis():
    short = bars.ranked_bar(state_rates(), title="Rates")
    long = bars.ranked_bar(state_rates(), title="Benzodiazepines: crude death rate per 100,000 "
                                                "population, by state, 2020")
    assert "<br>" in long.layout.title.text
    assert long.layout.margin.t == short.layout.margin.t + 26

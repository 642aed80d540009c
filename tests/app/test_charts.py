"""Chart builders (app/charts.py) and theme (app/theme.py), on small synthetic tidy frames: integer
year ticks, units in axis titles and hovers, suppressed values never drawn as 0, provisional values
marked, 50 states + DC on the map, a summary sentence that names the latest year and value."""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from app import charts, geo, theme
from etl.registry import DRUG_GROUPS, STATES
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


def fig_json(fig: go.Figure) -> dict:
    return json.loads(fig.to_json())


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


# --- time_series -----------------------------------------------------------------------------

def test_time_series_integer_year_ticks_and_unit_in_axis_title():
    fig = charts.time_series(national_deaths())
    assert_integer_year_axis(fig)
    assert COUNT_UNIT in fig.layout.yaxis.title.text
    assert fig.layout.xaxis.title.text == "Year"


def test_time_series_suppressed_is_gap_not_zero_and_marked():
    fig = charts.time_series(national_deaths())
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
    fig = charts.time_series(df)
    assert not [t for t in fig.data if t.yaxis == "y2"], "an exclusion is not a suppression"
    drawn = [y for x, y in zip(fig.data[0].x, fig.data[0].y) if str(x).startswith("2020-0")
             and 3 <= int(str(x)[5:7]) <= 8]
    assert drawn and all(v is None or math.isnan(v) for v in drawn)
    note = " ".join(a.text for a in fig.layout.annotations)
    assert "No data collected by the publisher" in note and "March 2020 – August 2020" in note
    assert "suppressed" not in note


def test_time_series_missing_row_is_a_gap_not_a_bridge():
    df = national_deaths()
    df = df[~((df["drug_group"] == "benzodiazepines") & (df["year"] == 2010))]
    fig = charts.time_series(df[df["drug_group"] == "benzodiazepines"])
    drawn = values_at(fig, "Benzodiazepines", 2010)
    assert drawn and all(v is None or math.isnan(v) for v in drawn)


def test_time_series_provisional_marked():
    fig = charts.time_series(national_deaths())
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
    fig = charts.time_series(national_deaths())
    for t in data_traces(fig):
        assert COUNT_UNIT in t.hovertemplate
        assert "%{y:,.0f}" in t.hovertemplate
        assert "%{customdata[0]}" in t.hovertemplate
    periods = [row[0] for row in data_traces(fig)[0].customdata]
    assert "1999" in periods and not any("." in p for p in periods)


def test_time_series_hover_shows_flags():
    df = national_deaths()
    df.loc[(df["drug_group"] == "benzodiazepines") & (df["year"] == 2005), "unreliable"] = True
    fig = charts.time_series(df[df["drug_group"] == "benzodiazepines"])
    trace = [t for t in data_traces(fig) if t.name == "Benzodiazepines"][0]
    flags = dict(zip(trace.x, (row[1] for row in trace.customdata)))
    assert "unreliable" in flags[2005]
    assert flags[2004] == ""


def test_time_series_drug_colours_fixed_and_variants_related():
    fig = charts.time_series(national_deaths())
    colours = {t.name: t.line.color for t in data_traces(fig) if t.name}
    assert colours["Benzodiazepines"] == theme.VERMILLION
    assert colours[DRUG_GROUPS["benzodiazepines_with_any_opioid"].label] == theme.VERMILLION
    dashes = {t.name: t.line.dash for t in data_traces(fig) if t.name}
    assert dashes["Benzodiazepines"] != dashes[DRUG_GROUPS["benzodiazepines_with_any_opioid"].label]


def test_time_series_monthly_axis():
    fig = charts.time_series(monthly_deaths())
    assert fig.layout.xaxis.type == "date"
    assert fig.layout.xaxis.title.text == "Month"
    assert "%b" in fig.layout.xaxis.tickformat


def test_time_series_log_and_index():
    df = national_deaths()
    fig = charts.time_series(df, log_y=True)
    assert fig.layout.yaxis.type == "log"
    fig = charts.time_series(df[df["drug_group"] == "benzodiazepines"], index_base_year=2010)
    trace = [t for t in data_traces(fig) if t.name == "Benzodiazepines"][0]
    assert dict(zip(trace.x, trace.y))[2010] == pytest.approx(100)
    assert "2010 = 100" in fig.layout.yaxis.title.text


def test_time_series_index_drops_series_without_base_and_says_so():
    fig = charts.time_series(national_deaths(), index_base_year=2001)
    names = {t.name for t in data_traces(fig)}
    assert DRUG_GROUPS["benzodiazepines_without_any_opioid"].label not in names
    assert any("Not indexed" in a.text for a in fig.layout.annotations)


def test_time_series_events_toggle():
    df = national_deaths()
    with_events = charts.time_series(df, events=[{"year": 2016, "label": "Guideline"},
                                                 (2020, "Pandemic")])
    labels = [a.text for a in with_events.layout.annotations]
    assert "Guideline" in labels and "Pandemic" in labels
    assert any(s.type == "line" and s.x0 == 2016 for s in with_events.layout.shapes)
    without = charts.time_series(df, events=[])
    assert not any(s.type == "line" for s in without.layout.shapes)


def test_time_series_confidence_band():
    df = national_deaths()
    one = df[df["drug_group"] == "benzodiazepines"].assign(
        lower=lambda d: d["value"] * 0.9, upper=lambda d: d["value"] * 1.1)
    fig = charts.time_series(one, band_columns=("lower", "upper"))
    filled = [t for t in fig.data if t.fill == "tonexty"]
    assert len(filled) == 1


def test_time_series_rejects_mixed_units():
    df = pd.concat([national_deaths(), state_rates()])
    with pytest.raises(ValueError, match="more than one unit"):
        charts.time_series(df)


def test_with_confidence_band_joins_bounds():
    base = state_rates()
    df = pd.concat([base, base.assign(measure="rate_lower_95", value=base["value"] - 0.5),
                    base.assign(measure="rate_upper_95", value=base["value"] + 0.5)])
    out = charts.with_confidence_band(df, value_measure="crude_rate")
    assert len(out) == len(base)
    valued = out[out["value"].notna()]
    assert (valued["upper"] - valued["lower"]).round(6).eq(1.0).all()


# --- with / without opioid -------------------------------------------------------------------

def test_stacked_share_counts_and_shares():
    df = national_deaths()
    fig = charts.stacked_share(df)
    assert fig.layout.barmode == "stack"
    assert_integer_year_axis(fig)
    assert COUNT_UNIT in fig.layout.yaxis.title.text
    shares = charts.stacked_share(df, as_share=True)
    assert "percent" in shares.layout.yaxis.title.text
    data = charts.stacked_share_data(df, ("benzodiazepines_with_any_opioid",
                                          "benzodiazepines_without_any_opioid"), as_share=True)
    year = data[data["year"] == 2010]
    assert year["share"].sum() == pytest.approx(100)
    assert data.loc[data["year"].isin(SUPPRESSED_YEARS), "share"].isna().all()


def test_stacked_share_suppressed_not_zero_and_provisional_hatched():
    fig = charts.stacked_share(national_deaths())
    without = [t for t in fig.data if "without" in t.name][0]
    drawn = dict(zip(without.x, without.y))
    for year in SUPPRESSED_YEARS:
        assert drawn[year] is None or math.isnan(drawn[year])
    shapes = dict(zip(without.x, without.marker.pattern.shape))
    assert shapes[2021] == "/" and shapes[2020] == ""
    assert all(COUNT_UNIT in t.hovertemplate for t in fig.data)


def test_share_line_values_from_data_and_highlight():
    df = national_deaths()
    fig = charts.share_line(df, highlight_year=2020)
    expected = (700 + 21 * 50) / (8000 + 21 * 50) * 100
    notes = [a.text for a in fig.layout.annotations]
    assert any(f"2020: {expected:.1f}%" in n for n in notes)
    assert "percent of any opioid deaths" in fig.layout.yaxis.title.text
    assert_integer_year_axis(fig)
    data = charts.share_data(df, "benzodiazepines_with_any_opioid", "any_opioid")
    assert bool(data.loc[data["year"] == 2021, "provisional"].iloc[0])


# --- states ----------------------------------------------------------------------------------

def test_ranked_bar_lists_suppressed_states_not_as_zero():
    df = state_rates()
    fig = charts.ranked_bar(df)
    bars = fig.data[0]
    hidden = df.loc[df["suppressed"], "geo_name"].tolist()
    assert not set(hidden) & set(bars.y)
    assert 0 not in list(bars.x)
    note = " ".join(a.text for a in fig.layout.annotations)
    assert all(name in note.replace("<br>", " ") for name in hidden)
    assert list(bars.x) == sorted(bars.x, reverse=True)
    assert RATE_UNIT in fig.layout.xaxis.title.text and RATE_UNIT in bars.hovertemplate


def test_ranked_bar_marks_unreliable():
    df = state_rates()
    fig = charts.ranked_bar(df)
    bars = fig.data[0]
    flagged = set(df.loc[df["unreliable"], "geo_name"])
    for name, shape, text in zip(bars.y, bars.marker.pattern.shape, bars.text):
        assert (shape == "/") == (name in flagged)
        assert text.endswith("†") == (name in flagged)


def test_state_map_has_all_states_and_marks_suppressed():
    df = state_rates()
    fig = charts.state_map(df, 2020)
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
    fig = charts.state_map(df[df["geo_fips"] != "06"], 2020)
    absent = [t for t in fig.data if t.name == "no data"][0]
    assert list(absent.locations) == ["CA"]


def test_state_map_rejects_two_rows_per_state():
    df = pd.concat([state_rates(2019), state_rates(2020)])
    with pytest.raises(ValueError, match="more than one row per state"):
        charts.state_map(df)
    assert len(charts.state_map(df, 2019).data[0].locations) > 0


# --- categories ------------------------------------------------------------------------------

def test_category_bar_suppressed_category_labelled_not_zero():
    fig = charts.category_bar(age_counts(), "age_group")
    bars = fig.data[0]
    drawn = dict(zip(bars.y, bars.x))
    assert "45-54" in drawn and (drawn["45-54"] is None or math.isnan(drawn["45-54"]))
    assert "suppressed (1–9)" in list(bars.text)
    assert any("suppressed (1–9)" in a.text for a in fig.layout.annotations)
    assert COUNT_UNIT in fig.layout.xaxis.title.text
    assert list(fig.layout.yaxis.categoryarray)[:2] == ["15-24", "25-34"]


def test_category_bar_grouped_by_sex():
    base = age_counts()
    df = pd.concat([base.assign(sex="female"), base.assign(sex="male")])
    fig = charts.category_bar(df, "age_group", color_by="sex", orientation="v")
    assert {t.name for t in fig.data} == {"Female", "Male"}
    assert COUNT_UNIT in fig.layout.yaxis.title.text


# --- summary and table -----------------------------------------------------------------------

def test_chart_summary_mentions_latest_year_and_value():
    df = national_deaths()
    text = charts.chart_summary(df[df["drug_group"] == "benzodiazepines"])
    latest = 1000 + 22 * 50
    assert "2021" in text and f"{latest:,}" in text and "provisional" in text
    assert "1999" in text


def test_chart_summary_counts_suppressed_and_states():
    text = charts.chart_summary(state_rates())
    assert "In 2020" in text and "suppressed" in text and "not zero" in text
    monthly = charts.chart_summary(monthly_deaths())
    assert "December 2021" in monthly


def test_display_table_readable_and_exact_rows():
    df = national_deaths()
    table = charts.display_table(df)
    assert len(table) == len(df)
    assert "Drug group" in table.columns and "Unit" in table.columns
    assert "Benzodiazepines" in set(table["Drug group"])
    assert "Sex" not in table.columns  # all "all": left out


# --- theme and map assets --------------------------------------------------------------------

def test_every_registered_drug_group_has_a_style():
    for group in DRUG_GROUPS:
        style = theme.drug_style(group)
        assert style.color.startswith("#")
    variant = theme.drug_style("cocaine_with_any_opioid")
    assert variant.color == theme.drug_style("cocaine").color


def test_template_registered_and_charts_on_a_white_card_with_dark_text():
    """Charts keep their own white background and dark text in both app themes (the text passes
    WCAG AA only on one background, and the app cannot follow a reader's theme switch)."""
    import plotly.io as pio
    assert theme.TEMPLATE_NAME in pio.templates
    layout = pio.templates[theme.TEMPLATE_NAME].layout
    assert layout.paper_bgcolor == theme.CHART_BACKGROUND == "#FFFFFF"
    assert layout.font.size >= 16
    assert theme.contrast_ratio(theme.CHART_TEXT, theme.CHART_BACKGROUND) >= 4.5
    assert theme.contrast_ratio(theme.CHART_MUTED_TEXT, theme.CHART_BACKGROUND) >= 4.5
    for fig in (charts.time_series(national_deaths()), charts.state_map(state_rates()),
                charts.ranked_bar(state_rates())):
        assert fig.layout.font.size >= 16
        assert fig.layout.paper_bgcolor == fig.layout.plot_bgcolor == theme.CHART_BACKGROUND
        assert fig.layout.font.color == theme.CHART_TEXT
    assert charts.time_series(national_deaths()).layout.xaxis.tickfont.size >= 14


def test_number_formats():
    assert theme.format_value(12499, "deaths") == "12,499"
    assert theme.format_value(3.84, "crude_rate") == "3.8"
    assert theme.format_value(14.24, "percent") == "14.2%"
    assert theme.format_value(float("nan"), "deaths") == "not available"


def test_offline_base_map_shipped_with_states():
    path = geo.topojson_path()
    assert path.is_file() and path.name == "usa_110m.json"
    topo = json.loads(path.read_text())
    ids = {g["id"] for g in topo["objects"]["subunits"]["geometries"]}
    assert {s.abbr for s in STATES} <= ids
    config = geo.plotly_config()
    assert config["topojsonURL"].endswith("/")
    assert not config["topojsonURL"].startswith("http")


def test_a_long_title_is_wrapped_for_a_narrow_screen_and_a_short_one_is_kept():
    long = "NONFATAL benzodiazepine overdoses by age and sex, 2023 (not deaths)"
    lines = charts.wrap_title(long).split("<br>")
    assert len(lines) == 2 and all(len(line) <= charts.TITLE_WIDTH for line in lines)
    assert " ".join(lines) == long, "no word is lost or split"
    assert charts.wrap_title("Deaths by sex") == "Deaths by sex"
    assert charts.wrap_title(None) == ""
    from app import export
    figure = go.Figure(layout=dict(title=dict(text=charts.wrap_title(long))))
    assert export.plain_text(figure.layout.title.text) == long, "exports re-wrap the plain title"

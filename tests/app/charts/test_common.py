"""app/charts/common.py: long chart titles wrap for a 1024-pixel projector with the menu open,
and the export re-wraps the plain title; an event is drawn at its month on a monthly axis, its
label above the plot in rows that do not overlap; the y axis ends on a round tick just above the
data; a long y-axis title wraps to the plot's height."""
from __future__ import annotations


import pandas as pd
import plotly.graph_objects as go
import pytest

from app.charts import bars, common, lines, theme
from tests.app.charts.samples import (assert_labels_clear, event_label_boxes, monthly_deaths,
                                      national_deaths)


def test_a_long_title_is_wrapped_for_a_narrow_screen_and_a_short_one_is_kept():
    long = "NONFATAL benzodiazepine overdoses by age and sex, 2023 (not deaths)"
    lines = common.wrap_title(long).split("<br>")
    assert len(lines) == 2 and all(len(line) <= common.TITLE_WIDTH for line in lines)
    assert " ".join(lines) == long, "no word is lost or split"
    assert common.wrap_title("Deaths by sex") == "Deaths by sex"
    assert common.wrap_title(None) == ""
    from app.export import restyle
    figure = go.Figure(layout=dict(title=dict(text=common.wrap_title(long))))
    assert restyle.plain_text(figure.layout.title.text) == long, "exports re-wrap the plain title"


# --- events at their month, labels above the plot, the y range ---------------------------------

def test_an_event_goes_to_its_month_on_a_monthly_axis_and_its_year_on_a_yearly_one():
    fda = {"year": 2020, "month": 9, "label": "FDA benzo warning"}
    assert common.event_x(fda, monthly=True) == pd.Timestamp("2020-09-01")
    assert common.event_x(fda, monthly=False) == 2020
    year_only = {"year": 2018, "month": None, "label": "Single-race categories"}
    assert common.event_x(year_only, monthly=True) == pd.Timestamp("2018-01-01")
    assert common.event_x({"year": 2018, "month": float("nan")}, True) == pd.Timestamp("2018-01-01")
    assert common.event_x((2016, "Guideline"), monthly=True) == pd.Timestamp("2016-01-01")
    assert common.event_x({"x": "2021-05-17", "label": "A day"}, True) == pd.Timestamp("2021-05-01")
    assert common.event_x({"x": "2021-05-17", "label": "A day"}, False) == 2021


def test_a_monthly_chart_draws_the_fda_warning_at_september_2020_and_leaves_out_later_events():
    fig = lines.time_series(monthly_deaths(), events=[
        {"year": 2020, "month": 9, "label": "FDA benzo warning", "detail": "Boxed warning"},
        {"year": 2022, "month": 11, "label": "After the data"}])
    (line,) = [s for s in fig.layout.shapes if s.name == theme.EVENT_LINE]
    assert pd.Timestamp(line.x0) == pd.Timestamp("2020-09-01")
    (label,) = [a for a in fig.layout.annotations if a.name == theme.EVENT_LABEL]
    assert pd.Timestamp(label.x) == pd.Timestamp("2020-09-01")
    assert label.hovertext.startswith("September 2020: Boxed warning")


def test_event_labels_sit_above_the_plot_in_rows_that_do_not_overlap():
    events = [{"year": y, "label": text} for y, text in [
        (2016, "CDC opioid guideline"), (2016, "FDA: opioids + benzos"), (2017, "Opioid emergency"),
        (2018, "Single-race categories"), (2020, "Illicit benzos rise"),
        (2020, "FDA benzo warning"), (2021, "CDC guideline update")]]
    fig = lines.time_series(national_deaths(), events=events)
    plot_width = theme.EVENTS_WIDTH - theme.Y_LABELS_WIDTH
    boxes = event_label_boxes(fig, plot_width)
    assert len(boxes) == 7 and len({s.x0 for s in fig.layout.shapes
                                    if s.name == theme.EVENT_LINE}) == 5, "one line per year"
    assert_labels_clear(boxes, plot_width)
    assert fig.layout.margin.t >= max(top for *_, top in boxes) + 10, "room for them above"
    assert fig.layout.legend.yref == "container", "the legend above the labels"
    plot_px = fig.layout.height - fig.layout.margin.t - 70
    assert plot_px >= theme.MIN_PLOT_HEIGHT, "the card grows rather than the plot shrinking"
    # wider charts only move the labels further apart (their places are in data units)
    assert_labels_clear(event_label_boxes(fig, theme.HEADER_WIDTH - theme.Y_LABELS_WIDTH),
                        theme.HEADER_WIDTH - theme.Y_LABELS_WIDTH)


def test_the_provisional_label_keeps_its_place_and_event_labels_make_way():
    fig = lines.time_series(national_deaths(), events=[{"year": 2021, "label": "Late event"}])
    edge = next(a for a in fig.layout.annotations if a.name == theme.EDGE_LABEL)
    assert edge.text == "provisional" and edge.yanchor == "bottom"
    plot_width = theme.EVENTS_WIDTH - theme.Y_LABELS_WIDTH
    ((left, right, bottom, _),) = event_label_boxes(fig, plot_width)
    lo, hi = theme.x_span(fig)
    edge_right = (edge.x - lo) / (hi - lo) * plot_width
    edge_left = edge_right - theme.label_width(edge)
    assert right <= edge_left or bottom >= theme.event_row_height(theme.ANNOTATION_SIZE)


@pytest.mark.parametrize("value,top,step", [(12499, 14000, 2000), (94.3, 100, 20),
                                            (4.7, 5, 1), (16.6, 17.5, 2.5), (1.0, 1.2, 0.2),
                                            (19.8, 22.5, 5)])
def test_the_y_axis_ends_on_a_round_tick_just_above_the_data(value, top, step):
    assert common.nice_top(value) == pytest.approx((top, step))
    assert value / top >= 0.8


def test_charts_with_events_use_most_of_the_plot_height():
    events = [{"year": 2016, "label": "Guideline"}, {"year": 2020, "label": "Warning"}]
    df = national_deaths()
    figures = [lines.time_series(df, events=events),
               bars.stacked_share(df, events=events),
               bars.stacked_share(df, as_share=True, events=events),
               lines.share_line(df, numerator="benzodiazepines_with_any_opioid",
                                denominator="any_opioid", events=events),
               lines.time_series(monthly_deaths(), events=events)]
    for fig in figures:
        low, high = fig.layout.yaxis.range
        assert low == 0
        assert common.data_top(fig) / high >= 0.8, (fig.layout.yaxis.title.text, high)


def test_a_long_y_axis_title_is_wrapped_to_the_plot_height_and_not_repeated():
    assert common.axis_title("Age-adjusted rate", "deaths per 100,000 population, age-adjusted") \
        == "Age-adjusted rate (deaths per 100,000 population)"
    df = national_deaths()
    df = df[df["drug_group"] == "benzodiazepines"].assign(measure="percent")
    fig = lines.time_series(df, measure_label="Share",
                            unit="percent of benzodiazepine-involved deaths in Connecticut",
                            title="Other drugs found in benzodiazepine-involved deaths, "
                                  "Connecticut", events=[{"year": 2016, "label": "Guideline"}])
    title = fig.layout.yaxis.title.text
    assert "<br>" in title
    plot_px = fig.layout.height - fig.layout.margin.t - 70
    assert max(len(line) for line in title.split("<br>")) * 0.5 * theme.FONT_SIZE <= plot_px

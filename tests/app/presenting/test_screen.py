"""app/presenting/screen.py: a slide's figure for the projector is an enlarged copy of the screen's
height whatever its footnotes, lays the event labels out above the plot for its width (also from
an unpickled figure), and rewraps footnotes and long axis titles."""
from __future__ import annotations

import pickle

import pandas as pd
import pytest

from app.charts import lines, theme
from app.presenting import screen
from tests.app.charts.samples import assert_labels_clear, event_label_boxes


@pytest.mark.parametrize("screen_id", list(screen.SCREENS))
def test_for_screen_enlarges_a_copy(built, screen_id):
    size = screen.SCREENS[screen_id]
    original = built["benzo_trend"].figure
    before = original.to_json()
    out = screen.for_screen(original, size)
    assert original.to_json() == before, "input unchanged"
    assert out.layout.height == size.chart_height
    assert out.layout.title.text == ""
    assert out.layout.font.size == size.font > 16
    assert out.layout.xaxis.tickfont.size == size.tick
    line = next(t for t in out.data if t.name == "Benzodiazepines")
    assert line.line.width == pytest.approx(3 * size.line_scale)
    assert out.layout.font.color == theme.CHART_TEXT, "dark text on the chart's own white card"
    assert out.layout.paper_bgcolor == theme.CHART_BACKGROUND


@pytest.mark.parametrize("chart_id", ["benzo_trend", "with_without_opioids"])
def test_for_screen_lays_event_labels_out_above_the_plot_from_a_cached_figure_too(built,
                                                                               chart_id):
    # The page gets its figure from st.cache_data, unpickled: numbers come back encoded
    # ({"dtype": "f8", "bdata": ...}). The labels must still be laid out for the screen.
    original = built[chart_id].figure
    cached = pickle.loads(pickle.dumps(original))
    assert isinstance(cached.data[0].y, dict), "the encoded form this test is about"
    for size in screen.SCREENS.values():
        fresh, again = screen.for_screen(original, size), screen.for_screen(cached, size)
        assert again.layout.yaxis.range == fresh.layout.yaxis.range == original.layout.yaxis.range
        boxes = event_label_boxes(again, size.chart_width - 110)
        assert boxes, "the slide's events are labelled"
        assert_labels_clear(boxes, size.chart_width - 110)
        assert again.layout.margin.t >= max(top for *_, top in boxes), "room above the plot"
        labels = [a for a in again.layout.annotations if a.name == theme.EVENT_LABEL]
        assert {a.font.size for a in labels} == {size.annotation}


@pytest.mark.parametrize("size", [*screen.SCREENS.values(), screen.SPEAKER],
                         ids=[*screen.SCREENS, "speaker"])
def test_the_legend_rows_counted_are_the_rows_it_takes_in_the_plots_width(built, size):
    """The illicit slide's four entries (65 characters) wrap to two rows at 1280x720 and in the
    speaker view (seen in the browser: the second row sat under an event label) and fit one at
    1920x1080; the synthetic split's two long entries take one row there too."""
    rows = {chart: screen._legend_rows(built[chart].figure, size)
            for chart in ("illicit_benzos", "synthetic_split")}
    expected = {"1280×720": (2, 2), "1920×1080": (1, 1), "speaker view": (2, 2)}[size.label]
    assert (rows["illicit_benzos"], rows["synthetic_split"]) == expected, rows


def test_for_screen_rewraps_footnotes_and_long_axis_titles():
    rows = pd.DataFrame({"year": [2019, 2020, 2021], "value": [1.0, None, 3.0],
                         "suppressed": [False, True, False], "measure": "percent",
                         "unit": "percent of all the overdose deaths in the whole country",
                         "drug_group": "benzodiazepines"})
    fig = lines.time_series(rows, measure_label="Share of deaths that also involved opioids")
    size = screen.SCREENS["720"]
    out = screen.for_screen(fig, size)
    assert "<br>" in out.layout.yaxis.title.text
    note = next(a for a in out.layout.annotations if screen._is_footnote(a))
    assert note.font.size == size.annotation - 1
    longest = max(len(line) for line in note.text.split("<br>"))
    assert longest <= int(size.chart_width / (0.55 * (size.annotation - 1)))
    assert out.layout.height == size.chart_height, "the chart keeps the screen's height"
    assert out.layout.margin.b > 3 * size.font, "the plot makes room under it for the note"


def event_labels(fig):
    return [a for a in fig.layout.annotations
            if a.xref == "x" and a.yref == "paper" and a.yanchor == "top" and not a.showarrow]


def data_top(fig) -> float:
    return max(max(v for v in t.y if v is not None) for t in fig.data if t.y is not None)


def test_speaker_view_size_is_small_and_not_offered_as_a_projector():
    assert screen.SPEAKER.chart_height < min(s.chart_height for s in screen.SCREENS.values())
    assert screen.SPEAKER not in screen.SCREENS.values()

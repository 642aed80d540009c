"""app/presenting/screen.py: a slide's figure for the projector is an enlarged copy of the screen's
height whatever its footnotes, keeps room for event labels (also from an unpickled figure), writes
them across where they fit (and along their lines where not), and rewraps footnotes and long axis
titles."""
from __future__ import annotations

import pickle

import pandas as pd
import pytest

from app.charts import lines, theme
from app.presenting import screen


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
def test_for_screen_makes_room_for_event_labels_from_a_cached_figure_too(built, chart_id):
    # The page gets its figure from st.cache_data, unpickled: numbers come back encoded
    # ({"dtype": "f8", "bdata": ...}). The labels must still get the room above the data.
    original = built[chart_id].figure
    cached = pickle.loads(pickle.dumps(original))
    assert isinstance(cached.data[0].y, dict), "the encoded form this test is about"
    for size in screen.SCREENS.values():
        fresh, again = screen.for_screen(original, size), screen.for_screen(cached, size)
        assert fresh.layout.yaxis.range is not None
        assert again.layout.yaxis.range == fresh.layout.yaxis.range
        assert again.layout.yaxis.range[1] > 1.5 * max(max(t.y) for t in original.data)


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


@pytest.mark.parametrize("screen_id", list(screen.SCREENS))
@pytest.mark.parametrize("chart_id", ["illicit_benzos", "nonfatal_ed"])
def test_few_event_labels_are_written_across_above_the_data(built, chart_id, screen_id):
    size = screen.SCREENS[screen_id]
    out = screen.for_screen(built[chart_id].figure, size)
    labels = event_labels(out)
    assert labels and all(a.textangle == 0 for a in labels), "horizontal, readable"
    rows = {round(a.y, 3) for a in labels}
    assert len(rows) <= screen.MAX_EVENT_ROWS
    lowest = min(a.y for a in labels)
    row_fraction = (1.45 * size.annotation + 4) / (size.chart_height - 36 - 2.8 * size.font)
    top = out.layout.yaxis.range[1]
    # The labels' band (from the top down to the lowest row's bottom) holds no data.
    assert data_top(out) <= top * (lowest - row_fraction) + 1e-9


@pytest.mark.parametrize("screen_id", list(screen.SCREENS))
def test_labels_of_clustered_events_stay_along_their_lines(built, screen_id):
    out = screen.for_screen(built["benzo_trend"].figure, screen.SCREENS[screen_id])
    labels = event_labels(out)
    assert len(labels) > screen.MAX_EVENT_ROWS
    assert all(a.textangle == -90 for a in labels), "seven events in six years: no room across"


def test_labels_written_across_stay_inside_the_plot(built):
    size = screen.SCREENS["720"]
    out = screen.for_screen(built["nonfatal_ed"].figure, size)
    span = screen._x_span(out)
    width = size.chart_width - screen.Y_LABELS_PX
    for label in event_labels(out):
        x_px = (screen._as_number(label.x) - span[0]) / (span[1] - span[0]) * width
        text_px = screen._label_px(label, size.annotation)
        if label.xanchor == "left":
            assert x_px + text_px <= width
        else:
            assert x_px - text_px >= 0


def test_speaker_view_size_is_small_and_not_offered_as_a_projector():
    assert screen.SPEAKER.chart_height < min(s.chart_height for s in screen.SCREENS.values())
    assert screen.SPEAKER not in screen.SCREENS.values()

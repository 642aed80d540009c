"""app/export/restyle.py: the slide copy of a figure (styled, titled, sourced and dated, the
original unchanged), wrapped long titles and sources, event labels laid out again above the
plot, long rankings
cut to their top bars with a note, typed arrays decoded, plain text from Markdown."""
from __future__ import annotations


import plotly.graph_objects as go

from app.charts import bars, lines, theme
from app.export import restyle
from tests.app.charts.samples import assert_labels_clear, event_label_boxes, national_deaths
from tests.app.export.samples import DATE, TITLE, SOURCE, state_rates, trend_figure, ranking_figure


def test_slide_figure_is_a_styled_copy():
    fig = trend_figure()
    before = fig.to_json()
    slide = restyle.slide_figure(fig, TITLE, SOURCE, DATE)
    assert fig.to_json() == before, "the input figure must not change"
    layout = slide.layout
    assert (layout.width, layout.height) == (restyle.SLIDE_WIDTH, restyle.SLIDE_HEIGHT)
    assert layout.paper_bgcolor == "white" and layout.plot_bgcolor == "white"
    assert layout.title.font.size == restyle.TITLE_SIZE
    assert "Benzodiazepine deaths" in layout.title.text
    assert layout.legend.font.size >= 20
    assert all(a.tickfont.size >= 20 for a in (layout.xaxis, layout.yaxis))
    source = [a for a in layout.annotations if a.name == "slide_source"]
    assert len(source) == 1
    assert "&lt;test&gt; &amp; NCHS" in source[0].text, "pseudo-HTML must be escaped"
    assert "Exported 5 March 2026" in source[0].text
    # margins leave room for the title on top and the source line at the bottom
    assert layout.margin.t >= restyle.PAD + restyle.TITLE_SIZE
    assert layout.margin.b >= restyle.AXIS_BLOCK + restyle.SOURCE_SIZE + restyle.PAD
    for original, styled in zip(fig.data, slide.data):
        assert styled.line.width > (original.line.width or theme.LINE_WIDTH)


def test_slide_title_defaults_to_the_figure_title_and_can_be_left_out():
    fig = trend_figure()
    assert restyle.slide_figure(fig).layout.title.text == "Deaths by year"
    empty = restyle.slide_figure(fig, "", "", "")
    assert not empty.layout.title.text
    assert not [a for a in empty.layout.annotations if a.name == "slide_source"]


def test_long_title_and_source_are_wrapped():
    slide = restyle.slide_figure(trend_figure(), "word " * 40, "source " * 60, DATE)
    assert slide.layout.title.text.count("<br>") >= 2
    source = next(a for a in slide.layout.annotations if a.name == "slide_source")
    assert all(len(line) <= restyle.SOURCE_WRAP for line in source.text.split("<br>"))


def test_event_labels_are_laid_out_again_for_the_slide_above_its_plot():
    fig = lines.time_series(national_deaths(), events=[
        {"year": 2016, "label": "First event label"}, {"year": 2016, "label": "Second one"},
        {"year": 2017, "label": "Third event label"},
        {"year": 2020, "label": "A late event with a long label"}])
    slide = restyle.slide_figure(fig, "T", "S", DATE)
    plot_width = restyle.SLIDE_WIDTH - 2 * restyle.PAD - restyle.Y_LABELS_ESTIMATE
    boxes = event_label_boxes(slide, plot_width, char_width=0.56)
    assert len(boxes) == 4
    assert_labels_clear(boxes, plot_width)
    assert slide.layout.margin.t >= max(top for *_, top in boxes) + restyle.PAD
    assert slide.layout.legend.yref == "container", "the legend above the labels, under the title"
    legend_top = (1 - slide.layout.legend.y) * restyle.SLIDE_HEIGHT
    title_bottom = restyle.PAD + restyle.TITLE_SIZE * 1.3
    assert title_bottom <= legend_top <= title_bottom + 40, "just under the slide's title"


def test_a_long_ranking_shows_its_top_bars_on_a_slide_and_says_so():
    fig = ranking_figure()
    before = fig.to_json()
    bars = fig.data[0]
    assert len(bars.y) == 45
    slide = restyle.slide_figure(fig, None, SOURCE, DATE)
    assert fig.to_json() == before, "the on-screen chart keeps every bar"
    (top,) = slide.data
    n = restyle.SLIDE_MAX_BARS
    assert len(top.y) == len(top.x) == len(top.text) == len(top.customdata) == n <= 15
    assert list(top.y) == list(bars.y[:n]) and list(top.x) == list(bars.x[:n])
    assert list(top.marker.pattern.shape) == list(bars.marker.pattern.shape[:n])
    notes = [a.text for a in slide.layout.annotations]
    assert "Showing the 15 highest of 45 states" in notes[0]
    assert "full ranking" in notes[0]
    assert any("Not shown" in t for t in notes[1:]), "the builder's own notes stay"
    assert slide.layout.yaxis.tickfont.size >= restyle.TICK_SIZE
    assert top.textfont.size >= restyle.TICK_SIZE
    # The handout image is shorter: fewer bars rather than smaller labels, and the note says so.
    handout = restyle.slide_figure(fig, "", "", "", width=1280, height=720)
    kept = len(handout.data[0].y)
    assert 8 <= kept <= n
    assert handout.layout.yaxis.tickfont.size >= restyle.TICK_SIZE
    assert f"Showing the {kept} highest of 45 states" in handout.layout.annotations[0].text


def test_a_cached_ranking_is_cut_the_same_way():
    # app.memo hands pages figures rebuilt from to_dict(): numbers encoded as typed arrays.
    fig = ranking_figure()
    cached = go.Figure(fig.to_dict(), _validate=False)
    assert isinstance(cached.data[0].x, dict), "the encoded form this test is about"
    fresh, again = restyle.slide_figure(fig, None, SOURCE, DATE), restyle.slide_figure(
        cached, None, SOURCE, DATE)
    assert list(again.data[0].y) == list(fresh.data[0].y)
    assert list(again.data[0].x) == list(fresh.data[0].x)
    assert again.layout.annotations[0].text == fresh.layout.annotations[0].text


def test_plain_arrays_decodes_typed_arrays_in_place():
    import numpy as np
    fig = go.Figure(go.Bar(x=np.array([3.5, 2.0]), y=["a", "b"], orientation="h",
                           marker=dict(color=np.array([1, 2]))))
    cached = go.Figure(fig.to_dict(), _validate=False)
    assert restyle.plain_arrays(cached) is cached
    assert list(cached.data[0].x) == [3.5, 2.0] and list(cached.data[0].marker.color) == [1, 2]
    assert list(cached.data[0].y) == ["a", "b"]


def test_short_rankings_and_other_bar_charts_keep_every_bar():
    fig = bars.ranked_bar(state_rates().head(12), title="Twelve")
    assert len(restyle.slide_figure(fig).data[0].y) == 12
    unsorted = go.Figure(go.Bar(x=list(range(40)), y=[f"c{i}" for i in range(40)],
                                orientation="h"))
    unsorted.update_yaxes(autorange="reversed", type="category")
    assert len(restyle.slide_figure(unsorted).data[0].y) == 40, "not a ranking: nothing cut"
    assert not any("highest" in (a.text or "")
                   for a in restyle.slide_figure(unsorted).layout.annotations)


def test_plain_text_drops_markdown():
    assert restyle.plain_text("**Bold** and [CDC](https://cdc.gov) `x`<br>y") == \
        "Bold and CDC (https://cdc.gov) x y"

"""app/export.py and the export controls in app/ui.py: the slide copy of a figure (pure), PNG and
SVG at 1920×1080 from kaleido with title and source baked in, the US map drawn offline, the PDF
handout, and a page with chart_block that stays fast (nothing rendered on a rerun) and shows the
download controls.

Tests that render need a Chromium for kaleido; they skip (saying how to install it) where there
is none, and fail on CI (REQUIRE_BROWSER=1).
"""
from __future__ import annotations

import datetime as dt
import os
import re
import struct
import time
import xml.etree.ElementTree as ET
import zlib

import pandas as pd
import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from app import charts, export
from etl.registry import STATES
from etl.tidy import tidy_frame, validate_tidy

DATE = dt.date(2026, 3, 5)
TITLE = "Benzodiazepine deaths – with “opioids” ≥ 2019"
SOURCE = "Source: CDC WONDER <test> & NCHS. Definition: Multiple cause"
SVG_NS = "{http://www.w3.org/2000/svg}"
DEAD_PROXY = {"proxy_server": "http://127.0.0.1:9"}
"""Any http(s) request from the export browser goes to a closed port: proves it needs none."""


# --- small synthetic tidy frames -------------------------------------------------------------

def national_deaths() -> pd.DataFrame:
    rows = [dict(drug_group=g, year=y, value=float(b + (y - 2010) * 40), provisional=y == 2021)
            for g, b in {"benzodiazepines": 900, "any_opioid": 6000}.items()
            for y in range(2010, 2022)]
    return validate_tidy(tidy_frame(
        pd.DataFrame(rows), source_id="nida", source_file="t.xlsx", definition="ucd_overdose",
        measure="deaths", unit="deaths", geo_level="nation", geo_fips="00",
        geo_name="United States", period_type="year"))


def state_rates() -> pd.DataFrame:
    rows = [dict(geo_fips=s.fips, geo_name=s.name, year=2020, value=1 + i * 0.3,
                 suppressed=False, unreliable=False) for i, s in enumerate(STATES)]
    return validate_tidy(tidy_frame(
        pd.DataFrame(rows), source_id="wonder", source_file="w.txt", definition="mcd_overdose",
        measure="crude_rate", unit="deaths per 100,000 population, crude",
        drug_group="benzodiazepines", geo_level="state", period_type="year"))


def trend_figure() -> go.Figure:
    return charts.time_series(national_deaths(), title="Deaths by year",
                              events=[{"year": 2016, "label": "Boxed warning"},
                                      {"year": 2020, "label": "A late event with a long label"}])


def map_figure() -> go.Figure:
    return charts.state_map(state_rates(), title="Rate by state, 2020")


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the PNG signature and IHDR chunk (no imaging library needed)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def svg_texts(svg: bytes) -> list[str]:
    root = ET.fromstring(svg)
    return ["".join(t.itertext()) for t in root.iter(f"{SVG_NS}text")]


def pdf_text(pdf: bytes) -> str:
    """Page content of a PDF: every stream, inflated where it is compressed."""
    parts = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(match.group(1)).decode("latin-1"))
        except zlib.error:
            parts.append(match.group(1).decode("latin-1"))
    return "\n".join(parts)


@pytest.fixture(scope="module")
def browser() -> str:
    path = export.browser_path()
    if path is None:
        message = ("no Chromium for kaleido: install Debian's browser with "
                   "`apt-get install chromium` (or set BROWSER_PATH)")
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    return path


# --- slide_figure (pure) ----------------------------------------------------------------------

def test_slide_figure_is_a_styled_copy():
    fig = trend_figure()
    before = fig.to_json()
    slide = export.slide_figure(fig, TITLE, SOURCE, DATE)
    assert fig.to_json() == before, "the input figure must not change"
    layout = slide.layout
    assert (layout.width, layout.height) == (export.SLIDE_WIDTH, export.SLIDE_HEIGHT)
    assert layout.paper_bgcolor == "white" and layout.plot_bgcolor == "white"
    assert layout.title.font.size == export.TITLE_SIZE
    assert "Benzodiazepine deaths" in layout.title.text
    assert layout.legend.font.size >= 20
    assert all(a.tickfont.size >= 20 for a in (layout.xaxis, layout.yaxis))
    source = [a for a in layout.annotations if a.name == "slide_source"]
    assert len(source) == 1
    assert "&lt;test&gt; &amp; NCHS" in source[0].text, "pseudo-HTML must be escaped"
    assert "Exported 5 March 2026" in source[0].text
    # margins leave room for the title on top and the source line at the bottom
    assert layout.margin.t >= export.PAD + export.TITLE_SIZE
    assert layout.margin.b >= export.AXIS_BLOCK + export.SOURCE_SIZE + export.PAD
    for original, styled in zip(fig.data, slide.data):
        assert styled.line.width > (original.line.width or charts.theme.LINE_WIDTH)


def test_slide_title_defaults_to_the_figure_title_and_can_be_left_out():
    fig = trend_figure()
    assert export.slide_figure(fig).layout.title.text == "Deaths by year"
    empty = export.slide_figure(fig, "", "", "")
    assert not empty.layout.title.text
    assert not [a for a in empty.layout.annotations if a.name == "slide_source"]


def test_long_title_and_source_are_wrapped():
    slide = export.slide_figure(trend_figure(), "word " * 40, "source " * 60, DATE)
    assert slide.layout.title.text.count("<br>") >= 2
    source = next(a for a in slide.layout.annotations if a.name == "slide_source")
    assert all(len(line) <= export.SOURCE_WRAP for line in source.text.split("<br>"))


def test_horizontal_event_labels_are_spread_and_kept_inside():
    fig = go.Figure(go.Scatter(x=list(range(2000, 2022)), y=list(range(22))))
    fig.update_xaxes(range=[1999.5, 2021.5])
    for year, label in [(2016, "First event label"), (2017, "Second event label"),
                        (2021, "A late event with a long label")]:
        fig.add_annotation(x=year, xref="x", y=1, yref="paper", yanchor="top", xanchor="left",
                           text=label, showarrow=False)
    slide = export.slide_figure(fig, "T", "S", DATE)
    labels = {a.text: a for a in slide.layout.annotations if a.xref == "x"}
    assert labels["A late event with a long label"].xanchor == "right", "would run off the slide"
    assert labels["First event label"].y != labels["Second event label"].y, "would overlap"


def test_rotated_event_labels_keep_the_builders_placement():
    fig = trend_figure()
    slide = export.slide_figure(fig, "T", "S", DATE)
    before = [(a.x, a.y, a.xanchor, a.textangle) for a in fig.layout.annotations if a.textangle]
    after = [(a.x, a.y, a.xanchor, a.textangle) for a in slide.layout.annotations if a.textangle]
    assert before == after


def ranking_figure() -> go.Figure:
    """A ranking of 45 states (51 rows, 6 without a value), as on the States page."""
    rows = state_rates()
    rows.loc[rows.index[:6], "value"] = None
    rows.loc[rows.index[6:9], "unreliable"] = True
    return charts.ranked_bar(rows, title="Rate by state, 2020")


def test_a_long_ranking_shows_its_top_bars_on_a_slide_and_says_so():
    fig = ranking_figure()
    before = fig.to_json()
    bars = fig.data[0]
    assert len(bars.y) == 45
    slide = export.slide_figure(fig, None, SOURCE, DATE)
    assert fig.to_json() == before, "the on-screen chart keeps every bar"
    (top,) = slide.data
    n = export.SLIDE_MAX_BARS
    assert len(top.y) == len(top.x) == len(top.text) == len(top.customdata) == n <= 15
    assert list(top.y) == list(bars.y[:n]) and list(top.x) == list(bars.x[:n])
    assert list(top.marker.pattern.shape) == list(bars.marker.pattern.shape[:n])
    notes = [a.text for a in slide.layout.annotations]
    assert "Showing the 15 highest of 45 states" in notes[0]
    assert "full ranking" in notes[0]
    assert any("Not shown" in t for t in notes[1:]), "the builder's own notes stay"
    assert slide.layout.yaxis.tickfont.size >= export.TICK_SIZE
    assert top.textfont.size >= export.TICK_SIZE
    # The handout image is shorter: fewer bars rather than smaller labels, and the note says so.
    handout = export.slide_figure(fig, "", "", "", width=1280, height=720)
    kept = len(handout.data[0].y)
    assert 8 <= kept <= n
    assert handout.layout.yaxis.tickfont.size >= export.TICK_SIZE
    assert f"Showing the {kept} highest of 45 states" in handout.layout.annotations[0].text


def test_a_cached_ranking_is_cut_the_same_way():
    # app.memo hands pages figures rebuilt from to_dict(): numbers encoded as typed arrays.
    fig = ranking_figure()
    cached = go.Figure(fig.to_dict(), _validate=False)
    assert isinstance(cached.data[0].x, dict), "the encoded form this test is about"
    fresh, again = export.slide_figure(fig, None, SOURCE, DATE), export.slide_figure(
        cached, None, SOURCE, DATE)
    assert list(again.data[0].y) == list(fresh.data[0].y)
    assert list(again.data[0].x) == list(fresh.data[0].x)
    assert again.layout.annotations[0].text == fresh.layout.annotations[0].text


def test_plain_arrays_decodes_typed_arrays_in_place():
    import numpy as np
    fig = go.Figure(go.Bar(x=np.array([3.5, 2.0]), y=["a", "b"], orientation="h",
                           marker=dict(color=np.array([1, 2]))))
    cached = go.Figure(fig.to_dict(), _validate=False)
    assert export.plain_arrays(cached) is cached
    assert list(cached.data[0].x) == [3.5, 2.0] and list(cached.data[0].marker.color) == [1, 2]
    assert list(cached.data[0].y) == ["a", "b"]


def test_short_rankings_and_other_bar_charts_keep_every_bar():
    fig = charts.ranked_bar(state_rates().head(12), title="Twelve")
    assert len(export.slide_figure(fig).data[0].y) == 12
    unsorted = go.Figure(go.Bar(x=list(range(40)), y=[f"c{i}" for i in range(40)],
                                orientation="h"))
    unsorted.update_yaxes(autorange="reversed", type="category")
    assert len(export.slide_figure(unsorted).data[0].y) == 40, "not a ranking: nothing cut"
    assert not any("highest" in (a.text or "")
                   for a in export.slide_figure(unsorted).layout.annotations)


def test_latin1_replacements():
    text = export.latin1("a – b — c “q” ‘s’ ≥ 1 ≤ 2 … • × é ½ 12 000 Ω")
    assert text == "a - b - c \"q\" 's' >= 1 <= 2 ... - × é ½ 12 000 ?"
    text.encode("latin-1")


def test_plain_text_drops_markdown():
    assert export.plain_text("**Bold** and [CDC](https://cdc.gov) `x`<br>y") == \
        "Bold and CDC (https://cdc.gov) x y"


def test_section_from_tuples_and_mappings():
    fig = trend_figure()
    sec = export.section_from((fig, "Source: a", "Summary.", "Say this."))
    assert (sec.title, sec.source, sec.summary, sec.notes) == (
        "Deaths by year", "Source: a", "Summary.", "Say this.")
    sec = export.section_from({"figure": fig, "caption": "Source: b", "numbers": [("a", "1")]})
    assert sec.source == "Source: b" and sec.numbers == (("a", "1"),)


# --- kaleido: offline configuration -----------------------------------------------------------

def test_kaleido_page_loads_nothing_from_the_network():
    import kaleido
    options = export.kaleido_options()
    assert options["mathjax"] is False
    page = kaleido.PageGenerator(plotly=options["plotlyjs"], mathjax=False).generate_index()
    assert not re.search(r"https?://", page), page
    assert "plotly.min.js" in page


# --- kaleido: rendering -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def slide_images(browser: str) -> dict[str, bytes]:
    export.clear_cache()
    slide = export.slide_figure(trend_figure(), TITLE, SOURCE, DATE)
    start = time.perf_counter()
    png, svg = export.render_many([export._job(slide, "png"),
                                   export._job(slide, "svg")])
    print(f"kaleido: PNG + SVG in one Chromium session: {time.perf_counter() - start:.2f} s")
    return {"png": png, "svg": svg}


def test_png_is_1920_by_1080(slide_images):
    assert png_size(slide_images["png"]) == (1920, 1080)


def test_svg_has_slide_size_title_and_source(slide_images):
    root = ET.fromstring(slide_images["svg"])
    assert (root.get("width"), root.get("height")) == ("1920", "1080")
    texts = svg_texts(slide_images["svg"])
    assert any("Benzodiazepine deaths" in t for t in texts)
    assert any("Source: CDC WONDER <test> & NCHS" in t for t in texts)
    assert any("Exported 5 March 2026" in t for t in texts)


def test_slide_png_is_cached_by_figure(slide_images, monkeypatch):
    calls = []
    monkeypatch.setattr(export, "render_jsons", lambda jobs, *a, **k: calls.append(jobs) or [])
    assert export.slide_png(trend_figure(), TITLE, SOURCE, DATE) == slide_images["png"]
    assert export.slide_svg(trend_figure(), TITLE, SOURCE, DATE) == slide_images["svg"]
    assert calls == [], "a cached figure must not start Chromium again"


def test_ranking_slide_png_is_1920_by_1080_with_the_note(browser):
    slide = export.slide_figure(ranking_figure(), None, SOURCE, DATE)
    png, svg = export.render_jsons([export._job(slide, "png"), export._job(slide, "svg")],
                                   DEAD_PROXY)
    assert png_size(png) == (1920, 1080)
    texts = svg_texts(svg)
    assert any("Showing the 15 highest of 45 states" in t for t in texts)
    states = {s.name for s in STATES}
    assert len([t for t in texts if t in states]) == export.SLIDE_MAX_BARS


def test_map_draws_every_state_offline(browser):
    slide = export.slide_figure(map_figure(), None, SOURCE, DATE)
    (svg,) = export.render_jsons([export._job(slide, "svg")], DEAD_PROXY)
    states = len(re.findall(rb'<path class="choroplethlocation"', svg))
    assert states == len(STATES) == 51
    assert any("Rate by state, 2020" in t for t in svg_texts(svg))


def test_handout_pdf(browser):
    sections = [export.HandoutSection("Trend – deaths", trend_figure(), "Deaths rose to 1,340.",
                                      SOURCE, "Point at 2016."),
                (map_figure(), "Source: WONDER", "West Virginia is highest.")]
    start = time.perf_counter()
    pdf = export.handout_pdf("States — handout", sections, date=DATE)
    print(f"kaleido + fpdf2: handout with 2 charts in {time.perf_counter() - start:.2f} s")
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    for expected in ("(States - handout)", "(Trend - deaths)", "Deaths rose to 1,340.",
                     "Source: WONDER", "Point at 2016.", "Rate by state, 2020"):
        assert expected in text, expected
    assert text.count("/Subtype /Image") + pdf.count(b"/Subtype /Image") >= 2


def test_handout_without_a_browser_keeps_the_text_and_says_why(monkeypatch):
    monkeypatch.setattr(export, "browser_path", lambda: None)
    export.clear_cache()
    pdf = export.handout_pdf("Overview", [(trend_figure(), "Source: NIDA", "Summary.")])
    text = pdf_text(pdf)
    assert "(Overview)" in text and "Summary." in text
    assert "Chart image not included" in text and "Chromium" in text


# --- the page controls (AppTest) --------------------------------------------------------------

def export_page() -> None:
    from app import ui
    from tests.app.test_export import map_figure, national_deaths, state_rates, trend_figure
    first = ui.chart_block(trend_figure(), national_deaths(), "Source: NIDA", key="trend")
    second = ui.chart_block(map_figure(), state_rates(), "Source: WONDER", key="map",
                            export_title="Benzodiazepine death rate by state")
    ui.handout_button("Export demo", [first, second])


def download_labels(at: AppTest) -> list[str]:
    return [b.proto.label for b in at.get("download_button")]


def test_page_shows_download_controls_and_renders_nothing_on_rerun(monkeypatch):
    renders = []
    monkeypatch.setattr(export, "render_jsons", lambda jobs, *a, **k: renders.append(jobs))
    at = AppTest.from_function(export_page, default_timeout=30)
    at.run()
    assert not at.exception
    labels = download_labels(at)
    assert labels.count("PNG (1920×1080)") == 2 and labels.count("SVG") == 2
    assert labels.count("Download these data (CSV)") == 0, "drawn once Show data is opened"
    assert labels.count("Handout (PDF)") == 1
    at.session_state["show_data_trend"] = at.session_state["show_data_map"] = True
    at.run()
    assert download_labels(at).count("Download these data (CSV)") == 2
    start = time.perf_counter()
    at.run()
    rerun = time.perf_counter() - start
    assert not at.exception
    assert renders == [], "a plain rerun must not call kaleido"
    assert rerun < 2.0, f"rerun took {rerun:.2f} s"


def test_buttons_are_disabled_with_a_reason_without_a_browser(monkeypatch):
    monkeypatch.setattr(export, "browser_path", lambda: None)
    at = AppTest.from_function(export_page, default_timeout=30)
    at.run()
    assert not at.exception
    images = [b.proto for b in at.get("download_button") if b.proto.label in ("PNG (1920×1080)",
                                                                              "SVG")]
    assert images and all(p.disabled and "Chromium" in p.help for p in images)


def test_chart_block_returns_a_handout_section():
    def page() -> None:
        import streamlit as st

        from app import ui
        from tests.app.test_export import national_deaths, trend_figure
        st.session_state["section"] = ui.chart_block(trend_figure(), national_deaths(),
                                                     "Source: NIDA", key="t")

    at = AppTest.from_function(page, default_timeout=30)
    at.run()
    assert not at.exception
    section = at.session_state["section"]
    assert isinstance(section, export.HandoutSection)
    assert section.title == "Deaths by year" and section.source == "Source: NIDA"
    assert section.summary == at.markdown[0].value
    assert isinstance(section.figure, go.Figure)

"""app/export/images.py: kaleido loads nothing from the network; slides render at 1920×1080 as
PNG and SVG with title and source, a long ranking keeps its note, and the US map draws every
state offline. Rendering tests need a Chromium for kaleido; they skip (saying how to install it)
where there is none, and fail on CI (REQUIRE_BROWSER=1)."""
from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET


from app.export import images, restyle
from etl.registry import STATES
from tests.app.export.samples import DATE, SOURCE, map_figure, ranking_figure


SVG_NS = "{http://www.w3.org/2000/svg}"


DEAD_PROXY = {"proxy_server": "http://127.0.0.1:9"}


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the PNG signature and IHDR chunk (no imaging library needed)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def svg_texts(svg: bytes) -> list[str]:
    root = ET.fromstring(svg)
    return ["".join(t.itertext()) for t in root.iter(f"{SVG_NS}text")]


def test_kaleido_page_loads_nothing_from_the_network():
    import kaleido
    options = images.kaleido_options()
    assert options["mathjax"] is False
    page = kaleido.PageGenerator(plotly=options["plotlyjs"], mathjax=False).generate_index()
    assert not re.search(r"https?://", page), page
    assert "plotly.min.js" in page


def test_png_is_1920_by_1080(slide_images):
    assert png_size(slide_images["png"]) == (1920, 1080)


def test_svg_has_slide_size_title_and_source(slide_images):
    root = ET.fromstring(slide_images["svg"])
    assert (root.get("width"), root.get("height")) == ("1920", "1080")
    texts = svg_texts(slide_images["svg"])
    assert any("Benzodiazepine deaths" in t for t in texts)
    assert any("Source: CDC WONDER <test> & NCHS" in t for t in texts)
    assert any("Exported 5 March 2026" in t for t in texts)


def test_ranking_slide_png_is_1920_by_1080_with_the_note(browser):
    slide = restyle.slide_figure(ranking_figure(), None, SOURCE, DATE)
    png, svg = images.render_jsons([images.render_job(slide, "png"),
                                    images.render_job(slide, "svg")],
                                   DEAD_PROXY)
    assert png_size(png) == (1920, 1080)
    texts = svg_texts(svg)
    assert any("Showing the 15 highest of 45 states" in t for t in texts)
    states = {s.name for s in STATES}
    assert len([t for t in texts if t in states]) == restyle.SLIDE_MAX_BARS


def test_map_draws_every_state_offline(browser):
    slide = restyle.slide_figure(map_figure(), None, SOURCE, DATE)
    (svg,) = images.render_jsons([images.render_job(slide, "svg")], DEAD_PROXY)
    states = len(re.findall(rb'<path class="choroplethlocation"', svg))
    assert states == len(STATES) == 51
    assert any("Rate by state, 2020" in t for t in svg_texts(svg))

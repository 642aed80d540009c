"""app/export/static_pages.py: a chart's static page holds the figure the app draws, its text
escaped, plotly.js and the base map from the site's own copies; the site is written in one step;
the deck carries everything inside its one file. (Drawing in a browser, offline:
tests/browser/test_static_site.py and tests/browser/test_offline_deck.py.)"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from app.charts import geo
from app.export import static_pages
from app.export.static_pages import DeckSlide, Site, StaticChart
from tests.app.export.samples import map_figure, trend_figure

HOSTILE = "<script>alert(1)</script>"


def chart(**changes) -> StaticChart:
    fields = dict(page="overview", page_title="Overview", key="benzo_trend",
                  title="Deaths by year", figure_json=static_pages.figure_json(trend_figure()),
                  caption="Source: NIDA. Definition: Underlying cause (NCHS standard).",
                  summary="Deaths rose from 900 in 2010.",
                  definitions=("Underlying cause (NCHS standard): deaths with ...",),
                  data_through="The chart shows 2010–2021.")
    fields.update(changes)
    return StaticChart(**fields)


def embedded_json(page: str, element_id: str) -> object:
    found = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', page,
                      flags=re.S)
    assert found, element_id
    return json.loads(found.group(1))


def test_chart_page_draws_the_apps_figure_from_local_files():
    page = static_pages.chart_page_html(chart(), built="2 December 2026")
    figure = embedded_json(page, "figure")
    original = json.loads(chart().figure_json)
    assert figure["data"] == original["data"], "the numbers are the app's, untouched"
    assert figure["layout"]["title"]["text"] == "", "the title is the page heading, not drawn twice"
    assert '<link rel="preload" href="../../vendor/plotly.min.js" as="script">' in page
    assert 'script.src = "../../vendor/plotly.min.js";' in page
    assert 'class="prerendered"' not in page, "no picture when none was made"
    assert ".framed .summary,.framed .definition,.framed .built{display:none;}" in page, \
        "an embed keeps to the chart, its source line and links"
    assert '"topojsonURL":"../../vendor/topojson/"' in page
    assert not re.search(r'(src|href)="(https?:)?//', page), "nothing from another host"
    for text in ("<h1>Deaths by year</h1>", "Deaths rose from 900 in 2010.", "Source: NIDA.",
                 "Underlying cause (NCHS standard): deaths", "The chart shows 2010–2021.",
                 'href="../../../../../overview"', 'href="benzo_trend.json"'):
        assert text in page, text


def test_the_picture_is_shown_until_the_live_chart_is_drawn(monkeypatch):
    svg = ('<svg class="main-svg" xmlns="http://www.w3.org/2000/svg" width="1000" height="460" '
           'viewBox="0 0 1000 460"><script>bad()</script><rect/></svg>')
    jobs = []
    monkeypatch.setattr(static_pages.images, "render_jsons",
                        lambda batch: jobs.extend(batch) or [svg.encode()] * len(batch))
    [made] = static_pages.prerendered([chart()])
    fig_json, fmt, width, height, scale = jobs[0]
    assert (fmt, width, height) == ("svg", static_pages.PRERENDER_WIDTH, chart().height)
    assert json.loads(fig_json)["layout"]["title"]["text"] == "", "the page's figure"
    page = static_pages.chart_page_html(made, built="today")
    assert ('<div class="prerendered" aria-hidden="true"><svg class="main-svg" '
            'xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1000 460"><rect/></svg></div>') in page
    assert page.index('class="prerendered"') < page.index('id="chart"')
    assert 'picture.remove()' in page


def test_chart_page_escapes_every_text():
    page = static_pages.chart_page_html(
        chart(title=HOSTILE, caption=HOSTILE, summary=HOSTILE, data_through=HOSTILE,
              definitions=(HOSTILE,), figure_json=json.dumps(
                  {"data": [{"type": "bar", "x": [1], "y": [2], "name": "</script><b>x"}],
                   "layout": {}})), built=HOSTILE)
    assert HOSTILE not in page and "</script><b>" not in page
    assert embedded_json(page, "figure")["data"][0]["name"] == "</script><b>x"


def test_links_and_paths():
    view = chart(page="who", key="who ct/shares", query=(("section", "ct"),))
    assert view.path == "charts/who/who_ct_shares.html"
    assert view.app_link() == "../../../../../who?section=ct"
    assert view.app_link("https://example.org/dash") == "https://example.org/dash/who?section=ct"
    assert chart().height == static_pages.figure_height(json.loads(chart().figure_json))


def test_digest_names_the_view():
    base = chart()
    assert base.digest == chart().digest
    assert chart(caption="Source: another.").digest != base.digest
    assert chart(figure_json=static_pages.figure_json(map_figure())).digest != base.digest


def test_figure_height():
    assert static_pages.figure_height({"layout": {"height": 700}}) == 700
    assert static_pages.figure_height({"layout": {"template": {"layout": {"height": 300}}}}) == 300
    assert static_pages.figure_height({}) == static_pages.DEFAULT_HEIGHT
    assert static_pages.iframe_height(460) > 460


def site(charts=None, deck="<!doctype html><title>deck</title>") -> Site:
    return Site(charts=charts or [chart(), chart(page="states", page_title="States",
                                                 key="states_map", title="Rate by state",
                                                 figure_json=static_pages.figure_json(
                                                     map_figure()))],
                stamp="data-1.code-2", built="2 December 2026", intro="Every chart.\n\nPlain.",
                deck=deck, page_titles={"overview": "Overview", "states": "States"})


def test_write_site_writes_pages_index_deck_and_local_libraries(tmp_path: Path):
    out = static_pages.write_site(site(), tmp_path / "site")
    assert (out / "vendor" / "plotly.min.js").read_bytes() == static_pages.PLOTLY_JS.read_bytes()
    assert (out / "vendor" / "topojson" / geo.TOPOJSON_FILE).read_bytes() == \
        geo.topojson_path().read_bytes()
    index = static_pages.read_site_index(out)
    assert index["stamp"] == "data-1.code-2" and index["deck"] == "deck.html"
    for entry in index["charts"]:
        page = (out / entry["path"]).read_text(encoding="utf-8")
        assert json.loads((out / entry["path"]).with_suffix(".json").read_text())["data"] == \
            embedded_json(page, "figure")["data"]
        assert entry["digest"] == static_pages.view_digest(
            (out / entry["path"]).with_suffix(".json").read_text(), chart().caption)
    front = (out / "index.html").read_text(encoding="utf-8")
    assert '<meta name="site-stamp" content="data-1.code-2">' in front
    assert front.index("<h2>Overview</h2>") < front.index("<h2>States</h2>")
    assert 'href="charts/states/states_map.html">Rate by state</a>' in front
    assert 'href="deck.html"' in front and (out / "deck.html").is_file()


def test_write_site_replaces_the_old_site_in_one_step(tmp_path: Path):
    out = tmp_path / "site"
    static_pages.write_site(site(), out)
    (out / "stale.html").write_text("old")
    static_pages.write_site(site(charts=[chart()], deck=None), out)
    assert not (out / "stale.html").exists() and not (out / "deck.html").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"], "no staging folder left"
    with pytest.raises(FileNotFoundError):
        static_pages.write_site(site(), out, plotly_js=tmp_path / "missing.js")
    assert static_pages.read_site_index(out)["charts"][0]["key"] == "benzo_trend", \
        "a failed build leaves the old site"
    assert static_pages.read_site_index(tmp_path / "nowhere") is None


def deck_slides() -> list[DeckSlide]:
    return [DeckSlide(1, "Deaths rose.", "Say why.", title="Deaths by year",
                      figure_json=static_pages.figure_json(trend_figure()),
                      figure_json_large=static_pages.figure_json(trend_figure()),
                      key_label="Deaths, 2021", key_value="12,499", caption="Source: NIDA."),
            DeckSlide(2, "A map.", "Point at the map.", title="Rate by state",
                      figure_json=static_pages.figure_json(map_figure())),
            DeckSlide(3, HOSTILE, "Closing notes.", extra="**Help**\n\n- **911** now\n  or later")]


def test_deck_is_one_file_with_everything_inside():
    deck = static_pages.deck_html(deck_slides(), title="Slides", built="today",
                                  plotly_js="window.Plotly = {};/*</script>*/",
                                  topojson=geo.topojson_path().read_text())
    assert not re.search(r'\s(src|href)="(?!data:,)', deck), "nothing loaded from anywhere"
    assert "window.Plotly = {};/*<\\/script>*/" in deck, "the library is inside the file"
    assert re.search(r"window\.PlotlyGeoAssets = \{\"topojson\":\{\"usa_110m\":\{", deck)
    assert deck.count('<section class="slide') == 3
    figures = embedded_json(deck, "figures")
    assert sorted(figures["small"]) == ["1", "2"] and sorted(figures["large"]) == ["1"]
    assert "body:not(.show-notes) .notes{display:none;}" in deck, "notes hidden unless asked for"
    for key in ('"PageDown"', '"PageUp"', '"ArrowRight"', '"ArrowLeft"', '" "', '"Home"',
                '"End"', '"n"'):
        assert f"case {key}" in deck, key
    assert HOSTILE not in deck
    assert "<p><strong>Help</strong></p><ul><li><strong>911</strong> now or later</li></ul>" \
        in deck
    with pytest.raises(ValueError):
        static_pages.deck_html([], title="", built="", plotly_js="", topojson="{}")


@pytest.mark.parametrize("name", ["TEXT_COLOR", "MUTED_COLOR", "LINK_COLOR"])
def test_page_text_has_4_5_to_1_on_the_white_page(name):
    from app.charts.theme import contrast_ratio
    assert contrast_ratio(getattr(static_pages, name), "#FFFFFF") >= 4.5

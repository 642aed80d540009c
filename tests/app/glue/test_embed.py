"""app/glue/embed.py: "Embed this chart" gives an iframe snippet pointing at the chart's static
page when the view on screen is the one that page was made from (same figure digest), at the
view's own embed link otherwise; an embed link draws that chart alone, and says so when the view
has no such chart. (In a browser: tests/browser/test_static_site.py.)"""
from __future__ import annotations

import html
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app.export import static_pages
from app.glue import embed


def two_charts_page() -> None:
    from app.charts import lines
    from app.glue import blocks, embed, urlstate
    from tests.app.export.samples import map_figure, national_deaths, state_rates
    events = urlstate.toggle("Show events", True, key="events")
    rows = national_deaths()
    fig = lines.time_series(rows, events=[{"year": 2016, "label": "Warning"}] if events else [])
    blocks.chart_block(fig, rows, "Source: NIDA.", key="trend", summary="Deaths rose.",
                       export_title="Deaths, 2010–2021")
    blocks.chart_block(map_figure(), state_rates(), "Source: WONDER.", key="map",
                       summary="A map.")
    embed.report_missing()


def run(query: dict[str, str] | None = None, open_box: str | None = None) -> AppTest:
    at = AppTest.from_function(two_charts_page, default_timeout=30)
    at.query_params.update(query or {})
    at.run()
    if open_box:
        at.session_state[f"embed_view_{open_box}"] = True
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def snippet_of(at: AppTest) -> str:
    [code] = [c.value for c in at.code if c.value.startswith("<iframe")]
    return code


@pytest.fixture()
def site_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(static_pages, "SITE_DIR", tmp_path / "site")
    return tmp_path / "site"


SHOWN_CAPTION = "Source: NIDA. Data through 2021, provisional."  # chart_block adds the reach


def write_site_of(at: AppTest, site_dir: Path, caption: str = SHOWN_CAPTION) -> None:
    """A site holding the trend chart as `at` drew it (the figure it sent to the browser)."""
    spec = at.get("plotly_chart")[0].proto.spec
    chart = static_pages.StaticChart(page="demo", page_title="Demo", key="trend",
                                     title="Deaths, 2010–2021", figure_json=spec,
                                     caption=caption, summary="Deaths rose.")
    static_pages.write_site(static_pages.Site([chart], stamp="s", built="today"), site_dir)


def test_the_box_is_drawn_only_when_opened():
    at = run()
    assert [e.label for e in at.expander].count("Embed this chart") == 2
    assert not [c for c in at.code if c.value.startswith("<iframe")]


def test_default_view_points_at_its_static_page(site_dir: Path):
    write_site_of(run(), site_dir)
    snippet = snippet_of(run(open_box="trend"))
    assert 'src="app/static/site/charts/demo/trend.html"' in snippet
    assert 'title="Deaths, 2010–2021" width="100%"' in snippet and 'style="border:0"' in snippet
    assert "static page" in " ".join(c.value for c in run(open_box="trend").caption)


def test_another_view_or_a_stale_page_points_at_the_embed_link(site_dir: Path):
    write_site_of(run(), site_dir, caption="Source: an older build.")
    assert 'src="?embed=true&amp;embed_chart=trend"' in snippet_of(run(open_box="trend"))
    write_site_of(run(), site_dir)
    snippet = snippet_of(run({"events": "false"}, open_box="trend"))
    assert 'src="?events=false&amp;embed=true&amp;embed_chart=trend"' in snippet
    assert "this view of the dashboard" in " ".join(
        c.value for c in run({"events": "false"}, open_box="trend").caption)


def test_without_a_site_the_box_points_at_the_embed_link(site_dir: Path):
    assert "embed_chart=map" in html.unescape(snippet_of(run(open_box="map")))


def test_an_embed_link_draws_that_chart_alone():
    at = run({"embed_chart": "trend", "events": "false"})
    assert len(at.get("plotly_chart")) == 1
    assert at.get("plotly_chart")[0].proto.id.endswith("-chart_trend")
    assert [s.value for s in at.subheader] == ["Deaths, 2010–2021"]
    assert [c.value for c in at.caption] == [SHOWN_CAPTION]
    assert at.get("plotly_chart")[0].proto.alt == "Deaths rose."
    assert not at.markdown, "the summary is the chart's accessible name, not a paragraph"
    assert not at.expander and not at.get("download_button"), "no tools in an embed"
    styles = [h.proto.body for h in at.get("html")]
    assert any(".st-key-embedded_chart" in s and "display: none" in s for s in styles)


def test_an_embed_link_to_a_chart_the_view_lacks_says_so():
    at = run({"embed_chart": "nope"})
    assert not at.get("plotly_chart")
    assert "no chart named `nope`" in at.info[0].value


@pytest.mark.parametrize("value", ["<script>", "a b", "x" * 101, ""])
def test_a_bad_embed_key_is_no_embed(value: str):
    at = run({"embed_chart": value})
    assert len(at.get("plotly_chart")) == 2 and not at.info


def test_snippet_escapes():
    text = embed.snippet('https://x.org/?a=1&b="2"', 'A "title" <b>', 500)
    assert text == ('<iframe src="https://x.org/?a=1&amp;b=&quot;2&quot;" title="A &quot;title'
                    '&quot; &lt;b&gt;" width="100%" height="500" style="border:0" '
                    'loading="lazy"></iframe>')

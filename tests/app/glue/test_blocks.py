"""app/glue/blocks.py: a chart drawn the standard way (caption, summary, "Show data" and "Cite and
reproduce this view" drawn once opened, the help box), its slide-image and handout buttons (made
on click through the one cache, never on a rerun; disabled with a reason without a browser), and
the handout section chart_block returns.

Tests that render need a Chromium for kaleido; they skip (saying how to install it) where there
is none, and fail on CI (REQUIRE_BROWSER=1).
"""
from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
from streamlit.testing.v1 import AppTest

from app.export import handout, images
from app.glue import cache
from tests.app.export.samples import DATE, SOURCE, TITLE, trend_figure


def test_slide_png_is_cached_by_figure(slide_images, monkeypatch):
    calls = []
    monkeypatch.setattr(images, "render_jsons", lambda jobs, *a, **k: calls.append(jobs) or [])
    assert cache.call(images.slide_png, trend_figure(), TITLE, SOURCE, DATE) == slide_images["png"]
    assert cache.call(images.slide_svg, trend_figure(), TITLE, SOURCE, DATE) == slide_images["svg"]
    assert calls == [], "a cached figure must not start Chromium again"


def export_page() -> None:
    from app.glue import blocks
    from tests.app.export.samples import map_figure, national_deaths, state_rates, trend_figure
    first = blocks.chart_block(trend_figure(), national_deaths(), "Source: NIDA", key="trend")
    second = blocks.chart_block(map_figure(), state_rates(), "Source: WONDER", key="map",
                                export_title="Benzodiazepine death rate by state")
    blocks.handout_button("Export demo", [first, second])


def download_labels(at: AppTest) -> list[str]:
    return [b.proto.label for b in at.get("download_button")]


def test_page_shows_download_controls_and_renders_nothing_on_rerun(monkeypatch):
    renders = []
    monkeypatch.setattr(images, "render_jsons", lambda jobs, *a, **k: renders.append(jobs))
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
    at.run()  # its speed is benchmarks/bench_pages.py's to measure, not a timed test's
    assert not at.exception
    assert renders == [], "a plain rerun must not call kaleido"


def test_buttons_are_disabled_with_a_reason_without_a_browser(monkeypatch):
    monkeypatch.setattr(images, "browser_path", lambda: None)
    at = AppTest.from_function(export_page, default_timeout=30)
    at.run()
    assert not at.exception
    buttons = [b.proto for b in at.get("download_button") if b.proto.label in ("PNG (1920×1080)",
                                                                               "SVG")]
    assert buttons and all(p.disabled and "Chromium" in p.help for p in buttons)


def test_chart_block_returns_a_handout_section():
    def page() -> None:
        import streamlit as st

        from app.glue import blocks
        from tests.app.export.samples import national_deaths, trend_figure
        st.session_state["section"] = blocks.chart_block(trend_figure(), national_deaths(),
                                                         "Source: NIDA", key="t")

    at = AppTest.from_function(page, default_timeout=30)
    at.run()
    assert not at.exception
    section = at.session_state["section"]
    assert isinstance(section, handout.HandoutSection)
    assert section.title == "Deaths by year"
    assert section.source == "Source: NIDA Data through 2021, provisional.", \
        "the source line says how far the plotted rows reach (their last year is provisional)"
    assert section.summary == at.markdown[0].value
    assert isinstance(section.figure, go.Figure)


def _page_with_chart():
    import pandas as pd
    from app.charts import lines
    from app.glue import blocks, layout
    from etl.tidy import tidy_frame
    rows = pd.DataFrame({"drug_group": ["benzodiazepines"] * 3, "year": [2019, 2020, 2021],
                         "value": [9711.0, 12290.0, 12499.0]})
    df = tidy_frame(rows, source_id="nida", source_file="t.xlsx", definition="ucd_overdose",
                    measure="deaths", unit="deaths", geo_level="nation", geo_fips="00",
                    geo_name="United States", period_type="year")
    blocks.chart_block(lines.time_series(df), df, "Source: test.", key="deaths")
    layout.get_help_box()


def test_chart_block_draws_caption_summary_table_and_help():
    at = AppTest.from_function(_page_with_chart).run(timeout=30)
    assert not at.exception
    assert at.caption[0].value == "Source: test. Data through 2021, final."
    assert any("from 9,711 deaths in 2019 to 12,499 in 2021" in m.value for m in at.markdown)
    assert [e.label for e in at.expander] == ["Show data", "Cite and reproduce this view",
                                              "Embed this chart"]
    assert not at.dataframe and not at.code, "expander content is drawn only once opened"
    at.session_state["show_data_deaths"] = True
    at.run()
    assert len(at.dataframe[0].value) == 3
    assert [b.proto.label for b in at.get("download_button")
            if b.key == "csv_deaths"] == ["Download these data (CSV)"]
    assert not at.code, "the citation stays closed"
    at.session_state["cite_view_deaths"] = True
    at.run()
    today = dt.date.today()
    assert any(f"Accessed {today:%B} {today.day}, {today.year}." in c.value for c in at.code), \
        "the citation is drawn once opened"
    help_text = at.info[0].value
    for line in ("1-800-662-4357", "FindTreatment.gov", "988", "1-800-222-1222", "911"):
        assert line in help_text


def _page_with_two_charts_of_one_source():
    from app.charts import lines
    from app.glue import blocks
    from tests.app.charts.samples import national_deaths
    df = national_deaths().assign(source_id="nida_workbook")
    for key in ("first", "second"):
        blocks.chart_block(lines.time_series(df), df, "Source: NIDA.", key=key)


def test_cite_box_gives_bibtex_and_ris_with_downloads_for_each_chart():
    at = AppTest.from_function(_page_with_two_charts_of_one_source).run(timeout=30)
    assert not at.exception
    at.session_state["cite_view_first"] = at.session_state["cite_view_second"] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    codes = [c.value for c in at.code]
    bib = [c for c in codes if c.startswith("@misc{nida_workbook_")]
    ris = [c for c in codes if c.startswith("TY  - DATA")]
    assert len(bib) == len(ris) == 2, "one BibTeX and one RIS block per open box"
    assert "note" in bib[0] and "urldate" in bib[0] and "Y2  - " in ris[0]
    buttons = {b.key: b.proto for b in at.get("download_button")}
    for key in ("first", "second"):
        assert buttons[f"bib_{key}"].label == "BibTeX (.bib)"
        assert buttons[f"ris_{key}"].label == "RIS (.ris)"


def test_the_handout_button_puts_the_key_figures_first():
    from unittest import mock

    from app.glue import blocks
    with mock.patch("streamlit.download_button") as button:
        blocks.handout_button("Overview", [(trend_figure(), "Source: NIDA")],
                              key_figures=[("Deaths, 2022", "10,964")],
                              key_figures_note="Key figures: data through 2022, final.")
    made = button.call_args.kwargs["data"]  # functools.partial(_handout_pdf, title, sections, …)
    title, sections, _ = made.args
    assert title == "Overview"
    assert [s.title for s in sections] == [handout.KEY_FIGURES_TITLE, "Deaths by year"]
    assert sections[0].numbers == (("Deaths, 2022", "10,964"),)
    assert sections[0].source == "Key figures: data through 2022, final."

"""A chart the standard way, on every page: the figure, its caption, a summary sentence, slide-image
downloads, "Show data", "Cite and reproduce this view" and "Embed this chart" drawn when opened;
and a page's PDF handout of its charts. An embed link (`?embed_chart=<key>`, app.glue.embed)
gets that chart alone; while the static site is built, every call is recorded (app.glue.capture).

Nothing here passes data- or URL-derived text through `unsafe_allow_html`: captions and tables
are rendered as plain Markdown or dataframes. Images and PDFs are made on click only, through
the one cache (a repeat click, or another session asking for the same chart, renders nothing).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import functools
import re
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from app.charts import summaries
from app.charts.geo import plotly_config
from app.data import currency, tables
from app.export import handout, images, restyle
from app.glue import cache, capture, embed, urlstate
from app.glue.layout import on_demand
from app.views import citations, reproduce

SHOW_DATA_KEY = "show_data_"


CITE_KEY = "cite_view_"


EMBED_KEY = "embed_view_"
"""Prefixes of chart_block's expander keys (+ the chart's key); st.session_state[...] is True
while the expander is open."""


def _safe_filename(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_") or "data"


class ChartDetails(NamedTuple):
    """What chart_block's detail boxes show, derived from the plotted rows only."""
    table: pd.DataFrame  # the "Show data" table
    csv: bytes  # the same table as CSV
    reproduction: tuple[str, str] | None  # (table name, pandas code) or None


def chart_details(plotted_df: pd.DataFrame, data_version: str | None) -> ChartDetails:
    """Data table, CSV and reproduction snippet of one chart, computed through app.glue.cache once
    per plotted rows and data build, and only when a reader opens one of its boxes (the reproduction
    check scans the chart's whole source table)."""
    table = summaries.display_table(plotted_df)
    return ChartDetails(table, table.to_csv(index=False).encode("utf-8"),
                        _reproduction(plotted_df) if data_version else None)


def chart_section(fig: go.Figure, plotted_df: pd.DataFrame, caption: str, *,
                  summary: str | None = None, summary_kwargs: dict | None = None,
                  export_title: str | None = None, data_through: str | None = None
                  ) -> handout.HandoutSection:
    """What `chart_block` would draw, as a handout section, without drawing anything: the
    handout of a page with lazy tabs still holds the charts of its closed tabs. The arguments
    mean what they mean for `chart_block`."""
    sentence = (summary if summary is not None
                else cache.call(summaries.chart_summary, plotted_df, **(summary_kwargs or {})))
    through = data_through or cache.call(currency.rows_through, plotted_df)
    caption = " ".join(part for part in (caption, through) if part)
    title = export_title or restyle.plain_text(fig.layout.title.text or "")
    return handout.HandoutSection(title=title, figure=fig, summary=sentence, source=caption)


def chart_block(fig: go.Figure, plotted_df: pd.DataFrame, caption: str, key: str, *,
                summary: str | None = None, summary_kwargs: dict | None = None,
                export_title: str | None = None, data_through: str | None = None,
                tools: DeltaGenerator | None = None,
                config: Mapping[str, object] | None = None) -> handout.HandoutSection:
    """Draw one chart the standard way: the figure (offline map config), its caption (source and
    definition), a one-sentence summary for screen readers, "PNG (1920×1080)" and "SVG" downloads
    of a slide version (see `image_downloads`), a "Show data" expander with exactly the
    plotted rows and a CSV download of the same rows, a "Cite and reproduce this view"
    expander and an "Embed this chart" expander (an iframe snippet, app.glue.embed). The
    expanders draw their content only while open. On an embed link naming another chart it
    draws nothing; naming this one, only the chart with its title, caption and summary.

    `plotted_df`: the rows given to the chart builder (or a builder's `*_data` output for derived
    charts); `key`: unique per page, used for widget keys and the file names. `summary`:
    overrides `charts.chart_summary(plotted_df, **summary_kwargs)`. `export_title`: the title
    baked into the images (default: the figure's own title). The caption ends with how far the
    plotted rows reach ("Data through 2022, final.", app.data.currency); `data_through` gives
    that sentence for rows without periods (e.g. combinations counted over all years). `tools`:
    a container elsewhere (presenter mode's toolbar) for the summary, downloads and detail
    boxes, which otherwise follow the caption; `config`: overrides of the plotly config
    (presenter: no mode bar).

    Returns the chart as a handout section, for `handout_button` at the bottom of the page.
    The summary, and the table, CSV and reproduction check once a box is opened, are computed once
    per plotted rows (app.glue.cache), so a rerun with an unchanged chart costs little beyond
    sending it.
    """
    section = chart_section(fig, plotted_df, caption, summary=summary,
                            summary_kwargs=summary_kwargs, export_title=export_title,
                            data_through=data_through)
    sentence, caption, title = section.summary, section.source, section.title
    capture.record_chart(key, fig, plotted_df, caption, sentence, title)
    if embed.embedded_chart() is not None:  # an embed link: this chart alone, or nothing
        if embed.embedded_chart() == key:
            embed.draw_embedded(fig, caption, sentence, key, title)
        return section
    # theme=None: the chart keeps its own white card and dark text in both Streamlit themes
    # (app.charts.theme: no chart text colour passes AA on both, and a theme switch does not rerun).
    st.plotly_chart(fig, width="stretch", config=plotly_config(**(config or {})),
                    key=f"chart_{key}", theme=None, alt=sentence)
    if caption:
        st.caption(caption)
    with tools if tools is not None else contextlib.nullcontext():
        st.markdown(sentence)
        image_downloads(fig, caption, key, title=export_title)
        with on_demand("Show data", SHOW_DATA_KEY + key) as opened:
            if opened:
                details = _details(plotted_df)
                st.dataframe(details.table, hide_index=True, width="stretch",
                             key=f"table_{key}")
                st.download_button("Download these data (CSV)", data=details.csv,
                                   file_name=f"{_safe_filename(key)}.csv", mime="text/csv",
                                   key=f"csv_{key}", on_click="ignore")
        with on_demand("Cite and reproduce this view", CITE_KEY + key) as opened:
            if opened:
                cite_and_reproduce(plotted_df, _details(plotted_df).reproduction, key=key)
        with on_demand("Embed this chart", EMBED_KEY + key) as opened:
            if opened:
                embed.embed_box(fig, caption, key, title)
    return section


def _details(plotted_df: pd.DataFrame) -> ChartDetails:
    try:
        data_version = str(tables.load_manifest()["built_at"])
    except tables.DataUnavailable:
        data_version = None
    return cache.call(chart_details, plotted_df, data_version)


def cite_and_reproduce(plotted_df: pd.DataFrame,
                       found: tuple[str, str] | None = None, *, key: str = "view") -> None:
    """Citation with this view's link and today's date, as text and as BibTeX and RIS (with
    .bib and .ris downloads named after `key`, the chart's), and, where a plain filter of the
    processed table gives exactly the plotted rows (`found`: chart_extras' reproduction), the
    pandas code that does it."""
    try:
        manifest = tables.load_manifest()
    except tables.DataUnavailable as err:
        st.caption(str(err))
        return
    url = urlstate.shareable_url() or None
    st.markdown("**Cite**")
    st.code(reproduce.view_citation(plotted_df, manifest, url), language=None, wrap_lines=True)
    reference_formats(reproduce.view_references(plotted_df, manifest, url, dt.date.today()),
                      key)
    if found is not None:
        name, code = found
        st.markdown(f"**Reproduce** with the `{name}` table (Parquet download on the Data and "
                    "methods page):")
        st.code(code, language="python")
    else:
        st.caption("These numbers are derived from the processed tables (shares, sums or a "
                   "view of record-level data): the CSV above holds exactly what is plotted, "
                   "and the Data explorer rebuilds the underlying rows with code to match.")


def reference_formats(references: Sequence[citations.Reference], key: str) -> None:
    """The references as BibTeX and RIS code blocks, each with its download (.bib, .ris)."""
    if not references:
        return
    bib, ris = citations.bibtex(references), citations.ris(references)
    st.markdown("**BibTeX**")
    st.code(bib, language=None, wrap_lines=True)
    st.markdown("**RIS** (Zotero, EndNote, Mendeley)")
    st.code(ris, language=None, wrap_lines=True)
    name = _safe_filename(key)
    with st.container(horizontal=True, gap="small"):
        st.download_button("BibTeX (.bib)", data=bib.encode("utf-8"), file_name=f"{name}.bib",
                           mime="application/x-bibtex", key=f"bib_{key}", on_click="ignore",
                           icon=":material/download:")
        st.download_button("RIS (.ris)", data=ris.encode("utf-8"), file_name=f"{name}.ris",
                           mime="application/x-research-info-systems", key=f"ris_{key}",
                           on_click="ignore", icon=":material/download:")


def _reproduction(plotted_df: pd.DataFrame) -> tuple[str, str] | None:
    """(table name, pandas code) that rebuild exactly `plotted_df`, or None. Checking it scans
    the whole table: only call it inside a cache (chart_extras)."""
    manifest = tables.load_manifest()
    name = reproduce.table_for(plotted_df, manifest, tables.load_table)
    if name is None or not reproduce.reproduces(tables.load_table(name), plotted_df):
        return None
    return name, reproduce.snippet(manifest["tables"][name]["file"],
                                   reproduce.filters_of(plotted_df), reproduce.year_span(plotted_df))


def _export_unavailable() -> str | None:
    """Why server-side image export cannot run here, or None when it can."""
    if images.browser_path() is None:
        return ("Image export needs Chromium or Chrome on the server (Debian: apt-get install "
                "chromium); the chart's own camera icon still saves a PNG.")
    return None


def _slide_image(fmt: str, fig: go.Figure, title: str | None, source_line: str) -> bytes:
    """A button's slide image, dated the day it is made, rendered once per figure and day."""
    render = images.slide_png if fmt == "png" else images.slide_svg
    return cache.call(render, fig, title, source_line, dt.date.today())


def image_downloads(fig: go.Figure, source_line: str, key: str, *,
                    title: str | None = None) -> None:
    """"PNG (1920×1080)" and "SVG" buttons for a slide version of `fig` (white background, large
    fonts, title, source line and date baked in; app.export.restyle.slide_figure). The image is
    made on the server only when a button is clicked (`data=` a callable), so a rerun renders
    nothing; a repeat click is served from the one cache."""
    reason = _export_unavailable()
    name = _safe_filename(key)
    with st.container(horizontal=True, gap="small"):
        st.download_button(
            "PNG (1920×1080)",
            data=functools.partial(_slide_image, "png", fig, title, source_line),
            file_name=f"{name}.png", mime="image/png", key=f"png_{key}", on_click="ignore",
            icon=":material/image:", disabled=reason is not None,
            help=reason or "Slide image with title, source and date (made in a few seconds).")
        st.download_button(
            "SVG", data=functools.partial(_slide_image, "svg", fig, title, source_line),
            file_name=f"{name}.svg", mime="image/svg+xml", key=f"svg_{key}", on_click="ignore",
            icon=":material/draw:", disabled=reason is not None,
            help=reason or "Scalable image for print or editing, with title, source and date.")


def _handout_pdf(page_title: str, sections: list[handout.HandoutSection], subtitle: str) -> bytes:
    """The button's PDF, dated the day it is made, made once per content and day."""
    return cache.call(handout.handout_pdf, page_title, sections, subtitle=subtitle,
                      date=dt.date.today())


def handout_button(page_title: str,
                   figures_and_captions: Sequence[handout.HandoutSection | Sequence[object]
                                                  | Mapping[str, object]],
                   *, key: str = "handout", subtitle: str = "",
                   key_figures: Sequence[tuple[str, str]] = (), key_figures_note: str = ""
                   ) -> None:
    """One "Handout (PDF)" button for the page: the page's key numbers with their labels
    (`key_figures`, what app.glue.layout.labelled_metric returns, and the caption under them),
    then every chart as an image with its numbers (summary sentence), source line and optional
    speaker notes (app.export.handout.handout_pdf). Items: what `chart_block` returns, or tuples
    (figure, caption[, summary[, notes]]), or mappings of HandoutSection fields. Made on click
    only; without a browser on the server the PDF still has the text and says why the images
    are missing."""
    sections = [handout.section_from(item) for item in figures_and_captions]
    if key_figures:
        sections.insert(0, handout.key_figures_section(key_figures, key_figures_note))
    st.download_button(
        "Handout (PDF)", data=functools.partial(_handout_pdf, page_title, sections, subtitle),
        file_name=handout.pdf_filename(page_title), mime="application/pdf", key=key,
        on_click="ignore", icon=":material/picture_as_pdf:", disabled=not sections,
        help="All charts on this page with their numbers, sources and notes, as a printable PDF "
             "(made on the server; a few seconds).")

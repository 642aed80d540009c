"""Streamlit glue every page uses: draw a chart with its caption, summary, data table and CSV,
and its slide-image downloads; a page's PDF handout; stop a page whose table is missing; the help
box; source captions.

Pages stay thin (STYLE.md point 5): they load through app.data, build figures with app.charts and
lay them out with these helpers. Nothing here passes data- or URL-derived text through
`unsafe_allow_html`: captions and tables are rendered as plain Markdown or dataframes.
"""
from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from app import charts, data, export, memo, reproduce, urlstate
from app.geo import plotly_config

HELP_MARKDOWN = """\
**If you or someone you know needs help**

- **Emergency or overdose happening now: call 911.** Stay with the person; if opioids may be
  involved, give naloxone (Narcan) if you have it.
- **Poison Help: 1-800-222-1222** — free, confidential, 24/7 expert advice on any medicine or drug.
- **988 Suicide & Crisis Lifeline: call or text 988** (24/7).
- **SAMHSA National Helpline: 1-800-662-4357** (1-800-662-HELP) — free, confidential treatment
  referral and information, 24/7, English and Spanish.
- **FindTreatment.gov** — find state-licensed treatment for substance use near you.

Do not stop taking a benzodiazepine suddenly: withdrawal can be dangerous. Talk to a prescriber
about a gradual, supervised taper.
"""


SHOW_DATA_KEY = "show_data_"
CITE_KEY = "cite_view_"
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
    """Data table, CSV and reproduction snippet of one chart, computed through app.memo once per
    plotted rows and data build, and only when a reader opens one of its boxes (the reproduction
    check scans the chart's whole source table)."""
    table = charts.display_table(plotted_df)
    return ChartDetails(table, table.to_csv(index=False).encode("utf-8"),
                        _reproduction(plotted_df) if data_version else None)


@contextlib.contextmanager
def on_demand(label: str, key: str) -> Iterator[bool]:
    """An expander whose content the caller draws only while it is open (yields whether it is):
    opening it reruns the page. Used for detail boxes, so a page load does not fetch and start
    the data grid and code highlighter (~2.8 MB of JavaScript) for boxes nobody opened
    (benchmarks/RESULTS.md, section 3). `st.session_state[key]` is True while open."""
    box = st.expander(label, key=key, on_change="rerun")
    with box:
        yield bool(box.open)


def chart_block(fig: go.Figure, plotted_df: pd.DataFrame, caption: str, key: str, *,
                summary: str | None = None, summary_kwargs: dict | None = None,
                export_title: str | None = None) -> export.HandoutSection:
    """Draw one chart the standard way: the figure (offline map config), its caption (source and
    definition), a one-sentence summary for screen readers, "PNG (1920×1080)" and "SVG" downloads
    of a slide version (see `image_downloads`), a "Show data" expander with exactly the
    plotted rows and a CSV download of the same rows, and a "Cite and reproduce this view"
    expander. Both expanders draw their content only while open.

    `plotted_df`: the rows given to the chart builder (or a builder's `*_data` output for derived
    charts); `key`: unique per page, used for widget keys and the file names. `summary`:
    overrides `charts.chart_summary(plotted_df, **summary_kwargs)`. `export_title`: the title
    baked into the images (default: the figure's own title).

    Returns the chart as a handout section, for `handout_button` at the bottom of the page.
    The summary, and the table, CSV and reproduction check once a box is opened, are computed once
    per plotted rows (app.memo), so a rerun with an unchanged chart costs little beyond sending
    it.
    """
    sentence = (summary if summary is not None
                else memo.call(charts.chart_summary, plotted_df, **(summary_kwargs or {})))
    # theme=None: the chart keeps its own white card and dark text in both Streamlit themes
    # (app.theme: no chart text colour passes AA on both, and a theme switch does not rerun).
    st.plotly_chart(fig, width="stretch", config=plotly_config(), key=f"chart_{key}",
                    theme=None, alt=sentence)
    if caption:
        st.caption(caption)
    st.markdown(sentence)
    image_downloads(fig, caption, key, title=export_title)
    with on_demand("Show data", SHOW_DATA_KEY + key) as opened:
        if opened:
            details = _details(plotted_df)
            st.dataframe(details.table, hide_index=True, width="stretch", key=f"table_{key}")
            st.download_button("Download these data (CSV)", data=details.csv,
                               file_name=f"{_safe_filename(key)}.csv", mime="text/csv",
                               key=f"csv_{key}", on_click="ignore")
    with on_demand("Cite and reproduce this view", CITE_KEY + key) as opened:
        if opened:
            cite_and_reproduce(plotted_df, _details(plotted_df).reproduction)
    return export.HandoutSection(title=export_title or export.plain_text(
        fig.layout.title.text or ""), figure=fig, summary=sentence, source=caption or "")


def _details(plotted_df: pd.DataFrame) -> ChartDetails:
    try:
        data_version = str(data.load_manifest()["built_at"])
    except data.DataUnavailable:
        data_version = None
    return memo.call(chart_details, plotted_df, data_version)


def cite_and_reproduce(plotted_df: pd.DataFrame,
                       found: tuple[str, str] | None = None) -> None:
    """Citation with this view's link and today's date, and, where a plain filter of the
    processed table gives exactly the plotted rows (`found`: chart_extras' reproduction), the
    pandas code that does it."""
    try:
        manifest = data.load_manifest()
    except data.DataUnavailable as err:
        st.caption(str(err))
        return
    url = urlstate.shareable_url() or None
    st.markdown("**Cite**")
    st.code(reproduce.view_citation(plotted_df, manifest, url), language=None, wrap_lines=True)
    if found is not None:
        name, code = found
        st.markdown(f"**Reproduce** with the `{name}` table (Parquet download on the Data and "
                    "methods page):")
        st.code(code, language="python")
    else:
        st.caption("These numbers are derived from the processed tables (shares, sums or a "
                   "view of record-level data): the CSV above holds exactly what is plotted, "
                   "and the Data explorer rebuilds the underlying rows with code to match.")


def _reproduction(plotted_df: pd.DataFrame) -> tuple[str, str] | None:
    """(table name, pandas code) that rebuild exactly `plotted_df`, or None. Checking it scans
    the whole table: only call it inside a cache (chart_extras)."""
    manifest = data.load_manifest()
    name = reproduce.table_for(plotted_df, manifest, data.load_table)
    if name is None or not reproduce.reproduces(data.load_table(name), plotted_df):
        return None
    return name, reproduce.snippet(manifest["tables"][name]["file"],
                                   reproduce.filters_of(plotted_df), reproduce.year_span(plotted_df))


def _export_unavailable() -> str | None:
    """Why server-side image export cannot run here, or None when it can."""
    if export.browser_path() is None:
        return ("Image export needs Chromium or Chrome on the server (Debian: apt-get install "
                "chromium); the chart's own camera icon still saves a PNG.")
    return None


def image_downloads(fig: go.Figure, source_line: str, key: str, *,
                    title: str | None = None) -> None:
    """"PNG (1920×1080)" and "SVG" buttons for a slide version of `fig` (white background, large
    fonts, title, source line and date baked in; app.export.slide_figure). The image is made on
    the server only when a button is clicked (`data=` a callable), so a rerun renders nothing;
    a repeat click is served from app.export's cache."""
    reason = _export_unavailable()
    name = _safe_filename(key)
    with st.container(horizontal=True, gap="small"):
        st.download_button(
            "PNG (1920×1080)", data=functools.partial(export.slide_png, fig, title, source_line),
            file_name=f"{name}.png", mime="image/png", key=f"png_{key}", on_click="ignore",
            icon=":material/image:", disabled=reason is not None,
            help=reason or "Slide image with title, source and date (made in a few seconds).")
        st.download_button(
            "SVG", data=functools.partial(export.slide_svg, fig, title, source_line),
            file_name=f"{name}.svg", mime="image/svg+xml", key=f"svg_{key}", on_click="ignore",
            icon=":material/draw:", disabled=reason is not None,
            help=reason or "Scalable image for print or editing, with title, source and date.")


def handout_button(page_title: str,
                   figures_and_captions: Sequence[export.HandoutSection | Sequence[object]
                                                  | Mapping[str, object]],
                   *, key: str = "handout", subtitle: str = "") -> None:
    """One "Handout (PDF)" button for the page: every chart as an image with its numbers (summary
    sentence), source line and optional speaker notes (app.export.handout_pdf). Items: what
    `chart_block` returns, or tuples (figure, caption[, summary[, notes]]), or mappings of
    HandoutSection fields. Made on click only; without a browser on the server the PDF still
    has the text and says why the images are missing."""
    sections = [export.section_from(item) for item in figures_and_captions]
    st.download_button(
        "Handout (PDF)", data=functools.partial(export.handout_pdf, page_title, sections,
                                                subtitle=subtitle),
        file_name=export.pdf_filename(page_title), mime="application/pdf", key=key,
        on_click="ignore", icon=":material/picture_as_pdf:", disabled=not sections,
        help="All charts on this page with their numbers, sources and notes, as a printable PDF "
             "(made on the server; a few seconds).")


def metric_row() -> DeltaGenerator:
    """A row for `st.metric` cards that wraps onto another row on a narrow screen. In `st.columns`
    a card is only as wide as its column and Streamlit cuts a longer label with "…" (17 labels on
    six views at 1024 px with the menu open, benchmarks/RESULTS.md problem 9); here each card
    keeps its whole label and the row wraps instead. Use as `with ui.metric_row(): st.metric(...)`."""
    return st.container(horizontal=True, gap="medium")


def labelled_metric(label: str, value: str, *, help: str | None = None, border: bool = False,
                    **metric_kwargs: Any) -> None:
    """One `st.metric` whose label wraps: for a card in a column too narrow for its label, where
    a `metric_row` would put each card on a row of its own. The label is drawn as text above the
    number; the metric keeps it as its (hidden) name for screen readers and tests.
    `metric_kwargs` (delta, delta_color, ...) go to `st.metric`."""
    with st.container(border=border, gap=None):
        st.markdown(label, help=help)
        st.metric(label, value, label_visibility="collapsed", **metric_kwargs)


def section_tabs(sections: Mapping[str, tuple[str, Callable[[], None]]], key: str) -> None:
    """A page's sections ({link token: (tab label, function drawing it)}) as link-bound lazy
    tabs (app.urlstate.tabs): only the open tab's function runs."""
    tabs = urlstate.tabs({token: label for token, (label, _) in sections.items()}, key=key)
    for token, tab in tabs.items():
        with tab:
            if tab.open:
                sections[token][1]()


def require_table(name: str) -> pd.DataFrame:
    """The table, or a clear error naming it and a stop of this page only (others keep working)."""
    try:
        return data.load_table(name)
    except data.TableUnavailable as err:
        st.error(str(err), icon=":material/error:")
        st.stop()
        raise  # st.stop() raises; this keeps type checkers and non-Streamlit callers honest


def source_caption(source_id: str, definition_id: str | None = None) -> None:
    """A caption line naming the source (publisher, title, vintage) and the case definition."""
    st.caption(data.source_caption_text(source_id, definition_id))


def definition_note(definition_id: str) -> None:
    """The full case-definition sentence from the registry, as a small caption."""
    st.caption(f"{data.definition_label(definition_id)}: {data.definition_text(definition_id)}")


def get_help_box() -> None:
    """The help lines (911, Poison Help, 988, SAMHSA Helpline, FindTreatment.gov) as plain
    Markdown in an info box."""
    st.info(HELP_MARKDOWN, icon=":material/support:")

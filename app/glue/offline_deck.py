"""The presenter's slides as one self-contained HTML file ("Download the deck"): every slide with
its chart, headline, key number, source line and speaker notes, drawn by plotly.js inside the
file, so it opens from a USB stick in any browser with no server and no network. Rendered by the
same renderer as the static chart pages (app.export.static_pages.deck_html); written into the
static site as deck.html too (app.glue.static_site).

Each chart slide carries two projector sizings of its figure (app.presenting.screen: 1280×720
and 1920×1080); the file picks the one that fits the window. The presenter's page calls
`deck_download_button` in its toolbar; the file is made on the first click and then served from
the one cache (per data version, events setting and day).
"""
from __future__ import annotations

import datetime as dt
import functools

import streamlit as st

from app.data import provenance, tables
from app.export import static_pages
from app.export.images import PLOTLY_JS
from app.charts import geo
from app.glue import cache, slides
from app.glue.headlines import headline_values_from
from app.glue.layout import HELP_MARKDOWN
from app.presenting import deck, screen

DECK_TITLE = "Benzodiazepine overdose deaths in the United States: slides"
FILE_NAME = "benzodiazepine-overdose-slides.html"
LARGE_SCREEN = "1080"


def deck_slides(*, events: bool = True) -> list[static_pages.DeckSlide]:
    """Every slide of content/slides.md, filled from the processed tables, with its chart sized
    for the projector. A slide whose table is missing says so instead of failing the deck."""
    out = []
    small = screen.SCREENS[screen.DEFAULT_SCREEN]
    large = screen.SCREENS[LARGE_SCREEN]
    for slide in deck.load_slides():
        try:
            values = (headline_values_from(*deck.headline_tables(slide))
                      if slide.placeholders else {})
            chart = slides.slide_chart(slide.chart, events=events) if slide.has_chart else None
        except tables.TableUnavailable as err:
            out.append(static_pages.DeckSlide(slide.number, f"{slide.title}: not available",
                                              str(err)))
            continue
        shown = deck.filled(slide, values)
        extra = HELP_MARKDOWN if slide.slug == deck.HELP_SLUG else ""
        if chart is None:
            out.append(static_pages.DeckSlide(slide.number, shown.headline, shown.notes,
                                              extra=extra))
            continue
        key = chart.key_number
        out.append(static_pages.DeckSlide(
            slide.number, shown.headline, shown.notes, title=chart.title,
            figure_json=static_pages.figure_json(screen.for_screen(chart.figure, small)),
            figure_json_large=static_pages.figure_json(screen.for_screen(chart.figure, large)),
            key_label=key.label, key_value=key.value, key_detail=key.detail,
            caption=chart.caption,
            definition=(f"{provenance.definition_label(chart.definition)}: "
                        f"{provenance.definition_text(chart.definition)}"),
            extra=extra))
    return out


def deck_html_text(*, events: bool = True, built: str | None = None) -> str:
    """The deck file's text (not cached: the site build calls it once)."""
    return static_pages.deck_html(
        deck_slides(events=events), title=DECK_TITLE, built=built or _today(),
        plotly_js=PLOTLY_JS.read_text(encoding="utf-8"),
        topojson=geo.topojson_path().read_text(encoding="utf-8"))


def deck_file(events: bool, data_version: str | None, day: dt.date) -> bytes:
    """The deck as bytes; cached by the button per data version, events setting and day."""
    return deck_html_text(events=events, built=f"{day.day} {day:%B %Y}").encode("utf-8")


def _today() -> str:
    day = dt.date.today()
    return f"{day.day} {day:%B %Y}"


def _deck_bytes(events: bool) -> bytes:
    try:
        version = str(tables.load_manifest()["built_at"])
    except tables.DataUnavailable:
        version = None
    return cache.call(deck_file, events, version, dt.date.today())


def deck_download_button(*, events: bool = True, key: str = "deck_download",
                         label: str = "Download the deck") -> None:
    """One button that downloads the deck as a single HTML file (made on the first click, a few
    seconds; then from the one cache). `events`: label policy events on the charts over time,
    as the presenter's "Show events" switch does."""
    st.download_button(
        label, data=functools.partial(_deck_bytes, events), file_name=FILE_NAME,
        mime="text/html", key=key, on_click="ignore", icon=":material/download:",
        help="All slides in one HTML file that opens in any browser without a server or "
             "internet (from a USB stick): arrow keys, Page Up/Down (a clicker), Space, "
             "Home/End; N shows the speaker notes.")

"""Layout pieces pages share: rows of key-number cards whose labels never get cut, link-bound lazy
tabs and expanders drawn when opened, a page stop with a clear message when its table is missing,
source and definition captions, the page's numbered sources, and the help box."""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from app.data import currency, provenance, tables
from app.glue import cache, urlstate

if TYPE_CHECKING:
    from app.views.methods import Citations

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


HOUSE_STYLE = """<style>
/* A slider shows the ends of its range at all times, not only under the pointer. */
[data-testid="stSliderTickBar"] { opacity: 1 !important; }
/* A picker's chosen items wrap onto more rows instead of running out of its box. */
[data-testid="stMultiSelectTagsContainer"] {
  flex-wrap: wrap !important; overflow: visible !important; mask-image: none !important;
  -webkit-mask-image: none !important; row-gap: 0.25rem; height: auto !important;
  padding-top: 0.2rem; padding-bottom: 0.2rem;
}
div:has(> [data-testid="stMultiSelectTagsContainer"]) {
  max-height: none !important; height: auto !important;
}
</style>"""


def house_style() -> None:
    """The few style rules every page keeps (one style element; Streamlit draws a style-only
    html call without taking room on the page)."""
    st.html(HOUSE_STYLE)


@contextlib.contextmanager
def on_demand(label: str, key: str) -> Iterator[bool]:
    """An expander whose content the caller draws only while it is open (yields whether it is):
    opening it reruns the page. Used for detail boxes, so a page load does not fetch and start
    the data grid and code highlighter (~2.8 MB of JavaScript) for boxes nobody opened
    (benchmarks/RESULTS.md, section 3). `st.session_state[key]` is True while open."""
    box = st.expander(label, key=key, on_change="rerun")
    with box:
        yield bool(box.open)


def metric_row() -> DeltaGenerator:
    """A row for `st.metric` cards that wraps onto another row on a narrow screen. In `st.columns`
    a card is only as wide as its column and Streamlit cuts a longer label with "…" (17 labels on
    six views at 1024 px with the menu open, benchmarks/RESULTS.md problem 9); here each card
    keeps its whole label and the row wraps instead. Use as `with ui.metric_row(): st.metric(...)`."""
    return st.container(horizontal=True, gap="medium")


KeyFigure = tuple[str, str]
"""A key number as the handout prints it: (label, value with the line under it)."""


def labelled_metric(label: str, value: str, *, help: str | None = None, border: bool = False,
                    **metric_kwargs: Any) -> KeyFigure:
    """One `st.metric` whose label wraps: for a card in a column too narrow for its label, where
    a `metric_row` would put each card on a row of its own. The label is drawn as text above the
    number; the metric keeps it as its (hidden) name for screen readers and tests.
    `metric_kwargs` (delta, delta_color, ...) go to `st.metric`. Returns the card as a key
    figure, for the page's handout (app.glue.blocks.handout_button), so the page states each
    number once."""
    with st.container(border=border, gap=None):
        st.markdown(label, help=help)
        st.metric(label, value, label_visibility="collapsed", **metric_kwargs)
    return key_figure(label, value, metric_kwargs.get("delta"),
                      metric_kwargs.get("delta_description"))


def key_figure(label: str, value: str, delta: object = None,
               delta_description: str | None = None) -> KeyFigure:
    """(label, "value, delta description") as a card shows them, for the handout."""
    under = " ".join(str(p) for p in (delta, delta_description) if p not in (None, ""))
    return label, f"{value}, {under}" if under else value


def section_tabs(sections: Mapping[str, tuple[str, Callable[[], None]]], key: str) -> None:
    """A page's sections ({link token: (tab label, function drawing it)}) as link-bound lazy
    tabs (app.glue.urlstate.tabs): only the open tab's function runs."""
    tabs = urlstate.tabs({token: label for token, (label, _) in sections.items()}, key=key)
    for token, tab in tabs.items():
        with tab:
            if tab.open:
                sections[token][1]()


def require_table(name: str) -> pd.DataFrame:
    """The table, or a clear error naming it and a stop of this page only (others keep working)."""
    try:
        return tables.load_table(name)
    except tables.TableUnavailable as err:
        st.error(str(err), icon=":material/error:")
        st.stop()
        raise  # st.stop() raises; this keeps type checkers and non-Streamlit callers honest


def source_caption(source_id: str, definition_id: str | None = None) -> None:
    """A caption line naming the source (publisher, title, vintage) and the case definition."""
    st.caption(provenance.source_caption_text(source_id, definition_id))


def definition_note(definition_id: str) -> None:
    """The full case-definition sentence from the registry, as a small caption."""
    st.caption(f"{provenance.definition_label(definition_id)}: "
               f"{provenance.definition_text(definition_id)}")


def key_figures_note(rows: pd.DataFrame, what: str = "Key figures") -> str:
    """A caption under a row of key numbers saying how far the rows they come from reach
    ("Key figures: data through 2022, final."); nothing for rows without periods. Returns the
    caption ("" for none), which the handout prints under the same numbers."""
    through = cache.call(currency.rows_through, rows)  # ~20 ms a run uncached
    if not through:
        return ""
    note = f"{what}: {through[:1].lower()}{through[1:]}"
    st.caption(note)
    return note


def newer_data_notes(*source_ids: str) -> None:
    """For each source the page shows whose data end more than 18 months before today, one calm
    line: how far they reach, where the publisher's newer data are and the command that fetches
    them (app.data.currency.stale_note)."""
    for source_id in dict.fromkeys(source_ids):
        note = currency.stale_note(source_id)
        if note:
            # Body text, not a caption: a link in a caption is drawn at 60% opacity, below the
            # contrast text needs (WCAG 1.4.3).
            st.markdown(f":material/update: {note}")


def sources_cited(cites: Citations) -> None:
    """The page's numbered source list under the numbers its text links to, the same on every
    page; nothing when the page cited nothing."""
    if cites.numbers:
        st.subheader("Sources cited on this page")
        st.markdown(cites.reference_list())


def get_help_box() -> None:
    """The help lines (911, Poison Help, 988, SAMHSA Helpline, FindTreatment.gov) as plain
    Markdown in an info box."""
    st.info(HELP_MARKDOWN, icon=":material/support:")

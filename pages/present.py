"""Presenter mode: the slides of content/slides.md one at a time, for a classroom projector — a big
chart, one plain sentence, the number that matters, the source line and optional speaker notes.
The slide number lives in the link (?slide=3); Previous/Next also answer the arrow keys. There is
no sidebar here (dashboard.py hides the menu for this page), so the page links back itself."""
from __future__ import annotations

import streamlit as st

from app.data import content
from app.glue import blocks, headlines, layout, slides, urlstate
from app.presenting import deck, screen, slide_charts

# Calls to set_page_config are additive (Streamlit >= 1.50): the entry script's icon and wide
# layout stay. No initial_sidebar_state: the browser would keep "collapsed" for the other pages.
st.set_page_config(page_title="Presenter mode · Benzodiazepine overdose deaths")

all_slides = deck.load_slides()
count = len(all_slides)
menu = deck.deck_titles(all_slides)


def step(delta: int) -> None:
    """Previous/Next: move the bound slide control (urlstate writes the new number to the URL)."""
    st.session_state["slide"] = min(max(int(st.session_state.get("slide", 1)) + delta, 1), count)


with st.container(horizontal=True, vertical_alignment="center", gap="medium"):
    previous_slot = st.empty()  # the buttons are drawn once the slide number is known
    number = urlstate.select("Go to slide", list(menu), 1, key="slide", format_func=menu.get,
                             label_visibility="collapsed", width=300)
    next_slot = st.empty()
    st.markdown(f"**Slide {number} of {count}**")
    st.space("stretch")
    st.page_link("pages/overview.py", label="Leave presenter mode", icon=":material/close:",
                 help="Back to the overview and the dashboard's menu")
previous_slot.button("Previous", key="previous", icon=":material/arrow_back:", shortcut="Left",
                     on_click=step, args=(-1,), disabled=number == 1,
                     help="Previous slide (left arrow key)")
next_slot.button("Next", key="next", icon=":material/arrow_forward:", shortcut="Right",
                 on_click=step, args=(1,), disabled=number == count, type="primary",
                 help="Next slide (right arrow key)")
urlstate.show_notices()

slide = all_slides[number - 1]
for table in deck.tables_for(slide):
    layout.require_table(table)
shown = deck.filled(slide, headlines.headline_values_from(*deck.headline_tables(slide)))

stage = st.container()  # filled after the controls below it, whose values the chart needs
st.divider()
with st.container(horizontal=True, vertical_alignment="center", gap="large"):
    show_notes = urlstate.toggle("Speaker notes", False, key="notes")
    show_events = urlstate.toggle(
        "Show events", True, key="events", disabled=slide.chart not in slide_charts.TIME_CHARTS,
        help="Label policy events (FDA warnings, CDC guidelines) on charts over time")
    screen_id = urlstate.select("Screen", list(screen.SCREENS), screen.DEFAULT_SCREEN,
                                key="screen", widget="segmented",
                                format_func=lambda s: screen.SCREENS[s].label,
                                help="Sizes the chart for the projector's resolution")
    urlstate.copy_link_control()
    blocks.handout_button("Benzodiazepine overdose deaths: presenter slides",
                          slides.handout_sections(all_slides, events=show_events), key="handout",
                          subtitle="Slides with their numbers, sources and speaker notes")
projector = screen.SCREENS[screen_id]

with stage:
    if slide.has_chart:
        chart = slides.slide_chart(slide.chart, events=show_events)
        text_column, chart_column = st.columns([1.15, 2.3], gap="large")
        with text_column:
            (st.header if projector.large_text else st.subheader)(shown.headline, anchor=False)
            key = chart.key_number
            with st.container(border=True, gap=None):
                st.markdown(f"**{key.label}**")  # a metric label would be cut at one line
                st.metric(key.label, key.value, label_visibility="collapsed")
                if key.detail:
                    st.caption(key.detail)
            if show_notes:
                st.info(shown.notes, icon=":material/record_voice_over:")
        with chart_column:
            st.markdown(f"#### {chart.title}")
            blocks.chart_block(screen.for_screen(chart.figure, projector), chart.plotted,
                               chart.caption, key=f"slide_{slide.number}",
                               summary=chart.summary, export_title=chart.title)
            layout.definition_note(chart.definition)
    else:
        with st.container(border=True):
            st.title(shown.headline, anchor=False)
        if show_notes:
            st.info(shown.notes, icon=":material/record_voice_over:")
        if slide.slug == deck.HELP_SLUG:
            layout.get_help_box()

with st.expander("About presenter mode"):
    st.markdown(content.intro("presenter"))

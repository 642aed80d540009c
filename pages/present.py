"""Presenter mode: the slides of content/slides.md one at a time, for a classroom projector — a big
chart, one plain sentence, the number that matters and the source line, filling the screen; every
tool sits in one toolbar above the slide. Three views of one deck (app.glue.presenter):

- audience (`/present?slide=3`): the projected window; it opens a room and keeps its code and key
  in its address (`&room=…&key=…`);
- speaker (`?view=speaker&room=…&key=…`): the presenter's own window, with the slide small, the
  next slide's title, the notes and a clock; moving in either window moves both;
- follower (`?follow=ABCD-2345`): a student's screen, showing the room's slide, with no way to
  move it.

The slide number lives in the link; the arrow keys, Page Up/Down (a clicker), Space and Home/End
step through the slides wherever the focus is. No sidebar here (dashboard.py hides the menu for
this page), so each view links back itself."""
from __future__ import annotations

import streamlit as st

from app.data import content, tables
from app.glue import blocks, cache, headlines, layout, offline_deck, presenter, slides, urlstate
from app.presenting import deck, rooms, screen, slide_charts
from app.presenting.deck import Slide

# Calls to set_page_config are additive (Streamlit >= 1.50): the entry script's icon and wide
# layout stay. No initial_sidebar_state: the browser would keep "collapsed" for the other pages.
st.set_page_config(page_title="Presenter mode · Benzodiazepine overdose deaths")
presenter.full_screen_style()

TEXT = "presenter"
MINUTES = rooms.EXPIRY_SECONDS // 60
all_slides = deck.load_slides()
count = len(all_slides)
menu = deck.deck_titles(all_slides)


def text(section: str, **values: object) -> str:
    return content.fill(content.section(TEXT, section), {k: str(v) for k, v in values.items()})


def leave_link() -> None:
    st.page_link("pages/overview.py", label="Leave presenter mode", icon=":material/close:",
                 help="Back to the overview and the dashboard's menu")


def counter(number: int) -> None:
    st.markdown(f"**Slide {number} of {count}**")


def toolbar():
    return st.container(key=presenter.TOOLBAR, horizontal=True, vertical_alignment="center",
                        gap="xsmall")


def navigation() -> int:
    """Previous, the slide menu, Next and the counter (inside the toolbar); the slide number."""
    previous_slot = st.empty()  # the buttons are drawn once the slide number is known
    number = urlstate.select("Go to slide", list(menu), 1, key="slide", format_func=menu.get,
                             label_visibility="collapsed", width=210)
    next_slot = st.empty()
    counter(number)
    previous_slot.button("Previous", key="previous", icon=":material/arrow_back:",
                         on_click=presenter.go, args=("previous", count), disabled=number == 1,
                         help="Previous slide (Left arrow, Page Up, Shift+Space)")
    next_slot.button("Next", key="next", icon=":material/arrow_forward:", on_click=presenter.go,
                     args=("next", count), disabled=number == count, type="primary",
                     help="Next slide (Right arrow, Page Down, Space)")
    return number


def filled(slide: Slide) -> Slide | None:
    """The slide with its numbers, or None after a message naming the missing table (only this
    slide is lost: the toolbar, keys and room checks stay)."""
    try:
        for table in deck.tables_for(slide):
            tables.load_table(table)
        return deck.filled(slide, headlines.headline_values_from(*deck.headline_tables(slide)))
    except tables.TableUnavailable as err:
        st.error(str(err), icon=":material/error:")
        return None


def draw_slide(slide: Slide, projector: screen.Screen, events: bool, tools) -> None:
    """The slide as the room sees it, in the one slide container: headline and key number
    beside the chart, its title and source line under it. The chart's summary, downloads and
    detail boxes go to `tools` (a toolbar menu), never onto the slide."""
    with st.container(key=presenter.SLIDE):
        shown = filled(slide)
        if shown is None:
            return
        if not slide.has_chart:
            with st.container(border=True):
                st.title(shown.headline, anchor=False)
            if slide.slug == deck.HELP_SLUG:
                layout.get_help_box()
            with tools:
                st.caption("This slide has no chart.")
            return
        chart = slides.slide_chart(slide.chart, events=events)
        with tools:
            st.markdown(f"**This chart:** {chart.title}")
        text_column, chart_column = st.columns([1.15, 2.3], gap="large")
        with text_column:
            st.header(shown.headline, anchor=False)
            key = chart.key_number
            with st.container(border=True, gap=None):
                st.markdown(f"**{key.label}**")  # a metric label would be cut at one line
                st.metric(key.label, key.value, label_visibility="collapsed")
                if key.detail:
                    st.caption(key.detail)
        with chart_column:
            st.subheader(chart.title, anchor=False)
            # Sized for the projector once per chart and screen (~0.13 s of label layout).
            sized = cache.figure(screen.for_screen, chart.figure, projector)
            blocks.chart_block(sized, chart.plotted, chart.caption, key=f"slide_{slide.number}",
                               summary=chart.summary, export_title=chart.title, tools=tools,
                               config={"displayModeBar": False})
        with tools:
            layout.definition_note(chart.definition)


def audience() -> None:
    presenter.slide_keys(count)  # first: listening as soon as the page shows anything
    room = presenter.linked_room()
    room_was_closed = room is None and presenter.link_names_a_room()
    presenter.adopt(room)
    with toolbar():
        number = navigation()
        st.space("stretch")
        speaker_slot, follow_slot = st.empty(), st.empty()
        tools = st.popover("Tools", icon=":material/tune:",
                           help="Events and screen size; this chart's data and images; the link, "
                                "handout and deck; help")
        leave_link()
    with tools:
        show_events = urlstate.toggle(
            "Show events", True, key="events",
            disabled=all_slides[number - 1].chart not in slide_charts.TIME_CHARTS,
            help="Label policy events (FDA warnings, CDC guidelines) on charts over time")
        screen_id = urlstate.select("Screen", list(screen.SCREENS), screen.DEFAULT_SCREEN,
                                    key="screen", widget="segmented",
                                    format_func=lambda s: screen.SCREENS[s].label,
                                    help="Sizes the chart for the projector's resolution")
        chart_tools = st.container()
        st.divider()
        st.markdown("**Link to this view**")
        st.code(urlstate.shareable_url() or "?", language=None, wrap_lines=True)
        downloads = st.container(horizontal=True, gap="small")
        with st.expander("About presenter mode"):
            st.markdown(content.intro("presenter"))
            st.markdown(text("keys"))
    room, _ = presenter.record(room, number, show_events)
    speaker_slot.link_button("Speaker view", presenter.speaker_link(room),
                             icon=":material/co_present:",
                             help="Your own window: the slide small, the next slide, the notes "
                                  "and a clock. Moving in either window moves both.")
    with follow_slot.popover(f"Follow: {rooms.shown_code(room.code)}", icon=":material/groups:",
                             help="The code and link students open to follow the slides"):
        with st.container(key="follow_code"):
            st.markdown(rooms.shown_code(room.code))
        st.code(presenter.follow_link(room), language=None, wrap_lines=True)
        st.caption(text("follow", minutes=MINUTES))
    urlstate.show_notices()
    if room_was_closed:
        st.caption(f":material/info: {text('room_closed')}")
    presenter.keep_in_step(room)
    draw_slide(all_slides[number - 1], screen.SCREENS[screen_id], show_events, chart_tools)
    with downloads:  # last: the handout reads every slide's chart (seconds on a cold start)
        blocks.handout_button("Benzodiazepine overdose deaths: presenter slides",
                              slides.handout_sections(all_slides, events=show_events),
                              key="handout",
                              subtitle="Slides with their numbers, sources and speaker notes")
        offline_deck.deck_download_button(events=show_events)


def speaker() -> None:
    room = presenter.linked_room()
    if room is None:
        with toolbar():
            st.space("stretch")
            leave_link()
        st.warning(text("speaker_closed", minutes=MINUTES), icon=":material/link_off:")
        return
    presenter.slide_keys(count)
    presenter.adopt(room, events_key=None)
    with toolbar():
        number = navigation()
        st.space("stretch")
        st.button("Restart the clock", key="restart_clock", icon=":material/restart_alt:",
                  on_click=presenter.registry().restart_clock, args=(room.code, room.key))
        leave_link()
    room, _ = presenter.record(room, number, room.events)
    slide = all_slides[number - 1]
    shown = filled(slide)
    now_column, notes_column = st.columns([1.2, 1], gap="large")
    # The notes are drawn before the slide's chart: a speaker who moves reads the new notes as
    # soon as the counter changes, not after the chart is built.
    with notes_column:
        presenter.keep_in_step(room, draw=clock)
        upcoming = all_slides[number] if number < count else None
        st.markdown(f"**Next:** {menu[upcoming.number]}" if upcoming else "**Last slide**")
        st.markdown("**Notes**")
        if shown is not None:
            with st.container(key="speaker_notes"):
                st.markdown(shown.notes)
    with now_column:
        st.caption(f"Now on the projector: {menu[number]}")
        if shown is not None:
            st.subheader(shown.headline, anchor=False)
        if shown is not None and slide.has_chart:
            chart = slides.slide_chart(slide.chart, events=room.events)
            st.plotly_chart(cache.figure(screen.for_screen, chart.figure, screen.SPEAKER),
                            width="stretch", theme=None, key="speaker_chart", alt=chart.summary,
                            config={"displayModeBar": False, "staticPlot": True})
            key = chart.key_number
            st.markdown(f"{key.label}: **{key.value}**")


def clock(room: rooms.Room) -> None:
    with st.container(key="speaker_clock"):
        st.markdown(rooms.clock_text(presenter.registry().elapsed(room)))
    st.caption("Elapsed since the presentation opened")


def follower() -> None:
    code = rooms.normal_code(st.query_params.get_all(presenter.LINK_FOLLOW)[0]
                             if len(st.query_params.get_all(presenter.LINK_FOLLOW)) == 1
                             else None)

    def gone() -> None:
        with toolbar():
            st.space("stretch")
            leave_link()
        if code is None:
            st.warning(text("follow_invalid"), icon=":material/link_off:")
        elif st.session_state.get("_present_followed") == code:
            st.info(text("follow_gone", code=rooms.shown_code(code)), icon=":material/logout:")
        else:
            st.warning(text("follow_unknown", code=rooms.shown_code(code)),
                       icon=":material/search_off:")

    def show(room: rooms.Room) -> None:
        st.session_state["_present_followed"] = room.code
        with toolbar():
            st.markdown(f":material/groups: Following **{rooms.shown_code(room.code)}**")
            counter(room.slide)
            st.space("stretch")
            tools = st.popover("This chart", icon=":material/bar_chart:",
                               help="This chart's data, images and citation")
            leave_link()
        draw_slide(all_slides[room.slide - 1], screen.SCREENS[screen.DEFAULT_SCREEN],
                   room.events, tools)

    if code is None:
        gone()
    else:
        presenter.follow(code, gone, show)


{"follow": follower, presenter.SPEAKER: speaker}.get(presenter.link_view(), audience)()

"""Presenter mode's Streamlit side: the keys that always step the slides, the room shared by the
presenter's windows and the students who follow it, and the page style that gives the slide the
whole screen (pages/present.py lays the three views out: audience, speaker, follower).

Keys. Streamlit's own `st.button(shortcut=...)` goes through hotkeys-js, which ignores any key
pressed while focus is in an INPUT, TEXTAREA or SELECT: after a click on a toggle (an input), the
slide menu (an input) or a segmented control (which keeps arrow keys for itself), the arrows stop
until the speaker clicks empty space. Here a tiny `st.components.v2` component (JavaScript in the
page itself, no iframe) listens on the window in the capture phase, before any widget: Right/Left,
PageDown/PageUp (what presentation clickers send), Space/Shift+Space and Home/End step the slide
from anywhere except a text field being typed in; it takes the key from the widget (so a
focused toggle does not also flip) and sends one trigger value to Python. One exception keeps the
toolbar usable from the keyboard alone: a control reached with Tab keeps Space (press, flip) and,
in a segmented control, the arrows, until the next click.

Rooms. The audience window opens a room (app.presenting.rooms) as it first draws and keeps its code
and secret key in its own address (`?room=…&key=…`, never in "Copy link to this view"). The speaker
view is the same room with `view=speaker`; a follower has only the code (`?follow=…`). Each open
window checks the room every SYNC_SECONDS in a `st.fragment(run_every=...)` and reruns when the
room's version moved; presenter windows also keep the room alive that way. The registry lives
in the server process (`st.cache_resource`): rooms do not survive a restart, and several server
processes behind a load balancer would need sticky sessions.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from app.presenting import rooms as room_rules

SYNC_SECONDS = 0.5
"""How often an open presenter, speaker or follower window looks at its room: a move shows in the
other windows within about this plus one page run (benchmarks/RESULTS.md, presenter)."""


SEEN = "_present_seen"
"""st.session_state key: the room version this window last drew (or wrote)."""


KEYS_WIDGET = "present_keys"


TOOLBAR, SLIDE = "present_toolbar", "present_slide"
"""Container keys (CSS classes st-key-…) of the one toolbar and of the slide area: tests check
that no tool sits inside the slide."""


LINK_ROOM, LINK_KEY, LINK_VIEW, LINK_FOLLOW = "room", "key", "view", "follow"
SPEAKER = "speaker"


_KEYS_JS = """
export default function(component) {
  const { setTriggerValue } = component;
  const STEPS = {ArrowRight: 'next', ArrowLeft: 'previous', PageDown: 'next', PageUp: 'previous',
                 Home: 'first', End: 'last'};
  const TEXT = ['text', 'search', 'email', 'number', 'password', 'url', 'tel'];
  function typing(el) {
    if (!el || !el.tagName) return false;
    if (el.isContentEditable || el.tagName === 'TEXTAREA') return true;
    // The slide menu's input is a combobox: stepping from it is what the speaker wants.
    if (el.tagName !== 'INPUT' || el.getAttribute('role') === 'combobox') return false;
    return TEXT.includes((el.getAttribute('type') || 'text').toLowerCase());
  }
  let tabbed = false;  // was the focus last moved with Tab (rather than a click)?
  function own(e) {
    // A control reached with Tab keeps its own keys: Space presses a button or flips a toggle,
    // arrows choose in a segmented control. After a click every key steps.
    const el = e.target;
    if (!tabbed || !el || !el.getAttribute) return false;
    const role = el.getAttribute('role') || (el.tagName === 'BUTTON' ? 'button' : '');
    if (e.key === ' ' && !e.shiftKey) return ['button', 'switch', 'checkbox', 'radio'].includes(role);
    return role === 'radio' && ['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(e.key);
  }
  function step(e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target) || own(e)) return null;
    if (e.key === ' ' || e.key === 'Spacebar') return e.shiftKey ? 'previous' : 'next';
    return STEPS[e.key] || null;
  }
  function down(e) {
    if (e.key === 'Tab') tabbed = true;
    const action = step(e);
    if (!action) return;
    e.preventDefault();
    e.stopImmediatePropagation();
    const focused = document.activeElement;
    if (focused && focused !== document.body && focused.blur) focused.blur();
    if (!e.repeat) setTriggerValue('step', action);
  }
  function up(e) {
    // A button or toggle acts on Space's keyup: it must not see that one either.
    if (step(e)) { e.preventDefault(); e.stopImmediatePropagation(); }
  }
  function pointer() { tabbed = false; }
  window.addEventListener('keydown', down, true);
  window.addEventListener('keyup', up, true);
  window.addEventListener('pointerdown', pointer, true);
  // Says the keys are live: the module loads after the page's first run, a moment later under
  // load, and a key pressed before that does nothing (tests wait for this before pressing).
  document.documentElement.dataset.presenterKeys = 'on';
  return () => {
    delete document.documentElement.dataset.presenterKeys;
    window.removeEventListener('keydown', down, true);
    window.removeEventListener('keyup', up, true);
    window.removeEventListener('pointerdown', pointer, true);
  };
}
"""

_slide_keys = st.components.v2.component("benzo_presenter_keys", js=_KEYS_JS)


STEPS = ("next", "previous", "first", "last")


def stepped(action: str, number: int, count: int) -> int:
    """The slide a key or button leads to from `number` of `count`."""
    target = {"next": number + 1, "previous": number - 1, "first": 1, "last": count}[action]
    return min(max(target, 1), count)


def go(action: str, count: int, key: str = "slide") -> None:
    """Move the slide control (urlstate writes the new number to the link): a button callback."""
    st.session_state[key] = stepped(action, int(st.session_state.get(key, 1)), count)


def slide_keys(count: int, key: str = "slide") -> None:
    """The keys (see the module text) stepping the slide control `key` through `count` slides.
    Drawn once per page; it takes no room (hidden by `full_screen_style`)."""
    def on_key() -> None:
        action = getattr(st.session_state.get(KEYS_WIDGET), "step", None)
        if action in STEPS:
            go(action, count, key)

    _slide_keys(key=KEYS_WIDGET, on_step_change=on_key)


_STYLE = f"""<style>
[data-testid="stMainBlockContainer"] {{ padding: 0.6rem 1.5rem 0.4rem 1.5rem; }}
[data-testid="stHeader"] {{ background: transparent; pointer-events: none; }}
[data-testid="stHeader"] * {{ pointer-events: none; }}
[data-testid="stHeader"] button {{ pointer-events: auto; }}
[data-testid="stStatusWidget"]:not(:has([data-testid="stConnectionStatus"])) {{ visibility: hidden; }}
.st-key-{TOOLBAR} {{ padding-right: 2.6rem; }}
.st-key-{KEYS_WIDGET}, [data-testid="stLayoutWrapper"]:has(> .st-key-present_sync) {{
  display: none; }}
.st-key-{SLIDE} h1 {{ font-size: max(2.6rem, 5.6vh); }}
.st-key-{SLIDE} h2 {{ font-size: max(1.9rem, 4vh); line-height: 1.25; }}
.st-key-{SLIDE} h3 {{ font-size: max(1.25rem, 2.5vh); padding: 0; }}
.st-key-{SLIDE} [data-testid="stMetricValue"] p {{ font-size: max(2.6rem, 5.4vh); }}
.st-key-{SLIDE} [data-testid="stCaptionContainer"] p {{ font-size: max(0.875rem, 1.55vh); }}
.st-key-speaker_notes p {{ font-size: 1.45rem; line-height: 1.45; }}
.st-key-speaker_clock p {{ font-size: 2.6rem; font-weight: 600; margin: 0; }}
.st-key-follow_code p {{ font-size: 3.2rem; font-weight: 700; letter-spacing: 0.08em; margin: 0; }}
</style>"""
"""Presenter pages only (Streamlit drops it on leaving the page): the slide starts at the top of
the screen (the app menu stays, over the toolbar's right end; the "Running…" sign does not flash
there at every step, a lost connection still shows); the slide's text grows with the
screen's height (vh), never smaller than at 1280×720, where the headline is 30 px (the back of a
room needs ≥ 28 px); the speaker's notes and clock read at arm's length."""


def full_screen_style() -> None:
    st.html(_STYLE)


@st.cache_resource
def registry() -> room_rules.Rooms:
    """The one room registry of this server process, shared by every session."""
    return room_rules.Rooms()


def _one(name: str) -> str | None:
    values = st.query_params.get_all(name)
    return values[0] if len(values) == 1 else None


def link_view() -> str:
    """Which presenter view the link asks for: "follow", "speaker" or "audience"."""
    if _one(LINK_FOLLOW) is not None:
        return "follow"
    return SPEAKER if _one(LINK_VIEW) == SPEAKER else "audience"


def linked_room() -> room_rules.Room | None:
    """The room this presenter window's link names with its key, kept alive; None for none, a
    closed room or a wrong key."""
    code, key = room_rules.normal_code(_one(LINK_ROOM)), _one(LINK_KEY)
    if code is None or not room_rules.valid_key(key):
        return None
    return registry().check_in(code, key or "")


def link_names_a_room() -> bool:
    return bool(st.query_params.get_all(LINK_ROOM) or st.query_params.get_all(LINK_KEY))


def adopt(room: room_rules.Room | None, *, events_key: str | None = "events",
          slide_key: str = "slide") -> None:
    """Before the slide controls are drawn: when the room moved since this window last looked
    (the presenter's other window, or a first look), show the room's slide and events setting —
    in the controls and in the link, which the controls read (app.glue.urlstate)."""
    if room is None or st.session_state.get(SEEN) == room.version:
        return
    _set_link(slide_key, room.slide, 1)
    st.session_state[slide_key] = room.slide
    if events_key is not None:
        _set_link(events_key, room.events, True)
        st.session_state[events_key] = room.events
    st.session_state[SEEN] = room.version


def _set_link(name: str, value: Any, default: Any) -> None:
    if value == default:
        if name in st.query_params:
            del st.query_params[name]
    else:
        st.query_params[name] = "true" if value is True else "false" if value is False \
            else str(value)


def record(room: room_rules.Room | None, slide: int, events: bool) -> tuple[room_rules.Room, bool]:
    """After the controls: write this window's slide to its room (opening one if the link has
    none) and keep the room in the link. Returns the room and whether it is new. A move made
    meanwhile in the presenter's other window wins: this window then reruns to show it."""
    rooms = registry()
    if room is None:
        room = rooms.open(slide, events)
        st.query_params[LINK_ROOM] = room.code
        st.query_params[LINK_KEY] = room.key
        st.session_state[SEEN] = room.version
        return room, True
    moved = rooms.move(room.code, room.key, slide, events,
                       expected_version=st.session_state.get(SEEN, room.version))
    if moved is None:  # closed between the check-in and now
        return record(None, slide, events)
    if (moved.slide, moved.events) != (slide, events):
        st.session_state.pop(SEEN, None)
        st.rerun()
    st.session_state[SEEN] = moved.version
    return moved, False


def speaker_link(room: room_rules.Room) -> str:
    """The speaker view of `room`, relative to this page (works under any base path)."""
    return f"?{LINK_VIEW}={SPEAKER}&{LINK_ROOM}={room.code}&{LINK_KEY}={room.key}"


def follow_link(room: room_rules.Room) -> str:
    """The address students open to follow `room` (absolute in a browser session)."""
    base = st.context.url or "/present"
    return f"{base}?{LINK_FOLLOW}={room_rules.shown_code(room.code)}"


def keep_in_step(room: room_rules.Room, draw: Callable[[room_rules.Room], None] | None = None
                 ) -> None:
    """Every SYNC_SECONDS: keep the presenter's room alive and rerun the page when the room moved
    in another window (or closed). `draw`: what the check redraws each time (the speaker's
    clock); without it, the check draws nothing, in a hidden container."""
    code, key = room.code, room.key

    @st.fragment(run_every=SYNC_SECONDS)
    def check() -> None:
        now = registry().check_in(code, key)
        if now is None or now.version != st.session_state.get(SEEN):
            st.rerun(scope="app")
        if draw is not None:
            draw(now)

    if draw is None:
        with st.container(key="present_sync"):
            check()
    else:
        check()


def follow(code: str, on_gone: Callable[[], None], draw: Callable[[room_rules.Room], None]
           ) -> None:
    """A follower's window: `draw` the room's slide, and every SYNC_SECONDS look again, rerunning
    when the room moved; `on_gone` when the room closed or never was."""
    room = registry().follow(code)
    if room is None:
        on_gone()
        return
    st.session_state[SEEN] = room.version
    draw(room)

    @st.fragment(run_every=SYNC_SECONDS)
    def check() -> None:
        now = registry().follow(code)
        if now is None or now.version != st.session_state.get(SEEN):
            st.rerun(scope="app")
        away = registry().away(now)
        if away > room_rules.AWAY_SECONDS:
            st.caption(f":material/hourglass_empty: The presenter's window has not been seen for "
                       f"{room_rules.clock_text(away)}; this view moves again when they are back.")

    check()

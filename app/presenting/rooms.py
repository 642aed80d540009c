"""Rooms: one presentation shared by the presenter's windows and the students who follow it.

A room holds the slide on the projector (and whether events are labelled), a version that grows
with every move, when it opened and when a presenter window was last seen. It has two names:

- a short public **code** (8 characters of an alphabet without look-alikes, read aloud or typed
  from the projector) that lets anyone *follow*: read the slide, nothing else;
- a long secret **key** (128 random bits) held only in the presenter's own links (audience window
  and speaker view), needed to move the room or to keep it alive.

Guessing a code gives a reader the slide number of a public deck; that is the whole prize, so codes
are not rate-limited. Still they are hard to hit: 31**8 ≈ 8.5e11 codes, so with 1,000 rooms open a
guess succeeds once in ~850 million, and every guess costs a Streamlit session.

A room whose presenter has not been seen for EXPIRY_SECONDS is removed; its followers are told the
presenter has left. One process-wide `Rooms` (the glue keeps it with st.cache_resource) serves all
sessions, behind a lock. Pure: no Streamlit; the clock is injected for tests.
"""
from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
"""Digits and capitals without 0/O, 1/I/L: nothing two people could read differently."""


CODE_LENGTH = 8


KEY_BYTES = 16


EXPIRY_SECONDS = 15 * 60
"""A room lives this long after its presenter's windows were last seen. Long enough for a laptop
closed over a break or a dropped network to come back to the same room; short enough that
students are told soon after a class ends. (Open windows check in every SYNC_SECONDS.)"""


AWAY_SECONDS = 30
"""After this long without the presenter, followers are told the room is waiting for them."""


MAX_ROOMS = 1000
"""Rooms kept at most (a few hundred bytes each); opening one more drops the least recently seen."""


@dataclass
class Room:
    """A snapshot of one room (the registry keeps its own copy; changing this one changes
    nothing). `opened` and `seen` are readings of the registry's clock."""
    code: str
    key: str
    slide: int
    events: bool
    version: int
    opened: float
    seen: float


def normal_code(text: str | None) -> str | None:
    """The room code in `text` as stored ('abcd-2345 ' -> 'ABCD2345'), or None when it cannot be
    one (wrong length, a letter outside ALPHABET)."""
    if not text:
        return None
    code = text.strip().upper().replace("-", "").replace(" ", "")
    if len(code) != CODE_LENGTH or any(c not in ALPHABET for c in code):
        return None
    return code


def shown_code(code: str) -> str:
    """A code as people read it: two groups of four ('ABCD-2345')."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def valid_key(text: str | None) -> bool:
    """Whether `text` looks like a room key (URL-safe base64 of KEY_BYTES), before any lookup."""
    if not text or len(text) > 64:
        return False
    return all(c.isascii() and (c.isalnum() or c in "-_") for c in text)


class Rooms:
    """The registry of open rooms, safe to share between sessions (one lock)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._rooms: dict[str, Room] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._rooms)

    def _expire(self, now: float) -> None:
        for code in [c for c, r in self._rooms.items() if now - r.seen > EXPIRY_SECONDS]:
            del self._rooms[code]

    def open(self, slide: int, events: bool = True) -> Room:
        """A new room showing `slide`, with a fresh code and key."""
        with self._lock:
            now = self._clock()
            self._expire(now)
            while len(self._rooms) >= MAX_ROOMS:
                del self._rooms[min(self._rooms, key=lambda c: self._rooms[c].seen)]
            code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
            while code in self._rooms:
                code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
            room = Room(code, secrets.token_urlsafe(KEY_BYTES), slide, events, 0, now, now)
            self._rooms[code] = room
            return replace(room)

    def follow(self, code: str) -> Room | None:
        """What a follower may know of the room `code` (its key blanked), or None when there is no
        such open room. Reading does not keep a room alive."""
        with self._lock:
            self._expire(self._clock())
            room = self._rooms.get(code)
            return replace(room, key="") if room else None

    def _owned(self, code: str, key: str) -> Room | None:
        room = self._rooms.get(code)
        if room is None or not hmac.compare_digest(room.key.encode(), key.encode()):
            return None
        return room

    def check_in(self, code: str, key: str) -> Room | None:
        """The presenter's window is here: the room (kept alive), or None for an unknown or closed
        room or a wrong key."""
        with self._lock:
            now = self._clock()
            self._expire(now)
            room = self._owned(code, key)
            if room is None:
                return None
            room.seen = now
            return replace(room)

    def move(self, code: str, key: str, slide: int, events: bool, *,
             expected_version: int) -> Room | None:
        """Show `slide` (and `events`) in the room, if the key is right and the room is still at
        `expected_version` (the version this window last saw: a move made meanwhile in the
        presenter's other window wins). Returns the room after the call, moved or not; None as
        in `check_in`."""
        with self._lock:
            now = self._clock()
            self._expire(now)
            room = self._owned(code, key)
            if room is None:
                return None
            room.seen = now
            if room.version == expected_version and (room.slide, room.events) != (slide, events):
                room.slide, room.events, room.version = slide, events, room.version + 1
            return replace(room)

    def restart_clock(self, code: str, key: str) -> Room | None:
        """Start the room's elapsed-time clock again (the speaker view's button)."""
        with self._lock:
            now = self._clock()
            room = self._owned(code, key)
            if room is None:
                return None
            room.opened = room.seen = now
            return replace(room)

    def elapsed(self, room: Room) -> float:
        """Seconds since `room` opened (or its clock was restarted)."""
        return max(0.0, self._clock() - room.opened)

    def away(self, room: Room) -> float:
        """Seconds since a presenter window of `room` was last seen."""
        return max(0.0, self._clock() - room.seen)


def clock_text(seconds: float) -> str:
    """Elapsed time as the speaker view shows it: '4:05', '1:02:09'."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"

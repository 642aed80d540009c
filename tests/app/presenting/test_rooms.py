"""app/presenting/rooms.py: codes are random, unambiguous and hard to guess; only the key moves or
keeps a room; a move made meanwhile in the presenter's other window wins; a room closes when its
presenter has been gone EXPIRY_SECONDS (injected clock) and the registry stays bounded and
consistent under threads."""
from __future__ import annotations

import math
import threading

import pytest

from app.presenting import rooms


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def clock() -> Clock:
    return Clock()


@pytest.fixture()
def registry(clock) -> rooms.Rooms:
    return rooms.Rooms(clock=clock)


def test_codes_are_random_unambiguous_and_hard_to_guess(registry):
    opened = [registry.open(1) for _ in range(300)]
    codes = {r.code for r in opened}
    assert len(codes) == 300
    assert all(len(c) == rooms.CODE_LENGTH and set(c) <= set(rooms.ALPHABET) for c in codes)
    assert not set("01ILO") & set(rooms.ALPHABET), "no look-alike characters"
    # ~40 bits: with 1,000 rooms open, one guess in ~850 million finds one.
    assert math.log2(len(rooms.ALPHABET) ** rooms.CODE_LENGTH) > 39
    assert len(set("".join(codes))) > 25, "the whole alphabet is used"
    keys = {r.key for r in opened}
    assert len(keys) == 300 and all(len(k) >= 22 and rooms.valid_key(k) for k in keys)


def test_followers_read_the_slide_but_never_the_key(registry):
    room = registry.open(3, events=False)
    seen = registry.follow(room.code)
    assert (seen.slide, seen.events, seen.version) == (3, False, 0)
    assert seen.key == ""
    assert registry.follow("ZZZZZZZZ") is None


def test_only_the_key_moves_a_room(registry):
    room = registry.open(1)
    assert registry.move(room.code, "not-the-key", 5, True, expected_version=0) is None
    assert registry.move(room.code, "", 5, True, expected_version=0) is None
    assert registry.check_in(room.code, room.key[:-1] + "x") is None
    assert registry.follow(room.code).slide == 1
    moved = registry.move(room.code, room.key, 5, True, expected_version=0)
    assert (moved.slide, moved.version) == (5, 1)
    assert registry.follow(room.code).slide == 5


def test_a_move_made_meanwhile_in_the_other_window_wins(registry):
    room = registry.open(1)
    registry.move(room.code, room.key, 2, True, expected_version=0)  # the speaker view
    stale = registry.move(room.code, room.key, 7, True, expected_version=0)  # the audience
    assert (stale.slide, stale.version) == (2, 1), "not moved: this window reruns and shows 2"
    same = registry.move(room.code, room.key, 2, True, expected_version=1)
    assert same.version == 1, "no move, no new version"


def test_a_room_closes_when_its_presenter_has_been_gone_a_while(registry, clock):
    kept, left = registry.open(1), registry.open(1)
    clock.now += rooms.EXPIRY_SECONDS - 5
    assert registry.check_in(kept.code, kept.key) is not None  # its window checked in
    registry.follow(left.code)  # followers reading do not keep a room alive
    clock.now += 10
    assert registry.follow(left.code) is None
    assert registry.check_in(left.code, left.key) is None
    assert registry.follow(kept.code) is not None
    assert registry.away(registry.follow(kept.code)) == pytest.approx(10)
    clock.now += rooms.EXPIRY_SECONDS + 1
    assert registry.follow(kept.code) is None and len(registry) == 0


def test_the_clock_runs_from_opening_and_restarts(registry, clock):
    room = registry.open(1)
    clock.now += 125
    assert rooms.clock_text(registry.elapsed(registry.follow(room.code))) == "2:05"
    assert registry.restart_clock(room.code, "wrong") is None
    registry.restart_clock(room.code, room.key)
    assert registry.elapsed(registry.follow(room.code)) == 0
    assert rooms.clock_text(3 * 3600 + 62) == "3:01:02"


def test_the_registry_is_bounded(registry, clock):
    first = registry.open(1)
    for _ in range(rooms.MAX_ROOMS - 1):
        clock.now += 0.001
        registry.open(1)
    assert len(registry) == rooms.MAX_ROOMS
    newest = registry.open(1)
    assert len(registry) == rooms.MAX_ROOMS
    assert registry.follow(first.code) is None, "the least recently seen room goes"
    assert registry.follow(newest.code) is not None


def test_moves_from_many_threads_stay_consistent(registry):
    room = registry.open(1)
    done = []

    def presenter_window() -> None:
        for _ in range(200):
            now = registry.check_in(room.code, room.key)
            after = registry.move(room.code, room.key, now.slide % 10 + 1, True,
                                  expected_version=now.version)
            done.append(after.version)

    threads = [threading.Thread(target=presenter_window) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    final = registry.follow(room.code)
    assert final.version == max(done) and 1 <= final.slide <= 10
    assert final.version <= 800


@pytest.mark.parametrize("text,code", [
    ("ABCD2345", "ABCD2345"), ("abcd-2345", "ABCD2345"), (" ab cd 23 45 ", "ABCD2345"),
    ("ABCD-234", None), ("ABCD23450", None), ("ABCD-23O5", None), ("", None), (None, None),
    ("<script>", None), ("ABCD-２345", None),
])
def test_codes_in_links(text, code):
    assert rooms.normal_code(text) == code


def test_codes_are_shown_in_two_groups_and_keys_checked_before_lookup():
    assert rooms.shown_code("ABCD2345") == "ABCD-2345"
    assert rooms.valid_key("osSX5NKydlcWucM-XN_lzA")
    assert not rooms.valid_key("") and not rooms.valid_key(None)
    assert not rooms.valid_key("a b") and not rooms.valid_key("x" * 65)
    assert not rooms.valid_key("ключ")

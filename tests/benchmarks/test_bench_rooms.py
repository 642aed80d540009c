"""benchmarks/bench_rooms.py: the two slides its moves go between are found in the deck by name
(a hard-coded number broke when slides were added), and both are text slides, so a move costs
the room's check and one page run, not a chart."""
from __future__ import annotations

from app.presenting import deck
from benchmarks.bench_rooms import text_slides


def test_the_moves_go_between_two_adjacent_text_slides_of_the_deck():
    first, second = text_slides()
    by_number = {s.number: s for s in deck.load_slides()}
    assert by_number[first].slug == "withdrawal" and second == first + 1
    assert second in by_number, "the slide after it exists"
    assert not by_number[first].has_chart and not by_number[second].has_chart

"""app/glue/explorer_controls.py: the stale-choice fixers keep what is still possible and drop
what is not."""
from __future__ import annotations


from app.glue import explorer_controls


def test_fixers():
    assert explorer_controls.keep_choice(["a", "b"])("a") == "a"
    assert explorer_controls.keep_choice(["a", "b"])("c") is None
    assert explorer_controls.keep_choices(["a", "b"])(["a", "c"]) == ["a"]
    assert explorer_controls.keep_choices(["a", "b"])(["c"]) is None
    assert explorer_controls.keep_choices(["a", "b"])([]) == []
    assert explorer_controls.keep_span(2010, 2020)((2005, 2015)) == (2010, 2015)
    assert explorer_controls.keep_span(2010, 2020)((2000, 2005)) is None
    assert explorer_controls.keep_year(2010, 2020)(2015) == 2015
    assert explorer_controls.keep_year(2010, 2020)(2021) is None

"""app/glue/urlstate.py: the decoders on their own, then AppTest on a page with one control of each
kind (tests/app/glue/urlstate_demo_page.py): link -> controls, control -> link, bad links ->
defaults with one quiet notice."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app.glue import urlstate
from app.glue.urlstate import InvalidLinkValue

DEMO_PAGE = Path(__file__).with_name("urlstate_demo_page.py")
DEFAULT_VIEW = ("state=CT measure=rate sex=all drugs=benzodiazepines year=2023 years=1999-2023 "
                "scale=False")
HOSTILE = "<script>alert(1)</script>"


def open_page(**query: str | list[str]) -> AppTest:
    at = AppTest.from_file(str(DEMO_PAGE), default_timeout=30)
    at.query_params.update(query)
    return at.run()


def view(at: AppTest) -> str:
    assert not at.exception, [e.value for e in at.exception]
    return at.text[0].value


def notices(at: AppTest) -> list[str]:
    return [c.value for c in at.caption if "Ignored" in c.value]


def rendered_text(at: AppTest) -> str:
    """Everything the page put on screen, to check nothing echoes the link."""
    parts = [e.value for kind in ("caption", "markdown", "text", "code", "exception")
             for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


# Decoders

@pytest.mark.parametrize("raw", [[], ["a", "b"], [""], ["x" * 2000], [HOSTILE], ["CT "]])
def test_decode_choice_rejects(raw):
    with pytest.raises(InvalidLinkValue):
        urlstate.decode_choice(raw, ["CT", "MA"])


@pytest.mark.parametrize("raw", [["abc"], ["99999"], ["1998"], ["2010.7"], [" 2010"], ["٢٠١٠"],
                                 ["2010", "2011"], ["1e3"], ["-0"]])
def test_decode_year_rejects(raw):
    with pytest.raises(InvalidLinkValue):
        urlstate.decode_year(raw, 1999, 2023)


@pytest.mark.parametrize("raw", [["2015,2005"], ["2010"], ["2010,2011,2012"], ["1990,2000"],
                                 ["2010,"]])
def test_decode_year_range_rejects(raw):
    with pytest.raises(InvalidLinkValue):
        urlstate.decode_year_range(raw, 1999, 2023)


def test_decoders_round_trip_with_encode():
    options = ["benzodiazepines", "any_opioid"]
    assert urlstate.decode_choices([urlstate.encode(["any_opioid", "benzodiazepines"])],
                                   options) == ["any_opioid", "benzodiazepines"]
    assert urlstate.decode_choices([urlstate.encode([])], options) == []
    assert urlstate.decode_year_range([urlstate.encode((2005, 2005))], 1999, 2023) == (2005, 2005)
    assert urlstate.decode_flag([urlstate.encode(True)]) is True
    assert urlstate.decode_choice([urlstate.encode(7)], [5, 7]) == 7


@pytest.mark.parametrize("raw", [["benzodiazepines,nonexistent"], ["any_opioid,any_opioid"],
                                 ["benzodiazepines", "any_opioid"]])
def test_decode_choices_rejects(raw):
    with pytest.raises(InvalidLinkValue):
        urlstate.decode_choices(raw, ["benzodiazepines", "any_opioid"])


@pytest.mark.parametrize("key", ["Year", "1year", "embed", "a-b", "x" * 40])
def test_bad_keys_are_a_page_author_error(key):
    with pytest.raises(ValueError, match="URL key"):
        urlstate._check_key(key)


# The demo page

def test_default_view_has_a_clean_link():
    at = open_page()
    assert view(at) == DEFAULT_VIEW
    assert at.query_params == {}
    assert notices(at) == []
    assert len(at.code) == 1  # the copy-link box


def test_link_sets_every_control():
    link = {"state": "NY", "measure": "count", "sex": "female",
            "drugs": "any_opioid,benzodiazepines", "year": "2010", "years": "2005,2010",
            "scale": "true"}
    at = open_page(**link)
    assert view(at) == ("state=NY measure=count sex=female drugs=any_opioid,benzodiazepines "
                        "year=2010 years=2005-2010 scale=True")
    assert at.selectbox(key="state").value == "NY"
    assert at.radio(key="measure").value == "count"
    assert at.segmented_control(key="sex").value == "female"
    assert at.multiselect(key="drugs").value == ["any_opioid", "benzodiazepines"]
    assert at.slider(key="year").value == 2010
    assert at.slider(key="years").value == (2005, 2010)
    assert at.toggle(key="scale").value is True
    assert at.query_params == link
    assert notices(at) == []
    assert at.code[0].value == ("?state=NY&measure=count&sex=female&drugs=any_opioid,"
                                "benzodiazepines&year=2010&years=2005,2010&scale=true")


def test_changing_controls_rewrites_the_link():
    at = open_page(state="NY")
    at.selectbox(key="state").set_value("MA")
    at.radio(key="measure").set_value("count")
    at.segmented_control(key="sex").set_value("male")
    at.multiselect(key="drugs").select("synthetic_opioids")
    at.slider(key="year").set_value(2001)
    at.slider(key="years").set_range(2003, 2007)
    at.toggle(key="scale").set_value(True)
    at.run()
    assert view(at) == ("state=MA measure=count sex=male drugs=benzodiazepines,synthetic_opioids "
                        "year=2001 years=2003-2007 scale=True")
    assert at.query_params == {"state": "MA", "measure": "count", "sex": "male",
                               "drugs": "benzodiazepines,synthetic_opioids", "year": "2001",
                               "years": "2003,2007", "scale": "true"}
    at.selectbox(key="state").set_value("CT").run()  # back to the default: dropped from the link
    assert "state" not in at.query_params
    assert at.code[0].value.startswith("?measure=count&")


def test_emptying_a_multiselect_survives_the_round_trip():
    at = open_page()
    at.multiselect(key="drugs").set_value([]).run()
    assert at.query_params == {"drugs": ""}
    assert "drugs= " in view(open_page(drugs=""))


def test_a_link_changed_between_runs_wins_over_the_widget():
    """Back/forward or a pasted link on an open session: the new URL sets the controls."""
    at = open_page(year="2010")
    at.query_params["year"] = "2012"
    at.run()
    assert at.slider(key="year").value == 2012
    del at.query_params["year"]
    at.run()
    assert at.slider(key="year").value == 2023


@pytest.mark.parametrize(("query", "bad_key"), [
    ({"state": HOSTILE}, "state"),
    ({"state": "ny"}, "state"),
    ({"state": ["NY", "MA"]}, "state"),
    ({"year": "abc"}, "year"),
    ({"year": "99999"}, "year"),
    ({"year": "2010.7"}, "year"),
    ({"years": "2015,2005"}, "years"),
    ({"drugs": "benzodiazepines,nonexistent"}, "drugs"),
    ({"measure": "<img src=x onerror=alert(1)>"}, "measure"),
    ({"sex": ""}, "sex"),
    ({"scale": "yes"}, "scale"),
    ({"state": "N" * 100_000}, "state"),
])
def test_bad_link_values_fall_back_to_defaults_with_a_notice(query, bad_key):
    at = open_page(**query)
    assert view(at) == DEFAULT_VIEW
    assert notices(at) == [f":material/link_off: Ignored an invalid link setting: `{bad_key}`. "
                           "Showing the default instead."]
    assert bad_key not in at.query_params  # the link is cleaned, not kept
    shown = rendered_text(at)
    assert "<script" not in shown and "<img" not in shown and "NNNN" not in shown
    assert not at.html


def test_several_bad_values_share_one_notice_and_leave_good_ones():
    at = open_page(state=HOSTILE, year="abc", measure="count")
    assert at.radio(key="measure").value == "count"
    assert notices(at) == [":material/link_off: Ignored invalid link settings: `state`, `year`. "
                           "Showing the defaults instead."]
    at.run()
    assert notices(at) == []  # quiet: said once


def test_unknown_params_are_left_out_of_the_shared_link():
    at = open_page(state="NY", utm_source=HOSTILE)
    assert at.code[0].value == "?state=NY"


# Lazy tabs bound to the link

TABS_PAGE = Path(__file__).with_name("urlstate_tabs_page.py")


def open_tabs_page(**query: str) -> AppTest:
    at = AppTest.from_file(str(TABS_PAGE), default_timeout=30)
    at.query_params.update(query)
    return at.run()


def drawn(at: AppTest) -> list[str]:
    assert not at.exception, [e.value for e in at.exception]
    return [t.value for t in at.text]


def test_only_the_open_tab_is_drawn_and_the_default_keeps_a_clean_link():
    at = open_tabs_page()
    assert drawn(at) == ["drawn: deaths"]
    assert at.session_state["section"] == "Deaths"
    assert at.query_params == {}


def test_a_link_opens_its_tab_and_a_switch_rewrites_the_link():
    at = open_tabs_page(section="visits")
    assert drawn(at) == ["drawn: visits 2023"]
    assert at.query_params == {"section": "visits"}
    at.session_state["section"] = "Deaths"
    at.run()
    assert drawn(at) == ["drawn: deaths"]
    assert at.query_params == {}


@pytest.mark.parametrize("raw", [HOSTILE, "Nonfatal visits", "VISITS", ""])
def test_a_tab_the_page_does_not_have_falls_back_with_a_notice(raw):
    at = open_tabs_page(section=raw)
    assert drawn(at) == ["drawn: deaths"]
    assert [n.split(": ", 1)[1] for n in notices(at)] == [
        "Ignored an invalid link setting: `section`. Showing the default instead."]
    assert HOSTILE not in rendered_text(at)


def test_a_control_in_a_closed_tab_keeps_its_link_value():
    at = open_tabs_page(section="visits")
    at.slider(key="year").set_value(2019).run()
    assert at.query_params == {"section": "visits", "year": "2019"}
    at.session_state["section"] = "Deaths"
    at.run()
    assert drawn(at) == ["drawn: deaths"]
    assert at.query_params == {"year": "2019"}, "the closed tab's setting stays in the link"
    at.session_state["section"] = "Nonfatal visits"
    at.run()
    assert drawn(at) == ["drawn: visits 2019"]


def _tabs_with_a_wrong_default() -> None:
    from app.glue import urlstate
    urlstate.tabs({"a": "A"}, key="t", default="b")


def test_tabs_refuse_a_default_they_do_not_have():
    at = AppTest.from_function(_tabs_with_a_wrong_default).run()
    assert "'b' of 't' is not one of its tabs" in at.exception[0].value


def _value_checked_after_the_notices() -> None:
    """A page that checks a link value after its last show_notices() (dashboard.py starts every
    run with urlstate.start_run())."""
    from app.glue import urlstate
    urlstate.start_run()
    urlstate.show_notices()
    urlstate.select("Late", ["a", "b"], "a", key="late")


def test_a_notice_not_shown_in_its_run_is_not_shown_on_the_next():
    at = AppTest.from_function(_value_checked_after_the_notices, default_timeout=30)
    at.query_params["late"] = "zzz"
    at.run()
    assert at.selectbox(key="late").value == "a"
    at.selectbox(key="late").set_value("b").run()  # the reader's next click
    assert notices(at) == [], "a stale notice from the run before"


def _pills_page() -> None:
    import streamlit as st

    from app.glue import urlstate

    drug = urlstate.select("Drug", ["clonazepam", "alprazolam", "etizolam"], "clonazepam",
                           key="drug", widget="pills", format_func=str.title)
    urlstate.show_notices()
    st.text(f"drug={drug}")


def test_pills_are_bound_to_the_link_like_any_select():
    at = AppTest.from_function(_pills_page, default_timeout=30)
    at.query_params["drug"] = "alprazolam"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.text[0].value == "drug=alprazolam"
    assert at.button_group(key="drug").value == "alprazolam"
    at.button_group(key="drug").set_value("etizolam").run()
    assert at.text[0].value == "drug=etizolam" and at.query_params["drug"] == "etizolam"
    at.button_group(key="drug").set_value("clonazepam").run()
    assert "drug" not in at.query_params, "the default leaves the link clean"

    bad = AppTest.from_function(_pills_page, default_timeout=30)
    bad.query_params["drug"] = HOSTILE
    bad.run()
    assert bad.text[0].value == "drug=clonazepam"
    assert notices(bad) and HOSTILE not in rendered_text(bad)

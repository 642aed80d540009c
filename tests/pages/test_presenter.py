"""pages/present.py: every slide renders from the processed data with its headline filled (no
raw {placeholder}), its number equal to app.glue.headlines.headline_values() and the files, Previous/Next
move the slide and the link, a bad ?slide= falls back to slide 1 with a notice, the events and
screen controls live in the URL, every tool sits in the one toolbar (none in the slide) and the
speaker notes never on the projected slide, a link leads back to the overview (the only way out:
dashboard.py hides the menu here), and a missing table stops only the slides that need it.

Rooms: the audience window opens one and keeps it in its link (never in the shared link); the
speaker view moves it and the audience follows, and back; a follower sees the room's slide and
cannot move it, whatever its link says; a closed room (an injected clock runs past the expiry)
tells its followers the presenter has left, and a presenter link to it opens a new room.

st.page_link only accepts pages registered through dashboard.py's st.navigation, which AppTest of
the page file alone does not run: those runs record the link instead, and one test runs the page
through dashboard.py."""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from unittest import mock

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from app.data import content
from app.glue import headlines, presenter
from app.presenting import deck, rooms, screen
from tests.pages import harness

ROOT = Path(__file__).resolve().parents[2]
PAGE = "pages/present.py"
DATA = ROOT / "data"
HOSTILE = "<script>alert(1)</script>"
DECK = deck.load_slides()
COUNT = len(DECK)
REAL_PAGE_LINK = st.page_link


@pytest.fixture(scope="module", autouse=True)
def page_links():
    """Calls to st.page_link while this module's tests run (nothing is drawn for them)."""
    with mock.patch("streamlit.page_link") as page_link:
        yield page_link


class Clock:
    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def clock() -> Clock:
    return Clock()


@pytest.fixture(autouse=True)
def registry(clock):
    """A room registry of this test's own, on its clock (the page's is process-wide)."""
    own = rooms.Rooms(clock=clock)
    with mock.patch.object(presenter, "registry", lambda: own):
        yield own


def run_page(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / PAGE), default_timeout=30)
    at.query_params.update(query or {})
    at.run()
    return at


def counter(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("**Slide "))


def headline(at: AppTest) -> str:
    """The slide's sentence: a heading beside a chart (its title a subheader), the title of a text
    card."""
    return (at.header or at.title or at.subheader)[0].value


def shown_text(at: AppTest) -> str:
    return " ".join(str(e.value) for kind in ("markdown", "caption", "text", "title", "header",
                                              "subheader", "info", "error")
                    for e in getattr(at, kind))


@pytest.fixture(scope="module")
def values() -> dict[str, str]:
    return headlines.headline_values()


@pytest.fixture(scope="module")
def every_slide() -> dict[int, AppTest]:
    return {s.number: run_page({"slide": str(s.number)}) for s in DECK}


def test_every_slide_renders_with_its_sentence_filled(every_slide, values):
    for slide in DECK:
        at = every_slide[slide.number]
        assert not at.exception, (slide.number, [e.value for e in at.exception])
        assert not at.error
        assert counter(at) == f"**Slide {slide.number} of {COUNT}**"
        assert at.selectbox(key="slide").value == slide.number
        assert headline(at) == content.fill(slide.headline, values)
        text = shown_text(at)
        assert "{" not in text and "}" not in text, f"raw placeholder on slide {slide.number}"


def test_chart_slides_have_one_chart_source_number_and_data(every_slide):
    for slide in DECK:
        at = every_slide[slide.number]
        charts_drawn = at.get("plotly_chart")
        if slide.has_chart:
            assert len(charts_drawn) == 1, slide.number
            assert any(c.value.startswith("Source:") and "Definition:" in c.value
                       for c in at.caption), slide.number
            assert len(at.metric) == 1
            assert [e.label for e in at.expander][:2] == ["Show data",
                                                          "Cite and reproduce this view"]
        else:
            assert not charts_drawn and not at.metric, slide.number


def test_a_chart_slide_offers_its_plotted_rows_once_show_data_is_opened():
    slide = next(s for s in DECK if s.has_chart)
    at = harness.open_chart_details(run_page({"slide": str(slide.number)}))
    assert not at.exception
    assert len(at.dataframe) == 1
    assert any(b.proto.label == "Download these data (CSV)" for b in at.get("download_button"))


def test_help_slide_shows_the_help_box(every_slide):
    help_slide = next(s for s in DECK if s.slug == deck.HELP_SLUG)
    boxes = [i.value for i in every_slide[help_slide.number].info]
    assert any("988" in b and "1-800-662-4357" in b and "911" in b for b in boxes)


def test_the_number_on_each_slide_equals_headline_values(every_slide, values):
    expected = {
        "benzo_trend": values["benzo_deaths_latest"],
        "with_without_opioids": values["share_with_opioids_latest"],
        "opioid_share": values["share_opioid_deaths_with_benzo_2019_value"],
        "synthetic_split": values["share_with_synthetic_latest"],
        "illicit_benzos": values["illicit_benzo_deaths_latest"],
        "nonfatal_ed": values["nonfatal_benzo_ed_rate_latest"],
        "named_benzos": values["named_designer_latest"],
    }
    for slide in DECK:
        if slide.chart in expected:
            assert every_slide[slide.number].metric[0].value == expected[slide.chart], slide.slug


def test_numbers_equal_the_processed_files(every_slide):
    manifest = json.loads((DATA / "manifest.json").read_text())
    nida = pd.read_parquet(DATA / manifest["tables"]["nida_national"]["file"])
    rows = nida[(nida["measure"] == "deaths") & (nida["sex"] == "all")
                & (nida["age_group"] == "all") & (nida["race_ethnicity"] == "all")]
    deaths = rows.pivot_table(index="year", columns="drug_group", values="value")
    year = int(deaths["benzodiazepines"].dropna().index.max())
    share = deaths.loc[year, "benzodiazepines_with_any_opioid"] / deaths.loc[
        year, "benzodiazepines"] * 100
    by_chart = {s.chart: every_slide[s.number] for s in DECK}
    assert by_chart["benzo_trend"].metric[0].value == f"{deaths.loc[year, 'benzodiazepines']:,.0f}"
    assert by_chart["with_without_opioids"].metric[0].value == f"{share:.0f}%"
    sudors = pd.read_parquet(DATA / manifest["tables"]["sudors_state"]["file"])
    illicit = sudors[(sudors["drug_group"] == "illegal_benzodiazepines")
                     & (sudors["measure"] == "deaths") & (sudors["geo_fips"] == "99")
                     & (sudors["sex"] == "all") & (sudors["age_group"] == "all")]
    latest = illicit.loc[illicit["year"].idxmax()]
    assert by_chart["illicit_benzos"].metric[0].value == f"{latest['value']:,.0f}"
    named = pd.read_parquet(DATA / manifest["tables"]["allegheny_named_benzodiazepines"]["file"])
    full = named[~named["partial_period"].astype(bool) & (named["co_involvement"] == "all")]
    year = int(full["year"].max())
    designer = full[(full["drug"] == "any_designer") & (full["year"] == year)]["value"].iloc[0]
    named_slide = by_chart["named_benzos"]
    assert named_slide.metric[0].value == f"{designer:,.0f}"
    assert str(year) in named_slide.metric[0].label


def test_next_and_previous_move_the_slide_and_the_link():
    at = run_page()
    assert at.button(key="previous").disabled and not at.button(key="next").disabled
    at.button(key="next").click().run()
    assert not at.exception
    assert counter(at) == f"**Slide 2 of {COUNT}**"
    assert at.query_params["slide"] == "2"
    at.button(key="next").click().run()
    assert at.query_params["slide"] == "3"
    at.button(key="previous").click().run()
    assert counter(at) == f"**Slide 2 of {COUNT}**" and at.query_params["slide"] == "2"
    at.button(key="previous").click().run()
    assert counter(at) == f"**Slide 1 of {COUNT}**"
    assert "slide" not in at.query_params, "slide 1 is the default and left out of the link"


def test_last_slide_disables_next():
    at = run_page({"slide": str(COUNT)})
    assert at.button(key="next").disabled and not at.button(key="previous").disabled


def test_the_slide_picker_writes_the_link():
    at = run_page({"slide": "4"})
    at.selectbox(key="slide").set_value(7).run()
    assert counter(at) == f"**Slide 7 of {COUNT}**" and at.query_params["slide"] == "7"


@pytest.mark.parametrize("bad", ["999", "0", "abc", "2.5", HOSTILE])
def test_bad_slide_in_the_link_opens_slide_one_with_a_notice(bad):
    at = run_page({"slide": bad})
    assert not at.exception
    assert counter(at) == f"**Slide 1 of {COUNT}**"
    assert any("Ignored an invalid link setting: `slide`" in c.value for c in at.caption)
    assert "<script>" not in shown_text(at)


def test_speaker_notes_are_never_on_the_projected_slide(every_slide):
    for slide in DECK:
        assert slide.notes not in shown_text(every_slide[slide.number]), slide.number
    old_link = run_page({"notes": "true", "slide": "2"})  # the toggle that once showed them
    assert DECK[1].notes not in shown_text(old_link)
    assert [t.key for t in old_link.toggle] == ["events"], "no notes toggle"


def nodes(node) -> list:
    """Every element and block under `node`, depth first."""
    found = []
    for child in getattr(node, "children", {}).values():
        found.append(child)
        found.extend(nodes(child))
    return found


def keyed(at: AppTest, key: str):
    return next(n for n in nodes(at.main) if getattr(n, "key", None) == key)


TOOLS = {"button", "download_button", "link_button", "popover", "expander", "toggle",
         "button_group", "selectbox", "page_link", "bidi_component"}


def test_every_tool_is_in_the_toolbar_none_in_the_slide(every_slide):
    for slide in DECK:
        at = every_slide[slide.number]
        inside = [n.type for n in nodes(keyed(at, presenter.SLIDE)) if n.type in TOOLS]
        assert not inside, (slide.number, inside)
        toolbar = {getattr(n, "key", None) for n in nodes(keyed(at, presenter.TOOLBAR))}
        assert {"previous", "slide", "next", "events", "screen", "handout"} <= toolbar
        if slide.has_chart:
            assert {f"png_slide_{slide.number}", f"svg_slide_{slide.number}",
                    f"show_data_slide_{slide.number}"} <= toolbar
            chart = next(n for n in nodes(keyed(at, presenter.SLIDE)) if n.type == "plotly_chart")
            assert json.loads(chart.proto.config)["displayModeBar"] is False


def test_events_toggle_round_trips_and_clears_the_chart():
    def event_lines(at: AppTest) -> int:
        spec = json.loads(at.get("plotly_chart")[0].proto.spec)
        return sum(s.get("type") == "line" for s in spec["layout"].get("shapes", []))

    at = run_page({"events": "false"})
    assert at.toggle(key="events").value is False and event_lines(at) == 0
    at.toggle(key="events").set_value(True).run()
    assert "events" not in at.query_params and event_lines(at) > 0


def test_screen_size_sets_the_chart_height():
    def height(at: AppTest) -> int:
        return json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]["height"]

    small, large = run_page(), run_page({"screen": "1080"})
    assert height(small) == screen.SCREENS["720"].chart_height
    assert height(large) == screen.SCREENS["1080"].chart_height
    assert large.header, "a larger heading on the large screen"


def test_a_link_leads_back_to_the_overview(page_links):
    page_links.reset_mock()
    at = run_page({"slide": "3"})
    assert not at.exception
    [call] = page_links.call_args_list
    assert call.args == ("pages/overview.py",)
    assert call.kwargs["label"] == "Leave presenter mode"


def test_the_page_runs_through_dashboard_with_its_way_out():
    with mock.patch("streamlit.page_link", new=REAL_PAGE_LINK):  # the real one, here
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
        at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.markdown[0].value == f"**Slide 1 of {COUNT}**", "dashboard.py draws nothing itself"
    [link] = at.get("page_link")
    assert at.get("bidi_component")[0].key == presenter.KEYS_WIDGET, "the keys are there"
    assert link.proto.label == "Leave presenter mode"
    assert link.proto.page_script_hash and not link.proto.external
    # Where it leads (the overview at "/") is checked in tests/browser/test_presenter_browser.py.


def test_handout_and_offline_deck_are_offered():
    at = run_page()
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Handout (PDF)" in labels and "Download the deck" in labels


@pytest.mark.parametrize("missing,broken,working", [
    ("sudors_state", "illicit_benzos", "benzo_trend"),
    ("nida_national", "benzo_trend", "nonfatal_ed"),
])
def test_missing_table_stops_only_the_slides_that_need_it(tmp_path, monkeypatch, missing, broken,
                                                          working):
    copy = tmp_path / "data"
    shutil.copytree(DATA, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    (copy / manifest["tables"][missing]["file"]).unlink()
    monkeypatch.setenv("BENZO_DATA_DIR", str(copy))
    number = {s.chart: s.number for s in DECK}
    st.cache_data.clear()
    try:
        failing = run_page({"slide": str(number[broken])})
        fine = run_page({"slide": str(number[working])})
    finally:
        st.cache_data.clear()
    assert not failing.exception and not fine.exception
    assert any(missing in e.value for e in failing.error)
    assert not failing.get("plotly_chart")
    assert failing.button(key="next"), "navigation stays"
    assert not fine.error and len(fine.get("plotly_chart")) == 1


def room_of(at: AppTest, registry: rooms.Rooms) -> rooms.Room:
    return registry.follow(at.query_params["room"])


def speaker_page(audience: AppTest, query: dict[str, str] | None = None) -> AppTest:
    return run_page({"view": "speaker", "room": audience.query_params["room"],
                     "key": audience.query_params["key"], **(query or {})})


def test_the_audience_window_opens_a_room_and_keeps_it_in_its_link(registry):
    at = run_page({"slide": "3"})
    code, key = at.query_params["room"], at.query_params["key"]
    assert rooms.normal_code(code) == code and rooms.valid_key(key)
    assert room_of(at, registry).slide == 3
    at.button(key="next").click().run()
    assert room_of(at, registry).slide == 4 and at.query_params["room"] == code
    follow = next(n for n in nodes(keyed(at, "follow_code")) if n.type == "markdown")
    assert follow.value == rooms.shown_code(code)
    assert any(c.value.endswith(f"?follow={rooms.shown_code(code)}") for c in at.code)
    speaker = next(b for b in at.get("link_button") if b.proto.label == "Speaker view")
    assert speaker.proto.url == f"?view=speaker&room={code}&key={key}"


def test_the_shared_link_keeps_the_slide_but_never_the_room_key():
    at = run_page({"slide": "5", "screen": "1080"})
    [shared] = [c.value for c in at.code if "slide=" in c.value]
    assert "slide=5" in shared and "screen=1080" in shared
    assert "key=" not in shared and "room=" not in shared


def test_the_speaker_view_shows_the_slide_next_title_notes_and_clock(registry, clock):
    audience = run_page({"slide": "3"})
    clock.now += 65
    at = speaker_page(audience)
    assert not at.exception, [e.value for e in at.exception]
    assert counter(at) == f"**Slide 3 of {COUNT}**"
    assert any(m.value == DECK[2].notes for m in at.markdown), "the notes, here only"
    assert any(m.value == f"**Next:** 4 · {DECK[3].title}" for m in at.markdown)
    assert any(m.value == "1:05" for m in at.markdown), "elapsed since the room opened"
    assert len(at.get("plotly_chart")) == 1, "the current slide, small"
    last = speaker_page(run_page({"slide": str(COUNT)}))
    assert any(m.value == "**Last slide**" for m in last.markdown)


def test_moving_in_either_window_moves_both(registry):
    audience = run_page({"slide": "3"})
    speaker = speaker_page(audience)
    speaker.button(key="next").click().run()
    assert room_of(audience, registry).slide == 4
    audience.run()  # what its room check does when it sees the new version
    assert counter(audience) == f"**Slide 4 of {COUNT}**" and audience.query_params["slide"] == "4"
    audience.button(key="next").click().run()
    speaker.run()
    assert counter(speaker) == f"**Slide 5 of {COUNT}**"
    audience.selectbox(key="slide").set_value(9).run()
    speaker.run()
    assert counter(speaker) == f"**Slide 9 of {COUNT}**"


def test_the_speaker_view_restarts_the_clock(registry, clock):
    audience = run_page()
    clock.now += 600
    speaker = speaker_page(audience)
    speaker.button(key="restart_clock").click().run()
    assert registry.elapsed(room_of(audience, registry)) == 0


def test_a_follower_sees_the_rooms_slide_and_cannot_move_it(registry):
    audience = run_page({"slide": "3", "events": "false"})
    code = audience.query_params["room"]
    before = room_of(audience, registry)
    follower = run_page({"follow": rooms.shown_code(code).lower(), "slide": "8"})
    assert not follower.exception, [e.value for e in follower.exception]
    assert counter(follower) == f"**Slide 3 of {COUNT}**", "the room's slide, not its link's"
    assert not follower.button and not follower.selectbox and not follower.toggle
    assert not follower.get("bidi_component"), "no keys"
    assert headline(follower) == headline(audience)
    spec = json.loads(follower.get("plotly_chart")[0].proto.spec)
    assert not [s for s in spec["layout"].get("shapes", []) if s.get("type") == "line"], \
        "the room's events setting"
    assert room_of(audience, registry) == before, "following changed nothing"
    audience.button(key="next").click().run()
    follower.run()
    assert counter(follower) == f"**Slide 4 of {COUNT}**"


def test_followers_are_told_when_the_presenter_has_left(registry, clock):
    audience = run_page({"slide": "2"})
    follower = run_page({"follow": audience.query_params["room"]})
    assert counter(follower) == f"**Slide 2 of {COUNT}**"
    clock.now += rooms.AWAY_SECONDS + 5
    follower.run()
    assert any("has not been seen for" in c.value for c in follower.caption)
    clock.now += rooms.EXPIRY_SECONDS
    follower.run()
    assert not follower.exception
    assert any("The presenter has left" in i.value for i in follower.info)
    assert not follower.get("plotly_chart") and not follower.header


@pytest.mark.parametrize("code,says", [
    ("ZZZZ-ZZZZ", "No presentation is open with the code ZZZZ-ZZZZ"),
    ("ABC", "no valid room code"), (HOSTILE, "no valid room code"), ("O0O0-1I1L", "no valid"),
])
def test_a_follow_link_to_no_room_says_so(code, says):
    at = run_page({"follow": code})
    assert not at.exception
    assert any(says in w.value for w in at.warning)
    assert "<script>" not in shown_text(at) + " ".join(w.value for w in at.warning)


def test_a_speaker_view_with_a_wrong_key_moves_nothing(registry):
    audience = run_page({"slide": "3"})
    at = run_page({"view": "speaker", "room": audience.query_params["room"], "key": "guessed"})
    assert any("speaker view's room has closed" in w.value for w in at.warning)
    assert not [b for b in at.button if b.key in ("next", "previous")]
    assert room_of(audience, registry).slide == 3


def test_a_presenter_link_to_a_closed_room_opens_a_new_one(registry, clock):
    old = run_page({"slide": "4"})
    code, key = old.query_params["room"], old.query_params["key"]
    clock.now += rooms.EXPIRY_SECONDS + 1
    again = run_page({"slide": "4", "room": code, "key": key})
    assert not again.exception
    assert again.query_params["room"] != code
    assert counter(again) == f"**Slide 4 of {COUNT}**"
    assert any("had closed" in c.value for c in again.caption)
    assert registry.follow(again.query_params["room"]).slide == 4


def test_an_unknown_view_in_the_link_is_the_audience_view():
    at = run_page({"view": HOSTILE, "slide": "2"})
    assert not at.exception and counter(at) == f"**Slide 2 of {COUNT}**"
    assert at.button(key="next")

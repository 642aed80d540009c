"""app/slides.py: parsing content/slides.md (the real file and one malformed case each), each
chart id built from the processed tables with its key number equal to the data, the projector
sizing, and the handout sections (also with a table missing)."""
from __future__ import annotations

import json
import pickle
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest
import streamlit as st

from app import charts, content, data, metrics, slides, theme
from etl.registry import DEFINITIONS
from tests.pages.harness import data_without

DATA = Path(__file__).resolve().parents[2] / "data"
CHART_IDS = [c for c in slides.CHART_IDS if c != slides.CONTENT]

GOOD = """\
## slide-1 first
chart: benzo_trend
headline: In {latest_year}, something.
notes: Say this.

## slide-2 second-one
chart: content
headline: Plain words.
notes: And this.
"""


def parquet(name: str) -> pd.DataFrame:
    manifest = json.loads((DATA / "manifest.json").read_text())
    return pd.read_parquet(DATA / manifest["tables"][name]["file"])


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    names = {t for ts in slides.CHART_TABLES.values() for t in ts}
    return {name: data.load_table(name) for name in names}


@pytest.fixture(scope="module")
def values() -> dict[str, str]:
    return metrics.headline_values()


@pytest.fixture(scope="module")
def built(tables, values) -> dict[str, slides.SlideChart]:
    return {c: slides.build_chart(c, tables, values) for c in CHART_IDS}


# --- parsing ------------------------------------------------------------------------------------

def test_parses_a_small_deck():
    deck = slides.parse_slides(GOOD)
    assert [s.number for s in deck] == [1, 2]
    first, second = deck
    assert (first.slug, first.chart, first.notes) == ("first", "benzo_trend", "Say this.")
    assert first.placeholders == {"latest_year"} and first.has_chart
    assert second.title == "Second one" and not second.has_chart and not second.placeholders


@pytest.mark.parametrize("text,message", [
    (GOOD.replace("chart: benzo_trend", "chart: pie"), "line 2: unknown chart id 'pie'"),
    (GOOD.replace("notes: Say this.\n", ""), "slide-1 has no notes"),
    (GOOD.replace("slide-2", "slide-3"), "slide-3 found, slide-2 expected"),
    (GOOD.replace("notes: And this.", "notes: And this.\nstray text"), "line 10: expected"),
    (GOOD.replace("notes: Say this.", "notes: Say this.\nnotes: again"), "'notes' given twice"),
    ("", "no slides"),
])
def test_malformed_decks_name_the_problem(text, message):
    with pytest.raises(content.ContentError, match=message.replace("(", r"\(")):
        slides.parse_slides(text)


def test_the_real_deck_has_ten_slides_with_known_charts(values):
    deck = slides.load_slides()
    assert [s.number for s in deck] == list(range(1, 11))
    assert all(s.chart in slides.CHART_IDS for s in deck)
    assert sum(s.slug == slides.HELP_SLUG for s in deck) == 1
    for slide in deck:
        assert slide.placeholders <= set(values), slide.slug
        filled = slides.filled(slide, values)
        assert "{" not in filled.headline and "}" not in filled.headline


def test_each_slide_gets_its_placeholders_from_the_tables_of_its_chart():
    for slide in slides.load_slides():
        tables = slides.headline_tables(slide)
        assert set(tables) <= set(slides.tables_for(slide))
        if slide.placeholders:
            assert slide.placeholders <= set(metrics.headline_values_from(*tables)), slide.slug
        else:
            assert tables == ()


def test_a_text_slide_with_placeholders_draws_on_every_headline_table():
    slide = slides.Slide(1, "x", slides.CONTENT, "In {latest_year}.", "n")
    assert slides.headline_tables(slide) == tuple(metrics.HEADLINE_BUILDERS)


def test_filling_a_missing_placeholder_is_an_error():
    slide = slides.Slide(1, "x", "benzo_trend", "{nope}", "n")
    with pytest.raises(content.ContentError, match="nope"):
        slides.filled(slide, {})


# --- charts -------------------------------------------------------------------------------------

@pytest.mark.parametrize("chart_id", CHART_IDS)
def test_every_chart_plots_data_with_a_source_caption(built, chart_id):
    chart = built[chart_id]
    assert isinstance(chart.figure, go.Figure) and chart.figure.data
    assert not chart.plotted.empty
    assert "Source:" in chart.caption and "Definition:" in chart.caption
    assert chart.definition in DEFINITIONS
    assert chart.title and "<" not in chart.title
    assert chart.key_number.value and chart.key_number.label
    assert chart.summary and "No data" not in chart.summary


def test_key_numbers_are_the_placeholder_values(built, values):
    assert built["benzo_trend"].key_number.value == values["benzo_deaths_latest"]
    assert built["with_without_opioids"].key_number.value == values["share_with_opioids_latest"]
    assert built["synthetic_split"].key_number.value == values["share_with_synthetic_latest"]
    assert (built["opioid_share"].key_number.value
            == values["share_opioid_deaths_with_benzo_2019_value"])
    assert built["illicit_benzos"].key_number.value == values["illicit_benzo_deaths_latest"]
    assert built["nonfatal_ed"].key_number.value == values["nonfatal_benzo_ed_rate_latest"]
    assert values["state_highest_rate_name"] in built["state_map"].key_number.label


def test_key_numbers_equal_the_processed_files(built):
    nida = parquet("nida_national")
    benzo = nida[(nida["drug_group"] == "benzodiazepines") & (nida["measure"] == "deaths")
                 & (nida["sex"] == "all") & (nida["age_group"] == "all")
                 & (nida["race_ethnicity"] == "all")].set_index("year")["value"].dropna()
    year = int(benzo.index.max())
    assert built["benzo_trend"].key_number.value == f"{benzo[year]:,.0f}"
    assert str(year) in built["benzo_trend"].key_number.label

    wonder = parquet("wonder_mcd")
    rates = wonder[(wonder["drug_group"] == "benzodiazepines") & (wonder["measure"] == "crude_rate")
                   & (wonder["geo_level"] == "state") & (wonder["period_type"] == "year")
                   & (wonder["sex"] == "all") & (wonder["age_group"] == "all")]
    latest = rates[rates["year"] == rates["year"].max()]
    reliable = latest[latest["value"].notna() & ~latest["suppressed"] & ~latest["unreliable"]]
    top = reliable.loc[reliable["value"].idxmax()]
    key = built["state_map"].key_number
    assert key.value == f"{top['value']:.1f}" and top["geo_name"] in key.label

    ct = parquet("ct_ocme_deaths")
    assert built["ct_combinations"].key_number.value == f"{int(ct['benzodiazepine'].sum()):,}"


def test_the_trend_plots_every_year_of_the_national_series(built):
    chart = built["benzo_trend"]
    assert set(chart.plotted["drug_group"]) == {"benzodiazepines"}
    assert chart.plotted["year"].tolist() == sorted(chart.plotted["year"])
    assert chart.figure.layout.xaxis.tickformat == "d", "integer years"


def test_nonfatal_chart_says_not_deaths(built):
    assert "NONFATAL" in built["nonfatal_ed"].title and "not deaths" in built["nonfatal_ed"].title


@pytest.mark.parametrize("chart_id", sorted(slides.TIME_CHARTS))
def test_events_are_drawn_only_when_asked(tables, values, chart_id):
    def event_lines(fig: go.Figure) -> int:
        return sum(s.type == "line" and s.x0 == s.x1 for s in fig.layout.shapes)

    assert event_lines(slides.build_chart(chart_id, tables, values, events=False).figure) == 0
    assert event_lines(slides.build_chart(chart_id, tables, values, events=True).figure) > 0


def test_unknown_chart_or_missing_table_is_an_error(tables, values):
    with pytest.raises(ValueError, match="no chart for 'pie'"):
        slides.build_chart("pie", tables, values)
    with pytest.raises(ValueError, match="nida_national"):
        slides.build_chart("benzo_trend", {}, values)


# --- projector sizing ---------------------------------------------------------------------------

@pytest.mark.parametrize("screen_id", list(slides.SCREENS))
def test_for_screen_enlarges_a_copy(built, screen_id):
    screen = slides.SCREENS[screen_id]
    original = built["benzo_trend"].figure
    before = original.to_json()
    out = slides.for_screen(original, screen)
    assert original.to_json() == before, "input unchanged"
    assert out.layout.height == screen.chart_height
    assert out.layout.title.text == ""
    assert out.layout.font.size == screen.font > 16
    assert out.layout.xaxis.tickfont.size == screen.tick
    line = next(t for t in out.data if t.name == "Benzodiazepines")
    assert line.line.width == pytest.approx(3 * screen.line_scale)
    assert out.layout.font.color == theme.CHART_TEXT, "dark text on the chart's own white card"
    assert out.layout.paper_bgcolor == theme.CHART_BACKGROUND


@pytest.mark.parametrize("chart_id", ["benzo_trend", "with_without_opioids"])
def test_for_screen_makes_room_for_event_labels_from_a_cached_figure_too(built, chart_id):
    # The page gets its figure from st.cache_data, unpickled: numbers come back encoded
    # ({"dtype": "f8", "bdata": ...}). The labels must still get the room above the data.
    original = built[chart_id].figure
    cached = pickle.loads(pickle.dumps(original))
    assert isinstance(cached.data[0].y, dict), "the encoded form this test is about"
    for screen in slides.SCREENS.values():
        fresh, again = slides.for_screen(original, screen), slides.for_screen(cached, screen)
        assert fresh.layout.yaxis.range is not None
        assert again.layout.yaxis.range == fresh.layout.yaxis.range
        assert again.layout.yaxis.range[1] > 1.5 * max(max(t.y) for t in original.data)


def test_for_screen_rewraps_footnotes_and_long_axis_titles():
    rows = pd.DataFrame({"year": [2019, 2020, 2021], "value": [1.0, None, 3.0],
                         "suppressed": [False, True, False], "measure": "percent",
                         "unit": "percent of all the overdose deaths in the whole country",
                         "drug_group": "benzodiazepines"})
    fig = charts.time_series(rows, measure_label="Share of deaths that also involved opioids")
    screen = slides.SCREENS["720"]
    out = slides.for_screen(fig, screen)
    assert "<br>" in out.layout.yaxis.title.text
    note = next(a for a in out.layout.annotations if slides._is_footnote(a))
    assert note.font.size == screen.annotation - 1
    longest = max(len(line) for line in note.text.split("<br>"))
    assert longest <= int(screen.chart_width / (0.55 * (screen.annotation - 1)))
    assert out.layout.height > screen.chart_height, "room added under the plot for the note"


# --- handout ------------------------------------------------------------------------------------

def test_handout_section_carries_headline_number_source_and_notes(built):
    slide = slides.Slide(3, "x", "benzo_trend", "Headline.", "Say this.")
    section = slides.handout_section(slide, built["benzo_trend"])
    assert section.title == "3. Headline."
    assert section.figure is built["benzo_trend"].figure
    assert section.notes == "Say this." and "Source:" in section.source
    assert section.numbers[0][0] == built["benzo_trend"].key_number.label
    text_only = slides.handout_section(slides.Slide(2, "y", slides.CONTENT, "Words.", "N."), None)
    assert text_only.figure is None and text_only.notes == "N."


def test_handout_sections_cover_the_deck(values):
    deck = slides.load_slides()
    sections = slides.handout_sections(deck)
    assert len(sections) == len(deck)
    for slide, section in zip(deck, sections):
        assert section.title == f"{slide.number}. {content.fill(slide.headline, values)}"
        assert (section.figure is not None) == slide.has_chart
        assert section.notes


def test_handout_with_a_missing_table_says_so_for_that_slide_only(tmp_path, monkeypatch):
    monkeypatch.setenv("BENZO_DATA_DIR", str(data_without("sudors_state", tmp_path)))
    st.cache_data.clear()
    try:
        deck = slides.load_slides()
        sections = slides.handout_sections(deck)
    finally:
        st.cache_data.clear()
    by_chart = {s.chart: sec for s, sec in zip(deck, sections)}
    assert "sudors_state" in by_chart["illicit_benzos"].summary
    assert by_chart["illicit_benzos"].figure is None
    assert by_chart["benzo_trend"].figure is not None


def test_slide_chart_is_cached_per_data_version():
    first = slides.slide_chart("benzo_trend")
    again = slides.slide_chart("benzo_trend")
    assert first.key_number == again.key_number
    assert first.figure is not again.figure, "a copy, never the cached object"


def test_deck_titles_number_the_menu():
    deck = slides.parse_slides(GOOD)
    assert slides.deck_titles(deck) == {1: "1 · First", 2: "2 · Second one"}

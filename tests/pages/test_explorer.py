"""pages/explorer.py: each chart type, the rows table and its CSV/Parquet downloads equal to the
filtered rows (computed here straight from the parquet files), the warning when rows mix case
definitions, the citation and the reproducing snippet, every control bound to the URL, a hostile
link, quiet fallback of dependent controls, and a clear error when a table is missing."""
from __future__ import annotations

import datetime as dt
import functools
import io
import json

import pandas as pd
import pytest
import streamlit as st
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from etl.registry import DEFINITIONS
from tests.pages import harness
from tests.pages.harness import (DATA, HOSTILE, assert_link_refused, chart_specs, data_without,
                                 manifest, notices, table, text_of)

run_page = functools.partial(harness.run_page, "pages/explorer.py")
TEXT_KINDS = ("markdown", "caption", "info", "warning", "error", "code", "text", "exception")


def expected_rows(name: str, *, measure: str, drugs: list[str], geo: str, years: tuple[int, int],
                  split: tuple[str, ...] = (), period: str = "year",
                  states: list[str] | None = None) -> pd.DataFrame:
    """The view's rows filtered here with plain pandas, independently of app/views/explorer.py."""
    df = table(name)
    mask = ((df["measure"] == measure) & df["drug_group"].isin(drugs) & (df["geo_level"] == geo)
            & (df["period_type"] == period) & df["year"].between(*years))
    if states:
        mask &= df["geo_fips"].isin(states)
    for column in ("sex", "age_group", "race_ethnicity"):
        mask &= (df[column] != "all") if column in split else (df[column] == "all")
    return df[mask].reset_index(drop=True)


def rows_table(at: AppTest) -> pd.DataFrame:
    """The page's grid of filtered rows (the one naming each row's source file). When it is off,
    switched on to read it and off again, as a reader would, so the view (and its link) is left
    as it was."""
    was_off = not at.toggle(key="rows").value
    if was_off:
        at.toggle(key="rows").set_value(True).run()
        assert not at.exception, [e.value for e in at.exception]
    frames = [d.value for d in at.dataframe if "Source file" in d.value.columns]
    if was_off:
        at.toggle(key="rows").set_value(False).run()
    assert len(frames) == 1
    return frames[0]


SEX_WORDS = {"all": "Both sexes", "female": "Female", "male": "Male"}


def same_rows(shown: pd.DataFrame, expected: pd.DataFrame) -> None:
    """The grid shows exactly the expected tidy rows, in their order, in words."""
    assert len(shown) == len(expected)
    assert shown.columns[0] == "Value"
    pd.testing.assert_series_equal(shown["Value"].astype(float), expected["value"].astype(float),
                                   check_names=False)
    assert shown["Year"].astype(int).tolist() == expected["year"].astype(int).tolist()
    assert shown["Place"].tolist() == expected["geo_name"].astype(str).tolist()
    assert shown["FIPS code"].tolist() == expected["geo_fips"].astype(str).tolist()
    assert shown["Sex"].tolist() == expected["sex"].map(SEX_WORDS).tolist()
    flags = shown["Flags"] if "Flags" in shown else pd.Series("", index=shown.index)
    assert flags.str.contains("suppressed").tolist() == expected["suppressed"].tolist()
    notes = shown["Note"] if "Note" in shown else pd.Series("", index=shown.index)
    assert notes.tolist() == expected["note"].fillna("").astype(str).tolist()


def chart_titles(at: AppTest) -> list[str]:
    """The charts' titles, unwrapped (app.charts.common.wrap_title breaks lines at spaces and
    after hyphens)."""
    return [spec["layout"]["title"]["text"].replace("-<br>", "-").replace("<br>", " ")
            for spec in chart_specs(at)]


def chart_types(at: AppTest) -> list[set[str]]:
    return [{t.get("type", "scatter") for t in spec["data"]} for spec in chart_specs(at)]


@pytest.fixture(autouse=True)
def fresh_cache():
    st.cache_data.clear()
    yield
    st.cache_data.clear()


@pytest.fixture()
def downloads(monkeypatch) -> dict[str, bytes]:
    """Every file the page hands to Streamlit's media store, by file id (the download button's
    URL ends with it)."""
    stored: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def record(self, path_or_data, mimetype, kind, filename=None):
        file_id = original(self, path_or_data, mimetype, kind, filename)
        stored[file_id] = path_or_data if isinstance(path_or_data, bytes) else b""
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", record)
    return stored


def download_data(at: AppTest, key: str, stored: dict[str, bytes]) -> bytes:
    button = next(b for b in at.get("download_button") if b.proto.id.endswith(key))
    return stored[button.proto.url.rsplit("/", 1)[1].split(".")[0]]


@pytest.fixture(scope="module")
def default_run() -> AppTest:
    st.cache_data.clear()
    return run_page()


# The default view

def test_default_view_is_benzodiazepine_deaths_as_a_line(default_run):
    at = default_run
    assert not at.exception, [e.value for e in at.exception]
    assert chart_types(at) == [{"scatter"}]
    for kind, key in (("selectbox", "table"), ("selectbox", "measure"), ("multiselect", "drugs"),
                      ("selectbox", "geo"), ("selectbox", "period"), ("selectbox", "split"),
                      ("segmented_control", "chart"), ("slider", "years"), ("toggle", "events")):
        assert getattr(at, kind)(key=key) is not None, key
    assert at.selectbox(key="table").value == "nida_national"
    assert at.multiselect(key="drugs").value == ["benzodiazepines"]
    nida = table("nida_national")
    years = (int(nida["year"].min()), int(nida["year"].max()))
    assert at.slider(key="years").value == years
    same_rows(rows_table(at), expected_rows("nida_national", measure="deaths",
                                            drugs=["benzodiazepines"], geo="nation", years=years))
    assert at.query_params == {}
    assert not at.warning and notices(at) == []


def test_source_definition_citation_and_snippet(monkeypatch):
    at = run_page()
    info = manifest()["tables"]["nida_national"]
    assert not [c for c in at.code if info["sha256"] in c.value or "import pandas" in c.value], \
        "the citation and code are drawn when their expander is opened"
    at.session_state["cite_rows"] = True
    at.run()
    source = manifest()["sources"][info["source_id"]]
    text = text_of(at, TEXT_KINDS)
    for key in ("title", "publisher", "landing_url", "vintage", "retrieved"):
        assert source[key] in text, key
    assert DEFINITIONS["ucd_overdose"].description in text
    citation = next(c.value for c in at.code if info["sha256"] in c.value)
    assert source["citation"].rstrip(".") in citation
    assert f"accessed {dt.date.today().isoformat()}" in citation
    # The explorer's own snippet (for all filtered rows) is the page's last code block (each
    # chart's "Cite and reproduce" block, when open, comes before it).
    snippet = [c.value for c in at.code if "import pandas" in c.value][-1]
    monkeypatch.chdir(DATA)
    scope: dict = {}
    exec(snippet, scope)  # noqa: S102 - the page's own generated code
    pd.testing.assert_frame_equal(scope["rows"], expected_rows(
        "nida_national", measure="deaths", drugs=["benzodiazepines"], geo="nation",
        years=at.slider(key="years").value))
    labels = [b.proto.label for b in at.get("download_button")]
    assert {"Download these rows (CSV)", "Download these rows (Parquet)",
            "Download the whole table (Parquet)"} <= set(labels)


# Each chart type

@pytest.mark.parametrize(("chart", "trace"), [("line", "scatter"), ("bar", "bar"),
                                              ("map", "choropleth")])
def test_each_chart_type(chart, trace):
    query = {"table": "wonder_mcd", "measure": "crude_rate", "geo": "state", "chart": chart}
    if chart == "line":
        query["states"] = "CT,MA,NY"
    else:
        query["year"] = "2019"
    at = run_page(query)
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.get("plotly_chart")) == 1 and trace in chart_types(at)[0]
    if chart == "line":  # the default span is every year with rows
        expected = expected_rows("wonder_mcd", measure="crude_rate", drugs=["benzodiazepines"],
                                 geo="state", states=["09", "25", "36"], years=(1999, 2030))
    else:
        expected = expected_rows("wonder_mcd", measure="crude_rate", drugs=["benzodiazepines"],
                                 geo="state", years=(2019, 2019))
    same_rows(rows_table(at), expected)
    period = "2019" if chart != "line" else "2010–2020"
    place = "by state" if chart != "line" else "3 states"  # their names: too long, in the legend
    assert chart_titles(at) == [(f"Benzodiazepines: crude death rate per 100,000 population, "
                                 f"{place}, {period}")]
    defaults = {"geo": "state", "chart": "line"}  # crude rates in WONDER are by state only
    assert at.query_params == {k: v for k, v in query.items() if defaults.get(k) != v}


STATES_VIEW = {"table": "wonder_mcd", "measure": "crude_rate", "geo": "state"}


def top_states(year: int, n: int) -> list[str]:
    """The n states with the highest benzodiazepine crude rate in `year`, from the file."""
    rows = expected_rows("wonder_mcd", measure="crude_rate", drugs=["benzodiazepines"],
                         geo="state", years=(year, year))
    ranked = rows.sort_values(["value", "geo_name"], ascending=[False, True])
    return ranked["geo_name"].head(n).tolist()


def coloured_and_grey(spec: dict) -> tuple[list[str], list[str]]:
    grey = [t for t in spec["data"] if t.get("legendgroup") == "context"]
    coloured = [t["name"] for t in spec["data"] if t.get("legendgroup") != "context"
                and t.get("yaxis", "y") == "y" and t.get("mode") == "lines+markers"]
    return coloured, [t["name"] for t in grey]


def test_states_line_view_answers_with_a_few_states_highlighted_over_the_rest():
    at = run_page(STATES_VIEW)
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.get("plotly_chart")) == 1, "a chart, not a refusal"
    assert at.segmented_control(key="display").value == "highlight"
    highlighted = at.multiselect(key="highlight")
    top = top_states(2020, 5)
    assert [explorer_state(a) for a in highlighted.value] == top
    coloured, grey = coloured_and_grey(chart_specs(at)[0])
    assert coloured == top and len(grey) == 51 - 5
    assert "Other 46 states" in grey
    assert chart_specs(at)[0]["layout"]["legend"]["title"]["text"] == "Highest in 2020:"
    assert "the 5 highest in 2020" in highlighted.help
    assert len(rows_table(at)) == 51 * 11, "the table still holds every row"
    assert at.query_params == {k: v for k, v in STATES_VIEW.items() if k != "geo"}, \
        "defaults stay out (crude rates in WONDER are by state only)"

    highlighted.set_value(["CT", "MA"]).run()
    assert not at.exception
    assert at.query_params["highlight"] == "CT,MA"
    assert coloured_and_grey(chart_specs(at)[0])[0] == ["Connecticut", "Massachusetts"]
    assert "title" not in chart_specs(at)[0]["layout"]["legend"] or not chart_specs(at)[0][
        "layout"]["legend"]["title"].get("text"), "chosen, not the highest: no 'Highest' title"
    at.segmented_control(key="chart").set_value("bar").run()
    assert "highlight" not in at.query_params and "display" not in at.query_params


def explorer_state(abbr: str) -> str:
    from etl.registry import STATE_BY_ABBR
    return STATE_BY_ABBR[abbr].name


def test_the_choice_of_display_is_in_the_link_small_multiples_and_ranked():
    at = run_page({**STATES_VIEW, "display": "multiples"})
    assert not at.exception, [e.value for e in at.exception]
    spec = chart_specs(at)[0]
    panels = [t["name"] for t in spec["data"]]
    assert panels == top_states(2020, 24), "capped at 24 panels, the highest first"
    assert "highlight" not in [m.key for m in at.multiselect]
    assert any(c.value.startswith("24 of 51 series") for c in at.caption)
    yaxes = [v for k, v in spec["layout"].items() if k.startswith("yaxis")]
    assert len({tuple(y["range"]) for y in yaxes}) == 1, "one shared y scale"
    xaxes = [v for k, v in spec["layout"].items() if k.startswith("xaxis")]
    assert all(x["tickformat"] == "d" for x in xaxes), "integer year ticks"

    at = run_page({**STATES_VIEW, "display": "ranked", "years": "2012,2018"})
    assert not at.exception
    spec = chart_specs(at)[0]
    assert chart_types(at) == [{"bar"}]
    assert list(spec["data"][0]["y"]) == top_states(2018, 51)[:len(spec["data"][0]["y"])]
    assert chart_titles(at)[0].endswith("by state, 2018")
    assert at.query_params["display"] == "ranked"
    at.segmented_control(key="display").set_value("highlight").run()
    assert "display" not in at.query_params


def test_a_bad_display_or_highlight_in_the_link_falls_back_with_a_notice():
    at = run_page({**STATES_VIEW, "display": "<script>", "highlight": "CT,ZZ"})
    assert_link_refused(at, TEXT_KINDS)
    assert "`display`" in notices(at)[0] and "`highlight`" in notices(at)[0]
    assert at.segmented_control(key="display").value == "highlight"
    assert [explorer_state(a) for a in at.multiselect(key="highlight").value] == \
        top_states(2020, 5)


def test_bars_beyond_the_limit_are_ranked_and_counted():
    query = {"table": "sudors_state", "geo": "state", "drugs": "benzodiazepines,any_opioid",
             "chart": "bar", "year": "2023"}
    at = run_page(query)
    assert not at.exception, [e.value for e in at.exception]
    n = len(expected_rows("sudors_state", measure="deaths", geo="state",
                          drugs=["benzodiazepines", "any_opioid"], years=(2023, 2023)))
    assert n > 60
    assert any(f"{n} bars" in c.value and "the 60 highest" in c.value for c in at.caption)
    rows = expected_rows("sudors_state", measure="deaths", geo="state",
                         drugs=["benzodiazepines", "any_opioid"], years=(2023, 2023))
    rows = rows[rows["value"].notna()].assign(name=rows["geo_name"] + " · " + rows[
        "drug_group"].map({"benzodiazepines": "Benzodiazepines", "any_opioid": "Any opioid"}))
    top = rows.sort_values("value", ascending=False, kind="stable")["name"].head(60)
    bars = chart_specs(at)[0]["data"][0]
    assert sorted(bars["y"]) == sorted(top), "the 60 highest, each named by place and drug"


def test_map_title_names_measure_drug_place_year_and_unit():
    at = run_page({**STATES_VIEW, "chart": "map", "year": "2019"})
    assert not at.exception
    assert chart_types(at) == [{"choropleth", "scattergeo"}]  # marks: unreliable, no row
    assert chart_titles(at) == [
        "Benzodiazepines: crude death rate per 100,000 population, by state, 2019"]


# Downloads

def test_downloads_are_exactly_the_filtered_rows(downloads):
    at = run_page({"drugs": "benzodiazepines,any_opioid", "split": "sex", "years": "2010,2020"})
    assert not at.exception, [e.value for e in at.exception]
    expected = expected_rows("nida_national", measure="deaths",
                             drugs=["benzodiazepines", "any_opioid"], geo="nation",
                             years=(2010, 2020), split=("sex",))
    assert len(expected) == 2 * 2 * 11
    csv = download_data(at, "download_csv", downloads)
    assert csv == expected.to_csv(index=False).encode("utf-8")
    parquet = download_data(at, "download_parquet", downloads)
    pd.testing.assert_frame_equal(pd.read_parquet(io.BytesIO(parquet)), expected)
    same_rows(rows_table(at), expected)


# Definitions never mixed silently

def test_mixed_definitions_warn_and_draw_one_chart_each():
    at = run_page({"table": "dose_discharge", "measure": "visits",
                   "geo": "participating_jurisdictions"})
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.warning) == 1
    warning = at.warning[0].value
    assert DEFINITIONS["nonfatal_ed_discharge"].label in warning
    assert DEFINITIONS["nonfatal_hosp_discharge"].label in warning
    assert len(at.get("plotly_chart")) == 2
    titles = chart_titles(at)
    assert len(set(titles)) == 2, "each chart's title tells it apart"
    ed, hospital = sorted(titles, key=lambda t: "hospitalizations" in t)
    assert ed.startswith("Benzodiazepines: number of nonfatal ED visits, ")
    assert hospital.startswith("Benzodiazepines: number of nonfatal hospitalizations, ")
    assert all("jurisdictions" in t and "2018–" in t for t in titles)


def test_one_definition_has_no_warning():
    at = run_page({"table": "sudors_state", "measure": "age_adjusted_rate"})
    assert not at.exception and not at.warning


# The Connecticut view

def test_ct_ocme_is_counted_with_small_counts_suppressed():
    at = run_page({"table": "ct_ocme_deaths", "split": "sex"})
    assert not at.exception, [e.value for e in at.exception]
    assert any("1 to 9" in i.value for i in at.info)
    shown = rows_table(at)
    deaths = table("ct_ocme_deaths")
    benzo = deaths[deaths["benzodiazepine"] & deaths["sex"].isin(["female", "male"])]
    counts = benzo.groupby(["year", "sex"]).size()
    words = {v: k for k, v in SEX_WORDS.items()}
    for year, sex, value, flags in zip(shown["Year"], shown["Sex"], shown["Value"],
                                       shown.get("Flags", [""] * len(shown))):
        n = int(counts.get((int(year), words[sex]), 0))
        if 1 <= n <= 9:
            assert flags == "suppressed" and pd.isna(value)
        else:
            assert flags == "" and value == n
    assert len(at.get("plotly_chart")) == 1


# URL round trip

def test_link_sets_the_controls_and_controls_rewrite_the_link():
    query = {"table": "wonder_mcd", "measure": "deaths", "drugs": "benzodiazepines,any_opioid",
             "geo": "state", "states": "CT,MA", "chart": "bar", "year": "2015"}
    at = run_page(query)
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="table").value == "wonder_mcd"
    assert at.selectbox(key="measure").value == "deaths"
    assert at.multiselect(key="drugs").value == ["benzodiazepines", "any_opioid"]
    assert at.selectbox(key="geo").value == "state"
    assert at.multiselect(key="states").value == ["CT", "MA"]
    assert at.segmented_control(key="chart").value == "bar"
    assert at.slider(key="year").value == 2015
    link = {k: v for k, v in query.items() if k != "measure"}  # deaths: the default, dropped
    assert at.query_params == link and notices(at) == []
    assert chart_types(at) == [{"bar"}]

    at.segmented_control(key="chart").set_value("line").run()
    at.slider(key="years").set_range(2012, 2018)
    at.toggle(key="events").set_value(False)
    at.multiselect(key="states").set_value(["NY"])
    at.run()
    assert not at.exception
    assert at.query_params == {"table": "wonder_mcd", "drugs": "benzodiazepines,any_opioid",
                               "geo": "state", "states": "NY", "years": "2012,2018",
                               "events": "false"}  # chart=line is the default: dropped
    assert "year" not in at.query_params  # the bar chart's year is not drawn any more
    assert set(rows_table(at)["Year"]) == set(range(2012, 2019))
    at.selectbox(key="geo").set_value("nation").run()
    assert "states" not in at.query_params and notices(at) == []


def test_changing_the_table_drops_choices_it_cannot_take_quietly():
    at = run_page({"measure": "crude_rate", "drugs": "heroin", "years": "2000,2005"})
    assert at.selectbox(key="measure").value == "crude_rate"
    at.selectbox(key="table").set_value("sudors_state").run()
    assert not at.exception, [e.value for e in at.exception]
    assert notices(at) == []
    assert at.selectbox(key="measure").value == "deaths"
    assert at.multiselect(key="drugs").value == ["heroin"]  # still an option: kept
    assert "measure" not in at.query_params and "years" not in at.query_params


def test_year_range_follows_the_coverage_unless_the_reader_set_it():
    fresh = run_page({"table": "wonder_mcd", "geo": "state"})
    assert fresh.slider(key="years").value == (2010, 2020)
    at = run_page({"table": "wonder_mcd"})  # deaths in the U.S.: 2015–2021
    assert at.slider(key="years").value == (2015, 2021)
    at.selectbox(key="geo").set_value("state").run()
    assert not at.exception and notices(at) == []
    assert at.slider(key="years").value == fresh.slider(key="years").value
    assert "years" not in at.query_params
    at = run_page()  # NIDA, 1999–2022, then another table
    at.selectbox(key="table").set_value("sudors_state").run()
    assert at.slider(key="years").value == run_page({"table": "sudors_state"}).slider(
        key="years").value

    at = run_page({"table": "wonder_mcd", "years": "2016,2018"})  # set by the reader: kept
    at.selectbox(key="geo").set_value("state").run()
    assert at.slider(key="years").value == (2016, 2018)
    assert at.query_params["years"] == "2016,2018"
    at.slider(key="years").set_range(2011, 2019).run()  # moved in this run: kept too
    assert at.slider(key="years").value == (2011, 2019)


def test_one_year_follows_the_latest_unless_the_reader_set_it():
    at = run_page({"table": "wonder_mcd", "chart": "bar"})
    assert at.slider(key="year").value == 2021
    at.selectbox(key="geo").set_value("state").run()
    assert at.slider(key="year").value == 2020 == run_page(
        {"table": "wonder_mcd", "geo": "state", "chart": "bar"}).slider(key="year").value
    at = run_page({"table": "wonder_mcd", "chart": "bar", "year": "2016"})
    at.selectbox(key="geo").set_value("state").run()
    assert at.slider(key="year").value == 2016


def test_rows_grid_reads_as_words_with_the_value_first():
    at = run_page({**STATES_VIEW, "years": "2011,2012", "rows": "true"})
    grid = rows_table(at)
    assert list(grid.columns[:3]) == ["Value", "Flags", "Place"]
    assert not {"geo_name", "drug_group", "value", "suppressed", "month"} & set(grid.columns)
    assert "Month" not in grid.columns, "annual rows: no blank month column"
    assert set(grid["Drug group"]) == {"Benzodiazepines"}
    assert set(grid["Flags"]) >= {"", "suppressed"}
    assert not grid.drop(columns=["Value", "Year"]).astype(str).isin(
        ["None", "nan", "<NA>"]).any().any()
    proto = next(d.proto for d in at.dataframe if "Source file" in d.value.columns)
    config = json.loads(proto.columns)
    assert config["Value"]["type_config"]["format"] == "localized" and config["Value"]["pinned"]
    assert "suppressed" in config["Flags"]["help"]
    assert proto.placeholder == "", "a missing value is a blank cell, not 'None'"
    assert any("raw" in c.value or "own column names" in c.value for c in at.caption)


def test_cite_box_gives_bibtex_and_ris_with_downloads(downloads):
    at = run_page({"years": "2010,2020"})
    at.session_state["cite_rows"] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    codes = [c.value for c in at.code]
    bib = next(c for c in codes if c.startswith("@misc{nida_workbook_"))
    ris = next(c for c in codes if c.startswith("TY  - DATA"))
    source = manifest()["sources"]["nida_workbook"]
    info = manifest()["tables"]["nida_national"]
    for text in (bib, ris):
        assert source["released"] in text and source["retrieved"] in text
        assert info["sha256"] in text and "2010" in text
    assert f"urldate      = {{{dt.date.today().isoformat()}}}" in bib
    assert f"Y2  - {dt.date.today():%Y/%m/%d}" in ris
    assert download_data(at, "bib_rows", downloads).decode().strip() == bib.strip()
    assert download_data(at, "ris_rows", downloads).decode().strip() == ris.strip()


def test_hostile_link_falls_back_with_a_notice():
    at = run_page({"table": HOSTILE, "measure": "<img src=x onerror=alert(1)>",
                   "years": "1800,3000", "drugs": "benzodiazepines,nonexistent",
                   "chart": "map", "split": "N" * 5000})
    assert_link_refused(at, TEXT_KINDS, markup=("<script", "<img", "NNNN"))
    assert len(notices(at)) == 1
    for key in ("table", "measure", "drugs", "split", "chart", "years"):
        assert f"`{key}`" in notices(at)[0], key
    assert not at.html
    assert at.selectbox(key="table").value == "nida_national"
    assert at.query_params == {}
    assert chart_types(at) == [{"scatter"}]


# A missing table

def test_missing_table_shows_a_clear_error(tmp_path, serve_data):
    serve_data(data_without("nida_national", tmp_path))
    at = run_page()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.error) == 1 and "nida_national" in at.error[0].value
    assert at.selectbox(key="table") is not None  # another table can still be chosen
    assert not at.get("plotly_chart")
    other = run_page({"table": "sudors_state"})
    assert not other.exception and not other.error and other.get("plotly_chart")


def test_no_manifest_shows_a_clear_error(tmp_path, serve_data):
    serve_data(tmp_path)
    at = run_page()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.error) == 1 and "manifest" in at.error[0].value


def test_a_rate_measure_explains_crude_versus_age_adjusted():
    at = run_page({"table": "nchs_state_poisoning", "measure": "age_adjusted_rate"})
    assert not at.exception
    assert any("Crude or age-adjusted?" in c.value for c in at.caption)


def test_the_rows_grid_is_drawn_on_demand_and_the_link_keeps_it_open():
    at = run_page({"years": "2010,2020"})
    assert not at.exception, [e.value for e in at.exception]
    assert not [d for d in at.dataframe if "Source file" in d.value.columns], \
        "no grid before the reader asks for it"
    assert {"Download these rows (CSV)", "Download these rows (Parquet)"} <= {
        b.label for b in at.get("download_button")}, "the downloads need no grid"
    at.toggle(key="rows").set_value(True).run()
    assert at.query_params["rows"] == "true"
    assert len(rows_table(at)) > 0 and at.toggle(key="rows").value
    reopened = run_page({"years": "2010,2020", "rows": "true"})
    assert len(rows_table(reopened)) == len(rows_table(at)), "the link reopens the grid"

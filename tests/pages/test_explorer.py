"""pages/explorer.py: each chart type, the rows table and its CSV/Parquet downloads equal to the
filtered rows (computed here straight from the parquet files), the warning when rows mix case
definitions, the citation and the reproducing snippet, every control bound to the URL, a hostile
link, quiet fallback of dependent controls, and a clear error when a table is missing."""
from __future__ import annotations

import datetime as dt
import functools
import io

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
    """The page's table of filtered rows (the one with every tidy column)."""
    frames = [d.value for d in at.dataframe if "source_file" in d.value.columns]
    assert len(frames) == 1
    return frames[0]


def same_rows(shown: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(shown.columns) == list(expected.columns)
    assert len(shown) == len(expected)
    for column in ("drug_group", "geo_fips", "year", "sex", "age_group", "suppressed", "note"):
        assert shown[column].astype(str).tolist() == expected[column].astype(str).tolist(), column
    pd.testing.assert_series_equal(shown["value"].astype(float), expected["value"].astype(float),
                                   check_names=False)


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
        assert "2019" in " ".join(c.value for c in at.caption)
    same_rows(rows_table(at), expected)
    defaults = {"geo": "state", "chart": "line"}  # crude rates in WONDER are by state only
    assert at.query_params == {k: v for k, v in query.items() if defaults.get(k) != v}


def test_too_many_lines_explain_instead_of_drawing():
    at = run_page({"table": "wonder_mcd", "measure": "crude_rate", "geo": "state"})
    assert not at.exception
    assert not at.get("plotly_chart")
    assert any("too many" in i.value for i in at.info)
    assert len(rows_table(at)) > 12 * 10


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
    titles = [spec["layout"]["title"]["text"] for spec in chart_specs(at)]
    assert sorted(titles) == sorted(DEFINITIONS[d].label for d in ("nonfatal_ed_discharge",
                                                                   "nonfatal_hosp_discharge"))


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
    for row in shown.itertuples():
        n = int(counts.get((row.year, row.sex), 0))
        if 1 <= n <= 9:
            assert row.suppressed and pd.isna(row.value)
        else:
            assert not row.suppressed and row.value == n
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
    assert set(rows_table(at)["year"]) == set(range(2012, 2019))
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

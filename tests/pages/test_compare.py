"""pages/compare.py: benzodiazepines beside other drugs (NIDA national). The chart plots exactly
the processed rows (or their index), every control lives in the URL, a hostile link falls back to
the defaults with a notice, and a missing table gives a clear error."""
from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from app import theme, views

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "pages" / "compare.py"
DATA = ROOT / "data"
HOSTILE = "<script>alert(1)</script>"


def run_page(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=30)
    at.query_params.update(query or {})
    return at.run()


def nida() -> pd.DataFrame:
    manifest = json.loads((DATA / "manifest.json").read_text())
    return pd.read_parquet(DATA / manifest["tables"]["nida_national"]["file"])


def series(measure: str, sex: str = "all") -> pd.DataFrame:
    """Year × drug values straight from the parquet file."""
    table = nida()
    rows = table[(table["measure"] == measure) & (table["sex"] == sex)
                 & (table["age_group"] == "all") & (table["race_ethnicity"] == "all")]
    return rows.pivot_table(index="year", columns="drug_group", values="value")


def values(array: list | dict) -> list:
    """A trace's x or y as a list (Plotly may serialise arrays as base64 typed arrays)."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array)


def traces(at: AppTest) -> dict[str, dict]:
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    return {t["name"]: t for t in spec["data"] if t.get("name") and t.get("y") is not None
            and t.get("mode") == "lines+markers"}


def layout(at: AppTest) -> dict:
    return json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]


def notices(at: AppTest) -> list[str]:
    return [c.value for c in at.caption if "Ignored" in c.value]


@pytest.fixture(scope="module")
def default_run() -> AppTest:
    return run_page()


def test_default_view_draws_one_chart_with_caption_definition_and_data(default_run):
    at = default_run
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.get("plotly_chart")) == 1
    assert at.title[0].value == "Compared with other drugs"
    captions = " ".join(c.value for c in at.caption)
    assert "Source:" in captions and "Definition: Underlying cause" in captions
    assert "several drugs" in captions, "one death can involve several drugs"
    assert at.get("download_button"), "Show data offers a CSV of the plotted rows"
    assert at.multiselect(key="drugs").value == list(views.COMPARE_DEFAULT)
    assert {w.key for w in at.get("button_group")} == {"measure", "view", "sex", "scale"}
    assert {w.key for w in at.slider} == {"years", "base_year"}
    assert at.slider(key="base_year").proto.disabled, "base year only matters for the index"
    assert at.toggle(key="events").value is True


def test_chart_plots_the_processed_deaths_with_theme_colours(default_run):
    deaths = series("deaths")
    shown = traces(default_run)
    assert "Benzodiazepines" in shown
    benzo = shown["Benzodiazepines"]
    assert values(benzo["x"]) == list(deaths.index)
    assert values(benzo["y"]) == deaths["benzodiazepines"].tolist()
    assert benzo["line"]["color"] == theme.drug_style("benzodiazepines").color
    assert len(shown) == len(views.COMPARE_DEFAULT)
    assert layout(default_run)["xaxis"]["tickformat"] == "d", "integer years"


def test_url_sets_every_control_and_the_chart_follows():
    query = {"drugs": "benzodiazepines,heroin", "measure": "age_adjusted_rate",
             "view": "index", "base_year": "2015", "scale": "log", "sex": "female",
             "years": "2005,2020", "events": "false"}
    at = run_page(query)
    assert not at.exception, [e.value for e in at.exception]
    assert at.multiselect(key="drugs").value == ["benzodiazepines", "heroin"]
    assert at.button_group(key="measure").value == "age_adjusted_rate"
    assert at.button_group(key="view").value == "index"
    assert at.button_group(key="sex").value == "female"
    assert at.button_group(key="scale").value == "log"
    assert at.slider(key="years").value == (2005, 2020)
    assert at.slider(key="base_year").value == 2015
    assert at.toggle(key="events").value is False
    rates = series("age_adjusted_rate", "female")["benzodiazepines"]
    benzo = traces(at)["Benzodiazepines"]
    expected = (rates.loc[2005:2020] / rates.loc[2015] * 100).tolist()
    assert values(benzo["y"]) == pytest.approx(expected)
    assert values(benzo["x"]) == list(range(2005, 2021))
    assert layout(at)["yaxis"]["type"] == "log"
    assert not any(s.get("type") == "line" for s in layout(at).get("shapes", [])), "no events"


def test_changing_controls_rewrites_the_url():
    at = run_page()
    at.button_group(key="measure").set_value("age_adjusted_rate").run()
    at.multiselect(key="drugs").set_value(["benzodiazepines", "all_drugs"]).run()
    at.slider(key="years").set_value((2010, 2021)).run()
    assert not at.exception
    assert at.query_params["measure"] == "age_adjusted_rate"
    assert at.query_params["drugs"] == "benzodiazepines,all_drugs"
    assert at.query_params["years"] == "2010,2021"
    at.button_group(key="measure").set_value("deaths").run()
    assert "measure" not in at.query_params, "the default is left out of the link"


@pytest.mark.parametrize("query", [{"drugs": HOSTILE}, {"years": "1990,2050"},
                                   {"base_year": "abc", "view": HOSTILE}])
def test_hostile_link_shows_a_notice_and_the_defaults(query):
    at = run_page(query)
    assert not at.exception
    assert notices(at)
    assert at.multiselect(key="drugs").value == list(views.COMPARE_DEFAULT)
    assert at.slider(key="years").value == (1999, 2021)
    shown = " ".join(str(e.value) for kind in ("markdown", "caption", "text") for e in
                     getattr(at, kind))
    assert "<script>" not in shown
    assert len(at.get("plotly_chart")) == 1


def test_no_drug_chosen_asks_for_one():
    at = run_page({"drugs": ""})
    assert not at.exception
    assert not at.get("plotly_chart")
    assert any("Choose at least one drug" in i.value for i in at.info)


def test_missing_table_shows_a_clear_error(tmp_path, monkeypatch):
    copy = tmp_path / "data"
    copy.mkdir()
    manifest = json.loads((DATA / "manifest.json").read_text())
    for path in DATA.iterdir():
        if path.name != manifest["tables"]["nida_national"]["file"]:
            (copy / path.name).symlink_to(path)
    monkeypatch.setenv("BENZO_DATA_DIR", str(copy))
    st.cache_data.clear()
    try:
        at = run_page()
    finally:
        st.cache_data.clear()
    assert not at.exception
    assert any("nida_national" in e.value for e in at.error)
    assert not at.get("plotly_chart")

"""pages/opioids.py: with/without-opioid splits as counts, shares and rates (with 95% bands), the
share of opioid deaths that also involved benzodiazepines with 2019 annotated and NIDA's published
figure beside it, the health-risk text filled from the data, every control bound to the URL, and
a clear error when the table is missing."""
from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "pages" / "opioids.py"
DATA = ROOT / "data"
HOSTILE = "<script>alert(1)</script>"


def run_page(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=30)
    at.query_params.update(query or {})
    return at.run()


def nida_pivot(measure: str = "deaths", sex: str = "all") -> pd.DataFrame:
    """Year × drug group values, US, all ages and races, straight from the parquet file."""
    manifest = json.loads((DATA / "manifest.json").read_text())
    nida = pd.read_parquet(DATA / manifest["tables"]["nida_national"]["file"])
    rows = nida[(nida["measure"] == measure) & (nida["sex"] == sex)
                & (nida["age_group"] == "all") & (nida["race_ethnicity"] == "all")]
    return rows.pivot_table(index="year", columns="drug_group", values="value", dropna=False)


def spec(at: AppTest, index: int) -> dict:
    return json.loads(at.get("plotly_chart")[index].proto.spec)


def values(array: list | dict) -> list:
    """A trace's x or y as a list (Plotly serialises numeric arrays as base64 typed arrays)."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array)


def traces(at: AppTest, index: int) -> dict[str, dict]:
    return {t["name"]: t for t in spec(at, index)["data"] if t.get("name")}


def all_text(at: AppTest) -> str:
    return "\n".join(str(e.value) for kind in ("markdown", "caption", "info", "warning", "text")
                     for e in getattr(at, kind))


@pytest.fixture(scope="module")
def default_run() -> AppTest:
    return run_page()


def test_default_view_counts_with_and_without_any_opioid(default_run):
    at = default_run
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.get("plotly_chart")) == 2
    deaths = nida_pivot()
    bars = traces(at, 0)
    with_bar = bars["Benzodiazepines with any opioid"]
    assert with_bar["type"] == "bar"
    assert values(with_bar["x"]) == list(deaths.index)
    assert values(with_bar["y"]) == deaths["benzodiazepines_with_any_opioid"].tolist()
    assert values(bars["Benzodiazepines without any opioid"]["y"]) == \
        deaths["benzodiazepines_without_any_opioid"].tolist()
    assert any("Source:" in c.value and "Definition:" in c.value for c in at.caption)


def test_widgets_are_present_with_defaults(default_run):
    at = default_run
    assert at.radio(key="split").value == "any_opioid"
    assert at.button_group(key="measure").value == "count"
    assert at.button_group(key="sex").value == "all"
    assert at.toggle(key="events").value is True
    csv_buttons = [b for b in at.get("download_button") if b.key.startswith("csv_")]
    assert len(csv_buttons) == 2, "each chart offers its plotted rows as CSV"


def test_share_chart_annotates_2019_from_the_data_with_the_published_check(default_run):
    at = default_run
    deaths = nida_pivot()
    share_2019 = deaths.loc[2019, "benzodiazepines_with_any_opioid"] / deaths.loc[2019, "any_opioid"] * 100
    annotations = [a["text"] for a in spec(at, 1)["layout"]["annotations"]]
    assert f"<b>2019: {share_2019:.1f}%</b>" in annotations
    line = traces(at, 1)["Benzodiazepines with any opioid"]
    expected = (deaths["benzodiazepines_with_any_opioid"] / deaths["any_opioid"] * 100).tolist()
    assert values(line["y"]) == pytest.approx(expected)
    check = " ".join(i.value for i in at.info)
    assert f"{share_2019:.1f}%" in check and "about 16%" in check
    assert f"{deaths.loc[2019, 'benzodiazepines_with_any_opioid']:,.0f}" in check


def test_health_text_is_filled_from_the_data(default_run):
    at = default_run
    deaths = nida_pivot()
    share_2019 = deaths.loc[2019, "benzodiazepines_with_any_opioid"] / deaths.loc[2019, "any_opioid"] * 100
    text = all_text(at)
    assert "boxed warning" in text and "breathing" in text
    assert f"In 2019, {share_2019:.1f}% (NIDA's published figure: about 16%)" in " ".join(text.split())
    assert "{" not in text, "no placeholder left unfilled"


def test_link_sets_the_controls_and_the_view():
    at = run_page({"split": "synthetic_opioids", "measure": "share", "sex": "female",
                   "events": "false"})
    assert not at.exception
    assert at.radio(key="split").value == "synthetic_opioids"
    assert at.button_group(key="measure").value == "share"
    assert at.button_group(key="sex").value == "female"
    assert at.toggle(key="events").value is False
    deaths = nida_pivot(sex="female")
    bar = traces(at, 0)["Benzodiazepines with synthetic opioids (mostly fentanyl)"]
    expected = (deaths["benzodiazepines_with_synthetic_opioids"]
                / (deaths["benzodiazepines_with_synthetic_opioids"]
                   + deaths["benzodiazepines_without_synthetic_opioids"]) * 100).tolist()
    assert values(bar["y"]) == pytest.approx(expected)
    assert spec(at, 0)["layout"]["yaxis"]["range"] == [0, 100]
    assert not spec(at, 0)["layout"].get("shapes"), "events off"
    assert any("both sexes" in c.value for c in at.caption), "published figure is for both sexes"


def test_controls_write_the_link():
    at = run_page()
    at.radio(key="split").set_value("synthetic_opioids").run()
    at.button_group(key="measure").set_value("rate").run()
    at.button_group(key="sex").set_value("male").run()
    assert not at.exception
    assert at.query_params["split"] == "synthetic_opioids"
    assert at.query_params["measure"] == "rate"
    assert at.query_params["sex"] == "male"
    at.button_group(key="sex").set_value("all").run()
    assert "sex" not in at.query_params, "the default is left out of the link"


def test_rates_have_confidence_bands_and_the_approximation_note():
    at = run_page({"measure": "rate"})
    assert not at.exception
    rates = nida_pivot("age_adjusted_rate")
    figure = spec(at, 0)
    line = traces(at, 0)["Benzodiazepines"]
    assert values(line["y"]) == rates["benzodiazepines"].tolist()
    axis_title = figure["layout"]["yaxis"]["title"]["text"].lower()
    assert "age-adjusted" in axis_title and "100,000" in axis_title
    assert any(t.get("fill") == "tonexty" for t in figure["data"]), "95% band drawn"
    assert any("approximation" in c.value for c in at.caption)


def test_suppressed_rates_are_marked_not_zero():
    at = run_page({"measure": "rate", "split": "synthetic_opioids"})
    assert not at.exception
    rates = nida_pivot("age_adjusted_rate")
    assert rates.loc[1999, "benzodiazepines_with_synthetic_opioids"] != 0
    line = traces(at, 0)["Benzodiazepines with synthetic opioids (mostly fentanyl)"]
    first = values(line["y"])[0]
    assert first is None or np.isnan(first), "suppressed 1999 rate is a gap"
    assert "suppressed" in json.dumps(spec(at, 0)["layout"]["annotations"])


@pytest.mark.parametrize("query", [
    {"sex": HOSTILE, "measure": "2099"},
    {"split": "synthetic_opioids,any_opioid", "events": "1998"},
])
def test_hostile_link_shows_a_notice_and_the_defaults(query):
    at = run_page(query)
    assert not at.exception
    assert any("Ignored invalid link settings" in c.value for c in at.caption)
    assert at.button_group(key="sex").value == "all"
    assert at.radio(key="split").value == "any_opioid"
    assert "<script>" not in all_text(at)


def test_missing_table_shows_a_clear_error(tmp_path, monkeypatch):
    copy = tmp_path / "data"
    shutil.copytree(DATA, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    (copy / manifest["tables"]["nida_national"]["file"]).unlink()
    monkeypatch.setenv("BENZO_DATA_DIR", str(copy))
    st.cache_data.clear()
    try:
        at = run_page()
    finally:
        st.cache_data.clear()
    assert not at.exception
    assert any("nida_national" in e.value for e in at.error)
    assert not at.get("plotly_chart")

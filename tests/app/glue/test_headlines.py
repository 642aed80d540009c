"""app/glue/headlines.py: every placeholder in the content is filled from the tables (real data
included), the slides' comment block lists only known placeholders, and a missing table is
named."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st

from app.data import content
from app.glue import headlines
from app.data.tables import TableUnavailable
from tests.pages.harness import data_without


DATA = Path(__file__).resolve().parents[3] / "data"


@pytest.fixture(scope="module")
def real_nida() -> pd.DataFrame:
    manifest = json.loads((DATA / "manifest.json").read_text())
    return pd.read_parquet(DATA / manifest["tables"]["nida_national"]["file"])


def test_headline_values_fill_every_placeholder_in_the_content():
    values = headlines.headline_values()
    for name in ("slides", "health_risks"):
        text = content.read_markdown(name)
        assert content.placeholders(text) <= set(values), name
        filled = content.fill(text, values)
        assert "{" not in filled and "not available" not in filled
    assert all(isinstance(v, str) and v for v in values.values())


def test_the_slides_comment_block_lists_only_known_placeholders():
    """Every placeholder documented for editors at the top of slides.md has a value."""
    raw = (content.CONTENT_DIR / "slides.md").read_text(encoding="utf-8")
    block = raw.split("Placeholders used here", 1)[1].split("-->", 1)[0]
    documented = {line.split()[0] for line in block.splitlines()
                  if line.strip() and line.startswith("  ") and not line.startswith("   ")}
    assert documented and documented <= set(headlines.headline_values())


def test_headline_values_on_real_data(real_nida):
    values = headlines.headline_values()
    year = int(real_nida.loc[(real_nida["drug_group"] == "benzodiazepines")
                             & (real_nida["measure"] == "deaths"), "year"].max())
    assert values["latest_year"] == str(year)
    assert values["share_opioid_deaths_with_benzo_2019"].startswith("16.6% ")
    assert "about 16%" in values["share_opioid_deaths_with_benzo_2019"]
    assert values["share_with_opioids_latest"].endswith("%")
    assert values["state_map_year"].isdigit() and values["sudors_latest_year"].isdigit()


def test_headline_values_name_a_missing_table(tmp_path, monkeypatch):
    monkeypatch.setenv("BENZO_DATA_DIR", str(data_without("sudors_state", tmp_path)))
    st.cache_data.clear()
    try:
        with pytest.raises(TableUnavailable, match="sudors_state"):
            headlines.headline_values()
        assert headlines.headline_values_from("nida_national")["latest_year"]
    finally:
        st.cache_data.clear()

"""Data access (app/data.py) and the page glue that depends on it (app/ui.require_table,
chart_block): a missing, unlisted or damaged table raises TableUnavailable naming it; manifest
lookups give citations and definitions; a page whose table is missing shows an error and stops."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from app import data
from etl.registry import DEFINITIONS
from etl.tidy import tidy_frame

SOURCE = {
    "title": "Overdose death rates", "publisher": "National Institute on Drug Abuse",
    "landing_url": "https://example.org/nida", "license": "Public domain",
    "citation": "NIDA. Drug Overdose Death Rates. 2023.", "coverage": "United States 1999–2021",
    "definitions": ["ucd_overdose"], "vintage": "2023-06-30", "retrieved": "2026-11-23",
    "files": [], "caveats": ["Counts below 10 are suppressed."],
}


def small_table() -> pd.DataFrame:
    rows = pd.DataFrame({"drug_group": ["benzodiazepines"] * 3, "year": [2019, 2020, 2021],
                         "value": [9711.0, 12290.0, 12499.0]})
    return tidy_frame(rows, source_id="nida", source_file="t.xlsx", definition="ucd_overdose",
                      measure="deaths", unit="deaths", geo_level="nation", geo_fips="00",
                      geo_name="United States", period_type="year")


def write_data_dir(folder: Path, tables: dict[str, pd.DataFrame]) -> Path:
    manifest = {"schema_version": 1, "built_at": "2026-11-25T00:00:00+00:00",
                "code_version": "test", "sources": {"nida": SOURCE}, "tables": {}}
    for name, frame in tables.items():
        frame.to_parquet(folder / f"{name}.parquet", index=False)
        manifest["tables"][name] = {"file": f"{name}.parquet", "source_id": "nida",
                                    "title": "NIDA national", "description": "test",
                                    "rows": len(frame), "columns": list(frame.columns),
                                    "sha256": "x"}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


@pytest.fixture()
def data_folder(tmp_path: Path) -> Path:
    return write_data_dir(tmp_path, {"nida_national": small_table()})


def test_load_table_reads_listed_table(data_folder):
    frame = data.load_table("nida_national", data_folder)
    assert list(frame["value"]) == [9711.0, 12290.0, 12499.0]
    assert data.available_tables(data_folder) == ["nida_national"]


def test_missing_file_names_table_and_file(data_folder):
    (data_folder / "nida_national.parquet").unlink()
    with pytest.raises(data.TableUnavailable) as err:
        data.load_table("nida_national", data_folder)
    message = str(err.value)
    assert "'nida_national'" in message and "nida_national.parquet" in message
    assert "is missing" in message and "python -m etl build" in message
    assert err.value.name == "nida_national"


def test_table_not_in_manifest(data_folder):
    with pytest.raises(data.TableUnavailable, match="'wonder_mcd'.*not listed in manifest.json"
                                                  ".*nida_national"):
        data.load_table("wonder_mcd", data_folder)


def test_no_manifest(tmp_path):
    with pytest.raises(data.TableUnavailable, match="'nida_national'.*manifest"):
        data.load_table("nida_national", tmp_path)
    with pytest.raises(data.ManifestUnavailable, match="is missing"):
        data.load_manifest(tmp_path)
    assert data.available_tables(tmp_path) == []


def test_unreadable_file(data_folder):
    (data_folder / "nida_national.parquet").write_bytes(b"not a parquet file")
    with pytest.raises(data.TableUnavailable, match="'nida_national'.*cannot be read"):
        data.load_table("nida_national", data_folder)


def test_columns_differ_from_manifest(data_folder):
    small_table().drop(columns=["note"]).to_parquet(data_folder / "nida_national.parquet")
    with pytest.raises(data.TableUnavailable, match="has columns"):
        data.load_table("nida_national", data_folder)


def test_rebuilt_file_is_reread(data_folder):
    first = data.load_table("nida_national", data_folder)
    changed = small_table().assign(value=[1.0, 2.0, 3.0])
    changed.to_parquet(data_folder / "nida_national.parquet", index=False)
    import os
    stat = (data_folder / "nida_national.parquet").stat()
    os.utime(data_folder / "nida_national.parquet", ns=(stat.st_atime_ns,
                                                         stat.st_mtime_ns + 10**9))
    assert list(data.load_table("nida_national", data_folder)["value"]) == [1.0, 2.0, 3.0]
    assert list(first["value"]) == [9711.0, 12290.0, 12499.0]


def test_manifest_lookups(data_folder):
    assert data.table_source_id("nida_national", data_folder) == "nida"
    assert data.citation("nida", data_folder) == SOURCE["citation"]
    assert data.citation("unknown", data_folder) == "source 'unknown'"
    assert data.source_info("nida", data_folder)["caveats"] == SOURCE["caveats"]
    caption = data.source_caption_text("nida", "ucd_overdose", data_folder)
    assert "National Institute on Drug Abuse" in caption and "2023-06-30" in caption
    assert DEFINITIONS["ucd_overdose"].label in caption
    table_caption = data.table_caption_text("nida_national", data_folder)
    assert DEFINITIONS["ucd_overdose"].label in table_caption


def test_definitions_from_registry():
    assert data.definition_text("mcd_overdose") == DEFINITIONS["mcd_overdose"].description
    assert data.definition_label("ucd_overdose") == DEFINITIONS["ucd_overdose"].label
    assert "not in the registry" in data.definition_text("nope")


def test_data_dir_env_override(data_folder, monkeypatch):
    monkeypatch.setenv("BENZO_DATA_DIR", str(data_folder))
    assert data.data_dir() == data_folder
    assert len(data.load_table("nida_national")) == 3


# --- Streamlit glue (AppTest) ----------------------------------------------------------------

def _page_with_missing_table():
    import streamlit as st
    from app import ui
    ui.require_table("does_not_exist")
    st.write("page body after the table")


def _page_with_chart():
    import pandas as pd
    from app import charts, ui
    from etl.tidy import tidy_frame
    rows = pd.DataFrame({"drug_group": ["benzodiazepines"] * 3, "year": [2019, 2020, 2021],
                         "value": [9711.0, 12290.0, 12499.0]})
    df = tidy_frame(rows, source_id="nida", source_file="t.xlsx", definition="ucd_overdose",
                    measure="deaths", unit="deaths", geo_level="nation", geo_fips="00",
                    geo_name="United States", period_type="year")
    ui.chart_block(charts.time_series(df), df, "Source: test.", key="deaths")
    ui.get_help_box()


def test_require_table_shows_error_and_stops_page(tmp_path, monkeypatch):
    monkeypatch.setenv("BENZO_DATA_DIR", str(tmp_path))
    at = AppTest.from_function(_page_with_missing_table).run(timeout=30)
    assert not at.exception
    assert len(at.error) == 1 and "does_not_exist" in at.error[0].value
    assert not any("page body" in m.value for m in at.markdown)


def test_chart_block_draws_caption_summary_table_and_help():
    at = AppTest.from_function(_page_with_chart).run(timeout=30)
    assert not at.exception
    assert at.caption[0].value == "Source: test."
    assert any("12,499 deaths in 2021" in m.value for m in at.markdown)
    assert [e.label for e in at.expander] == ["Show data", "Cite and reproduce this view"]
    assert not at.dataframe and not at.code, "expander content is drawn only once opened"
    at.session_state["show_data_deaths"] = True
    at.run()
    assert len(at.dataframe[0].value) == 3
    assert [b.proto.label for b in at.get("download_button")
            if b.key == "csv_deaths"] == ["Download these data (CSV)"]
    assert not at.code, "the citation stays closed"
    at.session_state["cite_view_deaths"] = True
    at.run()
    today = dt.date.today()
    assert any(f"Accessed {today:%B} {today.day}, {today.year}." in c.value for c in at.code), \
        "the citation is drawn once opened"
    help_text = at.info[0].value
    for line in ("1-800-662-4357", "FindTreatment.gov", "988", "1-800-222-1222", "911"):
        assert line in help_text

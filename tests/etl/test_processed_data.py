"""The processed tables shipped in data/: they validate, carry their metadata, reproduce the
published check values, and equal a fresh build from the raw files."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from etl.build import build
from etl.registry import DEFINITIONS, DRUG_GROUPS
from etl.verify import verify_data_dir

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads((DATA / "manifest.json").read_text())


def table(manifest: dict, name: str) -> pd.DataFrame:
    return pd.read_parquet(DATA / manifest["tables"][name]["file"])


def test_shipped_data_verifies_against_manifest_schemas_and_cross_checks():
    assert verify_data_dir(DATA) == []


def test_shipped_data_is_small(manifest):
    total = sum((DATA / t["file"]).stat().st_size for t in manifest["tables"].values())
    assert total < 5 * 1024 * 1024


def test_every_table_and_source_has_its_metadata(manifest):
    for name, entry in manifest["tables"].items():
        assert entry["title"] and entry["description"], name
        source = manifest["sources"][entry["source_id"]]
        for key in ("publisher", "landing_url", "citation", "license", "coverage", "retrieved"):
            assert source[key], f"{entry['source_id']}: {key} is empty"
        assert all(f["sha256"] and f["url"] for f in source["files"])
        frame = table(manifest, name)
        if "unit" in frame.columns:
            assert frame["unit"].str.len().gt(0).all(), f"{name}: a row without unit"
            assert frame["drug_group"].isin(list(DRUG_GROUPS)).all()
        assert frame["definition"].isin(list(DEFINITIONS)).all(), name


def test_suppressed_values_are_missing_never_zero(manifest):
    for name, entry in manifest["tables"].items():
        frame = table(manifest, name)
        if "suppressed" in frame.columns:
            assert frame.loc[frame["suppressed"], "value"].isna().all(), name


def _nida_benzo_deaths(manifest: dict) -> pd.Series:
    nida = table(manifest, "nida_national")
    rows = nida[(nida["measure"] == "deaths") & (nida["sex"] == "all")
                & (nida["age_group"] == "all") & (nida["race_ethnicity"] == "all")]
    return rows.pivot_table(index="year", columns="drug_group", values="value")


def test_published_benzodiazepine_counts_are_reproduced(manifest):
    deaths = _nida_benzo_deaths(manifest)["benzodiazepines"]
    assert deaths.loc[[1999, 2017, 2019, 2020, 2021]].tolist() == [1135, 11537, 9711, 12290, 12499]
    # NIDA's release of 2 May 2024, underlying-cause definition
    assert deaths.loc[2022] == 10964


def test_manifest_names_the_release_read_and_the_one_it_supersedes(manifest):
    nida = manifest["sources"]["nida_workbook"]
    assert nida["vintages"]["used"]["name"] == "overdose_data_1999-2022_5.2.2024.xlsx"
    assert [v["name"] for v in nida["vintages"]["superseded"]] == [
        "Overdose_data_1999-2021 1.19.23.xlsx"]
    revisions = nida["vintages"]["revisions"]["nida_national"]
    assert revisions["overlap"] == "1999–2021" and revisions["cells_revised"] == 0
    [used] = nida["files"]
    assert "re-saved by a third party" in used["copy_note"]
    assert used["workbook_properties"]["last_modified_by"] != used["workbook_properties"][
        "creator"]


def test_three_dates_and_the_data_period_of_every_source(manifest):
    for source_id, source in manifest["sources"].items():
        assert source["built_at"] == manifest["built_at"], source_id
        assert source["retrieved"] and source["retrieved_from"], source_id
        assert "released" in source and source["released_from"], source_id
        assert source["data_through"] >= source["first_period"], source_id
        assert source["newer_data"]["fetch_command"].startswith("python -m etl fetch --source ")
    nida = manifest["sources"]["nida_workbook"]
    assert (nida["released"], nida["retrieved"], nida["data_through"],
            nida["last_period_status"]) == ("2024-05-02", "2026-12-02", "2022", "final")
    vsrr = manifest["tables"]["vsrr_provisional"]
    assert (vsrr["data_through"], vsrr["period_type"], vsrr["last_period_status"]) == (
        "2019-02", "12_month_ending", "provisional")


def test_share_of_opioid_deaths_with_benzodiazepines_2019_is_computed(manifest):
    deaths = _nida_benzo_deaths(manifest)
    with_opioid, opioid = deaths.loc[2019, "benzodiazepines_with_any_opioid"], deaths.loc[2019, "any_opioid"]
    assert (with_opioid, opioid) == (8301, 49860)
    assert round(100 * with_opioid / opioid, 1) == 16.6


@pytest.mark.raw
def test_committed_data_equals_a_fresh_build(raw_dir, tmp_path, manifest):
    """`python -m etl build` reproduces data/ byte for byte (same content-addressed files)."""
    build(raw_dir, tmp_path, progress=False)
    fresh = json.loads((tmp_path / "manifest.json").read_text())
    assert {n: t["sha256"] for n, t in fresh["tables"].items()} == \
        {n: t["sha256"] for n, t in manifest["tables"].items()}
    for name, entry in fresh["tables"].items():
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / entry["file"]), table(manifest, name))

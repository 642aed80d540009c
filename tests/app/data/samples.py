"""What the data-access tests share: a manifest entry of one source, a small tidy table, a data
folder written from tables (manifest included), and the `data_folder` fixture."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

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

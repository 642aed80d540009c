"""app/data/currency.py: how far a chart's rows reach, in words (a year, a month, a rolling 12
months; final, provisional or partial), the same for a table from its manifest entry, and the
'newer data' line for a source that ends more than 18 months before today — on small frames and
manifests written here, and on the shipped manifest."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from app.data import currency, tables
from etl.tidy import PARTIAL_NOTE


def rows(years, *, months=None, period_type="year", provisional=(), note="") -> pd.DataFrame:
    frame = pd.DataFrame({"year": list(years), "value": 1.0, "period_type": period_type,
                          "provisional": [y in provisional for y in years], "note": note})
    if months is not None:
        frame["month"] = months
    return frame


@pytest.mark.parametrize("frame,expected", [
    (rows([2020, 2021, 2022]), "Data through 2022, final."),
    (rows([2021, 2022], provisional=(2022,)), "Data through 2022, provisional."),
    (rows([2025, 2025], months=[5, 6], period_type="month", provisional=(2025,)),
     "Data through June 2025, provisional."),
    (rows([2019], months=[2], period_type="12_month_ending"),
     "Data through 12 months ending February 2019, final."),
    (rows([2023, 2024], note=PARTIAL_NOTE), "Data through 2024, partial year."),
])
def test_rows_through_names_the_last_period_and_its_status(frame, expected):
    assert currency.rows_through(frame) == expected


def test_rows_without_periods_are_not_dated():
    assert currency.rows_through(pd.DataFrame({"combination": ["a"], "value": [3.0]})) is None
    assert currency.rows_through(pd.DataFrame()) is None


def test_a_value_less_last_year_does_not_count():
    frame = rows([2020, 2021, 2022])
    frame.loc[frame["year"] == 2022, "value"] = float("nan")
    assert currency.rows_through(frame) == "Data through 2021, final."


def write_manifest(folder: Path, through: str, period_type: str = "year") -> Path:
    manifest = {"tables": {"t": {"file": "t.parquet", "source_id": "s", "first_period": "1999",
                                 "data_through": through, "period_type": period_type,
                                 "last_period_status": "final"}},
                "sources": {"s": {"publisher": "NIDA", "data_through": through,
                                  "period_type": period_type,
                                  "newer_data": {"url": "https://example.org/newer",
                                                 "fetch_command": "python -m etl fetch --source x",
                                                 "fetch": "automatic"}}}}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def test_stale_note_after_18_months_names_where_and_how(tmp_path):
    folder = write_manifest(tmp_path, "2022")
    note = currency.stale_note("s", dt.date(2026, 12, 2), folder)
    assert note and "end in 2022" in note and "<https://example.org/newer>" in note
    assert "`python -m etl fetch --source x`" in note
    assert currency.stale_note("s", dt.date(2024, 6, 30), folder) is None, "exactly 18 months"
    assert currency.stale_note("s", dt.date(2024, 7, 1), folder) is not None
    assert currency.stale_note("unknown", dt.date(2026, 12, 2), folder) is None


def test_monthly_source_is_stale_from_its_last_month(tmp_path):
    folder = write_manifest(tmp_path, "2025-06", "month")
    assert currency.stale_note("s", dt.date(2026, 12, 31), folder) is None
    note = currency.stale_note("s", dt.date(2027, 1, 1), folder)
    assert note and "end in June 2025" in note


def test_table_through_reads_the_manifest(tmp_path):
    folder = write_manifest(tmp_path, "2025-06", "month")
    assert currency.table_through("t", folder) == "Data through June 2025, final."
    assert currency.table_through("missing", folder) is None


def test_the_shipped_data_say_how_current_they_are():
    manifest = tables.load_manifest()
    for name, info in manifest["tables"].items():
        assert currency.table_through(name), f"{name}: the manifest dates this table"
    nida = currency.table_through("nida_national")
    assert nida == f"Data through {manifest['tables']['nida_national']['data_through']}, final."

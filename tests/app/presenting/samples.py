"""What the presenter tests share: a small valid deck, the chart ids that draw a chart, the
processed tables and placeholder values, and every chart built from them (module fixtures,
registered for tests/app in tests/app/conftest.py)."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from app.data import tables
from app.glue import headlines
from app.presenting import slide_charts


DATA = Path(__file__).resolve().parents[3] / "data"


CHART_IDS = [c for c in slide_charts.CHART_IDS if c != slide_charts.CONTENT]


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
def chart_tables() -> dict[str, pd.DataFrame]:
    names = {t for ts in slide_charts.CHART_TABLES.values() for t in ts}
    return {name: tables.load_table(name) for name in names}


@pytest.fixture(scope="module")
def values() -> dict[str, str]:
    return headlines.headline_values()


@pytest.fixture(scope="module")
def built(chart_tables, values) -> dict[str, slide_charts.SlideChart]:
    return {c: slide_charts.build_chart(c, chart_tables, values) for c in CHART_IDS}

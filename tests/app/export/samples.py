"""What the export tests share: a trend, a map and a long ranking drawn from small synthetic
frames, the title, source and date baked into slides, and the `browser` and `slide_images`
fixtures (registered for tests/app in tests/app/conftest.py)."""
from __future__ import annotations

import datetime as dt
import os
import time

import pandas as pd
import plotly.graph_objects as go
import pytest

from app.charts import bars, lines, maps
from app.export import images
from app.glue import cache
from etl.registry import STATES
from etl.tidy import tidy_frame, validate_tidy


DATE = dt.date(2026, 3, 5)


TITLE = "Benzodiazepine deaths – with “opioids” ≥ 2019"


SOURCE = "Source: CDC WONDER <test> & NCHS. Definition: Multiple cause"


def national_deaths() -> pd.DataFrame:
    rows = [dict(drug_group=g, year=y, value=float(b + (y - 2010) * 40), provisional=y == 2021)
            for g, b in {"benzodiazepines": 900, "any_opioid": 6000}.items()
            for y in range(2010, 2022)]
    return validate_tidy(tidy_frame(
        pd.DataFrame(rows), source_id="nida", source_file="t.xlsx", definition="ucd_overdose",
        measure="deaths", unit="deaths", geo_level="nation", geo_fips="00",
        geo_name="United States", period_type="year"))


def state_rates() -> pd.DataFrame:
    rows = [dict(geo_fips=s.fips, geo_name=s.name, year=2020, value=1 + i * 0.3,
                 suppressed=False, unreliable=False) for i, s in enumerate(STATES)]
    return validate_tidy(tidy_frame(
        pd.DataFrame(rows), source_id="wonder", source_file="w.txt", definition="mcd_overdose",
        measure="crude_rate", unit="deaths per 100,000 population, crude",
        drug_group="benzodiazepines", geo_level="state", period_type="year"))


def trend_figure() -> go.Figure:
    return lines.time_series(national_deaths(), title="Deaths by year",
                             events=[{"year": 2016, "label": "Boxed warning"},
                                     {"year": 2020, "label": "A late event with a long label"}])


def map_figure() -> go.Figure:
    return maps.state_map(state_rates(), title="Rate by state, 2020")


def ranking_figure() -> go.Figure:
    """A ranking of 45 states (51 rows, 6 without a value), as on the States page."""
    rows = state_rates()
    rows.loc[rows.index[:6], "value"] = None
    rows.loc[rows.index[6:9], "unreliable"] = True
    return bars.ranked_bar(rows, title="Rate by state, 2020")


@pytest.fixture(scope="module")
def browser() -> str:
    path = images.browser_path()
    if path is None:
        message = ("no Chromium for kaleido: install Debian's browser with "
                   "`apt-get install chromium` (or set BROWSER_PATH)")
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="module")
def slide_images(browser: str) -> dict[str, bytes]:
    """The trend's slide PNG and SVG as the download buttons make them: through the glue's one
    cache (app.glue.cache), which starts with nothing in it."""
    cache.clear()
    start = time.perf_counter()
    png = cache.call(images.slide_png, trend_figure(), TITLE, SOURCE, DATE)
    svg = cache.call(images.slide_svg, trend_figure(), TITLE, SOURCE, DATE)
    print(f"kaleido: PNG and SVG, one Chromium session each: {time.perf_counter() - start:.2f} s")
    return {"png": png, "svg": svg}

""""Cite and reproduce this view" for any chart: a citation with today's access date (as text, and
as BibTeX and RIS through app.views.citations), and a short pandas snippet that rebuilds exactly the plotted rows from the processed table the Data and
methods page offers for download.

The snippet filters on the tidy key columns with the values the chart shows. It is only offered
when that filter, run on the real table, gives back exactly the plotted rows; a derived chart
(shares, sums, a state range) says so instead of showing code that would not reproduce it.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

import pandas as pd

from app.views import citations, methods

FILTER_COLUMNS = ("definition", "measure", "drug_group", "geo_fips", "period_type", "sex",
                  "age_group", "race_ethnicity")


def table_for(plotted: pd.DataFrame, manifest: Mapping[str, Any],
              load: Callable[[str], pd.DataFrame]) -> str | None:
    """The processed table the plotted rows come from: of their source's tables, the one whose
    definitions and measures cover the plotted ones."""
    if "source_id" not in plotted.columns or plotted["source_id"].nunique() != 1:
        return None
    source_id = plotted["source_id"].iloc[0]
    names = [n for n, t in manifest.get("tables", {}).items() if t.get("source_id") == source_id]
    if len(names) == 1:
        return names[0]
    for name in names:
        table = load(name)
        if all(c in table.columns and set(plotted[c]) <= set(table[c])
               for c in ("definition", "measure") if c in plotted.columns):
            return name
    return None


def filters_of(plotted: pd.DataFrame) -> dict[str, list[object]]:
    """Column -> the sorted values the chart shows, for the key columns it has."""
    found: dict[str, list[object]] = {}
    for column in FILTER_COLUMNS:
        if column in plotted.columns:
            found[column] = sorted(plotted[column].dropna().unique().tolist())
    return found


def apply_filters(table: pd.DataFrame, filters: Mapping[str, list[object]],
                  years: tuple[int, int] | None) -> pd.DataFrame:
    mask = pd.Series(True, index=table.index)
    for column, values in filters.items():
        mask &= table[column].isin(values)
    if years is not None:
        mask &= table["year"].between(*years)
    return table[mask]


def year_span(plotted: pd.DataFrame) -> tuple[int, int] | None:
    if "year" not in plotted.columns or plotted["year"].isna().all():
        return None
    return int(plotted["year"].min()), int(plotted["year"].max())


def snippet(file_name: str, filters: Mapping[str, list[object]],
            years: tuple[int, int] | None) -> str:
    lines = ["import pandas as pd", "", f'rows = pd.read_parquet("{file_name}")']
    for column, values in filters.items():
        lines.append(f"rows = rows[rows[{column!r}].isin({values!r})]")
    if years is not None:
        lines.append(f'rows = rows[rows["year"].between({years[0]}, {years[1]})]')
    return "\n".join(lines)


def reproduces(table: pd.DataFrame, plotted: pd.DataFrame) -> bool:
    """Whether the key-column filter of `plotted` gives back exactly its rows (no more, no less)."""
    key = [c for c in (*FILTER_COLUMNS, "year", "month") if c in plotted.columns]
    if "value" not in plotted.columns or not key or not set(key + ["value"]) <= set(table.columns):
        return False  # e.g. a count over record-level rows: a view, not rows of the table
    got = apply_filters(table, filters_of(plotted), year_span(plotted))
    if len(got) != len(plotted):
        return False
    left = got[key + ["value"]].sort_values(key).reset_index(drop=True)
    right = plotted[key + ["value"]].sort_values(key).reset_index(drop=True)
    try:
        pd.testing.assert_frame_equal(left, right, check_dtype=False)
    except AssertionError:
        return False
    return True


def view_citation(plotted: pd.DataFrame, manifest: Mapping[str, Any], page_url: str | None
                  ) -> str:
    """The dashboard citation (with this view's link and today's date) and each source's."""
    sources = sorted(plotted["source_id"].unique()) if "source_id" in plotted.columns else []
    parts = [methods.dashboard_citation(manifest, url=page_url)]
    parts += [methods.source_citation(s, manifest) for s in sources]
    return "\n\n".join(parts)


def view_references(plotted: pd.DataFrame, manifest: Mapping[str, Any], page_url: str | None,
                    accessed: date) -> list[citations.Reference]:
    """The plotted rows' sources as references for BibTeX and RIS (app.views.citations), each
    with this view's link, the access date and the source's vintage."""
    sources = sorted(plotted["source_id"].unique()) if "source_id" in plotted.columns else []
    return citations.source_references(sources, manifest, url=page_url, accessed=accessed)

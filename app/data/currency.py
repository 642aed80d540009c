"""How current the numbers on a page are, in words: how far a chart's own rows reach ("Data through
2022, final."), the same for a table from its manifest entry, and the one calm line a page shows
when a source ends more than STALE_AFTER_MONTHS before today (the publisher has newer data, where
it is, and the command that fetches it).

The period rule is etl.currency's (the ETL records the same fields in the manifest), so a caption
and the methods page's currency table cannot disagree. Dates a reader does not expect here (when
a copy was retrieved, when the tables were built) are never used: only the data's own periods.
"""
from __future__ import annotations

import calendar
import datetime as dt
from pathlib import Path

import pandas as pd

from app.data.tables import ManifestUnavailable, TableUnavailable, load_manifest, table_info
from etl import currency

STALE_AFTER_MONTHS = 18
"""A source whose last period ended longer ago than this gets the 'newer data' line (issue 15)."""
STATUS_WORDS = {"final": "final", "provisional": "provisional", "partial": "partial"}


def period_words(period: str, period_type: str = "year") -> str:
    """'2022'; '2025-06' as 'June 2025', or '12 months ending June 2025' for a rolling window."""
    if len(period) == 4:
        return period
    year, month = int(period[:4]), int(period[5:7])
    words = f"{calendar.month_name[month]} {year}"
    return f"12 months ending {words}" if period_type == "12_month_ending" else words


def through_words(coverage: currency.Coverage) -> str:
    """'2022, final'; '2021-12, provisional' as 'December 2021, provisional'; a partial last
    period says which kind ('2024, partial year')."""
    status = coverage.last_period_status
    if status == "partial":
        kind = "year" if coverage.period_type == "year" else "month"
        status = f"partial {kind}"
    return f"{period_words(coverage.data_through, coverage.period_type)}, {status}"


def rows_through(rows: pd.DataFrame) -> str | None:
    """'Data through 2022, final.' for the rows a chart plots, or None for rows without periods
    (a ranking of drug combinations over all years, say)."""
    if rows is None or rows.empty or "year" not in rows.columns:
        return None
    try:
        coverage = currency.coverage(rows)
    except (KeyError, ValueError, TypeError):
        return None
    return f"Data through {through_words(coverage)}."


def table_through(name: str, directory: Path | None = None) -> str | None:
    """The same sentence for a whole processed table, from its manifest entry (None when the
    manifest does not date it)."""
    try:
        info = table_info(name, directory)
    except TableUnavailable:
        return None
    if not info.get("data_through"):
        return None
    coverage = currency.Coverage(str(info.get("first_period") or ""), str(info["data_through"]),
                                 str(info.get("period_type") or "year"),
                                 str(info.get("last_period_status") or "final"))
    return f"Data through {through_words(coverage)}."


def period_end(period: str) -> dt.date:
    """The last day of a period ('2022' -> 31 December 2022, '2025-06' -> 30 June 2025)."""
    year = int(period[:4])
    month = int(period[5:7]) if len(period) > 4 else 12
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def months_between(earlier: dt.date, later: dt.date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def stale_note(source_id: str, today: dt.date | None = None,
               directory: Path | None = None) -> str | None:
    """One line for a source whose data end more than STALE_AFTER_MONTHS before `today`: how far
    they reach, that the publisher has released newer data and where, and the command that
    fetches it (Markdown). None for a current source or one the manifest does not date."""
    try:
        source = load_manifest(directory).get("sources", {}).get(source_id) or {}
    except ManifestUnavailable:
        return None
    through, newer = source.get("data_through"), source.get("newer_data") or {}
    if not through or not newer.get("url"):
        return None
    today = today or dt.date.today()
    if months_between(period_end(str(through)), today) <= STALE_AFTER_MONTHS:
        return None
    words = period_words(str(through), str(source.get("period_type") or "year"))
    publisher = source.get("publisher") or "The publisher"
    command = newer.get("fetch_command", "")
    fetch = f" `{command}` fetches it into this dashboard" if command else ""
    manual = " (with download steps)" if str(newer.get("fetch", "")).startswith("manual") else ""
    return (f"{publisher}'s figures here end in {words}. Newer data have been published since "
            f"then: <{newer['url']}>;{fetch}{manual}.")

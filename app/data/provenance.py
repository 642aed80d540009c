"""Where a table's numbers come from, in words: the source's manifest entry, its citation, and the
case definitions of etl.registry, as the caption lines and notes every chart carries.

Captions, citations and definitions come from the manifest (written by the ETL from each source
module's `SOURCE`) and from etl.registry.DEFINITIONS, never from strings typed into pages.
"""
from __future__ import annotations

import calendar
from pathlib import Path
from typing import Any

from app.data.tables import ManifestUnavailable, load_manifest, table_info
from etl.registry import DEFINITIONS


def source_info(source_id: str, directory: Path | None = None) -> dict[str, Any]:
    """The manifest entry of a source (title, publisher, landing_url, citation, caveats, ...);
    empty dict when the source is not built."""
    try:
        return dict(load_manifest(directory).get("sources", {}).get(source_id, {}))
    except ManifestUnavailable:
        return {}


def table_source_id(name: str, directory: Path | None = None) -> str:
    return str(table_info(name, directory)["source_id"])


def citation(source_id: str, directory: Path | None = None) -> str:
    """The source's citation as the ETL recorded it, or a plain fallback naming the id."""
    info = source_info(source_id, directory)
    return str(info.get("citation") or info.get("title") or f"source '{source_id}'")


def definition_label(definition_id: str) -> str:
    d = DEFINITIONS.get(definition_id)
    return d.label if d else definition_id


def definition_text(definition_id: str) -> str:
    """Full case-definition sentence from etl.registry.DEFINITIONS."""
    d = DEFINITIONS.get(definition_id)
    return d.description if d else f"Case definition '{definition_id}' (not in the registry)."


def source_caption_text(source_id: str, definition_id: str | None = None,
                        directory: Path | None = None) -> str:
    """One caption line: publisher and title, vintage, and the case definition's label."""
    info = source_info(source_id, directory)
    parts = []
    if info:
        who = " — ".join(str(x) for x in (info.get("publisher"), info.get("title")) if x)
        parts.append(f"Source: {who}" if who else f"Source: {source_id}")
        if info.get("vintage"):
            parts.append(f"Vintage: {info['vintage']}")
    else:
        parts.append(f"Source: {source_id}")
    if definition_id:
        parts.append(f"Definition: {definition_label(definition_id)}")
    return ". ".join(p.rstrip(". ") for p in parts) + "."


def table_caption_text(name: str, directory: Path | None = None) -> str:
    """Caption for a chart drawn from table `name`: its source and every definition in it."""
    source_id = table_source_id(name, directory)
    definitions = source_info(source_id, directory).get("definitions") or []
    labels = "; ".join(definition_label(d) for d in definitions)
    caption = source_caption_text(source_id, None, directory)
    return f"{caption[:-1]}. Definition: {labels}." if labels else caption


def period_text(period: str) -> str:
    """'2022' stays; '2021-12' reads 'December 2021'."""
    year, _, month = str(period).partition("-")
    if month.isdigit() and 1 <= int(month) <= 12:
        return f"{calendar.month_name[int(month)]} {year}"
    return str(period)


def data_through_text(source_id: str, directory: Path | None = None) -> str:
    """How far the source's data run, in words, from the manifest ('The source's data run through
    2022 (final), released 2024-05-02.'); '' when the manifest does not say."""
    info = source_info(source_id, directory)
    through = info.get("data_through")
    if not through:
        return ""
    status = info.get("last_period_status")
    text = f"The source's data run through {period_text(str(through))}"
    if status:
        text += f" ({status})"
    if info.get("released"):
        text += f", released {info['released']}"
    return text + "."

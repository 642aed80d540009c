"""Explanatory text lives in content/ as Markdown and CSV, not in page code (STYLE.md point 7).

Pages read a section or a file from here and fill `{placeholders}` with numbers computed from the
data (app.views.metrics), so an educator can edit the words without touching Python and no figure is
typed into the text.
"""
from __future__ import annotations

import csv
import re
import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

CONTENT_DIR = Path(__file__).resolve().parents[2] / "content"


class ContentError(Exception):
    """A content file is missing or malformed; the message names the file."""


@lru_cache(maxsize=64)
def read_markdown(name: str) -> str:
    """The text of content/<name>.md (HTML comments removed: they are notes for editors)."""
    path = CONTENT_DIR / f"{name}.md"
    if not path.is_file():
        raise ContentError(f"{path}: content file missing")
    return re.sub(r"<!--.*?-->", "", path.read_text(encoding="utf-8"), flags=re.S).strip()


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def fill(text: str, values: dict[str, str]) -> str:
    """Fill `{name}` placeholders; a placeholder without a value is an error, never left raw."""
    missing = placeholders(text) - set(values)
    if missing:
        raise ContentError(f"no value for placeholder(s) {sorted(missing)}")
    return text.format(**values)


def intro(page_id: str) -> str:
    """The lead-in paragraph for a page (content/intros.md, section `## page_id`)."""
    return section("intros", page_id)


@lru_cache(maxsize=16)
def sections(name: str) -> dict[str, str]:
    """The `## id` sections of content/<name>.md (a page's text blocks): id -> text."""
    found: dict[str, str] = {}
    current = None
    for line in read_markdown(name).splitlines():
        heading = re.match(r"^##\s+(\w+)\s*$", line)
        if heading:
            current = heading.group(1)
            found[current] = ""
        elif current:
            found[current] += line + "\n"
    return {k: v.strip() for k, v in found.items()}


def section(name: str, section_id: str) -> str:
    """One section of content/<name>.md; a missing section is an error naming file and id."""
    try:
        return sections(name)[section_id]
    except KeyError:
        raise ContentError(f"{CONTENT_DIR / (name + '.md')}: no section '## {section_id}'"
                           ) from None


@dataclass(frozen=True)
class Event:
    year: int
    month: int | None
    label: str
    short_label: str
    source_id: str
    source_url: str


@lru_cache(maxsize=1)
def load_events() -> tuple[Event, ...]:
    """Timeline events for chart annotations (content/events.csv), each with its source."""
    path = CONTENT_DIR / "events.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return tuple(Event(int(r["year"]), int(r["month"]) if r["month"] else None, r["label"],
                       r["short_label"], r["source_id"], r["source_url"]) for r in rows)


def chart_events(first_year: int, last_year: int) -> list[dict[str, object]]:
    """Events within a chart's year range, in the form app.charts.lines.time_series takes."""
    return [{"year": e.year, "month": e.month, "label": e.short_label, "detail": e.label,
             "source": e.source_url}
            for e in load_events() if first_year <= e.year <= last_year]


@lru_cache(maxsize=1)
def sources() -> dict[str, str]:
    """Reference list from content/sources.md: id -> the full reference (Markdown, one line).

    A reference is a list item `- **[id]** ...` whose text may wrap onto indented lines."""
    refs: dict[str, str] = {}
    current = None
    for line in read_markdown("sources").splitlines():
        found = re.match(r"^\s*-\s+\*\*\[([\w-]+)\]\*\*\s*(.*)$", line)
        if found:
            current = found.group(1)
            refs[current] = found.group(2).strip()
        elif current and line.startswith("  ") and line.strip():
            refs[current] += " " + line.strip()
        else:
            current = None
    return refs

"""Pure helpers for the "About" and "Data and methods" pages: the manifest as readable tables,
suggested citations with an access date, inline source references as numbered links, the
timeline events a section cites, and content sections split so a chart can sit beside its text.
(The About page's numbers come from app.views.metrics.)

No Streamlit calls here: each function takes its inputs (manifest dict, registry, DataFrame, text)
and returns text, a DataFrame or bytes, so it is unit-tested without an app
(tests/app/views/test_methods.py). The pages only lay the results out.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from app.data import currency, tables
from app.views import connecticut
from etl import currency as etl_currency
from etl import vintages
from etl.registry import (DEFINITIONS, DRUG_GROUPS, OVERDOSE_UCD_CODES, CaseDefinition,
                          DrugGroup)

DASHBOARD_TITLE = "Benzodiazepine overdose deaths in the United States: a public dashboard"
CITATION_PATTERN = re.compile(r"\[([a-z0-9][\w-]*)\](?!\()")
"""An inline source id as the content files cite it, "[fda-dsc-2016]" (not a Markdown link)."""
NON_BREAKING_HYPHEN = "\u2011"
"""Keeps a date such as 2026-11-23 on one line in a narrow table column."""
URL_PATTERN = re.compile(r"<(https?://[^>\s]+)>")


# --- About: citations and sections ----------------------------------------------------------

def cited_ids(texts: Iterable[str], references: Mapping[str, str]) -> list[str]:
    """Source ids cited in `texts`, in order of first citation, only those in the reference list."""
    seen: dict[str, None] = {}
    for text in texts:
        for source_id in CITATION_PATTERN.findall(text):
            if source_id in references:
                seen.setdefault(source_id, None)
    return list(seen)


def reference_url(reference: str) -> str | None:
    """The first <https://...> address in a reference (its official URL)."""
    found = URL_PATTERN.search(reference)
    return found.group(1) if found else None


def link_citations(text: str, numbers: Mapping[str, int], references: Mapping[str, str]) -> str:
    """Replace each cited "[id]" with its number in the page's reference list, linked to the
    source's URL: "[fda-dsc-2016]" -> "[\\[3\\]](https://www.fda.gov/...)". Unknown ids stay."""
    def replace(match: re.Match[str]) -> str:
        source_id = match.group(1)
        if source_id not in numbers:
            return match.group(0)
        url = reference_url(references.get(source_id, ""))
        label = f"\\[{numbers[source_id]}\\]"
        return f"[{label}]({url})" if url else label
    return CITATION_PATTERN.sub(replace, text)


def reference_list(ids: Iterable[str], references: Mapping[str, str]) -> str:
    """Numbered Markdown list of the references, in the order given."""
    return "\n".join(f"{n}. {references[i]}" for n, i in enumerate(ids, 1))


@dataclass
class Citations:
    """One page's numbered sources: every text the page shows through `link` gets its "[id]"s as
    numbered links, numbered in the order the page first cites them (texts given to `of` first),
    and `reference_list` is the page's list under the same numbers. Every page cites the same
    way, whichever text (content file, check, caption) the citation comes from."""

    references: Mapping[str, str]
    numbers: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, texts: Iterable[str], references: Mapping[str, str]) -> Citations:
        cites = cls(references)
        for source_id in cited_ids(texts, references):
            cites.numbers.setdefault(source_id, len(cites.numbers) + 1)
        return cites

    def link(self, text: str) -> str:
        for source_id in cited_ids([text], self.references):
            self.numbers.setdefault(source_id, len(self.numbers) + 1)
        return link_citations(text, self.numbers, self.references)

    def reference_list(self) -> str:
        return reference_list(self.numbers, self.references)


def events_cited_in(text: str, events: Iterable[Any], first_year: int,
                    last_year: int) -> list[dict[str, object]]:
    """The timeline events (app.data.content.load_events()) whose source `text` cites, within the
    chart's years, in the form app.charts.lines.time_series takes: a chart beside a section marks
    the events that section talks about, not every event."""
    cited = set(CITATION_PATTERN.findall(text))
    return [{"year": e.year, "month": e.month, "label": e.short_label} for e in events
            if e.source_id in cited and first_year <= e.year <= last_year]


def split_around(text: str, keyword: str, level: int = 3) -> tuple[str, str, str]:
    """Split Markdown at its `level` headings into (before, the first section whose heading
    contains `keyword`, after), so a chart can sit beside the section it supports. Without such
    a heading: (text, "", "")."""
    marker = "#" * level + " "
    parts = re.split(rf"(?m)^(?={re.escape(marker)})", text)
    for i, part in enumerate(parts):
        heading = part.splitlines()[0] if part.strip() else ""
        if heading.startswith(marker) and keyword.lower() in heading.lower():
            return "".join(parts[:i]).strip(), part.strip(), "".join(parts[i + 1:]).strip()
    return text, "", ""


# --- Methods: the manifest as tables --------------------------------------------------------

def source_rows(manifest: Mapping[str, Any],
                definitions: Mapping[str, CaseDefinition] = DEFINITIONS) -> pd.DataFrame:
    """One row per source: title, publisher, link, retrieval date, vintage, coverage, case
    definitions (labels), tables and licence."""
    rows = []
    for source_id, info in manifest.get("sources", {}).items():
        rows.append({
            "Source": info.get("title", source_id),
            "Publisher": info.get("publisher", ""),
            "Link": info.get("landing_url", ""),
            "Retrieved": info.get("retrieved", ""),
            "Vintage": info.get("vintage", ""),
            "Coverage": info.get("coverage", ""),
            "Case definitions": "; ".join(
                definitions[d].label if d in definitions else d
                for d in info.get("definitions", [])),
            "Tables": ", ".join(info.get("tables", [])),
            "Licence": info.get("license", ""),
            "Source id": source_id,
        })
    return pd.DataFrame(rows, columns=["Source", "Publisher", "Link", "Retrieved", "Vintage",
                                       "Coverage", "Case definitions", "Tables", "Licence",
                                       "Source id"])


def sources_markdown_table(manifest: Mapping[str, Any]) -> str:
    """A Markdown table of the sources (title linked to its page, retrieval date, vintage), which
    wraps long text where a dataframe would cut it."""
    lines = ["| Source | Retrieved | Vintage |", "|---|---|---|"]
    for row in source_rows(manifest).to_dict("records"):
        title = escape_markdown(row["Source"])
        url = str(row["Link"]).replace("(", "%28").replace(")", "%29").replace(" ", "%20")
        source = f"[{title}]({url})" if url else title
        retrieved = escape_markdown(row["Retrieved"]).replace("-", NON_BREAKING_HYPHEN)
        lines.append(f"| {source} | {retrieved} | "
                     f"{escape_markdown(row['Vintage'])} |")
    return "\n".join(lines)


CURRENCY_COLUMNS = ["Source", "Data cover", "Released by the publisher", "This copy retrieved",
                    "Tables built"]


def coverage_text(info: Mapping[str, Any]) -> str:
    """'1999–2022, final', or '12 months ending January 2015 – 12 months ending February 2019,
    provisional', from a manifest entry's first_period, data_through, period_type and
    last_period_status."""
    if not info.get("data_through"):
        return "not recorded"
    period_type = str(info.get("period_type") or "year")
    first = currency.period_words(str(info.get("first_period") or info["data_through"]),
                                  period_type)
    last = currency.through_words(etl_currency.Coverage(
        str(info.get("first_period") or ""), str(info["data_through"]), period_type,
        str(info.get("last_period_status") or "final")))
    joiner = "–" if " " not in first and " " not in last.split(",")[0] else " – "
    return f"{first}{joiner}{last}"


def dated(day: object, where: object) -> str:
    """A date with where it came from, or 'unknown (why)'."""
    if day:
        return f"{day} ({where})" if where else str(day)
    return f"unknown ({where})" if where else "unknown"


def currency_rows(manifest: Mapping[str, Any]) -> pd.DataFrame:
    """One row per source: how far its data reach and three different dates, each labelled —
    the publisher's release of this vintage, when this copy was retrieved, when the tables were
    built (issue 15: a retrieval or build date never stands where a data date is expected)."""
    rows = []
    for source_id, info in manifest.get("sources", {}).items():
        rows.append({
            "Source": info.get("title", source_id),
            "Data cover": coverage_text(info),
            "Released by the publisher": dated(info.get("released"), info.get("released_from")),
            "This copy retrieved": dated(info.get("retrieved"), info.get("retrieved_from")),
            "Tables built": str(info.get("built_at") or manifest.get("built_at") or "")[:10],
            "Source id": source_id,
        })
    return pd.DataFrame(rows, columns=[*CURRENCY_COLUMNS, "Source id"])


def newest_data(manifest: Mapping[str, Any]) -> dict[str, str]:
    """The latest period any source reaches ('June 2025') and, for its help text, every
    source's own last period."""
    entries = [(info.get("data_through"), info) for info in manifest.get("sources", {}).values()
               if info.get("data_through")]
    if not entries:
        return {"period": "not recorded", "help": "The manifest does not date its sources."}
    latest = max(entries, key=lambda e: currency.period_end(str(e[0])))[1]
    period = currency.period_words(str(latest["data_through"]), str(latest.get("period_type")))
    lines = [f"{info.get('title', '')}: {coverage_text(info)}" for _, info in entries]
    return {"period": period, "help": "Last period of each source's data:\n\n- "
                                      + "\n- ".join(lines)}


def currency_markdown_table(manifest: Mapping[str, Any]) -> str:
    """The currency rows as a Markdown table (long text wraps; a dataframe would cut it)."""
    lines = ["| " + " | ".join(CURRENCY_COLUMNS) + " |", "|" + "---|" * len(CURRENCY_COLUMNS)]
    for row in currency_rows(manifest).to_dict("records"):
        cells = [escape_markdown(str(row[c])) for c in CURRENCY_COLUMNS]
        cells[-1] = cells[-1].replace("-", NON_BREAKING_HYPHEN)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def vintage_lines(info: Mapping[str, Any]) -> list[str]:
    """For a source whose folder holds several releases: the one read, those it supersedes, and
    how the overlapping years compare, cell by cell (Markdown lines; empty for other sources)."""
    vintages = info.get("vintages") or {}
    if not vintages:
        return []
    used = vintages["used"]
    lines = [f"Read: `{used['name']}` ({used['first_year']}–{used['last_year']}, released "
             f"{used.get('released') or 'on an unknown date'})."]
    for older in vintages.get("superseded", []):
        lines.append(f"Superseded: `{older['name']}` ({older['first_year']}–"
                     f"{older['last_year']}, released {older.get('released') or 'unknown'}).")
    for table, rev in vintages.get("revisions", {}).items():
        changed = rev["cells_revised"] + rev.get("rows_removed", 0)
        verdict = ("every cell equal: no revisions" if not changed else
                   f"{rev['cells_revised']:,} revised, {rev.get('rows_removed', 0):,} no longer "
                   "published (listed below)")
        lines.append(f"`{table}`, {rev['overlap']}: {rev['cells_compared']:,} cells compared "
                     f"with `{vintages.get('compared_with', 'the older release')}`; {verdict}.")
    lines += [f"Copy note for `{f['name']}`: {f['copy_note']}" for f in info.get("files", [])
              if f.get("copy_note")]
    return lines


def revision_rows(info: Mapping[str, Any]) -> pd.DataFrame:
    """Every revised cell between the releases: table, the cell (its key), before, after."""
    rows = []
    for table, rev in ((info.get("vintages") or {}).get("revisions") or {}).items():
        for item in rev.get("revisions", []):
            rows.append({"Table": table,
                         "Cell": ", ".join(f"{k} {v}" for k, v in item["key"].items()),
                         "Before": vintages.describe_cell(item.get("before")),
                         "After": vintages.describe_cell(item.get("after"))})
    return pd.DataFrame(rows, columns=["Table", "Cell", "Before", "After"])


def table_rows(manifest: Mapping[str, Any]) -> pd.DataFrame:
    """One row per processed table: title, source, rows, suppressed cells, file and SHA-256."""
    sources = manifest.get("sources", {})
    rows = []
    for name, info in manifest.get("tables", {}).items():
        source_id = info.get("source_id", "")
        rows.append({
            "Table": name,
            "Title": info.get("title", ""),
            "Source": sources.get(source_id, {}).get("title", source_id),
            "Rows": info.get("rows"),
            "Suppressed cells": info.get("suppressed_cells"),
            "File": info.get("file", ""),
            "SHA-256": info.get("sha256", ""),
            "Description": info.get("description", ""),
        })
    return pd.DataFrame(rows, columns=["Table", "Title", "Source", "Rows", "Suppressed cells",
                                       "File", "SHA-256", "Description"])


def raw_file_rows(source: Mapping[str, Any]) -> pd.DataFrame:
    """The raw files a source was built from: name, bytes, SHA-256, URL, tested vintage."""
    rows = [{"File": f.get("name", ""), "Bytes": f.get("bytes"), "SHA-256": f.get("sha256", ""),
             "URL": f.get("url", ""), "Matches tested vintage": f.get("matches_tested_vintage")}
            for f in source.get("files", [])]
    return pd.DataFrame(rows, columns=["File", "Bytes", "SHA-256", "URL",
                                       "Matches tested vintage"])


def definition_rows(manifest: Mapping[str, Any],
                    definitions: Mapping[str, CaseDefinition] = DEFINITIONS) -> pd.DataFrame:
    """Every case definition in the registry with the sources that use it."""
    used: dict[str, list[str]] = {}
    for source_id, info in manifest.get("sources", {}).items():
        for d in info.get("definitions", []):
            used.setdefault(d, []).append(info.get("title", source_id))
    rows = [{"Case definition": d.label, "What it counts": d.description,
             "Used by": "; ".join(used.get(d.id, [])) or "—", "Id": d.id}
            for d in definitions.values()]
    return pd.DataFrame(rows, columns=["Case definition", "What it counts", "Used by", "Id"])


def definitions_markdown(manifest: Mapping[str, Any],
                         definitions: Mapping[str, CaseDefinition] = DEFINITIONS) -> str:
    """The case definitions as a Markdown list: label, what it counts, the sources using it."""
    rows = definition_rows(manifest, definitions)
    return "\n".join(
        f"- **{escape_markdown(r['Case definition'])}** (`{r['Id']}`): "
        f"{escape_markdown(r['What it counts'])} *Used by: {escape_markdown(r['Used by'])}.*"
        for r in rows.to_dict("records"))


def drug_group_rows(groups: Mapping[str, DrugGroup] = DRUG_GROUPS) -> pd.DataFrame:
    """Every drug group: label, ICD-10 codes (or how the source identifies it) and its id."""
    return pd.DataFrame([{"Drug group": g.label, "ICD-10 codes": g.icd10, "Id": g.id}
                         for g in groups.values()], columns=["Drug group", "ICD-10 codes", "Id"])


def build_facts(manifest: Mapping[str, Any]) -> dict[str, str]:
    """Build date (YYYY-MM-DD), code version and schema version of the processed data."""
    built = str(manifest.get("built_at") or "")
    return {"built_on": built[:10] or "unknown", "built_at": built or "unknown",
            "code_version": str(manifest.get("code_version") or "unknown"),
            "schema_version": str(manifest.get("schema_version") or "unknown")}


def ct_small_cell_threshold() -> int:
    """Smallest Connecticut subgroup count this project shows (app.views.connecticut.MIN_COUNT,
    the rule the Connecticut charts apply)."""
    return int(connecticut.MIN_COUNT)


def methods_values(manifest: Mapping[str, Any]) -> dict[str, str]:
    """Placeholder values for content/methods.md."""
    threshold = ct_small_cell_threshold()
    return {"ct_min_count": str(threshold), "ct_max_hidden": str(threshold - 1),
            "overdose_codes": OVERDOSE_UCD_CODES,
            "benzo_codes": DRUG_GROUPS["benzodiazepines"].icd10,
            **build_facts(manifest)}


def sections(text: str) -> dict[str, str]:
    """The blocks of a content file split at "## section_id" headings: id -> Markdown body."""
    found: dict[str, str] = {}
    for block in re.split(r"(?m)^##\s+(?=\w+\s*$)", text)[1:]:
        section_id, _, body = block.partition("\n")
        found[section_id.strip()] = body.strip()
    return found


MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~$])")


def escape_markdown(text: str) -> str:
    """Text from the manifest shown literally in st.markdown: "Rates marked * ..." must not start
    italics, "$" must not start LaTeX, "[x]" must not become a link or a colour directive."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


# --- Citations ------------------------------------------------------------------------------

def access_date(today: date | None = None) -> str:
    """"November 5, 2026": the date a reader cites as their access date (default: today)."""
    day = today or date.today()
    return f"{day:%B} {day.day}, {day.year}"


def dashboard_citation(manifest: Mapping[str, Any], accessed: date | None = None,
                       url: str | None = None) -> str:
    """Suggested citation for the dashboard: title, data build and code version, access date."""
    facts = build_facts(manifest)
    where = f" {url}." if url else ""
    return (f"{DASHBOARD_TITLE}. Processed data built {facts['built_on']} "
            f"(code version {facts['code_version']}).{where} Accessed {access_date(accessed)}.")


def source_citation(source_id: str, manifest: Mapping[str, Any]) -> str:
    """A source's citation as the ETL recorded it, with its landing URL (unless already in it)
    and the date this project retrieved it."""
    info = manifest.get("sources", {}).get(source_id, {})
    text = str(info.get("citation") or info.get("title") or source_id).strip().rstrip(".")
    url = info.get("landing_url")
    if url and url not in text:
        text += f". {url}"
    if info.get("retrieved"):
        text += f" (retrieved {info['retrieved']})"
    return text + "."


# --- Downloads ------------------------------------------------------------------------------

def processed_file(name: str, directory: Path | None = None) -> Path:
    """Path of the processed file of table `name`; TableUnavailable (message for a person) when
    the manifest does not list it or the file is missing."""
    directory = directory or tables.data_dir()
    path = directory / str(tables.table_info(name, directory).get("file") or f"{name}.parquet")
    if not path.is_file():
        raise tables.TableUnavailable(name, f"its file {path} is missing")
    return path


def csv_bytes(path: Path) -> bytes:
    """The processed Parquet file at `path` as UTF-8 CSV (all columns, no index)."""
    return pd.read_parquet(path, engine="pyarrow").to_csv(index=False).encode("utf-8")


def file_bytes(path: Path) -> bytes:
    return Path(path).read_bytes()

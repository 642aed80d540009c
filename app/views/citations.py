"""A view's citation for reference managers: one `Reference` per source of the numbers shown,
written as BibTeX (`bibtex`) and RIS (`ris`), the pair every "Cite" box offers beside its plain
text.

Each reference names the source's publisher as (corporate) author and its title, and carries
what a reader needs to find the same numbers again: the link of the view on this dashboard, the
access date, and how current the data are, from the manifest's per-source `vintage`,
`data_through` (with `last_period_status`), `released` and `retrieved` fields (etl/currency.py
keeps those three dates apart; they are never mixed up here either). The year is the release's;
where the manifest records no release date it is the year the copy was retrieved, and the note
says so.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any, NamedTuple

from app.views import methods

BIBTEX_TYPE = "misc"
"""@misc: read by classic BibTeX styles and biblatex alike (@dataset is biblatex only)."""
RIS_TYPE = "DATA"


class Reference(NamedTuple):
    """One cited source, as shown in one view. `url`: the view's link (else the source's
    page); `notes`: the vintage sentence first, then what this view adds (its filters, the
    processed file)."""
    key: str
    author: str
    title: str
    year: str
    url: str
    accessed: date
    vintage: str
    provider: str
    notes: tuple[str, ...] = ()
    released: str | None = None


# --- from the manifest ---------------------------------------------------------------------

def vintage_note(info: Mapping[str, Any]) -> str:
    """How current a source's data are, from its manifest fields: "Vintage: …; data through
    2022 (final); released 2024-05-02; retrieved 2026-12-02." Missing fields are left out, and
    a missing release date is said, not guessed."""
    parts = []
    if info.get("vintage"):
        parts.append(f"vintage: {info['vintage']}")
    if info.get("data_through"):
        status = info.get("last_period_status")
        parts.append(f"data through {info['data_through']}" + (f" ({status})" if status else ""))
    parts.append(f"released {info['released']}" if info.get("released")
                 else "release date not recorded")
    if info.get("retrieved"):
        parts.append(f"retrieved {info['retrieved']}")
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] + "."


def citation_year(info: Mapping[str, Any], accessed: date) -> str:
    """The release's year; else the retrieval's; else the access year."""
    for field in ("released", "retrieved"):
        found = re.match(r"\d{4}", str(info.get(field) or ""))
        if found:
            return found.group(0)
    return str(accessed.year)


def source_references(source_ids: Iterable[str], manifest: Mapping[str, Any], *,
                      url: str | None, accessed: date,
                      notes: Sequence[str] = ()) -> list[Reference]:
    """One Reference per source id (in the order given, each once), for a view at `url`.
    `notes`: sentences about the view (its filters, the processed table) added to each."""
    facts = methods.build_facts(manifest)
    built = (f"Processed by this dashboard: data build of {facts['built_on']}, code version "
             f"{facts['code_version']}.")
    out: list[Reference] = []
    keys: set[str] = set()
    for source_id in dict.fromkeys(source_ids):
        info = manifest.get("sources", {}).get(source_id, {})
        year = citation_year(info, accessed)
        key = _unique_key(f"{source_id}_{year}", keys)
        out.append(Reference(
            key=key, author=str(info.get("publisher") or source_id),
            title=str(info.get("title") or source_id), year=year,
            url=url or str(info.get("landing_url") or ""), accessed=accessed,
            vintage=vintage_note(info), provider=methods.DASHBOARD_TITLE,
            notes=(*notes, built, *([f"Publisher's page: {info['landing_url']}."]
                                    if info.get("landing_url") and url else [])),
            released=str(info["released"]) if info.get("released") else None))
    return out


def _unique_key(key: str, taken: set[str]) -> str:
    key = re.sub(r"[^A-Za-z0-9_:-]+", "_", key)
    candidate, n = key, 1
    while candidate in taken:
        n += 1
        candidate = f"{key}_{n}"
    taken.add(candidate)
    return candidate


# --- BibTeX ------------------------------------------------------------------------------------

_BIBTEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%",
                   "$": r"\$", "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}",
                   "^": r"\textasciicircum{}"}
_DASHES = {"\u2013": "--", "\u2014": "---", "\u2011": "-"}


def bibtex_text(text: str) -> str:
    """`text` safe inside a BibTeX field: TeX's special characters escaped (so braces always
    balance), en and em dashes as -- and ---."""
    out = "".join(_BIBTEX_SPECIAL.get(c, c) for c in str(text))
    for dash, tex in _DASHES.items():
        out = out.replace(dash, tex)
    return " ".join(out.split())


def _bibtex_url(url: str) -> str:
    """A URL inside \\url{…} in an ordinary field: only what TeX would read as a comment,
    parameter or group needs escaping there."""
    return "".join("\\" + c if c in "%#{}" else c for c in url)


def bibtex(references: Sequence[Reference]) -> str:
    """The references as BibTeX @misc entries: author (the publisher, braced as one corporate
    name), title, year, howpublished (the dashboard and the view's link), url, urldate (access
    date), note (the vintage, then the view's notes)."""
    entries = []
    for ref in references:
        fields = [("author", "{" + bibtex_text(ref.author) + "}"),
                  ("title", bibtex_text(ref.title)),
                  ("year", ref.year)]
        where = bibtex_text(ref.provider)
        if ref.url:
            where += (", " if where else "") + r"\url{" + _bibtex_url(ref.url) + "}"
        if where:
            fields.append(("howpublished", where))
        if ref.url:
            fields.append(("url", ref.url.replace("{", "%7B").replace("}", "%7D")))
        fields.append(("urldate", ref.accessed.isoformat()))
        note = " ".join((ref.vintage, *ref.notes, f"Accessed {ref.accessed.isoformat()}."))
        fields.append(("note", bibtex_text(note)))
        width = max(len(name) for name, _ in fields)
        body = ",\n".join(f"  {name.ljust(width)} = {{{value}}}" for name, value in fields)
        entries.append(f"@{BIBTEX_TYPE}{{{ref.key},\n{body}\n}}")
    return "\n\n".join(entries) + "\n"


# --- RIS ---------------------------------------------------------------------------------------

def _ris_line(tag: str, value: str) -> str:
    return f"{tag}  - {' '.join(str(value).split())}"


def _ris_date(day: date) -> str:
    return f"{day:%Y/%m/%d}"


def ris(references: Sequence[Reference]) -> str:
    """The references as RIS records (TY DATA): AU (the publisher), TI, PY, DA (the release,
    where recorded), DP (this dashboard), UR (the view's link), Y2 (access date), N1 (the
    vintage note, then the view's notes), ER."""
    records = []
    for ref in references:
        lines = [_ris_line("TY", RIS_TYPE), _ris_line("AU", ref.author),
                 _ris_line("TI", ref.title), _ris_line("PY", ref.year)]
        if ref.released and re.fullmatch(r"\d{4}-\d{2}-\d{2}", ref.released):
            lines.append(_ris_line("DA", ref.released.replace("-", "/")))
        if ref.provider:
            lines.append(_ris_line("DP", ref.provider))
        if ref.url:
            lines.append(_ris_line("UR", ref.url))
        lines.append(_ris_line("Y2", _ris_date(ref.accessed)))
        lines.append(_ris_line("N1", " ".join((ref.vintage, *ref.notes))))
        lines.append("ER  - ")
        records.append("\n".join(lines))
    return "\n\n".join(records) + "\n"

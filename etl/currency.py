"""How old every number is: the period a table covers, and three dates per source.

A reader's first question is "how current is this?", and three different dates answer three
different questions, so the manifest names each one and never lets one stand in for another:
- `released`: when the publisher released this vintage of its file (from the file name, a
  footer, the workbook properties or PROVENANCE.md; `released_from` says which, or why unknown);
- `retrieved`: when this copy was taken (the FETCHED.json record `python -m etl fetch` writes,
  else the retrieval date in the folder's PROVENANCE.md; `retrieved_from` says which);
- `built_at`: when `python -m etl build` made the processed tables.
The data themselves say how far they reach: `first_period` and `data_through` (a year, or a
year-month for monthly and rolling 12-month data) computed from the rows that carry a value,
and `last_period_status` (final, provisional or partial) from the rows' `provisional` flag and
PARTIAL_NOTE. Pages caption their charts from these fields; `coverage()` is the same rule for
any rows a page shows.
"""
from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from etl.source import RawFile, Source
from etl.tidy import PARTIAL_NOTE

FETCHED_NAME = "FETCHED.json"  # written by etl/fetch.py
PROVENANCE_NAME = "PROVENANCE.md"
STATUSES = ("final", "provisional", "partial")
"""`partial`: provisional and known to be incomplete (deaths still being reported)."""

ISO_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
"""A release or retrieval date: 2024, 2024-05 or 2024-05-02 (as precise as the evidence)."""
PERIOD = re.compile(r"^\d{4}(-\d{2})?$")
"""A period: 2022 (a year) or 2025-06 (a month, or the month a rolling 12 months ends)."""
_RETRIEVED = re.compile(r"retrieved:?\s*(\d{4}-\d{2}-\d{2})", re.IGNORECASE)


# --- The period a table covers -------------------------------------------------------------------

@dataclass(frozen=True)
class Coverage:
    first_period: str
    data_through: str
    period_type: str
    """Of the last period: year, month or 12_month_ending (the window's last month)."""
    last_period_status: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def period_labels(frame: pd.DataFrame) -> pd.Series:
    """'2021' for a yearly row, '2021-03' for a month or the month a 12-month window ends."""
    years = frame["year"].astype("int64").astype(str)
    if "period_type" not in frame.columns:
        return years
    monthly = frame["period_type"] != "year"
    months = pd.to_numeric(_months(frame), errors="coerce").fillna(0).astype("int64")
    return years.where(~monthly, years + "-" + months.astype(str).str.zfill(2))


def _months(frame: pd.DataFrame) -> pd.Series:
    """The rows' month, or none at all for a table of yearly counts without a month column."""
    if "month" in frame.columns:
        return frame["month"]
    return pd.Series(pd.NA, index=frame.index, dtype="Float64")


def _period_ends(frame: pd.DataFrame) -> pd.Series:
    """Months since year 0 of each row's last month (December for a year)."""
    years = frame["year"].astype("int64")
    if "period_type" not in frame.columns:
        return years * 12 + 11
    months = pd.to_numeric(_months(frame), errors="coerce").fillna(12).astype("int64")
    months = months.where(frame["period_type"] != "year", 12)
    return years * 12 + months - 1


def coverage(frame: pd.DataFrame) -> Coverage:
    """First and last period of the rows that carry a value (all rows of a record-level table),
    and whether the last is final, provisional or partial. On a tie a year beats the month that
    ends it (DOSE-DIS: '2023', not '2023-12'), and a month a rolling 12 months ending then."""
    rows = frame
    if "value" in frame.columns and frame["value"].notna().any():
        rows = frame[frame["value"].notna()]
    if rows.empty:
        raise ValueError("coverage: the table has no rows")
    ends = _period_ends(rows)
    starts = ends.where(rows.get("period_type", pd.Series("year", index=rows.index)) != "year",
                        ends - 11)
    labels = period_labels(rows)
    first = labels[starts == starts.min()]
    last_rows = rows[ends == ends.max()]
    period_types = (last_rows["period_type"] if "period_type" in rows.columns
                    else pd.Series("year", index=last_rows.index))
    # On a tie a year reads simplest, then a calendar month, then a rolling window's end.
    last_type = next(t for t in ("year", "month", "12_month_ending", *period_types.unique())
                     if (period_types == t).any())
    last_label = labels[last_rows.index][(period_types == last_type).to_numpy()].iloc[0]
    return Coverage(first_period=str(sorted(first)[0]), data_through=str(last_label),
                    period_type=last_type, last_period_status=_status(last_rows))


def _status(rows: pd.DataFrame) -> str:
    notes = rows["note"].astype(str) if "note" in rows.columns else pd.Series("", index=rows.index)
    flagged = [c for c in ("partial_period", "partial_year") if c in rows.columns]
    if notes.str.contains(PARTIAL_NOTE, regex=False).any() or any(
            rows[c].astype(bool).any() for c in flagged):
        return "partial"
    if "provisional" in rows.columns and rows["provisional"].astype(bool).any():
        return "provisional"
    return "final"


def combined(parts: list[Coverage]) -> Coverage:
    """The coverage of a source from its tables': earliest start, latest end; at the same end
    the least final status wins."""
    def end(c: Coverage) -> tuple[str, int]:
        # '2023' ends after '2023-11' and ties with '2023-12'
        return (c.data_through + ("-12" if len(c.data_through) == 4 else ""),
                0 if c.period_type == "year" else 1)
    latest = max(end(c)[0] for c in parts)
    at_end = [c for c in parts if end(c)[0] == latest]
    status = max((c.last_period_status for c in at_end), key=STATUSES.index)
    last = sorted(at_end, key=lambda c: end(c)[1])[0]
    return Coverage(first_period=min(c.first_period for c in parts),
                    data_through=last.data_through, period_type=last.period_type,
                    last_period_status=status)


# --- When this copy was retrieved ----------------------------------------------------------------

def retrieval(folder: Path, name: str, sha256: str) -> tuple[str | None, str]:
    """(date, where it came from) for one raw file: the FETCHED.json record of this very file
    (same sha256), else the retrieval date PROVENANCE.md gives in the sections that name it."""
    fetched = folder / FETCHED_NAME
    if fetched.is_file():
        try:
            entry = json.loads(fetched.read_text()).get("files", {}).get(name, {})
        except (json.JSONDecodeError, AttributeError):
            entry = {}
        if entry.get("sha256") == sha256 and entry.get("date"):
            return str(entry["date"])[:10], f"{FETCHED_NAME} (downloaded {entry['date']})"
    provenance = folder / PROVENANCE_NAME
    if not provenance.is_file():
        return None, f"not recorded: no {FETCHED_NAME} entry for this file and no {PROVENANCE_NAME}"
    text = provenance.read_text(encoding="utf-8", errors="replace")
    sections = re.split(r"\n(?=## )", text)
    names = {name, Path(name).name, Path(name).parts[0]}
    naming = [s for s in sections if any(n in s for n in names)]
    dates = sorted({d for s in naming for d in _RETRIEVED.findall(s)})
    where = "the sections of PROVENANCE.md that name this file"
    if not dates:
        dates = sorted(set(_RETRIEVED.findall(text)))
        where = "PROVENANCE.md"
    if not dates:
        return None, f"not recorded: {PROVENANCE_NAME} gives no 'Retrieved' date"
    if len(dates) > 1:
        return dates[-1], f"{where} (latest of the retrieval dates {', '.join(dates)})"
    return dates[0], f"{where} ('Retrieved {dates[0]}')"


def workbook_properties(path: Path) -> dict[str, str]:
    """Creator, last editor and last-saved time of an .xlsx (who saved this copy, and when)."""
    from openpyxl import load_workbook  # noqa: PLC0415

    try:
        workbook = load_workbook(path, read_only=True)
    except Exception:  # noqa: BLE001 (the parser reports an unreadable workbook)
        return {}
    try:
        props = workbook.properties
        found = {"creator": props.creator, "last_modified_by": props.lastModifiedBy,
                 "modified": props.modified.isoformat() if props.modified else None}
    finally:
        workbook.close()
    return {k: str(v) for k, v in found.items() if v}


def file_record(folder: Path, raw: RawFile, digest: str) -> dict[str, object]:
    """Currency of one raw file for the manifest: when it was retrieved, how the copy differs
    from the publisher's download, and (workbooks) who last saved it."""
    date, where = retrieval(folder, raw.name, digest)
    record: dict[str, object] = {"retrieved": date, "retrieved_from": where}
    if raw.copy_note and digest == raw.sha256:
        record["copy_note"] = raw.copy_note
    if raw.name.lower().endswith(".xlsx"):
        props = workbook_properties(folder / raw.name)
        if props:
            record["workbook_properties"] = props
    return record


def retrieval_of(source: Source, files: list[dict]) -> dict[str, object]:
    """A source's `retrieved`: the oldest retrieval of the files read (the age of the oldest
    copy), and where it comes from."""
    dated = sorted(((str(f["retrieved"]), f) for f in files if f.get("retrieved")),
                   key=lambda pair: pair[0])
    if not dated:
        if source.retrieved:
            return {"retrieved": source.retrieved,
                    "retrieved_from": f"declared for source {source.id} (no FETCHED.json or "
                                      "PROVENANCE.md date)"}
        reason = files[0]["retrieved_from"] if files else "no files"
        return {"retrieved": None, "retrieved_from": str(reason)}
    oldest, first = dated[0]
    if oldest == dated[-1][0]:
        return {"retrieved": oldest, "retrieved_from": str(first["retrieved_from"])}
    return {"retrieved": oldest, "retrieved_from": f"files retrieved {oldest} to {dated[-1][0]} "
                                                   "(oldest shown); see files[].retrieved"}


def _tested(files: list[dict]) -> bool:
    return bool(files) and all(f.get("matches_tested_vintage") for f in files)


def release(source: Source, folder: Path, files: list[dict], vintage: dict | None
            ) -> dict[str, object]:
    """The publisher's release date of the vintage read, and where it comes from: the release's
    file name (sources with VINTAGES), the module's record of the tested vintage, or for an
    unknown new workbook its properties (who last saved it may not be the publisher)."""
    if vintage:
        used = vintage["used"]
        return {"released": used["released"], "released_from": used["released_from"]}
    if _tested(files):
        return {"released": source.released or None,
                "released_from": source.released_from or "not stated in the file or its "
                                                         "PROVENANCE.md"}
    new = [f for f in files if not f.get("matches_tested_vintage")]
    for f in new:
        props = f.get("workbook_properties", {})
        if props.get("modified"):
            return {"released": props["modified"][:10],
                    "released_from": f"workbook properties of {f['name']}: last saved "
                                     f"{props['modified']} by {props.get('last_modified_by', '?')}"
                                     " (a new vintage; a re-save would change this date)"}
    return {"released": None,
            "released_from": f"not known: {', '.join(f['name'] for f in new)} differ(s) from the "
                             "tested vintage and carry no release date (see retrieved)"}


def vintage_text(source: Source, files: list[dict], vintage: dict | None) -> str:
    """The vintage in words: the release read, the tested vintage, or a warning that the files
    are newer than the tested ones."""
    if vintage:
        used = vintage["used"]
        when = f", released {used['released']}" if used["released"] else ""
        older = "; supersedes " + ", ".join(v["name"] for v in vintage["superseded"]) \
            if vintage["superseded"] else ""
        return f"{used['name']} ({used['first_year']}–{used['last_year']}{when}){older}"
    if _tested(files):
        return source.vintage
    new = [f["name"] for f in files if not f.get("matches_tested_vintage")]
    return (f"not the tested vintage: {', '.join(new)} differ(s) from the copy tested "
            f"({source.vintage or 'no description'})")


# --- Manifest fields (written by etl/build.py, checked by etl/verify.py) ------------------------

SOURCE_FIELDS: dict[str, str] = {
    "released": "publisher's release date of this vintage (YYYY, YYYY-MM or YYYY-MM-DD), or null",
    "released_from": "where the release date comes from, or why it is unknown",
    "retrieved": "date this copy was retrieved (YYYY-MM-DD), or null",
    "retrieved_from": "FETCHED.json or PROVENANCE.md",
    "built_at": "when the build made this source's tables (ISO 8601 with time zone)",
    "first_period": "first period of the data (YYYY or YYYY-MM)",
    "data_through": "last period of the data (YYYY or YYYY-MM)",
    "last_period_status": "final, provisional or partial",
    "newer_data": "{url, note, fetch_command, fetch}: where the publisher's newer data is and "
                  "the command that fetches it",
}
TABLE_FIELDS = ("first_period", "data_through", "period_type", "last_period_status")


def field_problems(entry: dict, where: str, fields: tuple[str, ...] | list[str]) -> list[str]:
    """What is missing or malformed among the currency fields of one manifest entry."""
    problems = []
    for key in fields:
        if key not in entry:
            problems.append(f"{where}: no {key!r} ({SOURCE_FIELDS.get(key, 'currency field')})")
    value = entry.get
    for key in ("first_period", "data_through"):
        if key in entry and not (isinstance(value(key), str) and PERIOD.match(value(key))):
            problems.append(f"{where}: {key} {value(key)!r} is not a period (YYYY or YYYY-MM)")
    if "last_period_status" in entry and value("last_period_status") not in STATUSES:
        problems.append(f"{where}: last_period_status {value('last_period_status')!r} is not "
                        f"one of {', '.join(STATUSES)}")
    if ("first_period" in entry and "data_through" in entry
            and str(value("first_period"))[:4] > str(value("data_through"))[:4]):
        problems.append(f"{where}: first_period {value('first_period')} is after data_through "
                        f"{value('data_through')}")
    for key in ("released", "retrieved"):
        if key in entry and value(key) is not None and not (
                isinstance(value(key), str) and ISO_DATE.match(value(key))):
            problems.append(f"{where}: {key} {value(key)!r} is not a date (YYYY[-MM[-DD]]) or null")
        source = f"{key}_from"
        if key in entry and not (isinstance(value(source), str) and value(source).strip()):
            problems.append(f"{where}: {source} must say where {key} comes from (or why unknown)")
    if "built_at" in entry:
        try:
            pd.Timestamp(value("built_at"))
        except (ValueError, TypeError):
            problems.append(f"{where}: built_at {value('built_at')!r} is not a timestamp")
    if "newer_data" in entry:
        newer = value("newer_data")
        if not isinstance(newer, dict) or not str(newer.get("url", "")).startswith(("https://",
                                                                                    "http://")):
            problems.append(f"{where}: newer_data.url must be the publisher's web address")
        elif not str(newer.get("fetch_command", "")).startswith("python -m etl fetch --source "):
            problems.append(f"{where}: newer_data.fetch_command must be "
                            "'python -m etl fetch --source <name>'")
    return problems

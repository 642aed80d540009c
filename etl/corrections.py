"""Known errors and quirks in the publishers' files: one declarative file, `etl/corrections.csv`.

Every known problem of every source is one row there: which source, file, sheet, drug groups,
sexes and period it concerns, what is wrong, the decision taken and the evidence. Source modules
read their rows with `for_source()` and apply them with `apply()`; nothing about a known
publisher error is written in a source module. A rule that is part of reading a format (a
column's definition, a derived flag) stays in its module and the row points to it
(`handled_in`), so the file still lists every known issue in one place.

The build records the file's sha256 in the manifest; `python -m etl check` reports data built
with another version of the file.
"""
from __future__ import annotations

import csv
import importlib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from etl.registry import DRUG_GROUPS
from etl import source as source_list
from etl.source import Source, SourceFormatError
from etl.tidy import EXCLUDED_NOTE, SEXES

CORRECTIONS_FILE = Path(__file__).with_name("corrections.csv")

COLUMNS: dict[str, str] = {
    "id": "short unique name (lower case, digits and hyphens), cited in notes and warnings",
    "source_id": "the id of the source (`SOURCE.id` of an etl module, e.g. nida_workbook)",
    "file": "raw file(s) as listed in that source's `SOURCE.files`; several separated by '; '",
    "sheet": "workbook sheet (blank for text files)",
    "drug_group": "registry drug-group id(s) separated by '; ', or * for every group",
    "sex": "all / female / male separated by '; ', or * for every value",
    "period": "ISO 8601: 2021, 2012/2020 (years) or 2020-03/2020-08 (months); a row matches "
              "when its period overlaps this one (a rolling 12 months counts all its months)",
    "kind": "error (the numbers look wrong) or quirk (right, but easy to misread)",
    "issue": "what is wrong, with the numbers that show it",
    "decision": "what the ETL does; one of DECISIONS",
    "note": "text appended to the `note` of every matching row (blank for rule_in_code)",
    "evidence": "where to see it: sheet, rows and columns, publisher documentation",
    "handled_in": "etl.<module>:<name> that applies the row or implements the rule",
}
DECISIONS: dict[str, str] = {
    "keep_as_published": "values and flags stay as published; `note` is added to the matching "
                         "rows and the row is listed in the build warnings",
    "not_a_suppression": "the publisher's suppression marker means 'no data collected' here: the "
                         "value stays missing, the suppressed flag is cleared, `note` (starting "
                         f"'{EXCLUDED_NOTE}') is added; a number in such a cell stops the build",
    "rule_in_code": "a format or derivation rule implemented in `handled_in`; listed here so "
                    "every known issue is in one place; nothing is applied from this row",
    "coverage_dropped": "a newer vintage no longer covers `period` (the publisher dropped it): "
                        "the build accepts the shorter coverage instead of stopping and records "
                        "`note` in the manifest (etl/vintages.py)",
}
APPLIED = ("keep_as_published", "not_a_suppression")
KINDS = ("error", "quirk")
ALL = "*"
LIST_SEPARATOR = ";"
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
PERIOD_PART = re.compile(r"^(\d{4})(?:-(\d{2}))?$")
HANDLED_IN = re.compile(r"^etl\.([a-z_][a-z0-9_]*):([A-Za-z_][A-Za-z0-9_]*)$")


@dataclass(frozen=True)
class Period:
    """An inclusive span of months; `by_month` says whether the file gave months or years."""

    first: int
    """Months since year 0 (year * 12 + month - 1) of the first month."""
    last: int
    by_month: bool

    def years(self) -> tuple[int, ...]:
        return tuple(range(self.first // 12, self.last // 12 + 1))

    def __str__(self) -> str:
        def text(index: int) -> str:
            return f"{index // 12}-{index % 12 + 1:02d}" if self.by_month else str(index // 12)
        start, end = text(self.first), text(self.last)
        return start if start == end else f"{start}–{end}"


@dataclass(frozen=True)
class Correction:
    """One row of the corrections file."""

    id: str
    source_id: str
    files: tuple[str, ...]
    sheet: str
    drug_groups: tuple[str, ...] | None
    """None = every drug group."""
    sexes: tuple[str, ...] | None
    """None = every value."""
    period: Period | None
    kind: str
    issue: str
    decision: str
    note: str
    evidence: str
    handled_in: str
    line: int
    """Line of the row in the corrections file (for messages)."""

    @property
    def applied(self) -> bool:
        return self.decision in APPLIED

    def mask(self, frame: pd.DataFrame) -> pd.Series:
        """Rows of `frame` this correction is about. Uses `source_file` and `sheet` when the frame
        has them, then drug_group, sex and the period (`period_type` 'year' when absent)."""
        hit = pd.Series(True, index=frame.index)
        if "source_file" in frame.columns:
            hit &= frame["source_file"].isin(self.files)
        if self.sheet:
            if "sheet" not in frame.columns:
                raise ValueError(f"correction {self.id}: names sheet {self.sheet!r} but the rows "
                                 "have no `sheet` column")
            hit &= frame["sheet"] == self.sheet
        if self.drug_groups is not None:
            hit &= frame["drug_group"].isin(self.drug_groups)
        if self.sexes is not None:
            hit &= frame["sex"].isin(self.sexes)
        if self.period is not None:
            first, last = _row_months(frame)
            hit &= (first <= self.period.last) & (last >= self.period.first)
        return hit.fillna(False).astype(bool)

    def where(self, files: Iterable[str] | None = None) -> str:
        """'file, sheet 'X', drug female/male 2021' for warnings (`files`: those matched)."""
        parts = ["; ".join(files or self.files)]
        if self.sheet:
            parts.append(f"sheet {self.sheet!r}")
        what = ["/".join(self.drug_groups) if self.drug_groups else "all drug groups"]
        if self.sexes:
            what.append("/".join(self.sexes))
        if self.period:
            what.append(str(self.period))
        return ", ".join(parts) + ", " + " ".join(what)


def _row_months(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """First and last month (months since year 0) each row's period covers."""
    year = frame["year"].astype("int64")
    period_type = (frame["period_type"] if "period_type" in frame.columns
                   else pd.Series("year", index=frame.index))
    month = frame["month"] if "month" in frame.columns else pd.Series(pd.NA, index=frame.index)
    month = pd.to_numeric(month, errors="coerce").fillna(1).astype("int64")
    end = year * 12 + month - 1
    yearly = period_type == "year"
    first = end.where(period_type == "month", end - 11).where(~yearly, year * 12)
    last = end.where(~yearly, year * 12 + 11)
    return first, last


# --- Load and validate -------------------------------------------------------------------------

def known_sources() -> dict[str, tuple[str, Source]]:
    """Source id -> (module name, Source) of every source module the build knows."""
    found = {}
    for name in source_list.SOURCE_MODULES:
        source: Source = importlib.import_module(f"etl.{name}").SOURCE
        found[source.id] = (name, source)
    return found


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(LIST_SEPARATOR) if part.strip())


def _parse_period(text: str) -> Period | None:
    if not text:
        return None
    ends = text.split("/")
    if len(ends) > 2:
        raise ValueError(text)
    parsed = []
    for part in ends:
        found = PERIOD_PART.match(part.strip())
        if not found or (found.group(2) and not 1 <= int(found.group(2)) <= 12):
            raise ValueError(text)
        parsed.append((int(found.group(1)), int(found.group(2)) if found.group(2) else None))
    if len({m is None for _, m in parsed}) > 1:
        raise ValueError(text)
    by_month = parsed[0][1] is not None
    first = parsed[0][0] * 12 + ((parsed[0][1] or 1) - 1)
    last = parsed[-1][0] * 12 + ((parsed[-1][1] or 12) - 1)
    if last < first:
        raise ValueError(text)
    return Period(first, last, by_month)


def _row(path: Path, line: int, cells: dict[str, str],
         sources: dict[str, tuple[str, Source]]) -> Correction:
    def fail(column: str, problem: str, expected: str, found: str) -> SourceFormatError:
        return SourceFormatError(path, f"row {cells.get('id') or '(no id)'}: {problem}",
                                 line=line, column=column, expected=expected, found=found)

    for column in ("id", "source_id", "file", "kind", "issue", "decision", "evidence",
                   "handled_in"):
        if not cells[column]:
            raise fail(column, "required cell is empty", "a value", "an empty cell")
    if not ID_PATTERN.match(cells["id"]):
        raise fail("id", "malformed id", "lower-case words joined by hyphens",
                   repr(cells["id"]))
    source_id = cells["source_id"]
    if source_id not in sources:
        raise fail("source_id", "unknown source id", ", ".join(sorted(sources)), repr(source_id))
    module_name, source = sources[source_id]
    raw_names = [f.name for f in source.files]
    files = _split(cells["file"])
    for name in files:
        if name not in raw_names:
            raise fail("file", f"file not listed by source {source_id}",
                       ", ".join(map(repr, raw_names)), repr(name))
    if cells["sheet"] and not all(f.endswith((".xlsx", ".xls")) for f in files):
        raise fail("sheet", "sheet given for a file that is not a workbook", "a blank cell",
                   repr(cells["sheet"]))
    drug_groups = None if cells["drug_group"] in ("", ALL) else _split(cells["drug_group"])
    for group in drug_groups or ():
        if group not in DRUG_GROUPS:
            raise fail("drug_group", "unknown drug group", "registry ids (etl/registry.py) or *",
                       repr(group))
    sexes = None if cells["sex"] in ("", ALL) else _split(cells["sex"])
    for sex in sexes or ():
        if sex not in SEXES:
            raise fail("sex", "unknown sex", " / ".join(SEXES) + " or *", repr(sex))
    try:
        period = _parse_period(cells["period"])
    except ValueError:
        raise fail("period", "malformed period", "2021, 2012/2020 or 2020-03/2020-08",
                   repr(cells["period"])) from None
    if cells["kind"] not in KINDS:
        raise fail("kind", "unknown kind", " / ".join(KINDS), repr(cells["kind"]))
    decision = cells["decision"]
    if decision not in DECISIONS:
        raise fail("decision", "unknown decision", " / ".join(DECISIONS), repr(decision))
    if decision in APPLIED:
        for column in ("drug_group", "sex", "period", "note"):
            if not cells[column]:
                raise fail(column, f"decision {decision} needs this cell",
                           "a value (* for every drug group or sex)", "an empty cell")
    elif decision == "coverage_dropped":
        for column in ("period", "note"):
            if not cells[column]:
                raise fail(column, f"decision {decision} needs this cell",
                           "the dropped period and why", "an empty cell")
    elif cells["note"]:
        raise fail("note", "a rule_in_code row adds no note (the rule's module writes notes)",
                   "a blank cell", repr(cells["note"][:40]))
    if decision == "not_a_suppression" and not cells["note"].startswith(EXCLUDED_NOTE):
        raise fail("note", "the note of an exclusion must say so first",
                   f"text starting {EXCLUDED_NOTE!r}", repr(cells["note"][:40]))
    found = HANDLED_IN.match(cells["handled_in"])
    if not found or found.group(1) != module_name:
        raise fail("handled_in", "malformed reference", f"etl.{module_name}:<function or "
                   "constant>", repr(cells["handled_in"]))
    if not hasattr(importlib.import_module(f"etl.{module_name}"), found.group(2)):
        raise fail("handled_in", "refers to nothing", f"a name defined in etl/{module_name}.py",
                   repr(cells["handled_in"]))
    return Correction(
        id=cells["id"], source_id=source_id, files=files, sheet=cells["sheet"],
        drug_groups=drug_groups, sexes=sexes, period=period, kind=cells["kind"],
        issue=cells["issue"], decision=decision, note=cells["note"],
        evidence=cells["evidence"], handled_in=cells["handled_in"], line=line)


def load(path: Path = CORRECTIONS_FILE) -> tuple[Correction, ...]:
    """Every row of the corrections file, validated; a SourceFormatError names file, line and
    column of the first problem."""
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        raise SourceFormatError(path, "corrections file is missing or empty",
                                expected=f"a CSV with header {', '.join(COLUMNS)}")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise SourceFormatError(path, "not UTF-8 text", expected="UTF-8",
                                found=f"byte at offset {err.start}") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader, [])]
    if header != list(COLUMNS):
        raise SourceFormatError(path, "header differs", line=1, expected=", ".join(COLUMNS),
                                found=", ".join(header) or "an empty line")
    sources = known_sources()
    rows: list[Correction] = []
    seen: dict[str, int] = {}
    line = reader.line_num
    for cells in reader:
        start, line = line + 1, reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            raise SourceFormatError(path, "wrong number of fields (an unquoted comma?)",
                                    line=start, expected=f"{len(header)} fields",
                                    found=str(len(cells)))
        correction = _row(path, start, {h: c.strip() for h, c in zip(header, cells)}, sources)
        if correction.id in seen:
            raise SourceFormatError(path, f"id {correction.id!r} used twice", line=start,
                                    column="id", found=f"also on line {seen[correction.id]}")
        seen[correction.id] = start
        rows.append(correction)
    return tuple(rows)


def for_source(source_id: str, path: Path = CORRECTIONS_FILE) -> tuple[Correction, ...]:
    """The rows of one source (the whole file is validated first)."""
    return tuple(c for c in load(path) if c.source_id == source_id)


# --- Apply -------------------------------------------------------------------------------------

def add_note(frame: pd.DataFrame, mask: pd.Series, note: str) -> None:
    """Append `note` to the `note` of the rows in `mask` ('; ' between notes)."""
    frame.loc[mask, "note"] = frame.loc[mask, "note"].map(lambda n: f"{n}; {note}" if n else note)


def apply(frame: pd.DataFrame, corrections: Iterable[Correction],
          path: Path | str = CORRECTIONS_FILE) -> list[str]:
    """Apply the `keep_as_published` and `not_a_suppression` rows to `frame` in place; return one
    warning per row that matched. Rows of frame need drug_group, sex, year (month, period_type,
    source_file, sheet when they have them), value, suppressed and note; `line` and `column`
    name the raw cell in an error. A correction that matches nothing is skipped (a new vintage
    may have fixed it; the tests on the real files check each one still matches)."""
    warnings = []
    for correction in corrections:
        if not correction.applied:
            continue
        mask = correction.mask(frame)
        if not mask.any():
            continue
        if correction.decision == "not_a_suppression":
            published = frame[mask & frame["value"].notna()]
            if not published.empty:
                cell = published.iloc[0]
                raise SourceFormatError(
                    cell.get("source_file", correction.files[0]),
                    f"a number where the publisher collected no data ({Path(path).name} row "
                    f"{correction.id}, line {correction.line})",
                    line=int(cell["line"]) if "line" in cell else None,
                    column=cell.get("column"), expected="the suppression marker",
                    found=f"{float(cell['value']):g}")
            frame.loc[mask, "suppressed"] = False
        add_note(frame, mask, correction.note)
        n = int(mask.sum())
        matched = (sorted(set(frame.loc[mask, "source_file"].astype(str)))
                   if "source_file" in frame.columns else None)
        warnings.append(f"{correction.where(matched)}: {correction.note} ({n:,} row"
                        f"{'s' * (n != 1)}; "
                        f"{Path(path).name}: {correction.id})")
    return warnings

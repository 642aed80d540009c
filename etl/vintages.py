"""Vintages: a publisher's successive releases of the same data, and what changes between them.

A refresh (`python -m etl fetch`, then `build`) must work exactly when a publisher has updated
its file, so what holds for one release only is kept apart from what holds for every release.
Three things every source shares; the build applies them and a source module only declares:

- Which vintage to read when a folder holds several (`VintageRule`, declared as a module's
  `VINTAGES`): the newest, ordered by the last year of data, then by the release date, both read
  from the file name (the parser checks the last year against the contents). Any other file
  that looks like the series but does not follow its naming stops the build, so a newer file is
  never passed over in silence. The vintage read is compared cell by cell with the one it
  supersedes over the years both cover: every cell equal or listed as a revision.
- Checks that hold for one edition only (`EditionCheck`, a module's `EDITION_CHECKS`): published
  check values such as NIDA's 10,964 benzodiazepine deaths in 2022 or Connecticut's records per
  year apply when the file in use is that edition (its sha256 equals the tested
  `RawFile.sha256`). Any other vintage is held to the module's `checks()`, which hold for every
  vintage (schema, sums, keys, ranges), and to coverage not shrinking.
- Differences between two versions of a table (`table_differences`): rows per period, periods
  added or dropped, rows added or removed, revised values (before → after). A new build is
  compared with the table shipped in the output folder it replaces: differences are reported
  in the build summary and the manifest, never raised; only a period the shipped table had and
  the new one lacks stops the build, unless etl/corrections.csv explains it (decision
  `coverage_dropped`).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import ModuleType
from urllib.parse import quote

import pandas as pd

from etl import corrections
from etl.currency import period_labels
from etl.source import RawFile, Source, SourceFormatError
from etl.tidy import EXCLUDED_NOTE, TIDY_KEY

CELL_FLAGS = ("suppressed", "excluded", "provisional")
"""What a published cell is besides its number (`excluded`: EXCLUDED_NOTE in its note)."""
REVISIONS_LISTED = 200
"""Revised cells written out one by one per table (all are counted)."""
NOT_A_VINTAGE = {"PROVENANCE.md", "FETCHED.json"}


# --- Which vintage ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Vintage:
    """One release of a file, as its name describes it."""

    name: str
    first_year: int
    last_year: int
    released: date | None
    released_from: str

    @property
    def order(self) -> tuple[int, date]:
        return (self.last_year, self.released or date.min)

    def describe(self) -> str:
        when = f", released {self.released.isoformat()}" if self.released else ""
        return f"{self.name} ({self.first_year}–{self.last_year}{when})"


@dataclass(frozen=True)
class VintageRule:
    """How a publisher names successive releases of one file."""

    glob: str
    """Files in the folder that belong to the series (e.g. '*.xlsx')."""
    pattern: str
    """Regular expression a member's name must match in full (case-insensitive), with groups
    `first` and `last` (years of data) and optionally `month`, `day`, `year` (release date)."""
    naming: str
    """The naming in words, for error messages."""
    url_template: str
    """Download URL of a release, from its file name: '...{name}' (percent-encoded)."""

    def vintage(self, path: Path) -> Vintage:
        found = re.fullmatch(self.pattern, path.name, flags=re.IGNORECASE)
        if not found:
            raise SourceFormatError(path, "cannot tell which vintage this file is",
                                    expected=f"a name like {self.naming}", found=repr(path.name))
        groups = found.groupdict()
        first, last = int(groups["first"]), int(groups["last"])
        if first > last:
            raise SourceFormatError(path, "the years in the file name run backwards",
                                    expected="first year <= last year", found=f"{first}-{last}")
        released = None
        if groups.get("year"):
            year = int(groups["year"]) + (2000 if len(groups["year"]) == 2 else 0)
            try:
                released = date(year, int(groups["month"]), int(groups["day"]))
            except ValueError:
                raise SourceFormatError(path, "the release date in the file name is not a date",
                                        expected="month.day.year",
                                        found=f"{groups['month']}.{groups['day']}."
                                              f"{groups['year']}") from None
        text = (f"file name ({groups['month']}.{groups['day']}.{groups['year']}, "
                "month.day.year)" if released else "not in the file name")
        return Vintage(path.name, first, last, released, text)

    def vintages(self, folder: Path) -> list[Vintage]:
        """Every release in `folder`, oldest first."""
        paths = sorted(p for p in Path(folder).glob(self.glob)
                       if p.is_file() and not p.name.startswith((".", "~$"))
                       and p.name not in NOT_A_VINTAGE)
        found = sorted((self.vintage(p) for p in paths), key=lambda v: (v.order, v.name))
        for older, newer in zip(found, found[1:]):
            if older.order == newer.order and (
                    (folder / older.name).read_bytes() != (folder / newer.name).read_bytes()):
                raise SourceFormatError(folder / newer.name, "two different files claim the same "
                                        "vintage", expected="one file per release",
                                        found=f"{older.name!r} and {newer.name!r}")
        return found

    def newest(self, folder: Path) -> Vintage:
        found = self.vintages(folder)
        if not found:
            raise SourceFormatError(folder, "no release of the file found",
                                    expected=f"a file named like {self.naming}",
                                    found="none" if Path(folder).is_dir() else "no folder")
        return found[-1]

    def raw_file(self, declared: Iterable[RawFile], vintage: Vintage) -> RawFile:
        """The declared RawFile of this release, or one for a release the code has not seen
        (its sha256 is unknown, so it cannot match a tested edition)."""
        for raw in declared:
            if raw.name == vintage.name:
                return raw
        return RawFile(vintage.name, self.url_template.format(name=quote(vintage.name)), "")


@dataclass(frozen=True)
class FilesInUse:
    """What the build reads from a source's folder."""

    used: tuple[RawFile, ...]
    vintage: Vintage | None = None
    """The release read, for a source with VINTAGES."""
    superseded: tuple[Vintage, ...] = ()
    """Older releases in the folder, oldest first; the last one is compared cell by cell."""


def files_in_use(module: ModuleType, folder: Path, source: Source | None = None) -> FilesInUse:
    """Every declared file, or for a source with VINTAGES the newest release in the folder (and
    any files that are not part of the series). `source`: the module's Source as this build sees
    it (an API source describes the files its fetch saved); default `module.SOURCE`."""
    source = source or module.SOURCE
    rule: VintageRule | None = getattr(module, "VINTAGES", None)
    if rule is None:
        return FilesInUse(source.files)
    series = rule.vintages(folder)
    if not series:
        rule.newest(folder)  # raises, naming the folder and the expected names
    newest = series[-1]
    others = tuple(f for f in source.files
                   if not re.fullmatch(rule.pattern, f.name, flags=re.IGNORECASE))
    return FilesInUse(others + (rule.raw_file(source.files, newest),), newest,
                      tuple(series[:-1]))


def fetch_targets(module: ModuleType) -> tuple[RawFile, ...]:
    """Files `python -m etl fetch` downloads: of a series, only its newest declared release."""
    source: Source = module.SOURCE
    rule: VintageRule | None = getattr(module, "VINTAGES", None)
    if rule is None:
        return source.files
    members = [f for f in source.files if re.fullmatch(rule.pattern, f.name, flags=re.IGNORECASE)]
    newest = max(members, key=lambda f: rule.vintage(Path(f.name)).order)
    return tuple(f for f in source.files if f not in members) + (newest,)


# --- Checks for one edition ----------------------------------------------------------------------

@dataclass(frozen=True)
class EditionCheck:
    """Published values that hold for one edition of a source's files only."""

    files: tuple[RawFile, ...]
    """The edition: each file with the sha256 of the tested copy."""
    what: str
    """What is checked and where the values are published (for the summary and manifest)."""
    check: Callable[[dict[str, pd.DataFrame]], list[str]]


def run_edition_checks(checks: Iterable[EditionCheck], digests: Mapping[str, str],
                       tables: dict[str, pd.DataFrame]) -> tuple[list[dict], list[str]]:
    """Run the checks whose edition is the one in use (`digests`: file name -> sha256 of the
    files read); return one manifest entry per check and the failures."""
    entries, failures = [], []
    for edition in checks:
        entry: dict[str, object] = {"files": [f.name for f in edition.files],
                                    "what": edition.what}
        other = [f for f in edition.files if digests.get(f.name) != f.sha256]
        if other:
            f = other[0]
            read = f.name in digests
            why = (f"sha256 {digests[f.name][:12]}… is not the tested {f.sha256[:12]}…" if read
                   else "not read in this build (superseded or absent)")
            entry.update(applied=False, edition_read=read, reason=f"{f.name}: {why}")
        else:
            found = edition.check(tables)
            entry.update(applied=True, passed=not found)
            failures += [f"{edition.what}: {message}" for message in found]
        entries.append(entry)
    return entries, failures


def pinned(table: str, frame: pd.DataFrame, pins: Iterable[tuple[dict[str, object], float]]
           ) -> list[str]:
    """Failures for published values: each `where` must select one row holding `expected`."""
    failures = []
    for where, expected in pins:
        rows = frame
        for column, wanted in where.items():
            rows = rows[rows[column] == wanted]
        found = rows["value"].tolist()
        if len(found) != 1 or found[0] != expected:
            label = ", ".join(f"{k}={v}" for k, v in where.items())
            failures.append(f"{table} {label}: expected {expected:,g}, found {found}")
    return failures


# --- What changed -------------------------------------------------------------------------------

def _cell(row: pd.Series, suffix: str) -> dict[str, object]:
    value = row[f"value{suffix}"]
    cell: dict[str, object] = {"value": None if pd.isna(value) else float(value)}
    for flag in CELL_FLAGS:
        if bool(row.get(f"{flag}{suffix}", False)):
            cell[flag] = True
    return cell


def describe_cell(cell: Mapping[str, object] | None) -> str:
    """'9,711', '9,711 (provisional)', 'suppressed', 'no value' or 'no row' for the summary."""
    if cell is None:
        return "no row"
    value = cell.get("value")
    text = "suppressed" if cell.get("suppressed") else "excluded by the publisher" \
        if cell.get("excluded") else "no value" if value is None else f"{value:,.10g}"
    return text + (" (provisional)" if cell.get("provisional") and value is not None else "")


def _key_dict(row: pd.Series, key: list[str]) -> dict[str, object]:
    out: dict[str, object] = {}
    for column in key:
        value = row[column]
        if column == "month" and (pd.isna(value) or value == 0):
            continue
        out[column] = int(value) if isinstance(value, (int, float)) and not pd.isna(value) \
            else str(value)
    return out


def table_differences(before: pd.DataFrame, after: pd.DataFrame, *,
                      limit: int = REVISIONS_LISTED) -> dict[str, object]:
    """Rows per period, periods added and dropped, and revised cells of `after` against
    `before`. Tidy tables are compared cell by cell on TIDY_KEY (value and CELL_FLAGS);
    a record-level table has no key, so its per-period counts of each flag column are compared."""
    labels_before, labels_after = period_labels(before), period_labels(after)
    count_before, count_after = labels_before.value_counts(), labels_after.value_counts()
    periods = sorted(set(count_before.index) | set(count_after.index))
    common = set(count_before.index) & set(count_after.index)
    out: dict[str, object] = {
        "rows_before": len(before), "rows_after": len(after),
        "periods_added": sorted(set(count_after.index) - common),
        "periods_dropped": sorted(set(count_before.index) - common),
        "rows_per_period": [
            {"period": p, "before": int(count_before.get(p, 0)), "after": int(count_after.get(p, 0))}
            for p in periods if count_before.get(p, 0) != count_after.get(p, 0)],
    }
    old = before[labels_before.isin(common)]
    new = after[labels_after.isin(common)]
    if set(TIDY_KEY) <= set(before.columns) and set(TIDY_KEY) <= set(after.columns):
        out.update(_cell_differences(old, new, limit))
    else:
        out.update(_flag_count_differences(old, new, limit))
    return out


def _cell_differences(old: pd.DataFrame, new: pd.DataFrame, limit: int) -> dict[str, object]:
    def keyed(frame: pd.DataFrame) -> pd.DataFrame:
        excluded = frame["note"].astype(str).str.contains(EXCLUDED_NOTE, regex=False)
        return frame[TIDY_KEY + ["value", "suppressed", "provisional"]].assign(
            month=frame["month"].fillna(0).astype("int64"), excluded=excluded)
    joined = keyed(old).merge(keyed(new), on=TIDY_KEY, how="outer", suffixes=("_before",
                              "_after"), indicator=True)
    both = joined[joined["_merge"] == "both"]
    same = ((both["value_before"] == both["value_after"])
            | (both["value_before"].isna() & both["value_after"].isna()))
    for flag in CELL_FLAGS:
        same &= both[f"{flag}_before"] == both[f"{flag}_after"]
    revised = both[~same]
    varying = [c for c in TIDY_KEY if joined[c].nunique(dropna=False) > 1]
    listed = []
    for _, row in revised.head(limit).iterrows():
        listed.append({"key": _key_dict(row, varying), "before": _cell(row, "_before"),
                       "after": _cell(row, "_after")})
    removed = joined[joined["_merge"] == "left_only"]
    for _, row in removed.head(max(0, limit - len(listed))).iterrows():
        listed.append({"key": _key_dict(row, varying), "before": _cell(row, "_before"),
                       "after": None})
    return {"cells_compared": len(both), "cells_revised": len(revised),
            "rows_added": int((joined["_merge"] == "right_only").sum()),
            "rows_removed": len(removed), "revisions": listed}


def _flag_count_differences(old: pd.DataFrame, new: pd.DataFrame, limit: int
                            ) -> dict[str, object]:
    flags = [c for c in new.columns if c in old.columns and new[c].dtype == bool]
    by_before = old.groupby(period_labels(old))[flags].sum()
    by_after = new.groupby(period_labels(new))[flags].sum()
    listed = []
    for period in by_after.index:
        for flag in flags:
            b, a = int(by_before.at[period, flag]), int(by_after.at[period, flag])
            if a != b:
                listed.append({"key": {"period": period, "column": flag},
                               "before": {"value": b}, "after": {"value": a}})
    return {"cells_compared": len(by_after) * len(flags), "cells_revised": len(listed),
            "rows_added": None, "rows_removed": None, "revisions": listed[:limit]}


def vintage_revisions(before: dict[str, pd.DataFrame], after: dict[str, pd.DataFrame]
                      ) -> dict[str, dict[str, object]]:
    """Per table, the cell-by-cell comparison of a release with the one it supersedes, over
    the periods both cover (every revision listed)."""
    out = {}
    for name, new in after.items():
        if name in before:
            diff = table_differences(before[name], new, limit=10_000)
            out[name] = {k: diff[k] for k in ("cells_compared", "cells_revised", "rows_added",
                                              "rows_removed", "revisions")}
            overlap = sorted(set(period_labels(before[name])) & set(period_labels(new)))
            out[name]["overlap"] = f"{overlap[0]}–{overlap[-1]}" if overlap else ""
    return out


# --- Coverage must not shrink without a note -----------------------------------------------------

def _months(label: str) -> tuple[int, int]:
    year = int(label[:4])
    if len(label) == 4:
        return year * 12, year * 12 + 11
    month = year * 12 + int(label[5:7]) - 1
    return month, month


def unexplained_drops(source_id: str, dropped: list[str],
                      path: Path | None = None) -> tuple[list[str], list[str]]:
    """(periods no `coverage_dropped` row of etl/corrections.csv explains, notes that explain
    the others). The corrections file is only read when a period was dropped."""
    if not dropped:
        return [], []
    rows = [c for c in corrections.for_source(source_id, path or corrections.CORRECTIONS_FILE)
            if c.decision == "coverage_dropped" and c.period is not None]
    unexplained, notes = [], []
    for label in dropped:
        first, last = _months(label)
        hits = [c for c in rows if c.period.first <= last and c.period.last >= first]
        if hits:
            notes += [f"{label}: {c.note} (corrections.csv: {c.id})" for c in hits]
        else:
            unexplained.append(label)
    return unexplained, notes

"""Build the processed tables in data/ from the raw files: parse, validate, cross-check, swap.

Nothing in the output folder changes until every selected source has parsed and validated:
tables are written to a temporary folder inside it, then moved into place one by one with
os.replace (atomic on one filesystem) and the manifest last. A run that fails or is killed
leaves the last good tables and manifest in place.
"""
from __future__ import annotations

import hashlib
import importlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from types import ModuleType

import pandas as pd
import pandera.errors

from etl import currency, vintages
from etl import source as source_list
from etl.corrections import CORRECTIONS_FILE
from etl.fetch import manual_instructions
from etl.source import BuildError, ParseResult, RawFile, Source, SourceFormatError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = PROJECT_ROOT / "data"
SHARED_RAW = PROJECT_ROOT.parent / "shared" / "data" / "raw"
MANIFEST_NAME = "manifest.json"
MANIFEST_SCHEMA_VERSION = 2
"""2: sources and tables carry the currency fields of etl/currency.py."""


def default_raw_dir() -> Path | None:
    """The shared raw folder when it exists (developer machines and CI), else None."""
    env = os.environ.get("BENZO_RAW_DIR")
    if env:
        return Path(env)
    return SHARED_RAW if SHARED_RAW.is_dir() else None


def load_source_module(name: str) -> ModuleType:
    known = source_list.SOURCE_MODULES
    if name not in known:
        raise BuildError(f"unknown source {name!r}; known sources: {', '.join(known)}")
    return importlib.import_module(f"etl.{name}")


def source_of(module: ModuleType, raw_dir: Path) -> Source | None:
    """The module's Source. A module whose raw files are whatever its fetch saved (an API
    source) describes them with `source_for(folder)`, which is None when nothing was fetched
    yet: a normal state, so the build skips that source and says so in the summary."""
    describe = getattr(module, "source_for", None)
    return module.SOURCE if describe is None else describe(raw_dir / module.SOURCE.raw_folder)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def code_version() -> str:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"], cwd=PROJECT_ROOT, capture_output=True,
            text=True, check=True, timeout=10).stdout.strip()
        return commit or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


@dataclass
class SourceReport:
    source_id: str
    rows_in: int = 0
    rows_out: int = 0
    suppressed_cells: int = 0
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    vintage: dict | None = None
    """The manifest's `vintages` entry: release read, releases superseded, revisions."""
    edition_checks: list[dict] = field(default_factory=list)
    differences: dict[str, dict] = field(default_factory=dict)
    """Per table, how it differs from the table shipped in the output folder."""
    skipped: str = ""
    """Why an optional source was not built (nothing fetched yet); '' when it was."""


@dataclass
class BuildReport:
    sources: list[SourceReport]
    out_dir: Path
    seconds: float


def _check_raw_files(source: Source, folder: Path, raw_files: tuple[RawFile, ...]
                     ) -> list[dict[str, object]]:
    entries = []
    for raw in raw_files:
        path = folder / raw.name
        if not path.is_file():
            raise BuildError(f"{path}: raw file missing (download it from {raw.url})")
        if path.stat().st_size == 0:
            raise BuildError(f"{path}: raw file is empty (0 bytes); expected the publisher's file "
                             f"from {raw.url}")
        digest = sha256_of(path)
        entries.append({"name": raw.name, "url": raw.url, "bytes": path.stat().st_size,
                        "sha256": digest, "matches_tested_vintage": digest == raw.sha256,
                        **currency.file_record(folder, raw, digest)})
    return entries


def _validate(source: Source, result: ParseResult) -> None:
    expected = {t.name for t in source.tables}
    if set(result.tables) != expected:
        raise BuildError(f"source {source.id}: parser returned tables {sorted(result.tables)}, "
                         f"declared {sorted(expected)}")
    for spec in source.tables:
        frame = result.tables[spec.name]
        if frame.empty:
            raise BuildError(f"source {source.id}, table {spec.name}: no rows after parsing")
        try:
            result.tables[spec.name] = spec.schema.validate(frame, lazy=True)
        except pandera.errors.SchemaErrors as err:
            raise BuildError(f"source {source.id}, table {spec.name}: "
                             f"{describe_schema_errors(err)}") from err


def _remove_stale_staging(out_dir: Path, older_than_s: float = 600) -> None:
    """Staging folders left by a killed run are garbage; a live one is younger than 10 min."""
    now = time.time()
    for stale in out_dir.glob(".build-*"):
        if stale.is_dir() and now - stale.stat().st_mtime > older_than_s:
            shutil.rmtree(stale, ignore_errors=True)


def _remove_unreferenced_tables(out_dir: Path, manifest: dict) -> None:
    """After the manifest is in place, older versions of the tables are no longer read."""
    keep = {entry["file"] for entry in manifest["tables"].values()}
    for path in out_dir.glob("*.parquet"):
        if path.name not in keep:
            path.unlink(missing_ok=True)


def describe_schema_errors(err: pandera.errors.SchemaErrors) -> str:
    """One line per failed check (column, check, how many rows, example values), not per cell."""
    cases = err.failure_cases
    lines = []
    for (column, check), group in cases.groupby(["column", "check"], dropna=False, sort=False):
        examples = ", ".join(repr(v) for v in group["failure_case"].drop_duplicates().head(3))
        rows = group["index"].dropna().drop_duplicates()
        where = f" at rows {', '.join(str(int(r)) for r in rows.head(3))}" if len(rows) else ""
        lines.append(f"- column {column or '(table)'}: check {check!s} failed for "
                     f"{len(group)} value(s){where}; e.g. {examples}")
    return "schema check failed:\n" + "\n".join(lines)


def _suppressed_cells(frame: pd.DataFrame) -> int:
    return int(frame["suppressed"].sum()) if "suppressed" in frame.columns else 0


def build(raw_dir: Path | None = None, out_dir: Path = DEFAULT_OUT,
          only: list[str] | None = None, progress: bool = True) -> BuildReport:
    """Parse, validate and write every selected source; see the module docstring for safety."""
    from etl.checks import run_cross_checks  # noqa: PLC0415 (checks import source modules)

    raw_dir = raw_dir or default_raw_dir()
    if raw_dir is None or not Path(raw_dir).is_dir():
        raise BuildError(f"raw folder {raw_dir or SHARED_RAW} not found: pass --raw-dir DIR "
                         "or run `python -m etl fetch` first")
    raw_dir = Path(raw_dir)
    names = list(only) if only else list(source_list.SOURCE_MODULES)
    modules = [load_source_module(n) for n in names]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    _remove_stale_staging(out_dir)
    started = time.perf_counter()
    built_at = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    shipped = _read_manifest(out_dir)
    staging = Path(tempfile.mkdtemp(prefix=".build-", dir=out_dir))
    try:
        reports, manifest_sources, manifest_tables = [], {}, {}
        built: dict[str, pd.DataFrame] = {}
        skipped: set[str] = set()
        for module in modules:
            source = source_of(module, raw_dir)
            if source is None:
                folder = raw_dir / module.SOURCE.raw_folder
                hint = getattr(module, "FETCH_COMMAND", "python -m etl fetch")
                reports.append(SourceReport(module.SOURCE.id, skipped=(
                    f"nothing fetched in {folder}; its tables are not built (run `{hint}`)")))
                skipped.add(module.SOURCE.id)
                continue
            report, files, result = _build_one(module, raw_dir, progress)
            coverages = []
            for spec in source.tables:
                frame = result.tables[spec.name]
                report.differences[spec.name] = _compare_with_shipped(
                    source, spec.name, frame, out_dir, shipped)
                coverages.append(currency.coverage(frame))
                staged = staging / f"{spec.name}.parquet"
                frame.to_parquet(staged, index=False, engine="pyarrow", compression="zstd")
                digest = sha256_of(staged)
                # Content-addressed names: the manifest is the single commit point, so a run
                # killed at any moment leaves the old manifest pointing at files that still exist.
                target = staging / f"{spec.name}.{digest[:12]}.parquet"
                staged.rename(target)
                built[spec.name] = frame
                manifest_tables[spec.name] = {
                    "file": target.name, "source_id": source.id, "title": spec.title,
                    "description": spec.description, "rows": len(frame),
                    "columns": list(frame.columns), "suppressed_cells": _suppressed_cells(frame),
                    "sha256": digest, **coverages[-1].as_dict(),
                    "differences_from_shipped": report.differences[spec.name],
                }
            manifest_sources[source.id] = _source_entry(
                module, source, raw_dir / source.raw_folder, files, report, coverages, built_at)
            reports.append(report)
        failures = run_cross_checks(built)
        if failures:
            raise BuildError("cross-checks failed:\n- " + "\n- ".join(failures))
        manifest = _merge_manifest(out_dir, manifest_sources, manifest_tables, built_at)
        # A source skipped because its raw folder is empty has no tables now, not stale ones.
        manifest["sources"] = {k: v for k, v in manifest["sources"].items() if k not in skipped}
        manifest["tables"] = {k: v for k, v in manifest["tables"].items()
                              if v.get("source_id") not in skipped}
        (staging / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        for entry in manifest_tables.values():
            os.replace(staging / entry["file"], out_dir / entry["file"])
        os.replace(staging / MANIFEST_NAME, out_dir / MANIFEST_NAME)  # the commit point
        _remove_unreferenced_tables(out_dir, manifest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return BuildReport(reports, out_dir, time.perf_counter() - started)


def _build_one(module: ModuleType, raw_dir: Path, progress: bool
               ) -> tuple[SourceReport, list[dict[str, object]], ParseResult]:
    from tqdm import tqdm  # noqa: PLC0415

    source = source_of(module, raw_dir) or module.SOURCE
    started = time.perf_counter()
    steps = ["check raw files", "parse", "validate"]
    bar = tqdm(total=len(steps), desc=f"{source.id:<12}", disable=not progress, leave=True,
               bar_format="{desc} {bar:20} {n_fmt}/{total_fmt} {postfix}")
    try:
        bar.set_postfix_str(steps[0])
        folder = raw_dir / source.raw_folder
        if not folder.is_dir():
            raise BuildError(f"{folder}: raw folder for source {source.id!r} is missing (run "
                             f"`python -m etl fetch --source {module_name(module)}` on a "
                             "machine online)")
        try:
            in_use = vintages.files_in_use(module, folder, source)
        except SourceFormatError as err:
            raise BuildError(str(err)) from err
        files = _check_raw_files(source, folder, in_use.used)
        bar.update()
        bar.set_postfix_str(steps[1])
        try:
            result: ParseResult = module.parse(folder)
        except SourceFormatError as err:
            raise BuildError(str(err)) from err
        except UnicodeDecodeError as err:
            raise BuildError(f"{folder}: a file is not in the expected text encoding "
                             f"({err.encoding}): {err.reason} at byte {err.start}") from err
        bar.update()
        bar.set_postfix_str(steps[2])
        _validate(source, result)
        if hasattr(module, "checks"):
            failures = module.checks(result.tables)
            if failures:
                raise BuildError(f"source {source.id}: checks failed:\n- " + "\n- ".join(failures))
        edition_checks, failures = vintages.run_edition_checks(
            getattr(module, "EDITION_CHECKS", ()), {f["name"]: f["sha256"] for f in files},
            result.tables)
        if failures:
            raise BuildError(f"source {source.id}: checks of the tested edition failed (the "
                             "file is that edition, so its published values must be "
                             "reproduced):\n- " + "\n- ".join(failures))
        bar.update()
        bar.set_postfix_str("ok")
    finally:
        bar.close()
    for entry in files:
        if not entry["matches_tested_vintage"]:
            result.warnings.append(f"{entry['name']}: sha256 differs from the tested vintage "
                                   "(new download?); parsed and validated anyway")
    vintage = _vintage_entry(module, folder, in_use, result) if in_use.vintage else None
    report = SourceReport(
        source.id, rows_in=result.rows_in,
        rows_out=sum(len(t) for t in result.tables.values()),
        suppressed_cells=sum(_suppressed_cells(t) for t in result.tables.values()),
        warnings=list(result.warnings), seconds=time.perf_counter() - started,
        vintage=vintage, edition_checks=edition_checks)
    return report, files, result


def module_name(module: ModuleType) -> str:
    """The name `--source` takes (etl/nida.py -> 'nida')."""
    return module.__name__.rsplit(".", 1)[-1]


def _vintage_entry(module: ModuleType, folder: Path, in_use: vintages.FilesInUse,
                   result: ParseResult) -> dict[str, object]:
    """Which release was read, which it supersedes, and the cell-by-cell comparison of the two
    over the years both cover."""
    rule: vintages.VintageRule = module.VINTAGES
    used = in_use.vintage
    entry: dict[str, object] = {
        "rule": f"newest release: latest last year of data, then latest release date, read "
                f"from file names like {rule.naming}",
        "used": _vintage_record(folder, used),
        "superseded": [_vintage_record(folder, v) for v in in_use.superseded],
    }
    if in_use.superseded:
        previous = in_use.superseded[-1]
        entry["compared_with"] = previous.name
        try:
            before = module.parse(folder, vintage=previous.name).tables
        except SourceFormatError as err:
            entry["revisions"] = {}
            entry["comparison_failed"] = str(err)
            result.warnings.append(f"{previous.name}: could not be compared with "
                                   f"{used.name}: {err}")
        else:
            entry["revisions"] = vintages.vintage_revisions(before, result.tables)
    return entry


def _vintage_record(folder: Path, vintage: vintages.Vintage) -> dict[str, object]:
    path = folder / vintage.name
    return {"name": vintage.name, "first_year": vintage.first_year,
            "last_year": vintage.last_year,
            "released": vintage.released.isoformat() if vintage.released else None,
            "released_from": vintage.released_from, "bytes": path.stat().st_size,
            "sha256": sha256_of(path)}


def _read_manifest(out_dir: Path) -> dict:
    path = out_dir / MANIFEST_NAME
    try:
        manifest = json.loads(path.read_text()) if path.is_file() else {}
    except (json.JSONDecodeError, UnicodeDecodeError):
        manifest = {}
    return manifest if isinstance(manifest, dict) else {}


def _compare_with_shipped(source: Source, name: str, frame: pd.DataFrame, out_dir: Path,
                          shipped: dict) -> dict[str, object]:
    """How `frame` differs from the table it replaces in `out_dir`; a period the shipped table
    had and `frame` lacks stops the build unless etl/corrections.csv says why."""
    entry = shipped.get("tables", {}).get(name) if isinstance(shipped.get("tables"), dict) else None
    if not isinstance(entry, dict) or not (out_dir / str(entry.get("file", ""))).is_file():
        return {"compared": False, "reason": f"no shipped table {name} in {out_dir}"}
    try:
        before = pd.read_parquet(out_dir / entry["file"], engine="pyarrow")
        diff = vintages.table_differences(before, frame)
    except Exception as err:  # noqa: BLE001 (an unreadable old table is reported, not fatal)
        return {"compared": False, "reason": f"shipped {entry['file']} not comparable "
                                             f"({type(err).__name__}: {err})"}
    unexplained, notes = vintages.unexplained_drops(source.id, diff["periods_dropped"])
    if unexplained:
        raise BuildError(
            f"source {source.id}, table {name}: coverage shrank: the shipped table "
            f"({out_dir / entry['file']}) has period(s) {', '.join(unexplained)} that the new "
            f"build lacks. If the publisher dropped them, add a row with decision "
            f"coverage_dropped to {CORRECTIONS_FILE.name}; otherwise the raw file is "
            f"incomplete. {out_dir} was not changed.")
    return {"compared": True, "against": entry["file"], **diff, "dropped_with_note": notes}


def _source_entry(module: ModuleType, source: Source, folder: Path,
                  files: list[dict[str, object]], report: SourceReport,
                  coverages: list[currency.Coverage], built_at: str) -> dict[str, object]:
    entry = {
        "title": source.title, "publisher": source.publisher, "landing_url": source.landing_url,
        "license": source.license, "citation": source.citation, "coverage": source.coverage,
        "definitions": list(source.definitions),
        "vintage": currency.vintage_text(source, files, report.vintage),
        "raw_folder": source.raw_folder, "files": files,
        "tables": [t.name for t in source.tables], "rows_in": report.rows_in,
        "rows_out": report.rows_out, "suppressed_cells": report.suppressed_cells,
        "warnings": report.warnings, "caveats": list(source.caveats),
        "built_at": built_at, **currency.combined(coverages).as_dict(),
        **currency.release(source, folder, files, report.vintage),
        **currency.retrieval_of(source, files),
        "newer_data": _newer_data(module, folder),
        "edition_checks": report.edition_checks,
    }
    if report.vintage:
        entry["vintages"] = report.vintage
    return entry


def _newer_data(module: ModuleType, folder: Path) -> dict[str, str]:
    """Where the publisher's newer data is, and the command that fetches it."""
    source: Source = module.SOURCE
    manual = any(manual_instructions(raw, folder) for raw in vintages.fetch_targets(module))
    return {"url": source.newer_data_url or source.landing_url, "note": source.newer_data_note,
            "fetch_command": getattr(module, "FETCH_COMMAND",
                                     f"python -m etl fetch --source {module_name(module)}"),
            "fetch": "manual (the command prints the download steps)" if manual else "automatic"}


def corrections_entry(path: Path = CORRECTIONS_FILE) -> dict[str, str]:
    """Which corrections file the tables were built with (like code_version for the code)."""
    try:
        name = path.resolve().relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        name = str(path)
    return {"file": name, "sha256": sha256_of(path)}


def _merge_manifest(out_dir: Path, sources: dict, tables: dict, built_at: str
                    ) -> dict[str, object]:
    """Keep entries of sources not rebuilt in this run (`--source NAME`)."""
    previous: dict = {}
    path = out_dir / MANIFEST_NAME
    if path.is_file():
        try:
            previous = json.loads(path.read_text())
        except json.JSONDecodeError:
            previous = {}
    merged_sources = {**previous.get("sources", {}), **sources}
    merged_tables = {**previous.get("tables", {}), **tables}
    return {
        "schema_version": MANIFEST_SCHEMA_VERSION,
        "built_at": built_at,
        "code_version": code_version(),
        "corrections": corrections_entry(),
        "sources": merged_sources,
        "tables": merged_tables,
    }


def format_summary(report: BuildReport) -> str:
    """A plain-text table: rows in, rows out, suppressed cells, warnings, seconds per source."""
    header = f"{'source':<14}{'rows in':>10}{'rows out':>10}{'suppressed':>12}{'warnings':>10}{'sec':>7}"
    lines = [header, "-" * len(header)]
    for r in report.sources:
        lines.append(f"{r.source_id:<14}{r.rows_in:>10,}{r.rows_out:>10,}{r.suppressed_cells:>12,}"
                     f"{len(r.warnings):>10}{r.seconds:>7.2f}")
    lines.append("-" * len(header))
    lines.append(f"{'total':<14}{sum(r.rows_in for r in report.sources):>10,}"
                 f"{sum(r.rows_out for r in report.sources):>10,}"
                 f"{sum(r.suppressed_cells for r in report.sources):>12,}"
                 f"{sum(len(r.warnings) for r in report.sources):>10}{report.seconds:>7.2f}")
    for r in report.sources:
        if r.skipped:
            lines.append(f"skipped [{r.source_id}] {r.skipped}")
        for w in r.warnings:
            lines.append(f"warning [{r.source_id}] {w}")
    for r in report.sources:
        lines += _vintage_lines(r) + _edition_lines(r)
    unchanged, compared = 0, 0
    for r in report.sources:
        for name, diff in r.differences.items():
            compared += bool(diff.get("compared"))
            changed = _difference_lines(name, diff)
            unchanged += bool(diff.get("compared")) and not changed
            lines += changed
    lines.append(f"shipped tables compared: {compared}, unchanged: {unchanged}")
    lines.append(f"wrote {report.out_dir}")
    return "\n".join(lines)


REVISIONS_IN_SUMMARY = 10


def _revision_lines(table: str, revisions: list[dict], total: int) -> list[str]:
    lines = []
    for rev in revisions[:REVISIONS_IN_SUMMARY]:
        key = ", ".join(f"{k}={v}" for k, v in rev["key"].items())
        lines.append(f"  revised {table} [{key}]: {vintages.describe_cell(rev['before'])} → "
                     f"{vintages.describe_cell(rev['after'])}")
    if total > REVISIONS_IN_SUMMARY:
        lines.append(f"  … and {total - REVISIONS_IN_SUMMARY:,} more (manifest)")
    return lines


def _vintage_lines(r: SourceReport) -> list[str]:
    if not r.vintage:
        return []
    used = r.vintage["used"]
    lines = [f"vintage [{r.source_id}] read {used['name']} ({used['first_year']}–"
             f"{used['last_year']}, released {used['released'] or 'unknown'}: "
             f"{used['released_from']})"]
    for older in r.vintage["superseded"]:
        lines.append(f"vintage [{r.source_id}] superseded {older['name']} "
                     f"({older['first_year']}–{older['last_year']})")
    for table, rev in r.vintage.get("revisions", {}).items():
        lines.append(f"vintage [{r.source_id}] {table}, {rev['overlap']} against "
                     f"{r.vintage['compared_with']}: {rev['cells_compared']:,} cells compared, "
                     f"{rev['cells_compared'] - rev['cells_revised']:,} equal, "
                     f"{rev['cells_revised']:,} revised, {rev['rows_removed']:,} no longer "
                     "published")
        lines += _revision_lines(table, rev["revisions"],
                                 rev["cells_revised"] + rev["rows_removed"])
    if "comparison_failed" in r.vintage:
        lines.append(f"vintage [{r.source_id}] NOT compared: {r.vintage['comparison_failed']}")
    return lines


def _edition_lines(r: SourceReport) -> list[str]:
    lines = []
    for e in r.edition_checks:
        if e["applied"]:
            lines.append(f"edition [{r.source_id}] checked, passed: {e['what']}")
        elif not e["edition_read"]:
            lines.append(f"edition [{r.source_id}] not this build's edition: {e['what']} "
                         f"({e['reason']})")
        else:
            lines.append(f"edition [{r.source_id}] not applied: {e['what']} ({e['reason']}); "
                         "held to the checks of every vintage")
    return lines


def _difference_lines(table: str, diff: dict) -> list[str]:
    """What changed in a table against the shipped one (nothing when it is the same)."""
    if not diff.get("compared"):
        return []
    parts = []
    if diff["rows_before"] != diff["rows_after"]:
        parts.append(f"rows {diff['rows_before']:,} → {diff['rows_after']:,}")
    if diff["periods_added"]:
        parts.append(f"periods added {', '.join(diff['periods_added'])}")
    if diff["periods_dropped"]:
        parts.append(f"periods dropped {', '.join(diff['periods_dropped'])} (noted in "
                     f"{CORRECTIONS_FILE.name})")
    changed_periods = [p for p in diff["rows_per_period"]
                       if p["period"] not in diff["periods_added"] + diff["periods_dropped"]]
    if changed_periods:
        parts.append("rows per period changed: " + ", ".join(
            f"{p['period']} {p['before']:,} → {p['after']:,}" for p in changed_periods[:5])
            + (" …" if len(changed_periods) > 5 else ""))
    if diff["cells_revised"]:
        parts.append(f"{diff['cells_revised']:,} of {diff['cells_compared']:,} values revised")
    if diff.get("rows_removed"):
        parts.append(f"{diff['rows_removed']:,} rows no longer published")
    if not parts:
        return []
    return ([f"changed [{table}] against the shipped {diff['against']}: " + "; ".join(parts)]
            + _revision_lines(table, diff["revisions"],
                              diff["cells_revised"] + (diff.get("rows_removed") or 0)))

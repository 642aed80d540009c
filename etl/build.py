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

from etl import source as source_list
from etl.corrections import CORRECTIONS_FILE
from etl.source import ParseResult, Source, SourceFormatError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = PROJECT_ROOT / "data"
SHARED_RAW = PROJECT_ROOT.parent / "shared" / "data" / "raw"
MANIFEST_NAME = "manifest.json"


class BuildError(Exception):
    """The build stopped; data/ was left as it was. The message names file and problem."""


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
    skipped: str = ""
    """Why an optional source was not built (nothing fetched yet); '' when it was."""


@dataclass
class BuildReport:
    sources: list[SourceReport]
    out_dir: Path
    seconds: float


def _check_raw_files(source: Source, folder: Path) -> list[dict[str, object]]:
    if not folder.is_dir():
        raise BuildError(f"{folder}: raw folder for source {source.id!r} is missing "
                         f"(run `python -m etl fetch --source {source.id}` on a machine online)")
    entries = []
    for raw in source.files:
        path = folder / raw.name
        if not path.is_file():
            raise BuildError(f"{path}: raw file missing (download it from {raw.url})")
        if path.stat().st_size == 0:
            raise BuildError(f"{path}: raw file is empty (0 bytes); expected the publisher's file "
                             f"from {raw.url}")
        digest = sha256_of(path)
        entries.append({"name": raw.name, "url": raw.url, "bytes": path.stat().st_size,
                        "sha256": digest, "matches_tested_vintage": digest == raw.sha256})
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
            for spec in source.tables:
                frame = result.tables[spec.name]
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
                    "sha256": digest,
                }
            manifest_sources[source.id] = _source_entry(source, files, report)
            reports.append(report)
        failures = run_cross_checks(built)
        if failures:
            raise BuildError("cross-checks failed:\n- " + "\n- ".join(failures))
        manifest = _merge_manifest(out_dir, manifest_sources, manifest_tables)
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
        files = _check_raw_files(source, folder)
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
        bar.update()
        bar.set_postfix_str("ok")
    finally:
        bar.close()
    for entry in files:
        if not entry["matches_tested_vintage"]:
            result.warnings.append(f"{entry['name']}: sha256 differs from the tested vintage "
                                   "(new download?); parsed and validated anyway")
    report = SourceReport(
        source.id, rows_in=result.rows_in,
        rows_out=sum(len(t) for t in result.tables.values()),
        suppressed_cells=sum(_suppressed_cells(t) for t in result.tables.values()),
        warnings=list(result.warnings), seconds=time.perf_counter() - started)
    return report, files, result


def _source_entry(source: Source, files: list[dict[str, object]], report: SourceReport
                  ) -> dict[str, object]:
    return {
        "title": source.title, "publisher": source.publisher, "landing_url": source.landing_url,
        "license": source.license, "citation": source.citation, "coverage": source.coverage,
        "definitions": list(source.definitions), "vintage": source.vintage,
        "retrieved": source.retrieved, "raw_folder": source.raw_folder, "files": files,
        "tables": [t.name for t in source.tables], "rows_in": report.rows_in,
        "rows_out": report.rows_out, "suppressed_cells": report.suppressed_cells,
        "warnings": report.warnings, "caveats": list(source.caveats),
    }


def corrections_entry(path: Path = CORRECTIONS_FILE) -> dict[str, str]:
    """Which corrections file the tables were built with (like code_version for the code)."""
    try:
        name = path.resolve().relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        name = str(path)
    return {"file": name, "sha256": sha256_of(path)}


def _merge_manifest(out_dir: Path, sources: dict, tables: dict) -> dict[str, object]:
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
        "schema_version": 1,
        "built_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
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
    lines.append(f"wrote {report.out_dir}")
    return "\n".join(lines)

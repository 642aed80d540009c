"""Check a built data folder against its manifest and the declared schemas (`python -m etl check`).

The app trusts data/ blindly, so this re-checks what the build promised: the manifest parses,
every table it lists is there with the recorded sha256, row count and columns, each table still
passes its source's schema, the cross-table checks hold, and etl/corrections.csv is the version
the tables were built with. From manifest schema 2 on it also checks the currency fields of
etl/currency.py (released, retrieved, built_at, first_period, data_through, last_period_status,
newer_data) and that each table's coverage equals what its rows give. Staging folders a killed
build left behind (`.build-*`) are not part of the data and are ignored.
"""
from __future__ import annotations

import importlib
import json
from pathlib import Path

import pandas as pd
import pandera.errors

from etl import build as etl_build
from etl import currency
from etl import source as source_list
from etl.build import MANIFEST_NAME, sha256_of
from etl.source import Source, TableSpec


def source_specs() -> tuple[dict[str, dict[str, TableSpec]], dict[str, str]]:
    """Table specs by source id, read from the source modules; and, by module name, why a module
    could not be imported (a table of that source cannot be schema-checked)."""
    specs: dict[str, dict[str, TableSpec]] = {}
    import_errors: dict[str, str] = {}
    for name in source_list.SOURCE_MODULES:
        try:
            module = importlib.import_module(f"etl.{name}")
            source: Source = module.SOURCE
        except Exception as err:  # noqa: BLE001 (a broken module is reported, not fatal here)
            import_errors[name] = f"{type(err).__name__}: {err}"
            continue
        specs[source.id] = {t.name: t for t in source.tables}
    return specs, import_errors


def _load_manifest(out: Path) -> tuple[dict | None, list[str]]:
    path = out / MANIFEST_NAME
    if not out.is_dir():
        return None, [f"{out}: data folder does not exist (run `python -m etl build`)"]
    if not path.is_file():
        return None, [f"{path}: manifest missing (run `python -m etl build`)"]
    try:
        manifest = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        return None, [f"{path}: manifest is not valid JSON ({err})"]
    problems = []
    if not isinstance(manifest, dict):
        return None, [f"{path}: manifest must be a JSON object"]
    for key in ("sources", "tables"):
        if not isinstance(manifest.get(key), dict):
            problems.append(f"{path}: manifest has no {key!r} object")
    return (None if problems else manifest), problems


def _schema_problems(name: str, spec: TableSpec, frame: pd.DataFrame) -> list[str]:
    try:
        spec.schema.validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as err:
        cases = err.failure_cases
        checks = sorted({str(c) for c in cases["check"]})
        return [f"table {name}: schema check failed ({len(cases)} failure cases): "
                + "; ".join(checks[:5])]
    return []


def verify_data_dir(out: Path) -> list[str]:
    """Every problem found in `out` (empty list = the folder is consistent and valid)."""
    from etl.checks import run_cross_checks  # noqa: PLC0415 (checks may import source modules)

    out = Path(out)
    manifest, problems = _load_manifest(out)
    if manifest is None:
        return problems
    specs, import_errors = source_specs()
    loaded: dict[str, pd.DataFrame] = {}
    with_currency = int(manifest.get("schema_version") or 1) >= 2
    for name, entry in sorted(manifest["tables"].items()):
        if not isinstance(entry, dict):
            problems.append(f"table {name}: manifest entry is not an object")
            continue
        file = out / str(entry.get("file", f"{name}.parquet"))
        if not file.is_file():
            problems.append(f"table {name}: {file} is missing")
            continue
        if sha256_of(file) != entry.get("sha256"):
            problems.append(f"table {name}: {file.name} sha256 differs from the manifest "
                            "(file replaced or corrupted after the build)")
        try:
            frame = pd.read_parquet(file, engine="pyarrow")
        except Exception as err:  # noqa: BLE001 (any unreadable file is one problem to report)
            problems.append(f"table {name}: {file} cannot be read ({type(err).__name__}: {err})")
            continue
        if len(frame) != entry.get("rows"):
            problems.append(f"table {name}: {len(frame):,} rows, manifest says "
                            f"{entry.get('rows')}")
        if "columns" in entry and list(frame.columns) != entry["columns"]:
            problems.append(f"table {name}: columns {list(frame.columns)} differ from the "
                            f"manifest {entry['columns']}")
        source_id = entry.get("source_id")
        if source_id not in manifest["sources"]:
            problems.append(f"table {name}: source {source_id!r} has no entry in the manifest")
        spec = specs.get(str(source_id), {}).get(name)
        if spec is None:
            if source_id in specs:
                problems.append(f"table {name}: source {source_id!r} no longer declares it")
            else:
                why = "; ".join(f"etl.{m}: {e}" for m, e in import_errors.items()) or "none"
                problems.append(f"table {name}: no source module has id {source_id!r}, schema "
                                f"not checked (modules that failed to import: {why})")
        else:
            problems.extend(_schema_problems(name, spec, frame))
        if with_currency:
            problems.extend(_table_currency_problems(name, entry, frame))
        loaded[name] = frame
    for source_id, entry in sorted(manifest["sources"].items()):
        listed = entry.get("tables", []) if isinstance(entry, dict) else []
        for table in listed:
            if table not in manifest["tables"]:
                problems.append(f"source {source_id}: table {table} missing from the manifest")
        if with_currency and isinstance(entry, dict):
            problems.extend(currency.field_problems(entry, f"source {source_id}",
                                                    list(currency.SOURCE_FIELDS)))
    problems.extend(f"cross-check: {failure}" for failure in run_cross_checks(loaded))
    problems.extend(_corrections_problems(manifest))
    return problems


def _table_currency_problems(name: str, entry: dict, frame: pd.DataFrame) -> list[str]:
    """The table's currency fields are well formed and say what its rows say."""
    problems = currency.field_problems(entry, f"table {name}", currency.TABLE_FIELDS)
    if problems or frame.empty:
        return problems
    try:
        found = currency.coverage(frame).as_dict()
    except (KeyError, ValueError) as err:
        return [f"table {name}: coverage cannot be computed from its rows ({err})"]
    for key, value in found.items():
        if entry.get(key) != value:
            problems.append(f"table {name}: manifest says {key} {entry.get(key)!r}, its rows "
                            f"give {value!r}")
    return problems


def _corrections_problems(manifest: dict) -> list[str]:
    """The tables carry the notes of one version of etl/corrections.csv: a different file now
    means data/ is out of date. (Manifests written before the file existed have no entry.)"""
    recorded = manifest.get("corrections")
    if not isinstance(recorded, dict):
        return []
    current = etl_build.corrections_entry()
    if recorded.get("sha256") != current["sha256"]:
        return [f"{current['file']} changed since data/ was built (sha256 "
                f"{str(recorded.get('sha256'))[:12]}… in the manifest, {current['sha256'][:12]}… "
                "now): run `python -m etl build`"]
    return []

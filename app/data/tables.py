"""The one way pages read data: processed tables and the manifest in data/, cached per process.

`load_table(name)` returns the Parquet table listed under that name in data/manifest.json. The
frame is read once per process and file version (an LRU cache keyed on the file's path, size and
modification time, so a rebuilt table is picked up without restarting; a plain LRU because the
pages ask for the manifest dozens of times a run and Streamlit's cache hashes its arguments on
every call) and the same object is
shared by every session: it is read-only. Callers that need to change it call `.copy()` first
(pandas 3 copy-on-write makes filtering and `assign` safe; tests/pages check that no page changes
a table). Sharing the object, rather than a copy per call, is what lets `table_token` name a table
cheaply for the glue's one cache (app.glue.cache).

Anything wrong — no manifest, the table not listed, the file missing, unreadable or with other
columns than the manifest records — raises `TableUnavailable(name, reason)`, whose message says
which table and what to do, so a page can show it instead of a traceback
(app.glue.layout.require_table).

What the manifest says about a table's source and definition, as caption text: app.data.provenance.
"""
from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import pickle
import weakref
from pathlib import Path
from typing import Any

import pandas as pd
from pandas.api.extensions import ExtensionDtype

PROJECT_ROOT = Path(__file__).resolve().parents[2]


MANIFEST_NAME = "manifest.json"


REBUILD_HINT = "rebuild the processed data with `python -m etl build`"


def data_dir() -> Path:
    """data/ beside the code, or $BENZO_DATA_DIR (tests and previews of a build in a temp folder)."""
    return Path(os.environ.get("BENZO_DATA_DIR") or PROJECT_ROOT / "data")


class DataUnavailable(Exception):
    """Processed data the app needs is not there; the message is for a person."""


class ManifestUnavailable(DataUnavailable):
    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"The data manifest {path} {reason}; {REBUILD_HINT}.")
        self.path, self.reason = path, reason


class TableUnavailable(DataUnavailable):
    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"Table '{name}' is unavailable: {reason}. To fix it, {REBUILD_HINT}.")
        self.name, self.reason = name, reason


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


@functools.lru_cache(maxsize=8)
def _read_manifest(path: str, stamp: tuple[int, int]) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def load_manifest(directory: Path | None = None) -> dict[str, Any]:
    """The parsed data/manifest.json (sources, tables, built_at, code_version), shared by every
    session: read-only."""
    path = (directory or data_dir()) / MANIFEST_NAME
    stamp = _stamp(path)
    if stamp is None:
        raise ManifestUnavailable(path, "is missing")
    try:
        manifest = _read_manifest(str(path), stamp)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ManifestUnavailable(path, f"cannot be read ({err})") from err
    if not isinstance(manifest, dict) or not isinstance(manifest.get("tables"), dict):
        raise ManifestUnavailable(path, "has no 'tables' section")
    return manifest


@functools.lru_cache(maxsize=32)
def _read_parquet(path: str, stamp: tuple[int, int]) -> pd.DataFrame:
    frame = pd.read_parquet(path, engine="pyarrow")
    key = id(frame)
    _TABLE_TOKENS[key] = (weakref.ref(frame, lambda _ref: _TABLE_TOKENS.pop(key, None)),
                          f"table:{path}:{stamp[0]}:{stamp[1]}")
    return frame


# id(frame) -> (weak reference, token) for the frames _read_parquet returned.
_TABLE_TOKENS: dict[int, tuple[weakref.ref, str]] = {}


def clear_cache() -> None:
    """Forget every table and manifest read (benchmarks of a cold start)."""
    _read_parquet.cache_clear()
    _read_manifest.cache_clear()
    _TABLE_TOKENS.clear()


def table_token(frame: pd.DataFrame) -> str | None:
    """A short name for a frame that *is* a loaded table (file path and version), else None.
    Caches key on it instead of hashing tens of thousands of rows on every rerun."""
    entry = _TABLE_TOKENS.get(id(frame))
    return entry[1] if entry is not None and entry[0]() is frame else None


class _TokenPickler(pickle.Pickler):
    """Pickles a frame for its digest with each extension dtype (Int64, str, ...) written as its
    type and repr. pandas dtype objects are shared and keep a cache of properties that fills as
    any code reads them, and their own pickle carries that cache: the same frame pickled
    differently before and after, so the first visitor's views were computed twice."""

    def reducer_override(self, obj: object) -> object:
        if isinstance(obj, ExtensionDtype) and not isinstance(obj, pd.CategoricalDtype):
            return str, (f"{type(obj).__module__}.{type(obj).__qualname__}:{obj!r}",)
        return NotImplemented  # everything else (categories included) pickles as usual


def frame_token(frame: pd.DataFrame) -> str:
    """A content key for any frame: the table token for a loaded table, else a digest of the
    pickled frame (columns, dtypes, index and values; 5-10x faster than hashing the values with
    pandas for Arrow-backed strings). Equal digests mean equal frames; an equal frame laid out
    differently in memory may get another digest, which only costs a cache miss."""
    token = table_token(frame)
    if token is not None:
        return token
    buffer = io.BytesIO()
    _TokenPickler(buffer, protocol=5).dump(frame)
    digest = hashlib.blake2b(buffer.getbuffer(), digest_size=16)
    return f"frame:{len(frame)}:{digest.hexdigest()}"


def table_info(name: str, directory: Path | None = None) -> dict[str, Any]:
    """The manifest entry of a table: file, source_id, title, description, rows, columns."""
    try:
        manifest = load_manifest(directory)
    except ManifestUnavailable as err:
        raise TableUnavailable(name, f"the data manifest is missing or unreadable ({err.reason})"
                               ) from err
    info = manifest["tables"].get(name)
    if info is None:
        listed = ", ".join(sorted(manifest["tables"])) or "none"
        raise TableUnavailable(name, f"it is not listed in {MANIFEST_NAME} (tables listed: "
                                     f"{listed})")
    return info


def load_table(name: str, directory: Path | None = None) -> pd.DataFrame:
    """The processed table `name` (data/<name>.parquet), cached once per process and per file
    version. Do not mutate the returned frame: copy it first."""
    directory = directory or data_dir()
    info = table_info(name, directory)
    path = directory / str(info.get("file") or f"{name}.parquet")
    stamp = _stamp(path)
    if stamp is None:
        raise TableUnavailable(name, f"its file {path} is missing")
    try:
        frame = _read_parquet(str(path), stamp)
    except Exception as err:  # pyarrow raises several types for a damaged file
        raise TableUnavailable(name, f"its file {path} cannot be read "
                                     f"({type(err).__name__}: {err})") from err
    expected = info.get("columns")
    if expected and list(frame.columns) != list(expected):
        raise TableUnavailable(name, f"its file {path} has columns {list(frame.columns)}, the "
                                     f"manifest lists {list(expected)}")
    return frame


def rows_where(table: pd.DataFrame, **equals: object) -> pd.DataFrame:
    """The rows of `table` whose columns equal the given values (`rows_where(t, sex="all")`).
    Pure; pages pass it to app.glue.cache.call so the filter runs once per table version."""
    mask = pd.Series(True, index=table.index)
    for column, value in equals.items():
        mask &= table[column] == value
    return table[mask]


def available_tables(directory: Path | None = None) -> list[str]:
    """Names of the tables the manifest lists (empty when there is no manifest)."""
    try:
        return sorted(load_manifest(directory)["tables"])
    except ManifestUnavailable:
        return []

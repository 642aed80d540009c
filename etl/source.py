"""Which sources exist, and what every source module declares: where its files come from and
what tables it yields.

A source module (etl/nida.py, etl/wonder.py, ...) defines `SOURCE: Source` and
`parse(folder: Path) -> ParseResult`. The build, the fetcher, the manifest and the app's methods
page all read the same `Source` record, so a URL or citation is written down once.
`SOURCE_MODULES` is the one list of those modules; it lives here, where every stage (build,
fetch, check, corrections) reads it without importing another stage.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from etl.tidy import TidySchema

# Order matters only for the progress display; every source is independent.
SOURCE_MODULES: tuple[str, ...] = (
    "nida", "wonder", "sudors", "ct_ocme", "dose", "vsrr", "nchs_state", "nchs_hus", "census",
    "allegheny",
)


class SourceFormatError(Exception):
    """A raw file is not in the shape its parser knows. The message is for a person."""

    def __init__(self, path: Path | str, problem: str, *, line: int | None = None,
                 column: str | None = None, expected: str | None = None,
                 found: str | None = None) -> None:
        where = [str(path)]
        if line is not None:
            where.append(f"line {line}")
        if column is not None:
            where.append(f"column {column!r}")
        message = f"{', '.join(where)}: {problem}"
        if expected is not None:
            message += f" (expected {expected}"
            message += f", found {found})" if found is not None else ")"
        elif found is not None:
            message += f" (found {found})"
        super().__init__(message)
        self.path, self.line, self.column = str(path), line, column


@dataclass(frozen=True)
class RawFile:
    """One file as its publisher ships it, and how to download it again."""

    name: str
    """Path relative to the source's raw folder (may contain spaces and sub-folders)."""
    url: str
    """Official download URL (or the API endpoint that serves the same content)."""
    sha256: str
    """Checksum of the vintage this project was built and tested on."""
    socrata_id: str | None = None
    """data.cdc.gov / data.ct.gov dataset id, when the file is a Socrata export."""
    ckan_resource_id: str | None = None
    """CKAN datastore resource id, when the file is a CKAN datastore dump (data.wprdc.org)."""


@dataclass(frozen=True)
class TableSpec:
    name: str
    title: str
    description: str
    schema: type[pa.DataFrameModel] = TidySchema


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    publisher: str
    landing_url: str
    raw_folder: str
    files: tuple[RawFile, ...]
    tables: tuple[TableSpec, ...]
    coverage: str
    definitions: tuple[str, ...]
    citation: str
    license: str = "Public domain (U.S. government work)"
    vintage: str = ""
    retrieved: str = "2026-11-23"
    """Date the shared raw snapshot was retrieved (PROVENANCE.md); a fetch records its own."""
    caveats: tuple[str, ...] = ()


@dataclass
class ParseResult:
    tables: dict[str, pd.DataFrame]
    rows_in: int
    """Data records read from the raw files (excluding headers, footers and total rows)."""
    warnings: list[str] = field(default_factory=list)

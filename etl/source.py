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
    "wonder_api", "allegheny",
)


class BuildError(Exception):
    """The build stopped; data/ was left as it was. The message names file and problem. (Here,
    beside the list of sources, so the build and the fetcher raise it without importing each
    other.)"""


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
    copy_note: str = ""
    """How the tested copy differs from the publisher's download (re-saved by a third party,
    converted to CSV, ...); recorded in the manifest while the file is that copy."""
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
    """The tested vintage in words (shown while every file read is the tested copy)."""
    retrieved: str = ""
    """Fallback retrieval date, used only when neither the folder's FETCHED.json nor its
    PROVENANCE.md records one (etl/currency.py reads those)."""
    caveats: tuple[str, ...] = ()
    released: str = ""
    """Publisher's release date of the tested vintage (YYYY[-MM[-DD]]), '' when unknown; a module
    with VINTAGES reads it from the file name instead."""
    released_from: str = ""
    """Where `released` comes from (file name, footer, workbook properties), or why unknown."""
    newer_data_url: str = ""
    """Where the publisher's newer data is found (default: landing_url)."""
    newer_data_note: str = ""
    """One line on what is newer there, when the landing page is not the whole story."""


@dataclass
class ParseResult:
    tables: dict[str, pd.DataFrame]
    rows_in: int
    """Data records read from the raw files (excluding headers, footers and total rows)."""
    warnings: list[str] = field(default_factory=list)

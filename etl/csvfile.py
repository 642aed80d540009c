"""Strict reading of the publishers' CSV exports (data.cdc.gov and similar), shared by the
source modules whose files are plain CSV with a header row.

Strict means: the file decodes as the stated encoding, the header names every column the parser
relies on (looked up by name, so reordered columns are fine), and every row has the header's
field count — which is how a file cut off in the middle of a row is noticed.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from etl.source import SourceFormatError


def read_rows(path: Path, columns: Sequence[str], *, encoding: str = "utf-8-sig",
              encoding_label: str = "UTF-8") -> list[tuple[int, dict[str, str]]]:
    """(line number, row as column -> text) for every data row of `path`."""
    raw = path.read_bytes()
    if not raw.strip():
        raise SourceFormatError(path, "file is empty", expected="a CSV header and data rows",
                                found=f"{len(raw)} bytes")
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as err:
        line = raw[:err.start].count(b"\n") + 1
        raise SourceFormatError(path, f"file is not {encoding_label} text", line=line,
                                expected=encoding_label,
                                found=f"byte 0x{raw[err.start]:02x} at offset {err.start}") from err
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    missing = [c for c in columns if c not in header]
    if missing:
        raise SourceFormatError(path, "header lacks a column the parser needs", line=1,
                                column=missing[0], expected=", ".join(columns),
                                found=", ".join(header))
    rows = []
    for fields in reader:
        if not fields:
            continue
        if len(fields) != len(header):
            raise SourceFormatError(path, "row has the wrong number of fields (truncated file?)",
                                    line=reader.line_num, expected=str(len(header)),
                                    found=str(len(fields)))
        rows.append((reader.line_num, dict(zip(header, fields))))
    if not rows:
        raise SourceFormatError(path, "no data rows after the header", line=1)
    return rows

"""What the per-source parser tests share: parse a quirk fixture or the real file the way the build
does, pick the one row a check value names, and write a damaged copy of a good fixture (cut short,
renamed, re-encoded, emptied), so each test file states only its source's damage and the error a
person should see.

`source` below is an etl/ module with `RAW_NAME`, `TABLE`, `SOURCE`, `parse()` and `checks()`
(nchs_hus, nchs_state, vsrr)."""
from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

from etl.source import SourceFormatError
from etl.tidy import validate_tidy

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

Edit = Callable[[str], bytes]
"""A change to a good fixture's text, returning the bytes the damaged raw file holds."""


def one(table: pd.DataFrame, **where: object) -> pd.Series:
    """The single row matching every column=value: a check value must name exactly one row."""
    rows = table
    for column, value in where.items():
        rows = rows[rows[column] == value]
    assert len(rows) == 1, f"expected one row for {where}, found {len(rows)}"
    return rows.iloc[0]


def parse_fixture(source: ModuleType, fixture: Path, tmp_path: Path) -> pd.DataFrame:
    """Parse a fixture under the publisher's file name, then validate it as the build would."""
    shutil.copy(fixture, tmp_path / source.RAW_NAME)
    return validate_tidy(source.parse(tmp_path).tables[source.TABLE])


def parse_real(source: ModuleType, raw_dir: Path, *, rows_in: int) -> pd.DataFrame:
    """The real file parsed and validated; rows_in pins the tested vintage of the download."""
    result = source.parse(raw_dir / source.SOURCE.raw_folder)
    assert result.rows_in == rows_in
    return validate_tidy(result.tables[source.TABLE])


def write_edited(fixture: Path, raw_file: Path, edit: Edit) -> Path:
    """An edited copy of a good fixture (BOM dropped, line endings kept); returns the raw folder."""
    text = fixture.read_bytes().decode("utf-8-sig")
    raw_file.write_bytes(edit(text))
    return raw_file.parent


def refusal(parse: Callable[[Path], object], folder: Path) -> str:
    """The SourceFormatError a damaged folder must raise, as the text a person would read."""
    with pytest.raises(SourceFormatError) as err:
        parse(folder)
    return str(err.value)


def cut_before(marker: str) -> Edit:
    """The file as a download that stopped just before `marker`, mid-row."""
    return lambda text: text[: text.index(marker)].encode()


def replaced(old: str, new: str, count: int = -1, encoding: str = "utf-8") -> Edit:
    """The file with `old` changed to `new` (a renamed column, a bad value, an unknown label)."""
    return lambda text: text.replace(old, new, count).encode(encoding)


def encoded(codec: str) -> Edit:
    """The same text saved in another encoding (UTF-16, cp1252), as a spreadsheet re-save does."""
    return lambda text: text.encode(codec)


def emptied(content: bytes = b"") -> Edit:
    """A download that delivered nothing (or only `content`, such as a lone newline)."""
    return lambda text: content


def checks_after_cut(source: ModuleType, raw_dir: Path, tmp_path: Path, keep: int,
                     newline: bytes = b"\n") -> list[str]:
    """Checks on the real file cut at a line boundary: it parses, so only checks can catch it."""
    lines = (raw_dir / source.SOURCE.raw_folder / source.RAW_NAME).read_bytes().split(newline)
    (tmp_path / source.RAW_NAME).write_bytes(newline.join(lines[:keep]) + newline)
    return source.checks(source.parse(tmp_path).tables)

"""app/data/tables.py: a listed table is read once per file version; a missing, unlisted or
damaged table, a missing manifest or columns other than the manifest's raise TableUnavailable
naming the table and what to do."""
from __future__ import annotations


import pytest

from app.data import tables
from tests.app.data.samples import small_table


def test_load_table_reads_listed_table(data_folder):
    frame = tables.load_table("nida_national", data_folder)
    assert list(frame["value"]) == [9711.0, 12290.0, 12499.0]
    assert tables.available_tables(data_folder) == ["nida_national"]


def test_missing_file_names_table_and_file(data_folder):
    (data_folder / "nida_national.parquet").unlink()
    with pytest.raises(tables.TableUnavailable) as err:
        tables.load_table("nida_national", data_folder)
    message = str(err.value)
    assert "'nida_national'" in message and "nida_national.parquet" in message
    assert "is missing" in message and "python -m etl build" in message
    assert err.value.name == "nida_national"


def test_table_not_in_manifest(data_folder):
    with pytest.raises(tables.TableUnavailable, match="'wonder_mcd'.*not listed in manifest.json"
                       ".*nida_national"):
        tables.load_table("wonder_mcd", data_folder)


def test_no_manifest(tmp_path):
    with pytest.raises(tables.TableUnavailable, match="'nida_national'.*manifest"):
        tables.load_table("nida_national", tmp_path)
    with pytest.raises(tables.ManifestUnavailable, match="is missing"):
        tables.load_manifest(tmp_path)
    assert tables.available_tables(tmp_path) == []


def test_unreadable_file(data_folder):
    (data_folder / "nida_national.parquet").write_bytes(b"not a parquet file")
    with pytest.raises(tables.TableUnavailable, match="'nida_national'.*cannot be read"):
        tables.load_table("nida_national", data_folder)


def test_columns_differ_from_manifest(data_folder):
    small_table().drop(columns=["note"]).to_parquet(data_folder / "nida_national.parquet")
    with pytest.raises(tables.TableUnavailable, match="has columns"):
        tables.load_table("nida_national", data_folder)


def test_rebuilt_file_is_reread(data_folder):
    first = tables.load_table("nida_national", data_folder)
    changed = small_table().assign(value=[1.0, 2.0, 3.0])
    changed.to_parquet(data_folder / "nida_national.parquet", index=False)
    import os
    stat = (data_folder / "nida_national.parquet").stat()
    os.utime(data_folder / "nida_national.parquet", ns=(stat.st_atime_ns,
                                                        stat.st_mtime_ns + 10**9))
    assert list(tables.load_table("nida_national", data_folder)["value"]) == [1.0, 2.0, 3.0]
    assert list(first["value"]) == [9711.0, 12290.0, 12499.0]


def test_data_dir_env_override(data_folder, monkeypatch):
    monkeypatch.setenv("BENZO_DATA_DIR", str(data_folder))
    assert tables.data_dir() == data_folder
    assert len(tables.load_table("nida_national")) == 3

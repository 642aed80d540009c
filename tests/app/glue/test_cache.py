"""app.glue.cache and the frame keys it uses (app.data.tables.table_token / frame_token): a cached
builder gives the same figure as calling it, runs once per distinct input, hands every caller
its own figure, and a changed input or a rebuilt table file is a new key."""
from __future__ import annotations

import json
import shutil

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from app.charts import lines
from app.data import content, tables
from app.glue import cache

CALLS: list[str] = []


def counting_builder(df: pd.DataFrame, *, title: str) -> go.Figure:
    """A module-level builder that records each real run."""
    CALLS.append(title)
    return go.Figure(go.Scatter(x=df["year"].tolist(), y=df["value"].tolist()),
                     layout=dict(title=title))


def counting_rows(table: pd.DataFrame, group: str) -> pd.DataFrame:
    CALLS.append(group)
    return table[table["drug_group"] == group]


@pytest.fixture(autouse=True)
def fresh_caches():
    cache.clear()
    CALLS.clear()
    yield
    cache.clear()


def small_frame(**overrides: object) -> pd.DataFrame:
    frame = pd.DataFrame({"year": [2019, 2020, 2021], "value": [1.0, 2.0, 3.0]})
    return frame.assign(**overrides)


def benzo_deaths() -> pd.DataFrame:
    nida = tables.load_table("nida_national")
    return nida[(nida["drug_group"] == "benzodiazepines") & (nida["measure"] == "deaths")
                & (nida["sex"] == "all") & (nida["age_group"] == "all")
                & (nida["race_ethnicity"] == "all")]


def test_cached_figure_equals_the_builders_own_figure():
    rows = benzo_deaths()
    events = content.chart_events(1999, 2021)
    direct = lines.time_series(rows, events=events, title="Benzodiazepine deaths")
    cached = cache.figure(lines.time_series, rows, events=events, title="Benzodiazepine deaths")
    assert isinstance(cached, go.Figure)
    assert json.loads(pio.to_json(cached, validate=False)) == json.loads(
        pio.to_json(direct, validate=False))


def test_cached_figure_holds_values_not_encoded_arrays():
    """to_dict() encodes numbers as {"dtype", "bdata"}; the cached figure must hold the values,
    like the builder's, so code that reads trace values (slide export, room for labels) works."""
    rows = benzo_deaths()
    cached = cache.figure(lines.time_series, rows, events=[])
    again = cache.figure(lines.time_series, rows, events=[])
    direct = lines.time_series(rows, events=[])
    for fig in (cached, again):
        assert not isinstance(fig.data[0].y, dict)
        assert list(fig.data[0].y) == list(direct.data[0].y)


def test_builder_runs_once_per_distinct_input():
    cache.figure(counting_builder, small_frame(), title="a")
    cache.figure(counting_builder, small_frame(), title="a")  # equal frame, new object
    assert CALLS == ["a"]
    cache.figure(counting_builder, small_frame(), title="b")
    cache.figure(counting_builder, small_frame(value=[1.0, 2.0, 4.0]), title="a")
    assert CALLS == ["a", "b", "a"]


def test_each_caller_gets_its_own_figure():
    first = cache.figure(counting_builder, small_frame(), title="a")
    first.add_shape(type="rect", x0=2019, x1=2020, y0=0, y1=1)
    first.update_layout(title_text="changed")
    second = cache.figure(counting_builder, small_frame(), title="a")
    assert second.layout.title.text == "a"
    assert len(second.layout.shapes) == 0


def test_call_caches_results_and_returns_copies():
    nida = tables.load_table("nida_national")
    first = cache.call(counting_rows, nida, "benzodiazepines")
    second = cache.call(counting_rows, nida, "benzodiazepines")
    assert CALLS == ["benzodiazepines"]
    pd.testing.assert_frame_equal(first, second)
    assert first is not second


def test_only_module_level_functions_are_cached():
    with pytest.raises(TypeError, match="module-level"):
        cache.call(lambda: 1)


def test_a_loaded_table_is_keyed_by_its_file_version_not_its_rows():
    nida = tables.load_table("nida_national")
    token = tables.table_token(nida)
    assert token is not None and token.startswith("table:") and "nida_national" in token
    assert tables.frame_token(nida) == token
    assert tables.table_token(nida.copy()) is None  # an equal copy is not the shared table


def test_frame_token_tells_frames_apart_by_values_columns_and_dtypes():
    base = small_frame()
    assert tables.frame_token(base) == tables.frame_token(small_frame())
    assert tables.frame_token(base) != tables.frame_token(small_frame(value=[1.0, 2.0, 9.0]))
    assert tables.frame_token(base) != tables.frame_token(base.rename(columns={"value": "rate"}))
    assert tables.frame_token(base) != tables.frame_token(base.astype({"value": "float32"}))


def extension_frame() -> pd.DataFrame:
    return pd.DataFrame({"month": pd.array([1, None, 3], dtype="Int64"),
                         "drug_group": pd.array(["a", "b", None], dtype="str"),
                         "value": [1.0, 2.0, 3.0]})


def forget_dtype_caches(frame: pd.DataFrame) -> None:
    """Put the frame's shared dtype objects back in the state of a fresh server process: pandas
    fills each dtype's property cache as code reads it (and pickles that cache along)."""
    for dtype in frame.dtypes:
        getattr(dtype, "_cache", {}).clear()


def read_dtype_properties(frame: pd.DataFrame) -> None:
    for dtype in frame.dtypes:
        for name in ("numpy_dtype", "kind", "index_class", "itemsize", "type", "na_value"):
            getattr(dtype, name, None)


def test_frame_token_does_not_change_when_code_reads_shared_dtypes():
    """Found on the running server: the first session's rows keyed their figure differently from
    every later session's, so each view was built twice (pickled dtype caches)."""
    frame = extension_frame()
    forget_dtype_caches(frame)
    before = tables.frame_token(frame)
    read_dtype_properties(frame)
    assert tables.frame_token(frame) == before
    assert tables.frame_token(frame) != tables.frame_token(frame.astype({"month": "Int32"}))
    assert tables.frame_token(frame) != tables.frame_token(
        frame.astype({"drug_group": pd.StringDtype("python")}))


def test_a_rebuilt_table_file_is_a_new_key(tmp_path, monkeypatch):
    for item in tables.data_dir().iterdir():
        if item.is_file():
            shutil.copy2(item, tmp_path / item.name)
    monkeypatch.setenv("BENZO_DATA_DIR", str(tmp_path))
    before = tables.load_table("nida_national")
    first = cache.call(counting_rows, before, "benzodiazepines")
    path = tmp_path / tables.table_info("nida_national")["file"]
    frame = pd.read_parquet(path)
    frame.loc[frame["drug_group"] == "benzodiazepines", "value"] += 1
    frame.to_parquet(path, index=False)
    after = tables.load_table("nida_national")
    assert tables.table_token(after) != tables.table_token(before)
    second = cache.call(counting_rows, after, "benzodiazepines")
    assert CALLS == ["benzodiazepines", "benzodiazepines"]
    pd.testing.assert_series_equal(second["value"], first["value"] + 1)


def test_rows_where_filters_on_equal_columns():
    nida = tables.load_table("nida_national")
    rows = tables.rows_where(nida, drug_group="benzodiazepines", sex="female")
    assert len(rows) > 0
    assert set(rows["drug_group"]) == {"benzodiazepines"} and set(rows["sex"]) == {"female"}
    expected = nida[(nida["drug_group"] == "benzodiazepines") & (nida["sex"] == "female")]
    pd.testing.assert_frame_equal(rows, expected)


def test_cache_is_bounded_least_recently_used_first(monkeypatch):
    monkeypatch.setattr(cache, "MAX_ENTRIES", 2)
    nida = tables.load_table("nida_national")
    cache.call(counting_rows, nida, "benzodiazepines")
    cache.call(counting_rows, nida, "cocaine")
    cache.call(counting_rows, nida, "benzodiazepines")  # hit: now the most recent
    cache.call(counting_rows, nida, "heroin")  # evicts cocaine
    assert len(cache._CACHE) == 2
    cache.call(counting_rows, nida, "benzodiazepines")
    cache.call(counting_rows, nida, "cocaine")
    assert CALLS == ["benzodiazepines", "cocaine", "heroin", "cocaine"]


def test_unhashable_arguments_are_keyed_by_value():
    frame = small_frame()
    cache.figure(counting_builder, frame, title="a")
    cache.figure(counting_builder, small_frame(), title="a")
    assert cache._key({"a": [1, 2]}) == cache._key({"a": [1, 2]})
    assert cache._key({"a": [1, 2]}) != cache._key({"a": [1, 3]})
    assert cache._key(1) != cache._key(True) and cache._key(1) != cache._key(1.0)
    assert CALLS == ["a"]


SLOW_STARTED: list[int] = []


def slow_square(n: int) -> int:
    """Takes long enough that the other callers arrive while it computes."""
    import time
    SLOW_STARTED.append(n)
    time.sleep(0.3)
    return n * n


def failing_once(n: int) -> int:
    SLOW_STARTED.append(n)
    if len(SLOW_STARTED) == 1:
        raise RuntimeError("first try fails")
    return n


def test_callers_missing_the_same_key_at_once_compute_it_once():
    import threading
    SLOW_STARTED.clear()
    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(cache.call(slow_square, 7)))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert results == [49] * 4
    assert SLOW_STARTED == [7], "one computation; the other three waited for its result"
    assert not cache._COMPUTING, "no lock is left behind"
    SLOW_STARTED.clear()
    assert [cache.call(slow_square, n) for n in (2, 3)] == [4, 9] and SLOW_STARTED == [2, 3]


def test_a_computation_that_raises_leaves_no_lock_and_the_next_caller_computes():
    SLOW_STARTED.clear()
    with pytest.raises(RuntimeError, match="first try fails"):
        cache.call(failing_once, 5)
    assert not cache._COMPUTING
    assert cache.call(failing_once, 5) == 5 and SLOW_STARTED == [5, 5]

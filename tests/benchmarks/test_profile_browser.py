"""benchmarks/profile_browser.py: the trace reader that splits the browser's main-thread time before
the first chart into Plotly, React (Streamlit elements) and idle, on a small hand-made Chrome
trace with the same event shapes Chromium writes."""
from __future__ import annotations

import pytest

from benchmarks.profile_browser import breakdown

PID, MAIN, OTHER = 7, 1, 2
NAV = 1_000_000  # µs; navigation start


def frame(node_id: int, url: str, parent: int | None = None, function: str = "") -> dict:
    node = {"id": node_id, "callFrame": {"url": url, "functionName": function}}
    if parent is not None:
        node["parent"] = parent
    return node


def trace() -> list[dict]:
    """Main thread: two tasks (30 ms + 20 ms) before a first chart at 100 ms, one after it; a
    second renderer thread whose task must not count. CPU samples of 10 ms each: plotly.js called
    from react-dom (Plotly), react-dom alone (React), a markdown chunk under react-dom (React),
    idle, and one sample after the first chart."""
    nodes = [frame(1, "", function="(root)"),
             frame(2, "http://h/static/js/react-dom.Dz.js", 1),
             frame(3, "http://h/static/js/PlotlyChart.D9.js", 2),
             frame(4, "http://h/static/js/StreamlitMarkdown.oO.js", 2),
             frame(5, "", 1, "(idle)")]
    samples = [3, 3, 2, 4, 5, 5, 5, 3]
    deltas = [10_000] * 7 + [60_000]  # the last sample lands at 130 ms, after the first chart
    return [
        {"name": "thread_name", "ph": "M", "pid": PID, "tid": MAIN,
         "args": {"name": "CrRendererMain"}},
        {"name": "thread_name", "ph": "M", "pid": PID, "tid": OTHER,
         "args": {"name": "CrRendererMain"}},
        {"name": "navigationStart", "ph": "R", "pid": PID, "tid": MAIN, "ts": NAV},
        {"name": "RunTask", "ph": "X", "pid": PID, "tid": MAIN, "ts": NAV + 5_000, "dur": 30_000},
        {"name": "RunTask", "ph": "X", "pid": PID, "tid": MAIN, "ts": NAV + 50_000,
         "dur": 20_000},
        {"name": "RunTask", "ph": "X", "pid": PID, "tid": MAIN, "ts": NAV + 150_000,
         "dur": 40_000},
        {"name": "RunTask", "ph": "X", "pid": PID, "tid": OTHER, "ts": NAV + 5_000,
         "dur": 50_000},
        {"name": "Profile", "ph": "P", "pid": PID, "tid": MAIN, "id": "0x1", "ts": NAV,
         "args": {"data": {"startTime": NAV}}},
        {"name": "ProfileChunk", "ph": "P", "pid": PID, "tid": MAIN, "id": "0x1", "ts": NAV,
         "args": {"data": {"cpuProfile": {"nodes": nodes, "samples": samples[:4]},
                           "timeDeltas": deltas[:4]}}},
        {"name": "ProfileChunk", "ph": "P", "pid": PID, "tid": MAIN, "id": "0x1", "ts": NAV,
         "args": {"data": {"cpuProfile": {"samples": samples[4:]}, "timeDeltas": deltas[4:]}}},
    ]


def test_main_thread_time_before_the_first_chart_is_split_by_what_ran():
    result = breakdown(trace(), first_chart_ms=100.0)
    assert result["first_chart"] == 100.0
    assert result["busy"] == pytest.approx(50.0), "two main-thread tasks before the chart"
    assert result["plotly"] == pytest.approx(20.0), "plotly.js on the stack, even under React"
    assert result["react"] == pytest.approx(20.0), "react-dom without plotly.js"
    assert result["idle"] == pytest.approx(30.0)


def test_samples_continue_across_profile_chunks():
    """The second chunk's samples start where the first chunk's clock stopped, so the last
    sample (at 130 ms) falls after a first chart at 100 ms, and a first chart at 140 ms takes it
    in. A sample counts for the time since the one before (60 ms here; about 0.1 ms in a real
    trace)."""
    assert breakdown(trace(), first_chart_ms=140.0)["plotly"] == pytest.approx(80.0)

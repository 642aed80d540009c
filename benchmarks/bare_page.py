"""Reference page for the benchmarks: a bare Streamlit page with one Plotly line chart.

bench_browser.py loads it beside every dashboard page (same machine, same run) so page timings are
reported as a ratio to "the least a Streamlit + Plotly page costs"; bench_pages.py runs it too, to
show the AppTest harness floor. bare_page_at_path.py serves the same page at /chart, the URL shape
of every dashboard page but the first.

Run by hand: python -m streamlit run benchmarks/bare_page.py
"""
from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

YEARS = list(range(1999, 2022))
VALUES = [1000 + 400 * i for i in range(len(YEARS))]  # a plain rising line, 23 points


def draw() -> None:
    """The whole page: a title and one chart."""
    st.title("Bare page")
    fig = go.Figure(go.Scatter(x=YEARS, y=VALUES, mode="lines+markers", name="Series"))
    fig.update_layout(xaxis_title="Year", yaxis_title="Value")
    st.plotly_chart(fig, width="stretch")


if __name__ == "__main__":  # `streamlit run` and AppTest run a script as __main__
    draw()

"""The bare reference page (bare_page.py) opened at a path, /chart, as dashboard pages are
(/states, /who, ...); "/" shows a one-line home page.

Why a second reference: a link to a page below "/" costs Streamlit's frontend one extra round of
its connection check before anything is drawn. The frontend first asks /chart/_stcore/health,
gets a 404, backs off, then asks /_stcore/health (frontend `getPossibleBaseUris`; on this machine
about 0.15 s). No app code can change that, so bench_browser.py compares each page with the
reference opened at the same URL depth and reports the ratio to the root page beside it.

Run by hand: python -m streamlit run benchmarks/bare_page_at_path.py, then open /chart
"""
from __future__ import annotations

import streamlit as st

from bare_page import draw  # streamlit run puts this script's folder on sys.path

st.navigation([st.Page(lambda: st.write("Bare reference: open /chart."), title="Home",
                       url_path="home", default=True),
               st.Page(draw, title="Bare page", url_path="chart")],
              position="hidden").run()

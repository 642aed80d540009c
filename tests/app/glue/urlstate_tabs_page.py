"""A page with lazy link-bound tabs (app.glue.urlstate.tabs) and a control inside the second tab,
for tests/app/glue/test_urlstate.py. Each tab prints one line only while it is open."""
from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # as urlstate_demo_page.py

from app.glue import urlstate

tabs = urlstate.tabs({"deaths": "Deaths", "visits": "Nonfatal visits"}, key="section")
with tabs["deaths"]:
    if tabs["deaths"].open:
        st.text("drawn: deaths")
with tabs["visits"]:
    if tabs["visits"].open:
        year = urlstate.year_slider("Year", range(2018, 2024), 2023, key="year")
        st.text(f"drawn: visits {year}")
urlstate.show_notices()

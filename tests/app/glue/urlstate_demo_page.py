"""A page with one control of each kind from app/glue/urlstate.py, for
tests/app/glue/test_urlstate.py and tests/browser/test_urlstate_browser.py. It prints the values
it got, one line each."""
from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

# `streamlit run` puts only this folder on the path: add the project root.
sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from app.glue import urlstate

STATES = ["CT", "MA", "NY"]
DRUGS = ["benzodiazepines", "any_opioid", "synthetic_opioids"]
YEARS = range(1999, 2024)

state = urlstate.select("State", STATES, "CT", key="state")
measure = urlstate.select("Measure", ["count", "rate"], "rate", key="measure", widget="radio",
                          format_func={"count": "Deaths", "rate": "Rate per 100,000"}.get,
                          horizontal=True)
sex = urlstate.select("Sex", ["all", "female", "male"], "all", key="sex", widget="segmented")
drugs = urlstate.multiselect("Drugs", DRUGS, ["benzodiazepines"], key="drugs")
year = urlstate.year_slider("Year", YEARS, 2023, key="year")
years = urlstate.year_slider("Years", YEARS, (1999, 2023), key="years")
log_scale = urlstate.toggle("Log scale", False, key="scale")
urlstate.show_notices()
urlstate.copy_link_control()

st.text(f"state={state} measure={measure} sex={sex} drugs={','.join(drugs)} year={year} "
        f"years={years[0]}-{years[1]} scale={log_scale}")

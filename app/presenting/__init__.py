"""Presenting in a room: the curated slides of content/slides.md (`deck`), each slide's chart built
from the processed tables with the chart builders and its key number (`slide_charts`), sized
for a projector (`screen`), and the rooms that keep a speaker view and students' screens on the
presenter's slide (`rooms`).

Pure functions (no Streamlit): text or tidy tables in, `Slide`, `SlideChart`, figures out; tested
in tests/app/presenting. The glue loads the tables and caches the results (app.glue.slides); the
page (pages/present.py) lays them out.

May import: pandas, plotly, app.charts, app.data, app.views, app.export and this package
(tests/test_architecture.py).
"""

"""The dashboard's importable code, by role (each subpackage's docstring says what it may import;
tests/test_architecture.py holds them to it):

- `app.data`: read access to the processed tables, their manifest and the content files;
- `app.charts`: pure chart builders by kind, the one theme and the offline base map;
- `app.views`: pure computations pages make from the tables (numbers, rows, text);
- `app.presenting`: the presenter's slides, their charts and their projector sizing;
- `app.export`: slide images (PNG, SVG) and PDF handouts;
- `app.glue`: the Streamlit glue (chart blocks, URL-bound controls, the one cache, navigation),
  the only part of app/ that imports Streamlit.
"""

"""Read access to the project's own files: the processed tables and their manifest in data/
(`tables`), what the manifest says of each source (`provenance`) and how current its data are
(`currency`), and the explanatory text in content/ (`content`).

Plain Python, no Streamlit: the pages, the static renderer and the tests read the same files the
same way. Each file is read once per process and file version (its path, size and modification
time), which is what lets a loaded table be named cheaply (`tables.table_token`) by the glue's
one cache of computed results (app.glue.cache); nothing computed from the data is cached here.

May import: pandas, pyarrow, etl.registry, etl.currency and this package
(tests/test_architecture.py).
"""

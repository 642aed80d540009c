"""What pages compute from the tables before they draw: headline numbers (`metrics`, `stats`),
the rows of the comparison, state and Connecticut views (`comparisons`, `states`,
`connecticut`), SUDORS and DOSE surveillance views (`nonfatal`), the benzodiazepines two
medical examiners name (`named`), the sources and methods in words (`methods`, `reproduce`,
`citations` for BibTeX and RIS) and the Data explorer's logic (`explorer`, `explorer_output`).

Pure functions (no Streamlit, no caches of their own): tidy frames, the manifest or text in;
frames, numbers or text out, ready for the chart builders. Unit-tested in tests/app/views.

May import: pandas, numpy, scipy, etl.registry, etl.tidy, etl.ct_ocme, app.charts, app.data and
this package (tests/test_architecture.py).
"""

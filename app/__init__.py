"""The dashboard's importable code: data access (data), pure chart builders (charts), the one theme
(theme), the offline map (geo) and the Streamlit glue pages share (ui)."""

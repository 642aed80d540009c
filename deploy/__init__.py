"""Serving many readers: several Streamlit processes behind HAProxy with sticky sessions
(`python -m deploy serve`). See the README's "Serving many readers"."""

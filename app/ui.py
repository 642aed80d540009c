"""Streamlit glue every page uses: draw a chart with its caption, summary, data table and CSV;
stop a page whose table is missing; the help box; source captions.

Pages stay thin (STYLE.md point 5): they load through app.data, build figures with app.charts and
lay them out with these helpers. Nothing here passes data- or URL-derived text through
`unsafe_allow_html`: captions and tables are rendered as plain Markdown or dataframes.
"""
from __future__ import annotations

import re

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app import charts, data
from app.geo import plotly_config

HELP_MARKDOWN = """\
**If you or someone you know needs help**

- **Emergency or overdose happening now: call 911.** Stay with the person; if opioids may be
  involved, give naloxone (Narcan) if you have it.
- **Poison Help: 1-800-222-1222** — free, confidential, 24/7 expert advice on any medicine or drug.
- **988 Suicide & Crisis Lifeline: call or text 988** (24/7).
- **SAMHSA National Helpline: 1-800-662-4357** (1-800-662-HELP) — free, confidential treatment
  referral and information, 24/7, English and Spanish.
- **FindTreatment.gov** — find state-licensed treatment for substance use near you.

Do not stop taking a benzodiazepine suddenly: withdrawal can be dangerous. Talk to a prescriber
about a gradual, supervised taper.
"""


def _safe_filename(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_") or "data"


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8")


def chart_block(fig: go.Figure, plotted_df: pd.DataFrame, caption: str, key: str, *,
                summary: str | None = None, summary_kwargs: dict | None = None) -> None:
    """Draw one chart the standard way: the figure (offline map config), its caption (source and
    definition), a one-sentence summary for screen readers, and a "Show data" expander with
    exactly the plotted rows and a CSV download of the same rows.

    `plotted_df`: the rows given to the chart builder (or a builder's `*_data` output for derived
    charts); `key`: unique per page, used for widget keys and the CSV file name. `summary`:
    overrides `charts.chart_summary(plotted_df, **summary_kwargs)`.
    """
    sentence = summary if summary is not None else charts.chart_summary(
        plotted_df, **(summary_kwargs or {}))
    st.plotly_chart(fig, width="stretch", config=plotly_config(), key=f"chart_{key}",
                    theme="streamlit", alt=sentence)
    if caption:
        st.caption(caption)
    st.markdown(sentence)
    table = charts.display_table(plotted_df)
    with st.expander("Show data"):
        st.dataframe(table, hide_index=True, width="stretch", key=f"table_{key}")
        st.download_button("Download these data (CSV)", data=_csv_bytes(table),
                           file_name=f"{_safe_filename(key)}.csv", mime="text/csv",
                           key=f"csv_{key}", on_click="ignore")


def require_table(name: str) -> pd.DataFrame:
    """The table, or a clear error naming it and a stop of this page only (others keep working)."""
    try:
        return data.load_table(name)
    except data.TableUnavailable as err:
        st.error(str(err), icon=":material/error:")
        st.stop()
        raise  # st.stop() raises; this keeps type checkers and non-Streamlit callers honest


def source_caption(source_id: str, definition_id: str | None = None) -> None:
    """A caption line naming the source (publisher, title, vintage) and the case definition."""
    st.caption(data.source_caption_text(source_id, definition_id))


def definition_note(definition_id: str) -> None:
    """The full case-definition sentence from the registry, as a small caption."""
    st.caption(f"{data.definition_label(definition_id)}: {data.definition_text(definition_id)}")


def get_help_box() -> None:
    """The help lines (911, Poison Help, 988, SAMHSA Helpline, FindTreatment.gov) as plain
    Markdown in an info box."""
    st.info(HELP_MARKDOWN, icon=":material/support:")

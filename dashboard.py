"""Entry point: `streamlit run dashboard.py`. The one list of pages, in order, lives here."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from app.glue import embed, layout, navigation, static_site, urlstate, warmup

# A local file: a Material icon name as page icon would be fetched from a font CDN.
FAVICON = Path(__file__).resolve().parent / "static" / "favicon.png"

st.set_page_config(
    page_title="Benzodiazepine overdose deaths in the U.S.",
    page_icon=str(FAVICON),
    layout="wide",
)

PAGES = [
    st.Page("pages/overview.py", title="Overview", icon=":material/home:", url_path="overview",
            default=True),
    st.Page("pages/opioids.py", title="Benzodiazepines and opioids", icon=":material/join:",
            url_path="opioids"),
    st.Page("pages/compare.py", title="Compared with other drugs", icon=":material/compare_arrows:",
            url_path="compare"),
    st.Page("pages/states.py", title="States", icon=":material/map:", url_path="states"),
    st.Page("pages/who.py", title="Who is affected", icon=":material/groups:", url_path="who"),
    st.Page("pages/illicit.py", title="Illegal benzodiazepines", icon=":material/science:",
            url_path="illicit"),
    st.Page("pages/nonfatal.py", title="Nonfatal overdoses", icon=":material/emergency:",
            url_path="nonfatal"),
    st.Page("pages/benzodiazepines.py", title="Which benzodiazepines", icon=":material/pill:",
            url_path="benzodiazepines"),
    st.Page("pages/about.py", title="About benzodiazepines", icon=":material/medication:",
            url_path="about"),
    st.Page("pages/explorer.py", title="Data explorer", icon=":material/table_chart:",
            url_path="explorer"),
    st.Page("pages/present.py", title="Presenter mode", icon=":material/slideshow:",
            url_path="present"),
    st.Page("pages/methods.py", title="Data and methods", icon=":material/description:",
            url_path="methods"),
]

# (No bare strings in this file: Streamlit's "magic" would draw them on every page.)
# The url_path given to the default page above, which Streamlit itself serves only at "/".
DEFAULT_URL_PATH = "overview"
# Pages without the sidebar: no menu, and nothing else in the sidebar, so Streamlit draws none
# (however it was left on another page). The presenter fills the projector and links back to
# the overview itself.
FULL_SCREEN = {"present"}


def menu_position(url_path: str | None) -> str:
    return "hidden" if url_path in FULL_SCREEN else "sidebar"


# Once per server process, in the background: rebuild static/site/ when the data or code changed.
static_site.refresh_in_background()
navigation.open_default_page_by_name(DEFAULT_URL_PATH)
position = menu_position(navigation.requested_url_path(PAGES))
page = st.navigation(PAGES, position=position)
if menu_position(page.url_path) != position:  # the request was read wrongly: correct the menu
    page = st.navigation(PAGES, position=menu_position(page.url_path))
navigation.rerun_after_reconnect()
layout.house_style()
urlstate.start_run()
# The first run of a process warms the other pages in the background (app/glue/warmup.py).
warmup.start_once(page.url_path)
page.run()
embed.report_missing()  # an embed link (?embed_chart=key) naming a chart this view lacks

""""Embed this chart": an `<iframe>` snippet for course pages and reports, and the view an embed
link opens (that chart alone, with its title, caption and source line).

Where the snippet points:
- the chart's static page (app.export.static_pages, built by app.glue.static_site) when the view
  on screen is the one that page was made from: same figure and caption, checked by their digest
  against the site's site.json, so a stale or missing static page is never offered;
- otherwise this view of the app, `<page>?<view's query>&embed=true&embed_chart=<key>`:
  Streamlit's embed mode (no menu, no toolbar) with the page's own link settings, and
  `embed_chart` telling chart_block to draw only that chart (`draw_embedded`).

In an embed view the page script runs as usual (its controls decide the chart), but chart_block
draws nothing for the other charts and one constant style rule hides the page's other elements.
No text from the link reaches HTML: the chart key is checked against a strict pattern and the
style names a fixed container key.
"""
from __future__ import annotations

import html
import json
import re
from urllib.parse import quote, urlsplit

import plotly.graph_objects as go
import streamlit as st

from app.charts.geo import plotly_config
from app.data import content
from app.export import static_pages
from app.glue import urlstate

EMBED_CHART = "embed_chart"
"""Query key naming the one chart an embed link shows (reserved in app.glue.urlstate)."""
CONTAINER = "embedded_chart"
"""Key of the container the embedded chart is drawn in (Streamlit adds class st-key-<key>)."""
TEXT = "static_site"
"""content/static_site.md: the sentences under the snippet."""
_CHART_KEY = re.compile(r"[A-Za-z0-9_-]{1,100}")
_INSIDE = f".st-key-{CONTAINER}"
_DRAWN = "_embed_drawn"

# Everything in the main area but the embedded chart's container (and the blocks holding it) is
# hidden; tab bars too; the menu and header as well, in case the link lacks embed=true; and the
# page's top padding shrinks to a frame's. (Selectors: Streamlit 1.67's data-testid attributes.)
_ONLY_EMBEDDED = f"""<style>
[data-testid="stMain"] [data-testid="stElementContainer"]:not({_INSIDE} *),
[data-testid="stMain"] [data-testid="stLayoutWrapper"]:not(:has({_INSIDE})):not({_INSIDE} *),
[data-testid="stMain"] [data-testid="stTabs"] [role="tablist"],
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"]
{{display: none !important;}}
[data-testid="stMainBlockContainer"]
{{padding-top: 1rem !important; padding-bottom: 1rem !important;}}
</style>"""


def embedded_chart() -> str | None:
    """The chart key an embed link asks for (`?embed_chart=<key>`), or None (a normal view, or a
    value that is not a chart key)."""
    raw = st.query_params.get_all(EMBED_CHART)
    if len(raw) != 1 or not _CHART_KEY.fullmatch(raw[0]):
        return None
    return raw[0]


def draw_embedded(fig: go.Figure, caption: str, summary: str, key: str, title: str) -> None:
    """The chart of an embed link: its title (unless the figure draws its own), the figure (the
    summary sentence is its accessible name), its caption (source and definition) and a link to
    the full view; the rest of the page is hidden."""
    st.session_state[_DRAWN] = key
    st.html(_ONLY_EMBEDDED)
    with st.container(key=CONTAINER):
        if title and not (fig.layout.title.text or ""):
            st.subheader(title, anchor=False)
        st.plotly_chart(fig, width="stretch", config=plotly_config(), key=f"chart_{key}",
                        theme=None, alt=summary)
        if caption:
            st.caption(caption)
        full = urlstate.shareable_url()
        if full.startswith(("http://", "https://")):
            st.markdown(f"[Open this view in the dashboard]({full})")


def report_missing() -> None:
    """After the page ran: an embed link whose chart the view did not draw says so (instead of a
    blank frame). Called by dashboard.py."""
    wanted = embedded_chart()
    drawn = st.session_state.pop(_DRAWN, None)
    if wanted is None or drawn == wanted:
        return
    st.html(_ONLY_EMBEDDED)
    with st.container(key=CONTAINER):
        st.info(f"This view has no chart named `{wanted}`: open the dashboard page itself.",
                icon=":material/info:")


def app_root() -> str:
    """The app's root URL as the reader's browser sees it ("" outside a browser session)."""
    url = st.context.url
    if not url:
        return ""
    parts = urlsplit(url)
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return f"{parts.scheme}://{parts.netloc}/" + (f"{base}/" if base else "")


def embed_url(key: str) -> str:
    """This view with embed mode on and only chart `key` drawn."""
    url = urlstate.shareable_url()
    return f"{url}{'&' if '?' in url else '?'}embed=true&{EMBED_CHART}={quote(key)}"


def static_entry(key: str, digest: str) -> dict | None:
    """The static site's page of this exact view (chart key and figure digest), or None."""
    index = static_pages.read_site_index(static_pages.SITE_DIR) or {}
    return next((c for c in index.get("charts", [])
                 if c.get("key") == key and c.get("digest") == digest), None)


def snippet(url: str, title: str, height: int) -> str:
    """The `<iframe>` a course page pastes: full width, the chart's height, a title for screen
    readers."""
    return (f'<iframe src="{html.escape(url, quote=True)}" title="{html.escape(title, quote=True)}"'
            f' width="100%" height="{int(height)}" style="border:0" loading="lazy"></iframe>')


def embed_target(fig: go.Figure, caption: str, key: str) -> tuple[str, int, bool]:
    """(URL, iframe height, whether it is the static page) for this chart as shown now."""
    figure_json = static_pages.figure_json(fig)
    entry = static_entry(key, static_pages.view_digest(figure_json, caption))
    if entry is not None:
        return (app_root() + static_pages.SITE_URL + entry["path"],
                static_pages.iframe_height(int(entry["height"])), True)
    height = static_pages.figure_height(json.loads(figure_json))
    return embed_url(key), static_pages.iframe_height(height), False


def embed_box(fig: go.Figure, caption: str, key: str, title: str) -> None:
    """The snippet for this chart as shown now, and a sentence saying what it points at."""
    url, height, static = embed_target(fig, caption, key)
    st.code(snippet(url, title or key, height), language="html", wrap_lines=True)
    st.caption(content.section(TEXT, "embed_static" if static else "embed_view"))

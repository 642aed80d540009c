"""app/charts/geo.py: the offline US base map is shipped with every state, and the chart config
points plotly.js at it by a relative URL (never a CDN). That the map draws offline in a browser
is checked in tests/browser/test_map_offline.py."""
from __future__ import annotations

import json

from app.charts import geo
from etl.registry import STATES


def test_offline_base_map_shipped_with_states():
    path = geo.topojson_path()
    assert path.is_file() and path.name == "usa_110m.json"
    topo = json.loads(path.read_text())
    ids = {g["id"] for g in topo["objects"]["subunits"]["geometries"]}
    assert {s.abbr for s in STATES} <= ids
    config = geo.plotly_config()
    assert config["topojsonURL"].endswith("/")
    assert not config["topojsonURL"].startswith("http")

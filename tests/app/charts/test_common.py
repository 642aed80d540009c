"""app/charts/common.py: long chart titles wrap for a 1024-pixel projector with the menu open,
and the export re-wraps the plain title."""
from __future__ import annotations


import plotly.graph_objects as go

from app.charts import common


def test_a_long_title_is_wrapped_for_a_narrow_screen_and_a_short_one_is_kept():
    long = "NONFATAL benzodiazepine overdoses by age and sex, 2023 (not deaths)"
    lines = common.wrap_title(long).split("<br>")
    assert len(lines) == 2 and all(len(line) <= common.TITLE_WIDTH for line in lines)
    assert " ".join(lines) == long, "no word is lost or split"
    assert common.wrap_title("Deaths by sex") == "Deaths by sex"
    assert common.wrap_title(None) == ""
    from app.export import restyle
    figure = go.Figure(layout=dict(title=dict(text=common.wrap_title(long))))
    assert restyle.plain_text(figure.layout.title.text) == long, "exports re-wrap the plain title"

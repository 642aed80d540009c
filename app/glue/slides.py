"""The presenter's slide charts and handout from the loaded tables, once per data version through
the one cache, so a rerun (a click on "Next", the notes toggle) rebuilds nothing."""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from app.data import tables
from app.export.handout import HandoutSection
from app.glue import cache
from app.glue.headlines import headline_values_from
from app.presenting import deck, slide_charts
from app.presenting.deck import Slide
from app.presenting.slide_charts import SlideChart
from app.views import metrics


def _chart_inputs(chart_id: str) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """The tables a chart is drawn from and the placeholder values they give (TableUnavailable
    naming a missing table)."""
    loaded = {t: tables.load_table(t) for t in slide_charts.CHART_TABLES[chart_id]}
    value_tables = [t for t in slide_charts.CHART_TABLES[chart_id]
                    if t in metrics.HEADLINE_BUILDERS]
    return loaded, headline_values_from(*value_tables) if value_tables else {}


def slide_chart(chart_id: str, *, events: bool = True) -> SlideChart:
    """`slide_charts.build_chart` on the processed tables. Raises TableUnavailable naming a
    missing table. The result is a copy."""
    loaded, values = _chart_inputs(chart_id)
    return cache.call(slide_charts.build_chart, chart_id, loaded, values, events=events)


def handout_sections(slides: Sequence[Slide], *, events: bool = True) -> list[HandoutSection]:
    """Every slide as a handout section (chart, key number, source, speaker notes); a slide whose
    table is missing says so instead of failing the handout."""
    sections = []
    for slide in slides:
        try:
            values = (headline_values_from(*deck.headline_tables(slide))
                      if slide.placeholders else {})
            chart = slide_chart(slide.chart, events=events) if slide.has_chart else None
        except tables.TableUnavailable as err:
            sections.append(HandoutSection(title=f"{slide.number}. {slide.title}",
                                           summary=f"Not available: {err}"))
            continue
        sections.append(deck.handout_section(deck.filled(slide, values), chart))
    return sections

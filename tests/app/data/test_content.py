import re

import pytest

from app.data import content

PAGE_IDS = ["overview", "opioids", "compare", "states", "who", "illicit", "nonfatal", "named",
            "about", "methods", "explorer", "presenter"]


@pytest.mark.parametrize("page_id", PAGE_IDS)
def test_every_page_has_an_intro_without_typed_numbers(page_id):
    text = content.intro(page_id)
    assert len(text) > 40
    assert not re.search(r"\d{1,3},\d{3}|\d+(\.\d+)?\s?%", text), "numbers belong to the data"


def test_every_cited_source_id_is_in_the_reference_list():
    refs = content.sources()
    for path in content.CONTENT_DIR.glob("*.md"):
        for cited in re.findall(r"\[([a-z0-9][\w-]+)\]", content.read_markdown(path.stem)):
            assert cited in refs, f"{path.name} cites [{cited}] which sources.md does not list"


def test_events_have_sources_and_short_labels():
    events = content.load_events()
    assert len(events) >= 5
    for e in events:
        assert e.source_url.startswith("https://") and len(e.short_label) <= 22


def test_fill_refuses_a_missing_placeholder():
    with pytest.raises(content.ContentError, match="share"):
        content.fill("about {share}", {})
    assert content.fill("{a} deaths", {"a": "9,711"}) == "9,711 deaths"


def test_event_annotations_carry_their_source_on_hover():
    import pandas as pd

    from app.charts import lines
    from etl.tidy import tidy_frame
    rows = tidy_frame(pd.DataFrame({
        "source_id": "nida_workbook", "source_file": "f", "definition": "ucd_overdose",
        "measure": "deaths", "unit": "deaths", "drug_group": "benzodiazepines",
        "geo_level": "nation", "geo_fips": "00", "geo_name": "United States",
        "period_type": "year", "year": [2015, 2016, 2017], "value": [1.0, 2.0, 3.0]}))
    fig = lines.time_series(rows, events=content.chart_events(2015, 2017))
    hovers = [a.hovertext for a in fig.layout.annotations if a.hovertext]
    assert hovers and all("Source: https://" in h for h in hovers)

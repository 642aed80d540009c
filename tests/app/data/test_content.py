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


def test_events_keep_their_month_to_the_chart_and_a_monthly_chart_draws_it():
    import pandas as pd

    from app.charts import lines, theme
    from etl.tidy import tidy_frame
    fda = next(e for e in content.chart_events(2020, 2020) if e["label"] == "FDA benzo warning")
    assert (fda["year"], fda["month"]) == (2020, 9)
    months = pd.date_range("2019-01-01", "2021-12-01", freq="MS")
    rows = tidy_frame(pd.DataFrame({
        "source_id": "dose_sys", "source_file": "f", "definition": "nonfatal_ed_syndromic",
        "measure": "visit_rate", "unit": "visits per 10,000 ED visits",
        "drug_group": "benzodiazepines", "geo_level": "nation", "geo_fips": "99",
        "geo_name": "All", "period_type": "month", "year": months.year, "month": months.month,
        "value": 2.0}))
    fig = lines.time_series(rows, events=content.chart_events(2019, 2021))
    at = {a.text: pd.Timestamp(a.x) for a in fig.layout.annotations
          if a.name == theme.EVENT_LABEL}
    assert at["FDA benzo warning"] == pd.Timestamp("2020-09-01"), "its month, not January"
    assert at["Illicit benzos rise"] == pd.Timestamp("2020-01-01"), "a year only: its January"

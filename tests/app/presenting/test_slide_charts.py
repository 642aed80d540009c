"""app/presenting/slide_charts.py: every chart id built from the processed tables plots data
with a source caption, its key number equals the placeholder values and the files, events are
drawn only when asked, and an unknown chart or a missing table is an error."""
from __future__ import annotations


import plotly.graph_objects as go
import pytest

from app.presenting import slide_charts
from etl.registry import DEFINITIONS
from tests.app.presenting.samples import CHART_IDS, parquet


@pytest.mark.parametrize("chart_id", CHART_IDS)
def test_every_chart_plots_data_with_a_source_caption(built, chart_id):
    chart = built[chart_id]
    assert isinstance(chart.figure, go.Figure) and chart.figure.data
    assert not chart.plotted.empty
    assert "Source:" in chart.caption and "Definition:" in chart.caption
    assert chart.definition in DEFINITIONS
    assert chart.title and "<" not in chart.title
    assert chart.key_number.value and chart.key_number.label
    assert chart.summary and "No data" not in chart.summary


def test_key_numbers_are_the_placeholder_values(built, values):
    assert built["benzo_trend"].key_number.value == values["benzo_deaths_latest"]
    assert built["with_without_opioids"].key_number.value == values["share_with_opioids_latest"]
    assert built["synthetic_split"].key_number.value == values["share_with_synthetic_latest"]
    assert (built["opioid_share"].key_number.value
            == values["share_opioid_deaths_with_benzo_2019_value"])
    assert built["illicit_benzos"].key_number.value == values["illicit_benzo_deaths_latest"]
    assert built["nonfatal_ed"].key_number.value == values["nonfatal_benzo_ed_rate_latest"]
    assert values["state_highest_rate_name"] in built["state_map"].key_number.label


def test_key_numbers_equal_the_processed_files(built):
    nida = parquet("nida_national")
    benzo = nida[(nida["drug_group"] == "benzodiazepines") & (nida["measure"] == "deaths")
                 & (nida["sex"] == "all") & (nida["age_group"] == "all")
                 & (nida["race_ethnicity"] == "all")].set_index("year")["value"].dropna()
    year = int(benzo.index.max())
    assert built["benzo_trend"].key_number.value == f"{benzo[year]:,.0f}"
    assert str(year) in built["benzo_trend"].key_number.label

    wonder = parquet("wonder_mcd")
    rates = wonder[(wonder["drug_group"] == "benzodiazepines") & (wonder["measure"] == "crude_rate")
                   & (wonder["geo_level"] == "state") & (wonder["period_type"] == "year")
                   & (wonder["sex"] == "all") & (wonder["age_group"] == "all")]
    latest = rates[rates["year"] == rates["year"].max()]
    reliable = latest[latest["value"].notna() & ~latest["suppressed"] & ~latest["unreliable"]]
    top = reliable.loc[reliable["value"].idxmax()]
    key = built["state_map"].key_number
    assert key.value == f"{top['value']:.1f}" and top["geo_name"] in key.label

    ct = parquet("ct_ocme_deaths")
    assert built["ct_combinations"].key_number.value == f"{int(ct['benzodiazepine'].sum()):,}"


def test_the_trend_plots_every_year_of_the_national_series(built):
    chart = built["benzo_trend"]
    assert set(chart.plotted["drug_group"]) == {"benzodiazepines"}
    assert chart.plotted["year"].tolist() == sorted(chart.plotted["year"])
    assert chart.figure.layout.xaxis.tickformat == "d", "integer years"


def test_nonfatal_chart_says_not_deaths(built):
    assert "NONFATAL" in built["nonfatal_ed"].title and "not deaths" in built["nonfatal_ed"].title


@pytest.mark.parametrize("chart_id", sorted(slide_charts.TIME_CHARTS))
def test_events_are_drawn_only_when_asked(chart_tables, values, chart_id):
    def event_lines(fig: go.Figure) -> int:
        return sum(s.type == "line" and s.x0 == s.x1 for s in fig.layout.shapes)

    without = slide_charts.build_chart(chart_id, chart_tables, values, events=False)
    with_events = slide_charts.build_chart(chart_id, chart_tables, values, events=True)
    assert event_lines(without.figure) == 0
    assert event_lines(with_events.figure) > 0


def test_unknown_chart_or_missing_table_is_an_error(chart_tables, values):
    with pytest.raises(ValueError, match="no chart for 'pie'"):
        slide_charts.build_chart("pie", chart_tables, values)
    with pytest.raises(ValueError, match="nida_national"):
        slide_charts.build_chart("benzo_trend", {}, values)

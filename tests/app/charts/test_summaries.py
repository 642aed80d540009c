"""app/charts/summaries.py: the sentence under a chart names the latest period and value and
counts suppressed values; the data table has readable headers and exactly the plotted rows."""
from __future__ import annotations


from app.charts import summaries
from tests.app.charts.samples import national_deaths, state_rates, monthly_deaths


def test_chart_summary_mentions_latest_year_and_value():
    df = national_deaths()
    text = summaries.chart_summary(df[df["drug_group"] == "benzodiazepines"])
    latest = 1000 + 22 * 50
    assert "2021" in text and f"{latest:,}" in text and "provisional" in text
    assert "1999" in text


def test_chart_summary_counts_suppressed_and_states():
    text = summaries.chart_summary(state_rates())
    assert "In 2020" in text and "suppressed" in text and "not zero" in text
    monthly = summaries.chart_summary(monthly_deaths())
    assert "December 2021" in monthly


def test_display_table_readable_and_exact_rows():
    df = national_deaths()
    table = summaries.display_table(df)
    assert len(table) == len(df)
    assert "Drug group" in table.columns and "Unit" in table.columns
    assert "Benzodiazepines" in set(table["Drug group"])
    assert "Sex" not in table.columns  # all "all": left out

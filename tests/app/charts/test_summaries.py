"""app/charts/summaries.py: the sentences under a chart tell each series' course (peak and when,
the change since, the latest value and its flags), name every series drawn, say what is missing
and why, and state no number the data do not give; the data table has readable headers and
exactly the plotted rows."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from app.charts import summaries
from etl.tidy import EXCLUDED_NOTE, tidy_frame, validate_tidy
from tests.app.charts.samples import national_deaths, state_rates, monthly_deaths


def _series(values: dict[str, list[float]], start: int = 2015, **extra) -> pd.DataFrame:
    rows = [dict(drug_group=group, year=start + i, value=v, suppressed=bool(np.isnan(v)))
            for group, vs in values.items() for i, v in enumerate(vs)]
    frame = pd.DataFrame(rows)
    for column, value in extra.items():
        frame[column] = value
    return validate_tidy(tidy_frame(
        frame, source_id="nida", source_file="t.xlsx", definition="ucd_overdose",
        measure="deaths", unit="deaths", geo_level="nation", geo_fips="00",
        geo_name="United States", period_type="year"))


def _numbers_in(text: str) -> set[float]:
    return {float(n.replace(",", "")) for n in re.findall(r"\d[\d,]*(?:\.\d+)?", text)}


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


def test_a_peak_between_first_and_last_is_named_with_its_year_and_the_change_since():
    text = summaries.chart_summary(_series({"benzodiazepines": [100, 300, 400, 250]}))
    assert text == ("Benzodiazepines peaked at 400 deaths in 2017. The latest value, 250 in "
                    "2018, is 38% lower than the peak; in 2015 it was 100.")


def test_a_rise_to_a_new_high_and_a_fall_from_the_start_read_differently():
    rise = summaries.chart_summary(_series({"cocaine": [100, 150, 720]}))
    assert rise == ("Cocaine rose from 100 deaths in 2015 to 720 in 2017, the highest shown, "
                    "7.2 times the 2015 figure.")
    fall = summaries.chart_summary(_series({"cocaine": [400, 300, 100]}))
    assert fall == ("Cocaine was highest at the start, 400 deaths in 2015, and fell to 100 in "
                    "2017, 75% lower.")


def test_a_second_series_with_the_same_course_is_told_shorter_and_its_timing_compared():
    text = summaries.chart_summary(_series({"benzodiazepines": [1, 5, 9, 4],
                                            "cocaine": [2, 8, 3, 3]}))
    assert "Cocaine peaked earlier, in 2016, at 8 deaths; its latest value is 3 in 2018" in text
    assert text.count("peaked") == 2 and "also" not in text


def test_every_series_drawn_is_named_even_past_the_detailed_ones():
    groups = ["benzodiazepines", "rx_opioids", "synthetic_opioids",
              "cocaine", "psychostimulants"]
    frame = _series({g: [10.0 + i, 20.0 + i] for i, g in enumerate(groups)})
    text = summaries.chart_summary(frame)
    assert "Also drawn, with the latest value: " in text and "(22 deaths in 2016)" in text
    assert "more series" not in text
    from etl.registry import DRUG_GROUPS
    for group in groups:
        assert DRUG_GROUPS[group].label in text


def test_missing_values_are_explained_once_per_reason_and_shared_gaps_once():
    frame = _series({"benzodiazepines": [5, np.nan, np.nan, 7, 9], "cocaine": [1, 2, 3, 4, 5]})
    text = summaries.chart_summary(frame)
    assert ("For Benzodiazepines, 2016 and 2017 are suppressed by the publisher (small counts): "
            "not shown, and not zero.") in text
    excluded = _series({"benzodiazepines": [5, 6, 7], "cocaine": [1, 2, 3]})
    hidden = excluded["year"] == 2016
    excluded.loc[hidden, "value"] = np.nan
    excluded.loc[hidden, "note"] = f"{EXCLUDED_NOTE}: the toxicology rule; detected"
    text = summaries.chart_summary(excluded)
    assert text.count("excluded by the publisher (the toxicology rule)") == 1
    assert "For Benzodiazepines and Cocaine, 2016 is excluded" in text


def test_months_missing_in_a_run_are_said_as_one_span():
    df = monthly_deaths()
    gap = (df["year"] == 2020) & df["month"].between(3, 8)
    df.loc[gap, "value"] = np.nan
    df.loc[gap, "note"] = f"{EXCLUDED_NOTE}: no data at the onset of COVID-19"
    text = summaries.chart_summary(df)
    assert "March–August 2020 are excluded by the publisher (no data at the onset of COVID-19)" \
        in text


def test_years_with_no_row_at_all_are_named():
    frame = _series({"benzodiazepines": [5, 6, 7, 8]})
    text = summaries.chart_summary(frame[frame["year"] != 2016])
    assert "The data have no row for 2016." in text


def test_a_long_unit_is_said_once_and_shares_change_in_points():
    text = summaries.chart_summary(state_rates())
    assert text.startswith("Values are deaths per 100,000 population, crude. In 2020,")
    assert text.count("per 100,000") == 1
    share = pd.DataFrame(dict(year=[2015, 2016, 2017], value=[10.0, 26.2, 11.5],
                              drug_group="benzodiazepines", measure="percent",
                              unit="percent of opioid deaths"))
    text = summaries.chart_summary(share)
    assert "peaked at 26.2% of opioid deaths in 2016" in text
    assert "14.7 percentage points lower than the peak" in text


def test_every_number_said_is_a_value_a_ratio_or_a_difference_from_the_data():
    df = national_deaths()
    text = summaries.chart_summary(df, max_series=2)
    values = set(df["value"].dropna()) | set(df["year"].astype(float))
    said = _numbers_in(text)
    derived = said - values
    firsts = df.sort_values("year").groupby("drug_group")["value"].first()
    lasts = df.sort_values("year").groupby("drug_group")["value"].last()
    ratios = {round(lasts[g] / firsts[g], 1) for g in firsts.index}
    percents = {round(abs(lasts[g] / firsts[g] - 1) * 100) for g in firsts.index}
    assert derived <= ratios | percents | {2.0}  # "the other 2 series", "2 values"


def test_display_table_readable_and_exact_rows():
    df = national_deaths()
    table = summaries.display_table(df)
    assert len(table) == len(df)
    assert "Drug group" in table.columns and "Unit" in table.columns
    assert "Benzodiazepines" in set(table["Drug group"])
    assert "Sex" not in table.columns  # all "all": left out

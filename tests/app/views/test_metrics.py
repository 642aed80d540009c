"""app/metrics.py: the headline numbers on small tidy frames (each reproducing one case: a peak
before the latest year, a suppressed count, a tie, a missing row), on the real processed tables
(NIDA's published 2019 figure as a check), and the placeholder values for every content file."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from app.views import metrics
from etl.tidy import tidy_frame


DATA = Path(__file__).resolve().parents[3] / "data"


NIDA_CONSTANTS = dict(source_id="nida_workbook", source_file="t.xlsx", definition="ucd_overdose",
                      geo_level="nation", geo_fips="00", geo_name="United States",
                      period_type="year")


def nida_frame(deaths: dict[str, dict[int, float | None]], sex: str = "all",
               rates: dict[str, dict[int, float | None]] | None = None) -> pd.DataFrame:
    """A tidy NIDA-like table from {group: {year: deaths}} (None = suppressed)."""
    frames = []
    for measure, unit, table in (("deaths", "deaths", deaths),
                                 ("age_adjusted_rate", "deaths per 100,000 population, "
                                  "age-adjusted", rates or {})):
        rows = [{"drug_group": g, "year": y, "value": np.nan if v is None else v,
                 "suppressed": v is None} for g, by_year in table.items()
                for y, v in by_year.items()]
        if rows:
            frames.append(tidy_frame(pd.DataFrame(rows), measure=measure, unit=unit, sex=sex,
                                     **NIDA_CONSTANTS))
    return pd.concat(frames, ignore_index=True)


@pytest.fixture()
def small_nida() -> pd.DataFrame:
    return nida_frame({
        "benzodiazepines": {2017: 1000.0, 2018: 1200.0, 2019: 900.0},
        "benzodiazepines_with_any_opioid": {2017: 800.0, 2018: 1000.0, 2019: 720.0},
        "benzodiazepines_without_any_opioid": {2017: 200.0, 2018: 200.0, 2019: 180.0},
        "benzodiazepines_with_synthetic_opioids": {2017: 300.0, 2018: None, 2019: 450.0},
        "any_opioid": {2017: 4000.0, 2018: 5000.0, 2019: 6000.0},
    })


@pytest.fixture(scope="module")
def real_nida() -> pd.DataFrame:
    manifest = json.loads((DATA / "manifest.json").read_text())
    return pd.read_parquet(DATA / manifest["tables"]["nida_national"]["file"])


def test_latest_year_peak_and_change(small_nida):
    assert metrics.latest_year(small_nida) == 2019
    assert metrics.benzo_deaths(small_nida, 2019) == 900.0
    assert metrics.peak(small_nida) == (2018, 1200.0)
    change = metrics.change_since_peak(small_nida)
    assert (change.peak_year, change.latest_year, change.change) == (2018, 2019, -300.0)
    assert change.percent == pytest.approx(-25.0)
    assert not change.latest_is_peak
    assert metrics.format_change_since_peak(change) == "−300 (−25.0%)"
    assert metrics.change_from_previous_year(small_nida, 2019) == -300.0
    assert metrics.change_from_previous_year(small_nida, 2017) is None


def test_peak_tie_takes_the_earliest_year_and_latest_peak_reads_zero():
    nida = nida_frame({"benzodiazepines": {2019: 50.0, 2020: 70.0, 2021: 70.0}})
    assert metrics.peak(nida) == (2020, 70.0)
    at_peak = metrics.change_since_peak(nida, year=2020)
    assert at_peak.latest_is_peak
    assert metrics.format_change_since_peak(at_peak) == "0 (0.0%)"


def test_shares(small_nida):
    with_opioid = metrics.share_of_benzo_deaths_with(small_nida, 2019, "any_opioid")
    assert (with_opioid.numerator, with_opioid.denominator) == (720.0, 900.0)
    assert with_opioid.percent == pytest.approx(80.0)
    assert metrics.share_of_benzo_deaths_with(small_nida, 2019, "synthetic_opioids").percent == \
        pytest.approx(50.0)
    reverse = metrics.share_of_opioid_deaths_with_benzo(small_nida, 2019)
    assert reverse.percent == pytest.approx(12.0)


def test_a_suppressed_or_missing_count_gives_no_share_not_zero(small_nida):
    assert metrics.share_of_benzo_deaths_with(small_nida, 2018, "synthetic_opioids").percent is None
    assert metrics.share_of_opioid_deaths_with_benzo(small_nida, 2010).percent is None
    assert metrics.format_percent(None) == "not available"


def test_unknown_partner_or_sex_is_refused(small_nida):
    with pytest.raises(ValueError, match="partner"):
        metrics.share_of_benzo_deaths_with(small_nida, 2019, "heroin")
    with pytest.raises(ValueError, match="sex"):
        metrics.nida_rows(small_nida, "benzodiazepines", sex="<script>")


def test_nida_rows_filters_one_series_in_the_given_order(small_nida):
    female = nida_frame({"benzodiazepines": {2019: 1.0}}, sex="female")
    rows = metrics.nida_rows(pd.concat([small_nida, female]),
                             ["any_opioid", "benzodiazepines"])
    assert rows["drug_group"].tolist() == ["any_opioid"] * 3 + ["benzodiazepines"] * 3
    assert rows["year"].tolist() == [2017, 2018, 2019] * 2
    assert (rows["sex"] == "all").all() and (rows["measure"] == "deaths").all()


def test_interval_note_says_how_wide_bands_too_narrow_to_see_are():
    narrow = pd.DataFrame({"drug_group": ["benzodiazepines"] * 2, "year": [2021, 2022],
                           "value": [3.6, 3.3], "lower": [3.53, 3.25], "upper": [3.67, 3.35]})
    text = metrics.interval_note(narrow)
    assert text.startswith("Shaded bands: 95% confidence intervals")
    assert ("hardly wider than the line: the widest, Benzodiazepines in 2021, runs from 3.53 "
            "to 3.67 per 100,000") in text
    wide = narrow.assign(lower=[2.0, 2.5], upper=[5.0, 4.0])
    assert "hardly wider" not in metrics.interval_note(wide)


def test_rates_with_interval_uses_the_same_year_deaths():
    nida = nida_frame({"benzodiazepines": {2020: 400.0, 2021: 50.0, 2022: None}},
                      rates={"benzodiazepines": {2020: 4.0, 2021: 0.5, 2022: None}})
    rows = metrics.rates_with_interval(nida, ["benzodiazepines"])
    assert rows["value"].tolist()[:2] == [4.0, 0.5]
    # 400 deaths: normal approximation 4.0 ± 1.96 · 4.0 / 20
    assert rows.loc[0, "lower"] == pytest.approx(3.61, abs=0.01)
    assert rows.loc[0, "upper"] == pytest.approx(4.39, abs=0.01)
    # 50 deaths: gamma limits, asymmetric around the rate
    assert rows.loc[1, "lower"] < 0.5 < rows.loc[1, "upper"]
    assert rows.loc[1, "upper"] - 0.5 > 0.5 - rows.loc[1, "lower"]
    assert pd.isna(rows.loc[2, "lower"]) and pd.isna(rows.loc[2, "upper"])


def test_partner_phrase_comes_from_the_registry():
    assert metrics.partner_phrase("any_opioid") == "any opioid"
    assert metrics.partner_phrase("synthetic_opioids") == "synthetic opioids (mostly fentanyl)"


def test_split_groups_and_share_values():
    assert metrics.split_groups("synthetic_opioids") == (
        "benzodiazepines_with_synthetic_opioids", "benzodiazepines_without_synthetic_opioids")
    stacked = pd.DataFrame({"value": [80.0, 20.0], "share": [80.0, 20.0]})
    stacked.loc[0, "value"] = 800.0
    assert metrics.share_values(stacked)["value"].tolist() == [80.0, 20.0]
    assert stacked["value"].tolist() == [800.0, 20.0], "input not mutated"


def test_formats():
    assert metrics.format_count(12499.0) == "12,499"
    assert metrics.format_percent(16.648) == "16.6%"
    assert metrics.format_percent(87.94, 0) == "88%"
    assert metrics.format_signed_count(1234.0) == "+1,234"
    assert metrics.format_month_period(2025, 6) == "the 12 months to June 2025"


def test_published_check_flags_a_disagreement(small_nida):
    check = metrics.published_check(small_nida)  # 720 / 6,000 = 12.0% vs "about 16%"
    assert check["computed"] == pytest.approx(12.0) and check["agrees"] is False
    assert "disagree" in str(check["text"])


def test_other_tables_headline_sources():
    sudors = tidy_frame(pd.DataFrame({
        "drug_group": ["illegal_benzodiazepines"] * 3 + ["benzodiazepines"],
        "year": [2022, 2023, 2023, 2023], "geo_fips": ["99", "99", "09", "99"],
        "value": [766.0, 1650.0, 40.0, 6900.0]}),
        source_id="sudors", source_file="s.csv", definition="sudors_unintentional_undetermined",
        measure="deaths", unit="deaths", geo_level="participating_jurisdictions",
        geo_name="All SUDORS jurisdictions", period_type="year")
    assert metrics.sudors_headline_values(sudors) == {
        "sudors_latest_year": "2023", "illicit_benzo_deaths_latest": "1,650"}
    wonder = tidy_frame(pd.DataFrame({
        "geo_fips": ["54", "09", "50", "54"], "geo_name": ["West Virginia", "Connecticut",
                                                           "Vermont", "West Virginia"],
        "year": [2020, 2020, 2020, 2019], "value": [17.9, 9.1, 30.0, 40.0],
        "unreliable": [False, False, True, False]}),
        source_id="wonder", source_file="w.txt", definition="mcd_overdose", measure="crude_rate",
        unit="deaths per 100,000 population, crude", drug_group="benzodiazepines",
        geo_level="state", period_type="year")
    assert metrics.state_highest_benzo_rate(wonder) == (2020, "West Virginia", 17.9)
    dose = tidy_frame(pd.DataFrame({
        "year": [2024, 2025, 2025], "month": [12, 5, 6], "value": [1.3, 1.2, np.nan],
        "suppressed": [False, False, True]}),
        source_id="dose", source_file="d.csv", definition="nonfatal_ed_syndromic",
        measure="visit_rate", unit="suspected overdose visits per 10,000 ED visits",
        drug_group="benzodiazepines", geo_level="participating_jurisdictions", geo_fips="99",
        geo_name="All DOSE jurisdictions", period_type="12_month_ending")
    assert metrics.dose_headline_values(dose) == {
        "nonfatal_benzo_ed_rate_latest": "1.2",
        "nonfatal_latest_period": "the 12 months to May 2025"}


def test_markdown_section():
    text = "## A\n\nintro\n\n### B\n\nbody [src-1] and [src-2], again [src-1]\n\n### C\n\nrest"
    assert metrics.markdown_section(text, "B") == "body [src-1] and [src-2], again [src-1]"
    assert metrics.markdown_section(text, "A").startswith("intro")
    assert "rest" in metrics.markdown_section(text, "A")
    with pytest.raises(ValueError, match="'Z'"):
        metrics.markdown_section(text, "Z")


def test_nida_published_2019_figure(real_nida):
    share = metrics.share_of_opioid_deaths_with_benzo(real_nida, 2019)
    assert (share.numerator, share.denominator) == (8301.0, 49860.0)
    assert round(share.percent, 1) == 16.6
    check = metrics.published_check(real_nida)
    assert check["agrees"] is True
    assert "16.6%" in check["text"] and "about 16%" in check["text"]
    assert check["latest_year"] == metrics.latest_year(real_nida) > 2019
    assert f"In {check['latest_year']}, the latest year in these data: " \
           f"{metrics.format_percent(check['latest'])}" in check["text"], \
        "the latest year's share stands beside the 2019 figure"


def test_the_peak_card_names_the_change_since_the_peak_when_the_latest_year_is_below_it():
    nida = nida_frame({"benzodiazepines": {2017: 800.0, 2018: 1200.0, 2019: 900.0}})
    card = metrics.since_peak_card(nida, 2019)
    assert card.label == "Change since the peak year (2018)"
    assert card.value == "−300"
    assert card.detail == "−25.0% from 1,200 in 2018"
    assert "1,200 deaths in 2018" in card.help and "2017–2019" in card.help


def test_the_peak_card_shows_the_rise_when_the_latest_year_is_the_peak():
    nida = nida_frame({"benzodiazepines": {y: 100.0 + 10 * (y - 2012) for y in range(2012, 2021)}})
    card = metrics.since_peak_card(nida, 2020)
    assert card.value != "0"
    assert card.label == "Change over 5 years (2015–2020)"
    assert card.value == "+50"  # 130 in 2015 to 180 in 2020
    assert card.detail == "+38.5%; 2020 is the highest year since 2012"
    # a short series looks back as far as it goes; a tie with an earlier peak says so
    short = nida_frame({"benzodiazepines": {2019: 50.0, 2020: 70.0, 2021: 70.0}})
    card = metrics.since_peak_card(short, 2021)
    assert card.label == "Change over 2 years (2019–2021)" and card.value == "+20"
    assert card.detail == "+40.0%; 2021 equals the peak of 2020"
    only = metrics.since_peak_card(nida_frame({"benzodiazepines": {2020: 70.0}}), 2020)
    assert only.value == "70" and "no earlier year" in only.detail

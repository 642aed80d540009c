"""app/views/named.py on a small counts table written here (one county, two drugs, a suppressed
cell, a partial last year) and on the shipped tables: places, class series in order, a partial
year drawn as its own period, counts and shares that stay hidden when a count is suppressed,
rankings that never rank a hidden value, and the first year a drug appears."""
from __future__ import annotations

import pandas as pd
import pytest

from app.data import tables
from app.views import named


def counts(rows: list[tuple]) -> pd.DataFrame:
    """(drug, drug_class, level, co_involvement, year, value or None) -> counts-table rows."""
    frame = pd.DataFrame(rows, columns=["drug", "drug_class", "level", "co_involvement", "year",
                                        "value"])
    frame["value"] = frame["value"].astype(float)
    return frame.assign(
        source_id="test", source_file="t.csv", definition="county_me_accidental",
        measure="deaths", unit="deaths", drug_group="benzodiazepines",
        drug_label=frame["drug"].str.replace("_", " ").str.capitalize(), geo_level="county",
        geo_fips="42003", geo_name="Allegheny County, PA", period_type="year",
        suppressed=frame["value"].isna(), partial_period=frame["year"] == 2024,
        note=(frame["year"] == 2024).map({True: "partial year: records stop in April",
                                          False: ""}))


SMALL = counts([
    ("any_benzodiazepine", "any", "group", "all", 2022, 80), ("any_benzodiazepine", "any",
                                                            "group", "all", 2023, 60),
    ("any_benzodiazepine", "any", "group", "all", 2024, 11),
    ("any_designer", "designer", "group", "all", 2022, 20), ("any_designer", "designer", "group",
                                                          "all", 2023, 27),
    ("any_designer", "designer", "group", "all", 2024, None),
    ("any_prescription", "prescription", "group", "all", 2022, 60),
    ("any_prescription", "prescription", "group", "all", 2023, 33),
    ("any_prescription", "prescription", "group", "all", 2024, None),
    ("any_benzodiazepine", "any", "group", "with_fentanyl", 2022, 66),
    ("any_benzodiazepine", "any", "group", "with_fentanyl", 2023, None),
    ("bromazolam", "designer", "drug", "all", 2021, 0), ("bromazolam", "designer", "drug", "all",
                                                       2022, None),
    ("bromazolam", "designer", "drug", "all", 2023, 27),
    ("clonazepam", "prescription", "drug", "all", 2022, 19), ("clonazepam", "prescription",
                                                            "drug", "all", 2023, 13),
    ("alprazolam", "prescription", "drug", "all", 2023, None),
])


def test_class_series_in_order_with_the_partial_year_as_its_own_period():
    rows = named.class_series(SMALL, "42003")
    assert list(dict.fromkeys(rows["drug"])) == list(named.CLASS_GROUPS)
    partial = rows[rows["year"] == 2024]
    assert partial["provisional"].all() and partial["note"].str.contains("partial").all()
    assert not rows.loc[rows["year"] < 2024, "provisional"].any()


def test_counts_and_shares_stay_hidden_when_a_count_is_suppressed():
    assert named.latest_full_year(SMALL, "42003") == 2023
    assert named.count_in(SMALL, "42003", "any_benzodiazepine", 2023) == 60
    assert named.count_in(SMALL, "42003", "any_benzodiazepine", 2023, "with_fentanyl") is None
    assert named.latest_year_with(SMALL, "42003", "any_benzodiazepine", "with_fentanyl") == 2022
    assert named.share_percent(66, 80) == pytest.approx(82.5)
    assert named.share_percent(None, 80) is None and named.share_percent(5, 0) is None


def test_top_drugs_rank_published_counts_and_list_hidden_ones_after():
    top = named.top_drugs(SMALL, "42003", 2023, n=5)
    assert top["drug"].tolist() == ["bromazolam", "clonazepam", "alprazolam"]
    assert top["value"].isna().tolist() == [False, False, True], "a hidden count is not ranked"
    assert set(top["drug_group"]) == {"benzodiazepines"}, "one colour for the ranking"


def test_first_year_named_counts_a_suppressed_year_as_present():
    assert named.first_year_named(SMALL, "bromazolam", "42003") == 2022, "1–9 is not zero"
    assert named.first_year_named(SMALL, "etizolam", "42003") is None


def test_options_most_deaths_first():
    assert named.drug_options(SMALL)[:2] == ["clonazepam", "bromazolam"]  # 32 against 27
    assert named.designer_options(SMALL, "42003") == ["bromazolam"]


@pytest.fixture(scope="module")
def real() -> pd.DataFrame:
    return named.combined(*(tables.load_table(t) for t in named.NAMED_TABLES))


def test_the_shipped_tables_give_both_places_and_the_watched_drugs(real):
    places = named.places(real)
    assert set(places.values()) == {"Allegheny County, PA", "Connecticut"}
    assert next(iter(places.values())) == "Allegheny County, PA", "most recent data first"
    for fips in places:
        assert named.latest_full_year(real, fips) >= 2022
        rise = named.designer_series(real, fips)
        assert set(rise["drug"]) == set(named.WATCHED_DESIGNER)
    clonazepam = named.drug_series(real, named.CLONAZEPAM)
    assert set(clonazepam["geo_name"]) == set(places.values())
    assert clonazepam.loc[~clonazepam["suppressed"], "value"].min() >= 0
    assert named.first_year_named(real, "bromazolam", "42003") == 2022

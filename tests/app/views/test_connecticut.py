"""app/views/connecticut.py: small-count suppression, age × sex counts, shares, combinations, date
types."""
from __future__ import annotations

import pandas as pd
import pytest

from app.views import connecticut


def deaths(rows: list[dict]) -> pd.DataFrame:
    """Records shaped like ct_ocme_deaths (only the columns the views read)."""
    base = {"year": 2020, "date_type": "death", "sex": "male", "age_group": "35-44",
            "benzodiazepine": True, "any_opioid": False, "fentanyl": False, "ethanol": False,
            "heroin": False, "cocaine": False}
    return pd.DataFrame([{**base, **r} for r in rows])


def repeat(n: int, **values) -> list[dict]:
    return [dict(values) for _ in range(n)]


def test_suppression_mask_hides_one_to_nine_and_protects_a_lone_cell():
    mask = connecticut.suppression_mask(pd.Series([0, 3, 12, 40]))
    assert mask.tolist() == [False, True, True, False]  # 3 hidden, so the smallest shown (12) too
    assert connecticut.suppression_mask(pd.Series([0, 3, 5, 40])).tolist() == [False, True, True,
                                                                               False]
    assert not connecticut.suppression_mask(pd.Series([0, 10, 40])).any()


def test_age_sex_counts_suppresses_small_cells_and_drops_unknowns():
    frame = deaths(repeat(30, sex="male", age_group="35-44") + repeat(20, sex="female",
                                                                      age_group="35-44")
                   + repeat(4, sex="female", age_group="75+") + repeat(12, sex="male",
                                                                       age_group="75+")
                   + repeat(2, sex="unknown") + repeat(1, age_group="unknown"))
    table = connecticut.age_sex_counts(frame)
    assert set(table["age_group"]) == {"35-44", "75+"}
    cell = table.set_index(["age_group", "sex"])
    assert cell.loc[("35-44", "male"), "value"] == 30
    assert cell.loc[("75+", "female"), "suppressed"] and pd.isna(cell.loc[("75+", "female"),
                                                                          "value"])
    assert cell.loc[("75+", "male"), "suppressed"]  # complementary: only one cell was small
    assert (table["measure"] == "deaths").all()
    assert connecticut.unknown_age_or_sex(frame) == 3


def test_share_by_year_hides_small_counts_with_and_without_the_drug():
    frame = deaths(repeat(45, year=2019, any_opioid=True) + repeat(5, year=2019)
                   + repeat(30, year=2020, any_opioid=True, fentanyl=True) + repeat(20, year=2020))
    shares = connecticut.share_by_year(frame, ["any_opioid", "fentanyl"]).set_index(["year", "drug"])
    assert shares.loc[(2019, "any_opioid"), "suppressed"]  # 5 without an opioid
    assert pd.isna(shares.loc[(2019, "any_opioid"), "numerator"])
    assert shares.loc[(2019, "fentanyl"), "value"] == 0  # a real zero is shown
    assert shares.loc[(2020, "any_opioid"), "value"] == 60.0
    assert shares.loc[(2020, "fentanyl"), "denominator"] == 50
    overall = connecticut.share_overall(frame, ["any_opioid"])
    assert overall["value"].iloc[0] == 75.0
    assert connecticut.share_text(overall, "any_opioid") == "75.0%"


def test_combinations_reuse_combination_counts_with_readable_labels():
    frame = deaths(repeat(25, fentanyl=True) + repeat(12, fentanyl=True, ethanol=True)
                   + repeat(11) + repeat(3, heroin=True) + repeat(2, cocaine=True))
    table = connecticut.combinations(frame, ["fentanyl", "ethanol", "heroin", "cocaine"])
    shown = table[~table["suppressed"]]
    assert shown["combination"].tolist() == ["Fentanyl", "Fentanyl + alcohol (ethanol)",
                                             connecticut.NONE_OF_THE_SELECTED]
    assert table["suppressed"].sum() == 2 and table.loc[table["suppressed"], "value"].isna().all()
    top = connecticut.top_combinations(table, 2)
    assert top["value"].tolist() == [25, 12]
    assert "Fentanyl (25 deaths)" in connecticut.combination_summary(top, 2)
    with pytest.raises(ValueError, match="not OCME drug columns"):
        connecticut.combinations(frame, ["not_a_drug"])


def test_date_type_summary_names_years_with_only_reported_dates():
    frame = deaths(repeat(3, year=2015, date_type="reported") + repeat(2, year=2016)
                   + repeat(1, year=2016, date_type="reported"))
    summary = connecticut.date_type_summary(frame)
    assert summary == {"reported": 4, "total": 6, "all_reported_years": [2015]}


def test_small_text_helpers():
    assert connecticut.count_text(7) == "fewer than 10"
    assert connecticut.count_text(0) == "0" and connecticut.count_text(2499) == "2,499"
    assert connecticut.drug_label("ethanol") == "Alcohol (ethanol)"
    assert connecticut.drug_label("fentanyl") == "Fentanyl"
    assert connecticut.join_words(["a", "b", "c"]) == "a, b and c"
    assert "Fentanyl" in connecticut.opioid_rule_labels()
    assert connecticut.benzodiazepine_deaths(deaths(repeat(2, year=2012) + repeat(1, year=2014)),
                                             (2013, 2014)).shape[0] == 1


def test_drugs_with_demographic_and_age_sex_summary():
    tidy = pd.DataFrame({"drug_group": ["heroin", "benzodiazepines", "heroin"],
                         "race_ethnicity": ["Hispanic", "all", "all"]})
    assert connecticut.drugs_with_demographic(tidy, "race_ethnicity") == ["heroin"]
    table = pd.DataFrame({"age_group": ["15-24", "25-34"], "sex": ["male", "female"],
                          "value": [40.0, float("nan")], "suppressed": [False, True]})
    text = connecticut.age_sex_summary(table, "deaths")
    assert "men and boys aged 15-24 (40 deaths)" in text and "1 value is suppressed" in text

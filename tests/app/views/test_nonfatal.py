"""app/views/nonfatal.py: SUDORS and DOSE views (state vs participating rows, censored points, the
DOSE-SYS COVID-19 gap, DOSE-DIS filters)."""
from __future__ import annotations

import json

import pandas as pd
import plotly.graph_objects as go

from app.views import nonfatal
from etl.tidy import EXCLUDED_NOTE


def tidy(rows: list[dict]) -> pd.DataFrame:
    base = {"drug_group": "illegal_benzodiazepines", "measure": "deaths", "geo_fips": "08",
            "geo_name": "Colorado", "period_type": "year", "year": 2020, "month": pd.NA,
            "sex": "all", "age_group": "all", "value": 1.0, "suppressed": False,
            "censored": False, "note": "", "definition": "sudors_unintentional_undetermined"}
    return pd.DataFrame([{**base, **r} for r in rows])


def test_sudors_rows_keep_the_requested_drug_order_and_count_jurisdictions():
    rows = tidy([{"drug_group": "bromazolam"}, {"drug_group": "illegal_benzodiazepines"},
                 {"geo_fips": "99", "geo_name": "All"}, {"geo_fips": "54", "year": 2021},
                 {"measure": "percent"}])
    picked = nonfatal.sudors_rows(rows, ["illegal_benzodiazepines", "bromazolam"], "deaths")
    assert picked["drug_group"].tolist()[-1] == "bromazolam"
    assert nonfatal.jurisdictions_per_year(picked) == {2020: 1, 2021: 1}
    assert nonfatal.total_rows(picked)["geo_fips"].tolist() == ["99"]
    assert "99" not in set(nonfatal.state_rows(picked)["geo_fips"])


def test_censored_points_are_named_once():
    rows = tidy([{"drug_group": "bromazolam", "censored": True, "value": 0.1},
                 {"drug_group": "bromazolam", "censored": True, "value": 0.1, "geo_fips": "99"},
                 {"drug_group": "etizolam", "censored": False}])
    assert nonfatal.censored_points(rows, labels={"bromazolam": "Bromazolam"}) == ["Bromazolam 2020"]
    assert nonfatal.censored_points(rows, "geo_name") == ["Colorado 2020"]


def test_state_choice_helpers():
    rows = tidy([{"geo_fips": "08", "geo_name": "Colorado", "value": 5.0, "year": 2023},
                 {"geo_fips": "54", "geo_name": "West Virginia", "value": 9.0, "year": 2023},
                 {"geo_fips": "54", "geo_name": "West Virginia", "value": 20.0, "year": 2020},
                 {"geo_fips": "04", "geo_name": "Arizona", "value": float("nan"), "year": 2023},
                 {"geo_fips": "99", "geo_name": "All", "value": 50.0, "year": 2023}])
    assert nonfatal.top_states(rows, 2) == ["WV", "CO"]
    assert nonfatal.states_with_data(rows) == ["AZ", "CO", "WV"]
    assert nonfatal.rows_for_states(rows, ["WV", "CO"])["geo_fips"].tolist()[0] == "54"
    assert nonfatal.with_total(rows, ["CO"], "Total")["geo_name"].tolist() == ["Total", "Colorado"]
    assert nonfatal.missing_states(rows, ["AZ", "CO", "TX"]) == ["Arizona", "Texas"]
    assert nonfatal.latest_point(rows[rows["geo_fips"] == "54"])["value"] == 9.0


EXCLUDED = f"{EXCLUDED_NOTE}: DOSE-SYS has no data for March–August 2020 (COVID-19 onset)"


def test_covid_gap_is_read_from_the_etl_note_not_from_dates():
    nan = float("nan")
    rows = tidy([{"period_type": "month", "year": 2020, "month": m, "value": nan,
                  "note": EXCLUDED} for m in (3, 8)]
                + [{"period_type": "month", "year": 2020, "month": 9, "value": 2.6},
                   # a small-count suppression next to the gap stays one
                   {"period_type": "month", "year": 2021, "month": 3, "value": nan,
                    "suppressed": True},
                   {"period_type": "12_month_ending", "year": 2021, "month": 7, "value": nan,
                    "note": f"40 participating jurisdictions; {EXCLUDED}"},
                   {"period_type": "12_month_ending", "year": 2021, "month": 8, "value": 2.3},
                   # inside the dates but not excluded by the data: not part of the gap
                   {"period_type": "month", "year": 2020, "month": 5, "value": nan,
                    "suppressed": True}])
    assert nonfatal.in_covid_gap(rows).tolist() == [True, True, False, False, True, False, False]
    marked = nonfatal.mark_covid_gap(rows, "COVID-19 exclusion")
    assert marked["suppressed"].tolist() == [False, False, False, True, False, False, True]
    assert marked.loc[0, "note"] == f"COVID-19 exclusion; {EXCLUDED}"
    assert pd.isna(marked.loc[0, "value"])
    assert nonfatal.mark_covid_gap(marked, "COVID-19 exclusion").equals(marked)
    assert marked.loc[4, "note"].startswith("COVID-19 exclusion; 40 participating")
    # the page marks the rows first, then asks for the span: both must find the same rows
    start, end = nonfatal.covid_gap_span(marked)
    assert (start, end) == (pd.Timestamp("2020-03-01"), pd.Timestamp("2021-07-01"))
    assert nonfatal.covid_gap_span(rows) == (start, end)
    assert nonfatal.covid_gap_span(rows.iloc[2:4]) is None
    fig = nonfatal.shade_period(go.Figure(), start, end, "No data")
    assert fig.layout.shapes[0].type == "rect" and fig.layout.annotations[0].text == "No data"


def test_covid_gap_in_the_processed_data_matches_the_publishers_months(data_dir):
    manifest = json.loads((data_dir / "manifest.json").read_text())
    syndromic = pd.read_parquet(data_dir / manifest["tables"]["dose_syndromic"]["file"])
    for period_type, last in (("month", "2020-08-01"), ("12_month_ending", "2021-07-01")):
        rows = nonfatal.total_rows(nonfatal.syndromic_rows(syndromic, period_type))
        assert nonfatal.covid_gap_span(rows) == (pd.Timestamp("2020-03-01"), pd.Timestamp(last))
        gap = rows[nonfatal.in_covid_gap(rows)]
        assert not gap["suppressed"].any() and gap["value"].isna().all()


def test_dose_filters_and_texts():
    rows = tidy([{"drug_group": "benzodiazepines", "definition": d, "measure": "visit_rate",
                  "geo_fips": "99", "sex": s, "age_group": a, "year": 2023,
                  "note": "29 jurisdictions submitting"}
                 for d in ("nonfatal_ed_discharge", "nonfatal_hosp_discharge")
                 for s, a in (("all", "all"), ("female", "15-24"), ("male", "15-24"))])
    assert len(nonfatal.discharge_rows(rows, "nonfatal_ed_discharge", "visit_rate")) == 1
    by_sex = nonfatal.discharge_sex_age(rows, "nonfatal_hosp_discharge", "visit_rate", 2023)
    assert by_sex["sex"].tolist() == ["female", "male"]
    assert nonfatal.jurisdictions_text(by_sex) == "29"
    assert nonfatal.jurisdictions_text(by_sex.assign(note="")) == "an unstated number of"
    assert nonfatal.period_text(pd.Series({"year": 2025, "month": 6,
                                           "period_type": "12_month_ending"})) == \
        "12 months ending June 2025"
    assert nonfatal.period_text(pd.Series({"year": 2023, "month": pd.NA})) == "2023"
    monthly = tidy([{"drug_group": "benzodiazepines", "period_type": "month", "month": 1}])
    assert len(nonfatal.syndromic_rows(monthly, "month")) == 1


def test_year_value_text_marks_censored_values():
    rows = tidy([{"year": 2020, "value": 0.1, "censored": True, "measure": "percent"},
                 {"year": 2021, "value": 2.5, "measure": "percent"},
                 {"year": 2022, "value": float("nan"), "suppressed": True}])
    assert nonfatal.year_value_text(rows, 2020, "percent") == "<0.1%"
    assert nonfatal.year_value_text(rows, 2021, "percent") == "2.5%"
    assert nonfatal.year_value_text(rows, 2022, "percent") == "not available"
    assert nonfatal.year_value_text(rows, 2019, "deaths") == "not available"


def test_section_views_equal_the_helpers_they_bundle():
    """The illicit page reads each section from one view (one cached call); each field must be
    what the small helpers give, on the processed tables."""
    from app.data import tables
    sudors = tables.load_table("sudors_state")
    view = nonfatal.sudors_view(sudors, "illegal_benzodiazepines", "deaths", 2021, ["OH", "ZZ"])
    chosen = nonfatal.sudors_rows(sudors, ["illegal_benzodiazepines"], "deaths")
    pd.testing.assert_frame_equal(view.state_year,
                                  nonfatal.state_rows(chosen[chosen["year"] == 2021]))
    pd.testing.assert_frame_equal(view.picked, nonfatal.rows_for_states(chosen, ["OH", "ZZ"]))
    assert view.jurisdictions_by_year == nonfatal.jurisdictions_per_year(chosen)
    assert set(view.trend["geo_fips"]) == {"99"}
    assert not view.total_deaths.empty and not view.total_percent.empty

    syndromic = tables.load_table("dose_syndromic")
    sys_view = nonfatal.syndromic_view(syndromic, "month", ["TN"], "no data (COVID-19)")
    rows = nonfatal.syndromic_rows(syndromic, "month")
    assert sys_view.gap == nonfatal.covid_gap_span(sys_view.plot)
    assert sys_view.gap[0] == pd.Timestamp("2020-03-01")
    assert sys_view.missing == nonfatal.missing_states(rows, ["TN"])
    pd.testing.assert_series_equal(sys_view.latest,
                                   nonfatal.latest_point(nonfatal.total_rows(rows)))

    discharge = tables.load_table("dose_discharge")
    dis_view = nonfatal.discharge_view(discharge, "nonfatal_ed_discharge", "visit_rate", 2022,
                                       ["TN"])
    dis_rows = nonfatal.discharge_rows(discharge, "nonfatal_ed_discharge", "visit_rate")
    pd.testing.assert_frame_equal(dis_view.trend, nonfatal.with_total(dis_rows, ["TN"]))
    assert set(dis_view.state_year["year"]) == {2022}
    assert dis_view.jurisdictions.isdigit() or dis_view.jurisdictions.startswith("an unstated")

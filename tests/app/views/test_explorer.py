"""app/views/explorer.py: option lists read from the rows, the one filter and its pandas snippet
(which reproduces the filtered rows, a monthly snapshot and the Connecticut view), downloads of
exactly the rows, the Connecticut view's counts and suppression, tables in reading order."""
from __future__ import annotations

import io

import pandas as pd
import pytest

from app.data import tables
from app.views import explorer
from etl.tidy import TIDY_COLUMNS
from tests.app.views.explorer_samples import DATA, manifest, table, tiny, selection


def test_split_of_names_the_columns_that_are_not_all():
    frame = pd.DataFrame({"sex": ["all", "male", "all", "female"],
                          "age_group": ["all", "all", "15-24", "25-34"],
                          "race_ethnicity": ["all", "all", "all", "all"]})
    assert explorer.split_of(frame).tolist() == ["none", "sex", "age_group", "sex_by_age_group"]
    assert explorer.split_dims("sex_by_age_group") == ("sex", "age_group")
    assert explorer.split_label("sex_by_age_group") == "Sex × age group"


def test_options_follow_earlier_choices():
    cat = explorer.catalogue_of(tiny())
    assert explorer.measure_options_of(cat) == ["deaths", "crude_rate"]
    assert explorer.drug_options_of(cat, "deaths") == ["benzodiazepines", "alcohol"]
    assert explorer.drug_options_of(cat, "crude_rate") == ["benzodiazepines"]
    assert explorer.geo_options_of(cat, "deaths", ["benzodiazepines"]) == ["nation", "state"]
    assert explorer.geo_options_of(cat, "crude_rate", ["benzodiazepines"]) == ["nation"]
    assert explorer.state_options_of(cat, "deaths", ["benzodiazepines"]) == ["CT", "MA"]
    assert explorer.period_options_of(cat, "deaths", ["benzodiazepines"], "nation", ()) == ["year"]
    assert explorer.split_options_of(cat, "deaths", ["benzodiazepines"], "nation", (),
                                     "year") == ["none", "sex"]
    assert explorer.split_options_of(cat, "deaths", ["alcohol"], "nation", (), "year") == ["none"]
    assert explorer.year_span_of(cat, "deaths", ["alcohol"], "state", ("09",), "year",
                                 "none") == (2018, 2020)
    assert explorer.year_span_of(cat, "deaths", ["alcohol"], "state", (), "year", "sex") is None


def test_options_of_a_real_table():
    cat = explorer.catalogue_of(table("dose_syndromic"))
    assert explorer.period_options_of(cat, "visit_rate", ["benzodiazepines"],
                                      "participating_jurisdictions", ()) == \
        ["12_month_ending", "month"]
    splits = explorer.split_options_of(cat, "visit_rate", ["benzodiazepines"],
                                       "participating_jurisdictions", (), "month")
    assert splits == ["none", "sex", "age_group", "sex_by_age_group"]


def test_chart_options_offer_a_map_only_for_several_states():
    assert explorer.chart_options("nation", 0) == ["line", "bar"]
    assert explorer.chart_options("state", 1) == ["line", "bar"]
    assert explorer.chart_options("state", 40) == ["line", "bar", "map"]


def test_snapshot_month_is_the_latest_month_of_the_year():
    cat = explorer.catalogue_of(table("wonder_mcd"))
    sel = selection(geo="nation", period="month", years=(2021, 2021))
    assert explorer.snapshot_month_of(cat, sel) == 12
    assert explorer.snapshot_month_of(cat, sel._replace(period="year")) is None


def test_filter_rows_takes_one_split_and_keeps_the_table_order():
    frame = tiny()
    rows = explorer.filter_rows(frame, selection(geo="state", states=("09",), split="sex"))
    assert set(rows["sex"]) == {"female", "male"} and set(rows["geo_fips"]) == {"09"}
    assert len(rows) == 6 and rows.index.tolist() == list(range(6))
    expected = frame[(frame["geo_fips"] == "09") & (frame["sex"] != "all")
                     & (frame["drug_group"] == "benzodiazepines")]
    pd.testing.assert_frame_equal(rows, expected.reset_index(drop=True))
    totals = explorer.filter_rows(frame, selection())
    assert totals["sex"].eq("all").all() and len(totals) == 3


@pytest.mark.parametrize("sel", [
    selection(),
    selection(geo="state", states=("09", "25"), split="sex", years=(2019, 2020)),
    selection(drugs=("benzodiazepines", "alcohol"), geo="state"),
])
def test_snippet_reproduces_the_filtered_rows(tmp_path, sel):
    frame = tiny()
    frame.to_parquet(tmp_path / "tiny.parquet", index=False)
    code = explorer.pandas_snippet(str(tmp_path / "tiny.parquet"), sel)
    scope: dict = {}
    exec(code, scope)  # noqa: S102 - our own generated code
    pd.testing.assert_frame_equal(scope["rows"], explorer.filter_rows(frame, sel))


def test_snippet_reproduces_a_real_monthly_snapshot():
    info = manifest()["tables"]["vsrr_provisional"]
    frame = table("vsrr_provisional")
    sel = selection(measure="deaths", drugs=("all_drugs",), geo="state", period="12_month_ending",
                    years=(2018, 2018), month=12)
    scope: dict = {}
    exec(explorer.pandas_snippet(str(DATA / info["file"]), sel), scope)  # noqa: S102
    rows = explorer.filter_rows(frame, sel)
    assert len(rows) > 40 and rows["month"].eq(12).all()
    pd.testing.assert_frame_equal(scope["rows"], rows)


def test_snippet_reproduces_the_connecticut_view():
    info = manifest()["tables"]["ct_ocme_deaths"]
    sel = selection(drugs=("benzodiazepines", "any_opioid"), geo="state", split="age_group",
                    years=(2015, 2020))
    scope: dict = {}
    exec(explorer.pandas_snippet(str(DATA / info["file"]), sel, ocme=True), scope)  # noqa: S102
    rows = explorer.filter_rows(explorer.ocme_view(table("ct_ocme_deaths")), sel)
    assert len(rows) == 2 * 6 * 8
    pd.testing.assert_frame_equal(scope["rows"], rows)


def test_downloads_hold_exactly_the_rows():
    rows = explorer.filter_rows(tiny(), selection(split="sex"))
    assert explorer.csv_bytes(rows) == rows.to_csv(index=False).encode("utf-8")
    pd.testing.assert_frame_equal(pd.read_parquet(io.BytesIO(explorer.parquet_bytes(rows))), rows)
    assert explorer.download_name("a b/c", "csv") == "explorer_a_b_c.csv"


def test_ocme_view_counts_records_and_suppresses_small_counts():
    deaths = table("ct_ocme_deaths")
    view = explorer.ocme_view(deaths)
    assert list(view.columns) == TIDY_COLUMNS
    totals = view[(view["drug_group"] == "benzodiazepines") & (view["sex"] == "all")
                  & (view["age_group"] == "all") & (view["race_ethnicity"] == "all")]
    expected = deaths[deaths["benzodiazepine"]].groupby("year").size()
    assert totals.set_index("year")["value"].to_dict() == expected.astype(float).to_dict()
    counted = view[~view["suppressed"]]
    assert not counted["value"].between(1, explorer.SUPPRESS_MAX).any()
    hidden = view[view["suppressed"]]
    assert len(hidden) > 0 and hidden["value"].isna().all()
    assert hidden["note"].str.contains("not zero").all()
    assert (view["value"] == 0).any()  # a true zero stays a zero
    assert set(view["sex"]) == {"all", "female", "male"}  # unknown sex: totals only
    assert set(explorer.split_of(view)) == {"none", "sex", "age_group", "race_ethnicity",
                                            "sex_by_age_group"}


def test_ocme_sex_split_adds_up_with_unknown_sex():
    deaths = table("ct_ocme_deaths")
    view = explorer.ocme_view(deaths).query(
        "drug_group == 'all_drugs' and age_group == 'all' and race_ethnicity == 'all'")
    by_year = view.pivot_table(index="year", columns="sex", values="value")
    unknown = deaths[deaths["sex"] == "unknown"].groupby("year").size()
    unknown = unknown.reindex(by_year.index, fill_value=0)
    assert (by_year["female"] + by_year["male"] + unknown == by_year["all"]).all()


def test_text_fills_placeholders_and_names_a_missing_section():
    assert "7 series" in explorer.text("many_series", count=7, latest="2020")
    with pytest.raises(Exception, match="no section"):
        explorer.text("no_such_section")


def test_only_tables_in_the_tidy_format_or_the_connecticut_records_are_explored():
    listed = manifest()["tables"]
    explorable = explorer.explorable_tables(listed)
    assert {"nida_national", "wonder_mcd", explorer.OCME_TABLE} <= set(explorable)
    assert "allegheny_deaths" not in explorable and "ct_ocme_named_benzodiazepines" \
        not in explorable, "record-level and named-drug tables are not tidy rows"
    for name in explorable:
        if name != explorer.OCME_TABLE:
            assert set(TIDY_COLUMNS) <= set(listed[name]["columns"])


def test_tables_in_reading_order_and_labels():
    ordered = explorer.ordered_tables(["zeta", "wonder_mcd", "nida_national"])
    assert ordered == ["nida_national", "wonder_mcd", "zeta"]
    assert explorer.table_label("nida_national") == tables.table_info("nida_national")["title"]
    assert explorer.table_label("no_such_table") == "no_such_table"

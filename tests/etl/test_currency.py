"""etl/currency.py: the period a table covers, and where its release and retrieval dates come
from (FETCHED.json, PROVENANCE.md), on small frames and on the real raw folders."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from etl import build as etl_build
from etl import currency
from etl.currency import Coverage
from etl.source import SOURCE_MODULES
from etl.tidy import PARTIAL_NOTE

GOOD_SOURCE = {
    "released": "2024-05-02", "released_from": "file name", "retrieved": "2026-12-02",
    "retrieved_from": "PROVENANCE.md", "built_at": "2026-12-02T12:00:00+00:00",
    "first_period": "1999", "data_through": "2022", "last_period_status": "final",
    "newer_data": {"url": "https://nida.nih.gov/", "note": "",
                   "fetch_command": "python -m etl fetch --source nida", "fetch": "automatic"},
}


def rows(*cells: tuple[str, int, int | None, float, bool, str]) -> pd.DataFrame:
    return pd.DataFrame(cells, columns=["period_type", "year", "month", "value", "provisional",
                                        "note"]).astype({"month": "Int64"})


def test_coverage_of_yearly_monthly_and_rolling_rows():
    frame = rows(("year", 2010, None, 5, False, ""), ("year", 2020, None, 7, False, ""),
                 ("month", 2021, 11, 3, True, ""), ("month", 2021, 12, 4, True, ""),
                 ("month", 2022, 2, None, True, "withheld"))  # no value: not data
    assert currency.coverage(frame) == Coverage("2010", "2021-12", "month", "provisional")
    rolling = rows(("12_month_ending", 2015, 1, 9, True, ""),
                   ("12_month_ending", 2019, 2, 9, True, ""))
    assert currency.coverage(rolling) == Coverage("2015-01", "2019-02", "12_month_ending",
                                                  "provisional")


def test_a_year_beats_the_month_that_ends_it_and_partial_is_named():
    frame = rows(("year", 2023, None, 5, False, ""), ("month", 2023, 12, 1, False, ""),
                 ("month", 2018, 1, 1, False, ""))
    assert currency.coverage(frame) == Coverage("2018-01", "2023", "year", "final")
    partial = rows(("month", 2022, 2, 5, True, f"provisional; {PARTIAL_NOTE}: counts incomplete"))
    assert currency.coverage(partial).last_period_status == "partial"


def test_coverage_of_a_record_level_table():
    frame = pd.DataFrame({"year": [2014, 2012, 2022], "record_id": [1, 2, 3]})
    assert currency.coverage(frame) == Coverage("2012", "2022", "year", "final")


def test_a_source_is_as_current_as_its_newest_table():
    annual = Coverage("2010", "2020", "year", "final")
    monthly = Coverage("2015-01", "2021-12", "month", "provisional")
    assert currency.combined([annual, monthly]) == Coverage("2010", "2021-12", "month",
                                                            "provisional")
    assert currency.combined([Coverage("2018", "2023", "year", "final"),
                              Coverage("2018-01", "2023-12", "month", "partial")]
                             ).last_period_status == "partial"


def test_retrieval_prefers_the_fetch_record_of_the_same_file(tmp_path):
    (tmp_path / "PROVENANCE.md").write_text(
        "# X\n\n## Where we took it from\n- `a.csv` copied. Retrieved: 2026-11-23.\n\n"
        "## Newer vintage\n`b.csv`, retrieved 2026-12-02.\n")
    (tmp_path / "FETCHED.json").write_text(json.dumps({"files": {
        "a.csv": {"sha256": "aa", "date": "2027-01-05T10:00:00+00:00"}}}))
    assert currency.retrieval(tmp_path, "a.csv", "aa") == (
        "2027-01-05", "FETCHED.json (downloaded 2027-01-05T10:00:00+00:00)")
    date, where = currency.retrieval(tmp_path, "a.csv", "other")  # replaced since the fetch
    assert date == "2026-11-23" and "sections of PROVENANCE.md that name this file" in where
    assert currency.retrieval(tmp_path, "b.csv", "bb")[0] == "2026-12-02"
    assert currency.retrieval(tmp_path, "c.csv", "cc")[0] == "2026-12-02"  # latest in the file
    assert currency.retrieval(tmp_path / "none", "a.csv", "aa") == (
        None, "not recorded: no FETCHED.json entry for this file and no PROVENANCE.md")


@pytest.mark.raw
def test_every_real_folder_says_when_it_was_retrieved(raw_dir):
    for name in SOURCE_MODULES:
        source = etl_build.load_source_module(name).SOURCE
        for raw in source.files:
            if (raw_dir / source.raw_folder / raw.name).is_file():
                date, where = currency.retrieval(raw_dir / source.raw_folder, raw.name, "?")
                assert date and currency.ISO_DATE.match(date), (name, raw.name, where)
    nida = raw_dir / "nida_overdose_death_rates_workbook"
    assert currency.retrieval(nida, "Overdose_data_1999-2021 1.19.23.xlsx", "?")[0] == "2026-11-23"
    assert currency.retrieval(nida, "overdose_data_1999-2022_5.2.2024.xlsx", "?")[0] == \
        "2026-12-02"


def test_field_problems_accept_a_good_entry_and_name_each_bad_field():
    assert currency.field_problems(GOOD_SOURCE, "source x", list(currency.SOURCE_FIELDS)) == []
    bad = {**GOOD_SOURCE, "released": "May 2024", "retrieved_from": "", "data_through": "2022-13x",
           "last_period_status": "preliminary", "built_at": "soon",
           "newer_data": {"url": "nida.nih.gov", "fetch_command": ""}}
    del bad["first_period"]
    problems = currency.field_problems(bad, "source x", list(currency.SOURCE_FIELDS))
    assert problems == [
        "source x: no 'first_period' (first period of the data (YYYY or YYYY-MM))",
        "source x: data_through '2022-13x' is not a period (YYYY or YYYY-MM)",
        "source x: last_period_status 'preliminary' is not one of final, provisional, partial",
        "source x: released 'May 2024' is not a date (YYYY[-MM[-DD]]) or null",
        "source x: retrieved_from must say where retrieved comes from (or why unknown)",
        "source x: built_at 'soon' is not a timestamp",
        "source x: newer_data.url must be the publisher's web address",
    ]

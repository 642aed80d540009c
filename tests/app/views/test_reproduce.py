"""The "Cite and reproduce this view" snippet rebuilds exactly the plotted rows, or is withheld."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from app.views import reproduce

DATA = Path(__file__).resolve().parents[3] / "data"


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads((DATA / "manifest.json").read_text())


def load(manifest: dict):
    return lambda name: pd.read_parquet(DATA / manifest["tables"][name]["file"])


def test_snippet_run_on_the_table_gives_exactly_the_plotted_rows(manifest):
    nida = load(manifest)("nida_national")
    plotted = nida[(nida["measure"] == "deaths") & (nida["sex"] == "all")
                   & (nida["age_group"] == "all") & (nida["race_ethnicity"] == "all")
                   & nida["drug_group"].isin(["benzodiazepines", "any_opioid"])
                   & nida["year"].between(2010, 2021)]
    name = reproduce.table_for(plotted, manifest, load(manifest))
    assert name == "nida_national" and reproduce.reproduces(nida, plotted)
    code = reproduce.snippet(str(DATA / manifest["tables"][name]["file"]),
                             reproduce.filters_of(plotted), reproduce.year_span(plotted))
    scope: dict = {}
    exec(code, scope)  # noqa: S102 - our own generated code, run to prove it reproduces the view
    pd.testing.assert_frame_equal(scope["rows"].reset_index(drop=True),
                                  plotted.reset_index(drop=True))


def test_derived_rows_are_not_offered_a_snippet(manifest):
    nida = load(manifest)("nida_national")
    benzo = nida[(nida["drug_group"] == "benzodiazepines") & (nida["measure"] == "deaths")
                 & (nida["sex"] == "all") & (nida["age_group"] == "all")
                 & (nida["race_ethnicity"] == "all")]
    doubled = benzo.assign(value=benzo["value"] * 2)
    assert not reproduce.reproduces(nida, doubled)
    assert not reproduce.reproduces(nida, benzo.iloc[::2])  # a subset the filter cannot express


def test_table_is_found_among_a_sources_tables_by_definition(manifest):
    syndromic = load(manifest)("dose_syndromic")
    plotted = syndromic.head(5)
    assert reproduce.table_for(plotted, manifest, load(manifest)) == "dose_syndromic"


def test_citation_names_dashboard_view_and_source_with_access_date(manifest):
    nida = load(manifest)("nida_national").head(3)
    text = reproduce.view_citation(nida, manifest, "http://example.test/opioids?sex=female")
    assert "http://example.test/opioids?sex=female" in text and "Accessed" in text
    assert manifest["sources"]["nida_workbook"]["landing_url"] in text


def test_a_view_of_record_level_data_is_not_offered_a_snippet(manifest):
    deaths = load(manifest)("ct_ocme_deaths")
    view = pd.DataFrame({"source_id": ["ct_ocme"], "measure": ["deaths"], "year": [2020],
                         "value": [10.0]})
    assert not reproduce.reproduces(deaths, view)


def test_view_references_cite_each_source_with_the_link_and_vintage(manifest):
    import datetime as dt
    nida = load(manifest)("nida_national").head(3)
    refs = reproduce.view_references(nida, manifest, "http://example.test/opioids?sex=female",
                                     dt.date(2030, 1, 2))
    source = manifest["sources"]["nida_workbook"]
    assert [r.title for r in refs] == [source["title"]]
    assert refs[0].url == "http://example.test/opioids?sex=female"
    assert source["vintage"] in refs[0].vintage and refs[0].accessed == dt.date(2030, 1, 2)
    assert reproduce.view_references(nida.drop(columns="source_id"), manifest, None,
                                     dt.date(2030, 1, 2)) == []

"""pages/methods.py: every source with its caveats, warnings and raw files; every case definition
and drug group; the suppression and provisional rules; downloads of every processed table; the
citations with today's date; the source selector bound to the URL; a clear error for a missing
table or manifest."""
from __future__ import annotations

import functools

import pytest
from streamlit.testing.v1 import AppTest

from app.data import currency
from app.views import methods
from etl.registry import DEFINITIONS, DRUG_GROUPS
from tests.pages import harness
from tests.pages.harness import (HOSTILE, assert_default_leaves_link, assert_link_refused,
                                 data_without, manifest, metrics, text_of)

run_page = functools.partial(harness.run_page, "pages/methods.py")
TEXT_KINDS = ("markdown", "caption", "code", "subheader", "header", "text")
MANIFEST = manifest()


def source_titles_shown(at: AppTest) -> list[str]:
    return [s.value for s in at.subheader if s.value != "Sources cited on this page"]


def test_renders_with_counts_from_the_manifest(default_run):
    at = default_run
    assert not at.exception, [e.value for e in at.exception]
    cards = metrics(at)
    assert cards["Sources"] == str(len(MANIFEST["sources"]))
    assert cards["Processed tables"] == str(len(MANIFEST["tables"]))
    assert "Data built" not in cards, "a build date must not stand where a data date is read"
    latest = max(MANIFEST["sources"].values(),
                 key=lambda s: currency.period_end(s["data_through"]))
    assert cards["Newest data"] == currency.period_words(latest["data_through"],
                                                         latest["period_type"])
    text = text_of(at, TEXT_KINDS)
    assert f"Tables built {MANIFEST['built_at'][:10]}" in text and "a build date" in text
    assert MANIFEST["code_version"] in text


def test_currency_table_dates_every_source_four_ways(default_run):
    text = text_of(default_run, TEXT_KINDS)
    for column in ("Data cover", "Released by the publisher", "This copy retrieved",
                   "Tables built"):
        assert column in text
    for source in MANIFEST["sources"].values():
        assert methods.escape_markdown(methods.coverage_text(source)) in text, source["title"]
    nida = MANIFEST["sources"]["nida_workbook"]
    assert nida["vintages"]["used"]["name"] in text
    for older in nida["vintages"]["superseded"]:
        assert older["name"] in text, "the superseded release is named"
    assert "re-saved by a third party" in text, "the copy's provenance is said"
    revisions = nida["vintages"]["revisions"]["nida_national"]
    if revisions["cells_revised"] == 0:
        assert "every cell equal: no revisions" in text
    else:
        assert any("Before" in d.value.columns for d in default_run.dataframe)


def test_every_source_with_its_facts_caveats_and_warnings(default_run):
    text = text_of(default_run, TEXT_KINDS)
    assert source_titles_shown(default_run) == [s["title"] for s in MANIFEST["sources"].values()]
    for source_id, source in MANIFEST["sources"].items():
        for field in ("publisher", "vintage", "coverage", "retrieved"):
            assert methods.escape_markdown(source[field]) in text, (source_id, field)
        assert source["landing_url"] in text
        for line in source.get("caveats", []) + source.get("warnings", []):
            assert methods.escape_markdown(line) in text, (source_id, line[:40])
        assert methods.source_citation(source_id, MANIFEST) in text
    raw_tables = [d for d in default_run.dataframe if "SHA-256" in d.value.columns
                  and "URL" in d.value.columns]
    files = [f for s in MANIFEST["sources"].values() for f in s.get("files", [])]
    shown = [row for d in raw_tables for row in d.value.to_dict("records")]
    assert [(r["File"], r["SHA-256"], r["Bytes"], r["URL"]) for r in shown] == [
        (f["name"], f["sha256"], f["bytes"], f["url"]) for f in files]


def test_manifest_tables_with_rows_checksums_and_files(default_run):
    [tables] = [d.value for d in default_run.dataframe if "Table" in d.value.columns]
    assert tables[["Table", "Rows", "SHA-256", "File"]].values.tolist() == [
        [name, t["rows"], t["sha256"], t["file"]] for name, t in MANIFEST["tables"].items()]


def test_definitions_codes_and_rules(default_run):
    text = text_of(default_run, TEXT_KINDS)
    for definition in DEFINITIONS.values():
        assert methods.escape_markdown(definition.description) in text
    [groups] = [d.value for d in default_run.dataframe if "ICD-10 codes" in d.value.columns]
    assert groups["ICD-10 codes"].tolist() == [g.icd10 for g in DRUG_GROUPS.values()]
    for rule in ("**Underlying cause", "**Multiple cause", "9999", "1–9", "fewer than 20",
                 "**predicted**", "provisional", "(rule applied by this project)",
                 f"only counts of {methods.ct_small_cell_threshold()} or"):
        assert rule in text, rule


def test_citations_carry_todays_access_date_and_reproduction_steps(default_run):
    code = [c.value for c in default_run.code]
    [dashboard] = [c for c in code if c.startswith(methods.DASHBOARD_TITLE)]
    assert dashboard.endswith(f"Accessed {methods.access_date()}.")
    assert MANIFEST["code_version"] in dashboard
    assert any("python -m etl build" in c and "streamlit run dashboard.py" in c for c in code)


def test_every_table_has_csv_and_parquet_downloads(default_run):
    buttons = {b.key: b for b in default_run.get("download_button")}
    for name in MANIFEST["tables"]:
        assert f"download_csv_{name}" in buttons and f"download_parquet_{name}" in buttons


def test_source_selector_round_trips_through_the_url():
    at = run_page({"source": "cdc_sudors"})
    assert not at.exception
    assert at.selectbox(key="source").value == "cdc_sudors"
    assert source_titles_shown(at) == [MANIFEST["sources"]["cdc_sudors"]["title"]]
    at.selectbox(key="source").set_value("nchs_vsrr").run()
    assert at.query_params["source"] == "nchs_vsrr"
    assert source_titles_shown(at) == [MANIFEST["sources"]["nchs_vsrr"]["title"]]
    assert_default_leaves_link(at, "selectbox", "source", "all")
    assert len(source_titles_shown(at)) == len(MANIFEST["sources"])


@pytest.mark.parametrize("query", [{"source": HOSTILE}, {"source": "2099"}])
def test_hostile_link_shows_a_notice_and_the_default(query):
    at = run_page(query)
    assert_link_refused(at, TEXT_KINDS, notice="Ignored an invalid link setting")
    assert at.selectbox(key="source").value == "all"


def test_missing_table_file_is_named_and_the_rest_still_downloads(tmp_path, serve_data):
    serve_data(data_without("wonder_mcd", tmp_path))
    at = run_page()
    assert not at.exception
    assert any("wonder_mcd" in e.value and "missing" in e.value for e in at.error)
    keys = {b.key for b in at.get("download_button")}
    assert "download_csv_wonder_mcd" not in keys
    assert {f"download_csv_{n}" for n in MANIFEST["tables"] if n != "wonder_mcd"} <= keys


def test_missing_manifest_shows_a_clear_error(tmp_path, serve_data):
    serve_data(tmp_path)
    at = run_page()
    assert not at.exception
    assert any("manifest" in e.value for e in at.error)

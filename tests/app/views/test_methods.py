"""app/views/methods.py: citations as numbered links, sections split for a chart beside its text,
the manifest as tables, citations with an access date, and the processed files behind the
downloads."""
from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from app.data import content, tables
from app.views import methods
from app.data.content import Event
from etl.registry import DEFINITIONS, DRUG_GROUPS

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "data"

REFERENCES = {
    "fda-dsc-2016": "FDA. *Drug Safety Communication*. 2016. <https://www.fda.gov/a>",
    "dsm-5-tr": "APA. *DSM-5-TR*. 2022. <https://doi.org/10.1176/x> (also <https://psy.org>)",
    "no-url": "A book without an address.",
}
SMALL_MANIFEST = {
    "built_at": "2026-11-25T10:20:54+00:00",
    "code_version": "abc123",
    "schema_version": 1,
    "sources": {
        "src_a": {
            "title": "Source A | with a pipe", "publisher": "Agency A",
            "landing_url": "https://example.org/a_(b)", "retrieved": "2026-11-23",
            "vintage": "2024", "coverage": "US, 1999–2021", "license": "Public domain",
            "definitions": ["ucd_overdose"], "tables": ["table_a"],
            "citation": "Agency A. Source A. 2024.",
            "files": [{"name": "a.csv", "bytes": 10, "sha256": "f" * 64,
                       "url": "https://example.org/a.csv", "matches_tested_vintage": True}],
        },
        "src_b": {"title": "Source B", "definitions": ["mcd_overdose", "not_in_registry"],
                  "citation": "Agency B. Source B, https://example.org/b",
                  "retrieved": "2026-01-02",
                  "landing_url": "https://example.org/b", "tables": ["table_b"]},
    },
    "tables": {
        "table_a": {"file": "table_a.123.parquet", "rows": 5, "sha256": "a" * 64,
                    "source_id": "src_a", "title": "Table A", "suppressed_cells": 1},
        "table_b": {"file": "table_b.456.parquet", "rows": 7, "sha256": "b" * 64,
                    "source_id": "src_b", "title": "Table B"},
    },
}


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads((DATA / "manifest.json").read_text(encoding="utf-8"))


# --- citations -------------------------------------------------------------------------------

def test_cited_ids_in_order_of_first_citation_known_ids_only():
    texts = ["A (Sources: [dsm-5-tr], [fda-dsc-2016])", "B [dsm-5-tr] [unknown-id]",
             "a [link](https://x.org) is not a citation"]
    assert methods.cited_ids(texts, REFERENCES) == ["dsm-5-tr", "fda-dsc-2016"]


def test_reference_url_is_the_first_address():
    assert methods.reference_url(REFERENCES["dsm-5-tr"]) == "https://doi.org/10.1176/x"
    assert methods.reference_url(REFERENCES["no-url"]) is None


def test_link_citations_numbers_and_links_each_id():
    numbers = {"dsm-5-tr": 1, "fda-dsc-2016": 2, "no-url": 3}
    text = "(Sources: [fda-dsc-2016], [dsm-5-tr], [no-url], [unknown]) and [a link](https://x.org)"
    assert methods.link_citations(text, numbers, REFERENCES) == (
        "(Sources: [\\[2\\]](https://www.fda.gov/a), [\\[1\\]](https://doi.org/10.1176/x), "
        "\\[3\\], [unknown]) and [a link](https://x.org)")


def test_reference_list_is_numbered_in_the_given_order():
    assert methods.reference_list(["fda-dsc-2016", "no-url"], REFERENCES) == (
        f"1. {REFERENCES['fda-dsc-2016']}\n2. {REFERENCES['no-url']}")


def test_every_citation_in_the_about_content_becomes_a_link():
    refs = content.sources()
    texts = [content.read_markdown(n) for n in ("what_are_benzodiazepines", "health_risks",
                                                "misuse_and_addiction", "withdrawal",
                                                "treatment_and_help")]
    cited = methods.cited_ids(texts, refs)
    numbers = {s: n for n, s in enumerate(cited, 1)}
    for text in texts:
        linked = methods.link_citations(text, numbers, refs)
        assert not methods.CITATION_PATTERN.search(linked), "no raw [source-id] left"


# --- sections and events ---------------------------------------------------------------------

TEXT = "## Title\n\nLead.\n\n### First\n\nOne.\n\n### Illicit drugs\n\nTwo.\n\n### Last\n\nThree."


def test_split_around_puts_the_matching_section_in_the_middle():
    before, match, after = methods.split_around(TEXT, "illicit")
    assert before == "## Title\n\nLead.\n\n### First\n\nOne."
    assert match == "### Illicit drugs\n\nTwo."
    assert after == "### Last\n\nThree."


def test_split_around_without_a_match_keeps_everything_before():
    assert methods.split_around(TEXT, "nowhere") == (TEXT, "", "")
    assert methods.split_around(TEXT, "title", level=3) == (TEXT, "", ""), "level-2 heading"


def test_events_cited_in_keeps_the_events_the_text_cites_within_the_years():
    events = [Event(2016, 8, "long", "FDA 2016", "fda-dsc-2016", "https://a"),
              Event(2017, 10, "long", "Other", "hhs", "https://b"),
              Event(2030, None, "long", "Later", "fda-dsc-2016", "https://c")]
    text = "In 2016 the FDA ... (Sources: [fda-dsc-2016])"
    assert methods.events_cited_in(text, events, 1999, 2021) == [
        {"year": 2016, "month": 8, "label": "FDA 2016"}]
    assert methods.events_cited_in("no citation", events, 1999, 2030) == []


def test_sections_of_the_methods_content_fill_from_the_code():
    values = methods.methods_values(SMALL_MANIFEST)
    text = methods.sections(content.fill(content.read_markdown("methods"), values))
    assert set(text) == {"definitions", "suppression", "provisional"}
    assert DRUG_GROUPS["benzodiazepines"].icd10 in text["definitions"]
    threshold = methods.ct_small_cell_threshold()
    assert f"1 to {threshold - 1} is hidden" in text["suppression"]
    assert values["ct_min_count"] == str(threshold) and threshold >= 1


# --- the manifest as tables ------------------------------------------------------------------

def test_source_rows_one_per_source_with_definition_labels():
    rows = methods.source_rows(SMALL_MANIFEST)
    assert rows["Source id"].tolist() == ["src_a", "src_b"]
    a = rows.iloc[0]
    assert (a["Publisher"], a["Link"], a["Retrieved"], a["Vintage"], a["Coverage"]) == (
        "Agency A", "https://example.org/a_(b)", "2026-11-23", "2024", "US, 1999–2021")
    assert a["Case definitions"] == DEFINITIONS["ucd_overdose"].label
    assert rows.iloc[1]["Case definitions"] == (f"{DEFINITIONS['mcd_overdose'].label}; "
                                                "not_in_registry")


def test_sources_markdown_table_escapes_and_links():
    table = methods.sources_markdown_table(SMALL_MANIFEST).splitlines()
    assert len(table) == 2 + 2
    assert table[2].startswith("| [Source A \\| with a pipe](https://example.org/a_%28b%29) |")
    assert "2026\u201111\u201123" in table[2], "non-breaking hyphens keep the date on one line"


def test_table_and_raw_file_rows_carry_the_checksums():
    tables = methods.table_rows(SMALL_MANIFEST)
    assert tables[["Table", "Rows", "SHA-256", "File", "Source"]].values.tolist() == [
        ["table_a", 5, "a" * 64, "table_a.123.parquet", "Source A | with a pipe"],
        ["table_b", 7, "b" * 64, "table_b.456.parquet", "Source B"]]
    files = methods.raw_file_rows(SMALL_MANIFEST["sources"]["src_a"])
    assert files.to_dict("records") == [{"File": "a.csv", "Bytes": 10, "SHA-256": "f" * 64,
                                         "URL": "https://example.org/a.csv",
                                         "Matches tested vintage": True}]
    assert methods.raw_file_rows({}).empty


def test_real_manifest_tables_cover_every_source_table_and_file(manifest):
    assert len(methods.source_rows(manifest)) == len(manifest["sources"])
    tables = methods.table_rows(manifest)
    assert tables["Table"].tolist() == list(manifest["tables"])
    assert tables["Rows"].tolist() == [t["rows"] for t in manifest["tables"].values()]
    for source in manifest["sources"].values():
        assert len(methods.raw_file_rows(source)) == len(source.get("files", []))


def test_definitions_and_drug_groups_come_from_the_registry(manifest):
    rows = methods.definition_rows(manifest)
    assert rows["Id"].tolist() == list(DEFINITIONS)
    used = dict(zip(rows["Id"], rows["Used by"]))
    assert manifest["sources"]["cdc_wonder"]["title"] in used["mcd_overdose"]
    listing = methods.definitions_markdown(manifest)
    assert listing.count("\n- ") == len(DEFINITIONS) - 1
    groups = methods.drug_group_rows()
    assert groups["Id"].tolist() == list(DRUG_GROUPS)
    assert groups.set_index("Id").loc["benzodiazepines", "ICD-10 codes"] == "T42.4"


def test_escape_markdown_keeps_text_literal():
    assert methods.escape_markdown("Rates marked * cost $5 [x](y) a_b <u> #1 |") == (
        "Rates marked \\* cost \\$5 \\[x\\](y) a\\_b \\<u\\> \\#1 \\|")


# --- citations with dates --------------------------------------------------------------------

def test_access_date_reads_as_a_date():
    assert methods.access_date(date(2026, 11, 5)) == "November 5, 2026"
    assert methods.access_date() == methods.access_date(date.today())


def test_dashboard_citation_names_the_build_and_the_access_date():
    text = methods.dashboard_citation(SMALL_MANIFEST, date(2026, 12, 1), "https://x.org/methods")
    assert text == (f"{methods.DASHBOARD_TITLE}. Processed data built 2026-11-25 (code version "
                    "abc123). https://x.org/methods. Accessed December 1, 2026.")
    assert "None" not in methods.dashboard_citation(SMALL_MANIFEST, date(2026, 12, 1))


def test_source_citation_adds_the_address_once_and_the_retrieval_date():
    assert methods.source_citation("src_a", SMALL_MANIFEST) == (
        "Agency A. Source A. 2024. https://example.org/a_(b) (retrieved 2026-11-23).")
    assert methods.source_citation("src_b", SMALL_MANIFEST) == (
        "Agency B. Source B, https://example.org/b (retrieved 2026-01-02).")
    assert methods.source_citation("missing", SMALL_MANIFEST) == "missing."


# --- downloads -------------------------------------------------------------------------------

def test_processed_file_and_its_bytes(manifest):
    name = "census_population"
    path = methods.processed_file(name, DATA)
    assert path == DATA / manifest["tables"][name]["file"]
    assert methods.file_bytes(path) == path.read_bytes()
    frame = pd.read_csv(pd.io.common.BytesIO(methods.csv_bytes(path)), dtype={"geo_fips": str})
    original = pd.read_parquet(path)
    assert list(frame.columns) == list(original.columns) and len(frame) == len(original)
    assert frame["geo_fips"].tolist() == original["geo_fips"].tolist()


def test_processed_file_missing_or_unlisted_names_the_table(tmp_path, manifest):
    copy = tmp_path / "data"
    shutil.copytree(DATA, copy)
    (copy / manifest["tables"]["sudors_state"]["file"]).unlink()
    with pytest.raises(tables.TableUnavailable, match="sudors_state.*missing"):
        methods.processed_file("sudors_state", copy)
    with pytest.raises(tables.TableUnavailable, match="not listed"):
        methods.processed_file("no_such_table", copy)


# --- how current each source is (issue 15) ------------------------------------------------------

CURRENT = {"built_at": "2026-12-02T10:00:00+00:00", "sources": {
    "nida": {"title": "NIDA workbook", "first_period": "1999", "data_through": "2022",
             "period_type": "year", "last_period_status": "final", "released": "2024-05-02",
             "released_from": "file name", "retrieved": "2026-12-02",
             "retrieved_from": "PROVENANCE.md", "built_at": "2026-12-02T10:00:00+00:00",
             "files": [{"name": "new.xlsx", "copy_note": "re-saved by a third party"}],
             "vintages": {"used": {"name": "new.xlsx", "first_year": 1999, "last_year": 2022,
                                   "released": "2024-05-02"},
                          "superseded": [{"name": "old.xlsx", "first_year": 1999,
                                          "last_year": 2021, "released": "2023-01-19"}],
                          "compared_with": "old.xlsx",
                          "revisions": {"nida_national": {
                              "overlap": "1999–2021", "cells_compared": 10, "cells_revised": 1,
                              "rows_removed": 0, "revisions": [
                                  {"key": {"year": 2020, "drug_group": "benzodiazepines"},
                                   "before": {"value": 12290.0}, "after": {"value": 12291.0}}]}}}},
    "vsrr": {"title": "VSRR", "first_period": "2015-01", "data_through": "2019-02",
             "period_type": "12_month_ending", "last_period_status": "provisional",
             "released": None, "released_from": "not stated in the file", "retrieved": "2026-11-23",
             "retrieved_from": "PROVENANCE.md"}}}


def test_currency_rows_label_three_dates_and_the_data_cover():
    rows = methods.currency_rows(CURRENT).set_index("Source id")
    assert rows.loc["nida", "Data cover"] == "1999–2022, final"
    assert rows.loc["nida", "Released by the publisher"] == "2024-05-02 (file name)"
    assert rows.loc["nida", "This copy retrieved"] == "2026-12-02 (PROVENANCE.md)"
    assert rows.loc["nida", "Tables built"] == "2026-12-02"
    assert rows.loc["vsrr", "Data cover"] == ("12 months ending January 2015 – 12 months ending "
                                              "February 2019, provisional")
    assert rows.loc["vsrr", "Released by the publisher"] == "unknown (not stated in the file)"
    assert "Tables built" in methods.currency_markdown_table(CURRENT).splitlines()[0]


def test_vintage_lines_name_both_releases_the_comparison_and_the_copy():
    lines = methods.vintage_lines(CURRENT["sources"]["nida"])
    assert lines[0].startswith("Read: `new.xlsx` (1999–2022, released 2024-05-02)")
    assert "Superseded: `old.xlsx`" in lines[1]
    assert "10 cells compared with `old.xlsx`; 1 revised" in lines[2]
    assert lines[-1] == "Copy note for `new.xlsx`: re-saved by a third party"
    assert methods.vintage_lines(CURRENT["sources"]["vsrr"]) == []
    revised = methods.revision_rows(CURRENT["sources"]["nida"])
    assert revised.to_dict("records") == [{"Table": "nida_national",
                                           "Cell": "year 2020, drug_group benzodiazepines",
                                           "Before": "12,290", "After": "12,291"}]


def test_newest_data_is_the_latest_period_of_any_source():
    newest = methods.newest_data(CURRENT)
    assert newest["period"] == "2022" and "VSRR: 12 months ending January 2015" in newest["help"]

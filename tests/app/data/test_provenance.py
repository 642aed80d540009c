"""app/data/provenance.py: manifest lookups give a source's citation, caveats and caption line,
and case definitions come from the registry."""
from __future__ import annotations


from app.data import provenance
from etl.registry import DEFINITIONS
from tests.app.data.samples import SOURCE


def test_manifest_lookups(data_folder):
    assert provenance.table_source_id("nida_national", data_folder) == "nida"
    assert provenance.citation("nida", data_folder) == SOURCE["citation"]
    assert provenance.citation("unknown", data_folder) == "source 'unknown'"
    assert provenance.source_info("nida", data_folder)["caveats"] == SOURCE["caveats"]
    caption = provenance.source_caption_text("nida", "ucd_overdose", data_folder)
    assert "National Institute on Drug Abuse" in caption and "2023-06-30" in caption
    assert DEFINITIONS["ucd_overdose"].label in caption
    table_caption = provenance.table_caption_text("nida_national", data_folder)
    assert DEFINITIONS["ucd_overdose"].label in table_caption


def test_definitions_from_registry():
    assert provenance.definition_text("mcd_overdose") == DEFINITIONS["mcd_overdose"].description
    assert provenance.definition_label("ucd_overdose") == DEFINITIONS["ucd_overdose"].label
    assert "not in the registry" in provenance.definition_text("nope")


def test_period_text_names_months():
    assert provenance.period_text("2022") == "2022"
    assert provenance.period_text("2021-12") == "December 2021"
    assert provenance.period_text("2021-13") == "2021-13"


def test_data_through_text_from_the_manifest(data_folder):
    import json
    path = data_folder / "manifest.json"
    manifest = json.loads(path.read_text())
    assert provenance.data_through_text("nida", data_folder) == "", "no data_through: nothing said"
    manifest["sources"]["nida"].update(data_through="2025-06", last_period_status="provisional",
                                       released="2025-08-25")
    path.write_text(json.dumps(manifest))
    assert provenance.data_through_text("nida", data_folder) == (
        "The source's data run through June 2025 (provisional), released 2025-08-25.")

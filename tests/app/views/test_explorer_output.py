"""app/views/explorer_output.py: the warning for mixed definitions and units, line and bar
plans, the summary naming every varying column, a snapshot's period in words, the citation and
the source lines from the manifest."""
from __future__ import annotations


import pandas as pd

from app.views import explorer, explorer_output
from etl.registry import DEFINITIONS
from tests.app.views.explorer_samples import manifest, tiny, selection


def test_mix_warning_names_every_definition_and_unit():
    frame = tiny()
    assert explorer_output.mix_warning(explorer.filter_rows(frame, selection())) is None
    mixed = explorer.filter_rows(frame, selection(drugs=("benzodiazepines", "alcohol")))
    text = explorer_output.mix_warning(mixed)
    assert DEFINITIONS["ucd_overdose"].label in text
    assert DEFINITIONS["mcd_alcohol_any"].label in text
    assert "2 case definitions" in text
    assert explorer_output.definition_units(mixed, ["benzodiazepines", "alcohol"]) == [
        ("ucd_overdose", "deaths"), ("mcd_alcohol_any", "deaths")]
    assert explorer_output.definition_units(mixed, ["alcohol", "benzodiazepines"]) == [
        ("mcd_alcohol_any", "deaths"), ("ucd_overdose", "deaths")]
    one = explorer.filter_rows(frame, selection())
    units = explorer_output.mix_warning(one.assign(unit=["deaths", "deaths, crude", "deaths"]))
    assert "mix 2 units: deaths; deaths, crude." in units


def test_line_and_bar_plans():
    frame = tiny()
    one = explorer.filter_rows(frame, selection())
    assert explorer_output.line_plan(one, "none", ["benzodiazepines"]).color_by == "drug_group"
    by_sex = explorer.filter_rows(frame, selection(split="sex"))
    plan = explorer_output.line_plan(by_sex, "sex", ["benzodiazepines"])
    assert (plan.color_by, plan.n_series) == ("sex", 2)
    both = explorer.filter_rows(frame, selection(geo="state", split="sex"))
    plan = explorer_output.line_plan(both, "sex", ["benzodiazepines"])
    assert plan.color_by == "series" and plan.n_series == 4
    assert "Connecticut · Female" in set(plan.frame["series"])
    snap = explorer.filter_rows(frame, selection(geo="state", years=(2020, 2020)))
    bar = explorer_output.bar_plan(snap, "none", ["benzodiazepines"], "state")
    assert bar.ranked and bar.category == "geo_name"
    bar = explorer_output.bar_plan(explorer.filter_rows(frame, selection(geo="state", split="sex",
                                                                         years=(2020, 2020))),
                                   "sex", ["benzodiazepines"], "state")
    assert (bar.category, bar.color_by, bar.ranked) == ("series", "sex", False)
    assert explorer_output.map_ready(snap, "none")
    assert not explorer_output.map_ready(explorer.filter_rows(frame, selection(
        geo="state", split="sex", years=(2020, 2020))), "sex")


def test_summary_names_every_varying_column():
    rows = explorer.filter_rows(tiny(), selection(geo="state", split="sex", years=(2019, 2019)))
    sentence = explorer_output.summary_text(rows, "sex", ["benzodiazepines"])
    assert "· Female" in sentence or "· Male" in sentence


def test_period_text():
    rows = pd.DataFrame({"period_type": ["12_month_ending"], "year": [2018],
                         "month": pd.array([12], dtype="Int64")})
    assert explorer_output.period_text(rows) == "12 months ending December 2018"
    assert explorer_output.period_text(rows.assign(period_type="year", month=pd.NA)) == "2018"


def test_citation_names_source_table_filters_and_dates():
    sel = selection(drugs=("benzodiazepines", "any_opioid"), split="sex", years=(2010, 2020))
    text = explorer_output.citation_text("nida_national", sel, accessed="2030-01-02",
                                         link="https://example.org/explorer?x=1")
    info = manifest()["tables"]["nida_national"]
    source = manifest()["sources"][info["source_id"]]
    assert source["citation"].rstrip(".") in text
    assert info["file"] in text and info["sha256"] in text
    assert "accessed 2030-01-02" in text and source["retrieved"] in text
    assert "Benzodiazepines, Any opioid" in text and "2010–2020" in text and "sex" in text
    assert text.endswith("https://example.org/explorer?x=1")


def test_source_lines_come_from_the_manifest():
    lines = explorer_output.source_lines("cdc_wonder")
    source = manifest()["sources"]["cdc_wonder"]
    joined = "\n".join(lines)
    for key in ("title", "publisher", "landing_url", "vintage", "retrieved"):
        assert source[key] in joined
    assert "not described" in explorer_output.source_lines("no_such_source")[0]

"""app/views/explorer_output.py: the warning for mixed definitions and units, line and bar
plans, chart titles, crowded views ranked for highlighting, small multiples and ranked bars, the
summary naming every varying column, a snapshot's period in words, the rows grid, the citation
(text and references) and the source lines from the manifest."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from app.views import explorer, explorer_output
from etl.registry import DEFINITIONS, STATE_BY_FIPS
from tests.app.views.explorer_samples import manifest, selection, table, tiny


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


# Titles

def test_chart_title_names_drugs_measure_unit_place_and_period():
    rows = explorer.filter_rows(tiny(), selection(geo="state"))
    sel = selection(geo="state")
    assert explorer_output.chart_title(sel, rows, "none") == \
        "Benzodiazepines: number of deaths, by state, 2018–2020"
    one = explorer.filter_rows(tiny(), selection(geo="state", states=("09",), years=(2020, 2020)))
    assert explorer_output.chart_title(selection(geo="state", states=("09",)), one, "none",
                                       period="2020") == \
        "Benzodiazepines: number of deaths, Connecticut, 2020"
    rate = explorer.filter_rows(tiny(), selection(measure="crude_rate"))
    assert explorer_output.chart_title(selection(measure="crude_rate"), rate, "none") == \
        "Benzodiazepines: crude death rate per 100,000 population, United States, 2018–2020"
    by_sex = explorer.filter_rows(tiny(), selection(split="sex"))
    title = explorer_output.chart_title(selection(split="sex"), by_sex, "sex",
                                        definition="ucd_overdose")
    assert title == ("Benzodiazepines: number of deaths, United States, 2018–2020, by sex — "
                     + DEFINITIONS["ucd_overdose"].label)
    monthly = selection(period="12_month_ending")
    assert "12-month periods, 2018–2020" in explorer_output.chart_title(
        monthly, explorer.filter_rows(tiny(), selection()), "none")


def test_chart_titles_name_the_definition_only_where_two_would_read_alike():
    frame = tiny()
    both = explorer.filter_rows(frame, selection(drugs=("benzodiazepines", "alcohol")))
    parts = [both[both["definition"] == d] for d in ("ucd_overdose", "mcd_alcohol_any")]
    sel = selection(drugs=("benzodiazepines", "alcohol"))
    assert explorer_output.chart_titles(sel, parts, "none", [None, None]) == [
        "Benzodiazepines: number of deaths, United States, 2018–2020",
        "Alcohol (any alcohol-involved death): number of deaths, United States, 2018–2020"]
    same = [parts[0], parts[0].assign(definition="mcd_overdose")]
    titles = explorer_output.chart_titles(sel, same, "none", ["2020", "2020"])
    assert titles[0].endswith(DEFINITIONS["ucd_overdose"].label)
    assert titles[1].endswith(DEFINITIONS["mcd_overdose"].label)


@pytest.mark.parametrize(("measure", "unit", "words"), [
    ("deaths", "deaths", "number of deaths"),
    ("crude_rate", "deaths per 100,000 population, crude",
     "crude death rate per 100,000 population"),
    ("age_adjusted_rate", "deaths per 100,000 population, age-adjusted",
     "age-adjusted death rate per 100,000 population"),
    ("percent", "percent of overdose deaths", "percent of overdose deaths"),
    ("visit_rate", "ED visits per 100,000 population", "ED visits per 100,000 population"),
    ("population", "persons", "resident population (persons)"),
    ("visits", "hospitalizations", "number of nonfatal hospitalizations"),
    ("rate_lower_95", "deaths per 100,000 population, age-adjusted, lower 95% confidence limit",
     "age-adjusted death rate per 100,000 population, lower 95% limit"),
])
def test_measure_words_say_the_unit_once(measure, unit, words):
    assert explorer_output.measure_words(measure, unit) == words


# Many series

def wonder_states(year_range=(2010, 2020)) -> tuple[explorer.Selection, pd.DataFrame]:
    sel = selection(measure="crude_rate", geo="state", years=year_range)
    return sel, explorer.filter_rows(table("wonder_mcd"), sel)


def test_many_plan_ranks_states_by_their_latest_value():
    _, rows = wonder_states()
    plan = explorer_output.line_plan(rows, "none", ["benzodiazepines"])
    assert plan.n_series == 51 > explorer.MAX_LINE_SERIES
    many = explorer_output.many_plan(plan)
    latest = rows[rows["year"] == 2020].sort_values(["value", "geo_name"],
                                                    ascending=[False, True])
    expected = [STATE_BY_FIPS[f].abbr for f in latest["geo_fips"]]
    assert many.ranking == expected, "highest value in 2020 first, missing values last"
    assert many.names["CT"] == "Connecticut" and many.latest == "2020"
    assert set(many.frame["series_key"]) == set(expected)
    bars = explorer_output.latest_rows(many)
    assert len(bars) == 51 and set(bars["year"]) == {2020}
    assert explorer_output.highlight_keys(many, ["CT", "ZZ", "MA"]) == ["CT", "MA"]


def test_many_plan_of_combined_series_gets_slug_keys():
    rows = explorer.filter_rows(tiny(), selection(geo="state", split="sex"))
    many = explorer_output.many_plan(explorer_output.line_plan(rows, "sex", ["benzodiazepines"]))
    assert set(many.names) == {"connecticut-female", "connecticut-male", "massachusetts-female",
                               "massachusetts-male"}
    assert many.ranking[-1] == "connecticut-female", "suppressed in the latest year: last"
    assert many.names["connecticut-female"] == "Connecticut · Female"


def test_highlight_help_legend_and_multiples_texts():
    _, rows = wonder_states()
    many = explorer_output.many_plan(explorer_output.line_plan(rows, "none", ["benzodiazepines"]))
    default = many.ranking[:explorer_output.HIGHLIGHT_COUNT]
    assert explorer_output.series_noun(many, "state") == "states"
    assert "the 5 highest in 2020" in explorer_output.highlight_help(many, "states")
    assert explorer_output.highlight_legend(many, default) == "Highest in 2020:"
    assert explorer_output.highlight_legend(many, ["CT", "MA"]) is None
    assert explorer_output.highlight_legend(many, []) is None
    assert explorer_output.multiples_text(many).startswith("24 of 51 series")
    combined = explorer_output.many_plan(explorer_output.line_plan(
        explorer.filter_rows(tiny(), selection(geo="state", split="sex")), "sex",
        ["benzodiazepines"]))
    assert explorer_output.series_noun(combined, "state") == "series"
    assert explorer_output.multiples_text(combined).startswith("One panel per series (4)")


def test_ranked_bars_name_every_varying_column_and_drop_a_mixed_drug_column():
    sel = selection(drugs=("benzodiazepines", "any_opioid"), measure="deaths", geo="state",
                    years=(2023, 2023))
    rows = explorer.filter_rows(table("sudors_state"), sel)
    frame = explorer_output.ranked_bars(rows, "none", list(sel.drugs))
    assert len(frame) == len(rows) > explorer.MAX_BARS
    assert "drug_group" not in frame.columns
    assert {"Connecticut · Benzodiazepines", "Connecticut · Any opioid"} <= set(frame["series"])


# The rows grid

def test_grid_rows_read_as_words_value_first_blanks_blank():
    rows = explorer.filter_rows(tiny(), selection(geo="state", split="sex"))
    grid = explorer_output.grid_rows(rows)
    assert list(grid.columns[:4]) == ["Value", "Flags", "Place", "Drug group"]
    assert "Month" not in grid.columns, "blank in every row (annual data): left out"
    assert not {"geo_name", "value", "suppressed"} & set(grid.columns)
    hidden = grid[grid["Flags"] == "suppressed"]
    assert len(hidden) == 1 and hidden["Value"].isna().all()
    assert set(grid["Sex"]) == {"Female", "Male"} and set(grid["Drug group"]) == {
        "Benzodiazepines"}
    assert set(grid["Case definition"]) == {DEFINITIONS["ucd_overdose"].label}
    text = grid.drop(columns=["Value", "Year"]).astype(str)
    assert not text.isin(["None", "nan", "<NA>", "NaN"]).any().any()
    monthly = rows.assign(month=pd.array([3] + [pd.NA] * (len(rows) - 1), dtype="Int64"),
                          provisional=[True] + [False] * (len(rows) - 1))
    grid = explorer_output.grid_rows(monthly)
    assert grid["Month"].tolist()[:2] == ["March", ""]
    assert grid["Flags"].iloc[0] == "provisional"
    assert len(explorer_output.grid_rows(rows.iloc[:0])) == 0


def test_references_carry_the_view_and_the_processed_file():
    sel = selection(drugs=("benzodiazepines",), years=(2010, 2020))
    refs = explorer_output.references("nida_national", sel, accessed=date(2030, 1, 2),
                                      link="https://example.org/explorer?x=1")
    info = manifest()["tables"]["nida_national"]
    assert len(refs) == 1 and refs[0].url == "https://example.org/explorer?x=1"
    notes = " ".join(refs[0].notes)
    assert "View: Number of deaths; Benzodiazepines" in notes
    assert info["file"] in notes and info["sha256"] in notes


def test_every_title_of_every_table_fits_two_lines():
    """For each table, measure, place level, period and split with its first drug group, the
    chart title wraps to at most two lines (plotly.js puts a third above the card)."""
    from app.charts.common import wrap_title
    long = []
    for name in explorer.explorable_tables(manifest()["tables"]):
        rows_all = explorer.tidy_rows(table(name), name)
        cat = explorer.catalogue_of(rows_all)
        combos = cat[["measure", "geo_level", "period_type", "split"]].drop_duplicates()
        for measure, geo, period, split in combos.itertuples(index=False):
            drugs = explorer.drug_options_of(cat, measure)[:1]
            sel = selection(measure=measure, drugs=tuple(drugs), geo=geo, period=period,
                            split=split, years=(1999, 2030))
            rows = explorer.filter_rows(rows_all, sel)
            parts = [rows[(rows["definition"] == d) & (rows["unit"] == u)]
                     for d, u in explorer_output.definition_units(rows)]
            for title in explorer_output.chart_titles(sel, parts, split, [None] * len(parts)):
                if wrap_title(title).count("<br>") >= explorer_output.TITLE_LINES:
                    long.append(title)
    assert not long, long[:5]

"""States: benzodiazepine-involved (or another drug's) overdose death rates by state of residence,
2010–2020 (CDC WONDER, multiple-cause definition, crude rates), then 2020 onward from SUDORS
(deaths occurring in participating jurisdictions, unintentional or undetermined intent,
age-adjusted) as a separate section."""
from __future__ import annotations

import streamlit as st

from app.charts import bars, common, lines, maps, summaries, theme
from app.data import content, provenance, tables
from app.glue import blocks, cache, layout, urlstate
from app.views import states

WONDER_TABLE = "wonder_mcd"
SUDORS_TABLE = "sudors_state"
DEFAULT_STATES = ["WV", "MA", "CA"]
US_STYLE = theme.SeriesStyle(theme.GREY, "dash", "circle-open")


def drug_label(drug: str) -> str:
    return common.series_label("drug_group", drug)


st.title("States")
st.markdown(content.intro("states"))
links = st.container()

wonder = layout.require_table(WONDER_TABLE)
wonder_source = provenance.table_source_id(WONDER_TABLE)
drug_ids = cache.call(states.wonder_state_drugs, wonder)
years = sorted(int(y) for y in cache.call(states.wonder_state_year, wonder)["year"].unique())
first_year, last_year = years[0], years[-1]

col_drug, col_year = st.columns([1, 2])
with col_drug:
    drug = urlstate.select("Drug", drug_ids, "benzodiazepines", key="drug",
                           format_func=drug_label)
with col_year:
    year = urlstate.year_slider("Year (map and ranking)", years, last_year, key="year")

rates = cache.call(states.wonder_state_rows, wonder, drug, "crude_rate")
rates_year = rates[rates["year"] == year]
deaths_year = cache.call(states.wonder_state_rows, wonder, drug, "deaths", year)
us_rates = cache.call(states.us_rate_from_states, wonder, drug)
us_year = us_rates[us_rates["year"] == year]
without_rate = states.states_without_rate(rates_year, deaths_year)
top = states.highest_rate(rates_year)
map_summary = summaries.chart_summary(states.hidden_rates_as_suppressed(rates_year),
                                      color_by="geo_name")
rate_unit = str(rates["unit"].iloc[0]) if not rates.empty else ""
wonder_caption = provenance.source_caption_text(wonder_source, states.WONDER_STATE_DEFINITION)

st.subheader(f"{drug_label(drug)}: death rates by state, {year}")
with layout.metric_row():
    st.metric(f"United States, {year} (per 100,000)",
              theme.format_value(us_year["value"].iloc[0] if len(us_year) else None,
                                 "crude_rate"),
              help=("Deaths ÷ population, "
                    + (str(us_year["note"].iloc[0]) if len(us_year) else "not available")
                    + ". See the note under the line chart."))
    if top:
        st.metric(f"Highest: {top[0]} (per 100,000)", theme.format_value(top[1], "crude_rate"))
    st.metric("States with no rate shown", f"{len(without_rate)} of {len(states.STATES)}",
              help="Count suppressed (small count) or rate hidden (unreliable); listed below "
                   "the map.")
layout.key_figures_note(rates_year)

# Only the open tab is drawn (a switch reruns the page): one map instead of a map and a
# 50-bar chart on every load. The open tab is part of the link (?view=ranking).
tabs = urlstate.tabs({"map": "Map", "ranking": "Ranking"}, key="view")
with tabs["map"]:
    if tabs["map"].open:
        fig_map = cache.figure(maps.state_map, rates_year,
                               title=f"{drug_label(drug)}: crude death rate, {year}")
        blocks.chart_block(fig_map, rates_year, wonder_caption, key="states_map",
                           summary=map_summary)
with tabs["ranking"]:
    if tabs["ranking"].open:
        fig_rank = cache.figure(bars.ranked_bar, rates_year,
                                suppressed_label="count suppressed or rate hidden by WONDER")
        blocks.chart_block(fig_rank, rates_year, wonder_caption, key="states_ranking",
                           summary=map_summary,
                           export_title=f"{drug_label(drug)}: crude death rate by state, {year}")
if not without_rate.empty:
    st.markdown(f"**No rate shown for {year}** (grey on the map; small numbers, not zero):\n"
                + states.states_without_rate_markdown(without_rate))

lines_title = (f"{drug_label(drug)}: selected states and the United States, "
               f"{first_year}–{last_year}")
st.subheader(lines_title)
col_states, col_events = st.columns([3, 1], vertical_alignment="center")
with col_states:
    chosen = urlstate.multiselect("States", states.state_options(), DEFAULT_STATES, key="states",
                                  format_func=states.state_name, max_selections=8)
with col_events:
    show_events = urlstate.toggle("Show events", True, key="events")
comparison = states.state_comparison_rows(rates, us_rates, chosen)
fig_lines = cache.figure(
    lines.time_series, comparison, color_by="geo_name", measure_label="Crude death rate",
    unit=rate_unit,
    events=content.chart_events(first_year, last_year) if show_events else [],
    style_overrides={states.US_LABEL: US_STYLE})
blocks.chart_block(fig_lines, comparison, wonder_caption, key="states_lines",
                   summary_kwargs={"color_by": "geo_name"}, export_title=lines_title)
layout.definition_note(states.WONDER_STATE_DEFINITION)
layout.newer_data_notes(wonder_source)
st.markdown(content.fill(content.read_markdown("states_wonder"), {
    "first_year": str(first_year), "last_year": str(last_year),
    "suppressed_range": "{}–{}".format(*states.SUPPRESSED_DEATHS),
    "us_uncertainty": f"{states.us_rate_uncertainty(us_rates):.3f}"}))

st.divider()
st.subheader("Recent years from a different system: SUDORS")
try:
    sudors = tables.load_table(SUDORS_TABLE)
except tables.TableUnavailable as err:
    sudors = None
    st.error(str(err), icon=":material/error:")
if sudors is not None:
    sudors_drug = states.sudors_drug_for(drug, sudors)
    sudors_year_options = cache.call(states.sudors_years, sudors)
    col_sudors_year, _ = st.columns([1, 1])
    with col_sudors_year:
        sudors_year = urlstate.year_slider("SUDORS year", sudors_year_options,
                                           sudors_year_options[-1], key="sudors_year")
    if sudors_drug != drug:
        st.caption(f"SUDORS publishes no state rates for {drug_label(drug).lower()}; this section "
                   f"shows {drug_label(sudors_drug).lower()}.")
    coverage = cache.call(states.sudors_jurisdictions_by_year, sudors, sudors_drug)
    sudors_rates = cache.call(states.sudors_state_rows, sudors, sudors_drug, states.SUDORS_RATE,
                              sudors_year)
    sudors_deaths = cache.call(states.sudors_state_rows, sudors, sudors_drug, "deaths", sudors_year)
    sudors_source = provenance.table_source_id(SUDORS_TABLE)
    sudors_caption = provenance.source_caption_text(sudors_source, states.SUDORS_DEFINITION)
    with layout.metric_row():
        st.metric(f"Reporting jurisdictions, {sudors_year}", str(coverage.get(sudors_year, 0)))
        st.metric(f"Deaths, all reporting jurisdictions, {sudors_year}", theme.format_value(
            cache.call(states.sudors_combined_value, sudors, sudors_drug, "deaths", sudors_year),
            "deaths"))
        st.metric(f"Age-adjusted rate, all reporting, {sudors_year}", theme.format_value(
            cache.call(states.sudors_combined_value, sudors, sudors_drug, states.SUDORS_RATE,
                       sudors_year),
            states.SUDORS_RATE))
    layout.key_figures_note(sudors_deaths)
    st.markdown(content.fill(content.read_markdown("states_sudors"), {
        "first_year": str(min(coverage)), "last_year": str(max(coverage)),
        "coverage": "; ".join(f"{y}: {n} jurisdictions" for y, n in coverage.items())}))
    if sudors_rates.empty:
        st.info(f"SUDORS has no state rows for {sudors_year}.", icon=":material/info:")
    else:
        fig_sudors = cache.figure(
            maps.state_map, sudors_rates,
            title=f"{drug_label(sudors_drug)}: age-adjusted death rate, SUDORS, {sudors_year}",
            absent_label="did not report to SUDORS that year")
        blocks.chart_block(fig_sudors, sudors_rates, sudors_caption, key="states_sudors_map",
                           summary_kwargs={"color_by": "geo_name"})
        sudors_without = states.states_without_rate(
            sudors_rates, sudors_deaths, publisher="SUDORS", suppressed_range=False,
            absent_reason="did not report to SUDORS")
        if not sudors_without.empty:
            st.markdown(f"**No rate shown for {sudors_year}** (grey or blank on the map):\n"
                        + states.states_without_rate_markdown(sudors_without))
    layout.definition_note(states.SUDORS_DEFINITION)
    layout.newer_data_notes(sudors_source)

with links:
    urlstate.show_notices()
    urlstate.copy_link_control()

"""Illegal benzodiazepines in overdose deaths: SUDORS deaths with an illegal (designer)
benzodiazepine detected, in three link-bound lazy tabs (?view=): the participating jurisdictions
combined beside the key figures (the default), the states ranked in one year, and chosen states
over time (default: those reporting every year). Nonfatal overdoses are their own page
(pages/nonfatal.py): an old link to this page's former nonfatal tab (?section=nonfatal) opens
that page."""
from __future__ import annotations

import streamlit as st

from app.charts import bars, common, lines
from app.data import content, provenance
from app.glue import blocks, cache, layout, urlstate
from app.views import methods, nonfatal
from etl.registry import STATE_BY_ABBR

TEXT = "illicit"
SUDORS_MEASURES = {"deaths": "Deaths", "percent": "Percent"}

# Links from before the split: the nonfatal tab is now a page of its own (its controls kept).
if st.query_params.get("section") == "nonfatal":
    st.switch_page("pages/nonfatal.py", query_params={
        k: st.query_params.get_all(k) for k in st.query_params if k != "section"})
if st.query_params.get("section") == "deaths":
    del st.query_params["section"]
# Links from before the tabs chose states on one long page: they open the tab that draws them.
if not st.session_state.get("_illicit_link_read"):
    st.session_state["_illicit_link_read"] = True
    if "states" in st.query_params and "view" not in st.query_params:
        st.query_params["view"] = "compare"


def text(section: str, **values: object) -> str:
    return content.fill(content.section(TEXT, section), {k: str(v) for k, v in values.items()})


cites = methods.Citations(content.sources())


def drug_name(group: str) -> str:
    return common.series_label("drug_group", group)


def state_name(abbr: str) -> str:
    return STATE_BY_ABBR[abbr].name


st.title("Illegal benzodiazepines in overdose deaths")
st.markdown(content.intro("illicit"))

sudors = layout.require_table("sudors_state")
detected = cache.call(nonfatal.sudors_rows, sudors, nonfatal.DETECTED_BENZODIAZEPINES, "deaths")
sudors_years = sorted(int(y) for y in detected["year"].unique())

controls = st.container(horizontal=True, vertical_alignment="bottom", gap="medium")
with controls:
    # Drug names are long ("Illegal (designer) benzodiazepines"): the box is as wide as the
    # longest, so the chosen one is never cut.
    drug = urlstate.select("Drug", list(nonfatal.DETECTED_BENZODIAZEPINES),
                           "illegal_benzodiazepines", key="drug", format_func=drug_name,
                           width=300)
    sudors_measure = urlstate.select("Measure", list(SUDORS_MEASURES), "deaths",
                                     key="sudors_measure", format_func=SUDORS_MEASURES.get,
                                     widget="segmented")
    show_events = urlstate.toggle("Show events", True, key="events")
    urlstate.copy_link_control()
# Filled at the end: a refused link setting of any control on the page is noted here.
notices = st.container()
events = content.chart_events(sudors_years[0], sudors_years[-1]) if show_events else []


def year_control(label: str, **widget_kwargs: object) -> int:
    """The year of the key figures and of the states ranked: one link value (?year=) for both
    tabs, so switching between them keeps the year."""
    return urlstate.year_slider(label, sudors_years, sudors_years[-1], key="year",
                                **widget_kwargs)


def view_for(year: int = sudors_years[-1], states: tuple[str, ...] = ()) -> nonfatal.SudorsView:
    return cache.call(nonfatal.sudors_view, sudors, drug, sudors_measure, year, states)


def combined_section() -> None:
    """The participating jurisdictions combined, four drugs over the years, beside the year's
    key figures."""
    chart_column, figures_column = st.columns([2.4, 1], gap="medium")
    with figures_column:
        year = year_control("Year (key figures)")
    view = view_for(year)
    with chart_column:
        trend = view.trend
        title = (f"Illegal benzodiazepines detected in overdose deaths, participating "
                 f"jurisdictions combined, {sudors_years[0]}–{sudors_years[-1]}")
        st.markdown(f"**{title}**")
        blocks.chart_block(cache.figure(lines.time_series, trend, events=events), trend,
                           provenance.table_caption_text("sudors_state"), "illicit_sudors_trend",
                           export_title=title)
        censored = cache.call(nonfatal.censored_points, trend, labels={
            g: drug_name(g) for g in nonfatal.DETECTED_BENZODIAZEPINES})
        if censored:
            st.caption(text("censored", points=", ".join(censored)))
    with figures_column:
        scope = f"{drug_name(drug)} detected; all participating jurisdictions combined"
        deaths = cache.call(nonfatal.year_value_text, view.total_deaths, year, "deaths")
        percent = cache.call(nonfatal.year_value_text, view.total_percent, year, "percent")
        layout.labelled_metric(f"Deaths with {drug_name(drug).lower()} detected, {year}", deaths,
                               help=scope)
        layout.labelled_metric(f"Percent of overdose deaths, {year}", percent, help=scope)
        layout.labelled_metric(f"Jurisdictions reporting, {year}",
                               str(view.jurisdictions_by_year.get(year, 0)))
        layout.key_figures_note(view.total_deaths[view.total_deaths["year"] == year])


def states_section() -> None:
    """Every reporting state ranked, for one drug and year."""
    year = year_control("Year", width=260)
    state_year = view_for(year).state_year
    if state_year.empty:
        st.info(f"No state rows for {drug_name(drug)} in {year}.")
        return
    blocks.chart_block(
        cache.figure(bars.ranked_bar, state_year, mark_censored=True,
                     title=f"{drug_name(drug)} detected in deaths, by state, {year}"),
        state_year, provenance.table_caption_text("sudors_state"), "illicit_sudors_states")


def compare_section() -> None:
    """Chosen states over the years, and why a chosen state lacks a year."""
    state_options = sorted(cache.call(nonfatal.states_with_data, detected), key=state_name)
    # Default: the states with the most deaths among those reporting every year.
    default_states = cache.call(
        nonfatal.default_states,
        cache.call(nonfatal.sudors_rows, sudors, ["illegal_benzodiazepines"], "deaths"), 3)
    states = urlstate.multiselect("States to compare", state_options, default_states,
                                  key="states", format_func=state_name, max_selections=6,
                                  help="Default: the states with the most deaths among those "
                                       "that reported in every year")
    view = view_for(states=tuple(states))
    picked = view.picked
    if picked.empty:
        st.info("Choose states above to compare them over time.")
        return
    blocks.chart_block(
        cache.figure(lines.time_series, picked, color_by="geo_name", events=events,
                     title=f"{drug_name(drug)} detected in deaths, selected states"),
        picked, provenance.table_caption_text("sudors_state"), "illicit_sudors_picked",
        summary_kwargs={"color_by": "geo_name"})
    if view.missing:
        st.caption(text("no_rows", states=", ".join(view.missing)))
    if view.censored_picked:
        st.caption(text("censored", points=", ".join(view.censored_picked)))
    if view.gaps:
        st.caption(text("gaps", gaps=" ".join(view.gaps)))


# Three views in link-bound lazy tabs (?view=states, ?view=compare): a visit draws one chart
# instead of three (benchmarks/RESULTS.md, section 3a).
SECTIONS = {"combined": ("Participating jurisdictions combined", combined_section),
            "states": ("States in one year", states_section),
            "compare": ("States over time", compare_section)}
layout.section_tabs(SECTIONS, key="view")

st.markdown(text("sudors", jurisdictions=", ".join(
    f"{n} in {y}" for y, n in cache.call(nonfatal.jurisdictions_per_year, detected).items())))
layout.definition_note("sudors_unintentional_undetermined")
layout.newer_data_notes(provenance.table_source_id("sudors_state"))
st.markdown(cites.link(text("mmwr")))
layout.sources_cited(cites)

with notices:
    urlstate.show_notices()

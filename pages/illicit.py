"""Illicit benzodiazepines and nonfatal overdoses: SUDORS deaths with an illegal (designer)
benzodiazepine detected, by state and for the participating jurisdictions; DOSE nonfatal ED
visits and hospital stays involving benzodiazepines. Deaths and nonfatal visits are never mixed:
they are two tabs, of which only the open one is drawn (?section=deaths|nonfatal)."""
from __future__ import annotations

import streamlit as st

from app.charts import bars, common, lines
from app.data import content, provenance, tables
from app.glue import blocks, cache, layout, urlstate
from app.views import nonfatal
from etl.registry import STATE_BY_ABBR

TEXT = "illicit_nonfatal"
SUDORS_MEASURES = {"deaths": "Deaths", "percent": "Percent"}
DOSE_MEASURES = {"visits": "Counts", "visit_rate": "Rates"}
SETTINGS = {"nonfatal_ed_discharge": "ED visits", "nonfatal_hosp_discharge": "Hospital stays"}
PERIODS = {"month": "Monthly", "12_month_ending": "Rolling 12 months"}


def text(section: str, **values: object) -> str:
    return content.fill(content.section(TEXT, section), {k: str(v) for k, v in values.items()})


def drug_name(group: str) -> str:
    return common.series_label("drug_group", group)


def state_name(abbr: str) -> str:
    return STATE_BY_ABBR[abbr].name


st.title("Illicit benzodiazepines and nonfatal overdoses")
st.markdown(content.intro("illicit_nonfatal"))
link_area = st.container()

sudors = layout.require_table("sudors_state")
syndromic = layout.require_table("dose_syndromic")
discharge = layout.require_table("dose_discharge")

dis_benzo = cache.call(tables.rows_where, discharge, drug_group=nonfatal.BENZO)
detected = cache.call(nonfatal.sudors_rows, sudors, nonfatal.DETECTED_BENZODIAZEPINES, "deaths")
sudors_years = sorted(int(y) for y in detected["year"].unique())
state_options = sorted(
    set(cache.call(nonfatal.states_with_data, detected))
    | set(cache.call(nonfatal.states_with_data,
                     cache.call(nonfatal.syndromic_rows, syndromic, "month")))
    | set(cache.call(nonfatal.states_with_data, dis_benzo)),
    key=state_name)
default_states = cache.call(
    nonfatal.top_states,
    cache.call(nonfatal.sudors_rows, sudors, ["illegal_benzodiazepines"], "deaths"), 3)

top_left, top_right = st.columns([3, 1])
with top_left:
    states = urlstate.multiselect("States to compare (all charts)", state_options, default_states,
                                  key="states", format_func=state_name, max_selections=6)
with top_right:
    show_events = urlstate.toggle("Show events", True, key="events")


def deaths_section() -> None:
    """SUDORS: illegal benzodiazepines detected in overdose deaths (states, trend, chosen)."""
    st.markdown(text("sudors", jurisdictions=", ".join(
        f"{n} in {y}" for y, n in cache.call(nonfatal.jurisdictions_per_year, detected).items())))
    # Drug names are long ("Illegal (designer) benzodiazepines"): in a third of the row the
    # chosen one was cut, so the year slider has a row of its own.
    drug_column, measure_column = st.columns([3, 2])
    with drug_column:
        drug = urlstate.select("Drug", list(nonfatal.DETECTED_BENZODIAZEPINES),
                               "illegal_benzodiazepines", key="drug", format_func=drug_name)
    with measure_column:
        sudors_measure = urlstate.select("Measure (deaths)", list(SUDORS_MEASURES), "deaths",
                                         key="sudors_measure", format_func=SUDORS_MEASURES.get,
                                         widget="segmented")
    year_column, _ = st.columns(2)
    with year_column:
        year = urlstate.year_slider("Year (deaths)", sudors_years, sudors_years[-1], key="year")

    view = cache.call(nonfatal.sudors_view, sudors, drug, sudors_measure, year, states)
    scope = f"{drug_name(drug)} detected; all participating jurisdictions combined"
    with layout.metric_row():
        st.metric(f"Deaths, {year}", nonfatal.year_value_text(view.total_deaths, year, "deaths"),
                  help=scope)
        st.metric(f"Percent of overdose deaths, {year}",
                  nonfatal.year_value_text(view.total_percent, year, "percent"), help=scope)
        st.metric(f"Jurisdictions reporting, {year}",
                  str(view.jurisdictions_by_year.get(year, 0)))
    layout.key_figures_note(view.total_deaths[view.total_deaths["year"] == year])

    state_year = view.state_year
    if state_year.empty:
        st.info(f"No state rows for {drug_name(drug)} in {year}.")
    else:
        blocks.chart_block(
            cache.figure(bars.ranked_bar, state_year, mark_censored=True,
                         title=f"{drug_name(drug)} detected in deaths, by state, {year}"),
            state_year, provenance.table_caption_text("sudors_state"), "illicit_sudors_states")

    trend = view.trend
    events = content.chart_events(sudors_years[0], sudors_years[-1]) if show_events else []
    blocks.chart_block(
        cache.figure(lines.time_series, trend, events=events,
                     title="Illegal benzodiazepines detected in deaths, participating "
                     "jurisdictions"),
        trend, provenance.table_caption_text("sudors_state"), "illicit_sudors_trend")
    censored = nonfatal.censored_points(trend, labels={g: drug_name(g) for g in
                                                       nonfatal.DETECTED_BENZODIAZEPINES})
    if censored:
        st.caption(text("censored", points=", ".join(censored)))

    picked = view.picked
    if picked.empty:
        st.info("Choose states above to compare them over time.")
    else:
        blocks.chart_block(
            cache.figure(lines.time_series, picked, color_by="geo_name", events=events,
                         title=f"{drug_name(drug)} detected in deaths, selected states"),
            picked, provenance.table_caption_text("sudors_state"), "illicit_sudors_picked",
            summary_kwargs={"color_by": "geo_name"})
        if view.missing:
            st.caption(text("no_rows", states=", ".join(view.missing)))
        if view.censored_picked:
            st.caption(text("censored", points=", ".join(view.censored_picked)))
    layout.definition_note("sudors_unintentional_undetermined")
    layout.newer_data_notes(provenance.table_source_id("sudors_state"))
    refs = content.sources()
    st.markdown(text("mmwr", liu=refs["mmwr-2021-liu"], aldy=refs["mmwr-2021-aldy"]))


def nonfatal_section() -> None:
    """DOSE: nonfatal overdose ED visits and hospital stays (NOT deaths)."""
    st.markdown(text("nonfatal"))
    period = urlstate.select("Period", list(PERIODS), "month", key="period",
                             format_func=PERIODS.get, widget="segmented")
    gap_label = text("gap_label")
    sys_view = cache.call(nonfatal.syndromic_view, syndromic, period, states, gap_label)
    if sys_view.latest is not None:
        st.markdown(text("dose_sys", latest=nonfatal.period_text(sys_view.latest),
                         jurisdictions=nonfatal.jurisdictions_text(sys_view.latest.to_frame().T)))
    sys_plot = sys_view.plot
    sys_events = (content.chart_events(int(sys_plot["year"].min()), int(sys_plot["year"].max()))
                  if show_events else [])
    sys_fig = cache.figure(lines.time_series, sys_plot, color_by="geo_name", events=sys_events,
                           measure_label="Rate", unit="visits per 10,000 ED visits",
                           height=520, title="NONFATAL benzodiazepine overdose ED visits "
                           "(not deaths)")
    if sys_view.gap is not None:
        nonfatal.shade_period(sys_fig, sys_view.gap[0], sys_view.gap[1], gap_label)
    blocks.chart_block(sys_fig, sys_plot, provenance.table_caption_text("dose_syndromic"),
                       "illicit_dose_sys", summary_kwargs={"color_by": "geo_name"})
    if sys_view.missing:
        st.caption(text("no_rows", states=", ".join(sys_view.missing)))
    layout.definition_note("nonfatal_ed_syndromic")

    dis_years = sorted(int(y) for y in dis_benzo["year"].unique())
    d1, d2, d3 = st.columns(3)
    with d1:
        setting = urlstate.select("Setting", list(SETTINGS), "nonfatal_ed_discharge", key="setting",
                                  format_func=SETTINGS.get, widget="segmented")
    with d2:
        dose_measure = urlstate.select("Measure (nonfatal)", list(DOSE_MEASURES), "visit_rate",
                                       key="dose_measure", format_func=DOSE_MEASURES.get,
                                       widget="segmented")
    with d3:
        dis_year = urlstate.year_slider("Year (nonfatal)", dis_years, dis_years[-1],
                                        key="dis_year")
    dis_view = cache.call(nonfatal.discharge_view, discharge, setting, dose_measure, dis_year,
                          states)
    st.markdown(text("dose_dis", year=dis_year, jurisdictions=dis_view.jurisdictions))
    dis_states = dis_view.state_year
    blocks.chart_block(
        cache.figure(bars.ranked_bar, dis_states,
                     title=f"NONFATAL: {SETTINGS[setting]} by state, {dis_year} (not deaths)"),
        dis_states, provenance.table_caption_text("dose_discharge"), "illicit_dose_dis_states")
    dis_trend = dis_view.trend
    dis_events = content.chart_events(dis_years[0], dis_years[-1]) if show_events else []
    blocks.chart_block(
        cache.figure(lines.time_series, dis_trend, color_by="geo_name", events=dis_events,
                     title=f"NONFATAL: {SETTINGS[setting]} involving benzodiazepines "
                     "(not deaths)"),
        dis_trend, provenance.table_caption_text("dose_discharge"), "illicit_dose_dis_trend",
        summary_kwargs={"color_by": "geo_name"})
    if dis_view.missing:
        st.caption(text("no_rows", states=", ".join(dis_view.missing)))
    layout.definition_note(setting)
    layout.newer_data_notes(provenance.table_source_id("dose_syndromic"))


# Deaths and nonfatal visits never share a chart; as tabs they do not share a screen either, and
# only the open tab is drawn (a switch reruns the page; ?section=nonfatal in the link).
SECTIONS = {"deaths": ("Deaths: illegal benzodiazepines (SUDORS)", deaths_section),
            "nonfatal": ("Nonfatal overdoses (DOSE, not deaths)", nonfatal_section)}
layout.section_tabs(SECTIONS, key="section")

with link_area:
    urlstate.show_notices()
    urlstate.copy_link_control()

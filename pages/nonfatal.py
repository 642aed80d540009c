"""Nonfatal overdoses (not deaths): DOSE nonfatal emergency department visits (DOSE-SYS, near
real time) and emergency visits and hospital stays from discharge records (DOSE-DIS) involving
benzodiazepines, for the participating jurisdictions and chosen states (default: those with data
in every period). Never combined with deaths."""
from __future__ import annotations

import streamlit as st

from app.charts import bars, lines
from app.data import content, provenance, tables
from app.glue import blocks, cache, layout, urlstate
from app.views import nonfatal
from etl.registry import STATE_BY_ABBR

TEXT = "nonfatal"
DOSE_MEASURES = {"visits": "Counts", "visit_rate": "Rates"}
SETTINGS = {"nonfatal_ed_discharge": "ED visits", "nonfatal_hosp_discharge": "Hospital stays"}
PERIODS = {"month": "Monthly", "12_month_ending": "Rolling 12 months"}


def text(section: str, **values: object) -> str:
    return content.fill(content.section(TEXT, section), {k: str(v) for k, v in values.items()})


def state_name(abbr: str) -> str:
    return STATE_BY_ABBR[abbr].name


st.title("Nonfatal overdoses involving benzodiazepines (not deaths)")
st.markdown(content.intro("nonfatal"))

syndromic = layout.require_table("dose_syndromic")
discharge = layout.require_table("dose_discharge")
dis_benzo = cache.call(tables.rows_where, discharge, drug_group=nonfatal.BENZO)
sys_month = cache.call(nonfatal.syndromic_rows, syndromic, "month")
state_options = sorted(set(cache.call(nonfatal.states_with_data, sys_month))
                       | set(cache.call(nonfatal.states_with_data, dis_benzo)), key=state_name)
# Default comparison: the highest recent rates among states with data in every month.
default_states = cache.call(nonfatal.default_states, sys_month, 3)

controls = st.container(horizontal=True, vertical_alignment="bottom", gap="medium")
with controls:
    states = urlstate.multiselect("States to compare (all charts)", state_options, default_states,
                                  key="states", format_func=state_name, max_selections=6,
                                  width=420, help="Default: the highest recent rates among "
                                                  "the states with data in every month")
    show_events = urlstate.toggle("Show events", True, key="events")
    urlstate.copy_link_control()
# Filled at the end: a refused link setting of any control on the page is noted here.
notices = st.container()


def syndromic_section() -> None:
    """DOSE-SYS: ED visits by month, near real time, with the COVID-19 gap."""
    period = urlstate.select("Period", list(PERIODS), "month", key="period",
                             format_func=PERIODS.get, widget="segmented")
    gap_label = text("gap_label")
    sys_view = cache.call(nonfatal.syndromic_view, syndromic, period, states, gap_label)
    sys_plot = sys_view.plot
    sys_events = (content.chart_events(int(sys_plot["year"].min()), int(sys_plot["year"].max()))
                  if show_events else [])
    sys_title = (f"NONFATAL benzodiazepine overdose ED visits per 10,000 ED visits (not deaths), "
                 f"{PERIODS[period].lower()}")
    st.markdown(f"**{sys_title}**")
    sys_fig = cache.figure(lines.time_series, sys_plot, color_by="geo_name", events=sys_events,
                           measure_label="Rate", unit="visits per 10,000 ED visits")
    if sys_view.gap is not None:
        nonfatal.shade_period(sys_fig, sys_view.gap[0], sys_view.gap[1], gap_label)
    blocks.chart_block(sys_fig, sys_plot, provenance.table_caption_text("dose_syndromic"),
                       "nonfatal_dose_sys", summary_kwargs={"color_by": "geo_name"},
                       export_title=sys_title)
    if sys_view.missing:
        st.caption(text("no_rows", states=", ".join(sys_view.missing)))
    st.markdown(text("nonfatal"))
    if sys_view.latest is not None:
        st.markdown(text("dose_sys", latest=nonfatal.period_text(sys_view.latest),
                         jurisdictions=nonfatal.jurisdictions_text(sys_view.latest.to_frame().T)))
    layout.definition_note("nonfatal_ed_syndromic")


def discharge_section() -> None:
    """DOSE-DIS: ED visits or hospital stays by state and year, from discharge records."""
    dis_years = sorted(int(y) for y in dis_benzo["year"].unique())
    d1, d2, d3 = st.columns(3)
    with d1:
        setting = urlstate.select("Setting", list(SETTINGS), "nonfatal_ed_discharge",
                                  key="setting", format_func=SETTINGS.get, widget="segmented")
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
        dis_states, provenance.table_caption_text("dose_discharge"), "nonfatal_dose_dis_states")
    dis_trend = dis_view.trend
    dis_events = content.chart_events(dis_years[0], dis_years[-1]) if show_events else []
    blocks.chart_block(
        cache.figure(lines.time_series, dis_trend, color_by="geo_name", events=dis_events,
                     title=f"NONFATAL: {SETTINGS[setting]} involving benzodiazepines "
                     "(not deaths)"),
        dis_trend, provenance.table_caption_text("dose_discharge"), "nonfatal_dose_dis_trend",
        summary_kwargs={"color_by": "geo_name"})
    if dis_view.missing:
        st.caption(text("no_rows", states=", ".join(dis_view.missing)))
    st.markdown(text("nonfatal"))
    layout.definition_note(setting)


# The two systems in link-bound lazy tabs (?view=discharge): a visit draws one chart and no year
# slider instead of three charts and a slider (benchmarks/RESULTS.md, section 3a).
SECTIONS = {"visits": ("Emergency visits by month (DOSE-SYS)", syndromic_section),
            "discharge": ("Visits and hospital stays by year (DOSE-DIS)", discharge_section)}
layout.section_tabs(SECTIONS, key="view")
layout.newer_data_notes(provenance.table_source_id("dose_syndromic"))

with notices:
    urlstate.show_notices()

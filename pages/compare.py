"""Compared with other drugs: benzodiazepine-involved deaths beside other drug groups (NIDA
national figures, NCHS underlying-cause definition), as counts or age-adjusted rates, absolute or
indexed to a base year."""
from __future__ import annotations

import streamlit as st

from app.charts import common, lines
from app.data import content, provenance
from app.glue import blocks, cache, layout, urlstate
from app.views import comparisons

TABLE = "nida_national"
DEFINITION = "ucd_overdose"
MEASURE_LABELS = {"deaths": "Deaths", "age_adjusted_rate": "Age-adjusted rate"}
VIEW_LABELS = {"absolute": "Absolute", "index": "Index"}
SCALE_LABELS = {"linear": "Linear", "log": "Log"}

st.title("Compared with other drugs")
st.markdown(content.intro("compare"))

nida = layout.require_table(TABLE)
all_deaths = cache.call(comparisons.drug_comparison_rows, nida, comparisons.COMPARE_DRUGS, "deaths")
all_years = sorted(int(y) for y in all_deaths["year"].unique())
first_year, last_year = all_years[0], all_years[-1]

drugs = urlstate.multiselect("Drugs", comparisons.COMPARE_DRUGS, comparisons.COMPARE_DEFAULT,
                             key="drugs",
                             format_func=lambda d: common.series_label("drug_group", d))
col_measure, col_view, col_sex = st.columns([1.2, 1, 1.3])
with col_measure:
    measure = urlstate.select("Measure", comparisons.COMPARE_MEASURES, "deaths", key="measure",
                              widget="segmented", format_func=MEASURE_LABELS.get)
with col_view:
    view = urlstate.select("View", list(VIEW_LABELS), "absolute", key="view", widget="segmented",
                           format_func=VIEW_LABELS.get,
                           help="Index: each line divided by its own base-year value, × 100.")
with col_sex:
    sex = urlstate.select("Sex", ["all", "female", "male"], "all", key="sex", widget="segmented",
                          format_func=common.SEX_LABELS.get)
col_years, col_base, col_scale, col_events = st.columns([1.6, 1.2, 0.9, 0.8],
                                                        vertical_alignment="bottom")
with col_years:
    years = urlstate.year_slider("Years", all_years, (first_year, last_year), key="years")
with col_base:
    base_year = urlstate.year_slider("Base year of the index", all_years, 2010, key="base_year",
                                     disabled=view != "index",
                                     help="Used by the index view: each line is 100 in this year.")
with col_scale:
    scale = urlstate.select("Scale", list(SCALE_LABELS), "linear", key="scale",
                            widget="segmented", format_func=SCALE_LABELS.get)
with col_events:
    show_events = urlstate.toggle("Show events", True, key="events")
urlstate.show_notices()
urlstate.copy_link_control()

if not drugs:
    st.info("Choose at least one drug to draw the chart.", icon=":material/info:")
    st.stop()

rows = cache.call(comparisons.drug_comparison_rows, nida, drugs, measure, sex)
measure_label = MEASURE_LABELS[measure]
unit = None
if view == "index":
    rows, dropped = comparisons.indexed_rows(rows, base_year)
    measure_label = f"{measure_label} relative to {base_year}"
    unit = comparisons.index_unit(base_year)
    if dropped:
        st.caption("Not indexed (no value in the base year): "
                   + ", ".join(common.series_label("drug_group", d) for d in dropped))
plotted = comparisons.within_years(rows, years)
if plotted.empty:
    st.info("No values for this choice of drugs and years.", icon=":material/info:")
    st.stop()

sex_text = "" if sex == "all" else f", {common.SEX_LABELS[sex].lower()}"
title = f"{measure_label}, United States{sex_text}, {years[0]}–{years[1]}"
st.subheader(title)
fig = cache.figure(lines.time_series, plotted, color_by="drug_group",
                   measure_label=measure_label, unit=unit, log_y=scale == "log",
                   events=content.chart_events(*years) if show_events else [])
caption = (provenance.source_caption_text(provenance.table_source_id(TABLE), DEFINITION) + " "
           + content.read_markdown("compare_note"))
blocks.chart_block(fig, plotted, caption, key="compare_drugs", export_title=title,
                   summary_kwargs={"color_by": "drug_group", "unit": unit})
layout.definition_note(DEFINITION)
layout.newer_data_notes(provenance.table_source_id(TABLE))

with st.expander("How to read this chart"):
    st.markdown(content.fill(content.read_markdown("compare_measures"),
                             {"first_year": str(first_year), "last_year": str(last_year)}))

"""Data explorer, for researchers: any processed table, filtered by measure, drug groups, place,
years and a demographic split; drawn as lines, bars or a map; listed with every flag; downloaded
as CSV or Parquet; cited and reproducible. The logic lives in app/explorer.py."""
from __future__ import annotations

import datetime as dt

import streamlit as st

from app import charts, content, data, explorer, memo, ui, urlstate

SELECT_WIDTH = 240  # px: two boxes a row at 1024 px with the menu open, three at 1280

st.title("Data explorer")
st.markdown(content.intro("explorer"))
st.caption(explorer.text("controls_help"))

# Controls: each one's options come from the choices before it.
tables = explorer.ordered_tables(data.available_tables())
if not tables:
    st.error(f"No processed tables are listed: the data manifest in {data.data_dir()} is missing "
             f"or empty. To fix it, {data.REBUILD_HINT}.", icon=":material/error:")
    st.stop()
# Layout: option names are long (tables up to ~100 characters, measures ~60), and a closed
# selectbox cuts its value at its own width. The table gets a row of its own, measure and drug
# groups half a row each, the place/period/split boxes SELECT_WIDTH in a row that wraps.
table = urlstate.select("Table", tables, explorer.DEFAULT_TABLE if explorer.DEFAULT_TABLE
                        in tables else tables[0], key="table", format_func=explorer.table_label)
ui.require_table(table)
h = explorer.handle(table)

measures = explorer.measure_options(h)
explorer.drop_stale("measure", explorer.keep_choice(measures))
measure_column, drugs_column = st.columns(2)
with measure_column:
    measure = urlstate.select("Measure", measures, measures[0], key="measure",
                              format_func=explorer.measure_label)
if measure in ("crude_rate", "age_adjusted_rate"):
    st.caption(explorer.text("rate_kinds"))
drug_choices = explorer.drug_options(h, measure)
explorer.drop_stale("drugs", explorer.keep_choices(drug_choices))
with drugs_column:
    drugs = urlstate.multiselect("Drug groups", drug_choices,
                                 explorer.default_drugs(drug_choices), key="drugs",
                                 format_func=explorer.drug_label)

middle = st.container(horizontal=True, gap="small")
geo_choices = explorer.geo_options(h, measure, tuple(drugs))
explorer.drop_stale("geo", explorer.keep_choice(geo_choices))
with middle:
    geo = urlstate.select("Place", geo_choices, geo_choices[0], key="geo",
                          format_func=lambda g: explorer.GEO_LABELS.get(g, g), width=SELECT_WIDTH)
state_choices = explorer.state_options(h, measure, tuple(drugs)) if geo == "state" else []
if geo == "state":
    explorer.drop_stale("states", explorer.keep_choices(state_choices))
    with middle:
        states = urlstate.multiselect("States", state_choices, [], key="states",
                                      format_func=explorer.state_label,
                                      placeholder="All states with rows", width=SELECT_WIDTH)
else:
    explorer.forget("states")
    states = []
fips = explorer.states_to_fips(states)
period_choices = explorer.period_options(h, measure, tuple(drugs), geo, fips)
explorer.drop_stale("period", explorer.keep_choice(period_choices))
with middle:
    period = urlstate.select("Period", period_choices, period_choices[0], key="period",
                             format_func=lambda p: explorer.PERIOD_LABELS.get(p, p),
                             disabled=len(period_choices) == 1, width=SELECT_WIDTH)
split_choices = explorer.split_options(h, measure, tuple(drugs), geo, fips, period)
explorer.drop_stale("split", explorer.keep_choice(split_choices))
with middle:
    split = urlstate.select("Split by", split_choices, split_choices[0], key="split",
                            format_func=explorer.split_label,
                            disabled=len(split_choices) == 1, width=SELECT_WIDTH)

# Chart type and "Show events" as wide as their labels, the year slider the rest of the row.
bottom = st.container(horizontal=True, vertical_alignment="bottom", gap="medium")
chart_choices = explorer.chart_options(geo, len(states) or len(state_choices))
explorer.drop_stale("chart", explorer.keep_choice(chart_choices))
with bottom:
    chart = urlstate.select("Chart", chart_choices, "line", key="chart", widget="segmented",
                            format_func=explorer.CHART_LABELS.get,
                            help="Line: over the years chosen. Bars and map: one year.")
span = explorer.year_span(h, measure, tuple(drugs), geo, fips, period, split)
if span is None:
    st.info(explorer.text("no_rows"), icon=":material/info:")
    st.stop()
first, last = span
show_events = False
with bottom:
    if chart == "line":
        explorer.forget("year")
        if first < last:
            explorer.drop_stale("years", explorer.keep_span(first, last))
            years = urlstate.year_slider("Years", range(first, last + 1), (first, last),
                                         key="years")
        else:
            explorer.forget("years")
            years = (first, last)
            st.caption(f"Year: {first} (the only year with rows)")
    else:
        explorer.forget("years", "events")
        if first < last:
            explorer.drop_stale("year", explorer.keep_year(first, last))
            year = urlstate.year_slider("Year", range(first, last + 1), last, key="year")
        else:
            explorer.forget("year")
            year = first
            st.caption(f"Year: {first} (the only year with rows)")
        years = (year, year)
if chart == "line":
    with bottom:
        show_events = urlstate.toggle("Show events", True, key="events")
urlstate.show_notices()
urlstate.copy_link_control()

selection = explorer.Selection(measure, tuple(drugs), geo, fips, period, split,
                               (int(years[0]), int(years[1])))
if chart != "line":
    selection = selection._replace(month=explorer.snapshot_month(h, selection))
rows = explorer.filtered(h, selection)
if not drugs:
    st.info(explorer.text("no_drugs"), icon=":material/info:")
    st.stop()
if rows.empty:
    st.info(explorer.text("no_rows"), icon=":material/info:")
    st.stop()

# The chart(s): one per case definition and unit, never a mixed axis.
if table == explorer.OCME_TABLE:
    st.info(explorer.text("ocme_view"), icon=":material/info:")
mixed = explorer.mix_warning(rows)
if mixed:
    st.warning(mixed, icon=":material/warning:")
if chart != "line":
    st.caption(explorer.text("snapshot", period=explorer.period_text(rows)))
source_id = data.table_source_id(table)
for i, (definition, unit) in enumerate(explorer.definition_units(rows, drugs)):
    part = rows[(rows["definition"] == definition) & (rows["unit"] == unit)]
    title = ", ".join(x for x in (data.definition_label(definition),
                                  explorer.fixed_demographics(part, split)) if x)
    caption = data.source_caption_text(source_id, definition)
    summary = explorer.summary_text(part, split, drugs, ocme=table == explorer.OCME_TABLE)
    key = f"explorer_{chart}_{i}"
    if chart == "line":
        plan = explorer.line_plan(part, split, drugs)
        if plan.n_series > explorer.MAX_LINE_SERIES:
            st.info(explorer.text("too_many_series", count=plan.n_series,
                                  limit=explorer.MAX_LINE_SERIES), icon=":material/info:")
            continue
        events = content.chart_events(*selection.years) if show_events else []
        fig = memo.figure(charts.time_series, plan.frame, color_by=plan.color_by,
                          title=title, events=events)
        ui.chart_block(fig, plan.frame, caption, key, summary=summary)
    elif chart == "bar":
        plan = explorer.bar_plan(part, split, drugs, geo)
        if plan.n_bars > explorer.MAX_BARS:
            st.info(explorer.text("too_many_series", count=plan.n_bars,
                                  limit=explorer.MAX_BARS), icon=":material/info:")
            continue
        if plan.ranked:
            fig = memo.figure(charts.ranked_bar, plan.frame, title=title)
        else:
            fig = memo.figure(charts.category_bar, plan.frame, plan.category,
                              color_by=plan.color_by, title=title)
        ui.chart_block(fig, plan.frame, caption, key, summary=summary)
    else:
        if not explorer.map_ready(part, split):
            st.info(explorer.text("map_needs_one_series"), icon=":material/info:")
            continue
        fig = memo.figure(charts.state_map, part, title=title)
        ui.chart_block(fig, part, caption, key, summary=summary)

# Every filtered row, with its flags; downloads of exactly these rows.
st.subheader("The rows")
st.caption(explorer.text("rows_help", rows=f"{len(rows):,}"))
st.dataframe(rows, hide_index=True, width="stretch", key="explorer_rows",
             column_order=explorer.row_column_order(rows))
left, right = st.columns(2)
with left:
    st.download_button("Download these rows (CSV)", data=explorer.download(h, selection, "csv"),
                       file_name=explorer.download_name(table, "csv"), mime="text/csv",
                       key="download_csv", on_click="ignore", icon=":material/download:")
with right:
    st.download_button("Download these rows (Parquet)",
                       data=explorer.download(h, selection, "parquet"),
                       file_name=explorer.download_name(table, "parquet"),
                       mime="application/vnd.apache.parquet", key="download_parquet",
                       on_click="ignore", icon=":material/download:")

# Where the rows come from and what they count.
st.subheader("Source and definition")
st.markdown("  \n".join(explorer.source_lines(source_id)))
for definition in dict.fromkeys(rows["definition"]):
    ui.definition_note(definition)
caveats = data.source_info(source_id).get("caveats") or []
if caveats:
    with st.expander("The source's caveats"):
        st.markdown("\n".join(f"- {c}" for c in caveats))

# Drawn when opened, like every chart's own "Cite and reproduce" (app.ui.on_demand).
with ui.on_demand("Cite and reproduce these rows", "cite_rows") as opened:
    if opened:
        st.caption(explorer.text("cite_help"))
        link = urlstate.shareable_url()
        st.code(explorer.citation_text(table, selection, accessed=dt.date.today().isoformat(),
                                       link=link if link.startswith("http") else "", rows=rows),
                language=None, wrap_lines=True)
        st.caption(explorer.text("reproduce_help"))
        table_file = data.table_info(table).get("file") or f"{table}.parquet"
        st.code(explorer.pandas_snippet(table_file, selection,
                                        ocme=table == explorer.OCME_TABLE), language="python")
        table_path = data.data_dir() / table_file
        st.download_button("Download the whole table (Parquet)", data=table_path.read_bytes,
                           file_name=table_file, mime="application/vnd.apache.parquet",
                           key="download_table", on_click="ignore", icon=":material/download:")

"""Data explorer, for researchers: any processed table, filtered by measure, drug groups, place,
years and a demographic split; drawn as lines, bars or a map; listed with every flag; downloaded
as CSV or Parquet; cited and reproducible. The logic lives in app/views/explorer.py and
app/views/explorer_output.py, the cached option lists and stale choices in
app/glue/explorer_controls.py."""
from __future__ import annotations

import datetime as dt

import streamlit as st

from app.charts import bars, lines, many_series, maps
from app.data import content, provenance, tables
from app.glue import blocks, cache, explorer_controls, layout, urlstate
from app.views import explorer, explorer_output

# Widths (px): the first screen at 1280×720 (menu open) has room for three rows of controls
# above the chart: the table alone (its names run to ~100 characters); measure, drug groups and
# place; chart type, years, the other filters (a popover) and the link. At 1024 px rows wrap.
CONTROL_WIDTHS = {"measure": 230, "drugs": 260, "geo": 250, "more": 340}

st.title("Data explorer")
st.markdown(content.intro("explorer"))

# Controls: each one's options come from the choices before it.
try:
    listed = tables.load_manifest()["tables"]
except tables.ManifestUnavailable:
    listed = {}
table_names = explorer.ordered_tables(explorer.explorable_tables(listed))
if not table_names:
    st.error(f"No processed tables are listed: the data manifest in {tables.data_dir()} is "
             f"missing or empty. To fix it, {tables.REBUILD_HINT}.", icon=":material/error:")
    st.stop()
table = urlstate.select("Table", table_names, explorer.DEFAULT_TABLE if explorer.DEFAULT_TABLE
                        in table_names else table_names[0], key="table",
                        format_func=explorer.table_choice_label, help=explorer.text("controls_help"))
layout.require_table(table)
catalogue = explorer_controls.catalogue(table)

first_row = st.container(horizontal=True, gap="small")
measures = cache.call(explorer.measure_options_of, catalogue)
explorer_controls.drop_stale("measure", explorer_controls.keep_choice(measures))
with first_row:
    measure = urlstate.select("Measure", measures, measures[0], key="measure",
                              format_func=explorer.measure_label,
                              width=CONTROL_WIDTHS["measure"])
drug_choices = cache.call(explorer.drug_options_of, catalogue, measure)
explorer_controls.drop_stale("drugs", explorer_controls.keep_choices(drug_choices))
with first_row:
    drugs = urlstate.multiselect("Drug groups", drug_choices,
                                 explorer.default_drugs(drug_choices), key="drugs",
                                 format_func=explorer.drug_label, width=CONTROL_WIDTHS["drugs"])
geo_choices = cache.call(explorer.geo_options_of, catalogue, measure, tuple(drugs))
explorer_controls.drop_stale("geo", explorer_controls.keep_choice(geo_choices))
with first_row:
    geo = urlstate.select("Place", geo_choices, geo_choices[0], key="geo",
                          format_func=lambda g: explorer.GEO_CHOICE_LABELS.get(g, g),
                          width=CONTROL_WIDTHS["geo"])

# Chart type, the years, and the rest of the filters in a popover (all of them in the link).
second_row = st.container(horizontal=True, vertical_alignment="bottom", gap="medium")
chart_slot = second_row.container(width="content")
years_slot = second_row.container(width="stretch")
more = second_row.popover("More filters", icon=":material/tune:",
                          help="States, period, demographic split and event lines")
link_slot = second_row.container(width="content")
state_choices = (cache.call(explorer.state_options_of, catalogue, measure, tuple(drugs))
                 if geo == "state" else [])
if geo == "state":
    explorer_controls.drop_stale("states", explorer_controls.keep_choices(state_choices))
    with more:
        states = urlstate.multiselect("States", state_choices, [], key="states",
                                      format_func=explorer.state_label,
                                      placeholder="All states with rows",
                                      width=CONTROL_WIDTHS["more"])
else:
    explorer_controls.forget("states")
    states = []
fips = explorer.states_to_fips(states)
period_choices = cache.call(explorer.period_options_of, catalogue, measure, tuple(drugs), geo,
                            fips)
explorer_controls.drop_stale("period", explorer_controls.keep_choice(period_choices))
with more:
    period = urlstate.select("Period", period_choices, period_choices[0], key="period",
                             format_func=lambda p: explorer.PERIOD_LABELS.get(p, p),
                             disabled=len(period_choices) == 1, width=CONTROL_WIDTHS["more"])
split_choices = cache.call(explorer.split_options_of, catalogue, measure, tuple(drugs), geo,
                           fips, period)
explorer_controls.drop_stale("split", explorer_controls.keep_choice(split_choices))
with more:
    split = urlstate.select("Split by", split_choices, split_choices[0], key="split",
                            format_func=explorer.split_label,
                            disabled=len(split_choices) == 1, width=CONTROL_WIDTHS["more"])
chart_choices = explorer.chart_options(geo, len(states) or len(state_choices))
explorer_controls.drop_stale("chart", explorer_controls.keep_choice(chart_choices))
with chart_slot:
    chart = urlstate.select("Chart", chart_choices, "line", key="chart", widget="segmented",
                            format_func=explorer.CHART_LABELS.get,
                            help="Line: over the years chosen. Bars and map: one year.")
span = cache.call(explorer.year_span_of, catalogue, measure, tuple(drugs), geo, fips, period,
                  split)
if span is None:
    st.info(explorer.text("no_rows"), icon=":material/info:")
    st.stop()
first, last = span
show_events = False
with years_slot:
    if chart == "line":
        explorer_controls.forget("year")
        if first < last:
            explorer_controls.follow_span("years", first, last)
            years = urlstate.year_slider("Years", range(first, last + 1), (first, last),
                                         key="years")
        else:
            explorer_controls.forget("years")
            years = (first, last)
            st.caption(f"Year: {first} (the only year with rows)")
    else:
        explorer_controls.forget("years", "events")
        if first < last:
            explorer_controls.follow_year("year", first, last)
            year = urlstate.year_slider("Year", range(first, last + 1), last, key="year")
        else:
            explorer_controls.forget("year")
            year = first
            st.caption(f"Year: {first} (the only year with rows)")
        years = (year, year)
if chart == "line":
    with more:
        show_events = urlstate.toggle("Show events", True, key="events")
with link_slot:
    urlstate.copy_link_control()
urlstate.show_notices()

selection = explorer.Selection(measure, tuple(drugs), geo, fips, period, split,
                               (int(years[0]), int(years[1])))
if chart != "line":
    selection = selection._replace(month=cache.call(explorer.snapshot_month_of, catalogue,
                                                    selection))
rows = cache.call(explorer.filter_rows, explorer_controls.rows(table), selection)
if not drugs:
    st.info(explorer.text("no_drugs"), icon=":material/info:")
    st.stop()
if rows.empty:
    st.info(explorer.text("no_rows"), icon=":material/info:")
    st.stop()

# The chart(s): one per case definition and unit, never a mixed axis.
if table == explorer.OCME_TABLE:
    st.info(explorer.text("ocme_view"), icon=":material/info:")
mixed = explorer_output.mix_warning(rows)
if mixed:
    st.warning(mixed, icon=":material/warning:")
source_id = provenance.table_source_id(table)
parts = [rows[(rows["definition"] == d) & (rows["unit"] == u)]
         for d, u in explorer_output.definition_units(rows, drugs)]
line_plans = [explorer_output.line_plan(p, split, drugs) for p in parts] if chart == "line" else []
crowded = {i: explorer_output.many_plan(plan) for i, plan in enumerate(line_plans)
           if plan.n_series > explorer.MAX_LINE_SERIES}
# The charts come first; a crowded line view's "Show as" and "Highlight" sit under them, so the
# first screen at 1280x720 holds a chart however many states the reader highlights.
charts_area = st.container()
if crowded:
    noun = explorer_output.series_noun(next(iter(crowded.values())), geo)
    display, highlighted = explorer_controls.many_series_controls(list(crowded.values()), noun)
    urlstate.show_notices()  # drawn after the others: their link values are checked here
else:
    explorer_controls.forget("display", "highlight")
events = content.chart_events(*selection.years) if show_events else []
periods = [explorer_output.period_text(p) if chart != "line" else None for p in parts]
if crowded and display == "ranked":  # one bar per series: its latest period
    periods = [crowded[i].latest if i in crowded else p for i, p in enumerate(periods)]
titles = explorer_output.chart_titles(selection, parts, split, periods)
with charts_area:
    for i, (part, title) in enumerate(zip(parts, titles)):
        definition = str(part["definition"].iloc[0])
        caption = provenance.source_caption_text(source_id, definition)
        summary = explorer_output.summary_text(part, split, drugs,
                                               ocme=table == explorer.OCME_TABLE)
        key = f"explorer_{chart}_{i}"
        if i in crowded:
            many = crowded[i]
            if display == "highlight":
                coloured = explorer_output.highlight_keys(many, highlighted)
                fig = cache.figure(many_series.highlight_lines, many.frame, "series_key", coloured,
                                   title=title, events=events, series_labels=many.names,
                                   context_label=noun,
                                   legend_title=explorer_output.highlight_legend(many, highlighted))
                in_colour = many.frame[many.frame["series_key"].isin(coloured)]
                if len(in_colour):  # the sentence describes the lines in colour
                    summary = explorer_output.summary_text(in_colour, split, drugs,
                                                           ocme=table == explorer.OCME_TABLE)
                blocks.chart_block(fig, many.frame, caption, key, summary=summary)
            elif display == "multiples":
                st.caption(explorer_output.multiples_text(many))
                facets = many.ranking[:explorer_output.MAX_FACETS]
                shown = many.frame[many.frame["series_key"].isin(facets)]
                fig = cache.figure(many_series.small_multiples, shown, "series_key", facets,
                                   labels=many.names, title=title)
                blocks.chart_block(fig, shown, caption, key, summary=summary)
            else:
                st.caption(explorer.text("ranked_view", latest=many.latest))
                latest = explorer_output.latest_rows(many)
                fig = cache.figure(bars.ranked_bar, latest, label_column="series",
                                   top_n=explorer.MAX_BARS, title=title)
                blocks.chart_block(fig, latest, caption, key)
        elif chart == "line":
            plan = line_plans[i]
            fig = cache.figure(lines.time_series, plan.frame, color_by=plan.color_by,
                               title=title, events=events)
            blocks.chart_block(fig, plan.frame, caption, key, summary=summary)
        elif chart == "bar":
            plan = explorer_output.bar_plan(part, split, drugs, geo)
            if plan.n_bars > explorer.MAX_BARS:
                st.caption(explorer.text("bars_capped", count=plan.n_bars, shown=explorer.MAX_BARS))
                ranked_rows = explorer_output.ranked_bars(part, split, drugs)
                fig = cache.figure(bars.ranked_bar, ranked_rows, label_column="series",
                                   top_n=explorer.MAX_BARS, title=title)
                blocks.chart_block(fig, ranked_rows, caption, key, summary=summary)
            elif plan.ranked:
                fig = cache.figure(bars.ranked_bar, plan.frame, title=title)
                blocks.chart_block(fig, plan.frame, caption, key, summary=summary)
            else:
                fig = cache.figure(bars.category_bar, plan.frame, plan.category,
                                   color_by=plan.color_by, title=title)
                blocks.chart_block(fig, plan.frame, caption, key, summary=summary)
        else:
            if not explorer_output.map_ready(part, split):
                st.info(explorer.text("map_needs_one_series"), icon=":material/info:")
                continue
            fig = cache.figure(maps.state_map, part, title=title)
            blocks.chart_block(fig, part, caption, key, summary=summary)

# Every filtered row, with its flags, on demand (?rows=true): the grid's JavaScript (~1.5 MB)
# is loaded and started only for a reader who asks, which takes it off every visit's way to the
# chart (benchmarks/RESULTS.md, section 3a). Downloads of exactly these rows, always.
st.subheader("The rows")
st.caption(explorer.text("rows_help", rows=f"{len(rows):,}"))
if urlstate.toggle("Show the rows", False, key="rows",
                   help="Draws the table of the rows here; the link then reopens it drawn"):
    grid = explorer_controls.grid(table, selection)
    st.dataframe(grid, hide_index=True, width="stretch", key="explorer_rows", placeholder="",
                 column_config=explorer_controls.grid_config(grid))
left, right = st.columns(2)
with left:
    st.download_button("Download these rows (CSV)",
                       data=explorer_controls.download(table, selection, "csv"),
                       file_name=explorer.download_name(table, "csv"), mime="text/csv",
                       key="download_csv", on_click="ignore", icon=":material/download:")
with right:
    st.download_button("Download these rows (Parquet)",
                       data=explorer_controls.download(table, selection, "parquet"),
                       file_name=explorer.download_name(table, "parquet"),
                       mime="application/vnd.apache.parquet", key="download_parquet",
                       on_click="ignore", icon=":material/download:")

# Where the rows come from and what they count.
st.subheader("Source and definition")
st.markdown("  \n".join(explorer_output.source_lines(source_id)))
for definition in dict.fromkeys(rows["definition"]):
    layout.definition_note(definition)
layout.newer_data_notes(source_id)
if measure in ("crude_rate", "age_adjusted_rate"):
    st.caption(explorer.text("rate_kinds"))
caveats = provenance.source_info(source_id).get("caveats") or []
if caveats:
    with st.expander("The source's caveats"):
        st.markdown("\n".join(f"- {c}" for c in caveats))

# Drawn when opened, like every chart's own "Cite and reproduce" (app.glue.layout.on_demand).
with layout.on_demand("Cite and reproduce these rows", "cite_rows") as opened:
    if opened:
        st.caption(explorer.text("cite_help"))
        link = urlstate.shareable_url()
        link = link if link.startswith("http") else ""
        st.code(explorer_output.citation_text(
            table, selection, accessed=dt.date.today().isoformat(), link=link, rows=rows),
            language=None, wrap_lines=True)
        blocks.reference_formats(explorer_output.references(
            table, selection, accessed=dt.date.today(), link=link, rows=rows), "rows")
        st.caption(explorer.text("reproduce_help"))
        table_file = tables.table_info(table).get("file") or f"{table}.parquet"
        st.code(explorer.pandas_snippet(table_file, selection,
                                        ocme=table == explorer.OCME_TABLE), language="python")
        table_path = tables.data_dir() / table_file
        st.download_button("Download the whole table (Parquet)", data=table_path.read_bytes,
                           file_name=table_file, mime="application/vnd.apache.parquet",
                           key="download_table", on_click="ignore", icon=":material/download:")

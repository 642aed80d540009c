"""Overview (landing page): the latest year's count and the trend since 1999 with and without
opioids on the first screen, then the lead-in, the shares and a short lead-in to every other
page."""
from __future__ import annotations

import streamlit as st

from app.charts import lines
from app.data import content, provenance
from app.glue import blocks, cache, layout, urlstate
from app.views import metrics

# The other pages in reading order: lead-in id in content/intros.md -> page file stem
# (tests/pages/test_overview.py checks the files against dashboard.py).
LINKED_PAGES = {"opioids": "opioids", "compare": "compare", "states": "states", "who": "who",
                "illicit": "illicit", "nonfatal": "nonfatal", "named": "benzodiazepines", "about": "about",
                "explorer": "explorer",
                "presenter": "present", "methods": "methods"}
TREND_GROUPS = ("benzodiazepines", "benzodiazepines_with_any_opioid",
                "benzodiazepines_without_any_opioid")
# Short legend names under a title that says "with and without opioids": one legend row at
# 1024 px, so the plot starts higher on the first screen.
TREND_LABELS = {"benzodiazepines": "All", "benzodiazepines_with_any_opioid": "With any opioid",
                "benzodiazepines_without_any_opioid": "Without any opioid"}

st.title("Benzodiazepine overdose deaths in the United States")

nida = layout.require_table(metrics.NIDA_TABLE)
year = cache.call(metrics.latest_year, nida)
change = cache.call(metrics.change_since_peak, nida, year=year)
peak_card = cache.call(metrics.since_peak_card, nida, year)
with_opioid = cache.call(metrics.share_of_benzo_deaths_with, nida, year, "any_opioid")
opioid_share = cache.call(metrics.share_of_opioid_deaths_with_benzo, nida, year)
previous = cache.call(metrics.change_from_previous_year, nida, year)
trend = cache.call(metrics.nida_rows, nida, TREND_GROUPS)
benzo_trend = trend[trend["drug_group"] == "benzodiazepines"]
first_year = int(trend["year"].min())

# The first screen (1280×720 and 1024×768, menu open): the headline number and the chart, then
# the words. Cards in columns with labels that wrap (layout.labelled_metric): at 1024 px with the
# menu open a metric's own label was cut to "Deaths involving benzodiazep…".
key_figures = []
top = st.columns(2)
with top[0]:
    key_figures.append(layout.labelled_metric(
        f"Deaths involving benzodiazepines, {year}", metrics.format_count(change.latest_value),
        delta=None if previous is None else f"{previous:+,.0f}", delta_color="inverse",
        delta_description=f"vs {year - 1}", border=True,
        help="Overdose deaths in which a benzodiazepine was one of the drugs involved."))
with top[1]:
    key_figures.append(layout.labelled_metric(
        peak_card.label, peak_card.value, delta=peak_card.detail, delta_color="off",
        delta_arrow="off", border=True, help=peak_card.help))

trend_title = (f"Overdose deaths involving benzodiazepines, with and without opioids, "
               f"United States, {first_year}–{year}")
# The chart's title in body-sized bold (a heading took two lines more at 1024 px) and the
# events switch under the chart it changes, so the chart starts high on the first screen.
st.markdown(f"**{trend_title}**")
chart_area = st.container()
show_events = urlstate.toggle("Show events", True, key="events",
                              help="Label policy events (FDA warnings, CDC guidelines) on the chart")
events = content.chart_events(first_year, year) if show_events else []
figure = cache.figure(lines.time_series, trend, events=events, series_labels=TREND_LABELS)
with chart_area:
    trend_section = blocks.chart_block(
        figure, trend, provenance.table_caption_text(metrics.NIDA_TABLE), key="benzo_trend",
        summary_kwargs={"unit": "deaths"}, export_title=trend_title)
urlstate.show_notices()
urlstate.copy_link_control()

st.markdown(content.intro("overview"))
bottom = st.columns(2)
for column, label, share in (
        (bottom[0], f"Benzodiazepine deaths also involving opioids, {year}", with_opioid),
        (bottom[1], f"Opioid deaths that also involved benzodiazepines, {year}", opioid_share)):
    with column:
        key_figures.append(layout.labelled_metric(
            label, metrics.format_percent(share.percent), border=True,
            delta=f"{metrics.format_count(share.numerator)} of "
                  f"{metrics.format_count(share.denominator)} deaths",
            delta_color="off", delta_arrow="off"))
note = layout.key_figures_note(benzo_trend)
layout.definition_note("ucd_overdose")
layout.newer_data_notes(provenance.table_source_id(metrics.NIDA_TABLE))
blocks.handout_button("Benzodiazepine overdose deaths in the United States", [trend_section],
                      key_figures=key_figures, key_figures_note=note)

st.header("Explore the dashboard")
linked = list(LINKED_PAGES.items())
for start in range(0, len(linked), 2):
    for column, (intro_id, stem) in zip(st.columns(2, gap="medium"), linked[start:start + 2]):
        with column.container(border=True, height="stretch"):
            st.page_link(f"pages/{stem}.py", icon=":material/arrow_forward:")
            st.markdown(content.intro(intro_id))

layout.get_help_box()

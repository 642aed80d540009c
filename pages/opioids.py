"""Benzodiazepines and opioids: benzodiazepine deaths with and without opioids (any opioid, or
synthetic opioids such as fentanyl) as counts, shares or rates; the share of opioid deaths that
also involved benzodiazepines; and why the combination is dangerous."""
from __future__ import annotations

import streamlit as st

from app.charts import bars, common, lines, summaries
from app.data import content, provenance
from app.glue import blocks, cache, layout, urlstate
from app.views import methods, metrics
from etl.registry import DRUG_GROUPS

MEASURE_LABELS = {"count": "Deaths", "share": "Share (%)", "rate": "Rate per 100,000"}
DANGER_SECTION = "The biggest danger: mixing with opioids or alcohol"  # heading in health_risks.md
PUBLISHED = metrics.NIDA_OPIOID_DEATHS_WITH_BENZO_2019

st.title("Benzodiazepines and opioids")
st.markdown(content.intro("opioids"))

nida = layout.require_table(metrics.NIDA_TABLE)
year = cache.call(metrics.latest_year, nida)

controls = st.columns(2, gap="large")
with controls[0]:
    partner = urlstate.select("Split benzodiazepine deaths by", metrics.OPIOID_PARTNERS,
                              "any_opioid", key="split", widget="radio",
                              format_func=lambda p: DRUG_GROUPS[p].label)
with controls[1]:
    measure = urlstate.select("Show", tuple(MEASURE_LABELS), "count", key="measure",
                              widget="segmented", format_func=MEASURE_LABELS.get,
                              help="Deaths; each part's share of all benzodiazepine deaths; or "
                                   "age-adjusted death rates per 100,000 people with 95% "
                                   "confidence intervals")
    sex = urlstate.select("Sex", metrics.SEXES, "all", key="sex", widget="segmented",
                          format_func=common.SEX_LABELS.get)
show_events = urlstate.toggle("Show events", True, key="events",
                              help="Label policy events (FDA warnings, CDC guidelines) on the charts")
urlstate.show_notices()
urlstate.copy_link_control()

with_group, without_group = metrics.split_groups(partner)
who_when = f"{common.SEX_LABELS[sex].lower()}, United States"
caption = provenance.table_caption_text(metrics.NIDA_TABLE)
# Chart titles are Streamlit headings (they wrap at any width) and go into the image exports.

# Chart 1: benzodiazepine deaths with vs without the opioid group.
if measure == "rate":
    plotted = cache.call(metrics.rates_with_interval, nida,
                         ("benzodiazepines", with_group, without_group), sex=sex)
    first_year = int(plotted["year"].min())
    split_title = (f"Benzodiazepine overdose death rates with and without "
                   f"{metrics.partner_phrase(partner)}, {who_when}, {first_year}–{year}")
    figure = cache.figure(
        lines.time_series, plotted, band_columns=("lower", "upper"),
        measure_label="Age-adjusted rate", unit="per 100,000",
        events=content.chart_events(first_year, year) if show_events else [])
    summary = summaries.chart_summary(plotted)
else:
    rows = cache.call(metrics.nida_rows, nida, (with_group, without_group), sex=sex)
    plotted = bars.stacked_share_data(rows, (with_group, without_group),
                                      as_share=measure == "share")
    first_year = int(plotted["year"].min())
    split_title = (f"Benzodiazepine overdose deaths with and without "
                   f"{metrics.partner_phrase(partner)}"
                   f"{' (share of all benzodiazepine deaths)' if measure == 'share' else ''}, "
                   f"{who_when}, {first_year}–{year}")
    figure = cache.figure(
        bars.stacked_share, rows, parts=(with_group, without_group),
        as_share=measure == "share",
        events=content.chart_events(first_year, year) if show_events else [])
    summary = (summaries.chart_summary(metrics.share_values(plotted),
                                       unit="percent of benzodiazepine deaths")
               if measure == "share" else summaries.chart_summary(plotted, unit="deaths"))
st.subheader(split_title)
split_section = blocks.chart_block(figure, plotted, caption, key=f"split_{partner}_{measure}_{sex}",
                                   summary=summary, export_title=split_title)
if measure == "rate":
    st.caption(cache.call(metrics.interval_note, plotted))

# Chart 2: the reverse share, then the text on why the combination is dangerous beside NIDA's
# published figure.
pair = cache.call(metrics.nida_rows, nida, ("benzodiazepines_with_any_opioid", "any_opioid"),
                  sex=sex)
share_plotted = lines.share_data(pair, "benzodiazepines_with_any_opioid", "any_opioid")
share_first = int(share_plotted["year"].min())
share_title = (f"Opioid overdose deaths that also involved benzodiazepines, {who_when}, "
               f"{share_first}–{year}")
share_figure = cache.figure(
    lines.share_line, pair, highlight_year=PUBLISHED.year, highlight_offset=(-80, 60),
    events=content.chart_events(share_first, year) if show_events else [],
    measure_label="Share of opioid deaths")
st.subheader(share_title)
share_section = blocks.chart_block(
    share_figure, share_plotted, caption, key=f"opioid_share_{sex}", export_title=share_title,
    summary=summaries.chart_summary(share_plotted, unit="percent of opioid deaths",
                                    series_labels={"benzodiazepines_with_any_opioid":
                                                   "Opioid deaths that also involved "
                                                   "benzodiazepines"}))

danger = metrics.markdown_section(content.read_markdown("health_risks"), DANGER_SECTION)
cites = methods.Citations.of([danger], content.sources())
st.subheader(DANGER_SECTION)
text_column, check_column = st.columns([3, 2], gap="large")
with text_column:
    st.markdown(cites.link(content.fill(danger, cache.call(metrics.nida_headline_values, nida))))
with check_column:
    if sex == "all":
        check = cache.call(metrics.published_check, nida)
        (st.info if check["agrees"] else st.warning)(cites.link(check["text"]),
                                                     icon=":material/fact_check:")
    else:
        st.caption(f"NIDA's published {PUBLISHED.year} figure ({PUBLISHED.text}) covers both "
                   "sexes; choose “Both sexes” to compare it with the data.")

layout.definition_note("ucd_overdose")
layout.newer_data_notes(provenance.table_source_id(metrics.NIDA_TABLE))
blocks.handout_button("Benzodiazepines and opioids", [split_section, share_section])
layout.sources_cited(cites)
layout.get_help_box()

"""About Klonopin and benzodiazepines: plain-language explanations from content/, each statement
with its source, the charts that support the text beside it, and where to get help."""
from __future__ import annotations

import streamlit as st

from app.charts import lines
from app.data import content, provenance
from app.glue import blocks, cache, headlines, layout, urlstate
from app.views import methods, metrics

PAGE_TITLE = "About Klonopin and benzodiazepines"
SECTIONS = ["what_are_benzodiazepines", "misuse_and_addiction", "health_risks", "withdrawal",
            "treatment_and_help"]
ILLICIT_GROUPS = ["illegal_benzodiazepines", "bromazolam", "etizolam", "flualprazolam"]
OPIOID_PARTS = ["benzodiazepines_with_any_opioid", "benzodiazepines_without_any_opioid"]
ILLICIT_TITLE = "Illegal benzodiazepines found in overdose deaths, SUDORS jurisdictions"
OPIOID_TITLE = "Benzodiazepine overdose deaths with and without opioids, US"

st.title(PAGE_TITLE)

nida = layout.require_table(metrics.NIDA_TABLE)
sudors = layout.require_table(metrics.SUDORS_TABLE)

references = content.sources()
values = headlines.headline_values_from(metrics.NIDA_TABLE)
texts = {name: content.fill(content.read_markdown(name), values) for name in SECTIONS}
cites = methods.Citations.of(texts.values(), references)


def show(markdown: str) -> None:
    if markdown:
        st.markdown(cites.link(markdown))


def events_toggle(key: str) -> bool:
    """The events switch of the chart it sits beside (each chart has its own)."""
    return urlstate.toggle("Show events", True, key=key, width="content",
                           help="Mark on this chart the dated events the text beside it "
                                "mentions, such as FDA warnings.")


lead, help_column = st.columns([3, 2], gap="large")
with lead:
    st.markdown(content.intro("about"))
    notices = st.container()  # filled at the end: a refused link setting of any control
    urlstate.copy_link_control()
with help_column:
    layout.get_help_box()

# What are benzodiazepines, with SUDORS' illegal benzodiazepines beside the section on them.
before, illicit_text, after = methods.split_around(texts["what_are_benzodiazepines"], "illicit")
show(before)
st.page_link("pages/benzodiazepines.py", icon=":material/pill:",
             label="Clonazepam (Klonopin) and the other benzodiazepines named in medical "
                   "examiners' records", query_params={"drug": "clonazepam"})
text_column, chart_column = st.columns([2, 3], gap="medium")
with text_column:
    show(illicit_text)
    show(after)
with chart_column:
    illicit = sudors[(sudors["geo_fips"] == "99") & (sudors["measure"] == "deaths")
                     & sudors["drug_group"].isin(ILLICIT_GROUPS)]
    first, last = int(illicit["year"].min()), int(illicit["year"].max())
    title_row = st.container(horizontal=True, vertical_alignment="center")
    title_row.markdown(f"**{ILLICIT_TITLE}**", width="stretch")
    with title_row:
        show_events = events_toggle("events")
    fig = cache.figure(
        lines.time_series, illicit, measure_label="Deaths with the drug detected",
        events=methods.events_cited_in(illicit_text, content.load_events(), first, last)
        if show_events else [])
    illicit_section = blocks.chart_block(
        fig, illicit, provenance.table_caption_text("sudors_state"), key="sudors_illicit",
        export_title=ILLICIT_TITLE)
    layout.definition_note("sudors_unintentional_undetermined")

st.divider()
show(texts["misuse_and_addiction"])

# Health risks, with deaths with and without opioids beside the section on mixing them.
st.divider()
before, mixing_text, after = methods.split_around(texts["health_risks"], "opioid")
show(before)
text_column, chart_column = st.columns([2, 3], gap="medium")
with text_column:
    show(mixing_text)
    check = cache.call(metrics.published_check, nida)
    key_figure = layout.labelled_metric(
        f"Opioid deaths with benzos, {metrics.NIDA_OPIOID_DEATHS_WITH_BENZO_2019.year}",
        metrics.format_percent(check["computed"]),  # type: ignore[arg-type]
        delta=f"{check['latest_year']}: "
              f"{metrics.format_percent(check['latest'])}",  # type: ignore[arg-type]
        delta_color="off", delta_arrow="off",
        help=cites.link(str(check["text"])))
    key_note = layout.key_figures_note(cache.call(metrics.nida_rows, nida, OPIOID_PARTS),
                                       "Figures")
with chart_column:
    with_without = cache.call(metrics.nida_rows, nida, OPIOID_PARTS)
    first, last = int(with_without["year"].min()), int(with_without["year"].max())
    title_row = st.container(horizontal=True, vertical_alignment="center")
    title_row.markdown(f"**{OPIOID_TITLE}**", width="stretch")
    with title_row:
        show_mixing_events = events_toggle("events_mixing")
    fig = cache.figure(
        lines.time_series, with_without, year_dtick=5,
        events=methods.events_cited_in(mixing_text, content.load_events(), first, last)
        if show_mixing_events else [])
    opioid_section = blocks.chart_block(
        fig, with_without, provenance.table_caption_text("nida_national"),
        key="nida_with_without_opioids", export_title=OPIOID_TITLE)
    layout.definition_note("ucd_overdose")
    layout.newer_data_notes("nida_workbook")
show(after)

# Withdrawal in a warning box: stopping suddenly can be life-threatening.
st.divider()
st.warning(cites.link(texts["withdrawal"]),
           icon=":material/warning:")

st.divider()
show(texts["treatment_and_help"])

st.divider()
with notices:
    urlstate.show_notices()
layout.sources_cited(cites)
blocks.handout_button(PAGE_TITLE, [illicit_section, opioid_section], key_figures=[key_figure],
                      key_figures_note=key_note)

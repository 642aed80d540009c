"""Which benzodiazepines: the drugs two medical examiners name in overdose deaths (Allegheny
County, PA; Connecticut): prescription against designer benzodiazepines over time, clonazepam
(Klonopin) in its own view, the rise of bromazolam and etizolam, and how often fentanyl is named
too. Two jurisdictions' records, not national figures; the views are in app/views/named.py."""
from __future__ import annotations

import streamlit as st

from app.charts import bars, lines
from app.data import content, provenance
from app.export import handout
from app.glue import blocks, cache, layout, urlstate
from app.views import methods
from app.views import named as views

SUPPRESSED = views.SUPPRESSED_LABEL
BY_US = {"suppressed_by": "this dashboard"}

st.title("Which benzodiazepines are found in overdose deaths")
st.markdown(content.intro("named"))

tables = {name: layout.require_table(name) for name in views.NAMED_TABLES}
rows = cache.recipe(views.combined, *tables.values())
table_of = {str(t["geo_fips"].iloc[0]): name for name, t in tables.items()}
places = cache.call(views.places, rows)
labels = cache.call(views.drug_labels, rows)
text = methods.sections(content.read_markdown("named_benzodiazepines"))
references = content.sources()
cites = methods.Citations.of(text.values(), references)


def show(section: str, **values: object) -> None:
    body = content.fill(text[section], {k: str(v) for k, v in values.items()})
    st.markdown(cites.link(body))


def label(drug: str) -> str:
    return labels.get(drug, drug)


def chart_title(title: str) -> None:
    """Titles are page text (they wrap at any width) and go into the exports (export_title)."""
    st.markdown(f"**{title}**")


controls = st.container(horizontal=True, vertical_alignment="bottom", gap="medium")
with controls:
    place = urlstate.select("Place", list(places), next(iter(places)), key="place",
                            widget="segmented", format_func=places.get)
    show_events = urlstate.toggle("Show events", True, key="events",
                                  help="Label policy events (FDA warnings, CDC guidelines) on "
                                       "the charts over time")
    urlstate.copy_link_control()
urlstate.show_notices()
name = places[place]
table = tables[table_of[place]]
definition = str(table["definition"].iloc[0])
caption = provenance.table_caption_text(table_of[place])

# Key figures of the place's latest full year.
year = cache.call(views.latest_full_year, rows, place)
any_benzo = cache.call(views.count_in, rows, place, "any_benzodiazepine", year)
designer = cache.call(views.count_in, rows, place, "any_designer", year)
# The share with fentanyl of the last year it is published (a hidden complement hides it).
fentanyl_year = cache.call(views.latest_year_with, rows, place, "any_benzodiazepine",
                           "with_fentanyl") or year
with_fentanyl = cache.call(views.count_in, rows, place, "any_benzodiazepine", fentanyl_year,
                           "with_fentanyl")
benzo_that_year = cache.call(views.count_in, rows, place, "any_benzodiazepine", fentanyl_year)
top = cache.call(views.top_drugs, rows, place, year, 8)
shown_top = top[top["value"].notna()]
classes = cache.call(views.class_series, rows, place)


def percent_words(value: float | None) -> str:
    return "not shown (a count is suppressed)" if value is None else f"{value:.0f}%"


sections = []


def events_for(plotted) -> list[dict[str, object]]:
    if not show_events or plotted.empty:
        return []
    return content.chart_events(int(plotted["year"].min()), int(plotted["year"].max()))


def years_of(plotted) -> str:
    first, last = int(plotted["year"].min()), int(plotted["year"].max())
    return f"{first}–{last}" if first != last else str(first)


# The first screen: prescription against designer benzodiazepines beside the key figures.
title = (f"Overdose deaths naming a benzodiazepine, prescription or designer, {name}, "
         f"{years_of(classes)}")
chart_column, figures_column = st.columns([2.4, 1], gap="medium")
with chart_column:
    chart_title(title)
    sections.append(blocks.chart_block(
        cache.figure(lines.time_series, classes, color_by="drug", series_labels=views.CLASS_LEGEND,
                     suppressed_label=SUPPRESSED, events=events_for(classes)),
        classes, caption, key="named_classes", export_title=title,
        summary_kwargs={"color_by": "drug", "series_labels": labels, **BY_US}))
with figures_column:
    key_figures = [
        layout.labelled_metric(f"Deaths naming a benzodiazepine, {name}, {year}",
                               views.count_words(any_benzo)),
        layout.labelled_metric(f"…naming a designer benzodiazepine, {year}",
                               percent_words(views.share_percent(designer, any_benzo))),
        layout.labelled_metric(f"…naming fentanyl too, {fentanyl_year}",
                               percent_words(views.share_percent(with_fentanyl, benzo_that_year)))]
    if len(shown_top):
        key_figures.append(layout.labelled_metric("Most often named",
                                                  label(str(shown_top["drug"].iloc[0]))))
    key_note = layout.key_figures_note(classes[classes["year"] <= year])

show("scope")
show("counting")
designer_first = classes[(classes["drug"] == "any_designer") & (classes["value"] >= 10)]
show("classes", place=name, designer_first_year=int(designer_first["year"].min())
     if len(designer_first) else "no year yet")

# Views 2-5 in link-bound lazy tabs (?view=designer): only the open tab's chart is drawn, so a
# visit draws two charts instead of five; the handout still holds all five (closed tabs' charts
# are built, not drawn, with their controls' values read from the link). The open tab names the
# link values it ignored (an unknown ?view= and its control's), after its control; an unknown
# ?view= opens the clonazepam tab, so the tabs without controls have nothing left to name.
drug_choices = cache.call(views.drug_options, rows)
default_drug = views.CLONAZEPAM if views.CLONAZEPAM in drug_choices else drug_choices[0]
designer_choices = cache.call(views.designer_options, rows, place)
default_designer = [d for d in views.WATCHED_DESIGNER if d in designer_choices]


def named_chart(shown: bool, fig, plotted, chart_caption: str, key: str, chart_title_text: str,
                summary_kwargs: dict) -> handout.HandoutSection:
    """The chart drawn in its open tab, or, in a closed one, only its handout section."""
    if not shown:
        return blocks.chart_section(fig, plotted, chart_caption, export_title=chart_title_text,
                                    summary_kwargs=summary_kwargs)
    chart_title(chart_title_text)
    return blocks.chart_block(fig, plotted, chart_caption, key=key,
                              export_title=chart_title_text, summary_kwargs=summary_kwargs)


def clonazepam_view(shown: bool) -> handout.HandoutSection:
    """Clonazepam (Klonopin), or any named drug, in both places."""
    if shown:
        latest_clonazepam = cache.call(views.count_in, rows, place, views.CLONAZEPAM, year)
        show("clonazepam", latest_year=year, place=name,
             clonazepam_latest=views.count_words(latest_clonazepam))
        # Pills, not a selectbox: every named drug in view at once, and no combobox code to
        # load on arrival (the page's only one; benchmarks/RESULTS.md, section 3a).
        drug = urlstate.select("Named drug", drug_choices, default_drug, key="drug",
                               format_func=label, widget="pills")
        urlstate.show_notices()
    else:
        drug = urlstate.linked_choice("drug", drug_choices, default_drug)
    one = cache.call(views.drug_series, rows, drug)
    section = named_chart(
        shown, cache.figure(lines.time_series, one, color_by="geo_name",
                            suppressed_label=SUPPRESSED, events=events_for(one)),
        one, " ".join(provenance.table_caption_text(t) for t in views.NAMED_TABLES), "named_drug",
        f"Overdose deaths naming {label(drug).lower()}, by place, {years_of(one)}",
        {"color_by": "geo_name", **BY_US})
    if shown:
        st.caption("The two places count differently (see above): compare each line's trend, "
                   "not their levels.")
    return section


def designer_view(shown: bool) -> handout.HandoutSection | None:
    """The rise of bromazolam and etizolam (or other designer drugs) in the chosen place."""
    if shown:
        show("designer_rise")
        chosen = urlstate.multiselect("Designer benzodiazepines", designer_choices,
                                      default_designer, key="designer", format_func=label,
                                      max_selections=6)
        urlstate.show_notices()
    else:
        chosen = urlstate.linked_choices("designer", designer_choices, default_designer, 6)
    if not chosen:
        if shown:
            st.info("Choose at least one designer benzodiazepine to draw its deaths.",
                    icon=":material/info:")
        return None
    rise = cache.call(views.designer_series, rows, place, tuple(chosen))
    return named_chart(
        shown, cache.figure(lines.time_series, rise, color_by="drug", series_labels=labels,
                            suppressed_label=SUPPRESSED, events=events_for(rise)),
        rise, caption, "named_designer",
        f"Overdose deaths naming designer benzodiazepines, {name}, {years_of(rise)}",
        {"color_by": "drug", "series_labels": labels, **BY_US})


def fentanyl_view(shown: bool) -> handout.HandoutSection:
    """Deaths naming a benzodiazepine with and without fentanyl."""
    split = cache.call(views.fentanyl_split, rows, place)
    if shown:
        show("fentanyl", fentanyl_year=fentanyl_year, place=name,
             fentanyl_share=percent_words(views.share_percent(with_fentanyl, benzo_that_year)),
             with_fentanyl=views.count_words(with_fentanyl),
             any_benzo=views.count_words(benzo_that_year))
    return named_chart(
        shown, cache.figure(lines.time_series, split, color_by="co_involvement",
                            series_labels=views.CO_INVOLVEMENT, suppressed_label=SUPPRESSED,
                            events=events_for(split)),
        split, caption, "named_fentanyl",
        f"Overdose deaths naming a benzodiazepine, with and without fentanyl, {name}, "
        f"{years_of(split)}",
        {"color_by": "co_involvement", "series_labels": views.CO_INVOLVEMENT, **BY_US})


def top_view(shown: bool) -> handout.HandoutSection | None:
    """The drugs named most often in the latest full year."""
    if not len(top):
        if shown:
            st.info(f"No benzodiazepine is named in {name}'s records for {year}.",
                    icon=":material/info:")
        return None
    return named_chart(
        shown, cache.figure(bars.ranked_bar, top, label_column="drug_label",
                            suppressed_label=SUPPRESSED),
        top, caption, "named_top",
        f"Benzodiazepines named most often in overdose deaths, {name}, {year}",
        {"color_by": "drug_label", **BY_US})


VIEWS = {"clonazepam": ("Clonazepam (Klonopin)", clonazepam_view),
         "designer": ("Designer benzodiazepines", designer_view),
         "fentanyl": ("With fentanyl", fentanyl_view),
         "top": ("Most often named", top_view)}
tabs = urlstate.tabs({token: tab_label for token, (tab_label, _) in VIEWS.items()}, key="view")
for token, tab in tabs.items():
    with tab:
        sections.append(VIEWS[token][1](tab.open))
sections = [s for s in sections if s is not None]

partial = classes[classes["provisional"]]
if len(partial):
    show("partial", place_partial=f"{name}'s", partial_year=int(partial["year"].max()))
layout.definition_note(definition)
layout.sources_cited(cites)
layout.newer_data_notes(*(provenance.table_source_id(t) for t in views.NAMED_TABLES))
blocks.handout_button("Which benzodiazepines are found in overdose deaths", sections,
                      subtitle=f"{name}: medical examiner's records, not national figures",
                      key_figures=key_figures, key_figures_note=key_note)
layout.get_help_box()

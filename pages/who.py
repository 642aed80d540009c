"""Who is affected: benzodiazepine deaths by sex and (ages 15–24) by age nationally, nonfatal
visits by sex × age (DOSE, not deaths), why there is no race series, and Connecticut's
record-level deaths (age × sex, co-involved drugs, combinations), as three tabs of which only the
open one is drawn (?section=us|nonfatal|ct)."""
from __future__ import annotations

import streamlit as st

from app.charts import bars, common, lines, theme
from app.data import content, currency, provenance, tables
from app.glue import blocks, cache, layout, urlstate
from app.views import connecticut, nonfatal

TEXT = "who"
BENZO = "benzodiazepines"
SEX_ORDER = ["all", "female", "male"]
MEASURES = {"count": "Counts", "rate": "Rates"}
NIDA_ALL_AGES = {"count": "deaths", "rate": "age_adjusted_rate"}
NIDA_15_24 = {"count": "deaths", "rate": "crude_rate"}
DOSE_MEASURE = {"count": "visits", "rate": "visit_rate"}
SETTINGS = {"nonfatal_ed_discharge": "Emergency department visits",
            "nonfatal_hosp_discharge": "Hospital stays"}
TOP_COMBINATIONS = 15
RATE_HELP = "Deaths per 100,000 population, age-adjusted"


def text(section: str, **values: object) -> str:
    return content.fill(content.section(TEXT, section), {k: str(v) for k, v in values.items()})


st.title("Who is affected")
st.markdown(content.intro("who"))
link_area = st.container()

nida = layout.require_table("nida_national")
dis = layout.require_table("dose_discharge")
ct_deaths = layout.require_table("ct_ocme_deaths")


def measure_control() -> str:
    """Counts or rates; one URL key (?measure=rate) for the two sections that have both."""
    return urlstate.select("Show", list(MEASURES), "count", key="measure",
                           format_func=MEASURES.get, widget="segmented")


def events_control() -> bool:
    """The "Show events" switch of the sections with time series (?events=false)."""
    return urlstate.toggle("Show events", True, key="events")


def chart_events(years: object, show: bool) -> list:
    """The timeline's events within the years a chart shows, when "Show events" is on."""
    years = [int(y) for y in years]
    return content.chart_events(min(years), max(years)) if show and years else []


def national_deaths() -> None:
    """NIDA's national series: by sex, ages 15-24, and why there is no race series."""
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    with left:
        measure = measure_control()
    with right:
        show_events = events_control()
    benzo_all_ages = cache.call(tables.rows_where, nida, drug_group=BENZO, age_group="all",
                                race_ethnicity="all")
    by_sex = benzo_all_ages[benzo_all_ages["measure"] == NIDA_ALL_AGES[measure]]
    latest_year = int(by_sex["year"].max())
    latest = benzo_all_ages[benzo_all_ages["year"] == latest_year].set_index(
        ["measure", "sex"])["value"]

    st.markdown(text("sex", latest_year=latest_year,
                     male_deaths=theme.format_value(latest["deaths", "male"], "deaths"),
                     female_deaths=theme.format_value(latest["deaths", "female"], "deaths"),
                     male_rate=theme.format_value(latest["age_adjusted_rate", "male"]),
                     female_rate=theme.format_value(latest["age_adjusted_rate", "female"])))
    with layout.metric_row():
        st.metric(f"Men: deaths, {latest_year}",
                  theme.format_value(latest["deaths", "male"], "deaths"))
        st.metric(f"Women: deaths, {latest_year}",
                  theme.format_value(latest["deaths", "female"], "deaths"))
        st.metric(f"Men: rate, {latest_year}",
                  theme.format_value(latest["age_adjusted_rate", "male"]), help=RATE_HELP)
        st.metric(f"Women: rate, {latest_year}",
                  theme.format_value(latest["age_adjusted_rate", "female"]), help=RATE_HELP)
    layout.key_figures_note(by_sex)
    sex_rows = by_sex[by_sex["sex"].isin(SEX_ORDER)].sort_values("year")
    blocks.chart_block(
        cache.figure(lines.time_series, sex_rows, color_by="sex",
                     events=chart_events(sex_rows["year"], show_events),
                     title="Overdose deaths involving benzodiazepines, by sex, United States"),
        sex_rows, provenance.table_caption_text("nida_national"), "who_sex",
        summary_kwargs={"color_by": "sex"})
    layout.definition_note("ucd_overdose")
    layout.newer_data_notes(provenance.table_source_id("nida_national"))

    # by age (15-24 is the only age group the national workbook gives)
    young = nida[(nida["drug_group"] == BENZO) & (nida["age_group"] != "all")
                 & (nida["race_ethnicity"] == "all")]
    age_group = str(young["age_group"].iloc[0])
    young_latest = young[(young["year"] == young["year"].max()) & (young["sex"] == "all")
                         ].set_index("measure")["value"]
    st.markdown(text("age", age_group=age_group, latest_year=int(young["year"].max()),
                     deaths=theme.format_value(young_latest["deaths"], "deaths"),
                     rate=theme.format_value(young_latest["crude_rate"])))
    young_rows = young[young["measure"] == NIDA_15_24[measure]].sort_values("year")
    blocks.chart_block(
        cache.figure(lines.time_series, young_rows, color_by="sex",
                     events=chart_events(young_rows["year"], show_events),
                     title=f"Benzodiazepine overdose deaths, ages {age_group}, United States"),
        young_rows, provenance.table_caption_text("nida_national"), "who_age",
        summary_kwargs={"color_by": "sex"})

    # race and ethnicity
    race_drugs = cache.call(connecticut.drugs_with_demographic, nida, "race_ethnicity")
    st.markdown(text("race", race_drugs=connecticut.join_words(
        [common.series_label("drug_group", d).lower() for d in race_drugs]) or "no drug"))


def nonfatal_visits() -> None:
    """DOSE-DIS nonfatal visits by sex x age: a complement, never mixed with deaths."""
    dis_years = sorted(int(y) for y in dis.loc[dis["drug_group"] == BENZO, "year"].unique())
    c0, c1 = st.columns(2)
    with c0:
        measure = measure_control()
    with c1:
        dose_year = urlstate.year_slider("Year (nonfatal)", dis_years, dis_years[-1],
                                         key="dose_year")
    # A row of its own: its two long labels stay whole on a 1024-pixel projector with the menu.
    setting = urlstate.select("Setting", list(SETTINGS), "nonfatal_ed_discharge", key="setting",
                              format_func=SETTINGS.get, widget="segmented")
    sex_age = cache.call(nonfatal.discharge_sex_age, dis, setting, DOSE_MEASURE[measure], dose_year)
    st.markdown(text("nonfatal", jurisdictions=nonfatal.jurisdictions_text(sex_age),
                     year=dose_year))
    if sex_age.empty:
        st.info(f"No nonfatal rows by sex and age for {dose_year}.")
    else:
        blocks.chart_block(
            cache.figure(bars.category_bar, sex_age, "age_group", color_by="sex", orientation="v",
                         suppressed_label="suppressed (small count)",
                         title=f"NONFATAL benzodiazepine overdoses by age and sex, {dose_year} "
                         "(not deaths)"),
            sex_age, provenance.table_caption_text("dose_discharge"), "who_nonfatal",
            summary=connecticut.age_sex_summary(sex_age, str(sex_age["unit"].iloc[0])))
        layout.definition_note(setting)
        layout.newer_data_notes(provenance.table_source_id("dose_discharge"))


def connecticut_records() -> None:
    """Connecticut OCME record-level deaths: age x sex, co-involved drugs, combinations."""
    ct_first, ct_last = cache.call(connecticut.year_bounds, ct_deaths)
    st.markdown(text("ct", first_year=ct_first, last_year=ct_last))
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    with left:
        ct_years = urlstate.year_slider("Connecticut years", range(ct_first, ct_last + 1),
                                        (ct_first, ct_last), key="ct_years")
    with right:
        show_events = events_control()
    benzo = cache.call(connecticut.benzodiazepine_deaths, ct_deaths, ct_years)
    span = f"{ct_years[0]}–{ct_years[1]}" if ct_years[0] != ct_years[1] else str(ct_years[0])
    overall = cache.call(connecticut.share_overall, benzo)
    with layout.metric_row():
        st.metric(f"Deaths, {span}", connecticut.count_text(len(benzo)),
                  help="Benzodiazepine-involved accidental deaths, Connecticut OCME")
        for flag in connecticut.SHARE_FLAGS:
            st.metric(f"…with {connecticut.drug_label(flag).lower()}",
                      connecticut.share_text(overall, flag))
    # The counts below are over the chosen years: they say how far those records reach.
    ct_through = currency.rows_through(benzo)
    layout.key_figures_note(benzo)

    age_sex = cache.call(connecticut.age_sex_counts, benzo)
    if age_sex["value"].notna().any() or age_sex["suppressed"].any():
        blocks.chart_block(
            cache.figure(bars.category_bar, age_sex, "age_group", color_by="sex", orientation="v",
                         title=f"Benzodiazepine-involved deaths by age and sex, Connecticut, "
                         f"{span}"),
            age_sex, provenance.table_caption_text("ct_ocme_deaths"), "who_ct_age_sex",
            summary=connecticut.age_sex_summary(age_sex, connecticut.CT_UNIT),
            data_through=ct_through)
    shares = cache.call(connecticut.share_by_year, benzo)
    if not shares.empty:
        blocks.chart_block(
            cache.figure(lines.time_series, shares, color_by="drug",
                         events=chart_events(shares["year"], show_events),
                         measure_label="Share",
                         suppressed_label="suppressed here (fewer than 10 deaths with or "
                         "without the drug)",
                         series_labels={f: connecticut.drug_label(f)
                                        for f in connecticut.SHARE_FLAGS},
                         title="Other drugs found in benzodiazepine-involved deaths, "
                         "Connecticut"),
            shares, provenance.table_caption_text("ct_ocme_deaths"), "who_ct_shares",
            summary_kwargs={"color_by": "drug",
                            "series_labels": {f: connecticut.drug_label(f)
                                              for f in connecticut.SHARE_FLAGS}})

    combo_drugs = urlstate.multiselect(
        "Drugs to combine", list(connecticut.COMBINABLE_DRUGS),
        list(connecticut.DEFAULT_COMBINATION_DRUGS), key="combo",
        format_func=connecticut.drug_label, max_selections=8)
    combos = cache.call(connecticut.combinations, benzo, combo_drugs)
    top = connecticut.top_combinations(combos, TOP_COMBINATIONS)
    if top.empty:
        st.info("No combination has 10 or more deaths for these years and drugs.")
    else:
        blocks.chart_block(
            cache.figure(bars.ranked_bar, top, label_column="combination",
                         title=f"Most common drug combinations with a benzodiazepine, "
                         f"Connecticut, {span}"),
            top, provenance.table_caption_text("ct_ocme_deaths"), "who_ct_combinations",
            summary=connecticut.combination_summary(top, int(combos["suppressed"].sum())),
            data_through=ct_through)
    st.markdown(text("combinations", top_n=len(top), hidden=int(combos["suppressed"].sum()),
                     min_count=connecticut.MIN_COUNT))

    dates = cache.call(connecticut.date_type_summary, benzo)
    st.markdown(text("ct_dates", reported=connecticut.count_text(dates["reported"]),
                     total=connecticut.count_text(dates["total"])))
    if dates["all_reported_years"]:
        st.markdown(text("ct_dates_all", years=connecticut.join_words(
            [str(y) for y in dates["all_reported_years"]])))
    st.markdown(text("ct_opioid", opioid_columns=connecticut.join_words(
        [label.lower() for label in connecticut.opioid_rule_labels()])))
    st.markdown(text("ct_small", max_small=connecticut.MIN_COUNT - 1,
                     unknown=connecticut.count_text(
                         cache.call(connecticut.unknown_age_or_sex, benzo)).capitalize()))
    layout.definition_note("ocme_accidental")
    layout.newer_data_notes(provenance.table_source_id("ct_ocme_deaths"))


# Three sections from three sources, one open at a time: only the open tab is drawn (a switch
# reruns the page), and the open tab is part of the link (?section=nonfatal).
SECTIONS = {"us": ("United States: deaths", national_deaths),
            "nonfatal": ("Nonfatal visits (not deaths)", nonfatal_visits),
            "ct": ("Connecticut: death records", connecticut_records)}
layout.section_tabs(SECTIONS, key="section")

with link_area:
    urlstate.show_notices()
    urlstate.copy_link_control()

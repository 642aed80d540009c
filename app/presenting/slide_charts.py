"""Each slide's chart: the figure built from the processed tables with the chart builders, exactly
the rows it plots, its caption, summary sentence, case definition and key number."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from app.charts import bars, lines, maps, summaries, theme
from app.data import content, provenance
from app.export.restyle import plain_text
from app.views import comparisons, connecticut, metrics, named, nonfatal, states

CONTENT = "content"
"""Chart id of a slide without a chart: the headline is shown as a text card."""


NIDA, SUDORS, SYNDROMIC, WONDER, CT = (metrics.NIDA_TABLE, metrics.SUDORS_TABLE,
                                       metrics.DOSE_SYNDROMIC_TABLE, metrics.WONDER_TABLE,
                                       "ct_ocme_deaths")


CHART_TABLES: dict[str, tuple[str, ...]] = {
    "benzo_trend": (NIDA,),
    "with_without_opioids": (NIDA,),
    "opioid_share": (NIDA,),
    "synthetic_split": (NIDA,),
    "compare_drugs": (NIDA,),
    "by_sex": (NIDA,),
    "state_map": (WONDER,),
    "illicit_benzos": (SUDORS,),
    "nonfatal_ed": (SYNDROMIC,),
    "ct_combinations": (CT,),
    "named_benzos": (named.SLIDE_TABLE,),
    CONTENT: (),
}
"""The processed tables each chart id is drawn from (the page loads only these)."""


CHART_IDS: tuple[str, ...] = tuple(CHART_TABLES)


TIME_CHARTS = frozenset({"benzo_trend", "with_without_opioids", "opioid_share",
                         "synthetic_split", "compare_drugs", "by_sex", "illicit_benzos",
                         "nonfatal_ed", "named_benzos"})
"""Charts over time, which take the event annotations."""


CT_TOP_COMBINATIONS = 10


PUBLISHED = metrics.NIDA_OPIOID_DEATHS_WITH_BENZO_2019


@dataclass(frozen=True)
class KeyNumber:
    """The number that matters on a slide: a label, the value as text, an optional second line."""
    label: str
    value: str
    detail: str = ""


@dataclass(frozen=True)
class SlideChart:
    """What a slide shows for its chart: the figure, exactly the rows it plots, the caption
    (source and definition), the summary sentence, the case definition and the key number."""
    figure: go.Figure
    plotted: pd.DataFrame
    caption: str
    summary: str
    definition: str
    key_number: KeyNumber

    @property
    def title(self) -> str:
        """The figure's title as plain text (the page shows it above the projector figure,
        where it wraps like any text, and `for_screen` drops it from the figure)."""
        return plain_text(self.figure.layout.title.text or "")


def _events(rows: pd.DataFrame, show: bool) -> list[dict[str, object]]:
    if not show or rows.empty:
        return []
    return content.chart_events(int(rows["year"].min()), int(rows["year"].max()))


def _years(rows: pd.DataFrame) -> str:
    first, last = int(rows["year"].min()), int(rows["year"].max())
    return f"{first}–{last}" if first != last else str(first)


def _nida_caption() -> str:
    return provenance.table_caption_text(NIDA)


def _benzo_trend(t: Mapping[str, pd.DataFrame], v: Mapping[str, str], events: bool) -> SlideChart:
    rows = metrics.nida_rows(t[NIDA], metrics.BENZO)
    marks = _events(rows, events)
    fig = lines.time_series(rows, events=marks, title="Overdose deaths involving "
                            f"benzodiazepines, United States, {_years(rows)}")
    return SlideChart(
        fig, rows, _nida_caption(),
        summaries.chart_summary(rows, unit="deaths"), "ucd_overdose",
        KeyNumber(f"Deaths involving benzodiazepines, {v['latest_year']}",
                  v["benzo_deaths_latest"],
                  f"Highest yearly count: {v['benzo_deaths_peak']}, in {v['peak_year']}"))


def _split(t: Mapping[str, pd.DataFrame], v: Mapping[str, str], events: bool, partner: str,
           key: KeyNumber) -> SlideChart:
    parts = metrics.split_groups(partner)
    rows = metrics.nida_rows(t[NIDA], parts)
    plotted = bars.stacked_share_data(rows, parts)
    marks = _events(plotted, events)
    fig = bars.stacked_share(
        rows, parts=parts, events=marks,
        title=f"Benzodiazepine overdose deaths with and without "
              f"{metrics.partner_phrase(partner)}, United States, {_years(plotted)}")
    return SlideChart(fig, plotted, _nida_caption(),
                      summaries.chart_summary(plotted, unit="deaths"), "ucd_overdose", key)


def _with_without_opioids(t, v, events) -> SlideChart:
    return _split(t, v, events, "any_opioid", KeyNumber(
        f"Benzodiazepine deaths that also involved an opioid, {v['latest_year']}",
        v["share_with_opioids_latest"],
        f"of {v['benzo_deaths_latest']} deaths involving benzodiazepines"))


def _synthetic_split(t, v, events) -> SlideChart:
    return _split(t, v, events, "synthetic_opioids", KeyNumber(
        f"Benzodiazepine deaths that also involved synthetic opioids, {v['latest_year']}",
        v["share_with_synthetic_latest"], "synthetic opioids: mostly illegally made fentanyl"))


def _opioid_share(t, v, events) -> SlideChart:
    numerator, denominator = "benzodiazepines_with_any_opioid", "any_opioid"
    pair = metrics.nida_rows(t[NIDA], (numerator, denominator))
    plotted = lines.share_data(pair, numerator, denominator)
    marks = _events(plotted, events)
    fig = lines.share_line(
        pair, numerator=numerator, denominator=denominator, highlight_year=PUBLISHED.year,
        highlight_offset=(-80, 60), events=marks, measure_label="Share of opioid deaths",
        title=f"Opioid overdose deaths that also involved benzodiazepines, United States, "
              f"{_years(plotted)}")
    summary = summaries.chart_summary(plotted, unit="percent of opioid deaths", series_labels={
        numerator: "Opioid deaths that also involved benzodiazepines"})
    return SlideChart(
        fig, plotted, _nida_caption(), summary, "ucd_overdose",
        KeyNumber(f"Opioid deaths that also involved a benzodiazepine, {PUBLISHED.year}",
                  v["share_opioid_deaths_with_benzo_2019_value"],
                  f"NIDA's published figure: {v['share_opioid_deaths_with_benzo_2019_published']}"
                  f"; {v['latest_year']}: {v['share_opioid_deaths_with_benzo_latest']}"))


def _compare_drugs(t, v, events) -> SlideChart:
    rows = comparisons.drug_comparison_rows(t[NIDA], comparisons.COMPARE_DEFAULT, "deaths")
    marks = _events(rows, events)
    fig = lines.time_series(rows, color_by="drug_group", events=marks,
                            title=f"Overdose deaths by drug involved, United States, "
                            f"{_years(rows)}")
    year = metrics.latest_year(t[NIDA])
    deaths = metrics.benzo_deaths(t[NIDA], year)
    return SlideChart(
        fig, rows, _nida_caption(),
        summaries.chart_summary(rows, color_by="drug_group", unit="deaths"), "ucd_overdose",
        KeyNumber(f"Deaths involving benzodiazepines, {year}",
                  theme.format_value(deaths, "deaths"),
                  "a death can involve several drugs and count in several lines"))


def _by_sex(t, v, events) -> SlideChart:
    nida = t[NIDA]
    rows = pd.concat([metrics.nida_rows(nida, metrics.BENZO, sex=s) for s in ("female", "male")],
                     ignore_index=True)
    marks = _events(rows, events)
    fig = lines.time_series(rows, color_by="sex", events=marks,
                            title=f"Overdose deaths involving benzodiazepines by sex, United "
                            f"States, {_years(rows)}")
    year = metrics.latest_year(nida)
    women, men = (metrics.benzo_deaths(nida, year, sex=s) for s in ("female", "male"))
    return SlideChart(
        fig, rows, _nida_caption(),
        summaries.chart_summary(rows, color_by="sex", unit="deaths"), "ucd_overdose",
        KeyNumber(f"Women who died, {year}", theme.format_value(women, "deaths"),
                  f"Men: {theme.format_value(men, 'deaths')}"))


def _state_map(t, v, events) -> SlideChart:
    wonder = t[WONDER]
    year, name, rate = metrics.state_highest_benzo_rate(wonder)
    rows = states.wonder_state_rows(wonder, metrics.BENZO, "crude_rate", year)
    unit = str(rows["unit"].iloc[0]) if not rows.empty else ""
    fig = maps.state_map(rows, title=f"Benzodiazepine overdose death rate by state, {year}")
    caption = provenance.source_caption_text(provenance.table_source_id(WONDER),
                                             states.WONDER_STATE_DEFINITION)
    return SlideChart(
        fig, rows, caption,
        summaries.chart_summary(states.hidden_rates_as_suppressed(rows), color_by="geo_name"),
        states.WONDER_STATE_DEFINITION,
        KeyNumber(f"Highest reliable rate, {year}: {name}",
                  theme.format_value(rate, "crude_rate"), unit))


def _illicit_benzos(t, v, events) -> SlideChart:
    rows = nonfatal.total_rows(nonfatal.sudors_rows(t[SUDORS], nonfatal.DETECTED_BENZODIAZEPINES,
                                                    "deaths"))
    marks = _events(rows, events)
    fig = lines.time_series(rows, events=marks,
                            title=f"Deaths with illegal benzodiazepines detected, "
                            f"participating states, {_years(rows)}")
    return SlideChart(
        fig, rows, provenance.table_caption_text(SUDORS),
        summaries.chart_summary(rows, unit="deaths"), states.SUDORS_DEFINITION,
        KeyNumber(f"Deaths with illegal benzodiazepines detected, {v['sudors_latest_year']}",
                  v["illicit_benzo_deaths_latest"],
                  "states taking part in CDC's SUDORS only, not a national count"))


def _nonfatal_ed(t, v, events) -> SlideChart:
    gap_label = "no data (COVID-19)"
    rows = nonfatal.total_rows(nonfatal.syndromic_rows(t[SYNDROMIC], "12_month_ending"))
    rows = nonfatal.mark_covid_gap(rows, gap_label)
    marks = _events(rows, events)
    fig = lines.time_series(rows, color_by="geo_name", events=marks, measure_label="Rate",
                            unit="visits per 10,000 ED visits",
                            title="NONFATAL suspected benzodiazepine overdose ED visits (not "
                            "deaths), rolling 12 months")
    gap = nonfatal.covid_gap_span(rows)
    if gap is not None:
        nonfatal.shade_period(fig, gap[0], gap[1], gap_label)
    return SlideChart(
        fig, rows, provenance.table_caption_text(SYNDROMIC),
        summaries.chart_summary(rows, color_by="geo_name"), "nonfatal_ed_syndromic",
        KeyNumber("Suspected benzodiazepine overdose ED visits per 10,000 ED visits",
                  v["nonfatal_benzo_ed_rate_latest"],
                  _capitalised(v["nonfatal_latest_period"]) + ", participating states"))


def _ct_combinations(t, v, events) -> SlideChart:
    deaths = t[CT]
    span = connecticut.year_bounds(deaths)
    benzo = connecticut.benzodiazepine_deaths(deaths, span)
    combos = connecticut.combinations(benzo, connecticut.DEFAULT_COMBINATION_DRUGS)
    top = connecticut.top_combinations(combos, CT_TOP_COMBINATIONS)
    years = f"{span[0]}–{span[1]}"
    fig = bars.ranked_bar(top, label_column="combination",
                          title=f"Most common drug combinations with a benzodiazepine, "
                          f"Connecticut, {years}")
    return SlideChart(
        fig, top, provenance.table_caption_text(CT),
        connecticut.combination_summary(top, int(combos["suppressed"].sum())), "ocme_accidental",
        KeyNumber(f"Benzodiazepine-involved deaths, Connecticut, {years}",
                  connecticut.count_text(len(benzo)), "accidental drug-related deaths"))


def _named_benzos(t, v, events) -> SlideChart:
    table = t[named.SLIDE_TABLE]
    fips = next(iter(named.places(table)))
    rows = named.class_series(table, fips)
    labels = named.drug_labels(table)
    place = v["named_place"]
    fig = lines.time_series(rows, color_by="drug", series_labels=labels,
                            suppressed_label=named.SUPPRESSED_LABEL, events=_events(rows, events),
                            title=f"Overdose deaths naming a prescription or a designer "
                            f"benzodiazepine, {place}, {_years(rows)}")
    return SlideChart(
        fig, rows, provenance.table_caption_text(named.SLIDE_TABLE),
        summaries.chart_summary(rows, color_by="drug", series_labels=labels,
                                suppressed_by="this dashboard"),
        str(table["definition"].iloc[0]),
        KeyNumber(f"Deaths naming a designer benzodiazepine, {place}, {v['named_latest_year']}",
                  v["named_designer_latest"],
                  f"of {v['named_benzo_latest']} naming any benzodiazepine; one county's "
                  f"medical examiner, not a national count"))


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


_BUILDERS = {
    "benzo_trend": _benzo_trend,
    "with_without_opioids": _with_without_opioids,
    "opioid_share": _opioid_share,
    "synthetic_split": _synthetic_split,
    "compare_drugs": _compare_drugs,
    "by_sex": _by_sex,
    "state_map": _state_map,
    "illicit_benzos": _illicit_benzos,
    "nonfatal_ed": _nonfatal_ed,
    "ct_combinations": _ct_combinations,
    "named_benzos": _named_benzos,
}


def build_chart(chart_id: str, tables: Mapping[str, pd.DataFrame], values: Mapping[str, str],
                *, events: bool = True) -> SlideChart:
    """The chart of `chart_id` from `tables` (name -> processed table, see CHART_TABLES) and the
    placeholder `values` (app.glue.headlines.headline_values_from those tables). `events`: label
    policy events on charts over time. The figure has the regular page styling; `for_screen`
    enlarges it for the projector."""
    if chart_id not in _BUILDERS:
        raise ValueError(f"no chart for {chart_id!r}; charts: {', '.join(_BUILDERS)}")
    missing = [t for t in CHART_TABLES[chart_id] if t not in tables]
    if missing:
        raise ValueError(f"{chart_id}: tables {missing} not given")
    return _BUILDERS[chart_id](tables, values, events)

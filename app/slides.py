"""Presenter mode: the curated slides of content/slides.md, each slide's chart built from the
processed tables with the app.charts builders, its key number, and its headline filled from the
data (app.metrics placeholders), sized for a projector.

Pure functions (no Streamlit): text or tidy tables in, `Slide`, `SlideChart`, figures out;
tested in tests/app/test_slides.py. Two cached entry points at the end (`slide_chart`,
`handout_sections`) load the tables themselves, once per data version, so a rerun (a click on
"Next", the notes toggle) rebuilds nothing. The page (pages/present.py) checks the tables a
slide needs (app.ui.require_table) and lays the result out.

Slide format (documented in the top comment of content/slides.md):

    ## slide-<n> <slug>
    chart: <chart id>
    headline: <one sentence with {placeholders}>
    notes: <speaker notes, one line>
"""
from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app import charts, content, ct_views, data, metrics, nonfatal, theme, views
from app.export import HandoutSection, plain_arrays, plain_text

SLIDES_FILE = "slides"
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
    CONTENT: (),
}
"""The processed tables each chart id is drawn from (the page loads only these)."""
CHART_IDS: tuple[str, ...] = tuple(CHART_TABLES)
TIME_CHARTS = frozenset({"benzo_trend", "with_without_opioids", "opioid_share",
                         "synthetic_split", "compare_drugs", "by_sex", "illicit_benzos",
                         "nonfatal_ed"})
"""Charts over time, which take the event annotations."""
HELP_SLUG = "help"
"""The slide (by slug) under which the page shows the get-help box."""
CT_TOP_COMBINATIONS = 10
PUBLISHED = metrics.NIDA_OPIOID_DEATHS_WITH_BENZO_2019

_HEADING = re.compile(r"^##\s+slide-(\d+)\s+([a-z0-9][a-z0-9-]*)\s*$")
_FIELD = re.compile(r"^(chart|headline|notes):\s*(.*)$")
_FIELDS = ("chart", "headline", "notes")


# --- the slides ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Slide:
    number: int
    slug: str
    chart: str
    headline: str
    notes: str

    @property
    def title(self) -> str:
        """A short name for menus: the slug in words ('with-opioids' -> 'With opioids')."""
        words = self.slug.replace("-", " ")
        return words[:1].upper() + words[1:]

    @property
    def placeholders(self) -> set[str]:
        return content.placeholders(self.headline) | content.placeholders(self.notes)

    @property
    def has_chart(self) -> bool:
        return self.chart != CONTENT


def parse_slides(text: str, source: str = f"content/{SLIDES_FILE}.md") -> list[Slide]:
    """The slides of a slides.md text (HTML comments already removed), in order. Raises
    content.ContentError naming the line for an unknown chart id, a missing or repeated field,
    a stray line, or numbers that do not run 1, 2, 3, …"""
    slides: list[Slide] = []
    current: dict[str, object] | None = None

    def finish() -> None:
        if current is None:
            return
        missing = [f for f in _FIELDS if not current.get(f)]
        if missing:
            raise content.ContentError(f"{source}: slide-{current['number']} has no "
                                       f"{', '.join(missing)}")
        slides.append(Slide(**current))  # type: ignore[arg-type]

    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        heading = _HEADING.match(line)
        if heading:
            finish()
            number = int(heading.group(1))
            if number != len(slides) + 1:
                raise content.ContentError(f"{source}, line {line_no}: slide-{number} found, "
                                           f"slide-{len(slides) + 1} expected")
            current = {"number": number, "slug": heading.group(2)}
            continue
        field = _FIELD.match(line)
        if current is None or field is None:
            raise content.ContentError(
                f"{source}, line {line_no}: expected '## slide-<n> <slug>' or 'chart:', "
                f"'headline:', 'notes:', found {line.strip()[:60]!r}")
        name, value = field.group(1), field.group(2).strip()
        if name in current:
            raise content.ContentError(f"{source}, line {line_no}: '{name}' given twice")
        if name == "chart" and value not in CHART_TABLES:
            raise content.ContentError(f"{source}, line {line_no}: unknown chart id {value!r}; "
                                       f"one of {', '.join(CHART_IDS)}")
        current[name] = value
    finish()
    if not slides:
        raise content.ContentError(f"{source}: no slides")
    return slides


def load_slides() -> list[Slide]:
    """The slides of content/slides.md."""
    return parse_slides(content.read_markdown(SLIDES_FILE))


def headline_tables(slide: Slide) -> tuple[str, ...]:
    """The tables app.metrics computes this slide's placeholders from: those its chart is drawn
    from, or all of them for a text slide that uses placeholders; () when it has none."""
    if not slide.placeholders:
        return ()
    own = tuple(t for t in CHART_TABLES[slide.chart] if t in metrics.HEADLINE_BUILDERS)
    return own or tuple(metrics.HEADLINE_BUILDERS)


def tables_for(slide: Slide) -> tuple[str, ...]:
    """Every table the slide needs (chart and placeholders), without repeats."""
    return tuple(dict.fromkeys((*CHART_TABLES[slide.chart], *headline_tables(slide))))


def filled(slide: Slide, values: Mapping[str, str]) -> Slide:
    """The slide with its headline and notes filled (content.ContentError on a missing value)."""
    return Slide(slide.number, slide.slug, slide.chart, content.fill(slide.headline, dict(values)),
                 content.fill(slide.notes, dict(values)))


# --- charts -------------------------------------------------------------------------------------

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
    return data.table_caption_text(NIDA)


def _benzo_trend(t: Mapping[str, pd.DataFrame], v: Mapping[str, str], events: bool) -> SlideChart:
    rows = metrics.nida_rows(t[NIDA], metrics.BENZO)
    marks = _events(rows, events)
    fig = charts.time_series(rows, events=marks, title="Overdose deaths involving "
                             f"benzodiazepines, United States, {_years(rows)}")
    return SlideChart(
        fig, rows, _nida_caption(),
        charts.chart_summary(rows, unit="deaths"), "ucd_overdose",
        KeyNumber(f"Deaths involving benzodiazepines, {v['latest_year']}",
                  v["benzo_deaths_latest"],
                  f"Highest yearly count: {v['benzo_deaths_peak']}, in {v['peak_year']}"))


def _split(t: Mapping[str, pd.DataFrame], v: Mapping[str, str], events: bool, partner: str,
           key: KeyNumber) -> SlideChart:
    parts = metrics.split_groups(partner)
    rows = metrics.nida_rows(t[NIDA], parts)
    plotted = charts.stacked_share_data(rows, parts)
    marks = _events(plotted, events)
    fig = charts.stacked_share(
        rows, parts=parts, events=marks,
        title=f"Benzodiazepine overdose deaths with and without "
              f"{metrics.partner_phrase(partner)}, United States, {_years(plotted)}")
    return SlideChart(fig, plotted, _nida_caption(),
                      charts.chart_summary(plotted, unit="deaths"), "ucd_overdose", key)


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
    plotted = charts.share_data(pair, numerator, denominator)
    marks = _events(plotted, events)
    fig = charts.share_line(
        pair, numerator=numerator, denominator=denominator, highlight_year=PUBLISHED.year,
        highlight_offset=(-80, 60), events=marks, measure_label="Share of opioid deaths",
        title=f"Opioid overdose deaths that also involved benzodiazepines, United States, "
              f"{_years(plotted)}")
    summary = charts.chart_summary(plotted, unit="percent of opioid deaths", series_labels={
        numerator: "Opioid deaths that also involved benzodiazepines"})
    return SlideChart(
        fig, plotted, _nida_caption(), summary, "ucd_overdose",
        KeyNumber(f"Opioid deaths that also involved a benzodiazepine, {PUBLISHED.year}",
                  v["share_opioid_deaths_with_benzo_2019_value"],
                  f"NIDA's published figure: {v['share_opioid_deaths_with_benzo_2019_published']}"
                  f"; {v['latest_year']}: {v['share_opioid_deaths_with_benzo_latest']}"))


def _compare_drugs(t, v, events) -> SlideChart:
    rows = views.drug_comparison_rows(t[NIDA], views.COMPARE_DEFAULT, "deaths")
    marks = _events(rows, events)
    fig = charts.time_series(rows, color_by="drug_group", events=marks,
                             title=f"Overdose deaths by drug involved, United States, "
                                   f"{_years(rows)}")
    year = metrics.latest_year(t[NIDA])
    deaths = metrics.benzo_deaths(t[NIDA], year)
    return SlideChart(
        fig, rows, _nida_caption(),
        charts.chart_summary(rows, color_by="drug_group", unit="deaths"), "ucd_overdose",
        KeyNumber(f"Deaths involving benzodiazepines, {year}",
                  theme.format_value(deaths, "deaths"),
                  "a death can involve several drugs and count in several lines"))


def _by_sex(t, v, events) -> SlideChart:
    nida = t[NIDA]
    rows = pd.concat([metrics.nida_rows(nida, metrics.BENZO, sex=s) for s in ("female", "male")],
                     ignore_index=True)
    marks = _events(rows, events)
    fig = charts.time_series(rows, color_by="sex", events=marks,
                             title=f"Overdose deaths involving benzodiazepines by sex, United "
                                   f"States, {_years(rows)}")
    year = metrics.latest_year(nida)
    women, men = (metrics.benzo_deaths(nida, year, sex=s) for s in ("female", "male"))
    return SlideChart(
        fig, rows, _nida_caption(),
        charts.chart_summary(rows, color_by="sex", unit="deaths"), "ucd_overdose",
        KeyNumber(f"Women who died, {year}", theme.format_value(women, "deaths"),
                  f"Men: {theme.format_value(men, 'deaths')}"))


def _state_map(t, v, events) -> SlideChart:
    wonder = t[WONDER]
    year, name, rate = metrics.state_highest_benzo_rate(wonder)
    rows = views.wonder_state_rows(wonder, metrics.BENZO, "crude_rate", year)
    unit = str(rows["unit"].iloc[0]) if not rows.empty else ""
    fig = charts.state_map(rows, title=f"Benzodiazepine overdose death rate by state, {year}")
    caption = data.source_caption_text(data.table_source_id(WONDER),
                                       views.WONDER_STATE_DEFINITION)
    return SlideChart(
        fig, rows, caption,
        charts.chart_summary(views.hidden_rates_as_suppressed(rows), color_by="geo_name"),
        views.WONDER_STATE_DEFINITION,
        KeyNumber(f"Highest reliable rate, {year}: {name}",
                  theme.format_value(rate, "crude_rate"), unit))


def _illicit_benzos(t, v, events) -> SlideChart:
    rows = nonfatal.total_rows(nonfatal.sudors_rows(t[SUDORS], nonfatal.DETECTED_BENZODIAZEPINES,
                                                    "deaths"))
    marks = _events(rows, events)
    fig = charts.time_series(rows, events=marks,
                             title=f"Deaths with illegal benzodiazepines detected, "
                                   f"participating states, {_years(rows)}")
    return SlideChart(
        fig, rows, data.table_caption_text(SUDORS),
        charts.chart_summary(rows, unit="deaths"), views.SUDORS_DEFINITION,
        KeyNumber(f"Deaths with illegal benzodiazepines detected, {v['sudors_latest_year']}",
                  v["illicit_benzo_deaths_latest"],
                  "states taking part in CDC's SUDORS only, not a national count"))


def _nonfatal_ed(t, v, events) -> SlideChart:
    gap_label = "no data (COVID-19)"
    rows = nonfatal.total_rows(nonfatal.syndromic_rows(t[SYNDROMIC], "12_month_ending"))
    rows = nonfatal.mark_covid_gap(rows, gap_label)
    marks = _events(rows, events)
    fig = charts.time_series(rows, color_by="geo_name", events=marks, measure_label="Rate",
                             unit="visits per 10,000 ED visits",
                             title="NONFATAL suspected benzodiazepine overdose ED visits (not "
                                   "deaths), rolling 12 months")
    gap = nonfatal.covid_gap_span(rows)
    if gap is not None:
        nonfatal.shade_period(fig, gap[0], gap[1], gap_label)
    return SlideChart(
        fig, rows, data.table_caption_text(SYNDROMIC),
        charts.chart_summary(rows, color_by="geo_name"), "nonfatal_ed_syndromic",
        KeyNumber("Suspected benzodiazepine overdose ED visits per 10,000 ED visits",
                  v["nonfatal_benzo_ed_rate_latest"],
                  _capitalised(v["nonfatal_latest_period"]) + ", participating states"))


def _ct_combinations(t, v, events) -> SlideChart:
    deaths = t[CT]
    span = ct_views.year_bounds(deaths)
    benzo = ct_views.benzodiazepine_deaths(deaths, span)
    combos = ct_views.combinations(benzo, ct_views.DEFAULT_COMBINATION_DRUGS)
    top = ct_views.top_combinations(combos, CT_TOP_COMBINATIONS)
    years = f"{span[0]}–{span[1]}"
    fig = charts.ranked_bar(top, label_column="combination",
                            title=f"Most common drug combinations with a benzodiazepine, "
                                  f"Connecticut, {years}")
    return SlideChart(
        fig, top, data.table_caption_text(CT),
        ct_views.combination_summary(top, int(combos["suppressed"].sum())), "ocme_accidental",
        KeyNumber(f"Benzodiazepine-involved deaths, Connecticut, {years}",
                  ct_views.count_text(len(benzo)), "accidental drug-related deaths"))


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
}


def build_chart(chart_id: str, tables: Mapping[str, pd.DataFrame], values: Mapping[str, str],
                *, events: bool = True) -> SlideChart:
    """The chart of `chart_id` from `tables` (name -> processed table, see CHART_TABLES) and the
    placeholder `values` (app.metrics.headline_values_from those tables). `events`: label policy
    events on charts over time. The figure has the regular page styling; `for_screen` enlarges
    it for the projector."""
    if chart_id not in _BUILDERS:
        raise ValueError(f"no chart for {chart_id!r}; charts: {', '.join(_BUILDERS)}")
    missing = [t for t in CHART_TABLES[chart_id] if t not in tables]
    if missing:
        raise ValueError(f"{chart_id}: tables {missing} not given")
    return _BUILDERS[chart_id](tables, values, events)


# --- projector sizing ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Screen:
    """Chart size and text sizes for one projector resolution (the page's layout at that size)."""
    label: str
    chart_height: int
    chart_width: int
    """Approximate chart width in pixels on that screen (for wrapping footnotes)."""
    font: int
    tick: int
    title: int
    legend: int
    annotation: int
    line_scale: float
    large_text: bool = False
    """Headline as a level-2 heading (room for it on a large screen) instead of level 3."""


SCREENS: dict[str, Screen] = {
    "720": Screen("1280×720", chart_height=420, chart_width=820, font=19, tick=18, title=20,
                  legend=18, annotation=14, line_scale=1.3),
    "1080": Screen("1920×1080", chart_height=700, chart_width=1250, font=24, tick=23, title=26,
                   legend=23, annotation=20, line_scale=1.6, large_text=True),
}
DEFAULT_SCREEN = "720"
def _is_footnote(annotation: go.layout.Annotation) -> bool:
    """A builder footnote (charts._add_note): paper-anchored, hanging under the plot."""
    return (annotation.xref == "paper" and annotation.yref == "paper" and annotation.y == 0
            and annotation.yanchor == "top" and (annotation.yshift or 0) < 0)


def _is_event_label(annotation: go.layout.Annotation) -> bool:
    """An event label (charts._events): written along its line, hanging from the plot's top."""
    return (annotation.xref == "x" and annotation.yref == "paper" and annotation.textangle == -90
            and annotation.yanchor == "top" and annotation.y == 1)


def _legend_rows(fig: go.Figure, screen: Screen) -> int:
    names = [plain_text(str(t.name)) for t in fig.data if t.name and t.showlegend is not False
             and t.type != "choropleth"]
    if len(names) < 2:
        return 0
    width = sum(50 + 0.5 * screen.legend * len(n) for n in names)
    return math.ceil(width / screen.chart_width)


def _room_for_event_labels(fig: go.Figure, screen: Screen) -> None:
    """Raise the y axis so the rotated event labels, whose length in pixels does not shrink with
    the plot, stay above the data on a short projector plot (charts.make_room_for_events)."""
    labels = [a for a in fig.layout.annotations if _is_event_label(a)]
    if not labels:
        return
    label_px = max(len(plain_text(a.text or "")) for a in labels) * 0.45 * screen.annotation + 12
    plot_px = (screen.chart_height - 36 - 2.8 * screen.font
               - _legend_rows(fig, screen) * 1.6 * screen.legend)
    if fig.layout.yaxis.tickvals is not None:  # an axis fixed at 0-100 keeps the builder's room
        return
    # The builder already made room for the regular page (and flagged it done): redo it.
    meta = {k: v for k, v in (fig.layout.meta or {}).items() if k != "room_for_events"}
    fig.layout.meta = meta or None
    fig.layout.yaxis.range = None
    charts.make_room_for_events(fig, min(0.7, max(0.5, label_px / max(plot_px, 1))))


def _rewrap(text: str, chars: int) -> str:
    plain = re.sub(r"<br\s*/?>", " ", text)
    return "<br>".join(textwrap.wrap(plain, max(chars, 30)))


def for_screen(fig: go.Figure, screen: Screen) -> go.Figure:
    """A copy of `fig` for the projector without its title (the page writes it above the chart,
    see `SlideChart.title`): the screen's chart height, larger text everywhere (axes, legend,
    labels; footnotes and a long y-axis title rewrapped), thicker lines and bigger markers.
    Colours stay the builders' (dark text on the chart's own white card, app.theme), readable
    in either app theme. `fig` is unchanged (it may come from a cache, with its numbers encoded:
    `plain_arrays`)."""
    out = plain_arrays(go.Figure(fig))
    scale = screen.font / theme.FONT_SIZE
    notes = [a for a in out.layout.annotations if _is_footnote(a)]
    note_chars = int(screen.chart_width / (0.55 * (screen.annotation - 1)))
    note_lines = 0
    shift = None
    for note in notes:
        note.text = _rewrap(note.text or "", note_chars)
        note.font.size = screen.annotation - 1
        base = -(note.yshift or 0)
        # Below-axis notes start under the tick labels and axis title, which grow with the font.
        shift = int(base * scale) if base > 20 else base
        note.yshift = -shift
        note_lines += (note.text or "").count("<br>") + 1
    for annotation in out.layout.annotations:
        if not _is_footnote(annotation):
            size = annotation.font.size or theme.ANNOTATION_SIZE
            annotation.font.size = round(size * screen.annotation / theme.ANNOTATION_SIZE)
    _room_for_event_labels(out, screen)
    margin_b = out.layout.margin.b
    if notes:
        margin_b = int((shift or 0) + 15 + note_lines * (screen.annotation + 5))
    out.update_layout(
        height=screen.chart_height + (int(margin_b or 0) if notes else 0),
        font=dict(size=screen.font), title=dict(text=""),
        legend=dict(font=dict(size=screen.legend)), hoverlabel_font_size=screen.font,
        margin=dict(b=margin_b, t=36, l=20, r=30))
    out.update_xaxes(tickfont_size=screen.tick, title_font_size=screen.font)
    out.update_yaxes(tickfont_size=screen.tick, title_font_size=screen.font)
    # A y-axis title longer than the plot is tall would be cut at the top: wrap it.
    y_chars = int(0.75 * screen.chart_height / (0.55 * screen.font))
    for axis_obj in out.select_yaxes():
        label = axis_obj.title.text or ""
        if len(plain_text(label)) > y_chars:
            axis_obj.title.text = "<br>".join(textwrap.wrap(plain_text(label), y_chars))
    for trace in out.data:
        if trace.type in {"scatter", "scattergl"}:
            if "lines" in (trace.mode or "lines") and trace.line.width != 0:
                trace.line.width = (trace.line.width or theme.LINE_WIDTH) * screen.line_scale
            size = trace.marker.size
            if isinstance(size, (int, float)) or size is None:
                trace.marker.size = (size or theme.MARKER_SIZE) * screen.line_scale
            elif isinstance(size, (list, tuple)):
                trace.marker.size = [s * screen.line_scale for s in size]
        elif trace.type == "bar":
            trace.textfont = dict(size=screen.tick)
        elif trace.type == "choropleth" and trace.colorbar is not None and trace.showscale \
                is not False:
            trace.colorbar.update(tickfont=dict(size=screen.tick),
                                  title=dict(font=dict(size=screen.legend)),
                                  thickness=24)
    return out


# --- handout ------------------------------------------------------------------------------------

def handout_section(slide: Slide, chart: SlideChart | None) -> HandoutSection:
    """One slide as a handout section: '<n>. <headline>', the chart with its summary, the key
    number, the source line and the speaker notes (slide already filled)."""
    title = f"{slide.number}. {slide.headline}"
    if chart is None:
        return HandoutSection(title=title, notes=slide.notes)
    key = chart.key_number
    numbers = ((key.label, f"{key.value}" + (f" ({key.detail})" if key.detail else "")),)
    return HandoutSection(title=title, figure=chart.figure, summary=chart.summary,
                          source=chart.caption, notes=slide.notes, numbers=numbers)


def deck_titles(slides: Sequence[Slide]) -> dict[int, str]:
    """Slide number -> '3 · With opioids', for the slide picker."""
    return {s.number: f"{s.number} · {s.title}" for s in slides}


# --- cached entry points (load the tables themselves) ------------------------------------------

def _fingerprint(directory: Path, tables: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """Cache key: each table's file and checksum as the manifest records them (or why it is
    unavailable), so a rebuilt table gives new charts without a restart."""
    out = []
    for name in tables:
        try:
            info = data.table_info(name, directory)
            out.append((str(info.get("file")), str(info.get("sha256"))))
        except data.TableUnavailable as err:
            out.append((name, str(err)))
    return tuple(out)


def _load(chart_id: str, directory: Path) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    tables = {t: data.load_table(t, directory) for t in CHART_TABLES[chart_id]}
    value_tables = [t for t in CHART_TABLES[chart_id] if t in metrics.HEADLINE_BUILDERS]
    return tables, metrics.headline_values_from(*value_tables) if value_tables else {}


@st.cache_data(show_spinner=False, max_entries=64)
def _cached_chart(chart_id: str, events: bool, directory: str,
                  fingerprint: tuple[tuple[str, str], ...]) -> SlideChart:
    tables, values = _load(chart_id, Path(directory))
    return build_chart(chart_id, tables, values, events=events)


def slide_chart(chart_id: str, *, events: bool = True) -> SlideChart:
    """`build_chart` on the processed tables in app.data.data_dir(), cached per data version.
    Raises app.data.TableUnavailable naming a missing table. The result is a copy."""
    directory = data.data_dir()
    return _cached_chart(chart_id, events, str(directory),
                         _fingerprint(directory, CHART_TABLES[chart_id]))


def _all_tables() -> tuple[str, ...]:
    return tuple(dict.fromkeys(t for ts in CHART_TABLES.values() for t in ts))


@st.cache_data(show_spinner=False, max_entries=8)
def _cached_handout(slides: tuple[Slide, ...], events: bool, directory: str,
                    fingerprint: tuple[tuple[str, str], ...]) -> list[HandoutSection]:
    sections = []
    for slide in slides:
        try:
            values = (metrics.headline_values_from(*headline_tables(slide))
                      if slide.placeholders else {})
            chart = (build_chart(slide.chart, *_load(slide.chart, Path(directory)),
                                 events=events) if slide.has_chart else None)
        except data.TableUnavailable as err:
            sections.append(HandoutSection(title=f"{slide.number}. {slide.title}",
                                           summary=f"Not available: {err}"))
            continue
        sections.append(handout_section(filled(slide, values), chart))
    return sections


def handout_sections(slides: Sequence[Slide], *, events: bool = True) -> list[HandoutSection]:
    """Every slide as a handout section (chart, key number, source, speaker notes), cached per
    data version; a slide whose table is missing says so instead of failing the handout."""
    directory = data.data_dir()
    return _cached_handout(tuple(slides), events, str(directory),
                           _fingerprint(directory, _all_tables()))

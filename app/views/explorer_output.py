"""What the Data explorer draws from a view's rows: which definitions and units they mix, the plan
of a line, bar or map chart and its title, how a view with too many series is still drawn
(highlighted, small multiples, ranked), the summary sentence, the rows grid, the view in words
and its citation (text, and BibTeX/RIS references). Pure functions of tidy rows
(tests/app/views/test_explorer_output.py)."""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date
from typing import NamedTuple

import pandas as pd

from app.charts import summaries
from app.charts.common import AGE_ORDER, SEX_LABELS, period_label, wrap_title
from app.charts.summaries import DISPLAY_COLUMNS
from app.data import provenance, tables
from app.views import citations
from app.views.explorer import (BAR_CATEGORY_PRIORITY, GEO_LABELS, NO_SPLIT, PERIOD_LABELS,
                                Selection, drug_label, measure_label, split_dims, split_label,
                                table_label, text, value_label)
from etl.registry import STATE_BY_ABBR, STATE_BY_FIPS

# --- what the rows hold ----------------------------------------------------------------------

def definition_units(rows: pd.DataFrame, drugs: Sequence[str] = ()) -> list[tuple[str, str]]:
    """The (definition, unit) pairs of the rows: the pair of the first chosen drug group first,
    then in the table's order."""
    rank = {d: i for i, d in enumerate(drugs)}
    pairs = rows.assign(_rank=rows["drug_group"].map(lambda d: rank.get(d, len(rank))))
    first = pairs.groupby(["definition", "unit"], sort=False)["_rank"].min()
    return [tuple(k) for k in first.sort_values(kind="stable").index]


def mix_warning(rows: pd.DataFrame) -> str | None:
    """The warning for rows that span more than one case definition or unit, naming them all;
    None when they share one of each."""
    definitions = list(dict.fromkeys(rows["definition"]))
    units = list(dict.fromkeys(rows["unit"]))
    if len(definitions) <= 1 and len(units) <= 1:
        return None
    what, items = [], []
    if len(definitions) > 1:
        what.append(f"{len(definitions)} case definitions")
        items.append("; ".join(provenance.definition_label(d) for d in definitions))
    if len(units) > 1:
        what.append(f"{len(units)} units")
        items.append("; ".join(units))
    return text("mixed_definitions", what=" and ".join(what), items=" — ".join(items))


def varying_dims(rows: pd.DataFrame, split: str) -> list[str]:
    """Columns that tell the rows' series apart: drug group, place, the split's columns."""
    return [d for d in ("drug_group", "geo_name", *split_dims(split))
            if d in rows.columns and rows[d].nunique() > 1]


def fixed_demographics(rows: pd.DataFrame, split: str) -> str:
    """The split's columns that hold a single value here (e.g. NIDA's crude rates: ages 15-24
    only), in words, so a title can say so."""
    parts = [value_label(d, rows[d].iloc[0]) if d != "sex"
             else SEX_LABELS.get(str(rows[d].iloc[0]), str(rows[d].iloc[0]))
             for d in split_dims(split) if d in rows.columns and rows[d].nunique() == 1]
    return ", ".join(parts)


def _sort_key(dimension: str, drugs: Sequence[str]) -> Callable[[pd.Series], pd.Series]:
    def key(series: pd.Series) -> pd.Series:
        if dimension == "drug_group":
            order = {d: i for i, d in enumerate(drugs)}
            return series.map(lambda v: order.get(v, len(order)))
        if dimension == "age_group":
            return series.map(lambda v: AGE_ORDER.index(v) if v in AGE_ORDER else len(AGE_ORDER))
        return series
    return key


def series_count(rows: pd.DataFrame, dims: Sequence[str]) -> int:
    return int(rows[list(dims)].drop_duplicates().shape[0]) if dims else 1


def plot_frame(rows: pd.DataFrame, dims: Sequence[str], drugs: Sequence[str],
               label_dims: Sequence[str] | None = None) -> pd.DataFrame:
    """The rows sorted by their series (drugs in the chosen order, age groups by age), with a
    `series` column naming each combination of `label_dims` (default: `dims`) in words."""
    out = rows
    for dim in reversed(list(dims)):
        out = out.sort_values(dim, key=_sort_key(dim, drugs), kind="stable")
    label_dims = list(dims if label_dims is None else label_dims)
    if label_dims:
        labels = [out[d].map(lambda v, d=d: value_label(d, v)) for d in label_dims]
        series = labels[0]
        for more in labels[1:]:
            series = series + " · " + more
        out = out.assign(series=series)
    return out.reset_index(drop=True)


class LinePlan(NamedTuple):
    frame: pd.DataFrame
    color_by: str
    n_series: int


class BarPlan(NamedTuple):
    frame: pd.DataFrame
    category: str
    color_by: str | None
    ranked: bool
    n_bars: int


def line_plan(rows: pd.DataFrame, split: str, drugs: Sequence[str]) -> LinePlan:
    """One line per combination of the varying columns; a single column colours by itself (drug
    colours, sex styles), several get one combined `series` label."""
    dims = varying_dims(rows, split)
    if len(dims) == 1 and dims[0] != "age_group":
        return LinePlan(plot_frame(rows, dims, drugs, label_dims=[]), dims[0],
                        series_count(rows, dims))
    if not dims:
        return LinePlan(plot_frame(rows, [], drugs), "drug_group", 1)
    return LinePlan(plot_frame(rows, dims, drugs), "series", series_count(rows, dims))


def bar_plan(rows: pd.DataFrame, split: str, drugs: Sequence[str], geo: str) -> BarPlan:
    """Bars for one period: categories along the axis, at most one column by colour; states alone
    are ranked largest first."""
    dims = sorted(varying_dims(rows, split), key=BAR_CATEGORY_PRIORITY.index)
    n_bars = len(rows)
    if dims == ["geo_name"] and geo == "state":
        return BarPlan(plot_frame(rows, dims, drugs, label_dims=[]), "geo_name", None, True, n_bars)
    if not dims:
        return BarPlan(plot_frame(rows, [], drugs, label_dims=[]), "drug_group", None, False,
                       n_bars)
    if len(dims) == 1:
        frame = plot_frame(rows, dims, drugs, label_dims=[])
        if dims[0] == "age_group":
            return BarPlan(frame, "age_group", None, False, n_bars)
        return BarPlan(plot_frame(rows, dims, drugs), "series", None, False, n_bars)
    color_by = dims[-1]
    frame = plot_frame(rows, dims, drugs, label_dims=dims[:-1])
    if len(dims) == 2 and dims[0] == "age_group":
        return BarPlan(frame, "age_group", color_by, False, n_bars)
    return BarPlan(frame, "series", color_by, False, n_bars)


def map_ready(rows: pd.DataFrame, split: str) -> bool:
    """A map needs one value per state: one drug group and no demographic columns varying."""
    return not [d for d in varying_dims(rows, split) if d != "geo_name"]


def summary_text(rows: pd.DataFrame, split: str, drugs: Sequence[str], *,
                 ocme: bool = False) -> str:
    """The screen-reader sentence of a chart, naming each series by every column that varies
    (e.g. "Female · Ages 35-44"), not just one of them."""
    dims = varying_dims(rows, split)
    frame = plot_frame(rows, dims, drugs) if dims else rows
    if len(dims) > 1:
        # chart_summary names a one-period chart's values by geo_name first: give it the label.
        frame = frame.assign(geo_name=frame["series"])
    sentence = summaries.chart_summary(frame, color_by="series" if dims else "drug_group")
    # The Connecticut counts are suppressed here, not by the examiner's office.
    return sentence.replace("by the publisher", "by this dashboard") if ocme else sentence


def period_text(rows: pd.DataFrame) -> str:
    """The one period of a snapshot, in words ("2019", "December 2021", "12 months ending …")."""
    first = rows.iloc[0]
    period_type = first["period_type"]
    if period_type == "year" or pd.isna(first["month"]):
        return str(int(first["year"]))
    stamp = pd.Timestamp(year=int(first["year"]), month=int(first["month"]), day=1)
    words = stamp.strftime("%B %Y")
    return f"12 months ending {words}" if period_type == "12_month_ending" else words


# --- source and citation -----------------------------------------------------------------------

def geo_text(selection: Selection, rows: pd.DataFrame | None = None) -> str:
    if selection.geo == "state":
        if selection.states:
            return ", ".join(STATE_BY_FIPS[f].name for f in selection.states if f in STATE_BY_FIPS)
        if rows is not None and rows["geo_fips"].nunique() == 1 and len(rows):
            return str(rows["geo_name"].iloc[0])
        return "all states with rows"
    if rows is not None and len(rows) and rows["geo_name"].nunique() == 1:
        return str(rows["geo_name"].iloc[0])
    return GEO_LABELS.get(selection.geo, selection.geo)


def describe_view(selection: Selection, rows: pd.DataFrame | None = None) -> str:
    """The view in words: measure; drug groups; place; period type and years; split."""
    lo, hi = selection.years
    years = str(lo) if lo == hi else f"{lo}–{hi}"
    if selection.month is not None:
        years = pd.Timestamp(year=hi, month=selection.month, day=1).strftime("%B %Y")
        if selection.period == "12_month_ending":
            years = f"12 months ending {years}"
    parts = [measure_label(selection.measure),
             ", ".join(drug_label(d) for d in selection.drugs),
             geo_text(selection, rows),
             f"{PERIOD_LABELS.get(selection.period, selection.period).lower()}, {years}",
             split_label(selection.split).lower() if selection.split != NO_SPLIT else "totals"]
    return "; ".join(parts)


def citation_text(table: str, selection: Selection, *, accessed: str, link: str = "",
                  rows: pd.DataFrame | None = None) -> str:
    """A ready-to-paste citation of the view: the source's own citation, the processed table
    (file and checksum), the build, the filters, the retrieval and access dates, the link."""
    manifest = tables.load_manifest()
    info = tables.table_info(table)
    source = provenance.source_info(str(info["source_id"]))
    return text("citation",
                source_citation=str(source.get("citation") or source.get("title")
                                    or info["source_id"]).rstrip(".") + ".",
                table_title=table_label(table), file=info.get("file") or table,
                sha256=info.get("sha256") or "not recorded",
                built=str(manifest.get("built_at") or "unknown")[:10],
                view=describe_view(selection, rows),
                retrieved=source.get("retrieved") or "not recorded", accessed=accessed,
                link=f" {link}" if link else "")


def source_lines(source_id: str) -> list[str]:
    """The source's manifest entry as Markdown lines: title, publisher, landing page, vintage,
    retrieved, licence."""
    info = provenance.source_info(source_id)
    if not info:
        return [f"Source `{source_id}`: not described in the manifest."]
    lines = [f"**{info.get('title') or source_id}**"]
    for label, key in (("Publisher", "publisher"), ("Landing page", "landing_url"),
                       ("Vintage", "vintage"), ("Retrieved", "retrieved"),
                       ("Coverage", "coverage"), ("Licence", "license")):
        if info.get(key):
            lines.append(f"{label}: {info[key]}")
    return lines


# --- titles ------------------------------------------------------------------------------------

def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


TITLE_PLACES = {"participating_jurisdictions": ("participating jurisdictions combined",
                                                "all jurisdictions")}
"""A place level in a title (full, short), where the rows' own name is long ("All DOSE
participating jurisdictions (changes over time)"; the rows grid and the source lines keep it)."""
TITLE_LINES = 2
"""At most this many lines of a title (app.charts.common.wrap_title): plotly.js places a third
line above the chart's card."""
TITLE_PERIODS = {"12_month_ending": "12-month periods", "month": "monthly"}


def place_text(selection: Selection, rows: pd.DataFrame, *, short: bool = False) -> str:
    """The chart's place in words: one place by name, a few chosen states by name, else "by
    state" (or the level's own words); `short`: fewer words for a title that would not fit."""
    names = list(dict.fromkeys(rows["geo_name"].astype(str))) if len(rows) else []
    if selection.geo in TITLE_PLACES:
        return TITLE_PLACES[selection.geo][short]
    if len(names) == 1:
        return names[0]
    if selection.geo == "state":
        if selection.states and len(names) <= 3 and not short:
            return ", ".join(names)
        return f"{len(names)} states" if selection.states else "by state"
    if selection.geo == "city":
        return "by city"
    return GEO_LABELS.get(selection.geo, selection.geo)


MEASURE_WORDS = {("visits", "ED visits"): "number of nonfatal ED visits",
                 ("visits", "hospitalizations"): "number of nonfatal hospitalizations"}
"""A measure whose label names two units ("Number of nonfatal ED visits or hospitalizations"),
in the words of one of them."""


def measure_words(measure: str, unit: str) -> str:
    """The measure with its unit, said once: "number of deaths", "crude death rate per 100,000
    population", "ED visits per 100,000 population", "resident population (persons)"."""
    if (measure, unit) in MEASURE_WORDS:
        return MEASURE_WORDS[measure, unit]
    for side in ("lower", "upper"):
        limit = f", {side} 95% confidence limit"
        if unit.endswith(limit):  # a rate's confidence limit: say the rate, then which limit
            base = unit.removesuffix(limit)
            rate = "age_adjusted_rate" if base.endswith("age-adjusted") else "crude_rate"
            return f"{measure_words(rate, base)}, {side} 95% limit"
    label = _lower_first(measure_label(measure))
    if not unit or unit.lower() in label.lower():
        return label
    for kind in ("crude", "age-adjusted"):
        if unit.endswith(f", {kind}") and kind in label.lower():
            unit = unit.removesuffix(f", {kind}")
    if unit.startswith("deaths per ") and "death" in label:
        return f"{label} {unit.removeprefix('deaths ')}"
    if measure == "percent" or " per " in unit:
        return unit  # "percent of overdose deaths", "ED visits per 100,000 population"
    return f"{label} ({unit})"


def chart_title(selection: Selection, rows: pd.DataFrame, split: str, *,
                period: str | None = None, definition: str | None = None) -> str:
    """A chart's title from the view: drug groups, measure and unit, place, years (or the one
    `period` of a snapshot), the split, and `definition`'s label where a view draws one chart
    per definition. "Benzodiazepines: crude death rate per 100,000 population, by state,
    2019"."""
    present = set(rows["drug_group"])
    drugs = [drug_label(d) for d in selection.drugs if d in present]
    units = list(dict.fromkeys(rows["unit"].astype(str)))
    what = measure_words(selection.measure, units[0] if len(units) == 1 else "")
    if period is None:
        lo, hi = int(rows["year"].min()), int(rows["year"].max())
        period = str(lo) if lo == hi else f"{lo}–{hi}"
        if selection.period != "year":
            period = f"{TITLE_PERIODS.get(selection.period, selection.period)}, {period}"
    rest = []
    if selection.split != NO_SPLIT:
        rest.append("by " + split_label(split).lower().replace("hispanic", "Hispanic"))
    fixed = fixed_demographics(rows, split)
    if fixed:
        rest.append(fixed)
    suffix = f" — {provenance.definition_label(definition)}" if definition else ""
    # Most detailed first; the first that fits in TITLE_LINES. What the shorter ones leave out
    # the chart says anyway: the legend the drug groups and the split's groups, the time axis
    # and hover the kind of period ("12 months ending …").
    title = ""
    years = period.rsplit(", ", 1)[-1]
    for short, many_drugs, split_words, kind in ((False, 3, True, True), (True, 3, True, True),
                                                 (True, 1, True, True), (True, 1, False, True),
                                                 (True, 1, False, False)):
        drug_words = ", ".join(drugs) if len(drugs) <= many_drugs else f"{len(drugs)} drug groups"
        parts = [f"{drug_words}: {what}", place_text(selection, rows, short=short),
                 period if kind else years, *(rest if split_words else [])]
        title = ", ".join(parts) + suffix
        if wrap_title(title).count("<br>") < TITLE_LINES:
            break
    return title


def chart_titles(selection: Selection, parts: Sequence[pd.DataFrame], split: str,
                 periods: Sequence[str | None]) -> list[str]:
    """The titles of a view's charts (one per definition and unit), each naming its definition
    where the title would otherwise be another chart's too."""
    plain = [chart_title(selection, p, split, period=q) for p, q in zip(parts, periods)]
    return [chart_title(selection, p, split, period=q, definition=str(p["definition"].iloc[0]))
            if plain.count(t) > 1 else t for p, q, t in zip(parts, periods, plain)]


# --- many series ---------------------------------------------------------------------------------

DISPLAYS = {"highlight": "Highlight", "multiples": "Small multiples", "ranked": "Ranked"}
"""How a line view with more than MAX_LINE_SERIES series is drawn (the reader's choice)."""
HIGHLIGHT_COUNT = 5
"""Series highlighted by default: the highest in the latest period."""
MAX_HIGHLIGHT = 8
"""At most this many in colour: eight palette colours that are not the grey of the rest."""
MAX_FACETS = 24
"""Panels of small multiples (six rows of four); the highest in the latest period."""


class ManyPlan(NamedTuple):
    """A crowded line view: its rows with `series_key` (the link token of each series) and
    `series` (its name), the keys ranked by their value in the latest period (highest first,
    missing last), names by key, and that period in words."""
    frame: pd.DataFrame
    ranking: list[str]
    names: dict[str, str]
    latest: str


def _slug(text: object) -> str:
    return re.sub(r"[^a-z0-9_]+", "-", str(text).lower()).strip("-") or "series"


def _series_keys(frame: pd.DataFrame, color_by: str) -> pd.Series:
    if color_by == "geo_name" and "geo_fips" in frame.columns:
        return frame["geo_fips"].map(lambda f: STATE_BY_FIPS[f].abbr if f in STATE_BY_FIPS
                                     else None).fillna(frame["geo_name"].map(_slug))
    return frame[color_by].map(_slug)


def many_plan(plan: LinePlan) -> ManyPlan:
    """The crowded line plan ranked for highlighting, small multiples and the ranked view."""
    frame = plan.frame
    keys = _series_keys(frame, plan.color_by)
    names = (frame["series"] if plan.color_by == "series"
             else frame[plan.color_by].map(lambda v: value_label(plan.color_by, v)))
    frame = frame.assign(series_key=keys, series=names.astype(str))
    stamp = frame["year"].astype(int) * 100 + frame["month"].fillna(0).astype(int)
    last = frame[stamp == stamp.max()]
    latest_value = last.groupby("series_key")["value"].max()
    by_name = dict(zip(frame["series_key"], frame["series"]))
    ranking = sorted(by_name, key=lambda k: (pd.isna(latest_value.get(k)),
                                             -(latest_value.get(k) if pd.notna(
                                                 latest_value.get(k)) else 0.0), by_name[k]))
    return ManyPlan(frame.reset_index(drop=True), ranking, by_name,
                    period_label(last.iloc[0].to_dict()))


def latest_rows(many: ManyPlan) -> pd.DataFrame:
    """The rows of the latest period, one bar per series for the ranked view (the drug group
    column dropped where several share the bars: the names say which is which)."""
    frame = many.frame
    stamp = frame["year"].astype(int) * 100 + frame["month"].fillna(0).astype(int)
    rows = frame[stamp == stamp.max()]
    return rows.drop(columns=["drug_group"]) if rows["drug_group"].nunique() > 1 else rows


def ranked_bars(rows: pd.DataFrame, split: str, drugs: Sequence[str]) -> pd.DataFrame:
    """A one-period view with more than MAX_BARS bars, as rows for one ranked bar each: its
    `series` names every column that varies."""
    dims = sorted(varying_dims(rows, split), key=BAR_CATEGORY_PRIORITY.index)
    frame = plot_frame(rows, dims, drugs) if dims else rows.assign(series="")
    return frame.drop(columns=["drug_group"]) if frame["drug_group"].nunique() > 1 else frame


def highlight_keys(many: ManyPlan, chosen: Sequence[str]) -> list[str]:
    """The series drawn in colour: those chosen that this chart has, in the order chosen."""
    return [k for k in chosen if k in many.names]


def series_noun(many: ManyPlan, geo: str) -> str:
    """What the crowded series are: "states" when each is one state (keyed by its postal
    abbreviation), else "series"."""
    return "states" if geo == "state" and all(k in STATE_BY_ABBR for k in many.names) \
        else "series"


def highlight_help(many: ManyPlan, noun: str = "series") -> str:
    """The Highlight control's help: what is in colour, what the default is, what grey is."""
    return text("highlight_help", noun=noun, limit=MAX_HIGHLIGHT,
                n=min(HIGHLIGHT_COUNT, len(many.ranking)), latest=many.latest)


def highlight_legend(many: ManyPlan, chosen: Sequence[str]) -> str | None:
    """The legend's title of a highlighted chart: why these series are in colour."""
    shown = highlight_keys(many, chosen)
    return f"Highest in {many.latest}:" if shown and shown == many.ranking[:HIGHLIGHT_COUNT] \
        else None


def multiples_text(many: ManyPlan) -> str:
    shown = min(MAX_FACETS, len(many.ranking))
    if shown == len(many.ranking):
        return text("multiples_all", shown=shown, latest=many.latest)
    return text("multiples_capped", shown=shown, count=len(many.ranking), latest=many.latest)


# --- the rows grid -------------------------------------------------------------------------------

GRID_COLUMNS: dict[str, str] = {
    "value": DISPLAY_COLUMNS["value"], "flags": "Flags",
    **{c: DISPLAY_COLUMNS[c] for c in ("geo_name", "drug_group", "year", "month", "sex",
                                       "age_group", "race_ethnicity", "unit", "note")},
    "measure": "Measure", "period_type": "Period", "definition": "Case definition",
    "source_id": "Source", "source_file": "Source file", "icd10_codes": "ICD-10 codes",
    "geo_level": "Place level", "geo_fips": "FIPS code"}
"""The rows grid's columns in order (value first) and their headers."""
FLAG_WORDS = {"suppressed": "suppressed", "unreliable": "unreliable",
              "provisional": "provisional", "predicted": "predicted", "censored": "censored"}


def _flags(rows: pd.DataFrame) -> pd.Series:
    present = [f for f in FLAG_WORDS if f in rows.columns]
    marks = rows[present].fillna(False).astype(bool) if present else pd.DataFrame(index=rows.index)
    return marks.apply(lambda r: ", ".join(FLAG_WORDS[f] for f in present if r[f]), axis=1) \
        if present and len(rows) else pd.Series("", index=rows.index, dtype=object)


def grid_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows as a reader scans them: readable headers (GRID_COLUMNS), the value first and
    its flags beside it, ids in words (drug groups, sex, measures, periods, definitions, month names), the flags as words
    in one column, blanks as empty text (never "None"); a column blank in every row is left out.
    The downloads keep the raw tidy columns."""
    out = pd.DataFrame(index=rows.index)
    text = {
        "drug_group": lambda s: s.map(drug_label),
        "month": lambda s: s.map(lambda m: "" if pd.isna(m) else
                                 pd.Timestamp(year=2000, month=int(m), day=1).strftime("%B")),
        "sex": lambda s: s.map(lambda v: SEX_LABELS.get(str(v), str(v))),
        "age_group": lambda s: s.map(lambda v: "All ages" if v == "all" else str(v)),
        "race_ethnicity": lambda s: s.map(lambda v: "All" if v == "all" else str(v)),
        "measure": lambda s: s.map(measure_label),
        "period_type": lambda s: s.map(lambda v: PERIOD_LABELS.get(v, v)),
        "definition": lambda s: s.map(provenance.definition_label),
    }
    for column in GRID_COLUMNS:
        if column == "flags":
            out[column] = _flags(rows)
        elif column in rows.columns:
            series = rows[column]
            if column == "value":
                out[column] = series.astype(float)
            elif column == "year":
                out[column] = series.astype("Int64")
            else:
                series = text[column](series) if column in text else series
                out[column] = series.astype(object).where(series.notna(), "").astype(str)
    for column in rows.columns:
        if column not in GRID_COLUMNS and column not in FLAG_WORDS:
            out[column] = rows[column]
    blank = [c for c in out.columns if c not in ("value", "year")
             and not pd.api.types.is_numeric_dtype(out[c]) and out[c].astype(str).eq("").all()]
    return out.drop(columns=blank).rename(columns=GRID_COLUMNS).reset_index(drop=True)


# --- BibTeX and RIS ------------------------------------------------------------------------------

def references(table: str, selection: Selection, *, accessed: date, link: str = "",
               rows: pd.DataFrame | None = None) -> list[citations.Reference]:
    """The view's source as a reference for BibTeX and RIS (app.views.citations): the source's
    publisher, title and vintage, the view in words and the processed file, the link."""
    manifest = tables.load_manifest()
    info = tables.table_info(table)
    notes = [f"View: {describe_view(selection, rows)}.",
             f"Processed table: {table_label(table)} (file {info.get('file') or table}, "
             f"SHA-256 {info.get('sha256') or 'not recorded'})."]
    return citations.source_references([str(info["source_id"])], manifest, url=link or None,
                                       accessed=accessed, notes=notes)

"""The Data explorer's logic: option lists, the filter, chart plans, downloads, citation, snippet.

The page (pages/explorer.py) draws controls and output; everything it decides is here, as pure
functions of tidy frames (unit-tested in tests/app/test_explorer.py) plus a few cached wrappers
keyed on a `Handle` (table name and file version) so a rerun only filters small cached frames.

One filter, three uses: `conditions(selection)` lists the column tests of a view; `filter_rows`
applies them, `pandas_snippet` writes them as pandas code, and `describe_view` as words, so the
table on screen, the downloads, the citation and the reproducible snippet cannot drift apart.

Demographic splits are read from the rows themselves: a row's *split* is the set of demographic
columns that are not "all" (a sex × age row has split `sex_by_age_group`). A view takes the rows
of one split, so a total is never shown beside its own parts on one axis by accident.

ct_ocme_deaths (one row per death) is offered as a pre-aggregated view (`ocme_view`): deaths by
year, and by sex, age group, race/ethnicity, and sex × age group, for drug groups built from the
examiner's flags; counts of 1–9 are suppressed (NaN, suppressed=True), never shown as 0.
"""
from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import pandas as pd
import streamlit as st

from app import charts, content, data, urlstate
from app.charts import AGE_ORDER, SEX_LABELS, series_label
from etl.registry import DRUG_GROUPS, STATE_BY_ABBR, STATE_BY_FIPS
from etl.tidy import MEASURES, TIDY_COLUMNS

OCME_TABLE = "ct_ocme_deaths"
TABLE_ORDER = ("nida_national", "wonder_mcd", "sudors_state", "vsrr_provisional",
               "nchs_state_poisoning", "nchs_hus_rates", "dose_discharge", "dose_syndromic",
               OCME_TABLE, "census_population")
DEFAULT_TABLE = "nida_national"
MEASURE_PREFERENCE = ("deaths", "age_adjusted_rate", "crude_rate", "visit_rate", "visits",
                      "percent", "population")
GEO_LABELS = {"nation": "United States", "state": "States",
              "participating_jurisdictions": "All participating jurisdictions combined",
              "city": "Cities"}
GEO_PREFERENCE = ("nation", "participating_jurisdictions", "state", "city")
PERIOD_LABELS = {"year": "Annual", "12_month_ending": "12 months ending each month",
                 "month": "Monthly"}
PERIOD_PREFERENCE = ("year", "12_month_ending", "month")
DEMOGRAPHICS = ("sex", "age_group", "race_ethnicity")
DEMOGRAPHIC_LABELS = {"sex": "Sex", "age_group": "Age group",
                      "race_ethnicity": "Race and Hispanic origin"}
NO_SPLIT = "none"
SPLIT_JOIN = "_by_"
CHART_LABELS = {"line": "Line", "bar": "Bars", "map": "Map"}
ROW_COLUMN_ORDER = ["geo_name", "drug_group", "period_type", "year", "month", "sex", "age_group",
                    "race_ethnicity", "measure", "value", "unit", "suppressed", "unreliable",
                    "provisional", "predicted", "censored", "note", "definition"]
"""Display order of the rows table: what a reader scans first; the remaining columns follow."""
MAX_LINE_SERIES = 12
MAX_BARS = 60
SUPPRESS_MAX = 9
"""Counts from 1 to this are suppressed in the Connecticut view (CDC's sub-national rule)."""
CATALOGUE_COLUMNS = ["measure", "drug_group", "geo_level", "geo_fips", "geo_name",
                     "period_type", "split", "definition", "unit", "year", "month"]
BAR_CATEGORY_PRIORITY = ("geo_name", "age_group", "race_ethnicity", "drug_group", "sex")

# Drug groups of the Connecticut view: registry id -> how it is built from the examiner's flags.
OCME_DRUG_GROUPS: dict[str, Callable[[pd.DataFrame], pd.Series]] = {
    "all_drugs": lambda d: pd.Series(True, index=d.index),
    "benzodiazepines": lambda d: d["benzodiazepine"],
    "benzodiazepines_with_any_opioid": lambda d: d["benzodiazepine"] & d["any_opioid"],
    "benzodiazepines_without_any_opioid": lambda d: d["benzodiazepine"] & ~d["any_opioid"],
    "any_opioid": lambda d: d["any_opioid"],
    "heroin": lambda d: d["heroin"],
    "cocaine": lambda d: d["cocaine"],
    "methadone": lambda d: d["methadone"],
}
OCME_TOTAL_ONLY = {"sex": "unknown", "age_group": "unknown"}
"""Levels counted in the totals but not shown as a group of their own: a handful of records each,
every bar of them would be a suppressed cell or a zero."""
OCME_SPLITS: tuple[tuple[str, ...], ...] = ((), ("sex",), ("age_group",), ("race_ethnicity",),
                                            ("sex", "age_group"))


class Handle(NamedTuple):
    """A table and the version of its file: the cache key of everything derived from it."""
    name: str
    version: str


class Selection(NamedTuple):
    """One view of a table. `states`: FIPS codes (empty: every state); `month`: the one month of
    a bar/map snapshot of monthly data (None otherwise)."""
    measure: str
    drugs: tuple[str, ...]
    geo: str
    states: tuple[str, ...]
    period: str
    split: str
    years: tuple[int, int]
    month: int | None = None


# --- text ------------------------------------------------------------------------------------

def text(section: str, **values: object) -> str:
    """A section of content/explorer.md with its placeholders filled (paragraphs kept)."""
    raw = content.section("explorer", section)
    paragraphs = [" ".join(p.split()) for p in raw.split("\n\n")]
    return content.fill("\n\n".join(paragraphs), {k: str(v) for k, v in values.items()})


def measure_label(measure: str) -> str:
    return MEASURES.get(measure, measure)


def drug_label(drug: str) -> str:
    return DRUG_GROUPS[drug].label if drug in DRUG_GROUPS else drug


def state_label(abbr: str) -> str:
    return STATE_BY_ABBR[abbr].name if abbr in STATE_BY_ABBR else abbr


def split_dims(split: str) -> tuple[str, ...]:
    return () if split == NO_SPLIT else tuple(split.split(SPLIT_JOIN))


def split_label(split: str) -> str:
    if split == NO_SPLIT:
        return "No split (totals)"
    words = " × ".join(DEMOGRAPHIC_LABELS.get(d, d) for d in split_dims(split))
    return words[:1].upper() + words[1:].lower().replace("hispanic", "Hispanic")


def value_label(dimension: str, value: object) -> str:
    """Readable name of one value of a column that can tell series apart."""
    if dimension in ("drug_group", "sex"):
        return series_label(dimension, value)
    if dimension == "age_group":
        return f"Ages {value}" if value not in ("all", "unknown") else f"Age {value}"
    return str(value)


# --- tables ----------------------------------------------------------------------------------

def ordered_tables(available: Sequence[str]) -> list[str]:
    """The manifest's tables, the usual starting points first."""
    known = [t for t in TABLE_ORDER if t in available]
    return known + sorted(t for t in available if t not in known)


def table_label(name: str) -> str:
    try:
        title = str(data.table_info(name).get("title") or name)
    except data.TableUnavailable:
        return name
    return f"{title} — counted by year and group" if name == OCME_TABLE else title


def handle(name: str) -> Handle:
    """The table's cache key: data folder, file name and checksum from the manifest."""
    info = data.table_info(name)
    return Handle(name, f"{data.data_dir()}|{info.get('file')}|{info.get('sha256')}")


def ocme_view(deaths: pd.DataFrame) -> pd.DataFrame:
    """Connecticut's record-level deaths as tidy rows: deaths per year for each drug group of
    OCME_DRUG_GROUPS, in total and split by each of OCME_SPLITS (zero where no death, a true
    zero), with counts of 1–SUPPRESS_MAX suppressed. Unknown sex or age is in the totals only
    (OCME_TOTAL_ONLY); unknown race/ethnicity is a group, as the publisher's file has it."""
    years = sorted(int(y) for y in deaths["year"].unique())
    levels = {dim: sorted((v for v in deaths[dim].astype(str).unique()
                           if not (dim in OCME_TOTAL_ONLY and v == OCME_TOTAL_ONLY[dim])),
                          key=_demographic_order(dim))
              for dim in DEMOGRAPHICS}
    frames = []
    for drug, select in OCME_DRUG_GROUPS.items():
        subset = deaths[select(deaths).astype(bool)]
        for dims in OCME_SPLITS:
            keys = ["year", *dims]
            full = pd.MultiIndex.from_product([years, *(levels[d] for d in dims)], names=keys)
            counts = (subset.assign(**{d: subset[d].astype(str) for d in dims})
                      .groupby(keys).size()) if dims else subset.groupby("year").size()
            counts = counts.reindex(full if dims else pd.Index(years, name="year"), fill_value=0)
            frame = counts.rename("value").reset_index()
            frame["drug_group"] = drug
            for dim in DEMOGRAPHICS:
                if dim not in dims:
                    frame[dim] = "all"
            frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    out["value"] = out["value"].astype(float)
    out["suppressed"] = out["value"].between(1, SUPPRESS_MAX)
    out.loc[out["suppressed"], "value"] = float("nan")
    source_id = str(deaths["source_id"].iloc[0]) if len(deaths) else "ct_ocme"
    definition = str(deaths["definition"].iloc[0]) if len(deaths) else "ocme_accidental"
    ct = STATE_BY_ABBR["CT"]
    out = out.assign(
        source_id=source_id, source_file="ct_ocme_deaths (record-level), counted by the dashboard",
        definition=definition, measure="deaths", unit="deaths",
        icd10_codes="examiner's drug flags; no ICD-10 code", geo_level="state", geo_fips=ct.fips,
        geo_name=ct.name, period_type="year", month=pd.array([pd.NA] * len(out), dtype="Int64"),
        unreliable=False, provisional=False, predicted=False, censored=False,
        note=out["suppressed"].map({True: f"1–{SUPPRESS_MAX} deaths: suppressed by this "
                                          "dashboard, not zero", False: ""}))
    out["year"] = out["year"].astype("int64")
    return out[TIDY_COLUMNS]


def _demographic_order(dim: str) -> Callable[[str], tuple[int, str]]:
    def key(value: str) -> tuple[int, str]:
        if dim == "age_group" and value in AGE_ORDER:
            return AGE_ORDER.index(value), value
        last = value in ("unknown", "Unknown", "Other")
        return (len(AGE_ORDER) + int(last), value)
    return key


def _read(h: Handle) -> pd.DataFrame:
    frame = data.load_table(h.name)
    if h.name == OCME_TABLE:
        return ocme_view(frame)
    missing = [c for c in TIDY_COLUMNS if c not in frame.columns]
    if missing:
        raise data.TableUnavailable(h.name, "it is not in the tidy long format the explorer "
                                            f"reads (no column {', '.join(missing)})")
    return frame


@st.cache_data(show_spinner=False, max_entries=12)
def rows_of(h: Handle) -> pd.DataFrame:
    """The table as tidy rows (the Connecticut view for ct_ocme_deaths). Read-only."""
    return _read(h)


def split_of(frame: pd.DataFrame) -> pd.Series:
    """Each row's split: the demographic columns that are not "all", joined (or "none")."""
    parts = [frame[d].astype(str).ne("all").map({True: d, False: ""}) for d in DEMOGRAPHICS]
    joined = parts[0].str.cat(parts[1:], sep=" ").str.split().str.join(SPLIT_JOIN)
    return joined.replace("", NO_SPLIT)


def catalogue_of(frame: pd.DataFrame) -> pd.DataFrame:
    """The distinct combinations of a table's choosable columns (one row per period, not per
    value): every option list is read from this small frame."""
    cat = frame.assign(split=split_of(frame))[CATALOGUE_COLUMNS]
    return cat.drop_duplicates(ignore_index=True)


@st.cache_data(show_spinner=False, max_entries=12)
def catalogue(h: Handle) -> pd.DataFrame:
    return catalogue_of(rows_of(h))


# --- options (pure, on a catalogue) ------------------------------------------------------------

def candidates(cat: pd.DataFrame, *, measure: str | None = None,
               drugs: Sequence[str] | None = None, geo: str | None = None,
               states: Sequence[str] = (), period: str | None = None,
               split: str | None = None) -> pd.DataFrame:
    """Catalogue rows left by the choices made so far (None: not chosen yet; empty drugs: any)."""
    mask = pd.Series(True, index=cat.index)
    if measure is not None:
        mask &= cat["measure"] == measure
    if drugs:
        mask &= cat["drug_group"].isin(list(drugs))
    if geo is not None:
        mask &= cat["geo_level"] == geo
        if geo == "state" and states:
            mask &= cat["geo_fips"].isin(list(states))
    if period is not None:
        mask &= cat["period_type"] == period
    if split is not None:
        mask &= cat["split"] == split
    return cat[mask]


def _ordered(values: Sequence[str], preference: Sequence[str]) -> list[str]:
    values = list(dict.fromkeys(values))
    return [p for p in preference if p in values] + sorted(v for v in values
                                                           if v not in preference)


def measure_options_of(cat: pd.DataFrame) -> list[str]:
    return _ordered(cat["measure"].unique().tolist(), MEASURE_PREFERENCE)


def drug_options_of(cat: pd.DataFrame, measure: str) -> list[str]:
    found = set(candidates(cat, measure=measure)["drug_group"])
    return [d for d in DRUG_GROUPS if d in found] + sorted(found - set(DRUG_GROUPS))


def geo_options_of(cat: pd.DataFrame, measure: str, drugs: Sequence[str]) -> list[str]:
    found = candidates(cat, measure=measure, drugs=drugs)["geo_level"].unique().tolist()
    return _ordered(found, GEO_PREFERENCE)


def state_options_of(cat: pd.DataFrame, measure: str, drugs: Sequence[str]) -> list[str]:
    """Postal abbreviations of the states with rows, in the registry's (alphabetical) order."""
    fips = set(candidates(cat, measure=measure, drugs=drugs, geo="state")["geo_fips"])
    return [s.abbr for s in STATE_BY_FIPS.values() if s.fips in fips]


def period_options_of(cat: pd.DataFrame, measure: str, drugs: Sequence[str], geo: str,
                      states: Sequence[str]) -> list[str]:
    found = candidates(cat, measure=measure, drugs=drugs, geo=geo,
                       states=states)["period_type"].unique().tolist()
    return _ordered(found, PERIOD_PREFERENCE)


def split_options_of(cat: pd.DataFrame, measure: str, drugs: Sequence[str], geo: str,
                     states: Sequence[str], period: str) -> list[str]:
    found = candidates(cat, measure=measure, drugs=drugs, geo=geo, states=states,
                       period=period)["split"].unique().tolist()
    return sorted(found, key=lambda s: (s != NO_SPLIT, len(split_dims(s)),
                                        [DEMOGRAPHICS.index(d) if d in DEMOGRAPHICS else 9
                                         for d in split_dims(s)]))


def year_span_of(cat: pd.DataFrame, measure: str, drugs: Sequence[str], geo: str,
                 states: Sequence[str], period: str, split: str) -> tuple[int, int] | None:
    years = candidates(cat, measure=measure, drugs=drugs, geo=geo, states=states, period=period,
                       split=split)["year"]
    return (int(years.min()), int(years.max())) if len(years) else None


def snapshot_month_of(cat: pd.DataFrame, selection: Selection) -> int | None:
    """The latest month with rows in the selected year (monthly data), for bar and map views."""
    if selection.period == "year":
        return None
    rows = candidates(cat, measure=selection.measure, drugs=selection.drugs, geo=selection.geo,
                      states=selection.states, period=selection.period, split=selection.split)
    months = rows.loc[rows["year"] == selection.years[1], "month"].dropna()
    return int(months.max()) if len(months) else None


def chart_options(geo: str, n_states: int) -> list[str]:
    """Line and bars always; a map when the view is states (more than one to compare)."""
    return ["line", "bar"] + (["map"] if geo == "state" and n_states > 1 else [])


def default_drugs(options: Sequence[str]) -> list[str]:
    return ["benzodiazepines"] if "benzodiazepines" in options else list(options[:1])


# Cached option lists, one entry per table version and earlier choices.

@st.cache_data(show_spinner=False, max_entries=64)
def measure_options(h: Handle) -> list[str]:
    return measure_options_of(catalogue(h))


@st.cache_data(show_spinner=False, max_entries=256)
def drug_options(h: Handle, measure: str) -> list[str]:
    return drug_options_of(catalogue(h), measure)


@st.cache_data(show_spinner=False, max_entries=256)
def geo_options(h: Handle, measure: str, drugs: tuple[str, ...]) -> list[str]:
    return geo_options_of(catalogue(h), measure, drugs)


@st.cache_data(show_spinner=False, max_entries=256)
def state_options(h: Handle, measure: str, drugs: tuple[str, ...]) -> list[str]:
    return state_options_of(catalogue(h), measure, drugs)


@st.cache_data(show_spinner=False, max_entries=256)
def period_options(h: Handle, measure: str, drugs: tuple[str, ...], geo: str,
                   states: tuple[str, ...]) -> list[str]:
    return period_options_of(catalogue(h), measure, drugs, geo, states)


@st.cache_data(show_spinner=False, max_entries=256)
def split_options(h: Handle, measure: str, drugs: tuple[str, ...], geo: str,
                  states: tuple[str, ...], period: str) -> list[str]:
    return split_options_of(catalogue(h), measure, drugs, geo, states, period)


@st.cache_data(show_spinner=False, max_entries=256)
def year_span(h: Handle, measure: str, drugs: tuple[str, ...], geo: str,
              states: tuple[str, ...], period: str, split: str) -> tuple[int, int] | None:
    return year_span_of(catalogue(h), measure, drugs, geo, states, period, split)


@st.cache_data(show_spinner=False, max_entries=256)
def snapshot_month(h: Handle, selection: Selection) -> int | None:
    return snapshot_month_of(catalogue(h), selection)


# --- the filter --------------------------------------------------------------------------------

Condition = tuple[str, str, Any]
"""(column, operator, value); operator one of ==, !=, isin, between."""


def states_to_fips(abbrs: Sequence[str]) -> tuple[str, ...]:
    return tuple(STATE_BY_ABBR[a].fips for a in abbrs if a in STATE_BY_ABBR)


def conditions(selection: Selection) -> list[Condition]:
    """The column tests that make a view, in the order the snippet writes them."""
    out: list[Condition] = [("measure", "==", selection.measure),
                            ("drug_group", "isin", list(selection.drugs)),
                            ("geo_level", "==", selection.geo)]
    if selection.geo == "state" and selection.states:
        out.append(("geo_fips", "isin", list(selection.states)))
    out.append(("period_type", "==", selection.period))
    out.append(("year", "between", (int(selection.years[0]), int(selection.years[1]))))
    if selection.month is not None:
        out.append(("month", "==", int(selection.month)))
    dims = split_dims(selection.split)
    out.extend((d, "!=" if d in dims else "==", "all") for d in DEMOGRAPHICS)
    return out


def filter_rows(frame: pd.DataFrame, selection: Selection) -> pd.DataFrame:
    """Exactly the rows of a view, in the table's order, with a fresh 0..n-1 index."""
    mask = pd.Series(True, index=frame.index)
    for column, op, value in conditions(selection):
        series = frame[column]
        if op == "==":
            mask &= series == value
        elif op == "!=":
            mask &= series != value
        elif op == "isin":
            mask &= series.isin(value)
        elif op == "between":
            mask &= series.between(*value)
        else:  # pragma: no cover - conditions() only writes the four above
            raise ValueError(f"unknown operator {op!r}")
    return frame[mask].reset_index(drop=True)


@st.cache_data(show_spinner=False, max_entries=32)
def filtered(h: Handle, selection: Selection) -> pd.DataFrame:
    return filter_rows(rows_of(h), selection)


def csv_bytes(rows: pd.DataFrame) -> bytes:
    return rows.to_csv(index=False).encode("utf-8")


def parquet_bytes(rows: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    rows.to_parquet(buffer, index=False, engine="pyarrow")
    return buffer.getvalue()


@st.cache_data(show_spinner=False, max_entries=16)
def download(h: Handle, selection: Selection, kind: str) -> bytes:
    """The filtered rows as CSV or Parquet bytes (cached: a rerun does not re-encode them)."""
    rows = filtered(h, selection)
    return csv_bytes(rows) if kind == "csv" else parquet_bytes(rows)


def row_column_order(rows: pd.DataFrame) -> list[str]:
    """Every column of the rows, the ones a reader scans first in front."""
    first = [c for c in ROW_COLUMN_ORDER if c in rows.columns]
    return first + [c for c in rows.columns if c not in first]


def download_name(table: str, kind: str) -> str:
    return f"explorer_{re.sub(r'[^A-Za-z0-9_-]+', '_', table)}.{kind}"


def _literal(value: Any) -> str:
    if isinstance(value, tuple):
        return f"{value[0]!r}, {value[1]!r}"
    return repr(value)


def pandas_snippet(file_name: str, selection: Selection, *, ocme: bool = False) -> str:
    """pandas code that turns the table's processed Parquet file into exactly the view's rows."""
    lines = ["import pandas as pd", ""]
    if ocme:
        lines += ["from app.explorer import ocme_view  # this dashboard's code: counts the records",
                  "", f"rows = ocme_view(pd.read_parquet({file_name!r}))"]
    else:
        lines.append(f"rows = pd.read_parquet({file_name!r})")
    tests = []
    for column, op, value in conditions(selection):
        ref = f"rows[{column!r}]"
        if op in ("==", "!="):
            tests.append(f"({ref} {op} {_literal(value)})")
        else:
            tests.append(f"{ref}.{op}({_literal(value)})")
    lines.append("rows = rows[")
    lines.append("    " + tests[0])
    lines.extend(f"    & {t}" for t in tests[1:])
    lines.append("].reset_index(drop=True)")
    return "\n".join(lines)


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
        items.append("; ".join(data.definition_label(d) for d in definitions))
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
    sentence = charts.chart_summary(frame, color_by="series" if dims else "drug_group")
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
    manifest = data.load_manifest()
    info = data.table_info(table)
    source = data.source_info(str(info["source_id"]))
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
    info = data.source_info(source_id)
    if not info:
        return [f"Source `{source_id}`: not described in the manifest."]
    lines = [f"**{info.get('title') or source_id}**"]
    for label, key in (("Publisher", "publisher"), ("Landing page", "landing_url"),
                       ("Vintage", "vintage"), ("Retrieved", "retrieved"),
                       ("Coverage", "coverage"), ("Licence", "license")):
        if info.get(key):
            lines.append(f"{label}: {info[key]}")
    return lines


# --- Streamlit glue for dependent controls ---------------------------------------------------

def drop_stale(key: str, fix: Callable[[Any], Any]) -> None:
    """Before a control whose options depend on earlier ones is drawn: when the reader's value
    of `key` is no longer possible (an earlier choice changed the options), replace it by
    `fix(value)` — None: the control's default — in the widget and in the link, so urlstate
    takes it without calling the link invalid. A link changed from outside (pasted, back or
    forward) is left for urlstate to judge."""
    if key not in st.session_state:
        return
    old = st.session_state[key]
    new = fix(old)
    if new == old:
        return
    raw = st.query_params.get_all(key)
    if raw not in ([], [urlstate.encode(old)]):
        return
    if new is None:
        del st.session_state[key]
        if raw:
            del st.query_params[key]
    else:
        st.session_state[key] = new
        st.query_params[key] = urlstate.encode(new)


def keep_choice(options: Sequence[Any]) -> Callable[[Any], Any]:
    return lambda value: value if value in options else None


def keep_choices(options: Sequence[Any]) -> Callable[[Any], Any]:
    def fix(value: Any) -> Any:
        kept = [v for v in value if v in options]
        return kept if kept or not value else None
    return fix


def keep_year(lo: int, hi: int) -> Callable[[Any], Any]:
    return lambda value: value if isinstance(value, int) and lo <= value <= hi else None


def keep_span(lo: int, hi: int) -> Callable[[Any], Any]:
    def fix(value: Any) -> Any:
        try:
            start, end = max(lo, int(value[0])), min(hi, int(value[1]))
        except (TypeError, ValueError, IndexError):
            return None
        return (start, end) if start <= end else None
    return fix


def forget(*keys: str) -> None:
    """Remove from the link the controls this view does not draw (e.g. `states` when the place
    is the nation), so the link holds only what is on screen."""
    for key in keys:
        if key in st.query_params:
            del st.query_params[key]

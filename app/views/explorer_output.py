"""What the Data explorer draws from a view's rows: which definitions and units they mix, the plan
of a line, bar or map chart, the summary sentence, the view in words and its citation. Pure
functions of tidy rows (tests/app/views/test_explorer_output.py)."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

import pandas as pd

from app.charts import summaries
from app.charts.common import AGE_ORDER, SEX_LABELS
from app.data import provenance, tables
from app.views.explorer import (BAR_CATEGORY_PRIORITY, GEO_LABELS, NO_SPLIT, PERIOD_LABELS,
                                Selection, drug_label, measure_label, split_dims, split_label,
                                table_label, text, value_label)
from etl.registry import STATE_BY_FIPS


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

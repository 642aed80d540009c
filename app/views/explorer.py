"""The Data explorer's logic: option lists, the filter, downloads and the reproducible snippet, as
pure functions of tidy frames (unit-tested in tests/app/views/test_explorer.py). What it draws
from a view's rows (chart plans, the summary, the view in words, the citation) is in
app.views.explorer_output; the page's cached calls and stale choices in
app.glue.explorer_controls.

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
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import pandas as pd

from app.charts.common import AGE_ORDER, series_label
from app.data import content, tables
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
GEO_CHOICE_LABELS = {**GEO_LABELS, "participating_jurisdictions": "All jurisdictions combined"}
"""Place names in the Place control, short enough for its box at 1024 px."""
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
MAX_LINE_SERIES = 12
MAX_BARS = 60
"""Beyond these, one chart would be unreadable: lines are drawn highlighted, as small multiples
or ranked, bars ranked and cut to the highest MAX_BARS (app.views.explorer_output)."""
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

def explorable_tables(manifest_tables: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The manifest's tables the explorer reads: those in the tidy long format (every tidy
    column listed) and Connecticut's record-level deaths, which it counts (`ocme_view`). Other
    record-level and named-drug tables have pages of their own and their downloads on the Data
    and methods page."""
    return [name for name, info in manifest_tables.items()
            if name == OCME_TABLE or set(TIDY_COLUMNS) <= set(info.get("columns") or ())]


def ordered_tables(available: Sequence[str]) -> list[str]:
    """The manifest's tables, the usual starting points first."""
    known = [t for t in TABLE_ORDER if t in available]
    return known + sorted(t for t in available if t not in known)


TABLE_CHOICE_MAX = 61
"""Characters of a table's name in its closed selectbox: what fits at 1024 px with the menu
open. A longer title is cut before its coverage (", states 2010–2020 and …"): the year slider
and the source lines say the coverage."""


def table_choice_label(name: str) -> str:
    """A table's name for the Table control: its title, without the coverage part after the
    first comma where the whole would not fit (TABLE_CHOICE_MAX)."""
    label = table_label(name)
    if len(label) <= TABLE_CHOICE_MAX:
        return label
    short = label.split(", ")[0]
    if name == OCME_TABLE:
        short = f"{short} (records counted)"
    return short if len(short) <= TABLE_CHOICE_MAX else short[:TABLE_CHOICE_MAX - 1] + "…"


def table_label(name: str) -> str:
    try:
        title = str(tables.table_info(name).get("title") or name)
    except tables.TableUnavailable:
        return name
    return f"{title} — counted by year and group" if name == OCME_TABLE else title


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


def tidy_rows(table: pd.DataFrame, name: str) -> pd.DataFrame:
    """The rows the explorer filters: the Connecticut view of ct_ocme_deaths (one row per death),
    any other table as it is once it is known to be in the tidy long format."""
    if name == OCME_TABLE:
        return ocme_view(table)
    missing = [c for c in TIDY_COLUMNS if c not in table.columns]
    if missing:
        raise tables.TableUnavailable(name, "it is not in the tidy long format the explorer "
                                            f"reads (no column {', '.join(missing)})")
    return table


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


def csv_bytes(rows: pd.DataFrame) -> bytes:
    return rows.to_csv(index=False).encode("utf-8")


def parquet_bytes(rows: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    rows.to_parquet(buffer, index=False, engine="pyarrow")
    return buffer.getvalue()


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
        lines += ["from app.views.explorer import ocme_view  # this dashboard's code: counts the "
                  "records",
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

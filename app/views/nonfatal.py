"""Views of the CDC surveillance tables: SUDORS detected-drug deaths by state and for the
participating jurisdictions (the "Illegal benzodiazepines" page), and DOSE-SYS and DOSE-DIS
nonfatal visits (the "Nonfatal overdoses" page and the nonfatal complement on "Who is affected").

Pure functions (no Streamlit): tidy rows in, tidy rows out for app.charts builders. SUDORS and
DOSE rows are never combined: deaths and nonfatal visits are different things.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

import pandas as pd
import plotly.graph_objects as go

from app.charts import theme
from app.charts.common import exclusion_reason
from etl.registry import PARTICIPATING_FIPS, STATE_BY_ABBR, STATE_BY_FIPS
from etl.tidy import EXCLUDED_NOTE

DETECTED_BENZODIAZEPINES: tuple[str, ...] = (
    "illegal_benzodiazepines", "bromazolam", "etizolam", "flualprazolam")
"""SUDORS groups counted when DETECTED on postmortem toxicology (involved or not)."""
SUDORS_MEASURES: tuple[str, ...] = ("deaths", "percent")
DOSE_MEASURES: tuple[str, ...] = ("visits", "visit_rate")
DIS_SETTINGS: tuple[str, ...] = ("nonfatal_ed_discharge", "nonfatal_hosp_discharge")
SYS_PERIODS: tuple[str, ...] = ("month", "12_month_ending")
BENZO = "benzodiazepines"

# DOSE-SYS excludes March–August 2020 (COVID-19 onset) for every jurisdiction: the ETL stores
# those months, and every rolling 12 months that include one, with no value, not suppressed, and
# EXCLUDED_NOTE in `note` (etl/corrections.csv). The page draws that as a gap of its own.


def _stamps(df: pd.DataFrame) -> pd.Series:
    return pd.to_datetime(dict(year=df["year"].astype(int), month=df["month"].astype(int), day=1))


def state_rows(df: pd.DataFrame) -> pd.DataFrame:
    """Rows of the 50 states and DC (not the participating-jurisdictions total)."""
    return df[df["geo_fips"].isin(STATE_BY_FIPS)]


def total_rows(df: pd.DataFrame) -> pd.DataFrame:
    """Rows of the participating jurisdictions combined (geo_fips 99): never a national total."""
    return df[df["geo_fips"] == PARTICIPATING_FIPS]


def sudors_rows(sudors: pd.DataFrame, drugs: Iterable[str], measure: str) -> pd.DataFrame:
    """SUDORS rows of `drugs` and `measure` (all places, all years), in the order of `drugs`."""
    drugs = list(drugs)
    rows = sudors[sudors["drug_group"].isin(drugs) & (sudors["measure"] == measure)]
    order = rows["drug_group"].map({d: i for i, d in enumerate(drugs)})
    return rows.assign(_order=order).sort_values(["_order", "geo_fips", "year"], kind="stable"
                                                 ).drop(columns="_order")


def jurisdictions_per_year(rows: pd.DataFrame) -> dict[int, int]:
    """Number of states (and DC) with a row, per year: the participating set changes by year."""
    states = state_rows(rows)
    return {int(y): int(n) for y, n in states.groupby("year")["geo_fips"].nunique().items()}


def censored_points(rows: pd.DataFrame, label_column: str = "drug_group",
                    labels: dict[str, str] | None = None) -> list[str]:
    """'Bromazolam 2020'-style names of the censored rows ('<0.1' published), in order."""
    hits = rows[rows["censored"].astype(bool)].sort_values([label_column, "year"])
    names = [f"{(labels or {}).get(str(k), str(k))} {int(y)}"
             for k, y in zip(hits[label_column], hits["year"])]
    return list(dict.fromkeys(names))


def states_with_data(rows: pd.DataFrame) -> list[str]:
    """Postal abbreviations of the states with at least one row, alphabetical by name."""
    fips = set(state_rows(rows)["geo_fips"])
    return [s.abbr for s in sorted((STATE_BY_FIPS[f] for f in fips), key=lambda s: s.name)]


def top_states(rows: pd.DataFrame, n: int = 3) -> list[str]:
    """Abbreviations of the `n` states with the highest value in the latest year with values."""
    valued = state_rows(rows)
    valued = valued[valued["value"].notna()]
    if valued.empty:
        return []
    latest = valued[valued["year"] == valued["year"].max()]
    top = latest.sort_values(["value", "geo_name"], ascending=[False, True]).head(n)
    return [STATE_BY_FIPS[f].abbr for f in top["geo_fips"]]


def default_states(rows: pd.DataFrame, n: int = 3) -> list[str]:
    """The `n` states with the highest value in the latest period among those with a value in
    every period the rows cover (every year, or every month), so a default comparison has no
    empty years; among all states when none has them all."""
    valued = state_rows(rows)
    valued = valued[valued["value"].notna()]
    if valued.empty:
        return []
    monthly = "month" in valued.columns and valued["month"].notna().any()
    period = valued["year"] * 100 + (valued["month"].fillna(0) if monthly else 0)
    valued = valued.assign(_period=period)
    per_state = valued.groupby("geo_fips")["_period"].nunique()
    complete = per_state[per_state == valued["_period"].nunique()].index
    pool = valued[valued["geo_fips"].isin(complete)] if len(complete) else valued
    latest = pool[pool["_period"] == pool["_period"].max()]
    top = latest.sort_values(["value", "geo_name"], ascending=[False, True]).drop_duplicates(
        "geo_fips").head(n)
    return [STATE_BY_FIPS[f].abbr for f in top["geo_fips"]]


def year_span_text(years: Sequence[int]) -> str:
    """'2020', '2020–2022' or '2020, 2022'."""
    years = sorted(int(y) for y in years)
    runs: list[list[int]] = []
    for year in years:
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)


def missing_years(rows: pd.DataFrame, abbrs: Sequence[str], years: Sequence[int],
                  publisher: str = "SUDORS") -> list[str]:
    """For each chosen state, the years it has no value and why, in words: it did not report
    (no row), the publisher excluded the year for a reason of its own (EXCLUDED_NOTE, e.g. the
    toxicology rule), or the count is suppressed (small count)."""
    lines = []
    for abbr in abbrs:
        state = STATE_BY_ABBR.get(abbr)
        if state is None:
            continue
        mine = rows[rows["geo_fips"] == state.fips].set_index("year")
        reasons: dict[str, list[int]] = {}
        for year in years:
            if year not in mine.index:
                reasons.setdefault(f"did not report to {publisher}", []).append(year)
                continue
            row = mine.loc[year]
            if pd.notna(row["value"]):
                continue
            note = str(row.get("note") or "")
            if note.startswith(EXCLUDED_NOTE) and not bool(row.get("suppressed", False)):
                why = exclusion_reason(note)
                reasons.setdefault(f"not published by {publisher}, not a small count ({why})",
                                   []).append(year)
            else:
                reasons.setdefault("suppressed (small count, not zero)", []).append(year)
        parts = [f"{year_span_text(y)} {why}" for why, y in reasons.items()]
        if parts:
            lines.append(f"{state.name}: " + "; ".join(parts) + ".")
    return lines


def rows_for_states(rows: pd.DataFrame, abbrs: Sequence[str]) -> pd.DataFrame:
    """Rows of the chosen states (by postal abbreviation), in the order chosen."""
    fips = [STATE_BY_ABBR[a].fips for a in abbrs if a in STATE_BY_ABBR]
    picked = rows[rows["geo_fips"].isin(fips)]
    order = {f: i for i, f in enumerate(fips)}
    return picked.sort_values(["geo_fips", "year"], key=lambda c: c.map(order) if c.name ==
                              "geo_fips" else c, kind="stable")


def with_total(rows: pd.DataFrame, abbrs: Sequence[str], total_label: str | None = None
               ) -> pd.DataFrame:
    """The participating-jurisdictions total first, then the chosen states (geo_name as series)."""
    total = total_rows(rows)
    if total_label:
        total = total.assign(geo_name=total_label)
    return pd.concat([total, rows_for_states(rows, abbrs)], ignore_index=True)


def latest_point(rows: pd.DataFrame) -> pd.Series | None:
    """The row of the latest period with a value (None when no value)."""
    valued = rows[rows["value"].notna()]
    if valued.empty:
        return None
    month = valued["month"].fillna(0) if "month" in valued.columns else 0
    order = valued.assign(_order=valued["year"] * 100 + month).sort_values("_order")
    return order.drop(columns="_order").iloc[-1]


# DOSE

def syndromic_rows(sys_table: pd.DataFrame, period_type: str, drug: str = BENZO) -> pd.DataFrame:
    """DOSE-SYS rows of one drug and period type, both sexes and all ages."""
    keep = ((sys_table["drug_group"] == drug) & (sys_table["period_type"] == period_type)
            & (sys_table["sex"] == "all") & (sys_table["age_group"] == "all"))
    return sys_table[keep]


def in_covid_gap(rows: pd.DataFrame) -> pd.Series:
    """True for rows the publisher excluded (the DOSE-SYS COVID-19 onset, March–August 2020, and
    the rolling 12 months that include it), as the ETL marks them: no value, EXCLUDED_NOTE in
    `note`."""
    if rows.empty:
        return pd.Series(False, index=rows.index)
    excluded = rows["note"].fillna("").astype(str).str.contains(EXCLUDED_NOTE, regex=False)
    return excluded & rows["value"].isna()


def mark_covid_gap(rows: pd.DataFrame, note: str) -> pd.DataFrame:
    """Rows in the COVID-19 exclusion are a gap, not a small-count suppression: make sure they
    are not flagged suppressed (the line still breaks, since the value stays NaN) and put `note`
    (the page's label) in front of the ETL's reason."""
    gap = in_covid_gap(rows)
    out = rows.copy()
    out.loc[gap, "suppressed"] = False
    out.loc[gap, "note"] = out.loc[gap, "note"].map(
        lambda n: n if str(n).startswith(note) else f"{note}; {n}")
    return out


def covid_gap_span(rows: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """First and last period (month stamps) of the COVID-19 exclusion present in `rows`."""
    gap = rows[in_covid_gap(rows)]
    if gap.empty:
        return None
    stamps = _stamps(gap)
    return stamps.min(), stamps.max()


def shade_period(fig: go.Figure, start: pd.Timestamp, end: pd.Timestamp, label: str
                 ) -> go.Figure:
    """Grey band over start–end (month stamps, inclusive) with a label at its top: a period with
    no data by design (e.g. the DOSE-SYS COVID-19 exclusion)."""
    x0 = start - pd.Timedelta(days=15)
    x1 = end + pd.Timedelta(days=15)
    fig.add_shape(type="rect", x0=x0, x1=x1, xref="x", y0=0, y1=1, yref="paper",
                  fillcolor="rgba(128,128,128,0.16)", line=dict(width=0), layer="below")
    fig.add_annotation(x=x0 + (x1 - x0) / 2, xref="x", y=0.02, yref="paper", text=label,
                       textangle=-90, showarrow=False, yanchor="bottom",
                       font=dict(size=theme.ANNOTATION_SIZE))
    return fig


def discharge_rows(dis: pd.DataFrame, setting: str, measure: str, drug: str = BENZO,
                   period_type: str = "year") -> pd.DataFrame:
    """DOSE-DIS rows of one setting (ED or hospitalization definition), measure and drug, both
    sexes and all ages."""
    keep = ((dis["definition"] == setting) & (dis["measure"] == measure)
            & (dis["drug_group"] == drug) & (dis["period_type"] == period_type)
            & (dis["sex"] == "all") & (dis["age_group"] == "all"))
    return dis[keep]


def discharge_sex_age(dis: pd.DataFrame, setting: str, measure: str, year: int,
                      drug: str = BENZO) -> pd.DataFrame:
    """DOSE-DIS participating-jurisdictions rows by sex × age group for one year."""
    keep = ((dis["definition"] == setting) & (dis["measure"] == measure)
            & (dis["drug_group"] == drug) & (dis["period_type"] == "year")
            & (dis["year"] == year) & (dis["geo_fips"] == PARTICIPATING_FIPS)
            & (dis["sex"] != "all") & (dis["age_group"] != "all"))
    return dis[keep]


def jurisdictions_text(rows: pd.DataFrame) -> str:
    """The number of participating jurisdictions DOSE states in a row's note ('29 jurisdictions
    submitting' -> '29'); 'an unstated number of' when no row says it."""
    found = rows["note"].astype(str).str.extract(r"^(\d+) (?:participating )?jurisdictions")[0]
    found = found.dropna()
    return str(found.iloc[0]) if not found.empty else "an unstated number of"


def period_text(row: pd.Series) -> str:
    """'June 2025', '12 months ending June 2025' or '2023' for a tidy row."""
    year = int(row["year"])
    month = row.get("month")
    if month is None or pd.isna(month):
        return str(year)
    stamp = pd.Timestamp(year=year, month=int(month), day=1).strftime("%B %Y")
    return f"12 months ending {stamp}" if row.get("period_type") == "12_month_ending" else stamp


def missing_states(rows: pd.DataFrame, abbrs: Sequence[str]) -> list[str]:
    """Names of the chosen states that have no row with a value in `rows` (not in the source)."""
    have = set(rows.loc[rows["value"].notna(), "geo_fips"])
    return [STATE_BY_ABBR[a].name for a in abbrs
            if a in STATE_BY_ABBR and STATE_BY_ABBR[a].fips not in have]


def year_value_text(rows: pd.DataFrame, year: int, measure: str) -> str:
    """The value of `year` as a metric shows it: '1,650', '2.6%', '<0.1%' when censored,
    'not available' when there is no row or no value."""
    row = rows[rows["year"] == year]
    if row.empty or pd.isna(row["value"].iloc[0]):
        return "not available"
    prefix = "<" if bool(row["censored"].iloc[0]) else ""
    return prefix + theme.format_value(float(row["value"].iloc[0]), measure)


# --- Views: everything one section of the SUDORS and DOSE pages derives from its controls -----
# One function per section, so the page makes one cached call (app.glue.cache) per section and rerun
# instead of a dozen small filters.

class SudorsView(NamedTuple):
    """SUDORS section for one drug, measure, year and set of states."""
    jurisdictions_by_year: dict[int, int]  # states reporting the drug (any measure) per year
    total_deaths: pd.DataFrame  # participating jurisdictions combined, deaths
    total_percent: pd.DataFrame  # the same, percent of overdose deaths
    state_year: pd.DataFrame  # states in `year`, chosen measure
    trend: pd.DataFrame  # every detected drug, combined jurisdictions, chosen measure
    picked: pd.DataFrame  # chosen states over the years, chosen measure
    missing: list[str]  # chosen states without a value
    censored_picked: list[str]  # censored points among the picked rows
    gaps: list[str]  # chosen states' years without a value, and why


def sudors_view(sudors: pd.DataFrame, drug: str, measure: str, year: int,
                states: Sequence[str]) -> SudorsView:
    chosen = sudors_rows(sudors, [drug], measure)
    picked = rows_for_states(chosen, states)
    return SudorsView(
        jurisdictions_by_year=jurisdictions_per_year(chosen),
        total_deaths=total_rows(sudors_rows(sudors, [drug], "deaths")),
        total_percent=total_rows(sudors_rows(sudors, [drug], "percent")),
        state_year=state_rows(chosen[chosen["year"] == year]),
        trend=total_rows(sudors_rows(sudors, DETECTED_BENZODIAZEPINES, measure)),
        picked=picked,
        missing=missing_states(picked, states) if not picked.empty else [],
        censored_picked=censored_points(picked, "geo_name") if not picked.empty else [],
        gaps=missing_years(chosen, states, sorted(int(y) for y in chosen["year"].unique())))


class SyndromicView(NamedTuple):
    """DOSE-SYS section for one period type and set of states."""
    latest: pd.Series | None  # latest combined-jurisdictions row
    plot: pd.DataFrame  # combined + chosen states, the COVID-19 gap marked with `gap_label`
    gap: tuple[pd.Timestamp, pd.Timestamp] | None  # first and last month of that gap
    missing: list[str]  # chosen states without a value


def syndromic_view(sys_table: pd.DataFrame, period_type: str, states: Sequence[str],
                   gap_label: str) -> SyndromicView:
    rows = syndromic_rows(sys_table, period_type)
    plot = mark_covid_gap(with_total(rows, states), gap_label)
    return SyndromicView(latest_point(total_rows(rows)), plot, covid_gap_span(plot),
                         missing_states(rows, states))


class DischargeView(NamedTuple):
    """DOSE-DIS section for one setting, measure, year and set of states."""
    jurisdictions: str  # participating jurisdictions stated for `year`
    state_year: pd.DataFrame  # states in `year`
    trend: pd.DataFrame  # combined + chosen states over the years
    missing: list[str]  # chosen states without a value


def discharge_view(dis: pd.DataFrame, setting: str, measure: str, year: int,
                   states: Sequence[str]) -> DischargeView:
    rows = discharge_rows(dis, setting, measure)
    in_year = rows[rows["year"] == year]
    return DischargeView(jurisdictions_text(total_rows(in_year)), state_rows(in_year),
                         with_total(rows, states), missing_states(rows, states))

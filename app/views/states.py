"""The rows the "States" page plots and the few numbers derived from them: CDC WONDER state rates,
the U.S. rate from the sum of the states, which states have no value and why, and SUDORS state
coverage. Tidy frames in, tidy frames out; no text for people beyond short labels."""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from app.charts.common import exclusion_reason
from app.views.comparisons import within_years
from etl.registry import PARTICIPATING_FIPS, STATE_BY_ABBR, STATE_BY_FIPS, STATES, US_FIPS

WONDER_STATE_DEFINITION = "mcd_overdose"


SUPPRESSED_DEATHS = (1, 9)
"""WONDER suppresses a count of 1–9 deaths; a suppressed state's count lies in this range."""


US_LABEL = "United States (sum of states)"


US_RATE_DECIMALS = 3
"""Decimals kept in the computed U.S. rate: charts and metrics show one, like WONDER's state
rates; more are kept so that display does not round a rounded number."""


def _suppressed_range() -> str:
    return f"{SUPPRESSED_DEATHS[0]}–{SUPPRESSED_DEATHS[1]}"


def wonder_state_year(wonder: pd.DataFrame) -> pd.DataFrame:
    """The WONDER state-by-year rows with the overdose (multiple-cause) definition."""
    return wonder[(wonder["geo_level"] == "state") & (wonder["period_type"] == "year")
                  & (wonder["definition"] == WONDER_STATE_DEFINITION)]


def wonder_state_drugs(wonder: pd.DataFrame) -> list[str]:
    """Drug groups with state crude rates in WONDER, benzodiazepines first, then as listed."""
    rows = wonder_state_year(wonder)
    drugs = list(dict.fromkeys(rows.loc[rows["measure"] == "crude_rate", "drug_group"]))
    return sorted(drugs, key=lambda d: d != "benzodiazepines")


def wonder_state_rows(wonder: pd.DataFrame, drug: str, measure: str = "crude_rate",
                      year: int | None = None) -> pd.DataFrame:
    """One row per state (and year) of `measure` for `drug`; `year` narrows to one year."""
    rows = wonder_state_year(wonder)
    rows = rows[(rows["drug_group"] == drug) & (rows["measure"] == measure)]
    if year is not None:
        rows = rows[rows["year"] == year]
    return rows.sort_values(["geo_fips", "year"], kind="stable").reset_index(drop=True)


def hidden_rates_as_suppressed(rates: pd.DataFrame) -> pd.DataFrame:
    """WONDER hides a rate on fewer than 20 deaths (value empty, flag "unreliable"). A line chart
    has no point to mark as unreliable, so such a rate is flagged as suppressed (withheld by the
    publisher for a small count: a gap with a mark, never 0); its note keeps the exact reason."""
    hidden = rates["value"].isna() & rates["unreliable"]
    out = rates.copy()
    out.loc[hidden, "suppressed"] = True
    out.loc[hidden, "unreliable"] = False
    return out


def us_rate_from_states(wonder: pd.DataFrame, drug: str) -> pd.DataFrame:
    """The U.S. crude rate per year from the state rows themselves (same definition, same
    populations): sum of the 50 states' and DC's deaths ÷ sum of their populations × 100,000.

    A suppressed state has 1–9 deaths (SUPPRESSED_DEATHS): it is counted at the middle of that
    range, and `rate_low` / `rate_high` give the rate with every suppressed state at the bottom
    / top of it (the note says so). The value is rounded to US_RATE_DECIMALS.
    A year in which a state has no deaths or population row is left empty (flagged suppressed).
    Extra columns: deaths_known (sum of the published counts), states_suppressed, population,
    rate_low, rate_high."""
    rows = wonder_state_year(wonder)
    rows = rows[(rows["drug_group"] == drug) & rows["geo_fips"].isin(STATE_BY_FIPS)]
    deaths = rows[rows["measure"] == "deaths"]
    population = rows[rows["measure"] == "population"]
    unit = rows.loc[rows["measure"] == "crude_rate", "unit"]
    low_count, high_count = SUPPRESSED_DEATHS
    out = []
    for year in sorted(set(deaths["year"]) | set(population["year"])):
        d = deaths[deaths["year"] == year]
        p = population[population["year"] == year]
        complete = (d["geo_fips"].nunique() == len(STATES)
                    and p["geo_fips"].nunique() == len(STATES) and p["value"].notna().all())
        known = float(d["value"].sum())
        n_suppressed = int(d["value"].isna().sum())
        pop = float(p["value"].sum())
        value = low = high = float("nan")
        if not complete or not pop:
            note = "not computed: a state has no published deaths or population row this year"
        else:
            per = 100_000 / pop
            low = (known + n_suppressed * low_count) * per
            high = (known + n_suppressed * high_count) * per
            value = round((known + n_suppressed * (low_count + high_count) / 2) * per,
                          US_RATE_DECIMALS)
            note = "sum of the 50 states and DC"
            if n_suppressed:
                note += (f"; {n_suppressed} states suppressed ({_suppressed_range()} deaths each), "
                         f"counted at the middle of that range: the rate lies between "
                         f"{low:.3f} and {high:.3f}")
        out.append({
            "source_id": rows["source_id"].iloc[0] if len(rows) else "",
            "definition": WONDER_STATE_DEFINITION, "measure": "crude_rate",
            "unit": unit.iloc[0] if len(unit) else "deaths per 100,000 population, crude",
            "drug_group": drug, "geo_level": "nation", "geo_fips": US_FIPS, "geo_name": US_LABEL,
            "period_type": "year", "year": int(year), "value": value,
            "suppressed": bool(pd.isna(value)), "unreliable": False, "provisional": False,
            "predicted": False, "censored": False, "note": note, "deaths_known": known,
            "states_suppressed": n_suppressed, "population": pop,
            "rate_low": low, "rate_high": high})
    return pd.DataFrame(out)


def us_rate_uncertainty(us_rates: pd.DataFrame) -> float:
    """Largest half-width of the range a suppressed state leaves the U.S. rate in (0 if none)."""
    half = (us_rates["rate_high"] - us_rates["rate_low"]) / 2
    return float(half.max()) if half.notna().any() else 0.0


def state_options() -> list[str]:
    """Postal abbreviations of the 50 states and DC (the URL tokens of the state picker)."""
    return [s.abbr for s in STATES]


def state_name(abbr: str) -> str:
    return STATE_BY_ABBR[abbr].name


def state_comparison_rows(rates: pd.DataFrame, us_rates: pd.DataFrame,
                          states: Sequence[str], years: tuple[int, int] | None = None
                          ) -> pd.DataFrame:
    """Rows for the line chart: the chosen states (postal abbreviations, in that order; hidden
    rates as suppressed gaps) followed by the U.S. series."""
    fips = [STATE_BY_ABBR[a].fips for a in states]
    chosen = rates[rates["geo_fips"].isin(fips)]
    chosen = chosen.assign(_order=chosen["geo_fips"].map({f: i for i, f in enumerate(fips)}))
    chosen = chosen.sort_values(["_order", "year"], kind="stable").drop(columns="_order")
    columns = [c for c in rates.columns if c in us_rates.columns]
    out = pd.concat([hidden_rates_as_suppressed(chosen), us_rates[columns]], ignore_index=True)
    return within_years(out, years) if years else out


def states_without_rate(rates_year: pd.DataFrame, deaths_year: pd.DataFrame, *,
                        publisher: str = "WONDER", absent_reason: str = "no row published",
                        suppressed_range: bool = True) -> pd.DataFrame:
    """The states drawn grey or blank on a map for one year, and why: count suppressed, rate
    suppressed or hidden for a small count (with the published count), or no row
    (`absent_reason`, e.g. the state did not report), or excluded by the publisher for a reason
    of its own (SUDORS's toxicology rule). `suppressed_range`: name WONDER's 1–9 range in the
    reason. Columns: state, deaths (published count or NA), reason."""
    deaths = deaths_year.set_index("geo_fips")["value"]
    rates = rates_year.set_index("geo_fips")
    suppressed_reason = f"count suppressed by {publisher}" + (
        f" ({_suppressed_range()} deaths)" if suppressed_range else "")
    out = []
    for state in STATES:
        if state.fips not in rates.index:
            out.append((state.name, None, absent_reason))
            continue
        row = rates.loc[state.fips]
        if pd.notna(row["value"]):
            continue
        reason = exclusion_reason(row.get("note"))
        if reason and not row.get("suppressed", False):
            out.append((state.name, None, f"not published by {publisher}, not a small count: "
                                          f"{reason}"))
            continue
        count = deaths.get(state.fips)
        if pd.isna(count):
            out.append((state.name, None, suppressed_reason))
        elif row["unreliable"]:
            out.append((state.name, int(count), f"rate hidden by {publisher} (fewer than 20 "
                        "deaths)"))
        else:
            out.append((state.name, int(count), f"rate suppressed by {publisher} (small count)"))
    return pd.DataFrame(out, columns=["state", "deaths", "reason"]).astype({"deaths": "Int64"})


def states_without_rate_markdown(without_rate: pd.DataFrame) -> str:
    """One Markdown bullet per reason: "- Rate hidden by WONDER (...): Montana (18 deaths), ...".
    State names come from the registry; nothing from a URL."""
    lines = []
    for reason, part in without_rate.groupby("reason", sort=False):
        names = [r.state if pd.isna(r.deaths) else f"{r.state} ({r.deaths:,} deaths)"
                 for r in part.itertuples()]
        lines.append(f"- {str(reason)[:1].upper()}{str(reason)[1:]}: {', '.join(names)}.")
    return "\n".join(lines)


def highest_rate(rates_year: pd.DataFrame) -> tuple[str, float] | None:
    """(state name, rate) of the highest published rate in one year's rows; None if none."""
    shown = rates_year[rates_year["value"].notna() & rates_year["geo_fips"].isin(STATE_BY_FIPS)]
    if shown.empty:
        return None
    top = shown.loc[shown["value"].idxmax()]
    return STATE_BY_FIPS[top["geo_fips"]].name, float(top["value"])


SUDORS_DEFINITION = "sudors_unintentional_undetermined"


SUDORS_RATE = "age_adjusted_rate"


def sudors_drug_for(drug: str, sudors: pd.DataFrame) -> str:
    """`drug` if SUDORS publishes age-adjusted state rates for it, else benzodiazepines."""
    has = sudors[(sudors["drug_group"] == drug) & (sudors["measure"] == SUDORS_RATE)]
    return drug if not has.empty else "benzodiazepines"


def sudors_years(sudors: pd.DataFrame) -> list[int]:
    return sorted(int(y) for y in sudors["year"].unique())


def sudors_state_rows(sudors: pd.DataFrame, drug: str, measure: str, year: int) -> pd.DataFrame:
    """One row per reporting state for one drug, measure and year (combined row excluded)."""
    rows = sudors[(sudors["drug_group"] == drug) & (sudors["measure"] == measure)
                  & (sudors["year"] == year) & sudors["geo_fips"].isin(STATE_BY_FIPS)
                  & (sudors["sex"] == "all") & (sudors["age_group"] == "all")]
    return rows.sort_values("geo_fips", kind="stable").reset_index(drop=True)


def sudors_combined_value(sudors: pd.DataFrame, drug: str, measure: str, year: int
                          ) -> float | None:
    """The value for all participating jurisdictions combined (geo "99"), or None."""
    rows = sudors[(sudors["drug_group"] == drug) & (sudors["measure"] == measure)
                  & (sudors["year"] == year) & (sudors["geo_fips"] == PARTICIPATING_FIPS)
                  & (sudors["sex"] == "all") & (sudors["age_group"] == "all")]
    if len(rows) != 1 or pd.isna(rows["value"].iloc[0]):
        return None
    return float(rows["value"].iloc[0])


def sudors_jurisdictions_by_year(sudors: pd.DataFrame, drug: str) -> dict[int, int]:
    """How many states (incl. DC) report deaths for `drug` in each year."""
    rows = sudors[(sudors["drug_group"] == drug) & (sudors["measure"] == "deaths")
                  & sudors["geo_fips"].isin(STATE_BY_FIPS)]
    counts = rows.groupby("year")["geo_fips"].nunique()
    return {int(y): int(n) for y, n in counts.items()}

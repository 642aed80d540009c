"""Cross-checks that must hold in the built data, across rows and across tables.

Each check takes the dict of built tables and returns failure messages (empty = pass). A check
whose tables were not built in this run is skipped: `--source NAME` rebuilds one source only.
Source-specific checks live in the source module (`checks(tables)`); these span tables.
"""
from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from etl import wonder_api

CrossCheck = Callable[[dict[str, pd.DataFrame]], list[str]]


def states_not_above_nation(tables: dict[str, pd.DataFrame]) -> list[str]:
    """In any tidy table, the sum of state counts never exceeds the national count (suppressed
    state cells only make the sum smaller)."""
    failures = []
    key = ["source_id", "definition", "measure", "drug_group", "period_type", "year",
           "month", "sex", "age_group", "race_ethnicity"]
    for name, frame in tables.items():
        # Tables without the tidy key (record-level, named-drug counts) have no nation rows.
        if not {"geo_level", *key} <= set(frame.columns):
            continue
        # Month is NA for yearly rows, and NA index levels never match in a join: use 0.
        counts = frame[frame["measure"].isin(["deaths", "visits"])].assign(
            month=lambda f: f["month"].fillna(0))
        states = (counts[counts["geo_level"] == "state"]
                  .groupby(key, dropna=False)["value"].sum(min_count=1))
        nation = counts[counts["geo_level"] == "nation"].set_index(key)["value"]
        joined = pd.concat({"states": states, "nation": nation}, axis=1, join="inner").dropna()
        over = joined[joined["states"] > joined["nation"]]
        for idx, row in over.head(5).iterrows():
            failures.append(f"{name}: states sum {row['states']:,.0f} > nation "
                            f"{row['nation']:,.0f} for {dict(zip(key, idx))}")
    return failures


CROSS_CHECKS: list[CrossCheck] = [states_not_above_nation]
CROSS_CHECKS.append(wonder_api.agrees_with_nida)  # the API's final years equal NIDA's


def run_cross_checks(tables: dict[str, pd.DataFrame]) -> list[str]:
    failures: list[str] = []
    for check in CROSS_CHECKS:
        failures.extend(check(tables))
    return failures

"""Which benzodiazepines are found in the dead: views of the named-drug counts two medical
examiners' records give (Allegheny County, PA; Connecticut), built by etl/allegheny.py and
etl/ct_ocme.py from the reviewed name list etl/benzodiazepines.csv.

These are two jurisdictions' examiner records, not national figures, and the two count different
things (Allegheny: drugs the examiner named from toxicology; Connecticut: benzodiazepines named in
the cause-of-death text), so they are never added together. Counts of 1–9 are suppressed in the
tables (and a count that would let a hidden one be recovered from a total), and stay suppressed
here. A partial last year (Allegheny's file stops on 5 April 2024) is flagged `provisional` for
the chart builders, with its note, so it is drawn as its own marked period, never as a fall.

Pure functions (no Streamlit): the counts tables in, tidy rows out for app.charts.
"""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

NAMED_TABLES: tuple[str, ...] = ("allegheny_named_benzodiazepines",
                                 "ct_ocme_named_benzodiazepines")
CLASS_GROUPS: tuple[str, ...] = ("any_benzodiazepine", "any_prescription", "any_designer")
"""Group-level rows: any benzodiazepine named, and the prescription and designer parts."""
CLASS_LEGEND = {"any_benzodiazepine": "Any benzodiazepine", "any_prescription": "Prescription",
                "any_designer": "Designer (illegal)"}
"""The class chart's legend: its title says "a benzodiazepine, prescription or designer", so short
names keep the legend to one row in the page's 2:1 column (the tables' labels took three rows,
pushing the plot below the first screen at 1280x720)."""
CLONAZEPAM = "clonazepam"
"""Klonopin's drug, the one the explanatory content is about."""
WATCHED_DESIGNER: tuple[str, ...] = ("bromazolam", "etizolam")
"""The designer drugs whose rise the page follows by default (CDC and DEA reports name them)."""
CO_INVOLVEMENT = {"with_fentanyl": "With fentanyl or an analogue",
                  "without_fentanyl": "Without fentanyl"}
PARTIAL_MARK = "partial year"
SUPPRESSED_LABEL = "suppressed here (1–9 deaths, or a count that would reveal one)"
"""How a chart names the counts this dashboard hides (the records are per death; the publisher
hides none)."""


def combined(*tables: pd.DataFrame) -> pd.DataFrame:
    """The counts tables of both jurisdictions as one frame (same declared schema)."""
    return pd.concat(tables, ignore_index=True)


def places(named: pd.DataFrame) -> dict[str, str]:
    """geo_fips -> name of each jurisdiction, most recent data first."""
    last = named.groupby(["geo_fips", "geo_name"])["year"].max().reset_index()
    last = last.sort_values(["year", "geo_name"], ascending=[False, True])
    return dict(zip(last["geo_fips"], last["geo_name"]))


def drug_labels(named: pd.DataFrame) -> dict[str, str]:
    """drug id -> its label as the tables carry it ('any_designer' -> 'Any designer ...')."""
    pairs = named[["drug", "drug_label"]].drop_duplicates("drug")
    return dict(zip(pairs["drug"], pairs["drug_label"]))


def for_chart(rows: pd.DataFrame, *, sort: bool = True) -> pd.DataFrame:
    """Rows the chart builders draw: a partial year marked like provisional data (shaded, open
    markers) with its note saying why, and the flags the builders read; sorted by place, drug
    and year unless `sort` is False (a ranking keeps its order)."""
    out = rows.assign(provisional=rows["partial_period"].astype(bool),
                      unreliable=False, predicted=False, censored=False)
    if sort:
        out = out.sort_values(["geo_name", "drug", "year"], kind="stable")
    return out.reset_index(drop=True)


def _rows(named: pd.DataFrame, *, fips: str | None = None, level: str | None = None,
          drugs: Sequence[str] | None = None, co_involvement: str | Sequence[str] = "all"
          ) -> pd.DataFrame:
    mask = pd.Series(True, index=named.index)
    if fips is not None:
        mask &= named["geo_fips"] == fips
    if level is not None:
        mask &= named["level"] == level
    if drugs is not None:
        mask &= named["drug"].isin(list(drugs))
    wanted = [co_involvement] if isinstance(co_involvement, str) else list(co_involvement)
    mask &= named["co_involvement"].isin(wanted)
    return named[mask]


def class_series(named: pd.DataFrame, fips: str) -> pd.DataFrame:
    """Deaths naming any benzodiazepine, a prescription one and a designer one, by year (in
    that order, so the legend reads whole, then its parts)."""
    rows = for_chart(_rows(named, fips=fips, drugs=CLASS_GROUPS))
    rank = rows["drug"].map({d: i for i, d in enumerate(CLASS_GROUPS)})
    return (rows.assign(_rank=rank).sort_values(["_rank", "year"], kind="stable")
            .drop(columns="_rank").reset_index(drop=True))


def drug_options(named: pd.DataFrame) -> list[str]:
    """Named drugs (level 'drug'), most deaths first over both jurisdictions."""
    drugs = _rows(named, level="drug")
    totals = drugs.groupby("drug")["value"].sum().sort_values(ascending=False, kind="stable")
    return totals.index.tolist()


def drug_series(named: pd.DataFrame, drug: str) -> pd.DataFrame:
    """One named drug's deaths by year in each jurisdiction (one line a place)."""
    return for_chart(_rows(named, drugs=[drug]))


def designer_series(named: pd.DataFrame, fips: str,
                    drugs: Sequence[str] = WATCHED_DESIGNER) -> pd.DataFrame:
    """The chosen designer benzodiazepines' deaths by year in one jurisdiction."""
    return for_chart(_rows(named, fips=fips, drugs=drugs))


def designer_options(named: pd.DataFrame, fips: str) -> list[str]:
    """Designer benzodiazepines named in the jurisdiction's records, most deaths first."""
    rows = _rows(named, fips=fips, level="drug")
    rows = rows[rows["drug_class"] == "designer"]
    totals = rows.groupby("drug")["value"].sum().sort_values(ascending=False, kind="stable")
    return totals.index.tolist()


def fentanyl_split(named: pd.DataFrame, fips: str, drug: str = "any_benzodiazepine"
                   ) -> pd.DataFrame:
    """Deaths naming `drug` with and without fentanyl (or an analogue), by year; the rows carry
    `co_involvement` as the series."""
    return for_chart(_rows(named, fips=fips, drugs=[drug], co_involvement=tuple(CO_INVOLVEMENT)))


def latest_full_year(named: pd.DataFrame, fips: str) -> int:
    """The jurisdiction's last year that is not partial."""
    rows = _rows(named, fips=fips)
    return int(rows.loc[~rows["partial_period"].astype(bool), "year"].max())


def count_in(named: pd.DataFrame, fips: str, drug: str, year: int,
             co_involvement: str = "all") -> float | None:
    """One published count, or None when it is suppressed or has no row."""
    rows = _rows(named, fips=fips, drugs=[drug], co_involvement=co_involvement)
    rows = rows[rows["year"] == year]
    if rows.empty or bool(rows["suppressed"].iloc[0]) or pd.isna(rows["value"].iloc[0]):
        return None
    return float(rows["value"].iloc[0])


def latest_year_with(named: pd.DataFrame, fips: str, drug: str, co_involvement: str
                     ) -> int | None:
    """The last full year in which the `co_involvement` count of `drug` is published (not
    suppressed), e.g. the last year whose share with fentanyl can be shown."""
    rows = _rows(named, fips=fips, drugs=[drug], co_involvement=co_involvement)
    rows = rows[~rows["suppressed"].astype(bool) & rows["value"].notna()
                & ~rows["partial_period"].astype(bool)]
    return int(rows["year"].max()) if len(rows) else None


def share_percent(part: float | None, whole: float | None) -> float | None:
    """part ÷ whole × 100, or None when either is hidden or the whole is 0."""
    if part is None or whole in (None, 0):
        return None
    return part / whole * 100


def top_drugs(named: pd.DataFrame, fips: str, year: int, n: int = 8) -> pd.DataFrame:
    """The `n` named drugs with most deaths in one year, suppressed ones listed as such (never
    ranked by a hidden value): rows for a ranked bar (`drug_label` as the label column)."""
    rows = _rows(named, fips=fips, level="drug")
    rows = rows[rows["year"] == year]
    shown = rows[rows["value"].notna() & (rows["value"] > 0)].sort_values(
        "value", ascending=False, kind="stable").head(n)
    hidden = rows[rows["suppressed"].astype(bool)]
    # One colour for the ranking (benzodiazepines'), whatever class each drug is in.
    ranked = pd.concat([shown, hidden], ignore_index=True).assign(drug_group="benzodiazepines")
    return for_chart(ranked, sort=False)


def first_year_named(named: pd.DataFrame, drug: str, fips: str) -> int | None:
    """The first year the drug appears in a jurisdiction's records: a count above 0, or a
    suppressed 1–9 (which is not zero)."""
    rows = _rows(named, fips=fips, drugs=[drug])
    present = rows[(rows["value"] > 0) | rows["suppressed"].astype(bool)]
    return int(present["year"].min()) if len(present) else None


SLIDE_TABLE = "allegheny_named_benzodiazepines"
"""The presenter's named-drug slide: the longer record (2007 on, drug by drug)."""


def count_words(value: float | None) -> str:
    """A count as the slides say it: '27', or '1–9 (suppressed)' for a hidden small count."""
    return "1–9 (suppressed)" if value is None else f"{value:,.0f}"


def named_headline_values(named: pd.DataFrame) -> dict[str, str]:
    """The presenter's placeholders from one medical examiner's named-drug table: the place, its
    last full year, and the deaths that year naming any benzodiazepine and a designer one."""
    fips = next(iter(places(named)))
    year = latest_full_year(named, fips)
    return {"named_place": places(named)[fips], "named_latest_year": str(year),
            "named_benzo_latest": count_words(count_in(named, fips, "any_benzodiazepine", year)),
            "named_designer_latest": count_words(count_in(named, fips, "any_designer", year))}

"""Views for the "Who is affected" page: the Connecticut OCME record-level table (one row per
death) summarised with small counts suppressed, and which national series have demographic detail.

Pure functions (no Streamlit): a frame in, a tidy frame out, ready for app.charts builders. Small
counts of 1–9 are never shown (the etl.ct_ocme caveat); when exactly one cell of a table would be
hidden, the smallest shown cell is hidden too, so a total cannot give it away — the same rule
etl.ct_ocme.combination_counts applies to drug combinations, which is reused here, not copied.
"""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from etl.ct_ocme import AGE_GROUPS, DRUG_COLUMNS, OPIOID_COLUMNS, combination_counts

MIN_COUNT = 10
"""Counts below this (1–9) are suppressed; 0 is a real zero and is shown."""

BENZO_DRUG_GROUP = "benzodiazepines"
CT_UNIT = "deaths"
SHARE_UNIT = "percent of benzodiazepine-involved deaths"
SHARE_FLAGS: tuple[str, ...] = ("any_opioid", "fentanyl", "ethanol")
"""Drugs whose share among benzodiazepine-involved deaths the page shows."""
SEXES: tuple[str, ...] = ("female", "male")
KNOWN_AGE_GROUPS: tuple[str, ...] = tuple(a for a in AGE_GROUPS if a != "unknown")

# Readable names for the OCME drug columns: the publisher's header, except where it is cryptic.
_LABEL_OVERRIDES: dict[str, str] = {
    "any_opioid": "Any opioid",
    "ethanol": "Alcohol (ethanol)",
    "tramadol": "Tramadol",
    "amphet": "Amphetamine",
    "meth_amphetamine": "Methamphetamine or amphetamine",
    "heroin_dc": "Heroin (death certificate)",
    "opiate_nos": "Opiate, not specified",
    "heroin_morph_codeine": "Heroin, morphine or codeine",
}
DRUG_LABELS: dict[str, str] = {
    **{column: header for header, column in DRUG_COLUMNS.items()}, **_LABEL_OVERRIDES}
COMBINABLE_DRUGS: tuple[str, ...] = tuple(
    c for c in DRUG_COLUMNS.values() if c != "benzodiazepine") + ("any_opioid",)
DEFAULT_COMBINATION_DRUGS: tuple[str, ...] = (
    "fentanyl", "heroin", "cocaine", "ethanol", "oxycodone", "methadone")
NONE_OF_THE_SELECTED = "None of the selected drugs"


def drug_label(column: str) -> str:
    """The readable name of an OCME drug column ('ethanol' -> 'Alcohol (ethanol)')."""
    return DRUG_LABELS.get(column, column.replace("_", " ").capitalize())


def count_text(count: int | float | None) -> str:
    """A count as it may be shown: 'fewer than 10' for 1–9, else with thousands separators."""
    if count is None or pd.isna(count):
        return "not available"
    count = int(count)
    return "fewer than 10" if 0 < count < MIN_COUNT else f"{count:,}"


def suppression_mask(counts: pd.Series, min_count: int = MIN_COUNT) -> pd.Series:
    """True for cells to hide: 1 to min_count − 1, plus the smallest shown non-zero cell when
    exactly one cell would be hidden (so the table total cannot reveal it)."""
    counts = counts.astype(float)
    hidden = (counts > 0) & (counts < min_count)
    shown_nonzero = counts[~hidden & (counts > 0)]
    if hidden.sum() == 1 and not shown_nonzero.empty:
        hidden.loc[shown_nonzero.idxmin()] = True
    return hidden


def year_bounds(deaths: pd.DataFrame) -> tuple[int, int]:
    """First and last year with records."""
    return int(deaths["year"].min()), int(deaths["year"].max())


def benzodiazepine_deaths(deaths: pd.DataFrame, years: tuple[int, int]) -> pd.DataFrame:
    """Records flagged with a benzodiazepine whose year lies in `years` (inclusive)."""
    first, last = years
    keep = deaths["benzodiazepine"].astype(bool) & deaths["year"].between(first, last)
    return deaths[keep]


def age_sex_counts(benzo: pd.DataFrame) -> pd.DataFrame:
    """Deaths by age group × sex (known age and sex only), tidy for charts.category_bar with
    `category="age_group", color_by="sex"`; cells of 1–9 are suppressed (value NaN)."""
    known = benzo[benzo["sex"].isin(SEXES) & benzo["age_group"].isin(KNOWN_AGE_GROUPS)]
    grid = pd.MultiIndex.from_product([KNOWN_AGE_GROUPS, SEXES], names=["age_group", "sex"])
    counts = known.groupby(["age_group", "sex"]).size().reindex(grid, fill_value=0)
    table = counts.rename("value").astype(float).reset_index()
    # Age groups with no record in either sex (e.g. 0-14) say nothing: leave them out.
    present = table.groupby("age_group")["value"].transform("sum") > 0
    table = table[present].reset_index(drop=True)
    table["suppressed"] = suppression_mask(table["value"])
    table.loc[table["suppressed"], "value"] = float("nan")
    return table.assign(measure="deaths", unit=CT_UNIT, drug_group=BENZO_DRUG_GROUP)


def unknown_age_or_sex(benzo: pd.DataFrame) -> int:
    """Records left out of the age × sex chart because age or sex is unknown."""
    return int((~benzo["sex"].isin(SEXES) | ~benzo["age_group"].isin(KNOWN_AGE_GROUPS)).sum())


def _share_rows(benzo: pd.DataFrame, flags: Sequence[str], by: list[str]) -> pd.DataFrame:
    rows = []
    groups = benzo.groupby(by) if by else [((), benzo)]
    for key, part in groups:
        key = key if isinstance(key, tuple) else (key,)
        total = len(part)
        for flag in flags:
            with_drug = int(part[flag].astype(bool).sum())
            rows.append({**dict(zip(by, key)), "drug": flag, "numerator": with_drug,
                         "denominator": total})
    table = pd.DataFrame(rows, columns=[*by, "drug", "numerator", "denominator"])
    if table.empty:
        return table.assign(value=pd.Series(dtype=float), suppressed=pd.Series(dtype=bool))
    # A share reveals its count and, with the total, the count without the drug: hide both small.
    without = table["denominator"] - table["numerator"]
    small = lambda n: (n > 0) & (n < MIN_COUNT)  # noqa: E731
    table["suppressed"] = small(table["numerator"]) | small(without)
    table["value"] = (table["numerator"] / table["denominator"] * 100).round(1)
    table["numerator"] = table["numerator"].astype(float)
    table.loc[table["suppressed"], ["numerator", "value"]] = float("nan")
    table["denominator"] = table["denominator"].astype(float)
    return table.assign(measure="percent", unit=SHARE_UNIT)


def share_by_year(benzo: pd.DataFrame, flags: Sequence[str] = SHARE_FLAGS) -> pd.DataFrame:
    """Per year, the percent of benzodiazepine-involved deaths also flagged with each drug in
    `flags` (numerator, denominator, value), tidy for charts.time_series(color_by="drug").
    Suppressed when the count with or without the drug is 1–9."""
    return _share_rows(benzo, flags, ["year"])


def share_overall(benzo: pd.DataFrame, flags: Sequence[str] = SHARE_FLAGS) -> pd.DataFrame:
    """The same shares over all the records given (one row per drug)."""
    return _share_rows(benzo, flags, [])


def _readable_combination(label: str) -> str:
    """'benzodiazepine + fentanyl + ethanol' -> 'Fentanyl + alcohol (ethanol)'; a benzodiazepine
    alone -> NONE_OF_THE_SELECTED."""
    if "+" not in label:
        return NONE_OF_THE_SELECTED
    others = [drug_label(part.strip()) for part in label.split(" + ")[1:]]
    text = " + ".join([others[0], *[o[0].lower() + o[1:] for o in others[1:]]])
    return text


def combinations(benzo: pd.DataFrame, drugs: Sequence[str]) -> pd.DataFrame:
    """Drug combinations among benzodiazepine-involved deaths (etl.ct_ocme.combination_counts,
    small counts suppressed there), with readable labels, tidy for charts.ranked_bar(
    label_column="combination"). `combination` names the other drugs found with the
    benzodiazepine, among `drugs` only."""
    unknown = [d for d in drugs if d not in COMBINABLE_DRUGS]
    if unknown:
        raise ValueError(f"combinations: not OCME drug columns: {unknown}")
    table = combination_counts(benzo, list(drugs), min_count=MIN_COUNT)
    return pd.DataFrame({
        "combination": table["combination"].map(_readable_combination),
        "n_drugs": table["n_drugs"],
        "value": table["deaths"],
        "suppressed": table["suppressed"].astype(bool),
    }).assign(measure="deaths", unit=CT_UNIT, drug_group=BENZO_DRUG_GROUP)


def top_combinations(table: pd.DataFrame, top_n: int) -> pd.DataFrame:
    """The `top_n` most common shown combinations (suppressed ones are never plotted)."""
    shown = table[~table["suppressed"]].sort_values("value", ascending=False, kind="stable")
    return shown.head(top_n).reset_index(drop=True)


def date_type_summary(benzo: pd.DataFrame) -> dict[str, object]:
    """How many records carry the date the death was reported (death date unknown), and the
    years in which every record does."""
    reported = benzo["date_type"] == "reported"
    by_year = reported.groupby(benzo["year"]).all()
    return {"reported": int(reported.sum()), "total": len(benzo),
            "all_reported_years": [int(y) for y, every in by_year.items() if every]}


def opioid_rule_labels() -> list[str]:
    """The OCME columns whose flag makes a death 'any opioid' (etl.ct_ocme.OPIOID_COLUMNS)."""
    return [drug_label(c) for c in OPIOID_COLUMNS]


def drugs_with_demographic(df: pd.DataFrame, column: str) -> list[str]:
    """Drug groups of a tidy table that have rows split by `column` (e.g. race_ethnicity)."""
    split = df[df[column] != "all"]
    return sorted(split["drug_group"].unique().tolist())


def join_words(words: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def share_text(shares: pd.DataFrame, drug: str) -> str:
    """One drug's share from share_overall as shown in a metric: '85.0%' or 'suppressed'."""
    row = shares[shares["drug"] == drug]
    if row.empty or row["suppressed"].iloc[0] or pd.isna(row["value"].iloc[0]):
        return "suppressed (small count)" if not row.empty and row["suppressed"].iloc[0] \
            else "not available"
    return f"{row['value'].iloc[0]:.1f}%"


def age_sex_summary(table: pd.DataFrame, unit: str, sex_words: dict[str, str] | None = None
                    ) -> str:
    """A screen-reader sentence for an age × sex bar chart: the largest and smallest shown cells
    and how many are suppressed."""
    words = sex_words or {"female": "women and girls", "male": "men and boys", "all": "people"}
    valued = table[table["value"].notna()].sort_values("value", ascending=False, kind="stable")
    if valued.empty:
        return "No values to describe."

    def cell(row: pd.Series) -> str:
        return (f"{words.get(row['sex'], row['sex'])} aged {row['age_group']} "
                f"({row['value']:,.{0 if row['value'] == int(row['value']) else 1}f} {unit})")

    sentence = f"The largest group is {cell(valued.iloc[0])}; the smallest shown is " \
               f"{cell(valued.iloc[-1])}."
    hidden = int(table["suppressed"].astype(bool).sum())
    if hidden:
        sentence += (f" {hidden} value{'s are' if hidden != 1 else ' is'} suppressed (small "
                     "counts) and not shown; they are not zero.")
    return sentence


def combination_summary(top: pd.DataFrame, hidden: int) -> str:
    """A screen-reader sentence for the combinations chart."""
    if top.empty:
        return "No combination has enough deaths to be shown."
    first, last = top.iloc[0], top.iloc[-1]
    return (f"The most common combination with a benzodiazepine is {first['combination']} "
            f"({first['value']:,.0f} deaths); {len(top)} combinations are shown, down to "
            f"{last['combination']} ({last['value']:,.0f} deaths); {hidden} smaller ones are "
            "suppressed.")

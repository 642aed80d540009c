"""What sits under a chart: the plain sentences a screen reader says instead of it, and the
plotted rows as a readable table."""
from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from app.charts import theme
from app.charts.common import (exclusion_reason, is_monthly, period_label, series_label,
                               single_value, with_flags, x_values)


MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")


def _is_percent(measure: str | None, unit: str) -> bool:
    return measure == "percent" or unit.startswith("percent")


class _Numbers:
    """How one chart's numbers are written: formatted as the axis writes them, the unit after a
    number when it is short ('1,135 deaths', '26.2% of opioid deaths'); a long unit ('deaths per
    100,000 population, crude') is said once, in `lead`, instead of after every number."""

    def __init__(self, measure: str | None, unit: str) -> None:
        self.measure, self.unit = measure, unit
        self.inline = _is_percent(measure, unit) or len(unit) <= 14

    @property
    def lead(self) -> str:
        return "" if self.inline or not self.unit else f"Values are {self.unit}."

    def __call__(self, value: float, with_unit: bool = False) -> str:
        text = theme.format_value(value, self.measure, self.unit)
        if with_unit and self.inline and self.unit:
            text = f"{text} {self.unit}".replace("% percent", "%")
        return text

    def change(self, value: float, reference: float) -> str:
        """'12% lower' (counts, rates), '2.1 percentage points higher' (shares), '7.2 times'
        past a doubling, 'about the same'; '' when the reference is zero."""
        if _is_percent(self.measure, self.unit):
            points = abs(value - reference)
            if points < 0.05:
                return "about the same"
            return f"{points:,.1f} percentage points {'higher' if value > reference else 'lower'}"
        if reference <= 0:
            return ""
        ratio = value / reference
        if ratio >= 2:
            return f"{ratio:,.0f} times" if ratio >= 10 else f"{ratio:,.1f} times"
        percent = abs(ratio - 1) * 100
        if percent < 0.5:
            return "about the same"
        return f"{percent:,.0f}% {'higher' if ratio > 1 else 'lower'}"


def _runs(values: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for value in sorted(values):
        if runs and value == runs[-1][-1] + 1:
            runs[-1].append(value)
        else:
            runs.append([value])
    return runs


def _month(index: int) -> tuple[str, int]:
    return MONTH_NAMES[index % 12], index // 12


def _month_run(run: list[int]) -> str:
    (first, y0), (last, y1) = _month(run[0]), _month(run[-1])
    if len(run) == 1:
        return f"{first} {y0}"
    return f"{first}\u2013{last} {y1}" if y0 == y1 else f"{first} {y0}\u2013{last} {y1}"


def _join(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def _periods_text(rows: pd.DataFrame, monthly: bool) -> str:
    """The periods of `rows` as people write them: '2001 and 2002', '2016\u20132018 and 2024',
    'March\u2013August 2020'; more than six runs are counted instead."""
    if monthly:
        index = sorted({int(y) * 12 + int(m) - 1 for y, m in zip(rows["year"], rows["month"])})
        labels = [_month_run(r) for r in _runs(index)]
    else:
        runs = _runs(sorted({int(y) for y in rows["year"]}))
        labels = [str(r[0]) if len(r) == 1 else
                  f"{r[0]} and {r[1]}" if len(r) == 2 and len(runs) == 1 else
                  f"{r[0]}\u2013{r[-1]}" for r in runs]
    if len(labels) > 6:
        return f"{len(rows)} periods between {labels[0]} and {labels[-1]}"
    return _join(labels)


def _flag(row: Mapping[str, object]) -> str:
    """' (provisional)', ' (partial year)', ' (unreliable)' after a value the reader should
    weigh."""
    flags = []
    if row.get("provisional"):
        flags.append("partial year" if "partial" in str(row.get("note") or "") else "provisional")
    if row.get("unreliable"):
        flags.append("unreliable")
    return f" ({', '.join(flags)})" if flags else ""


def _course(part: pd.DataFrame) -> str:
    """'rise' (the latest value is the highest), 'fall' (the first is the highest), 'flat',
    'single', or 'peak' (a high between the first and latest values)."""
    first, last, top = part["value"].iloc[0], part["value"].iloc[-1], part["value"].max()
    if len(part) == 1:
        return "single"
    if first == last == top:
        return "flat"
    if last == top and last > first:
        return "rise"
    if first == top and last < first:
        return "fall"
    return "peak"


def _trend_sentence(name: str, part: pd.DataFrame, number: _Numbers,
                    earlier: Mapping[str, object] | None) -> str:
    """One series in a sentence shaped by its course: a rise to a new high, a fall from its
    first value, or a peak between them and how far the latest value lies below it. `earlier`:
    the peak of a series already told with the same course, so this one says 'also', 'earlier'
    or 'later' and less."""
    first, last = part.iloc[0], part.iloc[-1]
    peak = part.loc[part["value"].idxmax()]
    course = _course(part)
    again = earlier is not None
    latest = f"{number(last['value'])} in {last['period']}{_flag(last)}"
    start = f"{number(first['value'], True)} in {first['period']}"
    if course == "single":
        return (f"{name}: {number(last['value'], True)} in {last['period']}{_flag(last)}, the "
                f"only value shown.")
    if course == "flat":
        return f"{name} stayed at {number(last['value'], True)} from {first['period']} to " \
               f"{last['period']}."
    if course in ("rise", "fall"):
        change = number.change(last["value"], first["value"])
        if course == "rise":
            change = (f"{change} the {first['period']} figure" if change.endswith("times")
                      else f"{change} than in {first['period']}" if change else "")
        if again:
            verb = "rose" if course == "rise" else "fell"
            return f"{name} also {verb}, from {start} to {latest}" + (
                f"; that is {change}" if change else "") + "."
        if course == "rise":
            return f"{name} rose from {start} to {latest}, the highest shown" + (
                f", {change}" if change else "") + "."
        return (f"{name} was highest at the start, {start}, and fell to {latest}"
                + (f", {change}" if change else "") + ".")
    distance = number.change(last["value"], peak["value"]) + " than the peak"
    if distance.startswith(("about the same", "0%", "1%", "2%")):
        distance = f"close to the peak ({distance.split(' than')[0]})"
    at_peak = f"{number(peak['value'], True)}"
    if again:
        when = earlier["peak"]
        timing = ("also peaked in" if peak["period"] == when else
                  "peaked earlier, in" if peak["x"] < earlier["peak_x"] else "peaked later, in")
        return (f"{name} {timing} {peak['period']}, at {at_peak}; its latest value is {latest}"
                + (f", {distance}" if last["value"] != 0 else "") + ".")
    then = f"in {first['period']} it was {number(first['value'])}"
    if last["value"] == 0:
        return f"{name} peaked at {at_peak} in {peak['period']}; the latest value is {latest}, " \
               f"and {then}."
    return (f"{name} peaked at {at_peak} in {peak['period']}. The latest value, {latest}, is "
            f"{distance}; {then}.")


def _missing(part: pd.DataFrame, monthly: bool, suppressed_by: str) -> list[str]:
    """What one series lacks and why, as clauses: suppressed small counts, periods the
    publisher excluded (with its reason), periods with no value, years with no row at all."""
    clauses = []
    blank = part[part["value"].isna()]
    suppressed = blank[blank["suppressed"]]
    if len(suppressed):
        clauses.append(f"{_periods_text(suppressed, monthly)} "
                       f"{'is' if len(suppressed) == 1 else 'are'} suppressed by {suppressed_by} "
                       f"(small counts): not shown, and not zero")
    reasons = blank["note"].map(exclusion_reason)
    excluded = blank[~blank["suppressed"] & (reasons != "")]
    if len(excluded):
        clauses.append(f"{_periods_text(excluded, monthly)} "
                       f"{'is' if len(excluded) == 1 else 'are'} excluded by the publisher "
                       f"({reasons[reasons != ''].iloc[0]})")
    empty = blank[~blank["suppressed"] & (reasons == "")]
    if len(empty):
        clauses.append(f"there is no value for {_periods_text(empty, monthly)}")
    valued = part.loc[part["value"].notna(), "year"].astype(int)
    if not monthly and len(valued):
        absent = sorted(set(range(valued.min(), valued.max() + 1)) - set(part["year"].astype(int)))
        if absent:
            clauses.append(f"the data have no row for "
                           f"{_periods_text(pd.DataFrame({'year': absent}), False)}")
    return clauses


def _missing_sentences(missing: dict[str, list[str]], every: int) -> list[str]:
    """One sentence per clause, naming the series it holds for ('For all 4 series', 'For
    Florida and New York'), so a gap every series shares is said once."""
    owners: dict[str, list[str]] = {}
    for name, clauses in missing.items():
        for clause in clauses:
            owners.setdefault(clause, []).append(name)
    sentences = []
    for clause, names in owners.items():
        who = ("" if every == 1 else f"For all {every} series, " if len(names) == every > 2
               else f"For {_join(names)}, ")
        text = f"{who}{clause}."
        sentences.append(text[0].upper() + text[1:])
    return sentences


def chart_summary(df: pd.DataFrame, *, color_by: str = "drug_group",
                  measure_label: str | None = None, unit: str | None = None,
                  series_labels: Mapping[str, str] | None = None, max_series: int = 4,
                  suppressed_by: str = "the publisher") -> str:
    """Plain sentences a screen reader says instead of the chart, and that a reader can quote.
    Over time: each of the first `max_series` series' course (its peak and when, the change
    since, the latest value and its flags), then every other series by name with its latest
    value; for one period: the highest, lowest and middle values. Then what is missing, and
    why. Every number said is a value of `df`, or a ratio or difference of two of them."""
    data = with_flags(df)
    if data.empty or "value" not in data.columns:
        return "No data to describe."
    unit = (unit or (single_value(data, "unit", "chart_summary") if "unit" in data.columns
                     else "") or "")
    number = _Numbers(data["measure"].iloc[0] if "measure" in data.columns else None, unit)
    has_time = "year" in data.columns and data.groupby(
        color_by if color_by in data.columns else (lambda _: 0))["year"].nunique().max() > 1
    if not has_time:
        return _snapshot_summary(data, color_by, number, suppressed_by)
    monthly = is_monthly(data)
    data = data.assign(x=x_values(data, monthly))
    data["period"] = [period_label(r) for r in data.to_dict("records")]
    keys = list(dict.fromkeys(data[color_by])) if color_by in data.columns else [None]
    sentences = [number.lead] if number.lead else []
    missing: dict[str, list[str]] = {}
    told: dict[str, dict[str, object]] = {}
    rest: list[str] = []
    for index, key in enumerate(keys):
        part = (data if key is None else data[data[color_by] == key]).sort_values(
            "x", kind="stable")
        name = (series_label(color_by, key, series_labels) if key is not None
                else (measure_label or "The value"))
        valued = part[part["value"].notna()]
        if index >= max_series:
            last = valued.iloc[-1] if len(valued) else None
            rest.append(f"{name} (no values shown)" if last is None else
                        f"{name} ({number(last['value'], True)} in {last['period']}"
                        f"{_flag(last).replace(' (', ', ').rstrip(')')})")
            continue
        if len(valued):
            course = _course(valued)
            sentences.append(_trend_sentence(name, valued, number, told.get(course)))
            peak = valued.loc[valued["value"].idxmax()]
            told.setdefault(course, {"peak": peak["period"], "peak_x": peak["x"]})
        missing[name] = _missing(part, monthly, suppressed_by)
    if rest:
        sentences.append(f"Also drawn, with the latest value: {'; '.join(rest)}.")
    told_missing = _missing_sentences(missing, min(len(keys), max_series))
    if rest:
        hidden = int(data[data[color_by].isin(keys[max_series:])]["suppressed"].sum())
        if hidden:
            told_missing.append(f"Among the other {len(rest)} series, {hidden} "
                                f"value{'s are' if hidden != 1 else ' is'} suppressed by "
                                f"{suppressed_by} (small counts): not shown, and not zero.")
    return " ".join(sentences + told_missing) or "No values to describe."


def _snapshot_summary(data: pd.DataFrame, color_by: str, number: _Numbers,
                      suppressed_by: str) -> str:
    """One period: the highest and lowest with their values, the middle value when there are
    many, and which values are missing (suppressed, excluded) or flagged unreliable."""
    label_col = next((c for c in ("geo_name", color_by, "age_group", "sex") if c in data.columns
                      and data[c].nunique() > 1), None)
    valued = data[data["value"].notna()].sort_values("value", ascending=False, kind="stable")
    period = (f"In {period_label(data.iloc[0].to_dict())}, " if "year" in data.columns
              else "")
    sentences = [number.lead] if number.lead else []

    def names(rows: pd.DataFrame) -> str:
        return _join([series_label(label_col, v) for v in rows[label_col]]) if label_col else ""

    if label_col and not valued.empty:
        top, low = valued.iloc[0], valued.iloc[-1]
        text = (f"{period}{names(valued.iloc[[0]])} has the highest value, "
                f"{number(top['value'], True)}{_flag(top)}; {names(valued.iloc[[-1]])} has the "
                f"lowest, {number(low['value'])}{_flag(low)}")
        if len(valued) >= 5:
            text += (f", and the middle of the {len(valued)} values shown is "
                     f"{number(valued['value'].median())}")
        sentences.append(text + ".")
    elif not valued.empty:
        sentences.append(f"{period}the value is {number(valued['value'].iloc[0], True)}"
                         f"{_flag(valued.iloc[0])}.")
    suppressed = data[data["suppressed"] & data["value"].isna()]
    if len(suppressed):
        few = f": {names(suppressed)}" if label_col and len(suppressed) <= 8 else ""
        sentences.append(f"{len(suppressed)} value{'s are' if len(suppressed) != 1 else ' is'} "
                         f"suppressed by {suppressed_by} (small counts) and not shown; they are "
                         f"not zero{few}.")
    reasons = data["note"].map(exclusion_reason)
    excluded = data[(reasons != "") & data["value"].isna() & ~data["suppressed"]]
    if len(excluded):
        few = f": {names(excluded)}" if label_col and len(excluded) <= 8 else ""
        sentences.append(f"{len(excluded)} {'are' if len(excluded) != 1 else 'is'} excluded by "
                         f"the publisher ({reasons[reasons != ''].iloc[0]}){few}.")
    unreliable = valued[valued["unreliable"]]
    if len(unreliable) and len(valued) > 2:
        sentences.append(f"{len(unreliable)} of the values shown "
                         f"{'are' if len(unreliable) != 1 else 'is'} flagged unreliable (small "
                         f"counts).")
    return " ".join(sentences) or "No values to describe."


DISPLAY_COLUMNS: dict[str, str] = {
    "drug_group": "Drug group", "geo_name": "Place", "period_type": "Period type", "year": "Year",
    "month": "Month", "sex": "Sex", "age_group": "Age group", "race_ethnicity": "Race/ethnicity",
    "measure": "Measure", "value": "Value", "unit": "Unit", "lower": "Lower 95% limit",
    "upper": "Upper 95% limit", "numerator": "Numerator", "denominator": "Denominator",
    "share": "Share (%)", "suppressed": "Suppressed", "unreliable": "Unreliable",
    "provisional": "Provisional", "predicted": "Predicted", "censored": "Censored",
    "definition": "Case definition", "source_id": "Source", "note": "Note",
}


def display_table(df: pd.DataFrame) -> pd.DataFrame:
    """The plotted rows with readable headers, for the 'Show data' table and CSV: drug-group ids
    become labels; demographic columns that are "all" throughout, empty notes and helper
    columns are left out."""
    out = df.copy()
    keep = []
    for column in DISPLAY_COLUMNS:
        if column not in out.columns:
            continue
        series = out[column]
        if column in ("sex", "age_group", "race_ethnicity") and (series == "all").all():
            continue
        if column == "note" and (series.fillna("") == "").all():
            continue
        if column == "month" and series.isna().all():
            continue
        keep.append(column)
    out = out[keep]
    if "drug_group" in out.columns:
        out["drug_group"] = out["drug_group"].map(lambda g: series_label("drug_group", g))
    return out.rename(columns=DISPLAY_COLUMNS).reset_index(drop=True)

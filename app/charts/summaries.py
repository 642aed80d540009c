"""What sits under a chart: the plain sentences a screen reader says instead of it, and the
plotted rows as a readable table."""
from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from app.charts import theme
from app.charts.common import (is_monthly, period_label, series_label, single_value, with_flags,
                               x_values)


def _fmt(value: float, measure: str | None, unit: str) -> str:
    return f"{theme.format_value(value, measure, unit)} {unit}".replace("% percent", "%").strip()


def chart_summary(df: pd.DataFrame, *, color_by: str = "drug_group",
                  measure_label: str | None = None, unit: str | None = None,
                  series_labels: Mapping[str, str] | None = None, max_series: int = 4,
                  suppressed_by: str = "the publisher") -> str:
    """Plain sentences a screen reader can say instead of the chart: for each series the latest
    value and year, the first, and the peak; for one period, the highest and lowest; and how many
    values are suppressed."""
    data = with_flags(df)
    if data.empty or "value" not in data.columns:
        return "No data to describe."
    unit = (unit or (single_value(data, "unit", "chart_summary") if "unit" in data.columns else "")
            or "")
    measure = data["measure"].iloc[0] if "measure" in data.columns else None
    n_suppressed = int(data["suppressed"].sum())
    sentences = []
    has_time = "year" in data.columns and data.groupby(
        color_by if color_by in data.columns else (lambda _: 0))["year"].nunique().max() > 1
    if has_time:
        monthly = is_monthly(data)
        data = data.assign(x=x_values(data, monthly))
        data["period"] = [period_label(r) for r in data.to_dict("records")]
        keys = list(dict.fromkeys(data[color_by])) if color_by in data.columns else [None]
        for key in keys[:max_series]:
            part = data if key is None else data[data[color_by] == key]
            part = part[part["value"].notna()].sort_values("x", kind="stable")
            if part.empty:
                continue
            name = series_label(color_by, key, series_labels) if key is not None else \
                (measure_label or "Value")
            first, last = part.iloc[0], part.iloc[-1]
            peak = part.loc[part["value"].idxmax()]
            direction = ("rose" if last["value"] > first["value"] else
                         "fell" if last["value"] < first["value"] else "was unchanged")
            latest_flag = ((" (partial year)" if "partial" in str(last.get("note") or "")
                            else " (provisional)") if last["provisional"] else "")
            sentence = (f"{name}: {_fmt(last['value'], measure, unit)} in {last['period']}"
                        f"{latest_flag}, the latest period shown; it {direction} from "
                        f"{_fmt(first['value'], measure, unit)} in {first['period']}")
            if peak["period"] != last["period"]:
                sentence += f", with a peak of {_fmt(peak['value'], measure, unit)} in {peak['period']}"
            else:
                sentence += ", and the latest value is the highest shown"
            sentences.append(sentence + ".")
        if len(keys) > max_series:
            sentences.append(f"{len(keys) - max_series} more series are in the data table.")
    else:
        label_col = next((c for c in ("geo_name", color_by, "age_group", "sex") if c in data.columns
                          and data[c].nunique() > 1), None)
        valued = data[data["value"].notna()].sort_values("value", ascending=False)
        period = f"In {int(data['year'].iloc[0])}, " if "year" in data.columns else ""
        if label_col and not valued.empty:
            top, low = valued.iloc[0], valued.iloc[-1]
            sentences.append(
                f"{period}the highest value is {series_label(label_col, top[label_col])} "
                f"({_fmt(top['value'], measure, unit)}) and the lowest is "
                f"{series_label(label_col, low[label_col])} ({_fmt(low['value'], measure, unit)}),"
                f" across {len(valued)} values shown.")
        elif not valued.empty:
            sentences.append(f"{period}the value is {_fmt(valued['value'].iloc[0], measure, unit)}.")
    if n_suppressed:
        sentences.append(f"{n_suppressed} value{'s are' if n_suppressed != 1 else ' is'} suppressed "
                         f"by {suppressed_by} (small counts) and not shown; they are not zero.")
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

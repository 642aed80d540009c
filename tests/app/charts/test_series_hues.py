"""Series drawn together differ in hue (app.charts.theme.series_styles, app.charts.vision): for
every builder's typical figures, the presenter's real slide charts, and every choice of up to
four drug groups a reader can combine, each pair of series in one legend is at least
theme.HUE_DISTINCT (CIEDE2000) apart in normal vision, with simulated deuteranopia and
protanopia and on a washed-out projector, for as many series as the palette can keep apart in
that condition (theme.HUE_LIMITS); beyond that, two series that look alike differ in dash or
marker. The same check runs on the pages' own figures in tests/pages/test_chart_hues.py.

The threshold and the conditions are explained where they are set (theme.HUE_DISTINCT,
vision.WASHOUT)."""
from __future__ import annotations

import itertools

import pandas as pd
import pytest

from app.charts import bars, lines, maps, theme, vision
from app.views import comparisons, nonfatal
from tests.app.charts.samples import (age_counts, hue_problems, monthly_deaths, national_deaths,
                                      series_drawn_together, state_rates)

BENZO_TRIO = ("benzodiazepines", "benzodiazepines_with_any_opioid",
              "benzodiazepines_without_any_opioid")


def frame(groups, *, column: str = "drug_group", monthly: bool = False) -> pd.DataFrame:
    """Deaths of a few series over years (or months), one per value of `column`."""
    rows = []
    for i, key in enumerate(groups):
        periods = ([(y, m) for y in (2020, 2021) for m in range(1, 13)] if monthly
                   else [(y, None) for y in range(2010, 2023)])
        for j, (year, month) in enumerate(periods):
            rows.append({column: key, "year": year, "month": month, "value": 100.0 + 10 * i + j,
                         "period_type": "month" if monthly else "year", "measure": "deaths",
                         "unit": "deaths", "drug_group": key if column == "drug_group"
                         else "benzodiazepines"})
    return pd.DataFrame(rows)


def by_sex(sexes=("all", "female", "male")) -> pd.DataFrame:
    return frame(sexes, column="sex")


def builder_figures() -> dict[str, object]:
    """Each builder's typical figures, from small frames."""
    nida = national_deaths()
    ages = pd.concat([age_counts().assign(sex=s) for s in ("female", "male")], ignore_index=True)
    states = [f"State {i}" for i in range(7)]
    return {
        "time_series: benzodiazepines with and without opioids": lines.time_series(
            frame(BENZO_TRIO)),
        "time_series: with the synthetic-opioid split": lines.time_series(frame(
            ("benzodiazepines", "benzodiazepines_with_synthetic_opioids",
             "benzodiazepines_without_synthetic_opioids"))),
        "time_series: four groups, provisional and suppressed": lines.time_series(nida),
        "time_series: illegal benzodiazepines": lines.time_series(
            frame(nonfatal.DETECTED_BENZODIAZEPINES)),
        "time_series: compared with other drugs": lines.time_series(
            frame(comparisons.COMPARE_DEFAULT)),
        "time_series: every drug the comparison offers": lines.time_series(
            frame(comparisons.COMPARE_DRUGS)),
        "time_series: by sex": lines.time_series(by_sex(), color_by="sex"),
        "time_series: women and men": lines.time_series(by_sex(("female", "male")),
                                                        color_by="sex"),
        "time_series: four places, monthly": lines.time_series(
            frame(states[:4], column="geo_name", monthly=True), color_by="geo_name"),
        "time_series: seven places, monthly": lines.time_series(
            frame(states, column="geo_name", monthly=True), color_by="geo_name"),
        "time_series: monthly, one series": lines.time_series(monthly_deaths()),
        "time_series: index": lines.time_series(frame(BENZO_TRIO), index_base_year=2015),
        "time_series: log": lines.time_series(frame(comparisons.COMPARE_DEFAULT), log_y=True),
        "time_series: 95% bands": lines.time_series(
            frame(BENZO_TRIO).assign(lower=lambda d: d["value"] - 5,
                                     upper=lambda d: d["value"] + 5),
            band_columns=("lower", "upper")),
        "time_series: a grey reference line": lines.time_series(
            frame(["United States", *states[:3]], column="geo_name"), color_by="geo_name",
            style_overrides={"United States": theme.SeriesStyle(theme.GREY)}),
        "share_line": lines.share_line(nida),
        "stacked_share: with and without any opioid": bars.stacked_share(nida),
        "stacked_share: as shares": bars.stacked_share(nida, as_share=True),
        "stacked_share: synthetic opioids": bars.stacked_share(
            frame(("benzodiazepines_with_synthetic_opioids",
                   "benzodiazepines_without_synthetic_opioids")),
            parts=("benzodiazepines_with_synthetic_opioids",
                   "benzodiazepines_without_synthetic_opioids")),
        "category_bar: by age and sex": bars.category_bar(ages, "age_group", color_by="sex",
                                                          orientation="v"),
        "category_bar: one series": bars.category_bar(age_counts(), "age_group"),
        "ranked_bar": bars.ranked_bar(state_rates()),
        "state_map": maps.state_map(state_rates()),
    }


@pytest.fixture(scope="module")
def figures() -> dict[str, object]:
    return builder_figures()


def test_every_builder_keeps_series_drawn_together_apart(figures):
    problems = [p for where, fig in figures.items() for p in hue_problems(fig, where)]
    assert not problems, "\n".join(problems)


def test_the_charts_the_issue_names_differ_in_hue_in_all_four_conditions(figures):
    # Three oranges, two oranges and one pink before: now each pair is HUE_DISTINCT apart with
    # colour blindness and on a washed-out projector too, not only told apart by dash.
    named = {"time_series: benzodiazepines with and without opioids": 3,
             "stacked_share: with and without any opioid": 2,
             "time_series: illegal benzodiazepines": 4}
    for where, count in named.items():
        series = series_drawn_together(figures[where])
        assert len(series) == count, where
        for a, b in itertools.combinations(series, 2):
            for condition in vision.CONDITIONS:
                apart = vision.difference(a.color, b.color, condition)
                assert apart >= theme.HUE_DISTINCT, (where, a.name, b.name, condition, apart)


def test_single_series_charts_have_nothing_to_tell_apart(figures):
    for where in ("share_line", "ranked_bar", "state_map", "category_bar: one series",
                  "time_series: monthly, one series"):
        assert len(series_drawn_together(figures[where])) <= 1, where


def test_the_presenters_slide_charts_keep_their_series_apart(built):
    problems = [p for chart_id, chart in built.items()
                for p in hue_problems(chart.figure, f"slide chart {chart_id}")]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("size", [2, 3, 4])
def test_any_few_drug_groups_a_reader_combines_keep_apart(size):
    # The comparison and the Data explorer let a reader pick any groups: every pick of up to
    # four of them, with the benzodiazepine splits, gets colours HUE_DISTINCT apart in every
    # condition (series_styles moves a look-alike to a free palette colour).
    groups = (*comparisons.COMPARE_DRUGS, *BENZO_TRIO[1:], "benzodiazepines_with_synthetic_opioids",
              "benzodiazepines_without_synthetic_opioids", *nonfatal.DETECTED_BENZODIAZEPINES)
    problems = []
    for pick in itertools.combinations(dict.fromkeys(groups), size):
        styles = theme.series_styles("drug_group", list(pick))
        for (a, sa), (b, sb) in itertools.combinations(styles.items(), 2):
            for condition in theme.hue_conditions(len(pick)):
                if vision.difference(sa.color, sb.color, condition) < theme.HUE_DISTINCT:
                    problems.append(f"{pick}: {a} / {b} ({condition})")
    assert not problems, f"{len(problems)} look-alike pairs, e.g. {problems[:5]}"


def test_the_palette_keeps_its_first_colours_apart_as_hue_limits_says():
    for condition, limit in theme.HUE_LIMITS.items():
        closest = min(vision.difference(a, b, condition)
                      for a, b in itertools.combinations(theme.PALETTE[:limit], 2))
        assert closest >= theme.HUE_DISTINCT, (condition, limit, closest)
    # and the limits are what the palette gives: one more series would fall below
    beyond = min(vision.difference(a, b, "deuteranopia")
                 for a, b in itertools.combinations(theme.PALETTE[:5], 2))
    assert beyond < theme.HUE_DISTINCT


@pytest.mark.parametrize("groups", [BENZO_TRIO, BENZO_TRIO[1:], nonfatal.DETECTED_BENZODIAZEPINES,
                                    ("benzodiazepines", "benzodiazepines_with_synthetic_opioids",
                                     "benzodiazepines_without_synthetic_opioids")])
def test_the_named_groups_are_apart_by_their_own_colours(groups):
    # Not rescued by series_styles: the fixed styles themselves differ, so each group has the
    # same colour on every chart.
    assert theme.series_styles("drug_group", list(groups)) == {g: theme.drug_style(g)
                                                               for g in groups}

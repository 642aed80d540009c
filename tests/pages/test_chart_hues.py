"""Every page's own figures, as sent to the browser, keep the series they draw together apart by
hue in normal vision, with simulated deuteranopia and protanopia and on a washed-out projector
(the rule and its threshold: tests/app/charts/test_series_hues.py, app.charts.theme.HUE_DISTINCT),
and the three charts the classroom issue named differ in hue in all four conditions."""
from __future__ import annotations

import itertools

import pytest

from app.charts import theme, vision
from tests.app.charts.samples import hue_problems, series_drawn_together
from tests.pages.harness import chart_specs, run_page

# Each page as the menu opens it, and each tab of the pages that have tabs.
VIEWS = [("pages/overview.py", {}), ("pages/opioids.py", {}),
         ("pages/opioids.py", {"measure": "rate"}),
         ("pages/opioids.py", {"split": "synthetic_opioids", "measure": "rate"}),
         ("pages/compare.py", {}), ("pages/states.py", {}), ("pages/states.py", {"view": "ranking"}),
         ("pages/who.py", {}), ("pages/who.py", {"section": "nonfatal"}),
         ("pages/who.py", {"section": "ct"}), ("pages/illicit.py", {}),
         ("pages/nonfatal.py", {}), ("pages/benzodiazepines.py", {}),
         ("pages/about.py", {}), ("pages/explorer.py", {})]


@pytest.mark.parametrize("page,query", VIEWS,
                         ids=[f"{p.split('/')[1][:-3]}{'?' + str(q) if q else ''}" for p, q in VIEWS])
def test_series_drawn_together_on_the_page_keep_apart(page, query):
    at = run_page(page, query)
    assert not at.exception, [e.value for e in at.exception]
    specs = chart_specs(at)
    assert specs, f"{page} drew no chart"
    problems = [p for i, spec in enumerate(specs) for p in hue_problems(spec, f"{page} chart {i}")]
    assert not problems, "\n".join(problems)


def all_four_apart(spec: dict) -> list[tuple[str, str, str, float]]:
    series = series_drawn_together(spec)
    return [(a.name, b.name, c, d) for a, b in itertools.combinations(series, 2)
            for c in vision.CONDITIONS
            if (d := vision.difference(a.color, b.color, c)) < theme.HUE_DISTINCT]


def test_the_named_charts_differ_in_hue_in_all_four_conditions():
    overview = chart_specs(run_page("pages/overview.py"))[0]
    assert len(series_drawn_together(overview)) == 3, "all, with and without an opioid"
    bars = chart_specs(run_page("pages/opioids.py"))[0]
    assert len(series_drawn_together(bars)) == 2, "with and without an opioid"
    illicit = chart_specs(run_page("pages/illicit.py"))[0]  # the trend of the four SUDORS drugs
    about = chart_specs(run_page("pages/about.py"))[0]
    for spec in (illicit, about):
        names = {s.name for s in series_drawn_together(spec)}
        assert len(names) == 4 and "Bromazolam" in names, names
    for name, spec in (("overview", overview), ("opioids", bars), ("illicit", illicit),
                       ("about", about)):
        assert not all_four_apart(spec), (name, all_four_apart(spec))

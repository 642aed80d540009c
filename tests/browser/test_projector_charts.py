"""Charts and pages on a projector, measured in the rendered app (headless Chromium): the landing
page shows its headline number and its chart on the first screen at 1280×720 and 1024×768 with
the menu open; event labels never cover a data point, the data fill most of the plot's height
and an event on a monthly axis sits at its month; no axis title is cut or runs into the chart's
title. Boxes are read from the rendered SVG and points placed with plotly.js's own axis
conversions (`_fullLayout.xaxis.d2p`)."""
from __future__ import annotations

import pandas as pd
import pytest

from tests.browser.opening import open_app_page
from tests.pages.harness import nida_national

pytestmark = pytest.mark.browser


# In the page: every event label's box (from the SVG) against every data point of every trace
# (placed with the axes' own conversions), the y axis's top against the data's maximum, and
# where each event's line is drawn.
MEASURE = """(index) => {
  const gd = document.querySelectorAll('.js-plotly-plot')[index];
  const full = gd._fullLayout, xa = full.xaxis, ya = full.yaxis;
  const svg = gd.querySelector('.main-svg').getBoundingClientRect();
  const labels = [];
  (gd.layout.annotations || []).forEach((a, i) => {
    if (a.name !== 'event_label') return;
    const g = gd.querySelector(`.annotation[data-index="${i}"] .bg`);
    const r = g.getBoundingClientRect();
    labels.push({text: a.text, left: r.left - svg.left, right: r.right - svg.left,
                 top: r.top - svg.top, bottom: r.bottom - svg.top, x: a.x});
  });
  const points = [];
  let top = -Infinity;
  gd._fullData.forEach(t => {
    if (!t.visible || t.yaxis !== 'y' || !t.x || !t.y) return;
    for (let i = 0; i < t.y.length; i++) {
      const y = t.y[i];
      if (y === null || y === undefined || Number.isNaN(+y)) continue;
      top = Math.max(top, +y);
      points.push([xa._offset + xa.d2p(t.x[i]), ya._offset + ya.d2p(+y)]);
    }
  });
  const legend = [...gd.querySelectorAll('.legend .traces')].map(el => {
    const r = el.getBoundingClientRect();
    return {text: el.textContent, left: r.left - svg.left, right: r.right - svg.left,
            top: r.top - svg.top, bottom: r.bottom - svg.top};
  });
  const lines = (full.shapes || []).filter(s => s.name === 'event_line')
      .map(s => ({x: s.x0, px: xa._offset + xa.d2p(s.x0)}));
  return {labels, points, top, range: ya.range, log: ya.type === 'log', plotTop: ya._offset,
          lines, legend,
          plotLeft: xa._offset, plotRight: xa._offset + xa._length, width: svg.width};
}"""


def measured(page, index: int = 0) -> dict:
    return page.evaluate(MEASURE, index)


def assert_labels_clear_of_data(m: dict, where: str) -> None:
    assert m["labels"], f"{where}: no event labels drawn"
    for label in m["labels"]:
        assert label["bottom"] <= m["plotTop"] + 1, f"{where}: {label['text']} reaches the plot"
        for x, y in m["points"]:
            inside = label["left"] <= x <= label["right"] and label["top"] <= y <= label["bottom"]
            assert not inside, f"{where}: {label['text']} covers a data point at {x:.0f},{y:.0f}"
    for entry in m["legend"]:
        for label in m["labels"]:
            apart = (entry["right"] <= label["left"] + 1 or label["right"] <= entry["left"] + 1
                     or entry["bottom"] <= label["top"] + 1 or label["bottom"] <= entry["top"] + 1)
            assert apart, f"{where}: legend entry {entry['text']!r} covers {label['text']!r}"
    boxes = sorted(m["labels"], key=lambda b: b["left"])
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            apart = (a["right"] <= b["left"] + 1 or b["right"] <= a["left"] + 1
                     or a["bottom"] <= b["top"] + 1 or b["bottom"] <= a["top"] + 1)
            assert apart, f"{where}: labels {a['text']!r} and {b['text']!r} overlap"
    if m["log"]:
        return
    low, high = m["range"]
    assert low == 0 and 0.8 * high <= m["top"] <= high, \
        f"{where}: data reach {m['top']} of a y axis to {high}"


def test_on_a_monthly_axis_the_fda_warning_is_drawn_at_september_2020(page, app_url):
    open_app_page(page, app_url, "illicit?section=nonfatal")
    m = measured(page)
    assert_labels_clear_of_data(m, "DOSE-SYS chart")
    assert_axis_titles_whole(page, "DOSE-SYS chart")
    fda = next(label for label in m["labels"] if label["text"] == "FDA benzo warning")
    assert pd.Timestamp(fda["x"]) == pd.Timestamp("2020-09-01")
    at = {pd.Timestamp(line["x"]): line["px"] for line in m["lines"]}
    january, september = at.get(pd.Timestamp("2020-01-01")), at[pd.Timestamp("2020-09-01")]
    if january is not None:  # the year-only event of 2020 sits at its January
        assert september - january > 20, "eight months apart on the axis"


# The chart's title (.gtitle) and each y-axis title (.ytitle) from the SVG.
TITLES = """() => [...document.querySelectorAll('.js-plotly-plot')].map(gd => {
  const svg = gd.querySelector('.main-svg').getBoundingClientRect();
  const box = el => { if (!el) return null; const r = el.getBoundingClientRect();
    return {left: r.left - svg.left, right: r.right - svg.left, top: r.top - svg.top,
            bottom: r.bottom - svg.top, text: el.textContent}; };
  return {title: box(gd.querySelector('.gtitle')), ytitle: box(gd.querySelector('.ytitle')),
          height: svg.height, width: svg.width};
})"""


def assert_axis_titles_whole(page, where: str) -> int:
    """No y-axis title cut at the card's edge or running into the chart's title; returns how
    many charts had one."""
    checked = 0
    for chart in page.evaluate(TITLES):
        y = chart["ytitle"]
        if not y or not y["text"]:
            continue
        checked += 1
        assert y["top"] >= -1 and y["bottom"] <= chart["height"] + 1 and y["left"] >= -1, \
            f"{where}: the y-axis title {y['text']!r} is cut ({y})"
        title = chart["title"]
        if title and title["text"]:
            apart = y["top"] >= title["bottom"] - 1 or y["right"] <= title["left"] + 1
            assert apart, f"{where}: {y['text']!r} runs into the title {title['text']!r}"
    return checked


@pytest.mark.parametrize("size", [(1280, 720), (1024, 768)], ids=["1280x720", "1024x768"])
def test_the_landing_page_shows_its_headline_number_and_its_chart_on_the_first_screen(
        page, app_url, size):
    deaths = nida_national()["benzodiazepines"].dropna()
    headline = f"{deaths.iloc[-1]:,.0f}"  # 10,964 deaths in 2022 with the shipped data
    page.set_viewport_size({"width": size[0], "height": size[1]})
    open_app_page(page, app_url, "")
    assert page.get_by_test_id("stSidebar").is_visible(), "the menu is open"
    number = page.get_by_test_id("stMetricValue").filter(has_text=headline).first
    box = number.bounding_box()
    assert box and box["y"] >= 0 and box["y"] + box["height"] <= size[1], \
        f"headline {headline} at {box} is below the fold"
    chart = page.locator(".js-plotly-plot").first.bounding_box()
    assert chart and 0 <= chart["y"] < size[1] - 60, f"the chart starts at {chart}, off screen"
    plot = page.locator(".js-plotly-plot .nsewdrag").first.bounding_box()
    assert plot["y"] < size[1], "the plot itself starts on the first screen"
    # and its event labels never cover the data, which fill most of the plot's height
    assert_labels_clear_of_data(measured(page), f"overview at {size}")
    assert_axis_titles_whole(page, f"overview at {size}")


# Compare on a log scale ("ge-adjusted…" was cut at the top) and Connecticut's share chart (its
# axis title ran into the chart's title), on the narrow screen where titles wrap most.
@pytest.mark.parametrize("path", ["compare?scale=log&measure=age_adjusted_rate", "who?section=ct"])
def test_no_axis_title_is_cut_or_runs_into_the_chart_title(page, app_url, path):
    page.set_viewport_size({"width": 1024, "height": 768})
    open_app_page(page, app_url, path)
    assert assert_axis_titles_whole(page, path), f"{path}: no chart with a y-axis title"
    if path.startswith("compare"):  # five long legend names: four rows above the event labels
        assert_labels_clear_of_data(measured(page), path)

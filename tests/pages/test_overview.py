"""pages/overview.py: headline cards equal the processed NIDA table, the trend chart with its
events toggle bound to the URL, a link and lead-in for every other page, the help box, and a
clear error when the table is missing.

st.page_link only accepts pages registered through dashboard.py's st.navigation, which AppTest
of a single page file does not run; the tests record the calls instead and check each target
against dashboard.py's page list."""
from __future__ import annotations

import ast
from pathlib import Path
from unittest import mock

import pytest
from streamlit.testing.v1 import AppTest

from app.data import content
from tests.pages import harness
from tests.pages.harness import (HOSTILE, ROOT, assert_default_leaves_link, assert_link_refused,
                                 assert_table_error, chart_spec, dashboard_pages, data_without,
                                 metrics, nida_national, values)

PAGE = "pages/overview.py"


def run_page(query: dict[str, str] | None = None) -> tuple[AppTest, list[str]]:
    with mock.patch("streamlit.page_link") as page_link:
        at = harness.run_page(PAGE, query)
    return at, [c.args[0] for c in page_link.call_args_list]


def test_renders_one_trend_chart_and_the_help_box(default_run):
    at, _ = default_run
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.get("plotly_chart")) == 1
    assert at.title[0].value
    assert any("988" in i.value and "1-800-662-4357" in i.value for i in at.info)
    assert any("Source:" in c.value and "Definition:" in c.value for c in at.caption)
    fresh, _ = run_page()
    with mock.patch("streamlit.page_link"):
        opened = harness.open_chart_details(fresh)
    assert [b.key for b in opened.get("download_button") if b.key.startswith("csv_")], \
        "Show data offers a CSV of the plotted rows"


def test_metric_cards_equal_the_processed_data(default_run):
    at, _ = default_run
    deaths = nida_national()
    benzo = deaths["benzodiazepines"].dropna()
    year = int(benzo.index.max())
    peak_year = int(benzo.idxmax())
    with_opioid = deaths.loc[year, "benzodiazepines_with_any_opioid"]
    opioid = deaths.loc[year, "any_opioid"]
    cards = metrics(at)
    assert cards[f"Deaths involving benzodiazepines, {year}"] == f"{benzo[year]:,.0f}"
    assert (cards[f"Benzodiazepine deaths also involving opioids, {year}"]
            == f"{with_opioid / benzo[year] * 100:.1f}%")
    assert (cards[f"Opioid deaths that also involved benzodiazepines, {year}"]
            == f"{with_opioid / opioid * 100:.1f}%")
    change = benzo[year] - benzo[peak_year]
    if change < 0:
        label = f"Change since the peak year ({peak_year})"
        assert cards[label] == f"−{abs(change):,.0f}"
    else:  # the latest year is the peak: the card gives the rise to it, never "0 (0.0%)"
        label = next(k for k in cards if k.startswith("Change over "))
        assert cards[label] != "0"


def test_trend_chart_plots_the_three_series_to_the_latest_year(default_run):
    at, _ = default_run
    deaths = nida_national()
    spec = chart_spec(at)
    named = {t["name"]: t for t in spec["data"] if t.get("name") and t.get("y")}
    assert {"All", "With any opioid", "Without any opioid"} <= set(named), \
        "short names: the title says benzodiazepines, with and without opioids"
    xs, ys = values(named["All"]["x"]), values(named["All"]["y"])
    assert xs == list(deaths.index)
    assert ys == deaths["benzodiazepines"].tolist()
    assert spec["layout"]["xaxis"]["tickformat"] == "d", "integer years"
    top = spec["layout"]["yaxis"]["range"][1]
    assert max(ys) <= top and max(ys) >= 0.8 * top, "the data use most of the plot's height"
    labels = [a for a in spec["layout"]["annotations"] if a.get("name") == "event_label"]
    assert labels and all(a["ay"] < 0 and a["yanchor"] == "bottom" for a in labels), \
        "event labels above the plot, not over the data"
    first, last = int(deaths.index.min()), int(deaths.index.max())
    assert any(f"{first}–{last}" in m.value and "with and without opioids" in m.value
               for m in at.markdown), "the chart's title names the years"


def test_the_handout_carries_the_key_figures_with_their_labels():
    from app.export import handout
    from tests.app.export.test_handout import pdf_text
    with mock.patch("streamlit.page_link"), \
            mock.patch("app.glue.blocks.handout_button") as button:
        at = harness.run_page(PAGE)
    assert not at.exception
    (title, sections), kwargs = button.call_args
    cards = metrics(at)
    assert dict(kwargs["key_figures"]).keys() == cards.keys(), "every card, once"
    for label, value in kwargs["key_figures"]:
        assert value.startswith(cards[label])
    assert kwargs["key_figures_note"].startswith("Key figures: data through")
    key = handout.key_figures_section(kwargs["key_figures"], kwargs["key_figures_note"])
    pdf = handout.handout_pdf(title, [key, *sections], images=[None] * (len(sections) + 1))
    text = pdf_text(pdf).replace("\\(", "(").replace("\\)", ")")
    for label, value in kwargs["key_figures"]:
        assert handout.latin1(f"- {label}: {value}") in text


def overview_links() -> dict[str, str]:
    """LINKED_PAGES of pages/overview.py, read without running the page."""
    tree = ast.parse((ROOT / PAGE).read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "LINKED_PAGES":
            return ast.literal_eval(node.value)
    raise AssertionError("pages/overview.py has no LINKED_PAGES")


def test_links_lead_into_every_other_page(default_run):
    at, links = default_run
    registered = dashboard_pages()
    assert set(links) == set(registered) - {PAGE}, "one link per page of dashboard.py"
    texts = [m.value for m in at.markdown]
    intro_by_stem = {stem: intro_id for intro_id, stem in overview_links().items()}
    for path in links:
        assert content.intro(intro_by_stem[Path(path).stem]) in texts


def test_events_toggle_round_trips_through_the_url():
    at, _ = run_page({"events": "false"})
    assert not at.exception
    assert at.toggle(key="events").value is False
    assert not any(s.get("type") == "line" for s in chart_spec(at)["layout"].get("shapes", []))
    with mock.patch("streamlit.page_link"):
        assert_default_leaves_link(at, "toggle", "events", True)
    assert any(s.get("type") == "line" for s in chart_spec(at)["layout"]["shapes"])
    with mock.patch("streamlit.page_link"):
        at.toggle(key="events").set_value(False).run()
    assert at.query_params["events"] == "false"


@pytest.mark.parametrize("query", [{"events": HOSTILE}, {"events": "2099"}])
def test_hostile_link_shows_a_notice_and_the_default(query):
    at, _ = run_page(query)
    assert_link_refused(at, ("markdown", "caption", "text"),
                        notice="Ignored an invalid link setting")
    assert at.toggle(key="events").value is True


def test_missing_table_shows_a_clear_error(tmp_path, serve_data):
    serve_data(data_without("nida_national", tmp_path))
    assert_table_error(run_page()[0], "nida_national")

"""pages/about.py: the explanatory content with every placeholder filled from the data and every
source cited as a numbered link, the two supporting charts equal to the processed tables, the
help box, withdrawal in a warning box, the events toggle bound to the URL, and a clear error when
a table is missing."""
from __future__ import annotations

import functools
import re

import pytest
from streamlit.testing.v1 import AppTest

from app.data import content
from app.views import methods
from tests.pages import harness
from tests.pages.harness import (HOSTILE, assert_default_leaves_link, assert_link_refused,
                                 assert_table_error, chart_spec, data_without, nida_national, table,
                                 text_of, traces, values)

run_page = functools.partial(harness.run_page, "pages/about.py")
TEXT_KINDS = ("markdown", "caption", "warning", "info", "text")


def event_lines(at: AppTest, index: int) -> list[dict]:
    return [s for s in chart_spec(at, index)["layout"].get("shapes", []) if s.get("type") == "line"]


def test_renders_the_content_the_help_box_and_two_charts(default_run):
    at = default_run
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "About Klonopin and benzodiazepines"
    assert len(at.get("plotly_chart")) == 2
    assert any("988" in i.value and "1-800-662-4357" in i.value for i in at.info)
    text = text_of(at, TEXT_KINDS)
    for heading in ("## What are benzodiazepines?", "## Misuse and addiction", "## Health risks",
                    "## Withdrawal", "## Treatment and recovery"):
        assert heading in text
    assert "{" not in text.replace("{0}", ""), "every placeholder is filled"


def test_dsm_criteria_are_all_listed(default_run):
    text = text_of(default_run, TEXT_KINDS)
    assert "sedative, hypnotic, or anxiolytic use disorder" in text
    assert all(f"\n{n}. " in text for n in range(1, 12)), "11 numbered DSM-5-TR criteria"


def test_withdrawal_is_a_warning_box(default_run):
    warnings = [w.value for w in default_run.warning]
    assert any("never stop suddenly" in w and "gradual taper" in w for w in warnings)


def test_share_of_opioid_deaths_with_benzodiazepines_equals_the_data(default_run):
    deaths = nida_national()
    share = deaths.loc[2019, "benzodiazepines_with_any_opioid"] / deaths.loc[2019, "any_opioid"]
    expected = f"{share * 100:.1f}%"
    [metric] = [m for m in default_run.metric if "2019" in m.label]
    assert metric.value == expected
    assert f"In 2019, {expected} (NIDA's published figure: " in text_of(default_run, TEXT_KINDS)


def test_sources_are_numbered_links_and_listed_at_the_bottom(default_run):
    refs = content.sources()
    markdown = [m.value for m in default_run.markdown]
    body = "\n".join(markdown[:-1])
    assert not re.search(r"\[[a-z0-9][\w-]*\](?!\()", body), "no raw [source-id] left"
    numbers = sorted({int(n) for n in re.findall(r"\[\\\[(\d+)\\\]\]\(https?://", body)})
    reference_list = markdown[-1]
    listed = re.findall(r"^(\d+)\. ", reference_list, flags=re.M)
    assert numbers and [int(n) for n in listed] == list(range(1, len(listed) + 1))
    assert set(numbers) <= {int(n) for n in listed}
    assert refs["fda-dsc-2016"] in reference_list and refs["dsm-5-tr"] in reference_list
    url = methods.reference_url(refs["fda-dsc-2016"])
    assert f"]({url})" in body


def test_illegal_benzodiazepine_chart_equals_sudors(default_run):
    sudors = table("sudors_state")
    rows = sudors[(sudors["geo_fips"] == "99") & (sudors["measure"] == "deaths")
                  & (sudors["drug_group"] == "illegal_benzodiazepines")].sort_values("year")
    trace = traces(default_run, 0)["Illegal (designer) benzodiazepines"]
    assert values(trace["x"]) == rows["year"].tolist()
    assert values(trace["y"]) == rows["value"].tolist()
    captions = [c.value for c in default_run.caption]
    assert any("SUDORS" in c and "Definition:" in c for c in captions)


def test_with_and_without_opioid_chart_equals_nida(default_run):
    deaths = nida_national()
    named = traces(default_run, 1)
    for group, label in [("benzodiazepines_with_any_opioid", "Benzodiazepines with any opioid"),
                         ("benzodiazepines_without_any_opioid",
                          "Benzodiazepines without any opioid")]:
        assert values(named[label]["x"]) == list(deaths.index)
        assert values(named[label]["y"]) == deaths[group].tolist()
    assert chart_spec(default_run, 1)["layout"]["xaxis"]["tickformat"] == "d", "integer years"
    assert any("Underlying cause" in c.value for c in default_run.caption)


def test_each_chart_has_its_own_events_toggle_beside_it_in_the_url():
    at = run_page({"events": "false"})
    assert not at.exception
    assert at.toggle(key="events").value is False
    assert not event_lines(at, 0), "the illegal-benzodiazepine chart's events are off"
    assert event_lines(at, 1), "the FDA warnings the mixing text cites are still marked"
    assert_default_leaves_link(at, "toggle", "events", True)
    at.toggle(key="events_mixing").set_value(False).run()
    assert at.query_params["events_mixing"] == "false" and not event_lines(at, 1)
    assert [t.label for t in at.toggle] == ["Show events", "Show events"]


@pytest.mark.parametrize("query", [{"events": HOSTILE}, {"events": "2099"}])
def test_hostile_link_shows_a_notice_and_the_default(query):
    at = run_page(query)
    assert_link_refused(at, TEXT_KINDS, notice="Ignored an invalid link setting")
    assert at.toggle(key="events").value is True


@pytest.mark.parametrize("missing", ["sudors_state", "nida_national"])
def test_missing_table_shows_a_clear_error(tmp_path, serve_data, missing):
    serve_data(data_without(missing, tmp_path))
    assert_table_error(run_page(), missing)

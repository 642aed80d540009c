"""pages/benzodiazepines.py ("Which benzodiazepines"): the named benzodiazepines of two medical
examiners' records. The default view draws the prescription/designer chart beside its key
figures, each chart plots exactly the processed counts, suppressed counts stay hidden, the
partial last year is marked, the page says plainly it is two jurisdictions and not the nation,
every control lives in the URL, and a missing table gives a clear error."""
from __future__ import annotations


from unittest import mock

import pytest
from streamlit.testing.v1 import AppTest

from app.views import named
from tests.pages import harness
from tests.pages.harness import (HOSTILE, assert_link_refused, assert_table_error, chart_spec,
                                 data_without, table, text_of, traces, values)

PAGE = "pages/benzodiazepines.py"


def run_page(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(harness.ROOT / "dashboard.py"), default_timeout=60).run()
    at.switch_page(PAGE)
    at.query_params.update(query or {})
    return at.run()


@pytest.fixture(scope="module")
def default_run() -> AppTest:
    return run_page()


def test_default_view_draws_two_charts_and_says_it_is_two_places(default_run):
    at = default_run
    assert not at.exception, [e.value for e in at.exception]
    # The class chart beside the key figures, and the open tab's (clonazepam); the other three
    # views wait in their tabs.
    assert len(at.get("plotly_chart")) == 2
    assert [t.label for t in at.tabs] == ["Clonazepam (Klonopin)", "Designer benzodiazepines",
                                          "With fentanyl", "Most often named"]
    text = text_of(at, ("markdown",))
    assert "Two places, not the nation." in text and "Neither stands for the United States." in text
    assert "Clonazepam (Klonopin)" in text
    assert at.button_group(key="drug").value == named.CLONAZEPAM
    assert len(at.button_group(key="drug").options) == len(named.drug_options(
        named.combined(*(harness.table(t) for t in named.NAMED_TABLES)))), "every drug a pill"
    assert not at.get("multiselect"), "the designer tab's control is not drawn while it is closed"
    assert not at.get("selectbox"), "no combobox on arrival: its code slows the first chart"


@pytest.mark.parametrize("view,control,title", [
    ("designer", "multiselect", "Overdose deaths naming designer benzodiazepines"),
    ("fentanyl", None, "with and without fentanyl"),
    ("top", None, "Benzodiazepines named most often")])
def test_each_tab_opens_from_its_link_with_its_one_chart(view, control, title):
    at = run_page({"view": view})
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.get("plotly_chart")) == 2
    assert any(title in m.value for m in at.markdown), title
    if control:
        assert at.get(control), f"the {view} tab draws its control"
    assert "drug" not in [w.key for w in at.get("button_group")], "the clonazepam tab is closed"


def test_the_handout_holds_every_chart_of_every_tab_with_the_linked_choices():
    with mock.patch("app.glue.blocks.handout_button") as button:
        at = harness.run_page(PAGE, {"drug": "alprazolam", "designer": "etizolam",
                                     "view": "fentanyl"})
    assert not at.exception, [e.value for e in at.exception]
    (_, items), kwargs = button.call_args
    assert kwargs["key_figures"], "the key figures lead the handout"
    titles = [item.title for item in items]
    assert len(titles) == 5, titles
    assert titles[0].startswith("Overdose deaths naming a benzodiazepine, prescription or designer")
    assert titles[1].startswith("Overdose deaths naming alprazolam, by place"), titles[1]
    assert titles[2].startswith("Overdose deaths naming designer benzodiazepines")
    assert "with and without fentanyl" in titles[3]
    assert titles[4].startswith("Benzodiazepines named most often")
    assert all(item.figure is not None and item.summary and "Data through" in item.source
               for item in items)
    designer = items[2].figure
    assert [t.name for t in designer.data if t.showlegend is not False] == ["Etizolam"], \
        "the closed designer tab's chart follows the link's choice"


def test_the_ranking_sentence_names_the_drugs_and_who_hid_the_small_counts():
    at = run_page({"view": "top"})
    allegheny = table("allegheny_named_benzodiazepines")
    year = int(allegheny.loc[~allegheny["partial_period"], "year"].max())
    drugs = allegheny[(allegheny["year"] == year) & (allegheny["level"] == "drug")
                      & (allegheny["co_involvement"] == "all")].sort_values("value")
    first = str(drugs.dropna(subset=["value"])["drug_label"].iloc[-1])
    sentence = next(m.value for m in at.markdown if m.value.startswith(f"In {year},"))
    assert f"{first} has the highest value" in sentence, sentence
    assert "suppressed by this dashboard" in sentence and "the publisher" not in sentence, sentence


def test_the_class_chart_plots_exactly_the_processed_counts(default_run):
    allegheny = table("allegheny_named_benzodiazepines")
    rows = allegheny[(allegheny["level"] == "group") & (allegheny["co_involvement"] == "all")]
    lines = traces(default_run, 0)
    for drug in named.CLASS_GROUPS:
        label = named.CLASS_LEGEND[drug]
        expected = rows[(rows["drug"] == drug) & ~rows["partial_period"]].sort_values("year")
        drawn = dict(zip(values(lines[label]["x"]), values(lines[label]["y"])))
        for year, value, hidden in zip(expected["year"], expected["value"],
                                       expected["suppressed"]):
            if hidden:
                gap = drawn.get(year)
                assert gap is None or gap != gap, f"{label} {year}: a suppressed count is drawn"
            else:
                assert drawn[year] == value, (label, year)


def test_the_partial_year_is_marked_and_the_key_figures_use_the_last_full_year(default_run):
    spec = chart_spec(default_run, 0)
    annotations = " ".join(a.get("text", "") for a in spec["layout"].get("annotations", []))
    assert "partial" in annotations, "the partial year is labelled on the chart"
    labels = [m.label for m in default_run.metric]
    allegheny = table("allegheny_named_benzodiazepines")
    full = int(allegheny.loc[~allegheny["partial_period"], "year"].max())
    assert any(label.endswith(f", {full}") for label in labels), labels
    assert any(c.value == f"Key figures: data through {full}, final."
               for c in default_run.caption)


def test_connecticut_by_link_and_the_drug_choice_in_the_url():
    at = run_page({"place": "09", "drug": "alprazolam"})
    assert not at.exception
    assert at.button_group(key="place").value == "09"
    assert at.button_group(key="drug").value == "alprazolam"
    assert any("Connecticut" in label for label in (m.label for m in at.metric))


def test_hostile_link_falls_back_to_the_defaults_with_a_notice():
    at = run_page({"place": HOSTILE, "drug": "<script>", "designer": "nope"})
    assert_link_refused(at, ("markdown", "caption", "text"))
    assert at.button_group(key="place").value == "42003"
    assert at.button_group(key="drug").value == named.CLONAZEPAM


@pytest.mark.parametrize("query,named_keys", [
    ({"view": "bogus", "drug": "xyz", "designer": "zzz"}, ["view", "drug"]),
    ({"view": "designer", "designer": "zzz"}, ["designer"]),
    ({"view": "top", "place": "99"}, ["place"])])
def test_an_invalid_tab_or_choice_in_the_link_is_named_once_in_this_run(query, named_keys):
    """The tabs and the open tab's control come after the page's first notices, so the open tab
    names what it ignored; a closed tab's control (designer, above) is named when it opens."""
    at = run_page(query)
    assert not at.exception, [e.value for e in at.exception]
    said = harness.notices(at)
    assert said and all(any(f"`{key}`" in line for line in said) for key in named_keys), said
    refused = [query[key] for key in named_keys]
    assert not any(value in line for value in refused for line in said), "never echoed"
    again = at.run()  # nothing is left over to be named on the next run
    assert not harness.notices(again), harness.notices(again)


def test_a_missing_table_names_it(tmp_path, serve_data):
    serve_data(data_without("ct_ocme_named_benzodiazepines", tmp_path))
    at = run_page()
    assert_table_error(at, "ct_ocme_named_benzodiazepines")


def test_the_about_page_links_to_the_clonazepam_view():
    at = AppTest.from_file(str(harness.ROOT / "dashboard.py"), default_timeout=60).run()
    at.switch_page("pages/about.py").run()
    links = [p for p in at.get("page_link")]
    assert any("benzodiazepines" in p.proto.page and "Klonopin" in p.proto.label
               for p in links), [(p.proto.page, p.proto.label) for p in links]

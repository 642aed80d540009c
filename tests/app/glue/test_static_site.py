"""app/glue/static_site.py: the site is made by running the pages (every chart of every page and
tab, the presenter left to the deck), each static page holds the figure the interactive view
sends, the stamp follows the data and the code, one build runs at a time, and a server start
rebuilds only a missing or stale site, in the background. (Drawing offline and matching the
interactive view in a browser: tests/browser/test_static_site.py.)"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import devtools
from app.export import static_pages
from app.glue import capture, static_site
from tests.pages.harness import ROOT, chart_specs


@pytest.fixture(scope="module")
def built(static_site_dir: Path) -> Path:
    """The site as static_site.build wrote it from this code and data (shared with the
    browser tests of the static pages: one build per session)."""
    return static_site_dir


def test_declared_pages_are_dashboards():
    assert [(p.file, p.url_path) for p in static_site.declared_pages()] == \
        [(p.file, p.url_path) for p in devtools.dashboard_pages()]


def test_every_chart_of_every_page_and_tab_has_a_page(built: Path):
    index = static_pages.read_site_index(built)
    assert index["stamp"] == static_site.stamp() and static_site.is_current(built)
    pages = {c["page"] for c in index["charts"]}
    expected = {p.url_path for p in static_site.declared_pages()} - static_site.EXCLUDED_PAGES
    assert expected - {"methods"} <= pages, "every page with a chart has static pages"
    assert "present" not in pages, "the presenter's slides are the deck"
    queries = {(c["page"], c["key"]): c["query"] for c in index["charts"]}
    assert queries[("overview", "benzo_trend")] == {}
    assert queries[("states", "states_ranking")] == {"view": "ranking"}, "a tab's own view"
    assert queries[("who", "who_ct_shares")] == {"section": "ct"}
    assert len(queries) == len(index["charts"]), "each chart once"
    for entry in index["charts"]:
        assert entry["title"], entry
        assert (built / entry["path"]).is_file() and (built / entry["path"]).with_suffix(
            ".json").is_file()
    assert (built / "deck.html").stat().st_size > 4_000_000, "plotly.js inside the deck"
    assert (built / "vendor" / "plotly.min.js").is_file()


def interactive_specs(page: str, query: dict[str, str]) -> list[dict]:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.query_params.update(query)
    at.switch_page(page)
    at.run()
    assert not at.exception
    return chart_specs(at)


@pytest.mark.parametrize("page,query,key", [("pages/overview.py", {}, "benzo_trend"),
                                            ("pages/who.py", {"section": "ct"}, "who_ct_shares"),
                                            ("pages/states.py", {}, "states_map")])
def test_a_static_page_holds_the_figure_the_view_sends(built: Path, page, query, key):
    entry = next(c for c in static_pages.read_site_index(built)["charts"] if c["key"] == key)
    saved = json.loads((built / entry["path"]).with_suffix(".json").read_text())
    sent = [s for s in interactive_specs(page, query) if s["data"] == saved["data"]]
    assert sent and sent[0]["layout"] == saved["layout"]


def test_each_page_says_source_definition_and_how_recent(built: Path):
    text = (built / "charts" / "overview" / "benzo_trend.html").read_text(encoding="utf-8")
    assert "Underlying cause (NCHS standard): Deaths with an underlying cause" in text
    assert "The chart shows 1999–2022." in text
    assert "The source&#x27;s data run through 2022 (final), released 2024-05-02." in text
    derived = (built / "charts" / "opioids" / "split_any_opioid_count_all.html").read_text()
    assert "data run through" in derived, "a derived frame's source is found from its caption"


def test_a_chart_without_a_title_stops_the_build():
    record = capture.ChartRecord("k", None, pd.DataFrame(), "Source: x.", "s", "")
    with pytest.raises(static_site.BuildError, match="export_title"):
        static_site.static_chart(static_site.DeclaredPage("pages/x.py", "x", "X"), (), record,
                                 {})


def test_shown_span():
    assert static_site.shown_span(pd.DataFrame({"year": [2001, 1999, 2022]})) == \
        "The chart shows 1999–2022."
    assert static_site.shown_span(pd.DataFrame({"year": [2019, 2025], "month": [1, 6]})) == \
        "The chart shows January 2019–June 2025."
    assert static_site.shown_span(pd.DataFrame({"year": [2023]})) == "The chart shows 2023."
    assert static_site.shown_span(pd.DataFrame({"age_group": ["15-24"]})) == ""


def test_stamp_follows_the_tables_and_the_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    before = static_site.stamp()
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    manifest = json.loads((data / "manifest.json").read_text())
    name = sorted(manifest["tables"])[0]
    manifest["tables"][name]["sha256"] = "0" * 64
    (data / "manifest.json").write_text(json.dumps(manifest))
    changed = static_site.stamp(data)
    assert changed.split(".")[0] != before.split(".")[0] and \
        changed.split(".")[1] == before.split(".")[1]
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "x.py").write_text("a = 1")
    first = static_site.code_digest(tmp_path)
    (tmp_path / "app" / "x.py").write_text("a = 2")
    assert static_site.code_digest(tmp_path) != first


def test_one_build_at_a_time(tmp_path: Path):
    site = tmp_path / "site"
    with static_site._lock(site):
        with pytest.raises(static_site.SiteBusy):
            with static_site._lock(site, wait_s=0):
                pass
    lock = tmp_path / ".site.lock"
    lock.write_text("999999999")  # a builder that is gone
    with static_site._lock(site, wait_s=0):
        assert lock.read_text() == str(os.getpid())
    assert not lock.exists()


def test_server_start_rebuilds_only_a_stale_site(monkeypatch: pytest.MonkeyPatch):
    started = []
    monkeypatch.setattr(subprocess, "Popen", lambda args, **kw: started.append(args))
    monkeypatch.setattr(static_site, "is_current", lambda *a: True)
    static_site._refresh()
    assert started == []
    monkeypatch.setattr(static_site, "is_current", lambda *a: False)
    static_site._refresh()
    assert started and started[0][1:] == ["-m", "app.glue.static_site", "build", "--if-stale",
                                          "--nice", "--no-wait"]


def test_server_start_can_be_told_not_to(monkeypatch: pytest.MonkeyPatch):
    threads = []
    monkeypatch.setattr(static_site, "_refresh_started", False)
    monkeypatch.setenv(static_site.DISABLE_ENV, "off")
    monkeypatch.setattr(static_site.threading, "Thread", lambda **kw: threads.append(kw))
    static_site.refresh_in_background()
    static_site.refresh_in_background()
    assert threads == []


def test_check_command(tmp_path: Path, built: Path, capsys: pytest.CaptureFixture):
    assert static_site.main(["check", "--out", str(tmp_path / "none")]) == 1
    assert static_site.main(["check", "--out", str(built)]) == 0
    assert "current" in capsys.readouterr().out

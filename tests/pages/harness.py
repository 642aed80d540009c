"""What the page tests share: run one page file as a link would open it; read the processed tables
straight from data/ (never through app/, so a page is checked against the files, not against
itself); decode the Plotly charts and text a page sent; and check the rules every page keeps: a
hostile link is refused with a notice and never echoed, a control set back to its default leaves
the URL, and a missing table gives an error that names it instead of a traceback."""
from __future__ import annotations

import base64
import json
import shutil
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

import devtools
from app.glue import blocks

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
HOSTILE = "<script>alert(1)</script>"


def dashboard_pages() -> list[str]:
    """The page files dashboard.py registers with st.Page, in menu order (devtools)."""
    return [page.file for page in devtools.dashboard_pages()]


def run_page(page: str, query: dict[str, str] | None = None) -> AppTest:
    """One run of a page file ("pages/about.py") as opened from a link carrying `query`."""
    at = AppTest.from_file(str(ROOT / page), default_timeout=30)
    at.query_params.update(query or {})
    return at.run()


def open_chart_details(at: AppTest) -> AppTest:
    """Open every chart's "Show data", "Cite and reproduce this view" and "Embed this chart"
    expander, as a reader clicking each one would, and rerun: their tables, CSV buttons, code and
    snippets are drawn only while open (app.glue.blocks.chart_block)."""
    for key in list(at.session_state.keys()):
        if key.startswith((blocks.SHOW_DATA_KEY, blocks.CITE_KEY, blocks.EMBED_KEY)):
            at.session_state[key] = True
    return at.run()


def tab_groups(at: AppTest) -> dict[str, list[str]]:
    """The page's keyed tab groups (app.glue.urlstate.tabs): widget key -> tab labels. Only the open
    tab of each is drawn, so a test that wants every chart opens each label in turn by setting
    `at.session_state[key]`."""
    groups: dict[str, list[str]] = {}

    def walk(node: object) -> None:
        for child in getattr(node, "children", {}).values():
            if getattr(child, "type", "") == "tab_container":
                element_id = child.proto.tab_container.id  # "$$ID-<hash>-<user key>"
                if element_id.startswith("$$ID-") and element_id.count("-") >= 2:
                    groups[element_id.split("-", 2)[2]] = [t.label for t in
                                                           child.children.values()]
            walk(child)

    walk(at.main)
    return groups


# The processed files, read without app/ -----------------------------------------------------------

def manifest() -> dict:
    """data/manifest.json as the build wrote it, the source of expected counts and file names."""
    return json.loads((DATA / "manifest.json").read_text(encoding="utf-8"))


def table(name: str) -> pd.DataFrame:
    """A processed table read from its Parquet file: expected values never come from app.data."""
    return pd.read_parquet(DATA / manifest()["tables"][name]["file"])


def nida_national(measure: str = "deaths", sex: str = "all", *, dropna: bool = True
                  ) -> pd.DataFrame:
    """NIDA's U.S. year × drug group series (all ages and races) that several pages chart."""
    nida = table("nida_national")
    rows = nida[(nida["measure"] == measure) & (nida["sex"] == sex)
                & (nida["age_group"] == "all") & (nida["race_ethnicity"] == "all")]
    return rows.pivot_table(index="year", columns="drug_group", values="value", dropna=dropna)


def data_without(table_name: str, tmp_path: Path) -> Path:
    """A copy of data/ lacking one table's file: a partial build, as a page would meet it."""
    copy = tmp_path / "data"
    shutil.copytree(DATA, copy)
    (copy / manifest()["tables"][table_name]["file"]).unlink()
    return copy


# What a page drew ------------------------------------------------------------------------------

def chart_specs(at: AppTest) -> list[dict]:
    """Every Plotly figure the page drew, in order, as sent to the browser (what a reader sees)."""
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def chart_spec(at: AppTest, index: int = 0) -> dict:
    """The page's index-th Plotly figure as sent to the browser (what a reader sees)."""
    return json.loads(at.get("plotly_chart")[index].proto.spec)


def values(array: list | dict) -> list:
    """A trace's x or y as a list: Plotly sends numeric arrays as base64 typed arrays."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array)


def traces(at: AppTest, index: int = 0, *, mode: str | None = None) -> dict[str, dict]:
    """The index-th chart's named traces with data, by name; `mode` keeps only those drawn so."""
    return {t["name"]: t for t in chart_spec(at, index)["data"]
            if t.get("name") and t.get("y") is not None and (mode is None or t.get("mode") == mode)}


def text_of(at: AppTest, kinds: Iterable[str]) -> str:
    """The page's elements of these kinds (markdown, caption…) as one string, to search it."""
    return "\n".join(str(e.value) for kind in kinds for e in getattr(at, kind))


def metrics(at: AppTest) -> dict[str, str]:
    """The metric cards, value by label, to compare with numbers computed from the files."""
    return {m.label: m.value for m in at.metric}


def notices(at: AppTest) -> list[str]:
    """The captions saying which link settings the page ignored (a bad link is never silent)."""
    return [c.value for c in at.caption if "Ignored" in c.value]


# The rules every page keeps ---------------------------------------------------------------------

def assert_link_refused(at: AppTest, kinds: Iterable[str], *, notice: str = "Ignored",
                        markup: Iterable[str] = ("<script>",)) -> None:
    """A hostile link: the page runs, a caption containing `notice` says so, no `markup` shows."""
    assert not at.exception, [e.value for e in at.exception]
    assert any(notice in c.value for c in at.caption), notices(at)
    shown = text_of(at, kinds)
    for bad in markup:
        assert bad not in shown, bad


def assert_table_error(at: AppTest, table_name: str) -> None:
    """A missing table: the page runs, names the table in an error (what to rebuild), no chart."""
    assert not at.exception, [e.value for e in at.exception]
    assert any(table_name in e.value for e in at.error), [e.value for e in at.error]
    assert not at.get("plotly_chart")


def assert_default_leaves_link(at: AppTest, kind: str, key: str, default: object) -> None:
    """Set a control back to its default and rerun: its key leaves the URL, keeping links short."""
    getattr(at, kind)(key=key).set_value(default).run()
    assert key not in at.query_params, f"{key}: the default is left out of the link"

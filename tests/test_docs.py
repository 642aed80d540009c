"""The documentation matches the project: the README's first two commands install and start the
dashboard (python -m deploy start, on dashboard.py) and run the tests; dashboard.py's page list
and pages/ agree; every processed table in the manifest can be downloaded from the Data and
methods page."""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from deploy import serve

ROOT = Path(__file__).resolve().parents[1]


def fenced_blocks(markdown: str) -> list[str]:
    return [m.group(1).strip() for m in re.finditer(r"^```[\w-]*\n(.*?)^```", markdown,
                                                     flags=re.M | re.S)]


def dashboard_pages() -> list[str]:
    tree = ast.parse((ROOT / "dashboard.py").read_text(encoding="utf-8"))
    return [node.args[0].value for node in ast.walk(tree)
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "Page"]


def test_readme_starts_with_the_install_and_run_then_the_test_command():
    blocks = fenced_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(blocks) >= 2, "the README needs at least two fenced commands"
    install_and_run, tests = blocks[0], blocks[1]
    assert "pip install -r requirements.txt" in install_and_run
    # `python -m deploy start` runs dashboard.py in one warmed Streamlit process.
    assert install_and_run.endswith("python -m deploy start"), install_and_run
    assert serve.APP == "dashboard.py" and (ROOT / serve.APP).is_file()
    assert re.fullmatch(r"python -m pytest\b.*", tests), tests
    assert (ROOT / "requirements.txt").is_file()


def test_every_listed_page_exists_and_every_page_is_listed():
    listed = dashboard_pages()
    assert listed, "dashboard.py lists no st.Page"
    assert len(listed) == len(set(listed)), "a page is listed twice"
    missing = [p for p in listed if not (ROOT / p).is_file()]
    assert not missing, f"dashboard.py lists pages that do not exist: {missing}"
    on_disk = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py")
                     if p.name != "__init__.py")
    unlisted = sorted(set(on_disk) - set(listed))
    assert not unlisted, f"pages/ has files dashboard.py does not list: {unlisted}"


def test_every_manifest_table_has_downloads_on_the_methods_page():
    manifest = json.loads((ROOT / "data" / "manifest.json").read_text(encoding="utf-8"))
    at = AppTest.from_file(str(ROOT / "pages" / "methods.py"), default_timeout=30).run()
    assert not at.exception, [e.value for e in at.exception]
    keys = {button.key for button in at.get("download_button")}
    for name in manifest["tables"]:
        assert f"download_csv_{name}" in keys, f"no CSV download for {name}"
        assert f"download_parquet_{name}" in keys, f"no Parquet download for {name}"

"""No HTML injection path: the app never renders raw HTML (`unsafe_allow_html`, `st.html`,
components) with any value, so nothing from the data or the URL can become markup."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RAW_HTML = re.compile(r"unsafe_allow_html\s*=\s*True|st\.html\(|components\.v1|components\.html")


def test_no_raw_html_rendering_anywhere_in_the_app():
    offenders = []
    for path in [ROOT / "dashboard.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "app").glob("*.py")]:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if RAW_HTML.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []

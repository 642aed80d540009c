"""app/views/citations.py: the BibTeX and RIS of a view parse back, field by field, into what the
manifest says of each source (publisher, title, release year, vintage, data through, released,
retrieved), with the view's link and the access date; TeX's special characters cannot break an
entry. The parsers here are the test's own, written from the formats, not from the module."""
from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from app.views import citations

DATA = Path(__file__).resolve().parents[3] / "data"
ACCESSED = date(2030, 1, 2)
LINK = "https://dash.example/explorer?table=wonder_mcd&geo=state&years=2010,2020"


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads((DATA / "manifest.json").read_text())


def parse_bibtex(text: str) -> list[dict[str, str]]:
    """Entries of a .bib text as {"type", "key", field: raw value}; fails on unbalanced braces,
    a field outside braces or text between entries."""
    entries, i = [], 0
    while True:
        i = _skip_space(text, i)
        if i == len(text):
            return entries
        head = re.compile(r"@(\w+)\{([^,\s{}]+),").match(text, i)
        assert head, f"no entry head at {text[i:i + 40]!r}"
        entry = {"type": head.group(1), "key": head.group(2)}
        i = head.end()
        while True:
            i = _skip_space(text, i)
            if text[i] == "}":
                i += 1
                break
            field = re.compile(r"(\w+)\s*=\s*\{").match(text, i)
            assert field, f"no field at {text[i:i + 40]!r}"
            value, i = _braced(text, field.end() - 1)
            assert field.group(1) not in entry, f"repeated field {field.group(1)}"
            entry[field.group(1)] = value
            i = _skip_space(text, i)
            if text[i] == ",":
                i += 1
        entries.append(entry)


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i].isspace():
        i += 1
    return i


def _braced(text: str, i: int) -> tuple[str, int]:
    """The text inside the brace group opening at text[i], and the index after it; a brace
    escaped with a backslash does not count."""
    assert text[i] == "{"
    depth, j = 0, i
    while j < len(text):
        c = text[j]
        if c == "\\":
            j += 2
            continue
        depth += {"{": 1, "}": -1}.get(c, 0)
        if depth == 0:
            return text[i + 1:j], j + 1
        j += 1
    raise AssertionError("unbalanced braces")


def parse_ris(text: str) -> list[dict[str, list[str]]]:
    """Records of a .ris text as {tag: [values]}: every line `XX  - value`, TY first, ER last."""
    records, current = [], None
    for line in text.splitlines():
        if not line.strip():
            continue
        match = re.fullmatch(r"([A-Z][A-Z0-9])  - (.*)", line)
        assert match, f"not a RIS line: {line!r}"
        tag, value = match.groups()
        if current is None:
            assert tag == "TY", "a record starts with TY"
            current = {}
        current.setdefault(tag, []).append(value)
        if tag == "ER":
            records.append(current)
            current = None
    assert current is None, "the last record has no ER"
    return records


def unescape(value: str) -> str:
    """A BibTeX value as a reader sees it: corporate braces, escapes and dashes undone."""
    value = value.removeprefix("{").removesuffix("}") if value.startswith("{") else value
    value = re.sub(r"\\url\{([^}]*)\}", r"\1", value)
    value = value.replace("---", "\u2014").replace("--", "\u2013")
    return re.sub(r"\\([&%$#_{}])", r"\1", value)


def test_bibtex_and_ris_parse_back_to_the_manifest(manifest):
    ids = ["cdc_wonder", "nida_workbook", "ct_ocme"]
    refs = citations.source_references(ids, manifest, url=LINK, accessed=ACCESSED,
                                       notes=["View: crude death rate; by state."])
    bib = parse_bibtex(citations.bibtex(refs))
    ris = parse_ris(citations.ris(refs))
    assert len(bib) == len(ris) == 3
    for source_id, entry, record in zip(ids, bib, ris):
        info = manifest["sources"][source_id]
        assert entry["type"] == "misc"
        assert entry["author"].startswith("{") and entry["author"].endswith("}"), \
            "a corporate author is braced, so BibTeX does not split it into names"
        assert unescape(entry["author"]) == info["publisher"] == record["AU"][0]
        assert unescape(entry["title"]) == info["title"] == record["TI"][0]
        year = (info.get("released") or info["retrieved"])[:4]
        assert entry["year"] == year and record["PY"] == [year]
        assert entry["url"] == LINK and record["UR"] == [LINK]
        assert LINK in unescape(entry["howpublished"])
        assert entry["urldate"] == "2030-01-02" and record["Y2"] == ["2030/01/02"]
        note, n1 = unescape(entry["note"]), record["N1"][0]
        for fact in (info["vintage"], f"data through {info['data_through']}",
                     f"retrieved {info['retrieved']}", "View: crude death rate; by state.",
                     f"code version {manifest['code_version']}"):
            assert fact in note and fact in n1, fact
        if info.get("released"):
            assert f"released {info['released']}" in note
            assert record["DA"] == [info["released"].replace("-", "/")]
        else:
            assert "release date not recorded" in note and "DA" not in record
        assert "Accessed 2030-01-02" in note
        assert record["TY"] == ["DATA"] and record["ER"] == [""]


def test_keys_are_unique_and_each_source_is_cited_once(manifest):
    refs = citations.source_references(["cdc_wonder", "cdc_wonder", "nida_workbook"], manifest,
                                       url=None, accessed=ACCESSED)
    keys = [e["key"] for e in parse_bibtex(citations.bibtex(refs))]
    assert keys == ["cdc_wonder_2022", "nida_workbook_2024"]
    assert citations._unique_key("a_1", {"a_1"}) == "a_1_2"


def test_without_a_link_the_source_page_is_the_url(manifest):
    refs = citations.source_references(["nida_workbook"], manifest, url=None, accessed=ACCESSED)
    landing = manifest["sources"]["nida_workbook"]["landing_url"]
    assert parse_bibtex(citations.bibtex(refs))[0]["url"] == landing
    assert parse_ris(citations.ris(refs))[0]["UR"] == [landing]


def test_special_characters_cannot_break_an_entry():
    nasty = "50% of {braces} & #hash_tag ~ ^caret \\back — done – ok"
    ref = citations.Reference(key="k", author=nasty, title=nasty, year="2020",
                              url="https://x.example/a?b=1%2C2#top", accessed=ACCESSED,
                              vintage=nasty, provider="Dashboard", notes=(nasty,))
    entry = parse_bibtex(citations.bibtex([ref]))[0]
    for field in ("title", "note"):
        value = entry[field]
        assert not re.search(r"(?<!\\)[%&#_$]", value), f"{field}: unescaped special: {value}"
        assert "---" in value and "--" in value
    assert entry["url"] == "https://x.example/a?b=1%2C2#top"
    assert r"\url{https://x.example/a?b=1\%2C2\#top}" in entry["howpublished"]
    record = parse_ris(citations.ris([ref]))[0]
    assert record["TI"] == [" ".join(nasty.split())]


def test_vintage_note_and_year_say_what_is_missing():
    assert citations.vintage_note({}) == "Release date not recorded."
    note = citations.vintage_note({"vintage": "v1", "data_through": "2022",
                                   "last_period_status": "final", "released": "2024-05-02",
                                   "retrieved": "2026-12-02"})
    assert note == ("Vintage: v1; data through 2022 (final); released 2024-05-02; "
                    "retrieved 2026-12-02.")
    assert citations.citation_year({"released": "2024-05-02"}, ACCESSED) == "2024"
    assert citations.citation_year({"retrieved": "2026-11-23"}, ACCESSED) == "2026"
    assert citations.citation_year({}, ACCESSED) == "2030"

"""CDC WONDER API: current national benzodiazepine overdose deaths, by year and by month.

Why: NIDA's workbook (etl/nida.py) stops at its last final year and is replaced only when NIDA
updates its page; CDC WONDER has final data through the latest final year (D157, "Multiple Cause
of Death, 2018-2023 [or later], Single Race") and provisional data through last month (D176,
"Provisional Mortality Statistics, 2018 through Last Month/Week"). WONDER answers *national*
queries (no state grouping or filter) through an XML API, so the national series can be refreshed
by a script: `python -m etl fetch --source wonder_api --accept-wonder-terms`.

Definition `ucd_overdose`, the one NIDA and NCHS publish: underlying cause of death X40–X44,
X60–X64, X85, Y10–Y14, and T42.4 (benzodiazepines) among the multiple causes; "with any opioid"
adds a second multiple-cause box T40.0–T40.4, T40.6. WONDER AND-s its code boxes and cannot say
"not", so "without any opioid" is computed here as the difference, only where neither count is
suppressed. (The `.txt` exports of etl/wonder.py used the multiple-cause definition instead.)

Queries (QUERIES): D176 and D157 × by year / by month × benzodiazepines / with any opioid. Each
response is kept untouched as `<database>_<grouping>_<drug group>.response.xml` beside the request
that produced it (`.request.xml`) and a FETCHED.json record (URL, time, sha256, WONDER's vintage,
the data-use acceptance). The build parses whatever was fetched; a folder with nothing fetched is
a normal state: the source is skipped and the build summary says so.

What is documented and what is assumed. Documented on WONDER's API help page
(https://wonder.cdc.gov/wonder/help/WONDER-API.html, read through CDC's example repository
github.com/alipphardt/cdc-wonder-api and its D76 example request and response): the POST to
`/controller/datarequest/<database>` with form fields `request_xml` and
`accept_datause_restrictions=true`; the `<request-parameters>` format and the B_/M_/F_/I_/V_/O_
parameter families with action-Send, stage and finder-stage; national data only; one query every
two minutes for automated use; the response `<page>` with `<dataset code label vintage>`,
`<response><request query-date>` (echoing the request-parameters), `<byvariables>`,
`<measure-selections>`, `<data-table>` rows `<r>` of cells `<c l="label" r="rowspan">` and
`<c v="1,234">` (thousands separators), and `<caveats>`. Seen in third-party material only: an
invalid request answers HTTP 500 with a `<message>`; D176's and D157's variable numbers (from
request files their web forms saved in 2025). ASSUMED until checked against the live service —
each one sits in the request builder or the response reader below, marked "ASSUMED":
that the API serves D176 and D157 at all; the way the underlying cause is limited (F_<db>.V2 with
the sixteen codes); the AND-ed second multiple-cause box (V_<db>.V13_AND in advanced mode); that
cells read "Suppressed", "Unreliable" or "12.3 (Unreliable)" as in the `.txt` exports; that a
label cell may carry the period code in `c` and a total row uses `dt`; that month labels read
"Jan., 2024" with an optional "(provisional)" / "(provisional and partial)". README.md says what
was verified against the live service (nothing, yet: this machine is offline).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from xml.parsers import expat

import pandas as pd
import requests

from etl import wonder
from etl.fetch import (
    FETCHED_NAME,
    FetchError,
    TermsNotAccepted,
    make_session,
    merge_fetched,
)
from etl.registry import US_FIPS
from etl.source import ParseResult, RawFile, Source, SourceFormatError, TableSpec
from etl.tidy import tidy_frame

API_BASE = "https://wonder.cdc.gov/controller/datarequest"
TABLE = "wonder_api_national"
NIDA_TABLE = "nida_national"
FETCH_COMMAND = "python -m etl fetch --source wonder_api --accept-wonder-terms"


@dataclass(frozen=True)
class Database:
    code: str
    label_prefix: str
    """How the response's <dataset label> starts (D176 was "...through Last Month", now "Week")."""
    final: bool
    terms_url: str
    """The database's page, which shows its data-use restrictions."""


DATABASES: dict[str, Database] = {
    "D176": Database("D176", "Provisional Mortality Statistics", final=False,
                     terms_url="https://wonder.cdc.gov/mcd-icd10-provisional.html"),
    "D157": Database("D157", "Multiple Cause of Death", final=True,
                     terms_url="https://wonder.cdc.gov/mcd-icd10-expanded.html"),
}

SOURCE = Source(
    id="cdc_wonder_api",
    title="CDC WONDER API: national benzodiazepine overdose deaths, 2018 to last month",
    publisher="Centers for Disease Control and Prevention, National Center for Health Statistics",
    landing_url="https://wonder.cdc.gov/wonder/help/WONDER-API.html",
    raw_folder="cdc_wonder_api_national",
    files=(),  # whatever the last fetch saved: see source_for()
    tables=(TableSpec(
        TABLE,
        "CDC WONDER national benzodiazepine overdose deaths by year and month, 2018 onward",
        "Deaths, crude rates and populations from CDC WONDER API queries: final data (D157) "
        "through the latest final year and provisional data (D176) through the latest month, "
        "United States, benzodiazepines all / with any opioid / without any opioid. "
        "Underlying-cause definition, the same as NIDA's national series."),),
    coverage="United States, 2018 to the latest month in WONDER (as fetched); by year and month",
    definitions=("ucd_overdose",),
    citation=(
        "Centers for Disease Control and Prevention, National Center for Health Statistics. "
        "National Vital Statistics System, Mortality: Multiple Cause of Death, 2018 and later, "
        "Single Race (final) and Provisional Mortality Statistics, 2018 through last month, on "
        "CDC WONDER Online Database (API), http://wonder.cdc.gov/ (queries as fetched; dates in "
        "FETCHED.json)."),
    retrieved="",  # the fetch date, from FETCHED.json (source_for)
    caveats=(
        "Underlying cause X40–X44, X60–X64, X85, Y10–Y14 with T42.4 among the multiple causes: "
        "NIDA's definition, so counts of final years must equal NIDA's (a build check).",
        "Rows from D176 are provisional: counts of recent months rise as records arrive; the "
        "latest months are incomplete.",
        "'Without any opioid' is computed (all minus with any opioid); it is missing where "
        "either count is suppressed.",
        "Crude rates from fewer than 20 deaths are flagged unreliable by WONDER.",
        "National data only: WONDER's API refuses state grouping or filters.",
    ),
)

# Parts of a response the reader relies on (element paths under <page>).
COLUMNS: dict[str, str] = {
    "dataset@code, @label, @vintage": "database id (D176, D157), its name, its vintage",
    "response/request@query-date": "when WONDER ran the query",
    "response/request/byvariables/variable@code": "<db>.V1-level1 (year) or <db>.V1-level2 "
                                                  "(month): one label cell per row each",
    "response/request/request-parameters": "WONDER's echo of the request: checked against the "
                                           "request file sent",
    "response/measure-selections/measure@code": "<db>.M1 deaths, .M2 population, .M3 crude "
                                                "rate: one value cell per row each, in order",
    "response/data-table/r/c": "label cells @l (and @r rowspan, @c code), value cells @v "
                               "('1,234', 'Suppressed', 'Unreliable', 'Not Applicable')",
    "response/caveats/caveat": "notes; D176 states 'Deaths occurring through ... as of ...'",
}
MEASURES: dict[str, tuple[str, str]] = {  # measure suffix -> tidy measure, unit
    "M1": ("deaths", "deaths"),
    "M2": ("population", "persons"),
    "M3": ("crude_rate", wonder.RATE_UNIT),
}
POPULATION_NOTE = "population WONDER uses for this database and year (see its caveats)"
ALL = "benzodiazepines"
WITH = "benzodiazepines_with_any_opioid"
WITHOUT = "benzodiazepines_without_any_opioid"
UCD_CODES: tuple[str, ...] = tuple(sorted(wonder.OVERDOSE_INTENT_CODES))
CODES_BY_DRUG: dict[str, frozenset[str]] = {d: c for c, d in wonder.DRUG_BY_CODES.items()}
DIFFERENCE_NOTE = ("computed: benzodiazepines minus benzodiazepines with any opioid (WONDER "
                   "AND-s its code boxes, so 'without' cannot be queried)")
FINAL_PREFERRED_NOTE = ("NCHS labels this period final, but the final database D157 did not "
                        "have it when fetched: from the provisional database D176")


@dataclass(frozen=True)
class Query:
    database: str
    grouping: str
    """'year' or 'month'."""
    drug_group: str
    """ALL or WITH (WITHOUT is their difference)."""

    @property
    def stem(self) -> str:
        return f"{self.database}_{self.grouping}_{self.drug_group}"

    @property
    def request_name(self) -> str:
        return f"{self.stem}.request.xml"

    @property
    def response_name(self) -> str:
        return f"{self.stem}.response.xml"


QUERIES: tuple[Query, ...] = tuple(Query(db, grouping, drug) for db in ("D176", "D157")
                                   for grouping in ("year", "month") for drug in (ALL, WITH))
RESPONSE_SUFFIX = ".response.xml"
REQUEST_SUFFIX = ".request.xml"


# --- Request builder: every WONDER parameter name and value is written here, nowhere else -----
#
# Documented (help page, CDC example repository): the parameter families, O_ucd, O_mcd, O_age,
# O_javascript, O_precision, O_rate_per, O_timeout (seconds, 60-900), O_show_totals,
# O_show_zeros, O_show_suppressed, O_V<n>_fmode freg|fadv, action-Send, stage, finder-stage.
# From the saved D176/D157 form requests (third party, 2025): the variable numbers and defaults
# in _FORM below, D176's O_dates and O_MMWR.
# ASSUMED (verify online, README "CDC WONDER API"): the underlying-cause selection by codes in
# F_<db>.V2 with O_ucd=<db>.V2; both multiple-cause boxes in advanced mode, one code per <value>
# (V_<db>.V13 and V_<db>.V13_AND); I_ labels carrying codes only; accept_datause_restrictions
# also as a parameter inside the XML (the R clients add it there, the Python example as a form
# field: both are sent).

@dataclass(frozen=True)
class _Form:
    finders: tuple[str, ...]
    """Variables with F_ (finder) and finder-stage parameters."""
    labels: dict[str, str]
    """I_ parameters: the 'currently selected' text of a finder."""
    lists: tuple[str, ...]
    """L_ parameters (left at *All*)."""
    values: dict[str, str]
    """V_ parameters and the form's default value."""
    fmodes: dict[str, str]
    options: dict[str, str]
    """O_ parameters that only one database has."""


_ALL_DATES, _US, _ALL_CAUSES = "*All* (All Dates)", "*All* (The United States)", \
    "*All* (All Causes of Death)"
_FORM: dict[str, _Form] = {
    "D176": _Form(
        finders=("V1", "V10", "V100", "V13", "V2", "V25", "V26", "V27", "V77", "V79", "V80", "V9"),
        labels={"V1": _ALL_DATES, "V10": _US, "V100": _ALL_DATES, "V2": _ALL_CAUSES,
                "V25": _ALL_CAUSES, "V27": _US, "V77": _US, "V79": _US, "V80": _US, "V9": _US},
        lists=("V15", "V16"),
        values={**{v: "" for v in ("V1", "V10", "V100", "V15", "V16", "V2", "V25", "V26",
                                   "V27", "V77", "V79", "V80", "V9", "V13", "V13_AND",
                                   "V15_AND", "V16_AND", "V26_AND")},
                **{v: "*All*" for v in ("V11", "V12", "V17", "V19", "V20", "V21", "V22", "V23",
                                        "V4", "V42", "V43", "V44", "V5", "V51", "V52", "V7",
                                        "V81", "V89")},
                "V6": "00"},
        fmodes={"V1": "freg", "V10": "freg", "V100": "freg", "V13": "fadv", "V15": "fadv",
                "V16": "fadv", "V2": "freg", "V25": "freg", "V26": "fadv", "V27": "freg",
                "V77": "freg", "V79": "freg", "V80": "freg", "V9": "freg"},
        options={"O_MMWR": "false", "O_dates": "YEAR", "O_death_location": "D176.V79",
                 "O_death_urban": "D176.V89"}),
    "D157": _Form(
        finders=("V1", "V10", "V13", "V2", "V25", "V26", "V27", "V30", "V31", "V9"),
        labels={"V1": _ALL_DATES, "V10": _US, "V2": _ALL_CAUSES, "V25": _ALL_CAUSES,
                "V27": _US, "V30": _US, "V31": _US, "V9": _US},
        lists=("V15", "V16"),
        values={**{v: "" for v in ("V1", "V10", "V15", "V16", "V2", "V25", "V26", "V27", "V30",
                                   "V31", "V9", "V13", "V13_AND", "V15_AND", "V16_AND",
                                   "V26_AND")},
                **{v: "*All*" for v in ("V11", "V12", "V17", "V19", "V20", "V21", "V22", "V23",
                                        "V24", "V4", "V42", "V43", "V44", "V45", "V5", "V51",
                                        "V52", "V7")},
                "V6": "00"},
        fmodes={"V1": "freg", "V10": "freg", "V13": "fadv", "V15": "fadv", "V16": "fadv",
                "V2": "freg", "V25": "freg", "V26": "fadv", "V27": "freg", "V30": "freg",
                "V31": "freg", "V9": "freg"},
        options={}),
}
O_TIMEOUT_SECONDS = 600  # WONDER's longest "data access timeout" but one (documented: 60-900)


def request_parameters(query: Query) -> list[tuple[str, list[str]]]:
    """(name, values) of every parameter of one query, in the order the forms save them."""
    db, form = query.database, _FORM[query.database]
    level = {"year": "level1", "month": "level2"}[query.grouping]
    mcd_and = sorted(CODES_BY_DRUG["any_opioid"]) if query.drug_group == WITH else []
    benzo = sorted(CODES_BY_DRUG["benzodiazepines"])
    finder = {v: ["*All*"] for v in form.finders} | {"V2": list(UCD_CODES), "V13": benzo}
    labels = form.labels | {"V2": " ".join(UCD_CODES)}
    values = {v: [d] for v, d in form.values.items()} | {"V13": benzo, "V13_AND": mcd_and or [""]}
    params: list[tuple[str, list[str]]] = [("accept_datause_restrictions", ["true"])]
    params += [(f"B_{i}", [f"{db}.V1-{level}" if i == 1 else "*None*"]) for i in range(1, 6)]
    params += [(f"F_{db}.{v}", finder[v]) for v in sorted(form.finders)]
    params += [(f"I_{db}.{v}", [labels[v]]) for v in sorted(labels)]
    params += [(f"L_{db}.{v}", ["*All*"]) for v in form.lists]
    params += [(f"M_{n}", [f"{db}.M{n}"]) for n in (1, 2, 3)]
    options = {f"O_{v}_fmode": mode for v, mode in form.fmodes.items()} | form.options | {
        "O_aar": "aar_none", "O_aar_pop": "0000", "O_age": f"{db}.V5", "O_javascript": "on",
        "O_location": f"{db}.V9", "O_mcd": f"{db}.V13", "O_precision": "1",
        "O_race": f"{db}.V42", "O_rate_per": "100000", "O_show_totals": "false",
        "O_show_zeros": "true", "O_show_suppressed": "true",
        "O_timeout": str(O_TIMEOUT_SECONDS), "O_title": f"benzo-overdose-dashboard {query.stem}",
        "O_ucd": f"{db}.V2", "O_urban": f"{db}.V19"}
    params += [(name, [options[name]]) for name in sorted(options)]
    params += [(f"VM_{db}.M6_{db}.{v}", ["" if v == "V10" else "*All*"])
               for v in ("V10", "V17", "V1_S", "V42", "V7")]
    params += [(f"V_{db}.{v}", values[v]) for v in sorted(values)]
    params += [("action-Send", ["Send"]), ("dataset_code", [db])]
    params += [(f"finder-stage-{db}.{v}", ["codeset"]) for v in sorted(form.finders)]
    params += [(f"finder-stage-{db}.{v}", [""]) for v in form.lists]
    params += [("stage", ["request"])]
    return params


def build_request(query: Query) -> str:
    """The request XML of one query: POSTed as `request_xml`, kept beside the answer."""
    root = ET.Element("request-parameters")
    for name, values in request_parameters(query):
        parameter = ET.SubElement(root, "parameter")
        ET.SubElement(parameter, "name").text = name
        for value in values:
            ET.SubElement(parameter, "value").text = value
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


# --- Data-use terms and pace ---------------------------------------------------------------

DATA_USE_TERMS = (
    "CDC WONDER data-use restrictions (summary; the binding text is on "
    + " and ".join(d.terms_url for d in DATABASES.values())
    + "): NCHS data may be used only for health statistical reporting and analysis (Public "
    "Health Service Act, 42 U.S.C. 242m(d)); make no attempt to learn the identity of any "
    "person or establishment in the data, and make no use of an identity discovered "
    "inadvertently (report it to the NCHS Confidentiality Officer); for sub-national geography, "
    "do not present or publish death counts of 9 or fewer or rates based on them.")
PACE_SECONDS = 120.0
"""CDC asks automated users for at most one query every 2 minutes (API help page). The fetch
waits this long after each answer before the next query: slower than asked, never faster."""
READ_TIMEOUT_SECONDS = O_TIMEOUT_SECONDS + 60.0


def fetch_api(folder: Path, *, accept_terms: bool = False,
              session: requests.Session | None = None, base_url: str = API_BASE,
              pace_seconds: float = PACE_SECONDS, sleep: Callable[[float], None] = time.sleep,
              timeout: tuple[float, float] = (10.0, READ_TIMEOUT_SECONDS),
              queries: Iterable[Query] = QUERIES, progress: bool = False) -> Iterator[str]:
    """Run every query, one at a time, `pace_seconds` apart; keep each answer that is data.

    Refuses (TermsNotAccepted) unless `accept_terms`. A failed query (error page, timeout, HTTP
    error) keeps the previous files of that query and does not stop the others; the failures are
    raised together at the end. Yields one line per step for the command line."""
    del progress  # one line per query is the progress
    if not accept_terms:
        raise TermsNotAccepted(f"{DATA_USE_TERMS} Nothing was queried: to accept these terms, "
                               f"run `{FETCH_COMMAND}`.")
    if pace_seconds < PACE_SECONDS:
        raise FetchError(f"WONDER pace {pace_seconds:g} s is faster than CDC asks (one query "
                         f"every {PACE_SECONDS:g} s); use {PACE_SECONDS:g} s or more")
    session = session or make_session()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    accepted = _now()
    yield f"accepted [{SOURCE.id}] at {accepted} (--accept-wonder-terms): {DATA_USE_TERMS}"
    failures: list[str] = []
    for index, query in enumerate(queries):
        if index:
            yield (f"waiting {pace_seconds:g} s before the next WONDER query (CDC asks automated "
                   "users for one query every 2 minutes)")
            sleep(pace_seconds)
        try:
            entry = run_query(session, query, folder, base_url=base_url, timeout=timeout)
        except FetchError as err:
            failures.append(str(err))
            yield f"FAILED [{SOURCE.id}] {query.stem}: {err}"
            continue
        entry[query.response_name]["data_use_restrictions_accepted"] = accepted
        merge_fetched(folder, entry)  # after each answer: an interrupted fetch keeps its records
        info = entry[query.response_name]
        yield (f"ok [{SOURCE.id}] {query.response_name}: {info['bytes']:,} bytes, "
               f"{info['rows']} rows, {info['dataset']} vintage {info['dataset_vintage']!r}")
    if failures:
        raise FetchError(f"{len(failures)} WONDER queries failed:\n- " + "\n- ".join(failures))


def run_query(session: requests.Session, query: Query, folder: Path, *, base_url: str,
              timeout: tuple[float, float]) -> dict[str, dict[str, object]]:
    """POST one query; keep request and answer (atomically) only if the answer is data.
    Returns their FETCHED.json entries."""
    url = f"{base_url}/{query.database}"
    request_xml = build_request(query)
    where = f"{url} ({query.stem})"
    started = time.monotonic()
    try:
        response = session.post(url, data={"request_xml": request_xml,
                                           "accept_datause_restrictions": "true"},
                                timeout=timeout)
    except requests.exceptions.Timeout as err:
        raise FetchError(f"{where}: no answer within {timeout[1]:g} s ({type(err).__name__}); "
                         "WONDER may be busy: fetch again later (nothing was kept)") from err
    except requests.exceptions.RequestException as err:
        raise FetchError(f"{where}: request failed ({type(err).__name__}: {err})") from err
    body = response.content
    if response.status_code >= 400:
        said = error_text(body)
        raise FetchError(f"{where}: HTTP {response.status_code} {response.reason}"
                         + (f"; WONDER says: {said}" if said else "") + " (nothing was kept)")
    target = folder / query.response_name
    try:
        answer = parse_response(body, target)
        check_answer(answer, query)
    except SourceFormatError as err:
        raise FetchError(f"{where}: the answer is not the data asked for, nothing was kept: "
                         f"{err}") from err
    date = _now()
    request_bytes = request_xml.encode("utf-8")
    _write_atomic(folder / query.request_name, request_bytes)
    _write_atomic(target, body)
    return {
        query.response_name: {
            "url": url, "date": date, "sha256": hashlib.sha256(body).hexdigest(),
            "bytes": len(body), "seconds": round(time.monotonic() - started, 1),
            "status": response.status_code, "query": query.stem, "dataset": answer.dataset_code,
            "dataset_label": answer.dataset_label, "dataset_vintage": answer.vintage,
            "query_date": answer.query_date, "rows": len(answer.rows),
            "request": query.request_name},
        query.request_name: {
            "url": url, "date": date, "sha256": hashlib.sha256(request_bytes).hexdigest(),
            "bytes": len(request_bytes), "sent_as": "form field request_xml"},
    }


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def _write_atomic(target: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)


# --- Response reader -------------------------------------------------------------------------

@dataclass(frozen=True)
class ResponseRow:
    labels: tuple[tuple[str, str], ...]
    """(label, code) per by-variable; code is '' when WONDER gives none."""
    values: tuple[tuple[float, str], ...]
    """(value, marker) per measure, as wonder.cell_value reads them."""
    line: int
    total: bool


@dataclass
class WonderResponse:
    path: Path
    dataset_code: str
    dataset_label: str
    dataset_vintage: str
    query_date: str
    byvariables: tuple[str, ...]
    measures: tuple[str, ...]
    echoed: dict[str, tuple[str, ...]]
    """WONDER's echo of the request: <request-parameters> and <other-parameters> by name, and
    the selections it applied (<variable-selections>) as 'selected:<variable>' (empty if none)."""
    rows: list[ResponseRow]
    """Data rows (totals are in `totals`)."""
    totals: list[ResponseRow]
    caveats: tuple[str, ...]

    @property
    def vintage(self) -> str:
        """How current the database is: D176's 'Deaths occurring through ... as of ...' caveat,
        else the dataset's vintage attribute."""
        return wonder.data_through(self.caveats) or self.dataset_vintage


_REQUEST = "page/response/request"
_TEXT_OF = {"page/title", "page/response/caveats/caveat",
            f"{_REQUEST}/request-parameters/parameter/name",
            f"{_REQUEST}/request-parameters/parameter/value",
            f"{_REQUEST}/other-parameters/parameter/value"}
_HTML_START = re.compile(rb"^\s*(<\?xml[^>]*>\s*)?(<!doctype html|<html)", re.I)
_TAG = re.compile(r"<[^>]+>")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?:\D|$))")


def _clean(text: str) -> str:
    return " ".join(_TAG.sub(" ", text).split())


class _Reader:
    """Streams the answer through expat, keeping the line of every data-table cell."""

    def __init__(self) -> None:
        self.parser = expat.ParserCreate()
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.CharacterDataHandler = self._chars
        self.stack: list[str] = []
        self.texts: list[list[str]] = []
        self.root = ""
        self.dataset: dict[str, str] = {}
        self.query_date = ""
        self.byvariables: list[str] = []
        self.measures: list[str] = []
        self.request_measures: list[str] = []
        self.echoed: dict[str, tuple[str, ...]] = {}
        self.param: tuple[str, list[str]] = ("", [])
        self.table_line: int | None = None
        self.rows: list[tuple[list[tuple[dict[str, str], int]], int]] = []
        self.caveats: list[str] = []
        self.messages: list[str] = []
        self.title = ""

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        self.stack.append(name)
        self.texts.append([])
        where, line = "/".join(self.stack), self.parser.CurrentLineNumber
        if len(self.stack) == 1:
            self.root = name
        elif where == "page/dataset":
            self.dataset = dict(attrs)
        elif where == "page/response/request":
            self.query_date = attrs.get("query-date", "")
        elif where == "page/response/request/byvariables/variable":
            self.byvariables.append(attrs.get("code", ""))
        elif where == "page/response/request/measure-selections/measure":
            self.request_measures.append(attrs.get("code", ""))
        elif where == "page/response/measure-selections/measure":
            self.measures.append(attrs.get("code", ""))
        elif where == f"{_REQUEST}/request-parameters/parameter":
            self.param = ("", [])
        elif where == f"{_REQUEST}/other-parameters/parameter":
            self.param = (attrs.get("code", ""), [])
        elif where == f"{_REQUEST}/variable-selections/variable":
            self.param = (f"selected:{attrs.get('code', '')}", [])
        elif where == f"{_REQUEST}/variable-selections/variable/value":
            self.param[1].append(attrs.get("code", ""))
        elif where == "page/response/data-table":
            self.table_line = line
        elif where == "page/response/data-table/r":
            self.rows.append(([], line))
        elif where == "page/response/data-table/r/c" and self.rows:
            self.rows[-1][0].append((dict(attrs), line))

    def _chars(self, text: str) -> None:
        if self.texts:
            self.texts[-1].append(text)

    def _end(self, name: str) -> None:
        where = "/".join(self.stack)
        text = "".join(self.texts.pop())
        if name == "message":
            self.messages.append(_clean(text))
        elif where in _TEXT_OF:
            if where.endswith("/name"):
                self.param = (text.strip(), self.param[1])
            elif where.endswith("/value"):
                self.param[1].append(text.strip())
            elif where.endswith("/caveat"):
                self.caveats.append(_clean(text))
            elif where == "page/title":
                self.title = _clean(text)
        elif where in (f"{_REQUEST}/request-parameters/parameter",
                       f"{_REQUEST}/other-parameters/parameter",
                       f"{_REQUEST}/variable-selections/variable"):
            self.echoed.setdefault(self.param[0], tuple(self.param[1]))
        self.stack.pop()


def error_text(body: bytes) -> str:
    """What an error answer says (its <message>, or an HTML page's title and heading), or ''."""
    text = body.decode("utf-8", errors="replace")
    for pattern in (r"<message[^>]*>(.*?)</message>", r"<title[^>]*>(.*?)</title>",
                    r"<h1[^>]*>(.*?)</h1>", r"<h2[^>]*>(.*?)</h2>"):
        found = [_clean(m) for m in re.findall(pattern, text, flags=re.S | re.I)]
        found = [f for f in found if f]
        if found:
            return "; ".join(dict.fromkeys(found))[:300]
    return _clean(text)[:200]


def parse_response(body: bytes, path: Path) -> WonderResponse:
    """Read one WONDER API answer; `path` names it in errors. An error page, a <message> instead
    of a data table, or a cut-off file raises SourceFormatError saying what WONDER said."""
    path = Path(path)
    if not body.strip():
        raise SourceFormatError(path, "WONDER's answer is empty", line=1,
                                expected="a <page> with a <data-table>", found="0 bytes of text")
    if _HTML_START.match(body):
        raise SourceFormatError(path, "WONDER answered with a web page, not data", line=1,
                                expected="an XML <page> with a <data-table>",
                                found=repr(error_text(body)))
    reader = _Reader()
    try:
        reader.parser.Parse(body, True)
    except expat.ExpatError as err:
        raise SourceFormatError(path, "not well-formed XML (answer cut short?)", line=err.lineno,
                                column=f"character {err.offset + 1}",
                                expected="a complete XML <page>",
                                found=expat.ErrorString(err.code)) from err
    if reader.root != "page":
        raise SourceFormatError(path, "not a WONDER answer", line=1, expected="root element "
                                "<page>", found=f"<{reader.root}>")
    if reader.table_line is None:
        said = "; ".join(reader.messages) or reader.title or "no message"
        raise SourceFormatError(path, "WONDER did not return a data table", line=1,
                                expected="<response><data-table>", found=repr(said))
    code = reader.dataset.get("code", "")
    if not code:
        raise SourceFormatError(path, "the answer does not name its database", line=1,
                                expected='<dataset code="D176"> or D157', found="no code")
    measures = tuple(reader.request_measures or reader.measures)
    byvariables = tuple(reader.byvariables)
    if not measures or not byvariables:
        raise SourceFormatError(path, "the answer does not list its columns",
                                line=reader.table_line,
                                expected="<byvariables> and <measure-selections>",
                                found=f"{len(byvariables)} by-variables, {len(measures)} measures")
    rows, totals = _table_rows(path, reader.rows, byvariables, measures)
    return WonderResponse(
        path=path, dataset_code=code, dataset_label=reader.dataset.get("label", ""),
        dataset_vintage=reader.dataset.get("vintage", ""), query_date=reader.query_date,
        byvariables=byvariables, measures=measures, echoed=reader.echoed, rows=rows,
        totals=totals, caveats=tuple(reader.caveats))


def _table_rows(path: Path, raw_rows: list[tuple[list[tuple[dict[str, str], int]], int]],
                byvariables: tuple[str, ...], measures: tuple[str, ...]
                ) -> tuple[list[ResponseRow], list[ResponseRow]]:
    """Label cells first (a label with r="N" covers the next N rows of its column), then one
    value cell per measure."""
    carried: list[tuple[tuple[str, str], int]] = [(("", ""), 0)] * len(byvariables)
    rows, totals = [], []
    for cells, line in raw_rows:
        queue = list(cells)
        labels = []
        for column in range(len(byvariables)):
            label, left = carried[column]
            if left > 0:
                carried[column] = (label, left - 1)
            else:
                if not queue or "l" not in queue[0][0]:
                    raise SourceFormatError(path, "data-table row without its label", line=line,
                                            column=byvariables[column], expected='<c l="...">',
                                            found=repr(queue[0][0]) if queue else "no cell")
                attrs, _ = queue.pop(0)
                label = (attrs["l"], attrs.get("c", ""))
                carried[column] = (label, int(attrs.get("r", "1") or "1") - 1)
            labels.append(label)
        if len(queue) != len(measures):
            raise SourceFormatError(path, "wrong number of value cells", line=line,
                                    expected=f"{len(measures)} ({', '.join(measures)})",
                                    found=str(len(queue)))
        values, total = [], labels[0][0].strip() == "Total"
        for (attrs, cell_line), measure in zip(queue, measures):
            text = attrs.get("v", attrs.get("dt"))
            total = total or ("v" not in attrs and "dt" in attrs)  # ASSUMED: dt marks totals
            if text is None:
                raise SourceFormatError(path, "value cell without a value", line=cell_line,
                                        column=measure, expected='<c v="...">',
                                        found=repr(attrs))
            parsed = wonder.cell_value(_THOUSANDS.sub("", text.strip()))
            if parsed is None:
                raise SourceFormatError(path, "not a number", line=cell_line, column=measure,
                                        expected=f"a number or one of {', '.join(wonder.MARKERS)}",
                                        found=repr(text))
            values.append(parsed)
        (totals if total else rows).append(ResponseRow(tuple(labels), tuple(values), line, total))
    return rows, totals


def read_response(path: Path) -> WonderResponse:
    return parse_response(Path(path).read_bytes(), path)


def read_request(path: Path) -> dict[str, tuple[str, ...]]:
    """The parameters of a request file (name -> values), as sent."""
    if not path.is_file():
        raise SourceFormatError(path, "request file missing", expected="the request the fetch "
                                "kept beside each answer", found="no file")
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as err:
        raise SourceFormatError(path, "request is not well-formed XML", line=err.position[0],
                                found=str(err)) from err
    return {(p.findtext("name") or "").strip():
            tuple((v.text or "").strip() for v in p.findall("value"))
            for p in root.findall("parameter")}


# --- What was queried: database, definition, drug group ---------------------------------------

_CODE = re.compile(r"^([A-Z]\d{2}(?:\.\d)?)(?:[-–]([A-Z]\d{2}(?:\.\d)?))?$")
DEFINING = ("B_1", "O_ucd", "O_mcd", "O_V13_fmode", "F_{db}.V2", "F_{db}.V13", "V_{db}.V13",
            "V_{db}.V13_AND")
"""Parameters that decide what a query counts: where WONDER echoes one, it must agree with the
request sent (codes compared as sets)."""
_HOLDS_CODES = ("F_{db}.V2", "F_{db}.V13", "V_{db}.V13", "V_{db}.V13_AND")


def _codes(values: tuple[str, ...]) -> set[str]:
    """ICD-10 codes in parameter values ('X40', 'X40-X44', 'T40.4 (Other synthetic narcotics)')."""
    out: set[str] = set()
    for value in values:
        for token in value.split():
            found = _CODE.match(token)
            if found:
                out |= set(wonder.expand_codes(token.replace("-", "–"))) if found.group(2) \
                    else {token}
            elif token == "*All*":
                out.add(token)
    return out


def _shown(codes: set[str]) -> str:
    """Codes as WONDER's footers write them ('X40–X44, X85'), for error messages."""
    icd = tuple(sorted(c for c in codes if _CODE.match(c)))
    return ", ".join(([wonder.compress_codes(icd)] if icd else [])
                     + sorted(codes - set(icd))) or "none"


def interpret(params: dict[str, tuple[str, ...]], database: str, path: Path
              ) -> tuple[wonder.QueryMeaning, str]:
    """(meaning, grouping) of a query from its parameters: the underlying cause must be the
    overdose codes, box 1 of the multiple causes T42.4, box 2 empty or the opioid codes."""
    def get(name: str) -> tuple[str, ...]:
        return params.get(name.format(db=database), ())

    grouping = {(f"{database}.V1-level1",): "year", (f"{database}.V1-level2",): "month"}.get(
        get("B_1"))
    others = [v for i in range(2, 6) for v in get(f"B_{i}") if v not in ("*None*", "")]
    if grouping is None or others:
        raise SourceFormatError(path, "unsupported grouping", expected=f"B_1 {database}.V1-"
                                "level1 (year) or -level2 (month) and nothing else",
                                found=", ".join(get("B_1") + tuple(others)) or "none")
    ucd = _codes(get("F_{db}.V2"))
    if get("O_ucd") != (f"{database}.V2",) or ucd != set(wonder.OVERDOSE_INTENT_CODES):
        raise SourceFormatError(path, "underlying cause is not the drug-overdose definition",
                                expected=f"O_ucd {database}.V2 with X40–X44, X60–X64, X85, "
                                         "Y10–Y14",
                                found=f"O_ucd {' '.join(get('O_ucd')) or '(none)'}, codes "
                                      f"{_shown(ucd)}")
    advanced = get("O_V13_fmode") == ("fadv",)
    box1 = _codes(get("V_{db}.V13") if advanced else get("F_{db}.V13"))
    box2 = _codes(get("V_{db}.V13_AND")) if advanced else set()
    drug = None
    if get("O_mcd") == (f"{database}.V13",) and box1 == CODES_BY_DRUG["benzodiazepines"]:
        drug = {frozenset(): ALL, CODES_BY_DRUG["any_opioid"]: WITH}.get(frozenset(box2))
    if drug is None:
        raise SourceFormatError(path, "unknown multiple-cause selection",
                                expected="T42.4, or T42.4 AND T40.0–T40.4, T40.6",
                                found=" AND ".join(_shown(b) for b in (box1, box2) if b)
                                or "no codes")
    icd10 = "UCD X40–X44, X60–X64, X85, Y10–Y14; MCD T42.4" + (
        " AND MCD T40.0–T40.4, T40.6" if drug == WITH else "")
    return wonder.QueryMeaning(database, "ucd_overdose", drug, icd10), grouping


def check_answer(answer: WonderResponse, query: Query | None = None
                 ) -> tuple[wonder.QueryMeaning, str]:
    """The answer comes from a known database, ran the query that was sent, and is grouped as
    asked. Uses the request file beside the answer unless `query` says what was sent."""
    path, db = answer.path, answer.dataset_code
    known = DATABASES.get(db)
    if known is None or not answer.dataset_label.startswith(known.label_prefix):
        raise SourceFormatError(path, "unknown WONDER database", line=1,
                                expected=" or ".join(f"{d.code} '{d.label_prefix}...'"
                                                     for d in DATABASES.values()),
                                found=f"{db} {answer.dataset_label!r}")
    if query is not None:
        sent = {n: tuple(v) for n, v in request_parameters(query)}
        if query.database != db:
            raise SourceFormatError(path, "answer from another database", line=1,
                                    expected=query.database, found=db)
    else:
        sent = read_request(path.with_name(path.name.removesuffix(RESPONSE_SUFFIX)
                                           + REQUEST_SUFFIX))
    meaning, grouping = interpret(sent, db, path)
    _check_echo(answer, sent)
    expected_by = (f"{db}.V1-level1",) if grouping == "year" else (f"{db}.V1-level2",)
    if answer.byvariables != expected_by:
        raise SourceFormatError(path, "answer grouped otherwise than asked", line=1,
                                expected=expected_by[0], found=", ".join(answer.byvariables))
    unknown = [m for m in answer.measures if m.removeprefix(f"{db}.") not in MEASURES]
    if unknown or f"{db}.M1" not in answer.measures:
        raise SourceFormatError(path, "unexpected measures", line=1,
                                expected=f"{db}.M1 (deaths), .M2, .M3",
                                found=", ".join(answer.measures))
    return meaning, grouping


def _check_echo(answer: WonderResponse, sent: dict[str, tuple[str, ...]]) -> None:
    """Where WONDER echoes a defining parameter, or the underlying causes it applied, it must be
    what was sent (codes compared as sets, other values exactly)."""
    db = answer.dataset_code
    coded = {n.format(db=db) for n in _HOLDS_CODES}
    echoes = [(n, answer.echoed[n]) for n in (d.format(db=db) for d in DEFINING)
              if n in answer.echoed]
    if f"selected:{db}.V2" in answer.echoed:
        echoes.append((f"F_{db}.V2", answer.echoed[f"selected:{db}.V2"]))
    for name, echoed in echoes:
        asked = sent.get(name, ())
        if (_codes(echoed) != _codes(asked)) if name in coded else (echoed != asked):
            raise SourceFormatError(answer.path, "WONDER ran another query than the request sent",
                                    expected=f"{name} = {' '.join(asked) or '(empty)'}",
                                    found=" ".join(echoed) or "(empty)")


# --- One answer -> tidy rows ----------------------------------------------------------------

_MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
                                       "Sep", "Oct", "Nov", "Dec"), start=1)}
# ASSUMED: period labels as in the .txt exports ("2024", "Jan., 2024", optional "(provisional)").
_YEAR_LABEL = re.compile(r"^(\d{4})\s*(?:\((.*)\))?\s*$")
_MONTH_LABEL = re.compile(r"^([A-Z][a-z]{2})\.?,? (\d{4})\s*(?:\((.*)\))?\s*$")


def _period(path: Path, row: ResponseRow, grouping: str) -> tuple[int, int | None, str]:
    """(year, month, status) of a row: status is the label's parenthesis ('provisional', ...)."""
    label, code = row.labels[0]
    if grouping == "year":
        found = _YEAR_LABEL.match(label.strip())
        if found and (not code or code == found.group(1)):
            return int(found.group(1)), None, found.group(2) or ""
    else:
        found = _MONTH_LABEL.match(label.strip())
        if found and found.group(1) in _MONTHS:
            year, month = int(found.group(2)), _MONTHS[found.group(1)]
            if not code or code == f"{year}/{month:02d}":
                return year, month, found.group(3) or ""
    raise SourceFormatError(path, "bad period label", line=row.line, column=grouping,
                            expected="'2024' or '2024 (provisional)'" if grouping == "year"
                            else "'Jan., 2024' (code '2024/01') or 'Jan., 2024 (provisional)'",
                            found=repr(label) + (f" (code {code!r})" if code else ""))


def answer_rows(answer: WonderResponse, meaning: wonder.QueryMeaning, grouping: str
                ) -> list[dict[str, object]]:
    """Tidy-shaped records (plus `line`) of one answer: deaths, crude rate, population."""
    name, db = answer.path.name, meaning.database
    final_db = DATABASES[db].final
    out: list[dict[str, object]] = []
    seen: dict[tuple[int, int | None], int] = {}
    for row in answer.rows:
        year, month, status = _period(answer.path, row, grouping)
        if (year, month) in seen:
            raise SourceFormatError(answer.path, "period listed twice", line=row.line,
                                    column=grouping, expected="each period once",
                                    found=f"same period as line {seen[(year, month)]}")
        seen[(year, month)] = row.line
        provisional = not final_db or "provisional" in status
        notes = []
        if provisional:
            notes.append(wonder.provisional_note(db, wonder.data_through(answer.caveats)))
        if not final_db and "provisional" not in status:
            notes.append(FINAL_PREFERRED_NOTE)
        if "partial" in status:
            notes.append(wonder.PARTIAL_PERIOD_NOTE)
        common = {"source_file": name, "definition": meaning.definition,
                  "drug_group": meaning.drug_group, "icd10_codes": meaning.icd10_codes,
                  "period_type": grouping, "year": year, "month": month,
                  "provisional": provisional, "suppressed": False, "unreliable": False,
                  "line": row.line}
        for code, (value, marker) in zip(answer.measures, row.values):
            measure, unit = MEASURES[code.removeprefix(f"{db}.")]
            if marker == "Not Applicable":
                continue
            record = _measure_record(answer.path, row.line, measure, value, marker, provisional)
            extra = record.pop("notes")
            if measure == "population":
                extra = [POPULATION_NOTE, *extra]
            out.append({**common, **record, "measure": measure, "unit": unit,
                        "note": "; ".join([*extra, *notes])})
    return out


def _measure_record(path: Path, line: int, measure: str, value: float, marker: str,
                    provisional: bool) -> dict[str, object]:
    allowed = {"deaths": ("", "Suppressed"), "population": ("",),
               "crude_rate": ("", "Suppressed", "Unreliable")}[measure]
    if marker not in allowed:
        raise SourceFormatError(path, "unexpected marker", line=line, column=measure,
                                expected=" or ".join(repr(a) if a else "a number" for a in allowed),
                                found=repr(marker))
    notes = []
    if marker == "Suppressed":
        notes.append(wonder.suppressed_note(provisional))
    elif marker == "Unreliable":
        notes.append(wonder.RATE_HIDDEN_NOTE if pd.isna(value) else wonder.RATE_UNRELIABLE_NOTE)
    return {"value": value, "suppressed": marker == "Suppressed",
            "unreliable": marker == "Unreliable", "notes": notes}


# --- Load / process / save -----------------------------------------------------------------

def response_files(folder: Path) -> list[Path]:
    folder = Path(folder)
    return sorted(folder.glob(f"*{RESPONSE_SUFFIX}")) if folder.is_dir() else []


def _fetched(folder: Path) -> dict[str, dict[str, object]]:
    path = Path(folder) / FETCHED_NAME
    try:
        files = json.loads(path.read_text()).get("files", {})
    except (OSError, json.JSONDecodeError, AttributeError):
        return {}
    return files if isinstance(files, dict) else {}


def source_for(folder: Path) -> Source | None:
    """SOURCE with the files the fetch left in `folder` (for the manifest), or None when nothing
    was fetched: the build then skips this source, which is a normal state."""
    responses = response_files(folder)
    if not responses:
        return None
    fetched = _fetched(folder)
    files, dates, vintages = [], [], {}
    for response in responses:
        request = response.with_name(response.name.removesuffix(RESPONSE_SUFFIX) + REQUEST_SUFFIX)
        for path in (response, request) if request.is_file() else (response,):
            entry = fetched.get(path.name, {})
            db = path.name.split("_", 1)[0]
            sha = str(entry.get("sha256") or hashlib.sha256(path.read_bytes()).hexdigest())
            files.append(RawFile(path.name, str(entry.get("url") or f"{API_BASE}/{db}"), sha))
            if entry.get("date"):
                dates.append(str(entry["date"])[:10])
            if entry.get("dataset_vintage") and path is response:
                vintages.setdefault(db, str(entry["dataset_vintage"]))
    retrieved = (" – ".join(dict.fromkeys([min(dates), max(dates)])) if dates
                 else "unknown (no FETCHED.json record)")
    vintage = "; ".join(f"{db}: {v}" for db, v in sorted(vintages.items()))
    return replace(SOURCE, files=tuple(files), retrieved=retrieved,
                   vintage=vintage or "as fetched (no FETCHED.json record)")


def _difference(all_rows: pd.DataFrame, with_rows: pd.DataFrame) -> list[dict[str, object]]:
    """'Without any opioid' deaths = all − with, per period; missing where either is suppressed."""
    def deaths(frame: pd.DataFrame) -> dict[tuple[str, int, int], pd.Series]:
        rows = frame[frame["measure"] == "deaths"]
        return {(r["period_type"], int(r["year"]), 0 if pd.isna(r["month"]) else int(r["month"])):
                r for _, r in rows.iterrows()}

    with_by_period = deaths(with_rows)
    out = []
    for period, ra in deaths(all_rows).items():
        rw = with_by_period.get(period)
        if rw is None:
            continue
        hidden = [g for g, r in ((ALL, ra), (WITH, rw)) if r["suppressed"]]
        value = float("nan") if hidden else ra["value"] - rw["value"]
        if not hidden and value < 0:
            raise SourceFormatError(rw["source_file"], "more deaths with any opioid than in all",
                                    line=int(rw["line"]), expected=f"at most {ra['value']:,.0f}",
                                    found=f"{rw['value']:,.0f} ({ra['source_file']} line "
                                          f"{int(ra['line'])})")
        notes = [DIFFERENCE_NOTE]
        if hidden:
            notes.append(f"not computed: {' and '.join(hidden)} suppressed")
        notes += [n for n in dict.fromkeys(ra["note"].split("; ") + rw["note"].split("; "))
                  if n and not n.startswith("suppressed by WONDER")]
        out.append({
            "source_file": f"{ra['source_file']} minus {rw['source_file']}",
            "definition": ra["definition"], "drug_group": WITHOUT,
            "icd10_codes": "UCD X40–X44, X60–X64, X85, Y10–Y14; MCD T42.4, not MCD T40.0–T40.4, "
                           "T40.6",
            "period_type": period[0], "year": period[1], "month": period[2] or None,
            "measure": "deaths", "unit": "deaths", "value": value, "suppressed": bool(hidden),
            "unreliable": False, "provisional": bool(ra["provisional"] or rw["provisional"]),
            "note": "; ".join(notes), "line": int(ra["line"])})
    return out


def parse(folder: Path) -> ParseResult:
    """Every fetched answer in `folder` -> the tidy `wonder_api_national` table."""
    folder = Path(folder)
    paths = response_files(folder)
    if not paths:
        raise SourceFormatError(folder, "no CDC WONDER API answers (*.response.xml)",
                                expected=f"the files `{FETCH_COMMAND}` saves")
    # Load
    answers = [read_response(p) for p in paths]
    # Process
    warnings: list[str] = []
    fetched = _fetched(folder)
    frames: dict[tuple[str, str, str], pd.DataFrame] = {}
    vintages: dict[tuple[str, str, str], str] = {}
    for answer in answers:
        meaning, grouping = check_answer(answer)
        key = (meaning.database, grouping, meaning.drug_group)
        frames[key] = pd.DataFrame.from_records(answer_rows(answer, meaning, grouping))
        vintages[key] = answer.vintage
        if answer.path.name not in fetched:
            warnings.append(f"{answer.path.name}: no {FETCHED_NAME} record (copied by hand?): "
                            "where and when it was fetched is unknown")
    missing = [q.response_name for q in QUERIES if (q.database, q.grouping, q.drug_group)
               not in frames]
    if missing:
        warnings.append(f"not fetched (yet): {', '.join(missing)}; run `{FETCH_COMMAND}`")
    records = [frame for frame in frames.values() if not frame.empty]
    for (db, grouping, drug), frame in frames.items():
        partner = frames.get((db, grouping, WITH))
        if drug != ALL or partner is None or frame.empty or partner.empty:
            continue
        if vintages[(db, grouping, ALL)] != vintages[(db, grouping, WITH)]:
            raise SourceFormatError(
                partner["source_file"].iloc[0], "the two answers of a difference come from "
                "different WONDER vintages (fetched on different days?)",
                expected=f"{vintages[(db, grouping, ALL)]!r} as in {frame['source_file'].iloc[0]}",
                found=repr(vintages[(db, grouping, WITH)]))
        records.append(pd.DataFrame.from_records(_difference(frame, partner)))
    frame = pd.concat(records, ignore_index=True)
    frame, dropped = _prefer_final(frame)
    if dropped:
        warnings.append(f"{dropped} D176 rows dropped: the final database D157 has the same "
                        "periods (final data preferred)")
    frame = frame.assign(geo_level="nation", geo_fips=US_FIPS, geo_name="United States")
    wonder.check_no_clash(frame)
    table = tidy_frame(frame.drop(columns=["line"]), source_id=SOURCE.id)
    warnings.append(coverage_text(table))
    # Save (the build writes the table)
    return ParseResult(tables={TABLE: table}, rows_in=sum(len(a.rows) for a in answers),
                       warnings=warnings)


def _prefer_final(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Drop D176 rows for periods D157 also has (same drug group and measure)."""
    keys = list(zip(frame["measure"], frame["drug_group"], frame["period_type"], frame["year"],
                    frame["month"].fillna(0)))
    database = frame["source_file"].str[:4]
    final = {k for k, db in zip(keys, database) if db == "D157"}
    again = pd.Series([db == "D176" and k in final for k, db in zip(keys, database)],
                      index=frame.index)
    return frame[~again].reset_index(drop=True), int(again.sum())


def coverage_text(table: pd.DataFrame) -> str:
    """One line for the build summary: which years are final (D157) and provisional (D176)."""
    deaths = table[(table["measure"] == "deaths") & (table["drug_group"] == ALL)]
    yearly = deaths[deaths["period_type"] == "year"]
    parts = []
    for flag, label in ((False, "final (D157)"), (True, "provisional (D176)")):
        years = sorted(yearly.loc[yearly["provisional"] == flag, "year"])
        if years:
            parts.append(f"{years[0]}–{years[-1]} {label}" if len(years) > 1
                         else f"{years[0]} {label}")
    monthly = deaths[deaths["period_type"] == "month"]
    last = ""
    if not monthly.empty:
        latest = monthly.sort_values(["year", "month"]).iloc[-1]
        last = f"; by month through {int(latest['year'])}-{int(latest['month']):02d}"
    return (f"national series from the WONDER API: by year {', '.join(parts) or 'none'}{last} "
            f"(extends {NIDA_TABLE} past its last year)")


def checks(tables: dict[str, pd.DataFrame]) -> list[str]:
    """Months add up to their year (where none is suppressed), 'with' never exceeds 'all', and a
    crude rate equals deaths / population × 100,000 (one decimal)."""
    frame = tables[TABLE]
    failures: list[str] = []
    frame = frame.assign(month=frame["month"].fillna(0))
    deaths = frame[frame["measure"] == "deaths"].assign(
        database=lambda f: f["source_file"].str[:4])
    key = ["database", "drug_group", "year"]
    months = deaths[deaths["period_type"] == "month"].groupby(key).agg(
        value=("value", "sum"), hidden=("suppressed", "any"), n=("value", "size"))
    years = deaths[deaths["period_type"] == "year"].set_index(key)["value"]
    both = months.join(years.rename("year_value"), how="inner")
    for idx, row in both[~both["hidden"] & (both["value"] != both["year_value"])].iterrows():
        failures.append(f"{TABLE}: {row['n']} months of {dict(zip(key, idx))} sum to "
                        f"{row['value']:,.0f}, the year row says {row['year_value']:,.0f}")
    wide = deaths.pivot_table(index=["database", "period_type", "year", "month"],
                              columns="drug_group", values="value", dropna=False)
    if {ALL, WITH} <= set(wide.columns):
        over = wide[wide[WITH] > wide[ALL]]
        for idx, row in over.head(5).iterrows():
            failures.append(f"{TABLE}: {WITH} {row[WITH]:,.0f} > {ALL} {row[ALL]:,.0f} at {idx}")
    rates = frame[frame["measure"].isin(["deaths", "population", "crude_rate"])]
    wide = rates.pivot_table(index=["source_file", "drug_group", "period_type", "year", "month"],
                             columns="measure", values="value", dropna=True)
    if {"deaths", "population", "crude_rate"} <= set(wide.columns):
        wide = wide.dropna(subset=["deaths", "population", "crude_rate"])
        expected = (wide["deaths"] / wide["population"] * 1e5).round(1)
        for idx, row in wide[(expected - wide["crude_rate"]).abs() > 0.051].head(5).iterrows():
            failures.append(f"{TABLE}: crude rate {row['crude_rate']} != deaths/population "
                            f"{expected[idx]} at {idx}")
    return failures


# --- Across tables: the overlap with NIDA, and the extended national series -----------------

PROVISIONAL_TOLERANCE = 0.01
"""A provisional year may differ from NIDA's final count by up to 1% (records still arriving);
a final year must equal it: same records, same definition."""
_BENZO_GROUPS = (ALL, WITH, WITHOUT)


def _nida_yearly(nida: pd.DataFrame) -> pd.DataFrame:
    return nida[(nida["measure"] == "deaths") & (nida["sex"] == "all")
                & (nida["age_group"] == "all") & (nida["race_ethnicity"] == "all")
                & (nida["period_type"] == "year") & nida["drug_group"].isin(_BENZO_GROUPS)]


def _api_yearly(api: pd.DataFrame) -> pd.DataFrame:
    return api[(api["measure"] == "deaths") & (api["period_type"] == "year")
               & api["drug_group"].isin(_BENZO_GROUPS)]


def agrees_with_nida(tables: dict[str, pd.DataFrame]) -> list[str]:
    """For every year both NIDA and the API answers have, the benzodiazepine death counts (all,
    with and without any opioid) agree: equal for final data, within PROVISIONAL_TOLERANCE for
    provisional data. Skipped unless both tables were built."""
    if TABLE not in tables or NIDA_TABLE not in tables:
        return []
    nida = _nida_yearly(tables[NIDA_TABLE]).dropna(subset=["value"])
    api = _api_yearly(tables[TABLE]).dropna(subset=["value"])
    joined = api.merge(nida, on=["drug_group", "year"], suffixes=("", "_nida"))
    failures = []
    for _, row in joined.sort_values(["year", "drug_group"]).iterrows():
        gap = row["value"] - row["value_nida"]
        allowed = PROVISIONAL_TOLERANCE * row["value_nida"] if row["provisional"] else 0.0
        if abs(gap) > allowed:
            kind = "provisional, D176" if row["provisional"] else "final"
            failures.append(
                f"{TABLE} {row['year']} {row['drug_group']}: {row['value']:,.0f} deaths "
                f"({kind}; {row['source_file']}) but {NIDA_TABLE} has {row['value_nida']:,.0f} "
                f"({row['source_file_nida']}): "
                + ("must be equal" if not row["provisional"]
                   else f"more than {PROVISIONAL_TOLERANCE:.0%} apart")
                + " — the WONDER query does not reproduce NIDA's definition, or one of them was "
                  "revised")
    return failures


def national_series(nida: pd.DataFrame, api: pd.DataFrame | None = None) -> pd.DataFrame:
    """US yearly benzodiazepine deaths (all, with and without any opioid): NIDA's rows for NIDA's
    years, then the API's rows for later years (provisional where from D176). Each row keeps its
    source_id, source_file, flags and note; without `api` it is NIDA's series alone."""
    series = _nida_yearly(nida)
    if api is not None and not api.empty and not series.empty:
        later = _api_yearly(api)
        series = pd.concat([series, later[later["year"] > series["year"].max()]],
                           ignore_index=True)
    return series.sort_values(["drug_group", "year"], kind="stable").reset_index(drop=True)

"""Tests for etl/wonder_api.py, all offline: the request builder, the answer parser on the fixture
answers and on damaged copies (suppressed cell, unreliable rate, error pages, cut-off file, another
vintage), the fetch against a local HTTP server on 127.0.0.1 (terms, pace with a fake sleeper,
timeout, error pages, FETCHED.json), and the build with and without answers (the national series
extended, the overlap with NIDA checked)."""
from __future__ import annotations

import hashlib
import json
import math
import shutil
import sys
import threading
import time
import types
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pandas as pd
import pytest

import etl.__main__
import etl.build
import etl.source
from etl import wonder_api
from etl.build import BuildError, build, format_summary
from etl.fetch import USER_AGENT, FetchError, TermsNotAccepted, fetch_sources, make_session
from etl.registry import US_FIPS
from etl.source import ParseResult, Source, SourceFormatError, TableSpec
from etl.tidy import tidy_frame, validate_tidy
from etl.verify import verify_data_dir
from tests.etl.harness import one

TABLE = wonder_api.TABLE
FOLDER = wonder_api.SOURCE.raw_folder


@pytest.fixture(scope="module")
def fx(fixtures_dir: Path) -> Path:
    return fixtures_dir / "wonder_api"


@pytest.fixture(scope="module")
def table(fx: Path) -> pd.DataFrame:
    return validate_tidy(wonder_api.parse(fx / "fetched").tables[TABLE])


@pytest.fixture
def answers(fx: Path, tmp_path: Path) -> Path:
    """A copy of the complete fixture fetch, to damage."""
    return Path(shutil.copytree(fx / "fetched", tmp_path / FOLDER))


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_bytes().decode("utf-8")
    assert text.count(old) >= count, f"{path.name} no longer contains {old!r}"
    path.write_bytes(text.replace(old, new, count).encode("utf-8"))


def refusal(folder: Path) -> str:
    with pytest.raises(SourceFormatError) as err:
        wonder_api.parse(folder)
    return str(err.value)


# --- request builder -------------------------------------------------------------------------

def test_request_asks_for_nida_definition_nationally() -> None:
    query = wonder_api.Query("D176", "month", wonder_api.WITH)
    params = {n: tuple(v) for n, v in wonder_api.request_parameters(query)}
    meaning, grouping = wonder_api.interpret(params, "D176", Path("x"))
    assert (meaning.definition, meaning.drug_group, grouping) == (
        "ucd_overdose", "benzodiazepines_with_any_opioid", "month")
    assert meaning.icd10_codes == ("UCD X40–X44, X60–X64, X85, Y10–Y14; MCD T42.4 AND MCD "
                                   "T40.0–T40.4, T40.6")
    assert params["accept_datause_restrictions"] == ("true",)
    assert params["B_1"] == ("D176.V1-level2",) and params["B_2"] == ("*None*",)
    assert params["O_timeout"] == ("600",) and params["O_show_suppressed"] == ("true",)
    assert params["F_D176.V1"] == ("*All*",)  # all years the database has: none typed here
    for location in ("V9", "V10", "V27", "V77", "V79", "V80"):  # the API refuses locations
        assert params[f"F_D176.{location}"] == ("*All*",)
    d157 = dict(wonder_api.request_parameters(wonder_api.Query("D157", "year", wonder_api.ALL)))
    assert d157["B_1"] == ["D157.V1-level1"] and d157["V_D157.V13_AND"] == [""]
    assert not any(name.startswith("O_MMWR") for name in d157)  # D176 only


def test_fixture_requests_are_what_the_builder_writes(fx: Path) -> None:
    for query in wonder_api.QUERIES:
        saved = (fx / "fetched" / query.request_name).read_text(encoding="utf-8")
        assert saved == wonder_api.build_request(query), \
            f"{query.request_name}: run tests/fixtures/wonder_api/make_fixtures.py"


# --- parser on the fixture answers -----------------------------------------------------------

def test_year_and_month_answers_in_the_tidy_shape(table: pd.DataFrame) -> None:
    final = one(table, measure="deaths", drug_group="benzodiazepines", period_type="year",
                year=2022)
    assert final["value"] == 10964 and not final["provisional"]
    assert final["source_file"] == "D157_year_benzodiazepines.response.xml"
    assert (final["source_id"], final["definition"], final["geo_fips"]) == (
        "cdc_wonder_api", "ucd_overdose", US_FIPS)
    assert final["icd10_codes"] == "UCD X40–X44, X60–X64, X85, Y10–Y14; MCD T42.4"
    latest = one(table, measure="deaths", drug_group="benzodiazepines", period_type="year",
                 year=2025)
    assert latest["provisional"] and latest["source_file"].startswith("D176_")
    assert "provisional (WONDER D176; deaths occurring through June 28, 2025 as of July 6, " \
           "2025)" in latest["note"] and "partial period" in latest["note"]
    june = one(table, measure="deaths", drug_group="benzodiazepines", period_type="month",
               year=2025, month=6)
    assert june["provisional"] and "partial period" in june["note"]
    assert set(table.loc[table["period_type"] == "month", "unit"]) == {"deaths"}  # N/A skipped
    rate = one(table, measure="crude_rate", drug_group="benzodiazepines", period_type="year",
               year=2020)
    assert rate["value"] == 3.7 and rate["unit"] == "deaths per 100,000 population, crude"
    # D176 repeats the final years: the final database's rows are kept, once
    years = table[(table["measure"] == "deaths") & (table["period_type"] == "year")
                  & (table["drug_group"] == "benzodiazepines")]
    assert years["year"].tolist() == list(range(2018, 2026))
    assert years.loc[years["year"] <= 2023, "source_file"].str.startswith("D157").all()


def test_without_any_opioid_is_the_difference(table: pd.DataFrame) -> None:
    row = one(table, measure="deaths", drug_group="benzodiazepines_without_any_opioid",
              period_type="year", year=2019)
    assert row["value"] == 9711 - 8301 == 1410
    assert row["source_file"] == ("D157_year_benzodiazepines.response.xml minus "
                                  "D157_year_benzodiazepines_with_any_opioid.response.xml")
    assert row["note"].startswith("computed: benzodiazepines minus")
    assert "not MCD T40.0–T40.4, T40.6" in row["icd10_codes"]
    assert not table[table["drug_group"] == "benzodiazepines_without_any_opioid"][
        "measure"].ne("deaths").any()


def test_checks_pass_on_the_fixtures(fx: Path) -> None:
    result = wonder_api.parse(fx / "fetched")
    assert wonder_api.checks(result.tables) == []
    assert result.rows_in == 88
    assert result.warnings[-1] == (
        "national series from the WONDER API: by year 2018–2023 final (D157), 2024–2025 "
        "provisional (D176); by month through 2025-06 (extends nida_national past its last year)")


def test_source_for_lists_the_fetched_files(fx: Path, tmp_path: Path) -> None:
    source = wonder_api.source_for(fx / "fetched")
    assert len(source.files) == 16 and source.retrieved == "2026-12-02"
    assert source.vintage == ("D157: 2023; D176: Deaths occurring through June 28, 2025 as of "
                              "July 6, 2025")
    fetched = json.loads((fx / "fetched" / "FETCHED.json").read_text())["files"]
    assert all(f.sha256 == fetched[f.name]["sha256"] for f in source.files)
    assert wonder_api.source_for(tmp_path / "absent") is None
    (tmp_path / "empty").mkdir()
    assert wonder_api.source_for(tmp_path / "empty") is None


def test_rowspan_labels_and_thousands_separators() -> None:
    body = b"""<?xml version="1.0"?><page><dataset code="D176" label="Provisional Mortality
Statistics, 2018 through Last Week" vintage="v"/><response><request query-date="d">
<byvariables><variable code="D176.V1-level1"/><variable code="D176.V7"/></byvariables>
<measure-selections><measure code="D176.M1"/><measure code="D176.M2"/></measure-selections>
</request><data-table>
<r><c l="2024" r="2"/><c l="Female"/><c v="4,321"/><c v="170,000,001"/></r>
<r><c l="Male"/><c v="Suppressed"/><c v="166,806,230"/></r>
<r><c l="Total"/><c l="Total"/><c dt="9,120"/><c dt="336,806,231"/></r>
</data-table></response></page>"""
    answer = wonder_api.parse_response(body, Path("two_levels.response.xml"))
    assert [r.labels for r in answer.rows] == [(("2024", ""), ("Female", "")),
                                              (("2024", ""), ("Male", ""))]
    assert answer.rows[0].values == ((4321.0, ""), (170000001.0, ""))
    assert math.isnan(answer.rows[1].values[0][0]) and answer.rows[1].values[0][1] == "Suppressed"
    assert len(answer.totals) == 1 and answer.totals[0].values[0] == (9120.0, "")
    assert answer.rows[1].line == 7  # lines of the answer, for error messages


# --- parser on damaged copies ----------------------------------------------------------------

def test_suppressed_cell_stays_missing_and_without_is_not_computed(answers: Path) -> None:
    path = answers / "D176_month_benzodiazepines_with_any_opioid.response.xml"
    edit(path, '<c l="Feb., 2025 (provisional)" c="2025/02"/><c v="542"/>',
         '<c l="Feb., 2025 (provisional)" c="2025/02"/><c v="Suppressed"/>')
    result = wonder_api.parse(answers)
    frame = validate_tidy(result.tables[TABLE])
    cell = one(frame, measure="deaths", drug_group="benzodiazepines_with_any_opioid",
               period_type="month", year=2025, month=2)
    assert cell["suppressed"] and math.isnan(cell["value"])
    assert cell["note"].startswith("suppressed by WONDER (provisional")
    without = one(frame, measure="deaths", drug_group="benzodiazepines_without_any_opioid",
                  period_type="month", year=2025, month=2)
    assert without["suppressed"] and math.isnan(without["value"])
    assert "not computed: benzodiazepines_with_any_opioid suppressed" in without["note"]
    assert wonder_api.checks(result.tables) == []  # the months of 2025 are not summed


def test_unreliable_rates_hidden_or_flagged(answers: Path) -> None:
    path = answers / "D157_year_benzodiazepines.response.xml"
    edit(path, '<c v="3.3"/>', '<c v="Unreliable"/>')  # 2018
    edit(path, '<c v="3.0"/>', '<c v="3.0 (Unreliable)"/>')  # 2019
    frame = wonder_api.parse(answers).tables[TABLE]
    hidden = one(frame, measure="crude_rate", drug_group="benzodiazepines", period_type="year",
                 year=2018)
    assert hidden["unreliable"] and math.isnan(hidden["value"]) and not hidden["suppressed"]
    assert hidden["note"] == "rate hidden by WONDER: fewer than 20 deaths"
    flagged = one(frame, measure="crude_rate", drug_group="benzodiazepines", period_type="year",
                  year=2019)
    assert flagged["unreliable"] and flagged["value"] == 3.0
    assert flagged["note"] == "flagged unreliable by WONDER: fewer than 20 deaths"


def test_processing_error_page_is_not_data(fx: Path) -> None:
    path = fx / "errors" / "processing_error.html"
    with pytest.raises(SourceFormatError) as err:
        wonder_api.read_response(path)
    message = str(err.value)
    assert message.startswith(f"{path}, line 1: WONDER answered with a web page, not data")
    assert "CDC WONDER: Processing Error" in message


def test_message_instead_of_a_table_is_not_data(fx: Path) -> None:
    with pytest.raises(SourceFormatError, match=r"did not return a data table .*found 'Selecti"
                                                r"ons were made to location variable D176\.V9\.'"):
        wonder_api.read_response(fx / "errors" / "location_refused.xml")


def test_cut_off_answer_names_its_line(answers: Path) -> None:
    path = answers / "D157_year_benzodiazepines.response.xml"
    text = path.read_bytes()
    path.write_bytes(text[: text.index(b"<r><c l=\"2021\"") + 12])
    message = refusal(answers)
    assert "D157_year_benzodiazepines.response.xml, line " in message
    assert "not well-formed XML (answer cut short?)" in message


def test_a_cell_that_is_no_number_is_refused(answers: Path) -> None:
    edit(answers / "D157_year_benzodiazepines.response.xml", '<c v="12,290"/>', '<c v="12.290,0"/>')
    message = refusal(answers)
    assert "column 'D157.M1': not a number" in message and "'12.290,0'" in message


def test_another_definition_is_refused(answers: Path) -> None:
    edit(answers / "D176_year_benzodiazepines.request.xml", "<value>Y14</value>", "")
    message = refusal(answers)
    assert "D176_year_benzodiazepines.response.xml: underlying cause is not the drug-overdose " \
           "definition" in message and "Y10–Y13" in message


def test_wonder_running_another_query_is_refused(answers: Path) -> None:
    path = answers / "D157_year_benzodiazepines_with_any_opioid.response.xml"
    edit(path, "<value>T40.6</value>\r\n\t</parameter>", "</parameter>")
    message = refusal(answers)
    assert "WONDER ran another query than the request sent" in message
    assert "V_D157.V13_AND" in message


def test_answers_of_different_vintages_are_not_subtracted(answers: Path) -> None:
    edit(answers / "D176_year_benzodiazepines_with_any_opioid.response.xml",
         "through June 28, 2025 as of July 6, 2025", "through July 5, 2025 as of July 13, 2025")
    message = refusal(answers)
    assert "different WONDER vintages" in message
    assert "D176_year_benzodiazepines_with_any_opioid.response.xml" in message


def test_partial_fetch_and_missing_record_are_reported(answers: Path) -> None:
    for name in ("D176_month_benzodiazepines.response.xml", "FETCHED.json"):
        (answers / name).unlink()
    warnings = wonder_api.parse(answers).warnings
    assert any(w.startswith("not fetched (yet): D176_month_benzodiazepines.response.xml")
               for w in warnings)
    assert any("no FETCHED.json record" in w for w in warnings)


# --- fetch against a local server ------------------------------------------------------------

class WonderServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fetched: Path) -> None:
        super().__init__(("127.0.0.1", 0), WonderHandler)
        self.fetched = fetched
        self.posts: list[tuple[str, dict[str, list[str]], str]] = []
        self.override: dict[str, tuple[int, str, bytes]] = {}
        """query stem -> (status, content type, body) instead of the fixture answer."""
        self.delay = 0.0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/controller/datarequest"


class WonderHandler(BaseHTTPRequestHandler):
    server: WonderServer

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        form = parse_qs(self.rfile.read(length).decode("utf-8"))
        self.server.posts.append((self.path, form, self.headers.get("User-Agent", "")))
        db = self.path.rsplit("/", 1)[-1]
        query = next(q for q in wonder_api.QUERIES if q.database == db
                     and wonder_api.build_request(q) == form["request_xml"][0])
        status, kind, body = self.server.override.get(query.stem, (
            200, "application/xml", (self.server.fetched / query.response_name).read_bytes()))
        if self.server.delay:
            time.sleep(self.server.delay)
        try:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout test)


@pytest.fixture
def server(fx: Path) -> Iterator[WonderServer]:
    srv = WonderServer(fx / "fetched")
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(timeout=5)


class FakeSleep:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def start_fetch(server: WonderServer, folder: Path, **options) -> Iterator[str]:
    options = {"accept_terms": True, "session": make_session(retries=0),
               "base_url": server.base, "sleep": FakeSleep(), **options}
    return wonder_api.fetch_api(folder, **options)


def run_fetch(server: WonderServer, folder: Path, **options) -> list[str]:
    return list(start_fetch(server, folder, **options))


def test_terms_not_accepted_refuses_before_any_query(server: WonderServer, tmp_path: Path) -> None:
    with pytest.raises(TermsNotAccepted) as err:
        run_fetch(server, tmp_path / FOLDER, accept_terms=False)
    message = str(err.value)
    assert message.startswith("CDC WONDER data-use restrictions (summary")
    assert "make no attempt to learn the identity" in message
    assert "https://wonder.cdc.gov/mcd-icd10-provisional.html" in message
    assert message.endswith("run `python -m etl fetch --source wonder_api "
                            "--accept-wonder-terms`.")
    assert server.posts == [] and not (tmp_path / FOLDER).exists()


def test_fetch_keeps_every_answer_with_its_request_at_cdcs_pace(
        server: WonderServer, fx: Path, tmp_path: Path) -> None:
    sleep = FakeSleep()
    folder = tmp_path / FOLDER
    lines = run_fetch(server, folder, sleep=sleep)
    assert sleep.calls == [120.0] * 7  # between the 8 queries, never before the first
    assert lines[0].startswith("accepted [cdc_wonder_api] at ") and "data-use" in lines[0]
    assert sum(line.startswith("ok [cdc_wonder_api]") for line in lines) == 8
    assert sum(line.startswith("waiting 120 s") for line in lines) == 7
    paths = [p for p, _, _ in server.posts]
    assert paths == [f"/controller/datarequest/{q.database}" for q in wonder_api.QUERIES]
    for (_, form, agent), query in zip(server.posts, wonder_api.QUERIES):
        assert form["accept_datause_restrictions"] == ["true"] and agent == USER_AGENT
        assert (folder / query.request_name).read_text(encoding="utf-8") == \
            form["request_xml"][0]
        assert (folder / query.response_name).read_bytes() == \
            (fx / "fetched" / query.response_name).read_bytes()
    fetched = json.loads((folder / "FETCHED.json").read_text())
    assert fetched["fetched_by"] == USER_AGENT
    entry = fetched["files"]["D176_year_benzodiazepines.response.xml"]
    body = (folder / "D176_year_benzodiazepines.response.xml").read_bytes()
    assert entry["sha256"] == hashlib.sha256(body).hexdigest() and entry["bytes"] == len(body)
    assert entry["url"] == f"{server.base}/D176" and entry["status"] == 200
    assert entry["dataset_vintage"] == "Deaths occurring through June 28, 2025 as of July 6, 2025"
    assert entry["request"] == "D176_year_benzodiazepines.request.xml" and entry["rows"] == 8
    assert entry["data_use_restrictions_accepted"].endswith("+00:00")
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [q.request_name for q in wonder_api.QUERIES]
        + [q.response_name for q in wonder_api.QUERIES] + ["FETCHED.json"])
    fresh = wonder_api.parse(folder).tables[TABLE]
    pd.testing.assert_frame_equal(fresh, wonder_api.parse(fx / "fetched").tables[TABLE])


def test_pace_is_configurable_but_never_faster_than_asked(server: WonderServer,
                                                          tmp_path: Path) -> None:
    sleep = FakeSleep()
    queries = wonder_api.QUERIES[:3]
    run_fetch(server, tmp_path / FOLDER, sleep=sleep, pace_seconds=300, queries=queries)
    assert sleep.calls == [300, 300]
    with pytest.raises(FetchError, match="faster than CDC asks"):
        run_fetch(server, tmp_path / FOLDER, pace_seconds=5)


def test_error_page_fails_that_query_only_and_keeps_its_previous_files(
        server: WonderServer, fx: Path, tmp_path: Path) -> None:
    folder = Path(shutil.copytree(fx / "fetched", tmp_path / FOLDER))
    before = (folder / "D176_month_benzodiazepines.response.xml").read_bytes()
    page = (fx / "errors" / "processing_error.html").read_bytes()
    server.override["D176_month_benzodiazepines"] = (200, "text/html", page)
    lines: list[str] = []
    with pytest.raises(FetchError) as err:
        for line in start_fetch(server, folder):
            lines.append(line)
    message = str(err.value)
    assert message.startswith("1 WONDER queries failed:\n- ")
    assert "/D176 (D176_month_benzodiazepines): the answer is not the data asked for, nothing " \
           "was kept" in message and "CDC WONDER: Processing Error" in message
    assert (folder / "D176_month_benzodiazepines.response.xml").read_bytes() == before
    assert len(server.posts) == 8  # the other queries still ran
    assert any(line.startswith("FAILED [cdc_wonder_api] D176_month_benzodiazepines")
               for line in lines)
    assert not list(folder.glob(".*.part"))


def test_http_500_reports_wonders_message(server: WonderServer, fx: Path, tmp_path: Path) -> None:
    body = (fx / "errors" / "location_refused.xml").read_bytes()
    server.override["D176_year_benzodiazepines"] = (500, "application/xml", body)
    with pytest.raises(FetchError) as err:
        run_fetch(server, tmp_path / FOLDER, queries=wonder_api.QUERIES[:1])
    assert ("HTTP 500 Internal Server Error; WONDER says: Selections were made to location "
            "variable D176.V9.") in str(err.value)
    assert not (tmp_path / FOLDER / "D176_year_benzodiazepines.response.xml").exists()


def test_timeout_is_a_clear_error_and_keeps_nothing(server: WonderServer, tmp_path: Path) -> None:
    server.delay = 1.0
    with pytest.raises(FetchError) as err:
        run_fetch(server, tmp_path / FOLDER, queries=wonder_api.QUERIES[:1], timeout=(2, 0.2))
    message = str(err.value)
    assert "(D176_year_benzodiazepines): no answer within 0.2 s" in message
    assert "fetch again later (nothing was kept)" in message
    assert not list((tmp_path / FOLDER).iterdir())


def test_fetch_command_states_and_requires_the_terms(tmp_path: Path, capsys,
                                                     monkeypatch) -> None:
    code = etl.__main__.main(["fetch", "--source", "wonder_api", "--raw-dir", str(tmp_path),
                              "--quiet"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "FAILED [cdc_wonder_api]: CDC WONDER data-use restrictions" in out
    assert "--accept-wonder-terms" in err
    monkeypatch.setattr(etl.source, "SOURCE_MODULES", ("wonder_api",))
    lines = list(fetch_sources(tmp_path, None, progress=False))  # all sources: skipped, no error
    assert lines[0].startswith("skip [cdc_wonder_api]: CDC WONDER data-use restrictions")


# --- build: nothing fetched, answers present, answers disagreeing with NIDA -------------------

NIDA_COUNTS = {  # NIDA's published benzodiazepine deaths (workbook of 5.2.2024)
    2018: (10724, 9140), 2019: (9711, 8301), 2020: (12290, 10771), 2021: (12499, 10992),
    2022: (10964, 9402)}


def fake_nida() -> types.ModuleType:
    """A source module whose table is called nida_national (the cross-check's name for NIDA)."""
    module = types.ModuleType("etl.fakenida")
    module.SOURCE = Source(
        id="fakenida", title="Fake NIDA", publisher="Tests", landing_url="http://127.0.0.1/",
        raw_folder="fakenida", files=(), tables=(TableSpec("nida_national", "Fake", "Fake"),),
        coverage="tests", definitions=("ucd_overdose",), citation="none")

    def parse(folder: Path) -> ParseResult:
        rows = [{"drug_group": group, "year": year, "value": float(value)}
                for year, (total, with_opioid) in NIDA_COUNTS.items()
                for group, value in (("benzodiazepines", total),
                                     ("benzodiazepines_with_any_opioid", with_opioid),
                                     ("benzodiazepines_without_any_opioid", total - with_opioid))]
        table = tidy_frame(pd.DataFrame(rows), source_id="fakenida", source_file="nida.xlsx",
                           definition="ucd_overdose", measure="deaths", unit="deaths",
                           geo_level="nation", geo_fips=US_FIPS, geo_name="United States",
                           period_type="year")
        return ParseResult({"nida_national": table}, rows_in=len(rows))

    module.parse = parse
    return module


@pytest.fixture
def sources(monkeypatch) -> tuple[str, ...]:
    monkeypatch.setitem(sys.modules, "etl.fakenida", fake_nida())
    monkeypatch.setattr(etl.source, "SOURCE_MODULES", ("fakenida", "wonder_api"))
    monkeypatch.setattr(etl.build, "code_version", lambda: "test-version")
    return etl.source.SOURCE_MODULES


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    (tmp_path / "raw" / "fakenida").mkdir(parents=True)
    return tmp_path / "raw"


def test_build_without_answers_skips_the_extension_and_says_so(sources, raw: Path,
                                                                tmp_path: Path) -> None:
    out = tmp_path / "data"
    report = build(raw, out, progress=False)
    summary = format_summary(report)
    assert f"skipped [cdc_wonder_api] nothing fetched in {raw / FOLDER}; its tables are not " \
           "built (run `python -m etl fetch --source wonder_api --accept-wonder-terms`)" in summary
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest["tables"]) == {"nida_national"}
    assert "cdc_wonder_api" not in manifest["sources"]
    assert verify_data_dir(out) == []


def test_build_with_answers_extends_the_national_series(sources, raw: Path, fx: Path,
                                                        tmp_path: Path) -> None:
    shutil.copytree(fx / "fetched", raw / FOLDER)
    out = tmp_path / "data"
    summary = format_summary(build(raw, out, progress=False))
    assert "warning [cdc_wonder_api] national series from the WONDER API: by year 2018–2023 " \
           "final (D157), 2024–2025 provisional (D176)" in summary
    manifest = json.loads((out / "manifest.json").read_text())
    entry = manifest["sources"]["cdc_wonder_api"]
    assert len(entry["files"]) == 16 and all(f["matches_tested_vintage"] for f in entry["files"])
    assert entry["retrieved"] == "2026-12-02" and "June 28, 2025" in entry["vintage"]
    assert verify_data_dir(out) == []
    tables = {name: pd.read_parquet(out / t["file"]) for name, t in manifest["tables"].items()}
    series = wonder_api.national_series(tables["nida_national"], tables[TABLE])
    benzo = series[series["drug_group"] == "benzodiazepines"]
    assert benzo["year"].tolist() == list(range(2018, 2026))
    assert set(benzo.loc[benzo["year"] <= 2022, "source_id"]) == {"fakenida"}
    assert set(benzo.loc[benzo["year"] >= 2023, "source_id"]) == {"cdc_wonder_api"}
    assert benzo.set_index("year")["provisional"].to_dict() == {
        **{y: False for y in range(2018, 2024)}, 2024: True, 2025: True}
    assert len(series[series["drug_group"] == "benzodiazepines_without_any_opioid"]) == 8
    nida_only = wonder_api.national_series(tables["nida_national"])
    assert nida_only["year"].max() == 2022


def test_build_stops_when_the_overlap_disagrees_with_nida(sources, raw: Path, fx: Path,
                                                          tmp_path: Path) -> None:
    shutil.copytree(fx / "fetched", raw / FOLDER)
    out = tmp_path / "data"
    build(raw, out, progress=False)
    before = sorted(p.name for p in out.iterdir())
    manifest = (out / "manifest.json").read_bytes()
    edit(raw / FOLDER / "D157_year_benzodiazepines.response.xml", '<c v="12,290"/>',
         '<c v="12,291"/>')
    with pytest.raises(BuildError) as err:
        build(raw, out, progress=False)
    message = str(err.value)
    assert message.startswith("cross-checks failed:\n- wonder_api_national 2020 benzodiazepines: "
                              "12,291 deaths (final; D157_year_benzodiazepines.response.xml) but "
                              "nida_national has 12,290 (nida.xlsx): must be equal")
    assert "2020 benzodiazepines_without_any_opioid: 1,520 deaths" in message
    assert (out / "manifest.json").read_bytes() == manifest
    assert sorted(p.name for p in out.iterdir()) == before


def test_answers_removed_later_remove_their_table(sources, raw: Path, fx: Path,
                                                  tmp_path: Path) -> None:
    shutil.copytree(fx / "fetched", raw / FOLDER)
    out = tmp_path / "data"
    build(raw, out, progress=False)
    shutil.rmtree(raw / FOLDER)
    build(raw, out, progress=False)
    manifest = json.loads((out / "manifest.json").read_text())
    assert TABLE not in manifest["tables"] and "cdc_wonder_api" not in manifest["sources"]
    assert not list(out.glob(f"{TABLE}.*.parquet"))


def test_provisional_years_may_differ_from_nida_by_one_percent(table: pd.DataFrame) -> None:
    provisional = one(table, measure="deaths", drug_group="benzodiazepines", period_type="year",
                      year=2024)
    assert provisional["provisional"] and provisional["value"] == 9120
    nida = fake_nida().parse(Path(".")).tables["nida_national"]
    row = nida[(nida["drug_group"] == "benzodiazepines") & (nida["year"] == 2018)]
    for nida_value, failing in ((9040, False), (8900, True)):  # 0.9% and 2.5% apart
        pretend = row.assign(year=2024, value=float(nida_value))
        failures = wonder_api.agrees_with_nida({TABLE: table, "nida_national": pretend})
        assert bool(failures) == failing, failures
    assert "(provisional, D176;" in failures[0] and "more than 1% apart" in failures[0]
    assert wonder_api.agrees_with_nida({TABLE: table}) == []  # NIDA not built: skipped

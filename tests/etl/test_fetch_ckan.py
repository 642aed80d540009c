"""etl/fetch.py's CKAN path against a local server on 127.0.0.1 (no real internet): the
datastore dump, `datastore_search` paged with limit/offset in CKAN's documented answer shape
(`{"success": true, "result": {"fields", "records", "total", ...}}`), a short last page, CKAN's
error answers, and the dump checked against (or replaced by) the API."""
from __future__ import annotations

import csv
import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from etl.fetch import (FetchError, ckan_api, ckan_rows, ckan_total, fetch_file, make_session,
                       write_ckan_csv)
from etl.source import RawFile

RESOURCE = "1c59b26a-0000-4bfb-92f7-205b947530cf"
FIELDS = ["_id", "death_date_and_time", "age", "combined_od1", "combined_od2"]


def record(i: int) -> dict[str, object]:
    return {"_id": i, "death_date_and_time": f"2023-01-{i:02d}T10:00:00", "age": 30 + i,
            "combined_od1": "Fentanyl", "combined_od2": None if i % 2 else "Bromazolam"}


class CkanServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.records = [record(i) for i in range(1, 8)]
        self.total: int | None = None
        """`total` to report (None: the true count)."""
        self.dump_status = 200
        self.dump_rows: int | None = None
        """Rows the dump holds (None: all)."""
        self.requests: list[tuple[str, dict[str, list[str]]]] = []

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def dump_url(self) -> str:
        return f"{self.base}/datastore/dump/{RESOURCE}"

    def dump(self) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(FIELDS)
        for r in self.records[:self.dump_rows]:
            writer.writerow(["" if r[f] is None else r[f] for f in FIELDS])
        return out.getvalue().encode()


class Handler(BaseHTTPRequestHandler):
    server: CkanServer

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        self.server.requests.append((parts.path, query))
        if parts.path == "/api/3/action/datastore_search":
            status, body, kind = self._search(query)
        elif parts.path == f"/datastore/dump/{RESOURCE}":
            status = self.server.dump_status
            body = self.server.dump() if status == 200 else b"<html>Forbidden</html>"
            kind = "text/csv" if status == 200 else "text/html"
        else:
            status, body, kind = 404, b"not found", "text/plain"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def _search(self, query: dict[str, list[str]]) -> tuple[int, bytes, str]:
        """CKAN's documented answer; errors as CKAN sends them (`success: false`)."""
        def error(status: int, kind: str, message: str) -> tuple[int, bytes, str]:
            body = {"help": "https://ckan/api/3/action/help_show?name=datastore_search",
                    "success": False, "error": {"__type": kind, "message": message}}
            return status, json.dumps(body).encode(), "application/json;charset=utf-8"

        if query.get("resource_id") != [RESOURCE]:
            return error(404, "Not Found Error", f"Not found: Resource \"{query.get('resource_id')}\" was not found.")
        if query.get("limit") == ["-1"]:
            return error(409, "Validation Error", "limit: Must be a natural number")
        assert query.get("sort") == ["_id"], "paging without a stable order skips rows"
        limit, offset = int(query["limit"][0]), int(query.get("offset", ["0"])[0])
        records = self.server.records[offset:offset + limit]
        result = {"include_total": True, "resource_id": RESOURCE, "records_format": "objects",
                  "fields": [{"id": f, "type": "text"} for f in FIELDS],
                  "records": records, "limit": limit, "offset": offset,
                  "_links": {"start": "/api/3/action/datastore_search",
                             "next": f"/api/3/action/datastore_search?offset={offset + limit}"},
                  "total": self.server.total if self.server.total is not None
                  else len(self.server.records)}
        body = {"help": "https://ckan/api/3/action/help_show?name=datastore_search",
                "success": True, "result": result}
        return 200, json.dumps(body).encode(), "application/json;charset=utf-8"


@pytest.fixture
def server() -> Iterator[CkanServer]:
    srv = CkanServer()
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(timeout=5)


@pytest.fixture
def session():
    return make_session(retries=1, backoff_factor=0)


def searches(server: CkanServer) -> list[dict[str, list[str]]]:
    return [q for path, q in server.requests if path.endswith("datastore_search")]


def test_api_endpoint_is_derived_from_the_dump_url() -> None:
    assert ckan_api(f"https://data.wprdc.org/datastore/dump/{RESOURCE}") == \
        "https://data.wprdc.org/api/3/action/datastore_search"


def test_rows_are_paged_until_a_short_last_page(server, session) -> None:
    rows = list(ckan_rows(ckan_api(server.dump_url()), RESOURCE, page_size=3, session=session))
    assert [r for _, r in rows] == server.records
    assert rows[0][0] == FIELDS
    assert [(q["offset"], q["limit"]) for q in searches(server)] == [
        (["0"], ["3"]), (["3"], ["3"]), (["6"], ["3"])]


def test_paging_stops_at_the_total_without_an_empty_page(server, session) -> None:
    server.records = server.records[:6]
    assert len(list(ckan_rows(ckan_api(server.dump_url()), RESOURCE, 3, session=session))) == 6
    assert len(searches(server)) == 2


def test_pages_ending_before_the_total_are_an_error(server, session) -> None:
    server.total = 10
    with pytest.raises(FetchError, match="pages ended after 7 rows, CKAN reported 10"):
        list(ckan_rows(ckan_api(server.dump_url()), RESOURCE, 3, session=session))


def test_total_is_a_zero_row_search(server, session) -> None:
    assert ckan_total(ckan_api(server.dump_url()), RESOURCE, session=session) == 7
    assert searches(server)[0]["limit"] == ["0"]


def test_ckan_error_answer_is_quoted(server, session) -> None:
    with pytest.raises(FetchError) as err:
        ckan_total(ckan_api(server.dump_url()), "no-such-resource", session=session)
    message = str(err.value)
    assert "HTTP 404" in message and "Not Found Error" in message and "was not found" in message
    assert "datastore_search?resource_id=no-such-resource" in message


def test_answer_that_is_not_ckan_json(server, session) -> None:
    with pytest.raises(FetchError, match="answer is not CKAN's JSON"):
        ckan_total(f"{server.base}/datastore/dump/{RESOURCE}", RESOURCE, session=session)


def test_write_ckan_csv_keeps_the_dump_layout(server, session, tmp_path) -> None:
    target = tmp_path / "out.csv"
    digest, size, rows = write_ckan_csv(ckan_api(server.dump_url()), RESOURCE, target,
                                        page_size=3, session=session)
    assert rows == 7 and size == target.stat().st_size
    assert target.read_bytes() == server.dump()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_write_ckan_csv_failure_keeps_the_previous_file(server, session, tmp_path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("previous vintage\n")
    server.total = 10
    with pytest.raises(FetchError):
        write_ckan_csv(ckan_api(server.dump_url()), RESOURCE, target, page_size=3,
                       session=session)
    assert target.read_text() == "previous vintage\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def raw_file(server: CkanServer) -> RawFile:
    return RawFile(f"{RESOURCE}.csv", server.dump_url(), "0" * 64, ckan_resource_id=RESOURCE)


def test_fetch_file_checks_the_dump_against_the_api_total(server, session, tmp_path) -> None:
    d = fetch_file(session, raw_file(server), tmp_path)
    assert (d.rows, d.api_rows) == (7, 7) and not d.matches_tested_vintage
    assert (tmp_path / f"{RESOURCE}.csv").read_bytes() == server.dump()


def test_a_dump_shorter_than_the_api_total_is_not_kept(server, session, tmp_path) -> None:
    server.dump_rows = 5
    with pytest.raises(FetchError, match="dump has 5 data rows but CKAN's datastore_search "
                                         "reports 7: truncated"):
        fetch_file(session, raw_file(server), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_refused_dump_is_replaced_by_the_paged_api(server, session, tmp_path) -> None:
    server.dump_status = 403
    d = fetch_file(session, raw_file(server), tmp_path)
    assert (d.rows, d.api_rows) == (7, 7)
    server.dump_status = 200
    assert (tmp_path / f"{RESOURCE}.csv").read_bytes() == server.dump()


def test_refused_dump_and_failing_api_name_both(server, session, tmp_path) -> None:
    server.dump_status, server.total = 403, 10
    with pytest.raises(FetchError) as err:
        fetch_file(session, raw_file(server), tmp_path)
    message = str(err.value)
    assert "HTTP 403 Forbidden" in message and "also failed" in message
    assert "pages ended after 7 rows" in message
    assert list(tmp_path.iterdir()) == []


def test_written_file_parses_like_the_dump(server, session, tmp_path: Path) -> None:
    server.dump_status = 403
    fetch_file(session, raw_file(server), tmp_path)
    with (tmp_path / f"{RESOURCE}.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["combined_od2"] == "" and rows[1]["combined_od2"] == "Bromazolam"
    assert [int(r["_id"]) for r in rows] == list(range(1, 8))


def test_fetch_sources_reports_the_ckan_count(server, session, tmp_path, monkeypatch) -> None:
    import sys  # noqa: PLC0415
    import types  # noqa: PLC0415

    import etl.source  # noqa: PLC0415
    from etl.fetch import fetch_sources  # noqa: PLC0415
    from etl.source import Source, TableSpec  # noqa: PLC0415

    module = types.ModuleType("etl.fakeckan")
    module.SOURCE = Source(
        id="fakeckan", title="Fake", publisher="Test", landing_url="http://127.0.0.1/",
        raw_folder="fake_ckan", files=(raw_file(server),),
        tables=(TableSpec("fake", "Fake", "Fake"),), coverage="none", definitions=(),
        citation="none")
    monkeypatch.setitem(sys.modules, "etl.fakeckan", module)
    monkeypatch.setattr(etl.source, "SOURCE_MODULES", ("fakeckan",))
    lines = list(fetch_sources(tmp_path, progress=False, session=session))
    assert len(lines) == 1 and "7 rows (CKAN API: 7)" in lines[0] and "NEW VINTAGE" in lines[0]
    assert json.loads((tmp_path / "fake_ckan" / "FETCHED.json").read_text())["files"][
        f"{RESOURCE}.csv"]["api_rows"] == 7

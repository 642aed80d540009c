"""etl/fetch.py against a local HTTP server on 127.0.0.1 (no real internet): atomic downloads,
retries, clear errors, Socrata paging and completeness, new-vintage reporting, manual sources."""
from __future__ import annotations

import hashlib
import json
import sys
import threading
import time
import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

import etl.build
import etl.fetch
import etl.source
from etl.fetch import (USER_AGENT, FetchError, csv_data_rows, download, fetch_sources,
                       make_session, manual_instructions, socrata_row_count, socrata_rows)
from etl.source import RawFile, Source, TableSpec


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    truncate_to: int | None = None
    """Send only this many body bytes (after a Content-Length for the whole body), then hang up."""


class FakeServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.routes: dict[str, list[Reply]] = {}
        self.requests: list[tuple[str, dict[str, list[str]], str]] = []
        self.socrata: dict[str, list[dict[str, object]]] = {}

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    server: FakeServer

    def log_message(self, *args: object) -> None:  # keep pytest output clean
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        self.server.requests.append((parts.path, query, self.headers.get("User-Agent", "")))
        dataset = parts.path.removeprefix("/resource/").removesuffix(".json")
        if parts.path.startswith("/resource/") and dataset in self.server.socrata:
            reply = self._soda(self.server.socrata[dataset], query)
        elif parts.path in self.server.routes:
            queue = self.server.routes[parts.path]
            reply = queue.pop(0) if len(queue) > 1 else queue[0]
        else:
            reply = Reply(404, b"not found")
        self.send_response(reply.status)
        headers = {"Content-Type": "application/octet-stream", **reply.headers,
                   "Content-Length": str(len(reply.body))}
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(reply.body[:reply.truncate_to])
        self.wfile.flush()
        self.close_connection = True

    @staticmethod
    def _soda(rows: list[dict[str, object]], query: dict[str, list[str]]) -> Reply:
        if query.get("$select") == ["count(*)"]:
            page: list[dict[str, object]] = [{"count": str(len(rows))}]
        else:
            assert query["$order"] == [":id"], "paging without a stable order skips rows"
            offset, limit = int(query["$offset"][0]), int(query["$limit"][0])
            page = rows[offset:offset + limit]
        return Reply(200, json.dumps(page).encode(), {"Content-Type": "application/json"})


@pytest.fixture
def server() -> Iterator[FakeServer]:
    srv = FakeServer()
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
    return make_session(retries=3, backoff_factor=0)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- download -------------------------------------------------------------------------------

def test_download_writes_file_with_hash_and_user_agent(server, session, tmp_path):
    body = b"year,deaths\n2020,12290\n"
    server.routes["/data.csv"] = [Reply(body=body)]
    digest, size = download(session, f"{server.base}/data.csv", tmp_path / "sub" / "data.csv")
    assert (tmp_path / "sub" / "data.csv").read_bytes() == body
    assert (digest, size) == (sha(body), len(body))
    assert server.requests[0][2] == USER_AGENT
    assert USER_AGENT.startswith("benzo-overdose-dashboard-etl/1.0 (+")
    assert leftovers(tmp_path / "sub") == ["data.csv"]


def test_503_then_200_is_retried(server, session, tmp_path):
    server.routes["/flaky.csv"] = [Reply(503, b"busy", {"Retry-After": "0"}), Reply(500),
                                   Reply(body=b"ok\n")]
    download(session, f"{server.base}/flaky.csv", tmp_path / "flaky.csv")
    assert (tmp_path / "flaky.csv").read_bytes() == b"ok\n"
    assert [r[0] for r in server.requests] == ["/flaky.csv"] * 3


def test_retry_after_header_is_respected(server, session, tmp_path):
    server.routes["/slow.csv"] = [Reply(429, headers={"Retry-After": "1"}), Reply(body=b"x")]
    started = time.monotonic()
    download(session, f"{server.base}/slow.csv", tmp_path / "slow.csv")
    assert time.monotonic() - started >= 0.9
    assert len(server.requests) == 2


def test_persistent_503_fails_naming_the_url(server, session, tmp_path):
    server.routes["/down.csv"] = [Reply(503, headers={"Retry-After": "0"})]
    with pytest.raises(FetchError, match=r"/down\.csv: HTTP 503"):
        download(session, f"{server.base}/down.csv", tmp_path / "down.csv")
    assert len(server.requests) == 4  # first try + 3 retries
    assert leftovers(tmp_path) == []


def test_404_is_a_clear_error_and_leaves_no_file(server, session, tmp_path):
    url = f"{server.base}/missing.xlsx"
    with pytest.raises(FetchError) as err:
        download(session, url, tmp_path / "missing.xlsx")
    assert str(err.value).startswith(f"{url}: HTTP 404")
    assert len(server.requests) == 1  # a 404 is not retried
    assert leftovers(tmp_path) == []


def test_truncated_body_is_an_error_and_no_file_is_left(server, session, tmp_path):
    server.routes["/cut.csv"] = [Reply(body=b"a,b\n" * 5000, truncate_to=1000)]
    target = tmp_path / "cut.csv"
    with pytest.raises(FetchError, match=r"/cut\.csv: .*(cut off|truncated)"):
        download(session, f"{server.base}/cut.csv", target)
    assert leftovers(tmp_path) == []


def test_truncation_keeps_the_previous_file(server, session, tmp_path):
    target = tmp_path / "keep.csv"
    target.write_bytes(b"previous vintage\n")
    server.routes["/keep.csv"] = [Reply(body=b"x" * 10_000, truncate_to=10)]
    with pytest.raises(FetchError):
        download(session, f"{server.base}/keep.csv", target)
    assert target.read_bytes() == b"previous vintage\n"
    assert leftovers(tmp_path) == ["keep.csv"]


def test_web_page_instead_of_file_is_refused(server, session, tmp_path):
    server.routes["/dashboard"] = [Reply(body=b"<html>", headers={"Content-Type": "text/html"})]
    with pytest.raises(FetchError, match="served a web page"):
        download(session, f"{server.base}/dashboard", tmp_path / "data.xlsx")
    assert leftovers(tmp_path) == []


def test_manual_hosts_and_pages_are_recognised(tmp_path):
    wonder = RawFile("Benz/State.txt", "https://wonder.cdc.gov/controller/datarequest/D77", "0")
    page = RawFile("s.xlsx", "https://www.cdc.gov/overdose/sudors-dashboard.html", "0")
    direct = RawFile("n.xlsx", "https://nida.nih.gov/sites/default/files/x%201.xlsx", "0")
    hint = manual_instructions(wonder, tmp_path)
    assert "query form" in hint and "https://wonder.cdc.gov/controller/datarequest/D77" in hint
    assert f"described in {tmp_path / 'PROVENANCE.md'}" in hint
    assert hint.endswith(f"save the .txt file as {tmp_path / 'Benz' / 'State.txt'}")
    assert "download button" in manual_instructions(page, tmp_path)
    assert manual_instructions(direct, tmp_path) is None


# --- Socrata --------------------------------------------------------------------------------

def soda_rows(n: int) -> list[dict[str, object]]:
    return [{"state": f"S{i}", "deaths": str(i)} for i in range(n)]


def test_socrata_rows_pages_until_a_short_page(server, session):
    server.socrata["abcd-1234"] = soda_rows(7)
    domain = server.base.removeprefix("http://")
    rows = list(socrata_rows(domain, "abcd-1234", page_size=3, session=session, scheme="http"))
    assert rows == soda_rows(7)
    offsets = [int(q["$offset"][0]) for _, q, _ in server.requests]
    assert offsets == [0, 3, 6]
    assert all(q["$limit"] == ["3"] and q["$order"] == [":id"] for _, q, _ in server.requests)


def test_socrata_rows_stop_at_an_empty_page(server, session):
    server.socrata["abcd-1234"] = soda_rows(6)
    domain = server.base.removeprefix("http://")
    assert len(list(socrata_rows(domain, "abcd-1234", 3, session=session, scheme="http"))) == 6
    assert len(server.requests) == 3  # 3 + 3 + empty


def test_socrata_row_count(server, session):
    server.socrata["abcd-1234"] = soda_rows(123)
    domain = server.base.removeprefix("http://")
    assert socrata_row_count(domain, "abcd-1234", session=session, scheme="http") == 123
    assert server.requests[0][1]["$select"] == ["count(*)"]


def test_csv_data_rows_counts_records_not_lines(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text('\ufeffa,b\n1,"two\nlines"\n3,4\n', encoding="utf-8")
    assert csv_data_rows(path) == 2


# --- fetch_sources --------------------------------------------------------------------------

def install_source(monkeypatch, files: tuple[RawFile, ...]) -> None:
    """Register a fake source module as etl.fakefetch and make it the only source."""
    module = types.ModuleType("etl.fakefetch")
    module.SOURCE = Source(
        id="fakefetch", title="Fake", publisher="Test", landing_url="http://127.0.0.1/",
        raw_folder="fake_folder", files=files, tables=(TableSpec("fake", "Fake", "Fake"),),
        coverage="none", definitions=(), citation="none")
    monkeypatch.setitem(sys.modules, "etl.fakefetch", module)
    monkeypatch.setattr(etl.source, "SOURCE_MODULES", ("fakefetch", "not_written_yet"))


def csv_export(n: int) -> bytes:
    return ("state,deaths\n" + "".join(f"S{i},{i}\n" for i in range(n))).encode()


def test_fetch_sources_reports_new_vintage_and_writes_fetched_json(server, session, tmp_path,
                                                                   monkeypatch):
    old, new = b"year,deaths\n2020,1\n", b"year,deaths\n2020,1\n2021,2\n"
    server.routes["/same.csv"] = [Reply(body=old)]
    server.routes["/new.csv"] = [Reply(body=new)]
    install_source(monkeypatch, (RawFile("same.csv", f"{server.base}/same.csv", sha(old)),
                                 RawFile("dir/new.csv", f"{server.base}/new.csv", sha(old))))
    lines = list(fetch_sources(tmp_path, None, progress=False, session=session))
    folder = tmp_path / "fake_folder"
    assert (folder / "dir" / "new.csv").read_bytes() == new  # a new vintage is kept
    assert any("same.csv" in line and "same vintage as tested" in line for line in lines)
    assert any("dir/new.csv" in line and "NEW VINTAGE" in line for line in lines)
    assert any(line.startswith("skip not_written_yet") for line in lines)
    fetched = json.loads((folder / "FETCHED.json").read_text())["files"]
    assert fetched["dir/new.csv"]["sha256"] == sha(new)
    assert fetched["dir/new.csv"]["bytes"] == len(new)
    assert fetched["dir/new.csv"]["url"] == f"{server.base}/new.csv"
    assert fetched["dir/new.csv"]["matches_tested_vintage"] is False
    assert fetched["same.csv"]["date"].endswith("+00:00")


def test_fetch_sources_socrata_export_complete(server, session, tmp_path, monkeypatch):
    server.routes["/api/views/abcd-1234/rows.csv"] = [Reply(body=csv_export(7))]
    server.socrata["abcd-1234"] = soda_rows(7)
    url = f"{server.base}/api/views/abcd-1234/rows.csv?accessType=DOWNLOAD"
    install_source(monkeypatch, (RawFile("export.csv", url, sha(csv_export(7)), "abcd-1234"),))
    lines = list(fetch_sources(tmp_path, ["fakefetch"], progress=False, session=session))
    assert "7 rows (SODA API: 7)" in lines[0]
    fetched = json.loads((tmp_path / "fake_folder" / "FETCHED.json").read_text())["files"]
    assert fetched["export.csv"]["rows"] == fetched["export.csv"]["api_rows"] == 7


def test_fetch_sources_truncated_socrata_export_fails(server, session, tmp_path, monkeypatch):
    server.routes["/api/views/abcd-1234/rows.csv"] = [Reply(body=csv_export(5))]
    server.socrata["abcd-1234"] = soda_rows(7)
    url = f"{server.base}/api/views/abcd-1234/rows.csv?accessType=DOWNLOAD"
    install_source(monkeypatch, (RawFile("export.csv", url, "0" * 64, "abcd-1234"),))
    lines: list[str] = []
    with pytest.raises(FetchError) as err:
        for line in fetch_sources(tmp_path, ["fakefetch"], progress=False, session=session):
            lines.append(line)
    message = str(err.value)
    assert "export has 5 data rows but the API" in message and "reports 7" in message
    assert "abcd-1234" in message and "truncated" in message
    assert lines and lines[0].startswith("FAILED [fakefetch] export.csv")
    assert leftovers(tmp_path / "fake_folder") == []


def test_fetch_sources_manual_file_does_not_fail(server, session, tmp_path, monkeypatch):
    server.routes["/ok.csv"] = [Reply(body=b"a\n1\n")]
    install_source(monkeypatch, (
        RawFile("Benz/State.txt", "https://wonder.cdc.gov/controller/datarequest/D77", "0"),
        RawFile("ok.csv", f"{server.base}/ok.csv", sha(b"a\n1\n"))))
    lines = list(fetch_sources(tmp_path, ["fakefetch"], progress=False, session=session))
    assert lines[0].startswith("manual [fakefetch] Benz/State.txt (MISSING)")
    assert "wonder.cdc.gov" in lines[0] and "Export" in lines[0]
    assert [r[0] for r in server.requests] == ["/ok.csv"]  # WONDER was never requested


def test_fetch_sources_404_continues_then_raises(server, session, tmp_path, monkeypatch):
    server.routes["/ok.csv"] = [Reply(body=b"a\n1\n")]
    install_source(monkeypatch, (RawFile("gone.csv", f"{server.base}/gone.csv", "0"),
                                 RawFile("ok.csv", f"{server.base}/ok.csv", "0")))
    failed = r"1 download\(s\) failed:\n- http://127\.0\.0\.1:\d+/gone\.csv: HTTP 404"
    with pytest.raises(FetchError, match=failed):
        list(fetch_sources(tmp_path, ["fakefetch"], progress=False, session=session))
    assert (tmp_path / "fake_folder" / "ok.csv").read_bytes() == b"a\n1\n"


def test_fetch_sources_requested_but_unwritten_module_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setattr(etl.source, "SOURCE_MODULES", ("not_written_yet",))
    with pytest.raises(FetchError, match="etl.not_written_yet: cannot import"):
        list(fetch_sources(tmp_path, ["not_written_yet"], progress=False))


def test_fetch_error_is_a_build_error_for_the_cli():
    assert issubclass(FetchError, etl.build.BuildError)

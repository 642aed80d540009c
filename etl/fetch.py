"""Download the raw files again from their publishers (`python -m etl fetch`; needs internet).

A fetch only downloads and records: it never recodes a file. Each `RawFile` of each source is
streamed to a temporary file beside its target and moved into place with os.replace, so an
interrupted download never leaves half a file under the real name. Its sha256 is compared with
the vintage the parsers were tested on: a different hash is a NEW VINTAGE (kept and reported, the
build then parses and validates it). `FETCHED.json` beside the files records url, date, sha256 and
size of what was downloaded.

Socrata datasets (data.cdc.gov, data.ct.gov) are downloaded as the official CSV export and then
checked against the SODA API's row count, because a cut-off export is still a valid CSV. CKAN
datastore resources (data.wprdc.org) are downloaded as the datastore dump and checked against
`datastore_search`'s `total`; when the dump cannot be downloaded, the same rows are paged out of
`datastore_search` (limit/offset, ordered by `_id`) into a CSV of the dump's layout.

Some files cannot be downloaded by a script: CDC WONDER exports come from a web form, and the
CDC dashboards (SUDORS, DOSE) hide their workbooks behind a button. For those the fetch prints
what to do by hand instead of failing.
"""
from __future__ import annotations

import csv
import hashlib
import importlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from etl import source as source_list
from etl.source import BuildError, RawFile, Source
from etl.vintages import fetch_targets

# Placeholder: replace with the public repository URL once it is published.
PROJECT_URL = "https://github.com/OWNER/benzo-overdose-dashboard"
USER_AGENT = f"benzo-overdose-dashboard-etl/1.0 (+{PROJECT_URL})"
TIMEOUT = (10, 60)
"""(connect, read) seconds; read is per socket read, not for the whole file."""
RETRY_STATUS = (429, 500, 502, 503, 504)
FETCHED_NAME = "FETCHED.json"
CHUNK = 1 << 16

# Hosts whose files are only produced by a person in a browser (query form, export button).
MANUAL_DOWNLOAD_HOSTS: dict[str, str] = {
    "wonder.cdc.gov": (
        "CDC WONDER exports come from a query form: open {url}, accept the data-use terms, "
        "rebuild the query described in {provenance} (group-by, ICD-10 codes, years), tick "
        "'Export Results', click Send, and save the .txt file as {path}"),
}
# A URL whose path ends like a web page is a dashboard or landing page with a download button.
MANUAL_PAGE_SUFFIXES = (".html", ".htm", "/")
MANUAL_PAGE_HINT = ("{url} is a web page, not a file: open it in a browser, use its download "
                    "button (see {provenance}) and save the file as {path}")


class FetchError(BuildError):
    """A download failed or is incomplete; the message names the URL and the problem."""


class TermsNotAccepted(FetchError):
    """A source whose publisher requires accepting data-use terms was fetched without
    accepting them (`python -m etl fetch --accept-wonder-terms`); nothing was queried."""


@dataclass(frozen=True)
class Download:
    """What one download produced (recorded in FETCHED.json)."""

    name: str
    url: str
    sha256: str
    bytes: int
    date: str
    matches_tested_vintage: bool
    rows: int | None = None
    api_rows: int | None = None


def make_session(retries: int = 5, backoff_factor: float = 1.0) -> requests.Session:
    """A session that identifies itself and retries connection errors and 429/5xx with
    exponential backoff, waiting as long as a Retry-After header asks."""
    retry = Retry(total=retries, connect=retries, read=2, status=retries,
                  backoff_factor=backoff_factor, status_forcelist=RETRY_STATUS,
                  allowed_methods=frozenset({"GET", "HEAD"}), respect_retry_after_header=True,
                  raise_on_status=False)
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def manual_instructions(raw: RawFile, folder: Path) -> str | None:
    """How to get this file into the source's raw `folder` by hand, or None when its URL
    serves the file directly."""
    parts = urlsplit(raw.url)
    path, provenance = folder / raw.name, folder / "PROVENANCE.md"
    for host, hint in MANUAL_DOWNLOAD_HOSTS.items():
        if parts.hostname == host:
            return hint.format(url=raw.url, provenance=provenance, path=path)
    if parts.path == "" or parts.path.lower().endswith(MANUAL_PAGE_SUFFIXES):
        return MANUAL_PAGE_HINT.format(url=raw.url, provenance=provenance, path=path)
    return None


def download(session: requests.Session, url: str, target: Path, *, progress: bool = False,
             check: Callable[[Path], None] | None = None) -> tuple[str, int]:
    """Stream `url` into `target` atomically; return (sha256, bytes).

    Raises FetchError naming the URL on an HTTP error, a connection failure, a body shorter
    than its Content-Length, or a web page served where a data file was expected. `check`
    inspects the complete temporary file before it replaces `target` (and may raise).
    """
    from tqdm import tqdm  # noqa: PLC0415

    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    tmp = Path(tmp_name)
    digest, size = hashlib.sha256(), 0
    try:
        try:
            with session.get(url, stream=True, timeout=TIMEOUT) as response:
                if response.status_code >= 400:
                    raise FetchError(f"{url}: HTTP {response.status_code} {response.reason} "
                                     f"(after retries where the status allows them)")
                content_type = response.headers.get("Content-Type", "")
                if "text/html" in content_type and not target.suffix.lower().startswith(".htm"):
                    raise FetchError(f"{url}: served a web page ({content_type}), not the data "
                                     f"file {target.name}; download it by hand")
                expected = _expected_length(response)
                handle = os.fdopen(fd, "wb")
                fd = -1
                with handle, tqdm(total=expected, unit="B", unit_scale=True,
                                  desc=target.name[:30], disable=not progress,
                                  leave=False) as bar:
                    for chunk in response.iter_content(CHUNK):
                        handle.write(chunk)
                        digest.update(chunk)
                        size += len(chunk)
                        bar.update(len(chunk))
                    handle.flush()
                    os.fsync(handle.fileno())
        except requests.exceptions.ChunkedEncodingError as err:
            raise FetchError(f"{url}: download cut off before the end, nothing kept "
                             f"({err})") from err
        except requests.exceptions.RequestException as err:
            raise FetchError(f"{url}: download failed ({type(err).__name__}: {err})") from err
        if expected is not None and size != expected:
            raise FetchError(f"{url}: truncated download: got {size:,} bytes, "
                             f"Content-Length said {expected:,}")
        if check is not None:
            check(tmp)
        os.replace(tmp, target)
    finally:
        if fd != -1:
            os.close(fd)
        tmp.unlink(missing_ok=True)
    return digest.hexdigest(), size


def _expected_length(response: requests.Response) -> int | None:
    """Content-Length counts the bytes on the wire, so it only applies when the body is not
    content-encoded (requests decompresses gzip transparently)."""
    length = response.headers.get("Content-Length")
    if length is None or response.headers.get("Content-Encoding", "identity") != "identity":
        return None
    try:
        return int(length)
    except ValueError:
        return None


def _soda_base(domain: str, scheme: str) -> str:
    return f"{scheme}://{domain}/resource"


def socrata_rows(domain: str, dataset_id: str, page_size: int = 50000, *,
                 session: requests.Session | None = None, scheme: str = "https",
                 select: str | None = None) -> Iterator[dict[str, object]]:
    """Every row of a Socrata dataset through the SODA API, page by page in a stable order
    (`$order=:id`), until a page comes back empty or shorter than `page_size`."""
    session = session or make_session()
    url = f"{_soda_base(domain, scheme)}/{dataset_id}.json"
    offset = 0
    while True:
        params: dict[str, object] = {"$limit": page_size, "$offset": offset, "$order": ":id"}
        if select:
            params["$select"] = select
        page = _get_json(session, url, params)
        if not isinstance(page, list):
            raise FetchError(f"{url}: expected a JSON list of rows at offset {offset}, "
                             f"found {type(page).__name__}")
        yield from page
        if len(page) < page_size:
            return
        offset += page_size


def socrata_row_count(domain: str, dataset_id: str, *, session: requests.Session | None = None,
                      scheme: str = "https") -> int:
    """Rows the SODA API reports (`$select=count(*)`); pages through the rows when the
    count query answers in an unexpected shape."""
    session = session or make_session()
    url = f"{_soda_base(domain, scheme)}/{dataset_id}.json"
    answer = _get_json(session, url, {"$select": "count(*)"})
    if isinstance(answer, list) and len(answer) == 1 and isinstance(answer[0], dict):
        # The result column is "count" on SODA 2.1 and "count_1" on older endpoints.
        values = list(answer[0].values())
        if len(values) == 1:
            try:
                return int(values[0])
            except (TypeError, ValueError):
                pass
    return sum(1 for _ in socrata_rows(domain, dataset_id, session=session, scheme=scheme,
                                       select=":id"))


def _get_json(session: requests.Session, url: str, params: dict[str, object]) -> object:
    try:
        response = session.get(url, params=params, timeout=TIMEOUT)
    except requests.exceptions.RequestException as err:
        raise FetchError(f"{url}: request failed ({type(err).__name__}: {err})") from err
    if response.status_code >= 400:
        raise FetchError(f"{response.url}: HTTP {response.status_code} {response.reason}")
    try:
        return response.json()
    except ValueError as err:
        raise FetchError(f"{response.url}: answer is not JSON ({err})") from err


def ckan_api(dump_url: str) -> str:
    """The `datastore_search` endpoint of the CKAN site a datastore dump URL belongs to."""
    parts = urlsplit(dump_url)
    return f"{parts.scheme}://{parts.netloc}/api/3/action/datastore_search"


def ckan_search(session: requests.Session, api: str, resource_id: str, *, limit: int,
                offset: int = 0) -> dict[str, object]:
    """One `datastore_search` page: CKAN's `result` (fields, records, total, ...). An error
    answer (`success: false`, any HTTP status) is a FetchError quoting CKAN's message."""
    params = {"resource_id": resource_id, "limit": limit, "offset": offset, "sort": "_id"}
    try:
        response = session.get(api, params=params, timeout=TIMEOUT)
    except requests.exceptions.RequestException as err:
        raise FetchError(f"{api}: request failed ({type(err).__name__}: {err})") from err
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if not isinstance(answer, dict) or answer.get("success") is not True:
        error = answer.get("error") if isinstance(answer, dict) else None
        detail = (f"{error.get('__type', 'error')}: {error.get('message', error)}"
                  if isinstance(error, dict) else f"answer is not CKAN's JSON "
                  f"({response.headers.get('Content-Type', 'no content type')})")
        raise FetchError(f"{response.url}: HTTP {response.status_code}, CKAN said {detail}")
    result = answer.get("result")
    if not isinstance(result, dict) or not isinstance(result.get("records"), list):
        raise FetchError(f"{response.url}: CKAN answer has no result.records list")
    return result


def ckan_total(api: str, resource_id: str, *, session: requests.Session | None = None) -> int:
    """Rows the datastore holds (`total` of a zero-row search)."""
    result = ckan_search(session or make_session(), api, resource_id, limit=0)
    try:
        return int(result["total"])  # type: ignore[arg-type]
    except (KeyError, TypeError, ValueError):
        raise FetchError(f"{api}?resource_id={resource_id}: CKAN answer has no total") from None


def ckan_rows(api: str, resource_id: str, page_size: int = 10000, *,
              session: requests.Session | None = None
              ) -> Iterator[tuple[list[str], dict[str, object]]]:
    """(field names, record) for every row, page by page in `_id` order, until a page is
    shorter than `page_size` or `total` rows have come; fewer rows than `total` is an error."""
    session = session or make_session()
    offset, seen, total = 0, 0, None
    while True:
        result = ckan_search(session, api, resource_id, limit=page_size, offset=offset)
        fields = [str(f["id"]) for f in result.get("fields", [])  # type: ignore[union-attr]
                  if isinstance(f, dict) and "id" in f]
        total = int(result.get("total", 0)) if total is None else total  # type: ignore[arg-type]
        records: list = result["records"]  # type: ignore[assignment]
        for record in records:
            yield fields, record
        seen += len(records)
        if len(records) < page_size or seen >= total:
            break
        offset += page_size
    if seen < total:
        raise FetchError(f"{api}?resource_id={resource_id}: pages ended after {seen:,} rows, "
                         f"CKAN reported {total:,}")


def write_ckan_csv(api: str, resource_id: str, target: Path, *, page_size: int = 10000,
                   session: requests.Session | None = None) -> tuple[str, int, int]:
    """Page every row into `target` as CSV in the dump's layout (fields in CKAN's order, blank
    for null), atomically; return (sha256, bytes, rows)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    tmp, rows, header = Path(tmp_name), 0, None
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            for fields, record in ckan_rows(api, resource_id, page_size, session=session):
                if header is None:
                    header = fields or list(record)
                    writer.writerow(header)
                writer.writerow(["" if record.get(f) is None else record.get(f) for f in header])
                rows += 1
            if header is None:
                raise FetchError(f"{api}?resource_id={resource_id}: the datastore has no rows")
        digest = hashlib.sha256(tmp.read_bytes()).hexdigest()
        size = tmp.stat().st_size
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return digest, size, rows


def csv_data_rows(path: Path) -> int:
    """Data records in a CSV export (header excluded; quoted line breaks stay in one record)."""
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
        return max(sum(1 for _ in csv.reader(handle)) - 1, 0)


def fetch_file(session: requests.Session, raw: RawFile, folder: Path, *,
               progress: bool = False) -> Download:
    """Download one raw file; a Socrata export or CKAN dump must hold as many rows as the
    publisher's API reports."""
    counts: dict[str, int] = {}

    def socrata_complete(tmp: Path) -> None:
        parts = urlsplit(raw.url)
        counts["rows"] = csv_data_rows(tmp)
        counts["api_rows"] = socrata_row_count(parts.netloc, str(raw.socrata_id),
                                               session=session, scheme=parts.scheme)
        if counts["rows"] < counts["api_rows"]:
            raise FetchError(f"{raw.url}: export has {counts['rows']:,} data rows but the API "
                             f"({parts.netloc}/resource/{raw.socrata_id}.json) reports "
                             f"{counts['api_rows']:,}: the download was truncated and was not "
                             f"kept; run the fetch again")

    if raw.ckan_resource_id:
        digest, size = _fetch_ckan(session, raw, folder, counts, progress)
    else:
        digest, size = download(session, raw.url, folder / raw.name, progress=progress,
                                check=socrata_complete if raw.socrata_id else None)
    return Download(raw.name, raw.url, digest, size,
                    datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
                    digest == raw.sha256, counts.get("rows"), counts.get("api_rows"))


def _fetch_ckan(session: requests.Session, raw: RawFile, folder: Path, counts: dict[str, int],
                progress: bool) -> tuple[str, int]:
    """The datastore dump, checked against the API's total; if the dump endpoint refuses, the
    rows paged out of the API. A dump cut short is an error, not a reason to switch."""
    api, resource_id = ckan_api(raw.url), str(raw.ckan_resource_id)

    def ckan_complete(tmp: Path) -> None:
        counts["rows"] = csv_data_rows(tmp)
        counts["api_rows"] = ckan_total(api, resource_id, session=session)
        if counts["rows"] < counts["api_rows"]:
            raise FetchError(f"{raw.url}: dump has {counts['rows']:,} data rows but CKAN's "
                             f"datastore_search reports {counts['api_rows']:,}: truncated, not "
                             "kept; run the fetch again")

    try:
        return download(session, raw.url, folder / raw.name, progress=progress,
                        check=ckan_complete)
    except FetchError as dump_error:
        if counts or "truncated" in str(dump_error) or "cut off" in str(dump_error):
            raise
        try:
            digest, size, rows = write_ckan_csv(api, resource_id, folder / raw.name,
                                                session=session)
        except FetchError as api_error:
            raise FetchError(f"{dump_error}; paging {api} instead also failed: "
                             f"{api_error}") from api_error
    counts.update(rows=rows, api_rows=rows)
    return digest, size


def write_fetched(folder: Path, downloads: list[Download]) -> Path:
    """Merge this run's downloads into FETCHED.json (files not fetched now keep their entry)."""
    return merge_fetched(folder, {
        d.name: {k: v for k, v in d.__dict__.items() if k != "name" and v is not None}
        for d in downloads})


def merge_fetched(folder: Path, new: dict[str, dict[str, object]]) -> Path:
    """Merge entries (file name -> record) into FETCHED.json; other files keep their entry."""
    path = folder / FETCHED_NAME
    entries: dict[str, dict[str, object]] = {}
    if path.is_file():
        try:
            entries = json.loads(path.read_text()).get("files", {})
        except (json.JSONDecodeError, AttributeError):
            entries = {}
    entries.update(new)
    fd, tmp = tempfile.mkstemp(prefix=f".{FETCHED_NAME}.", dir=folder)
    with os.fdopen(fd, "w") as handle:
        json.dump({"fetched_by": USER_AGENT, "files": entries}, handle, indent=2,
                  sort_keys=True)
        handle.write("\n")
    os.replace(tmp, path)
    return path


def _load_modules(only: list[str] | None) -> Iterator[tuple[str, ModuleType | None, str]]:
    """(name, module or None, message). Modules are imported one at a time, only those asked
    for; a source whose module is not written yet is skipped unless it was asked for."""
    known = source_list.SOURCE_MODULES
    for name in only or known:
        if name not in known:
            raise FetchError(f"unknown source {name!r}; known: {', '.join(known)}")
        try:
            yield name, importlib.import_module(f"etl.{name}"), ""
        except ModuleNotFoundError as err:
            if err.name != f"etl.{name}" or only:
                raise FetchError(f"etl.{name}: cannot import ({err})") from err
            yield name, None, f"skip {name}: etl/{name}.py is not written yet"


def fetch_sources(raw_dir: Path, only: list[str] | None = None, progress: bool = True,
                  *, session: requests.Session | None = None, accept_terms: bool = False,
                  pace_seconds: float | None = None) -> Iterator[str]:
    """Download every automatic file of the selected sources; yield one line per file.

    Failures do not stop the other files; they are raised together at the end. A source module
    with `fetch_api(folder, ...)` (an API that answers queries, such as etl/wonder_api.py) runs
    that instead; `accept_terms` and `pace_seconds` are passed to it. Such a source whose
    data-use terms were not accepted is skipped with the terms printed, and fails the run only
    if it was asked for by name.
    """
    session = session or make_session()
    raw_dir = Path(raw_dir)
    failures: list[str] = []
    for name, module, message in _load_modules(only):
        if module is None:
            yield message
            continue
        source: Source = module.SOURCE
        folder = raw_dir / source.raw_folder
        if hasattr(module, "fetch_api"):
            options = {} if pace_seconds is None else {"pace_seconds": pace_seconds}
            try:
                yield from module.fetch_api(folder, accept_terms=accept_terms, session=session,
                                        progress=progress, **options)
            except TermsNotAccepted as err:
                if only:
                    failures.append(str(err))
                yield f"{'FAILED' if only else 'skip'} [{source.id}]: {err}"
            except FetchError as err:
                failures.append(str(err))
                yield f"FAILED [{source.id}]: {err}"
            continue
        downloads: list[Download] = []
        # Of a file the publisher re-releases under new names (VINTAGES), only the newest
        # declared release: older ones are kept in the folder for the comparison.
        for raw in fetch_targets(module):
            target = folder / raw.name
            hint = manual_instructions(raw, folder)
            if hint:
                state = "present" if target.is_file() else "MISSING"
                yield f"manual [{source.id}] {raw.name} ({state}): {hint}"
                continue
            try:
                d = fetch_file(session, raw, folder, progress=progress)
            except FetchError as err:
                failures.append(str(err))
                yield f"FAILED [{source.id}] {raw.name}: {err}"
                continue
            except OSError as err:
                failures.append(f"{target}: cannot write ({err})")
                yield f"FAILED [{source.id}] {raw.name}: cannot write {target} ({err})"
                continue
            downloads.append(d)
            api = "CKAN API" if raw.ckan_resource_id else "SODA API"
            rows = (f", {d.rows:,} rows ({api}: {d.api_rows:,})" if d.rows is not None else "")
            vintage = ("same vintage as tested" if d.matches_tested_vintage else
                       f"NEW VINTAGE: sha256 {d.sha256[:12]}… differs from the tested "
                       f"{raw.sha256[:12]}…; kept, rebuild and review the parser checks")
            yield f"ok [{source.id}] {raw.name}: {d.bytes:,} bytes{rows}; {vintage}"
        if downloads:
            write_fetched(folder, downloads)
    if failures:
        raise FetchError(f"{len(failures)} download(s) failed:\n- " + "\n- ".join(failures))

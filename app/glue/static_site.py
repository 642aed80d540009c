"""The static tier: every chart's default view as a static page (app.export.static_pages), an
index of them and the offline slide deck, written to static/site/, which Streamlit serves at
/app/static/site/ and any web server or CDN can serve as it is.

    python -m app.glue.static_site build     # (re)write static/site/
    python -m app.glue.static_site build --out DIR --app-url https://dashboard.example.org/
    python -m app.glue.static_site check     # exit status 1 when static/site/ is missing or stale

How the views are found: by running the pages themselves. Each page of dashboard.py runs in
AppTest as a link without settings opens it (and once more per non-default tab, opened by its
link key, as `?section=nonfatal` would), while app.glue.capture records what chart_block draws:
the figure, plotted rows, caption, summary and title. So a static page holds exactly the figure
the interactive view sends to the browser, and no page logic is written twice. The presenter's
page is left out: its slides are the deck (app.glue.offline_deck).

When it is built: by the command above, and when the server starts (dashboard.py calls
`refresh_in_background` on every run; it acts once per process): if static/site/ is missing or
its stamp differs from the current one, a separate process at the lowest CPU priority rebuilds
it (about 10–15 s on two cores) while the server already answers. The stamp is a digest of the
processed tables (the manifest's sha256 of each) and of the code and content that draw them
(app/, pages/, content/, dashboard.py, the shared etl registry and tidy schema, the pinned
requirements): a new ETL build or a code change makes the site stale, and the embed box never
points at a stale page (app.glue.embed compares each view's figure digest with site.json).

Why it is not committed: it is made in seconds from what is committed (data/ and the code), it
holds a 4.8 MB copy of plotly.js, and generated pages in git would conflict in every merge of
parallel branches. `BENZO_STATIC_SITE=off` keeps a server from building it (the command still
does).
"""
from __future__ import annotations

import argparse
import ast
import contextlib
import datetime as dt
import hashlib
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from app.charts.geo import PROJECT_ROOT
from app.data import content, provenance, tables
from app.export import images, static_pages
from app.export.static_pages import Site, StaticChart
from app.glue import capture, offline_deck
from etl.registry import DEFINITIONS

ENTRY_SCRIPT = PROJECT_ROOT / "dashboard.py"
EXCLUDED_PAGES = frozenset({"present"})
"""Pages without static copies: the presenter's slides are the offline deck."""
STAMP_INPUTS = ("app", "pages", "content", "dashboard.py", "etl/registry.py", "etl/tidy.py",
                "requirements.txt")
"""What the pages are drawn from besides data/: a change to any of these makes the site stale."""
DISABLE_ENV = "BENZO_STATIC_SITE"
LOG_FILE = Path(tempfile.gettempdir()) / "benzo-static-site.log"
LOCK_WAIT_S = 300
RUN_TIMEOUT_S = 180


class BuildError(RuntimeError):
    """A page failed while the site was being built; the message names the page."""


class SiteBusy(RuntimeError):
    """Another process is building the site right now."""


class DeclaredPage(NamedTuple):
    file: str  # "pages/states.py"
    url_path: str  # "states"
    title: str


def declared_pages(entry: Path = ENTRY_SCRIPT) -> list[DeclaredPage]:
    """Every st.Page(...) of dashboard.py in menu order, read from its source (importing it
    would run the app)."""
    pages = []
    for node in ast.walk(ast.parse(entry.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "Page":
            keywords = {k.arg: k.value for k in node.keywords}
            pages.append(DeclaredPage(node.args[0].value, keywords["url_path"].value,
                                      keywords["title"].value))
    return pages


# The stamp: what the site was made from ---------------------------------------------------------

def code_digest(root: Path = PROJECT_ROOT) -> str:
    digest = hashlib.sha256()
    for name in STAMP_INPUTS:
        path = root / name
        files = sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                       and p.suffix != ".pyc") if path.is_dir() else [path]
        for file in files:
            if file.is_file():
                digest.update(file.relative_to(root).as_posix().encode())
                digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def stamp(data_directory: Path | None = None) -> str:
    """data-<digest of the tables' sha256s>.code-<digest of STAMP_INPUTS>."""
    try:
        manifest = tables.load_manifest(data_directory)
    except tables.DataUnavailable:
        manifest = {"tables": {}}
    data = hashlib.sha256("".join(f"{name}:{info.get('sha256')};" for name, info in
                                  sorted(manifest.get("tables", {}).items())).encode())
    return f"data-{data.hexdigest()[:16]}.code-{code_digest()[:16]}"


def is_current(site_dir: Path | None = None) -> bool:
    """Whether the written site was made from the current data and code."""
    index = static_pages.read_site_index(site_dir or static_pages.SITE_DIR)
    return bool(index) and index.get("stamp") == stamp()


# Capturing the views ---------------------------------------------------------------------------

def _run(page: DeclaredPage, query: dict[str, str]) -> capture.Recording:
    """One run of `page` through dashboard.py, as a link carrying `query` opens it."""
    from streamlit.testing.v1 import AppTest  # only the build needs it, not a server start
    at = AppTest.from_file(str(ENTRY_SCRIPT), default_timeout=RUN_TIMEOUT_S)
    at.query_params.update(query)
    at.switch_page(page.file)
    with capture.recording() as recorded:
        at.run()
    if at.exception:
        raise BuildError(f"{page.file} with {query or 'no link settings'}: "
                         + "; ".join(str(e.value) for e in at.exception))
    return recorded


def capture_views(pages: Sequence[DeclaredPage]
                  ) -> list[tuple[DeclaredPage, tuple[tuple[str, str], ...],
                                  capture.ChartRecord]]:
    """Every chart a page draws in its default view and in each tab's default view, with the
    query that opens that view; a chart drawn in several (outside the tabs) counts once."""
    found, seen = [], set()
    for page in pages:
        first = _run(page, {})
        runs = [((), first)]
        for key, (tokens, default) in first.tabs.items():
            runs += [(((key, token),), _run(page, {key: token}))
                     for token in tokens if token != default]
        for query, recorded in runs:
            for chart in recorded.charts:
                if (page.url_path, chart.key) not in seen:
                    seen.add((page.url_path, chart.key))
                    found.append((page, query, chart))
    return found


def _source_ids(chart: capture.ChartRecord, manifest: dict) -> list[str]:
    """The sources of a chart: its rows' source_id, else the source its caption names."""
    plotted = chart.plotted
    if "source_id" in plotted.columns and plotted["source_id"].notna().any():
        return sorted(str(s) for s in plotted["source_id"].dropna().unique())
    for source_id in manifest.get("sources", {}):
        lead = provenance.source_caption_text(source_id).split(". ")[0]
        if chart.caption.startswith(lead):
            return [source_id]
    return []


def _definition_ids(chart: capture.ChartRecord) -> list[str]:
    plotted = chart.plotted
    if "definition" in plotted.columns and plotted["definition"].notna().any():
        return sorted(str(d) for d in plotted["definition"].dropna().unique())
    match = re.search(r"Definition: (.+?)\.(?: |$)", chart.caption)
    by_label = {d.label: d.id for d in DEFINITIONS.values()}
    return [by_label[label] for label in (match.group(1).split("; ") if match else [])
            if label in by_label]


def shown_span(plotted: pd.DataFrame) -> str:
    """'The chart shows 1999–2022.' (or months), from the plotted rows; '' without periods."""
    if "year" not in plotted.columns or plotted["year"].dropna().empty:
        return ""
    rows = plotted.dropna(subset=["year"])
    years = rows["year"].astype(int)
    if "month" in rows.columns and rows["month"].notna().any():
        months = pd.to_numeric(rows["month"], errors="coerce").fillna(0).astype(int)
        order = years * 100 + months
        labels = [provenance.period_text(f"{v // 100}-{v % 100:02d}") if v % 100
                  else str(v // 100) for v in (order.min(), order.max())]
    else:
        labels = [str(years.min()), str(years.max())]
    span = labels[0] if labels[0] == labels[1] else f"{labels[0]}–{labels[1]}"
    return f"The chart shows {span}."


def static_chart(page: DeclaredPage, query: tuple[tuple[str, str], ...],
                 chart: capture.ChartRecord, manifest: dict) -> StaticChart:
    if not chart.title:
        raise BuildError(f"{page.file}: chart {chart.key!r} has no title; give chart_block "
                         "export_title= (the static page, the embed view and the images need one)")
    through = " ".join(t for t in [shown_span(chart.plotted)]
                       + [provenance.data_through_text(s) for s in _source_ids(chart, manifest)]
                       if t)
    definitions = tuple(f"{provenance.definition_label(d)}: {provenance.definition_text(d)}"
                        for d in _definition_ids(chart))
    return StaticChart(page=page.url_path, page_title=page.title, key=chart.key,
                       title=chart.title, figure_json=static_pages.figure_json(chart.figure),
                       caption=chart.caption, summary=chart.summary, definitions=definitions,
                       data_through=through, query=query)


def site_charts(pages: Sequence[DeclaredPage] | None = None, *, prerender: bool = True
                ) -> list[StaticChart]:
    """The static pages of every chart's default view (every declared page but the presenter),
    each with its pre-rendered picture when a browser is there to make it (without one the
    pages draw only the live chart, and say so on stderr)."""
    pages = [p for p in (pages or declared_pages()) if p.url_path not in EXCLUDED_PAGES]
    manifest = tables.load_manifest()
    charts = [static_chart(page, query, chart, manifest)
              for page, query, chart in capture_views(pages)]
    if not prerender:
        return charts
    try:
        return static_pages.prerendered(charts)
    except images.ExportError as err:
        print(f"static site: no pre-rendered pictures ({err})", file=sys.stderr)
        return charts


# Building --------------------------------------------------------------------------------------

@contextlib.contextmanager
def _lock(site_dir: Path, wait_s: float = 0) -> Iterator[None]:
    """One builder at a time per site folder (a lock file holding the builder's pid; a lock
    left by a process that is gone is taken over)."""
    path = site_dir.parent / f".{site_dir.name}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_s
    while True:
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            break
        except FileExistsError:
            if not _holder_alive(path):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                continue
            if time.monotonic() >= deadline:
                raise SiteBusy(f"{path} is held by a running build") from None
            time.sleep(0.5)
    try:
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _holder_alive(path: Path) -> bool:
    try:
        pid = int(path.read_text() or "0")
        os.kill(pid, 0)
    except (OSError, ValueError):
        return False
    return True


def build(out_dir: Path | None = None, *, app_url: str | None = None,
          pages: Sequence[DeclaredPage] | None = None, deck: bool = True,
          prerender: bool = True, wait_s: float = LOCK_WAIT_S) -> Path:
    """Capture every chart's default view, render the pages (with their pictures), index and
    deck, write the site."""
    out_dir = Path(out_dir or static_pages.SITE_DIR)
    with _lock(out_dir, wait_s):
        current = stamp()
        charts = site_charts(pages, prerender=prerender)
        titles = {p.url_path: p.title for p in declared_pages()}
        built = _built_text()
        site = Site(charts=charts, stamp=current, built=built,
                    intro=content.section("static_site", "index"), page_titles=titles,
                    deck=offline_deck.deck_html_text(built=built) if deck else None,
                    app_url=app_url)
        return static_pages.write_site(site, out_dir)


def ensure_current(out_dir: Path | None = None, wait_s: float = LOCK_WAIT_S) -> Path:
    """The site, rebuilt first when missing or stale (waiting for a build already running)."""
    out_dir = Path(out_dir or static_pages.SITE_DIR)
    with _lock(out_dir, wait_s):
        pass  # a running build finishes first
    if not is_current(out_dir):
        build(out_dir, wait_s=wait_s)
    return out_dir


def _built_text() -> str:
    now = dt.datetime.now(dt.timezone.utc)
    return f"{now.day} {now:%B %Y} at {now:%H:%M} UTC"


_refresh_started = False
_refresh_lock = threading.Lock()


def refresh_in_background() -> None:
    """Once per server process: if static/site/ is missing or stale, rebuild it in a separate
    process at the lowest CPU priority; this returns at once (the check itself runs in a thread,
    ~10 ms of hashing). Off when $BENZO_STATIC_SITE is "off"."""
    global _refresh_started
    if _refresh_started:
        return
    with _refresh_lock:
        if _refresh_started:
            return
        _refresh_started = True
    if os.environ.get(DISABLE_ENV, "").lower() == "off":
        return
    threading.Thread(target=_refresh, name="static-site-check", daemon=True).start()


def _refresh() -> None:
    if is_current():
        return
    with open(LOG_FILE, "ab") as log:
        subprocess.Popen([sys.executable, "-m", "app.glue.static_site", "build", "--if-stale",
                          "--nice", "--no-wait"], cwd=PROJECT_ROOT, stdout=log,
                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                         start_new_session=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.glue.static_site",
                                     description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("build", help="write the static site")
    make.add_argument("--out", type=Path, default=None,
                      help=f"folder to write (default {static_pages.SITE_DIR})")
    make.add_argument("--app-url", default=None,
                      help="public URL of the interactive app, for the pages' links when the "
                           "site is served elsewhere (default: links relative to the app)")
    make.add_argument("--if-stale", action="store_true", help="do nothing if the site is current")
    make.add_argument("--nice", action="store_true", help="run at the lowest CPU priority")
    make.add_argument("--no-wait", action="store_true",
                      help="give up at once if another build is running")
    make.add_argument("--no-pictures", action="store_true",
                      help="skip the pre-rendered pictures (no Chromium needed; pages then "
                           "show their chart once plotly.js has loaded)")
    check = commands.add_parser("check", help="exit 1 if the site is missing or stale")
    check.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)

    out_dir = Path(args.out or static_pages.SITE_DIR)
    if args.command == "check":
        current = is_current(out_dir)
        print(f"{out_dir}: {'current' if current else 'missing or stale'} (stamp {stamp()})")
        return 0 if current else 1
    if args.nice:
        with contextlib.suppress(OSError, AttributeError):
            os.nice(19)
    if args.if_stale and is_current(out_dir):
        print(f"{out_dir}: current, nothing to do")
        return 0
    started = time.perf_counter()
    try:
        build(out_dir, app_url=args.app_url, prerender=not args.no_pictures,
              wait_s=0 if args.no_wait else LOCK_WAIT_S)
    except SiteBusy as err:
        print(f"skipped: {err}")
        return 0
    index = static_pages.read_site_index(out_dir) or {}
    print(f"wrote {out_dir}: {len(index.get('charts', []))} chart pages, index, deck "
          f"in {time.perf_counter() - started:.1f} s (stamp {index.get('stamp')})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

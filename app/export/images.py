"""PNG and SVG of a figure, rendered on the server by kaleido in the local Chromium, with the
bundled plotly.js and the offline base map (nothing fetched)."""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import plotly
import plotly.graph_objects as go

from app.charts import geo
from app.export.restyle import SLIDE_HEIGHT, SLIDE_WIDTH, slide_figure

RENDER_TIMEOUT_S = 60


MAX_BROWSERS = 2
"""Concurrent Chromium processes (each ~150 MB); further export requests wait their turn."""


PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"


FORMATS = ("png", "svg")


RenderJob = tuple[str, str, int, int, float]
"""(figure JSON, format, width, height, scale): the cache key of one render."""


_browsers = threading.BoundedSemaphore(MAX_BROWSERS)


class ExportError(RuntimeError):
    """Image export failed (no browser, render error); the message says what to do."""


BROWSER_RECHECK_S = 60.0
_browser_found: tuple[float, str | None] | None = None  # (monotonic time looked, path)


def browser_path() -> str | None:
    """The Chromium kaleido will use (choreographer's own search), or None when there is none.
    Looked up again after BROWSER_RECHECK_S: every chart's buttons ask on every run (the search
    takes ~3 ms), and a browser installed while the server runs is found within a minute."""
    global _browser_found
    now = time.monotonic()
    if _browser_found is None or now - _browser_found[0] > BROWSER_RECHECK_S:
        _browser_found = (now, _find_browser())
    return _browser_found[1]


def _find_browser() -> str | None:
    from choreographer.browsers.chromium import Chromium
    try:
        return Chromium.find_browser(skip_local=False)
    except Exception:  # noqa: BLE001 a broken local download counts as "no browser"
        return None


def kaleido_options() -> dict[str, object]:
    """`kaleido.Kaleido(...)` options: bundled plotly.js, no MathJax (both would otherwise come
    from a CDN), one tab."""
    if not PLOTLY_JS.is_file():
        raise ExportError(f"plotly.js not found at {PLOTLY_JS}: reinstall plotly "
                          "(kaleido would otherwise fetch it from a CDN)")
    return dict(n=1, timeout=RENDER_TIMEOUT_S, plotlyjs=str(PLOTLY_JS), mathjax=False)


async def _render_async(jobs: Sequence[RenderJob], options: Mapping[str, object]) -> list[bytes]:
    import kaleido
    out = []
    async with kaleido.Kaleido(**options) as k:
        for fig_json, fmt, width, height, scale in jobs:
            out.append(await k.calc_fig(
                json.loads(fig_json),
                opts=dict(format=fmt, width=width, height=height, scale=scale),
                topojson=geo.kaleido_topojson()))
    return out


def render_jsons(jobs: Sequence[RenderJob],
                 extra_options: Mapping[str, object] | None = None) -> list[bytes]:
    """Render (figure JSON, format, width, height, scale) jobs in one Chromium session;
    blocking, no cache.

    Runs in its own thread with its own event loop, so it works from Streamlit's script thread,
    a download callback's worker thread, or a test. `extra_options` go to `kaleido.Kaleido`
    (tests pass a dead `proxy_server` to prove nothing is fetched from the network)."""
    if not jobs:
        return []
    if browser_path() is None:
        raise ExportError("Image export needs Chromium or Chrome on the server "
                          "(Debian: apt-get install chromium; or set BROWSER_PATH).")
    options = {**kaleido_options(), **(extra_options or {})}
    result: dict[str, object] = {}

    def run() -> None:
        try:
            result["value"] = asyncio.run(_render_async(jobs, options))
        except BaseException as err:  # noqa: BLE001 re-raised in the caller's thread
            result["error"] = err

    with _browsers:
        thread = threading.Thread(target=run, name="kaleido-export", daemon=True)
        thread.start()
        thread.join()
    if "error" in result:
        err = result["error"]
        raise ExportError(f"Chart export failed: {type(err).__name__}: {err}") from err
    return list(result["value"])  # type: ignore[call-overload]


def render_job(fig: go.Figure, fmt: str, width: int | None = None, height: int | None = None,
               scale: float = 1) -> RenderJob:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {fmt!r}")
    return (fig.to_json(), fmt, int(width or fig.layout.width or SLIDE_WIDTH),
            int(height or fig.layout.height or SLIDE_HEIGHT), scale)


def render(fig: go.Figure, fmt: str, width: int | None = None, height: int | None = None
           ) -> bytes:
    """`fig` as `fmt` ("png" or "svg") bytes at its size (or width × height). Not cached here:
    the glue's download buttons call it through app.glue.cache, so a repeat click, or another
    session asking for the same chart, renders nothing."""
    return render_jsons([render_job(fig, fmt, width, height)])[0]


def to_png(fig: go.Figure, width: int | None = None, height: int | None = None) -> bytes:
    """PNG bytes at the figure's size (a `slide_figure` is 1920×1080)."""
    return render(fig, "png", width, height)


def to_svg(fig: go.Figure, width: int | None = None, height: int | None = None) -> bytes:
    """SVG bytes (UTF-8) at the figure's size."""
    return render(fig, "svg", width, height)


def slide_png(fig: go.Figure, title: str | None = None, source_line: str = "",
              date: dt.date | str | None = None) -> bytes:
    """`to_png(slide_figure(...))`: what the "PNG (1920×1080)" button downloads."""
    return to_png(slide_figure(fig, title, source_line, date))


def slide_svg(fig: go.Figure, title: str | None = None, source_line: str = "",
              date: dt.date | str | None = None) -> bytes:
    """`to_svg(slide_figure(...))`: what the "SVG" button downloads."""
    return to_svg(slide_figure(fig, title, source_line, date))

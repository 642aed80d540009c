"""Opening a page of the running app the way the browser tests read it: loaded, the script run
finished (no "Running…" sign) and the first chart drawn, then a moment for layout to settle."""
from __future__ import annotations

NO_RUN_IN_PROGRESS = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"


def open_app_page(pg, app_url: str, path: str, size: tuple[int, int] | None = None,
                  settle_ms: int = 500, chart: bool = True) -> None:
    """`path` ("states?view=ranking") at `size` (width, height) when given; `chart=False` for a
    page of text, which has no chart to wait for."""
    if size is not None:
        pg.set_viewport_size({"width": size[0], "height": size[1]})
    pg.goto(f"{app_url}/{path}", wait_until="domcontentloaded")
    pg.get_by_test_id("stApp").wait_for(timeout=30_000)
    pg.wait_for_function(NO_RUN_IN_PROGRESS, timeout=60_000)
    if chart:
        pg.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
        # The first check can pass before the run has started; the rest of the page comes after
        # its first chart.
        pg.wait_for_function(NO_RUN_IN_PROGRESS, timeout=60_000)
    pg.wait_for_timeout(settle_ms)

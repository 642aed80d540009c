"""What the presenter's browser tests share: opening a view and waiting for its run, the slide
counter, the room in an audience window's address, and timing how long a move takes to show in
other windows (stamped in each page by the page's own clock)."""
from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlparse

from app.presenting import deck
from tests.browser.opening import NO_RUN_IN_PROGRESS

DECK = deck.load_slides()
COUNT = len(DECK)
COUNTER = re.compile(rf"^Slide (\d+) of {COUNT}$")


KEYS_LIVE = "html[data-presenter-keys=on]"
"""Set by presenter mode's key listener once it listens (app.glue.presenter): its module loads
after the page's first run, so under load a key pressed right after the slide shows was lost."""


def wait_for_keys(page) -> None:
    page.wait_for_selector(KEYS_LIVE, state="attached", timeout=30_000)


def wait_for_run(page, settle_ms: int = 200) -> None:
    """Until the page's script run finished (room checks every half second do not show the
    running indicator, full runs do)."""
    page.wait_for_timeout(150)
    page.wait_for_function(NO_RUN_IN_PROGRESS, timeout=60_000)
    page.wait_for_timeout(settle_ms)


def open_view(page, app_url: str, query: str, number: int | None = None,
              wait_until: str = "domcontentloaded") -> None:
    """Open /present?<query>; with `number`, wait until slide `number` is drawn."""
    page.goto(f"{app_url}/present?{query}", wait_until=wait_until)
    if number is not None:
        wait_for_slide(page, number)
        wait_for_run(page)
        wait_for_keys(page)
    assert page.get_by_text("Page not found").count() == 0


def wait_for_slide(page, number: int, timeout: float = 60_000) -> None:
    page.get_by_text(f"Slide {number} of {COUNT}", exact=True).wait_for(timeout=timeout)


def slide_number(page) -> int:
    return int(COUNTER.match(page.get_by_text(COUNTER).first.inner_text().strip()).group(1))


def room_in_link(page) -> tuple[str, str]:
    """(code, key) of the room an audience or speaker window keeps in its address."""
    page.wait_for_url(re.compile(r"[?&]key="), timeout=30_000)
    query = parse_qs(urlparse(page.url).query)
    return query["room"][0], query["key"][0]


WATCH = """(wanted) => {
  window.__shown = null;
  const look = () => [...document.querySelectorAll('[data-testid="stMarkdownContainer"] p')]
    .some(p => p.textContent.trim() === wanted);
  if (look()) { window.__shown = Date.now(); return; }
  const observer = new MutationObserver(() => {
    if (look()) { window.__shown = Date.now(); observer.disconnect(); }
  });
  observer.observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def watch_for_slide(pages, number: int) -> None:
    """Stamp, in each page, the moment slide `number`'s counter appears."""
    for page in pages:
        page.evaluate(WATCH, f"Slide {number} of {COUNT}")


def seconds_until_shown(pages, since_ms: float, timeout: float = 10.0) -> list[float]:
    """Seconds from `since_ms` (epoch ms) until each page showed the watched slide; inf for a
    page that did not within `timeout`."""
    deadline = time.monotonic() + timeout
    stamps: list[float | None] = [None] * len(pages)
    while time.monotonic() < deadline and any(s is None for s in stamps):
        stamps = [s if s is not None else p.evaluate("window.__shown") for s, p in
                  zip(stamps, pages)]
        time.sleep(0.05)
    return [(s - since_ms) / 1000 if s is not None else float("inf") for s in stamps]


def now_ms(page) -> float:
    return page.evaluate("Date.now()")

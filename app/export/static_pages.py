"""Charts as plain files: one static HTML page per chart view, an index of them, and the offline
slide deck, drawn by the same plotly.js the app uses. One renderer, three uses: the static tier
(pages any web server or CDN can serve, read without a Streamlit session), the "Embed this chart"
iframe of a default view, and the deck a classroom opens from a USB stick.

Nothing is fetched from the internet. A chart page loads plotly.js from one shared copy in the
site (`vendor/plotly.min.js`, copied from plotly.py's package data) and the US base map from
`vendor/topojson/`; its figure JSON is inside the page (no second request, and it opens from a
file too) and also beside it as `<key>.json` for readers who want the figure itself. The deck
carries everything inside its one file: plotly.js, the base map (in `window.PlotlyGeoAssets`,
which plotly.js reads before it would fetch) and every slide's figure.

Pages keep the charts' look: the figure on its own white card with dark text (app.charts.theme),
page text at least 4.5:1 on white. Every text that comes from the data or content is escaped;
figure JSON is embedded with "<" written as \\u003c, so no string can close its script element.

Pure apart from `write_site`, which writes a finished site into a folder in one step (a staging
folder renamed into place, the old site removed after). What goes on each page (figures,
captions, the data-through line) is gathered by the glue (app.glue.static_site).
"""
from __future__ import annotations

import hashlib
import html
import json
import os
import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

import plotly.graph_objects as go
import plotly.io

from app.charts import geo, theme
from app.export import images
from app.export.images import PLOTLY_JS
from app.export.restyle import plain_text

SITE_DIR = geo.PROJECT_ROOT / "static" / "site"
"""Where the site is written: inside the folder Streamlit serves (.streamlit/config.toml,
enableStaticServing), so the app serves it at `SITE_URL`."""
SITE_URL = "app/static/site/"
"""The site's address relative to the app's root URL."""
INDEX_HTML = "index.html"
SITE_INDEX = "site.json"
"""The machine-readable list of the site's chart pages (their view, digest and height) and the
stamp of the data and code they were made from."""
DECK_HTML = "deck.html"
VENDOR = "vendor"
PLOTLY_FILE = "plotly.min.js"
CHARTS = "charts"
APP_ROOT_FROM_CHART = "../../../../../"
"""From a chart page (<root>/app/static/site/charts/<page>/) back to the app's root, where the
interactive view lives when Streamlit serves the site."""
DEFAULT_HEIGHT = 450
PRERENDER_WIDTH = 1000
"""Width of the pre-rendered picture: a chart page's content width at its widest."""
SITE_NAME = "Benzodiazepine overdose deaths in the U.S."

TEXT_COLOR = "#171614"
MUTED_COLOR = "#4D4D4D"
LINK_COLOR = "#A12E3A"
RULE_COLOR = "#D9D9D9"
"""Page text on white: 18.1:1, 8.5:1, 7.1:1 (links: the app's own red, a shade darker)."""


@dataclass(frozen=True)
class StaticChart:
    """One chart view as a static page: where it lives in the app (`page`, its `query`), what it
    shows and says. `figure_json`: the figure as the app sends it to the browser
    (`figure_json()`), so the numbers are the interactive view's."""
    page: str
    page_title: str
    key: str
    title: str
    figure_json: str
    caption: str
    summary: str
    definitions: tuple[str, ...] = ()
    data_through: str = ""
    query: tuple[tuple[str, str], ...] = ()
    svg: str = ""
    """The figure pre-rendered (`prerendered`), shown until plotly.js draws the live chart."""

    @property
    def stem(self) -> str:
        return safe_name(self.key)

    @property
    def path(self) -> str:
        """The page's path inside the site."""
        return f"{CHARTS}/{safe_name(self.page)}/{self.stem}.html"

    @property
    def height(self) -> int:
        return figure_height(json.loads(self.figure_json))

    @property
    def digest(self) -> str:
        return view_digest(self.figure_json, self.caption)

    def app_link(self, app_url: str | None = None) -> str:
        """The interactive view: `app_url` + page + query, or relative to the chart page when
        Streamlit serves the site (app_url None)."""
        root = app_url.rstrip("/") + "/" if app_url else APP_ROOT_FROM_CHART
        query = "&".join(f"{html_query(k)}={html_query(v)}" for k, v in self.query)
        return f"{root}{self.page}" + (f"?{query}" if query else "")


@dataclass(frozen=True)
class DeckSlide:
    """One slide of the offline deck: its headline and notes (placeholders filled), and for a
    chart slide the projector-sized figure JSON (`figure_json_large` for a screen of 1920×1080
    or more, when given), the chart title, the key number, source line
    and definition. `extra`: plain text with **bold** and "- " bullets (the help slide's box)."""
    number: int
    headline: str
    notes: str
    title: str = ""
    figure_json: str | None = None
    figure_json_large: str | None = None
    key_label: str = ""
    key_value: str = ""
    key_detail: str = ""
    caption: str = ""
    definition: str = ""
    extra: str = ""


@dataclass(frozen=True)
class Site:
    """Everything `write_site` writes: the chart pages, the index's text, the deck's HTML."""
    charts: Sequence[StaticChart]
    stamp: str
    built: str
    intro: str = ""
    deck: str | None = None
    page_titles: Mapping[str, str] = field(default_factory=dict)
    app_url: str | None = None


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", str(text)).strip("_") or "chart"


def html_query(text: str) -> str:
    return quote(str(text), safe=",")


def figure_json(fig: go.Figure) -> str:
    """The figure as Streamlit's st.plotly_chart sends it (plotly.io.to_json, not revalidated):
    numeric arrays as plotly.js typed arrays, exactly the values the app draws."""
    return plotly.io.to_json(fig, validate=False)


def view_digest(figure_json_text: str, caption: str) -> str:
    """Names one chart view by what it shows: a view of the app whose figure and caption give
    this digest is the view a static page was made from."""
    digest = hashlib.sha256()
    for part in (figure_json_text, "\x00", caption):
        digest.update(part.encode("utf-8"))
    return digest.hexdigest()[:32]


def figure_height(spec: Mapping[str, Any]) -> int:
    layout = spec.get("layout", {})
    template = layout.get("template", {}).get("layout", {}) if isinstance(
        layout.get("template"), dict) else {}
    return int(layout.get("height") or template.get("height") or DEFAULT_HEIGHT)


def iframe_height(chart_height: int) -> int:
    """Height of an embed iframe showing a chart of `chart_height` px with its title, caption,
    summary and links (chart pages at the width of a course page's column)."""
    return chart_height + 360


def _script_json(value: Any) -> str:
    """JSON to put inside a <script> element: "<" as \\u003c, so no text can end the element."""
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _text(value: str) -> str:
    """Plain, escaped text from content or captions (Markdown marks and HTML tags dropped)."""
    return html.escape(plain_text(value or ""), quote=True)


def _paragraphs(text: str, css: str = "") -> str:
    attr = f' class="{css}"' if css else ""
    return "".join(f"<p{attr}>{_text(p)}</p>" for p in re.split(r"\n\s*\n", text or "")
                   if p.strip())


def _rich(text: str) -> str:
    """A little Markdown as HTML, escaped first: paragraphs, "- " bullets (continued on indented
    lines), **bold**."""
    out: list[str] = []

    def inline(line: str) -> str:
        return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", html.escape(line, quote=True))

    for block in re.split(r"\n\s*\n", text or ""):
        items: list[str] = []
        paragraph: list[str] = []
        for raw in block.splitlines():
            line = raw.strip()
            if not line:
                continue
            if line.startswith("- "):
                items.append(line[2:])
            elif items and raw[:1].isspace():
                items[-1] += " " + line
            else:
                paragraph.append(line)
        if paragraph:
            out.append(f"<p>{inline(' '.join(paragraph))}</p>")
        if items:
            out.append("<ul>" + "".join(f"<li>{inline(i)}</li>" for i in items) + "</ul>")
    return "".join(out)


_PAGE_STYLE = f"""
html{{background:#FFFFFF;color:{TEXT_COLOR};}}
body{{margin:0;font:17px/1.5 "Source Sans","Source Sans Pro","Segoe UI",Roboto,Arial,sans-serif;}}
main{{max-width:1040px;margin:0 auto;padding:16px 20px 24px;}}
h1{{font-size:1.45rem;line-height:1.25;margin:0 0 8px;}}
h2{{font-size:1.2rem;margin:24px 0 6px;}}
a{{color:{LINK_COLOR};}}
.chart-box{{position:relative;width:100%;}}
.chart-box .prerendered{{position:absolute;inset:0;background:{theme.CHART_BACKGROUND};}}
.prerendered svg{{width:100%;height:100%;display:block;}}
.chart{{position:relative;width:100%;height:100%;}}
.caption,.meta{{color:{MUTED_COLOR};font-size:0.9rem;margin:6px 0;}}
.summary{{margin:8px 0;}}
.links{{font-size:0.95rem;margin:10px 0 0;}}
ul{{padding-left:1.3em;}}
.framed main{{padding:8px 12px;}}
.framed .summary,.framed .definition,.framed .built{{display:none;}}
"""


def page_figure(chart: StaticChart) -> dict[str, Any]:
    """The figure as a chart page draws it: the app's, with its own title moved to the page
    heading (it is not drawn twice)."""
    spec = json.loads(chart.figure_json)
    title = spec.setdefault("layout", {}).setdefault("title", {})
    if isinstance(title, dict):
        title["text"] = ""
    return spec


def prerendered(charts: Sequence[StaticChart], width: int = PRERENDER_WIDTH
                ) -> list[StaticChart]:
    """The charts with `svg` filled: each page figure rendered to SVG by kaleido in one Chromium
    session (app.export.images; offline: bundled plotly.js, the shipped base map). A chart page
    shows this picture from its first paint and swaps in the live chart once plotly.js has
    loaded. Raises images.ExportError without a browser."""
    jobs = [(json.dumps(page_figure(c)), "svg", width, c.height, 1) for c in charts]
    return [replace(c, svg=svg.decode("utf-8"))
            for c, svg in zip(charts, images.render_jsons(jobs), strict=True)]


def _svg_markup(svg: str) -> str:
    """The pre-rendered SVG, stretched to its box (it carries its own viewBox), scripts dropped
    (kaleido writes none; this keeps it so)."""
    svg = re.sub(r"<script\b.*?</script>", "", svg, flags=re.S | re.I)
    return re.sub(r'^<svg\b([^>]*?)\swidth="[^"]*"\s+height="[^"]*"', r"<svg\1", svg, count=1)


def chart_page_html(chart: StaticChart, *, built: str, app_url: str | None = None,
                    plotly_src: str = f"../../{VENDOR}/{PLOTLY_FILE}",
                    topojson_url: str = f"../../{VENDOR}/topojson/") -> str:
    """One chart's page: title, the chart, its summary sentence, caption (source, vintage,
    definition), the definitions in full, how far the data run, and links to the interactive
    view and the figure's JSON.

    Inside an iframe (an embed) the page keeps to the title, chart, source line, how recent
    the data are and the links; the summary stays the chart's accessible name.

    The chart is first the pre-rendered picture of the figure (`chart.svg`, when the build had a
    browser), painted with the page; plotly.js (preloaded from the site's one shared copy, run
    after that first paint) then draws the live, interactive chart over it from the figure JSON
    in the page and the picture is removed."""
    spec = page_figure(chart)
    config = geo.plotly_config(topojsonURL=topojson_url, responsive=True)
    height = figure_height(spec)
    definitions = "".join(f'<p class="meta definition">{_text(d)}</p>'
                          for d in chart.definitions)
    through = f'<p class="meta">{_text(chart.data_through)}</p>' if chart.data_through else ""
    picture = (f'<div class="prerendered" aria-hidden="true">{_svg_markup(chart.svg)}</div>'
               if chart.svg else "")
    src = html.escape(plotly_src, quote=True)
    link = html.escape(chart.app_link(app_url), quote=True)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_text(chart.title)} · {html.escape(SITE_NAME)}</title>
<link rel="icon" href="data:,">
<link rel="preload" href="{src}" as="script">
<style>{_PAGE_STYLE}</style>
<script>if (window.self !== window.top) document.documentElement.classList.add("framed");</script>
</head>
<body>
<main>
<h1>{_text(chart.title)}</h1>
<div class="chart-box" style="height:{height}px">{picture}<div id="chart" class="chart" role="img"
 aria-label="{_text(chart.summary)}"></div></div>
<p class="summary">{_text(chart.summary)}</p>
<p class="caption">{_text(chart.caption)}</p>
{definitions}{through}<p class="meta built">Static copy of the dashboard's default view, made
 {html.escape(built)}.</p>
<p class="links"><a href="{link}" target="_top">Open the interactive view</a>
 · <a href="{html.escape(chart.stem)}.json" download>Figure data (JSON)</a>
 · <a href="../../{INDEX_HTML}" target="_top">All charts</a></p>
</main>
<script type="application/json" id="figure">{_script_json(spec)}</script>
<script>
(function () {{
  function draw() {{
    var fig = JSON.parse(document.getElementById("figure").textContent);
    Plotly.newPlot("chart", fig.data, fig.layout, {_script_json(config)}).then(function () {{
      var picture = document.querySelector(".prerendered");
      if (picture) picture.remove();
    }});
  }}
  function load() {{
    var script = document.createElement("script");
    script.src = "{src}";
    script.onload = draw;
    document.body.appendChild(script);
  }}
  // After the first paint (the picture is on screen), plotly.js runs: it takes the main thread
  // for a while.
  requestAnimationFrame(function () {{ setTimeout(load, 0); }});
}})();
</script>
</body>
</html>
"""


def index_html(site: Site) -> str:
    """The site's front page: every chart page by dashboard page, the deck, and the stamp of the
    data and code it was made from (also in site.json)."""
    by_page: dict[str, list[StaticChart]] = {}
    for chart in site.charts:
        by_page.setdefault(chart.page, []).append(chart)
    sections = []
    for page, charts in by_page.items():
        title = site.page_titles.get(page) or charts[0].page_title or page
        items = "".join(f'<li><a href="{html.escape(c.path, quote=True)}">{_text(c.title)}</a></li>'
                        for c in charts)
        sections.append(f"<h2>{_text(title)}</h2><ul>{items}</ul>")
    deck = (f'<h2>Slides</h2><p><a href="{DECK_HTML}">The presenter\'s slides as one file</a> '
            "(opens without a server or internet; arrow keys, Page Up/Down or a clicker step "
            "through; N shows the speaker notes).</p>") if site.deck else ""
    app = site.app_url.rstrip("/") + "/" if site.app_url else "../../../"
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="site-stamp" content="{html.escape(site.stamp)}">
<title>Charts · {html.escape(SITE_NAME)}</title>
<link rel="icon" href="data:,">
<style>{_PAGE_STYLE}</style>
</head>
<body>
<main>
<h1>{html.escape(SITE_NAME)}: every chart</h1>
{_paragraphs(site.intro)}
<p class="links"><a href="{html.escape(app, quote=True)}">Open the interactive dashboard</a></p>
{"".join(sections)}
{deck}
<p class="meta">Made {html.escape(site.built)}. Stamp {html.escape(site.stamp)}.</p>
</main>
</body>
</html>
"""


def site_index(site: Site) -> dict[str, Any]:
    """site.json: the stamp, and per chart page its view (page, key, query), file, digest and
    height, for the app's embed box and for tests."""
    return {"stamp": site.stamp, "built": site.built,
            "charts": [{"page": c.page, "key": c.key, "title": c.title, "query": dict(c.query),
                        "path": c.path, "digest": c.digest, "height": c.height}
                       for c in site.charts],
            "deck": DECK_HTML if site.deck else None}


def read_site_index(site_dir: Path = SITE_DIR) -> dict[str, Any] | None:
    """The written site's site.json, or None when there is no (complete) site."""
    try:
        return json.loads((site_dir / SITE_INDEX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_site(site: Site, out_dir: Path = SITE_DIR, *, plotly_js: Path = PLOTLY_JS,
               topojson: Path | None = None) -> Path:
    """Write the site (chart pages and their JSON, index, site.json, deck, plotly.js and the base
    map) into a staging folder beside `out_dir`, then put it in place of the old one. A reader
    or the app sees the old site or the new one, never half of one. Returns `out_dir`."""
    if not plotly_js.is_file():
        raise FileNotFoundError(f"plotly.js not found at {plotly_js}: reinstall plotly")
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-build-", dir=out_dir.parent))
    try:
        vendor = staging / VENDOR
        (vendor / "topojson").mkdir(parents=True)
        shutil.copyfile(plotly_js, vendor / PLOTLY_FILE)
        shutil.copyfile(topojson or geo.topojson_path(), vendor / "topojson" / geo.TOPOJSON_FILE)
        for chart in site.charts:
            page_file = staging / chart.path
            page_file.parent.mkdir(parents=True, exist_ok=True)
            page_file.write_text(chart_page_html(chart, built=site.built, app_url=site.app_url),
                                 encoding="utf-8")
            page_file.with_suffix(".json").write_text(chart.figure_json, encoding="utf-8")
        if site.deck:
            (staging / DECK_HTML).write_text(site.deck, encoding="utf-8")
        (staging / INDEX_HTML).write_text(index_html(site), encoding="utf-8")
        (staging / SITE_INDEX).write_text(json.dumps(site_index(site), indent=1),
                                          encoding="utf-8")
        os.chmod(staging, 0o755)
        old = None
        if out_dir.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-old-", dir=out_dir.parent))
            os.rename(out_dir, old / out_dir.name)
        os.rename(staging, out_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out_dir


# The offline deck ------------------------------------------------------------------------------

_DECK_STYLE = f"""
html,body{{margin:0;height:100%;background:#FFFFFF;color:{TEXT_COLOR};}}
body{{font:20px/1.4 "Source Sans","Source Sans Pro","Segoe UI",Roboto,Arial,sans-serif;
  display:flex;flex-direction:column;}}
.bar{{display:flex;gap:12px;align-items:center;padding:8px 16px;font-size:16px;
  border-bottom:1px solid {RULE_COLOR};}}
.bar .count{{font-weight:600;}}
.bar .spacer{{flex:1;}}
.bar .help{{color:{MUTED_COLOR};}}
button{{font:inherit;font-size:16px;padding:4px 12px;border:1px solid {MUTED_COLOR};
  border-radius:6px;background:#FFFFFF;color:{TEXT_COLOR};cursor:pointer;}}
button:disabled{{opacity:0.45;cursor:default;}}
.deck{{flex:1;min-height:0;position:relative;}}
.slide{{position:absolute;inset:0;padding:16px 28px;box-sizing:border-box;display:grid;
  grid-template-columns:minmax(260px,1fr) 2.1fr;gap:28px;overflow:auto;}}
.slide[hidden]{{display:none;}}
.slide.text{{grid-template-columns:1fr;align-content:center;max-width:1100px;margin:0 auto;}}
.headline{{font-size:30px;line-height:1.25;font-weight:700;margin:0 0 16px;}}
.text .headline{{font-size:40px;}}
.key{{border:1px solid {RULE_COLOR};border-radius:8px;padding:10px 14px;}}
.key .label{{font-weight:600;font-size:18px;}}
.key .value{{font-size:40px;font-weight:700;}}
.key .detail{{color:{MUTED_COLOR};font-size:16px;}}
.notes{{margin-top:16px;padding:10px 14px;border-left:4px solid {LINK_COLOR};background:#F6F6F6;
  font-size:18px;}}
body:not(.show-notes) .notes{{display:none;}}
.chart-title{{font-size:22px;font-weight:700;margin:0 0 6px;}}
.chart{{width:100%;background:{theme.CHART_BACKGROUND};}}
.caption{{color:{MUTED_COLOR};font-size:14px;margin:4px 0 0;}}
.extra{{font-size:19px;}}
@media (min-width:1800px) and (min-height:1000px){{
  body{{font-size:24px;}} .headline{{font-size:40px;}} .text .headline{{font-size:52px;}}
  .key .value{{font-size:52px;}} .key .label{{font-size:22px;}} .chart-title{{font-size:28px;}}
  .caption{{font-size:18px;}} .notes{{font-size:22px;}} .extra{{font-size:24px;}}
}}
"""

_DECK_SCRIPT = """
(function () {
  var slides = Array.prototype.slice.call(document.querySelectorAll(".slide"));
  var figures = JSON.parse(document.getElementById("figures").textContent);
  var config = JSON.parse(document.getElementById("plotly-config").textContent);
  var count = document.getElementById("count");
  var prev = document.getElementById("prev"), next = document.getElementById("next");
  var notes = document.getElementById("notes");
  var drawn = {}, current = -1;

  function size() {
    return (window.innerWidth >= 1800 && window.innerHeight >= 1000) ? "large" : "small";
  }
  function room(slide, el) {
    // The chart's height: its own, or less when the title and source lines would not fit.
    var others = 0;
    Array.prototype.forEach.call(el.parentNode.children, function (child) {
      if (child !== el) others += child.getBoundingClientRect().height + 8;
    });
    return slide.clientHeight - 36 - others;
  }
  function draw(i) {
    var el = slides[i].querySelector(".chart");
    if (!el) return;
    var variant = size();
    var fig = figures[variant][String(i + 1)] || figures.small[String(i + 1)];
    var height = Math.max(320, Math.min(fig.layout.height || 450, room(slides[i], el)));
    el.style.height = height + "px";
    if (drawn[i] === variant) { Plotly.relayout(el, {height: height}); return; }
    var layout = Object.assign({}, fig.layout, {height: height});
    (drawn[i] ? Plotly.react : Plotly.newPlot)(el, fig.data, layout, config);
    drawn[i] = variant;
  }
  function show(i) {
    i = Math.max(0, Math.min(slides.length - 1, i));
    if (i === current) return;
    current = i;
    slides.forEach(function (s, j) { s.hidden = j !== i; });
    count.textContent = "Slide " + (i + 1) + " of " + slides.length;
    document.body.setAttribute("data-slide", String(i + 1));
    prev.disabled = i === 0;
    next.disabled = i === slides.length - 1;
    if (location.hash !== "#" + (i + 1)) history.replaceState(null, "", "#" + (i + 1));
    draw(i);
  }
  function toggleNotes() {
    var on = document.body.classList.toggle("show-notes");
    notes.setAttribute("aria-pressed", on ? "true" : "false");
    notes.textContent = on ? "Hide notes (N)" : "Speaker notes (N)";
  }
  function fromHash() {
    var n = parseInt(location.hash.slice(1), 10);
    return isNaN(n) ? 0 : n - 1;
  }
  document.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    switch (e.key) {
      case "ArrowRight": case "PageDown": case "ArrowDown": show(current + 1); break;
      case "ArrowLeft": case "PageUp": case "ArrowUp": show(current - 1); break;
      case " ": case "Spacebar": show(current + (e.shiftKey ? -1 : 1)); break;
      case "Home": show(0); break;
      case "End": show(slides.length - 1); break;
      case "n": case "N": toggleNotes(); break;
      default: return;
    }
    e.preventDefault();
  });
  function button(el, action) {
    el.addEventListener("click", function () { action(); el.blur(); });
  }
  button(prev, function () { show(current - 1); });
  button(next, function () { show(current + 1); });
  button(notes, toggleNotes);
  window.addEventListener("hashchange", function () { show(fromHash()); });
  window.addEventListener("resize", function () { if (current >= 0) draw(current); });
  show(fromHash());
})();
"""


def _deck_slide(slide: DeckSlide) -> str:
    notes = f'<div class="notes"><strong>Notes:</strong> {_text(slide.notes)}</div>' \
        if slide.notes else ""
    extra = f'<div class="extra">{_rich(slide.extra)}</div>' if slide.extra else ""
    if slide.figure_json is None:
        return (f'<section class="slide text" data-number="{slide.number}" hidden '
                f'aria-label="Slide {slide.number}"><h1 class="headline">'
                f"{_text(slide.headline)}</h1>{extra}{notes}</section>")
    key = ""
    if slide.key_label or slide.key_value:
        detail = f'<div class="detail">{_text(slide.key_detail)}</div>' if slide.key_detail else ""
        key = (f'<div class="key"><div class="label">{_text(slide.key_label)}</div>'
               f'<div class="value">{_text(slide.key_value)}</div>{detail}</div>')
    definition = f'<p class="caption">{_text(slide.definition)}</p>' if slide.definition else ""
    return (f'<section class="slide" data-number="{slide.number}" hidden '
            f'aria-label="Slide {slide.number}">'
            f'<div><h1 class="headline">{_text(slide.headline)}</h1>{key}{extra}{notes}</div>'
            f'<div><h2 class="chart-title">{_text(slide.title)}</h2>'
            f'<div class="chart" role="img" '
            f'aria-label="{_text(slide.title)}"></div>'
            f'<p class="caption">{_text(slide.caption)}</p>{definition}</div></section>')


def deck_html(slides: Sequence[DeckSlide], *, title: str, built: str,
              plotly_js: str, topojson: str) -> str:
    """The whole deck as one HTML file: plotly.js, the base map and every slide's figure inside
    it, so it opens from a USB stick with no server and no network. Keys as in the presenter:
    Right/Left, PageDown/PageUp (a clicker), Space/Shift+Space, Home/End; N (or the button)
    shows the speaker notes, hidden at first. The slide number follows the address (#3)."""
    if not slides:
        raise ValueError("a deck needs at least one slide")
    figures = {"small": {str(s.number): json.loads(s.figure_json)
                         for s in slides if s.figure_json},
               "large": {str(s.number): json.loads(s.figure_json_large)
                         for s in slides if s.figure_json_large}}
    config = geo.plotly_config(responsive=True)
    config.pop("topojsonURL", None)
    assets = {"topojson": {f"{geo.SCOPE}_{geo.RESOLUTION}m": json.loads(topojson)}}
    body = "".join(_deck_slide(s) for s in slides)
    library = plotly_js.replace("</script", "<\\/script")
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<link rel="icon" href="data:,">
<style>{_DECK_STYLE}</style>
<script>window.PlotlyGeoAssets = {_script_json(assets)};</script>
<script>{library}</script>
</head>
<body>
<nav class="bar" aria-label="Slides">
<button id="prev" type="button" title="Previous slide (Left, Page Up)">Previous</button>
<button id="next" type="button" title="Next slide (Right, Page Down, Space)">Next</button>
<span id="count" class="count" aria-live="polite"></span>
<span class="spacer"></span>
<span class="help">{html.escape(title)} · made {html.escape(built)}</span>
<button id="notes" type="button" aria-pressed="false">Speaker notes (N)</button>
</nav>
<div class="deck">{body}</div>
<script type="application/json" id="figures">{_script_json(figures)}</script>
<script type="application/json" id="plotly-config">{_script_json(config)}</script>
<script>{_DECK_SCRIPT}</script>
</body>
</html>
"""

"""Accessibility of the running app, in the light and the dark theme: the contrast of every visible
text element (WCAG 1.4.3), keyboard access to navigation and controls (2.1.1) with a visible focus
indicator (2.4.7), and a selectbox worked with the keyboard alone, on the overview and states pages.

The theme is the reader's: Chromium reports a light or dark colour scheme and Streamlit follows it
(.streamlit/config.toml has [theme.light] and [theme.dark]). Chart text (Plotly's SVG) is measured
against the chart's own background: charts keep a white card with dark text in both themes
(app.charts.theme), which this checks in the browser too.
"""
from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser.opening import open_app_page
from tests.browser.test_pages import page_paths

SCHEMES = ["light", "dark"]
PAGES = {"overview": "", "states": "states"}
MAX_TABS = 150

# Every visible element with its own text: its colour composited over the opaque background behind
# it (ancestors' backgrounds and opacity), and the WCAG ratio it needs (3 for large text).
TEXT_CONTRAST_JS = """
() => {
  const parse = (s) => {
    let m = s.match(/^rgba?\\(([^)]+)\\)$/);
    if (m) { const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
             return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; }
    m = s.match(/^color\\(srgb ([^)]+)\\)$/);
    if (m) { const p = m[1].split(/[ \\/]+/).filter(Boolean).map(Number);
             return [p[0] * 255, p[1] * 255, p[2] * 255, p.length > 3 ? p[3] : 1]; }
    return null;
  };
  const over = (top, below) =>
    [0, 1, 2].map(i => top[i] * top[3] + below[i] * (1 - top[3])).concat([1]);
  const channel = (c) => {
    c /= 255; return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
  const luminance = (c) => 0.2126 * channel(c[0]) + 0.7152 * channel(c[1]) + 0.0722 * channel(c[2]);
  const ratio = (a, b) => { const x = luminance(a), y = luminance(b);
                            return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const rgb = (c) => `rgb(${c.slice(0, 3).map(Math.round).join(', ')})`;
  const background = (el) => {
    const box = el.getBoundingClientRect(), cx = box.x + box.width / 2, cy = box.y + box.height / 2;
    const layers = []; let opacity = 1;
    for (let e = el; e; e = e.parentElement) {
      const cs = getComputedStyle(e);
      opacity *= Number(cs.opacity);
      // An ancestor drawn elsewhere (a slider thumb under its value label) is not behind the text.
      const r = e.getBoundingClientRect();
      if (e !== document.documentElement && e !== document.body &&
          (cx < r.left || cx > r.right || cy < r.top || cy > r.bottom)) continue;
      const bg = parse(cs.backgroundColor);
      if (bg && bg[3] > 0) { layers.push(bg); if (bg[3] >= 1) break; }
    }
    let behind = [255, 255, 255, 1];
    for (let i = layers.length - 1; i >= 0; i--) behind = over(layers[i], behind);
    return [behind, opacity];
  };
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('svg, canvas, [aria-hidden="true"]')) continue;
    const text = [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent)
      .join('').trim();
    if (!text) continue;
    const box = el.getBoundingClientRect();
    if (box.width < 1 || box.height < 1) continue;
    if (!el.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
    const cs = getComputedStyle(el);
    const kinds = [];
    for (let e = el; e && kinds.length < 6; e = e.parentElement) {
      const t = e.getAttribute('data-testid'); if (t) kinds.push(t);
    }
    const path = [];
    for (let e = el; e && path.length < 4; e = e.parentElement) {
      const t = e.getAttribute('data-testid');
      path.unshift(e.tagName.toLowerCase() + (t ? `[data-testid="${t}"]` : ''));
      if (t) break;
    }
    const fg = parse(cs.color);
    const [bg, opacity] = background(el);
    const size = parseFloat(cs.fontSize), weight = Number(cs.fontWeight) || 400;
    out.push({
      selector: path.join(' > '), text: text.replace(/\\s+/g, ' ').slice(0, 60), kinds,
      disabled: !!el.closest('[disabled], [aria-disabled="true"]'),
      color: cs.color, background: rgb(bg), opacity,
      ratio: fg ? Math.round(100 * ratio(over([fg[0], fg[1], fg[2], fg[3] * opacity], bg), bg))
                  / 100 : 0,
      required: size >= 24 || (size >= 18.66 && weight >= 700) ? 3 : 4.5,
      size, weight});
  }
  return out;
}
"""

# Installs three functions: __a11yBaseline() records how every element looks before anything has
# keyboard focus; __a11yFocused() describes document.activeElement (tagging it with a stable stop
# number) and the first visible element of its widget whose outline, shadow, background, border or
# underline focusing changed: its focus indicator; __a11ySettled() says whether no transition or
# other finite animation is running (focus styles and Plotly's toolbar fade in). A background
# change counts: Streamlit marks a focused sidebar or page link and the toggle only by a faint
# grey tint (about 1.1:1 against the unfocused background), buttons, expanders, tabs, sliders
# and chips by a ring, and selectbox and multiselect by their border.
FOCUS_JS = """
() => {
  const PROPS = ['outlineStyle', 'outlineWidth', 'outlineColor', 'boxShadow', 'backgroundColor',
                 'borderTopColor', 'borderBottomColor', 'borderLeftColor', 'textDecorationLine'];
  const look = (e) => { const c = getComputedStyle(e); return PROPS.map(p => c[p]); };
  const baseline = new WeakMap();
  let stops = 0;
  window.__a11yBaseline = () => {
    for (const e of document.querySelectorAll('body *')) {
      if (!e.closest('svg')) baseline.set(e, look(e));
    }
  };
  const visible = (e) => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0 &&
           e.checkVisibility({opacityProperty: true, visibilityProperty: true});
  };
  const indicates = (e) => {
    const now = look(e), before = baseline.get(e);
    const outline = now[0] !== 'none' && parseFloat(now[1]) > 0;
    if (!before) return outline || now[3] !== 'none';
    const changed = PROPS.filter((p, i) => now[i] !== before[i]);
    return changed.length > 0 && (outline || changed.some(p => !p.startsWith('outline')));
  };
  const describe = (e) => {
    const c = getComputedStyle(e);
    return {tag: e.tagName.toLowerCase(), testid: e.getAttribute('data-testid'),
            outline: `${c.outlineStyle} ${c.outlineWidth} ${c.outlineColor}`,
            boxShadow: c.boxShadow, background: c.backgroundColor};
  };
  window.__a11ySettled = () => document.getAnimations().every(
    a => a.playState !== 'running' || a.effect.getComputedTiming().endTime === Infinity);
  window.__a11yFocused = () => {
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) return null;
    if (!el.dataset.a11yStop) el.dataset.a11yStop = String(++stops);
    const kinds = [];
    for (let e = el; e && kinds.length < 6; e = e.parentElement) {
      const t = e.getAttribute('data-testid'); if (t) kinds.push(t);
    }
    // The widget: its element container in the page, else the nearest element with a test id.
    const root = el.closest('[data-testid="stElementContainer"]') ||
                 (el.parentElement && el.parentElement.closest('[data-testid]'));
    const scope = [el, ...el.querySelectorAll('*')];
    if (root) scope.push(root, ...root.querySelectorAll('*'));
    const found = scope.slice(0, 600).find(e => !(e.closest('svg') && e.tagName !== 'svg') &&
                                               visible(e) && indicates(e));
    return {stop: el.dataset.a11yStop, tag: el.tagName.toLowerCase(), role: el.getAttribute('role'),
            name: (el.getAttribute('aria-label') || el.innerText || '')
              .replace(/\\s+/g, ' ').trim().slice(0, 80),
            href: el.getAttribute('href'), kinds, visible: visible(el),
            indicator: found ? describe(found) : null};
  };
}
"""

# Tab stops that Streamlit itself draws without a focus indicator; nothing in the app's colours or
# config can add one (raw CSS is not allowed here), so they are not asserted.
NO_INDICATOR_BY_STREAMLIT = {
    # Streamlit makes its scrolling <main> a tab stop, so the keyboard can scroll it, and draws no
    # outline, shadow or background change on it.
    "main area": lambda stop: stop["tag"] == "main" and "stMain" in stop["kinds"],
}


def app_is_dark(pg) -> bool:
    """Whether the app background is dark (luminance of its computed colour below one half)."""
    return pg.evaluate("""() => {
        const [r, g, b] = getComputedStyle(document.querySelector('[data-testid="stApp"]'))
            .backgroundColor.match(/[\\d.]+/g).map(Number);
        return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255 < 0.5; }""")


def exempt_from_text_contrast(element: dict, scheme: str) -> str | None:
    """Why an element's text contrast is not asserted, or None when it is."""
    if element["disabled"]:
        return "inactive control (WCAG 1.4.3 exempts it)"
    if scheme == "dark" and "stMultiSelectTagsContainer" in element["kinds"]:
        # Streamlit writes chip text in fixed white on theme.primaryColor. In the dark theme no
        # primary passes 4.5:1 both as text on the dark background (tabs, slider values, selected
        # segments) and behind white; the config chooses the text (tests/app/test_theme_contrast).
        return "multiselect chip: white on the dark theme's primary colour"
    return None


@pytest.mark.browser
@pytest.mark.timeout(90)
@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("name", list(PAGES))
def test_page_and_chart_text_contrast_meets_wcag_aa(page_in_scheme, app_url, name, scheme):
    """The page's text and its charts' text, measured on one load of the page."""
    pg = page_in_scheme(scheme)
    open_app_page(pg, app_url, PAGES[name])
    assert app_is_dark(pg) == (scheme == "dark"), (
        f"the browser asked for the {scheme} theme but the app did not follow it: "
        ".streamlit/config.toml needs both [theme.light] and [theme.dark]")
    elements = pg.evaluate(TEXT_CONTRAST_JS)
    kinds = {kind for element in elements for kind in element["kinds"]}
    expected_kinds = {"stHeading", "stMarkdownContainer", "stCaptionContainer", "stMetricValue",
                      "stSidebarNavLink", "stBaseButton-secondary", "stPopoverButton",
                      "stExpander"}
    if name == "states":  # the overview's card labels are Markdown (ui.labelled_metric)
        expected_kinds.add("stMetricLabel")
    assert expected_kinds <= kinds, f"text not measured in: {sorted(expected_kinds - kinds)}"
    failing = [e for e in elements
               if e["ratio"] < e["required"] and exempt_from_text_contrast(e, scheme) is None]
    assert not failing, f"{len(failing)} text element(s) below WCAG AA on {name} ({scheme}):\n" + \
        "\n".join(f"  {e['ratio']:.2f}:1 (needs {e['required']}) {e['selector']} "
                  f"{e['text']!r}: {e['color']} on {e['background']}"
                  + (f" at opacity {e['opacity']:.2f}" if e["opacity"] < 1 else "")
                  + f", {e['size']:.1f}px/{e['weight']}" for e in failing)
    assert_chart_text_contrast(pg, name, scheme)
    assert pg.external_requests == []


# Every visible SVG text in the Plotly charts: its fill (and opacity) over the chart's background.
CHART_TEXT_JS = """
() => {
  const rgb = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const c = [r, g, b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]; };
  const out = [];
  document.querySelectorAll('.js-plotly-plot').forEach((plot, chart) => {
    const svg = plot.querySelector('svg.main-svg');
    const bg = rgb(getComputedStyle(svg).backgroundColor || 'rgb(255,255,255)');
    plot.querySelectorAll('text').forEach(t => {
      const box = t.getBoundingClientRect();
      if (!t.textContent.trim() || box.width === 0) return;
      const style = getComputedStyle(t);
      let fill = rgb(style.fill); const alpha = (fill.length > 3 ? fill[3] : 1) * Number(style.fillOpacity || 1) * Number(style.opacity || 1);
      // a label drawn on a translucent box (event labels) sits on that box over the background
      let back = bg.slice(0, 3);
      const group = t.closest('g.annotation');
      const rect = group && group.querySelector('rect.bg');
      if (rect) { const f = rgb(getComputedStyle(rect).fill); const a = (f.length > 3 ? f[3] : 1) * Number(getComputedStyle(rect).fillOpacity || 1);
                  back = back.map((v, i) => v * (1 - a) + f[i] * a); }
      const shown = fill.slice(0, 3).map((v, i) => v * alpha + back[i] * (1 - alpha));
      const [hi, lo] = [lum(shown), lum(back)].sort((a, b) => b - a);
      const size = parseFloat(style.fontSize);
      const bold = Number(style.fontWeight) >= 700 || style.fontWeight === 'bold';
      out.push({chart, text: t.textContent.trim().slice(0, 40), ratio: (hi + 0.05) / (lo + 0.05),
                required: (size >= 24 || (bold && size >= 18.66)) ? 3 : 4.5,
                fill: style.fill, background: 'rgb(' + back.map(Math.round).join(',') + ')', size});
    });
  });
  return out;
}
"""


def assert_chart_text_contrast(pg, name: str, scheme: str) -> None:
    """Every visible text in the page's Plotly charts meets WCAG AA over its background."""
    texts = pg.evaluate(CHART_TEXT_JS)
    assert len(texts) >= 10, "no chart text measured"
    failing = [t for t in texts if t["ratio"] < t["required"]]
    assert not failing, f"{len(failing)} chart text(s) below WCAG AA on {name} ({scheme}):\n" + \
        "\n".join(f"  chart {t['chart']}: {t['ratio']:.2f}:1 (needs {t['required']}) {t['text']!r}"
                  f" {t['fill']} on {t['background']}, {t['size']:.1f}px" for t in failing)


def press_tab(pg) -> dict | None:
    """Tab once; the focused element once its focus styles have finished fading in."""
    pg.keyboard.press("Tab")
    pg.wait_for_function("() => window.__a11ySettled()", timeout=5_000)
    return pg.evaluate("window.__a11yFocused()")


def tab_through(pg) -> list[dict]:
    """Press Tab until focus comes back to the first stop (at most MAX_TABS times); the stops in
    order."""
    pg.evaluate(FOCUS_JS)
    pg.evaluate("window.__a11yBaseline()")
    stops: list[dict] = []
    for _ in range(MAX_TABS):
        stop = press_tab(pg)
        if stop is None:
            continue
        if stops and stop["stop"] == stops[0]["stop"]:
            break
        stops.append(stop)
    return stops


def reached(stops: list[dict], kind: str, name: str) -> bool:
    return any(kind in s["kinds"] and name in s["name"] for s in stops)


# Controls each page must reach by Tab: (data-testid of the widget, text in its accessible name).
KEYBOARD_TARGETS = {
    "overview": [("stCheckbox", "Show events"), ("stPopoverButton", "Copy link to this view"),
                 ("stDownloadButton", "PNG (1920×1080)"), ("stDownloadButton", "SVG"),
                 ("stExpander", "Show data"), ("stDownloadButton", "Handout (PDF)")],
    "states": [("stSelectbox", "Drug"), ("stSlider", "Year (map and ranking)"), ("stTab", "Map"),
               ("stMultiSelect", "States"), ("stCheckbox", "Show events"),
               ("stSlider", "SUDORS year"), ("stPopoverButton", "Copy link to this view"),
               ("stDownloadButton", "PNG (1920×1080)"), ("stDownloadButton", "SVG"),
               ("stExpander", "Show data")],
}


@pytest.mark.browser
@pytest.mark.timeout(90)
@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("name", list(PAGES))
def test_keyboard_reaches_everything_with_a_visible_focus(page_in_scheme, app_url, name, scheme):
    pg = page_in_scheme(scheme)
    open_app_page(pg, app_url, PAGES[name])
    stops = tab_through(pg)
    assert len(stops) < MAX_TABS, f"focus never came back to the start in {MAX_TABS} Tabs"
    nav_paths = {path for path, _ in page_paths()}
    nav_reached = {urlparse(s["href"]).path.strip("/") for s in stops
                   if "stSidebarNavLink" in s["kinds"] and s["href"]}
    assert nav_paths <= nav_reached, f"sidebar links not reached: {sorted(nav_paths - nav_reached)}"
    missing = [f"{kind} {label!r}" for kind, label in KEYBOARD_TARGETS[name]
               if not reached(stops, kind, label)]
    assert not missing, f"not reachable by Tab on {name}: {missing}"
    unmarked = [s for s in stops if (s["indicator"] is None or not s["visible"])
                and not any(known(s) for known in NO_INDICATOR_BY_STREAMLIT.values())]
    assert not unmarked, f"focused without a visible focus indicator on {name} ({scheme}):\n" + \
        "\n".join(f"  <{s['tag']}> {s['name']!r} in {s['kinds'][:3]}"
                  + ("" if s["visible"] else " (the element itself is hidden)") for s in unmarked)


@pytest.mark.browser
@pytest.mark.timeout(90)
def test_selectbox_works_with_the_keyboard_alone(page, app_url):
    open_app_page(page, app_url, PAGES["states"])
    page.evaluate(FOCUS_JS)
    for _ in range(MAX_TABS):
        stop = press_tab(page)
        if stop and "stSelectbox" in stop["kinds"] and stop["name"] == "Drug":
            break
    else:
        pytest.fail("Tab never reached the Drug selectbox")
    selectbox = page.get_by_test_id("stSelectbox").filter(has_text="Drug")
    before = selectbox.locator("input").input_value() or selectbox.inner_text()
    page.keyboard.press("ArrowDown")
    page.get_by_role("listbox").wait_for(timeout=10_000)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    after = selectbox.locator("input").input_value() or selectbox.inner_text()
    assert after != before, f"the Drug selectbox still shows {before!r}"
    page.wait_for_function("() => new URL(location.href).searchParams.has('drug')",
                           timeout=20_000)
    drug = parse_qs(urlparse(page.url).query)["drug"]
    assert drug and drug[0] != "benzodiazepines", f"address does not name the new drug: {page.url}"
    # The page reran with the new drug.
    page.get_by_test_id("stHeading").filter(
        has_text=f"{after}: death rates by state").wait_for(timeout=30_000)

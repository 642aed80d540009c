"""Charts leaving the screen: a slide-styled copy of a figure (`restyle`), PNG (1920×1080) and
SVG rendered server-side with kaleido (`images`), a page's PDF handout (`handout`), and charts
as static HTML: one page per chart view, their index and the self-contained slide deck
(`static_pages`, the one renderer of the static tier, the embeds and the offline deck).

Offline by construction (a classroom without internet must still export):
- kaleido 1.x renders in a headless Chromium that choreographer finds on its own: a copy it
  downloaded (`kaleido_get_chrome`), else `$BROWSER_PATH`, else `chrome`/`chromium` on PATH
  (Debian: /usr/bin/chromium). No setting is needed; `images.browser_path()` says which one.
- plotly.js: kaleido would fall back to a CDN copy if plotly.py's bundled file were missing, so
  the bundled `plotly/package_data/plotly.min.js` is passed explicitly (a missing file raises).
- MathJax: kaleido loads it from a CDN unless told `mathjax=False`; the charts use no LaTeX.
  (`plotly.io.to_image` cannot pass `mathjax=False`, which is why kaleido is called directly.)
- US map: plotly.js fetches `usa_110m.json` from cdn.plot.ly unless given a topojson URL;
  `app.charts.geo.kaleido_topojson()` points it at the copy shipped in static/topojson/.

Cost: each render call starts one Chromium (~2 s) and renders its figures in one tab; nothing is
cached here (pure code does not cache itself): the glue renders only on click
(`st.download_button(data=<callable>)`) through its one cache (app.glue.blocks).

PDF fonts: fpdf2's core fonts (Helvetica) are latin-1 only and no pip package here ships a TTF,
so text is transliterated to latin-1 (`handout.latin1`): – — → -, “ ” → ", ≥ → >=, … → ...
This avoids any system-font dependency on a fresh CI machine.

May import: plotly, kaleido, fpdf2, numpy, pandas, etl.registry, app.charts (theme, geo) and this
package; never Streamlit (tests/test_architecture.py).
"""

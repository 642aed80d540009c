"""app/export/handout.py: latin-1 text for the PDF core fonts, sections from tuples and
mappings, the PDF handout with images (Chromium) and without (the text stays and says why)."""
from __future__ import annotations

import re
import time
import zlib


from app.export import handout, images
from app.glue import cache
from tests.app.export.samples import DATE, SOURCE, trend_figure, map_figure


def pdf_text(pdf: bytes) -> str:
    """Page content of a PDF: every stream, inflated where it is compressed."""
    parts = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(match.group(1)).decode("latin-1"))
        except zlib.error:
            parts.append(match.group(1).decode("latin-1"))
    return "\n".join(parts)


def test_latin1_replacements():
    text = handout.latin1("a – b — c “q” ‘s’ ≥ 1 ≤ 2 … • × é ½ 12 000 Ω")
    assert text == "a - b - c \"q\" 's' >= 1 <= 2 ... - × é ½ 12 000 ?"
    text.encode("latin-1")


def test_section_from_tuples_and_mappings():
    fig = trend_figure()
    sec = handout.section_from((fig, "Source: a", "Summary.", "Say this."))
    assert (sec.title, sec.source, sec.summary, sec.notes) == (
        "Deaths by year", "Source: a", "Summary.", "Say this.")
    sec = handout.section_from({"figure": fig, "caption": "Source: b", "numbers": [("a", "1")]})
    assert sec.source == "Source: b" and sec.numbers == (("a", "1"),)


def test_handout_pdf(browser):
    sections = [handout.HandoutSection("Trend – deaths", trend_figure(), "Deaths rose to 1,340.",
                                       SOURCE, "Point at 2016."),
                (map_figure(), "Source: WONDER", "West Virginia is highest.")]
    start = time.perf_counter()
    pdf = handout.handout_pdf("States — handout", sections, date=DATE)
    print(f"kaleido + fpdf2: handout with 2 charts in {time.perf_counter() - start:.2f} s")
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    for expected in ("(States - handout)", "(Trend - deaths)", "Deaths rose to 1,340.",
                     "Source: WONDER", "Point at 2016.", "Rate by state, 2020"):
        assert expected in text, expected
    assert text.count("/Subtype /Image") + pdf.count(b"/Subtype /Image") >= 2


def test_handout_without_a_browser_keeps_the_text_and_says_why(monkeypatch):
    monkeypatch.setattr(images, "browser_path", lambda: None)
    cache.clear()
    pdf = handout.handout_pdf("Overview", [(trend_figure(), "Source: NIDA", "Summary.")])
    text = pdf_text(pdf)
    assert "(Overview)" in text and "Summary." in text
    assert "Chart image not included" in text and "Chromium" in text


def test_the_key_figures_come_first_with_their_labels_and_no_line_is_justified(monkeypatch):
    monkeypatch.setattr(images, "browser_path", lambda: None)
    cache.clear()
    figures = [("Deaths involving benzodiazepines, 2022", "10,964, −1,535 vs 2021"),
               ("Change since the peak year (2021)", "−1,535 (−12.3%), from 12,499 in 2021")]
    key = handout.key_figures_section(figures, "Key figures: data through 2022, final.")
    long_summary = "Benzodiazepines: " + "a sentence that wraps across the page " * 12
    pdf = handout.handout_pdf("Overview", [key, (trend_figure(), "Source: NIDA", long_summary)],
                              date=DATE)
    text = pdf_text(pdf)
    shown = text.replace("\\(", "(").replace("\\)", ")")  # PDF strings escape parentheses
    for expected in ("(Key figures)", "(- Deaths involving benzodiazepines, 2022: 10,964, -1,535 "
                     "vs 2021)", "Change since the peak year (2021): -1,535 (-12.3%), from "
                     "12,499 in 2021", "Key figures: data through 2022, final."):
        assert expected in shown, expected
    assert text.index("Key figures") < text.index("Deaths by year"), "before the charts"
    # fpdf2 justifies by default, widening the spaces of every full line (the "Tw" operator)
    spacing = [float(v) for v in re.findall(r"([-\d.]+) Tw", text)]
    assert not any(spacing), f"justified lines: word spacing {sorted(set(spacing))}"

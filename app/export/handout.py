"""A page's PDF handout (fpdf2): per chart its title, a slide-styled image, its numbers, source
line and speaker notes, in text the PDF core fonts can show."""
from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import plotly.graph_objects as go

from app.export import images
from app.export.images import ExportError, render_job
from app.export.restyle import date_text, figure_title, plain_text, slide_figure

HANDOUT_SIZE = (1280, 720)


HANDOUT_SCALE = 2
"""Handout images: the slide styling on a smaller canvas, so text prints at ~9 pt on a page
7 in wide, rendered at 2× for sharp print (2560×1440 pixels)."""


LATIN1_REPLACEMENTS = {
    "–": "-", "—": "-", "―": "-", "‐": "-", "‑": "-", "−": "-",
    "“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "‚": "'", "′": "'", "″": '"',
    "≥": ">=", "≤": "<=", "≠": "!=", "≈": "~", "→": "->", "←": "<-", "↑": "up", "↓": "down",
    "…": "...", "•": "-", "‧": "-", "€": "EUR", "™": "(TM)", "✓": "v",
    "\u2009": " ", "\u202f": " ", "\u2007": " ", "\u200b": "", "†": "+", "‡": "++",
}
"""Typographic characters outside latin-1 and their plain stand-ins (× · ½ é and the other
latin-1 characters print as they are)."""


def latin1(text: str) -> str:
    """Text the PDF core fonts can show: known typography replaced, accents kept (latin-1),
    other letters decomposed to their base letter, anything else as "?"."""
    out = []
    for ch in str(text):
        ch = LATIN1_REPLACEMENTS.get(ch, ch)
        try:
            ch.encode("latin-1")
            out.append(ch)
            continue
        except UnicodeEncodeError:
            pass
        base = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode("latin-1")
        out.append(base or "?")
    return "".join(out)


@dataclass(frozen=True)
class HandoutSection:
    """One chart in a handout: its title, the figure, the numbers in words (the chart's summary
    sentence), the source/definition line, optional speaker notes and label/value pairs."""
    title: str
    figure: go.Figure | None = None
    summary: str = ""
    source: str = ""
    notes: str = ""
    numbers: tuple[tuple[str, str], ...] = ()


def section_from(item: HandoutSection | Sequence[object] | Mapping[str, object]) -> HandoutSection:
    """A HandoutSection from a section, a mapping of its fields, or a tuple
    (figure, caption[, summary[, notes]]) whose title is the figure's own."""
    if isinstance(item, HandoutSection):
        return item
    if isinstance(item, Mapping):
        fields = dict(item)
        if "caption" in fields:
            fields.setdefault("source", fields.pop("caption"))
        fig = fields.get("figure")
        fields.setdefault("title", figure_title(fig) if isinstance(fig, go.Figure) else "")
        fields["numbers"] = tuple(tuple(p) for p in fields.get("numbers", ()))
        return HandoutSection(**fields)  # type: ignore[arg-type]
    fig, caption, *rest = list(item)
    summary = str(rest[0]) if rest else ""
    notes = str(rest[1]) if len(rest) > 1 else ""
    return HandoutSection(title=figure_title(fig) if isinstance(fig, go.Figure) else "",
                          figure=fig if isinstance(fig, go.Figure) else None,
                          summary=summary, source=str(caption or ""), notes=notes)


KEY_FIGURES_TITLE = "Key figures"


def key_figures_section(figures: Sequence[tuple[str, str]], note: str = "") -> HandoutSection:
    """The page's key numbers (label, value) as the handout's first section, with the caption
    that says how far their data reach."""
    return HandoutSection(title=KEY_FIGURES_TITLE, numbers=tuple((str(label), str(value))
                                                                 for label, value in figures),
                          source=note)


def handout_images(sections: Sequence[HandoutSection]) -> list[bytes | None]:
    """PNG (slide-styled on HANDOUT_SIZE at HANDOUT_SCALE, without the title and source line,
    which the handout prints as text) of each section's figure, all rendered in one Chromium
    session."""
    width, height = HANDOUT_SIZE
    slides = [slide_figure(s.figure, "", "", "", width=width, height=height)
              if s.figure is not None else None for s in sections]
    jobs = [render_job(f, "png", scale=HANDOUT_SCALE) for f in slides if f is not None]
    pngs = iter(images.render_jsons(jobs))
    return [next(pngs) if f is not None else None for f in slides]


def handout_pdf(page_title: str, sections: Iterable[HandoutSection | Sequence[object]
                                                    | Mapping[str, object]],
                *, date: dt.date | str | None = None, images: Sequence[bytes | None] | None = None,
                subtitle: str = "") -> bytes:
    """A US Letter PDF handout: the page title and date, then per chart its title, the chart as
    a slide-styled PNG, the numbers (summary sentence and label/value pairs), the source line
    and optional speaker notes. `images`: pre-rendered PNGs (one per section, None for none);
    rendered with kaleido when omitted (without a browser the PDF says so under each chart)."""
    from fpdf import FPDF

    items = [section_from(s) for s in sections]
    missing = ""
    if images is not None:
        pngs = list(images)
    else:
        try:
            pngs = handout_images(items)
        except ExportError as err:  # the handout still carries the text and says why
            pngs, missing = [None] * len(items), str(err)
    if len(pngs) != len(items):
        raise ValueError(f"handout_pdf: {len(items)} sections but {len(pngs)} images")

    pdf = FPDF(orientation="portrait", unit="mm", format="letter")
    pdf.set_title(latin1(page_title))
    pdf.set_creator("Benzodiazepine overdose dashboard")
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.set_margins(16, 16, 16)
    footer_text = latin1(f"{page_title} - {date_text(date)}")

    def footer() -> None:
        pdf.set_y(-12)
        pdf.set_font("helvetica", size=8)
        pdf.set_text_color(90, 90, 90)
        pdf.cell(0, 5, f"{footer_text} - page {pdf.page_no()}", align="C")

    pdf.footer = footer  # type: ignore[method-assign]
    pdf.add_page()
    width = pdf.epw
    pdf.set_text_color(20, 20, 20)
    pdf.set_font("helvetica", style="B", size=20)
    pdf.multi_cell(width, 9, latin1(page_title), new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_font("helvetica", size=10)
    pdf.set_text_color(80, 80, 80)
    pdf.multi_cell(width, 5, latin1(" · ".join(p for p in (subtitle, date_text(date)) if p)),
                   new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(4)

    image_h = width * HANDOUT_SIZE[1] / HANDOUT_SIZE[0]
    for section, png in zip(items, pngs):
        need = 10 + (image_h if png else 0) + 25
        if pdf.get_y() + need > pdf.h - pdf.b_margin:
            pdf.add_page()
        pdf.set_text_color(20, 20, 20)
        if section.title:
            pdf.set_font("helvetica", style="B", size=13)
            pdf.multi_cell(width, 6, latin1(plain_text(section.title)), new_x="LMARGIN",
                           new_y="NEXT", align="L")
            pdf.ln(1)
        if png:
            pdf.image(io.BytesIO(png), x=pdf.l_margin, w=width, h=image_h)
            pdf.ln(2)
        elif section.figure is not None and missing:
            pdf.set_font("helvetica", style="I", size=10)
            pdf.multi_cell(width, 5, latin1(f"(Chart image not included. {missing})"),
                           new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.set_font("helvetica", size=10.5)
        if section.summary:
            pdf.multi_cell(width, 5, latin1(plain_text(section.summary)), new_x="LMARGIN",
                           new_y="NEXT", align="L")
        for label, value in section.numbers:
            pdf.multi_cell(width, 5, latin1(f"- {plain_text(label)}: {plain_text(value)}"),
                           new_x="LMARGIN", new_y="NEXT", align="L")
        if section.source:
            pdf.set_font("helvetica", size=8.5)
            pdf.set_text_color(80, 80, 80)
            pdf.multi_cell(width, 4, latin1(plain_text(section.source)), new_x="LMARGIN",
                           new_y="NEXT", align="L")
        if section.notes:
            pdf.set_font("helvetica", style="I", size=10)
            pdf.set_text_color(20, 20, 20)
            pdf.multi_cell(width, 5, latin1("Notes: " + plain_text(section.notes)),
                           new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.ln(6)
    return bytes(pdf.output())


def pdf_filename(page_title: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", page_title).strip("_").lower() + "_handout.pdf"

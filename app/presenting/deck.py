"""The slides of content/slides.md: parsed and checked, the tables each one needs, its headline and
notes filled from the data's placeholders, and each slide as a handout section.

Slide format (documented in the top comment of content/slides.md):

    ## slide-<n> <slug>
    chart: <chart id>
    headline: <one sentence with {placeholders}>
    notes: <speaker notes, one line>
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.data import content
from app.export.handout import HandoutSection
from app.presenting.slide_charts import CHART_IDS, CHART_TABLES, CONTENT, SlideChart
from app.views import metrics

SLIDES_FILE = "slides"


HELP_SLUG = "help"
"""The slide (by slug) under which the page shows the get-help box."""


_HEADING = re.compile(r"^##\s+slide-(\d+)\s+([a-z0-9][a-z0-9-]*)\s*$")


_FIELD = re.compile(r"^(chart|headline|notes):\s*(.*)$")


_FIELDS = ("chart", "headline", "notes")


@dataclass(frozen=True)
class Slide:
    number: int
    slug: str
    chart: str
    headline: str
    notes: str

    @property
    def title(self) -> str:
        """A short name for menus: the slug in words ('with-opioids' -> 'With opioids')."""
        words = self.slug.replace("-", " ")
        return words[:1].upper() + words[1:]

    @property
    def placeholders(self) -> set[str]:
        return content.placeholders(self.headline) | content.placeholders(self.notes)

    @property
    def has_chart(self) -> bool:
        return self.chart != CONTENT


def parse_slides(text: str, source: str = f"content/{SLIDES_FILE}.md") -> list[Slide]:
    """The slides of a slides.md text (HTML comments already removed), in order. Raises
    content.ContentError naming the line for an unknown chart id, a missing or repeated field,
    a stray line, or numbers that do not run 1, 2, 3, …"""
    slides: list[Slide] = []
    current: dict[str, object] | None = None

    def finish() -> None:
        if current is None:
            return
        missing = [f for f in _FIELDS if not current.get(f)]
        if missing:
            raise content.ContentError(f"{source}: slide-{current['number']} has no "
                                       f"{', '.join(missing)}")
        slides.append(Slide(**current))  # type: ignore[arg-type]

    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        heading = _HEADING.match(line)
        if heading:
            finish()
            number = int(heading.group(1))
            if number != len(slides) + 1:
                raise content.ContentError(f"{source}, line {line_no}: slide-{number} found, "
                                           f"slide-{len(slides) + 1} expected")
            current = {"number": number, "slug": heading.group(2)}
            continue
        field = _FIELD.match(line)
        if current is None or field is None:
            raise content.ContentError(
                f"{source}, line {line_no}: expected '## slide-<n> <slug>' or 'chart:', "
                f"'headline:', 'notes:', found {line.strip()[:60]!r}")
        name, value = field.group(1), field.group(2).strip()
        if name in current:
            raise content.ContentError(f"{source}, line {line_no}: '{name}' given twice")
        if name == "chart" and value not in CHART_TABLES:
            raise content.ContentError(f"{source}, line {line_no}: unknown chart id {value!r}; "
                                       f"one of {', '.join(CHART_IDS)}")
        current[name] = value
    finish()
    if not slides:
        raise content.ContentError(f"{source}: no slides")
    return slides


def load_slides() -> list[Slide]:
    """The slides of content/slides.md."""
    return parse_slides(content.read_markdown(SLIDES_FILE))


def headline_tables(slide: Slide) -> tuple[str, ...]:
    """The tables app.views.metrics computes this slide's placeholders from: those its chart is
    drawn from, or all of them for a text slide that uses placeholders; () when it has none."""
    if not slide.placeholders:
        return ()
    own = tuple(t for t in CHART_TABLES[slide.chart] if t in metrics.HEADLINE_BUILDERS)
    return own or tuple(metrics.HEADLINE_BUILDERS)


def tables_for(slide: Slide) -> tuple[str, ...]:
    """Every table the slide needs (chart and placeholders), without repeats."""
    return tuple(dict.fromkeys((*CHART_TABLES[slide.chart], *headline_tables(slide))))


def filled(slide: Slide, values: Mapping[str, str]) -> Slide:
    """The slide with its headline and notes filled (content.ContentError on a missing value)."""
    return Slide(slide.number, slide.slug, slide.chart, content.fill(slide.headline, dict(values)),
                 content.fill(slide.notes, dict(values)))


def handout_section(slide: Slide, chart: SlideChart | None) -> HandoutSection:
    """One slide as a handout section: '<n>. <headline>', the chart with its summary, the key
    number, the source line and the speaker notes (slide already filled)."""
    title = f"{slide.number}. {slide.headline}"
    if chart is None:
        return HandoutSection(title=title, notes=slide.notes)
    key = chart.key_number
    numbers = ((key.label, f"{key.value}" + (f" ({key.detail})" if key.detail else "")),)
    return HandoutSection(title=title, figure=chart.figure, summary=chart.summary,
                          source=chart.caption, notes=slide.notes, numbers=numbers)


def deck_titles(slides: Sequence[Slide]) -> dict[int, str]:
    """Slide number -> '3 · With opioids', for the slide picker."""
    return {s.number: f"{s.number} · {s.title}" for s in slides}

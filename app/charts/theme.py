"""The one visual theme: colours, line dashes and markers per drug group, fonts and number formats.

Every chart gets its look from here (STYLE.md point 6), so benzodiazepines are the same colour
on every page. The palette is Okabe–Ito (safe for the common colour-vision deficiencies),
extended with three Paul Tol colours where ten drug families need telling apart. Series drawn
together differ in hue, not only in dash: a with/without-opioid variant shares its parent's
family by line style (dashed, dotted) but takes a colour of its own, and `series_styles` moves a
series off a colour that would look like another one's in the same chart (CIEDE2000 below
HUE_DISTINCT in normal vision, with deuteranopia or protanopia, or on a washed-out projector;
app.charts.vision). Beyond the few series a palette can keep apart in every condition
(HUE_LIMITS), dash and marker tell the rest apart. A trace keeps its colour on both Streamlit themes, so every
series colour has at least 3:1 contrast against the white and the dark background (WCAG 1.4.11):
the light Okabe–Ito and Tol colours (orange, sky blue, teal) are darkened and wine is lightened,
hue kept, each adjusted as little as that needs while staying apart under simulated colour
blindness (tests/app/charts/test_theme_contrast.py). Pure black and yellow are avoided: one
vanishes on the dark theme, the other on the light one. Charts are drawn on their own white card
with dark text in both Streamlit themes (CHART_BACKGROUND, CHART_TEXT;
app.glue.blocks.chart_block passes theme=None): no single text colour reaches 4.5:1 on both
white and the dark background, and the server cannot follow a reader's switch of theme
(Streamlit does not rerun the script then), so theme-dependent chart text could end up light on
white. Sizes are chosen to be legible on a projector at 1280×720."""
from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, replace

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from app.charts import vision
from etl.registry import DRUG_GROUPS

# Okabe & Ito (2008) "Color Universal Design", plus Tol's olive, wine and teal; the original
# value is noted where contrast (3:1 on #FFFFFF and on the dark #0E1117 / #171614) moved it.
VERMILLION = "#C95903"  # #D55E00, a touch darker so "without opioids" (orange) stays apart from it
ORANGE = "#CB8005"  # #E69F00: 2.3:1 on white
SKY_BLUE = "#2C9ADB"  # #56B4E9: 2.3:1 on white
BLUISH_GREEN = "#009E73"
BLUE = "#0072B2"
REDDISH_PURPLE = "#CC79A7"
OLIVE = "#999933"
WINE = "#A83D7D"  # #882255: 2.2:1 on the dark background
TEAL = "#398974"  # #44AA99: 2.8:1 on white
GREY = "#8C8C8C"
"""Totals and reference series (all drugs, all causes): a mid grey readable on both themes."""
MISSING_GREY = "#BDBDBD"
"""Suppressed or missing data (maps, bars): never a colour of the data scale."""

PALETTE: list[str] = [VERMILLION, BLUE, BLUISH_GREEN, REDDISH_PURPLE, OLIVE, ORANGE, SKY_BLUE,
                      WINE, TEAL, GREY]
"""Order for series that are not drug groups (states, places, drug combinations): the first four
are at least HUE_DISTINCT apart in every condition of app.charts.vision, the first five in normal
vision and on a washed-out projector, the first eight in normal vision
(tests/app/charts/test_theme_contrast.py)."""

HUE_DISTINCT = 10.0
"""Smallest CIEDE2000 difference between two series drawn together. About 1–2 is the smallest
difference seen between two large patches side by side; two thin lines or small markers, met
apart on a chart and named from a legend, need several times that (the smallest noticeable
difference grows as marks get smaller: Szafir 2018, "Modeling Color Difference for
Visualization Design", IEEE TVCG 24(1)). 10 is the margin categorical palettes are commonly
built to ("clearly different at a glance"); Okabe–Ito's own neighbours (orange and vermillion,
sky blue and blue) are 10–15 apart in normal vision, and fall below it with colour blindness or
on a washed-out projector, which is what this bound catches."""

HUE_LIMITS: dict[str, int] = {"normal": 8, "washout": 5, "deuteranopia": 4, "protanopia": 4}
"""Up to how many series a chart keeps every pair HUE_DISTINCT apart in each viewing condition
(what the palette can give: ten colours with 3:1 contrast on both themes sit in a narrow band of
lightness, and colour-blind vision leaves mostly the blue–yellow axis). A chart with more series
tells the rest apart by dash and marker (`palette_style`, DRUG_STYLES)."""

SEQUENTIAL_SCALE: list[list[float | str]] = [
    [0.0, "#FEE8D6"], [0.25, "#F9B98A"], [0.5, "#EE8640"], [0.75, "#D55E00"], [1.0, "#7A2E00"]]
"""Light-to-dark vermillion for maps: ordered by lightness, so it reads without colour vision."""

FONT_SIZE = 16
TITLE_SIZE = 20
TICK_SIZE = 15
LEGEND_SIZE = 15
ANNOTATION_SIZE = 14
LINE_WIDTH = 3
MARKER_SIZE = 8
CHART_HEIGHT = 460
GRID_COLOR = "rgba(128,128,128,0.28)"
AXIS_LINE_COLOR = "rgba(128,128,128,0.7)"
CHART_BACKGROUND = "#FFFFFF"
CHART_TEXT = "#31333F"
"""Chart text on the white card: 12.6:1 (WCAG AA needs 4.5:1)."""
CHART_MUTED_TEXT = "#5F6270"
"""Secondary text on the card (e.g. "suppressed" in place of a bar): 6.1:1 on white."""
CHART_FONT = '"Source Sans", sans-serif'
"""The font Streamlit serves with the app (no CDN); exports use app.export's own."""
TRANSPARENT = "rgba(0,0,0,0)"
TEMPLATE_NAME = "benzo"


@dataclass(frozen=True)
class SeriesStyle:
    color: str
    dash: str = "solid"
    symbol: str = "circle"


# Fixed styles for the groups pages compare most. Variants of benzodiazepines keep the family's
# line styles (dashed "with", dotted "without") but not its colour: three lines of one orange
# were told apart by dash alone. "With an opioid" takes the opioid's colour (any opioid blue,
# synthetic opioids sky blue), "without" bluish green; both are far from vermillion and from
# each other in every condition of app.charts.vision.
DRUG_STYLES: dict[str, SeriesStyle] = {
    "all_drugs": SeriesStyle(GREY, "solid", "circle-open"),
    "benzodiazepines": SeriesStyle(VERMILLION, "solid", "circle"),
    "benzodiazepines_with_any_opioid": SeriesStyle(BLUE, "dash", "square"),
    "benzodiazepines_without_any_opioid": SeriesStyle(BLUISH_GREEN, "dot", "diamond"),
    "benzodiazepines_with_synthetic_opioids": SeriesStyle(SKY_BLUE, "dashdot", "triangle-up"),
    "benzodiazepines_without_synthetic_opioids": SeriesStyle(BLUISH_GREEN, "longdash",
                                                             "triangle-down"),
    # The illegal (designer) benzodiazepines SUDORS counts are drawn together: four hues.
    "illegal_benzodiazepines": SeriesStyle(REDDISH_PURPLE, "solid", "star"),
    "bromazolam": SeriesStyle(BLUE, "dash", "square"),
    "etizolam": SeriesStyle(BLUISH_GREEN, "dot", "diamond"),
    "flualprazolam": SeriesStyle(ORANGE, "dashdot", "triangle-up"),
    "any_opioid": SeriesStyle(BLUE, "solid", "square"),
    "synthetic_opioids": SeriesStyle(SKY_BLUE, "solid", "diamond"),
    "imfs": SeriesStyle(SKY_BLUE, "dash", "diamond-open"),
    "heroin": SeriesStyle(BLUE, "dot", "triangle-up"),
    "rx_opioids": SeriesStyle(BLUISH_GREEN, "solid", "triangle-down"),
    "natural_semisynthetic_opioids": SeriesStyle(BLUISH_GREEN, "dash", "square"),
    "methadone": SeriesStyle(BLUISH_GREEN, "dot", "diamond"),
    "natural_semisynthetic_opioids_incl_methadone": SeriesStyle(BLUISH_GREEN, "dashdot", "circle"),
    "natural_semisynthetic_synthetic_opioids_incl_methadone":
        SeriesStyle(SKY_BLUE, "dashdot", "circle"),
    # Cocaine and psychostimulants are often on one chart: different hues, not only dashes.
    "stimulants": SeriesStyle(OLIVE, "dash", "pentagon"),
    "cocaine": SeriesStyle(OLIVE, "solid", "x"),
    "psychostimulants": SeriesStyle(REDDISH_PURPLE, "dot", "cross"),
    "antidepressants": SeriesStyle(WINE, "solid", "hexagon"),
    "nonopioid_sedatives": SeriesStyle(WINE, "dash", "hourglass"),
    "alcohol": SeriesStyle(WINE, "dashdot", "star-square"),
    "all_causes": SeriesStyle(GREY, "dash", "circle-open"),
    "drugs_specified": SeriesStyle(GREY, "dot", "square-open"),
    "not_applicable": SeriesStyle(GREY, "dot", "circle-open"),
}

_VARIANT_DASH = {"_with_any_opioid": "dash", "_without_any_opioid": "dot",
                 "_with_synthetic_opioids": "dashdot", "_without_synthetic_opioids": "longdash"}
_VARIANT_SYMBOL = {"_with_any_opioid": "square", "_without_any_opioid": "diamond-open",
                   "_with_synthetic_opioids": "triangle-up", "_without_synthetic_opioids":
                   "triangle-down-open"}

SEX_STYLES: dict[str, SeriesStyle] = {
    "all": SeriesStyle(GREY, "solid", "circle-open"),
    # Orange, not reddish purple: beside the grey of "both sexes" that purple is ΔE00 7.5 with
    # deuteranopia.
    "female": SeriesStyle(ORANGE, "solid", "circle"),
    "male": SeriesStyle(BLUE, "dash", "square"),
}


def drug_style(group_id: str) -> SeriesStyle:
    """Style of a drug group; a group added to the registry later inherits its parent's hue."""
    if group_id in DRUG_STYLES:
        return DRUG_STYLES[group_id]
    for suffix, dash in _VARIANT_DASH.items():
        if group_id.endswith(suffix):
            parent = DRUG_STYLES.get(group_id[: -len(suffix)])
            if parent is not None:
                return SeriesStyle(parent.color, dash, _VARIANT_SYMBOL[suffix])
    return palette_style(sorted(DRUG_GROUPS).index(group_id) if group_id in DRUG_GROUPS else 0)


def palette_style(position: int) -> SeriesStyle:
    """The n-th style for series that are not drug groups: colour first; from the fifth series
    on (beyond what hue alone keeps apart with colour blindness, HUE_LIMITS) a dash as well."""
    dashes = ["dash", "dot", "dashdot", "longdash"]
    symbols = ["circle", "square", "diamond", "triangle-up", "triangle-down", "star"]
    dash = "solid" if position < 4 else dashes[(position - 4) % len(dashes)]
    return SeriesStyle(PALETTE[position % len(PALETTE)], dash, symbols[position % len(symbols)])


def hue_conditions(n_series: int) -> tuple[str, ...]:
    """The viewing conditions in which a chart of `n_series` series keeps every pair HUE_DISTINCT
    apart (HUE_LIMITS)."""
    return tuple(c for c in vision.CONDITIONS if n_series <= HUE_LIMITS[c])


def too_alike(color1: str, color2: str, conditions: tuple[str, ...]) -> bool:
    """Whether two series colours are the same or less than HUE_DISTINCT apart in any of
    `conditions`."""
    return color1.upper() == color2.upper() or any(
        vision.difference(color1, color2, c) < HUE_DISTINCT for c in conditions)


def distinct_hues(styles: Mapping[str, SeriesStyle], keep: tuple[str, ...] = ()
                  ) -> dict[str, SeriesStyle]:
    """`styles` of the series one chart draws together, with a series whose colour looks like an
    earlier one's moved to the first palette colour that looks like none of them (grey stays for
    totals and references, and no series takes a colour that is another one's own). The series
    in `keep` (a caller's explicit styles) and, in order, the first of each look-alike pair keep
    their colour, so a series changes colour only beside a look-alike. Where no palette colour is far enough, the series keeps its colour and its dash
    and marker tell it apart."""
    conditions = hue_conditions(len(styles))
    own = {s.color for s in styles.values()}
    taken: list[str] = []
    out: dict[str, SeriesStyle] = {}
    for key in [k for k in styles if k in keep] + [k for k in styles if k not in keep]:
        style = styles[key]
        if key not in keep and any(too_alike(style.color, t, conditions) for t in taken):
            # another series' own colour is not free: benzodiazepines stay vermillion beside
            # whatever comes first
            free = next((c for c in PALETTE if c != GREY and c not in own
                         and not any(too_alike(c, t, conditions) for t in taken)), None)
            if free is not None:
                style = replace(style, color=free)
        taken.append(style.color)
        out[key] = style
    return {k: out[k] for k in styles}


def series_styles(dimension: str, values: list[str],
                  fixed: Mapping[str, SeriesStyle] | None = None) -> dict[str, SeriesStyle]:
    """Styles for the values of one dimension drawn together (drug_group, sex, or anything else,
    in order): the theme's style of each, `fixed` styles where given, then `distinct_hues`."""
    if dimension == "drug_group":
        styles = {v: drug_style(v) for v in values}
    elif dimension == "sex" and all(v in SEX_STYLES for v in values):
        styles = {v: SEX_STYLES[v] for v in values}
    else:
        styles = {v: palette_style(i) for i, v in enumerate(values)}
    given = {k: s for k, s in (fixed or {}).items() if k in styles}
    return distinct_hues({**styles, **given}, keep=tuple(given))


def relative_luminance(hex_color: str) -> float:
    """WCAG 2.x relative luminance of `#RRGGBB`: 0 for black, 1 for white."""
    h = hex_color.lstrip("#")
    if len(h) != 6:
        raise ValueError(f"expected a colour as #RRGGBB, found {hex_color!r}")
    channels = [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(hex1: str, hex2: str) -> float:
    """WCAG 2.x contrast ratio of two `#RRGGBB` colours, 1 (same) to 21 (black on white); text
    needs 4.5 (3 when large), lines, markers and other graphical objects 3."""
    lighter, darker = sorted((relative_luminance(hex1), relative_luminance(hex2)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def with_alpha(hex_color: str, alpha: float) -> str:
    """`#RRGGBB` → `rgba(r,g,b,alpha)` (confidence bands, provisional fills)."""
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


# --- number formats ------------------------------------------------------------------------

COUNT_MEASURES = {"deaths", "deaths_predicted", "visits", "population"}


def d3_format(measure: str | None = None, unit: str | None = None) -> str:
    """Plotly (d3) format for hover and ticks: counts whole with thousands separators, rates and
    percents with one decimal."""
    if measure in COUNT_MEASURES or (unit is not None and unit.strip() in
                                     {"deaths", "persons", "visits"}):
        return ",.0f"
    return ",.1f"


def format_value(value: float | None, measure: str | None = None, unit: str | None = None) -> str:
    """A number as people read it: 12,499 (counts), 3.8 (rates), 14.2% (percent)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "not available"
    fmt = d3_format(measure, unit)
    text = f"{value:,.0f}" if fmt == ",.0f" else f"{value:,.1f}"
    if measure == "percent" or (unit or "").startswith("percent"):
        return f"{text}%"
    return text


# --- Plotly template -----------------------------------------------------------------------

def _axis() -> dict[str, object]:
    return dict(showgrid=True, gridcolor=GRID_COLOR, gridwidth=1, zeroline=False,
                showline=True, linecolor=AXIS_LINE_COLOR, ticks="outside",
                tickcolor=AXIS_LINE_COLOR, tickfont=dict(size=TICK_SIZE),
                title=dict(font=dict(size=FONT_SIZE), standoff=10), automargin=True,
                separatethousands=True)


def build_template() -> go.layout.Template:
    return go.layout.Template(
        layout=dict(
            font=dict(size=FONT_SIZE, color=CHART_TEXT, family=CHART_FONT),
            title=dict(font=dict(size=TITLE_SIZE), x=0, xanchor="left", pad=dict(l=14), y=0.98, yanchor="top"),
            colorway=PALETTE,
            paper_bgcolor=CHART_BACKGROUND,
            plot_bgcolor=CHART_BACKGROUND,
            separators=".,",
            xaxis=_axis(),
            yaxis=_axis(),
            legend=dict(font=dict(size=LEGEND_SIZE), orientation="h", x=0, xanchor="left",
                        y=1.0, yanchor="bottom", bgcolor=TRANSPARENT, title_text=""),
            hoverlabel=dict(font=dict(size=FONT_SIZE), namelength=-1),
            margin=dict(l=18, r=20, t=90, b=10),
            height=CHART_HEIGHT,
            geo=dict(bgcolor=TRANSPARENT),
            annotationdefaults=dict(font=dict(size=ANNOTATION_SIZE)),
        ),
        data=dict(
            scatter=[go.Scatter(line=dict(width=LINE_WIDTH), marker=dict(size=MARKER_SIZE))],
            bar=[go.Bar(marker=dict(line=dict(width=0)))],
        ),
    )


def apply_sizes(fig: go.Figure) -> go.Figure:
    """Set text sizes and the card's colours on the figure itself, not only in the template, so
    they hold whatever template or theme a figure is later shown with."""
    fig.update_layout(font=dict(size=FONT_SIZE, color=CHART_TEXT, family=CHART_FONT),
                      title_font_size=TITLE_SIZE, legend_font_size=LEGEND_SIZE,
                      hoverlabel_font_size=FONT_SIZE, paper_bgcolor=CHART_BACKGROUND,
                      plot_bgcolor=CHART_BACKGROUND, title_pad_l=14)
    fig.update_xaxes(tickfont_size=TICK_SIZE, title_font_size=FONT_SIZE)
    fig.update_yaxes(tickfont_size=TICK_SIZE, title_font_size=FONT_SIZE)
    fig.update_coloraxes(colorbar_tickfont_size=TICK_SIZE)
    for trace in fig.data:
        if getattr(trace, "colorbar", None) is not None and trace.type == "choropleth":
            trace.colorbar.tickfont.size = TICK_SIZE
            trace.colorbar.title.font.size = LEGEND_SIZE
    _fit_header(fig)
    return fig


HEADER_WIDTH = 760
"""Chart width (px) assumed for the header's legend rows: a chart in the main column at
1280 px with the menu open."""

MIN_PLOT_HEIGHT = 260
"""Pixels of plot height a page chart keeps however tall its header grows."""

EVENTS_WIDTH = 535
"""Chart width (px) the event labels and the legend above them are laid out for: the main
column at 1024 px with the menu open, the narrowest screen the pages are made for."""


def _legend_rows(fig: go.Figure, width: float = HEADER_WIDTH) -> int:
    if fig.layout.showlegend is False:
        return 0
    names = [str(t.name) for t in fig.data
             if t.name and t.showlegend is not False and t.type != "choropleth"]
    if len(names) < 2:
        return 0
    rows, used = 1, 0.0
    for name in names:
        entry = 44 + 0.52 * LEGEND_SIZE * len(name)
        if used and used + entry > width:
            rows, used = rows + 1, 0.0
        used += entry
    return rows


EVENT_LABEL = "event_label"
EVENT_LINE = "event_line"
EDGE_LABEL = "edge_label"
"""Names of the annotations and shapes app.charts.common.draw_events and mark_provisional add:
an event's label and line, and a label on the plot's top edge ("provisional"), which the event
labels make way for."""

EVENT_GAP = 6
"""Pixels between the plot's top and the lowest row of event labels."""

SHIFT = 1.0
"""How far (× its own width) a label may move sideways from its line before it takes a row
further up: further, and the leaders of neighbouring events cross."""

EVENT_BOX = "#ECECEC"
"""Event label boxes: opaque, so a leader passing behind one does not cross its text."""

Y_LABELS_WIDTH = 110
"""Pixels of a page chart's width not in its plot: y tick labels and title, side margins."""


def _plain(text: str) -> str:
    return re.sub(r"<[^>]+>", "", text or "")


def label_width(annotation: go.layout.Annotation, char_width: float = 0.55) -> float:
    """Approximate width in pixels of a one-line label (text length × font size) and its box."""
    size = annotation.font.size or ANNOTATION_SIZE
    return char_width * size * len(_plain(annotation.text or "")) + 8


def event_row_height(size: float) -> float:
    """Vertical step between rows of event labels at font `size`."""
    return size * 1.3 + 5


def as_number(value: object) -> float | None:
    """An x value as a number: years as they are, dates as seconds since 1970."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return pd.Timestamp(value).value / 1e9  # type: ignore[arg-type]
    except (ValueError, TypeError):
        return None


def x_span(fig: go.Figure) -> tuple[float, float] | None:
    """The x axis's range as numbers (`as_number`): its set range, else the traces' x extent."""
    axis_range = fig.layout.xaxis.range
    if axis_range:
        lo, hi = (as_number(v) for v in axis_range)
        if lo is not None and hi is not None and hi > lo:
            return lo, hi
    xs = [n for t in fig.data if getattr(t, "x", None) is not None
          and getattr(t, "xaxis", None) in (None, "x") for n in map(as_number, t.x)
          if n is not None]
    return (min(xs), max(xs)) if xs and max(xs) > min(xs) else None


def place_event_labels(fig: go.Figure, plot_width: float, char_width: float = 0.55) -> float:
    """Lay the event labels (EVENT_LABEL) out in rows above the plot for a plot `plot_width`
    pixels wide; returns the height in pixels the rows take above the plot (0 without labels).

    Each label is centred over its line where it fits, else moved sideways just far enough to
    clear the labels before it in that row (a leader joins it to its line), else put in the next
    row up; labels stay in the plot's width, in the order of their events, and clear of a label
    on the plot's top edge (EDGE_LABEL, "provisional"). Positions are in data units, so on a
    wider chart the labels only move further apart."""
    labels = [a for a in fig.layout.annotations if a.name == EVENT_LABEL]
    edge = [a for a in fig.layout.annotations if a.name == EDGE_LABEL]
    span = x_span(fig)
    if span is None or not (labels or edge):
        return 0.0
    lo, hi = span

    def to_px(x: object) -> float:
        n = as_number(x)
        return 0.0 if n is None else (n - lo) / (hi - lo) * plot_width

    def to_x(px: float, like: object) -> object:
        n = lo + px / plot_width * (hi - lo)
        if isinstance(like, (int, float)) and not isinstance(like, bool):
            return round(n, 3)
        return pd.Timestamp(n * 1e9).strftime("%Y-%m-%d")

    size = max([a.font.size or ANNOTATION_SIZE for a in labels + edge], default=ANNOTATION_SIZE)
    row_px = event_row_height(size)
    # Row 0 ends where a label on the plot's top edge starts ("provisional", at the right).
    first_row_end = min([to_px(a.x) - label_width(a, char_width) - EVENT_GAP for a in edge],
                        default=plot_width)
    rows: list[list[go.layout.Annotation]] = []
    for label in sorted(labels, key=lambda a: to_px(a.x)):
        row = 0
        while True:
            if row == len(rows):
                rows.append([])
            end = first_row_end if row == 0 else plot_width
            fits = _spread([(to_px(a.x), label_width(a, char_width))
                            for a in rows[row] + [label]], end) is not None
            if fits or (not rows[row] and row > 0):  # an empty row above takes any label
                rows[row].append(label)
                break
            row += 1
    for row, members in enumerate(rows):
        end = first_row_end if row == 0 else plot_width
        items = [(to_px(a.x), label_width(a, char_width)) for a in members]
        centres = _spread(items, end, strict=False)
        for label, centre in zip(members, centres):
            label.update(ax=to_x(centre, label.x), ay=-(EVENT_GAP + row * row_px))
    # Upper rows first: a lower row's (opaque) box is drawn over a leader passing behind it.
    others = [a for a in fig.layout.annotations if a.name != EVENT_LABEL]
    fig.layout.annotations = [*others, *sorted(labels, key=lambda a: a.ay)]
    used_rows = max(len(rows), 1 if edge else 0)
    return EVENT_GAP + used_rows * row_px if used_rows else 0.0


def _spread(items: list[tuple[float, float]], end: float, gap: float = 8.0,
            strict: bool = True) -> list[float] | None:
    """Centres for boxes (wanted centre, width) in one row between 0 and `end`, in order, none
    overlapping, each as near its wanted place as the others allow; None (when `strict`) if they
    do not fit or one would sit more than its own width or a quarter of the row from its line."""
    centres: list[float] = []
    for i, (wanted, width) in enumerate(items):
        centre = max(wanted, width / 2)
        if i:
            centre = max(centre, centres[-1] + items[i - 1][1] / 2 + gap + width / 2)
        centres.append(centre)
    limit = end
    for i in range(len(items) - 1, -1, -1):
        centres[i] = min(centres[i], limit - items[i][1] / 2)
        limit = centres[i] - items[i][1] / 2 - gap
    if not strict:
        return centres
    if centres[0] - items[0][1] / 2 < -0.5:
        return None
    if any(abs(c - w) > SHIFT * width for c, (w, width) in zip(centres, items)):
        return None
    return centres


def fit_header(fig: go.Figure, *, plot_width: float, legend_rows: int, title_px: float,
               legend_size: float = LEGEND_SIZE, char_width: float = 0.55) -> float | None:
    """From the top of the card down: the title (`title_px` tall), the legend's rows, the rows
    of event labels (`place_event_labels` for a plot `plot_width` wide), then the plot. With
    event labels, places the legend just under the title (container coordinates, so it stays put
    whatever the plot's height) and returns the top margin in pixels that holds all three;
    without, returns None and leaves the legend where it was (plotly.js then grows the margin
    for it itself)."""
    events_px = place_event_labels(fig, plot_width, char_width)
    if not events_px:
        return None
    if legend_rows:
        legend_under_title(fig, title_px)
    return title_px + legend_rows * legend_row_height(legend_size) + events_px + 10


def legend_under_title(fig: go.Figure, title_px: float) -> None:
    """The legend `title_px` below the card's top (container coordinates): call again when the
    card's height changes."""
    height = fig.layout.height or CHART_HEIGHT
    fig.update_layout(legend=dict(yref="container", y=1 - title_px / height, yanchor="top"))


def legend_row_height(size: float) -> float:
    """Height of one row of a horizontal legend at font `size` (measured in plotly.js: 32 px at
    15 px, the line and marker sample taller than the text)."""
    return size * 1.3 + 13


def _fit_header(fig: go.Figure) -> None:
    """Room at the top for the title's lines, the legend's rows and the event labels above the
    plot, so none runs into another, and no more than that when the page writes the title above
    the chart (the template's 90 px fit a one-line title). The event labels and the legend above
    them are laid out for the narrowest chart (EVENTS_WIDTH): on a wider one the labels only
    move apart."""
    title = fig.layout.title.text or ""
    lines = title.count("<br>") + 1 if title else 0
    # a wrapped title has top padding (common.TITLE_LINE_PAD, 12 px) over its first line
    title_px = 14 + lines * TITLE_SIZE * 1.35 + (12 if lines > 1 else 0) if title else 4
    needed = fit_header(fig, plot_width=EVENTS_WIDTH - Y_LABELS_WIDTH,
                        legend_rows=_legend_rows(fig, EVENTS_WIDTH - Y_LABELS_WIDTH),
                        title_px=title_px)
    if needed is None:
        # + the row of labels that sit on the plot's top edge
        needed = 14 + lines * TITLE_SIZE * 1.35 + _legend_rows(fig) * LEGEND_SIZE * 1.75 + 24
    current = fig.layout.margin.t
    if current is None or needed > current:
        fig.update_layout(margin=dict(t=int(needed)))
    # A tall header (title, legend and event rows) does not squeeze the plot: the card grows.
    height = fig.layout.height or CHART_HEIGHT
    plot_px = height - (fig.layout.margin.t or 0) - max(fig.layout.margin.b or 0, 70)
    if plot_px < MIN_PLOT_HEIGHT:
        fig.update_layout(height=int(height + MIN_PLOT_HEIGHT - plot_px))
        if fig.layout.legend.yref == "container":
            legend_under_title(fig, title_px)
    _fit_y_title(fig)


def _fit_y_title(fig: go.Figure) -> None:
    """Wrap a y-axis title longer than the plot is tall (plotly.js never wraps one): a long one
    ran past the plot into the chart's title or was cut at the card's edge."""
    height = fig.layout.height or CHART_HEIGHT
    plot_px = height - (fig.layout.margin.t or 90) - max(fig.layout.margin.b or 0, 70)
    size = FONT_SIZE
    chars = max(16, int(0.95 * plot_px / (0.5 * size)))
    for axis in fig.select_yaxes():
        text = axis.title.text or ""
        if "<br>" not in text and len(text) > chars:
            axis.title.text = "<br>".join(textwrap.wrap(text, chars))


def register_template() -> str:
    """Register the template under TEMPLATE_NAME once per process; return its name."""
    if TEMPLATE_NAME not in pio.templates:
        pio.templates[TEMPLATE_NAME] = build_template()
    return TEMPLATE_NAME


register_template()

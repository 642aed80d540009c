"""The one visual theme: colours, line dashes and markers per drug group, fonts and number formats.

Every chart gets its look from here (STYLE.md point 6), so benzodiazepines are the same colour
on every page and a with/without-opioid variant is visibly related to its parent group. The
palette is Okabe–Ito (safe for the common colour-vision deficiencies), extended with three Paul
Tol colours where ten drug families need telling apart; a line also differs by dash and marker,
so no series relies on colour alone. A trace keeps its colour on both Streamlit themes, so every
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
from dataclasses import dataclass

import plotly.graph_objects as go
import plotly.io as pio

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

PALETTE: list[str] = [VERMILLION, BLUE, BLUISH_GREEN, REDDISH_PURPLE, ORANGE, SKY_BLUE, OLIVE,
                      WINE, TEAL, GREY]
"""Order for series that are not drug groups (sex, age groups, states)."""

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


# Fixed styles for the groups pages compare most. Variants of a group share its hue family:
# "with opioid" keeps the parent's colour with a dashed line, "without" takes the lighter
# neighbour (vermillion → orange) with a dotted line.
DRUG_STYLES: dict[str, SeriesStyle] = {
    "all_drugs": SeriesStyle(GREY, "solid", "circle-open"),
    "benzodiazepines": SeriesStyle(VERMILLION, "solid", "circle"),
    "benzodiazepines_with_any_opioid": SeriesStyle(VERMILLION, "dash", "square"),
    "benzodiazepines_without_any_opioid": SeriesStyle(ORANGE, "dot", "diamond"),
    "benzodiazepines_with_synthetic_opioids": SeriesStyle(VERMILLION, "dashdot", "triangle-up"),
    "benzodiazepines_without_synthetic_opioids": SeriesStyle(ORANGE, "longdash", "triangle-down"),
    "illegal_benzodiazepines": SeriesStyle(REDDISH_PURPLE, "solid", "star"),
    "bromazolam": SeriesStyle(REDDISH_PURPLE, "dash", "square"),
    "etizolam": SeriesStyle(REDDISH_PURPLE, "dot", "diamond"),
    "flualprazolam": SeriesStyle(REDDISH_PURPLE, "dashdot", "triangle-up"),
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
    "psychostimulants": SeriesStyle(TEAL, "dot", "cross"),
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
    "female": SeriesStyle(REDDISH_PURPLE, "solid", "circle"),
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
    """The n-th style for series that are not drug groups: colour first, then dash."""
    dashes = ["solid", "dash", "dot", "dashdot"]
    symbols = ["circle", "square", "diamond", "triangle-up", "triangle-down", "star"]
    return SeriesStyle(PALETTE[position % len(PALETTE)],
                       dashes[(position // len(PALETTE)) % len(dashes)],
                       symbols[position % len(symbols)])


def series_styles(dimension: str, values: list[str]) -> dict[str, SeriesStyle]:
    """Styles for the values of one dimension (drug_group, sex, or anything else, in order)."""
    if dimension == "drug_group":
        return {v: drug_style(v) for v in values}
    if dimension == "sex" and all(v in SEX_STYLES for v in values):
        return {v: SEX_STYLES[v] for v in values}
    return {v: palette_style(i) for i, v in enumerate(values)}


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


def _fit_header(fig: go.Figure) -> None:
    """Room at the top for the title's lines and the legend's rows above the plot, so a wrapped
    title never runs into the legend (the legend sits just above the plot, the title at the top
    of the card), and no more than that when the page writes the title above the chart."""
    title = fig.layout.title.text or ""
    lines = title.count("<br>") + 1 if title else 0
    # + the row of labels that sit on the plot's top edge ("provisional", event labels' boxes)
    needed = 14 + lines * TITLE_SIZE * 1.35 + _legend_rows(fig) * LEGEND_SIZE * 1.75 + 24
    current = fig.layout.margin.t
    if current is None or needed > current:
        # the template's 90 px fit a one-line title; a chart titled on the page needs less
        fig.update_layout(margin=dict(t=int(needed)))


def register_template() -> str:
    """Register the template under TEMPLATE_NAME once per process; return its name."""
    if TEMPLATE_NAME not in pio.templates:
        pio.templates[TEMPLATE_NAME] = build_template()
    return TEMPLATE_NAME


register_template()

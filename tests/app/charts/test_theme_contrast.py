"""WCAG 2.x contrast of the colours the app sets, against Streamlit's light and dark backgrounds.

Plotly traces keep their explicit colours under `theme="streamlit"` while the background follows the
reader's theme, so every series colour needs 3:1 on both (1.4.11, graphical objects). Text needs
4.5:1 (1.4.3). The theme colours in .streamlit/config.toml are checked the way Streamlit 1.67 uses
them (captions at 60% opacity of the text colour, selected segments on a 10% tint of the primary
colour, chips in white on it); tests/browser/test_accessibility.py measures the running app.
"""
from __future__ import annotations

import itertools
import tomllib
from pathlib import Path

import numpy as np
import pytest

from app.charts import theme, vision
from app.export import restyle
from app.charts.theme import contrast_ratio, relative_luminance

ROOT = Path(__file__).resolve().parents[3]
CONFIG = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["theme"]

# Streamlit 1.67's defaults (its config option help), unless the config overrides them.
DEFAULTS = {"light": {"backgroundColor": "#FFFFFF", "textColor": "#2F2D2B",
                      "primaryColor": "#C53948"},
            "dark": {"backgroundColor": "#171614", "textColor": "#EDEBE8",
                     "primaryColor": "#CF4250"}}
THEME = {name: {**defaults, **CONFIG.get(name, {})} for name, defaults in DEFAULTS.items()}
BACKGROUNDS = {"light": THEME["light"]["backgroundColor"],
               "dark": THEME["dark"]["backgroundColor"],
               # Streamlit's earlier dark background: series colours must not depend on which
               # dark the reader's Streamlit draws.
               "classic dark": "#0E1117"}
CAPTION_OPACITY = 0.6
SEGMENT_TINT = 0.1


def blend(hex_color: str, alpha: float, below: str) -> str:
    """`hex_color` at `alpha` opacity over `below`, as `#RRGGBB`."""
    top, under = (np.array([int(c.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4)])
                  for c in (hex_color, below))
    return "#" + "".join(f"{round(v):02X}" for v in alpha * top + (1 - alpha) * under)


def series_colours() -> dict[str, str]:
    """Every colour a chart line, marker or bar can take, named by where it comes from."""
    colours = {f"PALETTE[{i}]": c for i, c in enumerate(theme.PALETTE)}
    colours |= {f"DRUG_STYLES[{k}]": s.color for k, s in theme.DRUG_STYLES.items()}
    colours |= {f"SEX_STYLES[{k}]": s.color for k, s in theme.SEX_STYLES.items()}
    colours |= {f"chartCategoricalColors[{i}]": c
                for i, c in enumerate(CONFIG["chartCategoricalColors"])}
    return colours


def test_contrast_ratio_matches_the_wcag_reference_values():
    assert contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast_ratio("#FFFFFF", "#000000") == pytest.approx(21.0)
    assert contrast_ratio("#0072B2", "#0072B2") == pytest.approx(1.0)
    # The lightest grey with 4.5:1 on white, and the next one up, which fails.
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert contrast_ratio("#777777", "#FFFFFF") < 4.5
    assert relative_luminance("#FF0000") == pytest.approx(0.2126)
    with pytest.raises(ValueError, match="#RRGGBB"):
        contrast_ratio("#FFF", "#000000")


def test_streamlit_chart_colours_are_the_palette():
    assert [c.upper() for c in CONFIG["chartCategoricalColors"]] == theme.PALETTE, (
        "chartCategoricalColors in .streamlit/config.toml must list app.charts.theme.PALETTE "
        "in order")


@pytest.mark.parametrize("background", list(BACKGROUNDS))
@pytest.mark.parametrize("name,colour", list(series_colours().items()))
def test_series_colour_has_3_to_1_on_both_themes(name, colour, background):
    ratio = contrast_ratio(colour, BACKGROUNDS[background])
    assert ratio >= 3, (f"{name} = {colour} is {ratio:.2f}:1 on the {background} background "
                        f"{BACKGROUNDS[background]}; a line or marker needs 3:1 (WCAG 1.4.11)")


def test_benzodiazepine_variants_differ_from_their_parent_in_hue():
    # DRUG_STYLES: "with" and "without" an opioid keep the family's dashes but not its colour;
    # tests/app/charts/test_series_hues.py measures them in all four viewing conditions.
    parent = theme.drug_style("benzodiazepines").color
    for partner in ("any_opioid", "synthetic_opioids"):
        for variant in (f"benzodiazepines_with_{partner}", f"benzodiazepines_without_{partner}"):
            assert vision.difference(parent, theme.drug_style(variant).color) >= \
                theme.HUE_DISTINCT, variant


def cielab(hex_color: str, condition: str | None = None) -> np.ndarray:
    """CIELAB of a colour as seen with normal vision or a simulated colour-vision deficiency
    (Machado et al. 2009, app.charts.vision)."""
    return np.array(vision.cielab(hex_color, condition or "normal"))


@pytest.mark.parametrize("condition", [None, *vision.CVD_MATRICES])
def test_palette_colours_stay_apart_with_colour_blindness(condition):
    # Contrast squeezes every colour into one band of lightness; this keeps any two palette
    # colours (which may share a chart) apart for colour-blind readers, beside the dash and
    # marker cue. The floor is CIELAB ΔE 6; before the contrast changes, reddish purple and
    # Tol's teal were 4.3 apart with deuteranopia. Series drawn together are held to more:
    # CIEDE2000 ≥ theme.HUE_DISTINCT (tests/app/charts/test_series_hues.py).
    distances = {(a, b): float(np.linalg.norm(cielab(a, condition) - cielab(b, condition)))
                 for a, b in itertools.combinations(theme.PALETTE, 2)}
    (a, b), closest = min(distances.items(), key=lambda item: item[1])
    assert closest >= 6, f"{a} and {b} are ΔE {closest:.1f} apart ({condition or 'normal vision'})"


@pytest.mark.parametrize("name", ["light", "dark"])
def test_body_text_and_captions_have_4_5_to_1(name):
    text, background = THEME[name]["textColor"], THEME[name]["backgroundColor"]
    assert contrast_ratio(text, background) >= 4.5
    caption = blend(text, CAPTION_OPACITY, background)
    ratio = contrast_ratio(caption, background)
    assert ratio >= 4.5, (f"{name} captions ({text} at {CAPTION_OPACITY:.0%}) are {ratio:.2f}:1 "
                          f"on {background}: set a darker/lighter textColor in [theme.{name}]")


@pytest.mark.parametrize("name", ["light", "dark"])
def test_primary_colour_as_text_has_4_5_to_1(name):
    # Selected tab, slider value and selected segment labels are written in the primary colour,
    # the last on a 10% tint of it.
    primary, background = THEME[name]["primaryColor"], THEME[name]["backgroundColor"]
    assert contrast_ratio(primary, background) >= 4.5
    assert contrast_ratio(primary, blend(primary, SEGMENT_TINT, background)) >= 4.5


def test_white_on_the_light_primary_colour_has_4_5_to_1():
    # Multiselect chips and primary buttons: white text on the primary colour. Not asserted for
    # the dark theme: a colour at least 4.5:1 against #171614 has luminance ≥ 0.21, and white
    # text needs ≤ 0.18, so no primary serves both; the config keeps primary-coloured text
    # legible.
    assert contrast_ratio("#FFFFFF", THEME["light"]["primaryColor"]) >= 4.5


def test_slide_export_text_has_4_5_to_1_on_its_white_background():
    # Slide images are drawn on white whatever the reader's theme (app.export).
    for colour in (restyle.TEXT_COLOR, restyle.SOURCE_COLOR):
        assert contrast_ratio(colour, "#FFFFFF") >= 4.5

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

from app.charts import theme
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


def test_without_opioid_variant_is_lighter_than_its_parent():
    # DRUG_STYLES: "without" takes the lighter neighbour, so the pair differs in lightness too.
    assert relative_luminance(theme.ORANGE) > relative_luminance(theme.VERMILLION) + 0.04


# Machado, Oliveira & Fernandes (2009), full severity, applied to linear RGB.
CVD_MATRICES = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                   [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                     [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                   [0.004733, 0.691367, 0.303900]],
}
SRGB_TO_XYZ = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                        [0.0193, 0.1192, 0.9505]])
D65 = np.array([0.95047, 1.0, 1.08883])


def cielab(hex_color: str, vision: str | None = None) -> np.ndarray:
    """CIELAB of a colour as seen with normal vision or a simulated colour-vision deficiency."""
    rgb = np.array([int(hex_color.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)])
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    if vision:
        linear = np.clip(np.array(CVD_MATRICES[vision]) @ linear, 0, 1)
    xyz = SRGB_TO_XYZ @ linear / D65
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


@pytest.mark.parametrize("vision", [None, *CVD_MATRICES])
def test_palette_colours_stay_apart_with_colour_blindness(vision):
    # Contrast squeezes every colour into one band of lightness; this keeps any two palette
    # colours (which share a chart) apart for colour-blind readers, beside the dash and marker
    # cue. The floor is CIELAB ΔE 6; before the contrast changes, reddish purple and Tol's teal
    # were 4.3 apart with deuteranopia.
    distances = {(a, b): float(np.linalg.norm(cielab(a, vision) - cielab(b, vision)))
                 for a, b in itertools.combinations(theme.PALETTE, 2)}
    (a, b), closest = min(distances.items(), key=lambda item: item[1])
    assert closest >= 6, f"{a} and {b} are ΔE {closest:.1f} apart ({vision or 'normal vision'})"


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

"""app/charts/vision.py: CIEDE2000 against Sharma, Wu & Dalal's (2005) test pairs, simulated
colour blindness keeps greys grey and merges red with green, and the projector wash-out moves
every colour toward white and brings neighbouring hues together."""
from __future__ import annotations

import pytest

from app.charts import theme, vision

# Sharma, Wu & Dalal (2005), Table 1: (L*, a*, b*) pairs and their CIEDE2000 difference.
SHARMA_PAIRS = [
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 3.1571, -77.2803), (50.0, 0.0, -82.7485), 2.8615),
    ((50.0, 2.8361, -74.0200), (50.0, 0.0, -82.7485), 3.4412),
    ((50.0, -1.3802, -84.2814), (50.0, 0.0, -82.7485), 1.0000),
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((50.0, 2.4900, -0.0010), (50.0, -2.4900, 0.0009), 7.1792),
    ((50.0, 2.4900, -0.0010), (50.0, -2.4900, 0.0011), 7.2195),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((50.0, 2.5, 0.0), (56.0, -27.0, -3.0), 31.9030),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ((63.0109, -31.0961, -5.8663), (62.8187, -29.7946, -4.0864), 1.2630),
    ((22.7233, 20.0904, -46.6940), (23.0331, 14.9730, -42.5619), 2.0373),
]


@pytest.mark.parametrize("lab1,lab2,expected", SHARMA_PAIRS)
def test_ciede2000_matches_the_published_test_data(lab1, lab2, expected):
    assert vision.ciede2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)
    assert vision.ciede2000(lab2, lab1) == pytest.approx(expected, abs=1e-4), "symmetric"


def test_cielab_of_white_black_and_a_primary():
    assert vision.cielab("#FFFFFF") == pytest.approx((100.0, 0.0, 0.0), abs=0.01)
    assert vision.cielab("#000000") == pytest.approx((0.0, 0.0, 0.0), abs=0.01)
    assert vision.cielab("#FF0000") == pytest.approx((53.24, 80.09, 67.20), abs=0.05)


@pytest.mark.parametrize("condition", ["deuteranopia", "protanopia"])
def test_colour_blindness_keeps_greys_and_merges_red_with_green(condition):
    assert vision.difference("#808080", "#808080", condition) == pytest.approx(0, abs=1e-6)
    lab = vision.cielab("#777777", condition)
    assert abs(lab[1]) < 1 and abs(lab[2]) < 1, "a grey stays grey"
    # a red and a green of about equal lightness: far apart normally, close when simulated
    normal = vision.difference("#C0392B", "#5D8A00")
    assert normal > 40
    assert vision.difference("#C0392B", "#5D8A00", condition) < normal / 2


def test_the_washout_lifts_black_and_brings_neighbouring_hues_together():
    black = vision.seen("#000000", "washout")
    assert black == pytest.approx((vision.WASHOUT,) * 3)
    assert vision.seen("#FFFFFF", "washout") == pytest.approx((1.0, 1.0, 1.0))
    normal = vision.difference(theme.SKY_BLUE, theme.BLUE)
    assert vision.difference(theme.SKY_BLUE, theme.BLUE, "washout") < normal / 2


def test_unknown_condition_and_bad_colour_are_refused():
    with pytest.raises(ValueError, match="viewing condition"):
        vision.seen("#FFFFFF", "sunglasses")
    with pytest.raises(ValueError, match="#RRGGBB"):
        vision.linear_rgb("#FFF")
    assert vision.closest_condition(theme.VERMILLION, theme.ORANGE)[0] == "deuteranopia"

"""How far apart two series colours look: CIEDE2000 colour difference in normal vision, with
simulated deuteranopia and protanopia, and on a washed-out projector.

The theme uses it to keep the series a chart draws together apart by hue (theme.series_styles);
tests/app/charts/test_series_hues.py measures every builder's figures with it.

- CVD: Machado, Oliveira & Fernandes (2009), "A physiologically-based model for simulation of
  color vision deficiency", IEEE TVCG 15(6), matrices for severity 1.0 (dichromacy, the strongest
  case), applied to linear RGB.
- Wash-out: light falling on a projector screen in a lit room adds the same light to every colour,
  so in linear RGB each colour moves toward white: c' = (1 - a)·c + a·white. With a = 0.3, black
  becomes 30% of white: the picture's contrast falls to 1 / 0.3 ≈ 3.3:1, a bright classroom with a
  modest projector (the harsh end; a dark room gives hundreds to one). The same blend also drains
  saturation, which is what makes neighbouring hues (two blues, two oranges) run together.
- CIEDE2000: Sharma, Wu & Dalal (2005), "The CIEDE2000 color-difference formula: implementation
  notes, supplementary test data, and mathematical observations", Color Res. Appl. 30(1); checked
  against their test pairs in tests/app/charts/test_vision.py.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

CONDITIONS: tuple[str, ...] = ("normal", "deuteranopia", "protanopia", "washout")
"""The viewing conditions every pair of series colours is measured in."""


CVD_MATRICES: dict[str, tuple[tuple[float, float, float], ...]] = {
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216),
                   (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413),
                     (-0.011820, 0.042940, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602),
                   (0.004733, 0.691367, 0.303900)),
}
"""Machado et al. (2009), severity 1.0, on linear RGB."""


WASHOUT = 0.3
"""Share of white light added to every colour on a washed-out projector (linear RGB)."""


_SRGB_TO_XYZ = ((0.4124, 0.3576, 0.1805), (0.2126, 0.7152, 0.0722), (0.0193, 0.1192, 0.9505))
_WHITE = tuple(sum(row) for row in _SRGB_TO_XYZ)  # D65, as sRGB's white


def linear_rgb(hex_color: str) -> tuple[float, float, float]:
    """`#RRGGBB` as linear-light RGB in 0–1 (the sRGB transfer function undone)."""
    h = hex_color.lstrip("#")
    if len(h) != 6:
        raise ValueError(f"expected a colour as #RRGGBB, found {hex_color!r}")
    channels = [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return r, g, b


def _matrix(m: Sequence[Sequence[float]], v: Sequence[float]) -> tuple[float, float, float]:
    x, y, z = (sum(a * b for a, b in zip(row, v)) for row in m)
    return x, y, z


def seen(hex_color: str, condition: str = "normal") -> tuple[float, float, float]:
    """Linear RGB of a colour as seen in `condition` (one of CONDITIONS, or "tritanopia")."""
    rgb = linear_rgb(hex_color)
    if condition in CVD_MATRICES:
        r, g, b = (min(1.0, max(0.0, c)) for c in _matrix(CVD_MATRICES[condition], rgb))
        return r, g, b
    if condition == "washout":
        r, g, b = ((1 - WASHOUT) * c + WASHOUT for c in rgb)
        return r, g, b
    if condition != "normal":
        raise ValueError(f"unknown viewing condition {condition!r}; known: {CONDITIONS}")
    return rgb


def cielab(hex_color: str, condition: str = "normal") -> tuple[float, float, float]:
    """CIELAB (D65) of a colour as seen in `condition`."""
    xyz = _matrix(_SRGB_TO_XYZ, seen(hex_color, condition))
    f = [math.cbrt(v / w) if v / w > 216 / 24389 else (24389 / 27 * v / w + 16) / 116
         for v, w in zip(xyz, _WHITE)]
    return 116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])


def ciede2000(lab1: Sequence[float], lab2: Sequence[float]) -> float:
    """CIEDE2000 difference of two CIELAB colours (kL = kC = kH = 1), after Sharma et al. 2005."""
    l1, a1, b1 = lab1
    l2, a2, b2 = lab2
    c_mean = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_mean ** 7 / (c_mean ** 7 + 25 ** 7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = math.degrees(math.atan2(b2, a2p)) % 360 if c2p else 0.0
    dl, dc = l2 - l1, c2p - c1p
    if c1p * c2p == 0:
        dh = 0.0
    else:
        dh = h2p - h1p
        dh = dh - 360 if dh > 180 else dh + 360 if dh < -180 else dh
    dhh = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dh / 2))
    l_mean, cp_mean = (l1 + l2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        h_mean = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        h_mean = (h1p + h2p) / 2
    else:
        h_mean = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    t = (1 - 0.17 * math.cos(math.radians(h_mean - 30)) + 0.24 * math.cos(math.radians(2 * h_mean))
         + 0.32 * math.cos(math.radians(3 * h_mean + 6))
         - 0.20 * math.cos(math.radians(4 * h_mean - 63)))
    d_theta = 30 * math.exp(-(((h_mean - 275) / 25) ** 2))
    r_c = 2 * math.sqrt(cp_mean ** 7 / (cp_mean ** 7 + 25 ** 7))
    s_l = 1 + 0.015 * (l_mean - 50) ** 2 / math.sqrt(20 + (l_mean - 50) ** 2)
    s_c = 1 + 0.045 * cp_mean
    s_h = 1 + 0.015 * cp_mean * t
    r_t = -math.sin(math.radians(2 * d_theta)) * r_c
    return math.sqrt((dl / s_l) ** 2 + (dc / s_c) ** 2 + (dhh / s_h) ** 2
                     + r_t * (dc / s_c) * (dhh / s_h))


def difference(color1: str, color2: str, condition: str = "normal") -> float:
    """CIEDE2000 difference of two `#RRGGBB` colours as seen in `condition`."""
    return ciede2000(cielab(color1, condition), cielab(color2, condition))


def closest_condition(color1: str, color2: str,
                      conditions: Sequence[str] = CONDITIONS) -> tuple[str, float]:
    """The condition in which the two colours look most alike, and their difference there."""
    return min(((c, difference(color1, color2, c)) for c in conditions), key=lambda p: p[1])

"""Cell colours as Excel stores them (RGB, legacy palette index, theme colour with tint), resolved to
RGB, and the nearest status colour of a palette."""

from __future__ import annotations

import colorsys
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# Theme colour index as cells use it → element of <a:clrScheme>. Excel swaps dark/light in 0–3.
THEME_ORDER = (
    "lt1",
    "dk1",
    "lt2",
    "dk2",
    "accent1",
    "accent2",
    "accent3",
    "accent4",
    "accent5",
    "accent6",
    "hlink",
    "folHlink",
)
# Office 2007–2010 default theme, used when the workbook has none.
DEFAULT_THEME = (
    "FFFFFF",
    "000000",
    "EEECE1",
    "1F497D",
    "4F81BD",
    "C0504D",
    "9BBB59",
    "8064A2",
    "4BACC6",
    "F79646",
    "0000FF",
    "800080",
)

_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"

# Distances in CIE76 ΔE: below SURE a colour is that status; up to MAYBE it is taken with a warning
# when no other status colour is nearly as close.
SURE_DISTANCE = 12.0
MAYBE_DISTANCE = 45.0
MARGIN = 1.6  # the second nearest must be this many times farther away


def parse_theme_colors(theme_xml: bytes | str | None) -> tuple[str, ...]:
    """The twelve theme colours (in cell index order) of a workbook's theme1.xml."""
    if not theme_xml:
        return DEFAULT_THEME
    try:
        from defusedxml.ElementTree import fromstring

        root = fromstring(theme_xml)
    except Exception:
        return DEFAULT_THEME
    scheme = root.find(f"{_A}themeElements/{_A}clrScheme")
    if scheme is None:
        return DEFAULT_THEME
    colors: list[str] = []
    for i, name in enumerate(THEME_ORDER):
        el = scheme.find(f"{_A}{name}")
        value = None
        if el is not None:
            for child in el:
                if child.tag == f"{_A}srgbClr":
                    value = child.get("val")
                elif child.tag == f"{_A}sysClr":
                    value = child.get("lastClr") or (
                        "000000" if "Text" in (child.get("val") or "") else "FFFFFF"
                    )
        colors.append(_clean_hex(value) or DEFAULT_THEME[i])
    return tuple(colors)


def _clean_hex(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    v = value.strip().upper()
    if len(v) == 8:
        v = v[2:]
    if len(v) != 6 or any(c not in "0123456789ABCDEF" for c in v):
        return None
    return v


def apply_tint(rgb: str, tint: float) -> str:
    """Excel's tint: lighten (tint > 0) or darken (tint < 0) in HLS space."""
    if not tint:
        return rgb
    r, g, b = (int(rgb[i : i + 2], 16) / 255 for i in (0, 2, 4))
    h, lum, s = colorsys.rgb_to_hls(r, g, b)
    lum = lum * (1 + tint) if tint < 0 else lum * (1 - tint) + tint
    lum = min(1.0, max(0.0, lum))
    r, g, b = colorsys.hls_to_rgb(h, lum, s)
    return "".join(f"{round(c * 255):02X}" for c in (r, g, b))


@dataclass
class ColorResolver:
    """Resolves openpyxl colours against one workbook's theme and palette."""

    theme: Sequence[str] = DEFAULT_THEME
    indexed: Sequence[str] | None = None

    @classmethod
    def for_workbook(cls, wb: Any) -> ColorResolver:
        theme = parse_theme_colors(getattr(wb, "loaded_theme", None))
        custom = getattr(wb, "_colors", None)
        indexed = [c for c in (_clean_hex(x) for x in custom) if c] if custom else None
        return cls(theme=theme, indexed=indexed or None)

    def resolve(self, color: Any) -> str | None:
        """RRGGBB of an openpyxl Color, or None when it has none (auto, system colours)."""
        if color is None:
            return None
        kind = getattr(color, "type", None)
        try:
            if kind == "rgb":
                return _clean_hex(color.rgb)
            if kind == "indexed":
                idx = int(color.indexed)
                from openpyxl.styles.colors import COLOR_INDEX  # openpyxl only when reading a workbook

                palette = self.indexed or [c[2:] for c in COLOR_INDEX]
                if 0 <= idx < len(palette) and idx < 64:
                    return _clean_hex(palette[idx])
                return None  # 64/65: system foreground/background
            if kind == "theme":
                idx = int(color.theme)
                if not 0 <= idx < len(self.theme):
                    return None
                return apply_tint(self.theme[idx], float(color.tint or 0.0))
        except (TypeError, ValueError):
            return None
        return None

    def fill_rgb(self, fill: Any) -> str | None:
        """The visible background colour of a cell's fill, or None for no fill."""
        if fill is None:
            return None
        pattern = getattr(fill, "patternType", None) or getattr(fill, "fill_type", None)
        if not pattern or pattern == "none":
            return None
        color = getattr(fill, "fgColor", None)
        rgb = self.resolve(color)
        if rgb is None and pattern != "solid":
            rgb = self.resolve(getattr(fill, "bgColor", None))
        return rgb


def _to_lab(rgb: str) -> tuple[float, float, float]:
    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(int(rgb[i : i + 2], 16) / 255) for i in (0, 2, 4))
    x = (r * 0.4124 + g * 0.3576 + b * 0.1805) / 0.95047
    y = r * 0.2126 + g * 0.7152 + b * 0.0722
    z = (r * 0.0193 + g * 0.1192 + b * 0.9505) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def distance(a: str, b: str) -> float:
    """Perceptual distance (CIE76 ΔE) of two RRGGBB colours."""
    la, lb = _to_lab(a), _to_lab(b)
    return math.dist(la, lb)


@dataclass(frozen=True)
class ColorMatch:
    key: str | None
    distance: float
    sure: bool


def _hue_chroma(rgb: str) -> tuple[float, float]:
    _l, a, b = _to_lab(rgb)
    return math.degrees(math.atan2(b, a)) % 360, math.hypot(a, b)


def _hue_gap(h1: float, h2: float) -> float:
    d = abs(h1 - h2) % 360
    return min(d, 360 - d)


CHROMATIC = 12.0  # chroma from which a colour counts as coloured, not grey
MAX_HUE_GAP = 35.0


def nearest_status(rgb: str, palette: dict[str, str]) -> ColorMatch:
    """The status whose colour is nearest to rgb; `sure` only when it is (nearly) that very colour.

    A colour that is not nearly one of the palette is only guessed (sure=False, to be flagged): a coloured
    cell by the nearest hue (a light red is still red), a grey one by the nearest colour overall.
    """
    colors = {key: c for key, c in ((k, _clean_hex(v)) for k, v in palette.items()) if c}
    ranked = sorted((distance(rgb, color), key) for key, color in colors.items())
    if not ranked:
        return ColorMatch(None, math.inf, False)
    d1, key = ranked[0]
    d2 = ranked[1][0] if len(ranked) > 1 else math.inf
    if d1 <= SURE_DISTANCE and d2 > d1 * MARGIN:
        return ColorMatch(key, d1, True)
    hue, chroma = _hue_chroma(rgb)
    if chroma >= CHROMATIC:
        gaps = sorted(
            (_hue_gap(hue, _hue_chroma(c)[0]), k) for k, c in colors.items() if _hue_chroma(c)[1] >= CHROMATIC
        )
        if gaps:
            g1, gkey = gaps[0]
            g2 = gaps[1][0] if len(gaps) > 1 else math.inf
            if g1 <= MAX_HUE_GAP and g2 - g1 >= 6.0:
                return ColorMatch(gkey, distance(rgb, colors[gkey]), False)
            return ColorMatch(None, d1, False)
    if d1 <= MAYBE_DISTANCE and d2 > d1 * MARGIN:
        return ColorMatch(key, d1, False)
    return ColorMatch(None, d1, False)


def is_white(rgb: str | None) -> bool:
    return rgb is None or rgb in ("FFFFFF",)

"""The bundled Unicode font (DejaVu Sans) for reportlab, and a glyph-coverage check.

Helvetica, reportlab's built-in font, prints black boxes for anything outside Latin-1; DejaVu covers
German, Latin Extended, Cyrillic and the arrows and signs the concept uses. Characters the font lacks
(emoji, CJK) are found before layout and replaced by U+FFFD, and reported to the caller.
"""

from __future__ import annotations

import io
import threading

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from kik_desktop.paths import resource

FONT = "KIKSans"
FONT_BOLD = "KIKSans-Bold"
FONT_ITALIC = "KIKSans-Oblique"
REPLACEMENT = "\ufffd"

_FILES = {
    FONT: "fonts/DejaVuSans.ttf",
    FONT_BOLD: "fonts/DejaVuSans-Bold.ttf",
    FONT_ITALIC: "fonts/DejaVuSans-Oblique.ttf",
}
_lock = threading.Lock()
_covered: frozenset[int] | None = None


def register_fonts() -> None:
    """Register the three faces once per process (the bold/italic mapping makes <b>/<i> work)."""
    global _covered
    with _lock:
        if _covered is not None:
            return
        faces: dict[str, TTFont] = {}
        for name, path in _FILES.items():
            # TTFont reads a file-like object, so this works from a wheel or a frozen build alike.
            font = TTFont(name, io.BytesIO(resource(path).read_bytes()))
            pdfmetrics.registerFont(font)
            faces[name] = font
        addMapping(FONT, 0, 0, FONT)
        addMapping(FONT, 1, 0, FONT_BOLD)
        addMapping(FONT, 0, 1, FONT_ITALIC)
        addMapping(FONT, 1, 1, FONT_BOLD)
        covered = set(faces[FONT].face.charToGlyph)
        for name in (FONT_BOLD, FONT_ITALIC):
            covered &= set(faces[name].face.charToGlyph)
        _covered = frozenset(covered)


def covered_codepoints() -> frozenset[int]:
    register_fonts()
    assert _covered is not None
    return _covered


def missing_glyphs(text: str) -> set[str]:
    """The characters of text that the bundled font cannot print (whitespace ignored)."""
    covered = covered_codepoints()
    return {c for c in text if ord(c) not in covered and not c.isspace()}

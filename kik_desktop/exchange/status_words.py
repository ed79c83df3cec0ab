"""Statuses as people write them (issue #18): the six short names, German colour words read through the
file's own legend (colour cells or lines like "grün = umgesetzt") and otherwise through the canonical
palette, and a legend written as text.

Pure functions; no Qt, no database.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from kik_desktop.exchange.colors import nearest_status
from kik_desktop.exchange.columns import normalize_header

# The colour a German colour word stands for (RRGGBB of the Office standard colours).
WORD_RGB: dict[str, str] = {
    "gruen": "00B050",
    "grun": "00B050",
    "green": "00B050",
    "dunkelgruen": "00703C",
    "hellgruen": "92D050",
    "gelb": "FFFF00",
    "yellow": "FFFF00",
    "orange": "FFC000",
    "amber": "FFC000",
    "rot": "FF0000",
    "red": "FF0000",
    "grau": "BFBFBF",
    "grey": "BFBFBF",
    "gray": "BFBFBF",
    "hellgrau": "D9D9D9",
    "weiss": "FFFFFF",
}
# The canonical meaning of a colour word (the program's default palette).
CANONICAL: dict[str, str] = {
    "gruen": "umgesetzt",
    "grun": "umgesetzt",
    "green": "umgesetzt",
    "dunkelgruen": "umgesetzt",
    "hellgruen": "ende",
    "gelb": "mitte",
    "yellow": "mitte",
    "orange": "anfang",
    "amber": "anfang",
    "rot": "gefaehrdet",
    "red": "gefaehrdet",
    "grau": "zukuenftig",
    "grey": "zukuenftig",
    "gray": "zukuenftig",
    "hellgrau": "zukuenftig",
}
# Short names (DESIGN.md defaults) and what people write for them.
SHORT_NAMES: dict[str, str] = {
    "umgesetzt": "umgesetzt",
    "erledigt": "umgesetzt",
    "abgeschlossen": "umgesetzt",
    "anfang": "anfang",
    "am anfang": "anfang",
    "begonnen": "anfang",
    "mitte": "mitte",
    "in der mitte": "mitte",
    "ende": "ende",
    "kurz vor abschluss": "ende",
    "fast fertig": "ende",
    "gefaehrdet": "gefaehrdet",
    "nicht umsetzbar": "gefaehrdet",
    "zukuenftig": "zukuenftig",
    "geplant": "zukuenftig",
    "noch nicht begonnen": "zukuenftig",
    "offen": "zukuenftig",
}


def color_word(text: str) -> str | None:
    """The normalised colour word a status text consists of ("Grün", "hell-grün", "hellgrün (Ende)")."""
    return color_word_of_norm(normalize_header(text))


_FIRST_WORDS = {w for w in WORD_RGB} | {"hell", "dunkel"}


def color_word_of_norm(norm: str) -> str | None:
    """color_word for a text already normalised with normalize_header."""
    if not norm or (norm.split(" ", 1)[0] not in _FIRST_WORDS and norm.replace(" ", "") not in WORD_RGB):
        return None
    words = norm.split()
    joined = "".join(words)
    if joined in WORD_RGB:
        return joined
    if words[0] in WORD_RGB and len(words) <= 3:
        return words[0]
    if len(words) >= 2 and words[0] in ("hell", "dunkel") and words[0] + words[1] in WORD_RGB:
        return words[0] + words[1]
    return None


def short_names(status_list: Iterable[object]) -> dict[str, str]:
    """Normalised short names, symbols and the default short names → status key."""
    out = dict(SHORT_NAMES)
    for s in status_list:
        key = str(getattr(s, "key", ""))
        for attr in ("short", "symbol"):
            value = str(getattr(s, attr, "") or "")
            norm = normalize_header(value) if attr == "short" else value.strip()
            if norm:
                out.setdefault(norm, key)
    return out


@dataclass
class Legend:
    """The file's own legend: colour word → key (from text lines) and colour → key (from coloured cells)."""

    words: dict[str, str]
    colors: dict[str, str]

    def word_status(self, word: str) -> tuple[str | None, str]:
        """(key, how) for a colour word: the text legend, then the colour legend, then the palette."""
        if word in self.words:
            return self.words[word], "Legende"
        if self.colors and word in WORD_RGB:
            match = nearest_status(WORD_RGB[word], {f"{k}|{c}": c for c, k in self.colors.items()})
            if match.key is not None:
                return match.key.split("|")[0], "Legende"
        key = CANONICAL.get(word)
        return key, "Standardfarben" if key else ""


_PAIR = re.compile(r"^\s*(.{1,40}?)\s*(?:=|→|:|–|-)\s*(.{1,80}?)\s*$")


def legend_pairs(text: str, status_of: Callable[[str], str | None]) -> dict[str, str]:
    """Colour word → key from a legend line: "grün = umgesetzt, gelb = in Umsetzung (Mitte)"."""
    out: dict[str, str] = {}
    if not isinstance(text, str) or len(text) > 500:
        return out
    for part in re.split(r"[,;\n]|\s{3,}", text):
        m = _PAIR.match(part)
        if not m:
            continue
        left, right = m.group(1), m.group(2)
        for word_side, status_side in ((left, right), (right, left)):
            word = color_word(word_side)
            key = status_of(status_side)
            if word is not None and key is not None and color_word(status_side) is None:
                out[word] = key
                break
    return out


def read_text_legend(
    cells: Iterable[str], status_of: Callable[[str], str | None]
) -> tuple[dict[str, str], list[str]]:
    """Colour word → key from every legend line of a workbook; a word given two meanings is dropped
    and named in the second value."""
    found: dict[str, set[str]] = {}
    for text in cells:
        low = text.casefold()
        if len(text) > 300 or not any(w in low for w in _HINTS):  # cheap: no colour word, no legend line
            continue
        for word, key in legend_pairs(text, status_of).items():
            found.setdefault(word, set()).add(key)
    words = {w: next(iter(k)) for w, k in found.items() if len(k) == 1}
    return words, sorted(w for w, k in found.items() if len(k) > 1)


_HINTS = (
    "grün",
    "gruen",
    "grun",
    "green",
    "gelb",
    "yellow",
    "orange",
    "amber",
    "rot",
    "red",
    "grau",
    "grey",
    "gray",
)


def disagreement_once(seen: set[tuple[str, int, int]], sheet: str, row: int, col: int) -> bool:
    """True the first time a cell is flagged (a merged status cell or a measure on several sheets)."""
    key = (sheet, row, col)
    if key in seen:
        return False
    seen.add(key)
    return True


def map_words(mapping: Mapping[str, str]) -> dict[str, str]:
    return {normalize_header(k).replace(" ", ""): v for k, v in mapping.items()}


__all__ = [
    "CANONICAL",
    "SHORT_NAMES",
    "WORD_RGB",
    "Legend",
    "color_word",
    "disagreement_once",
    "legend_pairs",
    "read_text_legend",
    "short_names",
]

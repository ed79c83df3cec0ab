"""Cell-level helpers of the workbooks this program writes: clean texts, sheet names, row heights."""

from __future__ import annotations

import functools
import re
from typing import Any

MAX_CELL = 32_767
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


# Advance widths of Calibri (its metric twin Carlito, which LibreOffice uses) in 1/2048 em, regular and
# bold, for the characters of German text. Other characters count as a wide letter, so that an estimate
# never comes out short (a cut-off text is worse than a little space).
_METRIC_CHARS = (
    " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~"
    "äöüÄÖÜßéèáàçñ–—„“”‚‘’…€§°·•✓"
)
_REGULAR = (
    463, 667, 821, 1020, 1038, 1464, 1397, 452, 621, 621, 1020, 1020, 511, 627, 517, 791, 1038, 1038, 1038,
    1038, 1038, 1038, 1038, 1038, 1038, 1038, 548, 548, 1020, 1020, 1020, 949, 1831, 1185, 1114, 1092, 1260,
    1000, 941, 1292, 1276, 516, 653, 1064, 861, 1751, 1322, 1356, 1058, 1378, 1112, 941, 998, 1314, 1162,
    1822, 1063, 998, 959, 628, 791, 628, 1020, 1020, 596, 981, 1076, 866, 1076, 1019, 625, 964, 1076, 470,
    490, 931, 470, 1636, 1076, 1080, 1076, 1076, 714, 801, 686, 1076, 925, 1464, 887, 927, 809, 644, 943,
    644, 1020, 981, 1080, 1076, 1185, 1356, 1314, 1080, 1019, 1019, 981, 981, 866, 1076, 1020, 1854, 857,
    857, 857, 511, 511, 511, 1414, 1038, 1020, 694, 517, 1020, 1038,
)  # fmt: skip
_BOLD = (
    463, 667, 898, 1020, 1038, 1493, 1443, 478, 638, 638, 1020, 1020, 528, 627, 547, 880, 1038, 1038, 1038,
    1038, 1038, 1038, 1038, 1038, 1038, 1038, 565, 565, 1020, 1020, 1020, 949, 1840, 1241, 1148, 1084, 1291,
    999, 940, 1305, 1292, 546, 678, 1120, 866, 1790, 1349, 1385, 1090, 1405, 1153, 968, 1014, 1337, 1211,
    1856, 1128, 1064, 979, 665, 880, 665, 1020, 1020, 615, 1011, 1099, 857, 1099, 1031, 648, 971, 1099, 503,
    523, 983, 503, 1666, 1099, 1101, 1099, 1099, 728, 817, 710, 1099, 969, 1526, 941, 970, 814, 704, 973,
    704, 1020, 1011, 1101, 1099, 1241, 1385, 1337, 1136, 1031, 1031, 1011, 1011, 857, 1099, 1020, 1854, 891,
    891, 891, 528, 528, 528, 1457, 1038, 1020, 701, 548, 1020, 1038,
)  # fmt: skip
_ADVANCE = (dict(zip(_METRIC_CHARS, _REGULAR, strict=True)), dict(zip(_METRIC_CHARS, _BOLD, strict=True)))
_UNKNOWN_ADVANCE = 1200
_SPACE_ADVANCE = 463
# A column of width w (Excel's unit: digits of the workbook font, Calibri 11, 7 pixels at 96 dpi) shows
# w * 7 pixels, less the cell's margins; texts are measured 6 % wider than the font's metrics, for the
# rounding of glyph widths to whole pixels when Excel draws on screen and paper.
_PX_PER_WIDTH = 7.0
_CELL_MARGIN_PX = 7.0
_SAFETY = 1.06


@functools.lru_cache(maxsize=32_768)
def _word_advance(word: str, bold: bool) -> int:
    table = _ADVANCE[1 if bold else 0]
    return sum(table.get(c, _UNKNOWN_ADVANCE) for c in word)


def word_width(text: str, *, bold: bool = False, size: float = 10.0) -> float:
    """The column width (Excel's unit) at which the longest word of text fits on one line."""
    longest = _longest_word(text, bold) if len(text) > _MEMO_TEXT else _longest_word_memo(text, bold)
    if not longest:
        return 0.0
    return (longest * size * 96 / 72 / 2048 * _SAFETY + _CELL_MARGIN_PX) / _PX_PER_WIDTH


def _longest_word(text: str, bold: bool) -> int:
    """The advance of the widest word of text (0 for a text without words)."""
    advance = _word_advance
    return max([advance(w, bold) for w in text.split()], default=0)


_longest_word_memo = functools.lru_cache(maxsize=16_384)(_longest_word)
_MEMO_TEXT = 200  # longer texts (descriptions) are rarely repeated: not kept in the memos


def estimate_lines(text: str, width: float, *, bold: bool = False, size: float = 10.0) -> int:
    """How many lines a wrapped text takes in a column of this width (Excel's width unit): words wrapped
    greedily at spaces by their Calibri widths, a word longer than the line broken inside."""
    if len(text) > _MEMO_TEXT:
        return _estimate_lines(text, width, bold, size)
    # Memoised: an export repeats the goal, its indicator, target groups and institutions on every row.
    return _estimate_lines_memo(text, width, bold, size)


def _estimate_lines(text: str, width: float, bold: bool, size: float) -> int:
    px_per_unit = size * 96 / 72 / 2048 * _SAFETY
    avail = max(width * _PX_PER_WIDTH - _CELL_MARGIN_PX, 20.0) / px_per_unit  # in font units
    space = _SPACE_ADVANCE
    advance = _word_advance
    lines = 0
    for paragraph in text.split("\n"):
        widths = [advance(word, bold) for word in paragraph.split()]
        lines += 1
        # A paragraph that fits on its line as a whole needs no greedy wrapping (it would not wrap).
        if widths and sum(widths) + space * (len(widths) - 1) > avail:
            used = 0.0
            for w in widths:
                n = float(w)
                if used and used + space + n > avail:
                    lines += 1
                    used = 0.0
                while n > avail:  # a word longer than the line wraps by itself
                    lines += 1
                    n -= avail
                used = used + space + n if used else n
        if lines > 40:
            break
    return lines


_estimate_lines_memo = functools.lru_cache(maxsize=16_384)(_estimate_lines)


def _cut_at_word(text: str, limit: int) -> str:
    """text shortened to limit characters at a word boundary ("HF 4 Bürgerschaftliches", not "… Engagem")."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit + 1].rsplit(" ", 1)[0].rstrip(" -–,;:")
    return cut if len(cut) >= limit // 3 else text[:limit]


def safe_sheet_title(text: str, used: set[str]) -> str:
    base = _cut_at_word(_SHEET_FORBIDDEN.sub(" ", text).strip().strip("'"), 31).strip() or "Blatt"
    title = base
    n = 2
    while title.lower() in used:
        suffix = f" ({n})"
        title = _cut_at_word(base, 31 - len(suffix)) + suffix
        n += 1
    used.add(title.lower())
    return title


def clean_cell_text(text: str, where: str, warnings: list[str]) -> str:
    """Drop characters no workbook may contain and cut to Excel's cell limit, with a notice."""
    if _ILLEGAL.search(text):
        text = _ILLEGAL.sub("", text)
        warnings.append(f"{where}: Steuerzeichen wurden entfernt.")
    if len(text) > MAX_CELL:
        warnings.append(
            f"{where}: Der Text ist {len(text)} Zeichen lang und wurde auf {MAX_CELL} Zeichen "
            "(Grenze einer Excel-Zelle) gekürzt."
        )
        text = text[:MAX_CELL]
    return text


def add_enforced_list(ws: Any, formula: str, cells: str, title: str, error: str, prompt: str = "") -> None:
    """An enforced drop-down over ``cells`` (status, priority, the goal of a new row): values from
    ``formula`` (a range or a quoted list), anything else refused with ``error``; ``prompt`` as input hint."""
    from openpyxl.worksheet.datavalidation import DataValidation

    dv = DataValidation(
        type="list",
        formula1=formula,
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="stop",
        errorTitle=title,
        error=error,
        promptTitle=title if prompt else None,
        prompt=prompt or None,
        showInputMessage=bool(prompt),
    )
    dv.add(cells)
    ws.data_validations.append(dv)

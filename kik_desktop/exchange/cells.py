"""Cell-level helpers of the workbooks this program writes: clean texts, sheet names, row heights."""

from __future__ import annotations

import re

MAX_CELL = 32_767
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def estimate_lines(text: str, width: float, *, bold: bool = False) -> int:
    """How many lines a wrapped text takes in a column of this width (in characters of the default
    font): words wrapped greedily, a character of Calibri 10 counted as 0.9 (bold 1.0) of a width unit."""
    per_line = max((width - 1.0) / (1.0 if bold else 0.9), 4.0)
    lines = 0
    for paragraph in text.split("\n"):
        used = 0.0
        lines += 1
        for word in paragraph.split():
            n = len(word)
            if used and used + 1 + n > per_line:
                lines += 1
                used = 0.0
            while n > per_line:  # a word longer than the line wraps by itself
                lines += 1
                n -= int(per_line)
            used = used + 1 + n if used else n
        if lines > 40:
            break
    return lines


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

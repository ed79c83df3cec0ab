"""German numbers and counted nouns for the printouts: "1.000", "1 Ziel", "4 von 144 Maßnahmen erfasst"."""

from __future__ import annotations

from typing import Final

# singular, plural, dative plural (after "von": "11 von 43 Zielen")
NOUNS: Final[dict[str, tuple[str, str, str]]] = {
    "Handlungsfeld": ("Handlungsfeld", "Handlungsfelder", "Handlungsfeldern"),
    "Ziel": ("Ziel", "Ziele", "Zielen"),
    "Maßnahme": ("Maßnahme", "Maßnahmen", "Maßnahmen"),
    "Hinweis": ("Hinweis", "Hinweise", "Hinweisen"),
    "Seite": ("Seite", "Seiten", "Seiten"),
    "Institution": ("Institution", "Institutionen", "Institutionen"),
    "Hausaufgabenheft": ("Hausaufgabenheft", "Hausaufgabenhefte", "Hausaufgabenheften"),
}


def num(n: int) -> str:
    """An integer with German thousands separators: 1.000, 10.000."""
    return f"{n:,}".replace(",", ".")


def noun(n: int, word: str) -> str:
    """The noun in the number `n` asks for ("1 Ziel", "2 Ziele"); unknown words stay as they are."""
    forms = NOUNS.get(word, (word, word, word))
    return forms[0] if n == 1 else forms[1]


def count(n: int, word: str) -> str:
    """ "1 Ziel", "1.000 Maßnahmen"."""
    return f"{num(n)} {noun(n, word)}"


def of_adopted(n: int, adopted: int | None, word: str) -> str:
    """ "4 von 144 Maßnahmen", "1 von 8 Zielen"; without an adopted number just "4 Maßnahmen"."""
    if adopted is None:
        return count(n, word)
    forms = NOUNS.get(word, (word, word, word))
    return f"{num(n)} von {num(adopted)} {forms[0] if adopted == 1 else forms[2]}"


def entered(n: int, adopted: int | None, word: str) -> str:
    """ "4 von 144 Maßnahmen erfasst"."""
    return f"{of_adopted(n, adopted, word)} erfasst"


_OPEN, _CLOSE = "„", "“"
_INNER_OPEN, _INNER_CLOSE = "‚", "‘"


def nest_quotes(text: str) -> str:
    """German quotation marks inside quotation marks become single ones: „Beispiel „Austauschtreffen …““
    prints as „Beispiel ‚Austauschtreffen …‘“ (and a third level double again). Only for printouts: the
    Excel export and the document keep the text as entered. A closing mark without an opening one, and
    an opening one never closed, stay as they are."""
    if _OPEN not in text:
        return text
    out: list[str] = []
    stack: list[int] = []  # indexes in out of the opening marks not yet closed
    for ch in text:
        if ch == _OPEN:
            stack.append(len(out))
            out.append(_INNER_OPEN if len(stack) % 2 == 0 else _OPEN)
        elif ch == _CLOSE and stack:
            out.append(_INNER_CLOSE if len(stack) % 2 == 0 else _CLOSE)
            stack.pop()
        else:
            out.append(ch)
    # An opening mark that was never closed is no quotation: put it back as written.
    for i in stack:
        out[i] = _OPEN
    return "".join(out)

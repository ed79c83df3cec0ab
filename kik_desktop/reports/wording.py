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

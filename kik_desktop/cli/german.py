"""argparse in German: usage, help and error texts of the standard library, translated while our parser runs.

argparse looks its texts up through the module globals ``argparse._`` and ``argparse.ngettext`` (gettext);
``german_argparse()`` swaps them for the time our parser is built and used, so no other user of argparse in
the same process (pytest, for one) is affected.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

GERMAN: dict[str, str] = {
    "usage: ": "Aufruf: ",
    "positional arguments": "Argumente",
    "options": "Optionen",
    "optional arguments": "Optionen",
    "show this help message and exit": "diese Hilfe anzeigen und beenden",
    "show program's version number and exit": "Programmversion anzeigen und beenden",
    "subcommands": "Befehle",
    "%(prog)s: error: %(message)s\n": "%(prog)s: Fehler: %(message)s\n",
    "the following arguments are required: %s": "folgende Argumente fehlen: %s",
    "unrecognized arguments: %s": "unbekannte Argumente: %s",
    "argument %(argument_name)s: %(message)s": "Argument %(argument_name)s: %(message)s",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "ungültige Auswahl: %(value)r (möglich: %(choices)s)"
    ),
    "invalid %(type)s value: %(value)r": "ungültiger Wert: %(value)r",
    "expected one argument": "erwartet einen Wert",
    "expected at most one argument": "erwartet höchstens einen Wert",
    "expected at least one argument": "erwartet mindestens einen Wert",
    "not allowed with argument %s": "nicht zusammen mit %s erlaubt",
    "ignored explicit argument %r": "überflüssiger Wert %r",
    "one of the arguments %s is required": "eines dieser Argumente fehlt: %s",
    "ambiguous option: %(option)s could match %(matches)s": (
        "mehrdeutige Option: %(option)s passt zu %(matches)s"
    ),
    "unexpected option string: %s": "unerwartete Option: %s",
    "unknown parser %(parser_name)r (choices: %(choices)s)": (
        "unbekannter Befehl %(parser_name)r (möglich: %(choices)s)"
    ),
    "can't open '%(filename)s': %(error)s": "„%(filename)s“ lässt sich nicht öffnen: %(error)s",
}

_PLURALS: dict[str, tuple[str, str]] = {
    "expected %s argument": ("erwartet %s Wert", "erwartet %s Werte"),
}


def german(text: str | None) -> str | None:
    if text is None:
        return None
    return GERMAN.get(text, text)


def german_plural(singular: str, plural: str, n: int) -> str:
    if singular in _PLURALS:
        one, many = _PLURALS[singular]
        return one if n == 1 else many
    return singular if n == 1 else plural


@contextmanager
def german_argparse() -> Iterator[None]:
    """argparse speaks German inside this block."""
    module: Any = argparse  # its gettext aliases are not part of the typed interface
    saved = module._, module.ngettext
    module._ = german
    module.ngettext = german_plural
    try:
        yield
    finally:
        module._, module.ngettext = saved


__all__ = ["GERMAN", "german_argparse"]

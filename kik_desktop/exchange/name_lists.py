"""Lists of names in one cell (issue #18): actors and responsible separated by line breaks, semicolons,
commas or " und " become one name per line, matched against the institution registry; near misses get a
suggestion. A registry name that itself contains a comma or "und" ("Amt für Jugend, Familie und Soziales")
stays whole.

Pure functions; no Qt, no database.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field


def _norm(text: str) -> str:
    s = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.sub(r"[^\w&+./-]+", " ", s).split())


@dataclass
class Registry:
    """The institution names of the document (and their short names)."""

    names: list[str] = field(default_factory=list)
    short: dict[str, str] = field(default_factory=dict)  # short name → name

    def __post_init__(self) -> None:
        self._by_norm = {_norm(n): n for n in self.names if n.strip()}
        for s, n in self.short.items():
            if s.strip():
                self._by_norm.setdefault(_norm(s), n)

    def exact(self, text: str) -> str | None:
        return self._by_norm.get(_norm(text))

    def suggest(self, text: str) -> str | None:
        close = difflib.get_close_matches(_norm(text), list(self._by_norm), n=1, cutoff=0.82)
        return self._by_norm[close[0]] if close else None

    def protected(self, text: str) -> list[tuple[int, int]]:
        """Spans of text that are registry names containing a separator."""
        spans = []
        low = unicodedata.normalize("NFKC", text).casefold()
        for n in self.names:
            nl = n.casefold()
            if ("," in nl or " und " in nl) and nl in low:
                start = low.index(nl)
                spans.append((start, start + len(nl)))
        return spans


@dataclass(frozen=True)
class NameHint:
    name: str
    suggestion: str


_HARD = re.compile(r"\s*(?:\n|;|\r)\s*")
_SOFT = re.compile(r"\s*,\s*|\s+und\s+|\s+sowie\s+|\s*/\s+|\s+&\s+")


_COMPLEMENT = re.compile(r"\s(?:für|fuer|der|des|von|im|in|zur|zum)\s", re.I)


def _enumeration_in_name(pieces: list[str]) -> bool:
    """ "Amt für Kindertagesstätten, Schulen und Sport": an office "für" several single-word areas is one
    name, not three."""
    return (
        len(pieces) > 1
        and bool(_COMPLEMENT.search(" " + pieces[0] + " "))
        and all(" " not in p for p in pieces[1:])
    )


def split_names(text: str, registry: Registry | None = None) -> list[str]:
    """The names of a cell, in order, without duplicates."""
    reg = registry or Registry()
    out: list[str] = []
    for line in _HARD.split(text or ""):
        line = line.strip().strip("•-–·").strip()
        if not line:
            continue
        if reg.exact(line):
            out.append(line)
            continue
        spans = reg.protected(line)
        pieces: list[str] = []
        pos = 0
        for m in _SOFT.finditer(line):
            if any(s < m.start() < e for s, e in spans):
                continue
            pieces.append(line[pos : m.start()])
            pos = m.end()
        pieces.append(line[pos:])
        pieces = [p.strip() for p in pieces if p.strip()]
        # "Caritas und Diakonie" → two names; "Haus der Kinder und Familie" (no registry entry, words
        # that are not names on their own) stays whole when a piece is a single lower-case word.
        if any(p[:1].islower() for p in pieces[1:]) or (not spans and _enumeration_in_name(pieces)):
            pieces = [line]
        out.extend(pieces)
    seen: set[str] = set()
    unique = []
    for n in out:
        k = _norm(n)
        if k not in seen:
            seen.add(k)
            unique.append(n)
    return unique


def normalize_list(text: str, registry: Registry | None = None) -> tuple[str, list[NameHint]]:
    """The cell as one name per line, registry spelling where a name matches it case-insensitively, and
    suggestions for names that nearly match a registry entry."""
    reg = registry or Registry()
    names: list[str] = []
    hints: list[NameHint] = []
    for name in split_names(text, reg):
        exact = reg.exact(name)
        if exact is not None:
            names.append(exact)
            continue
        names.append(name)
        suggestion = reg.suggest(name)
        if suggestion is not None:
            hints.append(NameHint(name, suggestion))
    return "\n".join(names), hints


def same_names(a: str | None, b: str | None) -> bool:
    """Two list cells name the same people in the same order (separators aside)."""
    if (a or "").strip() == (b or "").strip():
        return True
    return [_norm(n) for n in split_names(a or "")] == [_norm(n) for n in split_names(b or "")]


def registry_from(names: Iterable[tuple[str, str]]) -> Registry:
    pairs = list(names)
    return Registry([n for n, _s in pairs], {s: n for n, s in pairs if s})


__all__ = ["NameHint", "Registry", "normalize_list", "registry_from", "same_names", "split_names"]

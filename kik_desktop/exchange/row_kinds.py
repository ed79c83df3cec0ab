"""Which rows of a sheet are rows of the table (issue #18): notes ("Hinweis: …"), footnotes ("* …"),
legend lines ("grün = umgesetzt", "Legende"), "Stand: …" lines, and text left below the table after a blank
row are not goals or measures.

Pure functions on plain values; no Qt, no database.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from kik_desktop.exchange.columns import normalize_header

RowKind = Literal["data", "note", "legend", "question"]

NOTE_WORDS = (
    "hinweis",
    "hinweise",
    "anmerkung",
    "anmerkungen",
    "bemerkung",
    "bemerkungen",
    "quelle",
    "quellen",
    "stand",
    "fussnote",
    "fussnoten",
    "erlaeuterung",
    "erlaeuterungen",
    "erklaerung",
    "nachrichtlich",
    "achtung",
    "wichtig",
    "info",
    "nb",
    "ps",
    "beschlossen",
    "erstellt",
    "bearbeitet",
    "druckdatum",
)
LEGEND_WORDS = ("legende", "farblegende", "zeichenerklaerung", "ampellegende", "statuslegende")
_FOOTNOTE = re.compile(r"^\s*(?:\*+|[¹²³⁴⁵⁶⁷⁸⁹⁰]+|\(\d{1,2}\)|\d{1,2}\))\s*\S")
_LEGEND_LINE = re.compile(r"^\s*[^=:→]{2,40}?\s*(?:=|→|:|–)\s*\S")
# A text that reads like a sentence: several words ending with a full stop.
_SENTENCE = re.compile(r"\S+\s+\S+\s+\S+.*[.!?]\s*$", re.DOTALL)


@dataclass(frozen=True)
class RowVerdict:
    kind: RowKind
    reason: str = ""


def note_kind(text: str) -> str | None:
    """ "note", "footnote" or "legend" when a text cell is one of those by its wording, else None."""
    if not isinstance(text, str):
        return None
    stripped = text.strip()
    if not stripped:
        return None
    if _FOOTNOTE.match(stripped):
        return "footnote"
    norm = normalize_header(stripped[:60])
    first = norm.split()[0] if norm else ""
    if first in LEGEND_WORDS:
        return "legend"
    if first in NOTE_WORDS:
        # "Hinweis: …", "Stand 05/2024", "Quelle – …": the word leads, followed by a colon or more words
        rest = stripped[len(stripped.split()[0]) :].lstrip()
        if stripped.split()[0].rstrip(":").casefold() != stripped.casefold() or rest:
            return "note"
    return None


def is_legend_line(text: str, status_of: Any) -> bool:
    """A line like "grün = umgesetzt" or "rot: gefährdet" (status_of(text) names a status for both sides)."""
    if not isinstance(text, str) or len(text) > 300:
        return False
    parts = re.split(r"[,;\n]", text)
    hits = 0
    for part in parts:
        m = re.match(r"^\s*(.{1,40}?)\s*(?:=|→|:|–|-)\s*(.{1,80})$", part)
        if m and status_of(m.group(1)) is not None and status_of(m.group(2)) is not None:
            hits += 1
    return hits > 0 and hits >= len([p for p in parts if p.strip()]) / 2


def classify_row(
    values: Mapping[int, Any],
    columns: Mapping[str, int],
    *,
    trailing: bool,
    after_gap: bool,
    has_fill: bool,
    status_of: Any,
) -> RowVerdict:
    """Is this row of the table's area a table row?

    values: the non-empty cells {column: value}; trailing: no table row follows; after_gap: a blank row lies
    between this row and the table row above; has_fill: the status cell is coloured; status_of(text) gives
    a status key for a text or None.
    """
    if has_fill or len(values) > 2:  # a note or legend line fills one or two cells
        return RowVerdict("data")
    texts = [v for _c, v in sorted(values.items()) if isinstance(v, str) and v.strip()]
    if not texts or len(texts) != len(values):
        return RowVerdict("data")
    if len(texts) == 1 and len(texts[0]) <= 200 and status_of(texts[0]) is not None:
        return RowVerdict("legend", "Legende")  # a status name alone in a row: a legend entry
    if len(texts) <= 2:
        for t in texts[:1]:
            kind = note_kind(t)
            if kind == "legend" or is_legend_line(t, status_of):
                return RowVerdict("legend", "Legende")
            if kind == "footnote":
                return RowVerdict("note", "Fußnote")
            if kind == "note":
                return RowVerdict("note", "Anmerkung")
    if trailing and len(values) == 1:
        ((c, v),) = values.items()
        text = str(v).strip()
        goal_col = columns.get("goal")
        if after_gap or c != goal_col or _SENTENCE.match(text) or len(text) > 200:
            return RowVerdict("question", "Text unter der Tabelle")
    return RowVerdict("data")


__all__ = ["RowVerdict", "classify_row", "is_legend_line", "note_kind"]

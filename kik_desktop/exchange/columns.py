"""The columns of the implementation table (Umsetzungstabelle) and tolerant header matching."""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

Level = Literal["goal", "measure", "id"]


@dataclass(frozen=True)
class Column:
    """One column of the table: its key, the header as the seed writes it, where the value lives."""

    key: str
    header: str
    level: Level
    attr: str
    width: float
    aliases: tuple[str, ...] = ()


# The twelve columns in the seed's order and wording (DEVELOPERS.md, "The domain in brief").
COLUMNS: tuple[Column, ...] = (
    Column("goal", "Ziel", "goal", "title", 34, ("ziele", "ziel titel", "zielsetzung")),
    Column(
        "goal_indicator",
        "Indikator (zu entwickeln)",
        "goal",
        "indicator",
        22,
        ("indikator", "indikator zu entwickeln", "indikator ziel"),
    ),
    Column("title", "Maßnahme", "measure", "title", 30, ("massnahmen", "massnahme titel", "titel")),
    Column(
        "description",
        "Beschreibung der Maßnahme",
        "measure",
        "description",
        44,
        ("beschreibung", "massnahmenbeschreibung", "erlaeuterung"),
    ),
    Column("target_group", "Zielgruppe", "measure", "target_group", 20, ("zielgruppen",)),
    Column(
        "responsible",
        "verantwortlich (für die Umsetzung)",
        "measure",
        "responsible",
        24,
        (
            "verantwortlich",
            "verantwortlichkeit",
            "zustaendig",
            "zustaendigkeit",
            "federfuehrung",
            "verantwortlich fuer die umsetzung",
        ),
    ),
    Column(
        "actors",
        "Akteur*innen für die Umsetzung",
        "measure",
        "actors",
        28,
        (
            "akteurinnen",
            "akteure",
            "akteur innen",
            "beteiligte",
            "partner",
            "kooperationspartner",
            "akteurinnen fuer die umsetzung",
            "akteure fuer die umsetzung",
        ),
    ),
    Column(
        "needs",
        "Was wird für die Umsetzung benötigt?",
        "measure",
        "needs",
        22,
        ("was wird benoetigt", "benoetigt", "bedarf", "ressourcen", "was wird fuer die umsetzung benoetigt"),
    ),
    Column(
        "start",
        "Beginn der Umsetzung (Termin Monat/Jahr)",
        "measure",
        "start",
        14,
        ("beginn", "beginn der umsetzung", "start", "termin", "umsetzungsbeginn", "von"),
    ),
    Column(
        "end",
        "Umsetzung bis wann?",
        "measure",
        "end",
        14,
        ("bis wann", "ende", "umsetzung bis", "enddatum", "bis", "abschluss"),
    ),
    Column(
        "success_indicator",
        "Indikatoren (an denen sich der Erfolg festmachen lässt)",
        "measure",
        "success_indicator",
        26,
        ("indikatoren", "erfolgsindikatoren", "erfolgsindikator", "indikatoren erfolg", "messgroesse"),
    ),
    Column(
        "status",
        "Status",
        "measure",
        "status_key",
        22,
        ("stand", "umsetzungsstand", "status der umsetzung", "stand der umsetzung", "ampel"),
    ),
)

# Hidden columns of our own export: the items' stable uids.
ID_COLUMNS: tuple[Column, ...] = (
    Column("measure_uid", "KIK-ID Maßnahme", "id", "uid", 8, ("kik id", "kik id massnahme")),
    Column("goal_uid", "KIK-ID Ziel", "id", "uid", 8, ()),
    Column("field_uid", "KIK-ID Handlungsfeld", "id", "uid", 8, ()),
)

# Columns people add that we know but do not import; they are recognised so they do not shadow others.
NUMBER_COLUMN = Column("number", "Nr.", "measure", "number", 6, ("nr", "nummer", "lfd nr", "massnahmen nr"))

# The field as its own column ("Alle Maßnahmen" of our export, so that sorting and filtering keep each
# row's field); the field is read from the goal's number and the ids, this column only labels it.
FIELD_COLUMN = Column("field", "Handlungsfeld", "id", "field", 24, ("handlungsfelder", "hf"))

# The measure's priority (1 hoch, 2 mittel, 3 niedrig): not one of the seed's twelve columns, written by our
# full export after the field column and read back by the import; its cells say "hoch", "mittel" or
# "niedrig", as in the return workbooks (exchange/return_workbook.py).
PRIORITY_COLUMN = Column(
    "priority", "Priorität", "measure", "priority", 10, ("prioritaet", "prio", "dringlichkeit", "rang")
)

ALL_COLUMNS: tuple[Column, ...] = (*COLUMNS, *ID_COLUMNS, NUMBER_COLUMN, FIELD_COLUMN, PRIORITY_COLUMN)
BY_KEY: dict[str, Column] = {c.key: c for c in ALL_COLUMNS}

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def normalize_header(text: object) -> str:
    """Lower case, umlauts spelled out, punctuation and gender stars dropped, spaces collapsed."""
    if text is None:
        return ""
    # Memoised: an import normalises the same status and header texts thousands of times.
    return _normalize_header(str(text))


@functools.lru_cache(maxsize=8192)
def _normalize_header(text: str) -> str:
    s = unicodedata.normalize("NFKC", text).lower().translate(_UMLAUTS)
    s = s.replace("*", "").replace(":", "").replace("_", "")
    s = re.sub(r"[^a-z0-9]+", " ", s)
    return " ".join(s.split())


def _without_parens(text: str) -> str:
    return normalize_header(re.sub(r"\([^)]*\)", " ", str(text)))


_CANDIDATES: list[tuple[str, str]] = []
for _col in ALL_COLUMNS:
    for _name in (_col.header, *_col.aliases):
        _CANDIDATES.append((normalize_header(_name), _col.key))
        _CANDIDATES.append((_without_parens(_name), _col.key))
_EXACT: dict[str, str] = {}
for _norm, _key in _CANDIDATES:
    _EXACT.setdefault(_norm, _key)


def match_header_exact(text: object) -> str | None:
    """The column key of a header cell written exactly as one of ours or a known alias (fast)."""
    if not isinstance(text, str) or len(text) > 120:
        return None
    return _EXACT.get(normalize_header(text)) or _EXACT.get(_without_parens(text))


def _kik_id_column(words: list[str]) -> str:
    if "ziel" in words:
        return "goal_uid"
    if "handlungsfeld" in words or "feld" in words:
        return "field_uid"
    return "measure_uid"


def _keyword_column(norm: str) -> str | None:
    """Keyword rules for the wordings people use."""
    words = norm.split()
    first = words[0]
    if first.startswith("zielgruppe"):
        return "target_group"
    if "status" in words or first == "ampel":
        return "status"
    if first.startswith("beschreibung"):
        return "description"
    if first.startswith(("verantwortlich", "zustaendig")) or first == "federfuehrung":
        return "responsible"
    if first.startswith(("akteur", "beteiligt")):
        return "actors"
    if "benoetigt" in words or first in ("bedarf", "bedarfe", "ressourcen"):
        return "needs"
    if first.startswith("beginn") or first == "start":
        return "start"
    if "bis wann" in norm or first in ("ende", "enddatum"):
        return "end"
    if first in ("indikatoren", "erfolgsindikatoren", "erfolgsindikator") or "erfolg" in words:
        return "success_indicator"
    if first == "indikator":
        return "goal_indicator"
    if first in ("massnahme", "massnahmen"):
        return "title"
    if first in ("ziel", "ziele"):
        return "goal"
    return None


def match_header(text: object) -> str | None:
    """The column key a header cell names, tolerating small differences in wording; None if none."""
    if text is None or not isinstance(text, str):
        return None
    norm = normalize_header(text)
    if not norm or len(norm) > 120:
        return None
    for candidate in (norm, _without_parens(text)):
        if candidate in _EXACT:
            return _EXACT[candidate]
    found = _kik_id_column(norm.split()) if norm.startswith("kik id") else _keyword_column(norm)
    if found is not None:
        return found
    # Last resort: close spelling of a known header (typos, missing letters).
    close = difflib.get_close_matches(norm, list(_EXACT), n=1, cutoff=0.85)
    return _EXACT[close[0]] if close else None


def column_letter(index: int) -> str:
    """1 → A, 27 → AA."""
    out = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out

"""Header rows as a person reads them (issue #18): a merged group header combined with the names below it
("Zeitraum der Umsetzung" over "von" / "bis"), synonyms people use for the twelve columns, a proposal with
a confidence per column, and mappings a user confirmed, remembered by the header's signature.

Pure functions on plain cell rows ({column: value}); no Qt, no database.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from kik_desktop.exchange.columns import (
    BY_KEY,
    COLUMNS,
    FIELD_COLUMN,
    PRIORITY_COLUMN,
    match_header,
    match_header_exact,
    normalize_header,
)

Confidence = Literal["sicher", "unsicher"]

# Synonyms for the columns as working groups rename them (normalised with normalize_header).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "goal": ("ziel", "ziele", "zielsetzung", "ziel titel", "teilziel", "ziele und massnahmen ziel"),
    "title": (
        "massnahme",
        "massnahmen",
        "nr titel",
        "titel",
        "bezeichnung",
        "massnahme nr titel",
        "massnahmentitel",
        "name der massnahme",
        "projekt",
        "projekt massnahme",
        "angebot",
    ),
    "responsible": (
        "zustaendig",
        "zustaendigkeit",
        "verantwortlich",
        "verantwortung",
        "federfuehrung",
        "federfuehrend",
        "federfuehrende stelle",
        "ansprechpartner",
        "ansprechpartnerin",
        "zustaendige stelle",
    ),
    "actors": (
        "beteiligte",
        "partner",
        "kooperationspartner",
        "kooperationspartnerinnen",
        "netzwerkpartner",
        "mitwirkende",
        "akteure",
        "akteurinnen",
        "beteiligte akteure",
    ),
    "needs": ("bedarf", "ressourcen", "benoetigte ressourcen", "bedarfe", "mittel", "kosten ressourcen"),
    "success_indicator": (
        "erfolgskriterien",
        "erfolgskriterium",
        "kennzahl",
        "kennzahlen",
        "erfolgsindikatoren",
        "messgroesse",
        "woran messen wir den erfolg",
    ),
    "status": (
        "ampel",
        "stand",
        "umsetzungsstand",
        "status",
        "sachstand",
        "stand der umsetzung",
        "ampelstatus",
    ),
    "start": ("beginn", "von", "start", "ab", "startdatum", "umsetzungsbeginn"),
    "end": ("bis", "ende", "enddatum", "abschluss", "bis wann", "fertigstellung"),
    "description": ("beschreibung", "erlaeuterung", "inhalt", "kurzbeschreibung", "massnahmenbeschreibung"),
    "target_group": ("zielgruppe", "zielgruppen", "fuer wen"),
    "goal_indicator": ("indikator", "indikator ziel", "zielindikator"),
    "number": ("nr", "nummer", "lfd nr", "massnahmen nr", "id"),
}
_SYNONYM: dict[str, str] = {}
for _key, _names in SYNONYMS.items():
    for _n in _names:
        _SYNONYM.setdefault(_n, _key)

# Group headers: what a merged cell above the names says the columns below it are about.
GROUPS: dict[str, tuple[str, ...]] = {
    "time": ("zeitraum", "zeitplan", "zeitrahmen", "umsetzungszeitraum", "termin", "termine", "zeit"),
    "measure": ("massnahme", "massnahmen", "projekt"),
    "goal": ("ziel", "ziele"),
    "people": ("zustaendigkeit", "beteiligung", "wer", "akteure", "akteurinnen", "verantwortung"),
    "indicator": ("indikator", "indikatoren", "erfolg", "erfolgsmessung"),
}
_IN_GROUP: dict[str, dict[str, str]] = {
    "time": {"von": "start", "ab": "start", "beginn": "start", "start": "start", "bis": "end", "ende": "end"},
    "measure": {
        "nr": "number",
        "nummer": "number",
        "titel": "title",
        "bezeichnung": "title",
        "name": "title",
        "nr titel": "title",
        "kurztitel": "title",
        "beschreibung": "description",
        "inhalt": "description",
        "indikator": "success_indicator",
        "indikatoren": "success_indicator",
        "status": "status",
        "stand": "status",
    },
    "goal": {
        "titel": "goal",
        "bezeichnung": "goal",
        "ziel": "goal",
        "nr titel": "goal",
        "indikator": "goal_indicator",
        "indikator zu entwickeln": "goal_indicator",
    },
    "people": {
        "federfuehrend": "responsible",
        "federfuehrung": "responsible",
        "verantwortlich": "responsible",
        "zustaendig": "responsible",
        "beteiligt": "actors",
        "beteiligte": "actors",
        "partner": "actors",
        "weitere": "actors",
    },
    "indicator": {"ziel": "goal_indicator", "massnahme": "success_indicator", "erfolg": "success_indicator"},
}

# The choices of the column mapping: the twelve columns, the full export's field and priority columns
# (without them a mapping would show those as "not imported" and applying it would drop them).
FIELD_LABELS: dict[str, str] = (
    {c.key: c.header for c in COLUMNS}
    | {FIELD_COLUMN.key: FIELD_COLUMN.header, PRIORITY_COLUMN.key: PRIORITY_COLUMN.header}
    | {"number": "Nr. (wird nicht übernommen)"}
)
IGNORE = ""  # a mapping to this key means "not imported"


@dataclass(frozen=True)
class ColumnGuess:
    """What one column of the file is taken to be."""

    column: int
    text: str  # the header as read: "Zeitraum der Umsetzung / von"
    key: str | None
    confidence: Confidence
    why: str  # "Spaltenname", "Synonym", "Gruppe", "ähnliche Schreibweise", "gemerkt", "gewählt"


@dataclass
class HeaderMatch:
    """The header of a table on one sheet: the row of names, the group row above, every column's guess."""

    row: int
    group_row: int | None
    guesses: list[ColumnGuess] = field(default_factory=list)

    @property
    def columns(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for g in sorted(self.guesses, key=lambda g: g.column):
            if g.key and g.key not in out:
                out[g.key] = g.column
        return out

    @property
    def questions(self) -> list[ColumnGuess]:
        return [g for g in self.guesses if g.key and g.confidence == "unsicher"]

    @property
    def signature(self) -> str:
        return header_signature([g.text for g in self.guesses])


def header_signature(texts: Sequence[str]) -> str:
    """The same for every workbook with the same column names, in whatever order."""
    names = sorted({normalize_header(t) for t in texts if normalize_header(t)})
    return hashlib.sha256(json.dumps(names, ensure_ascii=False).encode()).hexdigest()[:16]


def _group_kind(text: str) -> str | None:
    norm = normalize_header(text)
    if not norm:
        return None
    words = norm.split()
    for kind, names in GROUPS.items():
        if norm in names or words[0] in names:
            return kind
    return None


@functools.lru_cache(maxsize=4096)
def guess_key(name: str, group: str | None = None) -> tuple[str | None, Confidence, str]:
    """(key, confidence, why) for a header cell, with the merged group header above it if any."""
    norm = normalize_header(name)
    if group:
        kind = _group_kind(group)
        if kind is not None and norm:
            inner = _IN_GROUP[kind].get(norm) or _IN_GROUP[kind].get(norm.split()[0])
            if inner:
                return inner, "sicher", "Gruppe"
        if not norm:  # a group cell merged down over the names row
            name, norm = group, normalize_header(group)
    if not norm or len(norm) > 120:
        return None, "sicher", ""
    exact = match_header_exact(name)
    if exact is not None:
        return exact, "sicher", "Spaltenname"
    if norm in _SYNONYM:
        return _SYNONYM[norm], "sicher", "Synonym"
    words = norm.split()
    # "Maßnahme (Nr. / Titel)", "Nr. / Titel der Maßnahme", "Bezeichnung des Projekts"
    if words[0] in ("nr", "nummer") and "titel" in words:
        return ("goal" if "ziel" in words and "massnahme" not in words else "title"), "sicher", "Synonym"
    if words[0] in ("bezeichnung", "titel"):
        return ("goal" if "ziel" in words else "title"), "sicher", "Synonym"
    if (
        words[0] in _SYNONYM
        and len(words) <= 4
        and words[0] not in ("von", "bis", "ab", "id", "name", "nr")
        and not any(ch.isdigit() for ch in norm)
    ):
        return _SYNONYM[words[0]], "sicher", "Synonym"
    key = match_header(name)
    if key is not None:
        if _keyword_hit(norm, key):
            return key, "sicher", "Stichwort"
        return key, "unsicher", "ähnliche Schreibweise"
    return None, "sicher", ""


_STOP = {
    "der",
    "die",
    "das",
    "des",
    "fuer",
    "und",
    "zu",
    "an",
    "wann",
    "was",
    "wird",
    "sich",
    "den",
    "dem",
    "in",
}


def _key_words(key: str) -> set[str]:
    col = BY_KEY.get(key)
    names = [*(SYNONYMS.get(key, ())), *((col.header, *col.aliases) if col else ())]
    return {w for n in names for w in normalize_header(n).split() if w not in _STOP and len(w) > 2}


def _keyword_hit(norm: str, key: str) -> bool:
    """True when a word of the header is a word of the column's names (not only a similar spelling)."""
    words = {w for w in norm.split() if w not in _STOP}
    known = _key_words(key)
    return any(w in known or any(w.startswith(k) for k in known if len(k) >= 5) for w in words)


def _merge_at(
    merges: Sequence[tuple[int, int, int, int]],
) -> dict[tuple[int, int], tuple[int, int, int, int]]:
    out: dict[tuple[int, int], tuple[int, int, int, int]] = {}
    for box in merges:
        min_col, min_row, max_col, max_row = box
        if (max_col - min_col + 1) * (max_row - min_row + 1) > 400:
            continue
        for r in range(min_row, max_row + 1):
            for c in range(min_col, max_col + 1):
                out[(r, c)] = box
    return out


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def read_header_row(
    rows: Mapping[int, Mapping[int, Any]],
    r: int,
    merges: Sequence[tuple[int, int, int, int]],
    *,
    with_group: bool,
    at: Mapping[tuple[int, int], tuple[int, int, int, int]] | None = None,
) -> list[ColumnGuess]:
    """Guesses for the cells of row r, combining each with the merged group cell above when asked."""
    if at is None:
        at = _merge_at(merges)
    row = rows.get(r, {})
    above = rows.get(r - 1, {})
    cols = set(row)
    if with_group:
        cols |= {c for c in above if (r - 1, c) in at}
        for (mr, mc), _box in at.items():
            if mr == r:
                cols.add(mc)
    guesses: list[ColumnGuess] = []
    for c in sorted(cols):
        name = _text(row.get(c))
        group = ""
        box = at.get((r, c))
        if box is not None and box[1] < r and not name:
            # merged down from the row above: the cell's text is the top of the merge
            name = _text(rows.get(box[1], {}).get(box[0]))
        elif with_group:
            gbox = at.get((r - 1, c))
            if gbox is not None and gbox[2] > gbox[0]:
                group = _text(rows.get(gbox[1], {}).get(gbox[0]))
            elif gbox is None and not name:
                name = _text(above.get(c))
        if not name and not group:
            continue
        key, conf, why = guess_key(name, group or None)
        text = f"{group} / {name}" if group and name else (name or group)
        guesses.append(ColumnGuess(c, text, key, conf, why))
    return guesses


def _score(guesses: Sequence[ColumnGuess]) -> tuple[int, bool]:
    keys = {g.key for g in guesses if g.key}
    content = {k for k in keys if k in BY_KEY and BY_KEY[k].level != "id" and k != "number"}
    return len(content), ("title" in keys or "goal" in keys)


def find_header(
    rows: Mapping[int, Mapping[int, Any]],
    merges: Sequence[tuple[int, int, int, int]],
    *,
    scan: int = 80,
    overrides: Mapping[str, str] | None = None,
) -> HeaderMatch | None:
    """The header of the table on a sheet: the first row naming at least three columns (one of them the
    goal or the measure); when the row above holds merged group cells, both rows are read together.
    ``overrides`` maps normalised header texts to keys (a user's choice or a remembered mapping)."""
    scanned = sorted(rows)[:scan]
    if not scanned:
        return None
    last = scanned[-1] + 1
    # Only the merges of the rows looked at (a sheet may have thousands further down).
    merges = [m for m in merges if m[1] <= last]
    at = _merge_at(merges)
    for r in scanned:
        plain = read_header_row(rows, r, merges, with_group=False, at=at)
        n, has_main = _score(plain)
        if n < 2:
            continue
        best: tuple[int, HeaderMatch] | None = None
        for cand_row, with_group in ((r, False), (r + 1, True), (r, True)):
            if cand_row not in rows and cand_row != r:
                continue
            guesses = read_header_row(rows, cand_row, merges, with_group=with_group, at=at)
            guesses = apply_overrides(guesses, overrides)
            score, main = _score(guesses)
            if score >= 3 and main and (best is None or score > best[0]):
                best = (score, HeaderMatch(cand_row, cand_row - 1 if with_group else None, guesses))
        if best is not None:
            if best[1].group_row is not None and not _has_group_cells(rows, best[1].group_row, merges):
                plain_match = HeaderMatch(r, None, apply_overrides(plain, overrides))
                if _score(plain_match.guesses)[0] >= best[0]:
                    return plain_match
            return best[1]
        if n >= 3 and has_main:
            return HeaderMatch(r, None, apply_overrides(plain, overrides))
    return None


def _has_group_cells(
    rows: Mapping[int, Mapping[int, Any]], r: int, merges: Sequence[tuple[int, int, int, int]]
) -> bool:
    return any(min_row <= r <= max_row and max_col > min_col for min_col, min_row, max_col, max_row in merges)


def apply_overrides(guesses: list[ColumnGuess], overrides: Mapping[str, str] | None) -> list[ColumnGuess]:
    if not overrides:
        return guesses
    out = []
    for g in guesses:
        norm = normalize_header(g.text)
        if norm in overrides:
            key = overrides[norm] or None
            out.append(ColumnGuess(g.column, g.text, key, "sicher", "gewählt"))
        else:
            out.append(g)
    return out


# ----------------------------------------------------------------------------------------------
# Remembered mappings: a JSON file in the user's data folder, keyed by the header's signature.
# ----------------------------------------------------------------------------------------------

MAPPINGS_FILE = "spaltenzuordnungen.json"


def mappings_path() -> Path:
    from kik_desktop.paths import data_dir

    return data_dir() / MAPPINGS_FILE


def load_mappings(path: Path | None = None) -> dict[str, dict[str, str]]:
    p = path or mappings_path()
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        str(sig): {str(k): str(v) for k, v in m.items()} for sig, m in data.items() if isinstance(m, dict)
    }


def remembered(signature: str, path: Path | None = None) -> dict[str, str]:
    return load_mappings(path).get(signature, {})


def remember(signature: str, mapping: Mapping[str, str], path: Path | None = None) -> None:
    """Store a confirmed mapping (normalised header text → key, "" for not imported); atomic write."""
    p = path or mappings_path()
    data = load_mappings(p)
    data[signature] = {normalize_header(k): v for k, v in mapping.items()}
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, p)


__all__ = [
    "FIELD_LABELS",
    "IGNORE",
    "SYNONYMS",
    "ColumnGuess",
    "HeaderMatch",
    "apply_overrides",
    "find_header",
    "guess_key",
    "header_signature",
    "load_mappings",
    "remember",
    "remembered",
]

"""Import of implementation tables from .xlsx: our own exports and the municipality's own workbooks.

``preview_import(session, path)`` reads the file (bounded, after the preflight), understands its
layout and compares it with the document; nothing is written. The returned ``ImportPreview`` lists new,
changed, unchanged and missing items and every issue with sheet, row and column.
``apply_import(session, preview)`` then writes it in the caller's transaction and returns an
``ImportUndo`` whose ``undo(session)``/``redo(session)`` make it one undo step.
"""

from __future__ import annotations

import functools
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Literal

from openpyxl.utils.datetime import from_excel
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from kik_desktop.domain import plan, wording
from kik_desktop.domain.changes import ChangeSet, created, reset
from kik_desktop.domain.dates import parse_month_year
from kik_desktop.domain.defaults import STATUS_KEYS, default_concept
from kik_desktop.domain.queries import StatusInfo, statuses
from kik_desktop.exchange.colors import is_white, nearest_status
from kik_desktop.exchange.columns import (
    BY_KEY,
    COLUMNS,
    column_letter,
    match_header,
    match_header_exact,
    normalize_header,
)
from kik_desktop.exchange.workbook_reader import MAX_COLS, MAX_ROWS, SheetGrid, WorkbookGrid, read_workbook
from kik_desktop.exchange.xlsx_guard import WorkbookRejected
from kik_desktop.models import Field, Goal, Measure

Level = Literal["error", "warning", "info"]

HEADER_SCAN_ROWS = 80
MEASURE_KEYS = tuple(c.key for c in COLUMNS if c.level == "measure")
MEASURE_VALUE_KEYS = tuple(k for k in MEASURE_KEYS if k != "status")
TEXT_ATTRS = ("title", "description", "target_group", "responsible", "actors", "needs", "success_indicator")
ATTR_LABEL = {c.attr if c.level == "measure" else "goal_" + c.attr: c.header for c in COLUMNS}
ATTR_LABEL.update(
    {
        "goal_title": "Ziel",
        "goal_indicator": "Indikator (zu entwickeln)",
        "status_key": "Status",
        "goal": "Ziel",
        "field": "Handlungsfeld",
    }
)
_UID = re.compile(r"^[0-9a-f]{32}$")
_MEASURE_NO = re.compile(r"^\s*(\d{1,3}\.\d{1,3}\.\d{1,3})[.:)]?(?:[ \t\n]|$)")
_GOAL_NO = re.compile(r"^\s*(\d{1,3}\.\d{1,3})[.:)]?(?:[ \t\n]|$)")
_FIELD_HEAD = re.compile(
    r"^\s*(?:handlungsfeld|hf)\s*(\d{1,2})\b[\s:.\-–—)]*(.*)$", re.IGNORECASE | re.DOTALL
)
_OWN_SECTION = re.compile(r"\AHandlungsfeld (\d{1,3}): ?(.*)\Z", re.DOTALL)
_FIELD_NO = re.compile(r"^\s*(\d{1,2})[.:)]?\s+(\D.*)$", re.DOTALL)


class ImportBlocked(Exception):
    """The import cannot be applied (blocking issues, or the file cannot be read)."""


@dataclass(frozen=True)
class Issue:
    """A problem found in the file, with where it is."""

    level: Level
    message: str
    sheet: str | None = None
    row: int | None = None
    column: int | None = None

    @property
    def where(self) -> str:
        parts = []
        if self.sheet is not None:
            parts.append(f"Blatt ‚{self.sheet}‘")
        if self.row is not None:
            parts.append(f"Zeile {self.row}")
        if self.column is not None:
            parts.append(f"Spalte {column_letter(self.column)}")
        return ", ".join(parts)

    def text(self) -> str:
        where = self.where
        return f"{where}: {self.message}" if where else self.message


@dataclass(frozen=True)
class Loc:
    sheet: str
    row: int


# ----------------------------------------------------------------------------------------------
# What the file says
# ----------------------------------------------------------------------------------------------


@dataclass
class _PField:
    key: tuple[str, str]
    name: str = ""
    number: int | None = None
    uid: str | None = None
    loc: Loc | None = None
    order: int = 0
    explicit: bool = False  # named by a section row, not only by a sheet's name
    exact_name: bool = False  # the name as our own export wrote it (may be empty)
    goals: list[_PGoal] = field(default_factory=list)


@dataclass
class _PGoal:
    key: tuple[Any, ...]
    pfield: _PField
    title: str = ""
    number: str | None = None
    uid: str | None = None
    loc: Loc | None = None
    order: int = 0
    indicator: list[tuple[str, Loc]] = field(default_factory=list)
    titles: list[tuple[str, Loc]] = field(default_factory=list)
    measures: list[_PMeasure] = field(default_factory=list)


@dataclass
class _PMeasure:
    key: tuple[Any, ...]
    pgoal: _PGoal
    number: str | None = None
    uid: str | None = None
    loc: Loc | None = None
    order: int = 0
    # attr → list of (value, loc) from every sheet the measure appears on
    values: dict[str, list[tuple[Any, Loc]]] = field(default_factory=dict)
    sheets: set[str] = field(default_factory=set)


# ----------------------------------------------------------------------------------------------
# The preview
# ----------------------------------------------------------------------------------------------


@dataclass
class ValueChange:
    attr: str
    label: str
    old: Any
    new: Any

    def text(self) -> str:
        return f"{self.label}: {_show(self.old)} → {_show(self.new)}"


@dataclass
class PreviewItem:
    kind: str  # field, goal, measure
    title: str
    number: str = ""
    item_id: int | None = None
    context: str = ""
    changes: list[ValueChange] = field(default_factory=list)
    sheet: str | None = None
    row: int | None = None

    @property
    def label(self) -> str:
        kind = {"field": "Handlungsfeld", "goal": "Ziel", "measure": "Maßnahme"}.get(self.kind, "")
        if not kind:  # rows of the sheet "Indikatoren": the title is the whole description
            return self.title
        title = self.title if len(self.title) <= 80 else self.title[:77] + "…"
        return f"{kind} {self.number} „{title}“".replace("  ", " ")


@dataclass
class _Op:
    op: str  # new, update, move, delete
    kind: str
    ref: Any = None  # existing id, or a token (str) of an item created in this import
    parent: Any = None  # existing id or token
    values: dict[str, Any] = field(default_factory=dict)
    uid: str | None = None


@dataclass
class ImportPreview:
    source: Path
    new: list[PreviewItem] = field(default_factory=list)
    changed: list[PreviewItem] = field(default_factory=list)
    unchanged: list[PreviewItem] = field(default_factory=list)
    missing: list[PreviewItem] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    ops: list[_Op] = field(default_factory=list)
    missing_ops: list[_Op] = field(default_factory=list)
    sheets_read: list[str] = field(default_factory=list)
    # Proposed changes of the sheet "Indikatoren" (exchange/indicator_sheet.py), applied after the plan.
    indicator_changes: list[Any] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.level == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.level == "warning"]

    @property
    def infos(self) -> list[Issue]:
        return [i for i in self.issues if i.level == "info"]

    @property
    def has_errors(self) -> bool:
        return any(i.level == "error" for i in self.issues)

    @property
    def change_count(self) -> int:
        return len(self.new) + len(self.changed)

    def summary(self) -> str:
        counts = {k: 0 for k in ("field", "goal", "measure", "indicator")}
        for item in self.new:
            counts[item.kind] = counts.get(item.kind, 0) + 1
        return (
            f"{len(self.new)} neu ({wording.fields(counts['field'])}, {wording.goals(counts['goal'])}, "
            f"{wording.measures(counts['measure'])}"
            + (f", {counts['indicator']} Indikatoren/Ist-Werte" if counts.get("indicator") else "")
            + f"), {len(self.changed)} geändert, "
            f"{len(self.unchanged)} unverändert, {len(self.missing)} "
            f"{'fehlt' if len(self.missing) == 1 else 'fehlen'} in der Datei, "
            f"{wording.counted(len(self.warnings), 'Hinweis', 'Hinweise')}, {len(self.errors)} Fehler"
        )

    def format_text(self, *, limit: int | None = None) -> str:
        """The preview as plain text (for the command line)."""
        lines = [f"Vorschau des Imports aus „{self.source.name}“", self.summary(), ""]

        def section(title: str, items: list[PreviewItem], with_changes: bool = False) -> None:
            if not items:
                return
            lines.append(f"{title} ({len(items)}):")
            for item in items[:limit] if limit else items:
                where = f"  [{item.sheet}, Zeile {item.row}]" if item.sheet else ""
                lines.append(
                    f"  + {item.label}{where}" if title.startswith("Neu") else f"  * {item.label}{where}"
                )
                if with_changes:
                    for ch in item.changes:
                        lines.append(f"      {ch.text()}")
            if limit and len(items) > limit:
                lines.append(f"  … und {len(items) - limit} weitere")
            lines.append("")

        section("Neu", self.new)
        section("Geändert", self.changed, with_changes=True)
        section("Fehlen in der Datei (bleiben erhalten)", self.missing)
        if self.errors:
            lines.append(f"Fehler ({len(self.errors)}) – so wird nichts übernommen:")
            lines.extend(f"  ! {i.text()}" for i in self.errors)
            lines.append("")
        if self.warnings:
            lines.append(f"Hinweise ({len(self.warnings)}):")
            lines.extend(f"  ? {i.text()}" for i in self.warnings)
            lines.append("")
        if self.infos:
            lines.append("Zur Information:")
            lines.extend(f"  - {i.text()}" for i in self.infos)
            lines.append("")
        return "\n".join(lines).rstrip() + "\n"


def _show(value: Any) -> str:
    if value is None or value == "":
        return "(leer)"
    text = str(value).replace("\n", " ⏎ ")
    return f"„{text if len(text) <= 60 else text[:57] + '…'}“"


# ----------------------------------------------------------------------------------------------
# Statuses from text and colour
# ----------------------------------------------------------------------------------------------

_COLOR_WORDS = {
    "gruen": "umgesetzt",
    "grun": "umgesetzt",
    "green": "umgesetzt",
    "dunkelgruen": "umgesetzt",
    "hellgruen": "ende",
    "orange": "anfang",
    "amber": "anfang",
    "gelb": "mitte",
    "yellow": "mitte",
    "rot": "gefaehrdet",
    "red": "gefaehrdet",
    "grau": "zukuenftig",
    "grey": "zukuenftig",
    "gray": "zukuenftig",
}


class StatusReader:
    """Turns what a status cell says (text or fill colour) into a status key, with the workbook's legend."""

    def __init__(self, status_list: list[StatusInfo]) -> None:
        self.statuses = status_list
        self.by_label = {normalize_header(s.label): s.key for s in status_list}
        self.keys = {s.key for s in status_list} | set(STATUS_KEYS)
        self.palette = {s.key: s.color for s in status_list if s.color}
        self.legend: dict[str, str] = {}
        self.label_of = {s.key: s.label for s in status_list}

    def from_text(self, text: str, *, strict: bool = False) -> str | None:
        norm = normalize_header(text)
        if not norm:
            return None
        if norm in self.by_label:
            return self.by_label[norm]
        if norm.replace(" ", "") in self.keys:
            return norm.replace(" ", "")
        words = norm.split()
        if (
            len(words) <= 2
            and all(w in _COLOR_WORDS for w in words)
            and len({_COLOR_WORDS[w] for w in words}) == 1
        ):
            return _COLOR_WORDS[words[0]]
        if strict:
            return None
        if "nicht moeglich" in norm or "gefaehrdet" in norm or "nicht umgesetzt" in norm:
            return "gefaehrdet"
        if "zukuenftig" in norm or "zukunft" in norm or norm in ("geplant", "noch nicht begonnen"):
            return "zukuenftig"
        if "umsetzung" in norm or "begonnen" in norm:
            if "anfang" in norm:
                return "anfang"
            if "mitte" in norm:
                return "mitte"
            if "ende" in norm or "abschluss" in norm:
                return "ende"
        if norm in ("umgesetzt", "erledigt", "abgeschlossen", "fertig", "nach plan") or norm.startswith(
            "umgesetzt"
        ):
            return "umgesetzt"
        return None

    def from_color(self, rgb: str) -> tuple[str | None, str | None]:
        """(key, warning) for a fill colour: the workbook's legend decides, else the nearest palette
        colour."""
        if rgb in self.legend:
            return self.legend[rgb], None
        if self.legend:
            # A legend exists but does not name this colour: nearest legend colour, flagged.
            match = nearest_status(rgb, {f"{k}|{c}": c for c, k in self.legend.items()})
            if match.key is not None and match.sure:
                key = match.key.split("|")[0]
                return key, None
        match = nearest_status(rgb, self.palette)
        if match.key is not None and match.sure and not self.legend:
            return match.key, None
        if match.key is not None:
            return match.key, (
                f"Die Farbe #{rgb} ist keine der Statusfarben; als nächstliegende als "
                f"„{self.label_of.get(match.key, match.key)}“ "
                "gedeutet – bitte prüfen."
            )
        return (
            None,
            f"Die Farbe #{rgb} ist keiner der sechs Status eindeutig zuzuordnen; "
            "der Status bleibt unverändert.",
        )


# ----------------------------------------------------------------------------------------------
# Reading the layout of the sheets
# ----------------------------------------------------------------------------------------------


def _known_field_names(s: Session) -> dict[str, str]:
    names = {normalize_name(n): n for n in s.scalars(select(Field.name)) if n}
    try:
        for f in default_concept()["fields"]:
            names.setdefault(normalize_name(f["name"]), f["name"])
    except (OSError, KeyError, ValueError):
        pass
    return names


def normalize_name(text: object) -> str:
    """A name or title for matching: Unicode-normalised, case-folded, blanks collapsed, quotes unified."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFKC", str(text)).casefold()
    s = s.translate(_QUOTES)
    return " ".join(s.split())


_QUOTES = str.maketrans({"„": '"', "“": '"', "”": '"', "‚": "'", "‘": "'", "’": "'", "–": "-", "—": "-"})


def _cell_text(value: Any) -> str:
    """A cell value as text: numbers without a trailing .0, dates as dd.mm.yyyy."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, datetime):
        return f"{value:%d.%m.%Y}" if value.time() == time(0) else f"{value:%d.%m.%Y %H:%M}"
    if isinstance(value, date):
        return f"{value:%d.%m.%Y}"
    return str(value)


def _uid(value: Any) -> str | None:
    text = _cell_text(value).strip().lower()
    return text if _UID.match(text) else None


@dataclass
class _Table:
    sheet: SheetGrid
    header_row: int
    columns: dict[str, int]


class _Parser:
    def __init__(self, grid: WorkbookGrid, status_reader: StatusReader, field_names: dict[str, str]) -> None:
        self.grid = grid
        self.status = status_reader
        self.field_names = field_names
        self.issues: list[Issue] = []
        self.fields: dict[tuple[str, str], _PField] = {}
        self.field_alias: dict[tuple[str, str], _PField] = {}
        self.goals: dict[tuple[Any, ...], _PGoal] = {}
        self.measures: dict[tuple[Any, ...], _PMeasure] = {}
        self.order = 0
        self.columns_seen: set[str] = set()
        self.sheets_read: list[str] = []
        self.sheet_fields: dict[str, set[int]] = {}
        self._legend_cache: dict[str, str | None] = {}  # sheet → fields (by id) with measures on it
        self.measure_uid_sheet: dict[str, dict[str, int]] = {}

    def issue(
        self,
        level: Level,
        message: str,
        sheet: str | None = None,
        row: int | None = None,
        column: int | None = None,
    ) -> None:
        self.issues.append(Issue(level, message, sheet, row, column))

    # -- header and legend ------------------------------------------------------------------

    def find_header(self, sheet: SheetGrid) -> _Table | None:
        for r in sorted(sheet.cells)[:HEADER_SCAN_ROWS]:
            row = sheet.cells[r]
            found: dict[str, int] = {}
            for c in sorted(row):
                value = row[c][0]
                if not isinstance(value, str):
                    continue
                key = match_header(value)
                if key is not None and key not in found:
                    found[key] = c
            content_keys = {k for k in found if k in BY_KEY and BY_KEY[k].level != "id" and k != "number"}
            if len(content_keys) >= 3 and ("title" in found or "goal" in found):
                return _Table(sheet, r, found)
        return None

    def _is_legend_label(self, value: Any) -> str | None:
        if not isinstance(value, str) or len(value) > 200:
            return None
        if value not in self._legend_cache:
            self._legend_cache[value] = self.status.from_text(value, strict=True)
        return self._legend_cache[value]

    def read_legend(self, tables: dict[int, _Table]) -> None:
        """Colour cells beside status labels, on any sheet; outside the tables' data rows only."""
        found: dict[str, set[str]] = {}
        where: dict[str, Issue] = {}
        for sheet in self.grid.sheets:
            table = tables.get(sheet.index)
            status_col = table.columns.get("status") if table else None
            for r, row in sheet.cells.items():
                for c, (value, _style) in row.items():
                    key = self._is_legend_label(value)
                    if key is None or (table is not None and c == status_col and r > table.header_row):
                        continue
                    candidates = []
                    for nc in (c - 1, c + 1):
                        cell = row.get(nc)
                        if cell is not None and (cell[0] is None or str(cell[0]).strip() == ""):
                            rgb = self.grid.fill_rgb(cell[1])
                            if not is_white(rgb):
                                candidates.append(rgb)
                    if not candidates:
                        rgb = self.grid.fill_rgb(row[c][1])
                        in_table = table is not None and r > table.header_row and c in table.columns.values()
                        if not is_white(rgb) and not in_table:
                            candidates.append(rgb)
                    for rgb in candidates[:1]:
                        assert rgb is not None
                        found.setdefault(rgb, set()).add(key)
                        where.setdefault(rgb, Issue("info", "", sheet.title, r, c))
        for rgb, keys in found.items():
            if len(keys) == 1:
                self.status.legend[rgb] = next(iter(keys))
            else:
                w = where[rgb]
                self.issue(
                    "warning",
                    f"Die Legende gibt der Farbe #{rgb} mehrere Status; sie wird nicht benutzt.",
                    w.sheet,
                    w.row,
                    w.column,
                )

    # -- fields, goals, measures ------------------------------------------------------------

    def field_for(
        self,
        *,
        uid: str | None = None,
        number: int | None = None,
        name: str = "",
        loc: Loc | None = None,
        explicit: bool = False,
        exact: bool = False,
    ) -> _PField:
        if not exact:
            name = name.strip()
        keys: list[tuple[str, str]] = []
        if uid:
            keys.append(("uid", uid))
        if normalize_name(name):
            keys.append(("name", normalize_name(name)))
        if number is not None:
            keys.append(("num", str(number)))
        if not keys:
            keys.append(("none", ""))
        if uid:
            pf = self.field_alias.get(("uid", uid))
            if pf is None:
                # A field named by a sheet (no ID yet) is the same field as rows with its ID.
                pf = next((self.field_alias[k] for k in keys[1:] if k in self.field_alias), None)
                if pf is not None and pf.uid is not None:
                    pf = None
        else:
            pf = next((self.field_alias[k] for k in keys if k in self.field_alias), None)
        if pf is None:
            self.order += 1
            pf = _PField(key=keys[0], name=name, number=number, uid=uid, loc=loc, order=self.order)
            self.fields[keys[0]] = pf
        for k in keys:
            self.field_alias.setdefault(k, pf)
        if number is not None and pf.number is None:
            pf.number = number
        if exact and not pf.exact_name:
            pf.name, pf.exact_name = name, True
        elif name and not pf.name and not pf.exact_name:
            pf.name = name
        if uid and not pf.uid:
            pf.uid = uid
        pf.explicit = pf.explicit or explicit
        return pf

    def parse_field_text(self, text: str) -> tuple[int | None, str] | None:
        """(number, name) when text names a field of action: "Handlungsfeld 2: …", "2 Arbeit …",
        a known name."""
        text = " ".join(text.split())
        m = _FIELD_HEAD.match(text)
        if m:
            name = m.group(2).strip()
            return int(m.group(1)), self.field_names.get(normalize_name(name), name)
        norm = normalize_name(text)
        if norm in self.field_names:
            return None, self.field_names[norm]
        m = _FIELD_NO.match(text)
        if m and normalize_name(m.group(2)) in self.field_names:
            return int(m.group(1)), self.field_names[normalize_name(m.group(2))]
        return None

    def sheet_field(self, table: _Table) -> _PField | None:
        sheet = table.sheet
        guess = self.parse_field_text(sheet.title)
        for r in sorted(sheet.cells):
            if r >= table.header_row:
                break
            for value, _style in sheet.cells[r].values():
                if isinstance(value, str) and _FIELD_HEAD.match(value.strip()):
                    guess = self.parse_field_text(value) or guess
        if guess is None:
            return None
        number, name = guess
        return self.field_for(number=number, name=name, loc=Loc(sheet.title, table.header_row))

    def parse_table(self, table: _Table) -> None:
        sheet = table.sheet
        title = sheet.title
        cols = table.columns
        self.sheets_read.append(title)
        self.columns_seen.update(cols)
        # Unknown columns, shown once per sheet.
        header_cells = sheet.cells.get(table.header_row, {})
        known_cols = set(cols.values())
        for c, (value, _s) in sorted(header_cells.items()):
            if value not in (None, "") and c not in known_cols:
                self.issue(
                    "info",
                    f"Die Spalte „{_cell_text(value)[:60]}“ gehört nicht zur Umsetzungstabelle "
                    "und wird nicht übernommen.",
                    title,
                    table.header_row,
                    c,
                )
        for key, c in cols.items():
            dup = [
                cc
                for cc, (v, _s) in header_cells.items()
                if cc != c and isinstance(v, str) and match_header(v) == key
            ]
            for cc in dup:
                self.issue(
                    "warning",
                    f"Die Spalte „{BY_KEY[key].header}“ kommt doppelt vor; "
                    f"übernommen wird Spalte {column_letter(c)}.",
                    title,
                    table.header_row,
                    cc,
                )
        if "title" not in cols:
            self.issue(
                "warning",
                "Die Spalte „Maßnahme“ fehlt; von diesem Blatt werden nur Ziele übernommen.",
                title,
                table.header_row,
            )
        missing = [c.header for c in COLUMNS if c.key not in cols and c.key not in ("title",)]
        if missing:
            self.issue(
                "info",
                "Nicht im Blatt (bleiben unverändert): " + ", ".join(f"„{m}“" for m in missing),
                title,
                table.header_row,
            )
        if sheet.rows_beyond:
            self.issue(
                "warning",
                f"Das Blatt hat Daten unterhalb von Zeile {MAX_ROWS} (ab Zeile "
                f"{sheet.first_row_beyond}); sie liegen außerhalb des erwarteten Bereichs und werden nicht "
                "gelesen.",
                title,
                sheet.first_row_beyond,
            )
        if sheet.cols_beyond:
            self.issue(
                "warning",
                f"Das Blatt hat Daten rechts von Spalte {column_letter(MAX_COLS)}; sie liegen "
                "außerhalb des erwarteten Bereichs und werden nicht gelesen.",
                title,
                None,
                sheet.first_col_beyond,
            )

        # Merged cells: a block that spans rows gives its value (and fill) to every row it covers;
        # a block that spans three or more columns of one row marks a section (field) row.
        cells = {r: dict(row) for r, row in sheet.cells.items() if r > table.header_row}
        wide_rows: set[int] = set()
        for min_col, min_row, max_col, max_row in sheet.merges:
            if max_row < table.header_row + 1:
                continue
            if max_col - min_col >= 2 and max_row == min_row:
                wide_rows.add(min_row)
                continue
            top = cells.get(min_row, {}).get(min_col)
            if top is None:
                continue
            for r in range(min_row + 1, min(max_row, MAX_ROWS) + 1):
                cells.setdefault(r, {})[min_col] = top

        status_col = cols.get("status")
        id_cols = {cols[k] for k in ("measure_uid", "goal_uid", "field_uid") if k in cols}
        current_field = self.sheet_field(table)
        current_goal: _PGoal | None = None
        last_goal_text: str | None = None
        seen_uids: dict[str, int] = {}

        def val(row: dict[int, tuple[Any, int]], key: str) -> Any:
            c = cols.get(key)
            if c is None:
                return None
            cell = row.get(c)
            return None if cell is None else cell[0]

        for r in sorted(cells):
            row = cells[r]
            loc = Loc(title, r)
            nonempty = {c: v for c, (v, _s) in row.items() if v is not None and _cell_text(v).strip() != ""}
            status_fill = None
            if status_col is not None and status_col in row and r not in wide_rows:
                rgb = self.grid.fill_rgb(row[status_col][1])
                status_fill = None if is_white(rgb) else rgb
            if not nonempty and status_fill is None:
                continue
            first_texts = [v for c, v in sorted(nonempty.items())[:2] if isinstance(v, str) and len(v) < 60]
            if any(t.strip().lower().startswith("legende") for t in first_texts):
                break  # the legend below the table
            # A repeated header row (e.g. a second table on the sheet): its goal or title cell is a header.
            probe = [v for k in ("goal", "title") if isinstance(v := val(row, k), str) and len(v) < 60]
            if probe and any(match_header_exact(v) in ("goal", "title") for v in probe):
                header_hits = {match_header_exact(v) for v in nonempty.values() if isinstance(v, str)} - {
                    None
                }
                if len(header_hits) >= 3:
                    continue
            # A legend row: a status label beside a coloured empty cell, nothing else.
            if len(nonempty) == 1 and not (set(nonempty) & id_cols):
                ((only_c, only_v),) = nonempty.items()
                if self._is_legend_label(only_v) and only_c != status_col:
                    neighbours = [row.get(only_c - 1), row.get(only_c + 1)]
                    if any(n is not None and not is_white(self.grid.fill_rgb(n[1])) for n in neighbours):
                        continue

            for key in ("measure_uid", "goal_uid", "field_uid"):
                raw = val(row, key)
                if raw not in (None, "") and _uid(raw) is None:
                    self.issue(
                        "warning",
                        f"„{_cell_text(raw)[:40]}“ ist keine gültige KIK-ID und wird nicht beachtet.",
                        title,
                        r,
                        cols[key],
                    )
            m_uid = _uid(val(row, "measure_uid"))
            g_uid = _uid(val(row, "goal_uid"))
            f_uid = _uid(val(row, "field_uid"))
            goal_raw = val(row, "goal")
            goal_text = _cell_text(goal_raw)
            has_measure = (
                m_uid is not None
                or status_fill is not None
                or any(_cell_text(val(row, k)).strip() for k in MEASURE_KEYS)
            )

            # Section rows name a field of action.
            content = {c: v for c, v in nonempty.items() if c not in id_cols}
            if f_uid and not g_uid and not m_uid and not has_measure and (len(content) <= 1):
                text = _cell_text(next(iter(content.values()))) if content else ""
                own = _OWN_SECTION.match(text)
                field_no: int | None
                if own:
                    field_no, name = int(own.group(1)), own.group(2)
                else:
                    parsed = self.parse_field_text(text) if text else None
                    field_no, name = parsed if parsed else (None, text)
                current_field = self.field_for(
                    uid=f_uid, number=field_no, name=name, loc=loc, explicit=True, exact=bool(own)
                )
                current_goal, last_goal_text = None, None
                continue
            if len(content) == 1 and not has_measure and not g_uid:
                ((c, v),) = content.items()
                text = _cell_text(v).strip()
                parsed = self.parse_field_text(text)
                bold = self.grid.is_bold(row[c][1])
                is_goal_numbered = bool(_GOAL_NO.match(text))
                if (
                    parsed is not None
                    or r in wide_rows
                    or (bold and not is_goal_numbered and c == cols.get("goal"))
                ):
                    field_no, name = parsed if parsed else (None, text)
                    current_field = self.field_for(
                        uid=f_uid, number=field_no, name=name, loc=loc, explicit=True
                    )
                    current_goal, last_goal_text = None, None
                    continue
                if c != cols.get("goal"):
                    self.issue(
                        "info", f"Die Zeile enthält nur „{text[:50]}“ und wird nicht übernommen.", title, r, c
                    )
                    continue
            if f_uid:
                pf = self.field_for(uid=f_uid, loc=loc)
                if current_field is not pf:
                    current_field, current_goal, last_goal_text = pf, None, None

            # The goal of this row: given in the row, or continued from above (blank or merged cells).
            if goal_text.strip() or g_uid:
                goal_norm = normalize_name(goal_text)
                if g_uid:
                    same = current_goal is not None and current_goal.uid == g_uid
                else:
                    same = current_goal is not None and goal_norm == last_goal_text
                if not same:
                    current_goal = self.goal_for(current_field, goal_text, g_uid, loc, cols.get("goal"))
                    current_field = current_goal.pfield
                last_goal_text = goal_norm
                assert current_goal is not None
                if goal_text.strip():
                    current_goal.titles.append((goal_text, loc))
                if "goal_indicator" in cols:
                    current_goal.indicator.append((_cell_text(val(row, "goal_indicator")), loc))
            elif "goal_indicator" in cols and current_goal is not None:
                ind = _cell_text(val(row, "goal_indicator"))
                if ind.strip():
                    current_goal.indicator.append((ind, loc))

            if not has_measure:
                continue
            title_text = _cell_text(val(row, "title"))
            m_no = _MEASURE_NO.match(title_text)
            number: str | None = m_no.group(1) if m_no else None
            if m_no:
                title_text = title_text[m_no.end() :]
            elif "number" in cols:
                m_col = _MEASURE_NO.match(_cell_text(val(row, "number")).strip() + " ")
                number = m_col.group(1) if m_col else None
            if current_goal is None:
                if number is not None:
                    goal_number = number.rsplit(".", 1)[0]
                    pf = current_field or self.field_for(number=int(goal_number.split(".")[0]), loc=loc)
                    current_goal = self.goal_for(pf, goal_number, None, loc, cols.get("goal"))
                else:
                    self.issue(
                        "warning",
                        "Die Maßnahme hat kein Ziel (Spalte „Ziel“ leer und kein Ziel darüber); "
                        "sie wird nicht übernommen.",
                        title,
                        r,
                        cols.get("goal"),
                    )
                    continue
            if m_uid is not None:
                if m_uid in seen_uids:
                    self.issue(
                        "error",
                        f"Die KIK-ID {m_uid} steht doppelt auf diesem Blatt (auch in Zeile "
                        f"{seen_uids[m_uid]}).",
                        title,
                        r,
                        cols.get("measure_uid"),
                    )
                    continue
                seen_uids[m_uid] = r
            pm = self.measure_for(current_goal, m_uid, number, title_text, loc)
            pm.sheets.add(title)
            self.sheet_fields.setdefault(title, set()).add(id(current_goal.pfield))
            self.add_measure_values(pm, row, cols, title_text, loc, status_fill, sheet)

    def goal_for(
        self, pf: _PField | None, goal_text: str, uid: str | None, loc: Loc, col: int | None
    ) -> _PGoal:
        m = _GOAL_NO.match(goal_text)
        number = m.group(1) if m else None
        title = goal_text[m.end() :] if m else goal_text
        if pf is None:
            if number is not None:
                pf = self.field_for(number=int(number.split(".")[0]), loc=loc)
            else:
                pf = self.field_for(name=loc.sheet, loc=loc)
                self.issue(
                    "warning",
                    f"Für das Ziel ist kein Handlungsfeld angegeben (keine Abschnittszeile, "
                    f"keine Nummer); es wird dem Handlungsfeld „{loc.sheet}“ (Name des Blatts) zugeordnet.",
                    loc.sheet,
                    loc.row,
                    col,
                )
        if uid:
            key: tuple[Any, ...] = ("uid", uid)
            pg = self.goals.get(key)
        else:
            key = ("title", id(pf), normalize_name(title)) if title.strip() else ("num", id(pf), number)
            pg = self.goals.get(key)
            if pg is None and title.strip():
                pg = next(
                    (g for g in pf.goals if normalize_name(self._strip_goal_no(g.title)) == key[2]), None
                )
        if pg is None:
            self.order += 1
            pg = _PGoal(key=key, pfield=pf, title=title, number=number, uid=uid, loc=loc, order=self.order)
            self.goals[key] = pg
            pf.goals.append(pg)
        elif number and not pg.number:
            pg.number = number
        return pg

    @staticmethod
    def _strip_goal_no(text: str) -> str:
        m = _GOAL_NO.match(text)
        return text[m.end() :] if m else text

    def measure_for(self, pg: _PGoal, uid: str | None, number: str | None, title: str, loc: Loc) -> _PMeasure:
        if uid:
            key: tuple[Any, ...] = ("uid", uid)
            pm = self.measures.get(key)
            if pm is not None:
                return pm
        else:
            # Without an ID every row is its own measure, unless the same measure is on another sheet.
            key = ("row", loc.sheet, loc.row)
            if number:
                prior = self.measures.get(("num", number, normalize_name(title)))
                if prior is not None and prior.loc is not None and prior.loc.sheet != loc.sheet:
                    return prior
        self.order += 1
        pm = _PMeasure(key=key, pgoal=pg, number=number, uid=uid, loc=loc, order=self.order)
        self.measures[key] = pm
        if number and not uid:
            self.measures.setdefault(("num", number, normalize_name(title)), pm)
        pg.measures.append(pm)
        return pm

    def add_measure_values(
        self,
        pm: _PMeasure,
        row: dict[int, tuple[Any, int]],
        cols: dict[str, int],
        title_text: str,
        loc: Loc,
        status_fill: str | None,
        sheet: SheetGrid,
    ) -> None:
        def add(attr: str, value: Any) -> None:
            pm.values.setdefault(attr, []).append((value, loc))

        for key in MEASURE_VALUE_KEYS:
            c = cols.get(key)
            if c is None:
                continue
            cell = row.get(c)
            raw = None if cell is None else cell[0]
            if (loc.row, c) in sheet.formulas:
                self.issue(
                    "warning",
                    "Die Zelle enthält eine Formel; übernommen wird ihr zuletzt berechneter Wert "
                    f"„{_cell_text(raw)[:40]}“.",
                    loc.sheet,
                    loc.row,
                    c,
                )
            if (loc.row, c) in sheet.errors:
                self.issue(
                    "warning",
                    "Die Zelle enthält einen Excel-Fehlerwert; sie wird als leer gelesen.",
                    loc.sheet,
                    loc.row,
                    c,
                )
            attr = BY_KEY[key].attr
            if key == "title":
                add(attr, self.clean(title_text, loc, c))
            elif key in ("start", "end"):
                add(attr, self.date_value(raw, loc, c))
            else:
                add(attr, self.clean(_cell_text(raw), loc, c))
        c = cols.get("status")
        if c is not None:
            cell = row.get(c)
            raw = None if cell is None else cell[0]
            text = _cell_text(raw).strip()
            key_from_text = self.status.from_text(text) if text else None
            key_from_color: str | None = None
            color_warning = None
            if status_fill is not None:
                key_from_color, color_warning = self.status.from_color(status_fill)
            if text and key_from_text is None:
                if key_from_color is not None and color_warning is None:
                    add("status_key", key_from_color)
                    self.issue(
                        "warning",
                        f"Der Status-Text „{text[:50]}“ ist keiner der sechs Status; "
                        "übernommen wird die Farbe der Zelle "
                        f"(„{self.status.label_of.get(key_from_color)}“).",
                        loc.sheet,
                        loc.row,
                        c,
                    )
                else:
                    add("status_key", _UNCHANGED)
                    self.issue(
                        "warning",
                        f"Der Status „{text[:50]}“ ist keiner der sechs Status; der Status "
                        "bleibt unverändert.",
                        loc.sheet,
                        loc.row,
                        c,
                    )
            elif key_from_text is not None:
                add("status_key", key_from_text)
                if key_from_color is not None and key_from_color != key_from_text and color_warning is None:
                    self.issue(
                        "info",
                        f"Farbe und Text der Statuszelle widersprechen sich; übernommen wird der Text "
                        f"„{text[:50]}“.",
                        loc.sheet,
                        loc.row,
                        c,
                    )
            elif status_fill is not None:
                if key_from_color is None:
                    add("status_key", _UNCHANGED)
                    self.issue("warning", color_warning or "Status nicht erkannt.", loc.sheet, loc.row, c)
                else:
                    add("status_key", key_from_color)
                    if color_warning:
                        self.issue("warning", color_warning, loc.sheet, loc.row, c)
            else:
                add("status_key", None)

    def clean(self, text: str, loc: Loc, col: int) -> str:
        cleaned = plan.clean_text(text)
        if len(cleaned) > plan.MAX_TEXT:
            self.issue(
                "warning",
                f"Der Text ist {len(cleaned)} Zeichen lang und wird auf {plan.MAX_TEXT} Zeichen gekürzt.",
                loc.sheet,
                loc.row,
                col,
            )
            cleaned = cleaned[: plan.MAX_TEXT]
        return cleaned

    def date_value(self, raw: Any, loc: Loc, col: int) -> str:
        if isinstance(raw, int | float) and not isinstance(raw, bool) and 20_000 <= raw <= 80_000:
            try:
                d = from_excel(raw)
            except (ValueError, OverflowError):
                d = None
            if isinstance(d, datetime):
                self.issue(
                    "warning",
                    f"Die Zahl {_cell_text(raw)} wurde als Excel-Datum {d:%m/%Y} gedeutet.",
                    loc.sheet,
                    loc.row,
                    col,
                )
                return f"{d.month:02d}/{d.year:04d}"
        if isinstance(raw, str):
            raw = self.clean(raw, loc, col)
        parsed = parse_month_year(raw.strip() if isinstance(raw, str) else raw)
        if not parsed.is_valid:
            self.issue(
                "warning",
                f"„{_cell_text(raw)[:50]}“ ist kein Datum (Monat/Jahr); es wird als Text übernommen.",
                loc.sheet,
                loc.row,
                col,
            )
        return parsed.canonical()


class _Unchanged:
    def __repr__(self) -> str:
        return "UNCHANGED"


_UNCHANGED: Any = _Unchanged()


# ----------------------------------------------------------------------------------------------
# Comparing with the document
# ----------------------------------------------------------------------------------------------


@dataclass
class _DocItem:
    id: int
    uid: str
    parent: int | None
    number: str
    values: dict[str, Any]


def _load_document(s: Session) -> tuple[dict[int, _DocItem], dict[int, _DocItem], dict[int, _DocItem]]:
    fields: dict[int, _DocItem] = {}
    goals: dict[int, _DocItem] = {}
    measures: dict[int, _DocItem] = {}
    field_rows = s.execute(select(Field.id, Field.uid, Field.name).order_by(Field.position, Field.id))
    for f_count, r in enumerate(field_rows, start=1):
        fields[r.id] = _DocItem(r.id, r.uid, None, str(f_count), {"name": r.name})
    per_field: dict[int, int] = {}
    for g in s.execute(
        select(Goal.id, Goal.uid, Goal.field_id, Goal.title, Goal.indicator).order_by(Goal.position, Goal.id)
    ):
        per_field[g.field_id] = per_field.get(g.field_id, 0) + 1
        goals[g.id] = _DocItem(
            g.id,
            g.uid,
            g.field_id,
            f"{fields[g.field_id].number}.{per_field[g.field_id]}",
            {"title": g.title, "indicator": g.indicator},
        )
    attrs = [c.attr for c in COLUMNS if c.level == "measure"]
    per_goal: dict[int, int] = {}
    for r in s.execute(
        select(Measure.id, Measure.uid, Measure.goal_id, *[getattr(Measure, a) for a in attrs]).order_by(
            Measure.position, Measure.id
        )
    ):
        per_goal[r.goal_id] = per_goal.get(r.goal_id, 0) + 1
        measures[r.id] = _DocItem(
            r.id,
            r.uid,
            r.goal_id,
            f"{goals[r.goal_id].number}.{per_goal[r.goal_id]}",
            dict(zip(attrs, r[3:], strict=True)),
        )
    return fields, goals, measures


def _tidy(text: str, uid: str | None) -> str:
    """Texts from our own export (rows with an ID) are taken exactly; others without surrounding blanks."""
    return text if uid else text.strip()


def _same_text(old: Any, new: Any) -> bool:
    return (old or "").strip() == (new or "").strip()


def _sort_key(number: str | None, order: int) -> tuple[Any, ...]:
    if number:
        try:
            return (0, tuple(int(p) for p in number.split(".")), order)
        except ValueError:
            pass
    return (1, (), order)


class _Matcher:
    def __init__(self, s: Session, parser: _Parser, preview: ImportPreview) -> None:
        self.s = s
        self.p = parser
        self.preview = preview
        self.fields, self.goals, self.measures = _load_document(s)
        self.field_by_uid = {d.uid: d.id for d in self.fields.values()}
        self.goal_by_uid = {d.uid: d.id for d in self.goals.values()}
        self.measure_by_uid = {d.uid: d.id for d in self.measures.values()}
        self.goals_by_field: dict[int | None, list[_DocItem]] = {}
        for g in self.goals.values():
            self.goals_by_field.setdefault(g.parent, []).append(g)
        self.measures_by_goal: dict[int | None, list[_DocItem]] = {}
        for m in self.measures.values():
            self.measures_by_goal.setdefault(m.parent, []).append(m)
        self.used_fields: set[int] = set()
        self._goal_titles: dict[int, str] = {}
        self.used_goals: set[int] = set()
        self.used_measures: set[int] = set()
        self.tokens = 0
        self.all_uids = set(self.field_by_uid) | set(self.goal_by_uid) | set(self.measure_by_uid)

    def token(self) -> str:
        self.tokens += 1
        return f"new{self.tokens}"

    def issue(self, level: Level, message: str, loc: Loc | None) -> None:
        self.preview.issues.append(
            Issue(level, message, loc.sheet if loc else None, loc.row if loc else None)
        )

    def new_uid(self, uid: str | None) -> str | None:
        if uid and uid not in self.all_uids:
            self.all_uids.add(uid)
            return uid
        return None

    def run(self) -> None:
        pfields = sorted((f for f in self.p.fields.values() if f.goals or f.explicit), key=lambda f: f.order)
        for pf in pfields:
            if pf.number is None:
                # The numbering of its goals (2.1, 2.3) gives a field's number when nothing else does.
                firsts = {g.number.split(".")[0] for g in pf.goals if g.number}
                if len(firsts) == 1:
                    pf.number = int(firsts.pop())
        matched: list[tuple[_PField, int | None]] = [(pf, self.match_field(pf)) for pf in pfields]
        new_fields = sorted(
            (x for x in matched if x[1] is None),
            key=lambda x: _sort_key(str(x[0].number) if x[0].number else None, x[0].order),
        )
        field_ref: dict[int, Any] = {}
        for pf, fid in matched:
            if fid is not None:
                field_ref[id(pf)] = fid
        for pf, _ in new_fields:
            tok = self.token()
            field_ref[id(pf)] = tok
            name = pf.name or (f"Handlungsfeld {pf.number}" if pf.number else "Neues Handlungsfeld")
            if pf.exact_name:
                name = pf.name
            elif not pf.name:
                self.issue(
                    "warning",
                    f"Für das Handlungsfeld {pf.number or ''} steht kein Name in der Datei; es "
                    f"wird als „{name}“ angelegt.".replace("  ", " "),
                    pf.loc,
                )
            self.preview.ops.append(_Op("new", "field", tok, None, {"name": name}, self.new_uid(pf.uid)))
            self.preview.new.append(
                PreviewItem(
                    "field",
                    name,
                    str(pf.number or ""),
                    None,
                    "",
                    [],
                    pf.loc.sheet if pf.loc else None,
                    pf.loc.row if pf.loc else None,
                )
            )
        present_fields = {v for v in field_ref.values() if isinstance(v, int)}
        # Goals, then measures.
        goal_ref: dict[int, Any] = {}
        for pf, _ in matched:
            fref = field_ref[id(pf)]
            fname = pf.name or (self.fields[fref].values["name"] if isinstance(fref, int) else "")
            pgoals = sorted(pf.goals, key=lambda g: _sort_key(g.number, g.order))
            for pg in pgoals:
                goal_ref[id(pg)] = self.handle_goal(pg, fref, fname)
        for pf, _ in matched:
            for pg in sorted(pf.goals, key=lambda g: _sort_key(g.number, g.order)):
                gref = goal_ref[id(pg)]
                pms = sorted(pg.measures, key=lambda m: _sort_key(m.number, m.order))
                for pm in pms:
                    self.handle_measure(pm, gref, pg)
        # Items of the document missing from the file, within the fields the file covers.
        for gid, g in self.goals.items():
            if g.parent in present_fields and gid not in self.used_goals:
                item = PreviewItem(
                    "goal",
                    g.values["title"],
                    g.number,
                    gid,
                    self.fields[g.parent].values["name"] if g.parent in self.fields else "",
                )
                self.preview.missing.append(item)
                self.preview.missing_ops.append(_Op("delete", "goal", gid))
        missing_goals = {op.ref for op in self.preview.missing_ops}
        for mid, m in self.measures.items():
            goal = self.goals[m.parent] if m.parent is not None else None
            if goal is None or goal.parent not in present_fields or mid in self.used_measures:
                continue
            self.preview.missing.append(
                PreviewItem("measure", m.values["title"], m.number, mid, goal.values["title"])
            )
            if m.parent not in missing_goals:
                self.preview.missing_ops.append(_Op("delete", "measure", mid))
        self.preview.missing.sort(key=lambda i: _sort_key(i.number, 0))
        # Delete measures before goals: undo restores goals first.
        self.preview.missing_ops.sort(key=lambda op: 0 if op.kind == "measure" else 1)

    def match_field(self, pf: _PField) -> int | None:
        if pf.uid and pf.uid in self.field_by_uid:
            fid = self.field_by_uid[pf.uid]
            self.used_fields.add(fid)
            return fid
        if pf.name:
            norm = normalize_name(pf.name)
            for fid, d in self.fields.items():
                if fid not in self.used_fields and normalize_name(d.values["name"]) == norm:
                    self.used_fields.add(fid)
                    return fid
        if pf.number is not None:
            for fid, d in self.fields.items():
                if d.number == str(pf.number) and fid not in self.used_fields:
                    self.used_fields.add(fid)
                    return fid
        return None

    def handle_goal(self, pg: _PGoal, fref: Any, fname: str) -> Any:
        title = self.goal_title(pg)
        indicator = self.goal_indicator(pg)
        gid = self.match_goal(pg, fref, title)
        loc = pg.loc
        if gid is None:
            tok = self.token()
            values: dict[str, Any] = {"title": _tidy(title, pg.uid)}
            if indicator is not None:
                values["indicator"] = _tidy(indicator, pg.uid)
            self.preview.ops.append(_Op("new", "goal", tok, fref, values, self.new_uid(pg.uid)))
            self.preview.new.append(
                PreviewItem(
                    "goal",
                    _tidy(title, pg.uid),
                    pg.number or "",
                    None,
                    fname,
                    [],
                    loc.sheet if loc else None,
                    loc.row if loc else None,
                )
            )
            return tok
        doc = self.goals[gid]
        changes: list[ValueChange] = []
        new_values: dict[str, Any] = {}
        if pg.titles and not _same_text(doc.values["title"], title):
            new_values["title"] = _tidy(title, pg.uid)
            changes.append(ValueChange("title", "Ziel", doc.values["title"], _tidy(title, pg.uid)))
        if indicator is not None and not _same_text(doc.values["indicator"], indicator):
            new_values["indicator"] = _tidy(indicator, pg.uid)
            changes.append(
                ValueChange(
                    "indicator",
                    "Indikator (zu entwickeln)",
                    doc.values["indicator"],
                    _tidy(indicator, pg.uid),
                )
            )
        if doc.parent != fref:
            changes.append(
                ValueChange(
                    "field",
                    "Handlungsfeld",
                    self.fields[doc.parent].values["name"] if doc.parent in self.fields else "",
                    fname,
                )
            )
            self.preview.ops.append(_Op("move", "goal", gid, fref))
        if new_values:
            self.preview.ops.append(_Op("update", "goal", gid, None, new_values))
        item = PreviewItem(
            "goal",
            doc.values["title"],
            doc.number,
            gid,
            fname,
            changes,
            loc.sheet if loc else None,
            loc.row if loc else None,
        )
        (self.preview.changed if changes else self.preview.unchanged).append(item)
        return gid

    def goal_title(self, pg: _PGoal) -> str:
        key = id(pg)
        if key not in self._goal_titles:
            self._goal_titles[key] = self._goal_title(pg)
        return self._goal_titles[key]

    def _goal_title(self, pg: _PGoal) -> str:
        titles = []
        for text, _loc in pg.titles:
            m = _GOAL_NO.match(text)
            titles.append(text[m.end() :] if m else text)
        distinct = list(dict.fromkeys(t.strip() for t in titles))
        if len(distinct) > 1 and pg.uid:
            loc = pg.titles[-1][1]
            self.issue(
                "warning",
                f"Das Ziel steht mit verschiedenen Titeln in der Datei; übernommen wird "
                f"„{distinct[0][:50]}“.",
                loc,
            )
        return titles[0] if titles else pg.title

    def goal_indicator(self, pg: _PGoal) -> str | None:
        if not pg.indicator:
            return None
        distinct = list(dict.fromkeys(t.strip() for t, _loc in pg.indicator if t.strip()))
        if not distinct:
            return ""
        if len(distinct) > 1:
            loc = next(loc for t, loc in pg.indicator if t.strip() == distinct[1])
            self.issue(
                "warning",
                f"Das Ziel hat verschiedene Indikatoren in der Datei; übernommen wird „{distinct[0][:50]}“.",
                loc,
            )
        return next(t for t, _loc in pg.indicator if t.strip() == distinct[0])

    def match_goal(self, pg: _PGoal, fref: Any, title: str) -> int | None:
        if pg.uid and pg.uid in self.goal_by_uid:
            gid = self.goal_by_uid[pg.uid]
            if gid not in self.used_goals:
                self.used_goals.add(gid)
                return gid
        if not isinstance(fref, int):
            return None
        candidates = [g for g in self.goals_by_field.get(fref, []) if g.id not in self.used_goals]
        norm = normalize_name(title)
        if norm:
            for g in candidates:
                if normalize_name(g.values["title"]) == norm:
                    self.used_goals.add(g.id)
                    return g.id
        if pg.number:
            idx = pg.number.split(".")[-1]
            field_no = self.fields[fref].number
            for g in candidates:
                if g.number == f"{field_no}.{idx}":
                    self.used_goals.add(g.id)
                    return g.id
        return None

    def resolve_values(self, pm: _PMeasure, doc: dict[str, Any] | None) -> dict[str, Any]:
        """One value per attribute; where sheets disagree, the one that differs from the document wins."""
        out: dict[str, Any] = {}
        for attr, occurrences in pm.values.items():
            distinct: list[tuple[Any, Loc]] = []
            for value, loc in occurrences:
                if value is _UNCHANGED:
                    continue
                if not any(_equal(attr, value, d) for d, _l in distinct):
                    distinct.append((value, loc))
            if not distinct:
                continue
            if len(distinct) > 1 and doc is not None:
                differing = [(v, loc) for v, loc in distinct if not _equal(attr, v, doc.get(attr))]
                distinct = differing or distinct[:1]
            if len(distinct) > 1:
                (v1, l1), (v2, l2) = distinct[0], distinct[1]
                self.preview.issues.append(
                    Issue(
                        "error",
                        f"Widersprüchliche Angaben für „{ATTR_LABEL.get(attr, attr)}“ derselben Maßnahme: "
                        f"{_show(v1)} (Blatt ‚{l1.sheet}‘, Zeile {l1.row}) und {_show(v2)}.",
                        l2.sheet,
                        l2.row,
                    )
                )
            out[attr] = distinct[0][0]
        return out

    def handle_measure(self, pm: _PMeasure, gref: Any, pg: _PGoal) -> None:
        mid = self.match_measure(pm, gref)
        loc = pm.loc
        context = self.goal_title(pg).strip()
        if mid is None:
            values = self.resolve_values(pm, None)
            values = {k: (_tidy(v, pm.uid) if isinstance(v, str) else v) for k, v in values.items()}
            tok = self.token()
            self.preview.ops.append(_Op("new", "measure", tok, gref, values, self.new_uid(pm.uid)))
            self.preview.new.append(
                PreviewItem(
                    "measure",
                    values.get("title", ""),
                    pm.number or "",
                    None,
                    context,
                    [],
                    loc.sheet if loc else None,
                    loc.row if loc else None,
                )
            )
            return
        doc = self.measures[mid]
        values = self.resolve_values(pm, doc.values)
        changes: list[ValueChange] = []
        new_values: dict[str, Any] = {}
        for attr, value in values.items():
            old = doc.values.get(attr)
            if _equal(attr, value, old):
                continue
            new_values[attr] = (
                _tidy(value, pm.uid) if isinstance(value, str) and attr in TEXT_ATTRS else value
            )
            label = ATTR_LABEL.get(attr, attr)
            if attr == "status_key":
                changes.append(
                    ValueChange(
                        attr,
                        label,
                        self.p.status.label_of.get(old or "", old),
                        self.p.status.label_of.get(value or "", value),
                    )
                )
            else:
                changes.append(ValueChange(attr, label, old, new_values[attr]))
        if doc.parent != gref:
            old_goal = self.goals[doc.parent].values["title"] if doc.parent in self.goals else ""
            changes.append(ValueChange("goal", "Ziel", old_goal, context))
            self.preview.ops.append(_Op("move", "measure", mid, gref))
        if new_values:
            self.preview.ops.append(_Op("update", "measure", mid, None, new_values))
        item = PreviewItem(
            "measure",
            doc.values["title"],
            doc.number,
            mid,
            context,
            changes,
            loc.sheet if loc else None,
            loc.row if loc else None,
        )
        (self.preview.changed if changes else self.preview.unchanged).append(item)
        # Deleted on one sheet of our export but still on another that shows its field: missing.
        covering = {sh for sh, fields in self.p.sheet_fields.items() if id(pg.pfield) in fields}
        if pm.uid and pm.sheets < covering:
            absent = ", ".join(f"‚{sh}‘" for sh in sorted(covering - pm.sheets))
            self.preview.missing.append(
                PreviewItem("measure", doc.values["title"], doc.number, mid, f"fehlt auf Blatt {absent}")
            )
            self.preview.missing_ops.append(_Op("delete", "measure", mid))

    def match_measure(self, pm: _PMeasure, gref: Any) -> int | None:
        if pm.uid and pm.uid in self.measure_by_uid:
            mid = self.measure_by_uid[pm.uid]
            if mid not in self.used_measures:
                self.used_measures.add(mid)
                return mid
        if pm.uid and pm.uid not in self.measure_by_uid and pm.loc is not None:
            pass  # an ID from another document: matched by number or title below, else new
        if not isinstance(gref, int):
            return None
        candidates = [m for m in self.measures_by_goal.get(gref, []) if m.id not in self.used_measures]
        titles = [v for v, _l in pm.values.get("title", []) if v is not _UNCHANGED]
        norm = normalize_name(titles[0]) if titles else ""
        if norm:
            for m in candidates:
                if normalize_name(m.values["title"]) == norm:
                    self.used_measures.add(m.id)
                    return m.id
        if pm.number:
            idx = pm.number.split(".")[-1]
            goal_no = self.goals[gref].number
            for m in candidates:
                if m.number == f"{goal_no}.{idx}":
                    self.used_measures.add(m.id)
                    return m.id
        return None


@functools.lru_cache(maxsize=8192)
def _canonical_date(value: str) -> str:
    return parse_month_year(value).canonical()


def _equal(attr: str, new: Any, old: Any) -> bool:
    if attr == "status_key":
        return (new or None) == (old or None)
    if attr in ("start", "end"):
        return _canonical_date(new or "") == _canonical_date(old or "")
    return _same_text(old, new)


# ----------------------------------------------------------------------------------------------
# Entry points
# ----------------------------------------------------------------------------------------------


def read_preview(s: Session, grid: WorkbookGrid) -> ImportPreview:
    """Understand an already read workbook and compare it with the document."""
    preview = ImportPreview(source=grid.path)
    parser = _Parser(grid, StatusReader(statuses(s)), _known_field_names(s))
    tables: dict[int, _Table] = {}
    for sheet in grid.sheets:
        table = parser.find_header(sheet)
        if table is not None:
            tables[sheet.index] = table
    if not tables:
        preview.issues.append(
            Issue(
                "error",
                "In keinem Blatt wurde die Kopfzeile der Umsetzungstabelle gefunden (Spalten wie „Ziel“, "
                "„Maßnahme“, „Status“). Ist das die richtige Datei?",
            )
        )
        return preview
    parser.read_legend(tables)
    for sheet in grid.sheets:
        if sheet.index in tables:
            parser.parse_table(tables[sheet.index])
    preview.sheets_read = parser.sheets_read
    preview.issues.extend(parser.issues)
    if not any(pf.goals for pf in parser.fields.values()) and not parser.fields:
        preview.issues.append(Issue("error", "Die Tabelle enthält keine Ziele und keine Maßnahmen."))
        return preview
    matcher = _Matcher(s, parser, preview)
    matcher.run()
    _read_indicator_sheet(s, grid, preview)
    return preview


def _read_indicator_sheet(s: Session, grid: WorkbookGrid, preview: ImportPreview) -> None:
    """Hook: the sheet "Indikatoren" (new indicators, measured values) into the preview."""
    from kik_desktop.exchange.indicator_sheet import read_indicator_sheet

    reading = read_indicator_sheet(s, grid)
    preview.indicator_changes = reading.proposals
    for p in reading.problems:
        preview.issues.append(Issue(p.level, p.message, p.sheet, p.row, p.column))
    for c in reading.proposals:
        changes = (
            [ValueChange(k, k, c.old.get(k), v) for k, v in c.values.items()] if c.action == "update" else []
        )
        item = PreviewItem("indicator", c.text, c.number, c.indicator_id, "", changes, c.sheet, c.row)
        (preview.new if c.is_new else preview.changed).append(item)


def preview_import(s: Session, path: str | os.PathLike[str]) -> ImportPreview:
    """Read a workbook and compare it with the document in session s; writes nothing.

    Raises WorkbookRejected (German message) when the file cannot be read at all.
    """
    grid = read_workbook(path)
    return read_preview(s, grid)


def preview_document(doc: Any, path: str | os.PathLike[str]) -> ImportPreview:
    with doc.reading() as s:
        return preview_import(s, path)


# ----------------------------------------------------------------------------------------------
# Writing, as one undo step
# ----------------------------------------------------------------------------------------------


@dataclass
class ImportUndo:
    """The import as an undoable change: redo(session) applies it, undo(session) takes it back."""

    ops: list[_Op]
    description: str = ""
    created: dict[str, int] = field(default_factory=dict)  # token → id (stable across redo)
    created_uids: dict[str, str] = field(default_factory=dict)
    _done: list[tuple[str, Any]] = field(default_factory=list)
    indicator_changes: list[Any] = field(default_factory=list)
    _indicators: Any = None

    def _resolve(self, ref: Any) -> Any:
        return self.created[ref] if isinstance(ref, str) else ref

    def redo(self, s: Session) -> ChangeSet:
        """Apply the import; returns the change records of everything it wrote."""
        self._done = []
        changes: list[ChangeSet] = []
        for op in self.ops:
            if op.op == "new":
                parent = self._resolve(op.parent)
                item_id = _append_item(s, op.kind, parent, op.values, self.created.get(op.ref))
                self.created[op.ref] = item_id
                cls = plan.CLASS_OF[op.kind]
                uid = op.uid or self.created_uids.get(op.ref)
                if uid:
                    s.execute(update(cls).where(cls.id == item_id).values(uid=uid))
                else:
                    # Redo gives the item the same uid as the first time.
                    self.created_uids[op.ref] = s.scalars(select(cls.uid).where(cls.id == item_id)).one()
                self._done.append(("new", (op.kind, item_id)))
                position = s.scalar(select(cls.position).where(cls.id == item_id))
                changes.append(ChangeSet((created(op.kind, item_id, parent, int(position or 0), op.values),)))
            elif op.op == "update":
                result = plan.update_item(s, op.kind, self._resolve(op.ref), op.values)
                self._done.append(("update", (op.kind, self._resolve(op.ref), result)))
                changes.append(result.changes)
            elif op.op == "move":
                item_id = self._resolve(op.ref)
                parent = self._resolve(op.parent)
                siblings = plan.child_ids(s, op.kind, parent)
                origin = plan.move_item(s, op.kind, item_id, parent, len(siblings))  # type: ignore[arg-type]
                self._done.append(("move", (op.kind, item_id, origin)))
                changes.append(origin.changes)
            elif op.op == "delete":
                snap = plan.delete_item(s, op.kind, op.ref)  # type: ignore[arg-type]
                self._done.append(("delete", snap))
                changes.append(snap.changes)
        if self.indicator_changes:
            from kik_desktop.exchange.indicator_sheet import IndicatorApplyRecord

            if self._indicators is None:
                self._indicators = IndicatorApplyRecord(self.indicator_changes)
            self._indicators.redo(s)
            changes.append(ChangeSet((reset("indicator"),)))
        s.flush()
        return ChangeSet.of(c for part in changes for c in part)

    def undo(self, s: Session) -> ChangeSet:
        """Take the import back; returns the change records of what that wrote."""
        changes: list[ChangeSet] = []
        if self._indicators is not None:
            self._indicators.undo(s)
            changes.append(ChangeSet((reset("indicator"),)))
        for what, data in reversed(self._done):
            if what == "new":
                kind, item_id = data
                if s.get(plan.CLASS_OF[kind], item_id) is not None:
                    changes.append(plan.delete_item(s, kind, item_id).changes)
            elif what == "update":
                kind, item_id, result = data
                if result.old:
                    back = plan.update_item(s, kind, item_id, result.old, record_history=False)
                    changes.append(back.changes)
                if result.history_id is not None:
                    changes.append(plan.delete_history(s, result.history_id))
            elif what == "move":
                kind, item_id, (old_parent, old_index) = data
                changes.append(plan.move_item(s, kind, item_id, old_parent, old_index).changes)
            elif what == "delete":
                changes.append(plan.restore_item(s, data))
        self._done = []
        s.flush()
        return ChangeSet.of(c for part in changes for c in part)


def _append_item(
    s: Session, kind: str, parent_id: int | None, values: dict[str, Any], item_id: int | None
) -> int:
    """Create an item at the end of its parent: like plan.create_item, without renumbering the siblings
    (an import appends thousands of items; renumbering each time would be quadratic)."""
    cls = plan.CLASS_OF[kind]
    attr = plan.PARENT_ATTR[kind]
    parent_kind = plan.PARENT_KIND[kind]
    if parent_kind is not None and (
        parent_id is None or s.get(plan.CLASS_OF[parent_kind], parent_id) is None
    ):
        raise plan.PlanError("Ein Ziel gehört zu einem Handlungsfeld, eine Maßnahme zu einem Ziel.")
    clean = plan.validate_values(s, kind, values)
    clean.pop("tasks", None)
    query = select(func.coalesce(func.max(cls.position) + 1, 0))
    if attr is not None:
        query = query.where(getattr(cls, attr) == parent_id)
    obj = cls(**clean)
    obj.position = int(s.scalar(query) or 0)
    if item_id is not None:
        obj.id = item_id
    if attr is not None:
        setattr(obj, attr, parent_id)
    if isinstance(obj, Measure):
        obj.updated_at = datetime.now()
    s.add(obj)
    s.flush()
    return int(obj.id)


def prepare_import(preview: ImportPreview, *, delete_missing: bool = False) -> ImportUndo:
    """The undoable change for a confirmed preview; raises ImportBlocked when the preview has errors."""
    if preview.has_errors:
        raise ImportBlocked(
            "Der Import kann nicht übernommen werden:\n" + "\n".join(i.text() for i in preview.errors[:20])
        )
    ops = list(preview.ops)
    if delete_missing:
        ops.extend(preview.missing_ops)
    return ImportUndo(
        ops,
        description=f"Import aus {preview.source.name}",
        indicator_changes=list(preview.indicator_changes),
    )


def apply_import(s: Session, preview: ImportPreview, *, delete_missing: bool = False) -> ImportUndo:
    """Write a confirmed preview in the caller's transaction; returns the undo record."""
    record = prepare_import(preview, delete_missing=delete_missing)
    record.redo(s)
    return record


def import_file(
    doc: Any, path: str | os.PathLike[str], *, delete_missing: bool = False
) -> tuple[ImportPreview, ImportUndo]:
    """Preview and apply in one go (scripts, tests): one transaction, nothing written on any error."""
    preview = preview_document(doc, path)
    record = prepare_import(preview, delete_missing=delete_missing)
    with doc.transaction() as s:
        record.redo(s)
    return preview, record


def issues_text(issues: Iterable[Issue]) -> str:
    return "\n".join(i.text() for i in issues)


__all__ = [
    "ImportBlocked",
    "ImportPreview",
    "ImportUndo",
    "Issue",
    "PreviewItem",
    "ValueChange",
    "WorkbookRejected",
    "apply_import",
    "import_file",
    "prepare_import",
    "preview_document",
    "preview_import",
    "read_preview",
]

"""The vocabulary of the Excel import: issues with their location, the parsed plan (fields, goals,
measures as the file says them), the preview and its operations. Shared by reader, matcher and apply."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Literal

from kik_desktop.domain import wording
from kik_desktop.exchange import headers  # fidelity #18: the header read on each sheet
from kik_desktop.exchange.columns import COLUMNS, column_letter

Level = Literal["error", "warning", "info"]

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
        "priority": "Priorität",
    }
)
_UID = re.compile(r"^[0-9a-f]{32}$")


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
class PField:
    key: tuple[str, str]
    name: str = ""
    number: int | None = None
    uid: str | None = None
    loc: Loc | None = None
    order: int = 0
    explicit: bool = False  # named by a section row, not only by a sheet's name
    exact_name: bool = False  # the name as our own export wrote it (may be empty)
    goals: list[PGoal] = field(default_factory=list)


@dataclass
class PGoal:
    key: tuple[Any, ...]
    pfield: PField
    title: str = ""
    number: str | None = None
    uid: str | None = None
    loc: Loc | None = None
    order: int = 0
    indicator: list[tuple[str, Loc]] = field(default_factory=list)
    titles: list[tuple[str, Loc]] = field(default_factory=list)
    measures: list[PMeasure] = field(default_factory=list)


@dataclass
class PMeasure:
    key: tuple[Any, ...]
    pgoal: PGoal
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
        return f"{self.label}: {show_value(self.old)} → {show_value(self.new)}"


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
class Op:
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
    ops: list[Op] = field(default_factory=list)
    missing_ops: list[Op] = field(default_factory=list)
    sheets_read: list[str] = field(default_factory=list)
    # fidelity #18: the header read on each sheet (column → field with confidence), for the mapping question
    header_matches: dict[str, headers.HeaderMatch] = field(default_factory=dict)
    mapping: dict[str, str] = field(default_factory=dict)  # the overrides this preview was made with
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


def show_value(value: Any) -> str:
    if value is None or value == "":
        return "(leer)"
    text = str(value).replace("\n", " ⏎ ")
    return f"„{text if len(text) <= 60 else text[:57] + '…'}“"


def normalize_name(text: object) -> str:
    """A name or title for matching: Unicode-normalised, case-folded, blanks collapsed, quotes unified."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFKC", str(text)).casefold()
    s = s.translate(_QUOTES)
    return " ".join(s.split())


_QUOTES = str.maketrans({"„": '"', "“": '"', "”": '"', "‚": "'", "‘": "'", "’": "'", "–": "-", "—": "-"})


def cell_text(value: Any) -> str:
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


def parse_uid(value: Any) -> str | None:
    text = cell_text(value).strip().lower()
    return text if _UID.match(text) else None


class Unchanged:
    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Any = Unchanged()

"""The sheet "Indikatoren" of exported and returned workbooks: writing it, reading it, applying it.

Columns: "KIK-ID Indikator" (hidden), "Nr." (goal or measure number), "Indikator", "Einheit",
"Ausgangswert", "Zielwert", "Zieldatum", "Stichtag", "Ist-Wert", "Bemerkung".

- ``write_indicator_sheet(wb, s, ...)`` adds the sheet to any workbook (the full export, a return
  workbook of one field); one row per indicator with its latest measured value.
- ``read_indicator_sheet(s, grid)`` returns plain proposed changes, each with its sheet and row, and
  problems (German, with sheet/row/column); it writes nothing. A row with Stichtag and Ist-Wert adds a
  measured value; a row without ID but with a number and a name creates an indicator; changed
  Einheit/Ausgangswert/Zielwert/Zieldatum/name of a known indicator update it (empty cells change nothing).
- ``apply_indicator_changes(s, proposals)`` writes them and returns a record with the ``ChangeSet``
  and ``undo(s)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import Session

from kik_desktop.domain import indicator_merge as im
from kik_desktop.domain import indicators as ind
from kik_desktop.domain.changes import ChangeSet
from kik_desktop.domain.dates import parse_month_year
from kik_desktop.domain.dispatches import Key, ValueMap
from kik_desktop.domain.merge_apply import MergeIssue, NewItem
from kik_desktop.domain.plan import find_by_number
from kik_desktop.models import Goal, Indicator, Measure

SHEET_TITLE = "Indikatoren"
COLUMNS = (
    "KIK-ID Indikator",
    "Nr.",
    "Indikator",
    "Einheit",
    "Ausgangswert",
    "Zielwert",
    "Zieldatum",
    "Stichtag",
    "Ist-Wert",
    "Bemerkung",
)
KEYS = ("uid", "number", "name", "unit", "baseline", "target", "target_date", "date", "value", "note")
WIDTHS = (34, 8, 46, 18, 13, 10, 11, 10, 10, 34)
LINE_HEIGHT = 13.0
_HEAD_FILL = PatternFill("solid", fgColor="DDE5F0")
_INPUT_FILL = PatternFill("solid", fgColor="FFF8DC")
_THIN = Side(style="thin", color="A0A0A0")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


# -- writing --------------------------------------------------------------------------------------


def _cell(ws: Any, value: Any, *, bold: bool = False, fill: PatternFill | None = None, fmt: str = "") -> Any:
    c = WriteOnlyCell(ws, value=value)
    c.font = Font(name="Calibri", size=10, bold=bold)
    c.border = _BORDER
    c.alignment = Alignment(vertical="top", wrap_text=isinstance(value, str))
    if fill is not None:
        c.fill = fill
    if fmt:
        c.number_format = fmt
    return c


def _lines(text: str, width: float) -> int:
    chars = max(1.0, width * 1.05)
    return max(1, sum(max(1, -(-len(part) // int(chars))) for part in (text or "").split("\n")))


def indicator_rows(
    s: Session, field_numbers: set[int] | None = None, measure_ids: Iterable[int] | None = None
) -> list[tuple[str, ind.IndicatorRow]]:
    """(owner number, indicator) in tree order, limited to some fields (None: all) and to some measures
    with their goals (None: all)."""
    numbers = ind.owner_numbers(s)
    owners: set[tuple[str, int]] | None = None
    if measure_ids is not None:
        wanted = set(measure_ids)
        owners = {("measure", m) for m in wanted}
        for mid, gid in s.execute(select(Measure.id, Measure.goal_id)):
            if mid in wanted:
                owners.add(("goal", gid))
    rows = []
    for r in ind.all_indicators(s):
        number = numbers.get((r.owner_kind, r.owner_id), "")
        if field_numbers is not None and (not number or int(number.split(".")[0]) not in field_numbers):
            continue
        if owners is not None and (r.owner_kind, r.owner_id) not in owners:
            continue
        rows.append((number, r))
    rows.sort(key=lambda nr: (tuple(int(p) for p in nr[0].split(".") if p.isdigit()), nr[1].position))
    return rows


def write_indicator_sheet(
    wb: Any,
    s: Session,
    *,
    field_numbers: set[int] | None = None,
    title: str = SHEET_TITLE,
    measure_ids: Iterable[int] | None = None,
    base: ValueMap | None = None,
) -> str:
    """Add the sheet "Indikatoren" to wb (write-only or normal workbook); returns its title.

    ``measure_ids``: only the indicators of these measures and their goals. ``base``: a dispatch's base
    (``dispatches.ValueMap``) to which the values of the written indicators are added
    (``domain.indicator_merge.base_of``), so that the returned sheet is merged three-way."""
    ws = wb.create_sheet(title)
    for i, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.column_dimensions["A"].hidden = True
    ws.freeze_panes = "C2"
    # Page set-up before the first row (a write-only sheet writes it with the sheet's top).
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.append([_cell(ws, h, bold=True, fill=_HEAD_FILL) for h in COLUMNS])
    rows = indicator_rows(s, field_numbers, measure_ids)
    if base is not None:
        base.update(im.base_of(r for _n, r in rows))
    for i, (number, r) in enumerate(rows, start=2):
        latest = r.latest
        # Row height from the longest wrapped text (no spreadsheet program fits it on opening).
        lines = max(
            _lines(text, WIDTHS[col])
            for col, text in ((2, r.name), (3, r.unit), (9, latest.note if latest else ""))
        )
        ws.row_dimensions[i].height = LINE_HEIGHT * lines + 2
        ws.append(
            [
                _cell(ws, r.uid),
                _cell(ws, number),
                _cell(ws, r.name),
                _cell(ws, r.unit),
                _cell(ws, r.baseline_value, fmt="#,##0.##"),
                _cell(ws, r.target_value, fmt="#,##0.##"),
                _cell(ws, r.target_date),
                _cell(ws, latest.date_text if latest else None, fill=_INPUT_FILL),
                _cell(ws, latest.value if latest else None, fill=_INPUT_FILL, fmt="#,##0.##"),
                _cell(ws, latest.note if latest else None, fill=_INPUT_FILL),
            ]
        )
    # Room for new rows: a group adds a measured value (copy the row, new Stichtag and Ist-Wert) or a
    # new indicator (Nr. of the goal or measure, name, target).
    for _ in range(10):
        ws.append([_cell(ws, None)] + [_cell(ws, None, fill=_INPUT_FILL) for _ in COLUMNS[1:]])
    ws.auto_filter.ref = f"B1:J{len(rows) + 11}"
    ws.print_title_rows = "1:1"

    ws.oddFooter.center.text = "Seite &P von &N"
    return str(ws.title)


# -- reading --------------------------------------------------------------------------------------

Action = Literal["create", "update", "value"]


@dataclass(frozen=True)
class SheetProblem:
    level: Literal["error", "warning"]
    message: str
    sheet: str
    row: int | None = None
    column: int | None = None


@dataclass(frozen=True)
class ProposedIndicatorChange:
    """One change the sheet asks for; applied by apply_indicator_changes, shown in the preview."""

    action: Action
    sheet: str
    row: int
    number: str  # the goal's or measure's number
    name: str
    indicator_id: int | None = None  # existing indicator (update, value)
    owner_kind: str = ""  # create: goal or measure
    owner_id: int | None = None
    values: dict[str, Any] = field(default_factory=dict)  # create/update: indicator attributes
    old: dict[str, Any] = field(default_factory=dict)  # update: the document's values
    when: tuple[int, int] | None = None  # value: (year, month)
    value: float | None = None
    old_value: float | None = None  # value: the value of that month in the document, if any
    note: str = ""
    new_ref: int | None = None  # value of an indicator created by row new_ref of this sheet

    @property
    def is_new(self) -> bool:
        return self.action == "create" or (self.action == "value" and self.old_value is None)

    @property
    def text(self) -> str:
        """German line for the preview."""
        if self.action == "create":
            return f"neuer Indikator „{self.name}“ bei {self.number}"
        if self.action == "update":
            return f"Indikator „{self.name}“ ({self.number}) geändert"
        assert self.when is not None and self.value is not None
        when = f"{self.when[1]:02d}/{self.when[0]}"
        if self.old_value is not None:
            return (
                f"Ist-Wert {when} von „{self.name}“ ({self.number}): "
                f"{ind.format_number(self.old_value)} → {ind.format_number(self.value)}"
            )
        return f"neuer Ist-Wert {when} für „{self.name}“ ({self.number}): {ind.format_number(self.value)}"


@dataclass
class IndicatorSheetReading:
    proposals: list[ProposedIndicatorChange] = field(default_factory=list)
    problems: list[SheetProblem] = field(default_factory=list)
    sheet: str | None = None

    @property
    def has_errors(self) -> bool:
        return any(p.level == "error" for p in self.problems)


def _normal(text: Any) -> str:
    return " ".join(str(text or "").replace("\n", " ").split()).casefold().rstrip(".:")


_HEADERS = {_normal(h): k for h, k in zip(COLUMNS, KEYS, strict=True)}
_HEADERS.update(
    {"nr": "number", "nummer": "number", "istwert": "value", "ist wert": "value", "datum": "date"}
)


def _find_sheet(grid: Any) -> tuple[Any, int, dict[str, int]] | None:
    for sheet in grid.sheets:
        for r in sorted(sheet.cells)[:10]:
            cols: dict[str, int] = {}
            for c, (value, _style) in sheet.cells[r].items():
                key = _HEADERS.get(_normal(value))
                if key and key not in cols:
                    cols[key] = c
            if {"name", "value", "date"} <= set(cols) and ("number" in cols or "uid" in cols):
                return sheet, r, cols
    return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return f"{value.month:02d}/{value.year}"
    return " ".join(str(value).split())


@dataclass(frozen=True)
class _SheetRow:
    """One filled row of the sheet, read and checked (attributes validated, value and date parsed)."""

    row: int
    uid: str | None
    number: str
    name: str
    when: tuple[int, int] | None
    value: float | None
    clean: dict[str, Any]
    note: str


Problem = Callable[..., None]


def _sheet_rows(sheet: Any, header: int, cols: dict[str, int], problem: Problem) -> Iterator[_SheetRow]:
    """The filled rows below the header; rows that cannot be read are reported and left out."""
    for r in sorted(sheet.cells):
        if r <= header:
            continue
        cells = sheet.cells[r]

        def get(key: str, cells: dict[int, tuple[Any, int]] = cells) -> Any:
            c = cols.get(key)
            if c is None or c not in cells:
                return None
            value = cells[c][0]
            return None if isinstance(value, str) and not value.strip() else value

        raw = {k: get(k) for k in KEYS}
        if all(v is None for v in raw.values()):
            continue
        uid = _text(raw["uid"]).lower() or None
        number = _text(raw["number"]).strip().rstrip(".")
        name = _text(raw["name"])
        # Measured value of this row (both cells or neither).
        when: tuple[int, int] | None = None
        value: float | None = None
        if raw["date"] is not None or raw["value"] is not None:
            if raw["date"] is None:
                problem(r, "date", "Ist-Wert ohne Stichtag: bitte den Monat eintragen (z. B. 05/2026).")
                continue
            if raw["value"] is None:
                problem(r, "value", "Stichtag ohne Ist-Wert: bitte den gemessenen Wert eintragen.")
                continue
            try:
                when = ind.parse_value_date(raw["date"])
            except ind.IndicatorError as exc:
                problem(r, "date", str(exc))
                continue
            try:
                value = ind.parse_number(raw["value"])
            except ind.IndicatorError as exc:
                problem(r, "value", f"Ist-Wert: {exc}")
                continue
        attrs: dict[str, Any] = {}
        for key, attr in (("unit", "unit"), ("baseline", "baseline_value"), ("target", "target_value")):
            if raw[key] is not None:
                attrs[attr] = raw[key] if key != "unit" else _text(raw[key])
        if raw["target_date"] is not None:
            parsed = parse_month_year(raw["target_date"])
            attrs["target_date"] = (
                parsed.canonical() if parsed.year is not None else _text(raw["target_date"])
            )
        if name:
            attrs["name"] = name
        try:
            clean = ind.validate_indicator(attrs)
        except ind.IndicatorError as exc:
            problem(r, None, str(exc))
            continue
        note = _text(raw["note"])
        yield _SheetRow(r, uid, number, name, when, value, clean, note)


def read_indicator_sheet(s: Session, grid: Any) -> IndicatorSheetReading:
    """Understand the "Indikatoren" sheet of a workbook grid (workbook_reader.WorkbookGrid)."""
    out = IndicatorSheetReading()
    found = _find_sheet(grid)
    if found is None:
        return out
    sheet, header, cols = found
    out.sheet = sheet.title
    by_uid = {i.uid: i for i in s.scalars(select(Indicator))}
    rows_by_id = {r.id: r for r in ind.all_indicators(s)}
    numbers = ind.owner_numbers(s)
    created: dict[tuple[str, str], int] = {}  # (number, name) → row of this sheet creating it

    def problem(
        row: int, key: str | None, message: str, level: Literal["error", "warning"] = "error"
    ) -> None:
        out.problems.append(SheetProblem(level, message, sheet.title, row, cols.get(key) if key else None))

    for line in _sheet_rows(sheet, header, cols, problem):
        r, uid, number, name = line.row, line.uid, line.number, line.name
        when, value, clean, note = line.when, line.value, line.clean, line.note
        if uid:
            existing = by_uid.get(uid)
            if existing is None:
                problem(
                    r,
                    "uid",
                    "Die KIK-ID des Indikators gibt es im Dokument nicht (gelöscht?). Für einen neuen "
                    "Indikator die KIK-ID leer lassen.",
                )
                continue
            row = rows_by_id[existing.id]
            owner_no = numbers.get((row.owner_kind, row.owner_id), "")
            changed = {k: v for k, v in clean.items() if getattr(row, k) != v}
            if changed:
                out.proposals.append(
                    ProposedIndicatorChange(
                        "update",
                        sheet.title,
                        r,
                        owner_no,
                        row.name,
                        indicator_id=row.id,
                        values=changed,
                        old={k: getattr(row, k) for k in changed},
                    )
                )
            if when is not None and value is not None:
                old = next((v for v in row.values if (v.year, v.month) == when), None)
                if old is None or old.value != value or (note and old.note != note):
                    out.proposals.append(
                        ProposedIndicatorChange(
                            "value",
                            sheet.title,
                            r,
                            owner_no,
                            clean.get("name", row.name),
                            indicator_id=row.id,
                            when=when,
                            value=value,
                            old_value=None if old is None else old.value,
                            note=note or (old.note if old else ""),
                        )
                    )
            continue
        # No ID: a new indicator (number + name), or a value for one created further up.
        if not number and not name:
            problem(
                r, "number", "Zeile ohne Nr. und ohne Indikator: bitte beides angeben oder die Zeile leeren."
            )
            continue
        if not number:
            problem(
                r,
                "number",
                f"Neuer Indikator „{name}“ ohne Nr.: bitte die Nummer des Ziels oder der Maßnahme.",
            )
            continue
        if not name:
            problem(r, "name", f"Zeile mit Nr. {number} ohne Namen des Indikators.")
            continue
        target = find_by_number(s, number)
        if target is None or target[0] == "field":
            problem(
                r,
                "number",
                f"Nr. „{number}“ ist kein Ziel und keine Maßnahme des Dokuments (z. B. 2.3 oder 2.3.1).",
            )
            continue
        kind, owner_id = target
        same = next(
            (
                x
                for x in rows_by_id.values()
                if (x.owner_kind, x.owner_id) == (kind, owner_id) and x.name.casefold() == name.casefold()
            ),
            None,
        )
        new_key = (number, name.casefold())
        if same is not None:
            problem(
                r,
                "uid",
                f"Den Indikator „{name}“ hat {number} schon: die KIK-ID fehlt in der Zeile; übernommen wird "
                "er als derselbe Indikator.",
                "warning",
            )
            if when is not None and value is not None:
                old = next((v for v in same.values if (v.year, v.month) == when), None)
                if old is None or old.value != value:
                    out.proposals.append(
                        ProposedIndicatorChange(
                            "value",
                            sheet.title,
                            r,
                            number,
                            same.name,
                            indicator_id=same.id,
                            when=when,
                            value=value,
                            old_value=None if old is None else old.value,
                            note=note,
                        )
                    )
            continue
        if new_key not in created:
            created[new_key] = r
            out.proposals.append(
                ProposedIndicatorChange(
                    "create", sheet.title, r, number, name, owner_kind=kind, owner_id=owner_id, values=clean
                )
            )
        if when is not None and value is not None:
            out.proposals.append(
                ProposedIndicatorChange(
                    "value",
                    sheet.title,
                    r,
                    number,
                    name,
                    when=when,
                    value=value,
                    note=note,
                    new_ref=created[new_key],
                )
            )
    return out


# -- three-way reading (a workbook with a known dispatch) ------------------------------------------


@dataclass
class IndicatorMergeReading:
    """The sheet as the three-way merge's input: values per ("indicator", uid), new indicators, issues,
    and the numbers (owner's) and titles (names) of the indicators for the preview."""

    incoming: ValueMap = field(default_factory=dict)
    new_items: list[NewItem] = field(default_factory=list)
    issues: list[MergeIssue] = field(default_factory=list)
    numbers: dict[Key, str] = field(default_factory=dict)
    titles: dict[Key, str] = field(default_factory=dict)
    sheet: str | None = None  # the title of the sheet read (None: the workbook has none)


def _merge_values(line: _SheetRow) -> dict[str, str]:
    """The merge's values of a row: the filled attribute cells (empty cells change nothing) and the
    measured value of its Stichtag with its note."""
    out: dict[str, str] = {}
    for key, attr in im.ATTRS.items():
        if attr in line.clean:
            out[key] = im.text(key, line.clean[attr])
    if line.when is not None and line.value is not None:
        out[im.value_attribute(*line.when)] = im.number_text(line.value)
        if line.note:
            out[im.note_attribute(*line.when)] = line.note
    return out


def _drop_carried_note(values: dict[str, str], sent: dict[str, str] | None, line: _SheetRow) -> None:
    """The exported row showed the latest value with its note; a group that writes a new Stichtag and
    Ist-Wert over it often leaves that note standing. A note that is still the sent one belongs to the
    sent month, not to the new one."""
    if sent is None or line.when is None or not line.note:
        return
    months = [m for a in sent if (m := im.month_attribute(a)) is not None and m[0] == im.VALUE]
    if not months:
        return
    latest = max(when for _what, when in months)
    if latest != line.when and sent.get(im.note_attribute(*latest), "") == line.note:
        values.pop(im.note_attribute(*line.when), None)


def read_indicator_merge(s: Session, grid: Any, base: ValueMap) -> IndicatorMergeReading:
    """Read the sheet "Indikatoren" for the three-way merge against ``base`` (the dispatch's values).

    Rows with a KIK-ID give values of that indicator (several rows of one indicator: the row that changed
    a value against the base wins); a row without ID but with Nr. and name creates an indicator (or, when
    the goal or measure has one of that name, is that indicator). A measured month the base does not know
    gets an empty base value (added to ``base``): new there, so the document's own value for that month
    makes a conflict instead of being overwritten."""
    out = IndicatorMergeReading()
    found = _find_sheet(grid)
    if found is None:
        return out
    sheet, header, cols = found
    out.sheet = sheet.title
    rows_by_uid = {r.uid: r for r in ind.all_indicators(s)}
    numbers = ind.owner_numbers(s)
    owner_uids: dict[tuple[str, int], str] = {}
    for kind, cls in (("goal", Goal), ("measure", Measure)):
        for item_id, uid in s.execute(select(cls.id, cls.uid)):
            owner_uids[(kind, int(item_id))] = uid
    new_by_key: dict[tuple[str, int, str], NewItem] = {}

    def problem(
        row: int, key: str | None, message: str, level: Literal["error", "warning"] = "error"
    ) -> None:
        out.issues.append(MergeIssue(level, message, sheet.title, row, cols.get(key) if key else None))

    def add(key: Key, values: dict[str, str]) -> None:
        target = out.incoming.setdefault(key, {})
        known = base.get(key, {})
        for attr, value in values.items():
            if attr not in target or (target[attr] == known.get(attr) and value != known.get(attr)):
                target[attr] = value

    def existing(key: Key, r: ind.IndicatorRow) -> None:
        out.numbers[key] = numbers.get((r.owner_kind, r.owner_id), "")
        out.titles[key] = r.name

    for line in _sheet_rows(sheet, header, cols, problem):
        values = _merge_values(line)
        if line.uid:
            key = (im.KIND, line.uid)
            _drop_carried_note(values, base.get(key), line)
            found_row = rows_by_uid.get(line.uid)
            if found_row is None:
                if key in base:
                    problem(
                        line.row,
                        None,
                        f"Der Indikator „{line.name or line.uid}“ wurde inzwischen im Dokument gelöscht "
                        "und bleibt gelöscht.",
                        "warning",
                    )
                else:
                    problem(
                        line.row,
                        "uid",
                        "Die KIK-ID des Indikators gibt es im Dokument nicht (gelöscht?). Für einen neuen "
                        "Indikator die KIK-ID leer lassen.",
                    )
                continue
            existing(key, found_row)
            add(key, values)
            continue
        if not line.number or not line.name:
            if not line.number and not line.name:
                message = "Zeile ohne Nr. und ohne Indikator: bitte beides angeben oder die Zeile leeren."
            elif not line.number:
                message = (
                    f"Neuer Indikator „{line.name}“ ohne Nr.: bitte die Nummer des Ziels oder der Maßnahme."
                )
            else:
                message = f"Zeile mit Nr. {line.number} ohne Namen des Indikators."
            problem(line.row, "number" if not line.number else "name", message)
            continue
        target = find_by_number(s, line.number)
        if target is None or target[0] == "field":
            problem(
                line.row,
                "number",
                f"Nr. „{line.number}“ ist kein Ziel und keine Maßnahme des Dokuments (z. B. 2.3 oder 2.3.1).",
            )
            continue
        kind, owner_id = target
        same = next(
            (
                r
                for r in rows_by_uid.values()
                if (r.owner_kind, r.owner_id) == (kind, owner_id)
                and r.name.casefold() == line.name.casefold()
            ),
            None,
        )
        if same is not None:
            problem(
                line.row,
                "uid",
                f"Den Indikator „{line.name}“ hat {line.number} schon: die KIK-ID fehlt in der Zeile; "
                "übernommen wird er als derselbe Indikator.",
                "warning",
            )
            key = (im.KIND, same.uid)
            existing(key, same)
            values.pop("name", None)
            add(key, values)
            continue
        new_key = (kind, owner_id, line.name.casefold())
        item = new_by_key.get(new_key)
        if item is None:
            item = NewItem(im.KIND, None, (kind, owner_uids[(kind, owner_id)]), {}, sheet.title, line.row)
            new_by_key[new_key] = item
            out.new_items.append(item)
        for attr, value in values.items():
            item.values.setdefault(attr, value)
    im.fill_new_months(base, out.incoming)
    return out


def merge_indicator_sheet(s: Session, grid: Any, base: ValueMap, current: ValueMap) -> IndicatorMergeReading:
    """The sheet "Indikatoren" for the three-way merge against a dispatch's ``base``: its values, new
    indicators and issues (``read_indicator_merge``); adds the document's values of the
    indicators it names to ``current``. Any reader of a dispatched workbook with that sheet calls it."""
    reading = read_indicator_merge(s, grid, base)
    if reading.incoming:
        current.update(im.current_values(s, {uid for _k, uid in reading.incoming}))
    return reading


# -- applying ---------------------------------------------------------------------------------------


@dataclass
class IndicatorApplyRecord:
    """What apply_indicator_changes did: its ChangeSet, and undo(s) to take it back (redo-stable ids)."""

    proposals: list[ProposedIndicatorChange]
    changes: ChangeSet = field(default_factory=ChangeSet)
    created_ids: dict[int, int] = field(default_factory=dict)  # sheet row → indicator id
    created_uids: dict[int, str] = field(default_factory=dict)
    _undo: list[tuple[str, Any]] = field(default_factory=list)

    def redo(self, s: Session) -> ChangeSet:
        self._undo = []
        changes = ChangeSet()
        for p in self.proposals:
            if p.action == "create":
                assert p.owner_id is not None
                iid, cs = ind.create_indicator(
                    s,
                    p.owner_kind,
                    p.owner_id,
                    p.values,
                    item_id=self.created_ids.get(p.row),
                    uid=self.created_uids.get(p.row),
                )
                self.created_ids[p.row] = iid
                self.created_uids[p.row] = ind.get_indicator(s, iid).uid
                self._undo.append(("create", iid))
                changes = changes + cs
            elif p.action == "update":
                assert p.indicator_id is not None
                upd = ind.update_indicator(s, p.indicator_id, p.values)
                self._undo.append(("update", (p.indicator_id, upd.old)))
                changes = changes + upd.changes
            else:
                target = p.indicator_id if p.indicator_id is not None else self.created_ids[p.new_ref or 0]
                edit = ind.set_value(s, target, p.when, p.value, note=p.note)
                self._undo.append(("value", edit))
                changes = changes + edit.changes
        s.flush()
        self.changes = changes
        return changes

    def undo(self, s: Session) -> None:
        for what, data in reversed(self._undo):
            if what == "value":
                ind.undo_value(s, data)
            elif what == "update":
                iid, old = data
                if old:
                    ind.update_indicator(s, iid, old)
            elif what == "create" and s.get(Indicator, data) is not None:
                ind.delete_indicator(s, data)
        self._undo = []
        s.flush()


def apply_indicator_changes(s: Session, proposals: list[ProposedIndicatorChange]) -> IndicatorApplyRecord:
    """Write the proposed changes in the caller's transaction; returns the record (changes, undo)."""
    record = IndicatorApplyRecord(list(proposals))
    record.redo(s)
    return record

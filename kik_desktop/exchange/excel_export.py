"""Export of the implementation table (Umsetzungstabelle) to an .xlsx workbook.

One sheet with all measures (the field and the priority as columns of their own, with an autofilter:
a working group filters its field instead of a sheet per field, so that the workbook prints every
measure once), a legend of the statuses and the institutions. The workbook is written to a temporary
file next to the target and renamed into place, so an interrupted export never leaves a damaged file
behind.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kik_desktop.domain.dates import MonthYear, parse_month_year
from kik_desktop.domain.plan import PRIORITIES
from kik_desktop.domain.queries import StatusInfo, statuses
from kik_desktop.exchange.cells import (
    add_enforced_list,
    clean_cell_text,
    estimate_lines,
    safe_sheet_title,
    word_width,
)
from kik_desktop.exchange.columns import COLUMNS, FIELD_COLUMN, ID_COLUMNS, PRIORITY_COLUMN, column_letter
from kik_desktop.models import Field, Goal, Institution, Measure

# openpyxl is imported inside the functions that write a workbook: the window imports this module at
# start (its Excel menu), the program should not pay for openpyxl until something is exported.
if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.cell import Cell

ALL_SHEET = "Alle Maßnahmen"
LEGEND_SHEET = "Legende"
INSTITUTION_SHEET = "Institutionen"
TITLE = "Kommunales Integrationskonzept Kempten (KIK) – Umsetzungstabelle"
HEADER_ROW = 3
FIRST_DATA_ROW = HEADER_ROW + 1
FONT = "Calibri"
LINE_HEIGHT = 12.75  # one line of Calibri 10 (Excel's row height for it)
# Column widths in characters: the twelve columns on A4 landscape, fitted to the page width. The
# description is widest (it holds the most text: every character of width there saves lines in every row,
# and the rows' lines are the printed pages: 1,000 measures print on 68 pages, bench/excel_pages.py);
# the goal and the measure title next (long bold texts repeated on each row); dates and the field narrow.
# Each column at least as wide as its longest word (``_column_widths``), so that German compounds
# ("Neuzugewanderte") are not cut.
EXPORT_WIDTHS = (26, 16, 24, 62, 15, 18, 22, 20, 12, 11, 18, 19)
MAX_WORD_WIDTH = 26
FIELD_WIDTH = 14
PRIORITY_WIDTH = 10
DATA_FONT_SIZE = 10
N_TABLE = len(COLUMNS)  # 12 visible columns
N_ALL = N_TABLE + len(ID_COLUMNS)  # plus the hidden uid columns
FIELD_COL = N_ALL + 1  # "Handlungsfeld" after the hidden ids ("Alle Maßnahmen")
PRIORITY_COL = N_ALL + 2  # "Priorität" after it
STATUS_COL = [c.key for c in COLUMNS].index("status") + 1
DATE_FORMAT = "MM/YYYY"
SECTION_FILL = "DDEBF7"
HEADER_FILL = "1F4E78"

# Characters no xlsx may contain (openpyxl raises IllegalCharacterError for them).
_RISKY_START = ("=", "+", "-", "@", "\t", "\r")
_HEX_UID = re.compile(r"\A[0-9a-f]{32}\Z")


class ExportError(Exception):
    """The export failed; the message is German and meant for the user."""


@dataclass
class ExportResult:
    path: Path
    measures: int = 0
    goals: int = 0
    fields: int = 0
    sheets: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class _MeasureRow:
    uid: str
    number: str
    values: dict[str, Any]


@dataclass
class _GoalRow:
    uid: str
    number: str
    title: str
    indicator: str
    measures: list[_MeasureRow] = field(default_factory=list)


@dataclass
class _FieldRow:
    uid: str
    number: str
    name: str
    goals: list[_GoalRow] = field(default_factory=list)


def load_table(s: Session) -> list[_FieldRow]:
    """The plan in tree order with numbers, in three queries."""
    fields = [
        _FieldRow(r.uid, str(i), r.name)
        for i, r in enumerate(
            s.execute(select(Field.id, Field.uid, Field.name).order_by(Field.position, Field.id)), 1
        )
    ]
    field_ids = [r[0] for r in s.execute(select(Field.id).order_by(Field.position, Field.id))]
    by_field = dict(zip(field_ids, fields, strict=True))
    goals: dict[int, _GoalRow] = {}
    for r in s.execute(
        select(Goal.id, Goal.field_id, Goal.uid, Goal.title, Goal.indicator).order_by(Goal.position, Goal.id)
    ):
        f = by_field[r.field_id]
        g = _GoalRow(r.uid, f"{f.number}.{len(f.goals) + 1}", r.title or "", r.indicator or "")
        f.goals.append(g)
        goals[r.id] = g
    attrs = [c.attr for c in COLUMNS if c.level == "measure"] + [PRIORITY_COLUMN.attr]
    cols = [getattr(Measure, a) for a in attrs]
    for r in s.execute(select(Measure.goal_id, Measure.uid, *cols).order_by(Measure.position, Measure.id)):
        g = goals[r[0]]
        values = dict(zip(attrs, r[2:], strict=True))
        g.measures.append(_MeasureRow(str(r[1]), f"{g.number}.{len(g.measures) + 1}", values))
    return fields


def field_sheet_title(number: str, name: str) -> str:
    return f"HF {number} {name}"


@functools.lru_cache(maxsize=4096)
def _parse_date(value: str) -> MonthYear:
    return parse_month_year(value)


@functools.lru_cache(maxsize=4096)
def _first_of_month(value: str) -> datetime | None:
    """The date a month/year text is written as (the first of the month), None if it is no date."""
    parsed = _parse_date(value)
    if parsed.year is not None and parsed.month is not None:
        return datetime(parsed.year, parsed.month, 1)
    return None


@functools.cache
def _prepared_cell_class() -> Any:
    """A Cell whose style id is looked up once when it is made (openpyxl's style_id property hashes the
    style array of every cell again when the row is written); write_row reads style_id and has_style."""
    from openpyxl.cell import Cell

    class PreparedCell(Cell):  # type: ignore[misc]  # openpyxl has no type hints
        __slots__ = ("has_style", "style_id")

    return PreparedCell


def _style_id(ws: Any, style: Any) -> int:
    """The workbook's index of a style array, registered on first use exactly as openpyxl would (the
    order of first use decides the numbers in styles.xml), then remembered by the array's identity."""
    wb = ws.parent
    memo: dict[int, tuple[Any, int]] | None = wb.__dict__.get("_kik_style_ids")
    if memo is None:
        memo = wb.__dict__["_kik_style_ids"] = {}
    known = memo.get(id(style))
    if known is None:
        known = memo[id(style)] = (style, wb._cell_styles.add(style))  # keeps the array (and its id) alive
    return known[1]


def _text_cell(ws: Any, value: str, style: Any) -> Cell:
    """A string cell with a precomputed style, built without Cell.__init__ (which allocates a style
    array and runs the type dispatch of the value setter): the export writes about 20 of these per
    measure. data_type "s" makes openpyxl write an inline string, never a formula."""
    return _prepared_cell(ws, value, "s", style)


def _prepared_cell(ws: Any, value: Any, data_type: str, style: Any) -> Cell:
    """A cell of the given type and style array (None: unstyled), style id looked up now."""
    cls = _prepared_cell_class()
    cell = cls.__new__(cls)
    cell.parent = ws
    cell.row = 0
    cell.column = 0
    cell._value = value
    cell.data_type = data_type
    cell._style = style
    cell._hyperlink = None
    cell._comment = None
    styled = style is not None and any(style)
    cell.has_style = styled
    if styled:
        cell.style_id = _style_id(ws, style)
    return cell


class _Styles:
    """Precomputed style arrays, so each cell costs an assignment instead of a style lookup."""

    def __init__(self, wb: Workbook, ws: Any, status_list: list[StatusInfo]) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

        thin = Side(style="thin", color="A6A6A6")
        plain = Font(name=FONT, size=DATA_FONT_SIZE)
        border = Border(left=thin, right=thin, top=thin, bottom=thin)
        wrap = Alignment(wrap_text=True, vertical="top")

        def make(**kw: Any) -> Any:
            cell = WriteOnlyCell(ws)
            for k, v in kw.items():
                setattr(cell, k, v)
            return cell._style

        self.text = make(font=plain, alignment=wrap, border=border)
        self.text_quoted = make(font=plain, alignment=wrap, border=border, quotePrefix=True)
        self.date = make(
            font=plain,
            alignment=Alignment(vertical="top", horizontal="left"),
            border=border,
            number_format=DATE_FORMAT,
        )
        self.header = make(
            font=Font(name=FONT, size=10, bold=True, color="FFFFFF"),
            fill=PatternFill("solid", fgColor=HEADER_FILL),
            alignment=Alignment(wrap_text=True, vertical="center"),
            border=border,
        )
        self.title = make(font=Font(name=FONT, bold=True, size=14))
        self.subtitle = make(font=Font(name=FONT, italic=True, color="595959"))
        self.section = make(
            font=Font(name=FONT, bold=True, size=12),
            fill=PatternFill("solid", fgColor=SECTION_FILL),
            alignment=Alignment(vertical="center"),
            border=border,
        )
        self.hidden_id = make(font=Font(name=FONT, color="808080", size=8))
        self.status: dict[str, Any] = {}
        self.status_quoted: dict[str, Any] = {}
        for st in status_list:
            fill = PatternFill("solid", fgColor=st.color or "FFFFFF")
            self.status[st.key] = make(font=plain, alignment=wrap, border=border, fill=fill)
            self.status_quoted[st.key] = make(
                font=plain, alignment=wrap, border=border, fill=fill, quotePrefix=True
            )
        self.bold = make(font=Font(name=FONT, size=DATA_FONT_SIZE, bold=True), alignment=wrap, border=border)
        self.symbol: dict[str, Any] = {}
        for st in status_list:
            self.symbol[st.key] = make(
                font=Font(name=FONT, size=12, bold=True),
                alignment=Alignment(horizontal="center", vertical="center"),
                border=border,
                fill=PatternFill("solid", fgColor=st.color or "FFFFFF"),
            )


class _SheetWriter:
    """Writes one table sheet row by row in write-only mode."""

    def __init__(
        self,
        wb: Workbook,
        ws: Any,
        styles: _Styles,
        labels: dict[str, str],
        warnings: list[str],
        *,
        field_column: bool = False,
        widths: tuple[float, ...] = EXPORT_WIDTHS,
    ) -> None:
        # With field_column the field is its own visible column after the hidden ids ("Alle Maßnahmen"),
        # so the twelve columns and the ids keep their places.
        self.field_column = field_column
        self.widths = widths
        self.wb = wb
        self.ws = ws
        self.st = styles
        self.labels = labels
        self.warnings = warnings
        self.row = 0
        self.today = date.today()

    def text_cell(self, value: str, where: str, style: Any = None, quoted_style: Any = None) -> Any:
        if not value:
            return None
        value = clean_cell_text(value, where, self.warnings)
        if value.startswith(_RISKY_START):
            return _text_cell(
                self.ws, value, quoted_style if quoted_style is not None else self.st.text_quoted
            )
        return _text_cell(self.ws, value, style if style is not None else self.st.text)

    def styled_empty(self, style: Any) -> Any:
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(self.ws)
        cell._style = style
        return cell

    def date_cell(self, value: str, where: str) -> Any:
        if not value:
            return None
        when = _first_of_month(value)
        if when is not None:
            return _prepared_cell(self.ws, when, "d", self.st.date)
        return self.text_cell(value, where)

    def append(self, cells: Iterable[Any], *, fit: bool = False, height: float | None = None) -> None:
        """Write a row; with fit, its height is estimated from the wrapped texts (no program fits
        row heights reliably when it opens a file)."""
        row = list(cells)
        if fit:
            lines = 1
            for i, cell in enumerate(row[:N_TABLE]):
                value = getattr(cell, "_value", None)
                if isinstance(value, str) and value:
                    lines = max(lines, estimate_lines(value, self.widths[i], bold=i in (0, 2)))
            if self.field_column and len(row) > N_ALL:
                value = getattr(row[N_ALL], "_value", None)
                if isinstance(value, str):
                    lines = max(lines, estimate_lines(value, FIELD_WIDTH))
            height = min(409.0, LINE_HEIGHT * lines + 3)
        if height is not None:
            self.ws.row_dimensions[self.row + 1].height = height
        self.ws.append(row)
        self.row += 1

    def write_top(self, title: str, subtitle: str) -> None:
        from openpyxl.cell import WriteOnlyCell

        t = WriteOnlyCell(self.ws, value=clean_cell_text(title, "Titel", self.warnings))
        t.data_type = "s"
        t._style = self.st.title
        sub = WriteOnlyCell(self.ws, value=subtitle)
        sub._style = self.st.subtitle
        self.append([t], height=24)
        self.append([sub], height=18)
        header = []
        for col in (*COLUMNS, *ID_COLUMNS, *((FIELD_COLUMN, PRIORITY_COLUMN) if self.field_column else ())):
            c = WriteOnlyCell(self.ws, value=col.header)
            c._style = self.st.header
            header.append(c)
        shown = [*zip(self.widths, (c.header for c in COLUMNS), strict=True)]
        if self.field_column:
            shown += [(FIELD_WIDTH, FIELD_COLUMN.header), (PRIORITY_WIDTH, PRIORITY_COLUMN.header)]
        lines = max(estimate_lines(text, width, bold=True) for width, text in shown)
        self.append(header, height=LINE_HEIGHT * lines + 4)

    def _id(self, uid: str) -> Any:
        from openpyxl.cell import WriteOnlyCell

        if _HEX_UID.match(uid):
            return _prepared_cell(self.ws, uid, "s", None)  # unstyled, as openpyxl writes a plain value
        cell = WriteOnlyCell(self.ws, value=clean_cell_text(uid, "ID", self.warnings))
        cell.data_type = "s"
        cell._style = self.st.hidden_id
        return cell

    def write_empty_field(self, f: _FieldRow) -> None:
        """A field without goals on a sheet without section rows: one unmerged row naming it."""
        text = f"Handlungsfeld {f.number}: {f.name}"
        cells: list[Any] = [self.text_cell(text, f"Handlungsfeld {f.number}", self.st.bold)]
        cells += [None] * (N_TABLE - 1) + [None, None, self._id(f.uid), *self.field_cell(f)]
        self.append(cells, fit=True)

    def field_cell(self, f: _FieldRow) -> list[Any]:
        if not self.field_column:
            return []
        return [self.text_cell(f"{f.number} {f.name}", f"Handlungsfeld {f.number}")]

    def write_goal_rows(self, f: _FieldRow, g: _GoalRow) -> None:
        where_goal = f"Ziel {g.number}"
        goal_title = f"{g.number} {g.title}" if g.title else g.number
        if not g.measures:
            cells = [
                self.text_cell(goal_title, where_goal, self.st.bold),
                self.text_cell(g.indicator, where_goal),
            ]
            cells += [None] * (N_TABLE - 2)
            cells += [None, self._id(g.uid), self._id(f.uid), *self.field_cell(f)]
            self.append(cells, fit=True)
            return
        goal_cell_text = goal_title
        for m in g.measures:
            where = f"Maßnahme {m.number}"
            v = m.values
            title = f"{m.number} {v['title']}" if v["title"] else m.number
            cells = [
                self.text_cell(goal_cell_text, where_goal, self.st.bold),
                self.text_cell(g.indicator, where_goal),
                self.text_cell(title, where, self.st.bold),
            ]
            for col in COLUMNS[3:]:
                if col.key in ("start", "end"):
                    cells.append(self.date_cell(v[col.attr] or "", where))
                elif col.key == "status":
                    key = v["status_key"]
                    label = self.labels.get(key or "", "")
                    if key and key in self.st.status:
                        cell = self.text_cell(label, where, self.st.status[key], self.st.status_quoted[key])
                        cells.append(cell or self.styled_empty(self.st.status[key]))
                    else:
                        cells.append(None)
                else:
                    cells.append(self.text_cell(v[col.attr] or "", where))
            cells += [self._id(m.uid), self._id(g.uid), self._id(f.uid), *self.field_cell(f)]
            if self.field_column:
                cells.append(self.text_cell(PRIORITIES.get(v["priority"] or 0, ""), where))
            self.append(cells, fit=True)

    def finish(self, status_list: list[StatusInfo], legend_range: str, print_title: str) -> None:
        from openpyxl.formatting.rule import Rule
        from openpyxl.styles import PatternFill
        from openpyxl.styles.differential import DifferentialStyle
        from openpyxl.styles.numbers import NumberFormat

        ws = self.ws
        last = max(self.row, FIRST_DATA_ROW)
        status_letter = column_letter(STATUS_COL)
        last_letter = column_letter(PRIORITY_COL if self.field_column else N_TABLE)
        rows_to = max(last, FIRST_DATA_ROW + 200)
        rng = f"{status_letter}{FIRST_DATA_ROW}:{status_letter}{rows_to}"
        # The drop-down refuses other values: a typo would make a status the import cannot read.
        add_enforced_list(
            ws,
            legend_range,
            rng,
            "Status",
            "Bitte einen der sechs Status aus der Liste wählen (siehe Blatt „Legende“).",
            "Status aus der Liste wählen",
        )
        if self.field_column:
            # The same words as the return workbooks (exchange/return_workbook.py), other values refused.
            prio_letter = column_letter(PRIORITY_COL)
            add_enforced_list(
                ws,
                '"' + ",".join(PRIORITIES.values()) + '"',
                f"{prio_letter}{FIRST_DATA_ROW}:{prio_letter}{rows_to}",
                "Priorität",
                "Bitte „hoch“, „mittel“ oder „niedrig“ wählen (oder die Zelle leeren).",
                "hoch, mittel oder niedrig",
            )
        for st in status_list:
            if len(st.label) < 250 and st.color:
                literal = '"' + st.label.replace('"', '""') + '"'
                # Colour and print-safe symbol ("◔ in Umsetzung (Anfang)") follow the chosen value; the
                # cell itself keeps the plain label, which is what the import reads.
                fmt = NumberFormat(
                    numFmtId=200 + len(ws.conditional_formatting), formatCode=_symbol_format(st)
                )
                fill = PatternFill("solid", fgColor=st.color, bgColor=st.color)
                dxf = DifferentialStyle(fill=fill, numFmt=fmt if st.symbol else None)
                rule = Rule(type="cellIs", operator="equal", formula=[literal], dxf=dxf)
                ws.conditional_formatting.add(rng, rule)
        ws.auto_filter.ref = f"A{HEADER_ROW}:{last_letter}{last}"
        ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
        # The title block is the page header, not part of the printed area: no grid lines on it.
        ws.print_area = f"A{HEADER_ROW}:{last_letter}{last}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = "9"  # A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        # Empty cells carry no style of their own (a third of the cells, and of the time to write
        # them); printed grid lines draw their borders inside the table.
        ws.print_options.gridLines = True
        ws.page_margins.left = ws.page_margins.right = 0.4
        ws.page_margins.top = 0.75
        ws.page_margins.bottom = 0.7
        ws.page_margins.header = 0.3
        ws.oddHeader.left.text = print_title.replace("&", "&&")[:100]
        ws.oddHeader.left.size = 10
        ws.oddHeader.right.text = TITLE.replace("&", "&&")
        ws.oddHeader.right.size = 8
        ws.oddFooter.left.text = print_title.replace("&", "&&")[:100]
        ws.oddFooter.left.size = 8
        ws.oddFooter.center.text = "Seite &P von &N"
        ws.oddFooter.center.size = 8
        ws.oddFooter.right.text = f"Stand: {self.today:%d.%m.%Y}"
        ws.oddFooter.right.size = 8


def _symbol_format(st: StatusInfo) -> str:
    """A number format that prints a text value with the status symbol in front ("◔ " + text)."""
    return '"' + st.symbol.replace('"', "") + ' "@'


def _column_widths(fields: list[_FieldRow]) -> tuple[float, ...]:
    """EXPORT_WIDTHS, widened where a column holds a longer word (measured in Calibri, up to
    MAX_WORD_WIDTH), so that no word is broken inside."""
    need = [0.0] * N_TABLE
    attrs = [c.attr for c in COLUMNS]
    for f in fields:
        for g in f.goals:
            need[0] = max(need[0], word_width(f"{g.number} {g.title or ''}", bold=True))
            need[1] = max(need[1], word_width(g.indicator or ""))
            for m in g.measures:
                for i, col in enumerate(COLUMNS[2:], start=2):
                    if col.key in ("start", "end", "status"):
                        continue
                    value = m.values.get(attrs[i]) or ""
                    if isinstance(value, str) and value:
                        need[i] = max(need[i], word_width(value, bold=i == 2))
    return tuple(
        max(base, min(MAX_WORD_WIDTH, round(n + 0.5, 1))) for base, n in zip(EXPORT_WIDTHS, need, strict=True)
    )


def _fit_width(ws: Any, *, landscape: bool) -> None:
    ws.sheet_properties.pageSetUpPr.fitToPage = True  # written before the first row
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = "9"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0


def _fast_rows(ws: Any) -> None:
    """Hand prepared cells straight to openpyxl's row writer: its own conversion tries to bind every
    cell object as a value first (an exception per styled cell) and allocates a new cell after it."""
    from openpyxl.cell import Cell, WriteOnlyCell

    prepared = _prepared_cell_class()

    def values_to_row(values: list[Any], row_idx: int) -> Iterator[Cell]:
        for col_idx, value in enumerate(values, 1):
            if value is None:
                continue
            if type(value) is not prepared and type(value) is not Cell:
                value = WriteOnlyCell(ws, value)
            value.column = col_idx
            value.row = row_idx
            yield value

    ws._values_to_row = values_to_row


def _prepare_table_sheet(
    ws: Any, widths: tuple[float, ...] = EXPORT_WIDTHS, *, field_column: bool = False
) -> None:
    _fast_rows(ws)
    if field_column:
        ws.column_dimensions[column_letter(FIELD_COL)].width = FIELD_WIDTH
        ws.column_dimensions[column_letter(PRIORITY_COL)].width = PRIORITY_WIDTH
    for i, width in enumerate(widths, 1):
        ws.column_dimensions[column_letter(i)].width = width
    for i in range(len(COLUMNS) + 1, N_ALL + 1):
        dim = ws.column_dimensions[column_letter(i)]
        dim.hidden = True
        dim.width = 10
    ws.freeze_panes = f"A{FIRST_DATA_ROW}"
    # Written with the sheet's top, before any row: fit the columns to the page width.
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.sheet_view.zoomScale = 90


def build_workbook(s: Session, *, today: date | None = None) -> tuple[Workbook, ExportResult]:
    """The workbook of the implementation table, not yet saved."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    today = today or date.today()
    status_list = statuses(s)
    labels = {st.key: st.label for st in status_list}
    fields = load_table(s)
    institutions = list(
        s.execute(
            select(Institution.name, Institution.short_name, Institution.notes).order_by(Institution.name)
        )
    )
    result = ExportResult(path=Path())
    warnings = result.warnings
    wb = Workbook(write_only=True)
    used: set[str] = set()
    stand = f"Stand: {today:%d.%m.%Y} · exportiert aus KIK Desktop"
    legend_title = safe_sheet_title(LEGEND_SHEET, {ALL_SHEET.lower()})
    legend_range = f"'{legend_title}'!$B$4:$B${3 + max(len(status_list), 1)}"

    all_title = safe_sheet_title(ALL_SHEET, used)
    ws = wb.create_sheet(all_title)
    widths = _column_widths(fields)
    _prepare_table_sheet(ws, widths, field_column=True)
    styles = _Styles(wb, ws, status_list)
    # The field is its own column here (no merged section rows inside the filter range: sorting works).
    writer = _SheetWriter(wb, ws, styles, labels, warnings, field_column=True, widths=widths)
    writer.today = today
    writer.write_top(TITLE, stand)
    for f in fields:
        if not f.goals:
            writer.write_empty_field(f)
        for g in f.goals:
            writer.write_goal_rows(f, g)
    writer.finish(status_list, legend_range, f"KIK Umsetzungstabelle – {ALL_SHEET}")
    result.sheets.append(all_title)

    # No sheet per field: it would print every measure a second time (a 1,000-measure workbook on twice
    # the pages); the field column and its autofilter give the same view, and a working group's own
    # workbook is the return workbook of its field (exchange/return_workbook.py).
    for f in fields:
        result.fields += 1
        result.goals += len(f.goals)
        result.measures += sum(len(g.measures) for g in f.goals)

    used.add(legend_title.lower())
    ws = wb.create_sheet(legend_title)
    _fit_width(ws, landscape=False)
    ws.column_dimensions["A"].width = 12
    ws.column_dimensions["B"].width = 62
    ws.column_dimensions["C"].width = 14
    ws.column_dimensions["D"].width = 12
    ws.column_dimensions["E"].width = 16
    counts: dict[str | None, int] = {}
    for f in fields:
        for g in f.goals:
            for m in g.measures:
                counts[m.values["status_key"]] = counts.get(m.values["status_key"], 0) + 1
    lw = _SheetWriter(wb, ws, styles, labels, warnings)
    t = WriteOnlyCell(ws, value="Legende der Status")
    t._style = styles.title
    lw.append([t])
    sub = WriteOnlyCell(
        ws, value="Farbe, Symbol und Text der Statuszelle bedeuten dasselbe (das Symbol auch schwarz-weiß)."
    )
    sub._style = styles.subtitle
    lw.append([sub])
    header = []
    for text in ("Farbe", "Status", "Schlüssel", "Maßnahmen", "Kurzname"):
        c = WriteOnlyCell(ws, value=text)
        c._style = styles.header
        header.append(c)
    lw.append(header)
    for st in status_list:
        if st.symbol:
            swatch = _text_cell(ws, st.symbol, styles.symbol.get(st.key, styles.text))
        else:
            swatch = lw.styled_empty(styles.status.get(st.key, styles.text))
        label = lw.text_cell(st.label, f"Status {st.key}") or lw.styled_empty(styles.text)
        key = lw.text_cell(st.key, f"Status {st.key}")
        count = WriteOnlyCell(ws, value=counts.get(st.key, 0))
        count._style = styles.text
        short = lw.text_cell(st.short_label, f"Status {st.key}")
        lw.append([swatch, label, key, count, short], height=20)
    none_label = lw.text_cell("ohne Status", "Legende")
    count = WriteOnlyCell(ws, value=counts.get(None, 0))
    count._style = styles.text
    lw.append([lw.styled_empty(styles.text), none_label, None, count])
    ws.oddFooter.center.text = "Seite &P von &N"
    ws.oddFooter.right.text = f"Stand: {today:%d.%m.%Y}"
    result.sheets.append(legend_title)

    inst_title = safe_sheet_title(INSTITUTION_SHEET, used)
    ws = wb.create_sheet(inst_title)
    _fit_width(ws, landscape=False)
    ws.print_title_rows = "1:1"
    ws.column_dimensions["A"].width = 60
    ws.column_dimensions["B"].width = 20
    ws.column_dimensions["C"].width = 50
    ws.freeze_panes = "A2"
    iw = _SheetWriter(wb, ws, styles, labels, warnings)
    header = []
    for text in ("Institution", "Kurzname", "Notizen"):
        c = WriteOnlyCell(ws, value=text)
        c._style = styles.header
        header.append(c)
    iw.append(header)
    for name, short, notes in institutions:
        iw.append(
            [
                iw.text_cell(name or "", "Institutionen"),
                iw.text_cell(short or "", "Institutionen"),
                iw.text_cell(notes or "", "Institutionen"),
            ]
        )
    ws.auto_filter.ref = f"A1:C{max(iw.row, 1)}"
    ws.oddFooter.center.text = "Seite &P von &N"
    result.sheets.append(inst_title)
    # The extra sheets' modules import openpyxl at their top: loaded here, when a workbook is written.
    from kik_desktop.exchange.concept_sheets import write_concept_sheets
    from kik_desktop.exchange.indicator_sheet import write_indicator_sheet

    result.sheets.append(write_indicator_sheet(wb, s))  # "Indikatoren" (exchange/indicator_sheet.py)
    write_concept_sheets(wb, s, used | {inst_title.lower(), "indikatoren"}, result)
    wb.properties.title = TITLE
    wb.properties.creator = "KIK Desktop"
    wb.properties.keywords = "KIK-Umsetzungstabelle"
    return wb, result


def save_atomically(save: Callable[[str], None], out: Path) -> None:
    """Write through save(temp path) next to out, then rename into place."""
    out = Path(out)
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.exists():
        raise ExportError(f"Den Ordner „{folder}“ gibt es nicht.")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{out.stem}.", suffix=".xlsx.tmp", dir=folder)
    except PermissionError:
        raise ExportError(f"Keine Schreibrechte im Ordner „{folder}“.") from None
    except OSError as exc:
        raise ExportError(
            f"Im Ordner „{folder}“ kann nicht geschrieben werden: {exc.strerror or exc}"
        ) from None
    os.close(fd)
    try:
        save(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        # mkstemp made the file private (0600); give it the permissions of a normally saved file.
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        try:
            os.replace(tmp, out)
        except PermissionError:
            raise ExportError(
                f"„{out.name}“ kann nicht überschrieben werden – ist die Datei gerade in Excel geöffnet? "
                "Bitte schließen oder einen anderen Namen wählen."
            ) from None
    except ExportError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if getattr(exc, "errno", None) == 28:
            raise ExportError("Nicht genug Speicherplatz: Die Excel-Datei wurde nicht geschrieben.") from None
        raise ExportError(f"Die Excel-Datei konnte nicht geschrieben werden: {exc.strerror or exc}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def export_workbook(s: Session, out: str | os.PathLike[str], *, today: date | None = None) -> ExportResult:
    """Export the implementation table of the document to out (.xlsx), atomically."""
    path = Path(out)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ExportError(f"Den Ordner „{folder}“ gibt es nicht.")
    wb, result = build_workbook(s, today=today)
    save_atomically(wb.save, path)
    result.path = path
    return result


def export_document(doc: Any, out: str | os.PathLike[str], *, today: date | None = None) -> ExportResult:
    """Export from an open Document (read session)."""
    with doc.reading() as s:
        return export_workbook(s, out, today=today)


STALE_TEMP_SECONDS = 3600


def clean_stale_temp_files(folder: Path | None = None) -> list[Path]:
    """Remove the part files openpyxl leaves in the temp folder when an export is killed mid-way.

    Only files older than an hour go, so an export running in another process is not disturbed.
    """
    folder = Path(tempfile.gettempdir()) if folder is None else folder
    limit = time.time() - STALE_TEMP_SECONDS
    removed: list[Path] = []
    with contextlib.suppress(OSError):
        for path in folder.glob("openpyxl.*"):
            with contextlib.suppress(OSError):
                if path.is_file() and path.stat().st_mtime < limit:
                    path.unlink()
                    removed.append(path)
    return removed

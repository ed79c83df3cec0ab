"""Export of the implementation table (Umsetzungstabelle) to an .xlsx workbook.

One sheet with all measures, one sheet per field of action, a legend of the statuses and the
institutions. The workbook is written to a temporary file next to the target and renamed into place,
so an interrupted export never leaves a damaged file behind.
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
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select
from sqlalchemy.orm import Session

from kik_desktop.domain.dates import MonthYear, parse_month_year
from kik_desktop.domain.queries import StatusInfo, statuses
from kik_desktop.exchange.columns import COLUMNS, ID_COLUMNS, column_letter
from kik_desktop.exchange.indicator_sheet import write_indicator_sheet
from kik_desktop.models import Field, Goal, Institution, Measure

MAX_CELL = 32_767
ALL_SHEET = "Alle Maßnahmen"
LEGEND_SHEET = "Legende"
INSTITUTION_SHEET = "Institutionen"
TITLE = "Kommunales Integrationskonzept Kempten (KIK) – Umsetzungstabelle"
HEADER_ROW = 3
FIRST_DATA_ROW = HEADER_ROW + 1
FONT = "Calibri"
LINE_HEIGHT = 14.5
# Column widths in characters: narrow enough that the twelve columns print legibly on A4 landscape.
EXPORT_WIDTHS = (24, 16, 22, 32, 14, 18, 20, 16, 11, 11, 18, 16)
N_TABLE = len(COLUMNS)  # 12 visible columns
N_ALL = N_TABLE + len(ID_COLUMNS)  # plus the hidden uid columns
STATUS_COL = [c.key for c in COLUMNS].index("status") + 1
DATE_FORMAT = "MM/YYYY"
SECTION_FILL = "DDEBF7"
HEADER_FILL = "1F4E78"

# Characters no xlsx may contain (openpyxl raises IllegalCharacterError for them).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_RISKY_START = ("=", "+", "-", "@", "\t", "\r")
_HEX_UID = re.compile(r"\A[0-9a-f]{32}\Z")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


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
    attrs = [c.attr for c in COLUMNS if c.level == "measure"]
    cols = [getattr(Measure, a) for a in attrs]
    for r in s.execute(select(Measure.goal_id, Measure.uid, *cols).order_by(Measure.position, Measure.id)):
        g = goals[r[0]]
        values = dict(zip(attrs, r[2:], strict=True))
        g.measures.append(_MeasureRow(str(r[1]), f"{g.number}.{len(g.measures) + 1}", values))
    return fields


def safe_sheet_title(text: str, used: set[str]) -> str:
    base = _SHEET_FORBIDDEN.sub(" ", text).strip().strip("'")[:31].strip() or "Blatt"
    title = base
    n = 2
    while title.lower() in used:
        suffix = f" ({n})"
        title = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(title.lower())
    return title


def field_sheet_title(number: str, name: str) -> str:
    return f"HF {number} {name}"


@functools.lru_cache(maxsize=4096)
def _parse_date(value: str) -> MonthYear:
    return parse_month_year(value)


def _text_cell(ws: Any, value: str, style: Any) -> Cell:
    """A string cell with a precomputed style, built without Cell.__init__ (which allocates a style
    array and runs the type dispatch of the value setter): the export writes about 20 of these per
    measure. data_type "s" makes openpyxl write an inline string, never a formula."""
    cell = Cell.__new__(Cell)
    cell.parent = ws
    cell.row = 0
    cell.column = 0
    cell._value = value
    cell.data_type = "s"
    cell._style = style
    cell._hyperlink = None
    cell._comment = None
    return cell


def estimate_lines(text: str, width: float, *, bold: bool = False) -> int:
    """How many lines a wrapped text takes in a column of this width (in characters), on the safe side."""
    per_line = max(width * (0.92 if bold else 1.02) - 2.0, 4.0)
    lines = 0
    for paragraph in text.split("\n"):
        lines += max(1, -(-len(paragraph) // int(per_line)))
        if lines > 40:
            break
    return lines


class _Styles:
    """Precomputed style arrays, so each cell costs an assignment instead of a style lookup."""

    def __init__(self, wb: Workbook, ws: Any, status_list: list[StatusInfo]) -> None:
        thin = Side(style="thin", color="A6A6A6")
        plain = Font(name=FONT, size=11)
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
        self.bold = make(font=Font(name=FONT, size=11, bold=True), alignment=wrap, border=border)


def clean_cell_text(text: str, where: str, warnings: list[str]) -> str:
    """Drop characters no workbook may contain and cut to Excel's cell limit, with a notice."""
    if _ILLEGAL.search(text):
        text = _ILLEGAL.sub("", text)
        warnings.append(f"{where}: Steuerzeichen wurden entfernt.")
    if len(text) > MAX_CELL:
        warnings.append(
            f"{where}: Der Text ist {len(text)} Zeichen lang und wurde auf {MAX_CELL} Zeichen "
            "(Grenze einer Excel-Zelle) gekürzt."
        )
        text = text[:MAX_CELL]
    return text


class _SheetWriter:
    """Writes one table sheet row by row in write-only mode."""

    def __init__(
        self, wb: Workbook, ws: Any, styles: _Styles, labels: dict[str, str], warnings: list[str]
    ) -> None:
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
        cell = WriteOnlyCell(self.ws)
        cell._style = style
        return cell

    def date_cell(self, value: str, where: str) -> Any:
        if not value:
            return None
        parsed = _parse_date(value)
        if parsed.year is not None and parsed.month is not None:
            cell = WriteOnlyCell(self.ws, value=datetime(parsed.year, parsed.month, 1))
            cell._style = self.st.date
            return cell
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
                    lines = max(lines, estimate_lines(value, EXPORT_WIDTHS[i], bold=i in (0, 2)))
            if lines > 1:
                height = min(409.0, LINE_HEIGHT * lines + 3)
        if height is not None:
            self.ws.row_dimensions[self.row + 1].height = height
        self.ws.append(row)
        self.row += 1

    def write_top(self, title: str, subtitle: str) -> None:
        t = WriteOnlyCell(self.ws, value=clean_cell_text(title, "Titel", self.warnings))
        t.data_type = "s"
        t._style = self.st.title
        sub = WriteOnlyCell(self.ws, value=subtitle)
        sub._style = self.st.subtitle
        self.append([t], height=24)
        self.append([sub], height=18)
        header = []
        for col in (*COLUMNS, *ID_COLUMNS):
            c = WriteOnlyCell(self.ws, value=col.header)
            c._style = self.st.header
            header.append(c)
        self.append(header, height=58)

    def write_section(self, f: _FieldRow) -> None:
        text = f"Handlungsfeld {f.number}: {f.name}"
        cell = self.text_cell(text, f"Handlungsfeld {f.number}", self.st.section, self.st.section)
        cells: list[Any] = [cell] + [None] * (N_TABLE - 1)
        cells += [None, None, self._id(f.uid)]
        self.append(cells, height=22)
        self.ws.merged_cells.add(f"A{self.row}:{column_letter(N_TABLE)}{self.row}")

    def _id(self, uid: str) -> Any:
        if _HEX_UID.match(uid):
            return uid  # a plain value: the cheapest cell openpyxl writes
        cell = WriteOnlyCell(self.ws, value=clean_cell_text(uid, "ID", self.warnings))
        cell.data_type = "s"
        cell._style = self.st.hidden_id
        return cell

    def write_goal_rows(self, f: _FieldRow, g: _GoalRow) -> None:
        where_goal = f"Ziel {g.number}"
        goal_title = f"{g.number} {g.title}" if g.title else g.number
        if not g.measures:
            cells = [
                self.text_cell(goal_title, where_goal, self.st.bold),
                self.text_cell(g.indicator, where_goal),
            ]
            cells += [None] * (N_TABLE - 2)
            cells += [None, self._id(g.uid), self._id(f.uid)]
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
            cells += [self._id(m.uid), self._id(g.uid), self._id(f.uid)]
            self.append(cells, fit=True)

    def finish(self, status_list: list[StatusInfo], legend_range: str, print_title: str) -> None:
        ws = self.ws
        last = max(self.row, FIRST_DATA_ROW)
        status_letter = column_letter(STATUS_COL)
        rng = f"{status_letter}{FIRST_DATA_ROW}:{status_letter}{max(last, FIRST_DATA_ROW + 200)}"
        dv = DataValidation(type="list", formula1=legend_range, allow_blank=True, showDropDown=False)
        dv.error = "Bitte einen der sechs Status aus der Liste wählen."
        dv.errorTitle = "Status"
        dv.prompt = "Status aus der Liste wählen"
        dv.promptTitle = "Status"
        dv.add(rng)
        ws.data_validations.append(dv)
        for st in status_list:
            if len(st.label) < 250 and st.color:
                literal = '"' + st.label.replace('"', '""') + '"'
                ws.conditional_formatting.add(
                    rng,
                    CellIsRule(
                        operator="equal",
                        formula=[literal],
                        fill=PatternFill("solid", fgColor=st.color, bgColor=st.color),
                    ),
                )
        ws.auto_filter.ref = f"A{HEADER_ROW}:{column_letter(N_TABLE)}{last}"
        ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
        ws.print_area = f"A1:{column_letter(N_TABLE)}{last}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = "9"  # A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        # Empty cells carry no style of their own (a third of the cells, and of the time to write
        # them); printed grid lines draw their borders.
        ws.print_options.gridLines = True
        ws.page_margins.left = ws.page_margins.right = 0.4
        ws.page_margins.top = 0.6
        ws.page_margins.bottom = 0.7
        ws.oddFooter.left.text = print_title.replace("&", "&&")[:100]
        ws.oddFooter.left.size = 8
        ws.oddFooter.center.text = "Seite &P von &N"
        ws.oddFooter.center.size = 8
        ws.oddFooter.right.text = f"Stand: {self.today:%d.%m.%Y}"
        ws.oddFooter.right.size = 8


def _fit_width(ws: Any, *, landscape: bool) -> None:
    ws.sheet_properties.pageSetUpPr.fitToPage = True  # written before the first row
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = "9"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0


def _fast_rows(ws: Any) -> None:
    """Hand prepared cells straight to openpyxl's row writer: its own conversion tries to bind every
    cell object as a value first (an exception per styled cell) and allocates a new cell after it."""

    def values_to_row(values: list[Any], row_idx: int) -> Iterator[Cell]:
        for col_idx, value in enumerate(values, 1):
            if value is None:
                continue
            if type(value) is not Cell:
                value = WriteOnlyCell(ws, value)
            value.column = col_idx
            value.row = row_idx
            yield value

    ws._values_to_row = values_to_row


def _prepare_table_sheet(ws: Any) -> None:
    _fast_rows(ws)
    for i, width in enumerate(EXPORT_WIDTHS, 1):
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
    _prepare_table_sheet(ws)
    styles = _Styles(wb, ws, status_list)
    writer = _SheetWriter(wb, ws, styles, labels, warnings)
    writer.today = today
    writer.write_top(TITLE, stand)
    for f in fields:
        writer.write_section(f)
        for g in f.goals:
            writer.write_goal_rows(f, g)
    writer.finish(status_list, legend_range, f"KIK Umsetzungstabelle – {ALL_SHEET}")
    result.sheets.append(all_title)

    for f in fields:
        title = safe_sheet_title(field_sheet_title(f.number, f.name), used | {legend_title.lower()})
        ws = wb.create_sheet(title)
        _prepare_table_sheet(ws)
        w = _SheetWriter(wb, ws, styles, labels, [])
        w.today = today
        w.write_top(f"Handlungsfeld {f.number}: {f.name}", stand)
        for g in f.goals:
            w.write_goal_rows(f, g)
        w.finish(status_list, legend_range, f"Handlungsfeld {f.number}: {f.name}")
        result.sheets.append(title)
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
    counts: dict[str | None, int] = {}
    for f in fields:
        for g in f.goals:
            for m in g.measures:
                counts[m.values["status_key"]] = counts.get(m.values["status_key"], 0) + 1
    lw = _SheetWriter(wb, ws, styles, labels, warnings)
    t = WriteOnlyCell(ws, value="Legende der Status")
    t._style = styles.title
    lw.append([t])
    sub = WriteOnlyCell(ws, value="Die Farbe der Statuszelle und ihr Text bedeuten dasselbe.")
    sub._style = styles.subtitle
    lw.append([sub])
    header = []
    for text in ("Farbe", "Status", "Schlüssel", "Maßnahmen"):
        c = WriteOnlyCell(ws, value=text)
        c._style = styles.header
        header.append(c)
    lw.append(header)
    for st in status_list:
        swatch = lw.styled_empty(styles.status.get(st.key, styles.text))
        label = lw.text_cell(st.label, f"Status {st.key}") or lw.styled_empty(styles.text)
        key = lw.text_cell(st.key, f"Status {st.key}")
        count = WriteOnlyCell(ws, value=counts.get(st.key, 0))
        count._style = styles.text
        lw.append([swatch, label, key, count])
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
    result.sheets.append(write_indicator_sheet(wb, s))  # "Indikatoren" (exchange/indicator_sheet.py)
    from kik_desktop.exchange.concept_sheets import write_concept_sheets

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

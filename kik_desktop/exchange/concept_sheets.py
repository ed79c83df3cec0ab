"""The sheets "Konzept" and "Steuerungsgruppe" of the full Excel export.

"Konzept" holds the concept's own page (name, council decision, understanding of integration, …), the
predecessor where the document is a next edition, the cross-cutting tasks and the funding sources;
"Steuerungsgruppe" the seats of the steering group. Both are for reading: the import ignores them.
"""

from __future__ import annotations

from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from sqlalchemy.orm import Session

from kik_desktop.domain import concept
from kik_desktop.exchange.cells import clean_cell_text, estimate_lines, safe_sheet_title

CONCEPT_SHEET = "Konzept"
STEERING_SHEET = "Steuerungsgruppe"
_FONT = "Calibri"
_HEADER_FILL = "1F4E78"
_SECTION_FILL = "DDEBF7"
_LINE_HEIGHT = 14.5


class _Writer:
    def __init__(self, ws: Any, widths: tuple[float, ...], warnings: list[str]) -> None:
        self.ws, self.widths, self.warnings = ws, widths, warnings
        self.rows = 0
        self._clean = clean_cell_text
        thin = Side(style="thin", color="A6A6A6")
        self.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        self.wrap = Alignment(wrap_text=True, vertical="top")
        for i, width in enumerate(widths):
            ws.column_dimensions[chr(ord("A") + i)].width = width
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.orientation = "portrait"
        ws.page_setup.paperSize = "9"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0

    def cell(self, value: Any, *, bold: bool = False, where: str = "") -> Any:
        if isinstance(value, str):
            value = self._clean(value, where or self.ws.title, self.warnings)
        c = WriteOnlyCell(self.ws, value=value)
        c.font = Font(name=_FONT, size=11, bold=bold)
        c.alignment = self.wrap
        c.border = self.border
        if isinstance(value, str):
            # Always text: a motto starting with "=" or "-" must not become a formula.
            c.data_type = "s"
        return c

    def title(self, text: str, sub: str = "") -> None:
        c = WriteOnlyCell(self.ws, value=text)
        c.font = Font(name=_FONT, bold=True, size=14)
        self.append([c], 24)
        if sub:
            s = WriteOnlyCell(self.ws, value=sub)
            s.font = Font(name=_FONT, italic=True, color="595959")
            self.append([s])
        self.append([])

    def append(self, cells: list[Any], height: float | None = None) -> None:
        """Write a row; a write-only sheet takes the row's height only before the row is written."""
        if height is not None:
            self.ws.row_dimensions[self.rows + 1].height = height
        self.ws.append(cells)
        self.rows += 1

    def header(self, *texts: str) -> None:
        row = []
        for text in texts:
            c = WriteOnlyCell(self.ws, value=text)
            c.font = Font(name=_FONT, size=10, bold=True, color="FFFFFF")
            c.fill = PatternFill("solid", fgColor=_HEADER_FILL)
            c.alignment = Alignment(wrap_text=True, vertical="center")
            c.border = self.border
            row.append(c)
        self.append(row)

    def section(self, text: str, span: int) -> None:
        row = []
        for i in range(span):
            c = WriteOnlyCell(self.ws, value=text if i == 0 else None)
            c.font = Font(name=_FONT, bold=True, size=12)
            c.fill = PatternFill("solid", fgColor=_SECTION_FILL)
            c.border = self.border
            row.append(c)
        self.append(row, 18)

    def row(self, values: list[str], *, bold_first: bool = False) -> None:
        cells = [self.cell(v, bold=bold_first and i == 0) for i, v in enumerate(values)]
        lines = max(
            (estimate_lines(v, self.widths[i], size=11) for i, v in enumerate(values) if v),
            default=1,
        )
        self.append(cells, min(409.0, _LINE_HEIGHT * lines + 3) if lines > 1 else None)


def _german_date(iso: str) -> str:
    parts = iso.split("-")
    return f"{parts[2]}.{parts[1]}.{parts[0]}" if len(parts) == 3 else iso


def write_concept_sheets(wb: Workbook, s: Session, used: set[str], result: Any) -> None:
    """Append the sheets "Konzept" and "Steuerungsgruppe" to a write-only workbook of the export."""
    warnings: list[str] = result.warnings
    values = concept.concept_values(s)
    pred = concept.predecessor(s)

    title = safe_sheet_title(CONCEPT_SHEET, used)
    used.add(title.lower())
    ws = wb.create_sheet(title)
    w = _Writer(ws, (34, 100), warnings)
    w.title(values.get("concept_name") or "Das Konzept", values.get("city", ""))
    w.header("Angabe", "Inhalt")
    for key, label, _multi in concept.CONCEPT_FIELDS:
        value = values.get(key, "")
        if key == "council_decision_date":
            value = _german_date(value)
        w.row([label, value], bold_first=True)
    if pred.get("predecessor_name"):
        w.section("Vorgängerfassung (Fortschreibung)", 2)
        for key, label in concept.PREDECESSOR_KEYS:
            if pred.get(key):
                value = _german_date(pred[key][:10]) if key == "predecessor_created" else pred[key]
                w.row([label, value], bold_first=True)
    w.section("Querschnittsaufgaben", 2)
    for i, task in enumerate(concept.task_rows(s), start=1):
        w.row([str(i), task["title"]], bold_first=True)
    w.section("Förderquellen", 2)
    for source in concept.funding_rows(s):
        detail = " – ".join(p for p in (source["kind"], source["notes"]) if p)
        w.row([source["name"], detail], bold_first=True)
    ws.oddFooter.center.text = "Seite &P von &N"
    result.sheets.append(title)

    title = safe_sheet_title(STEERING_SHEET, used)
    used.add(title.lower())
    ws = wb.create_sheet(title)
    ws.print_title_rows = "4:4"
    w = _Writer(ws, (26, 48, 60), warnings)
    w.title("KIK-Steuerungsgruppe", values.get("concept_name", ""))
    w.header("Bereich", "Funktion / Institution", "Mitglieder")
    for seat in concept.steering_rows(s):
        w.row([seat["area"], seat["role"], seat["members"]])
    ws.oddFooter.center.text = "Seite &P von &N"
    result.sheets.append(title)


__all__ = ["CONCEPT_SHEET", "STEERING_SHEET", "write_concept_sheets"]

"""Return workbooks (Rückmeldebogen): one part of the plan for a working group, a field or an institution.

The workbook has a cover sheet ("Hinweise": what to do, by when, to whom), the table ("Rückmeldung": the
seed's twelve columns plus Nr., Priorität and Notizen, hidden locked KIK-IDs, sheet protection without a
password so that only the editable cells can be changed, drop-downs for status and priority that refuse
other values, month/year validation with an input hint, A4 landscape with the header row repeated), a
hidden list sheet and a hidden sheet "_kik" with the dispatch id; the workbook's properties carry it too.
Every export is recorded as a dispatch with the value of every exported cell (``domain.dispatches``).
"""

from __future__ import annotations

import os
import textwrap
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select
from sqlalchemy.orm import Session

from kik_desktop.domain import dispatches
from kik_desktop.domain.changes import ChangeSet
from kik_desktop.domain.plan import PRIORITIES
from kik_desktop.domain.queries import properties, split_names, statuses
from kik_desktop.domain.working_groups import find_group, list_groups
from kik_desktop.exchange.cells import add_enforced_list, clean_cell_text
from kik_desktop.exchange.excel_export import ExportError, save_atomically
from kik_desktop.exchange.indicator_sheet import write_indicator_sheet
from kik_desktop.models import Field, Goal, Institution, Measure

COVER_SHEET = "Hinweise"
TABLE_SHEET = "Rückmeldung"
LIST_SHEET = "Listen"
META_SHEET = "_kik"
HEADER_ROW = 3
FIRST_ROW = HEADER_ROW + 1
BLANK_ROWS = 15  # empty editable rows for new measures
DISPATCH_KEYWORD = "kik-dispatch:"
DOCUMENT_KEYWORD = "kik-document:"


@dataclass(frozen=True)
class ReturnColumn:
    key: str  # the dump's attribute (status, responsible …) or a structural key
    header: str
    width: float
    level: str  # measure, goal, number, id
    editable: bool


RETURN_COLUMNS: tuple[ReturnColumn, ...] = (
    ReturnColumn("number", "Nr.", 7, "number", False),
    ReturnColumn("goal", "Ziel", 26, "goal", False),
    ReturnColumn("indicator", "Indikator (zu entwickeln)", 20, "goal", True),
    ReturnColumn("title", "Maßnahme", 28, "measure", True),
    ReturnColumn("description", "Beschreibung der Maßnahme", 36, "measure", True),
    ReturnColumn("target_group", "Zielgruppe", 16, "measure", True),
    ReturnColumn("responsible", "verantwortlich (für die Umsetzung)", 20, "measure", True),
    ReturnColumn("actors", "Akteur*innen für die Umsetzung", 22, "measure", True),
    ReturnColumn("needs", "Was wird für die Umsetzung benötigt?", 20, "measure", True),
    ReturnColumn("start", "Beginn der Umsetzung (Termin Monat/Jahr)", 12, "measure", True),
    ReturnColumn("end", "Umsetzung bis wann?", 12, "measure", True),
    ReturnColumn(
        "success_indicator", "Indikatoren (an denen sich der Erfolg festmachen lässt)", 22, "measure", True
    ),
    ReturnColumn("status", "Status", 22, "measure", True),
    ReturnColumn("priority", "Priorität", 10, "measure", True),
    ReturnColumn("notes", "Notizen", 24, "measure", True),
    ReturnColumn("measure_uid", "KIK-ID Maßnahme", 6, "id", False),
    ReturnColumn("goal_uid", "KIK-ID Ziel", 6, "id", False),
    ReturnColumn("field_uid", "KIK-ID Handlungsfeld", 6, "id", False),
)
COL_INDEX = {c.key: i for i, c in enumerate(RETURN_COLUMNS, start=1)}
HEADER_OF = {c.header: c.key for c in RETURN_COLUMNS}


@dataclass
class Scope:
    """Which part of the plan a return workbook holds, and who gets it."""

    kind: str  # field, group, institution, all
    value: str
    label: str
    recipient: str
    measure_ids: list[int]
    contact: str = ""
    email: str = ""

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.value}" if self.kind != "all" else "all"


def _measure_rows(s: Session) -> list[tuple[int, int, int]]:
    """(measure id, goal id, field id) in tree order."""
    return [
        (r[0], r[1], r[2])
        for r in s.execute(
            select(Measure.id, Goal.id, Field.id)
            .join(Goal, Measure.goal_id == Goal.id)
            .join(Field, Goal.field_id == Field.id)
            .order_by(Field.position, Field.id, Goal.position, Goal.id, Measure.position, Measure.id)
        )
    ]


def _field_ids(s: Session) -> list[int]:
    return list(s.scalars(select(Field.id).order_by(Field.position, Field.id)))


def field_scope(s: Session, number: int) -> Scope:
    ids = _field_ids(s)
    if not 1 <= number <= len(ids):
        raise ExportError(f"Ein Handlungsfeld {number} gibt es nicht (es gibt 1 bis {len(ids)}).")
    fid = ids[number - 1]
    f = s.get(Field, fid)
    assert f is not None
    groups = [g for g in list_groups(s) if fid in g.field_ids]
    group = groups[0] if groups else None
    return Scope(
        "field",
        str(number),
        f"Handlungsfeld {number}: {f.name}",
        group.name if group else f"Handlungsfeld {number}",
        [m for m, _g, f_id in _measure_rows(s) if f_id == fid],
        group.contact if group else "",
        group.email if group else "",
    )


def group_scope(s: Session, name: str) -> Scope:
    group = find_group(s, name)
    if group is None:
        names = ", ".join(f"„{g.name}“" for g in list_groups(s)) or "keine"
        raise ExportError(f"Eine Arbeitsgruppe „{name}“ gibt es nicht. Vorhanden: {names}.")
    fids = set(group.field_ids)
    numbers = ", ".join(group.fields) or "–"
    return Scope(
        "group",
        group.name,
        f"{group.name} (Handlungsfeld {numbers})",
        group.name,
        [m for m, _g, f_id in _measure_rows(s) if f_id in fids],
        group.contact,
        group.email,
    )


def institution_scope(s: Session, name: str) -> Scope:
    wanted = " ".join(name.split()).casefold()
    inst = next((i for i in s.scalars(select(Institution)) if i.name.casefold() == wanted), None)
    aliases = {wanted}
    if inst is not None:
        aliases.add(inst.name.casefold())
        if inst.short_name:
            aliases.add(inst.short_name.casefold())
    ids = []
    for m in s.scalars(select(Measure)):
        names = {n.casefold() for n in split_names(m.responsible or "") + split_names(m.actors or "")}
        if names & aliases:
            ids.append(m.id)
    if inst is None and not ids:
        raise ExportError(f"Eine Institution „{name}“ gibt es weder im Verzeichnis noch bei den Maßnahmen.")
    order = {m: i for i, (m, _g, _f) in enumerate(_measure_rows(s))}
    label = inst.name if inst is not None else name.strip()
    return Scope("institution", label, label, label, sorted(ids, key=order.__getitem__))


def all_scope(s: Session) -> Scope:
    return Scope("all", "", "Alle Handlungsfelder", "", [m for m, _g, _f in _measure_rows(s)])


@dataclass
class ReturnResult:
    path: Path
    dispatch: dispatches.DispatchInfo
    measures: int
    changes: ChangeSet
    warnings: list[str] = field(default_factory=list)


# -- writing -----------------------------------------------------------------------------------------

_THIN = Side(style="thin", color="A6A6A6")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_LOCKED_FILL = PatternFill("solid", fgColor="EDEDED")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
_WRAP = Alignment(wrap_text=True, vertical="top")


def _lines(text: str, width: float) -> int:
    """Lines a wrapped text takes in a column of this width (characters), at least one. Wrapped at
    word boundaries like Excel and LibreOffice do (counting characters alone cut the last line off)."""
    per_line = max(int(width * 1.05), 1)
    return max(sum(max(1, len(textwrap.wrap(part, per_line))) for part in (text or "").split("\n")), 1)


def _cover(wb: Workbook, scope: Scope, doc_title: str, dispatch_uid: str, due: str, today: date) -> None:
    ws = wb.active
    assert ws is not None
    ws.title = COVER_SHEET
    ws.column_dimensions["A"].width = 4
    ws.column_dimensions["B"].width = 88
    back_to = scope.contact or "der KIK-Geschäftsstelle"
    if scope.email:
        back_to += f" ({scope.email})"
    lines: list[tuple[str, Font]] = [
        (f"Rückmeldebogen – {scope.label}", Font(name="Calibri", size=16, bold=True, color="1F4E78")),
        (doc_title, Font(name="Calibri", size=11, italic=True)),
        ("", Font()),
        (f"An: {scope.recipient or 'alle Arbeitsgruppen'}", Font(name="Calibri", size=12)),
        (f"Versandt am: {today:%d.%m.%Y}", Font(name="Calibri", size=12)),
        (f"Bitte zurück bis: {due}", Font(name="Calibri", size=12, bold=True)),
        (f"Bitte zurück an: {back_to}", Font(name="Calibri", size=12, bold=True)),
        ("", Font()),
        ("So geht es:", Font(name="Calibri", size=12, bold=True)),
    ]
    steps = [
        "Öffnen Sie das Blatt „Rückmeldung“. Weiße Zellen können Sie ändern, graue (Nr., Ziel, IDs) nicht.",
        "Status und Priorität wählen Sie aus der Liste der Zelle; andere Werte werden abgewiesen.",
        "Beginn und Ende bitte als Monat/Jahr eintragen, z. B. 03/2026, oder nur das Jahr, oder „laufend“.",
        "Neue Maßnahmen tragen Sie in die leeren Zeilen unter der Tabelle ein; wählen Sie dort das Ziel.",
        "Bitte keine Zeilen löschen: Entfällt eine Maßnahme, schreiben Sie das in die Spalte „Notizen“.",
        "Im Blatt „Indikatoren“ tragen Sie gemessene Werte ein (Stichtag als Monat/Jahr und Ist-Wert; für "
        "einen weiteren Monat die Zeile kopieren). Einen neuen Indikator schreiben Sie mit der Nr. des Ziels "
        "oder der Maßnahme in eine leere Zeile.",
        "Speichern Sie die Datei als Excel-Arbeitsmappe (.xlsx) und senden Sie sie zurück. Der Dateiname "
        "darf sich ändern; die Zuordnung steckt in der Datei.",
        "Ihre Angaben werden mit dem aktuellen Stand zusammengeführt: Was Sie nicht ändern, bleibt so, wie "
        "es inzwischen im Konzept steht.",
    ]
    lines += [(f"{i}. {t}", Font(name="Calibri", size=11)) for i, t in enumerate(steps, start=1)]
    lines += [
        ("", Font()),
        (f"Kennung dieser Versendung: {dispatch_uid}", Font(name="Calibri", size=8, color="808080")),
    ]
    for r, (text, font) in enumerate(lines, start=1):
        cell = ws.cell(r, 2, text)
        cell.font = font
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        size = float(font.size or 11)
        ws.row_dimensions[r].height = _lines(text, 88 * 11 / size) * size * 1.45 + 2
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.orientation = "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.protection.sheet = True


def _lists(wb: Workbook, status_labels: list[str]) -> None:
    ws = wb.create_sheet(LIST_SHEET)
    for r, label in enumerate(status_labels, start=1):
        ws.cell(r, 1, label)
    for r, label in enumerate(PRIORITIES.values(), start=1):
        ws.cell(r, 2, label)
    ws.sheet_state = "hidden"
    ws.protection.sheet = True


def write_marker(wb: Any, dispatch_uid: str, document_uid: str, scope_key: str, subject: str) -> None:
    """The dispatch id in the workbook: a very hidden, protected sheet "_kik" and the workbook's
    properties (found again after Excel or LibreOffice re-saved or renamed the file). Works on a
    write-only workbook too (rows are appended)."""
    ws = wb.create_sheet(META_SHEET)
    for row in (
        ("dispatch", dispatch_uid),
        ("document", document_uid),
        ("scope", scope_key),
        ("format", "1"),
    ):
        ws.append(list(row))
    ws.sheet_state = "veryHidden"
    ws.protection.sheet = True
    wb.properties.identifier = dispatch_uid
    marker = f"{DISPATCH_KEYWORD}{dispatch_uid} {DOCUMENT_KEYWORD}{document_uid}"
    wb.properties.keywords = f"{wb.properties.keywords} {marker}" if wb.properties.keywords else marker
    wb.properties.subject = subject


def _list_validation(
    ws: Any, list_column: str, count: int, cells: str, title: str, error: str, prompt: str = ""
) -> None:
    """An enforced drop-down over ``cells`` with the first ``count`` entries of a column of the list
    sheet: other values are refused with ``error`` (status, priority, the goal of a new row)."""
    add_enforced_list(
        ws, f"={LIST_SHEET}!${list_column}$1:${list_column}${count}", cells, title, error, prompt
    )


def _validations(ws: Any, last_row: int, n_status: int) -> None:
    def col(key: str) -> str:
        return str(get_column_letter(COL_INDEX[key]))

    def cells(key: str) -> str:
        return f"{col(key)}{FIRST_ROW}:{col(key)}{last_row}"

    _list_validation(
        ws,
        "A",
        n_status,
        cells("status"),
        "Status",
        "Bitte einen Status aus der Liste wählen.",
        "Aus der Liste wählen",
    )
    _list_validation(
        ws,
        "B",
        len(PRIORITIES),
        cells("priority"),
        "Priorität",
        "Bitte „hoch“, „mittel“ oder „niedrig“ wählen.",
        "hoch, mittel oder niedrig",
    )
    for key in ("start", "end"):
        c = f"{col(key)}{FIRST_ROW}"
        formula = (
            f'OR({c}="",{c}="laufend",AND(LEN({c})=4,IFERROR(VALUE({c})>=1990,FALSE)),'
            f'AND(LEN({c})=7,MID({c},3,1)="/",IFERROR(AND(VALUE(LEFT({c},2))>=1,VALUE(LEFT({c},2))<=12,'
            f"VALUE(RIGHT({c},4))>=1990),FALSE)))"
        )
        dv = DataValidation(
            type="custom",
            formula1=formula,
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="stop",
            errorTitle="Monat/Jahr",
            error="Bitte als Monat/Jahr (z. B. 03/2026), als Jahr (2026) oder „laufend“ eintragen.",
            promptTitle="Monat/Jahr",
            prompt="z. B. 03/2026, 2026 oder laufend",
            showInputMessage=True,
        )
        dv.add(f"{col(key)}{FIRST_ROW}:{col(key)}{last_row}")
        ws.add_data_validation(dv)


def _table(
    wb: Workbook, s: Session, scope: Scope, base: dispatches.ValueMap, warnings: list[str]
) -> tuple[int, list[str]]:
    """The table sheet; fills ``base`` with the exported values; returns (last row, goal labels)."""
    ws = wb.create_sheet(TABLE_SHEET)
    status_label = {st.key: st.label for st in statuses(s)}
    ws.cell(1, 1, f"Rückmeldebogen – {scope.label}").font = Font(name="Calibri", size=14, bold=True)
    ws.cell(2, 1, "Weiße Zellen ausfüllen; Status und Priorität aus der Liste wählen.").font = Font(
        name="Calibri", size=10, italic=True
    )
    for c, column in enumerate(RETURN_COLUMNS, start=1):
        cell = ws.cell(HEADER_ROW, c, column.header)
        cell.font = Font(name="Calibri", bold=True, color="FFFFFF")
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cell.border = _BORDER
        ws.column_dimensions[get_column_letter(c)].width = column.width
    ids = set(scope.measure_ids)
    rows = [r for r in _measure_rows(s) if r[0] in ids]
    order = {m: i for i, m in enumerate(scope.measure_ids)}
    rows.sort(key=lambda r: order[r[0]])
    field_no = {fid: n for n, fid in enumerate(_field_ids(s), start=1)}
    goal_no: dict[int, str] = {}
    for fid in _field_ids(s):
        for n, gid in enumerate(
            s.scalars(select(Goal.id).where(Goal.field_id == fid).order_by(Goal.position, Goal.id)), 1
        ):
            goal_no[gid] = f"{field_no[fid]}.{n}"
    measure_no: dict[int, str] = {}
    for gid, prefix in goal_no.items():
        for n, mid in enumerate(
            s.scalars(
                select(Measure.id).where(Measure.goal_id == gid).order_by(Measure.position, Measure.id)
            ),
            1,
        ):
            measure_no[mid] = f"{prefix}.{n}"
    goal_labels: list[str] = []
    r = FIRST_ROW
    for mid, gid, fid in rows:
        m = s.get(Measure, mid)
        g = s.get(Goal, gid)
        f = s.get(Field, fid)
        assert m is not None and g is not None and f is not None
        label = f"{goal_no[gid]} {g.title}"
        if label not in goal_labels:
            goal_labels.append(label)
        values: dict[str, Any] = {
            "number": measure_no[mid],
            "goal": label,
            "indicator": g.indicator or "",
            "measure_uid": m.uid,
            "goal_uid": g.uid,
            "field_uid": f.uid,
        }
        for key, attr in dispatches.MEASURE_MERGE_ATTRS.items():
            values[key] = dispatches.as_text(getattr(m, attr))
        base[("measure", m.uid)] = {k: values[k] for k in dispatches.MEASURE_MERGE_ATTRS}
        base[("goal", g.uid)] = {"indicator": g.indicator or ""}
        shown = dict(values)
        shown["status"] = status_label.get(m.status_key or "", "")
        shown["priority"] = PRIORITIES.get(m.priority or 0, "")
        for c, column in enumerate(RETURN_COLUMNS, start=1):
            text = clean_cell_text(
                str(shown.get(column.key, "")), f"{measure_no[mid]} {column.header}", warnings
            )
            cell = ws.cell(r, c, text)
            cell.alignment = _WRAP
            cell.border = _BORDER
            cell.number_format = "@"
            cell.protection = Protection(locked=not column.editable)
            if not column.editable:
                cell.fill = _LOCKED_FILL
        ws.row_dimensions[r].height = min(
            409,
            15 * max(_lines(str(shown.get(c.key, "")), c.width) for c in RETURN_COLUMNS if c.level != "id")
            + 3,
        )
        r += 1
    for _ in range(BLANK_ROWS):
        for c, column in enumerate(RETURN_COLUMNS, start=1):
            cell = ws.cell(r, c)
            cell.border = _BORDER
            cell.number_format = "@"
            editable = column.editable or column.key == "goal"
            cell.protection = Protection(locked=not editable)
            if not editable:
                cell.fill = _LOCKED_FILL
        r += 1
    last = r - 1
    if goal_labels:
        lists = wb[LIST_SHEET]
        for i, label in enumerate(goal_labels, start=1):
            lists.cell(i, 3, label)
        goal_col = get_column_letter(COL_INDEX["goal"])
        blank = f"{goal_col}{last - BLANK_ROWS + 1}:{goal_col}{last}"
        _list_validation(ws, "C", len(goal_labels), blank, "Ziel", "Bitte ein Ziel aus der Liste wählen.")
    _validations(ws, last, len(status_label))
    for key in ("measure_uid", "goal_uid", "field_uid"):
        ws.column_dimensions[get_column_letter(COL_INDEX[key])].hidden = True
    ws.freeze_panes = ws.cell(FIRST_ROW, COL_INDEX["title"] + 1)
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_area = f"A1:{get_column_letter(COL_INDEX['notes'])}{last}"
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.autoFilter = False
    ws.protection.sort = True
    ws.row_dimensions[HEADER_ROW].height = 60
    return last, goal_labels


def write_return_workbook(
    s: Session,
    scope: Scope,
    out: str | os.PathLike[str],
    *,
    due: date | None = None,
    today: date | None = None,
    kind: str = "workbook",
) -> ReturnResult:
    """Write the return workbook for scope and record the dispatch (in s, the caller's transaction).

    Writes the file first and records afterwards; the caller's transaction rolls the record back if
    anything fails, and a failed file write leaves no dispatch."""
    path = Path(out)
    if path.suffix.lower() != ".xlsx":
        raise ExportError(f"„{path.name}“: Der Dateiname muss auf .xlsx enden.")
    if not scope.measure_ids:
        raise ExportError(f"Für „{scope.label}“ gibt es keine Maßnahmen; es wurde nichts exportiert.")
    today = today or date.today()
    due_date = due or today + timedelta(weeks=4)
    due_text = f"{due_date:%d.%m.%Y}"
    document_uid = dispatches.document_uid(s, create=True)
    assert document_uid is not None
    base: dispatches.ValueMap = {}
    warnings: list[str] = []
    # The dispatch needs its uid before the file is written: record first (rolled back on failure).
    info, changes = dispatches.record_dispatch(
        s,
        kind=kind,
        scope=scope.key,
        scope_label=scope.label,
        recipient=scope.recipient,
        values={},
        file_name=path.name,
        contact=scope.contact,
        email=scope.email,
        due=due_text,
        now=datetime.combine(today, datetime.now().time()),
    )
    wb = Workbook()
    title = properties(s).get("title", "") or "Kommunales Integrationskonzept Kempten (KIK)"
    _cover(wb, scope, title, info.uid, due_text, today)
    _lists(wb, [st.label for st in statuses(s)])
    _table(wb, s, scope, base, warnings)
    wb.move_sheet(TABLE_SHEET, offset=-(len(wb.sheetnames) - 2))
    # The sheet "Indikatoren" of the scope's measures and goals; its values join the base.
    write_indicator_sheet(wb, s, measure_ids=scope.measure_ids, base=base)
    write_marker(wb, info.uid, document_uid, scope.key, f"Rückmeldebogen {scope.label}")
    dispatches.add_base_values(s, info.id, base)
    save_atomically(wb.save, path)
    info = dispatches.find_dispatch(s, info.uid) or info
    return ReturnResult(path, info, len(scope.measure_ids), changes, warnings)

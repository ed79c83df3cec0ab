"""Reading a workbook into an import preview: find the tables, parse them, compare with the document.
Nothing is written here."""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kik_desktop.domain.defaults import default_concept
from kik_desktop.domain.queries import statuses
from kik_desktop.exchange.import_model import ImportPreview, Issue, normalize_name
from kik_desktop.exchange.matcher import Matcher
from kik_desktop.exchange.plan_parser import PlanParser
from kik_desktop.exchange.status_reader import StatusReader
from kik_desktop.exchange.table_reader import Table, find_header
from kik_desktop.exchange.workbook_reader import WorkbookGrid, read_workbook
from kik_desktop.models import Field


def _known_field_names(s: Session) -> dict[str, str]:
    names = {normalize_name(n): n for n in s.scalars(select(Field.name)) if n}
    try:
        for f in default_concept()["fields"]:
            names.setdefault(normalize_name(f["name"]), f["name"])
    except (OSError, KeyError, ValueError):
        pass
    return names


def read_preview(s: Session, grid: WorkbookGrid) -> ImportPreview:
    """Understand an already read workbook and compare it with the document."""
    preview = ImportPreview(source=grid.path)
    parser = PlanParser(grid, StatusReader(statuses(s)), _known_field_names(s))
    tables: dict[int, Table] = {}
    for sheet in grid.sheets:
        table = find_header(sheet)
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
    Matcher(s, parser, preview).run()
    return preview


def preview_import(s: Session, path: str | os.PathLike[str]) -> ImportPreview:
    """Read a workbook and compare it with the document in session s; writes nothing.

    Raises WorkbookRejected (German message) when the file cannot be read at all.
    """
    grid = read_workbook(path)
    return read_preview(s, grid)


def preview_document(doc: Any, path: str | os.PathLike[str]) -> ImportPreview:
    with doc.reading() as s:
        return preview_import(s, path)

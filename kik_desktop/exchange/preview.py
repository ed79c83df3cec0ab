"""Reading a workbook into an import preview: find the tables, parse them, compare with the document.
Nothing is written here."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kik_desktop.domain.defaults import default_concept
from kik_desktop.domain.queries import statuses
from kik_desktop.exchange import csv_reader, headers, name_lists  # fidelity #18
from kik_desktop.exchange.import_model import ImportPreview, Issue, PreviewItem, ValueChange, normalize_name
from kik_desktop.exchange.matcher import Matcher
from kik_desktop.exchange.plan_parser import PlanParser
from kik_desktop.exchange.status_reader import StatusReader
from kik_desktop.exchange.table_reader import Table, find_header
from kik_desktop.exchange.workbook_reader import WorkbookGrid
from kik_desktop.models import Field, Institution


def _known_field_names(s: Session) -> dict[str, str]:
    names = {normalize_name(n): n for n in s.scalars(select(Field.name)) if n}
    try:
        for f in default_concept()["fields"]:
            names.setdefault(normalize_name(f["name"]), f["name"])
    except (OSError, KeyError, ValueError):
        pass
    return names


def read_preview(
    s: Session,
    grid: WorkbookGrid,
    mapping: dict[str, str] | None = None,
    *,
    matcher: Callable[[Session, PlanParser, ImportPreview], Matcher] = Matcher,
) -> ImportPreview:
    """Understand an already read workbook and compare it with the document.

    ``mapping`` (normalised header text → column key, "" = not imported) overrides how columns are read;
    ``matcher`` makes the comparison (the full export's three-way import passes one that knows the base).
    """
    preview = ImportPreview(source=grid.path)
    parser = PlanParser(grid, StatusReader(statuses(s)), _known_field_names(s))
    _fidelity_setup(s, grid, parser, preview, mapping)  # fidelity #18 hook
    tables: dict[int, Table] = {}
    for sheet in grid.sheets:
        table = find_header(
            sheet,
            mapping=parser.mapping,
            matches=parser.header_matches,
            remembered_used=parser.remembered_used,
        )
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
    preview.header_matches = {k: v for k, v in parser.header_matches.items() if k in parser.sheets_read}
    preview.mapping = {**parser.remembered_used, **preview.mapping}  # a remembered mapping is kept on remap
    for sheet_title, match in preview.header_matches.items():  # fidelity #18 hook: unsure columns asked
        for q in match.questions:
            preview.issues.append(
                Issue(
                    "warning",
                    f"Die Spalte „{q.text[:60]}“ wird als „{headers.FIELD_LABELS.get(q.key or '', q.key)}“ "
                    "gelesen (ähnliche Schreibweise) – bitte die Zuordnung prüfen.",
                    sheet_title,
                    match.row,
                    q.column,
                )
            )
    preview.issues.extend(parser.issues)
    if not any(pf.goals for pf in parser.fields.values()) and not parser.fields:
        preview.issues.append(Issue("error", "Die Tabelle enthält keine Ziele und keine Maßnahmen."))
        return preview
    matcher(s, parser, preview).run()
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


def _fidelity_setup(
    s: Session, grid: WorkbookGrid, parser: PlanParser, preview: ImportPreview, mapping: dict[str, str] | None
) -> None:
    """fidelity #18: the user's column mapping, the institution registry, notes on CSV and macros."""
    parser.mapping = dict(mapping or {})
    preview.mapping = dict(mapping or {})
    rows = s.execute(select(Institution.name, Institution.short_name))
    parser.registry = name_lists.registry_from((str(n), str(sh or "")) for n, sh in rows)
    info = grid.csv_info
    if info:
        preview.issues.append(Issue("info", info))
    if grid.has_macros:
        preview.issues.append(
            Issue("info", "Die Arbeitsmappe enthält Makros; sie werden weder ausgeführt noch übernommen.")
        )


def preview_import(
    s: Session, path: str | os.PathLike[str], mapping: dict[str, str] | None = None
) -> ImportPreview:
    """Read a workbook (or a CSV file) and compare it with the document in session s; writes nothing.

    ``mapping`` (normalised header text → column key, "" = not imported) overrides how columns are read.
    Raises WorkbookRejected (German message) when the file cannot be read at all.
    """
    grid = csv_reader.read_table_file(path)  # fidelity #18: CSV too
    return read_preview(s, grid, mapping)


def preview_document(
    doc: Any, path: str | os.PathLike[str], mapping: dict[str, str] | None = None
) -> ImportPreview:
    with doc.reading() as s:
        return preview_import(s, path, mapping)

"""Import of implementation tables from .xlsx: our own exports and the municipality's own workbooks.

``preview_import(session, path)`` reads the file (bounded, after the preflight), understands its
layout and compares it with the document; nothing is written. The returned ``ImportPreview`` lists new,
changed, unchanged and missing items and every issue with sheet, row and column.
``apply_import(session, preview)`` then writes it in the caller's transaction and returns an
``ImportUndo`` whose ``undo(session)``/``redo(session)`` make it one undo step.

This module is the façade of the import; the work is done in
``table_reader`` (header and rows of a sheet) → ``plan_parser`` (fields, goals, measures of the rows)
→ ``matcher`` (compared with the document) → ``merge`` (written as one undo step);
``import_workflow`` runs preview → verified backup → apply for the CLI, the window and the tests.
Reading the city's own tables (#18) plugs into those steps: ``headers`` (group headers, synonyms, the
user's column mapping) in ``table_reader``; ``row_kinds``, ``sheet_hints``, ``name_lists``,
``conditional`` and ``status_words`` in ``plan_parser``/``status_reader``; ``csv_reader`` in ``preview``.
"""

from __future__ import annotations

from collections.abc import Iterable

from kik_desktop.exchange.import_model import (
    ImportBlocked,
    ImportPreview,
    Issue,
    PreviewItem,
    ValueChange,
)
from kik_desktop.exchange.import_workflow import apply_preview, import_file
from kik_desktop.exchange.merge import ImportUndo, apply_import, prepare_import
from kik_desktop.exchange.preview import preview_document, preview_import, read_preview
from kik_desktop.exchange.xlsx_guard import WorkbookRejected


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
    "apply_preview",
    "import_file",
    "prepare_import",
    "preview_document",
    "preview_import",
    "read_preview",
]

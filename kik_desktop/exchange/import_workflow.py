"""The one import workflow: preview → verified backup → apply → record, for the CLI, the window and tests.

Nothing writes an import without a verified backup of the document first (``store.backup.make_backup``
checks the copy's integrity and counts before it keeps it). The write itself is done by a *writer*: the
CLI and tests write in one ``doc.transaction()``; the window passes its undoable bulk operation, so the
import is one step on the undo stack. After the write, ``record`` (if given) runs in the same way, e.g. to
mark a dispatch as returned.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from kik_desktop.exchange.import_model import ImportPreview
from kik_desktop.exchange.merge import ImportUndo, prepare_import
from kik_desktop.exchange.preview import preview_document
from kik_desktop.exchange.provenance import ImportProvenance
from kik_desktop.store.backup import make_backup

Step = Callable[[Session], Any]
# (description, redo, undo) → written? The window's run_bulk_operation has this shape.
Writer = Callable[[str, Step, Step], bool]


def transaction_writer(doc: Any) -> Writer:
    """A writer for scripts and the CLI: redo in one transaction of doc."""

    def write(_description: str, redo: Step, _undo: Step) -> bool:
        with doc.transaction() as s:
            redo(s)
        return True

    return write


def backup_then_write(
    doc: Any, source_name: str, description: str, redo: Step, undo: Step, write: Writer | None = None
) -> Path | None:
    """Make a verified backup ("vor Import aus …"), then write; returns the backup's path, None when the
    writer declined (e.g. the window's write failed and was rolled back). Raises BackupError (a
    DocumentError with a German message) when no verified backup could be made: then nothing is written."""
    # A server document is backed up as a .kik copy (store/backup.py takes the Document itself).
    backup = make_backup(
        doc if doc.is_server else Path(doc.path), f"vor Import aus {source_name}", kind="import"
    )
    writer = write or transaction_writer(doc)
    if not writer(description, redo, undo):
        return None
    return backup


@dataclass
class AppliedImport:
    preview: ImportPreview
    record: ImportUndo
    backup: Path


def apply_preview(
    doc: Any,
    preview: ImportPreview,
    *,
    delete_missing: bool = False,
    write: Writer | None = None,
) -> AppliedImport | None:
    """Backup and apply a confirmed preview. Raises ImportBlocked when it has errors (nothing written)."""
    record = prepare_import(preview, delete_missing=delete_missing)
    step = ImportProvenance(record, preview.source.name)  # the editor's "zuletzt geändert … (Import …)"
    backup = backup_then_write(doc, preview.source.name, record.description, step.redo, step.undo, write)
    if backup is None:
        return None
    return AppliedImport(preview, record, backup)


def import_file(
    doc: Any, path: str | os.PathLike[str], *, delete_missing: bool = False
) -> tuple[ImportPreview, ImportUndo]:
    """Preview, verified backup and apply in one go (scripts, tests): nothing written on any error."""
    preview = preview_document(doc, path)
    applied = apply_preview(doc, preview, delete_missing=delete_missing)
    assert applied is not None  # the transaction writer always writes or raises
    return preview, applied.record

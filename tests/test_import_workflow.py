"""One import workflow (verified backup before every import write) and one SQLite error table."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from kik_desktop.domain import plan
from kik_desktop.exchange import import_workflow
from kik_desktop.exchange.excel_export import export_document
from kik_desktop.exchange.excel_import import import_file, preview_document
from kik_desktop.models import Measure
from kik_desktop.store import Document, DocumentDamagedError, StorageError
from kik_desktop.store.backup import BackupError, list_backups
from kik_desktop.store.database import describe_sqlite_error, is_environment_error
from kik_desktop.store.sqlite_errors import RULES, ErrorClass, classify

pytestmark = pytest.mark.both_backends


def _edited_export(doc: Document, tmp_path: Path) -> Path:
    from openpyxl import load_workbook

    out = tmp_path / "export.xlsx"
    export_document(doc, out)
    wb = load_workbook(out)
    ws = wb["Alle Maßnahmen"]
    row = next(r for r in range(4, ws.max_row + 1) if str(ws.cell(r, 3).value or "").endswith(" M1"))
    ws.cell(row, 3).value = "1.1.1 M1 geändert"
    wb.save(out)
    return out


def _titles(doc: Document) -> list[str]:
    with doc.reading() as s:
        return sorted(s.scalars(select(Measure.title)))


def test_import_file_makes_a_verified_backup_first(small_plan: Document, tmp_path: Path) -> None:
    path = _edited_export(small_plan, tmp_path)
    assert list_backups(small_plan.location) == []
    import_file(small_plan, path)
    backups = list_backups(small_plan.location)
    assert len(backups) == 1
    assert backups[0].kind == "import" and "export.xlsx" in backups[0].reason
    assert "M1 geändert" in _titles(small_plan)


def test_no_backup_no_import(small_plan: Document, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _edited_export(small_plan, tmp_path)
    before = _titles(small_plan)

    def failing_backup(*_a: object, **_k: object) -> Path:
        raise BackupError("Sicherung fehlgeschlagen: Nicht genug Speicherplatz im Sicherungsordner.")

    monkeypatch.setattr(import_workflow, "make_backup", failing_backup)
    with pytest.raises(BackupError):
        import_file(small_plan, path)
    assert _titles(small_plan) == before


def test_window_writer_is_used_after_the_backup(small_plan: Document, tmp_path: Path) -> None:
    path = _edited_export(small_plan, tmp_path)
    preview = preview_document(small_plan, path)
    calls: list[str] = []

    def writer(description: str, redo: import_workflow.Step, undo: import_workflow.Step) -> bool:
        calls.append(description)
        assert len(list_backups(small_plan.location)) == 1  # the backup exists before the write
        with small_plan.transaction() as s:
            redo(s)
        return True

    applied = import_workflow.apply_preview(small_plan, preview, write=writer)
    assert applied is not None and applied.backup.exists()
    assert calls == ["Import aus export.xlsx"]


def _sqlite_error(message: str, name: str) -> sqlite3.OperationalError:
    exc = sqlite3.OperationalError(message)
    exc.sqlite_errorname = name  # type: ignore[attr-defined]
    return exc


@pytest.mark.parametrize("rule", RULES, ids=[r.name for r in RULES])
def test_every_rule_is_found_by_name_and_by_message(rule: object) -> None:
    from kik_desktop.store.sqlite_errors import SqliteErrorRule

    assert isinstance(rule, SqliteErrorRule)
    by_name = classify(_sqlite_error("irgendwas", rule.name + "_EXTENDED"))
    by_message = classify(sqlite3.OperationalError(rule.fragments[0]))
    assert by_name.error_class is rule.error_class and by_name.message == rule.message
    assert by_message.error_class is rule.error_class
    # The two old entry points agree with the table (they disagreed on CANTOPEN and LOCKED).
    assert is_environment_error(_sqlite_error("x", rule.name)) is True
    assert describe_sqlite_error(_sqlite_error("x", rule.name)) == rule.message


def test_unknown_errors_are_bugs() -> None:
    found = classify(sqlite3.OperationalError("no such column: foo"))
    assert found.error_class is ErrorClass.BUG
    assert not is_environment_error(sqlite3.OperationalError("no such column: foo"))


@pytest.mark.sqlite_only(reason="SQLite's error codes (the server's messages: test_team.py)")
def test_a_failing_read_is_classified_like_a_failing_write(small_plan: Document) -> None:
    io = OperationalError("SELECT 1", {}, _sqlite_error("disk I/O error", "SQLITE_IOERR_READ"))
    with pytest.raises(StorageError, match="Lese- oder Schreibfehler"), small_plan.reading():
        raise io
    with pytest.raises(StorageError, match="Lese- oder Schreibfehler"), small_plan.transaction():
        raise io
    corrupt = OperationalError(
        "SELECT 1", {}, _sqlite_error("database disk image is malformed", "SQLITE_CORRUPT")
    )
    with pytest.raises(DocumentDamagedError), small_plan.reading():
        raise corrupt
    bug = OperationalError("SELECT 1", {}, sqlite3.OperationalError("no such column: foo"))
    with pytest.raises(OperationalError), small_plan.reading():
        raise bug
    with small_plan.reading() as s:  # the document still reads
        assert s.scalar(select(func.count(Measure.id))) == 6
    assert plan.CLASS_OF["measure"] is Measure

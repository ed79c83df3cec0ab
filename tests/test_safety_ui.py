"""The safety parts of the window: excepthook dialog and log, storage errors, lock and damage dialogs,
Datei → Wiederherstellen."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from kik_desktop.domain import plan
from kik_desktop.store import Document, StorageError
from kik_desktop.store import backup as bk
from kik_desktop.store.lock import DocumentLock
from kik_desktop.ui import errors, restore_dialog


@pytest.fixture
def boxes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[QMessageBox]]:
    """Message boxes are recorded instead of shown; a test may set `click` to the button text to press."""
    shown: list[QMessageBox] = []

    def fake_exec(box: QMessageBox) -> int:
        shown.append(box)
        wanted = getattr(fake_exec, "click", None)
        for button in box.buttons():
            if wanted and button.text() == wanted:
                button.click()
                break
        return 0

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Ok))
    errors._recent_dialogs.clear()
    yield shown
    errors._recent_dialogs.clear()


def _clicker(boxes: list[QMessageBox], text: str | None) -> None:
    """Make the recording exec() of the `boxes` fixture press the button with this text."""
    QMessageBox.exec.click = text  # type: ignore[attr-defined]


@pytest.fixture
def hook(qapp: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[BaseException], None]]:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    root = logging.getLogger()
    before = list(root.handlers)
    errors.install_excepthook()
    errors._state["installed"] = False  # let the next test install again

    def raise_through_hook(exc: BaseException) -> None:
        try:
            raise exc
        except BaseException as caught:
            sys.excepthook(type(caught), caught, caught.__traceback__)

    yield raise_through_hook
    for handler in root.handlers[:]:
        if handler not in before:
            root.removeHandler(handler)
            handler.close()


def test_unexpected_error_dialog_names_the_log_file(
    hook: Callable[[BaseException], None], boxes: list[QMessageBox], data_dir: Path
) -> None:
    hook(ValueError("kaputt"))
    assert len(boxes) == 1
    box = boxes[0]
    assert "unerwarteter Fehler" in box.text() and "kaputt" in box.text()
    assert str(errors.log_file()) in box.informativeText()
    assert errors.log_file().parent == data_dir / "Protokolle"
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert "ValueError: kaputt" in errors.log_file().read_text("utf-8")


def test_storage_errors_get_the_storage_dialog(
    hook: Callable[[BaseException], None], boxes: list[QMessageBox]
) -> None:
    hook(StorageError("Nicht genug Speicherplatz: Die Änderung wurde nicht gespeichert."))
    assert boxes[0].text().startswith("Nicht genug Speicherplatz")
    assert "zurückgenommen" in boxes[0].informativeText()


def test_an_error_storm_shows_few_dialogs(
    hook: Callable[[BaseException], None], boxes: list[QMessageBox]
) -> None:
    for n in range(20):
        hook(RuntimeError(f"Fehler {n}"))
    assert len(boxes) == errors.MAX_DIALOGS


def test_lock_dialog_read_only(closed_doc: Path, boxes: list[QMessageBox]) -> None:
    other = DocumentLock(closed_doc)
    other.acquire()
    _clicker(boxes, "Schreibgeschützt öffnen")
    result = restore_dialog.open_safely(None, closed_doc)
    assert result is not None
    doc, lock = result
    assert doc.read_only and lock is None
    texts = [b.text() for b in boxes]
    assert "bereits geöffnet" in texts[0] and "auf diesem Rechner seit" in texts[0]
    assert {b.text() for b in boxes[0].buttons()} == {
        "Schreibgeschützt öffnen",
        "Sperre aufheben",
        "Abbrechen",
    }
    doc.close()
    other.release()


def test_lock_dialog_break_lock_after_confirmation(closed_doc: Path, boxes: list[QMessageBox]) -> None:
    other = DocumentLock(closed_doc)
    other.acquire()
    _clicker(boxes, "Sperre aufheben")
    result = restore_dialog.open_safely(None, closed_doc)
    assert result is not None
    doc, lock = result
    assert not doc.read_only and lock is not None and lock.still_held() and not other.still_held()
    doc.close()
    lock.release()


def test_lock_dialog_cancel(closed_doc: Path, boxes: list[QMessageBox]) -> None:
    other = DocumentLock(closed_doc)
    other.acquire()
    _clicker(boxes, "Abbrechen")
    assert restore_dialog.open_safely(None, closed_doc) is None
    other.release()


def test_damage_dialog_restores_the_newest_good_backup(closed_doc: Path, boxes: list[QMessageBox]) -> None:
    bk.make_backup(closed_doc, "gut")
    closed_doc.write_bytes(closed_doc.read_bytes()[: 2 * 4096])
    _clicker(boxes, "Sicherung wiederherstellen")
    result = restore_dialog.open_safely(None, closed_doc)
    assert result is not None
    doc, lock = result
    with doc.reading() as s:
        assert plan.counts(s)["measures"] == 6
    assert closed_doc.with_name(closed_doc.name + ".damaged").exists()
    assert "beschädigt" in boxes[0].text()
    doc.close()
    assert lock is not None
    lock.release()


@pytest.fixture
def closed_doc(small_plan: Document) -> Path:
    small_plan.close()
    return small_plan.path


def test_restore_dialog_lists_backups(qtbot: QtBot, closed_doc: Path) -> None:
    bk.make_backup(closed_doc, "vor Import", kind="import")
    bk.make_backup(closed_doc, "beim Öffnen", kind="open")
    dialog = restore_dialog.RestoreDialog(closed_doc)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 2
    row = [item.text() for c in range(4) if (item := dialog.table.item(0, c)) is not None]
    assert row[1] == "beim Öffnen" and row[2] == "2 Handlungsfelder, 3 Ziele, 6 Maßnahmen"
    assert row[3] == "in Ordnung"
    assert dialog.restore_button.isEnabled()


def test_restore_through_the_window(
    qtbot: QtBot, tmp_path: Path, closed_doc: Path, boxes: list[QMessageBox]
) -> None:
    main_window = pytest.importorskip("kik_desktop.ui.main_window")
    window = main_window.MainWindow(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    from kik_desktop.ui.extensions import EXTENSIONS

    if "kik_desktop.ui.restore_dialog" not in EXTENSIONS:
        restore_dialog.install(window.context)
    result = restore_dialog.open_safely(window, closed_doc)
    assert result is not None
    window.set_document(*result)
    lock = window.lock
    assert lock is not None and lock.still_held()
    old = bk.list_backups(closed_doc)[0]  # the daily backup taken at open: 6 measures
    with window.document.transaction() as s:
        plan.create_item(s, "measure", 1, None, {"title": "nach der Sicherung"})
    assert restore_dialog.restore_into_window(window.context, old)
    with window.document.reading() as s:
        assert plan.counts(s)["measures"] == 6
    assert window.lock is lock and lock.still_held(), "the lock is kept across the restore"
    assert next(i.kind for i in bk.list_backups(closed_doc)) == "restore"
    assert window.context.actions["restore"].isEnabled()
    window.close()
    assert not lock.path.exists()


def _tree_titles(window: object) -> dict[int, str]:
    out: dict[int, str] = {}
    for field in window.tree_model.root.children:  # type: ignore[attr-defined]
        for goal in field.children:
            for measure in goal.children:
                out[measure.id] = measure.title
    return out


def test_disk_full_in_the_window_keeps_it_consistent(
    qtbot: QtBot, tmp_path: Path, closed_doc: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An edit into a full disk: a German message, the edit rolled back, the tree shows the database."""
    import sqlite3
    from typing import Any

    from sqlalchemy import event

    main_window = pytest.importorskip("kik_desktop.ui.main_window")
    window = main_window.MainWindow(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(window, "show_error", lambda title, text: shown.append((title, text)))
    result = restore_dialog.open_safely(window, closed_doc)
    assert result is not None
    window.set_document(*result)
    doc = window.document
    with doc.engine.connect() as conn:
        pages = int(conn.exec_driver_sql("PRAGMA page_count").scalar() or 0)

    def limit(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute(f"PRAGMA max_page_count={pages}")

    doc.engine.dispose()
    event.listen(doc.engine, "connect", limit)
    try:
        measure_id = next(iter(_tree_titles(window)))
        ok = window.operations.update(
            "measure", measure_id, {"title": "Neu", "description": "x" * 30_000, "notes": "y" * 30_000}
        )
    finally:
        event.remove(doc.engine, "connect", limit)
    assert ok is None  # refused: nothing written, no result
    assert shown and "Nicht genug Speicherplatz" in shown[0][1]
    conn = sqlite3.connect(closed_doc)
    try:
        in_db = dict(conn.execute("SELECT id, title FROM measure").fetchall())
    finally:
        conn.close()
    assert _tree_titles(window) == in_db and in_db[measure_id] != "Neu"
    assert window.undo_stack.count() == 0
    window.close()

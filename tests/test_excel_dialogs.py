"""Datei → Excel export and import in the real main window: file dialogs patched, preview, confirm, undo."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox

from kik_desktop.domain.queries import dump_plan
from kik_desktop.store import Document
from kik_desktop.ui import excel_dialogs
from kik_desktop.ui.excel_dialogs import ImportPreviewDialog
from kik_desktop.ui.main_window import MainWindow


def titles(doc: Document) -> list[str]:
    with doc.reading() as s:
        data = dump_plan(s)
    return [m["title"] for f in data["fields"] for g in f["goals"] for m in g["measures"]]


def test_menu_actions(window: MainWindow) -> None:
    texts = [a.text() for a in window.menus["file"].actions()]
    assert "Exportieren als &Excel …" in texts and "&Importieren aus Excel …" in texts
    assert window.context.actions["excel_export"].shortcut().toString() == "Ctrl+E"
    assert window.context.actions["excel_import"].shortcut().toString() == "Ctrl+I"


def test_export_import_preview_confirm_undo(
    window: MainWindow, small_plan: Document, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert window.open_path(small_plan.path)
    out = tmp_path / "ag.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "ag"), XLSX))
    window.context.actions["excel_export"].trigger()
    assert out.exists()
    # A working group edits the workbook: one title changed, one row deleted, one measure added.
    wb = load_workbook(out)
    ws = wb["Alle Maßnahmen"]
    rows = {str(ws.cell(r, 3).value): r for r in range(4, ws.max_row + 1) if ws.cell(r, 3).value}
    ws.cell(rows["1.1.1 M1"], 3).value = "1.1.1 M1 überarbeitet"
    ws.delete_rows(rows["2.1.2 M6"])
    ws.append(
        [
            "2.1 Ziel C",
            None,
            "Neu aus der AG",
            None,
            None,
            None,
            None,
            None,
            "03/2027",
            None,
            None,
            "zukünftiger Termin",
        ]
    )
    for sheet in wb.worksheets[1:3]:
        wb.remove(sheet)  # only the overview sheet goes back
    without_dispatch_id(wb)  # a copy kept by hand: the two-way preview (the three-way one: test_cycle_ui)
    edited = tmp_path / "ag_bearbeitet.xlsx"
    wb.save(edited)
    before = titles(small_plan)

    seen: dict[str, Any] = {}

    def confirm(dialog: ImportPreviewDialog) -> int:
        seen["groups"] = {key: item.childCount() for key, item in dialog.groups.items()}
        changed = dialog.groups["changed"].child(0)
        seen["change"] = (changed.child(0).text(0), changed.child(0).text(1))
        seen["apply_enabled"] = dialog.apply_button.isEnabled()
        seen["delete_enabled"] = dialog.delete_missing.isEnabled()
        dialog.delete_missing.setChecked(True)
        return QDialog.DialogCode.Accepted.value

    monkeypatch.setattr(ImportPreviewDialog, "exec", confirm)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(edited), "x"))
    window.context.actions["excel_import"].trigger()
    assert seen["groups"]["new"] == 1 and seen["groups"]["changed"] == 1 and seen["groups"]["missing"] == 1
    assert seen["change"] == ("Maßnahme", "„M1“ → „M1 überarbeitet“")
    assert seen["apply_enabled"] and seen["delete_enabled"]
    after = titles(small_plan)
    assert after == ["M1 überarbeitet", "M2", "M3", "M4", "M5", "Neu aus der AG"]
    assert window.undo_stack.undoText() == "Import aus ag_bearbeitet.xlsx"
    window.undo_stack.undo()
    assert titles(small_plan) == before
    window.undo_stack.redo()
    assert titles(small_plan) == after


XLSX = excel_dialogs.XLSX_FILTER


def without_dispatch_id(wb: Any) -> None:
    """The export from the window is a dispatch (issue #11); without its id a workbook is compared
    two-way, as a table kept by hand."""
    del wb["_kik"]
    wb.properties.keywords = None
    wb.properties.identifier = None


def test_bad_file_shows_one_message_and_writes_nothing(
    window: MainWindow, small_plan: Document, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert window.open_path(small_plan.path)
    bad = tmp_path / "kaputt.xlsx"
    bad.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    messages: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _p, _t, text, *a, **k: messages.append(text))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(bad), "x"))
    before = small_plan.path.read_bytes()
    count = window.undo_stack.count()
    window.context.actions["excel_import"].trigger()
    assert len(messages) == 1 and "kaputt.xlsx" in messages[0] and "beschädigt" in messages[0]
    assert window.undo_stack.count() == count
    assert small_plan.path.read_bytes() == before


def test_cancel_in_preview_writes_nothing(
    window: MainWindow, small_plan: Document, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert window.open_path(small_plan.path)
    out = tmp_path / "x.xlsx"
    assert excel_dialogs.export_to_excel(window.context, out) is not None
    wb = load_workbook(out)
    wb["Alle Maßnahmen"]["E5"] = "geänderte Zielgruppe"
    without_dispatch_id(wb)
    wb.save(out)
    monkeypatch.setattr(ImportPreviewDialog, "exec", lambda self: QDialog.DialogCode.Rejected.value)
    count = window.undo_stack.count()
    assert excel_dialogs.import_from_excel(window.context, out) is False
    assert window.undo_stack.count() == count

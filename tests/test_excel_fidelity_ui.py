"""Issue #18 in the window: the preview asks about an unsure column, the user changes a column's field,
the preview is recomputed, and the confirmed mapping is remembered for a workbook with the same header."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDialog, QFileDialog
from pytestqt.qtbot import QtBot

from kik_desktop.domain.queries import dump_plan
from kik_desktop.exchange import headers
from kik_desktop.store import Document, create_document
from kik_desktop.ui import excel_dialogs
from kik_desktop.ui.excel_dialogs import ImportPreviewDialog
from kik_desktop.ui.main_window import MainWindow

HEADER = ["Ziel", "Maßnahme", "Bemerkung", "Umsetzngstand"]


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    win = MainWindow(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()


def workbook(path: Path, order: list[int]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "HF 1 Sprache"
    rows = [
        HEADER,
        ["1.1 Deutsch lernen", "Sprachcafé", "jeden Mittwoch", "umgesetzt"],
        [None, "Lesepaten", "mit der Bibliothek", "Mitte"],
    ]
    for row in rows:
        ws.append([row[i] for i in order])
    wb.save(path)
    return path


def measures(doc: Document) -> dict[str, dict[str, Any]]:
    with doc.reading() as s:
        data = dump_plan(s)
    return {m["title"]: m for f in data["fields"] for g in f["goals"] for m in g["measures"]}


def test_mapping_question_change_and_remember(
    window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = create_document(tmp_path / "leer.kik")
    doc.close()
    assert window.open_path(tmp_path / "leer.kik")
    book = workbook(tmp_path / "ag.xlsx", [0, 1, 2, 3])
    calls: list[str] = []

    def exec_(dialog: ImportPreviewDialog) -> int:
        panel = dialog.mapping_panel
        assert panel is not None
        rows = {panel.table.item(r, 1).text(): r for r in range(panel.table.rowCount())}
        if not calls:
            calls.append("first")
            # The typo is proposed as "Status" but asked; "Bemerkung" is not read.
            assert "unsicher" in panel.note.text()
            assert panel.table.item(rows["Umsetzngstand"], 3).text().startswith("Frage")
            combo = panel.table.cellWidget(rows["Bemerkung"], 2)
            assert combo.currentData() == ""
            assert not panel.apply_button.isEnabled()
            combo.setCurrentIndex(combo.findData("description"))
            assert panel.apply_button.isEnabled()
            dialog.grab().save(str(tmp_path / "frage.png"))
            if os.environ.get("KIK_SHOT_DIR"):
                dialog.grab().save(os.path.join(os.environ["KIK_SHOT_DIR"], "import_mapping_question.png"))
            panel.apply_button.click()
            return excel_dialogs.REMAP
        calls.append("second")
        assert panel.table.item(rows["Bemerkung"], 3).text() == "gewählt"
        new_measures = [i.title for i in dialog.preview.new if i.kind == "measure"]
        assert new_measures == ["Sprachcafé", "Lesepaten"]
        return QDialog.DialogCode.Accepted.value

    monkeypatch.setattr(ImportPreviewDialog, "exec", exec_)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(book), "x"))
    window.context.actions["excel_import"].trigger()
    assert calls == ["first", "second"]
    assert window.document is not None
    got = measures(window.document)
    assert got["Sprachcafé"]["description"] == "jeden Mittwoch"
    assert got["Lesepaten"]["status"] == "mitte"
    # Remembered: a workbook with the same header (in another order) is read the same way without asking.
    saved = headers.load_mappings()
    assert any(m.get("bemerkung") == "description" for m in saved.values())
    other = workbook(tmp_path / "ag2.xlsx", [3, 2, 1, 0])
    from kik_desktop.exchange.excel_import import preview_document

    preview = preview_document(window.document, other)
    (match,) = preview.header_matches.values()
    assert match.columns["description"] == 2 and match.columns["status"] == 1
    assert all(g.why == "gewählt" for g in match.guesses if g.text == "Bemerkung")
    # The remembered choice stays part of the mapping when the user changes another column.
    assert preview.mapping == {"bemerkung": "description"}

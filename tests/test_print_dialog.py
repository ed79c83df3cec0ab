"""Datei → Drucken / PDF in a real main window: kinds, choices, writing, opening, errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QDate, QUrl
from PySide6.QtGui import QDesktopServices, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from kik_desktop.domain import plan
from kik_desktop.store import Document
from kik_desktop.ui import print_dialog
from kik_desktop.ui.main_window import MainWindow
from kik_desktop.ui.print_dialog import PrintDialog


@pytest.fixture
def doc(empty_doc: Document) -> Document:
    with empty_doc.transaction() as s:
        f1 = plan.create_item(s, "field", None, None, {"name": "Sprache und Bildung"})
        f2 = plan.create_item(s, "field", None, None, {"name": "Arbeit und Ausbildung"})
        g1 = plan.create_item(s, "goal", f1, None, {"title": "Ziel Sprache"})
        g2 = plan.create_item(s, "goal", f2, None, {"title": "Ziel Arbeit"})
        plan.create_item(
            s,
            "measure",
            g1,
            None,
            {"title": "Alphakurs", "responsible": "Volkshochschule", "status_key": "anfang"},
        )
        plan.create_item(
            s,
            "measure",
            g2,
            None,
            {
                "title": "Bravo Börse",
                "responsible": "Jobcenter",
                "actors": "Volkshochschule",
                "status_key": "gefaehrdet",
            },
        )
    return empty_doc


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    urls: list[str] = []

    def fake_open(url: QUrl) -> bool:
        urls.append(url.toLocalFile())
        return True

    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(fake_open))
    return urls


@pytest.fixture
def warnings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []

    def fake(_parent: Any, _title: str, text: str, *a: Any, **k: Any) -> QMessageBox.StandardButton:
        shown.append(text)
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "warning", staticmethod(fake))
    monkeypatch.setattr(QMessageBox, "information", staticmethod(fake))
    return shown


def pdf_text(path: Path) -> str:
    return " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(str(path)).pages)


def test_menu_action_with_ctrl_p(window: MainWindow, doc: Document, qtbot: QtBot) -> None:
    action = window.context.actions["print"]
    assert action in window.menus["file"].actions()
    assert action.shortcut() == QKeySequence(QKeySequence.StandardKey.Print)
    assert "Drucken / PDF" in action.text().replace("&", "")
    window.set_document(doc)
    action.trigger()
    dialog = window.findChild(PrintDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.reject()


def test_handout_is_written_and_opened(
    window: MainWindow, doc: Document, tmp_path: Path, qtbot: QtBot, opened: list[str], warnings: list[str]
) -> None:
    window.set_document(doc)
    dialog = PrintDialog(window.context)
    qtbot.addWidget(dialog)
    dialog.set_kind("handout")
    assert dialog.field.isVisibleTo(dialog) and not dialog.institution.isVisibleTo(dialog)
    dialog.field.setCurrentIndex(1)
    assert dialog.output.text().endswith("Handout Handlungsfeld 2.pdf")
    out = tmp_path / "handout.pdf"
    dialog.output.setText(str(out))
    dialog.output.textEdited.emit(str(out))
    dialog.stand.setDate(QDate(2026, 4, 15))
    with qtbot.waitSignal(dialog.written, timeout=60_000):
        dialog.start()
    qtbot.waitUntil(lambda: bool(opened), timeout=5_000)
    assert opened == [str(out)]
    text = pdf_text(out)
    assert "Bravo Börse" in text and "Alphakurs" not in text
    assert "Stand: 15.04.2026" in text
    assert warnings == []
    assert window.settings.value("print/folder") == str(tmp_path)


def test_homework_booklet_with_completion(
    window: MainWindow, doc: Document, tmp_path: Path, qtbot: QtBot, opened: list[str]
) -> None:
    window.set_document(doc)
    dialog = PrintDialog(window.context)
    qtbot.addWidget(dialog)
    dialog.set_kind("hausaufgaben")
    assert dialog.institution.isVisibleTo(dialog) and not dialog.field.isVisibleTo(dialog)
    completer = dialog.institution.completer()
    assert completer is not None
    names = [completer.model().index(i, 0).data() for i in range(completer.model().rowCount())]
    assert "Volkshochschule" in names and "Jobcenter" in names
    dialog.institution.setEditText("Volkshochschule")
    assert dialog.output.text().endswith("Hausaufgabenheft Volkshochschule.pdf")
    dialog.output.setText(str(tmp_path / "heft.pdf"))
    dialog.open_after.setChecked(False)
    with qtbot.waitSignal(dialog.written, timeout=60_000):
        dialog.start()
    text = pdf_text(tmp_path / "heft.pdf")
    assert "Alphakurs" in text and "Bravo Börse" in text  # responsible for one, taking part in the other
    assert "Sie sind verantwortlich (1)" in text and "an denen Sie mitwirken (1)" in text
    assert opened == []


def test_status_report_with_since_and_browse(
    window: MainWindow,
    doc: Document,
    tmp_path: Path,
    qtbot: QtBot,
    opened: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window.set_document(doc)
    dialog = PrintDialog(window.context)
    qtbot.addWidget(dialog)
    dialog.set_kind("status")
    assert dialog.since_box.isVisibleTo(dialog)
    dialog.since.setDate(QDate(2026, 1, 1))
    target = tmp_path / "fachrunde"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    dialog.browse()
    assert dialog.output.text() == str(target) + ".pdf"
    opts = dialog.options()
    assert opts.since == date(2026, 1, 1) and opts.field is None and opts.institution is None
    with qtbot.waitSignal(dialog.written, timeout=60_000):
        dialog.start()
    text = pdf_text(Path(str(target) + ".pdf"))
    assert "Gefährdete Maßnahmen (1)" in text and "Änderungen seit 01.01.2026" in text


def test_errors_are_shown_in_german(
    window: MainWindow, doc: Document, tmp_path: Path, qtbot: QtBot, opened: list[str], warnings: list[str]
) -> None:
    window.set_document(doc)
    dialog = PrintDialog(window.context)
    qtbot.addWidget(dialog)
    dialog.set_kind("hausaufgaben")
    dialog.institution.setEditText("")
    dialog.start()
    assert warnings and "Institution" in warnings[-1]
    dialog.set_kind("tabelle")
    dialog.output.setText(str(tmp_path / "fehlt" / "tabelle.pdf"))
    dialog.start()
    assert "gibt es nicht" in warnings[-1]
    # A write that fails in the background (the target is a folder) is reported, the dialog stays open.
    folder = tmp_path / "ordner.pdf"
    folder.mkdir()
    dialog.output.setText(str(folder))
    dialog.start()
    qtbot.waitUntil(
        lambda: dialog.job is not None and dialog.job.isFinished() and dialog.buttons.isEnabled(),
        timeout=60_000,
    )
    assert "konnte nicht geschrieben werden" in warnings[-1]
    assert opened == []


def test_no_document_is_explained(window: MainWindow, warnings: list[str]) -> None:
    window.close_document()
    assert window.document is None
    assert print_dialog.open_print_dialog(window.context) is None
    assert warnings and "kein Dokument" in warnings[-1]

"""Datei → Neue Fassung des Konzepts …: the dialog writes the next edition; the window opens it."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from pytestqt.qtbot import QtBot

from kik_desktop.domain.queries import dump_plan
from kik_desktop.store import Document, open_document
from kik_desktop.ui import edition_dialog
from kik_desktop.ui.concept_pages import ConceptTab
from kik_desktop.ui.edition_dialog import EditionDialog
from kik_desktop.ui.main_window import MainWindow
from kik_desktop.ui.status_board import SideTabs

SHOTS = os.environ.get("KIK_SCREENSHOTS")


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path, default_doc: Document) -> Iterator[MainWindow]:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings)
    qtbot.addWidget(win)
    win.resize(1400, 860)
    win.show()
    assert win.open_path(default_doc.path)
    yield win
    win.close()


def test_dialog_writes_next_edition_with_chosen_done_measures_and_window_opens_it(
    window: MainWindow, default_doc: Document, tmp_path: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = default_doc.path
    with default_doc.reading() as s:
        old = dump_plan(s)
    done = [m for f in old["fields"] for g in f["goals"] for m in g["measures"] if m["status"] == "umgesetzt"]
    assert done, "the default concept has a done example measure"
    before = hashlib.sha256(source.read_bytes()).digest()

    dialog = EditionDialog(window.context)
    qtbot.addWidget(dialog)
    assert dialog.name_edit.text() == "Das 2. Kommunale Integrationskonzept Kemptens (KIK)"
    assert dialog.done_list.count() == len(done)
    dialog.show()
    if SHOTS:
        dialog.grab().save(str(Path(SHOTS) / "neue_fassung_dialog.png"))
    dialog.done_list.item(0).setCheckState(Qt.CheckState.Checked)
    target = tmp_path / "zweite"
    dialog.path_edit.setText(str(target))
    dialog.name_edit.setText("2. Integrationskonzept")
    dialog.accept()
    result = dialog.result_
    assert result is not None and result.path == tmp_path / "zweite.kik"
    assert [d.uid for d in result.carried_done] == [done[0]["uid"]]
    assert hashlib.sha256(source.read_bytes()).digest() == before  # the open document is not changed

    monkeypatch.setattr(edition_dialog, "ask_to_open", lambda w, r: True)
    monkeypatch.setattr(EditionDialog, "exec", lambda self: self.accept() or 1)
    monkeypatch.setattr(EditionDialog, "write", lambda self: result)
    edition_dialog.new_edition(window.context)
    assert window.document is not None and window.document.path == result.path
    tab = window.context.part(ConceptTab)
    window.context.part(SideTabs).setCurrentWidget(tab)
    page = tab.concept_page
    assert page.predecessor.isVisibleTo(page)
    assert "Das 1. Kommunale Integrationskonzept Kemptens (KIK)" in page.predecessor.text()
    assert page._bindings["concept_name"].get() == "2. Integrationskonzept"
    if SHOTS:
        window.grab().save(str(Path(SHOTS) / "konzept_seite_fortschreibung.png"))
    with open_document(result.path, read_only=True) as doc, doc.reading() as s:
        new = dump_plan(s)
    titles = [m["title"] for f in new["fields"] for g in f["goals"] for m in g["measures"]]
    assert done[0]["title"] in titles


def test_dialog_refuses_the_open_document_as_target(
    window: MainWindow, default_doc: Document, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    errors: list[str] = []
    monkeypatch.setattr(window.context, "show_error", lambda title, text: errors.append(text))
    dialog = EditionDialog(window.context)
    qtbot.addWidget(dialog)
    dialog.path_edit.setText(str(default_doc.path))
    before = default_doc.path.read_bytes()
    dialog.accept()
    assert dialog.result_ is None and errors and "geöffnete Dokument" in errors[0]
    assert default_doc.path.read_bytes() == before


def test_menu_entry_exists(window: MainWindow) -> None:
    action = window.context.actions["new_edition"]
    assert action in window.menus["file"].actions() and action.isEnabled()

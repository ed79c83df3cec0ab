"""The main window driven like a user would: tree, editors, undo/redo, search, moves, documents."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, QSettings, Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from kik_desktop.domain import plan
from kik_desktop.models import Measure, StatusChange
from kik_desktop.store import Document
from kik_desktop.ui.main_window import MainWindow
from kik_desktop.ui.operations import PlanUpdate
from kik_desktop.ui.plan_tree_model import PlanTreeModel


def open_copy(window: MainWindow, doc: Document, tmp_path: Path) -> Path:
    """The window opens the fixture's file itself (the fixture's engine stays for direct checks)."""
    assert window.open_path(doc.path)
    return doc.path


def measure_id(doc: Document, title: str) -> int:
    with doc.reading() as s:
        return s.scalars(select(Measure.id).where(Measure.title == title)).one()


def db_value(doc: Document, kind: str, item_id: int, attr: str) -> object:
    with doc.reading() as s:
        return plan.get_values(s, kind, item_id)[attr]


def visible_titles(window: MainWindow) -> list[str]:
    out = []

    def walk(parent: QModelIndex) -> None:
        for row in range(window.tree_model.rowCount(parent)):
            if window.tree_view.isRowHidden(row, parent):
                continue
            index = window.tree_model.index(row, 0, parent)
            out.append(index.data())
            walk(index)

    walk(QModelIndex())
    return out


def test_tree_model_passes_qtmodeltester(qapp, qtmodeltester, default_doc: Document) -> None:
    model = PlanTreeModel()
    with default_doc.reading() as s:
        model.load(s)
    qtmodeltester.check(model)


def test_tree_shows_numbers_titles_and_status_chips(
    window: MainWindow, default_doc: Document, tmp_path: Path
) -> None:
    open_copy(window, default_doc, tmp_path)
    titles = visible_titles(window)
    assert titles[0] == "1  Sprache und Bildung"
    assert "2.1.3  Beispiel „Vorträge …“ berufliche Qualifikation" in titles
    assert len([t for t in titles if t.count(".") == 0 or t.split()[0].isdigit()]) >= 6
    node = window.tree_model.node(
        "measure", measure_id(default_doc, "Beispiel „Vorträge …“ berufliche Qualifikation")
    )
    assert node is not None and node.status_key == "gefaehrdet"
    index = window.tree_model.index_of_node(node)
    assert index.data(Qt.ItemDataRole.DecorationRole) is not None
    assert "gefährdet" in index.data(Qt.ItemDataRole.ToolTipRole)


def test_editor_edit_reaches_database_and_undo_restores(
    window: MainWindow, small_plan: Document, tmp_path: Path, qtbot: QtBot
) -> None:
    open_copy(window, small_plan, tmp_path)
    m1 = measure_id(small_plan, "M1")
    window.select_item("measure", m1)
    page = window.editor.measure_editor
    title_edit = page._bindings["title"].widget
    title_edit.setFocus()
    title_edit.selectAll()
    qtbot.keyClicks(title_edit, "Sprachtreff")
    qtbot.keyClick(title_edit, Qt.Key.Key_Return)
    assert db_value(small_plan, "measure", m1, "title") == "Sprachtreff"
    assert visible_titles(window)[2] == "1.1.1  Sprachtreff"
    assert "Titel" in window.undo_action.text()
    window.undo()
    assert db_value(small_plan, "measure", m1, "title") == "M1"
    assert page._bindings["title"].get() == "M1"
    window.redo()
    assert db_value(small_plan, "measure", m1, "title") == "Sprachtreff"


def test_an_editor_edit_goes_one_way_and_the_editor_is_not_read_again(
    window: MainWindow, small_plan: Document, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_copy(window, small_plan, tmp_path)
    m1 = measure_id(small_plan, "M1")
    window.select_item("measure", m1)
    doc = window.document
    assert doc is not None
    reading, reads = doc.reading, []

    def counted() -> Any:
        reads.append(1)
        return reading()

    monkeypatch.setattr(doc, "reading", counted)
    updates: list[PlanUpdate] = []
    window.operations.applied.connect(updates.append)
    loads = window.operations.index.loads
    window.editor.commit.emit("measure", m1, {"status_key": "mitte"})
    (update,) = updates
    assert update.initiator is window.editor
    assert update.changed_attrs("measure", m1) == {"status_key"}
    # No read for the tree, the board's data or the editor: the change record carries the value.
    assert reads == [] and window.operations.index.loads == loads
    assert window.tree_model.node("measure", m1).status_key == "mitte"  # type: ignore[union-attr]
    # A text edit: one read of that row for its search text, the editor shows the value as stored.
    window.editor.commit.emit("measure", m1, {"end": "6/2026"})
    assert len(updates) == 2 and reads == [1] and window.operations.index.loads == loads
    assert window.editor.measure_editor._bindings["end"].get() == "06/2026"
    assert db_value(small_plan, "measure", m1, "end") == "06/2026"
    window.undo()  # undo has no initiator: the editor shows what the database has again
    assert updates[-1].initiator is None
    assert window.editor.measure_editor._bindings["end"].get() == ""


def test_status_change_records_history_and_undo_removes_it(
    window: MainWindow, small_plan: Document, tmp_path: Path
) -> None:
    open_copy(window, small_plan, tmp_path)
    m2 = measure_id(small_plan, "M2")
    window.select_item("measure", m2)
    combo = window.editor.measure_editor.status
    combo.setCurrentIndex(combo.findData("gefaehrdet"))
    combo.activated.emit(combo.currentIndex())
    assert db_value(small_plan, "measure", m2, "status_key") == "gefaehrdet"
    with small_plan.reading() as s:
        assert [(c.old_status, c.new_status) for c in s.scalars(select(StatusChange))] == [
            ("anfang", "gefaehrdet")
        ]
    window.undo()
    assert db_value(small_plan, "measure", m2, "status_key") == "anfang"
    with small_plan.reading() as s:
        assert s.scalars(select(StatusChange)).all() == []
    assert window.tree_model.node("measure", m2).status_key == "anfang"  # type: ignore[union-attr]


def test_text_is_saved_when_selection_changes(
    window: MainWindow, small_plan: Document, tmp_path: Path, qtbot: QtBot
) -> None:
    open_copy(window, small_plan, tmp_path)
    m1, m2 = measure_id(small_plan, "M1"), measure_id(small_plan, "M2")
    window.select_item("measure", m1)
    notes = window.editor.measure_editor._bindings["notes"].widget
    notes.setFocus()
    qtbot.keyClicks(notes, "Raum im Haus International klaeren")
    window.select_item("measure", m2)  # no focus-out, no pause: the switch itself must save
    assert db_value(small_plan, "measure", m1, "notes") == "Raum im Haus International klaeren"


def test_add_delete_and_undo_keep_numbers_and_selection(
    window: MainWindow, small_plan: Document, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_copy(window, small_plan, tmp_path)
    m1 = measure_id(small_plan, "M1")
    window.select_item("measure", m1)
    window.add_item("measure")
    with small_plan.reading() as s:
        new = s.scalars(select(Measure).where(Measure.title == "Neue Maßnahme")).one()
        assert plan.number_of(s, "measure", new.id) == "1.1.2"
        new_id = new.id
    assert window.current_item() == ("measure", new_id)
    assert "1.1.3  M2" in visible_titles(window)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    window.select_item("goal", window.tree_model.node("measure", m1).parent.id)  # type: ignore[union-attr]
    window.delete_selected()
    assert "1.1  Ziel B" in visible_titles(window)
    with small_plan.reading() as s:
        assert plan.counts(s)["measures"] == 3
    window.undo()
    with small_plan.reading() as s:
        assert plan.counts(s)["measures"] == 7
    assert "1.1.2  Neue Maßnahme" in visible_titles(window)
    window.undo()
    assert "1.1.2  M2" in visible_titles(window)


def test_expanded_branches_and_selection_survive_an_edit(
    window: MainWindow, small_plan: Document, tmp_path: Path
) -> None:
    open_copy(window, small_plan, tmp_path)
    window.tree_view.expandAll()
    m5 = measure_id(small_plan, "M5")
    window.select_item("measure", m5)
    window.operations.update("measure", m5, {"title": "M5 neu"})
    window.operations.update("measure", measure_id(small_plan, "M1"), {"status_key": "ende"})
    assert window.current_item() == ("measure", m5)
    goal_index = window.tree_model.index_for("goal", window.tree_model.node("measure", m5).parent.id)  # type: ignore[union-attr]
    assert window.tree_view.isExpanded(goal_index)


def test_keyboard_reorder_and_move_between_goals(
    window: MainWindow, small_plan: Document, tmp_path: Path
) -> None:
    open_copy(window, small_plan, tmp_path)
    m3 = measure_id(small_plan, "M3")
    window.select_item("measure", m3)
    window.move_up_action.trigger()
    assert visible_titles(window)[2:5] == ["1.1.1  M1", "1.1.2  M3", "1.1.3  M2"]
    assert window.current_item() == ("measure", m3)
    goal_c = window.tree_model.node("measure", measure_id(small_plan, "M5")).parent.id  # type: ignore[union-attr]
    assert window.operations.move("measure", m3, goal_c, 0)
    with small_plan.reading() as s:
        assert plan.number_of(s, "measure", m3) == "2.1.1"
    assert "2.1.1  M3" in visible_titles(window)
    window.undo()
    window.undo()
    assert visible_titles(window)[2:5] == ["1.1.1  M1", "1.1.2  M2", "1.1.3  M3"]


def test_drag_and_drop_moves_through_undoable_operation(
    window: MainWindow, small_plan: Document, tmp_path: Path
) -> None:
    open_copy(window, small_plan, tmp_path)
    model = window.tree_model
    m6 = measure_id(small_plan, "M6")
    goal_a = model.node("measure", measure_id(small_plan, "M1")).parent  # type: ignore[union-attr]
    mime = model.mimeData([model.index_for("measure", m6)])
    assert model.canDropMimeData(mime, Qt.DropAction.MoveAction, 0, 0, model.index_of_node(goal_a))
    # a measure cannot be dropped onto a field
    assert not model.canDropMimeData(mime, Qt.DropAction.MoveAction, 0, 0, model.index_of_node(goal_a.parent))  # type: ignore[arg-type]
    model.dropMimeData(mime, Qt.DropAction.MoveAction, 0, 0, model.index_of_node(goal_a))
    with small_plan.reading() as s:
        assert plan.number_of(s, "measure", m6) == "1.1.1"
    window.undo()
    with small_plan.reading() as s:
        assert plan.number_of(s, "measure", m6) == "2.1.2"


def test_search_filters_over_all_texts_and_keeps_parents(
    window: MainWindow, small_plan: Document, tmp_path: Path
) -> None:
    open_copy(window, small_plan, tmp_path)
    window.operations.update(
        "measure", measure_id(small_plan, "M4"), {"success_indicator": "15 Frauen pro Vortrag"}
    )
    window.search.setText("frauen vortrag")
    assert visible_titles(window) == ["1  Feld Eins", "1.2  Ziel B", "1.2.1  M4"]
    window.search.setText("ind a")  # the goal's indicator
    assert visible_titles(window) == ["1  Feld Eins", "1.1  Ziel A"]
    window.search.clear()
    assert len(visible_titles(window)) == 11


def test_id_filter_shows_only_those_measures(
    window: MainWindow, small_plan: Document, tmp_path: Path
) -> None:
    open_copy(window, small_plan, tmp_path)
    window.set_id_filter({measure_id(small_plan, "M6")}, "Test")
    assert visible_titles(window) == ["2  Feld Zwei", "2.1  Ziel C", "2.1.2  M6"]
    assert window.filter_banner.isVisibleTo(window)
    window.clear_filters()
    assert len(visible_titles(window)) == 11


def test_read_only_document_opens_with_banner_and_refuses_edits(
    window: MainWindow, small_plan: Document, tmp_path: Path
) -> None:
    assert window.open_path(small_plan.path, read_only=True)
    assert window.read_only_banner.isVisibleTo(window)
    assert not window.new_field_action.isEnabled()
    m1 = measure_id(small_plan, "M1")
    assert not window.operations.update("measure", m1, {"title": "x"})
    assert db_value(small_plan, "measure", m1, "title") == "M1"


def test_bad_file_is_refused_and_current_document_stays(
    window: MainWindow, small_plan: Document, tmp_path: Path, qtbot: QtBot
) -> None:
    open_copy(window, small_plan, tmp_path)
    bad = tmp_path / "kaputt.kik"
    bad.write_bytes(b"PK\x03\x04 kein KIK")
    before = bad.read_bytes()
    shown: list[str] = []
    window.show_error = lambda title, text: shown.append(text)  # type: ignore[method-assign]
    assert not window.open_path(bad)
    assert shown and "kein KIK-Dokument" in shown[0]
    assert bad.read_bytes() == before
    assert window.document is not None and window.document.path == small_plan.path


def test_recent_files_and_layout_are_remembered(
    qtbot: QtBot, small_plan: Document, default_doc: Document, tmp_path: Path
) -> None:
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    first = MainWindow(settings)
    qtbot.addWidget(first)
    first.open_path(small_plan.path)
    first.open_path(default_doc.path)
    first.splitter.setSizes([300, 900])
    sizes = first.splitter.sizes()
    first.close()
    second = MainWindow(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(second)
    assert second.recent_files() == [str(default_doc.path.resolve()), str(small_plan.path.resolve())]
    assert second.splitter.sizes() == sizes
    second.close()


def test_german_translation_of_qt_dialog_buttons(qapp) -> None:
    from kik_desktop.ui.app import _install_translations

    _install_translations(qapp)
    box = QMessageBox(
        QMessageBox.Icon.Question,
        "t",
        "t",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
    )
    texts = {b.text().replace("&", "") for b in box.buttons()}
    assert texts == {"Ja", "Abbrechen"}


def test_institutions_are_offered_for_completion(
    window: MainWindow, default_doc: Document, tmp_path: Path
) -> None:
    open_copy(window, default_doc, tmp_path)
    completer = window.editor.measure_editor.responsible.completer()
    completer.setCompletionPrefix("jobcenter")
    assert completer.currentCompletion() == "Jobcenter Kempten"


def test_dates_are_shown_as_saved_and_bad_dates_flagged(
    window: MainWindow, small_plan: Document, tmp_path: Path, qtbot: QtBot
) -> None:
    open_copy(window, small_plan, tmp_path)
    m1 = measure_id(small_plan, "M1")
    window.select_item("measure", m1)
    page = window.editor.measure_editor
    page.start.setFocus()
    qtbot.keyClicks(page.start, "3/22")
    qtbot.keyClick(page.start, Qt.Key.Key_Tab)
    assert db_value(small_plan, "measure", m1, "start") == "03/2022"
    assert page.start.text() == "03/2022"
    page.end.setFocus()
    qtbot.keyClicks(page.end, "Herbst 2022")
    qtbot.keyClick(page.end, Qt.Key.Key_Tab)
    assert db_value(small_plan, "measure", m1, "end") == "Herbst 2022"
    assert "kein Monat/Jahr" in page.problems.text() and page.problems.isVisibleTo(page)


def test_document_open_in_another_window_is_offered_read_only(
    qtbot: QtBot, small_plan: Document, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kik_desktop.ui import restore_dialog

    first = MainWindow(QSettings(str(tmp_path / "a.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(first)
    assert first.open_path(small_plan.path)
    assert first.lock is not None and first.lock.held
    asked: list[str] = []

    def answer(parent: object, error: object) -> str:
        asked.append(str(error))
        return "read_only"

    monkeypatch.setattr(restore_dialog, "ask_about_lock", answer)
    second = MainWindow(QSettings(str(tmp_path / "b.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(second)
    assert second.open_path(small_plan.path)
    assert asked, "the second window was not told that the document is in use"
    assert second.document is not None and second.document.read_only
    assert second.read_only_banner.isVisibleTo(second)
    assert not second.operations.update("measure", measure_id(small_plan, "M1"), {"title": "x"})
    first.close()
    assert not (small_plan.path.parent / (small_plan.path.name + ".lock")).exists()
    second.close()


def test_every_extension_gets_the_window_context(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys
    import types

    from kik_desktop.ui import main_window
    from kik_desktop.ui.context import WindowContext

    got: list[object] = []
    module = types.ModuleType("kik_test_extension")
    setattr(module, "install", got.append)  # noqa: B010 (a module made for the test)
    monkeypatch.setitem(sys.modules, "kik_test_extension", module)
    monkeypatch.setattr(main_window, "EXTENSIONS", ["kik_test_extension"])
    win = MainWindow(QSettings(str(tmp_path / "e.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    assert got == [win.context]
    assert isinstance(got[0], WindowContext) and win.context.window is win

"""The "Konzept" tab driven like a user: each editor page saves, and the window's undo takes it back."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from kik_desktop.domain import plan
from kik_desktop.domain.queries import dump_plan
from kik_desktop.models import CrossCuttingTask, Measure
from kik_desktop.store import Document
from kik_desktop.ui.concept_pages import ConceptTab
from kik_desktop.ui.main_window import MainWindow
from kik_desktop.ui.status_board import SideTabs
from kik_desktop.ui.tree_filters import FilterBar

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


def tab_of(window: MainWindow) -> ConceptTab:
    tab: ConceptTab = window.context.part(ConceptTab)
    window.context.part(SideTabs).setCurrentWidget(tab)
    return tab


def dump(doc: Document) -> dict[str, Any]:
    with doc.reading() as s:
        return dump_plan(s)


def shot(widget: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(Path(SHOTS) / f"{name}.png"))


def edit_cell(page: Any, row: int, attr: str, text: str) -> None:
    col = [c.attr for c in page.columns].index(attr)
    page.table.setCurrentCell(row, col)
    page.table.item(row, col).setText(text)


def test_tab_sits_beside_editor_and_board(window: MainWindow) -> None:
    tabs = window.context.part(SideTabs)
    assert [tabs.tabText(i) for i in range(tabs.count())][:3] == ["Bearbeiten", "Gesamtschau", "Konzept"]
    window.context.actions["concept"].trigger()
    assert tabs.currentWidget() is window.context.part(ConceptTab)


def test_concept_page_saves_as_typed_and_undo(
    window: MainWindow, default_doc: Document, qtbot: QtBot
) -> None:
    tab = tab_of(window)
    page = tab.concept_page
    assert page._bindings["council_decision_date"].get() == "18.11.2021"
    shot(window, "konzept_seite")
    before = dump(default_doc)
    motto = page._bindings["motto"].widget
    motto.setFocus()
    motto.setText("Vielfalt leben")
    motto.editingFinished.emit()
    assert dump(default_doc)["properties"]["motto"] == "Vielfalt leben"
    understanding = page._bindings["understanding"].widget
    understanding.setFocus()
    understanding.setPlainText("Neuer Text\nzweite Zeile")
    # Saved after the idle pause, like the other editors.
    qtbot.waitUntil(
        lambda: dump(default_doc)["properties"]["understanding"] == "Neuer Text\nzweite Zeile", timeout=5000
    )
    assert window.undo_stack.count() == 2
    window.undo()
    assert dump(default_doc)["properties"]["understanding"] == before["properties"]["understanding"]
    assert page._bindings["understanding"].get() == before["properties"]["understanding"]
    window.undo()
    assert dump(default_doc) == before
    assert page._bindings["motto"].get() == before["properties"]["motto"]
    window.redo()
    assert dump(default_doc)["properties"]["motto"] == "Vielfalt leben"


def test_concept_page_bad_date_is_shown_and_not_saved(window: MainWindow, default_doc: Document) -> None:
    page = tab_of(window).concept_page
    before = dump(default_doc)
    date = page._bindings["council_decision_date"].widget
    date.setText("31.02.2021")
    date.editingFinished.emit()
    assert "kein Datum" in page.problems.text() and page.problems.isVisibleTo(page)
    assert dump(default_doc) == before
    date.setText("1.12.2021")
    date.editingFinished.emit()
    assert dump(default_doc)["properties"]["council_decision_date"] == "2021-12-01"


def test_text_typed_on_concept_page_is_flushed_before_undo(window: MainWindow, default_doc: Document) -> None:
    page = tab_of(window).concept_page
    edit = page._bindings["guiding_principles"].widget
    edit.setFocus()
    edit.setPlainText("Nur getippt")
    window.undo()  # flushes first: the typing becomes a step, then that step is undone
    assert window.undo_stack.count() == 1 and window.undo_stack.canRedo()
    window.redo()
    assert dump(default_doc)["properties"]["guiding_principles"] == "Nur getippt"


def test_steering_group_page(
    window: MainWindow, default_doc: Document, monkeypatch: pytest.MonkeyPatch
) -> None:
    tab = tab_of(window)
    tab.show_page(tab.steering_page)
    page = tab.steering_page
    before = dump(default_doc)
    assert page.table.rowCount() == len(before["steering_group"])
    shot(window, "steuerungsgruppe")
    edit_cell(page, 0, "members", "Erika Muster")
    assert dump(default_doc)["steering_group"][0]["members"] == "Erika Muster"
    page.table.setCurrentCell(0, 0)
    page.add()
    assert dump(default_doc)["steering_group"][1]["role"] == "Neuer Sitz"
    assert page.table.currentRow() == 1
    page.table.setCurrentCell(1, 0)
    page.move_row(1)
    assert dump(default_doc)["steering_group"][2]["role"] == "Neuer Sitz"
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    page.table.setCurrentCell(0, 0)
    page.remove()
    assert len(dump(default_doc)["steering_group"]) == len(before["steering_group"])
    assert dump(default_doc)["steering_group"][0] == before["steering_group"][1]
    for _ in range(4):
        window.undo()
    assert dump(default_doc) == before
    assert page.table.item(0, 2).text() == before["steering_group"][0]["members"]


def test_tasks_page_rename_add_and_remove_with_replacement(
    window: MainWindow, default_doc: Document, monkeypatch: pytest.MonkeyPatch
) -> None:
    with default_doc.transaction() as s:
        first_task = s.scalars(select(CrossCuttingTask).order_by(CrossCuttingTask.position)).first()
        assert first_task is not None
        task_id, task_title = first_task.id, first_task.title
        mids = list(s.scalars(select(Measure.id).limit(2)))
        for mid in mids:
            plan.update_item(s, "measure", mid, {"tasks": [task_id]})
    window.reload_plan()
    tab = tab_of(window)
    tab.show_page(tab.tasks_page)
    page = tab.tasks_page
    assert page.table.item(0, 1).text() == "2"
    shot(window, "querschnittsaufgaben")
    before = dump(default_doc)

    edit_cell(page, 1, "title", "Netzwerk stärken")
    assert dump(default_doc)["cross_cutting_tasks"][1] == "Netzwerk stärken"
    monkeypatch.setattr(
        "kik_desktop.ui.concept_pages.QInputDialog.getText", lambda *a, **k: ("Digitale Teilhabe", True)
    )
    page.table.setCurrentCell(6, 0)
    page.add()
    assert dump(default_doc)["cross_cutting_tasks"][-1] == "Digitale Teilhabe"

    asked: list[tuple[str, int]] = []

    def choose(title: str, used: int, others: list[tuple[int, str]]) -> int:
        asked.append((title, used))
        return others[-1][0]

    monkeypatch.setattr(page, "choose_replacement", choose)
    page.table.setCurrentCell(0, 0)
    page.remove()
    assert asked == [(task_title, 2)]
    after = dump(default_doc)
    assert task_title not in after["cross_cutting_tasks"]
    tagged = [
        m for f in after["fields"] for g in f["goals"] for m in g["measures"] if m["cross_cutting_tasks"]
    ]
    assert len(tagged) == 2 and all(m["cross_cutting_tasks"] == ["Digitale Teilhabe"] for m in tagged)
    assert page.table.item(page.table.rowCount() - 1, 1).text() == "2"

    for _ in range(3):
        window.undo()
    assert dump(default_doc) == before
    assert page.table.item(0, 0).text() == task_title


def test_tasks_page_cancelled_replacement_changes_nothing(
    window: MainWindow, default_doc: Document, monkeypatch: pytest.MonkeyPatch
) -> None:
    with default_doc.transaction() as s:
        task_id = s.scalars(select(CrossCuttingTask.id).order_by(CrossCuttingTask.position)).first()
        plan.update_item(s, "measure", s.scalars(select(Measure.id)).first() or 0, {"tasks": [task_id]})
    tab = tab_of(window)
    tab.reload()
    page = tab.tasks_page
    before = dump(default_doc)
    monkeypatch.setattr(page, "choose_replacement", lambda *a: None)
    page.table.setCurrentCell(0, 0)
    page.remove()
    assert dump(default_doc) == before and window.undo_stack.count() == 0


def test_funding_page(window: MainWindow, default_doc: Document, monkeypatch: pytest.MonkeyPatch) -> None:
    tab = tab_of(window)
    tab.show_page(tab.funding_page)
    page = tab.funding_page
    shot(window, "foerderquellen")
    before = dump(default_doc)
    monkeypatch.setattr(
        "kik_desktop.ui.concept_pages.QInputDialog.getText", lambda *a, **k: ("Aktion Mensch", True)
    )
    page.add()
    assert any(f["name"] == "Aktion Mensch" for f in dump(default_doc)["funding_sources"])
    row = page.table.currentRow()
    edit_cell(page, row, "kind", "Stiftung")
    assert {"name": "Aktion Mensch", "kind": "Stiftung", "notes": ""} in dump(default_doc)["funding_sources"]
    # A duplicate name is refused with a message and the table shows the document's value again.
    errors: list[str] = []
    monkeypatch.setattr(window, "show_error", lambda title, text: errors.append(text))
    edit_cell(page, row, "name", "Demokratie leben!")
    assert errors and "gibt es schon" in errors[0]
    assert page.table.item(row, 0).text() == "Aktion Mensch"
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    page.table.setCurrentCell(row, 0)
    page.remove()
    assert dump(default_doc)["funding_sources"] == before["funding_sources"]
    window.undo()
    window.undo()
    window.undo()
    assert dump(default_doc) == before


def test_legend_page_changes_show_everywhere_and_undo(
    window: MainWindow, default_doc: Document, monkeypatch: pytest.MonkeyPatch, qtbot: QtBot
) -> None:
    tab = tab_of(window)
    tab.show_page(tab.legend_page)
    page = tab.legend_page
    assert page.table.rowCount() == 6
    shot(window, "status_legende")
    before = dump(default_doc)
    row = [page.table.item(r, 0).data(Qt.ItemDataRole.UserRole) for r in range(6)].index("mitte")
    edit_cell(page, row, "label", "halbwegs umgesetzt")
    edit_cell(page, row, "symbol", "M")
    edit_cell(page, row, "short", "halbwegs")
    monkeypatch.setattr(page, "pick_color", lambda initial, label: "3366FF")
    page.table.setCurrentCell(row, 0)
    page.choose_color()
    st = next(x for x in dump(default_doc)["statuses"] if x["key"] == "mitte")
    assert (st["label"], st["symbol"], st["color"]) == ("halbwegs umgesetzt", "M", "3366FF")
    assert page.table.item(row, 0).text() == "#3366FF"
    # The tree's status chips, the measure editor's choices and the board use the new legend at once.
    model = window.tree_model
    assert model._status_labels["mitte"] == "halbwegs umgesetzt"
    chip = model._status_icons["mitte"].pixmap(16, 16).toImage()
    colours = Counter(chip.pixelColor(x, y).name() for x in range(16) for y in range(16))
    assert colours.most_common(1)[0][0] == "#3366ff"  # the chip's fill (the symbol is drawn on it)
    combo = window.editor.measure_editor.status
    assert combo.itemText(combo.findData("mitte")) == "M halbwegs umgesetzt"  # symbol, then label
    board = window.operations.board
    assert board is not None and {s.key: s.color for s in board.statuses}["mitte"] == "3366FF"
    filters = window.context.part(FilterBar)
    qtbot.waitUntil(lambda: filters.status.findText("halbwegs") >= 0, timeout=3000)
    # A bad symbol is refused and changes nothing.
    monkeypatch.setattr(window, "show_error", lambda title, text: None)
    edit_cell(page, row, "symbol", "viel zu lang")
    assert page.table.item(row, 1).text() == "M"
    for _ in range(4):
        window.undo()
    assert dump(default_doc) == before
    assert model._status_labels["mitte"] == next(
        x["label"] for x in before["statuses"] if x["key"] == "mitte"
    )
    assert combo.itemText(combo.findData("mitte")).endswith(model._status_labels["mitte"])


def test_read_only_document_disables_the_pages(qtbot: QtBot, tmp_path: Path, default_doc: Document) -> None:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings)
    qtbot.addWidget(win)
    assert win.open_path(default_doc.path, read_only=True)
    tab = tab_of(win)
    tab.reload()
    assert not tab.steering_page.add_button.isEnabled()
    assert tab.concept_page._bindings["motto"].widget.isReadOnly()
    item = tab.steering_page.table.item(0, 0)
    assert not item.flags() & Qt.ItemFlag.ItemIsEditable
    win.close()

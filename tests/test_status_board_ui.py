"""The status board in a real main window: live after edits and undo, matrix clicks, lists, filters."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from PySide6.QtCore import QModelIndex, Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from kik_desktop.domain import plan
from kik_desktop.domain.board import ANY
from kik_desktop.models import Measure, StatusChange
from kik_desktop.store import Document
from kik_desktop.ui.main_window import MainWindow
from kik_desktop.ui.status_board import SideTabs, StatusBoardWidget
from kik_desktop.ui.status_history import StatusHistoryView
from kik_desktop.ui.tree_filters import FilterBar

TODAY = date(2026, 3, 15)


@pytest.fixture
def plan_doc(small_plan: Document) -> Document:
    """small_plan (M1 … M6, all "anfang") with dates around TODAY."""
    with small_plan.transaction() as s:
        ids = {title: mid for title, mid in s.execute(select(Measure.title, Measure.id))}
        plan.update_item(
            s, "measure", ids["M1"], {"end": "01/2026", "responsible": "Jobcenter"}, record_history=False
        )
        plan.update_item(
            s, "measure", ids["M2"], {"status_key": "gefaehrdet", "end": "2025"}, record_history=False
        )
        plan.update_item(
            s, "measure", ids["M5"], {"start": "05/2026", "status_key": None}, record_history=False
        )
    return small_plan


def board_of(window: MainWindow) -> StatusBoardWidget:
    board = window.context.part(StatusBoardWidget)
    assert isinstance(board, StatusBoardWidget)
    return board


def open_board(window: MainWindow, doc: Document, qtbot: QtBot) -> StatusBoardWidget:
    assert window.open_path(doc.path)
    board = board_of(window)
    board.today = lambda: TODAY
    window.context.actions["status_board"].setChecked(True)
    qtbot.waitUntil(lambda: board.board is not None and board.board.today == TODAY)
    return board


def mid(doc: Document, title: str) -> int:
    with doc.reading() as s:
        return s.scalars(select(Measure.id).where(Measure.title == title)).one()


def visible_measures(window: MainWindow) -> list[str]:
    out: list[str] = []

    # Whether the window filters with a proxy model or by hiding rows: what the view shows.
    view = window.tree_view
    model = view.model()

    def walk(parent: QModelIndex) -> None:
        for row in range(model.rowCount(parent)):
            if view.isRowHidden(row, parent):
                continue
            index = model.index(row, 0, parent)
            if str(index.data()).count(".") == 2:
                out.append(str(index.data()).split(None, 1)[1])
            walk(index)

    walk(QModelIndex())
    return out


def matrix_count(board: StatusBoardWidget, field_row: int, key: object) -> str:
    r, c = board.matrix.cell_for(board.matrix._field_ids[field_row], key)
    item = board.matrix.item(r, c)
    assert item is not None
    return item.text()


def test_board_shows_counts_and_lists(window: MainWindow, plan_doc: Document, qtbot: QtBot) -> None:
    board = open_board(window, plan_doc, qtbot)
    assert board.board is not None
    assert matrix_count(board, 0, "anfang") == "3"
    assert matrix_count(board, 0, "gefaehrdet") == "1"
    assert matrix_count(board, 1, None) == "1"  # M5 has no status
    assert matrix_count(board, 2, "anfang") == "4"  # the Summe row
    assert [e.number for e in board.board.overdue] == ["1.1.1", "1.1.2"]
    assert [e.number for e in board.board.starting_soon] == ["2.1.1"]
    board.lists.select_list("overdue")
    assert board.lists.model.rowCount() == 2
    assert board.lists.model.index(0, 2).data() == "bis 01/2026"


def test_status_edit_through_undo_stack_updates_board_and_history(
    window: MainWindow, plan_doc: Document, qtbot: QtBot
) -> None:
    board = open_board(window, plan_doc, qtbot)
    m3 = mid(plan_doc, "M3")
    before = board.recomputes
    assert window.operations.update("measure", m3, {"status_key": "umgesetzt"})
    qtbot.waitUntil(lambda: board.recomputes > before)
    assert matrix_count(board, 0, "umgesetzt") == "1"
    assert matrix_count(board, 0, "anfang") == "2"
    assert board.board is not None
    assert [(c.number, c.old_status, c.new_status) for c in board.board.changes] == [
        ("1.1.3", "anfang", "umgesetzt")
    ]
    with plan_doc.reading() as s:
        assert [(c.measure_id, c.new_status) for c in s.scalars(select(StatusChange))] == [(m3, "umgesetzt")]
    # The edit was patched into the board's data, not answered with a reload of the whole plan.
    assert window.operations.board.reloads == 1

    before = board.recomputes
    window.undo()
    qtbot.waitUntil(lambda: board.recomputes > before)
    assert matrix_count(board, 0, "umgesetzt") == "·"
    assert matrix_count(board, 0, "anfang") == "3"
    assert board.board is not None and board.board.changes == []
    with plan_doc.reading() as s:
        assert s.scalars(select(StatusChange)).all() == []

    before = board.recomputes
    window.redo()
    qtbot.waitUntil(lambda: board.recomputes > before)
    assert matrix_count(board, 0, "umgesetzt") == "1"
    assert len(board.board.changes) == 1


def test_clicking_a_matrix_cell_filters_the_tree(
    window: MainWindow, plan_doc: Document, qtbot: QtBot
) -> None:
    board = open_board(window, plan_doc, qtbot)
    r, c = board.matrix.cell_for(board.matrix._field_ids[0], "gefaehrdet")
    rect = board.matrix.visualRect(board.matrix.model().index(r, c))
    qtbot.mouseClick(board.matrix.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert visible_measures(window) == ["M2"]
    assert (
        "gefährdet" in window.tree_filter.id_filter_label
        and "Feld Eins" in window.tree_filter.id_filter_label
    )
    assert window.filter_banner.isVisibleTo(window)
    # The filter bar shows what the click chose.
    assert window.context.part(FilterBar).field.currentText() == "1 Feld Eins"
    # A column total: that status in all fields; the Summe row's "ohne Status" cell.
    board.matrix.click_cell(None, None)
    assert visible_measures(window) == ["M5"]
    board.matrix.click_cell(board.matrix._field_ids[1], ANY)
    assert visible_measures(window) == ["M5", "M6"]
    window.clear_filters()
    assert len(visible_measures(window)) == 6
    assert window.context.part(FilterBar).field.currentIndex() == 0


def test_chart_segment_click_filters_like_the_matrix(
    window: MainWindow, plan_doc: Document, qtbot: QtBot
) -> None:
    board = open_board(window, plan_doc, qtbot)
    board.chart.repaint()
    rect = next(s for s in board.chart._segments if s[2] == "gefaehrdet")[0]
    qtbot.mouseClick(board.chart, Qt.MouseButton.LeftButton, pos=rect.center().toPoint())
    assert visible_measures(window) == ["M2"]


def test_list_entry_selects_item_and_double_click_opens_editor(
    window: MainWindow, plan_doc: Document, qtbot: QtBot
) -> None:
    board = open_board(window, plan_doc, qtbot)
    board.lists.select_list("starting_soon")
    index = board.lists.model.index(0, 1)
    rect = board.lists.view.visualRect(index)
    qtbot.mouseClick(board.lists.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.current_item() == ("measure", mid(plan_doc, "M5"))
    assert window.context.part(SideTabs).currentWidget() is board
    board.lists.item_chosen.emit("goal", window.tree_model.root.children[0].children[1].id, True)
    assert window.current_item() is not None and window.current_item()[0] == "goal"  # type: ignore[index]
    assert window.context.part(SideTabs).currentWidget() is not board
    assert not window.context.actions["status_board"].isChecked()


def test_bursts_coalesce_and_hidden_board_does_no_work(
    window: MainWindow, plan_doc: Document, qtbot: QtBot
) -> None:
    board = open_board(window, plan_doc, qtbot)
    ids = [mid(plan_doc, t) for t in ("M1", "M3", "M4")]
    before = board.recomputes
    for i in ids:
        window.operations.update("measure", i, {"status_key": "mitte"})
    qtbot.waitUntil(lambda: board.recomputes > before)
    qtbot.wait(20)
    assert board.recomputes == before + 1
    assert matrix_count(board, 0, "mitte") == "3"

    window.context.actions["status_board"].setChecked(False)
    assert not board.isVisible()
    hidden = board.recomputes
    window.operations.update("measure", ids[0], {"status_key": "ende"})
    qtbot.wait(20)
    assert board.recomputes == hidden
    window.context.actions["status_board"].setChecked(True)
    qtbot.waitUntil(lambda: board.recomputes > hidden)
    assert matrix_count(board, 0, "ende") == "1"


def test_since_date_selects_changes(window: MainWindow, plan_doc: Document, qtbot: QtBot) -> None:
    m4 = mid(plan_doc, "M4")
    with plan_doc.transaction() as s:
        plan.update_item(s, "measure", m4, {"status_key": "ende"}, now=datetime(2026, 2, 10, 9, 0))
    board = open_board(window, plan_doc, qtbot)
    assert board.board is not None and [c.number for c in board.board.changes] == ["1.2.1"]
    before = board.recomputes
    board.since_edit.setDate(board.since_edit.date().fromString("2026-03-01", "yyyy-MM-dd"))
    qtbot.waitUntil(lambda: board.recomputes > before)
    assert board.board is not None and board.board.since == date(2026, 3, 1)
    assert board.board is not None and board.board.changes == []
    assert window.settings.value("board/since") == "2026-03-01"


def test_filter_bar_filters_tree(window: MainWindow, plan_doc: Document, qtbot: QtBot) -> None:
    board = open_board(window, plan_doc, qtbot)
    bar = window.context.part(FilterBar)
    bar.today = lambda: TODAY
    bar.overdue.setChecked(True)
    assert visible_measures(window) == ["M1", "M2"]
    bar.responsible.setEditText("jobcenter")
    bar.responsible.lineEdit().editingFinished.emit()
    assert visible_measures(window) == ["M1"]
    assert (
        "überfällig" in window.tree_filter.id_filter_label
        and "jobcenter" in window.tree_filter.id_filter_label.lower()
    )
    bar.overdue.setChecked(False)
    bar.responsible.setEditText("")
    bar.responsible.lineEdit().editingFinished.emit()
    assert len(visible_measures(window)) == 6
    assert window.tree_filter.id_filter_label == ""
    bar.status.setCurrentIndex(bar.status.findData("__ohne__"))
    assert visible_measures(window) == ["M5"]
    bar.status.setCurrentIndex(0)
    bar.priority.setCurrentIndex(bar.priority.findData(0))
    assert len(visible_measures(window)) == 6  # no priorities set: all are "ohne"
    assert board.board is not None


def test_history_view_in_measure_editor(window: MainWindow, plan_doc: Document, qtbot: QtBot) -> None:
    assert window.open_path(plan_doc.path)
    m6 = mid(plan_doc, "M6")
    window.select_item("measure", m6)
    view = window.context.part(StatusHistoryView)
    assert view.measure_id == m6 and view.entries == []
    window.operations.update("measure", m6, {"status_key": "gefaehrdet"})
    qtbot.waitUntil(lambda: len(view.entries) == 1)
    assert view.list.topLevelItem(0).text(1) == "Anfang"
    assert view.list.topLevelItem(0).text(2) == "gefährdet"
    window.undo()
    qtbot.waitUntil(lambda: view.entries == [])
    window.select_item("goal", window.tree_model.root.children[0].children[0].id)
    assert view.measure_id is None


def test_a_burst_of_edits_recomputes_once_without_reading_the_plan(
    window: MainWindow, plan_doc: Document, qtbot: QtBot
) -> None:
    board = open_board(window, plan_doc, qtbot)
    loads = window.operations.index.loads
    m1 = mid(plan_doc, "M1")
    before = board.recomputes
    for key in ["mitte", "ende", "gefaehrdet"] * 5:
        assert window.operations.update("measure", m1, {"status_key": key})
    qtbot.waitUntil(lambda: board.recomputes > before)
    assert board.recomputes == before + 1, "a burst is coalesced into one recompute"
    assert window.operations.index.loads == loads, "status edits patch the index, nothing is read again"
    assert matrix_count(board, 0, "gefaehrdet") == "2"  # M2 was already, M1 now too


def test_view_menu_toggle_has_its_own_shortcut(window: MainWindow) -> None:
    from PySide6.QtGui import QAction

    action = window.context.actions["status_board"]
    assert action in window.menus["view"].actions()
    others = [a for a in window.findChildren(QAction) if a is not action and not a.shortcut().isEmpty()]
    assert action.shortcut().toString() not in {a.shortcut().toString() for a in others}
    action.trigger()
    assert window.context.part(SideTabs).currentWidget() is window.context.part(StatusBoardWidget)
    action.trigger()
    assert window.context.part(SideTabs).currentWidget() is not window.context.part(StatusBoardWidget)


@pytest.mark.parametrize("zoom", [0, 3])
def test_matrix_heads_and_priority_box_are_never_cut(
    window: MainWindow, default_doc: Document, qtbot: QtBot, zoom: int
) -> None:
    """At 1366×768, zoom 0 and +3, with the board from narrow to wide: every visible column head of the
    matrix as wide as the header needs to draw it ("✓ umgesetzt" whole), no horizontal scroll bar, and
    the "Alle Prioritäten" box as wide as its text."""
    window.resize(1366, 768)
    board = open_board(window, default_doc, qtbot)
    if zoom:
        window.zoom(zoom)
    qtbot.waitUntil(lambda: board.matrix.columnCount() > 0)
    matrix = board.matrix
    header = matrix.horizontalHeader()
    priority = window.context.part(FilterBar).priority  # type: ignore[union-attr]
    seen_full_heads = False
    for width in (700, 800, 900, 1000, 1100):
        window.splitter.setSizes([1366 - width, width])
        for _ in range(5):
            qtbot.wait(1)
        columns = [c for c in range(matrix.columnCount()) if not matrix.isColumnHidden(c)]
        for c in columns:
            item = matrix.horizontalHeaderItem(c)
            text = item.text() if item else ""
            assert header.sectionSize(c) >= header.sectionSizeFromContents(c).width(), (zoom, width, text)
        assert not matrix.horizontalScrollBar().isVisible(), (zoom, width)
        assert header.length() <= matrix.viewport().width(), (zoom, width)
        heads = [matrix.horizontalHeaderItem(c).text() for c in range(1, 7)]  # type: ignore[union-attr]
        if heads[0] == "✓ umgesetzt":
            seen_full_heads = True
        else:  # compact: the symbols alone, back to symbol and name when there is room again
            assert heads[0] == "✓", heads
        assert priority.width() >= priority.sizeHint().width(), (zoom, width)
        assert priority.fontMetrics().horizontalAdvance("Alle Prioritäten") < priority.width()
    if zoom == 0:
        assert seen_full_heads  # wide enough at 1,000 px for the names

"""Qt's model tester stays attached while the tree model and the board's entry model change.

The tree model is an adapter from the plan index's steps to Qt's begin/end signals; the tester
re-checks the model after every signal (a broken invariant is a Qt warning, which fails the test),
and the signals of one move are asserted in their exact order.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from kik_desktop.domain.queries import dump_plan
from kik_desktop.models import Goal, Measure
from kik_desktop.store import Document
from kik_desktop.ui.main_window import MainWindow
from kik_desktop.ui.status_board import StatusBoardWidget


def ids(doc: Document) -> dict[str, int]:
    with doc.reading() as s:
        out = {title: mid for title, mid in s.execute(select(Measure.title, Measure.id))}
        out.update({title: gid for title, gid in s.execute(select(Goal.title, Goal.id))})
    return out


def tree_rows(window: MainWindow) -> list[str]:
    """Every row's text (number and title) in tree order, through the Qt model interface."""
    model, out = window.tree_model, []

    def walk(parent: QModelIndex) -> None:
        for row in range(model.rowCount(parent)):
            index = model.index(row, 0, parent)
            out.append(str(index.data()))
            walk(index)

    walk(QModelIndex())
    return out


def db_rows(doc: Document) -> list[str]:
    with doc.reading() as s:
        data = dump_plan(s)
    out = []
    for f in data["fields"]:
        out.append(f"{f['number']}  {f['title']}")
        for g in f["goals"]:
            out.append(f"{g['number']}  {g['title']}")
            out.extend(f"{m['number']}  {m['title']}" for m in g["measures"])
    return out


def test_tree_model_stays_valid_through_edits_undo_and_filters(
    window: MainWindow, small_plan: Document, qtmodeltester: ModelTester
) -> None:
    assert window.open_path(small_plan.path)
    qtmodeltester.check(window.tree_model)  # Qt's own tester, attached from here on
    qtmodeltester.check(window.tree_model, force_py=True)  # and pytest-qt's, attached as well
    ops, n = window.operations, ids(small_plan)
    new = ops.create("measure", n["Ziel A"], 1, {"title": "Neu"})
    assert new is not None
    assert ops.move("measure", n["M1"], n["Ziel A"], 3)  # within its goal, to the end
    assert ops.move("measure", new, n["Ziel C"], 0)  # to another field's goal
    assert ops.move("goal", n["Ziel B"], ops.index.fields[1].id, 1)  # a goal to the other field
    assert ops.update("measure", n["M2"], {"title": "M2 neu", "status_key": "gefaehrdet"})
    window.search.setText("m")  # a filter is active while rows come and go
    assert ops.delete("goal", n["Ziel A"])
    window.set_id_filter({n["M5"]}, "nur M5")
    assert tree_rows(window) == db_rows(small_plan)
    while window.undo_stack.canUndo():
        window.undo()
        assert tree_rows(window) == db_rows(small_plan)
    assert "1.1.1  M1" in tree_rows(window) and "1.1.2  Neu" not in tree_rows(window)
    while window.undo_stack.canRedo():
        window.redo()
    assert tree_rows(window) == db_rows(small_plan)
    window.clear_filters()
    window.reload_plan()  # a reset under the tester
    assert tree_rows(window) == db_rows(small_plan)


def test_a_move_emits_exactly_these_signals(window: MainWindow, small_plan: Document) -> None:
    assert window.open_path(small_plan.path)
    model, n = window.tree_model, ids(small_plan)
    seen: list[tuple[Any, ...]] = []

    def text(index: QModelIndex) -> str:
        return str(index.data()) if index.isValid() else "root"

    for name in (
        "rowsAboutToBeInserted",
        "rowsInserted",
        "rowsAboutToBeRemoved",
        "rowsRemoved",
        "modelReset",
    ):
        getattr(model, name).connect(lambda *args, name=name: seen.append((name,)))
    model.rowsAboutToBeMoved.connect(
        lambda src, first, last, dest, row: seen.append(
            ("rowsAboutToBeMoved", text(src), first, last, text(dest), row)
        )
    )
    model.rowsMoved.connect(
        lambda src, first, last, dest, row: seen.append(
            ("rowsMoved", text(src), first, last, text(dest), row)
        )
    )
    model.dataChanged.connect(
        lambda top, bottom, _roles: seen.append(("dataChanged", text(top), text(bottom)))
    )
    # M1 from the top of Ziel A to its end: Qt counts the destination before the move (row 3).
    assert window.operations.move("measure", n["M1"], n["Ziel A"], 2)
    assert seen == [
        ("rowsAboutToBeMoved", "1.1  Ziel A", 0, 0, "1.1  Ziel A", 3),
        ("rowsMoved", "1.1  Ziel A", 0, 0, "1.1  Ziel A", 3),
        ("dataChanged", "1.1.1  M2", "1.1.3  M1"),
    ]
    seen.clear()
    # M1 over to Ziel C (first place): both goals renumber, the old one first.
    assert window.operations.move("measure", n["M1"], n["Ziel C"], 0)
    assert seen == [
        ("rowsAboutToBeMoved", "1.1  Ziel A", 2, 2, "2.1  Ziel C", 0),
        ("rowsMoved", "1.1  Ziel A", 2, 2, "2.1  Ziel C", 0),
        ("dataChanged", "1.1.1  M2", "1.1.2  M3"),
        ("dataChanged", "2.1.1  M1", "2.1.3  M6"),
    ]


def test_a_refused_move_emits_nothing(window: MainWindow, small_plan: Document) -> None:
    assert window.open_path(small_plan.path)
    model, n = window.tree_model, ids(small_plan)
    seen: list[str] = []
    for name in ("rowsAboutToBeMoved", "rowsMoved", "dataChanged", "modelAboutToBeReset"):
        getattr(model, name).connect(lambda *args, name=name: seen.append(name))
    assert window.operations.move("measure", n["M1"], n["Ziel A"], 0)  # where it is: nothing to do
    assert window.undo_stack.count() == 0
    window.document.read_only = True  # type: ignore[union-attr]
    assert not window.operations.move("measure", n["M1"], n["Ziel C"], 0)
    assert seen == []


def test_entry_model_stays_valid_while_the_board_changes(
    window: MainWindow, small_plan: Document, qtbot: QtBot, qtmodeltester: ModelTester
) -> None:
    assert window.open_path(small_plan.path)
    board = window.context.part(StatusBoardWidget)
    assert board is not None
    window.context.actions["status_board"].setChecked(True)
    qtbot.waitUntil(lambda: board.board is not None)
    lists = board.lists
    qtmodeltester.check(lists.model)
    qtmodeltester.check(lists.model, force_py=True)
    lists.select_list("at_risk")
    ops, n = window.operations, ids(small_plan)

    def shown() -> list[str]:
        return [str(lists.model.index(r, 0).data()) for r in range(lists.model.rowCount())]

    def after(fn: Any) -> None:
        before = board.recomputes
        assert fn()
        qtbot.waitUntil(lambda: board.recomputes > before)

    after(lambda: ops.update("measure", n["M3"], {"status_key": "gefaehrdet"}))
    after(lambda: ops.update("measure", n["M6"], {"status_key": "gefaehrdet"}))
    assert shown() == ["1.1.3", "2.1.2"]
    after(lambda: ops.move("measure", n["M6"], n["Ziel A"], 0))  # moved: new number, new place
    assert shown() == ["1.1.1", "1.1.4"]
    after(lambda: ops.delete("measure", n["M3"]))
    assert shown() == ["1.1.1"]
    lists.select_list("without_responsible")  # another list: the model is filled anew
    assert len(shown()) == 5

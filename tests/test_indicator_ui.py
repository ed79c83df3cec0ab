"""The window parts of issue 13: indicator editor with chart, board list, snapshots, the Zeitplan tab."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtGui import QImage, QPainter
from pytestqt.qtbot import QtBot

from kik_desktop.domain import indicators as ind
from kik_desktop.domain import plan, snapshots
from kik_desktop.store import Document
from kik_desktop.ui.indicator_board import IndicatorBoardList
from kik_desktop.ui.indicator_editor import IndicatorPanel
from kik_desktop.ui.main_window import MainWindow
from kik_desktop.ui.status_board import SideTabs, StatusBoardWidget
from kik_desktop.ui.timeline_view import TimelineTab

TODAY = date(2026, 3, 15)


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path, small_plan: Document) -> Iterator[MainWindow]:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    with small_plan.transaction() as s:
        for number, start, end, status in (
            ("1.1.1", "01/2025", "06/2025", "gefaehrdet"),  # overdue
            ("1.1.2", "2026", "laufend", "mitte"),
            ("2.1.1", "03/2026", "12/2027", "umgesetzt"),
        ):
            found = plan.find_by_number(s, number)
            assert found
            plan.update_item(s, "measure", found[1], {"start": start, "end": end, "status_key": status})
        goal = plan.find_by_number(s, "1.1")
        assert goal
        plan.update_item(s, "goal", goal[1], {"indicator": "80 % der Kinder mit Sprachförderung bis 2027"})
    path = small_plan.path
    small_plan.close()
    win = MainWindow(settings)
    qtbot.addWidget(win)
    win.resize(1366, 860)
    win.show()
    assert win.open_path(path)
    panel(win).today = lambda: TODAY
    board_list(win).today = lambda: TODAY
    timeline(win).today = lambda: TODAY
    yield win
    win.close()


def panel(win: MainWindow) -> IndicatorPanel:
    p = win.context.part(IndicatorPanel)
    assert isinstance(p, IndicatorPanel)
    return p


def board_list(win: MainWindow) -> IndicatorBoardList:
    b = win.context.part(IndicatorBoardList)
    assert isinstance(b, IndicatorBoardList)
    return b


def timeline(win: MainWindow) -> TimelineTab:
    t = win.context.part(TimelineTab)
    assert isinstance(t, TimelineTab)
    return t


def _find(win: MainWindow, number: str) -> tuple[str, int]:
    assert win.document is not None
    with win.document.reading() as s:
        found = plan.find_by_number(s, number)
    assert found
    return found


def _rows(win: MainWindow, number: str) -> list[ind.IndicatorRow]:
    assert win.document is not None
    kind, item_id = _find(win, number)
    with win.document.reading() as s:
        return ind.list_indicators(s, kind, item_id)


def test_indicator_editor_convert_edit_values_undo(window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    p = panel(window)
    assert not p.isVisible()  # nothing selected
    window.select_item(*_find(window, "1.1"))
    assert p.isVisible() and p.owner == _find(window, "1.1")
    assert p.empty.isVisible()

    ids = p.convert_text()
    assert len(ids) == 1
    row = _rows(window, "1.1")[0]
    assert (row.target_value, row.unit, row.target_date) == (80.0, "%", "2027")
    assert p.list.count() == 1 and p.detail.isVisible()

    # Baseline through the form (typed as people write it).
    p.edits["baseline_value"].setText("35,5")
    p.edits["baseline_value"].editingFinished.emit()
    p.edits["baseline_date"].setText("1/24")
    p.edits["baseline_date"].editingFinished.emit()
    row = _rows(window, "1.1")[0]
    assert (row.baseline_value, row.baseline_date) == (35.5, "01/2024")
    assert p.edits["baseline_date"].text() == "01/2024"

    # A bad value is refused with a German message and changes nothing.
    p.edits["target_value"].setText("viele")
    p.edits["target_value"].editingFinished.emit()
    assert "keine Zahl" in p.problem.text()
    assert _rows(window, "1.1")[0].target_value == 80.0

    # Measured values.
    p.value_date.setText("06/2025")
    p.value_value.setText("40")
    qtbot.mouseClick(p.add_value_button, Qt.MouseButton.LeftButton)
    p.value_date.setText("01/2026")
    p.value_value.setText("44")
    p.add_value()
    assert [v.value for v in _rows(window, "1.1")[0].values] == [40.0, 44.0]
    assert p.values.rowCount() == 2 and p.values.item(0, 0).text() == "01/2026"
    values, path = p.chart.points()
    assert len(values) == 2 and path is not None and path[3] == 80.0
    assert ind.assess(_rows(window, "1.1")[0], TODAY).progress is ind.Progress.BEHIND
    assert "im Rückstand" in p.list.item(0).text()
    p.grab().save(str(tmp_path / "indicator_editor.png"))

    # Each edit is one undo step: the values go, then the baseline, then the indicator itself.
    window.undo()
    assert [v.value for v in _rows(window, "1.1")[0].values] == [40.0]
    window.undo()
    window.undo()
    window.undo()
    assert _rows(window, "1.1")[0].baseline_value is None
    window.undo()
    assert _rows(window, "1.1") == []
    assert p.list.count() == 0
    window.redo()
    assert [r.name for r in _rows(window, "1.1")] == ["80 % der Kinder mit Sprachförderung bis 2027"]
    assert p.list.count() == 1


def test_new_and_deleted_indicator_of_a_measure(window: MainWindow) -> None:
    p = panel(window)
    window.select_item(*_find(window, "2.1.1"))
    iid = p.new_indicator({"name": "Teilnehmende", "target_value": 12})
    assert iid is not None and [r.name for r in _rows(window, "2.1.1")] == ["Teilnehmende"]
    p.delete_indicator()
    assert _rows(window, "2.1.1") == []
    window.undo()
    assert [r.id for r in _rows(window, "2.1.1")] == [iid]


def test_indicator_edits_carry_their_records_and_the_board_list_follows(
    window: MainWindow, qtbot: QtBot
) -> None:
    """An indicator edit is published as its own change records (no reload of the plan); the board's
    indicator list follows them, and undo comes back the same way."""
    from kik_desktop.ui.operations import PlanUpdate

    updates: list[PlanUpdate] = []
    window.operations.applied.connect(updates.append)
    window.context.part(SideTabs).setCurrentWidget(window.context.part(StatusBoardWidget))
    bl = board_list(window)
    bl.refresh()
    p = panel(window)
    window.select_item(*_find(window, "1.1"))
    iid = p.new_indicator(
        {
            "name": "Kurse",
            "baseline_value": 0,
            "baseline_date": "01/2025",
            "target_value": 100,
            "target_date": "01/2027",
        }
    )
    assert iid is not None
    assert [(u.reset, u.registry) for u in updates] == [(False, frozenset({"indicator"}))]
    p.value_date.setText("02/2026")
    p.value_value.setText("7")
    p.add_value()
    assert updates[-1].registry == frozenset({"indicator_value"}) and not updates[-1].reset

    def texts() -> list[str]:
        tree = bl.tree
        return [
            tree.topLevelItem(i).child(j).text(0)
            for i in range(tree.topLevelItemCount())
            for j in range(tree.topLevelItem(i).childCount())
        ]

    # The list refreshes on a 0-ms timer after the records of the value came.
    qtbot.waitUntil(lambda: any(t.startswith("1.1  Kurse: 7 (02/2026)") for t in texts()))
    window.undo()
    window.undo()
    assert [(u.reset, u.registry) for u in updates[-2:]] == [
        (False, frozenset({"indicator_value"})),
        (False, frozenset({"indicator"})),
    ]
    assert _rows(window, "1.1") == []


def test_board_lists_indicators_on_track_behind_and_stale(window: MainWindow) -> None:
    assert window.document is not None
    with window.document.transaction() as s:
        goal = _find(window, "1.1")[1]
        a, _ = ind.create_indicator(
            s,
            "goal",
            goal,
            {
                "name": "Gut",
                "baseline_value": 0,
                "baseline_date": "01/2025",
                "target_value": 100,
                "target_date": "01/2027",
            },
        )
        ind.set_value(s, a, "01/2026", 60)
        b, _ = ind.create_indicator(
            s,
            "goal",
            goal,
            {
                "name": "Schlecht",
                "baseline_value": 0,
                "baseline_date": "01/2025",
                "target_value": 100,
                "target_date": "01/2027",
            },
        )
        ind.set_value(s, b, "01/2026", 20)
        c, _ = ind.create_indicator(
            s, "goal", goal, {"name": "Alt", "baseline_value": 0, "baseline_date": "2023"}
        )
        ind.set_value(s, c, "01/2024", 5)
    window.reload_plan()
    window.context.part(SideTabs).setCurrentWidget(window.context.part(StatusBoardWidget))
    bl = board_list(window)
    bl.refresh()
    groups = {
        bl.tree.topLevelItem(i).text(0): bl.tree.topLevelItem(i) for i in range(bl.tree.topLevelItemCount())
    }
    assert set(groups) == {"Im Rückstand (1)", "Seit über 12 Monaten ohne Ist-Wert (1)", "Im Plan (1)"}
    assert groups["Im Plan (1)"].child(0).text(0).startswith("1.1  Gut: 60 (01/2026), Soll 50")
    assert "Schlecht" in groups["Im Rückstand (1)"].child(0).text(0)
    # Activating an entry shows its goal in the tree and the editor.
    bl._activated(groups["Im Rückstand (1)"].child(0), 0)
    assert window.current_item() == _find(window, "1.1")
    assert window.context.part(SideTabs).currentIndex() == 0


def test_snapshot_create_and_delete_are_undo_steps(window: MainWindow) -> None:
    from kik_desktop.ui.snapshot_dialogs import SnapshotDialog, create_snapshot, delete_snapshot

    assert create_snapshot(window.context, "Fachrunde März", date(2026, 3, 1))
    assert window.document is not None

    def labels() -> list[str]:
        assert window.document is not None
        with window.document.reading() as s:
            return [i.label for i in snapshots.list_snapshots(s)]

    assert labels() == ["Fachrunde März"]
    m = _find(window, "1.1.3")
    window.operations.update("measure", m[1], {"status_key": "umgesetzt"})
    dialog = SnapshotDialog(window.context)
    assert dialog.comparison is not None
    assert [(x.number, x.new) for x in dialog.comparison.status_moves] == [("1.1.3", "umgesetzt")]
    dialog.close()
    assert delete_snapshot(window.context, "Fachrunde März")
    assert labels() == []
    window.undo()
    assert labels() == ["Fachrunde März"]
    window.undo()  # the status change
    window.undo()  # the snapshot itself
    assert labels() == []


def test_timeline_click_selects_the_measure_in_the_tree(
    window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    tab = timeline(window)
    window.context.part(SideTabs).setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.loads > 0)
    view = tab.view
    rows = view.timeline.rows
    labels = [r.label for r in rows]
    assert labels[:3] == ["1 Feld Eins", "1.1 Ziel A", "1.1.1 M1"]
    m1, m2 = rows[2], rows[3]
    assert m1.overdue and not m2.overdue and m2.open_ended and m2.end is None
    index = labels.index("2.1.1 M5")
    target = rows[index]
    assert target.start is not None and target.end is not None and target.end - target.start == 21
    view.scroll_to_row(index)
    rect = view.row_rect(index)
    qtbot.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(rect.left() + 40, rect.center().y())
    )
    assert window.current_item() == ("measure", target.id)
    assert window.context.part(SideTabs).currentWidget() is tab
    # Selecting in the tree highlights the row in the timeline.
    window.select_item("measure", m1.id)
    assert view.selected == ("measure", m1.id)
    # Zoom keeps the rows, changes the month width.
    narrow = view.month_w
    tab.set_zoom("quarter")
    assert view.month_w > narrow and tab.zoom_buttons["quarter"].isChecked()
    tab.grab().save(str(tmp_path / "timeline.png"))


def test_timeline_paints_only_the_visible_rows(qtbot: QtBot) -> None:
    from kik_desktop.domain.queries import StatusInfo
    from kik_desktop.domain.timeline import Timeline, TimelineRow
    from kik_desktop.ui.timeline_view import ROW_H, TimelineView

    view = TimelineView()
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    rows = [
        TimelineRow("measure", i, f"1.1.{i}", f"M{i}", "mitte", 24250 + i % 40, 24262 + i % 40)
        for i in range(5000)
    ]
    view.set_timeline(
        Timeline(rows, 24240, 24311, 24300), [StatusInfo("mitte", "Mitte", "FFFF00", "Mitte", "◑")], TODAY
    )
    image = QImage(900, 600, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    view.paint(painter, 900, 600)
    painter.end()
    assert 0 < view.painted_rows <= 600 // ROW_H + 2
    view.verticalScrollBar().setValue(view.verticalScrollBar().maximum())
    painter = QPainter(image)
    view.paint(painter, 900, 600)
    painter.end()
    assert 0 < view.painted_rows <= 600 // ROW_H + 2

"""The Zeitplan tab follows edits without reading the timeline again (issue #13): one bar changed,
added, removed or moved; scroll position and selection stay."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtGui import QColor, QImage, QPainter
from pytestqt.qtbot import QtBot

from kik_desktop.domain import plan
from kik_desktop.domain.timeline import load_timeline
from kik_desktop.store import Document
from kik_desktop.ui.main_window import MainWindow
from kik_desktop.ui.status_board import SideTabs
from kik_desktop.ui.timeline_view import TimelineTab, TimelineView

TODAY = date(2026, 3, 15)


def _open(window: MainWindow, qtbot: QtBot, doc: Document) -> TimelineTab:
    with doc.transaction() as s:
        for number, start, end in (("1.1.1", "01/2026", "12/2026"), ("1.1.2", "2025", "laufend")):
            found = plan.find_by_number(s, number)
            assert found
            plan.update_item(s, "measure", found[1], {"start": start, "end": end})
    path = doc.path
    doc.close()
    assert window.open_path(path)
    tab = window.context.part(TimelineTab)
    assert isinstance(tab, TimelineTab)
    tab.today = lambda: TODAY
    tabs = window.context.part(SideTabs)
    assert tabs is not None
    tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.loads > 0)
    tab.reload()  # with the fixed today
    return tab


def _bar_color(view: TimelineView, measure_id: int) -> QColor:
    """The colour painted in the middle of the measure's bar."""
    index = next(i for i, r in enumerate(view.timeline.rows) if r.kind == "measure" and r.id == measure_id)
    row = view.timeline.rows[index]
    assert row.start is not None and row.end is not None
    view.scroll_to_row(index)
    width, height = view.viewport().width(), view.viewport().height()
    image = QImage(width, height, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    view.paint(painter, width, height)
    painter.end()
    x = (
        view.label_w
        + (row.start - view.timeline.first + 0.3) * view.month_w
        - view.horizontalScrollBar().value()
    )
    y = view.row_rect(index).center().y()
    assert view.label_w < x < width, "the bar is in view"
    return image.pixelColor(int(x), y)


def _reference(window: MainWindow) -> list[tuple[str, int, str, str | None, int | None, int | None]]:
    """What a full read of the document gives (to compare the patched rows with)."""
    assert window.document is not None
    with window.document.reading() as s:
        tl = load_timeline(s, TODAY)
    return [(r.kind, r.id, r.label, r.status_key, r.start, r.end) for r in tl.rows]


def _rows(tab: TimelineTab) -> list[tuple[str, int, str, str | None, int | None, int | None]]:
    return [(r.kind, r.id, r.label, r.status_key, r.start, r.end) for r in tab.view.timeline.rows]


def test_a_status_edit_recolours_its_bar_without_a_reload(
    window: MainWindow, qtbot: QtBot, small_plan: Document, tmp_path: Path
) -> None:
    tab = _open(window, qtbot, small_plan)
    view = tab.view
    m1 = next(r for r in view.timeline.rows if r.label == "1.1.1 M1")
    window.select_item("measure", m1.id)
    view.horizontalScrollBar().setValue(view.horizontalScrollBar().value() + 30)
    before_color = _bar_color(view, m1.id)
    scroll = (view.horizontalScrollBar().value(), view.verticalScrollBar().value())
    loads = tab.loads

    window.operations.update("measure", m1.id, {"status_key": "umgesetzt"})
    qtbot.wait(20)  # a reload would run from a 0-ms timer
    after_color = _bar_color(view, m1.id)
    assert tab.loads == loads and tab.patches >= 1
    assert after_color != before_color
    assert after_color == view.colors["umgesetzt"]
    assert (view.horizontalScrollBar().value(), view.verticalScrollBar().value()) == scroll
    assert view.selected == ("measure", m1.id)
    window.grab().save(str(tmp_path / "timeline_after_edit.png"))

    # Undo puts the old colour back, again without a reload.
    window.undo()
    qtbot.wait(20)
    assert _bar_color(view, m1.id) == before_color and tab.loads == loads
    # An edit the timeline does not show (the description) changes nothing at all.
    patches = tab.patches
    window.operations.update("measure", m1.id, {"description": "Neu beschrieben"})
    qtbot.wait(20)
    assert tab.loads == loads and _rows(tab) == _reference(window)
    assert tab.patches == patches  # nothing to patch


def test_measures_added_removed_and_moved_patch_their_goal(
    window: MainWindow, qtbot: QtBot, small_plan: Document
) -> None:
    tab = _open(window, qtbot, small_plan)
    loads = tab.loads
    assert window.document is not None
    with window.document.reading() as s:
        goal = plan.find_by_number(s, "1.1")
        m2 = plan.find_by_number(s, "1.1.2")
        g12 = plan.find_by_number(s, "1.2")
    assert goal and m2 and g12
    new_id = window.operations.create(
        "measure", goal[1], 1, {"title": "Neu", "start": "05/2029", "end": "2030"}
    )
    assert new_id is not None
    qtbot.wait(20)
    assert _rows(tab) == _reference(window)
    labels = [r.label for r in tab.view.timeline.rows]
    assert labels[2:6] == ["1.1.1 M1", "1.1.2 Neu", "1.1.3 M2", "1.1.4 M3"]
    assert tab.view.timeline.last >= 2030 * 12 + 11  # widened to the new bar's end
    assert window.operations.move("measure", m2[1], g12[1], 0)
    qtbot.wait(20)
    assert _rows(tab) == _reference(window)
    assert window.operations.delete("measure", new_id)
    qtbot.wait(20)
    assert _rows(tab) == _reference(window)
    assert tab.loads == loads
    # A new field changes the field list: that one is read again.
    assert window.operations.create("field", None, None, {"name": "Feld Drei"}) is not None
    qtbot.waitUntil(lambda: tab.loads == loads + 1)
    assert _rows(tab) == _reference(window)

"""On the status board: indicators on track, behind, and without a value for over 12 months.

Inserted below the board's chart; recomputed after edits only while the board is shown. A double click
(or Enter) selects the goal or measure of the indicator in the tree.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QBoxLayout, QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from kik_desktop.domain import indicators as ind
from kik_desktop.ui.indicator_editor import INDICATOR_KINDS
from kik_desktop.ui.status_board import SideTabs, StatusBoardWidget

if TYPE_CHECKING:
    from kik_desktop.ui.context import WindowContext
    from kik_desktop.ui.operations import PlanUpdate

GROUPS = (
    ("behind", "Im Rückstand", "#c62828"),
    ("stale", f"Seit über {ind.STALE_MONTHS} Monaten ohne Ist-Wert", "#8a6d00"),
    ("on_track", "Im Plan", "#1f8a3b"),
)
OWNER_ROLE = Qt.ItemDataRole.UserRole


def describe(number: str, row: ind.IndicatorRow, a: ind.Assessment) -> str:
    text = f"{number}  {row.name}"
    unit = f" {row.unit}" if row.unit and row.unit != row.name else ""
    if a.actual is not None and a.at is not None:
        text += f": {ind.format_number(a.actual)}{unit} ({a.at[1]:02d}/{a.at[0]})"
        if a.expected is not None:
            text += f", Soll {ind.format_number(round(a.expected, 1))}"
    elif a.progress is ind.Progress.STALE:
        text += ": noch nie gemessen"
    if row.target_value is not None:
        text += f", Ziel {ind.format_number(row.target_value)}{unit}"
        if row.target_date:
            text += f" bis {row.target_date}"
    return text


class IndicatorBoardList(QWidget):
    def __init__(self, ctx: WindowContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.today: Callable[[], date] = date.today
        self._dirty = True
        self.lists: ind.IndicatorStatusLists | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        title = QLabel("Indikatoren")
        f = QFont(title.font())
        f.setBold(True)
        title.setFont(f)
        layout.addWidget(title)
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(True)
        self.tree.setAccessibleName("Indikatoren im Plan, im Rückstand, ohne Wert")
        self.tree.itemExpanded.connect(lambda _i: self._fit_height())
        self.tree.itemCollapsed.connect(lambda _i: self._fit_height())
        self.tree.itemActivated.connect(self._activated)
        layout.addWidget(self.tree)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.refresh)
        ctx.operations.applied.connect(self._applied)
        ctx.document_opened.connect(self._changed)

    def _applied(self, update: PlanUpdate) -> None:
        # The lists show indicators by their owners' numbers: their own records, a reload or a
        # structural step (numbers move) change them; a plain edit of a goal or measure does not.
        if update.reset or update.registry & INDICATOR_KINDS or update.delta.structural:
            self._changed()

    def _changed(self, *_args: Any) -> None:
        self._dirty = True
        if self.isVisible():
            self._timer.start()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self._dirty:
            self._timer.start()

    def refresh(self) -> None:
        doc = self.ctx.document
        self._dirty = False
        self._timer.stop()  # a refresh still pending would read the same again
        self.tree.clear()
        if doc is None:
            return
        with doc.reading() as s:
            self.lists = ind.indicator_lists(s, self.today())
        total = 0
        for key, title, color in GROUPS:
            entries = getattr(self.lists, key)
            total += len(entries)
            group = QTreeWidgetItem([f"{title} ({len(entries)})"])
            font = QFont(self.tree.font())
            font.setBold(True)
            group.setFont(0, font)
            group.setForeground(0, QBrush(QColor(color)))
            self.tree.addTopLevelItem(group)
            for number, row, a in entries:
                item = QTreeWidgetItem([describe(number, row, a)])
                item.setData(0, OWNER_ROLE, (row.owner_kind, row.owner_id))
                item.setToolTip(0, f"{row.name}: {a.label}. Doppelklick zeigt das Ziel bzw. die Maßnahme.")
                group.addChild(item)
            group.setExpanded(key != "on_track" or len(entries) <= 8)
        if total == 0:
            self.tree.clear()
            self.tree.addTopLevelItem(
                QTreeWidgetItem(["Noch keine Indikatoren mit Ziel und Ist-Werten erfasst."])
            )
        self._fit_height()

    def _fit_height(self) -> None:
        # As tall as its open rows (the board's upper part scrolls as a whole), at most about 12 rows.
        shown = 0
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            shown += 1 + (top.childCount() if top is not None and top.isExpanded() else 0)
        row = max(self.tree.fontMetrics().height() + 4, 18)
        self.tree.setFixedHeight(min(12, max(3, shown)) * row + 2 * self.tree.frameWidth() + 4)

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        owner = item.data(0, OWNER_ROLE)
        if owner:
            self.ctx.select_item(owner[0], owner[1])
            tabs = self.ctx.part(SideTabs)
            if tabs is not None:
                tabs.setCurrentIndex(0)


def install(ctx: WindowContext) -> None:
    board = ctx.part(StatusBoardWidget)
    if board is None:
        return
    widget = ctx.provide(IndicatorBoardList(ctx))
    host = board.chart.parentWidget()
    layout = host.layout() if host is not None else None
    if not isinstance(layout, QBoxLayout):
        return
    # Below the chart, above the stretch at the end of the board's upper part.
    layout.insertWidget(max(0, layout.count() - 1), widget)

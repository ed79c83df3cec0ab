"""A measure's status history (date, previous and new status) for the measure editor."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from kik_desktop.domain.board import SHORT_LABELS, HistoryEntry, history_of
from kik_desktop.domain.queries import statuses
from kik_desktop.ui.context import WindowContext
from kik_desktop.ui.operations import PlanUpdate
from kik_desktop.ui.plan_tree_model import status_icon


class StatusHistoryView(QWidget):
    """Lists the recorded status changes of one measure, newest first; follows edits and undo."""

    def __init__(self, ctx: WindowContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.measure_id: int | None = None
        self.entries: list[HistoryEntry] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.empty = QLabel("Noch keine Statusänderung erfasst.")
        self.empty.setStyleSheet("color: #666666;")
        layout.addWidget(self.empty)
        self.list = QTreeWidget()
        self.list.setColumnCount(4)
        self.list.setHeaderLabels(["Datum", "vorher", "nachher", "von"])
        self.list.setRootIsDecorated(False)
        self.list.setUniformRowHeights(True)
        self.list.setAccessibleName("Statusverlauf der Maßnahme")
        self.list.setMaximumHeight(self.fontMetrics().height() * 8)
        layout.addWidget(self.list)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.reload)
        ctx.operations.applied.connect(self._changed)
        # The editor says which item it shows: the history follows it (no reliance on slot order).
        ctx.editor.item_shown.connect(self._follow)

    def _changed(self, update: PlanUpdate) -> None:
        if self.measure_id is None:
            return
        if update.reset or update.delta.history or update.touches("measure", self.measure_id):
            self._timer.start()

    def _follow(self, item: tuple[str, int] | None) -> None:
        wanted = item[1] if item is not None and item[0] == "measure" else None
        if wanted != self.measure_id:  # the same measure: its own change handler reloads it
            self.show_measure(wanted)

    def show_measure(self, measure_id: int | None) -> None:
        """Show this measure's history (None: nothing)."""
        self.measure_id = measure_id
        self.reload()

    def reload(self) -> None:
        doc = self.ctx.document
        self.list.clear()
        self.entries = []
        if doc is None or self.measure_id is None:
            self._show_empty(True)
            return
        with doc.reading() as s:
            self.entries = history_of(s, self.measure_id)
            info = {st.key: st for st in statuses(s)}
        for e in self.entries:
            item = QTreeWidgetItem(
                [f"{e.changed_at:%d.%m.%Y %H:%M}", _label(e.old_status), _label(e.new_status), e.changed_by]
            )
            for col, key in ((1, e.old_status), (2, e.new_status)):
                st = info.get(key or "")
                item.setIcon(col, status_icon(st.color if st else "FFFFFF", 12))
                item.setToolTip(col, st.label if st else "ohne Status")
            self.list.addTopLevelItem(item)
        for col in range(4):
            self.list.resizeColumnToContents(col)
        self._show_empty(not self.entries)

    def _show_empty(self, empty: bool) -> None:
        self.empty.setVisible(empty)
        self.list.setVisible(not empty)


def _label(key: str | None) -> str:
    return SHORT_LABELS.get(key) or str(key)


def install(ctx: WindowContext) -> None:
    """Embed the history in the measure editor (once)."""
    if ctx.part(StatusHistoryView) is not None:
        return
    view = ctx.provide(StatusHistoryView(ctx))
    ctx.editor.measure_editor.form.addRow("Statusverlauf", view)

"""A measure's status history (date, previous and new status) for the measure editor."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from kik_desktop.domain.board import SHORT_LABELS, HistoryEntry, history_of
from kik_desktop.domain.queries import statuses
from kik_desktop.ui.plan_tree_model import status_icon

if TYPE_CHECKING:
    from kik_desktop.ui.main_window import MainWindow


class StatusHistoryView(QWidget):
    """Lists the recorded status changes of one measure, newest first; follows edits and undo."""

    def __init__(self, window: MainWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.window_ = window
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
        window.changes.changed.connect(self._changed)

    def _changed(self, info: Any) -> None:
        if self.measure_id is None or getattr(info, "action", "") == "filters-cleared":
            return
        if getattr(info, "kind", None) in ("measure", None) or info.action == "reset":
            self._timer.start()

    def show_measure(self, measure_id: int | None) -> None:
        """Show this measure's history (None: nothing)."""
        self.measure_id = measure_id
        self.reload()

    def reload(self) -> None:
        doc = self.window_.document
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


def install(window: MainWindow) -> None:
    """Embed the history in the measure editor, unless the editor already shows one itself."""
    editor = getattr(getattr(window, "editor", None), "measure_editor", None)
    if editor is None or hasattr(editor, "history_view") or not hasattr(editor, "form"):
        return
    view = StatusHistoryView(window)
    editor.history_view = view
    editor.form.addRow("Statusverlauf", view)

    def follow(*_args: Any) -> None:
        current = window.editor.current
        wanted = current[1] if current and current[0] == "measure" else None
        if wanted != view.measure_id:  # the same measure: its own notice handler reloads it
            view.show_measure(wanted)

    # After the window has loaded the editor for the new selection (its slot was connected first).
    window.tree_view.selectionModel().currentChanged.connect(follow)
    window.changes.changed.connect(follow)

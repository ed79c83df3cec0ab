"""Tree filters beside the search: field, status, responsible institution, priority, overdue."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QCheckBox, QComboBox, QCompleter, QHBoxLayout, QVBoxLayout, QWidget

from kik_desktop.domain.board import ANY, M_RESPONSIBLE, SHORT_LABELS
from kik_desktop.domain.plan import PRIORITIES
from kik_desktop.domain.queries import split_names
from kik_desktop.ui.plan_tree_model import status_icon
from kik_desktop.ui.status_board import apply_tree_filter, board_source

if TYPE_CHECKING:
    from kik_desktop.ui.main_window import MainWindow

# Combo data for "no status" (None is what Qt gives back for "no data", so it cannot stand for it).
NO_STATUS = "__ohne__"


class FilterBar(QWidget):
    """Combos that restrict the tree to the measures matching all of them (through the id filter)."""

    def __init__(self, window: MainWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.window_ = window
        self.source = board_source(window)
        self.today = date.today
        self._quiet = False
        grid = QVBoxLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(4)
        self.field = QComboBox()
        self.field.setAccessibleName("Filter Handlungsfeld")
        self.status = QComboBox()
        self.status.setAccessibleName("Filter Status")
        self.responsible = QComboBox()
        self.responsible.setEditable(True)
        self.responsible.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.responsible.setAccessibleName("Filter verantwortliche Institution")
        line_edit = self.responsible.lineEdit()
        assert line_edit is not None  # the combo is editable
        line_edit.setPlaceholderText("Alle Verantwortlichen")
        # Part of a name is enough ("Amt" finds "Amt für Integration"): suggest, never fill in.
        completer = self.responsible.completer()
        if completer is not None:
            completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.responsible.setToolTip("verantwortlich (Teil des Namens genügt)")
        self.priority = QComboBox()
        self.priority.setAccessibleName("Filter Priorität")
        self.priority.addItem("Alle Prioritäten", None)
        for value, label in PRIORITIES.items():
            self.priority.addItem(label, value)
        self.priority.addItem("ohne", 0)
        self.priority.setToolTip("Priorität")
        self.overdue = QCheckBox("überfällig")
        self.overdue.setToolTip("nur Maßnahmen, deren Endtermin vorbei ist und die nicht umgesetzt sind")
        for combo in (self.field, self.status, self.responsible, self.priority):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)
        row0, row1 = QHBoxLayout(), QHBoxLayout()
        row0.addWidget(self.field, 3)
        row0.addWidget(self.status, 2)
        row1.addWidget(self.responsible, 3)
        row1.addWidget(self.priority, 2)
        row1.addWidget(self.overdue, 0)
        grid.addLayout(row0)
        grid.addLayout(row1)
        self.field.currentIndexChanged.connect(self._changed)
        self.status.currentIndexChanged.connect(self._changed)
        self.priority.currentIndexChanged.connect(self._changed)
        self.responsible.activated.connect(self._changed)
        line_edit.editingFinished.connect(self._changed)
        self.overdue.toggled.connect(self._changed)
        self._applied = repr(self.filters())
        self._choices_timer = QTimer(self)
        self._choices_timer.setSingleShot(True)
        self._choices_timer.setInterval(0)
        self._choices_timer.timeout.connect(self.refresh_choices)
        window.changes.changed.connect(self._notice)
        window.document_opened.connect(lambda _doc: self._choices_timer.start())
        self.refresh_choices()

    # -- choices -------------------------------------------------------------------------------
    def _notice(self, info: Any) -> None:
        action = getattr(info, "action", "")
        if action == "filters-cleared":
            self.reset()
            return
        # The choices are field names and responsible parties: a status edit changes neither.
        attrs: frozenset[str] = getattr(info, "attrs", frozenset())
        if action == "updated" and getattr(info, "kind", None) == "measure" and "responsible" not in attrs:
            return
        if action == "updated" and getattr(info, "kind", None) == "goal":
            return
        if not self._choices_timer.isActive():
            self._choices_timer.start()

    def refresh_choices(self) -> None:
        """Fill the combos from the plan, keeping what is chosen."""
        data = self.source.data()
        self._quiet = True
        try:
            field_id = self.field.currentData()
            self.field.clear()
            self.field.addItem("Alle Handlungsfelder", None)
            status = self.status.currentData()
            self.status.clear()
            self.status.addItem("Alle Status", "")
            if data is not None:
                for fid, number, name, *_rest in data.fields.values():
                    self.field.addItem(f"{number} {name}", fid)
                for st in data.statuses:
                    self.status.addItem(
                        status_icon(st.color, 12), st.short or SHORT_LABELS.get(st.key) or st.label, st.key
                    )
                    self.status.setItemData(self.status.count() - 1, st.label, Qt.ItemDataRole.ToolTipRole)
            self.status.addItem(status_icon("FFFFFF", 12), "ohne Status", NO_STATUS)
            self.field.setCurrentIndex(max(0, self.field.findData(field_id)))
            self.status.setCurrentIndex(max(0, self.status.findData(status)) if status else 0)
            text = self.responsible.currentText()
            self.responsible.clear()
            if data is not None:
                names: dict[str, str] = {}
                for raw in {row[M_RESPONSIBLE] for row in data.measures.values()}:
                    for name in split_names(raw):
                        names.setdefault(name.casefold(), name)
                self.responsible.addItems(sorted(names.values(), key=str.casefold))
            self.responsible.setCurrentIndex(-1)
            self.responsible.setEditText(text)
        finally:
            self._quiet = False

    # -- filtering -----------------------------------------------------------------------------
    def filters(self) -> dict[str, Any]:
        status = self.status.currentData()
        return {
            "field_id": self.field.currentData(),
            "status_key": ANY if not status else (None if status == NO_STATUS else status),
            "responsible": self.responsible.currentText().strip() or None,
            "priority": self.priority.currentData(),
            "overdue": self.overdue.isChecked(),
        }

    def is_default(self) -> bool:
        f = self.filters()
        return (
            f["field_id"] is None
            and f["status_key"] is ANY
            and not f["responsible"]
            and f["priority"] is None
            and not f["overdue"]
        )

    def _changed(self, *_args: Any) -> None:
        if self._quiet:
            return
        # editingFinished also comes when the field merely loses focus: only a real change counts.
        state = repr(self.filters())
        if state == self._applied:
            return
        self.apply()

    def apply(self) -> set[int] | None:
        """Filter the tree now; all combos at "Alle …" shows the whole tree again."""
        self._applied = repr(self.filters())
        if self.is_default():
            apply_tree_filter(self.window_, None, "")
            return None
        filters = self.filters()
        ids = self.source.ids(**filters, today=self.today())
        apply_tree_filter(self.window_, ids, self.describe(len(ids)))
        return ids

    def describe(self, n: int) -> str:
        parts = []
        if self.field.currentData() is not None:
            parts.append(f"Handlungsfeld {self.field.currentText()}")
        if self.status.currentData():
            parts.append(f"Status „{self.status.currentText()}“")
        if self.responsible.currentText().strip():
            parts.append(f"verantwortlich „{self.responsible.currentText().strip()}“")
        if self.priority.currentData() is not None:
            parts.append(f"Priorität {self.priority.currentText()}")
        if self.overdue.isChecked():
            parts.append("überfällig")
        return f"{' · '.join(parts)} – {n} {'Maßnahme' if n == 1 else 'Maßnahmen'}"

    def set_filters(self, field_id: int | None = None, status_key: Any = ANY) -> set[int] | None:
        """Choose a field and a status (as a click on the board's matrix does), reset the rest, apply."""
        self._quiet = True
        try:
            self.refresh_choices()
            self._quiet = True
            self.field.setCurrentIndex(max(0, self.field.findData(field_id)) if field_id is not None else 0)
            if status_key is ANY:
                self.status.setCurrentIndex(0)
            else:
                self.status.setCurrentIndex(max(0, self.status.findData(status_key or NO_STATUS)))
            self.responsible.setEditText("")
            self.priority.setCurrentIndex(0)
            self.overdue.setChecked(False)
        finally:
            self._quiet = False
        if self.is_default():
            # "Summe/Summe": every measure, shown as a filter so the banner says what is on.
            ids = self.source.ids()
            apply_tree_filter(self.window_, ids, f"alle Maßnahmen – {len(ids)}")
            return ids
        return self.apply()

    def reset(self) -> None:
        """All combos back to "Alle …" without touching the tree (the window cleared it already)."""
        self._quiet = True
        try:
            self.field.setCurrentIndex(0)
            self.status.setCurrentIndex(0)
            self.responsible.setEditText("")
            self.priority.setCurrentIndex(0)
            self.overdue.setChecked(False)
        finally:
            self._quiet = False
        self._applied = repr(self.filters())


def install(window: MainWindow) -> None:
    """Put the filter bar between the search field and the tree."""
    bar = FilterBar(window)
    window.tree_filters = bar  # type: ignore[attr-defined]
    slot = getattr(window, "filter_slot", None)
    if slot is not None:
        slot.addWidget(bar)

"""Tree filters beside the search: field, status, responsible institution, priority, overdue."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtWidgets import QCheckBox, QComboBox, QCompleter, QHBoxLayout, QVBoxLayout, QWidget

from kik_desktop.domain.board import ANY, SHORT_LABELS
from kik_desktop.domain.changes import Action, Change
from kik_desktop.domain.plan import PRIORITIES, STATUS_CHANGE
from kik_desktop.ui.context import WindowContext
from kik_desktop.ui.operations import PlanUpdate
from kik_desktop.ui.plan_tree_model import status_icon

# Combo data for "no status" (None is what Qt gives back for "no data", so it cannot stand for it).
NO_STATUS = "__ohne__"


class _WholeCombo(QComboBox):
    """A combo box never narrower than its longest choice, at every zoom (its minimum follows the font)."""

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()


class FilterBar(QWidget):
    """Combos that restrict the tree to the measures matching all of them (through the id filter)."""

    def __init__(self, ctx: WindowContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.board = ctx.operations.board
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
        self.priority = _WholeCombo()
        self.priority.setAccessibleName("Filter Priorität")
        self.priority.addItem("Alle Prioritäten", None)
        for value, label in PRIORITIES.items():
            self.priority.addItem(label, value)
        self.priority.addItem("ohne", 0)
        self.priority.setToolTip("Priorität")
        self.overdue = QCheckBox("überfällig")
        self.overdue.setToolTip("nur Maßnahmen, deren Endtermin vorbei ist und die nicht umgesetzt sind")
        for combo in (self.field, self.status, self.responsible):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)
        # Its choices are short and fixed: never narrower than "Alle Prioritäten" (also with large type);
        # the box of the responsible parties next to it gives way instead.
        self.priority.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
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
        ctx.operations.applied.connect(self._plan_changed)
        ctx.filters_cleared.connect(self.reset)
        ctx.document_opened.connect(lambda _doc: self._choices_timer.start())
        self.refresh_choices()

    # -- choices -------------------------------------------------------------------------------
    def _plan_changed(self, update: PlanUpdate) -> None:
        # The choices are field names and responsible parties: a status edit changes neither.
        if not update.reset and not update.delta.statuses and all(_keeps_choices(c) for c in update.changes):
            return
        if not self._choices_timer.isActive():
            self._choices_timer.start()

    def refresh_choices(self) -> None:
        """Fill the combos from the plan, keeping what is chosen."""
        index = self.board.index if self.ctx.document is not None else None
        self._quiet = True
        try:
            field_id = self.field.currentData()
            self.field.clear()
            self.field.addItem("Alle Handlungsfelder", None)
            status = self.status.currentData()
            self.status.clear()
            self.status.addItem("Alle Status", "")
            if index is not None:
                for f in index.fields:
                    self.field.addItem(f"{f.number()} {f.title}", f.id)
                for st in index.statuses:
                    self.status.addItem(
                        status_icon(st.color, 12), st.short or SHORT_LABELS.get(st.key) or st.label, st.key
                    )
                    self.status.setItemData(self.status.count() - 1, st.label, Qt.ItemDataRole.ToolTipRole)
            self.status.addItem(status_icon("FFFFFF", 12), "ohne Status", NO_STATUS)
            self.field.setCurrentIndex(max(0, self.field.findData(field_id)))
            self.status.setCurrentIndex(max(0, self.status.findData(status)) if status else 0)
            text = self.responsible.currentText()
            self.responsible.clear()
            if index is not None:
                self.responsible.addItems(self.board.responsible_names())
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
            self.ctx.set_id_filter(None, "")
            return None
        ids = self._ids(**self.filters(), today=self.today())
        self.ctx.set_id_filter(ids, self.describe(len(ids)))
        return ids

    def _ids(self, **filters: Any) -> set[int]:
        return set() if self.ctx.document is None else self.board.ids_matching(**filters)

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
            ids = self._ids()
            self.ctx.set_id_filter(ids, f"alle Maßnahmen – {len(ids)}")
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


def _keeps_choices(change: Change) -> bool:
    """Whether a change leaves the filter's choices (field names, responsible parties) as they are."""
    if change.kind in ("goal", STATUS_CHANGE):
        return True
    return change.kind == "measure" and change.action is Action.UPDATED and "responsible" not in change.attrs


def install(ctx: WindowContext) -> None:
    """Put the filter bar between the search field and the tree."""
    if ctx.part(FilterBar) is None:
        ctx.filter_slot.addWidget(ctx.provide(FilterBar(ctx)))

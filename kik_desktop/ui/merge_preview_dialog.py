"""The preview of a returned workbook or workshop copy: accept or reject per item and per value.

A tree lists the items (checkable) with their values below; a conflict row has a choice (keep the
document's value, take the sheet's, edit). The pane below shows the selected value's base, sheet and
document side by side with wrapped text, so nothing needs wider columns at 1366×768.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kik_desktop.domain import indicator_merge
from kik_desktop.domain.merge import Choice, ValueDecision
from kik_desktop.domain.merge_apply import MergePreview

ATTRIBUTE_LABELS = {
    "title": "Titel",
    "description": "Beschreibung",
    "target_group": "Zielgruppe",
    "responsible": "verantwortlich",
    "actors": "Akteur*innen",
    "needs": "Was wird benötigt?",
    "start": "Beginn",
    "end": "Bis wann?",
    "success_indicator": "Erfolgsindikatoren",
    "status": "Status",
    "priority": "Priorität",
    "notes": "Notizen",
    "indicator": "Indikator (zu entwickeln)",
}
KIND_LABELS = {"measure": "Maßnahme", "goal": "Ziel", "field": "Handlungsfeld", "indicator": "Indikator"}
CHOICES = (
    ("Dokument behalten", Choice.KEEP_DOCUMENT),
    ("Wert der Datei übernehmen", Choice.TAKE_SHEET),
    ("Selbst eintragen …", Choice.EDIT),
)
DECISION_ROLE = int(Qt.ItemDataRole.UserRole) + 1


def _short(text: Any, n: int = 40) -> str:
    s = "" if text is None else str(text).replace("\n", " ⏎ ")
    if not s.strip():
        return "(leer)"
    return f"„{s}“" if len(s) <= n else f"„{s[: n - 1]}…“"


class MergePreviewDialog(QDialog):
    """Shows a MergePreview; after exec(), ``choices()``, ``accepted_new()``, ``missing_to_delete()``."""

    def __init__(
        self, preview: MergePreview, parent: QWidget | None = None, *, labels: dict[str, str] | None = None
    ):
        super().__init__(parent)
        self.preview = preview
        self.status_labels = labels or {}
        self.setWindowTitle(f"Rückmeldung übernehmen – {preview.source.name}")
        self.resize(1180, 660)
        layout = QVBoxLayout(self)
        head = QLabel(self._head_text())
        head.setWordWrap(True)
        layout.addWidget(head)
        splitter = QSplitter(Qt.Orientation.Vertical)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Eintrag / Wert", "Vorschlag", "Entscheidung"])
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.setAccessibleName("Änderungen der Rückmeldung")
        self.tree.currentItemChanged.connect(self._show_detail)
        self.tree.itemChanged.connect(self._top_toggled)
        splitter.addWidget(self.tree)
        detail = QGroupBox("Im Einzelnen")
        grid = QGridLayout(detail)
        self.detail_title = QLabel()
        self.detail_title.setWordWrap(True)
        grid.addWidget(self.detail_title, 0, 0, 1, 3)
        self.panes: list[QPlainTextEdit] = []
        for col, title in enumerate(("Stand beim Versand", "In der Datei", "Im Dokument jetzt")):
            grid.addWidget(QLabel(f"<b>{title}</b>"), 1, col)
            pane = QPlainTextEdit()
            pane.setReadOnly(True)
            pane.setAccessibleName(title)
            grid.addWidget(pane, 2, col)
            self.panes.append(pane)
        splitter.addWidget(detail)
        splitter.setSizes([420, 180])
        layout.addWidget(splitter, 1)
        self.delete_missing_box = QCheckBox("Fehlende Maßnahmen löschen (sonst bleiben sie erhalten)")
        self.delete_missing_box.setEnabled(bool(preview.missing))
        layout.addWidget(self.delete_missing_box)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        assert ok is not None
        ok.setText("Übernehmen")
        cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        assert cancel is not None
        cancel.setText("Abbrechen")
        ok.setEnabled(not preview.has_errors)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._value_items: list[tuple[QTreeWidgetItem, ValueDecision]] = []
        self._combos: dict[int, QComboBox] = {}
        self._edits: dict[int, QLineEdit] = {}
        self._new_items: list[QTreeWidgetItem] = []
        self._missing_items: list[tuple[QTreeWidgetItem, tuple[str, str]]] = []
        self._fill()

    def _head_text(self) -> str:
        p = self.preview
        if p.dispatch is not None:
            base = (
                f"Versandt am {p.dispatch.created_at:%d.%m.%Y}: {p.dispatch.scope_label}. "
                "Abgleich mit dem damaligen Stand: Was in der Datei seit dem Versand nicht geändert wurde, "
                "bleibt wie im Dokument."
            )
        else:
            base = (
                "Keine bekannte Versendung: einfacher Vergleich (Werte der Datei gewinnen, wo sie abweichen)."
            )
        errors = [i.text() for i in p.issues if i.level == "error"]
        text = f"{base}<br><b>{p.summary()}</b>"
        if errors:
            text += "<br><span style='color:#C00000'>" + "<br>".join(errors) + "</span>"
        return text

    def _show_value(self, attribute: str, value: Any) -> str:
        if attribute == "status":
            return self.status_labels.get(str(value or ""), str(value or ""))
        if attribute == "priority":
            return {"1": "hoch", "2": "mittel", "3": "niedrig"}.get(str(value or ""), str(value or ""))
        return "" if value is None else str(value)

    def _fill(self) -> None:
        p = self.preview
        by_item: dict[Hashable, list[tuple[ValueDecision, str]]] = {}
        for d in p.result.changed:
            by_item.setdefault(d.key, []).append((d, "changed"))
        for d in p.result.conflicts:
            by_item.setdefault(d.key, []).append((d, "conflict"))
        for d in p.result.kept:
            by_item.setdefault(d.key, []).append((d, "kept"))

        def number_key(key: Hashable) -> tuple[int, ...]:
            assert isinstance(key, tuple)
            return tuple(int(x) for x in p.numbers.get(key, "0").split(".") if x.isdigit())

        for key in sorted(by_item, key=number_key):
            assert isinstance(key, tuple)
            kind = KIND_LABELS.get(key[0], key[0])
            top = QTreeWidgetItem([f"{kind} {p.numbers.get(key, '')} {_short(p.titles.get(key), 70)}"])
            # Not Qt's auto-tristate: it counts a child without a check box (a conflict, a kept value)
            # as unchecked and so turned the whole item off, dropping its choices. The item's box is the
            # person's own; ticking it passes on to the values (``_top_toggled``).
            top.setFlags(top.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            top.setCheckState(0, Qt.CheckState.Checked)
            self.tree.addTopLevelItem(top)
            for d, what in by_item[key]:
                label = (
                    indicator_merge.label(d.attribute)
                    if key[0] == indicator_merge.KIND
                    else ATTRIBUTE_LABELS.get(d.attribute, d.attribute)
                )
                sheet, current = (
                    self._show_value(d.attribute, d.sheet),
                    self._show_value(d.attribute, d.current),
                )
                if what == "kept":
                    child = QTreeWidgetItem([label, f"bleibt {_short(current)}", "im Dokument neuer"])
                    child.setDisabled(True)
                elif what == "conflict":
                    child = QTreeWidgetItem(
                        [
                            f"{label} – Konflikt",
                            f"Dokument {_short(current, 30)}, Datei {_short(sheet, 30)}",
                            "",
                        ]
                    )
                else:
                    child = QTreeWidgetItem([label, f"{_short(current)} → {_short(sheet)}", ""])
                child.setData(0, DECISION_ROLE, len(self._value_items))
                top.addChild(child)
                if what == "changed":
                    child.setFlags(child.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                    child.setCheckState(0, Qt.CheckState.Checked)
                    child.setText(2, "übernehmen")
                elif what == "conflict":
                    child.setForeground(0, Qt.GlobalColor.darkRed)
                    combo = QComboBox()
                    for text, _choice in CHOICES:
                        combo.addItem(text)
                    combo.setAccessibleName(f"Entscheidung {label}")
                    index = len(self._value_items)
                    combo.currentIndexChanged.connect(lambda i, idx=index: self._choice_changed(idx, i))
                    self.tree.setItemWidget(child, 2, combo)
                    self._combos[index] = combo
                self._value_items.append((child, d))
            top.setExpanded(True)
        if p.new_items:
            top = QTreeWidgetItem([f"Neu ({len(p.new_items)})"])
            self.tree.addTopLevelItem(top)
            for n in p.new_items:
                parent_no = p.numbers.get(n.parent, "")
                child = QTreeWidgetItem(
                    [
                        f"{KIND_LABELS.get(n.kind, n.kind)} {_short(n.title, 70)}",
                        f"unter {parent_no}",
                    ]
                )
                child.setFlags(child.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                child.setCheckState(0, Qt.CheckState.Checked)
                top.addChild(child)
                self._new_items.append(child)
            top.setExpanded(True)
        if p.missing:
            top = QTreeWidgetItem([f"Fehlen in der Datei ({len(p.missing)}) – bleiben erhalten"])
            self.tree.addTopLevelItem(top)
            for key in p.missing:
                child = QTreeWidgetItem([f"{p.numbers.get(key, '')} {_short(p.titles.get(key), 70)}"])
                top.addChild(child)
                self._missing_items.append((child, key))
        first = self.tree.topLevelItem(0)
        if first is not None:
            self.tree.setCurrentItem(first)

    def _choice_changed(self, index: int, combo_index: int) -> None:
        if CHOICES[combo_index][1] is Choice.EDIT and index not in self._edits:
            child, d = self._value_items[index]
            edit = QLineEdit(self._show_value(d.attribute, d.current))
            edit.setAccessibleName("eigener Wert")
            self._edits[index] = edit
            holder = QWidget()
            row = QVBoxLayout(holder)
            row.setContentsMargins(0, 0, 0, 0)
            row.addWidget(self._combos[index])
            row.addWidget(edit)
            self.tree.setItemWidget(child, 2, holder)

    def _show_detail(self, item: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None = None) -> None:
        if item is None or item.data(0, DECISION_ROLE) is None:
            self.detail_title.setText(item.text(0) if item is not None else "")
            for pane in self.panes:
                pane.setPlainText("")
            return
        d = self._value_items[int(item.data(0, DECISION_ROLE))][1]
        key = d.key
        assert isinstance(key, tuple)
        self.detail_title.setText(
            f"<b>{self.preview.numbers.get(key, '')} {ATTRIBUTE_LABELS.get(d.attribute, d.attribute)}</b> – "
            f"{self.preview.titles.get(key, '')}"
        )
        base = self._show_value(d.attribute, d.base) if self.preview.base_known else "(unbekannt)"
        for pane, text in zip(
            self.panes,
            (base, self._show_value(d.attribute, d.sheet), self._show_value(d.attribute, d.current)),
            strict=True,
        ):
            pane.setPlainText(text)

    # -- results ---------------------------------------------------------------------------------------

    def _top_toggled(self, item: QTreeWidgetItem, column: int) -> None:
        """An item ticked on or off: its values with a box follow (conflicts and kept values have none)."""
        if column != 0 or item.parent() is not None or not item.flags() & Qt.ItemFlag.ItemIsUserCheckable:
            return
        state = item.checkState(0)
        for i in range(item.childCount()):
            child = item.child(i)
            if child is None:
                continue
            has_box = child.data(0, Qt.ItemDataRole.CheckStateRole) is not None
            if has_box and child.checkState(0) != state:
                child.setCheckState(0, state)

    def choices(self) -> dict[tuple[Hashable, str], Choice | tuple[Choice, Any]]:
        out: dict[tuple[Hashable, str], Choice | tuple[Choice, Any]] = {}
        for index, (child, d) in enumerate(self._value_items):
            parent = child.parent()
            item_off = parent is not None and parent.checkState(0) == Qt.CheckState.Unchecked
            if index in self._combos:
                choice = CHOICES[self._combos[index].currentIndex()][1]
                if item_off:
                    choice = Choice.KEEP_DOCUMENT
                if choice is Choice.EDIT:
                    out[(d.key, d.attribute)] = (Choice.EDIT, self._edit_value(d, self._edits[index].text()))
                else:
                    out[(d.key, d.attribute)] = choice
            elif (child.flags() & Qt.ItemFlag.ItemIsUserCheckable) and (
                item_off or child.checkState(0) == Qt.CheckState.Unchecked
            ):
                out[(d.key, d.attribute)] = Choice.KEEP_DOCUMENT
        return out

    def _edit_value(self, d: ValueDecision, text: str) -> str:
        if d.attribute == "status":
            reverse = {v: k for k, v in self.status_labels.items()}
            return reverse.get(text, str(d.current or ""))
        if d.attribute == "priority":
            return {"hoch": "1", "mittel": "2", "niedrig": "3"}.get(text.strip(), "")
        return text

    def accepted_new(self) -> set[int]:
        return {i for i, item in enumerate(self._new_items) if item.checkState(0) == Qt.CheckState.Checked}

    def delete_missing(self) -> bool:
        return self.delete_missing_box.isChecked()

"""Small dialogs of the main window: where to move an item, the institutions registry."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from kik_desktop.domain.changes import ChangeSet, reset
from kik_desktop.models import Institution
from kik_desktop.ui.context import WindowContext
from kik_desktop.ui.plan_tree_model import PlanNode

# What a change of the institutions registry records: the editor's choices are read again.
INSTITUTIONS_CHANGED = ChangeSet((reset("institution"),))


class RememberingDialog(QDialog):
    """A dialog that keeps its size and place between sessions."""

    settings_key = ""

    def __init__(self, ctx: WindowContext) -> None:
        super().__init__(ctx.window)
        self.ctx = ctx
        geometry = ctx.settings.value(f"dialogs/{self.settings_key}")
        self._restored = isinstance(geometry, QByteArray) and self.restoreGeometry(geometry)

    def done(self, result: int) -> None:
        self.ctx.settings.setValue(f"dialogs/{self.settings_key}", self.saveGeometry())
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.ctx.settings.setValue(f"dialogs/{self.settings_key}", self.saveGeometry())
        super().closeEvent(event)


class MoveTargetDialog(RememberingDialog):
    """Pick the field (for a goal) or goal (for a measure) to move an item into."""

    settings_key = "move_target"

    def __init__(self, ctx: WindowContext, node: PlanNode) -> None:
        super().__init__(ctx)
        label = "Ziel" if node.kind == "measure" else "Handlungsfeld"
        self.setWindowTitle(f"Verschieben nach … ({label} wählen)")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"„{node.number()} {node.title}“ ans Ende dieses {label}s verschieben:"))
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        layout.addWidget(self.tree, 1)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        want = "goal" if node.kind == "measure" else "field"
        for field in ctx.tree_model.root.children:
            f_item = QTreeWidgetItem([f"{field.number()}  {field.title}"])
            f_item.setData(0, Qt.ItemDataRole.UserRole, field.id if want == "field" else None)
            self.tree.addTopLevelItem(f_item)
            if want == "goal":
                f_item.setFlags(f_item.flags() & ~Qt.ItemFlag.ItemIsSelectable)
                for goal in field.children:
                    g_item = QTreeWidgetItem([f"{goal.number()}  {goal.title}"])
                    g_item.setData(0, Qt.ItemDataRole.UserRole, goal.id)
                    f_item.addChild(g_item)
        self.tree.expandAll()
        self.tree.itemDoubleClicked.connect(lambda *_: self.accept() if self.chosen() is not None else None)
        self.tree.currentItemChanged.connect(lambda *_: self.ok.setEnabled(self.chosen() is not None))
        self.ok.setEnabled(False)
        if not self._restored:
            self.resize(560, 480)

    def chosen(self) -> int | None:
        item = self.tree.currentItem()
        if item is None:
            return None
        value = item.data(0, Qt.ItemDataRole.UserRole)
        return None if value is None else int(value)


def choose_parent(ctx: WindowContext, node: PlanNode) -> int | None:
    dialog = MoveTargetDialog(ctx, node)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.chosen()


class InstitutionsDialog(RememberingDialog):
    """The institutions registry: add, rename, remove; every change is one undo step."""

    settings_key = "institutions"

    def __init__(self, ctx: WindowContext) -> None:
        super().__init__(ctx)
        self.setWindowTitle("Institutionen verwalten")
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                "Das Verzeichnis, aus dem „verantwortlich“ und „Akteur*innen“ vervollständigt "
                "werden. Freier Text bleibt in den Maßnahmen möglich."
            )
        )
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filtern …")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._apply_filter)
        layout.addWidget(self.filter)
        row = QHBoxLayout()
        self.list = QListWidget()
        self.list.setAccessibleName("Institutionen")
        row.addWidget(self.list, 1)
        side = QVBoxLayout()
        self.add_button = QPushButton("&Hinzufügen …")
        self.rename_button = QPushButton("&Umbenennen …")
        self.remove_button = QPushButton("&Entfernen")
        for button in (self.add_button, self.rename_button, self.remove_button):
            side.addWidget(button)
        side.addStretch(1)
        row.addLayout(side)
        layout.addLayout(row, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.add_button.clicked.connect(self.add)
        self.rename_button.clicked.connect(self.rename)
        self.remove_button.clicked.connect(self.remove)
        self.list.itemDoubleClicked.connect(lambda _item: self.rename())
        read_only = ctx.document is None or ctx.document.read_only
        for button in (self.add_button, self.rename_button, self.remove_button):
            button.setEnabled(not read_only)
        self.reload()
        if not self._restored:
            self.resize(620, 560)

    def reload(self) -> None:
        doc = self.ctx.document
        assert doc is not None
        self.list.clear()
        with doc.reading() as s:
            for inst in s.scalars(select(Institution).order_by(Institution.name)):
                item = QListWidgetItem(inst.name)
                item.setData(Qt.ItemDataRole.UserRole, inst.id)
                self.list.addItem(item)
        self._apply_filter(self.filter.text())

    def _apply_filter(self, text: str) -> None:
        needle = text.lower()
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setHidden(needle not in item.text().lower())

    def _exists(self, name: str, except_id: int | None = None) -> bool:
        doc = self.ctx.document
        assert doc is not None
        with doc.reading() as s:
            found = s.scalars(select(Institution.id).where(Institution.name == name)).first()
        return found is not None and found != except_id

    def _run(self, text: str, redo: Any, undo: Any) -> None:
        def recorded(fn: Any) -> Any:
            def run(s: Session) -> ChangeSet:
                fn(s)
                return INSTITUTIONS_CHANGED

            return run

        if self.ctx.operations.bulk(text, recorded(redo), recorded(undo)):
            self.reload()

    def add(self) -> None:
        name, ok = QInputDialog.getText(self, "Institution hinzufügen", "Name der Institution:")
        name = name.strip()
        if not ok or not name:
            return
        if self._exists(name):
            QMessageBox.information(self, "Schon vorhanden", f"„{name}“ steht schon im Verzeichnis.")
            return
        created: dict[str, int] = {}

        def redo(s: Session) -> None:
            inst = Institution(name=name, short_name="", notes="")
            if "id" in created:
                inst.id = created["id"]
            s.add(inst)
            s.flush()
            created["id"] = inst.id

        def undo(s: Session) -> None:
            s.delete(s.get_one(Institution, created["id"]))

        self._run(f"Institution „{name}“ hinzufügen", redo, undo)

    def _selected(self) -> tuple[int, str] | None:
        item = self.list.currentItem()
        if item is None or item.isHidden():
            return None
        return int(item.data(Qt.ItemDataRole.UserRole)), item.text()

    def rename(self) -> None:
        selected = self._selected()
        if selected is None or not self.rename_button.isEnabled():
            return
        inst_id, old = selected
        name, ok = QInputDialog.getText(self, "Institution umbenennen", "Neuer Name:", text=old)
        name = name.strip()
        if not ok or not name or name == old:
            return
        if self._exists(name, inst_id):
            QMessageBox.information(self, "Schon vorhanden", f"„{name}“ steht schon im Verzeichnis.")
            return

        def set_name(value: str) -> Any:
            return lambda s: setattr(s.get_one(Institution, inst_id), "name", value)

        self._run(f"Institution „{old}“ umbenennen", set_name(name), set_name(old))

    def remove(self) -> None:
        selected = self._selected()
        if selected is None:
            return
        inst_id, name = selected
        answer = QMessageBox.question(
            self,
            "Entfernen",
            f"„{name}“ aus dem Verzeichnis entfernen?\n\nMaßnahmen, die sie nennen, behalten den Text.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        saved: dict[str, Any] = {}

        def redo(s: Session) -> None:
            inst = s.get_one(Institution, inst_id)
            saved.update(name=inst.name, short_name=inst.short_name, notes=inst.notes)
            s.delete(inst)

        def undo(s: Session) -> None:
            s.add(Institution(id=inst_id, **saved))

        self._run(f"Institution „{name}“ entfernen", redo, undo)


__all__ = ["InstitutionsDialog", "MoveTargetDialog", "RememberingDialog", "choose_parent"]

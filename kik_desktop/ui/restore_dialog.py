"""Datei → Wiederherstellen: backups with date, reason and counts; restore; the lock and damage dialogs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kik_desktop.store import Document, DocumentError, open_document
from kik_desktop.store.backup import BackupInfo, list_backups, restore_backup, verify_backup
from kik_desktop.store.lock import DocumentInUseError, DocumentLock
from kik_desktop.store.safety import DamagedDocumentError, open_for_editing
from kik_desktop.ui.context import WindowContext
from kik_desktop.ui.errors import show_storage_error

log = logging.getLogger(__name__)

KIND_LABELS = {
    "open": "beim Öffnen (täglich)",
    "import": "vor einem Import",
    "migration": "vor Aktualisierung des Formats",
    "restore": "vor einer Wiederherstellung",
    "manual": "von Hand",
}


def reason_text(info: BackupInfo) -> str:
    return info.reason or KIND_LABELS.get(info.kind, info.kind)


class RestoreDialog(QDialog):
    """Lists the backups of a document (newest first) and restores the chosen one after confirmation."""

    def __init__(self, document: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.chosen: BackupInfo | None = None
        self.setWindowTitle("Sicherung wiederherstellen")
        self.resize(820, 420)
        layout = QVBoxLayout(self)
        self.intro = QLabel(
            f"Sicherungen von „{document.name}“ (im Benutzerordner). Beim Wiederherstellen wird der "
            "jetzige Stand vorher selbst gesichert; es geht also nichts verloren."
        )
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.table = QTableWidget(0, 4, self)
        self.table.setHorizontalHeaderLabels(["Datum", "Anlass", "Umfang", "Prüfung"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(lambda _index: self._restore_clicked())
        layout.addWidget(self.table)
        self.show_all = QCheckBox("Sicherungen aller Dokumente anzeigen")
        self.show_all.toggled.connect(lambda _on: self.reload())
        layout.addWidget(self.show_all)
        self.buttons = QDialogButtonBox(self)
        self.restore_button = QPushButton("Wiederherstellen …")
        self.buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton("Schließen", QDialogButtonBox.ButtonRole.RejectRole)
        self.restore_button.clicked.connect(self._restore_clicked)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.infos: list[BackupInfo] = []
        self.problems: list[list[str]] = []
        self.reload()

    def reload(self) -> None:
        self.infos = list_backups(None if self.show_all.isChecked() else self.document)
        # The checksum only, which is quick; the full check runs before a restore.
        self.problems = [verify_backup(i, full=False) for i in self.infos]
        self.table.setRowCount(len(self.infos))
        for row, (info, problems) in enumerate(zip(self.infos, self.problems, strict=True)):
            cells = [
                f"{info.created:%d.%m.%Y %H:%M}",
                reason_text(info),
                info.describe_counts(),
                "in Ordnung" if not problems else "beschädigt: " + "; ".join(problems),
            ]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(str(info.path))
                if problems:
                    item.setForeground(Qt.GlobalColor.red)
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()
        if self.infos:
            self.table.selectRow(0)
        else:
            self.intro.setText(f"Für „{self.document.name}“ gibt es noch keine Sicherungen.")
        self._selection_changed()

    def selected(self) -> BackupInfo | None:
        rows = {i.row() for i in self.table.selectedIndexes()}
        if len(rows) != 1:
            return None
        return self.infos[rows.pop()]

    def _selection_changed(self) -> None:
        info = self.selected()
        ok = info is not None and not self.problems[self.infos.index(info)]
        self.restore_button.setEnabled(ok)

    def confirm(self, info: BackupInfo) -> bool:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Sicherung wiederherstellen",
            f"„{self.document.name}“ durch die Sicherung vom {info.created:%d.%m.%Y %H:%M} Uhr ersetzen "
            f"({info.describe_counts()})?",
            QMessageBox.StandardButton.NoButton,
            self,
        )
        box.setInformativeText(
            "Der jetzige Stand wird vorher gesichert und bleibt in dieser Liste. "
            "Die Liste der rückgängig machbaren Schritte wird geleert."
        )
        yes = box.addButton("Wiederherstellen", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Abbrechen", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(yes)
        box.exec()
        return box.clickedButton() is yes

    def _restore_clicked(self) -> None:
        info = self.selected()
        if info is None or not self.restore_button.isEnabled():
            return
        if self.confirm(info):
            self.chosen = info
            self.accept()


def restore_into_window(ctx: WindowContext, info: BackupInfo) -> bool:
    """Close the window's document, restore the backup over it, and open it again (keeping the lock)."""
    window, doc = ctx.window, ctx.document
    if doc is None:
        return False
    if doc.read_only:
        QMessageBox.information(
            window,
            "Wiederherstellen nicht möglich",
            "Das Dokument ist nur zum Lesen geöffnet (schreibgeschützt oder von jemand anderem geöffnet); "
            "es kann nicht ersetzt werden.",
        )
        return False
    ctx.editor.flush()
    path = doc.path
    doc.close()
    error: DocumentError | None = None
    try:
        restore_backup(info, path)
    except DocumentError as exc:
        error = exc
    except OSError as exc:
        error = DocumentError(f"Die Wiederherstellung ist fehlgeschlagen: {exc.strerror or exc}")
    try:
        reopened = open_document(path)
    except DocumentError as exc:
        show_storage_error(window, exc, "Dokument kann nicht wieder geöffnet werden")
        return False
    # set_document releases the old lock; the lock stays ours across the restore.
    ctx.set_document(reopened, ctx.take_lock())
    if error is not None:
        show_storage_error(window, error, "Wiederherstellung fehlgeschlagen")
        return False
    window.statusBar().showMessage(f"Sicherung vom {info.created:%d.%m.%Y %H:%M} wiederhergestellt.", 8000)
    return True


def open_restore_dialog(ctx: WindowContext) -> None:
    if ctx.document is None:
        return
    if ctx.document.is_server:
        ctx.show_error(
            "Wiederherstellen",
            "Ein Server-Dokument wird nicht im Fenster zurückgesetzt "
            "(andere arbeiten vielleicht gerade darin). "
            "Die Sicherungen sind .kik-Dateien (kik-desktop backups --db URL); zurück auf den Server mit "
            "„kik-desktop copy SICHERUNG.kik URL --force“.",
        )
        return
    dialog = RestoreDialog(ctx.document.path, ctx.window)
    if dialog.exec() == QDialog.DialogCode.Accepted and dialog.chosen is not None:
        restore_into_window(ctx, dialog.chosen)


def install(ctx: WindowContext) -> None:
    """Add Datei → „Wiederherstellen …“."""
    action = QAction("&Wiederherstellen …", ctx.window)
    action.setStatusTip("Eine automatische Sicherung des Dokuments wiederherstellen")
    action.triggered.connect(lambda _checked=False: open_restore_dialog(ctx))
    ctx.menus["file"].addAction(action)

    def update(_doc: Any = None) -> None:
        doc = ctx.document
        action.setEnabled(doc is not None and not doc.read_only)

    ctx.operations.document_changed.connect(update)
    update()
    ctx.actions["restore"] = action


# ---------------------------------------------------------------- opening with the lock and damage dialogs
def ask_about_lock(parent: QWidget | None, error: DocumentInUseError) -> str:
    """The lock dialog: "read_only", "break" (after a second confirmation) or "cancel"."""
    holder = error.holder
    box = QMessageBox(
        QMessageBox.Icon.Warning,
        "Dokument ist bereits geöffnet",
        f"„{error.document.name}“ ist bereits geöffnet: von {holder.describe()}.",
        QMessageBox.StandardButton.NoButton,
        parent,
    )
    box.setInformativeText(
        "Sie können es schreibgeschützt öffnen. Heben Sie die Sperre nur auf, wenn sicher ist, dass dort "
        "niemand mehr damit arbeitet (z. B. nach einem Absturz) – sonst können Änderungen verloren gehen."
    )
    read_only = box.addButton("Schreibgeschützt öffnen", QMessageBox.ButtonRole.AcceptRole)
    unlock = box.addButton("Sperre aufheben", QMessageBox.ButtonRole.DestructiveRole)
    box.addButton("Abbrechen", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(read_only)
    box.exec()
    clicked = box.clickedButton()
    if clicked is read_only:
        return "read_only"
    if clicked is unlock:
        sure = QMessageBox.question(
            parent,
            "Sperre aufheben",
            f"Wirklich die Sperre von {holder.describe()} aufheben?\n\n"
            "Arbeitet dort noch jemand mit dem Dokument, können Änderungen verloren gehen.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return "break" if sure == QMessageBox.StandardButton.Yes else "cancel"
    return "cancel"


def ask_about_damage(parent: QWidget | None, error: DamagedDocumentError) -> bool:
    """The damage dialog; True when the user wants the offered backup restored."""
    box = QMessageBox(
        QMessageBox.Icon.Critical,
        "Dokument beschädigt",
        str(error),
        QMessageBox.StandardButton.NoButton,
        parent,
    )
    restore = None
    if error.backup is not None:
        box.setInformativeText(
            "Die beschädigte Datei wird beim Wiederherstellen als „.damaged“ daneben aufbewahrt."
        )
        restore = box.addButton("Sicherung wiederherstellen", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Abbrechen", QMessageBox.ButtonRole.RejectRole)
    box.exec()
    return restore is not None and box.clickedButton() is restore


def open_safely(
    parent: QWidget | None,
    path: Path,
    *,
    read_only: bool = False,
    show_error: Callable[[str, str], None] | None = None,
) -> tuple[Document, DocumentLock | None] | None:
    """open_for_editing with the lock and damage dialogs; None when the user cancelled or it failed.

    show_error(title, text) reports a file that cannot be opened at all; by default a message box.
    """
    warnings: list[str] = []
    kwargs: dict[str, Any] = {"read_only": read_only, "on_warning": warnings.append}
    for _attempt in range(3):
        try:
            result = open_for_editing(path, **kwargs)
        except DocumentInUseError as exc:
            answer = ask_about_lock(parent, exc)
            if answer == "cancel":
                return None
            kwargs["read_only_if_locked" if answer == "read_only" else "break_lock"] = True
            continue
        except DamagedDocumentError as exc:
            if exc.backup is None or not ask_about_damage(parent, exc):
                return None
            try:
                restore_backup(exc.backup, path)
            except DocumentError as restore_error:
                show_storage_error(parent, restore_error, "Wiederherstellung fehlgeschlagen")
                return None
            continue
        except DocumentError as exc:
            if show_error is not None:
                show_error("Das Dokument kann nicht geöffnet werden", str(exc))
            else:
                show_storage_error(parent, exc, "Das Dokument kann nicht geöffnet werden")
            return None
        for warning in warnings:
            log.warning("%s", warning)
        if warnings and parent is not None:
            QMessageBox.warning(parent, "Hinweis", "\n\n".join(warnings))
        return result
    return None

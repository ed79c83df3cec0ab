"""Datei → Neue Fassung des Konzepts …: the next edition (Fortschreibung) as a new document."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kik_desktop import DOCUMENT_SUFFIX
from kik_desktop.domain.edition import EditionResult, done_measures, next_name, write_next_edition
from kik_desktop.domain.queries import properties
from kik_desktop.store import DocumentError
from kik_desktop.ui.dialogs import RememberingDialog

if TYPE_CHECKING:
    from kik_desktop.ui.context import WindowContext

log = logging.getLogger(__name__)

UID_ROLE = Qt.ItemDataRole.UserRole


class EditionDialog(RememberingDialog):
    """Name and file of the next edition, and which done measures it carries."""

    settings_key = "edition"

    def __init__(self, ctx: WindowContext) -> None:
        super().__init__(ctx)
        self.window_ = ctx
        doc = ctx.document
        assert doc is not None
        self.setWindowTitle("Neue Fassung des Konzepts")
        with doc.reading() as s:
            props = properties(s)
            done = done_measures(s)
        current = props.get("concept_name", "") or doc.path.stem
        edition = props.get("edition", "").strip() or "1"
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"Aus „{current}“ wird eine neue Fassung (Fortschreibung) als eigenes Dokument angelegt. "
            "Übernommen werden die Handlungsfelder, Ziele, offenen Maßnahmen mit ihrem Statusverlauf, "
            "die Institutionen, die Steuerungsgruppe, die Querschnittsaufgaben, die Förderquellen und "
            "die Status-Legende; jeder Eintrag verweist auf seinen Ursprung. "
            "Das bisherige Dokument bleibt unverändert."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.name_edit = QLineEdit(next_name(current))
        self.name_edit.setAccessibleName("Name der neuen Fassung")
        form.addRow("&Name der neuen Fassung", self.name_edit)
        try:
            number = str(int(edition) + 1)
        except ValueError:
            number = "neu"
        suggestion = doc.path.with_name(f"{doc.path.stem} – Fassung {number}{DOCUMENT_SUFFIX}")
        file_row = QHBoxLayout()
        self.path_edit = QLineEdit(str(suggestion))
        self.path_edit.setAccessibleName("Datei der neuen Fassung")
        browse = QPushButton("&Durchsuchen …")
        browse.clicked.connect(self._browse)
        file_row.addWidget(self.path_edit, 1)
        file_row.addWidget(browse)
        holder = QWidget()
        holder.setLayout(file_row)
        file_row.setContentsMargins(0, 0, 0, 0)
        form.addRow("&Datei", holder)
        layout.addLayout(form)

        self.done_label = QLabel(
            f"{len(done)} Maßnahmen sind umgesetzt. Sie werden nicht übernommen – außer den hier "
            "angehakten (z. B. weil sie laufend weitergeführt werden):"
            if done
            else "Keine Maßnahme ist umgesetzt: alle Maßnahmen werden übernommen."
        )
        self.done_label.setWordWrap(True)
        layout.addWidget(self.done_label)
        self.done_list = QListWidget()
        self.done_list.setAccessibleName("Umgesetzte Maßnahmen, die übernommen werden")
        for measure in done:
            item = QListWidgetItem(f"{measure.number}  {measure.title}")
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            item.setData(UID_ROLE, measure.uid)
            self.done_list.addItem(item)
        self.done_list.setVisible(bool(done))
        layout.addWidget(self.done_list, 1)
        choose = QHBoxLayout()
        for text, state in (("&Alle übernehmen", True), ("&Keine übernehmen", False)):
            button = QPushButton(text)
            button.clicked.connect(lambda _c=False, st=state: self.check_all(st))
            button.setVisible(bool(done))
            choose.addWidget(button)
        choose.addStretch(1)
        layout.addLayout(choose)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Neue Fassung &anlegen")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.result_: EditionResult | None = None
        if not self._restored:
            self.resize(680, 560)

    def check_all(self, on: bool) -> None:
        state = Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
        for i in range(self.done_list.count()):
            self.done_list.item(i).setCheckState(state)

    def chosen_uids(self) -> list[str]:
        out = []
        for i in range(self.done_list.count()):
            item = self.done_list.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                out.append(str(item.data(UID_ROLE)))
        return out

    def target(self) -> Path:
        path = Path(self.path_edit.text().strip())
        if path.suffix.lower() != DOCUMENT_SUFFIX:
            path = path.with_name(path.name + DOCUMENT_SUFFIX)
        return path

    def _browse(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self,
            "Neue Fassung speichern unter",
            self.path_edit.text(),
            f"KIK-Dokumente (*{DOCUMENT_SUFFIX})",
        )
        if name:
            self.path_edit.setText(name)

    def confirm_overwrite(self, path: Path) -> bool:
        answer = QMessageBox.question(
            self,
            "Datei ersetzen?",
            f"„{path.name}“ gibt es schon. Ersetzen?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def write(self) -> EditionResult | None:
        """Write the new edition; None (after saying why) if it was not written."""
        doc = self.window_.document
        assert doc is not None
        if not self.path_edit.text().strip():
            self.window_.show_error("Keine neue Fassung angelegt", "Bitte eine Datei angeben.")
            return None
        target = self.target()
        if target.exists() and target.resolve() == doc.path.resolve():
            self.window_.show_error(
                "Keine neue Fassung angelegt", "Die neue Fassung kann nicht das geöffnete Dokument ersetzen."
            )
            return None
        overwrite = target.exists()
        if overwrite and not self.confirm_overwrite(target):
            return None
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            return write_next_edition(
                doc.path,
                target,
                name=self.name_edit.text(),
                carry_done=self.chosen_uids(),
                overwrite=overwrite,
            )
        except (DocumentError, ValueError, OSError) as exc:
            log.warning("next edition failed: %s", exc)
            self.window_.show_error("Keine neue Fassung angelegt", str(exc))
            return None
        finally:
            QApplication.restoreOverrideCursor()

    def accept(self) -> None:
        self.result_ = self.write()
        if self.result_ is not None:
            super().accept()


def ask_to_open(parent: QWidget, result: EditionResult) -> bool:
    left = len(result.left_out)
    text = (
        f"„{result.name}“ (Fassung {result.edition}) wurde angelegt:\n{result.path}\n\n"
        f"{result.carried.get('measure', 0)} Maßnahmen übernommen"
        + (f", {left} umgesetzte nicht übernommen" if left else "")
        + ".\n\nDie neue Fassung jetzt öffnen?"
    )
    answer = QMessageBox.question(
        parent,
        "Neue Fassung angelegt",
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.Yes,
    )
    return answer == QMessageBox.StandardButton.Yes


def new_edition(ctx: WindowContext) -> None:
    if ctx.document is None:
        return
    if ctx.document.is_server:
        ctx.show_error(
            "Neue Fassung",
            "Eine neue Fassung wird aus einer .kik-Datei geschrieben. Das Server-Dokument zuerst als Datei "
            "speichern (Datei → Kopie speichern unter …) und die Kopie fortschreiben.",
        )
        return
    ctx.editor.flush()
    dialog = EditionDialog(ctx)
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.result_ is None:
        return
    if ask_to_open(ctx.window, dialog.result_):
        ctx.open_path(dialog.result_.path)


def install(ctx: WindowContext) -> None:
    action = QAction("Neue &Fassung des Konzepts …", ctx.window)
    action.setStatusTip("Die nächste Fassung (Fortschreibung) aus diesem Dokument anlegen")
    action.triggered.connect(lambda _c=False: new_edition(ctx))
    ctx.menus["file"].addAction(action)
    ctx.actions["new_edition"] = action
    ctx.document_opened.connect(lambda *_: action.setEnabled(ctx.document is not None))
    action.setEnabled(ctx.document is not None)


__all__ = ["EditionDialog", "install", "new_edition"]

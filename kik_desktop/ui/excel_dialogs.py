"""Datei → Exportieren als Excel / Importieren aus Excel: file dialogs, progress, the import preview."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEventLoop, Qt, QThread, QTimer
from PySide6.QtGui import QAction, QBrush, QColor, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QProgressDialog,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kik_desktop.domain import wording
from kik_desktop.exchange.excel_export import ExportError, ExportResult
from kik_desktop.exchange.excel_import import (
    ImportBlocked,
    ImportPreview,
    Issue,
    apply_preview,
    preview_document,
)
from kik_desktop.exchange.xlsx_guard import WorkbookRejected
from kik_desktop.store import DocumentError
from kik_desktop.store.backup import BackupError
from kik_desktop.ui.context import WindowContext
from kik_desktop.ui.folders import remember_folder, start_folder

EXPORT_TITLE = "Exportieren als Excel"
IMPORT_TITLE = "Importieren aus Excel"
XLSX_FILTER = "Excel-Arbeitsmappe (*.xlsx)"
OPEN_FILTER = (
    "Tabellen (*.xlsx *.xlsm *.csv *.xls *.ods);;Excel-Arbeitsmappen (*.xlsx *.xlsm);;CSV-Dateien (*.csv);;"
    "Alle Dateien (*)"
)
REMAP = 2  # fidelity #18: the preview dialog asks for a new preview with a changed column mapping


class _Job(QThread):
    """Runs one function off the GUI thread (reading the document and the workbook needs no Qt)."""

    def __init__(self, fn: Callable[[], Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fn = fn
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.fn()
        except BaseException as exc:  # handed to the GUI thread, which shows it
            self.error = exc


def run_with_progress(window: QWidget, label: str, fn: Callable[[], Any]) -> Any:
    """fn() in a worker thread while a busy indicator shows; returns its result or raises its error."""
    progress = QProgressDialog(label, "", 0, 0, window)
    progress.setWindowTitle("Bitte warten")
    progress.setCancelButton(None)
    progress.setWindowModality(Qt.WindowModality.WindowModal)
    progress.setMinimumDuration(400)
    job = _Job(fn, window)
    loop = QEventLoop()
    job.finished.connect(loop.quit)
    job.start()
    if not job.isFinished():
        loop.exec()
    job.wait()
    progress.close()
    progress.deleteLater()
    job.deleteLater()
    if job.error is not None:
        raise job.error
    return job.result


EXPORT_FOLDER_KEY = "export/folder"
IMPORT_FOLDER_KEY = "import/folder"


def _start_dir(ctx: WindowContext, key: str = EXPORT_FOLDER_KEY) -> Path:
    # Documents first, then the folder last used: never the hidden program-data folder of the document.
    return start_folder(ctx.settings, key)


def export_to_excel(ctx: WindowContext, path: Path | None = None) -> ExportResult | None:
    """Ask for a file name (unless given) and export the implementation table there."""
    window, doc = ctx.window, ctx.document
    if doc is None:
        QMessageBox.information(window, EXPORT_TITLE, "Es ist kein Dokument geöffnet.")
        return None
    if path is None:
        suggestion = (
            _start_dir(ctx) / f"{doc.name if doc.is_server else doc.path.stem} – Umsetzungstabelle.xlsx"
        )
        name, _filter = QFileDialog.getSaveFileName(window, EXPORT_TITLE, str(suggestion), XLSX_FILTER)
        if not name:
            return None
        path = Path(name)
        remember_folder(ctx.settings, EXPORT_FOLDER_KEY, path)
    if path.suffix.lower() != ".xlsx":
        path = path.with_name(path.name + ".xlsx")
    ctx.editor.flush()
    # Recorded as a dispatch with its base (issue #11), so that importing it back merges three-way; a
    # document open only for reading is exported without the record.
    from kik_desktop.ui.cycle_dialogs import FullExport

    job = FullExport(ctx, doc, path)
    try:
        result: ExportResult = run_with_progress(
            window, f"Die Umsetzungstabelle wird nach „{path.name}“ exportiert …", job
        )
    except (ExportError, DocumentError) as exc:
        QMessageBox.critical(window, EXPORT_TITLE, str(exc))
        return None
    except OSError as exc:
        QMessageBox.critical(window, EXPORT_TITLE, f"Die Excel-Datei konnte nicht geschrieben werden: {exc}")
        return None
    job.publish()
    message = (
        f"Exportiert: {path.name} ({wording.fields(result.fields)}, {wording.goals(result.goals)}, "
        f"{wording.measures(result.measures)})"
    )
    window.statusBar().showMessage(message, 8000)
    if result.warnings:
        shown = "\n".join(f"• {w}" for w in result.warnings[:15])
        more = f"\n… und {len(result.warnings) - 15} weitere" if len(result.warnings) > 15 else ""
        QMessageBox.warning(window, EXPORT_TITLE, f"{message}.\n\nHinweise:\n{shown}{more}")
    return result


def _where(sheet: str | None, row: int | None) -> str:
    if sheet is None:
        return ""
    return f"{sheet}, Zeile {row}" if row is not None else sheet


class ImportPreviewDialog(QDialog):
    """What an import would change: new, changed (old → new), missing, unchanged, errors and warnings."""

    def __init__(self, preview: ImportPreview, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.preview = preview
        self.setWindowTitle(f"Vorschau: Import aus „{preview.source.name}“")
        self.resize(980, 640)
        layout = QVBoxLayout(self)
        self.summary = QLabel(preview.summary())
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        if preview.has_errors:
            # The first errors in full here (a label wraps; a tree column would cut them).
            shown = "\n".join(f"• {issue.text()}" for issue in preview.errors[:3])
            more = (
                f"\n… und {len(preview.errors) - 3} weitere (siehe unten)" if len(preview.errors) > 3 else ""
            )
            self.error_label = QLabel(
                "Die Datei hat Fehler; so wird nichts übernommen. Bitte die Datei korrigieren "
                f"und erneut importieren.\n{shown}{more}"
            )
            self.error_label.setStyleSheet("color: #B00020; font-weight: bold;")
            self.error_label.setWordWrap(True)
            layout.addWidget(self.error_label)
        elif preview.change_count == 0 and not preview.missing:
            layout.addWidget(QLabel("Die Datei enthält keine Änderungen gegenüber dem Dokument."))
        self.tree = QTreeWidget()
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Eintrag", "Änderung / Hinweis", "Ort in der Datei"])
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(False)
        self.tree.setWordWrap(True)
        self.tree.setAccessibleName("Vorschau der Änderungen")
        layout.addWidget(self.tree, 1)
        # The whole text of the chosen line (old → new, the full message): a column cannot show it all.
        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        self.detail.setAccessibleName("Einzelheiten der gewählten Zeile")
        self.detail.setFixedHeight(self.detail.fontMetrics().lineSpacing() * 4 + 14)
        self.detail.setPlaceholderText("Eine Zeile oben wählen, um sie hier ganz zu lesen.")
        layout.addWidget(self.detail)
        self.tree.currentItemChanged.connect(self._show_detail)
        # fidelity #18 hook: the mapping question, column in the file → field (ui/import_mapping.py)
        from kik_desktop.ui.import_mapping import MappingPanel

        self.remap_request: dict[str, str] | None = None
        self.mapping_panel = MappingPanel(preview) if preview.header_matches else None
        if self.mapping_panel is not None:
            layout.addWidget(self.mapping_panel)
            self.mapping_panel.apply_button.clicked.connect(self._remap)
        self.groups: dict[str, QTreeWidgetItem] = {}
        self._fill()
        self._fit_to_screen()
        self.delete_missing = QCheckBox("Fehlende Einträge löschen")
        self.delete_missing.setToolTip(
            "Einträge des Dokuments, die in der Datei fehlen, löschen (sonst bleiben sie erhalten). "
            "Das lässt sich mit „Rückgängig“ zurücknehmen."
        )
        self.delete_missing.setEnabled(bool(preview.missing) and not preview.has_errors)
        layout.addWidget(self.delete_missing)
        self.buttons = QDialogButtonBox()
        self.apply_button = self.buttons.addButton("Übernehmen", QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton("Abbrechen", QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.delete_missing.toggled.connect(self._update_apply)
        layout.addWidget(self.buttons)
        self._update_apply()
        self.cancel_button.setDefault(True)

    def _remap(self) -> None:
        assert self.mapping_panel is not None
        self.remap_request = self.mapping_panel.mapping()
        self.done(REMAP)

    def _update_apply(self) -> None:
        has_work = self.preview.change_count > 0 or (
            self.delete_missing.isChecked() and bool(self.preview.missing)
        )
        self.apply_button.setEnabled(has_work and not self.preview.has_errors)

    def _group(
        self, key: str, title: str, count: int, expanded: bool, color: str | None = None
    ) -> QTreeWidgetItem:
        item = QTreeWidgetItem([f"{title} ({count})"])
        font = item.font(0)
        font.setBold(True)
        item.setFont(0, font)
        if color:
            item.setForeground(0, QBrush(QColor(color)))
        self.tree.addTopLevelItem(item)
        item.setExpanded(expanded)
        self.groups[key] = item
        return item

    def _issue_items(self, parent: QTreeWidgetItem, issues: list[Issue]) -> None:
        for issue in issues:
            child = QTreeWidgetItem([issue.where or "Datei", issue.message, _where(issue.sheet, issue.row)])
            child.setToolTip(1, issue.text())
            parent.addChild(child)

    def _fill(self) -> None:
        p = self.preview
        if p.errors:
            self._issue_items(self._group("errors", "Fehler", len(p.errors), True, "#B00020"), p.errors)
        if p.new:
            group = self._group("new", "Neu", len(p.new), True, "#1B5E20")
            for item in p.new:
                context = f"in „{item.context}“" if item.context else ""
                group.addChild(QTreeWidgetItem([item.label, context, _where(item.sheet, item.row)]))
        if p.changed:
            group = self._group("changed", "Geändert", len(p.changed), True, "#0D47A1")
            for item in p.changed:
                node = QTreeWidgetItem(
                    [
                        item.label,
                        wording.counted(len(item.changes), "Änderung", "Änderungen"),
                        _where(item.sheet, item.row),
                    ]
                )
                for change in item.changes:
                    child = QTreeWidgetItem([change.label, change.text().split(": ", 1)[-1], ""])
                    child.setToolTip(1, f"{change.old!s} → {change.new!s}")
                    node.addChild(child)
                group.addChild(node)
                node.setExpanded(len(p.changed) <= 50)
        if p.missing:
            group = self._group(
                "missing", "Fehlen in der Datei (bleiben erhalten)", len(p.missing), True, "#E65100"
            )
            for item in p.missing:
                group.addChild(QTreeWidgetItem([item.label, item.context, ""]))
        if p.warnings:
            self._issue_items(
                self._group("warnings", "Hinweise", len(p.warnings), True, "#8D6E00"), p.warnings
            )
        if p.infos:
            self._issue_items(self._group("infos", "Zur Information", len(p.infos), False), p.infos)
        if p.unchanged:
            group = self._group("unchanged", "Unverändert", len(p.unchanged), False)
            for item in p.unchanged[:2000]:
                group.addChild(QTreeWidgetItem([item.label, "", _where(item.sheet, item.row)]))
            if len(p.unchanged) > 2000:
                group.addChild(QTreeWidgetItem([f"… und {len(p.unchanged) - 2000} weitere", "", ""]))
        # The change column takes the room (old → new is what the user must read), wrapped where long;
        # the entry column a third, the place in the file as wide as it needs.
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.setColumnWidth(0, max(200, self.width() // 3))
        first = self.groups.get("errors") or self.groups.get("changed") or self.groups.get("new")
        first_child = first.child(0) if first is not None and first.childCount() else None
        if first_child is not None:
            self.tree.setCurrentItem(first_child)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        # Row heights follow the new column widths, so long changes and messages wrap instead of being cut.
        self.tree.setColumnWidth(0, max(200, self.width() // 3))
        QTimer.singleShot(0, self.tree.doItemsLayout)

    def _fit_to_screen(self) -> None:
        screen = self.screen() or QApplication.primaryScreen()
        if screen is None:
            return
        area = screen.availableGeometry()
        self.resize(min(self.width(), area.width() - 40), min(self.height(), area.height() - 60))
        self.tree.setColumnWidth(0, max(200, self.width() // 3))

    def _show_detail(self, item: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None = None) -> None:
        if item is None:
            self.detail.clear()
            return
        lines = [item.text(0)]
        full = item.toolTip(1) or item.text(1)
        if full:
            lines.append(full)
        if item.text(2):
            lines.append(f"Ort in der Datei: {item.text(2)}")
        self.detail.setPlainText("\n".join(lines))


def import_from_excel(ctx: WindowContext, path: Path | None = None) -> bool:
    """Choose a workbook, show the preview, and on „Übernehmen“ write it as one undo step."""
    window, doc = ctx.window, ctx.document
    if doc is None:
        QMessageBox.information(window, IMPORT_TITLE, "Es ist kein Dokument geöffnet.")
        return False
    if doc.read_only:
        QMessageBox.information(window, IMPORT_TITLE, "Das Dokument ist nur zum Lesen geöffnet.")
        return False
    if path is None:
        name, _filter = QFileDialog.getOpenFileName(
            window, IMPORT_TITLE, str(_start_dir(ctx, IMPORT_FOLDER_KEY)), OPEN_FILTER
        )
        if not name:
            return False
        path = Path(name)
        remember_folder(ctx.settings, IMPORT_FOLDER_KEY, path)
    ctx.editor.flush()
    source = path
    # A returned workbook (it carries its dispatch id): the three-way merge with its own preview.
    from kik_desktop.ui.cycle_dialogs import import_return

    try:
        three_way = import_return(ctx, source)
    except (WorkbookRejected, DocumentError) as exc:
        QMessageBox.critical(window, IMPORT_TITLE, str(exc))
        return False
    if three_way is not None:
        return three_way
    mapping: dict[str, str] | None = None
    while True:  # fidelity #18 hook: a changed column mapping gives a new preview
        read = functools.partial(preview_document, doc, source, mapping)
        try:
            preview: ImportPreview = run_with_progress(
                window, f"„{source.name}“ wird gelesen und mit dem Dokument verglichen …", read
            )
        except WorkbookRejected as exc:
            QMessageBox.critical(window, IMPORT_TITLE, str(exc))
            return False
        except DocumentError as exc:
            QMessageBox.critical(window, IMPORT_TITLE, str(exc))
            return False
        dialog = ImportPreviewDialog(preview, window)
        ctx.provide(dialog)  # tests find the last preview as ctx.part(ImportPreviewDialog)
        code = dialog.exec()
        if code == REMAP and dialog.remap_request is not None:
            mapping = dialog.remap_request
            dialog.deleteLater()
            continue
        break
    accepted = code == QDialog.DialogCode.Accepted
    delete_missing = dialog.delete_missing.isChecked()
    if accepted and dialog.mapping_panel is not None:
        with contextlib.suppress(OSError):  # remembering is a convenience; the import goes on
            dialog.mapping_panel.remember_confirmed()
    dialog.deleteLater()
    if not accepted:
        return False
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        # The one import workflow: verified backup, then one undoable bulk operation.
        applied = apply_preview(doc, preview, delete_missing=delete_missing, write=ctx.operations.bulk)
    except ImportBlocked as exc:
        QMessageBox.critical(window, IMPORT_TITLE, str(exc))
        return False
    except BackupError as exc:
        QMessageBox.critical(
            window, IMPORT_TITLE, f"Vor dem Import konnte keine Sicherung angelegt werden: {exc}"
        )
        return False
    finally:
        QApplication.restoreOverrideCursor()
    done = applied is not None
    if done:
        window.statusBar().showMessage(f"Übernommen aus {source.name}: {preview.summary()}", 10000)
    return bool(done)


def install(ctx: WindowContext) -> None:
    """Datei → „Exportieren als Excel …“ (Strg+E) and „Importieren aus Excel …“ (Strg+I)."""
    window = ctx.window
    export_action = QAction("Exportieren als &Excel …", window)
    export_action.setShortcut(QKeySequence("Ctrl+E"))
    export_action.setStatusTip("Die Umsetzungstabelle als Excel-Arbeitsmappe (.xlsx) speichern")
    export_action.triggered.connect(lambda _checked=False: export_to_excel(ctx))
    import_action = QAction("&Importieren aus Excel …", window)
    import_action.setShortcut(QKeySequence("Ctrl+I"))
    import_action.setStatusTip("Eine Excel-Arbeitsmappe übernehmen – mit Vorschau, rückgängig zu machen")
    import_action.triggered.connect(lambda _checked=False: import_from_excel(ctx))
    menu = ctx.menus["file"]
    menu.addSeparator()
    menu.addAction(import_action)
    menu.addAction(export_action)
    ctx.actions["excel_export"] = export_action
    ctx.actions["excel_import"] = import_action

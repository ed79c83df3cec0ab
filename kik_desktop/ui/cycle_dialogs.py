"""The working-group cycle in the window: Bearbeiten → Arbeitsgruppen, Datei → Rückmeldebögen,
Versendungen, Arbeitskopie anlegen/zurückführen, the full export as a dispatch, and the three-way import
of returned workbooks.

Recording a dispatch (a return workbook, a workshop copy, the full export) is *not* an undo step: the file
is written and may already be on its way; Strg+Z after an export would otherwise silently delete the base
that the returned workbook needs, and the file would stay out there anyway. A dispatch made by mistake is
removed in „Versendungen und Rücklauf“ (with a question first); that removal is an undo step.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from kik_desktop.domain import changes
from kik_desktop.domain import dispatches as dispatch_records
from kik_desktop.domain import working_groups as wg
from kik_desktop.domain.changes import ChangeSet
from kik_desktop.domain.dispatches import DispatchInfo, list_dispatches
from kik_desktop.domain.merge_apply import MergeBlocked, MergePreview, prepare_merge
from kik_desktop.domain.plan import PlanError
from kik_desktop.domain.queries import statuses
from kik_desktop.exchange.excel_export import ExportError, ExportResult
from kik_desktop.exchange.import_workflow import backup_then_write
from kik_desktop.models import Field, Institution
from kik_desktop.store import Document, DocumentError
from kik_desktop.ui.context import WindowContext
from kik_desktop.ui.list_pane import ListPane
from kik_desktop.ui.merge_preview_dialog import MergePreviewDialog
from kik_desktop.ui.operations import PlanUpdate
from kik_desktop.ui.status_board import StatusBoardWidget

TITLE = "Rückmeldung"


# -- the three-way import ------------------------------------------------------------------------------


def _folder_of(doc: Any) -> Path:
    """Where file dialogs start: the document's folder; the home folder for a server document."""
    return Path.home() if doc.is_server else Path(doc.path).parent


def _recorded(ctx: WindowContext, info: DispatchInfo) -> None:
    """Tell the views that a dispatch was recorded (not an undo step: see the module docstring)."""
    ctx.operations.publish(ChangeSet.of([changes.created("dispatch", info.id, None, 0, {"uid": info.uid})]))


def _apply_preview(ctx: WindowContext, preview: MergePreview) -> bool:
    window, doc = ctx.window, ctx.document
    assert doc is not None
    with doc.reading() as s:
        labels = {st.key: st.label for st in statuses(s)}
    dialog = MergePreviewDialog(preview, window, labels=labels)
    ctx.provide(dialog)  # tests find the last one as ctx.part(MergePreviewDialog)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    try:
        record = prepare_merge(
            preview,
            dialog.choices(),
            delete_missing=dialog.delete_missing(),
            accepted_new=dialog.accepted_new(),
        )
    except MergeBlocked as exc:
        QMessageBox.critical(window, TITLE, str(exc))
        return False
    ctx.editor.flush()
    try:
        backup = backup_then_write(
            doc, preview.source.name, record.description, record.redo, record.undo, ctx.operations.bulk
        )
    except DocumentError as exc:
        QMessageBox.critical(
            window, TITLE, f"Vor dem Übernehmen konnte keine Sicherung angelegt werden: {exc}"
        )
        return False
    if backup is not None:
        window.statusBar().showMessage(f"Übernommen aus {preview.source.name}: {preview.summary()}", 10000)
    return backup is not None


def import_return(ctx: WindowContext, path: Path) -> bool | None:
    """The three-way import of a returned workbook (or of a full export that comes back); None when the
    workbook carries no dispatch id."""
    from kik_desktop.exchange.return_import import preview_return

    doc = ctx.document
    assert doc is not None
    with doc.reading() as s:
        preview = preview_return(s, path)
    if preview is None:
        return None
    return _apply_preview(ctx, preview)


def checkin(ctx: WindowContext, path: Path | None = None) -> bool:
    from kik_desktop.domain.workshop import WorkshopError, preview_checkin

    window, doc = ctx.window, ctx.document
    if doc is None or doc.read_only:
        return False
    if path is None:
        name, _f = QFileDialog.getOpenFileName(
            window, "Arbeitskopie zurückführen", str(_folder_of(doc)), "KIK-Dokument (*.kik)"
        )
        if not name:
            return False
        path = Path(name)
    ctx.editor.flush()
    try:
        with doc.reading() as s:
            preview = preview_checkin(s, path)
    except WorkshopError as exc:
        QMessageBox.critical(window, "Arbeitskopie zurückführen", str(exc))
        return False
    return _apply_preview(ctx, preview)


def checkout(ctx: WindowContext, path: Path | None = None) -> bool:
    from kik_desktop.domain.workshop import checkout as do_checkout

    window, doc = ctx.window, ctx.document
    if doc is None or doc.read_only:
        return False
    if path is None:
        stem = doc.name if doc.is_server else doc.path.stem
        suggestion = _folder_of(doc) / f"{stem} – Workshop {date.today():%Y-%m-%d}.kik"
        name, _f = QFileDialog.getSaveFileName(
            window, "Arbeitskopie für einen Workshop", str(suggestion), "KIK-Dokument (*.kik)"
        )
        if not name:
            return False
        path = Path(name)
    ctx.editor.flush()
    try:
        info = do_checkout(doc, path)
    except DocumentError as exc:
        QMessageBox.critical(window, "Arbeitskopie", str(exc))
        return False
    _recorded(ctx, info)
    window.statusBar().showMessage(
        f"Arbeitskopie angelegt: {path.name} (Ausgabe {info.uid[:8]}, vermerkt unter „Versendungen“)", 10000
    )
    return True


class FullExport:
    """Datei → Exportieren als Excel: the export, recorded as a dispatch (issue #11), run in the progress
    thread; ``publish()`` afterwards, in the window's thread, tells the views. A document open only for
    reading is exported without the record (nothing can be written to it)."""

    def __init__(self, ctx: WindowContext, doc: Document, path: Path) -> None:
        self.ctx, self.doc, self.path = ctx, doc, path
        self.dispatch: DispatchInfo | None = None

    def __call__(self) -> ExportResult:
        from kik_desktop.exchange.excel_export import export_document
        from kik_desktop.exchange.export_dispatch import export_document_as_dispatch

        if self.doc.read_only:
            return export_document(self.doc, self.path)
        done = export_document_as_dispatch(self.doc, self.path)
        self.dispatch = done.dispatch
        return done.result

    def publish(self) -> None:
        if self.dispatch is not None:
            _recorded(self.ctx, self.dispatch)


# -- return workbooks -----------------------------------------------------------------------------------


class ReturnExportDialog(QDialog):
    """Which part: a field, a working group (or every group into a folder), an institution; due date."""

    def __init__(self, ctx: WindowContext) -> None:
        super().__init__(ctx.window)
        self.setWindowTitle("Rückmeldebögen exportieren")
        doc = ctx.document
        assert doc is not None
        with doc.reading() as s:
            fields = [f.name for f in s.scalars(select(Field).order_by(Field.position, Field.id))]
            self.groups = [g.name for g in wg.list_groups(s)]
            institutions = list(s.scalars(select(Institution.name).order_by(Institution.name)))
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.kind = QButtonGroup(self)
        self.field_combo = QComboBox()
        self.field_combo.addItems([f"{i}. {n}" for i, n in enumerate(fields, start=1)])
        self.group_combo = QComboBox()
        self.group_combo.addItems(["alle Gruppen (in einen Ordner)", *self.groups])
        self.institution_combo = QComboBox()
        self.institution_combo.setEditable(True)
        self.institution_combo.addItems(institutions)
        for i, (label, widget) in enumerate(
            (
                ("Arbeitsgruppe", self.group_combo),
                ("Handlungsfeld", self.field_combo),
                ("Institution", self.institution_combo),
            )
        ):
            radio = QRadioButton(label)
            self.kind.addButton(radio, i)
            form.addRow(radio, widget)
            if i == 0:
                radio.setChecked(True)
        self.due = QDateEdit(QDate.currentDate().addDays(28))
        self.due.setCalendarPopup(True)
        self.due.setDisplayFormat("dd.MM.yyyy")
        form.addRow("Zurück bis", self.due)
        layout.addLayout(form)
        note = QLabel(
            "Jeder Bogen wird als Versendung vermerkt (mit dem Stand aller Werte), damit die Rückmeldung "
            "später sicher zusammengeführt werden kann."
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def due_date(self) -> date:
        d = self.due.date()
        return date(d.year(), d.month(), d.day())


def _safe_name(text: str) -> str:
    return re.sub(r"[^\w\- ]+", "", text).strip().replace(" ", "_")[:60] or "Rückmeldebogen"


def _group_maker(make: Callable[[Session, str], Any], name: str) -> Callable[[Session], Any]:
    return lambda s: make(s, name)


def export_returns(
    ctx: WindowContext, target: Path | None = None, *, dialog: ReturnExportDialog | None = None
) -> list[Path]:
    """The dialog, then the workbook(s); returns the written files."""
    from kik_desktop.exchange.return_workbook import (
        Scope,
        field_scope,
        group_scope,
        institution_scope,
        write_return_workbook,
    )

    window, doc = ctx.window, ctx.document
    if doc is None or doc.read_only:
        return []
    ctx.editor.flush()
    dialog = dialog or ReturnExportDialog(ctx)
    if target is None and dialog.exec() != QDialog.DialogCode.Accepted:
        return []
    kind = dialog.kind.checkedId()
    all_groups = kind == 0 and dialog.group_combo.currentIndex() == 0
    makers: list[Callable[[Session], Scope]] = []
    if kind == 0:
        names = dialog.groups if all_groups else [dialog.group_combo.currentText()]
        makers = [_group_maker(group_scope, n) for n in names]
    elif kind == 1:
        number = dialog.field_combo.currentIndex() + 1
        makers = [lambda s: field_scope(s, number)]
    else:
        name = dialog.institution_combo.currentText()
        makers = [lambda s: institution_scope(s, name)]
    if target is None:
        if all_groups:
            folder = QFileDialog.getExistingDirectory(
                window, "Ordner für die Rückmeldebögen", str(_folder_of(doc))
            )
            if not folder:
                return []
            target = Path(folder)
        else:
            name, _f = QFileDialog.getSaveFileName(
                window,
                "Rückmeldebogen speichern",
                str(_folder_of(doc) / "Rückmeldebogen.xlsx"),
                "Excel (*.xlsx)",
            )
            if not name:
                return []
            target = Path(name)
    written: list[Path] = []
    errors: list[str] = []
    empty: list[str] = []
    for make in makers:
        try:
            with doc.transaction() as s:
                scope = make(s)
                if all_groups and not scope.measure_ids:
                    empty.append(scope.recipient)
                    continue
                out = target / f"Rückmeldebogen_{_safe_name(scope.label)}.xlsx" if all_groups else target
                result = write_return_workbook(s, scope, out, due=dialog.due_date())
            written.append(result.path)
            _recorded(ctx, result.dispatch)
        except (ExportError, DocumentError) as exc:
            errors.append(str(exc))
    if errors:
        QMessageBox.warning(window, "Rückmeldebögen", "\n".join(errors))
    message = f"{len(written)} Rückmeldebögen geschrieben."
    if empty:
        message += " Ohne Maßnahmen (kein Bogen): " + ", ".join(empty) + "."
    window.statusBar().showMessage(message, 15000)
    return written


# -- the dispatch tracker -----------------------------------------------------------------------------


class DispatchTracker(QDialog):
    """Every dispatch: recipient, date, scope, returned or outstanding; reminder letters as PDF; a dispatch
    made by mistake removed (after a question; an undo step)."""

    HEADS = ("Versandt", "An", "Umfang", "Datei", "Zurück bis", "Rücklauf")

    def __init__(self, ctx: WindowContext) -> None:
        super().__init__(ctx.window)
        self.ctx = ctx
        self.setWindowTitle("Versendungen und Rücklauf")
        self.resize(1000, 480)
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, len(self.HEADS))
        self.table.setHorizontalHeaderLabels(list(self.HEADS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        for col in (2, 5):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Interactive)
        self.table.setColumnWidth(3, 220)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.setWordWrap(True)
        self.table.setAccessibleName("Versendungen")
        self.table.itemSelectionChanged.connect(self._selection_changed)
        layout.addWidget(self.table, 1)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        row = QHBoxLayout()
        self.remind = QPushButton("Erinnerungen für offene als PDF …")
        self.remind.clicked.connect(self.write_reminders)
        row.addWidget(self.remind)
        self.remove_button = QPushButton("Versendung entfernen …")
        self.remove_button.setToolTip(
            "Für eine versehentliche Versendung: Der Vermerk mit dem Stand beim Versand wird gelöscht "
            "(rückgängig zu machen). Eine Datei dieser Versendung kann danach nicht mehr abgeglichen werden."
        )
        self.remove_button.clicked.connect(lambda _c=False: self.remove_selected())
        row.addWidget(self.remove_button)
        row.addStretch(1)
        close = QPushButton("Schließen")
        close.clicked.connect(self.accept)
        row.addWidget(close)
        layout.addLayout(row)
        self.items: list[DispatchInfo] = []
        ctx.operations.applied.connect(self._applied)
        self.refresh()

    def _applied(self, update: PlanUpdate) -> None:
        if update.reset or update.touches("dispatch"):
            self.refresh()

    def _selection_changed(self) -> None:
        writable = self.ctx.document is not None and not self.ctx.document.read_only
        self.remove_button.setEnabled(writable and self.selected() is not None)

    def selected(self) -> DispatchInfo | None:
        rows = {i.row() for i in self.table.selectionModel().selectedRows()}
        return self.items[min(rows)] if rows and min(rows) < len(self.items) else None

    def refresh(self) -> None:
        doc = self.ctx.document
        if doc is None:
            return
        with doc.reading() as s:
            self.items = list_dispatches(s)
        self.table.setRowCount(len(self.items))
        for r, d in enumerate(self.items):
            if d.returned_at:
                state = f"zurück am {d.returned_at:%d.%m.%Y}"
            elif not d.expects_return:
                state = "vollständiger Export – keine Rückgabe erwartet"
            else:
                state = "offen"
            for c, text in enumerate(
                (f"{d.created_at:%d.%m.%Y}", d.recipient or "–", d.scope_label, d.file_name, d.due, state)
            ):
                item = QTableWidgetItem(text)
                item.setToolTip(f"{text}\n{d.returned_file}" if c == 5 and d.returned_file else text)
                if c == 5 and d.outstanding:
                    item.setForeground(Qt.GlobalColor.darkRed)
                self.table.setItem(r, c, item)
        outstanding = sum(1 for d in self.items if d.outstanding)
        self.summary.setText(
            f"{len(self.items)} Versendungen, davon {outstanding} noch nicht zurück. Jeder Export wird hier "
            "vermerkt (nicht mit „Rückgängig“ zurückgenommen – die Datei ist dann schon geschrieben); "
            "eine versehentliche Versendung entfernen Sie mit „Versendung entfernen …“."
        )
        self.remind.setEnabled(outstanding > 0)
        self._selection_changed()

    def remove_selected(self, *, confirm: bool = True) -> bool:
        """Remove the selected dispatch after a question; one undo step (undo brings it back whole)."""
        d = self.selected()
        if d is None or self.ctx.document is None or self.ctx.document.read_only:
            return False
        what = f"„{d.file_name}“ vom {d.created_at:%d.%m.%Y}" + (f" an {d.recipient}" if d.recipient else "")
        if confirm:
            answer = QMessageBox.question(
                self,
                "Versendung entfernen",
                f"Die Versendung {what} entfernen?\n\nDer Stand beim Versand wird gelöscht: Kommt diese "
                "Datei später zurück, kann sie nicht mehr abgeglichen werden. Mit „Bearbeiten → "
                "Rückgängig“ holen Sie die Versendung zurück.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return False
        removed: list[dispatch_records.RemovedDispatch] = []

        def redo(s: Session) -> ChangeSet:
            kept, cs = dispatch_records.delete_dispatch(s, d.uid)
            removed[:] = [kept]
            return cs

        def undo(s: Session) -> ChangeSet:
            return dispatch_records.restore_dispatch(s, removed[0])

        done = self.ctx.operations.bulk(f"Versendung {what} entfernen", redo, undo)
        self.refresh()
        return bool(done)

    def write_reminders(self, folder: Path | None = None) -> list[Path]:
        from kik_desktop.reports.reminders import write_reminders

        doc = self.ctx.document
        assert doc is not None
        if not folder:
            chosen = QFileDialog.getExistingDirectory(
                self, "Ordner für die Erinnerungen", str(_folder_of(doc))
            )
            if not chosen:
                return []
            folder = Path(chosen)
        written = write_reminders(doc_path=doc.location, dispatches=self.items, folder=folder)
        self.summary.setText(f"{len(written)} Erinnerungen geschrieben nach {folder}.")
        return written


# -- working groups -----------------------------------------------------------------------------------


class WorkingGroupsDialog(QDialog):
    """Bearbeiten → Arbeitsgruppen: name, fields, members (registry), contact; each save is undoable."""

    def __init__(self, ctx: WindowContext) -> None:
        super().__init__(ctx.window)
        self.ctx = ctx
        self.setWindowTitle("Arbeitsgruppen")
        self.resize(900, 560)
        outer = QHBoxLayout(self)
        left = ListPane("Arbeitsgruppen", "Neu", "Löschen")
        self.list, self.add_button, self.delete_button = left.list, left.add_button, left.delete_button
        self.list.currentRowChanged.connect(self._show)
        self.add_button.clicked.connect(lambda _c=False: self.add_group())
        self.delete_button.clicked.connect(lambda _c=False: self.delete_group())
        outer.addWidget(left, 1)
        right = QVBoxLayout()
        form = QFormLayout()
        self.name = QLineEdit()
        self.contact = QLineEdit()
        self.email = QLineEdit()
        form.addRow("Name", self.name)
        form.addRow("Ansprechperson", self.contact)
        form.addRow("E-Mail", self.email)
        right.addLayout(form)
        right.addWidget(QLabel("Handlungsfelder"))
        self.fields = QListWidget()
        self.fields.setMaximumHeight(140)
        self.fields.setAccessibleName("Handlungsfelder der Gruppe")
        right.addWidget(self.fields)
        right.addWidget(QLabel("Mitglieder (Institutionen)"))
        self.members = QListWidget()
        self.members.setAccessibleName("Mitglieder der Gruppe")
        right.addWidget(self.members, 1)
        row = QHBoxLayout()
        self.save_button = QPushButton("Speichern")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        close = QPushButton("Schließen")
        close.clicked.connect(self.accept)
        row.addStretch(1)
        row.addWidget(self.save_button)
        row.addWidget(close)
        right.addLayout(row)
        outer.addLayout(right, 2)
        self.groups: list[wg.GroupInfo] = []
        self.reload()

    def reload(self, select_name: str | None = None) -> None:
        doc = self.ctx.document
        assert doc is not None
        with doc.reading() as s:
            self.groups = wg.list_groups(s)
            self.field_rows = [
                (f.id, f.name) for f in s.scalars(select(Field).order_by(Field.position, Field.id))
            ]
            self.institutions = list(s.scalars(select(Institution.name).order_by(Institution.name)))
        self.list.blockSignals(True)
        self.list.clear()
        for g in self.groups:
            self.list.addItem(g.name)
        self.list.blockSignals(False)
        names = [g.name for g in self.groups]
        row = names.index(select_name) if select_name in names else (0 if names else -1)
        self.list.setCurrentRow(row)
        self._show(row)

    def _show(self, row: int) -> None:
        g = self.groups[row] if 0 <= row < len(self.groups) else None
        self.name.setText(g.name if g else "")
        self.contact.setText(g.contact if g else "")
        self.email.setText(g.email if g else "")
        self.fields.clear()
        for n, (fid, name) in enumerate(self.field_rows, start=1):
            item = QListWidgetItem(f"{n}. {name}")
            item.setData(Qt.ItemDataRole.UserRole, fid)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if g and fid in g.field_ids else Qt.CheckState.Unchecked)
            self.fields.addItem(item)
        self.members.clear()
        for name in self.institutions:
            item = QListWidgetItem(name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if g and name in g.members else Qt.CheckState.Unchecked)
            self.members.addItem(item)
        for w in (self.name, self.contact, self.email, self.fields, self.members, self.save_button):
            w.setEnabled(g is not None)
        self.delete_button.setEnabled(g is not None)

    def _values(self) -> dict[str, Any]:
        fields = [
            int(self.fields.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.fields.count())
            if self.fields.item(i).checkState() == Qt.CheckState.Checked
        ]
        members = [
            self.members.item(i).text()
            for i in range(self.members.count())
            if self.members.item(i).checkState() == Qt.CheckState.Checked
        ]
        return {
            "name": self.name.text(),
            "contact": self.contact.text(),
            "email": self.email.text(),
            "field_ids": fields,
            "members": members,
        }

    def _run(
        self, text: str, redo: Callable[[Session], ChangeSet], undo: Callable[[Session], ChangeSet]
    ) -> bool:
        try:
            return bool(self.ctx.operations.bulk(text, redo, undo))
        except PlanError as exc:
            QMessageBox.warning(self, "Arbeitsgruppen", str(exc))
            return False

    def _check(self, fn: Callable[[Session], Any]) -> bool:
        """Try fn in a transaction that is rolled back: a clear message before the undo step is made."""
        doc = self.ctx.document
        assert doc is not None
        s = doc.session()
        try:
            with s.begin():
                fn(s)
                s.rollback()
        except PlanError as exc:
            QMessageBox.warning(self, "Arbeitsgruppen", str(exc))
            return False
        finally:
            s.close()
        return True

    def save(self) -> bool:
        row = self.list.currentRow()
        if not 0 <= row < len(self.groups):
            return False
        g = self.groups[row]
        new = self._values()
        old = {
            "name": g.name,
            "contact": g.contact,
            "email": g.email,
            "field_ids": list(g.field_ids),
            "members": list(g.members),
        }
        if not self._check(lambda s: wg.update_group(s, g.id, new)):
            return False
        done = self._run(
            f"Arbeitsgruppe „{g.name}“ ändern",
            lambda s: wg.update_group(s, g.id, new),
            lambda s: wg.update_group(s, g.id, old),
        )
        self.reload(" ".join(str(new["name"]).split()))
        return done

    def add_group(self) -> bool:
        existing = {g.name for g in self.groups}
        n = 1
        while f"Neue Arbeitsgruppe {n}" in existing:
            n += 1
        name = f"Neue Arbeitsgruppe {n}"
        created: list[int] = []

        def redo(s: Session) -> ChangeSet:
            gid, cs = wg.create_group(s, {"name": name})
            created[:] = [gid]
            return cs

        def undo(s: Session) -> ChangeSet:
            return wg.delete_group(s, created[0]) if created else ChangeSet()

        done = self._run(f"Arbeitsgruppe „{name}“ anlegen", redo, undo)
        self.reload(name)
        self.name.setFocus()
        self.name.selectAll()
        return done

    def delete_group(self) -> bool:
        row = self.list.currentRow()
        if not 0 <= row < len(self.groups):
            return False
        g = self.groups[row]
        values = {
            "name": g.name,
            "contact": g.contact,
            "email": g.email,
            "field_ids": list(g.field_ids),
            "members": list(g.members),
        }
        current = [g.id]

        def redo(s: Session) -> ChangeSet:
            return wg.delete_group(s, current[0])

        def undo(s: Session) -> ChangeSet:
            gid, cs = wg.create_group(s, values)
            current[0] = gid
            return cs

        done = self._run(f"Arbeitsgruppe „{g.name}“ löschen", redo, undo)
        self.reload()
        return done


# -- freshness: provenance in the editor, the "not updated" list on the board ----------------------------

STALE_KEY = "board/stale_months"


class StaleList(QWidget):
    """Measures not updated for N months (a setting, default 6); double-click selects one in the tree."""

    def __init__(self, ctx: WindowContext) -> None:
        super().__init__()
        self.ctx = ctx
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        row = QHBoxLayout()
        self.title = QLabel()
        row.addWidget(self.title, 1)
        row.addWidget(QLabel("Monate:"))
        self.months = QSpinBox()
        self.months.setRange(1, 60)
        self.months.setAccessibleName("Monate ohne Aktualisierung")
        self.months.setValue(int(str(ctx.settings.value(STALE_KEY, 6) or 6)))
        self.months.valueChanged.connect(self._months_changed)
        row.addWidget(self.months)
        layout.addLayout(row)
        self.list = QListWidget()
        self.list.setAccessibleName("Nicht aktualisierte Maßnahmen")
        self.list.itemActivated.connect(self._activate)
        self.list.itemDoubleClicked.connect(self._activate)
        layout.addWidget(self.list, 1)
        self.ids: list[int] = []

    def _months_changed(self, value: int) -> None:
        self.ctx.settings.setValue(STALE_KEY, value)
        self.refresh()

    def refresh(self) -> None:
        from kik_desktop.domain.merge_apply import not_updated_since

        doc = self.ctx.document
        self.list.clear()
        self.ids = []
        if doc is None:
            return
        with doc.reading() as s:
            rows = not_updated_since(s, self.months.value())
        for r in rows:
            when = f"zuletzt {r.updated_at:%d.%m.%Y}" if r.updated_at else "nie geändert"
            self.list.addItem(f"{r.number}  {r.title}  –  {when}")
            self.ids.append(r.id)
        self.title.setText(f"<b>Seit {self.months.value()} Monaten nicht aktualisiert</b>: {len(rows)}")

    def _activate(self, item: QListWidgetItem) -> None:
        row = self.list.row(item)
        if 0 <= row < len(self.ids):
            self.ctx.select_item("measure", self.ids[row])


class ProvenanceLabel(QLabel):
    """Under the measure editor's heading: when and from which import the measure last changed."""

    def __init__(self, ctx: WindowContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setStyleSheet("color: #555;")
        self.setWordWrap(True)
        self.setAccessibleName("Herkunft der letzten Änderung")
        self.measure_id: int | None = None

    def show_item(self, item: tuple[str, int] | None) -> None:
        """The editor shows another item (``DetailEditor.item_shown``)."""
        self.measure_id = item[1] if item is not None and item[0] == "measure" else None
        self.refresh()

    def follow(self, update: PlanUpdate) -> None:
        """After every write, also the editor's own: its edit is the newest change of the measure."""
        if self.measure_id is None or not update.touches("measure", self.measure_id):
            return
        if update.initiator is self.ctx.editor and not update.reset:
            # The editor's own edit is the newest change and made in the program: no read needed.
            self.setText(f"zuletzt geändert am {date.today():%d.%m.%Y} (im Programm)")
            self.setToolTip("")
            return
        self.refresh()

    def refresh(self) -> None:
        from kik_desktop.domain.merge_apply import provenance

        doc = self.ctx.document
        if doc is None or self.measure_id is None:
            self.setText("")
            self.setToolTip("")
            return
        with doc.reading() as s:
            text, source = provenance(s, self.measure_id)
            tip = f"Datei „{source.source_file}“" if source is not None else ""
        self.setText(text)
        self.setToolTip(tip)


# -- installing ---------------------------------------------------------------------------------------


def install(ctx: WindowContext) -> None:
    """Bearbeiten → Arbeitsgruppen …; Datei → Rückmeldebögen, Versendungen, Arbeitskopie."""
    window = ctx.window

    def action(menu_key: str, text: str, slot: Callable[[], Any], tip: str) -> QAction:
        a = QAction(text, window)
        a.setStatusTip(tip)
        a.triggered.connect(lambda _checked=False: slot() if ctx.document is not None else None)
        ctx.menus[menu_key].addAction(a)
        return a

    label = ctx.provide(ProvenanceLabel(ctx))
    ctx.editor.measure_editor._outer.insertWidget(1, label)
    ctx.editor.item_shown.connect(label.show_item)
    ctx.operations.applied.connect(label.follow)
    board = ctx.part(StatusBoardWidget)
    if board is not None:
        stale = ctx.provide(StaleList(ctx))
        board.splitter.addWidget(stale)
        board.board_shown.connect(stale.refresh)
    ctx.menus["edit"].addSeparator()
    ctx.actions["working_groups"] = action(
        "edit",
        "&Arbeitsgruppen …",
        lambda: WorkingGroupsDialog(ctx).exec(),
        "Arbeitsgruppen mit Handlungsfeldern, Mitgliedern und Ansprechperson",
    )
    ctx.menus["file"].addSeparator()
    ctx.actions["return_workbooks"] = action(
        "file",
        "&Rückmeldebögen exportieren …",
        lambda: export_returns(ctx),
        "Excel-Bögen für Arbeitsgruppen, Handlungsfelder oder Institutionen – mit Stand für den Abgleich",
    )
    ctx.actions["dispatches"] = action(
        "file",
        "&Versendungen und Rücklauf …",
        lambda: DispatchTracker(ctx).exec(),
        "Was an wen ging, was zurückkam, Erinnerungen",
    )
    ctx.actions["checkout"] = action(
        "file", "Arbeits&kopie für Workshop anlegen …", lambda: checkout(ctx), "Kopie für einen Laptop"
    )
    ctx.actions["checkin"] = action(
        "file",
        "Arbeitskopie &zurückführen …",
        lambda: checkin(ctx),
        "Änderungen einer Arbeitskopie übernehmen (Dreiwege-Abgleich)",
    )


__all__ = [
    "DispatchTracker",
    "FullExport",
    "ProvenanceLabel",
    "ReturnExportDialog",
    "StaleList",
    "WorkingGroupsDialog",
    "checkin",
    "checkout",
    "export_returns",
    "import_return",
    "install",
]

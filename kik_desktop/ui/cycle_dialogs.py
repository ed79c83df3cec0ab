"""The working-group cycle in the window: Bearbeiten → Arbeitsgruppen, Datei → Rückmeldebögen,
Versendungen, Arbeitskopie anlegen/zurückführen, and the three-way import of returned workbooks."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

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

from kik_desktop.domain import working_groups as wg
from kik_desktop.domain.dispatches import DispatchInfo, list_dispatches
from kik_desktop.domain.merge_apply import MergeBlocked, MergePreview, prepare_merge
from kik_desktop.domain.plan import PlanError
from kik_desktop.domain.queries import statuses
from kik_desktop.exchange.excel_export import ExportError
from kik_desktop.exchange.import_workflow import backup_then_write
from kik_desktop.models import Field, Institution
from kik_desktop.store import DocumentError
from kik_desktop.ui.merge_preview_dialog import MergePreviewDialog
from kik_desktop.ui.operations import ChangeInfo
from kik_desktop.ui.status_board import StatusBoardWidget

if TYPE_CHECKING:
    from kik_desktop.ui.main_window import MainWindow

TITLE = "Rückmeldung"


# -- the three-way import ------------------------------------------------------------------------------


def _folder_of(doc: Any) -> Path:
    """Where file dialogs start: the document's folder; the home folder for a server document."""
    return Path.home() if doc.is_server else Path(doc.path).parent


def _apply_preview(window: MainWindow, preview: MergePreview) -> bool:
    doc = window.document
    assert doc is not None
    with doc.reading() as s:
        labels = {st.key: st.label for st in statuses(s)}
    dialog = MergePreviewDialog(preview, window, labels=labels)
    window.context.provide(dialog)  # tests find the last one as ctx.part(MergePreviewDialog)
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
    try:
        backup = backup_then_write(
            doc, preview.source.name, record.description, record.redo, record.undo, window.run_bulk_operation
        )
    except DocumentError as exc:
        QMessageBox.critical(
            window, TITLE, f"Vor dem Übernehmen konnte keine Sicherung angelegt werden: {exc}"
        )
        return False
    if backup is not None:
        window.statusBar().showMessage(f"Übernommen aus {preview.source.name}: {preview.summary()}", 10000)
    return backup is not None


def import_return(window: MainWindow, path: Path) -> bool | None:
    """The three-way import of a returned workbook; None when the workbook carries no dispatch id."""
    from kik_desktop.exchange.return_import import preview_return

    doc = window.document
    assert doc is not None
    with doc.reading() as s:
        preview = preview_return(s, path)
    if preview is None:
        return None
    return _apply_preview(window, preview)


def checkin(window: MainWindow, path: Path | None = None) -> bool:
    from kik_desktop.domain.workshop import WorkshopError, preview_checkin

    doc = window.document
    if doc is None or doc.read_only:
        return False
    if path is None:
        name, _f = QFileDialog.getOpenFileName(
            window, "Arbeitskopie zurückführen", str(_folder_of(doc)), "KIK-Dokument (*.kik)"
        )
        if not name:
            return False
        path = Path(name)
    window.editor.flush()
    try:
        with doc.reading() as s:
            preview = preview_checkin(s, path)
    except WorkshopError as exc:
        QMessageBox.critical(window, "Arbeitskopie zurückführen", str(exc))
        return False
    return _apply_preview(window, preview)


def checkout(window: MainWindow, path: Path | None = None) -> bool:
    from kik_desktop.domain.workshop import checkout as do_checkout

    doc = window.document
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
    window.editor.flush()
    try:
        info = do_checkout(doc, path)
    except DocumentError as exc:
        QMessageBox.critical(window, "Arbeitskopie", str(exc))
        return False
    window.statusBar().showMessage(f"Arbeitskopie angelegt: {path.name} (Ausgabe {info.uid[:8]})", 10000)
    return True


# -- return workbooks -----------------------------------------------------------------------------------


class ReturnExportDialog(QDialog):
    """Which part: a field, a working group (or every group into a folder), an institution; due date."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.setWindowTitle("Rückmeldebögen exportieren")
        doc = window.document
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
    window: MainWindow, target: Path | None = None, *, dialog: ReturnExportDialog | None = None
) -> list[Path]:
    """The dialog, then the workbook(s); returns the written files."""
    from kik_desktop.exchange.return_workbook import (
        Scope,
        field_scope,
        group_scope,
        institution_scope,
        write_return_workbook,
    )

    doc = window.document
    if doc is None or doc.read_only:
        return []
    window.editor.flush()
    dialog = dialog or ReturnExportDialog(window)
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
    """Every dispatch: recipient, date, scope, returned or outstanding; reminder letters as PDF."""

    HEADS = ("Versandt", "An", "Umfang", "Datei", "Zurück bis", "Rücklauf")

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window_ = window
        self.setWindowTitle("Versendungen und Rücklauf")
        self.resize(1000, 480)
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, len(self.HEADS))
        self.table.setHorizontalHeaderLabels(list(self.HEADS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
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
        layout.addWidget(self.table, 1)
        self.summary = QLabel()
        layout.addWidget(self.summary)
        row = QHBoxLayout()
        self.remind = QPushButton("Erinnerungen für offene als PDF …")
        self.remind.clicked.connect(self.write_reminders)
        row.addWidget(self.remind)
        row.addStretch(1)
        close = QPushButton("Schließen")
        close.clicked.connect(self.accept)
        row.addWidget(close)
        layout.addLayout(row)
        self.items: list[DispatchInfo] = []
        self.refresh()

    def refresh(self) -> None:
        doc = self.window_.document
        assert doc is not None
        with doc.reading() as s:
            self.items = list_dispatches(s)
        self.table.setRowCount(len(self.items))
        for r, d in enumerate(self.items):
            state = f"zurück am {d.returned_at:%d.%m.%Y}" if d.returned_at else "offen"
            for c, text in enumerate(
                (f"{d.created_at:%d.%m.%Y}", d.recipient, d.scope_label, d.file_name, d.due, state)
            ):
                item = QTableWidgetItem(text)
                item.setToolTip(f"{text}\n{d.returned_file}" if c == 5 and d.returned_file else text)
                if c == 5 and d.returned_at is None:
                    item.setForeground(Qt.GlobalColor.darkRed)
                self.table.setItem(r, c, item)
        outstanding = sum(1 for d in self.items if d.outstanding)
        self.summary.setText(f"{len(self.items)} Versendungen, davon {outstanding} noch nicht zurück.")
        self.remind.setEnabled(outstanding > 0)

    def write_reminders(self, folder: Path | None = None) -> list[Path]:
        from kik_desktop.reports.reminders import write_reminders

        doc = self.window_.document
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

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window_ = window
        self.setWindowTitle("Arbeitsgruppen")
        self.resize(900, 560)
        outer = QHBoxLayout(self)
        left = QVBoxLayout()
        self.list = QListWidget()
        self.list.setAccessibleName("Arbeitsgruppen")
        self.list.currentRowChanged.connect(self._show)
        left.addWidget(self.list, 1)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("Neu")
        self.add_button.clicked.connect(self.add_group)
        self.delete_button = QPushButton("Löschen")
        self.delete_button.clicked.connect(self.delete_group)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.delete_button)
        left.addLayout(buttons)
        outer.addLayout(left, 1)
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
        doc = self.window_.document
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

    def _run(self, text: str, redo: Callable[[Session], Any], undo: Callable[[Session], Any]) -> bool:
        try:
            return bool(self.window_.operations.bulk(text, redo, undo, notice=ChangeInfo("registry")))
        except PlanError as exc:
            QMessageBox.warning(self, "Arbeitsgruppen", str(exc))
            return False

    def _check(self, fn: Callable[[Session], Any]) -> bool:
        """Try fn in a transaction that is rolled back: a clear message before the undo step is made."""
        doc = self.window_.document
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

        def redo(s: Session) -> None:
            gid, _cs = wg.create_group(s, {"name": name})
            created[:] = [gid]

        def undo(s: Session) -> None:
            if created:
                wg.delete_group(s, created[0])

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

        def redo(s: Session) -> None:
            wg.delete_group(s, current[0])

        def undo(s: Session) -> None:
            gid, _cs = wg.create_group(s, values)
            current[0] = gid

        done = self._run(f"Arbeitsgruppe „{g.name}“ löschen", redo, undo)
        self.reload()
        return done


# -- freshness: provenance in the editor, the "not updated" list on the board ----------------------------

STALE_KEY = "board/stale_months"


class StaleList(QWidget):
    """Measures not updated for N months (a setting, default 6); double-click selects one in the tree."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self.window_ = window
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        row = QHBoxLayout()
        self.title = QLabel()
        row.addWidget(self.title, 1)
        row.addWidget(QLabel("Monate:"))
        self.months = QSpinBox()
        self.months.setRange(1, 60)
        self.months.setAccessibleName("Monate ohne Aktualisierung")
        self.months.setValue(int(str(window.settings.value(STALE_KEY, 6) or 6)))
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
        self.window_.settings.setValue(STALE_KEY, value)
        self.refresh()

    def refresh(self) -> None:
        from kik_desktop.domain.merge_apply import not_updated_since

        doc = self.window_.document
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
            self.window_.select_item("measure", self.ids[row])


class ProvenanceLabel(QLabel):
    """Under the measure editor's heading: when and from which import the measure last changed."""


def _provenance_label(window: MainWindow) -> Callable[[], None]:
    """A line under the measure editor's heading: when and from which import it was last changed."""
    from kik_desktop.domain.merge_apply import last_import_source, provenance_text
    from kik_desktop.models import Measure

    page = window.editor.measure_editor
    label = window.context.provide(ProvenanceLabel())
    label.setStyleSheet("color: #555;")
    label.setWordWrap(True)
    label.setAccessibleName("Herkunft der letzten Änderung")
    page._outer.insertWidget(1, label)

    def update(*_args: object) -> None:
        doc = window.document
        current = window.editor.current
        if doc is None or current is None or current[0] != "measure":
            label.setText("")
            return
        with doc.reading() as s:
            label.setText(provenance_text(s, current[1]))
            measure = s.get(Measure, current[1])
            source = last_import_source(s, measure.uid) if measure is not None else None
            label.setToolTip(f"Datei „{source.source_file}“" if source is not None else "")

    return update


# -- installing ---------------------------------------------------------------------------------------


def install(window: MainWindow) -> None:
    """Bearbeiten → Arbeitsgruppen …; Datei → Rückmeldebögen, Versendungen, Arbeitskopie."""

    def action(menu_key: str, text: str, slot: Callable[[], Any], tip: str) -> QAction:
        a = QAction(text, window)
        a.setStatusTip(tip)
        a.triggered.connect(lambda _checked=False: slot() if window.document is not None else None)
        window.menus[menu_key].addAction(a)
        return a

    update = _provenance_label(window)
    window.tree_view.selectionModel().currentChanged.connect(update)
    # The editor's own edits leave the import provenance as it is (and must not read again); undo,
    # redo and imports may change it.
    window.operations.applied.connect(
        lambda u: None if u.initiator is window.editor or not u.touches("measure") else update()
    )
    board = window.context.part(StatusBoardWidget)
    if board is not None:
        stale = window.context.provide(StaleList(window))
        board.splitter.addWidget(stale)
        board.board_shown.connect(stale.refresh)
    window.menus["edit"].addSeparator()
    action(
        "edit",
        "&Arbeitsgruppen …",
        lambda: WorkingGroupsDialog(window).exec(),
        "Arbeitsgruppen mit Handlungsfeldern, Mitgliedern und Ansprechperson",
    )
    window.menus["file"].addSeparator()
    action(
        "file",
        "&Rückmeldebögen exportieren …",
        lambda: export_returns(window),
        "Excel-Bögen für Arbeitsgruppen, Handlungsfelder oder Institutionen – mit Stand für den Abgleich",
    )
    action(
        "file",
        "&Versendungen und Rücklauf …",
        lambda: DispatchTracker(window).exec(),
        "Was an wen ging, was zurückkam, Erinnerungen",
    )
    action("file", "Arbeits&kopie für Workshop anlegen …", lambda: checkout(window), "Kopie für einen Laptop")
    action(
        "file",
        "Arbeitskopie &zurückführen …",
        lambda: checkin(window),
        "Änderungen einer Arbeitskopie übernehmen (Dreiwege-Abgleich)",
    )


__all__ = [
    "DispatchTracker",
    "ReturnExportDialog",
    "StaleList",
    "WorkingGroupsDialog",
    "checkin",
    "checkout",
    "export_returns",
    "import_return",
    "install",
]

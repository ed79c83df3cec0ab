"""Datei → Berichtsstand festhalten … and Datei → Berichtsstände …: create, list, compare, delete.

Creating and deleting are undo steps (a deleted snapshot comes back whole on undo); a snapshot itself
cannot be edited. The comparison shows status moves (with counts per field), new, removed and
renumbered measures, changed responsible, postponed ends and indicator progress, and prints the
change report.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
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
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from kik_desktop.domain import snapshots
from kik_desktop.domain.changes import ChangeSet
from kik_desktop.domain.indicators import format_number
from kik_desktop.domain.queries import statuses
from kik_desktop.ui.list_pane import ListPane

if TYPE_CHECKING:
    from kik_desktop.ui.context import WindowContext

NOW = "__now__"


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


class CreateSnapshotDialog(QDialog):
    def __init__(self, parent: QWidget | None = None, today: date | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Berichtsstand festhalten")
        day = today or date.today()
        form = QFormLayout(self)
        intro = QLabel(
            "Hält Status, Termine, Verantwortliche und Indikatorwerte aller Maßnahmen fest, z. B. vor einer "
            "Fachrunde. Ein Berichtsstand kann später nicht geändert, nur gelöscht werden."
        )
        intro.setWordWrap(True)
        form.addRow(intro)
        self.label = QLineEdit(f"Fachrunde {_MONTHS[day.month - 1]} {day.year}")
        self.label.setAccessibleName("Bezeichnung")
        self.label.selectAll()
        form.addRow("&Bezeichnung", self.label)
        self.date = QDateEdit(_qdate(day))
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("dd.MM.yyyy")
        self.date.setAccessibleName("Datum")
        form.addRow("&Datum", self.date)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        assert ok is not None
        ok.setText("Festhalten")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> tuple[str, date]:
        d = self.date.date()
        return self.label.text(), date(d.year(), d.month(), d.day())


_MONTHS = "Januar Februar März April Mai Juni Juli August September Oktober November Dezember".split()


def create_snapshot(ctx: WindowContext, label: str, day: date) -> bool:
    """Create a snapshot as one undo step; False (with a message) if it cannot be made."""
    made: dict[str, Any] = {}

    def redo(s: Session) -> ChangeSet:
        info, cs = snapshots.create_snapshot(s, label, day)
        made["label"] = info.label
        return cs

    def undo(s: Session) -> ChangeSet:
        return snapshots.delete_snapshot(s, made["label"])[1]

    return ctx.operations.bulk(f"Berichtsstand „{label.strip()}“ festhalten", redo, undo)


def delete_snapshot(ctx: WindowContext, label: str) -> bool:
    kept: dict[str, Any] = {}

    def redo(s: Session) -> ChangeSet:
        kept["snap"], cs = snapshots.delete_snapshot(s, label)
        return cs

    def undo(s: Session) -> ChangeSet:
        return snapshots.restore_snapshot(s, kept["snap"])

    return ctx.operations.bulk(f"Berichtsstand „{label}“ löschen", redo, undo)


class SnapshotDialog(QDialog):
    """The reporting dates: list on the left, the comparison with now or another date on the right."""

    def __init__(self, ctx: WindowContext) -> None:
        super().__init__(ctx.window)
        self.ctx = ctx
        self.setWindowTitle("Berichtsstände")
        self.resize(980, 620)
        outer = QVBoxLayout(self)
        split = QSplitter(Qt.Orientation.Horizontal)
        left = ListPane("Berichtsstände", "&Festhalten …", "&Löschen …", heading="Berichtsstände")
        self.list, self.new_button, self.delete_button = left.list, left.add_button, left.delete_button
        self.list.currentRowChanged.connect(lambda _r: self.compare())
        self.new_button.clicked.connect(self.create_snapshot)
        self.delete_button.clicked.connect(self.delete_snapshot)
        split.addWidget(left)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(QLabel("&Vergleichen mit"))
        self.other = QComboBox()
        self.other.setAccessibleName("Vergleichen mit")
        self.other.activated.connect(lambda _i: self.compare())
        top.itemAt(0).widget().setBuddy(self.other)  # type: ignore[union-attr]
        top.addWidget(self.other, 1)
        self.print_button = QPushButton("Veränderungsbericht &drucken …")
        self.print_button.clicked.connect(self.print_report)
        top.addWidget(self.print_button)
        rl.addLayout(top)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        rl.addWidget(self.summary)
        self.changes_view = QTreeWidget()
        self.changes_view.setHeaderLabels(["Nr.", "Maßnahme / Indikator", "vorher", "jetzt"])
        self.changes_view.setAccessibleName("Veränderungen")
        self.changes_view.itemActivated.connect(self._activated)
        rl.addWidget(self.changes_view, 1)
        split.addWidget(right)
        split.setSizes([260, 720])
        outer.addWidget(split, 1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        outer.addWidget(close)
        self.comparison: snapshots.Comparison | None = None
        self.reload()

    def infos(self) -> list[snapshots.SnapshotInfo]:
        doc = self.ctx.document
        if doc is None:
            return []
        with doc.reading() as s:
            return snapshots.list_snapshots(s)

    def reload(self, select: str | None = None) -> None:
        infos = self.infos()
        current = select or self.current_label()
        self.list.blockSignals(True)
        self.list.clear()
        for i in infos:
            item = QListWidgetItem(f"{i.label}\n{i.day:%d.%m.%Y} · {i.measures} Maßnahmen")
            item.setData(Qt.ItemDataRole.UserRole, i.label)
            self.list.addItem(item)
        labels = [i.label for i in infos]
        self.list.setCurrentRow(labels.index(current) if current in labels else len(labels) - 1)
        self.list.blockSignals(False)
        self.other.clear()
        self.other.addItem("jetzt (heutiger Stand)", NOW)
        for i in infos:
            self.other.addItem(f"{i.label} ({i.day:%d.%m.%Y})", i.label)
        doc = self.ctx.document
        writable = doc is not None and not doc.read_only
        self.new_button.setEnabled(writable)
        self.delete_button.setEnabled(writable and bool(infos))
        self.compare()

    def current_label(self) -> str | None:
        item = self.list.currentItem()
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def compare(self) -> None:
        self.changes_view.clear()
        label = self.current_label()
        doc = self.ctx.document
        self.print_button.setEnabled(label is not None)
        if label is None or doc is None:
            self.summary.setText("Noch kein Berichtsstand. „Festhalten …“ hält den jetzigen Stand fest.")
            self.comparison = None
            return
        other = self.other.currentData()
        with doc.reading() as s:
            try:
                cmp = snapshots.compare_with(s, label, None if other in (None, NOW) else str(other))
            except snapshots.SnapshotError as exc:
                self.summary.setText(str(exc))
                return
            st = {x.key: f"{x.symbol} {x.short_label}".strip() for x in statuses(s)}
        self.comparison = cmp

        def short(key: str | None) -> str:
            return st.get(key or "", "ohne Status")

        until = "jetzt" if cmp.new.label == "jetzt" else f"„{cmp.new.label}“"
        self.summary.setText(
            f"Seit „{cmp.old.label}“ ({cmp.old.day:%d.%m.%Y}) bis {until}: "
            f"{len(cmp.status_moves)} Statuswechsel, {len(cmp.new_measures)} neu, "
            f"{len(cmp.removed)} entfallen, "
            f"{len(cmp.responsible)} neue Verantwortliche, {len(cmp.postponed)} später fertig, "
            f"{len(cmp.indicators)} Indikatoren mit neuem Wert."
        )

        def group(title: str, n: int) -> QTreeWidgetItem:
            item = QTreeWidgetItem([f"{title} ({n})"])
            f = item.font(0)
            f.setBold(True)
            item.setFont(0, f)
            self.changes_view.addTopLevelItem(item)
            item.setFirstColumnSpanned(True)
            item.setExpanded(n <= 40)
            return item

        moves = group("Statuswechsel", len(cmp.status_moves))
        for (num, name), counter in cmp.moves_by_field().items():
            fitem = QTreeWidgetItem([f"{num} {name}: {sum(counter.values())} Wechsel"])
            moves.addChild(fitem)
            fitem.setFirstColumnSpanned(True)
            for (a, b), n in sorted(counter.items(), key=lambda kv: -kv[1]):
                count = QTreeWidgetItem([f"{n} × {short(a)} → {short(b)}"])
                fitem.addChild(count)
                count.setFirstColumnSpanned(True)
            for m in cmp.status_moves:
                if m.field_number == num:
                    child = QTreeWidgetItem([m.number, m.title, short(m.old), short(m.new)])
                    child.setData(0, Qt.ItemDataRole.UserRole, m.number)
                    fitem.addChild(child)
            fitem.setExpanded(True)
        g = group("Neue Maßnahmen", len(cmp.new_measures))
        for ms in cmp.new_measures:
            g.addChild(self._measure_item([ms.number, ms.title, "", short(ms.status_key)]))
        g = group("Entfallene Maßnahmen", len(cmp.removed))
        for ms in cmp.removed:
            g.addChild(QTreeWidgetItem([ms.number, ms.title, short(ms.status_key), "entfallen"]))
        for title, changes in (
            ("Umnummeriert", cmp.moved),
            ("Neue Verantwortliche", cmp.responsible),
            ("Ende später", cmp.postponed),
        ):
            g = group(title, len(changes))
            for c in changes:
                g.addChild(self._measure_item([c.number, c.title, c.old or "–", c.new or "–"]))
        g = group("Indikatoren", len(cmp.indicators))
        for i in cmp.indicators:
            old = "neu" if i.is_new else ("–" if i.old is None else f"{format_number(i.old)} ({i.old_date})")
            new = "–" if i.new is None else f"{format_number(i.new)} {i.unit} ({i.new_date})"
            g.addChild(QTreeWidgetItem([i.number, i.name, old, new]))
        header = self.changes_view.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for col, width in ((0, 120), (2, 150), (3, 150)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            self.changes_view.setColumnWidth(col, width)

    @staticmethod
    def _measure_item(texts: list[str]) -> QTreeWidgetItem:
        item = QTreeWidgetItem(texts)
        item.setData(0, Qt.ItemDataRole.UserRole, texts[0])
        return item

    def _activated(self, item: QTreeWidgetItem, _col: int) -> None:
        number = item.data(0, Qt.ItemDataRole.UserRole)
        doc = self.ctx.document
        if not number or doc is None:
            return
        from kik_desktop.domain import plan

        with doc.reading() as s:
            found = plan.find_by_number(s, str(number))
        if found:
            self.ctx.select_item(*found)

    def create_snapshot(self) -> None:
        dialog = CreateSnapshotDialog(self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        label, day = dialog.values()
        if create_snapshot(self.ctx, label, day):
            self.reload(select=" ".join(label.split()))

    def delete_snapshot(self) -> None:
        label = self.current_label()
        if label is None:
            return
        answer = QMessageBox.question(
            self,
            "Berichtsstand löschen",
            f"Den Berichtsstand „{label}“ löschen? Vergleiche mit diesem Stand sind danach nicht mehr "
            "möglich (Bearbeiten → Rückgängig holt ihn zurück).",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer == QMessageBox.StandardButton.Yes and delete_snapshot(self.ctx, label):
            self.reload()

    def print_report(self) -> None:
        label = self.current_label()
        doc = self.ctx.document
        if label is None or doc is None:
            return
        name, _ = QFileDialog.getSaveFileName(
            self, "Veränderungsbericht speichern", str(Path.home() / "Veraenderungen.pdf"), "PDF (*.pdf)"
        )
        if name:
            self.write_report(Path(name))

    def write_report(self, out: Path) -> int:
        from kik_desktop.reports.change_report import (
            ChangeReportError,
            load_change_report,
            write_change_report,
        )

        label = self.current_label()
        doc = self.ctx.document
        assert label is not None and doc is not None
        other = self.other.currentData()
        with doc.reading() as s:
            data = load_change_report(s, label, None if other in (None, NOW) else str(other))
        try:
            pages = write_change_report(data, out)
        except ChangeReportError as exc:
            self.ctx.show_error("Bericht nicht geschrieben", str(exc))
            return 0
        shown = f"Veränderungsbericht gespeichert: {out} ({pages} Seiten)"
        self.ctx.window.statusBar().showMessage(shown, 8000)
        return pages


def install(ctx: WindowContext) -> None:
    window = ctx.window
    file_menu = ctx.menus["file"]
    file_menu.addSeparator()
    create_action = QAction("Berichtsstand &festhalten …", window)
    create_action.setStatusTip(
        "Status, Termine, Verantwortliche und Indikatorwerte unter einer Bezeichnung festhalten"
    )

    def create() -> None:
        if ctx.document is None or ctx.document.read_only:
            return
        dialog = CreateSnapshotDialog(window)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            label, day = dialog.values()
            if create_snapshot(ctx, label, day):
                window.statusBar().showMessage(f"Berichtsstand „{label.strip()}“ festgehalten.", 5000)

    create_action.triggered.connect(lambda _c=False: create())
    file_menu.addAction(create_action)
    list_action = QAction("&Berichtsstände und Vergleich …", window)
    list_action.triggered.connect(lambda _c=False: SnapshotDialog(ctx).exec())
    file_menu.addAction(list_action)
    ctx.actions["snapshot_create"] = create_action
    ctx.actions["snapshot_list"] = list_action

    def update_enabled(*_args: Any) -> None:
        doc = ctx.document
        create_action.setEnabled(doc is not None and not doc.read_only)
        list_action.setEnabled(doc is not None)

    ctx.document_opened.connect(update_enabled)
    ctx.operations.applied.connect(update_enabled)
    update_enabled()

"""Datei → Drucken / PDF: choose the printout, write the PDF in the background, open it in the viewer."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt, QThread, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kik_desktop.domain.plan_index import PlanNode
from kik_desktop.reports import (
    KINDS,
    PrintOptions,
    PrintResult,
    ReportData,
    ReportError,
    known_institution_names,
    load_report_data,
    write_pdf,
)
from kik_desktop.store import DocumentError
from kik_desktop.ui.context import WindowContext
from kik_desktop.ui.folders import start_folder
from kik_desktop.ui.plan_tree_model import NODE_ROLE

TITLE = "Drucken / PDF"
KIND_LABELS = {
    "bericht": "Gesamtbericht (das ganze Konzept)",
    "handout": "Handout für den Workshop eines Handlungsfelds",
    "hausaufgaben": "Hausaufgabenheft einer Institution",
    "status": "Statusbericht für die Fachrunde",
    "tabelle": "Umsetzungstabelle (quer)",
    "poster": "Wandposter der Gesamtschau (A3/A2/A1 quer)",
}


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


def _file_part(text: str) -> str:
    """Text usable in a file name on Windows."""
    cleaned = re.sub(r'[<>:"/\\|?*\x00-\x1f]+', " ", text).strip(" .")
    return re.sub(r"\s+", " ", cleaned)[:60] or "Ausdruck"


class PrintJob(QThread):
    """Writes one PDF off the GUI thread (reportlab needs no Qt); the result or error is kept."""

    done = Signal()

    def __init__(
        self, data: ReportData, kind: str, out: Path, options: PrintOptions, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.data = data
        self.kind = kind
        self.out = out
        self.options = options
        self.result: PrintResult | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = write_pdf(self.data, self.kind, self.out, self.options)
        except Exception as exc:  # reported to the user in the GUI thread
            self.error = exc
        self.done.emit()


class PrintDialog(QDialog):
    """Kind, field, institution (with completion), dates, paper, output file; writes and opens the PDF."""

    written = Signal(object)  # PrintResult

    def __init__(self, ctx: WindowContext, parent: QWidget | None = None) -> None:
        super().__init__(parent or ctx.window)
        self.ctx = ctx
        self.job: PrintJob | None = None
        self.progress: QProgressDialog | None = None
        self.written_result: PrintResult | None = None
        self._auto_name = True
        self.setWindowTitle(TITLE)
        self.setMinimumWidth(560)
        doc = ctx.document
        assert doc is not None
        with doc.reading() as s:
            data = load_report_data(s)
        self.data = data

        layout = QVBoxLayout(self)
        form = QFormLayout()
        layout.addLayout(form)

        self.kind = QComboBox()
        for key in KINDS:
            self.kind.addItem(KIND_LABELS[key], key)
        form.addRow("&Ausdruck:", self.kind)

        self.field = QComboBox()
        for f in data.fields:
            self.field.addItem(f"{f.number}. {f.title}", int(f.number))
        form.addRow("&Handlungsfeld:", self.field)
        selected = self._selected_field_number()
        if selected is not None and (at := self.field.findData(selected)) >= 0:
            self.field.setCurrentIndex(at)

        self.institution = QComboBox()
        self.institution.setEditable(True)
        self.institution.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        names = known_institution_names(data)
        self.institution.addItems(names)
        self.institution.setCurrentIndex(-1)
        self.institution.setEditText("")
        completer = QCompleter(names, self.institution)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.institution.setCompleter(completer)
        line = self.institution.lineEdit()
        if line is not None:
            line.setPlaceholderText("Name eingeben oder wählen")
        form.addRow("&Institution:", self.institution)

        since_row = QHBoxLayout()
        self.use_since = QCheckBox("Änderungen &seit")
        self.use_since.setChecked(True)
        self.since = QDateEdit()
        self.since.setCalendarPopup(True)
        self.since.setDisplayFormat("dd.MM.yyyy")
        today = date.today()
        self.since.setDate(_qdate(date(today.year, 1, 1)))
        since_row.addWidget(self.use_since)
        since_row.addWidget(self.since)
        since_row.addStretch(1)
        self.since_box = QWidget()
        self.since_box.setLayout(since_row)
        since_row.setContentsMargins(0, 0, 0, 0)
        form.addRow("Vergleich:", self.since_box)
        self.use_since.toggled.connect(self.since.setEnabled)

        self.stand = QDateEdit()
        self.stand.setCalendarPopup(True)
        self.stand.setDisplayFormat("dd.MM.yyyy")
        self.stand.setDate(_qdate(today))
        form.addRow("S&tand:", self.stand)

        self.paper = QComboBox()
        self.paper.addItem("A4 quer", "A4")
        self.paper.addItem("A3 quer", "A3")
        form.addRow("&Papier:", self.paper)
        self.poster_size = QComboBox()
        for size in ("A3", "A2", "A1"):
            self.poster_size.addItem(f"{size} quer", size)
        form.addRow("&Postergröße:", self.poster_size)

        out_row = QHBoxLayout()
        self.output = QLineEdit()
        self.output.textEdited.connect(self._output_edited)
        browse = QPushButton("&Durchsuchen …")
        browse.clicked.connect(self.browse)
        out_row.addWidget(self.output, 1)
        out_row.addWidget(browse)
        file_label = QLabel("&Datei:")
        file_label.setBuddy(self.output)  # a layout cannot be a buddy: without this "&Datei:" shows literally
        form.addRow(file_label, out_row)

        self.open_after = QCheckBox("PDF danach &öffnen")
        self.open_after.setChecked(True)
        layout.addWidget(self.open_after)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        assert ok is not None
        ok.setText("PDF &schreiben")
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        assert cancel is not None
        cancel.setText("Abbrechen")
        self.buttons.accepted.connect(self.start)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        self.form = form
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.field.currentIndexChanged.connect(self._suggest_name)
        self.institution.editTextChanged.connect(self._suggest_name)
        self._kind_changed()

    def _selected_field_number(self) -> int | None:
        """The number of the field the window's selection belongs to (the handout proposed first)."""
        index = self.ctx.tree_view.currentIndex()
        node: PlanNode | None = index.data(NODE_ROLE) if index.isValid() else None
        while node is not None and node.kind not in ("field", "root"):
            node = node.parent
        if node is None or node.kind != "field":
            return None
        number = str(node.number())
        return int(number) if number.isdigit() else None

    # -- choices ------------------------------------------------------------------------------------
    def current_kind(self) -> str:
        return str(self.kind.currentData())

    def set_kind(self, kind: str) -> None:
        self.kind.setCurrentIndex(self.kind.findData(kind))

    def _kind_changed(self, _index: int = 0) -> None:
        kind = self.current_kind()
        visible = {
            self.field: kind == "handout",
            self.institution: kind == "hausaufgaben",
            self.since_box: kind == "status",
            self.paper: kind == "tabelle",
            self.poster_size: kind == "poster",
        }
        for widget, on in visible.items():
            widget.setVisible(on)
            label = self.form.labelForField(widget)
            if label is not None:
                label.setVisible(on)
        hints = {
            "bericht": "Titelseite, Integrationsverständnis, Inhaltsverzeichnis, je Handlungsfeld Ziele und "
            "Maßnahmen mit allen Spalten und dem Umsetzungsstand.",
            "handout": "A4 quer, mit Status, Verantwortlichen, Terminen, Indikatoren und Platz für Notizen.",
            "hausaufgaben": "Die Maßnahmen, für die die Institution verantwortlich ist oder an denen sie "
            "beteiligt ist (Spalten „verantwortlich“ und „Akteur*innen“).",
            "status": "Zahlen je Handlungsfeld und Status, gefährdete und überfällige Maßnahmen, "
            "Änderungen seit dem gewählten Datum.",
            "tabelle": "Die Umsetzungstabelle mit allen zwölf Spalten; "
            "der Tabellenkopf steht auf jeder Seite.",
            "poster": "Eine Seite für die Wand: Zahlen je Handlungsfeld und Status, Balken gegen das "
            "Beschlossene, die Listen zum Handeln; aus zwei Metern lesbar.",
        }
        self.hint.setText(hints.get(kind, ""))
        self._suggest_name()

    def _output_edited(self, _text: str) -> None:
        self._auto_name = False

    def _default_folder(self) -> Path:
        # The folder of the last PDF, else Documents (not the hidden program-data folder of the document).
        return start_folder(self.ctx.settings, "print/folder")

    def suggested_name(self) -> str:
        kind = self.current_kind()
        if kind == "handout":
            return f"Handout Handlungsfeld {self.field.currentData() or ''}.pdf"
        if kind == "hausaufgaben":
            return f"Hausaufgabenheft {_file_part(self.institution.currentText())}.pdf"
        if kind == "status":
            return f"Statusbericht {_pydate(self.stand.date()).isoformat()}.pdf"
        if kind == "tabelle":
            return "Umsetzungstabelle.pdf"
        if kind == "poster":
            return f"Wandposter {self.poster_size.currentData()}.pdf"
        return "Gesamtbericht.pdf"

    def _suggest_name(self, *_args: Any) -> None:
        if not self._auto_name:
            return
        current = self.output.text().strip()
        folder = Path(current).parent if current else self._default_folder()
        self.output.setText(str(folder / self.suggested_name()))

    def browse(self) -> None:
        current = self.output.text().strip() or str(self._default_folder() / self.suggested_name())
        path, _filter = QFileDialog.getSaveFileName(
            self, "PDF speichern unter", current, "PDF-Dateien (*.pdf)"
        )
        if path:
            if not path.lower().endswith(".pdf"):
                path += ".pdf"
            self.output.setText(path)
            self._auto_name = False

    def options(self) -> PrintOptions:
        kind = self.current_kind()
        return PrintOptions(
            field=int(self.field.currentData()) if kind == "handout" and self.field.count() else None,
            institution=self.institution.currentText().strip() if kind == "hausaufgaben" else None,
            since=_pydate(self.since.date()) if kind == "status" and self.use_since.isChecked() else None,
            stand=_pydate(self.stand.date()),
            paper=str(self.poster_size.currentData() if kind == "poster" else self.paper.currentData()),
        )

    # -- writing ------------------------------------------------------------------------------------
    def _problem(self) -> str:
        kind = self.current_kind()
        if kind == "handout" and self.field.count() == 0:
            return "Das Dokument hat noch kein Handlungsfeld."
        if kind == "hausaufgaben" and not self.institution.currentText().strip():
            return "Bitte eine Institution wählen oder eingeben."
        text = self.output.text().strip()
        if not text:
            return "Bitte angeben, wohin das PDF geschrieben werden soll."
        if not Path(text).parent.is_dir():
            return f"Den Ordner „{Path(text).parent}“ gibt es nicht."
        return ""

    def start(self) -> None:
        problem = self._problem()
        if problem:
            QMessageBox.warning(self, TITLE, problem)
            return
        out = Path(self.output.text().strip())
        if out.suffix.lower() != ".pdf":
            out = out.with_name(out.name + ".pdf")
        self.buttons.setEnabled(False)
        self.job = PrintJob(self.data, self.current_kind(), out, self.options(), self)
        self.job.done.connect(self._finished, Qt.ConnectionType.QueuedConnection)
        self.progress = QProgressDialog("Das PDF wird geschrieben …", "", 0, 0, self)
        self.progress.setWindowTitle(TITLE)
        self.progress.setCancelButton(None)  # reportlab cannot be interrupted midway
        self.progress.setWindowModality(Qt.WindowModality.WindowModal)
        self.progress.setMinimumDuration(300)
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        self.job.start()

    def _finished(self) -> None:
        QApplication.restoreOverrideCursor()
        if self.progress is not None:
            self.progress.close()
            self.progress = None
        job = self.job
        assert job is not None
        job.wait()
        self.buttons.setEnabled(True)
        if job.error is not None:
            self._show_error(job.error)
            return
        result = job.result
        assert result is not None
        self.written_result = result
        self.ctx.settings.setValue("print/folder", str(result.path.parent))
        if result.missing_glyphs:
            chars = " ".join(sorted(result.missing_glyphs))
            QMessageBox.information(
                self,
                TITLE,
                f"Einige Zeichen gibt es in der Schrift nicht; sie sind im PDF durch � ersetzt: {chars}",
            )
        self.written.emit(result)
        status = self.ctx.window.statusBar()
        pages = f"{result.pages} {'Seite' if result.pages == 1 else 'Seiten'}"
        status.showMessage(f"PDF geschrieben: {result.path} ({pages})", 8000)
        if self.open_after.isChecked() and not QDesktopServices.openUrl(QUrl.fromLocalFile(str(result.path))):
            QMessageBox.information(
                self,
                TITLE,
                f"Das PDF wurde geschrieben ({pages}), aber es ließ sich kein Anzeigeprogramm öffnen:\n"
                f"{result.path}",
            )
        self.accept()

    def _show_error(self, exc: BaseException) -> None:
        if isinstance(exc, ReportError | DocumentError):
            text = str(exc)
        elif isinstance(exc, PermissionError):
            text = (
                f"Die Datei kann nicht geschrieben werden. Ist sie noch in einem anderen Programm "
                f"geöffnet?\n{exc.filename or ''}"
            )
        elif isinstance(exc, OSError):
            text = f"Die Datei kann nicht geschrieben werden: {exc.strerror or exc}"
        else:
            text = f"Unerwarteter Fehler beim Erstellen des PDFs: {exc.__class__.__name__}: {exc}"
        QMessageBox.warning(self, TITLE, f"Das PDF konnte nicht geschrieben werden.\n\n{text}")


def open_print_dialog(ctx: WindowContext) -> PrintDialog | None:
    if ctx.document is None:
        QMessageBox.information(ctx.window, TITLE, "Es ist kein Dokument geöffnet.")
        return None
    dialog = ctx.provide(PrintDialog(ctx))
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog


def install(ctx: WindowContext) -> None:
    """Datei → „Drucken / PDF …“ (Strg+P)."""
    action = QAction("&Drucken / PDF …", ctx.window)
    action.setShortcut(QKeySequence.StandardKey.Print)
    action.setStatusTip("Gesamtbericht, Handout, Hausaufgabenheft, Statusbericht oder Tabelle als PDF")
    action.triggered.connect(lambda _checked=False: open_print_dialog(ctx))
    ctx.menus["file"].addAction(action)
    ctx.actions["print"] = action

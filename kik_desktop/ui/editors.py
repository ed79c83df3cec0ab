"""Detail editors of a field, a goal and a measure, with the load / check / save contract."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kik_desktop.domain.dates import parse_month_year
from kik_desktop.domain.plan import PRIORITIES
from kik_desktop.ui.plan_tree_model import status_icon

# After this pause in typing a text is saved, so a crash loses at most the last moment of typing.
IDLE_SAVE_MS = 1200


class _Binding:
    """One editable value: how to read it from and write it to its widget."""

    def __init__(
        self, attr: str, get: Callable[[], Any], set_: Callable[[Any], None], widget: QWidget
    ) -> None:
        self.attr, self.get, self.set, self.widget = attr, get, set_, widget


class _FocusOutFilter(QObject):
    def __init__(self, callback: Callable[[], None], parent: QObject) -> None:
        super().__init__(parent)
        self._callback = callback

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusOut:
            self._callback()
        return False


class EditorPage(QScrollArea):
    """Base of the three editors: load(values) fills the widgets, check() lists problems,
    save() returns what changed; `commit` is emitted with those changes as the user edits."""

    commit = Signal(dict)
    kind = ""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        self._outer = QVBoxLayout(body)
        self._outer.setContentsMargins(16, 12, 16, 12)
        self.heading = QLabel()
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        self.heading.setFont(font)
        self.heading.setProperty("kikFontScale", 1.35)  # grows with the window's zoom (scale_fonts)
        self.heading.setWordWrap(True)
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._outer.addWidget(self.heading)
        self.example_note = QLabel(
            "Beispiel aus der Stadtratsvorlage vom 18.11.2021 – keine Daten der Stadt."
        )
        self.example_note.setWordWrap(True)
        self.example_note.setStyleSheet(
            "color: #6b4f00; background: #fff4cc; padding: 4px; border-radius: 3px;"
        )
        self.example_note.setAccessibleName("Hinweis: Beispiel aus der Stadtratsvorlage")
        # The way out of the banner where the user sees it (an import or an edit made it real data).
        self.example_clear = QPushButton("Ist kein Beispiel mehr")
        self.example_clear.setAccessibleName("Ist kein Beispiel mehr")
        self.example_clear.setAccessibleDescription(
            "Nimmt die Markierung „Beispiel aus der Stadtratsvorlage“ von diesem Eintrag "
            "(rückgängig mit Strg+Z)."
        )
        self.example_clear.clicked.connect(self.clear_example)
        self.example_row = QWidget()
        example_layout = QHBoxLayout(self.example_row)
        example_layout.setContentsMargins(0, 0, 0, 0)
        example_layout.addWidget(self.example_note, 1)
        example_layout.addWidget(self.example_clear)
        self.example_row.hide()
        self._outer.addWidget(self.example_row)
        self.form = QFormLayout()
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self._outer.addLayout(self.form)
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #a00000;")
        self.problems.hide()
        self._outer.addWidget(self.problems)
        self._outer.addStretch(1)
        self.setWidget(body)
        self._bindings: dict[str, _Binding] = {}
        self._sized_texts: list[tuple[QPlainTextEdit, int]] = []
        self._loaded: dict[str, Any] = {}
        self._loading = False
        self.read_only = False

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            # Heights in lines, not pixels: with the zoom a text box keeps showing as many lines.
            QTimer.singleShot(0, self._refit)

    def _refit(self) -> None:
        for edit, lines in self._sized_texts:
            _fit_lines(edit, lines)

    # -- building blocks -----------------------------------------------------------------------
    def _add_row(self, label: str, widget: QWidget, attr: str) -> None:
        title = QLabel(label)
        title.setBuddy(widget)
        name = label.replace("&", "")
        widget.setAccessibleName(name)
        if not widget.accessibleDescription():
            widget.setAccessibleDescription(describe_input(widget, name))
        self.form.addRow(title, widget)

    def line(self, attr: str, label: str, placeholder: str = "") -> QLineEdit:
        edit = QLineEdit()
        edit.setPlaceholderText(placeholder)
        edit.editingFinished.connect(lambda: self._edited(attr))
        self._bindings[attr] = _Binding(attr, edit.text, lambda v: edit.setText(v or ""), edit)
        self._add_row(label, edit, attr)
        return edit

    def text(self, attr: str, label: str, lines: int = 3, placeholder: str = "") -> QPlainTextEdit:
        edit = QPlainTextEdit()
        edit.setTabChangesFocus(True)
        edit.setPlaceholderText(placeholder)
        self._sized_texts.append((edit, lines))
        _fit_lines(edit, lines)
        edit.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        timer = QTimer(edit)
        timer.setSingleShot(True)
        timer.setInterval(IDLE_SAVE_MS)
        timer.timeout.connect(lambda: self._edited(attr))
        edit.textChanged.connect(lambda: None if self._loading else timer.start())

        def focus_left() -> None:
            timer.stop()
            self._edited(attr)

        edit.installEventFilter(_FocusOutFilter(focus_left, edit))
        self._bindings[attr] = _Binding(attr, edit.toPlainText, lambda v: edit.setPlainText(v or ""), edit)
        self._add_row(label, edit, attr)
        return edit

    def count(self, attr: str, label: str) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(-1, 9999)
        spin.setSpecialValueText("–")
        spin.setMaximumWidth(110)
        spin.editingFinished.connect(lambda: self._edited(attr))
        self._bindings[attr] = _Binding(
            attr,
            lambda: None if spin.value() < 0 else spin.value(),
            lambda v: spin.setValue(-1 if v is None else int(v)),
            spin,
        )
        self._add_row(label, spin, attr)
        return spin

    def flag(self, attr: str, label: str) -> QCheckBox:
        box = QCheckBox(label)
        box.setAccessibleName(label.replace("&", ""))
        box.setAccessibleDescription("Ankreuzen oder mit der Leertaste umschalten; wird sofort gespeichert.")
        box.clicked.connect(lambda: self._edited(attr))
        self._bindings[attr] = _Binding(attr, box.isChecked, lambda v: box.setChecked(bool(v)), box)
        self.form.addRow("", box)
        return box

    def set_completions(self, edit: QLineEdit, names: list[str]) -> None:
        completer = edit.completer()
        if completer is None:
            completer = QCompleter(edit)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setModel(QStringListModel(completer))
            edit.setCompleter(completer)
        model = completer.model()
        assert isinstance(model, QStringListModel)
        model.setStringList(names)

    # -- the contract --------------------------------------------------------------------------
    def load(self, values: dict[str, Any], heading: str) -> None:
        self._loading = True
        try:
            self.heading.setText(heading)
            for attr, binding in self._bindings.items():
                if attr in values:
                    binding.set(values[attr])
            self._loaded = {a: b.get() for a, b in self._bindings.items()}
            self.example_row.setVisible(bool(values.get("is_example")))
        finally:
            self._loading = False
        self.show_problems(self.check())

    def check(self) -> list[str]:
        """Problems the user should know of; an empty list when all is well."""
        return []

    def clear_example(self) -> None:
        """Take the example mark off (the button beside the banner): saved and undoable like any edit."""
        binding = self._bindings.get("is_example")
        if binding is None or self.read_only:
            return
        binding.set(False)
        self.example_row.hide()
        self._edited("is_example")

    def save(self) -> dict[str, Any]:
        """The values that differ from what was loaded."""
        return {a: b.get() for a, b in self._bindings.items() if b.get() != self._loaded.get(a)}

    def flush(self) -> None:
        """Commit whatever is typed but not yet saved (before the selection or window changes)."""
        changes = self.save()
        if changes and not self.read_only:
            self._loaded.update(changes)
            self.commit.emit(changes)

    def show_example_banner(self) -> None:
        binding = self._bindings.get("is_example")
        self.example_row.setVisible(bool(binding is not None and binding.get()))

    def show_saved(self, saved: dict[str, Any]) -> None:
        """Show what the document keeps where it differs from what was typed (e.g. 3/22 → 03/2022)."""
        self._loading = True
        try:
            for attr, value in saved.items():
                binding = self._bindings.get(attr)
                if binding is not None and binding.get() != value:
                    binding.set(value)
                    self._loaded[attr] = binding.get()
        finally:
            self._loading = False

    def set_read_only(self, read_only: bool) -> None:
        self.read_only = read_only
        for binding in self._bindings.values():
            widget = binding.widget
            if isinstance(widget, QLineEdit | QPlainTextEdit):
                widget.setReadOnly(read_only)
            else:
                widget.setEnabled(not read_only)

    def show_problems(self, problems: list[str]) -> None:
        self.problems.setText("\n".join(problems))
        self.problems.setVisible(bool(problems))

    def _edited(self, attr: str) -> None:
        if self._loading or self.read_only:
            return
        binding = self._bindings[attr]
        value = binding.get()
        if value == self._loaded.get(attr):
            return
        self._loaded[attr] = value
        if attr == "is_example":
            self.show_example_banner()
        self.show_problems(self.check())
        self.commit.emit({attr: value})


class FieldEditor(EditorPage):
    kind = "field"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.line("name", "&Name")
        self.text("description", "&Beschreibung", 4)
        self.count("adopted_goals", "beschlossene &Ziele")
        self.count("adopted_measures", "beschlossene &Maßnahmen")
        self.line("working_group", "&Arbeitsgruppe", "z. B. AG Arbeit und Ausbildung")
        self.text("actors", "A&kteur*innen des Handlungsfelds", 8, "eine Akteurin / ein Akteur pro Zeile")


class GoalEditor(EditorPage):
    kind = "goal"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.line("title", "&Ziel")
        self.text("description", "&Beschreibung", 4)
        self.text("indicator", "&Indikator (zu entwickeln)", 3)
        self.flag("is_example", "Beispiel aus der Stadtratsvorlage")


class ActorsEditor(QWidget):
    """Actors of a measure, one per line, with an entry field that completes from the registry."""

    def __init__(self, page: MeasureEditor) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.text = QPlainTextEdit()
        self.text.setTabChangesFocus(True)
        self.text.setPlaceholderText("eine Institution oder Person pro Zeile")
        self.text.setAccessibleName("Akteur*innen für die Umsetzung")
        self.text.setAccessibleDescription(
            "Eine Institution oder Person pro Zeile; wird beim Verlassen gespeichert."
        )
        page._sized_texts.append((self.text, 4))
        _fit_lines(self.text, 4)
        layout.addWidget(self.text)
        row = QHBoxLayout()
        self.entry = QLineEdit()
        self.entry.setPlaceholderText("Institution aus dem Verzeichnis hinzufügen …")
        self.entry.setAccessibleName("Akteur*in hinzufügen")
        self.entry.setAccessibleDescription(
            "Vervollständigt aus dem Institutionsverzeichnis; Eingabetaste fügt den Namen der Liste hinzu."
        )
        self.add_button = QPushButton("Hinzufügen")
        self.add_button.setAccessibleName("Akteur*in hinzufügen")
        self.add_button.setAccessibleDescription(
            "Fügt den eingegebenen Namen der Liste der Akteur*innen hinzu."
        )
        row.addWidget(self.entry, 1)
        row.addWidget(self.add_button)
        layout.addLayout(row)
        self.entry.returnPressed.connect(self.add_entry)
        self.add_button.clicked.connect(self.add_entry)
        self._page = page

    def add_entry(self) -> None:
        name = self.entry.text().strip()
        if not name:
            return
        lines = [line for line in self.text.toPlainText().splitlines() if line.strip()]
        if name.lower() not in (line.strip().lower() for line in lines):
            lines.append(name)
        self.text.setPlainText("\n".join(lines))
        self.entry.clear()
        self._page._edited("actors")


class MeasureEditor(EditorPage):
    kind = "measure"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.line("title", "&Maßnahme")
        self.text("description", "&Beschreibung der Maßnahme", 4)
        self.line("target_group", "&Zielgruppe")
        self.responsible = self.line(
            "responsible",
            "&verantwortlich (für die Umsetzung)",
            "Institution aus dem Verzeichnis oder freier Text",
        )
        self.actors = ActorsEditor(self)
        self._bindings["actors"] = _Binding(
            "actors",
            self.actors.text.toPlainText,
            lambda v: self.actors.text.setPlainText(v or ""),
            self.actors,
        )
        self.actors.text.installEventFilter(_FocusOutFilter(lambda: self._edited("actors"), self.actors.text))
        self._add_row("&Akteur*innen für die Umsetzung", self.actors, "actors")
        self.text("needs", "Was wird für die Umsetzung &benötigt?", 3)
        dates = QWidget()
        dates_row = QHBoxLayout(dates)
        dates_row.setContentsMargins(0, 0, 0, 0)
        self.start = QLineEdit()
        self.start.setPlaceholderText("MM/JJJJ")
        self.start.setAccessibleName("Beginn der Umsetzung")
        self.start.setAccessibleDescription("Monat/Jahr, z. B. 03/2022, nur das Jahr oder „laufend“.")
        self.end = QLineEdit()
        self.end.setPlaceholderText("MM/JJJJ oder laufend")
        self.end.setAccessibleName("Umsetzung bis wann")
        self.end.setAccessibleDescription("Monat/Jahr, z. B. 12/2024, nur das Jahr oder „laufend“.")
        start_label = QLabel("Be&ginn (Monat/Jahr)")
        start_label.setBuddy(self.start)
        end_label = QLabel("bis &wann")
        end_label.setBuddy(self.end)
        dates_row.addWidget(start_label)
        dates_row.addWidget(self.start, 1)
        dates_row.addSpacing(12)
        dates_row.addWidget(end_label)
        dates_row.addWidget(self.end, 1)
        for attr, edit in (("start", self.start), ("end", self.end)):
            self._bind_line(attr, edit)
        self.form.addRow("Umsetzung", dates)
        self.text("success_indicator", "&Indikatoren (Erfolg)", 3, "z. B. 10 Neuzugewanderte pro Treffen")
        self.status = QComboBox()
        self.status.setAccessibleName("Status")
        self.status.setAccessibleDescription(
            "Umsetzungsstand der Maßnahme; jeder Status mit Zeichen und Namen, nicht nur mit seiner Farbe."
        )
        self.status.activated.connect(lambda _i: self._edited("status_key"))
        self._bindings["status_key"] = _Binding(
            "status_key",
            self.status.currentData,
            self._set_status,
            self.status,
        )
        self._add_row("&Status", self.status, "status_key")
        self.priority = QComboBox()
        self.priority.addItem("–", None)
        for value, label in PRIORITIES.items():
            self.priority.addItem(label, value)
        self.priority.setMaximumWidth(160)
        self.priority.activated.connect(lambda _i: self._edited("priority"))
        self._bindings["priority"] = _Binding(
            "priority",
            self.priority.currentData,
            lambda v: self.priority.setCurrentIndex(max(0, self.priority.findData(v))),
            self.priority,
        )
        self._add_row("&Priorität", self.priority, "priority")
        self.tasks = QListWidget()
        self.tasks.setAccessibleName("Querschnittsaufgaben")
        self.tasks.setAccessibleDescription(
            "Liste zum Ankreuzen: mit den Pfeiltasten wählen, mit der Leertaste ankreuzen."
        )
        self.tasks.itemChanged.connect(lambda _item: self._edited("tasks"))
        self._bindings["tasks"] = _Binding("tasks", self._get_tasks, self._set_tasks, self.tasks)
        self._add_row("&Querschnittsaufgaben", self.tasks, "tasks")
        self.funding = self.line("funding", "&Förderung / Ressourcen", "z. B. „Demokratie leben!“")
        self.text("notes", "&Notizen", 3)
        self.flag("is_example", "Beispiel aus der Stadtratsvorlage")
        self.history_slot = QVBoxLayout()
        self._outer.insertLayout(self._outer.count() - 1, self.history_slot)

    def _bind_line(self, attr: str, edit: QLineEdit) -> None:
        edit.editingFinished.connect(lambda: self._edited(attr))
        self._bindings[attr] = _Binding(attr, edit.text, lambda v: edit.setText(v or ""), edit)

    def set_choices(
        self,
        statuses: list[tuple[str, str, str]],
        tasks: list[tuple[int, str]],
        institutions: list[str],
        funding: list[str],
    ) -> None:
        """Fill the choice lists from the document: (key, label, colour), (id, title), names."""
        self._loading = True
        try:
            self.status.clear()
            self.status.addItem(QIcon(status_icon("")), "(kein Status)", None)
            for key, label, color in statuses:
                self.status.addItem(status_icon(color), label, key)
            self.tasks.clear()
            for task_id, title in tasks:
                item = QListWidgetItem(title)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
                item.setData(Qt.ItemDataRole.UserRole, task_id)
                self.tasks.addItem(item)
            self._fit_tasks()
            self.set_completions(self.responsible, institutions)
            self.set_completions(self.actors.entry, institutions)
            self.set_completions(self.funding, funding)
        finally:
            self._loading = False

    def _fit_tasks(self) -> None:
        count = self.tasks.count()
        row_height = self.tasks.sizeHintForRow(0) if count else self.fontMetrics().height() + 6
        self.tasks.setFixedHeight(row_height * max(1, count) + 6)

    def _refit(self) -> None:
        super()._refit()
        self._fit_tasks()

    def _set_status(self, key: Any) -> None:
        self.status.setCurrentIndex(max(0, self.status.findData(key)))

    def _get_tasks(self) -> list[int]:
        return sorted(
            int(self.tasks.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.tasks.count())
            if self.tasks.item(i).checkState() == Qt.CheckState.Checked
        )

    def _set_tasks(self, ids: Any) -> None:
        wanted = set(ids or [])
        for i in range(self.tasks.count()):
            item = self.tasks.item(i)
            checked = item.data(Qt.ItemDataRole.UserRole) in wanted
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def check(self) -> list[str]:
        problems = []
        for label, edit in (("Beginn", self.start), ("Umsetzung bis", self.end)):
            parsed = parse_month_year(edit.text())
            if not parsed.is_valid:
                problems.append(
                    f"{label}: „{edit.text()}“ ist kein Monat/Jahr (z. B. 03/2022, 2022 oder "
                    "laufend) und wird als Text gespeichert."
                )
        start, end = parse_month_year(self.start.text()), parse_month_year(self.end.text())
        if start.first_month() and end.last_month() and end.last_month() < start.first_month():  # type: ignore[operator]
            problems.append("Das Ende der Umsetzung liegt vor ihrem Beginn.")
        return problems


class EmptyPage(QLabel):
    def __init__(self) -> None:
        super().__init__(
            "Links einen Eintrag auswählen, um ihn zu bearbeiten.\n\n"
            "Neu: Strg+Umschalt+F (Handlungsfeld), Strg+Umschalt+G (Ziel), "
            "Strg+Umschalt+M (Maßnahme)"
        )
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setStyleSheet("color: #666;")


class DetailEditor(QStackedWidget):
    """The right-hand side: the editor of the selected item's kind."""

    commit = Signal(str, int, dict)
    # (kind, id) of the item now shown, or None: for parts that follow the editor (status history).
    item_shown = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.empty = EmptyPage()
        self.pages: dict[str, EditorPage] = {
            "field": FieldEditor(),
            "goal": GoalEditor(),
            "measure": MeasureEditor(),
        }
        self.addWidget(self.empty)
        for page in self.pages.values():
            self.addWidget(page)
            page.commit.connect(self._on_commit)
        self.current: tuple[str, int] | None = None

    @property
    def measure_editor(self) -> MeasureEditor:
        page = self.pages["measure"]
        assert isinstance(page, MeasureEditor)
        return page

    def _on_commit(self, values: dict[str, Any]) -> None:
        if self.current is not None:
            self.commit.emit(self.current[0], self.current[1], values)

    def flush(self) -> None:
        if self.current is not None:
            self.pages[self.current[0]].flush()

    def show_item(self, kind: str, item_id: int, values: dict[str, Any], heading: str) -> None:
        page = self.pages[kind]
        self.current = (kind, item_id)
        page.load(values, heading)
        self.setCurrentWidget(page)
        self.item_shown.emit(self.current)

    def show_nothing(self) -> None:
        self.current = None
        self.setCurrentWidget(self.empty)
        self.item_shown.emit(None)

    def set_read_only(self, read_only: bool) -> None:
        for page in self.pages.values():
            page.set_read_only(read_only)


def _fit_lines(edit: QPlainTextEdit, lines: int) -> None:
    edit.setFixedHeight(edit.fontMetrics().lineSpacing() * lines + 14)


def describe_input(widget: QWidget, name: str) -> str:
    """A screen reader's description of an editor input: what it holds and when it is saved."""
    if isinstance(widget, QPlainTextEdit):
        return f"{name}: mehrzeiliger Text, wird nach einer kurzen Tipppause gespeichert."
    if isinstance(widget, QLineEdit):
        return f"{name}: wird beim Verlassen des Feldes gespeichert."
    if isinstance(widget, QSpinBox):
        return f"{name}: Zahl; „–“ heißt noch nicht festgelegt."
    if isinstance(widget, QComboBox):
        return f"{name}: Auswahl mit den Pfeiltasten; wird sofort gespeichert."
    return f"{name}: wird sofort gespeichert."


def heading_for(kind: str, number: str, title: str) -> str:
    label = {"field": "Handlungsfeld", "goal": "Ziel", "measure": "Maßnahme"}[kind]
    return f"{label} {number}: {title}" if title else f"{label} {number}"

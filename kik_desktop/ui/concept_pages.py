"""The "Konzept" tab: editor pages for the concept's own page, the steering group, the cross-cutting
tasks, the funding sources and the status legend.

Every page follows the load / check / save contract of the detail editors (and of Picard's option
pages): ``load(session)`` fills the widgets from the document, ``check()`` lists problems, and edits are
saved as they are made, each one an undo step on the window's QUndoStack (``run_edit``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QBrush, QColor, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QColorDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from kik_desktop.domain import concept
from kik_desktop.domain.changes import ChangeSet
from kik_desktop.domain.concept import Edit
from kik_desktop.domain.queries import statuses
from kik_desktop.ui.editors import EditorPage, _Binding
from kik_desktop.ui.status_board import SideTabs

if TYPE_CHECKING:
    from kik_desktop.ui.context import WindowContext
    from kik_desktop.ui.operations import PlanUpdate

log = logging.getLogger(__name__)

ID_ROLE = Qt.ItemDataRole.UserRole


class _Chain:
    """Alternates an edit and its undo: each step runs the stored function and keeps its inverse."""

    def __init__(self, forward: Callable[[Session], Edit]) -> None:
        self.next = forward
        self.last: Edit | None = None

    def step(self, s: Session) -> ChangeSet:
        edit = self.next(s)
        self.next, self.last = edit.revert, edit
        return edit.changes


def run_edit(window: WindowContext, text: str, kind: str, forward: Callable[[Session], Edit]) -> Edit | None:
    """Run one domain edit as an undo step of the window; None if it failed (the window said why)."""
    chain = _Chain(forward)
    if not window.operations.bulk(text, chain.step, chain.step):
        return None
    return chain.last


def german_date(iso: str) -> str:
    parts = iso.split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        return f"{parts[2]}.{parts[1]}.{parts[0]}"
    return iso


# -- the concept page ------------------------------------------------------------------------------


class ConceptPropertiesPage(EditorPage):
    """Name, council decision, understanding of integration, guiding principles: saved as typed."""

    kind = "concept"
    title = "Konzept"

    def __init__(self, window: WindowContext) -> None:
        super().__init__()
        self.window_ = window
        self.predecessor = QLabel()
        self.predecessor.setWordWrap(True)
        self.predecessor.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.predecessor.setStyleSheet("background: #eef3fb; padding: 6px; border-radius: 3px;")
        self.predecessor.hide()
        self._outer.insertWidget(1, self.predecessor)
        lines = {"understanding": 10, "guiding_principles": 6, "commission": 2, "participation": 2}
        for key, label, multi in concept.CONCEPT_FIELDS:
            if key == "council_decision_date":
                edit = self.line(key, label, "TT.MM.JJJJ")
                edit.setMaximumWidth(160)
                self._bindings[key] = _Binding(key, edit.text, self._date_setter(edit), edit)
            elif multi:
                self.text(key, label, lines.get(key, 3))
            else:
                self.line(key, label)
        self.commit.connect(self._commit)

    @staticmethod
    def _date_setter(edit: QLineEdit) -> Callable[[Any], None]:
        def set_(value: Any) -> None:
            edit.setText(german_date(str(value or "")))

        return set_

    def load_from(self, s: Session) -> None:
        values = concept.concept_values(s)
        self.load(values, values.get("concept_name") or "Konzept")
        self.show_predecessor(concept.predecessor(s))

    def show_predecessor(self, pred: dict[str, str]) -> None:
        if not pred.get("predecessor_name"):
            self.predecessor.hide()
            return
        parts = [f"<b>Fortschreibung</b> von „{pred['predecessor_name']}“"]
        if pred.get("predecessor_edition"):
            parts.append(f"(Fassung {pred['predecessor_edition']})")
        text = " ".join(parts)
        if pred.get("edition"):
            text += f"; diese Fassung: {pred['edition']}"
        if pred.get("predecessor_created"):
            text += f"; fortgeschrieben am {german_date(pred['predecessor_created'][:10])}"
        if pred.get("predecessor_file"):
            text += f"<br>Datei der Vorgängerfassung: {pred['predecessor_file']}"
        self.predecessor.setText(text)
        self.predecessor.show()

    def check(self) -> list[str]:
        problems = []
        name = self._bindings["concept_name"].get()
        if not str(name).strip():
            problems.append("Das Konzept braucht einen Namen.")
        try:
            concept.normalize_date(str(self._bindings["council_decision_date"].get()))
        except ValueError as exc:
            problems.append(str(exc))
        return problems

    def _commit(self, values: dict[str, Any]) -> None:
        if self.check():
            # Not saved while the page shows a problem; the typed text stays for correction.
            for key in values:
                self._loaded.pop(key, None)
            return
        key = next(iter(values))
        label = concept.CONCEPT_LABELS.get(key, "Konzept") if len(values) == 1 else "Konzeptseite"
        run_edit(self.window_, f"{label} ändern", "concept", lambda s: concept.update_concept(s, values))


# -- pages with a table ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    attr: str
    header: str
    editable: bool = True
    stretch: bool = False


class TablePage(QWidget):
    """A table of rows of the document with buttons beside it; a cell edit is one undo step."""

    kind = ""
    title = ""
    intro = ""
    columns: tuple[Column, ...] = ()
    can_add = True
    can_remove = True
    can_move = False

    def __init__(self, window: WindowContext) -> None:
        super().__init__()
        self.window_ = window
        self.read_only = False
        self._filling = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        self.heading = QLabel(self.title)
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        self.heading.setFont(font)
        layout.addWidget(self.heading)
        if self.intro:
            intro = QLabel(self.intro)
            intro.setWordWrap(True)
            layout.addWidget(intro)
        row = QHBoxLayout()
        self.table = QTableWidget(0, len(self.columns))
        self.table.setAccessibleName(self.title)
        self.table.setHorizontalHeaderLabels([c.header for c in self.columns])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        for i, col in enumerate(self.columns):
            mode = QHeaderView.ResizeMode.Stretch if col.stretch else QHeaderView.ResizeMode.ResizeToContents
            header.setSectionResizeMode(i, mode)
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)
        # Wrapped cells need their height again whenever a column's width changes.
        header.sectionResized.connect(lambda *_: self.table.resizeRowsToContents())
        self.table.itemChanged.connect(self._item_changed)
        self.table.currentCellChanged.connect(lambda *_: self._update_buttons())
        row.addWidget(self.table, 1)
        self.side = QVBoxLayout()
        self.buttons: list[QPushButton] = []
        if self.can_add:
            self.add_button = self._button("&Hinzufügen", self.add)
        if self.can_remove:
            self.remove_button = self._button("&Entfernen …", self.remove)
        if self.can_move:
            self.up_button = self._button("Nach &oben", lambda: self.move_row(-1))
            self.down_button = self._button("Nach &unten", lambda: self.move_row(1))
        self.add_buttons()
        self.side.addStretch(1)
        row.addLayout(self.side)
        layout.addLayout(row, 1)
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #a00000;")
        self.problems.hide()
        layout.addWidget(self.problems)

    def _button(self, text: str, slot: Callable[[], Any]) -> QPushButton:
        button = QPushButton(text)
        button.clicked.connect(lambda _c=False: slot())
        self.side.addWidget(button)
        self.buttons.append(button)
        return button

    def add_buttons(self) -> None:
        """Subclasses add more buttons here."""

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.table.resizeRowsToContents()

    # -- the contract ----------------------------------------------------------------------------
    def rows(self, s: Session) -> list[dict[str, Any]]:
        raise NotImplementedError

    def load_from(self, s: Session) -> None:
        current = self.current_id()
        self._filling = True
        try:
            rows = self.rows(s)
            self.table.setRowCount(len(rows))
            for r, row in enumerate(rows):
                for c, col in enumerate(self.columns):
                    item = QTableWidgetItem(self.display(col.attr, row))
                    item.setData(ID_ROLE, row["id"])
                    flags = item.flags()
                    if not col.editable or self.read_only:
                        flags &= ~Qt.ItemFlag.ItemIsEditable
                    item.setFlags(flags)
                    self.decorate(item, col.attr, row)
                    self.table.setItem(r, c, item)
            self.table.resizeRowsToContents()
        finally:
            self._filling = False
        if current is not None:
            self.select_id(current)
        self._update_buttons()
        self.show_problems(self.check())

    def display(self, attr: str, row: dict[str, Any]) -> str:
        return str(row.get(attr) or "")

    def decorate(self, item: QTableWidgetItem, attr: str, row: dict[str, Any]) -> None:
        """Subclasses colour cells."""

    def check(self) -> list[str]:
        return []

    def show_problems(self, problems: list[str]) -> None:
        self.problems.setText("\n".join(problems))
        self.problems.setVisible(bool(problems))

    def set_read_only(self, read_only: bool) -> None:
        self.read_only = read_only
        for button in self.buttons:
            button.setEnabled(not read_only)
        self._update_buttons()

    # -- rows ------------------------------------------------------------------------------------
    def cell_text(self, row: int, col: int) -> str:
        item = self.table.item(row, col)
        return "" if item is None else item.text()

    def row_id(self, row: int) -> Any:
        item = self.table.item(row, 0)
        return None if item is None else item.data(ID_ROLE)

    def current_id(self) -> Any:
        item = self.table.item(self.table.currentRow(), 0) if self.table.currentRow() >= 0 else None
        return None if item is None else item.data(ID_ROLE)

    def select_id(self, item_id: Any) -> None:
        for r in range(self.table.rowCount()):
            item = self.table.item(r, 0)
            if item is not None and item.data(ID_ROLE) == item_id:
                self.table.setCurrentCell(r, max(0, self.table.currentColumn()))
                return

    def _update_buttons(self) -> None:
        has = self.table.currentRow() >= 0 and not self.read_only
        if self.can_remove:
            self.remove_button.setEnabled(has)
        if self.can_move:
            row = self.table.currentRow()
            self.up_button.setEnabled(has and row > 0)
            self.down_button.setEnabled(has and row < self.table.rowCount() - 1)

    def _item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling or self.read_only:
            return
        col = self.columns[item.column()]
        item_id = item.data(ID_ROLE)
        value = item.text()
        edit = self.update_cell(item_id, col.attr, value)
        if edit is None:
            # Refused: show what the document keeps.
            self.reload()

    def reload(self) -> None:
        doc = self.window_.document
        if doc is not None:
            with doc.reading() as s:
                self.load_from(s)

    def update_cell(self, item_id: Any, attr: str, value: str) -> Edit | None:
        raise NotImplementedError

    def add(self) -> None:
        raise NotImplementedError

    def remove(self) -> None:
        raise NotImplementedError

    def move_row(self, step: int) -> None:
        raise NotImplementedError

    def confirm(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(
            self,
            title,
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _run(self, text: str, forward: Callable[[Session], Edit]) -> Edit | None:
        return run_edit(self.window_, text, self.kind, forward)


class SteeringGroupPage(TablePage):
    kind = "steering_member"
    title = "Steuerungsgruppe"
    intro = (
        "Die Sitze der KIK-Steuerungsgruppe: Bereich, vertretene Stelle oder Funktion und die "
        "Mitglieder. Zum Ändern in eine Zelle doppelklicken."
    )
    columns = (
        Column("area", "Bereich"),
        Column("role", "Funktion / Institution", stretch=True),
        Column("members", "Mitglieder", stretch=True),
    )
    can_move = True

    def rows(self, s: Session) -> list[dict[str, Any]]:
        return concept.steering_rows(s)

    def update_cell(self, item_id: Any, attr: str, value: str) -> Edit | None:
        header = next(c.header for c in self.columns if c.attr == attr)
        return self._run(
            f"Steuerungsgruppe: {header} ändern",
            lambda s: concept.update_steering_member(s, int(item_id), {attr: value}),
        )

    def add(self) -> None:
        row = self.table.currentRow()
        area = ""
        if row >= 0 and (item := self.table.item(row, 0)) is not None:
            area = item.text()
        index = row + 1 if row >= 0 else None
        edit = self._run(
            "Sitz der Steuerungsgruppe hinzufügen",
            lambda s: concept.add_steering_member(s, {"area": area, "role": "Neuer Sitz"}, index),
        )
        if edit is not None:
            self.select_id(edit.item_id)
            if (item := self.table.item(self.table.currentRow(), 1)) is not None:
                self.table.editItem(item)

    def remove(self) -> None:
        item_id = self.current_id()
        if item_id is None:
            return
        name = self.cell_text(self.table.currentRow(), 1)
        if not self.confirm("Entfernen", f"Den Sitz „{name}“ aus der Steuerungsgruppe entfernen?"):
            return
        self._run(f"Sitz „{name}“ entfernen", lambda s: concept.remove_steering_member(s, int(item_id)))

    def move_row(self, step: int) -> None:
        item_id, row = self.current_id(), self.table.currentRow()
        if item_id is None or not 0 <= row + step < self.table.rowCount():
            return
        if self._run(
            "Sitz der Steuerungsgruppe verschieben",
            lambda s: concept.move_steering_member(s, int(item_id), row + step),
        ):
            self.select_id(item_id)


class TasksPage(TablePage):
    kind = "cross_cutting_task"
    title = "Querschnittsaufgaben"
    intro = (
        "Die Aufgaben in allen Handlungsfeldern, mit denen Maßnahmen verschlagwortet werden. "
        "Eine Aufgabe, die Maßnahmen zugeordnet ist, lässt sich nur mit einer Ersatzaufgabe entfernen."
    )
    columns = (
        Column("title", "Querschnittsaufgabe", stretch=True),
        Column("used", "Maßnahmen", editable=False),
    )
    can_move = True

    def rows(self, s: Session) -> list[dict[str, Any]]:
        usage = concept.task_usage(s)
        return [{**r, "used": usage.get(r["id"], 0)} for r in concept.task_rows(s)]

    def display(self, attr: str, row: dict[str, Any]) -> str:
        return str(row["used"]) if attr == "used" else str(row.get(attr) or "")

    def decorate(self, item: QTableWidgetItem, attr: str, row: dict[str, Any]) -> None:
        if attr == "used":
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def update_cell(self, item_id: Any, attr: str, value: str) -> Edit | None:
        return self._run(
            "Querschnittsaufgabe umbenennen", lambda s: concept.rename_task(s, int(item_id), value)
        )

    def add(self) -> None:
        title, ok = QInputDialog.getText(self, "Querschnittsaufgabe hinzufügen", "Titel der Aufgabe:")
        title = title.strip()
        if not ok or not title:
            return
        row = self.table.currentRow()
        index = row + 1 if row >= 0 else None
        edit = self._run(
            f"Querschnittsaufgabe „{title}“ hinzufügen", lambda s: concept.add_task(s, title, index)
        )
        if edit is not None:
            self.select_id(edit.item_id)

    def choose_replacement(self, title: str, used: int, others: list[tuple[int, str]]) -> int | None:
        """Ask which task the measures get instead; None if the user cancels."""
        names = [t for _i, t in others]
        n = f"{used} {'Maßnahme' if used == 1 else 'Maßnahmen'}"
        choice, ok = QInputDialog.getItem(
            self,
            "Ersatz wählen",
            f"„{title}“ ist {n} zugeordnet.\nWelche Querschnittsaufgabe erhalten sie stattdessen?",
            names,
            0,
            False,
        )
        if not ok or choice not in names:
            return None
        return others[names.index(choice)][0]

    def remove(self) -> None:
        item_id, row = self.current_id(), self.table.currentRow()
        if item_id is None:
            return
        title = self.cell_text(row, 0)
        used_text = self.cell_text(row, 1)
        used = int(used_text) if used_text.isdigit() else 0
        replacement: int | None = None
        if used:
            others = [
                (int(self.row_id(r)), self.cell_text(r, 0)) for r in range(self.table.rowCount()) if r != row
            ]
            if not others:
                self.window_.show_error(
                    "Nicht möglich",
                    f"„{title}“ ist Maßnahmen zugeordnet und es gibt keine andere Aufgabe als Ersatz.",
                )
                return
            replacement = self.choose_replacement(title, used, others)
            if replacement is None:
                return
        elif not self.confirm("Entfernen", f"Die Querschnittsaufgabe „{title}“ entfernen?"):
            return
        self._run(
            f"Querschnittsaufgabe „{title}“ entfernen",
            lambda s: concept.remove_task(s, int(item_id), replacement),
        )

    def move_row(self, step: int) -> None:
        item_id, row = self.current_id(), self.table.currentRow()
        if item_id is None or not 0 <= row + step < self.table.rowCount():
            return
        if self._run(
            "Querschnittsaufgabe verschieben", lambda s: concept.move_task(s, int(item_id), row + step)
        ):
            self.select_id(item_id)


class FundingPage(TablePage):
    kind = "funding_source"
    title = "Förderquellen"
    intro = (
        "Förderprogramme, Fördergelder und Zuschüsse, die Maßnahmen nennen können. "
        "Entfernen lässt den Text in den Maßnahmen stehen."
    )
    columns = (
        Column("name", "Name", stretch=True),
        Column("kind", "Art"),
        Column("notes", "Hinweise", stretch=True),
    )

    def rows(self, s: Session) -> list[dict[str, Any]]:
        return concept.funding_rows(s)

    def update_cell(self, item_id: Any, attr: str, value: str) -> Edit | None:
        header = next(c.header for c in self.columns if c.attr == attr)
        return self._run(
            f"Förderquelle: {header} ändern",
            lambda s: concept.update_funding_source(s, int(item_id), {attr: value}),
        )

    def add(self) -> None:
        name, ok = QInputDialog.getText(self, "Förderquelle hinzufügen", "Name der Förderquelle:")
        name = name.strip()
        if not ok or not name:
            return
        edit = self._run(
            f"Förderquelle „{name}“ hinzufügen", lambda s: concept.add_funding_source(s, {"name": name})
        )
        if edit is not None:
            self.select_id(edit.item_id)

    def remove(self) -> None:
        item_id = self.current_id()
        if item_id is None:
            return
        name = self.cell_text(self.table.currentRow(), 0)
        if not self.confirm("Entfernen", f"Die Förderquelle „{name}“ entfernen?"):
            return
        self._run(
            f"Förderquelle „{name}“ entfernen", lambda s: concept.remove_funding_source(s, int(item_id))
        )


class LegendPage(TablePage):
    kind = "status"
    title = "Status-Legende"
    intro = (
        "Die sechs Status der Umsetzung. Bezeichnung, Kurzname, Farbe und Symbol gelten sofort "
        "überall: im Baum, in der Gesamtschau, in Ausdrucken und in den Excel-Auswahllisten. "
        "Das Symbol (ein Zeichen oder Buchstabe) macht den Status auch ohne Farbe lesbar. "
        "Die Farbe ändert ein Doppelklick in die Farbzelle."
    )
    columns = (
        Column("color", "Farbe", editable=False),
        Column("symbol", "Symbol"),
        Column("short", "Kurzname"),
        Column("label", "Bezeichnung", stretch=True),
    )
    can_add = False
    can_remove = False

    def add_buttons(self) -> None:
        self.color_button = self._button("&Farbe wählen …", self.choose_color)
        self.table.cellDoubleClicked.connect(
            lambda row, col: self.choose_color() if self.columns[col].attr == "color" else None
        )

    def rows(self, s: Session) -> list[dict[str, Any]]:
        return [
            {"id": st.key, "label": st.label, "short": st.short, "color": st.color, "symbol": st.symbol}
            for st in statuses(s)
        ]

    def display(self, attr: str, row: dict[str, Any]) -> str:
        return f"#{row['color']}" if attr == "color" else str(row.get(attr) or "")

    def decorate(self, item: QTableWidgetItem, attr: str, row: dict[str, Any]) -> None:
        if attr == "color":
            color = QColor(f"#{row['color']}")
            item.setBackground(QBrush(color))
            item.setForeground(QBrush(QColor("black" if color.lightnessF() > 0.5 else "white")))
            item.setToolTip("Doppelklick: Farbe wählen")
        if attr == "symbol":
            item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)

    def _update_buttons(self) -> None:
        super()._update_buttons()
        if hasattr(self, "color_button"):
            self.color_button.setEnabled(self.table.currentRow() >= 0 and not self.read_only)

    def update_cell(self, item_id: Any, attr: str, value: str) -> Edit | None:
        header = next(c.header for c in self.columns if c.attr == attr)
        return self._run(
            f"Status „{item_id}“: {header} ändern",
            lambda s: concept.update_status(s, str(item_id), {attr: value}),
        )

    def pick_color(self, initial: str, label: str) -> str | None:
        """The colour dialog; RRGGBB or None when cancelled."""
        color = QColorDialog.getColor(QColor(f"#{initial}"), self, f"Farbe für „{label}“")
        if not color.isValid():
            return None
        return color.name()[1:].upper()

    def choose_color(self) -> None:
        row = self.table.currentRow()
        if row < 0 or self.read_only:
            return
        key = str(self.row_id(row))
        initial = self.cell_text(row, 0).lstrip("#")
        color = self.pick_color(initial, self.cell_text(row, 3) or key)
        if color is None or color == initial:
            return
        self._run(
            f"Farbe des Status „{key}“ ändern", lambda s: concept.update_status(s, key, {"color": color})
        )


# -- the tab ---------------------------------------------------------------------------------------


class ConceptTab(QWidget):
    """A list of the pages on the left, the chosen page on the right."""

    def __init__(self, window: WindowContext) -> None:
        super().__init__()
        self.window_ = window
        self._dirty = True
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.page_list = QListWidget()
        self.page_list.setAccessibleName("Seiten des Konzepts")
        self.page_list.setSizeAdjustPolicy(QListWidget.SizeAdjustPolicy.AdjustToContents)
        self.stack = QStackedWidget()
        self.concept_page = ConceptPropertiesPage(window)
        self.steering_page = SteeringGroupPage(window)
        self.tasks_page = TasksPage(window)
        self.funding_page = FundingPage(window)
        self.legend_page = LegendPage(window)
        self.pages: list[Any] = [
            self.concept_page,
            self.steering_page,
            self.tasks_page,
            self.funding_page,
            self.legend_page,
        ]
        for page in self.pages:
            self.page_list.addItem(page.title)
            self.stack.addWidget(page)
        self.page_list.currentRowChanged.connect(self._page_chosen)
        self.page_list.setCurrentRow(0)
        self.page_list.setFixedWidth(self.page_list.sizeHintForColumn(0) + 24)
        layout.addWidget(self.page_list)
        layout.addWidget(self.stack, 1)
        window.operations.applied.connect(self._applied)
        window.document_opened.connect(lambda *_: self.reload())

    def _page_chosen(self, row: int) -> None:
        self.concept_page.flush()
        self.stack.setCurrentIndex(max(0, row))

    def show_page(self, page: QWidget) -> None:
        self.page_list.setCurrentRow(self.pages.index(page))

    def flush(self) -> None:
        self.concept_page.flush()

    def _applied(self, update: PlanUpdate) -> None:
        if update.reset or update.registry:
            # The concept page's own edit coming back while the user types in it: the other pages only.
            own_edit = not update.reset and update.registry == {"concept"}
            self.reload(skip_concept=own_edit and self.concept_page.hasFocus())
        elif update.touches("measure"):
            # Task usage counts may have changed.
            self._dirty = True
            if self.isVisible():
                self.reload()

    def reload(self, *, skip_concept: bool = False) -> None:
        doc = self.window_.document
        read_only = doc is None or doc.read_only
        if doc is None:
            return
        with doc.reading() as s:
            for page in self.pages:
                page.set_read_only(read_only)
                if page is self.concept_page and (skip_concept or self._concept_typing()):
                    continue
                page.load_from(s)
        self._dirty = False

    def _concept_typing(self) -> bool:
        """True while the concept page has focus and unsaved typing (a reload would eat it)."""
        focus = self.window_.window.focusWidget()
        return bool(focus is not None and self.concept_page.isAncestorOf(focus) and self.concept_page.save())

    def showEvent(self, event: Any) -> None:
        if self._dirty:
            self.reload()
        super().showEvent(event)


def install(ctx: WindowContext) -> None:
    """Add the "Konzept" tab beside Bearbeiten and Gesamtschau, and a View-menu entry for it."""
    tab = ctx.provide(ConceptTab(ctx))
    tabs = ctx.part(SideTabs)
    if tabs is None:
        # Without the status board there are no tabs yet: make them around the editor.
        editor_side = ctx.splitter.widget(1)
        assert editor_side is not None, "the window's splitter has the editor on its right"
        tabs = ctx.provide(SideTabs())
        tabs.setDocumentMode(True)
        ctx.splitter.replaceWidget(1, tabs)
        tabs.addTab(editor_side, "Bearbeiten")
    tabs.addTab(tab, "Konzept")
    # The splitter stays where the user put it when the tabs change (issue #15: it must not jump, and a
    # widened position must not be remembered); text typed on the concept page is saved on leaving it.
    tabs.currentChanged.connect(lambda _i: None if tabs.currentWidget() is tab else tab.flush())

    action = QAction("&Konzept und Legende", ctx.window)
    action.setShortcut(QKeySequence("F8"))
    action.setStatusTip("Konzeptseite, Steuerungsgruppe, Querschnittsaufgaben, Förderquellen, Status-Legende")
    action.triggered.connect(lambda _c=False: tabs.setCurrentWidget(tab))
    ctx.menus["view"].addAction(action)
    ctx.actions["concept"] = action
    # Undo/redo must not pass over text typed on the concept page but not yet saved.
    _wrap_flush(ctx, tab)


def _wrap_flush(ctx: WindowContext, tab: ConceptTab) -> None:
    """Flush the concept page wherever the window flushes its editor (undo, redo, selection, close)."""
    editor_flush = ctx.editor.flush

    def flush() -> None:
        tab.flush()
        editor_flush()

    ctx.editor.flush = flush  # type: ignore[method-assign]


__all__ = ["ConceptTab", "install", "run_edit"]

"""The indicator editor below the goal/measure editor: list, form, measured values, a small chart.

Every edit is one undo step through ``ctx.operations.bulk`` (redo/undo on a session return the domain's
change records, kinds ``indicator`` and ``indicator_value``); the chart is
painted with QPainter (values against the straight path from baseline to target).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from kik_desktop.domain import indicators as ind
from kik_desktop.domain.changes import ChangeSet
from kik_desktop.domain.dates import month_index
from kik_desktop.ui.operations import PlanUpdate

if TYPE_CHECKING:
    from kik_desktop.ui.context import WindowContext

# Change-record kinds of indicators and their measured values (domain/indicators.py).
INDICATOR_KINDS = frozenset({"indicator", "indicator_value"})

ON_TRACK = QColor("#1f8a3b")
BEHIND = QColor("#c62828")
NEUTRAL = QColor("#5a6b7d")
PATH = QColor("#1a56c4")


# -- chart ------------------------------------------------------------------------------------------


class IndicatorChart(QWidget):
    """Measured values (dots and line) against the dashed path from baseline to target."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.indicator: ind.IndicatorRow | None = None
        self.today = date.today()
        self.setMinimumHeight(150)
        self.setAccessibleName("Verlauf des Indikators")

    def sizeHint(self) -> QSize:
        return QSize(420, 170)

    def show_indicator(self, row: ind.IndicatorRow | None, today: date | None = None) -> None:
        self.indicator = row
        if today is not None:
            self.today = today
        self.update()

    def points(self) -> tuple[list[tuple[int, float]], tuple[int, float, int, float] | None]:
        """(month, value) of the measured values, and the path (baseline month and value, target month
        and value)."""
        row = self.indicator
        if row is None:
            return [], None
        return [(v.month_key, v.value) for v in row.values], ind.path_of(row)

    def paintEvent(self, _event: Any) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        p.fillRect(self.rect(), pal.base())
        row = self.indicator
        values, path = self.points()
        fm = p.fontMetrics()
        if row is None or (not values and path is None):
            p.setPen(pal.placeholderText().color())
            p.drawText(
                self.rect(),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                "Noch keine Werte: Ausgangswert, Zielwert mit Datum und Ist-Werte eintragen, "
                "dann zeigt sich hier der Verlauf.",
            )
            return
        now = month_index(self.today.year, self.today.month)
        months = [m for m, _ in values] + ([path[0], path[2]] if path else []) + [now]
        nums = [v for _, v in values] + ([path[1], path[3]] if path else [])
        x0, x1 = min(months), max(months)
        if x1 == x0:
            x1 = x0 + 1
        y0, y1 = min(nums), max(nums)
        if y1 == y0:
            y0, y1 = y0 - 1, y1 + 1
        pad = (y1 - y0) * 0.1
        y0, y1 = y0 - pad, y1 + pad
        left = fm.horizontalAdvance(ind.format_number(max(abs(y0), abs(y1)) * -1)) + 12
        area = QRectF(left, 8, self.width() - left - 12, self.height() - 8 - fm.height() - 10)

        def pt(month: float, value: float) -> QPointF:
            return QPointF(
                area.left() + (month - x0) / (x1 - x0) * area.width(),
                area.bottom() - (value - y0) / (y1 - y0) * area.height(),
            )

        # axes and year ticks
        p.setPen(QPen(pal.mid().color(), 1))
        p.drawLine(area.bottomLeft(), area.bottomRight())
        p.drawLine(area.bottomLeft(), area.topLeft())
        text_color = pal.text().color()
        for year in range(x0 // 12, x1 // 12 + 2):
            m = year * 12
            if x0 <= m <= x1:
                x = pt(m, y0).x()
                p.setPen(QPen(pal.midlight().color(), 1, Qt.PenStyle.DotLine))
                p.drawLine(QPointF(x, area.top()), QPointF(x, area.bottom()))
                p.setPen(text_color)
                p.drawText(
                    QPointF(x - fm.horizontalAdvance(str(year)) / 2, area.bottom() + fm.ascent() + 4),
                    str(year),
                )
        for value in (y0 + pad, y1 - pad):
            y = pt(x0, value).y()
            label = ind.format_number(round(value, 2))
            p.setPen(text_color)
            p.drawText(QPointF(area.left() - fm.horizontalAdvance(label) - 5, y + fm.ascent() / 2 - 1), label)
        # today
        p.setPen(QPen(QColor("#8899aa"), 1, Qt.PenStyle.DashLine))
        tx = pt(now, y0).x()
        p.drawLine(QPointF(tx, area.top()), QPointF(tx, area.bottom()))
        # path from baseline to target
        if path is not None:
            b, base, t, target = path
            p.setPen(QPen(PATH, 1.6, Qt.PenStyle.DashLine))
            p.drawLine(pt(b, base), pt(t, target))
            p.setBrush(PATH)
            p.drawEllipse(pt(t, target), 4, 4)
            p.setPen(PATH)
            label = f"Ziel {ind.format_number(target)} {row.unit}".strip()
            tp = pt(t, target)
            p.drawText(
                QPointF(min(tp.x() + 6, area.right() - fm.horizontalAdvance(label)), tp.y() - 6), label
            )
        # measured values
        assessment = ind.assess(row, self.today)
        color = {
            ind.Progress.ON_TRACK: ON_TRACK,
            ind.Progress.BEHIND: BEHIND,
        }.get(assessment.progress, NEUTRAL)
        if values:
            line = QPainterPath(pt(*values[0]))
            for m, v in values[1:]:
                line.lineTo(pt(m, v))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(QPen(color, 2))
            p.drawPath(line)
            p.setBrush(color)
            for m, v in values:
                p.drawEllipse(pt(m, v), 3.5, 3.5)
        # state in the corner
        font = QFont(p.font())
        font.setBold(True)
        p.setFont(font)
        p.setPen(color)
        p.drawText(QRectF(area.left() + 6, area.top(), area.width() - 12, fm.height() + 2), assessment.label)


# -- the panel ----------------------------------------------------------------------------------------


class IndicatorPanel(QWidget):
    """Indicators of the selected goal or measure."""

    def __init__(self, ctx: WindowContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.owner: tuple[str, int] | None = None
        self.rows: list[ind.IndicatorRow] = []
        self.today: Callable[[], date] = date.today
        self._loading = False
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 4, 16, 8)
        head = QHBoxLayout()
        self.heading = QLabel("Indikatoren")
        f = self.heading.font()
        f.setBold(True)
        f.setPointSizeF(f.pointSizeF() * 1.15)
        self.heading.setFont(f)
        head.addWidget(self.heading)
        head.addStretch(1)
        self.new_button = QPushButton("&Neuer Indikator")
        self.new_button.clicked.connect(self.new_indicator)
        self.convert_button = QPushButton("In Indikator &umwandeln")
        self.convert_button.setToolTip(
            "Den Freitext (Indikator bzw. Erfolgsindikatoren) in strukturierte Indikatoren umwandeln: "
            "Zahl, Einheit, Zieldatum werden erkannt; der Text bleibt stehen."
        )
        self.convert_button.clicked.connect(self.convert_text)
        self.delete_button = QToolButton()
        self.delete_button.setText("Löschen")
        self.delete_button.setToolTip("Den gewählten Indikator mit seinen Werten löschen")
        self.delete_button.clicked.connect(self.delete_indicator)
        for w in (self.new_button, self.convert_button, self.delete_button):
            head.addWidget(w)
        outer.addLayout(head)

        self.list = QListWidget()
        self.list.setAccessibleName("Indikatoren")
        self.list.setMaximumHeight(84)
        self.list.currentRowChanged.connect(self._show_current)
        outer.addWidget(self.list)

        body = QHBoxLayout()
        form_box = QWidget()
        form = QFormLayout(form_box)
        form.setContentsMargins(0, 0, 0, 0)
        self.edits: dict[str, QLineEdit] = {}
        for attr, label, hint in (
            ("name", "Indikator", "z. B. Teilnehmende Frauen pro Vortrag"),
            ("unit", "Einheit", "z. B. Personen, %"),
            ("baseline_value", "Ausgangswert", "Zahl"),
            ("baseline_date", "am (Monat/Jahr)", "z. B. 01/2024"),
            ("target_value", "Zielwert", "Zahl"),
            ("target_date", "bis (Monat/Jahr)", "z. B. 12/2027"),
            ("measured_by", "Wer misst", "z. B. Amt für Integration"),
            ("notes", "Bemerkung", ""),
        ):
            edit = QLineEdit()
            edit.setPlaceholderText(hint)
            edit.setAccessibleName(label)
            edit.editingFinished.connect(lambda a=attr: self._edited(a))
            self.edits[attr] = edit
            form.addRow(label, edit)
            if attr == "target_date":
                self.direction = QComboBox()
                self.direction.setAccessibleName("Richtung")
                for key, text in ind.DIRECTIONS.items():
                    self.direction.addItem(text, key)
                self.direction.activated.connect(lambda _i: self._edited("direction"))
                form.addRow("Richtung", self.direction)
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #a00000;")
        self.problem.setWordWrap(True)
        form.addRow(self.problem)
        body.addWidget(form_box, 1)

        right = QVBoxLayout()
        self.chart = IndicatorChart()
        right.addWidget(self.chart, 1)
        self.values = QTableWidget(0, 4)
        self.values.setHorizontalHeaderLabels(["Stichtag", "Ist-Wert", "Quelle", "Bemerkung"])
        self.values.verticalHeader().hide()
        self.values.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.values.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.values.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.values.setAccessibleName("Ist-Werte")
        self.values.setMaximumHeight(120)
        right.addWidget(self.values)
        add = QHBoxLayout()
        self.value_date = QLineEdit()
        self.value_date.setPlaceholderText("Stichtag, z. B. 05/2026")
        self.value_date.setAccessibleName("Stichtag")
        self.value_value = QLineEdit()
        self.value_value.setPlaceholderText("Ist-Wert")
        self.value_value.setAccessibleName("Ist-Wert")
        self.value_source = QLineEdit()
        self.value_source.setPlaceholderText("Quelle")
        self.value_source.setAccessibleName("Quelle")
        self.value_date.setMinimumWidth(100)
        self.value_value.setMinimumWidth(80)
        self.value_source.setMinimumWidth(100)
        self.add_value_button = QPushButton("Wert &eintragen")
        self.add_value_button.clicked.connect(self.add_value)
        self.value_value.returnPressed.connect(self.add_value)
        self.delete_value_button = QToolButton()
        self.delete_value_button.setText("Wert löschen")
        self.delete_value_button.clicked.connect(self.delete_value)
        widget: QWidget
        for widget in (
            self.value_date,
            self.value_value,
            self.value_source,
            self.add_value_button,
            self.delete_value_button,
        ):
            add.addWidget(widget)
        right.addLayout(add)
        body.addLayout(right, 1)
        self.detail = QWidget()
        self.detail.setLayout(body)
        outer.addWidget(self.detail, 1)
        self.empty = QLabel(
            "Noch keine Indikatoren. „Neuer Indikator“ legt einen an, „In Indikator umwandeln“ macht aus "
            "dem Freitext strukturierte Indikatoren mit Zielwert."
        )
        self.empty.setWordWrap(True)
        outer.addWidget(self.empty)
        self.set_owner(None)

    # -- loading --------------------------------------------------------------------------------
    def set_owner(self, owner: tuple[str, int] | None) -> None:
        owner = owner if owner is not None and owner[0] in ind.OWNER_KINDS else None
        keep = self.current_id() if owner == self.owner else None
        self.owner = owner
        self.setVisible(self.owner is not None)
        self.reload(keep=keep)

    def reload(self, keep: int | None = None) -> None:
        doc = self.ctx.document
        current = keep if keep is not None else self.current_id()
        self.rows = []
        if doc is not None and self.owner is not None:
            with doc.reading() as s:
                try:
                    self.rows = ind.list_indicators(s, *self.owner)
                except ind.IndicatorError:
                    self.rows = []
        self._loading = True
        self.list.clear()
        for r in self.rows:
            a = ind.assess(r, self.today())
            item = QListWidgetItem(f"{r.name}  ·  {a.label}")
            item.setData(Qt.ItemDataRole.UserRole, r.id)
            self.list.addItem(item)
        self._loading = False
        read_only = doc is None or doc.read_only
        for w in (self.new_button, self.convert_button):
            w.setEnabled(not read_only and self.owner is not None)
        self.heading.setText(f"Indikatoren ({len(self.rows)})" if self.rows else "Indikatoren")
        self.detail.setVisible(bool(self.rows))
        self.empty.setVisible(not self.rows)
        ids = [r.id for r in self.rows]
        self.list.setCurrentRow(ids.index(current) if current in ids else (0 if ids else -1))
        self._show_current()

    def current_id(self) -> int | None:
        item = self.list.currentItem()
        return None if item is None else int(item.data(Qt.ItemDataRole.UserRole))

    def current_row(self) -> ind.IndicatorRow | None:
        iid = self.current_id()
        return next((r for r in self.rows if r.id == iid), None)

    def _show_current(self, _row: int = -1) -> None:
        if self._loading:
            return
        row = self.current_row()
        doc = self.ctx.document
        read_only = doc is None or doc.read_only
        self._loading = True
        for attr, edit in self.edits.items():
            value: Any = getattr(row, attr) if row is not None else None
            edit.setText(ind.format_number(value) if attr in ind.FLOAT_ATTRS else str(value or ""))
            edit.setReadOnly(read_only)
        self.direction.setCurrentIndex(max(0, self.direction.findData(row.direction if row else "higher")))
        self.direction.setEnabled(not read_only)
        self._loading = False
        self.problem.clear()
        self.values.setRowCount(0)
        if row is not None:
            for v in reversed(row.values):
                r = self.values.rowCount()
                self.values.insertRow(r)
                for c, text in enumerate((v.date_text, ind.format_number(v.value), v.source, v.note)):
                    item = QTableWidgetItem(text)
                    item.setData(Qt.ItemDataRole.UserRole, v.id)
                    if c == 1:
                        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                    self.values.setItem(r, c, item)
        self.values.resizeColumnsToContents()
        for w in (self.add_value_button, self.delete_value_button, self.delete_button):
            w.setEnabled(row is not None and not read_only)
        self.chart.show_indicator(row, self.today())

    # -- edits (each one undo step) ---------------------------------------------------------------
    def _run(
        self, text: str, redo: Callable[[Session], ChangeSet], undo: Callable[[Session], ChangeSet]
    ) -> bool:
        assert self.owner is not None
        return self.ctx.operations.bulk(text, redo, undo)

    def new_indicator(self, values: dict[str, Any] | None = None) -> int | None:
        if self.owner is None:
            return None
        kind, owner_id = self.owner
        data = dict(values or {"name": "Neuer Indikator"})
        made: dict[str, Any] = {}

        def redo(s: Session) -> ChangeSet:
            iid, cs = ind.create_indicator(
                s, kind, owner_id, data, item_id=made.get("id"), uid=made.get("uid")
            )
            made["id"], made["uid"] = iid, ind.get_indicator(s, iid).uid
            return cs

        def undo(s: Session) -> ChangeSet:
            return ind.delete_indicator(s, made["id"])[1]

        if not self._run(f"Indikator „{data['name']}“ anlegen", redo, undo):
            return None
        self.reload(keep=made["id"])
        self.edits["name"].setFocus()
        self.edits["name"].selectAll()
        return int(made["id"])

    def convert_text(self) -> list[int]:
        """ "In Indikator umwandeln": the goal's indicator text or the measure's success indicators."""
        doc = self.ctx.document
        if self.owner is None or doc is None:
            return []
        kind, owner_id = self.owner
        from kik_desktop.domain import plan

        with doc.reading() as s:
            values = plan.get_values(s, kind, owner_id)
        text = str(values.get("indicator" if kind == "goal" else "success_indicator") or "")
        if not ind.split_indicator_text(text):
            QMessageBox.information(
                self,
                "Nichts umzuwandeln",
                "Das Feld „Indikator“ bzw. „Erfolgsindikatoren“ ist leer. Bitte zuerst den Text eintragen "
                "oder mit „Neuer Indikator“ einen anlegen.",
            )
            return []
        made: dict[str, Any] = {}

        def redo(s: Session) -> ChangeSet:
            ids, cs = ind.convert_text(s, kind, owner_id, text)
            made["ids"] = ids
            return cs

        def undo(s: Session) -> ChangeSet:
            cs = ChangeSet()
            for iid in made.get("ids", []):
                cs += ind.delete_indicator(s, iid)[1]
            return cs

        if not self._run("In Indikator umwandeln", redo, undo):
            return []
        ids: list[int] = made.get("ids", [])
        if not ids:
            self.ctx.window.statusBar().showMessage("Alle Teile des Textes sind schon Indikatoren.", 5000)
        self.reload(keep=ids[0] if ids else None)
        return ids

    def delete_indicator(self) -> None:
        row = self.current_row()
        if row is None:
            return
        kept: dict[str, Any] = {}

        def redo(s: Session) -> ChangeSet:
            kept["snap"], cs = ind.delete_indicator(s, row.id)
            return cs

        def undo(s: Session) -> ChangeSet:
            return ind.restore_indicator(s, kept["snap"])

        if self._run(f"Indikator „{row.name}“ löschen", redo, undo):
            self.reload()

    def _edited(self, attr: str) -> None:
        if self._loading:
            return
        row = self.current_row()
        if row is None:
            return
        value: Any = self.direction.currentData() if attr == "direction" else self.edits[attr].text()
        try:
            clean = ind.validate_indicator({attr: value})
        except ind.IndicatorError as exc:
            self.problem.setText(str(exc))
            return
        self.problem.clear()
        if getattr(row, attr) == clean[attr]:
            if attr in self.edits:  # show the canonical form (e.g. 1/24 → 01/2024)
                self._loading = True
                v = clean[attr]
                self.edits[attr].setText(ind.format_number(v) if attr in ind.FLOAT_ATTRS else str(v or ""))
                self._loading = False
            return
        old = {attr: getattr(row, attr)}
        new = {attr: clean[attr]}

        def redo(s: Session) -> ChangeSet:
            return ind.update_indicator(s, row.id, new).changes

        def undo(s: Session) -> ChangeSet:
            return ind.update_indicator(s, row.id, old).changes

        if self._run(f"{ind.ATTR_LABELS[attr]} von Indikator „{row.name}“ ändern", redo, undo):
            self.reload(keep=row.id)

    def add_value(self) -> None:
        row = self.current_row()
        if row is None:
            return
        try:
            when = ind.parse_value_date(self.value_date.text())
            number = ind.parse_number(self.value_value.text())
            if number is None:
                raise ind.IndicatorError("Bitte den Ist-Wert eintragen.")
        except ind.IndicatorError as exc:
            self.problem.setText(str(exc))
            return
        source = self.value_source.text()
        edits: dict[str, ind.ValueEdit] = {}

        def redo(s: Session) -> ChangeSet:
            edits["edit"] = edit = ind.set_value(s, row.id, when, number, source=source)
            return edit.changes

        def undo(s: Session) -> ChangeSet:
            return ind.undo_value(s, edits["edit"])

        label = f"{when[1]:02d}/{when[0]}"
        if self._run(f"Ist-Wert {label} für „{row.name}“ eintragen", redo, undo):
            self.value_value.clear()
            self.problem.clear()
            self.reload(keep=row.id)

    def delete_value(self) -> None:
        row = self.current_row()
        items = self.values.selectedItems()
        if row is None or not items:
            return
        value_id = int(items[0].data(Qt.ItemDataRole.UserRole))
        kept: dict[str, Any] = {}

        def redo(s: Session) -> ChangeSet:
            kept["data"], cs = ind.delete_value(s, value_id)
            return cs

        def undo(s: Session) -> ChangeSet:
            return ind.restore_value(s, kept["data"])

        if self._run(f"Ist-Wert von „{row.name}“ löschen", redo, undo):
            self.reload(keep=row.id)


def install(ctx: WindowContext) -> None:
    """Put the indicator panel below the detail editor (a vertical splitter), following the selection."""
    panel = ctx.provide(IndicatorPanel(ctx))
    editor = ctx.editor
    holder = editor.parentWidget()
    layout = holder.layout() if holder is not None else None
    assert layout is not None, "the editor sits in a layout of the window's right side"
    split = QSplitter(Qt.Orientation.Vertical)
    split.setChildrenCollapsible(False)
    layout.replaceWidget(editor, split)
    split.addWidget(editor)
    split.addWidget(panel)
    split.setStretchFactor(0, 3)
    split.setStretchFactor(1, 2)

    def follow(*_args: Any) -> None:
        panel.set_owner(ctx.current_item())
        sizes = split.sizes()
        # A panel that was hidden comes back with no height: give it two fifths of the side.
        if panel.isVisible() and len(sizes) == 2 and sizes[1] < 120 and sum(sizes) > 300:
            total = sum(sizes)
            split.setSizes([total - total * 2 // 5, total * 2 // 5])

    def changed(update: PlanUpdate) -> None:
        # Only what can change the indicators shown: their own records, a reload, a structural step
        # (the owner deleted or restored); a plain edit of the owner's values needs no read.
        if not (update.reset or update.registry & INDICATOR_KINDS or update.delta.structural):
            return
        if panel.isVisible() or ctx.current_item() is not None:
            follow()

    ctx.tree_view.selectionModel().currentChanged.connect(follow)
    ctx.operations.applied.connect(changed)
    ctx.document_opened.connect(follow)

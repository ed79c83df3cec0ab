"""The "Zeitplan" tab: measures as bars from Beginn to Ende, grouped by field and goal.

Bars are coloured by status and carry its symbol; "laufend" bars fade out to the right edge; a blue
line marks today; overdue bars have a red outline and a "!". Zoom by years or quarters. Only the rows
and months in view are painted, item by item, so scrolling stays fluid with 10,000 measures
(``bench/bench_timeline.py``). A click on a measure selects it in the tree.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QLinearGradient,
    QMouseEvent,
    QPainter,
    QPen,
    QStaticText,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from kik_desktop.domain.plan_index import PlanNode
from kik_desktop.domain.queries import StatusInfo
from kik_desktop.domain.timeline import Timeline, TimelineRow, load_timeline, measure_row
from kik_desktop.ui.plan_tree_model import ID_ROLE, KIND_ROLE
from kik_desktop.ui.status_board import SideTabs

if TYPE_CHECKING:
    from kik_desktop.ui.context import WindowContext
    from kik_desktop.ui.operations import PlanUpdate

ZOOMS = {"year": ("Jahre", 7.0), "quarter": ("Quartale", 24.0)}
ROW_H = 22
HEADER_H = 38
OVERDUE = QColor("#c00000")
TODAY = QColor("#1a56c4")
FIELD_BG = QColor("#dfe6ef")
GOAL_BG = QColor("#f1f4f8")
SELECTED = QColor("#cfe0fb")
BAR_EDGE = QColor("#777777")
WHITE = QColor("#ffffff")
# Enum members looked up once: PySide6's enum access costs microseconds per use inside the paint loop.
ALIGN_V = Qt.AlignmentFlag.AlignVCenter
ALIGN_L = Qt.AlignmentFlag.AlignLeft
ALIGN_C = Qt.AlignmentFlag.AlignCenter
ELIDE_RIGHT = Qt.TextElideMode.ElideRight
BLACK_TEXT = QColor(Qt.GlobalColor.black)
WHITE_TEXT = QColor(Qt.GlobalColor.white)
INDENT = {"field": 4, "goal": 14, "measure": 26}


class TimelineView(QAbstractScrollArea):
    """The painted timeline. ``item_clicked(kind, id)`` on a click into a row."""

    item_clicked = Signal(str, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.timeline = Timeline()
        self.colors: dict[str | None, QColor] = {}
        self.symbols: dict[str | None, str] = {}
        self.zoom = "year"
        self.month_w = ZOOMS["year"][1]
        self.label_w = 340
        self.selected: tuple[str, int] | None = None
        self.today = date.today()
        self.painted_rows = 0  # rows painted in the last frame (for tests and the benchmark)
        # Laid-out texts, reused from frame to frame (a row's label is laid out once, not per frame).
        self._labels: dict[tuple[int, int], QStaticText] = {}
        self._symbols: dict[str, QStaticText] = {}
        self._bar_pen = QPen(BAR_EDGE, 1)
        self._overdue_pen = QPen(OVERDUE, 2)
        self._today_pen = QPen(TODAY, 2)
        self.viewport().setMouseTracking(True)
        self.setAccessibleName("Zeitplan der Maßnahmen")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.verticalScrollBar().setSingleStep(ROW_H)
        self.horizontalScrollBar().valueChanged.connect(lambda _v: self.viewport().update())
        self.verticalScrollBar().valueChanged.connect(lambda _v: self.viewport().update())

    # -- data -------------------------------------------------------------------------------------
    def set_timeline(self, timeline: Timeline, statuses: list[StatusInfo], today: date) -> None:
        self.timeline = timeline
        self.today = today
        self.colors = {s.key: QColor("#" + s.color) for s in statuses}
        self.colors[None] = QColor("#ffffff")
        self.symbols = {s.key: s.symbol for s in statuses}
        self._labels.clear()
        self._update_scrollbars()
        self.viewport().update()

    def rows_changed(self, first: int | None = None, *, months: int = 0) -> None:
        """The timeline's rows were patched in place: from row ``first`` on (None: only labels of
        the rows that changed, already dropped), ``months`` added at the left. Scroll position and
        selection stay; only what is in view is painted again."""
        if first is not None:
            self._labels = {k: v for k, v in self._labels.items() if k[0] < first}
        hbar = self.horizontalScrollBar()
        value = hbar.value()
        self._update_scrollbars()
        if months:
            hbar.setValue(value + int(months * self.month_w))
        self.viewport().update()

    def forget_label(self, index: int) -> None:
        for key in [k for k in self._labels if k[0] == index]:
            del self._labels[key]

    def set_zoom(self, zoom: str) -> None:
        if zoom not in ZOOMS:
            return
        # Keep the month at the middle of the chart in the middle.
        chart_w = max(1, self.viewport().width() - self.label_w)
        middle = (self.horizontalScrollBar().value() + chart_w / 2) / self.month_w
        self.zoom = zoom
        self.month_w = ZOOMS[zoom][1]
        self._update_scrollbars()
        self.horizontalScrollBar().setValue(int(middle * self.month_w - chart_w / 2))
        self.viewport().update()

    def months(self) -> int:
        return self.timeline.last - self.timeline.first + 1

    def _update_scrollbars(self) -> None:
        chart_w = max(1, self.viewport().width() - self.label_w)
        content_h = len(self.timeline.rows) * ROW_H
        view_h = max(1, self.viewport().height() - HEADER_H)
        self.verticalScrollBar().setRange(0, max(0, content_h - view_h))
        self.verticalScrollBar().setPageStep(view_h)
        self.horizontalScrollBar().setRange(0, max(0, int(self.months() * self.month_w - chart_w)))
        self.horizontalScrollBar().setPageStep(chart_w)
        self.horizontalScrollBar().setSingleStep(int(self.month_w * 3))

    def scroll_to_today(self) -> None:
        chart_w = max(1, self.viewport().width() - self.label_w)
        x = (self.timeline.today - self.timeline.first) * self.month_w
        self.horizontalScrollBar().setValue(int(x - chart_w / 3))

    def scroll_to_row(self, index: int) -> None:
        view_h = self.viewport().height() - HEADER_H
        y = index * ROW_H
        bar = self.verticalScrollBar()
        if y < bar.value() or y + ROW_H > bar.value() + view_h:
            bar.setValue(max(0, y - view_h // 3))

    def row_at(self, pos: QPoint) -> int | None:
        if pos.y() < HEADER_H:
            return None
        index = (pos.y() - HEADER_H + self.verticalScrollBar().value()) // ROW_H
        return index if 0 <= index < len(self.timeline.rows) else None

    def row_rect(self, index: int) -> QRect:
        """Where row index is drawn in the viewport (for tests and scrolling)."""
        y = HEADER_H + index * ROW_H - self.verticalScrollBar().value()
        return QRect(0, y, self.viewport().width(), ROW_H)

    # -- painting ------------------------------------------------------------------------------------
    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._update_scrollbars()

    def paintEvent(self, _event: Any) -> None:
        p = QPainter(self.viewport())
        self.paint(p, self.viewport().width(), self.viewport().height())

    def paint(self, p: QPainter, width: int, height: int) -> None:
        """Paint the visible part: only the rows and months in view."""
        pal = self.palette()
        p.fillRect(0, 0, width, height, pal.base())
        tl = self.timeline
        rows = tl.rows
        sx = self.horizontalScrollBar().value()
        sy = self.verticalScrollBar().value()
        mw = self.month_w
        chart_x = self.label_w
        first_row = sy // ROW_H
        last_row = min(len(rows), first_row + (height - HEADER_H) // ROW_H + 2)
        first_month = tl.first + int(sx // mw)
        last_month = min(tl.last, tl.first + int((sx + width - chart_x) // mw) + 1)

        def mx(month: float) -> float:
            return chart_x + (month - tl.first) * mw - sx

        # grid: years (and quarters when zoomed in)
        p.setClipRect(chart_x, 0, width - chart_x, height)
        grid = QPen(pal.midlight().color(), 1)
        year_pen = QPen(pal.mid().color(), 1)
        step = 3 if self.zoom == "quarter" else 12
        start = first_month - first_month % step
        for m in range(start, last_month + 1, step):
            p.setPen(year_pen if m % 12 == 0 else grid)
            x = int(mx(m))
            p.drawLine(x, HEADER_H - 14, x, height)
        # rows
        self.painted_rows = 0
        normal = QFont(self.font())
        bold = QFont(normal)
        bold.setBold(True)
        fm, fm_bold = QFontMetrics(normal), QFontMetrics(bold)
        bold_h = fm_bold.height()
        p.setFont(bold)
        for i in range(first_row, last_row):
            row = rows[i]
            y = HEADER_H + i * ROW_H - sy
            self.painted_rows += 1
            if self.selected == (row.kind, row.id):
                p.fillRect(QRectF(chart_x, y, width - chart_x, ROW_H), SELECTED)
            elif row.kind != "measure":
                p.fillRect(
                    QRectF(chart_x, y, width - chart_x, ROW_H), FIELD_BG if row.kind == "field" else GOAL_BG
                )
            if row.start is None:
                continue
            a = row.start
            b = row.end if row.end is not None else tl.last + 1
            if b < first_month - 1 or a > last_month:
                continue
            x0 = mx(a)
            x1 = mx(b + 1)
            rect = QRectF(x0, y + 4, max(3.0, x1 - x0), ROW_H - 8)
            fill = self.colors.get(row.status_key, WHITE)
            if row.open_ended and row.end is None:
                grad = QLinearGradient(rect.left(), 0, rect.right(), 0)
                grad.setColorAt(0.0, fill)
                grad.setColorAt(0.75, fill)
                fade = QColor(fill)
                fade.setAlpha(0)
                grad.setColorAt(1.0, fade)
                p.fillRect(rect, grad)
                p.setPen(self._bar_pen)
                p.drawLine(rect.topLeft(), rect.bottomLeft())
                # Edges along the solid part, so a bar without status (white) still shows.
                solid = rect.left() + rect.width() * 0.75
                p.drawLine(QPointF(rect.left(), rect.top()), QPointF(solid, rect.top()))
                p.drawLine(QPointF(rect.left(), rect.bottom()), QPointF(solid, rect.bottom()))
            else:
                p.fillRect(rect, fill)
                p.setPen(self._overdue_pen if row.overdue else self._bar_pen)
                p.drawRect(rect)
            symbol = self.symbols.get(row.status_key, "") + (" !" if row.overdue else "")
            if symbol and rect.width() > 14:
                static = self._symbols.get(symbol)
                if static is None:
                    static = self._symbols[symbol] = QStaticText(symbol)
                    static.prepare(font=bold)
                p.setPen(BLACK_TEXT if fill.lightness() > 110 else WHITE_TEXT)
                left = max(rect.left() + 3, chart_x + 3)
                p.drawStaticText(QPointF(left, rect.top() + (rect.height() - bold_h) / 2), static)
        p.setFont(normal)
        # today
        if first_month <= tl.today <= last_month:
            tx = mx(tl.today + (self.today.day - 1) / 31)
            p.setPen(self._today_pen)
            p.drawLine(int(tx), HEADER_H - 4, int(tx), height)
        p.setClipping(False)
        # header with years and quarters (frozen at the top)
        p.fillRect(0, 0, width, HEADER_H, pal.window())
        p.setClipRect(chart_x, 0, width - chart_x, HEADER_H)
        p.setPen(pal.windowText().color())
        # "heute" beside the line on a white patch: in the empty second row when zoomed to years, in the
        # year row beside the quarters; a year's number it would cover moves right of it.
        today_label: QRectF | None = None
        if first_month <= tl.today <= last_month:
            tx = mx(tl.today + (self.today.day - 1) / 31)
            top = 19 if self.zoom == "year" else 2
            today_label = QRectF(tx + 3, top, fm.horizontalAdvance("heute") + 6, 15)
        p.setFont(bold)
        for m in range(first_month - first_month % 12, last_month + 1, 12):
            text = str(m // 12)
            year_x = mx(m) + 3
            if (
                today_label is not None
                and today_label.top() == 2
                and year_x < today_label.right()
                and year_x + fm_bold.horizontalAdvance(text) > today_label.left()
            ):
                year_x = today_label.right() + 3
            p.drawText(QRectF(year_x, 2, 12 * mw, 16), ALIGN_L, text)
        p.setFont(self.font())
        if self.zoom == "quarter":
            for m in range(first_month - first_month % 3, last_month + 1, 3):
                p.drawText(QRectF(mx(m), 19, 3 * mw, 16), ALIGN_C, f"Q{m % 12 // 3 + 1}")
        if today_label is not None:
            p.fillRect(today_label, pal.base())
            p.setPen(TODAY)
            p.drawText(today_label, ALIGN_C, "heute")
        p.setClipping(False)
        p.setPen(pal.mid().color())
        p.drawLine(0, HEADER_H - 1, width, HEADER_H - 1)
        # labels (frozen at the left)
        p.fillRect(0, HEADER_H, chart_x, height - HEADER_H, pal.base())
        p.setClipRect(0, HEADER_H, chart_x, height - HEADER_H)
        text_color = pal.text().color()
        for i in range(first_row, last_row):
            row = rows[i]
            y = HEADER_H + i * ROW_H - sy
            indent = INDENT[row.kind]
            if self.selected == (row.kind, row.id):
                p.fillRect(QRectF(0, y, chart_x, ROW_H), SELECTED)
            elif row.kind != "measure":
                p.fillRect(QRectF(0, y, chart_x, ROW_H), FIELD_BG if row.kind == "field" else GOAL_BG)
            is_bold = row.kind != "measure"
            key = (i, chart_x)
            static = self._labels.get(key)
            if static is None:
                metrics = fm_bold if is_bold else fm
                static = QStaticText(metrics.elidedText(row.label, ELIDE_RIGHT, chart_x - indent - 6))
                static.setTextFormat(Qt.TextFormat.PlainText)
                static.prepare(font=bold if is_bold else normal)
                self._labels[key] = static
            p.setFont(bold if is_bold else normal)
            p.setPen(OVERDUE if row.overdue else text_color)
            p.drawStaticText(QPointF(indent, y + (ROW_H - fm.height()) / 2), static)
        p.setClipping(False)
        p.setPen(pal.mid().color())
        p.drawLine(chart_x, 0, chart_x, height)
        p.setFont(bold)
        p.setPen(pal.windowText().color())
        p.drawText(QRectF(6, 0, chart_x - 12, HEADER_H), ALIGN_V, "Maßnahme")

    # -- input ----------------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        index = self.row_at(event.position().toPoint())
        if index is not None and event.button() == Qt.MouseButton.LeftButton:
            row = self.timeline.rows[index]
            self.selected = (row.kind, row.id)
            self.viewport().update()
            self.item_clicked.emit(row.kind, row.id)
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        index = self.row_at(event.position().toPoint())
        if index is None:
            self.viewport().setToolTip("")
        else:
            self.viewport().setToolTip(tooltip(self.timeline.rows[index]))
        super().mouseMoveEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.set_zoom("quarter" if event.angleDelta().y() > 0 else "year")
            return
        if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            bar = self.horizontalScrollBar()
            bar.setValue(bar.value() - event.angleDelta().y())
            return
        super().wheelEvent(event)


def tooltip(row: TimelineRow) -> str:
    if row.kind != "measure":
        return row.label
    when = f"{row.start_text or '?'} bis {row.end_text or '?'}"
    extra = " – überfällig" if row.overdue else ""
    return f"{row.label}\n{when}{extra}"


# Measure attributes the timeline shows: an edit of anything else leaves it as it is.
SHOWN = frozenset({"title", "status_key", "start", "end"})


class TimelineTab(QWidget):
    """Toolbar (zoom, field, today, legend) above the view; loads lazily while shown.

    After an edit the rows that changed are patched from the plan index (``operations.applied``): a
    changed bar, a measure added, removed or moved under a goal; structural changes of fields and goals,
    a reset or changed statuses read the timeline again. ``loads`` counts full reads."""

    def __init__(self, ctx: WindowContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.today: Callable[[], date] = date.today
        self._dirty = True
        self.loads = 0
        self.patches = 0
        self._where: dict[tuple[str, int], int] | None = None  # (kind, id) → row, built on demand
        self.view = TimelineView()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Zoom:"))
        self.zoom_group = QButtonGroup(self)
        self.zoom_buttons: dict[str, QRadioButton] = {}
        for key, (text, _w) in ZOOMS.items():
            button = QRadioButton(text)
            button.setChecked(key == "year")
            button.toggled.connect(lambda on, k=key: self._zoom_toggled(on, k))
            self.zoom_group.addButton(button)
            self.zoom_buttons[key] = button
            bar.addWidget(button)
        self.field = QComboBox()
        self.field.setAccessibleName("Handlungsfeld")
        self.field.activated.connect(lambda _i: self.reload())
        bar.addWidget(self.field)
        today = QPushButton("&Heute")
        today.clicked.connect(lambda: self.view.scroll_to_today())
        bar.addWidget(today)
        bar.addStretch(1)
        self.legend = QLabel()
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        outer.addLayout(bar)
        # The legend on its own line: beside the controls it made the tab wider than the window's right side.
        outer.addWidget(self.legend)
        self.view.item_clicked.connect(self._clicked)
        outer.addWidget(self.view, 1)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.reload)
        ctx.operations.applied.connect(self._applied)
        ctx.document_opened.connect(self._changed)
        ctx.tree_view.selectionModel().currentChanged.connect(lambda *_a: self._follow_tree())

    def set_zoom(self, zoom: str) -> None:
        self.zoom_buttons[zoom].setChecked(True)
        self.view.set_zoom(zoom)

    def _zoom_toggled(self, on: bool, zoom: str) -> None:
        if on:
            self.view.set_zoom(zoom)

    def _changed(self, *_args: Any) -> None:
        self._dirty = True
        if self.isVisible():
            self._timer.start()

    def _applied(self, update: PlanUpdate) -> None:
        if self._dirty or not self.view.timeline.rows:
            self._changed()  # not loaded yet (or already due): read when shown
        elif not self._patch(update):
            self._changed()

    # -- patching ---------------------------------------------------------------------------------------
    def _row_of(self, kind: str, item_id: int) -> int | None:
        if self._where is None:
            self._where = {(r.kind, r.id): i for i, r in enumerate(self.view.timeline.rows)}
        return self._where.get((kind, item_id))

    def _measure_row(self, node: PlanNode) -> TimelineRow:
        return measure_row(
            node.id, node.number(), node.title, node.status_key, node.start, node.end, self.today()
        )

    def _patch(self, update: PlanUpdate) -> bool:
        """Apply an edit to the rows in place; False when the timeline has to be read again."""
        delta = update.delta
        if delta.reset or delta.statuses:
            return False
        goals: dict[int, PlanNode] = {}
        for node in (*delta.inserted, *delta.removed, *delta.moved):
            if node.kind != "measure" or node.parent is None:
                return False
            goals[node.parent.id] = node.parent
        for parent, _row in delta.renumbered:
            if parent.kind != "goal":
                return False
            goals[parent.id] = parent
        singles: list[PlanNode] = []
        for node, attrs in delta.updated.items():
            if node.kind == "field" and attrs - {"adopted_goals", "adopted_measures", "is_example"}:
                return False  # the field's name is also in the field list
            goal_title = node.kind == "goal" and "title" in attrs
            # A measure whose goal's block is laid out again anyway needs no patch of its own.
            bar = node.kind == "measure" and bool(attrs & SHOWN) and node.parent is not None
            if goal_title or (bar and node.parent is not None and node.parent.id not in goals):
                singles.append(node)
        if not goals and not singles:
            return True
        tl = self.view.timeline
        first_changed: int | None = None
        widened = False
        old_first = tl.first
        for node in singles:
            index = self._row_of(node.kind, node.id)
            if index is None:
                continue  # another field is shown
            old = tl.rows[index]
            if node.kind == "goal":
                row = TimelineRow("goal", node.id, old.number, node.title)
            else:
                row = self._measure_row(node)
                widened = tl.widen(row) or widened
            tl.rows[index] = row
            self.view.forget_label(index)
        for goal in goals.values():
            index = self._row_of("goal", goal.id)
            if index is None:
                continue
            end = index + 1
            while end < len(tl.rows) and tl.rows[end].kind == "measure":
                end += 1
            block = [self._measure_row(child) for child in goal.children]
            for row in block:
                widened = tl.widen(row) or widened
            tl.rows[index + 1 : end] = block
            first_changed = index + 1 if first_changed is None else min(first_changed, index + 1)
            self._where = None
        self.patches += 1
        self.view.rows_changed(first_changed, months=old_first - tl.first if widened else 0)
        return True

    # -- loading -----------------------------------------------------------------------------------------
    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self._dirty:
            self.reload()

    def reload(self) -> None:
        doc = self.ctx.document
        self._dirty = False
        self._where = None
        if doc is None:
            self.view.set_timeline(Timeline(), [], self.today())
            return
        from kik_desktop.domain.queries import statuses

        first = not self.view.timeline.rows
        number = self.field.currentData()
        with doc.reading() as s:
            fields = list(s.connection().exec_driver_sql("SELECT name FROM field ORDER BY position, id"))
            tl = load_timeline(s, self.today(), number)
            status_list = statuses(s)
        self.loads += 1
        self.field.blockSignals(True)
        self.field.clear()
        self.field.addItem("Alle Handlungsfelder", None)
        for i, (name,) in enumerate(fields, start=1):
            self.field.addItem(f"{i} {name}", i)
        self.field.setCurrentIndex(max(0, self.field.findData(number)))
        self.field.blockSignals(False)
        self.view.set_timeline(tl, status_list, self.today())
        self.legend.setText(
            " ".join(
                f"<span style='background:#{s.color}'>&nbsp;{s.symbol}&nbsp;</span> {s.short_label}"
                for s in status_list
            )
            + " <span style='color:#c00000'><b>!</b> überfällig</span>"
        )
        if first:
            self.view.scroll_to_today()
        self._follow_tree()

    def current_item(self) -> tuple[str, int] | None:
        index = self.ctx.tree_view.currentIndex()
        if not index.isValid():
            return None
        return str(index.data(KIND_ROLE)), int(index.data(ID_ROLE))

    def _follow_tree(self) -> None:
        item = self.current_item()
        self.view.selected = item
        if item is not None and self.isVisible():
            index = self._row_of(*item)
            if index is not None:
                self.view.scroll_to_row(index)
        self.view.viewport().update()

    def _clicked(self, kind: str, item_id: int) -> None:
        self.ctx.select_item(kind, item_id)


def install(ctx: WindowContext) -> None:
    tab = ctx.provide(TimelineTab(ctx))
    tabs = ctx.part(SideTabs)
    if tabs is None:
        return
    tabs.addTab(tab, "Zeitplan")
    # The splitter stays where the user put it when the tabs change (issue #15: it must not jump, and a
    # widened position must not be remembered); the timeline scrolls and zooms within its width.

"""The status board (Gesamtschau): matrix, chart, progress and action lists beside the plan tree."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QRectF,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QHelpEvent,
    QIcon,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QToolTip,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from kik_desktop.domain import wording
from kik_desktop.domain.board import (
    ANY,
    LIST_TITLES,
    Board,
    BoardEntry,
    ChangeEntry,
    FieldSummary,
)
from kik_desktop.ui.context import WindowContext
from kik_desktop.ui.plan_tree_model import status_icon
from kik_desktop.ui.tree_filters import FilterBar

log = logging.getLogger(__name__)

NO_STATUS_FILL = "FFFFFF"
MISSING_FILL = "F2F2F2"
SHORT_LIST_TITLES = {
    "at_risk": "Gefährdet",
    "overdue": "Überfällig",
    "starting_soon": "Beginnen bald",
    "without_responsible": "Ohne Verantwortliche",
    "goals_without_indicator": "Ziele ohne Indikator",
    "without_success_indicator": "Ohne Erfolgsindikator",
    "changes": "Statusänderungen",
}


def text_color_for(fill: str) -> QColor:
    """Black or white, whichever contrasts more with the fill (WCAG relative luminance)."""
    color = QColor(f"#{fill}")

    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    lum = 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) + 0.0722 * channel(color.blueF())
    return QColor("#000000") if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else QColor("#ffffff")


def _marked(board: Board, key: str | None) -> str:
    """The short status name with its print-safe symbol ("◔ Anfang"): readable without colour."""
    symbol = next((st.symbol for st in board.statuses if st.key == key), "")
    return f"{symbol} {board.short_label(key)}".strip()


def _head_text(key: str | None, text: str) -> str:
    """A matrix column head: the status ones on one line ("✓ umgesetzt"), "ohne Status" and the counts
    of entered measures and goals a word per line."""
    return text.replace(" ", "\n") if key in (None, "measures", "goals") else text


def _of(n: int, adopted: int | None) -> str:
    return str(n) if adopted is None else f"{n} von {adopted}"


def _pct(share: float) -> str:
    return f"{round(share * 100)} %"


def _tint(fill: str, amount: float) -> QColor:
    """The fill mixed with white: amount 0 is white, 1 the fill itself."""
    c = QColor(f"#{fill}")
    return QColor(
        round(255 - (255 - c.red()) * amount),
        round(255 - (255 - c.green()) * amount),
        round(255 - (255 - c.blue()) * amount),
    )


# -- matrix ------------------------------------------------------------------------------------------


class StatusMatrix(QTableWidget):
    """Fields × statuses with counts; each cell in its status colour. A click filters the tree."""

    cell_chosen = Signal(object, object)  # field id or None (all), status key / None / ANY

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.verticalHeader().hide()
        self.setAlternatingRowColors(False)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)
        self.setAccessibleName("Übersicht: Maßnahmen nach Handlungsfeld und Status")
        self.cellClicked.connect(self._clicked)
        self.cellActivated.connect(self._clicked)  # Enter on the current cell, for keyboard users
        self._keys: list[Any] = []
        self._board: Board | None = None
        self._natural: list[int] = []
        self._compact = False
        self._field_ids: list[int | None] = []
        # No style sheet here: a widget with one stops following the window's zoom (font) changes.
        self.setShowGrid(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)

    def show_board(self, board: Board) -> None:
        columns = board.columns
        self._keys = [*columns, ANY]
        fills = {st.key: st.color for st in board.statuses}
        # The last two columns set what was entered against what the council adopted; the first
        # of them also filters to all of the row's measures when clicked (like a row total).
        heads = [_marked(board, k) for k in columns] + ["Maßnahmen erfasst", "Ziele erfasst"]
        self.setColumnCount(len(heads) + 1)
        self.setRowCount(len(board.fields) + 1)
        head = QTableWidgetItem("Handlungsfeld")
        head.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.setHorizontalHeaderItem(0, head)
        for c, (key, text) in enumerate(zip([*columns, "measures", "goals"], heads, strict=True), start=1):
            item = QTableWidgetItem(_head_text(key, text))
            if key in fills or key is None:
                item.setToolTip(board.label(key))
            self.setHorizontalHeaderItem(c, item)
        self._field_ids = [f.field_id for f in board.fields] + [None]
        bold = QFont(self.font())
        bold.setBold(True)
        rows: list[tuple[str, dict[str | None, int], FieldSummary | None]] = [
            (f"{f.number} {f.name}", f.counts, f) for f in board.fields
        ]
        rows.append(("Summe", board.totals, None))
        for r, (name, counts, summary) in enumerate(rows):
            item = QTableWidgetItem(name)
            item.setToolTip(name)
            if summary is None:
                item.setFont(bold)
            self.setItem(r, 0, item)
            for c, key in enumerate(columns, start=1):
                n = counts.get(key, 0)
                fill = fills.get(key or "", NO_STATUS_FILL)
                cell = QTableWidgetItem(str(n) if n else "·")
                cell.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                # Non-zero cells carry the full status colour so the eye finds them; zeros keep a
                # faint tint of their column so the matrix still reads as coloured columns.
                if n:
                    cell.setBackground(QBrush(QColor(f"#{fill}")))
                    cell.setForeground(QBrush(text_color_for(fill)))
                    cell.setFont(bold)
                else:
                    cell.setBackground(QBrush(_tint(fill, 0.18)))
                    cell.setForeground(QBrush(QColor("#8a8a8a")))
                where = "alle Handlungsfelder" if summary is None else name
                cell.setToolTip(f"{board.label(key)}\n{where}: {n} – klicken, um sie im Baum zu zeigen")
                self.setItem(r, c, cell)
            if summary is not None:
                measures = _of(summary.measures, summary.adopted_measures)
                goals = _of(summary.goals, summary.adopted_goals)
                tip = f"{summary.entered_text()}, {summary.goals_text()}"
            else:
                measures = _of(board.total_measures, board.adopted_measures)
                goals = _of(board.total_goals, board.adopted_goals)
                tip = "alle Handlungsfelder"
            for offset, text in ((1, measures), (2, goals)):
                cell = QTableWidgetItem(text)
                cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if offset == 1:
                    cell.setFont(bold)
                cell.setToolTip(
                    tip + ("\nklicken: alle Maßnahmen der Zeile im Baum zeigen" if offset == 1 else "")
                )
                self.setItem(r, len(columns) + offset, cell)
        header = self.horizontalHeader()
        # Names as wide as they need (they are what people read first), the status columns one
        # shared width so no colour looks more important, the last column takes what is left.
        fm = self.fontMetrics()
        bold_fm = QFontMetrics(bold)
        name_width = max(bold_fm.horizontalAdvance(r[0]) for r in rows) + 16
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(0, max(name_width, fm.horizontalAdvance("Handlungsfeld") + 16))
        # As wide as the widest head as the header draws it ("✓ umgesetzt" on one line, with the
        # header's margins: measured by the header itself, not estimated from the words).
        status_width = max(
            [header.sectionSizeFromContents(c).width() + 2 for c in range(1, len(columns) + 1)]
            + [bold_fm.horizontalAdvance("000") + 14]
        )
        last = self.columnCount() - 1
        for c in range(1, last):
            if c <= len(columns):
                header.setSectionResizeMode(c, QHeaderView.ResizeMode.Fixed)
                header.resizeSection(c, status_width)
            else:
                header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        # Fixed, sized by _fit_width to the room that is left: neither ResizeToContents (it can end a
        # few pixels beyond the view) nor Stretch (it keeps a stale width for a moment after the view
        # narrows, long enough to bring a horizontal scroll bar and cut the column).
        header.setSectionResizeMode(last, QHeaderView.ResizeMode.Fixed)
        header.setStretchLastSection(False)
        self.verticalHeader().setDefaultSectionSize(round(self.fontMetrics().height() * 1.65))
        self._board = board
        self._natural = [header.sectionSize(c) for c in range(self.columnCount())]
        self._compact = False
        self._fit_width()
        self._fit_height()

    def _fit_width(self) -> None:
        """Reflow instead of a horizontal scroll bar (a projector at 1366×768 with large type).

        Tried in this order until the matrix fits: as it is; field names on two lines; the status
        symbol instead of the short name in the status columns (the full name stays in the tooltip and
        the legend under the bars), with the names whole, then on two lines; finally without the goals
        column (the bars below and the tooltips still tell it).
        """
        board = self._board
        if board is None or not self._natural:
            return
        available = self.viewport().width()
        if available <= 0:
            return
        header = self.horizontalHeader()
        columns = board.columns
        goals_column = self.columnCount() - 1
        line = self.fontMetrics().height()
        bold = QFont(self.font())
        bold.setBold(True)
        bold_fm = QFontMetrics(bold)
        names = [item.text() for r in range(self.rowCount()) if (item := self.item(r, 0)) is not None]
        longest_word = max((bold_fm.horizontalAdvance(w) for n in names for w in n.split()), default=40) + 16

        def apply(compact: bool, wrap: bool, hide_goals: bool) -> bool:
            self.setColumnHidden(goals_column, hide_goals)
            self._set_compact(board, compact)
            for c, width in enumerate(self._natural[: len(columns) + 1]):
                header.resizeSection(c, width)
            if compact:
                fm = self.fontMetrics()
                for c in range(1, len(columns) + 1):
                    texts = [item.text() for r in range(self.rowCount()) if (item := self.item(r, c))]
                    head = self.horizontalHeaderItem(c)
                    widest = max(
                        [bold_fm.horizontalAdvance(t) for t in texts]
                        + [fm.horizontalAdvance(head.text() if head else ""), fm.horizontalAdvance("00")]
                    )
                    header.resizeSection(c, widest + 14)
            if wrap:
                excess = self._content_width() - available
                header.resizeSection(0, max(longest_word, self._natural[0] - max(excess, 0)))
            self.verticalHeader().setDefaultSectionSize(round(line * (2.6 if wrap else 1.65)))
            return self._content_width() <= available

        for compact, wrap, hide_goals in (
            (False, False, False),
            (False, True, False),
            (True, False, False),
            (True, True, False),
            (True, True, True),
        ):
            if apply(compact, wrap, hide_goals):
                break
        self._fill_last(available)

    def _fill_last(self, available: int) -> None:
        """The goals column (the last) takes the room the others leave, at least what it needs."""
        header = self.horizontalHeader()
        last = self.columnCount() - 1
        if self.isColumnHidden(last):
            return
        need = max(header.sectionSizeFromContents(last).width(), self.sizeHintForColumn(last))
        others = self._content_width() - need - 2
        header.resizeSection(last, max(need, available - others - 2))

    def _content_width(self) -> int:
        """The width the columns need: fixed ones as set, the content-sized ones (counts of entered
        measures, goals) as their head and cells need, even before the header has laid them out."""
        header = self.horizontalHeader()
        last = self.columnCount() - 1
        width = 0
        for c in range(last + 1):
            if self.isColumnHidden(c):
                continue
            if c == last or header.sectionResizeMode(c) == QHeaderView.ResizeMode.ResizeToContents:
                need = max(header.sectionSizeFromContents(c).width(), self.sizeHintForColumn(c))
                width += need if c == last else max(need, header.sectionSize(c))
            else:
                width += header.sectionSize(c)
        return width + 2

    def _set_compact(self, board: Board, compact: bool) -> None:
        if compact == self._compact:
            return
        self._compact = compact
        symbols = {st.key: st.symbol for st in board.statuses}
        for c, key in enumerate(board.columns, start=1):
            item = self.horizontalHeaderItem(c)
            if item is None:
                continue
            symbol = symbols.get(key or "", "") or "–"
            # Back from compact: the same head as show_board wrote, symbol included.
            item.setText(symbol if compact else _head_text(key, _marked(board, key)))
            item.setToolTip(f"{symbol} {board.label(key)}" if compact else board.label(key))

    def _fit_height(self) -> None:
        # All rows visible without a vertical scroll bar: the matrix is the board's headline.
        header = self.horizontalHeader()
        height = header.sizeHint().height() + sum(self.rowHeight(r) for r in range(self.rowCount()))
        if header.length() > self.viewport().width():
            height += self.horizontalScrollBar().sizeHint().height()
        self.setFixedHeight(height + 2 * self.frameWidth() + 2)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._fit_width()
        self._fit_height()

    def _clicked(self, row: int, column: int) -> None:
        if not 1 <= column <= len(self._keys) or row >= len(self._field_ids):
            return
        self.cell_chosen.emit(self._field_ids[row], self._keys[column - 1])

    def click_cell(self, field_id: int | None, key: Any) -> None:
        """The same as a click on the cell (for tests and keyboard users)."""
        self.cell_chosen.emit(field_id, key)

    def cell_for(self, field_id: int | None, key: Any) -> tuple[int, int]:
        return self._field_ids.index(field_id), self._keys.index(key) + 1


# -- chart -------------------------------------------------------------------------------------------


class StatusChart(QWidget):
    """Stacked bars of the status distribution per field against the adopted number of measures.

    Drawn with QPainter on purpose: QtCharts is not part of PySide6-Essentials (it would pull the
    Addons wheel, tens of MB, into the installer) and matplotlib would add matplotlib and numpy
    (about 40 MB) for a dozen rectangles. QPainter is already in QtGui, which the window needs anyway.
    """

    segment_chosen = Signal(object, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.board: Board | None = None
        self._segments: list[tuple[QRectF, int, Any, str]] = []
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Diagramm: Status je Handlungsfeld")

    def show_board(self, board: Board) -> None:
        self.board = board
        self.setFixedHeight(self._height())
        self.update()

    def _geometry(self) -> tuple[bool, int, int, int, int]:
        """(narrow, row height, bar height, label width, note width) for the current width.

        Wide: name, bar and note on one line. Narrow (zoomed for a projector, small window): name
        and note on a line, the bar across the whole width below, so the bar never shrinks to a stub.
        """
        fm = self.fontMetrics()
        board = self.board
        names = [f"{f.number} {f.name}" for f in board.fields] if board else []
        notes = [self._note(f) for f in board.fields] if board else []
        label_w = min(max((fm.horizontalAdvance(n) for n in names), default=0) + 12, int(self.width() * 0.34))
        note_w = max((fm.horizontalAdvance(n) for n in notes), default=0) + 12
        narrow = self.width() - label_w - note_w < self.width() * 0.35
        if narrow:
            bar_h = round(fm.height() * 1.25)
            return True, fm.height() + bar_h + round(fm.height() * 0.6), bar_h, label_w, note_w
        row_h = round(fm.height() * 1.9)
        return False, row_h, round(row_h * 0.68), label_w, note_w

    def _height(self) -> int:
        n = len(self.board.fields) if self.board else 0
        return self._geometry()[1] * n + self.fontMetrics().height() * 3 + 8

    def sizeHint(self) -> QSize:
        return QSize(600, self._height())

    def changeEvent(self, event: Any) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.FontChange and self.board is not None:
            self.setFixedHeight(self._height())

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        if self.board is not None and event.size().width() != event.oldSize().width():
            self.setFixedHeight(self._height())

    def paintEvent(self, event: Any) -> None:
        board = self.board
        if board is None:
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm = self.fontMetrics()
        narrow, row_h, bar_h, label_w, note_w = self._geometry()
        names = [f"{f.number} {f.name}" for f in board.fields]
        notes = [self._note(f) for f in board.fields]
        if narrow:
            x0, x1 = 0, self.width() - 4
        else:
            x0, x1 = label_w, max(label_w + 40, self.width() - note_w - 4)
        scale_max = max([max(f.measures, f.adopted_measures or 0) for f in board.fields] + [1])
        fills = {st.key: st.color for st in board.statuses}
        self._segments = []
        text_color = self.palette().text().color()
        for i, (f, name, note) in enumerate(zip(board.fields, names, notes, strict=True)):
            top = 4 + i * row_h
            p.setPen(text_color)
            y: float
            if narrow:
                y = top + fm.height() + 2
                line = QRectF(0, top, self.width() - 4, fm.height())
                p.drawText(line, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, note)
                room = max(20, self.width() - fm.horizontalAdvance(note) - 16)
                elided = fm.elidedText(name, Qt.TextElideMode.ElideRight, room)
                p.drawText(line, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, elided)
            else:
                y = top + (row_h - bar_h) / 2
                elided = fm.elidedText(name, Qt.TextElideMode.ElideRight, label_w - 10)
                p.drawText(QRectF(0, top, label_w - 8, row_h), Qt.AlignmentFlag.AlignVCenter, elided)
                p.drawText(QRectF(x1 + 8, top, note_w, row_h), Qt.AlignmentFlag.AlignVCenter, note)
            unit = (x1 - x0) / scale_max
            # What the council adopted but nobody has entered yet: an empty, dashed frame.
            adopted_w = (f.adopted_measures or 0) * unit
            if adopted_w > f.measures * unit:
                pen = QPen(QColor("#9a9a9a"))
                pen.setStyle(Qt.PenStyle.DashLine)
                p.setPen(pen)
                p.setBrush(QColor(f"#{MISSING_FILL}"))
                p.drawRect(QRectF(x0, y, adopted_w, bar_h))
            x = float(x0)
            for key in board.columns:
                n = f.counts.get(key, 0)
                if not n:
                    continue
                w = n * unit
                fill = fills.get(key or "", NO_STATUS_FILL)
                rect = QRectF(x, y, w, bar_h)
                p.setPen(QPen(QColor("#ffffff") if key else QColor("#9a9a9a"), 1))
                p.setBrush(QColor(f"#{fill}"))
                p.drawRect(rect)
                label = str(n)
                if fm.horizontalAdvance(label) + 6 <= w:
                    p.setPen(text_color_for(fill))
                    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, label)
                self._segments.append((rect, f.field_id, key, f"{name}\n{board.label(key)}: {n}"))
                x += w
        self._draw_legend(p, board, 4 + len(board.fields) * row_h + 6)
        p.end()

    @staticmethod
    def _note(f: Any) -> str:
        # How far the field is: the shares of its entered measures (what was entered is in the matrix).
        if not f.measures:
            return "noch keine Maßnahmen erfasst"
        return (
            f"{_pct(f.share_done)} umgesetzt · {_pct(f.share_in_progress)} in Umsetzung · "
            f"{_pct(f.share_at_risk)} gefährdet"
        )

    def _draw_legend(self, p: QPainter, board: Board, top: float) -> None:
        fm = self.fontMetrics()
        chip = fm.height() * 0.8
        x = 4.0
        y = top
        items = [
            (_marked(board, k), {s.key: s.color for s in board.statuses}.get(k or "", NO_STATUS_FILL))
            for k in board.columns
        ]
        items.append(("noch nicht erfasst", MISSING_FILL))
        for text, fill in items:
            w = chip + 6 + fm.horizontalAdvance(text) + 16
            if x + w > self.width() and x > 4:
                x, y = 4.0, y + fm.height() * 1.4
            pen = QPen(QColor("#777777"))
            if fill == MISSING_FILL:
                pen.setStyle(Qt.PenStyle.DashLine)
            p.setPen(pen)
            p.setBrush(QColor(f"#{fill}"))
            p.drawRect(QRectF(x, y + (fm.height() - chip) / 2, chip, chip))
            p.setPen(self.palette().text().color())
            p.drawText(QRectF(x + chip + 6, y, w, fm.height()), Qt.AlignmentFlag.AlignVCenter, text)
            x += w
        needed = int(y + fm.height() * 1.4 + 4)
        if needed > self.height():
            self.setFixedHeight(needed)

    def _segment_at(self, pos: QPoint) -> tuple[QRectF, int, Any, str] | None:
        for seg in self._segments:
            if seg[0].contains(pos.toPointF()):
                return seg
        return None

    def event(self, event: Any) -> bool:
        if event.type() == event.Type.ToolTip and isinstance(event, QHelpEvent):
            seg = self._segment_at(event.pos())
            if seg is not None:
                QToolTip.showText(event.globalPos(), seg[3] + "\nklicken, um sie im Baum zu zeigen", self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        on = self._segment_at(event.position().toPoint()) is not None
        self.setCursor(Qt.CursorShape.PointingHandCursor if on else Qt.CursorShape.ArrowCursor)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        seg = self._segment_at(event.position().toPoint())
        if seg is not None and event.button() == Qt.MouseButton.LeftButton:
            self.segment_chosen.emit(seg[1], seg[2])


# -- lists -------------------------------------------------------------------------------------------


class EntryModel(QAbstractTableModel):
    """One action list (or the changes) for a QTreeView; a model so thousands of rows cost nothing."""

    HEADS = ("Nr.", "Titel", "Hinweis")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[tuple[str, int, str, str, str, str | None]] = []

    def set_rows(self, rows: list[tuple[str, int, str, str, str, str | None]]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 3

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADS[section]
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid():
            return None
        _kind, _id, number, title, extra, color = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (number, title or "(ohne Titel)", extra)[col]
        if role == Qt.ItemDataRole.ToolTipRole and col == 1:
            return title
        if role == Qt.ItemDataRole.DecorationRole and col == 2 and color:
            return status_icon(color, 12)
        return None

    def item(self, row: int) -> tuple[str, int]:
        kind, item_id = self.rows[row][:2]
        return kind, item_id


class ActionLists(QWidget):
    """The lists that lead to action: a chooser with counts on the left, the entries on the right."""

    item_chosen = Signal(str, int, bool)  # kind, id, open the editor
    filter_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.chooser = QListWidget()
        self.chooser.setAccessibleName("Listen")
        self.chooser.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        self.chooser.currentRowChanged.connect(self._show_current)
        layout.addWidget(self.chooser)
        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.filter_button = QPushButton("Im Baum zeigen")
        self.filter_button.setToolTip("den Baum auf die Einträge dieser Liste beschränken")
        self.filter_button.clicked.connect(lambda: self.filter_requested.emit(self.current_name()))
        top.addWidget(self.title, 1)
        top.addWidget(self.filter_button)
        right.addLayout(top)
        self.model = EntryModel(self)
        self.view = QTreeView()
        self.view.setModel(self.model)
        self.view.setRootIsDecorated(False)
        self.view.setUniformRowHeights(True)
        self.view.setAlternatingRowColors(True)
        self.view.setAccessibleName("Einträge der Liste")
        self.view.setToolTip("Klicken wählt den Eintrag im Baum, Doppelklick öffnet ihn zum Bearbeiten")
        self.view.header().setStretchLastSection(False)
        self.view.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.view.header().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.view.header().setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.view.clicked.connect(lambda index: self._choose(index, False))
        self.view.activated.connect(lambda index: self._choose(index, True))
        self.view.doubleClicked.connect(lambda index: self._choose(index, True))
        right.addWidget(self.view, 1)
        layout.addLayout(right, 1)
        self._lists: dict[str, list[tuple[str, int, str, str, str, str | None]]] = {}
        self._titles: dict[str, str] = {}
        self._names: list[str] = []

    def current_name(self) -> str:
        row = self.chooser.currentRow()
        return self._names[row] if 0 <= row < len(self._names) else ""

    def entries(self, name: str) -> list[tuple[str, int, str, str, str, str | None]]:
        return self._lists.get(name, [])

    def show_board(self, board: Board) -> None:
        fills = {st.key: st.color for st in board.statuses}
        red = fills.get("gefaehrdet", "FF0000")
        lists: dict[str, list[tuple[str, int, str, str, str, str | None]]] = {}
        color_of = {"at_risk": red, "overdue": red}
        for name, entries in board.lists().items():
            lists[name] = [_entry_row(e, color_of.get(name)) for e in entries]
        first, last = board.soon_range()
        titles = dict(LIST_TITLES)
        titles["starting_soon"] = f"Beginnen bald (von {first} bis {last})"
        if board.since is not None:
            lists["changes"] = [_change_row(c, board, fills) for c in board.changes]
            titles["changes"] = f"Statusänderungen seit {board.since:%d.%m.%Y}"
        current = self.current_name() or "at_risk"
        self._lists, self._titles, self._names = lists, titles, list(lists)
        self.chooser.blockSignals(True)
        self.chooser.clear()
        for name in self._names:
            n = len(lists[name])
            item = QListWidgetItem(f"{SHORT_LIST_TITLES[name]}  ({n})")
            item.setToolTip(titles[name])
            if name in color_of and n:
                item.setIcon(status_icon(red, 12))
            elif name == "changes":
                item.setIcon(QIcon(status_icon("4A7EBB", 12)))
            else:
                item.setIcon(status_icon("FFFFFF" if not n else "C9C9C9", 12))
            if n:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            self.chooser.addItem(item)
        self.chooser.setCurrentRow(self._names.index(current) if current in self._names else 0)
        self.chooser.blockSignals(False)
        # Room for a vertical scroll bar too: with large type the list is taller than its place, and
        # the bar would otherwise cover the counts at the right.
        scroll = self.chooser.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        width = max(self.chooser.sizeHintForColumn(0) + 2 * self.chooser.frameWidth() + 8 + scroll, 120)
        self.chooser.setFixedWidth(width)
        self._show_current()

    def select_list(self, name: str) -> None:
        if name in self._names:
            self.chooser.setCurrentRow(self._names.index(name))

    def _show_current(self, _row: int = -1) -> None:
        name = self.current_name()
        rows = self._lists.get(name, [])
        self.title.setText(f"<b>{self._titles.get(name, '')}</b>: {len(rows)}")
        self.model.HEADS = ("Nr.", "Titel", "Änderung" if name == "changes" else "Hinweis")
        self.model.set_rows(rows)
        self.filter_button.setEnabled(bool(rows) and name != "goals_without_indicator")

    def _choose(self, index: QModelIndex, open_editor: bool) -> None:
        if index.isValid():
            kind, item_id = self.model.item(index.row())
            self.item_chosen.emit(kind, item_id, open_editor)


def _entry_row(e: BoardEntry, color: str | None) -> tuple[str, int, str, str, str, str | None]:
    return (e.kind, e.id, e.number, e.title, e.extra, color)


def _change_row(
    c: ChangeEntry, board: Board, fills: dict[str, str]
) -> tuple[str, int, str, str, str, str | None]:
    text = f"{c.changed_at:%d.%m.%Y}: {board.short_label(c.old_status)} → {board.short_label(c.new_status)}"
    return ("measure", c.measure_id, c.number, c.title, text, fills.get(c.new_status or "", NO_STATUS_FILL))


# -- the board ---------------------------------------------------------------------------------------


class StatusBoardWidget(QWidget):
    """The Gesamtschau. Recomputed after edits (bursts coalesced by a 0-ms timer), not while hidden."""

    open_editor_requested = Signal()
    board_shown = Signal()

    def __init__(self, ctx: WindowContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        # The board's data over the window's plan index: it follows every write before we hear of it.
        self.data = ctx.operations.board
        self.today: Callable[[], date] = date.today
        self.board: Board | None = None
        self.recomputes = 0
        self._sized = False
        self._dirty = True
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.refresh)
        ctx.operations.applied.connect(self._changed)
        ctx.operations.document_changed.connect(self._changed)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 6, 8, 6)
        outer.setSpacing(6)
        head = QHBoxLayout()
        self.heading = QLabel("Gesamtschau der Umsetzung")
        self.stand = QLabel()
        self.stand.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        # Wraps rather than widening the window when the text is zoomed for a projector.
        self.stand.setWordWrap(True)
        head.addWidget(self.heading)
        head.addStretch(1)
        since_label = QLabel("Änderungen &seit")
        self.since_edit = QDateEdit()
        self.since_edit.setCalendarPopup(True)
        self.since_edit.setDisplayFormat("dd.MM.yyyy")
        self.since_edit.setAccessibleName("Statusänderungen seit")
        self.since_edit.setToolTip("z. B. der Tag der letzten Fachrunde")
        since_label.setBuddy(self.since_edit)
        self.since_edit.setDate(self._stored_since())
        self.since_edit.dateChanged.connect(self._since_changed)
        head.addWidget(since_label)
        head.addWidget(self.since_edit)
        outer.addLayout(head)
        outer.addWidget(self.stand)
        self._update_heading_font()

        self.matrix = StatusMatrix()
        self.matrix.cell_chosen.connect(self.filter_tree)
        self.chart = StatusChart()
        self.chart.segment_chosen.connect(self.filter_tree)
        upper = QWidget()
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.setSpacing(8)
        upper_layout.addWidget(self.matrix)
        upper_layout.addWidget(self.chart)
        upper_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(upper)
        self.lists = ActionLists()
        self.lists.item_chosen.connect(self._item_chosen)
        self.lists.filter_requested.connect(self._filter_list)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(scroll)
        self.splitter.addWidget(self.lists)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        outer.addWidget(self.splitter, 1)
        self.empty = QLabel("Kein Dokument geöffnet.")
        self.empty.hide()
        outer.addWidget(self.empty)

    # -- settings ------------------------------------------------------------------------------
    def _stored_since(self) -> QDate:
        value = self.ctx.settings.value("board/since", "")
        stored = QDate.fromString(str(value or ""), "yyyy-MM-dd")
        if stored.isValid():
            return stored
        # Without a remembered plenary round: the last three months.
        d = date.today() - timedelta(days=91)
        return QDate(d.year, d.month, d.day)

    def _since_changed(self, value: QDate) -> None:
        self.ctx.settings.setValue("board/since", value.toString("yyyy-MM-dd"))
        self._dirty = True
        self.schedule()

    def since(self) -> date:
        d = self.since_edit.date()
        return date(d.year(), d.month(), d.day())

    # -- recomputing ---------------------------------------------------------------------------
    def _changed(self, *_args: Any) -> None:
        self._dirty = True
        self.schedule()

    def schedule(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self._dirty:
            self.schedule()

    def changeEvent(self, event: Any) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.FontChange:
            self._update_heading_font()
            # The children get the new font after this event: lay them out again once they have it.
            QTimer.singleShot(0, self._relayout)

    def _relayout(self) -> None:
        if self.board is not None:
            self._sized = False
            self.show_board(self.board)

    def _update_heading_font(self) -> None:
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.heading.setFont(font)

    def refresh(self) -> None:
        """Recompute and show the board now (skipped, and remembered, while the board is hidden)."""
        if not self.isVisible():
            self._dirty = True
            return
        self._dirty = False
        doc = self.ctx.document
        data = self.data
        if doc is None:
            self.board = None
            self.splitter.hide()
            self.empty.show()
            return
        with doc.reading() as s:
            board = data.compute(s, self.today(), self.since())
        self.recomputes += 1
        self.show_board(board)

    def show_board(self, board: Board) -> None:
        self.board = board
        self.empty.hide()
        self.splitter.show()
        done = board.totals.get("umgesetzt", 0)
        share = f", {round(done / board.total_measures * 100)} % umgesetzt" if board.total_measures else ""
        self.stand.setText(
            f"Stand {board.today:%d.%m.%Y} · {board.total_measures} von {board.adopted_measures} "
            f"Maßnahmen erfasst{share}"
        )
        self.matrix.show_board(board)
        self.chart.show_board(board)
        self.lists.show_board(board)
        if not self._sized and self.splitter.height() > 0:
            # First time: the upper part as tall as its content, but leave the lists room.
            self._sized = True
            total = sum(self.splitter.sizes())
            upper = self.matrix.height() + self.chart.height() + 16
            upper = min(upper, int(total * 0.68))
            self.splitter.setSizes([upper, total - upper])
        self.board_shown.emit()

    def preferred_width(self) -> int:
        """Width at which the matrix needs no horizontal scroll bar."""
        length = self.matrix.horizontalHeader().length() if self.board is not None else 0
        if not length:
            return 0  # not computed yet: board_shown comes when it is
        scroll = self.style().pixelMetric(self.style().PixelMetric.PM_ScrollBarExtent)
        return length + 2 * self.matrix.frameWidth() + scroll + 24

    # -- actions -------------------------------------------------------------------------------
    def filter_tree(self, field_id: int | None, key: Any) -> None:
        """Restrict the tree to one matrix cell's measures (field None: all fields; key ANY: any)."""
        board = self.board
        if board is None:
            return
        self.ctx.search.clear()  # "show me these": a search typed earlier would hide them
        filters = self.ctx.part(FilterBar)
        if filters is not None:
            filters.set_filters(field_id=field_id, status_key=key)
            return
        ids = self.data.ids_matching(field_id=field_id, status_key=key)
        self.ctx.set_id_filter(ids, describe_cell(board, field_id, key, len(ids)))

    def _item_chosen(self, kind: str, item_id: int, open_editor: bool) -> None:
        self.ctx.select_item(kind, item_id)
        if open_editor:
            self.open_editor_requested.emit()

    def _filter_list(self, name: str) -> None:
        rows = self.lists.entries(name)
        ids = {r[1] for r in rows if r[0] == "measure"}
        if ids:
            self.ctx.search.clear()
            title = SHORT_LIST_TITLES.get(name, name)
            self.ctx.set_id_filter(ids, f"{title} ({wording.measures(len(ids))})")


def describe_cell(board: Board, field_id: int | None, key: Any, n: int) -> str:
    parts = []
    if field_id is not None:
        f = next((f for f in board.fields if f.field_id == field_id), None)
        parts.append(f"Handlungsfeld {f.number} {f.name}" if f else "Handlungsfeld")
    if key is not ANY:
        parts.append(f"Status „{board.short_label(key)}“")
    return f"{' · '.join(parts) or 'alle Maßnahmen'} – {n} {'Maßnahme' if n == 1 else 'Maßnahmen'}"


# -- installation ------------------------------------------------------------------------------------


class SideTabs(QTabWidget):
    """Bearbeiten | Gesamtschau: the editor and the board share the right side of the window."""


def install(ctx: WindowContext) -> None:
    """Put the board in a tab beside the editor and a View-menu toggle (F9)."""
    window = ctx.window
    board = ctx.provide(StatusBoardWidget(ctx))
    splitter = ctx.splitter
    editor_side = splitter.widget(1)
    assert editor_side is not None, "the window's splitter has the editor on its right"
    tabs = ctx.provide(SideTabs())
    tabs.setDocumentMode(True)
    tabs.setAccessibleName("Bearbeiten oder Gesamtschau")
    splitter.replaceWidget(1, tabs)
    tabs.addTab(editor_side, "Bearbeiten")
    tabs.addTab(board, "Gesamtschau")

    action = QAction("&Gesamtschau", window)
    action.setCheckable(True)
    action.setShortcut(QKeySequence("F9"))  # free in the window; Ctrl+Shift+G is "Neues Ziel"
    action.setStatusTip("Zahlen nach Handlungsfeld und Status, Listen, Statusänderungen")

    def toggled(on: bool) -> None:
        # Unchecked because another tab (Konzept, Zeitplan) was chosen: stay there.
        if on:
            tabs.setCurrentWidget(board)
        elif tabs.currentWidget() is board:
            tabs.setCurrentWidget(editor_side)

    action.toggled.connect(toggled)
    tabs.currentChanged.connect(lambda _i: action.setChecked(tabs.currentWidget() is board))
    ctx.menus["view"].addAction(action)
    ctx.actions["status_board"] = action
    board.open_editor_requested.connect(lambda: tabs.setCurrentWidget(editor_side))
    # The splitter stays where the user put it when the tabs change (it used to jump to widen the
    # board, and the narrow position was remembered at exit): the matrix reflows to the width instead.
    # A click into the tree means "show me this item": bring the editor forward.
    ctx.tree_view.clicked.connect(lambda _index: tabs.setCurrentWidget(editor_side))

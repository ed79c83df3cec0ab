"""The plan tree for Qt views: a QAbstractItemModel over plain nodes, updated row by row."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QTreeView
from sqlalchemy.orm import Session

from kik_desktop.domain import plan
from kik_desktop.domain.plan_index import IndexDelta, PlanIndex, PlanNode

__all__ = ["PlanNode", "PlanTreeFilter", "PlanTreeModel", "status_icon"]

MIME_TYPE = "application/x-kik-plan-item"
KIND_ROLE = Qt.ItemDataRole.UserRole + 1
ID_ROLE = Qt.ItemDataRole.UserRole + 2
NUMBER_ROLE = Qt.ItemDataRole.UserRole + 3
STATUS_ROLE = Qt.ItemDataRole.UserRole + 4
NODE_ROLE = Qt.ItemDataRole.UserRole + 5

ModelIndex = QModelIndex | QPersistentModelIndex
# Computed once: flags() is called for every row the view touches.
ROOT_FLAGS = Qt.ItemFlag.ItemIsDropEnabled
ITEM_FLAGS = (
    Qt.ItemFlag.ItemIsDropEnabled
    | Qt.ItemFlag.ItemIsEnabled
    | Qt.ItemFlag.ItemIsSelectable
    | Qt.ItemFlag.ItemIsDragEnabled
)


def status_icon(color: str, size: int = 12, symbol: str = "") -> QIcon:
    """A colour chip; with `symbol` (✓ ◔ ◑ ◕ ✗ ○) drawn on it, so that the status reads without colour."""
    if symbol:
        size = max(size, 16)
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QColor("#555555"))
    fill = QColor(f"#{color}") if color else QColor(0, 0, 0, 0)
    painter.setBrush(fill)
    painter.drawRoundedRect(1, 1, size - 2, size - 2, 3, 3)
    if symbol:
        dark = color and fill.lightnessF() < 0.45
        painter.setPen(QColor("#FFFFFF") if dark else QColor("#000000"))
        font = painter.font()
        font.setPixelSize(size - 4)
        font.setBold(True)
        painter.setFont(font)
        painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, symbol)
    painter.end()
    return QIcon(pixmap)


class PlanTreeModel(QAbstractItemModel):
    """Fields → goals → measures, one column: "2.3.1  Titel" with a status chip.

    A thin adapter over the plan index (``domain.plan_index``): the index announces each structural
    step before and after it happens, which this model turns into beginInsertRows/endInsertRows,
    beginRemoveRows/…, beginMoveRows/… and beginResetModel/…; after an apply, dataChanged for the
    updated rows and the ranges whose numbers shifted. The model keeps no copy of the plan.
    """

    # (kind, id, new parent id or None, index): a drop asks for a move; the window carries it out.
    move_requested = Signal(str, int, object, int)

    def __init__(self, parent: QObject | None = None, index: PlanIndex | None = None) -> None:
        super().__init__(parent)
        self.plan_index = index if index is not None else PlanIndex()
        self.plan_index.listeners.append(self)
        self._status_icons: dict[str | None, QIcon] = {None: status_icon("")}
        self._status_labels: dict[str, str] = {}
        self._bold = QFont()
        self._bold.setBold(True)
        self._italic = QFont()
        self._italic.setItalic(True)
        self._example_brush = QBrush(QColor("#5a5a5a"))
        # The numbers as the views last heard them. A row that shifts keeps its old number until the
        # model says dataChanged for it, so the rows around an insert/remove/move keep their data
        # while Qt moves them (what Qt's model tester checks), and data() does not walk up the tree.
        self._numbers: dict[PlanNode, str] = {}

    @property
    def root(self) -> PlanNode:
        return self.plan_index.root

    # -- loading -------------------------------------------------------------------------------
    def load(self, session: Session) -> None:
        """Read the whole plan into the index (a new document); edits arrive through the index."""
        self.plan_index.load(session)

    def clear(self) -> None:
        self.plan_index.clear()

    def _load_statuses(self) -> None:
        self._status_icons = {None: status_icon("")}
        self._status_labels = {}
        for st in self.plan_index.statuses:
            self._status_icons[st.key] = status_icon(st.color, symbol=st.symbol)
            self._status_labels[st.key] = st.label

    # -- the index's steps (IndexListener) -----------------------------------------------------
    def before_reset(self) -> None:
        self.beginResetModel()
        self._numbers.clear()

    def after_reset(self) -> None:
        self._load_statuses()
        self.endResetModel()

    def before_insert(self, parent: PlanNode, row: int) -> None:
        self.beginInsertRows(self.index_of_node(parent), row, row)

    def after_insert(self, parent: PlanNode, row: int) -> None:
        self.endInsertRows()

    def before_remove(self, parent: PlanNode, row: int) -> None:
        self.beginRemoveRows(self.index_of_node(parent), row, row)

    def after_remove(self, parent: PlanNode, row: int) -> None:
        self.endRemoveRows()

    def before_move(self, old_parent: PlanNode, old_row: int, new_parent: PlanNode, new_row: int) -> None:
        # Qt wants the destination row as it is before the move.
        dest = new_row + 1 if old_parent is new_parent and new_row > old_row else new_row
        moving = self.beginMoveRows(
            self.index_of_node(old_parent), old_row, old_row, self.index_of_node(new_parent), dest
        )
        assert moving, "the index never asks for a move onto the item's own place"

    def after_move(self, old_parent: PlanNode, old_row: int, new_parent: PlanNode, new_row: int) -> None:
        self.endMoveRows()

    def after_apply(self, delta: IndexDelta) -> None:
        if delta.reset:
            return
        for gone in delta.removed:
            self._numbers.pop(gone, None)
            for child in gone.walk():
                self._numbers.pop(child, None)
        if delta.statuses:
            self._load_statuses()
            self._numbers_changed(self.root, 0)
            return
        for node in delta.updated:
            if node.parent is not None and self.plan_index.node(node.kind, node.id) is node:
                index = self.index_of_node(node)
                self.dataChanged.emit(index, index)
        for parent, start in delta.renumbered:
            if parent is self.root or self.plan_index.node(parent.kind, parent.id) is parent:
                self._numbers_changed(parent, start)

    # -- looking up ----------------------------------------------------------------------------
    def node(self, kind: str, item_id: int) -> PlanNode | None:
        return self.plan_index.node(kind, item_id)

    def index_of_node(self, node: PlanNode, column: int = 0) -> QModelIndex:
        if node is self.root:
            return QModelIndex()
        return self.createIndex(node.row, column, node)

    def index_for(self, kind: str, item_id: int) -> QModelIndex:
        node = self.node(kind, item_id)
        return QModelIndex() if node is None else self.index_of_node(node)

    def _numbers_changed(self, parent: PlanNode, start: int) -> None:
        """Numbers below shifted rows changed; tell the views range by range."""
        if start >= len(parent.children):
            return
        for child in parent.children[start:]:
            self._numbers.pop(child, None)
        first = self.index_of_node(parent.children[start])
        last = self.index_of_node(parent.children[-1])
        self.dataChanged.emit(first, last, [Qt.ItemDataRole.DisplayRole, NUMBER_ROLE])
        for child in parent.children[start:]:
            if child.children:
                self._numbers_changed(child, 0)

    def number(self, node: PlanNode) -> str:
        """The number shown for a row (see ``_numbers``)."""
        number = self._numbers.get(node)
        if number is None:
            number = self._numbers[node] = node.number()
        return number

    # -- Qt model interface ----------------------------------------------------------------------
    def _node(self, index: ModelIndex) -> PlanNode:
        if index.isValid():
            node: PlanNode = index.internalPointer()
            return node
        return self.root

    def index(self, row: int, column: int, parent: ModelIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        if column != 0 or row < 0:
            return QModelIndex()
        node = self._node(parent)
        if row >= len(node.children):
            return QModelIndex()
        return self.createIndex(row, column, node.children[row])

    def parent(self, index: ModelIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        node = self._node(index).parent
        if node is None or node is self.root:
            return QModelIndex()
        return self.createIndex(node.row, 0, node)

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        if parent.column() > 0:
            return 0
        return len(self._node(parent).children)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 1

    def hasChildren(self, parent: ModelIndex = QModelIndex()) -> bool:  # noqa: B008
        return bool(self._node(parent).children) if parent.column() <= 0 else False

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        node = self._node(index)
        if role == Qt.ItemDataRole.DisplayRole:
            title = node.title or "(ohne Titel)"
            return f"{self.number(node)}  {title}"
        if role == Qt.ItemDataRole.DecorationRole:
            if node.kind == "measure":
                return self._status_icons.get(node.status_key, self._status_icons.get(None))
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            parts = [f"{self.number(node)} {node.title}"]
            if node.kind == "measure":
                parts.append("Status: " + self._status_labels.get(node.status_key or "", "kein Status"))
            if node.is_example:
                parts.append("Beispiel aus der Stadtratsvorlage, keine Daten der Stadt")
            return "\n".join(parts)
        if role == Qt.ItemDataRole.FontRole:
            if node.kind == "field":
                return self._bold
            return self._italic if node.is_example else None
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._example_brush if node.is_example else None
        if role == Qt.ItemDataRole.AccessibleTextRole:
            status = self._status_labels.get(node.status_key or "", "") if node.kind == "measure" else ""
            return f"{self.number(node)} {node.title} {status}".strip()
        if role == KIND_ROLE:
            return node.kind
        if role == ID_ROLE:
            return node.id
        if role == NUMBER_ROLE:
            return self.number(node)
        if role == STATUS_ROLE:
            return node.status_key
        if role == NODE_ROLE:
            return node
        return None

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and section == 0:
            return "Handlungsfelder, Ziele und Maßnahmen"
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        return ITEM_FLAGS if index.isValid() else ROOT_FLAGS

    # -- drag and drop -------------------------------------------------------------------------
    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [MIME_TYPE]

    def mimeData(self, indexes: Any) -> QMimeData:
        mime = QMimeData()
        valid = [i for i in indexes if i.isValid()]
        if valid:
            node = self._node(valid[0])
            mime.setData(MIME_TYPE, QByteArray(f"{node.kind}:{node.id}".encode()))
        return mime

    @staticmethod
    def decode_mime(mime: QMimeData) -> tuple[str, int] | None:
        if not mime.hasFormat(MIME_TYPE):
            return None
        kind, _, item = bytes(mime.data(MIME_TYPE).data()).decode().partition(":")
        return (kind, int(item)) if kind in plan.KINDS and item.isdigit() else None

    def drop_target(self, kind: str, row: int, parent: ModelIndex) -> tuple[int | None, int] | None:
        """Where a dragged item of this kind lands: (new parent id, index), or None if it cannot."""
        target = self._node(parent)
        wanted_parent = plan.PARENT_KIND[kind]
        if target.kind == (wanted_parent or "root"):
            index = len(target.children) if row < 0 else row
            return (None if target is self.root else target.id), index
        # Dropped onto a sibling: place it just after that sibling.
        if target.kind == kind and target.parent is not None:
            parent_node = target.parent
            return (None if parent_node is self.root else parent_node.id), target.row + 1
        return None

    def canDropMimeData(
        self,
        data: QMimeData,
        action: Qt.DropAction,
        row: int,
        column: int,
        parent: ModelIndex,
    ) -> bool:
        decoded = self.decode_mime(data)
        return decoded is not None and self.drop_target(decoded[0], row, parent) is not None

    def dropMimeData(
        self,
        data: QMimeData,
        action: Qt.DropAction,
        row: int,
        column: int,
        parent: ModelIndex,
    ) -> bool:
        decoded = self.decode_mime(data)
        if decoded is None:
            return False
        target = self.drop_target(decoded[0], row, parent)
        if target is None:
            return False
        kind, item_id = decoded
        node = self.node(kind, item_id)
        if node is None:
            return False
        new_parent, index = target
        if (
            node.parent is not None
            and (None if node.parent is self.root else node.parent.id) == new_parent
            and index > node.row
        ):
            index -= 1  # the row counted the item itself, which leaves its old place
        self.move_requested.emit(kind, item_id, new_parent, index)
        # The move is done through the window's operations; returning False keeps Qt from removing rows.
        return False


class PlanTreeFilter(QObject):
    """Search and filters over the tree, shown by hiding rows in the view.

    A QSortFilterProxyModel was measured first: on every keystroke it called the Python model's
    parent() about 70 times per row (2 s per keystroke at 1,000 measures). Hiding the rows that
    change visibility costs one call each, and the view keeps selection and expanded branches.
    Parents of matches stay visible; an item is shown when it matches or something below it does.
    """

    changed = Signal()

    def __init__(self, model: PlanTreeModel, view: QTreeView) -> None:
        super().__init__(view)
        self.model = model
        self.view = view
        self._terms: list[str] = []
        self._ids: set[int] | None = None
        self.id_filter_label = ""
        self._hidden: set[PlanNode] = set()
        self.visible_measures = 0
        self.search_hits = 0
        model.modelReset.connect(self._structure_changed)
        model.rowsInserted.connect(self._structure_changed)
        model.rowsMoved.connect(self._structure_changed)
        model.rowsRemoved.connect(self._rows_removed)
        model.dataChanged.connect(self._data_changed)

    @property
    def active(self) -> bool:
        return bool(self._terms) or self._ids is not None

    def set_search(self, text: str) -> None:
        terms = text.lower().split()
        if terms != self._terms:
            self._terms = terms
            self.apply()

    def set_id_filter(self, ids: set[int] | None, label: str = "") -> None:
        """Show only these measures (and their parents); None shows all again."""
        self._ids = None if ids is None else set(ids)
        self.id_filter_label = label if ids is not None else ""
        self.apply()

    def is_hidden(self, node: PlanNode) -> bool:
        return node in self._hidden

    def _hidden_nodes(self) -> tuple[set[PlanNode], int, int]:
        """What the filters hide, how many measures stay, and how many shown entries match the search
        themselves (the hit count: not only as parents of a match); flat loops, as this runs per keystroke
        (walking the tree a second time for the hit count doubled a keystroke at 10,000 measures)."""
        terms, ids = self._terms, self._ids
        hidden: set[PlanNode] = set()
        shown_measures = hits = 0
        hide = hidden.add
        # One word is what is typed most: a plain "in" per measure instead of all() over a generator.
        single = terms[0] if len(terms) == 1 else None
        for field in self.model.root.children:
            field_shown = False
            for goal in field.children:
                goal_shown = False
                for m in goal.children:
                    if (ids is None or m.id in ids) and (
                        single in m.search_text
                        if single is not None
                        else all(t in m.search_text for t in terms)
                    ):
                        goal_shown = True
                        shown_measures += 1
                    else:
                        hide(m)
                goal_matches = bool(terms) and all(t in goal.search_text for t in terms)
                if goal_shown or (ids is None and goal_matches):
                    field_shown = True
                    hits += goal_matches
                else:
                    hide(goal)
            field_matches = bool(terms) and all(t in field.search_text for t in terms)
            if field_shown or (ids is None and field_matches):
                hits += field_matches
            else:
                hide(field)
        if terms:
            hits += shown_measures  # every measure still shown passed the search terms
        return hidden, shown_measures, hits

    def apply(self) -> None:
        if self.active:
            hidden, self.visible_measures, self.search_hits = self._hidden_nodes()
        else:
            hidden = set()
            self.search_hits = 0
            self.visible_measures = sum(len(g.children) for f in self.model.root.children for g in f.children)
        # Only rows whose state changes are touched: a keystroke costs what it changes.
        for node in self._hidden ^ hidden:
            if node.parent is None:
                continue
            self.view.setRowHidden(node.row, self.model.index_of_node(node.parent), node in hidden)
        self._hidden = hidden
        self.changed.emit()

    def _structure_changed(self, *args: object) -> None:
        # The view moves hidden rows along with their items; items that came new need a decision.
        self._hidden = {n for n in self._hidden if self.model.node(n.kind, n.id) is n}
        if self.active:
            self.apply()

    def _rows_removed(self, *args: object) -> None:
        self._hidden = {n for n in self._hidden if self.model.node(n.kind, n.id) is n}

    def _data_changed(self, *args: object) -> None:
        if self.active:
            self.apply()

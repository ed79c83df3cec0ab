"""The plan in memory, once: tree order, numbers, search text and the board's columns; no Qt.

``PlanIndex.load`` reads the plan with one select per table. After a write, ``apply(changes, reading)``
brings the index up to date from the write's change records (``domain.changes``) and returns an
``IndexDelta`` saying what moved, came, went or changed. A status edit needs no database read at all
(the record carries the new value); a text edit reads its one row again (for the search text); a
created or restored item reads its subtree. What cannot be narrowed down (a reset, very many records)
reloads everything.

Views follow in two ways: structural steps are announced to ``listeners`` before and after they
happen (the Qt tree model turns them into beginInsertRows/endInsertRows …, which must bracket the
change), and everything else reads the returned delta (the board, the filters, the editor).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

from sqlalchemy.engine import Connection, CursorResult
from sqlalchemy.orm import Session

from kik_desktop.domain.changes import Action, Change, ChangeSet
from kik_desktop.domain.plan import KINDS, PARENT_KIND, STATUS_CHANGE, number_text
from kik_desktop.domain.queries import MEASURE_TEXT_COLUMNS, StatusInfo, statuses

Reading = Callable[[], AbstractContextManager[Session]]

PLAN_KINDS: Final = frozenset(KINDS)
# More plan records than this in one change set (an import) are cheaper to follow with one reload.
MAX_RECORDS: Final = 400
# Attributes whose change leaves the search text as it is: patched without reading the row.
NON_TEXT_ATTRS: Final = frozenset(
    {"status_key", "priority", "is_example", "tasks", "adopted_goals", "adopted_measures"}
)

_COLS = ", ".join(f'"{c}"' for c in MEASURE_TEXT_COLUMNS)
FIELD_SQL: Final = (
    "SELECT id, name, description, working_group, actors, adopted_goals, adopted_measures FROM field"
)
GOAL_SQL: Final = "SELECT id, field_id, title, is_example, description, indicator FROM goal"
MEASURE_SQL: Final = f"SELECT id, goal_id, status_key, is_example, priority, {_COLS} FROM measure"
ORDER: Final = " ORDER BY position, id"
# Goals and measures with a structured indicator (domain/indicators.py): they have an indicator even
# without the free text.
STRUCTURED_SQL: Final = (
    "SELECT 'goal', goal_id FROM indicator WHERE goal_id IS NOT NULL"
    " UNION SELECT 'measure', measure_id FROM indicator WHERE measure_id IS NOT NULL"
)
# Without the long texts (for the board alone, e.g. ``kik-desktop status``): no search text.
LEAN_FIELD_SQL: Final = "SELECT id, name, '', '', '', adopted_goals, adopted_measures FROM field"
LEAN_GOAL_SQL: Final = "SELECT id, field_id, title, is_example, '', indicator FROM goal"
LEAN_MEASURE_SQL: Final = (
    'SELECT id, goal_id, status_key, is_example, priority, title, responsible, start, "end",'
    " length(trim(coalesce(success_indicator, ''))) > 0 FROM measure"
)


class PlanNode:
    """One field, goal or measure (or the invisible root) with what the views show of it.

    Fields use ``adopted_goals``/``adopted_measures``; goals ``has_indicator`` (their indicator);
    measures ``status_key``, ``responsible``, ``start``, ``end``, ``has_indicator`` (their success
    indicator) and ``priority``. ``row`` is the place under the parent (0-based).
    """

    __slots__ = (
        "adopted_goals",
        "adopted_measures",
        "children",
        "end",
        "has_indicator",
        "id",
        "is_example",
        "kind",
        "parent",
        "priority",
        "responsible",
        "row",
        "search_text",
        "start",
        "status_key",
        "title",
    )

    def __init__(self, kind: str, item_id: int, parent: PlanNode | None) -> None:
        self.kind = kind
        self.id = item_id
        self.parent = parent
        self.children: list[PlanNode] = []
        self.row = 0
        self.title = ""
        self.search_text = ""
        self.is_example = False
        self.status_key: str | None = None
        self.responsible = ""
        self.start = ""
        self.end = ""
        self.has_indicator = False
        self.priority: int | None = None
        self.adopted_goals: int | None = None
        self.adopted_measures: int | None = None

    def places(self) -> list[int]:
        """1-based places from the field down to this item."""
        out: list[int] = []
        node: PlanNode | None = self
        while node is not None and node.kind != "root":
            out.append(node.row + 1)
            node = node.parent
        out.reverse()
        return out

    def number(self) -> str:
        """ "2.3.1" (through plan.number_text, the one numbering rule)."""
        return number_text(self.places())

    def walk(self) -> Iterator[PlanNode]:
        """Everything below, depth first in tree order."""
        for child in self.children:
            yield child
            yield from child.walk()

    def __repr__(self) -> str:
        return f"PlanNode({self.kind} {self.id} {self.title!r})"


# -- building nodes from rows (the same for load and for one subtree) ---------------------------------


def _field(row: Any, parent: PlanNode) -> PlanNode:
    node = PlanNode("field", row[0], parent)
    node.title = row[1] or ""
    node.search_text = f"{row[1]} {row[2]} {row[3]} {row[4]}".lower()
    node.adopted_goals, node.adopted_measures = row[5], row[6]
    return node


def _goal(row: Any, parent: PlanNode) -> PlanNode:
    node = PlanNode("goal", row[0], parent)
    node.title = row[2] or ""
    node.is_example = bool(row[3])
    node.search_text = f"{row[2]} {row[4]} {row[5]}".lower()
    node.has_indicator = bool((row[5] or "").strip())
    return node


# Offsets of the text columns in MEASURE_SQL's rows.
_TEXT0: Final = 5
_RESPONSIBLE: Final = _TEXT0 + MEASURE_TEXT_COLUMNS.index("responsible")
_START: Final = _TEXT0 + MEASURE_TEXT_COLUMNS.index("start")
_END: Final = _TEXT0 + MEASURE_TEXT_COLUMNS.index("end")
_SUCCESS: Final = _TEXT0 + MEASURE_TEXT_COLUMNS.index("success_indicator")


def _assign_measure(node: PlanNode, row: Any) -> None:
    node.status_key = row[2]
    node.is_example = bool(row[3])
    node.priority = row[4]
    node.title = row[_TEXT0] or ""
    node.search_text = " ".join(t or "" for t in row[_TEXT0:]).lower()
    node.responsible = row[_RESPONSIBLE] or ""
    node.start = row[_START] or ""
    node.end = row[_END] or ""
    node.has_indicator = bool((row[_SUCCESS] or "").strip())


def _measure(row: Any, parent: PlanNode) -> PlanNode:
    node = PlanNode("measure", row[0], parent)
    _assign_measure(node, row)
    return node


def _lean_measure(row: Any, parent: PlanNode) -> PlanNode:
    node = PlanNode("measure", row[0], parent)
    node.status_key, node.is_example, node.priority = row[2], bool(row[3]), row[4]
    node.title, node.responsible, node.start, node.end = (
        row[5] or "",
        row[6] or "",
        row[7] or "",
        row[8] or "",
    )
    node.has_indicator = bool(row[9])
    return node


def _append(parent: PlanNode, node: PlanNode) -> None:
    node.row = len(parent.children)
    parent.children.append(node)


def _renumber(nodes: list[PlanNode], start: int = 0) -> None:
    for row in range(start, len(nodes)):
        nodes[row].row = row


class IndexListener(Protocol):
    """Told before and after each structural step (Qt models need both; see ui/plan_tree_model.py),
    and given the whole delta at the end of ``apply`` (before anyone else sees it)."""

    def before_reset(self) -> None: ...
    def after_reset(self) -> None: ...
    def before_insert(self, parent: PlanNode, row: int) -> None: ...
    def after_insert(self, parent: PlanNode, row: int) -> None: ...
    def before_remove(self, parent: PlanNode, row: int) -> None: ...
    def after_remove(self, parent: PlanNode, row: int) -> None: ...
    def before_move(self, old_parent: PlanNode, old_row: int, new_parent: PlanNode, new_row: int) -> None: ...
    def after_move(self, old_parent: PlanNode, old_row: int, new_parent: PlanNode, new_row: int) -> None: ...
    def after_apply(self, delta: IndexDelta) -> None: ...


@dataclass
class IndexDelta:
    """What one ``apply`` changed in the index.

    ``updated`` maps nodes to the attributes that changed; ``renumbered`` lists (parent, first row)
    ranges whose numbers shifted (their subtrees' numbers with them); ``inserted``/``removed``/
    ``moved`` are subtree roots (removed ones are detached but keep their children); ``registry``
    the other kinds of data that changed (e.g. "institution", "status"); ``history``: status history
    entries came or went.
    """

    reset: bool = False
    inserted: list[PlanNode] = field(default_factory=list)
    removed: list[PlanNode] = field(default_factory=list)
    moved: list[PlanNode] = field(default_factory=list)
    updated: dict[PlanNode, frozenset[str]] = field(default_factory=dict)
    renumbered: list[tuple[PlanNode, int]] = field(default_factory=list)
    registry: frozenset[str] = frozenset()
    statuses: bool = False
    history: bool = False

    @property
    def structural(self) -> bool:
        return self.reset or bool(self.inserted or self.removed or self.moved)

    def __bool__(self) -> bool:
        return bool(self.structural or self.updated or self.registry or self.statuses or self.history)

    def touched_measure_ids(self) -> set[int]:
        """Measures whose board columns or place may have changed (not meaningful after a reset):
        those that came, went or moved with their field or goal, and the updated ones."""
        out = {node.id for node in self.updated if node.kind == "measure"}
        for node in (*self.inserted, *self.removed, *self.moved):
            if node.kind == "measure":
                out.add(node.id)
            out.update(n.id for n in node.walk() if n.kind == "measure")
        return out


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a read makes many objects that all stay alive: each
    collection would walk every node made so far, so a full read of 50,000 measures grew faster than
    linear (k = 1.17 from 10,000). Reference counting still frees what is dropped."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _by_id(conn: Connection, sql: str, value: int) -> CursorResult[*tuple[Any, ...]]:
    """``sql`` with one ``?`` parameter in the connection's own paramstyle: SQLite takes it as it is,
    PostgreSQL (psycopg) wants ``%s``; the statements here contain no other ``?`` or ``%``."""
    if conn.dialect.paramstyle != "qmark":
        sql = sql.replace("?", "%s")
    return conn.exec_driver_sql(sql, (value,))


class PlanIndex:
    """The plan in memory for the tree, the board and the filters (see the module docstring)."""

    def __init__(self) -> None:
        self.root = PlanNode("root", 0, None)
        self.statuses: list[StatusInfo] = []
        self.listeners: list[IndexListener] = []
        self._nodes: dict[tuple[str, int], PlanNode] = {}
        self._structured: set[tuple[str, int]] = set()
        self.loads = 0  # full reads so far (tests check that an edit needs none)

    # -- reading ---------------------------------------------------------------------------------
    def load(self, s: Session, *, texts: bool = True) -> None:
        """Read the whole plan (one select per table); texts=False leaves out the long texts and the
        search text (enough for the board, a third of the time)."""
        for listener in self.listeners:
            listener.before_reset()
        self._read_all(s, texts)
        for listener in self.listeners:
            listener.after_reset()

    def clear(self) -> None:
        for listener in self.listeners:
            listener.before_reset()
        self.root.children = []
        self._nodes = {}
        self.statuses = []
        for listener in self.listeners:
            listener.after_reset()

    def _read_all(self, s: Session, texts: bool = True) -> None:
        with gc_paused():
            self._read_all_nodes(s, texts)

    def _read_all_nodes(self, s: Session, texts: bool) -> None:
        self.loads += 1
        field_sql, goal_sql = (FIELD_SQL, GOAL_SQL) if texts else (LEAN_FIELD_SQL, LEAN_GOAL_SQL)
        measure_sql, measure = (MEASURE_SQL, _measure) if texts else (LEAN_MEASURE_SQL, _lean_measure)
        conn = s.connection()
        self.statuses = statuses(s)
        root = self.root
        root.children = []
        nodes: dict[tuple[str, int], PlanNode] = {}
        for row in conn.exec_driver_sql(field_sql + ORDER):
            node = _field(row, root)
            _append(root, node)
            nodes[("field", node.id)] = node
        for row in conn.exec_driver_sql(goal_sql + ORDER):
            parent = nodes[("field", row[1])]
            node = _goal(row, parent)
            _append(parent, node)
            nodes[("goal", node.id)] = node
        result = conn.exec_driver_sql(measure_sql + ORDER)
        # PostgreSQL: fetchall is one call into the driver instead of one per row (a third faster there).
        for row in result if conn.dialect.name == "sqlite" else result.fetchall():
            parent = nodes[("goal", row[1])]
            node = measure(row, parent)
            _append(parent, node)
            nodes[("measure", node.id)] = node
        self._nodes = nodes
        self._structured = self._read_structured(s)
        for key in self._structured:
            found = nodes.get(key)
            if found is not None:
                found.has_indicator = True

    @staticmethod
    def _read_structured(s: Session) -> set[tuple[str, int]]:
        return {(str(k), int(i)) for k, i in s.connection().exec_driver_sql(STRUCTURED_SQL)}

    def _follow_indicators(self, s: Session, delta: IndexDelta) -> None:
        """Indicators came or went: the goals and measures whose "has an indicator" may have changed."""
        fresh = self._read_structured(s)
        changed, self._structured = fresh ^ self._structured, fresh
        for key in changed:
            node = self._nodes.get(key)
            if node is None:
                continue
            before = node.has_indicator
            self._reread(s, node)  # the text-based answer, or-ed with the fresh structured set
            if node.has_indicator != before:
                delta.updated[node] = delta.updated.get(node, frozenset()) | {"has_indicator"}

    def _read_subtree(self, s: Session, kind: str, item_id: int, parent: PlanNode) -> PlanNode | None:
        """A created or restored item with everything below it, freshly from the database."""
        top = self._read_subtree_rows(s, kind, item_id, parent)
        if top is not None:
            # A restored item brings its indicators back with it.
            self._structured = self._read_structured(s)
            stack = [top]
            while stack:
                node = stack.pop()
                if (node.kind, node.id) in self._structured:
                    node.has_indicator = True
                stack.extend(node.children)
        return top

    def _read_subtree_rows(self, s: Session, kind: str, item_id: int, parent: PlanNode) -> PlanNode | None:
        conn = s.connection()
        if kind == "field":
            row = _by_id(conn, FIELD_SQL + " WHERE id = ?", item_id).first()
            if row is None:
                return None
            top = _field(row, parent)
            goals = {}
            for g in _by_id(conn, GOAL_SQL + " WHERE field_id = ?" + ORDER, item_id):
                goals[g[0]] = node = _goal(g, top)
                _append(top, node)
            measure_rows = _by_id(
                conn,
                MEASURE_SQL + " WHERE goal_id IN (SELECT id FROM goal WHERE field_id = ?)" + ORDER,
                item_id,
            )
            for m in measure_rows:
                _append(goals[m[1]], _measure(m, goals[m[1]]))
            return top
        if kind == "goal":
            row = _by_id(conn, GOAL_SQL + " WHERE id = ?", item_id).first()
            if row is None:
                return None
            top = _goal(row, parent)
            for m in _by_id(conn, MEASURE_SQL + " WHERE goal_id = ?" + ORDER, item_id):
                _append(top, _measure(m, top))
            return top
        row = _by_id(conn, MEASURE_SQL + " WHERE id = ?", item_id).first()
        return None if row is None else _measure(row, parent)

    def _reread(self, s: Session, node: PlanNode) -> None:
        """One item's own columns again (after a text edit: the search text needs all of them)."""
        sql = {"field": FIELD_SQL, "goal": GOAL_SQL, "measure": MEASURE_SQL}[node.kind]
        row = _by_id(s.connection(), sql + " WHERE id = ?", node.id).first()
        if row is None:
            return
        fresh = {"field": _field, "goal": _goal, "measure": _measure}[node.kind](
            row, node.parent or self.root
        )
        if (node.kind, node.id) in self._structured:
            fresh.has_indicator = True
        for attr in PlanNode.__slots__:
            if attr not in ("children", "parent", "row"):
                setattr(node, attr, getattr(fresh, attr))

    # -- looking up ------------------------------------------------------------------------------
    def node(self, kind: str, item_id: int) -> PlanNode | None:
        return self._nodes.get((kind, item_id))

    @property
    def fields(self) -> list[PlanNode]:
        return self.root.children

    def goals(self) -> Iterator[PlanNode]:
        for f in self.root.children:
            yield from f.children

    def measures(self) -> Iterator[PlanNode]:
        """Every measure in tree order."""
        for f in self.root.children:
            for g in f.children:
                yield from g.children

    # -- following writes ------------------------------------------------------------------------
    def apply(self, changes: ChangeSet, reading: Reading) -> IndexDelta:
        """Follow a write from its change records; ``reading`` opens a read session when one is needed."""
        delta = IndexDelta()
        plan_records = [c for c in changes if c.kind in PLAN_KINDS or (c.kind == "plan")]
        other = {c.kind for c in changes if c.kind not in PLAN_KINDS and c.kind != "plan"}
        delta.history = STATUS_CHANGE in other
        delta.registry = frozenset(other - {STATUS_CHANGE})
        if delta.registry & {"status", "registry"}:
            with reading() as s:
                self.statuses = statuses(s)
            delta.statuses = True
        if any(c.action is Action.RESET for c in plan_records) or len(plan_records) > MAX_RECORDS:
            with reading() as s:
                self.load(s)
            delta.reset = True
        else:
            self._apply_records(plan_records, reading, delta)
            if delta.registry & {"indicator"}:
                with reading() as s:
                    self._follow_indicators(s, delta)
        for listener in self.listeners:
            listener.after_apply(delta)
        return delta

    def _apply_records(self, plan_records: list[Change], reading: Reading, delta: IndexDelta) -> None:
        with ExitStack() as stack:
            session: Session | None = None
            for change in plan_records:
                needs_read = change.action is Action.CREATED or (
                    change.action is Action.UPDATED and not change.attrs <= NON_TEXT_ATTRS
                )
                if needs_read and session is None:
                    session = stack.enter_context(reading())
                self._apply_one(change, session, delta)

    def _parent_node(self, kind: str, parent_id: int | None) -> PlanNode | None:
        parent_kind = PARENT_KIND[kind]
        if parent_kind is None:
            return self.root
        return None if parent_id is None else self.node(parent_kind, parent_id)

    def _apply_one(self, change: Change, s: Session | None, delta: IndexDelta) -> None:
        kind, item_id = change.kind, change.item_id
        if item_id is None:
            return
        node = self.node(kind, item_id)
        if change.action is Action.UPDATED:
            if node is None:
                return
            if s is not None and not change.attrs <= NON_TEXT_ATTRS:
                self._reread(s, node)
            else:
                self._patch(node, change)
            delta.updated[node] = delta.updated.get(node, frozenset()) | change.attrs
        elif change.action is Action.CREATED:
            parent = self._parent_node(kind, change.parent_id)
            if node is not None or parent is None or s is None:
                return
            fresh = self._read_subtree(s, kind, item_id, parent)
            if fresh is not None:
                row = len(parent.children) if change.index is None else change.index
                self._insert(fresh, parent, max(0, min(row, len(parent.children))), delta)
        elif change.action is Action.DELETED:
            if node is not None:
                self._remove(node, delta)
        elif change.action is Action.MOVED:
            parent = self._parent_node(kind, change.parent_id)
            if node is not None and parent is not None:
                self._move(node, parent, change.index, delta)

    @staticmethod
    def _patch(node: PlanNode, change: Change) -> None:
        values = change.values
        if "status_key" in values:
            node.status_key = values["status_key"]
        if "priority" in values:
            node.priority = values["priority"]
        if "is_example" in values:
            node.is_example = bool(values["is_example"])
        if "adopted_goals" in values:
            node.adopted_goals = values["adopted_goals"]
        if "adopted_measures" in values:
            node.adopted_measures = values["adopted_measures"]

    def _register(self, node: PlanNode) -> None:
        self._nodes[(node.kind, node.id)] = node
        for child in node.walk():
            self._nodes[(child.kind, child.id)] = child

    def _unregister(self, node: PlanNode) -> None:
        self._nodes.pop((node.kind, node.id), None)
        for child in node.walk():
            self._nodes.pop((child.kind, child.id), None)

    def _insert(self, node: PlanNode, parent: PlanNode, row: int, delta: IndexDelta) -> None:
        for listener in self.listeners:
            listener.before_insert(parent, row)
        node.parent = parent
        parent.children.insert(row, node)
        _renumber(parent.children, row)
        self._register(node)
        for listener in self.listeners:
            listener.after_insert(parent, row)
        delta.inserted.append(node)
        delta.renumbered.append((parent, row + 1))

    def _remove(self, node: PlanNode, delta: IndexDelta) -> None:
        parent = node.parent
        if parent is None:
            return
        row = node.row
        for listener in self.listeners:
            listener.before_remove(parent, row)
        del parent.children[row]
        _renumber(parent.children, row)
        self._unregister(node)
        for listener in self.listeners:
            listener.after_remove(parent, row)
        delta.removed.append(node)
        delta.renumbered.append((parent, row))

    def _move(self, node: PlanNode, new_parent: PlanNode, index: int | None, delta: IndexDelta) -> None:
        old_parent, old_row = node.parent, node.row
        if old_parent is None:
            return
        # The row under the new parent once the node has left its old place.
        room = len(new_parent.children) - (1 if new_parent is old_parent else 0)
        new_row = room if index is None else max(0, min(index, room))
        if old_parent is new_parent and old_row == new_row:
            return
        for listener in self.listeners:
            listener.before_move(old_parent, old_row, new_parent, new_row)
        del old_parent.children[old_row]
        _renumber(old_parent.children, old_row)
        new_parent.children.insert(new_row, node)
        node.parent = new_parent
        _renumber(new_parent.children)
        for listener in self.listeners:
            listener.after_move(old_parent, old_row, new_parent, new_row)
        delta.moved.append(node)
        delta.renumbered.append((old_parent, 0))
        if new_parent is not old_parent:
            delta.renumbered.append((new_parent, 0))


@dataclass
class TreeRow:
    """One node of the plan tree as plain data (for scripts, tests and benchmarks)."""

    kind: str
    id: int
    parent_id: int | None
    title: str
    status_key: str | None = None
    is_example: bool = False
    search_text: str = ""
    children: list[TreeRow] = field(default_factory=list)


def _tree_row(node: PlanNode) -> TreeRow:
    parent = node.parent
    return TreeRow(
        node.kind,
        node.id,
        None if parent is None or parent.kind == "root" else parent.id,
        node.title,
        status_key=node.status_key,
        is_example=node.is_example,
        search_text=node.search_text,
        children=[_tree_row(child) for child in node.children],
    )


def load_tree(s: Session) -> list[TreeRow]:
    """The whole tree as nested rows in tree order, search text lower-cased (the index's rules)."""
    index = PlanIndex()
    index.load(s)
    return [_tree_row(f) for f in index.fields]

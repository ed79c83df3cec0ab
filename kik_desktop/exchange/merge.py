"""Writing a confirmed import preview, as one undo step: ``prepare_import`` turns the preview into an
``ImportUndo``; its ``redo(session)`` applies the operations in the caller's transaction and ``undo(session)``
takes them back.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from kik_desktop.domain import plan
from kik_desktop.domain.changes import Change, ChangeSet, created, deleted, moved, reset, updated
from kik_desktop.exchange.import_model import ImportBlocked, ImportPreview, Op
from kik_desktop.models import Goal, Measure, StatusChange, measure_task
from kik_desktop.models.plan import new_uid

# Above this many changes a write reports one RESET (the window rebuilds its tree once) instead of a
# change record per item.
COMPACT_LIMIT = 200
_CHUNK = 500  # ids per IN (...) list: well below SQLite's limit of bound variables


@dataclass
class ImportUndo:
    """The import as an undoable change: redo(session) applies it, undo(session) takes it back.

    New items are written in bulk (one INSERT … RETURNING per kind and run of new items, positions
    computed once per parent), not one flush per row: importing 10,000 new measures costs about as much
    as reading them. Both directions return a ChangeSet: a compact list for small imports, one RESET
    for big ones."""

    ops: list[Op]
    description: str = ""
    created: dict[str, int] = field(default_factory=dict)  # token → id (stable across redo)
    created_uids: dict[str, str] = field(default_factory=dict)
    _done: list[tuple[str, Any]] = field(default_factory=list)
    indicator_changes: list[Any] = field(default_factory=list)
    _indicators: Any = None

    def _resolve(self, ref: Any) -> Any:
        return self.created[ref] if isinstance(ref, str) else ref

    def redo(self, s: Session) -> ChangeSet:
        self._done = []
        out: list[Change] = []
        run: list[Op] = []
        for op in self.ops:
            if op.op == "new":
                run.append(op)
                continue
            if run:
                out.extend(self._create_run(s, run))
                run = []
            if op.op == "update":
                item_id = self._resolve(op.ref)
                result = plan.update_item(s, op.kind, item_id, op.values)
                self._done.append(("update", (op.kind, item_id, result)))
                if result.new:
                    out.append(updated(op.kind, item_id, result.new))
            elif op.op == "move":
                item_id = self._resolve(op.ref)
                parent = self._resolve(op.parent)
                siblings = plan.child_ids(s, op.kind, parent)
                origin = plan.move_item(s, op.kind, item_id, parent, len(siblings))  # type: ignore[arg-type]
                self._done.append(("move", (op.kind, item_id, origin)))
                out.append(moved(op.kind, item_id, parent, len(siblings)))
            elif op.op == "delete":
                snap = plan.delete_item(s, op.kind, op.ref)  # type: ignore[arg-type]
                self._done.append(("delete", snap))
                out.append(deleted(op.kind, op.ref, snap.parent_id))
        if run:
            out.extend(self._create_run(s, run))
        if self.indicator_changes:
            from kik_desktop.exchange.indicator_sheet import IndicatorApplyRecord

            if self._indicators is None:
                self._indicators = IndicatorApplyRecord(self.indicator_changes)
            self._indicators.redo(s)
        s.flush()
        changes = _compact(out)
        return changes + ChangeSet((reset("indicator"),)) if self.indicator_changes else changes

    def _create_run(self, s: Session, ops: list[Op]) -> list[Change]:
        """Insert a run of new items in bulk, parents before children, each appended to its parent."""
        out: list[Change] = []
        by_kind: dict[str, list[Op]] = {k: [] for k in plan.KINDS}
        for op in ops:
            by_kind[op.kind].append(op)
        now = datetime.now()
        for kind in plan.KINDS:
            kind_ops = by_kind[kind]
            if not kind_ops:
                continue
            cls = plan.CLASS_OF[kind]
            attr = plan.PARENT_ATTR[kind]
            parents: list[int | None] = [
                self._resolve(op.parent) if attr is not None else None for op in kind_ops
            ]
            _check_parents(s, kind, parents)
            next_pos = _next_positions(s, kind, set(parents))
            values = _validate_many(s, kind, [op.values for op in kind_ops])
            rows: list[dict[str, Any]] = []
            for op, parent, clean in zip(kind_ops, parents, values, strict=True):
                row = dict(clean)
                row["position"] = next_pos[parent]
                next_pos[parent] += 1
                if attr is not None:
                    row[attr] = parent
                if kind == "measure":
                    row["updated_at"] = now
                uid = op.uid or self.created_uids.get(op.ref)
                if uid:
                    row["uid"] = uid
                if op.ref in self.created:  # redo: the same id as the first time
                    row["id"] = self.created[op.ref]
                rows.append(row)
            ids = _insert_rows(s, cls, rows)
            for op, parent, row, (item_id, uid) in zip(kind_ops, parents, rows, ids, strict=True):
                self.created[op.ref] = item_id
                self.created_uids[op.ref] = uid
                out.append(created(kind, item_id, parent, row["position"]))
            self._done.append(("new", (kind, [i for i, _uid in ids])))
        return out

    def undo(self, s: Session) -> ChangeSet:
        out: list[Change] = []
        if self._indicators is not None:
            self._indicators.undo(s)
            out.append(reset("indicator"))
        for what, data in reversed(self._done):
            if what == "new":
                kind, item_ids = data
                _delete_created(s, kind, item_ids)
                out.extend(deleted(kind, i) for i in item_ids)
            elif what == "update":
                kind, item_id, result = data
                if result.old:
                    plan.update_item(s, kind, item_id, result.old, record_history=False)
                    out.append(updated(kind, item_id, result.old))
                if result.history_id is not None:
                    out.extend(plan.delete_history(s, result.history_id))
            elif what == "move":
                kind, item_id, (old_parent, old_index) = data
                plan.move_item(s, kind, item_id, old_parent, old_index)
                out.append(moved(kind, item_id, old_parent, old_index))
            elif what == "delete":
                plan.restore_item(s, data)
                out.append(created(data.kind, data.rows[data.kind][0]["id"], data.parent_id, data.index))
        self._done = []
        s.flush()
        return _compact(out)


def _compact(changes: list[Change]) -> ChangeSet:
    return ChangeSet.of(changes if len(changes) <= COMPACT_LIMIT else [reset()])


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def _check_parents(s: Session, kind: str, parents: list[int | None]) -> None:
    """Every parent exists (one query per chunk of parents, not one per row)."""
    parent_kind = plan.PARENT_KIND[kind]
    if parent_kind is None:
        return
    wanted = set(parents)
    message = "Ein Ziel gehört zu einem Handlungsfeld, eine Maßnahme zu einem Ziel."
    if None in wanted:
        raise plan.PlanError(message)
    pcls = plan.CLASS_OF[parent_kind]
    found: set[int | None] = set()
    for chunk in _chunks(sorted(p for p in wanted if p is not None)):
        found.update(s.scalars(select(pcls.id).where(pcls.id.in_(chunk))))
    if found != wanted:
        raise plan.PlanError(message)


def _next_positions(s: Session, kind: str, parents: set[int | None]) -> dict[int | None, int]:
    """The first free position under each parent (after its last item), in one grouped query."""
    cls = plan.CLASS_OF[kind]
    attr = plan.PARENT_ATTR[kind]
    out: dict[int | None, int] = dict.fromkeys(parents, 0)
    if attr is None:
        out[None] = int(s.scalar(select(func.coalesce(func.max(cls.position) + 1, 0))) or 0)
        return out
    column = getattr(cls, attr)
    for chunk in _chunks(sorted(p for p in parents if p is not None)):
        query = select(column, func.max(cls.position) + 1).where(column.in_(chunk)).group_by(column)
        for parent, pos in s.execute(query):
            out[parent] = int(pos)
    return out


_NO_STATUS = object()


def _validate_many(s: Session, kind: str, values: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """plan.validate_values for many rows; a status (a query) is checked once per distinct key.
    Cross-cutting tasks are not set by an import."""
    known: dict[Any, Any] = {}
    out = []
    for given in values:
        v = {k: x for k, x in given.items() if k != "tasks"}
        status = v.pop("status_key", _NO_STATUS)
        clean = plan.validate_values(s, kind, v)
        if status is not _NO_STATUS:
            if status not in known:
                known[status] = plan.validate_values(s, kind, {"status_key": status})["status_key"]
            clean["status_key"] = known[status]
        out.append(clean)
    return out


INSERT_PAGE = 500


def _pages(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), INSERT_PAGE):
        yield rows[start : start + INSERT_PAGE]


def _insert_rows(s: Session, cls: Any, rows: list[dict[str, Any]]) -> list[tuple[int, str]]:
    """Insert rows in bulk; (id, uid) of each row, in the order of rows."""
    # The rows of one executemany have the same keys: group them by their key set, keep the order.
    groups: dict[tuple[str, ...], list[int]] = {}
    for i, row in enumerate(rows):
        row.setdefault("uid", new_uid())
        groups.setdefault(tuple(sorted(row)), []).append(i)
    slots: dict[int, tuple[int, str]] = {}
    for indexes in groups.values():
        batch = [rows[i] for i in indexes]
        if "id" in batch[0]:
            s.execute(insert(cls), batch)
            ids = [int(r["id"]) for r in batch]
        else:
            stmt = insert(cls).returning(cls.id, sort_by_parameter_order=True)
            # One execute per page: SQLAlchemy splices the RETURNING rows of every further page of one
            # execute into all rows before it, which grew with the square of the rows (20,000 new
            # measures: 12 million row fetches, over half the time of the whole import).
            ids = [int(i) for page in _pages(batch) for i in s.scalars(stmt, page)]
        for i, item_id in zip(indexes, ids, strict=True):
            slots[i] = (item_id, str(rows[i]["uid"]))
    return [slots[i] for i in range(len(rows))]


def _delete_created(s: Session, kind: str, item_ids: list[int]) -> None:
    """Take back items this import created, children first. They were appended to their parents, so
    the positions of the items that were there before stay as they were."""
    if kind == "field":
        goal_ids = [
            i for c in _chunks(item_ids) for i in s.scalars(select(Goal.id).where(Goal.field_id.in_(c)))
        ]
        if goal_ids:
            _delete_created(s, "goal", goal_ids)
    elif kind == "goal":
        measure_ids = [
            i for c in _chunks(item_ids) for i in s.scalars(select(Measure.id).where(Measure.goal_id.in_(c)))
        ]
        if measure_ids:
            _delete_created(s, "measure", measure_ids)
    else:
        for chunk in _chunks(item_ids):
            s.execute(delete(StatusChange).where(StatusChange.measure_id.in_(chunk)))
            s.execute(delete(measure_task).where(measure_task.c.measure_id.in_(chunk)))
    cls = plan.CLASS_OF[kind]
    for chunk in _chunks(item_ids):
        s.execute(delete(cls).where(cls.id.in_(chunk)).execution_options(synchronize_session=False))
    s.expire_all()


def prepare_import(preview: ImportPreview, *, delete_missing: bool = False) -> ImportUndo:
    """The undoable change for a confirmed preview; raises ImportBlocked when the preview has errors."""
    if preview.has_errors:
        raise ImportBlocked(
            "Der Import kann nicht übernommen werden:\n" + "\n".join(i.text() for i in preview.errors[:20])
        )
    ops = list(preview.ops)
    if delete_missing:
        ops.extend(preview.missing_ops)
    return ImportUndo(
        ops,
        description=f"Import aus {preview.source.name}",
        indicator_changes=list(preview.indicator_changes),
    )


def apply_import(s: Session, preview: ImportPreview, *, delete_missing: bool = False) -> ImportUndo:
    """Write a confirmed preview in the caller's transaction; returns the undo record."""
    record = prepare_import(preview, delete_missing=delete_missing)
    record.redo(s)
    return record

"""Writing a confirmed import preview, as one undo step: ``prepare_import`` turns the preview into an
``ImportUndo``; its ``redo(session)`` applies the operations in the caller's transaction and ``undo(session)``
takes them back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from kik_desktop.domain import plan
from kik_desktop.domain.changes import ChangeSet, created, reset
from kik_desktop.exchange.import_model import ImportBlocked, ImportPreview, Op
from kik_desktop.models import Measure


@dataclass
class ImportUndo:
    """The import as an undoable change: redo(session) applies it, undo(session) takes it back."""

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
        """Apply the import; returns the change records of everything it wrote."""
        self._done = []
        changes: list[ChangeSet] = []
        for op in self.ops:
            if op.op == "new":
                parent = self._resolve(op.parent)
                item_id = _append_item(s, op.kind, parent, op.values, self.created.get(op.ref))
                self.created[op.ref] = item_id
                cls = plan.CLASS_OF[op.kind]
                uid = op.uid or self.created_uids.get(op.ref)
                if uid:
                    s.execute(update(cls).where(cls.id == item_id).values(uid=uid))
                else:
                    # Redo gives the item the same uid as the first time.
                    self.created_uids[op.ref] = s.scalars(select(cls.uid).where(cls.id == item_id)).one()
                self._done.append(("new", (op.kind, item_id)))
                position = s.scalar(select(cls.position).where(cls.id == item_id))
                changes.append(ChangeSet((created(op.kind, item_id, parent, int(position or 0), op.values),)))
            elif op.op == "update":
                result = plan.update_item(s, op.kind, self._resolve(op.ref), op.values)
                self._done.append(("update", (op.kind, self._resolve(op.ref), result)))
                changes.append(result.changes)
            elif op.op == "move":
                item_id = self._resolve(op.ref)
                parent = self._resolve(op.parent)
                siblings = plan.child_ids(s, op.kind, parent)
                origin = plan.move_item(s, op.kind, item_id, parent, len(siblings))  # type: ignore[arg-type]
                self._done.append(("move", (op.kind, item_id, origin)))
                changes.append(origin.changes)
            elif op.op == "delete":
                snap = plan.delete_item(s, op.kind, op.ref)  # type: ignore[arg-type]
                self._done.append(("delete", snap))
                changes.append(snap.changes)
        if self.indicator_changes:
            from kik_desktop.exchange.indicator_sheet import IndicatorApplyRecord

            if self._indicators is None:
                self._indicators = IndicatorApplyRecord(self.indicator_changes)
            self._indicators.redo(s)
            changes.append(ChangeSet((reset("indicator"),)))
        s.flush()
        return ChangeSet.of(c for part in changes for c in part)

    def undo(self, s: Session) -> ChangeSet:
        """Take the import back; returns the change records of what that wrote."""
        changes: list[ChangeSet] = []
        if self._indicators is not None:
            self._indicators.undo(s)
            changes.append(ChangeSet((reset("indicator"),)))
        for what, data in reversed(self._done):
            if what == "new":
                kind, item_id = data
                if s.get(plan.CLASS_OF[kind], item_id) is not None:
                    changes.append(plan.delete_item(s, kind, item_id).changes)
            elif what == "update":
                kind, item_id, result = data
                if result.old:
                    back = plan.update_item(s, kind, item_id, result.old, record_history=False)
                    changes.append(back.changes)
                if result.history_id is not None:
                    changes.append(plan.delete_history(s, result.history_id))
            elif what == "move":
                kind, item_id, (old_parent, old_index) = data
                changes.append(plan.move_item(s, kind, item_id, old_parent, old_index).changes)
            elif what == "delete":
                changes.append(plan.restore_item(s, data))
        self._done = []
        s.flush()
        return ChangeSet.of(c for part in changes for c in part)


def _append_item(
    s: Session, kind: str, parent_id: int | None, values: dict[str, Any], item_id: int | None
) -> int:
    """Create an item at the end of its parent: like plan.create_item, without renumbering the siblings
    (an import appends thousands of items; renumbering each time would be quadratic)."""
    cls = plan.CLASS_OF[kind]
    attr = plan.PARENT_ATTR[kind]
    parent_kind = plan.PARENT_KIND[kind]
    if parent_kind is not None and (
        parent_id is None or s.get(plan.CLASS_OF[parent_kind], parent_id) is None
    ):
        raise plan.PlanError("Ein Ziel gehört zu einem Handlungsfeld, eine Maßnahme zu einem Ziel.")
    clean = plan.validate_values(s, kind, values)
    clean.pop("tasks", None)
    query = select(func.coalesce(func.max(cls.position) + 1, 0))
    if attr is not None:
        query = query.where(getattr(cls, attr) == parent_id)
    obj = cls(**clean)
    obj.position = int(s.scalar(query) or 0)
    if item_id is not None:
        obj.id = item_id
    if attr is not None:
        setattr(obj, attr, parent_id)
    if isinstance(obj, Measure):
        obj.updated_at = datetime.now()
    s.add(obj)
    s.flush()
    return int(obj.id)


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

"""The one flow of changes: document, undo stack and plan index in one place, typed signals out.

An edit goes one way: a view asks ``Operations`` (update/create/delete/move/bulk) with itself as the
``initiator``; the write runs in one transaction and returns its change records (``domain.changes``);
they go onto the undo stack as one step, and into the plan index (``domain.plan_index``), whose
listeners (the tree model, the board's data) follow in the same call; then ``applied`` carries a
``PlanUpdate`` (the records, the index delta, the initiator) to everyone else. The initiator already
shows what it wrote, so it skips itself. Undo and redo go the same way with no initiator.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack
from sqlalchemy.orm import Session

from kik_desktop.domain import plan
from kik_desktop.domain.board import BoardData
from kik_desktop.domain.changes import Action, ChangeSet, reset
from kik_desktop.domain.conflicts import ConflictError
from kik_desktop.domain.plan import Kind, PlanError, Snapshot
from kik_desktop.domain.plan_index import IndexDelta, PlanIndex
from kik_desktop.store import Document, DocumentError

log = logging.getLogger(__name__)

ConflictHandler = Callable[[ConflictError, Callable[[], plan.UpdateResult | None]], plan.UpdateResult | None]

KIND_LABEL = {"field": "Handlungsfeld", "goal": "Ziel", "measure": "Maßnahme"}
ATTR_LABEL = {
    "name": "Name",
    "title": "Titel",
    "description": "Beschreibung",
    "indicator": "Indikator",
    "target_group": "Zielgruppe",
    "responsible": "Verantwortlich",
    "actors": "Akteur*innen",
    "needs": "Bedarf",
    "start": "Beginn",
    "end": "Umsetzung bis",
    "success_indicator": "Erfolgsindikatoren",
    "status_key": "Status",
    "priority": "Priorität",
    "funding": "Förderung",
    "notes": "Notizen",
    "tasks": "Querschnittsaufgaben",
    "is_example": "Beispiel",
    "adopted_goals": "beschlossene Ziele",
    "adopted_measures": "beschlossene Maßnahmen",
    "working_group": "Arbeitsgruppe",
}
NEW_TITLE = {"field": "Neues Handlungsfeld", "goal": "Neues Ziel", "measure": "Neue Maßnahme"}
# Typing into the same field within this many seconds is one undo step, not one per pause.
MERGE_SECONDS = 4.0


@dataclass(frozen=True)
class PlanUpdate:
    """One write as the views see it: its change records, what the index made of them, who asked.

    ``initiator`` is the object that asked for the write (e.g. the editor), None for undo/redo and
    reloads: the initiator shows the new values already and does not read itself again.
    """

    changes: ChangeSet
    delta: IndexDelta
    initiator: object | None = None

    @property
    def reset(self) -> bool:
        return self.delta.reset

    @property
    def registry(self) -> frozenset[str]:
        """Kinds of data around the plan that changed (e.g. "institution", "status", "registry")."""
        return self.delta.registry

    def touches(self, kind: str, item_id: int | None = None) -> bool:
        """Whether a record names this kind (and id); a reset touches everything."""
        if self.reset:
            return True
        return any(c.kind == kind and (item_id is None or c.item_id == item_id) for c in self.changes)

    def changed_attrs(self, kind: str, item_id: int) -> frozenset[str]:
        out: frozenset[str] = frozenset()
        for c in self.changes:
            if c.kind == kind and c.item_id == item_id and c.action is Action.UPDATED:
                out |= c.attrs
        return out


# -- undo steps -----------------------------------------------------------------------------------


class _PlanCommand(QUndoCommand):
    """Base: the first redo happened before the push (so failures never reach the stack)."""

    def __init__(self, ops: Operations, text: str) -> None:
        super().__init__(text)
        self.ops = ops
        self._done = True

    def redo(self) -> None:
        if self._done:
            self._done = False
            return
        self.ops.run_undo_step(self._apply, "Wiederholen")

    def undo(self) -> None:
        self.ops.run_undo_step(self._revert, "Rückgängig")

    def _apply(self, s: Session) -> ChangeSet:
        raise NotImplementedError

    def _revert(self, s: Session) -> ChangeSet:
        raise NotImplementedError


class UpdateCommand(_PlanCommand):
    def __init__(
        self, ops: Operations, kind: Kind, item_id: int, result: plan.UpdateResult, title: str
    ) -> None:
        attrs = sorted(result.new)
        label = ATTR_LABEL.get(attrs[0], attrs[0]) if len(attrs) == 1 else "Werte"
        super().__init__(ops, f"{label} von {KIND_LABEL[kind]} „{title}“ ändern")
        self.kind, self.item_id = kind, item_id
        self.old, self.new = dict(result.old), dict(result.new)
        self.history_ids = [result.history_id] if result.history_id is not None else []
        self.stamp = time.monotonic()
        self.since = result.since  # undo refuses if another editor changed the item after this

    def id(self) -> int:
        return 1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, UpdateCommand) or self.history_ids or other.history_ids:
            return False
        same = (other.kind, other.item_id, set(other.new)) == (self.kind, self.item_id, set(self.new))
        if not same or other.stamp - self.stamp > MERGE_SECONDS:
            return False
        self.new = dict(other.new)
        self.stamp = other.stamp
        return True

    def _apply(self, s: Session) -> ChangeSet:
        # A redo writes what this program wrote before: no conflict check against its own save.
        result = plan.update_item(s, self.kind, self.item_id, self.new, check_conflicts=False)
        self.history_ids = [result.history_id] if result.history_id is not None else []
        self.since = result.since
        return result.changes

    def _revert(self, s: Session) -> ChangeSet:
        # Refused (UndoRefusedError) when another editor changed the item since this step.
        changes = plan.update_item(
            s, self.kind, self.item_id, self.old, record_history=False, undo_since=self.since
        ).changes
        for history_id in self.history_ids:
            changes += plan.delete_history(s, history_id)
        return changes


class CreateCommand(_PlanCommand):
    def __init__(self, ops: Operations, kind: Kind, item_id: int) -> None:
        super().__init__(ops, f"{KIND_LABEL[kind]} anlegen")
        self.kind, self.item_id = kind, item_id
        self.snapshot: Snapshot | None = None

    def _apply(self, s: Session) -> ChangeSet:
        assert self.snapshot is not None
        return plan.restore_item(s, self.snapshot)

    def _revert(self, s: Session) -> ChangeSet:
        self.snapshot = plan.delete_item(s, self.kind, self.item_id)
        return self.snapshot.changes


class DeleteCommand(_PlanCommand):
    def __init__(self, ops: Operations, snapshot: Snapshot, title: str) -> None:
        super().__init__(ops, f"{KIND_LABEL[snapshot.kind]} „{title}“ löschen")
        self.snapshot = snapshot
        self.item_id = int(snapshot.rows[snapshot.kind][0]["id"])

    def _apply(self, s: Session) -> ChangeSet:
        self.snapshot = plan.delete_item(s, self.snapshot.kind, self.item_id)
        return self.snapshot.changes

    def _revert(self, s: Session) -> ChangeSet:
        return plan.restore_item(s, self.snapshot)


class MoveCommand(_PlanCommand):
    def __init__(
        self,
        ops: Operations,
        kind: Kind,
        item_id: int,
        old: tuple[int | None, int],
        new: tuple[int | None, int],
        title: str,
    ) -> None:
        super().__init__(ops, f"{KIND_LABEL[kind]} „{title}“ verschieben")
        self.kind, self.item_id, self.old, self.new = kind, item_id, old, new

    def _apply(self, s: Session) -> ChangeSet:
        return plan.move_item(s, self.kind, self.item_id, *self.new).changes

    def _revert(self, s: Session) -> ChangeSet:
        return plan.move_item(s, self.kind, self.item_id, *self.old).changes


def _as_changes(result: Any, fallback: ChangeSet) -> ChangeSet:
    """What a bulk callable returned: its change records, or the fallback (a reset) when it gave none."""
    return result if isinstance(result, ChangeSet) else fallback


class BulkCommand(_PlanCommand):
    """A change of many items (an import): redo and undo are callables on a session that return
    their change records (a ChangeSet); ones that return nothing count as a reset of the plan."""

    def __init__(
        self,
        ops: Operations,
        text: str,
        redo: Callable[[Session], Any],
        undo: Callable[[Session], Any],
        fallback: ChangeSet,
    ) -> None:
        super().__init__(ops, text)
        self._redo_fn, self._undo_fn = redo, undo
        self._fallback = fallback

    def _apply(self, s: Session) -> ChangeSet:
        return _as_changes(self._redo_fn(s), self._fallback)

    def _revert(self, s: Session) -> ChangeSet:
        return _as_changes(self._undo_fn(s), self._fallback)


# -- the flow -------------------------------------------------------------------------------------


class Operations(QObject):
    """The one place where the window changes the document, and where everyone hears about it.

    Owns the open ``document``, the ``undo_stack`` and the plan ``index`` (with ``board``, the status
    board's data over the same index). Signals: ``applied(PlanUpdate)`` after every edit, undo, redo
    and reload; ``document_changed(Document | None)`` when a document was opened or closed;
    ``failed(title, text)`` when a write was refused (the window shows it).
    """

    applied = Signal(object)
    document_changed = Signal(object)
    failed = Signal(str, str)

    def __init__(self, parent: QObject | None = None, undo_stack: QUndoStack | None = None) -> None:
        super().__init__(parent)
        self.document: Document | None = None
        self.undo_stack = undo_stack if undo_stack is not None else QUndoStack(self)
        self.index = PlanIndex()
        self.board = BoardData(self.index).listen()
        # Called when a save collides with another editor's change (set by ui/team.py): gets the error
        # and a function that saves again; returns what that save returned (None: nothing saved).
        self.conflict_handler: ConflictHandler | None = None

    # -- documents -------------------------------------------------------------------------------
    def open(self, doc: Document) -> None:
        """Make doc the open document: read the plan once into the index, start a fresh undo stack."""
        self.document = doc
        self.undo_stack.clear()
        with doc.reading() as s:
            self.index.load(s)
        self.document_changed.emit(doc)

    def close(self) -> None:
        self.undo_stack.clear()
        self.document = None
        self.index.clear()
        self.document_changed.emit(None)

    @property
    def writable(self) -> bool:
        return self.document is not None and not self.document.read_only

    # -- the flow --------------------------------------------------------------------------------
    def publish(self, changes: ChangeSet, initiator: object | None = None) -> PlanUpdate | None:
        """Bring the index (and with it the tree and the board) up to date, then tell everyone."""
        doc = self.document
        if doc is None:
            return None
        delta = self.index.apply(changes, doc.reading)
        update = PlanUpdate(changes, delta, initiator)
        self.applied.emit(update)
        return update

    def reload(self) -> None:
        """Read the whole plan again (after a failed undo step, a restore, an outside change)."""
        self.publish(ChangeSet((reset(),)))

    def _fail(self, exc: Exception) -> None:
        self.failed.emit("Die Änderung wurde nicht gespeichert", str(exc))

    def run_undo_step(self, fn: Callable[[Session], ChangeSet], what: str) -> None:
        """Run an undo or redo step; on failure the plan is read again and the stack starts afresh."""
        doc = self.document
        assert doc is not None
        try:
            with doc.transaction() as s:
                changes = fn(s)
        except (PlanError, DocumentError) as exc:
            log.warning("%s failed: %s", what, exc)
            self.failed.emit(
                f"{what} war nicht möglich",
                f"{exc}\n\nDie Anzeige wurde neu geladen; die Liste der Rückgängig-Schritte wurde geleert.",
            )
            self.reload()
            # The stack no longer matches the database: start afresh rather than undo the wrong thing.
            QTimer.singleShot(0, self.undo_stack.clear)
            return
        self.publish(changes)

    def _title(self, kind: str, item_id: int) -> str:
        node = self.index.node(kind, item_id)
        return node.title if node is not None else ""

    # -- edits -----------------------------------------------------------------------------------
    def update(
        self, kind: Kind, item_id: int, values: dict[str, Any], *, initiator: object | None = None
    ) -> plan.UpdateResult | None:
        """Change values of one item; returns the result (``normalized``: the values as stored), or
        None when the write was refused (then nothing changed)."""
        doc = self.document
        if doc is None or doc.read_only:
            return None
        try:
            with doc.transaction() as s:
                result = plan.update_item(s, kind, item_id, values)
        except ConflictError as exc:
            # Another editor changed the same values (team database): the handler (ui/team.py) shows
            # both and saves again when the user keeps theirs; without one the save is refused.
            handler = self.conflict_handler
            if handler is None:
                self._fail(exc)
                return None
            return handler(exc, lambda: self.update(kind, item_id, values, initiator=initiator))
        except (PlanError, DocumentError) as exc:
            self._fail(exc)
            return None
        if not result.changes:
            return result
        self.publish(result.changes, initiator)
        command = UpdateCommand(self, kind, item_id, result, self._title(kind, item_id))
        self.undo_stack.push(command)
        return result

    def create(
        self,
        kind: Kind,
        parent_id: int | None,
        index: int | None,
        values: dict[str, Any] | None = None,
        *,
        initiator: object | None = None,
    ) -> int | None:
        doc = self.document
        if doc is None or doc.read_only:
            return None
        values = values or {("name" if kind == "field" else "title"): NEW_TITLE[kind]}
        try:
            with doc.transaction() as s:
                item_id = plan.create_item(s, kind, parent_id, index, values)
        except (PlanError, DocumentError) as exc:
            self._fail(exc)
            return None
        self.undo_stack.push(CreateCommand(self, kind, int(item_id)))
        self.publish(item_id.changes, initiator)
        return int(item_id)

    def delete(self, kind: Kind, item_id: int, *, initiator: object | None = None) -> bool:
        doc = self.document
        if doc is None or doc.read_only:
            return False
        title = self._title(kind, item_id)
        try:
            with doc.transaction() as s:
                snapshot = plan.delete_item(s, kind, item_id)
        except (PlanError, DocumentError) as exc:
            self._fail(exc)
            self.reload()
            return False
        self.undo_stack.push(DeleteCommand(self, snapshot, title))
        self.publish(snapshot.changes, initiator)
        return True

    def move(
        self,
        kind: Kind,
        item_id: int,
        new_parent_id: int | None,
        new_index: int,
        *,
        initiator: object | None = None,
    ) -> bool:
        doc = self.document
        if doc is None or doc.read_only:
            return False
        try:
            with doc.transaction() as s:
                result = plan.move_item(s, kind, item_id, new_parent_id, new_index)
        except (PlanError, DocumentError) as exc:
            self._fail(exc)
            return False
        if not result.changes:
            return True
        (moved,) = result.changes
        new = (moved.parent_id, moved.index if moved.index is not None else new_index)
        title = self._title(kind, item_id)
        self.undo_stack.push(MoveCommand(self, kind, item_id, (result[0], result[1]), new, title))
        self.publish(result.changes, initiator)
        return True

    def bulk(
        self,
        text: str,
        redo: Callable[[Session], Any],
        undo: Callable[[Session], Any],
        *,
        initiator: object | None = None,
    ) -> bool:
        """An undoable change of many items. redo/undo return their ChangeSet (e.g. an import's
        ``ImportUndo.redo``); one that returns nothing counts as a reset of the plan."""
        doc = self.document
        if doc is None or doc.read_only:
            return False
        fallback = ChangeSet((reset(),))
        try:
            with doc.transaction() as s:
                changes = _as_changes(redo(s), fallback)
        except (PlanError, DocumentError) as exc:
            self._fail(exc)
            return False
        self.undo_stack.push(BulkCommand(self, text, redo, undo, fallback))
        self.publish(changes, initiator)
        return True

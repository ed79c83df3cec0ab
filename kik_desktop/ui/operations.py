"""Every change of the plan goes through here: one transaction, one undo step, one change notice."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand
from sqlalchemy.orm import Session

from kik_desktop.domain import plan
from kik_desktop.domain.conflicts import ConflictError
from kik_desktop.domain.plan import Kind, PlanError, Snapshot
from kik_desktop.store import DocumentError

if TYPE_CHECKING:
    from kik_desktop.ui.main_window import MainWindow

log = logging.getLogger(__name__)

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
class ChangeInfo:
    """What changed: action is updated, inserted, removed, moved or reset; attrs for updates."""

    action: str
    kind: str | None = None
    item_id: int | None = None
    attrs: frozenset[str] = frozenset()


class PlanChanges(QObject):
    """Tells the views (tree, editor, status board) what changed after an edit, undo, redo, reload."""

    changed = Signal(object)


class _PlanCommand(QUndoCommand):
    """Base: the first redo happened before the push (so failures never reach the stack)."""

    def __init__(self, window: MainWindow, text: str) -> None:
        super().__init__(text)
        self.window = window
        self._done = True

    def redo(self) -> None:
        if self._done:
            self._done = False
            return
        self.window.operations.run_undo_step(self._apply, "Wiederholen", self.redo_notice())

    def undo(self) -> None:
        self.window.operations.run_undo_step(self._revert, "Rückgängig", self.undo_notice())

    def _apply(self, s: Session) -> None:
        raise NotImplementedError

    def _revert(self, s: Session) -> None:
        raise NotImplementedError

    def redo_notice(self) -> ChangeInfo:
        return ChangeInfo("reset")

    def undo_notice(self) -> ChangeInfo:
        return self.redo_notice()


class UpdateCommand(_PlanCommand):
    def __init__(
        self, window: MainWindow, kind: Kind, item_id: int, result: plan.UpdateResult, title: str
    ) -> None:
        attrs = sorted(result.new)
        label = ATTR_LABEL.get(attrs[0], attrs[0]) if len(attrs) == 1 else "Werte"
        super().__init__(window, f"{label} von {KIND_LABEL[kind]} „{title}“ ändern")
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

    def _apply(self, s: Session) -> None:
        result = plan.update_item(s, self.kind, self.item_id, self.new, check_conflicts=False)
        self.history_ids = [result.history_id] if result.history_id is not None else []
        self.since = result.since

    def _revert(self, s: Session) -> None:
        plan.update_item(s, self.kind, self.item_id, self.old, record_history=False, undo_since=self.since)
        for history_id in self.history_ids:
            plan.delete_history(s, history_id)

    def redo_notice(self) -> ChangeInfo:
        return ChangeInfo("updated", self.kind, self.item_id, frozenset(self.new) | frozenset(self.old))


class CreateCommand(_PlanCommand):
    def __init__(
        self,
        window: MainWindow,
        kind: Kind,
        item_id: int,
        parent_id: int | None,
        index: int,
        values: dict[str, Any],
    ) -> None:
        super().__init__(window, f"{KIND_LABEL[kind]} anlegen")
        self.kind, self.item_id, self.parent_id, self.index, self.values = (
            kind,
            item_id,
            parent_id,
            index,
            values,
        )
        self.snapshot: Snapshot | None = None

    def _apply(self, s: Session) -> None:
        assert self.snapshot is not None
        plan.restore_item(s, self.snapshot)

    def _revert(self, s: Session) -> None:
        self.snapshot = plan.delete_item(s, self.kind, self.item_id)

    def redo_notice(self) -> ChangeInfo:
        return ChangeInfo("inserted", self.kind, self.item_id)

    def undo_notice(self) -> ChangeInfo:
        return ChangeInfo("removed", self.kind, self.item_id)


class DeleteCommand(_PlanCommand):
    def __init__(self, window: MainWindow, snapshot: Snapshot, title: str) -> None:
        super().__init__(window, f"{KIND_LABEL[snapshot.kind]} „{title}“ löschen")
        self.snapshot = snapshot
        self.item_id = int(snapshot.rows[snapshot.kind][0]["id"])

    def _apply(self, s: Session) -> None:
        self.snapshot = plan.delete_item(s, self.snapshot.kind, self.item_id)

    def _revert(self, s: Session) -> None:
        plan.restore_item(s, self.snapshot)

    def redo_notice(self) -> ChangeInfo:
        return ChangeInfo("removed", self.snapshot.kind, self.item_id)

    def undo_notice(self) -> ChangeInfo:
        return ChangeInfo("inserted", self.snapshot.kind, self.item_id)


class MoveCommand(_PlanCommand):
    def __init__(
        self,
        window: MainWindow,
        kind: Kind,
        item_id: int,
        old: tuple[int | None, int],
        new: tuple[int | None, int],
        title: str,
    ) -> None:
        super().__init__(window, f"{KIND_LABEL[kind]} „{title}“ verschieben")
        self.kind, self.item_id, self.old, self.new = kind, item_id, old, new

    def _apply(self, s: Session) -> None:
        plan.move_item(s, self.kind, self.item_id, *self.new)

    def _revert(self, s: Session) -> None:
        plan.move_item(s, self.kind, self.item_id, *self.old)

    def redo_notice(self) -> ChangeInfo:
        return ChangeInfo("moved", self.kind, self.item_id)


class BulkCommand(_PlanCommand):
    """A change of many items (an import): redo and undo are callables on a session."""

    def __init__(
        self,
        window: MainWindow,
        text: str,
        redo: Callable[[Session], Any],
        undo: Callable[[Session], Any],
        notice: ChangeInfo,
    ) -> None:
        super().__init__(window, text)
        self._redo_fn, self._undo_fn = redo, undo
        self._notice = notice

    def redo_notice(self) -> ChangeInfo:
        return self._notice

    def _apply(self, s: Session) -> None:
        self._redo_fn(s)

    def _revert(self, s: Session) -> None:
        self._undo_fn(s)


class Operations:
    """The one place where the window changes the document."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window

    # -- helpers -------------------------------------------------------------------------------
    def _fail(self, exc: Exception) -> None:
        self.window.show_error("Die Änderung wurde nicht gespeichert", str(exc))

    def run_undo_step(self, fn: Callable[[Session], None], what: str, notice: ChangeInfo) -> None:
        """Run an undo or redo step; on failure the window is reloaded from the database."""
        doc = self.window.document
        assert doc is not None
        try:
            with doc.transaction() as s:
                fn(s)
        except (PlanError, DocumentError) as exc:
            log.warning("%s failed: %s", what, exc)
            self.window.show_error(
                f"{what} war nicht möglich",
                f"{exc}\n\nDie Anzeige wurde neu geladen; die Liste der Rückgängig-Schritte wurde geleert.",
            )
            self.window.reload_plan()
            # The stack no longer matches the database: start afresh rather than undo the wrong thing.
            self.window.defer(self.window.undo_stack.clear)
            return
        self.window.notify(notice)

    # -- edits ---------------------------------------------------------------------------------
    def update(self, kind: Kind, item_id: int, values: dict[str, Any]) -> bool:
        doc = self.window.document
        if doc is None or doc.read_only:
            return False
        try:
            with doc.transaction() as s:
                result = plan.update_item(s, kind, item_id, values)
                title = plan.title_of(kind, plan.get_values(s, kind, item_id))
        except ConflictError as exc:
            # Another editor changed the same values (team database): both are shown, the user chooses.
            from kik_desktop.ui.team import resolve_conflict

            return resolve_conflict(self.window, exc, lambda: self.update(kind, item_id, values))
        except (PlanError, DocumentError) as exc:
            self._fail(exc)
            self.window.notify(ChangeInfo("updated", kind, item_id, frozenset(values)))
            return False
        if not result.new:
            return True
        command = UpdateCommand(self.window, kind, item_id, result, title)
        self.window.undo_stack.push(command)
        self.window.notify(command.redo_notice())
        return True

    def create(
        self, kind: Kind, parent_id: int | None, index: int | None, values: dict[str, Any] | None = None
    ) -> int | None:
        doc = self.window.document
        if doc is None or doc.read_only:
            return None
        values = values or {("name" if kind == "field" else "title"): NEW_TITLE[kind]}
        try:
            with doc.transaction() as s:
                item_id = plan.create_item(s, kind, parent_id, index, values)
                pos = plan.index_of(s, kind, item_id)
        except (PlanError, DocumentError) as exc:
            self._fail(exc)
            return None
        self.window.undo_stack.push(CreateCommand(self.window, kind, item_id, parent_id, pos, values))
        self.window.notify(ChangeInfo("inserted", kind, item_id))
        return item_id

    def delete(self, kind: Kind, item_id: int) -> bool:
        doc = self.window.document
        if doc is None or doc.read_only:
            return False
        try:
            with doc.transaction() as s:
                title = plan.title_of(kind, plan.get_values(s, kind, item_id))
                snapshot = plan.delete_item(s, kind, item_id)
        except (PlanError, DocumentError) as exc:
            self._fail(exc)
            self.window.reload_plan()
            return False
        self.window.undo_stack.push(DeleteCommand(self.window, snapshot, title))
        self.window.notify(ChangeInfo("removed", kind, item_id))
        return True

    def move(self, kind: Kind, item_id: int, new_parent_id: int | None, new_index: int) -> bool:
        doc = self.window.document
        if doc is None or doc.read_only:
            return False
        try:
            with doc.transaction() as s:
                title = plan.title_of(kind, plan.get_values(s, kind, item_id))
                old = plan.move_item(s, kind, item_id, new_parent_id, new_index)
                new = (plan.parent_id_of(s, kind, item_id), plan.index_of(s, kind, item_id))
        except (PlanError, DocumentError) as exc:
            self._fail(exc)
            return False
        if old == new:
            return True
        self.window.undo_stack.push(MoveCommand(self.window, kind, item_id, old, new, title))
        self.window.notify(ChangeInfo("moved", kind, item_id))
        return True

    def bulk(
        self,
        text: str,
        redo: Callable[[Session], Any],
        undo: Callable[[Session], Any],
        notice: ChangeInfo | None = None,
    ) -> bool:
        doc = self.window.document
        if doc is None or doc.read_only:
            return False
        try:
            with doc.transaction() as s:
                redo(s)
        except (PlanError, DocumentError) as exc:
            self._fail(exc)
            return False
        command = BulkCommand(self.window, text, redo, undo, notice or ChangeInfo("reset"))
        self.window.undo_stack.push(command)
        self.window.notify(command.redo_notice())
        return True

"""Every domain write returns typed change records (domain/changes.py) in its old result shape."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from kik_desktop.domain import plan
from kik_desktop.domain.changes import Action, Change, ChangeSet
from kik_desktop.exchange.excel_import import prepare_import, preview_document
from kik_desktop.models import Goal, Measure
from kik_desktop.store import Document
from tests.test_excel_apply import edited_export

pytestmark = pytest.mark.both_backends


def ids(doc: Document, cls: type[Goal] | type[Measure], *titles: str) -> list[int]:
    with doc.reading() as s:
        found = {t: i for t, i in s.execute(select(cls.title, cls.id))}
    return [found[t] for t in titles]


def test_update_records_new_values_and_the_status_history(small_plan: Document) -> None:
    (m2,) = ids(small_plan, Measure, "M2")
    with small_plan.transaction() as s:
        result = plan.update_item(
            s, "measure", m2, {"status_key": "mitte", "title": "M2 neu", "end": "6/2026"}
        )
        unchanged = plan.update_item(s, "measure", m2, {"title": "M2 neu"})
    first, history = result.changes
    assert first == Change(
        Action.UPDATED, "measure", m2, {"status_key": "mitte", "title": "M2 neu", "end": "06/2026"}
    )
    assert first.attrs == {"status_key", "title", "end"}
    assert history.action is Action.CREATED and history.kind == plan.STATUS_CHANGE
    assert history.item_id == result.history_id and history.parent_id == m2
    assert dict(history.values) == {"old_status": "anfang", "new_status": "mitte"}
    assert not unchanged.changes


def test_create_is_an_int_with_its_place(small_plan: Document) -> None:
    (goal_a,) = ids(small_plan, Goal, "Ziel A")
    with small_plan.transaction() as s:
        new = plan.create_item(s, "measure", goal_a, 1, {"title": "Neu", "start": "2026"})
        number = plan.number_of(s, "measure", new)
    assert isinstance(new, int) and number == "1.1.2"
    (change,) = new.changes
    assert (change.action, change.kind, change.item_id, change.parent_id, change.index) == (
        Action.CREATED,
        "measure",
        int(new),
        goal_a,
        1,
    )
    assert change.values["title"] == "Neu" and change.values["start"] == "2026"


def test_delete_restore_and_move_record_places(small_plan: Document) -> None:
    goal_a, goal_c = ids(small_plan, Goal, "Ziel A", "Ziel C")
    m2, m5 = ids(small_plan, Measure, "M2", "M5")
    with small_plan.transaction() as s:
        snap = plan.delete_item(s, "measure", m2)
        back = plan.restore_item(s, snap)
        moved = plan.move_item(s, "measure", m2, goal_c, 0)
        stay = plan.move_item(s, "measure", m5, goal_c, 1)
    assert list(snap.changes) == [Change(Action.DELETED, "measure", m2, parent_id=goal_a, index=1)]
    (restored,) = back
    assert (restored.action, restored.item_id, restored.parent_id, restored.index) == (
        Action.CREATED,
        m2,
        goal_a,
        1,
    )
    assert restored.values["title"] == "M2"
    old_parent, old_index = moved
    assert (old_parent, old_index) == (goal_a, 1) and moved == (goal_a, 1)
    assert list(moved.changes) == [Change(Action.MOVED, "measure", m2, parent_id=goal_c, index=0)]
    assert stay == (goal_c, 1) and not stay.changes


def test_import_apply_and_undo_return_change_sets(small_plan: Document, tmp_path: Path) -> None:
    path = edited_export(small_plan, tmp_path)
    record = prepare_import(preview_document(small_plan, path), delete_missing=True)
    with small_plan.transaction() as s:
        applied = record.redo(s)
    with small_plan.transaction() as s:
        undone = record.undo(s)
    assert isinstance(applied, ChangeSet) and isinstance(undone, ChangeSet)
    m1, m3 = ids(small_plan, Measure, "M1", "M3")
    actions = {(c.action, c.kind) for c in applied}
    assert (Action.CREATED, "measure") in actions and (Action.DELETED, "measure") in actions
    assert any(
        c.action is Action.UPDATED and c.item_id == m1 and c.values["title"] == "M1 neu" for c in applied
    )
    assert any(c.action is Action.DELETED and c.item_id == m3 for c in applied)
    # Undo puts M3 back and takes the new measure away again.
    assert any(c.action is Action.CREATED and c.item_id == m3 for c in undone)
    new_ids = {c.item_id for c in applied if c.action is Action.CREATED and c.kind == "measure"}
    assert new_ids and new_ids <= {c.item_id for c in undone if c.action is Action.DELETED}

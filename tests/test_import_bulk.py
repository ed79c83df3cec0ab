"""Importing many new items: written in bulk, in file order, with compact positions; one undo step that
takes them all back; redo gives them the same ids and uids; the change record is compact."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from kik_desktop.domain import plan
from kik_desktop.domain.changes import Action
from kik_desktop.domain.queries import dump_plan
from kik_desktop.exchange.excel_export import export_document
from kik_desktop.exchange.excel_import import apply_import, preview_document
from kik_desktop.exchange.merge import COMPACT_LIMIT
from kik_desktop.models import Field, Goal, Measure
from kik_desktop.store import Document, create_document

pytestmark = pytest.mark.both_backends


def _plan(doc: Document, fields: int, goals: int, measures: int) -> None:
    with doc.transaction() as s:
        for f in range(fields):
            fid = plan.create_item(s, "field", None, values={"name": f"Feld {f}"})
            for g in range(goals):
                gid = plan.create_item(s, "goal", fid, values={"title": f"Ziel {f}.{g}"})
                for m in range(measures):
                    plan.create_item(
                        s,
                        "measure",
                        gid,
                        values={"title": f"Maßnahme {f}.{g}.{m}", "status_key": "mitte" if m % 2 else None},
                    )


def _shape(doc: Document) -> list[Any]:
    with doc.reading() as s:
        data = dump_plan(s)
    return [
        (f["title"], [(g["title"], [(m["title"], m["status"]) for m in g["measures"]]) for g in f["goals"]])
        for f in data["fields"]
    ]


def _positions(doc: Document) -> dict[str, list[list[int]]]:
    out: dict[str, list[list[int]]] = {}
    with doc.reading() as s:
        out["field"] = [list(s.scalars(select(Field.position).order_by(Field.position)))]
        out["goal"] = [
            list(s.scalars(select(Goal.position).where(Goal.field_id == f).order_by(Goal.position)))
            for f in s.scalars(select(Field.id))
        ]
        out["measure"] = [
            list(s.scalars(select(Measure.position).where(Measure.goal_id == g).order_by(Measure.position)))
            for g in s.scalars(select(Goal.id))
        ]
    return out


def test_many_new_items_in_bulk_undo_redo(empty_doc: Document, tmp_path: Path) -> None:
    source = create_document(tmp_path / "source.kik")
    _plan(source, 3, 4, 25)  # 3 fields, 12 goals, 300 measures
    xlsx = tmp_path / "plan.xlsx"
    export_document(source, xlsx)
    expected = _shape(source)
    source.close()

    doc = empty_doc  # the target: a file, or a database on the PostgreSQL test server
    preview = preview_document(doc, xlsx)
    assert len(preview.new) == 3 + 12 + 300
    with doc.transaction() as s:
        record = apply_import(s, preview)
        # One bulk run per kind, parents first.
        assert [d[1][0] for d in record._done if d[0] == "new"] == ["field", "goal", "measure"]
    assert _shape(doc) == expected
    # Positions 0..n-1 under every parent, as the tree's own edits keep them.
    for lists in _positions(doc).values():
        for positions in lists:
            assert positions == list(range(len(positions)))
    with doc.reading() as s:
        ids = sorted(s.scalars(select(Measure.id)))
        uids = sorted(s.scalars(select(Measure.uid)))
    with doc.transaction() as s:
        undone = record.undo(s)
    assert undone.is_reset  # 315 changes: one RESET, not 315 records
    with doc.reading() as s:
        assert s.scalar(select(func.count(Field.id))) == 0
        assert s.scalar(select(func.count(Measure.id))) == 0
    with doc.transaction() as s:
        redone = record.redo(s)
    assert redone.is_reset and len(redone) == 1
    assert _shape(doc) == expected
    with doc.reading() as s:
        assert sorted(s.scalars(select(Measure.id))) == ids
        assert sorted(s.scalars(select(Measure.uid))) == uids
    # The ids given back by redo do not collide with the next new item (PostgreSQL's sequences).
    with doc.transaction() as s:
        goal = s.scalars(select(Goal.id)).first()
        assert plan.create_item(s, "measure", goal, None, {"title": "danach"}) > max(ids)


def test_few_new_items_give_a_record_each(empty_doc: Document, tmp_path: Path) -> None:
    source = create_document(tmp_path / "source.kik")
    _plan(source, 1, 1, 2)
    xlsx = tmp_path / "plan.xlsx"
    export_document(source, xlsx)
    source.close()
    doc = empty_doc  # the target: a file, or a database on the PostgreSQL test server
    _plan(doc, 1, 1, 0)  # the same field and goal exist, without measures
    preview = preview_document(doc, xlsx)
    with doc.transaction() as s:
        record = apply_import(s, preview)
    with doc.transaction() as s:
        record.undo(s)
    with doc.transaction() as s:
        changes = record.redo(s)
    created = [c for c in changes if c.action is Action.CREATED and c.kind == "measure"]
    assert len(changes) <= COMPACT_LIMIT and len(created) == 2
    assert [c.index for c in created] == [0, 1]
    assert _shape(doc)[0][1][0][1] == [("Maßnahme 0.0.0", None), ("Maßnahme 0.0.1", "mitte")]

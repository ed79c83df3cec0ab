"""Edits of the concept page, steering group, cross-cutting tasks, funding sources and status legend."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from kik_desktop.domain import concept, plan
from kik_desktop.domain.changes import Action
from kik_desktop.domain.queries import dump_plan
from kik_desktop.models import CrossCuttingTask, Measure, measure_task
from kik_desktop.store import Document

pytestmark = pytest.mark.both_backends


def dump(doc: Document) -> dict[str, Any]:
    with doc.reading() as s:
        return dump_plan(s)


def undo_redo_roundtrip(doc: Document, edit: concept.Edit, before: dict[str, Any]) -> None:
    """Undo gives back exactly the state before, redo the state after, and undo again the state before."""
    after = dump(doc)
    assert after != before
    with doc.transaction() as s:
        redo = edit.revert(s)
    assert dump(doc) == before
    with doc.transaction() as s:
        again = redo.revert(s)
    assert dump(doc) == after
    with doc.transaction() as s:
        again.revert(s)
    assert dump(doc) == before


def test_concept_page_edit_and_undo(default_doc: Document) -> None:
    before = dump(default_doc)
    with default_doc.transaction() as s:
        edit = concept.update_concept(
            s, {"motto": "Neu gestalten", "council_decision_date": "3.2.2027", "understanding": "A\r\nB"}
        )
    change = edit.changes.changes[0]
    assert change.kind == "concept" and change.action is Action.UPDATED
    assert dict(change.values) == {
        "motto": "Neu gestalten",
        "council_decision_date": "2027-02-03",
        "understanding": "A\nB",
    }
    with default_doc.reading() as s:
        values = concept.concept_values(s)
    assert values["motto"] == "Neu gestalten" and values["council_decision_date"] == "2027-02-03"
    undo_redo_roundtrip(default_doc, edit, before)


def test_concept_page_new_key_is_removed_again_on_undo(empty_doc: Document) -> None:
    before = dump(empty_doc)
    assert "motto" not in before["properties"]
    with empty_doc.transaction() as s:
        edit = concept.update_concept(s, {"motto": "M"})
    assert dump(empty_doc)["properties"]["motto"] == "M"
    with empty_doc.transaction() as s:
        edit.revert(s)
    assert dump(empty_doc) == before


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"council_decision_date": "31.02.2021"}, "kein Datum"),
        ({"concept_name": "  "}, "braucht einen Namen"),
        ({"nonsense": "x"}, "Unbekanntes Feld"),
    ],
)
def test_concept_page_bad_input_changes_nothing(
    default_doc: Document, values: dict[str, str], message: str
) -> None:
    before = dump(default_doc)
    with pytest.raises(plan.PlanError, match=message), default_doc.transaction() as s:
        concept.update_concept(s, values)
    assert dump(default_doc) == before


def test_unchanged_value_is_no_edit(default_doc: Document) -> None:
    with default_doc.transaction() as s:
        motto = concept.concept_values(s)["motto"]
        edit = concept.update_concept(s, {"motto": motto})
    assert not edit.changes


def test_steering_group_add_update_move_remove_with_undo(default_doc: Document) -> None:
    before = dump(default_doc)
    with default_doc.transaction() as s:
        edit = concept.add_steering_member(s, {"area": "Neu", "role": "Rolle", "members": "A / B"}, index=1)
    assert edit.item_id is not None and edit.changes.changes[0].action is Action.CREATED
    assert dump(default_doc)["steering_group"][1] == {"area": "Neu", "role": "Rolle", "members": "A / B"}
    undo_redo_roundtrip(default_doc, edit, before)

    with default_doc.reading() as s:
        first, second = (r["id"] for r in concept.steering_rows(s)[:2])
    with default_doc.transaction() as s:
        edit = concept.update_steering_member(s, first, {"members": "Jemand Neues"})
    assert dump(default_doc)["steering_group"][0]["members"] == "Jemand Neues"
    undo_redo_roundtrip(default_doc, edit, before)

    with default_doc.transaction() as s:
        edit = concept.move_steering_member(s, first, 3)
    with default_doc.reading() as s:
        order = [r["id"] for r in concept.steering_rows(s)]
    assert order.index(first) == 3 and order[0] == second
    undo_redo_roundtrip(default_doc, edit, before)

    with default_doc.transaction() as s:
        edit = concept.remove_steering_member(s, second)
    assert len(dump(default_doc)["steering_group"]) == len(before["steering_group"]) - 1
    undo_redo_roundtrip(default_doc, edit, before)


def _tag(doc: Document, titles: list[str], task_title: str) -> tuple[int, list[int]]:
    with doc.transaction() as s:
        task_id = s.scalars(select(CrossCuttingTask.id).where(CrossCuttingTask.title == task_title)).one()
        ids = list(s.scalars(select(Measure.id).where(Measure.title.in_(titles))))
        for mid in ids:
            plan.update_item(s, "measure", mid, {"tasks": [task_id]})
    return task_id, ids


def test_task_in_use_needs_replacement_and_measures_are_retagged(small_plan: Document) -> None:
    with small_plan.transaction() as s:
        a = concept.add_task(s, "Aufgabe A").item_id
        b = concept.add_task(s, "Aufgabe B").item_id
    assert a is not None and b is not None
    _tag(small_plan, ["M1", "M2"], "Aufgabe A")
    with small_plan.transaction() as s:
        m3 = s.scalars(select(Measure.id).where(Measure.title == "M3")).one()
        plan.update_item(s, "measure", m3, {"tasks": [a, b]})
    before = dump(small_plan)

    with pytest.raises(plan.PlanError, match="3 Maßnahmen zugeordnet"), small_plan.transaction() as s:
        concept.remove_task(s, a)
    assert dump(small_plan) == before
    with pytest.raises(plan.PlanError, match="andere"), small_plan.transaction() as s:
        concept.remove_task(s, a, a)

    with small_plan.transaction() as s:
        edit = concept.remove_task(s, a, b)
    assert edit.extra["retagged"] and len(edit.changes.of_kind("measure")) == 3
    after = dump(small_plan)
    tasks = {
        m["title"]: m["cross_cutting_tasks"]
        for f in after["fields"]
        for g in f["goals"]
        for m in g["measures"]
    }
    assert tasks["M1"] == tasks["M2"] == tasks["M3"] == ["Aufgabe B"]
    assert "Aufgabe A" not in after["cross_cutting_tasks"]
    undo_redo_roundtrip(small_plan, edit, before)


def test_unused_task_is_removed_without_replacement_and_rename_refuses_duplicates(
    default_doc: Document,
) -> None:
    before = dump(default_doc)
    with default_doc.reading() as s:
        rows = concept.task_rows(s)
    with pytest.raises(plan.PlanError, match="gibt es schon"), default_doc.transaction() as s:
        concept.rename_task(s, rows[0]["id"], rows[1]["title"].upper())
    with default_doc.transaction() as s:
        edit = concept.rename_task(s, rows[0]["id"], "Kommunikation stärken")
    assert dump(default_doc)["cross_cutting_tasks"][0] == "Kommunikation stärken"
    undo_redo_roundtrip(default_doc, edit, before)
    with default_doc.transaction() as s:
        edit = concept.remove_task(s, rows[6]["id"])
    assert len(dump(default_doc)["cross_cutting_tasks"]) == 6
    undo_redo_roundtrip(default_doc, edit, before)
    with default_doc.transaction() as s:
        edit = concept.move_task(s, rows[6]["id"], 0)
    assert dump(default_doc)["cross_cutting_tasks"][0] == rows[6]["title"]
    undo_redo_roundtrip(default_doc, edit, before)


def test_task_removal_undo_restores_measure_tags(small_plan: Document) -> None:
    with small_plan.transaction() as s:
        a = concept.add_task(s, "A").item_id
        b = concept.add_task(s, "B").item_id
    _tag(small_plan, ["M5"], "A")
    with small_plan.transaction() as s:
        edit = concept.remove_task(s, int(a or 0), b)
    with small_plan.transaction() as s:
        edit.revert(s)
    with small_plan.reading() as s:
        pairs = set(s.execute(select(measure_task.c.measure_id, measure_task.c.task_id)).all())
        m5 = s.scalars(select(Measure.id).where(Measure.title == "M5")).one()
    assert pairs == {(m5, a)}


def test_funding_sources(default_doc: Document) -> None:
    before = dump(default_doc)
    with default_doc.transaction() as s:
        edit = concept.add_funding_source(s, {"name": "Bundesprogramm X", "kind": "Förderprogramm"})
    assert {"name": "Bundesprogramm X", "kind": "Förderprogramm", "notes": ""} in dump(default_doc)[
        "funding_sources"
    ]
    undo_redo_roundtrip(default_doc, edit, before)
    with default_doc.reading() as s:
        first = concept.funding_rows(s)[0]
    with pytest.raises(plan.PlanError, match="gibt es schon"), default_doc.transaction() as s:
        concept.update_funding_source(s, first["id"], {"name": "kultur macht stark!"})
    with pytest.raises(plan.PlanError, match="braucht einen Namen"), default_doc.transaction() as s:
        concept.update_funding_source(s, first["id"], {"name": ""})
    with default_doc.transaction() as s:
        edit = concept.update_funding_source(s, first["id"], {"notes": "neu"})
    undo_redo_roundtrip(default_doc, edit, before)
    with default_doc.transaction() as s:
        edit = concept.remove_funding_source(s, first["id"])
    undo_redo_roundtrip(default_doc, edit, before)


def test_status_legend_edit_validates_and_undoes(default_doc: Document) -> None:
    before = dump(default_doc)
    with default_doc.transaction() as s:
        edit = concept.update_status(
            s, "mitte", {"label": "halb fertig", "short": "halb", "color": "#00ff7f", "symbol": "M"}
        )
    st = next(x for x in dump(default_doc)["statuses"] if x["key"] == "mitte")
    assert st == {"key": "mitte", "label": "halb fertig", "short": "halb", "color": "00FF7F", "symbol": "M"}
    assert edit.changes.changes[0].kind == "status"
    undo_redo_roundtrip(default_doc, edit, before)
    for values, message in (
        ({"color": "grün"}, "keine Farbe"),
        ({"label": ""}, "braucht eine Bezeichnung"),
        ({"symbol": "abcd"}, "höchstens 3"),
        ({"short": "Anfang"}, "schon der Status"),
    ):
        with pytest.raises(plan.PlanError, match=message), default_doc.transaction() as s:
            concept.update_status(s, "mitte", values)
    with pytest.raises(plan.PlanError, match="fest"), default_doc.transaction() as s:
        concept.update_status(s, "neu", {"label": "x"})
    assert dump(default_doc) == before


def test_board_uses_the_legend_short_names(default_doc: Document) -> None:
    from datetime import date

    from kik_desktop.domain.board import compute_board

    with default_doc.transaction() as s:
        concept.update_status(s, "umgesetzt", {"short": "erledigt"})
        board = compute_board(s, date(2026, 11, 30))
    assert board.short_label("umgesetzt") == "erledigt"
    assert board.short_label("anfang") == "Anfang"
    assert board.short_label(None) == "ohne Status"

"""Domain operations: numbering, create/update/delete/restore/move, validation, history."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kik_desktop.domain import plan
from kik_desktop.domain.plan_index import load_tree
from kik_desktop.domain.queries import dump_plan
from kik_desktop.models import Measure, StatusChange
from kik_desktop.store import Document


# Every test of this module runs on SQLite and on PostgreSQL (tests/pg_harness.py).
@pytest.fixture
def small_plan(any_small_plan: Document) -> Document:
    return any_small_plan


@pytest.fixture
def default_doc(any_default_doc: Document) -> Document:
    return any_default_doc


@pytest.fixture
def empty_doc(any_empty_doc: Document) -> Document:
    return any_empty_doc


def titles(doc: Document) -> list[tuple[str, str]]:
    """(number, title) of every measure in tree order."""
    with doc.reading() as s:
        data = dump_plan(s)
    return [(m["number"], m["title"]) for f in data["fields"] for g in f["goals"] for m in g["measures"]]


def mid(doc: Document, title: str) -> int:
    with doc.reading() as s:
        return s.scalars(select(Measure.id).where(Measure.title == title)).one()


def test_numbers_follow_tree_order(small_plan: Document) -> None:
    assert titles(small_plan) == [
        ("1.1.1", "M1"),
        ("1.1.2", "M2"),
        ("1.1.3", "M3"),
        ("1.2.1", "M4"),
        ("2.1.1", "M5"),
        ("2.1.2", "M6"),
    ]
    with small_plan.reading() as s:
        assert plan.number_of(s, "measure", mid(small_plan, "M6")) == "2.1.2"
        kind, item = plan.find_by_number(s, "1.2") or ("", 0)
        assert kind == "goal" and s.get_one(plan.Goal, item).title == "Ziel B"
        assert plan.find_by_number(s, "9.9") is None
        assert plan.find_by_number(s, "abc") is None


def test_move_within_and_between_parents_renumbers(small_plan: Document) -> None:
    with small_plan.transaction() as s:
        old = plan.move_item(
            s, "measure", mid(small_plan, "M3"), plan.parent_id_of(s, "measure", mid(small_plan, "M3")), 0
        )
    assert [t for _, t in titles(small_plan)][:3] == ["M3", "M1", "M2"]
    with small_plan.transaction() as s:
        target_goal = plan.parent_id_of(s, "measure", mid(small_plan, "M5"))
        plan.move_item(s, "measure", mid(small_plan, "M1"), target_goal, 1)
    assert titles(small_plan) == [
        ("1.1.1", "M3"),
        ("1.1.2", "M2"),
        ("1.2.1", "M4"),
        ("2.1.1", "M5"),
        ("2.1.2", "M1"),
        ("2.1.3", "M6"),
    ]
    # moving back with the returned (parent, index) restores the first order
    with small_plan.transaction() as s:
        plan.move_item(s, "measure", mid(small_plan, "M1"), old[0], 0)
        plan.move_item(s, "measure", mid(small_plan, "M3"), old[0], old[1])
    assert [t for _, t in titles(small_plan)] == ["M1", "M2", "M3", "M4", "M5", "M6"]


def test_delete_and_restore_goal_with_children(small_plan: Document) -> None:
    before = titles(small_plan)
    with small_plan.transaction() as s:
        plan.update_item(s, "measure", mid(small_plan, "M1"), {"status_key": "ende", "tasks": []})
        goal = plan.parent_id_of(s, "measure", mid(small_plan, "M1"))
    with small_plan.reading() as s:
        history_before = len(s.scalars(select(StatusChange)).all())
    with small_plan.transaction() as s:
        snap = plan.delete_item(s, "goal", goal)
    assert [t for _, t in titles(small_plan)] == ["M4", "M5", "M6"]
    assert titles(small_plan)[0][0] == "1.1.1"  # Ziel B moved up to 1.1
    with small_plan.reading() as s:
        assert s.scalars(select(StatusChange)).all() == []
    with small_plan.transaction() as s:
        plan.restore_item(s, snap)
    assert titles(small_plan) == before
    with small_plan.reading() as s:
        assert len(s.scalars(select(StatusChange)).all()) == history_before == 1


def test_update_records_status_history_and_normalises(small_plan: Document) -> None:
    m = mid(small_plan, "M2")
    with small_plan.transaction() as s:
        result = plan.update_item(
            s,
            "measure",
            m,
            {"status_key": "gefaehrdet", "start": "3/22", "end": "Laufend", "title": "M2\x08 neu\r\nzeile"},
        )
    assert result.old == {"status_key": "anfang", "start": "", "end": "", "title": "M2"}
    assert result.history_id is not None
    with small_plan.reading() as s:
        values = plan.get_values(s, "measure", m)
        change = s.get_one(StatusChange, result.history_id)
        assert (change.old_status, change.new_status) == ("anfang", "gefaehrdet")
    assert values["start"] == "03/2022" and values["end"] == "laufend"
    assert values["title"] == "M2 neu\nzeile"
    with small_plan.transaction() as s:
        again = plan.update_item(s, "measure", m, {"status_key": "gefaehrdet"})
    assert again.new == {} and again.history_id is None


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"status_key": "blau"}, "Unbekannter Status"),
        ({"priority": 7}, "Priorität"),
        ({"priority": "viel"}, "keine ganze Zahl"),
        ({"title": "x" * 40_000}, "höchstens 32.767"),
        ({"colour": "x"}, "Unbekanntes Feld"),
        ({"tasks": [999]}, "Querschnittsaufgabe"),
    ],
)
def test_invalid_values_are_refused_and_change_nothing(
    small_plan: Document, values: dict, message: str
) -> None:
    m = mid(small_plan, "M1")
    with pytest.raises(plan.PlanError, match=message), small_plan.transaction() as s:
        plan.update_item(s, "measure", m, {"notes": "soll nicht bleiben", **values})
    with small_plan.reading() as s:
        assert plan.get_values(s, "measure", m)["notes"] == ""


def test_load_tree_matches_dump(default_doc: Document) -> None:
    with default_doc.reading() as s:
        tree = load_tree(s)
        data = dump_plan(s)
    assert [f.title for f in tree] == [f["title"] for f in data["fields"]]
    assert [len(f.children) for f in tree] == [len(f["goals"]) for f in data["fields"]]
    measures = [m for f in tree for g in f.children for m in g.children]
    assert all(m.kind == "measure" and m.search_text == m.search_text.lower() for m in measures)

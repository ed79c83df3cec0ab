"""The status board's figures and lists against a plan built for the test, and the status history."""

from __future__ import annotations

import json
import random
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from kik_desktop.domain import plan
from kik_desktop.domain.board import (
    ANY,
    BoardData,
    compute_board,
    history_of,
    is_overdue,
    measure_ids_matching,
    responsible_names,
    starts_soon,
)
from kik_desktop.domain.changes import ChangeSet
from kik_desktop.store import Document

pytestmark = pytest.mark.both_backends

TODAY = date(2026, 3, 15)


@pytest.fixture
def board_doc(empty_doc: Document) -> tuple[Document, dict[str, int]]:
    """Two fields, three goals, eight measures whose dates sit on the month boundaries of TODAY."""
    ids: dict[str, int] = {}
    with empty_doc.transaction() as s:
        ids["f1"] = plan.create_item(
            s, "field", None, None, {"name": "Eins", "adopted_goals": 3, "adopted_measures": 27}
        )
        ids["f2"] = plan.create_item(s, "field", None, None, {"name": "Zwei"})
        ids["g11"] = plan.create_item(s, "goal", ids["f1"], None, {"title": "Ziel A", "indicator": "Ind A"})
        ids["g12"] = plan.create_item(s, "goal", ids["f1"], None, {"title": "Ziel B"})
        ids["g21"] = plan.create_item(s, "goal", ids["f2"], None, {"title": "Ziel C", "indicator": "  "})
        measures = {
            # at risk and overdue: February is before March
            "m1": (
                "g11",
                dict(
                    status_key="gefaehrdet",
                    start="01/2026",
                    end="02/2026",
                    responsible="Amt für Integration",
                    success_indicator="10 pro Treffen",
                    priority=1,
                ),
            ),
            # done long ago, not overdue; starts in the current month: soon; nobody responsible
            "m2": (
                "g11",
                dict(status_key="umgesetzt", start="03/2026", end="01/2025", success_indicator="x"),
            ),
            # ends in the current month: not yet overdue; starts three months ahead: still soon
            "m3": ("g11", dict(status_key=None, start="06/2026", end="03/2026", responsible="VHS Kempten")),
            # a bare year ends in December 2025: overdue; starts four months ahead: not soon
            "m4": (
                "g12",
                dict(
                    status_key="anfang",
                    start="07/2026",
                    end="2025",
                    responsible="Jobcenter; Amt für Integration",
                    success_indicator="y",
                    priority=2,
                ),
            ),
            # open-ended never overdue; started last month: not soon
            "m5": (
                "g21",
                dict(
                    status_key="mitte",
                    start="02/2026",
                    end="laufend",
                    responsible="VHS Kempten",
                    success_indicator="z",
                ),
            ),
            # a bare year ends in December 2026; a bare year starts in January: not soon
            "m6": (
                "g21",
                dict(
                    status_key="zukuenftig",
                    start="2026",
                    end="2026",
                    responsible="Jobcenter",
                    success_indicator="z",
                ),
            ),
            # unparsed end text: never overdue
            "m7": (
                "g21",
                dict(
                    status_key="gefaehrdet",
                    end="wenn Mittel da sind",
                    responsible="Jobcenter",
                    success_indicator="z",
                    priority=1,
                ),
            ),
            "m8": ("g21", dict(status_key="ende", end="12/2025", responsible="  ", success_indicator="z")),
        }
        for name, (goal, values) in measures.items():
            ids[name] = plan.create_item(s, "measure", ids[goal], None, {"title": name.upper(), **values})
    return empty_doc, ids


def numbers(entries: list[Any]) -> list[str]:
    return [e.number for e in entries]


def test_matrix_counts_and_totals(board_doc: tuple[Document, dict[str, int]]) -> None:
    doc, _ = board_doc
    with doc.reading() as s:
        board = compute_board(s, TODAY)
    assert board.columns == ["umgesetzt", "anfang", "mitte", "ende", "gefaehrdet", "zukuenftig", None]
    f1, f2 = board.fields
    assert f1.counts == {
        "umgesetzt": 1,
        "anfang": 1,
        "mitte": 0,
        "ende": 0,
        "gefaehrdet": 1,
        "zukuenftig": 0,
        None: 1,
    }
    assert f2.counts == {
        "umgesetzt": 0,
        "anfang": 0,
        "mitte": 1,
        "ende": 1,
        "gefaehrdet": 1,
        "zukuenftig": 1,
        None: 0,
    }
    assert board.totals == {
        "umgesetzt": 1,
        "anfang": 1,
        "mitte": 1,
        "ende": 1,
        "gefaehrdet": 2,
        "zukuenftig": 1,
        None: 1,
    }
    assert sum(board.totals.values()) == board.total_measures == 8
    assert board.total_goals == 3 and board.adopted_goals == 3 and board.adopted_measures == 27
    assert board.label(None) == "ohne Status"
    assert board.short_label("gefaehrdet") == "gefährdet"


def test_per_field_progress_against_adopted(board_doc: tuple[Document, dict[str, int]]) -> None:
    doc, _ = board_doc
    with doc.reading() as s:
        f1, f2 = compute_board(s, TODAY).fields
    assert f1.entered_text() == "4 von 27 Maßnahmen erfasst"
    assert f1.goals_text() == "2 von 3 Zielen erfasst"
    assert f2.entered_text() == "4 Maßnahmen erfasst"  # the council gave no count for it
    assert (f1.share_done, f1.share_in_progress, f1.share_at_risk) == (0.25, 0.25, 0.25)
    assert (f2.share_done, f2.share_in_progress, f2.share_at_risk) == (0.0, 0.5, 0.25)


def test_action_lists(board_doc: tuple[Document, dict[str, int]]) -> None:
    doc, ids = board_doc
    with doc.reading() as s:
        board = compute_board(s, TODAY)
    assert numbers(board.at_risk) == ["1.1.1", "2.1.3"]
    assert [e.id for e in board.overdue] == [ids["m1"], ids["m4"], ids["m8"]]
    assert numbers(board.overdue) == ["1.1.1", "1.2.1", "2.1.4"]
    assert [e.extra for e in board.overdue] == ["bis 02/2026", "bis 2025", "bis 12/2025"]
    assert numbers(board.starting_soon) == ["1.1.2", "1.1.3"]
    assert [e.extra for e in board.starting_soon] == ["ab 03/2026", "ab 06/2026"]
    assert numbers(board.without_responsible) == ["1.1.2", "2.1.4"]
    assert numbers(board.goals_without_indicator) == ["1.2", "2.1"]
    assert [e.kind for e in board.goals_without_indicator] == ["goal", "goal"]
    assert numbers(board.without_success_indicator) == ["1.1.3"]
    assert board.soon_range() == ("03/2026", "06/2026")


@pytest.mark.parametrize(
    ("end", "status", "today", "expected"),
    [
        ("02/2026", "anfang", date(2026, 3, 1), True),  # first day of the next month
        ("03/2026", "anfang", date(2026, 3, 31), False),  # last day of the end month
        ("12/2025", None, date(2026, 1, 1), True),  # across the year boundary
        ("2025", "mitte", date(2025, 12, 31), False),  # a bare year runs until December
        ("2025", "mitte", date(2026, 1, 1), True),
        ("01/2020", "umgesetzt", date(2026, 1, 1), False),  # done is never overdue
        ("laufend", "anfang", date(2030, 1, 1), False),  # open-ended is never overdue
        ("", "anfang", date(2030, 1, 1), False),
        ("irgendwann", "anfang", date(2030, 1, 1), False),
        ("3/22", "anfang", date(2022, 4, 1), True),  # non-canonical text is parsed like the table's
    ],
)
def test_overdue_month_boundaries(end: str, status: str | None, today: date, expected: bool) -> None:
    assert is_overdue(end, status, today) is expected


@pytest.mark.parametrize(
    ("start", "today", "expected"),
    [
        ("11/2026", date(2026, 11, 30), True),  # the current month counts
        ("02/2027", date(2026, 11, 1), True),  # three months ahead, across the year boundary
        ("03/2027", date(2026, 11, 30), False),  # four months ahead
        ("10/2026", date(2026, 11, 1), False),  # already begun
        ("2027", date(2026, 12, 1), True),  # a bare year begins in January
        ("2027", date(2026, 9, 30), False),
        ("laufend", date(2026, 1, 1), False),
        ("", date(2026, 1, 1), False),
    ],
)
def test_starting_soon_month_boundaries(start: str, today: date, expected: bool) -> None:
    assert starts_soon(start, today) is expected


def test_lists_follow_today_across_year_boundary(board_doc: tuple[Document, dict[str, int]]) -> None:
    doc, _ = board_doc
    with doc.reading() as s:
        board = compute_board(s, date(2025, 12, 31))
    # On the last day of 2025 nothing that ends in 12/2025 or "2025" is overdue yet.
    assert numbers(board.overdue) == []
    # 12/2025 … 03/2026: m1 (01/2026), m2 (03/2026), m5 (02/2026), m6 (2026 = January)
    assert numbers(board.starting_soon) == ["1.1.1", "1.1.2", "2.1.1", "2.1.2"]
    assert board.soon_range() == ("12/2025", "03/2026")


def test_status_history_recorded_shown_since_and_undone(board_doc: tuple[Document, dict[str, int]]) -> None:
    doc, ids = board_doc
    with doc.transaction() as s:
        first = plan.update_item(
            s, "measure", ids["m3"], {"status_key": "anfang"}, now=datetime(2026, 2, 20, 10, 0)
        )
        second = plan.update_item(
            s, "measure", ids["m3"], {"status_key": "mitte"}, now=datetime(2026, 3, 10, 9, 30)
        )
        plan.update_item(s, "measure", ids["m3"], {"title": "M3 neu"}, now=datetime(2026, 3, 11))
    assert first.history_id is not None and second.history_id is not None
    with doc.reading() as s:
        history = history_of(s, ids["m3"])
        board = compute_board(s, TODAY, since=date(2026, 3, 1))
        everything = compute_board(s, TODAY, since=date(2026, 2, 20))
    assert [(h.old_status, h.new_status) for h in history] == [("anfang", "mitte"), (None, "anfang")]
    assert history[0].changed_at == datetime(2026, 3, 10, 9, 30)
    assert [(c.number, c.title, c.old_status, c.new_status) for c in board.changes] == [
        ("1.1.3", "M3 neu", "anfang", "mitte")
    ]
    assert len(everything.changes) == 2  # the day itself counts
    assert board.fields[0].counts["mitte"] == 1 and board.fields[0].counts[None] == 0
    # Undo of the last status edit: value back, history entry gone.
    with doc.transaction() as s:
        plan.update_item(s, "measure", ids["m3"], {"status_key": "anfang"}, record_history=False)
        plan.delete_history(s, second.history_id)
    with doc.reading() as s:
        assert [h.new_status for h in history_of(s, ids["m3"])] == ["anfang"]
        assert compute_board(s, TODAY, since=date(2026, 3, 1)).changes == []


def test_measure_ids_matching(board_doc: tuple[Document, dict[str, int]]) -> None:
    doc, ids = board_doc
    m = {k: v for k, v in ids.items() if k.startswith("m")}
    with doc.reading() as s:
        assert measure_ids_matching(s) == set(m.values())
        assert measure_ids_matching(s, field_id=ids["f1"]) == {m["m1"], m["m2"], m["m3"], m["m4"]}
        assert measure_ids_matching(s, status_key="gefaehrdet") == {m["m1"], m["m7"]}
        assert measure_ids_matching(s, field_id=ids["f2"], status_key="gefaehrdet") == {m["m7"]}
        assert measure_ids_matching(s, status_key=None) == {m["m3"]}
        assert measure_ids_matching(s, status_key=ANY) == set(m.values())
        assert measure_ids_matching(s, responsible="amt für integration") == {m["m1"], m["m4"]}
        assert measure_ids_matching(s, responsible="VHS Kempten") == {m["m3"], m["m5"]}
        assert measure_ids_matching(s, priority=1) == {m["m1"], m["m7"]}
        assert measure_ids_matching(s, priority=0) == {m["m2"], m["m3"], m["m5"], m["m6"], m["m8"]}
        assert measure_ids_matching(s, overdue=True, today=TODAY) == {m["m1"], m["m4"], m["m8"]}
        assert measure_ids_matching(
            s, field_id=ids["f1"], overdue=True, today=TODAY, responsible="Jobcenter"
        ) == {m["m4"]}
        assert responsible_names(s) == ["Amt für Integration", "Jobcenter", "VHS Kempten"]
        # Every matrix cell is exactly what a click on it filters to.
        board = compute_board(s, TODAY)
        for f in board.fields:
            for key in board.columns:
                assert len(measure_ids_matching(s, field_id=f.field_id, status_key=key)) == f.counts[key]
        with pytest.raises(ValueError):
            measure_ids_matching(s, overdue=True)


@pytest.mark.sqlite_only(
    reason="a hand-edited file: writes past the foreign keys with a plain sqlite3 connection"
)
def test_unknown_status_key_counts_as_without_status(board_doc: tuple[Document, dict[str, int]]) -> None:
    doc, ids = board_doc
    import sqlite3

    # Foreign keys guard this; a hand-edited file might still hold a key the table lacks.
    raw = sqlite3.connect(doc.path)  # foreign keys are off by default on a plain connection
    with raw:
        raw.execute("UPDATE measure SET status_key='alt' WHERE id=?", (ids["m5"],))
    raw.close()
    with doc.reading() as s:
        board = compute_board(s, TODAY)
        assert board.fields[1].counts[None] == 1 and board.fields[1].counts["mitte"] == 0
        assert ids["m5"] in measure_ids_matching(s, status_key=None)


def test_default_document_board(default_doc: Document) -> None:
    with default_doc.reading() as s:
        board = compute_board(s, date(2026, 11, 25))
    assert [f.name for f in board.fields][:2] == ["Sprache und Bildung", "Arbeit und Ausbildung"]
    assert board.fields[1].entered_text() == "4 von 27 Maßnahmen erfasst"
    assert board.adopted_measures == 144 and board.adopted_goals == 43
    assert board.totals["umgesetzt"] == 2 and board.totals["gefaehrdet"] == 1
    json.dumps(board.to_dict())  # plain data


# -- the live board: patched after each edit, always equal to a full recompute --------------------


def _full(doc: Document, since: date | None = None) -> dict[str, Any]:
    with doc.reading() as s:
        return compute_board(s, TODAY, since).to_dict()


def _live(doc: Document, data: BoardData, changes: ChangeSet, since: date | None = None) -> dict[str, Any]:
    """The board after following one write's change records (what the window does)."""
    data.apply(changes, doc.reading)
    with doc.reading() as s:
        return data.compute(s, TODAY, since).to_dict()


def test_live_board_status_edit_needs_no_reload(board_doc: tuple[Document, dict[str, int]]) -> None:
    doc, ids = board_doc
    with doc.reading() as s:
        data = BoardData.load(s)
    with doc.transaction() as s:
        result = plan.update_item(s, "measure", ids["m6"], {"status_key": "gefaehrdet", "end": "01/2026"})
    live = _live(doc, data, result.changes, date(2026, 1, 1))
    assert live == _full(doc, date(2026, 1, 1))
    assert data.reloads == 1
    assert [e["number"] for e in live["lists"]["at_risk"]] == ["1.1.1", "2.1.2", "2.1.3"]
    assert live["changes"][0]["new_status"] == "gefaehrdet"


def _changes(result: Any) -> ChangeSet:
    return result if isinstance(result, ChangeSet) else result.changes


def test_live_board_structural_edits_match_full_recompute(board_doc: tuple[Document, dict[str, int]]) -> None:
    doc, ids = board_doc
    with doc.reading() as s:
        data = BoardData.load(s)

    def edit(fn: Any) -> Any:
        with doc.transaction() as s:
            result = fn(s)
        assert _changes(result), "every write records what it changed"
        assert _live(doc, data, _changes(result)) == _full(doc), result
        return result

    new = edit(
        lambda s: plan.create_item(s, "measure", ids["g11"], 0, {"title": "NEU", "status_key": "mitte"})
    )
    edit(lambda s: plan.update_item(s, "measure", new, {"title": "NEU2"}))
    edit(lambda s: plan.move_item(s, "measure", ids["m1"], ids["g21"], 1))
    snap = edit(lambda s: plan.delete_item(s, "measure", ids["m2"]))
    edit(lambda s: plan.restore_item(s, snap))
    edit(lambda s: plan.move_item(s, "goal", ids["g12"], ids["f2"], 0))
    gsnap = edit(lambda s: plan.delete_item(s, "goal", ids["g11"]))
    edit(lambda s: plan.restore_item(s, gsnap))
    edit(lambda s: plan.update_item(s, "goal", ids["g21"], {"indicator": "jetzt da"}))
    edit(lambda s: plan.update_item(s, "field", ids["f2"], {"adopted_measures": 12}))
    edit(lambda s: plan.move_item(s, "field", ids["f2"], None, 0))
    edit(lambda s: plan.update_item(s, "measure", ids["m5"], {"notes": "x"}))
    fsnap = edit(lambda s: plan.delete_item(s, "field", ids["f1"]))
    edit(lambda s: plan.restore_item(s, fsnap))
    assert data.reloads == 1


def test_live_board_random_edits_match_full_recompute(tmp_path: Path) -> None:
    from bench.synthetic import make_synthetic_document

    doc = make_synthetic_document(tmp_path / "synth.kik", 300, seed=7, goals_per_field=3)
    rng = random.Random(3)
    try:
        with doc.reading() as s:
            data = BoardData.load(s)
        goal_ids = sorted(g.id for g in data.index.goals())
        for _ in range(60):
            measure_ids = sorted(m.id for m in data.index.measures())
            mid = rng.choice(measure_ids)
            op = rng.choice(["status", "end", "move", "delete", "create", "reorder"])
            with doc.transaction() as s:
                if op == "status":
                    result: Any = plan.update_item(
                        s, "measure", mid, {"status_key": rng.choice(["anfang", "gefaehrdet", None])}
                    )
                elif op == "end":
                    result = plan.update_item(
                        s, "measure", mid, {"end": rng.choice(["01/2026", "2024", "laufend", ""])}
                    )
                elif op == "move":
                    result = plan.move_item(s, "measure", mid, rng.choice(goal_ids), rng.randint(0, 5))
                elif op == "reorder":
                    node = data.index.node("measure", mid)
                    assert node is not None and node.parent is not None
                    result = plan.move_item(s, "measure", mid, node.parent.id, rng.randint(0, 9))
                elif op == "delete":
                    result = plan.delete_item(s, "measure", mid)
                else:
                    result = plan.create_item(
                        s,
                        "measure",
                        rng.choice(goal_ids),
                        rng.randint(0, 3),
                        {"title": "neu", "end": "02/2026"},
                    )
            assert _live(doc, data, _changes(result)) == _full(doc), op
        assert data.reloads == 1
    finally:
        doc.close()

"""Indicators, measured values, the on-track rule, snapshots, comparison, dump and the format upgrade."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from kik_desktop.domain import indicators as ind
from kik_desktop.domain import plan, snapshots
from kik_desktop.domain.changes import Action
from kik_desktop.domain.queries import dump_plan
from kik_desktop.store import Document, open_document
from kik_desktop.store.migrations import current_revision, head_revision

pytestmark = pytest.mark.both_backends

FIXTURES = Path(__file__).parent / "fixtures"


def _goal_and_measure(doc: Document) -> tuple[int, int]:
    with doc.reading() as s:
        goal = plan.find_by_number(s, "1.1")
        measure = plan.find_by_number(s, "1.1.1")
    assert goal and measure
    return goal[1], measure[1]


# -- CRUD -----------------------------------------------------------------------------------------


def test_create_update_values_and_dump(small_plan: Document) -> None:
    goal_id, _measure_id = _goal_and_measure(small_plan)
    with small_plan.transaction() as s:
        iid, cs = ind.create_indicator(
            s,
            "goal",
            goal_id,
            {
                "name": "Teilnehmende",
                "unit": "Personen",
                "baseline_value": "10",
                "baseline_date": "1/2024",
                "target_value": "1.200",
                "target_date": "2026",
                "direction": "höher",
            },
        )
        assert [c.action for c in cs] == [Action.CREATED] and cs.changes[0].kind == "indicator"
        ind.set_value(s, iid, "05/2025", "12,5", source="Zählung", note="erste Messung")
        ind.set_value(s, iid, "März 2025", 11)
        upd = ind.update_indicator(s, iid, {"unit": "Personen", "notes": "neu"})
        assert upd.new == {"notes": "neu"} and upd.changes.touches("indicator")
    with small_plan.reading() as s:
        data = dump_plan(s)
    goal = data["fields"][0]["goals"][0]
    assert goal["indicators"] == [
        {
            "uid": goal["indicators"][0]["uid"],
            "name": "Teilnehmende",
            "unit": "Personen",
            "baseline": 10.0,
            "baseline_date": "01/2024",
            "target": 1200.0,
            "target_date": "2026",
            "direction": "higher",
            "measured_by": "",
            "notes": "neu",
            "values": [
                {"date": "03/2025", "value": 11.0, "source": "", "note": ""},
                {"date": "05/2025", "value": 12.5, "source": "Zählung", "note": "erste Messung"},
            ],
        }
    ]
    assert goal["measures"][0]["indicators"] == []
    assert data["snapshots"] == []


def test_value_of_same_month_replaces_and_undo_puts_it_back(small_plan: Document) -> None:
    _, measure_id = _goal_and_measure(small_plan)
    with small_plan.transaction() as s:
        iid, _ = ind.create_indicator(s, "measure", measure_id, {"name": "Kurse"})
        ind.set_value(s, iid, "05/2025", 3)
        edit = ind.set_value(s, iid, "05/2025", 7, note="korrigiert")
        assert [v.value for v in ind.get_indicator(s, iid).values] == [7.0]
        ind.undo_value(s, edit)
        assert [(v.value, v.note) for v in ind.get_indicator(s, iid).values] == [(3.0, "")]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"name": ""}, "Namen"),
        ({"name": "x", "target_value": "viele"}, "Zielwert: „viele“ ist keine Zahl"),
        ({"name": "x", "target_date": "irgendwann"}, "Zieldatum"),
        ({"name": "x", "direction": "seitwärts"}, "Richtung"),
        ({"name": "x", "colour": "rot"}, "Unbekanntes Feld"),
    ],
)
def test_bad_indicator_input_is_refused_and_changes_nothing(
    small_plan: Document, values: dict[str, object], message: str
) -> None:
    goal_id, _ = _goal_and_measure(small_plan)
    with pytest.raises(ind.IndicatorError, match=message), small_plan.transaction() as s:
        ind.create_indicator(s, "goal", goal_id, values)
    with small_plan.reading() as s:
        assert ind.all_indicators(s) == []


def test_delete_and_restore_indicator_keeps_ids_and_values(small_plan: Document) -> None:
    goal_id, _ = _goal_and_measure(small_plan)
    with small_plan.transaction() as s:
        a, _ = ind.create_indicator(s, "goal", goal_id, {"name": "A"})
        b, _ = ind.create_indicator(s, "goal", goal_id, {"name": "B"})
        ind.set_value(s, a, "01/2025", 5)
        kept, cs = ind.delete_indicator(s, a)
        assert cs.changes[0].action is Action.DELETED
        assert [r.name for r in ind.list_indicators(s, "goal", goal_id)] == ["B"]
        ind.restore_indicator(s, kept)
        rows = ind.list_indicators(s, "goal", goal_id)
    assert [(r.id, r.name, [v.value for v in r.values]) for r in rows] == [(a, "A", [5.0]), (b, "B", [])]


def test_deleting_a_measure_takes_its_indicators_and_undo_brings_them_back(small_plan: Document) -> None:
    _, measure_id = _goal_and_measure(small_plan)
    with small_plan.transaction() as s:
        iid, _ = ind.create_indicator(s, "measure", measure_id, {"name": "Kurse"})
        ind.set_value(s, iid, "05/2025", 3)
        snap = plan.delete_item(s, "measure", measure_id)
        assert ind.all_indicators(s) == []
        plan.restore_item(s, snap)
        rows = ind.all_indicators(s)
    assert [(r.id, r.name, len(r.values)) for r in rows] == [(iid, "Kurse", 1)]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("10 Neuzugewanderte pro Treffen", {"target_value": 10.0, "unit": "Neuzugewanderte pro Treffen"}),
        (
            "Anteil der Kinder mit Sprachförderung auf 80 % bis 2025",
            {"target_value": 80.0, "unit": "%", "target_date": "2025", "direction": "higher"},
        ),
        (
            "Senkung der Abbrüche auf 5 Prozent bis 12/2027",
            {"unit": "%", "direction": "lower", "target_date": "12/2027"},
        ),
        ("Netzwerk ist gegründet", {"direction": "higher"}),
    ],
)
def test_propose_indicator_reads_target_unit_date_and_direction(
    source: str, expected: dict[str, object]
) -> None:
    proposal = ind.propose_indicator(source)
    assert proposal["name"] == source
    for key, value in expected.items():
        assert proposal[key] == value
    if "target_value" not in expected and "%" not in source and not any(c.isdigit() for c in source):
        assert "target_value" not in proposal


def test_convert_text_makes_one_indicator_per_line_and_not_twice(small_plan: Document) -> None:
    _, measure_id = _goal_and_measure(small_plan)
    free = "10 Neuzugewanderte pro Treffen\n15 neuzugewanderte Frauen pro Vortrag"
    with small_plan.transaction() as s:
        ids, cs = ind.convert_text(s, "measure", measure_id, free)
        assert len(ids) == 2 and len(cs) == 2
        again, cs2 = ind.convert_text(s, "measure", measure_id, free)
        assert again == [] and not cs2
        rows = ind.list_indicators(s, "measure", measure_id)
    assert [(r.target_value, r.unit) for r in rows] == [
        (10.0, "Neuzugewanderte pro Treffen"),
        (15.0, "neuzugewanderte Frauen pro Vortrag"),
    ]


# -- the on-track rule (hypothesis) -----------------------------------------------------------------

values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
years = st.integers(min_value=2015, max_value=2035)
months = st.integers(min_value=1, max_value=12)


def _indicator(
    base: float,
    target: float,
    b: tuple[int, int],
    t: tuple[int, int],
    direction: str,
    measured: list[tuple[int, int, float]],
) -> ind.IndicatorRow:
    return ind.IndicatorRow(
        id=1,
        uid="u",
        owner_kind="goal",
        owner_id=1,
        position=0,
        name="I",
        baseline_value=base,
        baseline_date=f"{b[1]:02d}/{b[0]}",
        target_value=target,
        target_date=f"{t[1]:02d}/{t[0]}",
        direction=direction,
        values=tuple(ind.ValueRow(i, y, m, v) for i, (y, m, v) in enumerate(measured)),
    )


@settings(max_examples=200, deadline=None)
@given(
    values,
    values,
    years,
    months,
    st.integers(1, 120),
    st.integers(0, 130),
    st.sampled_from(["higher", "lower"]),
)
def test_a_value_exactly_on_the_path_is_on_track(
    base: float, target: float, by: int, bm: int, span: int, offset: int, direction: str
) -> None:
    b_idx = by * 12 + bm - 1
    t_idx = b_idx + span
    at = b_idx + min(offset, span + 6)
    expected = ind.expected_value(base, b_idx, target, t_idx, at)
    row = _indicator(
        base,
        target,
        (b_idx // 12, b_idx % 12 + 1),
        (t_idx // 12, t_idx % 12 + 1),
        direction,
        [(at // 12, at % 12 + 1, expected)],
    )
    today = date(at // 12, at % 12 + 1, 15)
    assert ind.assess(row, today).progress is ind.Progress.ON_TRACK


@settings(max_examples=200, deadline=None)
@given(
    values,
    values,
    values,
    years,
    months,
    st.integers(1, 120),
    st.integers(0, 120),
    st.sampled_from(["higher", "lower"]),
)
def test_rule_is_direction_aware_and_mirror_symmetric(
    base: float, target: float, actual: float, by: int, bm: int, span: int, offset: int, direction: str
) -> None:
    b = (by, bm)
    t_idx = by * 12 + bm - 1 + span
    t = (t_idx // 12, t_idx % 12 + 1)
    at = by * 12 + bm - 1 + min(offset, span)
    when = (at // 12, at % 12 + 1)
    today = date(when[0], when[1], 1)
    row = _indicator(base, target, b, t, direction, [(when[0], when[1], actual)])
    result = ind.assess(row, today)
    assert result.progress in (ind.Progress.ON_TRACK, ind.Progress.BEHIND)
    expected = ind.expected_value(base, by * 12 + bm - 1, target, t_idx, at)
    assume(abs(actual - expected) > 1e-6 * max(1.0, abs(base), abs(target)))
    better = actual > expected if direction == "higher" else actual < expected
    assert (result.progress is ind.Progress.ON_TRACK) == better
    # Negating every number and flipping the direction describes the same situation.
    other = "lower" if direction == "higher" else "higher"
    mirrored = _indicator(-base, -target, b, t, other, [(when[0], when[1], -actual)])
    assert ind.assess(mirrored, today).progress is result.progress


@settings(max_examples=100, deadline=None)
@given(values, values, values, years, months, st.integers(13, 200), st.sampled_from(["higher", "lower"]))
def test_no_value_for_over_twelve_months_is_stale_whatever_the_value(
    base: float, target: float, actual: float, y: int, m: int, gap: int, direction: str
) -> None:
    now = y * 12 + m - 1 + gap
    row = _indicator(base, target, (y - 1, m), (y + 5, m), direction, [(y, m, actual)])
    assert ind.assess(row, date(now // 12, now % 12 + 1, 1)).progress is ind.Progress.STALE
    fresh = y * 12 + m - 1 + 12
    assert ind.assess(row, date(fresh // 12, fresh % 12 + 1, 1)).progress is not ind.Progress.STALE


def test_rule_examples_behind_undefined_and_no_value() -> None:
    row = _indicator(0, 100, (2024, 1), (2026, 1), "higher", [(2025, 1, 40)])
    a = ind.assess(row, date(2025, 3, 1))
    assert a.progress is ind.Progress.BEHIND and a.expected == pytest.approx(50)
    assert (
        ind.assess(
            _indicator(0, 100, (2024, 1), (2026, 1), "higher", [(2025, 1, 50)]), date(2025, 3, 1)
        ).progress
        is ind.Progress.ON_TRACK
    )
    lower = _indicator(100, 20, (2024, 1), (2026, 1), "lower", [(2025, 1, 55)])
    assert ind.assess(lower, date(2025, 2, 1)).progress is ind.Progress.ON_TRACK
    assert ind.assess(lower, date(2025, 2, 1)).expected == pytest.approx(60)
    no_target = ind.IndicatorRow(1, "u", "goal", 1, 0, "x", values=(ind.ValueRow(1, 2025, 1, 3),))
    assert ind.assess(no_target, date(2025, 2, 1)).progress is ind.Progress.UNDEFINED
    fresh = _indicator(0, 100, (2025, 1), (2026, 1), "higher", [])
    assert ind.assess(fresh, date(2025, 6, 1)).progress is ind.Progress.NO_VALUE
    assert ind.assess(fresh, date(2026, 6, 1)).progress is ind.Progress.STALE


# -- snapshots and comparison ------------------------------------------------------------------------


def test_snapshot_is_frozen_listed_and_deleted(small_plan: Document) -> None:
    with small_plan.transaction() as s:
        info, cs = snapshots.create_snapshot(s, "Fachrunde Mai 2026", date(2026, 5, 12))
        assert cs.touches("snapshot") and info.measures == 6
    with pytest.raises(snapshots.SnapshotError, match="gibt es schon"), small_plan.transaction() as s:
        snapshots.create_snapshot(s, " Fachrunde  Mai 2026 ")
    with pytest.raises(IntegrityError, match="nicht geändert"), small_plan.transaction() as s:
        s.execute(text("UPDATE snapshot_measure SET status_key = 'umgesetzt'"))
    with pytest.raises(IntegrityError, match="nicht geändert"), small_plan.transaction() as s:
        s.execute(text("UPDATE snapshot SET label = 'anders'"))
    with small_plan.reading() as s:
        assert [(i.label, i.day) for i in snapshots.list_snapshots(s)] == [
            ("Fachrunde Mai 2026", date(2026, 5, 12))
        ]
        assert dump_plan(s)["snapshots"] == [{"label": "Fachrunde Mai 2026", "date": "2026-05-12"}]
    with small_plan.transaction() as s:
        kept, _ = snapshots.delete_snapshot(s, "fachrunde mai 2026")
        assert snapshots.list_snapshots(s) == []
        assert s.execute(text("SELECT count(*) FROM snapshot_measure")).scalar() == 0
        snapshots.restore_snapshot(s, kept)
        assert len(snapshots.snapshot_state(s, "Fachrunde Mai 2026").measures) == 6
    with (
        pytest.raises(snapshots.SnapshotError, match="Vorhanden: „Fachrunde Mai 2026“"),
        small_plan.reading() as s,
    ):
        snapshots.find_snapshot(s, "Fachrunde Juni")


def test_comparison_lists_every_kind_of_change(small_plan: Document) -> None:
    goal_id, _measure_id = _goal_and_measure(small_plan)
    with small_plan.transaction() as s:
        ids = {m: plan.find_by_number(s, m)[1] for m in ("1.1.1", "1.1.2", "1.1.3", "2.1.1", "2.1.2")}  # type: ignore[index]
        plan.update_item(s, "measure", ids["1.1.2"], {"end": "06/2026", "responsible": "Amt A"})
        iid, _ = ind.create_indicator(s, "goal", goal_id, {"name": "Quote", "target_value": 80})
        ind.set_value(s, iid, "01/2026", 40)
        snapshots.create_snapshot(s, "Alt", date(2026, 2, 1))
        plan.update_item(s, "measure", ids["1.1.1"], {"status_key": "umgesetzt"})
        plan.update_item(s, "measure", ids["2.1.1"], {"status_key": "gefaehrdet"})
        plan.update_item(s, "measure", ids["1.1.2"], {"end": "12/2026", "responsible": "Amt B"})
        plan.update_item(s, "measure", ids["1.1.3"], {"end": "laufend"})
        plan.delete_item(s, "measure", ids["2.1.2"])
        plan.create_item(s, "measure", goal_id, 0, {"title": "Neu"})
        ind.set_value(s, iid, "04/2026", 55)
    with small_plan.reading() as s:
        cmp = snapshots.compare_with(s, "Alt", today=date(2026, 5, 1))
    assert [(m.number, m.title, m.old, m.new) for m in cmp.status_moves] == [
        ("1.1.2", "M1", "anfang", "umgesetzt"),
        ("2.1.1", "M5", "anfang", "gefaehrdet"),
    ]
    assert {k: dict(v) for k, v in cmp.moves_by_field().items()} == {
        ("1", "Feld Eins"): {("anfang", "umgesetzt"): 1},
        ("2", "Feld Zwei"): {("anfang", "gefaehrdet"): 1},
    }
    assert [m.title for m in cmp.new_measures] == ["Neu"]
    assert [m.title for m in cmp.removed] == ["M6"]
    assert [(c.title, c.old, c.new) for c in cmp.moved] == [
        ("M1", "1.1.1", "1.1.2"),
        ("M2", "1.1.2", "1.1.3"),
        ("M3", "1.1.3", "1.1.4"),
    ]
    assert [(c.title, c.old, c.new) for c in cmp.responsible] == [("M2", "Amt A", "Amt B")]
    # M3 had no end before: "laufend" is not a postponement of a date.
    assert [(c.title, c.old, c.new) for c in cmp.postponed] == [("M2", "06/2026", "12/2026")]
    assert [(i.name, i.old, i.new) for i in cmp.indicators] == [("Quote", 40.0, 55.0)]
    data = cmp.to_dict()
    assert set(data) >= {"status_moves", "new", "removed", "responsible", "postponed", "indicators"}
    assert data["status_moves"][0] == {
        "number": "1.1.2",
        "title": "M1",
        "field": "1",
        "from": "anfang",
        "to": "umgesetzt",
    }


def test_postponed_means_a_later_end() -> None:
    assert snapshots.is_postponed("06/2026", "2027")
    assert snapshots.is_postponed("2026", "laufend")
    assert not snapshots.is_postponed("12/2026", "06/2026")
    assert not snapshots.is_postponed("", "12/2026")
    assert not snapshots.is_postponed("irgendwann", "12/2026")


def test_distribution_history_counts_each_snapshot_and_now(small_plan: Document) -> None:
    with small_plan.transaction() as s:
        snapshots.create_snapshot(s, "A", date(2026, 1, 1), now=datetime(2026, 1, 1, 9))
        mid = plan.find_by_number(s, "1.1.1")
        assert mid
        plan.update_item(s, "measure", mid[1], {"status_key": "umgesetzt"})
    with small_plan.reading() as s:
        hist = snapshots.distribution_history(s)
    assert [(label, dict(c)) for label, _, c in hist] == [
        ("A", {"anfang": 6}),
        ("heute", {"anfang": 5, "umgesetzt": 1}),
    ]


# -- upgrade -------------------------------------------------------------------------------------


def test_document_of_format_0003_upgrades_with_its_data(tmp_path: Path, data_dir: Path) -> None:
    path = tmp_path / "alt.kik"
    shutil.copy(FIXTURES / "db_versions" / "kik_0003_status_symbols.kik", path)
    with open_document(path) as doc:
        assert current_revision(doc.engine) == head_revision()
        with doc.reading() as s:
            data = dump_plan(s)
            history = s.execute(text("SELECT old_status, new_status FROM status_change")).fetchall()
        goal = data["fields"][0]["goals"][0]
        measure = goal["measures"][0]
        assert (
            goal["indicator"],
            measure["title"],
            measure["status"],
            measure["end"],
            measure["responsible"],
        ) == (
            "Anteil der Kinder mit Sprachförderung",
            "Fixture-Maßnahme",
            "mitte",
            "12/2024",
            "Amt für Integration",
        )
        assert measure["success_indicator"] == "10 Neuzugewanderte pro Treffen"
        assert ("anfang", "mitte") in [tuple(r) for r in history]
        assert goal["indicators"] == [] and data["snapshots"] == []
        # The new tables work in the upgraded file.
        with doc.transaction() as s:
            ind.convert_text(s, "measure", 1, measure["success_indicator"])
            snapshots.create_snapshot(s, "nach Upgrade")
        with doc.reading() as s:
            assert dump_plan(s)["fields"][0]["goals"][0]["measures"][0]["indicators"][0]["target"] == 10.0
    backups = list((data_dir / "Sicherungen").glob("alt_*.kik"))
    assert len(backups) == 1
    with sqlite3.connect(backups[0]) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0003_status_symbols",)


def test_board_counts_structured_indicators_as_indicators(small_plan: Document) -> None:
    from kik_desktop.domain.board import BoardData, compute_board

    with small_plan.reading() as s:
        before = compute_board(s, date(2026, 3, 1))
    # small_plan: goal 1.1 has the text "Ind A"; goals 1.2 and 2.1 have none; no measure has one.
    assert [e.number for e in before.goals_without_indicator] == ["1.2", "2.1"]
    assert len(before.without_success_indicator) == 6
    _goal_id, measure_id = _goal_and_measure(small_plan)
    with small_plan.transaction() as s:
        g12 = plan.find_by_number(s, "1.2")
        assert g12
        ind.create_indicator(s, "goal", g12[1], {"name": "Quote"})
        ind.create_indicator(s, "measure", measure_id, {"name": "Kurse"})
    with small_plan.reading() as s:
        after = compute_board(s, date(2026, 3, 1))
    assert [e.number for e in after.goals_without_indicator] == ["2.1"]
    assert "1.1.1" not in [e.number for e in after.without_success_indicator]
    assert len(after.without_success_indicator) == 5
    # The board following an indicator's change records agrees with a fresh load.
    with small_plan.reading() as s:
        patched = BoardData.load(s)
    with small_plan.transaction() as s:
        _iid, changes = ind.create_indicator(s, "measure", plan.find_by_number(s, "1.1.2")[1], {"name": "x"})  # type: ignore[index]
    patched.apply(changes, small_plan.reading)
    with small_plan.reading() as s:
        fresh = BoardData.load(s)
        assert "1.1.2" not in [
            e.number for e in patched.compute(s, date(2026, 3, 1)).without_success_indicator
        ]
        assert [e.number for e in patched.compute(s, date(2026, 3, 1)).without_success_indicator] == [
            e.number for e in fresh.compute(s, date(2026, 3, 1)).without_success_indicator
        ]


@pytest.mark.sqlite_only(reason="damages the bytes of the .kik file")
def test_damaged_schema_text_that_is_not_utf8_is_reported_as_damage(small_plan: Document) -> None:
    """SQLite's message about a damaged schema quotes the damaged bytes; opening must say "beschädigt",
    not fail with a UnicodeDecodeError (found by the random damage census after the new tables)."""
    from kik_desktop.store.safety import DamagedDocumentError, open_for_editing

    path = small_plan.path
    small_plan.close()
    data = path.read_bytes()
    needle = b"BEFORE UPDATE ON snapshot_measure"
    assert data.count(needle) == 1
    path.write_bytes(data.replace(needle, b"BEFORE \x96PDATE ON snapshot_measure"))
    before = path.read_bytes()
    with pytest.raises(DamagedDocumentError, match="beschädigt"):
        open_for_editing(path, daily_backup=False)
    assert path.read_bytes() == before

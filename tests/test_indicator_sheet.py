"""The sheet "Indikatoren": written by the export, read back by the import (preview, apply, undo)."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from kik_desktop.domain import indicators as ind
from kik_desktop.domain import plan
from kik_desktop.domain.queries import dump_plan
from kik_desktop.exchange.excel_export import export_document
from kik_desktop.exchange.excel_import import import_file, prepare_import, preview_document
from kik_desktop.exchange.indicator_sheet import COLUMNS, read_indicator_sheet, write_indicator_sheet
from kik_desktop.exchange.workbook_reader import read_workbook
from kik_desktop.store import Document


@pytest.fixture
def with_indicators(small_plan: Document) -> Document:
    with small_plan.transaction() as s:
        goal = plan.find_by_number(s, "1.1")
        measure = plan.find_by_number(s, "2.1.2")
        assert goal and measure
        a, _ = ind.create_indicator(
            s,
            "goal",
            goal[1],
            {
                "name": "Quote",
                "unit": "%",
                "baseline_value": 20,
                "baseline_date": "2024",
                "target_value": 60,
                "target_date": "12/2027",
            },
        )
        ind.set_value(s, a, "03/2025", 31, note="Zählung")
        ind.create_indicator(s, "measure", measure[1], {"name": "Treffen", "target_value": 12})
    return small_plan


def _export(doc: Document, path: Path) -> Path:
    export_document(doc, path)
    return path


def test_export_writes_the_sheet_with_hidden_id_column(with_indicators: Document, tmp_path: Path) -> None:
    wb = load_workbook(_export(with_indicators, tmp_path / "e.xlsx"))
    ws = wb["Indikatoren"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == COLUMNS
    assert ws.column_dimensions["A"].hidden
    assert [r[1:] for r in rows[1:3]] == [
        ("1.1", "Quote", "%", 20, 60, "12/2027", "03/2025", 31, "Zählung"),
        ("2.1.2", "Treffen", None, None, 12, None, None, None, None),
    ]
    with with_indicators.reading() as s:
        uids = [r.uid for r in ind.all_indicators(s)]
    assert [r[0] for r in rows[1:3]] == uids


def test_sheet_for_a_return_workbook_of_one_field(with_indicators: Document, tmp_path: Path) -> None:
    wb = Workbook()
    with with_indicators.reading() as s:
        title = write_indicator_sheet(wb, s, field_numbers={2})
    wb.save(tmp_path / "r.xlsx")
    ws = load_workbook(tmp_path / "r.xlsx")[title]
    assert [r[2] for r in ws.iter_rows(min_row=2, values_only=True) if r[2]] == ["Treffen"]


def test_reimporting_the_own_export_changes_no_indicator(with_indicators: Document, tmp_path: Path) -> None:
    preview = preview_document(with_indicators, _export(with_indicators, tmp_path / "e.xlsx"))
    assert preview.indicator_changes == []
    assert not preview.errors


def test_values_and_new_indicators_from_the_sheet(with_indicators: Document, tmp_path: Path) -> None:
    path = _export(with_indicators, tmp_path / "e.xlsx")
    wb = load_workbook(path)
    ws = wb["Indikatoren"]
    uid = ws.cell(2, 1).value
    # A group reports: a new value in the existing row, another month in a copied row, a changed target,
    # and a new indicator for measure 1.1.2 with a first value.
    ws.cell(2, 8).value, ws.cell(2, 9).value, ws.cell(2, 10).value = "05/2026", "42,5", "Befragung"
    ws.append([uid, "1.1", "Quote", "%", None, None, None, "01/2026", 38, None])
    ws.cell(3, 6).value = 15  # Treffen: target 12 → 15
    ws.append(
        [None, "1.1.2", "Teilnehmende Frauen", "Personen", 0, 40, "2027", "04/2026", 9, "erste Zählung"]
    )
    wb.save(path)

    before_backup = with_indicators.path.read_bytes()
    preview = preview_document(with_indicators, path)
    assert not preview.errors
    texts = [i.title for i in preview.new + preview.changed if i.kind == "indicator"]
    assert "neuer Ist-Wert 05/2026 für „Quote“ (1.1): 42,5" in texts
    assert "neuer Ist-Wert 01/2026 für „Quote“ (1.1): 38" in texts
    assert "Indikator „Treffen“ (2.1.2) geändert" in texts
    assert "neuer Indikator „Teilnehmende Frauen“ bei 1.1.2" in texts
    assert "Indikatoren/Ist-Werte" in preview.summary()
    assert "Zeile" in preview.format_text()
    assert with_indicators.path.read_bytes() == before_backup  # the preview wrote nothing

    record = prepare_import(preview)
    with with_indicators.transaction() as s:
        record.redo(s)
    with with_indicators.reading() as s:
        data = dump_plan(s)
    goal = data["fields"][0]["goals"][0]
    assert [(v["date"], v["value"], v["note"]) for v in goal["indicators"][0]["values"]] == [
        ("03/2025", 31.0, "Zählung"),
        ("01/2026", 38.0, ""),
        ("05/2026", 42.5, "Befragung"),
    ]
    new = goal["measures"][1]["indicators"][0]
    assert (new["name"], new["unit"], new["target"], new["target_date"], new["values"][0]["value"]) == (
        "Teilnehmende Frauen",
        "Personen",
        40.0,
        "2027",
        9.0,
    )
    assert data["fields"][1]["goals"][0]["measures"][1]["indicators"][0]["target"] == 15.0
    # Undo takes all of it back; redo gives the new indicator its id and uid again.
    with with_indicators.transaction() as s:
        record.undo(s)
    with with_indicators.reading() as s:
        after_undo = dump_plan(s)
    assert len(after_undo["fields"][0]["goals"][0]["indicators"][0]["values"]) == 1
    assert after_undo["fields"][0]["goals"][0]["measures"][1]["indicators"] == []
    assert after_undo["fields"][1]["goals"][0]["measures"][1]["indicators"][0]["target"] == 12.0
    with with_indicators.transaction() as s:
        record.redo(s)
    with with_indicators.reading() as s:
        again = dump_plan(s)["fields"][0]["goals"][0]["measures"][1]["indicators"][0]
    assert again["uid"] == new["uid"]


@pytest.mark.parametrize(
    ("row", "message", "column"),
    [
        ([None, "1.1", "Quote2", None, None, None, None, "05/2026", None, None], "Stichtag ohne Ist-Wert", 9),
        ([None, "1.1", "Quote2", None, None, None, None, None, 5, None], "Ist-Wert ohne Stichtag", 8),
        ([None, "1.1", "Quote2", None, None, None, None, "irgendwann", 5, None], "kein Stichtag", 8),
        ([None, "1.1", "Quote2", None, None, None, None, "05/2026", "viel", None], "keine Zahl", 9),
        (
            [None, "9.9", "Quote2", None, None, None, None, None, None, None],
            "kein Ziel und keine Maßnahme",
            2,
        ),
        ([None, None, "Quote2", None, None, None, None, None, None, None], "ohne Nr.", 2),
        (["0" * 32, "1.1", "Quote2", None, None, None, None, None, None, None], "KIK-ID", 1),
        ([None, "1.1", "Quote2", None, "hoch", None, None, None, None, None], "Ausgangswert", None),
    ],
)
def test_bad_rows_are_errors_with_sheet_row_column_and_nothing_is_written(
    with_indicators: Document, tmp_path: Path, row: list[object], message: str, column: int | None
) -> None:
    path = _export(with_indicators, tmp_path / "e.xlsx")
    wb = load_workbook(path)
    ws = wb["Indikatoren"]
    ws.append(row)
    target_row = ws.max_row
    wb.save(path)
    with with_indicators.reading() as s:
        reading = read_indicator_sheet(s, read_workbook(path))
    assert reading.has_errors
    problem = next(p for p in reading.problems if p.level == "error")
    assert message in problem.message
    assert (problem.sheet, problem.row, problem.column) == ("Indikatoren", target_row, column)
    with with_indicators.reading() as s:
        before = dump_plan(s)
    with pytest.raises(Exception, match="nicht übernommen"):
        import_file(with_indicators, path)
    with with_indicators.reading() as s:
        assert dump_plan(s) == before

"""The sheet "Indikatoren" of a returned workbook merged three-way (issue #13 with the rules of #11):
sheet = base keeps the document, document = base takes the sheet, both changed is a conflict; measured
values of new months are added once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from kik_desktop.cli import main
from kik_desktop.domain import indicator_merge as im
from kik_desktop.domain import indicators as ind
from kik_desktop.domain import plan
from kik_desktop.domain.defaults import create_default_document
from kik_desktop.domain.dispatches import base_values, list_dispatches
from kik_desktop.domain.merge import merge_items, resolve
from kik_desktop.domain.merge_apply import prepare_merge
from kik_desktop.exchange.return_import import preview_return
from kik_desktop.models import ValueSource
from kik_desktop.store import open_document

SHEET = "Indikatoren"
COL = {
    "uid": 1,
    "number": 2,
    "name": 3,
    "unit": 4,
    "baseline": 5,
    "target": 6,
    "date": 8,
    "value": 9,
    "note": 10,
}


@pytest.fixture
def doc_path(tmp_path: Path) -> Path:
    path = tmp_path / "konzept.kik"
    create_default_document(path).close()
    with open_document(path) as doc, doc.transaction() as s:
        goal = plan.find_by_number(s, "2.1")
        other = plan.find_by_number(s, "3.1")
        assert goal is not None and other is not None
        iid, _ = ind.create_indicator(
            s,
            "goal",
            goal[1],
            {
                "name": "Ausbildungsquote",
                "unit": "%",
                "baseline_value": 20,
                "baseline_date": "2024",
                "target_value": 60,
                "target_date": "12/2027",
            },
        )
        ind.set_value(s, iid, "03/2025", 31, note="Zählung")
        ind.create_indicator(s, "goal", other[1], {"name": "Nicht in Feld 2", "target_value": 5})
    return path


def indicator(path: Path, name: str) -> ind.IndicatorRow:
    with open_document(path, read_only=True) as doc, doc.reading() as s:
        return next(r for r in ind.all_indicators(s) if r.name == name)


def update(path: Path, name: str, values: dict[str, Any]) -> None:
    iid = indicator(path, name).id
    with open_document(path) as doc, doc.transaction() as s:
        ind.update_indicator(s, iid, values)


def export(path: Path, book: Path) -> None:
    assert main(["export", str(book), "--db", str(path), "--field", "2"]) == 0


def sheet_row(ws: Any, name: str) -> int:
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(r, COL["name"]).value == name)


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    capsys.readouterr()
    assert main(list(argv)) == 0
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    return data


def entries(data: dict[str, Any], what: str) -> dict[tuple[str, str], tuple[Any, Any, Any]]:
    return {
        (e["number"], e["attribute"]): (e["base"], e["sheet"], e["current"])
        for e in data[what]
        if e["kind"] == "indicator"
    }


def test_the_return_workbook_has_the_scope_s_indicators_and_records_them(
    doc_path: Path, tmp_path: Path
) -> None:
    book = tmp_path / "ag.xlsx"
    export(doc_path, book)
    ws = load_workbook(book)[SHEET]
    names = [ws.cell(r, COL["name"]).value for r in range(2, ws.max_row + 1) if ws.cell(r, COL["name"]).value]
    assert names == ["Ausbildungsquote"]  # field 3's indicator is not sent to the group of field 2
    row = indicator(doc_path, "Ausbildungsquote")
    with open_document(doc_path, read_only=True) as doc, doc.reading() as s:
        (dispatch,) = list_dispatches(s)
        base = base_values(s, dispatch.id)
    assert base[("indicator", row.uid)] == {
        "name": "Ausbildungsquote",
        "unit": "%",
        "baseline": "20",
        "target": "60",
        "target_date": "12/2027",
        "value 03/2025": "31",
        "note 03/2025": "Zählung",
    }
    assert not any(k == ("indicator", indicator(doc_path, "Nicht in Feld 2").uid) for k in base)


def test_the_story_both_edits_survive_then_a_conflict(
    doc_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = tmp_path / "rueckmeldung.xlsx"
    export(doc_path, book)
    # In the program: the target of the indicator is raised.
    update(doc_path, "Ausbildungsquote", {"target_value": 70})
    # The group changes the unit, reports a value for 06/2026 and defines a new indicator of 2.1.1.
    wb = load_workbook(book)
    ws = wb[SHEET]
    r = sheet_row(ws, "Ausbildungsquote")
    uid = ws.cell(r, COL["uid"]).value
    ws.cell(r, COL["unit"]).value = "Prozent"
    ws.cell(r + 1, COL["uid"]).value = uid  # a copied row with a new Stichtag
    ws.cell(r + 1, COL["name"]).value = "Ausbildungsquote"
    ws.cell(r + 1, COL["date"]).value = "06/2026"
    ws.cell(r + 1, COL["value"]).value = 38.5
    ws.cell(r + 1, COL["note"]).value = "Kammer"
    ws.cell(r + 2, COL["number"]).value = "2.1.1"
    ws.cell(r + 2, COL["name"]).value = "Teilnehmende"
    ws.cell(r + 2, COL["target"]).value = 40
    ws.cell(r + 2, COL["date"]).value = "05/2026"
    ws.cell(r + 2, COL["value"]).value = 12
    wb.save(book)

    data = run_json(capsys, "import", str(book), "--db", str(doc_path), "--dry-run", "--json")
    assert data["base_known"] is True and data["issues"] == []
    for e in data["changed"] + data["kept"]:
        assert {"uid", "number", "attribute", "base", "sheet", "current"} <= set(e)
    assert entries(data, "changed") == {
        ("2.1", "unit"): ("%", "Prozent", "%"),
        ("2.1", "value 06/2026"): ("", "38,5", None),  # no value of that month yet
        ("2.1", "note 06/2026"): ("", "Kammer", None),
    }
    assert entries(data, "kept") == {("2.1", "target"): ("60", "60", "70")}
    assert entries(data, "conflicts") == {}
    assert [(n["kind"], n["title"], n["parent_number"]) for n in data["new"]] == [
        ("indicator", "Teilnehmende", "2.1.1")
    ]
    assert {e["uid"] for e in data["changed"]} == {uid}

    assert main(["import", str(book), "--db", str(doc_path), "--yes"]) == 0
    after = indicator(doc_path, "Ausbildungsquote")
    assert (after.unit, after.target_value) == ("Prozent", 70)  # both edits survive
    assert [(v.date_text, v.value, v.note) for v in after.values] == [
        ("03/2025", 31, "Zählung"),
        ("06/2026", 38.5, "Kammer"),
    ]
    new = indicator(doc_path, "Teilnehmende")
    assert (new.owner_kind, new.target_value, [(v.date_text, v.value) for v in new.values]) == (
        "measure",
        40,
        [("05/2026", 12)],
    )

    # Where the values came from: the file and the dispatch, as for the table's values.
    with open_document(doc_path, read_only=True) as doc, doc.reading() as s:
        sources = {
            (v.attribute, v.old_value, v.new_value, v.source_file)
            for v in s.scalars(select(ValueSource).where(ValueSource.kind == "indicator"))
        }
    assert sources == {
        ("unit", "%", "Prozent", book.name),
        ("value 06/2026", None, "38,5", book.name),
        ("note 06/2026", None, "Kammer", book.name),
        ("created", None, "Teilnehmende", book.name),
    }
    # Checking the same workbook in again changes nothing (no second indicator, no second value).
    data = run_json(capsys, "import", str(book), "--db", str(doc_path), "--dry-run", "--json")
    assert entries(data, "changed") == {} and data["new"] == []
    assert main(["import", str(book), "--db", str(doc_path), "--yes"]) == 0
    with open_document(doc_path, read_only=True) as doc, doc.reading() as s:
        rows = ind.all_indicators(s)
    assert sorted(r.name for r in rows) == ["Ausbildungsquote", "Nicht in Feld 2", "Teilnehmende"]
    assert len(indicator(doc_path, "Ausbildungsquote").values) == 2

    # Both sides change the target: a conflict; the document keeps its value unless --take-sheet.
    book2 = tmp_path / "zweite.xlsx"
    export(doc_path, book2)
    update(doc_path, "Ausbildungsquote", {"target_value": 75})
    wb = load_workbook(book2)
    ws = wb[SHEET]
    ws.cell(sheet_row(ws, "Ausbildungsquote"), COL["target"]).value = 65
    wb.save(book2)
    data = run_json(capsys, "import", str(book2), "--db", str(doc_path), "--dry-run", "--json")
    assert entries(data, "conflicts") == {("2.1", "target"): ("70", "65", "75")}
    assert main(["import", str(book2), "--db", str(doc_path), "--yes"]) == 0
    assert indicator(doc_path, "Ausbildungsquote").target_value == 75
    assert main(["import", str(book2), "--db", str(doc_path), "--yes", "--take-sheet"]) == 0
    assert indicator(doc_path, "Ausbildungsquote").target_value == 65


def test_both_report_the_same_month_differently_is_a_conflict_and_undo_takes_all_back(
    doc_path: Path, tmp_path: Path
) -> None:
    book = tmp_path / "ag.xlsx"
    export(doc_path, book)
    iid = indicator(doc_path, "Ausbildungsquote").id
    with open_document(doc_path) as doc, doc.transaction() as s:
        ind.set_value(s, iid, "06/2026", 40)
    wb = load_workbook(book)
    ws = wb[SHEET]
    r = sheet_row(ws, "Ausbildungsquote")
    ws.cell(r, COL["date"]).value = "06/2026"
    ws.cell(r, COL["value"]).value = 41
    ws.cell(r, COL["baseline"]).value = 22
    wb.save(book)
    with open_document(doc_path) as doc:
        with doc.reading() as s:
            preview = preview_return(s, book)
        assert preview is not None
        conflicts = {(d.attribute, d.base, d.sheet, d.current) for d in preview.result.conflicts}
        assert conflicts == {("value 06/2026", "", "41", "40")}
        assert "Indikator „Ausbildungsquote“ Ist-Wert 06/2026" in preview.format_text()
        record = prepare_merge(preview, take_sheet=True)
        with doc.transaction() as s:
            written = record.redo(s)
        assert written.touches("indicator") and written.touches("indicator_value")
        row = indicator(doc_path, "Ausbildungsquote")
        assert (row.baseline_value, [v.value for v in row.values]) == (22, [31, 41])
        with doc.transaction() as s:
            record.undo(s)
        row = indicator(doc_path, "Ausbildungsquote")
        assert (row.baseline_value, [v.value for v in row.values]) == (20, [31, 40])
        with doc.transaction() as s:
            record.redo(s)  # redo after undo: the same result
        assert [v.value for v in indicator(doc_path, "Ausbildungsquote").values] == [31, 41]


def test_a_bad_indicator_row_blocks_the_import_with_its_place(
    doc_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = tmp_path / "ag.xlsx"
    export(doc_path, book)
    wb = load_workbook(book)
    ws = wb[SHEET]
    r = sheet_row(ws, "Ausbildungsquote")
    ws.cell(r, COL["value"]).value = "viele"
    wb.save(book)
    capsys.readouterr()
    assert main(["import", str(book), "--db", str(doc_path), "--dry-run", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    (issue,) = data["issues"]
    assert (issue["level"], issue["sheet"], issue["row"], issue["column"]) == (
        "error",
        SHEET,
        r,
        COL["value"],
    )
    assert "„viele“ ist keine Zahl" in issue["message"]


def test_indicator_values_follow_the_merge_rules() -> None:
    """The month attributes go through the same decide(): new month = empty base."""
    base = {("indicator", "a"): {"target": "60", "value 05/2026": ""}}
    sheet = {("indicator", "a"): {"target": "60", "value 05/2026": "12"}}
    doc = {("indicator", "a"): {"target": "70"}}
    result = merge_items(base, sheet, doc)
    assert resolve(result) == {("indicator", "a"): {"value 05/2026": "12"}}
    assert [(d.attribute, d.outcome.value) for d in result.kept] == [("target", "kept")]
    assert im.month_attribute("value 05/2026") == ("value", (2026, 5))
    assert im.month_attribute("values 05/2026") is None
    assert im.text("target", "1.234,5") == im.text("target", 1234.5) == "1.234,5"


def test_the_preview_dialog_shows_indicator_values_and_takes_a_choice(
    doc_path: Path, tmp_path: Path, qtbot: Any
) -> None:
    from PySide6.QtCore import Qt

    from kik_desktop.domain.merge import Choice
    from kik_desktop.ui.merge_preview_dialog import MergePreviewDialog

    book = tmp_path / "ag.xlsx"
    export(doc_path, book)
    update(doc_path, "Ausbildungsquote", {"target_value": 75, "unit": "Prozent"})
    wb = load_workbook(book)
    ws = wb[SHEET]
    r = sheet_row(ws, "Ausbildungsquote")
    ws.cell(r, COL["target"]).value = 65
    ws.cell(r, COL["date"]).value = "06/2026"
    ws.cell(r, COL["value"]).value = 35
    wb.save(book)
    with open_document(doc_path) as doc:
        with doc.reading() as s:
            preview = preview_return(s, book)
        assert preview is not None
        dialog = MergePreviewDialog(preview)
        qtbot.addWidget(dialog)
        dialog.show()
        top = dialog.tree.topLevelItem(0)
        assert top is not None
        assert top.text(0) == "Indikator 2.1 „Ausbildungsquote“"
        children = {top.child(i).text(0): top.child(i).text(1) for i in range(top.childCount())}
        # The note of 03/2025 left standing beside the new Stichtag is not given to 06/2026.
        assert children == {
            "Zielwert – Konflikt": "Dokument „75“, Datei „65“",
            "Ist-Wert 06/2026": "(leer) → „35“",
            "Einheit": "bleibt „Prozent“",
        }
        (combo,) = dialog._combos.values()
        combo.setCurrentIndex(1)  # "Wert der Datei übernehmen"
        # The item ticked off keeps every value of the document; ticked on again, the choices count.
        top.setCheckState(0, Qt.CheckState.Unchecked)
        off = {k[1]: c for k, c in dialog.choices().items()}
        assert off["target"] is off["value 06/2026"] is Choice.KEEP_DOCUMENT
        top.setCheckState(0, Qt.CheckState.Checked)
        on = {k[1]: c for k, c in dialog.choices().items()}
        assert on["target"] is Choice.TAKE_SHEET and "value 06/2026" not in on
        dialog.grab().save(str(tmp_path / "merge_preview_indicators.png"))
        record = prepare_merge(preview, dialog.choices(), accepted_new=dialog.accepted_new())
        with doc.transaction() as s:
            record.redo(s)
    after = indicator(doc_path, "Ausbildungsquote")
    assert (after.target_value, after.unit, [v.value for v in after.values]) == (65, "Prozent", [31, 35])


def test_an_indicator_deleted_meanwhile_stays_deleted(
    doc_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = tmp_path / "ag.xlsx"
    export(doc_path, book)
    iid = indicator(doc_path, "Ausbildungsquote").id
    with open_document(doc_path) as doc, doc.transaction() as s:
        ind.delete_indicator(s, iid)
    wb = load_workbook(book)
    ws = wb[SHEET]
    r = sheet_row(ws, "Ausbildungsquote")
    ws.cell(r, COL["target"]).value = 80
    ws.cell(r + 1, COL["uid"]).value = "0" * 32  # an id this document never had
    ws.cell(r + 1, COL["name"]).value = "Fremd"
    wb.save(book)
    capsys.readouterr()
    assert main(["import", str(book), "--db", str(doc_path), "--dry-run", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    found = {(i["level"], i["row"]): i["message"] for i in data["issues"]}
    assert "bleibt gelöscht" in found[("warning", r)]
    assert "gibt es im Dokument nicht" in found[("error", r + 1)]
    ws.delete_rows(r + 1)
    wb.save(book)
    assert main(["import", str(book), "--db", str(doc_path), "--yes"]) == 0
    with open_document(doc_path, read_only=True) as doc, doc.reading() as s:
        assert [r.name for r in ind.all_indicators(s)] == ["Nicht in Feld 2"]


def test_record_base_of_all_indicators_for_a_dispatch(doc_path: Path) -> None:
    """The call a full export that is recorded as a dispatch makes for its sheet "Indikatoren"."""
    from kik_desktop.domain.dispatches import record_dispatch

    with open_document(doc_path) as doc:
        with doc.transaction() as s:
            info, _ = record_dispatch(
                s, kind="export", scope="all", scope_label="alle", recipient="", values={}, file_name="x.xlsx"
            )
            im.record_base(s, info.id)
        with doc.reading() as s:
            base = base_values(s, info.id)
            assert base == im.current_values(s)
    assert {v["name"] for v in base.values()} == {"Ausbildungsquote", "Nicht in Feld 2"}

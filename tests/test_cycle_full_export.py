"""The full export is a dispatch: re-importing it merges three-way and never reverts newer edits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from kik_desktop.cli import main
from kik_desktop.domain import dispatches, plan
from kik_desktop.domain.defaults import create_default_document
from kik_desktop.domain.merge_apply import last_import_source, numbering
from kik_desktop.domain.queries import dump_plan
from kik_desktop.models import Measure
from kik_desktop.store import open_document
from kik_desktop.store.backup import list_backups

ALL = "Alle Maßnahmen"


@pytest.fixture
def doc_path(tmp_path: Path) -> Path:
    path = tmp_path / "konzept.kik"
    create_default_document(path).close()
    return path


def measure(path: Path, number: str) -> dict[str, Any]:
    with open_document(path, read_only=True) as doc, doc.reading() as s:
        data = dump_plan(s)
    found = [m for f in data["fields"] for g in f["goals"] for m in g["measures"] if m["number"] == number]
    if not found:
        raise KeyError(number)
    return dict(found[0])


def edit_in_program(path: Path, number: str, values: dict[str, Any]) -> None:
    """An edit through the domain, as the window makes it."""
    with open_document(path) as doc, doc.transaction() as s:
        numbers, _ = numbering(s)
        uid = next(k[1] for k, n in numbers.items() if k[0] == "measure" and n == number)
        mid = s.scalar(select(Measure.id).where(Measure.uid == uid))
        assert mid is not None
        plan.update_item(s, "measure", mid, values)


def column(ws: Any, header: str) -> int:
    return next(c for c in range(1, ws.max_column + 1) if ws.cell(3, c).value == header)


def row_of(ws: Any, number: str) -> int:
    title = column(ws, "Maßnahme")
    return next(
        r for r in range(4, ws.max_row + 1) if str(ws.cell(r, title).value or "").startswith(number + " ")
    )


def set_cell(book: Path, out: Path, number: str, header: str, value: str, sheet: str = ALL) -> None:
    wb = load_workbook(book)
    ws = wb[sheet]
    ws.cell(row_of(ws, number), column(ws, header)).value = value
    wb.save(out)


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = main(list(argv))
    return code, json.loads(capsys.readouterr().out)


def test_the_story_with_the_full_export(
    doc_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue #11: export the table; change 2.1.1 in the program; import the exported workbook with only
    the status of 2.1.2 changed → the edit stays, ``kept`` lists it, the group's status applies."""
    book = tmp_path / "tabelle.xlsx"
    assert main(["export", str(book), "--db", str(doc_path)]) == 0
    wb = load_workbook(book)
    assert wb["_kik"].sheet_state == "veryHidden"
    marker = {wb["_kik"].cell(r, 1).value: wb["_kik"].cell(r, 2).value for r in range(1, 5)}
    assert wb.properties.identifier == marker["dispatch"]
    assert f"kik-dispatch:{marker['dispatch']}" in (wb.properties.keywords or "")
    with open_document(doc_path, read_only=True) as doc, doc.reading() as s:
        [sent] = dispatches.list_dispatches(s)
        assert (sent.uid, sent.kind, sent.scope, sent.outstanding) == (
            marker["dispatch"],
            "export",
            "all",
            False,
        )
        assert marker["document"] == dispatches.document_uid(s)
        base = dispatches.base_values(s, sent.id)
        assert (
            len([k for k in base if k[0] == "measure"]) == 4
            and len([k for k in base if k[0] == "field"]) == 6
        )
    edit_in_program(doc_path, "2.1.1", {"responsible": "Jobcenter Kempten"})
    returned = tmp_path / "zurück.xlsx"
    set_cell(book, returned, "2.1.2", "Status", "in Umsetzung (Ende)")

    code, data = run_json(capsys, "import", str(returned), "--db", str(doc_path), "--dry-run", "--json")
    assert code == 0 and data["base_known"] is True
    changed = {(e["number"], e["attribute"]): (e["base"], e["sheet"], e["current"]) for e in data["changed"]}
    assert changed == {("2.1.2", "status"): ("umgesetzt", "ende", "umgesetzt")}
    kept = {(e["number"], e["attribute"]): (e["base"], e["sheet"], e["current"]) for e in data["kept"]}
    assert kept == {("2.1.1", "responsible"): ("Frau/Herr …", "Frau/Herr …", "Jobcenter Kempten")}
    assert data["conflicts"] == [] and data["new"] == [] and data["missing"] == []
    assert [i for i in data["issues"] if i["level"] != "info"] == []
    assert measure(doc_path, "2.1.2")["status"] == "umgesetzt"  # the dry run wrote nothing
    assert list_backups(doc_path) == []

    assert main(["import", str(returned), "--db", str(doc_path), "--yes"]) == 0
    assert measure(doc_path, "2.1.1")["responsible"] == "Jobcenter Kempten"  # the newer edit stays
    assert measure(doc_path, "2.1.2")["status"] == "ende"  # the file's change applies
    assert [b.kind for b in list_backups(doc_path)] == ["import"]
    with open_document(doc_path, read_only=True) as doc, doc.reading() as s:
        [back] = dispatches.list_dispatches(s)
        assert back.returned_file == returned.name
        source = last_import_source(s, measure(doc_path, "2.1.2")["uid"])
        assert source is not None and (source.attribute, source.dispatch_uid) == ("status", back.uid)


def test_a_value_changed_on_both_sides_is_a_conflict_the_document_keeps(
    doc_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = tmp_path / "tabelle.xlsx"
    assert main(["export", str(book), "--db", str(doc_path)]) == 0
    edit_in_program(doc_path, "2.1.3", {"needs": "Raum im Rathaus"})
    returned = tmp_path / "zurück.xlsx"
    set_cell(book, returned, "2.1.3", "Was wird für die Umsetzung benötigt?", "Dolmetscher")
    code, data = run_json(capsys, "import", str(returned), "--db", str(doc_path), "--dry-run", "--json")
    assert code == 0
    assert [
        (e["number"], e["attribute"], e["base"], e["sheet"], e["current"]) for e in data["conflicts"]
    ] == [("2.1.3", "needs", "", "Dolmetscher", "Raum im Rathaus")]
    assert main(["import", str(returned), "--db", str(doc_path), "--yes"]) == 0
    assert measure(doc_path, "2.1.3")["needs"] == "Raum im Rathaus"
    assert main(["import", str(returned), "--db", str(doc_path), "--yes", "--take-sheet"]) == 0
    assert measure(doc_path, "2.1.3")["needs"] == "Dolmetscher"


def test_new_rows_and_indicator_rows_of_the_full_export_are_written(
    doc_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = tmp_path / "tabelle.xlsx"
    assert main(["export", str(book), "--db", str(doc_path)]) == 0
    wb = load_workbook(book)
    ws = wb[ALL]
    last = row_of(ws, "2.1.4")
    ws.insert_rows(last + 1)
    for c in range(1, ws.max_column + 1):
        ws.cell(last + 1, c).value = ws.cell(last, c).value
    for header in ("KIK-ID Maßnahme",):
        ws.cell(last + 1, column(ws, header)).value = None
    ws.cell(last + 1, column(ws, "Maßnahme")).value = "2.1.5 Sprachcafé für Auszubildende"
    # The sheet "Indikatoren" in the three-way merge: a new indicator for 2.1.2 with a value.
    wb["Indikatoren"].append([None, "2.1.2", "Teilnehmende", "Personen", 0, 40, "2027", "04/2026", 9, None])
    returned = tmp_path / "neu.xlsx"
    wb.save(returned)
    code, data = run_json(capsys, "import", str(returned), "--db", str(doc_path), "--dry-run", "--json")
    assert code == 0 and data["base_known"] is True, data["issues"]
    assert [(n["kind"], n["title"], n["parent_number"]) for n in data["new"]] == [
        ("measure", "Sprachcafé für Auszubildende", "2.1"),
        ("indicator", "Teilnehmende", "2.1.2"),
    ]
    assert data["issues"] == []
    assert main(["import", str(returned), "--db", str(doc_path), "--yes"]) == 0
    assert measure(doc_path, "2.1.5")["title"] == "Sprachcafé für Auszubildende"
    [indicator] = measure(doc_path, "2.1.2")["indicators"]
    assert (indicator["name"], indicator["target"], [v["value"] for v in indicator["values"]]) == (
        "Teilnehmende",
        40.0,
        [9.0],
    )


def test_a_read_only_library_export_is_not_a_dispatch(doc_path: Path, tmp_path: Path) -> None:
    """``export_document`` (scripts, printouts) stays a plain read; the command and the window record."""
    from kik_desktop.exchange.excel_export import export_document

    with open_document(doc_path) as doc:
        export_document(doc, tmp_path / "x.xlsx")
        with doc.reading() as s:
            assert dispatches.list_dispatches(s) == []


def test_removed_dispatch_refuses_its_workbook_and_comes_back_whole(
    doc_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = tmp_path / "tabelle.xlsx"
    assert main(["export", str(book), "--db", str(doc_path)]) == 0
    with open_document(doc_path) as doc:
        with doc.reading() as s:
            [sent] = dispatches.list_dispatches(s)
            base = dispatches.base_values(s, sent.id)
        with doc.transaction() as s:
            removed, _cs = dispatches.delete_dispatch(s, sent.uid)
    capsys.readouterr()
    assert main(["import", str(book), "--db", str(doc_path), "--dry-run"]) == 1
    assert "nicht verzeichnet" in capsys.readouterr().out
    with open_document(doc_path) as doc:
        with doc.transaction() as s:
            dispatches.restore_dispatch(s, removed)
        with doc.reading() as s:
            [again] = dispatches.list_dispatches(s)
            assert (again.uid, again.id) == (sent.uid, sent.id)
            assert dispatches.base_values(s, again.id) == base


def test_full_export_of_another_document_or_unknown_dispatch_is_refused(
    doc_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "anderes.kik"
    create_default_document(other).close()
    foreign = tmp_path / "fremd.xlsx"
    assert main(["export", str(foreign), "--db", str(other)]) == 0
    before = doc_path.read_bytes()
    code, data = run_json(capsys, "import", str(foreign), "--db", str(doc_path), "--json", "--yes")
    assert code == 1 and [i["level"] for i in data["issues"]] == ["error"]
    assert "anderen KIK-Dokument" in data["issues"][0]["message"]
    assert doc_path.read_bytes() == before  # nothing written, not even a document id
    own = tmp_path / "eigen.xlsx"
    assert main(["export", str(own), "--db", str(doc_path)]) == 0
    wb = load_workbook(own)
    wb["_kik"]["B1"].value = "0" * 32  # a dispatch id this document never recorded
    wb.save(own)
    before = doc_path.read_bytes()
    capsys.readouterr()
    assert main(["import", str(own), "--db", str(doc_path), "--yes"]) == 1
    assert "Die Versendung 000" in capsys.readouterr().out
    assert doc_path.read_bytes() == before
    assert list_backups(doc_path) == []


def test_a_plain_import_records_its_file_as_the_source(doc_path: Path, tmp_path: Path) -> None:
    """A table without a dispatch id (two-way): the editor says "(Import aus „…“)", not "(im Programm)"."""
    from kik_desktop.domain.merge_apply import provenance_text
    from kik_desktop.exchange.excel_export import export_document
    from kik_desktop.exchange.excel_import import import_file

    plain = tmp_path / "selbst geführt.xlsx"
    with open_document(doc_path) as doc:
        export_document(doc, tmp_path / "x.xlsx")
    set_cell(tmp_path / "x.xlsx", plain, "2.1.2", "Zielgruppe", "Auszubildende")
    with open_document(doc_path) as doc:
        import_file(doc, plain)
        with doc.reading() as s:
            uid = measure(doc_path, "2.1.2")["uid"]
            mid = s.scalar(select(Measure.id).where(Measure.uid == uid))
            assert mid is not None
            assert provenance_text(s, mid).endswith("(Import aus „selbst geführt.xlsx“)")
        edit_in_program(doc_path, "2.1.2", {"notes": "nachgefragt"})
        with doc.reading() as s:
            assert provenance_text(s, mid).endswith("(im Programm)")


# -- the sheet "Indikatoren" of a full export, three-way (issue #13 with the rules of #11) -------------

IND = {"uid": 1, "number": 2, "name": 3, "unit": 4, "target": 6, "date": 8, "value": 9, "note": 10}


def add_indicator(path: Path) -> None:
    """An indicator of goal 2.1 with target 60 and a value of 03/2025."""
    from kik_desktop.domain import indicators as ind

    with open_document(path) as doc, doc.transaction() as s:
        goal = plan.find_by_number(s, "2.1")
        assert goal is not None
        iid, _ = ind.create_indicator(
            s, "goal", goal[1], {"name": "Ausbildungsquote", "unit": "%", "target_value": 60}
        )
        ind.set_value(s, iid, "03/2025", 31, note="Zählung")


def indicator_row(path: Path) -> Any:
    from kik_desktop.domain import indicators as ind

    with open_document(path, read_only=True) as doc, doc.reading() as s:
        return next(r for r in ind.all_indicators(s) if r.name == "Ausbildungsquote")


def set_target(path: Path, value: float) -> None:
    from kik_desktop.domain import indicators as ind

    iid = indicator_row(path).id
    with open_document(path) as doc, doc.transaction() as s:
        ind.update_indicator(s, iid, {"target_value": value})


def sheet_edit(book: Path, out: Path, **cells: Any) -> None:
    """Edit the indicator's row of the sheet "Indikatoren"; ``new_month=(date, value)`` adds a copied
    row with a new Stichtag, as a group reports a measured value."""
    wb = load_workbook(book)
    ws = wb["Indikatoren"]
    r = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, IND["name"]).value == "Ausbildungsquote")
    new_month = cells.pop("new_month", None)
    for key, value in cells.items():
        ws.cell(r, IND[key]).value = value
    if new_month is not None:
        ws.cell(r + 1, IND["uid"]).value = ws.cell(r, IND["uid"]).value
        ws.cell(r + 1, IND["name"]).value = "Ausbildungsquote"
        ws.cell(r + 1, IND["date"]).value, ws.cell(r + 1, IND["value"]).value = new_month
    wb.save(out)


def indicator_entries(data: dict[str, Any], what: str) -> dict[tuple[str, str], tuple[Any, Any, Any]]:
    return {
        (e["number"], e["attribute"]): (e["base"], e["sheet"], e["current"])
        for e in data[what]
        if e["kind"] == "indicator"
    }


def test_the_indicator_story_on_the_full_export(
    doc_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Export; the program raises the target; the sheet changes the unit and reports a new month → both
    survive, ``kept`` lists the target, the value is added once; both change the target → a conflict."""
    add_indicator(doc_path)
    book = tmp_path / "tabelle.xlsx"
    assert main(["export", str(book), "--db", str(doc_path)]) == 0
    uid = indicator_row(doc_path).uid
    with open_document(doc_path, read_only=True) as doc, doc.reading() as s:
        [sent] = dispatches.list_dispatches(s)
        assert dispatches.base_values(s, sent.id)[("indicator", uid)]["target"] == "60"
    set_target(doc_path, 70)
    returned = tmp_path / "zurück.xlsx"
    sheet_edit(book, returned, unit="Prozent", new_month=("06/2026", 38.5))

    code, data = run_json(capsys, "import", str(returned), "--db", str(doc_path), "--dry-run", "--json")
    assert code == 0 and data["base_known"] is True and data["issues"] == []
    assert indicator_entries(data, "changed") == {
        ("2.1", "unit"): ("%", "Prozent", "%"),
        ("2.1", "value 06/2026"): ("", "38,5", None),
    }
    assert indicator_entries(data, "kept") == {("2.1", "target"): ("60", "60", "70")}
    assert (
        data["conflicts"] == []
        and data["new"] == []
        and data["changed"] == [e for e in data["changed"] if e["kind"] == "indicator"]
    )
    capsys.readouterr()
    assert main(["import", str(returned), "--db", str(doc_path), "--dry-run"]) == 0
    assert "Ist-Wert 06/2026: Stand damals „“, Datei „38,5“, Dokument „“" in capsys.readouterr().out
    assert main(["import", str(returned), "--db", str(doc_path), "--yes"]) == 0
    after = indicator_row(doc_path)
    assert (after.unit, after.target_value) == ("Prozent", 70)  # both edits survive
    assert [(v.date_text, v.value) for v in after.values] == [("03/2025", 31), ("06/2026", 38.5)]
    # Imported twice: nothing new, the value is there once.
    code, data = run_json(capsys, "import", str(returned), "--db", str(doc_path), "--dry-run", "--json")
    assert code == 0 and data["changed"] == [] and data["new"] == [] and data["conflicts"] == []
    assert main(["import", str(returned), "--db", str(doc_path), "--yes"]) == 0
    assert len(indicator_row(doc_path).values) == 2

    # Both sides change the target: a conflict; the document keeps its value unless --take-sheet.
    book2 = tmp_path / "zweite.xlsx"
    assert main(["export", str(book2), "--db", str(doc_path)]) == 0
    set_target(doc_path, 75)
    sheet_edit(book2, book2, target=65)
    code, data = run_json(capsys, "import", str(book2), "--db", str(doc_path), "--dry-run", "--json")
    assert code == 0 and indicator_entries(data, "conflicts") == {("2.1", "target"): ("70", "65", "75")}
    assert main(["import", str(book2), "--db", str(doc_path), "--yes"]) == 0
    assert indicator_row(doc_path).target_value == 75
    assert main(["import", str(book2), "--db", str(doc_path), "--yes", "--take-sheet"]) == 0
    assert indicator_row(doc_path).target_value == 65


def test_a_full_export_without_an_indicator_base_still_imports_two_way(
    doc_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A full export made before the export recorded its indicators (a dispatch with the table's base
    only): the sheet's indicators are compared two-way, as the preview says; the table stays three-way."""
    from sqlalchemy import delete

    from kik_desktop.models import DispatchValue

    add_indicator(doc_path)
    book = tmp_path / "alt.xlsx"
    assert main(["export", str(book), "--db", str(doc_path)]) == 0
    with open_document(doc_path) as doc, doc.transaction() as s:
        s.execute(delete(DispatchValue).where(DispatchValue.kind == "indicator"))
    set_target(doc_path, 70)
    edit_in_program(doc_path, "2.1.1", {"responsible": "Jobcenter Kempten"})
    returned = tmp_path / "zurück.xlsx"
    sheet_edit(book, returned, unit="Prozent", new_month=("06/2026", 38.5))

    code, data = run_json(capsys, "import", str(returned), "--db", str(doc_path), "--dry-run", "--json")
    assert code == 0 and data["base_known"] is True
    # No base for the indicator: the file's values win (today's two-way comparison), base None.
    assert indicator_entries(data, "changed") == {
        ("2.1", "unit"): (None, "Prozent", "%"),
        ("2.1", "target"): (None, "60", "70"),
        ("2.1", "value 06/2026"): (None, "38,5", None),
    }
    assert indicator_entries(data, "kept") == {} and data["conflicts"] == []
    [info] = data["issues"]
    assert info["level"] == "info" and "einfach verglichen" in info["message"]
    # The table itself still has its base: the program's edit of 2.1.1 is kept.
    assert [(e["number"], e["attribute"]) for e in data["kept"]] == [("2.1.1", "responsible")]
    assert main(["import", str(returned), "--db", str(doc_path), "--yes"]) == 0
    after = indicator_row(doc_path)
    assert (after.unit, after.target_value) == ("Prozent", 60)
    assert [(v.date_text, v.value) for v in after.values] == [("03/2025", 31), ("06/2026", 38.5)]
    assert measure(doc_path, "2.1.1")["responsible"] == "Jobcenter Kempten"
    code, data = run_json(capsys, "import", str(returned), "--db", str(doc_path), "--dry-run", "--json")
    assert code == 0 and data["changed"] == [] and data["new"] == []


def test_the_indicator_merge_of_a_full_export_is_one_undo_step_in_the_window(
    doc_path: Path, tmp_path: Path, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QDialog

    from kik_desktop.domain import indicators as ind
    from kik_desktop.ui import excel_dialogs
    from kik_desktop.ui.main_window import MainWindow
    from kik_desktop.ui.merge_preview_dialog import MergePreviewDialog

    add_indicator(doc_path)
    uid = indicator_row(doc_path).uid
    window = MainWindow(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    assert window.open_path(doc_path)
    doc = window.document
    assert doc is not None
    book = tmp_path / "tabelle.xlsx"
    assert excel_dialogs.export_to_excel(window.context, book) is not None
    with doc.reading() as s:
        [sent] = dispatches.list_dispatches(s)
        assert ("indicator", uid) in dispatches.base_values(s, sent.id)
    returned = tmp_path / "zurück.xlsx"
    sheet_edit(book, returned, unit="Prozent", new_month=("06/2026", 38.5))
    seen: dict[str, Any] = {}

    def accept(self: MergePreviewDialog) -> int:
        seen["changed"] = sorted(d.attribute for d in self.preview.result.changed)
        return int(QDialog.DialogCode.Accepted)

    monkeypatch.setattr(MergePreviewDialog, "exec", accept)
    steps = window.undo_stack.count()
    assert excel_dialogs.import_from_excel(window.context, returned) is True
    assert seen == {"changed": ["unit", "value 06/2026"]}
    assert window.undo_stack.count() == steps + 1

    def state() -> tuple[str, list[float]]:
        with doc.reading() as s:
            row = next(r for r in ind.all_indicators(s) if r.uid == uid)
            return row.unit, [v.value for v in row.values]

    assert state() == ("Prozent", [31, 38.5])
    window.undo()
    assert state() == ("%", [31])
    window.redo()
    assert state() == ("Prozent", [31, 38.5])
    window.close()


def test_a_new_indicator_of_a_full_export_can_be_rejected_in_the_preview(
    doc_path: Path, tmp_path: Path
) -> None:
    """The preview's new items are the plan's new rows, then the sheet's new indicators; ticking one off
    leaves it out and the rest is written."""
    from kik_desktop.domain import indicators as ind
    from kik_desktop.domain.merge_apply import prepare_merge
    from kik_desktop.exchange.return_import import preview_return

    book = tmp_path / "tabelle.xlsx"
    assert main(["export", str(book), "--db", str(doc_path)]) == 0
    wb = load_workbook(book)
    ws = wb["Indikatoren"]
    ws.append([None, "2.1.2", "Teilnehmende", "Personen", 0, 40, "2027", "04/2026", 9, None])
    ws.append([None, "2.1", "Abbrüche", "%", 10, 5, "2027", None, None, None])
    wb.save(book)
    with open_document(doc_path) as doc:
        with doc.reading() as s:
            preview = preview_return(s, book)
        assert preview is not None
        assert [(n.kind, n.title) for n in preview.new_items] == [
            ("indicator", "Teilnehmende"),
            ("indicator", "Abbrüche"),
        ]
        record = prepare_merge(preview, accepted_new={1})
        with doc.transaction() as s:
            record.redo(s)
        with doc.reading() as s:
            assert [(r.name, r.target_value, len(r.values)) for r in ind.all_indicators(s)] == [
                ("Abbrüche", 5, 0)
            ]
        with doc.transaction() as s:
            record.undo(s)
        with doc.reading() as s:
            assert ind.all_indicators(s) == []

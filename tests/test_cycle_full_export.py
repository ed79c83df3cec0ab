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
    # The sheet "Indikatoren" is read as by the plain import: a new indicator for 2.1.2 with a value.
    wb["Indikatoren"].append([None, "2.1.2", "Teilnehmende", "Personen", 0, 40, "2027", "04/2026", 9, None])
    returned = tmp_path / "neu.xlsx"
    wb.save(returned)
    code, data = run_json(capsys, "import", str(returned), "--db", str(doc_path), "--dry-run", "--json")
    assert code == 0 and data["base_known"] is True, data["issues"]
    assert [(n["kind"], n["title"]) for n in data["new"]] == [("measure", "Sprachcafé für Auszubildende")]
    assert any("Indikatoren" in i["message"] for i in data["issues"] if i["level"] == "info")
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

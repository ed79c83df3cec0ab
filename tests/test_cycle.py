"""The working-group cycle end to end: return workbooks, three-way import, dispatches, workshop copies."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from kik_desktop.cli import main
from kik_desktop.domain import plan
from kik_desktop.domain.defaults import create_default_document
from kik_desktop.domain.merge_apply import last_import_source, numbering
from kik_desktop.domain.queries import dump_plan
from kik_desktop.models import Measure, ValueSource
from kik_desktop.store import open_document
from kik_desktop.store.backup import list_backups

JSON_KEYS = {"base_known", "new", "changed", "conflicts", "kept", "missing", "issues"}
ENTRY_KEYS = {"uid", "number", "attribute", "base", "sheet", "current"}


@pytest.fixture
def doc_path(tmp_path: Path) -> Path:
    path = tmp_path / "konzept.kik"
    create_default_document(path).close()
    return path


@pytest.fixture
def doc_target(backend: str, doc_path: Path, request: pytest.FixtureRequest) -> str:
    """The default concept as a file, or copied to a fresh database on the PostgreSQL test server."""
    if backend == "sqlite":
        return str(doc_path)
    from kik_desktop.store.transfer import copy_document
    from tests.pg_harness import create_database, drop_database

    server = request.getfixturevalue("pg_server")
    url = create_database(server)
    request.addfinalizer(lambda: drop_database(server, url))
    copy_document(doc_path, url, overwrite=True)
    return url


def measure(path: Path | str, number: str) -> dict[str, Any]:
    with open_document(path, read_only=True) as doc, doc.reading() as s:
        data = dump_plan(s)
    for f in data["fields"]:
        for g in f["goals"]:
            for m in g["measures"]:
                if m["number"] == number:
                    return dict(m)
    raise KeyError(number)


def edit_in_program(path: Path | str, number: str, values: dict[str, Any]) -> None:
    with open_document(path) as doc, doc.transaction() as s:
        numbers, _ = numbering(s)
        uid = next(k[1] for k, n in numbers.items() if k[0] == "measure" and n == number)
        mid = s.scalar(select(Measure.id).where(Measure.uid == uid))
        assert mid is not None
        plan.update_item(s, "measure", mid, values)


def sheet_row(ws: Any, number: str) -> int:
    return next(r for r in range(4, ws.max_row + 1) if ws.cell(r, 1).value == number)


COL = {
    "responsible": 7,
    "needs": 9,
    "end": 11,
    "status": 13,
    "priority": 14,
    "notes": 15,
    "goal": 2,
    "title": 4,
}


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = main(list(argv))
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_the_story_of_the_issue(doc_target: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Export for a working group, edits in the program meanwhile, the returned workbook merged three-way —
    into a file and into a server document."""
    doc_path = doc_target
    book = tmp_path / "rueckmeldung_ag2.xlsx"
    assert main(["export", str(book), "--db", str(doc_path), "--field", "2"]) == 0
    # The administrator keeps editing: the responsible institution of 2.1.1 and the needs of 2.1.3.
    edit_in_program(doc_path, "2.1.1", {"responsible": "Jobcenter Kempten"})
    edit_in_program(doc_path, "2.1.3", {"needs": "Raum im Rathaus"})
    # The group changes the status of 2.1.2 and, differently, the needs of 2.1.3; adds a measure.
    wb = load_workbook(book)
    ws = wb["Rückmeldung"]
    ws.cell(sheet_row(ws, "2.1.2"), COL["status"]).value = "in Umsetzung (Ende)"
    ws.cell(sheet_row(ws, "2.1.3"), COL["needs"]).value = "Dolmetscher"
    ws.cell(sheet_row(ws, "2.1.4"), COL["priority"]).value = "hoch"
    new_row = sheet_row(ws, "2.1.4") + 2
    ws.cell(new_row, COL["goal"]).value = ws.cell(sheet_row(ws, "2.1.1"), COL["goal"]).value
    ws.cell(new_row, COL["title"]).value = "Sprachcafé für Auszubildende"
    returned = tmp_path / "zurück von der AG (umbenannt).xlsx"
    wb.save(returned)

    code, data = run_json(capsys, "import", str(returned), "--db", str(doc_path), "--dry-run", "--json")
    assert code == 0
    assert set(data) == JSON_KEYS and data["base_known"] is True
    for entry in data["changed"] + data["conflicts"] + data["kept"]:
        assert set(entry) >= ENTRY_KEYS
    changed = {(e["number"], e["attribute"]): (e["base"], e["sheet"], e["current"]) for e in data["changed"]}
    assert changed == {
        ("2.1.2", "status"): ("umgesetzt", "ende", "umgesetzt"),
        ("2.1.4", "priority"): ("", "1", ""),
    }
    kept = {(e["number"], e["attribute"]): e["current"] for e in data["kept"]}
    assert kept == {("2.1.1", "responsible"): "Jobcenter Kempten"}
    conflicts = {(e["number"], e["attribute"]): (e["sheet"], e["current"]) for e in data["conflicts"]}
    assert conflicts == {("2.1.3", "needs"): ("Dolmetscher", "Raum im Rathaus")}
    assert [n["title"] for n in data["new"]] == ["Sprachcafé für Auszubildende"]
    assert data["missing"] == [] and data["issues"] == []
    assert measure(doc_path, "2.1.2")["status"] == "umgesetzt"  # dry run wrote nothing

    capsys.readouterr()
    assert main(["import", str(returned), "--db", str(doc_path), "--yes"]) == 0
    out = capsys.readouterr().out
    assert "1 Konflikte offen gelassen" in out
    assert measure(doc_path, "2.1.1")["responsible"] == "Jobcenter Kempten"  # the newer edit stays
    assert measure(doc_path, "2.1.2")["status"] == "ende"  # the group's change applies
    assert measure(doc_path, "2.1.3")["needs"] == "Raum im Rathaus"  # conflict: the document keeps
    assert measure(doc_path, "2.1.4")["priority"] == 1
    assert measure(doc_path, "2.1.5")["title"] == "Sprachcafé für Auszubildende"
    assert [b.kind for b in list_backups(doc_path)] == ["import"]
    # Provenance and the tracker.
    with open_document(doc_path, read_only=True) as doc, doc.reading() as s:
        uid = measure(doc_path, "2.1.2")["uid"]
        source = last_import_source(s, uid)
        assert source is not None
        assert (source.attribute, source.source_file, source.group_name) == (
            "status",
            returned.name,
            "AG Arbeit und Ausbildung",
        )
        assert source.dispatch_uid is not None
    code, tracked = run_json(capsys, "dispatches", "--db", str(doc_path), "--json")
    assert [(d["returned"], d["returned_file"], d["outstanding"]) for d in tracked] == [
        (True, returned.name, False)
    ]
    # Importing the same workbook again changes nothing.
    before = measure(doc_path, "2.1.5"), measure(doc_path, "2.1.2")
    assert main(["import", str(returned), "--db", str(doc_path), "--yes"]) == 0
    assert (measure(doc_path, "2.1.5"), measure(doc_path, "2.1.2")) == before
    with pytest.raises(KeyError):
        measure(doc_path, "2.1.6")


def test_take_sheet_resolves_conflicts_for_the_sheet(doc_target: str, tmp_path: Path) -> None:
    doc_path = doc_target
    book = tmp_path / "ag.xlsx"
    assert (
        main(["export", str(book), "--db", str(doc_path), "--working-group", "AG Arbeit und Ausbildung"]) == 0
    )
    edit_in_program(doc_path, "2.1.1", {"responsible": "Dokument"})
    wb = load_workbook(book)
    ws = wb["Rückmeldung"]
    ws.cell(sheet_row(ws, "2.1.1"), COL["responsible"]).value = "Arbeitsgruppe"
    wb.save(book)
    assert main(["import", str(book), "--db", str(doc_path), "--yes", "--take-sheet"]) == 0
    assert measure(doc_path, "2.1.1")["responsible"] == "Arbeitsgruppe"


def test_without_yes_and_without_terminal_nothing_is_written(
    doc_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    book = tmp_path / "f2.xlsx"
    assert main(["export", str(book), "--db", str(doc_path), "--field", "2"]) == 0
    wb = load_workbook(book)
    ws = wb["Rückmeldung"]
    ws.cell(sheet_row(ws, "2.1.2"), COL["status"]).value = "in Umsetzung (Ende)"
    wb.save(book)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    capsys.readouterr()
    assert main(["import", str(book), "--db", str(doc_path)]) == 1
    assert "Ohne Terminal" in capsys.readouterr().err
    assert measure(doc_path, "2.1.2")["status"] == "umgesetzt"
    assert list_backups(doc_path) == []


def test_workbook_of_another_document_is_refused(
    doc_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "anderes.kik"
    create_default_document(other).close()
    book = tmp_path / "fremd.xlsx"
    assert main(["export", str(book), "--db", str(other), "--field", "2"]) == 0
    # The target document has a document id of its own (it sent something too).
    assert main(["export", str(tmp_path / "eigen.xlsx"), "--db", str(doc_path), "--field", "2"]) == 0
    before = doc_path.read_bytes()
    code, data = run_json(capsys, "import", str(book), "--db", str(doc_path), "--json", "--yes")
    assert code == 1
    assert [i["level"] for i in data["issues"]] == ["error"]
    assert "anderen KIK-Dokument" in data["issues"][0]["message"]
    assert doc_path.read_bytes() == before


def test_unknown_dispatch_id_is_refused(
    doc_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = tmp_path / "f2.xlsx"
    assert main(["export", str(book), "--db", str(doc_path), "--field", "2"]) == 0
    wb = load_workbook(book)
    wb["_kik"]["B1"].value = "0" * 32
    wb.save(book)
    before = doc_path.read_bytes()
    capsys.readouterr()
    assert main(["import", str(book), "--db", str(doc_path), "--yes"]) == 1
    assert "nicht verzeichnet" in capsys.readouterr().out
    assert doc_path.read_bytes() == before


def test_return_workbooks_are_protected_and_validated(doc_path: Path, tmp_path: Path) -> None:
    book = tmp_path / "inst.xlsx"
    assert main(["export", str(book), "--db", str(doc_path), "--institution", "Agentur für Arbeit"]) == 0
    wb = load_workbook(book)
    assert wb.sheetnames[:2] == ["Hinweise", "Rückmeldung"]
    assert wb["_kik"].sheet_state == "veryHidden" and wb["Listen"].sheet_state == "hidden"
    ws = wb["Rückmeldung"]
    assert ws.protection.sheet is True and not ws.protection.password
    r = 4
    assert ws.cell(r, 16).protection.locked and ws.column_dimensions["P"].hidden  # KIK-ID Maßnahme
    assert ws.cell(r, 1).protection.locked and not ws.cell(r, COL["status"]).protection.locked
    validations = {str(dv.sqref).split(":")[0][:1]: dv for dv in ws.data_validations.dataValidation}
    assert validations["M"].type == "list" and validations["M"].showErrorMessage
    assert validations["N"].type == "list" and validations["N"].showErrorMessage
    assert validations["K"].type == "custom" and validations["K"].prompt
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$3:$3"
    uid = wb["_kik"]["B1"].value
    assert wb.properties.identifier == uid and uid in (wb.properties.keywords or "")
    hinweise = " ".join(str(c.value) for c in wb["Hinweise"]["B"] if c.value)
    assert "Bitte zurück bis" in hinweise and "Agentur für Arbeit" in hinweise


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_a_workbook_resaved_by_libreoffice_finds_its_base(
    doc_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = tmp_path / "f2.xlsx"
    assert main(["export", str(book), "--db", str(doc_path), "--field", "2"]) == 0
    wb = load_workbook(book)
    ws = wb["Rückmeldung"]
    ws.cell(sheet_row(ws, "2.1.2"), COL["status"]).value = "in Umsetzung (Ende)"
    wb.save(book)
    out = tmp_path / "lo"
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "xlsx", "--outdir", str(out), str(book)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    code, data = run_json(
        capsys, "import", str(out / "f2.xlsx"), "--db", str(doc_path), "--dry-run", "--json"
    )
    assert code == 0 and data["base_known"] is True
    assert [(e["number"], e["attribute"], e["sheet"]) for e in data["changed"]] == [
        ("2.1.2", "status", "ende")
    ]


def test_a_hand_kept_table_is_compared_two_way(capsys: pytest.CaptureFixture[str], doc_path: Path) -> None:
    sample = Path("/work/shared/samples")
    files = sorted(sample.glob("*.xlsx")) if sample.exists() else []
    if not files:
        pytest.skip("no sample workbook")
    _code, data = run_json(capsys, "import", str(files[0]), "--db", str(doc_path), "--dry-run", "--json")
    assert set(data) == JSON_KEYS and data["base_known"] is False
    assert data["conflicts"] == [] and data["kept"] == []


def test_checkout_checkin_round_trip(
    doc_target: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A laptop copy of a file or of a server document (``--db postgresql://…``), edits on both sides,
    checked back in with the three-way merge through the command line."""
    doc_path = doc_target
    copy = tmp_path / "laptop.kik"
    assert main(["checkout", str(copy), "--db", doc_path]) == 0
    # Edits in the workshop copy.
    edit_in_program(copy, "2.1.2", {"status_key": "ende"})
    edit_in_program(copy, "2.1.3", {"needs": "Laptop-Bedarf"})
    with open_document(copy) as c, c.transaction() as s:
        numbers, _ = numbering(s)
        goal_uid = next(k[1] for k, n in numbers.items() if k[0] == "goal" and n == "2.1")
        from kik_desktop.models import Goal

        gid = s.scalar(select(Goal.id).where(Goal.uid == goal_uid))
        assert gid is not None
        plan.create_item(s, "measure", gid, None, {"title": "Im Workshop ergänzt"})
    # Edits in the document meanwhile.
    edit_in_program(doc_path, "2.1.1", {"responsible": "Büro"})
    edit_in_program(doc_path, "2.1.3", {"needs": "Dokument-Bedarf"})

    code, data = run_json(capsys, "checkin", str(copy), "--db", str(doc_path), "--dry-run", "--json")
    assert code == 0 and set(data) == JSON_KEYS and data["base_known"]
    assert {(e["number"], e["attribute"]) for e in data["changed"]} == {("2.1.2", "status")}
    assert {(e["number"], e["attribute"]) for e in data["conflicts"]} == {("2.1.3", "needs")}
    assert ("2.1.1", "responsible") in {(e["number"], e["attribute"]) for e in data["kept"]}
    assert [n["title"] for n in data["new"]] == ["Im Workshop ergänzt"]

    backup_key = doc_path if doc_path.startswith("postgresql://") else Path(doc_path)
    backups_before = len(list_backups(backup_key))
    assert main(["checkin", str(copy), "--db", str(doc_path), "--yes"]) == 0
    # Backed up before the write: a .kik file in the usual list, for a server document too.
    backups = list_backups(backup_key)
    assert len(backups) == backups_before + 1 and backups[0].path.suffix == ".kik"
    assert measure(doc_path, "2.1.2")["status"] == "ende"
    assert measure(doc_path, "2.1.1")["responsible"] == "Büro"
    assert measure(doc_path, "2.1.3")["needs"] == "Dokument-Bedarf"
    assert measure(doc_path, "2.1.5")["title"] == "Im Workshop ergänzt"
    with open_document(doc_path, read_only=True) as doc, doc.reading() as s:
        first = dump_plan(s)
        sources = len(list(s.scalars(select(ValueSource))))
    # Checking the same copy in twice changes nothing.
    capsys.readouterr()
    assert main(["checkin", str(copy), "--db", str(doc_path), "--yes"]) == 0
    assert "Keine Änderungen" in capsys.readouterr().out
    with open_document(doc_path, read_only=True) as doc, doc.reading() as s:
        assert dump_plan(s) == first
        assert len(list(s.scalars(select(ValueSource)))) == sources


def test_copy_of_another_document_is_refused(
    doc_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "anderes.kik"
    create_default_document(other).close()
    copy = tmp_path / "fremd.kik"
    assert main(["checkout", str(copy), "--db", str(other)]) == 0
    assert main(["checkout", str(tmp_path / "eigen.kik"), "--db", str(doc_path)]) == 0
    before = doc_path.read_bytes()
    capsys.readouterr()
    assert main(["checkin", str(copy), "--db", str(doc_path), "--yes"]) == 1
    assert "anderen KIK-Dokuments" in capsys.readouterr().err
    assert doc_path.read_bytes() == before
    plain = tmp_path / "plain.kik"
    create_default_document(plain).close()
    assert main(["checkin", str(plain), "--db", str(doc_path), "--yes"]) == 1
    assert "keine Arbeitskopie" in capsys.readouterr().err

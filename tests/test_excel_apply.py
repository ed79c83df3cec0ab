"""Edited exports come back: the preview shows old → new, apply is one transaction and one undo step."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from kik_desktop.cli import main
from kik_desktop.domain.queries import dump_plan
from kik_desktop.exchange.excel_export import export_document
from kik_desktop.exchange.excel_import import apply_import, preview_document
from kik_desktop.models import StatusChange
from kik_desktop.store import Document, StorageError

pytestmark = pytest.mark.both_backends


def dump(doc: Document) -> dict[str, Any]:
    with doc.reading() as s:
        data = dump_plan(s)
    return data


def row_of(ws: Any, title: str) -> int:
    return next(r for r in range(4, ws.max_row + 1) if str(ws.cell(r, 3).value or "").endswith(" " + title))


def edited_export(doc: Document, tmp_path: Path) -> Path:
    out = tmp_path / "export.xlsx"
    export_document(doc, out)
    wb = load_workbook(out)
    ws = wb["Alle Maßnahmen"]
    ws.cell(row_of(ws, "M1"), 3).value = "1.1.1 M1 neu"
    ws.cell(row_of(ws, "M2"), 12).value = "in Umsetzung (Ende)"
    ws.cell(row_of(ws, "M2"), 10).value = "12/2025"
    ws.delete_rows(row_of(ws, "M3"))
    new_row = row_of(ws, "M4") + 1
    ws.insert_rows(new_row)
    ws.cell(new_row, 1).value = "1.2 Ziel B"
    ws.cell(new_row, 3).value = "Neue Maßnahme"
    ws.cell(new_row, 12).value = "zukünftiger Termin"
    # Field sheets are left as exported: their unchanged copies must not undo the edits above.
    path = tmp_path / "bearbeitet.xlsx"
    wb.save(path)
    return path


def test_preview_of_an_edited_export(small_plan: Document, tmp_path: Path) -> None:
    path = edited_export(small_plan, tmp_path)
    preview = preview_document(small_plan, path)
    assert preview.errors == []
    changes = {item.title: [(c.label, c.old, c.new) for c in item.changes] for item in preview.changed}
    assert changes == {
        "M1": [("Maßnahme", "M1", "M1 neu")],
        "M2": [
            ("Umsetzung bis wann?", "", "12/2025"),
            ("Status", "in Umsetzung (Anfang)", "in Umsetzung (Ende)"),
        ],
    }
    assert [(i.kind, i.title, i.context) for i in preview.new] == [("measure", "Neue Maßnahme", "Ziel B")]
    assert [(i.kind, i.title, i.number) for i in preview.missing] == [("measure", "M3", "1.1.3")]
    text = preview.format_text()
    assert "Status: „in Umsetzung (Anfang)“ → „in Umsetzung (Ende)“" in text
    assert "Fehlen in der Datei (bleiben erhalten)" in text


def test_apply_undo_redo(small_plan: Document, tmp_path: Path) -> None:
    original = dump(small_plan)
    path = edited_export(small_plan, tmp_path)
    preview = preview_document(small_plan, path)
    with small_plan.transaction() as s:
        record = apply_import(s, preview)
    after = dump(small_plan)
    titles = [m["title"] for f in after["fields"] for g in f["goals"] for m in g["measures"]]
    assert titles == ["M1 neu", "M2", "M3", "M4", "Neue Maßnahme", "M5", "M6"]
    m2 = after["fields"][0]["goals"][0]["measures"][1]
    assert (m2["status"], m2["end"]) == ("ende", "12/2025")
    with small_plan.reading() as s:
        assert s.scalar(select(func.count(StatusChange.id))) == 1
    with small_plan.transaction() as s:
        record.undo(s)
    assert dump(small_plan) == original
    with small_plan.reading() as s:
        assert s.scalar(select(func.count(StatusChange.id))) == 0
    with small_plan.transaction() as s:
        record.redo(s)
    assert dump(small_plan) == after
    with small_plan.transaction() as s:
        record.undo(s)
    assert dump(small_plan) == original


def test_delete_missing_only_when_asked_and_undoable(small_plan: Document, tmp_path: Path) -> None:
    original = dump(small_plan)
    path = edited_export(small_plan, tmp_path)
    preview = preview_document(small_plan, path)
    with small_plan.transaction() as s:
        record = apply_import(s, preview, delete_missing=True)
    titles = [m["title"] for f in dump(small_plan)["fields"] for g in f["goals"] for m in g["measures"]]
    assert "M3" not in titles
    with small_plan.transaction() as s:
        record.undo(s)
    assert dump(small_plan) == original


def unchanged_state(doc: Document) -> Any:
    """What must not change: the bytes of a file, the plan of a server document."""
    return dump(doc) if doc.is_server else doc.path.read_bytes()


def test_failure_while_writing_leaves_nothing(
    small_plan: Document, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kik_desktop.domain import plan

    before_bytes = unchanged_state(small_plan)
    path = edited_export(small_plan, tmp_path)
    preview = preview_document(small_plan, path)
    real = plan.update_item
    calls = {"n": 0}

    def failing(*args: Any, **kwargs: Any) -> int:
        calls["n"] += 1
        raise StorageError("Nicht genug Speicherplatz: Die Änderung wurde nicht gespeichert.")

    # The new measure is written first; the disk "fills up" at the first update after it.
    monkeypatch.setattr(plan, "update_item", failing)
    with pytest.raises(StorageError), small_plan.transaction() as s:
        apply_import(s, preview)
    assert calls["n"] == 1
    monkeypatch.setattr(plan, "update_item", real)
    assert unchanged_state(small_plan) == before_bytes


def test_command_line_export_dry_run_import(
    small_plan: Document, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cli.xlsx"
    db = small_plan.location
    assert main(["export", str(out), "--db", db]) == 0
    assert "Exportiert" in capsys.readouterr().out
    assert main(["import", str(out), "--db", db, "--dry-run"]) == 0
    text = capsys.readouterr().out
    # The command's export is a dispatch (issue #11): its re-import is compared three-way.
    assert "Dreiwege-Abgleich" in text and "0 neu, 0 Werte geändert" in text and "nichts geschrieben" in text
    edited = edited_export(small_plan, tmp_path)
    before = unchanged_state(small_plan)
    assert main(["import", str(edited), "--db", db, "--dry-run"]) == 0
    text = capsys.readouterr().out
    assert "M1 neu" in text and "1 neu" in text
    assert unchanged_state(small_plan) == before
    assert main(["import", str(edited), "--db", db, "--yes"]) == 0
    assert "Übernommen" in capsys.readouterr().out
    titles = [m["title"] for f in dump(small_plan)["fields"] for g in f["goals"] for m in g["measures"]]
    assert "Neue Maßnahme" in titles and "M3" in titles
    assert main(["export", str(tmp_path / "x.csv"), "--db", db]) == 1
    assert ".xlsx" in capsys.readouterr().err

"""The working-group cycle in the window: groups, return workbooks, three-way preview, tracker, copies."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDialog, QMessageBox
from pytestqt.qtbot import QtBot

from kik_desktop.domain.defaults import create_default_document
from kik_desktop.domain.queries import dump_plan
from kik_desktop.store import Document, open_document
from kik_desktop.ui import cycle_dialogs
from kik_desktop.ui.cycle_dialogs import ProvenanceLabel, StaleList
from kik_desktop.ui.main_window import MainWindow
from kik_desktop.ui.merge_preview_dialog import MergePreviewDialog

SHOTS = os.environ.get("KIK_SCREENSHOTS")


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()


@pytest.fixture
def doc_path(tmp_path: Path) -> Path:
    path = tmp_path / "konzept.kik"
    create_default_document(path).close()
    return path


def dump(doc: Document) -> dict[str, Any]:
    with doc.reading() as s:
        return dump_plan(s)


def measures(doc: Document) -> dict[str, dict[str, Any]]:
    return {m["number"]: m for f in dump(doc)["fields"] for g in f["goals"] for m in g["measures"]}


def test_working_groups_dialog_edits_are_undoable(
    window: MainWindow, doc_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a: warnings.append(text))
    assert window.open_path(doc_path)
    dialog = cycle_dialogs.WorkingGroupsDialog(window.context)
    dialog.list.setCurrentRow(1)
    dialog.contact.setText("Frau Muster")
    dialog.email.setText("muster@kempten.de")
    dialog.fields.item(2).setCheckState(Qt.CheckState.Checked)  # type: ignore[union-attr]
    assert dialog.save()
    if SHOTS:
        dialog.grab().save(os.path.join(SHOTS, "arbeitsgruppen.png"))
    doc = window.document
    assert doc is not None
    group = dump(doc)["working_groups"][1]
    assert (group["contact"], group["email"], group["fields"]) == (
        "Frau Muster",
        "muster@kempten.de",
        ["2", "3"],
    )
    dialog.email.setText("keine adresse")
    assert not dialog.save()  # a clear message, nothing written
    assert warnings == ["„keine adresse“ ist keine E-Mail-Adresse."]
    window.undo()
    group = dump(doc)["working_groups"][1]
    assert (group["contact"], group["fields"]) == ("", ["2"])
    dialog.add_group()
    assert [g["name"] for g in dump(doc)["working_groups"]][-1] == "Neue Arbeitsgruppe 1"
    dialog.close()


def test_return_workbook_round_trip_in_the_window(
    window: MainWindow, doc_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    messages: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a: messages.append(text))
    monkeypatch.setattr(QMessageBox, "critical", lambda _p, _t, text, *a: messages.append(text))
    assert window.open_path(doc_path)
    doc = window.document
    assert doc is not None
    dialog = cycle_dialogs.ReturnExportDialog(window.context)
    dialog.group_combo.setCurrentIndex(0)  # every group into a folder
    folder = tmp_path / "boegen"
    folder.mkdir()
    written = cycle_dialogs.export_returns(window.context, folder, dialog=dialog)
    # Groups without measures are named in the status bar, the others get a workbook each.
    assert [p.name for p in written] == ["Rückmeldebogen_AG_Arbeit_und_Ausbildung_Handlungsfeld_2.xlsx"]
    assert "AG Sprache und Bildung" in window.statusBar().currentMessage() and messages == []
    book = written[0]
    # The administrator edits 2.1.1 in the program; the group edits 2.1.1 (conflict), 2.1.2 and 2.1.3.
    from sqlalchemy import select

    from kik_desktop.domain import plan
    from kik_desktop.domain.merge_apply import numbering
    from kik_desktop.models import Measure

    with doc.transaction() as s:
        numbers, _ = numbering(s)
        uid = {n: k[1] for k, n in numbers.items() if k[0] == "measure"}
        mid = s.scalar(select(Measure.id).where(Measure.uid == uid["2.1.1"]))
        assert mid is not None
        plan.update_item(s, "measure", mid, {"responsible": "Büro"})
    window.reload_plan()
    wb = load_workbook(book)
    ws = wb["Rückmeldung"]
    ws["G4"].value = "Gruppe"  # 2.1.1 responsible: conflict
    ws["M5"].value = "in Umsetzung (Ende)"  # 2.1.2 status
    ws["K6"].value = "06/2027"  # 2.1.3 end: rejected in the dialog
    ws["O7"].value = "Bitte mit dem Jobcenter abstimmen"  # 2.1.4 notes
    wb.save(book)

    def run_dialog(self: MergePreviewDialog) -> int:
        self.resize(1366, 700)
        tops = {
            self.tree.topLevelItem(i).text(0)[:15]: self.tree.topLevelItem(i)
            for i in range(self.tree.topLevelItemCount())
        }  # type: ignore[union-attr]
        assert any(t.startswith("Maßnahme 2.1.1") for t in tops)
        # Conflicts default to keeping the document's value; reject the end date of 2.1.3.
        for child, d in self._value_items:
            if d.attribute == "end":
                child.setCheckState(0, Qt.CheckState.Unchecked)
        self.tree.setCurrentItem(self._value_items[0][0])
        if SHOTS:
            self.grab().save(os.path.join(SHOTS, "rueckmeldung_vorschau.png"))
        return int(QDialog.DialogCode.Accepted)

    monkeypatch.setattr(MergePreviewDialog, "exec", run_dialog)
    assert cycle_dialogs.import_return(window.context, book) is True, messages
    after = measures(doc)
    assert after["2.1.1"]["responsible"] == "Büro"
    assert after["2.1.2"]["status"] == "ende"
    assert after["2.1.3"]["end"] == ""
    assert after["2.1.4"]["notes"] == "Bitte mit dem Jobcenter abstimmen"
    window.undo()
    undone = measures(doc)
    assert undone["2.1.2"]["status"] == "umgesetzt" and undone["2.1.4"]["notes"] == ""
    window.redo()
    assert measures(doc)["2.1.2"]["status"] == "ende"

    # Provenance in the editor, for the measure whose status came from the group.
    with doc.reading() as s:
        mid = s.scalar(select(Measure.id).where(Measure.uid == uid["2.1.2"]))
    assert mid is not None and window.select_item("measure", mid)
    text = window.context.part(ProvenanceLabel).text()
    assert text.startswith("zuletzt geändert am ") and "Import Rückmeldung AG Arbeit und Ausbildung" in text
    if SHOTS:
        window.resize(1366, 768)
        window.grab().save(os.path.join(SHOTS, "editor_herkunft.png"))

    tracker = cycle_dialogs.DispatchTracker(window.context)
    assert tracker.table.rowCount() == 1 and "zurück am" in tracker.table.item(0, 5).text()  # type: ignore[union-attr]
    if SHOTS:
        tracker.grab().save(os.path.join(SHOTS, "versendungen.png"))
    tracker.close()


def test_checkout_and_checkin_in_the_window(
    window: MainWindow, doc_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert window.open_path(doc_path)
    doc = window.document
    assert doc is not None
    copy = tmp_path / "laptop.kik"
    assert cycle_dialogs.checkout(window.context, copy)
    with open_document(copy) as c, c.transaction() as s:
        from sqlalchemy import select

        from kik_desktop.models import Measure

        m = s.scalars(select(Measure).where(Measure.title.like("%Maßnahme C%"))).one()
        m.status_key = "mitte"
    monkeypatch.setattr(MergePreviewDialog, "exec", lambda self: int(QDialog.DialogCode.Accepted))
    assert cycle_dialogs.checkin(window.context, copy)
    assert measures(doc)["2.1.2"]["status"] == "mitte"
    tracker = cycle_dialogs.DispatchTracker(window.context)
    written = tracker.write_reminders(tmp_path / "erinnerungen")
    assert written == []  # the copy came back: nothing outstanding


def test_not_updated_list_on_the_board(window: MainWindow, doc_path: Path) -> None:
    from datetime import datetime, timedelta

    from sqlalchemy import update

    from kik_desktop.models import Measure

    with open_document(doc_path) as d, d.transaction() as s:
        s.execute(update(Measure).values(updated_at=datetime.now() - timedelta(days=400)))
    assert window.open_path(doc_path)
    doc = window.document
    assert doc is not None
    stale = window.context.part(StaleList)
    stale.refresh()
    total = len(measures(doc))
    assert stale.list.count() == total
    first_number = stale.list.item(0).text().split()[0]  # type: ignore[union-attr]
    # Editing a measure takes it off the list.
    from kik_desktop.domain import plan

    with doc.transaction() as s:
        plan.update_item(s, "measure", stale.ids[0], {"notes": "angerufen"})
    stale.refresh()
    assert stale.list.count() == total - 1
    assert all(
        not stale.list.item(i).text().startswith(first_number + " ") for i in range(stale.list.count())
    )  # type: ignore[union-attr]
    stale.months.setValue(24)
    assert stale.list.count() == 0
    assert window.settings.value("board/stale_months") in (24, "24")


def _measure_id(doc: Document, number: str) -> int:
    from sqlalchemy import select

    from kik_desktop.domain.merge_apply import numbering
    from kik_desktop.models import Measure

    with doc.reading() as s:
        numbers, _ = numbering(s)
        uid = next(k[1] for k, n in numbers.items() if k[0] == "measure" and n == number)
        mid = s.scalar(select(Measure.id).where(Measure.uid == uid))
    assert mid is not None
    return int(mid)


def test_full_export_in_the_window_merges_three_way_and_is_no_undo_step(
    window: MainWindow, doc_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Datei → Exportieren als Excel records a dispatch (not an undo step: the file is out); the story of
    #11 in the window; the provenance line follows the editor's own edit; a mistaken dispatch is removed
    in the tracker after a question, as an undo step."""
    from datetime import date

    from kik_desktop.ui import excel_dialogs

    assert window.open_path(doc_path)
    ctx = window.context
    doc = window.document
    assert doc is not None
    book = tmp_path / "tabelle.xlsx"
    steps = window.undo_stack.count()
    assert excel_dialogs.export_to_excel(ctx, book) is not None
    assert window.undo_stack.count() == steps  # recording the dispatch is no undo step
    # The administrator edits 2.1.1 in the editor.
    assert window.select_item("measure", _measure_id(doc, "2.1.1"))
    window.editor.measure_editor.responsible.setText("Jobcenter Kempten")
    window.editor.flush()
    assert measures(doc)["2.1.1"]["responsible"] == "Jobcenter Kempten"
    # The workbook comes back with only the status of 2.1.2 changed.
    wb = load_workbook(book)
    ws = wb["Alle Maßnahmen"]
    row = next(r for r in range(4, ws.max_row + 1) if str(ws.cell(r, 3).value or "").startswith("2.1.2 "))
    ws.cell(row, 12).value = "in Umsetzung (Ende)"
    returned = tmp_path / "zurück.xlsx"
    wb.save(returned)
    seen: dict[str, Any] = {}

    def accept(self: MergePreviewDialog) -> int:
        p = self.preview
        seen["kept"] = [(p.numbers[d.key], d.attribute) for d in p.result.kept]  # type: ignore[index]
        seen["changed"] = [(p.numbers[d.key], d.attribute) for d in p.result.changed]  # type: ignore[index]
        self.resize(1366, 700)
        if SHOTS:
            self.grab().save(os.path.join(SHOTS, "vollexport_vorschau.png"))
        return int(QDialog.DialogCode.Accepted)

    monkeypatch.setattr(MergePreviewDialog, "exec", accept)
    assert excel_dialogs.import_from_excel(ctx, returned) is True
    assert seen == {"kept": [("2.1.1", "responsible")], "changed": [("2.1.2", "status")]}
    after = measures(doc)
    assert after["2.1.1"]["responsible"] == "Jobcenter Kempten" and after["2.1.2"]["status"] == "ende"
    # One undo step: undo takes the value and the "returned" mark back, redo brings both again.
    from kik_desktop.domain.dispatches import list_dispatches

    def returned() -> list[str]:
        with doc.reading() as s:
            return [d.returned_file for d in list_dispatches(s)]

    assert returned() == ["zurück.xlsx"]
    window.undo()
    assert measures(doc)["2.1.2"]["status"] == "umgesetzt" and returned() == [""]
    window.redo()
    assert measures(doc)["2.1.2"]["status"] == "ende" and returned() == ["zurück.xlsx"]

    # The provenance line: from the import, then the editor's own edit of the same measure.
    assert window.select_item("measure", _measure_id(doc, "2.1.2"))
    label = ctx.part(ProvenanceLabel)
    assert label is not None and label.text().endswith("(Import Rückmeldung)")
    window.editor.measure_editor.responsible.setText("Büro für Integration")
    window.editor.flush()
    assert label.text() == f"zuletzt geändert am {date.today():%d.%m.%Y} (im Programm)"

    # A second export by mistake: removed in the tracker after a question, as an undo step.
    assert excel_dialogs.export_to_excel(ctx, tmp_path / "versehen.xlsx") is not None
    tracker = cycle_dialogs.DispatchTracker(ctx)
    assert tracker.table.rowCount() == 2
    assert "zurück am" in tracker.table.item(0, 5).text()  # type: ignore[union-attr]
    assert tracker.table.item(1, 5).text() == "vollständiger Export – keine Rückgabe erwartet"  # type: ignore[union-attr]
    assert not tracker.remind.isEnabled()  # nobody is reminded of a full export
    tracker.table.selectRow(1)
    answers = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: answers.pop(0))
    assert not tracker.remove_selected()  # "Nein": nothing happens
    assert tracker.table.rowCount() == 2
    if SHOTS:
        tracker.resize(1366, 480)
        tracker.grab().save(os.path.join(SHOTS, "versendungen_vollexport.png"))
    assert tracker.remove_selected()
    assert tracker.table.rowCount() == 1
    assert (
        window.undo_stack.undoText()
        == "Versendung „versehen.xlsx“ vom " + f"{date.today():%d.%m.%Y} entfernen"
    )
    window.undo()
    assert tracker.table.rowCount() == 2  # back whole, the tracker follows the undo
    assert tracker.table.item(1, 3).text() == "versehen.xlsx"  # type: ignore[union-attr]
    tracker.close()


def test_return_workbooks_and_copies_are_recorded_without_an_undo_step(
    window: MainWindow, doc_path: Path, tmp_path: Path
) -> None:
    assert window.open_path(doc_path)
    ctx = window.context
    steps = window.undo_stack.count()
    dialog = cycle_dialogs.ReturnExportDialog(ctx)
    dialog.kind.button(1).setChecked(True)  # Handlungsfeld
    dialog.field_combo.setCurrentIndex(1)
    assert len(cycle_dialogs.export_returns(ctx, tmp_path / "f2.xlsx", dialog=dialog)) == 1
    assert cycle_dialogs.checkout(ctx, tmp_path / "laptop.kik")
    assert window.undo_stack.count() == steps
    tracker = cycle_dialogs.DispatchTracker(ctx)
    assert [tracker.table.item(r, 5).text() for r in range(2)] == ["offen", "offen"]  # type: ignore[union-attr]
    tracker.close()

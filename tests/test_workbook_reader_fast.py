"""The importer's own cell reading gives what openpyxl's reading gives (inline strings, rich text runs,
phonetic runs, numbers, dates, formulas) and needs no sheet size."""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook, load_workbook

from kik_desktop.exchange.workbook_reader import read_workbook

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _write_inline_sheet(path: Path) -> None:
    """A workbook whose first sheet has hand-written inline strings: plain, rich runs, phonetic, empty."""
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "placeholder"
    wb.save(path)
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Sprachkurs für Eltern</t></is></c>'
        '<c r="B1" t="inlineStr"><is><r><t>fett </t></r>'
        '<r><rPr><b/></rPr><t xml:space="preserve">und  normal</t></r></is></c>'
        '<c r="C1" t="inlineStr"><is><t>漢字</t><rPh sb="0" eb="1"><t>かんじ</t></rPh></is></c>'
        '<c r="D1" t="inlineStr"><is><t/></is></c>'
        '<c r="E1" t="inlineStr" s="0"><f>1+1</f><is><t>zwei</t></is></c>'
        '<c r="F1"><v>42.5</v></c>'
        "</row></sheetData></worksheet>"
    )
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = sheet.encode("utf-8")
            dst.writestr(item, data)
    tmp.replace(path)


def test_inline_strings_read_as_openpyxl_reads_them(tmp_path: Path) -> None:
    path = tmp_path / "inline.xlsx"
    _write_inline_sheet(path)
    expected = {
        c.column: c.value
        for row in load_workbook(path, read_only=True, data_only=True).worksheets[0].iter_rows()
        for c in row
    }
    grid = read_workbook(path)
    got = {col: value for col, (value, _style) in grid.sheets[0].cells[1].items()}
    assert got == expected
    assert got[2] == "fett und  normal"  # runs joined, spaces kept
    assert got[3] == "漢字"  # the phonetic reading is not part of the text
    assert (1, 5) in grid.sheets[0].formulas


def test_written_workbook_round_trips_values(tmp_path: Path) -> None:
    """A workbook written by openpyxl (no <dimension> in write-only output) is read in full."""
    path = tmp_path / "written.xlsx"
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Tabelle")
    rows = [["Titel", "Beginn", "Zahl"]] + [
        [f"Maßnahme {i}", datetime(2026, 1 + i % 12, 1), i * 1.5] for i in range(1, 301)
    ]
    for row in rows:
        ws.append(row)
    wb.save(path)
    grid = read_workbook(path)
    sheet = grid.sheets[0]
    assert len(sheet.cells) == len(rows)
    for r, row in enumerate(rows, start=1):
        assert [sheet.cells[r][c][0] for c in (1, 2, 3)] == row


def test_garbage_collection_is_back_on_after_reading(tmp_path: Path) -> None:
    """Reading pauses the cyclic garbage collector; it runs again afterwards, also after a bad file."""
    import gc

    import pytest

    from kik_desktop.exchange.xlsx_guard import WorkbookRejected

    good = tmp_path / "good.xlsx"
    _write_inline_sheet(good)
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a workbook")
    assert gc.isenabled()
    read_workbook(good)
    assert gc.isenabled()
    with pytest.raises(WorkbookRejected):
        read_workbook(bad)
    assert gc.isenabled()

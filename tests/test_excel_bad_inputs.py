"""Bad and hostile workbooks (T10–T13): one clear German message each, and nothing written."""

from __future__ import annotations

import io
import random
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from xml.etree.ElementTree import ParseError

import pytest
from openpyxl import load_workbook

from kik_desktop.cli import main
from kik_desktop.exchange import workbook_reader
from kik_desktop.exchange.excel_export import export_document
from kik_desktop.exchange.excel_import import ImportBlocked, import_file, prepare_import, preview_document
from kik_desktop.exchange.xlsx_guard import OLE2_MAGIC, WorkbookRejected, preflight
from kik_desktop.store import Document


@pytest.fixture
def valid_xlsx(small_plan: Document, tmp_path: Path) -> Path:
    out = tmp_path / "valid.xlsx"
    export_document(small_plan, out)
    return out


def rezip(
    src: Path, dst: Path, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None
) -> Path:
    replace = replace or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = replace.get(item.filename, zin.read(item.filename))
            zout.writestr(item.filename, data)
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return dst


def sheet1(src: Path) -> bytes:
    with zipfile.ZipFile(src) as zf:
        return zf.read("xl/worksheets/sheet1.xml")


def assert_rejected(doc: Document, path: Path, match: str, capsys: pytest.CaptureFixture[str]) -> str:
    """The file is refused with a German message by the API and the command line; the document
    is unchanged."""
    before = doc.path.read_bytes()
    with pytest.raises(WorkbookRejected, match=match) as info:
        preview_document(doc, path)
    message = str(info.value)
    assert path.name in message
    assert "Traceback" not in message
    code = main(["import", str(path), "--db", str(doc.path), "--yes"])
    captured = capsys.readouterr()
    assert code == 1
    assert captured.err.startswith("Fehler: ")
    assert "Traceback" not in captured.err
    assert doc.path.read_bytes() == before
    return message


def test_csv_renamed_to_xlsx(
    small_plan: Document, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "tabelle.xlsx"
    path.write_bytes("Ziel;Maßnahme;Status\n1.1 Ziel;Treffen;grün\n".encode("cp1252"))
    assert_rejected(small_plan, path, "Textdatei", capsys)


def test_pdf_and_random_bytes(
    small_plan: Document, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pdf = tmp_path / "bericht.xlsx"
    pdf.write_bytes(b"%PDF-1.7\n" + bytes(200))
    assert_rejected(small_plan, pdf, "PDF", capsys)
    noise = tmp_path / "rauschen.xlsx"
    noise.write_bytes(random.Random(1).randbytes(5000))
    assert_rejected(small_plan, noise, "keine Excel-Arbeitsmappe", capsys)
    empty = tmp_path / "leer.xlsx"
    empty.write_bytes(b"")
    assert_rejected(small_plan, empty, "leer", capsys)


def test_truncated_workbook(
    small_plan: Document, valid_xlsx: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = valid_xlsx.read_bytes()
    for i, cut in enumerate((len(data) // 3, len(data) // 2, len(data) - 30)):
        path = tmp_path / f"abgebrochen{i}.xlsx"
        path.write_bytes(data[:cut])
        assert_rejected(small_plan, path, "beschädigt", capsys)


def test_old_xls_and_password_protected(
    small_plan: Document, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    xls = tmp_path / "alt.xlsx"
    xls.write_bytes(OLE2_MAGIC + bytes(4000) + "Workbook".encode("utf-16-le") + bytes(600))
    assert_rejected(small_plan, xls, r"\.xls\)", capsys)
    locked = tmp_path / "geschuetzt.xlsx"
    locked.write_bytes(OLE2_MAGIC + bytes(1000) + "EncryptionInfo".encode("utf-16-le") + bytes(3000))
    assert_rejected(small_plan, locked, "Kennwort", capsys)


def test_ods_and_macro_workbooks(
    small_plan: Document, valid_xlsx: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ods = tmp_path / "calc.xlsx"
    with zipfile.ZipFile(ods, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", "<office:document-content/>")
    assert_rejected(small_plan, ods, "OpenDocument", capsys)
    xlsm = rezip(valid_xlsx, tmp_path / "makro.xlsx", add={"xl/vbaProject.bin": b"\x00" * 100})
    # A workbook with macros is read (the macros never run nor stay): issue #18.
    macro_preview = preview_document(small_plan, xlsm)
    assert not macro_preview.errors
    assert any("Makros" in i.message and "weder ausgeführt" in i.message for i in macro_preview.infos)
    word = tmp_path / "brief.xlsx"
    with zipfile.ZipFile(word, "w") as zf:
        zf.writestr("word/document.xml", "<w:document/>")
    assert_rejected(small_plan, word, "Word", capsys)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol3;</t></si></sst>"""

XXE = b"""<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">
<c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData></worksheet>"""


def test_xml_bombs_and_external_entities(
    small_plan: Document, valid_xlsx: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, part, payload in (
        ("lol_sst.xlsx", "xl/sharedStrings.xml", BILLION_LAUGHS),
        ("lol_wb.xlsx", "xl/workbook.xml", BILLION_LAUGHS),
        ("xxe.xlsx", "xl/worksheets/sheet1.xml", XXE),
    ):
        with zipfile.ZipFile(valid_xlsx) as zf:
            present = part in zf.namelist()
        if present:
            path = rezip(valid_xlsx, tmp_path / name, replace={part: payload})
        else:
            path = rezip(valid_xlsx, tmp_path / name, add={part: payload})
        start = time.perf_counter()
        message = assert_rejected(small_plan, path, "DTD", capsys)
        assert "root:" not in message
        assert time.perf_counter() - start < 10
        t0 = time.perf_counter()
        with pytest.raises(WorkbookRejected):
            preflight(path)
        assert time.perf_counter() - t0 < 0.5


def test_zip_bomb_is_refused_before_parsing(
    small_plan: Document, valid_xlsx: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bombe.xlsx"
    rezip(valid_xlsx, path)
    chunk = b"<si><t>" + b"A" * (1024 * 1024 - 15) + b"</t></si>"
    with (
        zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf,
        zf.open("xl/sharedStrings.xml", "w", force_zip64=True) as part,
    ):
        for _ in range(400):  # 400 MiB that pack into well under 1 MiB
            part.write(chunk)
    assert path.stat().st_size < 3 * 1024 * 1024
    t0 = time.perf_counter()
    with pytest.raises(WorkbookRejected, match=r"zu groß|gepackt"):
        preflight(path)
    assert time.perf_counter() - t0 < 0.5
    assert_rejected(small_plan, path, "zu groß|gepackt", capsys)


def test_too_many_parts(
    small_plan: Document, valid_xlsx: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = rezip(
        valid_xlsx, tmp_path / "teile.xlsx", add={f"customXml/item{i}.xml": b"<a/>" for i in range(5100)}
    )
    assert_rejected(small_plan, path, "Teilen", capsys)


def test_far_cell_is_bounded_and_reported(small_plan: Document, valid_xlsx: Path, tmp_path: Path) -> None:
    xml = sheet1(valid_xlsx)
    far = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>weit weg</t></is></c></row></sheetData>'
    wide = b'<c r="XFD5" t="inlineStr"><is><t>rechts</t></is></c></row>'
    xml = xml.replace(b"</sheetData>", far, 1)
    row5_end = xml.index(b"</row>", xml.index(b'<row r="5"'))
    xml = xml[:row5_end] + wide + xml[row5_end + len(b"</row>") :]
    path = rezip(valid_xlsx, tmp_path / "weit.xlsx", replace={"xl/worksheets/sheet1.xml": xml})
    before = small_plan.path.read_bytes()
    t0 = time.perf_counter()
    preview = preview_document(small_plan, path)
    assert time.perf_counter() - t0 < 20
    texts = [i.text() for i in preview.warnings]
    assert any("Zeile 1048576" in t and "außerhalb" in t for t in texts), texts
    assert any("Spalte XFD" in t and "außerhalb" in t for t in texts), texts
    assert preview.new == [] and preview.changed == []
    assert small_plan.path.read_bytes() == before


def test_no_header_found(small_plan: Document, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Einkaufsliste", "Menge"])
    ws.append(["Milch", 2])
    path = tmp_path / "falsch.xlsx"
    wb.save(path)
    before = small_plan.path.read_bytes()
    preview = preview_document(small_plan, path)
    assert preview.has_errors
    assert "Kopfzeile" in preview.errors[0].message
    with pytest.raises(ImportBlocked, match="Kopfzeile"):
        prepare_import(preview)
    code = main(["import", str(path), "--db", str(small_plan.path), "--yes"])
    out = capsys.readouterr()
    assert code == 1 and "Kopfzeile" in out.out and "Nichts übernommen" in out.err
    assert small_plan.path.read_bytes() == before


def test_duplicate_ids(
    small_plan: Document, valid_xlsx: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wb = load_workbook(valid_xlsx)
    ws = wb["Alle Maßnahmen"]
    source = next(r for r in range(4, ws.max_row + 1) if ws.cell(r, 13).value)
    target = ws.max_row + 1
    for c in range(1, 16):
        ws.cell(target, c).value = ws.cell(source, c).value
    ws.cell(target, 4).value = "eine andere Beschreibung"
    path = tmp_path / "doppelt.xlsx"
    wb.save(path)
    before = small_plan.path.read_bytes()
    preview = preview_document(small_plan, path)
    errors = [e for e in preview.errors if "doppelt" in e.message]
    assert errors
    assert (errors[0].sheet, errors[0].row, errors[0].column) == ("Alle Maßnahmen", target, 13)
    assert errors[0].text().startswith(f"Blatt ‚Alle Maßnahmen‘, Zeile {target}, Spalte M: Die KIK-ID")
    with pytest.raises(ImportBlocked):
        import_file(small_plan, path)
    assert main(["import", str(path), "--db", str(small_plan.path), "--yes"]) == 1
    capsys.readouterr()
    assert small_plan.path.read_bytes() == before


def test_conflicting_values_across_sheets(small_plan: Document, valid_xlsx: Path, tmp_path: Path) -> None:
    wb = load_workbook(valid_xlsx)
    all_ws = wb["Alle Maßnahmen"]
    # A second sheet with the same rows, as older exports had (a sheet per field) and users make.
    field_ws = wb.copy_worksheet(all_ws)
    field_ws.title = "HF Kopie"
    r_all = next(r for r in range(4, all_ws.max_row + 1) if all_ws.cell(r, 13).value)
    uid = all_ws.cell(r_all, 13).value
    r_field = next(r for r in range(4, field_ws.max_row + 1) if field_ws.cell(r, 13).value == uid)
    all_ws.cell(r_all, 5).value = "Gruppe A"
    field_ws.cell(r_field, 5).value = "Gruppe B"
    path = tmp_path / "widerspruch.xlsx"
    wb.save(path)
    preview = preview_document(small_plan, path)
    assert any("Widersprüchliche" in e.message for e in preview.errors)
    # Edited on one sheet only: that edit wins, no conflict.
    field_ws.cell(r_field, 5).value = None
    wb.save(path)
    preview = preview_document(small_plan, path)
    assert not preview.errors
    assert [c.new for item in preview.changed for c in item.changes] == ["Gruppe A"]


@pytest.mark.parametrize(
    "exc",
    [
        TypeError("x"),
        KeyError("x"),
        OSError("x"),
        ValueError("x"),
        ParseError("x"),
        zipfile.BadZipFile("x"),
        MemoryError(),
        IndexError("x"),
        AttributeError("x"),
        EOFError(),
        RecursionError(),
        type("XMLSyntaxError", (SyntaxError,), {})("kaputt"),
    ],
)
def test_every_reader_exception_becomes_one_message(
    small_plan: Document, valid_xlsx: Path, monkeypatch: pytest.MonkeyPatch, exc: BaseException
) -> None:
    def boom(*_a: object, **_k: object) -> None:
        raise exc

    monkeypatch.setattr(workbook_reader, "load_workbook", boom)
    with pytest.raises(WorkbookRejected) as info:
        preview_document(small_plan, valid_xlsx)
    assert valid_xlsx.name in str(info.value)


def test_lxml_syntax_error_becomes_one_message(
    small_plan: Document, valid_xlsx: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lxml_etree = pytest.importorskip("lxml.etree")

    def boom(*_a: object, **_k: object) -> None:
        raise lxml_etree.XMLSyntaxError("kaputt", None, 1, 1, "x")

    monkeypatch.setattr(workbook_reader, "load_workbook", boom)
    with pytest.raises(WorkbookRejected, match="beschädigt"):
        preview_document(small_plan, valid_xlsx)


def _mutations(rng: random.Random) -> list[Callable[[bytes], bytes]]:
    def flip(data: bytes) -> bytes:
        b = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        return bytes(b)

    def cut(data: bytes) -> bytes:
        return data[: rng.randrange(len(data))]

    def drop_span(data: bytes) -> bytes:
        i = rng.randrange(len(data))
        return data[:i] + data[i + rng.randint(1, 200) :]

    def dup_span(data: bytes) -> bytes:
        i = rng.randrange(len(data))
        return data[:i] + data[i : i + rng.randint(1, 300)] * rng.randint(2, 5) + data[i:]

    def swap_attr(data: bytes) -> bytes:
        for a, b in (
            (b'r="', b'r="-'),
            (b's="', b's="99'),
            (b't="inlineStr"', b't="s"'),
            (b'ref="', b'ref="ZZ'),
            (b'fillId="', b'fillId="7'),
            (b'count="', b'count="-'),
        ):
            if a in data and rng.random() < 0.5:
                data = data.replace(a, b, rng.randint(1, 3))
        return data

    return [flip, cut, drop_span, dup_span, swap_attr]


def test_mutated_workbooks_never_crash(small_plan: Document, valid_xlsx: Path, tmp_path: Path) -> None:
    """A small structure-aware fuzz: mutate the XML inside a valid zip; only WorkbookRejected may escape."""
    rng = random.Random(20261125)
    with zipfile.ZipFile(valid_xlsx) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    targets = [n for n in parts if n.endswith(".xml") or n.endswith(".rels")]
    before = small_plan.path.read_bytes()
    outcomes = {"rejected": 0, "preview": 0}
    for i in range(120):
        name = rng.choice(targets)
        data = rng.choice(_mutations(rng))(parts[name]) or b"<"
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
            for n, d in parts.items():
                zout.writestr(n, data if n == name else d)
        path = tmp_path / f"fuzz{i}.xlsx"
        path.write_bytes(buf.getvalue())
        try:
            preview_document(small_plan, path)
            outcomes["preview"] += 1
        except WorkbookRejected as exc:
            assert str(exc)
            outcomes["rejected"] += 1
    assert small_plan.path.read_bytes() == before
    assert outcomes["rejected"] > 0 and outcomes["preview"] > 0

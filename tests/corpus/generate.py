"""Bad inputs for the Excel import, generated at test time (deterministic; nothing binary is committed).

``build_corpus(folder, base)`` writes every case into folder and returns them; ``base`` is a valid
workbook (an export of a small plan) that the damaged and the odd-but-valid cases are made from.
Run as a script to write the corpus into a folder for manual or fuzzing use:
``python tests/corpus/generate.py OUTDIR``.
"""

from __future__ import annotations

import io
import random
import re
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# "reject": the file is not a usable workbook; the import must refuse it with one clear message.
# "content": a readable workbook with odd content; the import must not crash: it refuses with a
#            message or imports what it can, and the document stays sound either way.
REJECT = "reject"
CONTENT = "content"


@dataclass(frozen=True)
class BadInput:
    name: str
    path: Path
    expect: str
    what: str


def _rezip(
    base: bytes, edit: Callable[[str, bytes], bytes | None], extra: dict[str, bytes] | None = None
) -> bytes:
    """Rewrite a zip part by part: edit(name, data) returns new data, or None to drop the part."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = edit(info.filename, src.read(info))
            if data is not None:
                dst.writestr(info.filename, data)
        for name, data in (extra or {}).items():
            dst.writestr(name, data)
    return out.getvalue()


def _first_sheet(base: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(base)) as zf:
        return sorted(n for n in zf.namelist() if n.startswith("xl/worksheets/sheet"))[0]


def _sheet_with(base: bytes, sheet: str, replace: Callable[[str], str]) -> bytes:
    def edit(name: str, data: bytes) -> bytes:
        return replace(data.decode("utf-8")).encode("utf-8") if name == sheet else data

    return _rezip(base, edit)


def _with_dtd(xml: str, dtd: str, entity: str, padding: int = 0) -> str:
    """Put a DOCTYPE before the root element and the entity into the first text cell."""
    xml = re.sub(r"^<\?xml[^>]*\?>", "", xml)
    head = '<?xml version="1.0"?>\n' + ("<!--" + " " * padding + "-->" if padding else "") + dtd
    return head + re.sub(r"<t>", "<t>" + entity, xml, count=1)


def _replace_texts(base_path: Path, out: Path, change: Callable[[str], str]) -> None:
    """Load the base with openpyxl, change every text cell below the header, save (a valid workbook)."""
    from openpyxl import load_workbook

    wb = load_workbook(base_path)
    for ws in wb.worksheets:
        for row in ws.iter_rows(min_row=3):
            for cell in row:
                if isinstance(cell.value, str) and cell.value and not cell.value.startswith("="):
                    cell.value = change(cell.value)
    wb.save(out)


def _zip_bomb(size: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        zf.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook/>')
        with zf.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(b'<?xml version="1.0"?><sst><si><t>')
            chunk = b"A" * (1 << 20)
            for _ in range(size >> 20):
                part.write(chunk)
            part.write(b"</t></si></sst>")
    return out.getvalue()


LAUGHS_DTD = (
    '<!DOCTYPE worksheet [\n<!ENTITY lol0 "lol">\n'
    + "\n".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    + "\n]>\n"
)
XXE_DTD = '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'


def build_corpus(folder: Path, base: Path, *, bomb_mib: int = 160) -> list[BadInput]:
    """Write every bad input into folder; base is a valid .xlsx export."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(20261125)
    raw = base.read_bytes()
    sheet = _first_sheet(raw)
    cases: list[BadInput] = []

    def add(name: str, expect: str, what: str, data: bytes | None = None) -> Path:
        path = folder / name
        if data is not None:
            path.write_bytes(data)
        cases.append(BadInput(name, path, expect, what))
        return path

    # -- not a workbook at all, or a damaged one
    add("leer.xlsx", REJECT, "0 bytes", b"")
    add("abgeschnitten.xlsx", REJECT, "zip cut at half its length", raw[: len(raw) // 2])
    add("abgeschnitten_ende.xlsx", REJECT, "zip without its last 100 bytes", raw[:-100])
    add("zufall.xlsx", REJECT, "random bytes", rng.randbytes(20_000))
    add(
        "zufall_mit_zipkopf.xlsx",
        REJECT,
        "zip magic, then random bytes",
        b"PK\x03\x04" + rng.randbytes(20_000),
    )
    junk = io.BytesIO()
    with zipfile.ZipFile(junk, "w") as zf:
        for i in range(5):
            zf.writestr(f"teil{i}.bin", rng.randbytes(500))
    add("zufalls_zip.xlsx", REJECT, "a zip of random parts", junk.getvalue())
    flipped = bytearray(raw)
    for _ in range(40):
        flipped[rng.randrange(200, len(flipped))] ^= 0xFF
    add("bytes_gekippt.xlsx", REJECT, "40 bytes inverted inside the zip", bytes(flipped))
    add(
        "ohne_workbook.xlsx",
        REJECT,
        "zip without xl/workbook.xml",
        _rezip(raw, lambda n, d: None if n == "xl/workbook.xml" else d),
    )
    add(
        "kaputtes_xml.xlsx",
        REJECT,
        "first sheet is malformed XML",
        _rezip(raw, lambda n, d: d[: len(d) // 2] if n == sheet else d),
    )
    add(
        "kaputte_styles.xlsx",
        REJECT,
        "styles.xml is malformed XML",
        _rezip(raw, lambda n, d: b"<styleSheet><<<" if n == "xl/styles.xml" else d),
    )
    # -- hostile
    add(
        "xml_bombe.xlsx",
        REJECT,
        "billion laughs in the first sheet",
        _sheet_with(raw, sheet, lambda x: _with_dtd(x, LAUGHS_DTD, "&lol9;")),
    )
    add(
        "xml_bombe_versteckt.xlsx",
        REJECT,
        "billion laughs behind a 6 KB comment (past a 4 KB sniff)",
        _sheet_with(raw, sheet, lambda x: _with_dtd(x, LAUGHS_DTD, "&lol9;", padding=6000)),
    )
    add(
        "xxe.xlsx",
        REJECT,
        "external entity to /etc/passwd",
        _sheet_with(raw, sheet, lambda x: _with_dtd(x, XXE_DTD, "&xxe;")),
    )
    add(
        "xxe_versteckt.xlsx",
        REJECT,
        "external entity behind a 6 KB comment",
        _sheet_with(raw, sheet, lambda x: _with_dtd(x, XXE_DTD, "&xxe;", padding=6000)),
    )
    add("zip_bombe.xlsx", REJECT, f"{bomb_mib} MiB sharedStrings in a small file", _zip_bomb(bomb_mib << 20))
    many = io.BytesIO()
    with zipfile.ZipFile(many, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        for i in range(6000):
            zf.writestr(f"xl/x/{i}.xml", "<a/>")
    add("viele_teile.xlsx", REJECT, "6,000 parts", many.getvalue())
    add(
        "makros.xlsm.xlsx",
        CONTENT,
        "workbook with vbaProject.bin (read, macros never run)",
        _rezip(raw, lambda _n, d: d, {"xl/vbaProject.bin": rng.randbytes(2000)}),
    )
    far = _rezip(
        raw,
        lambda n, d: (
            d.replace(
                b"</sheetData>",
                b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>fern</t></is></c>'
                b"</row></sheetData>",
            )
            if n == sheet
            else d
        ),
    )
    add("ferne_zelle.xlsx", CONTENT, "a cell at XFD1048576 behind a stale <dimension>", far)
    # -- other formats under an .xlsx name
    add(
        "kennwort.xlsx",
        REJECT,
        "password-protected (OLE2 with EncryptionInfo)",
        OLE2_MAGIC + b"\x00" * 504 + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 3500,
    )
    add(
        "alt.xls.xlsx",
        REJECT,
        "old .xls (OLE2 with a Workbook stream)",
        OLE2_MAGIC + b"\x00" * 504 + "Workbook".encode("utf-16-le") + b"\x00" * 3500,
    )
    add("tabelle.csv.xlsx", REJECT, "CSV text", "Ziel;Maßnahme;Status\n1.1 Sprache;Kurs;umgesetzt\n".encode())
    ods = io.BytesIO()
    with zipfile.ZipFile(ods, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        zf.writestr("content.xml", "<office:document-content/>")
    add("tabelle.ods.xlsx", REJECT, "OpenDocument spreadsheet", ods.getvalue())
    add("bericht.pdf.xlsx", REJECT, "a PDF", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n")
    add("dokument.kik.xlsx", REJECT, "a KIK document (SQLite)", b"SQLite format 3\x00" + b"\x00" * 4080)
    # -- readable workbooks with odd content
    from openpyxl import Workbook, load_workbook

    empty = folder / "leere_mappe.xlsx"
    Workbook().save(empty)
    cases.append(BadInput(empty.name, empty, REJECT, "an empty workbook (no table)"))
    header_only = folder / "nur_kopfzeile.xlsx"
    wb = load_workbook(base)
    for ws in wb.worksheets:
        if ws.max_row > 2:
            ws.delete_rows(3, ws.max_row)
    wb.save(header_only)
    cases.append(BadInput(header_only.name, header_only, CONTENT, "header rows only, no data"))
    dup = folder / "doppelte_ids.xlsx"
    wb = load_workbook(base)
    ws = wb.worksheets[0]
    last = [c.value for c in ws[ws.max_row]]
    ws.append(last)
    ws.append(last)
    wb.save(dup)
    cases.append(BadInput(dup.name, dup, CONTENT, "the same measure row (same ID) three times"))
    long_cells = folder / "lange_zellen.xlsx"
    _replace_texts(base, long_cells, lambda v: (v + " ") * (10_000 // (len(v) + 1) + 1))
    cases.append(BadInput(long_cells.name, long_cells, CONTENT, "10,000-character cells"))
    longer = folder / "zu_lange_zellen.xlsx"
    _replace_texts(base, longer, lambda v: v + "x" * 40_000)
    cases.append(BadInput(longer.name, longer, CONTENT, "40,000-character cells (over Excel's limit)"))
    control = _sheet_with(raw, sheet, lambda x: re.sub(r"<t>([^<]{3})", r"<t>\1_x0001__x0008__x001B_", x))
    add("steuerzeichen.xlsx", CONTENT, "control characters (_x0001_ escapes) in texts", control)
    emoji = folder / "emoji.xlsx"
    _replace_texts(base, emoji, lambda v: f"{v} 🎉👩🏽‍🏫✅ 中文")
    cases.append(BadInput(emoji.name, emoji, CONTENT, "emoji and CJK"))
    rtl = folder / "rechts_nach_links.xlsx"
    _replace_texts(base, rtl, lambda v: f"\u202e{v} مرحبا بكم שלום")
    cases.append(BadInput(rtl.name, rtl, CONTENT, "right-to-left text with an RLO override"))
    formula = folder / "formeln.xlsx"
    _replace_texts(base, formula, lambda v: '=HYPERLINK("http://x","y")' if len(v) % 2 else v)
    cases.append(BadInput(formula.name, formula, CONTENT, "formulas in text cells"))
    return cases


def make_base_workbook(folder: Path) -> Path:
    """A small plan's export: the valid workbook the corpus is derived from."""
    from kik_desktop.domain import plan
    from kik_desktop.exchange.excel_export import export_document
    from kik_desktop.store import create_document

    doc = create_document(folder / "basis.kik", overwrite=True)
    with doc.transaction() as s:
        f1 = plan.create_item(s, "field", None, None, {"name": "Sprache und Bildung"})
        g1 = plan.create_item(s, "goal", f1, None, {"title": "Deutsch lernen", "indicator": "Kurse"})
        for t in ("Sprachcafé", "Elternkurs", "Lernpaten"):
            plan.create_item(s, "measure", g1, None, {"title": t, "status_key": "anfang", "start": "03/2022"})
    out = folder / "basis.xlsx"
    export_document(doc, out)
    doc.close()
    return out


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "corpus_out")
    target.mkdir(parents=True, exist_ok=True)
    for case in build_corpus(target, make_base_workbook(target)):
        print(f"{case.expect:8s} {case.name:28s} {case.what}")

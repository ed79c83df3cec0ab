"""Preflight of a workbook before openpyxl sees it: what kind of file it is, and whether its zip
declares sizes that could exhaust memory. No XML is parsed here."""

from __future__ import annotations

import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

MAX_FILE_BYTES = 40 * 1024 * 1024
MAX_PARTS = 5_000
MAX_PART_BYTES = 150 * 1024 * 1024
MAX_TOTAL_BYTES = 300 * 1024 * 1024
MAX_RATIO = 250  # uncompressed : compressed, checked for parts above RATIO_MIN_BYTES
RATIO_MIN_BYTES = 2 * 1024 * 1024
HEAD_BYTES = 4096

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION = "EncryptionInfo".encode("utf-16-le")
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]+)?(\d+)?(?::([A-Z]+)(\d+))?\"")


class WorkbookRejected(Exception):
    """The file cannot be imported; the message is German and meant for the user."""


@dataclass
class PreflightInfo:
    """What the preflight learned: the zip's part names and sizes."""

    path: Path
    parts: dict[str, int] = field(default_factory=dict)
    declared_dimensions: dict[str, tuple[int, int]] = field(default_factory=dict)


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MiB"


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n


def sniff_kind(head: bytes) -> str:
    """A rough kind of file from its first bytes: zip, ole2, pdf, text, or unknown."""
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head.startswith(OLE2_MAGIC):
        return "ole2"
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"SQLite format 3"):
        return "sqlite"
    sample = head[:2048]
    if sample and b"\x00" not in sample:
        controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
        if controls <= len(sample) // 100:
            return "text"
    return "unknown"


def preflight(path: str | os.PathLike[str]) -> PreflightInfo:
    """Check a file before it is opened as a workbook; raises WorkbookRejected with a German message.

    Steps: read the head (``_read_head``), reject what is no .xlsx by its first bytes (``_reject_kind``),
    then check the zip: what kind of package it is (``_check_package``), the sizes of its parts
    (``_check_sizes``) and the XML heads (``_scan_xml``)."""
    p = Path(path)
    name = p.name
    size, kind, blob = _read_head(p)
    _reject_kind(name, size, kind, blob)
    info = PreflightInfo(path=p)
    damaged = (
        f"„{name}“ ist beschädigt oder unvollständig (z. B. abgebrochene Übertragung) "
        "und kann nicht gelesen werden."
    )
    try:
        with zipfile.ZipFile(p) as zf:
            infos = zf.infolist()
            _check_package(zf, infos, name)
            _check_sizes(infos, name, info)
            _scan_xml(zf, infos, name, info)
    except WorkbookRejected:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, NotImplementedError, OSError):
        raise WorkbookRejected(damaged) from None
    except Exception:  # zlib.error and whatever a damaged archive raises
        raise WorkbookRejected(damaged) from None
    return info


def _read_head(p: Path) -> tuple[int, str, bytes]:
    """(size, kind, blob): the blob is the start of an OLE2 file (to look for encryption), else empty."""
    name = p.name
    blob = b""
    try:
        size = p.stat().st_size
        with p.open("rb") as fh:
            head = fh.read(HEAD_BYTES)
            kind = sniff_kind(head)
            if kind == "ole2":
                fh.seek(0)
                blob = fh.read(min(size, 8 * 1024 * 1024))
    except FileNotFoundError:
        raise WorkbookRejected(f"Die Datei „{name}“ gibt es nicht.") from None
    except IsADirectoryError:
        raise WorkbookRejected(f"„{name}“ ist ein Ordner, keine Excel-Datei.") from None
    except PermissionError:
        raise WorkbookRejected(f"Keine Leserechte für die Datei „{name}“.") from None
    except OSError as exc:
        raise WorkbookRejected(
            f"Die Datei „{name}“ kann nicht gelesen werden: {exc.strerror or exc}"
        ) from None
    return size, kind, blob


def _reject_kind(name: str, size: int, kind: str, blob: bytes) -> None:
    """Empty, too large, or by its first bytes not a zip package."""
    if size == 0:
        raise WorkbookRejected(f"„{name}“ ist leer (0 Byte).")
    if size > MAX_FILE_BYTES:
        raise WorkbookRejected(
            f"„{name}“ ist mit {_mib(size)} zu groß für eine Umsetzungstabelle "
            f"(höchstens {_mib(MAX_FILE_BYTES)})."
        )
    if kind == "ole2":
        if _ENCRYPTION in blob:
            raise WorkbookRejected(
                f"„{name}“ ist mit einem Kennwort geschützt. Bitte die Datei in Excel öffnen, "
                "den Kennwortschutz entfernen (Datei → Informationen → Arbeitsmappe schützen) "
                "und erneut importieren."
            )
        raise WorkbookRejected(
            f"„{name}“ ist eine alte Excel-Datei (.xls). Bitte in Excel als „Excel-Arbeitsmappe (*.xlsx)“ "
            "speichern und diese Datei importieren."
        )
    messages = {
        "pdf": f"„{name}“ ist eine PDF-Datei, keine Excel-Arbeitsmappe (.xlsx).",
        "sqlite": f"„{name}“ ist eine Datenbank (z. B. ein KIK-Dokument), keine Excel-Arbeitsmappe.",
        "text": f"„{name}“ ist eine Textdatei (z. B. CSV), keine Excel-Arbeitsmappe. "
        "Bitte in Excel öffnen und als „Excel-Arbeitsmappe (*.xlsx)“ speichern.",
    }
    if kind in messages:
        raise WorkbookRejected(messages[kind])
    if kind != "zip":
        raise WorkbookRejected(
            f"„{name}“ ist keine Excel-Arbeitsmappe (.xlsx) oder die Datei ist beschädigt."
        )


def _check_package(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], name: str) -> None:
    """A zip, but is it an .xlsx? (.ods, Word/PowerPoint, .xlsb are refused with advice; .xlsm is read.)"""
    if len(infos) > MAX_PARTS:
        raise WorkbookRejected(
            f"„{name}“ besteht aus {len(infos)} Teilen; das ist keine gewöhnliche Arbeitsmappe."
        )
    names = {i.filename for i in infos}
    if "mimetype" in names:
        mimetype = zf.read("mimetype")[:100]
        if b"opendocument" in mimetype:
            raise WorkbookRejected(
                f"„{name}“ ist eine OpenDocument-Tabelle (.ods). Bitte in LibreOffice oder Excel als "
                "„Excel 2007-365 (.xlsx)“ speichern und diese Datei importieren."
            )
    if "word/document.xml" in names or "ppt/presentation.xml" in names:
        raise WorkbookRejected(f"„{name}“ ist ein Word- oder PowerPoint-Dokument, keine Excel-Arbeitsmappe.")
    if "xl/workbook.xml" not in names:
        if any(n.lower() == "xl/workbook.bin" for n in names):
            raise WorkbookRejected(
                f"„{name}“ ist eine binäre Excel-Arbeitsmappe (.xlsb). Bitte als .xlsx speichern."
            )
        raise WorkbookRejected(f"„{name}“ ist keine Excel-Arbeitsmappe (.xlsx): der Arbeitsmappenteil fehlt.")
    # Macros (.xlsm) are no reason to refuse: openpyxl reads the cells only (keep_vba=False),
    # the macros are never run nor kept (fidelity #18); the preview says so.


def _check_sizes(infos: list[zipfile.ZipInfo], name: str, info: PreflightInfo) -> None:
    """Encrypted parts, parts or a total too large when unpacked, zip bombs."""
    total = 0
    for zi in infos:
        if zi.flag_bits & 0x1:
            raise WorkbookRejected(f"„{name}“ ist verschlüsselt und kann nicht gelesen werden.")
        if zi.file_size > MAX_PART_BYTES:
            raise WorkbookRejected(
                f"„{name}“ wird beim Entpacken zu groß (ein Teil hätte {_mib(zi.file_size)}); "
                "die Datei wird aus Sicherheitsgründen nicht geöffnet."
            )
        total += zi.file_size
        if total > MAX_TOTAL_BYTES:
            raise WorkbookRejected(
                f"„{name}“ wird beim Entpacken zu groß (mehr als {_mib(MAX_TOTAL_BYTES)}); "
                "die Datei wird aus Sicherheitsgründen nicht geöffnet."
            )
        if zi.file_size > RATIO_MIN_BYTES and zi.file_size > MAX_RATIO * max(zi.compress_size, 1):
            raise WorkbookRejected(
                f"„{name}“ ist ungewöhnlich stark gepackt "
                f"({zi.file_size // max(zi.compress_size, 1)}:1, "
                "„Zip-Bombe“); die Datei wird aus Sicherheitsgründen nicht geöffnet."
            )
        info.parts[zi.filename] = zi.file_size


def _scan_xml(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], name: str, info: PreflightInfo) -> None:
    """No DTDs in any XML part; the declared dimensions of the worksheets."""
    for zi in infos:
        lower = zi.filename.lower()
        if not (lower.endswith(".xml") or lower.endswith(".rels")):
            continue
        with zf.open(zi) as part:
            head_xml = part.read(HEAD_BYTES)
        if _DTD.search(head_xml):
            raise WorkbookRejected(
                f"„{name}“ enthält eine Dokumenttyp-Deklaration (DTD) in „{zi.filename}“; "
                "das kommt in echten Arbeitsmappen nicht vor. Die Datei wird aus "
                "Sicherheitsgründen nicht geöffnet."
            )
        if lower.startswith("xl/worksheets/") and lower.endswith(".xml"):
            m = _DIMENSION.search(head_xml)
            if m and m.group(3) and m.group(4):
                info.declared_dimensions[zi.filename] = (int(m.group(4)), _col_number(m.group(3).decode()))

"""CSV files as German Excel saves them (issue #18): semicolons or commas, UTF-8 with or without BOM or
Windows-1252, dates TT.MM.JJJJ. The text becomes the same cell grid a workbook gives, so that a CSV goes
through the same preview and merge.
"""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

from kik_desktop.exchange.colors import ColorResolver
from kik_desktop.exchange.workbook_reader import MAX_COLS, MAX_ROWS, SheetGrid, WorkbookGrid, read_workbook
from kik_desktop.exchange.xlsx_guard import MAX_FILE_BYTES, WorkbookRejected

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
_DATE = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})\s*$")


def is_csv(path: str | os.PathLike[str]) -> bool:
    return Path(path).suffix.lower() in CSV_SUFFIXES


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name): UTF-8 with BOM, UTF-8, UTF-16 with BOM, else Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "UTF-8 (mit BOM)"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "UTF-16"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "Windows-1252"


def sniff_delimiter(text: str) -> str:
    """The separator German Excel (";"), others (",") or a tab export used: the one that splits the first
    lines into the same, largest number of fields."""
    lines = [ln for ln in text.splitlines()[:30] if ln.strip()]
    best, best_score = ";", -1
    for delim in (";", ",", "\t", "|"):
        counts = []
        for row in csv.reader(io.StringIO("\n".join(lines)), delimiter=delim):
            counts.append(len(row))
        if not counts:
            continue
        common = max(set(counts), key=counts.count)
        score = (common - 1) * counts.count(common) if common > 1 else 0
        if score > best_score:
            best, best_score = delim, score
    return best


def read_csv(path: str | os.PathLike[str]) -> WorkbookGrid:
    """A CSV file as a one-sheet grid; raises WorkbookRejected with a German message."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise WorkbookRejected(f"„{p.name}“ ist zu groß für einen Import.")
        data = p.read_bytes()
    except FileNotFoundError:
        raise WorkbookRejected(f"Die Datei „{p.name}“ gibt es nicht.") from None
    except PermissionError:
        raise WorkbookRejected(f"Keine Leserechte für die Datei „{p.name}“.") from None
    except OSError as exc:
        raise WorkbookRejected(f"„{p.name}“ kann nicht gelesen werden: {exc.strerror or exc}") from None
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise WorkbookRejected(f"„{p.name}“ ist keine Textdatei (CSV).")
    text, encoding = decode(data)
    delim = sniff_delimiter(text)
    sheet = SheetGrid(title=p.stem[:31] or "CSV", index=0)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
        for r, row in enumerate(reader, start=1):
            if r > MAX_ROWS:
                sheet.rows_beyond += 1
                sheet.first_row_beyond = sheet.first_row_beyond or r
                continue
            cells: dict[int, tuple[object, int]] = {}
            for c, raw in enumerate(row, start=1):
                value = raw.strip("\ufeff")
                if not value.strip():
                    continue
                if c > MAX_COLS:
                    sheet.cols_beyond += 1
                    sheet.first_col_beyond = sheet.first_col_beyond or c
                    continue
                cells[c] = (value, 0)
            if cells:
                sheet.cells[r] = cells
    except csv.Error as exc:
        raise WorkbookRejected(f"„{p.name}“ ist keine lesbare CSV-Datei ({exc}).") from None
    grid = WorkbookGrid(p, [sheet], ColorResolver(), [0], [False], [None], font_strike=[False])
    shown = "Tab" if delim == "\t" else delim
    grid.csv_info = f"CSV-Datei gelesen: Trennzeichen „{shown}“, Zeichensatz {encoding}."
    return grid


def read_table_file(path: str | os.PathLike[str]) -> WorkbookGrid:
    """A workbook or a CSV file (by its suffix), read into the same grid."""
    return read_csv(path) if is_csv(path) else read_workbook(path)


__all__ = ["CSV_SUFFIXES", "decode", "is_csv", "read_csv", "read_table_file", "sniff_delimiter"]

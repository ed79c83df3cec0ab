"""Bounded reading of an untrusted workbook into plain cell grids (values, fills, bold, merges).

The file has passed the preflight (xlsx_guard) before openpyxl opens it; openpyxl runs in read-only
mode, and rows and columns beyond fixed limits are counted, never materialised.
"""

from __future__ import annotations

import functools
import os
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kik_desktop.exchange.colors import ColorResolver
from kik_desktop.exchange.xlsx_guard import WorkbookRejected, preflight

MAX_ROWS = 60_000
MAX_COLS = 60
MAX_SHEETS = 100


@dataclass
class SheetGrid:
    """The cells of one sheet inside the limits: {row: {column: (value, style_id)}}."""

    title: str
    index: int
    cells: dict[int, dict[int, tuple[Any, int]]] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(
        default_factory=list
    )  # min_col, min_row, max_col, max_row
    formulas: set[tuple[int, int]] = field(default_factory=set)
    errors: set[tuple[int, int]] = field(default_factory=set)
    rows_beyond: int = 0  # rows with data after MAX_ROWS
    first_row_beyond: int | None = None
    cols_beyond: int = 0  # cells with data right of MAX_COLS
    first_col_beyond: int | None = None
    hidden: bool = False


@dataclass
class WorkbookGrid:
    path: Path
    sheets: list[SheetGrid]
    colors: ColorResolver
    fill_ids: list[int]  # per style id
    font_bold: list[bool]  # per style id
    fills: list[Any]
    _fill_cache: dict[int, str | None] = field(default_factory=dict)

    def fill_rgb(self, style_id: int) -> str | None:
        """RRGGBB of the background of cells with this style, or None for none."""
        if style_id in self._fill_cache:
            return self._fill_cache[style_id]
        rgb = None
        if 0 <= style_id < len(self.fill_ids):
            fill_id = self.fill_ids[style_id]
            if 0 <= fill_id < len(self.fills):
                rgb = self.colors.fill_rgb(self.fills[fill_id])
        self._fill_cache[style_id] = rgb
        return rgb

    def is_bold(self, style_id: int) -> bool:
        return 0 <= style_id < len(self.font_bold) and self.font_bold[style_id]


def load_workbook(*args: Any, **kwargs: Any) -> Any:
    """openpyxl's load_workbook, imported on first use (openpyxl is not loaded when the program starts)."""
    from openpyxl import load_workbook as load

    return load(*args, **kwargs)


@functools.cache
def _parser_class() -> Any:
    """openpyxl's streaming sheet parser, noting which cells hold a formula. Made on first use:
    openpyxl is imported when a workbook is read, not when the program starts."""
    from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

    class _Parser(WorkSheetParser):  # type: ignore[misc]
        def parse_cell(self, element: Any) -> dict[str, Any]:
            cell: dict[str, Any] = super().parse_cell(element)
            if element.find(FORMULA_TAG) is not None:
                cell["formula"] = True
            return cell

    return _Parser


def _unreadable(name: str, exc: BaseException) -> WorkbookRejected:
    if isinstance(exc, MemoryError):
        return WorkbookRejected(
            f"„{name}“ ist zu groß oder so gebaut, dass das Lesen den Arbeitsspeicher erschöpfen würde; "
            "die Datei wurde nicht übernommen."
        )
    if isinstance(exc, zipfile.BadZipFile):
        return WorkbookRejected(f"„{name}“ ist beschädigt oder unvollständig und kann nicht gelesen werden.")
    return WorkbookRejected(
        f"„{name}“ ist beschädigt oder keine gültige Excel-Arbeitsmappe und kann nicht gelesen werden "
        f"(technisch: {type(exc).__name__})."
    )


def read_workbook(path: str | os.PathLike[str]) -> WorkbookGrid:
    """Read every sheet of a workbook within the limits; raises WorkbookRejected with a German message."""
    p = Path(path)
    preflight(p)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _read(p)
    except WorkbookRejected:
        raise
    except (MemoryError, RecursionError) as exc:
        raise _unreadable(p.name, exc) from None
    except Exception as exc:  # openpyxl, lxml, expat, zipfile: any failure is "unreadable"
        raise _unreadable(p.name, exc) from None


def _read(p: Path) -> WorkbookGrid:
    # The file is opened here and closed whatever happens: openpyxl leaves its zip open when parsing
    # fails, which on Windows would lock the workbook until the program ends.
    with p.open("rb") as fh:
        return _read_from(fh, p)


def _read_from(fh: Any, p: Path) -> WorkbookGrid:
    wb = load_workbook(fh, read_only=True, data_only=True, keep_links=False, keep_vba=False, rich_text=False)
    try:
        colors = ColorResolver.for_workbook(wb)
        styles = list(wb._cell_styles)
        fill_ids = [int(s.fillId) for s in styles]
        fonts = list(wb._fonts)
        font_bold = [
            bool(getattr(fonts[s.fontId], "b", False)) if 0 <= s.fontId < len(fonts) else False
            for s in styles
        ]
        sheets: list[SheetGrid] = []
        for index, ws in enumerate(wb.worksheets[:MAX_SHEETS]):
            if not hasattr(ws, "_get_source"):
                continue  # chartsheets
            grid = SheetGrid(
                title=str(ws.title), index=index, hidden=getattr(ws, "sheet_state", "") != "visible"
            )
            _read_sheet(wb, ws, grid)
            sheets.append(grid)
        return WorkbookGrid(p, sheets, colors, fill_ids, font_bold, list(wb._fills))
    finally:
        wb.close()


def _read_sheet(wb: Any, ws: Any, grid: SheetGrid) -> None:
    from openpyxl.utils.cell import range_boundaries

    with ws._get_source() as src:
        parser = _parser_class()(
            src,
            ws._shared_strings,
            data_only=True,
            epoch=wb.epoch,
            date_formats=wb._date_formats,
            timedelta_formats=wb._timedelta_formats,
        )
        cells = grid.cells
        for row_idx, row in parser.parse():
            if row_idx > MAX_ROWS or row_idx < 1:
                if any(c["value"] is not None for c in row):
                    grid.rows_beyond += 1
                    if grid.first_row_beyond is None:
                        grid.first_row_beyond = row_idx
                continue
            out: dict[int, tuple[Any, int]] = {}
            for c in row:
                col = c["column"]
                value = c["value"]
                if col > MAX_COLS:
                    if value is not None:
                        grid.cols_beyond += 1
                        if grid.first_col_beyond is None or col < grid.first_col_beyond:
                            grid.first_col_beyond = col
                    continue
                if c["data_type"] == "e":
                    grid.errors.add((row_idx, col))
                    value = None
                if c.get("formula"):
                    grid.formulas.add((row_idx, col))
                style = c["style_id"] or 0
                if value is not None or style:
                    out[col] = (value, int(style))
            if out:
                cells[row_idx] = out
        merged = parser.merged_cells
        if merged is not None:
            for mc in merged.mergeCell[:10_000]:
                try:
                    min_col, min_row, max_col, max_row = range_boundaries(str(mc.ref))
                except (TypeError, ValueError):
                    continue
                if None in (min_col, min_row, max_col, max_row):
                    continue
                grid.merges.append((int(min_col), int(min_row), int(max_col), int(max_row)))

"""Bounded reading of an untrusted workbook into plain cell grids (values, fills, bold, merges).

The file has passed the preflight (xlsx_guard) before openpyxl opens it; openpyxl runs in read-only
mode, and rows and columns beyond fixed limits are counted, never materialised.
"""

from __future__ import annotations

import contextlib
import functools
import gc
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
    # fidelity (#18): what a person sees besides the values.
    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: set[int] = field(default_factory=set)
    comments: dict[tuple[int, int], str] = field(default_factory=dict)
    # Conditional formats: (ranges as (min_col, min_row, max_col, max_row), rule type, operator,
    # formula/text operands, fill RRGGBB) – evaluated by exchange/conditional.py.
    conditional: list[tuple[list[tuple[int, int, int, int]], str, str, list[str], str]] = field(
        default_factory=list
    )


@dataclass
class WorkbookGrid:
    path: Path
    sheets: list[SheetGrid]
    colors: ColorResolver
    fill_ids: list[int]  # per style id
    font_bold: list[bool]  # per style id
    fills: list[Any]
    font_strike: list[bool] = field(default_factory=list)  # per style id
    has_macros: bool = False
    csv_info: str = ""  # how a CSV file was read (csv_reader), shown in the preview
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

    def is_struck(self, style_id: int) -> bool:
        return 0 <= style_id < len(self.font_strike) and self.font_strike[style_id]


def load_workbook(*args: Any, **kwargs: Any) -> Any:
    """openpyxl's load_workbook, imported on first use (openpyxl is not loaded when the program starts).
    Read-only workbooks come without openpyxl's size probe of each sheet (see ``_reader_class``)."""
    if kwargs.get("read_only"):
        reader = _reader_class()(*args, **kwargs)
        reader.read()
        return reader.wb
    from openpyxl import load_workbook as load

    return load(*args, **kwargs)


@functools.cache
def _reader_class() -> Any:
    """openpyxl's workbook reader whose read-only sheets skip the size probe.

    openpyxl reads a read-only sheet's size when the sheet object is made, from its ``<dimension>``
    element; a sheet without one (openpyxl's own write-only output, many other writers) is parsed to its
    end for that: a whole extra pass over every sheet, a third of the reading time. The importer never
    asks for the size (``_read_sheet`` parses each sheet once), so it is not probed."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    class _UnsizedSheet(ReadOnlyWorksheet):  # type: ignore[misc]
        def _get_size(self) -> None:
            return None

    class _Reader(ExcelReader):  # type: ignore[misc]
        def read_worksheets(self) -> None:
            for sheet, rel in self.parser.find_sheets():
                if rel.target not in self.valid_files:
                    continue
                if "chartsheet" in rel.Type:
                    self.read_chartsheet(sheet, rel)
                    continue
                ws = _UnsizedSheet(self.wb, sheet.name, rel.target, self.shared_strings)
                ws.sheet_state = sheet.state
                self.wb._sheets.append(ws)

    return _Reader


@functools.cache
def _parser_class() -> Any:
    """openpyxl's streaming sheet parser, noting which cells hold a formula. Made on first use:
    openpyxl is imported when a workbook is read, not when the program starts."""
    from openpyxl.worksheet._reader import FORMULA_TAG, INLINE_STRING, WorkSheetParser
    from openpyxl.xml.constants import SHEET_MAIN_NS

    text_tag, run_tag = f"{{{SHEET_MAIN_NS}}}t", f"{{{SHEET_MAIN_NS}}}r"

    def inline_text(inline: Any) -> str:
        """The text of an inline string: its plain text, then the text of each run (phonetic runs are
        not text). What openpyxl's ``Text.from_tree(inline).content`` gives, without building the
        descriptor objects for every cell (most strings of openpyxl's own output are inline)."""
        parts = []
        plain = inline.find(text_tag)
        if plain is not None and plain.text is not None:
            parts.append(plain.text)
        for run in inline.findall(run_tag):
            t = run.find(text_tag)
            if t is not None and t.text is not None:
                parts.append(t.text)
        return "".join(parts)

    class _Parser(WorkSheetParser):  # type: ignore[misc]
        def parse_cell(self, element: Any) -> dict[str, Any]:
            inline = element.find(INLINE_STRING) if element.get("t") == "inlineStr" else None
            if inline is not None:
                element.remove(inline)  # read below, faster
            cell: dict[str, Any] = super().parse_cell(element)
            if inline is not None:
                cell["value"] = inline_text(inline)
                cell["data_type"] = "s"
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
    # No cyclic garbage collection while the grid is built: every collection would walk all the cells
    # read so far (they all stay alive), which made reading 50,000 measures 25-45 % slower and grow
    # faster than linear. Reference counting still frees what is dropped; collection resumes after.
    gc_was_enabled = gc.isenabled()
    gc.disable()
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
    finally:
        if gc_was_enabled:
            gc.enable()


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
        font_strike = [
            bool(getattr(fonts[s.fontId], "strike", False)) if 0 <= s.fontId < len(fonts) else False
            for s in styles
        ]
        dxf_fills = [_dxf_rgb(colors, getattr(d, "fill", None)) for d in wb._differential_styles.styles]
        sheets: list[SheetGrid] = []
        for index, ws in enumerate(wb.worksheets[:MAX_SHEETS]):
            if not hasattr(ws, "_get_source"):
                continue  # chartsheets
            grid = SheetGrid(
                title=str(ws.title), index=index, hidden=getattr(ws, "sheet_state", "") != "visible"
            )
            _read_sheet(wb, ws, grid, dxf_fills)
            _read_comments(wb, ws, grid)
            sheets.append(grid)
        return WorkbookGrid(
            p,
            sheets,
            colors,
            fill_ids,
            font_bold,
            list(wb._fills),
            font_strike=font_strike,
            has_macros=any(n.lower().endswith("vbaproject.bin") for n in wb._archive.namelist())
            if getattr(wb, "_archive", None) is not None
            else False,
        )
    finally:
        wb.close()


def _dxf_rgb(colors: ColorResolver, fill: Any) -> str | None:
    """The fill of a conditional format: Excel writes it as the pattern's background colour."""
    if fill is None:
        return None
    for attr in ("bgColor", "fgColor"):
        rgb = colors.resolve(getattr(fill, attr, None))
        if rgb is not None and rgb != "000000":
            return rgb
    return None


def _read_comments(wb: Any, ws: Any, grid: SheetGrid) -> None:
    """Cell comments (notes) of a sheet: read from its comments part; never fatal."""
    from openpyxl.comments.comment_sheet import CommentSheet
    from openpyxl.packaging.relationship import get_dependents, get_rels_path
    from openpyxl.utils.cell import range_boundaries
    from openpyxl.xml.constants import COMMENTS_NS
    from openpyxl.xml.functions import fromstring

    archive = getattr(wb, "_archive", None)
    path = getattr(ws, "_worksheet_path", None)
    if archive is None or not path:
        return
    try:
        rels_path = get_rels_path(path)
        if rels_path not in archive.namelist():
            return
        rels = get_dependents(archive, rels_path)
        for rel in rels.find(COMMENTS_NS):
            sheet = CommentSheet.from_tree(fromstring(archive.read(rel.target)))
            for ref, comment in list(sheet.comments)[:5000]:
                min_col, min_row, _mc, _mr = range_boundaries(str(ref))
                if min_col and min_row and min_row <= MAX_ROWS and min_col <= MAX_COLS:
                    grid.comments[(int(min_row), int(min_col))] = str(comment.text or "").strip()
    except Exception:  # a damaged comments part must not stop the import of the values
        return


def _read_sheet(wb: Any, ws: Any, grid: SheetGrid, dxf_fills: list[str | None] | None = None) -> None:

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
        _read_hidden(parser, grid)
        _read_conditional(parser, grid, dxf_fills)
        _read_merges(parser, grid)


def _read_hidden(parser: Any, grid: SheetGrid) -> None:
    """The rows and columns the sheet hides."""
    for r_key, attrs in list(parser.row_dimensions.items())[:MAX_ROWS]:
        if str(attrs.get("hidden", "")) in ("1", "true"):
            with contextlib.suppress(ValueError):
                grid.hidden_rows.add(int(r_key))
    for attrs in list(parser.column_dimensions.values())[: MAX_COLS * 4]:
        if str(attrs.get("hidden", "")) in ("1", "true"):
            try:
                lo, hi = int(attrs.get("min", 0)), int(attrs.get("max", 0))
            except ValueError:
                continue
            grid.hidden_cols.update(range(max(lo, 1), min(hi, MAX_COLS) + 1))


def _read_conditional(parser: Any, grid: SheetGrid, dxf_fills: list[str | None] | None) -> None:
    """Conditional formats that fill cells: ranges, rule type, operator, operands, fill colour."""
    from openpyxl.utils.cell import range_boundaries

    for cf in parser.formatting[:500]:
        try:
            ranges = [range_boundaries(str(r)) for r in str(cf.sqref).split()]
        except (TypeError, ValueError):
            continue
        boxes = [(int(a), int(b), int(c), int(d)) for a, b, c, d in ranges if None not in (a, b, c, d)]
        for rule in cf.rules[:50]:
            dxf_id = rule.dxfId
            rgb = (
                dxf_fills[dxf_id]
                if dxf_fills and dxf_id is not None and 0 <= dxf_id < len(dxf_fills)
                else None
            )
            if rgb:
                operands = [str(f) for f in (rule.formula or [])]
                if rule.text:
                    operands.append(str(rule.text))
                grid.conditional.append(
                    (boxes, str(rule.type or ""), str(rule.operator or ""), operands, rgb)
                )


def _read_merges(parser: Any, grid: SheetGrid) -> None:
    from openpyxl.utils.cell import range_boundaries

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

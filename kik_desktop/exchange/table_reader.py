"""Reading the layout of a sheet: where the table's header is, and its rows as (column key → raw value).

Two entry points, both free of any knowledge of the document:

* ``find_header(sheet)`` finds the header row of the implementation table on a sheet and which column
  holds which key (``headers.find_header``: group headers, synonyms, the user's and remembered mappings),
  or None;
* ``table_rows(grid, table)`` yields the rows below that header as ``TableRow``s: the raw cells by column
  index, ``value(key)`` by column key, the status cell's fill, the location, with merged blocks spread
  over the rows they cover.

``read_legend(grid, tables, status)`` teaches a ``StatusReader`` the colours of the workbook's own legend.
What the rows mean (fields, goals, measures) is ``plan_parser``'s business.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from kik_desktop.exchange import conditional, headers, status_words  # fidelity #18
from kik_desktop.exchange.colors import is_white
from kik_desktop.exchange.import_model import Issue, Loc, cell_text
from kik_desktop.exchange.status_reader import StatusReader
from kik_desktop.exchange.workbook_reader import MAX_ROWS, SheetGrid, WorkbookGrid

HEADER_SCAN_ROWS = 80

Cells = dict[int, tuple[Any, int]]  # column index → (raw value, style id)


@dataclass
class Table:
    """A sheet's implementation table: the header row and the column of each recognised key."""

    sheet: SheetGrid
    header_row: int
    columns: dict[str, int]


@dataclass
class TableRow:
    """One row below a table's header."""

    loc: Loc
    cells: Cells
    columns: dict[str, int]
    fill: str | None  # the status cell's background (None when white, absent or on a wide row)
    wide: bool  # a merged block spanning three or more columns starts here (a section row)
    sheet: SheetGrid

    @property
    def row(self) -> int:
        return self.loc.row

    def value(self, key: str) -> Any:
        """The raw value in the column of key, None when the table has no such column or the cell is empty."""
        c = self.columns.get(key)
        if c is None:
            return None
        cell = self.cells.get(c)
        return None if cell is None else cell[0]

    def values(self) -> dict[str, Any]:
        """Column key → raw value for every recognised column."""
        return {key: self.value(key) for key in self.columns}

    def nonempty(self) -> dict[int, Any]:
        """Column index → value for cells that are not blank."""
        return {c: v for c, (v, _s) in self.cells.items() if v is not None and cell_text(v).strip() != ""}


def find_header(
    sheet: SheetGrid,
    *,
    mapping: dict[str, str] | None = None,
    matches: dict[str, headers.HeaderMatch] | None = None,
    remembered_used: dict[str, str] | None = None,
) -> Table | None:
    """The header row of the table on a sheet (of the first HEADER_SCAN_ROWS) and the column of each key.

    fidelity #18 hook: group headers, synonyms, the user's ``mapping`` (normalised header text → key) and,
    without one, a mapping remembered for the same header. The header read is stored in ``matches`` (by
    sheet title), a remembered mapping that was used in ``remembered_used``.
    """
    scan = sorted(sheet.cells)[: HEADER_SCAN_ROWS + 1]
    rows = {r: {c: v for c, (v, _s) in sheet.cells[r].items()} for r in scan}
    match = headers.find_header(rows, sheet.merges, scan=HEADER_SCAN_ROWS, overrides=mapping or {})
    if match is not None and not mapping:
        saved = headers.remembered(match.signature)
        if saved:
            match = headers.find_header(rows, sheet.merges, scan=HEADER_SCAN_ROWS, overrides=saved) or match
            if remembered_used is not None:
                remembered_used.update(saved)
    if match is None:
        return None
    if matches is not None:
        matches[sheet.title] = match
    return Table(sheet, match.row, match.columns)


def _spread_merges(table: Table) -> tuple[dict[int, Cells], set[int]]:
    """The data cells with merged blocks resolved: a block that spans rows gives its value (and fill) to
    every row it covers; a block that spans three or more columns of one row marks a wide (section) row."""
    sheet = table.sheet
    cells = {r: dict(row) for r, row in sheet.cells.items() if r > table.header_row}
    wide_rows: set[int] = set()
    for min_col, min_row, max_col, max_row in sheet.merges:
        if max_row < table.header_row + 1:
            continue
        if max_col - min_col >= 2 and max_row == min_row:
            wide_rows.add(min_row)
            continue
        top = cells.get(min_row, {}).get(min_col)
        if top is None:
            continue
        for r in range(min_row + 1, min(max_row, MAX_ROWS) + 1):
            cells.setdefault(r, {})[min_col] = top
    return cells, wide_rows


def table_rows(grid: WorkbookGrid, table: Table) -> Iterator[TableRow]:
    """The rows below the header in sheet order, merged blocks spread (see ``_spread_merges``)."""
    cells, wide_rows = _spread_merges(table)
    status_col = table.columns.get("status")
    for r in sorted(cells):
        row = cells[r]
        fill = None
        if status_col is not None and status_col in row and r not in wide_rows:
            rgb = grid.fill_rgb(row[status_col][1])
            fill = None if is_white(rgb) else rgb
        if fill is None and status_col is not None and table.sheet.conditional:  # fidelity #18 hook
            cf = conditional.conditional_fill(
                table.sheet.conditional, r, status_col, row.get(status_col, (None,))[0]
            )
            fill = None if is_white(cf) else cf
        yield TableRow(Loc(table.sheet.title, r), row, table.columns, fill, r in wide_rows, table.sheet)


class LegendLabels:
    """Memoised "is this cell text a status label?" for legend detection."""

    def __init__(self, status: StatusReader) -> None:
        self.status = status
        self._cache: dict[str, str | None] = {}

    def __call__(self, value: Any) -> str | None:
        if not isinstance(value, str) or len(value) > 200:
            return None
        if value not in self._cache:
            self._cache[value] = self.status.from_text(value, strict=True)
        return self._cache[value]


def _legend_candidates(grid: WorkbookGrid, table: Table | None, r: int, c: int, row: Cells) -> list[str]:
    """Colours that a status label at (r, c) names: an empty coloured neighbour, else its own fill
    (outside the table's data cells)."""
    candidates = []
    for nc in (c - 1, c + 1):
        cell = row.get(nc)
        if cell is not None and (cell[0] is None or str(cell[0]).strip() == ""):
            rgb = grid.fill_rgb(cell[1])
            if not is_white(rgb) and rgb is not None:
                candidates.append(rgb)
    if not candidates:
        rgb = grid.fill_rgb(row[c][1])
        in_table = table is not None and r > table.header_row and c in table.columns.values()
        if not is_white(rgb) and rgb is not None and not in_table:
            candidates.append(rgb)
    return candidates


def read_legend(grid: WorkbookGrid, tables: dict[int, Table], labels: LegendLabels) -> list[Issue]:
    """Colour cells beside status labels, on any sheet, outside the tables' data rows: they become the
    status reader's legend. Returns warnings for colours the legend names twice."""
    found: dict[str, set[str]] = {}
    where: dict[str, Issue] = {}
    for sheet in grid.sheets:
        table = tables.get(sheet.index)
        status_col = table.columns.get("status") if table else None
        for r, row in sheet.cells.items():
            for c, (value, _style) in row.items():
                key = labels(value)
                if key is None or (table is not None and c == status_col and r > table.header_row):
                    continue
                for rgb in _legend_candidates(grid, table, r, c, row)[:1]:
                    found.setdefault(rgb, set()).add(key)
                    where.setdefault(rgb, Issue("info", "", sheet.title, r, c))
    issues = []
    # fidelity #18 hook: legend lines written as text ("grün = umgesetzt"), on any sheet
    texts = (v for sh in grid.sheets for row in sh.cells.values() for v, _s in row.values())
    words, doubtful = status_words.read_text_legend(
        (t for t in texts if isinstance(t, str) and len(t) < 300 and ("=" in t or ":" in t)),
        labels,
    )
    labels.status.word_legend.update(words)
    for word in doubtful:
        issues.append(
            Issue("warning", f"Die Legende gibt dem Farbwort „{word}“ mehrere Status; es wird nicht benutzt.")
        )
    for rgb, keys in found.items():
        if len(keys) == 1:
            labels.status.legend[rgb] = next(iter(keys))
        else:
            w = where[rgb]
            issues.append(
                Issue(
                    "warning",
                    f"Die Legende gibt der Farbe #{rgb} mehrere Status; sie wird nicht benutzt.",
                    w.sheet,
                    w.row,
                    w.column,
                )
            )
    return issues

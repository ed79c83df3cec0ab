"""What a person sees on a sheet besides the values (issue #18): struck-through titles, hidden rows and
columns, cell comments, colours from conditional formats, the last row of a table, number prefixes in titles,
and where in the file a changed value was read.

Functions on the plain grids of workbook_reader; no Qt, no database.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from kik_desktop.exchange.columns import column_letter

_TITLE_PREFIX = re.compile(
    r"^\s*(?:(?:nr|no|m)\.?\s*\d{1,3}\s*[.:)\-–]?|\d{1,2}(?:\.\d{1,2})+\.?|\d{1,2}[.:)])\s+(?=\D)", re.I
)


def strip_number_prefix(title: str) -> str:
    """ "3) Sprachkurs", "Nr. 4: Elterncafé", "2.1 Lotsen" → the title without its number."""
    m = _TITLE_PREFIX.match(title)
    if not m:
        return title
    rest = title[m.end() :]
    return rest if rest.strip() and rest.strip()[0].isalpha() else title


def last_table_row(cells: Mapping[int, Mapping[int, tuple[Any, int]]], table_cols: Sequence[int]) -> int:
    """The last row with values in at least two of the table's columns (0 if none)."""
    wanted = set(table_cols)
    for r in sorted(cells, reverse=True):
        row = cells[r]
        n = sum(1 for c, (v, _s) in row.items() if c in wanted and v is not None and str(v).strip())
        if n >= 2:
            return r
    return 0


class _Grid(Protocol):
    def is_struck(self, style_id: int) -> bool: ...


def hints_for_row(
    grid: _Grid,
    sheet: Any,
    r: int,
    row: Mapping[int, tuple[Any, int]],
    cols: Mapping[str, int],
) -> list[tuple[str, str, int | None]]:
    """(level, message, column) hints for one table row: hidden, comments; struck title is separate."""
    out: list[tuple[str, str, int | None]] = []
    if not sheet.comments and not sheet.hidden_rows:
        return out
    if r in sheet.hidden_rows:
        out.append(
            (
                "warning",
                "Die Zeile ist in Excel ausgeblendet; sie wird trotzdem übernommen – bitte prüfen, ob sie "
                "noch gilt.",
                None,
            )
        )
    for c in sorted(row):
        comment = sheet.comments.get((r, c))
        if comment:
            text = " ".join(comment.split())
            out.append(("info", f"Kommentar in der Zelle: „{text[:200]}“ (wird nicht übernommen).", c))
    return out


def title_struck(grid: _Grid, row: Mapping[int, tuple[Any, int]], cols: Mapping[str, int]) -> bool:
    c = cols.get("title")
    cell = row.get(c) if c is not None else None
    return bool(cell is not None and cell[0] not in (None, "") and grid.is_struck(cell[1]))


def hidden_column_hints(sheet: Any, cols: Mapping[str, int]) -> list[tuple[str, int]]:
    """One hint per hidden column of the table (our own export's hidden ID columns excepted)."""
    out = []
    for key, c in sorted(cols.items(), key=lambda kv: kv[1]):
        if c in sheet.hidden_cols and not key.endswith("_uid"):
            out.append(
                (
                    f"Die Spalte {column_letter(c)} ist in Excel ausgeblendet; ihre Werte werden trotzdem "
                    "übernommen – bitte prüfen.",
                    c,
                )
            )
    return out


def change_location(
    values: Mapping[str, list[tuple[Any, Any]]], changed: Mapping[str, Any], fallback: Any
) -> Any:
    """Where the first changed value was read (the sheet and row of that value, not of the measure's first
    appearance), so that an edit on "HF 2 …" is reported there."""
    for attr, new in changed.items():
        for value, loc in values.get(attr, []):
            if value == new or (
                isinstance(value, str) and isinstance(new, str) and value.strip() == new.strip()
            ):
                return loc
    return fallback


__all__ = [
    "change_location",
    "hidden_column_hints",
    "hints_for_row",
    "last_table_row",
    "strip_number_prefix",
    "title_struck",
]

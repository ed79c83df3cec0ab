"""The memoised row-height estimate (exchange/cells.py) gives the same numbers as the plain greedy wrap it
replaced: the reference below is the estimate as it was before the export was sped up (30.11.2026)."""

from __future__ import annotations

import random
from pathlib import Path

from openpyxl import load_workbook

from bench.synthetic import make_synthetic_document
from kik_desktop.exchange import cells
from kik_desktop.exchange.cells import estimate_lines, word_width
from kik_desktop.exchange.columns import COLUMNS, ID_COLUMNS
from kik_desktop.exchange.excel_export import FIRST_DATA_ROW, LINE_HEIGHT, export_document


def reference_lines(text: str, width: float, *, bold: bool = False, size: float = 10.0) -> int:
    """The estimate before the speed-up, word for word."""
    px_per_unit = size * 96 / 72 / 2048 * cells._SAFETY
    avail = max(width * cells._PX_PER_WIDTH - cells._CELL_MARGIN_PX, 20.0) / px_per_unit
    space = cells._SPACE_ADVANCE
    table = cells._ADVANCE[1 if bold else 0]
    lines = 0
    for paragraph in text.split("\n"):
        used = 0.0
        lines += 1
        for word in paragraph.split():
            n = float(sum(table.get(c, cells._UNKNOWN_ADVANCE) for c in word))
            if used and used + space + n > avail:
                lines += 1
                used = 0.0
            while n > avail:
                lines += 1
                n -= avail
            used = used + space + n if used else n
        if lines > 40:
            break
    return lines


def reference_word_width(text: str, *, bold: bool = False, size: float = 10.0) -> float:
    table = cells._ADVANCE[1 if bold else 0]
    longest = max((sum(table.get(c, cells._UNKNOWN_ADVANCE) for c in w) for w in text.split()), default=0)
    if not longest:
        return 0.0
    return (longest * size * 96 / 72 / 2048 * cells._SAFETY + cells._CELL_MARGIN_PX) / cells._PX_PER_WIDTH


VOCABULARY = (
    "Neuzugewanderte Sprachkurs Beratung Antidiskriminierungsberatungsstellenkoordination a i W Übergang "
    "Schule–Beruf „Kita“ Migrant*innenorganisationen 中文 😀 € 12/2026 (offen) -"
).split()


def sample_texts(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    texts = ["", " ", "\n", "eins\n\nzwei", "W" * 300, ("sehr " * 30 + "\n") * 45]
    for _ in range(count):
        words = [rng.choice(VOCABULARY) for _ in range(rng.randint(1, 80))]
        seps = [rng.choice((" ", " ", " ", "  ", "\n")) for _ in words]
        texts.append("".join(w + s for w, s in zip(words, seps, strict=True)).strip(" "))
    return texts


def test_estimate_and_word_width_equal_the_reference_on_a_sample() -> None:
    texts = sample_texts(16, 600)
    widths = (8, 11, 14, 22.5, 26, 62, 80)
    checked = 0
    for round_ in range(2):  # the second round answers from the memo
        for text in texts:
            for bold in (False, True):
                assert word_width(text, bold=bold) == reference_word_width(text, bold=bold), text
                for width in widths:
                    got = estimate_lines(text, width, bold=bold)
                    assert got == reference_lines(text, width, bold=bold), (round_, text, width, bold)
                    checked += 1
    assert checked == 2 * len(texts) * 2 * len(widths)
    assert any(reference_lines(t, 62) > 40 for t in texts)  # the cut-off at 40 lines is covered


def test_row_heights_of_an_export_equal_the_reference(tmp_path: Path) -> None:
    doc = make_synthetic_document(tmp_path / "synth.kik", 300, seed=5, goals_per_field=3)
    out = tmp_path / "out.xlsx"
    try:
        export_document(doc, out)
    finally:
        doc.close()
    ws = load_workbook(out).worksheets[0]
    n_table = len(COLUMNS)
    field_col = n_table + len(ID_COLUMNS) + 1
    widths = [ws.column_dimensions[chr(ord("A") + i)].width for i in range(n_table)]
    field_width = ws.column_dimensions[chr(ord("A") + field_col - 1)].width
    rows = 0
    for row in ws.iter_rows(min_row=FIRST_DATA_ROW):
        r = row[0].row
        lines = 1
        for i in range(n_table):
            value = row[i].value
            if isinstance(value, str) and value:
                lines = max(lines, reference_lines(value, widths[i], bold=i in (0, 2)))
        value = row[field_col - 1].value
        if isinstance(value, str) and value:
            lines = max(lines, reference_lines(value, field_width))
        assert ws.row_dimensions[r].height == min(409.0, LINE_HEIGHT * lines + 3), r
        rows += 1
    assert rows == 300

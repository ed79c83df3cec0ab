"""Row heights and column widths of the Excel export: estimated from Calibri's character widths."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from openpyxl import load_workbook

from kik_desktop.domain import plan
from kik_desktop.exchange.cells import estimate_lines, word_width
from kik_desktop.exchange.excel_export import LINE_HEIGHT, export_document
from kik_desktop.models import Measure
from kik_desktop.store import Document

CARLITO = Path("/usr/share/fonts/truetype/crosextra/Carlito-Regular.ttf")
WORDS = (
    "Neuzugewanderte Sprachkurs Beratung Antidiskriminierung Elternarbeit Begegnungsstätten in allen "
    "Quartieren fördern Integrationslots*innen für Frauen mit Kindern und Jugendliche (offene Jugendarbeit) "
    "Migrant*innenorganisationen Wohlfahrtsverbände Qualifikation Mentoring Übergang Schule–Beruf"
).split()


def test_estimate_counts_glyph_widths() -> None:
    # A word as wide as its measured width fits on one line; narrow letters fit more than wide ones.
    for word in ("Neuzugewanderte", "Antidiskriminierung", "Integrationslots*innen"):
        assert estimate_lines(word, word_width(word) + 0.1) == 1
        assert estimate_lines(word, word_width(word) - 1) == 2
    assert estimate_lines("i" * 60, 12) < estimate_lines("W" * 60, 12)
    assert estimate_lines("eins\nzwei\n\nvier", 30) == 4
    assert estimate_lines("a " * 200, 62) > estimate_lines("a " * 200, 80)
    assert word_width("Wort", bold=True) > word_width("Wort")


@pytest.mark.skipif(not CARLITO.exists(), reason="Carlito (fonts-crosextra-carlito) is not installed")
def test_estimate_is_never_short_of_the_real_wrap() -> None:
    """Wrapped with Carlito's real advances (read by reportlab), as LibreOffice and Excel draw Calibri,
    a text never needs more lines than the estimate: a row never cuts its text."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont("CarlitoWrapTest", str(CARLITO)))

    class _Font:
        @staticmethod
        def getlength(text: str) -> float:
            return float(pdfmetrics.stringWidth(text, "CarlitoWrapTest", 2048))

    font = _Font()
    rng = random.Random(7)

    def real_lines(text: str, width: float) -> int:
        avail = (width * 7 - 7) / (10 * 96 / 72 / 2048)  # font units in a column, Excel's 7 px per unit
        lines, line = 1, ""
        for word in text.split():
            trial = f"{line} {word}" if line else word
            if line and font.getlength(trial) > avail:
                lines, line = lines + 1, word
            else:
                line = trial
        return lines

    ratios = []
    for _ in range(300):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 60)))
        width = rng.choice((15, 18, 22, 26, 62))
        if max(font.getlength(w) for w in text.split()) > (width * 7 - 7) / (10 * 96 / 72 / 2048):
            continue  # a word wider than the column: broken inside, counted apart
        estimate = estimate_lines(text, width)
        real = real_lines(text, width)
        assert real <= estimate, (text, width, real, estimate)
        ratios.append(estimate / real)
    # The margin for Excel's whole-pixel glyphs costs about a tenth more lines, not more.
    assert len(ratios) > 100 and sum(ratios) / len(ratios) < 1.15


def test_row_heights_follow_the_text(small_plan: Document, tmp_path: Path) -> None:
    long_text = " ".join(WORDS * 3)
    with small_plan.transaction() as s:
        m = s.query(Measure).filter_by(title="M2").one()
        plan.update_item(s, "measure", m.id, {"description": long_text})
    out = tmp_path / "export.xlsx"
    export_document(small_plan, out)
    ws = load_workbook(out)["Alle Maßnahmen"]
    rows = {str(ws.cell(r, 3).value): r for r in range(4, ws.max_row + 1) if ws.cell(r, 3).value}
    width = ws.column_dimensions["D"].width
    long_row = rows["1.1.2 M2"]
    assert ws.row_dimensions[long_row].height == LINE_HEIGHT * estimate_lines(long_text, width) + 3
    # A row of short texts is one line high (two at most for the bold goal "1.1 Ziel A").
    assert ws.row_dimensions[rows["1.1.1 M1"]].height <= LINE_HEIGHT * 2 + 3
    # The header fits its longest head ("Beginn der Umsetzung (Termin Monat/Jahr)") without cutting.
    assert ws.row_dimensions[3].height >= LINE_HEIGHT * 4

"""Page layout shared by the printouts: styles, literal user text, page templates, status cells, charts."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A3, A4, landscape, portrait
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    LongTable,
    PageBreak,
    PageTemplate,
    Paragraph,
    Table,
    TableStyle,
)

from kik_desktop.reports.data import NO_STATUS_LABEL, StatusStyle
from kik_desktop.reports.fonts import FONT, FONT_BOLD, FONT_ITALIC, REPLACEMENT, covered_codepoints
from kik_desktop.reports.hyphenation import positions as german_positions
from kik_desktop.reports.wording import nest_quotes, num

MARGIN = 1.5 * cm
HEADER_GAP = 0.9 * cm
GRID = colors.HexColor("#9A9A9A")
HEAD_FILL = colors.HexColor("#DCE6F1")
SECTION_FILL = colors.HexColor("#EDEDED")
ACCENT = colors.HexColor("#1F4E79")
MUTED = colors.HexColor("#555555")


POSTER_SIZES = {"A3": A3, "A2": (A3[1], A3[0] * 2), "A1": (A3[0] * 2, A3[1] * 2)}


def page_size(name: str, orientation: str) -> tuple[float, float]:
    base = POSTER_SIZES.get(name.upper(), A4)
    size: tuple[float, float] = landscape(base) if orientation == "landscape" else portrait(base)
    return size


def format_date(value: Any) -> str:
    """dd.mm.yyyy for date/datetime; ISO text (yyyy-mm-dd...) converted; anything else unchanged."""
    if value is None or value == "":
        return ""
    if hasattr(value, "strftime"):
        return str(value.strftime("%d.%m.%Y"))
    text = str(value)
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:[ T].*)?", text)
    if m:
        return f"{m.group(3)}.{m.group(2)}.{m.group(1)}"
    return text


# --- literal user text ----------------------------------------------------------------------------


def _uncovered_pattern() -> re.Pattern[str]:
    """A regex matching any character the font cannot print (whitespace excluded)."""
    points = sorted(covered_codepoints() | {9, 10, 13, 32})
    ranges: list[str] = []
    start = prev = points[0]
    for p in points[1:]:
        if p == prev + 1:
            prev = p
            continue
        ranges.append(_range(start, prev))
        start = prev = p
    ranges.append(_range(start, prev))
    return re.compile("[^" + "".join(ranges) + "]")


def _range(a: int, b: int) -> str:
    return re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"


class Text:
    """Turns the document's text into Paragraphs that print it literally, per printout.

    Every piece of user text goes through ``esc``: characters the font lacks become U+FFFD (and are
    remembered in ``missing``), then ``xml.sax.saxutils.escape`` makes ``<``, ``>`` and ``&`` plain
    characters, so no user text can become reportlab markup (``<img src>`` would read a local file,
    ``<a href>`` would make a link).
    """

    def __init__(self, base_size: float = 9) -> None:
        self.missing: set[str] = set()
        self._uncovered = _uncovered_pattern()
        self.size = base_size
        s = base_size
        self.body = ParagraphStyle("body", fontName=FONT, fontSize=s, leading=s * 1.3)
        self.small = ParagraphStyle("small", parent=self.body, fontSize=s * 0.85, leading=s * 0.85 * 1.25)
        self.cell = ParagraphStyle(
            "cell", parent=self.body, fontSize=s * 0.85, leading=s * 0.85 * 1.2, splitLongWords=True
        )
        self.cell_bold = ParagraphStyle("cell_bold", parent=self.cell, fontName=FONT_BOLD)
        self.cell_head = ParagraphStyle("cell_head", parent=self.cell, fontName=FONT_BOLD, textColor=ACCENT)
        self.cell_center = ParagraphStyle("cell_center", parent=self.cell, alignment=TA_CENTER)
        self.muted = ParagraphStyle("muted", parent=self.cell, textColor=MUTED, fontName=FONT_ITALIC)
        self.title = ParagraphStyle(
            "title",
            parent=self.body,
            fontName=FONT_BOLD,
            fontSize=s * 2.6,
            leading=s * 3.2,
            textColor=ACCENT,
            spaceAfter=s,
        )
        self.h1 = ParagraphStyle(
            "h1",
            parent=self.body,
            fontName=FONT_BOLD,
            fontSize=s * 1.7,
            leading=s * 2.1,
            textColor=ACCENT,
            spaceBefore=s * 0.6,
            spaceAfter=s * 0.7,
        )
        self.h2 = ParagraphStyle(
            "h2",
            parent=self.body,
            fontName=FONT_BOLD,
            fontSize=s * 1.25,
            leading=s * 1.6,
            textColor=ACCENT,
            spaceBefore=s * 0.9,
            spaceAfter=s * 0.4,
        )
        self.h3 = ParagraphStyle(
            "h3",
            parent=self.body,
            fontName=FONT_BOLD,
            fontSize=s * 1.05,
            leading=s * 1.35,
            spaceBefore=s * 0.7,
            spaceAfter=s * 0.3,
        )
        self.centered = ParagraphStyle("centered", parent=self.body, alignment=TA_CENTER)
        cs = s * 0.85
        self.l_cell = TextStyle(FONT, cs, cs * 1.2)
        self.l_bold = TextStyle(FONT_BOLD, cs, cs * 1.2)
        self.l_center = TextStyle(FONT, cs, cs * 1.2, align="center")
        self.l_center_bold = TextStyle(FONT_BOLD, cs, cs * 1.2, align="center")
        self.l_small = TextStyle(FONT, s * 0.75, s * 0.75 * 1.2, colors.HexColor("#333333"))
        self.l_muted = TextStyle(FONT_ITALIC, cs, cs * 1.2, MUTED)
        self.l_example = TextStyle(FONT_ITALIC, s * 0.75, s * 0.75 * 1.2, colors.HexColor("#7F6000"))
        self.left = ParagraphStyle("left", parent=self.body, alignment=TA_LEFT)

    def esc(self, text: str | None) -> str:
        """User text as safe Paragraph markup: literal characters, line breaks kept."""
        if not text:
            return ""
        text = str(text)
        if not text.isascii():
            text = self._uncovered.sub(self._replace, nest_quotes(text))
        out = escape(text.replace("\r\n", "\n").replace("\t", " "))
        if "\n" in out:
            out = out.strip("\n").replace("\n", "<br/>")
        return out

    def plain(self, text: str | None) -> str:
        """User text for places that never parse markup (drawing strings, outline): glyphs checked only."""
        if not text:
            return ""
        text = " ".join(str(text).split())
        return text if text.isascii() else self._uncovered.sub(self._replace, nest_quotes(text))

    def _replace(self, m: re.Match[str]) -> str:
        self.missing.add(m.group(0))
        return REPLACEMENT

    def para(self, text: str | None, style: ParagraphStyle | None = None) -> Paragraph:
        """A Paragraph printing user text literally."""
        return Paragraph(self.esc(text), style or self.body)

    def markup(self, markup: str, style: ParagraphStyle | None = None) -> Paragraph:
        """A Paragraph from app-controlled markup; user parts must already be passed through esc()."""
        return Paragraph(nest_quotes(markup), style or self.body)

    def lit(self, text: str | None, style: TextStyle | None = None) -> LiteralText:
        """User text as a LiteralText (never parsed as markup); glyphs checked."""
        raw = str(text or "").replace("\r\n", "\n").replace("\t", " ").strip("\n")
        if not raw.isascii():
            raw = self._uncovered.sub(self._replace, nest_quotes(raw))
        return LiteralText(raw, style or self.l_cell)

    def cell_text(self, text: str | None, style: TextStyle | None = None) -> LiteralText | str:
        """A table cell: empty string for no text, else wrapping literal text."""
        if not text or not str(text).strip():
            return ""
        return self.lit(text, style)


# --- literal text flowable ------------------------------------------------------------------------


@dataclass(frozen=True)
class TextStyle:
    """Font, size, leading, colour and alignment of a LiteralText."""

    font: str
    size: float
    leading: float
    color: Any = colors.black
    align: str = "left"  # or "center"

    def with_color(self, color: Any) -> TextStyle:
        return TextStyle(self.font, self.size, self.leading, color, self.align)


_WIDTHS: dict[tuple[str, float], dict[str, float]] = {}


def _widths_for(font: str, size: float) -> dict[str, float]:
    key = (font, size)
    cache = _WIDTHS.get(key)
    if cache is None:
        cache = _WIDTHS[key] = {}
    return cache


def _width(cache: dict[str, float], word: str, font: str, size: float) -> float:
    w = cache.get(word)
    if w is None:
        w = cache[word] = float(stringWidth(word, font, size))
    return w


_POSITIONS: dict[str, tuple[int, ...]] = {}
_WORD_CORE = re.compile(r"^(\W*)(.*?)(\W*)$", re.S)
_NO_DICTIONARY = re.compile(r"[/@:\\]|^(?:www\.|https?)|\d", re.I)


def hyphenation_points(word: str) -> tuple[int, ...]:
    """Where German hyphenation (pyphen's de_DE dictionary) allows `word` to break, as indexes into it.

    Punctuation around the word is kept out of the dictionary look-up; a word that already has a hyphen
    ("Gesundheits-", "Kita-Plätze") is looked up part by part, and the break after the hyphen is kept.
    Cached per word: a table repeats its words many times.
    """
    cached = _POSITIONS.get(word)
    if cached is not None:
        return cached
    points: list[int] = []
    if _NO_DICTIONARY.search(word):
        _POSITIONS[word] = ()
        return ()  # addresses, paths, numbers: only the natural breaks after "/" or "."
    m = _WORD_CORE.match(word)
    lead, core = (len(m.group(1)), m.group(2)) if m else (0, word)
    offset = lead
    for part in re.split(r"(?<=-)", core):
        letters = part.rstrip("-")
        if len(letters) >= 4 and letters.isalpha():
            points.extend(offset + i for i in german_positions(letters))
        elif len(letters) >= 4:
            # "Migrant*innen", "Schulen/KiTas": the dictionary part by alphabetic runs.
            for run in re.finditer(r"[^\W\d_]{4,}", letters):
                points.extend(offset + run.start() + i for i in german_positions(run.group()))
        offset += len(part)
        if part.endswith("-") and offset < lead + len(core):
            points.append(offset)
    result = tuple(sorted(set(p for p in points if 0 < p < len(word))))
    _POSITIONS[word] = result
    return result


def _piece(word: str, start: int, end: int) -> str:
    """word[start:end] as printed at a line end: with a hyphen unless it already ends with one."""
    text = word[start:end]
    return text if text[-1:] in _BREAK_AFTER else text + "-"


def _best_break(
    word: str, start: int, room: float, cache: dict[str, float], font: str, size: float
) -> int | None:
    """The furthest allowed break after `start` whose piece (with its hyphen) fits into `room`."""
    best = None
    for pos in hyphenation_points(word):
        if pos <= start:
            continue
        if _width(cache, _piece(word, start, pos), font, size) <= room:
            best = pos
        else:
            break
    if best is None:
        # Natural breaks the dictionary does not know: after "/" or "." in paths and addresses.
        for i in range(len(word) - 1, start, -1):
            if word[i - 1] in _BREAK_AFTER and _width(cache, word[start:i], font, size) <= room:
                return i
    return best


def wrap_lines(text: str, style: TextStyle, width: float) -> list[str]:
    """Greedy word wrap with German hyphenation.

    A word that does not fit on the line is broken where the dictionary allows, its first part ending
    the line; a word that cannot be broken where it would have to stays whole on its own line and is
    drawn narrower (``LiteralText.draw``), never broken at a wrong place.
    """
    cache = _widths_for(style.font, style.size)
    font, size = style.font, style.size
    space = _width(cache, " ", font, size)
    lines: list[str] = []
    for para in text.split("\n"):
        words = para.split()
        if not words:
            lines.append("")
            continue
        cur: list[str] = []
        cur_w = 0.0
        for word in words:
            ww = _width(cache, word, font, size)
            if not cur and ww <= width:
                cur, cur_w = [word], ww
                continue
            if cur and cur_w + space + ww <= width:
                cur.append(word)
                cur_w += space + ww
                continue
            # The word does not fit here: hyphenate it into the rest of this line, then onto new lines.
            start = 0
            if cur and len(word) >= 5:
                pos = _best_break(word, 0, width - cur_w - space, cache, font, size)
                if pos is not None:
                    cur.append(_piece(word, 0, pos))
                    start = pos
            if cur:
                lines.append(" ".join(cur))
                cur, cur_w = [], 0.0
            rest = word[start:]
            while _width(cache, rest, font, size) > width:
                pos = _best_break(word, start, width, cache, font, size)
                if pos is None:
                    break  # no allowed break fits: the rest stays whole and is drawn narrower
                lines.append(_piece(word, start, pos))
                start = pos
                rest = word[start:]
            cur, cur_w = [rest], _width(cache, rest, font, size)
        if cur:
            lines.append(" ".join(cur))
    return lines


_BREAK_AFTER = frozenset("/-._=&?,;:")


class LiteralText(Flowable):  # type: ignore[misc]
    """A wrapping block of plain text that is never parsed as markup.

    Table cells use it instead of reportlab's Paragraph: user text is drawn character for character
    (``<b>``, ``&``, ``<img src=…>`` stay text even without escaping), long words break, and a cell
    taller than a page splits between lines (``split``). Wrapping is cached per width, which matters
    because a table wraps each cell several times (height, split, draw) and Paragraph re-parses every time.
    """

    def __init__(
        self, text: str, style: TextStyle, lines: list[str] | None = None, lines_width: float | None = None
    ) -> None:
        super().__init__()
        self.text = text
        self.style = style
        self._lines = lines
        self._lines_width = lines_width if lines is not None else None
        self.width = 0.0
        self.height = 0.0

    def _wrap_to(self, aw: float) -> list[str]:
        if self._lines is None or self._lines_width != aw:
            self._lines = wrap_lines(self.text, self.style, aw)
            self._lines_width = aw
        return self._lines

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        lines = self._wrap_to(aw)
        self.width = aw
        self.height = len(lines) * self.style.leading
        return (self.width, self.height)

    def split(self, aw: float, ah: float) -> list[Flowable]:
        # A table asks with the column width but wraps cells without their padding: keep the width
        # of the last wrap, so the split matches the height the table measured.
        if self._lines_width is not None:
            aw = self._lines_width
        lines = self._wrap_to(aw)
        n = int(ah // self.style.leading)
        if n < 1:
            return []
        if n >= len(lines):
            # It fits after all (a table may ask with a stale height): an empty second part.
            return [self, LiteralText("", self.style, [], aw)]
        head, tail = lines[:n], lines[n:]
        # Each part keeps its text: re-wrapping the joined lines at this width gives the same lines.
        return [
            LiteralText("\n".join(head), self.style, head, aw),
            LiteralText("\n".join(tail), self.style, tail, aw),
        ]

    def draw(self) -> None:
        st = self.style
        lines = self._lines or []
        c = self.canv
        c.setFont(st.font, st.size)
        c.setFillColor(st.color)
        y = self.height - st.size
        widths = _widths_for(st.font, st.size)
        if st.align == "center":
            for line in lines:
                lw = _width(widths, line, st.font, st.size)
                if lw > self.width > 0:
                    _draw_narrow(c, line, 0, y, self.width / lw)
                else:
                    c.drawCentredString(self.width / 2, y, line)
                y -= st.leading
            return
        tx = c.beginText(0, y)
        tx.setFont(st.font, st.size, st.leading)
        for line in lines:
            lw = _width(widths, line, st.font, st.size)
            if lw > self.width > 0:
                # A word without an allowed break that fits: drawn narrower instead of broken wrongly.
                tx.setHorizScale(100.0 * self.width / lw)
                tx.textLine(line)
                tx.setHorizScale(100.0)
            else:
                tx.textLine(line)
        c.drawText(tx)


def _draw_narrow(c: Any, line: str, x: float, y: float, scale: float) -> None:
    tx = c.beginText(x, y)
    tx.setHorizScale(100.0 * scale)
    tx.textOut(line)
    c.drawText(tx)


# --- status ---------------------------------------------------------------------------------------


def hex_color(rgb: str) -> colors.Color:
    rgb = (rgb or "FFFFFF").strip().lstrip("#")
    if not re.fullmatch(r"[0-9A-Fa-f]{6}", rgb):
        rgb = "BFBFBF"
    return colors.HexColor("#" + rgb)


def text_color_on(fill: colors.Color) -> colors.Color:
    """Black or white, whichever reads better on the fill."""
    lum = 0.2126 * fill.red + 0.7152 * fill.green + 0.0722 * fill.blue
    return colors.white if lum < 0.45 else colors.black


def status_cell(t: Text, st: StatusStyle) -> LiteralText:
    """Symbol and short name ("◔ Anfang"); the colour comes from the cell background (``status_fill``).

    The symbol keeps the six statuses apart on a black-and-white copy and for colour-blind readers;
    the long labels are explained once, in the legend.
    """
    return t.lit(st.marked or NO_STATUS_LABEL, t.l_cell.with_color(text_color_on(hex_color(st.color))))


def status_fill(col: int, row: int, st: StatusStyle) -> tuple[Any, ...]:
    return ("BACKGROUND", (col, row), (col, row), hex_color(st.color))


def legend_table(
    t: Text, statuses: Sequence[StatusStyle], counts: dict[str, int] | None = None, width: float = 16 * cm
) -> Table:
    """The status legend: colour swatch with the symbol, short name, meaning (and count) per status."""
    rows: list[list[Any]] = []
    style: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), FONT, t.size * 0.85),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, GRID),
    ]
    head: list[Any] = ["", t.lit("Status", t.l_bold), t.lit("Bedeutung", t.l_bold)]
    if counts is not None:
        head.append(t.lit("Anzahl", t.l_center_bold))
    rows.append(head)
    short_w = max((stringWidth(st.short_label, FONT_BOLD, t.size * 0.85) for st in statuses), default=0.0)
    short_w = min(short_w + 16, width * 0.3)
    for i, st in enumerate(statuses, start=1):
        fill = hex_color(st.color)
        row: list[Any] = [
            t.lit(st.symbol, t.l_center_bold.with_color(text_color_on(fill))),
            t.lit(st.short_label or NO_STATUS_LABEL, t.l_bold),
            t.lit(st.label if st.label != st.short_label else "", t.l_cell),
        ]
        if counts is not None:
            row.append(t.lit(num(counts.get(st.key, 0)), t.l_center))
        rows.append(row)
        style.append(("BACKGROUND", (0, i), (0, i), fill))
        style.append(("BOX", (0, i), (0, i), 0.5, colors.black))
    count_w = 2 * cm if counts is not None else 0
    widths = [1.0 * cm, short_w, width - 1.0 * cm - short_w - count_w]
    if counts is not None:
        widths.append(count_w)
    table = Table(cell_lists(rows), colWidths=widths, hAlign="LEFT", splitInRow=1)
    table.setStyle(TableStyle(style))
    return table


def _short(label: str, font_size: float, width: float) -> str:
    """A label cut to fit width (with an ellipsis)."""
    if stringWidth(label, FONT, font_size) <= width:
        return label
    while label and stringWidth(label + "…", FONT, font_size) > width:
        label = label[:-1]
    return label.rstrip() + "…"


def _label_width(labels: Sequence[str], fs: float, width: float, share: float) -> float:
    longest = max((stringWidth(x, FONT, fs) for x in labels), default=0.0)
    return min(longest + 10, width * share)


def status_bars(t: Text, statuses: Sequence[StatusStyle], counts: dict[str, int], width: float) -> Drawing:
    """One labelled horizontal bar per status (label, coloured bar, count): readable in black and white."""
    fs = t.size * 0.85
    row_h = fs * 1.9
    labels = [t.plain(st.marked or NO_STATUS_LABEL) for st in statuses]
    label_w = _label_width(labels, fs, width, 0.6)
    bar_w = width - label_w - 1.2 * cm
    top = max(counts.values(), default=0) or 1
    d = Drawing(width, row_h * len(statuses) + 4)
    for i, st in enumerate(statuses):
        y = (len(statuses) - 1 - i) * row_h + 2
        n = counts.get(st.key, 0)
        d.add(String(0, y + row_h * 0.3, _short(labels[i], fs, label_w - 6), fontName=FONT, fontSize=fs))
        w = bar_w * n / top
        if n:
            d.add(
                Rect(
                    label_w,
                    y + row_h * 0.15,
                    max(w, 1.5),
                    row_h * 0.7,
                    fillColor=hex_color(st.color),
                    strokeColor=colors.black,
                    strokeWidth=0.4,
                )
            )
        d.add(String(label_w + w + 4, y + row_h * 0.3, num(n), fontName=FONT_BOLD, fontSize=fs))
    d.add(Line(label_w, 0, label_w, row_h * len(statuses) + 2, strokeColor=colors.black, strokeWidth=0.5))
    return d


def stacked_bars(
    t: Text,
    rows: Sequence[tuple[str, dict[str, int]]],
    statuses: Sequence[StatusStyle],
    width: float,
    *,
    legend: bool = True,
    adopted: Sequence[int | None] | None = None,
    font_size: float | None = None,
) -> Drawing:
    """Stacked horizontal bars (one per row, e.g. per field) with status colours, symbols and counts.

    With ``adopted`` (one number per row) the scale runs to the larger of entered and adopted, and a
    dashed frame shows what the council adopted but nobody has entered yet. ``legend=False`` leaves the
    legend to a legend table printed nearby (the legend once per page).
    """
    fs = font_size or t.size * 0.85
    bar_h = fs * 2.0
    gap = fs * 0.9
    label_w = _label_width([t.plain(label) for label, _ in rows], fs, width, 0.35)
    total_w = (4.2 if adopted is not None else 1.3) * cm * fs / (t.size * 0.85)
    bar_w = width - label_w - total_w
    adopted_list = list(adopted) if adopted is not None else [None] * len(rows)
    top = max([sum(c.values()) for _, c in rows] + [a or 0 for a in adopted_list] + [1])
    # Legend: swatch + label under the bars, in two columns when the labels fit.
    legend_labels = [t.plain(f"{st.symbol} {st.label}".strip() or NO_STATUS_LABEL) for st in statuses]
    longest = max((stringWidth(x, FONT, fs) for x in legend_labels), default=0.0)
    legend_cols = 2 if longest + fs * 3 < width / 2 else 1
    legend_rows = (len(statuses) + legend_cols - 1) // legend_cols
    legend_h = legend_rows * fs * 1.8 + fs if legend else 0.0
    chart_h = len(rows) * (bar_h + gap)
    d = Drawing(width, chart_h + legend_h)
    for i, (label, counts) in enumerate(rows):
        y = legend_h + chart_h - (i + 1) * (bar_h + gap) + gap / 2
        d.add(
            String(0, y + bar_h * 0.35, _short(t.plain(label), fs, label_w - 6), fontName=FONT, fontSize=fs)
        )
        x = label_w
        total = 0
        for st in statuses:
            n = counts.get(st.key, 0)
            if not n:
                continue
            total += n
            w = bar_w * n / top
            fill = hex_color(st.color)
            d.add(Rect(x, y, w, bar_h, fillColor=fill, strokeColor=colors.black, strokeWidth=0.4))
            text = f"{st.symbol} {num(n)}".strip()
            if stringWidth(text, FONT, fs) + 3 >= w:
                text = st.symbol or num(n)
            if stringWidth(text, FONT, fs) + 3 < w:
                d.add(
                    String(
                        x + w / 2,
                        y + bar_h * 0.35,
                        text,
                        fontName=FONT,
                        fontSize=fs,
                        textAnchor="middle",
                        fillColor=text_color_on(fill),
                    )
                )
            x += w
        target = adopted_list[i]
        end_x = x
        if target is not None and target > total:
            # Adopted but not yet entered: a dashed, empty frame after the coloured part.
            end_x = label_w + bar_w * target / top
            d.add(
                Rect(
                    x,
                    y,
                    end_x - x,
                    bar_h,
                    fillColor=None,
                    strokeColor=MUTED,
                    strokeWidth=0.6,
                    strokeDashArray=[2, 2],
                )
            )
        label = num(total) if target is None else f"{num(total)} von {num(target)}"
        d.add(String(end_x + 4, y + bar_h * 0.35, label, fontName=FONT_BOLD, fontSize=fs))
    d.add(Line(label_w, legend_h, label_w, legend_h + chart_h, strokeColor=colors.black, strokeWidth=0.5))
    col_w = width / legend_cols
    for i, st in enumerate(statuses if legend else []):
        r, c = divmod(i, legend_cols)
        x = c * col_w
        y = legend_h - (r + 1) * fs * 1.8
        d.add(
            Rect(
                x,
                y,
                fs * 1.4,
                fs * 1.1,
                fillColor=hex_color(st.color),
                strokeColor=colors.black,
                strokeWidth=0.4,
            )
        )
        d.add(
            String(
                x + fs * 2,
                y + fs * 0.2,
                _short(legend_labels[i], fs, col_w - fs * 2.5),
                fontName=FONT,
                fontSize=fs,
            )
        )
    return d


# --- tables ---------------------------------------------------------------------------------------


def grid_style(t: Text, *, header_rows: int = 1) -> list[tuple[Any, ...]]:
    return [
        ("FONT", (0, 0), (-1, -1), FONT, t.size * 0.85),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), HEAD_FILL),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]


def cell_lists(rows: list[list[Any]]) -> list[list[Any]]:
    """Cells holding a single flowable as a one-element list.

    reportlab's in-row split (``splitInRow``) only splits list cells; a bare flowable in a row that is
    split is silently dropped (reportlab 4.x/5.x ``Table._splitCell``).
    """
    return [[[v] if isinstance(v, Flowable) else v for v in row] for row in rows]


def data_table(
    rows: list[list[Any]],
    widths: Sequence[float],
    style: list[tuple[Any, ...]],
    *,
    repeat: int = 1,
    long: bool = False,
) -> Table:
    """A table whose rows may be taller than a page (splitInRow) and whose header repeats."""
    cls = LongTable if long else Table
    table = cls(cell_lists(rows), colWidths=list(widths), repeatRows=repeat, splitInRow=1, hAlign="LEFT")
    table.setStyle(TableStyle(style))
    return table


RowStyle = tuple[Any, ...]  # (op, first col, last col, *args): a TableStyle command for one row


class ChunkedTable(Flowable):  # type: ignore[misc]
    """A long table with a repeated header that is laid out a window of rows at a time.

    Splitting a reportlab Table copies all remaining rows and style commands on every page, so a
    table of n rows costs O(n²/rows per page) to lay out: for the 10,000-measure implementation
    table that was half the time. Here each page only builds a Table of the next ``WINDOW`` rows
    (more than fit on any page), splits it, and keeps the rest (and the lower half of a row split
    across pages, ``splitInRow``) for the next page.
    """

    WINDOW = 200
    PAD_X = 3.0  # left/right cell padding of grid_style
    PAD_Y = 5.0  # top + bottom

    def __init__(
        self,
        header: list[Any],
        rows: list[list[Any]],
        row_styles: list[list[RowStyle]],
        widths: Sequence[float],
        base_style: list[tuple[Any, ...]],
        heights: dict[int, tuple[list[Any], float]] | None = None,
        continuation: list[tuple[Any, bool]] | None = None,
        group_rows: list[tuple[list[Any], list[RowStyle]] | None] | None = None,
    ) -> None:
        """``continuation`` (one per row): the first cell to print when the row opens a page, and
        whether the row starts its group (then it keeps its own first cell, e.g. the goal's text).
        ``group_rows`` (one per row): a whole row (with its styles) put above the row when it opens a
        page inside its group, e.g. the goal's line "Ziel 1.1 … (Fortsetzung)"; None for rows that
        start a group themselves."""
        super().__init__()
        self.header = header
        self.continuation = continuation
        self.group_rows = group_rows
        self.rows = rows
        self.row_styles = row_styles
        self.widths = list(widths)
        self.base_style = base_style
        self._table: Table | None = None
        self._cache: tuple[Table, float, float, float, float] | None = None
        self._heights: dict[int, tuple[list[Any], float]] = heights if heights is not None else {}
        self.hAlign = "LEFT"

    def _window_size(self, ah: float) -> int:
        """Rows enough to overfill the available height (estimated like Table does), at most WINDOW."""
        total = 0.0
        for i, row in enumerate(self.rows[: self.WINDOW]):
            total += self._row_height(row)
            if total > ah:
                return i + 2
        return min(self.WINDOW, len(self.rows))

    def _row_height(self, row: list[Any]) -> float:
        key = id(row)
        cached = self._heights.get(key)
        # The row itself is kept with its height: an id is only unique while its object lives.
        h = cached[1] if cached is not None and cached[0] is row else None
        if h is None:
            h = 0.0
            for value, width in zip(row, self.widths, strict=False):
                cell_w = width - 2 * self.PAD_X
                if isinstance(value, Flowable):
                    value = [value]
                if isinstance(value, list | tuple):
                    ch = sum(f.wrap(cell_w, 1e6)[1] + f.getSpaceBefore() + f.getSpaceAfter() for f in value)
                else:
                    ch = 12.0 * (str(value).count("\n") + 1) if value else 0.0
                h = max(h, ch)
            h += self.PAD_Y
            self._heights[key] = (row, h)
        return h

    def _window(self, ah: float = 1e9, n: int | None = None) -> Table:
        n = min(self._window_size(ah) if n is None else n, len(self.rows))
        style = list(self.base_style)
        for i in range(n):
            for op, c0, c1, *args in self.row_styles[i]:
                style.append((op, (c0, i + 1), (c1, i + 1), *args))
        # LongTable stops measuring rows once the page is full.
        table = LongTable(
            cell_lists([self.header, *self.rows[:n]]),
            colWidths=self.widths,
            repeatRows=1,
            splitInRow=1,
            hAlign="LEFT",
        )
        table.setStyle(TableStyle(style))
        return table

    def _wrapped(self, aw: float, ah: float) -> tuple[Table, float, float]:
        cached = self._cache
        if cached is not None and cached[1] == aw and cached[2] == ah:
            return cached[0], cached[3], cached[4]
        table = self._window(ah)
        w, h = table.wrap(aw, ah)
        # The estimate can run high (a spanned row is measured in its first column): while the window
        # fits and rows are left, take more of them, so the page is filled.
        while h <= ah and table._nrows - 1 < len(self.rows):
            table = self._window(ah, min(len(self.rows), 2 * (table._nrows - 1) + 2))
            w, h = table.wrap(aw, ah)
        self._cache = (table, aw, ah, w, h)
        return table, w, h

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self._table, w, h = self._wrapped(aw, ah)
        if len(self.rows) > self._table._nrows - 1:
            h = max(h, ah) + 1  # more rows follow: never "fits"
        self.width, self.height = w, h
        return (w, h)

    def split(self, aw: float, ah: float) -> list[Flowable]:
        table, _, h = self._wrapped(aw, ah)
        self._cache = None
        n = table._nrows - 1
        # The rest always starts on the next page (a page break after the part placed here): left to
        # itself, the frame would try to fit a header and a sliver of a row into the space left.
        if h <= ah:
            rest = self._rest(n, None)
            return [table, PageBreak(), rest] if rest is not None else [table]
        parts = table.split(aw, ah)
        if len(parts) != 2:
            return []
        top, bottom = parts
        n0 = top._nrows - 1
        n1 = bottom._nrows - 1
        if n0 + n1 == n:  # split between rows
            rest = self._rest(n0, None)
        elif n0 + n1 == n + 1:  # row n0 - 1 was split: its lower half goes first on the next page
            rest = self._rest(n0, bottom._cellvalues[1])
        else:  # unexpected: keep reportlab's parts as they are
            rest = self._rest(n, None)
            return [top, bottom, PageBreak(), rest] if rest is not None else [top, bottom]
        return [top, PageBreak(), rest] if rest is not None else [top]

    def _rest(self, start: int, lower_half: list[Any] | None) -> ChunkedTable | None:
        rows = self.rows[start:]
        styles = self.row_styles[start:]
        conts = self.continuation[start:] if self.continuation is not None else None
        groups = self.group_rows[start:] if self.group_rows is not None else None
        if lower_half is not None:
            rows = [list(lower_half), *rows]
            styles = [self.row_styles[start - 1], *styles]
            if conts is not None and self.continuation is not None:
                cell, _ = self.continuation[start - 1]
                conts = [(cell, not _is_empty_cell(lower_half[0])), *conts]
            if groups is not None and self.group_rows is not None:
                groups = [self.group_rows[start - 1], *groups]
        if not rows:
            return None
        if conts is not None and conts and not conts[0][1] and conts[0][0] is not None:
            # The page starts inside a group: its first cell names the group again ("1.1 … (Fortsetzung)").
            rows = [[conts[0][0], *rows[0][1:]], *rows[1:]]
        placed_only_group_rows = self.group_rows is not None and all(
            g is None for g in self.group_rows[:start]
        )
        if groups is not None and groups and groups[0] is not None and not placed_only_group_rows:
            # (After a page that held nothing but group lines the row goes on without one: repeating
            # the line would push a row taller than the rest of the page on for ever.)
            group_row, group_styles = groups[0]
            rows = [list(group_row), *rows]
            styles = [group_styles, *styles]
            groups = [None, *groups]
            if conts is not None:
                conts = [(None, True), *conts]
        return ChunkedTable(
            self.header, rows, styles, self.widths, self.base_style, self._heights, conts, groups
        )

    def draw(self) -> None:
        table = self._table
        assert table is not None, "wrap() before draw()"
        table.drawOn(self.canv, 0, 0)


def _is_empty_cell(value: Any) -> bool:
    if isinstance(value, list | tuple):
        return all(_is_empty_cell(v) for v in value)
    if isinstance(value, LiteralText):
        return not value.text.strip()
    return value is None or value == ""


# --- outline / bookmarks --------------------------------------------------------------------------


class Bookmark(Flowable):  # type: ignore[misc]
    """An invisible flowable that marks a PDF outline entry (bookmark) and a TOC entry here."""

    def __init__(self, title: str, key: str, level: int = 0, toc: bool = True) -> None:
        super().__init__()
        self.title = title
        self.key = key
        self.level = level
        self.toc = toc
        self.width = self.height = 0

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        return (0, 0)

    def draw(self) -> None:
        pass


class OutlineMark(Flowable):  # type: ignore[misc]
    """A bookmark (outline entry) made where it is drawn: for places the frame does not see, such as
    the goal line inside a table. Drawn twice (a repeated line) it marks the first place only."""

    def __init__(self, title: str, key: str, level: int = 1) -> None:
        super().__init__()
        self.title = title
        self.key = key
        self.level = level
        self.width = self.height = 0

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        return (0, 0)

    def draw(self) -> None:
        c = self.canv
        done = c.__dict__.setdefault("_kik_outline_keys", set())
        if self.key in done:
            return
        done.add(self.key)
        c.bookmarkHorizontal(self.key, 0, 0)
        c.addOutlineEntry(self.title, self.key, level=self.level, closed=True)


class TOCLine(Flowable):  # type: ignore[misc]
    """One line of a table of contents whose page number is printed when the document is complete.

    So the report needs one layout pass instead of reportlab's multiBuild (three for a TOC).
    """

    NUMBER_W = 1.2 * cm

    def __init__(
        self, title: str, key: str, style: TextStyle, indent: float = 0, space_before: float = 0
    ) -> None:
        super().__init__()
        self.text = LiteralText(title, style)
        self.key = key
        self.style = style
        self.indent = indent
        self.spaceBefore = space_before
        self._origin = (0.0, 0.0)

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        _, h = self.text.wrap(aw - self.indent - self.NUMBER_W - 6, ah)
        self.width, self.height = aw, h
        return (aw, h)

    def drawOn(self, canvas: Any, x: float, y: float, _sW: float = 0) -> None:
        self._origin = (x, y)
        super().drawOn(canvas, x, y, _sW)

    def draw(self) -> None:
        c = self.canv
        st = self.style
        self.text.drawOn(c, self.indent, 0)
        lines = self.text._lines or [""]
        last_w = stringWidth(lines[-1], st.font, st.size)
        baseline = st.leading * (len(lines) - 1)
        baseline = self.height - st.size - baseline
        start = self.indent + last_w + 4
        end = self.width - self.NUMBER_W
        dot_w = stringWidth(" .", st.font, st.size)
        if end > start + dot_w:
            c.setFont(st.font, st.size)
            c.setFillColor(MUTED)
            n = int((end - start) / dot_w)
            c.drawRightString(end, baseline, " ." * n)
        if isinstance(c, NumberedCanvas):
            x0, y0 = self._origin
            c.defer_page_number(self.key, x0 + self.width, y0 + baseline, st.font, st.size)


# --- document template and canvas -----------------------------------------------------------------


@dataclass
class PageDecor:
    header_left: str
    header_right: str
    footer_left: str
    cover: bool = False  # the first page is a cover: no running header there


class NumberedCanvas(Canvas):  # type: ignore[misc]
    """Keeps every page until the end, then draws header and "Seite X von Y" with the known total."""

    decor = PageDecor("", "", "")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._saved_pages: list[dict[str, Any]] = []
        self._first_page_counter = self._doc.pageCounter
        # Page numbers that are known only at the end (table of contents): key -> page, and per page
        # the places to print them: (key, right x, baseline y, font, size).
        self.page_of_key: dict[str, int] = {}
        self._deferred: list[tuple[str, float, float, str, float]] = []

    def defer_page_number(self, key: str, right: float, y: float, font: str, size: float) -> None:
        self._deferred.append((key, right, y, font, size))

    def showPage(self) -> None:
        self._saved_pages.append(dict(self.__dict__))
        self._deferred = []  # a new list for the next page; the saved state keeps its own
        # Let bookmarks made on the next page point at it, although it is written out only in save().
        self._doc.pageCounter += 1
        self._startPage()

    def save(self) -> None:
        total = len(self._saved_pages)
        self._doc.pageCounter = self._first_page_counter
        for number, state in enumerate(self._saved_pages, start=1):
            self.__dict__.update(state)
            self._decorate(number, total)
            for key, right, y, font, size in self._deferred:
                self.setFont(font, size)
                self.setFillColor(colors.black)
                self.drawRightString(right, y, str(self.page_of_key.get(key, "")))
            Canvas.showPage(self)
        Canvas.save(self)

    def _decorate(self, number: int, total: int) -> None:
        w, h = self._pagesize
        d = self.decor
        self.saveState()
        self.setFillColor(MUTED)
        self.setStrokeColor(GRID)
        self.setLineWidth(0.5)
        fs = 8
        top = h - MARGIN + HEADER_GAP * 0.35
        right = w - MARGIN
        if not (d.cover and number == 1):
            right_w = stringWidth(d.header_right, FONT, fs)
            self.setFont(FONT_BOLD, fs)
            self.drawString(MARGIN, top, _short_bold(d.header_left, fs, right - MARGIN - right_w - 20))
            self.setFont(FONT, fs)
            self.drawRightString(right, top, d.header_right)
            self.line(MARGIN, top - 4, right, top - 4)
        self.setFont(FONT, fs)
        bottom = MARGIN - HEADER_GAP * 0.55
        self.line(MARGIN, bottom + fs + 3, right, bottom + fs + 3)
        self.drawString(MARGIN, bottom, d.footer_left)
        self.drawRightString(right, bottom, f"Seite {number} von {total}")
        self.restoreState()


def _short_bold(text: str, fs: float, width: float) -> str:
    if stringWidth(text, FONT_BOLD, fs) <= width:
        return text
    while text and stringWidth(text + "…", FONT_BOLD, fs) > width:
        text = text[:-1]
    return text + "…"


def canvas_class(decor: PageDecor) -> type[NumberedCanvas]:
    return type("KIKCanvas", (NumberedCanvas,), {"decor": decor})


class KIKDocTemplate(BaseDocTemplate):  # type: ignore[misc]
    """Page templates "portrait" and "landscape" of one paper size; bookmarks and TOC from Bookmark."""

    def __init__(
        self,
        filename: str,
        *,
        paper: str = "A4",
        first: str = "portrait",
        on_toc: Callable[[int, str, int, str], None] | None = None,
        **kw: Any,
    ) -> None:
        self.paper = paper
        super().__init__(
            filename,
            pagesize=page_size(paper, first),
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN + HEADER_GAP * 0.3,
            bottomMargin=MARGIN,
            **kw,
        )
        templates = []
        order = [first] + [o for o in ("portrait", "landscape") if o != first]
        for orient in order:
            w, h = page_size(paper, orient)
            frame = Frame(
                MARGIN,
                MARGIN,
                w - 2 * MARGIN,
                h - 2 * MARGIN - HEADER_GAP * 0.3,
                id=orient,
                leftPadding=0,
                rightPadding=0,
                topPadding=0,
                bottomPadding=0,
            )
            templates.append(PageTemplate(id=orient, frames=[frame], pagesize=(w, h)))
        self.addPageTemplates(templates)

    def frame_width(self, orient: str) -> float:
        return float(page_size(self.paper, orient)[0] - 2 * MARGIN)

    def frame_height(self, orient: str) -> float:
        return float(page_size(self.paper, orient)[1] - 2 * MARGIN - HEADER_GAP * 0.3)

    def afterFlowable(self, flowable: Flowable) -> None:
        if isinstance(flowable, Bookmark):
            c = self.canv
            if isinstance(c, NumberedCanvas):
                c.page_of_key[flowable.key] = self.page
            c.bookmarkPage(flowable.key, fit="XYZ", top=self.frame._y + 20 if self.frame else None)
            c.addOutlineEntry(flowable.title, flowable.key, level=flowable.level, closed=flowable.level > 0)
            if flowable.toc:
                self.notify("TOCEntry", (flowable.level, flowable.title, self.page, flowable.key))

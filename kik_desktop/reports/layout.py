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
    PageTemplate,
    Paragraph,
    Table,
    TableStyle,
)

from kik_desktop.reports.data import NO_STATUS_LABEL, StatusStyle
from kik_desktop.reports.fonts import FONT, FONT_BOLD, FONT_ITALIC, REPLACEMENT, covered_codepoints

MARGIN = 1.5 * cm
HEADER_GAP = 0.9 * cm
GRID = colors.HexColor("#9A9A9A")
HEAD_FILL = colors.HexColor("#DCE6F1")
SECTION_FILL = colors.HexColor("#EDEDED")
ACCENT = colors.HexColor("#1F4E79")
MUTED = colors.HexColor("#555555")


def page_size(name: str, orientation: str) -> tuple[float, float]:
    base = A3 if name.upper() == "A3" else A4
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
        self.left = ParagraphStyle("left", parent=self.body, alignment=TA_LEFT)

    def esc(self, text: str | None) -> str:
        """User text as safe Paragraph markup: literal characters, line breaks kept."""
        if not text:
            return ""
        text = str(text)
        if not text.isascii():
            text = self._uncovered.sub(self._replace, text)
        out = escape(text.replace("\r\n", "\n").replace("\t", " "))
        if "\n" in out:
            out = out.strip("\n").replace("\n", "<br/>")
        return out

    def plain(self, text: str | None) -> str:
        """User text for places that never parse markup (drawing strings, outline): glyphs checked only."""
        if not text:
            return ""
        text = " ".join(str(text).split())
        return text if text.isascii() else self._uncovered.sub(self._replace, text)

    def _replace(self, m: re.Match[str]) -> str:
        self.missing.add(m.group(0))
        return REPLACEMENT

    def para(self, text: str | None, style: ParagraphStyle | None = None) -> Paragraph:
        """A Paragraph printing user text literally."""
        return Paragraph(self.esc(text), style or self.body)

    def markup(self, markup: str, style: ParagraphStyle | None = None) -> Paragraph:
        """A Paragraph from app-controlled markup; user parts must already be passed through esc()."""
        return Paragraph(markup, style or self.body)

    def cell_text(self, text: str | None, style: ParagraphStyle | None = None) -> Paragraph | str:
        """A table cell: empty string for no text, else a wrapping Paragraph."""
        if not text:
            return ""
        return Paragraph(self.esc(text), style or self.cell)


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


def status_cell(t: Text, st: StatusStyle) -> Paragraph:
    """The status label (the colour comes from the cell background, see ``status_fill``)."""
    style = ParagraphStyle("status", parent=t.cell, textColor=text_color_on(hex_color(st.color)))
    return Paragraph(t.esc(st.label or NO_STATUS_LABEL), style)


def status_fill(col: int, row: int, st: StatusStyle) -> tuple[Any, ...]:
    return ("BACKGROUND", (col, row), (col, row), hex_color(st.color))


def legend_table(
    t: Text, statuses: Sequence[StatusStyle], counts: dict[str, int] | None = None, width: float = 16 * cm
) -> Table:
    """Colour swatch, label (and count) per status: the status legend."""
    rows: list[list[Any]] = []
    style: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), FONT, t.size * 0.85),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, GRID),
    ]
    head = ["", Paragraph("<b>Status</b>", t.cell)]
    if counts is not None:
        head.append(Paragraph("<b>Anzahl</b>", t.cell_center))
    rows.append(head)
    for i, st in enumerate(statuses, start=1):
        row: list[Any] = ["", t.para(st.label or NO_STATUS_LABEL, t.cell)]
        if counts is not None:
            row.append(Paragraph(str(counts.get(st.key, 0)), t.cell_center))
        rows.append(row)
        style.append(("BACKGROUND", (0, i), (0, i), hex_color(st.color)))
        style.append(("BOX", (0, i), (0, i), 0.5, colors.black))
    widths = [1.0 * cm, width - 1.0 * cm - (2 * cm if counts is not None else 0)]
    if counts is not None:
        widths.append(2 * cm)
    table = Table(rows, colWidths=widths, hAlign="LEFT", splitInRow=1)
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
    labels = [t.plain(st.label or NO_STATUS_LABEL) for st in statuses]
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
        d.add(String(label_w + w + 4, y + row_h * 0.3, str(n), fontName=FONT_BOLD, fontSize=fs))
    d.add(Line(label_w, 0, label_w, row_h * len(statuses) + 2, strokeColor=colors.black, strokeWidth=0.5))
    return d


def stacked_bars(
    t: Text, rows: Sequence[tuple[str, dict[str, int]]], statuses: Sequence[StatusStyle], width: float
) -> Drawing:
    """Stacked horizontal bars (one per row, e.g. per field) with status colours, counts and a legend."""
    fs = t.size * 0.85
    bar_h = fs * 2.0
    gap = fs * 0.9
    label_w = _label_width([t.plain(label) for label, _ in rows], fs, width, 0.35)
    total_w = 1.3 * cm
    bar_w = width - label_w - total_w
    top = max((sum(c.values()) for _, c in rows), default=0) or 1
    # Legend: swatch + label under the bars, in two columns when the labels fit.
    legend_labels = [t.plain(st.label or NO_STATUS_LABEL) for st in statuses]
    longest = max((stringWidth(x, FONT, fs) for x in legend_labels), default=0.0)
    legend_cols = 2 if longest + fs * 3 < width / 2 else 1
    legend_rows = (len(statuses) + legend_cols - 1) // legend_cols
    legend_h = legend_rows * fs * 1.8 + fs
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
            text = str(n)
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
        d.add(String(x + 4, y + bar_h * 0.35, str(total), fontName=FONT_BOLD, fontSize=fs))
    d.add(Line(label_w, legend_h, label_w, legend_h + chart_h, strokeColor=colors.black, strokeWidth=0.5))
    col_w = width / legend_cols
    for i, st in enumerate(statuses):
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
    table = cls(rows, colWidths=list(widths), repeatRows=repeat, splitInRow=1, hAlign="LEFT")
    table.setStyle(TableStyle(style))
    return table


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


# --- document template and canvas -----------------------------------------------------------------


@dataclass
class PageDecor:
    header_left: str
    header_right: str
    footer_left: str


class NumberedCanvas(Canvas):  # type: ignore[misc]
    """Keeps every page until the end, then draws header and "Seite X von Y" with the known total."""

    decor = PageDecor("", "", "")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._saved_pages: list[dict[str, Any]] = []
        self._first_page_counter = self._doc.pageCounter

    def showPage(self) -> None:
        self._saved_pages.append(dict(self.__dict__))
        # Let bookmarks made on the next page point at it, although it is written out only in save().
        self._doc.pageCounter += 1
        self._startPage()

    def save(self) -> None:
        total = len(self._saved_pages)
        self._doc.pageCounter = self._first_page_counter
        for number, state in enumerate(self._saved_pages, start=1):
            self.__dict__.update(state)
            self._decorate(number, total)
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
        right_w = stringWidth(d.header_right, FONT, fs)
        self.setFont(FONT_BOLD, fs)
        self.drawString(MARGIN, top, _short_bold(d.header_left, fs, right - MARGIN - right_w - 20))
        self.setFont(FONT, fs)
        self.drawRightString(right, top, d.header_right)
        self.line(MARGIN, top - 4, right, top - 4)
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
            c.bookmarkPage(flowable.key, fit="XYZ", top=self.frame._y + 20 if self.frame else None)
            c.addOutlineEntry(flowable.title, flowable.key, level=flowable.level, closed=flowable.level > 0)
            if flowable.toc:
                self.notify("TOCEntry", (flowable.level, flowable.title, self.page, flowable.key))

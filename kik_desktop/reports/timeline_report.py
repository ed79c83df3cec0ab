"""The zeitplan printout: the timeline landscape across pages, labels and month axis on every page.

Rows go down the pages, the months across them (two years per page); every page repeats the label
column, the axis, the legend and a today line. Bars are coloured by status and carry its symbol;
open-ended ("laufend") bars fade out to the right, overdue bars have a red outline and a "!".
"""

from __future__ import annotations

import os
from datetime import date

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import cm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy.orm import Session

from kik_desktop.domain.queries import StatusInfo, properties, statuses
from kik_desktop.domain.timeline import Timeline, TimelineRow, load_timeline
from kik_desktop.reports.change_report import ChangeReportError, _atomic, hex_color, text_on
from kik_desktop.reports.fonts import FONT, FONT_BOLD, REPLACEMENT, missing_glyphs, register_fonts
from kik_desktop.reports.wording import nest_quotes

MONTHS_PER_PAGE = 24
ROW_H = 13.0
LABEL_W = 8.2 * cm
OVERDUE = colors.HexColor("#c00000")


class TimelinePrintData:
    def __init__(self, timeline: Timeline, statuses_: list[StatusInfo], title: str, today: date) -> None:
        self.timeline = timeline
        self.statuses = {s.key: s for s in statuses_}
        self.order = statuses_
        self.title = title
        self.today = today
        self.missing: set[str] = set()

    def clean(self, text: str) -> str:
        text = nest_quotes(text)  # „… „…““ prints as „… ‚…‘“
        gaps = missing_glyphs(text)
        if gaps:
            self.missing |= gaps
            text = "".join(REPLACEMENT if c in gaps else c for c in text)
        return text


def load_timeline_print(
    s: Session, today: date | None = None, field_number: int | None = None
) -> TimelinePrintData:
    day = today or date.today()
    tl = load_timeline(s, day, field_number)
    if field_number is not None and not tl.rows:
        raise ChangeReportError(f"Ein Handlungsfeld {field_number} gibt es nicht.")
    props = properties(s)
    name = props.get("concept_name") or props.get("short_name") or "Kommunales Integrationskonzept"
    return TimelinePrintData(tl, statuses(s), name, day)


def _fit(text: str, font: str, size: float, width: float) -> str:
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def write_timeline_report(data: TimelinePrintData, out: str | os.PathLike[str]) -> int:
    """Write the zeitplan PDF; returns the number of pages."""
    register_fonts()
    tl = data.timeline
    page_w, page_h = landscape(A4)
    margin = 1.2 * cm
    top = page_h - margin - 1.1 * cm  # below the title line
    axis_h = 24.0
    legend_h = 18.0
    bottom = margin + legend_h
    rows_per_page = max(1, int((top - axis_h - bottom) // ROW_H))
    chart_x = margin + LABEL_W
    chart_w = page_w - margin - chart_x
    month_w = chart_w / MONTHS_PER_PAGE
    slices = list(range(tl.first, tl.last + 1, MONTHS_PER_PAGE))
    chunks = [tl.rows[i : i + rows_per_page] for i in range(0, len(tl.rows), rows_per_page)] or [[]]
    total_pages = len(slices) * len(chunks)
    with _atomic(out) as tmp:
        c = Canvas(tmp, pagesize=(page_w, page_h))
        c.setTitle(data.clean(f"{data.title} – Zeitplan"))
        c.setAuthor("KIK Desktop")
        page = 0
        for ci, chunk in enumerate(chunks):
            for first in slices:
                page += 1
                last = first + MONTHS_PER_PAGE - 1
                # Title and page
                c.setFont(FONT_BOLD, 13)
                c.setFillColor(colors.black)
                c.drawString(margin, page_h - margin - 0.5 * cm, data.clean(f"Zeitplan – {data.title}"))
                c.setFont(FONT, 8)
                c.drawRightString(
                    page_w - margin,
                    page_h - margin - 0.5 * cm,
                    f"{first % 12 + 1:02d}/{first // 12} – {last % 12 + 1:02d}/{last // 12} · Zeilen "
                    f"{ci * rows_per_page + 1}–{ci * rows_per_page + len(chunk)} · "
                    f"Seite {page} von {total_pages}",
                )
                # Axis: years and months
                y_axis = top - axis_h
                for m in range(first, last + 1):
                    x = chart_x + (m - first) * month_w
                    if m % 12 == 0 or m == first:
                        c.setFont(FONT_BOLD, 8)
                        c.setFillColor(colors.black)
                        c.drawString(x + 2, top - 9, str(m // 12))
                    c.setFont(FONT, 6.5)
                    c.setFillColor(colors.HexColor("#555555"))
                    c.drawCentredString(x + month_w / 2, y_axis + 4, str(m % 12 + 1))
                    c.setStrokeColor(
                        colors.HexColor("#999999") if m % 12 == 0 else colors.HexColor("#e2e2e2")
                    )
                    c.setLineWidth(0.6 if m % 12 == 0 else 0.3)
                    c.line(x, y_axis, x, y_axis - len(chunk) * ROW_H)
                c.setStrokeColor(colors.HexColor("#777777"))
                c.setLineWidth(0.6)
                c.line(margin, y_axis, page_w - margin, y_axis)
                # Rows
                for ri, row in enumerate(chunk):
                    y = y_axis - (ri + 1) * ROW_H
                    _draw_row(c, data, row, y, margin, chart_x, month_w, first, last, first == slices[-1])
                # Today line
                if first <= tl.today <= last:
                    x = chart_x + (tl.today - first + data.today.day / 31) * month_w
                    c.setStrokeColor(colors.HexColor("#1a56c4"))
                    c.setLineWidth(1)
                    c.line(x, y_axis + 2, x, y_axis - len(chunk) * ROW_H)
                    c.setFont(FONT, 6.5)
                    c.setFillColor(colors.HexColor("#1a56c4"))
                    text = f"heute {data.today:%d.%m.%Y}"
                    half = stringWidth(text, FONT, 6.5) / 2
                    x = min(max(x, chart_x + half), page_w - margin - half)
                    c.drawCentredString(x, y_axis - len(chunk) * ROW_H - 8, text)
                _legend(c, data, margin, margin)
                c.showPage()
        c.save()
    return total_pages


def _draw_row(
    c: Canvas,
    data: TimelinePrintData,
    row: TimelineRow,
    y: float,
    margin: float,
    chart_x: float,
    month_w: float,
    first: int,
    last: int,
    last_slice: bool = True,
) -> None:
    if row.kind != "measure":
        c.setFillColor(colors.HexColor("#dfe6ef" if row.kind == "field" else "#f1f4f8"))
        c.rect(margin, y, chart_x - margin + (last - first + 1) * month_w, ROW_H, stroke=0, fill=1)
        font = FONT_BOLD
        indent = 2 if row.kind == "field" else 8
    else:
        font = FONT
        indent = 16
    c.setFillColor(colors.black)
    c.setFont(font, 7.5)
    text = data.clean(_fit(row.label, font, 7.5, chart_x - margin - indent - 4))
    c.drawString(margin + indent, y + 3.6, text)
    if not row.has_bar or row.start is None:
        return
    a = row.start
    b = row.end if row.end is not None else last + 1
    if b < first or a > last:
        return
    x0 = chart_x + (max(a, first) - first) * month_w
    x1 = chart_x + (min(b, last) - first + 1) * month_w
    st = data.statuses.get(row.status_key or "")
    fill = hex_color(st.color if st else "FFFFFF")
    c.setFillColor(fill)
    c.setStrokeColor(OVERDUE if row.overdue else colors.HexColor("#666666"))
    c.setLineWidth(1.2 if row.overdue else 0.4)
    if row.open_ended and row.end is None and last_slice:
        # Runs on: fade out in four steps to the page's edge (on the last page of the time axis).
        steps = 4
        w = (x1 - x0) / 1.0
        solid = max(w - 4 * 6, w * 0.6)
        c.rect(x0, y + 2, solid, ROW_H - 4, stroke=0, fill=1)
        for i in range(steps):
            c.setFillAlpha(0.75 - i * 0.18)
            c.rect(
                x0 + solid + i * (w - solid) / steps, y + 2, (w - solid) / steps, ROW_H - 4, stroke=0, fill=1
            )
        c.setFillAlpha(1)
        c.line(x0, y + 2, x0 + solid, y + 2)
        c.line(x0, y + ROW_H - 2, x0 + solid, y + ROW_H - 2)
        c.line(x0, y + 2, x0, y + ROW_H - 2)
    else:
        c.rect(x0, y + 2, max(x1 - x0, 2), ROW_H - 4, stroke=1, fill=1)
    symbol = (st.symbol if st else "") + ("!" if row.overdue else "")
    if symbol and x1 - x0 > 9:
        c.setFillColor(text_on(fill))
        c.setFont(FONT_BOLD, 7)
        c.drawString(x0 + 2, y + 4, data.clean(symbol))


def _legend(c: Canvas, data: TimelinePrintData, x: float, y: float) -> None:
    c.setFont(FONT, 7)
    for st in data.order:
        text = data.clean(f"{st.symbol} {st.short_label}".strip())
        c.setFillColor(hex_color(st.color))
        c.setStrokeColor(colors.HexColor("#666666"))
        c.setLineWidth(0.4)
        c.rect(x, y, 14, 8, stroke=1, fill=1)
        c.setFillColor(colors.black)
        c.drawString(x + 17, y + 1, text)
        x += 22 + stringWidth(text, FONT, 7) + 8
    c.setStrokeColor(OVERDUE)
    c.setLineWidth(1.2)
    c.setFillColor(colors.white)
    c.rect(x, y, 14, 8, stroke=1, fill=1)
    c.setFillColor(colors.black)
    c.drawString(x + 17, y + 1, "! überfällig")
    x += 22 + stringWidth("! überfällig", FONT, 7) + 8
    c.drawString(x, y + 1, "ausblendender Balken: laufend (ohne Ende)")

"""Printouts of the reporting dates: "Was hat sich seit … getan?" (veraenderungen) for the Fachrunde.

A status-move table per field, charts (reportlab graphics) of the status distribution across snapshots,
and the lists of new, removed and renumbered measures, changed responsible, postponed ends and
indicator progress. No Qt here; written atomically like every printout.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from sqlalchemy.orm import Session

from kik_desktop.domain.indicators import format_number
from kik_desktop.domain.queries import StatusInfo, properties, statuses
from kik_desktop.domain.snapshots import Comparison, compare_with, distribution_history, find_snapshot
from kik_desktop.reports.fonts import FONT, FONT_BOLD, REPLACEMENT, missing_glyphs, register_fonts
from kik_desktop.reports.wording import nest_quotes

NO_STATUS = "ohne Status"


class ChangeReportError(Exception):
    """The printout cannot be written; German message."""


@dataclass
class ChangeReportData:
    comparison: Comparison
    statuses: list[StatusInfo]
    history: list[tuple[str, date, Counter[str | None]]]
    concept_name: str
    today: date
    missing: set[str] = field(default_factory=set)

    def status(self, key: str | None) -> StatusInfo:
        for st in self.statuses:
            if st.key == key:
                return st
        return StatusInfo("", NO_STATUS, "FFFFFF", NO_STATUS, "–")

    def status_text(self, key: str | None) -> str:
        st = self.status(key)
        return f"{st.symbol} {st.short_label}".strip()


def load_change_report(
    s: Session, since: str, until: str | None = None, today: date | None = None
) -> ChangeReportData:
    day = today or date.today()
    find_snapshot(s, since)
    comparison = compare_with(s, since, until, day)
    props = properties(s)
    return ChangeReportData(
        comparison,
        statuses(s),
        distribution_history(s, day),
        props.get("concept_name") or props.get("short_name") or "Kommunales Integrationskonzept",
        day,
    )


# -- text helpers ---------------------------------------------------------------------------------


class _Styles:
    def __init__(self, data: ChangeReportData) -> None:
        self.data = data
        self.body = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=11.5, alignment=TA_LEFT)
        self.cell = ParagraphStyle("cell", parent=self.body, fontSize=8.5, leading=10.5)
        self.head = ParagraphStyle("head", parent=self.cell, fontName=FONT_BOLD)
        self.h1 = ParagraphStyle(
            "h1", parent=self.body, fontName=FONT_BOLD, fontSize=17, leading=21, spaceAfter=4
        )
        self.h2 = ParagraphStyle(
            "h2", parent=self.body, fontName=FONT_BOLD, fontSize=12, leading=15, spaceBefore=10, spaceAfter=4
        )
        self.h3 = ParagraphStyle(
            "h3", parent=self.body, fontName=FONT_BOLD, fontSize=10, leading=13, spaceBefore=6, spaceAfter=2
        )
        self.note = ParagraphStyle("note", parent=self.body, textColor=colors.HexColor("#555555"))

    def clean(self, text: str) -> str:
        text = nest_quotes(text)  # „… „…““ prints as „… ‚…‘“
        gaps = missing_glyphs(text)
        if gaps:
            self.data.missing |= gaps
            text = "".join(REPLACEMENT if c in gaps else c for c in text)
        return text

    def p(self, text: str, style: ParagraphStyle | None = None) -> Paragraph:
        return Paragraph(escape(self.clean(text)).replace("\n", "<br/>"), style or self.body)


def hex_color(rgb: str) -> colors.Color:
    rgb = (rgb or "").strip().lstrip("#")
    return colors.HexColor("#" + (rgb if re.fullmatch(r"[0-9A-Fa-f]{6}", rgb) else "BFBFBF"))


def text_on(fill: colors.Color) -> colors.Color:
    lum = 0.2126 * fill.red + 0.7152 * fill.green + 0.0722 * fill.blue
    return colors.white if lum < 0.45 else colors.black


def _grid(header_rows: int = 1) -> list[tuple[Any, ...]]:
    return [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9a9a9a")),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), colors.HexColor("#e4e9f0")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 3.5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3.5),
    ]


def _table(st: _Styles, header: list[str], rows: list[list[Any]], widths: list[float]) -> Table:
    cells: list[list[Any]] = [[st.p(h, st.head) for h in header]]
    for r in rows:
        cells.append([st.p(str(c), st.cell) if not isinstance(c, Flowable) else c for c in r])
    table = Table(cells, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle(_grid()))
    return table


# -- charts -----------------------------------------------------------------------------------------


def distribution_chart(data: ChangeReportData, width: float) -> Drawing:
    """One horizontal 100 % bar per reporting date (and today), segments coloured by status."""
    st = _Styles(data)
    history = data.history[-8:]
    keys: list[str | None] = [s.key for s in data.statuses]
    if any(None in c for _, _, c in history):
        keys.append(None)
    label_w = 4.6 * cm
    bar_h, gap = 14.0, 7.0
    legend_h = 30.0
    height = len(history) * (bar_h + gap) + legend_h + 6
    d = Drawing(width, height)
    bar_w = width - label_w - 1.6 * cm
    y = height - bar_h - 2
    for label, day, counts in history:
        total = sum(counts.values())
        text = st.clean(f"{label[:30]} ({day:%d.%m.%Y})" if label != "heute" else f"heute ({day:%d.%m.%Y})")
        d.add(String(0, y + 4, text, fontName=FONT, fontSize=7.5))
        x = label_w
        for key in keys:
            n = counts.get(key, 0)
            if not n or not total:
                continue
            w = bar_w * n / total
            info = data.status(key)
            fill = hex_color(info.color)
            edge = colors.HexColor("#9a9a9a") if key is None else colors.white
            d.add(Rect(x, y, w, bar_h, fillColor=fill, strokeColor=edge, strokeWidth=0.6))
            if w > 16:
                d.add(
                    String(
                        x + w / 2,
                        y + 4,
                        str(n),
                        fontName=FONT_BOLD,
                        fontSize=7,
                        fillColor=text_on(fill),
                        textAnchor="middle",
                    )
                )
            x += w
        d.add(String(label_w + bar_w + 4, y + 4, f"= {total}", fontName=FONT, fontSize=7.5))
        y -= bar_h + gap
    # Legend with symbol and short name, two lines if needed.
    x, ly = 0.0, 4.0 + 14
    for key in keys:
        info = data.status(key)
        text = st.clean(f"{info.symbol} {info.short_label}".strip())
        w = 10 + 4 + len(text) * 4.6 + 12
        if x + w > width:
            x, ly = 0.0, ly - 14
        d.add(Rect(x, ly - 1, 9, 9, fillColor=hex_color(info.color), strokeColor=colors.HexColor("#777777")))
        d.add(String(x + 13, ly, text, fontName=FONT, fontSize=7.5))
        x += w
    d.add(
        Line(label_w, height - 1, label_w, 22 + 14, strokeColor=colors.HexColor("#bbbbbb"), strokeWidth=0.4)
    )
    return d


# -- the report -------------------------------------------------------------------------------------


@contextmanager
def _atomic(out: str | os.PathLike[str]) -> Iterator[str]:
    target = Path(out)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise ChangeReportError(f"Den Ordner „{folder}“ gibt es nicht.")
    fd, tmp = tempfile.mkstemp(prefix=".kik-", suffix=".pdf.tmp", dir=folder)
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, target)
    except PermissionError as exc:
        raise ChangeReportError(
            f"„{target}“ kann nicht geschrieben werden (ist die Datei noch geöffnet?): {exc}"
        ) from exc
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _footer(title: str, stand: date) -> Callable[[Any, Any], None]:
    def draw(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(colors.HexColor("#555555"))
        w, _h = doc.pagesize
        canvas.drawString(doc.leftMargin, 0.9 * cm, title)
        canvas.drawRightString(w - doc.rightMargin, 0.9 * cm, f"Stand: {stand:%d.%m.%Y} · Seite {doc.page}")
        canvas.restoreState()

    return draw


def write_change_report(data: ChangeReportData, out: str | os.PathLike[str]) -> int:
    """Write "Was hat sich seit … getan?"; returns the number of pages."""
    register_fonts()
    st = _Styles(data)
    cmp = data.comparison
    old, new = cmp.old, cmp.new
    width = A4[0] - 3.6 * cm
    until = "heute" if new.label == "jetzt" else f"„{new.label}“ ({new.day:%d.%m.%Y})"
    story: list[Flowable] = [
        st.p(f"Was hat sich seit „{old.label}“ getan?", st.h1),
        st.p(
            f"{data.concept_name} · Berichtsstand „{old.label}“ vom {old.day:%d.%m.%Y} "
            f"verglichen mit {until}",
            st.note,
        ),
        Spacer(1, 6),
    ]
    summary = [
        ["Statuswechsel", str(len(cmp.status_moves))],
        ["neue Maßnahmen", str(len(cmp.new_measures))],
        ["entfallene Maßnahmen", str(len(cmp.removed))],
        ["umnummerierte Maßnahmen", str(len(cmp.moved))],
        ["neue Verantwortliche", str(len(cmp.responsible))],
        ["Ende verschoben", str(len(cmp.postponed))],
        ["Indikatoren mit neuem Wert", str(len(cmp.indicators))],
    ]
    t = Table([[st.p(a, st.cell), st.p(b, st.head)] for a, b in summary], colWidths=[6 * cm, 2 * cm])
    t.setStyle(TableStyle(_grid(0)))
    story.append(t)

    story.append(st.p("Statusverteilung über die Berichtsstände", st.h2))
    story.append(distribution_chart(data, width))

    story.append(st.p("Statuswechsel je Handlungsfeld", st.h2))
    by_field = cmp.moves_by_field()
    if not by_field:
        story.append(st.p("Keine Statuswechsel.", st.note))
    for (num, name), counter in by_field.items():
        rows: list[list[Any]] = []
        styles: list[tuple[Any, ...]] = []
        for i, ((a, b), n) in enumerate(sorted(counter.items(), key=lambda kv: -kv[1]), start=1):
            rows.append([data.status_text(a), "→", data.status_text(b), str(n)])
            for col, key in ((0, a), (2, b)):
                fill = hex_color(data.status(key).color)
                styles.append(("BACKGROUND", (col, i), (col, i), fill))
        table = _table(st, ["von", "", "nach", "Anzahl"], rows, [5.5 * cm, 0.8 * cm, 5.5 * cm, 2 * cm])
        table.setStyle(TableStyle(styles))
        moves = [m for m in cmp.status_moves if m.field_number == num]
        detail = _table(
            st,
            ["Nr.", "Maßnahme", "von", "nach"],
            [[m.number, m.title, data.status_text(m.old), data.status_text(m.new)] for m in moves],
            [1.6 * cm, width - 1.6 * cm - 7 * cm, 3.5 * cm, 3.5 * cm],
        )
        story.append(
            KeepTogether([st.p(f"{num} {name} – {sum(counter.values())} Statuswechsel", st.h3), table])
        )
        story.append(Spacer(1, 4))
        story.append(detail)

    def section(
        title: str, header: list[str], rows: list[list[Any]], widths: list[float], empty: str
    ) -> None:
        story.append(st.p(title, st.h2))
        story.append(_table(st, header, rows, widths) if rows else st.p(empty, st.note))

    rest = width - 1.6 * cm
    section(
        "Neue Maßnahmen",
        ["Nr.", "Maßnahme", "Status"],
        [[m.number, m.title, data.status_text(m.status_key)] for m in cmp.new_measures],
        [1.6 * cm, rest - 4 * cm, 4 * cm],
        "Keine neuen Maßnahmen.",
    )
    section(
        "Entfallene Maßnahmen",
        ["Nr. (damals)", "Maßnahme", "Status (damals)"],
        [[m.number, m.title, data.status_text(m.status_key)] for m in cmp.removed],
        [1.6 * cm, rest - 4 * cm, 4 * cm],
        "Keine Maßnahme ist entfallen.",
    )
    section(
        "Umnummerierte Maßnahmen",
        ["Nr.", "Maßnahme", "vorher"],
        [[c.new, c.title, c.old] for c in cmp.moved],
        [1.6 * cm, rest - 2.5 * cm, 2.5 * cm],
        "Keine Maßnahme wurde umnummeriert.",
    )
    section(
        "Neue Verantwortliche",
        ["Nr.", "Maßnahme", "vorher", "jetzt"],
        [[c.number, c.title, c.old or "–", c.new or "–"] for c in cmp.responsible],
        [1.6 * cm, rest - 9 * cm, 4.5 * cm, 4.5 * cm],
        "Keine Änderung der Verantwortlichen.",
    )
    section(
        "Ende später als geplant",
        ["Nr.", "Maßnahme", "bisher bis", "jetzt bis"],
        [[c.number, c.title, c.old, c.new] for c in cmp.postponed],
        [1.6 * cm, rest - 5 * cm, 2.5 * cm, 2.5 * cm],
        "Kein Ende wurde verschoben.",
    )

    def value(v: float | None, unit: str, when: str) -> str:
        if v is None:
            return "–"
        return f"{format_number(v)} {unit}".strip() + (f" ({when})" if when else "")

    section(
        "Indikatoren",
        ["Nr.", "Indikator", "vorher", "jetzt", "Ziel"],
        [
            [
                i.number,
                i.name + (" (neu)" if i.is_new else ""),
                value(i.old, i.unit, i.old_date),
                value(i.new, i.unit, i.new_date),
                value(i.target, i.unit, ""),
            ]
            for i in cmp.indicators
        ],
        [1.6 * cm, rest - 10.5 * cm, 3.5 * cm, 3.5 * cm, 3.5 * cm],
        "Keine neuen Messwerte.",
    )
    title = st.clean(f"{data.concept_name} – Veränderungen seit „{old.label}“")
    with _atomic(out) as tmp:
        doc = SimpleDocTemplate(
            tmp,
            pagesize=A4,
            leftMargin=1.8 * cm,
            rightMargin=1.8 * cm,
            topMargin=1.6 * cm,
            bottomMargin=1.7 * cm,
            title=title,
            author="KIK Desktop",
            lang="de-DE",
        )
        footer = _footer(title, data.today)
        doc.build(story, onFirstPage=footer, onLaterPages=footer)
        pages = int(doc.page)
    return pages


__all__ = [
    "ChangeReportData",
    "ChangeReportError",
    "distribution_chart",
    "load_change_report",
    "write_change_report",
]

"""The five printouts: bericht, handout, hausaufgaben, status, tabelle."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from kik_desktop import ORG_NAME
from kik_desktop.domain.table import TABLE_HEADERS
from kik_desktop.reports import concept_front
from kik_desktop.reports.data import (
    NO_STATUS,
    FieldRow,
    GoalRow,
    MeasureRow,
    ReportData,
    StatusStyle,
    at_risk_measures,
    edited_since,
    homework,
    overdue_measures,
    status_changes_since,
    status_counts,
    status_keys_in_order,
)
from kik_desktop.reports.fonts import FONT, FONT_BOLD, register_fonts
from kik_desktop.reports.indicator_section import indicator_section
from kik_desktop.reports.layout import (
    ACCENT,
    GRID,
    MUTED,
    SECTION_FILL,
    Bookmark,
    ChunkedTable,
    KIKDocTemplate,
    PageDecor,
    Text,
    TextStyle,
    TOCLine,
    canvas_class,
    cell_lists,
    data_table,
    format_date,
    grid_style,
    hex_color,
    legend_table,
    stacked_bars,
    status_bars,
    status_cell,
    status_fill,
)

# Page streams compressed but not ASCII85-armoured: smaller files, and the pure-Python A85 encoder
# (used when the optional rl_accel extension is missing) is a noticeable share of the time.
rl_config.useA85 = 0

KINDS: dict[str, str] = {
    "bericht": "Gesamtbericht",
    "handout": "Handout für den Workshop",
    "hausaufgaben": "Hausaufgabenheft",
    "status": "Statusbericht für die Fachrunde",
    "tabelle": "Umsetzungstabelle",
}

TABLE_COLUMNS = TABLE_HEADERS
# Relative widths of the twelve columns of the implementation table.
TABLE_WEIGHTS = (2.9, 1.9, 2.6, 3.3, 2.0, 2.2, 2.4, 2.1, 1.8, 1.8, 2.3, 2.3)


class ReportError(Exception):
    """A printout cannot be made for a reason the user can act on (German message)."""


@dataclass
class PrintOptions:
    field: int | None = None  # handout: the field's number (1-based)
    institution: str | None = None  # hausaufgaben
    since: date | None = None  # status: changes since this date
    stand: date | None = None  # the "Stand" date printed on every page; today if None
    paper: str = "A4"  # tabelle: "A3" or "A4"


@dataclass
class PrintResult:
    path: Path
    kind: str
    pages: int
    missing_glyphs: set[str] = field(default_factory=set)


@dataclass
class _Job:
    data: ReportData
    options: PrintOptions
    stand: date
    t: Text
    doc: KIKDocTemplate | None = None

    @property
    def concept_name(self) -> str:
        p = self.data.properties
        return p.get("concept_name") or p.get("short_name") or "Kommunales Integrationskonzept"


def write_pdf(
    data: ReportData, kind: str, out: str | os.PathLike[str], options: PrintOptions | None = None
) -> PrintResult:
    """Write printout `kind` to `out` atomically (temporary file in the same folder, then replace)."""
    if kind not in KINDS:
        raise ReportError(f"Unbekannte Druckart „{kind}“; möglich: {', '.join(KINDS)}.")
    options = options or PrintOptions()
    register_fonts()
    target = Path(out)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise ReportError(f"Den Ordner „{folder}“ gibt es nicht.")
    job = _Job(data, options, options.stand or date.today(), Text(9.5 if kind == "hausaufgaben" else 9))
    fd, tmp = tempfile.mkstemp(prefix=".kik-", suffix=".pdf.tmp", dir=folder)
    os.close(fd)
    try:
        pages = _BUILDERS[kind](job, tmp)
        # mkstemp made the file private (0600); a PDF gets the mode of a normally saved file (like the
        # Excel export): what the umask allows.
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, target)
    except PermissionError as exc:
        raise ReportError(
            f"„{target}“ kann nicht geschrieben werden (ist die Datei noch geöffnet?): {exc}"
        ) from exc
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return PrintResult(target, kind, pages, set(job.t.missing))


def _make_doc(
    job: _Job, filename: str, kind: str, subject: str, *, paper: str = "A4", first: str = "portrait"
) -> KIKDocTemplate:
    t = job.t
    doc = KIKDocTemplate(
        filename,
        paper=paper,
        first=first,
        title=t.plain(f"{KINDS[kind]} – {job.concept_name}"),
        author=t.plain(job.data.properties.get("author") or f"{ORG_NAME} – Amt für Integration"),
        subject=t.plain(subject),
        creator="KIK Desktop",
        initialFontName=FONT,
        lang="de-DE",
    )
    job.doc = doc
    return doc


def _canvas(job: _Job, header_right: str) -> Any:
    t = job.t
    return canvas_class(
        PageDecor(t.plain(job.concept_name), t.plain(header_right), f"Stand: {format_date(job.stand)}")
    )


def _build(
    job: _Job, doc: KIKDocTemplate, story: list[Flowable], header_right: str, *, multi: bool = False
) -> int:
    maker = _canvas(job, header_right)
    if multi:
        doc.multiBuild(story, canvasmaker=maker)
    else:
        doc.build(story, canvasmaker=maker)
    return int(doc.page)


# --- helpers --------------------------------------------------------------------------------------


def _status(job: _Job, key: str | None) -> StatusStyle:
    return job.data.status_style(key)


def _number_title(t: Text, m: MeasureRow, *, number: bool = True) -> list[Flowable]:
    """Number and title of a measure in bold, and the example mark."""
    title = m.title.strip() or "(ohne Titel)"
    out: list[Flowable] = [t.lit(f"{m.number} {title}" if number else title, t.l_bold)]
    if m.is_example:
        out.append(t.lit("[Beispiel]", t.l_example))
    return out


def _dash(text: str) -> str:
    return text if text.strip() else "–"


class WritingLines(Flowable):  # type: ignore[misc]
    """Ruled lines to write on by hand."""

    def __init__(self, lines: int, gap: float = 0.75 * cm, width: float | None = None) -> None:
        super().__init__()
        self.lines = lines
        self.gap = gap
        self._fixed_width = width

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.width = self._fixed_width or aw
        self.height = self.lines * self.gap
        return (self.width, self.height)

    def draw(self) -> None:
        c = self.canv
        c.saveState()
        c.setStrokeColor(colors.HexColor("#B0B0B0"))
        c.setLineWidth(0.4)
        for i in range(self.lines):
            y = self.height - (i + 1) * self.gap
            c.line(0, y, self.width, y)
        c.restoreState()


def _measures_table(
    job: _Job,
    measures: list[MeasureRow],
    columns: list[tuple[str, float]],
    cell: Callable[[str, MeasureRow], Any],
    *,
    long: bool = False,
) -> Table:
    """A table of measures; column 'status' is coloured; others come from `cell`."""
    t = job.t
    rows: list[list[Any]] = [[t.markup(f"<b>{title}</b>", t.cell) for title, _ in columns]]
    style = grid_style(t)
    keys = [c[0] for c in columns]
    for r, m in enumerate(measures, start=1):
        row: list[Any] = []
        for c, key in enumerate(keys):
            if key == "Status":
                st = _status(job, m.status)
                row.append(status_cell(t, st))
                style.append(status_fill(c, r, st))
            else:
                row.append(cell(key, m))
        rows.append(row)
    return data_table(rows, [w for _, w in columns], style, long=long)


def _widths(total: float, weights: tuple[float, ...] | list[float]) -> list[float]:
    s = sum(weights)
    return [total * w / s for w in weights]


# --- bericht --------------------------------------------------------------------------------------


def _toc(job: _Job) -> list[Flowable]:
    """The report's table of contents: the front sections, the fields and their goals."""
    t = job.t
    top = TextStyle(FONT_BOLD, 10.5, 14)
    sub = TextStyle(FONT, 9, 11.5)
    out: list[Flowable] = [
        TOCLine("Integrationsverständnis", "understanding", top, space_before=5),
        TOCLine("Umsetzungsstand im Überblick", "overview", top, space_before=5),
    ]
    for f in job.data.fields:
        out.append(
            TOCLine(t.plain(f"Handlungsfeld {f.number}: {f.title}"), f"field-{f.number}", top, space_before=9)
        )
        for g in f.goals:
            title = t.plain(f"Ziel {g.number}: {g.title or '(ohne Titel)'}")
            out.append(TOCLine(title, f"goal-{g.number}", sub, indent=0.8 * cm, space_before=2))
    return out


def build_bericht(job: _Job, filename: str) -> int:
    t, data, p = job.t, job.data, job.data.properties
    doc = _make_doc(
        job,
        filename,
        "bericht",
        "Gesamtbericht: Integrationsverständnis, Ziele und Maßnahmen "
        "aller Handlungsfelder mit Umsetzungsstand",
    )
    width = doc.frame_width("portrait")
    story: list[Flowable] = []
    # Title page
    story.append(Spacer(0, 3.5 * cm))
    story.append(t.para(p.get("city") or "", ParagraphStyle("city", parent=t.h2, textColor=MUTED)))
    story.append(t.para(job.concept_name, t.title))
    if p.get("motto"):
        story.append(t.para(p["motto"], ParagraphStyle("motto", parent=t.h2, fontName=FONT)))
    story.append(Spacer(0, 1.2 * cm))
    story.append(
        t.markup(
            "<b>Gesamtbericht</b>: Integrationsverständnis, Ziele und Maßnahmen mit Umsetzungsstand", t.body
        )
    )
    story.append(Spacer(0, 0.6 * cm))
    decision = format_date(p.get("council_decision_date"))
    facts: list[list[Any]] = []
    if decision:
        facts.append([t.markup("<b>Beschluss des Stadtrats</b>"), t.para(decision)])
    facts.extend(concept_front.predecessor_facts(t, p))
    facts.append([t.markup("<b>Stand</b>"), t.para(format_date(job.stand))])
    measures = data.measures()
    goals = sum(len(f.goals) for f in data.fields)
    facts.append(
        [
            t.markup("<b>Umfang</b>"),
            t.para(f"{len(data.fields)} Handlungsfelder, {goals} Ziele, {len(measures)} Maßnahmen"),
        ]
    )
    if p.get("participation"):
        facts.append([t.markup("<b>Beteiligung</b>"), t.para(p["participation"])])
    ft = Table(facts, colWidths=[4.5 * cm, width - 4.5 * cm], hAlign="LEFT")
    ft.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEABOVE", (0, 0), (-1, 0), 1, ACCENT),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    story.append(ft)
    story.append(PageBreak())
    # Understanding of integration and strategic goal
    story.append(Bookmark("Integrationsverständnis", "understanding", 0))
    story.append(t.para(p.get("understanding_title") or "Integrationsverständnis", t.h1))
    for block in (p.get("understanding") or "").split("\n\n"):
        if block.strip():
            story.append(t.para(block.strip(), ParagraphStyle("u", parent=t.body, spaceAfter=6, leading=13)))
    if (p.get("guiding_principles") or "").strip():
        story.append(t.para("Leitgedanken", t.h2))
        for line in p["guiding_principles"].splitlines():
            if line.strip():
                story.append(
                    Paragraph(
                        t.esc(line.strip()),
                        ParagraphStyle("bullet", parent=t.body, leftIndent=12, bulletIndent=2, spaceAfter=3),
                        bulletText="•",
                    )
                )
    if p.get("strategic_goal") or p.get("strategic_field"):
        story.append(t.para("Strategisches Ziel 2030", t.h2))
        story.append(
            t.markup(
                f"<b>{t.esc(p.get('strategic_field') or '')}</b>"
                + (": " if p.get("strategic_field") and p.get("strategic_goal") else "")
                + t.esc(p.get("strategic_goal") or ""),
                t.body,
            )
        )
    story.append(PageBreak())
    # Table of contents
    story.append(t.para("Inhalt", t.h1))
    story.extend(_toc(job))
    story.append(PageBreak())
    # Overview and legend
    story.append(Bookmark("Umsetzungsstand im Überblick", "overview", 0))
    story.append(t.para("Umsetzungsstand im Überblick", t.h1))
    story.extend(_overview(job, width))
    # Fields
    for f in data.fields:
        story.append(PageBreak())
        story.extend(_bericht_field(job, f, width))
    if not data.fields:
        story.append(t.para("Das Dokument enthält noch keine Handlungsfelder.", t.body))
    return _build(job, doc, story, KINDS["bericht"])


def _overview(job: _Job, width: float) -> list[Flowable]:
    t, data = job.t, job.data
    total = status_counts(data.measures())
    per_field = [(f"{f.number}. {f.title}", status_counts(f.measures())) for f in data.fields]
    keys = status_keys_in_order(data, total)
    styles = [data.status_style(k) for k in keys]
    out: list[Flowable] = [
        t.para("Statuslegende", t.h2),
        legend_table(t, styles, total, width=min(width, 16 * cm)),
    ]
    if per_field:
        out.append(t.para("Maßnahmen je Handlungsfeld und Status", t.h2))
        out.append(stacked_bars(t, per_field, styles, width))
    return out


def _bericht_field(job: _Job, f: FieldRow, width: float) -> list[Flowable]:
    t, data = job.t, job.data
    out: list[Flowable] = []
    heading = f"Handlungsfeld {f.number}: {f.title}"
    out.append(Bookmark(t.plain(heading), f"field-{f.number}", 0))
    out.append(t.para(heading, t.h1))
    if f.description.strip():
        out.append(t.para(f.description, t.body))
    if f.working_group.strip():
        out.append(t.markup(f"<b>Arbeitsgruppe:</b> {t.esc(f.working_group)}", t.body))
    if f.actors:
        out.append(t.markup(f"<b>Akteur*innen:</b> {t.esc('; '.join(f.actors))}", t.body))
    measures = f.measures()
    counts = status_counts(measures)
    keys = status_keys_in_order(data, counts)
    out.append(t.para(f"Umsetzungsstand ({len(measures)} Maßnahmen)", t.h3))
    if measures:
        out.append(status_bars(t, [data.status_style(k) for k in keys], counts, min(width, 16 * cm)))
    else:
        out.append(t.para("Noch keine Maßnahmen eingetragen.", t.muted))
    out.append(Spacer(0, 0.3 * cm))
    for g in f.goals:
        out.extend(_bericht_goal(job, g, width))
    if not f.goals:
        out.append(t.para("Für dieses Handlungsfeld sind noch keine Ziele eingetragen.", t.muted))
    return out


def _bericht_goal(job: _Job, g: GoalRow, width: float) -> list[Flowable]:
    t = job.t
    heading = f"Ziel {g.number}: {g.title or '(ohne Titel)'}"
    out: list[Flowable] = [CondPageBreak(5 * cm), Bookmark(t.plain(heading), f"goal-{g.number}", 1)]
    tag = " <font color='#7F6000'>[Beispiel]</font>" if g.is_example else ""
    out.append(t.markup(t.esc(heading) + tag, t.h2))
    if g.description.strip():
        out.append(t.para(g.description, t.body))
    out.append(t.markup(f"<b>Indikator (zu entwickeln):</b> {t.esc(_dash(g.indicator))}", t.body))
    out.extend(indicator_section(t, g.indicators, width, job.stand))  # reports/indicator_section.py
    out.append(Spacer(0, 0.2 * cm))
    for m in g.measures:
        out.append(KeepTogether([_measure_card(job, m, width)]))
        out.append(Spacer(0, 0.25 * cm))
    if not g.measures:
        out.append(t.para("Für dieses Ziel sind noch keine Maßnahmen eingetragen.", t.muted))
    return out


def _measure_card(job: _Job, m: MeasureRow, width: float) -> Table:
    t = job.t
    label_w = 5.4 * cm
    st = _status(job, m.status)
    rows: list[list[Any]] = [[_number_title(t, m), ""]]
    entries: list[tuple[str, str]] = [
        ("Beschreibung der Maßnahme", m.description),
        ("Zielgruppe", m.target_group),
        ("verantwortlich (für die Umsetzung)", m.responsible),
        ("Akteur*innen für die Umsetzung", "; ".join(m.actors)),
        ("Was wird für die Umsetzung benötigt?", m.needs),
        ("Beginn der Umsetzung", m.start),
        ("Umsetzung bis wann?", m.end),
        ("Indikatoren (Erfolg)", m.success_indicator),
    ]
    optional = [
        ("Priorität", m.priority_label),
        ("Querschnittsaufgaben", "; ".join(m.tasks)),
        ("Förderung", m.funding),
        ("Notizen", m.notes),
    ]
    entries += [(k, v) for k, v in optional if v.strip()]
    for label, value in entries:
        rows.append([t.lit(label, t.l_muted), t.lit(_dash(value))])
    rows.append([t.lit("Status", t.l_muted), status_cell(t, st)])
    last = len(rows) - 1
    style = [
        ("SPAN", (0, 0), (1, 0)),
        ("BACKGROUND", (0, 0), (1, 0), SECTION_FILL),
        ("BOX", (0, 0), (-1, -1), 0.6, GRID),
        ("LINEBELOW", (0, 0), (-1, -2), 0.25, colors.HexColor("#D0D0D0")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        status_fill(1, last, st),
    ]
    table = Table(cell_lists(rows), colWidths=[label_w, width - label_w], splitInRow=1, hAlign="LEFT")
    table.setStyle(TableStyle(style))
    return table


# --- handout --------------------------------------------------------------------------------------


def build_handout(job: _Job, filename: str) -> int:
    t, data, opts = job.t, job.data, job.options
    if opts.field is None:
        raise ReportError(
            f"Für das Handout bitte ein Handlungsfeld angeben (Nummer 1 bis {len(data.fields)})."
        )
    f = data.field_by_number(opts.field)
    if f is None:
        raise ReportError(f"Handlungsfeld {opts.field} gibt es nicht (vorhanden: 1 bis {len(data.fields)}).")
    job.t = t = Text(10)
    doc = _make_doc(
        job,
        filename,
        "handout",
        f"Handout für den Workshop: Handlungsfeld {f.number} {f.title}",
        first="landscape",
    )
    width = doc.frame_width("landscape")
    story: list[Flowable] = []
    heading = f"Handlungsfeld {f.number}: {f.title}"
    story.append(Bookmark(t.plain(heading), f"field-{f.number}", 0, toc=False))
    story.append(
        t.markup(
            "Handout für den Workshop der Arbeitsgruppe",
            ParagraphStyle("kicker", parent=t.body, textColor=MUTED),
        )
    )
    story.append(t.para(heading, t.h1))
    info = []
    if f.working_group.strip():
        info.append(f"<b>Arbeitsgruppe:</b> {t.esc(f.working_group)}")
    measures = f.measures()
    info.append(
        f"<b>{len(f.goals)}</b> Ziele, <b>{len(measures)}</b> Maßnahmen · Stand {format_date(job.stand)}"
    )
    story.append(t.markup(" · ".join(info), t.body))
    if f.actors:
        story.append(t.markup(f"<b>Akteur*innen:</b> {t.esc('; '.join(f.actors))}", t.small))
    weights = [1.1, 6.3, 3.0, 1.6, 1.6, 3.2, 2.9]
    fixed = sum(weights) * cm
    notes_w = max(width - fixed, 4 * cm)
    widths = [w * cm for w in weights]
    scale = (width - notes_w) / sum(widths)
    widths = [w * scale for w in widths] + [notes_w]
    names = [
        "Nr.",
        "Maßnahme",
        "verantwortlich",
        "Beginn",
        "bis",
        "Indikatoren (Erfolg)",
        "Status",
        "Notizen",
    ]
    for g in f.goals:
        block: list[Flowable] = []
        gh = f"Ziel {g.number}: {g.title or '(ohne Titel)'}"
        block.append(Bookmark(t.plain(gh), f"goal-{g.number}", 1, toc=False))
        block.append(t.para(gh, t.h2))
        if g.indicator.strip():
            block.append(t.markup(f"<b>Indikator (zu entwickeln):</b> {t.esc(g.indicator)}", t.body))
        else:
            block.append(t.markup("<b>Indikator (zu entwickeln):</b>", t.body))
            block.append(WritingLines(1, 0.6 * cm, width=width * 0.6))
        story.append(CondPageBreak(5 * cm))
        story.append(KeepTogether(block))
        if g.measures:
            story.append(Spacer(0, 0.15 * cm))
            story.append(_handout_table(job, g.measures, names, widths))
        else:
            story.append(t.para("Noch keine Maßnahmen – Ideen:", t.muted))
            story.append(WritingLines(3, width=width))
    if not f.goals:
        story.append(t.para("Für dieses Handlungsfeld sind noch keine Ziele eingetragen.", t.muted))
    story.append(PageBreak())
    story.append(t.para("Notizen", t.h1))
    story.append(WritingLines(int((doc.frame_height("landscape") - 2.5 * cm) / (0.75 * cm))))
    return _build(job, doc, story, f"Handout · Handlungsfeld {f.number}")


def _handout_table(job: _Job, measures: list[MeasureRow], names: list[str], widths: list[float]) -> Table:
    t = job.t
    rows: list[list[Any]] = [[t.markup(f"<b>{n}</b>", t.cell) for n in names]]
    style = grid_style(t)
    for r, m in enumerate(measures, start=1):
        st = _status(job, m.status)
        title = _number_title(t, m, number=False)
        if m.description.strip():
            title.append(t.lit(m.description, t.l_small))
        if m.target_group.strip():
            title.append(t.lit(f"Zielgruppe: {m.target_group}", t.l_small))
        responsible: list[Flowable] = [t.lit(_dash(m.responsible))]
        if m.actors:
            responsible.append(t.lit(f"mit: {'; '.join(m.actors)}", t.l_small))
        rows.append(
            [
                t.lit(m.number, t.l_bold),
                title,
                responsible,
                t.cell_text(m.start),
                t.cell_text(m.end),
                t.cell_text(m.success_indicator),
                status_cell(t, st),
                Spacer(0, 2.0 * cm),
            ]
        )
        style.append(status_fill(6, r, st))
    return data_table(rows, widths, style)


# --- hausaufgaben ---------------------------------------------------------------------------------


def build_hausaufgaben(job: _Job, filename: str) -> int:
    t, data, opts = job.t, job.data, job.options
    name = (opts.institution or "").strip()
    if not name:
        raise ReportError("Für das Hausaufgabenheft bitte eine Institution angeben.")
    responsible, taking_part = homework(data, name)
    doc = _make_doc(job, filename, "hausaufgaben", f"Hausaufgabenheft: {name}")
    width = doc.frame_width("portrait")
    story: list[Flowable] = []
    story.append(t.markup("Hausaufgabenheft", ParagraphStyle("kicker", parent=t.h2, textColor=MUTED)))
    story.append(t.para(name, t.title))
    story.append(
        t.markup(
            f"Im Konzept „{t.esc(job.concept_name)}“ ist <b>{t.esc(name)}</b> für <b>{len(responsible)}</b> "
            f"{'Maßnahme' if len(responsible) == 1 else 'Maßnahmen'} verantwortlich und an "
            f"<b>{len(taking_part)}</b> {'weiteren ' if responsible else ''}"
            f"{'Maßnahme' if len(taking_part) == 1 else 'Maßnahmen'} "
            f"beteiligt. Stand: {format_date(job.stand)}.",
            t.body,
        )
    )
    story.append(Spacer(0, 0.3 * cm))
    if not responsible and not taking_part:
        story.append(
            t.para(
                "Für diese Institution sind keine Maßnahmen eingetragen (weder als verantwortlich noch als "
                "Akteur*in). Tipp: Der Name muss so in den Spalten „verantwortlich“ oder „Akteur*innen“ "
                "stehen (ein Eintrag je Zeile oder mit Semikolon getrennt).",
                t.muted,
            )
        )
    widths = _widths(width, [1.35, 7.4, 1.75, 1.75, 3.2, 2.55])
    names = ["Nr.", "Maßnahme", "Beginn", "bis", "Indikatoren (Erfolg)", "Status"]
    for f in data.fields:
        mine = [m for m in responsible if m.field is f]
        part = [m for m in taking_part if m.field is f]
        if not mine and not part:
            continue
        heading = f"Handlungsfeld {f.number}: {f.title}"
        story.append(CondPageBreak(5 * cm))
        story.append(Bookmark(t.plain(heading), f"field-{f.number}", 0, toc=False))
        story.append(t.para(heading, t.h1))
        for title, group, is_resp in (("Verantwortlich", mine, True), ("Beteiligt", part, False)):
            if not group:
                continue
            story.append(CondPageBreak(3 * cm))
            story.append(t.para(f"{title} ({len(group)})", t.h3))
            story.append(_homework_table(job, group, names, widths, is_resp))
    return _build(job, doc, story, f"Hausaufgabenheft · {name}")


def _homework_table(
    job: _Job, measures: list[MeasureRow], names: list[str], widths: list[float], is_resp: bool
) -> Table:
    t = job.t

    def cell(key: str, m: MeasureRow) -> Any:
        if key == "Nr.":
            return t.lit(m.number, t.l_bold)
        if key == "Maßnahme":
            parts = _number_title(t, m, number=False)
            if m.goal is not None:
                parts.append(t.lit(f"Ziel {m.goal.number}: {m.goal.title}", t.l_small))
            if m.description.strip():
                parts.append(t.lit(m.description, t.l_small))
            if is_resp and m.actors:
                parts.append(t.lit(f"mit: {'; '.join(m.actors)}", t.l_small))
            if not is_resp:
                parts.append(t.lit(f"verantwortlich: {_dash(m.responsible)}", t.l_small))
            return parts
        if key == "Beginn":
            return t.cell_text(m.start)
        if key == "bis":
            return t.cell_text(m.end)
        return t.cell_text(m.success_indicator)

    return _measures_table(job, measures, list(zip(names, widths, strict=True)), cell)


# --- status ---------------------------------------------------------------------------------------


def build_status(job: _Job, filename: str) -> int:
    t, data, opts = job.t, job.data, job.options
    doc = _make_doc(
        job,
        filename,
        "status",
        "Statusbericht für die Fachrunde: Gesamtschau der Umsetzung",
        first="landscape",
    )
    width = doc.frame_width("landscape")
    story: list[Flowable] = []
    story.append(t.para("Statusbericht für die Fachrunde", t.title))
    since = f" · Änderungen seit {format_date(opts.since)}" if opts.since else ""
    story.append(t.para(f"Gesamtschau der Umsetzung · Stand {format_date(job.stand)}{since}", t.body))
    # Overview: chart and table
    story.append(Bookmark("Gesamtschau", "overview", 0, toc=False))
    story.append(t.para("Gesamtschau: Maßnahmen je Handlungsfeld und Status", t.h1))
    measures = data.measures()
    total = status_counts(measures)
    per_field = [(f, status_counts(f.measures())) for f in data.fields]
    keys = status_keys_in_order(data, total)
    styles = [data.status_style(k) for k in keys]
    if per_field:
        story.append(
            stacked_bars(
                t, [(f"{f.number}. {f.title}", c) for f, c in per_field], styles, min(width, 22 * cm)
            )
        )
        story.append(Spacer(0, 0.4 * cm))
    story.append(_count_table(job, per_field, total, styles, width))
    # Lists
    today = job.stand
    risk = at_risk_measures(data)
    overdue = overdue_measures(data, today)
    story.append(CondPageBreak(4 * cm))
    story.append(Bookmark("Gefährdete Maßnahmen", "risk", 0, toc=False))
    story.append(t.para(f"Gefährdete Maßnahmen ({len(risk)})", t.h1))
    story.append(_status_list(job, risk, width, "Keine Maßnahme ist als gefährdet markiert."))
    story.append(CondPageBreak(4 * cm))
    story.append(Bookmark("Überfällige Maßnahmen", "overdue", 0, toc=False))
    story.append(t.para(f"Überfällige Maßnahmen ({len(overdue)})", t.h1))
    story.append(t.para(f"Umsetzung bis vor {_month_text(today)} geplant, aber nicht „umgesetzt“.", t.muted))
    story.append(_status_list(job, overdue, width, "Keine Maßnahme ist überfällig."))
    story.append(CondPageBreak(4 * cm))
    story.append(Bookmark("Änderungen", "changes", 0, toc=False))
    if opts.since is None:
        story.append(t.para("Änderungen", t.h1))
        story.append(t.para("Kein Vergleichsdatum gewählt (Option „seit“).", t.muted))
    else:
        story.extend(_changes(job, opts.since, width))
    return _build(job, doc, story, "Statusbericht")


def _month_text(d: date) -> str:
    return f"{d.month:02d}/{d.year}"


def _count_table(
    job: _Job,
    per_field: list[tuple[FieldRow, dict[str, int]]],
    total: dict[str, int],
    styles: list[StatusStyle],
    width: float,
) -> Table:
    t = job.t
    name_w = min(7 * cm, width * 0.28)
    sum_w = 1.8 * cm
    col_w = (width - name_w - sum_w) / max(len(styles), 1)
    head: list[Any] = [t.markup("<b>Handlungsfeld</b>", t.cell)]
    style = grid_style(t)
    for c, st in enumerate(styles, start=1):
        head.append(status_cell(t, st))
        style.append(status_fill(c, 0, st))
    head.append(t.markup("<b>Summe</b>", t.cell_center))
    rows: list[list[Any]] = [head]
    for f, counts in per_field:
        row: list[Any] = [t.lit(f"{f.number}. {f.title}")]
        row += [t.lit(str(counts.get(st.key, 0)), t.l_center) for st in styles]
        row.append(t.lit(str(sum(counts.values())), t.l_center_bold))
        rows.append(row)
    tot: list[Any] = [t.markup("<b>Gesamt</b>", t.cell)]
    tot += [t.lit(str(total.get(st.key, 0)), t.l_center_bold) for st in styles]
    tot.append(t.lit(str(sum(total.values())), t.l_center_bold))
    rows.append(tot)
    style.append(("LINEABOVE", (0, -1), (-1, -1), 1.2, colors.black))
    style.append(("BACKGROUND", (0, -1), (-1, -1), SECTION_FILL))
    style.append(("VALIGN", (1, 1), (-1, -1), "MIDDLE"))
    return data_table(rows, [name_w] + [col_w] * len(styles) + [sum_w], style)


def _status_list(job: _Job, measures: list[MeasureRow], width: float, empty: str) -> Flowable:
    t = job.t
    if not measures:
        return t.para(empty, t.body)
    names = ["Nr.", "Maßnahme", "Handlungsfeld", "verantwortlich", "Beginn", "bis", "Status"]
    widths = _widths(width, [1.3, 8.0, 4.0, 4.5, 1.7, 1.7, 3.8])

    def cell(key: str, m: MeasureRow) -> Any:
        if key == "Nr.":
            return t.lit(m.number, t.l_bold)
        if key == "Maßnahme":
            return _number_title(t, m, number=False)
        if key == "Handlungsfeld":
            return t.lit(m.field.title if m.field else "")
        if key == "verantwortlich":
            return t.cell_text(m.responsible)
        if key == "Beginn":
            return t.cell_text(m.start)
        return t.cell_text(m.end)

    return _measures_table(job, measures, list(zip(names, widths, strict=True)), cell)


def _changes(job: _Job, since: date, width: float) -> list[Flowable]:
    t = job.t
    out: list[Flowable] = [t.para(f"Änderungen seit {format_date(since)}", t.h1)]
    changes = status_changes_since(job.data, since)
    out.append(t.para(f"Statusänderungen ({len(changes)})", t.h2))
    if changes:
        widths = _widths(width, [2.2, 1.3, 9.0, 5.0, 5.0])
        rows: list[list[Any]] = [
            [t.markup(f"<b>{n}</b>", t.cell) for n in ("Datum", "Nr.", "Maßnahme", "vorher", "jetzt")]
        ]
        style = grid_style(t)
        for r, (ch, m) in enumerate(changes, start=1):
            old, new = _status(job, ch.old_status), _status(job, ch.new_status)
            rows.append(
                [
                    t.lit(format_date(ch.changed_at)),
                    t.lit(m.number, t.l_bold),
                    t.lit(m.title),
                    status_cell(t, old),
                    status_cell(t, new),
                ]
            )
            style += [status_fill(3, r, old), status_fill(4, r, new)]
        out.append(data_table(rows, widths, style))
    else:
        out.append(t.para("Keine Statusänderungen in diesem Zeitraum.", t.body))
    edited = edited_since(job.data, since)
    out.append(t.para(f"Bearbeitete Maßnahmen ({len(edited)})", t.h2))
    if edited:
        names = ["Nr.", "Maßnahme", "verantwortlich", "zuletzt bearbeitet", "Status"]
        widths = _widths(width, [1.3, 11.0, 5.0, 2.6, 4.0])

        def cell(key: str, m: MeasureRow) -> Any:
            if key == "Nr.":
                return t.lit(m.number, t.l_bold)
            if key == "Maßnahme":
                return t.lit(m.title)
            if key == "verantwortlich":
                return t.cell_text(m.responsible)
            return t.lit(format_date(m.updated_at))

        out.append(_measures_table(job, edited, list(zip(names, widths, strict=True)), cell))
    else:
        out.append(t.para("Keine Maßnahme wurde in diesem Zeitraum bearbeitet.", t.body))
    return out


# --- tabelle --------------------------------------------------------------------------------------


def build_tabelle(job: _Job, filename: str) -> int:
    t, data, opts = job.t, job.data, job.options
    paper = (opts.paper or "A4").upper()
    if paper not in ("A3", "A4"):
        raise ReportError(f"Papierformat „{opts.paper}“ wird nicht unterstützt (A3 oder A4).")
    job.t = t = Text(9 if paper == "A3" else 7.6)
    doc = _make_doc(
        job, filename, "tabelle", f"Umsetzungstabelle ({paper} quer)", paper=paper, first="landscape"
    )
    width = doc.frame_width("landscape")
    widths = _widths(width, TABLE_WEIGHTS)
    story: list[Flowable] = [t.para(f"Umsetzungstabelle – {job.concept_name}", t.h1)]
    story.append(t.para(f"Stand {format_date(job.stand)}", t.muted))
    head_style = ParagraphStyle(
        "head",
        parent=t.cell,
        fontSize=t.cell.fontSize * 0.92,
        leading=t.cell.leading * 0.92,
        splitLongWords=False,
    )
    head = [t.markup(f"<b>{t.esc(c)}</b>", head_style) for c in TABLE_COLUMNS]
    for f in data.fields:
        heading = f"Handlungsfeld {f.number}: {f.title}"
        story.append(CondPageBreak(5 * cm))
        story.append(Bookmark(t.plain(heading), f"field-{f.number}", 0, toc=False))
        story.append(t.para(heading, t.h2))
        rows: list[list[Any]] = []
        row_styles: list[list[tuple[Any, ...]]] = []
        goal_line = ("LINEABOVE", 0, -1, 1.0, colors.HexColor("#606060"))
        for g in f.goals:
            goal_cell = t.lit(f"{g.number} {g.title}")
            ind_cell = t.cell_text(g.indicator)
            if not g.measures:
                rows.append([goal_cell, ind_cell] + [""] * 10)
                row_styles.append([goal_line])
                continue
            for i, m in enumerate(g.measures):
                if i == 0:
                    row: list[Any] = [goal_cell, ind_cell]
                else:
                    row = [t.lit(f"↳ {g.number}", t.l_muted), ""]
                st = _status(job, m.status)
                row += [
                    _number_title(t, m),
                    t.cell_text(m.description),
                    t.cell_text(m.target_group),
                    t.cell_text(m.responsible),
                    t.cell_text("\n".join(m.actors)),
                    t.cell_text(m.needs),
                    t.cell_text(m.start),
                    t.cell_text(m.end),
                    t.cell_text(m.success_indicator),
                    status_cell(t, st),
                ]
                rows.append(row)
                fill = ("BACKGROUND", 11, 11, hex_color(st.color))
                row_styles.append([fill, goal_line] if i == 0 else [fill])
        if rows:
            story.append(ChunkedTable(list(head), rows, row_styles, widths, grid_style(t)))
        else:
            story.append(t.para("Noch keine Ziele.", t.muted))
    if not data.fields:
        story.append(t.para("Das Dokument enthält noch keine Handlungsfelder.", t.body))
    story.append(Spacer(0, 0.5 * cm))
    keys = status_keys_in_order(data, status_counts(data.measures()))
    if NO_STATUS not in keys:
        keys.append(NO_STATUS)
    story.append(
        KeepTogether(
            [
                t.para("Statuslegende", t.h3),
                legend_table(t, [data.status_style(k) for k in keys], width=min(width, 14 * cm)),
            ]
        )
    )
    return _build(job, doc, story, f"Umsetzungstabelle ({paper})")


_BUILDERS: dict[str, Callable[[_Job, str], int]] = {
    "bericht": build_bericht,
    "handout": build_handout,
    "hausaufgaben": build_hausaufgaben,
    "status": build_status,
    "tabelle": build_tabelle,
}

__all__ = ["KINDS", "PrintOptions", "PrintResult", "ReportError", "write_pdf"]

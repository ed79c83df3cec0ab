"""The five printouts: bericht, handout, hausaufgaben, status, tabelle."""

from __future__ import annotations

import os
import re
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
from kik_desktop.domain.board import LIST_TITLES
from kik_desktop.domain.table import TABLE_HEADERS
from kik_desktop.reports import concept_front
from kik_desktop.reports.data import (
    NO_STATUS,
    FieldRow,
    GoalRow,
    ListEntry,
    MeasureRow,
    ReportData,
    StatusStyle,
    action_lists,
    closest_institution_names,
    edited_since,
    fields_naming,
    homework,
    is_overdue,
    known_institution_names,
    overdue_text,
    resolve_institution,
    soon_range,
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
    LiteralText,
    OutlineMark,
    PageDecor,
    RowStyle,
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
    text_color_on,
)
from kik_desktop.reports.wording import count, entered, num, of_adopted

# Page streams compressed but not ASCII85-armoured: smaller files, and the pure-Python A85 encoder
# (used when the optional rl_accel extension is missing) is a noticeable share of the time.
rl_config.useA85 = 0

KINDS: dict[str, str] = {
    "bericht": "Gesamtbericht",
    "handout": "Handout für den Workshop",
    "hausaufgaben": "Hausaufgabenheft",
    "status": "Statusbericht für die Fachrunde",
    "tabelle": "Umsetzungstabelle",
    "poster": "Wandposter der Gesamtschau",
}
POSTER_FORMATS = ("A3", "A2", "A1")
# Base font size per poster format: the body text about 6 mm high on A1, readable from two metres.
POSTER_BASE = {"A3": 12.5, "A2": 17.5, "A1": 25.0}

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
    if kind == "hausaufgaben":
        # Checked before anything is written: a misspelt name must not leave an empty booklet.
        name = (options.institution or "").strip()
        if not name:
            raise ReportError("Für das Hausaufgabenheft bitte eine Institution angeben.")
        if resolve_institution(data, name) is None:
            raise ReportError(unknown_institution_message(data, name))
    return _write_with(data, kind, out, options, _BUILDERS[kind])


def _write_with(
    data: ReportData,
    kind: str,
    out: str | os.PathLike[str],
    options: PrintOptions,
    builder: Callable[[_Job, str], int],
) -> PrintResult:
    register_fonts()
    target = Path(out)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise ReportError(f"Den Ordner „{folder}“ gibt es nicht.")
    job = _Job(data, options, options.stand or date.today(), Text(9.5 if kind == "hausaufgaben" else 9))
    fd, tmp = tempfile.mkstemp(prefix=".kik-", suffix=".pdf.tmp", dir=folder)
    os.close(fd)
    try:
        pages = builder(job, tmp)
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


def _canvas(job: _Job, header_right: str, cover: bool = False) -> Any:
    t = job.t
    return canvas_class(
        PageDecor(t.plain(job.concept_name), t.plain(header_right), f"Stand: {format_date(job.stand)}", cover)
    )


def _build(
    job: _Job,
    doc: KIKDocTemplate,
    story: list[Flowable],
    header_right: str,
    *,
    multi: bool = False,
    cover: bool = False,
) -> int:
    maker = _canvas(job, header_right, cover)
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


def _clip(text: str, limit: int = 110) -> str:
    """A text shortened for a repeated line (continuation pages): never taller than a few lines."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[: limit // 2]
    return cut.rstrip(" ,;:") + " …"


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
    rows: list[list[Any]] = [[t.lit(title, t.l_bold) for title, _ in columns]]
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
    goals = data.goal_count()
    adopted_goals, adopted_measures = data.adopted_goals(), data.adopted_measures()
    if adopted_measures is not None or adopted_goals is not None:
        adopted = [count(len(data.fields), "Handlungsfeld")]
        if adopted_goals is not None:
            adopted.append(count(adopted_goals, "Ziel"))
        if adopted_measures is not None:
            adopted.append(count(adopted_measures, "Maßnahme"))
        facts.append([t.markup("<b>Beschlossen</b>"), t.para(", ".join(adopted))])
    facts.append(
        [
            t.markup("<b>Erfasst</b>"),
            t.para(
                f"{of_adopted(goals, adopted_goals, 'Ziel')}, "
                f"{of_adopted(len(measures), adopted_measures, 'Maßnahme')}"
            ),
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
    return _build(job, doc, story, KINDS["bericht"], cover=True)


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
        out.append(t.para("Maßnahmen je Handlungsfeld und Status (erfasst von beschlossen)", t.h2))
        adopted = [f.adopted_measures for f in data.fields]
        out.append(stacked_bars(t, per_field, styles, width, legend=False, adopted=adopted))
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
    out.append(
        t.para(
            f"Umsetzungsstand ({entered(len(measures), f.adopted_measures, 'Maßnahme')}, "
            f"{entered(len(f.goals), f.adopted_goals, 'Ziel')})",
            t.h3,
        )
    )
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


def _card_style(status_row: int, st: Any) -> list[Any]:
    """The table style of a measure card: title row across, light lines, the status row filled."""
    return [
        ("SPAN", (0, 0), (1, 0)),
        ("BACKGROUND", (0, 0), (1, 0), SECTION_FILL),
        ("BOX", (0, 0), (-1, -1), 0.6, GRID),
        ("LINEBELOW", (0, 0), (-1, -2), 0.25, colors.HexColor("#D0D0D0")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        status_fill(1, status_row, st),
    ]


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
    style = _card_style(last, st)
    table = Table(cell_lists(rows), colWidths=[label_w, width - label_w], splitInRow=1, hAlign="LEFT")
    table.setStyle(TableStyle(style))
    return table


# --- handout --------------------------------------------------------------------------------------


HANDOUT_COLUMNS: list[tuple[str, float]] = [
    ("Nr.", 1.05),
    ("Maßnahme", 4.7),
    ("verantwortlich", 2.5),
    ("Akteur*innen", 2.7),
    ("Bedarfe", 2.5),
    ("Beginn", 1.55),
    ("bis", 1.55),
    ("Indikator", 2.5),
    ("Priorität", 2.1),
    ("Status", 2.3),
    ("Notizen", 3.2),
]
PRIORITY_NUMBERS = {"hoch": 1, "mittel": 2, "niedrig": 3}


def _priority_boxes(t: Text, label: str) -> LiteralText:
    """Tick boxes 1, 2, 3; the measure's priority, if it has one, is ticked."""
    chosen = PRIORITY_NUMBERS.get(label.strip())
    return t.lit("  ".join(f"{'☒' if chosen == n else '☐'} {n}" for n in (1, 2, 3)), t.l_cell)


def build_handout(job: _Job, filename: str) -> int:
    t, data, opts = job.t, job.data, job.options
    if opts.field is None:
        raise ReportError(
            f"Für das Handout bitte ein Handlungsfeld angeben (Nummer 1 bis {len(data.fields)})."
        )
    f = data.field_by_number(opts.field)
    if f is None:
        raise ReportError(f"Handlungsfeld {opts.field} gibt es nicht (vorhanden: 1 bis {len(data.fields)}).")
    job.t = t = Text(9.5)
    doc = _make_doc(
        job,
        filename,
        "handout",
        f"Handout für den Workshop: Handlungsfeld {f.number} {f.title}",
        first="landscape",
    )
    doc.title = t.plain(f"Handout Handlungsfeld {f.number} {f.title} – {job.concept_name}")
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
        f"{entered(len(f.goals), f.adopted_goals, 'Ziel')}, "
        f"{entered(len(measures), f.adopted_measures, 'Maßnahme')} · Stand {format_date(job.stand)}"
    )
    story.append(t.markup(" · ".join(info), t.body))
    if f.actors:
        story.append(t.markup(f"<b>Akteur*innen:</b> {t.esc('; '.join(f.actors))}", t.small))
    story.append(
        t.para(
            "Bitte vergeben Sie je Maßnahme eine Priorität (1 = hoch, 2 = mittel, 3 = niedrig) und "
            "notieren Sie, was fehlt oder sich geändert hat.",
            t.small,
        )
    )
    story.append(Spacer(0, 0.2 * cm))
    widths = _widths(width, [w for _, w in HANDOUT_COLUMNS])
    if f.goals:
        story.append(_handout_table(job, f, widths))
    else:
        story.append(t.para("Für dieses Handlungsfeld sind noch keine Ziele eingetragen.", t.muted))
    story.append(Spacer(0, 0.4 * cm))
    keys = status_keys_in_order(data, status_counts(data.measures()))
    story.append(
        KeepTogether(
            [
                t.para("Statuslegende", t.h3),
                legend_table(t, [data.status_style(k) for k in keys], width=min(width, 18 * cm)),
            ]
        )
    )
    # Closing page: empty rows for new measures.
    story.append(PageBreak())
    story.append(Bookmark("Neue Maßnahmen", "new-measures", 1, toc=False))
    story.append(t.para("Neue Maßnahmen", t.h1))
    story.append(
        t.para(
            "Platz für Maßnahmen, die in der Arbeitsgruppe neu vorgeschlagen werden "
            "(mit Ziel-Nummer, wenn sie zu einem bestehenden Ziel gehören).",
            t.small,
        )
    )
    story.append(Spacer(0, 0.2 * cm))
    head = [t.lit(n, t.l_bold) for n, _ in HANDOUT_COLUMNS]
    empty_rows: list[list[Any]] = [head]
    row_h = 2.2 * cm
    rows_fit = int((doc.frame_height("landscape") - 3.5 * cm) / row_h)
    for _ in range(max(rows_fit, 3)):
        empty_rows.append(["", Spacer(0, row_h - 0.4 * cm)] + [""] * 6 + [_priority_boxes(t, "")] + ["", ""])
    story.append(data_table(empty_rows, widths, grid_style(t)))
    return _build(job, doc, story, f"Handout · Handlungsfeld {f.number}")


def _handout_table(job: _Job, f: FieldRow, widths: list[float]) -> Flowable:
    """All goals of the field in one table: a goal line, its measures; the goal line repeats when a
    page starts inside its measures."""
    t = job.t
    head = [t.lit(n, t.l_bold) for n, _ in HANDOUT_COLUMNS]
    rows: list[list[Any]] = []
    row_styles: list[list[RowStyle]] = []
    groups: list[tuple[list[Any], list[RowStyle]] | None] = []
    ncols = len(HANDOUT_COLUMNS)
    goal_styles: list[RowStyle] = [
        ("SPAN", 0, ncols - 1),
        ("BACKGROUND", 0, ncols - 1, SECTION_FILL),
        ("LINEABOVE", 0, ncols - 1, 1.0, colors.HexColor("#606060")),
    ]

    def goal_row(g: GoalRow, continued: bool) -> list[Any]:
        name = _clip(g.title, 150) if continued else g.title
        title = f"Ziel {g.number}: {name or '(ohne Titel)'}" + (" (Fortsetzung)" if continued else "")
        cell: list[Any] = [t.lit(title, TextStyle(FONT_BOLD, t.size, t.size * 1.2, ACCENT))]
        if not continued:
            cell.insert(0, OutlineMark(t.plain(f"Ziel {g.number}: {g.title}"), f"goal-{g.number}", 1))
            indicator = g.indicator.strip() or "(noch zu entwickeln: bitte hier notieren)"
            cell.append(t.lit(f"Indikator: {indicator}", t.l_small))
        if g.is_example and not continued:
            cell.append(t.lit("[Beispiel]", t.l_example))
        return [cell] + [""] * (ncols - 1)

    for g in f.goals:
        rows.append(goal_row(g, False))
        row_styles.append(goal_styles)
        groups.append(None)
        repeat = (goal_row(g, True), goal_styles)
        if not g.measures:
            rows.append(
                [t.lit("–", t.l_muted), t.lit("Noch keine Maßnahmen – Ideen:", t.l_muted)]
                + [""] * 6
                + [_priority_boxes(t, "")]
                + ["", ""]
            )
            row_styles.append([])
            groups.append(repeat)
            continue
        for m in g.measures:
            st = _status(job, m.status)
            title = _number_title(t, m, number=False)
            if m.description.strip():
                title.append(t.lit(m.description, t.l_small))
            if m.target_group.strip():
                title.append(t.lit(f"Zielgruppe: {m.target_group}", t.l_small))
            rows.append(
                [
                    t.lit(m.number, t.l_bold),
                    title,
                    t.cell_text(m.responsible),
                    t.cell_text("\n".join(m.actors)),
                    t.cell_text(m.needs),
                    t.cell_text(m.start),
                    t.cell_text(m.end),
                    t.cell_text(m.success_indicator),
                    _priority_boxes(t, m.priority_label),
                    status_cell(t, st),
                    Spacer(0, 1.6 * cm),
                ]
            )
            row_styles.append([("BACKGROUND", 9, 9, hex_color(st.color))])
            groups.append(repeat)
    return ChunkedTable(head, rows, row_styles, widths, grid_style(t), group_rows=groups)


# --- hausaufgaben ---------------------------------------------------------------------------------


def unknown_institution_message(data: ReportData, name: str) -> str:
    close = closest_institution_names(data, name)
    hint = f" Meinten Sie: {', '.join(f'„{c}“' for c in close)}?" if close else ""
    return (
        f"„{name}“ steht weder im Institutionenverzeichnis noch in einer Maßnahme oder einem "
        f"Handlungsfeld; es wurde nichts geschrieben.{hint}"
    )


def _institution(job: _Job) -> str:
    name = (job.options.institution or "").strip()
    if not name:
        raise ReportError("Für das Hausaufgabenheft bitte eine Institution angeben.")
    known = resolve_institution(job.data, name)
    if known is None:
        raise ReportError(unknown_institution_message(job.data, name))
    return known


@dataclass
class Homework:
    """What the booklet of one institution holds."""

    name: str
    responsible: list[MeasureRow]
    taking_part: list[MeasureRow]
    fields: list[tuple[FieldRow, str]]

    def overdue(self, today: date) -> list[MeasureRow]:
        return [m for m in self.responsible if is_overdue(m, today)]


def homework_of(data: ReportData, name: str) -> Homework:
    responsible, taking_part = homework(data, name)
    return Homework(name, responsible, taking_part, fields_naming(data, name))


def build_hausaufgaben(job: _Job, filename: str) -> int:
    t, data = job.t, job.data
    name = _institution(job)
    hw = homework_of(data, name)
    doc = _make_doc(job, filename, "hausaufgaben", f"Hausaufgabenheft: {name}")
    doc.title = t.plain(f"Hausaufgabenheft {name} – {job.concept_name}")
    width = doc.frame_width("portrait")
    story: list[Flowable] = _homework_letter(job, hw)
    story.append(PageBreak())
    # 1. Responsible
    story.append(Bookmark("Ihre Maßnahmen (verantwortlich)", "responsible", 0, toc=False))
    story.append(t.para(f"Ihre Maßnahmen: Sie sind verantwortlich ({num(len(hw.responsible))})", t.h1))
    if hw.responsible:
        story.extend(_homework_by_field(job, hw.responsible, width, responsible=True))
    else:
        story.append(
            t.para(
                "Im Konzept ist Ihre Institution bisher für keine Maßnahme als verantwortlich eingetragen. "
                "Wenn Sie eine Maßnahme übernehmen möchten, freuen wir uns über Ihre Nachricht.",
                t.body,
            )
        )
    # 2. Taking part
    story.append(CondPageBreak(6 * cm))
    story.append(Bookmark("Maßnahmen, an denen Sie mitwirken", "taking-part", 0, toc=False))
    story.append(t.para(f"Maßnahmen, an denen Sie mitwirken ({num(len(hw.taking_part))})", t.h1))
    if hw.taking_part:
        story.append(
            t.para(
                "Hier sind Sie als Akteur*in genannt; die Umsetzung steuert die jeweils "
                "verantwortliche Stelle.",
                t.muted,
            )
        )
        story.extend(_homework_by_field(job, hw.taking_part, width, responsible=False))
    else:
        story.append(t.para("Bei keiner Maßnahme ist Ihre Institution als Akteur*in eingetragen.", t.body))
    # 3. Fields naming it as an actor
    story.append(CondPageBreak(6 * cm))
    story.append(Bookmark("Handlungsfelder, die Sie nennen", "fields", 0, toc=False))
    story.append(t.para(f"Handlungsfelder, die Sie als Akteur*in nennen ({num(len(hw.fields))})", t.h1))
    if hw.fields:
        story.append(
            t.para(
                "In diesen Handlungsfeldern zählt das Konzept Ihre Institution zu den Akteur*innen. "
                "Die Arbeitsgruppe freut sich über Ihre Mitarbeit an den Zielen.",
                t.muted,
            )
        )
        for f, mention in hw.fields:
            story.extend(_homework_field(job, f, mention, name, width))
    else:
        story.append(t.para("Kein Handlungsfeld nennt Ihre Institution in seiner Akteursliste.", t.body))
    story.append(Spacer(0, 0.5 * cm))
    story.append(_homework_legend(job, width))
    return _build(job, doc, story, f"Hausaufgabenheft · {name}", cover=True)


def _homework_letter(job: _Job, hw: Homework) -> list[Flowable]:
    t, data, p = job.t, job.data, job.data.properties
    overdue = hw.overdue(job.stand)
    sender = p.get("author") or f"{ORG_NAME} – Amt für Integration"
    out: list[Flowable] = [
        Spacer(0, 1.0 * cm),
        t.para(sender, ParagraphStyle("sender", parent=t.small, textColor=MUTED)),
        Spacer(0, 1.2 * cm),
        t.para(hw.name, ParagraphStyle("to", parent=t.h2, textColor=colors.black)),
        Spacer(0, 1.0 * cm),
        t.markup(f"Stand: {format_date(job.stand)}", ParagraphStyle("date", parent=t.body, alignment=2)),
        Spacer(0, 0.4 * cm),
        t.markup("Hausaufgabenheft", ParagraphStyle("kicker", parent=t.h3, textColor=MUTED)),
        t.para("Ihre Aufgaben im Kommunalen Integrationskonzept", t.h1),
        t.para("Sehr geehrte Damen und Herren,", t.body),
        Spacer(0, 0.2 * cm),
    ]
    decided = format_date(p.get("council_decision_date"))
    intro = f"das Konzept „{job.concept_name}“"
    intro += f" hat der Stadtrat am {decided} beschlossen." if decided else " ist beschlossen."
    intro += (
        " Es wurde mit vielen Institutionen gemeinsam erarbeitet, und seine Umsetzung lebt davon, dass "
        "jede Stelle weiß, was sie übernommen hat. Dieses Heft stellt zusammen, wo Ihre Institution "
        "im Konzept genannt ist:"
    )
    body = ParagraphStyle("letter", parent=t.body, spaceAfter=6, leading=t.body.leading * 1.1)
    out.append(t.para(intro, body))
    bullet = ParagraphStyle("lb", parent=body, leftIndent=14, bulletIndent=3, spaceAfter=3)
    resp = f"verantwortlich für {count(len(hw.responsible), 'Maßnahme')}"
    if overdue:
        resp += f" (davon {num(len(overdue))} überfällig)"
    for line in (
        resp,
        f"beteiligt als Akteur*in an {count(len(hw.taking_part), 'Maßnahme')}",
        f"genannt als Akteur*in in {count(len(hw.fields), 'Handlungsfeld')}",
    ):
        out.append(Paragraph(t.esc(line), bullet, bulletText="•"))
    out.append(Spacer(0, 0.2 * cm))
    out.append(
        t.para(
            "Bitte sehen Sie Ihre Maßnahmen durch: Stimmen Zeitraum, Partner*innen und Status noch? "
            "Was brauchen Sie für die Umsetzung? Wo eine Maßnahme überfällig ist, steht es dabei. "
            "Ihre Rückmeldung nehmen wir gern entgegen, am einfachsten mit Notizen in diesem Heft.",
            body,
        )
    )
    out.append(t.para("Vielen Dank für Ihre Mitarbeit!", body))
    out.append(Spacer(0, 0.3 * cm))
    out.append(t.para("Mit freundlichen Grüßen", body))
    out.append(t.para(sender, body))
    _ = data
    return out


def _homework_by_field(
    job: _Job, measures: list[MeasureRow], width: float, *, responsible: bool
) -> list[Flowable]:
    t = job.t
    out: list[Flowable] = []
    for f in job.data.fields:
        mine = [m for m in measures if m.field is f]
        if not mine:
            continue
        heading = f"Handlungsfeld {f.number}: {f.title}"
        key = f"{'r' if responsible else 'p'}-field-{f.number}"
        out.append(CondPageBreak(4 * cm))
        out.append(Bookmark(t.plain(heading), key, 1, toc=False))
        out.append(t.para(heading, t.h2))
        for m in mine:
            out.append(KeepTogether([_homework_card(job, m, width, responsible=responsible)]))
            out.append(Spacer(0, 0.3 * cm))
    return out


def _homework_card(job: _Job, m: MeasureRow, width: float, *, responsible: bool) -> Table:
    """One measure as a card: its title row repeats when the card continues on the next page."""
    t = job.t
    label_w = 4.2 * cm
    st = _status(job, m.status)
    head: list[Flowable] = [t.lit(f"{m.number} {m.title.strip() or '(ohne Titel)'}", t.l_bold)]
    if m.goal is not None:
        head.append(t.lit(f"Ziel {m.goal.number}: {m.goal.title}", t.l_small))
    if m.is_example:
        head.append(t.lit("[Beispiel]", t.l_example))
    rows: list[list[Any]] = [[head, ""]]
    period = " – ".join(x for x in (m.start.strip(), m.end.strip()) if x) or "–"
    entries: list[tuple[str, str]] = [("Beschreibung", m.description), ("Zielgruppe", m.target_group)]
    if not responsible:
        entries.append(("verantwortlich", m.responsible))
    entries += [
        ("Was wird benötigt?", m.needs),
        ("Partner*innen", "; ".join(m.actors)),
        ("Zeitraum", period if m.start.strip() or not m.end.strip() else f"bis {m.end}"),
        ("Indikator (Erfolg)", m.success_indicator),
    ]
    if m.priority_label.strip():
        entries.append(("Priorität", m.priority_label))
    for label, value in entries:
        rows.append([t.lit(label, t.l_muted), t.lit(_dash(value))])
    rows.append([t.lit("Status", t.l_muted), status_cell(t, st)])
    status_row = len(rows) - 1
    late = overdue_text(m, job.stand)
    style = _card_style(status_row, st)
    if late:
        rows.append(
            [t.lit("Achtung", t.l_bold), t.lit(late, t.l_bold.with_color(colors.HexColor("#9C0006")))]
        )
        style.append(("BACKGROUND", (0, len(rows) - 1), (-1, len(rows) - 1), colors.HexColor("#FFE3E3")))
    if responsible:
        rows.append([t.lit("Ihre Notizen", t.l_muted), Spacer(0, 1.2 * cm)])
    table = Table(
        cell_lists(rows), colWidths=[label_w, width - label_w], splitInRow=1, repeatRows=1, hAlign="LEFT"
    )
    table.setStyle(TableStyle(style))
    return table


def _homework_field(job: _Job, f: FieldRow, mention: str, name: str, width: float) -> list[Flowable]:
    t = job.t
    heading = f"Handlungsfeld {f.number}: {f.title}"
    out: list[Flowable] = [
        CondPageBreak(4 * cm),
        Bookmark(t.plain(heading), f"a-field-{f.number}", 1, toc=False),
    ]
    out.append(t.para(heading, t.h2))
    if _norm_name(mention) != _norm_name(name):
        out.append(t.markup(f"Genannt als „{t.esc(mention)}“.", t.small))
    if f.working_group.strip():
        out.append(t.markup(f"<b>Arbeitsgruppe:</b> {t.esc(f.working_group)}", t.body))
    out.append(
        t.para(
            f"{entered(len(f.goals), f.adopted_goals, 'Ziel')}, "
            f"{entered(len(f.measures()), f.adopted_measures, 'Maßnahme')}",
            t.small,
        )
    )
    if f.goals:
        rows: list[list[Any]] = [[t.lit(n, t.l_bold) for n in ("Nr.", "Ziel", "Maßnahmen")]]
        for g in f.goals:
            rows.append(
                [
                    t.lit(g.number, t.l_bold),
                    t.lit(g.title or "(ohne Titel)"),
                    t.lit(num(len(g.measures)), t.l_center),
                ]
            )
        out.append(data_table(rows, _widths(width, [1.3, 14.0, 2.2]), grid_style(t)))
    return out


def _norm_name(text: str) -> str:
    return " ".join(text.split()).casefold()


def _homework_legend(job: _Job, width: float) -> Flowable:
    t, data = job.t, job.data
    keys = status_keys_in_order(data, status_counts(data.measures()))
    return KeepTogether(
        [
            t.para("Statuslegende", t.h3),
            legend_table(t, [data.status_style(k) for k in keys], width=min(width, 16 * cm)),
        ]
    )


def homework_set_names(data: ReportData) -> list[str]:
    """Every institution a booklet is written for with ``--alle``."""
    return known_institution_names(data)


def _file_part(name: str) -> str:
    cleaned = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', " ", name)
    cleaned = " ".join(cleaned.split()).strip(" .")
    return cleaned[:80].rstrip(" .") or "Institution"


def write_homework_set(
    data: ReportData, folder: str | os.PathLike[str], options: PrintOptions | None = None
) -> tuple[PrintResult, list[PrintResult]]:
    """One booklet per institution in `folder` and an overview PDF; returns (overview, booklets)."""
    options = options or PrintOptions()
    target = Path(folder)
    if not target.is_dir():
        raise ReportError(f"Den Ordner „{target}“ gibt es nicht.")
    stand = options.stand or date.today()
    results: list[PrintResult] = []
    rows: list[tuple[Homework, str]] = []
    used: set[str] = set()
    for name in homework_set_names(data):
        base = _file_part(name)
        stem, n = f"Hausaufgabenheft {base}", 2
        while stem.casefold() in used:
            stem, n = f"Hausaufgabenheft {base} ({n})", n + 1
        used.add(stem.casefold())
        opts = PrintOptions(institution=name, stand=stand)
        results.append(write_pdf(data, "hausaufgaben", target / f"{stem}.pdf", opts))
        rows.append((homework_of(data, name), f"{stem}.pdf"))
    overview = _write_with(
        data,
        "hausaufgaben",
        target / "Hausaufgabenhefte – Übersicht.pdf",
        PrintOptions(stand=stand),
        lambda job, fn: _build_homework_overview(job, fn, rows),
    )
    return overview, results


def _build_homework_overview(job: _Job, filename: str, rows: list[tuple[Homework, str]]) -> int:
    t = job.t
    doc = _make_doc(
        job, filename, "hausaufgaben", "Hausaufgabenhefte: Übersicht aller Institutionen", first="landscape"
    )
    doc.title = t.plain(f"Hausaufgabenhefte – Übersicht – {job.concept_name}")
    width = doc.frame_width("landscape")
    story: list[Flowable] = [t.para("Hausaufgabenhefte – Übersicht", t.title)]
    with_tasks = sum(1 for hw, _ in rows if hw.responsible or hw.taking_part or hw.fields)
    story.append(
        t.para(
            f"{count(len(rows), 'Institution')}, davon {num(with_tasks)} mit Aufgaben · "
            f"Stand {format_date(job.stand)}",
            t.body,
        )
    )
    story.append(Spacer(0, 0.3 * cm))
    head = ["Institution", "verantwortlich", "davon überfällig", "Akteur*in", "Handlungsfelder", "Datei"]
    table_rows: list[list[Any]] = [[t.lit(h, t.l_bold) for h in head]]
    style = grid_style(t)
    for r, (hw, file) in enumerate(rows, start=1):
        late = len(hw.overdue(job.stand))
        table_rows.append(
            [
                t.lit(hw.name),
                t.lit(num(len(hw.responsible)), t.l_center),
                t.lit(num(late), t.l_center_bold if late else t.l_center),
                t.lit(num(len(hw.taking_part)), t.l_center),
                t.lit(num(len(hw.fields)), t.l_center),
                t.lit(file, t.l_small),
            ]
        )
        if late:
            style.append(("BACKGROUND", (2, r), (2, r), colors.HexColor("#FFE3E3")))
    story.append(data_table(table_rows, _widths(width, [7.5, 2.7, 2.5, 2.3, 3.2, 8.0]), style, long=True))
    return _build(job, doc, story, "Hausaufgabenhefte – Übersicht")


# --- status ---------------------------------------------------------------------------------------


EMPTY_LIST_TEXT = {
    "at_risk": "Keine Maßnahme ist als gefährdet markiert.",
    "overdue": "Keine Maßnahme ist überfällig.",
    "starting_soon": "In diesem Zeitraum beginnt keine Maßnahme.",
    "without_responsible": "Jede Maßnahme hat eine Verantwortliche.",
    "goals_without_indicator": "Jedes Ziel hat einen Indikator.",
    "without_success_indicator": "Jede Maßnahme hat einen Erfolgsindikator.",
}


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
    # Overview: chart, table, legend once
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
                t,
                [(f"{f.number}. {f.title}", c) for f, c in per_field],
                styles,
                min(width, 24 * cm),
                legend=False,
                adopted=[f.adopted_measures for f, _ in per_field],
            )
        )
        story.append(Spacer(0, 0.4 * cm))
    story.append(_count_table(job, per_field, total, styles, width))
    story.append(Spacer(0, 0.3 * cm))
    story.append(
        KeepTogether([t.para("Statuslegende", t.h3), legend_table(t, styles, width=min(width, 20 * cm))])
    )
    # The lists of `kik-desktop status`
    today = job.stand
    first, last = soon_range(today)
    for name, entries in action_lists(data, today).items():
        title = LIST_TITLES[name]
        if name == "starting_soon":
            title += f" ({first} bis {last})"
        story.append(CondPageBreak(4 * cm))
        story.append(Bookmark(t.plain(LIST_TITLES[name]), f"list-{name}", 0, toc=False))
        story.append(t.para(f"{title} ({num(len(entries))})", t.h1))
        if name == "overdue":
            story.append(
                t.para(f"Umsetzung bis vor {_month_text(today)} geplant, aber nicht „umgesetzt“.", t.muted)
            )
        if name == "goals_without_indicator":
            story.append(_goal_list(job, entries, width, EMPTY_LIST_TEXT[name]))
        else:
            found = [e.measure for e in entries if e.measure is not None]
            story.append(_status_list(job, found, width, EMPTY_LIST_TEXT[name]))
    if opts.since is not None:
        story.append(CondPageBreak(4 * cm))
        story.append(Bookmark("Änderungen", "changes", 0, toc=False))
        story.extend(_changes(job, opts.since, width))
    return _build(job, doc, story, "Statusbericht")


def _goal_list(job: _Job, entries: list[ListEntry], width: float, empty: str) -> Flowable:
    t = job.t
    if not entries:
        return t.para(empty, t.body)
    rows: list[list[Any]] = [[t.lit(n, t.l_bold) for n in ("Nr.", "Ziel", "Handlungsfeld")]]
    field_of = {id(g): f for f in job.data.fields for g in f.goals}
    for e in entries:
        f = field_of.get(id(e.goal))
        rows.append(
            [
                t.lit(e.number, t.l_bold),
                t.lit(e.title or "(ohne Titel)"),
                t.lit(f"{f.number}. {f.title}" if f else ""),
            ]
        )
    return data_table(rows, _widths(width, [1.3, 14.0, 6.0]), grid_style(t))


def _month_text(d: date) -> str:
    return f"{d.month:02d}/{d.year}"


def _count_table(
    job: _Job,
    per_field: list[tuple[FieldRow, dict[str, int]]],
    total: dict[str, int],
    styles: list[StatusStyle],
    width: float,
) -> Table:
    """Fields × statuses (symbol and short name as heads), the sum, and entered against adopted."""
    t, data = job.t, job.data
    k = t.size / 9  # the poster prints the same table in larger type
    name_w = min(6.5 * cm * k, width * 0.25)
    sum_w = 1.6 * cm * k
    of_w = 2.3 * cm * k
    col_w = (width - name_w - sum_w - 2 * of_w) / max(len(styles), 1)
    head: list[Any] = [t.lit("Handlungsfeld", t.l_bold)]
    style = grid_style(t)
    for c, st in enumerate(styles, start=1):
        head.append(t.lit(st.marked, t.l_center_bold.with_color(text_color_on(hex_color(st.color)))))
        style.append(status_fill(c, 0, st))
    head.append(t.lit("Summe", t.l_center_bold))
    head.append(t.lit("Maßnahmen erfasst", t.l_center_bold))
    head.append(t.lit("Ziele erfasst", t.l_center_bold))
    rows: list[list[Any]] = [head]

    def of(n: int, adopted: int | None) -> str:
        return num(n) if adopted is None else f"{num(n)} von {num(adopted)}"

    for f, counts in per_field:
        row: list[Any] = [t.lit(f"{f.number}. {f.title}")]
        row += [t.lit(num(counts.get(st.key, 0)), t.l_center) for st in styles]
        row.append(t.lit(num(sum(counts.values())), t.l_center_bold))
        row.append(t.lit(of(len(f.measures()), f.adopted_measures), t.l_center))
        row.append(t.lit(of(len(f.goals), f.adopted_goals), t.l_center))
        rows.append(row)
    tot: list[Any] = [t.lit("Gesamt", t.l_bold)]
    tot += [t.lit(num(total.get(st.key, 0)), t.l_center_bold) for st in styles]
    tot.append(t.lit(num(sum(total.values())), t.l_center_bold))
    tot.append(t.lit(of(len(data.measures()), data.adopted_measures()), t.l_center_bold))
    tot.append(t.lit(of(data.goal_count(), data.adopted_goals()), t.l_center_bold))
    rows.append(tot)
    style.append(("LINEABOVE", (0, -1), (-1, -1), 1.2, colors.black))
    style.append(("BACKGROUND", (0, -1), (-1, -1), SECTION_FILL))
    style.append(("VALIGN", (1, 1), (-1, -1), "MIDDLE"))
    return data_table(rows, [name_w] + [col_w] * len(styles) + [sum_w, of_w, of_w], style)


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
    out.append(t.para(f"Statusänderungen ({num(len(changes))})", t.h2))
    if changes:
        widths = _widths(width, [2.2, 1.3, 9.0, 5.0, 5.0])
        rows: list[list[Any]] = [
            [t.lit(n, t.l_bold) for n in ("Datum", "Nr.", "Maßnahme", "vorher", "jetzt")]
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
    out.append(t.para(f"Bearbeitete Maßnahmen ({num(len(edited))})", t.h2))
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
    head = [t.lit(c, t.l_bold) for c in TABLE_COLUMNS]
    for f in data.fields:
        heading = f"Handlungsfeld {f.number}: {f.title}"
        story.append(CondPageBreak(5 * cm))
        story.append(Bookmark(t.plain(heading), f"field-{f.number}", 0, toc=False))
        story.append(t.para(heading, t.h2))
        rows: list[list[Any]] = []
        row_styles: list[list[tuple[Any, ...]]] = []
        conts: list[tuple[Any, bool]] = []
        goal_line = ("LINEABOVE", 0, -1, 1.0, colors.HexColor("#606060"))
        for g in f.goals:
            goal_cell = [
                OutlineMark(t.plain(f"Ziel {g.number}: {g.title}"), f"goal-{g.number}", 1),
                t.lit(f"{g.number} {g.title}"),
            ]
            ind_cell = t.cell_text(g.indicator)
            # On a page that starts inside this goal: its text again, marked as continued.
            cont_cell = [t.lit(f"{g.number} {_clip(g.title, 80)}"), t.lit("(Fortsetzung)", t.l_muted)]
            if not g.measures:
                rows.append([goal_cell, ind_cell] + [""] * 10)
                row_styles.append([goal_line])
                conts.append((cont_cell, True))
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
                conts.append((cont_cell, i == 0))
                fill = ("BACKGROUND", 11, 11, hex_color(st.color))
                row_styles.append([fill, goal_line] if i == 0 else [fill])
        if rows:
            story.append(
                ChunkedTable(list(head), rows, row_styles, widths, grid_style(t), continuation=conts)
            )
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


# --- poster ---------------------------------------------------------------------------------------


def build_poster(job: _Job, filename: str) -> int:
    """One landscape page for the wall: field × status matrix, bars per field against what the council
    adopted, the lists to act on (short), the legend and the date, in large type."""
    data, opts = job.data, job.options
    paper = (opts.paper or "A3").upper()
    if paper == "A4":
        paper = "A3"  # PrintOptions' default paper is the tables' A4; the smallest poster is A3
    if paper not in POSTER_FORMATS:
        raise ReportError(f"Postergröße „{opts.paper}“ wird nicht unterstützt (A3, A2 oder A1).")
    base = POSTER_BASE[paper]
    job.t = t = Text(base)
    doc = _make_doc(
        job, filename, "poster", f"Wandposter der Gesamtschau ({paper} quer)", paper=paper, first="landscape"
    )
    width = doc.frame_width("landscape")
    story: list[Flowable] = [Bookmark("Gesamtschau", "overview", 0, toc=False)]
    story.append(
        t.para(
            f"Gesamtschau der Umsetzung – {job.concept_name}",
            ParagraphStyle("pt", parent=t.title, fontSize=base * 2.0, leading=base * 2.4),
        )
    )
    measures = data.measures()
    story.append(
        t.para(
            f"Stand {format_date(job.stand)} · "
            f"{entered(len(measures), data.adopted_measures(), 'Maßnahme')} · "
            f"{entered(data.goal_count(), data.adopted_goals(), 'Ziel')}",
            ParagraphStyle(
                "pk", parent=t.h2, fontSize=base * 1.3, leading=base * 1.6, textColor=colors.black
            ),
        )
    )
    story.append(Spacer(0, base * 0.6))
    total = status_counts(measures)
    per_field = [(f, status_counts(f.measures())) for f in data.fields]
    keys = status_keys_in_order(data, total)
    styles = [data.status_style(k) for k in keys]
    story.append(_count_table(job, per_field, total, styles, width))
    story.append(Spacer(0, base * 0.8))
    left_w = width * 0.55
    right_w = width - left_w - base
    left: list[Flowable] = [t.para("Maßnahmen je Handlungsfeld (erfasst von beschlossen)", t.h2)]
    if per_field:
        left.append(
            stacked_bars(
                t,
                [(f"{f.number}. {f.title}", c) for f, c in per_field],
                styles,
                left_w,
                legend=True,
                adopted=[f.adopted_measures for f, _ in per_field],
            )
        )
    right: list[Flowable] = [t.para("Was jetzt zu tun ist", t.h2)]
    first, last = soon_range(job.stand)
    limit = 3
    for name, entries in action_lists(data, job.stand).items():
        if name in ("goals_without_indicator", "without_success_indicator"):
            text = f"{LIST_TITLES[name]}: {num(len(entries))}"
            right.append(t.lit(text, t.l_bold))
            continue
        title = LIST_TITLES[name] + (f" ({first} bis {last})" if name == "starting_soon" else "")
        right.append(t.lit(f"{title}: {num(len(entries))}", t.l_bold))
        for e in entries[:limit]:
            right.append(t.lit(f"  {e.number}  {_clip(e.title or '(ohne Titel)', 60)}", t.l_cell))
        if len(entries) > limit:
            right.append(t.lit(f"  … und {num(len(entries) - limit)} weitere", t.l_muted))
        right.append(Spacer(0, base * 0.4))
    grid = Table([[left, right]], colWidths=[left_w + base, right_w], hAlign="LEFT")
    grid.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    story.append(grid)
    return _build(job, doc, story, f"Wandposter ({paper})")


_BUILDERS: dict[str, Callable[[_Job, str], int]] = {
    "bericht": build_bericht,
    "handout": build_handout,
    "hausaufgaben": build_hausaufgaben,
    "status": build_status,
    "tabelle": build_tabelle,
    "poster": build_poster,
}

__all__ = ["KINDS", "PrintOptions", "PrintResult", "ReportError", "write_homework_set", "write_pdf"]

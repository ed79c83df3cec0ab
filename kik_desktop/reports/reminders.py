"""Reminder letters (PDF) for dispatches that have not come back."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from kik_desktop.domain.dispatches import DispatchInfo
from kik_desktop.reports.fonts import FONT, FONT_BOLD, register_fonts


def _slug(text: str) -> str:
    keep = "".join(c if c.isalnum() else "_" for c in text)
    return "_".join(p for p in keep.split("_") if p)[:60] or "Versendung"


def write_reminder(info: DispatchInfo, out: Path, *, today: date | None = None, sender: str = "") -> Path:
    """One letter: to whom, what was sent when, by when it was due, whom to send it back to."""
    register_fonts()
    today = today or date.today()
    body = ParagraphStyle("body", fontName=FONT, fontSize=11, leading=15)
    head = ParagraphStyle("head", fontName=FONT_BOLD, fontSize=15, leading=19, spaceAfter=6)
    small = ParagraphStyle("small", fontName=FONT, fontSize=8, leading=10)
    back_to = info.contact or sender or "die KIK-Geschäftsstelle"
    if info.email:
        back_to += f" ({info.email})"
    story = [
        Paragraph(escape(f"Kempten, {today:%d.%m.%Y}"), body),
        Spacer(1, 12 * mm),
        Paragraph(escape(f"An: {info.recipient or '–'}"), body),
        Spacer(1, 8 * mm),
        Paragraph("Erinnerung: Rückmeldung zum Integrationskonzept", head),
        Paragraph("Sehr geehrte Damen und Herren,", body),
        Spacer(1, 3 * mm),
        Paragraph(
            escape(
                f"am {info.created_at:%d.%m.%Y} haben wir Ihnen den Rückmeldebogen „{info.file_name}“ "
                f"({info.scope_label}, {info.items} Maßnahmen) geschickt"
                + (f", mit der Bitte um Rückgabe bis {info.due}" if info.due else "")
                + ". Bis heute ist er noch nicht bei uns eingegangen."
            ),
            body,
        ),
        Spacer(1, 4 * mm),
        Paragraph(
            escape(
                f"Bitte senden Sie den ausgefüllten Bogen an {back_to}. "
                "Auch ein teilweise ausgefüllter Bogen hilft uns: "
                "Was Sie nicht ändern, bleibt so, wie es im Konzept steht."
            ),
            body,
        ),
        Spacer(1, 4 * mm),
        Paragraph("Vielen Dank für Ihre Mitarbeit!", body),
        Spacer(1, 20 * mm),
        Paragraph(escape(f"Kennung der Versendung: {info.uid}"), small),
    ]
    out.parent.mkdir(parents=True, exist_ok=True)
    SimpleDocTemplate(
        str(out),
        pagesize=A4,
        leftMargin=25 * mm,
        rightMargin=20 * mm,
        topMargin=25 * mm,
        bottomMargin=20 * mm,
        title=f"Erinnerung {info.recipient}",
    ).build(story)
    return out


def write_reminders(*, doc_path: Path | str, dispatches: list[DispatchInfo], folder: Path) -> list[Path]:
    """A letter for every outstanding dispatch into folder; returns the files."""
    out = []
    for d in dispatches:
        if d.outstanding:
            name = f"Erinnerung_{_slug(d.recipient or d.scope_label)}_{d.created_at:%Y-%m-%d}_{d.uid[:6]}.pdf"
            out.append(write_reminder(d, folder / name))
    return out

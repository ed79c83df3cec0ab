"""The indicator section of a goal in the report (bericht): target, latest value and whether on track."""

from __future__ import annotations

from datetime import date
from typing import Any

from reportlab.lib import colors
from reportlab.platypus import Flowable, Table, TableStyle

from kik_desktop.domain import indicators as ind

PROGRESS_COLORS = {
    ind.Progress.ON_TRACK: "#1f8a3b",
    ind.Progress.BEHIND: "#c62828",
    ind.Progress.STALE: "#8a6d00",
}


def row_from_dump(d: dict[str, Any]) -> ind.IndicatorRow:
    """An indicator as the dump writes it (``dump_plan``), back as a row the on-track rule takes."""
    values = []
    for i, v in enumerate(d.get("values") or []):
        year, month = ind.parse_value_date(v["date"])
        values.append(ind.ValueRow(i, year, month, float(v["value"]), v.get("source", ""), v.get("note", "")))
    return ind.IndicatorRow(
        id=0,
        uid=d.get("uid", ""),
        owner_kind="goal",
        owner_id=0,
        position=0,
        name=d.get("name", ""),
        unit=d.get("unit", ""),
        baseline_value=d.get("baseline"),
        baseline_date=d.get("baseline_date", ""),
        target_value=d.get("target"),
        target_date=d.get("target_date", ""),
        direction=d.get("direction", "higher"),
        values=tuple(values),
    )


def _value(value: float | None, unit: str, when: str) -> str:
    if value is None:
        return "–"
    text = f"{ind.format_number(value)} {unit}".strip()
    return f"{text} ({when})" if when else text


def indicator_section(t: Any, indicators: list[dict[str, Any]], width: float, stand: date) -> list[Flowable]:
    """A table of the goal's indicators: name, baseline, target, latest value, state; empty without any."""
    if not indicators:
        return []
    head = ["Indikator", "Ausgangswert", "Ziel", "Ist-Wert", "Stand"]
    rows: list[list[Any]] = [[t.para(h, t.cell_head) for h in head]]
    styles: list[tuple[Any, ...]] = []
    for i, d in enumerate(indicators, start=1):
        row = row_from_dump(d)
        a = ind.assess(row, stand)
        latest = row.latest
        actual = _value(latest.value, row.unit, latest.date_text) if latest else "–"
        rows.append(
            [
                t.para(row.name, t.cell),
                t.para(_value(row.baseline_value, row.unit, row.baseline_date), t.cell),
                t.para(_value(row.target_value, row.unit, row.target_date), t.cell),
                t.para(actual, t.cell),
                t.para(a.label, t.cell),
            ]
        )
        color = PROGRESS_COLORS.get(a.progress)
        if color:
            styles.append(("TEXTCOLOR", (4, i), (4, i), colors.HexColor(color)))
            styles.append(("LINEBEFORE", (0, i), (0, i), 2.5, colors.HexColor(color)))
    share = (0.34, 0.16, 0.16, 0.18, 0.16)
    table = Table(rows, colWidths=[width * s for s in share], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9a9a9a")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e4e9f0")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                *styles,
            ]
        )
    )
    return [t.markup("<b>Indikatoren:</b>", t.body), table]

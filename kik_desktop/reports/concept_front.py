"""What the report's title page says about the edition: which document this one continues."""

from __future__ import annotations

from typing import Any

from kik_desktop.reports.layout import format_date


def predecessor_facts(t: Any, props: dict[str, str]) -> list[list[Any]]:
    """Rows for the title page's facts table (empty for a first edition)."""
    name = props.get("predecessor_name", "")
    if not name:
        return []
    rows: list[list[Any]] = []
    if props.get("edition"):
        rows.append([t.markup("<b>Fassung</b>"), t.para(props["edition"])])
    previous = f"„{name}“"
    if props.get("predecessor_edition"):
        previous += f" (Fassung {props['predecessor_edition']})"
    when = format_date(props.get("predecessor_created", "")[:10])
    if when:
        previous += f", fortgeschrieben am {when}"
    rows.append([t.markup("<b>Fortschreibung von</b>"), t.para(previous)])
    return rows

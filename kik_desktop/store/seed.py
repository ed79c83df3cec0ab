"""The six statuses every document starts with (schema data, so the store seeds them itself)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kik_desktop.models import Status
from kik_desktop.paths import resource


def default_statuses() -> list[dict[str, Any]]:
    """The statuses of the bundled default concept (resources/default_concept.json)."""
    data: dict[str, Any] = json.loads(resource("default_concept.json").read_text(encoding="utf-8"))
    statuses: list[dict[str, Any]] = data["statuses"]
    return statuses


def seed_statuses(s: Session) -> None:
    """The six statuses with the canonical labels and colours, where they are missing."""
    present = set(s.scalars(select(Status.key)))
    for pos, entry in enumerate(default_statuses()):
        if entry["key"] not in present:
            s.add(
                Status(
                    key=entry["key"],
                    position=pos,
                    label=entry["label"],
                    color=entry["color"],
                    short=entry.get("short", ""),
                    symbol=entry.get("symbol", ""),
                )
            )
    s.flush()

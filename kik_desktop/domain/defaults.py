"""The embedded default: a document made from the concept as the council presentation gives it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from kik_desktop.domain import plan
from kik_desktop.domain.working_groups import seed_default_groups
from kik_desktop.models import (
    CrossCuttingTask,
    DocumentProperty,
    FundingSource,
    Institution,
    SteeringMember,
)
from kik_desktop.paths import default_document_path, resource
from kik_desktop.store import Document, create_document
from kik_desktop.store.seed import seed_statuses

__all__ = [
    "STATUS_KEYS",
    "create_default_document",
    "default_concept",
    "populate_default",
    "resolve_document",
]

STATUS_KEYS = ("umgesetzt", "anfang", "mitte", "ende", "gefaehrdet", "zukuenftig")


def default_concept() -> dict[str, Any]:
    """The bundled default concept data (resources/default_concept.json)."""
    data: dict[str, Any] = json.loads(resource("default_concept.json").read_text(encoding="utf-8"))
    return data


def populate_default(s: Session) -> None:
    """Fill an empty document with the concept: fields, examples, registry, steering group, tasks."""
    data = default_concept()
    seed_statuses(s)
    for key, value in data["properties"].items():
        s.merge(DocumentProperty(key=key, value=value))
    for name in data["institutions"]:
        s.add(Institution(name=name))
    for pos, member in enumerate(data["steering_group"]):
        s.add(SteeringMember(position=pos, **member))
    for pos, title in enumerate(data["cross_cutting_tasks"]):
        s.add(CrossCuttingTask(position=pos, title=title))
    for source in data["funding_sources"]:
        s.add(FundingSource(**source))
    s.flush()
    for field_data in data["fields"]:
        field_values = {k: v for k, v in field_data.items() if k != "goals"}
        field_id = plan.create_item(s, "field", None, None, field_values)
        for goal_data in field_data["goals"]:
            goal_values = {k: v for k, v in goal_data.items() if k != "measures"}
            goal_id = plan.create_item(s, "goal", field_id, None, goal_values)
            for measure_data in goal_data["measures"]:
                values = dict(measure_data)
                values["status_key"] = values.pop("status", None)
                plan.create_item(s, "measure", goal_id, None, values)
    seed_default_groups(s)


def create_default_document(path: str | Path, *, overwrite: bool = False) -> Document:
    """Create a document at path from the embedded default; returns the open Document."""
    doc = create_document(path, overwrite=overwrite)
    with doc.transaction() as s:
        populate_default(s)
    return doc


def resolve_document(path: Path | None) -> Path:
    """The document to work on: the given path, or the default document (created if missing)."""
    if path is not None:
        return path
    default = default_document_path()
    if not default.exists():
        create_default_document(default).close()
    return default

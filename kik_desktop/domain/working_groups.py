"""Working groups (Arbeitsgruppen): the field(s) they cover, their members from the registry, a contact.

Writes return ``ChangeSet``s (kind "working_group")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kik_desktop.domain import changes
from kik_desktop.domain.changes import ChangeSet
from kik_desktop.domain.plan import PlanError
from kik_desktop.models import Field, Institution, WorkingGroup


@dataclass(frozen=True)
class GroupInfo:
    id: int
    name: str
    fields: tuple[str, ...]  # field numbers ("2")
    field_ids: tuple[int, ...]
    members: tuple[str, ...]
    contact: str
    email: str


def _field_numbers(s: Session) -> dict[int, str]:
    ids = s.scalars(select(Field.id).order_by(Field.position, Field.id))
    return {fid: str(n) for n, fid in enumerate(ids, start=1)}


def list_groups(s: Session) -> list[GroupInfo]:
    numbers = _field_numbers(s)
    out = []
    for g in s.scalars(select(WorkingGroup).order_by(WorkingGroup.position, WorkingGroup.id)):
        out.append(
            GroupInfo(
                g.id,
                g.name,
                tuple(numbers[f.id] for f in g.fields if f.id in numbers),
                tuple(f.id for f in g.fields),
                tuple(i.name for i in g.members),
                g.contact,
                g.email,
            )
        )
    return out


def find_group(s: Session, name: str) -> GroupInfo | None:
    wanted = " ".join(name.split()).casefold()
    return next((g for g in list_groups(s) if g.name.casefold() == wanted), None)


def dump_groups(s: Session) -> list[dict[str, Any]]:
    """``"working_groups"`` of ``dump``."""
    return [
        {
            "name": g.name,
            "fields": list(g.fields),
            "members": list(g.members),
            "contact": g.contact,
            "email": g.email,
        }
        for g in list_groups(s)
    ]


def _apply(s: Session, group: WorkingGroup, values: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    if "name" in values:
        name = " ".join(str(values["name"]).split())
        if not name:
            raise PlanError("Eine Arbeitsgruppe braucht einen Namen.")
        clash = s.scalar(
            select(WorkingGroup.id).where(
                func.lower(WorkingGroup.name) == name.lower(), WorkingGroup.id != group.id
            )
        )
        if clash is not None:
            raise PlanError(f"Eine Arbeitsgruppe „{name}“ gibt es schon.")
        group.name = clean["name"] = name
    for key in ("contact", "email"):
        if key in values:
            text = str(values[key] or "").strip()
            if key == "email" and text and ("@" not in text or " " in text):
                raise PlanError(f"„{text}“ ist keine E-Mail-Adresse.")
            setattr(group, key, text)
            clean[key] = text
    if "field_ids" in values:
        ids = [int(i) for i in values["field_ids"]]
        group.fields = list(s.scalars(select(Field).where(Field.id.in_(ids)))) if ids else []
        clean["field_ids"] = tuple(sorted(ids))
    if "members" in values:
        names = [str(n) for n in values["members"]]
        found = {i.name: i for i in s.scalars(select(Institution).where(Institution.name.in_(names)))}
        unknown = [n for n in names if n not in found]
        if unknown:
            raise PlanError("Nicht im Verzeichnis der Institutionen: " + ", ".join(f"„{n}“" for n in unknown))
        group.members = [found[n] for n in names]
        clean["members"] = tuple(names)
    return clean


def create_group(s: Session, values: dict[str, Any]) -> tuple[int, ChangeSet]:
    position = int(s.scalar(select(func.coalesce(func.max(WorkingGroup.position) + 1, 0))) or 0)
    group = WorkingGroup(name="", position=position, contact="", email="")
    clean = _apply(s, group, {"name": "", **values})
    s.add(group)
    s.flush()
    return group.id, ChangeSet.of([changes.created("working_group", group.id, None, position, clean)])


def update_group(s: Session, group_id: int, values: dict[str, Any]) -> ChangeSet:
    group = s.get(WorkingGroup, group_id)
    if group is None:
        raise PlanError("Die Arbeitsgruppe gibt es nicht mehr.")
    clean = _apply(s, group, values)
    s.flush()
    return ChangeSet.of([changes.updated("working_group", group_id, clean)])


def delete_group(s: Session, group_id: int) -> ChangeSet:
    group = s.get(WorkingGroup, group_id)
    if group is None:
        return ChangeSet()
    s.delete(group)
    s.flush()
    return ChangeSet.of([changes.deleted("working_group", group_id)])


def seed_default_groups(s: Session) -> ChangeSet:
    """One group per field ("AG <field>") with the field's actors that are in the registry as members."""
    known = {" ".join(n.split()).casefold(): n for n in s.scalars(select(Institution.name))}
    result = ChangeSet()
    existing = {g.name for g in list_groups(s)}
    for f in s.scalars(select(Field).order_by(Field.position, Field.id)):
        name = f"AG {f.name}".strip()
        if name in existing:
            continue
        actors = [" ".join(a.split()) for a in (f.actors or "").replace(";", "\n").splitlines()]
        members = list(dict.fromkeys(known[a.casefold()] for a in actors if a.casefold() in known))
        _gid, cs = create_group(s, {"name": name, "field_ids": [f.id], "members": members})
        result = result + cs
    return result

"""Read-only views of the plan that the window, the command line and the reports share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kik_desktop.domain.plan import PRIORITIES, number_text
from kik_desktop.domain.working_groups import dump_groups
from kik_desktop.models import (
    CrossCuttingTask,
    DocumentProperty,
    Field,
    FundingSource,
    Institution,
    Status,
    SteeringMember,
    measure_task,
)

MEASURE_TEXT_COLUMNS = (
    "title",
    "description",
    "target_group",
    "responsible",
    "actors",
    "needs",
    "start",
    "end",
    "success_indicator",
    "funding",
    "notes",
)


@dataclass(frozen=True)
class StatusInfo:
    key: str
    label: str
    color: str
    short: str = ""
    symbol: str = ""

    @property
    def short_label(self) -> str:
        """The short name, or the label where the document has none."""
        return self.short or self.label


def statuses(s: Session) -> list[StatusInfo]:
    return [
        StatusInfo(r.key, r.label, r.color, r.short, r.symbol)
        for r in s.scalars(select(Status).order_by(Status.position))
    ]


def institution_names(s: Session) -> list[str]:
    return list(s.scalars(select(Institution.name).order_by(Institution.name)))


def properties(s: Session) -> dict[str, str]:
    return {p.key: p.value for p in s.scalars(select(DocumentProperty))}


def split_names(text: str) -> list[str]:
    """The entries of a responsible/actors text: one per line or separated by semicolons."""
    out: list[str] = []
    for line in text.replace(";", "\n").splitlines():
        name = line.strip().strip(",").strip()
        if name:
            out.append(name)
    return out


def dump_plan(s: Session) -> dict[str, Any]:
    """The whole document as plain data with stable English keys (``kik-desktop dump``)."""
    from kik_desktop.domain.indicators import indicators_by_owner
    from kik_desktop.domain.snapshots import list_snapshots

    indicators = indicators_by_owner(s)
    status_rows = statuses(s)
    status_labels = {st.key: st.label for st in status_rows}
    tasks_by_id = {t.id: t.title for t in s.scalars(select(CrossCuttingTask))}
    tasks_of: dict[int, list[str]] = {}
    for r in s.execute(select(measure_task.c.measure_id, measure_task.c.task_id)):
        tasks_of.setdefault(r.measure_id, []).append(tasks_by_id[r.task_id])
    out_fields: list[dict[str, Any]] = []
    for fi, f in enumerate(s.scalars(select(Field).order_by(Field.position, Field.id)), start=1):
        goals_out: list[dict[str, Any]] = []
        for gi, g in enumerate(f.goals, start=1):
            measures_out: list[dict[str, Any]] = []
            for mi, m in enumerate(g.measures, start=1):
                measures_out.append(
                    {
                        "number": number_text((fi, gi, mi)),
                        "uid": m.uid,
                        "title": m.title,
                        "description": m.description,
                        "target_group": m.target_group,
                        "responsible": m.responsible,
                        "actors": split_names(m.actors),
                        "needs": m.needs,
                        "start": m.start,
                        "end": m.end,
                        "success_indicator": m.success_indicator,
                        "status": m.status_key,
                        "status_label": status_labels.get(m.status_key or "", ""),
                        "priority": m.priority,
                        "priority_label": PRIORITIES.get(m.priority or 0, ""),
                        "cross_cutting_tasks": sorted(
                            tasks_of.get(m.id, []), key=list(tasks_by_id.values()).index
                        ),
                        "funding": m.funding,
                        "notes": m.notes,
                        "is_example": m.is_example,
                        "indicators": indicators.get(("measure", m.id), []),
                    }
                )
            goals_out.append(
                {
                    "number": number_text((fi, gi)),
                    "uid": g.uid,
                    "title": g.title,
                    "description": g.description,
                    "indicator": g.indicator,
                    "is_example": g.is_example,
                    "indicators": indicators.get(("goal", g.id), []),
                    "measures": measures_out,
                }
            )
        out_fields.append(
            {
                "number": number_text((fi,)),
                "uid": f.uid,
                "title": f.name,
                "description": f.description,
                "adopted_goals": f.adopted_goals,
                "adopted_measures": f.adopted_measures,
                "working_group": f.working_group,
                "actors": split_names(f.actors),
                "goals": goals_out,
            }
        )
    from kik_desktop.domain.edition import add_origins

    return add_origins(
        s,
        {
            "properties": properties(s),
            "statuses": [
                {"key": st.key, "label": st.label, "short": st.short, "color": st.color, "symbol": st.symbol}
                for st in status_rows
            ],
            "fields": out_fields,
            "institutions": [
                {"name": i.name, "short_name": i.short_name, "notes": i.notes}
                for i in s.scalars(select(Institution).order_by(Institution.name))
            ],
            "steering_group": [
                {"area": m.area, "role": m.role, "members": m.members}
                for m in s.scalars(select(SteeringMember).order_by(SteeringMember.position))
            ],
            "cross_cutting_tasks": [
                t.title for t in s.scalars(select(CrossCuttingTask).order_by(CrossCuttingTask.position))
            ],
            "funding_sources": [
                {"name": fs.name, "kind": fs.kind, "notes": fs.notes}
                for fs in s.scalars(select(FundingSource).order_by(FundingSource.name))
            ],
            "working_groups": dump_groups(s),
            "snapshots": [{"label": x.label, "date": x.day.isoformat()} for x in list_snapshots(s)],
        },
    )

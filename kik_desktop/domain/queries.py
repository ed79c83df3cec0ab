"""Read-only views of the plan that the window, the command line and the reports share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kik_desktop.domain.plan import PRIORITIES
from kik_desktop.models import (
    CrossCuttingTask,
    DocumentProperty,
    Field,
    FundingSource,
    Goal,
    Institution,
    Measure,
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


@dataclass
class TreeRow:
    """One node of the plan tree as the views need it: ids, order, title, status, search text."""

    kind: str
    id: int
    parent_id: int | None
    title: str
    status_key: str | None = None
    is_example: bool = False
    search_text: str = ""
    children: list[TreeRow] = field(default_factory=list)


@dataclass
class PlanRows:
    """The tree as plain tuples, straight from SQLite: the fastest way to build a view of 10,000 rows.

    fields: (id, name, search text); goals: (id, field id, title, is_example, search text);
    measures: (id, goal id, title, status key, is_example, search text); each in tree order.
    """

    fields: list[tuple[int, str, str]]
    goals: list[tuple[int, int, str, bool, str]]
    measures: list[tuple[int, int, str, str | None, bool, str]]


def plan_rows(s: Session) -> PlanRows:
    conn = s.connection()
    fields = [
        (r[0], r[1], f"{r[1]} {r[2]} {r[3]} {r[4]}".lower())
        for r in conn.exec_driver_sql(
            "SELECT id, name, description, working_group, actors FROM field ORDER BY position, id"
        )
    ]
    goals = [
        (r[0], r[1], r[2], bool(r[3]), f"{r[2]} {r[4]} {r[5]}".lower())
        for r in conn.exec_driver_sql(
            "SELECT id, field_id, title, is_example, description, indicator FROM goal ORDER BY position, id"
        )
    ]
    cols = ", ".join(f'"{c}"' for c in MEASURE_TEXT_COLUMNS)
    result = conn.exec_driver_sql(
        f"SELECT id, goal_id, status_key, is_example, {cols} FROM measure ORDER BY position, id"
    )
    # PostgreSQL: fetchall is one call into the driver instead of one per row (a third faster there).
    rows = result if conn.dialect.name == "sqlite" else result.fetchall()
    measures = [(r[0], r[1], r[4], r[2], bool(r[3]), " ".join(t or "" for t in r[4:]).lower()) for r in rows]
    return PlanRows(fields, goals, measures)


def load_tree(s: Session) -> list[TreeRow]:
    """The whole tree as nested rows, ordered by position; search text lower-cased."""
    rows = plan_rows(s)
    fields = [TreeRow("field", fid, None, name, search_text=text) for fid, name, text in rows.fields]
    by_field = {f.id: f for f in fields}
    goals: dict[int, TreeRow] = {}
    for gid, field_id, title, example, text in rows.goals:
        goals[gid] = TreeRow("goal", gid, field_id, title, is_example=example, search_text=text)
        by_field[field_id].children.append(goals[gid])
    for mid, goal_id, title, status_key, example, text in rows.measures:
        goals[goal_id].children.append(
            TreeRow(
                "measure", mid, goal_id, title, status_key=status_key, is_example=example, search_text=text
            )
        )
    return fields


def tree_row(s: Session, kind: str, item_id: int) -> TreeRow:
    """One node (without children) freshly from the database."""
    if kind == "field":
        f = s.get_one(Field, item_id)
        return TreeRow(
            "field",
            f.id,
            None,
            f.name,
            search_text=" ".join([f.name, f.description, f.working_group, f.actors]).lower(),
        )
    if kind == "goal":
        g = s.get_one(Goal, item_id)
        return TreeRow(
            "goal",
            g.id,
            g.field_id,
            g.title,
            is_example=g.is_example,
            search_text=" ".join([g.title, g.description, g.indicator]).lower(),
        )
    m = s.get_one(Measure, item_id)
    return TreeRow(
        "measure",
        m.id,
        m.goal_id,
        m.title,
        status_key=m.status_key,
        is_example=m.is_example,
        search_text=" ".join(getattr(m, c) or "" for c in MEASURE_TEXT_COLUMNS).lower(),
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
                        "number": f"{fi}.{gi}.{mi}",
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
                    }
                )
            goals_out.append(
                {
                    "number": f"{fi}.{gi}",
                    "uid": g.uid,
                    "title": g.title,
                    "description": g.description,
                    "indicator": g.indicator,
                    "is_example": g.is_example,
                    "measures": measures_out,
                }
            )
        out_fields.append(
            {
                "number": str(fi),
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
    return {
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
    }

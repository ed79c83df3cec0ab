"""Comparing the parsed plan with the document: which file item is which document item (by KIK-ID, then
name or title, then number), and what that means as preview entries and operations.

``Matcher(session, parser, preview).run()`` fills the preview's new/changed/unchanged/missing lists and its
``ops``; nothing is written.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kik_desktop.domain.dates import parse_month_year
from kik_desktop.domain.plan import PRIORITIES
from kik_desktop.exchange import name_lists, sheet_hints  # fidelity #18
from kik_desktop.exchange.columns import COLUMNS
from kik_desktop.exchange.import_model import (
    ATTR_LABEL,
    TEXT_ATTRS,
    UNCHANGED,
    ImportPreview,
    Issue,
    Level,
    Loc,
    Op,
    PField,
    PGoal,
    PMeasure,
    PreviewItem,
    ValueChange,
    normalize_name,
    show_value,
)
from kik_desktop.exchange.plan_parser import PlanParser, strip_goal_number
from kik_desktop.models import Field, Goal, Measure


@dataclass
class _DocItem:
    id: int
    uid: str
    parent: int | None
    number: str
    values: dict[str, Any]


def _load_document(s: Session) -> tuple[dict[int, _DocItem], dict[int, _DocItem], dict[int, _DocItem]]:
    fields: dict[int, _DocItem] = {}
    goals: dict[int, _DocItem] = {}
    measures: dict[int, _DocItem] = {}
    field_rows = s.execute(select(Field.id, Field.uid, Field.name).order_by(Field.position, Field.id))
    for f_count, r in enumerate(field_rows, start=1):
        fields[r.id] = _DocItem(r.id, r.uid, None, str(f_count), {"name": r.name})
    per_field: dict[int, int] = {}
    for g in s.execute(
        select(Goal.id, Goal.uid, Goal.field_id, Goal.title, Goal.indicator).order_by(Goal.position, Goal.id)
    ):
        per_field[g.field_id] = per_field.get(g.field_id, 0) + 1
        goals[g.id] = _DocItem(
            g.id,
            g.uid,
            g.field_id,
            f"{fields[g.field_id].number}.{per_field[g.field_id]}",
            {"title": g.title, "indicator": g.indicator},
        )
    attrs = [c.attr for c in COLUMNS if c.level == "measure"] + ["priority"]
    per_goal: dict[int, int] = {}
    for r in s.execute(
        select(Measure.id, Measure.uid, Measure.goal_id, *[getattr(Measure, a) for a in attrs]).order_by(
            Measure.position, Measure.id
        )
    ):
        per_goal[r.goal_id] = per_goal.get(r.goal_id, 0) + 1
        measures[r.id] = _DocItem(
            r.id,
            r.uid,
            r.goal_id,
            f"{goals[r.goal_id].number}.{per_goal[r.goal_id]}",
            dict(zip(attrs, r[3:], strict=True)),
        )
    return fields, goals, measures


def _tidy(text: str, uid: str | None) -> str:
    """Texts from our own export (rows with an ID) are taken exactly; others without surrounding blanks."""
    return text if uid else text.strip()


def _same_text(old: Any, new: Any) -> bool:
    return (old or "").strip() == (new or "").strip()


def _sort_key(number: str | None, order: int) -> tuple[Any, ...]:
    if number:
        try:
            return (0, tuple(int(p) for p in number.split(".")), order)
        except ValueError:
            pass
    return (1, (), order)


class Matcher:
    def __init__(self, s: Session, parser: PlanParser, preview: ImportPreview) -> None:
        self.s = s
        self.p = parser
        self.preview = preview
        self.fields, self.goals, self.measures = _load_document(s)
        self.field_by_uid = {d.uid: d.id for d in self.fields.values()}
        self.goal_by_uid = {d.uid: d.id for d in self.goals.values()}
        self.measure_by_uid = {d.uid: d.id for d in self.measures.values()}
        self.goals_by_field: dict[int | None, list[_DocItem]] = {}
        for g in self.goals.values():
            self.goals_by_field.setdefault(g.parent, []).append(g)
        self.measures_by_goal: dict[int | None, list[_DocItem]] = {}
        for m in self.measures.values():
            self.measures_by_goal.setdefault(m.parent, []).append(m)
        self.used_fields: set[int] = set()
        self._goal_titles: dict[int, str] = {}
        self.used_goals: set[int] = set()
        self.used_measures: set[int] = set()
        self.tokens = 0
        self.all_uids = set(self.field_by_uid) | set(self.goal_by_uid) | set(self.measure_by_uid)

    def token(self) -> str:
        self.tokens += 1
        return f"new{self.tokens}"

    def issue(self, level: Level, message: str, loc: Loc | None) -> None:
        self.preview.issues.append(
            Issue(level, message, loc.sheet if loc else None, loc.row if loc else None)
        )

    def new_uid(self, uid: str | None) -> str | None:
        if uid and uid not in self.all_uids:
            self.all_uids.add(uid)
            return uid
        return None

    def run(self) -> None:
        pfields = sorted((f for f in self.p.fields.values() if f.goals or f.explicit), key=lambda f: f.order)
        for pf in pfields:
            if pf.number is None:
                # The numbering of its goals (2.1, 2.3) gives a field's number when nothing else does.
                firsts = {g.number.split(".")[0] for g in pf.goals if g.number}
                if len(firsts) == 1:
                    pf.number = int(firsts.pop())
        matched: list[tuple[PField, int | None]] = [(pf, self.match_field(pf)) for pf in pfields]
        new_fields = sorted(
            (x for x in matched if x[1] is None),
            key=lambda x: _sort_key(str(x[0].number) if x[0].number else None, x[0].order),
        )
        field_ref: dict[int, Any] = {}
        for pf, fid in matched:
            if fid is not None:
                field_ref[id(pf)] = fid
        for pf, _ in new_fields:
            tok = self.token()
            field_ref[id(pf)] = tok
            name = pf.name or (f"Handlungsfeld {pf.number}" if pf.number else "Neues Handlungsfeld")
            if pf.exact_name:
                name = pf.name
            elif not pf.name:
                self.issue(
                    "warning",
                    f"Für das Handlungsfeld {pf.number or ''} steht kein Name in der Datei; es "
                    f"wird als „{name}“ angelegt.".replace("  ", " "),
                    pf.loc,
                )
            self.preview.ops.append(Op("new", "field", tok, None, {"name": name}, self.new_uid(pf.uid)))
            self.preview.new.append(
                PreviewItem(
                    "field",
                    name,
                    str(pf.number or ""),
                    None,
                    "",
                    [],
                    pf.loc.sheet if pf.loc else None,
                    pf.loc.row if pf.loc else None,
                )
            )
        present_fields = {v for v in field_ref.values() if isinstance(v, int)}
        # Goals, then measures.
        goal_ref: dict[int, Any] = {}
        for pf, _ in matched:
            fref = field_ref[id(pf)]
            fname = pf.name or (self.fields[fref].values["name"] if isinstance(fref, int) else "")
            pgoals = sorted(pf.goals, key=lambda g: _sort_key(g.number, g.order))
            for pg in pgoals:
                goal_ref[id(pg)] = self.handle_goal(pg, fref, fname)
        for pf, _ in matched:
            for pg in sorted(pf.goals, key=lambda g: _sort_key(g.number, g.order)):
                gref = goal_ref[id(pg)]
                pms = sorted(pg.measures, key=lambda m: _sort_key(m.number, m.order))
                for pm in pms:
                    self.handle_measure(pm, gref, pg)
        # Items of the document missing from the file, within the fields the file covers.
        for gid, g in self.goals.items():
            if g.parent in present_fields and gid not in self.used_goals:
                item = PreviewItem(
                    "goal",
                    g.values["title"],
                    g.number,
                    gid,
                    self.fields[g.parent].values["name"] if g.parent in self.fields else "",
                )
                self.preview.missing.append(item)
                self.preview.missing_ops.append(Op("delete", "goal", gid))
        missing_goals = {op.ref for op in self.preview.missing_ops}
        for mid, m in self.measures.items():
            goal = self.goals[m.parent] if m.parent is not None else None
            if goal is None or goal.parent not in present_fields or mid in self.used_measures:
                continue
            self.preview.missing.append(
                PreviewItem("measure", m.values["title"], m.number, mid, goal.values["title"])
            )
            if m.parent not in missing_goals:
                self.preview.missing_ops.append(Op("delete", "measure", mid))
        self.preview.missing.sort(key=lambda i: _sort_key(i.number, 0))
        # Delete measures before goals: undo restores goals first.
        self.preview.missing_ops.sort(key=lambda op: 0 if op.kind == "measure" else 1)

    def match_field(self, pf: PField) -> int | None:
        if pf.uid and pf.uid in self.field_by_uid:
            fid = self.field_by_uid[pf.uid]
            self.used_fields.add(fid)
            return fid
        if pf.name:
            norm = normalize_name(pf.name)
            for fid, d in self.fields.items():
                if fid not in self.used_fields and normalize_name(d.values["name"]) == norm:
                    self.used_fields.add(fid)
                    return fid
        if not pf.name and pf.number is not None:  # fidelity #18 hook: the name a nameless import gave
            norm = normalize_name(f"Handlungsfeld {pf.number}")
            for fid, d in self.fields.items():
                if fid not in self.used_fields and normalize_name(d.values["name"]) == norm:
                    self.used_fields.add(fid)
                    return fid
        if pf.number is not None:
            for fid, d in self.fields.items():
                if d.number == str(pf.number) and fid not in self.used_fields:
                    self.used_fields.add(fid)
                    return fid
        return None

    def handle_goal(self, pg: PGoal, fref: Any, fname: str) -> Any:
        title = self.goal_title(pg)
        indicator = self.goal_indicator(pg)
        gid = self.match_goal(pg, fref, title)
        loc = pg.loc
        if gid is None:
            tok = self.token()
            values: dict[str, Any] = {"title": _tidy(title, pg.uid)}
            if indicator is not None:
                values["indicator"] = _tidy(indicator, pg.uid)
            self.preview.ops.append(Op("new", "goal", tok, fref, values, self.new_uid(pg.uid)))
            self.preview.new.append(
                PreviewItem(
                    "goal",
                    _tidy(title, pg.uid),
                    pg.number or "",
                    None,
                    fname,
                    [],
                    loc.sheet if loc else None,
                    loc.row if loc else None,
                )
            )
            return tok
        doc = self.goals[gid]
        changes: list[ValueChange] = []
        new_values: dict[str, Any] = {}
        if pg.titles and not _same_text(doc.values["title"], title):
            new_values["title"] = _tidy(title, pg.uid)
            changes.append(ValueChange("title", "Ziel", doc.values["title"], _tidy(title, pg.uid)))
        if indicator is not None and not _same_text(doc.values["indicator"], indicator):
            new_values["indicator"] = _tidy(indicator, pg.uid)
            changes.append(
                ValueChange(
                    "indicator",
                    "Indikator (zu entwickeln)",
                    doc.values["indicator"],
                    _tidy(indicator, pg.uid),
                )
            )
        if doc.parent != fref:
            changes.append(
                ValueChange(
                    "field",
                    "Handlungsfeld",
                    self.fields[doc.parent].values["name"] if doc.parent in self.fields else "",
                    fname,
                )
            )
            self.preview.ops.append(Op("move", "goal", gid, fref))
        if new_values:
            self.preview.ops.append(Op("update", "goal", gid, None, new_values))
        item = PreviewItem(
            "goal",
            doc.values["title"],
            doc.number,
            gid,
            fname,
            changes,
            loc.sheet if loc else None,
            loc.row if loc else None,
        )
        (self.preview.changed if changes else self.preview.unchanged).append(item)
        return gid

    def goal_title(self, pg: PGoal) -> str:
        key = id(pg)
        if key not in self._goal_titles:
            self._goal_titles[key] = self._goal_title(pg)
        return self._goal_titles[key]

    def _goal_title(self, pg: PGoal) -> str:
        titles = []
        for text, _loc in pg.titles:
            titles.append(strip_goal_number(text))
        distinct = list(dict.fromkeys(t.strip() for t in titles))
        if len(distinct) > 1 and pg.uid:
            loc = pg.titles[-1][1]
            self.issue(
                "warning",
                f"Das Ziel steht mit verschiedenen Titeln in der Datei; übernommen wird "
                f"„{distinct[0][:50]}“.",
                loc,
            )
        return titles[0] if titles else pg.title

    def goal_indicator(self, pg: PGoal) -> str | None:
        if not pg.indicator:
            return None
        distinct = list(dict.fromkeys(t.strip() for t, _loc in pg.indicator if t.strip()))
        if not distinct:
            return ""
        if len(distinct) > 1:
            loc = next(loc for t, loc in pg.indicator if t.strip() == distinct[1])
            self.issue(
                "warning",
                f"Das Ziel hat verschiedene Indikatoren in der Datei; übernommen wird „{distinct[0][:50]}“.",
                loc,
            )
        return next(t for t, _loc in pg.indicator if t.strip() == distinct[0])

    def match_goal(self, pg: PGoal, fref: Any, title: str) -> int | None:
        if pg.uid and pg.uid in self.goal_by_uid:
            gid = self.goal_by_uid[pg.uid]
            if gid not in self.used_goals:
                self.used_goals.add(gid)
                return gid
        if not isinstance(fref, int):
            return None
        candidates = [g for g in self.goals_by_field.get(fref, []) if g.id not in self.used_goals]
        norm = normalize_name(title)
        if norm:
            for g in candidates:
                if normalize_name(g.values["title"]) == norm:
                    self.used_goals.add(g.id)
                    return g.id
        if pg.number:
            idx = pg.number.split(".")[-1]
            field_no = self.fields[fref].number
            for g in candidates:
                if g.number == f"{field_no}.{idx}":
                    self.used_goals.add(g.id)
                    return g.id
        return None

    def resolve_values(self, pm: PMeasure, doc: dict[str, Any] | None) -> dict[str, Any]:
        """One value per attribute; where sheets disagree, the one that differs from the document wins."""
        out: dict[str, Any] = {}
        for attr, occurrences in pm.values.items():
            distinct: list[tuple[Any, Loc]] = []
            for value, loc in occurrences:
                if value is UNCHANGED:
                    continue
                if not any(_equal(attr, value, d) for d, _l in distinct):
                    distinct.append((value, loc))
            if not distinct:
                continue
            if len(distinct) > 1 and doc is not None:
                differing = [(v, loc) for v, loc in distinct if not _equal(attr, v, doc.get(attr))]
                distinct = differing or distinct[:1]
            if len(distinct) > 1:
                (v1, l1), (v2, l2) = distinct[0], distinct[1]
                self.preview.issues.append(
                    Issue(
                        "error",
                        f"Widersprüchliche Angaben für „{ATTR_LABEL.get(attr, attr)}“ derselben Maßnahme: "
                        f"{show_value(v1)} (Blatt ‚{l1.sheet}‘, Zeile {l1.row}) und {show_value(v2)}.",
                        l2.sheet,
                        l2.row,
                    )
                )
            out[attr] = distinct[0][0]
        return out

    def handle_measure(self, pm: PMeasure, gref: Any, pg: PGoal) -> None:
        mid = self.match_measure(pm, gref)
        loc = pm.loc
        context = self.goal_title(pg).strip()
        if mid is None:
            values = self.resolve_values(pm, None)
            values = {k: (_tidy(v, pm.uid) if isinstance(v, str) else v) for k, v in values.items()}
            tok = self.token()
            self.preview.ops.append(Op("new", "measure", tok, gref, values, self.new_uid(pm.uid)))
            self.preview.new.append(
                PreviewItem(
                    "measure",
                    values.get("title", ""),
                    pm.number or "",
                    None,
                    context,
                    [],
                    loc.sheet if loc else None,
                    loc.row if loc else None,
                )
            )
            return
        doc = self.measures[mid]
        values = self.resolve_values(pm, doc.values)
        changes: list[ValueChange] = []
        new_values: dict[str, Any] = {}
        for attr, value in values.items():
            old = doc.values.get(attr)
            if _equal(attr, value, old):
                continue
            new_values[attr] = (
                _tidy(value, pm.uid) if isinstance(value, str) and attr in TEXT_ATTRS else value
            )
            label = ATTR_LABEL.get(attr, attr)
            if attr == "priority":
                changes.append(
                    ValueChange(attr, label, PRIORITIES.get(old or 0, old), PRIORITIES.get(value or 0, value))
                )
            elif attr == "status_key":
                changes.append(
                    ValueChange(
                        attr,
                        label,
                        self.p.status.label_of.get(old or "", old),
                        self.p.status.label_of.get(value or "", value),
                    )
                )
            else:
                changes.append(ValueChange(attr, label, old, new_values[attr]))
        if doc.parent != gref:
            old_goal = self.goals[doc.parent].values["title"] if doc.parent in self.goals else ""
            changes.append(ValueChange("goal", "Ziel", old_goal, context))
            self.preview.ops.append(Op("move", "measure", mid, gref))
        if new_values:
            self.preview.ops.append(Op("update", "measure", mid, None, new_values))
        loc = sheet_hints.change_location(pm.values, new_values, loc)  # fidelity #18 hook: sheet of the edit
        item = PreviewItem(
            "measure",
            doc.values["title"],
            doc.number,
            mid,
            context,
            changes,
            loc.sheet if loc else None,
            loc.row if loc else None,
        )
        (self.preview.changed if changes else self.preview.unchanged).append(item)
        # Deleted on one sheet of our export but still on another that shows its field: missing.
        covering = {sh for sh, fields in self.p.sheet_fields.items() if id(pg.pfield) in fields}
        if pm.uid and pm.sheets < covering:
            absent = ", ".join(f"‚{sh}‘" for sh in sorted(covering - pm.sheets))
            self.preview.missing.append(
                PreviewItem("measure", doc.values["title"], doc.number, mid, f"fehlt auf Blatt {absent}")
            )
            self.preview.missing_ops.append(Op("delete", "measure", mid))

    def match_measure(self, pm: PMeasure, gref: Any) -> int | None:
        if pm.uid and pm.uid in self.measure_by_uid:
            mid = self.measure_by_uid[pm.uid]
            if mid not in self.used_measures:
                self.used_measures.add(mid)
                return mid
        if pm.uid and pm.uid not in self.measure_by_uid and pm.loc is not None:
            pass  # an ID from another document: matched by number or title below, else new
        if not isinstance(gref, int):
            return None
        candidates = [m for m in self.measures_by_goal.get(gref, []) if m.id not in self.used_measures]
        titles = [v for v, _l in pm.values.get("title", []) if v is not UNCHANGED]
        norm = normalize_name(titles[0]) if titles else ""
        if norm:
            for m in candidates:
                if normalize_name(m.values["title"]) == norm:
                    self.used_measures.add(m.id)
                    return m.id
        if pm.number:
            idx = pm.number.split(".")[-1]
            goal_no = self.goals[gref].number
            for m in candidates:
                if m.number == f"{goal_no}.{idx}":
                    self.used_measures.add(m.id)
                    return m.id
        return None


@functools.lru_cache(maxsize=8192)
def _canonical_date(value: str) -> str:
    return parse_month_year(value).canonical()


def _equal(attr: str, new: Any, old: Any) -> bool:
    if attr in ("status_key", "priority"):
        return (new or None) == (old or None)
    if attr in ("start", "end"):
        return _canonical_date(new or "") == _canonical_date(old or "")
    if attr in ("responsible", "actors"):  # fidelity #18 hook: "A; B" equals "A⏎B"
        return name_lists.same_names(old, new)
    return _same_text(old, new)

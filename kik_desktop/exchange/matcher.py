"""Comparing the parsed plan with the document: which file item is which document item (by KIK-ID, then
name or title, then number), and what that means as preview entries and operations.

``Matcher(session, parser, preview).run()`` fills the preview's new/changed/unchanged/missing lists and its
``ops``; nothing is written.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar

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
        """Fields first (new ones in number order), then their goals, then the goals' measures, then what
        the document has and the file lacks."""
        matched = [(pf, self.match_field(pf)) for pf in self._file_fields()]
        field_ref = self._field_refs(matched)
        goal_ref: dict[int, Any] = {}
        for pf, _ in matched:
            fref = field_ref[id(pf)]
            fname = pf.name or (self.fields[fref].values["name"] if isinstance(fref, int) else "")
            for pg in _in_number_order(pf.goals):
                goal_ref[id(pg)] = self.handle_goal(pg, fref, fname)
        for pf, _ in matched:
            for pg in _in_number_order(pf.goals):
                for pm in _in_number_order(pg.measures):
                    self.handle_measure(pm, goal_ref[id(pg)], pg)
        self._collect_missing({ref for ref in field_ref.values() if isinstance(ref, int)})

    def _file_fields(self) -> list[PField]:
        """The file's fields that have goals or a section row, in file order; a field without a number
        takes the one its goals' numbers share (2.1, 2.3 → 2)."""
        pfields = sorted((f for f in self.p.fields.values() if f.goals or f.explicit), key=lambda f: f.order)
        for pf in pfields:
            if pf.number is None:
                firsts = {g.number.split(".")[0] for g in pf.goals if g.number}
                if len(firsts) == 1:
                    pf.number = int(firsts.pop())
        return pfields

    def _field_refs(self, matched: list[tuple[PField, int | None]]) -> dict[int, Any]:
        """id(file field) → the document's field id, or the token of a new field (made in number order)."""
        refs: dict[int, Any] = {id(pf): fid for pf, fid in matched if fid is not None}
        new_fields = sorted(
            (pf for pf, fid in matched if fid is None),
            key=lambda pf: _sort_key(str(pf.number) if pf.number else None, pf.order),
        )
        for pf in new_fields:
            refs[id(pf)] = self._new_field(pf)
        return refs

    def _new_field(self, pf: PField) -> str:
        tok = self.token()
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
        self.preview.new.append(_preview_item("field", name, str(pf.number or ""), None, "", [], pf.loc))
        return tok

    def _collect_missing(self, present_fields: set[int]) -> None:
        """Goals and measures of the document missing from the file, within the fields the file covers."""
        for gid, g in self.goals.items():
            if g.parent in present_fields and gid not in self.used_goals:
                field_name = self.fields[g.parent].values["name"] if g.parent in self.fields else ""
                self.preview.missing.append(PreviewItem("goal", g.values["title"], g.number, gid, field_name))
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
        """The document's field for one of the file: by KIK-ID, else an unused one of the same name (a
        nameless one: the name a nameless import gave it, fidelity #18), else one of the same number."""
        if pf.uid and pf.uid in self.field_by_uid:
            fid = self.field_by_uid[pf.uid]
            self.used_fields.add(fid)
            return fid
        name = pf.name or (f"Handlungsfeld {pf.number}" if pf.number is not None else "")
        found = None
        if name:
            norm = normalize_name(name)
            found = self._unused_field(lambda d: normalize_name(d.values["name"]) == norm)
        if found is None and pf.number is not None:
            found = self._unused_field(lambda d: d.number == str(pf.number))
        return found

    def _unused_field(self, wanted: Callable[[_DocItem], bool]) -> int | None:
        for fid, d in self.fields.items():
            if fid not in self.used_fields and wanted(d):
                self.used_fields.add(fid)
                return fid
        return None

    def handle_goal(self, pg: PGoal, fref: Any, fname: str) -> Any:
        """Preview entry and operations of one goal of the file; returns its id or new token."""
        title = self.goal_title(pg)
        indicator = self.goal_indicator(pg)
        gid = self.match_goal(pg, fref, title)
        if gid is None:
            return self._new_goal(pg, fref, fname, title, indicator)
        doc = self.goals[gid]
        changes: list[ValueChange] = []
        new_values: dict[str, Any] = {}
        if pg.titles and not _same_text(doc.values["title"], title):
            new_values["title"] = _tidy(title, pg.uid)
            changes.append(ValueChange("title", "Ziel", doc.values["title"], new_values["title"]))
        if indicator is not None and not _same_text(doc.values["indicator"], indicator):
            new_values["indicator"] = _tidy(indicator, pg.uid)
            changes.append(
                ValueChange(
                    "indicator", "Indikator (zu entwickeln)", doc.values["indicator"], new_values["indicator"]
                )
            )
        if doc.parent != fref:
            old_field = self.fields[doc.parent].values["name"] if doc.parent in self.fields else ""
            changes.append(ValueChange("field", "Handlungsfeld", old_field, fname))
            self.preview.ops.append(Op("move", "goal", gid, fref))
        if new_values:
            self.preview.ops.append(Op("update", "goal", gid, None, new_values))
        item = _preview_item("goal", doc.values["title"], doc.number, gid, fname, changes, pg.loc)
        (self.preview.changed if changes else self.preview.unchanged).append(item)
        return gid

    def _new_goal(self, pg: PGoal, fref: Any, fname: str, title: str, indicator: str | None) -> str:
        tok = self.token()
        values: dict[str, Any] = {"title": _tidy(title, pg.uid)}
        if indicator is not None:
            values["indicator"] = _tidy(indicator, pg.uid)
        self.preview.ops.append(Op("new", "goal", tok, fref, values, self.new_uid(pg.uid)))
        self.preview.new.append(
            _preview_item("goal", values["title"], pg.number or "", None, fname, [], pg.loc)
        )
        return tok

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
        return self._match_child("goal", pg.uid, fref, title, pg.number)

    def match_measure(self, pm: PMeasure, gref: Any) -> int | None:
        # An ID from another document is matched by title or number below, else the measure is new.
        titles = [v for v, _l in pm.values.get("title", []) if v is not UNCHANGED]
        return self._match_child("measure", pm.uid, gref, titles[0] if titles else "", pm.number)

    def _match_child(
        self, kind: Literal["goal", "measure"], uid: str | None, parent: Any, title: str, number: str | None
    ) -> int | None:
        """The document's goal or measure for one of the file: the one with its KIK-ID; else, below a
        parent that is in the document, an unused sibling with the same title, then the one at the same
        place (2.3 → the third of its parent). The match is marked as used."""
        if kind == "goal":
            by_uid, used, children, parents = (
                self.goal_by_uid,
                self.used_goals,
                self.goals_by_field,
                self.fields,
            )
        else:
            by_uid, used = self.measure_by_uid, self.used_measures
            children, parents = self.measures_by_goal, self.goals
        found = by_uid.get(uid) if uid else None
        if found is None or found in used:
            found = None
            if isinstance(parent, int):
                found = _pick_sibling(
                    [d for d in children.get(parent, []) if d.id not in used], title, number, parents[parent]
                )
        if found is not None:
            used.add(found)
        return found

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
        """Preview entry and operations of one measure of the file."""
        mid = self.match_measure(pm, gref)
        context = self.goal_title(pg).strip()
        if mid is None:
            self._new_measure(pm, gref, context)
            return
        doc = self.measures[mid]
        changes, new_values = self._measure_changes(pm, doc)
        if doc.parent != gref:
            old_goal = self.goals[doc.parent].values["title"] if doc.parent in self.goals else ""
            changes.append(ValueChange("goal", "Ziel", old_goal, context))
            self.preview.ops.append(Op("move", "measure", mid, gref))
        if new_values:
            self.preview.ops.append(Op("update", "measure", mid, None, new_values))
        loc = sheet_hints.change_location(
            pm.values, new_values, pm.loc
        )  # fidelity #18 hook: sheet of the edit
        item = _preview_item("measure", doc.values["title"], doc.number, mid, context, changes, loc)
        (self.preview.changed if changes else self.preview.unchanged).append(item)
        self._missing_on_other_sheets(pm, pg, doc)

    def _new_measure(self, pm: PMeasure, gref: Any, context: str) -> None:
        values = self.resolve_values(pm, None)
        values = {k: (_tidy(v, pm.uid) if isinstance(v, str) else v) for k, v in values.items()}
        tok = self.token()
        self.preview.ops.append(Op("new", "measure", tok, gref, values, self.new_uid(pm.uid)))
        self.preview.new.append(
            _preview_item("measure", values.get("title", ""), pm.number or "", None, context, [], pm.loc)
        )

    def _measure_changes(self, pm: PMeasure, doc: _DocItem) -> tuple[list[ValueChange], dict[str, Any]]:
        """The values of the file that differ from the document: as preview lines and as new values."""
        changes: list[ValueChange] = []
        new_values: dict[str, Any] = {}
        for attr, value in self.resolve_values(pm, doc.values).items():
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
                label_of = self.p.status.label_of
                changes.append(
                    ValueChange(attr, label, label_of.get(old or "", old), label_of.get(value or "", value))
                )
            else:
                changes.append(ValueChange(attr, label, old, new_values[attr]))
        return changes, new_values

    def _missing_on_other_sheets(self, pm: PMeasure, pg: PGoal, doc: _DocItem) -> None:
        """Deleted on one sheet of our export but still on another that shows its field: missing."""
        covering = {sh for sh, fields in self.p.sheet_fields.items() if id(pg.pfield) in fields}
        if pm.uid and pm.sheets < covering:
            absent = ", ".join(f"‚{sh}‘" for sh in sorted(covering - pm.sheets))
            self.preview.missing.append(
                PreviewItem("measure", doc.values["title"], doc.number, doc.id, f"fehlt auf Blatt {absent}")
            )
            self.preview.missing_ops.append(Op("delete", "measure", doc.id))


class _Numbered(Protocol):
    number: str | None
    order: int


_N = TypeVar("_N", bound=_Numbered)


def _in_number_order(items: list[_N]) -> list[_N]:
    return sorted(items, key=lambda x: _sort_key(x.number, x.order))


def _pick_sibling(candidates: list[_DocItem], title: str, number: str | None, parent: _DocItem) -> int | None:
    """Of a parent's unused children: the one with this title, else the one at this place number."""
    norm = normalize_name(title)
    if norm:
        for d in candidates:
            if normalize_name(d.values["title"]) == norm:
                return d.id
    if number:
        wanted = f"{parent.number}.{number.split('.')[-1]}"
        for d in candidates:
            if d.number == wanted:
                return d.id
    return None


def _preview_item(
    kind: str,
    title: str,
    number: str,
    item_id: int | None,
    context: str,
    changes: list[ValueChange],
    loc: Loc | None,
) -> PreviewItem:
    return PreviewItem(
        kind, title, number, item_id, context, changes, loc.sheet if loc else None, loc.row if loc else None
    )


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

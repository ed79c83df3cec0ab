"""Workshop copies: a copy of the whole document for a laptop, checked back in with the three-way merge.

``checkout`` records a dispatch (kind "copy") with the value of every item as its base, then writes a
consistent copy of the document that knows where it came from (document uid, dispatch uid).
``preview_checkin`` compares base (the dispatch), copy and document with the same rules as a returned
workbook; new goals and measures of the copy keep their uids, so checking the same copy in twice
changes nothing the second time.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kik_desktop.domain import dispatches
from kik_desktop.domain.merge_apply import MergeIssue, MergePreview, NewItem, build_preview
from kik_desktop.models import DocumentProperty, Field, Goal, Measure
from kik_desktop.store import DocumentError, open_document
from kik_desktop.store.backup import copy_database

COPY_OF_KEY = "workshop_copy_of"
COPY_DISPATCH_KEY = "workshop_dispatch"


class WorkshopError(DocumentError):
    """A copy cannot be made or checked in; the message is German."""


def checkout(
    doc: Any, copy_path: str | os.PathLike[str], *, recipient: str = "Workshop"
) -> dispatches.DispatchInfo:
    """Record the dispatch in doc and write the copy; returns the dispatch."""
    target = Path(copy_path)
    if target.exists():
        raise WorkshopError(f"„{target.name}“ gibt es schon; bitte einen anderen Namen wählen.")
    if not doc.is_server and target.resolve() == Path(doc.path).resolve():
        raise WorkshopError("Die Kopie kann nicht das Dokument selbst sein.")
    with doc.transaction() as s:
        doc_uid = dispatches.document_uid(s, create=True)
        info, _changes = dispatches.record_dispatch(
            s,
            kind="copy",
            scope="all",
            scope_label="Arbeitskopie des ganzen Dokuments",
            recipient=recipient,
            values=dispatches.current_values(s),
            file_name=target.name,
        )
    try:
        if doc.is_server:
            # A server document: its rows into a new .kik file (the copy of ``kik-desktop copy``).
            from kik_desktop.store.transfer import copy_to_file

            copy_to_file(doc, target)
        else:
            copy_database(Path(doc.path), target)
        with open_document(target) as copy, copy.transaction() as cs:
            cs.merge(DocumentProperty(key=COPY_OF_KEY, value=doc_uid or ""))
            cs.merge(DocumentProperty(key=COPY_DISPATCH_KEY, value=info.uid))
    except BaseException:
        target.unlink(missing_ok=True)
        with doc.transaction() as s:
            from kik_desktop.models import Dispatch

            d = s.get(Dispatch, info.id)
            if d is not None:
                s.delete(d)
        raise
    return info


def _props(s: Session) -> dict[str, str]:
    return {p.key: p.value for p in s.scalars(select(DocumentProperty))}


def _copy_items(s: Session) -> tuple[dispatches.ValueMap, dict[tuple[str, str], tuple[str, str]]]:
    """The copy's values and every goal's and measure's parent (kind, uid)."""
    values = dispatches.current_values(s)
    parents: dict[tuple[str, str], tuple[str, str]] = {}
    for g_uid, f_uid in s.execute(select(Goal.uid, Field.uid).join(Field, Goal.field_id == Field.id)):
        parents[("goal", g_uid)] = ("field", f_uid)
    for m_uid, g_uid in s.execute(select(Measure.uid, Goal.uid).join(Goal, Measure.goal_id == Goal.id)):
        parents[("measure", m_uid)] = ("goal", g_uid)
    return values, parents


def preview_checkin(s: Session, copy_path: str | os.PathLike[str]) -> MergePreview:
    """Three-way preview of a workshop copy against the document in s (read only)."""
    path = Path(copy_path)
    try:
        with open_document(path, read_only=True, migrate=False) as copy, copy.reading() as cs:
            props = _props(cs)
            copy_values, parents = _copy_items(cs)
    except DocumentError as exc:
        raise WorkshopError(f"„{path.name}“ kann nicht als Arbeitskopie gelesen werden: {exc}") from exc
    own = dispatches.document_uid(s)
    current = dispatches.current_values(s)
    source_uid, dispatch_uid = props.get(COPY_OF_KEY), props.get(COPY_DISPATCH_KEY)
    if not source_uid or not dispatch_uid:
        raise WorkshopError(f"„{path.name}“ ist keine Arbeitskopie (mit „checkout“ angelegt).")
    if source_uid != own:
        raise WorkshopError(
            f"„{path.name}“ ist eine Arbeitskopie eines anderen KIK-Dokuments; "
            "sie wird hier nicht eingecheckt."
        )
    info = dispatches.find_dispatch(s, dispatch_uid)
    if info is None:
        raise WorkshopError(
            f"Die Ausgabe {dispatch_uid} der Arbeitskopie ist in diesem Dokument nicht verzeichnet."
        )
    base = dispatches.base_values(s, info.id)
    incoming = {k: v for k, v in copy_values.items() if k in base or k in current}
    new_items: list[NewItem] = []
    issues: list[MergeIssue] = []
    for kind in ("goal", "measure"):
        for key, values in copy_values.items():
            if key[0] != kind or key in base or key in current:
                continue
            parent = parents.get(key)
            if parent is None:
                continue
            if parent not in current and not any(n.uid == parent[1] for n in new_items):
                issues.append(
                    MergeIssue("warning", f"„{values.get('title', '')[:50]}“: Oberpunkt fehlt im Dokument.")
                )
                continue
            new_items.append(NewItem(kind, key[1], parent, dict(values)))
    new_fields = [k for k in copy_values if k[0] == "field" and k not in base and k not in current]
    if new_fields:
        issues.append(
            MergeIssue(
                "warning", f"{len(new_fields)} neue Handlungsfelder der Kopie werden nicht übernommen."
            )
        )
    return build_preview(
        s, path, base, incoming, dispatch=info, new_items=new_items, issues=issues, current=current
    )

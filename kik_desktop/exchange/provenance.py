"""Provenance of a plain (two-way) import: every value it writes is recorded as a ``ValueSource`` with
its file, so that the editor says "zuletzt geändert am … (Import aus „Datei“)" and not "(im Programm)".
The three-way imports record their own (with dispatch and group: ``domain.merge_apply``,
``exchange.export_dispatch``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from kik_desktop.domain import plan
from kik_desktop.domain.changes import ChangeSet
from kik_desktop.domain.dispatches import MERGE_ATTRS, as_text
from kik_desktop.exchange.merge import ImportUndo
from kik_desktop.models import ValueSource

_DUMP_KEY = {kind: {a: k for k, a in attrs.items()} for kind, attrs in MERGE_ATTRS.items()}


@dataclass
class ImportProvenance:
    """Wraps an ``ImportUndo``: redo writes it and records the source of each updated value; undo
    removes the records and takes the import back."""

    record: ImportUndo
    source_file: str
    _stamp: datetime | None = field(default=None, repr=False)

    def redo(self, s: Session) -> ChangeSet:
        done = self.record.redo(s)
        stamp = datetime.now()
        updates = [op for op in self.record.ops if op.op == "update" and isinstance(op.ref, int)]
        rows: list[dict[str, Any]] = []
        for kind in {op.kind for op in updates if op.kind in plan.CLASS_OF}:
            cls = plan.CLASS_OF[kind]
            ids = [op.ref for op in updates if op.kind == kind]
            uids = dict(s.execute(select(cls.id, cls.uid).where(cls.id.in_(ids))).all())
            for op in updates:
                if op.kind != kind or op.ref not in uids:
                    continue
                for attr, value in op.values.items():
                    rows.append(
                        {
                            "changed_at": stamp,
                            "kind": kind,
                            "item_uid": uids[op.ref],
                            "attribute": _DUMP_KEY.get(kind, {}).get(attr, attr),
                            "old_value": None,
                            "new_value": as_text(value),
                            "source_file": self.source_file,
                            "dispatch_uid": None,
                            "group_name": "",
                        }
                    )
        if rows:
            s.execute(insert(ValueSource), rows)
        self._stamp = stamp
        return done

    def undo(self, s: Session) -> ChangeSet:
        if self._stamp is not None:
            s.execute(
                delete(ValueSource).where(
                    ValueSource.changed_at == self._stamp, ValueSource.source_file == self.source_file
                )
            )
        return self.record.undo(s)

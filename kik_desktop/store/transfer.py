"""Copying a whole document between back ends: a ``.kik`` file and a PostgreSQL database, either way.

The target is created empty at the current schema, then every table of the schema is copied row by row
in one transaction of the target (dependencies first), the server's id sequences are moved past the
copied ids, and the row counts of every table are compared. A failed copy leaves no target file behind
and an unchanged (rolled back) server database.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Integer, func, inspect, select
from sqlalchemy.engine import Connection

from kik_desktop.models import Base
from kik_desktop.store.database import Document, DocumentError, create_document, open_document
from kik_desktop.store.server import is_server_url

CHUNK = 2000


@dataclass
class CopyResult:
    source: str
    target: str
    counts: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        c = self.counts
        return (
            f"{c.get('field', 0)} Handlungsfelder, {c.get('goal', 0)} Ziele, {c.get('measure', 0)} Maßnahmen"
        )


def _counts(conn: Connection, names: set[str] | None = None) -> dict[str, int]:
    return {
        t.name: int(conn.scalar(select(func.count()).select_from(t)) or 0)
        for t in Base.metadata.sorted_tables
        if names is None or t.name in names
    }


def _reset_sequences(conn: Connection) -> None:
    """After inserting explicit ids, PostgreSQL's sequences must continue after the largest one."""
    if conn.dialect.name != "postgresql":
        return
    for table in Base.metadata.sorted_tables:
        pks = list(table.primary_key.columns)
        if len(pks) != 1 or not isinstance(pks[0].type, Integer):
            continue
        col = pks[0].name
        conn.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', '{col}'), "
            f'COALESCE(MAX("{col}"), 1), MAX("{col}") IS NOT NULL) FROM "{table.name}"'
        )


def copy_rows(source: Document, target: Document) -> dict[str, int]:
    """Replace everything in target by source's rows; returns the verified row counts per table."""
    tables = Base.metadata.sorted_tables
    with source.engine.connect() as src, target.engine.begin() as dst:
        # A source of an older format (backed up before its migration) lacks newer tables and columns:
        # copy what it has; the target's defaults fill the rest.
        inspector = inspect(src)
        present = set(inspector.get_table_names())
        for table in reversed(tables):
            dst.execute(table.delete())
        for table in tables:
            if table.name not in present:
                continue
            have = {c["name"] for c in inspector.get_columns(table.name)}
            result = src.execute(select(*[c for c in table.columns if c.name in have]))
            while rows := result.fetchmany(CHUNK):
                dst.execute(table.insert(), [dict(r._mapping) for r in rows])
        _reset_sequences(dst)
        expected = _counts(src, present)
        got = _counts(dst, present)
        src.rollback()
        if got != expected:
            wrong = [
                f"{name} ({expected[name]} → {got.get(name)})"
                for name in expected
                if got.get(name) != expected[name]
            ]
            raise DocumentError(
                "Die Kopie ist unvollständig: " + ", ".join(wrong) + ". Es wurde nichts übernommen."
            )
    return expected


def copy_document(
    source: str | os.PathLike[str], target: str | os.PathLike[str], *, overwrite: bool = False
) -> CopyResult:
    """Copy the document at source (path or URL) to target (path or URL) and verify the counts."""
    src_doc = open_document(source, read_only=True)
    target_is_file = not is_server_url(target)
    if target_is_file and Path(target).exists() and not overwrite:
        src_doc.close()
        raise DocumentError(f"„{target}“ gibt es schon (mit --force überschreiben).")
    try:
        dst_doc = create_document(target, overwrite=overwrite)
    except BaseException:
        src_doc.close()
        raise
    try:
        counts = copy_rows(src_doc, dst_doc)
    except BaseException:
        dst_doc.close()
        if target_is_file:
            with contextlib.suppress(OSError):
                Path(target).unlink()
        raise
    finally:
        src_doc.close()
    result = CopyResult(src_doc.location, dst_doc.location, counts)
    dst_doc.close()
    return result


def copy_to_file(doc: Document, target: Path) -> dict[str, int]:
    """A ``.kik`` file of an open document (a server's backup); the file must not exist yet."""
    dst = create_document(target)
    try:
        return copy_rows(doc, dst)
    finally:
        dst.close()

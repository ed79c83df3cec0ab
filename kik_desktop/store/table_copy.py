"""Copying every table of the schema from one database to another (a ``.kik`` file or PostgreSQL),
dependencies first, with the row counts compared afterwards.

Below ``database``: it works on engines, so an open Document can copy itself into a new file (the backup
of a server document) without ``database`` importing the modules that open documents.
"""

from __future__ import annotations

from sqlalchemy import Engine, Integer, func, inspect, select
from sqlalchemy.engine import Connection

from kik_desktop.models import Base
from kik_desktop.store.errors import DocumentError

CHUNK = 2000


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


def copy_rows(source: Engine, target: Engine) -> dict[str, int]:
    """Replace everything in target by source's rows; returns the verified row counts per table."""
    tables = Base.metadata.sorted_tables
    with source.connect() as src, target.begin() as dst:
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

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

from kik_desktop.store import table_copy
from kik_desktop.store.database import Document, DocumentError, create_document, open_document
from kik_desktop.store.server import is_server_url


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


def copy_rows(source: Document, target: Document) -> dict[str, int]:
    """Replace everything in target by source's rows; returns the verified row counts per table."""
    return table_copy.copy_rows(source.engine, target.engine)


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
    return doc.copy_to_file(target)

"""Opening a document safely: lock, integrity check, daily backup; what the window calls to open."""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

from kik_desktop.store.backup import (
    BackupError,
    BackupInfo,
    backup_on_open,
    list_backups,
    newest_verified_backup,
)
from kik_desktop.store.database import Document, DocumentError, open_document
from kik_desktop.store.lock import DocumentInUseError, DocumentLock, LockHolder, LockUnavailableError
from kik_desktop.store.sqlite_errors import classify

log = logging.getLogger(__name__)


class DamagedDocumentError(DocumentError):
    """The document fails its integrity check; it was not written to.

    ``backup`` is the newest backup that passes its checksum and integrity check (None: there is none),
    to be offered to the user for ``restore_backup``.
    """

    def __init__(self, path: Path, problems: list[str], backup: BackupInfo | None) -> None:
        self.path = path
        self.problems = problems
        self.backup = backup
        offer = (
            f" Die neueste intakte Sicherung ist vom {backup.created:%d.%m.%Y %H:%M} Uhr "
            f"({backup.describe_counts()})."
            if backup
            else " Es gibt keine intakte Sicherung dieses Dokuments."
        )
        super().__init__(
            f"„{path.name}“ ist beschädigt und wurde nicht verändert ({'; '.join(problems[:3])})." + offer
        )


def _sqlite_problems(conn: sqlite3.Connection) -> list[str]:
    # A damaged page can put bytes that are not UTF-8 into quick_check's rows (or a table name): read
    # them with replacement characters instead of failing with a UnicodeDecodeError.
    previous = conn.text_factory
    conn.text_factory = lambda raw: raw.decode("utf-8", "replace")
    try:
        rows = [str(r[0]) for r in conn.execute("PRAGMA quick_check")]
        problems = [] if rows == ["ok"] else rows[:5]
        fk = conn.execute("PRAGMA foreign_key_check").fetchall()
    except UnicodeDecodeError:
        # SQLite's own error message about a damaged schema holds the damaged bytes; Python cannot
        # decode it. The file is damaged either way.
        return ["Die Struktur der Datenbank ist beschädigt (unlesbare Zeichen)."]
    finally:
        conn.text_factory = previous
    if fk:
        problems.append(f"{len(fk)} Verweise zeigen ins Leere (Tabelle {fk[0][0]})")
    return problems


def check_file(path: Path, *, writable: bool = True) -> list[str]:
    """quick_check and foreign_key_check of a closed document file; empty list: sound.

    With ``writable`` a journal left by a crashed writer is rolled back first (SQLite does that on the
    first read of a writable connection), which is what makes the file's state the committed one.
    """
    mode = "rw" if writable else "ro"
    try:
        conn = sqlite3.connect(f"file:{path.as_posix()}?mode={mode}", uri=True, timeout=5.0)
    except sqlite3.Error as exc:
        return [str(exc)]
    # quick_check quotes damaged bytes (e.g. of a table name) that need not be valid UTF-8.
    conn.text_factory = lambda raw: raw.decode("utf-8", "replace")
    try:
        return _sqlite_problems(conn)
    except UnicodeDecodeError as exc:
        # SQLite's own message quoted damaged bytes of the schema: damaged all the same.
        return [f"beschädigtes Schema ({exc.reason})"]
    except sqlite3.OperationalError as exc:
        if classify(exc).is_environment:
            raise  # not damage: the caller reports it as a storage problem
        return [str(exc)]
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    finally:
        conn.close()


def check_document(doc: Document) -> list[str]:
    """quick_check and foreign_key_check on an open document; empty list: sound."""
    raw = doc.engine.raw_connection()
    try:
        conn = raw.driver_connection
        assert isinstance(conn, sqlite3.Connection)
        try:
            return _sqlite_problems(conn)
        except sqlite3.DatabaseError as exc:
            return [str(exc)]
    finally:
        raw.close()


def _looks_like_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def _damaged(path: Path, problems: list[str]) -> DamagedDocumentError:
    try:
        backup = newest_verified_backup(path)
    except OSError:
        backup = None
    log.error("document %s is damaged: %s", path, problems)
    return DamagedDocumentError(path, problems, backup)


def open_for_editing(
    path: str | os.PathLike[str],
    *,
    read_only_if_locked: bool = False,
    read_only: bool = False,
    break_lock: bool = False,
    daily_backup: bool = True,
    on_warning: Callable[[str], None] | None = None,
) -> tuple[Document, DocumentLock | None]:
    """Open a document the way the window does: lock → open → integrity → daily backup.

    Returns the open document and the lock the caller must ``release()`` when it closes the document
    (None when the document was opened read-only). ``document.read_only`` tells whether editing is
    possible; it is True when asked for, when the file or folder is read-only, or when the document
    is locked by someone else and ``read_only_if_locked`` is set.

    Raises:
        DocumentInUseError: locked by someone else (``.holder``: user, host, since) and
            ``read_only_if_locked`` is False. Ask the user, then call again with
            ``read_only_if_locked=True`` or ``break_lock=True``.
        DamagedDocumentError: the file fails quick_check or foreign_key_check (``.backup``: the newest
            verified backup to offer). The file was not written to.
        DocumentError: anything else that stops the opening, with a German message.

    ``on_warning`` receives German sentences that should be shown but do not stop the opening
    (the daily backup failed, no lock file could be written).
    """
    p = Path(path)
    warn = on_warning or (lambda message: log.warning("%s", message))
    lock: DocumentLock | None = None
    reason = "auf Wunsch nur zum Lesen geöffnet" if read_only else ""
    if not read_only:
        lock = DocumentLock(p)
        try:
            if break_lock:
                lock.break_lock()
            else:
                holder: LockHolder | None = lock.try_acquire()
                if holder is not None:
                    if not read_only_if_locked:
                        raise DocumentInUseError(p, holder)
                    read_only = True
                    reason = f"geöffnet von {holder.describe()}"
                    lock = None
        except LockUnavailableError as exc:
            # A folder without write permission: SQLite could not write its journal there either.
            warn(str(exc))
            read_only = True
            reason = "der Ordner ist schreibgeschützt"
            lock = None
    try:
        # Files that are no SQLite database at all get open_document's "not a KIK document" message.
        if _looks_like_sqlite(p):
            problems = check_file(p, writable=not read_only)
        elif p.is_file() and list_backups(p):
            # We backed this file up as a KIK document before: its header has been destroyed since.
            problems = ["der Dateikopf ist zerstört"]
        else:
            problems = []
        if problems:
            raise _damaged(p, problems)
        doc = open_document(p, read_only=read_only)
    except sqlite3.Error as exc:
        if lock is not None:
            lock.release()
        from kik_desktop.store.database import describe_sqlite_error

        raise DocumentError(f"„{p.name}“ kann nicht geöffnet werden: {describe_sqlite_error(exc)}") from exc
    except BaseException:
        if lock is not None:
            lock.release()
        raise
    if doc.read_only and lock is not None:
        # The file itself turned out read-only: nobody else needs to be kept out.
        lock.release()
        lock = None
    if doc.read_only:
        # The window shows this in its read-only banner.
        setattr(doc, "read_only_reason", reason or "die Datei ist schreibgeschützt")  # noqa: B010
    if daily_backup and not doc.read_only:
        try:
            backup_on_open(p)
        except BackupError as exc:
            warn(f"Die tägliche Sicherung konnte nicht angelegt werden: {exc}")
    return doc, lock


__all__ = [
    "DamagedDocumentError",
    "DocumentInUseError",
    "check_document",
    "check_file",
    "open_for_editing",
]

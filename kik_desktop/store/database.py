"""The KIK document: one SQLite file (crash-safe settings) or a PostgreSQL database, through SQLAlchemy.

``open_document(url_or_path)`` takes a ``.kik`` path or a ``postgresql://user@host/db`` URL; everything
specific to SQLite (PRAGMAs, BEGIN IMMEDIATE, quick_check, file backups) happens only for files.
"""

from __future__ import annotations

import contextlib
import getpass
import logging
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from kik_desktop.store.errors import DocumentDamagedError as DocumentDamagedError
from kik_desktop.store.errors import DocumentError as DocumentError
from kik_desktop.store.errors import StorageError as StorageError
from kik_desktop.store.sqlite_errors import ErrorClass, classify

log = logging.getLogger(__name__)

# 'KIK1' as big-endian int: marks a SQLite file as a KIK document (PRAGMA application_id).
APPLICATION_ID = 0x4B494B31


class NotADocumentError(DocumentError):
    pass


class DocumentTooNewError(DocumentError):
    pass


class ReadOnlyDocumentError(DocumentError):
    pass


class DocumentLockedError(DocumentError):
    pass


def describe_sqlite_error(exc: BaseException) -> str:
    """A German sentence for an SQLite failure (the table in ``sqlite_errors``)."""
    return classify(exc).message


def is_environment_error(exc: BaseException) -> bool:
    """True for failures of disk, file system, locks or a damaged file (or of the server and the
    network for a team database); False for a bug in the program."""
    orig = getattr(exc, "orig", exc)
    if type(orig).__module__.startswith("psycopg"):
        from kik_desktop.store.server import is_server_environment_error

        return is_server_environment_error(exc)
    return classify(exc).is_known


def storage_error(exc: BaseException) -> StorageError | None:
    """The user-facing error for a failed read or write, None when it is a bug (to be re-raised)."""
    found = classify(exc)
    if found.error_class is ErrorClass.DAMAGED:
        return DocumentDamagedError(found.message)
    if found.error_class is ErrorClass.ENVIRONMENT:
        return StorageError(found.message)
    return None


def _make_engine(path: Path, read_only: bool) -> Engine:
    mode = "ro" if read_only else "rwc"
    uri = f"file:{path.as_posix()}?mode={mode}"

    def connect() -> sqlite3.Connection:
        conn = sqlite3.connect(uri, uri=True, timeout=5.0, isolation_level=None, check_same_thread=False)
        return conn

    # A file database: a pool of connections (the default for "sqlite://" would be one per thread,
    # which would make a read inside a write transaction share its connection).
    engine = create_engine("sqlite://", creator=connect, poolclass=QueuePool, pool_size=2, max_overflow=4)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=5000")
        if not read_only:
            # Rollback journal, not WAL: WAL needs shared memory, which network shares do not give.
            cur.execute("PRAGMA journal_mode=DELETE")
            cur.execute("PRAGMA synchronous=FULL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # pysqlite's own transaction handling is off (isolation_level=None); take the write lock up
        # front so a competing writer fails at the start, not halfway through an edit.
        deferred = read_only or conn.get_execution_options().get("kik_read", False)
        conn.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")

    return engine


def default_author() -> str:
    """Who makes the changes of this program run: the login name (the window may set another name)."""
    try:
        return getpass.getuser()
    except Exception:  # getuser raises OSError/KeyError when no name is known for the uid
        return "unbekannt"


class Document:
    """An open KIK document: a file (``path``) or a server database (``url``), its engine and sessions.

    ``author`` is written into the history and the change log of every change; ``session_id`` tells this
    program's own changes apart from other editors' in the change log.
    """

    def __init__(self, path: Path | None, engine: Engine, read_only: bool, *, url: str | None = None) -> None:
        self._path = path
        # Without the password: shown, logged, remembered and used as the key of the backups.
        self.url = url
        self.engine = engine
        self.read_only = read_only
        self.author = default_author()
        self.session_id = uuid.uuid4().hex
        # What this program last read of each plan item: (kind, id) → (version, values); the base against
        # which a save is checked for other editors' changes (domain/conflicts.py).
        self.seen: dict[tuple[str, int], tuple[int, dict[str, Any]]] = {}
        # The change-log revision of this program's last write (0: none yet).
        self.last_revision = 0
        info = {"kik_document": self}
        self._sessions = sessionmaker(bind=engine, expire_on_commit=False, info=info)
        # Reads start a deferred transaction, so they never wait for or block a writer's lock.
        self._read_sessions = sessionmaker(
            bind=engine.execution_options(kik_read=True), expire_on_commit=False, info=info
        )
        from kik_desktop.store.changelog import install_recorder

        install_recorder(self._sessions)

    @property
    def is_server(self) -> bool:
        return self.url is not None

    @property
    def path(self) -> Path:
        """The file of a file document; a server document has none (DocumentError)."""
        if self._path is None:
            raise DocumentError(f"„{self.name}“ liegt auf einem Server, nicht in einer Datei.")
        return self._path

    @property
    def location(self) -> str:
        """The path or the URL (without password): what opens this document again."""
        return self.url if self.url is not None else str(self.path)

    @property
    def name(self) -> str:
        """A short name for titles: the file name, or „datenbank auf rechner“."""
        if self.url is not None:
            from kik_desktop.store.server import display_name

            return display_name(self.url)
        return self.path.name

    def describe_error(self, exc: BaseException) -> str:
        if self.is_server:
            from kik_desktop.store.server import describe_server_error

            return describe_server_error(exc, self.url or "")
        return describe_sqlite_error(exc)

    def storage_error(self, exc: BaseException) -> StorageError | None:
        """The user-facing error for a failed read or write of this document, None for a bug."""
        if self.is_server:
            return StorageError(self.describe_error(exc)) if is_environment_error(exc) else None
        return storage_error(exc)

    def session(self) -> Session:
        return self._sessions()

    def copy_to_file(self, target: Path) -> dict[str, int]:
        """A ``.kik`` file of this document (a server's backup); the file must not exist yet. Returns the
        verified row counts per table."""
        from kik_desktop.store.table_copy import copy_rows

        dst = create_document(target)
        try:
            return copy_rows(self.engine, dst.engine)
        finally:
            dst.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """One transaction: committed as a whole or rolled back as a whole."""
        if self.read_only:
            raise ReadOnlyDocumentError("Das Dokument ist nur zum Lesen geöffnet.")
        session = self._sessions()
        try:
            with session.begin():
                yield session
        except (OperationalError, DBAPIError) as exc:
            error = self.storage_error(exc)
            if error is not None:
                raise error from exc
            raise
        finally:
            session.close()

    @contextlib.contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only view; a failing read (network drive gone, damaged file) becomes a StorageError
        with a German message, classified by the same table as writes."""
        session = self._read_sessions()
        try:
            yield session
        except (OperationalError, DBAPIError) as exc:
            error = self.storage_error(exc)
            if error is not None:
                raise error from exc
            raise
        finally:
            try:
                session.rollback()
                session.close()
            except (OperationalError, DBAPIError):
                log.warning("closing a read session failed", exc_info=True)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Document:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _check_header(path: Path) -> None:
    try:
        with path.open("rb") as fh:
            head = fh.read(100)
    except PermissionError as exc:
        raise DocumentError(f"Keine Leserechte für die Datei „{path}“.") from exc
    except OSError as exc:
        raise DocumentError(f"Die Datei „{path}“ kann nicht gelesen werden: {exc.strerror}") from exc
    if not head.startswith(b"SQLite format 3\x00"):
        raise NotADocumentError(f"„{path.name}“ ist kein KIK-Dokument.")
    if len(head) == 100:
        app_id = int.from_bytes(head[68:72], "big")
        if app_id not in (0, APPLICATION_ID):
            raise NotADocumentError(
                f"„{path.name}“ ist eine Datenbank eines anderen Programms, kein KIK-Dokument."
            )


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _write_probe(path: Path) -> bool:
    """False if SQLite cannot take a write lock although os.access said yes (ACLs, read-only shares)."""
    try:
        conn = sqlite3.connect(f"file:{path.as_posix()}?mode=rw", uri=True, timeout=5.0, isolation_level=None)
    except sqlite3.Error:
        return False
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # The lock alone succeeds on a read-only file; rewriting the header (same value, rolled
            # back) needs the file and a journal beside it, so it fails where a real edit would.
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            conn.execute(f"PRAGMA user_version={version}")
        finally:
            conn.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        name = getattr(exc, "sqlite_errorname", "") or ""
        # Busy means another writer has it right now: writable, just not this second.
        return not (name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN")) or "readonly" in str(exc))
    finally:
        conn.close()
    return True


def open_document(
    path: str | os.PathLike[str],
    *,
    read_only: bool = False,
    migrate: bool = True,
    password_provider: Callable[[str], str | None] | None = None,
) -> Document:
    """Open an existing document (a ``.kik`` path or a ``postgresql://`` URL), migrate it to the current
    schema, refuse foreign or newer ones."""
    from kik_desktop.store import migrations
    from kik_desktop.store.server import is_server_url

    if is_server_url(path):
        return _open_server(str(path), read_only=read_only, migrate=migrate, provider=password_provider)
    p = Path(path)
    if not p.exists():
        raise DocumentError(f"Die Datei „{p}“ gibt es nicht.")
    if p.is_dir():
        raise NotADocumentError(f"„{p}“ ist ein Ordner, kein KIK-Dokument.")
    _check_header(p)
    if not read_only and not (_writable(p) and _write_probe(p)):
        read_only = True
    engine = _make_engine(p, read_only)
    try:
        with engine.connect() as conn:
            app_id = conn.exec_driver_sql("PRAGMA application_id").scalar()
            tables = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")}
            conn.rollback()
        if app_id != APPLICATION_ID or "alembic_version" not in tables:
            raise NotADocumentError(f"„{p.name}“ ist eine SQLite-Datenbank, aber kein KIK-Dokument.")
        state = migrations.schema_state(engine)
        if state == "newer":
            raise DocumentTooNewError(
                f"„{p.name}“ wurde mit einer neueren Version von KIK Desktop gespeichert. "
                "Bitte das Programm aktualisieren."
            )
        if state == "older":
            if read_only:
                raise ReadOnlyDocumentError(
                    f"„{p.name}“ hat ein älteres Format und muss aktualisiert werden, "
                    "ist aber schreibgeschützt."
                )
            if not migrate:
                raise DocumentError(f"„{p.name}“ hat ein älteres Format.")
            migrations.upgrade(engine, p)
    except DocumentError:
        engine.dispose()
        raise
    except (OperationalError, DBAPIError, sqlite3.DatabaseError) as exc:
        engine.dispose()
        raise DocumentError(f"„{p.name}“ kann nicht geöffnet werden: {describe_sqlite_error(exc)}") from exc
    doc = Document(p, engine, read_only)
    _prune_change_log(doc)
    return doc


def _prune_change_log(doc: Document) -> None:
    from kik_desktop.store.changelog import prune_on_open

    prune_on_open(doc)


def _server_tables(engine: Engine) -> set[str]:
    from sqlalchemy import inspect

    with engine.connect() as conn:
        names = set(inspect(conn).get_table_names())
        conn.rollback()
    return names


def _open_server(
    url: str, *, read_only: bool, migrate: bool, provider: Callable[[str], str | None] | None
) -> Document:
    from kik_desktop.store import migrations
    from kik_desktop.store.server import connect_engine, describe_server_error, display_name, redact

    engine, _asked = connect_engine(url, provider)
    shown = redact(url)
    name = display_name(url)
    try:
        if migrations.current_revision(engine) is None:
            raise NotADocumentError(
                f"Die Datenbank „{name}“ enthält kein KIK-Dokument "
                f"(anlegen mit „kik-desktop new {shown}“ oder „kik-desktop copy DATEI.kik {shown}“)."
            )
        state = migrations.schema_state(engine)
        if state == "newer":
            raise DocumentTooNewError(
                f"„{name}“ wurde mit einer neueren Version von KIK Desktop gespeichert. "
                "Bitte das Programm aktualisieren."
            )
        doc = Document(None, engine, read_only, url=shown)
        if state == "older":
            if read_only:
                raise ReadOnlyDocumentError(
                    f"„{name}“ hat ein älteres Format und muss aktualisiert werden; "
                    "zum Lesen geöffnet geht das nicht."
                )
            if not migrate:
                raise DocumentError(f"„{name}“ hat ein älteres Format.")
            migrations.upgrade(engine, doc)
    except DocumentError:
        engine.dispose()
        raise
    except (OperationalError, DBAPIError) as exc:
        engine.dispose()
        raise DocumentError(
            f"„{name}“ kann nicht geöffnet werden: {describe_server_error(exc, url)}"
        ) from exc
    _prune_change_log(doc)
    return doc


def _create_server(url: str, *, overwrite: bool) -> Document:
    from kik_desktop.models import Base
    from kik_desktop.store import migrations
    from kik_desktop.store.seed import seed_statuses
    from kik_desktop.store.server import connect_engine, describe_server_error, display_name, redact

    engine, _asked = connect_engine(url)
    name = display_name(url)
    try:
        tables = _server_tables(engine)
        if "alembic_version" in tables or tables & set(Base.metadata.tables):
            if not overwrite:
                raise DocumentError(
                    f"In „{name}“ gibt es schon ein KIK-Dokument (mit --force überschreiben)."
                )
            with engine.begin() as conn:
                Base.metadata.drop_all(conn)
                conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        doc = Document(None, engine, read_only=False, url=redact(url))
        migrations.upgrade(engine, doc, backup=False)
        with doc.transaction() as s:
            seed_statuses(s)
    except DocumentError:
        engine.dispose()
        raise
    except (OperationalError, DBAPIError) as exc:
        engine.dispose()
        raise DocumentError(
            f"„{name}“ kann nicht angelegt werden: {describe_server_error(exc, url)}"
        ) from exc
    return doc


def create_document(path: str | os.PathLike[str], *, overwrite: bool = False) -> Document:
    """Create an empty document at the current schema (statuses only, no plan): a file, or in an existing
    (empty) server database."""
    from kik_desktop.store import migrations
    from kik_desktop.store.seed import seed_statuses
    from kik_desktop.store.server import is_server_url

    if is_server_url(path):
        return _create_server(str(path), overwrite=overwrite)
    p = Path(path)
    if p.exists():
        if not overwrite:
            raise DocumentError(f"Die Datei „{p}“ gibt es schon.")
        p.unlink()
    p.parent.mkdir(parents=True, exist_ok=True)
    engine = _make_engine(p, read_only=False)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"PRAGMA application_id={APPLICATION_ID}")
        migrations.upgrade(engine, p, backup=False)
        doc = Document(p, engine, read_only=False)
        with doc.transaction() as s:
            seed_statuses(s)
    except Exception:
        engine.dispose()
        with contextlib.suppress(OSError):
            p.unlink()
        raise
    return doc


def exec_sql(doc: Document, sql: str) -> Any:
    with doc.engine.connect() as conn:
        result = conn.execute(text(sql)).fetchall()
        conn.rollback()
        return result

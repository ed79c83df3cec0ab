"""Copies of a document made with SQLite's online backup API (a plain file copy can be torn)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from kik_desktop.paths import backup_dir
from kik_desktop.store.errors import DocumentError, StorageError
from kik_desktop.store.sqlite_errors import ErrorClass, classify

log = logging.getLogger(__name__)

BACKUP_SUFFIX = ".kik"
MANIFEST_SUFFIX = ".json"
MANIFEST_VERSION = 1
# Rotation: the newest KEEP_LAST plus the newest of every calendar month (for years: nothing may be lost).
KEEP_LAST = 10

KIND_OPEN = "open"
KIND_IMPORT = "import"
KIND_MIGRATION = "migration"
KIND_RESTORE = "restore"
KIND_MANUAL = "manual"

# Tables whose row counts go into the manifest, so the restore list can show what a backup holds.
COUNTED_TABLES = {"fields": "field", "goals": "goal", "measures": "measure", "institutions": "institution"}


class OpenDocument(Protocol):
    """What a backup needs of an open document. ``store.database.Document`` is one; this module sits
    below ``database`` (which backs a document up before migrating it), so it names no class of it."""

    @property
    def is_server(self) -> bool: ...

    @property
    def path(self) -> Path: ...

    @property
    def location(self) -> str: ...

    @property
    def name(self) -> str: ...

    def copy_to_file(self, target: Path) -> dict[str, int]: ...


class BackupError(DocumentError):
    """A backup could not be made, verified or restored; the message is German."""


class DamagedSourceError(BackupError):
    """The document to be backed up fails its integrity check: no backup is taken of it."""


@dataclass(frozen=True)
class BackupInfo:
    """One backup file and what its manifest says about it."""

    path: Path
    created: datetime
    reason: str
    kind: str
    document: str
    sha256: str | None
    size: int
    counts: dict[str, int] = field(default_factory=dict)
    has_manifest: bool = True

    @property
    def manifest_path(self) -> Path:
        return manifest_path_of(self.path)

    def describe_counts(self) -> str:
        c = self.counts
        if not c:
            return "unbekannt"
        return (
            f"{c.get('fields', 0)} Handlungsfelder, {c.get('goals', 0)} Ziele, "
            f"{c.get('measures', 0)} Maßnahmen"
        )


def manifest_path_of(backup: Path) -> Path:
    return backup.with_name(backup.name + MANIFEST_SUFFIX)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9ÄÖÜäöüß_-]+", "-", text).strip("-")[:40] or "sicherung"


def _kind_of(reason: str) -> str:
    low = reason.lower()
    if "aktualisierung" in low or "migration" in low:
        return KIND_MIGRATION
    if "import" in low:
        return KIND_IMPORT
    if "wiederherstell" in low:
        return KIND_RESTORE
    if "öffnen" in low:
        return KIND_OPEN
    return KIND_MANUAL


def _fsync_dir(folder: Path) -> None:
    # On POSIX the rename itself is only durable once the directory is synced; Windows has no dir fds.
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _open_source(source: Path) -> sqlite3.Connection:
    """A read connection to a live document; rolls a hot journal back first if one is left over."""
    src = sqlite3.connect(f"file:{source.as_posix()}?mode=ro", uri=True, timeout=5.0)
    try:
        src.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return src
    except sqlite3.OperationalError as exc:
        src.close()
        # A crashed writer left a hot journal: only a writable connection may roll it back.
        if getattr(exc, "sqlite_errorname", "") != "SQLITE_READONLY_ROLLBACK":
            raise
    src = sqlite3.connect(f"file:{source.as_posix()}?mode=rw", uri=True, timeout=5.0)
    src.execute("SELECT count(*) FROM sqlite_master").fetchone()
    return src


def _backup_api_copy(source: Path, target: Path) -> None:
    """Copy source into target (which must not exist) in one step of the online backup API."""
    src = _open_source(source)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    finally:
        src.close()


def copy_database(source: Path, target: Path) -> None:
    """Write a consistent copy of source to target through a temporary file and an atomic rename."""
    tmp = target.with_name(target.name + ".tmp")
    tmp.unlink(missing_ok=True)
    try:
        _backup_api_copy(source, tmp)
        tmp.replace(target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def inspect_database(path: Path, *, full: bool = True) -> tuple[list[str], dict[str, int]]:
    """Integrity problems (empty: sound) and row counts of a database file that nobody writes to."""
    problems: list[str] = []
    counts: dict[str, int] = {}
    try:
        conn = sqlite3.connect(f"file:{path.as_posix()}?mode=ro", uri=True, timeout=5.0)
    except sqlite3.Error as exc:
        return [str(exc)], counts
    try:
        rows = [str(r[0]) for r in conn.execute("PRAGMA integrity_check" if full else "PRAGMA quick_check")]
        if rows != ["ok"]:
            problems.extend(rows[:5])
        fk = conn.execute("PRAGMA foreign_key_check").fetchall()
        if fk:
            problems.append(f"{len(fk)} Verweise zeigen ins Leere (Tabelle {fk[0][0]})")
        tables = {str(r[0]) for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        for key, table in COUNTED_TABLES.items():
            if table in tables:
                counts[key] = int(conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])
    except sqlite3.Error as exc:
        problems.append(str(exc))
    finally:
        conn.close()
    return problems, counts


def _write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=2)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)


def _storage_error(exc: BaseException, what: str) -> BackupError:
    if isinstance(exc, sqlite3.Error):
        return BackupError(f"{what}: {classify(exc).message}")
    if isinstance(exc, OSError):
        if exc.errno in (28, 27):  # ENOSPC, EFBIG
            return BackupError(f"{what}: Nicht genug Speicherplatz im Sicherungsordner.")
        return BackupError(f"{what}: {exc.strerror or exc}")
    return BackupError(f"{what}: {exc}")


def document_key(document: Path | str | OpenDocument) -> str:
    """What a backup's manifest names as its document: the resolved path, or the server URL (no password)."""
    if isinstance(document, str) and "://" in document:
        from kik_desktop.store.server import redact

        return redact(document)
    if isinstance(document, (Path, str)):
        return str(Path(document).resolve())
    return document.location if document.is_server else str(document.path.resolve())


def _server_stem(url: str) -> str:
    from sqlalchemy.engine import make_url

    return f"Server-{make_url(url).database}"


def make_backup(
    document: Path | OpenDocument,
    reason: str,
    folder: Path | None = None,
    *,
    kind: str | None = None,
    rotate: bool = True,
) -> Path:
    """Back the document up into the user's backup folder; returns the backup's path.

    The copy is written to a temporary file, checked (integrity, counts), given a SHA-256 manifest and
    only then renamed into place; older backups are rotated away only after that. A server document
    (an open Document with a URL) is backed up as a ``.kik`` file the same way.
    """
    server: OpenDocument | None = None
    if not isinstance(document, Path):
        if document.is_server:
            server = document
        else:
            document = document.path
    key = document_key(document)
    stem = _server_stem(key) if server is not None else Path(str(document)).stem
    shown = server.name if server is not None else Path(str(document)).name
    folder = folder or backup_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _storage_error(exc, "Der Sicherungsordner kann nicht angelegt werden") from exc
    now = datetime.now()
    clean_leftovers(folder)
    stamp = now.strftime("%Y-%m-%d_%H-%M-%S-%f")
    target = folder / f"{stem}_{stamp}_{_slug(reason)}{BACKUP_SUFFIX}"
    tmp = target.with_name(target.name + ".tmp")
    what = f"Sicherung von „{shown}“ fehlgeschlagen"
    try:
        if server is not None:
            tmp.unlink(missing_ok=True)
            server.copy_to_file(tmp)
        else:
            assert isinstance(document, Path)
            _backup_api_copy(document, tmp)
        problems, counts = inspect_database(tmp)
        if problems:
            raise DamagedSourceError(
                f"„{shown}“ ist beschädigt ({problems[0]}); davon wird keine Sicherung angelegt."
            )
        digest = sha256_of(tmp)
        manifest = {
            "format": MANIFEST_VERSION,
            "file": target.name,
            "sha256": digest,
            "size": tmp.stat().st_size,
            "created": now.isoformat(timespec="seconds"),
            "reason": reason,
            "kind": kind or _kind_of(reason),
            "document": key,
            "counts": counts,
        }
        # Manifest first, backup last: a crash in between leaves a manifest without a backup (ignored
        # and cleaned up), never a backup without its checksum.
        _write_json_atomic(manifest_path_of(target), manifest)
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        tmp.replace(target)
        # The older checksum file, kept for tools that read it.
        target.with_name(target.name + ".sha256").write_text(f"{digest}  {target.name}\n", "utf-8")
        _fsync_dir(folder)
    except BackupError:
        _discard(target, tmp)
        raise
    except DocumentError as exc:
        _discard(target, tmp)
        raise BackupError(f"{what}: {exc}") from exc
    except (OSError, sqlite3.Error) as exc:
        _discard(target, tmp)
        if not isinstance(exc, OSError) and classify(exc).error_class is ErrorClass.DAMAGED:
            raise DamagedSourceError(
                f"„{shown}“ ist beschädigt ({exc}); davon wird keine Sicherung angelegt."
            ) from exc
        raise _storage_error(exc, what) from exc
    log.info("backup of %s: %s (%s)", key, target, reason)
    if rotate:
        try:
            rotate_backups(key if server is not None else Path(key), folder)
        except OSError:
            log.exception("rotating backups of %s failed", key)
    return target


LEFTOVER_AGE_SECONDS = 3600.0


def clean_leftovers(folder: Path) -> list[Path]:
    """Remove what killed backups left: temp files and manifests without a backup (older than an hour,
    so that a backup running in another process right now is not disturbed)."""
    removed: list[Path] = []
    limit = datetime.now().timestamp() - LEFTOVER_AGE_SECONDS
    with contextlib.suppress(OSError):
        for path in folder.iterdir():
            name = path.name
            orphan = (
                name.endswith(BACKUP_SUFFIX + MANIFEST_SUFFIX)
                and not path.with_name(name[: -len(MANIFEST_SUFFIX)]).exists()
            )
            if not (name.endswith(".tmp") or orphan):
                continue
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < limit:
                    path.unlink()
                    removed.append(path)
    return removed


def _discard(target: Path, tmp: Path) -> None:
    for p in (tmp, target, manifest_path_of(target), target.with_name(target.name + ".sha256")):
        with contextlib.suppress(OSError):
            p.unlink(missing_ok=True)


_STAMP = re.compile(r"_(\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}(?:-\d{6})?)_")


def read_backup_info(path: Path) -> BackupInfo:
    """What is known about one backup file: its manifest, or what its name and old .sha256 file say."""
    size = path.stat().st_size
    mpath = manifest_path_of(path)
    if mpath.exists():
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            data = json.loads(mpath.read_text("utf-8"))
            return BackupInfo(
                path=path,
                created=datetime.fromisoformat(str(data["created"])),
                reason=str(data.get("reason", "")),
                kind=str(data.get("kind", KIND_MANUAL)),
                document=str(data.get("document", "")),
                sha256=str(data["sha256"]) if data.get("sha256") else None,
                size=size,
                counts={str(k): int(v) for k, v in dict(data.get("counts", {})).items()},
            )
    match = _STAMP.search(path.name)
    created = datetime.fromtimestamp(path.stat().st_mtime)
    if match:
        with contextlib.suppress(ValueError):
            raw = match.group(1)
            fmt = "%Y-%m-%d_%H-%M-%S-%f" if raw.count("-") == 5 else "%Y-%m-%d_%H-%M-%S"
            created = datetime.strptime(raw, fmt)
    sha: str | None = None
    legacy = path.with_name(path.name + ".sha256")
    if legacy.exists():
        with contextlib.suppress(OSError, IndexError):
            sha = legacy.read_text("utf-8").split()[0]
    return BackupInfo(
        path=path,
        created=created,
        reason="",
        kind=KIND_MANUAL,
        document="",
        sha256=sha,
        size=size,
        counts={},
        has_manifest=False,
    )


def _belongs_to(info: BackupInfo, document: Path | str) -> bool:
    key = document_key(document)
    if info.document:
        return info.document == key
    if isinstance(document, str) and "://" in document:
        return False
    return info.path.name.startswith(Path(document).stem + "_")


def list_backups(document: Path | str | None = None, folder: Path | None = None) -> list[BackupInfo]:
    """The backups in the folder (of one document, if given), newest first."""
    folder = folder or backup_dir()
    if not folder.is_dir():
        return []
    infos: list[BackupInfo] = []
    for path in folder.glob(f"*{BACKUP_SUFFIX}"):
        if not path.is_file():
            continue
        try:
            info = read_backup_info(path)
        except OSError:
            continue
        if document is None or _belongs_to(info, document):
            infos.append(info)
    infos.sort(key=lambda i: (i.created, i.path.name), reverse=True)
    return infos


def verify_backup(info: BackupInfo | Path, *, full: bool = True) -> list[str]:
    """Problems of a backup (empty: restorable): the SHA-256 of its manifest, then SQLite's own check."""
    if isinstance(info, Path):
        info = read_backup_info(info)
    if info.sha256 is None:
        return ["keine Prüfsumme vorhanden"]
    try:
        if sha256_of(info.path) != info.sha256:
            return ["Prüfsumme stimmt nicht (Datei verändert oder beschädigt)"]
    except OSError as exc:
        return [f"nicht lesbar: {exc.strerror or exc}"]
    if not full:
        return []
    problems, _ = inspect_database(info.path)
    return problems


def newest_verified_backup(document: Path | str, folder: Path | None = None) -> BackupInfo | None:
    """The newest backup of the document that passes its checksum and integrity check."""
    for info in list_backups(document, folder):
        if not verify_backup(info):
            return info
    return None


def backups_to_keep(infos: list[BackupInfo], keep_last: int = KEEP_LAST) -> set[Path]:
    """Rotation rule over verified backups (newest first): the newest keep_last and the newest per month."""
    keep: set[Path] = {i.path for i in infos[:keep_last]}
    months: set[tuple[int, int]] = set()
    for info in infos:
        month = (info.created.year, info.created.month)
        if month not in months:
            months.add(month)
            keep.add(info.path)
    return keep


def rotate_backups(
    document: Path | str, folder: Path | None = None, keep_last: int = KEEP_LAST
) -> list[Path]:
    """Delete backups of the document that the rotation rule lets go; returns what was deleted.

    Only verified backups count towards what is kept, and nothing is deleted unless the newest backup
    verifies: a damaged copy never pushes a good one out.
    """
    infos = list_backups(document, folder)
    if not infos:
        return []
    if verify_backup(infos[0]):
        log.warning("newest backup %s fails its check: not rotating", infos[0].path)
        return []
    good = [i for i in infos if not verify_backup(i, full=False)]
    keep = backups_to_keep(good, keep_last)
    if len(keep) >= len(infos):
        return []
    # Backups failing their checksum are useless for a restore; they go once the newest one is good.
    deleted: list[Path] = []
    for info in infos:
        if info.path in keep:
            continue
        for p in (info.path, info.manifest_path, info.path.with_name(info.path.name + ".sha256")):
            with contextlib.suppress(FileNotFoundError):
                p.unlink()
        deleted.append(info.path)
    log.info("rotated %d backups of %s", len(deleted), document)
    return deleted


def backup_on_open(
    document: Path | OpenDocument, folder: Path | None = None, now: datetime | None = None
) -> Path | None:
    """The daily backup when a document is opened: at most one a day; None if today's exists."""
    today = (now or datetime.now()).date()
    key: Path | str
    if isinstance(document, Path):
        key = document
    else:
        key = document_key(document) if document.is_server else document.path
    for info in list_backups(key, folder):
        if info.kind == KIND_OPEN and info.created.date() == today:
            return None
    return make_backup(document, "beim Öffnen", folder, kind=KIND_OPEN)


def restore_backup(backup: BackupInfo | Path, document: Path, folder: Path | None = None) -> Path | None:
    """Put a backup in place of the document; returns the backup made of the state it replaced.

    The document must be closed by the caller (who holds its lock). The backup is verified first; the
    current state is backed up (a damaged one is kept beside it as ``.damaged``); the backup is written
    with the backup API into a temporary file next to the document, checked, and renamed over it.
    """
    info = backup if isinstance(backup, BackupInfo) else read_backup_info(Path(backup))
    document = Path(document)
    problems = verify_backup(info)
    if problems:
        raise BackupError(
            f"Die Sicherung vom {info.created:%d.%m.%Y %H:%M} kann nicht wiederhergestellt werden: "
            + "; ".join(problems)
        )
    previous: Path | None = None
    if document.exists():
        try:
            previous = make_backup(document, "vor Wiederherstellung", folder, kind=KIND_RESTORE)
        except DamagedSourceError:
            damaged = document.with_name(document.name + ".damaged")
            shutil.copyfile(document, damaged)
            log.warning("damaged document kept as %s", damaged)
    tmp = document.with_name(document.name + ".restore-tmp")
    what = f"Wiederherstellung von „{document.name}“ fehlgeschlagen"
    try:
        tmp.unlink(missing_ok=True)
        _backup_api_copy(info.path, tmp)
        restored_problems, counts = inspect_database(tmp)
        if restored_problems or (info.counts and counts != info.counts):
            raise BackupError(f"{what}: die wiederhergestellte Kopie ist nicht in Ordnung.")
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        # A journal left by a crash belongs to the old file; replayed onto the restored one it would
        # corrupt it. make_backup above has already let SQLite roll it back.
        journal = document.with_name(document.name + "-journal")
        if journal.exists() and journal.stat().st_size > 0:
            raise BackupError(f"{what}: das Dokument ist noch von einem Programm geöffnet.")
        os.replace(tmp, document)
        _fsync_dir(document.parent)
    except BackupError:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise
    except (OSError, sqlite3.Error) as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise _storage_error(exc, what) from exc
    log.info("restored %s from %s", document, info.path)
    return previous


__all__ = [
    "KEEP_LAST",
    "BackupError",
    "BackupInfo",
    "DamagedSourceError",
    "StorageError",
    "backup_on_open",
    "backups_to_keep",
    "copy_database",
    "document_key",
    "inspect_database",
    "list_backups",
    "make_backup",
    "newest_verified_backup",
    "read_backup_info",
    "restore_backup",
    "rotate_backups",
    "sha256_of",
    "verify_backup",
]

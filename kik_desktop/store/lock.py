"""A lock file beside the document that says who has it open (Qt-free, safe on network shares)."""

from __future__ import annotations

import contextlib
import errno
import getpass
import json
import logging
import os
import secrets
import socket
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType

from kik_desktop import APP_NAME, __version__
from kik_desktop.store.database import DocumentLockedError

log = logging.getLogger(__name__)

LOCK_SUFFIX = ".lock"
# A lock file is written right after it is created; an empty one younger than this is still being written.
_WRITE_GRACE_SECONDS = 5.0
_NO_RIGHTS = {errno.EACCES, errno.EPERM, errno.EROFS}


def lock_path_of(document: Path) -> Path:
    return document.with_name(document.name + LOCK_SUFFIX)


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # getuser raises OSError/KeyError when no name is known for the uid
        return "unbekannt"


def _host() -> str:
    return socket.gethostname() or "unbekannt"


def _boot_id() -> str:
    # Same host after a reboot: every pid in an old lock is meaningless (Linux only; elsewhere empty).
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs on this computer."""
    if pid <= 0:
        return False
    if sys.platform == "win32":
        # os.kill(pid, 0) would terminate the process on Windows; ask the kernel instead.
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined,unused-ignore]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return bool(kernel32.GetLastError() == 5)  # ACCESS_DENIED: it exists, but is not ours
        try:
            code = ctypes.c_ulong()
            kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
            return code.value == 259  # STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class LockHolder:
    """Who holds a document's lock, as written in the lock file."""

    user: str
    host: str
    pid: int
    app: str
    since: datetime | None
    token: str = ""
    boot_id: str = ""

    @property
    def on_this_host(self) -> bool:
        return self.host.lower() == _host().lower()

    @property
    def is_this_process(self) -> bool:
        return self.on_this_host and self.pid == os.getpid()

    def is_stale(self) -> bool:
        """True only when the holder provably is gone: on this host, and its process no longer runs.

        A lock from another computer is never stale by age: that computer may be a laptop that is
        simply idle. Only the user may break it (``DocumentLock.break_lock``).
        """
        if not self.on_this_host:
            return False
        if self.boot_id and _boot_id() and self.boot_id != _boot_id():
            return True
        return not pid_alive(self.pid)

    def describe(self) -> str:
        """German: who, on which computer, since when."""
        since = f" seit {self.since:%d.%m.%Y %H:%M} Uhr" if self.since else ""
        where = "auf diesem Rechner" if self.on_this_host else f"auf dem Rechner „{self.host}“"
        return f"{self.user} {where}{since} ({self.app})"

    def to_json(self) -> str:
        return json.dumps(
            {
                "user": self.user,
                "host": self.host,
                "pid": self.pid,
                "app": self.app,
                "since": self.since.isoformat(timespec="seconds") if self.since else None,
                "token": self.token,
                "boot_id": self.boot_id,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_bytes(cls, raw: bytes) -> LockHolder:
        data = json.loads(raw.decode("utf-8"))
        since = data.get("since")
        return cls(
            user=str(data.get("user") or "unbekannt"),
            host=str(data.get("host") or "unbekannt"),
            pid=int(data.get("pid") or 0),
            app=str(data.get("app") or "unbekannt"),
            since=datetime.fromisoformat(since) if since else None,
            token=str(data.get("token") or ""),
            boot_id=str(data.get("boot_id") or ""),
        )

    @classmethod
    def unknown(cls, since: datetime | None) -> LockHolder:
        """A lock file that cannot be read: treated as held by someone unknown, never as stale."""
        return cls(user="unbekannt", host="unbekannt", pid=0, app="unbekannt", since=since)


class DocumentInUseError(DocumentLockedError):
    """The document is open elsewhere; ``holder`` says who has it."""

    def __init__(self, document: Path, holder: LockHolder) -> None:
        self.document = document
        self.holder = holder
        super().__init__(f"„{document.name}“ ist bereits geöffnet: von {holder.describe()}.")


class LockUnavailableError(DocumentLockedError):
    """No lock file can be written beside the document (read-only folder or share)."""


class DocumentLock:
    """``<document>.lock``: created atomically (O_EXCL), holds user, host, pid, app and time as JSON."""

    def __init__(self, document: str | os.PathLike[str], app: str = f"{APP_NAME} {__version__}") -> None:
        self.document = Path(document)
        self.path = lock_path_of(self.document)
        self.app = app
        self._mine: LockHolder | None = None

    @property
    def held(self) -> bool:
        return self._mine is not None

    def holder(self) -> LockHolder | None:
        """Who holds the lock now, per the file (None: nobody)."""
        try:
            raw = self.path.read_bytes()
            mtime = datetime.fromtimestamp(self.path.stat().st_mtime)
        except FileNotFoundError:
            return None
        except OSError:
            return LockHolder.unknown(None)
        try:
            return LockHolder.from_bytes(raw)
        except (ValueError, TypeError, UnicodeDecodeError):
            return LockHolder.unknown(mtime)

    def _create(self) -> bool:
        me = LockHolder(
            user=_user(),
            host=_host(),
            pid=os.getpid(),
            app=self.app,
            since=datetime.now().replace(microsecond=0),
            token=secrets.token_hex(8),
            boot_id=_boot_id(),
        )
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return False
        except OSError as exc:
            why = "keine Schreibrechte im Ordner" if exc.errno in _NO_RIGHTS else (exc.strerror or str(exc))
            raise LockUnavailableError(
                f"Neben „{self.document.name}“ kann keine Sperrdatei angelegt werden "
                f"({why}); das Dokument lässt sich nur lesen."
            ) from exc
        try:
            os.write(fd, me.to_json().encode("utf-8"))
            os.fsync(fd)
        except OSError as exc:
            os.close(fd)
            with contextlib.suppress(OSError):
                self.path.unlink()
            raise LockUnavailableError(
                f"Die Sperrdatei für „{self.document.name}“ kann nicht geschrieben werden "
                f"({exc.strerror or exc})."
            ) from exc
        os.close(fd)
        self._mine = me
        return True

    def try_acquire(self) -> LockHolder | None:
        """Take the lock; None on success, else who holds it. A provably stale lock is taken over."""
        if self._mine is not None:
            return None
        for _attempt in range(3):
            if self._create():
                return None
            holder = self.holder()
            if holder is None:
                continue  # released in between: try again
            if holder.user == "unbekannt" and holder.pid == 0 and holder.since is not None:
                # Empty or half-written: give its writer a moment before reporting it.
                age = (datetime.now() - holder.since).total_seconds()
                if age < _WRITE_GRACE_SECONDS:
                    time.sleep(0.2)
                    continue
            if holder.is_stale():
                log.warning("taking over stale lock %s of pid %s", self.path, holder.pid)
                self._remove_if_unchanged(holder)
                continue
            return holder
        holder = self.holder()
        return holder or LockHolder.unknown(None)

    def acquire(self) -> None:
        """Take the lock or raise DocumentInUseError (or LockUnavailableError on a read-only folder)."""
        holder = self.try_acquire()
        if holder is not None:
            raise DocumentInUseError(self.document, holder)

    def _remove_if_unchanged(self, expected: LockHolder) -> None:
        # Re-read just before removing, so a lock taken over by a third process in between survives.
        current = self.holder()
        if current == expected:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()

    def break_lock(self) -> None:
        """Remove someone else's lock and take it: only after the user confirmed it explicitly."""
        holder = self.holder()
        log.warning("lock %s broken by the user (holder: %s)", self.path, holder)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        self.acquire()

    def release(self) -> None:
        """Remove the lock file if it is still ours (someone may have broken it meanwhile)."""
        mine, self._mine = self._mine, None
        if mine is None:
            return
        current = self.holder()
        if current is not None and current.token == mine.token:
            with contextlib.suppress(OSError):
                self.path.unlink()
        else:
            log.warning("lock %s was no longer ours at release", self.path)

    def still_held(self) -> bool:
        """Whether the lock file on disk is still ours (False after someone broke it)."""
        if self._mine is None:
            return False
        current = self.holder()
        return current is not None and current.token == self._mine.token

    def __enter__(self) -> DocumentLock:
        self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


__all__ = [
    "DocumentInUseError",
    "DocumentLock",
    "LockHolder",
    "LockUnavailableError",
    "lock_path_of",
    "pid_alive",
]

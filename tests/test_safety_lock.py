"""Lock file beside the document (T05, T06): who has it, stale locks on this host, foreign locks kept."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from corpus.harness import subprocess_env

from kik_desktop.store.lock import DocumentInUseError, DocumentLock, LockHolder, lock_path_of

# Only a .kik file has this; the document tests of both back ends are the modules marked both_backends.
pytestmark = pytest.mark.sqlite_only(reason="the lock file beside a .kik document")


@pytest.fixture
def doc_path(tmp_path: Path) -> Path:
    path = tmp_path / "konzept.kik"
    path.write_bytes(b"")
    return path


def _write_foreign_lock(doc: Path, host: str = "LAPTOP-AG3", hours_old: float = 24.0) -> Path:
    since = datetime.now() - timedelta(hours=hours_old)
    lock = lock_path_of(doc)
    lock.write_text(
        json.dumps(
            {
                "user": "mmueller",
                "host": host,
                "pid": 4242,
                "app": "KIK Desktop 0.1.0",
                "since": since.isoformat(timespec="seconds"),
                "token": "abc",
            }
        ),
        "utf-8",
    )
    old = time.time() - hours_old * 3600
    os.utime(lock, (old, old))
    return lock


def test_acquire_writes_who_and_release_removes(doc_path: Path) -> None:
    lock = DocumentLock(doc_path)
    lock.acquire()
    data = json.loads(lock.path.read_text("utf-8"))
    assert lock.path.name == "konzept.kik.lock"
    assert {"user", "host", "pid", "app", "since"} <= set(data)
    assert data["pid"] == os.getpid()
    assert lock.still_held()
    lock.release()
    assert not lock.path.exists()


def test_second_instance_is_told_who_has_it(doc_path: Path) -> None:
    """T05: a second opener gets user, host and time; after a clean exit nothing blocks (0 false refusals)."""
    first = DocumentLock(doc_path)
    first.acquire()
    t0 = time.perf_counter()
    holder = DocumentLock(doc_path).try_acquire()
    elapsed = time.perf_counter() - t0
    assert holder is not None and holder.pid == os.getpid() and holder.on_this_host
    assert "auf diesem Rechner seit" in holder.describe()
    with pytest.raises(DocumentInUseError, match="bereits geöffnet"):
        DocumentLock(doc_path).acquire()
    first.release()
    refusals = 0
    for _ in range(20):
        lock = DocumentLock(doc_path)
        refusals += lock.try_acquire() is not None
        lock.release()
    assert refusals == 0
    print(f"second instance detected in {elapsed * 1000:.2f} ms; false refusals after clean exit: {refusals}")


def test_lock_of_a_killed_process_on_this_host_is_taken_over(doc_path: Path, data_dir: Path) -> None:
    """T06, same host: the holder is SIGKILLed; the next opener recovers by its pid, without asking."""
    code = (
        "import sys, time\n"
        "from kik_desktop.store.lock import DocumentLock\n"
        "DocumentLock(sys.argv[1]).acquire()\n"
        "print('held', flush=True)\n"
        "time.sleep(60)\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code, str(doc_path)],
        stdout=subprocess.PIPE,
        text=True,
        env=subprocess_env(data_dir),
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "held"
    holder = DocumentLock(doc_path).try_acquire()
    assert holder is not None and holder.pid == child.pid and not holder.is_stale()
    child.send_signal(signal.SIGKILL)
    child.communicate()
    lock = DocumentLock(doc_path)
    assert lock.try_acquire() is None
    assert json.loads(lock.path.read_text("utf-8"))["pid"] == os.getpid()
    lock.release()


def test_lock_from_another_computer_is_never_broken_by_age(doc_path: Path) -> None:
    """T06, foreign host: even a year-old lock stays until the user breaks it explicitly."""
    path = _write_foreign_lock(doc_path, hours_old=24 * 365)
    holder = DocumentLock(doc_path).try_acquire()
    assert holder is not None and holder.host == "LAPTOP-AG3" and not holder.is_stale()
    assert "auf dem Rechner „LAPTOP-AG3“" in holder.describe() and "mmueller" in holder.describe()
    assert path.exists()
    lock = DocumentLock(doc_path)
    lock.break_lock()
    assert json.loads(path.read_text("utf-8"))["pid"] == os.getpid()
    lock.release()
    assert not path.exists()


def test_unreadable_lock_is_not_broken(doc_path: Path) -> None:
    path = lock_path_of(doc_path)
    path.write_bytes(b"\x00garbage")
    old = time.time() - 3600
    os.utime(path, (old, old))
    holder = DocumentLock(doc_path).try_acquire()
    assert holder is not None and holder.user == "unbekannt" and not holder.is_stale()
    assert path.read_bytes() == b"\x00garbage"


def test_release_leaves_a_lock_someone_else_took(doc_path: Path) -> None:
    mine = DocumentLock(doc_path)
    mine.acquire()
    other = DocumentLock(doc_path)
    other.break_lock()  # the user on another instance broke our lock
    assert not mine.still_held()
    mine.release()
    assert other.still_held()
    other.release()


def test_context_manager_and_holder_roundtrip(doc_path: Path) -> None:
    with DocumentLock(doc_path) as lock:
        holder = lock.holder()
        assert holder is not None
        assert LockHolder.from_bytes(holder.to_json().encode()) == holder
    assert not lock_path_of(doc_path).exists()

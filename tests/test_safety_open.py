"""Opening safely and failing safely: integrity at open (T08), read-only (T04), disk full (T03),
contention (T07), I/O errors mid-edit (T15 for edits), locks through open_for_editing (T05)."""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from corpus.harness import file_digest, integrity_ok, subprocess_env, unprivileged_prefix
from sqlalchemy import event, select

from kik_desktop.domain import plan
from kik_desktop.models import Measure
from kik_desktop.store import Document, ReadOnlyDocumentError, StorageError, open_document
from kik_desktop.store import backup as bk
from kik_desktop.store.lock import DocumentInUseError, DocumentLock
from kik_desktop.store.safety import DamagedDocumentError, check_document, open_for_editing

# Only a .kik file has this; the document tests of both back ends are the modules marked both_backends.
pytestmark = pytest.mark.sqlite_only(reason="quick_check, journal, disk full and contention of a .kik file")


def _titles(path: Path) -> list[str]:
    conn = sqlite3.connect(f"file:{path.as_posix()}?mode=ro", uri=True)
    try:
        return [r[0] for r in conn.execute("SELECT title FROM measure ORDER BY id")]
    finally:
        conn.close()


def _rename_all(doc: Document, prefix: str) -> None:
    with doc.transaction() as s:
        for mid in list(s.scalars(select(Measure.id))):
            plan.update_item(s, "measure", mid, {"title": f"{prefix} {mid}", "status_key": "mitte"})


@pytest.fixture
def closed_plan(small_plan: Document) -> Path:
    small_plan.close()
    return small_plan.path


# ---------------------------------------------------------------- open_for_editing and locks
def test_open_for_editing_locks_checks_and_backs_up(closed_plan: Path) -> None:
    doc, lock = open_for_editing(closed_plan)
    try:
        assert not doc.read_only and lock is not None and lock.still_held()
        assert check_document(doc) == []
        assert [i.kind for i in bk.list_backups(closed_plan)] == ["open"]
    finally:
        doc.close()
        lock.release()
    doc, lock = open_for_editing(closed_plan)  # the same day: no second daily backup
    doc.close()
    assert lock is not None
    lock.release()
    assert len(bk.list_backups(closed_plan)) == 1


def test_write_probe_leaves_the_bytes(closed_plan: Path) -> None:
    before = file_digest(closed_plan)
    open_document(closed_plan).close()
    assert file_digest(closed_plan) == before
    assert not closed_plan.with_name(closed_plan.name + "-journal").exists()


def test_second_opener_is_refused_then_reads(closed_plan: Path) -> None:
    doc, lock = open_for_editing(closed_plan)
    try:
        with pytest.raises(DocumentInUseError) as info:
            open_for_editing(closed_plan)
        assert info.value.holder.pid == os.getpid()
        ro, ro_lock = open_for_editing(closed_plan, read_only_if_locked=True)
        assert ro.read_only and ro_lock is None
        assert "geöffnet von" in ro.read_only_reason  # type: ignore[attr-defined]
        with pytest.raises(ReadOnlyDocumentError), ro.transaction():
            pass
        ro.close()
    finally:
        doc.close()
        assert lock is not None
        lock.release()


def test_break_lock_after_confirmation(closed_plan: Path) -> None:
    foreign = DocumentLock(closed_plan)
    foreign.acquire()
    doc, lock = open_for_editing(closed_plan, break_lock=True)
    assert lock is not None and lock.still_held() and not foreign.still_held()
    doc.close()
    lock.release()


# ---------------------------------------------------------------- T08 damaged documents
def _root_page(path: Path, table: str) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT rootpage FROM sqlite_master WHERE name=?", (table,)).fetchone()[0])
    finally:
        conn.close()


def _damage(path: Path, how: str) -> None:
    data = bytearray(path.read_bytes())
    if how == "header":
        data[0:16] = b"\x00" * 16
    elif how == "btree":
        page = _root_page(path, "measure")
        start = (page - 1) * 4096
        data[start : start + 12] = b"\x0d\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
    elif how == "truncated":
        data = data[: len(data) // 3 // 4096 * 4096 or 4096]
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("how", ["header", "btree", "truncated"])
def test_damaged_document_is_left_alone_and_a_backup_offered(closed_plan: Path, how: str) -> None:
    good = bk.make_backup(closed_plan, "vor Schaden")
    _damage(closed_plan, how)
    before = file_digest(closed_plan)
    with pytest.raises(DamagedDocumentError) as info:
        open_for_editing(closed_plan)
    assert info.value.backup is not None and info.value.backup.path == good
    assert "beschädigt" in str(info.value) and "neueste intakte Sicherung" in str(info.value)
    assert file_digest(closed_plan) == before, "a damaged document is not written to"
    assert not DocumentLock(closed_plan).path.exists(), "the lock is released again"
    assert [i.path for i in bk.list_backups(closed_plan)] == [good], "no backup of a damaged file"
    t0 = time.perf_counter()
    bk.restore_backup(info.value.backup, closed_plan)
    restore_ms = (time.perf_counter() - t0) * 1000
    doc, lock = open_for_editing(closed_plan)
    assert len(_titles(closed_plan)) == 6
    doc.close()
    assert lock is not None
    lock.release()
    print(f"damage {how}: refused at open, restore {restore_ms:.1f} ms")


def test_damaged_without_backup_says_so(closed_plan: Path) -> None:
    _damage(closed_plan, "btree")
    with pytest.raises(DamagedDocumentError, match="keine intakte Sicherung") as info:
        open_for_editing(closed_plan)
    assert info.value.backup is None


def test_random_damage_census(small_plan: Document, tmp_path: Path) -> None:
    """Random damage is refused at open without touching the file, or what opens passes its check.

    How much of it the check catches is printed for the report (a checksum it is not), but whatever
    it lets through must be a document its own integrity check calls sound.
    """
    with small_plan.transaction() as s:
        for n in range(150):
            plan.create_item(
                s, "measure", (n % 3) + 1, None, {"title": f"Zensus {n}", "description": "z" * 300}
            )
    small_plan.close()
    rng = random.Random(5)
    caught = 0
    trials = 40
    for i in range(trials):
        copy = tmp_path / f"zensus_{i}.kik"
        shutil.copyfile(small_plan.path, copy)
        data = bytearray(copy.read_bytes())
        page = rng.randrange(1, len(data) // 4096)
        offset = page * 4096 + rng.randrange(0, 4096 - 32)
        data[offset : offset + 32] = rng.randbytes(32)
        copy.write_bytes(bytes(data))
        damaged = file_digest(copy)
        try:
            doc, lock = open_for_editing(copy, daily_backup=False)
        except DamagedDocumentError as exc:
            caught += 1
            assert exc.problems and "beschädigt" in str(exc), str(exc)
            assert file_digest(copy) == damaged, "a refused document is not written to"
            continue
        try:
            assert check_document(doc) == [], f"trial {i}: opened although its own check finds damage"
        finally:
            doc.close()
            if lock is not None:
                lock.release()
    assert caught > 0, "32 random bytes in 40 places and the check at open caught none"
    print(f"random 32-byte damage: {caught}/{trials} caught by quick_check + foreign_key_check at open")


def test_quick_check_cost(tmp_path: Path) -> None:
    from bench.synthetic import make_synthetic_document

    path = tmp_path / "gross.kik"
    make_synthetic_document(path, 3000, seed=3).close()
    t0 = time.perf_counter()
    doc, lock = open_for_editing(path, daily_backup=False)
    total = time.perf_counter() - t0
    t1 = time.perf_counter()
    assert check_document(doc) == []
    check = time.perf_counter() - t1
    doc.close()
    assert lock is not None
    lock.release()
    print(
        f"3,000 measures: quick_check + fk check {check * 1000:.1f} ms, "
        f"whole safe open {total * 1000:.1f} ms (baseline from reliability.md: quick_check 6 ms)"
    )


# ---------------------------------------------------------------- T03 disk full
def test_disk_full_rolls_back_with_a_german_message(small_plan: Document) -> None:
    """max_page_count: the document's connections may not grow the file: SQLITE_FULL on a big edit."""
    with small_plan.engine.connect() as conn:
        pages = int(conn.exec_driver_sql("PRAGMA page_count").scalar() or 0)

    def limit(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute(f"PRAGMA max_page_count={pages}")

    small_plan.engine.dispose()
    event.listen(small_plan.engine, "connect", limit)
    before = _titles(small_plan.path)
    digest = file_digest(small_plan.path)
    try:
        with (
            pytest.raises(StorageError, match="Nicht genug Speicherplatz") as info,
            small_plan.transaction() as s,
        ):
            plan.update_item(s, "measure", 1, {"title": "erst das"})
            for n in range(200):
                plan.create_item(s, "measure", 1, None, {"title": f"Viel {n}", "description": "v" * 4000})
    finally:
        event.remove(small_plan.engine, "connect", limit)
    orig = getattr(info.value.__cause__, "orig", None)
    print("disk full:", info.value, "| SQLite:", getattr(orig, "sqlite_errorname", orig))
    assert _titles(small_plan.path) == before
    assert file_digest(small_plan.path) == digest
    assert integrity_ok(small_plan.path)
    # Works again once there is space (new connections come without the limit).
    small_plan.engine.dispose()
    _rename_all(small_plan, "Nach Platz")
    assert all(t.startswith("Nach Platz") for t in _titles(small_plan.path))


_FSIZE_EDIT = r"""
import resource, signal, sys
from kik_desktop.store import open_document, StorageError
from kik_desktop.domain import plan
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
doc = open_document(sys.argv[1])
size = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
try:
    with doc.transaction() as s:
        for n in range(100):
            plan.create_item(s, "measure", 1, None, {"title": f"Groß {n}", "description": "w" * 5000})
except StorageError as exc:
    print("MESSAGE", exc)
    sys.exit(3)
print("NO ERROR")
"""


def test_disk_full_by_file_size_limit_in_a_child(closed_plan: Path, data_dir: Path) -> None:
    """T03 without root: RLIMIT_FSIZE gives EFBIG, which SQLite reports as an I/O error."""
    before = file_digest(closed_plan)
    size = closed_plan.stat().st_size
    result = subprocess.run(
        [sys.executable, "-c", _FSIZE_EDIT, str(closed_plan), str(size + 8192)],
        capture_output=True,
        text=True,
        env=subprocess_env(data_dir),
        timeout=120,
    )
    assert result.returncode == 3, result.stdout + result.stderr
    assert "nicht gespeichert" in result.stdout and "Traceback" not in result.stderr
    doc = open_document(closed_plan)  # rolls a journal back if the child left one
    doc.close()
    assert integrity_ok(closed_plan) and len(_titles(closed_plan)) == 6
    assert file_digest(closed_plan) == before
    print("RLIMIT_FSIZE edit:", result.stdout.strip())


# ---------------------------------------------------------------- T07 contention
def test_writer_contention_gives_try_again(small_plan: Document) -> None:
    other = sqlite3.connect(small_plan.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        t0 = time.perf_counter()
        with pytest.raises(StorageError, match="erneut versuchen"), small_plan.transaction() as s:
            plan.update_item(s, "measure", 1, {"title": "wartet"})
        waited = time.perf_counter() - t0
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert _titles(small_plan.path)[0] == "M1"
    print(f"writer contention: error after {waited:.2f} s (busy_timeout 5 s)")


# ---------------------------------------------------------------- I/O errors mid-edit (share vanishes)
def test_io_error_at_every_statement_of_an_edit_leaves_the_document(small_plan: Document) -> None:
    """Fail statement N of a bulk edit with 'disk I/O error' for every N: digest unchanged every time."""
    digest = file_digest(small_plan.path)
    statements: list[str] = []

    def count(_c: Any, _cur: Any, sql: str, *_a: Any) -> None:
        statements.append(sql)

    event.listen(small_plan.engine, "before_cursor_execute", count)
    with small_plan.transaction() as s:
        s.rollback()
    event.remove(small_plan.engine, "before_cursor_execute", count)
    copy = small_plan.path.with_name("sweep.kik")
    shutil.copyfile(small_plan.path, copy)
    total = 0
    violations = 0
    n = 1
    while True:
        calls = [0]

        def fail_at(_c: Any, _cur: Any, sql: str, *_a: Any, n: int = n, calls: list[int] = calls) -> None:
            calls[0] += 1
            if calls[0] == n:
                raise sqlite3.OperationalError("disk I/O error")

        doc = open_document(copy)
        event.listen(doc.engine, "before_cursor_execute", fail_at)
        try:
            _rename_all(doc, f"Sweep {n}")
            finished = True
        except StorageError as exc:
            assert "Schreibfehler" in str(exc) or "Datenträger" in str(exc)
            finished = False
        finally:
            event.remove(doc.engine, "before_cursor_execute", fail_at)
            doc.close()
        if finished:
            break
        total += 1
        if _titles(copy) != ["M1", "M2", "M3", "M4", "M5", "M6"] or not integrity_ok(copy):
            violations += 1
        n += 1
    assert total > 5 and violations == 0
    assert file_digest(small_plan.path) == digest
    print(f"I/O error sweep: {total} injection points, {violations} partial edits")


# ---------------------------------------------------------------- T04 read-only, without root's privileges
def _ro_env() -> tuple[Path, Path]:
    base = Path(tempfile.mkdtemp(prefix="kik_ro_", dir="/tmp"))
    base.chmod(0o777)
    data = base / "data"
    data.mkdir()
    data.chmod(0o777)
    return base, data


_RO_SCRIPT = r"""
import sys, time
from pathlib import Path
from kik_desktop.store import ReadOnlyDocumentError
from kik_desktop.store.safety import open_for_editing
import kik_desktop.store.database as database
if sys.argv[2] == "probe":
    database._writable = lambda path: True  # os.access says yes, the file system says no
warnings = []
t0 = time.perf_counter()
doc, lock = open_for_editing(Path(sys.argv[1]), on_warning=warnings.append)
print("DETECT_MS", round((time.perf_counter() - t0) * 1000, 1))
print("READ_ONLY", doc.read_only, "LOCK", lock is not None, "REASON", getattr(doc, "read_only_reason", ""))
print("WARNINGS", warnings)
accepted = 0
try:
    with doc.transaction() as s:
        from kik_desktop.domain import plan
        plan.update_item(s, "measure", 1, {"title": "darf nicht"})
    accepted += 1
except ReadOnlyDocumentError as exc:
    print("MESSAGE", exc)
print("ACCEPTED", accepted)
"""


@pytest.mark.parametrize("case", ["file", "folder", "probe"])
def test_read_only_detected_at_open(closed_plan: Path, case: str) -> None:
    prefix, reason = unprivileged_prefix()
    if prefix is None:
        pytest.skip(f"read-only test needs an unprivileged child: {reason}")
    base, data = _ro_env()
    try:
        folder = base / "share"
        folder.mkdir()
        doc = folder / "konzept.kik"
        shutil.copyfile(closed_plan, doc)
        doc.chmod(0o444)
        if case == "folder":
            doc.chmod(0o644)
            folder.chmod(0o555)
        else:
            folder.chmod(0o777)
        before = file_digest(doc)
        result = subprocess.run(
            [*prefix, sys.executable, "-c", _RO_SCRIPT, str(doc), case],
            capture_output=True,
            text=True,
            env=subprocess_env(data),
            timeout=120,
        )
        out = result.stdout
        assert result.returncode == 0, out + result.stderr
        assert "READ_ONLY True" in out and "LOCK False" in out and "ACCEPTED 0" in out, out
        assert "nur zum Lesen" in out
        assert file_digest(doc) == before
        assert not (folder / "konzept.kik.lock").exists()
        print(
            f"read-only {case} ({reason}):",
            " | ".join(line for line in out.splitlines() if line[:6] in ("DETECT", "READ_O", "WARNIN")),
        )
    finally:
        for p in base.rglob("*"):
            if p.is_dir():
                p.chmod(0o777)
        shutil.rmtree(base, ignore_errors=True)


def test_migration_takes_a_backup_first(tmp_path: Path) -> None:
    from kik_desktop.store import APPLICATION_ID
    from kik_desktop.store.database import _make_engine
    from kik_desktop.store.migrations import upgrade

    path = tmp_path / "alt.kik"
    engine = _make_engine(path, read_only=False)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"PRAGMA application_id={APPLICATION_ID}")
    upgrade(engine, path, backup=False, target="0001_base")
    engine.dispose()
    doc, lock = open_for_editing(path)
    doc.close()
    assert lock is not None
    lock.release()
    kinds = [i.kind for i in bk.list_backups(path)]
    assert "migration" in kinds and integrity_ok(path)

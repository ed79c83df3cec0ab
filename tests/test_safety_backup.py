"""Backups (T09, T03 for backups): online backup API, SHA-256 manifest, rotation, restore drill."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from corpus.harness import file_digest, integrity_ok, subprocess_env

from kik_desktop.domain import plan
from kik_desktop.store import Document, open_document
from kik_desktop.store import backup as bk

# Only a .kik file has this; the document tests of both back ends are the modules marked both_backends.
pytestmark = pytest.mark.sqlite_only(
    reason="file backups: SQLite's backup API, manifest, rotation, restore of a .kik file"
)


def _measure_count(path: Path) -> int:
    with open_document(path, read_only=True) as doc, doc.reading() as s:
        return plan.counts(s)["measures"]


def _fake_backup(folder: Path, document: Path, created: datetime, source: Path, reason: str = "Test") -> Path:
    """A real backup whose manifest carries a chosen date, for rotation tests over months."""
    path = bk.make_backup(source, reason, folder, rotate=False)
    manifest = json.loads(bk.manifest_path_of(path).read_text("utf-8"))
    manifest["created"] = created.isoformat(timespec="seconds")
    manifest["document"] = str(document.resolve())
    bk.manifest_path_of(path).write_text(json.dumps(manifest), "utf-8")
    return path


def test_backup_has_a_verified_manifest(small_plan: Document, data_dir: Path) -> None:
    path = bk.make_backup(small_plan.path, "vor Import")
    assert path.parent == data_dir / "Sicherungen"
    assert path.parent != small_plan.path.parent, (
        "backups belong in the user's folder, not beside the document"
    )
    manifest = json.loads(bk.manifest_path_of(path).read_text("utf-8"))
    assert manifest["sha256"] == bk.sha256_of(path)
    assert manifest["counts"] == {"fields": 2, "goals": 3, "measures": 6, "institutions": 0}
    assert manifest["kind"] == "import" and manifest["reason"] == "vor Import"
    assert manifest["document"] == str(small_plan.path.resolve())
    assert datetime.fromisoformat(manifest["created"])
    info = bk.list_backups(small_plan.path)[0]
    assert info.path == path and info.describe_counts() == "2 Handlungsfelder, 3 Ziele, 6 Maßnahmen"
    assert bk.verify_backup(info) == []
    assert not list(path.parent.glob("*.tmp"))


def test_verify_catches_a_flipped_bit(small_plan: Document) -> None:
    path = bk.make_backup(small_plan.path, "Test")
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    problems = bk.verify_backup(path)
    assert problems and "Prüfsumme" in problems[0]
    assert bk.newest_verified_backup(small_plan.path) is None


def test_rotation_keeps_last_ten_and_one_per_month(small_plan: Document, tmp_path: Path) -> None:
    folder = tmp_path / "sicherungen"
    doc = small_plan.path
    start = datetime(2025, 1, 15, 12, 0)
    # Three a month for six months (18), then 12 on consecutive days.
    created = [start + timedelta(days=30 * m + d) for m in range(6) for d in range(3)]
    created += [datetime(2025, 8, 1) + timedelta(days=d) for d in range(12)]
    for when in created:
        _fake_backup(folder, doc, when, doc)
    deleted = bk.rotate_backups(doc, folder)
    left = bk.list_backups(doc, folder)
    dates = [i.created for i in left]
    assert dates[:10] == sorted(created, reverse=True)[:10]
    months = {(d.year, d.month) for d in created}
    assert months <= {(d.year, d.month) for d in dates}, "one backup of every month survives"
    assert len(left) == 10 + len(months - {(2025, 8)})
    assert len(deleted) == len(created) - len(left)
    assert all(not bk.verify_backup(i) for i in left)
    print(
        f"rotation: {len(created)} backups → {len(left)} kept ({len(months)} months), {len(deleted)} deleted"
    )


def test_no_rotation_when_the_newest_backup_is_damaged(small_plan: Document, tmp_path: Path) -> None:
    folder = tmp_path / "sicherungen"
    doc = small_plan.path
    for d in range(14):
        _fake_backup(folder, doc, datetime(2025, 3, 1) + timedelta(days=d), doc)
    newest = bk.list_backups(doc, folder)[0]
    newest.path.write_bytes(newest.path.read_bytes()[:-100])
    assert bk.rotate_backups(doc, folder) == []
    assert len(bk.list_backups(doc, folder)) == 14


def test_make_backup_rotates_after_verifying(small_plan: Document) -> None:
    for _ in range(bk.KEEP_LAST + 3):
        bk.make_backup(small_plan.path, "Test")
    assert len(bk.list_backups(small_plan.path)) == bk.KEEP_LAST


def test_backups_of_other_documents_are_left_alone(small_plan: Document, default_doc: Document) -> None:
    for _ in range(bk.KEEP_LAST + 2):
        bk.make_backup(small_plan.path, "Test")
    bk.make_backup(default_doc.path, "Test")
    assert len(bk.list_backups(default_doc.path)) == 1
    assert len(bk.list_backups()) == bk.KEEP_LAST + 1


def test_daily_backup_on_open_at_most_once_a_day(small_plan: Document) -> None:
    assert bk.backup_on_open(small_plan.path) is not None
    assert bk.backup_on_open(small_plan.path) is None
    assert bk.backup_on_open(small_plan.path, now=datetime.now() + timedelta(days=1)) is not None


def test_restore_drill_third_newest(small_plan: Document) -> None:
    """T09: backups while edits go on, then restore the 3rd-newest; its digest matches its manifest."""
    titles = []
    for n in range(5):
        with small_plan.transaction() as s:
            plan.create_item(s, "measure", 1, None, {"title": f"Neu {n}"})
        titles.append(n)
        bk.make_backup(small_plan.path, f"Stand {n}")
    infos = bk.list_backups(small_plan.path)
    third = infos[2]
    assert third.counts["measures"] == 6 + 3
    small_plan.close()
    t0 = time.perf_counter()
    previous = bk.restore_backup(third, small_plan.path)
    elapsed = time.perf_counter() - t0
    assert previous is not None and bk.read_backup_info(previous).counts["measures"] == 11
    assert bk.sha256_of(small_plan.path) == third.sha256, "restored file equals the backup's manifest digest"
    assert _measure_count(small_plan.path) == 9
    assert integrity_ok(small_plan.path)
    print(f"restore of the 3rd-newest backup: {elapsed * 1000:.1f} ms, digest matches manifest")


def test_restore_refuses_a_damaged_backup_and_leaves_the_document(small_plan: Document) -> None:
    path = bk.make_backup(small_plan.path, "Test")
    path.write_bytes(path.read_bytes()[:4096])
    small_plan.close()
    before = file_digest(small_plan.path)
    with pytest.raises(bk.BackupError, match="kann nicht wiederhergestellt werden"):
        bk.restore_backup(path, small_plan.path)
    assert file_digest(small_plan.path) == before


def test_restore_over_a_damaged_document_keeps_it_as_damaged(small_plan: Document) -> None:
    good = bk.make_backup(small_plan.path, "Test")
    small_plan.close()
    doc = small_plan.path
    data = doc.read_bytes()[: 3 * 4096]  # cut short, as by a failed copy
    doc.write_bytes(data)
    bk.restore_backup(good, doc)
    assert doc.with_name(doc.name + ".damaged").read_bytes() == data
    assert integrity_ok(doc) and _measure_count(doc) == 6


def test_no_backup_is_taken_of_a_damaged_document(small_plan: Document) -> None:
    small_plan.close()
    doc = small_plan.path
    doc.write_bytes(doc.read_bytes()[: 3 * 4096])
    with pytest.raises(bk.BackupError):
        bk.make_backup(doc, "Test")
    assert bk.list_backups(doc) == []


def test_backups_stay_consistent_under_a_concurrent_writer(small_plan: Document) -> None:
    """T09: 30 backups while another thread commits edits; every copy verifies (a file copy would not)."""
    stop = threading.Event()

    def writer() -> None:
        n = 0
        while not stop.is_set():
            with small_plan.transaction() as s:
                plan.create_item(s, "measure", 1, None, {"title": f"W{n}", "description": "x" * 2000})
            n += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        paths = [bk.make_backup(small_plan.path, "unter Last", rotate=False) for _ in range(30)]
    finally:
        stop.set()
        thread.join()
    good = sum(1 for p in paths if not bk.verify_backup(p))
    print(f"backups under a concurrent writer: {good}/30 consistent")
    assert good == 30


_FULL_DISK_SCRIPT = r"""
import resource, signal, sys
from pathlib import Path
from kik_desktop.store import backup as bk
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[2]), int(sys.argv[2])))
try:
    bk.make_backup(Path(sys.argv[1]), "Platte voll")
except bk.BackupError as exc:
    print("MESSAGE", exc)
    sys.exit(3)
print("NO ERROR")
"""


def test_backup_into_a_full_disk_never_replaces_a_good_one(small_plan: Document, data_dir: Path) -> None:
    """T03 for backups: RLIMIT_FSIZE in a child; a clear message, no partial file, older ones intact."""
    with small_plan.transaction() as s:
        for n in range(25):
            plan.create_item(s, "measure", 1, None, {"title": f"Groß {n}", "description": "y" * 30000})
    first = bk.make_backup(small_plan.path, "gut")
    size = first.stat().st_size
    result = subprocess.run(
        [sys.executable, "-c", _FULL_DISK_SCRIPT, str(small_plan.path), str(size // 2)],
        capture_output=True,
        text=True,
        env=subprocess_env(data_dir),
        timeout=120,
    )
    assert result.returncode == 3, result.stdout + result.stderr
    assert "Speicherplatz" in result.stdout or "Schreibfehler" in result.stdout, result.stdout
    assert "Traceback" not in result.stderr
    infos = bk.list_backups(small_plan.path)
    assert [i.path for i in infos] == [first]
    assert bk.verify_backup(first) == []
    assert not [p for p in first.parent.iterdir() if p.name.endswith(".tmp")]
    print("backup into a full disk:", result.stdout.strip())


def test_backup_of_a_document_with_a_hot_journal(small_plan: Document, tmp_path: Path) -> None:
    """A crash leaves a hot journal; the backup must hold the committed state, not fail on ro."""
    script = (
        "import sqlite3, os, signal, sys\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "c.execute('BEGIN IMMEDIATE')\n"
        "c.execute(\"UPDATE measure SET title = 'HALB'\")\n"
        "c.execute('PRAGMA cache_spill=1')\n"
        "sql = \"INSERT INTO institution(name, short_name, notes) VALUES (?, '', '')\"\n"
        "for i in range(3000): c.execute(sql, (f'I{i}' + 'z' * 500,))\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    small_plan.close()
    subprocess.run([sys.executable, "-c", script, str(small_plan.path)], check=False)
    path = bk.make_backup(small_plan.path, "nach Absturz")
    assert bk.verify_backup(path) == []
    assert bk.read_backup_info(path).counts == {"fields": 2, "goals": 3, "measures": 6, "institutions": 0}


def test_copy_database_is_atomic(small_plan: Document, tmp_path: Path) -> None:
    target = tmp_path / "kopie.kik"
    shutil.copyfile(small_plan.path, target)
    bk.copy_database(small_plan.path, target)
    assert integrity_ok(target) and not (tmp_path / "kopie.kik.tmp").exists()

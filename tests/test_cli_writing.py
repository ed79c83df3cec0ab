"""Writing commands honour the document lock like the window; without a terminal nothing is applied."""

from __future__ import annotations

import getpass
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from corpus.harness import subprocess_env
from sqlalchemy.orm import Session

from kik_desktop.cli import main
from kik_desktop.domain import plan
from kik_desktop.domain.dispatches import list_dispatches
from kik_desktop.domain.queries import dump_plan
from kik_desktop.store import Document, open_document
from kik_desktop.store import backup as bk
from kik_desktop.store.lock import lock_path_of

HOLDER = """
import sys
from kik_desktop.store.lock import DocumentLock
lock = DocumentLock(sys.argv[1], app="KIK Desktop (Test)")
lock.acquire()
print("bereit", flush=True)
sys.stdin.read()
lock.release()
"""


def _dump_titles(s: Session) -> list[str]:
    data = dump_plan(s)
    return [m["title"] for f in data["fields"] for g in f["goals"] for m in g["measures"]]


@pytest.fixture
def workbook_and_doc(small_plan: Document, tmp_path: Path) -> tuple[Path, Path]:
    """A document whose measure M1 was renamed after the export (a dispatch: the import merges three-way
    and keeps the newer name)."""
    out = tmp_path / "export.xlsx"
    assert main(["export", str(out), "--db", str(small_plan.path)]) == 0
    with small_plan.transaction() as s:
        found = plan.find_by_number(s, "1.1.1")
        assert found is not None and found[0] == "measure"
        plan.update_item(s, "measure", found[1], {"title": "M1 umbenannt"})
    small_plan.close()
    return out, small_plan.path


@pytest.fixture
def held_by_other_process(
    workbook_and_doc: tuple[Path, Path], data_dir: Path
) -> Iterator[subprocess.Popen[str]]:
    """A real second process holds the document's lock (as an open window would)."""
    _, doc = workbook_and_doc
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(doc)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=subprocess_env(data_dir),
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "bereit"
    yield proc
    if proc.poll() is None:
        proc.kill()
    proc.communicate()


def _assert_refused(code: int, err: str) -> None:
    assert code == 1
    assert "bereits geöffnet: von" in err and getpass.getuser() in err and " seit " in err
    assert "nichts geschrieben" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("command", ["import", "restore", "new"])
def test_writing_commands_refuse_while_another_process_holds_the_lock(
    command: str,
    workbook_and_doc: tuple[Path, Path],
    held_by_other_process: subprocess.Popen[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    workbook, doc = workbook_and_doc
    bk.make_backup(doc, "Test")
    before = doc.read_bytes()
    argv = {
        "import": ["import", str(workbook), "--db", str(doc), "--yes"],
        "restore": ["restore", "1", "--db", str(doc), "--yes"],
        "new": ["new", str(doc), "--force", "--empty"],
    }[command]
    code = main(argv)
    err = capsys.readouterr().err
    _assert_refused(code, err)
    assert f"kik-desktop {command}" in err
    assert doc.read_bytes() == before
    # The holder's lock is untouched.
    assert str(held_by_other_process.pid) in lock_path_of(doc).read_text("utf-8")


def test_a_stale_lock_of_a_killed_process_is_taken_over(
    workbook_and_doc: tuple[Path, Path],
    held_by_other_process: subprocess.Popen[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    workbook, doc = workbook_and_doc
    assert main(["import", str(workbook), "--db", str(doc), "--yes"]) == 1
    capsys.readouterr()
    os.kill(held_by_other_process.pid, signal.SIGKILL)
    held_by_other_process.wait()
    assert lock_path_of(doc).exists()  # the killed process could not clean up
    assert main(["import", str(workbook), "--db", str(doc), "--yes"]) == 0
    assert "Übernommen" in capsys.readouterr().out
    # The export is a dispatch (issue #11): the newer edit of the document stays, the return is noted.
    titles = _dump_titles_of(doc)
    assert "M1 umbenannt" in titles and "M1" not in titles
    with open_document(doc, read_only=True) as d, d.reading() as s:
        assert [x.returned_file for x in list_dispatches(s)] == [workbook.name]
    assert not lock_path_of(doc).exists()  # released after the command


def _dump_titles_of(path: Path) -> list[str]:
    with open_document(path, read_only=True) as d, d.reading() as s:
        return _dump_titles(s)


def test_import_without_a_terminal_refuses_without_yes(
    workbook_and_doc: tuple[Path, Path], data_dir: Path
) -> None:
    """`echo j | kik-desktop import …`: nobody can answer the question, so nothing is applied."""
    workbook, doc = workbook_and_doc
    before = doc.read_bytes()
    result = subprocess.run(
        [sys.executable, "-m", "kik_desktop", "import", str(workbook), "--db", str(doc)],
        input="j\n",
        capture_output=True,
        text=True,
        env=subprocess_env(data_dir),
        timeout=120,
    )
    assert result.returncode != 0
    assert "Ohne Terminal" in result.stderr and "--yes" in result.stderr
    assert "nichts geschrieben" in result.stderr
    assert doc.read_bytes() == before
    assert "M1 umbenannt" in _dump_titles_of(doc)
    assert not lock_path_of(doc).exists()
    # The preview was still shown, and --dry-run stays possible without a terminal.
    assert "M1" in result.stdout
    dry = subprocess.run(
        [sys.executable, "-m", "kik_desktop", "import", str(workbook), "--db", str(doc), "--dry-run"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=subprocess_env(data_dir),
        timeout=120,
    )
    assert dry.returncode == 0 and "nichts geschrieben" in dry.stdout


def test_restore_without_a_terminal_refuses_without_yes(
    workbook_and_doc: tuple[Path, Path], data_dir: Path
) -> None:
    _, doc = workbook_and_doc
    bk.make_backup(doc, "Test")
    before = doc.read_bytes()
    result = subprocess.run(
        [sys.executable, "-m", "kik_desktop", "restore", "1", "--db", str(doc)],
        input="j\n",
        capture_output=True,
        text=True,
        env=subprocess_env(data_dir),
        timeout=120,
    )
    assert result.returncode == 1
    assert "Ohne Terminal" in result.stderr
    assert doc.read_bytes() == before

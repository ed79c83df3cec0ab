"""The safety commands: backup, backups, restore, unlock."""

from __future__ import annotations

from pathlib import Path

import pytest

from kik_desktop.cli import main
from kik_desktop.domain import plan
from kik_desktop.store import Document, open_document
from kik_desktop.store import backup as bk
from kik_desktop.store.lock import DocumentLock

# Only a .kik file has this; the document tests of both back ends are the modules marked both_backends.
pytestmark = pytest.mark.sqlite_only(reason="backup, restore and unlock of a .kik file")


@pytest.fixture
def closed_doc(small_plan: Document) -> Path:
    small_plan.close()
    return small_plan.path


def test_backup_and_list(closed_doc: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backup", "--db", str(closed_doc), "--reason", "vor der Sitzung"]) == 0
    assert "Sicherung angelegt" in capsys.readouterr().out
    assert main(["backups", "--db", str(closed_doc), "--verify"]) == 0
    out = capsys.readouterr().out
    assert "vor der Sitzung" in out and "6 Maßnahmen" in out and "geprüft: in Ordnung" in out


def test_backups_verify_reports_damage(closed_doc: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = bk.make_backup(closed_doc, "Test")
    path.write_bytes(path.read_bytes()[:-10])
    assert main(["backups", "--db", str(closed_doc), "--verify"]) == 1
    assert "BESCHÄDIGT" in capsys.readouterr().out


def test_restore_by_number(closed_doc: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bk.make_backup(closed_doc, "sechs")
    doc = open_document(closed_doc)
    with doc.transaction() as s:
        plan.create_item(s, "measure", 1, None, {"title": "sieben"})
    doc.close()
    assert main(["restore", "1", "--db", str(closed_doc), "--yes"]) == 0
    out = capsys.readouterr().out
    assert "Wiederhergestellt" in out and "vorherige Stand ist gesichert" in out
    with open_document(closed_doc, read_only=True) as doc, doc.reading() as s:
        assert plan.counts(s)["measures"] == 6
    assert bk.list_backups(closed_doc)[0].counts["measures"] == 7


def test_restore_refuses_while_the_document_is_open(
    closed_doc: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bk.make_backup(closed_doc, "Test")
    other = DocumentLock(closed_doc)
    other.acquire()
    assert main(["restore", "1", "--db", str(closed_doc), "--yes"]) == 1
    assert "bereits geöffnet" in capsys.readouterr().err
    other.release()


def test_unlock(closed_doc: Path, capsys: pytest.CaptureFixture[str]) -> None:
    DocumentLock(closed_doc).acquire()
    assert main(["unlock", "--db", str(closed_doc), "--yes"]) == 0
    assert not DocumentLock(closed_doc).path.exists()
    assert main(["unlock", "--db", str(closed_doc)]) == 0
    assert "nicht gesperrt" in capsys.readouterr().out

"""Documents on disk (migrations, foreign, newer, damaged, read-only files) and the command line."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import inspect

from kik_desktop.cli import main
from kik_desktop.domain.queries import dump_plan
from kik_desktop.store import DocumentTooNewError, NotADocumentError, migrations, open_document
from kik_desktop.store.migrations import current_revision, head_revision

pytestmark = pytest.mark.both_backends

FIXTURES = Path(__file__).parent / "fixtures"


def test_older_document_is_backed_up_and_migrated(tmp_path: Path, data_dir: Path) -> None:
    path = tmp_path / "alt.kik"
    shutil.copy(FIXTURES / "db_versions" / "kik_0001_base.kik", path)
    with open_document(path) as doc:
        assert current_revision(doc.engine) == head_revision() == migrations.REVISIONS[-1]
        assert "status_change" in inspect(doc.engine).get_table_names()
        with doc.reading() as s:
            data = dump_plan(s)
    measure = data["fields"][0]["goals"][0]["measures"][0]
    assert (measure["number"], measure["title"], measure["status"], measure["start"], measure["end"]) == (
        "1.1.1",
        "Fixture-Maßnahme",
        "mitte",
        "03/2022",
        "laufend",
    )
    backups = list((data_dir / "Sicherungen").glob("alt_*.kik"))
    assert len(backups) == 1
    with sqlite3.connect(backups[0]) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001_base",)


def test_revision_list_matches_the_alembic_scripts() -> None:
    from kik_desktop.store import migrations

    assert list(migrations.REVISIONS) == migrations.alembic_revisions()
    assert migrations.alembic_head() == migrations.HEAD


def test_document_from_newer_version_is_refused_unchanged(empty_doc, tmp_path: Path) -> None:
    from kik_desktop.store import migrations

    location, engine = empty_doc.location, empty_doc.engine
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0099_future'")
    empty_doc.close()
    before = None if empty_doc.is_server else Path(location).read_bytes()
    with pytest.raises(DocumentTooNewError, match="neueren Version"):
        open_document(location)
    if before is not None:
        assert Path(location).read_bytes() == before
    assert migrations.current_revision(engine) == "0099_future"
    engine.dispose()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "kein KIK-Dokument"),
        (b"PK\x03\x04" + b"\x00" * 200, "kein KIK-Dokument"),
        (os.urandom(4096), "kein KIK-Dokument"),
        ("Ziel;Maßnahme\n".encode(), "kein KIK-Dokument"),
    ],
)
def test_files_that_are_not_documents_are_refused_unchanged(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "fremd.kik"
    path.write_bytes(content)
    with pytest.raises(NotADocumentError, match=message):
        open_document(path)
    assert path.read_bytes() == content


def test_sqlite_database_of_another_program_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "anderes.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    before = path.read_bytes()
    with pytest.raises(NotADocumentError, match="kein KIK-Dokument"):
        open_document(path)
    assert path.read_bytes() == before
    assert main(["check", "--db", str(path)]) == 1


@pytest.mark.sqlite_only(reason="file permissions of a .kik file")
def test_read_only_file_opens_read_only_for_an_ordinary_user(default_doc) -> None:
    """Root may write anyway, so the check runs as the unprivileged user nobody."""
    if os.geteuid() != 0:
        pytest.skip("runs as root only (it switches to the user nobody)")
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv is not available to switch to an unprivileged user")
    probe = subprocess.run(
        [
            "setpriv",
            "--reuid=nobody",
            "--regid=nogroup",
            "--clear-groups",
            sys.executable,
            "-c",
            "import sqlalchemy",
        ],
        capture_output=True,
    )
    if probe.returncode != 0:
        pytest.skip("the Python installation is not readable by the user nobody (it lives under /root)")
    folder = Path(tempfile.mkdtemp(prefix="kik-ro-"))
    try:
        folder.chmod(0o755)
        path = folder / "schreibgeschuetzt.kik"
        shutil.copy(default_doc.path, path)
        path.chmod(0o444)
        before = path.read_bytes()
        code = (
            "import sys\n"
            "from kik_desktop.store import open_document, ReadOnlyDocumentError\n"
            f"doc = open_document({str(path)!r})\n"
            "print('read_only', doc.read_only)\n"
            "try:\n"
            "    with doc.transaction() as s: pass\n"
            "except ReadOnlyDocumentError as exc: print('refused', exc)\n"
        )
        root = str(Path(__file__).resolve().parents[1])
        env = dict(os.environ, KIK_DESKTOP_DATA_DIR=str(folder / "data"), HOME=str(folder), PYTHONPATH=root)
        (folder / "data").mkdir()
        (folder / "data").chmod(0o777)
        result = subprocess.run(
            ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", sys.executable, "-c", code],
            capture_output=True,
            text=True,
            env=env,
            cwd=str(folder),
        )
        assert "read_only True" in result.stdout, result.stderr
        assert "refused Das Dokument ist nur zum Lesen geöffnet." in result.stdout
        assert path.read_bytes() == before
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.sqlite_only(reason="file permissions of a .kik file")
def test_file_without_write_permission_opens_read_only(default_doc, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same decision as above, with the permission check answered as for an ordinary user."""
    from kik_desktop.store import ReadOnlyDocumentError, database

    path = default_doc.path
    real_access = os.access
    monkeypatch.setattr(
        database.os,
        "access",
        lambda p, mode: False if mode == os.W_OK and Path(p) == path else real_access(p, mode),
    )
    before = path.read_bytes()
    with open_document(path) as doc:
        assert doc.read_only
        with pytest.raises(ReadOnlyDocumentError, match="nur zum Lesen"), doc.transaction():
            pass
        with doc.reading() as s:
            assert len(dump_plan(s)["fields"]) == 6
    assert path.read_bytes() == before


# -- command line ----------------------------------------------------------------------------------


def test_cli_new_dump_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "neu.kik"
    assert main(["new", str(path)]) == 0
    assert main(["new", str(path)]) == 1  # exists
    assert "gibt es schon" in capsys.readouterr().err
    assert main(["dump", "--db", str(path)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [f["title"] for f in data["fields"]] == [
        "Sprache und Bildung",
        "Arbeit und Ausbildung",
        "Gesundheit und Pflege",
        "Bürgerschaftliches Engagement",
        "Gesellschaftliche Teilhabe",
        "Interkulturelle Öffnung",
    ]
    assert [(f["adopted_goals"], f["adopted_measures"]) for f in data["fields"]] == [
        (8, 30),
        (8, 27),
        (6, 19),
        (5, 18),
        (8, 24),
        (8, 26),
    ]
    measures = [m for f in data["fields"] for g in f["goals"] for m in g["measures"]]
    assert all(m["is_example"] for m in measures)  # nothing invented is shown as the city's data
    assert [m["status"] for m in measures] == ["umgesetzt", "umgesetzt", "gefaehrdet", "mitte"]
    assert measures[0]["number"] == "2.1.1"
    assert set(measures[0]) >= {
        "number",
        "uid",
        "title",
        "description",
        "target_group",
        "responsible",
        "actors",
        "needs",
        "start",
        "end",
        "success_indicator",
        "status",
        "priority",
    }
    assert len(data["institutions"]) == 85
    assert len(data["cross_cutting_tasks"]) == 7
    assert [s["key"] for s in data["statuses"]] == [
        "umgesetzt",
        "anfang",
        "mitte",
        "ende",
        "gefaehrdet",
        "zukuenftig",
    ]
    assert data["properties"]["council_decision_date"] == "2021-11-18"
    assert main(["check", "--db", str(path)]) == 0
    assert "in Ordnung (6 Handlungsfelder, 11 Ziele, 4 Maßnahmen)" in capsys.readouterr().out

    empty = tmp_path / "leer.kik"
    assert main(["new", str(empty), "--empty"]) == 0
    capsys.readouterr()
    assert main(["dump", "--db", str(empty)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["fields"] == [] and len(data["statuses"]) == 6


@pytest.mark.sqlite_only(reason="damaged pages of a .kik file")
def test_cli_check_reports_damage(default_doc, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "beschaedigt.kik"
    shutil.copy(default_doc.path, path)
    raw = bytearray(path.read_bytes())
    page = 4096
    for offset in range(page * 3, min(len(raw), page * 6)):
        raw[offset] = 0xFF  # wreck a few b-tree pages, keep the header
    path.write_bytes(bytes(raw))
    assert main(["check", "--db", str(path)]) == 1
    assert "beschädigt" in capsys.readouterr().err


@pytest.mark.sqlite_only(
    reason="the window in a subprocess, not a store test (a server document in the window: test_team_window)"
)
def test_cli_screenshot_and_selftest(default_doc, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "fenster.png"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "kik_desktop",
            "screenshot",
            str(out),
            "--db",
            str(default_doc.path),
            "--select",
            "2.1.3",
            "--size",
            "1000x700",
        ],
        capture_output=True,
        text=True,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
    )
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = (
        int.from_bytes(out.read_bytes()[16:20], "big"),
        int.from_bytes(out.read_bytes()[20:24], "big"),
    )
    assert (width, height) == (1000, 700)
    result = subprocess.run(
        [sys.executable, "-m", "kik_desktop", "selftest"],
        capture_output=True,
        text=True,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
    )
    assert result.returncode == 0, result.stderr
    assert "Selbsttest bestanden" in result.stdout


@pytest.mark.sqlite_only(reason="the window in a subprocess, not a store test")
def test_cli_screenshot_of_unknown_number_fails(default_doc, tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "kik_desktop",
            "screenshot",
            str(tmp_path / "x.png"),
            "--db",
            str(default_doc.path),
            "--select",
            "9.9.9",
        ],
        capture_output=True,
        text=True,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
    )
    assert result.returncode == 1 and "keinen Eintrag 9.9.9" in result.stderr

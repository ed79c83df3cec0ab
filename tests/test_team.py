"""Team database (#17): conflicts, undo refusal, authors, live changes, copy and backups — on both back ends
where it applies, against a real PostgreSQL for the server-only parts (tests/pg_harness.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from kik_desktop.cli import main
from kik_desktop.domain import plan
from kik_desktop.domain.changes import Action
from kik_desktop.domain.conflicts import ConflictError, UndoRefusedError, accept_current
from kik_desktop.domain.live import ChangePoller
from kik_desktop.domain.queries import dump_plan
from kik_desktop.models import ChangeLogEntry, Measure, StatusChange
from kik_desktop.store import Document, DocumentError, open_document
from tests.pg_harness import create_database, drop_database, with_database


def measure_id(doc: Document, title: str) -> int:
    with doc.reading() as s:
        return int(s.scalars(select(Measure.id).where(Measure.title == title)).one())


@pytest.fixture
def two_sessions(any_small_plan: Document) -> Iterator[tuple[Document, Document]]:
    """Two editors of the same document: A (the fixture's) and B (opened a second time)."""
    a = any_small_plan
    b = open_document(a.location)
    a.author, b.author = "Anna", "Ben"
    yield a, b
    b.close()


def read(doc: Document, kind: str, item_id: int) -> dict[str, Any]:
    with doc.reading() as s:
        return plan.get_values(s, kind, item_id)


def save(doc: Document, kind: str, item_id: int, values: dict[str, Any]) -> plan.UpdateResult:
    with doc.transaction() as s:
        return plan.update_item(s, kind, item_id, values)


def test_same_measure_same_field_is_a_conflict_with_both_values(
    two_sessions: tuple[Document, Document],
) -> None:
    a, b = two_sessions
    m = measure_id(a, "M1")
    read(a, "measure", m)
    read(b, "measure", m)
    save(b, "measure", m, {"title": "von Ben"})
    with pytest.raises(ConflictError) as caught:
        save(a, "measure", m, {"title": "von Anna"})
    error = caught.value
    assert [(c.attr, c.base, c.mine, c.theirs) for c in error.conflicts] == [
        ("title", "M1", "von Anna", "von Ben")
    ]
    assert error.their_author == "Ben"
    assert "von Ben" in str(error) and "von Anna" in str(error)
    assert error.to_records()[0]["label"] == "Titel"
    assert read(b, "measure", m)["title"] == "von Ben"  # nothing of Anna's was saved
    # Anna chooses her value: saved over Ben's.
    accept_current(a, error)
    save(a, "measure", m, {"title": "von Anna"})
    assert read(b, "measure", m)["title"] == "von Anna"


def test_same_measure_other_field_and_other_measures_are_both_kept(
    two_sessions: tuple[Document, Document],
) -> None:
    a, b = two_sessions
    m1, m2 = measure_id(a, "M1"), measure_id(a, "M2")
    for doc in (a, b):
        read(doc, "measure", m1)
        read(doc, "measure", m2)
    save(b, "measure", m1, {"title": "Titel von Ben"})
    save(a, "measure", m1, {"notes": "Notiz von Anna"})
    save(a, "measure", m2, {"title": "M2 von Anna"})
    save(b, "measure", m2, {"responsible": "Amt von Ben"})
    one, two = read(a, "measure", m1), read(a, "measure", m2)
    assert (one["title"], one["notes"]) == ("Titel von Ben", "Notiz von Anna")
    assert (two["title"], two["responsible"]) == ("M2 von Anna", "Amt von Ben")


def test_row_version_catches_a_write_between_read_and_flush(two_sessions: tuple[Document, Document]) -> None:
    a, b = two_sessions
    m = measure_id(a, "M3")
    if not a.is_server:
        # SQLite takes the write lock at BEGIN: the other editor cannot write in between at all.
        from kik_desktop.store import StorageError

        with a.transaction() as s:
            s.get(Measure, m)
            with pytest.raises(StorageError, match="gesperrt"):
                save(b, "measure", m, {"title": "dazwischen"})
        return
    with pytest.raises(ConflictError), a.transaction() as s:
        held = s.get(Measure, m)  # A holds version 1 in its session
        save(b, "measure", m, {"title": "dazwischen"})
        plan.update_item(s, "measure", m, {"title": "zu spät"}, check_conflicts=False)
    assert held is not None
    assert read(a, "measure", m)["title"] == "dazwischen"


def test_undo_refuses_after_someone_else_changed_the_item(two_sessions: tuple[Document, Document]) -> None:
    a, b = two_sessions
    m, other = measure_id(a, "M4"), measure_id(a, "M5")
    mine = save(a, "measure", m, {"title": "Anna 1"})
    untouched = save(a, "measure", other, {"title": "Anna 2"})
    save(b, "measure", m, {"notes": "Ben war hier"})
    with pytest.raises(UndoRefusedError, match="Ben"), a.transaction() as s:
        plan.update_item(s, "measure", m, mine.old, record_history=False, undo_since=mine.since)
    assert read(a, "measure", m)["title"] == "Anna 1"
    # Nobody else touched the other measure: its undo works.
    with a.transaction() as s:
        plan.update_item(s, "measure", other, untouched.old, record_history=False, undo_since=untouched.since)
    assert read(a, "measure", other)["title"] == "M5"


def test_every_change_records_its_author(two_sessions: tuple[Document, Document]) -> None:
    a, b = two_sessions
    m = measure_id(a, "M6")
    save(b, "measure", m, {"status_key": "mitte"})
    with a.reading() as s:
        history = [
            (h.new_status, h.changed_by)
            for h in s.scalars(select(StatusChange).where(StatusChange.measure_id == m))
        ]
        log = s.scalars(select(ChangeLogEntry).order_by(ChangeLogEntry.revision.desc())).first()
        assert log is not None
        entry = (log.kind, log.item_id, log.action, log.author, json.loads(log.attrs))
    assert history == [("mitte", "Ben")]
    assert entry == ("measure", m, "updated", "Ben", {"status_key": "mitte"})


def test_poller_brings_other_editors_changes_not_our_own(two_sessions: tuple[Document, Document]) -> None:
    a, b = two_sessions
    poller = ChangePoller(a)
    save(a, "measure", measure_id(a, "M1"), {"title": "eigene"})
    assert not poller.poll()
    m2 = measure_id(b, "M2")
    save(b, "measure", m2, {"title": "fremd"})
    with b.transaction() as s:
        goal = plan.parent_id_of(s, "measure", m2)
        new_id = plan.create_item(s, "measure", goal, 0, {"title": "neu von Ben"})
        plan.delete_item(s, "measure", measure_id(b, "M3"))
    changes = poller.poll()
    by_action = {(c.action, c.kind, c.item_id) for c in changes}
    assert (Action.UPDATED, "measure", m2) in by_action
    assert (Action.CREATED, "measure", new_id) in by_action
    assert any(c.action is Action.DELETED for c in changes)
    assert (
        next(c for c in changes if c.item_id == m2 and c.action is Action.UPDATED).values["title"] == "fremd"
    )
    assert poller.last_authors == ("Ben",)
    assert not poller.poll()  # read once


def test_previous_format_upgrades_and_keeps_its_data(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """A document at 0003_status_symbols (before this branch) gets the team tables and keeps its plan."""
    from sqlalchemy import create_engine

    from kik_desktop.store import migrations
    from kik_desktop.store.backup import list_backups

    if backend == "sqlite":
        target: str = str(tmp_path / "alt.kik")
        engine = create_engine(f"sqlite:///{target}")
        with engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA application_id=1263094577")
    else:
        server = request.getfixturevalue("pg_server")
        target = create_database(server)
        request.addfinalizer(lambda: drop_database(server, target))
        engine = create_engine(target.replace("postgresql://", "postgresql+psycopg://", 1))
    migrations.upgrade(engine, Path("unused"), backup=False, target="0003_status_symbols")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO field (id, uid, position, name, description, working_group, actors) "
            "VALUES (1, 'f1', 0, 'Alt', '', '', '')"
        )
        conn.exec_driver_sql(
            "INSERT INTO goal (id, uid, field_id, position, title, description, indicator, "
            "is_example) VALUES (1, 'g1', 1, 0, 'Ziel alt', '', '', false)"
        )
    engine.dispose()
    with open_document(target) as doc:
        assert migrations.current_revision(doc.engine) == migrations.head_revision()
        with doc.reading() as s:
            data = dump_plan(s)
        assert [f["title"] for f in data["fields"]] == ["Alt"]
        assert data["fields"][0]["goals"][0]["title"] == "Ziel alt"
        assert read(doc, "goal", 1)["title"] == "Ziel alt"
        save(doc, "goal", 1, {"title": "Ziel neu"})
        key = doc.location if doc.is_server else Path(target)
    backups = list_backups(key)
    assert [b.kind for b in backups] == ["migration"]
    assert backups[0].counts["fields"] == 1


# --- server only --------------------------------------------------------------------------------------


@pytest.mark.postgres
def test_copy_file_to_server_and_back_keeps_everything(
    default_doc: Document, pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with default_doc.reading() as s:
        before = dump_plan(s)
    default_doc.close()
    assert main(["copy", str(default_doc.path), pg_url]) == 0
    assert "alle Zeilenzahlen geprüft" in capsys.readouterr().out
    with open_document(pg_url) as server, server.transaction() as s:
        # The copied ids continue on the server (sequences moved past them).
        goal = s.scalars(select(Measure.goal_id)).first()
        new_id = plan.create_item(s, "measure", goal, None, {"title": "auf dem Server"})
        assert new_id > max(m for m in s.scalars(select(Measure.id)) if m != new_id)
        plan.delete_item(s, "measure", new_id)
    back = tmp_path / "zurueck.kik"
    assert main(["copy", pg_url, str(back)]) == 0
    with open_document(back) as doc, doc.reading() as s:
        assert dump_plan(s) == before
    # Copying over an existing document needs --force and backs the old one up first.
    assert main(["copy", str(back), pg_url]) == 1
    assert "gibt es schon" in capsys.readouterr().err
    assert main(["copy", str(back), pg_url, "--force"]) == 0
    assert "bisherige Ziel ist gesichert" in capsys.readouterr().out


@pytest.mark.postgres
def test_commands_work_with_a_server_url(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["new", pg_url]) == 0
    assert main(["check", "--db", pg_url]) == 0
    assert "in Ordnung (6 Handlungsfelder" in capsys.readouterr().out
    assert main(["dump", "--db", pg_url, "-o", str(tmp_path / "d.json")]) == 0
    assert json.loads((tmp_path / "d.json").read_text("utf-8"))["fields"]
    assert main(["status", "--db", pg_url, "--json"]) == 0
    assert sum(f["measures"] for f in json.loads(capsys.readouterr().out)["fields"]) >= 1
    xlsx = tmp_path / "t.xlsx"
    assert main(["export", str(xlsx), "--db", pg_url]) == 0
    assert main(["import", str(xlsx), "--db", pg_url, "--yes"]) == 0
    assert main(["print", "tabelle", str(tmp_path / "t.pdf"), "--db", pg_url]) == 0
    assert (tmp_path / "t.pdf").stat().st_size > 1000
    assert main(["backup", "--db", pg_url]) == 0
    capsys.readouterr()
    assert main(["backups", "--db", pg_url, "--verify"]) == 0
    out = capsys.readouterr().out
    assert "geprüft: in Ordnung" in out and "Server-" in out
    assert main(["restore", "1", "--db", pg_url, "--yes"]) == 1
    assert "copy SICHERUNG.kik" in capsys.readouterr().err


@pytest.mark.postgres
def test_clear_messages_for_server_problems(pg_server: str, pg_url: str) -> None:
    with pytest.raises(DocumentError, match="enthält kein KIK-Dokument"):
        open_document(pg_url)
    with pytest.raises(DocumentError, match="gibt es auf dem Server nicht"):
        open_document(with_database(pg_server, "gibt_es_nicht"))
    with pytest.raises(DocumentError, match="nicht erreichbar"):
        open_document("postgresql://kik@127.0.0.1:1/kik")
    with pytest.raises(DocumentError, match="fehlt der Name der Datenbank"):
        open_document("postgresql://kik@localhost")


@pytest.mark.postgres
def test_user_without_rights_to_migrate_gets_a_clear_message(pg_server: str, pg_url: str) -> None:
    import psycopg
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from kik_desktop.store import migrations

    engine = create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://", 1))
    migrations.upgrade(engine, Path("unused"), backup=False, target="0003_status_symbols")
    engine.dispose()
    role = f"leser_{make_url(pg_url).database}"[:60]
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{role}" LOGIN')  # type: ignore[arg-type]
    try:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{role}"')  # type: ignore[arg-type]
        url = make_url(pg_url).set(username=role).render_as_string(hide_password=False)
        with pytest.raises(DocumentError, match="darf die Tabellen der Datenbank nicht ändern"):
            open_document(url)
        with open_document(pg_url) as doc:  # the owner can, and did not find anything half done
            assert migrations.current_revision(doc.engine) == migrations.head_revision()
    finally:
        drop_database(pg_server, pg_url)
        with psycopg.connect(pg_server, autocommit=True) as conn:
            conn.execute(f'DROP ROLE IF EXISTS "{role}"')  # type: ignore[arg-type]


@pytest.mark.postgres
def test_password_comes_from_the_keyring_or_is_asked(monkeypatch: pytest.MonkeyPatch, pg_url: str) -> None:
    import keyring

    from kik_desktop.store import server

    stored: dict[tuple[str, str], str] = {}
    monkeypatch.setattr(keyring, "get_password", lambda service, user: stored.get((service, user)))
    monkeypatch.setattr(
        keyring, "set_password", lambda service, user, pw: stored.__setitem__((service, user), pw)
    )
    assert server.save_password(pg_url, "geheim")
    assert stored == {("KIK-Desktop", "kik@" + server.make_url(pg_url).query["host"]): "geheim"}
    engine, asked = server.connect_engine(pg_url)  # the test server trusts local users: any password works
    assert engine.url.password == "geheim" and asked is None
    engine.dispose()
    assert "geheim" not in server.redact(engine.url.render_as_string(hide_password=False))


def test_a_rolled_back_save_is_not_taken_as_read(any_small_plan: Document) -> None:
    """A failed transaction must not leave its own version as "what this program read"."""
    doc = any_small_plan
    m = measure_id(doc, "M1")
    read(doc, "measure", m)
    with pytest.raises(RuntimeError), doc.transaction() as s:
        plan.update_item(s, "measure", m, {"title": "verworfen"})
        raise RuntimeError("abgebrochen")
    save(doc, "measure", m, {"title": "gespeichert"})  # no conflict with itself
    assert read(doc, "measure", m)["title"] == "gespeichert"


@pytest.mark.postgres
def test_copy_carries_indicators_snapshots_and_origins(
    default_doc: Document, pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The tables of #13 and #19 (indicator, indicator_value, snapshot*, item_origin) go to the server
    and back with every row; the copy covers every table of the schema."""
    from datetime import date

    from sqlalchemy import func

    from kik_desktop.domain.indicators import create_indicator, set_value
    from kik_desktop.domain.snapshots import create_snapshot, list_snapshots
    from kik_desktop.models import Base, Goal, ItemOrigin

    with default_doc.transaction() as s:
        goal = s.scalars(select(Goal)).first()
        assert goal is not None
        indicator_id, _changes = create_indicator(
            s, "goal", goal.id, {"name": "Teilnehmende", "unit": "Personen"}
        )
        set_value(s, indicator_id, "03/2026", "42")
        s.add(ItemOrigin(uid=goal.uid, kind="goal", origin_uid="alt123", origin_edition="Fassung 2025"))
        s.flush()
        create_snapshot(s, "Frühjahr", date(2026, 4, 1))
    with default_doc.reading() as s:
        counts = {
            t.name: int(s.scalar(select(func.count()).select_from(t)) or 0)
            for t in Base.metadata.sorted_tables
        }
        before = dump_plan(s)
    assert all(counts[name] > 0 for name in ("indicator", "indicator_value", "snapshot", "item_origin"))
    default_doc.close()
    assert main(["copy", str(default_doc.path), pg_url]) == 0
    back = tmp_path / "zurueck.kik"
    assert main(["copy", pg_url, str(back)]) == 0
    capsys.readouterr()
    with open_document(back) as doc, doc.reading() as s:
        after = {
            t.name: int(s.scalar(select(func.count()).select_from(t)) or 0)
            for t in Base.metadata.sorted_tables
        }
        assert dump_plan(s) == before
        assert [i.label for i in list_snapshots(s)] == ["Frühjahr"]
    # The change log is the document's own history on each back end; every other table is copied whole.
    counts.pop("change_log"), after.pop("change_log")
    assert after == counts


def test_write_lock_of_a_server_url_takes_no_lock_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server document has several editors at once: the command line's file lock is skipped there,
    while a file next to it is still locked."""
    from kik_desktop.cli.writing import document_write_lock
    from kik_desktop.store.lock import DocumentLock

    monkeypatch.chdir(tmp_path)
    with document_write_lock("postgresql://anna@localhost/kik", command="import"):
        assert list(tmp_path.iterdir()) == []
    path = tmp_path / "plan.kik"
    with document_write_lock(path, command="import"):
        holder = DocumentLock(path).holder()
        assert holder is not None
    assert DocumentLock(path).holder() is None


class _Terminal:
    """stdin of an interactive terminal (the CLI asks for a password only there)."""

    def isatty(self) -> bool:
        return True


@pytest.mark.postgres
def test_wrong_password_on_the_command_line_is_refused_and_not_stored(
    password_url: str,
    memory_keyring: dict[tuple[str, str], str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import getpass
    import sys

    from sqlalchemy.engine import make_url

    answers: list[str] = []
    monkeypatch.setattr(sys, "stdin", _Terminal())
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": answers.pop(0))
    name = f"„{make_url(password_url).database} auf localhost“"
    answers.append("falsch")
    assert main(["status", "--db", password_url]) == 1
    assert capsys.readouterr().err == (
        f"Fehler: Anmeldung an {name} fehlgeschlagen: Benutzername oder Passwort ist falsch.\n"
    )
    answers.append("richtig")
    assert main(["status", "--db", password_url]) == 0
    assert memory_keyring == {}  # the terminal's answer is never stored
    # „kik-desktop password“ tries the password first: a wrong one is refused, nothing stored.
    answers.append("falsch")
    assert main(["password", password_url]) == 1
    err = capsys.readouterr().err
    assert "Passwort ist falsch" in err and "nicht gespeichert" in err
    assert memory_keyring == {}
    answers.append("richtig")
    assert main(["password", password_url]) == 0
    assert list(memory_keyring.values()) == ["richtig"]
    assert main(["status", "--db", password_url]) == 0  # from the keyring: nothing asked
    assert answers == []
    # A wrong password in the keyring (changed on the server since): asked, and the right one works.
    memory_keyring[next(iter(memory_keyring))] = "veraltet"
    answers.append("richtig")
    assert main(["status", "--db", password_url]) == 0
    assert answers == []


def _log(doc: Document) -> list[tuple[int, str, int | None, str]]:
    with doc.reading() as s:
        return [
            (e.revision, e.kind, e.item_id, e.action)
            for e in s.scalars(select(ChangeLogEntry).order_by(ChangeLogEntry.revision))
        ]


def _age_log(doc: Document, up_to: int, days: int) -> None:
    """Date the change log's entries up to revision ``up_to`` back by ``days``."""
    from datetime import datetime, timedelta

    from sqlalchemy import update

    with doc.engine.begin() as conn:
        conn.execute(
            update(ChangeLogEntry)
            .where(ChangeLogEntry.revision <= up_to)
            .values(changed_at=datetime.now() - timedelta(days=days))
        )


def test_change_log_is_pruned_on_open_and_leaves_a_marker(two_sessions: tuple[Document, Document]) -> None:
    """Entries older than KEEP_DAYS go when the document is opened for writing; the newest of them stays
    as a marker, so a poller that had not read them reloads the plan and undo refuses an older step."""
    from kik_desktop.domain.changes import Change
    from kik_desktop.store.changelog import KEEP_DAYS, PRUNED, latest_revision, prune, prune_on_open

    a, b = two_sessions
    behind = ChangePoller(b)  # B's window, started before everything below
    m1, m2 = measure_id(a, "M1"), measure_id(a, "M2")
    old_step = save(a, "measure", m1, {"title": "alt"})
    with a.reading() as s:
        old_top = latest_revision(s)
    recent_step = save(a, "measure", m2, {"title": "neu"})
    recent = [e for e in _log(a) if e[0] > old_top]
    assert recent and len(_log(a)) > len(recent) + 1
    _age_log(a, old_top, KEEP_DAYS + 1)
    # Opened read-only: nothing is written, also not the pruning.
    open_document(a.location, read_only=True).close()
    assert len(_log(a)) > len(recent) + 1
    open_document(a.location).close()
    assert _log(a) == [(old_top, "plan", None, PRUNED), *recent]
    # The window that had not read the removed entries reloads the plan, then gets the recent change.
    changes = behind.poll()
    assert Change(Action.RESET, "plan") in changes
    assert any(c.item_id == m2 and c.values.get("title") == "neu" for c in changes)
    # Undo of a step older than the marker is refused (who changed it since is no longer known) …
    with pytest.raises(UndoRefusedError, match="älter als das Änderungsprotokoll"), a.transaction() as s:
        plan.update_item(s, "measure", m1, old_step.old, record_history=False, undo_since=old_step.since)
    assert read(a, "measure", m1)["title"] == "alt"
    # … a recent step still undoes.
    with a.transaction() as s:
        plan.update_item(
            s, "measure", m2, recent_step.old, record_history=False, undo_since=recent_step.since
        )
    assert read(a, "measure", m2)["title"] == "M2"
    # Pruning again finds nothing (the marker alone is not pruned); revisions go on after it.
    assert prune_on_open(a) == 0
    with a.transaction() as s:
        assert prune(s) == 0
    fresh = ChangePoller(a)
    save(b, "measure", m1, {"title": "von Ben"})
    assert [(c.item_id, c.values["title"]) for c in fresh.poll()] == [(m1, "von Ben")]
    assert _log(a)[0] == (old_top, "plan", None, PRUNED) and _log(a)[-1][0] > old_top


def test_pruning_counts_what_it_removed_and_keeps_the_recent_days(any_small_plan: Document) -> None:
    from datetime import datetime, timedelta

    from kik_desktop.store.changelog import PRUNED, latest_revision, prune

    doc = any_small_plan
    with doc.reading() as s:
        first = latest_revision(s)
    entries = len(_log(doc))
    save(doc, "measure", measure_id(doc, "M3"), {"title": "danach"})
    # Ten days later, with seven days kept: the plan's creation goes, the edit of today stays.
    with doc.transaction() as s:
        assert prune(s, keep_days=7, now=datetime.now() + timedelta(days=3)) == 0
    _age_log(doc, first, 10)
    with doc.transaction() as s:
        assert prune(s, keep_days=7) == entries
    log = _log(doc)
    assert log[0] == (first, "plan", None, PRUNED) and len(log) == 2 and log[1][3] == "updated"


def test_reporting_dates_are_frozen_after_the_upgrade_from_0007(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """0008_team gives PostgreSQL the triggers SQLite had since 0005: a reporting date of a document of the
    previous format cannot be edited after the upgrade either, only deleted."""
    from datetime import date

    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import IntegrityError

    from kik_desktop.domain import snapshots
    from kik_desktop.domain.indicators import create_indicator, set_value
    from kik_desktop.store import migrations

    if backend == "sqlite":
        target: str = str(tmp_path / "alt.kik")
        engine = create_engine(f"sqlite:///{target}")
        with engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA application_id=1263094577")
    else:
        server = request.getfixturevalue("pg_server")
        target = create_database(server)
        request.addfinalizer(lambda: drop_database(server, target))
        engine = create_engine(target.replace("postgresql://", "postgresql+psycopg://", 1))
    migrations.upgrade(engine, Path("unused"), backup=False, target="0007_team")
    engine.dispose()
    with open_document(target) as doc:
        assert migrations.current_revision(doc.engine) == "0008_team" == migrations.head_revision()
        with doc.transaction() as s:
            field = plan.create_item(s, "field", None, None, {"name": "Feld"})
            goal = plan.create_item(s, "goal", field, None, {"title": "Ziel"})
            plan.create_item(s, "measure", goal, None, {"title": "Maßnahme"})
            indicator_id, _changes = create_indicator(s, "goal", goal, {"name": "Teilnehmende"})
            set_value(s, indicator_id, "03/2026", "42")
            snapshots.create_snapshot(s, "Frühjahr", date(2026, 4, 1))
        for table in ("snapshot", "snapshot_measure", "snapshot_indicator"):
            with pytest.raises(IntegrityError, match="kann nicht geändert werden"), doc.transaction() as s:
                s.execute(text(f"UPDATE {table} SET id = id"))
        with doc.transaction() as s:
            snapshots.delete_snapshot(s, "Frühjahr")
            assert snapshots.list_snapshots(s) == []

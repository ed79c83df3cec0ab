"""The team database in the window (#17): connect, live refresh from another editor, conflict dialog, undo."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDialog, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from sqlalchemy.engine import make_url

from kik_desktop.domain import plan
from kik_desktop.domain.changes import Action
from kik_desktop.models import Measure
from kik_desktop.store import Document, open_document
from kik_desktop.ui import team
from kik_desktop.ui.main_window import MainWindow
from kik_desktop.ui.status_history import StatusHistoryView

pytestmark = pytest.mark.postgres

# Screenshots to look at (not asserted): KIK_TEST_SHOTS, else the temp folder.
SHOTS = Path(os.environ.get("KIK_TEST_SHOTS", tempfile.gettempdir()))


@pytest.fixture
def server_doc(pg_server: str) -> Iterator[Document]:
    """A server document with the small plan (the other editor's session)."""
    from kik_desktop.store import create_document
    from tests.pg_harness import create_database, drop_database

    url = create_database(pg_server)
    doc = create_document(url)
    with doc.transaction() as s:
        f = plan.create_item(s, "field", None, None, {"name": "Feld Eins"})
        g = plan.create_item(s, "goal", f, None, {"title": "Ziel A"})
        for t in ("M1", "M2"):
            plan.create_item(s, "measure", g, None, {"title": t})
    doc.author = "Ben"
    yield doc
    doc.close()
    drop_database(pg_server, url)


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path, server_doc: Document) -> Iterator[MainWindow]:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue(team.SETTINGS_AUTHOR, "Anna")
    win = MainWindow(settings)
    qtbot.addWidget(win)
    win.show()
    assert team.connect_to_server(win.context, server_doc.location)
    yield win
    win.close_document()
    win.close()


def mid(doc: Document, title: str) -> int:
    with doc.reading() as s:
        return int(s.scalars(select(Measure.id).where(Measure.title == title)).one())


def tree_title(window: MainWindow, item_id: int) -> str:
    node = window.tree_model.node("measure", item_id)
    assert node is not None
    return str(node.title)


def test_connect_shows_the_server_document_with_author_and_title(
    window: MainWindow, server_doc: Document
) -> None:
    assert window.document is not None and window.document.is_server
    assert window.document.author == "Anna"
    assert "auf localhost" in window.windowTitle()
    link = window.context.part(team.TeamLink)
    assert link is not None and link.timer.isActive()
    assert str(window.settings.value(team.SETTINGS_URL)) == server_doc.location


def test_other_editors_change_reaches_tree_and_editor(window: MainWindow, server_doc: Document) -> None:
    m1, m2 = mid(server_doc, "M1"), mid(server_doc, "M2")
    window.select_item("measure", m1)
    with server_doc.transaction() as s:
        plan.update_item(s, "measure", m1, {"title": "M1 von Ben"})
        goal = plan.parent_id_of(s, "measure", m2)
        new = plan.create_item(s, "measure", goal, None, {"title": "M3 von Ben"})
    changes = team.poll_now(window.context)
    assert len(changes) >= 2
    assert tree_title(window, m1) == "M1 von Ben"
    assert tree_title(window, new) == "M3 von Ben"
    assert window.editor.measure_editor._bindings["title"].get() == "M1 von Ben"
    assert "Ben" in window.statusBar().currentMessage()
    window.grab().save(str(SHOTS / "team_live_refresh.png"))


def test_colliding_save_offers_both_values(
    window: MainWindow, server_doc: Document, monkeypatch: pytest.MonkeyPatch
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    m1 = mid(server_doc, "M1")
    window.select_item("measure", m1)  # Anna's editor reads M1
    with server_doc.transaction() as s:
        plan.update_item(s, "measure", m1, {"title": "Ben sagt"})
    seen: list[team.ConflictDialog] = []

    def choose_mine(dialog: team.ConflictDialog) -> int:
        seen.append(dialog)
        dialog.grab().save(str(SHOTS / "team_conflict_dialog.png"))
        return QDialog.DialogCode.Accepted.value

    monkeypatch.setattr(team.ConflictDialog, "exec", choose_mine)
    assert window.operations.update("measure", m1, {"title": "Anna sagt"})
    assert [(c.mine, c.theirs) for c in seen[0].error.conflicts] == [("Anna sagt", "Ben sagt")]
    assert seen[0].table.item(0, 2).text() == "Ben sagt"
    with server_doc.reading() as s:
        assert plan.get_values(s, "measure", m1)["title"] == "Anna sagt"
    # Choosing the other's value keeps it and shows it.
    with server_doc.transaction() as s:
        plan.update_item(s, "measure", m1, {"title": "Ben nochmal"}, check_conflicts=False)
    monkeypatch.setattr(team.ConflictDialog, "exec", lambda _d: QDialog.DialogCode.Rejected.value)
    assert not window.operations.update("measure", m1, {"title": "Anna nochmal"})
    with server_doc.reading() as s:
        assert plan.get_values(s, "measure", m1)["title"] == "Ben nochmal"


def test_undo_refuses_when_the_other_editor_changed_the_item(
    window: MainWindow, server_doc: Document, monkeypatch: pytest.MonkeyPatch
) -> None:
    m2 = mid(server_doc, "M2")
    window.select_item("measure", m2)
    assert window.operations.update("measure", m2, {"title": "Anna"})
    with server_doc.transaction() as s:
        plan.update_item(s, "measure", m2, {"notes": "Ben"}, check_conflicts=False)
    errors: list[tuple[str, str]] = []
    monkeypatch.setattr(window, "show_error", lambda title, text: errors.append((title, text)))
    window.undo()
    assert errors and "Rückgängig war nicht möglich" in errors[0][0] and "Ben" in errors[0][1]
    with server_doc.reading() as s:
        assert plan.get_values(s, "measure", m2)["title"] == "Anna"
    reopened = open_document(server_doc.location)
    reopened.close()


def test_status_history_shows_who_changed_it(window: MainWindow, server_doc: Document) -> None:
    m1 = mid(server_doc, "M1")
    with server_doc.transaction() as s:
        plan.update_item(s, "measure", m1, {"status_key": "ende"})
    team.poll_now(window.context)
    window.select_item("measure", m1)
    assert window.operations.update("measure", m1, {"status_key": "umgesetzt"})
    history = window.context.part(StatusHistoryView)
    assert history is not None
    history.reload()
    rows = [
        [history.list.topLevelItem(i).text(c) for c in (1, 2, 3)]
        for i in range(history.list.topLevelItemCount())
    ]
    assert rows == [["Ende", "umgesetzt", "Anna"], ["ohne Status", "Ende", "Ben"]]


def test_save_copy_of_a_server_document_writes_a_kik_file(
    window: MainWindow, server_doc: Document, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QFileDialog

    target = tmp_path / "kopie.kik"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.save_copy()
    with open_document(target) as copy, copy.reading() as s:
        assert plan.counts(s) == {"fields": 1, "goals": 1, "measures": 2}


def test_wrong_password_in_the_window_is_refused_and_not_stored(
    qtbot: QtBot,
    tmp_path: Path,
    password_url: str,
    memory_keyring: dict[tuple[str, str], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A server that wants a password (scram-sha-256): a wrong one gives the German message and goes into
    no keyring; the right one connects and is stored; the next connect takes it from the keyring."""
    from PySide6.QtWidgets import QInputDialog

    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings)
    qtbot.addWidget(win)
    win.show()
    asked: list[str] = []
    answers = ["falsch"]

    def get_text(_parent: object, _title: str, label: str, *_a: object, **_k: object) -> tuple[str, bool]:
        asked.append(label)
        return answers.pop(0), True

    monkeypatch.setattr(QInputDialog, "getText", staticmethod(get_text))

    def messages() -> list[QMessageBox]:
        return [b for b in win.findChildren(QMessageBox) if b.isVisible()]

    assert not team.connect_to_server(win.context, password_url)
    assert asked == ["Passwort für kik_passwort@" + str(make_url(password_url).query["host"]) + ":"]
    [box] = messages()
    assert (box.windowTitle(), box.text()) == (
        "Verbindung zum Server nicht möglich",
        f"Anmeldung an „{make_url(password_url).database} auf localhost“ fehlgeschlagen: "
        "Benutzername oder Passwort ist falsch.",
    )
    box.grab().save(str(SHOTS / "team_wrong_password.png"))
    box.close()
    assert memory_keyring == {}
    assert win.document is None or not win.document.is_server
    # The right password: connected, and stored (the dialog's box is ticked by default).
    answers.append("richtig")
    assert team.connect_to_server(win.context, password_url)
    assert win.document is not None and win.document.is_server
    assert list(memory_keyring.values()) == ["richtig"]
    win.close_document()
    # Next time the keyring has it: no question.
    asked.clear()
    assert team.connect_to_server(win.context, password_url)
    assert asked == [] and messages() == []
    win.close_document()
    win.close()


def test_a_window_behind_a_pruned_change_log_reloads_the_plan(
    window: MainWindow, server_doc: Document
) -> None:
    """Another editor's open pruned the change log past what this window had read: the marker makes the
    window reload the whole plan, so the change whose entry is gone still shows."""
    from datetime import datetime, timedelta

    from kik_desktop.store.changelog import KEEP_DAYS, prune

    m1 = mid(server_doc, "M1")
    with server_doc.transaction() as s:
        plan.update_item(s, "measure", m1, {"title": "M1 vor langer Zeit"})
    with server_doc.transaction() as s:
        assert prune(s, now=datetime.now() + timedelta(days=KEEP_DAYS + 1)) > 0
    assert tree_title(window, m1) == "M1"
    changes = team.poll_now(window.context)
    assert any(c.action is Action.RESET for c in changes)
    assert tree_title(window, m1) == "M1 vor langer Zeit"

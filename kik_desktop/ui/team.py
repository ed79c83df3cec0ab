"""The team database in the window: Datei → Mit Server verbinden…, live refresh, the conflict dialog.

Installed through ``ui/extensions.py``. The live refresh polls the change log (``domain/live.py``) from a
QTimer and hands other editors' changes to ``window.notify`` — the same path local edits take.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.exc import SQLAlchemyError

from kik_desktop.domain.changes import Action, ChangeSet
from kik_desktop.domain.conflicts import KIND_NAMES, ConflictError, accept_current
from kik_desktop.domain.live import PollResult
from kik_desktop.store import Document, DocumentError
from kik_desktop.ui.operations import ChangeInfo

if TYPE_CHECKING:
    from kik_desktop.ui.main_window import MainWindow

log = logging.getLogger(__name__)

POLL_MILLISECONDS = 3000
# More remote changes than this at once: rebuild the tree instead of updating item by item.
MAX_SINGLE_UPDATES = 25
SETTINGS_URL = "team/url"
SETTINGS_AUTHOR = "team/author"

_NOTICE = {
    Action.UPDATED: "updated",
    Action.CREATED: "inserted",
    Action.DELETED: "removed",
    Action.MOVED: "moved",
}
PLAN_KINDS = {"field", "goal", "measure"}


def _author_from_settings(window: MainWindow) -> str:
    return str(window.settings.value(SETTINGS_AUTHOR, "", type=str) or "").strip()


def install(window: MainWindow) -> None:
    action = window.menus["file"].addAction("Mit &Server verbinden…")
    action.setStatusTip("Ein Dokument in einer PostgreSQL-Datenbank des Teams öffnen")
    action.triggered.connect(lambda: connect_to_server(window))
    window.team_connect_action = action  # type: ignore[attr-defined]
    timer = QTimer(window)
    timer.setInterval(POLL_MILLISECONDS)
    timer.timeout.connect(lambda: poll_now(window))
    window.team_timer = timer  # type: ignore[attr-defined]
    window.team_poller = None  # type: ignore[attr-defined]
    window.document_opened.connect(lambda doc: _document_opened(window, doc))


def _document_opened(window: MainWindow, doc: Document) -> None:
    from kik_desktop.domain.live import ChangePoller

    author = _author_from_settings(window)
    if author:
        doc.author = author
    timer: QTimer = window.team_timer  # type: ignore[attr-defined]
    # A file with the lock has one editor (us); a server document or a read-only file can change under us.
    if doc.is_server or doc.read_only:
        try:
            window.team_poller = ChangePoller(doc)  # type: ignore[attr-defined]
        except (DocumentError, SQLAlchemyError) as exc:
            log.warning("live refresh not available: %s", exc)
            window.team_poller = None  # type: ignore[attr-defined]
            timer.stop()
            return
        timer.start()
    else:
        window.team_poller = None  # type: ignore[attr-defined]
        timer.stop()


def poll_now(window: MainWindow) -> ChangeSet:
    """Read other editors' changes now and show them; returns what was applied."""
    poller = getattr(window, "team_poller", None)
    if poller is None or window.document is None or poller.document is not window.document:
        return ChangeSet()
    try:
        result: PollResult = poller.poll_result()
    except (DocumentError, SQLAlchemyError) as exc:
        window.statusBar().showMessage(f"Aktualisierung vom Server nicht möglich: {exc}", 5000)
        return ChangeSet()
    if result.changes:
        apply_remote(window, result.changes)
        who = ", ".join(result.authors) or "jemand anderes"
        window.statusBar().showMessage(f"Aktualisiert: {len(result.changes)} Änderung(en) von {who}", 5000)
    return result.changes


def apply_remote(window: MainWindow, changes: ChangeSet) -> None:
    """Show other editors' changes through the window's own change path (``window.notify``)."""
    current = window.current_item()
    touched = {(c.kind, c.item_id) for c in changes}
    if current is not None and current in touched:
        # Save what is typed first: a collision with the other editor shows the conflict dialog.
        window.editor.flush()
    simple = [c for c in changes if c.kind in PLAN_KINDS and c.action in _NOTICE and c.item_id is not None]
    if len(simple) != len(changes) or len(simple) > MAX_SINGLE_UPDATES:
        window.reload_plan()
        return
    for change in simple:
        window.notify(ChangeInfo(_NOTICE[change.action], change.kind, change.item_id, change.attrs))


# -- conflicts ----------------------------------------------------------------------------------
def _show(value: Any) -> str:
    return "(leer)" if value in (None, "", []) else str(value)


class ConflictDialog(QDialog):
    """Both values of every colliding attribute side by side; the user keeps theirs or the other's."""

    def __init__(self, error: ConflictError, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.error = error
        who = error.their_author or "jemand anderes"
        self.setWindowTitle("Gleichzeitige Änderung")
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"<b>{KIND_NAMES.get(error.kind, 'Der Eintrag')} „{html.escape(error.title)}“ wurde inzwischen "
            f"von {html.escape(who)} geändert.</b><br>"
            "Ihre Änderung ist noch nicht gespeichert. Welche Werte sollen gelten?"
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        table = QTableWidget(len(error.conflicts), 3, self)
        table.setHorizontalHeaderLabels(["Feld", "Ihr Wert", f"Wert von {who}"])
        for row, conflict in enumerate(error.conflicts):
            for col, text in enumerate((conflict.label, _show(conflict.mine), _show(conflict.theirs))):
                item = QTableWidgetItem(text)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                item.setToolTip(text)
                table.setItem(row, col, item)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        table.verticalHeader().setVisible(False)
        table.setWordWrap(True)
        table.resizeRowsToContents()
        layout.addWidget(table)
        self.table = table
        buttons = QDialogButtonBox(self)
        self.keep_mine = buttons.addButton("&Meine Werte speichern", QDialogButtonBox.ButtonRole.AcceptRole)
        self.keep_theirs = buttons.addButton(
            f"&Werte von {who} behalten", QDialogButtonBox.ButtonRole.RejectRole
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(640, 160 + 40 * len(error.conflicts))


def resolve_conflict(window: MainWindow, error: ConflictError, save_again: Callable[[], bool]) -> bool:
    """Ask which values win; saves the user's again (``save_again``) when they choose theirs."""
    doc = window.document
    dialog = ConflictDialog(error, window)
    if doc is not None and dialog.exec() == QDialog.DialogCode.Accepted:
        accept_current(doc, error)
        return save_again()
    window.notify(ChangeInfo("updated", error.kind, error.item_id, frozenset(error.mine)))
    return False


# -- connecting ---------------------------------------------------------------------------------
class ConnectDialog(QDialog):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        from kik_desktop.store.database import default_author

        self.setWindowTitle("Mit Server verbinden")
        layout = QVBoxLayout(self)
        hint = QLabel(
            "Ein Dokument in einer PostgreSQL-Datenbank, die mehrere gleichzeitig bearbeiten. "
            "Adresse: <tt>postgresql://benutzer@rechner/datenbank</tt>. Das Passwort kommt aus dem "
            "Schlüsselbund des Systems oder wird gleich abgefragt; "
            "es wird nicht in den Einstellungen gespeichert."
        )
        hint.setWordWrap(True)
        layout.addWidget(hint)
        form = QFormLayout()
        self.url = QLineEdit(str(window.settings.value(SETTINGS_URL, "", type=str) or ""))
        self.url.setPlaceholderText("postgresql://benutzer@rechner/datenbank")
        form.addRow("Server-&Adresse:", self.url)
        self.author = QLineEdit(_author_from_settings(window) or default_author())
        form.addRow("Ihr &Name im Verlauf:", self.author)
        layout.addLayout(form)
        self.save_password = QCheckBox("Passwort im &Schlüsselbund speichern")
        self.save_password.setChecked(True)
        layout.addWidget(self.save_password)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Verbinden")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(560, self.sizeHint().height())


def connect_to_server(window: MainWindow, url: str | None = None) -> bool:
    """Ask for the server address (unless given), connect and show the document; False if not."""
    from kik_desktop.store import open_document
    from kik_desktop.store.backup import BackupError, backup_on_open
    from kik_desktop.store.server import is_server_url, redact, save_password

    dialog = ConnectDialog(window)
    if url is None:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        url = dialog.url.text().strip()
        window.settings.setValue(SETTINGS_AUTHOR, dialog.author.text().strip())
    if not is_server_url(url):
        window.show_error(
            "Keine Server-Adresse",
            f"„{url}“ ist keine Adresse der Form postgresql://benutzer@rechner/datenbank.",
        )
        return False
    asked: dict[str, str] = {}

    def ask(user_at_host: str) -> str | None:
        password, ok = QInputDialog.getText(
            window, "Passwort", f"Passwort für {user_at_host}:", QLineEdit.EchoMode.Password
        )
        if ok and password:
            asked["password"] = password
            return password
        return None

    window.editor.flush()
    try:
        doc = open_document(url, password_provider=ask)
    except DocumentError as exc:
        window.show_error("Verbindung zum Server nicht möglich", str(exc))
        return False
    window.settings.setValue(SETTINGS_URL, redact(url))
    if asked and dialog.save_password.isChecked():
        save_password(url, asked["password"])
    try:
        backup_on_open(doc)
    except BackupError as exc:
        window.statusBar().showMessage(f"Die tägliche Sicherung konnte nicht angelegt werden: {exc}", 8000)
    window.set_document(doc, None)
    return True

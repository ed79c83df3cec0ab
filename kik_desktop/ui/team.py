"""The team database in the window: Datei → Mit Server verbinden…, live refresh, the conflict dialog.

Installed through ``ui/extensions.py`` (``install(ctx)``; the part ``TeamLink``, the action
``ctx.actions["team_connect"]``). The live refresh polls the change log (``domain/live.py``) from a
QTimer and publishes other editors' ``ChangeSet``s through ``ctx.operations.publish`` with no initiator —
the path undo and redo take, so the index, tree, board and editor follow them like any other write.
A save that collides with another editor's change reaches ``resolve_conflict`` through
``Operations.conflict_handler``.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction
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

from kik_desktop.domain.changes import ChangeSet, updated
from kik_desktop.domain.conflicts import KIND_NAMES, ConflictError, accept_current
from kik_desktop.domain.live import ChangePoller, PollResult
from kik_desktop.domain.plan import UpdateResult
from kik_desktop.store import Document, DocumentError
from kik_desktop.ui.context import WindowContext

log = logging.getLogger(__name__)

POLL_MILLISECONDS = 3000
SETTINGS_URL = "team/url"
SETTINGS_AUTHOR = "team/author"


def _author_from_settings(ctx: WindowContext) -> str:
    return str(ctx.settings.value(SETTINGS_AUTHOR, "", type=str) or "").strip()


class TeamLink(QObject):
    """The live refresh of the open document: a timer and the poller of its change log."""

    def __init__(self, ctx: WindowContext) -> None:
        super().__init__(ctx.window)
        self.ctx = ctx
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MILLISECONDS)
        self.timer.timeout.connect(self.poll_now)
        self.poller: ChangePoller | None = None
        ctx.document_opened.connect(self._document_opened)

    def _document_opened(self, doc: Document) -> None:
        author = _author_from_settings(self.ctx)
        if author:
            doc.author = author
        # A file with the lock has one editor (us); a server document or a read-only file can change
        # under us.
        self.poller = None
        if doc.is_server or doc.read_only:
            try:
                self.poller = ChangePoller(doc)
            except (DocumentError, SQLAlchemyError) as exc:
                log.warning("live refresh not available: %s", exc)
                self.timer.stop()
                return
            self.timer.start()
        else:
            self.timer.stop()

    def poll_now(self) -> ChangeSet:
        """Read other editors' changes now and show them; returns what was applied."""
        ctx, poller = self.ctx, self.poller
        if poller is None or ctx.document is None or poller.document is not ctx.document:
            return ChangeSet()
        try:
            result: PollResult = poller.poll_result()
        except (DocumentError, SQLAlchemyError) as exc:
            ctx.window.statusBar().showMessage(f"Aktualisierung vom Server nicht möglich: {exc}", 5000)
            return ChangeSet()
        if result.changes:
            apply_remote(ctx, result.changes)
            who = ", ".join(result.authors) or "jemand anderes"
            ctx.window.statusBar().showMessage(
                f"Aktualisiert: {len(result.changes)} Änderung(en) von {who}", 5000
            )
        return result.changes


def install(ctx: WindowContext) -> None:
    """Datei → „Mit Server verbinden…“, the live refresh (``TeamLink``) and the conflict dialog."""
    action = QAction("Mit &Server verbinden…", ctx.window)
    action.setStatusTip("Ein Dokument in einer PostgreSQL-Datenbank des Teams öffnen")
    action.triggered.connect(lambda _checked=False: connect_to_server(ctx))
    ctx.menus["file"].addAction(action)
    ctx.actions["team_connect"] = action
    ctx.provide(TeamLink(ctx))
    ctx.operations.conflict_handler = lambda error, save_again: resolve_conflict(ctx, error, save_again)


def poll_now(ctx: WindowContext) -> ChangeSet:
    """Read other editors' changes now and show them (what the timer does); returns what was applied."""
    link = ctx.part(TeamLink)
    return link.poll_now() if link is not None else ChangeSet()


def apply_remote(ctx: WindowContext, changes: ChangeSet) -> None:
    """Show other editors' changes through the window's own flow (``operations.publish``, no initiator):
    the index follows the records (or reloads for a reset or very many), the views follow the index."""
    current = ctx.editor.current
    if current is not None and current in {(c.kind, c.item_id) for c in changes}:
        # Save what is typed first: a collision with the other editor shows the conflict dialog.
        ctx.editor.flush()
    ctx.operations.publish(changes, None)


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


def resolve_conflict(
    ctx: WindowContext, error: ConflictError, save_again: Callable[[], UpdateResult | None]
) -> UpdateResult | None:
    """Ask which values win; saves the user's again (``save_again``) when they keep theirs. Otherwise
    the other editor's values are shown (published like a remote change) and nothing is saved."""
    doc = ctx.document
    dialog = ConflictDialog(error, ctx.window)
    if doc is not None and dialog.exec() == QDialog.DialogCode.Accepted:
        accept_current(doc, error)
        return save_again()
    theirs = {key: error.current.get(key) for key in error.mine}
    ctx.operations.publish(ChangeSet((updated(error.kind, error.item_id, theirs),)), None)
    return None


# -- connecting ---------------------------------------------------------------------------------
class ConnectDialog(QDialog):
    def __init__(self, ctx: WindowContext) -> None:
        super().__init__(ctx.window)
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
        self.url = QLineEdit(str(ctx.settings.value(SETTINGS_URL, "", type=str) or ""))
        self.url.setPlaceholderText("postgresql://benutzer@rechner/datenbank")
        form.addRow("Server-&Adresse:", self.url)
        self.author = QLineEdit(_author_from_settings(ctx) or default_author())
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


def connect_to_server(ctx: WindowContext, url: str | None = None) -> bool:
    """Ask for the server address (unless given), connect and show the document; False if not."""
    from kik_desktop.store import open_document
    from kik_desktop.store.backup import BackupError, backup_on_open
    from kik_desktop.store.server import is_server_url, redact, save_password

    window = ctx.window
    dialog = ConnectDialog(ctx)
    if url is None:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        url = dialog.url.text().strip()
        ctx.settings.setValue(SETTINGS_AUTHOR, dialog.author.text().strip())
    if not is_server_url(url):
        ctx.show_error(
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

    ctx.editor.flush()
    try:
        doc = open_document(url, password_provider=ask)
    except DocumentError as exc:
        ctx.show_error("Verbindung zum Server nicht möglich", str(exc))
        return False
    ctx.settings.setValue(SETTINGS_URL, redact(url))
    if asked and dialog.save_password.isChecked():
        save_password(url, asked["password"])
    try:
        backup_on_open(doc)
    except BackupError as exc:
        window.statusBar().showMessage(f"Die tägliche Sicherung konnte nicht angelegt werden: {exc}", 8000)
    ctx.set_document(doc, None)
    return True

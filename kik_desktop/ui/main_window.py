"""The main window: the plan tree on the left, the editor of the selected item on the right."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QByteArray,
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QSettings,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QCloseEvent, QFont, QKeyEvent, QKeySequence, QShortcut, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStatusBar,
    QTreeView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from kik_desktop import APP_NAME, DOCUMENT_SUFFIX, __version__
from kik_desktop.domain import plan, wording
from kik_desktop.domain.plan import Kind
from kik_desktop.domain.queries import institution_names, statuses
from kik_desktop.models import CrossCuttingTask, FundingSource
from kik_desktop.store import Document, DocumentError
from kik_desktop.store.lock import DocumentLock
from kik_desktop.ui.context import WindowContext
from kik_desktop.ui.editors import DetailEditor, heading_for
from kik_desktop.ui.extensions import EXTENSIONS
from kik_desktop.ui.operations import Operations, PlanUpdate
from kik_desktop.ui.plan_tree_model import (
    ID_ROLE,
    KIND_ROLE,
    NODE_ROLE,
    PlanNode,
    PlanTreeFilter,
    PlanTreeModel,
)
from kik_desktop.ui.settings import RECENT_KEY, recent_files

log = logging.getLogger(__name__)

MAX_RECENT = 8
FILE_FILTER = f"KIK-Dokumente (*{DOCUMENT_SUFFIX});;Alle Dateien (*)"


class MainWindow(QMainWindow):
    """The KIK Desktop window. See DEVELOPERS.md for what extensions may use."""

    document_opened = Signal(object)
    # A UI event, not a change of the plan: the user cleared search and filters (the filter bar resets).
    filters_cleared = Signal()
    # Emitted when the window is about to close, before it stores its layout (a mode such as the
    # presentation leaves first, so the normal layout is stored).
    closing = Signal()

    def __init__(self, settings: QSettings) -> None:
        super().__init__()
        self.settings = settings
        self.lock: DocumentLock | None = None
        self.undo_stack = QUndoStack(self)
        self.operations = Operations(self, self.undo_stack)
        self.tree_model = PlanTreeModel(self, self.operations.index)
        self.tree_model.move_requested.connect(self._drop_move)
        self.tree_model.modelAboutToBeReset.connect(self._remember_view)
        self._view_state: tuple[tuple[str, int] | None, list[tuple[str, int]]] = (None, [])
        self.operations.applied.connect(self._plan_changed)
        self.operations.failed.connect(lambda title, text: self.show_error(title, text))
        self.setWindowTitle(APP_NAME)
        self.resize(1280, 800)
        self.setStatusBar(ElidingStatusBar(self))
        self._build_central()
        self._build_menus()
        self.context = self._make_context()
        self._install_extensions()
        self._finish_file_menu()
        self._restore_layout()
        self.fit_to_screen()
        self._update_actions()
        # Ctrl+Z in a text field with nothing of its own to undo undoes the last document step. On the
        # window's text fields only (extensions are installed by now), not on every event of the program.
        self._undo_fallback = UndoFallback(self)
        for field in self.findChildren(QLineEdit) + self.findChildren(QPlainTextEdit):
            field.installEventFilter(self._undo_fallback)

    # -- layout ----------------------------------------------------------------------------------
    def _build_central(self) -> None:
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(6, 6, 0, 6)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Suchen in allen Texten … (Strg+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Suche")
        self.search.setAccessibleDescription(
            "Filtert den Baum beim Tippen über alle Texte; alle Wörter müssen vorkommen. Esc leert die Suche."
        )
        self.search.textChanged.connect(self._search_changed)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self.search)
        escape.setContext(Qt.ShortcutContext.WidgetShortcut)
        escape.activated.connect(self._search_escape)
        left_layout.addWidget(self.search)
        self.search_hits = QLabel()
        self.search_hits.setAccessibleName("Treffer der Suche")
        self.search_hits.hide()
        left_layout.addWidget(self.search_hits)
        # Extensions (tree filters) put their widgets here, between the search and the tree.
        self.filter_slot = QVBoxLayout()
        left_layout.addLayout(self.filter_slot)
        self.filter_banner = QWidget()
        banner_row = QHBoxLayout(self.filter_banner)
        banner_row.setContentsMargins(4, 2, 4, 2)
        self.filter_label = QLabel()
        self.filter_label.setWordWrap(True)
        clear = QPushButton("Filter aufheben")
        clear.clicked.connect(self.clear_filters)
        banner_row.addWidget(self.filter_label, 1)
        banner_row.addWidget(clear)
        self.filter_banner.setStyleSheet("background: #e8f0fe; border-radius: 3px;")
        self.filter_banner.hide()
        left_layout.addWidget(self.filter_banner)
        self.tree_view = QTreeView()
        self.tree_view.setModel(self.tree_model)
        self.tree_filter = PlanTreeFilter(self.tree_model, self.tree_view)
        self.tree_view.setHeaderHidden(True)
        self.tree_view.setUniformRowHeights(True)
        self.tree_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree_view.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.tree_view.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.tree_view.setDragEnabled(True)
        self.tree_view.setAcceptDrops(True)
        self.tree_view.setDropIndicatorShown(True)
        self.tree_view.setAccessibleName("Plan: Handlungsfelder, Ziele und Maßnahmen")
        self.tree_view.selectionModel().currentChanged.connect(self._current_changed)
        self.tree_view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree_view.customContextMenuRequested.connect(self._tree_menu)
        left_layout.addWidget(self.tree_view, 1)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 6, 6, 6)
        self.read_only_banner = QLabel()
        self.read_only_banner.setWordWrap(True)
        self.read_only_banner.setStyleSheet(
            "background: #fff4cc; color: #5c4400; border: 1px solid #e0c060; padding: 6px;"
            " border-radius: 3px;"
        )
        self.read_only_banner.hide()
        right_layout.addWidget(self.read_only_banner)
        self.editor = DetailEditor()
        self.editor.commit.connect(self._editor_committed)
        right_layout.addWidget(self.editor, 1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([520, 760])
        self.splitter.setChildrenCollapsible(False)
        self.setCentralWidget(self.splitter)
        self.doc_label = QLabel()
        self.statusBar().addPermanentWidget(self.doc_label)

    def _action(
        self, menu: QMenu, text: str, slot: Callable[[], Any], shortcut: Any = None, tip: str = ""
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            if isinstance(shortcut, list):
                action.setShortcuts(shortcut)
            else:
                action.setShortcut(shortcut)
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.menus: dict[str, QMenu] = {
            "file": bar.addMenu("&Datei"),
            "edit": bar.addMenu("&Bearbeiten"),
            "view": bar.addMenu("&Ansicht"),
            "help": bar.addMenu("&Hilfe"),
        }
        f = self.menus["file"]
        self._action(
            f,
            "&Neu …",
            self.new_document,
            QKeySequence.StandardKey.New,
            "Neues Dokument aus dem Integrationskonzept oder leer anlegen",
        )
        self._action(f, "Ö&ffnen …", self.open_dialog, QKeySequence.StandardKey.Open)
        self.recent_menu = f.addMenu("&Zuletzt geöffnet")
        self.save_copy_action = self._action(
            f, "&Kopie speichern unter …", self.save_copy, QKeySequence("Ctrl+Shift+S")
        )
        f.addSeparator()

        e = self.menus["edit"]
        self.undo_action = self._action(e, "&Rückgängig", self.undo, QKeySequence.StandardKey.Undo)
        self.redo_action = self._action(
            e, "&Wiederholen", self.redo, [QKeySequence("Ctrl+Y"), QKeySequence("Ctrl+Shift+Z")]
        )
        self.undo_stack.indexChanged.connect(self._stack_changed)
        e.addSeparator()
        self.new_field_action = self._action(
            e, "Neues &Handlungsfeld", lambda: self.add_item("field"), QKeySequence("Ctrl+Shift+F")
        )
        self.new_goal_action = self._action(
            e, "Neues &Ziel", lambda: self.add_item("goal"), QKeySequence("Ctrl+Shift+G")
        )
        self.new_measure_action = self._action(
            e, "Neue &Maßnahme", lambda: self.add_item("measure"), QKeySequence("Ctrl+Shift+M")
        )
        self.delete_action = self._action(
            e, "&Löschen …", self.delete_selected, QKeySequence.StandardKey.Delete
        )
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.tree_view.addAction(self.delete_action)
        e.addSeparator()
        self.move_up_action = self._action(
            e, "Nach &oben", lambda: self.move_selected(-1), QKeySequence("Alt+Up")
        )
        self.move_down_action = self._action(
            e, "Nach &unten", lambda: self.move_selected(1), QKeySequence("Alt+Down")
        )
        self.move_to_action = self._action(
            e, "&Verschieben nach …", self.move_selected_to, QKeySequence("Ctrl+M")
        )
        e.addSeparator()
        self.institutions_action = self._action(e, "&Institutionen verwalten …", self.edit_institutions)
        e.addSeparator()
        self._action(e, "&Suchen", self.focus_search, QKeySequence.StandardKey.Find)

        v = self.menus["view"]
        # "Plus"/"Minus" are no key names for QKeySequence (they gave an unknown key): the keys themselves.
        ctrl_shift = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
        self._action(
            v, "Alles &aufklappen", self.tree_view.expandAll, QKeySequence(ctrl_shift | Qt.Key.Key_Plus)
        )
        self._action(
            v, "Alles &zuklappen", self.collapse_to_fields, QKeySequence(ctrl_shift | Qt.Key.Key_Minus)
        )
        v.addSeparator()
        self._action(
            v,
            "Schrift &größer",
            lambda: self.zoom(1),
            [QKeySequence.StandardKey.ZoomIn, QKeySequence("Ctrl+=")],
        )
        self._action(v, "Schrift &kleiner", lambda: self.zoom(-1), QKeySequence.StandardKey.ZoomOut)
        self._action(v, "Schrift &normal", lambda: self.zoom(0), QKeySequence("Ctrl+0"))
        v.addSeparator()

        h = self.menus["help"]
        self._action(h, "Ü&ber KIK Desktop", self.about)

    @property
    def document(self) -> Document | None:
        """The open document (owned by ``operations``)."""
        return self.operations.document

    def _make_context(self) -> WindowContext:
        return WindowContext(
            window=self,
            settings=self.settings,
            operations=self.operations,
            menus=self.menus,
            tree_view=self.tree_view,
            tree_model=self.tree_model,
            tree_filter=self.tree_filter,
            editor=self.editor,
            splitter=self.splitter,
            filter_slot=self.filter_slot,
            search=self.search,
            document_opened=self.document_opened,
            filters_cleared=self.filters_cleared,
            select_item=self.select_item,
            set_id_filter=self.set_id_filter,
            show_error=self.show_error,
            set_document=self.set_document,
            take_lock=self._take_lock,
            current_item=self.current_item,
            open_path=self.open_path,
            search_hits=self.search_hits,
            zoom_level=lambda: self._zoom,
            set_zoom=self.set_zoom,
            closing=self.closing,
        )

    def _take_lock(self) -> DocumentLock | None:
        """Hand the document's lock to the caller (the restore dialog reopens the file with it)."""
        lock, self.lock = self.lock, None
        return lock

    def _install_extensions(self) -> None:
        """install(ctx: WindowContext) of every extension, in the order of ``EXTENSIONS``."""
        for name in EXTENSIONS:
            install = importlib.import_module(name).install
            install(self.context)

    def _finish_file_menu(self) -> None:
        f = self.menus["file"]
        f.addSeparator()
        self._action(f, "&Beenden", self.close, QKeySequence("Ctrl+Q"))
        self._rebuild_recent_menu()

    # -- settings --------------------------------------------------------------------------------
    def _restore_layout(self) -> None:
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        state = self.settings.value("window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        splitter = self.settings.value("window/splitter")
        if isinstance(splitter, QByteArray):
            self.splitter.restoreState(splitter)
        zoom = self.settings.value("view/zoom", 0)
        self._zoom = int(str(zoom)) if str(zoom).lstrip("-").isdigit() else 0
        self._base_point_size = QApplication.font().pointSizeF()
        if self._zoom:
            self.zoom(None)

    def _save_layout(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("window/splitter", self.splitter.saveState())
        self.settings.setValue("view/zoom", self._zoom)
        self.settings.sync()

    def recent_files(self) -> list[str]:
        return recent_files(self.settings)

    def _remember(self, path: Path) -> None:
        entry = str(path.resolve())
        files = [entry] + [f for f in self.recent_files() if f != entry]
        self.settings.setValue(RECENT_KEY, files[:MAX_RECENT])
        self.settings.sync()
        self._rebuild_recent_menu()

    def _rebuild_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = self.recent_files()
        for i, name in enumerate(files, start=1):
            action = self.recent_menu.addAction(f"&{i} {name}")
            action.triggered.connect(lambda _c=False, n=name: self.open_path(Path(n)))
        self.recent_menu.setEnabled(bool(files))

    # -- documents -------------------------------------------------------------------------------
    def open_path(self, path: Path, *, read_only: bool = False) -> bool:
        """Open a document (lock, integrity check, daily backup); on failure the current one stays open."""
        from kik_desktop.ui.restore_dialog import open_safely

        self.editor.flush()
        doc = self.document
        if doc is not None and not doc.is_server and doc.path.resolve() == path.resolve():
            # The same file again: release our own lock first, or the lock would report us as the holder.
            self.close_document()
        result = open_safely(self, path, read_only=read_only, show_error=self.show_error)
        if result is None:
            return False
        self.set_document(*result)
        return True

    def close_document(self) -> None:
        """Close the open document (everything is saved already) and release its lock."""
        self.editor.flush()
        self.editor.show_nothing()
        doc, lock = self.document, self.lock
        self.lock = None
        self.operations.close()
        if doc is not None:
            doc.close()
        if lock is not None:
            lock.release()
        self.setWindowTitle(APP_NAME)
        self._update_actions()
        self._update_status_bar()

    def set_document(self, doc: Document, lock: DocumentLock | None = None) -> None:
        self.editor.flush()
        old, old_lock = self.document, self.lock
        self.lock = lock
        self.tree_filter.set_id_filter(None)
        self.search.clear()
        self.editor.show_nothing()
        self.operations.open(doc)  # reads the plan once: the tree and the board share it
        with doc.reading() as s:
            self._load_choices(s)
        if old is not None:
            old.close()
        if old_lock is not None:
            old_lock.release()
        self.collapse_to_fields()
        self.editor.set_read_only(doc.read_only)
        self.read_only_banner.setVisible(doc.read_only)
        self.read_only_banner.setText(
            "<b>Nur zum Lesen geöffnet.</b> Änderungen sind nicht möglich"
            + (
                f": {reason}"
                if (reason := getattr(doc, "read_only_reason", ""))
                else " (die Datei ist schreibgeschützt oder von jemand anderem geöffnet)."
            )
        )
        self.setWindowTitle(f"{doc.name}{' [schreibgeschützt]' if doc.read_only else ''} – {APP_NAME}")
        if not doc.is_server:
            self._remember(doc.path)
        if self.tree_model.rowCount() > 0:
            self.tree_view.setCurrentIndex(self.tree_model.index(0, 0))
        self._update_actions()
        self._update_status_bar()
        self.document_opened.emit(doc)

    def _load_choices(self, s: Session) -> None:
        self.editor.measure_editor.set_choices(
            # The symbol too: a status is never told by its colour alone.
            [(st.key, f"{st.symbol} {st.label}" if st.symbol else st.label, st.color) for st in statuses(s)],
            [
                (t.id, t.title)
                for t in s.scalars(select(CrossCuttingTask).order_by(CrossCuttingTask.position))
            ],
            institution_names(s),
            list(s.scalars(select(FundingSource.name).order_by(FundingSource.name))),
        )

    def new_document(self) -> None:
        box = QMessageBox(self)
        box.setWindowTitle("Neues Dokument")
        box.setText("Womit soll das neue Dokument beginnen?")
        box.setInformativeText(
            "„Integrationskonzept“ übernimmt die sechs Handlungsfelder, die Institutionen, "
            "die Steuerungsgruppe und die Beispiele der Stadtratsvorlage."
        )
        from_default = box.addButton("Integrationskonzept", QMessageBox.ButtonRole.AcceptRole)
        empty = box.addButton("Leer", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(from_default)
        box.exec()
        clicked = box.clickedButton()
        if clicked not in (from_default, empty):
            return
        name, _ = QFileDialog.getSaveFileName(
            self, "Neues Dokument anlegen", str(self._start_dir()), FILE_FILTER
        )
        if not name:
            return
        path = Path(name)
        if path.suffix.lower() != DOCUMENT_SUFFIX:
            path = path.with_suffix(DOCUMENT_SUFFIX)
        from kik_desktop.domain.defaults import create_default_document
        from kik_desktop.store import create_document

        try:
            QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            try:
                doc = (
                    create_default_document(path, overwrite=True)
                    if clicked is from_default
                    else create_document(path, overwrite=True)
                )
            finally:
                QApplication.restoreOverrideCursor()
        except (DocumentError, OSError) as exc:
            self.show_error("Das Dokument kann nicht angelegt werden", str(exc))
            return
        doc.close()
        self.open_path(path)  # with its lock, like any other document

    def _start_dir(self) -> Path:
        return self.document.path.parent if self.document and not self.document.is_server else Path.home()

    def open_dialog(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Dokument öffnen", str(self._start_dir()), FILE_FILTER)
        if name:
            self.open_path(Path(name))

    def save_copy(self) -> None:
        if self.document is None:
            return
        self.editor.flush()
        stem = self.document.name if self.document.is_server else self.document.path.stem
        suggestion = self._start_dir() / f"{stem} (Kopie){DOCUMENT_SUFFIX}"
        name, _ = QFileDialog.getSaveFileName(self, "Kopie speichern unter", str(suggestion), FILE_FILTER)
        if not name:
            return
        target = Path(name)
        if target.suffix.lower() != DOCUMENT_SUFFIX:
            target = target.with_suffix(DOCUMENT_SUFFIX)
        if not self.document.is_server and target.resolve() == self.document.path.resolve():
            self.show_error(
                "Kopie nicht gespeichert", "Die Kopie kann nicht die geöffnete Datei selbst ersetzen."
            )
            return
        from kik_desktop.store.backup import copy_database

        try:
            if self.document.is_server:
                # A server document becomes a .kik file (the same copy as kik-desktop copy).
                from kik_desktop.store.transfer import copy_to_file

                tmp = target.with_name(target.name + ".tmp")
                tmp.unlink(missing_ok=True)
                copy_to_file(self.document, tmp)
                tmp.replace(target)
            else:
                copy_database(self.document.path, target)
        except Exception as exc:  # sqlite3 and OSError alike: the user needs the reason, not a traceback
            self.show_error("Kopie nicht gespeichert", f"{target}: {exc}")
            return
        self.statusBar().showMessage(f"Kopie gespeichert: {target}", 5000)

    # -- following changes -----------------------------------------------------------------------
    def _plan_changed(self, update: PlanUpdate) -> None:
        """After every write (the tree and the board's data follow the index already): the editor,
        the choices, the status bar; the editor that made the write shows it already."""
        if update.reset:
            self._restore_view(*self._view_state)
        if update.registry and self.document is not None:
            with self.document.reading() as s:
                self._load_choices(s)
        if update.initiator is self.editor:
            self._refresh_heading()
        else:
            self._reload_editor()
        self._update_status_bar()
        self._update_actions()

    def _remember_view(self) -> None:
        self._view_state = (self.current_item(), self._expanded_items())

    def reload_plan(self) -> None:
        """Rebuild the tree from the database, keeping the selection where the item still exists."""
        self.operations.reload()

    def _restore_view(self, current: tuple[str, int] | None, expanded: list[tuple[str, int]]) -> None:
        for kind, item_id in expanded:
            index = self.tree_model.index_for(kind, item_id)
            if index.isValid():
                self.tree_view.expand(index)
        if current is not None and self.tree_model.node(*current) is not None:
            self.select_item(*current)

    def _expanded_items(self) -> list[tuple[str, int]]:
        out = []
        for node in self.tree_model.root.walk():
            if node.kind != "measure":
                index = self.tree_model.index_of_node(node)
                if self.tree_view.isExpanded(index):
                    out.append((node.kind, node.id))
        return out

    def defer(self, fn: Callable[[], Any]) -> None:
        QTimer.singleShot(0, fn)

    def run_bulk_operation(
        self, text: str, redo: Callable[[Session], Any], undo: Callable[[Session], Any]
    ) -> bool:
        """An undoable change of many items (an import); see DEVELOPERS.md."""
        self.editor.flush()
        return self.operations.bulk(text, redo, undo)

    # -- selection and editor --------------------------------------------------------------------
    def current_node(self) -> PlanNode | None:
        index = self.tree_view.currentIndex()
        if not index.isValid():
            return None
        node: PlanNode = index.data(NODE_ROLE)
        return node

    def current_item(self) -> tuple[str, int] | None:
        index = self.tree_view.currentIndex()
        if not index.isValid():
            return None
        return str(index.data(KIND_ROLE)), int(index.data(ID_ROLE))

    def select_item(self, kind: str, item_id: int) -> bool:
        """Select an item in the tree (clearing filters that hide it) and show it in the editor."""
        index = self.tree_model.index_for(kind, item_id)
        node = self.tree_model.node(kind, item_id)
        if node is None:
            return False
        if self.tree_filter.is_hidden(node):
            self.clear_filters()
        parent = index.parent()
        while parent.isValid():
            self.tree_view.expand(parent)
            parent = parent.parent()
        self.tree_view.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
        )
        self.tree_view.scrollTo(index)
        return True

    def _current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        self.editor.flush()
        self._reload_editor()
        self._update_actions()

    def _reload_editor(self) -> None:
        doc = self.document
        item = self.current_item()
        if doc is None or item is None:
            self.editor.show_nothing()
            return
        kind, item_id = item
        node = self.tree_model.node(kind, item_id)
        if node is None:
            self.editor.show_nothing()
            return
        with doc.reading() as s:
            try:
                values = plan.get_values(s, kind, item_id)
            except plan.PlanError:
                self.editor.show_nothing()
                return
        self.editor.show_item(kind, item_id, values, heading_for(kind, node.number(), node.title))

    def _refresh_heading(self) -> None:
        node = self.current_node()
        if node is not None and self.editor.current == (node.kind, node.id):
            self.editor.pages[node.kind].heading.setText(heading_for(node.kind, node.number(), node.title))

    def _editor_committed(self, kind: str, item_id: int, values: dict[str, Any]) -> None:
        # The editor is the initiator: it shows the values as stored (from the result) and is not
        # read again when the change comes round.
        result = self.operations.update(plan.as_kind(kind), item_id, values, initiator=self.editor)
        if result is None:
            self._reload_editor()
        elif self.editor.current == (kind, item_id):
            page = self.editor.pages[kind]
            page.show_saved({k: v for k, v in result.normalized.items() if k in values})
            page.show_problems(page.check())

    # -- edits -----------------------------------------------------------------------------------
    def undo(self) -> None:
        self.editor.flush()
        self.undo_stack.undo()

    def redo(self) -> None:
        self.editor.flush()
        self.undo_stack.redo()

    def add_item(self, kind: Kind) -> None:
        """Add a new item after the selection (or into it, when it is the item's parent kind)."""
        self.editor.flush()
        node = self.current_node()
        parent_id: int | None = None
        index: int | None = None
        wanted_parent = plan.PARENT_KIND[kind]
        # Walk up from the selection to the level where the new item belongs.
        n = node
        while n is not None and n.kind != "root":
            if n.kind == kind:
                parent_id = None if n.parent is None or n.parent.kind == "root" else n.parent.id
                index = n.row + 1
                break
            if n.kind == wanted_parent:
                parent_id, index = n.id, None
                break
            n = n.parent
        else:
            if wanted_parent is not None:
                need = {"goal": "ein Handlungsfeld", "measure": "ein Ziel"}[kind]
                self.show_error("Nicht möglich", f"Bitte zuerst {need} auswählen.")
                return
        new_id = self.operations.create(kind, parent_id, index)
        if new_id is not None:
            self.select_item(kind, new_id)
            page = self.editor.pages[kind]
            first = page.form.itemAt(0, page.form.ItemRole.FieldRole)
            widget = first.widget() if first is not None else None
            if widget is not None:
                widget.setFocus()
                if isinstance(widget, QLineEdit):
                    widget.selectAll()

    def delete_selected(self) -> None:
        node = self.current_node()
        if node is None or self.document is None or self.document.read_only:
            return
        self.editor.flush()
        below = ""
        if node.kind == "field":
            measures = sum(len(g.children) for g in node.children)
            below = (
                f"\n\nMit ihm werden {wording.goals(len(node.children))} und "
                f"{wording.measures(measures)} gelöscht."
            )
        elif node.kind == "goal":
            below = f"\n\nMit ihm werden {wording.measures(len(node.children))} gelöscht."
        label = {"field": "das Handlungsfeld", "goal": "das Ziel", "measure": "die Maßnahme"}[node.kind]
        answer = QMessageBox.question(
            self,
            "Löschen",
            f"Soll {label} {node.number()} „{node.title}“ gelöscht werden?{below}\n\n"
            "Das Löschen lässt sich mit Strg+Z rückgängig machen.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        parent, row = node.parent, node.row
        if self.operations.delete(plan.as_kind(node.kind), node.id):
            siblings = parent.children if parent is not None else []
            target = siblings[min(row, len(siblings) - 1)] if siblings else parent
            if target is not None and target.kind != "root":
                self.select_item(target.kind, target.id)

    def move_selected(self, step: int) -> None:
        node = self.current_node()
        if node is None or node.parent is None:
            return
        self.editor.flush()
        new_row = node.row + step
        if not 0 <= new_row < len(node.parent.children):
            return
        parent_id = None if node.parent.kind == "root" else node.parent.id
        if self.operations.move(plan.as_kind(node.kind), node.id, parent_id, new_row):
            self.select_item(node.kind, node.id)

    def move_selected_to(self) -> None:
        node = self.current_node()
        if node is None or node.kind == "field" or self.document is None:
            if node is not None and node.kind == "field":
                self.show_error("Nicht möglich", "Handlungsfelder werden mit Alt+↑ / Alt+↓ umsortiert.")
            return
        from kik_desktop.ui.dialogs import choose_parent

        target = choose_parent(self.context, node)
        if target is None:
            return
        self.editor.flush()
        if self.operations.move(plan.as_kind(node.kind), node.id, target, 10**9):
            self.select_item(node.kind, node.id)

    def _drop_move(self, kind: str, item_id: int, new_parent: int | None, index: int) -> None:
        self.editor.flush()
        if self.operations.move(plan.as_kind(kind), item_id, new_parent, index):
            self.defer(lambda: self.select_item(kind, item_id))

    def edit_institutions(self) -> None:
        if self.document is None:
            return
        from kik_desktop.ui.dialogs import InstitutionsDialog

        self.editor.flush()
        InstitutionsDialog(self.context).exec()

    # -- search and filters ----------------------------------------------------------------------
    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _search_changed(self, text: str) -> None:
        self.tree_filter.set_search(text)
        if self.tree_filter.active:
            self.expand_to_matches()
        self._update_filter_banner()
        self._update_search_hits()
        self._leave_hidden_item()

    def _search_escape(self) -> None:
        """Esc in the search: clear it (and, when it is already empty, the other filters too)."""
        if self.search.text():
            self.search.clear()
        else:
            self.clear_filters()

    def search_hit_count(self) -> int:
        """How many entries match the search themselves (not only as parents of a match)."""
        # The filter counts them in its pass over the tree (a second walk here cost as much again).
        return self.tree_filter.search_hits if self.search.text().split() else 0

    def _update_search_hits(self) -> None:
        if not self.search.text().strip():
            self.search_hits.hide()
            return
        n = self.search_hit_count()
        self.search_hits.setText(
            "Keine Treffer" if n == 0 else wording.counted(n, "Treffer", "Treffer") + " (Esc leert die Suche)"
        )
        self.search_hits.show()

    def _leave_hidden_item(self) -> None:
        """The editor never shows an item the filters hide: move to the first match, or show nothing."""
        node = self.current_node()
        if node is None or not self.tree_filter.is_hidden(node):
            return
        self.editor.flush()
        for candidate in self.tree_model.root.walk():
            shown = candidate.kind != "root" and not self.tree_filter.is_hidden(candidate)
            if shown and (candidate.kind == "measure" or not candidate.children):
                self.select_item(candidate.kind, candidate.id)
                return
        self.tree_view.selectionModel().clearCurrentIndex()
        self.tree_view.clearSelection()
        self.editor.show_nothing()
        self._update_actions()

    def set_id_filter(self, ids: set[int] | None, label: str = "") -> None:
        self.tree_filter.set_id_filter(ids, label)
        if ids is not None:
            self.expand_to_matches()
        self._update_filter_banner()
        self._update_search_hits()
        self._leave_hidden_item()

    def expand_to_matches(self) -> None:
        """Open the fields and goals that show matches; expandAll would walk every measure (74 % of a
        keystroke at 10,000 measures), while there are only some dozens of fields and goals."""
        view, model, hidden = self.tree_view, self.tree_model, self.tree_filter.is_hidden
        for field in model.root.children:
            if hidden(field):
                continue
            if not view.isExpanded(index := model.index_of_node(field)):
                view.expand(index)
            for goal in field.children:
                if (
                    goal.children
                    and not hidden(goal)
                    and not view.isExpanded(index := model.index_of_node(goal))
                ):
                    view.expand(index)

    def clear_filters(self) -> None:
        self.search.clear()
        self.tree_filter.set_id_filter(None)
        self._update_filter_banner()
        self.filters_cleared.emit()

    def _update_filter_banner(self) -> None:
        if self.tree_filter.id_filter_label:
            self.filter_label.setText(f"Gefiltert: {self.tree_filter.id_filter_label}")
            self.filter_banner.show()
        else:
            self.filter_banner.hide()

    def collapse_to_fields(self) -> None:
        self.tree_view.collapseAll()
        for row in range(self.tree_model.rowCount()):
            self.tree_view.expand(self.tree_model.index(row, 0))

    def _tree_menu(self, pos: Any) -> None:
        menu = QMenu(self)
        for action in (
            self.new_field_action,
            self.new_goal_action,
            self.new_measure_action,
            None,
            self.move_up_action,
            self.move_down_action,
            self.move_to_action,
            None,
            self.delete_action,
        ):
            if action is None:
                menu.addSeparator()
            else:
                menu.addAction(action)
        menu.exec(self.tree_view.viewport().mapToGlobal(pos))

    # -- misc ------------------------------------------------------------------------------------
    def set_zoom(self, level: int) -> None:
        """The type size step itself (0 normal; -3 to 8), e.g. to give back one that was saved."""
        self._zoom = max(-3, min(8, level))
        self.zoom(None)

    def zoom(self, step: int | None) -> None:
        """Bigger text for the projector in workshops; remembered between sessions."""
        if step == 0:
            self._zoom = 0
        elif step is not None:
            self._zoom = max(-3, min(8, self._zoom + step))
        font = QApplication.font()
        font.setPointSizeF(max(6.0, self._base_point_size + self._zoom * 1.5))
        QApplication.setFont(font)
        for widget in (self, self.tree_view, self.editor):
            widget.setFont(font)
        scale_fonts(self, font)
        # Large type: labels above the fields, so a field (the status) keeps the width it needs.
        policy = (
            QFormLayout.RowWrapPolicy.WrapAllRows
            if self._zoom >= 2
            else QFormLayout.RowWrapPolicy.WrapLongRows
        )
        for page in self.editor.pages.values():
            page.form.setRowWrapPolicy(policy)

    def _stack_changed(self, _index: int) -> None:
        self._update_actions()

    def _update_actions(self) -> None:
        writable = self.document is not None and not self.document.read_only
        node = self.current_node() if self.document is not None else None
        self.undo_action.setEnabled(writable and self.undo_stack.canUndo())
        self.redo_action.setEnabled(writable and self.undo_stack.canRedo())
        undo_text, redo_text = self.undo_stack.undoText(), self.undo_stack.redoText()
        self.undo_action.setText(f"&Rückgängig: {undo_text}" if undo_text else "&Rückgängig")
        self.redo_action.setText(f"&Wiederholen: {redo_text}" if redo_text else "&Wiederholen")
        self.new_field_action.setEnabled(writable)
        self.new_goal_action.setEnabled(writable and node is not None)
        self.new_measure_action.setEnabled(writable and node is not None and node.kind != "field")
        for action in (self.delete_action, self.move_up_action, self.move_down_action):
            action.setEnabled(writable and node is not None)
        self.move_to_action.setEnabled(writable and node is not None and node.kind != "field")
        self.institutions_action.setEnabled(self.document is not None)
        self.save_copy_action.setEnabled(self.document is not None)

    def _update_status_bar(self) -> None:
        doc = self.document
        if doc is None:
            self.doc_label.setText("")
            return
        fields = len(self.tree_model.root.children)
        goals = sum(len(f.children) for f in self.tree_model.root.children)
        measures = sum(len(g.children) for f in self.tree_model.root.children for g in f.children)
        self.doc_label.setText(
            f"{wording.fields(fields)} · {wording.goals(goals)} · {wording.measures(measures)} · {doc.name}"
        )
        self.doc_label.setToolTip(doc.location)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not getattr(self, "_fitted", False):
            # Now the window system knows the frame (title bar, borders): fit once more with it.
            self._fitted = True
            self.fit_to_screen()

    def fit_to_screen(self) -> None:
        """Keep the whole window (with its status bar) on the available screen area."""
        screen = self.screen() or QApplication.primaryScreen()
        if screen is None:
            return
        area = screen.availableGeometry()
        # Before the first show the frame is unknown: leave room for a title bar and borders.
        extra_w = max(self.frameGeometry().width() - self.width(), 0) or 16
        extra_h = max(self.frameGeometry().height() - self.height(), 0) or 40
        width = min(self.width(), area.width() - extra_w)
        height = min(self.height(), area.height() - extra_h)
        if (width, height) != (self.width(), self.height()):
            self.resize(width, height)
        x = min(max(self.x(), area.left()), area.right() - width - extra_w + 1)
        y = min(max(self.y(), area.top()), area.bottom() - height - extra_h + 1)
        if (x, y) != (self.x(), self.y()):
            self.move(max(x, area.left()), max(y, area.top()))

    def show_error(self, title: str, text: str) -> None:
        log.warning("%s: %s", title, text)
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def about(self) -> None:
        QMessageBox.about(
            self,
            "Über KIK Desktop",
            f"<b>KIK Desktop {__version__}</b><br>Pflege des Kommunalen Integrationskonzepts Kempten (KIK)."
            "<br><br>Stadt Kempten (Allgäu), Amt für Integration.",
        )

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closing.emit()
        self.editor.flush()
        self._save_layout()
        if self.document is not None:
            self.document.close()
        if self.lock is not None:
            self.lock.release()
        event.accept()


FONT_SCALE_PROPERTY = "kikFontScale"


def scale_fonts(root: QWidget, font: QFont) -> None:
    """Give every widget below ``root`` that set its own font the zoomed size.

    Widgets with a style sheet and headings with an explicit size stop following the window's font;
    a heading records its size relative to the normal text in the property ``kikFontScale``.
    """
    for widget in root.findChildren(QWidget):
        scale = widget.property(FONT_SCALE_PROPERTY)
        if scale is None and not widget.styleSheet():
            continue
        own = QFont(widget.font())
        own.setFamily(font.family())
        own.setPointSizeF(font.pointSizeF() * (float(scale) if scale is not None else 1.0))
        widget.setFont(own)


class ElidingStatusBar(QStatusBar):
    """A status bar whose messages end with "…" before the permanent counter instead of running into it."""

    def showMessage(self, message: str, timeout: int | None = 0) -> None:
        self.setToolTip(message)
        permanent = max((w.width() for w in self.findChildren(QLabel) if w.isVisible()), default=0)
        room = self.width() - permanent - 40
        text = message
        if room > 0 and self.fontMetrics().horizontalAdvance(message) > room:
            text = self.fontMetrics().elidedText(message, Qt.TextElideMode.ElideRight, room)
        super().showMessage(text, timeout or 0)


class UndoFallback(QObject):
    """Strg+Z in a text field of the window that has nothing of its own to undo: the document's undo."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window_ = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.ShortcutOverride:
            return False
        if not isinstance(watched, QLineEdit | QPlainTextEdit):
            return False
        if not isinstance(event, QKeyEvent) or not event.matches(QKeySequence.StandardKey.Undo):
            return False
        if not self.window_.isAncestorOf(watched):
            return False
        own = (
            watched.isUndoAvailable()
            if isinstance(watched, QLineEdit)
            else watched.document().isUndoAvailable()
        )
        if own or watched.isReadOnly():
            return False
        # Neither accepted nor passed on: the window's Strg+Z shortcut (Bearbeiten → Rückgängig) fires.
        event.ignore()
        return True

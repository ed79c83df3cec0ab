"""The main window: the plan tree on the left, the editor of the selected item on the right."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QItemSelectionModel, QModelIndex, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTreeView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from kik_desktop import APP_NAME, DOCUMENT_SUFFIX, __version__
from kik_desktop.domain import plan
from kik_desktop.domain.plan import Kind
from kik_desktop.domain.queries import institution_names, statuses
from kik_desktop.models import CrossCuttingTask, FundingSource
from kik_desktop.store import Document, DocumentError
from kik_desktop.store.lock import DocumentLock
from kik_desktop.ui.editors import DetailEditor, heading_for
from kik_desktop.ui.extensions import EXTENSIONS
from kik_desktop.ui.operations import ChangeInfo, Operations, PlanChanges
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

    def __init__(self, settings: QSettings) -> None:
        super().__init__()
        self.settings = settings
        self.document: Document | None = None
        self.lock: DocumentLock | None = None
        self.undo_stack = QUndoStack(self)
        self.changes = PlanChanges(self)
        self.operations = Operations(self)
        self.tree_model = PlanTreeModel(self)
        self.tree_model.move_requested = self._drop_move  # type: ignore[method-assign]
        self._editor_commit = False
        self.setWindowTitle(APP_NAME)
        self.resize(1280, 800)
        self._build_central()
        self._build_menus()
        self._install_extensions()
        self._finish_file_menu()
        self._restore_layout()
        self._update_actions()

    # -- layout ----------------------------------------------------------------------------------
    def _build_central(self) -> None:
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(6, 6, 0, 6)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Suchen in allen Texten … (Strg+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Suche")
        self.search.textChanged.connect(self._search_changed)
        left_layout.addWidget(self.search)
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
        self._action(v, "Alles &aufklappen", self.tree_view.expandAll, QKeySequence("Ctrl+Shift+Plus"))
        self._action(v, "Alles &zuklappen", self.collapse_to_fields, QKeySequence("Ctrl+Shift+Minus"))
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

    def _install_extensions(self) -> None:
        for name in EXTENSIONS:
            importlib.import_module(name).install(self)

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
        self.undo_stack.clear()
        self.tree_model.clear()
        doc, lock = self.document, self.lock
        self.document, self.lock = None, None
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
        self.document, self.lock = doc, lock
        self.undo_stack.clear()
        self.tree_filter.set_id_filter(None)
        self.search.clear()
        self.editor.show_nothing()
        with doc.reading() as s:
            self.tree_model.load(s)
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
        self.changes.changed.emit(ChangeInfo("reset"))

    def _load_choices(self, s: Session) -> None:
        self.editor.measure_editor.set_choices(
            [(st.key, st.label, st.color) for st in statuses(s)],
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

    # -- change notices --------------------------------------------------------------------------
    def notify(self, info: ChangeInfo) -> None:
        """Bring the tree and the editor up to date after a change, then tell everyone else."""
        doc = self.document
        if doc is None:
            return
        if info.action == "reset":
            current, expanded = self.current_item(), self._expanded_items()
        with doc.reading() as s:
            if info.action == "updated" and info.kind and info.item_id is not None:
                self.tree_model.refresh_item(s, info.kind, info.item_id)
            elif info.action == "inserted" and info.kind and info.item_id is not None:
                self.tree_model.insert_item(s, info.kind, info.item_id)
            elif info.action == "removed" and info.kind and info.item_id is not None:
                self.tree_model.remove_item(info.kind, info.item_id)
            elif info.action == "moved" and info.kind and info.item_id is not None:
                self.tree_model.move_item(s, info.kind, info.item_id)
            elif info.action == "reset":
                self.tree_model.load(s)
            elif info.action == "registry":
                self._load_choices(s)
        if info.action == "reset":
            self._restore_view(current, expanded)
        if not self._editor_commit:
            self._reload_editor()
        else:
            self._refresh_heading()
        self._update_status_bar()
        self._update_actions()
        self.changes.changed.emit(info)

    def reload_plan(self) -> None:
        """Rebuild the tree from the database, keeping the selection where the item still exists."""
        self.notify(ChangeInfo("reset"))

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
        self._editor_commit = True
        try:
            ok = self.operations.update(kind, item_id, values)  # type: ignore[arg-type]
        finally:
            self._editor_commit = False
        if not ok:
            self._reload_editor()
        elif self.editor.current == (kind, item_id) and self.document is not None:
            page = self.editor.pages[kind]
            with self.document.reading() as s:
                saved = plan.get_values(s, kind, item_id)
            page.show_saved({k: saved[k] for k in values if k in saved})
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
            below = f"\n\nMit ihm werden {len(node.children)} Ziele und {measures} Maßnahmen gelöscht."
        elif node.kind == "goal":
            below = f"\n\nMit ihm werden {len(node.children)} Maßnahmen gelöscht."
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
        if self.operations.delete(node.kind, node.id):  # type: ignore[arg-type]
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
        if self.operations.move(node.kind, node.id, parent_id, new_row):  # type: ignore[arg-type]
            self.select_item(node.kind, node.id)

    def move_selected_to(self) -> None:
        node = self.current_node()
        if node is None or node.kind == "field" or self.document is None:
            if node is not None and node.kind == "field":
                self.show_error("Nicht möglich", "Handlungsfelder werden mit Alt+↑ / Alt+↓ umsortiert.")
            return
        from kik_desktop.ui.dialogs import choose_parent

        target = choose_parent(self, node)
        if target is None:
            return
        self.editor.flush()
        if self.operations.move(node.kind, node.id, target, 10**9):  # type: ignore[arg-type]
            self.select_item(node.kind, node.id)

    def _drop_move(self, kind: str, item_id: int, new_parent: int | None, index: int) -> None:
        self.editor.flush()
        if self.operations.move(kind, item_id, new_parent, index):  # type: ignore[arg-type]
            self.defer(lambda: self.select_item(kind, item_id))

    def edit_institutions(self) -> None:
        if self.document is None:
            return
        from kik_desktop.ui.dialogs import InstitutionsDialog

        self.editor.flush()
        InstitutionsDialog(self).exec()

    # -- search and filters ----------------------------------------------------------------------
    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _search_changed(self, text: str) -> None:
        self.tree_filter.set_search(text)
        if self.tree_filter.active:
            self.expand_to_matches()
        self._update_filter_banner()

    def set_id_filter(self, ids: set[int] | None, label: str = "") -> None:
        self.tree_filter.set_id_filter(ids, label)
        if ids is not None:
            self.expand_to_matches()
        self._update_filter_banner()

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
        self.changes.changed.emit(ChangeInfo("filters-cleared"))

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
            f"{fields} Handlungsfelder · {goals} Ziele · {measures} Maßnahmen · {doc.name}"
        )
        self.doc_label.setToolTip(doc.location)

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
        self.editor.flush()
        self._save_layout()
        if self.document is not None:
            self.document.close()
        if self.lock is not None:
            self.lock.release()
        event.accept()

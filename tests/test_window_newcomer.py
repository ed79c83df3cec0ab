"""Window fixes of issue 15: what a new user and a workshop on the projector ran into."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, QSettings, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)
from pytestqt.qtbot import QtBot

from kik_desktop.domain import plan, wording
from kik_desktop.store import Document
from kik_desktop.ui import folders
from kik_desktop.ui.help import GuideDialog
from kik_desktop.ui.main_window import MainWindow
from kik_desktop.ui.presentation import Presentation
from kik_desktop.ui.print_dialog import PrintDialog
from kik_desktop.ui.status_board import SideTabs, StatusBoardWidget


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    yield win
    shown = win.context.part(Presentation)
    if shown is not None and shown.active:
        win.context.actions["presentation"].setChecked(False)
    win.close()
    # Zoom changes the application font: give the next test the normal size back.
    win.zoom(0)


def visible_titles(window: MainWindow, depth: int = 2) -> list[str]:
    out: list[str] = []
    view, model = window.tree_view, window.tree_model

    def walk(parent: QModelIndex) -> None:
        for row in range(model.rowCount(parent)):
            if view.isRowHidden(row, parent):
                continue
            index = model.index(row, 0, parent)
            text = str(index.data())
            if text.split()[0].count(".") == depth:
                out.append(text.split(None, 1)[1])
            walk(index)

    walk(QModelIndex())
    return out


def item_id(doc: Document, number: str) -> tuple[str, int]:
    with doc.reading() as s:
        found = plan.find_by_number(s, number)
    assert found is not None
    return found


# -- 9: the first window fits the screen ---------------------------------------------------------------
def test_first_window_fits_the_available_screen(qtbot: QtBot, tmp_path: Path) -> None:
    settings = QSettings(str(tmp_path / "fresh.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings)
    qtbot.addWidget(win)
    win.show()
    QApplication.processEvents()
    area = win.screen().availableGeometry()
    frame = win.frameGeometry()
    # (The offscreen test screen is 800 px wide, narrower than the window's minimum width.)
    assert frame.width() <= max(area.width(), win.minimumSizeHint().width() + frame.width() - win.width())
    assert frame.height() <= area.height() and frame.top() >= area.top()
    status_bottom = win.statusBar().mapToGlobal(win.statusBar().rect().bottomLeft()).y()
    assert status_bottom <= area.bottom()
    win.close()


def test_a_window_saved_on_a_bigger_screen_comes_back_on_this_one(qtbot: QtBot, tmp_path: Path) -> None:
    settings = QSettings(str(tmp_path / "big.ini"), QSettings.Format.IniFormat)
    big = MainWindow(settings)
    qtbot.addWidget(big)
    big.setGeometry(100, 300, 1900, 1400)
    big._save_layout()
    big.close()
    win = MainWindow(settings)
    qtbot.addWidget(win)
    win.show()
    QApplication.processEvents()
    area = win.screen().availableGeometry()
    assert win.frameGeometry().height() <= area.height()
    assert win.statusBar().mapToGlobal(win.statusBar().rect().bottomLeft()).y() <= area.bottom()
    win.close()


# -- 5: a board cell shows its measures even while a search is typed ----------------------------------
def test_board_cell_click_replaces_an_active_search(window: MainWindow, small_plan: Document) -> None:
    assert window.open_path(small_plan.path)
    window.search.setText("M5")
    assert visible_titles(window) == ["M5"]
    board = window.context.part(StatusBoardWidget)
    window.context.actions["status_board"].setChecked(True)
    board.refresh()
    field_one = item_id(small_plan, "1")[1]
    board.filter_tree(field_one, "anfang")
    assert window.search.text() == ""
    assert visible_titles(window) == ["M1", "M2", "M3", "M4"]
    assert window.filter_banner.isVisibleTo(window)
    assert "4 Maßnahmen" in window.filter_label.text()


def test_action_list_filter_says_one_measure_in_the_singular(
    window: MainWindow, small_plan: Document
) -> None:
    with small_plan.transaction() as s:
        plan.update_item(s, "measure", item_id(small_plan, "1.1.1")[1], {"status_key": "gefaehrdet"})
    assert window.open_path(small_plan.path)
    window.search.setText("M6")
    window.context.actions["status_board"].setChecked(True)
    board = window.context.part(StatusBoardWidget)
    board.refresh()
    board._filter_list("at_risk")
    assert window.search.text() == ""
    assert visible_titles(window) == ["M1"]
    assert "(1 Maßnahme)" in window.filter_label.text()


# -- 13: singular and plural ---------------------------------------------------------------------------
def test_counts_use_singular_for_one(window: MainWindow, empty_doc: Document) -> None:
    assert wording.counted(1, "Hinweis", "Hinweise") == "1 Hinweis"
    assert wording.goals(2) == "2 Ziele" and wording.measures(0) == "0 Maßnahmen"
    with empty_doc.transaction() as s:
        f = plan.create_item(s, "field", None, None, {"name": "Feld"})
        g = plan.create_item(s, "goal", f, None, {"title": "Ziel"})
        plan.create_item(s, "measure", g, None, {"title": "Maßnahme"})
    assert window.open_path(empty_doc.path)
    assert window.doc_label.text().startswith("1 Handlungsfeld · 1 Ziel · 1 Maßnahme · ")


# -- 12: status bar message and the permanent counter ---------------------------------------------------
def test_long_status_message_stops_before_the_counter(window: MainWindow, small_plan: Document) -> None:
    assert window.open_path(small_plan.path)
    QApplication.processEvents()
    long = "Übernommen aus sehr-langer-dateiname.xlsx: " + ", ".join(f"{i} geändert" for i in range(60))
    window.statusBar().showMessage(long, 5000)
    shown = window.statusBar().currentMessage()
    assert shown.endswith("…") and len(shown) < len(long)
    width = window.statusBar().fontMetrics().horizontalAdvance(shown)
    assert 6 + width < window.doc_label.x()
    assert window.statusBar().toolTip() == long


# -- 14: the splitter stays where it is when the tabs change -------------------------------------------
def test_splitter_does_not_jump_between_tabs(
    window: MainWindow, small_plan: Document, tmp_path: Path
) -> None:
    assert window.open_path(small_plan.path)
    QApplication.processEvents()
    before = window.splitter.sizes()
    window.context.actions["status_board"].setChecked(True)
    QApplication.processEvents()
    assert window.splitter.sizes() == before
    window.context.actions["status_board"].setChecked(False)
    assert window.splitter.sizes() == before


# -- 15: search ----------------------------------------------------------------------------------------
def test_search_escape_hit_count_and_hidden_item(
    qtbot: QtBot, window: MainWindow, small_plan: Document
) -> None:
    assert window.open_path(small_plan.path)
    window.select_item(*item_id(small_plan, "1.1.2"))  # M2
    assert window.editor.current == item_id(small_plan, "1.1.2")
    window.search.setFocus()
    qtbot.keyClicks(window.search, "M5")
    assert window.search_hits.isVisibleTo(window)
    assert window.search_hits.text().startswith("1 Treffer")
    # The editor no longer shows M2, which the search hides: it moved to the match.
    assert window.editor.current == item_id(small_plan, "2.1.1")
    window.search.setText("Nichtvorhanden")
    assert window.search_hits.text() == "Keine Treffer"
    assert window.editor.current is None
    qtbot.keyClick(window.search, Qt.Key.Key_Escape)
    assert window.search.text() == ""
    assert not window.search_hits.isVisibleTo(window)
    assert len(visible_titles(window)) == 6
    window.search.setText("m")
    assert window.search_hits.text().startswith("6 Treffer")


def shown_self_matches(window: MainWindow, text: str) -> int:
    """The hit count by its definition, read from the view: shown rows whose own text has every word."""
    terms = text.lower().split()
    view, model = window.tree_view, window.tree_model
    count = 0

    def walk(parent: QModelIndex) -> None:
        nonlocal count
        for row in range(model.rowCount(parent)):
            if view.isRowHidden(row, parent):
                continue
            index = model.index(row, 0, parent)
            node = index.internalPointer()
            count += all(t in node.search_text for t in terms)
            walk(index)

    walk(QModelIndex())
    return count


def test_search_hit_count_counts_shown_entries_matching_themselves(
    window: MainWindow, small_plan: Document
) -> None:
    """The filter counts hits in its one pass over the tree: fields, goals and measures that match
    themselves and are shown, with several words, and under the filter bar's measure filter."""
    assert window.open_path(small_plan.path)
    expected = {"feld eins": 1, "ziel": 3, "ziel a": 1, "m": 6, "M1": 1, "ind a": 1, "feld m": 0, "": 0}
    for text, hits in expected.items():
        window.search.setText(text)
        assert window.search_hit_count() == hits, text
        if text:
            assert shown_self_matches(window, text) == hits, text
    m5 = item_id(small_plan, "2.1.1")[1]
    window.set_id_filter({m5}, "eine Maßnahme")
    for text, hits in {"m": 1, "M1": 0, "ziel": 0, "feld": 0}.items():
        window.search.setText(text)
        assert window.search_hit_count() == hits, text
        assert shown_self_matches(window, text) == hits, text
    window.search.setText("")
    assert window.search_hit_count() == 0


# -- 16: the example banner can be cleared where it is ---------------------------------------------------
def test_example_banner_has_a_clear_button(window: MainWindow, default_doc: Document) -> None:
    assert window.open_path(default_doc.path)
    kind, mid = item_id(default_doc, "2.1.1")
    window.select_item(kind, mid)
    page = window.editor.pages["measure"]
    assert page.example_row.isVisibleTo(window)
    page.example_clear.click()
    assert not page.example_row.isVisibleTo(window)
    with default_doc.reading() as s:
        assert plan.get_values(s, kind, mid)["is_example"] is False
    window.undo()
    with default_doc.reading() as s:
        assert plan.get_values(s, kind, mid)["is_example"] is True
    assert page.example_row.isVisibleTo(window)


# -- 18: Strg+Z in a text field with nothing of its own to undo -----------------------------------------
def test_ctrl_z_in_an_untouched_field_undoes_the_document_step(
    qtbot: QtBot, window: MainWindow, small_plan: Document
) -> None:
    assert window.open_path(small_plan.path)
    kind, mid = item_id(small_plan, "1.1.1")
    window.select_item(kind, mid)
    assert window.operations.update("measure", mid, {"title": "M1 geändert"})
    page = window.editor.pages["measure"]
    target = page._bindings["target_group"].widget
    assert isinstance(target, QLineEdit) and not target.isUndoAvailable()
    window.activateWindow()
    target.setFocus()
    qtbot.keyClick(target, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    with small_plan.reading() as s:
        assert plan.get_values(s, "measure", mid)["title"] == "M1"
    # With its own typing to undo, the field undoes that first and leaves the document alone.
    target.setFocus()
    qtbot.keyClicks(target, "abc")
    qtbot.keyClick(target, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert target.text() == ""
    assert window.undo_stack.canRedo()  # the title step stays undone, nothing else moved


# -- 8: zoom for the projector -------------------------------------------------------------------------
def test_zoom_scales_headings_banners_and_the_board_fits(window: MainWindow, default_doc: Document) -> None:
    assert window.open_path(default_doc.path)
    window.select_item(*item_id(default_doc, "2.1.1"))
    page = window.editor.pages["measure"]
    heading_before = page.heading.font().pointSizeF()
    for _ in range(3):
        window.zoom(1)
    QApplication.processEvents()
    size = QApplication.font().pointSizeF()
    assert page.heading.font().pointSizeF() == pytest.approx(size * 1.35)
    assert page.heading.font().pointSizeF() > heading_before
    assert page.example_note.font().pointSizeF() == pytest.approx(size)
    assert window.read_only_banner.font().pointSizeF() == pytest.approx(size)
    # A text box keeps its number of lines.
    description = page._bindings["description"].widget
    assert description.height() >= description.fontMetrics().lineSpacing() * 4
    window.context.actions["status_board"].setChecked(True)
    board = window.context.part(StatusBoardWidget)
    board.refresh()
    QApplication.processEvents()
    matrix = board.matrix
    columns = [c for c in range(matrix.columnCount()) if not matrix.isColumnHidden(c)]
    needed = sum(matrix.horizontalHeader().sectionSize(c) for c in columns[:-1])
    assert needed + matrix.sizeHintForColumn(columns[-1]) <= matrix.viewport().width()
    assert not matrix.horizontalScrollBar().isVisible()
    # Every status column is still there (as symbol or short name), each with its full name as tooltip.
    for c in range(1, len(board.board.columns) + 1):
        assert not matrix.isColumnHidden(c)
        header = matrix.horizontalHeaderItem(c)
        assert header is not None and header.text() and header.toolTip()


# -- 10: the print dialog --------------------------------------------------------------------------------
def test_print_dialog_file_label_and_field_from_selection(
    window: MainWindow, small_plan: Document, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    documents = tmp_path / "Dokumente"
    documents.mkdir()
    monkeypatch.setattr("platformdirs.user_documents_dir", lambda: str(documents))
    assert window.open_path(small_plan.path)
    window.select_item(*item_id(small_plan, "2.1.2"))
    dialog = PrintDialog(window.context)
    labels = [w for w in dialog.findChildren(QLabel) if w.buddy() is dialog.output]
    assert labels and labels[0].text() == "&Datei:"
    dialog.set_kind("handout")
    assert dialog.field.currentData() == 2
    assert Path(dialog.output.text()).parent == documents
    dialog.close()


# -- 11: export and print folders start in Documents and remember the last -------------------------------
def test_folders_start_in_documents_then_remember(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    documents = tmp_path / "Dokumente"
    documents.mkdir()
    monkeypatch.setattr("platformdirs.user_documents_dir", lambda: str(documents))
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    assert folders.start_folder(settings, "export/folder") == documents
    elsewhere = tmp_path / "Austausch"
    elsewhere.mkdir()
    folders.remember_folder(settings, "export/folder", elsewhere / "tabelle.xlsx")
    assert folders.start_folder(settings, "export/folder") == elsewhere
    assert folders.start_folder(settings, "print/folder") == documents
    elsewhere.rmdir()
    assert folders.start_folder(settings, "export/folder") == documents


# -- presentation mode and help ---------------------------------------------------------------------------
def test_presentation_mode_and_back(window: MainWindow, small_plan: Document) -> None:
    assert window.open_path(small_plan.path)
    QApplication.processEvents()
    # (The board, once shown, widens the window's minimum beyond the 800 px offscreen test screen.)
    # (Once filled, the board widens the window's minimum beyond the 800 px offscreen test screen:
    # a first round lets that happen before the sizes to come back to are taken.)
    action = window.context.actions["presentation"]
    for _ in range(4):
        action.trigger()
        QApplication.processEvents()
    QApplication.processEvents()
    zoom, sizes, size_before = window._zoom, window.splitter.sizes(), window.size()
    action = window.context.actions["presentation"]
    assert action.shortcut().toString() == "F11"
    action.trigger()
    QApplication.processEvents()
    QApplication.processEvents()
    assert window.isFullScreen()
    assert window._zoom >= 3 and QApplication.font().pointSizeF() > window._base_point_size
    assert not window.menuBar().isVisible() and not window.statusBar().isVisible()
    assert not window.search.isVisible()
    assert window.context.part(SideTabs).currentWidget() is window.context.part(StatusBoardWidget)
    left, right = window.splitter.sizes()
    # The tree a quarter (or its minimum width on the narrow offscreen test screen), the board the rest.
    tree_minimum = window.splitter.widget(0).minimumSizeHint().width()
    assert left <= max((left + right) // 4, tree_minimum) + 1 and right > left
    action.trigger()
    QApplication.processEvents()
    QApplication.processEvents()
    assert not window.isFullScreen()
    assert window._zoom == zoom
    assert window.menuBar().isVisible() and window.search.isVisible()
    assert window.size() == size_before, (window.size(), size_before)
    assert window.splitter.sizes() == sizes


def test_presentation_keeps_larger_type_and_closing_stores_the_normal_layout(
    window: MainWindow, small_plan: Document
) -> None:
    assert window.open_path(small_plan.path)
    action = window.context.actions["presentation"]
    presentation = window.context.part(Presentation)
    assert presentation is not None
    # Type the user made larger than the presentation's stays as large.
    window.set_zoom(5)
    action.trigger()
    assert presentation.active and window._zoom == 5
    action.trigger()
    assert window._zoom == 5
    # Closing during a presentation leaves it first: the normal type size is stored, not its own.
    window.set_zoom(1)
    action.trigger()
    assert window._zoom == 3
    window.close()
    assert not presentation.active and not window.isFullScreen()
    assert int(window.settings.value("view/zoom")) == 1


def test_help_menu_has_guide_shortcuts_and_about(window: MainWindow) -> None:
    texts = [a.text() for a in window.menus["help"].actions() if not a.isSeparator()]
    assert texts == ["&Anleitung", "&Tastenkürzel", "Ü&ber KIK Desktop"]
    assert window.context.actions["guide"].shortcut().toString() == "F1"
    window.context.actions["guide"].trigger()
    dialog = window.context.part(GuideDialog)
    text = dialog.browser.toPlainText()
    for heading in ("Erster Start", "Bearbeiten", "Arbeitsgruppen", "Drucken", "Sicherungen", "Tastenkürzel"):
        assert heading in text
    dialog.close()
    from kik_desktop.ui.help import shortcut_rows

    rows = dict(shortcut_rows(window))
    assert rows["F11"] == "Präsentationsmodus" and rows["F1"] == "Anleitung" and rows["F9"] == "Gesamtschau"
    assert all(keys.strip() for keys in rows)  # no action with a key Qt could not read
    commands = {command: keys for keys, command in rows.items()}
    assert commands["Alles aufklappen"].endswith("+") and commands["Alles zuklappen"].endswith("-")


# -- accessibility -------------------------------------------------------------------------------------------
INPUTS = (QLineEdit, QPlainTextEdit, QComboBox, QAbstractSpinBox, QCheckBox, QListWidget, QPushButton)


def editor_inputs(page: QWidget) -> list[QWidget]:
    out = []
    for widget in page.findChildren(QWidget):
        if not isinstance(widget, INPUTS):
            continue
        if isinstance(widget.parentWidget(), QComboBox | QSpinBox):
            continue  # the line edit inside a spin box or an editable combo box
        out.append(widget)
    return out


def test_every_editor_widget_has_an_accessible_name_and_description(window: MainWindow) -> None:
    for kind, page in window.editor.pages.items():
        inputs = editor_inputs(page)
        assert len(inputs) >= 4, kind
        for widget in inputs:
            label = f"{kind}: {type(widget).__name__} {widget.accessibleName()!r}"
            assert widget.accessibleName().strip(), label
            assert widget.accessibleDescription().strip(), label
            assert widget.focusPolicy() & Qt.FocusPolicy.TabFocus, label


def test_tab_order_follows_the_form(qtbot: QtBot, window: MainWindow, small_plan: Document) -> None:
    assert window.open_path(small_plan.path)
    window.select_item(*item_id(small_plan, "1.1.1"))
    page = window.editor.pages["measure"]
    order = ["title", "description", "target_group", "responsible"]
    first = page._bindings[order[0]].widget
    first.setFocus()
    seen = [first]
    widget = first
    for _ in range(3):
        widget = widget.nextInFocusChain()
        while not (widget.focusPolicy() & Qt.FocusPolicy.TabFocus) or not widget.isVisible():
            widget = widget.nextInFocusChain()
        seen.append(widget)
    assert seen == [page._bindings[a].widget for a in order]


def _luminance(color: QColor) -> float:
    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) + 0.0722 * channel(color.blueF())


def contrast(a: QColor, b: QColor) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_example_rows_and_banner_have_enough_contrast(window: MainWindow, default_doc: Document) -> None:
    assert window.open_path(default_doc.path)
    index = window.tree_model.index_for(*item_id(default_doc, "2.1.1"))
    brush = index.data(Qt.ItemDataRole.ForegroundRole)
    assert index.data(Qt.ItemDataRole.FontRole).italic()
    base = window.tree_view.palette().color(QPalette.ColorRole.Base)
    assert contrast(brush.color(), base) >= 4.5
    alternate = window.tree_view.palette().color(QPalette.ColorRole.AlternateBase)
    assert contrast(brush.color(), alternate) >= 4.5
    # The banner's brown on yellow (its style sheet colours).
    assert contrast(QColor("#6b4f00"), QColor("#fff4cc")) >= 4.5


def test_status_is_never_told_by_colour_alone(window: MainWindow, small_plan: Document) -> None:
    assert window.open_path(small_plan.path)
    combo = window.editor.measure_editor.status
    texts = [combo.itemText(i) for i in range(combo.count())]
    assert any(t.startswith("◔ ") and "Anfang" in t for t in texts)
    index = window.tree_model.index_for(*item_id(small_plan, "1.1.1"))
    assert "Anfang" in str(index.data(Qt.ItemDataRole.AccessibleTextRole))


def test_board_cells_are_reachable_by_keyboard(
    qtbot: QtBot, window: MainWindow, small_plan: Document
) -> None:
    assert window.open_path(small_plan.path)
    window.context.actions["status_board"].setChecked(True)
    board = window.context.part(StatusBoardWidget)
    board.refresh()
    matrix = board.matrix
    assert matrix.focusPolicy() & Qt.FocusPolicy.TabFocus
    field_one = item_id(small_plan, "1")[1]
    row, column = matrix.cell_for(field_one, "anfang")
    matrix.setFocus()
    matrix.setCurrentCell(row, column)
    qtbot.keyClick(matrix, Qt.Key.Key_Return)
    assert visible_titles(window) == ["M1", "M2", "M3", "M4"]


# -- 6: the import preview is readable -------------------------------------------------------------------
def test_import_preview_shows_old_and_new_in_full(
    qtbot: QtBot, window: MainWindow, small_plan: Document, tmp_path: Path
) -> None:
    from openpyxl import Workbook
    from test_excel_apply import edited_export

    from kik_desktop.exchange.excel_import import preview_document
    from kik_desktop.ui.excel_dialogs import ImportPreviewDialog

    preview = preview_document(small_plan, edited_export(small_plan, tmp_path))
    dialog = ImportPreviewDialog(preview, window)
    qtbot.addWidget(dialog)
    dialog.show()
    QApplication.processEvents()
    tree = dialog.tree
    # The change column gets the room: wider than the entry column, and at least a third of the dialog.
    assert tree.columnWidth(1) >= tree.columnWidth(0) and tree.columnWidth(1) >= dialog.width() // 3
    changed = dialog.groups["changed"].child(0).child(0)
    tree.setCurrentItem(changed)
    assert "→" in dialog.detail.toPlainText()
    assert changed.toolTip(1) in dialog.detail.toPlainText()
    area = dialog.screen().availableGeometry()
    assert dialog.width() <= area.width() and dialog.height() <= area.height()
    dialog.close()

    empty = tmp_path / "leer.xlsx"
    Workbook().save(empty)
    preview = preview_document(small_plan, empty)
    assert preview.has_errors
    dialog = ImportPreviewDialog(preview, window)
    qtbot.addWidget(dialog)
    dialog.show()
    QApplication.processEvents()
    QApplication.processEvents()
    error = dialog.groups["errors"].child(0)
    assert dialog.tree.currentItem() is error  # the first error is chosen and shown whole below
    message = preview.errors[0].message
    assert message in dialog.detail.toPlainText()
    # Also above the tree, in a label that wraps: readable without choosing anything.
    assert message in dialog.error_label.text() and dialog.error_label.wordWrap()
    assert dialog.error_label.width() <= dialog.width()
    dialog.close()

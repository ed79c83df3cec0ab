"""The mapping question of the import preview (issue #18): which column of the file is read as which field.

The panel lists every column the importer read on each sheet with its proposal; unsure proposals are marked
as questions. The user can change a column's field; „Zuordnung anwenden“ recomputes the preview with that
mapping, and a mapping confirmed by „Übernehmen“ is remembered for workbooks with the same header
(exchange/headers.py keeps it in the user's data folder).
"""

from __future__ import annotations

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kik_desktop.exchange import headers
from kik_desktop.exchange.columns import column_letter, normalize_header
from kik_desktop.exchange.excel_import import ImportPreview

NOT_IMPORTED = "(nicht übernehmen)"
QUESTION = "Frage: bitte prüfen"


class MappingPanel(QGroupBox):
    """Column → field of every table sheet of a preview, editable."""

    def __init__(self, preview: ImportPreview, parent: QWidget | None = None) -> None:
        super().__init__("Spalten der Datei", parent)
        self.preview = preview
        self.combos: list[tuple[str, headers.ColumnGuess, QComboBox]] = []
        layout = QVBoxLayout(self)
        questions = sum(len(m.questions) for m in preview.header_matches.values())
        if questions:
            text = (
                f"Bei {questions} Spalte(n) ist die Zuordnung unsicher – bitte prüfen und bei Bedarf ändern."
            )
        else:
            text = "So werden die Spalten gelesen; eine Zuordnung lässt sich hier ändern."
        top = QHBoxLayout()
        self.note = QLabel(text)
        self.note.setWordWrap(True)
        if questions:
            self.note.setStyleSheet("color: #8D6E00; font-weight: bold;")
        top.addWidget(self.note, 1)
        # Without questions the table stays folded: the preview's tree keeps the room.
        self.toggle = QPushButton("Spalten ausblenden" if questions else "Spalten &zeigen …")
        self.toggle.setCheckable(True)
        self.toggle.setChecked(bool(questions))
        top.addWidget(self.toggle)
        layout.addLayout(top)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(
            ["Blatt, Spalte", "Überschrift in der Datei", "gelesen als", "erkannt über"]
        )
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setAccessibleName("Zuordnung der Spalten")
        layout.addWidget(self.table)
        keys = list(headers.FIELD_LABELS)
        for sheet, match in preview.header_matches.items():
            for guess in match.guesses:
                row = self.table.rowCount()
                self.table.insertRow(row)
                self.table.setItem(row, 0, QTableWidgetItem(f"{sheet}, {column_letter(guess.column)}"))
                self.table.setItem(row, 1, QTableWidgetItem(guess.text.replace("\n", " ")))
                combo = QComboBox()
                combo.addItem(NOT_IMPORTED, "")
                for key in keys:
                    combo.addItem(headers.FIELD_LABELS[key], key)
                combo.setCurrentIndex(max(0, combo.findData(guess.key or "")))
                combo.setAccessibleName(f"Feld für Spalte {column_letter(guess.column)} („{guess.text}“)")
                self.table.setCellWidget(row, 2, combo)
                sure = guess.confidence == "sicher" or not guess.key
                why = guess.why if sure else f"{QUESTION} ({guess.why})"
                item = QTableWidgetItem(why if guess.key else "nicht erkannt")
                if not sure:
                    item.setForeground(QBrush(QColor("#8D6E00")))
                self.table.setItem(row, 3, item)
                self.combos.append((sheet, guess, combo))
        self.table.resizeColumnToContents(0)
        self.table.setColumnWidth(2, 300)
        self.table.resizeColumnToContents(3)
        self.table.setMinimumHeight(min(200, 40 + 30 * self.table.rowCount()))
        self.table.setMaximumHeight(240)
        buttons = QHBoxLayout()
        self.remember = QCheckBox("Zuordnung für Dateien mit denselben Spalten merken")
        self.remember.setChecked(True)
        self.apply_button = QPushButton("Zuordnung &anwenden")
        self.apply_button.setToolTip("Die Vorschau mit der geänderten Zuordnung neu berechnen")
        self.apply_button.setEnabled(False)
        buttons.addWidget(self.remember)
        buttons.addStretch(1)
        buttons.addWidget(self.apply_button)
        self.details = QWidget()
        self.details.setLayout(buttons)
        layout.addWidget(self.details)
        self.toggle.toggled.connect(self._fold)
        self._fold(self.toggle.isChecked())
        for _sheet, _guess, combo in self.combos:
            combo.currentIndexChanged.connect(self._changed)

    def _fold(self, shown: bool) -> None:
        self.table.setVisible(shown)
        self.details.setVisible(shown)
        self.toggle.setText("Spalten ausblenden" if shown else "Spalten &zeigen …")

    def _changed(self) -> None:
        self.apply_button.setEnabled(bool(self.changes()))

    def changes(self) -> dict[str, str]:
        """Header text → key for the columns the user changed."""
        out: dict[str, str] = {}
        for _sheet, guess, combo in self.combos:
            chosen = str(combo.currentData() or "")
            if chosen != (guess.key or ""):
                out[normalize_header(guess.text)] = chosen
        return out

    def mapping(self) -> dict[str, str]:
        """The mapping to read the file with: what the preview was made with plus the user's changes."""
        return {**self.preview.mapping, **self.changes()}

    def remember_confirmed(self) -> None:
        """Keep the mapping of an applied import for workbooks with the same header (when asked to)."""
        if not self.remember.isChecked() or not self.preview.mapping:
            return
        for match in self.preview.header_matches.values():
            texts = {normalize_header(g.text) for g in match.guesses}
            chosen = {k: v for k, v in self.preview.mapping.items() if k in texts}
            if chosen:
                headers.remember(match.signature, chosen)


__all__ = ["MappingPanel"]

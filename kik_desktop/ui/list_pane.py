"""The left side of the list-and-detail dialogs (Arbeitsgruppen, Berichtsstände): a heading, the list of
entries and two buttons under it (add, delete). The dialog connects them and builds its right side."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QPushButton, QVBoxLayout, QWidget


class ListPane(QWidget):
    def __init__(self, name: str, add_text: str, delete_text: str, *, heading: str = "") -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        if heading:
            layout.addWidget(QLabel(heading))
        self.list = QListWidget()
        self.list.setAccessibleName(name)
        layout.addWidget(self.list, 1)
        row = QHBoxLayout()
        self.add_button = QPushButton(add_text)
        self.delete_button = QPushButton(delete_text)
        row.addWidget(self.add_button)
        row.addWidget(self.delete_button)
        layout.addLayout(row)

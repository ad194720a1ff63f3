"""Small layout helpers shared by the tables."""

from __future__ import annotations

from PySide6.QtWidgets import QHeaderView, QTableView


def compact_rows(view: QTableView) -> None:
    """One line of text per row, with a little air, and no row-number column."""
    header = view.verticalHeader()
    header.hide()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    header.setDefaultSectionSize(view.fontMetrics().height() + 8)

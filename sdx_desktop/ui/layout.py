"""Small layout helpers shared by the tables."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QObject, QSortFilterProxyModel
from PySide6.QtWidgets import QHeaderView, QTableView

Q = TypeVar("Q", bound=QObject)


def named(widget: Q, name: str) -> Q:
    """``widget`` with an object name (tests, screenshots and style rules find it by it)."""
    widget.setObjectName(name)
    return widget


def compact_rows(view: QTableView) -> None:
    """One line of text per row, with a little air, and no row-number column."""
    header = view.verticalHeader()
    header.hide()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    header.setDefaultSectionSize(view.fontMetrics().height() + 8)


def change_row_filter(proxy: QSortFilterProxyModel, apply: Callable[[], None]) -> None:
    """Change what a proxy's row filter accepts (``apply``) and re-filter, with the API
    of the running Qt version (``invalidateRowsFilter`` is deprecated since Qt 6.10)."""
    if hasattr(proxy, "beginFilterChange"):
        proxy.beginFilterChange()
        apply()
        proxy.endFilterChange(QSortFilterProxyModel.Direction.Rows)
    else:
        apply()
        proxy.invalidateRowsFilter()

"""Finding the app's windows and dialogs from a test (the one copy of this helper)."""

from __future__ import annotations

from typing import TypeVar, overload

from PySide6.QtWidgets import QApplication, QWidget

W = TypeVar("W", bound=QWidget)


@overload
def find_visible(object_name: str) -> QWidget | None: ...


@overload
def find_visible(object_name: str, kind: type[W]) -> W | None: ...


def find_visible(object_name: str, kind: type[QWidget] = QWidget) -> QWidget | None:
    """The visible top-level window or dialog with this object name (and of this kind),
    if one is open."""
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, kind) and widget.objectName() == object_name and widget.isVisible():
            return widget
    return None

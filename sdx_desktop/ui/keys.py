"""Keyboard helpers: Esc clears a search or filter box."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit


class _ClearOnEscape(QObject):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not isinstance(watched, QLineEdit) or not watched.text():
            return False
        if event.type() in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            assert isinstance(event, QKeyEvent)
            if (
                event.key() == Qt.Key.Key_Escape
                and event.modifiers() == Qt.KeyboardModifier.NoModifier
            ):
                if event.type() == QEvent.Type.ShortcutOverride:
                    event.accept()  # the box takes Esc, not the window's Stop or a dialog
                    return True
                watched.clear()
                return True
        return False


def clear_on_escape(edit: QLineEdit) -> None:
    """Esc empties ``edit`` when it holds text (as if its clear button was pressed);
    when it is empty, Esc does what it does elsewhere in the window."""
    edit.installEventFilter(_ClearOnEscape(edit))

"""Small form pieces the dialogs share: a labelled field with its hint and error line,
a secret field with Show/Hide, hint and error labels in the theme's colours."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .colours import ERROR, HINT, tint
from .layout import named


def plain_name(text: str) -> str:
    """A label's text as a screen reader should say it: no mnemonic "&", no markup, no
    trailing colon."""
    text = re.sub(r"<[^>]*>", "", text)
    text = re.sub(r"&(.)", r"\1", text)
    return text.strip().rstrip(":").strip()


def name_combo(combo: QComboBox, name: str, description: str = "") -> None:
    """Name a combo box and its drop-down list for screen readers (else they announce
    its current value)."""
    combo.setAccessibleName(name)
    combo.view().setAccessibleName(f"{name} choices")
    if description:
        combo.setAccessibleDescription(description)


def hint_label(text: str, name: str = "") -> QLabel:
    label = QLabel(text, wordWrap=True)
    if name:
        label.setObjectName(name)
    tint(label, HINT)
    return label


def error_label(name: str) -> QLabel:
    label = named(QLabel(wordWrap=True), name)
    tint(label, ERROR)
    label.hide()
    return label


def set_error(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setVisible(bool(text))


def secret_edit(name: str, accessible_name: str) -> QLineEdit:
    edit = named(QLineEdit(), name)
    edit.setAccessibleName(accessible_name)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setInputMethodHints(
        Qt.InputMethodHint.ImhHiddenText
        | Qt.InputMethodHint.ImhNoPredictiveText
        | Qt.InputMethodHint.ImhSensitiveData
    )
    return edit


def with_reveal(edit: QLineEdit, name: str) -> QWidget:
    """``edit`` with a small Show/Hide button beside it."""
    button = named(QToolButton(), name)
    button.setText("Show")
    button.setCheckable(True)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    button.setToolTip("Show or hide what you typed")
    button.setAccessibleName(f"Show the {edit.accessibleName().lower() or 'text'}")

    def toggle(shown: bool) -> None:
        edit.setEchoMode(QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password)
        button.setText("Hide" if shown else "Show")

    button.toggled.connect(toggle)
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(4)
    row.addWidget(edit, 1)
    row.addWidget(button)
    box.setFocusProxy(edit)
    return box


def labelled(text: str, widget: QWidget, error: QLabel | None = None, hint: str = "") -> QWidget:
    """A label above ``widget`` (its buddy), then an optional hint and error line. The
    widget that takes the focus is named after the label for screen readers, unless it
    has a name already."""
    box = QWidget()
    column = QVBoxLayout(box)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(3)
    label = QLabel(text)
    target = widget.focusProxy() or widget
    label.setBuddy(target)
    if not target.accessibleName():
        target.setAccessibleName(plain_name(text))
    if isinstance(target, QComboBox):
        name_combo(target, target.accessibleName())
    column.addWidget(label)
    column.addWidget(widget)
    if hint:
        column.addWidget(hint_label(hint))
        if not target.accessibleDescription():
            target.setAccessibleDescription(hint)
    if error is not None:
        column.addWidget(error)
    return box

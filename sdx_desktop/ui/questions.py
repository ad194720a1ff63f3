"""Asking the user something from inside a coroutine, without re-entering the event loop."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QMessageBox, QWidget

from .tasks import wait_for_signal

Choice = tuple[str, QMessageBox.ButtonRole]


async def ask(
    parent: QWidget | None,
    *,
    title: str,
    text: str,
    details: str = "",
    choices: Sequence[Choice],
    default: int = 0,
    icon: QMessageBox.Icon = QMessageBox.Icon.Question,
    object_name: str = "",
    detailed_text: str = "",
) -> str | None:
    """Show a window-modal question; returns the label of the choice, or None on Esc."""
    box = QMessageBox(parent)
    box.setObjectName(object_name)
    box.setIcon(icon)
    box.setWindowTitle(title)
    box.setText(text)
    if details:
        box.setInformativeText(details)
    if detailed_text:
        box.setDetailedText(detailed_text)  # behind "Show Details…"
    buttons = [box.addButton(label, role) for label, role in choices]
    box.setDefaultButton(buttons[default])
    box.open()
    await wait_for_signal(box.finished)
    clicked = box.clickedButton()
    box.deleteLater()
    for (label, _role), button in zip(choices, buttons, strict=True):
        if clicked is button:
            return label
    return None


def quoted(value: str, limit: int = 120) -> str:
    """A value as staff see it in a question: quoted, shortened, empty made visible."""
    if value == "":
        return "(empty)"
    one_line = " ".join(value.split())
    if len(one_line) > limit:
        one_line = one_line[: limit - 1] + "…"
    return f"“{one_line}”"

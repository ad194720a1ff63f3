"""Answering the app's question boxes (ui/questions.py) from a test, as a user would."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from ._windows import find_visible

WAIT_MS = 10_000


@dataclass(frozen=True)
class Answered:
    """What the box said before the test clicked one of its buttons."""

    title: str
    text: str
    details: str
    buttons: tuple[str, ...]
    #: The button Enter presses.
    default: str | None


def find_box(object_name: str) -> QMessageBox | None:
    """The visible question box with this object name, if one is open."""
    return find_visible(object_name, QMessageBox)


def wait_for_box(qtbot: QtBot, object_name: str) -> QMessageBox:
    qtbot.waitUntil(lambda: find_box(object_name) is not None, timeout=WAIT_MS)
    box = find_box(object_name)
    assert box is not None
    return box


def button_labels(box: QMessageBox) -> tuple[str, ...]:
    return tuple(b.text() for b in box.buttons())


def click(box: QMessageBox, choice: str) -> None:
    matches = [b for b in box.findChildren(QPushButton) if b.text() == choice]
    assert matches, f"no button {choice!r} in {box.objectName()}: {button_labels(box)}"
    matches[0].click()


def answer(qtbot: QtBot, object_name: str, choice: str) -> Answered:
    """Wait for the box, remember what it said, click ``choice``."""
    box = wait_for_box(qtbot, object_name)
    default = box.defaultButton()
    said = Answered(
        box.windowTitle(),
        box.text(),
        box.informativeText(),
        button_labels(box),
        default.text() if default is not None else None,
    )
    click(box, choice)
    qtbot.waitUntil(lambda: find_box(object_name) is not box, timeout=WAIT_MS)
    return said

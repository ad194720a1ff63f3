"""The bulk input dialogs: what they check while typing and what they hand back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QAbstractButton, QDialog, QWidget
from pytestqt.qtbot import QtBot

from sdx_desktop.domain.plans import ReplaceRule
from sdx_desktop.ui.bulk_dialogs import (
    RemoveKeyDialog,
    RemoveKeyInput,
    ReplaceInput,
    ReplaceValuesDialog,
    SetTagDialog,
    SetTagInput,
)

D = TypeVar("D", bound=QDialog)


@pytest.fixture
def opened(qtbot: QtBot) -> Callable[[D], D]:
    """Open a dialog as the main window will (``open()``, never ``exec()``)."""

    def show(dialog: D) -> D:
        qtbot.addWidget(dialog)
        dialog.open()
        qtbot.waitExposed(dialog)
        return dialog

    return show


def type_key(qtbot: QtBot, dialog: Any, text: str) -> None:
    """Type into the key field as a user would (with focus, so completion is live)."""
    edit = dialog.key_combo.lineEdit()
    dialog.activateWindow()
    edit.setFocus()
    qtbot.waitUntil(edit.hasFocus)
    edit.clear()
    qtbot.keyClicks(edit, text)


def tick(qtbot: QtBot, box: QAbstractButton) -> None:
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(6, box.height() // 2))


def unnamed_focusable(dialog: QWidget) -> list[str]:
    return [
        f"{type(w).__name__} {w.objectName()!r}"
        for w in dialog.findChildren(QWidget)
        if w.focusPolicy() != Qt.FocusPolicy.NoFocus and not w.accessibleName()
    ]


# --- set a tag on many -----------------------------------------------------------------


def test_set_tag_checks_the_key_while_typing(qtbot: QtBot, opened: Any) -> None:
    dialog = opened(SetTagDialog(selected_count=37, known_keys=["region"]))
    assert dialog.objectName() == "setTagOnManyDialog"
    assert dialog.scope_label.text() == "Set a key and value on 37 selected interactions."
    # Nothing typed yet: no complaint, but nothing to go on with either.
    assert not dialog.ok_button.isEnabled() and not dialog.problem.isVisible()

    type_key(qtbot, dialog, "1abc")
    assert "start with a letter" in dialog.problem.text() and dialog.problem.isVisible()
    assert not dialog.ok_button.isEnabled()
    type_key(qtbot, dialog, "tier level")
    assert "spaces" in dialog.problem.text()
    assert not dialog.ok_button.isEnabled()

    type_key(qtbot, dialog, "tier")
    qtbot.keyClicks(dialog.value_edit, "GOLD")
    assert not dialog.problem.isVisible() and dialog.ok_button.isEnabled()
    assert dialog.values() == SetTagInput("tier", "GOLD")

    with qtbot.waitSignal(dialog.finished) as finished:
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert finished.args == [QDialog.DialogCode.Accepted]


def test_set_tag_keeps_the_value_exactly_and_allows_it_empty(qtbot: QtBot, opened: Any) -> None:
    dialog = opened(SetTagDialog(survey_name="Customer survey 2024"))
    assert dialog.scope_label.text() == (
        "Set a key and value on every interaction of “Customer survey 2024”."
    )
    type_key(qtbot, dialog, "note")
    assert dialog.ok_button.isEnabled()
    assert dialog.values() == SetTagInput("note", "")
    dialog.value_edit.setPlainText("  two\nlines  ")
    assert dialog.values() == SetTagInput("note", "  two\nlines  ")


def test_set_tag_warns_of_a_key_that_differs_only_by_case(qtbot: QtBot, opened: Any) -> None:
    dialog = opened(SetTagDialog(selected_count=1, known_keys=["Tier", "region"]))
    assert dialog.scope_label.text() == "Set a key and value on 1 selected interaction."
    type_key(qtbot, dialog, "tier")
    # Keys are case-sensitive: "tier" must not be completed to "Tier", even on leaving.
    qtbot.keyClick(dialog.key_combo.lineEdit(), Qt.Key.Key_Tab)
    assert dialog.key_combo.currentText() == "tier"
    assert dialog.note.isVisible() and "“Tier”" in dialog.note.text()
    assert dialog.ok_button.isEnabled()  # a warning, not an error
    type_key(qtbot, dialog, "Tier")
    assert not dialog.note.isVisible()


def test_escape_cancels(qtbot: QtBot, opened: Any) -> None:
    dialog = opened(SetTagDialog(selected_count=3))
    with qtbot.waitSignal(dialog.finished) as finished:
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert finished.args == [QDialog.DialogCode.Rejected]


# --- remove a key ----------------------------------------------------------------------


def test_remove_key_offers_the_known_keys_and_checks_the_rule(qtbot: QtBot, opened: Any) -> None:
    dialog = opened(RemoveKeyDialog(["tier", "Region", "agent"], survey_name="Support"))
    assert dialog.objectName() == "removeKeyDialog"
    combo = dialog.key_combo
    assert [combo.itemText(i) for i in range(combo.count())] == ["agent", "Region", "tier"]
    assert combo.currentText() == "" and not dialog.ok_button.isEnabled()

    combo.setCurrentIndex(1)
    assert dialog.ok_button.isEnabled()
    assert dialog.values() == RemoveKeyInput("Region")
    assert not dialog.note.isVisible()

    type_key(qtbot, dialog, "my-key")
    assert "“-”" in dialog.problem.text() and not dialog.ok_button.isEnabled()
    type_key(qtbot, dialog, "region")
    assert dialog.ok_button.isEnabled()
    assert dialog.note.text() == "Did you mean “Region”? Keys are case-sensitive."
    type_key(qtbot, dialog, "unknown")
    assert "preview will look for it" in dialog.note.text()


# --- replace values --------------------------------------------------------------------


def test_replace_needs_a_key_and_text_to_find(qtbot: QtBot, opened: Any) -> None:
    dialog = opened(ReplaceValuesDialog(["region"]))
    assert dialog.objectName() == "replaceValuesDialog"
    assert not dialog.ok_button.isEnabled()
    dialog.key_combo.setCurrentIndex(0)
    # A whole value may be empty: "replace empty values with …".
    assert dialog.whole_radio.isChecked() and dialog.ok_button.isEnabled()
    tick(qtbot, dialog.part_radio)
    assert dialog.problem.text() == "Type the text to find."
    assert not dialog.ok_button.isEnabled()
    qtbot.keyClicks(dialog.find_edit, "north")
    assert dialog.ok_button.isEnabled()
    # Nothing would change.
    tick(qtbot, dialog.match_case)
    qtbot.keyClicks(dialog.replace_edit, "north")
    assert "same as the text to find" in dialog.problem.text()
    assert not dialog.ok_button.isEnabled()
    tick(qtbot, dialog.match_case)  # without Match case it turns NORTH into north
    assert dialog.ok_button.isEnabled()
    type_key(qtbot, dialog, "bad key")
    assert "spaces" in dialog.problem.text() and not dialog.ok_button.isEnabled()


def test_replace_shows_a_live_example_from_the_known_values(qtbot: QtBot, opened: Any) -> None:
    dialog = opened(
        ReplaceValuesDialog(
            ["region", "tier"],
            known_values={"region": ["South", "North ", "north"], "tier": ["GOLD"]},
        )
    )
    dialog.key_combo.setCurrentIndex(0)
    qtbot.keyClicks(dialog.find_edit, "north")
    qtbot.keyClicks(dialog.replace_edit, "NORTH")
    # "North " has a space at the end: only a trimming rule matches it.
    assert dialog.example.text() == "e.g. “north” → “NORTH”"
    tick(qtbot, dialog.match_case)
    tick(qtbot, dialog.trim)
    assert dialog.example.text() == "e.g. “north” → “NORTH”"
    dialog.find_edit.setText("North")
    assert dialog.example.text() == "e.g. “North ” → “NORTH”"
    assert dialog.values() == ReplaceInput(
        "region", ReplaceRule("North", "NORTH", whole_value=True, match_case=True, trim=True)
    )
    dialog.find_edit.setText("West")
    assert dialog.example.text() == "None of the values shown so far would change."
    # Part of the value, on another key's values.
    dialog.key_combo.setCurrentIndex(1)
    tick(qtbot, dialog.part_radio)
    dialog.find_edit.setText("OL")
    dialog.replace_edit.setText("ol")
    assert dialog.example.text() == "e.g. “GOLD” → “GolD”"
    assert dialog.values().rule == ReplaceRule(
        "OL", "ol", whole_value=False, match_case=True, trim=True
    )


def test_replace_without_known_values_shows_the_rule_on_the_text_to_find(
    qtbot: QtBot, opened: Any
) -> None:
    dialog = opened(ReplaceValuesDialog(["region"]))
    dialog.key_combo.setCurrentIndex(0)
    qtbot.keyClicks(dialog.find_edit, "North")
    qtbot.keyClicks(dialog.replace_edit, "NORTH")
    tick(qtbot, dialog.trim)
    assert dialog.example.text() == "e.g. “North ” → “NORTH”"


# --- all of them -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda: SetTagDialog(selected_count=2, known_keys=["tier"]),
        lambda: RemoveKeyDialog(["tier"]),
        lambda: ReplaceValuesDialog(["tier"], known_values=["GOLD"]),
    ],
    ids=["set", "remove", "replace"],
)
def test_every_focusable_widget_has_an_accessible_name(
    qtbot: QtBot, opened: Any, make: Callable[[], QDialog]
) -> None:
    dialog = opened(make())
    assert unnamed_focusable(dialog) == []

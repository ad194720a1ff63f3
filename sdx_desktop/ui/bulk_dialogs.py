"""Small input dialogs for the bulk actions: set a tag on many interactions, remove a
key, find and replace in the values of a key.

They only ask: each returns what was typed (:meth:`values`), which the caller turns
into a plan (:mod:`sdx_desktop.domain.plans`) and shows in the preview dialog, where
staff see every change before anything is saved. Open them with ``open()``; OK stays
disabled until the input is valid, and the reason is shown under the field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from sdx_desktop.domain.keys import key_problem
from sdx_desktop.domain.operations import value_problem
from sdx_desktop.domain.plans import ReplaceRule

from .colours import ERROR, HINT, tint
from .layout import named

NOTHING_YET = "Nothing is changed yet: you will see every change and confirm it first."


@dataclass(frozen=True, slots=True)
class SetTagInput:
    key: str
    value: str


@dataclass(frozen=True, slots=True)
class RemoveKeyInput:
    key: str


@dataclass(frozen=True, slots=True)
class ReplaceInput:
    key: str
    rule: ReplaceRule


def case_twin(key: str, known_keys: Sequence[str]) -> str | None:
    """A known key that differs from ``key`` only by case ("Tier" for "tier")."""
    folded = key.casefold()
    return next((k for k in known_keys if k != key and k.casefold() == folded), None)


def _shown(value: str, limit: int = 40) -> str:
    one_line = value.replace("\r", " ").replace("\n", " ↵ ")
    return "“" + (one_line if len(one_line) <= limit else one_line[: limit - 1] + "…") + "”"


class _InputDialog(QDialog):
    """A form, a problem line, a note that nothing is saved yet, and OK / Cancel."""

    def __init__(
        self, name: str, title: str, known_keys: Sequence[str], key: str, parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setWindowTitle(title)
        self.setMinimumWidth(480)
        self.known_keys = sorted(set(known_keys), key=str.casefold)
        self.key_combo = named(QComboBox(editable=True), "keyCombo")
        self.key_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.key_combo.addItems(self.known_keys)
        self.key_combo.setCurrentIndex(-1)
        self.key_combo.setEditText(key)
        completer = self.key_combo.completer()
        if completer is not None:  # keys are case-sensitive: never complete "tier" to "Tier"
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseSensitive)
        key_edit = self.key_combo.lineEdit()
        assert key_edit is not None  # an editable combo box has one
        key_edit.setPlaceholderText("e.g. REGION or tier")
        _name(self.key_combo, "Key")
        _name(key_edit, "Key")
        _name(self.key_combo.view(), "Known keys")
        self.key_combo.editTextChanged.connect(self._validate)

        self.problem = named(QLabel(wordWrap=True), "inputProblem")
        tint(self.problem, ERROR)
        self.problem.hide()
        self.note = named(QLabel(wordWrap=True), "inputNote")
        self.note.hide()
        hint = QLabel(NOTHING_YET, wordWrap=True)
        tint(hint, HINT)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Preview changes…")
        self.ok_button.setObjectName("okButton")
        _name(self.ok_button, "Preview changes")
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        _name(cancel, "Cancel")
        self.buttons.accepted.connect(self._accept_if_valid)
        self.buttons.rejected.connect(self.reject)

        self.form = QFormLayout()
        key_label = QLabel("&Key:")
        key_label.setBuddy(self.key_combo)
        self.form.addRow(key_label, self.key_combo)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.problem)
        layout.addWidget(self.note)
        layout.addWidget(hint)
        layout.addWidget(self.buttons)

    def key(self) -> str:
        return self.key_combo.currentText()

    def problem_text(self) -> str | None:
        """Why the input cannot be used yet (None when it can)."""
        return key_problem(self.key())

    def note_text(self) -> str:
        return ""

    def _validate(self) -> bool:
        problem = self.problem_text()
        # An empty form is not an error yet: OK is simply disabled.
        show = problem if problem and (self.key() or self._touched()) else ""
        self.problem.setText(show)
        self.problem.setVisible(bool(show))
        note = self.note_text() if problem is None else ""
        self.note.setText(note)
        self.note.setVisible(bool(note))
        self.ok_button.setEnabled(problem is None)
        return problem is None

    def _touched(self) -> bool:
        return False

    def _accept_if_valid(self) -> None:
        if self._validate():
            self.accept()


class SetTagDialog(_InputDialog):
    """Key and value to set on many interactions (added, or the value replaced)."""

    def __init__(
        self,
        *,
        selected_count: int | None = None,
        survey_name: str | None = None,
        known_keys: Sequence[str] = (),
        key: str = "",
        value: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            "setTagOnManyDialog", "Set a tag on many interactions", known_keys, key, parent
        )
        if selected_count is not None:
            s = "" if selected_count == 1 else "s"
            scope = f"Set a key and value on {selected_count:,} selected interaction{s}."
        else:
            where = _shown(survey_name, 80) if survey_name else "this survey"
            scope = f"Set a key and value on every interaction of {where}."
        self.scope_label = named(QLabel(scope, wordWrap=True), "scopeLabel")
        self.value_edit = named(QPlainTextEdit(tabChangesFocus=True), "valueEdit")
        self.value_edit.setPlaceholderText("The value (may be empty)")
        self.value_edit.setFixedHeight(self.value_edit.fontMetrics().lineSpacing() * 3 + 16)
        self.value_edit.setPlainText(value)
        _name(self.value_edit, "Value")
        value_label = QLabel("&Value:")
        value_label.setBuddy(self.value_edit)
        self.form.insertRow(0, self.scope_label)
        self.form.addRow(value_label, self.value_edit)
        self.form.addRow("", QLabel("Interactions that already have this key get the new value."))
        self.value_edit.textChanged.connect(self._validate)
        self._validate()

    def problem_text(self) -> str | None:
        return super().problem_text() or value_problem(self.value_edit.toPlainText())

    def note_text(self) -> str:
        twin = case_twin(self.key(), self.known_keys)
        if twin is None:
            return ""
        return (
            f"Careful: a key “{twin}” already exists that differs only by case. Keys are "
            "case-sensitive, so this adds a second key."
        )

    def values(self) -> SetTagInput:
        return SetTagInput(self.key(), self.value_edit.toPlainText())


class RemoveKeyDialog(_InputDialog):
    """Which key to remove from every interaction that has it."""

    def __init__(
        self,
        known_keys: Sequence[str] = (),
        *,
        survey_name: str | None = None,
        key: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("removeKeyDialog", "Remove a key", known_keys, key, parent)
        where = _shown(survey_name, 80) if survey_name else "this survey"
        scope = QLabel(f"Removes the key from every interaction of {where} that has it.")
        scope.setWordWrap(True)
        self.form.insertRow(0, scope)
        self._validate()

    def note_text(self) -> str:
        if self.key() in self.known_keys or not self.known_keys:
            return ""
        twin = case_twin(self.key(), self.known_keys)
        if twin is not None:
            return f"Did you mean “{twin}”? Keys are case-sensitive."
        return "No tag shown so far has this key; the preview will look for it everywhere."

    def values(self) -> RemoveKeyInput:
        return RemoveKeyInput(self.key())


class ReplaceValuesDialog(_InputDialog):
    """Find and replace in the values of one key, with a live example."""

    def __init__(
        self,
        known_keys: Sequence[str] = (),
        *,
        known_values: Mapping[str, Sequence[str]] | Sequence[str] = (),
        survey_name: str | None = None,
        key: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("replaceValuesDialog", "Replace values", known_keys, key, parent)
        self.known_values = known_values
        where = _shown(survey_name, 80) if survey_name else "this survey"
        scope = QLabel(f"Changes the values of one key across {where}.", wordWrap=True)
        self.find_edit = named(QLineEdit(), "findEdit")
        self.find_edit.setPlaceholderText("Text to find")
        _name(self.find_edit, "Find")
        self.replace_edit = named(QLineEdit(), "replaceEdit")
        self.replace_edit.setPlaceholderText("Replace with (may be empty)")
        _name(self.replace_edit, "Replace with")
        self.whole_radio = named(QRadioButton("&Whole value"), "wholeValueRadio")
        self.whole_radio.setChecked(True)
        _name(self.whole_radio, "Whole value")
        self.part_radio = named(QRadioButton("&Part of the value"), "partValueRadio")
        _name(self.part_radio, "Part of the value")
        self._mode = QButtonGroup(self)
        for radio in (self.whole_radio, self.part_radio):
            self._mode.addButton(radio)
        self.match_case = named(QCheckBox("Match &case"), "matchCaseCheck")
        _name(self.match_case, "Match case")
        self.trim = named(
            QCheckBox("Ignore spaces at the start and end (and remove them)"), "trimCheck"
        )
        _name(self.trim, "Ignore spaces at the start and end (and remove them)")
        self.example = named(QLabel(wordWrap=True), "exampleLabel")

        modes = QHBoxLayout()
        modes.addWidget(self.whole_radio)
        modes.addWidget(self.part_radio)
        modes.addStretch(1)
        self.form.insertRow(0, scope)
        for text, field in (("&Find:", self.find_edit), ("&Replace with:", self.replace_edit)):
            label = QLabel(text)
            label.setBuddy(field)
            self.form.addRow(label, field)
        self.form.addRow("Match:", modes)
        self.form.addRow("", self.match_case)
        self.form.addRow("", self.trim)
        self.form.addRow("Example:", self.example)
        for edit in (self.find_edit, self.replace_edit):
            edit.textChanged.connect(self._validate)
        for box in (self.whole_radio, self.match_case, self.trim):
            box.toggled.connect(self._validate)
        self._validate()

    def rule(self) -> ReplaceRule:
        return ReplaceRule(
            find=self.find_edit.text(),
            replace=self.replace_edit.text(),
            whole_value=self.whole_radio.isChecked(),
            match_case=self.match_case.isChecked(),
            trim=self.trim.isChecked(),
        )

    def _touched(self) -> bool:
        return bool(self.find_edit.text() or self.replace_edit.text())

    def problem_text(self) -> str | None:
        problem = super().problem_text()
        if problem is not None:
            return problem
        rule = self.rule()
        if not rule.whole_value and rule.find == "":
            return "Type the text to find."
        if rule.match_case and not rule.trim and rule.find == rule.replace:
            return "The replacement is the same as the text to find: nothing would change."
        return None

    def _validate(self) -> bool:
        ok = super()._validate()
        self.example.setText(self.example_text() if ok else "")
        return ok

    def _samples(self) -> Sequence[str]:
        if isinstance(self.known_values, Mapping):
            return self.known_values.get(self.key(), ())
        return self.known_values

    def example_text(self) -> str:
        """e.g. “North ” → “NORTH”: the first known value the rule changes (or the text
        to find, when no values are known)."""
        rule = self.rule()
        samples = self._samples()
        if not samples:
            samples = [rule.find + " " if rule.trim else rule.find]
        for sample in samples:
            new = rule.apply_to(sample)
            if new != sample:
                return f"e.g. {_shown(sample)} → {_shown(new)}"
        return "None of the values shown so far would change."

    def values(self) -> ReplaceInput:
        return ReplaceInput(self.key(), self.rule())


def _name(widget: QWidget, name: str) -> None:
    widget.setAccessibleName(name)

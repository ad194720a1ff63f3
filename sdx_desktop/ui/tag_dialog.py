"""Add or edit one tag, with the checks the API does not make for us."""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sdx_desktop.api.errors import BadRequestError, NotFoundError, SdxError
from sdx_desktop.api.models import Interaction, Tag
from sdx_desktop.domain.edits import (
    RenameHalfDone,
    Saved,
    SaveOutcome,
    SaveRequest,
    save_outcome,
)
from sdx_desktop.domain.keys import key_problem
from sdx_desktop.domain.operations import (
    ANYTHING,
    Change,
    JobJournal,
    JobReport,
    Plan,
    Planned,
    SetTag,
    apply,
    preview,
)
from sdx_desktop.domain.plans import plan_save

from . import save_questions as questions
from .colours import ERROR, HINT, tint
from .interaction_finder import InteractionFinder
from .layout import named
from .questions import ask
from .tasks import TaskRunner
from .wording import describe_interaction

Role = QMessageBox.ButtonRole
_KEEP_THEIRS = object()


def _needs_asking(row: Planned) -> bool:
    """Someone else's change, replacing a key the user did not open (add, rename), or a
    new key that differs from an existing one only by case."""
    if row.change is Change.CONFLICT or (row.change is Change.CREATE and row.case_twin):
        return True
    return (
        row.change is Change.OVERWRITE
        and isinstance(row.op, SetTag)
        and row.op.based_on is ANYTHING
    )


class TagDialog(QDialog):
    """Emits :attr:`saved` with the outcome; stays open with the input on any failure."""

    saved = Signal(object)  # SaveOutcome
    #: The engine's report of the save (for undo and history).
    applied = Signal(object)  # JobReport
    #: The tag the dialog was opened for no longer exists on the server.
    vanished = Signal(int)

    def __init__(
        self,
        runner: TaskRunner,
        api: object,
        *,
        tag: Tag | None = None,
        interaction_id: int | None = None,
        interactions: Sequence[Interaction] = (),
        recorder: JobJournal | None = None,
        survey_id: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("tagDialog")
        self._runner = runner
        self._api = api
        self._recorder = recorder
        self.original = tag
        self.outcome: SaveOutcome | None = None
        self.report: JobReport | None = None
        self._busy = False
        editing = tag is not None
        self.setWindowTitle("Edit tag" if editing else "Add tag")
        self.setMinimumWidth(460)

        fixed_interaction = tag.interaction_id if tag is not None else interaction_id
        self.interaction_combo: QComboBox | None = None
        if fixed_interaction is not None:
            interaction_field: QWidget = QLabel(
                describe_interaction(fixed_interaction, interactions)
            )
            self._fixed_interaction: int | None = fixed_interaction
        else:
            self._fixed_interaction = None
            combo = named(QComboBox(editable=True), "interactionCombo")
            combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            line_edit = combo.lineEdit()
            assert line_edit is not None  # an editable combo box has one
            line_edit.setPlaceholderText("ID, external ref, email or phone number")
            combo.setAccessibleName("Interaction")
            line_edit.setAccessibleName("Interaction")
            combo.view().setAccessibleName("Loaded interactions")
            for item in interactions:
                combo.addItem(describe_interaction(item.id, [item]), item.id)
            combo.setCurrentIndex(-1)
            combo.currentTextChanged.connect(self._validate)
            self.interaction_combo = combo
            self.finder = InteractionFinder(combo, runner, api, survey_id, interactions, self)
            self.finder.chosen.connect(self._interaction_found)
            interaction_field = QWidget()
            column = QVBoxLayout(interaction_field)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(2)
            column.addWidget(combo)
            column.addWidget(self.finder)

        self.key_edit = named(QLineEdit(), "keyEdit")
        self.key_edit.setPlaceholderText("e.g. REGION or tier")
        self.key_error = named(QLabel(wordWrap=True), "keyError")
        tint(self.key_error, ERROR)
        self.key_hint = QLabel(
            "Letters, digits and _ only, starting with a letter. Keys are case-sensitive."
        )
        tint(self.key_hint, HINT)
        self.key_hint.setWordWrap(True)
        self.value_edit = named(QPlainTextEdit(), "valueEdit")
        self.value_edit.setTabChangesFocus(True)
        self.value_edit.setPlaceholderText("The value (may be empty)")
        self.value_edit.setMinimumHeight(90)

        self.message = named(QLabel(wordWrap=True), "saveMessage")
        self.message.setTextFormat(Qt.TextFormat.RichText)
        self.message.hide()

        self.buttons = QDialogButtonBox()
        self.save_button = named(QPushButton("Save"), "saveButton")
        self.save_button.setDefault(True)
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.reject)
        QShortcut(QKeySequence("Ctrl+Return"), self).activated.connect(self.save)

        form = QFormLayout()
        interaction_label = QLabel("&Interaction:")
        interaction_label.setBuddy(self.interaction_combo or interaction_field)
        form.addRow(interaction_label, interaction_field)
        key_label = QLabel("&Key:")
        key_label.setBuddy(self.key_edit)
        form.addRow(key_label, self.key_edit)
        form.addRow("", self.key_error)
        form.addRow("", self.key_hint)
        value_label = QLabel("&Value:")
        value_label.setBuddy(self.value_edit)
        form.addRow(value_label, self.value_edit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

        if tag is not None:
            self.key_edit.setText(tag.custom_key)
            self.value_edit.setPlainText(tag.custom_value)
        # QPlainTextEdit turns CR LF, CR, U+2028 and U+2029 into LF: remember what it
        # showed, so an untouched value is saved exactly as it was loaded.
        self._shown_value = self.value_edit.toPlainText()
        self.key_edit.textChanged.connect(self._validate)
        self._validate()

    # --- input ---------------------------------------------------------------------

    def interaction_id(self) -> int | None:
        if self._fixed_interaction is not None:
            return self._fixed_interaction
        assert self.interaction_combo is not None
        data = self.interaction_combo.currentData()
        text = self.interaction_combo.currentText().strip()
        if (
            data is not None
            and self.interaction_combo.itemText(self.interaction_combo.currentIndex()) == text
        ):
            return int(data)
        digits = text.lstrip("#").split(" ", 1)[0]
        return int(digits) if digits.isdigit() else None

    def value(self) -> str:
        text = self.value_edit.toPlainText()
        if self.original is not None and text == self._shown_value:
            return self.original.custom_value
        return text

    def _interaction_found(self, interaction: Interaction) -> None:
        combo = self.interaction_combo
        assert combo is not None
        index = combo.findData(interaction.id)
        if index < 0:
            combo.addItem(describe_interaction(interaction.id, [interaction]), interaction.id)
            index = combo.count() - 1
        combo.setCurrentIndex(index)
        self.key_edit.setFocus()

    def unsaved(self) -> bool:
        """Whether the dialog holds typing that would be lost if it closed now."""
        key, value = self.key_edit.text(), self.value_edit.toPlainText()
        if self.original is None:
            return bool(key.strip() or value.strip())
        return key != self.original.custom_key or value != self._shown_value

    def request(self) -> SaveRequest | None:
        interaction_id = self.interaction_id()
        if interaction_id is None:
            return None
        return SaveRequest(
            interaction_id=interaction_id,
            key=self.key_edit.text(),
            value=self.value(),
            original=self.original,
        )

    def _validate(self) -> bool:
        problem = key_problem(self.key_edit.text())
        # An empty key is not an error until the user has typed something.
        show = problem if self.key_edit.text() or self.original is not None else None
        self.key_error.setText(show or "")
        self.key_error.setVisible(bool(show))
        interaction_ok = self.interaction_id() is not None
        ok = problem is None and interaction_ok and not self._busy
        self.save_button.setEnabled(ok)
        return ok

    # --- saving --------------------------------------------------------------------

    def save(self) -> None:
        if not self._validate():
            return
        self._runner.spawn(self._save())

    async def _save(self) -> None:
        request = self.request()
        if request is None:
            return
        if request.is_noop:
            self.reject()  # nothing changed, nothing to send
            return
        # Ask the engine what the save would do, ask the user about anything it would do
        # silently, and look again with what they chose (e.g. "overwrite theirs" on a
        # rename still has to ask about the new key).
        plan = plan_save(request.interaction_id, request.key, request.value, request.original)
        forced: set[int] = set()
        while True:
            self._set_busy("Checking the current tags…")
            try:
                seen = await self._runner.run(preview, self._api, plan)
            except SdxError as error:
                self._failed(error)
                return
            # Someone else's change first, then replacing a key.
            asks = [r for r in seen.rows if _needs_asking(r) and r.index not in forced]
            asks.sort(key=lambda r: r.change is not Change.CONFLICT)
            question = asks[0] if asks else None
            if question is None:
                break
            answer = await self._confirm(question, request)
            if answer is _KEEP_THEIRS:
                return
            if answer is None:
                if self.result() != QDialog.DialogCode.Accepted:
                    self._set_idle()
                return
            if isinstance(answer, Plan):  # saved as a new tag instead
                plan, forced = answer, set()
                request = SaveRequest(request.interaction_id, request.key, request.value)
                continue
            forced.add(question.index)
            if question.change is Change.OVERWRITE:
                break  # the user agreed to replace the existing key
        if any(r.change is Change.INVALID or r.change is Change.MISSING for r in seen.rows[:1]):
            self._failed(_not_saveable(seen.rows[0]))
            return
        self._set_busy("Saving…")
        try:
            report = await self._runner.run(
                apply, self._api, seen, force=forced, journal=self._recorder
            )
        except SdxError as error:
            self._failed(error)
            return
        outcome = save_outcome(report)
        if outcome is None:
            first = report.results[0]
            self._failed(first.error or _not_saveable(first.row))
            return
        self._set_idle()
        self.outcome = outcome
        self.report = report
        self.applied.emit(report)
        if isinstance(outcome, RenameHalfDone):
            await ask(
                self,
                title="Saved, with one thing to tidy up",
                text=html.escape(outcome.message),
                choices=[("OK", Role.AcceptRole)],
                icon=QMessageBox.Icon.Warning,
                object_name="renameHalfDone",
            )
        self.saved.emit(outcome)
        self.accept()

    async def _confirm(self, row: Planned, request: SaveRequest) -> object:
        """Ask about one thing the save would do silently. Returns True to go ahead,
        None to stop, _KEEP_THEIRS when the user kept the other version, or a new Plan."""
        current = row.current
        if row.change is Change.CREATE and row.case_twin:
            return True if await questions.add_case_twin(self, row.key, row.case_twin) else None
        if row.change is Change.OVERWRITE and current is not None:
            return True if await questions.replace_existing(self, current, request) else None
        opened = self.original
        if current is None or (
            isinstance(row.op, SetTag) and opened is not None and current.id != opened.id
        ):  # the tag the user opened was deleted meanwhile (and maybe added again)
            as_new = await questions.save_deleted_as_new(self)
            if opened is not None:
                self.vanished.emit(opened.id)
            if not as_new:
                return None
            self.original = None
            return plan_save(request.interaction_id, request.key, request.value, None)
        answer = await questions.whose_version(self, current, request)
        if answer == questions.THEIRS:
            self.outcome = Saved(current)
            self.saved.emit(self.outcome)
            self.accept()
            return _KEEP_THEIRS
        return True if answer == questions.MINE else None

    # --- states --------------------------------------------------------------------

    def _set_busy(self, text: str) -> None:
        self._busy = True
        self.save_button.setEnabled(False)
        tint(self.message, None)
        self.message.setText(html.escape(text))
        self.message.show()

    def _set_idle(self) -> None:
        self._busy = False
        self.message.hide()
        self._validate()

    def _failed(self, error: SdxError) -> None:
        self._busy = False
        tint(self.message, ERROR)
        self.message.setText(
            f"<b>Not saved.</b> {html.escape(str(error))}<br>Your input is still here: "
            "press <b>Retry</b> to try again."
        )
        self.message.show()
        self.save_button.setText("Retry")
        self._validate()


def _not_saveable(row: Planned) -> SdxError:
    if row.change is Change.MISSING:
        return NotFoundError(
            f"Interaction {row.interaction_id} was not found on Survey Dynamix.",
        )
    return BadRequestError(f"This cannot be saved: {row.reason}.")

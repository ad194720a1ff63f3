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

from sdx_desktop.api.errors import SdxError
from sdx_desktop.api.models import Interaction, Tag
from sdx_desktop.domain.edits import (
    ChangedMeanwhile,
    ClearToSave,
    DeletedMeanwhile,
    RenameHalfDone,
    Saved,
    SaveOutcome,
    SaveRequest,
    WouldOverwrite,
    apply_save,
    check_save,
)
from sdx_desktop.domain.keys import key_problem

from .questions import ask, quoted
from .tasks import TaskRunner

Role = QMessageBox.ButtonRole


class TagDialog(QDialog):
    """Emits :attr:`saved` with the outcome; stays open with the input on any failure."""

    saved = Signal(object)  # SaveOutcome
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
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("tagDialog")
        self._runner = runner
        self._api = api
        self.original = tag
        self.outcome: SaveOutcome | None = None
        self._busy = False
        editing = tag is not None
        self.setWindowTitle("Edit tag" if editing else "Add tag")
        self.setMinimumWidth(460)

        fixed_interaction = tag.interaction_id if tag is not None else interaction_id
        self.interaction_combo: QComboBox | None = None
        if fixed_interaction is not None:
            interaction_field: QWidget = QLabel(
                _describe_interaction(fixed_interaction, interactions)
            )
            self._fixed_interaction: int | None = fixed_interaction
        else:
            self._fixed_interaction = None
            combo = QComboBox(objectName="interactionCombo", editable=True)
            combo.lineEdit().setPlaceholderText("Interaction ID")
            for item in interactions:
                combo.addItem(_describe_interaction(item.id, [item]), item.id)
            combo.setCurrentIndex(-1)
            combo.currentTextChanged.connect(self._validate)
            self.interaction_combo = combo
            interaction_field = combo

        self.key_edit = QLineEdit(objectName="keyEdit")
        self.key_edit.setPlaceholderText("e.g. REGION or tier")
        self.key_error = QLabel(objectName="keyError", wordWrap=True)
        self.key_error.setStyleSheet("color: #b3261e;")
        self.key_hint = QLabel(
            "Letters, digits and _ only, starting with a letter. Keys are case-sensitive."
        )
        self.key_hint.setStyleSheet("color: #5f6368;")
        self.key_hint.setWordWrap(True)
        self.value_edit = QPlainTextEdit(objectName="valueEdit")
        self.value_edit.setTabChangesFocus(True)
        self.value_edit.setPlaceholderText("The value (may be empty)")
        self.value_edit.setMinimumHeight(90)

        self.message = QLabel(objectName="saveMessage", wordWrap=True)
        self.message.setTextFormat(Qt.TextFormat.RichText)
        self.message.hide()

        self.buttons = QDialogButtonBox()
        self.save_button = QPushButton("Save", objectName="saveButton")
        self.save_button.setDefault(True)
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.reject)
        QShortcut(QKeySequence("Ctrl+Return"), self, activated=self.save)

        form = QFormLayout()
        form.addRow("Interaction:", interaction_field)
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
        # Look, ask, and look again with what the user chose, until nothing is left to ask
        # (e.g. "overwrite theirs" on a rename still has to ask about the new key).
        while True:
            self._set_busy("Checking the current tags…")
            try:
                check = await self._runner.run(check_save, self._api, request)
            except SdxError as error:
                self._failed(error)
                return
            if isinstance(check, ClearToSave):
                break
            confirmed = await self._confirm(check, request)
            if confirmed is None:
                if self.result() != QDialog.DialogCode.Accepted:
                    self._set_idle()
                return
            request = confirmed
            if isinstance(check, WouldOverwrite):
                break  # the user agreed to replace the existing key
        self._set_busy("Saving…")
        try:
            outcome = await self._runner.run(apply_save, self._api, request)
        except SdxError as error:
            self._failed(error)
            return
        self._set_idle()
        self.outcome = outcome
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

    async def _confirm(self, check: object, request: SaveRequest) -> SaveRequest | None:
        """Ask about anything the save would silently do; returns the request to send."""
        key = html.escape(request.key)
        if isinstance(check, WouldOverwrite):
            existing = check.existing
            answer = await ask(
                self,
                title="Replace existing tag?",
                text=(
                    f"<b>{key}</b> already exists on this interaction with the value "
                    f"<b>{html.escape(quoted(existing.custom_value))}</b>. Replace it?"
                ),
                details=f"Your value: {html.escape(quoted(request.value))}",
                choices=[("Replace", Role.AcceptRole), ("Cancel", Role.RejectRole)],
                default=1,
                icon=QMessageBox.Icon.Warning,
                object_name="overwriteWarning",
            )
            return request if answer == "Replace" else None
        if isinstance(check, ChangedMeanwhile):
            current = check.current
            answer = await ask(
                self,
                title="Someone else changed this tag",
                text=(
                    "This tag was changed by someone else after you opened it."
                    f"<br><br>Theirs: <b>{html.escape(current.custom_key)}</b> = "
                    f"<b>{html.escape(quoted(current.custom_value))}</b>"
                    f" <small>(updated {html.escape(current.updated_at)})</small>"
                    f"<br>Yours: <b>{key}</b> = <b>{html.escape(quoted(request.value))}</b>"
                ),
                details="Which version should be kept?",
                choices=[
                    ("Overwrite with mine", Role.AcceptRole),
                    ("Keep theirs", Role.DestructiveRole),
                    ("Cancel", Role.RejectRole),
                ],
                default=2,
                icon=QMessageBox.Icon.Warning,
                object_name="conflictDialog",
            )
            if answer == "Keep theirs":
                self.outcome = Saved(current)
                self.saved.emit(self.outcome)
                self.accept()
                return None
            if answer != "Overwrite with mine":
                return None
            # Theirs is now the version we knowingly replace.
            return SaveRequest(request.interaction_id, request.key, request.value, current)
        if isinstance(check, DeletedMeanwhile):
            answer = await ask(
                self,
                title="Tag was deleted",
                text="This tag was deleted by someone else after you opened it.",
                details="Save your version as a new tag?",
                choices=[("Save as new tag", Role.AcceptRole), ("Cancel", Role.RejectRole)],
                icon=QMessageBox.Icon.Warning,
                object_name="deletedMeanwhile",
            )
            self.vanished.emit(check.loaded.id)
            if answer != "Save as new tag":
                return None
            self.original = None
            return SaveRequest(request.interaction_id, request.key, request.value, None)
        return request

    # --- states --------------------------------------------------------------------

    def _set_busy(self, text: str) -> None:
        self._busy = True
        self.save_button.setEnabled(False)
        self.message.setStyleSheet("")
        self.message.setText(html.escape(text))
        self.message.show()

    def _set_idle(self) -> None:
        self._busy = False
        self.message.hide()
        self._validate()

    def _failed(self, error: SdxError) -> None:
        self._busy = False
        self.message.setStyleSheet("color: #b3261e;")
        self.message.setText(
            f"<b>Not saved.</b> {html.escape(str(error))}<br>Your input is still here: "
            "press <b>Retry</b> to try again."
        )
        self.message.show()
        self.save_button.setText("Retry")
        self._validate()


def _describe_interaction(interaction_id: int, known: Sequence[Interaction]) -> str:
    match = next((i for i in known if i.id == interaction_id), None)
    if match is None:
        return f"#{interaction_id}"
    parts = [f"#{match.id}", match.external_ref, match.contact]
    return " · ".join(p for p in parts if p)

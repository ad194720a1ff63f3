"""After a crash: changes Survey Dynamix never confirmed, and what to do about them.

At start the app calls :func:`pending_changes` (on a worker) and, if it finds any,
opens a :class:`RecoveryDialog`. The dialog asks the server what became of each change
("Check again"), then offers to send the ones that did not arrive again, to discard
them, or to decide later.

Nothing is forgotten without the user saying so:

* A change is *undecided* while it is pending (never answered), or known not to have
  reached Survey Dynamix and not discarded, and it is still the newest change the app
  made to that key of that interaction. Undecided changes are shown again at every
  start ("Later", or the app closing, leaves them so). A newer change to the same key
  settles the question: sending the old value again would undo it.
* "Send again" hands a plan to the main window, which applies it as a new job the
  engine journals like any other; its rows are newer, so the old ones stop being
  asked about, and the new job's own pending or failed rows are covered by recovery
  and the History window. Until that job exists (the main window still previewing,
  the user cancelling, the app closing) the old rows stay undecided: they are marked
  only as "sent again" for the History window, never as dealt with. Sending a change
  twice is harmless: the API's writes are idempotent.
* "Discard" asks first.
"""

from __future__ import annotations

import html
import logging
import sqlite3
from asyncio import Task
from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from sdx_desktop.api.errors import SdxError
from sdx_desktop.domain.history import (
    CONFIRMED_LATER,
    NOT_REACHED,
    Checked,
    check_unconfirmed,
    settle,
)
from sdx_desktop.domain.plans import resend_plan
from sdx_desktop.journal import Entry, Journal, Outcome, Where

from .history_actions import common_survey
from .history_filters import named, wrapped
from .history_model import SENT_AGAIN, HistoryTableModel, plural
from .layout import compact_rows
from .questions import ask
from .tasks import TaskRunner

log = logging.getLogger(__name__)
Role = QMessageBox.ButtonRole
JOURNAL_ERRORS = (sqlite3.Error, OSError)


#: Details of a change known not to have arrived that is still to be dealt with.
LEFT_OPEN = frozenset({NOT_REACHED, SENT_AGAIN})


def is_undecided(entry: Entry) -> bool:
    """Pending, or known not to have reached Survey Dynamix and not discarded."""
    return entry.outcome is Outcome.PENDING or (
        entry.outcome is Outcome.NOT_APPLIED and entry.detail in LEFT_OPEN
    )


def pending_changes(journal: Journal, where: Where) -> list[Entry]:
    """The changes to ask about at start, oldest first (blocking: run it on a worker).

    Undecided changes (see the module docstring) that are still the newest change of
    their interaction's key."""
    newest: dict[tuple[int, str], int] = {}
    asked: list[Entry] = []
    for entry in journal.history(where):  # newest first
        newest.setdefault((entry.interaction_id, entry.key), entry.id)
        if is_undecided(entry) and newest[(entry.interaction_id, entry.key)] == entry.id:
            asked.append(entry)
    return asked[::-1]


def _were(count: int) -> str:
    return "was" if count == 1 else "were"


class RecoveryDialog(QDialog):
    """Window-modal; open it with ``open()``. See the module docstring."""

    #: A :class:`~sdx_desktop.domain.operations.Plan` sending the changes again.
    resendRequested = Signal(object)
    #: A check finished: True when Survey Dynamix answered, False when it could not be
    #: reached (the message says why, and "Retry" stays).
    checkFinished = Signal(bool)
    #: Entries were marked in the journal (a History window may refresh).
    journalChanged = Signal()

    def __init__(
        self,
        runner: TaskRunner,
        api: object,
        journal: Journal,
        where: Where,
        entries: list[Entry],
        *,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("recoveryDialog")
        self.setWindowTitle("Changes not confirmed — SDX Desktop")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self._runner = runner
        self._api = api
        self._journal = journal
        self._where = where
        self._busy = False
        #: What the last check found, for the heading: (reached, not reached).
        self._found: tuple[int, int] | None = None
        self.model = HistoryTableModel(self)
        self.model.sort(HistoryTableModel.WHEN, Qt.SortOrder.AscendingOrder)  # as made
        self.model.set_entries(entries)

        self.icon = QLabel()
        self.icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.heading = wrapped(named(QLabel(), "recoveryHeading"))
        font = self.heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.heading.setFont(font)
        self.explanation = wrapped(named(QLabel(), "recoveryExplanation"))
        self.explanation.setTextFormat(Qt.TextFormat.RichText)
        self.message = wrapped(named(QLabel(), "recoveryMessage"))
        self.message.hide()

        self.table = named(QTableView(), "recoveryTable")
        self.table.setAccessibleName("Changes not confirmed")
        self.table.setModel(self.model)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        compact_rows(self.table)
        for column in (HistoryTableModel.SURVEY, HistoryTableModel.JOB):
            self.table.setColumnHidden(column, True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.resizeSection(HistoryTableModel.WHEN, 130)
        header.resizeSection(HistoryTableModel.INTERACTION, 95)
        header.resizeSection(HistoryTableModel.KEY, 110)
        header.resizeSection(HistoryTableModel.CHANGE, 230)
        header.setStretchLastSection(True)
        rows = min(max(self.model.rowCount(), 2), 8)
        self.table.setMinimumHeight(
            header.sizeHint().height() + rows * self.table.verticalHeader().defaultSectionSize() + 4
        )

        def button(text: str, name: str, accessible: str) -> QPushButton:
            widget = named(QPushButton(text), name)
            widget.setAccessibleName(accessible)
            widget.setAutoDefault(False)
            return widget

        self.check_button = button(
            "Check again", "checkAgainButton", "Check with Survey Dynamix again"
        )
        self.check_button.setToolTip(
            "Ask Survey Dynamix which of these changes it holds. Nothing is sent or changed."
        )
        self.check_button.setDefault(True)
        self.retry_button = button(
            "Send again", "retryButton", "Send the changes that did not arrive again"
        )
        self.discard_button = button("Discard…", "discardButton", "Discard these changes")
        self.discard_button.setToolTip(
            "Stop asking about these changes. Nothing is changed on Survey Dynamix."
        )
        self.later_button = button("Later", "laterButton", "Decide later")
        self.later_button.setToolTip("Close. You will be asked again the next time you start.")
        self.check_button.clicked.connect(self.check_again)
        self.retry_button.clicked.connect(self.send_again)
        self.discard_button.clicked.connect(self.discard)
        self.later_button.clicked.connect(self.reject)

        top = QHBoxLayout()
        top.addWidget(self.icon)
        text = QVBoxLayout()
        text.addWidget(self.heading)
        text.addWidget(self.explanation)
        top.addLayout(text, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.check_button)
        buttons.addWidget(self.retry_button)
        buttons.addWidget(self.discard_button)
        buttons.addStretch(1)
        buttons.addWidget(self.later_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.resize(860, self.sizeHint().height())
        self._show_state()

    # --- what the dialog knows ---------------------------------------------------------

    @property
    def entries(self) -> list[Entry]:
        """The changes listed, as last recorded (outcomes change after a check)."""
        return list(self.model.entries)

    @property
    def undecided(self) -> list[Entry]:
        return [e for e in self.model.entries if is_undecided(e)]

    @property
    def not_reached(self) -> list[Entry]:
        return [e for e in self.undecided if e.outcome is Outcome.NOT_APPLIED]

    @property
    def unchecked(self) -> list[Entry]:
        return [e for e in self.model.entries if e.outcome is Outcome.PENDING]

    # --- showing -----------------------------------------------------------------------

    def _show_state(self) -> None:
        undecided, not_reached, unchecked = self.undecided, self.not_reached, self.unchecked
        if self._found is not None:
            reached, missed = self._found
            if not missed:
                heading = (
                    "The change reached Survey Dynamix."
                    if reached == 1
                    else f"All {reached:,} changes reached Survey Dynamix."
                )
            elif not reached:
                heading = (
                    "The change did not reach Survey Dynamix."
                    if missed == 1
                    else f"None of the {missed:,} changes reached Survey Dynamix."
                )
            else:
                heading = f"{reached:,} reached Survey Dynamix, {missed:,} did not."
        elif unchecked:
            heading = (
                f"{plural(len(undecided), 'change')} {_were(len(undecided))} not confirmed "
                "by Survey Dynamix"
            )
        else:
            heading = (
                f"{plural(len(undecided), 'change')} did not reach Survey Dynamix"
                if undecided
                else "Nothing left to check"
            )
        self.heading.setText(heading)
        icon = QStyle.StandardPixmap.SP_MessageBoxWarning
        if not undecided:
            icon = QStyle.StandardPixmap.SP_MessageBoxInformation
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_MessageBoxIconSize)
        self.icon.setPixmap(self.style().standardIcon(icon).pixmap(size))
        self.retry_button.setText(
            "Send it again" if len(not_reached) == 1 else f"Send {len(not_reached):,} again"
        )
        self.explanation.setText(self._explain(undecided, not_reached, unchecked))

        self.check_button.setVisible(bool(undecided))
        self.retry_button.setVisible(bool(not_reached) and not unchecked)
        self.retry_button.setToolTip(
            "Send the changes that did not reach Survey Dynamix once more. You see what "
            "they will change before anything is sent."
        )
        self.discard_button.setVisible(bool(undecided))
        self.later_button.setText("Later" if undecided else "Close")
        self.later_button.setAccessibleName("Decide later" if undecided else "Close")
        for widget in (self.check_button, self.retry_button, self.discard_button):
            widget.setEnabled(not self._busy)
        if not undecided or (not_reached and not unchecked):
            (self.retry_button if not_reached else self.later_button).setDefault(True)

    def _explain(
        self, undecided: list[Entry], not_reached: list[Entry], unchecked: list[Entry]
    ) -> str:
        listed = len(self.model.entries)
        jobs = list(dict.fromkeys(e.job_summary for e in self.model.entries if e.job_summary))
        part_of = ""
        if 0 < len(jobs) <= 2:
            quoted = " and ".join(f"“{html.escape(j)}”" for j in jobs)
            part_of = f" {'It was' if listed == 1 else 'They were'} part of {quoted}."
        if not undecided:
            return "Nothing more to do: the list shows what happened to each change." + part_of
        if unchecked:
            they = "it" if len(undecided) == 1 else "they"
            return (
                "SDX Desktop closed, or the connection dropped, before Survey Dynamix "
                f"answered, so it is not known whether {they} arrived.{part_of}<br><br>"
                "Press <b>Check again</b> to ask Survey Dynamix. Checking sends nothing "
                "and changes nothing."
            )
        one = len(not_reached) == 1
        if self._found is None:
            found = (
                f"When last checked, {'this change' if one else 'these changes'} had not arrived."
            )
        elif self._found[0]:
            found = (
                f"The {'one' if one else 'ones'} marked “Did not reach Survey Dynamix” "
                "never arrived; the others are saved."
            )
        else:
            found = f"{'It' if one else 'They'} never arrived."
        return (
            f"{found}{part_of}<br><br>"
            f"Press <b>{html.escape(self.retry_button.text())}</b> to send "
            f"{'it' if one else 'them'} once more (you will see what "
            f"{'it changes' if one else 'they change'} first), or <b>Discard</b> if "
            f"{'it is' if one else 'they are'} no longer wanted."
        )

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # Start on the suggested action, not inside the list.
        for button in (self.retry_button, self.check_button, self.later_button):
            if button.isVisible():
                button.setFocus()
                break

    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._show_state()

    # --- Check again -------------------------------------------------------------------

    def check_again(self) -> Task[None] | None:
        """Ask Survey Dynamix what became of each undecided change, and record it."""
        if not self._busy and self.undecided:
            return self._runner.spawn(self._check())
        return None

    async def _check(self) -> None:
        entries = self.undecided
        self._set_busy(True)
        self._show_message("Asking Survey Dynamix…")
        problem = ""
        checked: list[Checked] = []
        try:
            checked = await self._runner.run(check_unconfirmed, self._api, entries)
            # Recorded even if the dialog was closed meanwhile: the answer is worth keeping.
            await self._runner.run(settle, self._journal, checked)
        except SdxError as error:
            problem = f"Could not check: {error}"
        except JOURNAL_ERRORS as error:
            log.warning("Could not record what the check found: %s", error)
            problem = (
                "Survey Dynamix answered, but the answer could not be recorded on this computer."
            )
        if not isValid(self):
            return  # closed while checking (and deleted)
        if problem:
            self.check_button.setText("Retry")
            self._show_message(
                f"{problem} The changes below are kept as they were; press Retry to check again."
            )
            self._set_busy(False)
            self.checkFinished.emit(False)
            return
        reached = [c.entry for c in checked if c.reached]
        missed = [c.entry for c in checked if not c.reached]
        self.model.replace_entries(
            [replace(e, outcome=Outcome.DONE, detail=CONFIRMED_LATER) for e in reached]
            + [replace(e, outcome=Outcome.NOT_APPLIED, detail=NOT_REACHED) for e in missed]
        )
        self._found = (len(reached), len(missed))
        self.check_button.setText("Check again")
        self._show_message("")
        self._set_busy(False)
        self.journalChanged.emit()
        self.checkFinished.emit(True)

    # --- Send again --------------------------------------------------------------------

    def send_again(self) -> Task[None] | None:
        """Hand the changes that did not arrive to the main window as a plan."""
        if not self._busy and self.not_reached and not self.unchecked:
            return self._runner.spawn(self._send_again())
        return None

    async def _send_again(self) -> None:
        missed = self.not_reached
        plan = resend_plan(missed, common_survey(missed))
        # The old rows stay undecided (only their detail changes, for the History
        # window) until the engine journals the new job, so nothing is lost if the
        # resend is cancelled or fails before it starts.
        self.resendRequested.emit(plan)
        self._set_busy(True)
        try:
            await self._runner.run(
                self._journal.mark, [e.id for e in missed], Outcome.NOT_APPLIED, SENT_AGAIN
            )
        except JOURNAL_ERRORS as error:  # only a label for the History window
            log.warning("Could not mark changes as sent again: %s", error)
        if not isValid(self):
            return
        self._set_busy(False)
        self.model.replace_entries(
            [replace(e, outcome=Outcome.NOT_APPLIED, detail=SENT_AGAIN) for e in missed]
        )
        self.journalChanged.emit()
        self.accept()

    # --- Discard -----------------------------------------------------------------------

    def discard(self) -> Task[None] | None:
        """Ask, then stop asking about the undecided changes (nothing is sent)."""
        if not self._busy and self.undecided:
            return self._runner.spawn(self._discard())
        return None

    async def _discard(self) -> None:
        doomed = self.undecided
        one = len(doomed) == 1
        answer = await ask(
            self,
            title="Discard changes",
            text=f"Discard {'this change' if one else f'these {len(doomed):,} changes'}?",
            details=(
                "SDX Desktop will stop asking about "
                f"{'it' if one else 'them'} and will not send {'it' if one else 'them'} again. "
                "Nothing is changed on Survey Dynamix: whatever already arrived stays. "
                "The History window keeps a record."
            ),
            choices=[("Discard", Role.DestructiveRole), ("Cancel", Role.RejectRole)],
            default=1,
            icon=QMessageBox.Icon.Warning,
            object_name="discardConfirm",
        )
        if answer != "Discard" or not isValid(self):
            return
        self._set_busy(True)
        try:
            await self._runner.run(self._journal.mark, [e.id for e in doomed], Outcome.DISCARDED)
        except JOURNAL_ERRORS as error:
            log.warning("Could not discard unconfirmed changes: %s", error)
            if isValid(self):
                self._set_busy(False)
                self._show_message("Could not record this on this computer. Nothing was discarded.")
            return
        if not isValid(self):
            return
        self._set_busy(False)
        self.model.replace_entries(
            [replace(e, outcome=Outcome.DISCARDED, detail="") for e in doomed]
        )
        self.journalChanged.emit()
        self.accept()


__all__ = ["RecoveryDialog", "is_undecided", "pending_changes"]

"""The History window: every change this app made for the signed-in account, newest
first, with filters, revert, an audit-trail CSV and "Clear history".

It only reads and forgets the journal. Reverting is a plan handed to the main window
(:attr:`HistoryWindow.revertRequested`), which previews and applies it like any other
write; the main window calls :meth:`HistoryWindow.refresh` after each write.
"""

from __future__ import annotations

import logging
import sqlite3
from asyncio import Task
from collections import Counter
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import (
    QKeySequence,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from sdx_desktop.domain.plans import revert_plan
from sdx_desktop.journal import Entry, Journal, Outcome, Where

from .colours import HINT, tint
from .history_actions import (
    common_survey,
    revert_changes_state,
    revert_job_state,
    revert_summary,
)
from .history_filters import HistoryFilterBar, named, wrapped
from .history_model import (
    HistoryQuery,
    HistoryTableModel,
    describe_change,
    describe_outcome,
    export_history,
    full_time,
    plural,
)
from .layout import compact_rows
from .paged_model import ObjectRole
from .questions import ask
from .tasks import TaskRunner

log = logging.getLogger(__name__)
Role = QMessageBox.ButtonRole

#: At most this many changes are listed at once (the CSV holds every match).
DISPLAY_LIMIT = 20_000
EMPTY_TEXT = "No changes yet. Every change you make is listed here."
NO_MATCH_TEXT = "No changes match these filters."
JOURNAL_ERRORS = (sqlite3.Error, OSError)


class HistoryWindow(QWidget):
    """A separate, non-modal window; see the module docstring."""

    #: A :class:`~sdx_desktop.domain.operations.Plan` that puts old values back.
    revertRequested = Signal(object)
    #: The list on screen has been read again from the journal.
    refreshed = Signal()
    #: The history was cleared (the journal changed).
    cleared = Signal()

    def __init__(
        self,
        runner: TaskRunner,
        journal: Journal,
        where: Where,
        *,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("historyWindow")
        self.setWindowTitle("Change history — SDX Desktop")
        self._runner = runner
        self._journal = journal
        self._where = where
        self._generation = 0
        self._stale = True
        self._busy = False
        self._truncated = False
        #: How many done entries each listed job has, among the rows listed.
        self._done_per_job: Counter[int] = Counter()

        self.model = HistoryTableModel(self)
        self.filters = HistoryFilterBar(self)
        self.filters.changed.connect(self.refresh)
        self.filters.clear_button.clicked.connect(self.clear_filters)
        self._build_table()
        self._build_buttons()
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self).activated.connect(self.close)
        QShortcut(QKeySequence.StandardKey.Refresh, self).activated.connect(self.refresh)

        intro = QLabel(
            "Every change SDX Desktop made on Survey Dynamix for this account, newest first. "
            "Times are this computer's time."
        )
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.filters)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.details)
        layout.addLayout(self._status_row)
        layout.addLayout(self._button_row)
        self.resize(1100, 600)
        self._update_actions()

    # --- building ----------------------------------------------------------------------

    def _build_table(self) -> None:
        view = named(QTableView(), "historyTable")
        view.setAccessibleName("Changes")
        view.setModel(self.model)
        view.setSortingEnabled(True)
        view.sortByColumn(HistoryTableModel.WHEN, Qt.SortOrder.DescendingOrder)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setAlternatingRowColors(True)
        view.setWordWrap(False)
        compact_rows(view)
        header = view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in (
            (HistoryTableModel.WHEN, 150),
            (HistoryTableModel.SURVEY, 70),
            (HistoryTableModel.INTERACTION, 95),
            (HistoryTableModel.KEY, 120),
            (HistoryTableModel.CHANGE, 240),
            (HistoryTableModel.OUTCOME, 230),
        ):
            header.resizeSection(column, width)
        header.setStretchLastSection(True)
        view.selectionModel().selectionChanged.connect(self._update_actions)
        self.model.modelReset.connect(self._update_actions)
        self.table = view

        self.empty_state = named(QLabel(EMPTY_TEXT), "historyEmptyState")
        self.empty_state.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_state.setWordWrap(True)
        tint(self.empty_state, HINT)
        font = self.empty_state.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.empty_state.setFont(font)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty_state)
        self.stack.addWidget(self.table)

    def _build_buttons(self) -> None:
        def button(text: str, name: str, accessible: str, slot: object) -> QPushButton:
            widget = named(QPushButton(text), name)
            widget.setAccessibleName(accessible)
            widget.clicked.connect(slot)
            return widget

        self.revert_button = button(
            "Revert this change",
            "revertChangeButton",
            "Revert the selected changes",
            self.revert_selected,
        )
        self.revert_job_button = button(
            "Revert whole job",
            "revertJobButton",
            "Revert every change of the selected job",
            self.revert_job,
        )
        self.save_csv_button = button(
            "Save as CSV…",
            "saveCsvButton",
            "Save the listed changes as a CSV file",
            self.save_csv,
        )
        self.clear_button = button(
            "Clear history…",
            "clearHistoryButton",
            "Clear the history on this computer",
            self.clear_history,
        )
        self.refresh_button = button(
            "Refresh", "historyRefreshButton", "Refresh the list", self.refresh
        )
        self.close_button = button("Close", "historyCloseButton", "Close the history", self.close)
        self.save_csv_button.setToolTip(
            "Save every change matching the filters (not only the rows you see) as a "
            "spreadsheet file, for your records."
        )
        self.clear_button.setToolTip(
            "Forget the list on this computer. Nothing changes on Survey Dynamix."
        )

        self.status_icon = named(QLabel(), "historyStatusIcon")
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        self.status_icon.setPixmap(
            self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(size)
        )
        self.status_icon.hide()
        self.status = wrapped(named(QLabel(), "historyStatus"))
        self.details = wrapped(named(QLabel(), "historyDetails"))
        self.details.setTextFormat(Qt.TextFormat.PlainText)
        self.details.setAccessibleName("Selected change")
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.hide()
        self._status_row = QHBoxLayout()
        self._status_row.addWidget(self.status_icon)
        self._status_row.addWidget(self.status, 1)

        row = QHBoxLayout()
        row.addWidget(self.revert_button)
        row.addWidget(self.revert_job_button)
        row.addStretch(1)
        for widget in (self.save_csv_button, self.clear_button, self.refresh_button):
            row.addWidget(widget)
        row.addWidget(self.close_button)
        self._button_row = row

    # --- filters -------------------------------------------------------------------------

    def query(self) -> HistoryQuery:
        """What the filters ask for."""
        return self.filters.query()

    def clear_filters(self) -> None:
        self.filters.clear()
        self.apply_filters()

    def apply_filters(self) -> None:
        """Re-read the list with the filters now (instead of after the typing pause)."""
        self.filters.settle()
        self.refresh()

    # --- reading -------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the journal again (now if the window is shown, else when it is next shown)."""
        self.filters.settle()
        if not self.isVisible():
            self._stale = True
            return
        self._stale = False
        self._runner.spawn(self._load())

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    async def _load(self) -> None:
        self._generation += 1
        generation = self._generation
        query = self.query()
        if query.first_day and query.last_day and query.first_day > query.last_day:
            self._show_entries([], query, note="The “From” date is after the “to” date.")
            return
        try:
            entries = await self._runner.run(
                query.read, self._journal, self._where, DISPLAY_LIMIT + 1
            )
        except JOURNAL_ERRORS as error:
            if generation == self._generation:
                log.warning("Could not read the change history: %s", error)
                self._show_problem(
                    "Could not read the change history on this computer. "
                    "Press Refresh to try again."
                )
            return
        if generation != self._generation:
            return  # the filters changed meanwhile; a newer read is under way
        self._show_entries(entries, query)

    def _show_entries(self, entries: list[Entry], query: HistoryQuery, note: str = "") -> None:
        self._truncated = len(entries) > DISPLAY_LIMIT
        entries = entries[:DISPLAY_LIMIT]
        self.model.set_entries(entries)
        self._done_per_job = Counter(e.job_id for e in entries if e.outcome is Outcome.DONE)
        if entries:
            self.stack.setCurrentWidget(self.table)
        else:
            self.empty_state.setText(note or (NO_MATCH_TEXT if query.filtered else EMPTY_TEXT))
            self.stack.setCurrentWidget(self.empty_state)
        self._show_count()
        self.refreshed.emit()

    def _show_count(self) -> None:
        count = self.model.rowCount()
        if self._truncated:
            text = (
                f"Showing the newest {count:,} changes. Use the filters to find older ones; "
                "Save as CSV saves every match."
            )
        elif count:
            text = f"Showing {plural(count, 'change')}."
        else:
            text = ""
        self._show_message(text)

    def _show_message(self, text: str) -> None:
        self.status_icon.hide()
        self.status.setText(text)

    def _show_problem(self, text: str) -> None:
        self.status_icon.show()
        self.status.setText(text)

    # --- selection and revert -----------------------------------------------------------

    def selected_entries(self) -> list[Entry]:
        rows = self.table.selectionModel().selectedRows()
        found = [index.data(ObjectRole) for index in sorted(rows, key=lambda i: i.row())]
        return [e for e in found if isinstance(e, Entry)]

    def _update_actions(self) -> None:
        chosen = self.selected_entries()
        self._show_details(chosen)
        for button, state in (
            (self.revert_button, revert_changes_state(chosen)),
            (self.revert_job_button, revert_job_state(chosen, self._done_per_job)),
        ):
            button.setText(state.text)
            button.setEnabled(state.enabled and not self._busy)
            button.setToolTip(state.tooltip)
        self.save_csv_button.setEnabled(not self._busy)
        self.clear_button.setEnabled(not self._busy)

    def _show_details(self, chosen: list[Entry]) -> None:
        """The selected change in full (the table shortens long values and reasons)."""
        if len(chosen) == 1:
            e = chosen[0]
            outcome = describe_outcome(e)
            lines = [
                f"Interaction #{e.interaction_id}, key {e.key}: {describe_change(e, limit=500)}",
                outcome if outcome.endswith((".", "!", "?")) else outcome + ".",
                f"{full_time(e.at)}" + (f" · Job: {e.job_summary}" if e.job_summary else ""),
            ]
            self.details.setText("\n".join(lines))
        elif chosen:
            self.details.setText(f"{plural(len(chosen), 'change')} selected.")
        self.details.setVisible(bool(chosen))

    def revert_selected(self) -> None:
        """Emit :attr:`revertRequested` with a plan reverting the selected done changes."""
        done = [e for e in self.selected_entries() if e.outcome is Outcome.DONE]
        if not done:
            return
        plan = revert_plan(done, revert_summary(done), common_survey(done))
        self.revertRequested.emit(plan)

    def revert_job(self) -> Task[None] | None:
        """Emit :attr:`revertRequested` with a plan reverting the selected job."""
        chosen = self.selected_entries()
        jobs = {e.job_id for e in chosen}
        if len(jobs) == 1:
            return self._runner.spawn(self._revert_job(chosen[0]))
        return None

    async def _revert_job(self, sample: Entry) -> None:
        try:
            entries = await self._runner.run(self._journal.job_entries, sample.job_id)
        except JOURNAL_ERRORS as error:
            log.warning("Could not read a job from the change history: %s", error)
            self._show_problem("Could not read this job from the change history. Try again.")
            return
        done = [e for e in entries if e.outcome is Outcome.DONE]
        if not done:
            self._show_message("Nothing in this job is marked “Done”; there is nothing to revert.")
            return
        summary = f"Revert: {sample.job_summary}" if sample.job_summary else revert_summary(done)
        self.revertRequested.emit(revert_plan(done, summary, common_survey(done)))

    # --- CSV -------------------------------------------------------------------------

    def choose_csv_path(self) -> Path | None:
        """Ask where to save the CSV (tests replace this)."""
        suggested = Path.home() / f"SDX change history {date.today():%Y-%m-%d}.csv"
        name, _ = QFileDialog.getSaveFileName(
            self, "Save the change history", str(suggested), "CSV files (*.csv)"
        )
        if not name:
            return None
        path = Path(name)
        return path if path.suffix else path.with_suffix(".csv")

    def save_csv(self) -> Task[None] | None:
        """Ask for a file, then write every change matching the filters to it."""
        path = self.choose_csv_path()  # modal, so never inside a coroutine
        if path is not None:
            return self._runner.spawn(self._save_csv(path, self.query()))
        return None

    async def _save_csv(self, path: Path, query: HistoryQuery) -> None:
        self._set_busy(True)
        self._show_message(f"Saving {path.name}…")
        try:
            count = await self._runner.run(export_history, self._journal, self._where, query, path)
        except JOURNAL_ERRORS as error:
            reason = getattr(error, "strerror", None) or "the file could not be written"
            self._show_problem(f"Could not save {path.name}: {reason}. Nothing was saved.")
            return
        finally:
            self._set_busy(False)
        self._show_message(f"Saved {plural(count, 'change')} to {path}.")

    # --- clearing --------------------------------------------------------------------

    def clear_history(self) -> Task[None] | None:
        """Ask, then forget this account's history on this computer."""
        return self._runner.spawn(self._clear_history())

    async def _clear_history(self) -> None:
        self._set_busy(True)
        try:
            pending = await self._runner.run(self._journal.unconfirmed, self._where)
            details = (
                "This only empties the list on this computer: your tags on Survey Dynamix "
                "stay as they are, but these changes can no longer be reverted from here."
            )
            if pending:
                details += (
                    f" {plural(len(pending), 'change')} that Survey Dynamix never confirmed "
                    "will no longer be checked."
                )
            answer = await ask(
                self,
                title="Clear history",
                text="Clear the whole change history?",
                details=details,
                choices=[("Clear history", Role.DestructiveRole), ("Cancel", Role.RejectRole)],
                default=1,
                icon=QMessageBox.Icon.Warning,
                object_name="clearHistoryConfirm",
            )
            if answer != "Clear history":
                return
            await self._runner.run(self._journal.clear, self._where)
        except JOURNAL_ERRORS as error:
            log.warning("Could not clear the change history: %s", error)
            self._show_problem("Could not clear the change history. Nothing was removed.")
            return
        finally:
            self._set_busy(False)
        self.cleared.emit()
        if self.isVisible():
            await self._load()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._update_actions()


__all__ = ["DISPLAY_LIMIT", "EMPTY_TEXT", "HistoryWindow"]

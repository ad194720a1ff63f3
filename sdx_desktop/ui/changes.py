"""Everything that changes tags in bulk, and remembers changes: bulk actions, undo and
redo, the History window and the recovery prompt, wired to the main window.

Widgets show and ask; the plans and their checks are the engine's
(:mod:`sdx_desktop.domain.operations`). Every write ends in :meth:`Changes.record`,
which updates the table, the undo history, the status bar and the History window.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialog, QLabel

from sdx_desktop.api.errors import SdxError
from sdx_desktop.domain import plans
from sdx_desktop.domain.history import JournalRecorder
from sdx_desktop.domain.operations import (
    Change,
    DeleteTag,
    JobReport,
    Plan,
    Result,
    SetTag,
    apply,
    preview,
)
from sdx_desktop.domain.undo import UndoHistory
from sdx_desktop.journal import Journal, Where

from .layout import named
from .window_actions import make_action

if TYPE_CHECKING:
    from .main_window import MainWindow

Key = QKeySequence.StandardKey


class Changes(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.history = UndoHistory()
        self.journal: Journal | None = None
        self.where: Where | None = None
        self.recorder: JournalRecorder | None = None
        self.history_window: QObject | None = None
        #: The bulk input dialog open last (tests and screenshots reach it here).
        self.input_dialog: QDialog | None = None
        self._busy = False

        self.undo_action = make_action(
            window, "undoAction", "&Undo", "undo", [Key.Undo], "Undo the last change"
        )
        self.redo_action = make_action(
            window, "redoAction", "&Redo", "redo", ["Ctrl+Shift+Z", "Ctrl+Y"],
            "Redo the change just undone",
        )  # fmt: skip
        self.set_tag_on_many_action = make_action(
            window, "setTagOnManyAction", "&Set tag on selected interactions…", "add", [],
            "Set one key and value on every selected interaction, with a preview first",
        )  # fmt: skip
        self.remove_key_action = make_action(
            window, "removeKeyAction", "&Remove key…", "delete", [],
            "Remove one key from the selected interactions, with a preview first",
        )  # fmt: skip
        self.replace_values_action = make_action(
            window, "replaceValuesAction", "Find and re&place values…", "edit", ["Ctrl+H"],
            "Replace values of one key across the survey, with a preview first",
        )  # fmt: skip
        self.history_action = make_action(
            window, "historyAction", "&History", "history", ["Ctrl+Shift+H"],
            "Every change made from this computer, with Revert",
        )  # fmt: skip
        self.undo_action.triggered.connect(self.undo)
        self.redo_action.triggered.connect(self.redo)
        self.set_tag_on_many_action.triggered.connect(self.set_tag_on_many)
        self.remove_key_action.triggered.connect(self.remove_key)
        self.replace_values_action.triggered.connect(self.replace_values)
        self.history_action.triggered.connect(self.show_history)

        #: "Saved tier=GOLD on #26951 · Undo" after each write.
        self.undo_link = named(QLabel(), "undoLink")
        self.undo_link.setTextFormat(Qt.TextFormat.RichText)
        self.undo_link.setAccessibleName("Last change")
        self.undo_link.linkActivated.connect(lambda _link: self.undo())
        self.undo_link.hide()
        self.update_actions()

    def install(self) -> None:
        """Put the actions in the window's menus and the undo link in its status bar."""
        actions = self.window.window_actions
        actions.edit_menu.addActions([self.undo_action, self.redo_action])
        actions.tag_menu.addSeparator()
        actions.tag_menu.addActions(
            [self.set_tag_on_many_action, self.remove_key_action, self.replace_values_action]
        )
        actions.view_menu.addSeparator()
        actions.view_menu.addAction(self.history_action)
        for action in (self.undo_action, self.redo_action, self.history_action):
            self.window.addAction(action)
        self.window.statusBar().addPermanentWidget(self.undo_link)

    # --- the journal of this sign-in ------------------------------------------------

    def attach(self, journal: Journal | None, where: Where | None) -> None:
        """Journal every write of this sign-in (None: signed out)."""
        self.journal, self.where = journal, where
        self.recorder = (
            None if journal is None or where is None else JournalRecorder(journal, where)
        )
        self.window.recorder = self.recorder
        self.history = UndoHistory()
        self.undo_link.hide()
        if self.history_window is not None:
            self.history_window.close()  # type: ignore[attr-defined]
            self.history_window = None
        self.update_actions()

    # --- after every write ------------------------------------------------------------

    def record(self, report: JobReport, *, undoable: bool = True) -> None:
        """A job finished: show its effect in the table, make it undoable, say so."""
        self.show_in_table(report)
        if undoable:
            self.history.record(report)
        self._say_done(report.plan.summary if report.done else "")
        self.update_actions()
        self._refresh_history()

    def show_in_table(self, report: JobReport) -> None:
        tags = self.window.tags
        for result in report.done:
            op = result.row.op
            if isinstance(op, SetTag) and result.tag is not None:
                if self.window.belongs_here(result.tag):
                    tags.upsert_item(result.tag)
            elif isinstance(op, DeleteTag):
                tags.remove_id(op.tag.id)
        self.window.update_status()

    def _say_done(self, summary: str) -> None:
        if not summary or not self.history.can_undo:
            self.undo_link.hide()
            return
        self.undo_link.setText(f'{html.escape(summary)} · <a href="undo">Undo</a>')
        self.undo_link.show()

    def update_actions(self) -> None:
        window = self.window
        has_survey = window.survey is not None and not self._busy
        self.undo_action.setEnabled(self.history.can_undo and not self._busy)
        self.redo_action.setEnabled(self.history.can_redo and not self._busy)
        self.undo_action.setText(self.history.undo_text())
        self.redo_action.setText(self.history.redo_text())
        # Only whether anything is selected: listing 1,000 selected rows costs ~25 ms.
        selection = window.interactions.view.selectionModel()
        chosen = window.survey is not None and selection is not None and selection.hasSelection()
        self.set_tag_on_many_action.setEnabled(has_survey and chosen)
        self.remove_key_action.setEnabled(has_survey and chosen)
        self.replace_values_action.setEnabled(has_survey)
        self.history_action.setEnabled(self.journal is not None)

    # --- undo and redo ---------------------------------------------------------------

    def undo(self) -> None:
        plan = self.history.undo_plan()
        if plan is not None and not self._busy:
            self.window.runner.spawn(self._step(plan, self.history.undone, "Undone"))

    def redo(self) -> None:
        plan = self.history.redo_plan()
        if plan is not None and not self._busy:
            self.window.runner.spawn(self._step(plan, self.history.redone, "Redone"))

    async def _step(self, plan: Plan, done: Callable[[JobReport], None], verb: str) -> None:
        """Undo or redo: straight through when nothing changed since; otherwise the
        preview shows what someone else changed and asks."""
        window = self.window
        self._busy = True
        self.update_actions()
        window.statusBar().showMessage(f"{verb[:-1]}ing…")
        try:
            seen = await window.runner.run(preview, window.api, plan)
            if any(
                r.change not in (Change.CREATE, Change.OVERWRITE, Change.DELETE, Change.UNCHANGED)
                for r in seen.rows
            ):
                self._busy = False
                self.open_preview(plan, on_applied=done, title=f"{verb[:-1]} — check first")
                return
            report = await window.runner.run(apply, window.api, seen, journal=self.recorder)
        except SdxError as error:
            window.statusBar().showMessage(f"Could not {verb[:-1].lower()}: {error}", 15_000)
            return
        finally:
            self._busy = False
            self.update_actions()
        done(report)
        self.record(report, undoable=False)
        failed = report.counts[Result.FAILED]
        text = f"{verb}: {report.plan.summary.split(': ', 1)[-1]}"
        if failed:
            text += f" — {failed} could not be changed (see History)"
        window.statusBar().showMessage(text, 10_000)

    # --- previews of bulk work ---------------------------------------------------------

    def open_preview(
        self,
        plan: Plan,
        *,
        on_applied: Callable[[JobReport], None] | None = None,
        title: str | None = None,
    ) -> QObject:
        from .preview_dialog import PreviewDialog

        dialog = PreviewDialog(
            self.window.runner,
            self.window.api,
            plan,
            recorder=self.recorder,
            title=title,
            parent=self.window,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def applied(report: JobReport) -> None:
            if on_applied is not None:
                on_applied(report)
                self.record(report, undoable=False)
            else:
                self.record(report)

        dialog.applied.connect(applied)
        dialog.start()
        self.preview_dialog = dialog
        return dialog

    def _survey_id(self) -> int | None:
        return self.window.survey.id if self.window.survey is not None else None

    def set_tag_on_many(self) -> None:
        from .bulk_dialogs import SetTagDialog

        window = self.window
        targets = window.interactions.selected_targets()
        if window.survey is None or not targets:
            return
        everything = targets == "all"
        dialog = SetTagDialog(
            selected_count=None if everything else len(targets),
            survey_name=window.survey.display_name,
            known_keys=self._known_keys(),
            parent=window,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def accepted() -> None:
            values = dialog.values()
            window.runner.spawn(self._set_on_many(targets, values.key, values.value))

        dialog.accepted.connect(accepted)
        dialog.open()
        self.input_dialog = dialog

    async def _set_on_many(self, targets: object, key: str, value: str) -> None:
        window = self.window
        survey_id = self._survey_id()
        if survey_id is None:
            return
        if targets == "all":
            window.statusBar().showMessage("Reading every interaction of the survey…")
            try:
                ids = await window.runner.run(plans.read_interaction_ids, window.api, survey_id)
            except SdxError as error:
                window.statusBar().showMessage(str(error), 15_000)
                return
        else:
            ids = [i.id for i in targets]  # type: ignore[attr-defined]
        window.statusBar().clearMessage()
        self.open_preview(plans.plan_set_on_many(ids, key, value, survey_id))

    def remove_key(self) -> None:
        from .bulk_dialogs import RemoveKeyDialog

        window = self.window
        targets = window.interactions.selected_targets()
        if window.survey is None or not targets:
            return
        dialog = RemoveKeyDialog(
            self._known_keys(), survey_name=window.survey.display_name, parent=window
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def accepted() -> None:
            window.runner.spawn(self._remove_key(targets, dialog.values().key))

        dialog.accepted.connect(accepted)
        dialog.open()
        self.input_dialog = dialog

    async def _remove_key(self, targets: object, key: str) -> None:
        window = self.window
        survey_id = self._survey_id()
        if survey_id is None:
            return
        try:
            tags = await window.runner.run(plans.read_key, window.api, survey_id, key)
        except SdxError as error:
            window.statusBar().showMessage(str(error), 15_000)
            return
        if targets != "all":
            chosen = {i.id for i in targets}  # type: ignore[attr-defined]
            tags = [t for t in tags if t.interaction_id in chosen]
        self.open_preview(plans.plan_remove_key(tags, key, survey_id))

    def replace_values(self) -> None:
        from .bulk_dialogs import ReplaceValuesDialog

        window = self.window
        if window.survey is None:
            return
        dialog = ReplaceValuesDialog(
            self._known_keys(),
            known_values=self._sample_values(),
            survey_name=window.survey.display_name,
            parent=window,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def accepted() -> None:
            window.runner.spawn(self._replace(dialog.values()))

        dialog.accepted.connect(accepted)
        dialog.open()
        self.input_dialog = dialog

    async def _replace(self, values: object) -> None:
        window = self.window
        survey_id = self._survey_id()
        if survey_id is None:
            return
        key = values.key  # type: ignore[attr-defined]
        rule = values.rule  # type: ignore[attr-defined]
        window.statusBar().showMessage(f"Reading every {key} of the survey…")
        try:
            tags = await window.runner.run(plans.read_key, window.api, survey_id, key)
        except SdxError as error:
            window.statusBar().showMessage(str(error), 15_000)
            return
        window.statusBar().clearMessage()
        self.open_preview(plans.plan_replace(tags, key, rule, survey_id))

    def _known_keys(self) -> list[str]:
        return sorted({t.custom_key for t in self.window.tags.items}, key=str.casefold)

    def _sample_values(self) -> dict[str, list[str]]:
        values: dict[str, list[str]] = {}
        for tag in self.window.tags.items:
            bucket = values.setdefault(tag.custom_key, [])
            if len(bucket) < 20 and tag.custom_value not in bucket:
                bucket.append(tag.custom_value)
        return values

    # --- history and recovery -----------------------------------------------------------

    def show_history(self) -> None:
        if self.journal is None or self.where is None:
            return
        if self.history_window is None:
            from .history_window import HistoryWindow

            history = HistoryWindow(
                self.window.runner, self.journal, self.where, parent=self.window
            )
            history.revertRequested.connect(lambda plan: self.open_preview(plan))
            self.history_window = history
        self.history_window.show()  # type: ignore[attr-defined]
        self.history_window.raise_()  # type: ignore[attr-defined]
        self.history_window.activateWindow()  # type: ignore[attr-defined]

    def _refresh_history(self) -> None:
        if self.history_window is not None:
            self.history_window.refresh()  # type: ignore[attr-defined]

    def check_unconfirmed(self) -> None:
        """At sign-in: offer to settle changes a crash or a lost connection left open."""
        if self.journal is not None and self.where is not None:
            self.window.runner.spawn(self._check_unconfirmed(self.journal, self.where))

    async def _check_unconfirmed(self, journal: Journal, where: Where) -> None:
        from .recovery import RecoveryDialog, pending_changes

        entries = await self.window.runner.run(pending_changes, journal, where)
        if not entries or self.journal is not journal:
            return
        dialog = RecoveryDialog(
            self.window.runner,
            self.window.api,
            journal,
            where,
            entries,
            parent=self.window,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.resendRequested.connect(lambda plan: self.open_preview(plan))
        dialog.journalChanged.connect(self._refresh_history)
        dialog.open()
        self.recovery_dialog = dialog

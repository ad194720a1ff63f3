"""Check a plan against Survey Dynamix, show every change, save them, show each result.

The engine's three steps (:mod:`sdx_desktop.domain.operations`) in one dialog: preview
(nothing written), apply with progress and Cancel, per-row results with "Retry failed",
"Copy results" and "Save results…". The engine runs on workers through the
:class:`TaskRunner`; its progress reaches the UI thread through :class:`StatusLine`.
Closing while saving stops sending first and closes once the last answer is in, so no
worker is left writing behind a closed window.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import Counter
from collections.abc import Callable, Coroutine, Sequence
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, cast

from PySide6.QtCore import QStandardPaths, Signal
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sdx_desktop.api.errors import SdxError
from sdx_desktop.domain import plans
from sdx_desktop.domain.operations import (
    Change,
    JobJournal,
    JobReport,
    Plan,
    Preview,
    Result,
    WriteApi,
    apply,
    preview,
)

from . import preview_model as words
from .layout import named
from .preview_model import change_counts, line_report, lines_of, many, result_counts
from .preview_widgets import PreviewTable, StatusLine, write_csv
from .tasks import TaskRunner

log = logging.getLogger(__name__)

UNEXPECTED = "Something unexpected went wrong. Nothing more will be sent; try again."


class PreviewDialog(QDialog):
    """Preview → apply → results for one plan. Open it with :meth:`start`.

    ``finished`` reports ``Accepted`` once anything was applied, else ``Rejected``.
    """

    #: A :class:`JobReport`, after each apply (the first one and each "Retry failed").
    applied = Signal(object)

    def __init__(
        self,
        runner: TaskRunner,
        api: object,
        plan: Plan,
        *,
        recorder: JobJournal | None = None,
        title: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("previewDialog")
        self.setWindowTitle(title or "Check the changes before saving")
        self.resize(980, 560)
        self._runner = runner
        self._api = cast(WriteApi, api)
        self._recorder = recorder
        self.plan = plan
        #: The latest preview (of the plan, or of the unfinished rows on a retry).
        self.preview_result: Preview | None = None
        #: The latest apply's report (the table shows every row's latest result).
        self.report: JobReport | None = None
        self._first: Preview | None = None  # the preview the table's lines come from
        self._cancel: threading.Event | None = None
        self._applying = False
        self._close_when_stopped = False
        #: What "Retry" checks again: the plan, its table lines, the rows to force.
        self._again: tuple[Plan, list[int] | None, frozenset[int]] | None = None

        self.summary = self._label("previewSummary")
        self.summary.setText(plan.summary)
        font = self.summary.font()
        font.setBold(True)
        self.summary.setFont(font)
        self.summary.show()
        self.counts = self._label("previewCounts")
        self.result_counts = self._label("previewResultCounts")
        self.case_twins = self._label("caseTwinWarning")
        self.status_line = StatusLine(self)
        self.status = self.status_line.label
        self.progress_bar = self.status_line.bar

        self.preview_table = PreviewTable(self)
        self.table = self.preview_table.view
        self.model = self.preview_table.model
        self.force_check = named(QCheckBox(), "forceConflictsCheck")
        self.force_check.setAccessibleName("Also write the conflicting rows")
        self.force_check.toggled.connect(self._update_apply)

        self.retry_button = self._button("retryButton", "Retry", self._check_again)
        self.retry_failed_button = self._button(
            "retryFailedButton", "Retry failed", self._retry_failed
        )
        self.copy_button = self._button("copyResultsButton", "Copy results", self.copy_results)
        self.copy_button.setToolTip("Copies every row with a header line, ready to paste")
        self.save_button = self._button("saveResultsButton", "Save results…", self.save_results)
        self.apply_button = self._button("applyButton", "Apply", self._apply_clicked)
        self.cancel_button = self._button("cancelButton", "Cancel", self._cancel_clicked)
        self.close_button = self._button("closeButton", "Close", self.reject)

        buttons = QHBoxLayout()
        for button in (self.retry_button, self.retry_failed_button, self.copy_button):
            buttons.addWidget(button)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        for button in (self.apply_button, self.cancel_button, self.close_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        for widget in (self.summary, self.counts, self.result_counts, self.case_twins):
            layout.addWidget(widget)
        layout.addWidget(self.preview_table, 1)
        layout.addWidget(self.force_check)
        layout.addWidget(self.status_line)
        layout.addLayout(buttons)
        self._set_mode("checking")

    def _label(self, name: str) -> QLabel:
        label = named(QLabel(wordWrap=True), name)
        label.hide()
        return label

    def _button(self, name: str, text: str, slot: Any) -> QPushButton:
        button = named(QPushButton(text, autoDefault=False), name)
        button.setAccessibleName(text.rstrip("…"))
        button.clicked.connect(slot)
        return button

    # --- the steps ------------------------------------------------------------------------

    def start(self) -> None:
        """Open the dialog (window-modal, without blocking) and check the plan."""
        self.open()
        self._check(self.plan, None, frozenset())

    def _check_again(self) -> None:
        if self._again is not None:
            self._check(*self._again)

    def _check(self, plan: Plan, lines: list[int] | None, force: frozenset[int]) -> None:
        """Preview ``plan``. The first time, show it; on a retry (``lines``: which table
        line each operation belongs to) apply it straight away, forcing ``force``."""
        self._again = (plan, lines, force)
        if not plan.operations:
            self._set_mode("empty")
            return
        cancel = self._cancel = threading.Event()
        again = "the unfinished " if lines is not None else ""
        changes = many(len(plan), "change")
        self._set_mode("checking", f"Checking {again}{changes} against Survey Dynamix…")
        self._runner.spawn(self._run_check(plan, lines, force, cancel))

    async def _run_check(
        self, plan: Plan, lines: list[int] | None, force: frozenset[int], cancel: threading.Event
    ) -> None:
        try:
            seen = await self._runner.run(preview, self._api, plan, cancel=cancel)
        except asyncio.CancelledError:  # the app's Stop
            cancel.set()
            self._set_mode("check_failed", "Stopped checking. Nothing was changed.")
            raise
        except Exception as error:
            if cancel.is_set():
                return  # the user closed the dialog
            if not isinstance(error, SdxError):
                log.exception("Preview failed")
            text = str(error) if isinstance(error, SdxError) else UNEXPECTED
            self._set_mode("check_failed", f"Could not check the changes. {text}")
            return
        finally:
            if self._cancel is cancel:
                self._cancel = None
        if cancel.is_set():
            return
        self.preview_result = seen
        if lines is None:
            self._first = seen
            self.preview_table.set_rows(seen.rows)
            self._show_preview(seen)
            return
        forced = [row.index for row in seen.conflicts if row.index in force]
        await self._apply(seen, forced, lines)

    def _show_preview(self, seen: Preview) -> None:
        self.counts.setText(change_counts(seen.counts))
        self.force_check.setText(words.force_text(len(seen.conflicts)))
        self.force_check.setChecked(False)
        self.case_twins.setText(words.case_twins_text(seen.case_twins))
        self._set_mode("ready")

    def _to_send(self) -> int:
        assert self._first is not None
        forced = len(self._first.conflicts) if self.force_check.isChecked() else 0
        return self._first.writes + forced

    def _update_apply(self) -> None:
        count = self._to_send() if self._first is not None else 0
        self.apply_button.setText(f"Apply {many(count, 'change')}" if count else "Nothing to apply")
        self.apply_button.setAccessibleName(self.apply_button.text())
        self.apply_button.setEnabled(count > 0)
        offered = self.force_check.isVisibleTo(self)
        text = words.ready_text(count, self.model.rowCount(), conflicts_offered=offered)
        self.status_line.say(text)

    def _apply_clicked(self) -> None:
        if self._first is None or self._applying or not self._to_send():
            return
        forced = [r.index for r in self._first.conflicts] if self.force_check.isChecked() else []
        self._runner.spawn(self._apply(self._first, forced, None))

    def _apply(
        self, seen: Preview, force: list[int], lines: list[int] | None
    ) -> Coroutine[Any, Any, None]:
        """Show the progress at once; returns the coroutine that saves."""
        cancel = self._cancel = threading.Event()
        self.destroyed.connect(lambda *_: cancel.set())  # deleted, not closed: stop anyway
        self._applying = True
        self._set_mode("applying")
        progress = self.status_line.count(seen.writes + len(force), asyncio.get_running_loop())
        job = partial(apply, force=force, journal=self._recorder, progress=progress, cancel=cancel)
        return self._write(job, seen, lines, cancel)

    async def _write(
        self,
        job: Callable[..., JobReport],
        seen: Preview,
        lines: list[int] | None,
        cancel: threading.Event,
    ) -> None:
        work = asyncio.ensure_future(self._runner.run(job, self._api, seen))
        stopped_by_app = False
        try:
            try:
                report = await asyncio.shield(work)
            except asyncio.CancelledError:  # the app's Stop: stop sending, keep the answers
                stopped_by_app = True
                cancel.set()
                report = await work
        except Exception:
            log.exception("Saving failed")
            self._finish_apply(None, lines)
            self._set_mode("check_failed", UNEXPECTED)
            return
        finally:
            self._applying = False
            if self._cancel is cancel:
                self._cancel = None
        self._finish_apply(report, lines)
        if stopped_by_app:
            raise asyncio.CancelledError()

    def _finish_apply(self, report: JobReport | None, lines: Sequence[int] | None) -> None:
        if report is not None:
            self.report = report
            self.preview_table.set_results(
                {i if lines is None else lines[i]: r for i, r in enumerate(report.results)}
            )
            self._set_mode("done")
            self.applied.emit(report)
        if self._close_when_stopped:
            self._close_now()

    def _unfinished_lines(self) -> list[int]:
        return [
            line
            for line, r in enumerate(self.model.results)
            if r is not None and r.result in (Result.FAILED, Result.CANCELLED)
        ]

    def _retry_failed(self) -> None:
        results = self.model.results
        if self._first is None or self._applying or None in results:
            return
        report = line_report(self._first, [r for r in results if r is not None])
        plan = plans.retry_plan(report)
        if not plan.operations:  # what failed was overtaken by later rows of the plan
            self.retry_failed_button.hide()
            self.status_line.say("Nothing to send again: later rows already saved those keys.")
            return
        lines = lines_of(plan, report)
        # Conflicts the user chose to write stay chosen.
        force = frozenset(
            i for i, line in enumerate(lines) if report.results[line].row.change is Change.CONFLICT
        )
        self._check(plan, lines, force)

    @property
    def applying(self) -> bool:
        """Whether changes are being sent (closing now waits for them to stop)."""
        return self._applying

    def stop(self) -> None:
        """Stop sending (the rows already answered stay as they are)."""
        if self._cancel is not None:
            self._cancel.set()
        if self._applying:
            self.cancel_button.setEnabled(False)
            self.status_line.hold("Stopping: waiting for the answers to the changes already sent…")

    def _cancel_clicked(self) -> None:
        if self._applying:
            self.stop()
        else:
            self.reject()

    def reject(self) -> None:
        if self._applying:  # stop first; close once the last answer is in
            self._close_when_stopped = True
            self.stop()
            return
        if self._cancel is not None:
            self._cancel.set()
        self._close_now()

    def _close_now(self) -> None:
        self._close_when_stopped = False
        self.done(QDialog.DialogCode.Accepted if self.report else QDialog.DialogCode.Rejected)

    # --- showing --------------------------------------------------------------------------

    def _set_mode(self, mode: str, text: str = "") -> None:
        has_rows = self.model.rowCount() > 0
        done = self.model.has_results
        self.counts.setVisible(self._first is not None)
        self.result_counts.setVisible(done)
        self.case_twins.setVisible(mode == "ready" and bool(self.case_twins.text()))
        self.preview_table.setVisible(has_rows)
        self.force_check.setVisible(
            mode == "ready" and self._first is not None and bool(self._first.conflicts)
        )
        self.retry_button.setVisible(mode == "check_failed")
        self.retry_failed_button.setVisible(mode == "done" and bool(self._unfinished_lines()))
        for button in (self.copy_button, self.save_button):
            button.setVisible(done and mode in ("done", "check_failed"))
        self.apply_button.setVisible(mode == "ready")
        self.cancel_button.setVisible(mode in ("checking", "ready", "applying"))
        self.cancel_button.setEnabled(True)
        self.close_button.setVisible(mode in ("done", "check_failed", "empty"))
        if mode == "empty":
            text = "Nothing to change."
        if mode == "done":
            assert self.report is not None
            counts = Counter(r.result for r in self.model.results if r is not None)
            self.result_counts.setText("Result: " + result_counts(counts))
            unfinished = [self.model.result(line) for line in self._unfinished_lines()]
            text = words.done_text([r for r in unfinished if r is not None])
        if mode == "checking":
            self.status_line.busy(text)
        elif mode == "ready":
            self._update_apply()  # says what Apply will do
        elif mode != "applying":
            self.status_line.say(text, error=mode == "check_failed")
        buttons = {"ready": self.apply_button, "check_failed": self.retry_button}
        default = buttons.get(mode, self.close_button if mode in ("done", "empty") else None)
        if default is not None:
            default.setDefault(True)
            default.setFocus()

    # --- results out ----------------------------------------------------------------------

    def copy_results(self) -> None:
        QApplication.clipboard().setText(self.preview_table.results_text())
        self.status_line.say(f"Copied {many(self.model.rowCount(), 'row')} to the clipboard.")

    def choose_save_path(self) -> str | None:
        """Ask where to save the results (tests replace this)."""
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        name = f"sdx-results-{datetime.now():%Y-%m-%d-%H%M}.csv"
        path, _ = QFileDialog.getSaveFileName(
            self, "Save results", str(Path(folder) / name), "Spreadsheet (CSV) (*.csv)"
        )
        return path or None

    def save_results(self) -> None:
        path = self.choose_save_path()
        if path:
            self._runner.spawn(self._save(Path(path)))

    async def _save(self, path: Path) -> None:
        if not path.suffix:
            path = path.with_suffix(".csv")
        rows = self.model.export_rows()
        try:
            await self._runner.run(write_csv, path, rows)
        except OSError as error:
            reason = error.strerror or str(error)
            self.status_line.say(
                f"Could not save {path.name}: {reason}. Try another folder.", error=True
            )
            return
        self.status_line.say(f"Saved the results to {path}.")

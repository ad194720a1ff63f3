"""Parts of the preview dialog: the list (a "Show" choice, a text filter and the table,
plus the results as text for the clipboard or a CSV file) and the status line with its
progress bar, fed from worker threads."""

from __future__ import annotations

import asyncio
import csv
import io
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from sdx_desktop.domain.operations import Change, Planned, Result, RowResult

from .colours import ERROR, tint
from .keys import clear_on_escape
from .layout import compact_rows, named
from .preview_model import (
    CHANGE_WORDS,
    RESULT_WORDS,
    Kind,
    PreviewFilterProxy,
    PreviewTableModel,
)

#: Shortest time between two repaints of the progress while saving.
PAINT_MS = 50
STOP_HINT = "(Cancel stops sending the rest; what is already saved stays saved.)"
#: Starting widths of What, Interaction, Key, Current value, New value, Note.
COLUMN_WIDTHS = (90, 90, 120, 160, 160, 220)


class PreviewTable(QWidget):
    """One line per operation; which lines show is chosen with :attr:`show_combo`
    (all, one kind of change, or one kind of result) and :attr:`filter_edit`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = PreviewTableModel(self)
        self.proxy = PreviewFilterProxy(self.model, self)
        self._kinds: list[Kind] = []

        self.show_combo = named(QComboBox(), "previewShowCombo")
        self.show_combo.setAccessibleName("Show")
        self.show_combo.view().setAccessibleName("Show")
        self.show_combo.currentIndexChanged.connect(self._kind_chosen)
        self.filter_edit = named(QLineEdit(clearButtonEnabled=True), "previewFilterEdit")
        self.filter_edit.setPlaceholderText("Filter by interaction, key or value")
        self.filter_edit.setAccessibleName("Filter the list")
        clear_on_escape(self.filter_edit)
        self.filter_edit.textChanged.connect(self.proxy.set_text)

        view = self.view = named(QTableView(), "previewTable")
        view.setAccessibleName("Changes")
        view.setModel(self.proxy)
        view.setSortingEnabled(True)
        view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # plan order until a header click
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setWordWrap(False)
        compact_rows(view)
        for column, width in enumerate(COLUMN_WIDTHS):
            view.setColumnWidth(column, width)
        view.horizontalHeader().setStretchLastSection(True)
        view.setColumnHidden(PreviewTableModel.RESULT, True)

        show_label = QLabel("&Show:")
        show_label.setBuddy(self.show_combo)
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(show_label)
        bar.addWidget(self.show_combo)
        bar.addWidget(self.filter_edit, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(view, 1)

    def set_rows(self, rows: Sequence[Planned]) -> None:
        self.model.set_rows(rows)
        self._refresh()

    def set_results(self, results: dict[int, RowResult]) -> None:
        """Results by line; the Result column appears with the first ones."""
        self.model.set_results(results)
        self._refresh()

    def _refresh(self) -> None:
        self.view.setColumnHidden(PreviewTableModel.RESULT, not self.model.has_results)
        self.fill_show_combo()

    def fill_show_combo(self) -> None:
        """ "All (n)", each kind of change present, then each kind of result present."""
        index = self.show_combo.currentIndex()
        current = self._kinds[index] if 0 <= index < len(self._kinds) else None
        model = self.model
        changes = Counter(model.planned(line).change for line in range(model.rowCount()))
        results = Counter(r.result for r in model.results if r is not None)
        choices: list[tuple[Kind, str]] = [(None, f"All ({model.rowCount():,})")]
        choices += [(c, f"{CHANGE_WORDS[c]} ({changes[c]:,})") for c in Change if changes[c]]
        choices += [
            (r, f"Result: {RESULT_WORDS[r]} ({results[r]:,})") for r in Result if results[r]
        ]
        self._kinds = [kind for kind, _label in choices]
        self.show_combo.blockSignals(True)
        self.show_combo.clear()
        self.show_combo.addItems([label for _kind, label in choices])
        self.show_combo.setCurrentIndex(self._kinds.index(current) if current in self._kinds else 0)
        self.show_combo.blockSignals(False)
        self._kind_chosen(self.show_combo.currentIndex())

    def _kind_chosen(self, index: int) -> None:
        if 0 <= index < len(self._kinds):
            self.proxy.set_kind(self._kinds[index])

    def results_text(self, delimiter: str = "\t") -> str:
        """Every line with a header (not only those shown), e.g. to paste into a sheet."""
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(
            self.model.export_rows()
        )
        return buffer.getvalue()


class StatusLine(QWidget):
    """A line of text ("Checking…", "Saving 37 of 150…", what went wrong) over a progress
    bar. The engine reports progress on worker threads: :meth:`progress_callback` hands
    each report to the UI thread and repaints at most every :data:`PAINT_MS` ms."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = named(QLabel(wordWrap=True), "previewStatus")
        self.bar = named(QProgressBar(textVisible=False), "previewProgress")
        self.bar.setAccessibleName("Progress")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        self._latest = (0, 0)
        self._posted = False
        self._counting = False
        self._timer = QTimer(self, singleShot=True, interval=PAINT_MS)
        self._timer.timeout.connect(self._paint)

    def say(self, text: str, *, error: bool = False) -> None:
        """Show ``text`` (in the error colour when ``error``) with no progress bar."""
        self._counting = False
        self.bar.hide()
        self._show(text, error)

    def busy(self, text: str) -> None:
        self.say(text)
        self.bar.setRange(0, 0)
        self.bar.show()

    def count(self, total: int, loop: asyncio.AbstractEventLoop) -> Callable[[int, int], None]:
        """Show "Saving 0 of ``total``…"; returns the callback for the engine's progress
        (safe to call from any thread)."""
        self._latest = (0, total)
        self._counting = True
        self.bar.show()
        self._paint()

        def progress(done: int, total: int) -> None:  # on worker threads
            self._latest = (done, total)
            if not self._posted:
                self._posted = True
                loop.call_soon_threadsafe(self._arrived)

        return progress

    def hold(self, text: str) -> None:
        """Keep the bar where it is and show ``text`` instead of the count."""
        self._counting = False
        self._show(text, False)

    def _arrived(self) -> None:
        self._posted = False
        if shiboken6.isValid(self._timer) and not self._timer.isActive():
            self._timer.start()

    def _paint(self) -> None:
        done, total = self._latest
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(done)
        if self._counting:
            self._show(f"Saving {done:,} of {total:,}… {STOP_HINT}", False)

    def _show(self, text: str, error: bool) -> None:
        tint(self.label, ERROR if error else None)
        self.label.setText(text)
        self.label.setVisible(bool(text))
        self.setVisible(bool(text) or self.bar.isVisibleTo(self))


def write_csv(path: Path, rows: Sequence[Sequence[str]]) -> None:
    """Write ``rows`` as CSV in UTF-8 with a byte order mark, so that Excel shows accents
    and symbols correctly."""
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        csv.writer(file).writerows(rows)

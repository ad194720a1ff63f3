"""The rows of a preview (what each change would do) and, after saving, what it did.

:class:`PreviewTableModel` holds one line per operation of a plan, in plan order, with the
engine's classification (:class:`~sdx_desktop.domain.operations.Planned`) and, once the
plan was applied, its :class:`~sdx_desktop.domain.operations.RowResult`.
:class:`PreviewFilterProxy` is the "Show" and text filter over it. The words staff see
for each kind of change and result live here too, so the table, the counts line and the
copied or saved results all say the same thing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, ClassVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor

from sdx_desktop.domain.operations import (
    Change,
    DeleteTag,
    JobReport,
    Plan,
    Planned,
    Preview,
    Result,
    RowResult,
)

from .colours import ERROR_IN_TABLE, colour
from .layout import change_row_filter
from .paged_model import ObjectRole, SortRole

Index = QModelIndex | QPersistentModelIndex

#: Characters of a value shown in a cell; the tooltip has the rest.
CELL_LIMIT = 60
TOOLTIP_LIMIT = 2000

CHANGE_WORDS: dict[Change, str] = {
    Change.CREATE: "Create",
    Change.OVERWRITE: "Overwrite",
    Change.UNCHANGED: "Unchanged",
    Change.DELETE: "Delete",
    Change.CONFLICT: "Conflict",
    Change.INVALID: "Not valid",
    Change.MISSING: "Missing",
}
RESULT_WORDS: dict[Result, str] = {
    Result.DONE: "Done",
    Result.UNCHANGED: "Unchanged",
    Result.SKIPPED: "Skipped",
    Result.FAILED: "Failed",
    Result.CANCELLED: "Cancelled",
}
#: How each kind is counted in the line above the table ("120 to create · 2 conflicts").
_CHANGE_COUNTS: dict[Change, tuple[str, str]] = {
    Change.CREATE: ("to create", "to create"),
    Change.OVERWRITE: ("to overwrite", "to overwrite"),
    Change.UNCHANGED: ("unchanged", "unchanged"),
    Change.DELETE: ("to delete", "to delete"),
    Change.CONFLICT: ("conflict", "conflicts"),
    Change.INVALID: ("not valid", "not valid"),
    Change.MISSING: ("missing", "missing"),
}
_RESULT_COUNTS: dict[Result, str] = {
    Result.DONE: "done",
    Result.UNCHANGED: "unchanged",
    Result.SKIPPED: "skipped",
    Result.FAILED: "failed",
    Result.CANCELLED: "cancelled",
}
_NEWLINES = str.maketrans({"\r": " ", "\n": " ↵ ", "\u2028": " ↵ ", "\u2029": " ↵ ", "\t": " "})


def change_counts(counts: Counter[Change]) -> str:
    parts = []
    for change, (one, many) in _CHANGE_COUNTS.items():
        if counts[change]:
            parts.append(f"{counts[change]:,} {one if counts[change] == 1 else many}")
    return " · ".join(parts)


def result_counts(counts: Counter[Result]) -> str:
    return " · ".join(f"{counts[r]:,} {word}" for r, word in _RESULT_COUNTS.items() if counts[r])


def many(count: int, one: str, other: str | None = None) -> str:
    return f"{count:,} {one if count == 1 else (other or one + 's')}"


def force_text(conflicts: int) -> str:
    rows = "the conflicting row" if conflicts == 1 else f"the {conflicts:,} conflicting rows"
    return f"Also write {rows} (replaces someone else's change)"


def case_twins_text(twins: Sequence[Planned]) -> str:
    if not twins:
        return ""
    new = "new key" if len(twins) == 1 else "new keys"
    return (
        f"Careful: {len(twins):,} {new} would differ from an existing key only by case "
        f"(for example “{twins[0].key}” beside “{twins[0].case_twin}”). "
        "Keys are case-sensitive, so both would exist."
    )


def ready_text(to_send: int, rows: int, *, conflicts_offered: bool) -> str:
    """Under the preview: what Apply will do."""
    if to_send == 0:
        if conflicts_offered:
            return "Nothing will be saved unless you tick the box above."
        return "Nothing to save: see the Note column."
    if to_send == rows:
        return "Nothing has been saved yet. Check the list, then click Apply."
    return (
        f"Nothing has been saved yet. Apply saves {many(to_send, 'row')}; "
        f"the other {rows - to_send:,} stay as they are."
    )


def done_text(unfinished: Sequence[RowResult]) -> str:
    """Under the results: what was not saved, why, and what to do about it."""
    if not unfinished:
        return "Finished."
    rows = "1 change was" if len(unfinished) == 1 else f"{len(unfinished):,} changes were"
    kinds = {r.result for r in unfinished}
    where = " or ".join(f"“Result: {RESULT_WORDS[k]}”" for k in Result if k in kinds)
    reasons = list(dict.fromkeys(r.error.message for r in unfinished if r.error))
    why = ""
    if reasons:
        why = f" {reasons[0]}" if len(reasons) == 1 else f" For example: {reasons[0]}"
    return (
        f"{rows} not saved.{why} To list them, choose {where} under Show. "
        "“Retry failed” sends them again."
    )


def one_line(value: str, limit: int = CELL_LIMIT) -> str:
    """A value on one line (line breaks shown as ↵), shortened with an ellipsis."""
    if value == "":
        return "(empty)"
    shown = value.translate(_NEWLINES)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def _full(value: str | None) -> str | None:
    if not value:
        return None
    return value if len(value) <= TOOLTIP_LIMIT else value[:TOOLTIP_LIMIT] + " …"


def note(row: Planned) -> str:
    """The Note column: why a row is a conflict, not valid or missing; a case twin."""
    if row.case_twin and row.change is Change.CREATE:
        return f"A key “{row.case_twin}” already exists that differs only by case"
    return row.reason[:1].upper() + row.reason[1:]


def result_text(result: RowResult | None, *, full: bool = False) -> str:
    if result is None:
        return ""
    word = RESULT_WORDS[result.result]
    if result.result is Result.FAILED:
        error = result.error
        why = (str(error) if full else error.message) if error is not None else result.message
        return f"{word}: {why}" if why else word
    if result.result is Result.CANCELLED:
        return f"{word} (not sent)" if full else word
    if result.message and result.message != result.row.reason:
        return f"{word} ({result.message})"
    return word


def error_colour() -> QColor:
    """The app's error red for a table cell, readable in a light or a dark theme."""
    return colour(ERROR_IN_TABLE)


class PreviewTableModel(QAbstractTableModel):
    """One line per operation of a plan (plan order), with its result once applied."""

    WHAT, INTERACTION, KEY, CURRENT, NEW, NOTE, RESULT = range(7)
    COLUMNS: ClassVar[tuple[str, ...]] = (
        "What",
        "Interaction",
        "Key",
        "Current value",
        "New value",
        "Note",
        "Result",
    )

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Planned] = []
        self._results: list[RowResult | None] = []

    # --- contents ---------------------------------------------------------------------

    def set_rows(self, rows: Sequence[Planned]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._results = [None] * len(self._rows)
        self.endResetModel()

    def set_results(self, results: dict[int, RowResult]) -> None:
        """Results by line number; lines not mentioned keep theirs."""
        if not results:
            return
        for line, result in results.items():
            self._results[line] = result
        top, bottom = min(results), max(results)
        self.dataChanged.emit(self.index(top, 0), self.index(bottom, self.RESULT))

    def planned(self, line: int) -> Planned:
        return self._rows[line]

    def result(self, line: int) -> RowResult | None:
        return self._results[line]

    @property
    def results(self) -> list[RowResult | None]:
        return list(self._results)

    @property
    def has_results(self) -> bool:
        return any(r is not None for r in self._results)

    def export_rows(self) -> list[list[str]]:
        """Every line, full values, with a header line: for Copy and Save results."""
        lines = [list(self.COLUMNS)]
        for row, result in zip(self._rows, self._results, strict=True):
            lines.append(
                [
                    CHANGE_WORDS[row.change],
                    str(row.interaction_id),
                    row.key,
                    row.old_value or "",
                    row.new_value or "",
                    note(row),
                    result_text(result, full=True),
                ]
            )
        return lines

    # --- Qt -----------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.COLUMNS)
        ):
            return self.COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row, column = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, self._results[index.row()], column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, self._results[index.row()], column)
        if role == ObjectRole:
            return row
        if role == SortRole:
            return self._sort_value(row, self._results[index.row()], column)
        if role == Qt.ItemDataRole.ForegroundRole:
            result = self._results[index.row()]
            if (column == self.WHAT and row.change in (Change.CONFLICT, Change.INVALID)) or (
                column == self.RESULT and result is not None and result.result is Result.FAILED
            ):
                return error_colour()
        return None

    def _display(self, row: Planned, result: RowResult | None, column: int) -> str:
        if column == self.WHAT:
            return CHANGE_WORDS[row.change]
        if column == self.INTERACTION:
            return f"#{row.interaction_id}"
        if column == self.KEY:
            return one_line(row.key)
        if column == self.CURRENT:
            return "—" if row.old_value is None else one_line(row.old_value)
        if column == self.NEW:
            if isinstance(row.op, DeleteTag):
                return "(deleted)"
            return "—" if row.new_value is None else one_line(row.new_value)
        if column == self.NOTE:
            return note(row)
        if column == self.RESULT:
            return result_text(result)
        return ""

    def _tooltip(self, row: Planned, result: RowResult | None, column: int) -> str | None:
        if column == self.KEY:
            return _full(row.key)
        if column == self.CURRENT:
            return _full(row.old_value)
        if column == self.NEW:
            return _full(row.new_value)
        if column == self.NOTE:
            return note(row) or None
        if column == self.RESULT:
            return result_text(result, full=True) or None
        return None

    def _sort_value(self, row: Planned, result: RowResult | None, column: int) -> Any:
        if column == self.WHAT:
            return list(Change).index(row.change)
        if column == self.INTERACTION:
            return row.interaction_id
        if column == self.RESULT:
            return -1 if result is None else list(Result).index(result.result)
        return self._display(row, result, column).casefold()


def line_report(first: Preview, latest: Sequence[RowResult]) -> JobReport:
    """The table as one report in line order (each row's latest result, its index made
    its line), which is what :func:`~sdx_desktop.domain.plans.retry_plan` reads."""
    return JobReport(
        first,
        tuple(replace(r, row=replace(r.row, index=line)) for line, r in enumerate(latest)),
    )


def lines_of(plan: Plan, report: JobReport) -> list[int]:
    """The table line of each operation of ``plan``, a retry plan of ``report``: the same
    operation, in line order (a retried rename's delete is a copy holding the same tag)."""
    lines: list[int] = []
    start = 0
    for op in plan.operations:
        for line in range(start, len(report.results)):
            old = report.results[line].row.op
            if old is op or (
                isinstance(op, DeleteTag) and isinstance(old, DeleteTag) and old.tag is op.tag
            ):
                lines.append(line)
                start = line + 1
                break
        else:
            raise ValueError(f"operation {op!r} is not a row of the table")
    return lines


Kind = Change | Result | None


class PreviewFilterProxy(QSortFilterProxyModel):
    """Shows one kind of change or result (or all), and lines whose interaction, key or
    values contain the filter text (case-insensitive)."""

    def __init__(self, model: PreviewTableModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._kind: Kind = None
        self._needle = ""
        self.setSourceModel(model)
        self.setSortRole(SortRole)

    def set_kind(self, kind: Kind) -> None:
        change_row_filter(self, lambda: setattr(self, "_kind", kind))

    def set_text(self, text: str) -> None:
        change_row_filter(self, lambda: setattr(self, "_needle", text.strip().casefold()))

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        if source_parent.isValid():
            return False
        row = self._model.planned(source_row)
        kind = self._kind
        if isinstance(kind, Change) and row.change is not kind:
            return False
        if isinstance(kind, Result):
            result = self._model.result(source_row)
            if result is None or result.result is not kind:
                return False
        needle = self._needle
        if not needle:
            return True
        haystack = (f"#{row.interaction_id}", row.key, row.old_value or "", row.new_value or "")
        return any(needle in text.casefold() for text in haystack)

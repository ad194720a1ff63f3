"""The change history as staff read it: a table model over journal entries, the plain
words for each change and outcome, the filter query and the CSV audit trail.

Everything except :class:`HistoryTableModel` is free of widgets and runs on a worker
thread (reading the journal, writing the CSV).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, ClassVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QFont

from sdx_desktop.domain.history import NOT_REACHED
from sdx_desktop.journal import Action, Entry, Journal, Outcome, Where

from .colours import HINT_IN_TABLE, colour
from .paged_model import ObjectRole, SortRole

Index = QModelIndex | QPersistentModelIndex

#: How the journal writes times (always UTC).
JOURNAL_TIME = "%Y-%m-%d %H:%M:%S"
#: What ``settle`` writes for a change Survey Dynamix does not hold: still to decide on
#: (send again or discard). After "Send again" the detail becomes :data:`SENT_AGAIN`.
SENT_AGAIN = "sent again"

VALUE_LIMIT = 40
TOOLTIP_LIMIT = 2000


# --- plain words ---------------------------------------------------------------------


def local_time(at: str) -> datetime:
    """A journal time (UTC text) as this computer's local time."""
    return datetime.strptime(at, JOURNAL_TIME).replace(tzinfo=UTC).astimezone()


def readable_time(at: str, today: date | None = None) -> str:
    """Local time as "Today, 14:03", "Yesterday, 09:12" or "5 Jan 2026, 14:03"."""
    try:
        moment = local_time(at)
    except ValueError:
        return at
    today = today or datetime.now().astimezone().date()
    clock = f"{moment:%H:%M}"
    if moment.date() == today:
        return f"Today, {clock}"
    if moment.date() == today - timedelta(days=1):
        return f"Yesterday, {clock}"
    return f"{moment.day} {moment:%b %Y}, {clock}"


def full_time(at: str) -> str:
    try:
        moment = local_time(at)
    except ValueError:
        return at
    return f"{moment.day} {moment:%B %Y}, {moment:%H:%M:%S}"


def shown_value(value: str | None, limit: int = VALUE_LIMIT) -> str:
    """A value on one line, shortened, with an empty value made visible."""
    if value is None or value == "":
        return "(empty)"
    one_line = " ".join(value.splitlines()) if "\n" in value or "\r" in value else value
    return one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"


def describe_change(entry: Entry, limit: int = VALUE_LIMIT) -> str:
    """In plain words: "Set GOLD → PLATINUM", "Added tier = GOLD", "Deleted tier (was GOLD)"."""
    if entry.action is Action.SET:
        if entry.old_value is None:
            return f"Added {entry.key} = {shown_value(entry.new_value, limit)}"
        return f"Set {shown_value(entry.old_value, limit)} → {shown_value(entry.new_value, limit)}"
    if entry.old_value is None:
        return f"Deleted {entry.key}"
    return f"Deleted {entry.key} (was {shown_value(entry.old_value, limit)})"


OUTCOME_WORDS = {
    Outcome.DONE: "Done",
    Outcome.FAILED: "Failed",
    Outcome.PENDING: "Not confirmed",
    Outcome.NOT_APPLIED: "Did not reach Survey Dynamix",
    Outcome.DISCARDED: "Discarded",
}


#: Outcomes shown in bold: something did not happen, or is not known to have happened.
WARN = frozenset({Outcome.FAILED, Outcome.PENDING, Outcome.NOT_APPLIED})


def describe_outcome(entry: Entry) -> str:
    """In plain words: "Done", "Failed: <why>", "Not confirmed", "Discarded", …"""
    words = OUTCOME_WORDS[entry.outcome]
    detail = entry.detail.strip()
    if entry.outcome is Outcome.FAILED:
        return f"{words}: {detail}" if detail else words
    if not detail or detail == NOT_REACHED:
        return words
    return f"{words} ({detail})"


def survey_text(survey_id: int | None) -> str:
    return "" if survey_id is None else f"#{survey_id}"


def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


# --- which entries -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HistoryQuery:
    """The filters of the History window. Dates are this computer's calendar days."""

    survey_id: int | None = None
    interaction_id: int | None = None
    key: str | None = None
    first_day: date | None = None
    last_day: date | None = None

    @property
    def filtered(self) -> bool:
        return any(
            v is not None
            for v in (self.survey_id, self.interaction_id, self.key, self.first_day, self.last_day)
        )

    def _bounds(self) -> tuple[str | None, str | None]:
        """The UTC journal times of the first and last moment of the chosen days."""
        start = end = None
        if self.first_day is not None:
            local = datetime.combine(self.first_day, time.min).astimezone()
            start = local.astimezone(UTC).strftime(JOURNAL_TIME)
        if self.last_day is not None:
            local = datetime.combine(self.last_day, time(23, 59, 59)).astimezone()
            end = local.astimezone(UTC).strftime(JOURNAL_TIME)
        return start, end

    def read(self, journal: Journal, where: Where, limit: int | None = None) -> list[Entry]:
        """The matching entries, newest first (blocking: call it on a worker)."""
        start, end = self._bounds()
        if start is None and end is None:
            return journal.history(
                where,
                survey_id=self.survey_id,
                interaction_id=self.interaction_id,
                key=self.key,
                limit=limit,
            )
        # The journal filters by UTC day; local days straddle two of them, so ask for
        # whole UTC days and keep the exact local range here.
        rows = journal.history(
            where,
            survey_id=self.survey_id,
            interaction_id=self.interaction_id,
            key=self.key,
            since=None if start is None else start[:10],
            until=None if end is None else end[:10],
        )
        kept = [
            e for e in rows if (start is None or e.at >= start) and (end is None or e.at <= end)
        ]
        return kept if limit is None else kept[:limit]


# --- the CSV audit trail -------------------------------------------------------------

CSV_HEADER = (
    "When (UTC)",
    "When (this computer's time)",
    "Survey",
    "Interaction",
    "Key",
    "Action",
    "Old value",
    "New value",
    "Change",
    "Outcome",
    "Details",
    "Job",
    "Job number",
    "Change number",
)


def csv_row(entry: Entry) -> list[str]:
    try:
        local = local_time(entry.at).strftime(JOURNAL_TIME)
    except ValueError:
        local = ""
    return [
        entry.at,
        local,
        "" if entry.survey_id is None else str(entry.survey_id),
        str(entry.interaction_id),
        entry.key,
        "Set" if entry.action is Action.SET else "Delete",
        "" if entry.old_value is None else entry.old_value,
        "" if entry.new_value is None else entry.new_value,
        describe_change(entry, limit=10**9),
        OUTCOME_WORDS[entry.outcome],
        entry.detail,
        entry.job_summary,
        str(entry.job_id),
        str(entry.id),
    ]


def write_csv(path: Path, entries: Sequence[Entry]) -> int:
    """Write ``entries`` as an audit trail (UTF-8 with BOM, so spreadsheet programs read
    the accents right; values exactly as sent). Returns how many rows were written."""
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(CSV_HEADER)
        writer.writerows(csv_row(e) for e in entries)
    return len(entries)


def export_history(journal: Journal, where: Where, query: HistoryQuery, path: Path) -> int:
    """Read every entry matching ``query`` (no display limit) and write them to ``path``."""
    return write_csv(path, query.read(journal, where))


# --- the table -----------------------------------------------------------------------


class HistoryTableModel(QAbstractTableModel):
    """Journal entries, one per row; sorted here (the proxy-free way the tag table
    sorts), newest first by default."""

    WHEN, SURVEY, INTERACTION, KEY, CHANGE, OUTCOME, JOB = range(7)
    COLUMNS: ClassVar[tuple[str, ...]] = (
        "When",
        "Survey",
        "Interaction",
        "Key",
        "Change",
        "Outcome",
        "Job",
    )

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Entry] = []
        self._sort_column = self.WHEN
        self._sort_order = Qt.SortOrder.DescendingOrder

    # --- contents ----------------------------------------------------------------

    @property
    def entries(self) -> Sequence[Entry]:
        return self._rows

    def entry(self, row: int) -> Entry | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def set_entries(self, entries: Sequence[Entry]) -> None:
        self.beginResetModel()
        self._rows = list(entries)
        self._sort_rows()
        self.endResetModel()

    def replace_entries(self, entries: Sequence[Entry]) -> None:
        """Show new versions of entries already listed (same ids), keeping rows."""
        by_id = {e.id: e for e in entries}
        for row, old in enumerate(self._rows):
            new = by_id.get(old.id)
            if new is not None and new != old:
                self._rows[row] = new
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.COLUMNS) - 1))

    # --- Qt model API ------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.COLUMNS)
        ):
            return self.COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        entry = self.entry(index.row())
        if entry is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.display(entry, column)
        if role == ObjectRole:
            return entry
        if role == SortRole:
            return self.sort_value(entry, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(entry, column)
        if role == Qt.ItemDataRole.FontRole and column == self.OUTCOME and entry.outcome in WARN:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and entry.outcome is Outcome.DISCARDED:
            # Dimmed with the theme's own colour, so it stays readable in dark mode.
            return colour(HINT_IN_TABLE)
        return None

    def display(self, entry: Entry, column: int) -> str:
        if column == self.WHEN:
            return readable_time(entry.at)
        if column == self.SURVEY:
            return survey_text(entry.survey_id)
        if column == self.INTERACTION:
            return f"#{entry.interaction_id}"
        if column == self.KEY:
            return entry.key
        if column == self.CHANGE:
            return describe_change(entry)
        if column == self.OUTCOME:
            return describe_outcome(entry)
        if column == self.JOB:
            return entry.job_summary
        return ""

    def sort_value(self, entry: Entry, column: int) -> Any:
        if column == self.WHEN:
            return entry.id  # the order changes were made in
        if column == self.SURVEY:
            return (entry.survey_id is None, entry.survey_id or 0, entry.id)
        if column == self.INTERACTION:
            return (entry.interaction_id, entry.id)
        if column == self.JOB:
            return (entry.job_id, entry.seq)
        return (self.display(entry, column).casefold(), entry.id)

    def tooltip(self, entry: Entry, column: int) -> str | None:
        if column == self.WHEN:
            return full_time(entry.at) + " (this computer's time)"
        if column == self.CHANGE:
            text = describe_change(entry, limit=TOOLTIP_LIMIT)
            return text if len(text) <= TOOLTIP_LIMIT else text[:TOOLTIP_LIMIT] + " …"
        if column in (self.OUTCOME, self.JOB):
            return self.display(entry, column) or None
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.COLUMNS):
            column, order = self.WHEN, Qt.SortOrder.DescendingOrder
        self._sort_column, self._sort_order = column, order
        self.layoutAboutToBeChanged.emit()
        before = self.persistentIndexList()
        ids = [self._rows[i.row()].id if i.isValid() else None for i in before]
        self._sort_rows()
        row_of = {e.id: row for row, e in enumerate(self._rows)}
        after = [
            QModelIndex() if entry_id is None else self.index(row_of[entry_id], old.column())
            for entry_id, old in zip(ids, before, strict=True)
        ]
        self.changePersistentIndexList(before, after)
        self.layoutChanged.emit()

    def _sort_rows(self) -> None:
        column = self._sort_column
        self._rows.sort(
            key=lambda e: self.sort_value(e, column),
            reverse=self._sort_order == Qt.SortOrder.DescendingOrder,
        )

"""The filter bar of the History window: survey, interaction, key and a date range."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, QRegularExpression, QTimer, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from .history_model import HistoryQuery
from .keys import clear_on_escape
from .layout import named

#: Typing in a filter re-reads the list once the typing pauses this long (ms).
FILTER_DELAY_MS = 300


def wrapped(label: QLabel) -> QLabel:
    label.setWordWrap(True)
    return label


class HistoryFilterBar(QWidget):
    """Emits :attr:`changed` once the user stops changing the filters for a moment."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("historyFilters")
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(FILTER_DELAY_MS)
        self._timer.timeout.connect(self.changed)
        number = QRegularExpressionValidator(QRegularExpression(r"\s*#?\s*\d{0,18}\s*"), self)

        def edit(name: str, placeholder: str, accessible: str, width: int) -> QLineEdit:
            field = named(QLineEdit(), name)
            field.setPlaceholderText(placeholder)
            field.setAccessibleName(accessible)
            field.setClearButtonEnabled(True)
            clear_on_escape(field)
            field.setMaximumWidth(width)
            field.textChanged.connect(self._changed)
            return field

        self.survey_filter = edit("historySurveyFilter", "Survey number", "Filter by survey", 150)
        self.survey_filter.setValidator(number)
        self.interaction_filter = edit(
            "historyInteractionFilter", "Interaction number", "Filter by interaction", 170
        )
        self.interaction_filter.setValidator(number)
        self.key_filter = edit("historyKeyFilter", "Key, e.g. tier", "Filter by key", 200)
        self.key_filter.setToolTip("The whole key, exactly: “Tier” and “tier” are different keys.")

        today = QDate.currentDate()
        self.from_check = named(QCheckBox("From"), "historyFromCheck")
        self.from_check.setAccessibleName("Only changes from a date")
        self.from_date = named(QDateEdit(today.addDays(-30)), "historyFromDate")
        self.from_date.setAccessibleName("From date")
        self.to_check = named(QCheckBox("to"), "historyToCheck")
        self.to_check.setAccessibleName("Only changes up to a date")
        self.to_date = named(QDateEdit(today), "historyToDate")
        self.to_date.setAccessibleName("To date")
        for check, day in ((self.from_check, self.from_date), (self.to_check, self.to_date)):
            day.setCalendarPopup(True)
            day.setDisplayFormat("d MMM yyyy")
            day.setEnabled(False)
            check.toggled.connect(day.setEnabled)
            check.toggled.connect(self._changed)
            day.dateChanged.connect(self._changed)

        self.clear_button = named(QPushButton("Show all"), "clearFiltersButton")
        self.clear_button.setAccessibleName("Show all changes (clear the filters)")
        self.clear_button.setToolTip("Clear the filters")

        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Show:"))
        for widget in (
            self.survey_filter,
            self.interaction_filter,
            self.key_filter,
            self.from_check,
            self.from_date,
            self.to_check,
            self.to_date,
            self.clear_button,
        ):
            row.addWidget(widget)
        row.addStretch(1)

    def query(self) -> HistoryQuery:
        """What the filters ask for."""
        return HistoryQuery(
            survey_id=_number(self.survey_filter.text()),
            interaction_id=_number(self.interaction_filter.text()),
            key=self.key_filter.text().strip() or None,
            first_day=_day(self.from_date.date()) if self.from_check.isChecked() else None,
            last_day=_day(self.to_date.date()) if self.to_check.isChecked() else None,
        )

    def clear(self) -> None:
        """Back to every change (emits :attr:`changed` after the pause; see settle)."""
        for field in (self.survey_filter, self.interaction_filter, self.key_filter):
            field.clear()
        self.from_check.setChecked(False)
        self.to_check.setChecked(False)

    def settle(self) -> None:
        """Forget a pending :attr:`changed` (the caller reads the filters now)."""
        self._timer.stop()

    def _changed(self) -> None:
        self._timer.start()


def _number(text: str) -> int | None:
    digits = text.replace("#", "").strip()
    return int(digits) if digits else None


def _day(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


__all__ = ["FILTER_DELAY_MS", "HistoryFilterBar", "named", "wrapped"]

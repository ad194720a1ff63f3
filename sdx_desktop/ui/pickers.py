"""The left-hand pickers: surveys (here), then the interactions of the chosen survey
(:mod:`sdx_desktop.ui.interaction_picker`), and the filter both use on loaded rows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QLineEdit,
    QListView,
    QVBoxLayout,
    QWidget,
)

from sdx_desktop.api.models import Survey

from .colours import HINT, tint
from .keys import clear_on_escape
from .layout import change_row_filter, named
from .paged_model import ObjectRole, PagedTableModel
from .state_bar import LoadStateBar
from .tasks import TaskRunner
from .wording import phone_matches

if TYPE_CHECKING:
    from sdx_desktop.api.client import SdxClient


class SurveyListModel(PagedTableModel[Survey]):
    COLUMNS: ClassVar[tuple[str, ...]] = ("Survey",)

    def display(self, item: Survey, column: int) -> str:
        return item.display_name

    def tooltip(self, item: Survey, column: int) -> str | None:
        return item.description or None


class LocalFilter(QSortFilterProxyModel):
    """Filters loaded rows on their displayed text, or (``phone``) on the phone number of
    the record behind each row, digits only; prefix rows always stay. Sorting is passed
    on to the source model, which keeps its prefix rows on top."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._needle = ""
        self._phone = False

    @property
    def text(self) -> str:
        return self._needle

    def set_text(self, text: str, *, phone: bool = False) -> None:
        def apply() -> None:
            self._needle = text.strip() if phone else text.strip().casefold()
            self._phone = phone

        change_row_filter(self, apply)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        source = self.sourceModel()
        if source is not None:
            source.sort(column, order)

    def filterAcceptsRow(
        self, source_row: int, parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        model = self.sourceModel()
        if not self._needle or source_row < getattr(model, "PREFIX_ROWS", 0):
            return True
        if self._phone:
            item: Any = model.index(source_row, 0, parent).data(ObjectRole)
            return phone_matches(self._needle, str(getattr(item, "phone_number", "") or ""))
        return any(
            self._needle in str(model.index(source_row, c, parent).data() or "").casefold()
            for c in range(model.columnCount())
        )


def pane_title(text: str) -> QLabel:
    """A pane's bold title with an Alt+letter mnemonic (plain text, so a screen reader
    does not read markup)."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    font = QFont(label.font())
    font.setBold(True)
    label.setFont(font)
    return label


class SurveyPicker(QWidget):
    """A searchable list of surveys, loaded page by page."""

    surveyChosen = Signal(object)  # Survey | None

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("surveyPickerPanel")
        self.model = SurveyListModel(runner, page_size=100, parent=self)
        self.proxy = LocalFilter(self)
        self.proxy.setSourceModel(self.model)

        self.title = pane_title("&Surveys")
        self.search = named(QLineEdit(), "surveySearch")
        self.search.setPlaceholderText("Search surveys")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search surveys")
        self.search.setAccessibleDescription(
            "Shows only the surveys whose name contains this text. Escape clears it."
        )
        clear_on_escape(self.search)
        self.search.textChanged.connect(self._on_search)
        self.view = named(QListView(), "surveyPicker")
        self.view.setAccessibleName("Surveys")
        self.view.setAccessibleDescription("Pick a survey to see its interactions and tags.")
        self.view.setModel(self.proxy)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setUniformItemSizes(True)
        self.view.selectionModel().currentChanged.connect(self._on_current)
        self.no_match = named(QLabel(wordWrap=True), "surveyNoMatch")
        tint(self.no_match, HINT)
        self.no_match.hide()
        self.state_bar = LoadStateBar(self.model, noun="surveys", parent=self)
        self.title.setBuddy(self.search)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.search)
        layout.addWidget(self.no_match)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.state_bar)
        self.model.stateChanged.connect(self._keep_loading_while_searching)
        self.model.stateChanged.connect(self._say_if_nothing_matches)

    def set_client(self, client: SdxClient | None) -> None:
        if client is None:
            self.model.set_source(None)
            return
        self.model.set_source(
            lambda offset, limit: client.list_surveys(limit=limit, offset=offset, order="ASC")
        )
        self.model.fetchMore(QModelIndex())

    def select_survey(self, survey_id: int) -> bool:
        row = self.model.row_of(survey_id)
        if row is None:
            return False
        self.view.setCurrentIndex(self.proxy.mapFromSource(self.model.index(row, 0)))
        return True

    def _on_search(self, text: str) -> None:
        self.proxy.set_text(text)
        self._keep_loading_while_searching()
        self._say_if_nothing_matches()

    def _keep_loading_while_searching(self) -> None:
        # Searching covers every survey, so fetch the rest of the (short) list.
        if self.proxy.text and self.model.canFetchMore(QModelIndex()):
            self.model.fetchMore(QModelIndex())

    def _say_if_nothing_matches(self) -> None:
        text = self.search.text().strip()
        if not text or self.proxy.rowCount() > 0 or not self.model.has_source:
            self.no_match.hide()
            return
        if self.model.exhausted:
            self.no_match.setText(f"No survey matches “{text}”.")
        else:
            self.no_match.setText(f"No survey matches “{text}” so far… (still loading)")
        self.no_match.show()

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        item = current.data(ObjectRole)
        self.surveyChosen.emit(item if isinstance(item, Survey) else None)

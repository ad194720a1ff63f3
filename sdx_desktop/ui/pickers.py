"""The left-hand pickers: surveys, then the interactions of the chosen survey."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from sdx_desktop.api.models import Interaction, Survey

from .layout import change_row_filter, compact_rows
from .paged_model import ObjectRole, PagedTableModel
from .state_bar import LoadStateBar
from .tasks import TaskRunner

#: The first entry of the interaction picker: every tag of the survey.
ALL_INTERACTIONS = "all-interactions"
SEARCH_DELAY_MS = 400

if TYPE_CHECKING:
    from sdx_desktop.api.client import SdxClient


class SurveyListModel(PagedTableModel[Survey]):
    COLUMNS: ClassVar[tuple[str, ...]] = ("Survey",)

    def display(self, item: Survey, column: int) -> str:
        return item.display_name

    def tooltip(self, item: Survey, column: int) -> str | None:
        return item.description or None


class InteractionTableModel(PagedTableModel[Interaction]):
    ID, REF, CONTACT, AGENT, TYPE, STATUS, CREATED = range(7)
    COLUMNS: ClassVar[tuple[str, ...]] = (
        "ID",
        "External ref",
        "Email or phone",
        "Agent",
        "Type",
        "Status",
        "Created",
    )
    PREFIX_ROWS: ClassVar[int] = 1

    def prefix_data(self, row: int, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and column == self.ID:
            return "All interactions in this survey"
        if role == ObjectRole:
            return ALL_INTERACTIONS
        if role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            return "Show every tag of the survey, across all its interactions"
        return None

    def display(self, item: Interaction, column: int) -> str:
        values = (
            str(item.id),
            item.external_ref,
            item.contact,
            item.agent_id or "",
            item.survey_type,
            item.status,
            item.created_at,
        )
        return values[column] if 0 <= column < len(values) else ""


class _LocalFilter(QSortFilterProxyModel):
    """Filters loaded rows on their displayed text; prefix rows always stay."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._needle = ""

    def set_text(self, text: str) -> None:
        change_row_filter(self, lambda: setattr(self, "_needle", text.strip().casefold()))

    def filterAcceptsRow(
        self, source_row: int, parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        model = self.sourceModel()
        if not self._needle or source_row < getattr(model, "PREFIX_ROWS", 0):
            return True
        return any(
            self._needle in str(model.index(source_row, c, parent).data() or "").casefold()
            for c in range(model.columnCount())
        )


class SurveyPicker(QWidget):
    """A searchable list of surveys, loaded page by page."""

    surveyChosen = Signal(object)  # Survey | None

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("surveyPickerPanel")
        self.model = SurveyListModel(runner, page_size=100, parent=self)
        self.proxy = _LocalFilter(self)
        self.proxy.setSourceModel(self.model)

        title = QLabel("<b>Surveys</b>")
        self.search = QLineEdit(objectName="surveySearch")
        self.search.setPlaceholderText("Search surveys")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._on_search)
        self.view = QListView(objectName="surveyPicker")
        self.view.setModel(self.proxy)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setUniformItemSizes(True)
        self.view.selectionModel().currentChanged.connect(self._on_current)
        self.state_bar = LoadStateBar(self.model, noun="surveys", parent=self)
        title.setBuddy(self.search)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addWidget(self.search)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.state_bar)
        self.model.stateChanged.connect(self._keep_loading_while_searching)

    def set_client(self, client: SdxClient | None) -> None:
        if client is None:
            self.model.set_source(None)
            return
        self.model.set_source(
            lambda offset, limit: client.list_surveys(limit=limit, offset=offset, order="ASC")
        )
        self.model.fetchMore(QModelIndex())

    def current_survey(self) -> Survey | None:
        item = self.view.currentIndex().data(ObjectRole)
        return item if isinstance(item, Survey) else None

    def select_survey(self, survey_id: int) -> bool:
        row = self.model.row_of(survey_id)
        if row is None:
            return False
        self.view.setCurrentIndex(self.proxy.mapFromSource(self.model.index(row, 0)))
        return True

    def _on_search(self, text: str) -> None:
        self.proxy.set_text(text)
        self._keep_loading_while_searching()

    def _keep_loading_while_searching(self) -> None:
        # Searching covers every survey, so fetch the rest of the (short) list.
        if self.proxy._needle and self.model.canFetchMore(QModelIndex()):
            self.model.fetchMore(QModelIndex())

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        item = current.data(ObjectRole)
        self.surveyChosen.emit(item if isinstance(item, Survey) else None)


class InteractionPicker(QWidget):
    """The interactions of one survey: searchable, filterable by type, lazily paged."""

    #: An ``Interaction``, :data:`ALL_INTERACTIONS`, or ``None`` (nothing chosen).
    interactionChosen = Signal(object)
    #: The rows selected for bulk actions changed.
    selectionChanged = Signal()

    SEARCH_FIELDS = (
        ("External ref", "external_ref"),
        ("Email", "email"),
        ("Agent ID", "agent_id"),
        ("Anything (shown rows)", ""),
    )
    SURVEY_TYPES = ("inbound", "outbound", "sms", "web", "email")

    def __init__(
        self, runner: TaskRunner, page_size: int = 100, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("interactionPickerPanel")
        self.client: SdxClient | None = None
        self.survey: Survey | None = None
        self.model = InteractionTableModel(runner, page_size=page_size, parent=self)
        self.proxy = _LocalFilter(self)
        self.proxy.setSourceModel(self.model)

        self.title = QLabel("<b>Interactions</b>")
        self.search = QLineEdit(objectName="interactionSearch")
        self.search.setPlaceholderText("Search interactions")
        self.search.setClearButtonEnabled(True)
        self.field_combo = QComboBox(objectName="interactionSearchField")
        self.field_combo.setToolTip("Where to search")
        for label, field in self.SEARCH_FIELDS:
            self.field_combo.addItem(label, field)
        self.type_combo = QComboBox(objectName="surveyTypeFilter")
        self.type_combo.addItem("All types", "")
        for survey_type in self.SURVEY_TYPES:
            self.type_combo.addItem(
                survey_type.upper() if survey_type == "sms" else survey_type.title(), survey_type
            )
        self.title.setBuddy(self.search)

        self.view = QTableView(objectName="interactionPicker")
        self.view.setModel(self.proxy)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # Several rows for bulk actions (Shift/Ctrl-click, Ctrl+A); the current row is the
        # one whose tags are shown.
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        compact_rows(self.view)
        self.view.setWordWrap(False)
        self.view.setAlternatingRowColors(True)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((64, 100, 170, 56, 72, 92, 140)):
            header.resizeSection(column, width)
        self.view.setSpan(0, 0, 1, len(InteractionTableModel.COLUMNS))
        self.view.selectionModel().currentChanged.connect(self._on_current)
        self.view.selectionModel().selectionChanged.connect(self.selectionChanged)
        self.model.modelReset.connect(self._restore_span)
        self.state_bar = LoadStateBar(self.model, noun="interactions", parent=self)

        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._apply_filters)
        self.search.textChanged.connect(self._search_timer.start)
        self.search.returnPressed.connect(self._apply_filters)
        self.field_combo.currentIndexChanged.connect(self._apply_filters)
        self.type_combo.currentIndexChanged.connect(self._apply_filters)

        filters = QHBoxLayout()
        filters.addWidget(self.search, 1)
        filters.addWidget(self.field_combo)
        filters.addWidget(self.type_combo)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addLayout(filters)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.state_bar)
        self.set_survey(None, None)

    def set_survey(self, client: SdxClient | None, survey: Survey | None) -> None:
        self.client, self.survey = client, survey
        enabled = survey is not None
        for widget in (self.search, self.field_combo, self.type_combo, self.view):
            widget.setEnabled(enabled)
        self.title.setText(
            f"<b>Interactions</b> — {survey.display_name}" if survey else "<b>Interactions</b>"
        )
        self._apply_filters()

    def server_filters(self) -> dict[str, str]:
        filters: dict[str, str] = {}
        field = self.field_combo.currentData()
        text = self.search.text().strip()
        if field and text:
            filters[field] = text
        survey_type = self.type_combo.currentData()
        if survey_type:
            filters["survey_type"] = survey_type
        return filters

    def _apply_filters(self) -> None:
        self._search_timer.stop()
        field = self.field_combo.currentData()
        self.proxy.set_text("" if field else self.search.text())
        client, survey = self.client, self.survey
        if client is None or survey is None:
            self.model.set_source(None)
            return
        filters = self.server_filters()
        self.model.set_source(
            lambda offset, limit: client.list_interactions(
                survey.id, limit=limit, offset=offset, order="DESC", **filters
            ),
            order="DESC",
        )
        self.model.fetchMore(QModelIndex())

    def select_all_interactions(self) -> None:
        self.view.setCurrentIndex(self.proxy.index(0, 0))

    def selected_targets(self) -> list[Interaction] | str:
        """What a bulk action acts on: the selected interactions, or ``"all"`` when
        "All interactions in this survey" is among the selected rows."""
        rows = self.view.selectionModel().selectedRows() if self.view.selectionModel() else []
        chosen: list[Interaction] = []
        for index in rows:
            item = index.data(ObjectRole)
            if item == ALL_INTERACTIONS:
                return "all"
            if isinstance(item, Interaction):
                chosen.append(item)
        return chosen

    def current_interaction(self) -> Interaction | None:
        item = self.view.currentIndex().data(ObjectRole)
        return item if isinstance(item, Interaction) else None

    def loaded_interactions(self) -> list[Interaction]:
        return list(self.model.items)

    def _restore_span(self) -> None:
        self.view.setSpan(0, 0, 1, len(InteractionTableModel.COLUMNS))

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.interactionChosen.emit(current.data(ObjectRole) if current.isValid() else None)

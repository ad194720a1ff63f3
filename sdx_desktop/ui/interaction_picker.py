"""The interactions of the chosen survey: searched on Survey Dynamix (exact external
ref, exact email, agent ID), by phone number (digits only, over the loaded rows, which
keep loading while the search is on), or in the rows shown; filtered by type; sortable;
lazily paged."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from sdx_desktop.api.models import Interaction, Survey

from .colours import HINT, tint
from .form_fields import name_combo
from .keys import clear_on_escape
from .layout import compact_rows, named
from .paged_model import ObjectRole, PagedTableModel
from .pickers import LocalFilter, pane_title
from .state_bar import LoadStateBar
from .tasks import TaskRunner
from .wording import (
    SURVEY_TYPE_WORDS,
    count_so_far,
    partial_note,
    short_time,
    survey_type_word,
)

if TYPE_CHECKING:
    from sdx_desktop.api.client import SdxClient

#: The first entry of the interaction picker: every tag of the survey.
ALL_INTERACTIONS = "all-interactions"
SEARCH_DELAY_MS = 400
#: The search field that compares phone numbers here, by their digits (the API has no
#: phone filter).
PHONE = "phone"
#: Rows per request while a phone search reads the whole survey.
PHONE_PAGE = 1000


class SearchField:
    """One choice of "search in": label, API filter (or PHONE, or "" for the rows
    shown), placeholder, and what an empty result means."""

    def __init__(self, label: str, field: str, placeholder: str, none_found: str) -> None:
        self.label, self.field, self.placeholder, self.none_found = (
            label,
            field,
            placeholder,
            none_found,
        )


SEARCH_FIELDS = (
    SearchField(
        "Exact external ref",
        "external_ref",
        "Exact external ref (capital letters count)",
        "No interaction in this survey has exactly this external ref. It must match "
        "exactly, capital letters included.",
    ),
    SearchField(
        "Exact email",
        "email",
        "Exact email address (capital letters count)",
        "No interaction in this survey has exactly this email address. It must match "
        "exactly, capital letters included.",
    ),
    SearchField(
        "Phone number",
        PHONE,
        "Phone number, e.g. (604) 555-3309: only the digits count",
        "No interaction in this survey has this phone number.",
    ),
    SearchField(
        "Agent ID",
        "agent_id",
        "Exact agent ID",
        "No interaction in this survey has exactly this agent ID.",
    ),
    SearchField(
        "Anything (shown rows)",
        "",
        "Search the rows shown",
        "None of the interactions loaded so far contains this text.",
    ),
)


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
            survey_type_word(item.survey_type),
            item.status,
            short_time(item.created_at),
        )
        return values[column] if 0 <= column < len(values) else ""

    def sort_value(self, item: Interaction, column: int) -> Any:
        if column == self.ID:
            return item.id
        if column == self.CREATED:
            return item.created_at
        return self.display(item, column).casefold()

    def tooltip(self, item: Interaction, column: int) -> str | None:
        if column == self.CREATED:
            return item.created_at or None
        if column == self.CONTACT and item.email and item.phone_number:
            return f"{item.email} · {item.phone_number}"
        return None


class InteractionPicker(QWidget):
    """See the module docstring."""

    #: An ``Interaction``, :data:`ALL_INTERACTIONS`, or ``None`` (nothing chosen).
    interactionChosen = Signal(object)
    #: The rows selected for bulk actions changed.
    selectionChanged = Signal()
    #: The columns were sized to a new list's text: the width they take (pixels).
    columnsFitted = Signal(int)

    SURVEY_TYPES = tuple(SURVEY_TYPE_WORDS)

    def __init__(
        self, runner: TaskRunner, page_size: int = 100, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("interactionPickerPanel")
        self.client: SdxClient | None = None
        self.survey: Survey | None = None
        self._page_size = page_size
        #: The record whose tags are shown (an id, ALL_INTERACTIONS or None): moving to
        #: another cell of the same row does not choose it again.
        self._chosen: object = None
        self.model = InteractionTableModel(runner, page_size=page_size, parent=self)
        self.proxy = LocalFilter(self)
        self.proxy.setSourceModel(self.model)

        self.title = pane_title("&Interactions")
        self.search = named(QLineEdit(), "interactionSearch")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search interactions")
        clear_on_escape(self.search)
        self.field_combo = named(QComboBox(), "interactionSearchField")
        self.field_combo.setToolTip("Where to search")
        name_combo(self.field_combo, "Search in")
        for choice in SEARCH_FIELDS:
            self.field_combo.addItem(choice.label, choice.field)
        self.type_combo = named(QComboBox(), "surveyTypeFilter")
        name_combo(self.type_combo, "Interaction type")
        self.type_combo.setToolTip("Show only interactions of this type")
        self.type_combo.addItem("All types", "")
        for survey_type in self.SURVEY_TYPES:
            self.type_combo.addItem(survey_type_word(survey_type), survey_type)
        self.title.setBuddy(self.search)

        self.note = named(QLabel(wordWrap=True), "interactionSearchNote")
        tint(self.note, HINT)
        self.note.hide()

        view = self.view = named(QTableView(), "interactionPicker")
        view.setAccessibleName("Interactions")
        view.setAccessibleDescription(
            "The first row shows every tag of the survey; the others one interaction each."
        )
        view.setModel(self.proxy)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # Several rows for bulk actions (Shift/Ctrl-click, Ctrl+A); the current row is the
        # one whose tags are shown.
        view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        view.setTabKeyNavigation(False)  # Tab leaves the table for the next pane
        view.setSortingEnabled(True)
        view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # newest first until a click
        compact_rows(view)
        view.setWordWrap(False)
        view.setAlternatingRowColors(True)
        header = view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)  # Created takes any room left
        for column, width in enumerate((64, 100, 170, 56, 72, 92, 140)):
            header.resizeSection(column, width)
        view.setSpan(0, 0, 1, len(InteractionTableModel.COLUMNS))
        view.selectionModel().currentChanged.connect(self._on_current)
        view.selectionModel().selectionChanged.connect(self.selectionChanged)
        self.model.modelReset.connect(self._restore_span)
        self.model.stateChanged.connect(self._after_load)
        self._fitted = False
        self.state_bar = LoadStateBar(self.model, noun="interactions", parent=self)

        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._apply_filters)
        self.search.textChanged.connect(self._search_timer.start)
        self.search.returnPressed.connect(self._apply_filters)
        self.field_combo.currentIndexChanged.connect(self._field_changed)
        self.type_combo.currentIndexChanged.connect(self._apply_filters)

        filters = QHBoxLayout()
        filters.addWidget(self.search, 1)
        filters.addWidget(self.field_combo)
        filters.addWidget(self.type_combo)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addLayout(filters)
        layout.addWidget(self.note)
        layout.addWidget(view, 1)
        layout.addWidget(self.state_bar)
        self._field_changed()
        self.set_survey(None, None)

    # --- what is listed ---------------------------------------------------------------

    def set_survey(self, client: SdxClient | None, survey: Survey | None) -> None:
        self.client, self.survey = client, survey
        enabled = survey is not None
        for widget in (self.search, self.field_combo, self.type_combo, self.view):
            widget.setEnabled(enabled)
        name = survey.display_name.replace("&", "&&") if survey else ""
        self.title.setText(f"&Interactions — {name}" if survey else "&Interactions")
        self._apply_filters()

    def set_page_size(self, size: int) -> None:
        self._page_size = size
        if not self._phone_search():
            self.model.page_size = size

    def search_field(self) -> SearchField:
        return SEARCH_FIELDS[max(0, self.field_combo.currentIndex())]

    def server_filters(self) -> dict[str, Any]:
        filters: dict[str, Any] = {}
        field = self.field_combo.currentData()
        text = self.search.text().strip()
        if field and field != PHONE and text:
            filters[field] = text
        survey_type = self.type_combo.currentData()
        if survey_type:
            filters["survey_type"] = survey_type
        return filters

    def _phone_search(self) -> bool:
        return self.field_combo.currentData() == PHONE and bool(self.search.text().strip())

    def _field_changed(self) -> None:
        choice = self.search_field()
        self.search.setPlaceholderText(choice.placeholder)
        self.search.setAccessibleDescription(
            f"{choice.placeholder}. Escape clears it."
            if choice.field
            else "Shows only the loaded rows containing this text. Escape clears it."
        )
        self._apply_filters()

    def _apply_filters(self) -> None:
        self._search_timer.stop()
        field = self.field_combo.currentData()
        text = self.search.text()
        phone = self._phone_search()
        self.proxy.set_text(text if not field or phone else "", phone=phone)
        self.model.page_size = PHONE_PAGE if phone else self._page_size
        if self._chosen is not None:
            # A new list: the one whose tags are shown may not be in it (a model reset
            # drops the current row without a signal).
            self._chosen = None
            self.interactionChosen.emit(None)
        client, survey = self.client, self.survey
        if client is None or survey is None:
            self.model.set_source(None)
            return
        filters = self.server_filters()
        self._fitted = False
        self.model.set_source(
            lambda offset, limit: client.list_interactions(
                survey.id, limit=limit, offset=offset, order="DESC", **filters
            ),
            order="DESC",
        )
        self.model.fetchMore(QModelIndex())

    def _after_load(self) -> None:
        """Keep reading while a phone search is on; size the columns to the first page;
        say when nothing matches or when a sort covers only the loaded rows."""
        model = self.model
        if self._phone_search() and model.canFetchMore(QModelIndex()):
            model.fetchMore(QModelIndex())
        if not self._fitted and model.loaded_count:
            self._fitted = True
            self.fit_columns()
        self.note.setText(self.note_text())
        self.note.setVisible(bool(self.note.text()))

    def note_text(self) -> str:
        """What the list cannot show by itself: that nothing matches (and why), that a
        phone search is still reading, that a sort covers only the loaded rows."""
        model = self.model
        if not model.has_source:
            return ""
        searching = bool(self.search.text().strip())
        shown = self.proxy.rowCount() - model.PREFIX_ROWS
        if self._phone_search() and not model.exhausted:
            read = count_so_far(model.loaded_count, "interactions", running=True)
            return f"Searching phone numbers: {read} read, {shown:,} found."
        if shown == 0 and model.exhausted:
            if searching:
                return self.search_field().none_found
            if self.type_combo.currentData():
                return f"This survey has no {self.type_combo.currentText()} interactions."
            return "This survey has no interactions yet."
        local_filter = searching and not self.field_combo.currentData()
        return partial_note(
            "interactions",
            model.loaded_count,
            sorted_=model.sort_column >= 0 and not model.exhausted,
            filtered=local_filter and not model.exhausted,
            remedy="Scroll to the end of the list to include every one.",
        )

    def fit_columns(self) -> int:
        """Every column as wide as its loaded text (the first row's span left out), the
        last one taking any room left; returns the width they need."""
        header = self.view.horizontalHeader()
        metrics = self.view.fontMetrics()
        rows = range(self.model.PREFIX_ROWS, min(self.model.rowCount(), 300))
        total = 0
        for column in range(self.model.columnCount()):
            title = str(self.model.headerData(column, Qt.Orientation.Horizontal) or "")
            texts = [str(self.model.index(row, column).data() or "") for row in rows]
            cap = 340 if column == InteractionTableModel.CONTACT else 280  # one odd value
            width = min(max(metrics.horizontalAdvance(t) for t in [*texts, title]) + 18, cap)
            header.resizeSection(column, width)
            total += width
        frame = 2 * self.view.frameWidth()
        needed = total + self.view.verticalScrollBar().sizeHint().width() + frame
        self.columnsFitted.emit(needed)
        return needed

    # --- choosing ---------------------------------------------------------------------

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
        item = current.data(ObjectRole) if current.isValid() else None
        key = item.id if isinstance(item, Interaction) else item
        if current.isValid() and key == self._chosen:
            return  # another cell of the same row: its tags are shown already
        self._chosen = key
        self.interactionChosen.emit(item)

"""The main window's right-hand pane: a title, the quick filter, the tag table (or what
to do when there is nothing to show), a note when sorting or filtering covers only the
loaded part, and the load-state bar. :func:`tag_status` words the status bar's line."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStackedWidget,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from .colours import HINT, tint
from .keys import clear_on_escape
from .layout import compact_rows, named
from .paged_model import LoadState
from .state_bar import LoadStateBar
from .tag_model import TagFilterProxy, TagTableModel
from .wording import count_so_far, partial_note

#: While a whole list pours in, the table repaints this often (ms), not after each insert.
LOAD_ALL_REPAINT_MS = 500
NO_TAGS = "No tags here yet. Use “Add tag” (Ctrl+N) to add one."
LOAD_ALL_REMEDY = "Load all (Ctrl+L) to include every tag."


class ValueDelegate(QStyledItemDelegate):
    """Draws a value of several lines so that its "(31 lines)" always shows: the first
    line is shortened, not the count."""

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        text = option.text
        head, marker, count = text.rpartition(" … (")
        if not marker or not count.endswith(" lines)"):
            return
        suffix = f" ({count}"
        metrics = option.fontMetrics
        room = option.rect.width() - metrics.horizontalAdvance(suffix) - 12
        if metrics.horizontalAdvance(text) + 12 > option.rect.width():
            # "Customer called… (31 lines)": the shortened first line ends in its "…".
            head = metrics.elidedText(head + " …", Qt.TextElideMode.ElideRight, max(room, 0))
            option.text = head + suffix


class TagPanel(QWidget):
    def __init__(
        self, tags: TagTableModel, proxy: TagFilterProxy, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.tags = tags
        self.proxy = proxy
        self.title = named(QLabel(), "tagTitle")
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.filter = named(QLineEdit(), "tagFilter")
        self.filter.setPlaceholderText("Filter tags by key or value (Ctrl+F)")
        self.filter.setClearButtonEnabled(True)
        self.filter.setAccessibleName("Filter tags")
        self.filter.setAccessibleDescription(
            "Shows only the loaded tags whose key or value contains this text. Escape clears it."
        )
        clear_on_escape(self.filter)
        self.filter.textChanged.connect(proxy.set_text)

        self.partial = named(QLabel(wordWrap=True), "tagPartialNote")
        tint(self.partial, HINT)
        self.partial.hide()

        view = self.view = named(QTableView(), "tagTable")
        view.setAccessibleName("Tags")
        view.setAccessibleDescription("Enter or F2 edits the selected tag; Delete deletes it.")
        view.setModel(proxy)
        self.value_delegate = ValueDelegate(view)
        view.setItemDelegateForColumn(TagTableModel.VALUE, self.value_delegate)
        view.setSortingEnabled(True)
        view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setTabKeyNavigation(False)  # Tab leaves the table for the next pane
        view.setAlternatingRowColors(True)
        view.setWordWrap(False)
        compact_rows(view)
        header = view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.resizeSection(TagTableModel.KEY, 170)
        header.resizeSection(TagTableModel.VALUE, 260)
        header.resizeSection(TagTableModel.INTERACTION, 90)
        header.resizeSection(TagTableModel.UPDATED, 150)
        header.setStretchLastSection(True)
        #: Whether the columns were last sized to an interaction's or a survey's tags.
        self._fitted_for: bool | None = None
        tags.stateChanged.connect(self._fit_once)

        self.empty_state = named(QLabel(alignment=Qt.AlignmentFlag.AlignCenter), "emptyState")
        self.empty_state.setWordWrap(True)
        tint(self.empty_state, HINT)
        self.empty_state.setMargin(24)
        font = self.empty_state.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.empty_state.setFont(font)
        self.stack = named(QStackedWidget(), "tagStack")
        self.stack.addWidget(self.empty_state)
        self.stack.addWidget(view)
        self.state_bar = LoadStateBar(tags, noun="tags", parent=self)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.filter)
        layout.addWidget(self.partial)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.state_bar)

    async def load_all(self) -> None:
        """Load every tag of the list (see :meth:`TagTableModel.load_all`). Each repaint
        of the table costs the UI thread several ms; while rows pour in, it repaints a
        few times a second instead of after every insert."""
        viewport = self.view.viewport()

        def repaint_now() -> None:
            viewport.setUpdatesEnabled(True)
            viewport.repaint()
            viewport.setUpdatesEnabled(False)

        throttle = QTimer(self, interval=LOAD_ALL_REPAINT_MS)
        throttle.timeout.connect(repaint_now)
        viewport.setUpdatesEnabled(False)
        throttle.start()
        try:
            await self.tags.load_all()
        finally:
            throttle.stop()
            throttle.deleteLater()
            viewport.setUpdatesEnabled(True)
            viewport.update()

    def _fit_once(self) -> None:
        """Size the columns to the first tags shown, and again when the table switches
        between one interaction's tags and a whole survey's (other columns, longer
        keys); not for every interaction, so widths staff set stay."""
        scope = self.tags.survey_wide
        if self._fitted_for is not scope and self.tags.loaded_count:
            self._fitted_for = scope
            self.fit_columns()

    def fit_columns(self) -> None:
        """Key, interaction and times as wide as their text; the value gets the rest of
        the pane (at least a little), Created any room beyond."""
        header = self.view.horizontalHeader()
        metrics = self.view.fontMetrics()
        rows = range(min(self.proxy.rowCount(), 300))
        widths = {}
        for column in (TagTableModel.KEY, TagTableModel.INTERACTION, TagTableModel.UPDATED,
                       TagTableModel.CREATED):  # fmt: skip
            title = str(self.tags.headerData(column, Qt.Orientation.Horizontal) or "")
            texts = [str(self.proxy.index(row, column).data() or "") for row in rows]
            widths[column] = min(
                max(metrics.horizontalAdvance(t) for t in [*texts, title]) + 18, 240
            )
            header.resizeSection(column, widths[column])
        shown = sum(w for c, w in widths.items() if not self.view.isColumnHidden(c))
        room = self.view.viewport().width() - shown
        header.resizeSection(TagTableModel.VALUE, max(room, 200))

    def set_empty(self, text: str) -> None:
        """Nothing to list: say why, or what to do."""
        self.title.setText("<b>Tags</b>")
        self.empty_state.setText(text)
        self.stack.setCurrentWidget(self.empty_state)

    def refresh(self) -> str:
        """Show the table, or "no tags here yet", and the partial note; returns the
        status bar's line."""
        tags = self.tags
        if not tags.has_source:
            self.partial.hide()
            return ""
        if tags.exhausted and tags.loaded_count == 0 and tags.state is LoadState.IDLE:
            self.empty_state.setText(NO_TAGS)
            self.stack.setCurrentWidget(self.empty_state)
        else:
            self.stack.setCurrentWidget(self.view)
        note = partial_note(
            "tags",
            tags.loaded_count,
            sorted_=tags.sort_column >= 0,
            filtered=bool(self.proxy.text),
            remedy=LOAD_ALL_REMEDY,
        )
        complete = tags.exhausted and not tags.loading_all
        self.partial.setText("" if complete else note)
        self.partial.setVisible(bool(note) and not complete and tags.loaded_count > 0)
        return tag_status(tags, self.proxy)


def tag_status(tags: TagTableModel, proxy: TagFilterProxy) -> str:
    """The status bar's line for the tag table; counts still growing say so."""
    count = tags.loaded_count
    noun = "tag" if count == 1 else "tags"
    running = tags.loading_all or tags.state is LoadState.LOADING
    if tags.loading_all:
        text = f"Loading all tags… {count:,} loaded so far. Press Stop to cancel."
    elif tags.exhausted:
        text = f"All {count:,} {noun} loaded"
    elif tags.state is LoadState.LOADING and count == 0:
        text = "Loading tags…"
    elif tags.state is LoadState.LOADING:
        text = f"Showing {count_so_far(count, noun, running=True)} · loading more"
    elif tags.state in (LoadState.FAILED, LoadState.STOPPED):
        text = f"Showing {count:,} {noun} · loading paused (see the message below the table)"
    else:
        text = f"Showing {count:,} {noun} · more available (scroll down or Load all)"
    if proxy.text:
        matches = proxy.rowCount()
        if running or not tags.exhausted:
            text += f" · {matches:,} of the loaded ones match the filter"
            if running:
                text += " so far"
        else:
            text += f" · {matches:,} match the filter"
    return text

"""A table model that pages through an API list as the view scrolls.

The API gives no totals, so the model knows only what it has loaded and whether the
last page came back short (the end). Each list is one continuity-checked
:class:`~sdx_desktop.api.paging.PageWalk`: pages overlap, and when someone else's
deletes shift the list the walk steps back, so scrolling never skips a row (see that
module for the guarantee). Pages are fetched off the UI thread through the
:class:`TaskRunner`; a result that arrives after the model was pointed elsewhere
(``set_source`` or Stop bumps the generation) is dropped. A failed page leaves the
model in a visible error state until :meth:`retry`; it does not silently stop or
retry forever.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Callable, Iterable, MutableSequence, Sequence
from typing import Any, ClassVar, Generic, TypeVar, cast

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from sdx_desktop.api.errors import SdxError
from sdx_desktop.api.paging import Order, PageWalk

from .tasks import TaskRunner

log = logging.getLogger(__name__)

T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex
FetchPage = Callable[[int, int], Sequence[T]]

#: The record behind a row (a ``Tag``, ``Interaction`` or ``Survey``).
ObjectRole = Qt.ItemDataRole.UserRole + 1
#: A value that sorts correctly (numbers as numbers, dates as text that sorts).
SortRole = Qt.ItemDataRole.UserRole + 2


class LoadState(enum.Enum):
    IDLE = "idle"
    LOADING = "loading"
    FAILED = "failed"
    STOPPED = "stopped"


class PagedTableModel(QAbstractTableModel, Generic[T]):
    """Rows of records with an integer ``id``, loaded a page at a time."""

    #: Emitted whenever loading starts/ends, fails, or the row count changes.
    stateChanged = Signal()

    COLUMNS: ClassVar[tuple[str, ...]] = ()
    #: Fixed rows shown above the records (e.g. "All interactions"); see prefix_data.
    PREFIX_ROWS: ClassVar[int] = 0

    def __init__(self, runner: TaskRunner, page_size: int = 100, parent: Any = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self.page_size = page_size
        #: The records, in row order (a subclass may keep them in a leaner sequence).
        self._rows: MutableSequence[T] = []
        self._ids: set[int] = set()
        self._fetch: FetchPage[T] | None = None
        self._walk: PageWalk[T] | None = None
        self._generation = 0
        self._exhausted = False
        self._state = LoadState.IDLE
        self.error: SdxError | None = None
        #: Column and order the rows are kept sorted by (column -1: server order).
        self._sort_column = -1
        self._sort_order = Qt.SortOrder.AscendingOrder
        self._bulk_loading = False

    # --- what to show: subclasses --------------------------------------------------

    def display(self, item: T, column: int) -> str:
        raise NotImplementedError

    def sort_value(self, item: T, column: int) -> Any:
        return self.display(item, column)

    def tooltip(self, item: T, column: int) -> str | None:
        return None

    def prefix_data(self, row: int, column: int, role: int) -> Any:
        return None

    @staticmethod
    def item_id(item: T) -> int:
        return int(item.id)  # type: ignore[attr-defined]

    # --- source and state ----------------------------------------------------------

    def set_source(self, fetch: FetchPage[T] | None, order: Order = "ASC") -> None:
        """Show the list ``fetch(offset, limit)`` pages through, ordered by id in
        ``order`` (``None``: nothing)."""
        self._generation += 1
        self.beginResetModel()
        self._rows = []
        self._ids = set()
        self._fetch = fetch
        self._walk = (
            None
            if fetch is None
            else PageWalk(self._walk_page_size, order=order, item_id=self.item_id)
        )
        self._exhausted = fetch is None
        self._state = LoadState.IDLE
        self._bulk_loading = False
        self.error = None
        self.endResetModel()
        self.stateChanged.emit()

    @property
    def _walk_page_size(self) -> int:
        return max(2, self.page_size)  # a walk needs room for one row of overlap

    @property
    def walk(self) -> PageWalk[T] | None:
        """The walk through the current list (its request and step-back counts)."""
        return self._walk

    @property
    def has_source(self) -> bool:
        return self._fetch is not None

    @property
    def state(self) -> LoadState:
        return self._state

    @property
    def loading(self) -> bool:
        return self._state is LoadState.LOADING

    @property
    def exhausted(self) -> bool:
        """Whether every row has been loaded (a short page came back)."""
        return self._exhausted

    @property
    def sort_column(self) -> int:
        """The column the rows are sorted by (-1: the server's order)."""
        return self._sort_column

    @property
    def loaded_count(self) -> int:
        return len(self._rows)

    @property
    def items(self) -> Sequence[T]:
        return self._rows

    def item(self, row: int) -> T | None:
        """The record at model ``row``; ``None`` for a prefix row."""
        index = row - self.PREFIX_ROWS
        return self._rows[index] if 0 <= index < len(self._rows) else None

    def row_of(self, item_id: int) -> int | None:
        """The model row showing the record with this id."""
        for index, item in enumerate(self._rows):
            if self.item_id(item) == item_id:
                return index + self.PREFIX_ROWS
        return None

    def retry(self) -> None:
        """Try the page that failed (or was stopped) again."""
        if self._state in (LoadState.FAILED, LoadState.STOPPED):
            self._state = LoadState.IDLE
            self.error = None
            self.stateChanged.emit()
            self.fetchMore(QModelIndex())

    def stop(self) -> None:
        """Forget a page under way (the Stop action); its result will be dropped."""
        if self._state is LoadState.LOADING:
            self._generation += 1
            self._state = LoadState.STOPPED
            self.stateChanged.emit()

    # --- lazy paging ---------------------------------------------------------------

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return (
            not parent.isValid()
            and self._fetch is not None
            and not self._exhausted
            and self._state is LoadState.IDLE
        )

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        self._state = LoadState.LOADING
        self.stateChanged.emit()
        self._runner.spawn(self._load_page(self._generation))

    async def _load_page(self, generation: int) -> None:
        """Fetch pages until one adds a row this model does not show yet, or the end.
        (A page can add nothing: the walk stepped back, or Load all showed its rows.)"""
        fetch, walk = self._fetch, self._walk
        assert fetch is not None and walk is not None
        try:
            while True:
                if walk.page_size != self._walk_page_size:
                    walk.resize(self._walk_page_size)
                offset = walk.next_offset()
                page = await self._runner.run(fetch, offset, walk.page_size)
                if generation != self._generation:
                    return  # the user moved on (or pressed Stop): not this list's page
                rows = walk.take(offset, page).rows
                if walk.done or any(self.item_id(i) not in self._ids for i in rows):
                    break
        except SdxError as error:
            if generation == self._generation:
                log.info("Loading a page failed: %s", error.detail or error)
                self._state = LoadState.FAILED
                self.error = error
                self.stateChanged.emit()
            return
        except asyncio.CancelledError:
            if generation == self._generation:
                self._state = LoadState.STOPPED
                self.stateChanged.emit()
            raise
        self._exhausted = walk.done
        self._state = LoadState.IDLE
        self.append_items(rows)
        self.stateChanged.emit()

    def begin_bulk_load(self) -> int:
        """Take over loading (e.g. "Load all"); returns the generation to check against.
        Sorting waits until the end: re-sorting after every page would cost O(n) each."""
        self._bulk_loading = True
        self._state = LoadState.LOADING
        self.stateChanged.emit()
        return self._generation

    def end_bulk_load(
        self,
        generation: int,
        *,
        complete: bool,
        error: SdxError | None = None,
        stopped: bool = False,
    ) -> None:
        self._bulk_loading = False
        self._resort()
        if generation != self._generation:
            return
        if complete:
            self._exhausted = True
        self.error = error
        if error is not None:
            self._state = LoadState.FAILED
        elif stopped:
            self._state = LoadState.STOPPED
        else:
            self._state = LoadState.IDLE
        self.stateChanged.emit()

    def is_current(self, generation: int) -> bool:
        return generation == self._generation

    # --- row edits (one row changes, never a reset) --------------------------------

    def append_items(self, items: Iterable[T]) -> int:
        """Append the items not already shown (pages can overlap when rows shift)."""
        fresh = [i for i in items if self.item_id(i) not in self._ids]
        if fresh:
            first = self.PREFIX_ROWS + len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
            self._rows.extend(fresh)
            self._ids.update(self.item_id(i) for i in fresh)
            self.endInsertRows()
            if not self._bulk_loading:
                self._resort()
            self.stateChanged.emit()
        return len(fresh)

    def upsert_item(self, item: T) -> None:
        """Show a saved record: replace its row, or add it (added records sort last)."""
        row = self.row_of(self.item_id(item))
        if row is None:
            self.append_items([item])
            return
        self._rows[row - self.PREFIX_ROWS] = item
        self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))

    def remove_id(self, item_id: int) -> bool:
        row = self.row_of(item_id)
        if row is None:
            return False
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._rows[row - self.PREFIX_ROWS]
        self._ids.discard(item_id)
        self.endRemoveRows()
        if self._walk is not None:
            # We deleted it on the server: the next page starts one row earlier.
            self._walk.forget(item_id)
        self.stateChanged.emit()
        return True

    # --- sorting (here, not in a proxy: list.sort is fast, proxy sorting of 100,000
    # rows calls into Python millions of times) ---------------------------------------

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._sort_column, self._sort_order = column, order
        self._resort()

    def _resort(self) -> None:
        column = self._sort_column
        if column < 0 or len(self._rows) < 2:
            return
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        held = [(index, self.item(index.row())) for index in persistent]
        # A list, or TagRows (whose sort takes list.sort's arguments).
        cast("list[T]", self._rows).sort(
            key=lambda item: self.sort_value(item, column),
            reverse=self._sort_order == Qt.SortOrder.DescendingOrder,
        )
        if held:
            rows = {self.item_id(item): r + self.PREFIX_ROWS for r, item in enumerate(self._rows)}
            for index, item in held:
                new_row = index.row() if item is None else rows[self.item_id(item)]
                self.changePersistentIndex(index, self.index(new_row, index.column()))
        self.layoutChanged.emit()

    # --- QAbstractTableModel -------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self.PREFIX_ROWS + len(self._rows)

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
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        if row < self.PREFIX_ROWS:
            return self.prefix_data(row, column, role)
        if row - self.PREFIX_ROWS >= len(self._rows):
            return None
        item = self._rows[row - self.PREFIX_ROWS]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.display(item, column)
        if role == ObjectRole:
            return item
        if role == SortRole:
            return self.sort_value(item, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(item, column)
        return None

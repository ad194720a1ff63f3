"""The tag table: a lazily paged model of tags plus the quick-filter proxy.

The rows are kept by column (:class:`~sdx_desktop.ui.memory.TagRows`, ~1/3 of the
memory of a list of ``Tag`` records); reading a row gives an equal ``Tag``.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Iterable
from operator import attrgetter
from typing import TYPE_CHECKING, Any, ClassVar

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRegularExpression,
    QSortFilterProxyModel,
    Qt,
    Signal,
)

from sdx_desktop.api.errors import CancelledError, SdxError
from sdx_desktop.api.models import Tag
from sdx_desktop.api.paging import Order, PageWalk

from .memory import TagRows, long_lived_allocations, release_long_lived, return_free_memory
from .paged_model import ObjectRole, PagedTableModel
from .tasks import TaskRunner
from .wording import short_time, value_preview

TOOLTIP_LIMIT = 2000
#: While a whole list arrives, rows are inserted at most this often (seconds) ...
INSERT_INTERVAL = 0.05
#: ... and at most this many at once (a few ms of the UI thread).
INSERT_CHUNK = 5000
#: Rows per request while loading a whole list (the API's largest page).
LOAD_ALL_PAGE = 1000
#: What the quick filter searches: the key and the value, case-folded, NUL between.
FilterTextRole = Qt.ItemDataRole.UserRole + 16

if TYPE_CHECKING:
    from sdx_desktop.api.client import SdxClient


class TagTableModel(PagedTableModel[Tag]):
    KEY, VALUE, INTERACTION, UPDATED, CREATED = range(5)
    COLUMNS: ClassVar[tuple[str, ...]] = ("Key", "Value", "Interaction", "Updated", "Created")

    #: Rows loaded so far during "Load all".
    loadAllProgress = Signal(int)

    #: Tags always have an integer id; read in C (called for every row that arrives).
    item_id = staticmethod(attrgetter("id"))  # type: ignore[assignment]

    def __init__(
        self, runner: TaskRunner, page_size: int = 100, parent: QObject | None = None
    ) -> None:
        super().__init__(runner, page_size, parent)
        self.client: SdxClient | None = None
        self.survey_id: int | None = None
        self.interaction_id: int | None = None
        self._cancel_load_all: threading.Event | None = None
        #: The walk of the last "Load all" (its request and step-back counts).
        self.load_all_walk: PageWalk[Tag] | None = None
        self._rows = TagRows()

    # --- storage by column (memory.py) --------------------------------------------

    def set_source(self, fetch: Any, order: Order = "ASC") -> None:
        super().set_source(fetch, order)
        self._rows = TagRows()  # still empty here: the base class starts a plain list

    def row_of(self, item_id: int) -> int | None:
        rows = self._rows
        if isinstance(rows, TagRows):
            row = rows.row_of_id(item_id)
            return None if row is None else row + self.PREFIX_ROWS
        return super().row_of(item_id)

    def append_items(self, items: Iterable[Tag]) -> int:
        """As :meth:`PagedTableModel.append_items` (rows not shown yet are appended), with
        the ids checked and the rows stored column by column in C rather than tag by tag
        in Python: 100,000 rows cost the UI thread ~15 ms instead of ~35 ms (and Load
        all hands over pages already stored by column, made in the loader thread)."""
        if not isinstance(self._rows, TagRows):
            return super().append_items(items)
        block = (items if isinstance(items, TagRows) else TagRows(items)).without(self._ids)
        if not len(block):
            return 0
        first = self.PREFIX_ROWS + len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(block) - 1)
        self._rows.extend(block)
        self._ids.update(block.ids)
        self.endInsertRows()
        if not self._bulk_loading:
            self._resort()
        self.stateChanged.emit()
        return len(block)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == FilterTextRole:
            return self._filter_text(index)
        return super().data(index, role)

    def _filter_text(self, index: QModelIndex | QPersistentModelIndex) -> str | None:
        rows, row = self._rows, index.row() - self.PREFIX_ROWS
        if not index.isValid() or not 0 <= row < len(rows):
            return None
        if isinstance(rows, TagRows):  # no Tag built for each row filtered
            key, value = rows.key(row), rows.value(row)
        else:
            key, value = rows[row].custom_key, rows[row].custom_value
        return f"{key.casefold()}\0{value.casefold()}"

    def show_tags(
        self,
        client: SdxClient | None,
        *,
        survey_id: int | None = None,
        interaction_id: int | None = None,
    ) -> None:
        """Page through the tags of one interaction, or of a whole survey, or show none."""
        self.cancel_load_all()
        release_long_lived()
        self.client, self.survey_id, self.interaction_id = client, survey_id, interaction_id
        if client is None or (survey_id is None and interaction_id is None):
            self.set_source(None)
            return

        def fetch(offset: int, limit: int) -> list[Tag]:
            return client.list_tags(
                survey_id=None if interaction_id is not None else survey_id,
                interaction_id=interaction_id,
                limit=limit,
                offset=offset,
                order="ASC",
            )

        self.set_source(fetch)

    @property
    def survey_wide(self) -> bool:
        return self.interaction_id is None and self.survey_id is not None

    # --- Load all ------------------------------------------------------------------

    async def load_all(self) -> bool:
        """Load every remaining tag with the client's concurrent loader.

        A worker drains the loader into an :class:`_Inbox`, so fetching never waits for
        the UI thread; the UI thread takes whatever has arrived, at most every
        :data:`INSERT_INTERVAL`, and inserts it in chunks. Every wake-up of the UI
        thread and every insert (with the view, proxy and status bar it updates) makes
        the UI thread take the GIL from the loader threads, so fewer, larger inserts
        load faster and keep the window more responsive. Returns True when the whole
        list is loaded; False when stopped or superseded. Errors leave the model in its
        failed state, with what was loaded kept.
        """
        client = self.client
        if client is None or not self.has_source:
            return False
        cancel = threading.Event()
        self._cancel_load_all = cancel
        generation = self.begin_bulk_load()
        inbox = _Inbox(asyncio.get_running_loop())
        survey_id = None if self.interaction_id is not None else self.survey_id
        interaction_id = self.interaction_id
        walk: PageWalk[Tag] = PageWalk(LOAD_ALL_PAGE)
        self.load_all_walk = walk

        def produce() -> None:
            pages = client.iter_tag_pages(
                survey_id=survey_id,
                interaction_id=interaction_id,
                page_size=LOAD_ALL_PAGE,
                cancel=cancel,
                walk=walk,
            )
            try:
                for page in pages:
                    inbox.put(TagRows(page))  # stored by column here, not on the UI thread
                    if cancel.is_set():
                        break
                inbox.put(None, last=True)
            except BaseException as error:  # handed to the UI thread, raised there
                inbox.put(error, last=True)
            finally:
                close = getattr(pages, "close", None)  # a generator: stop its workers
                if close is not None:
                    close()

        self._runner.spawn(self._runner.run(produce))
        try:
            with long_lived_allocations():
                complete = await self._receive(inbox, generation, cancel)
            if complete:
                self.end_bulk_load(generation, complete=True)
                return_free_memory()  # what the loader threads freed (a few MB)
            return complete
        except asyncio.CancelledError:  # Stop, or the window closing
            self.end_bulk_load(generation, complete=False, stopped=True)
            raise
        except CancelledError:  # the loader saw ``cancel``
            self.end_bulk_load(generation, complete=False, stopped=True)
            return False
        except SdxError as error:
            self.end_bulk_load(generation, complete=False, error=error)
            return False
        finally:
            cancel.set()  # the producer stops at its next page
            if self._cancel_load_all is cancel:
                self._cancel_load_all = None
                self.stateChanged.emit()  # "loading all" is over, whatever the outcome

    async def _receive(self, inbox: _Inbox, generation: int, cancel: threading.Event) -> bool:
        """Insert pages as they arrive; True when the list is complete."""
        loop = asyncio.get_running_loop()
        next_insert = 0.0
        while True:
            batch = await inbox.take(not_before=next_insert)
            if not self.is_current(generation) or cancel.is_set():
                return False
            # Chunks with a turn of the event loop between them, so no single insert
            # keeps the UI thread busy for long.
            rows = TagRows()
            for count, item in enumerate(batch, 1):
                if isinstance(item, BaseException):
                    self._insert_now(rows)
                    raise item
                if item is not None:
                    rows.extend(item)
                if len(rows) >= INSERT_CHUNK or count == len(batch):
                    self._insert_now(rows)
                    rows = TagRows()
                    await asyncio.sleep(0)
                    if not self.is_current(generation):
                        return False
            self.loadAllProgress.emit(self.loaded_count)
            if batch[-1] is None:
                return True
            next_insert = loop.time() + INSERT_INTERVAL

    def _insert_now(self, rows: TagRows) -> None:
        if len(rows):
            self.append_items(rows)

    def cancel_load_all(self) -> None:
        if self._cancel_load_all is not None:
            self._cancel_load_all.set()
            self._cancel_load_all = None
            self.stop()

    @property
    def loading_all(self) -> bool:
        return self._cancel_load_all is not None

    # --- display -------------------------------------------------------------------

    def display(self, item: Tag, column: int) -> str:
        if column == self.KEY:
            return item.custom_key
        if column == self.VALUE:
            return value_preview(item.custom_value)
        if column == self.INTERACTION:
            return str(item.interaction_id)
        if column == self.UPDATED:
            return short_time(item.updated_at)
        if column == self.CREATED:
            return short_time(item.created_at)
        return ""

    def sort_value(self, item: Tag, column: int) -> Any:
        if column == self.INTERACTION:
            return item.interaction_id
        if column == self.KEY:
            return item.custom_key.casefold()
        if column == self.VALUE:
            return item.custom_value.casefold()
        if column == self.UPDATED:
            return item.updated_at
        if column == self.CREATED:
            return item.created_at
        return self.display(item, column)

    def tooltip(self, item: Tag, column: int) -> str | None:
        if column == self.VALUE and item.custom_value:
            value = item.custom_value
            return value if len(value) <= TOOLTIP_LIMIT else value[:TOOLTIP_LIMIT] + " …"
        if column in (self.UPDATED, self.CREATED):
            return item.updated_at if column == self.UPDATED else item.created_at
        return None


class _Inbox:
    """Pages handed from the loader thread to the UI thread, which is woken only when
    it waits for them: no wake-up (and no GIL hand-over) for each page."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._lock = threading.Lock()
        self._items: deque[Any] = deque()
        self._last = False
        self._waiter: asyncio.Future[None] | None = None
        #: Whether any item wakes the waiter, or only the last one.
        self._wake_on_any = False

    def put(self, item: Any, *, last: bool = False) -> None:
        """From the loader thread; ``last`` marks the end (or an error)."""
        with self._lock:
            self._items.append(item)
            self._last = self._last or last
            waiter = self._waiter
            if waiter is None or not (last or self._wake_on_any):
                return
            self._waiter = None
        self._loop.call_soon_threadsafe(_wake, waiter)

    async def take(self, not_before: float = 0.0) -> list[Any]:
        """Everything handed over so far, once there is something; not before the loop
        time ``not_before`` unless the last item has come."""
        while True:
            with self._lock:
                early = self._loop.time() < not_before
                if self._items and (self._last or not early):
                    items = list(self._items)
                    self._items.clear()
                    return items
                waiter = self._waiter = self._loop.create_future()
                self._wake_on_any = not early
            try:
                if early:
                    await asyncio.wait({waiter}, timeout=not_before - self._loop.time())
                else:
                    await waiter
            finally:
                with self._lock:
                    if self._waiter is waiter:
                        self._waiter = None


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class TagFilterProxy(QSortFilterProxyModel):
    """Quick filter over key and value (case-insensitive, plain text). Sorting is passed
    on to the source model, which sorts far faster than a proxy can.

    The filter runs in Qt's own ``filterAcceptsRow`` on :data:`FilterTextRole`: with no
    filter text it accepts rows without calling into Python at all (a Python override
    is called for each of the 100,000 rows a "Load all" inserts, and each call must win
    the GIL back from the loader threads).
    The text is matched case-folded, as a plain substring of the key or of the value
    (a filter text holding a NUL character could also match across the two).
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._needle = ""
        self.setFilterRole(FilterTextRole)
        self.setFilterKeyColumn(0)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        source = self.sourceModel()
        if source is not None:
            source.sort(column, order)

    def set_text(self, text: str) -> None:
        needle = text.strip().casefold()
        if needle == self._needle:
            return
        self._needle = needle
        pattern = QRegularExpression(QRegularExpression.escape(needle) if needle else "")
        self.setFilterRegularExpression(pattern)  # re-filters (an empty one accepts all)

    @property
    def text(self) -> str:
        return self._needle

    def tag_at(self, proxy_row: int) -> Tag | None:
        tag = self.index(proxy_row, 0).data(ObjectRole)
        return tag if isinstance(tag, Tag) else None

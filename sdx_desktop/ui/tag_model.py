"""The tag table: a lazily paged model of tags plus the quick-filter proxy."""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING, Any, ClassVar

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)

from sdx_desktop.api.errors import CancelledError, SdxError
from sdx_desktop.api.models import Tag

from .layout import change_row_filter
from .memory import long_lived_allocations, release_long_lived
from .paged_model import ObjectRole, PagedTableModel
from .tasks import TaskRunner

TOOLTIP_LIMIT = 2000
#: Rows inserted at once while loading a whole list.
INSERT_CHUNK = 1000

if TYPE_CHECKING:
    from sdx_desktop.api.client import SdxClient


class TagTableModel(PagedTableModel[Tag]):
    KEY, VALUE, INTERACTION, UPDATED, CREATED = range(5)
    COLUMNS: ClassVar[tuple[str, ...]] = ("Key", "Value", "Interaction", "Updated", "Created")

    #: Rows loaded so far during "Load all".
    loadAllProgress = Signal(int)

    def __init__(
        self, runner: TaskRunner, page_size: int = 100, parent: QObject | None = None
    ) -> None:
        super().__init__(runner, page_size, parent)
        self.client: SdxClient | None = None
        self.survey_id: int | None = None
        self.interaction_id: int | None = None
        self._cancel_load_all: threading.Event | None = None

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

        A worker drains the loader into a queue, so fetching never waits for the UI
        thread; the UI thread inserts whatever has arrived, in chunks. Returns True when
        the whole list is loaded; False when stopped or superseded. Errors leave the
        model in its failed state, with what was loaded kept.
        """
        client = self.client
        if client is None or not self.has_source:
            return False
        cancel = threading.Event()
        self._cancel_load_all = cancel
        generation = self.begin_bulk_load()
        arrived: asyncio.Queue[list[Tag] | BaseException | None] = asyncio.Queue()
        loop = asyncio.get_running_loop()
        scope = {
            "survey_id": None if self.interaction_id is not None else self.survey_id,
            "interaction_id": self.interaction_id,
        }

        def produce() -> None:
            pages = client.iter_tag_pages(**scope, cancel=cancel)
            try:
                for page in pages:
                    loop.call_soon_threadsafe(arrived.put_nowait, page)
                    if cancel.is_set():
                        break
                loop.call_soon_threadsafe(arrived.put_nowait, None)
            except BaseException as error:  # handed to the UI thread, raised there
                loop.call_soon_threadsafe(arrived.put_nowait, error)
            finally:
                pages.close()

        self._runner.spawn(self._runner.run(produce))
        try:
            with long_lived_allocations():
                complete = await self._receive(arrived, generation, cancel)
            if complete:
                self.end_bulk_load(generation, complete=True)
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

    async def _receive(
        self,
        arrived: asyncio.Queue[list[Tag] | BaseException | None],
        generation: int,
        cancel: threading.Event,
    ) -> bool:
        """Insert pages as they arrive; True when the list is complete."""
        while True:
            batch = [await arrived.get()]
            while not arrived.empty():
                batch.append(arrived.get_nowait())
            if not self.is_current(generation) or cancel.is_set():
                return False
            rows: list[Tag] = []
            for item in batch:
                if isinstance(item, BaseException):
                    self._insert_now(rows)
                    raise item
                if item is not None:
                    rows.extend(item)
            # Chunks with a turn of the event loop between them, so no single insert
            # keeps the UI thread busy for long.
            for start in range(0, len(rows), INSERT_CHUNK):
                self.append_items(rows[start : start + INSERT_CHUNK])
                await asyncio.sleep(0)
                if not self.is_current(generation):
                    return False
            self.loadAllProgress.emit(self.loaded_count)
            if batch[-1] is None:
                return True

    def _insert_now(self, rows: list[Tag]) -> None:
        if rows:
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
            first_line, _, rest = item.custom_value.partition("\n")
            return first_line + (" …" if rest else "")
        if column == self.INTERACTION:
            return str(item.interaction_id)
        if column == self.UPDATED:
            return item.updated_at
        if column == self.CREATED:
            return item.created_at
        return ""

    def sort_value(self, item: Tag, column: int) -> Any:
        if column == self.INTERACTION:
            return item.interaction_id
        if column in (self.KEY, self.VALUE):
            return self.display(item, column).casefold()
        return self.display(item, column)

    def tooltip(self, item: Tag, column: int) -> str | None:
        if column == self.VALUE and item.custom_value:
            value = item.custom_value
            return value if len(value) <= TOOLTIP_LIMIT else value[:TOOLTIP_LIMIT] + " …"
        return None


class TagFilterProxy(QSortFilterProxyModel):
    """Quick filter over key and value (case-insensitive, plain text). Sorting is passed
    on to the source model, which sorts far faster than a proxy can."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._needle = ""

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        source = self.sourceModel()
        if source is not None:
            source.sort(column, order)

    def set_text(self, text: str) -> None:
        change_row_filter(self, lambda: setattr(self, "_needle", text.strip().casefold()))

    @property
    def text(self) -> str:
        return self._needle

    def filterAcceptsRow(
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        if not self._needle:
            return True
        tag = self.sourceModel().index(source_row, 0, source_parent).data(ObjectRole)
        if not isinstance(tag, Tag):
            return True
        return (
            self._needle in tag.custom_key.casefold() or self._needle in tag.custom_value.casefold()
        )

    def tag_at(self, proxy_row: int) -> Tag | None:
        tag = self.index(proxy_row, 0).data(ObjectRole)
        return tag if isinstance(tag, Tag) else None

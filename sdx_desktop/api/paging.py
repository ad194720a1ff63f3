"""Walking a list the API pages only by offset, exactly, while others change it.

The API has no totals, no next links and no cursors: a page is ``_limit`` rows from
``_offset`` of a list ordered by id, and the list ends at its first short page. Offset
paging alone is not exact under concurrent change: when someone deletes rows before
the point reached, every later row moves to a lower offset and the next page silently
starts past rows never seen; inserts before that point make rows come twice.

:class:`PageWalk` makes every walk continuity-checked, using the one thing the API
does guarantee, the order by id:

* It remembers the **cursor** (the id of the last row returned) and where the cursor
  was last seen in the server's list (the *boundary*). The next page is requested
  ``overlap`` rows before the boundary, so it must begin with rows already seen.
* A page that begins at or before the cursor is **continuous**: it is a contiguous
  slice of the list as it stood when it was read, so it holds every row between the
  cursor and its own last row. Only its rows past the cursor are returned.
* A page that begins past the cursor may have skipped rows (deletes shifted the list
  left): its rows are **not** returned; the walk **steps back** (by half a page, then
  doubling) until a page again begins at or before the cursor. A page at offset 0
  is continuous by definition, so the search always ends.
* Inserts or deletes on either side of the boundary, in either order (ASC or DESC),
  only move where the cursor is found; duplicate ids inside one page are merged.
* A walk that keeps getting pages with nothing new (a server that ignores
  ``_offset``, say) stops after :data:`NO_PROGRESS_LIMIT` requests with a plain
  :class:`ProtocolError` ("kept sending the same rows"), never an endless loop.

**Guarantee.** When a walk ends normally, every row that existed for the whole walk
has been returned exactly once, and no id is returned twice. Rows created or deleted
during the walk may or may not be among them; an upserted row comes in whichever
version the page that returned it saw.

The overlap costs ``overlap / (page_size - overlap)`` extra requests in the steady
state: ~2 % (20 rows of a 1,000-row page); a step back costs one or a few requests
each time deletes before the boundary outnumber the overlap.
"""

from __future__ import annotations

import bisect
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from itertools import pairwise
from operator import attrgetter
from typing import Any, Generic, Literal, TypeVar

from .errors import CancelledError, ProtocolError

T = TypeVar("T")
Order = Literal["ASC", "DESC"]
FetchPage = Callable[[int, int], Sequence[T]]  # (offset, limit) -> rows

#: Consecutive requests that bring nothing new before a walk gives up.
NO_PROGRESS_LIMIT = 64

_item_id: Callable[[Any], int] = attrgetter("id")


def default_overlap(page_size: int) -> int:
    """Rows each page re-reads from the one before: 2 % of the page, at least one."""
    return max(1, page_size // 50)


@dataclass(frozen=True, slots=True)
class Step(Generic[T]):
    """What one page added to a walk."""

    #: Rows not returned before, in list order (empty when the page was refused).
    rows: list[T]


class PageWalk(Generic[T]):
    """The state of one continuity-checked walk (see the module docstring).

    Not thread-safe: one owner asks :meth:`next_offset` and hands each fetched page to
    :meth:`take`. Pages fetched speculatively (several in flight) are fine as long as
    they are taken in the order they were planned.
    """

    def __init__(
        self,
        page_size: int,
        *,
        order: Order = "ASC",
        overlap: int | None = None,
        item_id: Callable[[T], int] = _item_id,
    ) -> None:
        if page_size < 2:
            raise ValueError("page_size must be at least 2 to overlap pages")
        if order not in ("ASC", "DESC"):
            raise ValueError("order must be ASC or DESC")
        self.page_size = page_size
        self.order: Order = order
        self.overlap = default_overlap(page_size) if overlap is None else overlap
        if not 1 <= self.overlap < page_size:
            raise ValueError("overlap must be 1 .. page_size - 1")
        self._item_id = item_id
        self._sign = 1 if order == "ASC" else -1
        #: Signed id of the last row returned (ids times ±1 always ascend).
        self._cursor: int | None = None
        #: Server position just past the cursor, as last seen.
        self._boundary = 0
        #: While searching back for the cursor: the lowest offset whose page began past
        #: it, how far back to look next, and (once a page ended at or before it) the
        #: lowest position it can be at.
        self._refused_at: int | None = None
        self._step_back = 0
        self._not_before: int | None = None
        self._idle_requests = 0
        self.done = False
        #: Pages taken, and how many of them were refused (for figures and tests).
        self.requests = 0
        self.refused = 0

    @property
    def stride(self) -> int:
        """Offset between consecutive planned pages in the steady state."""
        return self.page_size - self.overlap

    def next_offset(self) -> int:
        """Where the next page must start."""
        if self._cursor is None:
            return 0
        hi = self._refused_at
        if hi is None:
            return max(0, self._boundary - self.overlap)
        lo = self._not_before
        if lo is None:  # stepping back: half a page, then doubling
            return max(0, hi - self._step_back)
        # The cursor lies in [lo, hi): a page at lo spans it when the gap fits a page;
        # otherwise halve the gap.
        return lo if hi - lo <= self.page_size else (lo + hi) // 2

    def take(self, offset: int, page: Sequence[T]) -> Step[T]:
        """Check one fetched page against the walk and return what it adds."""
        if self.done:
            raise RuntimeError("the walk has ended")
        self.requests += 1
        rows, keys = self._ordered(page)
        full = len(page) >= self.page_size
        cursor = self._cursor
        old = 0 if cursor is None else bisect.bisect_right(keys, cursor)
        if cursor is not None and old == 0 and offset > 0:
            return self._refuse(offset)
        fresh = rows[old:]
        self._boundary = offset + len(page)
        if full and not fresh and self._refused_at is not None:
            # Stepped back too far: the cursor is at or after this page's last row
            # (unless inserts moved it past where the search began: search afresh).
            if self._boundary - 1 < self._refused_at:
                self._not_before = self._boundary - 1
            else:
                self._refused_at = self._not_before = None
            self._count_progress(False)
            return Step([])
        if fresh:
            self._cursor = keys[-1]
        self._refused_at = self._not_before = None
        self.done = not full
        self._count_progress(bool(fresh) or self.done)
        return Step(fresh)

    def resize(self, page_size: int) -> None:
        """Use another page size from the next page on (the overlap follows it)."""
        if page_size < 2:
            raise ValueError("page_size must be at least 2 to overlap pages")
        self.page_size = page_size
        self.overlap = default_overlap(page_size)

    def forget(self, item_id: int) -> None:
        """A row this walk already passed was deleted by us: the list before the
        boundary shrank by one, so the next page starts one row earlier."""
        if self._cursor is not None and self._sign * item_id <= self._cursor:
            self._boundary = max(0, self._boundary - 1)

    def _refuse(self, offset: int) -> Step[T]:
        self.refused += 1
        if self._refused_at is None:
            self._step_back = max(1, self.page_size // 2)
        elif self._not_before is None:
            self._step_back *= 2
        self._refused_at = offset if self._refused_at is None else min(self._refused_at, offset)
        if self._not_before is not None and offset <= self._not_before:
            # Deletes moved the cursor below what the search knew: step back afresh.
            self._not_before = None
            self._step_back = max(1, self.page_size // 2)
        self._count_progress(False)
        return Step([])

    def _count_progress(self, progressed: bool) -> None:
        if progressed:
            self._idle_requests = 0
            return
        self._idle_requests += 1
        if self._idle_requests >= NO_PROGRESS_LIMIT:
            raise ProtocolError(
                "Survey Dynamix kept sending the same rows, so loading stopped before "
                "the end of the list.",
                detail=f"{self._idle_requests} pages in a row brought no new rows "
                f"(last at offset {self._boundary}, page size {self.page_size})",
            )

    def _ordered(self, page: Sequence[T]) -> tuple[list[T], list[int]]:
        """The page's rows with duplicate ids merged, and their signed ids ascending."""
        sign, item_id = self._sign, self._item_id
        keys = [sign * item_id(row) for row in page]
        if all(a < b for a, b in pairwise(keys)):
            return list(page), keys
        rows: list[T] = []
        kept: list[int] = []
        seen: set[int] = set()
        for key, row in zip(keys, page, strict=True):
            if key not in seen:
                seen.add(key)
                rows.append(row)
                kept.append(key)
        if any(a > b for a, b in pairwise(kept)):
            raise ProtocolError(
                "Survey Dynamix sent a page of rows out of order, so the app cannot be "
                "sure the list is complete.",
                detail=f"page not ordered by id {self.order}",
            )
        return rows, kept


def walk_pages(
    fetch_page: FetchPage[T],
    *,
    page_size: int = 1000,
    order: Order = "ASC",
    concurrency: int = 8,
    cancel: threading.Event | None = None,
    walk: PageWalk[T] | None = None,
) -> Iterator[list[T]]:
    """Every row of a list, as pages of new rows in list order (exact: see the module
    docstring), with up to ``concurrency`` pages in flight.

    Pages are planned ``stride`` apart and taken in order; when a page is refused (the
    walk steps back) the pages still in flight no longer line up and are dropped. A
    failed page raises its error (after the client's own retries) and stops the rest.
    Setting ``cancel`` stops at the next page with :class:`CancelledError`.
    """
    if concurrency < 1:
        raise ValueError("concurrency must be positive")
    walk = walk or PageWalk(page_size, order=order)
    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="sdx-pages")
    window: deque[tuple[int, Future[Sequence[T]]]] = deque()
    planned = walk.next_offset()
    ahead = 1 if concurrency == 1 else 2 * concurrency
    try:
        while True:
            # Plan twice as far ahead as runs at once, so a worker never idles behind one
            # slow page; pages not started yet are simply dropped at the end. A walk one
            # page at a time plans nothing ahead: it reads exactly the pages it needs.
            while len(window) < ahead:
                window.append((planned, pool.submit(fetch_page, planned, walk.page_size)))
                planned += walk.stride
            offset, future = window.popleft()
            page = future.result()
            if cancel is not None and cancel.is_set():
                raise CancelledError()
            step = walk.take(offset, page)
            if step.rows:
                yield step.rows
            if walk.done:
                return
            expected = walk.next_offset()
            if not window or window[0][0] != expected:
                _drop(window)
                planned = expected
    finally:
        _drop(window)
        pool.shutdown(wait=False, cancel_futures=True)


def _drop(window: deque[tuple[int, Future[Any]]]) -> None:
    for _, future in window:
        future.cancel()
    window.clear()

"""Loading every page of a list whose size the API never tells us.

The API has no totals and no next links: a list ends at its first short page. To load
a whole survey quickly we fetch a *speculative window* of pages at once (bounded, e.g.
8 in flight) and keep the window full until a short page shows where the end is. Pages
are handed back in order, so rows arrive in ascending id order; pages fetched past the
end come back empty and cost one quick request each at most.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from .errors import CancelledError

T = TypeVar("T")

FetchPage = Callable[[int, int], Sequence[T]]  # (offset, limit) -> rows


def iter_pages(
    fetch_page: FetchPage[T],
    *,
    page_size: int = 1000,
    concurrency: int = 8,
    cancel: threading.Event | None = None,
) -> Iterator[Sequence[T]]:
    """Yield pages in offset order until the first page shorter than ``page_size``.

    A failed page raises its error (after the client's own retries) and stops the
    rest. Setting ``cancel`` stops at the next page boundary with :class:`CancelledError`.
    """
    if page_size < 1 or concurrency < 1:
        raise ValueError("page_size and concurrency must be positive")
    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="sdx-pages")
    window: deque[Future[Sequence[T]]] = deque()
    next_offset = 0
    end_seen = False
    try:
        while True:
            while not end_seen and len(window) < concurrency:
                window.append(pool.submit(fetch_page, next_offset, page_size))
                next_offset += page_size
            if not window:
                return
            page = window.popleft().result()
            if cancel is not None and cancel.is_set():
                raise CancelledError()
            if len(page) < page_size:
                end_seen = True
                for speculative in window:
                    speculative.cancel()
                window.clear()
            yield page
    finally:
        for future in window:
            future.cancel()
        pool.shutdown(wait=False, cancel_futures=True)

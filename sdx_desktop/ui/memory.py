"""Keeping Python's cyclic garbage collector from freezing the window.

Loading a whole survey makes ~100,000 long-lived tag objects. Each full collection
walks every tracked object, and the collector runs several while they arrive: tens of
ms each on the UI thread. The tags hold no reference cycles (refcounting frees them),
so the collector is paused while they arrive and what was made is then moved to the
permanent generation, which later collections skip.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def long_lived_allocations() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def release_long_lived() -> None:
    """The loaded data was let go (another list is shown): let the collector see the
    rest of the frozen objects again, so cycles among them can be reclaimed."""
    if gc.get_freeze_count():
        gc.unfreeze()

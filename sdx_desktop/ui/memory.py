"""Keeping a whole survey's tags small in memory, and the garbage collector quiet.

**Compact rows.** A ``Tag`` record costs ~230 bytes once its id and its two timestamp
strings are counted (a 19-character timestamp is an 80-byte string object), so
100,000 tags held as records take ~23 MB. :class:`TagRows` keeps the same tags by
column: the id, interaction id, key and value as references (to objects shared with
the decoder's per-page sharing and the model's id set) and the two timestamps as
fixed-width ASCII in one byte array each, ~75 bytes a tag. Reading a row rebuilds an
equal ``Tag`` (not the same object). Tags that do not fit the columns (extra fields,
odd timestamps, a subclass) are kept whole.

**C heap.** The pages' bodies are read and decoded in eight loader threads, and the C
library keeps what they freed for reuse (3-6 MB after a whole survey);
:func:`return_free_memory` hands it back to the system once the list is in.

**Collector.** Loading a whole survey makes many long-lived objects. Each full
collection walks every tracked object, and the collector runs several while they
arrive: tens of ms each on the UI thread. They hold no reference cycles (refcounting
frees them), so the collector is paused while they arrive and what was made is then
moved to the permanent generation, which later collections skip.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Iterable, Iterator, MutableSequence
from contextlib import contextmanager
from itertools import repeat
from operator import attrgetter, is_
from typing import Any, overload

from sdx_desktop.api.models import NO_EXTRA, Tag


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


_trim: Callable[[], object] | None = None


def return_free_memory() -> None:
    """Give the C heap's free memory back to the system (glibc's ``malloc_trim``; a
    no-op elsewhere). Takes a few ms after a whole survey."""
    global _trim
    if _trim is None:
        _trim = _find_trim()
    _trim()


def _find_trim() -> Callable[[], object]:
    if sys.platform.startswith("linux"):
        import ctypes  # here, not at import: the window's start does not need it

        try:
            malloc_trim = ctypes.CDLL(None).malloc_trim  # glibc only (not musl)
        except (OSError, AttributeError):
            pass
        else:
            malloc_trim.argtypes = [ctypes.c_size_t]
            malloc_trim.restype = ctypes.c_int
            return lambda: malloc_trim(0)
    return lambda: None


def release_long_lived() -> None:
    """The loaded data was let go (another list is shown): let the collector see the
    rest of the frozen objects again, so cycles among them can be reclaimed."""
    if gc.get_freeze_count():
        gc.unfreeze()


# --- compact rows ----------------------------------------------------------------------

#: The fields TagRows stores by column. If ``Tag`` ever has others, every tag is kept
#: whole (correct, just not compact).
_COLUMNS = ("id", "interaction_id", "custom_key", "custom_value", "created_at", "updated_at")
_COMPACT = Tag.__struct_fields__ == (*_COLUMNS, "extra")
_id, _interaction, _key, _value, _created, _updated, _extra = map(attrgetter, (*_COLUMNS, "extra"))

#: Rows rebuilt at once while iterating.
_ITER_BLOCK = 4096
#: Timestamps longer than this (or not ASCII, or holding NUL) keep their tag whole.
MAX_STAMP = 40


class _Stamps:
    """One timestamp column: ASCII text, NUL-padded to a common width, in one array."""

    __slots__ = ("blob", "width")

    def __init__(self, width: int = 19) -> None:
        self.blob = bytearray()
        self.width = width

    @staticmethod
    def fits(text: str) -> bool:
        return len(text) <= MAX_STAMP and text.isascii() and "\0" not in text

    def get(self, row: int) -> str:
        w = self.width
        return self.blob[row * w : row * w + w].rstrip(b"\0").decode("ascii")

    def texts(self, start: int, stop: int) -> list[str]:
        """The cells of rows ``start`` to ``stop`` (a few C calls for the whole span)."""
        w = self.width
        text = self.blob[start * w : stop * w].decode("ascii")
        cells = [text[i : i + w] for i in range(0, len(text), w)]
        return list(map(str.rstrip, cells, repeat("\0", len(cells))))

    def encode(self, text: str) -> bytes:
        """``text`` (which fits) at this column's width, widening the column if needed."""
        if len(text) > self.width:
            self._widen(len(text))
        return text.encode("ascii").ljust(self.width, b"\0")

    def extend_fast(self, texts: list[str]) -> bool:
        """Append when every text has exactly this width (the usual case, done in C)."""
        if set(map(len, texts)) != {self.width}:
            return False
        joined = "".join(texts)
        if not joined.isascii() or "\0" in joined:
            return False
        self.blob += joined.encode("ascii")
        return True

    def set(self, row: int, text: str) -> None:
        cell = self.encode(text)
        self.blob[row * self.width : (row + 1) * self.width] = cell

    def insert(self, row: int, text: str) -> None:
        cell = self.encode(text)
        self.blob[row * self.width : row * self.width] = cell

    def delete(self, row: int) -> None:
        del self.blob[row * self.width : (row + 1) * self.width]

    def extend_stamps(self, other: _Stamps) -> None:
        """Append another column's cells (widening the narrower one)."""
        if other.width < self.width:
            other = other.copy()
            other._widen(self.width)
        elif other.width > self.width:
            self._widen(other.width)
        self.blob += other.blob

    def copy(self) -> _Stamps:
        twin = _Stamps(self.width)
        twin.blob = self.blob.copy()
        return twin

    def _widen(self, width: int) -> None:
        old, blob = self.width, self.blob
        self.blob = bytearray(
            b"".join(blob[i : i + old].ljust(width, b"\0") for i in range(0, len(blob), old))
        )
        self.width = width


class TagRows(MutableSequence[Tag]):
    """A list of tags stored by column (see the module docstring). Reading a row gives
    an equal ``Tag``; the last one read is kept, so the roles a view asks of one cell
    build it once."""

    def __init__(self, tags: Iterable[Tag] = ()) -> None:
        self._init()
        self.extend(tags)

    def _init(self) -> None:
        self._ids: list[int] = []
        self._interactions: list[int] = []
        self._keys: list[str] = []
        self._values: list[str] = []
        #: The tag itself where it does not fit the columns, else None (no list at all
        #: while every tag fits).
        self._whole: list[Tag | None] | None = None
        self._created = _Stamps()
        self._updated = _Stamps()
        self._cached: tuple[int, Tag] | None = None

    # --- reading -------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._ids)

    @overload
    def __getitem__(self, index: int) -> Tag: ...

    @overload
    def __getitem__(self, index: slice) -> list[Tag]: ...

    def __getitem__(self, index: int | slice) -> Tag | list[Tag]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self._ids))
            if step == 1:
                return self._block(start, max(start, stop))
            return [self._tag(i) for i in range(start, stop, step)]
        return self._tag(self._row(index))

    def _block(self, start: int, stop: int) -> list[Tag]:
        """Rows ``start`` to ``stop`` rebuilt at once (~5× faster than one by one)."""
        if not _COMPACT:
            return [self._tag(row) for row in range(start, stop)]
        tags = list(
            map(
                Tag,  # positional: _COMPACT checked the fields' order
                self._ids[start:stop],
                self._interactions[start:stop],
                self._keys[start:stop],
                self._values[start:stop],
                self._created.texts(start, stop),
                self._updated.texts(start, stop),
            )
        )
        if self._whole is not None:
            for offset, whole in enumerate(self._whole[start:stop]):
                if whole is not None:
                    tags[offset] = whole
        return tags

    def _tag(self, row: int) -> Tag:
        cached = self._cached
        if cached is not None and cached[0] == row:
            return cached[1]
        tag = None if self._whole is None else self._whole[row]
        if tag is None:
            tag = Tag(
                id=self._ids[row],
                interaction_id=self._interactions[row],
                custom_key=self._keys[row],
                custom_value=self._values[row],
                created_at=self._created.get(row),
                updated_at=self._updated.get(row),
            )
        self._cached = (row, tag)
        return tag

    def __iter__(self) -> Iterator[Tag]:
        start = 0
        while start < len(self._ids):  # in blocks: a whole survey is not rebuilt at once
            block = self._block(start, min(len(self._ids), start + _ITER_BLOCK))
            yield from block
            start += len(block)

    def __contains__(self, value: object) -> bool:
        return self.find(value) is not None

    def index(self, value: Any, start: int = 0, stop: int | None = None) -> int:
        row = self.find(value, start, stop)
        if row is None:
            raise ValueError(f"{value!r} is not in the list")
        return row

    def find(self, value: object, start: int = 0, stop: int | None = None) -> int | None:
        if not isinstance(value, Tag):
            return None
        ids, ident = self._ids, value.id
        stop = len(ids) if stop is None else stop
        row = start
        while True:
            try:
                row = ids.index(ident, row, stop)
            except ValueError:
                return None
            if self._tag(row) == value:
                return row
            row += 1

    def row_of_id(self, item_id: int) -> int | None:
        """The first row holding the tag with this id (a search in C, no tags built)."""
        try:
            return self._ids.index(item_id)
        except ValueError:
            return None

    @property
    def ids(self) -> list[int]:
        """The ids, in row order (the list itself: read it, do not change it)."""
        return self._ids

    def key(self, row: int) -> str:
        return self._keys[row]

    def value(self, row: int) -> str:
        return self._values[row]

    # --- changing ------------------------------------------------------------------

    def extend(self, tags: Iterable[Tag]) -> None:
        if isinstance(tags, TagRows):
            self._extend_rows(tags)
            return
        batch = tags if isinstance(tags, list) else list(tags)
        if not batch:
            return
        plain = (
            _COMPACT
            and set(map(type, batch)) == {Tag}
            and all(map(is_, map(_extra, batch), repeat(NO_EXTRA)))
        )
        if plain:
            created, updated = list(map(_created, batch)), list(map(_updated, batch))
            if self._created.extend_fast(created):
                if self._updated.extend_fast(updated):
                    self._ids += map(_id, batch)
                    self._interactions += map(_interaction, batch)
                    self._keys += map(_key, batch)
                    self._values += map(_value, batch)
                    if self._whole is not None:
                        self._whole += repeat(None, len(batch))
                    return
                del self._created.blob[len(self._ids) * self._created.width :]
        for tag in batch:
            self.insert(len(self._ids), tag)

    def _extend_rows(self, other: TagRows) -> None:
        """Append another TagRows column by column (in C: no tag is rebuilt)."""
        if other is self:
            other = TagRows(list(other))
        if other._whole is not None and self._whole is None:
            self._whole = [None] * len(self._ids)
        if self._whole is not None:
            self._whole += other._whole if other._whole is not None else repeat(None, len(other))
        self._ids += other._ids
        self._interactions += other._interactions
        self._keys += other._keys
        self._values += other._values
        self._created.extend_stamps(other._created)
        self._updated.extend_stamps(other._updated)

    def without(self, ids: set[int] | frozenset[int]) -> TagRows:
        """The rows whose id is not in ``ids`` (self, when none is)."""
        if ids.isdisjoint(self._ids):
            return self
        return TagRows([self._tag(r) for r, ident in enumerate(self._ids) if ident not in ids])

    def insert(self, index: int, value: Tag) -> None:
        row = max(0, min(len(self._ids), index if index >= 0 else len(self._ids) + index))
        whole = None if self._fits(value) else value
        if whole is not None and self._whole is None:
            self._whole = [None] * len(self._ids)
        if self._whole is not None:
            self._whole.insert(row, whole)
        self._ids.insert(row, value.id)
        self._interactions.insert(row, value.interaction_id)
        self._keys.insert(row, value.custom_key)
        self._values.insert(row, value.custom_value)
        self._created.insert(row, "" if whole is not None else value.created_at)
        self._updated.insert(row, "" if whole is not None else value.updated_at)
        self._cached = None

    @overload
    def __setitem__(self, index: int, value: Tag) -> None: ...

    @overload
    def __setitem__(self, index: slice, value: Iterable[Tag]) -> None: ...

    def __setitem__(self, index: int | slice, value: Any) -> None:
        if isinstance(index, slice):
            tags = list(self)
            tags[index] = value
            self.clear()
            self.extend(tags)
            return
        row = self._row(index)
        whole = None if self._fits(value) else value
        if whole is not None and self._whole is None:
            self._whole = [None] * len(self._ids)
        if self._whole is not None:
            self._whole[row] = whole
        self._ids[row] = value.id
        self._interactions[row] = value.interaction_id
        self._keys[row] = value.custom_key
        self._values[row] = value.custom_value
        self._created.set(row, "" if whole is not None else value.created_at)
        self._updated.set(row, "" if whole is not None else value.updated_at)
        self._cached = None

    def __delitem__(self, index: int | slice) -> None:
        if isinstance(index, slice):
            for row in sorted(range(*index.indices(len(self._ids))), reverse=True):
                del self[row]
            return
        row = self._row(index)
        for column in (self._ids, self._interactions, self._keys, self._values, self._whole):
            if column is not None:
                del column[row]
        self._created.delete(row)
        self._updated.delete(row)
        self._cached = None

    def clear(self) -> None:
        self._init()

    def sort(self, *, key: Any = None, reverse: bool = False) -> None:
        """Like ``list.sort`` (stable), by the rebuilt tags."""
        tags = self._block(0, len(self._ids))
        tags.sort(key=key, reverse=reverse)
        self.clear()
        self.extend(tags)

    # --- helpers -------------------------------------------------------------------

    def _row(self, index: int) -> int:
        row = index + len(self._ids) if index < 0 else index
        if not 0 <= row < len(self._ids):
            raise IndexError("TagRows index out of range")
        return row

    @staticmethod
    def _fits(tag: Tag) -> bool:
        return (
            _COMPACT
            and type(tag) is Tag
            and tag.extra is NO_EXTRA
            and _Stamps.fits(tag.created_at)
            and _Stamps.fits(tag.updated_at)
        )

"""Writing tags to a CSV or XLSX file, in the long layout (one row per tag) or the wide
one (one row per interaction, one column per key).

The long layout streams: each tag is written as it arrives, so memory stays flat
whatever the survey's size. The wide layout needs every key before it can write its
header, so it keeps the values (not the tag objects) until the end. Either way the file
appears only when it is complete: rows go to a temporary file beside it, which replaces
the target at the end and is removed on an error or a cancel.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sdx_desktop.api.errors import CancelledError
from sdx_desktop.api.models import Interaction, Tag

from .csv_format import CsvSink
from .table import (
    EXCEL_CELL_CHARS,
    FORMATS,
    LAYOUTS,
    LONG_COLUMNS,
    WIDE_FIXED,
    Format,
    Layout,
    WriteError,
)
from .xlsx_writer import XlsxSink

#: Progress is reported (and cancel checked) every this many tags.
STEP = 1000

Progress = Callable[[int], None]


class Sink(Protocol):
    rows: int

    def header(self, names: Sequence[str]) -> None: ...
    def write(self, cells: Sequence[str]) -> None: ...
    def close(self) -> None: ...
    def abort(self) -> None: ...


@dataclass(frozen=True, slots=True)
class ExportSummary:
    path: Path
    layout: Layout
    format: Format
    #: Data rows written (the header not counted).
    rows: int
    #: Tags written.
    tags: int
    #: ``(row, column)`` of values cut to Excel's 32,767-character cell limit (XLSX only).
    too_long: tuple[tuple[int, str], ...] = ()

    @property
    def too_long_rows(self) -> list[int]:
        return sorted({row for row, _ in self.too_long})

    def warning(self) -> str:
        """A plain sentence about cut values, or ``""``."""
        rows = self.too_long_rows
        if not rows:
            return ""
        shown = ", ".join(str(r) for r in rows[:10]) + (" …" if len(rows) > 10 else "")
        return (
            f"{len(self.too_long)} value(s) are longer than Excel's limit of "
            f"{EXCEL_CELL_CHARS:,} characters per cell and were cut in the file (rows "
            f"{shown}). Export as CSV to keep them whole; do not import this file back "
            "for those rows."
        )


def format_for(path: str | Path, default: Format = "csv") -> Format:
    """The format a file name asks for: ``.xlsx`` → xlsx, ``.csv``/``.txt`` → csv."""
    suffix = Path(path).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix in (".csv", ".txt", ".tsv"):
        return "csv"
    return default


def write_tags(
    tags: Iterable[Tag],
    path: str | Path,
    *,
    layout: Layout = "long",
    fmt: Format = "csv",
    interactions_by_id: Mapping[int, Interaction] | None = None,
    all_interactions: bool = False,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> ExportSummary:
    """Write ``tags`` (in the order given; an iterator is consumed as it goes) to
    ``path``. ``interactions_by_id`` supplies the External ref column; with
    ``all_interactions`` the wide layout also has a row for each interaction there that
    has no tag (a sheet to fill in). ``progress(tags_written)`` is called every
    :data:`STEP` tags; ``cancel`` stops the export (``CancelledError``) and leaves no
    file. Raises :class:`WriteError` when the file cannot be written."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}")
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}")
    target = Path(path)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.partial")
    refs = interactions_by_id or {}
    try:
        sink: Sink = (XlsxSink if fmt == "xlsx" else CsvSink).open(temporary)
    except OSError as error:
        raise WriteError(f"The file could not be created ({error.strerror}).") from None
    try:
        if layout == "long":
            count = _write_long(sink, tags, refs, progress, cancel)
        else:
            count = _write_wide(sink, tags, refs, all_interactions, progress, cancel)
        sink.close()
        if progress is not None:
            progress(count)
        os.replace(temporary, target)
    except BaseException as error:
        _discard(sink, temporary)
        if isinstance(error, OSError):
            raise WriteError(f"The file could not be written ({error.strerror}).") from None
        raise
    too_long = tuple(sink.too_long) if isinstance(sink, XlsxSink) else ()
    return ExportSummary(target, layout, fmt, sink.rows - 1, count, too_long)


def _discard(sink: Sink, temporary: Path) -> None:
    with contextlib.suppress(Exception):  # already failing: the first error is reported
        sink.abort()
    temporary.unlink(missing_ok=True)


def _check(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise CancelledError()


def _ref(refs: Mapping[int, Interaction], interaction_id: int) -> str:
    interaction = refs.get(interaction_id)
    return interaction.external_ref if interaction is not None else ""


def _write_long(
    sink: Sink,
    tags: Iterable[Tag],
    refs: Mapping[int, Interaction],
    progress: Progress | None,
    cancel: threading.Event | None,
) -> int:
    sink.header(LONG_COLUMNS)
    write = sink.write
    count = 0
    last_id, last_ref = -1, ""
    for tag in tags:
        if tag.interaction_id != last_id:
            last_id, last_ref = tag.interaction_id, _ref(refs, tag.interaction_id)
        write((str(tag.interaction_id), last_ref, tag.custom_key, tag.custom_value, tag.updated_at))
        count += 1
        if count % STEP == 0:
            _check(cancel)
            if progress is not None:
                progress(count)
    _check(cancel)
    return count


def _write_wide(
    sink: Sink,
    tags: Iterable[Tag],
    refs: Mapping[int, Interaction],
    all_interactions: bool,
    progress: Progress | None,
    cancel: threading.Event | None,
) -> int:
    values: dict[int, dict[str, str]] = {}
    keys: set[str] = set()
    count = 0
    for tag in tags:
        row = values.get(tag.interaction_id)
        if row is None:
            row = values[tag.interaction_id] = {}
        row[tag.custom_key] = tag.custom_value
        keys.add(tag.custom_key)
        count += 1
        if count % STEP == 0:
            _check(cancel)
            if progress is not None:
                progress(count)
    _check(cancel)
    ordered_keys = sorted(keys, key=lambda k: (k.casefold(), k))
    sink.header((*WIDE_FIXED, *ordered_keys))
    ids = set(values)
    if all_interactions:
        ids.update(refs)
    for interaction_id in sorted(ids):
        row = values.get(interaction_id, {})
        sink.write(
            (
                str(interaction_id),
                _ref(refs, interaction_id),
                *(row.get(k, "") for k in ordered_keys),
            )
        )
    return count

"""Writing XLSX: the workbook from ``xlsxwriter``, the data rows streamed by this module.

xlsxwriter writes everything Excel is particular about — the package parts, styles, the
bold header row, the frozen pane, the column widths — for a sheet that holds only the
header. The data rows are plain inline-string cells, exactly the form xlsxwriter itself
writes in its constant-memory mode, but written here row by row into a temporary file
(xlsxwriter's per-cell path costs about 5 µs a cell: 2.5 s for a 100,000-tag export;
this one about a tenth of that). At the end the header-only sheet is opened at its
``</sheetData>`` and the rows are streamed in, the sheet's dimension set, and the
workbook zipped to its place.

Every value is a text cell (``=1+2``, ``+cmd``, ``@SUM(A1)``, ``-5`` stay text). Text is
escaped as Excel expects: ``& < >`` as entities, control characters as ``_xHHHH_`` (and a
literal ``_xHHHH_`` as ``_x005F_xHHHH_``), leading or trailing spaces preserved.
"""

from __future__ import annotations

import contextlib
import io
import queue
import re
import threading
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from .table import EXCEL_CELL_CHARS, WriteError, column_letter

#: Excel's sheet size.
EXCEL_ROWS = 1_048_576
EXCEL_COLUMNS = 16_384
SHEET_NAME = "Tags"
SHEET_PART = "xl/worksheets/sheet1.xml"
#: Column widths, in characters.
MIN_WIDTH, MAX_WIDTH = 8, 60
#: Rows collected before they go to the temporary file.
BATCH = 1000

_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9A-Fa-f]{4}_|^\s|\s$")
_ESCAPED_ESCAPE = re.compile(r"(_x[0-9A-Fa-f]{4}_)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
_ROW_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")
_DIMENSION = re.compile(rb'<dimension ref="[^"]*"/>')


def inline_cell(ref: str, value: str) -> str:
    """One text cell as it goes into the sheet."""
    if not _SPECIAL.search(value):
        return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'
    text = _ESCAPED_ESCAPE.sub(r"_x005F\1", value)
    text = _CONTROL.sub(lambda m: f"_x{ord(m[0]):04X}_", text)
    text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    space = ' xml:space="preserve"' if value[:1].isspace() or value[-1:].isspace() else ""
    return f'<c r="{ref}" t="inlineStr"><is><t{space}>{text}</t></is></c>'


class XlsxSink:
    """Writes rows into one worksheet; see the module's description. Column widths come
    from the header and the first :data:`BATCH` rows. A value longer than Excel's
    32,767-character cell limit is cut to the limit and reported in :attr:`too_long` as
    ``(row, column)``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._batch: list[str] = []
        self._names: Sequence[str] = ()
        self._letters: list[str] = []
        self._widths: list[int] = []
        self._zip: zipfile.ZipFile | None = None
        self._stream: IO[bytes] | None = None
        self._later: list[tuple[zipfile.ZipInfo, bytes]] = []
        self._tail = b""
        self._writer: _Compressor | None = None
        self.rows = 0
        self.too_long: list[tuple[int, str]] = []

    @classmethod
    def open(cls, path: Path) -> XlsxSink:
        return cls(path)

    def header(self, names: Sequence[str]) -> None:
        if len(names) > EXCEL_COLUMNS:
            raise WriteError(
                f"{len(names):,} columns do not fit in an Excel sheet (at most "
                f"{EXCEL_COLUMNS:,}). Export the long layout, or as CSV."
            )
        self._names = names
        self._letters = [column_letter(i) for i in range(len(names))]
        self._widths = [min(MAX_WIDTH, max(MIN_WIDTH, len(n) + 2)) for n in names]
        self.rows = 1

    def write(self, cells: Sequence[str]) -> None:
        number = self.rows + 1  # Excel's row number
        if number > EXCEL_ROWS:
            raise WriteError(
                f"More than {EXCEL_ROWS:,} rows do not fit in an Excel sheet. Export as CSV."
            )
        if len(cells) > len(self._letters):
            raise WriteError("A row has more cells than the header has columns.", row=number)
        letters = self._letters
        sizing = self._writer is None
        plain = _ROW_SPECIAL.search("".join(cells)) is None
        parts = [f'<row r="{number}">']
        for col, value in enumerate(cells):
            if not value:
                continue
            if sizing:
                self._size(col, len(value))
            if len(value) > EXCEL_CELL_CHARS:
                self.too_long.append((number, self._names[col]))
                value = value[:EXCEL_CELL_CHARS]
            if plain and not (value[0].isspace() or value[-1].isspace()):
                parts.append(
                    f'<c r="{letters[col]}{number}" t="inlineStr"><is><t>{value}</t></is></c>'
                )
            else:
                parts.append(inline_cell(f"{letters[col]}{number}", value))
        parts.append("</row>")
        self._batch.append("".join(parts))
        self.rows = number
        if len(self._batch) >= BATCH:
            self._flush()

    def _size(self, col: int, size: int) -> None:
        if size + 2 > self._widths[col]:
            self._widths[col] = min(MAX_WIDTH, size + 2)

    def _flush(self, final: bool = False) -> None:
        if self._writer is None:
            self._start(final)
        assert self._writer is not None
        text = "".join(self._batch)
        self._batch.clear()
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:
            raise WriteError("A value contains a character that cannot be saved.") from None
        self._writer.put(data)

    def _start(self, final: bool) -> None:
        """Open the workbook with xlsxwriter's parts and the sheet up to its rows; the
        rows then stream into it (compressed in a thread: zlib lets others run)."""
        shell = self._shell()
        self._zip = zipfile.ZipFile(self.path, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        with zipfile.ZipFile(io.BytesIO(shell)) as source:
            parts = [(info, source.read(info)) for info in source.infolist()]
        names = [info.filename for info, _ in parts]
        if SHEET_PART not in names:
            raise WriteError("The Excel file could not be put together (no sheet part).")
        at = names.index(SHEET_PART)
        for info, data in parts[:at]:
            self._zip.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
        self._later = parts[at + 1 :]
        sheet = parts[at]
        # The dimension is optional: it is kept when every row is known already (the
        # export ends within the first batch), else left out rather than wrong.
        last = f"{self._letters[-1] if self._letters else 'A'}{max(self.rows, 1)}"
        dimension = f'<dimension ref="A1:{last}"/>'.encode() if final else b""
        data = _DIMENSION.sub(dimension, sheet[1], count=1)
        head, self._tail = data.split(b"</sheetData>", 1)
        part = zipfile.ZipInfo(SHEET_PART, date_time=sheet[0].date_time)
        part.compress_type = zipfile.ZIP_DEFLATED
        self._stream = self._zip.open(part, "w", force_zip64=True)
        self._writer = _Compressor(self._stream)
        self._writer.put(head)

    def abort(self) -> None:
        self._batch.clear()
        if self._writer is not None:
            self._writer.finish(raise_error=False)
        for closable in (self._stream, self._zip):
            if closable is not None:
                with contextlib.suppress(Exception):
                    closable.close()

    def close(self) -> None:
        try:
            self._flush(final=True)
            assert self._writer is not None and self._stream is not None
            self._writer.put(b"</sheetData>" + self._tail)
            self._writer.finish()
            self._stream.close()
            assert self._zip is not None
            for info, data in self._later:
                self._zip.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
            self._zip.close()
        except OSError as error:
            self.abort()
            raise WriteError(f"Writing the Excel file failed ({error.strerror}).") from None

    def _shell(self) -> bytes:
        """The workbook as xlsxwriter writes it with only the header row."""
        import xlsxwriter

        buffer = io.BytesIO()
        book: Any = xlsxwriter.Workbook(
            buffer,
            {
                "in_memory": True,
                # Never turn text into numbers, formulas or links.
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
            },
        )
        sheet = book.add_worksheet(SHEET_NAME)
        bold = book.add_format({"bold": True})
        for col, name in enumerate(self._names):
            sheet.write_string(0, col, name, bold)
            sheet.set_column(col, col, self._widths[col])
        sheet.freeze_panes(1, 0)
        book.close()
        return buffer.getvalue()


class _Compressor:
    """Writes byte chunks to a zip entry in a thread of its own: the compression (zlib
    releases the GIL) overlaps with building the next rows."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=8)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="sdx-xlsx-zip", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (chunk := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self._stream.write(chunk)
                except BaseException as error:  # handed to the writing thread
                    self._error = error

    def put(self, chunk: bytes) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(chunk)

    def finish(self, *, raise_error: bool = True) -> None:
        self._queue.put(None)
        self._thread.join()
        if raise_error and self._error is not None:
            raise self._error

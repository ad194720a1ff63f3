"""What every format module shares: the column names, the limits, the table read from a
file, and the one error type with a plain message naming the row and column."""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field
from typing import Literal

# --- column names ----------------------------------------------------------------------
# Fixed names contain a space, so they can never clash with a tag key.
INTERACTION_ID = "Interaction ID"
EXTERNAL_REF = "External ref"
KEY = "Key"
VALUE = "Value"
UPDATED = "Updated"

LONG_COLUMNS = (INTERACTION_ID, EXTERNAL_REF, KEY, VALUE, UPDATED)
WIDE_FIXED = (INTERACTION_ID, EXTERNAL_REF)

Layout = Literal["long", "wide"]
Format = Literal["csv", "xlsx"]
LAYOUTS: tuple[Layout, ...] = ("long", "wide")
FORMATS: tuple[Format, ...] = ("csv", "xlsx")

DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
ENCODING_NAMES = {
    "utf-8-sig": "UTF-8 (with byte-order mark)",
    "utf-8": "UTF-8",
    "utf-16-le": "UTF-16 (Unicode Text)",
    "utf-16-be": "UTF-16 big-endian",
}

# --- limits ----------------------------------------------------------------------------
#: Data rows a file may have (a 100,000-tag survey is 100,000 rows in the long layout).
MAX_ROWS = 500_000
#: Characters a cell may have before the file is refused as not a tag list.
MAX_CELL_CHARS = 1_000_000
#: Characters Survey Dynamix keeps in one value (sdx-api.md); longer is "not sendable".
MAX_VALUE_CHARS = 65_535
#: Excel's limit for one cell.
EXCEL_CELL_CHARS = 32_767
#: Bytes a CSV/text file may have (it is read whole).
MAX_FILE_BYTES = 512 * 2**20
#: Columns a file may have (Excel's own limit is 16,384).
MAX_COLUMNS = 16_384


class ExchangeError(Exception):
    """A file that cannot be read, written or understood. ``str()`` is a plain sentence
    for staff, naming the row and column where there is one."""

    def __init__(self, message: str, *, row: int | None = None, column: str | None = None) -> None:
        self.message = message
        self.row = row
        self.column = column
        super().__init__(_where(row, column) + message)


class ReadError(ExchangeError):
    """The file is not a spreadsheet this app can read (nothing is written)."""


class LayoutError(ExchangeError):
    """The file is readable but is not a list of tags (no header, missing columns)."""


class WriteError(ExchangeError):
    """The export file could not be written (nothing is left behind)."""


def _where(row: int | None, column: str | None) -> str:
    if row is not None and column:
        return f"Row {row}, column {column}: "
    if row is not None:
        return f"Row {row}: "
    if column:
        return f"Column {column}: "
    return ""


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA (how Excel names columns)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass(frozen=True, slots=True)
class Table:
    """A sheet as text: the header row and the data rows, every cell a ``str`` (an empty
    cell is ``""``). Fully blank rows are left out; ``row_numbers[i]`` is the row number
    of ``rows[i]`` as a spreadsheet program shows it (the header is row ``header_row``).

    ``format``, ``encoding``, ``delimiter`` and ``sheet`` say how the file was read, so a
    window can show them and read the file again with others."""

    header: tuple[str, ...]
    rows: list[tuple[str, ...]]
    row_numbers: list[int]
    format: Literal["csv", "xlsx", "xls", "ods"]
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    sheets: tuple[str, ...] = ()
    header_row: int = 1
    #: Notes for staff about how cells were read (e.g. formulas replaced by their results).
    notes: tuple[str, ...] = field(default=())

    def __len__(self) -> int:
        return len(self.rows)

    def description(self) -> str:
        """How the file was read, in words: "text, UTF-8 (with byte-order mark), separated
        by semicolons; 120 rows"."""
        if self.format == "csv":
            encoding = ENCODING_NAMES.get(self.encoding or "", self.encoding or "")
            separator = DELIMITER_NAMES.get(self.delimiter or "", repr(self.delimiter))
            how = f"text, {encoding}, separated by {separator}s"
        else:
            how = f"{self.format.upper()} sheet “{self.sheet}”"
        return f"{how}; {len(self.rows):,} rows"

    def column_name(self, index: int) -> str:
        """The header text of a column, or its letter when the header cell is empty."""
        name = self.header[index].strip() if index < len(self.header) else ""
        return name or column_letter(index)


def cell_text(value: object) -> str:
    """A spreadsheet cell's value as the text Excel shows in General format: numbers
    without a trailing ``.0``, dates as ``YYYY-MM-DD`` (and ``HH:MM:SS`` when there is a
    time), booleans as ``TRUE``/``FALSE``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0) and value.tzinfo is None:
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, datetime.timedelta):
        seconds = int(value.total_seconds())
        hours, rest = divmod(seconds, 3600)
        return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
    return str(value)

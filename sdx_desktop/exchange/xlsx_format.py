"""Excel workbooks: writing XLSX with ``xlsxwriter`` (streamed, constant memory, every
value a text cell) and reading XLSX — and the older XLS and OpenDocument ODS — with
``python-calamine`` (the values Excel saved: a formula cell gives its saved result and
is never calculated here)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from .table import (
    EXCEL_CELL_CHARS,
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_ROWS,
    ReadError,
    Table,
    WriteError,
    cell_text,
    column_letter,
)

#: Excel's sheet size.
EXCEL_ROWS = 1_048_576
EXCEL_COLUMNS = 16_384
SHEET_NAME = "Tags"
#: Column widths, in characters.
MIN_WIDTH, MAX_WIDTH = 8, 60


# --- writing ---------------------------------------------------------------------------


class XlsxSink:
    """Writes rows into one worksheet: header bold and frozen, every value a text cell
    (``=1+2``, ``+cmd``, ``@SUM(A1)``, ``-5`` stay text), columns sized to their content.
    Rows go to disk as they come (xlsxwriter's constant-memory mode). A value longer than
    Excel's 32,767-character cell limit is cut to the limit and reported in
    :attr:`too_long` as ``(row, column)``."""

    def __init__(self, path: Path) -> None:
        import xlsxwriter
        from xlsxwriter.exceptions import XlsxWriterException

        self._errors: tuple[type[BaseException], ...] = (XlsxWriterException, OSError)
        self._book: Any = xlsxwriter.Workbook(
            str(path),
            {
                "constant_memory": True,
                # Never turn text into numbers, formulas or links.
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
            },
        )
        self._sheet: Any = self._book.add_worksheet(SHEET_NAME)
        self._bold = self._book.add_format({"bold": True})
        self._sheet.freeze_panes(1, 0)
        self._widths: list[int] = []
        self._names: Sequence[str] = ()
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
        self._widths = [min(MAX_WIDTH, max(MIN_WIDTH, len(n) + 2)) for n in names]
        write = self._sheet.write_string
        for col, name in enumerate(names):
            write(0, col, name, self._bold)
        self.rows = 1

    def write(self, cells: Sequence[str]) -> None:
        row = self.rows
        if row >= EXCEL_ROWS:
            raise WriteError(
                f"More than {EXCEL_ROWS:,} rows do not fit in an Excel sheet. Export as CSV."
            )
        write = self._sheet.write_string
        widths = self._widths
        for col, value in enumerate(cells):
            if not value:
                continue
            size = len(value)
            if size > EXCEL_CELL_CHARS:
                name = self._names[col] if col < len(self._names) else column_letter(col)
                self.too_long.append((row + 1, name))
                value = value[:EXCEL_CELL_CHARS]
            if col < len(widths) and size + 2 > widths[col] and widths[col] < MAX_WIDTH:
                widths[col] = min(MAX_WIDTH, size + 2)
            write(row, col, value)
        self.rows = row + 1

    def abort(self) -> None:
        """Give up: remove the rows already spooled to a temporary file."""
        fh = getattr(self._sheet, "row_data_fh", None)
        name = getattr(self._sheet, "row_data_filename", None)
        if fh is not None:
            fh.close()
        if name:
            Path(name).unlink(missing_ok=True)

    def close(self) -> None:
        for col, width in enumerate(self._widths):
            self._sheet.set_column(col, col, width)
        try:
            self._book.close()
        except self._errors as error:
            raise WriteError(f"Writing the Excel file failed ({error}).") from None


# --- reading ---------------------------------------------------------------------------


def read_workbook(
    path: Path, *, sheet: str | None = None, kind: Literal["xlsx", "xls", "ods"] = "xlsx"
) -> Table:
    """Read one sheet (the first visible worksheet, or ``sheet`` by name) as text. Dates
    become ``YYYY-MM-DD`` (with the time when there is one), numbers the digits Excel
    shows in General format, formulas their saved result."""
    import python_calamine as calamine

    try:
        # From the bytes, not the name: the format is found from the content, so a
        # workbook saved under another extension is still read.
        with open(path, "rb") as stream:
            book = calamine.CalamineWorkbook.from_filelike(stream)
    except calamine.PasswordError:
        raise ReadError(
            "The workbook is protected with a password. Save a copy without the password "
            "and import that."
        ) from None
    except (calamine.CalamineError, OSError, ValueError) as error:
        raise ReadError(
            "This file is not a workbook that can be read (it may be damaged, or another "
            f"kind of file with a spreadsheet's name). Detail: {_short(error)}"
        ) from None
    names = tuple(book.sheet_names)
    if not names:
        raise ReadError("The workbook has no sheets.")
    chosen = sheet if sheet is not None else _first_worksheet(book, names)
    if chosen not in names:
        raise ReadError(f"The workbook has no sheet named “{chosen}” (it has: {', '.join(names)}).")
    try:
        data = book.get_sheet_by_name(chosen)
    except calamine.CalamineError as error:
        raise ReadError(f"The sheet “{chosen}” cannot be read ({_short(error)}).") from None
    header, header_row, rows, numbers = _rows(data)
    return Table(
        header=header,
        rows=rows,
        row_numbers=numbers,
        format=kind,
        sheet=chosen,
        sheets=names,
        header_row=header_row,
        notes=("Formula cells are read as the result Excel saved with them; dates as YYYY-MM-DD.",),
    )


def _first_worksheet(book: Any, names: tuple[str, ...]) -> str:
    try:
        for meta in book.sheets_metadata:
            if meta.typ.name == "WorkSheet" and meta.visible.name == "Visible":
                return str(meta.name)
    except AttributeError:  # a format without metadata
        pass
    return names[0]


def _rows(data: Any) -> tuple[tuple[str, ...], int, list[tuple[str, ...]], list[int]]:
    if data.height > MAX_ROWS + 1:
        raise ReadError(
            f"The sheet has {data.height - 1:,} rows; at most {MAX_ROWS:,} can be imported "
            "at once. Split it into smaller files.",
            row=MAX_ROWS + 2,
        )
    if data.width > MAX_COLUMNS:
        raise ReadError(f"The sheet has {data.width:,} columns; at most {MAX_COLUMNS:,}.")
    start_row, start_col = data.start or (0, 0)
    pad = ("",) * start_col
    header: tuple[str, ...] | None = None
    header_row = 1
    rows: list[tuple[str, ...]] = []
    numbers: list[int] = []
    for offset, raw in enumerate(data.iter_rows()):
        cells = pad + tuple(value if isinstance(value, str) else cell_text(value) for value in raw)
        number = start_row + offset + 1
        if not any(cells):
            continue
        for index, cell in enumerate(cells):
            if len(cell) > MAX_CELL_CHARS:
                names = header or ()
                name = names[index].strip() if index < len(names) else ""
                raise ReadError(
                    f"The cell holds {len(cell):,} characters; a tag value can have at most "
                    "65,535. This does not look like a list of tags.",
                    row=number,
                    column=name or column_letter(index),
                )
        if header is None:
            header, header_row = cells, number
            continue
        rows.append(cells)
        numbers.append(number)
    if header is None:
        raise ReadError("The sheet is empty: it has no header row and no tags.")
    return header, header_row, rows, numbers


def _short(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text if len(text) <= 120 else text[:119] + "…"

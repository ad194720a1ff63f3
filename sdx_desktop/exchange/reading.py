"""Reading a spreadsheet file, whatever it is: the kind is found from the content (not
the file name), then the format's module reads it."""

from __future__ import annotations

from pathlib import Path

from .csv_format import read_csv
from .table import ReadError, Table
from .xlsx_format import read_workbook

#: File starts that are certainly not a spreadsheet, with what they are.
_NOT_SPREADSHEETS = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a compressed (gzip) file"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\x7fELF", "a program"),
    (b"MZ", "a program"),
    (b"{\\rtf", "a Rich Text document"),
)


def read_table(
    path: str | Path,
    *,
    sheet: str | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
) -> Table:
    """Read the tag list in ``path``: CSV or tab-separated text (encoding and separator
    detected, or as given), or a workbook (XLSX, also XLS and ODS: the first visible
    sheet, or ``sheet``). Every cell comes back as text.

    Raises :class:`~sdx_desktop.exchange.table.ReadError` with a plain message naming the
    row and column when the file cannot be read; nothing is ever written."""
    path = Path(path)
    try:
        with open(path, "rb") as stream:
            start = stream.read(8)
    except IsADirectoryError:
        raise ReadError("That is a folder, not a file.") from None
    except OSError as error:
        raise ReadError(f"The file could not be opened ({error.strerror}).") from None
    if not start:
        raise ReadError("The file is empty.")
    if start.startswith(b"PK\x03\x04"):
        ods = path.suffix.lower() in (".ods", ".ots")
        return read_workbook(path, sheet=sheet, kind="ods" if ods else "xlsx")
    if start.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return read_workbook(path, sheet=sheet, kind="xls")
    for magic, what in _NOT_SPREADSHEETS:
        if start.startswith(magic):
            raise ReadError(
                f"This is {what}, not a spreadsheet. Choose a .csv, .txt or .xlsx file."
            )
    return read_csv(path, delimiter=delimiter, encoding=encoding)

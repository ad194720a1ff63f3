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


def read_pasted(text: str, *, interaction_id: int | None = None) -> Table:
    """Tab-separated text from the clipboard (what Excel copies) as a :class:`Table`.

    A block with an ``Interaction ID`` column is read as it is (long or wide). Without
    one, ``interaction_id`` (the interaction the rows are pasted onto) is added as that
    column; the block is then ``Key<TAB>Value`` rows, with or without that header row.
    Raises :class:`ReadError` for an empty or unreadable block."""
    from .csv_format import parse_csv
    from .rows_to_plan import normalise
    from .table import INTERACTION_ID, KEY, VALUE

    table = parse_csv(text.encode("utf-8"), delimiter="\t", encoding="utf-8")
    names = [normalise(h) for h in table.header]
    if normalise(INTERACTION_ID) in names or interaction_id is None:
        return table
    rows, numbers = list(table.rows), list(table.row_numbers)
    header = table.header
    if names[:2] != [normalise(KEY), normalise(VALUE)]:  # no header row: all data
        rows.insert(0, table.header)
        numbers.insert(0, table.header_row)
        header = (KEY, VALUE)
    ident = str(interaction_id)
    return Table(
        header=(INTERACTION_ID, *header),
        rows=[(ident, *row) for row in rows],
        row_numbers=numbers,
        format="csv",
        encoding="utf-8",
        delimiter="\t",
        header_row=table.header_row,
    )

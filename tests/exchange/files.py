"""Real-world-shaped files, made the way the programs staff use make them.

* Excel's "CSV UTF-8" on a European Windows: a byte-order mark, ``;`` between cells,
  CRLF line ends, quotes only where needed.
* Excel's "Unicode Text": UTF-16 little-endian with a BOM, tab-separated, CRLF.
* A workbook written by openpyxl (as scripts and many tools write them): numbers as
  numbers, a date cell, a formula without a saved result.
* A workbook with formulas *and* their saved results, as Excel saves them (xlsxwriter can
  store a formula's result; openpyxl cannot).
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Sequence
from pathlib import Path

Rows = Sequence[Sequence[object]]


def excel_csv(path: Path, rows: Rows, *, delimiter: str = ";") -> Path:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows([[str(c) for c in row] for row in rows])
    path.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))
    return path


def unicode_text(path: Path, rows: Rows) -> Path:
    """Excel → Save As → Unicode Text (*.txt)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\r\n")
    writer.writerows([[str(c) for c in row] for row in rows])
    path.write_bytes(b"\xff\xfe" + buffer.getvalue().encode("utf-16-le"))
    return path


def openpyxl_book(path: Path, sheets: dict[str, Rows]) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    first = True
    for name, rows in sheets.items():
        sheet = book.active if first else book.create_sheet()
        assert sheet is not None
        sheet.title = name
        first = False
        for row in rows:
            sheet.append(list(row))
    book.save(path)
    return path


def excel_saved_book(
    path: Path, rows: Rows, formulas: dict[tuple[int, int], tuple[str, object]]
) -> Path:
    """A workbook whose formula cells carry the result Excel saved with them:
    ``formulas[(row, col)] = ("=1+2", 3)`` (0-based row and column)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Sheet1")
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if (r, c) in formulas:
                formula, result = formulas[(r, c)]
                sheet.write_formula(r, c, formula, None, result)
            elif isinstance(value, datetime.date):
                sheet.write_datetime(r, c, value, dates)
            elif isinstance(value, int | float):
                sheet.write_number(r, c, value)
            elif value is not None:
                sheet.write_string(r, c, str(value))
    book.close()
    return path


def decode_excel_escapes(text: str) -> str:
    """openpyxl leaves Excel's ``_xHHHH_`` escapes (control characters, CR) as they are
    in the file; Excel itself (and calamine) decode them."""
    import re

    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m[1], 16)), text)


def replace_in_book(path: Path, old: str, new: str) -> Path:
    """Replace a text in every part of a workbook (to make cells no program would save,
    e.g. one over Excel's own 32,767-character limit)."""
    import zipfile

    parts: dict[str, bytes] = {}
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            parts[name] = archive.read(name).replace(old.encode(), new.encode())
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path

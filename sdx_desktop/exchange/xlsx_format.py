"""Reading Excel workbooks — XLSX, and the older XLS and OpenDocument ODS — with
``python-calamine`` (Rust; about ten times faster than openpyxl here): the values Excel
saved. A formula cell gives its saved result and is never calculated here; a formula
saved without a result is refused by row and column. (Writing: :mod:`.xlsx_writer`.)"""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path
from typing import Any, Literal

from .table import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_ROWS,
    ReadError,
    Table,
    cell_text,
    column_letter,
)


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
    if kind == "xlsx":
        _refuse_uncalculated(path, chosen, header)
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


_FORMULA_CELL = re.compile(
    rb"<(?:\w+:)?c\b([^>]*)>((?:(?!</(?:\w+:)?c>).)*?<(?:\w+:)?f\b.*?)</(?:\w+:)?c>", re.S
)
_REF = re.compile(rb'\br="([A-Z]{1,3})([0-9]+)"')
_VALUE = re.compile(rb"<(?:\w+:)?v>[^<]")


def _refuse_uncalculated(path: Path, sheet: str, header: tuple[str, ...]) -> None:
    """A formula saved without its result (scripts write them so; Excel never does) would
    read as an empty cell, i.e. "leave as is", silently. Refuse it instead, by name."""
    try:
        with zipfile.ZipFile(path) as archive:
            part = _sheet_part(archive, sheet)
            data = archive.read(part) if part else b""
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return  # calamine read it; nothing more to learn here
    if b"<f" not in data and b":f" not in data:
        return
    for match in _FORMULA_CELL.finditer(data):
        if _VALUE.search(match[2]):
            continue
        ref = _REF.search(match[1])
        if ref is None:
            continue
        letters, row = ref[1].decode(), int(ref[2])
        index = _column_index(letters)
        name = header[index].strip() if index < len(header) else ""
        formula = re.sub(rb"<[^>]*>", b"", match[2]).decode("utf-8", "replace")[:40]
        raise ReadError(
            f"The cell holds a formula (={formula}) without a calculated result, and "
            "formulas are not calculated here. Open the file in Excel and save it (Excel "
            "stores the results), or type the value itself.",
            row=row,
            column=name or letters,
        )


def _sheet_part(archive: zipfile.ZipFile, sheet: str) -> str | None:
    book = archive.read("xl/workbook.xml")
    rels = archive.read("xl/_rels/workbook.xml.rels")
    for tag in re.finditer(rb"<(?:\w+:)?sheet\b[^>]*>", book):
        name = re.search(rb'\bname="([^"]*)"', tag[0])
        rid = re.search(rb'\br:id="([^"]*)"', tag[0])
        if name and rid and html.unescape(name[1].decode()) == sheet:
            for rel in re.finditer(rb"<Relationship\b[^>]*>", rels):
                if re.search(rb'\bId="' + re.escape(rid[1]) + rb'"', rel[0]):
                    target = re.search(rb'\bTarget="([^"]*)"', rel[0])
                    if target:
                        text = target[1].decode()
                        return text.lstrip("/") if text.startswith("/") else "xl/" + text
    return None


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


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

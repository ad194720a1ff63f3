"""CSV and tab-separated text: writing (UTF-8 with a byte-order mark, RFC 4180) and
reading what Excel and other programs save (UTF-8 with or without a BOM, UTF-16 as
Excel's "Unicode Text", separated by ``,`` ``;`` or tab — detected, or as chosen)."""

from __future__ import annotations

import codecs
import csv
import io
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from .table import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    ReadError,
    Table,
    WriteError,
    column_letter,
)

DELIMITERS = (",", ";", "\t")

# One field may hold a whole (large) cell; the limit that matters is MAX_CELL_CHARS,
# checked with the row and column named. (The csv module's limit is process-wide.)
csv.field_size_limit(max(csv.field_size_limit(), min(sys.maxsize, 2**31 - 1)))


# --- writing ---------------------------------------------------------------------------


class CsvSink:
    """Writes rows to ``path`` as UTF-8 with a BOM (Excel then reads it as UTF-8 on a
    double-click), RFC 4180 quoting and CRLF line ends. Values go out byte for byte."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._writer = csv.writer(
            stream, delimiter=",", quotechar='"', doublequote=True,
            quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n", strict=True,
        )  # fmt: skip
        self.rows = 0

    @classmethod
    def open(cls, path: Path) -> CsvSink:
        try:
            stream = open(path, "w", encoding="utf-8-sig", errors="strict", newline="")  # noqa: SIM115
        except OSError as error:
            raise WriteError(f"The file could not be created ({error.strerror}).") from None
        return cls(stream)

    def header(self, names: Sequence[str]) -> None:
        self.write(names)

    def write(self, cells: Sequence[str]) -> None:
        self.rows += 1
        try:
            self._writer.writerow(cells)
        except UnicodeEncodeError:
            raise WriteError(
                "A value contains a character that cannot be saved as text.", row=self.rows
            ) from None
        except OSError as error:
            raise WriteError(f"Writing the file failed ({error.strerror}).") from None

    def abort(self) -> None:
        self._stream.close()

    def close(self) -> None:
        try:
            self._stream.close()
        except OSError as error:
            raise WriteError(f"Writing the file failed ({error.strerror}).") from None


# --- reading ---------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def read_csv(path: Path, *, delimiter: str | None = None, encoding: str | None = None) -> Table:
    """Read a CSV or tab-separated text file. ``encoding``/``delimiter`` override what is
    detected. Raises :class:`ReadError` naming the row and column of the first problem."""
    try:
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            raise ReadError(
                f"The file is {size / 2**20:,.0f} MB; at most "
                f"{MAX_FILE_BYTES // 2**20} MB can be imported. Split it into smaller files."
            )
        data = Path(path).read_bytes()
    except OSError as error:
        raise ReadError(f"The file could not be opened ({error.strerror}).") from None
    return parse_csv(data, delimiter=delimiter, encoding=encoding)


def parse_csv(data: bytes, *, delimiter: str | None = None, encoding: str | None = None) -> Table:
    """:func:`read_csv` on bytes already read (the clipboard, a test)."""
    used, body = _detect_encoding(data, encoding)
    text = _decode(body, used, delimiter)
    if "\x00" in text:
        raise ReadError(
            "This is not a spreadsheet or text file (it holds binary data). "
            "Choose a .csv, .txt or .xlsx file."
        )
    sep_line = False
    if text[:4].lower() == "sep=" and len(text) > 4 and text[4] in (*DELIMITERS, "|"):
        # Excel's "sep=;" first line names the separator and is not a row.
        delimiter = delimiter or text[4]
        text = text.split("\n", 1)[1] if "\n" in text else ""
        sep_line = True
    delimiter = delimiter or detect_delimiter(text)
    if delimiter not in (*DELIMITERS, "|"):
        raise ReadError(f"“{delimiter}” cannot be used as the separator (use , ; or tab).")
    header, header_row, rows, numbers = _parse(text, delimiter)
    return Table(
        header=header,
        rows=rows,
        row_numbers=numbers,
        format="csv",
        encoding=used,
        delimiter=delimiter,
        header_row=header_row,
        notes=("The first line names the separator (sep=…).",) if sep_line else (),
    )


def _detect_encoding(data: bytes, chosen: str | None) -> tuple[str, bytes]:
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name, data[len(bom) :]
    if chosen:
        try:
            return codecs.lookup(chosen).name, data
        except LookupError:
            raise ReadError(f"“{chosen}” is not a text encoding this app knows.") from None
    sample = data[:4096]
    if len(sample) >= 4 and b"\x00" in sample:
        odd, even = sample[1::2].count(0), sample[0::2].count(0)
        half = len(sample) // 2
        if odd > half * 0.3 and even < half * 0.05:
            return "utf-16-le", data
        if even > half * 0.3 and odd < half * 0.05:
            return "utf-16-be", data
        raise ReadError(
            "This is not a spreadsheet or text file (it holds binary data). "
            "Choose a .csv, .txt or .xlsx file."
        )
    return "utf-8", data


def _decode(body: bytes, encoding: str, delimiter: str | None) -> str:
    try:
        return body.decode(encoding.replace("-sig", ""), errors="strict")
    except UnicodeDecodeError as error:
        row, column = _position(body, error.start, encoding, delimiter)
        hint = (
            "It is not UTF-8 text. In Excel, save it as “CSV UTF-8 (Comma delimited)” or "
            "“Unicode Text”, or choose the file's encoding (e.g. cp1252 for Windows' "
            "Western European) when importing."
        )
        if encoding.startswith("utf-16"):
            hint = "It is not valid UTF-16 text. Save it again as “Unicode Text”."
        bad = body[error.start : error.start + 1].hex().upper()
        raise ReadError(
            f"The file has a byte (0x{bad}) that is not text in its encoding. {hint}",
            row=row,
            column=column,
        ) from None


def _position(body: bytes, offset: int, encoding: str, delimiter: str | None) -> tuple[int, str]:
    unit = 2 if encoding.startswith("utf-16") else 1
    newline = "\n".encode(encoding.replace("-sig", "")) if unit == 2 else b"\n"
    before = body[:offset]
    row = before.count(newline) + 1
    line_start = before.rfind(newline) + len(newline) if newline in before else 0
    head = body[: body.find(newline)] if newline in body else body
    head_text = head.decode(encoding.replace("-sig", ""), errors="replace")
    line = body[line_start:offset].decode(encoding.replace("-sig", ""), errors="replace")
    sep = delimiter or detect_delimiter(head_text)
    index = line.count(sep)
    names = head_text.split(sep)
    name = names[index].strip().strip('"') if index < len(names) else ""
    return row, name or column_letter(index)


def detect_delimiter(text: str) -> str:
    """The separator of the first line: the most frequent of tab, ``;`` and ``,`` outside
    quotes (a comma when there is none: a single column)."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for ch in text[:65536]:
        if ch == '"':
            quoted = not quoted
        elif not quoted:
            if ch in counts:
                counts[ch] += 1
            elif ch == "\n":
                break
    best = max(("\t", ";", ","), key=lambda d: counts[d])
    return best if counts[best] else ","


def _parse(
    text: str, delimiter: str
) -> tuple[tuple[str, ...], int, list[tuple[str, ...]], list[int]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"')
    header: tuple[str, ...] | None = None
    header_row = 1
    rows: list[tuple[str, ...]] = []
    numbers: list[int] = []
    record = 0
    try:
        for cells in reader:
            record += 1
            if not any(cells):
                continue
            if len(cells) > MAX_COLUMNS:
                raise ReadError(
                    f"The row has {len(cells):,} columns; at most {MAX_COLUMNS:,} can be read.",
                    row=record,
                )
            for index, cell in enumerate(cells):
                if len(cell) > MAX_CELL_CHARS:
                    names = header or ()
                    name = names[index].strip() if index < len(names) else ""
                    raise ReadError(
                        f"The cell holds {len(cell):,} characters; a tag value can have at "
                        f"most 65,535. This does not look like a list of tags.",
                        row=record,
                        column=name or column_letter(index),
                    )
            if header is None:
                header, header_row = tuple(cells), record
                continue
            if len(rows) >= MAX_ROWS:
                raise ReadError(
                    f"The file has more than {MAX_ROWS:,} rows; at most {MAX_ROWS:,} can be "
                    "imported at once. Split it into smaller files.",
                    row=record,
                )
            rows.append(tuple(cells))
            numbers.append(record)
    except csv.Error as error:
        raise ReadError(
            f"The file is not valid CSV here ({error}).", row=reader.line_num or record + 1
        ) from None
    if header is None:
        raise ReadError("The file is empty: it has no header row and no tags.")
    return header, header_row, rows, numbers

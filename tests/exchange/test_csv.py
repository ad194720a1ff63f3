"""CSV and text files: what is written (read back with Python's csv, as other tools
read it) and what is read (as Excel and other programs save it)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from sdx_desktop.api.models import Tag
from sdx_desktop.exchange import LONG_COLUMNS, ReadError, read_table, write_tags
from sdx_desktop.exchange import table as limits

from .files import excel_csv, unicode_text

NASTY = [
    "plain",
    'quote " inside',
    "comma, inside",
    "semi; colon",
    "tab\tinside",
    "line\nbreak",
    "crlf\r\nbreak",
    "lone\rcr",
    "  spaces around  ",
    "=1+2",
    "+cmd",
    "@SUM(A1)",
    "-5",
    "0012",
    "é ü ß 中文 😀 \u200b\u2028",
    "",
    '"',
    "\x01\x1f control",
]


def tags(values: list[str], interaction: int = 24001) -> list[Tag]:
    return [
        Tag(i + 1, interaction, f"k{i}", v, updated_at="2026-03-01 10:00:00")
        for i, v in enumerate(values)
    ]


def test_written_csv_is_utf8_bom_rfc4180_and_values_come_back_byte_for_byte(
    tmp_path: Path,
) -> None:
    path = tmp_path / "out.csv"
    summary = write_tags(tags(NASTY), path, layout="long", fmt="csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.split(b"\r\n", 1)[0] == b"\xef\xbb\xbf" + ",".join(LONG_COLUMNS).encode()
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0] == list(LONG_COLUMNS)
    assert [r[3] for r in rows[1:]] == NASTY
    assert summary.rows == summary.tags == len(NASTY)
    # Our own reader agrees.
    table = read_table(path)
    assert (table.encoding, table.delimiter) == ("utf-8-sig", ",")
    assert [r[3] for r in table.rows] == NASTY


def test_quoting_is_minimal_and_doubles_quotes(tmp_path: Path) -> None:
    path = write_tags(tags(['a "b"', "x,y", "plain"]), tmp_path / "q.csv").path
    lines = path.read_bytes().decode("utf-8-sig").split("\r\n")
    assert lines[1] == '24001,,k0,"a ""b""",2026-03-01 10:00:00'
    assert lines[2] == '24001,,k1,"x,y",2026-03-01 10:00:00'
    assert lines[3] == "24001,,k2,plain,2026-03-01 10:00:00"


def test_excel_csv_with_bom_and_semicolons(tmp_path: Path) -> None:
    path = excel_csv(
        tmp_path / "excel.csv",
        [
            ["Interaction ID", "Key", "Value"],
            ["24001", "tier", "GOLD; silver"],
            ["24002", "x", "é"],
        ],
    )
    table = read_table(path)
    assert (table.format, table.encoding, table.delimiter) == ("csv", "utf-8-sig", ";")
    assert table.header == ("Interaction ID", "Key", "Value")
    assert table.rows == [("24001", "tier", "GOLD; silver"), ("24002", "x", "é")]
    assert table.row_numbers == [2, 3]
    assert "semicolon" in table.description()


def test_unicode_text_utf16_tab_separated(tmp_path: Path) -> None:
    path = unicode_text(
        tmp_path / "unicode.txt",
        [["Interaction ID", "Key", "Value"], ["24001", "name", "Zoë 😀"], ["24002", "n", 'a "q"']],
    )
    table = read_table(path)
    assert (table.encoding, table.delimiter) == ("utf-16-le", "\t")
    assert table.rows == [("24001", "name", "Zoë 😀"), ("24002", "n", 'a "q"')]


def test_utf8_without_bom_comma_and_chosen_delimiter(tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    path.write_bytes(b"Interaction ID,Key,Value\n24001,a,b;c\n")
    table = read_table(path)
    assert (table.encoding, table.delimiter) == ("utf-8", ",")
    assert table.rows == [("24001", "a", "b;c")]
    again = read_table(path, delimiter=";")
    assert again.delimiter == ";" and again.rows == [("24001,a,b", "c")]


def test_sep_line_names_the_separator(tmp_path: Path) -> None:
    path = tmp_path / "sep.csv"
    path.write_bytes(b"sep=;\r\nInteraction ID;Key;Value\r\n24001;a;1,5\r\n")
    table = read_table(path)
    assert table.delimiter == ";" and table.rows == [("24001", "a", "1,5")]


def test_chosen_encoding_reads_a_windows_ansi_file(tmp_path: Path) -> None:
    path = tmp_path / "ansi.csv"
    path.write_bytes("Interaction ID;Key;Value\r\n24001;city;Zürich\r\n".encode("cp1252"))
    with pytest.raises(ReadError) as caught:
        read_table(path)
    assert caught.value.row == 2 and caught.value.column == "Value"
    assert "Row 2, column Value" in str(caught.value) and "UTF-8" in str(caught.value)
    assert read_table(path, encoding="cp1252").rows == [("24001", "city", "Zürich")]


def test_blank_rows_are_skipped_and_numbers_stay_true(tmp_path: Path) -> None:
    path = tmp_path / "blank.csv"
    path.write_bytes(b'\r\nInteraction ID,Key,Value\r\n,,\r\n24001,a,"x\ny"\r\n24002,b,c\r\n')
    table = read_table(path)
    assert table.header_row == 2
    assert table.rows == [("24001", "a", "x\ny"), ("24002", "b", "c")]
    assert table.row_numbers == [4, 5]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"%PDF-1.7\n...", "PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "PNG"),
        (bytes(range(256)) * 20, "not a spreadsheet"),
        (b"", "empty"),
        (b"\r\n\r\n", "empty"),
        (b"Interaction ID,Key,Value\n" + b"24001,k,v\n" * 600 + b"24001,k,\x00\n", "binary"),
    ],
)
def test_not_a_spreadsheet(tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "file.csv"
    path.write_bytes(content)
    with pytest.raises(ReadError, match=words):
        read_table(path)


def test_a_million_rows_is_refused_naming_the_row(tmp_path: Path) -> None:
    path = tmp_path / "million.csv"
    path.write_bytes(b"Interaction ID,Key,Value\n" + b"24001,k,v\n" * 1_000_000)
    with pytest.raises(ReadError) as caught:
        read_table(path)
    assert caught.value.row == limits.MAX_ROWS + 2
    assert "500,000" in str(caught.value)


def test_a_10_mb_cell_is_refused_naming_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_bytes(b"Interaction ID,Key,Value\n24001,k,v\n24001,big," + b"x" * 10_000_000 + b"\n")
    with pytest.raises(ReadError) as caught:
        read_table(path)
    assert (caught.value.row, caught.value.column) == (3, "Value")
    assert str(caught.value).startswith("Row 3, column Value:")


def test_broken_utf16_names_the_row(tmp_path: Path) -> None:
    path = tmp_path / "broken.txt"
    good = "Interaction ID\tKey\tValue\r\n24001\tk\tv\r\n".encode("utf-16-le")
    path.write_bytes(b"\xff\xfe" + good + b"\x00\xd8")  # a lone high surrogate
    with pytest.raises(ReadError) as caught:
        read_table(path)
    assert caught.value.row == 3


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="could not be opened"):
        read_table(tmp_path / "nope.csv")
    with pytest.raises(ReadError, match="folder"):
        read_table(tmp_path)

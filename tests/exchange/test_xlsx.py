"""XLSX: what is written (read back with openpyxl, the library most tools that make
Excel files use) and what is read (files as Excel and scripts save them)."""

from __future__ import annotations

import datetime
import zipfile
from pathlib import Path

import openpyxl
import pytest

from sdx_desktop.api.models import Interaction, Tag
from sdx_desktop.exchange import LONG_COLUMNS, ReadError, read_table, write_tags
from sdx_desktop.exchange import table as limits

from .files import decode_excel_escapes, excel_saved_book, openpyxl_book, replace_in_book
from .test_csv import NASTY, tags

HOSTILE = [
    "<r>rich?</r>",
    "_x0041_ literal",
    "a & b < c > d",
    "<t>x</t>",
    "=1+2",
    "+cmd",
    "@SUM(A1)",
    "-5",
    "1e5",
    "0012",
    "TRUE",
    "2026-03-01",
    '=HYPERLINK("x")',
]


def test_every_value_is_a_text_cell_header_bold_and_frozen(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    refs = {24001: Interaction(24001, external_ref="CRM-1")}
    write_tags(tags(HOSTILE + NASTY), path, fmt="xlsx", interactions_by_id=refs)
    book = openpyxl.load_workbook(path)
    sheet = book.active
    assert sheet is not None
    assert sheet.freeze_panes == "A2"
    header = [c for c in sheet[1]]
    assert [c.value for c in header] == list(LONG_COLUMNS)
    assert all(c.font.bold for c in header)
    values = []
    for row in sheet.iter_rows(min_row=2):
        assert [c.data_type for c in row if c.value is not None] == ["s"] * sum(
            1 for c in row if c.value is not None
        ), [c.value for c in row]
        values.append(row[3].value)
    # openpyxl does not decode Excel's _xHHHH_ escapes (Excel and calamine do).
    assert [decode_excel_escapes(v) if v else "" for v in values] == HOSTILE + NASTY
    assert sheet["A2"].value == "24001" and sheet["B2"].value == "CRM-1"
    widths = {k: d.width for k, d in sheet.column_dimensions.items()}
    assert widths["A"] >= len("Interaction ID") and widths["D"] <= 61


def test_the_package_is_well_formed_like_xlsxwriters_own(tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    import xlsxwriter

    path = write_tags(tags(HOSTILE + NASTY), tmp_path / "out.xlsx", fmt="xlsx").path
    reference = tmp_path / "reference.xlsx"
    book = xlsxwriter.Workbook(str(reference))
    book.add_worksheet("Tags").write_string(0, 0, "x")
    book.close()
    with zipfile.ZipFile(path) as ours, zipfile.ZipFile(reference) as theirs:
        assert sorted(ours.namelist()) == sorted(theirs.namelist())
        assert ours.testzip() is None
        for name in ours.namelist():
            if name.endswith((".xml", ".rels")):
                ET.fromstring(ours.read(name))  # every part parses
        sheet = ours.read("xl/worksheets/sheet1.xml")
    rows = len(HOSTILE + NASTY) + 1
    assert f'<dimension ref="A1:E{rows}"/>'.encode() in sheet
    assert b'state="frozen"' in sheet and b"<f>" not in sheet
    # Past the first batch of rows the (optional) dimension is left out, never wrong.
    big = write_tags(tags(["v"] * 2500), tmp_path / "big.xlsx", fmt="xlsx").path
    with zipfile.ZipFile(big) as archive:
        assert b"<dimension" not in archive.read("xl/worksheets/sheet1.xml")
    streamed = openpyxl.load_workbook(big, read_only=True).active
    assert sum(1 for _ in streamed.iter_rows(values_only=True)) == 2501  # type: ignore[union-attr]


def test_values_round_trip_exactly_through_our_reader(tmp_path: Path) -> None:
    path = write_tags(tags(HOSTILE + NASTY), tmp_path / "out.xlsx", fmt="xlsx").path
    table = read_table(path)
    assert table.format == "xlsx" and table.sheet == "Tags"
    assert [r[3] if len(r) > 3 else "" for r in table.rows] == HOSTILE + NASTY


def test_a_value_over_excels_limit_is_cut_and_reported(tmp_path: Path) -> None:
    long = "x" * (limits.EXCEL_CELL_CHARS + 10)
    summary = write_tags(tags(["short", long, "ok", long]), tmp_path / "big.xlsx", fmt="xlsx")
    assert summary.too_long == ((3, "Value"), (5, "Value"))
    assert summary.too_long_rows == [3, 5]
    assert "rows 3, 5" in summary.warning() and "CSV" in summary.warning()
    sheet = openpyxl.load_workbook(summary.path).active
    assert sheet is not None
    assert len(sheet["D3"].value) == limits.EXCEL_CELL_CHARS
    # CSV keeps it whole.
    whole = write_tags(tags([long]), tmp_path / "big.csv", fmt="csv")
    assert whole.too_long == () and read_table(whole.path).rows[0][3] == long


def test_wide_layout_sorted_keys_and_empty_cells(tmp_path: Path) -> None:
    data = [
        Tag(1, 24002, "tier", "GOLD"),
        Tag(2, 24001, "Region", "N"),
        Tag(3, 24001, "tier", "=1"),
    ]
    refs = {i: Interaction(i, external_ref=f"R{i}") for i in (24001, 24002, 24003)}
    summary = write_tags(
        data, tmp_path / "wide.xlsx", layout="wide", fmt="xlsx",
        interactions_by_id=refs, all_interactions=True,
    )  # fmt: skip
    assert (summary.rows, summary.tags) == (3, 3)
    sheet = openpyxl.load_workbook(summary.path).active
    assert sheet is not None
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["Interaction ID", "External ref", "Region", "tier"],
        ["24001", "R24001", "N", "=1"],
        ["24002", "R24002", None, "GOLD"],
        ["24003", "R24003", None, None],
    ]


def test_reads_openpyxl_book_first_sheet_numbers_dates_and_uncalculated_formula(
    tmp_path: Path,
) -> None:
    path = openpyxl_book(
        tmp_path / "script.xlsx",
        {
            "Tags": [
                ["Interaction ID", "Key", "Value"],
                [24001, "count", 5],
                [24001.0, "ratio", 0.25],
                [24002, "visit", datetime.date(2026, 3, 1)],
                [24002, "at", datetime.datetime(2026, 3, 1, 10, 5, 0)],
                [24003, "flag", True],
            ],
            "Other": [["Interaction ID", "Key", "Value"], [1, "a", "b"]],
        },
    )
    table = read_table(path)
    assert table.sheets == ("Tags", "Other") and table.sheet == "Tags"
    assert table.rows == [
        ("24001", "count", "5"),
        ("24001", "ratio", "0.25"),
        ("24002", "visit", "2026-03-01"),
        ("24002", "at", "2026-03-01 10:05:00"),
        ("24003", "flag", "TRUE"),
    ]
    assert read_table(path, sheet="Other").rows == [("1", "a", "b")]
    with pytest.raises(ReadError, match=r"no sheet named “Missing”.*Tags, Other"):
        read_table(path, sheet="Missing")


def test_a_formula_without_a_saved_result_is_refused_not_calculated(tmp_path: Path) -> None:
    path = openpyxl_book(
        tmp_path / "script.xlsx",
        {"Tags": [["Interaction ID", "Key", "Value"], [24001, "a", "x"], [24003, "total", "=1+2"]]},
    )
    with pytest.raises(ReadError) as caught:
        read_table(path)
    assert (caught.value.row, caught.value.column) == (3, "Value")
    assert "=1+2" in str(caught.value) and "not calculated" in str(caught.value)


def test_formula_cells_give_the_result_excel_saved(tmp_path: Path) -> None:
    path = excel_saved_book(
        tmp_path / "excel.xlsx",
        [
            ["Interaction ID", "Key", "Value"],
            [24001, "sum", None],
            [24001, "label", None],
            [24001, "day", datetime.date(2026, 12, 24)],
        ],
        {(1, 2): ("=1+2", 3), (2, 2): ('=CONCAT("A","B")', "AB")},
    )
    table = read_table(path)
    assert table.rows == [
        ("24001", "sum", "3"),
        ("24001", "label", "AB"),
        ("24001", "day", "2026-12-24"),
    ]
    assert any("formula" in note.lower() for note in table.notes)


def test_a_workbook_saved_under_another_name_is_read_by_its_content(tmp_path: Path) -> None:
    source = openpyxl_book(
        tmp_path / "a.xlsx", {"S": [["Interaction ID", "Key", "Value"], [1, "k", "v"]]}
    )
    renamed = tmp_path / "a.csv"
    renamed.write_bytes(source.read_bytes())
    assert read_table(renamed).rows == [("1", "k", "v")]


def test_damaged_and_fake_workbooks(tmp_path: Path) -> None:
    fake = tmp_path / "fake.xlsx"
    with zipfile.ZipFile(fake, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    with pytest.raises(ReadError, match="not a workbook"):
        read_table(fake)
    cut = tmp_path / "cut.xlsx"
    whole = write_tags(tags(["a"] * 50), tmp_path / "whole.xlsx", fmt="xlsx").path.read_bytes()
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ReadError):
        read_table(cut)
    text = tmp_path / "text.xlsx"
    text.write_text("Interaction ID,Key,Value\n1,k,v\n")
    assert read_table(text).rows == [("1", "k", "v")]  # a CSV with the wrong name


def test_too_many_rows_in_a_sheet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sdx_desktop.exchange import xlsx_format

    monkeypatch.setattr(xlsx_format, "MAX_ROWS", 10)
    path = write_tags(tags(["v"] * 30), tmp_path / "rows.xlsx", fmt="xlsx").path
    with pytest.raises(ReadError, match="at most 10 can be imported"):
        read_table(path)


def test_a_huge_cell_in_a_workbook_names_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "huge.xlsx"
    openpyxl_book(path, {"S": [["Interaction ID", "Key", "Value"], [1, "k", "HUGE"]]})
    replace_in_book(path, "HUGE", "x" * (limits.MAX_CELL_CHARS + 1))
    with pytest.raises(ReadError) as caught:
        read_table(path)
    assert (caught.value.row, caught.value.column) == (2, "Value")

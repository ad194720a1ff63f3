"""Spreadsheets in and out: tags to CSV/XLSX files (long or wide layout) and files back
into plans for the operations engine. No Qt: the window and the command line share it.

* :func:`write_tags` / :func:`export_from_server` — export (:mod:`.export`, :mod:`.remote`)
* :func:`read_table` — any CSV, tab-separated text or workbook as a :class:`Table`
  (:mod:`.reading`; formats in :mod:`.csv_format`, :mod:`.xlsx_format`,
  :mod:`.xlsx_writer`); :func:`read_pasted` — text copied from Excel
* :func:`plan_import` — a table's rows as an :class:`ImportPlan` (:mod:`.rows_to_plan`);
  then ``domain.operations.preview`` and ``apply`` as for every other write
* :func:`import_counts`, :func:`write_results` — what an import did (:mod:`.remote`)
"""

from __future__ import annotations

from .export import ExportSummary, format_for, write_tags
from .reading import read_pasted, read_table
from .remote import (
    ImportCounts,
    export_from_server,
    import_counts,
    read_interactions,
    result_rows,
    results_path,
    write_results,
)
from .rows_to_plan import ImportPlan, Problem, RowProblem, Source, detect_layout, plan_import
from .table import (
    EXTERNAL_REF,
    INTERACTION_ID,
    KEY,
    LONG_COLUMNS,
    UPDATED,
    VALUE,
    WIDE_FIXED,
    ExchangeError,
    Format,
    Layout,
    LayoutError,
    ReadError,
    Table,
    WriteError,
)

__all__ = [
    "EXTERNAL_REF",
    "INTERACTION_ID",
    "KEY",
    "LONG_COLUMNS",
    "UPDATED",
    "VALUE",
    "WIDE_FIXED",
    "ExchangeError",
    "ExportSummary",
    "Format",
    "ImportCounts",
    "ImportPlan",
    "Layout",
    "LayoutError",
    "Problem",
    "ReadError",
    "RowProblem",
    "Source",
    "Table",
    "WriteError",
    "detect_layout",
    "export_from_server",
    "format_for",
    "import_counts",
    "plan_import",
    "read_interactions",
    "read_pasted",
    "read_table",
    "result_rows",
    "results_path",
    "write_results",
    "write_tags",
]

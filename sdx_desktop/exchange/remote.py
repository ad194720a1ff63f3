"""Export and import against Survey Dynamix: what reads the server around the file
modules (blocking calls; a window runs them in a worker thread).

* :func:`export_from_server` loads a survey (or one interaction) exactly, with the
  client's continuity-checked paging, and streams it into :func:`write_tags`.
* :func:`read_interactions` gives the survey's interactions an import is checked against.
* :func:`import_counts` and :func:`write_results` sum up and record an import (the plan,
  the engine's preview, and the apply report when there is one).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sdx_desktop.api.models import Interaction, Tag
from sdx_desktop.domain.operations import Change, JobReport, Preview, Result

from .csv_format import CsvSink
from .export import ExportSummary, Progress, format_for, write_tags
from .rows_to_plan import INVALID_PROBLEMS, ImportPlan, Problem
from .table import ExchangeError, Format, Layout


class ReadApi(Protocol):
    """The part of ``SdxClient`` export and import read with."""

    def get_interaction(
        self, interaction_id: int, *, include_data: bool = False
    ) -> Interaction: ...
    def iter_interaction_pages(
        self, survey_id: int, *, cancel: threading.Event | None = None
    ) -> Iterator[list[Interaction]]: ...
    def iter_tag_pages(
        self,
        *,
        survey_id: int | None = None,
        interaction_id: int | None = None,
        cancel: threading.Event | None = None,
    ) -> Iterator[list[Tag]]: ...


def read_interactions(
    api: ReadApi, survey_id: int, cancel: threading.Event | None = None
) -> dict[int, Interaction]:
    """Every interaction of a survey, by id (exact paging)."""
    return {i.id: i for page in api.iter_interaction_pages(survey_id, cancel=cancel) for i in page}


def export_from_server(
    api: ReadApi,
    path: str | Path,
    *,
    survey_id: int,
    interaction_id: int | None = None,
    layout: Layout = "long",
    fmt: Format | None = None,
    interactions: dict[int, Interaction] | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> ExportSummary:
    """Write every tag of survey ``survey_id`` (or of one interaction of it) to ``path``.
    The wide layout of a whole survey has a row for every interaction, tagged or not.
    ``interactions`` saves reading them again when the caller has them."""
    fmt = fmt or format_for(path)
    if interaction_id is not None:
        interaction = api.get_interaction(interaction_id)
        if interaction.survey_id is not None and interaction.survey_id != survey_id:
            raise ExchangeError(
                f"Interaction {interaction_id} belongs to survey {interaction.survey_id}, "
                f"not to survey {survey_id}."
            )
        pages = api.iter_tag_pages(interaction_id=interaction_id, cancel=cancel)
        return _write(pages, path, layout, fmt, {interaction.id: interaction}, progress, cancel)
    if interactions is not None:
        pages = api.iter_tag_pages(survey_id=survey_id, cancel=cancel)
        return _write(pages, path, layout, fmt, interactions, progress, cancel, every=True)
    # The interactions (for External ref) load while the tags do; the first row waits
    # for them.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sdx-export") as pool:
        later = pool.submit(read_interactions, api, survey_id, cancel)
        try:
            pages = api.iter_tag_pages(survey_id=survey_id, cancel=cancel)
            return _write(pages, path, layout, fmt, _Later(later), progress, cancel, every=True)
        finally:
            later.cancel()


def _write(
    pages: Iterator[list[Tag]],
    path: str | Path,
    layout: Layout,
    fmt: Format,
    refs: Mapping[int, Interaction],
    progress: Progress | None,
    cancel: threading.Event | None,
    *,
    every: bool = False,
) -> ExportSummary:
    return write_tags(
        (tag for page in pages for tag in page),
        path,
        layout=layout,
        fmt=fmt,
        interactions_by_id=refs,
        all_interactions=every,
        progress=progress,
        cancel=cancel,
    )


class _Later(Mapping[int, Interaction]):
    """The interactions being read in another thread; the first look waits for them."""

    def __init__(self, future: Future[dict[int, Interaction]]) -> None:
        self._future = future

    def _all(self) -> dict[int, Interaction]:
        return self._future.result()

    def __getitem__(self, key: int) -> Interaction:
        return self._all()[key]

    def __iter__(self) -> Iterator[int]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


# --- summing up an import --------------------------------------------------------------

COUNT_NAMES = (
    "created",
    "overwritten",
    "unchanged",
    "invalid",
    "unknown_interaction",
    "conflicting_rows",
    "failed",
)


@dataclass(frozen=True, slots=True)
class ImportCounts:
    """What an import did (after apply) or would do (after the preview)."""

    created: int = 0
    overwritten: int = 0
    unchanged: int = 0
    invalid: int = 0
    unknown_interaction: int = 0
    conflicting_rows: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNT_NAMES}

    @property
    def all_fine(self) -> bool:
        """Every row applied or already as wanted."""
        return not (
            self.invalid or self.unknown_interaction or self.conflicting_rows or self.failed
        )


def import_counts(
    plan: ImportPlan, preview: Preview, report: JobReport | None = None
) -> ImportCounts:
    """Counts from the file's problems, the preview's classes and — after apply — the
    results (then ``created``/``overwritten`` count only what was written)."""
    changes = Counter(row.change for row in preview.rows)
    created, overwritten = changes[Change.CREATE], changes[Change.OVERWRITE]
    unchanged, failed = changes[Change.UNCHANGED], 0
    if report is not None:
        done = Counter(r.row.change for r in report.results if r.result is Result.DONE)
        created, overwritten = done[Change.CREATE], done[Change.OVERWRITE]
        unchanged = sum(1 for r in report.results if r.result is Result.UNCHANGED)
        failed = sum(1 for r in report.results if r.result in (Result.FAILED, Result.CANCELLED))
    return ImportCounts(
        created=created,
        overwritten=overwritten,
        unchanged=unchanged,
        invalid=plan.count(*INVALID_PROBLEMS) + changes[Change.INVALID],
        unknown_interaction=plan.count(Problem.UNKNOWN_INTERACTION) + changes[Change.MISSING],
        conflicting_rows=plan.count(Problem.CONFLICTING_ROWS) + changes[Change.CONFLICT],
        failed=failed,
    )


_DONE = {Change.CREATE: "created", Change.OVERWRITE: "overwritten", Change.DELETE: "deleted"}

RESULT_COLUMNS = (
    "Row", "Column", "Interaction ID", "Key", "Old value", "New value", "Result", "Message",
)  # fmt: skip


def result_rows(
    plan: ImportPlan, preview: Preview, report: JobReport | None = None
) -> list[tuple[str, ...]]:
    """One line per operation and per problem, in file order (the results sheet)."""
    lines: list[tuple[int, tuple[str, ...]]] = []
    results = report.results if report is not None else None
    for index, row in enumerate(preview.rows):
        source = plan.sources[index]
        outcome = row.change.value
        message = row.reason
        if results is not None:
            result = results[index]
            outcome = result.result.value
            if result.result is Result.DONE:
                outcome = _DONE.get(row.change, "done")
            message = result.message or message
        if source.also:
            message = (
                (message + " " if message else "")
                + "Same as rows "
                + ", ".join(str(r) for r in source.also)
            )
        lines.append(
            (
                source.row,
                (
                    str(source.row), source.column, str(row.interaction_id), row.key,
                    row.old_value or "", row.new_value or "", outcome, message,
                ),
            )
        )  # fmt: skip
    for problem in plan.problems:
        interaction = "" if problem.interaction_id is None else str(problem.interaction_id)
        lines.append(
            (
                problem.row,
                (
                    str(problem.row), problem.column, interaction, problem.key, "",
                    problem.value, problem.problem.value, problem.message,
                ),
            )
        )  # fmt: skip
    lines.sort(key=lambda item: item[0])
    return [line for _, line in lines]


def results_path(source: str | Path) -> Path:
    """Where the results of importing ``source`` go by default: beside it."""
    path = Path(source)
    return path.with_name(f"{path.stem} - import results.csv")


def write_results(
    path: str | Path, plan: ImportPlan, preview: Preview, report: JobReport | None = None
) -> Path:
    """Save the results sheet as CSV (UTF-8 with BOM) at ``path``."""
    target = Path(path)
    sink = CsvSink.open(target)
    try:
        sink.header(RESULT_COLUMNS)
        for line in result_rows(plan, preview, report):
            sink.write(line)
    finally:
        sink.close()
    return target


def first_problems(plan: ImportPlan, preview: Preview, limit: int = 10) -> Sequence[str]:
    """Plain lines about the first rows that will not be imported."""
    lines = [str(p) for p in plan.problems[:limit]]
    for index, row in enumerate(preview.rows):
        if len(lines) >= limit:
            break
        if row.change in (Change.INVALID, Change.MISSING, Change.CONFLICT):
            source = plan.sources[index]
            lines.append(f"Row {source.row}, column {source.column}: {row.reason}")
    return lines

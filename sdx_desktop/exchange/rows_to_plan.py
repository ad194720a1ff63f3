"""Turning the rows of a file into a plan for the operations engine.

The layout is found from the header: a **long** file has ``Interaction ID``, ``Key`` and
``Value`` (``External ref`` and ``Updated`` may be there and are not imported); a
**wide** file has ``Interaction ID`` and one column per key (``External ref`` may be
there). Fixed names are matched without regard to case and spaces; key columns keep
their case (keys are case-sensitive).

Import never deletes: an empty value leaves the tag as it is. Rows that cannot become
an operation are :class:`RowProblem`\\ s — an invalid key, a value that cannot be sent,
an interaction that is not in this survey, or rows that set the same key of the same
interaction to different values (none of them is imported). What is left becomes one
``SetTag`` per (interaction, key); the engine's preview then tells create, overwrite
and unchanged apart.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field

from sdx_desktop.api.models import Interaction
from sdx_desktop.domain.keys import key_problem
from sdx_desktop.domain.operations import Plan, SetTag, value_problem

from .table import (
    EXTERNAL_REF,
    INTERACTION_ID,
    KEY,
    MAX_VALUE_CHARS,
    UPDATED,
    VALUE,
    Layout,
    LayoutError,
    Table,
    column_letter,
)


class Problem(enum.StrEnum):
    INVALID_KEY = "invalid key"
    VALUE_NOT_SENDABLE = "value not sendable"
    INVALID_INTERACTION = "invalid interaction id"
    UNKNOWN_INTERACTION = "unknown interaction"
    CONFLICTING_ROWS = "conflicting rows"
    NO_COLUMN = "cell outside the columns"


#: Problems counted as "invalid" in summaries (the rest have their own counts).
INVALID_PROBLEMS = frozenset(
    {
        Problem.INVALID_KEY,
        Problem.VALUE_NOT_SENDABLE,
        Problem.INVALID_INTERACTION,
        Problem.NO_COLUMN,
    }
)


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One cell (wide) or row (long) that is not imported, and why in plain words."""

    row: int
    column: str
    problem: Problem
    message: str
    interaction_id: int | None = None
    key: str = ""
    value: str = ""

    def __str__(self) -> str:
        return f"Row {self.row}, column {self.column}: {self.message}"


@dataclass(frozen=True, slots=True)
class Source:
    """Where an operation of the plan came from (the first row, when rows agreed)."""

    row: int
    column: str
    #: Further rows of the file that asked for exactly the same.
    also: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class ImportPlan:
    plan: Plan
    layout: Layout
    problems: tuple[RowProblem, ...]
    #: ``sources[i]`` is where ``plan.operations[i]`` came from.
    sources: tuple[Source, ...]
    #: Cells left empty (left as they are on Survey Dynamix).
    left_as_is: int = 0
    #: Columns (by header text) and what they were read as, for a preview to show.
    columns: dict[str, str] = field(default_factory=dict)

    def count(self, *problems: Problem) -> int:
        return sum(1 for p in self.problems if p.problem in problems)

    @property
    def invalid(self) -> int:
        return self.count(*INVALID_PROBLEMS)

    @property
    def unknown_interaction(self) -> int:
        return self.count(Problem.UNKNOWN_INTERACTION)

    @property
    def conflicting_rows(self) -> int:
        return self.count(Problem.CONFLICTING_ROWS)


def normalise(name: str) -> str:
    """Header text for matching fixed names: case and spaces do not count."""
    return "".join(name.split()).casefold()


_FIXED = {normalise(n): n for n in (INTERACTION_ID, EXTERNAL_REF, KEY, VALUE, UPDATED)}
_LONG = {normalise(n) for n in (INTERACTION_ID, EXTERNAL_REF, KEY, VALUE, UPDATED)}


def detect_layout(header: tuple[str, ...]) -> Layout:
    names = {normalise(h) for h in header if h.strip()}
    id_name = normalise(INTERACTION_ID)
    if id_name not in names:
        shown = ", ".join(f"“{h.strip()}”" for h in header[:6] if h.strip()) or "nothing"
        raise LayoutError(
            "The first row must be a header naming the columns, with “Interaction ID” and "
            f"either “Key” and “Value” (one row per tag) or one column per key; it has "
            f"{shown}.",
            row=None,
        )
    if {normalise(KEY), normalise(VALUE)} <= names and names <= _LONG:
        return "long"
    return "wide"


def plan_import(
    table: Table,
    survey_id: int,
    existing_interactions: Iterable[Interaction | int],
    *,
    layout: Layout | None = None,
    source_name: str = "",
) -> ImportPlan:
    """The plan for importing ``table`` into survey ``survey_id``, whose interactions
    are ``existing_interactions`` (records or ids). Raises :class:`LayoutError` when the
    header is not that of a tag list."""
    known = {i if isinstance(i, int) else i.id for i in existing_interactions}
    found = layout or detect_layout(table.header)
    builder = _Builder(table, known)
    if found == "long":
        builder.read_long()
    else:
        builder.read_wide()
    return builder.finish(found, survey_id, source_name)


class _Builder:
    def __init__(self, table: Table, known: set[int]) -> None:
        self.table = table
        self.known = known
        self.problems: list[RowProblem] = []
        #: (interaction, key) → [(value, row, column)]
        self.wanted: dict[tuple[int, str], list[tuple[str, int, str]]] = {}
        self.left_as_is = 0
        self.columns: dict[str, str] = {}

    def column(self, want: str) -> int | None:
        matches = [i for i, h in enumerate(self.table.header) if normalise(h) == normalise(want)]
        if len(matches) > 1:
            letters = " and ".join(column_letter(i) for i in matches)
            raise LayoutError(f"There are two “{want}” columns ({letters}); keep one.")
        return matches[0] if matches else None

    def interaction(self, text: str, row: int, column: str) -> int | None:
        """The interaction id in a cell, or None after recording why it cannot be used."""
        cleaned = text.strip()
        if cleaned.startswith("#"):
            cleaned = cleaned[1:]
        if cleaned.endswith(".0"):
            cleaned = cleaned[:-2]
        if not cleaned:
            self.problem(row, column, Problem.INVALID_INTERACTION, "The interaction ID is empty.")
            return None
        if not (cleaned.isascii() and cleaned.isdigit()):
            self.problem(
                row, column, Problem.INVALID_INTERACTION,
                f"“{_shown(text)}” is not an interaction ID (a whole number).",
            )  # fmt: skip
            return None
        interaction_id = int(cleaned)
        if interaction_id not in self.known:
            self.problem(
                row, column, Problem.UNKNOWN_INTERACTION,
                f"Interaction {interaction_id} does not exist or is not in this survey.",
                interaction_id,
            )  # fmt: skip
            return None
        return interaction_id

    def problem(
        self,
        row: int,
        column: str,
        kind: Problem,
        message: str,
        interaction_id: int | None = None,
        key: str = "",
        value: str = "",
    ) -> None:
        self.problems.append(RowProblem(row, column, kind, message, interaction_id, key, value))

    def want(
        self, interaction_id: int, key: str, value: str, row: int, column: str, key_column: str
    ) -> None:
        problem = key_problem(key)
        if problem is not None:
            self.problem(row, key_column, Problem.INVALID_KEY, problem, interaction_id, key, value)
            return
        problem = value_problem(value)
        if problem is None and len(value) > MAX_VALUE_CHARS:
            problem = (
                f"The value has {len(value):,} characters; Survey Dynamix keeps at most "
                f"{MAX_VALUE_CHARS:,}."
            )
        if problem is not None:
            self.problem(
                row, column, Problem.VALUE_NOT_SENDABLE, _sentence(problem), interaction_id, key
            )
            return
        self.wanted.setdefault((interaction_id, key), []).append((value, row, column))

    def read_long(self) -> None:
        id_col, key_col, value_col = (self.column(n) for n in (INTERACTION_ID, KEY, VALUE))
        assert id_col is not None and key_col is not None and value_col is not None
        for name in (EXTERNAL_REF, UPDATED):
            self.column(name)  # a duplicate of these is also a mistake worth naming
        names = self.table.column_name
        self.columns = {names(id_col): "interaction", names(key_col): "key"}
        self.columns[names(value_col)] = "value"
        width = len(self.table.header)
        for cells, row in zip(self.table.rows, self.table.row_numbers, strict=True):
            self.outside(cells, width, row)
            value = _cell(cells, value_col)
            key = _cell(cells, key_col).strip()
            if value == "":
                self.left_as_is += 1
                continue
            interaction_id = self.interaction(_cell(cells, id_col), row, names(id_col))
            if interaction_id is None:
                continue
            self.want(interaction_id, key, value, row, names(value_col), names(key_col))

    def read_wide(self) -> None:
        id_col = self.column(INTERACTION_ID)
        assert id_col is not None
        self.column(EXTERNAL_REF)
        fixed = {normalise(INTERACTION_ID), normalise(EXTERNAL_REF)}
        names = self.table.column_name
        keys: dict[int, str] = {}
        seen: dict[str, int] = {}
        for index, text in enumerate(self.table.header):
            if normalise(text) in fixed:
                continue
            key = text.strip()
            if key in seen:
                raise LayoutError(
                    f"There are two “{key}” columns ({column_letter(seen[key])} and "
                    f"{column_letter(index)}); keep one."
                )
            seen[key] = index
            keys[index] = key
        self.columns = {names(id_col): "interaction"}
        self.columns.update({names(i): "key" for i in keys})
        width = len(self.table.header)
        for cells, row in zip(self.table.rows, self.table.row_numbers, strict=True):
            self.outside(cells, width, row)
            filled = [(i, cells[i]) for i in keys if i < len(cells) and cells[i] != ""]
            self.left_as_is += len(keys) - len(filled)
            if not filled:
                continue
            interaction_id = self.interaction(_cell(cells, id_col), row, names(id_col))
            if interaction_id is None:
                continue
            for index, value in filled:
                self.want(interaction_id, keys[index], value, row, names(index), names(index))

    def outside(self, cells: tuple[str, ...], width: int, row: int) -> None:
        for index in range(width, len(cells)):
            if cells[index] != "":
                self.problem(
                    row, column_letter(index), Problem.NO_COLUMN,
                    "This cell is outside the columns named in the header row.",
                )  # fmt: skip

    def finish(self, layout: Layout, survey_id: int, source_name: str) -> ImportPlan:
        ops: list[SetTag] = []
        sources: list[Source] = []
        for (interaction_id, key), asks in self.wanted.items():
            values = {value for value, _, _ in asks}
            if len(values) > 1:
                rows = ", ".join(str(r) for _, r, _ in asks)
                for value, row, column in asks:
                    self.problem(
                        row, column, Problem.CONFLICTING_ROWS,
                        f"Rows {rows} set {key} of interaction {interaction_id} to different "
                        "values; none of them is imported.",
                        interaction_id, key, value,
                    )  # fmt: skip
                continue
            (value, row, column), *rest = asks
            ops.append(SetTag(interaction_id, key, value))
            sources.append(Source(row, column, tuple(r for _, r, _ in rest)))
        self.problems.sort(key=lambda p: p.row)
        count = len(ops)
        summary = f"Imported {count:,} value{'s' if count != 1 else ''}"
        if source_name:
            summary += f" from {source_name}"
        return ImportPlan(
            plan=Plan(tuple(ops), "import", summary, survey_id),
            layout=layout,
            problems=tuple(self.problems),
            sources=tuple(sources),
            left_as_is=self.left_as_is,
            columns=self.columns,
        )


def _cell(cells: tuple[str, ...], index: int) -> str:
    return cells[index] if index < len(cells) else ""


def _shown(text: str, limit: int = 30) -> str:
    one_line = text.replace("\n", " ")
    return one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"


def _sentence(text: str) -> str:
    text = text.strip()
    return text[0].upper() + text[1:] + ("" if text.endswith(".") else ".")

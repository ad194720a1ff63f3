"""Rows of a file → an import plan: layouts, header matching, and every per-row problem."""

from __future__ import annotations

import pytest

from sdx_desktop.domain.operations import SetTag
from sdx_desktop.exchange import LayoutError, Problem, Table, detect_layout, plan_import

KNOWN = [24001, 24002, 24003]


def table(header: tuple[str, ...], *rows: tuple[str, ...]) -> Table:
    return Table(header, list(rows), list(range(2, len(rows) + 2)), "csv")


def ops(plan: object) -> list[tuple[int, str, str]]:
    return [(o.interaction_id, o.key, o.value) for o in plan.plan.operations]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("header", "layout"),
    [
        (("Interaction ID", "Key", "Value"), "long"),
        (("  interaction id ", "KEY", " value", "External Ref", "UPDATED"), "long"),
        (("InteractionID", "key", "Value"), "long"),
        (("Interaction ID", "External ref", "tier", "REGION"), "wide"),
        (("Interaction ID", "Key", "Value", "tier"), "wide"),  # a key column too: wide
        (("interaction ID", "Value"), "wide"),  # a key named Value
    ],
)
def test_layout_from_the_header(header: tuple[str, ...], layout: str) -> None:
    assert detect_layout(header) == layout


@pytest.mark.parametrize("header", [("Key", "Value"), ("id", "key", "value"), ("", "", "")])
def test_no_header_is_a_plain_layout_error(header: tuple[str, ...]) -> None:
    with pytest.raises(LayoutError, match="header") as caught:
        plan_import(table(header, ("24001", "a", "b")), 101, KNOWN)
    assert "Interaction ID" in str(caught.value)


def test_long_file_becomes_set_operations_and_empty_values_are_left_alone() -> None:
    plan = plan_import(
        table(
            ("Interaction ID", "External ref", "Key", "Value", "Updated"),
            ("24001", "R1", "tier", "GOLD", "2026-01-01 00:00:00"),
            ("24002", "", " region ", "  north ", ""),
            ("24003", "", "tier", "", ""),  # empty: leave as is, never delete
            ("#24003", "", "n", "1", ""),
            ("24001.0", "", "m", "x", ""),
        ),
        101,
        KNOWN,
        source_name="tags.csv",
    )
    assert plan.layout == "long"
    assert ops(plan) == [
        (24001, "tier", "GOLD"),
        (24002, "region", "  north "),  # keys trimmed, values byte for byte
        (24003, "n", "1"),
        (24001, "m", "x"),
    ]
    assert all(isinstance(o, SetTag) for o in plan.plan.operations)
    assert plan.problems == () and plan.left_as_is == 1
    assert plan.plan.kind == "import" and plan.plan.survey_id == 101
    assert plan.plan.summary == "Imported 4 values from tags.csv"
    assert [s.row for s in plan.sources] == [2, 3, 5, 6]


def test_wide_file_one_operation_per_filled_cell_keys_keep_their_case() -> None:
    plan = plan_import(
        table(
            ("Interaction ID", "External ref", "tier", "Tier", " REGION "),
            ("24001", "R1", "gold", "", "N"),
            ("24002", "R2", "", "", ""),
            ("24003", "R3", "", "X", ""),
        ),
        101,
        KNOWN,
    )
    assert plan.layout == "wide"
    assert ops(plan) == [(24001, "tier", "gold"), (24001, "REGION", "N"), (24003, "Tier", "X")]
    assert plan.left_as_is == 6
    assert [(s.row, s.column) for s in plan.sources] == [(2, "tier"), (2, "REGION"), (4, "Tier")]


def test_every_kind_of_row_problem_names_row_and_column() -> None:
    plan = plan_import(
        table(
            ("Interaction ID", "Key", "Value"),
            ("24001", "bad key", "v"),  # invalid key
            ("24001", "", "v"),  # no key
            ("24001", "lone", "a\ud800b"),  # cannot be sent (not UTF-8)
            ("24001", "long", "x" * 65_536),  # longer than Survey Dynamix keeps
            ("abc", "k", "v"),  # not an id
            ("", "k", "v"),  # no id
            ("99999", "k", "v"),  # unknown / not in this survey
            ("24002", "dup", "A"),  # rows that disagree: none imported
            ("24002", "dup", "B"),
            ("24003", "same", "S"),  # rows that agree: one operation
            ("24003", "same", "S"),
            ("24003", "ok", "fine", "stray"),  # a cell outside the columns
        ),
        101,
        KNOWN,
    )
    found = [(p.row, p.column, p.problem) for p in plan.problems]
    assert found == [
        (2, "Key", Problem.INVALID_KEY),
        (3, "Key", Problem.INVALID_KEY),
        (4, "Value", Problem.VALUE_NOT_SENDABLE),
        (5, "Value", Problem.VALUE_NOT_SENDABLE),
        (6, "Interaction ID", Problem.INVALID_INTERACTION),
        (7, "Interaction ID", Problem.INVALID_INTERACTION),
        (8, "Interaction ID", Problem.UNKNOWN_INTERACTION),
        (9, "Value", Problem.CONFLICTING_ROWS),
        (10, "Value", Problem.CONFLICTING_ROWS),
        (13, "D", Problem.NO_COLUMN),
    ]
    assert ops(plan) == [(24003, "same", "S"), (24003, "ok", "fine")]
    assert plan.sources[0].also == (12,)
    assert (plan.invalid, plan.unknown_interaction, plan.conflicting_rows) == (7, 1, 2)
    assert str(plan.problems[0]).startswith("Row 2, column Key: The key may contain only")
    assert "65,535" in plan.problems[3].message
    assert "Rows 9, 10" in plan.problems[7].message


def test_interactions_may_be_given_as_records() -> None:
    from sdx_desktop.api.models import Interaction

    plan = plan_import(
        table(("Interaction ID", "Key", "Value"), ("24001", "a", "b")), 101, [Interaction(24001)]
    )
    assert ops(plan) == [(24001, "a", "b")]


def test_duplicate_columns_are_a_layout_error() -> None:
    with pytest.raises(LayoutError, match="two “tier” columns"):
        plan_import(table(("Interaction ID", "tier", "tier "), ("24001", "a", "b")), 101, KNOWN)
    with pytest.raises(LayoutError, match="two “Value” columns"):
        plan_import(
            table(("Interaction ID", "Key", "Value", "value"), ("24001", "a", "b", "c")), 101, KNOWN
        )


def test_pasted_blocks_become_tables_for_the_same_plan() -> None:
    from sdx_desktop.exchange import read_pasted

    with_header = read_pasted("Key\tValue\r\ntier\tGOLD\r\nnote\ta\tb\r\n", interaction_id=24002)
    assert with_header.header == ("Interaction ID", "Key", "Value")
    plan = plan_import(with_header, 101, KNOWN)
    assert ops(plan) == [(24002, "tier", "GOLD"), (24002, "note", "a")]
    assert [p.problem for p in plan.problems] == [Problem.NO_COLUMN]  # the stray "b"
    bare = read_pasted("tier\tGOLD\nregion\tN\n", interaction_id=24001)
    assert ops(plan_import(bare, 101, KNOWN)) == [(24001, "tier", "GOLD"), (24001, "region", "N")]
    assert bare.row_numbers == [1, 2]
    block = read_pasted("Interaction ID\ttier\n24003\tX\n", interaction_id=24001)
    assert ops(plan_import(block, 101, KNOWN)) == [(24003, "tier", "X")]  # its own ids win

"""The words the windows use (ui/wording.py, no Qt): labels, multi-line values, phone
numbers by their digits, counts still growing, notes on partly loaded lists."""

from __future__ import annotations

import pytest

from sdx_desktop.api.models import Interaction
from sdx_desktop.ui.wording import (
    count_so_far,
    describe_interaction,
    interaction_label,
    partial_note,
    phone_matches,
    survey_type_word,
    value_preview,
)


def test_interaction_label_and_description() -> None:
    full = Interaction(id=26951, external_ref="CRM-284177", email="ana@example.com")
    phone_only = Interaction(id=7, phone_number="+12065558685")
    bare = Interaction(id=8)
    assert interaction_label(full) == "#26951 · CRM-284177 · ana@example.com"
    assert interaction_label(phone_only) == "#7 · +12065558685"
    assert interaction_label(bare) == "#8"
    assert describe_interaction(7, [full, phone_only]) == "#7 · +12065558685"
    assert describe_interaction(99, [full]) == "#99"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("GOLD", "GOLD"),
        ("", ""),
        ("first\nsecond", "first … (2 lines)"),
        ("a\r\nb\r\nc", "a … (3 lines)"),
        ("line\n", "line … (2 lines)"),
        ("\n".join(f"row {n}" for n in range(31)), "row 0 … (31 lines)"),
        ("\n\nthird", " … (3 lines)"),
    ],
)
def test_a_value_of_several_lines_says_how_many(value: str, shown: str) -> None:
    assert value_preview(value) == shown


@pytest.mark.parametrize(
    ("typed", "stored", "found"),
    [
        ("(604) 555-3309", "+16045553309", True),
        ("604-555-3309", "+1 604 555 3309", True),
        ("+1 (604) 555-3309", "6045553309", True),  # typed with the country code
        ("555 3309", "+16045553309", True),  # part of the number
        ("604 555 3308", "+16045553309", False),
        ("(604) 555-3309", "", False),
        ("60", "+16045553309", False),  # too few digits to mean anything
        ("abc", "+16045553309", False),
        ("+44 20 7946 0018", "+16045553309", False),
    ],
)
def test_phone_numbers_compare_digits_only(typed: str, stored: str, found: bool) -> None:
    assert phone_matches(typed, stored) is found


def test_survey_types_read_as_in_the_filter() -> None:
    assert [survey_type_word(t) for t in ("sms", "email", "inbound", "web", "odd")] == [
        "SMS",
        "Email",
        "Inbound",
        "Web",
        "odd",
    ]


def test_counts_still_growing_say_so() -> None:
    assert count_so_far(1204, "tags", running=False) == "1,204 tags"
    assert count_so_far(1204, "tags", running=True) == "1,204 tags so far…"


def test_partial_notes() -> None:
    remedy = "Load all (Ctrl+L) to include every tag."
    assert partial_note("tags", 100, sorted_=False, filtered=False, remedy=remedy) == ""
    sorted_note = partial_note("tags", 100, sorted_=True, filtered=False, remedy=remedy)
    assert sorted_note.startswith("Sorted: only the first 100 tags loaded so far")
    assert sorted_note.endswith(remedy)
    both = partial_note("tags", 1500, sorted_=True, filtered=True, remedy=remedy)
    assert both.startswith("Sorted and filtered: only the first 1,500 tags")
    assert partial_note("tags", 5, sorted_=False, filtered=True, remedy="").startswith("Filtered:")

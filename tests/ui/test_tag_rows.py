"""TagRows (ui/memory.py) behaves exactly like a list of the tags put into it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sdx_desktop.api.models import ExtraFields, Tag
from sdx_desktop.ui.memory import TagRows

STAMPS = st.one_of(
    st.just("2026-05-12 01:36:11"),
    st.just(""),
    st.just("2026-05-12T01:36:11Z"),  # wider: the column widens
    st.just("2026-05-12T01:36:11.123456+00:00"),
    st.text(max_size=45),  # anything: non-ASCII, NUL, too long: kept whole
)


@st.composite
def tags(draw: st.DrawFn) -> Tag:
    extra = draw(st.sampled_from([None, {"colour": "red"}]))
    tag = Tag(
        id=draw(st.integers(1, 60)),
        interaction_id=draw(st.integers(0, 2**40)),
        custom_key=draw(st.text(max_size=8)),
        custom_value=draw(st.text(max_size=20)),
        created_at=draw(STAMPS),
        updated_at=draw(STAMPS),
    )
    if extra is not None:
        tag = Tag(
            **{**{f: getattr(tag, f) for f in tag.__struct_fields__}, "extra": ExtraFields(extra)}
        )
    return tag


OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("extend"), st.lists(tags(), max_size=6)),
        st.tuples(st.just("set"), st.integers(-8, 8), tags()),
        st.tuples(st.just("insert"), st.integers(-8, 8), tags()),
        st.tuples(st.just("delete"), st.integers(-8, 8)),
        st.tuples(st.just("sort"), st.booleans()),
    ),
    max_size=25,
)


@settings(max_examples=300, deadline=None)
@given(OPERATIONS)
def test_tag_rows_match_a_list(operations: list[tuple]) -> None:
    rows, expected = TagRows(), []
    for op, *args in operations:
        if op == "extend":
            rows.extend(args[0])
            expected.extend(args[0])
        elif op in ("set", "delete"):
            index = args[0]
            if not -len(expected) <= index < len(expected):
                with pytest.raises(IndexError):
                    _ = rows[index]
                continue
            if op == "set":
                rows[index] = args[1]
                expected[index] = args[1]
            else:
                del rows[index]
                del expected[index]
        elif op == "insert":
            rows.insert(args[0], args[1])
            expected.insert(args[0], args[1])
        else:
            rows.sort(key=lambda t: (t.custom_key, t.created_at), reverse=args[0])
            expected.sort(key=lambda t: (t.custom_key, t.created_at), reverse=args[0])
        assert len(rows) == len(expected)
        assert list(rows) == expected
        assert rows[::2] == expected[::2] and rows[1:-1] == expected[1:-1]
        for row, tag in enumerate(expected):
            assert rows[row] == tag and rows[row - len(expected)] == tag
            assert rows.key(row) == tag.custom_key and rows.value(row) == tag.custom_value
            assert rows.row_of_id(tag.id) == next(
                i for i, t in enumerate(expected) if t.id == tag.id
            )
            assert tag in rows and rows.index(tag) == expected.index(tag)


def test_plain_pages_are_stored_by_column() -> None:
    page = [
        Tag(id=i, interaction_id=7, custom_key="k", custom_value="v",
            created_at="2026-05-12 01:36:11", updated_at="2026-05-12 01:36:12")
        for i in range(1, 1001)
    ]  # fmt: skip
    rows = TagRows(page)
    assert rows._whole is None  # nothing kept whole
    assert list(rows) == page
    assert rows.row_of_id(500) == 499 and rows.row_of_id(5000) is None
    assert Tag(id=1, interaction_id=7, custom_key="k", custom_value="v") not in rows

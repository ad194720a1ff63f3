"""The engine's contract in full, field by field: what mutation testing found unchecked.

Each test pins behaviour a caller relies on (the preview dialog shows ``current`` and
``reason``; History shows a job's kind and summary; recovery needs the journal's tag
ids). They run against the in-memory fake (fast: mutmut runs them once per mutant);
``RecordingApi`` adds what the sandbox client does with ``cancel`` and records how
each read was asked for. See docs/testing.md for the mutants each one kills.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sdx_desktop.api.errors import CancelledError, NetworkError, ServerError
from sdx_desktop.api.models import DeleteResult, Interaction, Tag
from sdx_desktop.domain import plans
from sdx_desktop.domain.edits import Saved, save_outcome
from sdx_desktop.domain.history import (
    CONFIRMED_LATER,
    NOT_REACHED,
    JournalRecorder,
    check_unconfirmed,
    settle,
)
from sdx_desktop.domain.operations import (
    PER_INTERACTION_LIMIT,
    Change,
    DeleteTag,
    JobReport,
    Plan,
    Result,
    RowResult,
    SetTag,
    apply,
    preview,
)
from sdx_desktop.domain.undo import UndoHistory
from sdx_desktop.journal import Action, Intent, Journal, Outcome, Where

from .fake_api import FakeApi

WHERE = Where("acct", "http://sdx.test")


class RecordingApi(FakeApi):
    """The fake, plus: every read's arguments are recorded, a set ``cancel`` stops a
    read (as the client's walk does), and writes can lose their answer."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: list[dict[str, Any]] = []
        #: (interaction_id, key) pairs whose set is carried out but whose answer is lost.
        self.answer_lost: set[tuple[int, str]] = set()
        #: Tags deleted by someone else just before our delete reaches the server.
        self.deleted_meanwhile: set[int] = set()
        #: (interaction_id, key) pairs whose next set fails once with a server error.
        self.fail_once: set[tuple[int, str]] = set()

    def iter_tag_pages(self, **kwargs: Any) -> Iterator[list[Tag]]:
        self.reads.append({"what": "tags", **kwargs})
        cancel = kwargs.get("cancel")
        if cancel is not None and cancel.is_set():
            raise CancelledError()
        yield from super().iter_tag_pages(**kwargs)

    def iter_interaction_pages(
        self, survey_id: int, *, cancel: threading.Event | None = None
    ) -> Iterator[list[Interaction]]:
        self.reads.append({"what": "interactions", "survey_id": survey_id, "cancel": cancel})
        if cancel is not None and cancel.is_set():
            raise CancelledError()
        yield from super().iter_interaction_pages(survey_id, cancel=cancel)

    def set_tag(self, interaction_id: int, key: str, value: str, *, count: bool = True) -> Tag:
        if (interaction_id, key) in self.fail_once:
            self.fail_once.discard((interaction_id, key))
            raise ServerError(status=503)
        tag = super().set_tag(interaction_id, key, value, count=count)
        if (interaction_id, key) in self.answer_lost:
            raise NetworkError(detail="connection dropped before the answer")
        return tag

    def delete_tag(self, tag_id: int) -> DeleteResult:
        if tag_id in self.deleted_meanwhile:
            self.tags.pop(tag_id, None)
        return super().delete_tag(tag_id)


@pytest.fixture
def api() -> RecordingApi:
    fake = RecordingApi()
    for interaction_id in range(1, 6):
        fake.add_interaction(interaction_id, survey_id=1)
    return fake


def _go(api: FakeApi, plan: Plan, **kwargs: Any) -> Any:
    return apply(api, preview(api, plan), **kwargs)


# --- classification: every field of every kind of row ---------------------------------


def test_every_row_carries_its_index_operation_server_copy_and_reason(api: RecordingApi) -> None:
    kept = api.put(1, "tier", "GOLD")
    doomed = api.put(2, "old", "x")
    changed = api.put(3, "region", "north")
    seen_region = Tag(changed.id, 3, "region", "north", changed.created_at, changed.updated_at)
    api.put(3, "region", "NORTH")  # someone else changed it
    now_region = api.tags[changed.id]
    gone = api.put(4, "gone", "1")
    del api.tags[gone.id]
    readded = api.put(4, "again", "1")
    stale_again = Tag(readded.id + 1000, 4, "again", "1")  # the key now has another tag
    ops = (
        DeleteTag(gone),  # 0: missing, no server copy
        DeleteTag(stale_again),  # 1: missing, but the key is there under another id
        DeleteTag(Tag(changed.id, 3, "region", "north")),  # 2: changed since seen
        DeleteTag(doomed),  # 3: delete
        SetTag(1, "tier", "bad \udc80"),  # 4: invalid value, server copy kept
        SetTag(99, "tier", "GOLD"),  # 5: no such interaction
        SetTag(1, "tier", "GOLD"),  # 6: unchanged
        SetTag(1, "tier", "SILVER", based_on=None),  # 7: added since
        SetTag(4, "gone", "2", based_on=gone),  # 8: deleted since
        SetTag(3, "region", "South", based_on=seen_region),  # 9: changed since
        SetTag(1, "tier", "PLATINUM"),  # 10: overwrite
        SetTag(5, "fresh", "1"),  # 11: create
    )
    rows = preview(api, Plan(ops, "test", "test", 1)).rows
    assert [r.index for r in rows] == list(range(len(ops)))
    assert all(row.op is op for row, op in zip(rows, ops, strict=True))
    assert [(r.change, r.current, r.reason) for r in rows] == [
        (Change.MISSING, None, "already deleted"),
        (Change.MISSING, readded, "already deleted"),
        (Change.CONFLICT, now_region, "changed by someone else since you saw it"),
        (Change.DELETE, doomed, ""),
        (
            Change.INVALID,
            kept,
            "the value has a character that cannot be saved (at position 5)",
        ),
        (Change.MISSING, None, "the interaction does not exist"),
        (Change.UNCHANGED, kept, ""),
        (Change.CONFLICT, kept, "someone else added this key since"),
        (Change.CONFLICT, None, "deleted by someone else since you saw it"),
        (Change.CONFLICT, now_region, "changed by someone else since you saw it"),
        (Change.OVERWRITE, kept, ""),
        (Change.CREATE, None, ""),
    ]
    assert [r.old_value for r in rows][10] == "GOLD" and rows[10].new_value == "PLATINUM"


def test_a_key_that_differs_only_by_case_is_the_only_twin(api: RecordingApi) -> None:
    api.put(1, "Region", "x")
    api.put(1, "other", "y")
    api.put(2, "other", "y")
    rows = preview(
        api, Plan((SetTag(1, "region", "1"), SetTag(2, "region", "1")), "t", "t", 1)
    ).rows
    assert [(r.change, r.case_twin) for r in rows] == [
        (Change.CREATE, "Region"),
        (Change.CREATE, None),  # unrelated keys are no twins
    ]


def test_a_missing_interaction_does_not_hide_the_ones_after_it(api: RecordingApi) -> None:
    tag = api.put(5, "tier", "GOLD")
    rows = preview(
        api, Plan((SetTag(0, "tier", "x"), SetTag(5, "tier", "SILVER")), "t", "t", None)
    ).rows
    assert [(r.change, r.current) for r in rows] == [
        (Change.MISSING, None),
        (Change.OVERWRITE, tag),
    ]


# --- how the preview reads ------------------------------------------------------------


def _spread(api: RecordingApi, count: int) -> list[int]:
    ids = [api.add_interaction(100 + n, survey_id=7) for n in range(count)]
    return ids


def test_up_to_the_limit_each_interaction_is_read_one_page_at_a_time(
    api: RecordingApi,
) -> None:
    ids = _spread(api, PER_INTERACTION_LIMIT)
    preview(api, plans.plan_set_on_many(ids, "k", "v", 7))
    assert sorted(r["interaction_id"] for r in api.reads) == ids
    assert {(r["what"], r["concurrency"]) for r in api.reads} == {("tags", 1)}


def test_past_the_limit_the_survey_is_read_once(api: RecordingApi) -> None:
    ids = _spread(api, PER_INTERACTION_LIMIT + 1)
    tagged = api.put(ids[0], "k", "old")
    seen = preview(api, plans.plan_set_on_many(ids, "k", "v", 7))
    # Some targets have no tag yet: the survey's interactions say whether they exist.
    assert sorted((r["what"], r.get("survey_id")) for r in api.reads) == [
        ("interactions", 7),
        ("tags", 7),
    ]
    assert [(r.change, r.current) for r in seen.rows[:2]] == [
        (Change.OVERWRITE, tagged),
        (Change.CREATE, None),
    ]


def test_without_a_survey_even_many_interactions_are_read_one_by_one(
    api: RecordingApi,
) -> None:
    ids = _spread(api, PER_INTERACTION_LIMIT + 1)
    preview(api, plans.plan_set_on_many(ids, "k", "v", None))
    assert len(api.reads) == len(ids)
    assert all(r["interaction_id"] is not None for r in api.reads)


@pytest.mark.parametrize("count", [1, PER_INTERACTION_LIMIT + 1])
def test_a_cancelled_preview_stops_reading(api: RecordingApi, count: int) -> None:
    ids = _spread(api, count)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(CancelledError):
        preview(api, plans.plan_set_on_many(ids, "k", "v", 7), cancel=cancel)


def test_every_survey_wide_read_can_be_cancelled(api: RecordingApi) -> None:
    ids = _spread(api, PER_INTERACTION_LIMIT + 1)
    cancel = threading.Event()
    preview(api, plans.plan_set_on_many(ids, "k", "v", 7), cancel=cancel)
    assert [r["cancel"] for r in api.reads] == [cancel, cancel]


# --- apply: results, progress, renames, journal ---------------------------------------


def test_results_keep_the_row_the_server_copy_and_why_nothing_was_sent(
    api: RecordingApi,
) -> None:
    same = api.put(1, "tier", "GOLD")
    seen = preview(api, Plan((SetTag(1, "tier", "GOLD"), SetTag(1, "bad key", "x")), "t", "t"))
    report = apply(api, seen)
    assert [(r.row, r.result, r.tag, r.message) for r in report.results] == [
        (seen.rows[0], Result.UNCHANGED, same, ""),
        (seen.rows[1], Result.SKIPPED, None, seen.rows[1].reason),
    ]
    assert seen.rows[1].reason  # the preview's own words


def test_progress_counts_up_to_the_rows_sent(api: RecordingApi) -> None:
    calls: list[tuple[int, int]] = []
    plan = plans.plan_set_on_many([1, 2, 3], "k", "v", 1)
    _go(api, plan, progress=lambda done, total: calls.append((done, total)), concurrency=1)
    assert calls == [(1, 3), (2, 3), (3, 3)]


def test_a_cancelled_row_says_it_was_not_sent(api: RecordingApi) -> None:
    cancel = threading.Event()
    cancel.set()
    report = _go(api, plans.plan_set_on_many([1], "k", "v", 1), cancel=cancel)
    (row,) = report.results
    assert (row.result, row.message, row.tag) == (Result.CANCELLED, "not sent: stopped", None)
    assert api.writes == 0


def test_a_rename_whose_new_key_fails_keeps_the_old_key(api: RecordingApi) -> None:
    old = api.put(1, "tier", "GOLD")
    api.failing.add((1, "level"))
    plan = plans.plan_save(1, "level", "GOLD", old)
    report = _go(api, plan)
    (new_row, old_row) = report.results
    assert new_row.result is Result.FAILED
    assert new_row.message == str(new_row.error) and isinstance(new_row.error, ServerError)
    assert (old_row.result, old_row.message) == (
        Result.SKIPPED,
        "kept: the change before it failed",
    )
    assert old_row.row.op == DeleteTag(old, after=0)
    assert api.live(1) == {"tier": "GOLD"}
    assert save_outcome(report) is None


def test_a_rename_whose_old_key_changed_meanwhile_keeps_it(api: RecordingApi) -> None:
    old = api.put(1, "tier", "GOLD")
    api.put(1, "tier", "GOLD ")  # someone else edits the old key before the save
    report = _go(api, plans.plan_save(1, "level", "GOLD", old))
    assert [r.result for r in report.results] == [Result.DONE, Result.SKIPPED]
    new = report.results[0].tag
    assert new is not None and new.custom_key == "level"
    assert save_outcome(report) == Saved(new)  # saved; the old key was kept, not replaced


def test_a_delete_says_when_the_tag_was_already_gone(api: RecordingApi) -> None:
    first = api.put(1, "a", "1")
    second = api.put(1, "b", "2")
    api.deleted_meanwhile.add(second.id)
    report = _go(api, plans.plan_delete([first, second]))
    assert [(r.result, r.message) for r in report.results] == [
        (Result.DONE, ""),
        (Result.DONE, "already deleted"),
    ]


def test_the_journal_holds_each_change_in_full(api: RecordingApi, tmp_path: Path) -> None:
    over = api.put(1, "tier", "GOLD")
    doomed = api.put(2, "old", "x")
    before_failure = api.put(3, "k", "old")
    api.failing.add((3, "k"))
    api.answer_lost.add((4, "k"))
    plan = Plan(
        (
            SetTag(1, "tier", "SILVER"),  # overwrite: the old tag's id and value
            SetTag(5, "new", "1"),  # create: the new tag's id once done
            DeleteTag(doomed),
            SetTag(3, "k", "v"),  # a server error: failed (the tag it was to change kept)
            SetTag(4, "k", "v"),  # the answer lost: left unconfirmed
        ),
        "bulk set",
        "Mixed",
        1,
    )
    with Journal(tmp_path / "j.sqlite3") as journal:
        report = _go(api, plan, journal=JournalRecorder(journal, WHERE))
        entries = journal.job_entries(report.job_id)
        created = report.results[1].tag
        assert created is not None
        assert [
            (e.seq, e.action, e.interaction_id, e.key, e.tag_id, e.old_value, e.new_value)
            for e in entries
        ] == [
            (0, Action.SET, 1, "tier", over.id, "GOLD", "SILVER"),
            (1, Action.SET, 5, "new", created.id, None, "1"),
            (2, Action.DELETE, 2, "old", doomed.id, "x", None),
            (3, Action.SET, 3, "k", before_failure.id, "old", "v"),
            (4, Action.SET, 4, "k", None, None, "v"),
        ]
        failed, lost = report.results[3], report.results[4]
        assert [(e.outcome, e.detail) for e in entries] == [
            (Outcome.DONE, ""),
            (Outcome.DONE, ""),
            (Outcome.DONE, ""),
            (Outcome.FAILED, failed.message),
            (Outcome.PENDING, lost.message),
        ]
        assert failed.message and lost.message
        assert entries[0].job_summary == "Mixed"
        assert [e.id for e in journal.unconfirmed(WHERE)] == [entries[4].id]


# --- recovery: what became of unconfirmed changes ------------------------------------


def _pending(journal: Journal, *intents: Intent) -> list[Any]:
    job = journal.start_job(WHERE, survey_id=1, kind="bulk set", summary="s")
    for intent in intents:
        journal.record_intent(job, intent)
    return journal.unconfirmed(WHERE)


def test_unconfirmed_changes_are_matched_against_the_server(
    api: RecordingApi, tmp_path: Path
) -> None:
    reached_set = api.put(1, "k", "v")
    other_value = api.put(2, "k", "not v")
    still_there = api.put(3, "d", "x")
    gone = Tag(reached_set.id + 500, 3, "gone", "x")
    with Journal(tmp_path / "j.sqlite3") as journal:
        pending = _pending(
            journal,
            Intent(0, Action.SET, 1, "k", new_value="v"),
            Intent(1, Action.SET, 2, "k", new_value="v"),
            Intent(2, Action.SET, 3, "k", new_value="v"),
            Intent(3, Action.DELETE, 3, "d", tag_id=still_there.id, old_value="x"),
            Intent(4, Action.DELETE, 3, "gone", tag_id=gone.id, old_value="x"),
            Intent(5, Action.SET, 42, "k", new_value="v"),  # interaction deleted since
            Intent(6, Action.DELETE, 42, "d", tag_id=7, old_value="x"),
        )
        checked = check_unconfirmed(api, pending)
        assert [(c.entry.seq, c.reached, c.tag_id) for c in checked] == [
            (0, True, reached_set.id),
            (1, False, None),
            (2, False, None),
            (3, False, None),
            (4, True, None),
            (5, False, None),
            (6, True, None),
        ]
        assert other_value.custom_value == "not v"
        # One read per interaction, one page at a time.
        assert [(r["interaction_id"], r["concurrency"]) for r in api.reads] == [
            (1, 1),
            (2, 1),
            (3, 1),
            (42, 1),
        ]
        settle(journal, checked)
        after = {e.seq: e for e in journal.history(WHERE)}
        assert [(after[s].outcome, after[s].detail, after[s].tag_id) for s in range(7)] == [
            (Outcome.DONE, CONFIRMED_LATER, reached_set.id),
            (Outcome.NOT_APPLIED, NOT_REACHED, None),
            (Outcome.NOT_APPLIED, NOT_REACHED, None),
            (Outcome.NOT_APPLIED, NOT_REACHED, still_there.id),
            (Outcome.DONE, CONFIRMED_LATER, gone.id),
            (Outcome.NOT_APPLIED, NOT_REACHED, None),
            (Outcome.DONE, CONFIRMED_LATER, 7),
        ]


# --- plans: what each one does, and what History calls it -------------------------------


def test_saves_are_named_for_history(api: RecordingApi) -> None:
    tag = api.put(1, "tier", "GOLD")
    add = plans.plan_save(1, "tier", "x", None, 9)
    edit = plans.plan_save(1, "tier", "x", tag, 9)
    rename = plans.plan_save(1, "level", "x", tag, 9)
    assert [(p.kind, p.summary, p.survey_id) for p in (add, edit, rename)] == [
        ("add", "Added tier=x on #1", 9),
        ("edit", "Saved tier=x on #1", 9),
        ("rename", "Renamed tier to level on #1", 9),
    ]
    assert rename.operations == (SetTag(1, "level", "x"), DeleteTag(tag, after=0))
    assert edit.operations == (SetTag(1, "tier", "x", based_on=tag),)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("x" * 30, "x" * 30),
        ("x" * 31, "x" * 29 + "…"),
        ("two\nlines", "two lines"),
    ],
)
def test_long_values_are_cut_in_summaries(value: str, shown: str) -> None:
    assert plans.plan_save(1, "k", value, None).summary == f"Added k={shown} on #1"


def test_bulk_plans_count_in_their_summaries(api: RecordingApi) -> None:
    a, b = api.put(1, "k", "1"), api.put(2, "k", "2")
    assert plans.plan_delete([a]).summary == "Deleted k from #1"
    assert plans.plan_delete([a, b], 3).summary == "Deleted 2 tags"
    assert plans.plan_delete([a, b], 3).survey_id == 3
    assert plans.plan_delete([a, b]).operations == (DeleteTag(a), DeleteTag(b))
    many = plans.plan_set_on_many(range(1000), "k", "v", 4)
    assert (many.kind, many.summary, many.survey_id) == (
        "bulk set",
        "Set k=v on 1,000 interactions",
        4,
    )
    one = plans.plan_set_on_many([5, 5], "k", "v", None)
    assert one.summary == "Set k=v on 1 interaction" and len(one) == 1


def test_remove_key_deletes_exactly_that_key(api: RecordingApi) -> None:
    wanted = [api.put(1, "tier", "a"), api.put(2, "tier", "b")]
    other = api.put(3, "Tier", "c")  # keys are case-sensitive
    plan = plans.plan_remove_key([*wanted, other], "tier", 1)
    assert (plan.kind, plan.summary, plan.survey_id) == (
        "remove key",
        "Removed tier from 2 interactions",
        1,
    )
    assert plan.operations == tuple(DeleteTag(t) for t in wanted)
    _go(api, plan)
    assert (api.live(1), api.live(2), api.live(3)) == ({}, {}, {"Tier": "c"})


def test_replace_changes_only_matching_values_of_that_key(api: RecordingApi) -> None:
    north = api.put(1, "region", "north")
    api.put(2, "region", "south")
    api.put(3, "Region", "north")
    rule = plans.ReplaceRule("north", "NORTH")
    plan = plans.plan_replace(list(api.tags.values()), "region", rule, 1)
    assert (plan.kind, plan.summary, plan.survey_id) == (
        "replace",
        "Replaced “north” with “NORTH” in region (1 value)",
        1,
    )
    assert plan.operations == (SetTag(1, "region", "NORTH", based_on=north),)
    _go(api, plan)
    assert [api.live(i) for i in (1, 2, 3)] == [
        {"region": "NORTH"},
        {"region": "south"},
        {"Region": "north"},
    ]


def test_read_key_asks_for_the_key_and_keeps_only_exact_matches(api: RecordingApi) -> None:
    exact = api.put(1, "tier", "a")
    api.put(2, "Tier", "b")
    cancel = threading.Event()
    assert plans.read_key(api, 1, "tier", cancel) == [exact]
    assert api.reads == [{"what": "tags", "survey_id": 1, "custom_key": "tier", "cancel": cancel}]


def test_read_interaction_ids_lists_the_survey(api: RecordingApi) -> None:
    api.add_interaction(77, survey_id=2)
    cancel = threading.Event()
    assert plans.read_interaction_ids(api, 1) == [1, 2, 3, 4, 5]
    assert plans.read_interaction_ids(api, 2, cancel) == [77]
    assert api.reads[-1]["cancel"] is cancel


# --- undo, retry, revert, resend --------------------------------------------------------


def test_undo_of_a_delete_does_not_overwrite_a_key_added_since(api: RecordingApi) -> None:
    doomed = api.put(1, "tier", "GOLD")
    job = _go(api, plans.plan_delete([doomed], 1))
    undo = plans.undo_plan(job)
    assert (undo.kind, undo.summary, undo.survey_id) == ("undo", "Undo: Deleted tier from #1", 1)
    api.put(1, "tier", "SILVER")  # someone else adds the key again
    (row,) = preview(api, undo).rows
    assert row.change is Change.CONFLICT
    assert apply(api, preview(api, undo)).results[0].result is Result.SKIPPED
    assert api.live(1) == {"tier": "SILVER"}


def test_retry_keeps_a_rename_together_and_renumbers_its_wait(api: RecordingApi) -> None:
    first = api.put(1, "a", "1")
    old = api.put(2, "tier", "GOLD")
    api.failing.add((2, "level"))
    plan = Plan(
        (
            SetTag(1, "a", "2", based_on=first),
            SetTag(2, "level", "GOLD"),
            DeleteTag(old, after=1),
        ),
        "mixed",
        "Three changes",
        1,
    )
    report = _go(api, plan)
    assert [r.result for r in report.results] == [Result.DONE, Result.FAILED, Result.SKIPPED]
    retry = plans.retry_plan(report)
    assert (retry.kind, retry.summary, retry.survey_id) == ("mixed", "Retry: Three changes", 1)
    # The failed set and the delete waiting for it, renumbered: the set is now row 0.
    assert retry.operations == (SetTag(2, "level", "GOLD"), DeleteTag(old, after=0))
    api.failing.clear()
    _go(api, retry)
    assert api.live(2) == {"level": "GOLD"} and api.live(1) == {"a": "2"}


def test_retry_leaves_out_a_failed_row_a_later_row_settled(api: RecordingApi) -> None:
    api.fail_once.add((1, "k"))
    report = _go(api, Plan((SetTag(1, "k", "old"), SetTag(1, "k", "new")), "t", "t", 1))
    assert [r.result for r in report.results] == [Result.FAILED, Result.DONE]
    assert plans.retry_plan(report).operations == ()  # retrying it would undo "new"
    api.fail_once.add((2, "k"))
    report = _go(api, Plan((SetTag(2, "k", "new"),), "t", "t", 1))
    assert plans.retry_plan(report).operations == (SetTag(2, "k", "new"),)


def test_retry_does_not_retry_a_delete_that_waited_for_a_row_that_succeeded(
    api: RecordingApi,
) -> None:
    tag = api.put(1, "a", "x")
    api.put(1, "a", "changed")  # the delete below becomes a conflict: skipped, not failed
    plan = Plan((SetTag(2, "b", "1"), DeleteTag(tag, after=0)), "t", "t", 1)
    report = _go(api, plan)
    assert [r.result for r in report.results] == [Result.DONE, Result.SKIPPED]
    assert plans.retry_plan(report).operations == ()


def _entry(journal: Journal, job: int, intent: Intent, outcome: Outcome, tag_id: int) -> None:
    entry_id = journal.record_intent(job, intent)
    journal.record_outcome(entry_id, outcome, tag_id=tag_id)


def test_revert_puts_back_what_done_entries_changed_newest_first(
    api: RecordingApi, tmp_path: Path
) -> None:
    created = api.put(1, "created", "new")
    changed = api.put(2, "tier", "SILVER")
    failed_target = api.put(3, "kept", "as is")
    with Journal(tmp_path / "j.sqlite3") as journal:
        job = journal.start_job(WHERE, survey_id=1, kind="bulk set", summary="s")
        _entry(
            journal,
            job,
            Intent(0, Action.SET, 1, "created", new_value="new"),
            Outcome.DONE,
            created.id,
        )
        _entry(
            journal,
            job,
            Intent(1, Action.SET, 2, "tier", changed.id, "GOLD", "SILVER"),
            Outcome.DONE,
            changed.id,
        )
        _entry(journal, job, Intent(2, Action.DELETE, 2, "gone", 555, "was"), Outcome.DONE, 555)
        _entry(
            journal,
            job,
            Intent(3, Action.SET, 3, "kept", failed_target.id, "x", "y"),
            Outcome.FAILED,
            failed_target.id,
        )
        _entry(journal, job, Intent(4, Action.DELETE, 2, "nothing", 556, None), Outcome.DONE, 556)
        _entry(journal, job, Intent(5, Action.SET, 2, "later", None, None, "1"), Outcome.DONE, 0)
        entries = journal.job_entries(job)
    plan = plans.revert_plan(list(reversed(entries)), "Revert 5 changes", 1)
    assert (plan.kind, plan.summary, plan.survey_id) == ("revert", "Revert 5 changes", 1)
    later_tag = Tag(0, 2, "later", "1")
    assert plan.operations == (
        DeleteTag(later_tag),  # newest first; a failed entry is not reverted
        SetTag(2, "gone", "was", based_on=None),
        SetTag(2, "tier", "GOLD", based_on=Tag(changed.id, 2, "tier", "SILVER")),
        DeleteTag(Tag(created.id, 1, "created", "new")),
    )
    _go(api, plan)
    assert api.live(1) == {} and api.live(2) == {"tier": "GOLD", "gone": "was"}
    assert api.live(3) == {"kept": "as is"}


def test_resend_sends_unconfirmed_changes_as_they_were_meant(
    api: RecordingApi, tmp_path: Path
) -> None:
    doomed = api.put(2, "old", "x")
    with Journal(tmp_path / "j.sqlite3") as journal:
        pending = _pending(
            journal,
            Intent(0, Action.SET, 1, "k", new_value="v"),
            Intent(1, Action.SET, 1, "empty", new_value=""),
            Intent(2, Action.DELETE, 2, "old", tag_id=doomed.id, old_value="x"),
            Intent(3, Action.DELETE, 2, "unknown", tag_id=None, old_value="y"),
            Intent(4, Action.DELETE, 2, "blank", tag_id=doomed.id + 1, old_value=None),
        )
    plan = plans.resend_plan(pending, 1)
    assert (plan.kind, plan.summary, plan.survey_id) == (
        "retry",
        "Sent again: 4 unconfirmed changes",
        1,
    )
    assert plan.operations == (
        SetTag(1, "k", "v"),
        SetTag(1, "empty", ""),
        DeleteTag(Tag(doomed.id, 2, "old", "x")),
        DeleteTag(Tag(doomed.id + 1, 2, "blank", "")),
    )
    assert plans.resend_plan(pending[:1], None).summary == "Sent again: 1 unconfirmed change"
    _go(api, plan)
    assert api.live(1) == {"k": "v", "empty": ""} and api.live(2) == {}


def test_the_undo_history_names_its_steps(api: RecordingApi) -> None:
    history = UndoHistory()
    assert (history.undo_text(), history.redo_text()) == ("Undo", "Redo")
    assert history.undo_plan() is None and history.redo_plan() is None
    job = _go(api, plans.plan_set_on_many([1, 2], "k", "v", 3))
    history.record(job)
    assert history.undo_text() == "Undo set k=v on 2 interactions"
    undo = history.undo_plan()
    assert undo is not None
    history.undone(_go(api, undo))
    assert history.redo_text() == "Redo set k=v on 2 interactions"
    redo = history.redo_plan()
    assert redo is not None
    assert (redo.kind, redo.summary, redo.survey_id) == (
        "redo",
        "Redo: Set k=v on 2 interactions",
        3,
    )
    history.redone(_go(api, redo))
    assert api.live(1) == {"k": "v"} and history.can_undo and not history.can_redo


def test_a_job_that_changed_nothing_is_not_an_undo_step(api: RecordingApi) -> None:
    history = UndoHistory()
    api.put(1, "k", "v")
    history.record(_go(api, plans.plan_set_on_many([1], "k", "v", 1)))  # unchanged
    assert not history.can_undo


def test_a_redo_that_changed_nothing_leaves_the_history_as_it_was(api: RecordingApi) -> None:
    history = UndoHistory()
    history.record(_go(api, plans.plan_set_on_many([1], "k", "v", 1)))
    undo = history.undo_plan()
    assert undo is not None
    history.undone(_go(api, undo))
    redo = history.redo_plan()
    assert redo is not None
    api.put(1, "k", "v")  # someone else already did it again
    history.redone(_go(api, redo))  # nothing to write: no new undo step
    assert not history.can_undo and not history.can_redo


def test_undo_skips_a_create_whose_tag_is_unknown(api: RecordingApi) -> None:
    job = _go(api, plans.plan_set_on_many([1, 2], "k", "v", 1))
    first, second = job.results
    # A report whose first create came back without its record (nothing to delete by id).
    blind = JobReport(job.preview, (RowResult(first.row, Result.DONE, None), second), job.job_id)
    assert second.tag is not None
    assert plans.undo_plan(blind).operations == (DeleteTag(second.tag),)


def test_a_forced_delete_journals_and_undoes_the_value_it_removed(
    api: RecordingApi, tmp_path: Path
) -> None:
    seen = api.put(1, "tier", "GOLD")
    api.put(1, "tier", "SILVER")  # changed by someone else: a conflict, forced below
    gone = api.put(2, "old", "x")
    api.deleted_meanwhile.add(gone.id)
    with Journal(tmp_path / "j.sqlite3") as journal:
        job = apply(
            api,
            preview(api, plans.plan_delete([seen, gone], 1)),
            force=[0],
            journal=JournalRecorder(journal, WHERE),
        )
        assert job.plan.kind == "delete"
        entries = journal.job_entries(job.job_id)
        assert [(e.old_value, e.detail) for e in entries] == [
            ("SILVER", ""),  # what was on the server, not what the user had seen
            ("x", "already deleted"),
        ]
    undo = plans.undo_plan(job)
    assert SetTag(1, "tier", "SILVER", based_on=None) in undo.operations
    _go(api, undo)
    assert api.live(1) == {"tier": "SILVER"}


def test_finished_ok_means_every_row_done_or_unchanged(api: RecordingApi) -> None:
    api.put(1, "k", "v")
    assert plans.finished_ok(_go(api, plans.plan_set_on_many([1, 2], "k", "v", 1)))
    api.failing.add((3, "k"))
    assert not plans.finished_ok(_go(api, plans.plan_set_on_many([1, 3], "k", "w", 1)))


@pytest.mark.parametrize(
    ("rule", "value", "expected"),
    [
        (plans.ReplaceRule("a", "b", whole_value=False), " a ", " b "),  # no trim: kept
        (
            plans.ReplaceRule("nor", "sou", whole_value=False, match_case=True),
            "North nor",
            "North sou",
        ),
        (plans.ReplaceRule(" north ", "N", trim=True), "north", "N"),
        (plans.ReplaceRule(" x ", "y"), " x ", "y"),  # no trim: compared as typed
        (plans.ReplaceRule(" x ", "y"), "x", "x"),
    ],
)
def test_replace_rule_details(rule: plans.ReplaceRule, value: str, expected: str) -> None:
    assert rule.apply_to(value) == expected


def test_replace_looks_past_tags_of_other_keys(api: RecordingApi) -> None:
    other = api.put(2, "note", "north")
    north = api.put(1, "region", "north")
    plan = plans.plan_replace([other, north], "region", plans.ReplaceRule("north", "N"), 1)
    assert plan.operations == (SetTag(1, "region", "N", based_on=north),)


class SlowApi(RecordingApi):
    """Each call takes a little while; the most calls ever in flight at once is kept."""

    def __init__(self) -> None:
        super().__init__()
        self._gate = threading.Lock()
        self._running = 0
        self.most = 0

    def _enter(self) -> None:
        with self._gate:
            self._running += 1
            self.most = max(self.most, self._running)
        time.sleep(0.01)  # long enough for a pool to start whatever it may
        with self._gate:
            self._running -= 1

    def set_tag(self, interaction_id: int, key: str, value: str, *, count: bool = True) -> Tag:
        if count:
            self._enter()
        return super().set_tag(interaction_id, key, value, count=count)

    def iter_tag_pages(self, **kwargs: Any) -> Iterator[list[Tag]]:
        self._enter()
        yield from super().iter_tag_pages(**kwargs)


@pytest.mark.parametrize("concurrency", [1, 2])
def test_no_more_requests_in_flight_than_the_concurrency(concurrency: int) -> None:
    api = SlowApi()
    ids = [api.add_interaction(i) for i in range(1, 9)]
    seen = preview(api, plans.plan_set_on_many(ids, "k", "v", None), concurrency=concurrency)
    assert api.most <= concurrency
    api.most = 0
    report = apply(api, seen, concurrency=concurrency)
    assert [r.result for r in report.results] == [Result.DONE] * 8
    assert api.most <= concurrency

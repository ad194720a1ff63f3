"""The operations engine: plan → preview → apply, undo, journal and recovery.

Every case runs twice: against an in-memory fake (fast) and against the sandbox over
real HTTP (the real thing)."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sdx_desktop.api.models import Tag
from sdx_desktop.domain import plans
from sdx_desktop.domain.history import JournalRecorder, check_unconfirmed, settle
from sdx_desktop.domain.operations import (
    PER_INTERACTION_LIMIT,
    Change,
    Plan,
    Result,
    SetTag,
    apply,
    preview,
)
from sdx_desktop.journal import Intent, Journal, Outcome, Where
from sdx_desktop.sandbox import SandboxServer

from ..helpers import make_client
from .fake_api import FakeApi


@dataclass
class World:
    """One survey on a server, and what another member of staff can do to it."""

    api: Any
    survey_id: int
    new_interaction: Callable[[], int]
    put: Callable[[int, str, str], Tag]  # someone else sets a tag
    change: Callable[[Tag, str], None]  # someone else changes a value
    remove: Callable[[Tag], None]  # someone else deletes a tag
    live: Callable[[int], dict[str, str]]


_fake_ids = itertools.count(500)


@pytest.fixture(params=["fake", "sandbox"])
def world(request: pytest.FixtureRequest) -> Iterator[World]:
    if request.param == "fake":
        fake = FakeApi()
        yield World(
            api=fake,
            survey_id=1,
            new_interaction=lambda: fake.add_interaction(next(_fake_ids)),
            put=fake.put,
            change=lambda tag, value: fake.put(tag.interaction_id, tag.custom_key, value) and None,
            remove=lambda tag: fake.tags.pop(tag.id) and None,
            live=fake.live,
        )
        return
    server: SandboxServer = request.getfixturevalue("sandbox")
    survey_id = server.store.create_survey("Engine")
    with make_client(server) as client, make_client(server) as other:
        yield World(
            api=client,
            survey_id=survey_id,
            new_interaction=lambda: server.store.create_interaction(survey_id),
            put=other.set_tag,
            change=lambda tag, value: server.store.set_tag_value_directly(tag.id, value),
            remove=lambda tag: other.delete_tag(tag.id) and None,
            live=server.store.live_tags,
        )


def _preview(world: World, *ops: Any, kind: str = "test") -> Any:
    return preview(world.api, Plan(tuple(ops), kind, "test", world.survey_id))


def test_each_operation_is_classified(world: World) -> None:
    a, b, c = (world.new_interaction() for _ in range(3))
    gold = world.put(a, "tier", "GOLD")
    same = world.put(b, "tier", "SILVER")
    doomed = world.put(c, "old", "x")
    changed = world.put(c, "region", "north")
    seen = Tag(changed.id, c, "region", "north", changed.created_at, changed.updated_at)
    world.change(changed, "NORTH")
    gone = world.put(b, "gone", "1")
    world.remove(gone)
    rows = _preview(
        world,
        SetTag(a, "level", "1"),  # create
        SetTag(a, "tier", "PLATINUM"),  # overwrite GOLD
        SetTag(b, "tier", "SILVER"),  # unchanged
        plans.DeleteTag(doomed),  # delete
        SetTag(c, "region", "South", based_on=seen),  # conflict: changed since seen
        SetTag(a, "9lives", "x"),  # invalid key
        SetTag(a, "note", "bad \udc80 value"),  # value UTF-8 cannot carry
        SetTag(999_999, "tier", "GOLD"),  # missing interaction
        plans.DeleteTag(gone),  # missing tag
        SetTag(b, "gone", "2", based_on=gone),  # conflict: deleted since seen
        SetTag(b, "tier2", "x", based_on=None),  # saw no such key: none there → create
        SetTag(a, "tier", "x", based_on=None),  # saw no such key, but someone added it
    ).rows
    assert [r.change for r in rows] == [
        Change.CREATE,
        Change.OVERWRITE,
        Change.UNCHANGED,
        Change.DELETE,
        Change.CONFLICT,
        Change.INVALID,
        Change.INVALID,
        Change.MISSING,
        Change.MISSING,
        Change.CONFLICT,
        Change.CREATE,
        Change.CONFLICT,
    ]
    assert rows[1].old_value == "GOLD" and rows[1].new_value == "PLATINUM"
    assert rows[4].current is not None and rows[4].current.custom_value == "NORTH"
    assert "start with a letter" in rows[5].reason
    assert "cannot be saved" in rows[6].reason
    assert same.custom_value == "SILVER" and gold.custom_value == "GOLD"
    # A dry run writes nothing.
    assert world.live(a) == {"tier": "GOLD"}


def test_a_changed_tag_saved_as_it_already_is_is_not_a_conflict(world: World) -> None:
    # The user's earlier save whose answer was lost: the server already holds their
    # value, so there is nothing to ask about.
    a = world.new_interaction()
    tag = world.put(a, "tier", "GOLD")
    world.change(tag, "SILVER")
    (row,) = _preview(world, SetTag(a, "tier", "SILVER", based_on=tag)).rows
    assert row.change is Change.UNCHANGED


def test_apply_writes_in_plan_order_with_a_result_per_row(world: World) -> None:
    ids = [world.new_interaction() for _ in range(12)]
    ops = [SetTag(i, "batch", f"v{n}") for n, i in enumerate(ids)] + [
        SetTag(ids[0], "bad key", "x")
    ]
    report = apply(world.api, _preview(world, *ops))
    assert [r.index for r in report.results] == list(range(13))
    assert [r.result for r in report.results] == [Result.DONE] * 12 + [Result.SKIPPED]
    assert all(world.live(i)["batch"] == f"v{n}" for n, i in enumerate(ids))
    assert report.results[3].tag is not None and report.results[3].tag.custom_value == "v3"


def test_a_rename_deletes_the_old_key_only_after_the_new_one_is_saved(world: World) -> None:
    a = world.new_interaction()
    old = world.put(a, "tier", "GOLD")
    report = apply(world.api, preview(world.api, plans.plan_save(a, "level", "GOLD", old)))
    assert [r.result for r in report.results] == [Result.DONE, Result.DONE]
    assert world.live(a) == {"level": "GOLD"}


def test_conflicts_are_written_only_when_forced(world: World) -> None:
    a = world.new_interaction()
    tag = world.put(a, "tier", "GOLD")
    world.change(tag, "SILVER")
    seen = _preview(world, SetTag(a, "tier", "BRONZE", based_on=tag))
    assert apply(world.api, seen).results[0].result is Result.SKIPPED
    assert world.live(a) == {"tier": "SILVER"}
    assert apply(world.api, seen, force=[0]).results[0].result is Result.DONE
    assert world.live(a) == {"tier": "BRONZE"}


def test_undo_puts_everything_back_and_asks_about_later_changes(world: World) -> None:
    a, b = world.new_interaction(), world.new_interaction()
    kept = world.put(a, "tier", "GOLD")
    doomed = world.put(b, "tier", "SILVER")
    job = apply(
        world.api,
        _preview(
            world, SetTag(a, "tier", "PLATINUM"), SetTag(b, "new", "1"), plans.DeleteTag(doomed)
        ),
    )
    assert world.live(a) == {"tier": "PLATINUM"} and world.live(b) == {"new": "1"}
    undo = preview(world.api, plans.undo_plan(job))
    assert sorted(r.change for r in undo.rows) == sorted(
        [Change.OVERWRITE, Change.DELETE, Change.CREATE]
    )
    undone = apply(world.api, undo)
    assert world.live(a) == {"tier": "GOLD"} and world.live(b) == {"tier": "SILVER"}
    assert kept.custom_value == "GOLD"
    # Redo is the undo of the undo; someone else's change meanwhile is a conflict.
    world.change(next(t for t in undone.results if t.tag and t.tag.interaction_id == a).tag, "MINE")  # type: ignore[arg-type]
    redo = preview(world.api, plans.undo_plan(undone))
    by_key = {(r.interaction_id, r.key): r.change for r in redo.rows}
    assert by_key[(a, "tier")] is Change.CONFLICT
    assert by_key[(b, "new")] is Change.CREATE and by_key[(b, "tier")] is Change.DELETE


def test_cancel_stops_new_requests_and_keeps_what_finished(world: World) -> None:
    ids = [world.new_interaction() for _ in range(30)]
    cancel = threading.Event()

    def progress(done: int, total: int) -> None:
        if done >= 5:
            cancel.set()

    report = apply(
        world.api,
        _preview(world, *(SetTag(i, "k", "v") for i in ids)),
        progress=progress,
        cancel=cancel,
        concurrency=2,
    )
    counts = report.counts
    assert counts[Result.DONE] >= 5 and counts[Result.CANCELLED] >= 1
    assert counts[Result.DONE] + counts[Result.CANCELLED] == 30
    done_ids = {r.row.interaction_id for r in report.done}
    assert all(world.live(i) == ({"k": "v"} if i in done_ids else {}) for i in ids)
    retry = plans.retry_plan(report)
    assert len(retry) == counts[Result.CANCELLED]
    apply(world.api, preview(world.api, retry))
    assert all(world.live(i) == {"k": "v"} for i in ids)


def test_a_survey_wide_plan_reads_the_survey_once(world: World) -> None:
    ids = [world.new_interaction() for _ in range(PER_INTERACTION_LIMIT + 5)]
    world.put(ids[0], "Tier", "x")  # a key differing only by case
    plan = plans.plan_set_on_many([*ids, 987_654], "tier", "GOLD", world.survey_id)
    seen = preview(world.api, plan)
    assert seen.counts[Change.CREATE] == len(ids)
    assert seen.counts[Change.MISSING] == 1  # not an interaction of this survey
    assert {r.case_twin for r in seen.case_twins} == {"Tier"}


def test_a_survey_wide_read_finds_a_case_twin_on_any_interaction(world: World) -> None:
    """Read survey-wide, the case check covers every key in the survey, not only the
    keys of the interactions being set."""
    elsewhere = world.new_interaction()
    world.put(elsewhere, "Tier", "x")
    ids = [world.new_interaction() for _ in range(PER_INTERACTION_LIMIT + 5)]
    seen = preview(world.api, plans.plan_set_on_many(ids, "tier", "GOLD", world.survey_id))
    assert seen.counts[Change.CREATE] == len(ids)
    assert [r.case_twin for r in seen.case_twins] == ["Tier"] * len(ids)


def test_the_journal_records_before_and_after(world: World, tmp_path: Path) -> None:
    a = world.new_interaction()
    old = world.put(a, "tier", "GOLD")
    where = Where("acct", "http://x")
    with Journal(tmp_path / "j.sqlite3") as journal:
        report = apply(
            world.api,
            preview(world.api, plans.plan_save(a, "tier", "SILVER", old, world.survey_id)),
            journal=JournalRecorder(journal, where),
        )
        (entry,) = journal.history(where)
        assert entry.job_id == report.job_id
        assert (entry.key, entry.old_value, entry.new_value, entry.outcome) == (
            "tier",
            "GOLD",
            "SILVER",
            Outcome.DONE,
        )
        assert entry.tag_id == old.id and entry.survey_id == world.survey_id
        # Revert from history puts GOLD back (through the engine, conflict-checked).
        revert = preview(world.api, plans.revert_plan([entry], "Revert", world.survey_id))
        assert [r.change for r in revert.rows] == [Change.OVERWRITE]
        apply(world.api, revert)
        assert world.live(a) == {"tier": "GOLD"}


def test_unconfirmed_changes_are_checked_against_the_server(world: World, tmp_path: Path) -> None:
    a, b = world.new_interaction(), world.new_interaction()
    where = Where("acct", "http://x")
    with Journal(tmp_path / "j.sqlite3") as journal:
        job = journal.start_job(where, survey_id=world.survey_id, kind="bulk set", summary="s")
        # The app died after sending the first and before sending the second.
        journal.record_intent(job, Intent(0, plans.Action.SET, a, "k", new_value="v"))
        world.put(a, "k", "v")
        journal.record_intent(job, Intent(1, plans.Action.SET, b, "k", new_value="v"))
        pending = journal.unconfirmed(where)
        checked = check_unconfirmed(world.api, pending)
        assert [c.reached for c in checked] == [True, False]
        settle(journal, checked)
        assert journal.unconfirmed(where) == []
        outcomes = {e.interaction_id: e.outcome for e in journal.history(where)}
        assert outcomes == {a: Outcome.DONE, b: Outcome.NOT_APPLIED}
        resend = plans.resend_plan([c.entry for c in checked if not c.reached], world.survey_id)
        apply(world.api, preview(world.api, resend))
        assert world.live(b) == {"k": "v"}


@pytest.mark.parametrize(
    ("rule", "values", "expected"),
    [
        (
            plans.ReplaceRule("north", "NORTH", trim=True),
            ["north", "North ", "NORTH", "northern"],
            ["NORTH", "NORTH", "NORTH", "northern"],
        ),
        (
            plans.ReplaceRule("north", "NORTH", match_case=True),
            ["north", "North"],
            ["NORTH", "North"],
        ),
        (plans.ReplaceRule("nor", "sou", whole_value=False), ["North", "x"], ["south", "x"]),
        (plans.ReplaceRule("a.b", "c", whole_value=False, match_case=True), ["a.b axb"], ["c axb"]),
        (plans.ReplaceRule("", "", whole_value=False, trim=True), ["  padded  "], ["padded"]),
    ],
)
def test_replace_rules(rule: plans.ReplaceRule, values: list[str], expected: list[str]) -> None:
    assert [rule.apply_to(v) for v in values] == expected

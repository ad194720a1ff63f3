"""What the bulk-job fault tests share: the faults, running a job as staff do (preview,
apply, retry what did not finish), and the checks that the database and the journal
hold exactly what was intended. See ``test_bulk_jobs.py`` for what is proved."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from sdx_desktop.api.client import SdxClient
from sdx_desktop.api.errors import SdxError
from sdx_desktop.api.http import RetryPolicy, Timeouts
from sdx_desktop.api.models import Tag
from sdx_desktop.domain import plans
from sdx_desktop.domain.history import JournalRecorder, check_unconfirmed, settle
from sdx_desktop.domain.keys import key_problem
from sdx_desktop.domain.operations import (
    DeleteTag,
    JobReport,
    Operation,
    Plan,
    Preview,
    Result,
    RowResult,
    SetTag,
    apply,
    preview,
    value_problem,
)
from sdx_desktop.journal import Action, Journal, Outcome, Where
from sdx_desktop.sandbox import SandboxServer
from sdx_desktop.sandbox.faults import FaultInjector, Faults

from . import bulk_job_child as child_job
from ._support import assert_plain, duplicate_keys

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]

#: One retry per request and no waits: at 20 % faults about one row in 25 uses up both
#: attempts, so the job's own retry (retry_plan) is exercised, not only the client's.
THIN_RETRY = RetryPolicy(attempts=1, backoff=0.0, max_wait=0.05)
#: Reads time out well before an answer held back by a "timeout" fault arrives, yet
#: leave a loaded 2-core machine (tests in parallel) time to serve a 1,000-row page.
SHORT_TIMEOUTS = Timeouts(connect=2.0, read=1.5)
#: About one request in five fails (independent draws: 1 - .955 * .865 * .975 ≈ 19.5 %).
FAULTS = Faults(
    status_rates={500: 0.045, 503: 0.045, 429: 0.045},
    retry_after=0,
    reset_rate=0.045,
    timeout_rate=0.025,
    timeout_delay_s=3.0,
    seed=1_000,
)
#: Staff would give up long before; reaching it means retrying does not converge.
MAX_ROUNDS = 12
MISSING_INTERACTION = 987_654_321

Key = tuple[int, str]  # (interaction id, custom key)


# --- the intended state and the database ----------------------------------------------


def held(server: SandboxServer, survey_id: int) -> dict[Key, tuple[int, str]]:
    """(interaction, key) → (tag id, value) of every live tag of the survey."""
    found: dict[Key, tuple[int, str]] = {}
    for tag_id in server.store.tag_ids(survey_id=survey_id):
        row = server.store.get_tag_row(tag_id)
        assert row is not None and not row["deleted"]
        found[(int(row["interaction_id"]), str(row["custom_key"]))] = (tag_id, row["custom_value"])
    return found


def sendable(op: Operation, interactions: set[int]) -> bool:
    if isinstance(op, DeleteTag):
        return True
    valid = key_problem(op.key) is None and value_problem(op.value) is None
    return valid and op.interaction_id in interactions


def intended(
    before: dict[Key, tuple[int, str]], ops: Sequence[Operation], interactions: set[int]
) -> dict[Key, tuple[int | None, str]]:
    """What the plan means: ``before`` with every sendable operation carried out in plan
    order. The id is the one an overwritten tag must keep (None: a new tag)."""
    model: dict[Key, tuple[int | None, str]] = dict(before)
    for op in ops:
        if not sendable(op, interactions):
            continue
        pair = (op.interaction_id, op.key)
        if isinstance(op, SetTag):
            model[pair] = (model[pair][0] if pair in model else None, op.value)
        elif pair in model and model[pair][0] == op.tag.id:
            del model[pair]
    return model


def assert_exactly(
    server: SandboxServer, survey_id: int, model: dict[Key, tuple[int | None, str]]
) -> dict[Key, tuple[int, str]]:
    """The database holds exactly ``model``: nothing lost, duplicated or stray."""
    now = held(server, survey_id)
    lost = sorted(pair for pair in model if pair not in now)
    stray = sorted(pair for pair in now if pair not in model)
    wrong = {p: (now[p][1], model[p][1]) for p in model if p in now and now[p][1] != model[p][1]}
    new_ids = {
        p: (now[p][0], model[p][0])
        for p in model
        if p in now and model[p][0] not in (None, now[p][0])
    }
    assert (lost, stray, wrong, new_ids) == ([], [], {}, {}), "lost, stray, wrong, re-created"
    assert duplicate_keys(server, survey_id) == []
    # And interaction by interaction, as staff would look at them.
    by_interaction: dict[int, dict[str, str]] = {}
    for (interaction_id, key), (_, value) in model.items():
        by_interaction.setdefault(interaction_id, {})[key] = value
    for interaction_id in server.store.interaction_ids(survey_id):
        assert server.store.live_tags(interaction_id) == by_interaction.get(interaction_id, {})
    return now


# --- running a job as staff do: apply, then retry what did not finish ------------------


@dataclass
class Run:
    """A job and its retries; ``final[i]`` is the last result of the plan's row ``i``."""

    plan: Plan
    reports: list[JobReport] = field(default_factory=list)
    final: dict[int, RowResult] = field(default_factory=dict)
    #: Every result each row had, round by round (original plan indexes).
    history: dict[int, list[RowResult]] = field(default_factory=dict)
    preview_retries: int = 0

    @property
    def rounds(self) -> int:
        return len(self.reports)

    def failed_per_round(self) -> list[int]:
        return [len(r.unfinished) for r in self.reports]


def read_again_on_failure(run: Run, read: Callable[[], T]) -> T:
    """A preview that could not read the server is tried again, as staff press Retry."""
    for _ in range(MAX_ROUNDS):
        try:
            return read()
        except SdxError as error:
            assert error.retryable, error
            assert_plain(str(error))
            run.preview_retries += 1
    raise AssertionError("the preview never got through")


def run_job(
    api: Any,
    plan: Plan,
    recorder: JournalRecorder | None,
    *,
    progress: Callable[[int, int], None] | None = None,
    reader: Any | None = None,
) -> Run:
    """Preview and apply ``plan``; then retry_plan until no row is failed (bounded).

    ``reader`` (default ``api``) reads for the previews. A preview succeeds only when
    every one of its reads does, so under 20 % faults it needs the app's usual retries
    to get through in a few rounds; the writes keep ``api``'s thin ones."""
    run = Run(plan)
    origin = list(range(len(plan)))  # index in the current plan → index in ``plan``
    current = plan
    while True:
        assert run.rounds < MAX_ROUNDS, f"still unfinished: {run.failed_per_round()}"
        seen: Preview = read_again_on_failure(run, partial(preview, reader or api, current))
        report = apply(api, seen, journal=recorder, progress=progress if not run.reports else None)
        run.reports.append(report)
        assert len(report.results) == len(current)  # one result per row, in plan order
        for result in report.results:
            run.final[origin[result.index]] = result
            run.history.setdefault(origin[result.index], []).append(result)
        if not report.unfinished:
            return run
        retry = plans.retry_plan(report)
        # Rows are found by (kind, interaction, key), unique in these plans, so the
        # mapping does not depend on how retry_plan picks and orders them.
        where_now = {_row_key(op): i for i, op in enumerate(current.operations)}
        assert len(where_now) == len(current)
        origin = [origin[where_now[_row_key(op)]] for op in retry.operations]
        current = retry


def _row_key(op: Operation) -> tuple[str, int, str]:
    return (type(op).__name__, op.interaction_id, op.key)


def assert_rows_plain(run: Run) -> None:
    """Every row ended done, unchanged or skipped; every message on the way is plain."""
    assert sorted(run.final) == list(range(len(run.plan)))
    for index, results in run.history.items():
        for result in results:
            if result.result in (Result.FAILED, Result.SKIPPED):
                assert_plain(result.message)
            if result.result is Result.FAILED:
                assert isinstance(result.error, SdxError)
        last = results[-1]
        assert last.result in (Result.DONE, Result.UNCHANGED, Result.SKIPPED), (index, last)


def settle_unconfirmed(client: SdxClient, journal: Journal, where: Where) -> int:
    """What the app does with unconfirmed changes after a job: ask the server. (Today
    there are none after a job that ran to its end: a lost answer is journaled as
    failed, see test_a_write_whose_answer_was_lost_is_not_journaled_as_failed.)"""
    pending = journal.unconfirmed(where)
    settle(journal, check_unconfirmed(client, pending))
    return len(pending)


def assert_journal_agrees(
    journal: Journal, where: Where, run: Run, now: dict[Key, tuple[int, str]], server: SandboxServer
) -> dict[str, int]:
    """Nothing pending; one entry per row sent, with the row's result (a failed row's
    entry may have been settled since: confirmed later, or not applied); every "done"
    entry is what the server holds. Returns counts of the entries' outcomes."""
    assert journal.unconfirmed(where) == []
    outcomes: Counter[str] = Counter()
    settled_failure = {Outcome.FAILED, Outcome.NOT_APPLIED, Outcome.DONE}
    for report in run.reports:
        sent = {r.index: r for r in report.results if r.result in (Result.DONE, Result.FAILED)}
        entries = journal.job_entries(report.job_id) if report.job_id is not None else []
        assert sorted(e.seq for e in entries) == sorted(sent), "not one entry per row sent"
        for entry in entries:
            outcomes[entry.outcome.value] += 1
            result = sent[entry.seq]
            later = entry.detail == "confirmed later"
            if result.result is Result.DONE:
                assert entry.outcome is Outcome.DONE, (entry, result)
            else:
                assert entry.outcome in settled_failure, entry
                assert entry.outcome is not Outcome.DONE or later, entry
                assert_plain(entry.detail)
            if entry.outcome is not Outcome.DONE:
                continue
            if entry.action is Action.SET:
                # One operation per key: the tag it saved is the tag the server holds.
                tag_id, value = now[(entry.interaction_id, entry.key)]
                assert entry.new_value == value, entry
                assert entry.tag_id == tag_id or (later and entry.tag_id is None), entry
            else:
                assert entry.tag_id is not None
                row = server.store.get_tag_row(entry.tag_id)
                assert row is None or row["deleted"], f"journal says deleted: {entry}"
    return dict(outcomes)


def count_injected(faults: Faults, requests: int) -> dict[str, int]:
    """The faults the sandbox drew for its first ``requests`` requests (it draws the same
    way for every request, so replaying its injector from the seed gives them exactly)."""
    injector = FaultInjector(faults)
    counts = dict.fromkeys(["reset", *map(str, faults.status_rates), "timeout"], 0)
    for _ in range(requests):
        plan = injector.plan("GET")
        if plan.reset:
            counts["reset"] += 1
        elif plan.status is not None:
            counts[str(plan.status)] += 1
        elif plan.timeout_s:
            counts["timeout"] += 1
    return counts


def where_for(client: SdxClient) -> Where:
    return child_job.where_for(client)


def snapshot_tags(server: SandboxServer, survey_id: int) -> dict[Key, Tag]:
    """The survey's tags as the user loaded them (from the database, fault-free)."""
    tags: dict[Key, Tag] = {}
    for tag_id in server.store.tag_ids(survey_id=survey_id):
        row = server.store.get_tag_row(tag_id)
        assert row is not None
        tag = Tag(
            tag_id,
            int(row["interaction_id"]),
            str(row["custom_key"]),
            str(row["custom_value"]),
            str(row["created_at"]),
            str(row["updated_at"]),
        )
        tags[(tag.interaction_id, tag.custom_key)] = tag
    return tags

"""Nothing lost under faults.

With about 20 % of requests failing (500, 503, 429, connection resets and answers that
never come), a whole survey loads exactly, and 500 saves and 100 deletes through the
operations engine the UI uses (``plan_save`` / ``plan_delete``, ``preview``, ``apply``)
leave the sandbox's database in exactly the intended state: nothing lost, nothing
duplicated, nothing stray.

The client has the app's retry policy (same attempts, no back-off waits). When a
request's attempts are all used up, the preview raises a typed error, or ``apply``
reports the row as failed with one; in the app the dialog keeps the input and the user
presses Retry. The tests do the same: they start the operation again (a new preview,
then apply) on a retryable error, and count how often that was needed. At 20 % the
client's own retries practically always suffice, so two more runs use about 45 %
faults, where they do not: one through the engine, one through the real edit dialog and
delete conversation (pressing Retry in the dialog, answering its questions as the user
would).

The figures (requests, faults injected, user-level retries...) are printed; run with
``-s`` to see them. Faults are drawn from fixed seeds, and the injected ones are counted
exactly by replaying the sandbox's fault injector.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TypeVar

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from sdx_desktop.api.client import SdxClient
from sdx_desktop.api.errors import SdxError
from sdx_desktop.api.http import RetryPolicy, Timeouts
from sdx_desktop.api.models import Tag
from sdx_desktop.domain.edits import (
    RenameHalfDone,
    Saved,
    SaveOutcome,
    SaveRequest,
    save_outcome,
)
from sdx_desktop.domain.operations import (
    ANYTHING,
    Change,
    DeleteTag,
    JobReport,
    Result,
    RowResult,
    SetTag,
    apply,
    preview,
)
from sdx_desktop.domain.plans import plan_delete, plan_save
from sdx_desktop.sandbox import SandboxServer
from sdx_desktop.sandbox.faults import FaultInjector, Faults
from sdx_desktop.ui.delete_flow import delete_tags
from sdx_desktop.ui.session import ClientProxy
from sdx_desktop.ui.tag_dialog import TagDialog
from sdx_desktop.ui.tasks import TaskRunner

from ..helpers import make_client
from ..ui._boxes import WAIT_MS, answer, find_box
from ._support import duplicate_keys

T = TypeVar("T")

#: The app's retry policy: the same number of attempts, but no back-off waits.
APP_RETRY = replace(RetryPolicy(), backoff=0.0)
#: Reads time out well before a "timeout" fault would answer.
TIMEOUTS = Timeouts(connect=2.0, read=0.25)
#: About one request in five fails (the draws are independent: 1 - .955 * .865 * .975).
FAULTS = Faults(
    status_rates={500: 0.045, 503: 0.045, 429: 0.045},
    reset_rate=0.045,
    timeout_rate=0.025,
    timeout_delay_s=0.5,
    retry_after=0,
    seed=20_260,
)
#: A user gives up long before this; reaching it means something is badly wrong.
MAX_USER_RETRIES = 50

SAVES, DELETES = 500, 100
INTERACTIONS, TAGS_EACH = 100, 30


@dataclass
class Figures:
    operations: int = 0
    user_retries: int = 0
    #: Retried saves that found their own earlier, answer-lost write already in place
    #: (the engine's preview sees it as unchanged, so nothing is asked or sent again).
    own_writes_found: int = 0
    #: Questions the dialog asked about the user's own earlier, answer-lost write.
    own_write_questions: int = 0
    #: Deletes that found the tag already gone because an earlier attempt had landed.
    already_gone: int = 0
    renames_half_done: int = 0
    requests: int = 0
    faults: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        injected = sum(self.faults.values())
        share = injected / self.requests if self.requests else 0.0
        return (
            f"{self.operations} operations, {self.requests} requests, {injected} faults "
            f"injected ({share:.1%}: {self.faults}), {self.user_retries} user-level retries, "
            f"{self.own_writes_found} retried saves found their own landed write "
            f"({self.own_write_questions} asked about in the dialog), "
            f"{self.already_gone} deletes already done by an earlier attempt, "
            f"{self.renames_half_done} renames half done"
        )


def count_injected(faults: Faults, requests: int) -> dict[str, int]:
    """The faults the sandbox drew for its first ``requests`` requests (it draws the same
    way for every request, so replaying its injector with the seed gives them exactly)."""
    injector = FaultInjector(faults)
    counts = dict.fromkeys(["reset", *map(str, faults.status_rates), "timeout"], 0)
    for _ in range(requests):
        plan = injector.plan("GET")
        if plan.reset:
            counts["reset"] += 1  # a reset wins: nothing else happens to that request
        elif plan.status is not None:
            counts[str(plan.status)] += 1
        elif plan.timeout_s:
            counts["timeout"] += 1
    return counts


def as_user(figures: Figures, operation: Callable[[], T]) -> T:
    """Run ``operation``; on a retryable error, do it again, as staff pressing Retry do."""
    while True:
        try:
            return operation()
        except SdxError as error:
            if not error.retryable or figures.user_retries >= MAX_USER_RETRIES:
                raise
            figures.user_retries += 1


def _raise_failure(report: JobReport) -> None:
    """A row that was sent and failed: raise its typed error, as the dialog shows it
    ("Not saved … press Retry"); any other unsent row fails the test."""
    for result in report.results:
        if result.result is Result.FAILED:
            assert result.error is not None, result
            raise result.error
    raise AssertionError(f"not sent, nobody else edits here: {report.results}")


def save_once(api: SdxClient, request: SaveRequest, figures: Figures) -> SaveOutcome:
    """One press of Save: preview, answer what the dialog would ask, apply.

    In this test nobody else edits, so the preview can find only the user's own earlier
    attempt that arrived although its answer was lost: the engine sees that as unchanged
    (nothing to send, nothing to ask). A conflict, or an add or rename that would
    replace a key the user did not open, fails the test."""
    seen = preview(
        api, plan_save(request.interaction_id, request.key, request.value, request.original)
    )
    for row in seen.rows:
        if row.change is Change.UNCHANGED:
            assert row.current is not None and row.current.custom_value == request.value, row
            figures.own_writes_found += 1
            continue
        if isinstance(row.op, DeleteTag):  # a rename's old key
            assert row.change is Change.DELETE, f"nobody else edits here: {row}"
            continue
        assert row.change is not Change.CONFLICT, f"nobody else edits or deletes here: {row}"
        if row.change is Change.OVERWRITE:
            # Only an edit of the tag the user opened; replacing a key they did not open
            # (the dialog's "Replace existing tag?") would be someone else's key.
            assert isinstance(row.op, SetTag) and row.op.based_on is not ANYTHING, row
            continue
        assert row.change is Change.CREATE, row
    report = apply(api, seen)
    outcome = save_outcome(report)
    if outcome is None:
        _raise_failure(report)  # the new value was not saved: the user presses Retry
    assert outcome is not None
    return outcome


def delete_once(api: SdxClient, tag: Tag, figures: Figures) -> RowResult:
    """One delete: preview (is the tag still as the user saw it?), then apply."""
    seen = preview(api, plan_delete([tag]))
    (row,) = seen.rows
    if row.change is Change.MISSING:
        figures.already_gone += 1  # an earlier, answer-lost attempt deleted it
        return apply(api, seen).results[0]
    assert row.change is Change.DELETE, f"nobody else edits here: {row}"
    report = apply(api, seen)
    (result,) = report.results
    if result.result is not Result.DONE:
        _raise_failure(report)
    if result.message == "already deleted":
        figures.already_gone += 1  # a retried DELETE whose first attempt had landed
    return result


class Intended:
    """What the database must hold at the end: per interaction, key -> the tag as this
    user last saw it (used as the "loaded" version for the next edit, as the UI does)."""

    def __init__(self, tags: list[Tag]) -> None:
        self.by_interaction: dict[int, dict[str, Tag]] = {}
        for tag in tags:
            self.by_interaction.setdefault(tag.interaction_id, {})[tag.custom_key] = tag

    def all(self) -> list[Tag]:
        return [t for keys in self.by_interaction.values() for t in keys.values()]

    def put(self, tag: Tag) -> None:
        self.by_interaction.setdefault(tag.interaction_id, {})[tag.custom_key] = tag

    def drop(self, tag: Tag) -> None:
        del self.by_interaction[tag.interaction_id][tag.custom_key]

    def values(self, interaction_id: int) -> dict[str, str]:
        tags = self.by_interaction.get(interaction_id, {})
        return {k: t.custom_value for k, t in tags.items()}


def assert_database_holds(server: SandboxServer, survey_id: int, intended: Intended) -> None:
    store = server.store
    lost_or_stray = {
        interaction_id: (store.live_tags(interaction_id), intended.values(interaction_id))
        for interaction_id in store.interaction_ids(survey_id)
        if store.live_tags(interaction_id) != intended.values(interaction_id)
    }
    assert lost_or_stray == {}, "database differs from the intended state (held, intended)"
    assert duplicate_keys(server, survey_id) == []
    # Every live tag is one this user knows by id: edits kept their ids, nothing extra.
    assert store.tag_ids(survey_id=survey_id) == {t.id for t in intended.all()}


def load_all_exactly(client: SdxClient, server: SandboxServer, survey_id: int) -> list[Tag]:
    """Load all (the concurrent loader); the result must be the server's set exactly."""
    tags = list(client.iter_all_tags(survey_id=survey_id, page_size=250))
    ids = [t.id for t in tags]
    assert ids == sorted(server.store.tag_ids(survey_id=survey_id)), "load differs from store"
    loaded: dict[int, dict[str, str]] = {}
    for tag in tags:
        loaded.setdefault(tag.interaction_id, {})[tag.custom_key] = tag.custom_value
    for interaction_id in server.store.interaction_ids(survey_id):
        assert loaded.get(interaction_id, {}) == server.store.live_tags(interaction_id)
    return tags


def wait_for_page_workers(already_running: set[threading.Thread]) -> None:
    """Speculative page fetches of a load may still be retrying after it returned."""
    deadline = time.monotonic() + 15
    while any(
        t.name.startswith("sdx-pages") and t not in already_running for t in threading.enumerate()
    ):
        assert time.monotonic() < deadline, "page workers never finished"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def faulty_survey() -> Iterator[tuple[SandboxServer, int]]:
    with SandboxServer.start(sample="none") as server:
        survey_id = server.store.create_survey("Nothing lost")
        server.store.bulk_create_tags(survey_id, INTERACTIONS * TAGS_EACH, TAGS_EACH)
        yield server, survey_id


def run_edits(
    client: SdxClient,
    intended: Intended,
    kinds: list[str],
    rng: random.Random,
    figures: Figures,
) -> None:
    """Carry out ``kinds`` (edit, add, rename, delete) on random tags, as a user would,
    keeping ``intended`` up to date with what the user was told was saved."""
    interactions = sorted(intended.by_interaction)
    for n, kind in enumerate(kinds):
        interaction_id = rng.choice(interactions)
        mine = intended.by_interaction[interaction_id]
        existing = mine[rng.choice(sorted(mine))] if mine else None
        if existing is None:
            kind = "add"
        if kind == "delete":
            assert existing is not None
            as_user(figures, partial(delete_once, client, existing, figures))
            intended.drop(existing)
            figures.operations += 1
            continue
        if kind == "add":
            request = SaveRequest(interaction_id, f"NEW_{n}", f"added {n} ✓")
        elif kind == "edit":
            assert existing is not None
            request = SaveRequest(
                interaction_id, existing.custom_key, f"edit {n}\r\nline 2", existing
            )
        else:
            assert existing is not None
            request = SaveRequest(interaction_id, f"RENAMED_{n}", existing.custom_value, existing)
        outcome = as_user(figures, partial(save_once, client, request, figures))
        if isinstance(outcome, RenameHalfDone):
            # "Both now exist: delete the old key when Survey Dynamix is reachable again."
            figures.renames_half_done += 1
            as_user(figures, partial(delete_once, client, outcome.old, figures))
            new = outcome.new
        else:
            assert isinstance(outcome, Saved)
            new = outcome.tag
        if request.original is not None:
            intended.drop(request.original)
            if request.original.custom_key == request.key:  # an edit, not a rename
                assert new.id == request.original.id, "an edit must keep the tag's id"
        assert (new.interaction_id, new.custom_key, new.custom_value) == (
            interaction_id,
            request.key,
            request.value,
        )
        intended.put(new)
        figures.operations += 1


def run_under_faults(
    server: SandboxServer, survey_id: int, faults: Faults, kinds: list[str], seed: int
) -> tuple[Figures, Intended]:
    """Load the survey, carry out ``kinds``, load it again, all under ``faults``."""
    figures = Figures()
    other_threads = set(threading.enumerate())
    server.set_faults(**{f: getattr(faults, f) for f in faults.__dataclass_fields__})
    server.reset_request_count()  # the fault sequence and the count start together
    with make_client(server, retry=APP_RETRY, timeouts=TIMEOUTS) as client:
        loaded = as_user(figures, partial(load_all_exactly, client, server, survey_id))
        intended = Intended(loaded)
        run_edits(client, intended, kinds, random.Random(seed), figures)
        # Load everything again, still under faults: it must match the database exactly.
        as_user(figures, partial(load_all_exactly, client, server, survey_id))
    wait_for_page_workers(other_threads)
    figures.requests = server.request_count
    server.clear_faults()
    figures.faults = count_injected(faults, figures.requests)
    return figures, intended


def mix(rng: random.Random, **counts: int) -> list[str]:
    kinds = [kind for kind, n in counts.items() for _ in range(n)]
    rng.shuffle(kinds)
    return kinds


@pytest.mark.slow
def test_saves_and_deletes_under_faults_lose_nothing(
    faulty_survey: tuple[SandboxServer, int],
) -> None:
    server, survey_id = faulty_survey
    assert server.store.count_tags(survey_id) == INTERACTIONS * TAGS_EACH
    kinds = mix(random.Random(7), edit=270, add=180, rename=50, delete=DELETES)
    figures, intended = run_under_faults(server, survey_id, FAULTS, kinds, seed=7)
    print(f"\nnothing lost: {figures.line()}")

    assert figures.operations == SAVES + DELETES
    injected = sum(figures.faults.values())
    assert 0.15 < injected / figures.requests < 0.25, figures.line()  # the faults did happen
    assert_database_holds(server, survey_id, intended)


#: Half of all requests fail: now even the app's retries are sometimes all used up.
HEAVY_FAULTS = replace(
    FAULTS,
    status_rates={500: 0.125, 503: 0.125, 429: 0.125},
    reset_rate=0.125,
    timeout_rate=0.03,
    seed=4_242,
)


@pytest.mark.slow
def test_under_heavy_faults_the_user_retries_and_still_nothing_is_lost(
    faulty_survey: tuple[SandboxServer, int],
) -> None:
    server, _ = faulty_survey
    survey_id = server.store.create_survey("Heavy faults")
    server.store.bulk_create_tags(survey_id, 200, per_interaction=10)
    kinds = mix(random.Random(5), edit=60, add=40, rename=20, delete=30)
    figures, intended = run_under_faults(server, survey_id, HEAVY_FAULTS, kinds, seed=5)
    print(f"\nnothing lost, heavy faults: {figures.line()}")

    assert figures.operations == len(kinds)
    assert sum(figures.faults.values()) / figures.requests > 0.4, figures.line()
    assert figures.user_retries > 0, "the faults never outlasted the client's own retries"
    assert_database_holds(server, survey_id, intended)


# --- a share of the edits through the real dialog and delete conversation ---------------

QUESTIONS = ("overwriteWarning", "conflictDialog", "deletedMeanwhile", "renameHalfDone")


def _open_question() -> str | None:
    return next((name for name in QUESTIONS if find_box(name) is not None), None)


def _save_failed(dialog: TagDialog) -> bool:
    return (
        dialog.isVisible()
        and dialog.save_button.isEnabled()
        and "Not saved" in dialog.message.text()
    )


def save_in_dialog(
    qtbot: QtBot,
    runner: TaskRunner,
    api: ClientProxy,
    server: SandboxServer,
    figures: Figures,
    *,
    key: str,
    value: str,
    tag: Tag | None = None,
    interaction_id: int | None = None,
) -> SaveOutcome:
    """Type into a TagDialog and press Save; press Retry while it says "Not saved"."""
    dialog = TagDialog(runner, api, tag=tag, interaction_id=interaction_id)
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.key_edit.setText(key)
    dialog.value_edit.setPlainText(value)
    target = tag.interaction_id if tag is not None else interaction_id
    assert target is not None
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    while True:
        qtbot.waitUntil(
            lambda: not dialog.isVisible() or _save_failed(dialog) or _open_question() is not None,
            timeout=30_000,
        )
        if not dialog.isVisible():
            break
        question = _open_question()
        if question is not None:
            # Only the user's own answer-lost save can be behind a question here.
            assert question in ("overwriteWarning", "conflictDialog"), question
            assert server.store.live_tags(target).get(key) == value, question
            figures.own_write_questions += 1
            choice = "Replace" if question == "overwriteWarning" else "Overwrite with mine"
            answer(qtbot, question, choice)
            continue
        figures.user_retries += 1
        assert dialog.key_edit.text() == key and dialog.value_edit.toPlainText() == value
        dialog.message.setText("")  # so the next failure is recognised as a new one
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    outcome = dialog.outcome
    assert outcome is not None
    assert dialog.report is not None  # saved through the engine, not "Keep theirs"
    figures.own_writes_found += sum(r.result is Result.UNCHANGED for r in dialog.report.results)
    return outcome


def delete_in_flow(
    qtbot: QtBot,
    runner: TaskRunner,
    parent: QWidget,
    api: ClientProxy,
    tag: Tag,
    figures: Figures,
) -> None:
    """Delete one tag through the delete conversation; try again while it reports a failure."""
    while True:
        task = runner.spawn(delete_tags(parent, runner, api.as_client(), [tag]))
        answer(qtbot, "deleteConfirm", "Delete")
        qtbot.waitUntil(
            lambda task=task: task.done() or find_box("deleteReport") is not None,
            timeout=30_000,
        )
        if find_box("deleteReport") is not None:
            answer(qtbot, "deleteReport", "OK")
        qtbot.waitUntil(task.done, timeout=WAIT_MS)
        report = task.result()
        assert report is not None and report.changed == []
        if report.failed:
            figures.user_retries += 1
            continue
        figures.already_gone += len(report.already_gone)
        assert report.removed == [tag.id]
        return


@pytest.mark.slow
def test_dialog_saves_and_delete_flow_under_faults_lose_nothing(
    faulty_survey: tuple[SandboxServer, int], runner: TaskRunner, qtbot: QtBot
) -> None:
    server, _ = faulty_survey
    survey_id = server.store.create_survey("Nothing lost, through the dialogs")
    server.store.bulk_create_tags(survey_id, 40, per_interaction=4)
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    rng = random.Random(11)
    figures = Figures()
    with make_client(server, retry=APP_RETRY, timeouts=TIMEOUTS) as client:
        api = ClientProxy(client)
        intended = Intended(list(client.iter_all_tags(survey_id=survey_id)))
        interactions = sorted(intended.by_interaction)
        server.set_faults(
            **{f: getattr(HEAVY_FAULTS, f) for f in HEAVY_FAULTS.__dataclass_fields__}
        )
        server.reset_request_count()
        kinds = ["edit"] * 20 + ["add"] * 10 + ["delete"] * 10
        rng.shuffle(kinds)
        for n, kind in enumerate(kinds):
            interaction_id = rng.choice(interactions)
            mine = intended.by_interaction[interaction_id]
            existing = mine[rng.choice(sorted(mine))] if mine else None
            if existing is None:
                kind = "add"
            if kind == "delete":
                assert existing is not None
                delete_in_flow(qtbot, runner, parent, api, existing, figures)
                intended.drop(existing)
            elif kind == "edit":
                assert existing is not None
                outcome = save_in_dialog(
                    qtbot, runner, api, server, figures,
                    tag=existing, key=existing.custom_key, value=f"dialog edit {n} 😀",
                )  # fmt: skip
                assert isinstance(outcome, Saved) and outcome.tag.id == existing.id
                intended.put(outcome.tag)
            else:
                outcome = save_in_dialog(
                    qtbot, runner, api, server, figures,
                    interaction_id=interaction_id, key=f"DIALOG_{n}", value=f"added\n{n}",
                )  # fmt: skip
                assert isinstance(outcome, Saved)
                intended.put(outcome.tag)
            figures.operations += 1
        figures.requests = server.request_count
        server.clear_faults()
    figures.faults = count_injected(HEAVY_FAULTS, figures.requests)
    print(f"\nnothing lost, through the dialogs: {figures.line()}")
    assert figures.operations == len(kinds)
    assert sum(figures.faults.values()) / figures.requests > 0.4, figures.line()
    assert figures.user_retries > 0, "no save or delete ever had to be retried"
    assert_database_holds(server, survey_id, intended)

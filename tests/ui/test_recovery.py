"""The recovery prompt (ui/recovery.py): changes a crash left unconfirmed, checked against
the sandbox over HTTP, sent again through the real engine, or discarded."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from sdx_desktop.api.client import SdxClient
from sdx_desktop.api.http import RetryPolicy
from sdx_desktop.domain import plans
from sdx_desktop.domain.history import JournalRecorder
from sdx_desktop.domain.operations import Plan, apply, preview
from sdx_desktop.journal import Action, Entry, Intent, Journal, Outcome, Where
from sdx_desktop.sandbox import SandboxServer
from sdx_desktop.ui.recovery import RecoveryDialog, pending_changes
from sdx_desktop.ui.tasks import TaskRunner

from ..helpers import make_client
from ._boxes import WAIT_MS, answer

SUMMARY = "Set tier=GOLD on 3 interactions"


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    with Journal(tmp_path / "journal.sqlite3") as j:
        yield j


@dataclass
class Crash:
    """A bulk job cut short: three changes written as pending, none answered."""

    server: SandboxServer
    client: SdxClient
    journal: Journal
    where: Where
    survey: int
    reached: int  # set tier=GOLD: the request arrived before the app died
    missed: int  # set tier=GOLD: never sent
    deleted: int  # delete old=x: the request arrived

    def entries(self) -> dict[int, Entry]:
        return {e.interaction_id: e for e in self.journal.history(self.where)}


def crash(server: SandboxServer, client: SdxClient, journal: Journal) -> Crash:
    where = Where("recovery-test-account", server.base_url)
    survey = server.store.create_survey("Recovery under test")
    a, b, c = (server.store.create_interaction(survey) for _ in range(3))
    client.set_tag(b, "tier", "SILVER")
    old = client.set_tag(c, "old", "x")
    job = journal.start_job(where, survey_id=survey, kind="bulk set", summary=SUMMARY)
    journal.record_intent(job, Intent(0, Action.SET, a, "tier", new_value="GOLD"))
    client.set_tag(a, "tier", "GOLD")  # ...and the app was killed before the answer
    journal.record_intent(
        job, Intent(1, Action.SET, b, "tier", old_value="SILVER", new_value="GOLD")
    )
    journal.record_intent(job, Intent(2, Action.DELETE, c, "old", tag_id=old.id, old_value="x"))
    client.delete_tag(old.id)
    return Crash(server, client, journal, where, survey, a, b, c)


@pytest.fixture
def crashed(sandbox: SandboxServer, client: SdxClient, journal: Journal) -> Crash:
    return crash(sandbox, client, journal)


def open_dialog(
    qtbot: QtBot, runner: TaskRunner, world: Crash, api: object = None
) -> RecoveryDialog:
    entries = pending_changes(world.journal, world.where)
    dialog = RecoveryDialog(runner, api or world.client, world.journal, world.where, entries)
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitExposed(dialog)
    return dialog


def check(qtbot: QtBot, dialog: RecoveryDialog, *, ok: bool = True) -> None:
    with qtbot.waitSignal(dialog.checkFinished, timeout=WAIT_MS) as signal:
        dialog.check_button.click()
    assert signal.args == [ok]


def test_at_start_every_unconfirmed_change_is_listed(
    qtbot: QtBot, runner: TaskRunner, crashed: Crash
) -> None:
    dialog = open_dialog(qtbot, runner, crashed)
    assert dialog.objectName() == "recoveryDialog"
    assert dialog.heading.text() == "3 changes were not confirmed by Survey Dynamix"
    assert "before Survey Dynamix answered" in dialog.explanation.text()
    assert SUMMARY in dialog.explanation.text()
    m = dialog.model
    assert [m.index(r, m.CHANGE).data() for r in range(3)] == [
        "Added tier = GOLD",
        "Set SILVER → GOLD",
        "Deleted old (was x)",
    ]
    assert [m.index(r, m.OUTCOME).data() for r in range(3)] == ["Not confirmed"] * 3
    assert (
        dialog.check_button.isVisible() and dialog.check_button.objectName() == "checkAgainButton"
    )
    assert not dialog.retry_button.isVisible()  # nothing known to be missing yet
    assert dialog.discard_button.isVisible() and dialog.later_button.text() == "Later"


def test_check_again_records_what_reached_survey_dynamix(
    qtbot: QtBot, runner: TaskRunner, crashed: Crash
) -> None:
    dialog = open_dialog(qtbot, runner, crashed)
    with qtbot.waitSignal(dialog.journalChanged, timeout=WAIT_MS):
        check(qtbot, dialog)

    outcomes = {i: e.outcome for i, e in crashed.entries().items()}
    assert outcomes == {
        crashed.reached: Outcome.DONE,
        crashed.missed: Outcome.NOT_APPLIED,
        crashed.deleted: Outcome.DONE,
    }
    assert dialog.heading.text() == "2 reached Survey Dynamix, 1 did not."
    m = dialog.model
    assert [m.index(r, m.OUTCOME).data() for r in range(3)] == [
        "Done (confirmed later)",
        "Did not reach Survey Dynamix",
        "Done (confirmed later)",
    ]
    assert dialog.retry_button.isVisible() and dialog.retry_button.isEnabled()
    assert dialog.retry_button.text() == "Send it again"
    assert "Discard" in dialog.explanation.text()
    # Checking sent nothing.
    assert crashed.server.store.live_tags(crashed.missed) == {"tier": "SILVER"}


def test_send_again_produces_the_intended_state(
    qtbot: QtBot, runner: TaskRunner, crashed: Crash
) -> None:
    dialog = open_dialog(qtbot, runner, crashed)
    check(qtbot, dialog)
    with qtbot.waitSignal(dialog.resendRequested, timeout=WAIT_MS) as signal:
        dialog.retry_button.click()
    plan = signal.args[0]
    assert isinstance(plan, Plan)
    assert plan.survey_id == crashed.survey
    assert [(op.interaction_id, op.key) for op in plan.operations] == [(crashed.missed, "tier")]
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)
    assert crashed.entries()[crashed.missed].detail == "sent again"

    # Until the main window has applied it, the change is still offered: nothing lost.
    assert [e.interaction_id for e in pending_changes(crashed.journal, crashed.where)] == [
        crashed.missed
    ]
    # The main window previews and applies the plan, journaled as a new job.
    report = apply(
        crashed.client,
        preview(crashed.client, plan),
        journal=JournalRecorder(crashed.journal, crashed.where),
    )
    assert [r.result.value for r in report.results] == ["done"]
    store = crashed.server.store
    assert store.live_tags(crashed.missed) == {"tier": "GOLD"}
    assert store.live_tags(crashed.reached) == {"tier": "GOLD"}
    assert store.live_tags(crashed.deleted) == {}
    assert pending_changes(crashed.journal, crashed.where) == []


def test_later_keeps_them_for_the_next_start(
    qtbot: QtBot, runner: TaskRunner, crashed: Crash
) -> None:
    dialog = open_dialog(qtbot, runner, crashed)
    dialog.later_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)
    assert len(pending_changes(crashed.journal, crashed.where)) == 3

    # Checked, then left for later: the one that did not arrive is asked about again,
    # and "Send again" is offered straight away.
    dialog = open_dialog(qtbot, runner, crashed)
    check(qtbot, dialog)
    dialog.later_button.click()
    again = open_dialog(qtbot, runner, crashed)
    assert [e.interaction_id for e in again.entries] == [crashed.missed]
    assert again.heading.text() == "1 change did not reach Survey Dynamix"
    assert again.retry_button.isVisible()


def test_a_newer_change_to_the_same_tag_settles_the_question(
    qtbot: QtBot, runner: TaskRunner, crashed: Crash
) -> None:
    # After the crash, staff set the tag again themselves: sending the old value again
    # would undo that, so it is not offered.
    apply(
        crashed.client,
        preview(crashed.client, plans.plan_set_on_many([crashed.missed], "tier", "BRONZE", None)),
        journal=JournalRecorder(crashed.journal, crashed.where),
    )
    asked = pending_changes(crashed.journal, crashed.where)
    assert {e.interaction_id for e in asked} == {crashed.reached, crashed.deleted}


def test_discard_asks_then_forgets_them(qtbot: QtBot, runner: TaskRunner, crashed: Crash) -> None:
    dialog = open_dialog(qtbot, runner, crashed)
    task = dialog.discard()
    assert task is not None
    said = answer(qtbot, "discardConfirm", "Cancel")
    qtbot.waitUntil(task.done, timeout=WAIT_MS)
    assert said.default == "Cancel"
    assert "Nothing is changed on Survey Dynamix" in said.details
    assert len(pending_changes(crashed.journal, crashed.where)) == 3
    assert dialog.isVisible()

    with qtbot.waitSignal(dialog.journalChanged, timeout=WAIT_MS):
        dialog.discard_button.click()
        answer(qtbot, "discardConfirm", "Discard")
    assert {e.outcome for e in crashed.entries().values()} == {Outcome.DISCARDED}
    assert pending_changes(crashed.journal, crashed.where) == []
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)
    # Nothing was sent or undone.
    assert crashed.server.store.live_tags(crashed.missed) == {"tier": "SILVER"}


def test_a_failed_check_says_why_and_keeps_everything(
    qtbot: QtBot, runner: TaskRunner, fresh_sandbox: SandboxServer, journal: Journal
) -> None:
    with (
        make_client(fresh_sandbox) as client,
        make_client(
            fresh_sandbox, retry=RetryPolicy(attempts=1, backoff=0.0, max_wait=0.01)
        ) as impatient,
    ):
        world = crash(fresh_sandbox, client, journal)
        dialog = open_dialog(qtbot, runner, world, api=impatient)
        fresh_sandbox.set_faults(status_rates={503: 1.0}, retry_after=0)
        check(qtbot, dialog, ok=False)

        assert dialog.isVisible()
        assert dialog.message.isVisible()
        text = dialog.message.text()
        assert text.startswith("Could not check: Survey Dynamix had a problem on its side")
        assert "503" not in text and "Traceback" not in text
        assert dialog.check_button.text() == "Retry" and dialog.check_button.isEnabled()
        assert {e.outcome for e in world.entries().values()} == {Outcome.PENDING}
        assert not dialog.retry_button.isVisible()

        fresh_sandbox.clear_faults()
        check(qtbot, dialog)
        assert dialog.heading.text() == "2 reached Survey Dynamix, 1 did not."
        assert not dialog.message.isVisible()
        assert dialog.check_button.text() == "Check again"


def test_when_everything_arrived_there_is_nothing_left_to_do(
    qtbot: QtBot, runner: TaskRunner, crashed: Crash
) -> None:
    crashed.client.set_tag(crashed.missed, "tier", "GOLD")  # it did arrive after all
    dialog = open_dialog(qtbot, runner, crashed)
    check(qtbot, dialog)
    assert dialog.heading.text() == "All 3 changes reached Survey Dynamix."
    assert not dialog.check_button.isVisible()
    assert not dialog.retry_button.isVisible()
    assert not dialog.discard_button.isVisible()
    assert dialog.later_button.text() == "Close"
    assert pending_changes(crashed.journal, crashed.where) == []


def test_every_control_has_an_accessible_name(
    qtbot: QtBot, runner: TaskRunner, crashed: Crash
) -> None:
    dialog = open_dialog(qtbot, runner, crashed)
    from PySide6.QtCore import Qt

    unnamed = [
        f"{type(w).__name__} {w.objectName()!r}"
        for w in dialog.findChildren(QWidget)
        if w.focusPolicy() & Qt.FocusPolicy.TabFocus and not w.accessibleName()
    ]
    assert unnamed == []

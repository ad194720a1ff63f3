"""The History window (ui/history_window.py) over a real journal, with changes made by
the real engine against the sandbox over HTTP."""

from __future__ import annotations

import csv
import sqlite3
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QAbstractSpinBox, QWidget
from pytestqt.qtbot import QtBot

from sdx_desktop.api.client import SdxClient
from sdx_desktop.domain import plans
from sdx_desktop.domain.history import JournalRecorder
from sdx_desktop.domain.operations import JobReport, Plan, apply, preview
from sdx_desktop.journal import Action, Intent, Journal, Outcome, Where
from sdx_desktop.sandbox import SandboxServer
from sdx_desktop.ui.history_model import HistoryTableModel
from sdx_desktop.ui.history_window import EMPTY_TEXT, HistoryWindow
from sdx_desktop.ui.tasks import TaskRunner

from ._boxes import WAIT_MS, answer

M = HistoryTableModel


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    with Journal(tmp_path / "journal.sqlite3") as j:
        yield j


@pytest.fixture
def where(sandbox: SandboxServer) -> Where:
    return Where("history-test-account", sandbox.base_url)


@pytest.fixture
def survey(sandbox: SandboxServer) -> int:
    return sandbox.store.create_survey("History under test")


def run(client: SdxClient, journal: Journal, where: Where, plan: Plan) -> JobReport:
    """Preview and apply a plan with the engine, journaled, as the main window does."""
    return apply(client, preview(client, plan), journal=JournalRecorder(journal, where))


def open_window(qtbot: QtBot, runner: TaskRunner, journal: Journal, where: Where) -> HistoryWindow:
    window = HistoryWindow(runner, journal, where)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.refreshed, timeout=WAIT_MS):
        window.show()
    return window


def column(window: HistoryWindow, col: int) -> list[str]:
    m = window.model
    return [m.index(row, col).data() for row in range(m.rowCount())]


def select_rows(window: HistoryWindow, *rows: int) -> None:
    window.table.clearSelection()
    for row in rows:
        window.table.selectionModel().select(
            window.model.index(row, 0),
            window.table.selectionModel().SelectionFlag.Select
            | window.table.selectionModel().SelectionFlag.Rows,
        )


def set_when(journal: Journal, entry_ids: list[int], at: str) -> None:
    """Backdate entries, as if made on another day (the journal has no API for that)."""
    db = sqlite3.connect(journal.path)
    try:
        with db:
            db.executemany("UPDATE entries SET at = ? WHERE id = ?", [(at, i) for i in entry_ids])
    finally:
        db.close()


def test_every_change_is_listed_newest_first_in_plain_words(
    qtbot: QtBot,
    qtmodeltester: object,
    runner: TaskRunner,
    journal: Journal,
    where: Where,
    client: SdxClient,
    sandbox: SandboxServer,
    survey: int,
) -> None:
    a = sandbox.store.create_interaction(survey)
    b = sandbox.store.create_interaction(survey)
    run(client, journal, where, plans.plan_save(a, "tier", "GOLD", None, survey))
    (gold,) = [t for t in client.list_tags(interaction_id=a)]
    run(client, journal, where, plans.plan_save(a, "tier", "PLATINUM", gold, survey))
    (platinum,) = [t for t in client.list_tags(interaction_id=a)]
    run(client, journal, where, plans.plan_delete([platinum], survey))
    run(client, journal, where, plans.plan_set_on_many([b], "region", "Nörth\nEast", survey))
    # A write Survey Dynamix refused, as the engine records it.
    job = journal.start_job(where, survey_id=survey, kind="edit", summary="Saved x on #1")
    failed = journal.record_intent(job, Intent(0, Action.SET, b, "x", new_value="1"))
    journal.record_outcome(failed, Outcome.FAILED, detail="Survey Dynamix is not answering.")

    window = open_window(qtbot, runner, journal, where)
    qtmodeltester.check(window.model)  # type: ignore[attr-defined]

    assert window.stack.currentWidget() is window.table
    assert [e.id for e in window.model.entries] == sorted(
        (e.id for e in journal.history(where)), reverse=True
    )
    assert column(window, M.CHANGE) == [
        "Added x = 1",
        "Added region = Nörth East",
        "Deleted tier (was PLATINUM)",
        "Set GOLD → PLATINUM",
        "Added tier = GOLD",
    ]
    assert column(window, M.OUTCOME) == [
        "Failed: Survey Dynamix is not answering.",
        "Done",
        "Done",
        "Done",
        "Done",
    ]
    assert column(window, M.INTERACTION) == [f"#{b}", f"#{b}", f"#{a}", f"#{a}", f"#{a}"]
    assert column(window, M.KEY) == ["x", "region", "tier", "tier", "tier"]
    assert column(window, M.SURVEY) == [f"#{survey}"] * 5
    assert column(window, M.JOB)[1:] == [
        "Set region=Nörth East on 1 interaction",
        f"Deleted tier from #{a}",
        f"Saved tier=PLATINUM on #{a}",
        f"Added tier=GOLD on #{a}",
    ]
    assert all(when.startswith("Today, ") for when in column(window, M.WHEN))
    assert "Showing 5 changes" in window.status.text()

    # The main window calls refresh() after each write.
    run(client, journal, where, plans.plan_set_on_many([a], "tier", "GOLD", survey))
    with qtbot.waitSignal(window.refreshed, timeout=WAIT_MS):
        window.refresh()
    assert column(window, M.CHANGE)[0] == "Added tier = GOLD"
    assert window.model.rowCount() == 6


def test_filters_by_survey_interaction_key_and_dates(
    qtbot: QtBot, runner: TaskRunner, journal: Journal, where: Where, sandbox: SandboxServer
) -> None:
    one = sandbox.store.create_survey("One")
    two = sandbox.store.create_survey("Two")
    a, b = sandbox.store.create_interaction(one), sandbox.store.create_interaction(two)
    ids: dict[str, int] = {}
    for name, survey, interaction, key in (
        ("a-tier", one, a, "tier"),
        ("a-Tier", one, a, "Tier"),
        ("b-tier", two, b, "tier"),
        ("b-region", two, b, "region"),
    ):
        job = journal.start_job(where, survey_id=survey, kind="edit", summary=name)
        ids[name] = journal.record_intent(
            job, Intent(0, Action.SET, interaction, key, new_value="v")
        )
        journal.record_outcome(ids[name], Outcome.DONE)
    set_when(journal, [ids["a-tier"]], "2025-03-03 12:00:00")
    set_when(journal, [ids["a-Tier"]], "2025-03-05 12:00:00")
    # Another account's changes are never listed.
    other = Where("someone-else", where.base_url)
    job = journal.start_job(other, survey_id=one, kind="edit", summary="theirs")
    journal.record_outcome(
        journal.record_intent(job, Intent(0, Action.SET, a, "k", new_value="v")), Outcome.DONE
    )

    window = open_window(qtbot, runner, journal, where)
    assert column(window, M.JOB) == ["b-region", "b-tier", "a-Tier", "a-tier"]

    def shown_after(change: object) -> list[str]:
        with qtbot.waitSignal(window.refreshed, timeout=WAIT_MS):
            change()  # type: ignore[operator]
        return column(window, M.JOB)

    assert shown_after(lambda: window.filters.survey_filter.setText(str(one))) == [
        "a-Tier",
        "a-tier",
    ]
    assert shown_after(lambda: window.filters.key_filter.setText("tier")) == [
        "a-tier"
    ]  # case-sensitive
    window.filters.survey_filter.clear()
    assert shown_after(window.apply_filters) == ["b-tier", "a-tier"]
    window.filters.key_filter.clear()
    assert shown_after(lambda: window.filters.interaction_filter.setText(f"#{b}")) == [
        "b-region",
        "b-tier",
    ]
    window.filters.interaction_filter.clear()

    # Dates are this computer's calendar days, both ends included.
    window.filters.from_date.setDate(QDate(2025, 3, 3))
    window.filters.to_date.setDate(QDate(2025, 3, 4))
    window.filters.from_check.setChecked(True)
    assert shown_after(lambda: window.filters.to_check.setChecked(True)) == ["a-tier"]
    assert shown_after(lambda: window.filters.to_date.setDate(QDate(2025, 3, 5))) == [
        "a-Tier",
        "a-tier",
    ]
    window.filters.to_check.setChecked(False)
    today = date.today()
    window.filters.from_date.setDate(QDate(today.year, today.month, today.day))
    assert shown_after(window.apply_filters) == ["b-region", "b-tier"]
    tomorrow = today + timedelta(days=1)
    window.filters.from_date.setDate(QDate(tomorrow.year, tomorrow.month, tomorrow.day))
    assert shown_after(window.apply_filters) == []
    assert window.stack.currentWidget() is window.empty_state
    assert window.empty_state.text() == "No changes match these filters."

    assert shown_after(window.filters.clear_button.click) == [
        "b-region",
        "b-tier",
        "a-Tier",
        "a-tier",
    ]


@pytest.fixture
def far_east(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This computer's clock at UTC+13, so local days and UTC days differ."""
    monkeypatch.setenv("TZ", "SDX-13")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_dates_are_this_computers_days(
    qtbot: QtBot, runner: TaskRunner, journal: Journal, where: Where, far_east: None
) -> None:
    made: dict[str, int] = {}
    for name, at in (
        ("late on 2 March UTC", "2025-03-02 11:30:00"),  # 3 March, 00:30 here
        ("3 March UTC", "2025-03-03 10:00:00"),  # 3 March, 23:00 here
        ("late on 3 March UTC", "2025-03-03 11:30:00"),  # 4 March, 00:30 here
    ):
        job = journal.start_job(where, survey_id=1, kind="edit", summary=name)
        made[name] = journal.record_intent(job, Intent(0, Action.SET, 1, "k", new_value="v"))
        set_when(journal, [made[name]], at)
    window = open_window(qtbot, runner, journal, where)
    assert column(window, M.WHEN)[0] == "4 Mar 2025, 00:30"
    window.filters.from_date.setDate(QDate(2025, 3, 3))
    window.filters.to_date.setDate(QDate(2025, 3, 3))
    window.filters.from_check.setChecked(True)
    with qtbot.waitSignal(window.refreshed, timeout=WAIT_MS):
        window.filters.to_check.setChecked(True)
    assert column(window, M.JOB) == ["3 March UTC", "late on 2 March UTC"]


def test_an_empty_history_says_so(
    qtbot: QtBot, runner: TaskRunner, journal: Journal, where: Where
) -> None:
    window = open_window(qtbot, runner, journal, where)
    assert window.stack.currentWidget() is window.empty_state
    assert window.empty_state.text() == EMPTY_TEXT
    assert not window.revert_button.isEnabled()
    assert "Select a change" in window.revert_button.toolTip()
    assert not window.revert_job_button.isEnabled()


def test_revert_this_change_puts_the_old_value_back(
    qtbot: QtBot,
    runner: TaskRunner,
    journal: Journal,
    where: Where,
    client: SdxClient,
    sandbox: SandboxServer,
    survey: int,
) -> None:
    a, b = sandbox.store.create_interaction(survey), sandbox.store.create_interaction(survey)
    gold = client.set_tag(a, "tier", "GOLD")
    client.set_tag(b, "tier", "SILVER")
    run(client, journal, where, plans.plan_save(a, "tier", "PLATINUM", gold, survey))
    run(client, journal, where, plans.plan_set_on_many([b], "tier", "BRONZE", survey))
    assert sandbox.store.live_tags(a) == {"tier": "PLATINUM"}
    job = journal.start_job(where, survey_id=survey, kind="edit", summary="never sent")
    journal.record_intent(job, Intent(0, Action.SET, a, "tier", new_value="LOST"))  # pending

    window = open_window(qtbot, runner, journal, where)
    assert column(window, M.OUTCOME) == ["Not confirmed", "Done", "Done"]

    # Only changes marked Done can be reverted, and the button says why.
    select_rows(window, 0)
    assert not window.revert_button.isEnabled()
    assert "Done" in window.revert_button.toolTip()
    assert not window.revert_job_button.isEnabled()
    assert "nothing to revert" in window.revert_job_button.toolTip()

    select_rows(window, 2)  # PLATINUM on a
    assert window.details.text().startswith(
        f"Interaction #{a}, key tier: Set GOLD → PLATINUM\nDone."
    )
    assert window.revert_button.isEnabled()
    assert window.revert_button.text() == "Revert this change"
    with qtbot.waitSignal(window.revertRequested, timeout=WAIT_MS) as signal:
        window.revert_button.click()
    plan = signal.args[0]
    assert isinstance(plan, Plan)
    assert plan.kind == "revert"
    assert plan.summary == f"Revert: tier on #{a}"
    assert plan.survey_id == survey
    assert sandbox.store.live_tags(a) == {"tier": "PLATINUM"}  # the window writes nothing

    report = run(client, journal, where, plan)
    assert [r.result.value for r in report.results] == ["done"]
    assert sandbox.store.live_tags(a) == {"tier": "GOLD"}
    assert sandbox.store.live_tags(b) == {"tier": "BRONZE"}

    # A mixed selection reverts the done ones and leaves the rest out.
    select_rows(window, 0, 1)
    assert window.revert_button.isEnabled()
    assert "left out" in window.revert_button.toolTip()
    assert not window.revert_job_button.isEnabled()  # two jobs
    assert "different jobs" in window.revert_job_button.toolTip()
    with qtbot.waitSignal(window.revertRequested, timeout=WAIT_MS) as signal:
        window.revert_button.click()
    run(client, journal, where, signal.args[0])
    assert sandbox.store.live_tags(b) == {"tier": "SILVER"}


def test_revert_whole_job_restores_everything_it_changed(
    qtbot: QtBot,
    runner: TaskRunner,
    journal: Journal,
    where: Where,
    client: SdxClient,
    sandbox: SandboxServer,
    survey: int,
) -> None:
    ids = [sandbox.store.create_interaction(survey) for _ in range(3)]
    client.set_tag(ids[0], "tier", "SILVER")
    doomed = client.set_tag(ids[2], "old", "x")
    run(client, journal, where, plans.plan_set_on_many(ids, "tier", "GOLD", survey))
    run(client, journal, where, plans.plan_delete([doomed], survey))
    assert [sandbox.store.live_tags(i) for i in ids] == [{"tier": "GOLD"}] * 3

    window = open_window(qtbot, runner, journal, where)
    # Filtered down to one row of the bulk job: the whole job is still reverted.
    with qtbot.waitSignal(window.refreshed, timeout=WAIT_MS):
        window.filters.interaction_filter.setText(str(ids[1]))
    assert window.model.rowCount() == 1
    select_rows(window, 0)
    assert window.revert_job_button.isEnabled()
    with qtbot.waitSignal(window.revertRequested, timeout=WAIT_MS) as signal:
        window.revert_job_button.click()
    plan = signal.args[0]
    assert plan.summary == "Revert: Set tier=GOLD on 3 interactions"
    assert len(plan) == 3

    run(client, journal, where, plan)
    assert [sandbox.store.live_tags(i) for i in ids] == [{"tier": "SILVER"}, {}, {}]


def test_save_as_csv_writes_the_filtered_changes(
    qtbot: QtBot,
    runner: TaskRunner,
    journal: Journal,
    where: Where,
    client: SdxClient,
    sandbox: SandboxServer,
    survey: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a, b = sandbox.store.create_interaction(survey), sandbox.store.create_interaction(survey)
    run(client, journal, where, plans.plan_set_on_many([a], "note", "Zoë said\n“hi”, =1+1", survey))
    run(client, journal, where, plans.plan_set_on_many([b], "note", "other", survey))
    window = open_window(qtbot, runner, journal, where)
    with qtbot.waitSignal(window.refreshed, timeout=WAIT_MS):
        window.filters.interaction_filter.setText(str(a))

    target = tmp_path / "audit.csv"
    monkeypatch.setattr(window, "choose_csv_path", lambda: target)
    window.save_csv_button.click()
    qtbot.waitUntil(lambda: window.status.text().startswith("Saved"), timeout=WAIT_MS)
    assert window.status.text() == f"Saved 1 change to {target}."

    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: spreadsheet programs read it as UTF-8
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines(keepends=True)))
    assert rows[0][:8] == [
        "When (UTC)",
        "When (this computer's time)",
        "Survey",
        "Interaction",
        "Key",
        "Action",
        "Old value",
        "New value",
    ]
    assert len(rows) == 2
    (entry,) = journal.history(where, interaction_id=a)
    assert rows[1][0] == entry.at
    assert rows[1][2:8] == [str(survey), str(a), "note", "Set", "", "Zoë said\n“hi”, =1+1"]
    assert rows[1][9] == "Done"
    assert rows[1][11] == "Set note=Zoë said “hi”, =1+1 on 1 interaction"

    # Nothing chosen: nothing written.
    monkeypatch.setattr(window, "choose_csv_path", lambda: None)
    target.unlink()
    window.save_csv_button.click()
    assert not target.exists()

    # A folder that cannot be written to gets a plain message.
    monkeypatch.setattr(window, "choose_csv_path", lambda: tmp_path / "missing" / "x.csv")
    window.save_csv_button.click()
    qtbot.waitUntil(lambda: window.status.text().startswith("Could not save"), timeout=WAIT_MS)
    assert window.status_icon.isVisible()
    assert "Nothing was saved" in window.status.text()


def test_clear_history_asks_then_empties_it(
    qtbot: QtBot,
    runner: TaskRunner,
    journal: Journal,
    where: Where,
    client: SdxClient,
    sandbox: SandboxServer,
    survey: int,
) -> None:
    a = sandbox.store.create_interaction(survey)
    run(client, journal, where, plans.plan_set_on_many([a], "tier", "GOLD", survey))
    job = journal.start_job(where, survey_id=survey, kind="edit", summary="unconfirmed")
    journal.record_intent(job, Intent(0, Action.SET, a, "tier", new_value="X"))
    other = Where("someone-else", where.base_url)
    journal.start_job(other, survey_id=survey, kind="edit", summary="theirs")
    window = open_window(qtbot, runner, journal, where)

    window.clear_button.click()
    said = answer(qtbot, "clearHistoryConfirm", "Cancel")
    assert said.default == "Cancel"
    assert "not confirmed" in said.details or "never confirmed" in said.details
    assert "Survey Dynamix" in said.details
    assert len(journal.history(where)) == 2
    qtbot.waitUntil(window.clear_button.isEnabled, timeout=WAIT_MS)

    with qtbot.waitSignal(window.refreshed, timeout=WAIT_MS):
        window.clear_button.click()
        answer(qtbot, "clearHistoryConfirm", "Clear history")
    assert journal.history(where) == []
    assert window.model.rowCount() == 0
    assert window.empty_state.text() == EMPTY_TEXT
    assert window.stack.currentWidget() is window.empty_state
    assert sandbox.store.live_tags(a) == {"tier": "GOLD"}  # only the list is forgotten


def test_a_hidden_window_reads_when_shown(
    qtbot: QtBot, runner: TaskRunner, journal: Journal, where: Where
) -> None:
    window = open_window(qtbot, runner, journal, where)
    window.hide()
    job = journal.start_job(where, survey_id=1, kind="edit", summary="while hidden")
    journal.record_outcome(
        journal.record_intent(job, Intent(0, Action.SET, 1, "k", new_value="v")), Outcome.DONE
    )
    window.refresh()  # hidden: nothing read now
    assert window.model.rowCount() == 0
    with qtbot.waitSignal(window.refreshed, timeout=WAIT_MS):
        window.show()
    assert column(window, M.JOB) == ["while hidden"]


def test_every_control_has_an_accessible_name(
    qtbot: QtBot, runner: TaskRunner, journal: Journal, where: Where
) -> None:
    window = open_window(qtbot, runner, journal, where)
    unnamed = [
        f"{type(w).__name__} {w.objectName()!r}"
        for w in window.findChildren(QWidget)
        if w.focusPolicy() & Qt.FocusPolicy.TabFocus
        and not isinstance(w.parent(), QAbstractSpinBox)  # a date field's own text box
        and not w.accessibleName()
    ]
    assert unnamed == []

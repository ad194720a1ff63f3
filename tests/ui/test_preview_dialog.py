"""PreviewDialog through its real widgets, the real engine and the real client, against
the sandbox over HTTP."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtWidgets import QApplication, QCheckBox, QDialog, QWidget
from pytestqt.qtbot import QtBot

from sdx_desktop.api.client import SdxClient
from sdx_desktop.api.http import RetryPolicy
from sdx_desktop.domain import plans
from sdx_desktop.domain.operations import Change, DeleteTag, Plan, Result, SetTag
from sdx_desktop.sandbox import SandboxServer
from sdx_desktop.ui.preview_dialog import PreviewDialog
from sdx_desktop.ui.preview_model import (
    PreviewTableModel,
    change_counts,
    error_colour,
    result_counts,
)
from sdx_desktop.ui.preview_widgets import STOP_HINT
from sdx_desktop.ui.session import ClientProxy
from sdx_desktop.ui.tasks import TaskRunner

from ..helpers import make_client
from ._boxes import WAIT_MS

COLUMNS = ["What", "Interaction", "Key", "Current value", "New value", "Note"]
LONG = "first line\nsecond line " + "x" * 100
TWIN = "A key “Level” already exists that differs only by case"
CHANGED = "Changed by someone else since you saw it"
BAD_KEY = "The key must start with a letter (A–Z or a–z)."
NO_SUCH = "The interaction does not exist"

MakeDialog = Callable[..., PreviewDialog]


@pytest.fixture
def make_dialog(qtbot: QtBot, runner: TaskRunner) -> Iterator[MakeDialog]:
    made: list[PreviewDialog] = []

    def make(client: SdxClient, plan: Plan, **kwargs: Any) -> PreviewDialog:
        dialog = PreviewDialog(runner, ClientProxy(client), plan, **kwargs)
        dialog.start()
        made.append(dialog)
        return dialog

    yield make
    # Not qtbot.addWidget: pytest-qt would delete the dialog before this teardown, and an
    # apply still running (a failed test) would then paint into a deleted window.
    for dialog in made:
        dialog.stop()
        qtbot.waitUntil(lambda d=dialog: not d.applying, timeout=WAIT_MS)
        dialog.close()
        dialog.deleteLater()


def wait_ready(qtbot: QtBot, dialog: PreviewDialog) -> None:
    """The preview is shown and waits for Apply."""
    qtbot.waitUntil(lambda: dialog.apply_button.isVisible(), timeout=WAIT_MS)


def wait_done(qtbot: QtBot, dialog: PreviewDialog) -> None:
    qtbot.waitUntil(lambda: dialog.close_button.isVisible(), timeout=WAIT_MS)


def click(qtbot: QtBot, button: QWidget) -> None:
    assert button.isVisible() and button.isEnabled(), button.objectName()
    # A check box only takes clicks on its box and text: aim at the box.
    where = QPoint(6, button.height() // 2) if isinstance(button, QCheckBox) else QPoint()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=where)


def shown_rows(dialog: PreviewDialog, columns: int = 6) -> list[list[str]]:
    proxy = dialog.table.model()
    return [
        [proxy.index(row, column).data() for column in range(columns)]
        for row in range(proxy.rowCount())
    ]


def results_shown(dialog: PreviewDialog) -> list[str]:
    model = dialog.model
    return [model.index(row, PreviewTableModel.RESULT).data() for row in range(model.rowCount())]


@dataclass
class Mixed:
    """A plan with one row of every kind, on a survey of its own."""

    plan: Plan
    a: int
    b: int
    c: int


@pytest.fixture
def mixed(sandbox: SandboxServer, client: SdxClient) -> Mixed:
    return make_mixed(sandbox, client)


def make_mixed(server: SandboxServer, client: SdxClient) -> Mixed:
    store = server.store
    survey = store.create_survey("Preview under test")
    a, b, c = (store.create_interaction(survey) for _ in range(3))
    client.set_tag(a, "tier", "GOLD")
    client.set_tag(a, "Level", "x")
    client.set_tag(b, "tier", "SILVER")
    seen = client.set_tag(c, "region", "north")
    store.set_tag_value_directly(seen.id, "NORTH")  # a colleague changed it since
    plan = Plan(
        (
            SetTag(a, "level", "1"),  # create, beside "Level"
            SetTag(a, "tier", "PLATINUM"),  # overwrite GOLD
            SetTag(b, "tier", "SILVER"),  # unchanged
            SetTag(c, "region", "South", based_on=seen),  # conflict
            SetTag(a, "9lives", "x"),  # not valid
            SetTag(999_999_999, "tier", "GOLD"),  # no such interaction
            SetTag(b, "note", LONG),  # create, long and on two lines
        ),
        "test",
        "Set a few tags",
        survey,
    )
    return Mixed(plan, a, b, c)


# --- the preview -----------------------------------------------------------------------


def test_the_preview_counts_and_lists_every_kind_of_change(
    qtbot: QtBot, make_dialog: MakeDialog, client: SdxClient, mixed: Mixed, sandbox: SandboxServer
) -> None:
    before = {i: sandbox.store.live_tags(i) for i in (mixed.a, mixed.b, mixed.c)}
    dialog = make_dialog(client, mixed.plan)
    assert dialog.objectName() == "previewDialog"
    assert dialog.table.objectName() == "previewTable"
    wait_ready(qtbot, dialog)

    assert dialog.summary.text() == "Set a few tags"
    assert dialog.counts.text() == (
        "2 to create · 1 to overwrite · 1 unchanged · 1 conflict · 1 not valid · 1 missing"
    )
    a, b, c = mixed.a, mixed.b, mixed.c
    rows = shown_rows(dialog)
    assert rows[:6] == [
        ["Create", f"#{a}", "level", "—", "1", TWIN],
        ["Overwrite", f"#{a}", "tier", "GOLD", "PLATINUM", ""],
        ["Unchanged", f"#{b}", "tier", "SILVER", "SILVER", ""],
        ["Conflict", f"#{c}", "region", "NORTH", "South", CHANGED],
        ["Not valid", f"#{a}", "9lives", "—", "x", BAD_KEY],
        ["Missing", "#999999999", "tier", "—", "GOLD", NO_SUCH],
    ]
    # A long value on two lines: one line with an ellipsis, all of it in the tooltip.
    long_cell = dialog.table.model().index(6, PreviewTableModel.NEW)
    assert long_cell.data().startswith("first line ↵ second line x")
    assert long_cell.data().endswith("…") and len(long_cell.data()) <= 60
    assert long_cell.data(Qt.ItemDataRole.ToolTipRole) == LONG
    assert dialog.table.isColumnHidden(PreviewTableModel.RESULT)

    assert dialog.case_twins.isVisible()
    assert "“level” beside “Level”" in dialog.case_twins.text()
    assert dialog.force_check.isVisible() and not dialog.force_check.isChecked()
    assert dialog.force_check.text() == (
        "Also write the conflicting row (replaces someone else's change)"
    )
    assert dialog.apply_button.text() == "Apply 3 changes"
    assert dialog.apply_button.isEnabled()
    dialog.force_check.setChecked(True)
    assert dialog.apply_button.text() == "Apply 4 changes"
    assert dialog.preview_result is not None and dialog.report is None
    # A dry run: nothing was written.
    assert {i: sandbox.store.live_tags(i) for i in (a, b, c)} == before


def test_the_line_under_the_list_says_what_apply_will_do(
    qtbot: QtBot, make_dialog: MakeDialog, client: SdxClient, mixed: Mixed
) -> None:
    dialog = make_dialog(client, mixed.plan)
    wait_ready(qtbot, dialog)
    assert dialog.status.text() == (
        "Nothing has been saved yet. Apply saves 3 rows; the other 4 stay as they are."
    )
    click(qtbot, dialog.force_check)
    assert dialog.status.text() == (
        "Nothing has been saved yet. Apply saves 4 rows; the other 3 stay as they are."
    )


def test_only_conflicts_are_saved_only_when_ticked(
    qtbot: QtBot, make_dialog: MakeDialog, client: SdxClient, mixed: Mixed
) -> None:
    conflict = mixed.plan.operations[3]
    dialog = make_dialog(client, Plan((conflict,), "test", "Change region"))
    wait_ready(qtbot, dialog)
    assert dialog.apply_button.text() == "Nothing to apply"
    assert not dialog.apply_button.isEnabled()
    assert dialog.status.text() == "Nothing will be saved unless you tick the box above."
    click(qtbot, dialog.force_check)
    assert dialog.apply_button.text() == "Apply 1 change" and dialog.apply_button.isEnabled()


def test_the_list_can_be_filtered_by_kind_and_text(
    qtbot: QtBot, make_dialog: MakeDialog, client: SdxClient, mixed: Mixed
) -> None:
    dialog = make_dialog(client, mixed.plan)
    wait_ready(qtbot, dialog)
    combo = dialog.preview_table.show_combo
    labels = [combo.itemText(i) for i in range(combo.count())]
    assert labels == [
        "All (7)",
        "Create (2)",
        "Overwrite (1)",
        "Unchanged (1)",
        "Conflict (1)",
        "Not valid (1)",
        "Missing (1)",
    ]
    combo.setCurrentIndex(labels.index("Create (2)"))
    assert [r[2] for r in shown_rows(dialog)] == ["level", "note"]
    combo.setCurrentIndex(0)
    qtbot.keyClicks(dialog.preview_table.filter_edit, "platinum")
    assert [r[2] for r in shown_rows(dialog)] == ["tier"]
    dialog.preview_table.filter_edit.setText(f"#{mixed.c}")
    assert [r[0] for r in shown_rows(dialog)] == ["Conflict"]


@pytest.mark.parametrize("force", [False, True], ids=["conflict-kept", "conflict-forced"])
def test_apply_writes_exactly_what_was_shown(
    qtbot: QtBot,
    make_dialog: MakeDialog,
    client: SdxClient,
    mixed: Mixed,
    sandbox: SandboxServer,
    force: bool,
) -> None:
    dialog = make_dialog(client, mixed.plan)
    reports: list[Any] = []
    dialog.applied.connect(reports.append)
    wait_ready(qtbot, dialog)
    if force:
        click(qtbot, dialog.force_check)
    click(qtbot, dialog.apply_button)
    wait_done(qtbot, dialog)

    live = sandbox.store.live_tags
    assert live(mixed.a) == {"tier": "PLATINUM", "Level": "x", "level": "1"}
    assert live(mixed.b) == {"tier": "SILVER", "note": LONG}
    assert live(mixed.c) == {"region": "South" if force else "NORTH"}
    assert results_shown(dialog) == [
        "Done",
        "Done",
        "Unchanged",
        "Done" if force else "Skipped",
        "Skipped",
        "Skipped",
        "Done",
    ]
    assert not dialog.table.isColumnHidden(PreviewTableModel.RESULT)
    assert dialog.result_counts.text() == (
        "Result: 4 done · 1 unchanged · 2 skipped"
        if force
        else "Result: 3 done · 1 unchanged · 3 skipped"
    )
    assert len(reports) == 1 and reports[0] is dialog.report
    assert not dialog.retry_failed_button.isVisible()
    assert dialog.copy_button.isVisible() and dialog.save_button.isVisible()
    assert not dialog.apply_button.isVisible()
    click(qtbot, dialog.close_button)
    assert not dialog.isVisible()
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_an_empty_plan_has_nothing_to_change(
    qtbot: QtBot, make_dialog: MakeDialog, fresh_sandbox: SandboxServer
) -> None:
    with make_client(fresh_sandbox) as client:
        requests = fresh_sandbox.request_count
        dialog = make_dialog(client, Plan((), "bulk set", "Set tier=GOLD on 0 interactions"))
        qtbot.waitUntil(lambda: dialog.close_button.isVisible(), timeout=WAIT_MS)
        assert dialog.status.text() == "Nothing to change."
        visible = [
            b.objectName()
            for b in (
                dialog.apply_button,
                dialog.cancel_button,
                dialog.retry_button,
                dialog.retry_failed_button,
                dialog.copy_button,
                dialog.save_button,
                dialog.close_button,
            )
            if b.isVisible()
        ]
        assert visible == ["closeButton"]
        assert not dialog.table.isVisible()
        assert fresh_sandbox.request_count == requests  # nothing was asked of the server


# --- failures, cancel, retry -----------------------------------------------------------


def test_a_failed_preview_says_why_and_retry_works(
    qtbot: QtBot, make_dialog: MakeDialog, fresh_sandbox: SandboxServer
) -> None:
    survey = fresh_sandbox.store.create_survey("Down for maintenance")
    ids = [fresh_sandbox.store.create_interaction(survey) for _ in range(3)]
    plan = plans.plan_set_on_many(ids, "tier", "GOLD", survey)
    fresh_sandbox.set_faults(status_rates={503: 1.0}, retry_after=0)
    with make_client(fresh_sandbox, retry=RetryPolicy(attempts=1, backoff=0.0)) as client:
        dialog = make_dialog(client, plan)
        qtbot.waitUntil(lambda: dialog.retry_button.isVisible(), timeout=WAIT_MS)
        text = dialog.status.text()
        assert text.startswith("Could not check the changes. Survey Dynamix had a problem")
        assert "503" not in text and "Traceback" not in text
        assert not dialog.apply_button.isVisible()
        assert dialog.close_button.isVisible()
        assert dialog.preview_result is None

        fresh_sandbox.clear_faults()
        click(qtbot, dialog.retry_button)
        wait_ready(qtbot, dialog)
        assert dialog.counts.text() == "3 to create"
        assert dialog.apply_button.text() == "Apply 3 changes"
        assert not dialog.retry_button.isVisible()
    assert all(fresh_sandbox.store.live_tags(i) == {} for i in ids)


def test_failed_rows_say_why_and_retry_failed_saves_them(
    qtbot: QtBot, make_dialog: MakeDialog, fresh_sandbox: SandboxServer
) -> None:
    with make_client(fresh_sandbox, retry=RetryPolicy(attempts=1, backoff=0.0)) as client:
        mixed = make_mixed(fresh_sandbox, client)
        dialog = make_dialog(client, mixed.plan)
        wait_ready(qtbot, dialog)
        click(qtbot, dialog.force_check)  # write the conflict too
        # Survey Dynamix goes down between the preview and the writes.
        fresh_sandbox.set_faults(status_rates={503: 1.0}, methods={"POST"}, retry_after=0)
        click(qtbot, dialog.apply_button)
        wait_done(qtbot, dialog)
        down = "Survey Dynamix had a problem on its side or is down for maintenance."
        failed = f"Failed: {down}"
        assert results_shown(dialog) == [
            failed,
            failed,
            "Unchanged",
            failed,
            "Skipped",
            "Skipped",
            failed,
        ]
        before_retry = results_shown(dialog)
        cell = dialog.model.index(0, PreviewTableModel.RESULT)
        assert cell.data(Qt.ItemDataRole.ForegroundRole) == error_colour()
        assert "Nothing was lost" in cell.data(Qt.ItemDataRole.ToolTipRole)
        assert dialog.status.text() == (
            f"4 changes were not saved. {down} To list them, choose “Result: Failed” "
            "under Show. “Retry failed” sends them again."
        )
        assert fresh_sandbox.store.live_tags(mixed.c) == {"region": "NORTH"}

        # Still down: the retry fails too, and the table keeps every row in its place.
        first = dialog.report
        click(qtbot, dialog.retry_failed_button)
        qtbot.waitUntil(lambda: dialog.report is not first, timeout=WAIT_MS)
        wait_done(qtbot, dialog)
        assert len(dialog.report.results) == 4
        assert results_shown(dialog) == before_retry

        fresh_sandbox.clear_faults()
        click(qtbot, dialog.retry_failed_button)
        qtbot.waitUntil(lambda: not dialog.retry_failed_button.isVisible(), timeout=WAIT_MS)
        wait_done(qtbot, dialog)
        assert results_shown(dialog) == [
            "Done",
            "Done",
            "Unchanged",
            "Done",
            "Skipped",
            "Skipped",
            "Done",
        ]
        assert dialog.status.text() == "Finished."
        # The conflict the user chose to write was written on the retry too.
        assert fresh_sandbox.store.live_tags(mixed.c) == {"region": "South"}
        assert fresh_sandbox.store.live_tags(mixed.b)["note"] == LONG


def test_retry_failed_finishes_a_rename(
    qtbot: QtBot, make_dialog: MakeDialog, fresh_sandbox: SandboxServer
) -> None:
    survey = fresh_sandbox.store.create_survey("Rename")
    a = fresh_sandbox.store.create_interaction(survey)
    with make_client(fresh_sandbox, retry=RetryPolicy(attempts=1, backoff=0.0)) as client:
        old = client.set_tag(a, "tier", "GOLD")
        dialog = make_dialog(client, plans.plan_save(a, "level", "GOLD", old, survey))
        wait_ready(qtbot, dialog)
        assert [r[0] for r in shown_rows(dialog)] == ["Create", "Delete"]
        fresh_sandbox.set_faults(status_rates={503: 1.0}, methods={"POST"}, retry_after=0)
        click(qtbot, dialog.apply_button)
        wait_done(qtbot, dialog)
        assert results_shown(dialog)[1] == "Skipped (kept: the change before it failed)"
        assert fresh_sandbox.store.live_tags(a) == {"tier": "GOLD"}  # nothing lost

        fresh_sandbox.clear_faults()
        first = dialog.report
        click(qtbot, dialog.retry_failed_button)
        qtbot.waitUntil(lambda: dialog.report is not first, timeout=WAIT_MS)
        wait_done(qtbot, dialog)
        assert results_shown(dialog) == ["Done", "Done"]
        assert fresh_sandbox.store.live_tags(a) == {"level": "GOLD"}


def test_the_same_change_twice_keeps_a_result_per_row(
    qtbot: QtBot, make_dialog: MakeDialog, fresh_sandbox: SandboxServer
) -> None:
    survey = fresh_sandbox.store.create_survey("Twice")
    a = fresh_sandbox.store.create_interaction(survey)
    twice = SetTag(a, "tier", "GOLD")  # e.g. a spreadsheet with the same line twice
    with make_client(fresh_sandbox, retry=RetryPolicy(attempts=1, backoff=0.0)) as client:
        dialog = make_dialog(client, Plan((twice, twice), "import", "Import 2 rows", survey))
        wait_ready(qtbot, dialog)
        fresh_sandbox.set_faults(status_rates={503: 1.0}, methods={"POST"}, retry_after=0)
        click(qtbot, dialog.apply_button)
        wait_done(qtbot, dialog)
        assert [r.split(":")[0] for r in results_shown(dialog)] == ["Failed", "Failed"]
        fresh_sandbox.clear_faults()
        click(qtbot, dialog.retry_failed_button)
        qtbot.waitUntil(lambda: not dialog.retry_failed_button.isVisible(), timeout=WAIT_MS)
        wait_done(qtbot, dialog)
        assert results_shown(dialog) == ["Done", "Done"]
        assert fresh_sandbox.store.live_tags(a) == {"tier": "GOLD"}


@pytest.fixture
def thirty(fresh_sandbox: SandboxServer) -> tuple[Plan, list[int]]:
    survey = fresh_sandbox.store.create_survey("Thirty")
    ids = [fresh_sandbox.store.create_interaction(survey) for _ in range(30)]
    return plans.plan_set_on_many(ids, "k", "v", survey), ids


def start_slow_apply(qtbot: QtBot, dialog: PreviewDialog, server: SandboxServer) -> None:
    """Apply with every answer slowed down; returns once the first answer is counted."""
    wait_ready(qtbot, dialog)
    server.set_faults(latency_ms=300)
    click(qtbot, dialog.apply_button)
    assert dialog.status.text() == f"Saving 0 of 30… {STOP_HINT}"
    assert dialog.progress_bar.isVisible() and dialog.cancel_button.isVisible()
    qtbot.waitUntil(lambda: dialog.progress_bar.value() >= 1, timeout=WAIT_MS)
    assert re.fullmatch(rf"Saving [1-9]\d* of 30… {re.escape(STOP_HINT)}", dialog.status.text())


def assert_store_matches(report: Any, server: SandboxServer, ids: list[int]) -> None:
    """Rows reported done are saved; rows reported cancelled were never sent."""
    done = {r.row.interaction_id for r in report.results if r.result is Result.DONE}
    cancelled = {r.row.interaction_id for r in report.results if r.result is Result.CANCELLED}
    assert done and cancelled and done | cancelled == set(ids)
    for i in ids:
        assert server.store.live_tags(i) == ({"k": "v"} if i in done else {})


def test_cancel_keeps_what_finished_and_retry_failed_sends_the_rest(
    qtbot: QtBot,
    make_dialog: MakeDialog,
    fresh_sandbox: SandboxServer,
    thirty: tuple[Plan, list[int]],
) -> None:
    plan, ids = thirty
    with make_client(fresh_sandbox) as client:
        dialog = make_dialog(client, plan)
        reports: list[Any] = []
        dialog.applied.connect(reports.append)
        start_slow_apply(qtbot, dialog, fresh_sandbox)
        click(qtbot, dialog.cancel_button)
        assert dialog.isVisible()  # Cancel stops sending; it does not close the window
        wait_done(qtbot, dialog)

        (report,) = reports
        assert_store_matches(report, fresh_sandbox, ids)
        cancelled = report.counts[Result.CANCELLED]
        assert results_shown(dialog).count("Cancelled") == cancelled
        assert results_shown(dialog).count("Done") == 30 - cancelled
        assert f"{cancelled} changes were not saved" in dialog.status.text()
        assert dialog.retry_failed_button.isVisible()

        fresh_sandbox.clear_faults()
        click(qtbot, dialog.retry_failed_button)
        qtbot.waitUntil(lambda: len(reports) == 2, timeout=WAIT_MS)
        wait_done(qtbot, dialog)
        assert reports[1] is dialog.report
        assert len(reports[1].results) == cancelled
        assert reports[1].counts[Result.DONE] == cancelled
        assert all(fresh_sandbox.store.live_tags(i) == {"k": "v"} for i in ids)
        assert results_shown(dialog) == ["Done"] * 30
        assert dialog.result_counts.text() == "Result: 30 done"
        assert not dialog.retry_failed_button.isVisible()


def test_closing_while_saving_stops_first_and_closes_when_stopped(
    qtbot: QtBot,
    make_dialog: MakeDialog,
    fresh_sandbox: SandboxServer,
    thirty: tuple[Plan, list[int]],
) -> None:
    plan, ids = thirty
    with make_client(fresh_sandbox) as client:
        dialog = make_dialog(client, plan)
        start_slow_apply(qtbot, dialog, fresh_sandbox)
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        # Nothing asked; the window waits for the requests already sent.
        assert dialog.isVisible()
        assert dialog.status.text().startswith("Stopping")
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)
        assert dialog.report is not None and not dialog.applying
        assert dialog.result() == QDialog.DialogCode.Accepted
        assert_store_matches(dialog.report, fresh_sandbox, ids)


def test_the_apps_stop_stops_saving_and_keeps_the_results(
    qtbot: QtBot,
    make_dialog: MakeDialog,
    runner: TaskRunner,
    fresh_sandbox: SandboxServer,
    thirty: tuple[Plan, list[int]],
) -> None:
    plan, ids = thirty
    with make_client(fresh_sandbox) as client:
        dialog = make_dialog(client, plan)
        start_slow_apply(qtbot, dialog, fresh_sandbox)
        assert runner.cancel_all() == 1
        wait_done(qtbot, dialog)
        assert dialog.report is not None
        assert_store_matches(dialog.report, fresh_sandbox, ids)
        assert dialog.retry_failed_button.isVisible()


def test_cancel_while_checking_closes_and_writes_nothing(
    qtbot: QtBot,
    make_dialog: MakeDialog,
    runner: TaskRunner,
    fresh_sandbox: SandboxServer,
    thirty: tuple[Plan, list[int]],
) -> None:
    plan, ids = thirty
    fresh_sandbox.set_faults(latency_ms=200)
    with make_client(fresh_sandbox) as client:
        dialog = make_dialog(client, plan)
        assert dialog.status.text() == "Checking 30 changes against Survey Dynamix…"
        assert dialog.progress_bar.maximum() == 0  # busy
        click(qtbot, dialog.cancel_button)
        assert not dialog.isVisible()
        assert dialog.result() == QDialog.DialogCode.Rejected
        # Once the reads end, the closed dialog stays closed and quiet.
        qtbot.waitUntil(lambda: runner.idle, timeout=WAIT_MS)
        assert not dialog.isVisible()
        assert dialog.status.text() == "Checking 30 changes against Survey Dynamix…"
    assert all(fresh_sandbox.store.live_tags(i) == {} for i in ids)


def test_a_failed_row_says_why(
    qtbot: QtBot, make_dialog: MakeDialog, client: SdxClient, sandbox: SandboxServer
) -> None:
    survey = sandbox.store.create_survey("A row fails")
    a = sandbox.store.create_interaction(survey)
    doomed = client.set_tag(a, "old", "1")
    plan = Plan((DeleteTag(doomed),), "delete", "Delete old", survey)
    dialog = make_dialog(client, plan)
    wait_ready(qtbot, dialog)
    assert shown_rows(dialog)[0][:5] == ["Delete", f"#{a}", "old", "1", "(deleted)"]
    # Gone on the server between the preview and the apply: the delete is still "done"
    # (the API's deletes are idempotent) and says so.
    client.delete_tag(doomed.id)
    click(qtbot, dialog.apply_button)
    wait_done(qtbot, dialog)
    assert results_shown(dialog) == ["Done (already deleted)"]


# --- results out -----------------------------------------------------------------------


@pytest.fixture
def applied(
    qtbot: QtBot, make_dialog: MakeDialog, client: SdxClient, mixed: Mixed
) -> PreviewDialog:
    dialog = make_dialog(client, mixed.plan)
    wait_ready(qtbot, dialog)
    click(qtbot, dialog.apply_button)
    wait_done(qtbot, dialog)
    return dialog


def expected_export(mixed: Mixed) -> list[list[str]]:
    a, b, c = mixed.a, mixed.b, mixed.c
    return [
        [*COLUMNS, "Result"],
        ["Create", str(a), "level", "", "1", TWIN, "Done"],
        ["Overwrite", str(a), "tier", "GOLD", "PLATINUM", "", "Done"],
        ["Unchanged", str(b), "tier", "SILVER", "SILVER", "", "Unchanged"],
        ["Conflict", str(c), "region", "NORTH", "South", CHANGED, "Skipped"],
        ["Not valid", str(a), "9lives", "", "x", BAD_KEY, "Skipped"],
        ["Missing", "999999999", "tier", "", "GOLD", NO_SUCH, "Skipped"],
        ["Create", str(b), "note", "", LONG, "", "Done"],
    ]


def test_copy_results_puts_tab_separated_rows_on_the_clipboard(
    qtbot: QtBot, applied: PreviewDialog, mixed: Mixed
) -> None:
    QApplication.clipboard().clear()
    click(qtbot, applied.copy_button)
    text = QApplication.clipboard().text()
    assert text.startswith("What\tInteraction\tKey\tCurrent value\tNew value\tNote\tResult\n")
    assert list(csv.reader(io.StringIO(text), delimiter="\t")) == expected_export(mixed)
    assert applied.status.text() == "Copied 7 rows to the clipboard."


def test_save_results_writes_a_csv_for_excel(
    qtbot: QtBot,
    applied: PreviewDialog,
    mixed: Mixed,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(applied, "choose_save_path", lambda: str(tmp_path / "results"))
    click(qtbot, applied.save_button)
    saved = tmp_path / "results.csv"
    qtbot.waitUntil(lambda: applied.status.text().startswith("Saved"), timeout=WAIT_MS)
    assert applied.status.text() == f"Saved the results to {saved}."
    data = saved.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows == expected_export(mixed)


def test_a_file_that_cannot_be_written_is_reported(
    qtbot: QtBot, applied: PreviewDialog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "no such folder" / "results.csv"
    monkeypatch.setattr(applied, "choose_save_path", lambda: str(target))
    click(qtbot, applied.save_button)
    qtbot.waitUntil(lambda: applied.status.text().startswith("Could not"), timeout=WAIT_MS)
    assert applied.status.text().startswith("Could not save results.csv: No such file")
    assert not target.exists()


def test_choosing_no_file_saves_nothing(
    qtbot: QtBot, applied: PreviewDialog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(applied, "choose_save_path", lambda: None)
    status = applied.status.text()
    click(qtbot, applied.save_button)
    assert applied.status.text() == status


# --- the table model and accessibility -------------------------------------------------


def test_the_model_passes_the_model_tester(
    qtbot: QtBot, qtmodeltester: Any, applied: PreviewDialog
) -> None:
    qtmodeltester.check(applied.model)
    qtmodeltester.check(applied.table.model())
    assert applied.model.data(QModelIndex()) is None


def test_counts_are_in_plain_words() -> None:
    counts = Counter({Change.CONFLICT: 2, Change.CREATE: 1, Change.INVALID: 3})
    assert change_counts(counts) == "1 to create · 2 conflicts · 3 not valid"
    assert change_counts(Counter({Change.CONFLICT: 1})) == "1 conflict"
    assert result_counts(Counter({Result.FAILED: 2, Result.DONE: 1_200})) == (
        "1,200 done · 2 failed"
    )


def test_every_focusable_widget_has_an_accessible_name(
    qtbot: QtBot, make_dialog: MakeDialog, client: SdxClient, mixed: Mixed
) -> None:
    dialog = make_dialog(client, mixed.plan)
    wait_ready(qtbot, dialog)
    unnamed = [
        f"{type(w).__name__} {w.objectName()!r}"
        for w in dialog.findChildren(QWidget)
        if w.focusPolicy() != Qt.FocusPolicy.NoFocus and not w.accessibleName()
    ]
    assert unnamed == []

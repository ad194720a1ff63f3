"""Stale and racing edits: two people (two clients, two dialogs) on the same tag. The
operations engine's preview shows the second save as a conflict (or, for a key added
meanwhile, as an overwrite the dialog asks about); nothing is overwritten silently."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from sdx_desktop.api.client import SdxClient
from sdx_desktop.api.models import Tag
from sdx_desktop.domain.edits import Saved, save_outcome
from sdx_desktop.domain.operations import (
    ANYTHING,
    Change,
    DeleteTag,
    Planned,
    Result,
    SetTag,
    apply,
    preview,
)
from sdx_desktop.domain.plans import plan_delete, plan_save
from sdx_desktop.sandbox import SandboxServer
from sdx_desktop.ui.delete_flow import delete_tags
from sdx_desktop.ui.session import ClientProxy
from sdx_desktop.ui.tag_dialog import TagDialog
from sdx_desktop.ui.tasks import TaskRunner

from ..helpers import make_client
from ..ui._boxes import WAIT_MS, answer, find_box
from ._support import new_interaction


@pytest.fixture
def alice(server: SandboxServer) -> Iterator[SdxClient]:
    with make_client(server) as client:
        yield client


@pytest.fixture
def bob(server: SandboxServer) -> Iterator[SdxClient]:
    with make_client(server, bearer=True) as client:  # another person, another sign-in
        yield client


def _methods_since(server: SandboxServer, before: int) -> list[str]:
    """The methods of the requests the sandbox received after it had counted ``before``."""
    count = server.request_count - before
    return [method for method, _, _ in server.request_log[-count:]] if count else []


def _look(
    client: SdxClient, interaction_id: int, key: str, value: str, original: Tag | None = None
) -> Planned:
    """What saving key=value (from the dialog) would do, as the engine sees it now."""
    (row,) = preview(client, plan_save(interaction_id, key, value, original)).rows
    return row


def test_second_save_through_the_engine_is_warned(
    server: SandboxServer, alice: SdxClient, bob: SdxClient
) -> None:
    interaction_id = new_interaction(server, "Two clients")
    alice.set_tag(interaction_id, "tier", "SILVER")
    alices_copy = alice.find_tag(interaction_id, "tier")
    bobs_copy = bob.find_tag(interaction_id, "tier")
    assert alices_copy is not None and alices_copy == bobs_copy

    first = preview(alice, plan_save(interaction_id, "tier", "GOLD", alices_copy))
    (row,) = first.rows
    assert row.change is Change.OVERWRITE and row.current == alices_copy  # her own, unchanged
    assert isinstance(save_outcome(apply(alice, first)), Saved)

    second = preview(bob, plan_save(interaction_id, "tier", "BRONZE", bobs_copy))
    (check,) = second.rows
    assert check.change is Change.CONFLICT
    assert check.current is not None and check.current.custom_value == "GOLD"
    # Not forced (the user did not say "Overwrite with mine"): nothing is written.
    before = server.request_count
    report = apply(bob, second)
    assert [r.result for r in report.results] == [Result.SKIPPED]
    assert save_outcome(report) is None
    assert _methods_since(server, before) == []
    assert server.store.live_tags(interaction_id) == {"tier": "GOLD"}

    # Both add the same new key: the second is asked before it replaces the first.
    adding = preview(alice, plan_save(interaction_id, "region", "NORTH", None))
    assert [r.change for r in adding.rows] == [Change.CREATE]
    assert _look(bob, interaction_id, "region", "SOUTH").change is Change.CREATE
    assert isinstance(save_outcome(apply(alice, adding)), Saved)
    late = _look(bob, interaction_id, "region", "SOUTH")
    assert late.change is Change.OVERWRITE
    assert isinstance(late.op, SetTag) and late.op.based_on is ANYTHING  # what the dialog asks
    assert late.current is not None and late.current.custom_value == "NORTH"
    assert server.store.live_tags(interaction_id) == {"tier": "GOLD", "region": "NORTH"}

    # One deletes what the other is editing.
    region = alice.find_tag(interaction_id, "region")
    assert region is not None
    bob.delete_tag(region.id)
    gone = _look(alice, interaction_id, "region", "EAST", region)
    assert gone.change is Change.CONFLICT and gone.current is None
    assert isinstance(gone.op, SetTag) and gone.op.based_on == region
    (deleting,) = preview(alice, plan_delete([region])).rows
    assert deleting.change is Change.MISSING and deleting.current is None
    assert isinstance(deleting.op, DeleteTag) and deleting.op.tag == region
    # Neither is written unless forced: no one's tag comes back by accident.
    before = server.request_count
    apply(alice, preview(alice, plan_save(interaction_id, "region", "EAST", region)))
    apply(alice, preview(alice, plan_delete([region])))
    assert _methods_since(server, before) == ["GET", "GET"]  # the two previews' reads
    assert server.store.live_tags(interaction_id) == {"tier": "GOLD"}


def _open(qtbot: QtBot, runner: TaskRunner, client: SdxClient, **kwargs: object) -> TagDialog:
    dialog = TagDialog(runner, ClientProxy(client), **kwargs)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitExposed(dialog)
    return dialog


def _save(qtbot: QtBot, dialog: TagDialog) -> None:
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)


@pytest.mark.parametrize("choice", ["Cancel", "Keep theirs", "Overwrite with mine"])
def test_two_edit_dialogs_on_one_tag_the_second_sees_the_conflict(
    choice: str,
    server: SandboxServer,
    alice: SdxClient,
    bob: SdxClient,
    runner: TaskRunner,
    qtbot: QtBot,
) -> None:
    interaction_id = new_interaction(server, "Two dialogs")
    tag = alice.set_tag(interaction_id, "tier", "SILVER")
    alices = _open(qtbot, runner, alice, tag=tag)
    bobs = _open(qtbot, runner, bob, tag=tag)  # both opened the same version
    alices.value_edit.setPlainText("GOLD")
    bobs.value_edit.setPlainText("BRONZE")

    _save(qtbot, alices)
    qtbot.waitUntil(lambda: not alices.isVisible(), timeout=WAIT_MS)
    assert server.store.live_tags(interaction_id) == {"tier": "GOLD"}

    _save(qtbot, bobs)
    said = answer(qtbot, "conflictDialog", choice)
    assert "GOLD" in said.text and "BRONZE" in said.text
    assert said.default == "Cancel"
    if choice == "Cancel":
        qtbot.waitUntil(lambda: bobs.save_button.isEnabled(), timeout=WAIT_MS)
        assert bobs.isVisible() and bobs.value_edit.toPlainText() == "BRONZE"
        expected = "GOLD"
    else:
        qtbot.waitUntil(lambda: not bobs.isVisible(), timeout=WAIT_MS)
        expected = "GOLD" if choice == "Keep theirs" else "BRONZE"
    assert server.store.live_tags(interaction_id) == {"tier": expected}
    assert server.store.tag_ids(interaction_id=interaction_id) == {tag.id}


def test_two_add_dialogs_for_one_key_the_second_is_asked(
    server: SandboxServer, alice: SdxClient, bob: SdxClient, runner: TaskRunner, qtbot: QtBot
) -> None:
    interaction_id = new_interaction(server, "Two adds")
    alices = _open(qtbot, runner, alice, interaction_id=interaction_id)
    bobs = _open(qtbot, runner, bob, interaction_id=interaction_id)
    alices.key_edit.setText("tier")
    alices.value_edit.setPlainText("GOLD")
    bobs.key_edit.setText("tier")
    bobs.value_edit.setPlainText("BRONZE")
    _save(qtbot, alices)
    qtbot.waitUntil(lambda: not alices.isVisible(), timeout=WAIT_MS)
    _save(qtbot, bobs)
    said = answer(qtbot, "overwriteWarning", "Cancel")
    assert "GOLD" in said.text
    qtbot.waitUntil(lambda: bobs.save_button.isEnabled(), timeout=WAIT_MS)
    assert server.store.live_tags(interaction_id) == {"tier": "GOLD"}


def test_a_stale_table_row_deleted_after_someone_changed_it_asks_first(
    server: SandboxServer, alice: SdxClient, bob: SdxClient, runner: TaskRunner, qtbot: QtBot
) -> None:
    interaction_id = new_interaction(server, "Stale delete")
    tag = alice.set_tag(interaction_id, "tier", "SILVER")
    bob.set_tag(interaction_id, "tier", "GOLD")  # after alice loaded her table
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    task = runner.spawn(delete_tags(parent, runner, alice, [tag]))
    answer(qtbot, "deleteConfirm", "Delete")
    said = answer(qtbot, "deleteChangedConfirm", "Keep")
    assert "GOLD" in said.text
    qtbot.waitUntil(task.done, timeout=WAIT_MS)
    assert find_box("deleteReport") is None
    assert server.store.live_tags(interaction_id) == {"tier": "GOLD"}

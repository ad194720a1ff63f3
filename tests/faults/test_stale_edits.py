"""Stale and racing edits: two people (two clients, two dialogs) on the same tag. The
second save is warned about the first; nothing is overwritten silently."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from sdx_desktop.api.client import SdxClient
from sdx_desktop.domain.edits import (
    ChangedMeanwhile,
    ClearToSave,
    DeletedMeanwhile,
    SaveRequest,
    WouldOverwrite,
    apply_save,
    check_delete,
    check_save,
)
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


def test_second_save_through_the_edit_rules_is_warned(
    server: SandboxServer, alice: SdxClient, bob: SdxClient
) -> None:
    interaction_id = new_interaction(server, "Two clients")
    alice.set_tag(interaction_id, "tier", "SILVER")
    alices_copy = alice.find_tag(interaction_id, "tier")
    bobs_copy = bob.find_tag(interaction_id, "tier")
    assert alices_copy is not None and alices_copy == bobs_copy

    first = SaveRequest(interaction_id, "tier", "GOLD", original=alices_copy)
    assert check_save(alice, first) == ClearToSave()
    apply_save(alice, first)

    second = SaveRequest(interaction_id, "tier", "BRONZE", original=bobs_copy)
    check = check_save(bob, second)
    assert isinstance(check, ChangedMeanwhile)
    assert check.current.custom_value == "GOLD"
    assert server.store.live_tags(interaction_id) == {"tier": "GOLD"}

    # Both add the same new key: the second is asked before it replaces the first.
    adding = SaveRequest(interaction_id, "region", "NORTH")
    assert check_save(alice, adding) == ClearToSave()
    assert check_save(bob, SaveRequest(interaction_id, "region", "SOUTH")) == ClearToSave()
    apply_save(alice, adding)
    late = check_save(bob, SaveRequest(interaction_id, "region", "SOUTH"))
    assert isinstance(late, WouldOverwrite) and late.existing.custom_value == "NORTH"

    # One deletes what the other is editing.
    region = alice.find_tag(interaction_id, "region")
    assert region is not None
    bob.delete_tag(region.id)
    gone = check_save(alice, SaveRequest(interaction_id, "region", "EAST", original=region))
    assert gone == DeletedMeanwhile(region)
    assert check_delete(alice, region) == DeletedMeanwhile(region)


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

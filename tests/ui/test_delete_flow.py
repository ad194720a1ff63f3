"""The delete conversation (ui/delete_flow.py) with real boxes and the sandbox over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from sdx_desktop.api.client import SdxClient
from sdx_desktop.api.errors import ServerError
from sdx_desktop.api.models import Tag
from sdx_desktop.sandbox import SandboxServer
from sdx_desktop.ui.delete_flow import DeleteReport, delete_tags
from sdx_desktop.ui.tasks import TaskRunner

from ..helpers import make_client
from ._boxes import WAIT_MS, answer, find_box

BOXES = ("deleteConfirm", "deleteChangedConfirm", "deleteReport")


@pytest.fixture
def parent(qtbot: QtBot) -> QWidget:
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def interaction_id(sandbox: SandboxServer) -> int:
    survey_id = sandbox.store.create_survey("Delete flow under test")
    return sandbox.store.create_interaction(survey_id)


def start(
    runner: TaskRunner, parent: QWidget, api: SdxClient, tags: list[Tag]
) -> asyncio.Task[Any]:
    return runner.spawn(delete_tags(parent, runner, api, tags))


def finish(qtbot: QtBot, task: asyncio.Task[Any]) -> DeleteReport | None:
    qtbot.waitUntil(task.done, timeout=WAIT_MS)
    result = task.result()
    for name in BOXES:
        assert find_box(name) is None, f"{name} left open"
    assert result is None or isinstance(result, DeleteReport)
    return result


def test_cancel_deletes_nothing(
    qtbot: QtBot,
    runner: TaskRunner,
    parent: QWidget,
    client: SdxClient,
    sandbox: SandboxServer,
    interaction_id: int,
) -> None:
    tag = client.set_tag(interaction_id, "tier", "GOLD")
    before = sandbox.request_count
    task = start(runner, parent, client, [tag])

    said = answer(qtbot, "deleteConfirm", "Cancel")
    assert "tier" in said.text
    assert "GOLD" in said.text
    assert f"#{interaction_id}" in said.text
    assert "Undo" in said.details
    assert sorted(said.buttons) == ["Cancel", "Delete"]
    assert said.default == "Cancel"  # Enter must not delete

    assert finish(qtbot, task) is None
    assert sandbox.request_count == before
    assert sandbox.store.live_tags(interaction_id) == {"tier": "GOLD"}


def test_delete_one_tag(
    qtbot: QtBot,
    runner: TaskRunner,
    parent: QWidget,
    client: SdxClient,
    sandbox: SandboxServer,
    interaction_id: int,
) -> None:
    tag = client.set_tag(interaction_id, "tier", "GOLD")
    client.set_tag(interaction_id, "keep", "me")
    task = start(runner, parent, client, [tag])

    answer(qtbot, "deleteConfirm", "Delete")
    report = finish(qtbot, task)

    assert report is not None
    assert report.deleted == [tag.id]
    assert (report.already_gone, report.changed, report.failed) == ([], [], [])
    assert report.removed == [tag.id]
    assert sandbox.store.live_tags(interaction_id) == {"keep": "me"}
    assert tag.id not in sandbox.store.tag_ids(interaction_id=interaction_id)


def test_nothing_selected_asks_nothing(
    qtbot: QtBot, runner: TaskRunner, parent: QWidget, client: SdxClient
) -> None:
    task = start(runner, parent, client, [])
    assert finish(qtbot, task) is None


def test_already_deleted_is_reported(
    qtbot: QtBot,
    runner: TaskRunner,
    parent: QWidget,
    client: SdxClient,
    sandbox: SandboxServer,
    interaction_id: int,
) -> None:
    tag = client.set_tag(interaction_id, "tier", "GOLD")
    client.delete_tag(tag.id)  # someone else, after the list was loaded
    task = start(runner, parent, client, [tag])

    answer(qtbot, "deleteConfirm", "Delete")
    said = answer(qtbot, "deleteReport", "OK")
    assert "already deleted" in said.text
    report = finish(qtbot, task)

    assert report is not None
    assert report.already_gone == [tag.id]
    assert report.deleted == []
    assert report.removed == [tag.id]
    assert sandbox.store.live_tags(interaction_id) == {}


def test_changed_since_loaded_keep(
    qtbot: QtBot,
    runner: TaskRunner,
    parent: QWidget,
    client: SdxClient,
    sandbox: SandboxServer,
    interaction_id: int,
) -> None:
    tag = client.set_tag(interaction_id, "tier", "GOLD")
    sandbox.store.set_tag_value_directly(tag.id, "BRONZE")
    task = start(runner, parent, client, [tag])

    answer(qtbot, "deleteConfirm", "Delete")
    said = answer(qtbot, "deleteChangedConfirm", "Keep")
    assert "BRONZE" in said.text
    assert "tier" in said.text
    assert said.default == "Keep"
    report = finish(qtbot, task)

    assert report is not None
    assert report.deleted == []
    assert report.removed == []
    assert report.changed == [client.get_tag(tag.id)]
    assert report.changed[0].custom_value == "BRONZE"
    assert sandbox.store.live_tags(interaction_id) == {"tier": "BRONZE"}


def test_changed_since_loaded_delete_anyway(
    qtbot: QtBot,
    runner: TaskRunner,
    parent: QWidget,
    client: SdxClient,
    sandbox: SandboxServer,
    interaction_id: int,
) -> None:
    tag = client.set_tag(interaction_id, "tier", "GOLD")
    sandbox.store.set_tag_value_directly(tag.id, "BRONZE")
    task = start(runner, parent, client, [tag])

    answer(qtbot, "deleteConfirm", "Delete")
    answer(qtbot, "deleteChangedConfirm", "Delete anyway")
    report = finish(qtbot, task)

    assert report is not None
    assert report.deleted == [tag.id]
    assert report.changed == []
    assert sandbox.store.live_tags(interaction_id) == {}


def test_several_tags_one_confirmation(
    qtbot: QtBot,
    runner: TaskRunner,
    parent: QWidget,
    client: SdxClient,
    sandbox: SandboxServer,
    interaction_id: int,
) -> None:
    tags = [client.set_tag(interaction_id, f"key_{i}", f"v{i}") for i in range(3)]
    client.set_tag(interaction_id, "keep", "me")
    task = start(runner, parent, client, tags)

    said = answer(qtbot, "deleteConfirm", "Delete")
    assert "3" in said.text
    assert said.title == "Delete tags"
    report = finish(qtbot, task)  # a second confirmation would keep the task waiting

    assert report is not None
    assert sorted(report.deleted) == sorted(t.id for t in tags)
    assert sandbox.store.live_tags(interaction_id) == {"keep": "me"}


def test_several_tags_mixed_fates(
    qtbot: QtBot,
    runner: TaskRunner,
    parent: QWidget,
    client: SdxClient,
    sandbox: SandboxServer,
    interaction_id: int,
) -> None:
    clean = client.set_tag(interaction_id, "clean", "1")
    gone = client.set_tag(interaction_id, "gone", "2")
    changed = client.set_tag(interaction_id, "changed", "3")
    client.delete_tag(gone.id)
    sandbox.store.set_tag_value_directly(changed.id, "THREE")
    task = start(runner, parent, client, [clean, gone, changed])

    answer(qtbot, "deleteConfirm", "Delete")
    said = answer(qtbot, "deleteChangedConfirm", "Keep")
    assert "THREE" in said.text
    said = answer(qtbot, "deleteReport", "OK")
    assert "1 were already deleted" in said.text
    report = finish(qtbot, task)

    assert report is not None
    assert report.deleted == [clean.id]
    assert report.already_gone == [gone.id]
    assert [t.id for t in report.changed] == [changed.id]
    assert sandbox.store.live_tags(interaction_id) == {"changed": "THREE"}


@pytest.fixture
def fresh_api(fresh_sandbox: SandboxServer) -> Iterator[SdxClient]:
    with make_client(fresh_sandbox) as c:
        yield c


def test_failed_delete_is_reported_and_tag_remains(
    qtbot: QtBot,
    runner: TaskRunner,
    parent: QWidget,
    fresh_api: SdxClient,
    fresh_sandbox: SandboxServer,
) -> None:
    store = fresh_sandbox.store
    interaction_id = store.create_interaction(store.create_survey("Delete under faults"))
    tag = fresh_api.set_tag(interaction_id, "tier", "GOLD")
    fresh_sandbox.set_faults(status_rates={503: 1.0}, methods=frozenset({"DELETE"}), retry_after=0)
    task = start(runner, parent, fresh_api, [tag])

    answer(qtbot, "deleteConfirm", "Delete")
    said = answer(qtbot, "deleteReport", "OK")
    assert "could not be deleted" in said.text
    assert "try again" in said.text
    report = finish(qtbot, task)

    assert report is not None
    assert report.deleted == []
    assert report.removed == []
    assert [t for t, _ in report.failed] == [tag]
    assert isinstance(report.failed[0][1], ServerError)
    assert store.live_tags(interaction_id) == {"tier": "GOLD"}

"""The lazy tables as staff scroll them: exact while someone else changes the list."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from sdx_desktop.api.client import SdxClient
from sdx_desktop.sandbox import SandboxServer
from sdx_desktop.ui.interaction_picker import InteractionTableModel
from sdx_desktop.ui.paged_model import LoadState
from sdx_desktop.ui.tag_model import TagTableModel
from sdx_desktop.ui.tasks import TaskRunner

from ..helpers import make_client


@pytest.fixture
def writer(fresh_sandbox: SandboxServer) -> Iterator[SdxClient]:
    """Another member of staff, changing the same survey through the API."""
    with make_client(fresh_sandbox) as c:
        yield c


def _scroll_once(model: TagTableModel | InteractionTableModel, qtbot: QtBot) -> None:
    """What the view does when staff reach the bottom: fetch the next page."""
    model.fetchMore()
    qtbot.waitUntil(lambda: not model.loading, timeout=10_000)
    assert model.state is LoadState.IDLE, model.error


def test_scrolling_misses_no_tag_while_someone_deletes_earlier_ones(
    fresh_sandbox: SandboxServer,
    fresh_client: SdxClient,
    writer: SdxClient,
    runner: TaskRunner,
    qtbot: QtBot,
) -> None:
    survey_id = fresh_sandbox.store.create_survey("Scrolled")
    fresh_sandbox.store.bulk_create_tags(survey_id, 400, per_interaction=8)
    ids = sorted(fresh_sandbox.store.tag_ids(survey_id=survey_id))
    model = TagTableModel(runner, page_size=25)
    model.show_tags(fresh_client, survey_id=survey_id)
    _scroll_once(model, qtbot)
    deleted: set[int] = set()
    while not model.exhausted:
        # Before each page, the other person deletes 5 rows the table already passed
        # (more than the one-row overlap) and adds one.
        shown = sorted(tag.id for tag in model.items if tag.id not in deleted)
        for tag_id in shown[:5]:
            writer.delete_tag(tag_id)
            deleted.add(tag_id)
        interaction = fresh_sandbox.store.interaction_ids(survey_id)[0]
        writer.set_tag(interaction, f"added_{len(deleted)}", "v")
        _scroll_once(model, qtbot)
    shown_ids = [tag.id for tag in model.items]
    assert len(shown_ids) == len(set(shown_ids)), "a tag is shown twice"
    assert set(ids) - deleted <= set(shown_ids), "a tag was skipped"
    assert model.walk is not None and model.walk.refused > 0  # it did have to step back


def test_our_own_delete_keeps_the_next_page_aligned(
    fresh_sandbox: SandboxServer,
    fresh_client: SdxClient,
    runner: TaskRunner,
    qtbot: QtBot,
) -> None:
    survey_id = fresh_sandbox.store.create_survey("Deleted here")
    fresh_sandbox.store.bulk_create_tags(survey_id, 100, per_interaction=5)
    model = TagTableModel(runner, page_size=20)
    model.show_tags(fresh_client, survey_id=survey_id)
    _scroll_once(model, qtbot)
    for tag in list(model.items)[:3]:  # staff delete three shown tags
        fresh_client.delete_tag(tag.id)
        model.remove_id(tag.id)
    fresh_sandbox.reset_request_count()
    _scroll_once(model, qtbot)
    # The model told its walk: the next page starts three rows earlier, no step back.
    assert model.walk is not None and model.walk.refused == 0
    assert fresh_sandbox.request_count == 1
    assert len(model.items) == 17 + 19  # 17 kept + 19 new (one row of overlap)


def test_newest_first_interactions_are_not_repeated_when_new_ones_arrive(
    fresh_sandbox: SandboxServer,
    fresh_client: SdxClient,
    runner: TaskRunner,
    qtbot: QtBot,
) -> None:
    survey_id = fresh_sandbox.store.create_survey("Busy campaign")
    originals = {fresh_sandbox.store.create_interaction(survey_id) for _ in range(120)}
    model = InteractionTableModel(runner, page_size=20)
    model.set_source(
        lambda offset, limit: fresh_client.list_interactions(
            survey_id, limit=limit, offset=offset, order="DESC"
        ),
        order="DESC",
    )
    _scroll_once(model, qtbot)
    while not model.exhausted:
        for _ in range(4):  # new interactions land at the top, shifting every page
            fresh_sandbox.store.create_interaction(survey_id)
        _scroll_once(model, qtbot)
    shown = [i.id for i in model.items]
    assert len(shown) == len(set(shown)), "an interaction is shown twice"
    assert originals <= set(shown)


def test_a_page_that_arrives_after_stop_is_dropped(
    fresh_sandbox: SandboxServer,
    fresh_client: SdxClient,
    runner: TaskRunner,
    qtbot: QtBot,
) -> None:
    survey_id = fresh_sandbox.store.create_survey("Stopped")
    fresh_sandbox.store.bulk_create_tags(survey_id, 50)
    fresh_sandbox.set_faults(latency_ms=300)
    model = TagTableModel(runner, page_size=20)
    model.show_tags(fresh_client, survey_id=survey_id)
    model.fetchMore()
    qtbot.waitUntil(lambda: fresh_sandbox.request_count > 0 and runner.pending > 0)
    model.stop()
    assert model.state is LoadState.STOPPED
    # Wait until the request has been answered and its task has finished, then check.
    qtbot.waitUntil(lambda: runner.pending == 0, timeout=10_000)
    assert model.loaded_count == 0
    assert model.state is LoadState.STOPPED

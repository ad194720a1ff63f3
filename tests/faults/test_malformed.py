"""Malformed answers (cut-off JSON, an HTML page, wrong types, a 200 with no body) and
huge values: a clear message, no crash, and never a partial or garbled row."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, Qt
from pytestqt.qtbot import QtBot

from sdx_desktop.api import errors
from sdx_desktop.api.client import SdxClient
from sdx_desktop.sandbox import SandboxServer
from sdx_desktop.sandbox.rules import MAX_VALUE_LENGTH
from sdx_desktop.ui.paged_model import LoadState, ObjectRole
from sdx_desktop.ui.session import ClientProxy
from sdx_desktop.ui.tag_dialog import TagDialog
from sdx_desktop.ui.tag_model import TOOLTIP_LIMIT, TagTableModel
from sdx_desktop.ui.tasks import TaskRunner

from ..helpers import make_client
from ..ui._boxes import WAIT_MS
from ..ui.conftest import choose_interaction, choose_survey
from ._support import assert_plain, new_interaction, rich_to_plain, survey_of
from .conftest import WindowFactory

KINDS = ["truncated", "html", "empty", "wrong_types"]
#: Rows per page: more than the offscreen window shows, so it does not fetch on its own.
PAGE = 50


@pytest.mark.parametrize("kind", KINDS)
def test_a_malformed_page_adds_no_row_and_can_be_retried(
    kind: str, server: SandboxServer, open_window: WindowFactory, qtbot: QtBot
) -> None:
    interaction_id = new_interaction(server, f"Malformed {kind}", tags=PAGE * 4)
    window = open_window(server, page_size=PAGE)
    choose_survey(window, survey_of(server, interaction_id), qtbot)
    choose_interaction(window, interaction_id, qtbot)
    qtbot.waitUntil(lambda: window.tags.loaded_count >= PAGE and not window.tags.loading)
    before = [t.id for t in window.tags.items]
    assert not window.tags.exhausted
    inserted: list[int] = []
    window.tags.rowsInserted.connect(lambda _p, first, last: inserted.append(last - first + 1))

    server.set_faults(malformed_rate=1.0, malformed_kind=kind, methods=frozenset({"GET"}))
    window.tags.fetchMore(QModelIndex())  # the next page, as scrolling down asks for it
    qtbot.waitUntil(lambda: window.tags.state is LoadState.FAILED, timeout=WAIT_MS)

    assert window.tags.rowCount() == len(before)
    assert [t.id for t in window.tags.items] == before
    assert inserted == []
    text = window.tag_state.label.text()
    assert text.startswith("Could not load more tags.")
    assert "could not read" in text
    assert_plain(text)

    server.clear_faults()
    window.tag_state.retry_button.click()
    qtbot.waitUntil(lambda: window.tags.loaded_count > len(before) and not window.tags.loading)
    while not window.tags.exhausted:
        window.tags.fetchMore(QModelIndex())
        qtbot.waitUntil(lambda: not window.tags.loading, timeout=WAIT_MS)
    assert [t.id for t in window.tags.items] == sorted(
        server.store.tag_ids(interaction_id=interaction_id)
    )


@pytest.mark.parametrize("kind", KINDS)
def test_load_all_stops_cleanly_on_a_malformed_page(
    kind: str, server: SandboxServer, open_window: WindowFactory, qtbot: QtBot
) -> None:
    interaction_id = new_interaction(server, f"Malformed load all {kind}", tags=PAGE * 4)
    window = open_window(server, page_size=PAGE)
    choose_survey(window, survey_of(server, interaction_id), qtbot)
    choose_interaction(window, interaction_id, qtbot)
    qtbot.waitUntil(lambda: window.tags.loaded_count >= PAGE and not window.tags.loading)
    shown = window.tags.rowCount()
    assert not window.tags.exhausted

    server.set_faults(malformed_rate=1.0, malformed_kind=kind, methods=frozenset({"GET"}))
    window.load_all_action.trigger()
    qtbot.waitUntil(
        lambda: window.tags.state is LoadState.FAILED and not window.tags.loading_all,
        timeout=WAIT_MS,
    )
    assert window.tags.rowCount() == shown
    assert "could not read" in window.tag_state.label.text()
    assert_plain(window.tag_state.label.text())
    server.clear_faults()
    window.load_all_action.trigger()
    qtbot.waitUntil(lambda: window.tags.exhausted and not window.tags.loading_all)
    assert [t.id for t in window.tags.items] == sorted(
        server.store.tag_ids(interaction_id=interaction_id)
    )


@pytest.mark.parametrize("kind", ["truncated", "html", "wrong_types", "empty"])
def test_a_malformed_look_up_before_saving_writes_nothing(
    kind: str, server: SandboxServer, runner: TaskRunner, qtbot: QtBot
) -> None:
    """The edit dialog reads the tag again before saving; if that answer is unreadable,
    nothing may be written on a guess."""
    interaction_id = new_interaction(server, f"Malformed check {kind}")
    client = make_client(server)
    tag = client.set_tag(interaction_id, "tier", "SILVER")
    dialog = TagDialog(runner, ClientProxy(client), tag=tag)
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.value_edit.setPlainText("GOLD")
    server.set_faults(malformed_rate=1.0, malformed_kind=kind, methods=frozenset({"GET"}))
    server.reset_request_count()
    dialog.save_button.click()
    qtbot.waitUntil(
        lambda: "Not saved" in dialog.message.text() and dialog.save_button.isEnabled(),
        timeout=WAIT_MS,
    )
    text = rich_to_plain(dialog.message.text())
    assert "could not read" in text
    assert_plain(text)
    assert {method for method, _, _ in server.request_log} == {"GET"}, "something was written"
    assert server.store.live_tags(interaction_id) == {"tier": "SILVER"}
    assert dialog.value_edit.toPlainText() == "GOLD"
    client.close()


@pytest.mark.parametrize("kind", ["truncated", "html", "wrong_types"])
def test_an_unreadable_answer_to_a_save_is_an_error_not_a_crash(
    kind: str, server: SandboxServer, client_for: SdxClient
) -> None:
    interaction_id = new_interaction(server, f"Malformed save {kind}")
    server.set_faults(malformed_rate=1.0, malformed_kind=kind, methods=frozenset({"POST"}))
    with pytest.raises(errors.ProtocolError) as info:
        client_for.set_tag(interaction_id, "tier", "GOLD")
    assert_plain(str(info.value))
    assert info.value.retryable
    server.clear_faults()
    # The write itself did arrive: doing it again (Retry) gives the same single tag.
    client_for.set_tag(interaction_id, "tier", "GOLD")
    assert server.store.live_tags(interaction_id) == {"tier": "GOLD"}
    assert len(server.store.tag_ids(interaction_id=interaction_id)) == 1


def test_a_save_answered_with_an_empty_200_is_looked_up(
    server: SandboxServer, client_for: SdxClient
) -> None:
    interaction_id = new_interaction(server, "Empty 200 on save")
    server.set_faults(malformed_rate=1.0, malformed_kind="empty", methods=frozenset({"POST"}))
    tag = client_for.set_tag(interaction_id, "tier", "GOLD")
    assert (tag.custom_key, tag.custom_value) == ("tier", "GOLD")
    assert server.store.tag_ids(interaction_id=interaction_id) == {tag.id}


@pytest.fixture
def client_for(server: SandboxServer) -> SdxClient:
    with make_client(server) as client:
        yield client  # type: ignore[misc]


# --- huge values -------------------------------------------------------------------------

HUGE = ("😀" * 1000 + "x\r\n" + "é" * 2000) * 22  # astral, CR/LF, accents
HUGE = HUGE[:MAX_VALUE_LENGTH]


def test_the_largest_value_round_trips_and_shows_trimmed(
    server: SandboxServer, client_for: SdxClient, open_window: WindowFactory, qtbot: QtBot
) -> None:
    assert len(HUGE) == MAX_VALUE_LENGTH
    interaction_id = new_interaction(server, "Huge value", tags=3)
    tag = client_for.set_tag(interaction_id, "huge", HUGE)
    assert tag.custom_value == HUGE
    assert client_for.get_tag(tag.id).custom_value == HUGE
    assert server.store.live_tags(interaction_id)["huge"] == HUGE

    window = open_window(server)
    choose_survey(window, survey_of(server, interaction_id), qtbot)
    choose_interaction(window, interaction_id, qtbot)
    qtbot.waitUntil(lambda: window.tags.exhausted)
    assert window.tags.rowCount() == 4
    row = window.tags.row_of(tag.id)
    assert row is not None
    shown = window.tags.index(row, TagTableModel.VALUE)
    assert shown.data(ObjectRole).custom_value == HUGE
    assert len(shown.data(Qt.ItemDataRole.DisplayRole)) < 2_100  # first line only
    tooltip = shown.data(Qt.ItemDataRole.ToolTipRole)
    assert len(tooltip) == TOOLTIP_LIMIT + 2 and tooltip.endswith(" …")


def test_a_value_one_character_too_long_is_refused_plainly_and_kept(
    server: SandboxServer, client_for: SdxClient, runner: TaskRunner, qtbot: QtBot
) -> None:
    interaction_id = new_interaction(server, "Too long")
    too_long = "a" * (MAX_VALUE_LENGTH + 1)
    with pytest.raises(errors.BadRequestError) as info:
        client_for.set_tag(interaction_id, "tier", too_long)
    assert "65,535" in str(info.value)

    dialog = TagDialog(runner, ClientProxy(client_for), interaction_id=interaction_id)
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.key_edit.setText("tier")
    dialog.value_edit.setPlainText(too_long)
    dialog.save_button.click()
    qtbot.waitUntil(
        lambda: "Not saved" in dialog.message.text() and dialog.save_button.isEnabled(),
        timeout=WAIT_MS,
    )
    text = rich_to_plain(dialog.message.text())
    assert_plain(text)
    assert "65,535 characters" in text
    assert dialog.value_edit.toPlainText() == too_long
    assert server.store.live_tags(interaction_id) == {}

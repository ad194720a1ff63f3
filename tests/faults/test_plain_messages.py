"""Every fault class and every API error status reaches staff as plain words: in the tag
table's state bar when loading, in the edit dialog when saving. Afterwards the window
is still usable: with the fault gone, Retry works."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from sdx_desktop.api import errors
from sdx_desktop.api.auth import TokenCredentials
from sdx_desktop.api.client import SdxClient
from sdx_desktop.sandbox import SandboxServer
from sdx_desktop.ui.paged_model import LoadState
from sdx_desktop.ui.session import ClientProxy
from sdx_desktop.ui.tag_dialog import TagDialog
from sdx_desktop.ui.tasks import TaskRunner

from ..helpers import FAST_RETRY, make_client
from ..ui._boxes import WAIT_MS, find_box
from ..ui.conftest import choose_interaction, choose_survey
from ._support import (
    FAULT_CASES,
    SHORT_TIMEOUTS,
    FaultCase,
    assert_means,
    assert_plain,
    canned,
    new_interaction,
    rich_to_plain,
    survey_of,
)
from .conftest import Serve, WindowFactory

TAGS = 12


@pytest.mark.parametrize("case", FAULT_CASES, ids=str)
def test_a_failed_load_says_what_happened_in_plain_words(
    case: FaultCase, server: SandboxServer, open_window: WindowFactory, qtbot: QtBot
) -> None:
    interaction_id = new_interaction(server, f"Load fails: {case}", tags=TAGS)
    window = open_window(server, timeouts=SHORT_TIMEOUTS)
    choose_survey(window, survey_of(server, interaction_id), qtbot)
    choose_interaction(window, interaction_id, qtbot)
    qtbot.waitUntil(lambda: window.tags.exhausted and window.tags.loaded_count == TAGS)

    server.set_faults(**case.faults, retry_after=0, methods=frozenset({"GET"}))
    window.refresh_action.trigger()  # F5
    qtbot.waitUntil(lambda: window.tags.state is LoadState.FAILED, timeout=WAIT_MS)

    bar = window.tag_state
    assert bar.isVisible()
    assert bar.retry_button.isVisible() and bar.retry_button.isEnabled()
    text = bar.label.text()
    assert text.startswith("Could not load the tags.")
    assert_plain(text)
    assert_means(text, case)
    assert window.tags.loaded_count == 0
    assert "loading paused" in window.status_label.text()
    # The window is not stuck: nothing is left running, the other lists still work.
    qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=WAIT_MS)
    assert window.surveys.isEnabled() and window.interactions.isEnabled()
    assert window.refresh_action.isEnabled()

    server.clear_faults()
    bar.retry_button.click()
    qtbot.waitUntil(
        lambda: window.tags.exhausted and window.tags.loaded_count == TAGS, timeout=WAIT_MS
    )
    assert not bar.isVisible()
    assert [t.id for t in window.tags.items] == sorted(
        server.store.tag_ids(interaction_id=interaction_id)
    )


@pytest.mark.parametrize("case", FAULT_CASES, ids=str)
def test_a_failed_save_says_what_happened_and_keeps_the_input(
    case: FaultCase, server: SandboxServer, runner: TaskRunner, qtbot: QtBot
) -> None:
    interaction_id = new_interaction(server, f"Save fails: {case}")
    client = make_client(server, timeouts=SHORT_TIMEOUTS)
    dialog = TagDialog(runner, ClientProxy(client), interaction_id=interaction_id)
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitExposed(dialog)
    dialog.key_edit.setText("REGION")
    dialog.value_edit.setPlainText("North\nand East")

    server.set_faults(**case.faults, retry_after=0, methods=frozenset({"POST"}))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: "Not saved" in dialog.message.text() and dialog.save_button.isEnabled(),
        timeout=WAIT_MS,
    )

    assert dialog.isVisible() and dialog.message.isVisible()
    text = rich_to_plain(dialog.message.text())
    assert text.startswith("Not saved.")
    assert_plain(text)
    assert_means(text, case)
    assert "press Retry" in text
    assert dialog.save_button.text() == "Retry"
    assert (dialog.key_edit.text(), dialog.value_edit.toPlainText()) == (
        "REGION",
        "North\nand East",
    )
    if not case.answer_lost:
        assert server.store.live_tags(interaction_id) == {}

    server.clear_faults()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    # Retry saves without a question, also when the first save did arrive and only its
    # answer was lost: the server then already holds exactly this value (unchanged).
    qtbot.waitUntil(
        lambda: not dialog.isVisible() or find_box("overwriteWarning") is not None,
        timeout=WAIT_MS,
    )
    assert find_box("overwriteWarning") is None, "asked to replace the user's own save"
    assert server.store.live_tags(interaction_id) == {"REGION": "North\nand East"}
    client.close()


@pytest.mark.parametrize("body", ["json", "html", "text", "empty"])
@pytest.mark.parametrize("status", [400, 409, 503])
def test_error_bodies_of_every_shape_read_plainly(
    body: str, status: int, server: SandboxServer, runner: TaskRunner, qtbot: QtBot
) -> None:
    """The contract leaves the error body open (JSON, HTML, text or empty): whatever the
    server sends, staff read words, not markup or status lines."""
    interaction_id = new_interaction(server, f"Error body {body}")
    client = make_client(server)
    dialog = TagDialog(runner, ClientProxy(client), interaction_id=interaction_id)
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.key_edit.setText("tier")
    dialog.value_edit.setPlainText("GOLD")
    server.set_quirks(error_body=body)
    server.set_faults(status_rates={status: 1.0}, retry_after=0, methods=frozenset({"POST"}))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: "Not saved" in dialog.message.text() and dialog.save_button.isEnabled(),
        timeout=WAIT_MS,
    )
    text = rich_to_plain(dialog.message.text())
    assert_plain(text)
    assert f"{status}" not in text, f"a raw status code reached staff: {text!r}"
    client.close()


PROXY_PAGE = b"""<!DOCTYPE html>
<html><head><title>400 Bad Request</title>
<style>body { font-family: sans-serif; color: #333 } h1 { font-size: 2em }</style>
<script>window.dataLayer = window.dataLayer || [];</script></head>
<body><h1>Bad Request</h1><p>Your browser sent a request that this server could not
understand.</p><hr><address>Apache Server at surveydynamix.com Port 443</address></body>
</html>
"""


def test_an_error_page_from_a_proxy_reads_plainly(serve: Serve) -> None:
    """A real deployment can answer from a proxy or load balancer with a styled HTML page
    (the sandbox's pages have no styles or scripts). Staff must not read CSS or code."""
    handler = canned(400, PROXY_PAGE, {"Content-Type": "text/html; charset=utf-8"})
    client = make_client_for(serve(handler) + "/api")
    with client, pytest.raises(errors.BadRequestError) as info:
        client.list_surveys()
    text = str(info.value)
    assert_plain(text)
    assert "font-family" not in text and "dataLayer" not in text
    assert "400" not in text, f"a raw status line reached staff: {text!r}"


def make_client_for(base_url: str) -> SdxClient:
    return SdxClient(
        TokenCredentials("tok-proxy-page-test-0000"), base_url=base_url, retry=FAST_RETRY
    )

"""TagDialog through its real widgets, against the sandbox over real HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from sdx_desktop.api.client import SdxClient
from sdx_desktop.api.models import Interaction
from sdx_desktop.domain.edits import RenameHalfDone, Saved
from sdx_desktop.sandbox import SandboxServer
from sdx_desktop.ui.session import ClientProxy
from sdx_desktop.ui.tag_dialog import TagDialog
from sdx_desktop.ui.tasks import TaskRunner

from ..helpers import make_client
from ._boxes import WAIT_MS, answer, find_box, wait_for_box

MakeDialog = Callable[..., TagDialog]


class Recorder:
    """Collects what a dialog's signals emitted."""

    def __init__(self, dialog: TagDialog) -> None:
        self.saved: list[Any] = []
        self.vanished: list[int] = []
        dialog.saved.connect(self.saved.append)
        dialog.vanished.connect(self.vanished.append)


@pytest.fixture
def interaction_id(sandbox: SandboxServer) -> int:
    survey_id = sandbox.store.create_survey("Tag dialog under test")
    return sandbox.store.create_interaction(survey_id)


@pytest.fixture
def make_dialog(qtbot: QtBot, runner: TaskRunner, client: SdxClient) -> MakeDialog:
    """Open a TagDialog as the main window does (``open()``, through a ClientProxy)."""

    def make(*, api: object | None = None, **kwargs: Any) -> TagDialog:
        dialog = TagDialog(runner, api if api is not None else ClientProxy(client), **kwargs)
        qtbot.addWidget(dialog)
        dialog.open()
        qtbot.waitExposed(dialog)
        return dialog

    return make


def click_save(qtbot: QtBot, dialog: TagDialog) -> None:
    assert dialog.save_button.isEnabled()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)


def wait_closed(qtbot: QtBot, dialog: TagDialog) -> None:
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)


def wait_idle(qtbot: QtBot, dialog: TagDialog) -> None:
    """The save was answered and the dialog is waiting for the user again."""
    qtbot.waitUntil(
        lambda: not dialog.message.isVisible() and dialog.save_button.isEnabled(),
        timeout=WAIT_MS,
    )


def fill(dialog: TagDialog, key: str | None = None, value: str | None = None) -> None:
    if key is not None:
        dialog.key_edit.setText(key)
    if value is not None:
        dialog.value_edit.setPlainText(value)


# --- the key rule, live ----------------------------------------------------------------


def test_key_is_checked_while_typing(
    qtbot: QtBot, make_dialog: MakeDialog, interaction_id: int
) -> None:
    dialog = make_dialog(interaction_id=interaction_id)
    # Nothing typed yet: no error shown, but nothing to save either.
    assert dialog.key_error.text() == ""
    assert not dialog.key_error.isVisible()
    assert not dialog.save_button.isEnabled()

    qtbot.keyClicks(dialog.key_edit, "1abc")
    assert "start with a letter" in dialog.key_error.text()
    assert dialog.key_error.isVisible()
    assert not dialog.save_button.isEnabled()

    dialog.key_edit.clear()
    qtbot.keyClicks(dialog.key_edit, "abc")
    assert dialog.key_error.text() == ""
    assert not dialog.key_error.isVisible()
    assert dialog.save_button.isEnabled()

    qtbot.keyClicks(dialog.key_edit, " x")
    assert "spaces" in dialog.key_error.text()
    assert not dialog.save_button.isEnabled()


def test_clearing_the_key_of_an_existing_tag_is_an_error(
    qtbot: QtBot, make_dialog: MakeDialog, client: SdxClient, interaction_id: int
) -> None:
    tag = client.set_tag(interaction_id, "tier", "GOLD")
    dialog = make_dialog(tag=tag)
    assert dialog.save_button.isEnabled()
    dialog.key_edit.clear()
    assert "empty" in dialog.key_error.text()
    assert not dialog.save_button.isEnabled()


def test_invalid_key_cannot_be_saved_even_by_shortcut(
    qtbot: QtBot, make_dialog: MakeDialog, sandbox: SandboxServer, interaction_id: int
) -> None:
    dialog = make_dialog(interaction_id=interaction_id)
    fill(dialog, "my-key", "x")
    before = sandbox.request_count
    qtbot.keyClick(dialog.value_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: dialog._runner.idle, timeout=WAIT_MS)
    assert dialog.isVisible()
    assert sandbox.request_count == before
    assert sandbox.store.live_tags(interaction_id) == {}


# --- adding ----------------------------------------------------------------------------


def test_add_new_tag(
    qtbot: QtBot, make_dialog: MakeDialog, sandbox: SandboxServer, interaction_id: int
) -> None:
    dialog = make_dialog(interaction_id=interaction_id)
    signals = Recorder(dialog)
    qtbot.keyClicks(dialog.key_edit, "tier")
    qtbot.keyClicks(dialog.value_edit, "GOLD")
    click_save(qtbot, dialog)
    wait_closed(qtbot, dialog)

    assert dialog.result() == QDialog.DialogCode.Accepted
    assert len(signals.saved) == 1
    outcome = signals.saved[0]
    assert isinstance(outcome, Saved)
    assert outcome.replaced_id is None
    assert (outcome.tag.interaction_id, outcome.tag.custom_key, outcome.tag.custom_value) == (
        interaction_id,
        "tier",
        "GOLD",
    )
    assert dialog.outcome == outcome
    assert sandbox.store.live_tags(interaction_id) == {"tier": "GOLD"}
    assert sandbox.store.tag_ids(interaction_id=interaction_id) == {outcome.tag.id}


def test_add_over_existing_key_asks_first(
    qtbot: QtBot,
    make_dialog: MakeDialog,
    client: SdxClient,
    sandbox: SandboxServer,
    interaction_id: int,
) -> None:
    existing = client.set_tag(interaction_id, "tier", "SILVER")
    dialog = make_dialog(interaction_id=interaction_id)
    signals = Recorder(dialog)
    fill(dialog, "tier", "GOLD")
    click_save(qtbot, dialog)

    wait_for_box(qtbot, "overwriteWarning")
    # Nothing is written while the question is open.
    assert sandbox.store.live_tags(interaction_id) == {"tier": "SILVER"}
    said = answer(qtbot, "overwriteWarning", "Cancel")
    assert "tier" in said.text
    assert "SILVER" in said.text
    assert "GOLD" in said.details
    assert said.default == "Cancel"
    wait_idle(qtbot, dialog)
    assert dialog.isVisible()
    assert dialog.key_edit.text() == "tier"
    assert dialog.value_edit.toPlainText() == "GOLD"
    assert sandbox.store.live_tags(interaction_id) == {"tier": "SILVER"}
    assert signals.saved == []

    click_save(qtbot, dialog)
    answer(qtbot, "overwriteWarning", "Replace")
    wait_closed(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert sandbox.store.live_tags(interaction_id) == {"tier": "GOLD"}
    assert len(signals.saved) == 1
    outcome = signals.saved[0]
    assert isinstance(outcome, Saved)
    assert outcome.tag.id == existing.id
    assert outcome.tag.custom_value == "GOLD"


def test_add_to_unknown_interaction_is_not_saved_and_keeps_input(
    qtbot: QtBot, make_dialog: MakeDialog, interaction_id: int
) -> None:
    dialog = make_dialog(interaction_id=987_654_321)
    fill(dialog, "tier", "GOLD")
    click_save(qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.save_button.text() == "Retry", timeout=WAIT_MS)
    assert dialog.isVisible()
    assert "Not saved" in dialog.message.text()
    assert (dialog.key_edit.text(), dialog.value_edit.toPlainText()) == ("tier", "GOLD")


# --- survey-wide add: the interaction is chosen in the dialog --------------------------


def _interactions(client: SdxClient, sandbox: SandboxServer, n: int) -> list[Interaction]:
    survey_id = sandbox.store.create_survey("Survey-wide add")
    ids = [sandbox.store.create_interaction(survey_id, external_ref=f"REF-{i}") for i in range(n)]
    return [client.get_interaction(i) for i in ids]


def test_survey_wide_add_needs_an_interaction(
    qtbot: QtBot, make_dialog: MakeDialog, client: SdxClient, sandbox: SandboxServer
) -> None:
    first, second = _interactions(client, sandbox, 2)
    dialog = make_dialog(interactions=[first, second])
    combo = dialog.interaction_combo
    assert combo is not None
    assert combo.objectName() == "interactionCombo"
    assert combo.count() == 2

    fill(dialog, "tier", "GOLD")
    assert dialog.key_error.text() == ""
    assert not dialog.save_button.isEnabled()  # no interaction chosen yet

    qtbot.keyClicks(combo.lineEdit(), "abc")
    assert not dialog.save_button.isEnabled()

    combo.lineEdit().clear()
    qtbot.keyClicks(combo.lineEdit(), str(second.id))
    assert dialog.save_button.isEnabled()
    assert dialog.interaction_id() == second.id

    click_save(qtbot, dialog)
    wait_closed(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert sandbox.store.live_tags(second.id) == {"tier": "GOLD"}
    assert sandbox.store.live_tags(first.id) == {}


def test_survey_wide_add_by_picking_from_the_list(
    qtbot: QtBot, make_dialog: MakeDialog, client: SdxClient, sandbox: SandboxServer
) -> None:
    first, second = _interactions(client, sandbox, 2)
    dialog = make_dialog(interactions=[first, second])
    combo = dialog.interaction_combo
    assert combo is not None
    fill(dialog, "tier", "GOLD")
    combo.setCurrentIndex(0)
    assert "REF-0" in combo.currentText()
    assert dialog.interaction_id() == first.id
    assert dialog.save_button.isEnabled()

    click_save(qtbot, dialog)
    wait_closed(qtbot, dialog)
    assert sandbox.store.live_tags(first.id) == {"tier": "GOLD"}
    assert sandbox.store.live_tags(second.id) == {}


# --- editing ---------------------------------------------------------------------------


def test_edit_value_keeps_the_id(
    qtbot: QtBot,
    make_dialog: MakeDialog,
    client: SdxClient,
    sandbox: SandboxServer,
    interaction_id: int,
) -> None:
    tag = client.set_tag(interaction_id, "tier", "SILVER")
    dialog = make_dialog(tag=tag)
    assert dialog.key_edit.text() == "tier"
    assert dialog.value_edit.toPlainText() == "SILVER"
    signals = Recorder(dialog)
    fill(dialog, value="GOLD")
    click_save(qtbot, dialog)
    wait_closed(qtbot, dialog)

    assert dialog.result() == QDialog.DialogCode.Accepted
    assert sandbox.store.live_tags(interaction_id) == {"tier": "GOLD"}
    assert len(signals.saved) == 1
    assert signals.saved[0].tag.id == tag.id
    assert signals.saved[0].replaced_id is None


def test_edit_with_nothing_changed_closes_without_a_request(
    qtbot: QtBot,
    make_dialog: MakeDialog,
    client: SdxClient,
    sandbox: SandboxServer,
    interaction_id: int,
) -> None:
    tag = client.set_tag(interaction_id, "tier", "SILVER")
    dialog = make_dialog(tag=tag)
    signals = Recorder(dialog)
    before = sandbox.request_count
    click_save(qtbot, dialog)
    wait_closed(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert sandbox.request_count == before
    assert signals.saved == []
    assert sandbox.store.live_tags(interaction_id) == {"tier": "SILVER"}


def test_edit_conflict_overwrite_with_mine(
    qtbot: QtBot,
    make_dialog: MakeDialog,
    client: SdxClient,
    sandbox: SandboxServer,
    interaction_id: int,
) -> None:
    tag = client.set_tag(interaction_id, "tier", "SILVER")
    dialog = make_dialog(tag=tag)
    signals = Recorder(dialog)
    sandbox.store.set_tag_value_directly(tag.id, "BRONZE")  # someone else, meanwhile
    fill(dialog, value="GOLD")
    click_save(qtbot, dialog)

    said = answer(qtbot, "conflictDialog", "Overwrite with mine")
    assert "BRONZE" in said.text  # theirs
    assert "GOLD" in said.text  # yours
    assert said.text.index("Theirs") < said.text.index("BRONZE") < said.text.index("Yours")
    assert sorted(said.buttons) == ["Cancel", "Keep theirs", "Overwrite with mine"]
    assert said.default == "Cancel"

    wait_closed(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert sandbox.store.live_tags(interaction_id) == {"tier": "GOLD"}
    assert len(signals.saved) == 1
    assert signals.saved[0].tag.id == tag.id
    assert signals.saved[0].tag.custom_value == "GOLD"


def test_edit_conflict_keep_theirs(
    qtbot: QtBot,
    make_dialog: MakeDialog,
    client: SdxClient,
    sandbox: SandboxServer,
    interaction_id: int,
) -> None:
    tag = client.set_tag(interaction_id, "tier", "SILVER")
    dialog = make_dialog(tag=tag)
    signals = Recorder(dialog)
    sandbox.store.set_tag_value_directly(tag.id, "BRONZE")
    fill(dialog, value="GOLD")
    click_save(qtbot, dialog)

    answer(qtbot, "conflictDialog", "Keep theirs")
    wait_closed(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted
    outcome = dialog.outcome
    assert isinstance(outcome, Saved)
    assert outcome.tag.id == tag.id
    assert outcome.tag.custom_value == "BRONZE"
    assert outcome.tag == client.get_tag(tag.id)
    assert signals.saved == [outcome]
    assert sandbox.store.live_tags(interaction_id) == {"tier": "BRONZE"}


def test_edit_conflict_cancel_keeps_dialog_and_theirs(
    qtbot: QtBot,
    make_dialog: MakeDialog,
    client: SdxClient,
    sandbox: SandboxServer,
    interaction_id: int,
) -> None:
    tag = client.set_tag(interaction_id, "tier", "SILVER")
    dialog = make_dialog(tag=tag)
    signals = Recorder(dialog)
    sandbox.store.set_tag_value_directly(tag.id, "BRONZE")
    fill(dialog, value="GOLD")
    click_save(qtbot, dialog)

    answer(qtbot, "conflictDialog", "Cancel")
    wait_idle(qtbot, dialog)
    assert dialog.isVisible()
    assert dialog.value_edit.toPlainText() == "GOLD"
    assert sandbox.store.live_tags(interaction_id) == {"tier": "BRONZE"}
    assert signals.saved == []


def test_rename_creates_new_key_and_removes_old(
    qtbot: QtBot,
    make_dialog: MakeDialog,
    client: SdxClient,
    sandbox: SandboxServer,
    interaction_id: int,
) -> None:
    tag = client.set_tag(interaction_id, "tier", "SILVER")
    dialog = make_dialog(tag=tag)
    signals = Recorder(dialog)
    fill(dialog, key="level")
    click_save(qtbot, dialog)
    wait_closed(qtbot, dialog)

    assert dialog.result() == QDialog.DialogCode.Accepted
    assert sandbox.store.live_tags(interaction_id) == {"level": "SILVER"}
    assert len(signals.saved) == 1
    outcome = signals.saved[0]
    assert isinstance(outcome, Saved)
    assert outcome.replaced_id == tag.id
    assert outcome.tag.custom_key == "level"
    assert outcome.tag.id != tag.id


def test_rename_onto_an_existing_key_asks_first(
    qtbot: QtBot,
    make_dialog: MakeDialog,
    client: SdxClient,
    sandbox: SandboxServer,
    interaction_id: int,
) -> None:
    tag = client.set_tag(interaction_id, "tier", "SILVER")
    client.set_tag(interaction_id, "level", "3")
    dialog = make_dialog(tag=tag)
    fill(dialog, key="level")
    click_save(qtbot, dialog)

    wait_for_box(qtbot, "overwriteWarning")
    assert sandbox.store.live_tags(interaction_id) == {"tier": "SILVER", "level": "3"}
    answer(qtbot, "overwriteWarning", "Replace")
    wait_closed(qtbot, dialog)
    assert sandbox.store.live_tags(interaction_id) == {"level": "SILVER"}


@pytest.fixture
def fresh_interaction(fresh_sandbox: SandboxServer) -> int:
    store = fresh_sandbox.store
    return store.create_interaction(store.create_survey("Faults under test"))


@pytest.fixture
def fresh_api(fresh_sandbox: SandboxServer) -> Iterator[ClientProxy]:
    with make_client(fresh_sandbox) as c:
        yield ClientProxy(c)


def test_rename_half_done_tells_and_keeps_both(
    qtbot: QtBot,
    make_dialog: MakeDialog,
    fresh_api: ClientProxy,
    fresh_sandbox: SandboxServer,
    fresh_interaction: int,
) -> None:
    tag = fresh_api.set_tag(fresh_interaction, "tier", "SILVER")
    dialog = make_dialog(api=fresh_api, tag=tag)
    signals = Recorder(dialog)
    fresh_sandbox.set_faults(status_rates={503: 1.0}, methods=frozenset({"DELETE"}), retry_after=0)
    fill(dialog, key="level")
    click_save(qtbot, dialog)

    said = answer(qtbot, "renameHalfDone", "OK")
    assert "“level”" in said.text
    assert "“tier”" in said.text
    assert "Nothing was lost" in said.text

    wait_closed(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert fresh_sandbox.store.live_tags(fresh_interaction) == {
        "tier": "SILVER",
        "level": "SILVER",
    }
    assert len(signals.saved) == 1
    outcome = signals.saved[0]
    assert isinstance(outcome, RenameHalfDone)
    assert outcome.old == tag
    assert outcome.new.custom_key == "level"


def test_edit_of_a_tag_deleted_meanwhile_saves_as_new(
    qtbot: QtBot,
    make_dialog: MakeDialog,
    client: SdxClient,
    sandbox: SandboxServer,
    interaction_id: int,
) -> None:
    tag = client.set_tag(interaction_id, "tier", "SILVER")
    dialog = make_dialog(tag=tag)
    signals = Recorder(dialog)
    client.delete_tag(tag.id)  # someone else, meanwhile
    fill(dialog, value="GOLD")
    click_save(qtbot, dialog)

    said = answer(qtbot, "deletedMeanwhile", "Save as new tag")
    assert "deleted" in said.text
    wait_closed(qtbot, dialog)

    assert dialog.result() == QDialog.DialogCode.Accepted
    assert signals.vanished == [tag.id]
    assert sandbox.store.live_tags(interaction_id) == {"tier": "GOLD"}
    (new_id,) = sandbox.store.tag_ids(interaction_id=interaction_id)
    assert new_id != tag.id
    assert len(signals.saved) == 1
    assert signals.saved[0] == Saved(client.get_tag(new_id))


def test_conflict_on_a_rename_still_asks_before_replacing_the_target_key(
    qtbot: QtBot,
    make_dialog: MakeDialog,
    client: SdxClient,
    sandbox: SandboxServer,
    interaction_id: int,
) -> None:
    """ "Overwrite with mine" settles the conflict about *this* tag; it must not also
    replace a different tag that already has the new key without asking."""
    tag = client.set_tag(interaction_id, "tier", "SILVER")
    client.set_tag(interaction_id, "level", "3")
    dialog = make_dialog(tag=tag)
    sandbox.store.set_tag_value_directly(tag.id, "BRONZE")
    fill(dialog, key="level")
    click_save(qtbot, dialog)

    answer(qtbot, "conflictDialog", "Overwrite with mine")
    qtbot.waitUntil(
        lambda: find_box("overwriteWarning") is not None or not dialog.isVisible(),
        timeout=WAIT_MS,
    )
    assert find_box("overwriteWarning") is not None, (
        "the existing “level” tag was replaced without asking; store now "
        f"{sandbox.store.live_tags(interaction_id)}"
    )
    assert sandbox.store.live_tags(interaction_id) == {"tier": "BRONZE", "level": "3"}
    answer(qtbot, "overwriteWarning", "Cancel")
    wait_idle(qtbot, dialog)
    assert sandbox.store.live_tags(interaction_id) == {"tier": "BRONZE", "level": "3"}


def test_save_as_new_after_delete_still_asks_before_replacing_a_recreated_key(
    qtbot: QtBot,
    make_dialog: MakeDialog,
    client: SdxClient,
    sandbox: SandboxServer,
    interaction_id: int,
) -> None:
    """Someone deleted the tag and added the same key again: "Save as new tag" must not
    silently overwrite their new tag."""
    tag = client.set_tag(interaction_id, "tier", "SILVER")
    dialog = make_dialog(tag=tag)
    client.delete_tag(tag.id)
    client.set_tag(interaction_id, "tier", "PLATINUM")
    fill(dialog, value="GOLD")
    click_save(qtbot, dialog)

    answer(qtbot, "deletedMeanwhile", "Save as new tag")
    qtbot.waitUntil(
        lambda: find_box("overwriteWarning") is not None or not dialog.isVisible(),
        timeout=WAIT_MS,
    )
    assert find_box("overwriteWarning") is not None, (
        "the re-created “tier” tag was replaced without asking; store now "
        f"{sandbox.store.live_tags(interaction_id)}"
    )
    assert sandbox.store.live_tags(interaction_id) == {"tier": "PLATINUM"}
    answer(qtbot, "overwriteWarning", "Cancel")
    wait_idle(qtbot, dialog)
    assert sandbox.store.live_tags(interaction_id) == {"tier": "PLATINUM"}


def test_edit_of_a_tag_deleted_meanwhile_cancel(
    qtbot: QtBot,
    make_dialog: MakeDialog,
    client: SdxClient,
    sandbox: SandboxServer,
    interaction_id: int,
) -> None:
    tag = client.set_tag(interaction_id, "tier", "SILVER")
    dialog = make_dialog(tag=tag)
    signals = Recorder(dialog)
    client.delete_tag(tag.id)
    fill(dialog, value="GOLD")
    click_save(qtbot, dialog)

    answer(qtbot, "deletedMeanwhile", "Cancel")
    wait_idle(qtbot, dialog)
    assert dialog.isVisible()
    assert signals.vanished == [tag.id]
    assert signals.saved == []
    assert sandbox.store.live_tags(interaction_id) == {}


# --- failures --------------------------------------------------------------------------


def test_failed_save_keeps_input_and_offers_retry(
    qtbot: QtBot,
    make_dialog: MakeDialog,
    fresh_api: ClientProxy,
    fresh_sandbox: SandboxServer,
    fresh_interaction: int,
) -> None:
    dialog = make_dialog(api=fresh_api, interaction_id=fresh_interaction)
    signals = Recorder(dialog)
    fresh_sandbox.set_faults(status_rates={503: 1.0}, methods=frozenset({"POST"}), retry_after=0)
    fill(dialog, "tier", "GOLD")
    click_save(qtbot, dialog)

    qtbot.waitUntil(lambda: dialog.save_button.text() == "Retry", timeout=WAIT_MS)
    assert dialog.isVisible()
    assert dialog.message.isVisible()
    message = dialog.message.text()
    assert "Not saved" in message
    assert "try again" in message.lower()
    assert dialog.key_edit.text() == "tier"
    assert dialog.value_edit.toPlainText() == "GOLD"
    assert dialog.save_button.isEnabled()
    assert signals.saved == []
    assert fresh_sandbox.store.live_tags(fresh_interaction) == {}

    fresh_sandbox.clear_faults()
    click_save(qtbot, dialog)
    wait_closed(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert fresh_sandbox.store.live_tags(fresh_interaction) == {"tier": "GOLD"}
    assert len(signals.saved) == 1


def test_no_question_box_is_left_open(
    qtbot: QtBot, make_dialog: MakeDialog, interaction_id: int
) -> None:
    """A plain add asks nothing."""
    dialog = make_dialog(interaction_id=interaction_id)
    fill(dialog, "plain", "x")
    click_save(qtbot, dialog)
    wait_closed(qtbot, dialog)
    for name in ("overwriteWarning", "conflictDialog", "deletedMeanwhile", "renameHalfDone"):
        assert find_box(name) is None


# --- keys that differ only by case --------------------------------------------------------


def test_a_key_differing_only_by_case_is_warned_about(
    qtbot: QtBot,
    make_dialog: MakeDialog,
    client: SdxClient,
    sandbox: SandboxServer,
    interaction_id: int,
) -> None:
    client.set_tag(interaction_id, "Tier", "GOLD")
    dialog = make_dialog(interaction_id=interaction_id)
    fill(dialog, key="tier", value="SILVER")
    click_save(qtbot, dialog)
    said = answer(qtbot, "caseTwinWarning", "Cancel")
    assert "<b>Tier</b>" in said.text and "<b>tier</b>" in said.text
    wait_idle(qtbot, dialog)
    assert sandbox.store.live_tags(interaction_id) == {"Tier": "GOLD"}
    click_save(qtbot, dialog)
    answer(qtbot, "caseTwinWarning", "Add anyway")
    wait_closed(qtbot, dialog)
    assert sandbox.store.live_tags(interaction_id) == {"Tier": "GOLD", "tier": "SILVER"}

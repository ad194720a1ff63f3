"""Bulk actions, undo/redo, history and recovery, driven through the real main window
against the sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel
from PySide6.QtWidgets import QDialog, QLabel
from pytestqt.qtbot import QtBot

from sdx_desktop.journal import Action, Intent, Journal, Outcome, Where
from sdx_desktop.sandbox import SandboxServer
from sdx_desktop.ui.main_window import MainWindow

from ._boxes import answer
from ._windows import find_visible
from .conftest import WindowFactory, choose_interaction, choose_survey

WAIT_MS = 10_000


def visible_dialog(name: str) -> QDialog | None:
    return find_visible(name, QDialog)


def wait_dialog(qtbot: QtBot, name: str) -> QDialog:
    qtbot.waitUntil(lambda: visible_dialog(name) is not None, timeout=WAIT_MS)
    dialog = visible_dialog(name)
    assert dialog is not None
    return dialog


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    return Journal(tmp_path / "journal.sqlite3")


def _window(
    make_window: WindowFactory, server: SandboxServer, journal: Journal, qtbot: QtBot
) -> tuple[MainWindow, int, list[int]]:
    survey_id = server.store.create_survey("Campaign")
    ids = [server.store.create_interaction(survey_id) for _ in range(6)]
    window = make_window(server)
    window.changes.attach(journal, Where("acct", server.base_url))
    choose_survey(window, survey_id, qtbot)
    return window, survey_id, ids


def _select(window: MainWindow, interaction_ids: list[int], qtbot: QtBot) -> None:
    picker = window.interactions
    qtbot.waitUntil(
        lambda: all(picker.model.row_of(i) is not None for i in interaction_ids), timeout=WAIT_MS
    )
    selection = picker.view.selectionModel()
    selection.clearSelection()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for interaction_id in interaction_ids:
        row = picker.model.row_of(interaction_id)
        assert row is not None
        selection.select(picker.proxy.mapFromSource(picker.model.index(row, 0)), flags)


def _apply_preview(qtbot: QtBot) -> QDialog:
    preview = wait_dialog(qtbot, "previewDialog")
    qtbot.waitUntil(lambda: preview.preview_result is not None, timeout=WAIT_MS)  # type: ignore[attr-defined]
    preview.apply_button.click()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: preview.report is not None, timeout=WAIT_MS)  # type: ignore[attr-defined]
    return preview


def test_set_a_tag_on_selected_interactions_then_undo_and_redo(
    make_window: WindowFactory, fresh_sandbox: SandboxServer, journal: Journal, qtbot: QtBot
) -> None:
    server = fresh_sandbox
    window, _survey_id, ids = _window(make_window, server, journal, qtbot)
    before = window.runner  # same runner throughout
    _select(window, ids[:3], qtbot)
    assert window.changes.set_tag_on_many_action.isEnabled()
    window.changes.set_tag_on_many_action.trigger()

    ask = wait_dialog(qtbot, "setTagOnManyDialog")
    assert "3 selected interactions" in ask.scope_label.text()  # type: ignore[attr-defined]
    ask.key_combo.setCurrentText("campaign")  # type: ignore[attr-defined]
    ask.value_edit.setPlainText("SPRING")  # type: ignore[attr-defined]
    ask.ok_button.click()  # type: ignore[attr-defined]

    preview = _apply_preview(qtbot)
    assert preview.preview_result.counts["create"] == 3  # type: ignore[attr-defined]
    assert [server.store.live_tags(i) for i in ids] == [{"campaign": "SPRING"}] * 3 + [{}] * 3
    preview.close()
    qtbot.waitUntil(lambda: window.changes.undo_action.isEnabled(), timeout=WAIT_MS)
    assert window.changes.undo_link.isVisible()
    assert "Undo" in window.changes.undo_link.text()
    assert window.changes.undo_action.text() == "Undo set campaign=SPRING on 3 interactions"

    window.changes.undo_action.trigger()
    qtbot.waitUntil(lambda: window.changes.redo_action.isEnabled(), timeout=WAIT_MS)
    assert all(server.store.live_tags(i) == {} for i in ids)
    window.changes.redo_action.trigger()
    qtbot.waitUntil(lambda: window.changes.undo_action.isEnabled(), timeout=WAIT_MS)
    assert [server.store.live_tags(i) for i in ids[:3]] == [{"campaign": "SPRING"}] * 3
    assert window.runner is before
    # Every write of the three jobs is in the journal, newest first.
    entries = journal.history(Where("acct", server.base_url))
    assert len(entries) == 9 and all(e.outcome is Outcome.DONE for e in entries)


def test_undo_asks_when_someone_else_changed_the_tag_since(
    make_window: WindowFactory, fresh_sandbox: SandboxServer, journal: Journal, qtbot: QtBot
) -> None:
    server = fresh_sandbox
    window, _survey_id, ids = _window(make_window, server, journal, qtbot)
    _select(window, ids[:2], qtbot)
    window.changes.set_tag_on_many_action.trigger()
    ask = wait_dialog(qtbot, "setTagOnManyDialog")
    ask.key_combo.setCurrentText("tier")  # type: ignore[attr-defined]
    ask.value_edit.setPlainText("GOLD")  # type: ignore[attr-defined]
    ask.ok_button.click()  # type: ignore[attr-defined]
    _apply_preview(qtbot).close()
    # Someone else changes one of them afterwards.
    (theirs,) = server.store.tag_ids(interaction_id=ids[0])
    server.store.set_tag_value_directly(theirs, "THEIRS")

    window.changes.undo_action.trigger()
    preview = wait_dialog(qtbot, "previewDialog")
    qtbot.waitUntil(lambda: preview.preview_result is not None, timeout=WAIT_MS)  # type: ignore[attr-defined]
    assert preview.preview_result.counts["conflict"] == 1  # type: ignore[attr-defined]
    preview.apply_button.click()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: preview.report is not None, timeout=WAIT_MS)  # type: ignore[attr-defined]
    # Theirs was kept (not forced); ours was undone.
    assert server.store.live_tags(ids[0]) == {"tier": "THEIRS"}
    assert server.store.live_tags(ids[1]) == {}


def test_deleting_several_tags_lists_them_and_can_be_undone(
    make_window: WindowFactory, fresh_sandbox: SandboxServer, journal: Journal, qtbot: QtBot
) -> None:
    server = fresh_sandbox
    window, survey_id, ids = _window(make_window, server, journal, qtbot)
    for key in ("a", "b", "c"):
        server.store.upsert_tag(ids[0], key, f"value {key}")
    choose_interaction(window, ids[0], qtbot)
    qtbot.waitUntil(lambda: window.tags.loaded_count == 3, timeout=WAIT_MS)
    window.tag_view.selectAll()
    window.delete_action.trigger()
    said = answer(qtbot, "deleteConfirm", "Delete")
    for key in ("a", "b", "c"):
        assert f"<b>{key}</b> = “value {key}” on #{ids[0]}" in said.text
    qtbot.waitUntil(lambda: window.tags.loaded_count == 0, timeout=WAIT_MS)
    assert server.store.live_tags(ids[0]) == {}
    window.changes.undo_action.trigger()
    qtbot.waitUntil(lambda: len(server.store.live_tags(ids[0])) == 3, timeout=WAIT_MS)
    assert server.store.live_tags(ids[0]) == {"a": "value a", "b": "value b", "c": "value c"}
    assert survey_id


def test_history_window_opens_and_unconfirmed_changes_are_offered(
    make_window: WindowFactory, fresh_sandbox: SandboxServer, journal: Journal, qtbot: QtBot
) -> None:
    server = fresh_sandbox
    survey_id = server.store.create_survey("Crashed")
    interaction_id = server.store.create_interaction(survey_id)
    where = Where("acct", server.base_url)
    job = journal.start_job(where, survey_id=survey_id, kind="bulk set", summary="s")
    journal.record_intent(job, Intent(0, Action.SET, interaction_id, "k", new_value="v"))
    window = make_window(server)
    window.changes.attach(journal, where)
    window.changes.check_unconfirmed()
    recovery = wait_dialog(qtbot, "recoveryDialog")
    heading = recovery.findChild(QLabel, "recoveryHeading")
    assert heading is not None and "not confirmed" in heading.text()
    recovery.close()
    window.changes.history_action.trigger()
    history = window.changes.history_window
    assert history is not None
    qtbot.waitUntil(lambda: history.isVisible(), timeout=WAIT_MS)  # type: ignore[attr-defined]

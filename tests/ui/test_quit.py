"""``QApplication.quit()`` — what logging off or shutting down the computer does — at
any moment: ``main()`` returns 0, with no "Event loop stopped before Future completed"
and no task left pending; an add/edit dialog's unsaved text is offered at the next
start."""

from __future__ import annotations

import gc
import logging
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from sdx_desktop.api.auth import BasicCredentials
from sdx_desktop.credentials import CredentialStore
from sdx_desktop.sandbox import SandboxServer
from sdx_desktop.settings import Settings
from sdx_desktop.ui import drafts
from sdx_desktop.ui.tag_dialog import TagDialog

from ._boxes import answer, find_box
from .test_app import TOKEN, UUID, Step, drive, server, window

__all__ = ["server"]  # the sandbox fixture of test_app, with the test credentials

PROBLEMS = ("Task was destroyed", "Event loop stopped", "was never awaited", "Traceback")


@pytest.fixture
def log_problems(caplog: pytest.LogCaptureFixture) -> list[str]:
    caplog.set_level(logging.WARNING)
    return []


def problems_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    gc.collect()  # a task left pending is reported when it is collected
    return [r.getMessage() for r in caplog.records if any(p in r.getMessage() for p in PROBLEMS)]


def quit_app() -> None:
    QApplication.quit()


def test_quit_during_start_up(qapp: QApplication, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    # The window is up, the practice server still starting.
    assert drive(["--demo"], [(window, quit_app)]) == 0
    assert problems_logged(caplog) == []


def test_quit_in_demo_mode(qapp: QApplication, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    def surveys() -> bool:
        w = window()
        return w is not None and w.surveys.model.loaded_count > 0

    def pick_and_quit() -> None:
        w = window()
        assert w is not None
        w.surveys.select_survey(w.surveys.model.items[0].id)  # pages start loading
        QTimer.singleShot(0, quit_app)

    assert drive(["--demo"], [(surveys, pick_and_quit)]) == 0
    assert problems_logged(caplog) == []


def test_quit_during_load_all(
    qapp: QApplication, server: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    survey_id = server.store.create_survey("Big")
    server.store.bulk_create_tags(survey_id, 6000, per_interaction=50)
    state: dict[str, object] = {}

    def chosen() -> bool:
        w = window()
        return w is not None and w.surveys.select_survey(survey_id)

    def all_tags() -> None:
        w = window()
        assert w is not None
        w.interactions.select_all_interactions()

    def survey_wide() -> bool:
        w = window()
        return w is not None and w.tags.survey_wide and w.tags.loaded_count > 0

    def load_all() -> None:
        w = window()
        assert w is not None
        server.set_faults(latency_ms=1500)
        w.load_all_action.trigger()

    def loading_all() -> bool:
        w = window()
        return w is not None and w.tags.loading_all

    def quit_now() -> None:
        state["loaded"] = window().tags.loaded_count  # type: ignore[union-attr]
        quit_app()

    steps: list[Step] = [
        (lambda: window() is not None and window().surveys.model.loaded_count > 0, lambda: None),  # type: ignore[union-attr]
        (chosen, lambda: None),
        (lambda: window().interactions.model.loaded_count > 0, all_tags),  # type: ignore[union-attr]
        (survey_wide, load_all),
        (loading_all, quit_now),
    ]
    CredentialStore().remember(server.base_url, BasicCredentials(UUID, TOKEN))
    settings = Settings()
    settings.last_location = server.base_url
    settings.sync()
    assert drive([], steps, timeout=60) == 0
    server.clear_faults()
    assert int(state["loaded"]) < 6000  # type: ignore[call-overload]
    assert problems_logged(caplog) == []


def test_an_open_edit_is_kept_and_offered_at_the_next_start(
    qapp: QApplication, server: SandboxServer, caplog: pytest.LogCaptureFixture, qtbot: QtBot
) -> None:
    caplog.set_level(logging.DEBUG)
    survey_id = server.store.create_survey("Drafts")
    interaction_id = server.store.create_interaction(survey_id, external_ref="D-1")
    server.store.create_interaction(survey_id)

    def interaction_shown() -> bool:
        w = window()
        return (
            w is not None
            and w.surveys.select_survey(survey_id)
            and w.interactions.model.row_of(interaction_id) is not None
        )

    def type_and_quit() -> None:
        w = window()
        assert w is not None
        row = w.interactions.model.row_of(interaction_id)
        assert row is not None
        w.interactions.view.setCurrentIndex(w.interactions.proxy.index(row, 0))
        w.add_tag()
        dialog = w.tag_dialog
        dialog.key_edit.setText("follow_up")
        dialog.value_edit.setPlainText("Call back on Monday\nabout the refund")
        QTimer.singleShot(0, quit_app)

    steps: list[Step] = [(interaction_shown, type_and_quit)]
    steps.insert(
        0, (lambda: window() is not None and window().surveys.model.loaded_count > 0, lambda: None)
    )  # type: ignore[union-attr]
    CredentialStore().remember(server.base_url, BasicCredentials(UUID, TOKEN))
    settings = Settings()
    settings.last_location = server.base_url
    settings.sync()
    assert drive([], steps) == 0
    kept = drafts.load_draft(server.base_url)
    assert kept is not None
    assert (kept.interaction_id, kept.key, kept.value) == (
        interaction_id,
        "follow_up",
        "Call back on Monday\nabout the refund",
    )
    assert problems_logged(caplog) == []

    # Next start: offered, opened again with the text, saved.
    seen: dict[str, object] = {}

    def offered() -> bool:
        return find_box("draftOffer") is not None

    def open_it() -> None:
        said = answer(qtbot, "draftOffer", drafts.OPEN)
        seen["said"] = said.text

    def reopened() -> bool:
        w = window()
        dialog = getattr(w, "tag_dialog", None) if w is not None else None
        return isinstance(dialog, TagDialog) and dialog.isVisible()

    def save_it() -> None:
        dialog = window().tag_dialog  # type: ignore[union-attr]
        seen["key"], seen["value"] = dialog.key_edit.text(), dialog.value_edit.toPlainText()
        seen["interaction"] = dialog.interaction_id()
        dialog.accepted.connect(lambda: QTimer.singleShot(0, window().close))  # type: ignore[union-attr]
        dialog.save()

    assert drive([], [(offered, open_it), (reopened, save_it)], timeout=30) == 0
    assert "follow_up" in str(seen["said"]) and "#" + str(interaction_id) in str(seen["said"])
    assert (seen["key"], seen["interaction"]) == ("follow_up", interaction_id)
    assert seen["value"] == "Call back on Monday\nabout the refund"
    assert server.store.live_tags(interaction_id) == {
        "follow_up": "Call back on Monday\nabout the refund"
    }
    assert drafts.load_draft(server.base_url) is None  # offered once


def test_drafts_belong_to_their_address_and_survive_damage(tmp_path: Path) -> None:
    draft = drafts.Draft("https://a.example/api", 7, "k", "v")
    assert drafts.save_draft(draft, tmp_path)
    assert drafts.load_draft("https://b.example/api", tmp_path) is None
    assert drafts.load_draft("https://a.example/api", tmp_path) == draft
    (tmp_path / drafts.FILE_NAME).write_text("{not json", encoding="utf-8")
    assert drafts.load_draft("https://a.example/api", tmp_path) is None
    drafts.discard_draft(tmp_path)
    drafts.discard_draft(tmp_path)  # twice is fine
    assert not (tmp_path / drafts.FILE_NAME).exists()

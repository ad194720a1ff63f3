"""Fixtures for driving the real main window against the sandbox."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from pytestqt.qtbot import QtBot

from sdx_desktop.sandbox import SandboxServer
from sdx_desktop.settings import Settings
from sdx_desktop.ui.main_window import MainWindow
from sdx_desktop.ui.session import ClientProxy
from sdx_desktop.ui.tasks import TaskRunner

from ..helpers import make_client
from ._windows import find_visible

__all__ = ["WindowFactory", "choose_interaction", "choose_survey", "find_visible"]

WindowFactory = Callable[..., MainWindow]


@pytest.fixture
def make_window(qtbot: QtBot, runner: TaskRunner) -> Iterator[WindowFactory]:
    made: list[MainWindow] = []

    def factory(
        server: SandboxServer, *, page_size: int | None = None, **kwargs: object
    ) -> MainWindow:
        settings = Settings()
        if page_size is not None:
            settings.page_size = page_size
        api = ClientProxy(make_client(server))
        window = MainWindow(runner, api, settings, **kwargs)  # type: ignore[arg-type]
        qtbot.addWidget(window)
        window.show()
        made.append(window)
        return window

    yield factory
    for window in made:
        window.api.set_client(None)


def choose_survey(window: MainWindow, survey_id: int, qtbot: QtBot) -> None:
    qtbot.waitUntil(
        lambda: (
            window.surveys.model.exhausted or window.surveys.model.row_of(survey_id) is not None
        ),
        timeout=10_000,
    )
    while window.surveys.model.row_of(survey_id) is None and window.surveys.model.canFetchMore():
        window.surveys.model.fetchMore()
        qtbot.waitUntil(lambda: not window.surveys.model.loading, timeout=10_000)
    assert window.surveys.select_survey(survey_id)
    qtbot.waitUntil(
        lambda: window.interactions.model.loaded_count > 0 or window.interactions.model.exhausted,
        timeout=10_000,
    )


def choose_interaction(window: MainWindow, interaction_id: int, qtbot: QtBot) -> None:
    picker = window.interactions
    qtbot.waitUntil(lambda: picker.model.row_of(interaction_id) is not None, timeout=10_000)
    row = picker.model.row_of(interaction_id)
    assert row is not None
    picker.view.setCurrentIndex(picker.proxy.mapFromSource(picker.model.index(row, 0)))
    qtbot.waitUntil(lambda: not window.tags.loading, timeout=10_000)

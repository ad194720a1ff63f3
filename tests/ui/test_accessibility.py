"""Every focusable widget of every window and dialog has a name a screen reader can say:
asked through Qt's accessibility interface (what a screen reader asks), non-empty and
free of markup and mnemonic ampersands."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QApplication,
    QComboBox,
    QMessageBox,
    QScrollBar,
    QWidget,
)
from pytestqt.qtbot import QtBot

from sdx_desktop.api.client import SdxClient
from sdx_desktop.credentials import CredentialStore
from sdx_desktop.domain.operations import Plan, SetTag
from sdx_desktop.journal import Action, Intent, Journal, Where
from sdx_desktop.sandbox import SandboxServer
from sdx_desktop.settings import Settings
from sdx_desktop.ui.bulk_dialogs import RemoveKeyDialog, ReplaceValuesDialog, SetTagDialog
from sdx_desktop.ui.error_dialog import show_error
from sdx_desktop.ui.help import AboutDialog, HelpDialog
from sdx_desktop.ui.history_window import HistoryWindow
from sdx_desktop.ui.login_dialog import LoginDialog
from sdx_desktop.ui.preview_dialog import PreviewDialog
from sdx_desktop.ui.recovery import RecoveryDialog, pending_changes
from sdx_desktop.ui.session import ClientProxy
from sdx_desktop.ui.tag_dialog import TagDialog
from sdx_desktop.ui.tasks import TaskRunner

from .conftest import WindowFactory, choose_interaction, choose_survey

MARKUP = re.compile(r"<[^>]+>|&[a-zA-Z]")


def spoken_name(widget: QWidget) -> str:
    interface = QAccessible.queryAccessibleInterface(widget)
    assert interface is not None, widget
    if isinstance(widget, QComboBox) and sys.platform.startswith("linux"):
        # Qt's Linux bridge reports a combo box's current value as its name by design
        # (the label comes through the "labelled by" relation); Windows and macOS read
        # the accessible name, as checked here.
        return widget.accessibleName()
    return interface.text(QAccessible.Text.Name)


def focusable(root: QWidget) -> Iterator[QWidget]:
    """The widgets of ``root`` that take the keyboard focus (hidden ones too: a page of
    a stack, a field shown only for one choice)."""
    for widget in [root, *root.findChildren(QWidget)]:
        if widget.focusPolicy() == Qt.FocusPolicy.NoFocus or widget.focusProxy() is not None:
            continue
        if isinstance(widget, QScrollBar):
            continue  # Qt's own, named by Qt
        parent = widget.parentWidget()
        if isinstance(parent, QAbstractScrollArea) and widget is parent.viewport():
            continue  # the view itself is the focus target
        if widget.isWindow() and widget is not root:
            continue  # another window: checked on its own
        yield widget


def problems(root: QWidget) -> list[str]:
    found = []
    for widget in focusable(root):
        name = spoken_name(widget)
        what = f"{type(widget).__name__} {widget.objectName()!r} in {root.objectName()!r}"
        if not name.strip():
            found.append(f"{what}: no name")
        elif MARKUP.search(name):
            found.append(f"{what}: markup in {name!r}")
    return found


def check(*roots: QWidget) -> None:
    found = [p for root in roots for p in problems(root)]
    assert found == []


def test_the_main_window_and_its_dialogs(
    make_window: WindowFactory, sandbox: SandboxServer, qtbot: QtBot, client: SdxClient
) -> None:
    survey_id = sandbox.store.survey_ids()[0]
    window = make_window(sandbox, demo=True)
    choose_survey(window, survey_id, qtbot)
    interaction = window.interactions.model.items[0]
    choose_interaction(window, interaction.id, qtbot)
    check(window)
    names = {w.objectName(): spoken_name(w) for w in focusable(window)}
    assert names["surveySearch"] == "Search surveys"
    assert names["surveyPicker"] == "Surveys"
    assert names["interactionSearch"] == "Search interactions"
    assert names["interactionSearchField"] == "Search in"
    assert names["surveyTypeFilter"] == "Interaction type"
    assert names["interactionPicker"] == "Interactions"
    assert names["tagFilter"] == "Filter tags"
    assert names["tagTable"] == "Tags"

    window.interactions.select_all_interactions()
    qtbot.waitUntil(lambda: window.tags.survey_wide, timeout=10_000)
    add = TagDialog(
        window.runner,
        window.api,
        interactions=window.interactions.loaded_interactions(),
        survey_id=survey_id,
        parent=window,
    )
    tag = client.set_tag(interaction.id, "a11y", "x")
    edit = TagDialog(window.runner, window.api, tag=tag, parent=window)
    help_dialog = window.show_help()
    about = window.show_about()
    set_tag = SetTagDialog(selected_count=3, known_keys=["tier"], parent=window)
    remove = RemoveKeyDialog(["tier"], survey_name="Survey", parent=window)
    replace = ReplaceValuesDialog(["tier"], known_values={"tier": ["a"]}, parent=window)
    for dialog in (add, edit, set_tag, remove, replace):
        qtbot.addWidget(dialog)
    assert isinstance(help_dialog, HelpDialog) and isinstance(about, AboutDialog)
    check(add, edit, help_dialog, about, set_tag, remove, replace)
    assert spoken_name(add.interaction_combo) == "Interaction"  # type: ignore[arg-type]


def test_sign_in_dialog(qtbot: QtBot, runner: TaskRunner) -> None:
    dialog = LoginDialog(runner, CredentialStore(), Settings())
    qtbot.addWidget(dialog)
    dialog.show()
    check(dialog)
    names = {w.objectName(): spoken_name(w) for w in focusable(dialog)}
    assert names["regionCombo"] == "Region"  # not its current value
    assert names["customerUuidEdit"] == "Customer UUID"
    assert names["authTokenEdit"] == "Auth token"
    assert names["patEdit"] == "Personal access token"
    assert names["rememberCheck"] == "Remember on this computer"


def test_history_recovery_preview_and_message_boxes(
    qtbot: QtBot, runner: TaskRunner, sandbox: SandboxServer, client: SdxClient, tmp_path: Path
) -> None:
    where = Where("a11y", sandbox.base_url)
    with Journal(tmp_path / "journal.sqlite3") as journal:
        survey = sandbox.store.create_survey("Accessibility")
        interaction = sandbox.store.create_interaction(survey)
        job = journal.start_job(where, survey_id=survey, kind="bulk set", summary="Set x")
        journal.record_intent(job, Intent(0, Action.SET, interaction, "x", new_value="1"))
        history = HistoryWindow(runner, journal, where)
        recovery = RecoveryDialog(runner, client, journal, where, pending_changes(journal, where))
        plan = Plan((SetTag(interaction, "x", "1"),), "bulk set", "Set x=1", survey)
        preview = PreviewDialog(runner, ClientProxy(client), plan)
        error = show_error(None, RuntimeError("boom"))
        for widget in (history, recovery, preview, error):
            qtbot.addWidget(widget)
        assert isinstance(error, QMessageBox)
        check(history, recovery, preview, error)
        error.close()


def test_the_check_sees_what_a_screen_reader_would_miss(qtbot: QtBot) -> None:
    """The check itself can fail: a bare line edit and a label-named list are caught."""
    from PySide6.QtWidgets import QLabel, QLineEdit, QListView, QVBoxLayout

    root = QWidget(objectName="probe")
    qtbot.addWidget(root)
    layout = QVBoxLayout(root)
    bare = QLineEdit(objectName="bare")
    listed = QListView(objectName="listed")
    title = QLabel("<b>Surveys</b>")
    title.setBuddy(listed)
    layout.addWidget(bare)
    layout.addWidget(title)
    layout.addWidget(listed)
    assert problems(root) == [
        "QLineEdit 'bare' in 'probe': no name",
        "QListView 'listed' in 'probe': markup in '<b>Surveys</b>'",
    ]


@pytest.fixture(autouse=True)
def _no_stray_windows(qapp: QApplication) -> Iterator[None]:
    yield
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QMessageBox) and widget.isVisible():
            widget.close()

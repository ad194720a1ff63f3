"""The self-test's scripted session: the embedded sandbox, then the app's real start-up
path (the ``main`` it is handed) while a script plays the part of the user — sign in,
open a survey and an interaction, save one tag through the edit dialog and delete it
through the delete flow."""

from __future__ import annotations

import asyncio
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

from .checks import SelfTestError, check_icons, check_text
from .process import quiet_offscreen_warning

TEST_KEY = "SDX_SELF_TEST"
TEST_VALUE = "checked by sdx-desktop --self-test"


def run_session(
    main: Callable[[list[str]], int], timeout: float
) -> tuple[str, list[str], list[str]]:
    """Start the sandbox, then run ``main([])`` while a script plays the part of the
    user. Returns the Qt platform, what was checked, and what the session did, for the
    summary line."""
    import keyring
    from keyring.backends import null
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from sdx_desktop.sandbox import SandboxServer

    # Nothing this session does may reach the user's password store.
    previous_keyring = keyring.get_keyring() if _keyring_initialised() else None
    keyring.set_keyring(null.Keyring())  # type: ignore[no-untyped-call]
    app: Any = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "sdx-desktop"])
    checked = [check_text(), check_icons()]
    server = SandboxServer.start(sample="small")
    outcome: dict[str, Any] = {}
    deadline = time.monotonic() + max(timeout, 5.0)

    def begin() -> None:
        # Runs inside main()'s event loop: play the session as a coroutine on it.
        loop = asyncio.get_event_loop()
        outcome["task"] = loop.create_task(_play(server, deadline, outcome))
        # If the app does not come down after the script ended (e.g. a window would not
        # close), stop the loop so main() returns and the failure is reported.
        outcome["task"].add_done_callback(lambda _t: loop.call_later(5.0, loop.stop))

    QTimer.singleShot(0, begin)
    try:
        with quiet_offscreen_warning():
            code = main([])
    except RuntimeError as error:
        if "error" not in outcome:
            outcome["error"] = f"the app did not shut down ({error})"
        code = 1
    finally:
        server.stop()
        if previous_keyring is not None:
            keyring.set_keyring(previous_keyring)
    if "error" in outcome:
        raise SelfTestError(outcome["error"])
    if "done" not in outcome:
        raise SelfTestError("the app closed before the self-test finished")
    if code != 0:
        raise SelfTestError(f"the app exited with code {code}")
    return app.platformName(), checked, outcome["facts"]


async def _play(server: Any, deadline: float, outcome: dict[str, Any]) -> None:
    try:
        outcome["facts"] = await _session(server, deadline)
        outcome["done"] = True
    except SelfTestError as error:
        outcome["error"] = str(error)
    except Exception as error:
        outcome["error"] = f"{type(error).__name__}: {error}\n{traceback.format_exc()}"
    if "error" in outcome:
        close_all_windows()


async def _session(server: Any, deadline: float) -> list[str]:
    from PySide6.QtWidgets import QComboBox, QLineEdit, QPushButton

    from sdx_desktop.domain.edits import Saved
    from sdx_desktop.sandbox import DEMO_AUTH_TOKEN, DEMO_CUSTOMER_UUID
    from sdx_desktop.ui.main_window import MainWindow

    async def until(condition: Callable[[], Any], what: str) -> Any:
        while True:
            _fail_on_error_dialog()
            value = condition()
            if value:
                return value
            if time.monotonic() > deadline:
                raise SelfTestError(f"timed out: {what}")
            await asyncio.sleep(0.02)

    # Sign in through the sign-in dialog (nothing is remembered: fresh home, no keyring).
    login = await until(lambda: _visible("loginDialog"), "the sign-in window did not open")
    region = login.findChild(QComboBox, "regionCombo")
    region.setCurrentIndex(region.findData("custom"))
    login.findChild(QLineEdit, "customUrlEdit").setText(server.base_url)
    login.findChild(QLineEdit, "customerUuidEdit").setText(DEMO_CUSTOMER_UUID)
    login.findChild(QLineEdit, "authTokenEdit").setText(DEMO_AUTH_TOKEN)
    login.findChild(QPushButton, "signInButton").click()
    window = await until(
        lambda: _visible("mainWindow", MainWindow), "signing in did not open the main window"
    )

    # A survey, then an interaction that has tags, then its tags.
    surveys = window.surveys.model
    await until(lambda: surveys.exhausted, "the survey list did not load")
    if not surveys.loaded_count:
        raise SelfTestError("the survey list is empty")
    picker = window.interactions
    survey_id = server.store.survey_ids()[0]
    if not window.surveys.select_survey(survey_id):
        raise SelfTestError(f"survey {survey_id} is not in the survey list")
    await until(lambda: picker.model.loaded_count, "the survey's interactions were not loaded")
    # The first loaded interaction with a few tags (any with tags will do).
    with_tags = [i for i in picker.model.items if server.store.live_tags(i.id)]
    if not with_tags:
        raise SelfTestError("no loaded interaction has tags")
    interaction = next(
        (i for i in with_tags if len(server.store.live_tags(i.id)) >= 3), with_tags[0]
    )
    row = picker.model.row_of(interaction.id)
    picker.view.setCurrentIndex(picker.proxy.mapFromSource(picker.model.index(row, 0)))
    tags = window.tags
    await until(
        lambda: tags.interaction_id == interaction.id and tags.exhausted,
        "the interaction's tags were not loaded",
    )
    expected = server.store.live_tags(interaction.id)
    if tags.loaded_count != len(expected):
        raise SelfTestError(f"{tags.loaded_count} tags shown, the server has {len(expected)}")
    if TEST_KEY in expected:
        raise SelfTestError(f"interaction {interaction.id} already has a {TEST_KEY} tag")

    # Save one tag through the edit dialog, as "Add tag" does.
    window.add_tag()
    dialog = await until(lambda: _visible("tagDialog"), "the Add tag dialog did not open")
    saved: list[object] = []
    dialog.saved.connect(saved.append)
    dialog.key_edit.setText(TEST_KEY)
    dialog.value_edit.setPlainText(TEST_VALUE)
    if not dialog.save_button.isEnabled():
        raise SelfTestError("the Add tag dialog does not accept a valid key")
    dialog.save_button.click()
    await until(lambda: saved, "saving the tag did not finish")
    result = saved[0]
    if not isinstance(result, Saved):
        raise SelfTestError(f"saving the tag ended with {type(result).__name__}, not Saved")
    tag = result.tag
    await until(
        lambda: tags.row_of(tag.id) is not None, "the saved tag did not appear in the table"
    )
    if server.store.live_tags(interaction.id).get(TEST_KEY) != TEST_VALUE:
        raise SelfTestError("the saved tag is not on the server")

    # Delete it through the delete flow, answering its question.
    index = window.tag_proxy.mapFromSource(tags.index(tags.row_of(tag.id), 0))
    window.tag_view.clearSelection()
    window.tag_view.selectRow(index.row())
    if [t.id for t in window.selected_tags()] != [tag.id]:
        raise SelfTestError("could not select the saved tag")
    window.delete_selected()
    confirm = await until(lambda: _visible("deleteConfirm"), "Delete did not ask for confirmation")
    _click(confirm, "Delete")
    await until(lambda: tags.row_of(tag.id) is None, "the deleted tag stayed in the table")
    if TEST_KEY in server.store.live_tags(interaction.id):
        raise SelfTestError("the deleted tag is still on the server")
    if tags.loaded_count != len(expected):
        raise SelfTestError("the table does not show the interaction's tags after the delete")

    window.close()  # ends main(): not signed out, so the app exits 0
    return [
        "signed in",
        f"{surveys.loaded_count} surveys",
        f"{len(expected)} tag{'' if len(expected) == 1 else 's'} loaded",
        "tag saved and deleted",
    ]


# --- widgets --------------------------------------------------------------------------


def close_all_windows() -> None:
    """Reject every open dialog, then close every window, so the app's main() returns."""
    from PySide6.QtWidgets import QApplication, QDialog

    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QDialog) and widget.isVisible():
            widget.reject()
    for widget in QApplication.topLevelWidgets():
        if widget.isVisible():
            widget.close()


def _visible(object_name: str, kind: type | None = None) -> Any:
    from PySide6.QtWidgets import QApplication

    for widget in QApplication.topLevelWidgets():
        if (
            widget.objectName() == object_name
            and widget.isVisible()
            and (kind is None or isinstance(widget, kind))
        ):
            return widget
    return None


def _click(box: Any, label: str) -> None:
    for button in box.buttons():
        if button.text() == label:
            button.click()
            return
    raise SelfTestError(f"no {label!r} button in {box.objectName()}")


def _fail_on_error_dialog() -> None:
    box = _visible("errorDialog")
    if box is not None:
        details = (box.detailedText() or "").strip().splitlines()
        raise SelfTestError(f"the app showed an error: {box.text()} {details[-1:] or ''}")


def _keyring_initialised() -> bool:
    import keyring.core

    return getattr(keyring.core, "_keyring_backend", None) is not None

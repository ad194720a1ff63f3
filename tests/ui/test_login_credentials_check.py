"""The sign-in dialog refuses details HTTP cannot send (a pasted line break, a control
character, a character outside Latin-1) with a plain message naming the field, keeps
what was typed, sends nothing, and signs in once the field is corrected."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QLineEdit, QPushButton
from pytestqt.qtbot import QtBot

from sdx_desktop.api.auth import BasicCredentials, Credentials, TokenCredentials
from sdx_desktop.api.client import SdxClient
from sdx_desktop.api.errors import secret_forms
from sdx_desktop.api.http import Timeouts
from sdx_desktop.credentials import CredentialStore
from sdx_desktop.sandbox import SandboxServer
from sdx_desktop.settings import Settings
from sdx_desktop.ui.login_dialog import LoginDialog
from sdx_desktop.ui.tasks import TaskRunner

from ..helpers import FAST_RETRY

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
WAIT_MS = 10_000


class CountingFactory:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, credentials: Credentials, location: str) -> SdxClient:
        self.calls += 1
        return SdxClient(
            credentials, base_url=location, retry=FAST_RETRY, timeouts=Timeouts(2.0, 5.0)
        )


@pytest.fixture
def factory() -> CountingFactory:
    return CountingFactory()


@pytest.fixture
def dialog(qtbot: QtBot, runner: TaskRunner, factory: CountingFactory) -> Iterator[LoginDialog]:
    made = LoginDialog(runner, CredentialStore(), Settings(), client_factory=factory)
    qtbot.addWidget(made)
    made.show()
    qtbot.waitExposed(made)
    yield made
    if made.client is not None:
        made.client.close()


def _edit(dialog: LoginDialog, name: str) -> QLineEdit:
    found = dialog.findChild(QLineEdit, name)
    assert found is not None, name
    return found


def _label(dialog: LoginDialog, name: str) -> QLabel:
    found = dialog.findChild(QLabel, name)
    assert found is not None, name
    return found


def _choose(dialog: LoginDialog, combo: str, data: str) -> None:
    box = dialog.findChild(QComboBox, combo)
    assert box is not None
    box.setCurrentIndex(box.findData(data))


def _paste(qtbot: QtBot, edit: QLineEdit, text: str) -> None:
    """Type into ``edit`` the way staff do with a copied token: clear, then paste."""
    edit.setFocus()
    edit.clear()
    QApplication.clipboard().setText(text)
    edit.paste()


def _click(qtbot: QtBot, dialog: LoginDialog, name: str) -> None:
    button = dialog.findChild(QPushButton, name)
    assert button is not None
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _basic(qtbot: QtBot, dialog: LoginDialog, server: SandboxServer, uuid: str, token: str) -> None:
    _choose(dialog, "regionCombo", "custom")
    _edit(dialog, "customUrlEdit").setText(server.base_url)
    _choose(dialog, "authMethodCombo", "basic")
    _paste(qtbot, _edit(dialog, "customerUuidEdit"), uuid)
    _paste(qtbot, _edit(dialog, "authTokenEdit"), token)


def _assert_not_shown(dialog: LoginDialog, secret: str, caplog: pytest.LogCaptureFixture) -> None:
    texts = [label.text() for label in dialog.findChildren(QLabel)]
    texts += [r.getMessage() for r in caplog.records]
    for form in secret_forms([secret]):
        if len(form) >= 4:
            assert not any(form in text for text in texts), form


@pytest.mark.parametrize(
    ("field", "bad", "said"),
    [
        ("authTokenEdit", "tok-line\nbreak-0042", "The auth token contains a line break"),
        ("authTokenEdit", "tok-crlf-0042\r\nmore", "The auth token contains a line break"),
        ("authTokenEdit", "tok-tab\tstop-0042", "The auth token contains a tab character"),
        ("authTokenEdit", "tok-nul\x00-0042", "The auth token contains an invisible control"),
        ("authTokenEdit", "tok-euro-€-0042", "The auth token contains a character that cannot"),
        ("customerUuidEdit", "uuid-with\nbreak", "The customer UUID contains a line break"),
        ("customerUuidEdit", "uuid-ж-cyrillic", "The customer UUID contains a character that"),
    ],
)
def test_unsendable_basic_details_are_refused_plainly_and_kept(
    qtbot: QtBot,
    dialog: LoginDialog,
    factory: CountingFactory,
    sandbox: SandboxServer,
    caplog: pytest.LogCaptureFixture,
    field: str,
    bad: str,
    said: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    assert sandbox.basic is not None
    uuid, token = sandbox.basic
    typed = {"customerUuidEdit": uuid, "authTokenEdit": token, field: bad}
    _basic(qtbot, dialog, sandbox, typed["customerUuidEdit"], typed["authTokenEdit"])
    assert _edit(dialog, field).text() == bad  # the paste kept the odd character

    _click(qtbot, dialog, "signInButton")
    message = _label(dialog, "loginMessage").text()
    assert said in message, message
    assert "Copy them again" in message  # what to do about it
    error_label = "authTokenError" if field == "authTokenEdit" else "customerUuidError"
    assert said in _label(dialog, error_label).text()
    assert _label(dialog, error_label).isVisible()
    assert dialog.isVisible() and not dialog.busy and dialog.client is None
    assert factory.calls == 0  # nothing was sent
    assert _edit(dialog, field).text() == bad  # what was typed is kept
    assert _edit(dialog, field).hasFocus()
    _assert_not_shown(dialog, bad, caplog)

    # Corrected, the same dialog signs in.
    _paste(qtbot, _edit(dialog, field), uuid if field == "customerUuidEdit" else token)
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT_MS):
        _click(qtbot, dialog, "signInButton")
    assert dialog.credentials == BasicCredentials(uuid, token)


@pytest.mark.parametrize(
    ("bad", "said"),
    [
        ("pat-line\nbreak-0042", "The access token contains a line break"),
        ("pat-emoji-😀-0042", "The access token contains a character that cannot be sent"),
        ("pat-del\x7f-0042", "The access token contains an invisible control character"),
    ],
)
def test_unsendable_access_token_is_refused_plainly_and_kept(
    qtbot: QtBot,
    dialog: LoginDialog,
    factory: CountingFactory,
    sandbox: SandboxServer,
    caplog: pytest.LogCaptureFixture,
    bad: str,
    said: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    assert sandbox.bearer is not None
    _choose(dialog, "regionCombo", "custom")
    _edit(dialog, "customUrlEdit").setText(sandbox.base_url)
    _choose(dialog, "authMethodCombo", "token")
    _paste(qtbot, _edit(dialog, "patEdit"), bad)

    _click(qtbot, dialog, "testConnectionButton")
    message = _label(dialog, "loginMessage").text()
    assert said in message, message
    assert said in _label(dialog, "patError").text()
    assert factory.calls == 0 and dialog.isVisible() and not dialog.busy
    assert _edit(dialog, "patEdit").text() == bad
    _assert_not_shown(dialog, bad, caplog)

    _paste(qtbot, _edit(dialog, "patEdit"), sandbox.bearer)
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT_MS):
        _click(qtbot, dialog, "signInButton")
    assert dialog.credentials == TokenCredentials(sandbox.bearer)


def test_surrounding_whitespace_and_line_breaks_are_still_trimmed(
    qtbot: QtBot, dialog: LoginDialog, sandbox: SandboxServer
) -> None:
    """As before: a token copied with a trailing line break (or spaces around it) is
    trimmed, not refused; only characters inside a field are."""
    assert sandbox.basic is not None
    uuid, token = sandbox.basic
    _basic(qtbot, dialog, sandbox, f"  {uuid}\t", f"\n{token}\r\n")
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT_MS):
        _click(qtbot, dialog, "signInButton")
    assert dialog.credentials == BasicCredentials(uuid, token)

"""LoginDialog against the real sandbox over HTTP (no mock of our own client)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QLineEdit, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from sdx_desktop.api.auth import BasicCredentials, Credentials, TokenCredentials
from sdx_desktop.api.client import SdxClient
from sdx_desktop.api.http import Timeouts
from sdx_desktop.credentials import CredentialStore
from sdx_desktop.sandbox import SandboxServer
from sdx_desktop.settings import Settings
from sdx_desktop.ui.login_dialog import CONNECTED, LoginDialog
from sdx_desktop.ui.tasks import TaskRunner

from ..helpers import FAST_RETRY, MemoryKeyring

# The offscreen platform cannot pass a window's changed size limits to a window system;
# that is an artefact of headless testing, not a problem of the dialog.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

# Pictures go to docs/screenshots when asked for (SDX_SCREENSHOTS=1), else to a temp
# folder, so a test run leaves the working tree clean.
SCREENSHOTS = (
    Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    if os.environ.get("SDX_SCREENSHOTS")
    else Path(tempfile.gettempdir()) / "sdx-desktop-screenshots"
)
WAIT_MS = 10_000


def save_screenshot(widget: QWidget, name: str) -> Path:
    """Write ``docs/screenshots/<name>.png`` so the dialog can be looked at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    assert widget.grab().save(str(path))
    return path


@pytest.fixture
def settings() -> Settings:
    return Settings()


@pytest.fixture
def store() -> CredentialStore:
    return CredentialStore()


class RecordingFactory:
    """The app's client, with the tests' short retries and timeouts; counts its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, credentials: Credentials, location: str) -> SdxClient:
        self.calls += 1
        return SdxClient(
            credentials, base_url=location, retry=FAST_RETRY, timeouts=Timeouts(2.0, 5.0)
        )


@pytest.fixture
def factory() -> RecordingFactory:
    return RecordingFactory()


@pytest.fixture
def make_dialog(
    qtbot: QtBot,
    runner: TaskRunner,
    store: CredentialStore,
    settings: Settings,
    factory: RecordingFactory,
) -> Iterator[Callable[..., LoginDialog]]:
    made: list[LoginDialog] = []

    def make(**kwargs: object) -> LoginDialog:
        kwargs.setdefault("client_factory", factory)
        dialog = LoginDialog(runner, store, settings, **kwargs)  # type: ignore[arg-type]
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        made.append(dialog)
        return dialog

    yield make
    for dialog in made:
        if dialog.client is not None:
            dialog.client.close()


# --- helpers --------------------------------------------------------------------------------


def w(dialog: LoginDialog, cls: type, name: str):  # type: ignore[no-untyped-def]
    found = dialog.findChild(cls, name)
    assert found is not None, name
    return found


def message(dialog: LoginDialog) -> str:
    return w(dialog, QLabel, "loginMessage").text()


def choose(combo: QComboBox, data: str) -> None:
    index = combo.findData(data)
    assert index >= 0, data
    combo.setCurrentIndex(index)


def fill(
    qtbot: QtBot,
    dialog: LoginDialog,
    url: str,
    *,
    basic: tuple[str, str] | None = None,
    token: str | None = None,
) -> None:
    choose(w(dialog, QComboBox, "regionCombo"), "custom")
    w(dialog, QLineEdit, "customUrlEdit").setText(url)
    method = w(dialog, QComboBox, "authMethodCombo")
    if basic is not None:
        choose(method, "basic")
        uuid_edit = w(dialog, QLineEdit, "customerUuidEdit")
        uuid_edit.clear()
        qtbot.keyClicks(uuid_edit, basic[0])
        token_edit = w(dialog, QLineEdit, "authTokenEdit")
        token_edit.clear()
        qtbot.keyClicks(token_edit, basic[1])
    else:
        assert token is not None
        choose(method, "token")
        pat = w(dialog, QLineEdit, "patEdit")
        pat.clear()
        qtbot.keyClicks(pat, token)


def click(qtbot: QtBot, dialog: LoginDialog, name: str) -> None:
    qtbot.mouseClick(w(dialog, QPushButton, name), Qt.MouseButton.LeftButton)


def sign_in(qtbot: QtBot, dialog: LoginDialog) -> None:
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT_MS):
        click(qtbot, dialog, "signInButton")


def wait_idle(qtbot: QtBot, dialog: LoginDialog) -> None:
    qtbot.waitUntil(lambda: not dialog.busy, timeout=WAIT_MS)


def attempt(qtbot: QtBot, dialog: LoginDialog, button: str = "signInButton") -> str:
    click(qtbot, dialog, button)
    wait_idle(qtbot, dialog)
    return message(dialog)


# --- signing in -----------------------------------------------------------------------------


def test_sign_in_with_uuid_and_token(
    qtbot: QtBot,
    make_dialog: Callable[..., LoginDialog],
    sandbox: SandboxServer,
    settings: Settings,
) -> None:
    assert sandbox.basic is not None
    dialog = make_dialog()
    fill(qtbot, dialog, sandbox.base_url, basic=sandbox.basic)
    sign_in(qtbot, dialog)
    assert dialog.result() == LoginDialog.DialogCode.Accepted
    assert isinstance(dialog.client, SdxClient)
    assert dialog.client.base_url == sandbox.base_url
    assert dialog.client.list_surveys(limit=1)  # the connected client works
    assert dialog.credentials == BasicCredentials(*sandbox.basic)
    assert dialog.location == sandbox.base_url
    assert settings.last_location == sandbox.base_url
    assert settings.last_auth_method == "basic"
    wait_idle(qtbot, dialog)
    assert dialog._task is not None and not dialog._task.cancelled()  # finished, not cut off


def test_sign_in_with_personal_access_token(
    qtbot: QtBot,
    make_dialog: Callable[..., LoginDialog],
    sandbox: SandboxServer,
    settings: Settings,
) -> None:
    assert sandbox.bearer is not None
    dialog = make_dialog()
    fill(qtbot, dialog, sandbox.base_url + "/", token=sandbox.bearer)
    sign_in(qtbot, dialog)
    assert isinstance(dialog.credentials, TokenCredentials)
    assert dialog.credentials.token == sandbox.bearer
    assert dialog.location == sandbox.base_url  # tidied
    assert settings.last_auth_method == "token"


def test_default_client_factory_reaches_the_sandbox(
    qtbot: QtBot,
    runner: TaskRunner,
    store: CredentialStore,
    settings: Settings,
    sandbox: SandboxServer,
) -> None:
    assert sandbox.bearer is not None
    dialog = LoginDialog(runner, store, settings)
    qtbot.addWidget(dialog)
    dialog.show()
    fill(qtbot, dialog, sandbox.base_url, token=sandbox.bearer)
    sign_in(qtbot, dialog)
    assert dialog.client is not None
    dialog.client.close()


def test_wrong_details_keep_the_dialog_open_and_can_be_corrected(
    qtbot: QtBot, make_dialog: Callable[..., LoginDialog], sandbox: SandboxServer
) -> None:
    assert sandbox.basic is not None
    uuid, good_token = sandbox.basic
    dialog = make_dialog()
    fill(qtbot, dialog, sandbox.base_url, basic=(uuid, "wrong-token-9999"))
    text = attempt(qtbot, dialog)
    assert "did not accept the sign-in details" in text
    assert "wrong-token-9999" not in text
    assert uuid not in text
    assert dialog.isVisible()
    assert dialog.result() != LoginDialog.DialogCode.Accepted
    assert w(dialog, QLineEdit, "customerUuidEdit").text() == uuid
    assert w(dialog, QLineEdit, "authTokenEdit").text() == "wrong-token-9999"
    assert w(dialog, QLineEdit, "customUrlEdit").text() == sandbox.base_url
    assert w(dialog, QPushButton, "signInButton").isEnabled()
    assert dialog.client is None

    # The token is selected, ready to be typed again; Enter then signs in.
    token_edit = w(dialog, QLineEdit, "authTokenEdit")
    assert dialog.focusWidget() is token_edit
    assert token_edit.selectedText() == "wrong-token-9999"
    qtbot.keyClicks(token_edit, good_token)
    assert message(dialog) == ""  # the old outcome no longer applies
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT_MS):
        qtbot.keyClick(token_edit, Qt.Key.Key_Return)
    assert dialog.client is not None


def test_unreachable_server(qtbot: QtBot, make_dialog: Callable[..., LoginDialog]) -> None:
    dialog = make_dialog()
    fill(qtbot, dialog, "http://127.0.0.1:9/api", token="some-token")
    assert "Could not reach Survey Dynamix" in attempt(qtbot, dialog)
    assert "internet connection" in message(dialog)
    assert dialog.isVisible()
    # Nobody answered at the typed address: the focus goes there (most likely wrong),
    # with the address selected to type again; Enter tries again.
    url = w(dialog, QLineEdit, "customUrlEdit")
    assert dialog.focusWidget() is url
    assert url.selectedText() == "http://127.0.0.1:9/api"
    qtbot.keyClick(url, Qt.Key.Key_Return)
    assert dialog.busy
    wait_idle(qtbot, dialog)
    assert dialog.isVisible()


def test_plain_http_elsewhere_is_refused_before_any_network(
    qtbot: QtBot, make_dialog: Callable[..., LoginDialog], factory: RecordingFactory
) -> None:
    dialog = make_dialog()
    fill(qtbot, dialog, "http://sdx.example.org/api", token="some-token")
    click(qtbot, dialog, "signInButton")
    assert not dialog.busy  # refused at once, nothing started
    assert "must start with https://" in message(dialog)
    fill(qtbot, dialog, "surveydynamix.com/api", token="some-token")
    assert "https://" in attempt(qtbot, dialog, "testConnectionButton")
    assert factory.calls == 0
    assert dialog.isVisible()


def test_empty_fields_are_marked_and_nothing_is_sent(
    qtbot: QtBot, make_dialog: Callable[..., LoginDialog], factory: RecordingFactory
) -> None:
    dialog = make_dialog()
    choose(w(dialog, QComboBox, "regionCombo"), "custom")
    click(qtbot, dialog, "signInButton")
    for name, text in [
        ("customUrlError", "Enter the server address."),
        ("customerUuidError", "Enter your customer UUID."),
        ("authTokenError", "Enter your auth token."),
    ]:
        label = w(dialog, QLabel, name)
        assert label.isVisible()
        assert label.text() == text
    assert dialog.focusWidget() is w(dialog, QLineEdit, "customUrlEdit")
    choose(w(dialog, QComboBox, "authMethodCombo"), "token")
    click(qtbot, dialog, "testConnectionButton")
    assert w(dialog, QLabel, "patError").text() == "Paste your personal access token."
    assert factory.calls == 0
    assert not dialog.busy
    # Typing in a field clears its note.
    qtbot.keyClicks(w(dialog, QLineEdit, "patEdit"), "x")
    assert not w(dialog, QLabel, "patError").isVisible()


# --- test connection ------------------------------------------------------------------------


def test_test_connection_reports_success_and_stays_open(
    qtbot: QtBot, make_dialog: Callable[..., LoginDialog], fresh_sandbox: SandboxServer
) -> None:
    assert fresh_sandbox.bearer is not None
    dialog = make_dialog()
    fill(qtbot, dialog, fresh_sandbox.base_url, token=fresh_sandbox.bearer)
    fresh_sandbox.set_faults(latency_ms=300)
    click(qtbot, dialog, "testConnectionButton")
    # While it runs: buttons off, a busy text, and the UI keeps working.
    assert dialog.busy
    assert not w(dialog, QPushButton, "testConnectionButton").isEnabled()
    assert not w(dialog, QPushButton, "signInButton").isEnabled()
    assert message(dialog) == "Connecting to Survey Dynamix…"
    wait_idle(qtbot, dialog)
    assert message(dialog) == CONNECTED == "Connected. Your sign-in details work."
    assert w(dialog, QPushButton, "testConnectionButton").isEnabled()
    assert w(dialog, QPushButton, "signInButton").isEnabled()
    assert dialog.isVisible()
    assert dialog.client is None


@pytest.mark.parametrize(
    ("status", "words"),
    [(503, "down for maintenance"), (500, "Try again in a few minutes"), (429, "busy")],
)
def test_test_connection_when_the_server_is_busy(
    qtbot: QtBot,
    make_dialog: Callable[..., LoginDialog],
    fresh_sandbox: SandboxServer,
    status: int,
    words: str,
) -> None:
    assert fresh_sandbox.bearer is not None
    fresh_sandbox.set_faults(status_rates={status: 1.0}, retry_after=0)
    dialog = make_dialog()
    fill(qtbot, dialog, fresh_sandbox.base_url, token=fresh_sandbox.bearer)
    assert words in attempt(qtbot, dialog, "testConnectionButton")


def test_test_connection_with_wrong_token(
    qtbot: QtBot, make_dialog: Callable[..., LoginDialog], sandbox: SandboxServer
) -> None:
    dialog = make_dialog()
    fill(qtbot, dialog, sandbox.base_url, token="not-the-token")
    text = attempt(qtbot, dialog, "testConnectionButton")
    assert text.startswith("Survey Dynamix did not accept the sign-in details.")
    assert "not-the-token" not in text


def test_cancel_while_checking_closes_at_once(
    qtbot: QtBot, make_dialog: Callable[..., LoginDialog], fresh_sandbox: SandboxServer
) -> None:
    assert fresh_sandbox.bearer is not None
    fresh_sandbox.set_faults(latency_ms=1500)
    dialog = make_dialog()
    fill(qtbot, dialog, fresh_sandbox.base_url, token=fresh_sandbox.bearer)
    click(qtbot, dialog, "signInButton")
    assert dialog.busy
    with qtbot.waitSignal(dialog.rejected, timeout=WAIT_MS):
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=WAIT_MS)
    assert dialog.client is None


# --- remembering ----------------------------------------------------------------------------


def test_remember_stores_in_the_keyring(
    qtbot: QtBot,
    make_dialog: Callable[..., LoginDialog],
    sandbox: SandboxServer,
    memory_keyring: MemoryKeyring,
    store: CredentialStore,
    settings: Settings,
) -> None:
    assert sandbox.basic is not None
    dialog = make_dialog()
    remember = w(dialog, QCheckBox, "rememberCheck")
    assert remember.isEnabled()
    assert not w(dialog, QLabel, "rememberNote").isVisible()
    remember.setChecked(True)
    fill(qtbot, dialog, sandbox.base_url, basic=sandbox.basic)
    sign_in(qtbot, dialog)
    assert dialog.remembered is not None
    assert dialog.remembered.stored
    assert dialog.remembered.where == "MemoryKeyring"
    uuid = sandbox.basic[0]
    assert ("sdx-desktop", f"{sandbox.base_url}|{uuid}") in memory_keyring.passwords
    assert memory_keyring.passwords[("sdx-desktop", f"{sandbox.base_url}|last")] == uuid
    assert store.recall_last(sandbox.base_url) == BasicCredentials(*sandbox.basic)
    assert CredentialStore().recall_last(settings.last_location) == dialog.credentials


def test_unticked_remember_forgets_what_was_saved(
    qtbot: QtBot,
    make_dialog: Callable[..., LoginDialog],
    sandbox: SandboxServer,
    store: CredentialStore,
    memory_keyring: MemoryKeyring,
) -> None:
    assert sandbox.bearer is not None
    store.remember(sandbox.base_url, TokenCredentials(sandbox.bearer))
    dialog = make_dialog()
    w(dialog, QCheckBox, "rememberCheck").setChecked(False)
    fill(qtbot, dialog, sandbox.base_url, token=sandbox.bearer)
    sign_in(qtbot, dialog)
    assert dialog.remembered is None
    assert memory_keyring.passwords == {}


def test_without_a_password_store_sign_in_still_works(
    qtbot: QtBot, make_dialog: Callable[..., LoginDialog], sandbox: SandboxServer
) -> None:
    assert sandbox.bearer is not None
    keyring.set_keyring(fail.Keyring())
    dialog = make_dialog()
    remember = w(dialog, QCheckBox, "rememberCheck")
    note = w(dialog, QLabel, "rememberNote")
    assert note.isVisible()
    assert note.text() == "This computer has no password store: you will be asked again next time."
    assert not remember.isEnabled()
    assert not remember.isChecked()
    fill(qtbot, dialog, sandbox.base_url, token=sandbox.bearer)
    save_screenshot(dialog, "login-dialog-no-password-store")
    sign_in(qtbot, dialog)
    assert dialog.client is not None
    assert dialog.remembered is None


def test_settings_file_holds_no_secret(
    qtbot: QtBot,
    make_dialog: Callable[..., LoginDialog],
    sandbox: SandboxServer,
    settings: Settings,
    app_home: Path,
) -> None:
    assert sandbox.basic is not None
    dialog = make_dialog()
    w(dialog, QCheckBox, "rememberCheck").setChecked(True)
    fill(qtbot, dialog, sandbox.base_url, basic=sandbox.basic)
    sign_in(qtbot, dialog)
    settings.sync()
    assert settings.path.is_file()
    assert sandbox.base_url in settings.path.read_text()
    for path in app_home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for secret in sandbox.basic:
                assert secret.encode() not in data, path


# --- look and feel --------------------------------------------------------------------------


def test_prefilled_from_settings_with_banner(
    make_dialog: Callable[..., LoginDialog], settings: Settings
) -> None:
    settings.last_location = "eu1"
    settings.last_auth_method = "token"
    text = "Your session has expired. Please sign in again."
    dialog = make_dialog(message=text)
    assert dialog.objectName() == "loginDialog"
    assert dialog.windowTitle() == "Sign in — SDX Desktop"
    assert w(dialog, QLabel, "loginBanner").text() == text
    assert w(dialog, QLabel, "loginBanner").isVisible()
    assert w(dialog, QComboBox, "regionCombo").currentData() == "eu1"
    assert w(dialog, QComboBox, "regionCombo").currentText() == "Europe (eu1)"
    assert w(dialog, QComboBox, "authMethodCombo").currentData() == "token"
    assert w(dialog, QLineEdit, "patEdit").isVisible()
    assert not w(dialog, QLineEdit, "customerUuidEdit").isVisible()
    assert not w(dialog, QLineEdit, "customUrlEdit").isVisible()
    assert dialog.focusWidget() is w(dialog, QLineEdit, "patEdit")


def test_custom_url_prefilled(make_dialog: Callable[..., LoginDialog], settings: Settings) -> None:
    settings.last_location = "https://sdx.example.org/api"
    dialog = make_dialog()
    assert w(dialog, QComboBox, "regionCombo").currentText() == "Custom URL…"
    assert w(dialog, QLineEdit, "customUrlEdit").text() == "https://sdx.example.org/api"
    assert w(dialog, QLineEdit, "customUrlEdit").isVisible()
    assert not w(dialog, QLabel, "loginBanner").isVisible()


def test_regions_methods_and_masking(qtbot: QtBot, make_dialog: Callable[..., LoginDialog]) -> None:
    dialog = make_dialog()
    region = w(dialog, QComboBox, "regionCombo")
    items = [(region.itemText(i), region.itemData(i)) for i in range(region.count())]
    assert items == [
        ("United States (us1)", "us1"),
        ("United States 2 (us2)", "us2"),
        ("United States 3 (us3)", "us3"),
        ("Canada (ca1)", "ca1"),
        ("Europe (eu1)", "eu1"),
        ("Australia (au1)", "au1"),
        ("Custom URL…", "custom"),
    ]
    assert region.currentData() == "us1"
    url = w(dialog, QLineEdit, "customUrlEdit")
    assert not url.isVisible()
    choose(region, "custom")
    assert url.isVisible()
    assert url.placeholderText() == "https://…/api"
    choose(region, "ca1")
    assert not url.isVisible()

    method = w(dialog, QComboBox, "authMethodCombo")
    assert [method.itemText(i) for i in range(method.count())] == [
        "Customer UUID and auth token",
        "Personal access token",
    ]
    uuid, token, pat = (
        w(dialog, QLineEdit, n) for n in ("customerUuidEdit", "authTokenEdit", "patEdit")
    )
    assert uuid.isVisible() and token.isVisible() and not pat.isVisible()
    size = dialog.size()
    choose(method, "token")
    assert pat.isVisible() and not uuid.isVisible() and not token.isVisible()
    assert dialog.size() == size  # no jumping about
    assert token.echoMode() == QLineEdit.EchoMode.Password
    assert pat.echoMode() == QLineEdit.EchoMode.Password
    show = w(dialog, QWidget, "patShowButton")
    qtbot.mouseClick(show, Qt.MouseButton.LeftButton)
    assert pat.echoMode() == QLineEdit.EchoMode.Normal
    qtbot.mouseClick(show, Qt.MouseButton.LeftButton)
    assert pat.echoMode() == QLineEdit.EchoMode.Password


def test_enter_signs_in(
    qtbot: QtBot, make_dialog: Callable[..., LoginDialog], sandbox: SandboxServer
) -> None:
    assert sandbox.bearer is not None
    dialog = make_dialog()
    assert w(dialog, QPushButton, "signInButton").isDefault()
    fill(qtbot, dialog, sandbox.base_url, token=sandbox.bearer)
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT_MS):
        qtbot.keyClick(w(dialog, QLineEdit, "patEdit"), Qt.Key.Key_Return)


def test_cancel_rejects(qtbot: QtBot, make_dialog: Callable[..., LoginDialog]) -> None:
    dialog = make_dialog()
    with qtbot.waitSignal(dialog.rejected, timeout=WAIT_MS):
        qtbot.mouseClick(w(dialog, QPushButton, "cancelButton"), Qt.MouseButton.LeftButton)
    assert dialog.client is None


def test_labels_have_buddies(make_dialog: Callable[..., LoginDialog]) -> None:
    dialog = make_dialog()
    buddies = {label.buddy().objectName() for label in dialog.findChildren(QLabel) if label.buddy()}
    assert {
        "regionCombo",
        "customUrlEdit",
        "authMethodCombo",
        "customerUuidEdit",
        "authTokenEdit",
        "patEdit",
    } <= buddies


def test_screenshot(
    qtbot: QtBot, make_dialog: Callable[..., LoginDialog], sandbox: SandboxServer
) -> None:
    dialog = make_dialog(message="Your session has expired. Please sign in again.")
    path = save_screenshot(dialog, "login-dialog")
    assert path.stat().st_size > 0
    fill(qtbot, dialog, sandbox.base_url, basic=("6f1c2a9e-0000", "wrong"))
    attempt(qtbot, dialog)
    save_screenshot(dialog, "login-dialog-failed")
    choose(w(dialog, QComboBox, "authMethodCombo"), "token")
    click(qtbot, dialog, "testConnectionButton")
    save_screenshot(dialog, "login-dialog-token-empty")


def test_remember_starts_unticked_as_the_readme_says(
    make_dialog: Callable[..., LoginDialog], settings: Settings
) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert "Tick\n   *Remember on this computer*" in readme or "Tick *Remember" in readme
    dialog = make_dialog()
    assert not w(dialog, QCheckBox, "rememberCheck").isChecked()
    settings.remember = True  # ticked at the last sign-in: ticked again
    assert w(make_dialog(), QCheckBox, "rememberCheck").isChecked()


def test_a_uuid_of_the_wrong_shape_is_flagged_before_sending(
    qtbot: QtBot, make_dialog: Callable[..., LoginDialog], factory: RecordingFactory
) -> None:
    dialog = make_dialog()
    fill(qtbot, dialog, "https://sdx.example.org/api", basic=("acme-corp", "some-token"))
    click(qtbot, dialog, "signInButton")
    assert factory.calls == 0 and not dialog.busy
    error = w(dialog, QLabel, "customerUuidError")
    assert error.isVisible() and "does not look like a customer UUID" in error.text()
    assert "usual shape" in message(dialog)
    assert dialog.focusWidget() is w(dialog, QLineEdit, "customerUuidEdit")

"""The sign-in dialog: region, sign-in method, the secrets, "remember", and a connection test.

Everything that may block (the connection test, the password store) runs on a worker
thread through :class:`~sdx_desktop.ui.tasks.TaskRunner`; the dialog never freezes and
never calls ``exec()`` from a coroutine. Messages are in plain words and never contain
a credential.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import traceback
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sdx_desktop.api.auth import Credentials
from sdx_desktop.api.client import SdxClient
from sdx_desktop.api.errors import RequestTimeoutError, SdxError, scrub
from sdx_desktop.credentials import CredentialStore, KeyringStatus, RememberResult
from sdx_desktop.domain.sign_in import Method, likely_wrong_field, validate_sign_in
from sdx_desktop.settings import Settings

from .colours import ERROR, NOTICE, SUCCESS, tint
from .form_fields import hint_label
from .layout import named
from .sign_in_fields import SignInFields
from .tasks import TaskRunner

log = logging.getLogger(__name__)

ClientFactory = Callable[[Credentials, str], SdxClient]

CONNECTED = "Connected. Your sign-in details work."
CONNECTING = "Connecting to Survey Dynamix…"
SIGNING_IN = "Signing in to Survey Dynamix…"

NOT_IN_TIME = (
    "Could not reach Survey Dynamix: it did not answer in time. "
    "Check your internet connection and try again."
)


def describe_error(error: SdxError) -> str:
    """What to tell staff when signing in failed (never a credential)."""
    if isinstance(error, RequestTimeoutError):
        # While signing in, "too long" (or a refused connection, which urllib3 reports
        # as a connect timeout) means the server could not be reached.
        return NOT_IN_TIME
    return str(error)


def default_client_factory(credentials: Credentials, location: str) -> SdxClient:
    if location.startswith("http"):
        return SdxClient(credentials, base_url=location)
    return SdxClient(credentials, region=location)


class LoginDialog(QDialog):
    """Asks for the sign-in details, checks them against Survey Dynamix, and on success
    leaves :attr:`client`, :attr:`credentials`, :attr:`location` and :attr:`remembered`
    for the caller."""

    def __init__(
        self,
        runner: TaskRunner,
        store: CredentialStore,
        settings: Settings,
        client_factory: ClientFactory = default_client_factory,
        parent: QWidget | None = None,
        message: str = "",
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._store = store
        self._settings = settings
        self._client_factory = client_factory
        self._task: asyncio.Task[None] | None = None
        self._return_focus: QWidget | None = None

        #: Set when the dialog is accepted.
        self.client: SdxClient | None = None
        self.credentials: Credentials | None = None
        self.location: str = ""
        self.remembered: RememberResult | None = None

        self.setObjectName("loginDialog")
        self.setWindowTitle("Sign in — SDX Desktop")
        self.keyring_status: KeyringStatus = store.status()
        self._build(message)
        self._load_settings()

    # --- building ---------------------------------------------------------------------

    def _build(self, message: str) -> None:
        root = QVBoxLayout(self)
        root.setSpacing(10)
        root.setContentsMargins(20, 18, 20, 16)

        self.banner = named(QLabel(message, wordWrap=True), "loginBanner")
        tint(self.banner, NOTICE, padding="8px")
        self.banner.setVisible(bool(message))
        root.addWidget(self.banner)

        heading = QLabel("Sign in to Survey Dynamix")
        font = QFont(heading.font())
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        heading.setFont(font)
        root.addWidget(heading)
        root.addWidget(
            hint_label("Use the sign-in details your Survey Dynamix administrator gave you.")
        )

        self.fields = SignInFields(self.keyring_status, self)
        root.addWidget(self.fields)
        self.rememberCheck = self.fields.rememberCheck

        # Outcome
        self.loginMessage = named(QLabel(wordWrap=True), "loginMessage")
        self.loginMessage.setTextFormat(Qt.TextFormat.PlainText)
        self.loginMessage.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.loginMessage.setMinimumHeight(self.fontMetrics().lineSpacing() * 3)
        self.loginMessage.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.loginMessage.setAccessibleName("Sign-in message")
        root.addWidget(self.loginMessage)
        root.addStretch(1)

        # Buttons
        self.testConnectionButton = named(QPushButton("Test co&nnection"), "testConnectionButton")
        self.testConnectionButton.setToolTip("Check the details without signing in")
        self.testConnectionButton.setAccessibleDescription(self.testConnectionButton.toolTip())
        self.signInButton = named(QPushButton("&Sign in"), "signInButton")
        self.buttons = QDialogButtonBox()
        self.buttons.addButton(self.signInButton, QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancelButton = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.cancelButton.setObjectName("cancelButton")
        button_row = QHBoxLayout()
        button_row.addWidget(self.testConnectionButton)
        button_row.addStretch(1)
        button_row.addWidget(self.buttons)
        root.addLayout(button_row)
        self.signInButton.setDefault(True)  # Enter signs in (set once parented to the dialog)

        self.fields.edited.connect(self._clear_message)
        self.fields.shrunk.connect(self._shrink_height)
        self.testConnectionButton.clicked.connect(self._test_clicked)
        self.signInButton.clicked.connect(self._sign_in_clicked)
        self.buttons.rejected.connect(self.reject)

        chain = [
            *self.fields.focus_chain(),
            self.testConnectionButton,
            self.signInButton,
            self.cancelButton,
        ]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _load_settings(self) -> None:
        self.fields.load(
            self._settings.last_location,
            self._settings.last_auth_method,
            self._settings.remember,
        )
        self.fields.first_empty_field().setFocus()

    # --- public -----------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._task is not None and not self._task.done()

    def done(self, result: int) -> None:
        if result != QDialog.DialogCode.Accepted and self.busy and self._task is not None:
            self._task.cancel()  # Cancel / Esc while a check runs: drop its result
        super().done(result)

    # --- reacting to the user ---------------------------------------------------------

    def _method(self) -> Method:
        return self.fields.method()

    def _shrink_height(self) -> None:
        self.resize(self.width(), self.sizeHint().height())

    def _test_clicked(self) -> None:
        self._start(sign_in=False)

    def _sign_in_clicked(self) -> None:
        self._start(sign_in=True)

    # --- checking ---------------------------------------------------------------------

    def _read_form(self) -> tuple[Credentials, str] | None:
        """The credentials and location typed, or ``None`` after marking what is wrong
        (nothing is sent then)."""
        check = validate_sign_in(self.fields.read())
        if check.ok:
            assert check.credentials is not None
            return check.credentials, check.location
        self.fields.show_problems(check.problems)
        if check.first_field is not None:
            self.fields.focus(check.first_field)
        log.info("Sign-in details refused before sending: %s", check.detail)
        self._show(check.summary, "error")
        return None

    def _start(self, *, sign_in: bool) -> None:
        if self.busy:
            return
        self.fields.clear_problems()
        form = self._read_form()
        if form is None:
            return
        credentials, location = form
        # Disabling the clicked button moves the focus (maybe onto Cancel, where Enter
        # would close the dialog): remember where to put it back.
        self._return_focus = self.focusWidget()
        self._set_busy(True, SIGNING_IN if sign_in else CONNECTING)
        self._task = self._runner.spawn(self._check(credentials, location, sign_in=sign_in))

    async def _check(self, credentials: Credentials, location: str, *, sign_in: bool) -> None:
        client: SdxClient | None = None
        keep = False
        try:
            client = await self._runner.run(self._client_factory, credentials, location)
            await self._runner.run(client.test_connection)
            if not sign_in:
                self._show(CONNECTED, "success")
                return
            await self._finish_sign_in(client, credentials, location)
            keep = True
        except SdxError as exc:
            log.info("Sign-in check failed: %s", type(exc).__name__)
            self._show(describe_error(exc), "error")
            wrong = likely_wrong_field(exc, self.fields.read())
            if wrong is not None:
                self.fields.focus(wrong, select=True)
                self._return_focus = None
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            # The traceback of an untyped error may quote what was sent: scrubbed.
            trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
            log.error("Sign-in check failed unexpectedly: %s", scrub(trace, credentials.secrets))
            self._show(str(SdxError()), "error")
        finally:
            if client is not None and not keep:
                client.close()
            self._set_busy(False)

    async def _finish_sign_in(
        self, client: SdxClient, credentials: Credentials, location: str
    ) -> None:
        if self.fields.remember():
            self.remembered = await self._runner.run(self._store.remember, location, credentials)
            if not self.remembered.stored:
                self._show(self.remembered.message, "info")
        else:
            self.remembered = None
            # Unticked: nothing stays saved on this computer for this location.
            await self._runner.run(self._store.forget, location)
        self._settings.last_location = location
        self._settings.last_auth_method = self._method()
        if self.keyring_status.usable:
            self._settings.remember = self.rememberCheck.isChecked()
        self._settings.sync()
        self.client = client
        self.credentials = credentials
        self.location = location
        log.info("Signed in to %s", location)
        self.accept()

    # --- showing ----------------------------------------------------------------------

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self.testConnectionButton.setEnabled(not busy)
        self.signInButton.setEnabled(not busy)
        if not busy and self._return_focus is not None and self.isVisible():
            self._return_focus.setFocus()
            self._return_focus = None
        if busy:
            self._show(text, "info")

    def _show(self, text: str, kind: str) -> None:
        self.loginMessage.setText(text)
        self.loginMessage.setProperty("kind", kind)
        tint(self.loginMessage, {"success": SUCCESS, "error": ERROR}.get(kind))

    def _clear_message(self) -> None:
        if not self.busy:
            self._show("", "info")

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
from typing import Literal

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from sdx_desktop.api.auth import BasicCredentials, Credentials, TokenCredentials
from sdx_desktop.api.client import SdxClient
from sdx_desktop.api.errors import (
    AuthError,
    CredentialFormatError,
    InsecureUrlError,
    RequestTimeoutError,
    SdxError,
    scrub,
)
from sdx_desktop.api.urls import normalise_base_url
from sdx_desktop.credentials import CredentialStore, KeyringStatus, RememberResult
from sdx_desktop.settings import Settings
from sdx_desktop.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

ClientFactory = Callable[[Credentials, str], SdxClient]

#: (label shown, region label) in the order staff see them.
REGION_CHOICES: tuple[tuple[str, str], ...] = (
    ("United States (us1)", "us1"),
    ("United States 2 (us2)", "us2"),
    ("United States 3 (us3)", "us3"),
    ("Canada (ca1)", "ca1"),
    ("Europe (eu1)", "eu1"),
    ("Australia (au1)", "au1"),
)
CUSTOM = "custom"
BASIC: Literal["basic"] = "basic"
TOKEN: Literal["token"] = "token"

CONNECTED = "Connected. Your sign-in details work."
CONNECTING = "Connecting to Survey Dynamix…"
SIGNING_IN = "Signing in to Survey Dynamix…"
NO_STORE_NOTE = "This computer has no password store: you will be asked again next time."
FIX_FIELDS = "Some details are missing: please fill in the fields marked in red."

SUCCESS_COLOUR = QColor("#1b5e20")
ERROR_COLOUR = QColor("#b71c1c")


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

        self.banner = QLabel(message)
        self.banner.setObjectName("loginBanner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(
            "QLabel { background: #fff4d6; color: #4a3800; border: 1px solid #e0c170;"
            " border-radius: 4px; padding: 8px; }"
        )
        self.banner.setVisible(bool(message))
        root.addWidget(self.banner)

        heading = QLabel("Sign in to Survey Dynamix")
        font = QFont(heading.font())
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        heading.setFont(font)
        root.addWidget(heading)
        root.addWidget(_hint("Use the sign-in details your Survey Dynamix administrator gave you."))

        # Where
        self.regionCombo = QComboBox()
        self.regionCombo.setObjectName("regionCombo")
        for text, label in REGION_CHOICES:
            self.regionCombo.addItem(text, label)
        self.regionCombo.addItem("Custom URL…", CUSTOM)
        self.regionCombo.setItemData(
            self.regionCombo.count() - 1,
            "Advanced: a server address your administrator gave you",
            Qt.ItemDataRole.ToolTipRole,
        )
        self.regionCombo.setToolTip(
            "The region is in the web address you use for Survey Dynamix,"
            " for example eu1.surveydynamix.com is Europe (eu1)."
        )
        root.addWidget(_field("&Region", self.regionCombo))

        self.customUrlEdit = QLineEdit()
        self.customUrlEdit.setObjectName("customUrlEdit")
        self.customUrlEdit.setPlaceholderText("https://…/api")
        self.customUrlError = _error_label("customUrlError")
        self.customUrlBox = _field(
            "Server a&ddress",
            self.customUrlEdit,
            self.customUrlError,
            hint="Only if your administrator gave you a special address.",
        )
        root.addWidget(self.customUrlBox)

        # How
        self.authMethodCombo = QComboBox()
        self.authMethodCombo.setObjectName("authMethodCombo")
        self.authMethodCombo.addItem("Customer UUID and auth token", BASIC)
        self.authMethodCombo.addItem("Personal access token", TOKEN)
        root.addWidget(_field("Sign in &with", self.authMethodCombo))

        self.customerUuidEdit = QLineEdit()
        self.customerUuidEdit.setObjectName("customerUuidEdit")
        self.customerUuidEdit.setPlaceholderText("for example 1b4e28ba-2fa1-11d2-883f-0016d3cca427")
        self.customerUuidError = _error_label("customerUuidError")
        self.authTokenEdit = _secret_edit("authTokenEdit")
        self.authTokenError = _error_label("authTokenError")
        basic_page = QWidget()
        basic_layout = QVBoxLayout(basic_page)
        basic_layout.setContentsMargins(0, 0, 0, 0)
        basic_layout.setSpacing(10)
        basic_layout.addWidget(
            _field("Customer &UUID", self.customerUuidEdit, self.customerUuidError)
        )
        basic_layout.addWidget(
            _field(
                "Auth &token",
                _with_reveal(self.authTokenEdit, "authTokenShowButton"),
                self.authTokenError,
            )
        )
        basic_layout.addStretch(1)

        self.patEdit = _secret_edit("patEdit")
        self.patError = _error_label("patError")
        token_page = QWidget()
        token_layout = QVBoxLayout(token_page)
        token_layout.setContentsMargins(0, 0, 0, 0)
        token_layout.setSpacing(10)
        token_layout.addWidget(
            _field(
                "Personal &access token",
                _with_reveal(self.patEdit, "patShowButton"),
                self.patError,
                hint="Paste the token exactly as you received it.",
            )
        )
        self.patEdit.setToolTip("A personal access token, or a pasted OAuth access token")
        token_layout.addStretch(1)

        self.methodStack = QStackedWidget()
        self.methodStack.setObjectName("methodStack")
        self.methodStack.addWidget(basic_page)
        self.methodStack.addWidget(token_page)
        root.addWidget(self.methodStack)

        # Remember
        self.rememberCheck = QCheckBox("Re&member on this computer")
        self.rememberCheck.setObjectName("rememberCheck")
        self.rememberNote = _hint(NO_STORE_NOTE)
        self.rememberNote.setObjectName("rememberNote")
        self.rememberNote.setContentsMargins(24, 0, 0, 0)
        if self.keyring_status.usable:
            self.rememberCheck.setToolTip(
                f"Keeps your sign-in details in {self.keyring_status.backend},"
                " so you are signed in automatically next time."
            )
            self.rememberNote.hide()
        else:
            self.rememberCheck.setEnabled(False)
        remember_box = QVBoxLayout()
        remember_box.setSpacing(2)
        remember_box.addWidget(self.rememberCheck)
        remember_box.addWidget(self.rememberNote)
        root.addLayout(remember_box)

        # Outcome
        self.loginMessage = QLabel()
        self.loginMessage.setObjectName("loginMessage")
        self.loginMessage.setWordWrap(True)
        self.loginMessage.setTextFormat(Qt.TextFormat.PlainText)
        self.loginMessage.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.loginMessage.setMinimumHeight(self.fontMetrics().lineSpacing() * 3)
        self.loginMessage.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        root.addWidget(self.loginMessage)
        root.addStretch(1)

        # Buttons
        self.testConnectionButton = QPushButton("Test co&nnection")
        self.testConnectionButton.setObjectName("testConnectionButton")
        self.testConnectionButton.setToolTip("Check the details without signing in")
        self.signInButton = QPushButton("&Sign in")
        self.signInButton.setObjectName("signInButton")
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

        for edit in (self.customUrlEdit, self.customerUuidEdit, self.authTokenEdit, self.patEdit):
            edit.setMinimumWidth(380)
            edit.textEdited.connect(self._edited)

        self.regionCombo.currentIndexChanged.connect(self._region_changed)
        self.authMethodCombo.currentIndexChanged.connect(self._method_changed)
        self.testConnectionButton.clicked.connect(self._test_clicked)
        self.signInButton.clicked.connect(self._sign_in_clicked)
        self.buttons.rejected.connect(self.reject)

        chain = [
            self.regionCombo,
            self.customUrlEdit,
            self.authMethodCombo,
            self.customerUuidEdit,
            self.authTokenEdit,
            self.patEdit,
            self.rememberCheck,
            self.testConnectionButton,
            self.signInButton,
            self.cancelButton,
        ]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _load_settings(self) -> None:
        location = self._settings.last_location
        if location.startswith("http"):
            self.regionCombo.setCurrentIndex(self.regionCombo.findData(CUSTOM))
            self.customUrlEdit.setText(location)
        else:
            index = self.regionCombo.findData(location.lower())
            self.regionCombo.setCurrentIndex(max(index, 0))
        self.authMethodCombo.setCurrentIndex(
            self.authMethodCombo.findData(self._settings.last_auth_method)
        )
        self.rememberCheck.setChecked(self.keyring_status.usable and self._settings.remember)
        self._region_changed()
        self._method_changed()
        self._first_empty_field().setFocus()

    # --- public -----------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._task is not None and not self._task.done()

    def set_credentials(self, credentials: Credentials) -> None:
        """Fill the fields (e.g. with the remembered details after a session expired)."""
        if isinstance(credentials, BasicCredentials):
            self.authMethodCombo.setCurrentIndex(self.authMethodCombo.findData(BASIC))
            self.customerUuidEdit.setText(credentials.customer_uuid)
            self.authTokenEdit.setText(credentials.auth_token)
        else:
            self.authMethodCombo.setCurrentIndex(self.authMethodCombo.findData(TOKEN))
            self.patEdit.setText(credentials.token)

    def done(self, result: int) -> None:
        if result != QDialog.DialogCode.Accepted and self.busy and self._task is not None:
            self._task.cancel()  # Cancel / Esc while a check runs: drop its result
        super().done(result)

    # --- reacting to the user ---------------------------------------------------------

    def _method(self) -> Literal["basic", "token"]:
        return TOKEN if self.authMethodCombo.currentData() == TOKEN else BASIC

    def _region_changed(self) -> None:
        custom = self.regionCombo.currentData() == CUSTOM
        was_visible = self.customUrlBox.isVisibleTo(self)
        self.customUrlBox.setVisible(custom)
        if custom and not was_visible and self.isVisible():
            self.customUrlEdit.setFocus()
        if was_visible and not custom:
            QTimer.singleShot(0, self, self._shrink_height)
        self._clear_message()

    def _method_changed(self) -> None:
        self.methodStack.setCurrentIndex(1 if self._method() == TOKEN else 0)
        self._clear_message()

    def _edited(self) -> None:
        sender = self.sender()
        errors = {
            self.customUrlEdit: self.customUrlError,
            self.customerUuidEdit: self.customerUuidError,
            self.authTokenEdit: self.authTokenError,
            self.patEdit: self.patError,
        }
        for edit, label in errors.items():
            if edit is sender:
                _set_error(label, "")
        self._clear_message()

    def _shrink_height(self) -> None:
        self.resize(self.width(), self.sizeHint().height())

    def _first_empty_field(self) -> QWidget:
        if self.regionCombo.currentData() == CUSTOM and not self.customUrlEdit.text().strip():
            return self.customUrlEdit
        edits = (
            [self.customerUuidEdit, self.authTokenEdit]
            if self._method() == BASIC
            else [self.patEdit]
        )
        return next((e for e in edits if not e.text().strip()), edits[0])

    def _test_clicked(self) -> None:
        self._start(sign_in=False)

    def _sign_in_clicked(self) -> None:
        self._start(sign_in=True)

    # --- checking ---------------------------------------------------------------------

    def _read_form(self) -> tuple[Credentials, str] | None:
        """The credentials and location typed, or ``None`` after marking what is missing."""
        problems: list[tuple[QLineEdit, QLabel, str]] = []
        location = str(self.regionCombo.currentData())
        if location == CUSTOM:
            url = self.customUrlEdit.text().strip()
            if not url:
                problems.append(
                    (self.customUrlEdit, self.customUrlError, "Enter the server address.")
                )
            location = url
        credentials: Credentials | None = None
        if self._method() == BASIC:
            uuid = self.customerUuidEdit.text().strip()
            token = self.authTokenEdit.text().strip()
            if not uuid:
                problems.append(
                    (self.customerUuidEdit, self.customerUuidError, "Enter your customer UUID.")
                )
            if not token:
                problems.append((self.authTokenEdit, self.authTokenError, "Enter your auth token."))
            if uuid and token:
                credentials = BasicCredentials(uuid, token)
        else:
            pat = self.patEdit.text().strip()
            if not pat:
                problems.append((self.patEdit, self.patError, "Paste your personal access token."))
            else:
                credentials = TokenCredentials(pat)
        for _edit, label, text in problems:
            _set_error(label, text)
        if problems:
            problems[0][0].setFocus()
            self._show(FIX_FIELDS, "error")
            return None
        assert credentials is not None
        if not self._sendable(credentials):
            return None
        if self.regionCombo.currentData() == CUSTOM:
            try:
                location = normalise_base_url(location)
            except InsecureUrlError as exc:
                self._show(str(exc), "error")
                self.customUrlEdit.setFocus()
                return None
        return credentials, location

    def _sendable(self, credentials: Credentials) -> bool:
        """False after marking each field that holds a character HTTP cannot carry (a
        line break, a control character, or one outside Latin-1). What was typed stays;
        the messages name the field, never its value."""
        try:
            credentials.check_sendable()
        except CredentialFormatError as exc:
            fields = {
                "customer_uuid": (self.customerUuidEdit, self.customerUuidError),
                "auth_token": (self.authTokenEdit, self.authTokenError),
                "token": (self.patEdit, self.patError),
            }
            first: QLineEdit | None = None
            for name, text in credentials.problems().items():
                edit, label = fields[name]
                _set_error(label, text)
                first = first or edit
            if first is not None:
                first.setFocus()
            log.info("Sign-in details refused: %s", exc.detail)
            self._show(str(exc), "error")
            return False
        return True

    def _start(self, *, sign_in: bool) -> None:
        if self.busy:
            return
        for label in (self.customUrlError, self.customerUuidError, self.authTokenError):
            _set_error(label, "")
        _set_error(self.patError, "")
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
            if isinstance(exc, AuthError):
                secret = self.authTokenEdit if self._method() == BASIC else self.patEdit
                secret.setFocus()
                secret.selectAll()
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
        if self.rememberCheck.isEnabled() and self.rememberCheck.isChecked():
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
        label = self.loginMessage
        label.setText(text)
        label.setProperty("kind", kind)
        palette = self.palette()
        if kind == "success":
            palette.setColor(QPalette.ColorRole.WindowText, SUCCESS_COLOUR)
        elif kind == "error":
            palette.setColor(QPalette.ColorRole.WindowText, ERROR_COLOUR)
        label.setPalette(palette)

    def _clear_message(self) -> None:
        if not self.busy:
            self._show("", "info")


# --- small widget helpers ---------------------------------------------------------------


def _hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


def _error_label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText, ERROR_COLOUR)
    label.setPalette(palette)
    label.hide()
    return label


def _set_error(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setVisible(bool(text))


def _secret_edit(name: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setInputMethodHints(
        Qt.InputMethodHint.ImhHiddenText
        | Qt.InputMethodHint.ImhNoPredictiveText
        | Qt.InputMethodHint.ImhSensitiveData
    )
    return edit


def _with_reveal(edit: QLineEdit, name: str) -> QWidget:
    """``edit`` with a small Show/Hide button beside it."""
    button = QToolButton()
    button.setObjectName(name)
    button.setText("Show")
    button.setCheckable(True)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    button.setToolTip("Show or hide what you typed")

    def toggle(shown: bool) -> None:
        edit.setEchoMode(QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password)
        button.setText("Hide" if shown else "Show")

    button.toggled.connect(toggle)
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(4)
    row.addWidget(edit, 1)
    row.addWidget(button)
    box.setFocusProxy(edit)
    return box


def _field(text: str, widget: QWidget, error: QLabel | None = None, hint: str = "") -> QWidget:
    """A label above ``widget`` (its buddy), then an optional hint and error line."""
    box = QWidget()
    column = QVBoxLayout(box)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(3)
    label = QLabel(text)
    label.setBuddy(widget.focusProxy() or widget)
    column.addWidget(label)
    column.addWidget(widget)
    if hint:
        column.addWidget(_hint(hint))
    if error is not None:
        column.addWidget(error)
    return box

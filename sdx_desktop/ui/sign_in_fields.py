"""The sign-in dialog's fields: region (or a server address), sign-in method, the
secrets, and "Remember on this computer". They read into a
:class:`~sdx_desktop.domain.sign_in.SignInForm` and show the problems
:func:`~sdx_desktop.domain.sign_in.validate_sign_in` finds, each under its field."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from sdx_desktop.credentials import KeyringStatus
from sdx_desktop.domain.sign_in import (
    BASIC,
    CUSTOM,
    TOKEN,
    UUID_EXAMPLE,
    Field,
    Method,
    SignInForm,
    region_choices,
)

from .form_fields import error_label, hint_label, labelled, secret_edit, set_error, with_reveal
from .layout import named

NO_STORE_NOTE = "This computer has no password store: you will be asked again next time."


class SignInFields(QWidget):
    """See the module docstring. :attr:`edited` fires when the user changes anything."""

    edited = Signal()
    #: The custom address field was hidden: the dialog may shrink.
    shrunk = Signal()

    def __init__(self, keyring_status: KeyringStatus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.keyring_status = keyring_status
        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(10)

        # Where
        self.regionCombo = named(QComboBox(), "regionCombo")
        for text, region in region_choices():
            self.regionCombo.addItem(text, region)
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
        self.regionCombo.setAccessibleDescription(self.regionCombo.toolTip())
        root.addWidget(labelled("&Region", self.regionCombo))

        self.customUrlEdit = named(QLineEdit(), "customUrlEdit")
        self.customUrlEdit.setPlaceholderText("https://…/api")
        self.customUrlError = error_label("customUrlError")
        self.customUrlBox = labelled(
            "Server a&ddress",
            self.customUrlEdit,
            self.customUrlError,
            hint="Only if your administrator gave you a special address.",
        )
        root.addWidget(self.customUrlBox)

        # How
        self.authMethodCombo = named(QComboBox(), "authMethodCombo")
        self.authMethodCombo.addItem("Customer UUID and auth token", BASIC)
        self.authMethodCombo.addItem("Personal access token", TOKEN)
        root.addWidget(labelled("Sign in &with", self.authMethodCombo))

        self.customerUuidEdit = named(QLineEdit(), "customerUuidEdit")
        self.customerUuidEdit.setPlaceholderText(f"for example {UUID_EXAMPLE}")
        self.customerUuidError = error_label("customerUuidError")
        self.authTokenEdit = secret_edit("authTokenEdit", "Auth token")
        self.authTokenError = error_label("authTokenError")
        basic_page = QWidget()
        basic_layout = QVBoxLayout(basic_page)
        basic_layout.setContentsMargins(0, 0, 0, 0)
        basic_layout.setSpacing(10)
        basic_layout.addWidget(
            labelled("Customer &UUID", self.customerUuidEdit, self.customerUuidError)
        )
        basic_layout.addWidget(
            labelled(
                "Auth &token",
                with_reveal(self.authTokenEdit, "authTokenShowButton"),
                self.authTokenError,
            )
        )
        basic_layout.addStretch(1)

        self.patEdit = secret_edit("patEdit", "Personal access token")
        self.patError = error_label("patError")
        token_page = QWidget()
        token_layout = QVBoxLayout(token_page)
        token_layout.setContentsMargins(0, 0, 0, 0)
        token_layout.setSpacing(10)
        token_layout.addWidget(
            labelled(
                "Personal &access token",
                with_reveal(self.patEdit, "patShowButton"),
                self.patError,
                hint="Paste the token exactly as you received it.",
            )
        )
        self.patEdit.setToolTip("A personal access token, or a pasted OAuth access token")
        token_layout.addStretch(1)

        self.methodStack = named(QStackedWidget(), "methodStack")
        self.methodStack.addWidget(basic_page)
        self.methodStack.addWidget(token_page)
        root.addWidget(self.methodStack)

        # Remember
        self.rememberCheck = named(QCheckBox("Re&member on this computer"), "rememberCheck")
        self.rememberNote = hint_label(NO_STORE_NOTE, "rememberNote")
        self.rememberNote.setContentsMargins(24, 0, 0, 0)
        if keyring_status.usable:
            self.rememberCheck.setToolTip(
                f"Keeps your sign-in details in {keyring_status.backend},"
                " so you are signed in automatically next time."
            )
            self.rememberCheck.setAccessibleDescription(self.rememberCheck.toolTip())
            self.rememberNote.hide()
        else:
            self.rememberCheck.setEnabled(False)
            self.rememberCheck.setAccessibleDescription(NO_STORE_NOTE)
        remember_box = QVBoxLayout()
        remember_box.setSpacing(2)
        remember_box.addWidget(self.rememberCheck)
        remember_box.addWidget(self.rememberNote)
        root.addLayout(remember_box)

        self.edits: dict[Field, QLineEdit] = {
            "custom_url": self.customUrlEdit,
            "customer_uuid": self.customerUuidEdit,
            "auth_token": self.authTokenEdit,
            "token": self.patEdit,
        }
        self.errors: dict[Field, QLabel] = {
            "custom_url": self.customUrlError,
            "customer_uuid": self.customerUuidError,
            "auth_token": self.authTokenError,
            "token": self.patError,
        }
        for name, edit in self.edits.items():
            edit.setMinimumWidth(380)
            edit.textEdited.connect(lambda _text, n=name: self._edited(n))
        self.regionCombo.currentIndexChanged.connect(self._region_changed)
        self.authMethodCombo.currentIndexChanged.connect(self._method_changed)

    # --- reading and showing ------------------------------------------------------------

    def method(self) -> Method:
        return TOKEN if self.authMethodCombo.currentData() == TOKEN else BASIC

    def read(self) -> SignInForm:
        return SignInForm(
            region=str(self.regionCombo.currentData()),
            method=self.method(),
            custom_url=self.customUrlEdit.text(),
            customer_uuid=self.customerUuidEdit.text(),
            auth_token=self.authTokenEdit.text(),
            token=self.patEdit.text(),
        )

    def load(self, location: str, method: Method, remember: bool) -> None:
        if location.startswith("http"):
            self.regionCombo.setCurrentIndex(self.regionCombo.findData(CUSTOM))
            self.customUrlEdit.setText(location)
        else:
            index = self.regionCombo.findData(location.lower())
            self.regionCombo.setCurrentIndex(max(index, 0))
        self.authMethodCombo.setCurrentIndex(self.authMethodCombo.findData(method))
        self.rememberCheck.setChecked(self.keyring_status.usable and remember)
        self._region_changed()
        self._method_changed()

    def remember(self) -> bool:
        return self.rememberCheck.isEnabled() and self.rememberCheck.isChecked()

    def show_problems(self, problems: dict[Field, str]) -> None:
        for name, label in self.errors.items():
            set_error(label, problems.get(name, ""))

    def clear_problems(self) -> None:
        self.show_problems({})

    def widget_for(self, name: Field) -> QWidget:
        return self.regionCombo if name == "region" else self.edits[name]

    def focus(self, name: Field, *, select: bool = False) -> None:
        widget = self.widget_for(name)
        widget.setFocus()
        if select and isinstance(widget, QLineEdit):
            widget.selectAll()

    def first_empty_field(self) -> QWidget:
        if self.regionCombo.currentData() == CUSTOM and not self.customUrlEdit.text().strip():
            return self.customUrlEdit
        edits = (
            [self.customerUuidEdit, self.authTokenEdit]
            if self.method() == BASIC
            else [self.patEdit]
        )
        return next((e for e in edits if not e.text().strip()), edits[0])

    def focus_chain(self) -> list[QWidget]:
        return [
            self.regionCombo,
            self.customUrlEdit,
            self.authMethodCombo,
            self.customerUuidEdit,
            self.authTokenEdit,
            self.patEdit,
            self.rememberCheck,
        ]

    # --- reacting -----------------------------------------------------------------------

    def _edited(self, name: Field) -> None:
        set_error(self.errors[name], "")
        self.edited.emit()

    def _region_changed(self) -> None:
        custom = self.regionCombo.currentData() == CUSTOM
        was_visible = self.customUrlBox.isVisibleTo(self)
        self.customUrlBox.setVisible(custom)
        if custom and not was_visible and self.isVisible():
            self.customUrlEdit.setFocus()
        if was_visible and not custom:
            QTimer.singleShot(0, self, self.shrunk.emit)
        self.edited.emit()

    def _method_changed(self) -> None:
        self.methodStack.setCurrentIndex(1 if self.method() == TOKEN else 0)
        self.edited.emit()

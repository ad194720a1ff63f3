"""What the sign-in form checks before anything is sent, as pure functions.

The dialog (:mod:`sdx_desktop.ui.login_dialog`) reads its fields into a
:class:`SignInForm`, and :func:`validate_sign_in` says what is missing or cannot be
right — each problem tied to the field it belongs to, in the order the fields appear —
or gives the credentials and the location to try. :func:`likely_wrong_field` says
which field to look at when Survey Dynamix refused them. No Qt, no network.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from typing import Literal

from sdx_desktop.api.auth import BasicCredentials, Credentials, TokenCredentials
from sdx_desktop.api.errors import (
    AuthError,
    CredentialFormatError,
    InsecureUrlError,
    NetworkError,
    NotFoundError,
    ProtocolError,
    SdxError,
)
from sdx_desktop.api.urls import REGIONS, normalise_base_url

BASIC: Literal["basic"] = "basic"
TOKEN: Literal["token"] = "token"
#: The region choice that means "a server address typed in".
CUSTOM = "custom"

Method = Literal["basic", "token"]
#: The form's fields, in the order staff see them.
Field = Literal["region", "custom_url", "customer_uuid", "auth_token", "token"]
FIELD_ORDER: tuple[Field, ...] = ("region", "custom_url", "customer_uuid", "auth_token", "token")

FIX_FIELDS = "Some details are missing: please fill in the fields marked in red."
UUID_EXAMPLE = "1b4e28ba-2fa1-11d2-883f-0016d3cca427"
NOT_A_UUID = (
    "This does not look like a customer UUID. It is 32 letters (a to f) and digits in "
    f"five groups, for example {UUID_EXAMPLE}."
)
CHECK_UUID = "Check the customer UUID: it does not have the usual shape."

_UUID = re.compile(
    r"[0-9a-f]{8}(-?)[0-9a-f]{4}\1[0-9a-f]{4}\1[0-9a-f]{4}\1[0-9a-f]{12}", re.IGNORECASE
)

#: Country (or area) of each region's letters; the number tells regions apart.
_REGION_NAMES = {"us": "United States", "ca": "Canada", "eu": "Europe", "au": "Australia"}


def region_choices() -> tuple[tuple[str, str], ...]:
    """(label shown, region) for every region :mod:`sdx_desktop.api.urls` knows, in its
    order: "United States (us1)", "United States 2 (us2)", … "Europe (eu1)"."""
    return tuple((region_label(region), region) for region in REGIONS)


def region_label(region: str) -> str:
    letters = region.rstrip(string.digits)
    number = region[len(letters) :]
    name = _REGION_NAMES.get(letters, letters.upper())
    if number and number != "1":
        name += f" {number}"
    return f"{name} ({region})"


def uuid_shaped(text: str) -> bool:
    """Whether ``text`` has the shape of a UUID (32 hex digits, hyphens optional)."""
    return _UUID.fullmatch(text.strip()) is not None


@dataclass(frozen=True, slots=True)
class SignInForm:
    """What was typed or chosen (secrets as typed; never logged)."""

    region: str
    method: Method
    custom_url: str = ""
    customer_uuid: str = field(default="", repr=False)
    auth_token: str = field(default="", repr=False)
    token: str = field(default="", repr=False)

    @property
    def custom(self) -> bool:
        return self.region == CUSTOM


@dataclass(frozen=True, slots=True)
class SignInCheck:
    """The outcome of :func:`validate_sign_in`: what to send, or what to fix."""

    credentials: Credentials | None = None
    location: str = ""
    #: Field → what is wrong with it, in the order of :data:`FIELD_ORDER`.
    problems: dict[Field, str] = field(default_factory=dict)
    #: One line for the dialog's message area ("" when everything is fine).
    summary: str = ""
    #: For the log: what kind of problem (never a value).
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.credentials is not None and not self.problems and not self.summary

    @property
    def first_field(self) -> Field | None:
        """Where to put the focus: the first field with a problem."""
        return next(iter(self.problems), None)


def _ordered(problems: dict[Field, str]) -> dict[Field, str]:
    return {name: problems[name] for name in FIELD_ORDER if name in problems}


def validate_sign_in(form: SignInForm) -> SignInCheck:
    """Check the form before sending anything: every field filled in, every character
    sendable, a customer UUID shaped like one, a custom address that is https (or http
    to this computer)."""
    missing: dict[Field, str] = {}
    url = form.custom_url.strip()
    if form.custom and not url:
        missing["custom_url"] = "Enter the server address."
    credentials: Credentials | None = None
    if form.method == BASIC:
        uuid, secret = form.customer_uuid.strip(), form.auth_token.strip()
        if not uuid:
            missing["customer_uuid"] = "Enter your customer UUID."
        if not secret:
            missing["auth_token"] = "Enter your auth token."
        if uuid and secret:
            credentials = BasicCredentials(uuid, secret)
    else:
        pat = form.token.strip()
        if not pat:
            missing["token"] = "Paste your personal access token."
        else:
            credentials = TokenCredentials(pat)
    if missing:
        return SignInCheck(problems=_ordered(missing), summary=FIX_FIELDS, detail="missing")
    assert credentials is not None

    try:
        credentials.check_sendable()
    except CredentialFormatError as exc:
        unsendable: dict[Field, str] = {}
        for name, text in credentials.problems().items():
            unsendable[_FIELD_OF_CREDENTIAL[name]] = text
        return SignInCheck(problems=_ordered(unsendable), summary=str(exc), detail=exc.detail)

    if isinstance(credentials, BasicCredentials) and not uuid_shaped(credentials.customer_uuid):
        return SignInCheck(
            problems={"customer_uuid": NOT_A_UUID}, summary=CHECK_UUID, detail="uuid shape"
        )

    location = form.region
    if form.custom:
        try:
            location = normalise_base_url(url)
        except InsecureUrlError as exc:
            return SignInCheck(
                problems={"custom_url": str(exc)}, summary=str(exc), detail="custom address"
            )
    return SignInCheck(credentials=credentials, location=location)


_FIELD_OF_CREDENTIAL: dict[str, Field] = {
    "customer_uuid": "customer_uuid",
    "auth_token": "auth_token",
    "token": "token",
}


def likely_wrong_field(error: SdxError, form: SignInForm) -> Field | None:
    """The field most likely to be wrong when Survey Dynamix refused or could not be
    reached with these details (``None``: nothing in the form to fix, e.g. the server
    is down)."""
    if isinstance(error, AuthError):
        return "auth_token" if form.method == BASIC else "token"
    if isinstance(error, NetworkError):
        # Nobody answered: a typed address may be wrong; a region is not (the network).
        return "custom_url" if form.custom else None
    if isinstance(error, NotFoundError | ProtocolError):
        # Something answered that is not Survey Dynamix's API: the address or region.
        return "custom_url" if form.custom else "region"
    return None

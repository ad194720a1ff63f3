"""Credentials for the two sign-in methods (an OAuth2 token is pasted as a bearer token).

Only credentials the HTTP layer can send are used: requests encodes HTTP Basic's
``uuid:token`` as Latin-1, and header values (``Bearer <token>``) go out as Latin-1,
so a character outside Latin-1, or a control character (a line break would even end
the header), is refused with a plain :class:`~sdx_desktop.api.errors.CredentialFormatError`
that names the field and never repeats the value. :meth:`check_sendable` is called by
:meth:`requests_auth`, so no client is ever built around such credentials.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .errors import CredentialFormatError

if TYPE_CHECKING:
    from requests.auth import AuthBase


def field_problem(what: str, value: str) -> str:
    """Why ``value`` cannot be sent as the ``what`` (e.g. "auth token"), as one plain
    sentence, or ``""`` if it can. The sentence never contains the value."""
    if any(c in "\r\n\x85\u2028\u2029" for c in value):
        return f"The {what} contains a line break, which cannot be sent."
    if "\t" in value:
        return f"The {what} contains a tab character, which cannot be sent."
    if any(unicodedata.category(c) == "Cc" for c in value):
        return f"The {what} contains an invisible control character, which cannot be sent."
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return (
            f"The {what} contains a character that cannot be sent (such as a letter "
            "from another alphabet, a symbol or an emoji)."
        )
    return ""


def _refuse(problems: dict[str, str]) -> None:
    if problems:
        raise CredentialFormatError(
            " ".join(problems.values()),
            detail="sign-in details not sendable: " + ", ".join(problems),
        )


@dataclass(frozen=True, slots=True)
class BasicCredentials:
    """Customer UUID + auth token, sent as HTTP Basic."""

    customer_uuid: str = field(repr=False)
    auth_token: str = field(repr=False)

    @property
    def account(self) -> str:
        return self.customer_uuid

    @property
    def secrets(self) -> tuple[str, ...]:
        """The secret strings; ``uuid:token`` too, so that the scrubber also removes its
        base64 (the ``Authorization: Basic`` value) — see :func:`errors.secret_forms`."""
        return (self.customer_uuid, self.auth_token, f"{self.customer_uuid}:{self.auth_token}")

    def problems(self) -> dict[str, str]:
        """Field name → why it cannot be sent; empty when everything can be sent."""
        found = {
            "customer_uuid": field_problem("customer UUID", self.customer_uuid),
            "auth_token": field_problem("auth token", self.auth_token),
        }
        return {name: text for name, text in found.items() if text}

    def check_sendable(self) -> None:
        """Raise :class:`CredentialFormatError` if a field cannot be sent."""
        _refuse(self.problems())

    def requests_auth(self) -> AuthBase:
        from requests.auth import HTTPBasicAuth

        self.check_sendable()
        return HTTPBasicAuth(self.customer_uuid, self.auth_token)


@dataclass(frozen=True, slots=True)
class TokenCredentials:
    """A personal access token (or a pasted OAuth2 token), sent as a Bearer header."""

    token: str = field(repr=False)
    #: A label staff recognise the account by; never the token itself.
    label: str = "personal access token"

    @property
    def account(self) -> str:
        return self.label

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self.token,)

    def problems(self) -> dict[str, str]:
        """Field name → why it cannot be sent; empty when everything can be sent."""
        text = field_problem("access token", self.token)
        return {"token": text} if text else {}

    def check_sendable(self) -> None:
        """Raise :class:`CredentialFormatError` if the token cannot be sent."""
        _refuse(self.problems())

    def requests_auth(self) -> AuthBase:
        from .http import BearerAuth

        self.check_sendable()
        return BearerAuth(self.token)


Credentials = BasicCredentials | TokenCredentials

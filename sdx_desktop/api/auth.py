"""Credentials for the two sign-in methods (an OAuth2 token is pasted as a bearer token)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from requests.auth import AuthBase


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
        return (self.customer_uuid, self.auth_token)

    def requests_auth(self) -> AuthBase:
        from requests.auth import HTTPBasicAuth

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

    def requests_auth(self) -> AuthBase:
        from .http import BearerAuth

        return BearerAuth(self.token)


Credentials = BasicCredentials | TokenCredentials

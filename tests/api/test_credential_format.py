"""Sign-in details the HTTP layer cannot send are refused before any request, with a plain
:class:`errors.CredentialFormatError` that names the field and never repeats the value.

Without the check, requests / http.client fail while building the header with an untyped
``ValueError`` or ``UnicodeEncodeError`` (the first test shows it against the sandbox),
and an ``InvalidHeader`` message quotes the header, token and all.
"""

from __future__ import annotations

import pytest
import requests

from sdx_desktop.api import errors
from sdx_desktop.api.auth import BasicCredentials, TokenCredentials, field_problem
from sdx_desktop.api.client import SdxClient
from sdx_desktop.api.errors import secret_forms
from sdx_desktop.api.http import BearerAuth
from sdx_desktop.sandbox import SandboxServer

from ..helpers import FAST_RETRY

UUID = "5f0c2e9a-7b1d-4e8f-9a6c-3d2b1e0f4a57"
TOKEN = "tok-format-check-0042"

#: (name, character, the words the message must use)
UNSENDABLE = [
    ("newline", "\n", "line break"),
    ("carriage return", "\r", "line break"),
    ("CRLF", "\r\n", "line break"),
    ("next line", "\x85", "line break"),
    ("line separator", "\u2028", "line break"),
    ("tab", "\t", "tab"),
    ("NUL", "\x00", "control character"),
    ("escape", "\x1b", "control character"),
    ("DEL", "\x7f", "control character"),
    ("C1 control", "\x9b", "control character"),
    ("euro sign", "€", "cannot be sent"),
    ("Cyrillic", "ж", "cannot be sent"),
    ("emoji", "😀", "cannot be sent"),
    ("zero-width space", "\u200b", "cannot be sent"),
    ("lone surrogate", "\ud800", "cannot be sent"),
]
IDS = [case[0] for case in UNSENDABLE]

#: Latin-1 characters HTTP carries fine: accepted as they are.
SENDABLE = ["é", "ÿ", "ß", "\xa0", " ", '"', "\\", "/", "+", "%", "&", ":"]


def _bad(value: str, char: str) -> str:
    return value[:5] + char + value[5:]


def _assert_quiet(error: errors.SdxError, secret: str) -> None:
    """Neither the message nor the detail nor the repr repeats the secret (in any form)."""
    for text in (str(error), error.detail, repr(error)):
        for form in secret_forms([secret]):
            assert form not in text, (form, text)


@pytest.mark.parametrize(
    ("scheme", "char"),
    [("basic", "€"), ("basic", "ж"), ("bearer", "\n"), ("bearer", "\r"), ("bearer", "€")],
)
def test_without_the_check_requests_fails_untyped(
    scheme: str, char: str, empty_sandbox: SandboxServer
) -> None:
    """The defect the check prevents, over real HTTP: the raw failures of the layer below
    (a line break in a Basic field is hidden by base64, but is refused all the same)."""
    token = _bad(TOKEN, char)
    auth = requests.auth.HTTPBasicAuth(UUID, token) if scheme == "basic" else BearerAuth(token)
    with pytest.raises((ValueError, UnicodeError)) as info:
        requests.get(empty_sandbox.base_url + "/surveys", auth=auth, timeout=5)
    assert not isinstance(info.value, errors.SdxError)


@pytest.mark.parametrize(("name", "char", "words"), UNSENDABLE, ids=IDS)
def test_unsendable_basic_credentials_are_refused_plainly(name: str, char: str, words: str) -> None:
    for credentials, what in (
        (BasicCredentials(_bad(UUID, char), TOKEN), "customer UUID"),
        (BasicCredentials(UUID, _bad(TOKEN, char)), "auth token"),
    ):
        with pytest.raises(errors.CredentialFormatError) as info:
            credentials.check_sendable()
        message = str(info.value)
        assert f"The {what} contains" in message and words in message
        assert ("auth token" in message) == (what == "auth token")
        assert list(credentials.problems()) == [
            "customer_uuid" if what == "customer UUID" else "auth_token"
        ]
        for secret in credentials.secrets:
            _assert_quiet(info.value, secret)


@pytest.mark.parametrize(("name", "char", "words"), UNSENDABLE, ids=IDS)
def test_unsendable_access_tokens_are_refused_plainly(name: str, char: str, words: str) -> None:
    credentials = TokenCredentials(_bad(TOKEN, char))
    with pytest.raises(errors.CredentialFormatError) as info:
        credentials.check_sendable()
    assert "The access token contains" in str(info.value) and words in str(info.value)
    assert list(credentials.problems()) == ["token"]
    _assert_quiet(info.value, credentials.token)


def test_both_basic_fields_are_named_when_both_are_wrong() -> None:
    credentials = BasicCredentials(_bad(UUID, "\n"), _bad(TOKEN, "€"))
    with pytest.raises(errors.CredentialFormatError) as info:
        credentials.check_sendable()
    assert "customer UUID contains a line break" in str(info.value)
    assert "auth token contains a character that cannot be sent" in str(info.value)
    assert set(credentials.problems()) == {"customer_uuid", "auth_token"}


@pytest.mark.parametrize(("name", "char", "words"), UNSENDABLE, ids=IDS)
def test_no_client_is_built_around_unsendable_credentials(name: str, char: str, words: str) -> None:
    """The client builds its auth from the credentials: refused there too, so no path
    (remembered sign-in, demo, scripts) reaches requests with them."""
    for credentials in (
        BasicCredentials(UUID, _bad(TOKEN, char)),
        TokenCredentials(_bad(TOKEN, char)),
    ):
        with pytest.raises(errors.CredentialFormatError) as info:
            SdxClient(credentials, base_url="http://127.0.0.1:9/api")
        for secret in credentials.secrets:
            _assert_quiet(info.value, secret)


@pytest.mark.parametrize("char", SENDABLE)
def test_latin1_characters_are_accepted_and_really_sent(
    char: str, empty_sandbox: SandboxServer
) -> None:
    """What the check lets through reaches the server (here: refused as wrong, 401),
    with no error from the layer below."""
    assert field_problem("auth token", _bad(TOKEN, char)) == ""
    for credentials in (
        BasicCredentials(UUID, _bad(TOKEN, char)),
        TokenCredentials(_bad(TOKEN, char)),
    ):
        credentials.check_sendable()
        with (
            SdxClient(credentials, base_url=empty_sandbox.base_url, retry=FAST_RETRY) as client,
            pytest.raises(errors.AuthError),
        ):
            client.test_connection()


def test_good_credentials_pass() -> None:
    BasicCredentials(UUID, TOKEN).check_sendable()
    TokenCredentials(TOKEN, label="reporting team").check_sendable()
    assert BasicCredentials(UUID, TOKEN).problems() == {}
    assert TokenCredentials(TOKEN).problems() == {}

"""The scrubber removes every secret in every form it can take in text we did not write.

Each form is computed here independently of the implementation (base64 of ``uuid:token``
as requests sends HTTP Basic, URL-encoding, JSON escaping, …), and the secrets are chosen
so that every form differs from the raw secret: each parametrised case fails on its own
when that form is missing from :func:`errors.secret_forms`.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Callable
from urllib.parse import quote, quote_plus

import pytest
import requests
from requests.auth import HTTPBasicAuth

from sdx_desktop.api.auth import BasicCredentials, TokenCredentials
from sdx_desktop.api.client import SdxClient
from sdx_desktop.api.errors import scrub, secret_forms
from sdx_desktop.api.http import BearerAuth

UUID = "5F0C2E9A-7b1d-4e8f-9a6c-3d2b1e0f4a57"
# "/", "+", "&", "%", " " change under URL-encoding; '"', "\\" and "é" under JSON;
# "<", "&", '"' under HTML. All Latin-1, no control character: sendable.
TOKEN = 'tok/en+with"quote&é\\back%41 sp<x>'
PAIR = f"{UUID}:{TOKEN}"
BASIC = BasicCredentials(UUID, TOKEN)
BEARER = TokenCredentials(TOKEN)


def _b64(text: str, encoding: str = "latin-1") -> str:
    return base64.b64encode(text.encode(encoding)).decode("ascii")


def _basic_header_value() -> str:
    """What requests really puts after ``Basic `` for these credentials."""
    prepared = requests.Request("GET", "http://127.0.0.1/", auth=BASIC.requests_auth()).prepare()
    header = prepared.headers["Authorization"]
    assert header.startswith("Basic ")
    return header.removeprefix("Basic ")


#: name → how the secret text turns into that form.
FORMS: dict[str, Callable[[str], str]] = {
    "raw": lambda s: s,
    "quote safe=''": lambda s: quote(s, safe=""),
    "quote": quote,
    "quote_plus": quote_plus,
    "quote lower-case hex": lambda s: re.sub(r"%[0-9A-F]{2}", lambda m: m[0].lower(), quote(s)),
    "JSON ascii": lambda s: json.dumps(s)[1:-1],
    "JSON utf-8": lambda s: json.dumps(s, ensure_ascii=False)[1:-1],
    "JSON upper-case \\u": lambda s: json.dumps(s)[1:-1].replace("\\u00e9", "\\u00E9"),
    "JSON PHP slashes": lambda s: json.dumps(s)[1:-1].replace("/", "\\/"),
    "HTML": html.escape,
    "HTML no quotes": lambda s: html.escape(s, quote=False),
    "Python repr": lambda s: repr(s)[1:-1],
    "UTF-8 bytes repr": lambda s: repr(s.encode("utf-8"))[2:-1],
    "UTF-8 read as Latin-1": lambda s: s.encode("utf-8").decode("latin-1"),
}


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("secret", [TOKEN, PAIR], ids=["token", "uuid:token"])
def test_every_form_of_a_secret_is_removed(form: str, secret: str) -> None:
    spelled = FORMS[form](secret)
    assert spelled == secret or TOKEN not in spelled, "the form must differ from the raw one"
    text = f"server said: {spelled} (end)"
    scrubbed = scrub(text, BASIC.secrets)
    assert spelled not in scrubbed
    assert scrubbed == "server said: *** (end)"


BASE64_FORMS: dict[str, Callable[[], str]] = {
    "as requests sends it": _basic_header_value,
    "Latin-1": lambda: _b64(PAIR),
    "Latin-1 unpadded": lambda: _b64(PAIR).rstrip("="),
    "UTF-8": lambda: _b64(PAIR, "utf-8"),
    "UTF-8 unpadded": lambda: _b64(PAIR, "utf-8").rstrip("="),
    "URL-safe": lambda: base64.urlsafe_b64encode(PAIR.encode("latin-1")).decode(),
    "URL-encoded": lambda: quote(_b64(PAIR), safe=""),
    "JSON PHP slashes": lambda: _b64(PAIR).replace("/", "\\/"),
}


@pytest.mark.parametrize("form", BASE64_FORMS)
def test_base64_of_uuid_and_token_is_removed(form: str) -> None:
    spelled = BASE64_FORMS[form]()
    # Padding is really there to drop, and the forms really differ.
    assert _b64(PAIR).endswith("=") and _b64(PAIR) != _b64(PAIR, "utf-8")
    text = f"echo: X-Auth={spelled}; done"
    assert scrub(text, BASIC.secrets) == "echo: X-Auth=***; done"


def test_basic_credentials_expose_the_pair_so_its_base64_can_be_found() -> None:
    assert PAIR in BASIC.secrets
    assert _basic_header_value() in secret_forms(BASIC.secrets)
    assert BEARER.secrets == (TOKEN,)


@pytest.mark.parametrize(
    "echo",
    [
        "Authorization: Basic {b64}",
        "authorization:Basic {b64}",
        '"Authorization": "Basic {b64}"',
        "'HTTP_AUTHORIZATION': 'Basic {b64}'",
        '{{\\"Authorization\\": \\"Basic {b64}\\"}}',
        "?authorization=Basic%20{b64_url}&x=1",
        "Authorization: Bearer {token}",
        "Authorization: Bearer {token_json}",
        "<td>Authorization</td>: Bearer {token_html}",
    ],
)
def test_echoed_authorization_headers_are_removed(echo: str) -> None:
    text = echo.format(
        b64=_basic_header_value(),
        b64_url=quote(_basic_header_value(), safe=""),
        token=TOKEN,
        token_json=json.dumps(TOKEN)[1:-1],
        token_html=html.escape(TOKEN),
    )
    for secrets in (BASIC.secrets, BEARER.secrets):
        scrubbed = scrub(text, secrets)
        assert "***" in scrubbed
        assert _basic_header_value() not in scrubbed and "tok" not in scrubbed


@pytest.mark.parametrize(
    "value",
    ["Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "Bearer some-other-token.abc", "Basic QWxhZGRp"],
)
def test_any_authorization_value_is_removed_even_one_we_do_not_know(value: str) -> None:
    """A different or cut-off credential after ``Authorization:`` is still a credential."""
    scrubbed = scrub(f"headers: Host: x, Authorization: {value}, Accept: */*", ())
    assert scrubbed == f"headers: Host: x, Authorization: {value.split()[0]} ***, Accept: */*"


@pytest.mark.parametrize("keep", [4, 10, 20, len(PAIR) - 1])
def test_a_secret_cut_off_at_the_end_of_a_trimmed_message_is_removed(keep: int) -> None:
    """Servers' messages are trimmed to a few hundred characters before scrubbing, so the
    trim may fall inside a secret."""
    for spelled in (_b64(PAIR), TOKEN, quote(TOKEN, safe="")):
        text = "request was: GET /api/surveys; token " + spelled[:keep]
        assert scrub(text, BASIC.secrets) == "request was: GET /api/surveys; token ***"


def test_text_without_secrets_is_unchanged() -> None:
    text = 'HTTP 404 for GET /surveys/5: No such survey. {"a": "b"} 50% off & more'
    assert scrub(text, BASIC.secrets) == text
    assert scrub("", BASIC.secrets) == ""
    assert scrub("token tok", ()) == "token tok"


def test_longest_form_goes_first() -> None:
    """The UUID is part of ``uuid:token``: removing it first would leave the token."""
    assert scrub(f"x {PAIR} y", BASIC.secrets) == "x *** y"
    assert scrub(f"x {PAIR} y", [UUID, TOKEN, PAIR]) == "x *** y"


def test_the_uuid_in_another_letter_case_is_removed() -> None:
    assert scrub(f"user {UUID.lower()} / {UUID.upper()}", BASIC.secrets) == "user *** / ***"


def test_forms_are_computed_once_per_set_of_secrets() -> None:
    first = secret_forms(BASIC.secrets)
    assert secret_forms(list(BASIC.secrets)) is first  # cached, not rebuilt per error
    assert list(first) == sorted(first, key=len, reverse=True)
    assert secret_forms(["", ""]) == ()


# --- reprs ---------------------------------------------------------------------------------


def _assert_no_secret(text: str) -> None:
    for form in secret_forms(BASIC.secrets):
        if len(form) >= 6:
            assert form not in text, (form, text)


def test_reprs_never_show_a_secret() -> None:
    basic_auth = BASIC.requests_auth()
    bearer_auth = BEARER.requests_auth()
    assert isinstance(basic_auth, HTTPBasicAuth) and isinstance(bearer_auth, BearerAuth)
    with (
        SdxClient(BASIC, base_url="http://127.0.0.1:9/api") as basic_client,
        SdxClient(BEARER, base_url="http://127.0.0.1:9/api") as bearer_client,
    ):
        texts = [
            repr(BASIC),
            str(BASIC),
            repr(BEARER),
            str(BEARER),
            repr(basic_auth),
            repr(bearer_auth),
            repr(basic_client),
            str(basic_client),
            repr(bearer_client),
            repr(getattr(basic_client, "_auth", None)),
        ]
    for text in texts:
        _assert_no_secret(text)
    assert "BearerAuth" in repr(bearer_auth) and "SdxClient" in repr(basic_client)


@pytest.mark.parametrize(
    "secret", ["\ud800lone", "nul\x00", "line\nbreak", "😀emoji", "\\", "%", "a", "=="]
)
def test_scrubbing_never_fails_whatever_the_secret(secret: str) -> None:
    """Scrubbing runs on every error: an odd secret must not turn into a crash."""
    assert scrub(f"x {secret} y", [secret, f"{UUID}:{secret}"]) == "x *** y"


def test_a_secret_cut_off_by_one_character_or_from_its_start_is_removed() -> None:
    """The tail search starts where a secret missing only its last character would
    begin, and at the very start of a text that is nothing but a cut-off secret."""
    assert scrub("token " + TOKEN[:-1], [TOKEN]) == "token ***"
    assert scrub(TOKEN[:6], [TOKEN]) == "***"


@pytest.mark.parametrize(
    ("secret", "text", "scrubbed"),
    [
        # The secret's first four characters come back inside it: the tail is cut at
        # the first place from which the rest is a start of the secret, not a later one.
        ("abcdXabcdYabcdZ", "abcdXabcdYabcd", "***"),
        ("abcdXabcdYabcdZ", "abcdabcdXabcd", "abcd***"),
        # Candidates one character apart are each tried.
        ("aaaaba", "aaaaa", "a***"),
    ],
)
def test_a_cut_off_tail_is_found_where_it_starts(secret: str, text: str, scrubbed: str) -> None:
    assert scrub(text, [secret]) == scrubbed

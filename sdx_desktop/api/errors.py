"""Typed API errors, each with a plain-language message for staff.

``str(error)`` is always safe to show: it never contains a credential, a URL with
secrets, or a traceback. ``error.detail`` holds the technical detail for "Copy details"
(status, endpoint path, a trimmed server message) and is scrubbed the same way.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Callable, Iterable
from contextlib import suppress
from functools import lru_cache
from urllib.parse import quote, quote_plus

REDACTED = "***"

#: A cut-off copy of a secret at the very end of a text (servers' messages are trimmed
#: before they are scrubbed) is removed when at least this many characters of it remain.
_MIN_TAIL = 4

#: ``Authorization: Basic …`` / ``Bearer …`` echoed back in any quoting (header dump,
#: JSON, a Python dict, a WSGI ``HTTP_AUTHORIZATION`` key, a query string): whatever
#: follows the scheme is a credential, even one cut short or in a form not listed below.
_AUTH_VALUE_RE = re.compile(
    r"""(authorization\\?["']?\s*[:=]\s*\\?["']?\s*(?:basic|bearer|token)(?:\s+|%20|\+))"""
    r"""[^\s"'\\,;&<>(){}\[\]]+""",
    re.IGNORECASE,
)
_UNICODE_ESCAPE_RE = re.compile(r"\\u([0-9a-f]{4})")
_PERCENT_RE = re.compile(r"%[0-9A-F]{2}")


def _json_forms(text: str) -> set[str]:
    forms = {json.dumps(text)[1:-1], json.dumps(text, ensure_ascii=False)[1:-1]}
    forms |= {f.replace("/", "\\/") for f in forms}  # PHP's json_encode escapes "/"
    forms |= {_UNICODE_ESCAPE_RE.sub(lambda m: "\\u" + m[1].upper(), f) for f in forms}
    return forms


def _url_forms(text: str) -> set[str]:
    forms = {quote(text, safe=""), quote(text), quote_plus(text), quote_plus(text, safe="/")}
    return forms | {_PERCENT_RE.sub(lambda m: m[0].lower(), f) for f in forms}


def _other_forms(text: str) -> set[str]:
    forms = {html.escape(text), html.escape(text, quote=False), repr(text)[1:-1]}
    for encoding in ("utf-8", "latin-1"):
        with suppress(UnicodeEncodeError):  # b'…' as a debug log prints it
            forms.add(repr(text.encode(encoding))[2:-1])
    return forms


_ESCAPES: tuple[Callable[[str], set[str]], ...] = (_json_forms, _url_forms, _other_forms)


def _base64_forms(text: str) -> set[str]:
    """``text`` as HTTP Basic sends it (requests encodes Latin-1; others UTF-8), with and
    without padding, standard and URL-safe alphabet."""
    forms: set[str] = set()
    for encoding in ("latin-1", "utf-8"):
        try:
            raw = text.encode(encoding)
        except UnicodeEncodeError:
            continue
        for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
            forms |= {encoded.decode("ascii"), encoded.rstrip(b"=").decode("ascii")}
    return forms


def _spellings(secret: str) -> set[str]:
    # Case variants: a customer UUID may come back in the server's spelling.
    bases = {secret, secret.lower(), secret.upper(), re.sub(r"\s+", " ", secret)}
    bases |= _base64_forms(secret)
    with suppress(UnicodeEncodeError):  # UTF-8 read as Latin-1 (a body without a charset)
        bases.add(secret.encode("utf-8").decode("latin-1"))
    forms = set(bases)
    for base in bases:
        for escape in _ESCAPES:
            with suppress(UnicodeError):  # a lone surrogate has no UTF-8 to %-encode
                forms |= escape(base)
    return forms


@lru_cache(maxsize=32)
def _forms_of(secrets: tuple[str, ...]) -> tuple[str, ...]:
    forms: set[str] = set()
    for secret in secrets:
        forms |= _spellings(secret)
    forms.discard("")
    return tuple(sorted(forms, key=lambda form: (-len(form), form)))


def secret_forms(secrets: Iterable[str]) -> tuple[str, ...]:
    """Every spelling of each secret that may turn up in text the app did not write,
    longest first: raw; base64 (for ``uuid:token`` as HTTP Basic sends it, also without
    padding); URL-encoded (``quote``, ``quote_plus``); JSON-escaped (``\\"``, ``\\\\``,
    ``\\uXXXX``, PHP's ``\\/``); HTML-escaped; as Python/bytes reprs; UTF-8 read as
    Latin-1. Computed once per set of secrets."""
    return _forms_of(tuple(dict.fromkeys(s for s in secrets if s)))


def _cut_tail(text: str, forms: tuple[str, ...]) -> str:
    """``text`` without a cut-off start of any form at its very end."""
    cut = len(text)
    for form in forms:
        if len(form) <= _MIN_TAIL:
            continue
        head = form[:_MIN_TAIL]
        at = text.find(head, max(0, len(text) - len(form) + 1))
        while at != -1 and at < cut:
            if form.startswith(text[at:]):
                cut = at
                break
            at = text.find(head, at + 1)
    return text if cut == len(text) else text[:cut] + REDACTED


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret, in every form it can take (see :func:`secret_forms`),
    replaced by ``***``; also any ``Authorization`` value echoed back, and the cut-off
    start of a secret at the end of a trimmed text."""
    if not text:
        return text
    forms = secret_forms(secrets)
    text = _cut_tail(text, forms)  # first: a replaced part would hide a cut-off whole
    for form in forms:
        if form in text:
            text = text.replace(form, REDACTED)
    return _AUTH_VALUE_RE.sub(lambda m: m[1] + REDACTED, text)


class SdxError(Exception):
    """Base of every error the client raises."""

    #: The first sentence staff see; subclasses override.
    message = "Something went wrong talking to Survey Dynamix."
    #: What staff can do about it.
    advice = "Please try again. If it keeps happening, contact support."
    #: Whether trying the same thing again later may succeed.
    retryable = False

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int | None = None,
        detail: str = "",
    ) -> None:
        self.status = status
        self.detail = detail
        if message is not None:
            self.message = message
        super().__init__(f"{self.message} {self.advice}".strip())


class AuthError(SdxError):
    message = "Survey Dynamix did not accept the sign-in details."
    advice = "Check the customer UUID and token (or access token) and sign in again."


class BadRequestError(SdxError):
    message = "Survey Dynamix refused the request as invalid."
    advice = "Check what you entered and try again."


class NotFoundError(SdxError):
    message = "That item was not found on Survey Dynamix."
    advice = "It may have been removed. Refresh the list."


class GoneError(NotFoundError):
    message = "That item has been deleted on Survey Dynamix."
    advice = "Refresh the list to see the current state."


class ValueTooLargeError(BadRequestError):
    """413 from the server or a proxy on the way: the request body was too big."""

    message = "This value is too large for Survey Dynamix (at most 65,535 characters)."
    advice = "Shorten the value and try again."


class MethodNotAllowedError(SdxError):
    message = "Survey Dynamix does not allow this action here."
    advice = "Please report this to support."


class ConflictError(SdxError):
    message = "Survey Dynamix refused the change because it conflicts with the current data."
    advice = "Refresh, check the current value and try again."


class RateLimitedError(SdxError):
    message = "Survey Dynamix is busy and asked us to slow down."
    advice = "Wait a minute and try again."
    retryable = True

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int | None = None,
        detail: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, status=status, detail=detail)
        self.retry_after = retry_after


class ServerError(SdxError):
    message = "Survey Dynamix had a problem on its side or is down for maintenance."
    advice = "Nothing was lost. Try again in a few minutes."
    retryable = True


class NetworkError(SdxError):
    message = "Could not reach Survey Dynamix."
    advice = "Check your internet connection and try again."
    retryable = True


class RequestTimeoutError(NetworkError):
    message = "Survey Dynamix took too long to answer."
    advice = "The connection may be slow. Try again."


class NotAnsweringError(RequestTimeoutError):
    """The call's overall deadline (retries included) passed without a usable answer."""

    message = "Survey Dynamix is not answering."
    advice = (
        "Check your connection and try again in a few minutes. A change you were saving "
        "may still have arrived: the app checks before it saves again."
    )


class TlsError(NetworkError):
    message = "The secure connection to Survey Dynamix could not be verified."
    advice = (
        "On an office network this is often a security proxy: ask your IT team to "
        "check that Survey Dynamix is allowed and its certificate trusted."
    )
    retryable = False


class ProtocolError(SdxError):
    message = "Survey Dynamix sent an answer the app could not read."
    advice = "Try again. If it keeps happening, contact support."
    retryable = True


class ResponseTooLargeError(ProtocolError):
    message = "Survey Dynamix sent far more data than expected, so the app stopped reading it."
    advice = "Try again. If it keeps happening, contact support."
    retryable = False


class CredentialFormatError(SdxError):
    """Sign-in details the HTTP layer cannot send (line breaks, control characters, or
    characters outside Latin-1 for the customer UUID/auth token). Never repeats them."""

    message = "The sign-in details contain a character that cannot be sent to Survey Dynamix."
    advice = "Copy them again from Survey Dynamix, without line breaks or extra characters."


class InsecureUrlError(SdxError):
    message = "The address must start with https:// (plain http:// is only for this computer)."
    advice = "Check the server address."


class CancelledError(SdxError):
    message = "Stopped."
    advice = ""

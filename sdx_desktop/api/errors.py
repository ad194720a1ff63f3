"""Typed API errors, each with a plain-language message for staff.

``str(error)`` is always safe to show: it never contains a credential, a URL with
secrets, or a traceback. ``error.detail`` holds the technical detail for "Copy details"
(status, endpoint path, a trimmed server message) and is scrubbed the same way.
"""

from __future__ import annotations

from collections.abc import Iterable


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret replaced by ``***``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


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

    @property
    def user_text(self) -> str:
        return str(self)


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
    advice = "Nothing was changed by the app. Check your connection and try again in a few minutes."


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

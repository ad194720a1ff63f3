"""The one HTTP gateway's plumbing: session, retries, TLS trust, and mapping answers to errors."""

from __future__ import annotations

import json
import os
import re
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase
from urllib3.util.retry import Retry

from . import deadline, errors
from .errors import scrub

#: The API's writes are idempotent (upsert by interaction + key, delete by id), so
#: every method the client uses may be retried after a lost answer.
RETRY_METHODS = frozenset({"GET", "POST", "DELETE"})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class Timeouts:
    connect: float = 6.0
    #: Longest wait for any one read from the server.
    read: float = 30.0
    #: Whole call, every retry and back-off included (see deadline.py).
    total: float = 60.0


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard the client tries before it reports a failure."""

    attempts: int = 4
    backoff: float = 0.5
    #: Upper bound for any single wait, including a server's ``Retry-After``.
    max_wait: float = 20.0


class _CappedRetry(Retry):
    """urllib3 ``Retry`` whose ``Retry-After`` waits are capped, so a server asking for an
    hour cannot freeze a load; the cap travels with every ``new()`` copy. No retry
    starts and no wait lasts past the call's overall deadline."""

    max_retry_after: float = 20.0

    def new(self, **kw: Any) -> _CappedRetry:
        copy = super().new(**kw)
        copy.max_retry_after = self.max_retry_after
        return copy

    def get_retry_after(self, response: Any) -> float | None:
        after = super().get_retry_after(response)
        return None if after is None else _within_deadline(min(after, self.max_retry_after))

    def get_backoff_time(self) -> float:
        return _within_deadline(super().get_backoff_time())

    def sleep(self, response: Any = None) -> None:
        """Wait before the next try (never past the deadline); no try starts after it."""
        super().sleep(response)
        if deadline.expired():
            raise urllib3.exceptions.MaxRetryError(
                None,  # type: ignore[arg-type]  # no pool at hand; urllib3 allows None
                "",
                _DeadlinePassed(),
            )


class _DeadlinePassed(urllib3.exceptions.TimeoutError):
    """The call's overall deadline passed between attempts."""


def _within_deadline(wait: float) -> float:
    left = deadline.remaining()
    return wait if left is None else min(wait, left)


def make_retry(policy: RetryPolicy) -> Retry:
    retry = _CappedRetry(
        total=policy.attempts,
        connect=policy.attempts,
        read=policy.attempts,
        status=policy.attempts,
        other=0,
        backoff_factor=policy.backoff,
        backoff_max=policy.max_wait,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=RETRY_METHODS,
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    retry.max_retry_after = policy.max_wait
    return retry


class _DeadlineAdapter(HTTPAdapter):
    """Connections whose waits for an answer end at the call's deadline (deadline.py),
    direct or through a proxy."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = deadline.POOL_CLASSES

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = deadline.POOL_CLASSES
        return manager


class _TrustStoreAdapter(_DeadlineAdapter):
    """Verifies TLS against the operating system's certificate store, so office PCs
    behind a TLS-inspecting proxy work like their browser does."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        import truststore

        kwargs["ssl_context"] = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        super().init_poolmanager(*args, **kwargs)


def build_session(
    *, pool_size: int, policy: RetryPolicy, user_agent: str, use_proxies: bool = True
) -> requests.Session:
    """One pooled session. ``use_proxies=False`` ignores the environment's proxy
    settings: the practice server on this computer must never be reached through a
    proxy, which would see the Authorization header in clear text."""
    session = requests.Session()
    # Proxies (and a CA bundle) from the environment, as on the office network.
    session.trust_env = use_proxies
    if not use_proxies:
        # trust_env also carried the company CA bundle: keep honouring it.
        session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or True
    session.headers["User-Agent"] = user_agent
    session.headers["Accept"] = "application/json"
    adapter_class = _DeadlineAdapter if os.environ.get("REQUESTS_CA_BUNDLE") else _TrustStoreAdapter
    retry = make_retry(policy)
    for prefix in ("https://", "http://"):
        session.mount(
            prefix,
            adapter_class(pool_connections=2, pool_maxsize=pool_size, max_retries=retry),
        )
    return session


# --- turning answers into results or typed errors ---------------------------------------

_STATUS_ERRORS: dict[int, type[errors.SdxError]] = {
    400: errors.BadRequestError,
    401: errors.AuthError,
    403: errors.AuthError,
    404: errors.NotFoundError,
    405: errors.MethodNotAllowedError,
    409: errors.ConflictError,
    410: errors.GoneError,
    413: errors.ValueTooLargeError,
    422: errors.BadRequestError,
    429: errors.RateLimitedError,
}

_TAG_RE = re.compile(r"<[^>]+>")
_SPACE_RE = re.compile(r"\s+")
_HIDDEN_RE = re.compile(r"<(head|style|script)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


def server_message(response: requests.Response) -> tuple[str, bool]:
    """The server's own words about an error, trimmed to one short line, and whether
    they came from a JSON error object (only those are meant for people: an HTML or
    text body is a proxy's or web server's page, kept for the technical details)."""
    body = response.text if response.content else ""
    try:
        data = json.loads(body) if body else None
    except ValueError:
        data = None
    if isinstance(data, dict):
        inner = data.get("error", data)
        message = ""
        if isinstance(inner, dict):
            message = str(inner.get("message") or inner.get("detail") or "")
        elif isinstance(inner, str):
            message = inner
        message = message or str(data.get("message") or "")
        return _one_line(message), bool(message)
    return _one_line(_TAG_RE.sub(" ", _HIDDEN_RE.sub(" ", body))), False


def _one_line(text: str) -> str:
    return _SPACE_RE.sub(" ", text).strip()


#: Technical details keep this much of the server's words (after scrubbing).
DETAIL_LIMIT = 300
#: A reason longer than this is not a sentence for people (a dump, an echoed request):
#: staff get the plain message instead, the details keep the text.
REASON_LIMIT = 160


def error_for_response(
    response: requests.Response, path: str, secrets: Iterable[str]
) -> errors.SdxError:
    status = response.status_code
    raw, for_people = server_message(response)
    # scrub() also removes the start of a secret cut off at the end of the text.
    said = scrub(raw[:DETAIL_LIMIT], secrets)
    for_people = for_people and len(raw) <= REASON_LIMIT
    detail = f"HTTP {status} for {response.request.method} {path}" + (f": {said}" if said else "")
    cls = _STATUS_ERRORS.get(status)
    if cls is errors.RateLimitedError:
        return errors.RateLimitedError(
            status=status, detail=detail, retry_after=_retry_after(response)
        )
    if cls is errors.ValueTooLargeError:
        return cls(status=status, detail=detail)
    if cls is errors.BadRequestError and said and for_people:
        # The server's reason (e.g. which parameter) helps staff more than a generic line.
        return errors.BadRequestError(
            f"Survey Dynamix refused the request: {said.rstrip('.')}.",
            status=status,
            detail=detail,
        )
    if cls is None:
        cls = errors.ServerError if status >= 500 else errors.ProtocolError
    return cls(status=status, detail=detail)


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return float(value)
    except ValueError:
        return None


def error_for_exception(
    exc: requests.RequestException, path: str, secrets: Iterable[str]
) -> errors.SdxError:
    detail = scrub(f"{type(exc).__name__} for {path}: {_root_cause(exc)}", secrets)
    if isinstance(exc, requests.exceptions.SSLError):
        return errors.TlsError(detail=detail)
    # urllib3 makes a refused connection a kind of ConnectTimeoutError: test it first.
    if _caused_by(exc, urllib3.exceptions.NewConnectionError):
        return errors.NetworkError(detail=detail)
    if isinstance(exc, requests.exceptions.Timeout) or _caused_by(
        exc, urllib3.exceptions.TimeoutError
    ):
        return errors.RequestTimeoutError(detail=detail)
    if isinstance(exc, requests.exceptions.ConnectionError):
        return errors.NetworkError(detail=detail)
    return errors.ProtocolError(detail=detail)


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return True
        seen.add(id(current))
        reason = getattr(current, "reason", None)
        nested = reason if isinstance(reason, BaseException) else None
        args_exc = next((a for a in current.args if isinstance(a, BaseException)), None)
        current = nested or args_exc or current.__cause__ or current.__context__
    return False


def _root_cause(exc: BaseException) -> str:
    current: BaseException = exc
    for _ in range(6):
        reason = getattr(current, "reason", None)
        nested = reason if isinstance(reason, BaseException) else None
        nested = nested or next((a for a in current.args if isinstance(a, BaseException)), None)
        if nested is None:
            break
        current = nested
    return f"{type(current).__name__}: {current}"[:300]


#: Largest answer the client reads (a 1,000-tag page is ~150 KB).
MAX_BODY_BYTES = 64 * 1024 * 1024
_CHUNK = 256 * 1024


def read_body(response: requests.Response, path: str, limit: int = MAX_BODY_BYTES) -> bytes:
    """The whole body of a streamed response, refusing one larger than ``limit``."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        response.close()
        raise _too_large(path, int(declared), limit)
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(_CHUNK):
        size += len(chunk)
        if size > limit:
            response.close()
            raise _too_large(path, size, limit)
        chunks.append(chunk)
    body = b"".join(chunks)
    response._content = body  # so response.text / .json() work as usual
    return body


def _too_large(path: str, size: int, limit: int) -> errors.ResponseTooLargeError:
    return errors.ResponseTooLargeError(
        detail=f"{path} answered with more than {limit:,} bytes ({size:,} read or declared)"
    )


class BearerAuth(AuthBase):
    """``Authorization: Bearer <token>``, with the token kept out of reprs."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = f"Bearer {self._token}"
        return r

    def __repr__(self) -> str:
        return "BearerAuth(<hidden>)"

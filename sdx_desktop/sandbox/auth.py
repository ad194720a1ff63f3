"""Credential checks: HTTP Basic (customer UUID + auth token) and Bearer tokens."""

from __future__ import annotations

import base64
import binascii
import hmac


def _same(given: bytes, expected: str) -> bool:
    # Constant-time, so response timing does not reveal how much of a secret matched.
    return hmac.compare_digest(given, expected.encode("utf-8"))


def _split(header: str | None) -> tuple[str, bytes] | None:
    """``(lower-case scheme, raw parameter bytes)`` of a well-formed header, else None."""
    if not header:
        return None
    scheme, _, param = header.partition(" ")
    if not param or param != param.strip() or " " in param:
        return None
    # werkzeug hands headers over as latin-1 text; this restores the raw bytes.
    return scheme.lower(), param.encode("latin-1", errors="replace")


def is_authorized(header: str | None, basic: tuple[str, str] | None, bearer: str | None) -> bool:
    """True if an ``Authorization`` header carries one of the configured credentials.

    ``basic`` is ``(customer_uuid, auth_token)``; either credential may be
    None to disable that scheme. Anything missing or malformed is False.
    """
    parts = _split(header)
    if parts is None:
        return False
    scheme, raw = parts
    if scheme == "bearer" and bearer is not None:
        return _same(raw, bearer)
    if scheme == "basic" and basic is not None:
        try:
            decoded = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            return False
        user, colon, password = decoded.partition(b":")
        if not colon:
            return False
        user_ok = _same(user, basic[0])
        password_ok = _same(password, basic[1])
        return user_ok and password_ok
    return False


def is_bearer(header: str | None, token: str | None) -> bool:
    """True if the header is exactly ``Bearer <token>`` (scheme case-insensitive)."""
    parts = _split(header)
    if parts is None or token is None:
        return False
    scheme, raw = parts
    return scheme == "bearer" and _same(raw, token)

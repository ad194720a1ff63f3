"""Credential checks: HTTP Basic (customer UUID + auth token) and Bearer tokens."""

from __future__ import annotations

import base64
import binascii
import hmac


def _same(given: bytes, expected: str) -> bool:
    # Constant-time, so response timing does not reveal how much of a secret matched.
    return hmac.compare_digest(given, expected.encode("utf-8"))


def is_authorized(header: str | None, basic: tuple[str, str] | None, bearer: str | None) -> bool:
    """True if an ``Authorization`` header carries one of the configured credentials.

    ``basic`` is ``(customer_uuid, auth_token)``; either credential may be
    None to disable that scheme. Anything missing or malformed is False.
    """
    if not header:
        return False
    scheme, _, param = header.partition(" ")
    scheme = scheme.lower()
    if not param or param != param.strip() or " " in param:
        return False
    # werkzeug hands headers over as latin-1 text; this restores the raw bytes.
    raw = param.encode("latin-1", errors="replace")
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

"""The tag key rule: ``^[A-Za-z][A-Za-z0-9_]*$``, with a reason for each way to break it.

The rule is a fact of the API (the server refuses any other key), so ``api/`` owns it:
:meth:`SdxClient.set_tag <sdx_desktop.api.client.SdxClient.set_tag>` checks it before
sending. The rules in ``domain/`` re-use it through :mod:`sdx_desktop.domain.keys`,
which the edit dialog and bulk imports call. The sandbox keeps its own copy of the rule
(it is a separate server) and a property test proves the two agree on every string.
"""

from __future__ import annotations

import string

_LETTERS = frozenset(string.ascii_letters)
_KEY_CHARS = frozenset(string.ascii_letters + string.digits + "_")


class KeyRuleError(ValueError):
    """A tag key that the API would refuse; ``str()`` is the reason in plain words."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(reason)
        self.key = key
        self.reason = reason


def key_problem(key: str) -> str | None:
    """Return why ``key`` is not a valid tag key, or ``None`` when it is valid."""
    if key == "":
        return "The key is empty. Type a name such as REGION or tier."
    if key.strip() == "":
        return "The key is only spaces. Type a name such as REGION or tier."
    if key != key.strip():
        return "The key must not start or end with a space."
    if key[0] not in _LETTERS:
        return "The key must start with a letter (A–Z or a–z)."
    bad = sorted({ch for ch in key if ch not in _KEY_CHARS})
    if bad:
        shown = ", ".join(_describe(ch) for ch in bad[:5])
        return f"The key may contain only letters A–Z, digits and _ (not {shown})."
    return None


def is_valid_key(key: str) -> bool:
    return key_problem(key) is None


def check_key(key: str) -> str:
    """Return ``key`` unchanged, or raise :class:`KeyRuleError` with the reason."""
    problem = key_problem(key)
    if problem is not None:
        raise KeyRuleError(key, problem)
    return key


def _describe(ch: str) -> str:
    if ch == " ":
        return "spaces"
    if not ch.isprintable():
        return f"the invisible character U+{ord(ch):04X}"
    return f"“{ch}”"

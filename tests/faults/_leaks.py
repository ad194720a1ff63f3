"""Searching text for any part of any form of a secret (importable, unlike fixtures).

The forms are spelled out here, independently of the scrubber under test
(``errors.secret_forms``): switching a form off there must make a test fail, not
silently stop the search for it.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Iterable, Mapping
from urllib.parse import quote, quote_plus

#: Any this many characters in a row of any form of a secret count as a leak: a secret
#: cut short by a trimmed message, or half-removed by a scrubber that stopped at a quote,
#: still shows.
WINDOW = 8


def spellings(secret: str) -> set[str]:
    """How ``secret`` may be written in text the app did not write."""
    forms = {secret, secret.lower(), secret.upper()}
    for encoding in ("latin-1", "utf-8"):
        raw = secret.encode(encoding, errors="replace")
        for b64 in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
            forms.add(b64.decode("ascii"))
    escaped: set[str] = set()
    for form in forms:
        escaped |= {
            quote(form, safe=""),
            quote(form),
            quote_plus(form),
            json.dumps(form)[1:-1],
            json.dumps(form, ensure_ascii=False)[1:-1],
            json.dumps(form)[1:-1].replace("/", "\\/"),
            html.escape(form),
            html.escape(form, quote=False),
            repr(form)[1:-1],
        }
    return forms | escaped


class LeakSearch:
    """Finds pieces of ``secrets`` in any of their :func:`spellings` in text. List
    ``uuid:token`` among the secrets to find the HTTP Basic header's base64."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self.secrets = tuple(secrets)
        self._pieces = frozenset(
            form[i : i + WINDOW]
            for secret in self.secrets
            for form in spellings(secret)
            if len(form) >= WINDOW
            for i in range(len(form) - WINDOW + 1)
        )

    def pieces(self, text: str) -> set[str]:
        """The pieces of secrets found in ``text``."""
        return {text[i : i + WINDOW] for i in range(len(text) - WINDOW + 1)} & self._pieces

    def found(self, places: Mapping[str, str]) -> dict[str, list[str]]:
        """Place → pieces found there, for every place that has any."""
        return {
            where: sorted(pieces) for where, text in places.items() if (pieces := self.pieces(text))
        }

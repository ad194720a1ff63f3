"""Helpers of the fault and security suite (importable, unlike fixtures)."""

from __future__ import annotations

import http.server
import re
from dataclasses import dataclass
from typing import Any, ClassVar

from PySide6.QtGui import QTextDocument

from sdx_desktop.api.http import Timeouts
from sdx_desktop.sandbox import SandboxServer

#: A read timeout well under the sandbox's injected delay, so "timeout" faults time out.
SHORT_TIMEOUTS = Timeouts(connect=2.0, read=0.3)
TIMEOUT_DELAY_S = 0.6

_TECHNICAL = [
    (re.compile(r"HTTP", re.IGNORECASE), "an HTTP status line or URL scheme"),
    (re.compile(r"Traceback|File \"|line \d+, in "), "a traceback"),
    (re.compile(r"Exception"), "the word Exception"),
    (re.compile(r"\b[A-Z][A-Za-z0-9]*(?:Error|Exception)\b"), "an exception class name"),
    (re.compile(r"[a-z][a-z0-9+.-]*://", re.IGNORECASE), "a URL"),
    (re.compile(r"\bwww\.|\blocalhost\b|\b\d{1,3}(?:\.\d{1,3}){3}\b"), "a host name"),
    (re.compile(r"/api\b|/interaction_data|/surveys|/interactions"), "an API path"),
    (re.compile(r"\burllib3\b|\brequests\b|\bErrno\b|\bwerkzeug\b", re.IGNORECASE), "a library"),
    (re.compile(r"[<>{}]"), "markup or JSON"),
]


def plain_problems(text: str) -> list[str]:
    """What makes ``text`` unfit for staff (empty list: it reads as plain words)."""
    problems = [why for pattern, why in _TECHNICAL if pattern.search(text)]
    if not text.strip():
        problems.append("nothing at all")
    return problems


def assert_plain(text: str) -> None:
    problems = plain_problems(text)
    assert not problems, f"not plain language ({', '.join(problems)}): {text!r}"


def rich_to_plain(rich: str) -> str:
    """What a rich-text QLabel shows, as plain text."""
    document = QTextDocument()
    document.setHtml(rich)
    return " ".join(document.toPlainText().split())


@dataclass(frozen=True)
class FaultCase:
    """One kind of failure, how to make the sandbox produce it, and what staff must read."""

    name: str
    faults: dict[str, Any]
    #: Each group: at least one of its phrases must appear (case-insensitive).
    meaning: tuple[tuple[str, ...], ...]
    #: The request was carried out, only its answer was lost or spoilt.
    answer_lost: bool = False

    def __str__(self) -> str:
        return self.name


def _status(code: int, *meaning: tuple[str, ...]) -> FaultCase:
    return FaultCase(str(code), {"status_rates": {code: 1.0}}, meaning)


AGAIN = ("try again",)
#: Every fault class and every API error status the contract lists.
FAULT_CASES: tuple[FaultCase, ...] = (
    FaultCase(
        "reset",
        {"reset_rate": 1.0},
        (("could not reach",), ("check your internet connection",), AGAIN),
    ),
    FaultCase(
        "timeout",
        {"timeout_rate": 1.0, "timeout_delay_s": TIMEOUT_DELAY_S},
        (("took too long",), AGAIN),
        answer_lost=True,
    ),
    FaultCase(
        "malformed",
        {"malformed_rate": 1.0, "malformed_kind": "truncated"},
        (("could not read",), AGAIN),
        answer_lost=True,
    ),
    _status(400, ("refused",), ("check",), AGAIN),
    _status(401, ("sign-in details", "sign in"), ("sign in again",), ("check",)),
    _status(404, ("not found",), ("refresh",)),
    _status(405, ("does not allow",), ("support",)),
    _status(409, ("conflicts",), ("check",), AGAIN),
    _status(410, ("deleted",), ("refresh",)),
    _status(429, ("busy",), ("wait", "later"), AGAIN),
    _status(500, ("problem on its side",), AGAIN),
    _status(503, ("problem on its side", "maintenance"), AGAIN),
)


def assert_means(text: str, case: FaultCase) -> None:
    lowered = text.lower()
    for group in case.meaning:
        assert any(phrase in lowered for phrase in group), (
            f"{case.name}: expected one of {group} in {text!r}"
        )


def new_interaction(server: SandboxServer, name: str = "Fault suite", tags: int = 0) -> int:
    """A fresh interaction in a fresh survey, with ``tags`` tags KEY_000… on it."""
    survey_id = server.store.create_survey(name)
    if tags:
        server.store.bulk_create_tags(survey_id, tags, per_interaction=tags)
        return server.store.interaction_ids(survey_id)[0]
    return server.store.create_interaction(survey_id)


def survey_of(server: SandboxServer, interaction_id: int) -> int:
    row = server.store.get_interaction(interaction_id)
    assert row is not None
    return int(row["survey_id"])


def duplicate_keys(server: SandboxServer, survey_id: int) -> list[tuple[int, str]]:
    """(interaction, key) pairs held by more than one live tag of the survey."""
    seen: set[tuple[int, str]] = set()
    dupes: list[tuple[int, str]] = []
    for tag_id in sorted(server.store.tag_ids(survey_id=survey_id)):
        row = server.store.get_tag_row(tag_id)
        assert row is not None and not row["deleted"]
        pair = (int(row["interaction_id"]), str(row["custom_key"]))
        if pair in seen:
            dupes.append(pair)
        seen.add(pair)
    return dupes


# --- tiny local HTTP servers, for answers the sandbox does not give --------------------


class CannedHandler(http.server.BaseHTTPRequestHandler):
    """Answers every request with the same status, headers and body; records what came."""

    status = 200
    headers: ClassVar[dict[str, str]] = {"Content-Type": "application/json"}
    body = b"[]"
    #: (method, path, Authorization header) of each request received.
    seen: ClassVar[list[tuple[str, str, str]]] = []

    def _answer(self) -> None:
        self.seen.append((self.command, self.path, self.headers.get("Authorization", "")))
        self.send_response(self.status)
        for name, value in self.headers_out().items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def headers_out(self) -> dict[str, str]:
        return dict(type(self).headers)

    do_GET = do_POST = do_DELETE = _answer

    def log_message(self, format: str, *args: object) -> None:
        pass


def canned(
    status: int = 200, body: bytes = b"[]", headers: dict[str, str] | None = None
) -> type[CannedHandler]:
    """A handler class of its own (with its own ``seen`` list)."""
    return type(
        "Canned",
        (CannedHandler,),
        {
            "status": status,
            "body": body,
            "headers": headers if headers is not None else {"Content-Type": "application/json"},
            "seen": [],
        },
    )


class QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # e.g. a TLS handshake the client refused: expected in these tests

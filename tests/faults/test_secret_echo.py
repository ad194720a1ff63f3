"""A server that echoes the request back in its errors (``echo_request``: every header,
``Authorization`` included) must not get a secret in front of staff or into the log.

Over real HTTP to the sandbox, with Basic and with Bearer credentials and each error body
style, the tests provoke errors (404 for an unknown survey, 400 for a bad parameter, an
injected 500, a refused write, 401 for a mistyped token, 403 for a token without rights),
check that the raw answer really carried the secret, and then search every place the
error reaches for any part of any form of a secret: ``str(error)``, ``error.detail``,
reprs, the error dialog's text, its details and what "Copy details" copies, the app's
log file, and the reprs of the client and credentials.

The tokens hold characters that change under URL-encoding, JSON and HTML escaping, and
the mistyped one a Latin-1 letter, so each form of a secret is a different string.
"""

from __future__ import annotations

import base64
import html
import json
import logging
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from sdx_desktop.api import errors
from sdx_desktop.api.auth import BasicCredentials, Credentials, TokenCredentials
from sdx_desktop.api.client import SdxClient
from sdx_desktop.api.http import RetryPolicy, Timeouts
from sdx_desktop.logs import configure_logging
from sdx_desktop.sandbox import SandboxServer
from sdx_desktop.settings import log_dir
from sdx_desktop.ui import error_dialog
from sdx_desktop.ui.error_dialog import error_details, install_excepthook, show_error

from ._leaks import LeakSearch
from ._support import assert_plain

UUID = "5F0C2E9A-7b1d-4e8f-9a6c-3d2b1e0f4a57"
#: Accepted by the sandbox (Basic and Bearer): "/", "+", "%", "=" change under
#: URL-encoding, '"' and "\\" under JSON, '"', "&", "<", ">" under HTML.
TOKEN = 'tok/en+with"quote&pct%41\\back<x>=~'
#: A mistyped token: never accepted (401); "é" is Latin-1, so it is sent.
WRONG_TOKEN = 'wrong/tok+"é&x-9913'
#: Accepted as a Bearer token without rights (403).
NO_RIGHTS = "no-rights/tok+en&x%2F"
SECRETS = [
    UUID,
    TOKEN,
    WRONG_TOKEN,
    NO_RIGHTS,
    f"{UUID}:{TOKEN}",
    f"{UUID}:{WRONG_TOKEN}",
]

SEARCH = LeakSearch(SECRETS)


def leaks(text: str) -> set[str]:
    """The pieces of secrets found in ``text``."""
    return SEARCH.pieces(text)


def as_echoed(value: str, style: str) -> tuple[str, ...]:
    """``value`` as an error body of that style may spell it."""
    if style == "json":
        return (json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1])
    if style == "html":
        return (html.escape(value),)
    return (value,)


@dataclass
class Seen:
    """The raw answers a client received, and the places its errors reached."""

    bodies: list[tuple[str, str]] = field(default_factory=list)  # (Authorization, body)
    places: dict[str, str] = field(default_factory=dict)
    errors: list[errors.SdxError] = field(default_factory=list)


def _client(server: SandboxServer, credentials: Credentials, seen: Seen) -> SdxClient:
    client = SdxClient(
        credentials,
        base_url=server.base_url,
        retry=RetryPolicy(attempts=0, backoff=0.0),
        timeouts=Timeouts(connect=2.0, read=5.0),
    )

    def keep(response: requests.Response, *args: object, **kwargs: object) -> None:
        seen.bodies.append((response.request.headers.get("Authorization", ""), response.text))

    # Tests only: the exact bytes the client received, before any scrubbing.
    client._session.hooks["response"].append(keep)
    return client


def _show(qtbot: QtBot, error: BaseException, secrets: tuple[str, ...]) -> dict[str, str]:
    """What the error dialog shows and what its "Copy details" button copies."""
    clipboard = QApplication.clipboard()
    clipboard.clear()
    box = show_error(None, error, secrets)
    qtbot.addWidget(box)
    (copy,) = [b for b in box.buttons() if b.text() == "Copy details"]
    copy.click()
    shown = {
        "dialog text": box.text(),
        "dialog informative text": box.informativeText(),
        "dialog details": box.detailedText(),
        "copied details": clipboard.text(),
        "window title": box.windowTitle(),
    }
    assert shown["copied details"] == box.detailedText() != ""
    box.close()
    return shown


def _record(
    qtbot: QtBot, seen: Seen, name: str, call: Callable[[], object], secrets: tuple[str, ...]
) -> errors.SdxError:
    with pytest.raises(errors.SdxError) as info:
        call()
    error = info.value
    seen.errors.append(error)
    places = {
        "str": str(error),
        "detail": error.detail,
        "repr": repr(error),
        "args": repr(error.args),
        "error_details": error_details(error, secrets),
        **_show(qtbot, error, secrets),
    }
    seen.places.update({f"{name}: {where}": text for where, text in places.items()})
    return error


@pytest.fixture
def log_file(app_home: Path) -> Iterator[Path]:
    """The app's own log file (under ``SDX_DESKTOP_HOME``), at DEBUG."""
    root = logging.getLogger()
    level = root.level
    handler = configure_logging(logging.DEBUG)
    assert handler is not None
    yield log_dir() / "sdx-desktop.log"
    root.removeHandler(handler)
    handler.close()
    root.setLevel(level)


@pytest.fixture(scope="module")
def echo_server() -> Iterator[SandboxServer]:
    with SandboxServer.start(sample="none", basic=(UUID, TOKEN), bearer=TOKEN) as server:
        yield server


@pytest.fixture
def echoing(echo_server: SandboxServer) -> Iterator[SandboxServer]:
    echo_server.clear_faults()
    echo_server.clear_quirks()
    echo_server.forbidden_bearer = None
    yield echo_server
    echo_server.clear_faults()
    echo_server.clear_quirks()
    echo_server.forbidden_bearer = None


def _assert_nothing_leaked(seen: Seen, log: Path, extra: dict[str, str]) -> None:
    places = {**seen.places, **extra, "log file": log.read_text(encoding="utf-8")}
    found = SEARCH.found(places)
    assert found == {}, f"pieces of secrets shown or logged: {found}"


def _assert_echo_carried_secrets(seen: Seen, style: str) -> None:
    """Not vacuous: every answer echoed the Authorization header it was sent, secret and
    all, in the body's own escaping."""
    assert seen.bodies
    for authorization, body in seen.bodies:
        assert authorization.startswith(("Basic ", "Bearer "))
        spellings = as_echoed(authorization, style)
        assert any(f"Authorization: {spelled}" in body for spelled in spellings), body
        assert leaks(body), body


@pytest.mark.parametrize("style", ["json", "html", "text"])
@pytest.mark.parametrize("method", ["basic", "bearer"])
def test_echoed_secrets_never_reach_staff_or_the_log(
    qtbot: QtBot, echoing: SandboxServer, log_file: Path, style: str, method: str
) -> None:
    server = echoing
    server.set_quirks(echo_request=True, error_body=style)
    good: Credentials = (
        BasicCredentials(UUID, TOKEN) if method == "basic" else TokenCredentials(TOKEN)
    )
    wrong: Credentials = (
        BasicCredentials(UUID, WRONG_TOKEN) if method == "basic" else TokenCredentials(WRONG_TOKEN)
    )
    seen = Seen()
    with _client(server, good, seen) as client, _client(server, wrong, seen) as mistyped:
        secrets = good.secrets
        not_found = _record(qtbot, seen, "404", lambda: client.get_survey(987654), secrets)
        _record(
            qtbot,
            seen,
            "400",
            lambda: client.list_interactions(start_date="2024-01-01"),
            secrets,
        )
        _record(qtbot, seen, "POST 404", lambda: client.set_tag(987654, "tier", "GOLD"), secrets)
        server.set_faults(status_rates={500: 1.0})
        _record(qtbot, seen, "500", lambda: client.list_surveys(limit=1), secrets)
        server.clear_faults()
        refused = _record(qtbot, seen, "401", mistyped.test_connection, wrong.secrets)
        reprs = {
            "repr(client)": repr(client),
            "repr(mistyped client)": repr(mistyped),
            "repr(credentials)": repr(good) + str(good) + repr(wrong) + str(wrong),
        }

    assert isinstance(not_found, errors.NotFoundError) and isinstance(refused, errors.AuthError)
    assert [type(e).__name__ for e in seen.errors] == [
        "NotFoundError",
        "BadRequestError",
        "NotFoundError",
        "ServerError",
        "AuthError",
    ]
    _assert_echo_carried_secrets(seen, style)
    # The echo reached what staff see, and the scrubber took the credential out of it.
    for name in ("404", "401"):
        detail = seen.places[f"{name}: detail"]
        assert "request was:" in detail and f"Authorization: {good_scheme(method)} ***" in detail
    logged = log_file.read_text(encoding="utf-8")
    assert "GET /surveys/987654 failed" in logged and "request was:" in logged
    _assert_nothing_leaked(seen, log_file, reprs)


def good_scheme(method: str) -> str:
    return "Basic" if method == "basic" else "Bearer"


@pytest.mark.parametrize("style", ["json", "html", "text"])
def test_a_token_without_rights_is_not_echoed_to_staff(
    qtbot: QtBot, echoing: SandboxServer, log_file: Path, style: str
) -> None:
    server = echoing
    server.forbidden_bearer = NO_RIGHTS
    server.set_quirks(echo_request=True, error_body=style)
    credentials = TokenCredentials(NO_RIGHTS)
    seen = Seen()
    with _client(server, credentials, seen) as client:
        error = _record(qtbot, seen, "403", client.test_connection, credentials.secrets)
    assert isinstance(error, errors.AuthError) and error.status == 403
    _assert_echo_carried_secrets(seen, style)
    assert "Authorization: Bearer ***" in error.detail
    _assert_nothing_leaked(seen, log_file, {})


def test_an_unexpected_error_quoting_a_secret_is_scrubbed_in_dialog_and_log(
    qtbot: QtBot, log_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What an untyped error from below (like requests' invalid-header error) says is
    scrubbed on its way to the log file and the dialog too."""
    credentials = BasicCredentials(UUID, TOKEN)
    b64 = base64.b64encode(f"{UUID}:{TOKEN}".encode("latin-1")).decode()
    boom = ValueError(f"Invalid header value b'Basic {b64}' for {UUID}; token {TOKEN!r}")
    assert leaks(str(boom))
    shown: list[QMessageBox] = []

    def recording_show_error(*args: Any) -> QMessageBox:
        box = show_error(*args)
        shown.append(box)
        return box

    monkeypatch.setattr(error_dialog, "show_error", recording_show_error)
    previous = install_excepthook(lambda: credentials.secrets)
    try:
        raise boom
    except ValueError:
        kind, value, tb = sys.exc_info()
        assert kind is not None and value is not None
        sys.excepthook(kind, value, tb)
    finally:
        sys.excepthook = previous
    (box,) = shown
    qtbot.addWidget(box)
    places = {"dialog text": box.text(), "dialog details": box.detailedText()}
    box.close()
    logged = log_file.read_text(encoding="utf-8")
    assert "Unexpected error" in logged and "Invalid header value" in logged
    found = {where: leaks(text) for where, text in {**places, "log": logged}.items()}
    assert all(not pieces for pieces in found.values()), found


def test_an_echoed_request_is_not_shown_to_staff_as_the_reason(echoing: SandboxServer) -> None:
    echoing.set_quirks(echo_request=True)
    seen = Seen()
    with (
        _client(echoing, BasicCredentials(UUID, TOKEN), seen) as client,
        pytest.raises(errors.BadRequestError) as info,
    ):
        client.list_interactions(start_date="2024-01-01")
    assert not leaks(str(info.value))
    assert_plain(str(info.value))

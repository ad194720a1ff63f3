"""Fixtures of the fault and security suite.

Every module gets its own sandbox (faults and quirks are switched per test and reset
afterwards, so nothing leaks into the shared session server of the other suites), and
a main-window factory whose client can have short timeouts.
"""

from __future__ import annotations

import http.server
import ssl
import threading
from collections.abc import Callable, Iterator

import pytest
from pytestqt.qtbot import QtBot

from sdx_desktop.sandbox import SandboxServer
from sdx_desktop.settings import Settings
from sdx_desktop.ui.main_window import MainWindow
from sdx_desktop.ui.session import ClientProxy
from sdx_desktop.ui.tasks import TaskRunner

from ..helpers import make_client
from ._support import QuietServer

WindowFactory = Callable[..., MainWindow]
Serve = Callable[..., str]


@pytest.fixture(scope="module")
def module_sandbox() -> Iterator[SandboxServer]:
    """An empty sandbox for one module; tests make their own surveys and interactions."""
    with SandboxServer.start(sample="none") as server:
        yield server


@pytest.fixture
def server(module_sandbox: SandboxServer) -> Iterator[SandboxServer]:
    """The module's sandbox, with faults and quirks switched off again after the test."""
    module_sandbox.clear_faults()
    module_sandbox.clear_quirks()
    yield module_sandbox
    module_sandbox.clear_faults()
    module_sandbox.clear_quirks()


@pytest.fixture
def open_window(qtbot: QtBot, runner: TaskRunner) -> Iterator[WindowFactory]:
    """Open the real main window on ``server``; extra keywords go to the client
    (e.g. ``timeouts=`` or ``retry=``)."""
    made: list[MainWindow] = []

    def factory(
        server: SandboxServer, *, page_size: int | None = None, **client_kwargs: object
    ) -> MainWindow:
        settings = Settings()
        if page_size is not None:
            settings.page_size = page_size
        window = MainWindow(runner, ClientProxy(make_client(server, **client_kwargs)), settings)
        qtbot.addWidget(window)
        window.show()
        made.append(window)
        return window

    yield factory
    for window in made:
        window.api.set_client(None)


@pytest.fixture
def serve() -> Iterator[Serve]:
    """Start small local HTTP(S) servers for one test: ``serve(handler, tls=None)`` returns
    the server's base address. For answers the sandbox cannot give (redirects, TLS)."""
    running: list[QuietServer] = []

    def start(
        handler: type[http.server.BaseHTTPRequestHandler], tls: ssl.SSLContext | None = None
    ) -> str:
        server = QuietServer(("127.0.0.1", 0), handler)
        if tls is not None:
            server.socket = tls.wrap_socket(server.socket, server_side=True)
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        thread.start()
        running.append(server)
        return f"{'https' if tls else 'http'}://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in running:
        server.shutdown()
        server.server_close()

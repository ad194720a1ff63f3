"""The practice server on this computer is never reached through a proxy (which would
see the Authorization header in clear text); Survey Dynamix itself follows the
system's proxy settings, as the office network expects."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from sdx_desktop.api import errors
from sdx_desktop.api.auth import BasicCredentials
from sdx_desktop.api.client import SdxClient
from sdx_desktop.api.http import RetryPolicy, Timeouts
from sdx_desktop.sandbox import SandboxServer

from ..helpers import make_client


class RecordingProxy:
    """A proxy that records the first line of each request and refuses it (502)."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self.request_lines: list[str] = []
        self.raw: list[bytes] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                self.raw.append(data)
                self.request_lines.append(data.split(b"\r\n", 1)[0].decode("latin-1"))
                conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")

    def close(self) -> None:
        self._listener.close()


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordingProxy]:
    server = RecordingProxy()
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(name, server.url)
    yield server
    server.close()


def test_the_practice_server_is_reached_directly(
    proxy: RecordingProxy, sandbox: SandboxServer
) -> None:
    with make_client(sandbox) as client:
        assert client.list_surveys(limit=1)
    assert proxy.request_lines == []  # the Authorization header never went to the proxy


def test_survey_dynamix_is_reached_through_the_system_proxy(proxy: RecordingProxy) -> None:
    # No sandbox can stand at a public address; the request only has to reach the proxy.
    client = SdxClient(
        BasicCredentials("uuid-1", "token-1"),
        base_url="https://sdx.example/api",
        timeouts=Timeouts(connect=2.0, read=2.0, total=5.0),
        retry=RetryPolicy(attempts=0),
    )
    with client, pytest.raises(errors.SdxError):
        client.list_surveys(limit=1)
    # HTTPS through a proxy is a CONNECT tunnel: the proxy sees the host, not the
    # request or its credentials.
    assert [line.rsplit(" ", 1)[0] for line in proxy.request_lines] == ["CONNECT sdx.example:443"]
    assert b"Authorization" not in b"".join(proxy.raw)

"""Running the sandbox: a threaded werkzeug server in a background thread."""

from __future__ import annotations

import ipaddress
import os
import socket
import struct
import threading
from collections.abc import Callable, Iterable
from dataclasses import replace
from types import TracebackType
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from . import DEMO_ACCESS_TOKEN, DEMO_AUTH_TOKEN, DEMO_CUSTOMER_UUID
from .app import RESET_ENVIRON_KEY, create_app
from .config import SandboxConfig
from .faults import FaultInjector, Faults, Quirks
from .sample import populate
from .store import Store

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _ResetConnection(ConnectionResetError):
    """Raised through werkzeug so it treats the reset as a dropped connection."""


class _ResetMiddleware:
    """Turns a request marked for reset into an exception before anything is sent."""

    def __init__(self, app: WSGIApp) -> None:
        self._app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        result = self._app(environ, start_response)
        if environ.get(RESET_ENVIRON_KEY):
            close = getattr(result, "close", None)
            if close is not None:
                close()
            raise _ResetConnection()
        return result


class _QuietHandler(WSGIRequestHandler):
    """Request handler that can reset connections and logs only when verbose."""

    verbose = False

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if self.verbose:
            super().log_request(code, size)

    def connection_dropped(
        self, error: BaseException, environ: dict[str, Any] | None = None
    ) -> None:
        if isinstance(error, _ResetConnection):
            # Linger {on, 0 s} makes close() send RST: the client sees ECONNRESET.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.rfile.close()  # the file holds a reference that would delay close()
            self.connection.close()


class _VerboseHandler(_QuietHandler):
    verbose = True


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_forbidden_bearer(token: str | None, bearer: str | None) -> None:
    if token is None:
        return
    if not token or token != token.strip() or " " in token:
        raise ValueError("forbidden_bearer must be a non-empty token without spaces")
    if token == bearer:
        raise ValueError("forbidden_bearer must differ from the accepted Bearer token")


class SandboxServer:
    """A running sandbox; create with :meth:`start`, end with :meth:`stop`.

    Attributes: ``base_url`` (``http://127.0.0.1:PORT/api``), ``host``,
    ``port``, ``basic`` (``(customer_uuid, auth_token)`` or None),
    ``bearer`` (token or None), ``store`` (:class:`~.store.Store`), and
    ``forbidden_bearer`` (settable while running: a token that is accepted
    but has no rights, so every ``/api`` request with it is answered 403).
    """

    def __init__(self, store: Store, config: SandboxConfig, httpd: BaseWSGIServer) -> None:
        self.store = store
        self._config = config
        self._httpd = httpd
        self.host = httpd.host
        self.port = int(httpd.port)
        url_host = f"[{self.host}]" if ":" in self.host else self.host
        self.base_url = f"http://{url_host}:{self.port}/api"
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"sdx-sandbox-{self.port}", daemon=True,
        )  # fmt: skip
        self._stopped = False

    @classmethod
    def start(
        cls,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        db_path: str | os.PathLike[str] | None = None,
        sample: str = "small",
        seed: int = 2026,
        basic: tuple[str, str] | None = (DEMO_CUSTOMER_UUID, DEMO_AUTH_TOKEN),
        bearer: str | None = DEMO_ACCESS_TOKEN,
        forbidden_bearer: str | None = None,
        faults: Faults | None = None,
        quirks: Quirks | None = None,
        verbose: bool = False,
    ) -> SandboxServer:
        """Open the store, load sample data if it is empty, and start serving.

        Only loopback hosts are accepted. A database at ``db_path`` that
        already holds data is reused as is; ``db_path=None`` uses a temporary
        file removed by :meth:`stop`. ``basic``/``bearer`` set the accepted
        credentials (None turns a scheme off); ``forbidden_bearer`` is a
        token answered 403 everywhere; ``verbose`` logs request lines.
        Returns once the socket listens.
        """
        if not _is_loopback(host):
            raise ValueError(f"the sandbox only listens on loopback addresses, not {host!r}")
        _check_forbidden_bearer(forbidden_bearer, bearer)
        store = Store(db_path)
        try:
            if not store.has_data():
                populate(store, sample, seed)
            config = SandboxConfig(
                basic=basic, bearer=bearer, forbidden_bearer=forbidden_bearer,
                faults=FaultInjector(faults),
                quirks=quirks or Quirks(),
            )  # fmt: skip
            app = _ResetMiddleware(create_app(store, config).wsgi_app)
            handler = _VerboseHandler if verbose else _QuietHandler
            try:
                httpd = make_server(host, port, app, threaded=True, request_handler=handler)
            except SystemExit:
                # werkzeug exits the process when it cannot bind; a library must not.
                raise OSError(f"cannot listen on {host}:{port}") from None
        except BaseException:
            store.close()
            raise
        server = cls(store, config, httpd)
        server._thread.start()
        return server

    # -- settings -------------------------------------------------------------

    @property
    def basic(self) -> tuple[str, str] | None:
        return self._config.basic

    @property
    def bearer(self) -> str | None:
        return self._config.bearer

    @property
    def forbidden_bearer(self) -> str | None:
        return self._config.forbidden_bearer

    @forbidden_bearer.setter
    def forbidden_bearer(self, token: str | None) -> None:
        _check_forbidden_bearer(token, self._config.bearer)
        self._config.forbidden_bearer = token

    @property
    def faults(self) -> Faults:
        return self._config.faults.faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        self._config.faults.set(faults)

    @property
    def quirks(self) -> Quirks:
        return self._config.quirks

    @quirks.setter
    def quirks(self, quirks: Quirks) -> None:
        self._config.quirks = quirks

    def set_faults(self, **changes: Any) -> Faults:
        """Change some fault settings; the random sequence restarts from the seed."""
        return self._config.faults.update(**changes)

    def clear_faults(self) -> None:
        """Switch every fault off."""
        self._config.faults.set(Faults())

    def set_quirks(self, **changes: Any) -> Quirks:
        """Change some quirk settings."""
        self._config.quirks = replace(self._config.quirks, **changes)
        return self._config.quirks

    def clear_quirks(self) -> None:
        """Back to the strict defaults."""
        self._config.quirks = Quirks()

    # -- statistics --------------------------------------------------------------

    @property
    def request_count(self) -> int:
        """Number of ``/api`` requests received since start or the last reset."""
        return self._config.stats.count

    @property
    def request_log(self) -> list[tuple[str, str, str]]:
        """Recent ``(method, path, query string)`` of ``/api`` requests (bounded)."""
        return self._config.stats.log

    @property
    def trickling(self) -> int:
        """Number of trickled answers still being sent (see ``Faults.trickle_rate``)."""
        return self._config.stats.trickling

    def reset_request_count(self) -> None:
        """Zero :attr:`request_count` and clear :attr:`request_log`."""
        self._config.stats.reset()

    # -- lifetime ----------------------------------------------------------------

    def stop(self) -> None:
        """Stop serving, close the store and remove a temporary database. Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        self._config.stopping.set()  # wake requests sleeping in injected delays
        self._httpd.shutdown()
        self._thread.join()
        self.store.close()

    def __enter__(self) -> SandboxServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

"""What happens to every request around its route: counting, credentials, faults, errors.

Before the route (:func:`admit`): an ``/api`` request is counted; one
carrying the forbidden Bearer token is answered 403, one without valid
credentials 401; only then are its drawn faults applied (reset, delay,
injected status).
After the route (:func:`finish`): a held-back answer, a malformed body,
then a trickled body. Every error, Flask's own 404/405 included, is
answered through :func:`error` in the configured error style, with the
request echoed into it when the ``echo_request`` quirk is on.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from .auth import is_authorized, is_bearer
from .config import SandboxConfig
from .faults import NO_FAULT, FaultPlan
from .responses import empty_response, error_response, malformed_response, request_echo, trickled
from .rules import ParamError
from .store import Store

API_PREFIX = "/api"
# Set on the WSGI environ when a request's connection must be reset (see server.py).
RESET_ENVIRON_KEY = "sdx_sandbox.reset"
_EXTENSION = "sdx_sandbox"
_log = logging.getLogger(__name__)

_FAULT_MESSAGES = {
    429: "Too many requests; slow down and retry later.",
    500: "Server error; try again later.",
    503: "Offline for maintenance; try again later.",
}


class ApiError(Exception):
    """Answer the request with ``status`` and a plain-language ``message``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def install(app: Flask, store: Store, config: SandboxConfig) -> None:
    """Attach ``store``/``config`` to ``app`` and register the hooks and error handlers."""
    app.extensions[_EXTENSION] = (store, config)
    app.before_request(admit)
    app.after_request(finish)
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(ParamError, _param_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def context() -> tuple[Store, SandboxConfig]:
    """The store and settings of the app handling the current request."""
    store, config = current_app.extensions[_EXTENSION]
    return store, config


def _config() -> SandboxConfig:
    return context()[1]


def error(status: int, message: str) -> Response:
    """An error answer in the configured style, echoing the request if asked to."""
    quirks = _config().quirks
    if quirks.echo_request:
        message += request_echo(
            request.method, request.path, request.query_string.decode("latin-1"),
            list(request.headers.items()),
        )  # fmt: skip
    return error_response(status, message, quirks)


def admit() -> Response | None:
    """Count, authenticate, refuse the forbidden token, then apply this request's faults."""
    g.plan = NO_FAULT
    if request.path != API_PREFIX and not request.path.startswith(API_PREFIX + "/"):
        return None
    config = _config()
    config.stats.record(request.method, request.path, request.query_string.decode("latin-1"))
    header = request.headers.get("Authorization")
    if is_bearer(header, config.forbidden_bearer):
        return error(403, f"This token has no access to {request.path}.")
    if not is_authorized(header, config.basic, config.bearer):
        response = error(401, "Missing or invalid credentials.")
        response.headers["WWW-Authenticate"] = 'Basic realm="Survey Dynamix sandbox"'
        return response
    plan = config.faults.plan(request.method)
    g.plan = plan
    if plan.reset:
        request.environ[RESET_ENVIRON_KEY] = True
        return empty_response(500)  # never sent: the server resets the connection
    if plan.delay_s:
        config.stopping.wait(plan.delay_s)
    if config.stopping.is_set():
        return error(503, "The sandbox is shutting down.")
    if plan.status is not None:
        response = error(plan.status, _FAULT_MESSAGES.get(plan.status, "Injected failure."))
        if plan.retry_after is not None:
            response.headers["Retry-After"] = str(plan.retry_after)
        return response
    return None


def finish(response: Response) -> Response:
    """Hold back, corrupt or trickle the answer as this request's fault plan says."""
    plan: FaultPlan = g.get("plan", NO_FAULT)
    config = _config()
    if plan.timeout_s:
        config.stopping.wait(plan.timeout_s)
    if plan.malformed and plan.status is None and 200 <= response.status_code < 300:
        response = malformed_response(response, plan.malformed)
    if plan.trickle_s is not None:
        response = trickled(response, plan.trickle_s, config.stopping, config.stats)
    return response


def _api_error(exc: ApiError) -> Response:
    return error(exc.status, exc.message)


def _param_error(exc: ParamError) -> Response:
    return error(400, str(exc))


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    if status == 404:
        message = f"No such resource: {request.path}"
    elif isinstance(exc, MethodNotAllowed):
        message = f"Method {request.method} is not allowed on {request.path}"
    else:
        message = exc.description or "Request failed."
    response = error(status, message)
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        response.headers["Allow"] = ", ".join(sorted(exc.valid_methods))
    return response


def _unexpected_error(exc: Exception) -> Response:
    if not _config().stopping.is_set():  # a closed store during shutdown is expected
        _log.exception("Unexpected error while handling %s %s", request.method, request.path)
    return error(500, "Internal server error.")

"""Building HTTP responses: JSON bodies, errors, quirks, malformed and trickled bodies."""

from __future__ import annotations

import html
import json
import threading
from collections.abc import Iterable, Iterator
from http import HTTPStatus
from typing import Any

from flask import Response

from .config import RequestStats
from .faults import Quirks

JSON_TYPE = "application/json"
# Unknown fields added by the ``extra_fields`` quirk.
EXTRA_FIELDS: dict[str, Any] = {"tenant": "sandbox", "flags": {"beta": True, "archived": False}}


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def json_response(data: Any, status: int = 200) -> Response:
    return Response(dumps(data), status=status, mimetype=JSON_TYPE)


def empty_response(status: int = 204) -> Response:
    response = Response(b"", status=status)
    # A bodiless answer has no media type; don't let Flask claim text/html.
    del response.headers["Content-Type"]
    return response


def _is_id_field(name: str) -> bool:
    return name == "id" or name.endswith("_id")


def reshapes_records(quirks: Quirks) -> bool:
    return bool(quirks.omit_fields or quirks.ids_as_strings or quirks.extra_fields)


def renders_rows(quirks: Quirks) -> bool:
    """True if a list must be built from rows here, not taken as SQLite's JSON text."""
    return reshapes_records(quirks) or quirks.duplicate_rows


def present_record(record: dict[str, Any], quirks: Quirks) -> dict[str, Any]:
    """Apply the record-shaping quirks to one record (and its nested tags)."""
    if not reshapes_records(quirks):
        return record  # the usual case: nothing to reshape, and pages of 1,000 stay cheap
    shaped: dict[str, Any] = {}
    for name, value in record.items():
        if name in quirks.omit_fields:
            continue
        if name == "interaction_data" and isinstance(value, list):
            value = [present_record(tag, quirks) for tag in value]
        elif quirks.ids_as_strings and _is_id_field(name) and type(value) is int:
            value = str(value)
        shaped[name] = value
    if quirks.extra_fields:
        shaped.update(EXTRA_FIELDS)
    return shaped


def record_response(record: dict[str, Any], quirks: Quirks, status: int = 200) -> Response:
    return json_response(present_record(record, quirks), status)


def list_response(rows: list[dict[str, Any]], quirks: Quirks) -> Response:
    """A bare JSON array; an empty list is ``204`` unless the quirk asks for ``[]``.

    Under ``duplicate_rows`` a non-empty page gets its first record again at the end.
    """
    if not rows and quirks.empty_list == "204":
        return empty_response(204)
    if rows and quirks.duplicate_rows:
        rows = [*rows, rows[0]]
    return json_response([present_record(row, quirks) for row in rows])


def list_json_response(array: str, quirks: Quirks) -> Response:
    """A list already rendered as a JSON array (by SQLite); only when not :func:`renders_rows`."""
    if array == "[]" and quirks.empty_list == "204":
        return empty_response(204)
    return Response(array, status=200, mimetype=JSON_TYPE)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def error_response(status: int, message: str, quirks: Quirks) -> Response:
    """An error in the configured style (JSON ``{"error": {...}}`` by default)."""
    style = quirks.error_body
    if style == "json":
        return json_response({"error": {"status": status, "message": message}}, status)
    if style == "empty":
        return empty_response(status)
    if style == "text":
        return Response(
            f"{status} {_phrase(status)}: {message}\n", status=status, mimetype="text/plain"
        )
    title = f"{status} {html.escape(_phrase(status))}"
    page = (
        f"<!DOCTYPE html>\n<html><head><title>{title}</title></head>"
        f"<body><h1>{title}</h1><p>{html.escape(message)}</p></body></html>\n"
    )
    return Response(page, status=status, mimetype="text/html")


def request_echo(method: str, path: str, query: str, headers: Iterable[tuple[str, str]]) -> str:
    """The ``echo_request`` suffix of an error message: the request line and every header.

    ``query`` is the raw (still percent-encoded) query string; header values
    are verbatim, credentials included, so tests can prove a client scrubs them.
    """
    target = f"{path}?{query}" if query else path
    listed = ", ".join(f"{name}: {value}" for name, value in headers)
    return f" (request was: {method} {target}; headers: {listed})"


class StreamCut(ConnectionAbortedError):
    """Raised inside a trickled body so the server drops the connection mid-body.

    A :class:`ConnectionError`, so werkzeug treats it as a dropped connection:
    no traceback is logged and the chunked body is left unterminated, which
    a client cannot mistake for a complete (shorter) answer.
    """


def trickled(
    response: Response, interval_s: float, stopping: threading.Event, stats: RequestStats
) -> Response:
    """The same answer with its body sent one byte at a time, ``interval_s`` apart.

    The body is streamed (chunked, no ``Content-Length``). Sending ends
    early when ``stopping`` is set (:class:`StreamCut`) or when a write
    fails because the client has gone (werkzeug then closes the iterator).
    ``stats`` counts the trickles in progress. A bodiless answer is returned as is.
    """
    body = response.get_data()
    if not body:
        return response

    def one_byte_at_a_time() -> Iterator[bytes]:
        stats.trickle_started()
        try:
            for index in range(len(body)):
                if stopping.is_set() or (index and stopping.wait(interval_s)):
                    raise StreamCut("the sandbox is stopping")
                yield body[index : index + 1]
        finally:
            stats.trickle_ended()

    headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
    return Response(one_byte_at_a_time(), status=response.status_code, headers=headers)


_MAINTENANCE_PAGE = (
    "<!DOCTYPE html>\n<html><head><title>Survey Dynamix</title></head><body>"
    "<h1>We'll be right back</h1><p>Survey Dynamix is undergoing scheduled maintenance."
    "</p></body></html>\n"
)


def _ids_as_lists(value: Any) -> Any:
    if isinstance(value, list):
        return [_ids_as_lists(item) for item in value]
    if isinstance(value, dict):
        return {k: ([v] if _is_id_field(k) else _ids_as_lists(v)) for k, v in value.items()}
    return value


def malformed_response(response: Response, kind: str) -> Response:
    """Replace a successful response with a broken ``200`` of the given kind."""
    if kind == "html":
        return Response(_MAINTENANCE_PAGE, status=200, mimetype="text/html")
    if kind == "empty":
        return Response(b"", status=200, mimetype=JSON_TYPE)
    body = response.get_data(as_text=True)
    if kind == "truncated":
        text = body or "[]"
        return Response(text[: max(1, len(text) // 2)], status=200, mimetype=JSON_TYPE)
    # wrong_types: lists come back wrapped in an object, ids as one-element lists.
    data = json.loads(body) if body else []
    if isinstance(data, list):
        return json_response({"data": _ids_as_lists(data)})
    return json_response(_ids_as_lists(data))

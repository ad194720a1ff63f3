"""Reading the fields of a write body strictly: form fields or a JSON object, valid Unicode only.

Left to itself werkzeug is lenient where the sandbox must not be: a
percent-escape that decodes to invalid UTF-8 is kept as literal text (``%FF``
becomes the three characters ``%FF``), a form body whose raw bytes are not
UTF-8 parses as no fields at all, and a multipart part has its invalid
bytes replaced with U+FFFD. JSON, for its part, allows escapes such as
``"\\ud800"`` that Python decodes to lone UTF-16 surrogates, which UTF-8 and
SQLite cannot carry. Each of these is a 400 here whose message names the
field, the position and the reason, e.g. ``custom_value contains an invalid
character (a lone UTF-16 surrogate \\ud800 at position 3); send valid Unicode``.

Positions count from 0: characters of the decoded string for surrogates,
bytes of the (percent-)decoded value for invalid UTF-8. Every body is read
as UTF-8 whatever charset it declares.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote_to_bytes

from flask import Request
from werkzeug.sansio.multipart import Data, Epilogue, Field, MultipartDecoder, NeedData

from .rules import ParamError

FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
_SURROGATE = re.compile("[\ud800-\udfff]")
# What "surrogateescape" turns undecodable bytes into.
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


def read_fields(request: Request) -> dict[str, Any]:
    """The body's fields, first value of each name; ``{}`` for any other media type.

    Raises :class:`ParamError` for a body that is not valid UTF-8, not
    parseable, or (JSON) holds a lone surrogate in a member name or a
    top-level string value.
    """
    if request.is_json:
        return _json_fields(request.get_data())
    if request.mimetype == FORM:
        return _form_fields(request.get_data())
    if request.mimetype == MULTIPART:
        boundary = request.mimetype_params.get("boundary", "")
        return _multipart_fields(request.get_data(), boundary, request.max_form_memory_size)
    return {}


def check_unicode(name: str, value: str) -> None:
    """Raise :class:`ParamError` if ``value`` holds a lone surrogate, naming its position."""
    match = _SURROGATE.search(value)
    if match is not None:
        raise ParamError(
            f"{name} contains an invalid character (a lone UTF-16 surrogate "
            f"\\u{ord(match.group()):04x} at position {match.start()}); send valid Unicode"
        )


def utf8_problem(data: bytes) -> str | None:
    """Why ``data`` is not valid UTF-8 (a phrase to follow a field name), or None if it is."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        start = error.start
        follower = data[start + 1] if start + 1 < len(data) else 0
        if data[start] == 0xED and 0xA0 <= follower <= 0xBF:  # ED A0..BF xx: U+D800..U+DFFF
            last = data[start + 2] & 0x3F if start + 2 < len(data) else 0
            code = 0xD000 | (follower & 0x3F) << 6 | last
            encoded = " ".join(f"{b:02X}" for b in data[start : start + 3])
            return (
                f"is not valid UTF-8: the bytes {encoded} at byte {start} encode a lone "
                f"UTF-16 surrogate (\\u{code:04x}), which UTF-8 does not allow; send valid UTF-8"
            )
        return (
            f"is not valid UTF-8: byte 0x{data[start]:02X} at byte {start} "
            f"({error.reason}); send valid UTF-8"
        )
    return None


def _decode(label: str, data: bytes) -> str:
    problem = utf8_problem(data)
    if problem is not None:
        raise ParamError(f"{label} {problem}")
    return data.decode("utf-8")


def _json_fields(raw: bytes) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ParamError(_json_utf8_problem(raw)) from None
    try:
        body = json.loads(text)
    except ValueError as error:
        raise ParamError(f"the body is not valid JSON ({error})") from None
    except RecursionError:
        raise ParamError("the JSON body is nested too deeply") from None
    if not isinstance(body, dict):
        raise ParamError("the JSON body must be an object")
    for name, value in body.items():
        check_unicode("a field name", name)
        if isinstance(value, str):
            check_unicode(name, value)
    return body


def _json_utf8_problem(raw: bytes) -> str:
    """Name the member whose string holds the invalid bytes, when the body still parses."""
    try:
        body = json.loads(raw.decode("utf-8", "surrogateescape"))
    except (ValueError, RecursionError):
        body = None
    if isinstance(body, dict):
        for name, value in body.items():
            if isinstance(value, str) and _ESCAPED_BYTE.search(value):
                try:
                    problem = utf8_problem(value.encode("utf-8", "surrogateescape"))
                except UnicodeEncodeError:  # escaped surrogates too: describe the body
                    break
                if problem is not None and not _ESCAPED_BYTE.search(name):
                    return f"{name} {problem}"
    return f"the JSON body {utf8_problem(raw)}"


def _form_fields(raw: bytes) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for pair in raw.split(b"&"):
        if not pair:
            continue
        raw_name, _, raw_value = pair.partition(b"=")
        name = _decode("a field name", unquote_to_bytes(raw_name.replace(b"+", b" ")))
        value = _decode(name, unquote_to_bytes(raw_value.replace(b"+", b" ")))
        fields.setdefault(name, value)
    return fields


def _multipart_fields(raw: bytes, boundary: str, max_size: int | None) -> dict[str, Any]:
    if not boundary:
        raise ParamError("the multipart body names no boundary")
    decoder = MultipartDecoder(boundary.encode("latin-1"), max_size)
    decoder.receive_data(raw)
    decoder.receive_data(None)
    fields: dict[str, Any] = {}
    name: str | None = None
    chunks: list[bytes] = []
    try:
        while not isinstance(event := decoder.next_event(), Epilogue | NeedData):
            if isinstance(event, Field):
                name, chunks = event.name, []
            elif isinstance(event, Data) and name is not None:
                chunks.append(event.data)
                if not event.more_data:
                    fields.setdefault(name, _decode(name, b"".join(chunks)))
            elif not isinstance(event, Data):  # a file part: not a field
                name = None
    except ValueError as error:
        if isinstance(error, ParamError):
            raise
        raise ParamError(f"the multipart body is malformed ({error})") from None
    return fields

"""Validation rules of the sandbox: keys, values and query parameters.

The sandbox is deliberately strict (see ``shared/sdx-api.md``): a present
but malformed value is a 400, so client bugs surface in tests instead of
being papered over. It keeps its own copy of the key rule because it must
not import anything from the desktop application.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

MAX_VALUE_LENGTH = 65_535
MAX_LIMIT = 1000
DEFAULT_LIMIT = 10
# SQLite integers are signed 64-bit; larger ids cannot exist.
MAX_ID = 2**63 - 1

SURVEY_TYPES = frozenset({"inbound", "outbound", "sms", "web", "email"})
NOT_STARTED_STATUSES = ("Not Started", "Scheduled")
ENDED_STATUSES = ("Completed", "Abandoned")

# Explicit ASCII classes (not \w or \d) so non-ASCII letters and digits are
# rejected; fullmatch so a trailing newline cannot sneak past "$".
_KEY_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]*", re.ASCII)
_DIGITS_RE = re.compile(r"[0-9]+", re.ASCII)
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_TIMESTAMP_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}", re.ASCII)
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


class ParamError(ValueError):
    """A request parameter is missing or malformed (answered with 400)."""


def is_valid_key(key: object) -> bool:
    """Return True if ``key`` is a valid ``custom_key``: ``^[A-Za-z][A-Za-z0-9_]*$``."""
    return isinstance(key, str) and _KEY_RE.fullmatch(key) is not None


def is_valid_value(value: object) -> bool:
    """Return True if ``value`` is a storable ``custom_value``.

    Length is counted in characters (code points), not bytes. Lone
    surrogates cannot be stored as UTF-8; :mod:`.bodies` refuses them first,
    with a message that names them, so this is only the last line of defence.
    """
    if not isinstance(value, str) or len(value) > MAX_VALUE_LENGTH:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def parse_int(name: str, raw: str, *, minimum: int = 0, maximum: int = MAX_ID) -> int:
    """Parse plain decimal digits (no sign, space, or decimal point)."""
    if _DIGITS_RE.fullmatch(raw) is None:
        raise ParamError(f"{name} must be a whole number written with digits 0-9")
    value = int(raw)
    if not minimum <= value <= maximum:
        raise ParamError(f"{name} must be between {minimum} and {maximum}")
    return value


def parse_id(name: str, raw: str) -> int:
    """Parse an id parameter; ids are positive only in practice, but 0 is a valid miss."""
    return parse_int(name, raw, minimum=0, maximum=MAX_ID)


def parse_bool(name: str, raw: str) -> bool:
    """Parse ``true``/``false``/``1``/``0``; anything else is a 400."""
    try:
        return _BOOLEANS[raw]
    except KeyError:
        raise ParamError(f"{name} must be one of true, false, 1, 0") from None


def parse_date(name: str, raw: str) -> date:
    """Parse a ``YYYY-MM-DD`` calendar date."""
    if _DATE_RE.fullmatch(raw) is None:
        raise ParamError(f"{name} must be a date written as YYYY-MM-DD")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ParamError(f"{name} is not a real calendar date") from None


def is_date(raw: str) -> bool:
    """Return True for a string shaped ``YYYY-MM-DD`` (not checked as a real date)."""
    return _DATE_RE.fullmatch(raw) is not None


def is_timestamp(raw: str) -> bool:
    """Return True for a ``YYYY-MM-DD HH:MM:SS`` string."""
    return _TIMESTAMP_RE.fullmatch(raw) is not None


@dataclass(frozen=True, slots=True)
class Paging:
    """Validated ``_limit``/``_offset``/``_order`` of a list request.

    ``explicit_order`` is True when ``_order`` was sent, which switches the
    interaction list from its default status order to id order.
    """

    limit: int = DEFAULT_LIMIT
    offset: int = 0
    descending: bool = True
    explicit_order: bool = False


def parse_paging(args: Mapping[str, str]) -> Paging:
    """Validate the paging parameters common to every list."""
    limit = DEFAULT_LIMIT
    offset = 0
    descending = True
    explicit = False
    if "_limit" in args:
        limit = parse_int("_limit", args["_limit"], minimum=1, maximum=MAX_LIMIT)
    if "_offset" in args:
        offset = parse_int("_offset", args["_offset"], minimum=0)
    if "_order" in args:
        order = args["_order"].upper()
        if order not in ("ASC", "DESC"):
            raise ParamError("_order must be ASC or DESC")
        descending = order == "DESC"
        explicit = True
    return Paging(limit=limit, offset=offset, descending=descending, explicit_order=explicit)


def parse_date_range(args: Mapping[str, str]) -> tuple[str, str] | None:
    """Turn ``start_date``/``end_date`` into a half-open ``created_at`` range.

    Both dates are whole UTC days, inclusive. Returns ``(low, high)`` where
    ``low <= created_at < high`` compares correctly as text, or None when
    neither date was given.
    """
    has_start = "start_date" in args
    has_end = "end_date" in args
    if not has_start and not has_end:
        return None
    if has_start != has_end:
        raise ParamError("start_date and end_date must be given together")
    start = parse_date("start_date", args["start_date"])
    end = parse_date("end_date", args["end_date"])
    if end < start:
        raise ParamError("end_date must not be before start_date")
    low = f"{start.isoformat()} 00:00:00"
    if end == date.max:
        # No next day to stop before; "9999-12-31 ~" sorts after every timestamp that day.
        return low, f"{end.isoformat()} ~"
    return low, f"{(end + timedelta(days=1)).isoformat()} 00:00:00"

"""Fault injection and response quirks, switchable while the server runs.

:class:`Faults` and :class:`Quirks` are immutable settings; the server swaps
in a new object to change them. :class:`FaultInjector` draws one
:class:`FaultPlan` per request from a ``random.Random(seed)`` under a lock,
so a sequence of requests sees a reproducible sequence of faults. Setting
new faults restarts that sequence from the seed. The trickle decision comes
from a second stream seeded from the same seed, so switching trickling on
does not move the other faults to different requests.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

MALFORMED_KINDS = frozenset({"truncated", "html", "empty", "wrong_types"})
ERROR_BODIES = frozenset({"json", "html", "text", "empty"})
DELETE_BODIES = frozenset({"empty", "object", "record"})
POST_BODIES = frozenset({"empty", "record"})
EMPTY_LISTS = frozenset({"204", "array"})
RETRY_AFTER_STATUSES = frozenset({429, 503})
DELETED_STATUSES = frozenset({404, 410})


def _check_rate(name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be between 0 and 1")


@dataclass(frozen=True)
class Faults:
    """Per-request failures, each drawn independently with its rate.

    Order of effects: a ``reset_rate`` hit closes the connection with RST
    before handling; otherwise ``latency_ms`` + U(0, ``jitter_ms``) is
    waited, then a ``status_rates`` hit answers that status instead of
    handling the request. An injected status that is in
    ``retry_after_statuses`` (default 429 and 503; an empty set gives e.g. a
    bare 503) carries ``Retry-After: <retry_after>``. Rates in
    ``status_rates`` stack in the order given. A ``timeout_rate`` hit
    handles the request (a write is applied) and holds the response back
    for ``timeout_delay_s``; a ``malformed_rate`` hit corrupts a 2xx answer
    in the way named by ``malformed_kind``. A ``trickle_rate`` hit sends the
    body of the request's answer (a success or an error, injected ones
    included; a bodiless answer is unaffected) one byte at a time with
    ``trickle_interval_s`` between bytes, chunked and without
    ``Content-Length``. Trickling stops at once when the server stops,
    leaving the chunked body unterminated, and within a byte or two when
    the client has gone (the first write after it left may still succeed).
    Only requests whose method is in ``methods`` are affected (None = every
    method); faults are drawn only for authenticated requests, so 401 and
    403 answers never carry them.
    """

    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    status_rates: Mapping[int, float] = field(default_factory=dict)
    retry_after: int = 1
    retry_after_statuses: frozenset[int] = RETRY_AFTER_STATUSES
    reset_rate: float = 0.0
    timeout_rate: float = 0.0
    timeout_delay_s: float = 5.0
    malformed_rate: float = 0.0
    malformed_kind: str = "truncated"
    trickle_rate: float = 0.0
    trickle_interval_s: float = 0.1
    methods: frozenset[str] | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        delays = (self.latency_ms, self.jitter_ms, self.timeout_delay_s, self.trickle_interval_s)
        if min(delays) < 0:
            raise ValueError("delays and intervals must not be negative")
        if self.retry_after < 0:
            raise ValueError("retry_after must not be negative")
        for status, rate in self.status_rates.items():
            if not 400 <= status <= 599:
                raise ValueError(f"fault status {status} is not a 4xx/5xx status")
            _check_rate(f"rate of {status}", rate)
        for name in ("reset_rate", "timeout_rate", "malformed_rate", "trickle_rate"):
            _check_rate(name, getattr(self, name))
        statuses = frozenset(self.retry_after_statuses)
        if any(not 400 <= status <= 599 for status in statuses):
            raise ValueError("retry_after_statuses must hold 4xx/5xx statuses only")
        object.__setattr__(self, "retry_after_statuses", statuses)
        if self.malformed_kind not in MALFORMED_KINDS:
            raise ValueError(f"malformed_kind must be one of {sorted(MALFORMED_KINDS)}")
        # Copies, so a caller mutating its dict/set cannot change live settings.
        object.__setattr__(self, "status_rates", dict(self.status_rates))
        if self.methods is not None:
            object.__setattr__(self, "methods", frozenset(m.upper() for m in self.methods))

    @property
    def active(self) -> bool:
        """True if any setting can change a response."""
        return bool(
            self.latency_ms or self.jitter_ms or any(self.status_rates.values())
            or self.reset_rate or self.timeout_rate or self.malformed_rate or self.trickle_rate
        )  # fmt: skip


@dataclass(frozen=True)
class Quirks:
    """Deviations the vendor's reference allows, to test a tolerant client.

    ``ids_as_strings`` renders ``id`` and ``*_id`` integers as numeric
    strings; ``extra_fields`` adds unknown fields to every record;
    ``omit_fields`` drops those keys from records; ``error_body`` picks how
    errors look; ``post_status`` is 200 or 201, with ``post_body`` "record"
    (the saved tag) or "empty" (no body: the client must look the tag up);
    ``delete_status`` is 204,
    200 or 202, with ``delete_body`` ("empty", "object" = ``{}``, or
    "record") for the latter two; ``empty_list`` is "204" or "array".

    Broken-server switches, for proving the client's defences:

    * ``echo_request``: every error answer (4xx/5xx: injected faults, 401,
      403 and routing errors included) ends its message with
      ``" (request was: METHOD /path?raw-query; headers: Name: value, ...)"``
      listing every request header verbatim, ``Authorization`` included;
      in the JSON, html and text styles alike (an "empty" error has no
      body to echo into).
    * ``deleted_status``: what GET or DELETE of a deleted tag answers, 410
      (default) or 404.
    * ``ignore_offset``: list endpoints validate ``_offset`` but then serve
      from row 0, so every page is the first page.
    * ``duplicate_rows``: every non-empty list page gets a copy of its first
      record appended, so one id appears twice in the page and the page
      holds one row more than it would (up to ``_limit`` + 1).
    * ``loose_key_filter``: the ``custom_key`` list filter ignores case (``tier``
      also finds ``TIER``), as a careless server might; keys stay case-sensitive
      everywhere else.
    """

    ids_as_strings: bool = False
    extra_fields: bool = False
    omit_fields: frozenset[str] = frozenset()
    error_body: str = "json"
    post_status: int = 200
    post_body: str = "record"
    delete_status: int = 204
    delete_body: str = "record"
    empty_list: str = "204"
    echo_request: bool = False
    deleted_status: int = 410
    ignore_offset: bool = False
    duplicate_rows: bool = False
    loose_key_filter: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "omit_fields", frozenset(self.omit_fields))
        if self.error_body not in ERROR_BODIES:
            raise ValueError(f"error_body must be one of {sorted(ERROR_BODIES)}")
        if self.post_status not in (200, 201):
            raise ValueError("post_status must be 200 or 201")
        if self.post_body not in POST_BODIES:
            raise ValueError(f"post_body must be one of {sorted(POST_BODIES)}")
        if self.delete_status not in (200, 202, 204):
            raise ValueError("delete_status must be 200, 202 or 204")
        if self.delete_body not in DELETE_BODIES:
            raise ValueError(f"delete_body must be one of {sorted(DELETE_BODIES)}")
        if self.empty_list not in EMPTY_LISTS:
            raise ValueError('empty_list must be "204" or "array"')
        if self.deleted_status not in DELETED_STATUSES:
            raise ValueError("deleted_status must be 410 or 404")


@dataclass(frozen=True, slots=True)
class FaultPlan:
    """What to do to one request (decided before it is handled)."""

    reset: bool = False
    delay_s: float = 0.0
    status: int | None = None
    retry_after: int | None = None
    timeout_s: float = 0.0
    malformed: str | None = None
    trickle_s: float | None = None


NO_FAULT = FaultPlan()


class FaultInjector:
    """Holds the live :class:`Faults` and draws a plan per request, thread-safely."""

    def __init__(self, faults: Faults | None = None) -> None:
        self._lock = threading.Lock()
        self._faults = faults or Faults()
        self._rng, self._trickle_rng = _streams(self._faults.seed)

    @property
    def faults(self) -> Faults:
        return self._faults

    def set(self, faults: Faults) -> None:
        """Replace the settings and restart the random sequence from their seed."""
        with self._lock:
            self._faults = faults
            self._rng, self._trickle_rng = _streams(faults.seed)

    def update(self, **changes: Any) -> Faults:
        """Replace some settings (validated as a whole); returns the new settings."""
        with self._lock:
            faults = replace(self._faults, **changes)
            self._faults = faults
            self._rng, self._trickle_rng = _streams(faults.seed)
        return faults

    def plan(self, method: str) -> FaultPlan:
        """Decide the faults of one request with ``method``.

        Every eligible request consumes the same five draws (and one from
        the trickle stream) whatever the settings, so which request fails
        depends only on the seed and the request's position in the sequence.
        """
        with self._lock:
            faults = self._faults
            if not faults.active:
                return NO_FAULT
            if faults.methods is not None and method.upper() not in faults.methods:
                return NO_FAULT
            draws = [self._rng.random() for _ in range(5)]
            trickle_draw = self._trickle_rng.random()
        status = _pick_status(faults.status_rates, draws[1])
        trickle = trickle_draw < faults.trickle_rate
        return FaultPlan(
            reset=draws[0] < faults.reset_rate,
            delay_s=(faults.latency_ms + draws[4] * faults.jitter_ms) / 1000.0,
            status=status,
            retry_after=faults.retry_after if status in faults.retry_after_statuses else None,
            timeout_s=faults.timeout_delay_s if draws[2] < faults.timeout_rate else 0.0,
            malformed=faults.malformed_kind if draws[3] < faults.malformed_rate else None,
            trickle_s=faults.trickle_interval_s if trickle else None,
        )


def _streams(seed: int) -> tuple[random.Random, random.Random]:
    """The main fault stream and the separate trickle stream for ``seed``."""
    # A str seed is hashed with SHA-512, so it is stable across runs and platforms.
    return random.Random(seed), random.Random(f"trickle:{seed}")


def _pick_status(rates: Mapping[int, float], draw: float) -> int | None:
    """Stack the rates (in the order given) on [0, 1) and see where ``draw`` falls."""
    edge = 0.0
    for status, rate in rates.items():
        edge += rate
        if draw < edge:
            return status
    return None

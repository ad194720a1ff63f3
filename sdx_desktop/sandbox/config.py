"""Run-time settings and counters shared by the Flask app and the server."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field

from .faults import FaultInjector, Quirks

REQUEST_LOG_SIZE = 10_000


class RequestStats:
    """Thread-safe count and bounded log of ``/api`` requests (for benchmarks).

    Also counts the trickled answers still being sent (see ``Faults.trickle_rate``).
    """

    def __init__(self, log_size: int = REQUEST_LOG_SIZE) -> None:
        self._lock = threading.Lock()
        self._count = 0
        self._log: deque[tuple[str, str, str]] = deque(maxlen=log_size)
        self._trickling = 0

    def record(self, method: str, path: str, query: str) -> None:
        with self._lock:
            self._count += 1
            self._log.append((method, path, query))

    @property
    def count(self) -> int:
        with self._lock:
            return self._count

    @property
    def log(self) -> list[tuple[str, str, str]]:
        """``(method, path, query string)`` of the most recent requests, oldest first."""
        with self._lock:
            return list(self._log)

    def reset(self) -> None:
        """Zero the count and clear the log (trickles in progress stay counted)."""
        with self._lock:
            self._count = 0
            self._log.clear()

    def trickle_started(self) -> None:
        with self._lock:
            self._trickling += 1

    def trickle_ended(self) -> None:
        with self._lock:
            self._trickling -= 1

    @property
    def trickling(self) -> int:
        """Number of trickled answers whose sending has not ended yet."""
        with self._lock:
            return self._trickling


@dataclass
class SandboxConfig:
    """Everything the app needs besides the store.

    ``quirks`` is replaced whole (never mutated), so a request reads one
    consistent set. ``stopping`` cuts injected delays short on shutdown.
    ``forbidden_bearer`` is a Bearer token that authenticates but has no
    rights: every ``/api`` request carrying it is answered 403.
    """

    basic: tuple[str, str] | None = None
    bearer: str | None = None
    forbidden_bearer: str | None = None
    faults: FaultInjector = field(default_factory=FaultInjector)
    quirks: Quirks = field(default_factory=Quirks)
    stats: RequestStats = field(default_factory=RequestStats)
    stopping: threading.Event = field(default_factory=threading.Event)

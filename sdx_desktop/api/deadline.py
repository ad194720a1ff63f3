"""An overall deadline for one API call, retries and slow answers included.

Socket timeouts bound each read, not a whole answer: a server that stalls before its
headers costs a read timeout per attempt, and one that trickles a byte at a time
never times out at all. So each call runs inside :func:`deadline_scope`, and

* every connection the client uses arms a shared :class:`Watchdog` while it waits
  for an answer; at the deadline the watchdog shuts the socket down, which turns any
  blocked read into an error at once (in this thread, where it can be reported);
* the retry policy asks :func:`remaining` before each retry and each back-off sleep.

The scope is per thread (each call runs in one worker thread from start to end).
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_local = threading.local()


def remaining() -> float | None:
    """Seconds left before this thread's deadline (never negative); None without one."""
    deadline: float | None = getattr(_local, "deadline", None)
    return None if deadline is None else max(0.0, deadline - time.monotonic())


def expired() -> bool:
    left = remaining()
    return left is not None and left <= 0.0


@contextmanager
def deadline_scope(seconds: float | None) -> Iterator[None]:
    """Run the body with a deadline ``seconds`` from now (None: no deadline)."""
    if seconds is None:
        yield
        return
    outer = getattr(_local, "deadline", None)
    deadline = time.monotonic() + seconds
    _local.deadline = deadline if outer is None else min(outer, deadline)
    _local.armed = []
    try:
        yield
    finally:
        for token in _local.armed:
            WATCHDOG.disarm(token)
        _local.armed = []
        _local.deadline = outer


class Watchdog:
    """One daemon thread that shuts sockets down when their deadline passes."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._heap: list[tuple[float, int]] = []
        self._sockets: dict[int, socket.socket] = {}
        self._tokens = itertools.count()
        self._thread: threading.Thread | None = None

    def arm(self, deadline: float, sock: socket.socket) -> int:
        with self._lock:
            token = next(self._tokens)
            self._sockets[token] = sock
            heapq.heappush(self._heap, (deadline, token))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="sdx-deadline", daemon=True)
                self._thread.start()
            self._lock.notify()
            return token

    def disarm(self, token: int) -> None:
        with self._lock:
            self._sockets.pop(token, None)

    def _run(self) -> None:
        while True:
            with self._lock:
                while self._heap and self._heap[0][1] not in self._sockets:
                    heapq.heappop(self._heap)  # disarmed meanwhile
                if not self._heap:
                    self._lock.wait()
                    continue
                deadline, token = self._heap[0]
                wait = deadline - time.monotonic()
                if wait > 0:
                    self._lock.wait(wait)
                    continue
                heapq.heappop(self._heap)
                sock = self._sockets.pop(token)
            with contextlib.suppress(OSError):  # already closed
                sock.shutdown(socket.SHUT_RDWR)


WATCHDOG = Watchdog()


def _arm(sock: Any) -> None:
    deadline: float | None = getattr(_local, "deadline", None)
    if deadline is not None and isinstance(sock, socket.socket):
        _local.armed.append(WATCHDOG.arm(deadline, sock))


class DeadlineHTTPConnection(HTTPConnection):
    def getresponse(self) -> Any:
        _arm(self.sock)
        return super().getresponse()


class DeadlineHTTPSConnection(HTTPSConnection):
    def getresponse(self) -> Any:
        _arm(self.sock)
        return super().getresponse()


class DeadlineHTTPPool(HTTPConnectionPool):
    ConnectionCls = DeadlineHTTPConnection


class DeadlineHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = DeadlineHTTPSConnection


#: For a urllib3 PoolManager's ``pool_classes_by_scheme``.
POOL_CLASSES: dict[str, type[HTTPConnectionPool]] = {
    "http": DeadlineHTTPPool,
    "https": DeadlineHTTPSPool,
}

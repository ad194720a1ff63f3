"""The one async seam between the UI thread and blocking work.

qasync runs asyncio on Qt's event loop. Blocking calls (every ``SdxClient`` method)
run on a worker thread via :meth:`TaskRunner.run`; the awaiting coroutine resumes on
the UI thread, so widgets are only ever touched there. :meth:`TaskRunner.spawn` starts
a coroutine and keeps track of it, so the status bar can show that work is under way
and the Stop action can cancel it.

Stale results are the caller's to drop: code that may be overtaken (the user picked
another interaction meanwhile) compares a generation number after each ``await``.

Never call ``QDialog.exec()`` inside a coroutine (it re-enters the event loop); open
dialogs with ``open()`` and ``await`` :func:`wait_for_signal` instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal, SignalInstance

from sdx_desktop.api.errors import AuthError

log = logging.getLogger(__name__)

T = TypeVar("T")


class TaskRunner(QObject):
    """Runs blocking calls off the UI thread and tracks the coroutines that await them."""

    #: Number of blocking calls under way (feeds the busy indicator).
    pendingChanged = Signal(int)
    #: A spawned coroutine failed with an exception nobody handled.
    failed = Signal(object)

    def __init__(self, max_workers: int = 6, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="sdx-ui")
        self._tasks: set[asyncio.Task[Any]] = set()
        self._pending = 0
        self._reauthenticate: Callable[[], Awaitable[bool]] | None = None
        self._reauth_future: asyncio.Future[bool] | None = None

    @property
    def pending(self) -> int:
        return self._pending

    @property
    def idle(self) -> bool:
        """No spawned coroutine is unfinished and no blocking call is under way (tests
        wait for this before checking that something did *not* happen)."""
        return self._pending == 0 and all(task.done() for task in self._tasks)

    def set_reauthenticate(self, handler: Callable[[], Awaitable[bool]] | None) -> None:
        """What to do when the server stops accepting our credentials mid-session
        (normally: show the sign-in dialog). It returns True once signed in again."""
        self._reauthenticate = handler

    async def run(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Call ``fn(*args, **kwargs)`` on a worker thread and return its result here.

        If the server answers 401 and a re-authentication handler is set, the user signs
        in again (once, however many calls failed together) and the call is repeated.
        ``fn`` must reach the client through the session's proxy so the repeat uses the
        new credentials.
        """
        try:
            return await self._run_once(fn, *args, **kwargs)
        except AuthError:
            if self._reauthenticate is None or not await self._signed_in_again():
                raise
            return await self._run_once(fn, *args, **kwargs)

    async def _signed_in_again(self) -> bool:
        if self._reauth_future is None:
            assert self._reauthenticate is not None
            self._reauth_future = asyncio.ensure_future(self._reauthenticate())
            self._reauth_future.add_done_callback(self._reauth_done)
        return await asyncio.shield(self._reauth_future)

    def _reauth_done(self, _future: asyncio.Future[bool]) -> None:
        self._reauth_future = None

    async def _run_once(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        self._set_pending(self._pending + 1)
        try:
            return await loop.run_in_executor(
                self._executor, functools.partial(fn, *args, **kwargs)
            )
        finally:
            self._set_pending(self._pending - 1)

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Start ``coro`` on the UI thread's loop; unhandled errors go to :attr:`failed`."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def cancel_all(self) -> int:
        """Cancel every spawned coroutine (the Stop action); returns how many."""
        running = [t for t in self._tasks if not t.done()]
        for task in running:
            task.cancel()
        return len(running)

    def shutdown(self) -> None:
        self.cancel_all()
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            log.error("Background task failed", exc_info=error)
            self.failed.emit(error)

    def _set_pending(self, value: int) -> None:
        self._pending = value
        self.pendingChanged.emit(value)


async def wait_for_signal(signal: SignalInstance) -> tuple[Any, ...]:
    """Wait, without blocking the loop, until ``signal`` fires; returns its arguments."""
    future: asyncio.Future[tuple[Any, ...]] = asyncio.get_running_loop().create_future()

    def fire(*args: Any) -> None:
        if not future.done():
            future.set_result(args)

    signal.connect(fire)
    try:
        return await future
    finally:
        with contextlib.suppress(RuntimeError):  # the sender is gone already (app quitting)
            signal.disconnect(fire)

"""The process side of ``--self-test`` and ``--startup-probe``: how the build was made, a
hard time limit, the environment, Qt's messages, and when this process started (where
the output goes is :mod:`sdx_desktop.console`). No Qt here except the message handler,
which imports it when used."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def onefile() -> bool:
    """A one-file build unpacks itself into a temporary folder away from the executable
    (a one-folder build runs from ``<folder>/_internal``)."""
    unpacked = getattr(sys, "_MEIPASS", None)
    return (
        frozen()
        and unpacked is not None
        and (Path(unpacked).resolve().parent != Path(sys.executable).resolve().parent)
    )


def default_platform() -> None:
    """On a Linux machine without a display, use Qt's offscreen platform."""
    if (
        sys.platform.startswith("linux")
        and not os.environ.get("QT_QPA_PLATFORM")
        and not os.environ.get("DISPLAY")
        and not os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"


@contextlib.contextmanager
def env(name: str, value: str) -> Iterator[None]:
    previous = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = previous


@contextlib.contextmanager
def quiet_offscreen_warning() -> Iterator[None]:
    """Qt's offscreen platform warns "does not support propagateSizeHints()" for every
    window: drop that line, pass every other Qt message on to stderr."""
    from PySide6.QtCore import qInstallMessageHandler

    def handler(_mode: Any, _context: Any, message: str) -> None:
        if "propagateSizeHints" not in message:
            print(message, file=sys.stderr)

    previous = qInstallMessageHandler(handler)
    try:
        yield
    finally:
        qInstallMessageHandler(previous)


def watchdog(seconds: float, message: str) -> threading.Timer:
    """Ends the process if the check has not finished in time, whatever state Qt is in."""

    def expire() -> None:
        with contextlib.suppress(Exception):
            print(message.format(seconds), file=sys.stderr, flush=True)
        os._exit(2)

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    return timer


def print_logged_errors(home: Path) -> None:
    """The app logs failures of background tasks to its log file: show them too."""
    log_file = home / "logs" / "sdx-desktop.log"
    with contextlib.suppress(OSError):
        lines = log_file.read_text(encoding="utf-8", errors="replace").splitlines()
        first_error = next((i for i, line in enumerate(lines) if " ERROR " in line), None)
        if first_error is not None:
            print("\n".join(["From the app's log:", *lines[first_error:][:40]]), file=sys.stderr)


def process_start() -> float:
    """When this process started (``time.time()`` scale). A one-file build unpacks in a
    parent process first: that counts as start-up too, so its start is used."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            pid = os.getpid()
            if onefile():
                with contextlib.suppress(OSError):
                    if os.readlink(f"/proc/{os.getppid()}/exe") == os.readlink("/proc/self/exe"):
                        pid = os.getppid()  # the one-file bootloader that unpacked us
            stat = Path(f"/proc/{pid}/stat").read_text()
            ticks = int(stat.rsplit(")", 1)[1].split()[19])  # field 22, starttime
            since_boot = ticks / os.sysconf("SC_CLK_TCK")
            return time.time() - (time.clock_gettime(time.CLOCK_BOOTTIME) - since_boot)
    if sys.platform == "win32":
        with contextlib.suppress(Exception):
            import ctypes
            from ctypes import wintypes

            created, _exited, _kernel, _user = (wintypes.FILETIME() for _ in range(4))
            kernel32 = ctypes.windll.kernel32
            kernel32.GetCurrentProcess.restype = wintypes.HANDLE
            if kernel32.GetProcessTimes(
                kernel32.GetCurrentProcess(),
                ctypes.byref(created),
                ctypes.byref(_exited),
                ctypes.byref(_kernel),
                ctypes.byref(_user),
            ):
                hundred_ns = (created.dwHighDateTime << 32) | created.dwLowDateTime
                return hundred_ns / 1e7 - 11_644_473_600  # 1601 → 1970
    # Elsewhere (macOS): from when Python started running this app, a lower bound.
    return _IMPORTED_AT


_IMPORTED_AT = time.time()

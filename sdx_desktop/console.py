"""Command-line output from a windowed Windows build (no Qt here).

The Windows executable is a windowed program: it starts with no stdout or stderr, so
whatever it prints for the command line (``--version``, ``--help``, ``--self-test``)
would vanish. Started from a command prompt as ``start /wait sdx-desktop.exe …`` it
writes to that console instead; redirected to a file or pipe it needs nothing (Python
then has the handles it was given). The packaging builds no separate console program.
"""

from __future__ import annotations

import os
import sys

#: Flags whose whole point is output on the command line.
CONSOLE_FLAGS = frozenset({"--version", "-h", "--help", "--self-test", "--startup-probe"})


def wants_console(argv: list[str]) -> bool:
    return any(arg in CONSOLE_FLAGS for arg in argv)


def ensure_console() -> None:
    """Give a windowed Windows build the console it was started from, if any; else
    somewhere harmless to write (nothing is lost that could have been seen)."""
    if sys.stdout is not None and sys.stderr is not None:
        return
    if sys.platform == "win32":
        import ctypes

        if ctypes.windll.kernel32.AttachConsole(-1):  # ATTACH_PARENT_PROCESS
            if sys.stdout is None:
                sys.stdout = open("CONOUT$", "w", encoding="utf-8")  # noqa: SIM115
            if sys.stderr is None:
                sys.stderr = open("CONOUT$", "w", encoding="utf-8")  # noqa: SIM115
            return
    if sys.stdout is None:
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115

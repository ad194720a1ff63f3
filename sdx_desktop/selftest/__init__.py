"""Proof that a build of SDX Desktop works: ``--self-test`` and ``--startup-probe``.

``sdx-desktop --self-test`` is the smoke test of the frozen executable (CI runs it on
every build, support can ask staff to run it). It checks what a frozen Qt app loses
first (keyring back-ends and their metadata, TLS, the SVG icon plugins, the platform
plugin), then plays one real session through the same start-up path as a normal run
(the ``main`` that :mod:`sdx_desktop.app` hands in, so that this package never imports
the app back): the embedded sandbox with the small sample, the sign-in dialog, the main
window, a survey and an interaction with their tags, one tag saved through the edit
dialog and deleted through the delete flow. It prints ONE line and
exits 0, or exits non-zero with the reason on stderr. It never hangs (hard time limit)
and never touches the user's files: settings and logs go to a temporary
``SDX_DESKTOP_HOME`` that is removed afterwards, and the keyring is only looked at
(its back-ends are listed), never read or written.

``sdx-desktop --startup-probe [--demo]`` starts the app as usual and prints the seconds
from process start until the first window is painted (the main window, or the sign-in
window when nobody is signed in), then closes it.

Split along its seams: :mod:`.checks` (what a build can lose), :mod:`.session` (the
scripted session), :mod:`.process` (console, time limit, environment, process start);
the two entry points are here.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from sdx_desktop import APP_NAME, __version__
from sdx_desktop.console import ensure_console

from .checks import SelfTestError, check_bundle
from .process import (
    default_platform,
    env,
    frozen,
    print_logged_errors,
    process_start,
    quiet_offscreen_warning,
    watchdog,
)
from .session import close_all_windows, run_session

#: Whole self-test, start to exit; a hard stop follows a little later.
SELF_TEST_TIMEOUT = 60.0
PROBE_TIMEOUT = 120.0
#: Extra time the hard stop (a watchdog thread) gives the orderly shutdown.
GRACE = 10.0

#: The app's own start-up path, ``sdx_desktop.app.main``: argv in, exit code out.
Main = Callable[[list[str]], int]


def self_test(main: Main, timeout: float = SELF_TEST_TIMEOUT) -> int:
    """Run the self-test through ``main``; returns the process exit code."""
    started = time.perf_counter()
    ensure_console()
    default_platform()
    home = Path(tempfile.mkdtemp(prefix="sdx-selftest-"))
    timer = watchdog(timeout + GRACE, "self-test FAILED: no result after {:.0f} s")
    try:
        with env("SDX_DESKTOP_HOME", str(home)):
            checked = check_bundle()
            platform, more, session = run_session(main, timeout - (time.perf_counter() - started))
    except SelfTestError as error:
        print(f"self-test FAILED: {error}", file=sys.stderr)
        print_logged_errors(home)
        return 1
    except BaseException as error:  # anything at all: report it, never a silent crash
        print(f"self-test FAILED: {type(error).__name__}: {error}", file=sys.stderr)
        traceback.print_exc()
        print_logged_errors(home)
        return 1
    finally:
        timer.cancel()
        shutil.rmtree(home, ignore_errors=True)
    elapsed = time.perf_counter() - started
    build = f"{APP_NAME} {__version__} ({'frozen' if frozen() else 'source'}, {platform})"
    print(
        f"self-test passed: {build}: checked {', '.join(checked + more)}; "
        f"{', '.join(session)} in {elapsed:.2f} s",
        flush=True,
    )
    return 0


def startup_probe(main: Main, argv: list[str], timeout: float = PROBE_TIMEOUT) -> int:
    """Start the app through ``main`` with ``argv`` (minus ``--startup-probe``); print the
    seconds from process start to the first painted window, then close it. Returns the
    exit code."""
    ensure_console()
    started = process_start()
    timer = watchdog(timeout, "startup-probe FAILED: no window after {:.0f} s")
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QWidget

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "sdx-desktop"])
    seen: list[str] = []

    class FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if (
                not seen
                and event.type() == QEvent.Type.Paint
                and isinstance(watched, QWidget)
                and watched.objectName() in ("mainWindow", "loginDialog")
            ):
                seconds = time.time() - started
                what = "main window" if watched.objectName() == "mainWindow" else "sign-in window"
                seen.append(what)
                print(
                    f"startup-probe: {seconds:.3f} s from process start to {what} shown",
                    flush=True,
                )
                # Close it, and keep closing whatever the start-up still opens (a
                # sign-in dialog may come after the window) until main() returns.
                closer.start()
            return False

    closer = QTimer(interval=50)
    closer.timeout.connect(close_all_windows)
    spy = FirstPaint()
    app.installEventFilter(spy)
    try:
        with quiet_offscreen_warning():
            code = main([a for a in argv if a != "--startup-probe"])
    finally:
        closer.stop()
        app.removeEventFilter(spy)
        timer.cancel()
    if not seen:
        print("startup-probe FAILED: the app ended before showing a window", file=sys.stderr)
        return 1
    return code

"""Start-up: command-line flags, the Qt application with its asyncio loop, sign-in, demo mode."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import Any

from sdx_desktop import APP_NAME, __version__
from sdx_desktop.console import ensure_console, wants_console

log = logging.getLogger(__name__)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="sdx-desktop",
        description=f"{APP_NAME}: browse and edit Survey Dynamix interaction tags.",
        epilog="On the command line, without a window: 'sdx-desktop export --help' (tags to "
        "a CSV or Excel file) and 'sdx-desktop import --help' (tags from one).",
    )
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="practise with sample data on a local server; no account needed",
    )
    parser.add_argument("--debug", action="store_true", help="write more detail to the log file")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check that this installation works (a short session with practice data, "
        "nothing saved), print one line and exit",
    )
    parser.add_argument(
        "--startup-probe",
        action="store_true",
        help="print the seconds from start to the first window shown, then exit",
    )
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    """Run the app until its window closes; returns the exit code.

    Reuses an existing ``QApplication`` (scripts and tests drive this same path).
    ``export`` and ``import`` go to the command line (:mod:`sdx_desktop.cli`) before
    anything imports Qt.
    """
    if argv and argv[0] in ("export", "import"):
        from sdx_desktop.cli import main as command_line

        return command_line(argv)
    if wants_console(argv):  # a windowed Windows build: print to the starting console
        ensure_console()
    args = parse_args(argv)
    if args.self_test:
        from sdx_desktop.selftest import self_test

        return self_test(main)
    if args.startup_probe:
        from sdx_desktop.selftest import startup_probe

        return startup_probe(main, argv)

    import qasync
    from PySide6.QtWidgets import QApplication

    from sdx_desktop.logs import configure_logging
    from sdx_desktop.ui.controller import AppController
    from sdx_desktop.ui.error_dialog import install_excepthook
    from sdx_desktop.ui.icons import icon

    log_handler = configure_logging(logging.DEBUG if args.debug else logging.INFO)
    app: Any = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "sdx-desktop"])
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName("SDX Desktop")
    app.setDesktopFileName("sdx-desktop")
    app.setWindowIcon(icon("sdx-desktop"))
    quit_on_close = app.quitOnLastWindowClosed()
    # Windows come and go (sign-in, main window, sign-in again); the controller decides
    # when the app is done.
    app.setQuitOnLastWindowClosed(False)

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    controller = AppController(demo=args.demo)
    previous_hook = install_excepthook(controller.secrets)
    log.info("%s %s starting%s", APP_NAME, __version__, " in demo mode" if args.demo else "")
    try:
        return controller.run_in(loop)
    finally:
        controller.shutdown()
        sys.excepthook = previous_hook
        app.setQuitOnLastWindowClosed(quit_on_close)
        asyncio.set_event_loop(None)
        loop.close()
        if log_handler is not None:
            logging.getLogger().removeHandler(log_handler)
            log_handler.close()


def run() -> int:
    return main(sys.argv[1:])

"""Unexpected errors: a plain dialog with "Copy details", never a silent crash or a traceback
in the user's face."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable, Iterable
from types import TracebackType

from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from sdx_desktop import APP_NAME, __version__
from sdx_desktop.api.errors import SdxError, scrub

log = logging.getLogger(__name__)

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], object]


def error_details(error: BaseException, secrets: Iterable[str] = ()) -> str:
    """Technical details for support: version, error, traceback; secrets removed."""
    lines = [f"{APP_NAME} {__version__}, Python {sys.version.split()[0]}"]
    if isinstance(error, SdxError) and error.detail:
        lines.append(error.detail)
    lines += traceback.format_exception(type(error), error, error.__traceback__)
    return scrub("\n".join(line.rstrip("\n") for line in lines), secrets)


def show_error(
    parent: QWidget | None, error: BaseException, secrets: Iterable[str] = ()
) -> QMessageBox:
    """Non-blocking error dialog; the message is plain, the details are one click away."""
    box = QMessageBox(parent)
    box.setObjectName("errorDialog")
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle(f"{APP_NAME} — something went wrong")
    secrets = tuple(secrets)
    if isinstance(error, SdxError):
        box.setText(scrub(str(error), secrets))
    else:
        box.setText(
            "Something unexpected went wrong. Your saved tags are safe on Survey Dynamix; "
            "anything not yet saved may need to be entered again."
        )
        box.setInformativeText(
            "If it happens again, press “Copy details” and send them to support."
        )
    details = error_details(error, secrets)
    copy = box.addButton("Copy details", QMessageBox.ButtonRole.ActionRole)
    copy.clicked.disconnect()  # keep the box open after copying
    copy.clicked.connect(lambda: QApplication.clipboard().setText(details))
    box.addButton(QMessageBox.StandardButton.Close)
    box.setDetailedText(details)
    box.open()
    return box


def install_excepthook(secrets: Callable[[], Iterable[str]]) -> ExceptHook:
    """Show uncaught exceptions in a dialog; returns the previous hook to restore."""
    previous = sys.excepthook

    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            previous(kind, error, tb)
            return
        known = tuple(secrets())
        # Not exc_info: the log file gets the same scrubbed text as "Copy details".
        log.error("Unexpected error\n%s", error_details(error, known))
        if QApplication.instance() is not None:
            show_error(QApplication.activeWindow(), error, known)

    sys.excepthook = hook
    return previous

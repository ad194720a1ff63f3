"""Logging to a rotating file in the user's log folder (never a secret: the client
never logs credentials, and messages are plain)."""

from __future__ import annotations

import logging
import logging.handlers

from sdx_desktop.settings import log_dir

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: int = logging.INFO) -> logging.Handler | None:
    """Attach the log file handler; returns it (None if the folder is not writable)."""
    root = logging.getLogger()
    try:
        folder = log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            folder / "sdx-desktop.log", maxBytes=1_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError:
        return None
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.setLevel(level)
    root.addHandler(handler)
    if root.level > level or root.level == logging.NOTSET:
        root.setLevel(level)
    return handler

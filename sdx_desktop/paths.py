"""Where SDX Desktop keeps its files (no Qt: the command line and the journal use it).

``SDX_DESKTOP_HOME`` moves every folder under one directory (tests, portable installs).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_DIR_NAME = "sdx-desktop"
HOME_ENV = "SDX_DESKTOP_HOME"


def app_home() -> Path | None:
    """The folder ``SDX_DESKTOP_HOME`` points at, if set."""
    home = os.environ.get(HOME_ENV, "").strip()
    return Path(home).expanduser() if home else None


def _folder(sub: str, platform_dir: str) -> Path:
    home = app_home()
    path = home / sub if home is not None else Path(platform_dir)
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_dir() -> Path:
    return _folder("config", platformdirs.user_config_dir(APP_DIR_NAME, False))


def log_dir() -> Path:
    return _folder("logs", platformdirs.user_log_dir(APP_DIR_NAME, False))


def cache_dir() -> Path:
    return _folder("cache", platformdirs.user_cache_dir(APP_DIR_NAME, False))


def data_dir() -> Path:
    """Application data that must survive restarts (the change journal)."""
    return _folder("data", platformdirs.user_data_dir(APP_DIR_NAME, False))

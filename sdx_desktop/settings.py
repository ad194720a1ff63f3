"""Where SDX Desktop keeps its files, and the few preferences it remembers.

Preferences live in an INI file through ``QSettings``. Nothing secret goes there: no
token, no password and not the customer UUID (the keyring holds those, see
:mod:`sdx_desktop.credentials`). ``SDX_DESKTOP_HOME`` moves every folder under one
directory (tests, portable installs).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from PySide6.QtCore import QByteArray, QSettings

from .paths import APP_DIR_NAME, HOME_ENV, app_home, cache_dir, config_dir, data_dir, log_dir

DEFAULT_LOCATION = "us1"
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000

AuthMethod = Literal["basic", "token"]

__all__ = [
    "APP_DIR_NAME",
    "HOME_ENV",
    "Settings",
    "app_home",
    "cache_dir",
    "config_dir",
    "data_dir",
    "log_dir",
]


def _as_bool(value: object, default: bool) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "1", "yes"):
            return True
        if lowered in ("false", "0", "no"):
            return False
    return default


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _safe_location(location: str) -> str:
    """A region label, or a custom URL stripped of anything that could carry a secret
    (user info, query, fragment)."""
    location = location.strip()
    if "://" not in location:
        return location.lower()
    parts = urlsplit(location)
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme.lower(), netloc, parts.path.rstrip("/"), "", ""))


class Settings:
    """The app's remembered preferences (never a secret)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else config_dir() / "settings.ini"
        self._qs = QSettings(str(self.path), QSettings.Format.IniFormat)

    def __repr__(self) -> str:
        return f"Settings({str(self.path)!r})"

    # --- sign-in ----------------------------------------------------------------------

    @property
    def last_location(self) -> str:
        """A region label ("eu1") or a custom base URL."""
        value = self._qs.value("signin/location", DEFAULT_LOCATION)
        return value.strip() if isinstance(value, str) and value.strip() else DEFAULT_LOCATION

    @last_location.setter
    def last_location(self, location: str) -> None:
        self._qs.setValue("signin/location", _safe_location(location) or DEFAULT_LOCATION)

    @property
    def last_auth_method(self) -> AuthMethod:
        value = self._qs.value("signin/method", "basic")
        return "token" if value == "token" else "basic"

    @last_auth_method.setter
    def last_auth_method(self, method: AuthMethod) -> None:
        if method not in ("basic", "token"):
            raise ValueError("auth method must be 'basic' or 'token'")
        self._qs.setValue("signin/method", method)

    @property
    def remember(self) -> bool:
        """Whether "Remember on this computer" starts ticked: not until staff tick it
        once (as the README says), so a shared computer keeps nothing by default."""
        return _as_bool(self._qs.value("signin/remember", False), False)

    @remember.setter
    def remember(self, value: bool) -> None:
        self._qs.setValue("signin/remember", bool(value))

    # --- browsing ---------------------------------------------------------------------

    @property
    def last_survey_id(self) -> int | None:
        value = _as_int(self._qs.value("browse/survey_id", None))
        return value if value is not None and value > 0 else None

    @last_survey_id.setter
    def last_survey_id(self, survey_id: int | None) -> None:
        if survey_id is None:
            self._qs.remove("browse/survey_id")
        else:
            self._qs.setValue("browse/survey_id", int(survey_id))

    @property
    def page_size(self) -> int:
        value = _as_int(self._qs.value("browse/page_size", DEFAULT_PAGE_SIZE))
        return _clamp_page_size(DEFAULT_PAGE_SIZE if value is None else value)

    @page_size.setter
    def page_size(self, size: int) -> None:
        self._qs.setValue("browse/page_size", _clamp_page_size(int(size)))

    # --- window geometry, splitter states, header states ------------------------------

    def save_geometry(self, name: str, state: QByteArray) -> None:
        self._qs.setValue(f"geometry/{_key_name(name)}", QByteArray(state))

    def geometry(self, name: str) -> QByteArray | None:
        value = self._qs.value(f"geometry/{_key_name(name)}", None)
        if isinstance(value, QByteArray) and not value.isEmpty():
            return value
        if isinstance(value, bytes | bytearray) and value:
            return QByteArray(bytes(value))
        return None

    def sync(self) -> None:
        self._qs.sync()


def _clamp_page_size(size: int) -> int:
    return max(1, min(MAX_PAGE_SIZE, size))


def _key_name(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "_-." else "_" for c in name.strip())
    if not cleaned:
        raise ValueError("geometry name must not be empty")
    return cleaned

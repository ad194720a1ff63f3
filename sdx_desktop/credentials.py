"""The one place that touches the operating system's password store (``keyring``).

Each remembered sign-in is one keyring entry, user name ``"<location>|<account>"``,
password a small JSON document with the method and its secrets. A pointer entry
``"<location>|last"`` names the account last remembered there, so the preferences file
never needs the customer UUID.

When the computer has no usable password store (a headless Linux box has no Secret
Service), or the store fails, the sign-in is kept in memory for this session only and
the caller is told so in plain words. There is never a plaintext file fallback, and no
secret appears in a log message, an exception text or a ``repr``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import keyring
import keyring.backend
import keyring.errors
from keyring.backends import chainer, fail, null

from sdx_desktop.api.auth import BasicCredentials, Credentials, TokenCredentials

log = logging.getLogger(__name__)

SERVICE = "sdx-desktop"
POINTER = "last"

NO_STORE_MESSAGE = (
    "This computer has no password store, so SDX Desktop will ask for your sign-in "
    "details again next time."
)
STORE_FAILED_MESSAGE = (
    "The password store on this computer did not accept your sign-in details, so "
    "SDX Desktop will ask for them again next time."
)
IN_MEMORY = "memory (this session only)"

#: Human names for the keyring backends staff may meet, by module.
_BACKEND_NAMES = {
    "keyring.backends.Windows": "Windows Credential Manager",
    "keyring.backends.macOS": "macOS Keychain",
    "keyring.backends.macOS.api": "macOS Keychain",
    "keyring.backends.SecretService": "Secret Service",
    "keyring.backends.libsecret": "Secret Service",
    "keyring.backends.kwallet": "KWallet",
}


@dataclass(frozen=True, slots=True)
class KeyringStatus:
    """Whether the password store can be used, which one it is, and if not, why."""

    usable: bool
    backend: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class RememberResult:
    """Where :meth:`CredentialStore.remember` put the sign-in details."""

    stored: bool
    where: str
    message: str


def backend_name(backend: keyring.backend.KeyringBackend) -> str:
    cls = type(backend)
    return _BACKEND_NAMES.get(cls.__module__, cls.__name__)


def _priority(backend: keyring.backend.KeyringBackend) -> float:
    try:
        return float(backend.priority)
    except Exception:  # a backend probing its environment may fail in any way
        return -1.0


def _location_key(location: str) -> str:
    """One spelling per location: region labels in lower case; URLs with the scheme and
    host in lower case and no trailing slash (as the preferences file keeps them)."""
    location = location.strip()
    if "://" not in location:
        return location.lower()
    parts = urlsplit(location)
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), parts.query, "")
    )


def _encode(credentials: Credentials) -> str:
    if isinstance(credentials, BasicCredentials):
        data = {
            "method": "basic",
            "customer_uuid": credentials.customer_uuid,
            "auth_token": credentials.auth_token,
        }
    else:
        data = {"method": "token", "token": credentials.token, "label": credentials.label}
    return json.dumps(data)


def _decode(text: str) -> Credentials | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    method = data.get("method")
    if method == "basic":
        uuid, token = data.get("customer_uuid"), data.get("auth_token")
        if isinstance(uuid, str) and isinstance(token, str) and uuid and token:
            return BasicCredentials(uuid, token)
    elif method == "token":
        token, label = data.get("token"), data.get("label")
        if isinstance(token, str) and token:
            if isinstance(label, str) and label:
                return TokenCredentials(token, label)
            return TokenCredentials(token)
    return None


class CredentialStore:
    """Remembers sign-in details per location (region label or custom URL)."""

    def __init__(self, service: str = SERVICE) -> None:
        self.service = service
        self._memory: dict[str, Credentials] = {}

    def __repr__(self) -> str:
        return f"CredentialStore({self.service!r}, in_memory={len(self._memory)})"

    # --- the backend ------------------------------------------------------------------

    def status(self) -> KeyringStatus:
        try:
            backend = keyring.get_keyring()
        except Exception as exc:
            log.warning("The password store could not be opened (%s)", type(exc).__name__)
            return KeyringStatus(False, "none", "The password store could not be opened.")
        name = backend_name(backend)
        if isinstance(backend, fail.Keyring | null.Keyring):
            return KeyringStatus(False, name, "No password store is available on this computer.")
        if isinstance(backend, chainer.ChainerBackend):
            try:
                chained = [b for b in backend.backends if _priority(b) >= 1]
            except Exception:
                chained = []
            if not chained:
                return KeyringStatus(
                    False, name, "No password store is available on this computer."
                )
            return KeyringStatus(True, " + ".join(dict.fromkeys(map(backend_name, chained))))
        if _priority(backend) < 1:
            return KeyringStatus(
                False, name, f"The password store ({name}) is not suitable on this computer."
            )
        return KeyringStatus(True, name)

    # --- remembering ------------------------------------------------------------------

    def remember(self, location: str, credentials: Credentials) -> RememberResult:
        """Keep ``credentials`` for ``location``: in the keyring if possible, else in
        memory for this session. Never raises for a keyring problem."""
        where = _location_key(location)
        status = self.status()
        if not status.usable:
            log.info("No usable password store (%s); keeping sign-in in memory", status.backend)
            self._memory[where] = credentials
            return RememberResult(False, IN_MEMORY, NO_STORE_MESSAGE)
        account = credentials.account
        try:
            previous = keyring.get_password(self.service, self._pointer(where))
            keyring.set_password(self.service, self._entry(where, account), _encode(credentials))
            keyring.set_password(self.service, self._pointer(where), account)
        except Exception as exc:
            log.warning(
                "Saving sign-in in %s failed (%s); keeping it in memory",
                status.backend,
                type(exc).__name__,
            )
            self._memory[where] = credentials
            return RememberResult(False, IN_MEMORY, STORE_FAILED_MESSAGE)
        self._memory.pop(where, None)
        if previous and previous != account:
            self._delete(self._entry(where, previous))
        log.info("Sign-in for %s saved in %s", where, status.backend)
        return RememberResult(
            True,
            status.backend,
            f"Your sign-in details are saved in {status.backend} on this computer.",
        )

    def recall_last(self, location: str) -> Credentials | None:
        """The sign-in last remembered for ``location``, or ``None``."""
        where = _location_key(location)
        if where in self._memory:
            return self._memory[where]
        try:
            account = keyring.get_password(self.service, self._pointer(where))
            if not account:
                return None
            text = keyring.get_password(self.service, self._entry(where, account))
        except Exception as exc:
            log.warning("Reading the password store failed (%s)", type(exc).__name__)
            return None
        if not text:
            return None
        credentials = _decode(text)
        if credentials is None:
            log.warning("The remembered sign-in for %s is unreadable; ignoring it", where)
        return credentials

    def forget(self, location: str) -> None:
        """Remove what is remembered for ``location`` (Sign out)."""
        where = _location_key(location)
        self._memory.pop(where, None)
        try:
            account = keyring.get_password(self.service, self._pointer(where))
        except Exception as exc:
            log.warning("Reading the password store failed (%s)", type(exc).__name__)
            account = None
        if account:
            self._delete(self._entry(where, account))
        self._delete(self._pointer(where))

    # --- plumbing ---------------------------------------------------------------------

    @staticmethod
    def _entry(where: str, account: str) -> str:
        return f"{where}|{account}"

    @staticmethod
    def _pointer(where: str) -> str:
        return f"{where}|{POINTER}"

    def _delete(self, username: str) -> None:
        try:
            keyring.delete_password(self.service, username)
        except keyring.errors.PasswordDeleteError:
            pass  # nothing there: already forgotten
        except Exception as exc:
            log.warning("Removing a saved sign-in failed (%s)", type(exc).__name__)

"""CredentialStore: the keyring wrapper (remember / recall / forget, status, fallbacks)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.errors
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null

from sdx_desktop.api.auth import BasicCredentials, TokenCredentials
from sdx_desktop.credentials import (
    IN_MEMORY,
    NO_STORE_MESSAGE,
    STORE_FAILED_MESSAGE,
    CredentialStore,
    KeyringStatus,
    RememberResult,
    backend_name,
)

from ..helpers import MemoryKeyring

UUID = "0e9d5b1a-7c44-4d3e-a1f2-3b4c5d6e7f80"
AUTH = "auth-token-SECRET-1234"
PAT = "pat-SECRET-5678"
SVC = "sdx-desktop"


@pytest.fixture(autouse=True)
def app_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Nothing touches the real user's folders (the top-level conftest should do this)."""
    home = tmp_path / "sdx-home"
    monkeypatch.setenv("SDX_DESKTOP_HOME", str(home))
    return home


class RaisingKeyring(MemoryKeyring):
    """A usable-looking backend whose every call fails, like a locked or broken store."""

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error

    def get_password(self, service: str, username: str) -> str | None:
        raise self.error

    def set_password(self, service: str, username: str, password: str) -> None:
        raise self.error

    def delete_password(self, service: str, username: str) -> None:
        raise self.error


class LowPriorityKeyring(MemoryKeyring):
    priority = 0.5  # type: ignore[assignment]


# Keep the test backends out of keyring's own backend discovery.
for _cls in (RaisingKeyring, LowPriorityKeyring):
    KeyringBackend._classes.discard(_cls)  # type: ignore[attr-defined]


@pytest.fixture
def store() -> CredentialStore:
    return CredentialStore()


@pytest.fixture
def debug_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG)
    yield caplog


def assert_no_secret(text: str) -> None:
    for secret in (UUID, AUTH, PAT):
        assert secret not in text


# --- round trips -------------------------------------------------------------------------


def test_basic_round_trip_and_pointer(
    store: CredentialStore, memory_keyring: MemoryKeyring
) -> None:
    creds = BasicCredentials(UUID, AUTH)
    result = store.remember("eu1", creds)
    assert result == RememberResult(
        True, "MemoryKeyring", "Your sign-in details are saved in MemoryKeyring on this computer."
    )
    entry = json.loads(memory_keyring.passwords[(SVC, f"eu1|{UUID}")])
    assert entry == {"method": "basic", "customer_uuid": UUID, "auth_token": AUTH}
    assert memory_keyring.passwords[(SVC, "eu1|last")] == UUID
    assert store.recall_last("eu1") == creds
    # A new store (the next start of the app) finds it too.
    assert CredentialStore().recall_last("eu1") == creds


def test_token_round_trip(store: CredentialStore, memory_keyring: MemoryKeyring) -> None:
    creds = TokenCredentials(PAT, label="reporting team")
    assert store.remember("au1", creds).stored
    entry = json.loads(memory_keyring.passwords[(SVC, "au1|reporting team")])
    assert entry == {"method": "token", "token": PAT, "label": "reporting team"}
    assert memory_keyring.passwords[(SVC, "au1|last")] == "reporting team"
    recalled = store.recall_last("au1")
    assert isinstance(recalled, TokenCredentials)
    assert recalled.token == PAT
    assert recalled.label == "reporting team"


def test_locations_are_separate_and_normalised(store: CredentialStore) -> None:
    basic = BasicCredentials(UUID, AUTH)
    token = TokenCredentials(PAT)
    store.remember("EU1", basic)
    store.remember("https://sdx.example.org/api/", token)
    assert store.recall_last("eu1") == basic
    assert store.recall_last("https://sdx.example.org/api") == token
    assert store.recall_last("HTTPS://SDX.Example.org/api/") == token
    assert store.recall_last("us1") is None


def test_new_account_replaces_the_old_one(
    store: CredentialStore, memory_keyring: MemoryKeyring
) -> None:
    store.remember("us2", BasicCredentials(UUID, AUTH))
    store.remember("us2", TokenCredentials(PAT))
    assert isinstance(store.recall_last("us2"), TokenCredentials)
    assert (SVC, f"us2|{UUID}") not in memory_keyring.passwords
    assert set(memory_keyring.passwords) == {
        (SVC, "us2|personal access token"),
        (SVC, "us2|last"),
    }


def test_forget_removes_entry_pointer_and_memory(
    store: CredentialStore, memory_keyring: MemoryKeyring
) -> None:
    store.remember("ca1", BasicCredentials(UUID, AUTH))
    store.remember("eu1", TokenCredentials(PAT))
    store.forget("ca1")
    assert store.recall_last("ca1") is None
    assert set(memory_keyring.passwords) == {
        (SVC, "eu1|personal access token"),
        (SVC, "eu1|last"),
    }
    store.forget("ca1")  # nothing left: still fine
    store.forget("never-used")


def test_custom_service_name(memory_keyring: MemoryKeyring) -> None:
    CredentialStore("sdx-test").remember("us1", TokenCredentials(PAT))
    assert {service for service, _ in memory_keyring.passwords} == {"sdx-test"}
    assert CredentialStore().recall_last("us1") is None


# --- damaged entries and failing stores -----------------------------------------------------


@pytest.mark.parametrize(
    "stored",
    [
        "not json at all",
        "[1, 2]",
        json.dumps({"method": "basic", "customer_uuid": UUID}),
        json.dumps({"method": "token"}),
        json.dumps({"method": "carrier pigeon", "token": PAT}),
        json.dumps({"method": "basic", "customer_uuid": 5, "auth_token": AUTH}),
    ],
)
def test_corrupt_entry_is_nothing_remembered(
    store: CredentialStore,
    memory_keyring: MemoryKeyring,
    debug_log: pytest.LogCaptureFixture,
    stored: str,
) -> None:
    memory_keyring.passwords[(SVC, "eu1|last")] = UUID
    memory_keyring.passwords[(SVC, f"eu1|{UUID}")] = stored
    assert store.recall_last("eu1") is None
    assert "unreadable" in debug_log.text
    assert_no_secret(debug_log.text)


def test_pointer_to_missing_entry(store: CredentialStore, memory_keyring: MemoryKeyring) -> None:
    memory_keyring.passwords[(SVC, "eu1|last")] = "someone"
    assert store.recall_last("eu1") is None


@pytest.mark.parametrize(
    "error",
    [
        keyring.errors.KeyringLocked("locked"),
        keyring.errors.KeyringError("backend broke"),
        RuntimeError("dbus went away"),
    ],
)
def test_failing_store_falls_back_to_memory(
    store: CredentialStore, debug_log: pytest.LogCaptureFixture, error: Exception
) -> None:
    keyring.set_keyring(RaisingKeyring(error))
    creds = BasicCredentials(UUID, AUTH)
    result = store.remember("eu1", creds)
    assert result == RememberResult(False, IN_MEMORY, STORE_FAILED_MESSAGE)
    assert store.recall_last("eu1") == creds  # this session only
    assert CredentialStore().recall_last("eu1") is None  # the next start: asked again
    store.forget("eu1")
    assert store.recall_last("eu1") is None
    assert type(error).__name__ in debug_log.text
    assert_no_secret(debug_log.text)


def test_no_store_keeps_it_in_memory_and_says_so(
    store: CredentialStore, memory_keyring: MemoryKeyring
) -> None:
    keyring.set_keyring(fail.Keyring())
    creds = TokenCredentials(PAT)
    result = store.remember("us3", creds)
    assert not result.stored
    assert result.where == IN_MEMORY
    assert result.message == (
        "This computer has no password store, so SDX Desktop will ask for your sign-in "
        "details again next time."
    )
    assert result.message == NO_STORE_MESSAGE
    assert store.recall_last("us3") == creds
    assert memory_keyring.passwords == {}
    store.forget("us3")
    assert store.recall_last("us3") is None


def test_keyring_back_after_memory_fallback(store: CredentialStore) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    store.remember("eu1", BasicCredentials(UUID, "old"))
    keyring.set_keyring(previous)
    fresh = BasicCredentials(UUID, AUTH)
    assert store.remember("eu1", fresh).stored
    assert store.recall_last("eu1") == fresh
    assert CredentialStore().recall_last("eu1") == fresh


# --- status -------------------------------------------------------------------------------


def test_status_memory_backend_is_usable(store: CredentialStore) -> None:
    assert store.status() == KeyringStatus(True, "MemoryKeyring", "")


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring(), LowPriorityKeyring()])
def test_status_unusable_backends(store: CredentialStore, backend: KeyringBackend) -> None:
    keyring.set_keyring(backend)
    status = store.status()
    assert not status.usable
    assert status.backend == type(backend).__name__
    assert status.reason


def test_status_chainer(store: CredentialStore, monkeypatch: pytest.MonkeyPatch) -> None:
    keyring.set_keyring(chainer.ChainerBackend())
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [])
    assert not store.status().usable
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [MemoryKeyring()])
    assert store.status() == KeyringStatus(True, "MemoryKeyring", "")


def test_backend_names_staff_recognise() -> None:
    def fake(module: str, name: str) -> KeyringBackend:
        cls = type(name, (), {"__module__": module})
        return cls()  # type: ignore[no-any-return]

    assert backend_name(fake("keyring.backends.Windows", "WinVaultKeyring")) == (
        "Windows Credential Manager"
    )
    assert backend_name(fake("keyring.backends.macOS", "Keyring")) == "macOS Keychain"
    assert backend_name(fake("keyring.backends.SecretService", "Keyring")) == "Secret Service"
    assert backend_name(fake("keyring.backends.libsecret", "Keyring")) == "Secret Service"
    assert backend_name(fake("other.module", "VaultThing")) == "VaultThing"


# --- no secret anywhere ---------------------------------------------------------------------


def test_no_secret_in_reprs_or_logs(
    store: CredentialStore, memory_keyring: MemoryKeyring, debug_log: pytest.LogCaptureFixture
) -> None:
    basic = BasicCredentials(UUID, AUTH)
    token = TokenCredentials(PAT)
    results = [store.remember("eu1", basic), store.remember("us1", token)]
    store.recall_last("eu1")
    store.forget("eu1")
    keyring.set_keyring(fail.Keyring())
    results.append(store.remember("ca1", basic))
    texts = [repr(store), repr(basic), repr(token), *map(repr, results), *map(str, results)]
    texts.append(repr(store.status()))
    texts.append(debug_log.text)
    for text in texts:
        assert_no_secret(text)
    assert "eu1" in debug_log.text  # it did log, just without secrets

"""Helpers the tests share (importable, unlike fixtures)."""

from __future__ import annotations

from keyring.backend import KeyringBackend

from sdx_desktop.api.auth import BasicCredentials, TokenCredentials
from sdx_desktop.api.client import SdxClient
from sdx_desktop.api.http import RetryPolicy, Timeouts
from sdx_desktop.sandbox import SandboxServer

#: Fast retries for tests: the policy is the same, only the waits are short.
FAST_RETRY = RetryPolicy(attempts=4, backoff=0.0, max_wait=0.05)


class MemoryKeyring(KeyringBackend):
    """A keyring that keeps secrets in this process only; no test touches the real one."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        from keyring.errors import PasswordDeleteError

        if self.passwords.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


def make_client(server: SandboxServer, *, bearer: bool = False, **kwargs: object) -> SdxClient:
    credentials = TokenCredentials(server.bearer) if bearer else BasicCredentials(*server.basic)
    kwargs.setdefault("retry", FAST_RETRY)
    kwargs.setdefault("timeouts", Timeouts(connect=2.0, read=5.0))
    return SdxClient(credentials, base_url=server.base_url, **kwargs)  # type: ignore[arg-type]

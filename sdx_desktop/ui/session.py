"""The current sign-in, as the rest of the UI sees it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from sdx_desktop.api.client import SdxClient


class NotSignedInError(RuntimeError):
    pass


class ClientProxy:
    """Stands for "the client of the current sign-in".

    Models and dialogs keep this proxy, not a client: a call resolves the client when it
    runs, so a call repeated after the user signed in again uses the new credentials.
    """

    def __init__(self, client: SdxClient | None = None) -> None:
        self._client = client

    def set_client(self, client: SdxClient | None) -> None:
        old, self._client = self._client, client
        if old is not None and old is not client:
            old.close()

    @property
    def current(self) -> SdxClient | None:
        return self._client

    def as_client(self) -> SdxClient:
        """This proxy, typed as the client it forwards to."""
        return cast("SdxClient", self)

    def __getattr__(self, name: str) -> Any:
        client = self.__dict__.get("_client")
        if client is None:
            raise NotSignedInError("not signed in")
        return getattr(client, name)

"""The app's life: sign in (or start the demo server), show the main window, sign out."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from urllib.parse import urlsplit

from PySide6.QtWidgets import QDialog

from sdx_desktop.api.auth import BasicCredentials, Credentials
from sdx_desktop.api.client import SdxClient
from sdx_desktop.api.errors import AuthError, SdxError
from sdx_desktop.credentials import CredentialStore
from sdx_desktop.settings import Settings

from .login_dialog import LoginDialog, default_client_factory
from .main_window import MainWindow
from .session import ClientProxy
from .tasks import TaskRunner, wait_for_signal

log = logging.getLogger(__name__)

EXPIRED = "Survey Dynamix no longer accepts your sign-in. Please sign in again."


class AppController:
    def __init__(self, *, demo: bool = False, settings: Settings | None = None) -> None:
        self.demo = demo
        self.runner = TaskRunner()
        self.settings = settings or Settings()
        self.store = CredentialStore()
        self.api = ClientProxy()
        self.credentials: Credentials | None = None
        self.location = ""
        self.window: MainWindow | None = None
        self.sandbox: object | None = None
        #: Why the sign-in could not be remembered, if it could not (shown once).
        self.remember_note = ""

    def secrets(self) -> Iterable[str]:
        return self.credentials.secrets if self.credentials else ()

    async def run(self) -> int:
        if self.demo:
            client = await self._start_demo()
        else:
            client = await self._sign_in_at_start()
            self.runner.set_reauthenticate(self._sign_in_again)
        while client is not None:
            self.api.set_client(client)
            signed_out = await self._show_main_window()
            if not signed_out:
                return 0
            self.store.forget(self.location)
            self.api.set_client(None)
            self.credentials = None
            client = await self._ask_sign_in()
        return 0

    async def _show_main_window(self) -> bool:
        """Show the window until it closes; True when the user signed out."""
        window = MainWindow(
            self.runner,
            self.api,
            self.settings,
            account_label="" if self.demo else location_label(self.location),
            demo=self.demo,
        )
        window.sign_out_action.setVisible(not self.demo)
        self.window = window
        signed_out = False

        def sign_out() -> None:
            nonlocal signed_out
            signed_out = True
            window.close()

        window.signOutRequested.connect(sign_out)
        window.show()
        if self.remember_note:
            window.statusBar().showMessage(self.remember_note, 15_000)
            self.remember_note = ""
        await wait_for_signal(window.closed)
        window.deleteLater()
        self.window = None
        return signed_out

    # --- signing in ----------------------------------------------------------------

    async def _start_demo(self) -> SdxClient:
        from sdx_desktop.sandbox import DEMO_AUTH_TOKEN, DEMO_CUSTOMER_UUID, SandboxServer

        server = await self.runner.run(SandboxServer.start, sample="small")
        self.sandbox = server
        self.credentials = BasicCredentials(DEMO_CUSTOMER_UUID, DEMO_AUTH_TOKEN)
        self.location = server.base_url
        log.info("Demo server running at %s", server.base_url)
        return SdxClient(self.credentials, base_url=server.base_url)

    async def _sign_in_at_start(self) -> SdxClient | None:
        location = self.settings.last_location
        # A locked desktop keyring can take a moment to answer: ask it off the UI thread.
        remembered = await self.runner.run(self.store.recall_last, location)
        if remembered is None:
            return await self._ask_sign_in()
        try:
            client = default_client_factory(remembered, location)
            await self.runner.run(client.test_connection)
        except AuthError:
            return await self._ask_sign_in(EXPIRED)
        except SdxError as error:
            return await self._ask_sign_in(str(error))
        self.credentials, self.location = remembered, location
        return client

    async def _ask_sign_in(self, message: str = "") -> SdxClient | None:
        dialog = LoginDialog(
            self.runner, self.store, self.settings, message=message, parent=self.window
        )
        dialog.open()
        (result,) = await wait_for_signal(dialog.finished)
        client = dialog.client if result == QDialog.DialogCode.Accepted else None
        if client is not None:
            self.credentials, self.location = dialog.credentials, dialog.location
            self.remember_note = dialog.remembered.message if dialog.remembered else ""
        dialog.deleteLater()
        return client

    async def _sign_in_again(self) -> bool:
        client = await self._ask_sign_in(EXPIRED)
        if client is None:
            return False
        self.api.set_client(client)
        return True

    def shutdown(self) -> None:
        self.runner.shutdown()
        self.api.set_client(None)
        stop = getattr(self.sandbox, "stop", None)
        if stop is not None:
            stop()
        self.sandbox = None


def location_label(location: str) -> str:
    """Where staff are signed in, in words ("eu1", or the host of a custom address)."""
    if location.startswith("http"):
        return urlsplit(location).hostname or location
    return location

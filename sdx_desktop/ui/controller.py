"""The app's life: show the window, sign in (or start the demo server), sign out.

The window comes up first and connects afterwards, so staff see the app at once;
what only some starts need (the sign-in dialog, the keyring, the demo server) is
imported when it is needed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QDialog

from sdx_desktop.api.errors import AuthError, SdxError
from sdx_desktop.settings import Settings

from .main_window import MainWindow
from .session import ClientProxy
from .tasks import TaskRunner, wait_for_signal

if TYPE_CHECKING:
    from sdx_desktop.api.auth import Credentials
    from sdx_desktop.api.client import SdxClient
    from sdx_desktop.credentials import CredentialStore
    from sdx_desktop.journal import Journal

log = logging.getLogger(__name__)

#: Longest wait for the work under way to finish after a quit (seconds).
FINISH_TIMEOUT = 5.0
EXPIRED = "Survey Dynamix no longer accepts your sign-in. Please sign in again."


class AppController:
    def __init__(self, *, demo: bool = False, settings: Settings | None = None) -> None:
        self.demo = demo
        self.runner = TaskRunner()
        # An error no code path expected, in background work: tell staff plainly.
        self.runner.failed.connect(self._show_unexpected)
        self.settings = settings or Settings()
        self.api = ClientProxy()
        self.credentials: Credentials | None = None
        self.location = ""
        self.window: MainWindow | None = None
        self.sandbox: Any = None
        self._store: CredentialStore | None = None
        #: Why the sign-in could not be remembered, if it could not (shown once).
        self.remember_note = ""
        self.journal: Journal | None = None
        self._demo_dir: Any = None

    @property
    def store(self) -> CredentialStore:
        if self._store is None:
            from sdx_desktop.credentials import CredentialStore

            self._store = CredentialStore()
        return self._store

    def secrets(self) -> Iterable[str]:
        return self.credentials.secrets if self.credentials else ()

    def run_in(self, loop: asyncio.AbstractEventLoop) -> int:
        """Run the app on ``loop`` until its window closes; returns the exit code.

        ``QApplication.quit()`` — what logging off or shutting down the computer does —
        stops the loop early: an unsaved tag is kept for the next start, whatever is
        still under way is cancelled and allowed to finish, and the exit code is 0 too.
        """
        app = QApplication.instance()
        watcher = _QuitWatcher(self)
        if app is not None:
            app.installEventFilter(watcher)
            app.commitDataRequest.connect(self.keep_drafts)  # type: ignore[attr-defined]
        main = loop.create_task(self.run())
        try:
            return loop.run_until_complete(main)
        except RuntimeError:
            if main.done():
                raise
            log.info("Asked to quit (logging off or shutting down): finishing")
        finally:
            if app is not None:
                app.removeEventFilter(watcher)
                app.commitDataRequest.disconnect(self.keep_drafts)  # type: ignore[attr-defined]
        self._finish(loop)
        return 0

    def keep_drafts(self, *_args: object) -> None:
        """Keep what an open add/edit dialog holds unsaved, before anything closes."""
        if self.window is not None:
            self.window.keep_draft()

    def _finish(self, loop: asyncio.AbstractEventLoop) -> None:
        """Cancel every task still running and let each finish (nothing left pending)."""
        self.runner.cancel_all()
        leftovers = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in leftovers:
            task.cancel()
        if leftovers:
            loop.run_until_complete(asyncio.wait(leftovers, timeout=FINISH_TIMEOUT))
        if self.window is not None:
            self.window.close()
            self.window.deleteLater()
            self.window = None

    async def run(self) -> int:
        window = MainWindow(self.runner, self.api, self.settings, demo=self.demo, connect=False)
        window.sign_out_action.setVisible(not self.demo)
        self.window = window
        signed_out = False

        def sign_out() -> None:
            nonlocal signed_out
            signed_out = True

        window.signOutRequested.connect(sign_out)
        window.show()
        if self.demo:
            window.show_connecting("Starting the practice server…")
            client: SdxClient | None = await self._start_demo()
        else:
            window.show_connecting("Connecting to Survey Dynamix…")
            client = await self._sign_in_at_start()
            self.runner.set_reauthenticate(self._sign_in_again)
        while client is not None and window.isVisible():
            self.api.set_client(client)
            window.connected("" if self.demo else location_label(self.location))
            self._open_journal(window, client)
            if self.remember_note:
                window.statusBar().showMessage(self.remember_note, 15_000)
                self.remember_note = ""
            signed_out = False
            await wait_for_signal_or_close(window)
            if not signed_out:
                break
            self.store.forget(self.location)
            window.changes.attach(None, None)
            window.disconnected()
            self.api.set_client(None)
            self.credentials = None
            client = await self._ask_sign_in()
        window.close()
        window.deleteLater()
        self.window = None
        return 0

    # --- the change journal ----------------------------------------------------------

    def _open_journal(self, window: MainWindow, client: SdxClient) -> None:
        """Journal this sign-in's writes, and offer to settle what a crash left open.
        Demo mode journals too, in a folder of its own that goes with the demo."""
        from sdx_desktop.journal import Journal, Where, account_fingerprint

        if self.journal is None:
            path = None
            if self.demo:
                import tempfile
                from pathlib import Path

                self._demo_dir = tempfile.TemporaryDirectory(prefix="sdx-demo-journal-")
                path = Path(self._demo_dir.name) / "journal.sqlite3"
            self.journal = Journal(path)
        credentials = self.credentials
        identity = (
            getattr(credentials, "customer_uuid", None) or getattr(credentials, "token", "") or ""
        )
        where = Where(account_fingerprint(identity, client.base_url), client.base_url)
        window.changes.attach(self.journal, where)
        window.changes.check_unconfirmed()

    # --- signing in ----------------------------------------------------------------

    async def _start_demo(self) -> SdxClient:
        from sdx_desktop.api.auth import BasicCredentials
        from sdx_desktop.api.client import SdxClient
        from sdx_desktop.sandbox import DEMO_AUTH_TOKEN, DEMO_CUSTOMER_UUID

        # Importing and filling the server takes a moment: off the UI thread.
        server = await self.runner.run(_start_demo_server)
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
        from .login_dialog import default_client_factory

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
        if self.window is not None and not self.window.isVisible():
            return None  # closed while connecting: nobody to ask
        from .login_dialog import LoginDialog

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

    def _show_unexpected(self, error: BaseException) -> None:
        from .error_dialog import show_error

        show_error(self.window, error, self.secrets())

    def shutdown(self) -> None:
        self.runner.shutdown()
        self.api.set_client(None)
        if self.journal is not None:
            self.journal.close()
            self.journal = None
        if self._demo_dir is not None:
            self._demo_dir.cleanup()
            self._demo_dir = None
        if self.sandbox is not None:
            self.sandbox.stop()
        self.sandbox = None


class _QuitWatcher(QObject):
    """Sees ``QApplication.quit()`` before Qt closes the windows: keeps the drafts."""

    def __init__(self, controller: AppController) -> None:
        super().__init__()
        self._controller = controller

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Quit and watched is QApplication.instance():
            self._controller.keep_drafts()
        return False


def _start_demo_server() -> Any:
    from sdx_desktop.sandbox import SandboxServer

    return SandboxServer.start(sample="small")


async def wait_for_signal_or_close(window: MainWindow) -> None:
    """Until the window closes or the user signs out."""

    closed = asyncio.ensure_future(wait_for_signal(window.closed))
    signed_out = asyncio.ensure_future(wait_for_signal(window.signOutRequested))
    try:
        await asyncio.wait({closed, signed_out}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for pending in (closed, signed_out):
            pending.cancel()


def location_label(location: str) -> str:
    """Where staff are signed in, in words ("eu1", or the host of a custom address)."""
    if location.startswith("http"):
        return urlsplit(location).hostname or location
    return location

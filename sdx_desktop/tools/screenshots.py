"""Write PNG screenshots of every window and dialog into docs/screenshots/.

    python -m sdx_desktop.tools.screenshots [--out DIR]

Runs offscreen against the sandbox with the small sample, through the real widgets.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


async def wait_until(condition: Callable[[], object], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the screen did not reach the expected state")
        await asyncio.sleep(0.02)


def find_visible(object_name: str):  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication

    for widget in QApplication.topLevelWidgets():
        if widget.objectName() == object_name and widget.isVisible():
            return widget
    return None


async def capture(out: Path) -> list[Path]:

    from sdx_desktop.api.auth import BasicCredentials
    from sdx_desktop.api.client import SdxClient
    from sdx_desktop.credentials import CredentialStore
    from sdx_desktop.sandbox import SandboxServer
    from sdx_desktop.settings import Settings
    from sdx_desktop.ui.login_dialog import LoginDialog
    from sdx_desktop.ui.main_window import MainWindow
    from sdx_desktop.ui.session import ClientProxy
    from sdx_desktop.ui.tag_dialog import TagDialog
    from sdx_desktop.ui.tasks import TaskRunner

    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def save(widget, name: str) -> None:  # type: ignore[no-untyped-def]
        path = out / f"{name}.png"
        widget.grab().save(str(path))
        written.append(path)

    server = SandboxServer.start(sample="small")
    runner = TaskRunner()
    settings = Settings()
    try:
        login = LoginDialog(runner, CredentialStore(), settings)
        login.show()
        await asyncio.sleep(0.1)
        save(login, "login-dialog")
        login.close()

        starting = MainWindow(runner, ClientProxy(), settings, demo=True, connect=False)
        starting.resize(1280, 780)
        starting.show()
        starting.show_connecting("Starting the practice server…")
        await asyncio.sleep(0.1)
        save(starting, "main-window-starting")
        starting.close()

        api = ClientProxy(SdxClient(BasicCredentials(*server.basic), base_url=server.base_url))
        window = MainWindow(runner, api, settings, demo=True)
        window.resize(1280, 780)
        window.show()
        await wait_until(lambda: window.surveys.model.loaded_count > 0)
        window.surveys.select_survey(server.store.survey_ids()[0])
        picker = window.interactions
        await wait_until(lambda: picker.model.loaded_count > 0)
        tagged = next(i for i in picker.model.items if len(server.store.live_tags(i.id)) >= 4)
        row = picker.model.row_of(tagged.id)
        assert row is not None
        picker.view.setCurrentIndex(picker.proxy.mapFromSource(picker.model.index(row, 0)))
        await wait_until(lambda: window.tags.exhausted and window.tags.loaded_count > 0)
        window.tag_view.selectRow(1)
        await asyncio.sleep(0.1)
        save(window, "main-window")

        picker.select_all_interactions()
        await wait_until(lambda: window.tags.loaded_count > 0 and not window.tags.loading)
        await asyncio.sleep(0.1)
        save(window, "main-window-all-tags")

        picker.view.setCurrentIndex(picker.proxy.mapFromSource(picker.model.index(row, 0)))
        await wait_until(lambda: window.tags.exhausted and window.tags.loaded_count > 0)

        dialog = TagDialog(
            runner, api, interaction_id=tagged.id, interactions=[tagged], parent=window
        )
        dialog.key_edit.setText("2nd-region")
        dialog.value_edit.setPlainText("NORTH")
        dialog.open()
        await asyncio.sleep(0.1)
        save(dialog, "tag-dialog-invalid-key")

        existing_key, existing_value = next(iter(server.store.live_tags(tagged.id).items()))
        dialog.key_edit.setText(existing_key)
        dialog.value_edit.setPlainText(existing_value + " (corrected)")
        dialog.save()
        await wait_until(lambda: find_visible("overwriteWarning"))
        warning = find_visible("overwriteWarning")
        save(warning, "overwrite-warning")
        for button in warning.buttons():
            if button.text() == "Cancel":
                button.click()
        await asyncio.sleep(0.1)
        dialog.close()

        tag = window.tags.item(0)
        assert tag is not None
        editor = TagDialog(runner, api, tag=tag, interactions=[tagged], parent=window)
        editor.value_edit.setPlainText("EAST")
        editor.open()
        server.store.set_tag_value_directly(tag.id, "WEST (changed by a colleague)")
        editor.save()
        await wait_until(lambda: find_visible("conflictDialog"))
        conflict = find_visible("conflictDialog")
        save(conflict, "conflict-dialog")
        for button in conflict.buttons():
            if button.text() == "Cancel":
                button.click()
        await asyncio.sleep(0.1)
        editor.close()

        window.tag_view.selectRow(0)
        window.delete_selected()
        await wait_until(lambda: find_visible("deleteConfirm"))
        confirm = find_visible("deleteConfirm")
        save(confirm, "delete-confirm")
        for button in confirm.buttons():
            if button.text() == "Cancel":
                button.click()
        await asyncio.sleep(0.1)

        server.set_faults(status_rates={503: 1.0}, retry_after=0)
        window.refresh()
        await wait_until(lambda: window.tags.error is not None, timeout=30)
        await asyncio.sleep(0.1)
        save(window, "main-window-server-down")
        server.clear_faults()
        window.close()
    finally:
        runner.shutdown()
        server.stop()
    return written


class _PictureKeyring:
    """Stands in for the system keyring while taking pictures: keeps nothing, writes nothing."""

    def __new__(cls):  # type: ignore[no-untyped-def]
        from keyring.backend import KeyringBackend

        class Backend(KeyringBackend):
            priority = 1  # type: ignore[assignment]

            def get_password(self, service: str, username: str) -> str | None:
                return None

            def set_password(self, service: str, username: str, password: str) -> None:
                pass

            def delete_password(self, service: str, username: str) -> None:
                pass

        return Backend()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    # Never touch the real user's settings or keyring while taking pictures.
    os.environ["SDX_DESKTOP_HOME"] = tempfile.mkdtemp(prefix="sdx-shots-")
    import keyring

    keyring.set_keyring(_PictureKeyring())

    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("SDX Desktop")
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        written = loop.run_until_complete(capture(args.out))
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

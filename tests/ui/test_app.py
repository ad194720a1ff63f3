"""The real start-up path, ``sdx_desktop.app.main``: demo mode, remembered sign-in,
sign-in dialog, sign out, a 401 in mid-session, and where secrets end up."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QPushButton, QWidget

from sdx_desktop.api.auth import BasicCredentials
from sdx_desktop.app import main
from sdx_desktop.credentials import CredentialStore
from sdx_desktop.sandbox import SandboxServer
from sdx_desktop.settings import Settings
from sdx_desktop.ui.main_window import MainWindow

from ..helpers import MemoryKeyring
from .conftest import find_visible

UUID = "9d3f1c7a-2b4e-4f60-8a1d-5c6e7f8091ab"
TOKEN = "app-test-token-never-in-files-5521"

Step = tuple[Callable[[], object], Callable[[], None]]


def drive(argv: list[str], steps: list[Step], timeout: float = 30.0) -> int:
    """Run ``main(argv)`` while a timer plays ``steps``: each waits for its condition,
    then acts. A step that never comes true closes everything so the test fails, not hangs."""
    pending = list(steps)
    deadline = time.monotonic() + timeout
    failures: list[str] = []

    def tick() -> None:
        if not pending:
            timer.stop()
            return
        condition, action = pending[0]
        if condition():
            pending.pop(0)
            action()
        elif time.monotonic() > deadline:
            failures.append(f"step {len(steps) - len(pending)} never became ready")
            timer.stop()
            for widget in QApplication.topLevelWidgets():
                widget.close()
            for widget in QApplication.topLevelWidgets():
                if widget.objectName() == "loginDialog":
                    widget.reject()  # type: ignore[attr-defined]

    timer = QTimer(interval=30)
    timer.timeout.connect(tick)
    timer.start()
    code = main(argv)
    timer.stop()
    assert not failures, failures
    assert not pending, f"{len(pending)} steps left"
    return code


def window() -> MainWindow | None:
    found = find_visible("mainWindow")
    return found if isinstance(found, MainWindow) else None


def login() -> QWidget | None:
    return find_visible("loginDialog")


def fill_login(server: SandboxServer, token: str = TOKEN, remember: bool = True) -> None:
    dialog = login()
    assert dialog is not None
    region = dialog.findChild(QComboBox, "regionCombo")
    region.setCurrentIndex(region.count() - 1)  # "Custom URL…"
    dialog.findChild(QLineEdit, "customUrlEdit").setText(server.base_url)
    dialog.findChild(QLineEdit, "customerUuidEdit").setText(UUID)
    dialog.findChild(QLineEdit, "authTokenEdit").setText(token)
    dialog.findChild(QWidget, "rememberCheck").setChecked(remember)  # type: ignore[attr-defined]
    dialog.findChild(QPushButton, "signInButton").click()


@pytest.fixture
def server() -> SandboxServer:
    with SandboxServer.start(sample="small", basic=(UUID, TOKEN), bearer=None) as running:
        yield running  # type: ignore[misc]


def surveys_loaded() -> bool:
    w = window()
    return w is not None and w.surveys.model.loaded_count > 0


def test_demo_mode_starts_the_sandbox_and_shows_sample_data(
    qapp: QApplication, memory_keyring: MemoryKeyring
) -> None:
    seen: dict[str, object] = {}

    def look() -> None:
        w = window()
        assert w is not None
        seen["title"] = w.windowTitle()
        seen["banner"] = w.findChild(QWidget, "demoBanner") is not None
        seen["surveys"] = w.surveys.model.loaded_count
        seen["sign_out_visible"] = w.sign_out_action.isVisible()
        w.close()

    assert drive(["--demo"], [(surveys_loaded, look)]) == 0
    assert "Demo" in str(seen["title"])
    assert seen["banner"] is True
    assert seen["surveys"] == 12
    assert seen["sign_out_visible"] is False
    assert memory_keyring.passwords == {}  # nothing from demo mode is remembered


def test_sign_in_remember_then_start_straight_into_the_window(
    qapp: QApplication, server: SandboxServer, memory_keyring: MemoryKeyring
) -> None:
    assert (
        drive([], [(login, lambda: fill_login(server)), (surveys_loaded, lambda: window().close())])
        == 0
    )  # type: ignore[union-attr]
    assert len(memory_keyring.passwords) == 2  # the credentials and the "last account" pointer
    assert Settings().last_location == server.base_url
    # Next start: no dialog, the window comes straight up with the remembered sign-in.
    dialogs: list[bool] = []

    def check_no_dialog() -> None:
        dialogs.append(login() is not None)
        window().close()  # type: ignore[union-attr]

    assert drive([], [(surveys_loaded, check_no_dialog)]) == 0
    assert dialogs == [False]


def test_rejected_remembered_sign_in_falls_back_to_the_dialog(
    qapp: QApplication, server: SandboxServer
) -> None:
    CredentialStore().remember(server.base_url, BasicCredentials(UUID, "an-old-token"))
    settings = Settings()
    settings.last_location = server.base_url
    settings.sync()
    messages: list[str] = []

    def read_and_cancel() -> None:
        dialog = login()
        assert dialog is not None
        messages.append(
            " ".join(label.text() for label in dialog.findChildren(QWidget, "loginBanner"))
        )  # type: ignore[attr-defined]
        dialog.reject()  # type: ignore[attr-defined]

    assert drive([], [(login, read_and_cancel)]) == 0
    assert "sign in again" in messages[0].lower()


def signed_out_and_asked() -> bool:
    w = window()
    return login() is not None and w is not None and not w.surveys.model.has_source


def test_sign_out_forgets_and_asks_again(
    qapp: QApplication, server: SandboxServer, memory_keyring: MemoryKeyring
) -> None:
    def sign_out() -> None:
        assert memory_keyring.passwords
        window().sign_out_action.trigger()  # type: ignore[union-attr]

    code = drive(
        [],
        [
            (login, lambda: fill_login(server)),
            (surveys_loaded, sign_out),
            # The window stays, emptied, behind a new sign-in dialog; cancelling it quits.
            (signed_out_and_asked, lambda: login().reject()),  # type: ignore[union-attr]
        ],
    )
    assert code == 0
    assert memory_keyring.passwords == {}


def test_a_401_mid_session_asks_to_sign_in_and_the_action_resumes(
    qapp: QApplication, server: SandboxServer
) -> None:
    survey_id = server.store.survey_ids()[0]
    state: dict[str, object] = {}

    def break_credentials_and_act() -> None:
        server.set_faults(status_rates={401: 1.0})
        window().surveys.select_survey(survey_id)  # type: ignore[union-attr]

    def sign_in_again() -> None:
        dialog = login()
        state["banner"] = " ".join(w.text() for w in dialog.findChildren(QWidget, "loginBanner"))  # type: ignore[union-attr,attr-defined]
        server.clear_faults()
        fill_login(server)

    def resumed() -> bool:
        w = window()
        return w is not None and login() is None and w.interactions.model.loaded_count > 0

    code = drive(
        [],
        [
            (login, lambda: fill_login(server, remember=False)),
            (surveys_loaded, break_credentials_and_act),
            (login, sign_in_again),
            (resumed, lambda: window().close()),  # type: ignore[union-attr]
        ],
    )
    assert code == 0
    assert "sign in again" in str(state["banner"]).lower()


def test_crash_dialog_instead_of_a_traceback(qapp: QApplication) -> None:
    shown: dict[str, str] = {}

    def crash() -> None:
        w = window()
        assert w is not None
        QTimer.singleShot(0, lambda: (_ for _ in ()).throw(RuntimeError(f"boom {TOKEN}")))

    def read_and_close() -> None:
        box = find_visible("errorDialog")
        assert box is not None
        shown["text"] = box.text()  # type: ignore[attr-defined]
        shown["details"] = box.detailedText()  # type: ignore[attr-defined]
        box.close()
        window().close()  # type: ignore[union-attr]

    assert (
        drive(
            ["--demo"],
            [(surveys_loaded, crash), (lambda: find_visible("errorDialog"), read_and_close)],
        )
        == 0
    )
    assert "unexpected" in shown["text"]
    assert "RuntimeError" in shown["details"]


def test_secrets_end_up_only_in_the_keyring(
    qapp: QApplication,
    server: SandboxServer,
    memory_keyring: MemoryKeyring,
    app_home: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    survey_id = server.store.survey_ids()[0]

    def work() -> None:
        w = window()
        assert w is not None
        server.set_faults(status_rates={500: 1.0}, retry_after=0)
        w.surveys.select_survey(survey_id)

    def failed() -> bool:
        w = window()
        return w is not None and w.interactions.model.error is not None

    drive(
        ["--debug"],
        [
            (login, lambda: fill_login(server)),
            (surveys_loaded, work),
            (failed, lambda: window().close()),
        ],  # type: ignore[union-attr]
    )
    server.clear_faults()
    assert TOKEN in "".join(memory_keyring.passwords.values())
    written = [p for p in app_home.rglob("*") if p.is_file()]
    assert any(p.name == "settings.ini" for p in written)
    assert any(p.suffix == ".log" for p in written)
    out, err = capsys.readouterr()
    haystacks = [p.read_text(errors="replace") for p in written] + [out, err, caplog.text]
    for secret in (TOKEN, UUID):
        assert not any(secret in h for h in haystacks), (
            f"secret found outside the keyring: {secret[:4]}…"
        )


def test_closing_the_window_while_connecting_quits_without_a_dialog(
    qapp: QApplication, server: SandboxServer
) -> None:
    CredentialStore().remember(server.base_url, BasicCredentials(UUID, TOKEN))
    settings = Settings()
    settings.last_location = server.base_url
    settings.sync()
    server.set_faults(latency_ms=800)  # the remembered sign-in takes a while to check
    dialogs: list[bool] = []

    def close_early() -> None:
        window().close()  # type: ignore[union-attr]
        QTimer.singleShot(1500, lambda: dialogs.append(login() is not None))

    assert drive([], [(window, close_early)], timeout=10) == 0
    assert dialogs in ([], [False])
    assert login() is None


def test_an_error_in_background_work_is_shown_plainly(qapp: QApplication) -> None:
    shown: dict[str, str] = {}

    async def broken() -> None:
        raise RuntimeError("unexpected in a background task")

    def fail_in_background() -> None:
        w = window()
        assert w is not None
        w.runner.spawn(broken())

    def read_and_close() -> None:
        box = find_visible("errorDialog")
        assert box is not None
        shown["text"] = box.text()  # type: ignore[attr-defined]
        box.close()
        window().close()  # type: ignore[union-attr]

    steps = [
        (surveys_loaded, fail_in_background),
        (lambda: find_visible("errorDialog"), read_and_close),
    ]
    assert drive(["--demo"], steps) == 0
    assert "unexpected" in shown["text"]

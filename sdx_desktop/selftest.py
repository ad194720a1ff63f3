"""Proof that a build of SDX Desktop works: ``--self-test`` and ``--startup-probe``.

``sdx-desktop --self-test`` is the smoke test of the frozen executable (CI runs it on
every build, support can ask staff to run it). It checks what a frozen Qt app loses
first (keyring back-ends and their metadata, TLS, the SVG icon plugins, the platform
plugin), then plays one real session through the same start-up path as a normal run
(:func:`sdx_desktop.app.main`): the embedded sandbox with the small sample, the sign-in
dialog, the main window, a survey and an interaction with their tags, one tag saved
through the edit dialog and deleted through the delete flow. It prints ONE line and
exits 0, or exits non-zero with the reason on stderr. It never hangs (hard time limit)
and never touches the user's files: settings and logs go to a temporary
``SDX_DESKTOP_HOME`` that is removed afterwards, and the keyring is only looked at
(its back-ends are listed), never read or written.

``sdx-desktop --startup-probe [--demo]`` starts the app as usual and prints the seconds
from process start until the first window is painted (the main window, or the sign-in
window when nobody is signed in), then closes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sdx_desktop import APP_NAME, __version__

#: Whole self-test, start to exit; a hard stop follows a little later.
SELF_TEST_TIMEOUT = 60.0
PROBE_TIMEOUT = 120.0
#: Extra time the hard stop (a watchdog thread) gives the orderly shutdown.
GRACE = 10.0

TEST_KEY = "SDX_SELF_TEST"
TEST_VALUE = "checked by sdx-desktop --self-test"


class SelfTestError(Exception):
    """A check failed; the message says which, in a few words."""


# --- entry points (called from sdx_desktop.app) -------------------------------------------


def self_test(timeout: float = SELF_TEST_TIMEOUT) -> int:
    """Run the self-test; returns the process exit code."""
    started = time.perf_counter()
    _ensure_console()
    _default_platform()
    home = Path(tempfile.mkdtemp(prefix="sdx-selftest-"))
    watchdog = _watchdog(timeout + GRACE, "self-test FAILED: no result after {:.0f} s")
    try:
        with _env("SDX_DESKTOP_HOME", str(home)):
            checked = _check_bundle()
            platform, more, session = _run_session(timeout - (time.perf_counter() - started))
    except SelfTestError as error:
        print(f"self-test FAILED: {error}", file=sys.stderr)
        _print_logged_errors(home)
        return 1
    except BaseException as error:  # anything at all: report it, never a silent crash
        print(f"self-test FAILED: {type(error).__name__}: {error}", file=sys.stderr)
        traceback.print_exc()
        _print_logged_errors(home)
        return 1
    finally:
        watchdog.cancel()
        shutil.rmtree(home, ignore_errors=True)
    elapsed = time.perf_counter() - started
    build = f"{APP_NAME} {__version__} ({'frozen' if _frozen() else 'source'}, {platform})"
    print(
        f"self-test passed: {build}: checked {', '.join(checked + more)}; "
        f"{', '.join(session)} in {elapsed:.2f} s",
        flush=True,
    )
    return 0


def startup_probe(argv: list[str], timeout: float = PROBE_TIMEOUT) -> int:
    """Start the app with ``argv`` (minus ``--startup-probe``); print the seconds from
    process start to the first painted window, then close it. Returns the exit code."""
    _ensure_console()
    started = _process_start()
    watchdog = _watchdog(timeout, "startup-probe FAILED: no window after {:.0f} s")
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QDialog, QWidget

    from sdx_desktop.app import main

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "sdx-desktop"])
    seen: list[str] = []

    class FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if (
                not seen
                and event.type() == QEvent.Type.Paint
                and isinstance(watched, QWidget)
                and watched.objectName() in ("mainWindow", "loginDialog")
            ):
                seconds = time.time() - started
                what = "main window" if watched.objectName() == "mainWindow" else "sign-in window"
                seen.append(what)
                print(
                    f"startup-probe: {seconds:.3f} s from process start to {what} shown",
                    flush=True,
                )
                # Close it, and keep closing whatever the start-up still opens (a
                # sign-in dialog may come after the window) until main() returns.
                closer.start()
            return False

    def close_all() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QDialog) and widget.isVisible():
                widget.reject()
        for widget in QApplication.topLevelWidgets():
            if widget.isVisible():
                widget.close()

    closer = QTimer(interval=50)
    closer.timeout.connect(close_all)
    spy = FirstPaint()
    app.installEventFilter(spy)
    try:
        with _quiet_offscreen_warning():
            code = main([a for a in argv if a != "--startup-probe"])
    finally:
        closer.stop()
        app.removeEventFilter(spy)
        watchdog.cancel()
    if not seen:
        print("startup-probe FAILED: the app ended before showing a window", file=sys.stderr)
        return 1
    return code


# --- checks that need no window -----------------------------------------------------------


def _check_bundle() -> list[str]:
    return [_check_keyring(), _check_tls()]


def _check_keyring() -> str:
    """keyring finds its back-ends through package metadata (entry points): a build
    without that metadata silently falls back to "no password store". Looks only; the
    password store itself is not opened."""
    try:
        from keyring.compat.py312 import metadata  # the very module keyring uses
    except ImportError:  # a later keyring moved it
        import importlib.metadata as metadata  # type: ignore[no-redef]
    import importlib

    names = sorted({ep.name for ep in metadata.entry_points(group="keyring.backends")})
    if not names:
        raise SelfTestError(
            "keyring finds no password-store back-ends (its package metadata is missing)"
        )
    expected = {"linux": "SecretService", "win32": "Windows", "darwin": "macOS"}.get(sys.platform)
    if expected is None:
        return f"keyring {'/'.join(names)}"
    if expected not in names:
        raise SelfTestError(f"keyring has no {expected} back-end (found: {', '.join(names)})")
    try:
        importlib.import_module(f"keyring.backends.{expected}")
        if sys.platform == "linux":
            importlib.import_module("secretstorage")
            importlib.import_module("jeepney")
    except ImportError as error:
        raise SelfTestError(
            f"the {expected} password-store back-end cannot load: {error}"
        ) from None
    return f"keyring {expected}"


def _check_tls() -> str:
    """TLS: the OS certificate store through truststore, and certifi's bundle (the
    fallback) present and loadable."""
    import ssl

    try:
        import certifi
        import truststore

        truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        bundle = ssl.create_default_context(cafile=certifi.where())
    except (ImportError, OSError, ssl.SSLError) as error:
        raise SelfTestError(f"TLS support is broken: {error}") from None
    if not bundle.get_ca_certs():
        raise SelfTestError("the fallback certificate bundle (certifi) is empty")
    return "TLS"


# --- the session ----------------------------------------------------------------------


def _run_session(timeout: float) -> tuple[str, list[str], list[str]]:
    """Start the sandbox, then run the app's real start-up path while a script plays the
    part of the user. Returns the Qt platform, what was checked, and what the session
    did, for the summary line."""
    import keyring
    from keyring.backends import null
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from sdx_desktop.app import main
    from sdx_desktop.sandbox import SandboxServer

    # Nothing this session does may reach the user's password store.
    previous_keyring = keyring.get_keyring() if _keyring_initialised() else None
    keyring.set_keyring(null.Keyring())
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "sdx-desktop"])
    checked = [_check_text(), _check_icons()]
    server = SandboxServer.start(sample="small")
    outcome: dict[str, Any] = {}
    deadline = time.monotonic() + max(timeout, 5.0)

    def begin() -> None:
        # Runs inside main()'s event loop: play the session as a coroutine on it.
        loop = asyncio.get_event_loop()
        outcome["task"] = loop.create_task(_play(server, deadline, outcome))
        # If the app does not come down after the script ended (e.g. a window would not
        # close), stop the loop so main() returns and the failure is reported.
        outcome["task"].add_done_callback(lambda _t: loop.call_later(5.0, loop.stop))

    QTimer.singleShot(0, begin)
    try:
        with _quiet_offscreen_warning():
            code = main([])
    except RuntimeError as error:
        if "error" not in outcome:
            outcome["error"] = f"the app did not shut down ({error})"
        code = 1
    finally:
        server.stop()
        if previous_keyring is not None:
            keyring.set_keyring(previous_keyring)
    if "error" in outcome:
        raise SelfTestError(outcome["error"])
    if "done" not in outcome:
        raise SelfTestError("the app closed before the self-test finished")
    if code != 0:
        raise SelfTestError(f"the app exited with code {code}")
    return app.platformName(), checked, outcome["facts"]


async def _play(server: Any, deadline: float, outcome: dict[str, Any]) -> None:
    try:
        outcome["facts"] = await _session(server, deadline)
        outcome["done"] = True
    except SelfTestError as error:
        outcome["error"] = str(error)
    except Exception as error:
        outcome["error"] = f"{type(error).__name__}: {error}\n{traceback.format_exc()}"
    if "error" in outcome:
        _abandon()


async def _session(server: Any, deadline: float) -> list[str]:
    from PySide6.QtWidgets import QComboBox, QLineEdit, QPushButton

    from sdx_desktop.domain.edits import Saved
    from sdx_desktop.sandbox import DEMO_AUTH_TOKEN, DEMO_CUSTOMER_UUID
    from sdx_desktop.ui.main_window import MainWindow

    async def until(condition: Callable[[], Any], what: str) -> Any:
        while True:
            _fail_on_error_dialog()
            value = condition()
            if value:
                return value
            if time.monotonic() > deadline:
                raise SelfTestError(f"timed out: {what}")
            await asyncio.sleep(0.02)

    # Sign in through the sign-in dialog (nothing is remembered: fresh home, no keyring).
    login = await until(lambda: _visible("loginDialog"), "the sign-in window did not open")
    region = login.findChild(QComboBox, "regionCombo")
    region.setCurrentIndex(region.findData("custom"))
    login.findChild(QLineEdit, "customUrlEdit").setText(server.base_url)
    login.findChild(QLineEdit, "customerUuidEdit").setText(DEMO_CUSTOMER_UUID)
    login.findChild(QLineEdit, "authTokenEdit").setText(DEMO_AUTH_TOKEN)
    login.findChild(QPushButton, "signInButton").click()
    window = await until(
        lambda: _visible("mainWindow", MainWindow), "signing in did not open the main window"
    )

    # A survey, then an interaction that has tags, then its tags.
    surveys = window.surveys.model
    await until(lambda: surveys.exhausted, "the survey list did not load")
    if not surveys.loaded_count:
        raise SelfTestError("the survey list is empty")
    picker = window.interactions
    survey_id = server.store.survey_ids()[0]
    if not window.surveys.select_survey(survey_id):
        raise SelfTestError(f"survey {survey_id} is not in the survey list")
    await until(lambda: picker.model.loaded_count, "the survey's interactions were not loaded")
    # The first loaded interaction with a few tags (any with tags will do).
    with_tags = [i for i in picker.model.items if server.store.live_tags(i.id)]
    if not with_tags:
        raise SelfTestError("no loaded interaction has tags")
    interaction = next(
        (i for i in with_tags if len(server.store.live_tags(i.id)) >= 3), with_tags[0]
    )
    row = picker.model.row_of(interaction.id)
    picker.view.setCurrentIndex(picker.proxy.mapFromSource(picker.model.index(row, 0)))
    tags = window.tags
    await until(
        lambda: tags.interaction_id == interaction.id and tags.exhausted,
        "the interaction's tags were not loaded",
    )
    expected = server.store.live_tags(interaction.id)
    if tags.loaded_count != len(expected):
        raise SelfTestError(f"{tags.loaded_count} tags shown, the server has {len(expected)}")
    if TEST_KEY in expected:
        raise SelfTestError(f"interaction {interaction.id} already has a {TEST_KEY} tag")

    # Save one tag through the edit dialog, as "Add tag" does.
    window.add_tag()
    dialog = await until(lambda: _visible("tagDialog"), "the Add tag dialog did not open")
    saved: list[object] = []
    dialog.saved.connect(saved.append)
    dialog.key_edit.setText(TEST_KEY)
    dialog.value_edit.setPlainText(TEST_VALUE)
    if not dialog.save_button.isEnabled():
        raise SelfTestError("the Add tag dialog does not accept a valid key")
    dialog.save_button.click()
    await until(lambda: saved, "saving the tag did not finish")
    result = saved[0]
    if not isinstance(result, Saved):
        raise SelfTestError(f"saving the tag ended with {type(result).__name__}, not Saved")
    tag = result.tag
    await until(
        lambda: tags.row_of(tag.id) is not None, "the saved tag did not appear in the table"
    )
    if server.store.live_tags(interaction.id).get(TEST_KEY) != TEST_VALUE:
        raise SelfTestError("the saved tag is not on the server")

    # Delete it through the delete flow, answering its question.
    index = window.tag_proxy.mapFromSource(tags.index(tags.row_of(tag.id), 0))
    window.tag_view.clearSelection()
    window.tag_view.selectRow(index.row())
    if [t.id for t in window.selected_tags()] != [tag.id]:
        raise SelfTestError("could not select the saved tag")
    window.delete_selected()
    confirm = await until(lambda: _visible("deleteConfirm"), "Delete did not ask for confirmation")
    _click(confirm, "Delete")
    await until(lambda: tags.row_of(tag.id) is None, "the deleted tag stayed in the table")
    if TEST_KEY in server.store.live_tags(interaction.id):
        raise SelfTestError("the deleted tag is still on the server")
    if tags.loaded_count != len(expected):
        raise SelfTestError("the table does not show the interaction's tags after the delete")

    window.close()  # ends main(): not signed out, so the app exits 0
    return [
        "signed in",
        f"{surveys.loaded_count} surveys",
        f"{len(expected)} tag{'' if len(expected) == 1 else 's'} loaded",
        "tag saved and deleted",
    ]


def _check_text() -> str:
    """Locale-aware sorting and a legacy codec: Qt gets both from ICU on Linux, whose
    data the Linux build trims (packaging/icu_data.py)."""
    from PySide6.QtCore import QCollator, QLocale, QStringDecoder

    swedish, german = QCollator(QLocale("sv_SE")), QCollator(QLocale("de_DE"))
    if not (swedish.compare("ö", "z") > 0 and german.compare("ä", "b") < 0):
        raise SelfTestError("locale-aware sorting is broken (ICU collation data)")
    if not QStringDecoder("windows-1252").isValid():
        raise SelfTestError("the windows-1252 text codec is missing (ICU converter data)")
    return "collation"


def _check_icons() -> str:
    """Every SVG icon renders: needs the SVG icon engine or image plugin in the build."""
    from PySide6.QtCore import QSize
    from PySide6.QtGui import QIcon, QImageReader

    from sdx_desktop.resources import resources_dir

    if b"svg" not in [bytes(f.data()) for f in QImageReader.supportedImageFormats()]:
        raise SelfTestError("Qt cannot read SVG images (the SVG image plugin is missing)")
    files = sorted((resources_dir() / "icons").glob("*.svg"))
    if not files:
        raise SelfTestError(f"no icons in {resources_dir() / 'icons'}")
    for path in files:
        if QIcon(str(path)).pixmap(QSize(32, 32)).isNull():
            raise SelfTestError(f"the icon {path.name} does not render")
    return f"{len(files)} icons"


# --- widgets --------------------------------------------------------------------------


def _visible(object_name: str, kind: type | None = None) -> Any:
    from PySide6.QtWidgets import QApplication

    for widget in QApplication.topLevelWidgets():
        if (
            widget.objectName() == object_name
            and widget.isVisible()
            and (kind is None or isinstance(widget, kind))
        ):
            return widget
    return None


def _click(box: Any, label: str) -> None:
    for button in box.buttons():
        if button.text() == label:
            button.click()
            return
    raise SelfTestError(f"no {label!r} button in {box.objectName()}")


def _fail_on_error_dialog() -> None:
    box = _visible("errorDialog")
    if box is not None:
        details = (box.detailedText() or "").strip().splitlines()
        raise SelfTestError(f"the app showed an error: {box.text()} {details[-1:] or ''}")


def _abandon() -> None:
    """After a failure: close every window so the app's main() returns."""
    from PySide6.QtWidgets import QApplication, QDialog

    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QDialog) and widget.isVisible():
            widget.reject()
    for widget in QApplication.topLevelWidgets():
        if widget.isVisible():
            widget.close()


# --- the process ----------------------------------------------------------------------


def _frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def _onefile() -> bool:
    """A one-file build unpacks itself into a temporary folder away from the executable
    (a one-folder build runs from ``<folder>/_internal``)."""
    unpacked = getattr(sys, "_MEIPASS", None)
    return (
        _frozen()
        and unpacked is not None
        and (Path(unpacked).resolve().parent != Path(sys.executable).resolve().parent)
    )


def _default_platform() -> None:
    """On a Linux machine without a display, use Qt's offscreen platform."""
    if (
        sys.platform.startswith("linux")
        and not os.environ.get("QT_QPA_PLATFORM")
        and not os.environ.get("DISPLAY")
        and not os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"


def _keyring_initialised() -> bool:
    import keyring.core

    return getattr(keyring.core, "_keyring_backend", None) is not None


@contextlib.contextmanager
def _env(name: str, value: str) -> Iterator[None]:
    previous = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = previous


@contextlib.contextmanager
def _quiet_offscreen_warning() -> Iterator[None]:
    """Qt's offscreen platform warns "does not support propagateSizeHints()" for every
    window: drop that line, pass every other Qt message on to stderr."""
    from PySide6.QtCore import qInstallMessageHandler

    def handler(_mode: Any, _context: Any, message: str) -> None:
        if "propagateSizeHints" not in message:
            print(message, file=sys.stderr)

    previous = qInstallMessageHandler(handler)
    try:
        yield
    finally:
        qInstallMessageHandler(previous)


def _watchdog(seconds: float, message: str) -> threading.Timer:
    """Ends the process if the check has not finished in time, whatever state Qt is in."""

    def expire() -> None:
        with contextlib.suppress(Exception):
            print(message.format(seconds), file=sys.stderr, flush=True)
        os._exit(2)

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    return timer


def _print_logged_errors(home: Path) -> None:
    """The app logs failures of background tasks to its log file: show them too."""
    log_file = home / "logs" / "sdx-desktop.log"
    with contextlib.suppress(OSError):
        lines = log_file.read_text(encoding="utf-8", errors="replace").splitlines()
        first_error = next((i for i, line in enumerate(lines) if " ERROR " in line), None)
        if first_error is not None:
            print("\n".join(["From the app's log:", *lines[first_error:][:40]]), file=sys.stderr)


def _ensure_console() -> None:
    """A windowed Windows build has no stdout/stderr: write to the console it was started
    from, if any (``start /wait sdx-desktop.exe --self-test``)."""
    if sys.stdout is not None and sys.stderr is not None:
        return
    if sys.platform == "win32":
        import ctypes

        if ctypes.windll.kernel32.AttachConsole(-1):  # ATTACH_PARENT_PROCESS
            if sys.stdout is None:
                sys.stdout = open("CONOUT$", "w", encoding="utf-8")  # noqa: SIM115
            if sys.stderr is None:
                sys.stderr = open("CONOUT$", "w", encoding="utf-8")  # noqa: SIM115
            return
    if sys.stdout is None:
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115


def _process_start() -> float:
    """When this process started (``time.time()`` scale). A one-file build unpacks in a
    parent process first: that counts as start-up too, so its start is used."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            pid = os.getpid()
            if _onefile():
                with contextlib.suppress(OSError):
                    if os.readlink(f"/proc/{os.getppid()}/exe") == os.readlink("/proc/self/exe"):
                        pid = os.getppid()  # the one-file bootloader that unpacked us
            stat = Path(f"/proc/{pid}/stat").read_text()
            ticks = int(stat.rsplit(")", 1)[1].split()[19])  # field 22, starttime
            since_boot = ticks / os.sysconf("SC_CLK_TCK")
            return time.time() - (time.clock_gettime(time.CLOCK_BOOTTIME) - since_boot)
    if sys.platform == "win32":
        with contextlib.suppress(Exception):
            import ctypes
            from ctypes import wintypes

            created, _exited, _kernel, _user = (wintypes.FILETIME() for _ in range(4))
            kernel32 = ctypes.windll.kernel32
            kernel32.GetCurrentProcess.restype = wintypes.HANDLE
            if kernel32.GetProcessTimes(
                kernel32.GetCurrentProcess(),
                ctypes.byref(created),
                ctypes.byref(_exited),
                ctypes.byref(_kernel),
                ctypes.byref(_user),
            ):
                hundred_ns = (created.dwHighDateTime << 32) | created.dwLowDateTime
                return hundred_ns / 1e7 - 11_644_473_600  # 1601 → 1970
    # Elsewhere (macOS): from when Python started running this app, a lower bound.
    return _IMPORTED_AT


_IMPORTED_AT = time.time()

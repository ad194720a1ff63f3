"""Help → How to…, Keyboard shortcuts, Open log folder, About with the licences of Qt
(LGPL) and every other bundled component, which travel in resources/licences/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QUrl, qVersion
from PySide6.QtGui import QDesktopServices
from pytestqt.qtbot import QtBot

from sdx_desktop import __version__
from sdx_desktop.resources import resource_path, resources_dir
from sdx_desktop.sandbox import SandboxServer
from sdx_desktop.settings import log_dir
from sdx_desktop.ui.help import AboutDialog, HelpDialog, components, licence_text

from .conftest import WindowFactory

ROOT = Path(__file__).resolve().parents[2]


def test_about_names_the_version_and_every_licence(
    make_window: WindowFactory, sandbox: SandboxServer, qtbot: QtBot
) -> None:
    window = make_window(sandbox)
    window.window_actions.about.trigger()
    dialog = window.about_dialog
    assert isinstance(dialog, AboutDialog)
    qtbot.waitExposed(dialog)
    summary = dialog.summary.text()
    assert __version__ in summary and qVersion() in summary and "LGPL" in summary
    names = [dialog.component_combo.itemText(i) for i in range(dialog.component_combo.count())]
    assert names[0].startswith("Qt ") and "LGPL-3.0" in names[0]
    assert "LGPL-3.0" in dialog.licence.toPlainText()  # Qt's licence is shown first
    assert "replaced" in dialog.licence.toPlainText()  # how the LGPL's relinking is met
    for index in range(dialog.component_combo.count()):
        dialog.component_combo.setCurrentIndex(index)
        text = dialog.licence.toPlainText()
        assert len(text) > 200, names[index]
        assert "missing" not in text, names[index]
    dialog.close()


def test_the_licence_files_cover_what_is_bundled() -> None:
    """resources/licences/ lists every run-time dependency installed here (regenerate
    with ``python -m sdx_desktop.tools.licences`` after changing a dependency)."""
    pytest.importorskip("packaging")
    from sdx_desktop.tools.licences import runtime_closure

    listed = {c["name"].lower().replace("_", "-") for c in components()}
    needed = {d.metadata["Name"].lower().replace("_", "-") for d in runtime_closure()}
    assert needed <= listed, sorted(needed - listed)
    for component in components():
        assert licence_text(component["file"]).strip(), component["name"]
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in licence_text("LGPL-3.0.txt")
    assert "GNU GENERAL PUBLIC LICENSE" in licence_text("GPL-3.0.txt")  # the LGPL refers to it


def test_the_bundle_and_the_wheel_carry_the_resources_folder() -> None:
    assert resource_path("licences", "components.json").parent == resources_dir() / "licences"
    spec = (ROOT / "packaging" / "sdx-desktop.spec").read_text(encoding="utf-8")
    assert '(str(ROOT / "resources"), "resources")' in spec
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"resources" = "sdx_desktop/_resources"' in pyproject
    json.loads(resource_path("licences", "components.json").read_text(encoding="utf-8"))


def test_open_log_folder(
    make_window: WindowFactory,
    sandbox: SandboxServer,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    window = make_window(sandbox)
    window.window_actions.open_logs.trigger()
    assert [Path(u.toLocalFile()) for u in opened] == [log_dir()]


def test_keyboard_shortcuts_tab(
    make_window: WindowFactory, sandbox: SandboxServer, qtbot: QtBot
) -> None:
    window = make_window(sandbox)
    window.window_actions.shortcuts.trigger()
    dialog = window.help_dialog
    assert isinstance(dialog, HelpDialog)
    assert dialog.tabs.currentIndex() == HelpDialog.SHORTCUTS
    text = dialog.shortcuts.toPlainText()
    assert "Ctrl+Q" in text and "Close SDX Desktop" in text
    assert "Ctrl+Shift+H" in text  # actions added by other parts of the window too
    window.window_actions.help.trigger()
    assert dialog.tabs.currentIndex() == HelpDialog.HOW_TO
    dialog.close()

"""The Help menu's windows: "How to…" and the keyboard shortcuts (one window, two
tabs; F1), and About (version, and the licences of Qt and every other bundled
component, as the LGPL and their licences require)."""

from __future__ import annotations

import html
import json
import platform
from collections.abc import Sequence
from pathlib import Path

import PySide6
from PySide6.QtCore import Qt, QUrl, qVersion
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from sdx_desktop import APP_NAME, __version__
from sdx_desktop.resources import resource_path
from sdx_desktop.settings import log_dir

from .form_fields import name_combo
from .layout import named

HOW_TO = """
<h3>Find an interaction</h3>
<ol>
<li>Pick a survey in <b>Surveys</b> (Alt+S jumps to its search box).</li>
<li>In <b>Interactions</b> (Alt+I), choose what to search in: an <b>exact external
ref</b> or <b>exact email</b> (capital letters count), a <b>phone number</b> (only the
digits count, so “(604) 555-3309” finds +16045553309), or an agent ID. Type and press
Enter.</li>
<li>Pick the interaction: its tags appear on the right. “All interactions in this
survey” shows every tag of the survey.</li>
</ol>
<h3>Add, change or delete a tag</h3>
<ol>
<li><b>Add tag</b> (Ctrl+N) adds one to the interaction shown. From “All interactions”,
type the interaction’s ID, external ref, email or phone number in the dialog.</li>
<li>Select a tag and press <b>Enter</b> or <b>F2</b> to change it, <b>Delete</b> to
delete it.</li>
<li>Keys are case-sensitive: <i>Region</i> and <i>region</i> are two different keys.
The app warns you before adding a key that differs from an existing one only by
case.</li>
<li>Every change is listed in the status bar with <b>Undo</b>, and in
<b>View → History</b>.</li>
</ol>
<h3>Practise with demo data</h3>
<p>Start SDX Desktop with <code>--demo</code> (for example
<code>sdx-desktop.exe --demo</code>): it opens with practice surveys on this computer
only. Nothing you change there reaches Survey Dynamix.</p>
<h3>When something goes wrong</h3>
<p>Messages say what happened and what to do. If you need to contact support,
<b>Help → Open log folder</b> shows the log file to send them (it never holds your
sign-in details).</p>
"""

#: Keys that are not actions of the window's menus.
OTHER_KEYS: tuple[tuple[str, str], ...] = (
    ("Tab / Shift+Tab", "Move between the search boxes, lists and tables"),
    ("Alt+S", "Go to the survey search"),
    ("Alt+I", "Go to the interaction search"),
    ("Esc", "Clear a search or filter box (when it has text); otherwise Stop loading"),
    ("Arrow keys", "Move in a list or table; the interaction’s tags follow"),
    ("Ctrl+Return", "Save, in the tag dialog"),
)


def shortcut_rows(actions: Sequence[QAction]) -> list[tuple[str, str]]:
    """(keys, what they do) for every action that has a shortcut, then the others."""
    rows: list[tuple[str, str]] = []
    for action in actions:
        keys = [s.toString(QKeySequence.SequenceFormat.NativeText) for s in action.shortcuts()]
        keys = [k for k in keys if k]
        if keys:
            name = action.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
            rows.append((" or ".join(keys), action.statusTip() or name.rstrip("…")))
    return rows + list(OTHER_KEYS)


def shortcuts_html(rows: Sequence[tuple[str, str]]) -> str:
    cells = "".join(
        f"<tr><td><b>{html.escape(keys)}</b></td><td>{html.escape(what)}</td></tr>"
        for keys, what in rows
    )
    return f"<table cellpadding='4'>{cells}</table>"


def _browser(name: str, accessible: str, text: str) -> QTextBrowser:
    browser = named(QTextBrowser(), name)
    browser.setAccessibleName(accessible)
    browser.setOpenExternalLinks(True)
    browser.setHtml(text)
    return browser


class HelpDialog(QDialog):
    """ "How to…" and "Keyboard shortcuts" as two tabs."""

    HOW_TO, SHORTCUTS = range(2)

    def __init__(self, actions: Sequence[QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("helpDialog")
        self.setWindowTitle(f"Help — {APP_NAME}")
        self.tabs = named(QTabWidget(), "helpTabs")
        self.tabs.setAccessibleName("Help topics")
        self.how_to = _browser("howToText", "How to", HOW_TO)
        self.shortcuts = _browser(
            "shortcutsText", "Keyboard shortcuts", shortcuts_html(shortcut_rows(actions))
        )
        self.tabs.addTab(self.how_to, "&How to…")
        self.tabs.addTab(self.shortcuts, "&Keyboard shortcuts")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)
        self.resize(620, 560)

    def show_tab(self, tab: int) -> None:
        self.tabs.setCurrentIndex(tab)
        self.tabs.currentWidget().setFocus()


def components() -> list[dict[str, str]]:
    """The bundled components and their licences (resources/licences/components.json)."""
    data = json.loads(resource_path("licences", "components.json").read_text("utf-8"))
    return [c for c in data if isinstance(c, dict)]


def licence_text(file_name: str) -> str:
    try:
        return resource_path("licences", Path(file_name).name).read_text("utf-8")
    except (FileNotFoundError, OSError):
        return "The licence text is missing from this installation: please reinstall."


def about_html() -> str:
    return (
        f"<h2>{html.escape(APP_NAME)} {html.escape(__version__)}</h2>"
        "<p>Browse and edit Survey Dynamix interaction tags.</p>"
        f"<p>Qt {html.escape(qVersion())}, PySide6 {html.escape(PySide6.__version__)}, "
        f"Python {html.escape(platform.python_version())} on "
        f"{html.escape(platform.system())}.</p>"
        "<p>SDX Desktop is built with Qt and PySide6, used under the GNU Lesser General "
        "Public License v3 (LGPL-3.0), and other open-source components under their own "
        "licences. Pick one below to read its licence.</p>"
    )


class AboutDialog(QDialog):
    """Version, and a licence viewer for each bundled component."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle(f"About {APP_NAME}")
        self.summary = named(QLabel(about_html(), wordWrap=True), "aboutSummary")
        self.components = components()
        self.component_combo = named(QComboBox(), "componentCombo")
        name_combo(self.component_combo, "Component")
        for component in self.components:
            name = f"{component['name']} {component.get('version', '')}".strip()
            self.component_combo.addItem(f"{name} — {component['licence']}")
        self.licence = named(QTextBrowser(), "licenceText")
        self.licence.setAccessibleName("Licence text")
        self.component_combo.currentIndexChanged.connect(self._show_licence)
        label = QLabel("&Licence of:")
        label.setBuddy(self.component_combo)
        row = QHBoxLayout()
        row.addWidget(label)
        row.addWidget(self.component_combo, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(row)
        layout.addWidget(self.licence, 1)
        layout.addWidget(buttons)
        self._show_licence(0)
        self.resize(640, 600)

    def _show_licence(self, index: int) -> None:
        if not 0 <= index < len(self.components):
            return
        component = self.components[index]
        note = component.get("note", "")
        text = licence_text(component.get("file", ""))
        self.licence.setPlainText(f"{note}\n\n{text}" if note else text)


def show_help(
    window: QMainWindow, tab: int = HelpDialog.HOW_TO, dialog: HelpDialog | None = None
) -> HelpDialog:
    """Show the help window (``dialog``, or a new one) at ``tab``; it stays open beside
    the main window."""
    if not isinstance(dialog, HelpDialog):
        dialog = HelpDialog(window.findChildren(QAction), window)
    dialog.show_tab(tab)
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog


def show_about(window: QMainWindow) -> AboutDialog:
    dialog = AboutDialog(window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog


def open_log_folder(window: QMainWindow | None = None) -> bool:
    """Show the folder holding the log file in the system's file manager (or, where
    that is not possible, say where it is in the status bar)."""
    folder = log_dir()
    opened = QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))
    if not opened and window is not None:
        window.statusBar().showMessage(f"The log folder is {folder}", 15_000)
    return opened

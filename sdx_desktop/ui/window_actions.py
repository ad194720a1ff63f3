"""The main window's actions, with their shortcuts, toolbar and menus."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow, QToolBar

from .icons import set_icon
from .layout import named

Key = QKeySequence.StandardKey
PAGE_SIZES = (100, 250, 500, 1000)


def make_action(
    parent: QObject,
    name: str,
    text: str,
    icon_name: str,
    shortcuts: list[QKeySequence.StandardKey | str],
    tip: str,
) -> QAction:
    action = named(QAction(text, parent), name)
    if icon_name:
        set_icon(action, icon_name)
    # A standard key has no binding on some systems (Quit on Windows): keep the ones
    # that exist, once each, so the menu shows the first real one.
    sequences: list[QKeySequence] = []
    for shortcut in shortcuts:
        sequence = QKeySequence(shortcut)
        if not sequence.isEmpty() and sequence not in sequences:
            sequences.append(sequence)
    action.setShortcuts(sequences)
    shortcut_text = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    action.setToolTip(f"{tip} ({shortcut_text})" if shortcut_text else tip)
    action.setStatusTip(tip)
    return action


class WindowActions:
    def __init__(self, parent: QObject) -> None:
        self.add = make_action(parent, "addTagAction", "&Add tag", "add", [Key.New], "Add a tag")
        self.edit = make_action(
            parent, "editTagAction", "&Edit", "edit", ["F2", "Return", "Enter"],
            "Edit the selected tag",
        )  # fmt: skip
        self.delete = make_action(
            parent, "deleteTagAction", "&Delete", "delete", [Key.Delete],
            "Delete the selected tags",
        )  # fmt: skip
        self.refresh = make_action(
            parent, "refreshAction", "&Refresh", "refresh", [Key.Refresh, "F5"],
            "Load the tags again",
        )  # fmt: skip
        self.load_all = make_action(
            parent, "loadAllAction", "Load &all", "load-all", ["Ctrl+L"],
            "Load every tag of this list",
        )  # fmt: skip
        self.stop = make_action(parent, "stopAction", "&Stop", "stop", ["Esc"], "Stop loading")
        self.find = make_action(
            parent, "findAction", "&Find", "find", [Key.Find], "Filter the tags"
        )
        self.sign_out = make_action(
            parent, "signOutAction", "Sign &out", "sign-out", [],
            "Sign out and forget the saved sign-in",
        )  # fmt: skip
        self.quit = make_action(
            parent, "quitAction", "&Quit", "quit", [Key.Quit, "Ctrl+Q"], "Close SDX Desktop"
        )
        self.help = make_action(
            parent, "helpAction", "&How to…", "", [Key.HelpContents, "F1"],
            "How to find an interaction, add a tag, practise with demo data",
        )  # fmt: skip
        self.shortcuts = make_action(
            parent, "shortcutsAction", "&Keyboard shortcuts", "", [],
            "Every keyboard shortcut of this window",
        )  # fmt: skip
        self.open_logs = make_action(
            parent, "openLogsAction", "Open &log folder", "", [],
            "Show the folder with the log file (for support)",
        )  # fmt: skip
        self.about = make_action(
            parent, "aboutAction", "&About SDX Desktop", "", [],
            "Version, and the licences of Qt and the other components",
        )  # fmt: skip
        self.stop.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.page_sizes = QActionGroup(parent)

    def install(
        self, window: QMainWindow, *, page_size: int, on_page_size: Callable[[int], None]
    ) -> None:
        toolbar = named(QToolBar("Main"), "mainToolBar")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.setMovable(False)
        toolbar.addActions([self.add, self.edit, self.delete])
        toolbar.addSeparator()
        toolbar.addActions([self.refresh, self.load_all, self.stop])
        window.addToolBar(toolbar)

        menu = window.menuBar()
        self.file_menu = file_menu = menu.addMenu("&File")
        file_menu.addAction(self.sign_out)
        file_menu.addSeparator()
        file_menu.addAction(self.quit)
        self.edit_menu = menu.addMenu("&Edit")
        self.tag_menu = tag_menu = menu.addMenu("&Tags")
        tag_menu.addActions([self.add, self.edit, self.delete])
        tag_menu.addSeparator()
        tag_menu.addActions([self.find, self.refresh, self.load_all, self.stop])
        self.view_menu = menu.addMenu("&View")
        rows_menu = self.view_menu.addMenu("&Rows per page")
        for size in PAGE_SIZES:
            choice = rows_menu.addAction(f"{size:,}")
            choice.setObjectName(f"pageSize{size}")
            choice.setCheckable(True)
            choice.setChecked(size == page_size)
            choice.triggered.connect(lambda _checked=False, n=size: on_page_size(n))
            self.page_sizes.addAction(choice)
        window.addAction(self.find)

    def install_help(self, window: QMainWindow) -> None:
        """The Help menu, last on the menu bar (after the menus others add)."""
        self.help_menu = window.menuBar().addMenu("&Help")
        self.help_menu.addActions([self.help, self.shortcuts])
        self.help_menu.addSeparator()
        self.help_menu.addActions([self.open_logs, self.about])
        window.addAction(self.help)

"""The main window with the keyboard only: Tab from pane to pane (never trapped in a
table), Alt+S and Alt+I, Esc clears a search box, Quit shows its shortcut, F1 opens
help; moving along a row does not load its tags again."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from sdx_desktop.sandbox import SandboxServer
from sdx_desktop.ui.main_window import MainWindow

from ._windows import find_visible
from .conftest import WindowFactory, choose_interaction, choose_survey

PANES = [
    "surveySearch",
    "surveyPicker",
    "interactionSearch",
    "interactionSearchField",
    "surveyTypeFilter",
    "interactionPicker",
    "tagFilter",
    "tagTable",
]


def focused() -> str:
    widget = QApplication.focusWidget()
    return widget.objectName() if widget is not None else ""


def press(
    qtbot: QtBot, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
) -> None:
    widget = QApplication.focusWidget()
    assert widget is not None
    qtbot.keyClick(widget, key, modifier)


def ready_window(make_window: WindowFactory, sandbox: SandboxServer, qtbot: QtBot) -> MainWindow:
    """A window with a survey and an interaction chosen, so both tables have rows."""
    window = make_window(sandbox)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5_000)
    survey_id = sandbox.store.survey_ids()[0]
    choose_survey(window, survey_id, qtbot)
    tagged = next(i for i in window.interactions.model.items if sandbox.store.live_tags(i.id))
    choose_interaction(window, tagged.id, qtbot)
    qtbot.waitUntil(lambda: window.tags.loaded_count > 0, timeout=10_000)
    return window


def test_tab_moves_pane_by_pane_and_never_gets_trapped(
    make_window: WindowFactory, sandbox: SandboxServer, qtbot: QtBot
) -> None:
    window = ready_window(make_window, sandbox, qtbot)
    window.surveys.search.setFocus()
    seen = [focused()]
    for _ in range(len(PANES)):
        press(qtbot, Qt.Key.Key_Tab)
        seen.append(focused())
    # Each pane once, in order, then round again (the toolbar takes no Tab focus).
    assert seen == [*PANES, PANES[0]]
    seen_back = [focused()]
    for _ in range(len(PANES)):
        press(qtbot, Qt.Key.Key_Backtab)
        seen_back.append(focused())
    assert seen_back == [PANES[0], *reversed(PANES)]


def test_alt_letters_jump_to_the_searches(
    make_window: WindowFactory, sandbox: SandboxServer, qtbot: QtBot
) -> None:
    window = ready_window(make_window, sandbox, qtbot)
    window.tag_view.setFocus()
    press(qtbot, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    assert focused() == "surveySearch"
    press(qtbot, Qt.Key.Key_I, Qt.KeyboardModifier.AltModifier)
    assert focused() == "interactionSearch"
    assert window.surveys.title.text() == "&Surveys"
    assert window.interactions.title.text().startswith("&Interactions — ")


def test_escape_clears_a_search_box_then_stops(
    make_window: WindowFactory, sandbox: SandboxServer, qtbot: QtBot
) -> None:
    window = ready_window(make_window, sandbox, qtbot)
    stopped: list[bool] = []
    window.stop_action.triggered.connect(lambda: stopped.append(True))
    for box in (window.tag_filter, window.interactions.search, window.surveys.search):
        box.setFocus()
        qtbot.keyClicks(box, "abc")
        assert box.text() == "abc", box.objectName()
        press(qtbot, Qt.Key.Key_Escape)
        assert box.text() == "", box.objectName()
        assert stopped == []  # the box took Esc, not Stop
        window.stop_action.setEnabled(True)
        press(qtbot, Qt.Key.Key_Escape)  # empty now: Esc is Stop again
        assert stopped == [True], box.objectName()
        stopped.clear()


def test_quit_shows_its_shortcut_and_f1_opens_help(
    make_window: WindowFactory, sandbox: SandboxServer, qtbot: QtBot
) -> None:
    window = ready_window(make_window, sandbox, qtbot)
    assert window.quit_action.shortcut() == QKeySequence("Ctrl+Q")
    assert "Ctrl+Q" in window.quit_action.toolTip()
    menu_texts = [a.text() for a in window.window_actions.help_menu.actions()]
    assert menu_texts == [
        "&How to…",
        "&Keyboard shortcuts",
        "",
        "Open &log folder",
        "&About SDX Desktop",
    ]
    assert window.menuBar().actions()[-1].text() == "&Help"
    window.tag_view.setFocus()
    press(qtbot, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: find_visible("helpDialog") is not None, timeout=5_000)
    help_dialog = find_visible("helpDialog")
    assert help_dialog is not None
    shortcuts = help_dialog.shortcuts.toPlainText()  # type: ignore[attr-defined]
    for expected in ("Ctrl+Q", "Ctrl+N", "F2", "Ctrl+L", "Alt+S", "Alt+I", "Esc", "F1"):
        assert expected in shortcuts, expected
    assert "Find an interaction" in help_dialog.how_to.toPlainText()  # type: ignore[attr-defined]
    assert "Practise with demo data" in help_dialog.how_to.toPlainText()  # type: ignore[attr-defined]
    help_dialog.close()


def tag_requests(server: SandboxServer) -> int:
    return sum("interaction_data" in path for _method, path, _query in server.request_log)


def test_moving_along_a_row_does_not_load_its_tags_again(
    make_window: WindowFactory, fresh_sandbox: SandboxServer, qtbot: QtBot
) -> None:
    sandbox = fresh_sandbox
    window = ready_window(make_window, sandbox, qtbot)
    qtbot.waitUntil(lambda: window.runner.idle, timeout=10_000)
    sandbox.reset_request_count()
    view = window.interactions.view
    view.setFocus()
    row = view.currentIndex().row()
    loads: list[object] = []
    window.interactions.interactionChosen.connect(loads.append)
    before = tag_requests(sandbox)
    for key in (Qt.Key.Key_Right, Qt.Key.Key_Right, Qt.Key.Key_Left, Qt.Key.Key_End):
        press(qtbot, key)
        assert view.currentIndex().row() == row
    qtbot.waitUntil(lambda: window.runner.idle, timeout=10_000)
    assert view.currentIndex().column() > 0  # the cell did move
    assert loads == []
    assert tag_requests(sandbox) == before == 0
    assert window.tags.loaded_count > 0 and window.tags.exhausted
    # Another row is another interaction: its tags load.
    press(qtbot, Qt.Key.Key_Down)
    assert len(loads) == 1
    qtbot.waitUntil(lambda: window.runner.idle, timeout=10_000)
    assert tag_requests(sandbox) > before


def test_every_table_leaves_tab_to_the_window(
    make_window: WindowFactory, sandbox: SandboxServer, qtbot: QtBot
) -> None:
    window = make_window(sandbox)
    views: list[QWidget] = [window.tag_view, window.interactions.view]
    assert all(not v.tabKeyNavigation() for v in views)  # type: ignore[attr-defined]


def test_escape_clears_the_filters_of_the_history_and_preview_windows(qtbot: QtBot) -> None:
    from sdx_desktop.ui.history_filters import HistoryFilterBar
    from sdx_desktop.ui.preview_widgets import PreviewTable

    table = PreviewTable()
    bar = HistoryFilterBar()
    for widget in (table, bar):
        qtbot.addWidget(widget)
        widget.show()
    for box in (table.filter_edit, bar.survey_filter, bar.interaction_filter):
        box.setText("12")
        qtbot.keyClick(box, Qt.Key.Key_Escape)
        assert box.text() == "", box.objectName()

"""Export, import, copy and paste through the real window, against the sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication, QDialog, QMenu
from pytestqt.qtbot import QtBot

from sdx_desktop.exchange import read_table
from sdx_desktop.journal import Journal, Where
from sdx_desktop.sandbox import SandboxServer
from sdx_desktop.ui.main_window import MainWindow

from .conftest import WindowFactory, choose_interaction, choose_survey

WAIT_MS = 10_000


def visible(name: str) -> QDialog | None:
    for widget in QApplication.topLevelWidgets():
        if widget.objectName() == name and widget.isVisible() and isinstance(widget, QDialog):
            return widget
    return None


def wait_visible(qtbot: QtBot, name: str) -> QDialog:
    qtbot.waitUntil(lambda: visible(name) is not None, timeout=WAIT_MS)
    dialog = visible(name)
    assert dialog is not None
    return dialog


@pytest.fixture
def window_on_survey(
    make_window: WindowFactory, fresh_sandbox: SandboxServer, qtbot: QtBot, tmp_path: Path
) -> tuple[MainWindow, int, list[int]]:
    server = fresh_sandbox
    survey_id = server.store.create_survey("Exchange")
    ids = [server.store.create_interaction(survey_id, external_ref=f"REF-{n}") for n in range(4)]
    server.store.upsert_tag(ids[0], "tier", "GOLD")
    server.store.upsert_tag(ids[1], "tier", "=1+2")
    server.store.upsert_tag(ids[1], "note", 'two\nlines, "quoted"')
    window = make_window(server)
    window.changes.attach(Journal(tmp_path / "j.sqlite3"), Where("acct", server.base_url))
    choose_survey(window, survey_id, qtbot)
    return window, survey_id, ids


def _apply_preview(qtbot: QtBot) -> QDialog:
    preview = wait_visible(qtbot, "previewDialog")
    qtbot.waitUntil(lambda: preview.preview_result is not None, timeout=WAIT_MS)  # type: ignore[attr-defined]
    preview.apply_button.click()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: preview.report is not None, timeout=WAIT_MS)  # type: ignore[attr-defined]
    return preview


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_the_whole_survey_then_import_it_unchanged_finds_nothing_to_do(
    window_on_survey: tuple[MainWindow, int, list[int]],
    qtbot: QtBot,
    tmp_path: Path,
    fmt: str,
) -> None:
    window, _survey_id, ids = window_on_survey
    window.exchange.export_action.trigger()
    dialog = wait_visible(qtbot, "exportDialog")
    dialog.survey_radio.setChecked(True)  # type: ignore[attr-defined]
    dialog.format_combo.setCurrentIndex(1 if fmt == "xlsx" else 0)  # type: ignore[attr-defined]
    target = tmp_path / f"out.{fmt}"
    dialog.path_edit.setText(str(target))  # type: ignore[attr-defined]
    dialog.export_button.click()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: dialog.summary is not None, timeout=WAIT_MS)  # type: ignore[attr-defined]
    assert "Exported 3 tags" in dialog.message.text()  # type: ignore[attr-defined]
    table = read_table(target)
    assert table.header[:4] == ("Interaction ID", "External ref", "Key", "Value")
    rows = {(r[0], r[2]): r[3] for r in table.rows}
    assert rows[(str(ids[1]), "tier")] == "=1+2"  # a text cell, never a formula
    assert rows[(str(ids[1]), "note")] == 'two\nlines, "quoted"'
    dialog.close()

    window.exchange.choose_import_file = lambda: str(target)  # type: ignore[method-assign]
    window.exchange.import_action.trigger()
    importing = wait_visible(qtbot, "importDialog")
    qtbot.waitUntil(lambda: importing.plan is not None, timeout=WAIT_MS)  # type: ignore[attr-defined]
    importing.preview_button.click()  # type: ignore[attr-defined]
    preview = wait_visible(qtbot, "previewDialog")
    qtbot.waitUntil(lambda: preview.preview_result is not None, timeout=WAIT_MS)  # type: ignore[attr-defined]
    assert preview.preview_result.writes == 0  # type: ignore[attr-defined]
    assert preview.preview_result.counts["unchanged"] == 3  # type: ignore[attr-defined]


def test_import_a_semicolon_csv_from_excel_with_a_preview_and_results_beside_it(
    window_on_survey: tuple[MainWindow, int, list[int]],
    fresh_sandbox: SandboxServer,
    qtbot: QtBot,
    tmp_path: Path,
) -> None:
    window, _survey_id, ids = window_on_survey
    source = tmp_path / "from excel.csv"
    lines = [
        "Interaction ID;Key;Value",
        f"{ids[0]};tier;PLATINUM",
        f"{ids[2]};region;NORTH",
        f"{ids[3]};bad key;x",
        "999999;tier;GOLD",
    ]
    source.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode())
    window.exchange.choose_import_file = lambda: str(source)  # type: ignore[method-assign]
    window.exchange.import_action.trigger()
    importing = wait_visible(qtbot, "importDialog")
    qtbot.waitUntil(lambda: importing.plan is not None, timeout=WAIT_MS)  # type: ignore[attr-defined]
    assert "semicolon" in importing.read_as.text()  # type: ignore[attr-defined]
    problems = importing.problems.toPlainText()  # type: ignore[attr-defined]
    assert "Row 4" in problems and "Row 5" in problems
    importing.preview_button.click()  # type: ignore[attr-defined]
    _apply_preview(qtbot)
    assert fresh_sandbox.store.live_tags(ids[0]) == {"tier": "PLATINUM"}
    assert fresh_sandbox.store.live_tags(ids[2]) == {"region": "NORTH"}
    assert fresh_sandbox.store.live_tags(ids[3]) == {}
    results = tmp_path / "from excel - import results.csv"
    qtbot.waitUntil(results.exists, timeout=WAIT_MS)
    text = results.read_text(encoding="utf-8-sig")
    assert "invalid key" in text and "unknown interaction" in text


def test_copy_rows_and_paste_key_value_rows_onto_an_interaction(
    window_on_survey: tuple[MainWindow, int, list[int]],
    fresh_sandbox: SandboxServer,
    qtbot: QtBot,
) -> None:
    window, _survey_id, ids = window_on_survey
    choose_interaction(window, ids[1], qtbot)
    qtbot.waitUntil(lambda: window.tags.loaded_count == 2, timeout=WAIT_MS)
    window.tag_view.selectAll()
    window.tag_view.setFocus()
    window.exchange.copy()
    copied = QApplication.clipboard().text()
    assert copied.startswith("Interaction ID\tExternal ref\tKey\tValue\tUpdated\r\n")
    assert '"two\nlines, ""quoted"""' in copied  # one cell in Excel
    assert "REF-1" in copied

    QApplication.clipboard().setText("tier\tBRONZE\nlevel\t3\n")
    window.exchange.paste_action.trigger()
    importing = wait_visible(qtbot, "importDialog")
    qtbot.waitUntil(lambda: importing.plan is not None, timeout=WAIT_MS)  # type: ignore[attr-defined]
    importing.preview_button.click()  # type: ignore[attr-defined]
    _apply_preview(qtbot)
    assert fresh_sandbox.store.live_tags(ids[1]) == {
        "tier": "BRONZE",
        "note": 'two\nlines, "quoted"',
        "level": "3",
    }


def test_the_tables_have_a_right_click_menu(
    window_on_survey: tuple[MainWindow, int, list[int]], qtbot: QtBot
) -> None:
    window, _survey_id, ids = window_on_survey
    choose_interaction(window, ids[0], qtbot)
    window.tag_view.customContextMenuRequested.emit(QPoint(5, 5))
    menu = window.exchange.context_menu
    assert isinstance(menu, QMenu) and menu.objectName() == "tagContextMenu"
    names = [a.objectName() for a in menu.actions() if a.objectName()]
    assert names == ["editTagAction", "deleteTagAction", "copyAction", "exportSelectionAction"]
    menu.close()
    window.interactions.view.customContextMenuRequested.emit(QPoint(5, 5))
    menu = window.exchange.context_menu
    names = [a.objectName() for a in menu.actions() if a.objectName()]
    assert "setTagOnManyAction" in names and "pasteAction" in names
    menu.close()

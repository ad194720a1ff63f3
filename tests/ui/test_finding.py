"""Finding things in the main window: exact external ref and email said plainly, phone
numbers by their digits, "No survey matches…", the Type column as the filter says it,
sortable interactions, notes when a sort or filter covers only the loaded rows, counts
still growing, the add-tag dialog's search, and the status bar after a save or delete."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from sdx_desktop.sandbox import SandboxServer
from sdx_desktop.ui.interaction_picker import InteractionPicker, InteractionTableModel
from sdx_desktop.ui.main_window import MainWindow
from sdx_desktop.ui.tag_dialog import TagDialog

from ._boxes import answer
from .conftest import WindowFactory, choose_interaction, choose_survey

WAIT_MS = 10_000


def search(picker: InteractionPicker, field: str, text: str, qtbot: QtBot) -> None:
    picker.field_combo.setCurrentIndex(picker.field_combo.findData(field))
    picker.search.setText(text)
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: picker.model.exhausted and not picker.model.loading, timeout=WAIT_MS)


def shown_ids(picker: InteractionPicker) -> list[int]:
    rows = range(InteractionTableModel.PREFIX_ROWS, picker.proxy.rowCount())
    return [picker.proxy.index(r, InteractionTableModel.ID).data() for r in rows]


def test_exact_ref_and_email_are_said_and_an_empty_result_explains_itself(
    make_window: WindowFactory, sandbox: SandboxServer, qtbot: QtBot
) -> None:
    survey_id = sandbox.store.create_survey("Exact search")
    wanted = sandbox.store.create_interaction(
        survey_id, external_ref="CRM-1001", email="Ana@Example.com"
    )
    sandbox.store.create_interaction(survey_id, external_ref="CRM-1002")
    window = make_window(sandbox)
    choose_survey(window, survey_id, qtbot)
    picker = window.interactions
    labels = [picker.field_combo.itemText(i) for i in range(picker.field_combo.count())]
    assert labels[:3] == ["Exact external ref", "Exact email", "Phone number"]
    assert "exact external ref" in picker.search.placeholderText().lower()

    search(picker, "external_ref", "CRM-1001", qtbot)
    assert shown_ids(picker) == [str(wanted)]
    assert not picker.note.isVisible()

    search(picker, "external_ref", "crm-1001", qtbot)  # not exact: capital letters count
    assert shown_ids(picker) == []
    assert picker.note.isVisible()
    assert "No interaction in this survey has exactly this external ref" in picker.note.text()
    assert "capital letters" in picker.note.text()

    search(picker, "email", "ana@example.com", qtbot)
    assert "exactly this email address" in picker.note.text()
    search(picker, "email", "Ana@Example.com", qtbot)
    assert shown_ids(picker) == [str(wanted)]
    assert not picker.note.isVisible()


def test_phone_search_compares_digits_only_across_the_whole_survey(
    make_window: WindowFactory, sandbox: SandboxServer, qtbot: QtBot
) -> None:
    survey_id = sandbox.store.create_survey("Phone search")
    wanted = sandbox.store.create_interaction(
        survey_id, survey_type="inbound", phone_number="+16045553309"
    )
    for n in range(30):  # more than one page of others, newer than the one wanted
        sandbox.store.create_interaction(
            survey_id, survey_type="inbound", phone_number=f"+1415555{n:04d}"
        )
    window = make_window(sandbox, page_size=10)
    choose_survey(window, survey_id, qtbot)
    picker = window.interactions
    assert picker.model.row_of(wanted) is None  # not on the first page
    picker.field_combo.setCurrentIndex(picker.field_combo.findData("phone"))
    assert "only the digits count" in picker.search.placeholderText()
    picker.search.setText("(604) 555-3309")
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: shown_ids(picker) == [str(wanted)], timeout=WAIT_MS)
    qtbot.waitUntil(lambda: picker.model.exhausted, timeout=WAIT_MS)
    assert picker.model.loaded_count == 31  # it read on past the first page by itself
    picker.search.setText("604 555 3308")
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: picker.model.exhausted and picker.note.isVisible(), timeout=WAIT_MS)
    assert shown_ids(picker) == []
    assert picker.note.text() == "No interaction in this survey has this phone number."


def test_an_empty_survey_search_says_so(
    make_window: WindowFactory, sandbox: SandboxServer, qtbot: QtBot
) -> None:
    window = make_window(sandbox)
    qtbot.waitUntil(lambda: window.surveys.model.exhausted, timeout=WAIT_MS)
    window.surveys.search.setText("no such survey anywhere")
    assert window.surveys.no_match.isVisible()
    assert window.surveys.no_match.text() == "No survey matches “no such survey anywhere”."
    window.surveys.search.clear()
    assert not window.surveys.no_match.isVisible()


def test_interaction_columns_type_words_sorting_and_sizes(
    make_window: WindowFactory, sandbox: SandboxServer, qtbot: QtBot
) -> None:
    survey_id = sandbox.store.create_survey("Columns")
    refs = ["B-2", "A-1", "C-3"]
    for ref, kind in zip(refs, ["sms", "email", "inbound"], strict=True):
        sandbox.store.create_interaction(
            survey_id,
            external_ref=ref,
            survey_type=kind,
            email="a.very.long.address.indeed@example-company.com",
        )
    window = make_window(sandbox)
    choose_survey(window, survey_id, qtbot)
    picker = window.interactions
    qtbot.waitUntil(lambda: picker.model.exhausted, timeout=WAIT_MS)
    model, view = picker.model, picker.view
    types = {model.index(r, model.TYPE).data() for r in range(1, model.rowCount())}
    assert types == {"SMS", "Email", "Inbound"}
    assert {picker.type_combo.itemText(i) for i in range(1, picker.type_combo.count())} >= types

    assert view.isSortingEnabled()
    view.sortByColumn(model.REF, Qt.SortOrder.AscendingOrder)
    assert [picker.proxy.index(r, model.REF).data() for r in (1, 2, 3)] == ["A-1", "B-2", "C-3"]
    assert picker.proxy.index(0, 0).data() == "All interactions in this survey"  # stays first
    view.sortByColumn(model.ID, Qt.SortOrder.DescendingOrder)
    ids = [int(picker.proxy.index(r, model.ID).data()) for r in (1, 2, 3)]
    assert ids == sorted(ids, reverse=True)

    header = view.horizontalHeader()
    metrics = view.fontMetrics()
    for column in (model.REF, model.CONTACT, model.TYPE, model.CREATED):
        widest = max(
            metrics.horizontalAdvance(str(model.index(r, column).data()))
            for r in range(1, model.rowCount())
        )
        assert header.sectionSize(column) >= widest, model.COLUMNS[column]
    assert header.stretchLastSection()  # Created takes the room left
    # The window makes room for them (until staff drag the divider themselves).
    needed = sum(header.sectionSize(c) for c in range(model.columnCount()))
    assert window.main_splitter.sizes()[0] >= min(needed, 0.62 * sum(window.main_splitter.sizes()))
    created = model.index(1, model.CREATED)
    assert len(created.data()) == 16  # to the minute; the full time in the tooltip
    assert created.data(Qt.ItemDataRole.ToolTipRole).startswith(created.data())


def test_a_sort_or_filter_over_part_of_the_tags_says_so(
    make_window: WindowFactory, sandbox: SandboxServer, qtbot: QtBot
) -> None:
    survey_id = sandbox.store.create_survey("Partly loaded")
    sandbox.store.bulk_create_tags(survey_id, 60, per_interaction=60)
    interaction_id = sandbox.store.interaction_ids(survey_id)[0]
    window = make_window(sandbox, page_size=25)
    choose_survey(window, survey_id, qtbot)
    choose_interaction(window, interaction_id, qtbot)
    qtbot.waitUntil(lambda: window.tags.loaded_count >= 25, timeout=WAIT_MS)
    note = window.tag_panel.partial
    assert not note.isVisible()
    window.tag_view.sortByColumn(window.tags.KEY, Qt.SortOrder.AscendingOrder)
    window.update_status()
    assert note.isVisible()
    assert re.match(r"Sorted: only the first [\d,]+ tags loaded so far", note.text())
    assert "Load all" in note.text()
    window.tag_filter.setText("KEY_00")
    assert note.text().startswith("Sorted and filtered:")
    assert "of the loaded ones match the filter" in window.status_label.text()
    window.load_all_action.trigger()
    qtbot.waitUntil(lambda: window.tags.exhausted and not window.tags.loading_all, timeout=WAIT_MS)
    assert not note.isVisible()
    assert window.status_label.text().endswith("· 10 match the filter")


def test_counts_while_loading_are_marked_as_running(
    make_window: WindowFactory, fresh_sandbox: SandboxServer, qtbot: QtBot
) -> None:
    server = fresh_sandbox
    survey_id = server.store.create_survey("Slow")
    server.store.bulk_create_tags(survey_id, 30, per_interaction=30)
    interaction_id = server.store.interaction_ids(survey_id)[0]
    window = make_window(server, page_size=10)
    choose_survey(window, survey_id, qtbot)
    choose_interaction(window, interaction_id, qtbot)
    qtbot.waitUntil(lambda: window.tags.loaded_count >= 10, timeout=WAIT_MS)
    server.set_faults(latency_ms=400)
    window.tags.fetchMore()
    assert window.tags.loading
    window.update_status()
    assert re.search(r"Showing [\d,]+ tags so far… · loading more", window.status_label.text())
    qtbot.waitUntil(lambda: not window.tags.loading, timeout=WAIT_MS)
    server.clear_faults()
    assert "so far" not in window.status_label.text()


def test_a_value_of_several_lines_says_how_many_in_the_table(
    make_window: WindowFactory, sandbox: SandboxServer, qtbot: QtBot, client: object
) -> None:
    survey_id = sandbox.store.create_survey("Lines")
    interaction_id = sandbox.store.create_interaction(survey_id)
    value = "\n".join(f"line {n}" for n in range(31))
    client.set_tag(interaction_id, "notes", value)  # type: ignore[attr-defined]
    window = make_window(sandbox)
    choose_survey(window, survey_id, qtbot)
    choose_interaction(window, interaction_id, qtbot)
    qtbot.waitUntil(lambda: window.tags.loaded_count == 1, timeout=WAIT_MS)
    cell = window.tag_proxy.index(0, window.tags.VALUE)
    assert cell.data() == "line 0 … (31 lines)"
    assert cell.data(Qt.ItemDataRole.ToolTipRole) == value


def _add_from_all_interactions(window: MainWindow, qtbot: QtBot) -> TagDialog:
    window.interactions.select_all_interactions()
    qtbot.waitUntil(lambda: window.tags.survey_wide, timeout=WAIT_MS)
    window.add_action.trigger()
    dialog = window.tag_dialog
    assert isinstance(dialog, TagDialog)
    qtbot.waitExposed(dialog)
    return dialog


def test_add_from_all_interactions_finds_by_ref_email_and_phone(
    make_window: WindowFactory, sandbox: SandboxServer, qtbot: QtBot
) -> None:
    survey_id = sandbox.store.create_survey("Add anywhere")
    target = sandbox.store.create_interaction(
        survey_id, external_ref="Q-77", email="bo@example.com", phone_number="+16045553309"
    )
    for n in range(12):
        sandbox.store.create_interaction(survey_id, external_ref=f"R-{n}")
    window = make_window(sandbox, page_size=5)
    choose_survey(window, survey_id, qtbot)
    assert window.interactions.model.row_of(target) is None  # not loaded yet
    dialog = _add_from_all_interactions(window, qtbot)
    combo = dialog.interaction_combo
    assert combo is not None
    finder = dialog.finder

    # Not loaded, but an exact external ref is looked up on Survey Dynamix.
    combo.setFocus()
    qtbot.keyClicks(combo.lineEdit(), "Q-77")
    finder.search_now()
    qtbot.waitUntil(lambda: finder.matches.count() == 1, timeout=WAIT_MS)
    assert "#" + str(target) in finder.matches.item(0).text()
    assert "exact external ref" in finder.status.text()
    finder.matches.setCurrentRow(0)
    finder.matches.itemActivated.emit(finder.matches.item(0))
    assert dialog.interaction_id() == target
    assert not finder.matches.isVisible()

    # Now known: a phone number typed any way finds it among the loaded ones.
    combo.setCurrentIndex(-1)
    combo.lineEdit().clear()
    qtbot.keyClicks(combo.lineEdit(), "(604) 555-3309")
    finder.search_now()
    qtbot.waitUntil(lambda: finder.matches.count() >= 1, timeout=WAIT_MS)
    assert str(target) in finder.matches.item(0).text()
    # An email, exactly, on the server.
    combo.lineEdit().clear()
    qtbot.keyClicks(combo.lineEdit(), "bo@example.com")
    finder.search_now()
    qtbot.waitUntil(lambda: finder.matches.count() == 1, timeout=WAIT_MS)
    finder.matches.itemActivated.emit(finder.matches.item(0))
    dialog.key_edit.setText("tier")
    dialog.value_edit.setPlainText("GOLD")
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT_MS):
        dialog.save()
    assert sandbox.store.live_tags(target) == {"tier": "GOLD"}


def test_the_status_bar_confirms_a_save_and_a_delete(
    make_window: WindowFactory, sandbox: SandboxServer, qtbot: QtBot
) -> None:
    survey_id = sandbox.store.create_survey("Confirmations")
    interaction_id = sandbox.store.create_interaction(survey_id)
    window = make_window(sandbox)
    choose_survey(window, survey_id, qtbot)
    choose_interaction(window, interaction_id, qtbot)
    window.add_action.trigger()
    dialog = window.tag_dialog
    dialog.key_edit.setText("tier")
    dialog.value_edit.setPlainText("GOLD")
    dialog.save()
    link = window.changes.undo_link
    qtbot.waitUntil(lambda: link.isVisible(), timeout=WAIT_MS)
    assert "tier" in link.text() and "Undo" in link.text()
    qtbot.waitUntil(lambda: window.tags.loaded_count == 1, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.runner.idle, timeout=WAIT_MS)
    window.tag_view.selectRow(0)
    assert len(window.selected_tags()) == 1
    window.delete_selected()
    answer(qtbot, "deleteConfirm", "Delete")
    qtbot.waitUntil(lambda: window.tags.loaded_count == 0, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "Delete" in link.text(), timeout=WAIT_MS)
    assert link.isVisible() and "Undo" in link.text()


def test_a_new_search_does_not_leave_the_old_interactions_tags_shown(
    make_window: WindowFactory, sandbox: SandboxServer, qtbot: QtBot
) -> None:
    survey_id = sandbox.store.create_survey("Stale")
    first = sandbox.store.create_interaction(survey_id, external_ref="S-1")
    sandbox.store.upsert_tag(first, "tier", "GOLD")
    window = make_window(sandbox)
    choose_survey(window, survey_id, qtbot)
    choose_interaction(window, first, qtbot)
    qtbot.waitUntil(lambda: window.tags.loaded_count == 1, timeout=WAIT_MS)
    search(window.interactions, "external_ref", "S-2", qtbot)
    assert window.interaction is None
    assert window.tag_stack.currentWidget() is window.empty_state
    assert "Pick an interaction" in window.empty_state.text()

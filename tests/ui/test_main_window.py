"""The main window against the sandbox: pick, page, filter, load all, edit, delete."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from sdx_desktop.api.models import Tag
from sdx_desktop.sandbox import SandboxServer
from sdx_desktop.settings import Settings
from sdx_desktop.ui.paged_model import LoadState, ObjectRole

from ._boxes import answer
from .conftest import WindowFactory, choose_interaction, choose_survey, find_visible


def _survey_with(server: SandboxServer, name: str, tags: int, per_interaction: int = 10) -> int:
    survey_id = server.store.create_survey(name)
    server.store.bulk_create_tags(survey_id, tags, per_interaction=per_interaction)
    return survey_id


def test_empty_state_then_pick_survey_interaction_and_see_its_tags(
    make_window: WindowFactory, sandbox: SandboxServer, qtbot: QtBot
) -> None:
    window = make_window(sandbox)
    assert window.tag_stack.currentWidget() is window.empty_state
    assert "Pick a survey" in window.empty_state.text()
    survey_id = sandbox.store.survey_ids()[0]
    choose_survey(window, survey_id, qtbot)
    assert "Pick an interaction" in window.empty_state.text()
    loaded = window.interactions.loaded_interactions()
    assert loaded and {i.survey_id for i in loaded} == {survey_id}
    target = next(i for i in loaded if sandbox.store.live_tags(i.id))
    choose_interaction(window, target.id, qtbot)
    qtbot.waitUntil(lambda: window.tags.exhausted, timeout=10_000)
    shown = {t.custom_key: t.custom_value for t in window.tags.items}
    assert shown == sandbox.store.live_tags(target.id)
    assert window.tag_stack.currentWidget() is window.tag_view
    assert window.tag_view.isColumnHidden(window.tags.INTERACTION)
    assert f"All {len(shown)} tag" in window.status_label.text()


def test_scrolling_fetches_pages_until_the_short_one(
    make_window: WindowFactory, sandbox: SandboxServer, qtbot: QtBot
) -> None:
    survey_id = _survey_with(sandbox, "Paged", 120, per_interaction=120)
    interaction_id = sandbox.store.interaction_ids(survey_id)[0]
    window = make_window(sandbox, page_size=50)
    choose_survey(window, survey_id, qtbot)
    choose_interaction(window, interaction_id, qtbot)
    qtbot.waitUntil(lambda: window.tags.loaded_count >= 50, timeout=10_000)
    assert not window.tags.exhausted
    assert "more available" in window.status_label.text()
    while not window.tags.exhausted:
        window.tag_view.scrollToBottom()  # the view asks for the next page at once
        assert window.tags.loading
        qtbot.waitUntil(lambda: not window.tags.loading, timeout=10_000)
    assert window.tags.loaded_count == 120
    ids = [t.id for t in window.tags.items]
    assert ids == sorted(sandbox.store.tag_ids(interaction_id=interaction_id))
    before = sandbox.request_count
    window.tag_view.scrollToBottom()
    qtbot.waitUntil(lambda: window.runner.idle, timeout=10_000)
    assert sandbox.request_count == before  # the short page was the end


def test_survey_wide_view_quick_filter_and_load_all(
    make_window: WindowFactory, sandbox: SandboxServer, qtbot: QtBot
) -> None:
    survey_id = _survey_with(sandbox, "Whole survey", 2500)
    window = make_window(sandbox)
    choose_survey(window, survey_id, qtbot)
    window.interactions.select_all_interactions()
    qtbot.waitUntil(lambda: window.tags.loaded_count == 100, timeout=10_000)
    assert window.tags.survey_wide
    assert not window.tag_view.isColumnHidden(window.tags.INTERACTION)
    assert "All tags" in window.tag_title.text()

    window.load_all_action.trigger()
    qtbot.waitUntil(lambda: window.tags.exhausted and not window.tags.loading_all, timeout=20_000)
    assert window.tags.loaded_count == 2500
    assert [t.id for t in window.tags.items] == sorted(sandbox.store.tag_ids(survey_id=survey_id))
    assert "All 2,500 tags loaded" in window.status_label.text()

    some = window.tags.item(0)
    assert some is not None
    window.tag_filter.setText(some.custom_value)
    expected = [
        t
        for t in window.tags.items
        if some.custom_value.casefold() in t.custom_value.casefold()
        or some.custom_value.casefold() in t.custom_key.casefold()
    ]
    assert window.tag_proxy.rowCount() == len(expected) < 2500
    assert "match the filter" in window.status_label.text()
    window.tag_filter.clear()
    assert window.tag_proxy.rowCount() == 2500


def test_switching_interaction_during_a_slow_page_paints_only_the_new_one(
    make_window: WindowFactory, fresh_sandbox: SandboxServer, qtbot: QtBot
) -> None:
    survey_id = _survey_with(fresh_sandbox, "Race", 40, per_interaction=20)
    first, second = fresh_sandbox.store.interaction_ids(survey_id)[:2]
    window = make_window(fresh_sandbox)
    choose_survey(window, survey_id, qtbot)
    painted: list[int] = []
    window.tags.rowsInserted.connect(
        lambda _p, a, b: painted.extend(window.tags.item(r).interaction_id for r in range(a, b + 1))  # type: ignore[union-attr]
    )
    fresh_sandbox.set_faults(latency_ms=600)
    picker = window.interactions
    qtbot.waitUntil(lambda: picker.model.row_of(second) is not None, timeout=10_000)
    for interaction_id in (first, second):
        row = picker.model.row_of(interaction_id)
        assert row is not None
        picker.view.setCurrentIndex(picker.proxy.mapFromSource(picker.model.index(row, 0)))
        qtbot.waitUntil(lambda: window.tags.loading, timeout=10_000)
    qtbot.waitUntil(lambda: window.tags.exhausted, timeout=10_000)
    # Both answers have arrived once nothing is under way; the first one was dropped.
    qtbot.waitUntil(lambda: window.runner.idle, timeout=10_000)
    assert set(painted) == {second}
    assert {t.interaction_id for t in window.tags.items} == {second}


def test_add_edit_and_delete_change_only_their_row(
    make_window: WindowFactory, sandbox: SandboxServer, qtbot: QtBot
) -> None:
    survey_id = _survey_with(sandbox, "Row edits", 5, per_interaction=5)
    interaction_id = sandbox.store.interaction_ids(survey_id)[0]
    window = make_window(sandbox)
    choose_survey(window, survey_id, qtbot)
    choose_interaction(window, interaction_id, qtbot)
    qtbot.waitUntil(lambda: window.tags.exhausted and window.tags.loaded_count == 5, timeout=10_000)
    resets: list[int] = []
    window.tags.modelReset.connect(lambda: resets.append(1))

    window.add_action.trigger()
    qtbot.waitUntil(lambda: find_visible("tagDialog") is not None, timeout=5_000)
    dialog = window.tag_dialog
    dialog.key_edit.setText("tier")
    dialog.value_edit.setPlainText("GOLD")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: window.tags.loaded_count == 6, timeout=10_000)
    assert sandbox.store.live_tags(interaction_id)["tier"] == "GOLD"
    assert window.selected_tags()[0].custom_key == "tier"

    window.edit_action.trigger()
    qtbot.waitUntil(lambda: find_visible("tagDialog") is not None, timeout=5_000)
    window.tag_dialog.value_edit.setPlainText("PLATINUM")
    window.tag_dialog.save_button.click()
    qtbot.waitUntil(
        lambda: sandbox.store.live_tags(interaction_id)["tier"] == "PLATINUM", timeout=10_000
    )
    qtbot.waitUntil(lambda: window.selected_tags()[0].custom_value == "PLATINUM", timeout=5_000)
    assert window.tags.loaded_count == 6

    window.tag_view.setFocus()
    window.delete_action.trigger()
    answer(qtbot, "deleteConfirm", "Delete")
    qtbot.waitUntil(lambda: window.tags.loaded_count == 5, timeout=10_000)
    assert "tier" not in sandbox.store.live_tags(interaction_id)
    assert resets == []  # one row at a time, never a full reload


def test_failed_page_shows_retry_and_recovers(
    make_window: WindowFactory, fresh_sandbox: SandboxServer, qtbot: QtBot
) -> None:
    survey_id = _survey_with(fresh_sandbox, "Flaky", 30, per_interaction=30)
    interaction_id = fresh_sandbox.store.interaction_ids(survey_id)[0]
    window = make_window(fresh_sandbox)
    choose_survey(window, survey_id, qtbot)
    fresh_sandbox.set_faults(status_rates={503: 1.0}, retry_after=0)
    choose_interaction(window, interaction_id, qtbot)
    qtbot.waitUntil(lambda: window.tags.state is LoadState.FAILED, timeout=10_000)
    bar = window.tag_state
    assert bar.isVisible() and bar.retry_button.isVisible()
    assert "try again" in bar.label.text().lower()
    assert window.surveys.isEnabled()  # the rest of the window stays usable
    fresh_sandbox.clear_faults()
    bar.retry_button.click()
    qtbot.waitUntil(
        lambda: window.tags.exhausted and window.tags.loaded_count == 30, timeout=10_000
    )
    assert not bar.isVisible()


def test_stop_cancels_load_all_and_keeps_what_arrived(
    make_window: WindowFactory, fresh_sandbox: SandboxServer, qtbot: QtBot
) -> None:
    survey_id = _survey_with(fresh_sandbox, "Stoppable", 20_000)
    window = make_window(fresh_sandbox)
    choose_survey(window, survey_id, qtbot)
    window.interactions.select_all_interactions()
    qtbot.waitUntil(lambda: window.tags.loaded_count == 100, timeout=10_000)
    fresh_sandbox.set_faults(latency_ms=150)
    window.load_all_action.trigger()
    qtbot.waitUntil(lambda: window.tags.loaded_count > 100, timeout=10_000)
    assert window.stop_action.isEnabled()
    window.stop_action.trigger()
    qtbot.waitUntil(lambda: not window.tags.loading_all, timeout=5_000)
    loaded = window.tags.loaded_count
    qtbot.waitUntil(lambda: window.runner.idle, timeout=10_000)  # the loader has ended
    assert window.tags.loaded_count == loaded < 20_000
    assert window.tags.state is LoadState.STOPPED
    assert window.load_all_action.isEnabled()


def test_model_passes_qt_model_tester(
    make_window: WindowFactory, sandbox: SandboxServer, qtbot: QtBot, qtmodeltester: object
) -> None:
    survey_id = _survey_with(sandbox, "Model test", 150, per_interaction=150)
    window = make_window(sandbox, page_size=100)
    choose_survey(window, survey_id, qtbot)
    choose_interaction(window, sandbox.store.interaction_ids(survey_id)[0], qtbot)
    qtbot.waitUntil(lambda: window.tags.loaded_count == 100, timeout=10_000)
    qtmodeltester.check(window.tags)  # type: ignore[attr-defined]
    tag = window.tags.index(0, 0).data(ObjectRole)
    assert isinstance(tag, Tag)
    assert window.tags.index(0, window.tags.KEY).data(Qt.ItemDataRole.DisplayRole) == tag.custom_key


def test_window_size_splitters_and_last_survey_are_remembered(
    make_window: WindowFactory, sandbox: SandboxServer, qtbot: QtBot
) -> None:
    window = make_window(sandbox)
    window.resize(720, 520)  # within the offscreen screen (800×600)
    survey_id = sandbox.store.survey_ids()[1]
    choose_survey(window, survey_id, qtbot)
    window.main_splitter.setSizes([300, 700])
    window.close()
    settings = Settings()
    assert settings.last_survey_id == survey_id
    again = make_window(sandbox)
    assert (again.width(), again.height()) == (720, 520)
    assert again.main_splitter.sizes()[0] == window.main_splitter.sizes()[0]
    qtbot.waitUntil(
        lambda: again.survey is not None and again.survey.id == survey_id, timeout=10_000
    )


def test_shortcuts_are_wired(make_window: WindowFactory, sandbox: SandboxServer) -> None:
    window = make_window(sandbox)
    shortcuts = {
        a.objectName(): {s.toString() for s in a.shortcuts()}
        for a in (
            window.add_action,
            window.edit_action,
            window.delete_action,
            window.refresh_action,
            window.find_action,
            window.load_all_action,
        )
    }
    assert "Ctrl+N" in shortcuts["addTagAction"]
    assert {"F2", "Return"} <= shortcuts["editTagAction"]
    assert "Del" in shortcuts["deleteTagAction"]
    assert "F5" in shortcuts["refreshAction"]
    assert "Ctrl+F" in shortcuts["findAction"]
    window.find_action.trigger()
    assert (
        isinstance(window.focusWidget(), QLineEdit)
        and window.focusWidget().objectName() == "tagFilter"
    )
    for name in (
        "tagTable",
        "tagFilter",
        "surveyPicker",
        "surveySearch",
        "interactionPicker",
        "interactionSearch",
    ):
        assert window.findChild(object, name) is not None, name
    assert window.tags.canFetchMore(QModelIndex()) is False  # nothing chosen yet


def test_rows_per_page_is_a_remembered_setting(
    make_window: WindowFactory, sandbox: SandboxServer
) -> None:
    window = make_window(sandbox)
    window.findChild(QAction, "pageSize250").trigger()
    assert window.tags.page_size == window.interactions.model.page_size == 250
    assert Settings().page_size == 250


def test_sorting_by_a_column_keeps_rows_sorted_through_load_all(
    make_window: WindowFactory, sandbox: SandboxServer, qtbot: QtBot
) -> None:
    survey_id = _survey_with(sandbox, "Sorted", 1500, per_interaction=10)
    window = make_window(sandbox)
    choose_survey(window, survey_id, qtbot)
    window.interactions.select_all_interactions()
    qtbot.waitUntil(lambda: window.tags.loaded_count == 100, timeout=10_000)
    window.tag_view.selectRow(3)
    chosen = window.selected_tags()[0]
    window.tag_view.horizontalHeader().setSortIndicator(
        window.tags.INTERACTION, Qt.SortOrder.DescendingOrder
    )
    shown = [window.tag_proxy.tag_at(r).interaction_id for r in range(window.tag_proxy.rowCount())]  # type: ignore[union-attr]
    assert shown == sorted(shown, reverse=True)
    assert window.selected_tags() == [chosen]  # the selection follows its row
    window.load_all_action.trigger()
    qtbot.waitUntil(lambda: window.tags.exhausted and not window.tags.loading_all, timeout=20_000)
    shown = [window.tag_proxy.tag_at(r).interaction_id for r in range(window.tag_proxy.rowCount())]  # type: ignore[union-attr]
    assert len(shown) == 1500 and shown == sorted(shown, reverse=True)

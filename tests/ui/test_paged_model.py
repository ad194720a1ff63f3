"""The paging table model's own contract (ui/paged_model.py), on a plain list of rows:
what each role shows, row edits, sorting with selections held, Load all's hand-over,
retry after a failure, and pages that add nothing new. Mutation testing found these
unchecked (docs/testing.md); the sandbox-backed cases are in test_paged_exact.py."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import pytest
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from pytestqt.qtbot import QtBot

from sdx_desktop.api.errors import NetworkError
from sdx_desktop.ui.paged_model import LoadState, ObjectRole, PagedTableModel, SortRole
from sdx_desktop.ui.tasks import TaskRunner


@dataclass(frozen=True)
class Row:
    id: int
    name: str


class RowModel(PagedTableModel[Row]):
    COLUMNS = ("Id", "Name")

    def display(self, item: Row, column: int) -> str:
        return str(item.id) if column == 0 else item.name

    def sort_value(self, item: Row, column: int) -> object:
        return item.id if column == 0 else item.name.lower()

    def tooltip(self, item: Row, column: int) -> str | None:
        return f"tip {item.id}" if column == 1 else None


class PrefixedModel(RowModel):
    PREFIX_ROWS = 1

    def prefix_data(self, row: int, column: int, role: int) -> object:
        return "All" if role == Qt.ItemDataRole.DisplayRole else None


class Server:
    """A list served a page at a time; pages can be made to fail."""

    def __init__(self, rows: Sequence[Row]) -> None:
        self.rows = list(rows)
        self.asked: list[tuple[int, int]] = []
        self.fail = threading.Event()

    def __call__(self, offset: int, limit: int) -> list[Row]:
        self.asked.append((offset, limit))
        if self.fail.is_set():
            raise NetworkError(detail="unplugged")
        return self.rows[offset : offset + limit]


def _rows(n: int, start: int = 1) -> list[Row]:
    return [Row(i, f"row {i:03d}") for i in range(start, start + n)]


def _load(model: PagedTableModel[Row], qtbot: QtBot) -> None:
    model.fetchMore(QModelIndex())
    qtbot.waitUntil(lambda: not model.loading, timeout=10_000)


def _names(model: PagedTableModel[Row]) -> list[str]:
    return [model.data(model.index(r, 1)) for r in range(model.rowCount())]


def test_every_role_of_a_row(runner: TaskRunner, qtbot: QtBot) -> None:
    model = RowModel(runner, page_size=10)
    model.set_source(Server(_rows(3)))
    _load(model, qtbot)
    index = model.index(1, 1)
    assert model.data(index) == "row 002"
    assert model.data(index, Qt.ItemDataRole.DisplayRole) == "row 002"
    assert model.data(index, ObjectRole) == Row(2, "row 002")
    assert model.data(model.index(1, 0), SortRole) == 2
    assert model.data(index, Qt.ItemDataRole.ToolTipRole) == "tip 2"
    assert model.data(index, Qt.ItemDataRole.DecorationRole) is None
    assert model.data(QModelIndex()) is None
    assert model.data(model.createIndex(3, 0)) is None  # past the rows loaded
    assert (model.rowCount(), model.columnCount()) == (3, 2)
    assert model.rowCount(index) == 0 and model.columnCount(index) == 0
    assert (model.item(0), model.item(3), model.item(-1)) == (Row(1, "row 001"), None, None)
    assert (model.row_of(3), model.row_of(99)) == (2, None)


def test_headers_are_the_columns_across_the_top_only(runner: TaskRunner) -> None:
    model = RowModel(runner)
    horizontal, vertical = Qt.Orientation.Horizontal, Qt.Orientation.Vertical
    display = Qt.ItemDataRole.DisplayRole
    assert [model.headerData(s, horizontal, display) for s in range(-1, 3)] == [
        None,
        "Id",
        "Name",
        None,
    ]
    assert model.headerData(0, vertical, display) is None
    assert model.headerData(0, horizontal, Qt.ItemDataRole.ToolTipRole) is None


def test_prefix_rows_come_first(runner: TaskRunner, qtbot: QtBot) -> None:
    model = PrefixedModel(runner, page_size=10)
    model.set_source(Server(_rows(2)))
    _load(model, qtbot)
    assert model.rowCount() == 3
    assert _names(model) == ["All", "row 001", "row 002"]
    assert model.data(model.index(0, 1), ObjectRole) is None
    assert (model.item(0), model.item(1), model.item(3)) == (None, Row(1, "row 001"), None)
    assert model.row_of(2) == 2
    model.upsert_item(Row(2, "renamed"))
    assert _names(model) == ["All", "row 001", "renamed"]
    assert model.remove_id(1) and _names(model) == ["All", "renamed"]


def test_a_saved_row_replaces_its_own_and_a_new_one_is_added(
    runner: TaskRunner, qtbot: QtBot
) -> None:
    model = RowModel(runner, page_size=10)
    model.set_source(Server(_rows(3)))
    _load(model, qtbot)
    changes: list[tuple[int, int, int, int]] = []
    model.dataChanged.connect(
        lambda a, b: changes.append((a.row(), a.column(), b.row(), b.column()))
    )
    model.upsert_item(Row(2, "changed"))
    assert changes == [(1, 0, 1, 1)]  # the whole row, nothing else
    assert _names(model) == ["row 001", "changed", "row 003"]
    model.upsert_item(Row(9, "new"))
    assert _names(model) == ["row 001", "changed", "row 003", "new"]
    assert model.loaded_count == 4


def test_removing_an_unknown_row_changes_nothing(runner: TaskRunner, qtbot: QtBot) -> None:
    model = RowModel(runner, page_size=10)
    model.set_source(Server(_rows(3)))
    _load(model, qtbot)
    emitted: list[int] = []
    model.stateChanged.connect(lambda: emitted.append(1))
    assert model.remove_id(42) is False
    assert model.loaded_count == 3 and emitted == []
    assert model.remove_id(2) is True
    assert emitted == [1] and model.row_of(2) is None
    model.append_items([Row(2, "back")])  # its id is free again
    assert model.row_of(2) == 2


def test_sorting_keeps_a_held_selection_on_its_row(runner: TaskRunner, qtbot: QtBot) -> None:
    model = PrefixedModel(runner, page_size=10)
    model.set_source(Server([Row(1, "b"), Row(2, "C"), Row(3, "a")]))
    _load(model, qtbot)
    held = QPersistentModelIndex(model.index(2, 1))  # "C"
    prefix = QPersistentModelIndex(model.index(0, 1))
    model.sort(1, Qt.SortOrder.DescendingOrder)
    assert _names(model) == ["All", "C", "b", "a"]
    assert (held.row(), held.column(), prefix.row()) == (1, 1, 0)
    assert model.sort_column == 1
    model.sort(1)  # ascending by default
    assert _names(model) == ["All", "a", "b", "C"]
    assert held.row() == 3
    model.append_items([Row(4, "B2")])  # kept in order as rows arrive
    assert _names(model) == ["All", "a", "b", "B2", "C"]
    model.sort(-1)  # the server's order from now on: nothing moves
    assert _names(model) == ["All", "a", "b", "B2", "C"]


def test_load_all_sorts_once_at_the_end(runner: TaskRunner, qtbot: QtBot) -> None:
    model = RowModel(runner, page_size=10)
    model.set_source(Server([]))
    model.sort(1)
    generation = model.begin_bulk_load()
    assert model.is_current(generation) and model.loading
    model.append_items([Row(1, "z"), Row(2, "y")])
    assert _names(model) == ["z", "y"]  # not yet
    model.end_bulk_load(generation, complete=True)
    assert _names(model) == ["y", "z"]
    assert (model.state, model.exhausted, model.error) == (LoadState.IDLE, True, None)


def test_load_all_ends_failed_stopped_or_incomplete(runner: TaskRunner) -> None:
    model = RowModel(runner, page_size=10)
    model.set_source(Server(_rows(50)))
    error = NetworkError(detail="gone")
    generation = model.begin_bulk_load()
    model.end_bulk_load(generation, complete=False, error=error)
    assert (model.state, model.error, model.exhausted) == (LoadState.FAILED, error, False)
    generation = model.begin_bulk_load()
    model.end_bulk_load(generation, complete=False, stopped=True)
    assert (model.state, model.error) == (LoadState.STOPPED, None)
    generation = model.begin_bulk_load()
    model.set_source(Server(_rows(5)))  # the user moved on meanwhile
    assert not model.is_current(generation)
    model.end_bulk_load(generation, complete=True, error=error)
    assert (model.state, model.error, model.exhausted) == (LoadState.IDLE, None, False)


def test_a_failed_page_waits_for_retry(runner: TaskRunner, qtbot: QtBot) -> None:
    server = Server(_rows(15))
    model = RowModel(runner, page_size=10)
    model.set_source(server)
    server.fail.set()
    _load(model, qtbot)
    assert model.state is LoadState.FAILED and isinstance(model.error, NetworkError)
    assert not model.canFetchMore()
    model.fetchMore()  # ignored while failed: nothing is asked
    assert server.asked == [(0, 10)]
    server.fail.clear()
    model.retry()
    qtbot.waitUntil(lambda: not model.loading, timeout=10_000)
    assert (model.state, model.error, model.loaded_count) == (LoadState.IDLE, None, 10)
    model.retry()  # nothing failed: nothing happens
    assert server.asked == [(0, 10), (0, 10)]


def test_a_retry_after_stop_loads_the_page_again(runner: TaskRunner, qtbot: QtBot) -> None:
    release = threading.Event()
    server = Server(_rows(5))

    def slow(offset: int, limit: int) -> list[Row]:
        release.wait(10)
        return server(offset, limit)

    model = RowModel(runner, page_size=10)
    model.set_source(slow)
    model.fetchMore()
    model.stop()
    assert model.state is LoadState.STOPPED
    release.set()
    qtbot.waitUntil(lambda: runner.idle, timeout=10_000)
    assert model.loaded_count == 0
    model.retry()
    qtbot.waitUntil(lambda: not model.loading, timeout=10_000)
    assert model.loaded_count == 5 and model.exhausted
    model.stop()  # not loading: nothing to stop
    assert model.state is LoadState.IDLE


def test_pages_that_add_nothing_new_are_skipped_in_one_go(runner: TaskRunner, qtbot: QtBot) -> None:
    rows = _rows(30)
    model = RowModel(runner, page_size=10)
    model.set_source(Server(rows))
    model.append_items(rows[:19])  # Load all (or an earlier page) showed these already
    _load(model, qtbot)
    # The first pages brought only rows already shown; loading went on to new ones.
    assert model.loaded_count == 28
    assert model.walk is not None and model.walk.requests == 3


def test_a_changed_page_size_applies_from_the_next_page(runner: TaskRunner, qtbot: QtBot) -> None:
    server = Server(_rows(40))
    model = RowModel(runner, page_size=10)
    model.set_source(server)
    _load(model, qtbot)
    model.page_size = 20
    _load(model, qtbot)
    assert server.asked == [(0, 10), (9, 20)]
    model.page_size = 1  # a walk needs room for one row of overlap
    _load(model, qtbot)
    assert server.asked[-1] == (28, 2)


def test_no_source_means_nothing_to_fetch(runner: TaskRunner) -> None:
    model = RowModel(runner)
    model.set_source(None)
    assert not model.has_source and model.exhausted and model.walk is None
    assert not model.canFetchMore()
    model.set_source(Server([]))
    assert model.canFetchMore() and not model.canFetchMore(model.createIndex(0, 0))


@pytest.mark.parametrize("method", ["display"])
def test_the_base_model_needs_a_display(runner: TaskRunner, method: str) -> None:
    base: PagedTableModel[Row] = PagedTableModel(runner)
    with pytest.raises(NotImplementedError):
        getattr(base, method)(Row(1, "x"), 0)
    assert base.tooltip(Row(1, "x"), 0) is None
    assert base.prefix_data(0, 0, Qt.ItemDataRole.DisplayRole) is None


def test_cancelling_the_load_stops_the_model(runner: TaskRunner, qtbot: QtBot) -> None:
    release = threading.Event()

    def slow(offset: int, limit: int) -> list[Row]:
        release.wait(10)
        return _rows(3)

    model = RowModel(runner, page_size=10)
    model.set_source(slow)
    model.fetchMore()
    qtbot.waitUntil(lambda: runner.pending == 1, timeout=10_000)
    assert runner.cancel_all() == 1  # the window's Stop cancels the task itself
    qtbot.waitUntil(lambda: model.state is LoadState.STOPPED, timeout=10_000)
    release.set()
    qtbot.waitUntil(lambda: runner.idle, timeout=10_000)
    assert model.loaded_count == 0


def test_rows_without_a_source_and_repeated_rows(runner: TaskRunner) -> None:
    class Plain(PagedTableModel[Row]):  # sorts by what it shows
        COLUMNS = ("Name", "Id")

        def display(self, item: Row, column: int) -> str:
            return item.name if column == 0 else str(item.id)

    model = Plain(runner)
    model.set_source(None)
    emitted: list[int] = []
    model.stateChanged.connect(lambda: emitted.append(1))
    assert model.append_items([Row(2, "b"), Row(10, "a")]) == 2
    assert model.append_items([Row(2, "b")]) == 0  # already shown: no row, no signal
    assert len(emitted) == 1
    model.sort(0)
    assert [model.data(model.index(r, 0)) for r in range(2)] == ["a", "b"]
    assert model.data(model.index(0, 0), SortRole) == "a"
    model.sort(1)  # "10" before "2": as shown, text
    assert [model.data(model.index(r, 1), SortRole) for r in range(2)] == ["10", "2"]
    assert model.remove_id(2) and model.loaded_count == 1  # no walk to tell


def test_a_late_failure_or_cancel_of_an_old_list_is_ignored(
    runner: TaskRunner, qtbot: QtBot
) -> None:
    release = threading.Event()

    def failing(offset: int, limit: int) -> list[Row]:
        release.wait(10)
        raise NetworkError(detail="late")

    model = RowModel(runner, page_size=10)
    model.set_source(failing)
    model.fetchMore()
    qtbot.waitUntil(lambda: runner.pending == 1, timeout=10_000)
    model.set_source(Server(_rows(2)))  # the user moved on
    release.set()
    qtbot.waitUntil(lambda: runner.idle, timeout=10_000)
    assert (model.state, model.error) == (LoadState.IDLE, None)
    release.clear()
    model.set_source(failing)
    model.fetchMore()
    qtbot.waitUntil(lambda: runner.pending == 1, timeout=10_000)
    model.set_source(Server(_rows(2)))
    runner.cancel_all()
    release.set()
    qtbot.waitUntil(lambda: runner.idle, timeout=10_000)
    assert model.state is LoadState.IDLE


def test_a_new_model_shows_nothing_and_fetches_nothing(runner: TaskRunner) -> None:
    from PySide6.QtCore import QObject

    owner = QObject()
    model = RowModel(runner, parent=owner)
    assert model.parent() is owner
    assert (model.has_source, model.canFetchMore(), model.walk) == (False, False, None)
    assert (model.state, model.error, model.exhausted, model.loading) == (
        LoadState.IDLE,
        None,
        False,
        False,
    )
    assert (model.rowCount(), model.loaded_count, model.sort_column) == (0, 0, -1)
    model.sort(0)
    model.append_items([Row(3, "c"), Row(1, "a")])  # not loading all: sorted at once
    assert [model.data(model.index(r, 0)) for r in range(2)] == ["1", "3"]


def test_after_load_all_rows_are_sorted_as_they_arrive_again(runner: TaskRunner) -> None:
    model = RowModel(runner)
    model.set_source(Server([]))
    model.sort(0)
    generation = model.begin_bulk_load()
    model.append_items([Row(5, "e"), Row(4, "d")])
    model.end_bulk_load(generation, complete=False)
    model.append_items([Row(2, "b")])
    assert [model.data(model.index(r, 0)) for r in range(3)] == ["2", "4", "5"]


def test_rows_inserted_are_announced_exactly(runner: TaskRunner) -> None:
    model = PrefixedModel(runner)
    model.set_source(Server([]))
    inserted: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))
    model.append_items([Row(1, "a"), Row(2, "b")])
    model.append_items([Row(3, "c"), Row(2, "b"), Row(4, "d"), Row(5, "e")])
    assert inserted == [(1, 2), (3, 5)]


def test_a_page_of_an_old_list_never_lands_in_a_new_one(runner: TaskRunner, qtbot: QtBot) -> None:
    release = threading.Event()

    def old(offset: int, limit: int) -> list[Row]:
        release.wait(10)
        return _rows(3)

    model = RowModel(runner, page_size=10)
    model.set_source(old)
    model.fetchMore()
    qtbot.waitUntil(lambda: runner.pending == 1, timeout=10_000)
    model.stop()  # Stop, then another list: neither may take the old page
    model.set_source(Server([Row(100, "new")]))
    release.set()
    qtbot.waitUntil(lambda: runner.idle, timeout=10_000)
    assert model.loaded_count == 0
    _load(model, qtbot)
    assert [r.id for r in model.items] == [100]


def test_a_failed_page_is_logged_with_its_detail(
    runner: TaskRunner, qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    caplog.set_level(logging.INFO, logger="sdx_desktop.ui.paged_model")
    server = Server(_rows(3))
    server.fail.set()
    model = RowModel(runner, page_size=10)
    model.set_source(server)
    _load(model, qtbot)
    assert "Loading a page failed: unplugged" in caplog.messages


def test_cells_show_their_own_column_and_prefix_rows_their_own_cell(runner: TaskRunner) -> None:
    class Grid(PrefixedModel):
        PREFIX_ROWS = 2

        def prefix_data(self, row: int, column: int, role: int) -> object:
            return f"prefix {row},{column}" if role == Qt.ItemDataRole.DisplayRole else None

    model = Grid(runner)
    model.set_source(None)
    model.append_items([Row(7, "seven"), Row(3, "three")])
    assert model.data(model.index(1, 1)) == "prefix 1,1"
    assert [model.data(model.index(2, c)) for c in (0, 1)] == ["7", "seven"]
    model.sort(0)  # by id, which is not the names' order
    assert [model.data(model.index(r, 1)) for r in (2, 3)] == ["three", "seven"]


def test_defaults_pages_of_a_hundred_and_display_headers(runner: TaskRunner, qtbot: QtBot) -> None:
    server = Server(_rows(3))
    model = RowModel(runner)
    model.set_source(server)
    _load(model, qtbot)
    assert server.asked == [(0, 100)]
    assert model.headerData(1, Qt.Orientation.Horizontal) == "Name"  # DisplayRole by default

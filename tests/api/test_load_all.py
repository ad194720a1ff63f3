"""Loading a whole survey concurrently although the API gives no total."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from sdx_desktop.api import errors, paging
from sdx_desktop.api.client import SdxClient
from sdx_desktop.api.paging import walk_pages
from sdx_desktop.sandbox import SandboxServer


@pytest.mark.parametrize("count", [0, 1, 999, 1000, 3000, 3001])
def test_survey_of_exact_sizes(client: SdxClient, sandbox: SandboxServer, count: int) -> None:
    survey_id = sandbox.store.create_survey(f"Exactly {count} tags")
    sandbox.store.bulk_create_tags(survey_id, count)
    tags = list(client.iter_all_tags(survey_id=survey_id))
    assert [t.id for t in tags] == sorted(sandbox.store.tag_ids(survey_id=survey_id))
    assert len(tags) == count


def test_requests_stop_soon_after_the_end(
    fresh_sandbox: SandboxServer, fresh_client: SdxClient
) -> None:
    survey_id = fresh_sandbox.store.create_survey("Counted")
    fresh_sandbox.store.bulk_create_tags(survey_id, 2500)
    fresh_sandbox.reset_request_count()
    tags = list(fresh_client.iter_all_tags(survey_id=survey_id, page_size=100, concurrency=4))
    assert len(tags) == 2500
    # Pages overlap by 2 rows (98 new rows each): 26 pages hold the data, the 26th short;
    # pages are planned up to twice the concurrency ahead, so at most 2 * 4 - 1
    # speculative extras (fewer when the walk ends before the pool starts them).
    assert 26 <= fresh_sandbox.request_count <= 26 + 2 * 4 - 1


def test_cancel_stops_at_a_page_boundary(
    fresh_sandbox: SandboxServer, fresh_client: SdxClient
) -> None:
    survey_id = fresh_sandbox.store.create_survey("Cancelled")
    fresh_sandbox.store.bulk_create_tags(survey_id, 5000)
    cancel = threading.Event()
    got = 0
    with pytest.raises(errors.CancelledError):
        for page in fresh_client.iter_tag_pages(survey_id=survey_id, page_size=500, cancel=cancel):
            got += len(page)
            cancel.set()
    assert got == 500


def test_a_failing_page_raises_and_stops() -> None:
    # A fault on one page exactly, after the client's own retries, is not something the
    # sandbox can aim at one offset: a plain list stands in for the server here.
    rows = [Row(i) for i in range(1, 100)]

    def fetch(offset: int, limit: int) -> list[Row]:
        if offset >= 20:
            raise errors.ServerError()
        return rows[offset : offset + limit]

    seen: list[int] = []
    with pytest.raises(errors.ServerError):
        for page in walk_pages(fetch, page_size=10, concurrency=3):
            seen.extend(r.id for r in page)
    # Pages at 0 and 9 (one row of overlap) were taken; the one at 18 holds rows 19..28.
    assert seen == list(range(1, 29))


@dataclass(frozen=True)
class Row:
    id: int


def test_one_page_at_a_time_over_several_pages() -> None:
    rows = [Row(i) for i in range(1, 26)]

    def fetch(offset: int, limit: int) -> list[Row]:
        return rows[offset : offset + limit]

    pages = list(walk_pages(fetch, page_size=10, concurrency=1))
    assert [r.id for page in pages for r in page] == list(range(1, 26))


def test_one_page_at_a_time_asks_only_for_the_pages_it_needs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # One interaction's tags are read with concurrency=1: no speculative page may even be
    # queued (it would be a request the engine does not account for, one that can still
    # go out after the walk has returned). Submissions are counted, not executions, so
    # the check does not depend on which thread wins a race.
    submitted: list[int] = []

    class CountingPool(ThreadPoolExecutor):
        def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def]
            submitted.append(args[0])
            return super().submit(fn, *args, **kwargs)

    monkeypatch.setattr(paging, "ThreadPoolExecutor", CountingPool)
    rows = [Row(i) for i in range(1, 26)]

    def fetch(offset: int, limit: int) -> list[Row]:
        return rows[offset : offset + limit]

    walked = [r.id for page in walk_pages(fetch, page_size=10, concurrency=1) for r in page]
    assert walked == list(range(1, 26))
    assert submitted == [0, 9, 18]
    submitted.clear()
    walked = [r.id for page in walk_pages(fetch, page_size=100, concurrency=1) for r in page]
    assert walked == list(range(1, 26))
    assert submitted == [0]

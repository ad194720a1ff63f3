"""Loading a whole survey concurrently although the API gives no total."""

from __future__ import annotations

import threading

import pytest

from sdx_desktop.api import errors
from sdx_desktop.api.client import SdxClient
from sdx_desktop.api.paging import iter_pages
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
    # 26 pages hold the data (the 26th is empty); at most concurrency-1 speculative extras.
    assert 26 <= fresh_sandbox.request_count <= 26 + 3


def test_duplicates_from_shifted_pages_are_dropped() -> None:
    # Rows shift between pages when someone adds a tag mid-load: page 2 repeats row 3.
    pages = {0: [1, 2, 3], 3: [3, 4, 5], 6: [6]}
    from sdx_desktop.api.models import Tag

    def fetch(offset: int, limit: int) -> list[Tag]:
        return [Tag(i, 1, "k", "v") for i in pages.get(offset, [])]

    class FakeClient(SdxClient):
        def __init__(self) -> None:
            self.concurrency = 2

        def list_tags(self, **kw: object) -> list[Tag]:  # type: ignore[override]
            return fetch(int(kw["offset"]), int(kw["limit"]))  # type: ignore[call-overload]

    # The sandbox cannot shift rows on cue between two concurrent page requests, so
    # this one test feeds pages in directly.
    ids = [t.id for t in FakeClient().iter_all_tags(survey_id=1, page_size=3)]
    assert ids == [1, 2, 3, 4, 5, 6]


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
    def fetch(offset: int, limit: int) -> list[int]:
        if offset >= 20:
            raise errors.ServerError()
        return list(range(offset, offset + limit))

    seen: list[int] = []
    with pytest.raises(errors.ServerError):
        for page in iter_pages(fetch, page_size=10, concurrency=3):
            seen.extend(page)
    assert seen == list(range(20))

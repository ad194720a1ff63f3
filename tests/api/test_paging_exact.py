"""Paging that never skips a row: the walk against the sandbox while a second client
changes the same list, over real HTTP, in both orders and several page sizes."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sdx_desktop.api import errors
from sdx_desktop.api.client import SdxClient
from sdx_desktop.api.models import Tag
from sdx_desktop.api.paging import PageWalk, walk_pages
from sdx_desktop.sandbox import SandboxServer

from ..helpers import make_client


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    server = SandboxServer.start(sample="none")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def reader(server: SandboxServer) -> Iterator[SdxClient]:
    with make_client(server) as c:
        yield c


@pytest.fixture(scope="module")
def writer(server: SandboxServer) -> Iterator[SdxClient]:
    """The second person, changing the list through the API while the walk runs."""
    with make_client(server) as c:
        yield c


def _survey(server: SandboxServer, tags: int, per_interaction: int = 5) -> int:
    survey_id = server.store.create_survey("Walked")
    server.store.bulk_create_tags(survey_id, tags, per_interaction=per_interaction)
    return survey_id


# One change of the second client: (kind, a number picking the row or interaction).
change = st.tuples(st.sampled_from(["delete", "insert", "upsert"]), st.integers(0, 10_000))


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    size=st.integers(0, 90),
    page_size=st.sampled_from([2, 3, 5, 10, 25]),
    order=st.sampled_from(["ASC", "DESC"]),
    schedule=st.lists(st.lists(change, max_size=4), max_size=40),
)
def test_no_row_that_lived_throughout_is_missed_or_repeated(
    server: SandboxServer,
    reader: SdxClient,
    writer: SdxClient,
    size: int,
    page_size: int,
    order: str,
    schedule: list[list[tuple[str, int]]],
) -> None:
    survey_id = _survey(server, size)
    interactions = server.store.interaction_ids(survey_id) or [
        server.store.create_interaction(survey_id)
    ]
    before = server.store.tag_ids(survey_id=survey_id)
    touched: set[int] = set()  # deleted during the walk: may or may not be returned
    walk: PageWalk[Tag] = PageWalk(page_size, order=order)  # type: ignore[arg-type]
    got: list[int] = []
    turn = 0
    while not walk.done:
        # The second client's changes land between this page and the last one.
        for kind, pick in schedule[turn] if turn < len(schedule) else []:
            live = sorted(server.store.tag_ids(survey_id=survey_id))
            if kind == "delete" and live:
                victim = live[pick % len(live)]
                writer.delete_tag(victim)
                touched.add(victim)
            elif kind == "insert":
                writer.set_tag(interactions[pick % len(interactions)], f"new_{pick}", "v")
            elif kind == "upsert" and live:
                tag = writer.get_tag(live[pick % len(live)])
                writer.set_tag(tag.interaction_id, tag.custom_key, f"changed {pick}")
        turn += 1
        offset = walk.next_offset()
        page = reader.list_tags(
            survey_id=survey_id,
            limit=page_size,
            offset=offset,
            order=order,  # type: ignore[arg-type]
        )
        got.extend(t.id for t in walk.take(offset, page).rows)
        assert turn < 2_000, "the walk does not end"
    assert len(got) == len(set(got)), "a row was returned twice"
    lived_throughout = before - touched
    assert lived_throughout <= set(got), f"missed {sorted(lived_throughout - set(got))}"


def test_load_all_misses_nothing_while_the_lowest_ids_are_deleted(
    server: SandboxServer, reader: SdxClient, writer: SdxClient
) -> None:
    # The reported defect: 20,000 tags; another person deletes the 500 lowest ids
    # while Load all runs (8 pages in flight). Every other tag must come back once.
    survey_id = _survey(server, 20_000, per_interaction=10)
    ids = sorted(server.store.tag_ids(survey_id=survey_id))
    doomed = ids[:500]
    deleted = threading.Event()

    def fetch(offset: int, limit: int) -> list[Tag]:
        if offset >= 5_000 and not deleted.is_set():
            deleted.set()  # the pages before have been read: delete behind the walk
            for tag_id in doomed:
                writer.delete_tag(tag_id)
        return reader.list_tags(survey_id=survey_id, limit=limit, offset=offset)

    walk: PageWalk[Tag] = PageWalk(1000)
    got = [t.id for page in walk_pages(fetch, page_size=1000, walk=walk) for t in page]
    assert deleted.is_set()
    assert len(got) == len(set(got))
    assert set(ids[500:]) <= set(got)
    assert walk.refused >= 1, "the deletes shifted the pages: the walk had to step back"


def test_inserts_at_the_top_of_a_newest_first_list_are_not_returned_twice(
    server: SandboxServer, reader: SdxClient, writer: SdxClient
) -> None:
    survey_id = _survey(server, 300)
    interaction = server.store.interaction_ids(survey_id)[0]
    walk: PageWalk[Tag] = PageWalk(50, order="DESC")
    got: list[int] = []
    while not walk.done:
        for n in range(7):  # more inserts than the overlap, before every page
            writer.set_tag(interaction, f"k{walk.requests}_{n}", "v")
        offset = walk.next_offset()
        page = reader.list_tags(survey_id=survey_id, limit=50, offset=offset, order="DESC")
        got.extend(t.id for t in walk.take(offset, page).rows)
    assert len(got) == len(set(got))
    assert (
        server.store.tag_ids(survey_id=survey_id)
        >= set(got)
        >= set(sorted(server.store.tag_ids(survey_id=survey_id))[:300])
    )


def test_the_overlap_costs_about_two_percent(server: SandboxServer, reader: SdxClient) -> None:
    survey_id = _survey(server, 100_000, per_interaction=10)
    walk: PageWalk[Tag] = PageWalk(1000)
    count = sum(
        len(page) for page in reader.iter_tag_pages(survey_id=survey_id, concurrency=8, walk=walk)
    )
    assert count == 100_000
    # 100 pages without overlap (plus the short end); 20 rows of overlap → 103 pages.
    assert walk.requests == 103 and walk.refused == 0
    assert walk.requests / 101 <= 1.05


def test_a_server_that_ignores_the_offset_ends_with_a_plain_error(
    fresh_sandbox: SandboxServer, fresh_client: SdxClient
) -> None:
    survey_id = _survey(fresh_sandbox, 3000)
    fresh_sandbox.set_quirks(ignore_offset=True)
    fresh_sandbox.reset_request_count()
    with pytest.raises(errors.ProtocolError) as info:
        list(fresh_client.iter_all_tags(survey_id=survey_id, page_size=100))
    assert "kept sending the same rows" in str(info.value)
    assert fresh_sandbox.request_count < 100  # bounded, not endless


def test_the_same_id_twice_in_a_page_is_one_row(
    fresh_sandbox: SandboxServer, fresh_client: SdxClient
) -> None:
    survey_id = _survey(fresh_sandbox, 250)
    fresh_sandbox.set_quirks(duplicate_rows=True)
    tags = list(fresh_client.iter_all_tags(survey_id=survey_id, page_size=50))
    ids = [t.id for t in tags]
    assert len(ids) == len(set(ids))
    assert set(ids) == fresh_sandbox.store.tag_ids(survey_id=survey_id)


def test_rows_out_of_order_are_refused_plainly() -> None:
    # No sandbox switch scrambles the order (the contract fixes it): a list stands in.
    walk: PageWalk[Tag] = PageWalk(3)
    with pytest.raises(errors.ProtocolError) as info:
        walk.take(0, [Tag(3, 1, "k", "v"), Tag(1, 1, "k", "v"), Tag(2, 1, "k", "v")])
    assert "out of order" in str(info.value)

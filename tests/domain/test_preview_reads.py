"""What a survey-wide preview reads: the survey's tags always; its interactions only when
a set goes to an interaction that has no tag in the survey (an interaction with a tag
there exists and belongs to it). Against the in-memory fake and the sandbox."""

from __future__ import annotations

import threading
from collections.abc import Iterator

from sdx_desktop.api.models import Interaction, Tag
from sdx_desktop.domain import plans
from sdx_desktop.domain.operations import PER_INTERACTION_LIMIT, Change, preview
from sdx_desktop.sandbox import SandboxServer

from ..helpers import make_client
from .fake_api import FakeApi

MANY = 2 * PER_INTERACTION_LIMIT + 2  # half of them are enough to read the survey
SURVEY = 7


class CountingFake(FakeApi):
    def __init__(self) -> None:
        super().__init__()
        self.interaction_walks = 0

    def iter_interaction_pages(
        self, survey_id: int, *, cancel: threading.Event | None = None
    ) -> Iterator[list[Interaction]]:
        self.interaction_walks += 1
        return super().iter_interaction_pages(survey_id, cancel=cancel)


def _tagged_survey() -> tuple[CountingFake, list[Tag]]:
    fake = CountingFake()
    regions = []
    for n in range(MANY):
        fake.add_interaction(100 + n, SURVEY)
        regions.append(fake.put(100 + n, "region", "west" if n % 2 else "WEST"))
        fake.put(100 + n, "tier", "GOLD")
    fake.add_interaction(999, survey_id=SURVEY + 1)  # another survey's
    fake.put(999, "region", "west")
    return fake, regions


def test_a_find_and_replace_reads_the_tags_alone() -> None:
    fake, regions = _tagged_survey()
    rule = plans.ReplaceRule("west", "West", whole_value=False, match_case=True)
    plan = plans.plan_replace(regions, "region", rule, SURVEY)
    assert len(plan) == MANY // 2 > PER_INTERACTION_LIMIT
    seen = preview(fake, plan)
    assert fake.interaction_walks == 0
    assert seen.counts == {Change.OVERWRITE: len(regions) // 2}


def test_a_bulk_set_on_tagged_interactions_reads_the_tags_alone() -> None:
    fake, _ = _tagged_survey()
    ids = [100 + n for n in range(MANY)]
    seen = preview(fake, plans.plan_set_on_many(ids, "campaign", "spring", SURVEY))
    assert fake.interaction_walks == 0
    assert seen.counts == {Change.CREATE: MANY}
    removing = preview(fake, plans.plan_remove_key(list(fake.tags.values()), "tier", SURVEY))
    assert fake.interaction_walks == 0 and removing.counts == {Change.DELETE: MANY}


def test_an_interaction_without_tags_or_outside_the_survey_is_looked_up() -> None:
    fake, _ = _tagged_survey()
    fake.add_interaction(500, SURVEY)  # in the survey, no tag yet
    ids = [100 + n for n in range(MANY)] + [500, 999, 123_456]
    seen = preview(fake, plans.plan_set_on_many(ids, "campaign", "spring", SURVEY))
    assert fake.interaction_walks == 1
    change = {row.interaction_id: row.change for row in seen.rows}
    assert change[500] is Change.CREATE
    assert change[999] is Change.MISSING  # tagged, but in another survey
    assert change[123_456] is Change.MISSING  # no such interaction
    assert seen.counts[Change.CREATE] == MANY + 1


def _interaction_reads(server: SandboxServer) -> int:
    return sum(1 for _, path, _ in server.request_log if path == "/api/interactions")


def test_against_the_sandbox_interactions_are_read_only_when_needed(
    fresh_sandbox: SandboxServer,
) -> None:
    server = fresh_sandbox
    survey_id = server.store.create_survey("Preview reads")
    ids = [server.store.create_interaction(survey_id) for _ in range(MANY)]
    for interaction_id in ids:
        server.store.upsert_tag(interaction_id, "region", "west")
    bare = server.store.create_interaction(survey_id)
    with make_client(server) as client:
        regions = plans.read_key(client, survey_id, "region")
        rule = plans.ReplaceRule("west", "West")
        server.reset_request_count()
        seen = preview(client, plans.plan_replace(regions, "region", rule, survey_id))
        assert seen.counts == {Change.OVERWRITE: MANY}
        assert _interaction_reads(server) == 0

        server.reset_request_count()
        seen = preview(client, plans.plan_set_on_many([*ids, bare], "tier", "GOLD", survey_id))
        assert seen.counts == {Change.CREATE: MANY + 1}
        assert _interaction_reads(server) >= 1

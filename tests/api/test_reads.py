"""Every read endpoint the app uses, through the real client against the sandbox."""

from __future__ import annotations

import pytest

from sdx_desktop.api import errors
from sdx_desktop.api.client import SdxClient
from sdx_desktop.api.models import Interaction, Survey, Tag
from sdx_desktop.sandbox import SandboxServer


def test_list_and_get_surveys(client: SdxClient, sandbox: SandboxServer) -> None:
    surveys = client.list_surveys(limit=1000)
    assert {s.id for s in surveys} == set(sandbox.store.survey_ids())
    assert all(isinstance(s, Survey) and s.name for s in surveys)
    assert [s.id for s in surveys] == sorted(s.id for s in surveys)
    one = client.get_survey(surveys[0].id)
    assert one == surveys[0]
    assert one.greeting_text  # every documented field arrives


def test_survey_paging_walks_each_row_once(client: SdxClient) -> None:
    everything = client.list_surveys(limit=1000)
    walked = [
        s.id
        for off in range(0, len(everything) + 3, 3)
        for s in client.list_surveys(limit=3, offset=off)
    ]
    assert walked == [s.id for s in everything]
    desc = client.list_surveys(limit=1000, order="DESC")
    assert [s.id for s in desc] == [s.id for s in reversed(everything)]


def test_unknown_survey_is_not_found(client: SdxClient) -> None:
    with pytest.raises(errors.NotFoundError) as info:
        client.get_survey(987654321)
    assert "not found" in str(info.value)
    with pytest.raises(errors.NotFoundError):
        client.list_interactions(987654321)


def test_interactions_of_a_survey(client: SdxClient, sandbox: SandboxServer) -> None:
    survey_id = sandbox.store.survey_ids()[0]
    rows = client.list_interactions(survey_id, limit=1000, order="ASC")
    assert {r.id for r in rows} == set(sandbox.store.interaction_ids(survey_id))
    assert all(isinstance(r, Interaction) and r.survey_id == survey_id for r in rows)
    assert [r.id for r in rows] == sorted(r.id for r in rows)
    one = client.get_interaction(rows[0].id)
    assert one == rows[0] and one.tags is None


def test_interaction_filters_reach_the_server(client: SdxClient, sandbox: SandboxServer) -> None:
    survey_id = sandbox.store.survey_ids()[0]
    rows = client.list_interactions(survey_id, limit=1000)
    sample = next(r for r in rows if r.external_ref and r.email and r.agent_id)
    assert [
        r.id for r in client.list_interactions(survey_id, external_ref=sample.external_ref)
    ] == [sample.id]
    by_email = client.list_interactions(survey_id, email=sample.email, limit=1000)
    assert sample.id in {r.id for r in by_email} and {r.email for r in by_email} == {sample.email}
    by_agent = client.list_interactions(survey_id, agent_id=sample.agent_id, limit=1000)
    assert {r.agent_id for r in by_agent} == {sample.agent_id}
    by_type = client.list_interactions(survey_id, survey_type=sample.survey_type, limit=1000)
    assert {r.survey_type for r in by_type} == {sample.survey_type}
    completed = client.list_interactions(survey_id, completed=True, limit=1000)
    assert completed and {r.status for r in completed} == {"Completed"}
    day = sample.created_at[:10]
    by_date = client.list_interactions(start_date=day, end_date=day, limit=1000)
    assert sample.id in {r.id for r in by_date}
    assert all(r.created_at.startswith(day) for r in by_date)


def test_interactions_need_a_survey_or_dates(client: SdxClient) -> None:
    with pytest.raises(errors.BadRequestError) as info:
        client.list_interactions()
    assert "refused" in str(info.value)
    with pytest.raises(TypeError):
        client.list_interactions(1, colour="blue")  # type: ignore[arg-type]


def test_include_data_brings_the_tags(client: SdxClient, sandbox: SandboxServer) -> None:
    survey_id = sandbox.store.survey_ids()[0]
    rows = client.list_interactions(survey_id, limit=50, include_data=True)
    tagged = next(r for r in rows if r.tags)
    assert tagged.tags is not None
    assert {t.custom_key: t.custom_value for t in tagged.tags} == sandbox.store.live_tags(tagged.id)
    one = client.get_interaction(tagged.id, include_data=True)
    assert one.tags == tagged.tags


def test_tags_by_interaction_survey_and_key(client: SdxClient, sandbox: SandboxServer) -> None:
    survey_id = sandbox.store.survey_ids()[0]
    interaction_id = sandbox.store.interaction_ids(survey_id)[0]
    tags = client.list_tags(interaction_id=interaction_id, limit=1000)
    assert {t.custom_key: t.custom_value for t in tags} == sandbox.store.live_tags(interaction_id)
    assert all(isinstance(t, Tag) and t.interaction_id == interaction_id for t in tags)
    key = tags[0].custom_key
    assert client.find_tag(interaction_id, key) == tags[0]
    assert client.find_tag(interaction_id, key.swapcase() + "X") is None
    page = client.list_tags(survey_id=survey_id, limit=25, offset=5, order="ASC")
    ids = sorted(sandbox.store.tag_ids(survey_id=survey_id))
    assert [t.id for t in page] == ids[5:30]
    assert client.get_tag(page[0].id) == page[0]


def test_tag_list_needs_a_scope_and_sane_paging(client: SdxClient) -> None:
    with pytest.raises(ValueError):
        client.list_tags()
    with pytest.raises(ValueError):
        client.list_tags(survey_id=1, limit=1001)
    with pytest.raises(ValueError):
        client.list_tags(survey_id=1, offset=-1)


def test_bearer_token_works_and_wrong_credentials_do_not(sandbox: SandboxServer) -> None:
    from sdx_desktop.api.auth import BasicCredentials, TokenCredentials

    from ..helpers import make_client

    with make_client(sandbox, bearer=True) as c:
        assert c.list_surveys(limit=1)
    for bad in (TokenCredentials("nope"), BasicCredentials(sandbox.basic[0], "wrong")):
        with (
            SdxClient(bad, base_url=sandbox.base_url) as c,
            pytest.raises(errors.AuthError) as info,
        ):
            c.test_connection()
        assert "sign" in str(info.value).lower()

"""The client accepts every variant the contract leaves open (sandbox quirk switches)."""

from __future__ import annotations

import logging

import pytest

from sdx_desktop.api import errors
from sdx_desktop.api.client import DeleteResult, SdxClient
from sdx_desktop.sandbox import SandboxServer


def _empty_survey(server: SandboxServer) -> int:
    return server.store.create_survey("Nothing here yet")


@pytest.mark.parametrize("style", ["204", "array"])
def test_empty_lists_in_both_styles(
    fresh_sandbox: SandboxServer, fresh_client: SdxClient, style: str
) -> None:
    fresh_sandbox.set_quirks(empty_list=style)
    survey_id = _empty_survey(fresh_sandbox)
    assert fresh_client.list_interactions(survey_id) == []
    assert fresh_client.list_tags(survey_id=survey_id) == []
    assert list(fresh_client.iter_all_tags(survey_id=survey_id)) == []


@pytest.mark.parametrize("body", ["json", "html", "text", "empty"])
def test_error_bodies_of_every_shape(
    fresh_sandbox: SandboxServer, fresh_client: SdxClient, body: str
) -> None:
    fresh_sandbox.set_quirks(error_body=body)
    with pytest.raises(errors.NotFoundError) as info:
        fresh_client.get_survey(987654321)
    assert str(info.value).startswith("That item was not found")
    assert "<" not in str(info.value)
    assert info.value.status == 404
    with pytest.raises(errors.BadRequestError):
        fresh_client.list_interactions()


def test_numeric_string_ids(fresh_sandbox: SandboxServer, fresh_client: SdxClient) -> None:
    survey_id = fresh_sandbox.store.survey_ids()[0]
    plain = fresh_client.list_tags(survey_id=survey_id, limit=20)
    fresh_sandbox.set_quirks(ids_as_strings=True)
    stringy = fresh_client.list_tags(survey_id=survey_id, limit=20)
    assert stringy == plain
    assert all(isinstance(t.id, int) and isinstance(t.interaction_id, int) for t in stringy)
    interaction = fresh_client.list_interactions(survey_id, limit=1)[0]
    assert isinstance(interaction.survey_id, int)


def test_extra_fields_kept_and_missing_ones_defaulted(
    fresh_sandbox: SandboxServer, fresh_client: SdxClient
) -> None:
    survey_id = fresh_sandbox.store.survey_ids()[0]
    fresh_sandbox.set_quirks(
        extra_fields=True, omit_fields=frozenset({"updated_at", "description"})
    )
    tag = fresh_client.list_tags(survey_id=survey_id, limit=1)[0]
    assert tag.updated_at == "" and tag.extra
    survey = fresh_client.get_survey(survey_id)
    assert survey.description == "" and survey.name and survey.extra


@pytest.mark.parametrize("post_status", [200, 201])
@pytest.mark.parametrize("delete_status", [200, 202, 204])
def test_write_statuses(
    fresh_sandbox: SandboxServer, fresh_client: SdxClient, post_status: int, delete_status: int
) -> None:
    fresh_sandbox.set_quirks(post_status=post_status, delete_status=delete_status)
    interaction_id = fresh_sandbox.store.interaction_ids(fresh_sandbox.store.survey_ids()[0])[0]
    tag = fresh_client.set_tag(interaction_id, "status_check", "ok")
    assert tag.custom_value == "ok"
    assert fresh_client.delete_tag(tag.id) is DeleteResult.DELETED
    assert "status_check" not in fresh_sandbox.store.live_tags(interaction_id)


@pytest.mark.parametrize("kind", ["truncated", "html", "empty", "wrong_types"])
def test_malformed_answers_are_protocol_errors(
    fresh_sandbox: SandboxServer,
    fresh_client: SdxClient,
    kind: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    survey_id = fresh_sandbox.store.survey_ids()[0]
    fresh_sandbox.set_faults(malformed_rate=1.0, malformed_kind=kind)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(errors.ProtocolError) as info:
        fresh_client.list_tags(survey_id=survey_id)
    assert "could not read" in str(info.value)
    with pytest.raises(errors.ProtocolError):
        fresh_client.get_survey(survey_id)

"""Behaviour that once had no test able to fail: each case here is made by a sandbox
switch, so a change that breaks it fails a test."""

from __future__ import annotations

import pytest

from sdx_desktop.api import errors
from sdx_desktop.api.auth import TokenCredentials
from sdx_desktop.api.client import SdxClient
from sdx_desktop.api.http import RetryPolicy
from sdx_desktop.api.models import DeleteResult
from sdx_desktop.domain import plans
from sdx_desktop.domain.operations import Change, preview
from sdx_desktop.sandbox import SandboxServer

from ..helpers import make_client

THREE_TRIES = RetryPolicy(attempts=3, backoff=0.0, max_wait=0.05)


def test_a_503_without_retry_after_is_retried(fresh_sandbox: SandboxServer) -> None:
    # A 503 with Retry-After is retried by urllib3 whatever the status list says; without
    # the header, only 503 being in the list makes it retry.
    fresh_sandbox.set_faults(status_rates={503: 1.0}, retry_after_statuses=frozenset())
    with make_client(fresh_sandbox, retry=THREE_TRIES) as client:
        fresh_sandbox.reset_request_count()
        with pytest.raises(errors.ServerError):
            client.list_surveys()
    assert fresh_sandbox.request_count == 1 + THREE_TRIES.attempts


def test_a_token_without_rights_is_a_sign_in_problem(fresh_sandbox: SandboxServer) -> None:
    fresh_sandbox.forbidden_bearer = "read-nothing-token"
    with (
        SdxClient(
            TokenCredentials("read-nothing-token"), base_url=fresh_sandbox.base_url
        ) as client,
        pytest.raises(errors.AuthError) as info,
    ):
        client.list_surveys()
    assert info.value.status == 403
    assert str(info.value).startswith("Survey Dynamix did not accept the sign-in details.")


def test_a_server_that_says_404_for_deleted_tags(
    fresh_sandbox: SandboxServer, fresh_client: SdxClient
) -> None:
    fresh_sandbox.set_quirks(deleted_status=404)
    survey_id = fresh_sandbox.store.create_survey("404 for deleted")
    interaction_id = fresh_sandbox.store.create_interaction(survey_id)
    tag = fresh_client.set_tag(interaction_id, "tier", "GOLD")
    assert fresh_client.delete_tag(tag.id) is DeleteResult.DELETED
    # Deleting again, or deleting what someone else deleted: already gone, not an error.
    assert fresh_client.delete_tag(tag.id) is DeleteResult.ALREADY_GONE
    with pytest.raises(errors.NotFoundError):
        fresh_client.get_tag(tag.id)
    (row,) = preview(fresh_client, plans.plan_delete([tag])).rows
    assert row.change is Change.MISSING


def test_keys_stay_case_sensitive_when_the_server_filters_loosely(
    fresh_sandbox: SandboxServer, fresh_client: SdxClient
) -> None:
    fresh_sandbox.set_quirks(loose_key_filter=True)
    survey_id = fresh_sandbox.store.create_survey("Loose keys")
    interaction_id = fresh_sandbox.store.create_interaction(survey_id)
    fresh_client.set_tag(interaction_id, "TIER", "upper")
    # The server's filter now answers "tier" with the TIER tag...
    loose = fresh_client.list_tags(interaction_id=interaction_id, custom_key="tier")
    assert [t.custom_key for t in loose] == ["TIER"]
    # ...but the client never takes it for "tier".
    assert fresh_client.find_tag(interaction_id, "tier") is None
    assert plans.read_key(fresh_client, survey_id, "tier") == []
    found = fresh_client.find_tag(interaction_id, "TIER")
    assert found is not None and found.custom_value == "upper"

"""Upsert, delete, and the key rule before the network."""

from __future__ import annotations

import pytest

from sdx_desktop.api import errors
from sdx_desktop.api.client import DeleteResult, SdxClient
from sdx_desktop.domain.keys import KeyRuleError
from sdx_desktop.sandbox import SandboxServer


@pytest.fixture
def interaction_id(sandbox: SandboxServer) -> int:
    survey_id = sandbox.store.create_survey("Writes under test")
    return sandbox.store.create_interaction(survey_id)


def test_set_tag_creates_then_upserts_keeping_the_id(
    client: SdxClient, sandbox: SandboxServer, interaction_id: int
) -> None:
    created = client.set_tag(interaction_id, "tier", "SILVER")
    assert (created.interaction_id, created.custom_key, created.custom_value) == (
        interaction_id,
        "tier",
        "SILVER",
    )
    updated = client.set_tag(interaction_id, "tier", "GOLD")
    assert updated.id == created.id
    assert updated.custom_value == "GOLD"
    assert updated.updated_at != created.updated_at
    assert updated.created_at == created.created_at
    assert sandbox.store.live_tags(interaction_id) == {"tier": "GOLD"}


def test_keys_are_case_sensitive_and_values_free(
    client: SdxClient, sandbox: SandboxServer, interaction_id: int
) -> None:
    client.set_tag(interaction_id, "Tier", "A")
    client.set_tag(interaction_id, "tier", "")
    long_value = "é" * 65_535
    client.set_tag(interaction_id, "notes", long_value)
    assert sandbox.store.live_tags(interaction_id) == {"Tier": "A", "tier": "", "notes": long_value}
    with pytest.raises(errors.BadRequestError) as info:
        client.set_tag(interaction_id, "notes", "x" * 65_536)
    assert "65" in str(info.value) or "long" in str(info.value).lower()


def test_invalid_key_never_reaches_the_network(
    client: SdxClient, sandbox: SandboxServer, interaction_id: int
) -> None:
    before = sandbox.request_count
    with pytest.raises(KeyRuleError, match="start with a letter"):
        client.set_tag(interaction_id, "9lives", "x")
    assert sandbox.request_count == before


def test_unknown_interaction_is_not_found(client: SdxClient) -> None:
    with pytest.raises(errors.NotFoundError):
        client.set_tag(987654321, "tier", "GOLD")


def test_delete_then_get_is_gone_and_second_delete_is_already_gone(
    client: SdxClient, interaction_id: int
) -> None:
    tag = client.set_tag(interaction_id, "REGION", "NORTH")
    assert client.delete_tag(tag.id) is DeleteResult.DELETED
    with pytest.raises(errors.GoneError) as info:
        client.get_tag(tag.id)
    assert "deleted" in str(info.value)
    assert client.delete_tag(tag.id) is DeleteResult.ALREADY_GONE
    assert client.delete_tag(987654321) is DeleteResult.ALREADY_GONE
    again = client.set_tag(interaction_id, "REGION", "SOUTH")
    assert again.id != tag.id

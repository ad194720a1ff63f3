"""Save and delete checks (domain/edits.py) against the real sandbox over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sdx_desktop.api.client import DeleteResult, SdxClient
from sdx_desktop.api.errors import ServerError
from sdx_desktop.api.http import RetryPolicy
from sdx_desktop.api.models import Tag
from sdx_desktop.domain.edits import (
    ChangedMeanwhile,
    ClearToSave,
    DeletedMeanwhile,
    RenameHalfDone,
    Saved,
    SaveRequest,
    WouldOverwrite,
    apply_delete,
    apply_save,
    check_delete,
    check_save,
    has_changed,
)
from sdx_desktop.domain.keys import KeyRuleError
from sdx_desktop.sandbox import SandboxServer

from ..helpers import make_client

#: One try only: the injected fault is permanent, waiting for it to pass is pointless.
NO_RETRY = RetryPolicy(attempts=1, backoff=0.0, max_wait=0.01)


@pytest.fixture
def interaction_id(sandbox: SandboxServer) -> int:
    survey_id = sandbox.store.create_survey("Edits under test")
    return sandbox.store.create_interaction(survey_id)


def _tag(interaction_id: int, key: str = "tier", value: str = "GOLD", tag_id: int = 1) -> Tag:
    return Tag(
        id=tag_id,
        interaction_id=interaction_id,
        custom_key=key,
        custom_value=value,
        created_at="2026-01-01 10:00:00",
        updated_at="2026-01-01 10:00:00",
    )


# --- SaveRequest ---------------------------------------------------------------------


def test_save_request_for_a_new_tag_is_neither_noop_nor_rename() -> None:
    request = SaveRequest(interaction_id=5, key="tier", value="GOLD")
    assert not request.is_noop
    assert not request.is_rename


def test_save_request_with_nothing_changed_is_a_noop() -> None:
    original = _tag(5)
    request = SaveRequest(5, "tier", "GOLD", original)
    assert request.is_noop
    assert not request.is_rename


def test_save_request_with_a_new_value_is_not_a_noop() -> None:
    request = SaveRequest(5, "tier", "SILVER", _tag(5))
    assert not request.is_noop
    assert not request.is_rename


def test_save_request_with_a_new_key_is_a_rename() -> None:
    request = SaveRequest(5, "level", "GOLD", _tag(5))
    assert request.is_rename
    assert not request.is_noop


def test_keys_differing_only_in_case_are_a_rename() -> None:
    assert SaveRequest(5, "Tier", "GOLD", _tag(5)).is_rename


def test_has_changed_sees_value_and_timestamp() -> None:
    loaded = _tag(5)
    assert not has_changed(loaded, loaded)
    assert has_changed(loaded, _tag(5, value="SILVER"))
    later = Tag(
        id=1,
        interaction_id=5,
        custom_key="tier",
        custom_value="GOLD",
        created_at=loaded.created_at,
        updated_at="2026-01-01 10:00:01",
    )
    assert has_changed(loaded, later)


# --- check_save ----------------------------------------------------------------------


def test_check_save_new_key_is_clear(client: SdxClient, interaction_id: int) -> None:
    client.set_tag(interaction_id, "other", "x")
    assert check_save(client, SaveRequest(interaction_id, "tier", "GOLD")) == ClearToSave()


def test_check_save_adding_an_existing_key_would_overwrite(
    client: SdxClient, interaction_id: int
) -> None:
    existing = client.set_tag(interaction_id, "tier", "SILVER")
    check = check_save(client, SaveRequest(interaction_id, "tier", "GOLD"))
    assert isinstance(check, WouldOverwrite)
    assert check.existing.id == existing.id
    assert check.existing.custom_value == "SILVER"


def test_check_save_key_of_other_case_does_not_overwrite(
    client: SdxClient, interaction_id: int
) -> None:
    client.set_tag(interaction_id, "Tier", "SILVER")
    assert check_save(client, SaveRequest(interaction_id, "tier", "GOLD")) == ClearToSave()


def test_check_save_same_key_on_another_interaction_does_not_overwrite(
    client: SdxClient, sandbox: SandboxServer, interaction_id: int
) -> None:
    survey_id = sandbox.store.create_survey("Edits, other interaction")
    other = sandbox.store.create_interaction(survey_id)
    client.set_tag(other, "tier", "SILVER")
    assert check_save(client, SaveRequest(interaction_id, "tier", "GOLD")) == ClearToSave()


def test_check_save_edit_of_unchanged_tag_is_clear(client: SdxClient, interaction_id: int) -> None:
    loaded = client.set_tag(interaction_id, "tier", "SILVER")
    request = SaveRequest(interaction_id, "tier", "GOLD", loaded)
    assert check_save(client, request) == ClearToSave()


def test_check_save_edit_after_someone_changed_it(
    client: SdxClient, sandbox: SandboxServer, interaction_id: int
) -> None:
    loaded = client.set_tag(interaction_id, "tier", "SILVER")
    sandbox.store.set_tag_value_directly(loaded.id, "BRONZE")
    check = check_save(client, SaveRequest(interaction_id, "tier", "GOLD", loaded))
    assert isinstance(check, ChangedMeanwhile)
    assert check.loaded == loaded
    assert check.current.id == loaded.id
    assert check.current.custom_value == "BRONZE"


def test_check_save_edit_after_someone_deleted_it(client: SdxClient, interaction_id: int) -> None:
    loaded = client.set_tag(interaction_id, "tier", "SILVER")
    assert client.delete_tag(loaded.id) is DeleteResult.DELETED
    check = check_save(client, SaveRequest(interaction_id, "tier", "GOLD", loaded))
    assert check == DeletedMeanwhile(loaded)


def test_check_save_rename_to_an_existing_key_would_overwrite(
    client: SdxClient, interaction_id: int
) -> None:
    loaded = client.set_tag(interaction_id, "tier", "SILVER")
    taken = client.set_tag(interaction_id, "level", "3")
    check = check_save(client, SaveRequest(interaction_id, "level", "SILVER", loaded))
    assert isinstance(check, WouldOverwrite)
    assert check.existing.id == taken.id
    assert check.existing.custom_value == "3"


def test_check_save_rename_to_a_free_key_is_clear(client: SdxClient, interaction_id: int) -> None:
    loaded = client.set_tag(interaction_id, "tier", "SILVER")
    request = SaveRequest(interaction_id, "level", "SILVER", loaded)
    assert check_save(client, request) == ClearToSave()


@pytest.mark.parametrize(
    ("key", "reason_part"),
    [("1abc", "start with a letter"), ("", "empty"), ("my key", "spaces")],
)
def test_check_save_bad_key_raises_without_a_request(
    client: SdxClient, sandbox: SandboxServer, interaction_id: int, key: str, reason_part: str
) -> None:
    before = sandbox.request_count
    with pytest.raises(KeyRuleError, match=reason_part):
        check_save(client, SaveRequest(interaction_id, key, "x"))
    assert sandbox.request_count == before


def test_check_save_bad_new_key_on_edit_raises_without_a_request(
    client: SdxClient, sandbox: SandboxServer, interaction_id: int
) -> None:
    loaded = client.set_tag(interaction_id, "tier", "SILVER")
    before = sandbox.request_count
    with pytest.raises(KeyRuleError):
        check_save(client, SaveRequest(interaction_id, "ti-er", "x", loaded))
    assert sandbox.request_count == before


# --- apply_save ----------------------------------------------------------------------


def test_apply_save_creates_a_new_tag(
    client: SdxClient, sandbox: SandboxServer, interaction_id: int
) -> None:
    outcome = apply_save(client, SaveRequest(interaction_id, "tier", "GOLD"))
    assert isinstance(outcome, Saved)
    assert outcome.replaced_id is None
    assert (outcome.tag.interaction_id, outcome.tag.custom_key, outcome.tag.custom_value) == (
        interaction_id,
        "tier",
        "GOLD",
    )
    assert sandbox.store.live_tags(interaction_id) == {"tier": "GOLD"}
    assert sandbox.store.tag_ids(interaction_id=interaction_id) == {outcome.tag.id}


def test_apply_save_updates_keeping_the_id(
    client: SdxClient, sandbox: SandboxServer, interaction_id: int
) -> None:
    loaded = client.set_tag(interaction_id, "tier", "SILVER")
    outcome = apply_save(client, SaveRequest(interaction_id, "tier", "GOLD", loaded))
    assert isinstance(outcome, Saved)
    assert outcome.tag.id == loaded.id
    assert outcome.tag.custom_value == "GOLD"
    assert outcome.replaced_id is None
    assert sandbox.store.live_tags(interaction_id) == {"tier": "GOLD"}


def test_apply_save_renames_by_create_then_delete(
    client: SdxClient, sandbox: SandboxServer, interaction_id: int
) -> None:
    loaded = client.set_tag(interaction_id, "tier", "SILVER")
    outcome = apply_save(client, SaveRequest(interaction_id, "level", "SILVER", loaded))
    assert isinstance(outcome, Saved)
    assert outcome.replaced_id == loaded.id
    assert outcome.tag.id != loaded.id
    assert outcome.tag.custom_key == "level"
    assert sandbox.store.live_tags(interaction_id) == {"level": "SILVER"}
    row = sandbox.store.get_tag_row(loaded.id)
    assert row is not None and row["deleted"]


def test_apply_save_rename_when_old_is_already_gone_is_still_saved(
    client: SdxClient, sandbox: SandboxServer, interaction_id: int
) -> None:
    loaded = client.set_tag(interaction_id, "tier", "SILVER")
    client.delete_tag(loaded.id)
    outcome = apply_save(client, SaveRequest(interaction_id, "level", "SILVER", loaded))
    assert isinstance(outcome, Saved)
    assert outcome.replaced_id == loaded.id
    assert sandbox.store.live_tags(interaction_id) == {"level": "SILVER"}


def test_apply_save_bad_key_raises_without_a_request(
    client: SdxClient, sandbox: SandboxServer, interaction_id: int
) -> None:
    before = sandbox.request_count
    with pytest.raises(KeyRuleError, match="start with a letter"):
        apply_save(client, SaveRequest(interaction_id, "1abc", "x"))
    assert sandbox.request_count == before
    assert sandbox.store.live_tags(interaction_id) == {}


@pytest.fixture
def flaky_client(fresh_sandbox: SandboxServer) -> Iterator[SdxClient]:
    with make_client(fresh_sandbox, retry=NO_RETRY) as c:
        yield c


def test_apply_save_rename_half_done_when_the_delete_fails(
    flaky_client: SdxClient, fresh_sandbox: SandboxServer
) -> None:
    store = fresh_sandbox.store
    interaction_id = store.create_interaction(store.create_survey("Half-done rename"))
    loaded = flaky_client.set_tag(interaction_id, "tier", "SILVER")
    fresh_sandbox.set_faults(status_rates={503: 1.0}, methods=frozenset({"DELETE"}), retry_after=0)

    outcome = apply_save(flaky_client, SaveRequest(interaction_id, "level", "SILVER", loaded))

    assert isinstance(outcome, RenameHalfDone)
    assert outcome.old == loaded
    assert outcome.new.custom_key == "level"
    assert outcome.new.custom_value == "SILVER"
    assert isinstance(outcome.error, ServerError)
    # Both keys exist: the new one was saved, the old one could not be removed.
    assert store.live_tags(interaction_id) == {"tier": "SILVER", "level": "SILVER"}
    message = outcome.message
    assert "“level”" in message
    assert "“tier”" in message
    assert str(interaction_id) in message
    assert "Nothing was lost" in message


# --- deletes -------------------------------------------------------------------------


def test_check_delete_unchanged_is_clear(client: SdxClient, interaction_id: int) -> None:
    loaded = client.set_tag(interaction_id, "tier", "SILVER")
    assert check_delete(client, loaded) == ClearToSave()


def test_check_delete_changed_meanwhile(
    client: SdxClient, sandbox: SandboxServer, interaction_id: int
) -> None:
    loaded = client.set_tag(interaction_id, "tier", "SILVER")
    sandbox.store.set_tag_value_directly(loaded.id, "BRONZE")
    check = check_delete(client, loaded)
    assert isinstance(check, ChangedMeanwhile)
    assert check.loaded == loaded
    assert check.current.custom_value == "BRONZE"


def test_check_delete_deleted_meanwhile(client: SdxClient, interaction_id: int) -> None:
    loaded = client.set_tag(interaction_id, "tier", "SILVER")
    client.delete_tag(loaded.id)
    assert check_delete(client, loaded) == DeletedMeanwhile(loaded)


def test_check_delete_of_an_id_that_never_existed(client: SdxClient, interaction_id: int) -> None:
    ghost = _tag(interaction_id, tag_id=987_654_321)
    assert check_delete(client, ghost) == DeletedMeanwhile(ghost)


def test_apply_delete_removes_then_reports_already_gone(
    client: SdxClient, sandbox: SandboxServer, interaction_id: int
) -> None:
    loaded = client.set_tag(interaction_id, "tier", "SILVER")
    client.set_tag(interaction_id, "keep", "me")
    assert apply_delete(client, loaded) is DeleteResult.DELETED
    assert sandbox.store.live_tags(interaction_id) == {"keep": "me"}
    assert apply_delete(client, loaded) is DeleteResult.ALREADY_GONE

"""The edit dialog's save and delete checks, as the operations engine makes them, against
the real sandbox over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sdx_desktop.api.client import DeleteResult, SdxClient
from sdx_desktop.api.errors import ServerError
from sdx_desktop.api.http import RetryPolicy
from sdx_desktop.api.models import Tag
from sdx_desktop.domain.edits import RenameHalfDone, Saved, SaveOutcome, SaveRequest, save_outcome
from sdx_desktop.domain.operations import Change, Planned, apply, has_changed, preview
from sdx_desktop.domain.plans import plan_delete, plan_save
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


def test_save_request_for_a_new_tag_is_not_a_noop_and_plans_an_add() -> None:
    request = SaveRequest(interaction_id=5, key="tier", value="GOLD")
    assert not request.is_noop
    assert plan_save(5, "tier", "GOLD", None).kind == "add"


def test_save_request_with_nothing_changed_is_a_noop() -> None:
    original = _tag(5)
    request = SaveRequest(5, "tier", "GOLD", original)
    assert request.is_noop
    assert plan_save(5, "tier", "GOLD", original).kind == "edit"


def test_save_request_with_a_new_value_is_not_a_noop() -> None:
    request = SaveRequest(5, "tier", "SILVER", _tag(5))
    assert not request.is_noop
    assert plan_save(5, "tier", "SILVER", _tag(5)).kind == "edit"


def test_save_request_with_a_new_key_is_a_rename() -> None:
    request = SaveRequest(5, "level", "GOLD", _tag(5))
    assert not request.is_noop
    plan = plan_save(5, "level", "GOLD", _tag(5))
    assert plan.kind == "rename"
    assert [type(op).__name__ for op in plan.operations] == ["SetTag", "DeleteTag"]


def test_keys_differing_only_in_case_are_a_rename() -> None:
    assert plan_save(5, "Tier", "GOLD", _tag(5)).kind == "rename"


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


# --- what a save would do (the dialog's questions) -----------------------------------


def _check(client: SdxClient, request: SaveRequest) -> list[Planned]:
    plan = plan_save(request.interaction_id, request.key, request.value, request.original)
    return list(preview(client, plan).rows)


def _save(client: SdxClient, request: SaveRequest, force: tuple[int, ...] = ()) -> SaveOutcome:
    plan = plan_save(request.interaction_id, request.key, request.value, request.original)
    outcome = save_outcome(apply(client, preview(client, plan), force=force))
    assert outcome is not None
    return outcome


def test_a_new_key_is_a_create(client: SdxClient, interaction_id: int) -> None:
    client.set_tag(interaction_id, "other", "x")
    (row,) = _check(client, SaveRequest(interaction_id, "tier", "GOLD"))
    assert row.change is Change.CREATE


def test_adding_an_existing_key_would_overwrite(client: SdxClient, interaction_id: int) -> None:
    existing = client.set_tag(interaction_id, "tier", "SILVER")
    (row,) = _check(client, SaveRequest(interaction_id, "tier", "GOLD"))
    assert row.change is Change.OVERWRITE
    assert row.current is not None and row.current.id == existing.id
    assert row.old_value == "SILVER"


def test_a_key_of_other_case_does_not_overwrite_but_is_warned_about(
    client: SdxClient, interaction_id: int
) -> None:
    client.set_tag(interaction_id, "Tier", "SILVER")
    (row,) = _check(client, SaveRequest(interaction_id, "tier", "GOLD"))
    assert row.change is Change.CREATE
    assert row.case_twin == "Tier"


def test_the_same_key_on_another_interaction_does_not_overwrite(
    client: SdxClient, sandbox: SandboxServer, interaction_id: int
) -> None:
    survey_id = sandbox.store.create_survey("Edits, other interaction")
    other = sandbox.store.create_interaction(survey_id)
    client.set_tag(other, "tier", "SILVER")
    (row,) = _check(client, SaveRequest(interaction_id, "tier", "GOLD"))
    assert row.change is Change.CREATE


def test_an_edit_of_an_unchanged_tag_overwrites_without_a_conflict(
    client: SdxClient, interaction_id: int
) -> None:
    loaded = client.set_tag(interaction_id, "tier", "SILVER")
    (row,) = _check(client, SaveRequest(interaction_id, "tier", "GOLD", loaded))
    assert row.change is Change.OVERWRITE


def test_an_edit_after_someone_changed_it_is_a_conflict(
    client: SdxClient, sandbox: SandboxServer, interaction_id: int
) -> None:
    loaded = client.set_tag(interaction_id, "tier", "SILVER")
    sandbox.store.set_tag_value_directly(loaded.id, "BRONZE")
    (row,) = _check(client, SaveRequest(interaction_id, "tier", "GOLD", loaded))
    assert row.change is Change.CONFLICT
    assert row.current is not None
    assert (row.current.id, row.current.custom_value) == (loaded.id, "BRONZE")


def test_an_edit_after_someone_saved_the_same_value_is_not_a_conflict(
    client: SdxClient, sandbox: SandboxServer, interaction_id: int
) -> None:
    # Often the user's own earlier save whose answer was lost.
    loaded = client.set_tag(interaction_id, "tier", "SILVER")
    sandbox.store.set_tag_value_directly(loaded.id, "GOLD")
    (row,) = _check(client, SaveRequest(interaction_id, "tier", "GOLD", loaded))
    assert row.change is Change.UNCHANGED


def test_an_edit_after_someone_deleted_it_is_a_conflict_with_no_current(
    client: SdxClient, interaction_id: int
) -> None:
    loaded = client.set_tag(interaction_id, "tier", "SILVER")
    assert client.delete_tag(loaded.id) is DeleteResult.DELETED
    (row,) = _check(client, SaveRequest(interaction_id, "tier", "GOLD", loaded))
    assert row.change is Change.CONFLICT and row.current is None


def test_a_rename_to_an_existing_key_would_overwrite(
    client: SdxClient, interaction_id: int
) -> None:
    loaded = client.set_tag(interaction_id, "tier", "SILVER")
    taken = client.set_tag(interaction_id, "level", "3")
    new, old = _check(client, SaveRequest(interaction_id, "level", "SILVER", loaded))
    assert new.change is Change.OVERWRITE and new.current is not None
    assert (new.current.id, new.old_value) == (taken.id, "3")
    assert old.change is Change.DELETE


def test_a_rename_to_a_free_key_is_create_then_delete(
    client: SdxClient, interaction_id: int
) -> None:
    loaded = client.set_tag(interaction_id, "tier", "SILVER")
    rows = _check(client, SaveRequest(interaction_id, "level", "SILVER", loaded))
    assert [r.change for r in rows] == [Change.CREATE, Change.DELETE]


@pytest.mark.parametrize(
    ("key", "reason_part"),
    [("1abc", "start with a letter"), ("", "empty"), ("my key", "not")],
)
def test_a_bad_key_is_invalid_and_nothing_is_written(
    client: SdxClient, sandbox: SandboxServer, interaction_id: int, key: str, reason_part: str
) -> None:
    (row,) = _check(client, SaveRequest(interaction_id, key, "x"))
    assert row.change is Change.INVALID and reason_part in row.reason
    plan = plan_save(interaction_id, key, "x", None)
    before = sandbox.request_count
    report = apply(client, preview(client, plan))
    assert save_outcome(report) is None
    # Only the preview's read went out; nothing was written.
    assert sandbox.request_count - before == 1
    assert sandbox.store.live_tags(interaction_id) == {}


# --- carrying out a save -------------------------------------------------------------


def test_a_save_creates_a_new_tag(
    client: SdxClient, sandbox: SandboxServer, interaction_id: int
) -> None:
    outcome = _save(client, SaveRequest(interaction_id, "tier", "GOLD"))
    assert isinstance(outcome, Saved)
    assert outcome.replaced_id is None
    assert (outcome.tag.interaction_id, outcome.tag.custom_key, outcome.tag.custom_value) == (
        interaction_id,
        "tier",
        "GOLD",
    )
    assert sandbox.store.live_tags(interaction_id) == {"tier": "GOLD"}
    assert sandbox.store.tag_ids(interaction_id=interaction_id) == {outcome.tag.id}


def test_a_save_updates_keeping_the_id(
    client: SdxClient, sandbox: SandboxServer, interaction_id: int
) -> None:
    loaded = client.set_tag(interaction_id, "tier", "SILVER")
    outcome = _save(client, SaveRequest(interaction_id, "tier", "GOLD", loaded))
    assert isinstance(outcome, Saved)
    assert outcome.tag.id == loaded.id
    assert outcome.tag.custom_value == "GOLD"
    assert outcome.replaced_id is None
    assert sandbox.store.live_tags(interaction_id) == {"tier": "GOLD"}


def test_a_rename_creates_the_new_key_then_deletes_the_old(
    client: SdxClient, sandbox: SandboxServer, interaction_id: int
) -> None:
    loaded = client.set_tag(interaction_id, "tier", "SILVER")
    outcome = _save(client, SaveRequest(interaction_id, "level", "SILVER", loaded))
    assert isinstance(outcome, Saved)
    assert outcome.replaced_id == loaded.id
    assert outcome.tag.id != loaded.id
    assert outcome.tag.custom_key == "level"
    assert sandbox.store.live_tags(interaction_id) == {"level": "SILVER"}
    row = sandbox.store.get_tag_row(loaded.id)
    assert row is not None and row["deleted"]


def test_a_rename_when_the_old_is_already_gone_is_still_saved(
    client: SdxClient, sandbox: SandboxServer, interaction_id: int
) -> None:
    loaded = client.set_tag(interaction_id, "tier", "SILVER")
    client.delete_tag(loaded.id)
    outcome = _save(client, SaveRequest(interaction_id, "level", "SILVER", loaded))
    assert isinstance(outcome, Saved)
    assert outcome.replaced_id == loaded.id
    assert sandbox.store.live_tags(interaction_id) == {"level": "SILVER"}


@pytest.fixture
def flaky_client(fresh_sandbox: SandboxServer) -> Iterator[SdxClient]:
    with make_client(fresh_sandbox, retry=NO_RETRY) as c:
        yield c


def test_a_rename_is_half_done_when_the_delete_fails(
    flaky_client: SdxClient, fresh_sandbox: SandboxServer
) -> None:
    store = fresh_sandbox.store
    interaction_id = store.create_interaction(store.create_survey("Half-done rename"))
    loaded = flaky_client.set_tag(interaction_id, "tier", "SILVER")
    fresh_sandbox.set_faults(status_rates={503: 1.0}, methods=frozenset({"DELETE"}), retry_after=0)

    outcome = _save(flaky_client, SaveRequest(interaction_id, "level", "SILVER", loaded))

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


def _delete_check(client: SdxClient, tag: Tag) -> Planned:
    (row,) = preview(client, plan_delete([tag])).rows
    return row


def test_an_unchanged_tag_is_a_delete(client: SdxClient, interaction_id: int) -> None:
    loaded = client.set_tag(interaction_id, "tier", "SILVER")
    assert _delete_check(client, loaded).change is Change.DELETE


def test_a_delete_of_a_tag_changed_meanwhile_is_a_conflict(
    client: SdxClient, sandbox: SandboxServer, interaction_id: int
) -> None:
    loaded = client.set_tag(interaction_id, "tier", "SILVER")
    sandbox.store.set_tag_value_directly(loaded.id, "BRONZE")
    row = _delete_check(client, loaded)
    assert row.change is Change.CONFLICT
    assert row.current is not None and row.current.custom_value == "BRONZE"


def test_a_delete_of_a_tag_deleted_meanwhile_is_missing(
    client: SdxClient, interaction_id: int
) -> None:
    loaded = client.set_tag(interaction_id, "tier", "SILVER")
    client.delete_tag(loaded.id)
    assert _delete_check(client, loaded).change is Change.MISSING


def test_a_delete_of_an_id_that_never_existed_is_missing(
    client: SdxClient, interaction_id: int
) -> None:
    ghost = _tag(interaction_id, tag_id=987_654_321)
    assert _delete_check(client, ghost).change is Change.MISSING


def test_a_delete_removes_only_that_tag(
    client: SdxClient, sandbox: SandboxServer, interaction_id: int
) -> None:
    loaded = client.set_tag(interaction_id, "tier", "SILVER")
    client.set_tag(interaction_id, "keep", "me")
    report = apply(client, preview(client, plan_delete([loaded])))
    assert [r.result.value for r in report.results] == ["done"]
    assert sandbox.store.live_tags(interaction_id) == {"keep": "me"}
